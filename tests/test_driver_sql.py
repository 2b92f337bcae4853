"""Statements run on the driver's cursor (`survey_app.driver_sql`): parameters converted by their
types as SQLAlchemy converts them, and SQLAlchemy's own execution where the driver fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import driver_sql
from survey_app.extensions import as_one_statement_transaction, db
from survey_app.models._types import Timestamp

# A JSON value and an aware time as bound parameters: the two conversions a page's save needs.
STORE = sa.text("INSERT INTO probe (value, at) VALUES (:value, :at) RETURNING id").bindparams(
    sa.bindparam("value", type_=sa.JSON), sa.bindparam("at", type_=Timestamp)
)


@pytest.fixture(autouse=True)
def probe_table(app: Flask) -> Iterator[None]:
    with app.app_context():
        kind = "SERIAL" if db.engine.dialect.name == "postgresql" else "INTEGER"
        db.session.execute(
            sa.text(f"CREATE TABLE probe (id {kind} PRIMARY KEY, value JSON, at TEXT)")
        )
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE probe"))
        db.session.commit()


def _stored() -> list[tuple[Any, ...]]:
    with db.engine.connect() as other:
        return [tuple(r) for r in other.exec_driver_sql("SELECT id, value, at FROM probe")]


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy's execution refused: what follows must pass on the driver alone."""

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the driver failed and SQLAlchemy ran the statement")

    monkeypatch.setattr(sa.Connection, "execute", refused)


def test_parameters_are_converted_by_their_types_and_the_rows_returned(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    when = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with app.app_context():
        _no_fallback(monkeypatch)
        connection = db.session.connection()
        with as_one_statement_transaction(connection):
            rows = driver_sql.run(
                connection, STORE, {"value": {"a": [1, 2.5, None], "b": "å"}, "at": when}
            )
        db.session.commit()
        ((stored_id, value, at),) = _stored()
        assert [tuple(r) for r in rows] == [(stored_id,)]
        # JSON text on SQLite, decoded by the driver on PostgreSQL: the same value either way.
        assert (value if isinstance(value, dict) else json.loads(value)) == {
            "a": [1, 2.5, None],
            "b": "å",
        }
        # Timestamp stores UTC; on PostgreSQL the TEXT column holds the server's text of it.
        assert str(at).startswith("2026-03-29 00:30:00")


def test_a_statement_alone_is_committed_by_itself_on_postgresql(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        _no_fallback(monkeypatch)
        connection = db.session.connection()
        with as_one_statement_transaction(connection) as alone:
            driver_sql.run(connection, STORE, {"value": 1, "at": datetime.now(UTC)})
        assert alone is (db.engine.dialect.name == "postgresql")
        assert len(_stored()) == (1 if alone else 0)
        db.session.rollback()
        assert len(_stored()) == (1 if alone else 0)


def test_where_the_driver_fails_sqlalchemy_runs_the_statement_once_more(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure that passes (here, SQL the server refuses) gives way to SQLAlchemy's own
    execution of the statement: one row stored, its id returned."""
    with app.app_context():
        real = driver_sql.compiled(db.engine.dialect, STORE)
        broken = replace(real, sql="INSERT INTO no_such_table VALUES (1)")
        monkeypatch.setattr(driver_sql, "compiled", lambda dialect, statement: broken)
        connection = db.session.connection()
        with as_one_statement_transaction(connection):
            rows = driver_sql.run(connection, STORE, {"value": [3], "at": datetime.now(UTC)})
        db.session.commit()
        ((stored_id, _, _),) = _stored()
        assert [tuple(r) for r in rows] == [(stored_id,)]


def test_a_lost_connection_is_found_as_sqlalchemy_finds_it(app: Flask) -> None:
    """The driver's connection gone: SQLAlchemy's execution raises its own error and marks the
    connection invalid, so the pool replaces it (the calm "try again" page follows)."""
    with app.app_context():
        connection = db.session.connection()
        connection.connection.driver_connection.close()  # type: ignore[union-attr]
        with pytest.raises(sa.exc.DBAPIError) as raised:
            driver_sql.run(connection, STORE, {"value": 1, "at": datetime.now(UTC)})
        assert raised.value.connection_invalidated
        db.session.rollback()
        db.session.remove()
        assert _stored() == []
