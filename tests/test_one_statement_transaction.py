"""A page save that is one statement runs as its own transaction on PostgreSQL (no BEGIN, no
COMMIT round trip); where the session's transaction is under way, or on SQLite, the statement
stays in the session's transaction until its commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import as_one_statement_transaction, db
from survey_app.models._types import utcnow
from survey_app.responses.storage import KEEP_SNAPSHOT


def _store_snapshot(content_hash: str) -> None:
    db.session.execute(
        KEEP_SNAPSHOT,
        {
            "content_hash": content_hash,
            "questionnaire_id": "probe",
            "version": "1",
            "source": "id: probe",
            "now": utcnow(),
        },
    )


def _seen_elsewhere(content_hash: str) -> bool:
    """Whether another connection sees the row (that is, it is committed)."""
    with db.engine.connect() as other:
        return bool(
            other.execute(
                sa.text("SELECT count(*) FROM questionnaire_snapshot WHERE content_hash = :h"),
                {"h": content_hash},
            ).scalar()
        )


def test_one_statement_is_committed_alone_on_postgresql_only(app: Flask) -> None:
    postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    with app.app_context():
        with as_one_statement_transaction():
            _store_snapshot("a" * 64)
        assert _seen_elsewhere("a" * 64) is postgresql
        driver = db.session.connection().connection.driver_connection
        assert getattr(driver, "autocommit", False) is False  # as it was, for what follows
        db.session.commit()
        assert _seen_elsewhere("a" * 64)


def test_a_transaction_under_way_keeps_the_statement(app: Flask) -> None:
    with app.app_context():
        _store_snapshot("b" * 64)  # the session's transaction has begun
        with as_one_statement_transaction():
            _store_snapshot("c" * 64)
        assert not _seen_elsewhere("c" * 64)
        db.session.rollback()
        assert not _seen_elsewhere("b" * 64)
        assert not _seen_elsewhere("c" * 64)
