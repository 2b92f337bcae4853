"""The migrations build exactly the schema of the models, and downgrade removes it again."""

from __future__ import annotations

import json

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


def _schema_facts(engine: sa.Engine) -> dict[str, object]:
    """What compare_metadata does not look at: CHECK constraints (and unique constraints)."""
    inspector = sa.inspect(engine)
    facts: dict[str, object] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        facts[table] = {
            "checks": sorted(
                (c["name"], " ".join(str(c["sqltext"]).split()))
                for c in inspector.get_check_constraints(table)
            ),
            "uniques": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
        }
    return facts


def test_migrated_check_constraints_equal_the_models(database_url: str) -> None:
    app = _migrated_app(database_url)
    with app.app_context():
        upgrade()
        migrated = _schema_facts(db.engine)
        downgrade(revision="base")
        db.create_all()
        modelled = _schema_facts(db.engine)
        db.drop_all()
        db.engine.dispose()
    assert migrated == modelled
    assert any(checks["checks"] for checks in modelled.values())  # type: ignore[index]


def test_migrations_keep_the_data_of_a_database_in_use(database_url: str) -> None:
    """Down to an early revision and up again with the demo förbund in the database: every
    batch migration on SQLite recreates tables that other rows reference, which foreign keys
    must not stop (migrations/env.py), and no row is lost on the way."""
    from datetime import date

    from survey_app.demo import load_demo_data

    app = _migrated_app(database_url)
    tables = ("participant", "participation", "occasion", "response", "answer")
    with app.app_context():
        upgrade()
        try:
            load_demo_data(app.extensions["questionnaires"], date(2026, 12, 1))
            db.session.commit()
            before = _row_counts(tables)
            assert before["answer"] > 0
            downgrade(revision="0004")
            upgrade()
            assert _row_counts(tables) == before
        finally:
            db.session.remove()
            downgrade(revision="base")
            db.engine.dispose()


def _row_counts(tables: tuple[str, ...]) -> dict[str, int]:
    counts = {
        table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        for table in tables
    }
    db.session.remove()  # no transaction left open for the migrations' locks to wait on
    return counts


def test_a_non_default_value_set_moves_to_the_questionnaire_options(database_url: str) -> None:
    """0018: a förbund's EQ-5D value sets (columns of forbund up to 0017) become the
    `value_set` option of the EQ-5D questionnaires, and go back to the columns on downgrade."""
    app = _migrated_app(database_url)
    with app.app_context():
        upgrade()
        try:
            db.session.execute(
                sa.text(
                    "INSERT INTO forbund (name, link_expiry_days, min_group_size, "
                    "protection_keeps, merge_other_genders, support_contacts, retention_months, "
                    "require_totp_for_admins, email_template, created_at) VALUES ('Norr', 30, 5, "
                    "'totals', false, '', 60, false, '', CURRENT_TIMESTAMP), ('Söder', 30, 5, "
                    "'totals', false, '', 60, false, '', CURRENT_TIMESTAMP)"
                )
            )
            db.session.commit()
            db.session.remove()
            downgrade(revision="0017")
            # The columns come back with the defaults; Norr had chosen other sets.
            db.session.execute(
                sa.text(
                    "UPDATE forbund SET eq5d_value_set_3l = 'uk_tto_3l', "
                    "eq5d_value_set_5l = 'se_tto_5l_2020' WHERE name = 'Norr'"
                )
            )
            db.session.commit()
            db.session.remove()
            upgrade()
            stored = db.session.execute(
                sa.text(
                    "SELECT f.name, o.questionnaire_id, o.options FROM questionnaire_options o "
                    "JOIN forbund f ON f.id = o.forbund_id ORDER BY f.name, o.questionnaire_id"
                )
            ).all()
            db.session.remove()
            found = [
                (name, qid, (json.loads(o) if isinstance(o, str) else o)["value_set"])
                for name, qid, o in stored
            ]
            assert found == [
                ("Norr", "eq5d-3l", "uk_tto_3l"),
                ("Norr", "eq5d-5l", "se_tto_5l_2020"),
                ("Söder", "eq5d-3l", "se_tto_3l"),
                ("Söder", "eq5d-5l", "se_5l_2022"),
            ]
            downgrade(revision="0017")
            back = db.session.execute(
                sa.text(
                    "SELECT name, eq5d_value_set_3l, eq5d_value_set_5l FROM forbund ORDER BY name"
                )
            ).all()
            db.session.remove()
            assert [tuple(row) for row in back] == [
                ("Norr", "uk_tto_3l", "se_tto_5l_2020"),
                ("Söder", "se_tto_3l", "se_5l_2022"),
            ]
        finally:
            db.session.remove()
            downgrade(revision="base")
            db.engine.dispose()
