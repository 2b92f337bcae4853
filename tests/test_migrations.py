"""The migrations build exactly the schema of the models, and downgrade removes it again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import make_settings


def _migrated_app(database_url: str) -> Flask:
    return create_app(make_settings(database_url))


def test_upgrade_gives_the_schema_of_the_models(database_url: str) -> None:
    app = _migrated_app(database_url)
    with app.app_context():
        upgrade()
        try:
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, db.metadata)
            assert differences == []
        finally:
            downgrade(revision="base")
            db.engine.dispose()


def test_downgrade_reverses_cleanly(database_url: str) -> None:
    app = _migrated_app(database_url)
    with app.app_context():
        upgrade()
        tables_after_upgrade = set(sa.inspect(db.engine).get_table_names())
        assert {"forbund", "insats", "participation", "response", "answer", "audit_event"} <= (
            tables_after_upgrade
        )
        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        # And up again: the downgrade left nothing behind that blocks a second upgrade.
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) == tables_after_upgrade
        downgrade(revision="base")
        db.engine.dispose()
