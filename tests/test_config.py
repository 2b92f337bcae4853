from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import create_app
from survey_app.config import ConfigError, Settings
from survey_app.extensions import db
from tests.conftest import TEST_SECRET, make_settings

GOOD_SECRET = "x" * 40
PUBLIC = {"PUBLIC_URL": "https://enkat.example.org"}


def test_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY saknas"):
        Settings.from_env({}, instance_path=tmp_path)


def test_refuses_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="för kort"):
        Settings.from_env({"SECRET_KEY": "short"}, instance_path=tmp_path)


def test_create_app_without_environment_refuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_reads_the_generated_secret_from_the_instance_folder(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("a-generated-secret-of-enough-length\n")
    settings = Settings.from_env(PUBLIC, instance_path=tmp_path)
    assert settings.secret_key == "a-generated-secret-of-enough-length"
    assert settings.database_url == f"sqlite:///{tmp_path / 'survey.sqlite3'}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "går inte att tolka"),
        ("mysql://root@localhost/db", "bara SQLite och PostgreSQL"),
        ("postgresql+psycopg://user@host:5432/", "saknar databasnamn"),
    ],
)
def test_refuses_a_malformed_database_url(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": url}, instance_path=tmp_path)


def test_cookie_flag_must_be_a_boolean(tmp_path: Path) -> None:
    env = {"SECRET_KEY": GOOD_SECRET, "COOKIE_SECURE": "maybe", **PUBLIC}
    with pytest.raises(ConfigError, match="COOKIE_SECURE"):
        Settings.from_env(env, instance_path=tmp_path)
    good = {"SECRET_KEY": GOOD_SECRET, **PUBLIC}
    assert Settings.from_env(good, instance_path=tmp_path).cookie_secure


def test_plain_postgresql_urls_use_psycopg3(tmp_path: Path) -> None:
    app = create_app(make_settings("postgresql://u@127.0.0.1:5432/x"))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_factory_has_no_side_effects(tmp_path: Path) -> None:
    database = tmp_path / "untouched.sqlite3"
    app = create_app(make_settings(f"sqlite:///{database}"))
    assert isinstance(app, Flask)
    assert not database.exists(), "the factory must not create or connect to the database"


def test_session_cookie_settings(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'db'}", cookie_secure=True))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["SECRET_KEY"] == TEST_SECRET


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'wal.sqlite3'}"))
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
