from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from survey_app import create_app
from survey_app.auth.passwords import verify_password
from survey_app.demo import DEMO_LOGINS
from survey_app.extensions import db
from survey_app.models import (
    Forbund,
    Insats,
    Occasion,
    OccasionKind,
    Participation,
    Response,
    StaffUser,
)
from tests.conftest import login, make_settings


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Forbund, Insats, StaffUser, Participation, Occasion, Response)
        }


def test_create_admin_reads_the_password_from_a_file(app: Flask, tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("a very secret admin password\n")
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--forbund",
            "Skaraborg",
            "--email",
            "Chef@Example.org",
            "--password-file",
            str(password_file),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "a very secret" not in result.output
    with app.app_context():
        user = db.session.scalars(sa.select(StaffUser)).one()
        assert user.email == "chef@example.org"
        assert user.is_admin
        assert user.forbund.name == "Skaraborg"
        assert verify_password(user.password_hash, "a very secret admin password")
        assert user.must_change_password, "typed on a server: chosen anew at the first sign-in"


def test_create_admin_reads_the_password_from_a_prompt(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--forbund", "Skaraborg", "--email", "chef@example.org"],
        input="prompted password 123\nprompted password 123\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, "chef@example.org", "prompted password 123")
    # The first sign-in leads to choosing an own password, before any other page.
    assert client.get("/admin/insatser").headers["Location"] == "/konto/losenord"


def test_create_admin_refuses_a_weak_password_and_saves_nothing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--forbund",
            "Skaraborg",
            "--email",
            "chef@example.org",
            "--password-file",
            "-",
        ],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "minst 15 tecken" in result.output
    assert _counts(app)["Forbund"] == 0


def test_demo_data_is_loaded_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        dialect = db.engine.dialect.name
    args = ["demo-data"] if dialect == "sqlite" else ["demo-data", "--allow-any-database"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert counts["Forbund"] == 1
    assert 2 <= counts["Insats"] <= 3
    assert counts["Participation"] == 30
    assert counts["StaffUser"] == len(DEMO_LOGINS)
    for login_ in DEMO_LOGINS:
        assert login_.email in first.output and login_.password in first.output
    with app.app_context():
        exits_answered = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Occasion.id)))
            .join(Response)
            .where(Occasion.kind == OccasionKind.EXIT)
        )
        starts_answered = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Occasion.id)))
            .join(Response)
            .where(Occasion.kind == OccasionKind.START)
        )
        assert starts_answered and starts_answered >= 20
        assert exits_answered and exits_answered >= 5
        assert db.session.scalar(sa.select(sa.func.max(Participation.start_date))) <= date.today()

    second = runner.invoke(args=args)
    assert second.exit_code == 0
    assert "fanns redan" in second.output
    assert _counts(app) == counts

    client = app.test_client()
    login(client, DEMO_LOGINS[1].email, DEMO_LOGINS[1].password)
    assert client.get("/").status_code == 200  # published demo logins: no forced change


def test_demo_data_refuses_a_production_database(postgres_url: str) -> None:
    app = create_app(make_settings(postgres_url))
    with app.app_context():
        db.create_all()
    try:
        result = app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code != 0
        assert "bara in i den inbyggda SQLite-databasen" in result.output
        assert _counts(app)["Forbund"] == 0
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
