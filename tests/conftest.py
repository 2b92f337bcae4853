"""Fixtures: the app on SQLite and on PostgreSQL, a test client, and data factories.

PostgreSQL comes from TEST_DATABASE_URL (default: the local `test` database). Each test session
works in its own schema, so parallel runs do not meet. Where PostgreSQL is not reachable the
PostgreSQL variants are skipped with the reason, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from survey_app import create_app
from survey_app.config import Settings
from survey_app.extensions import db

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_SECRET = "test-secret-key-not-for-production"


# Every engine a test's app opened, to close its pooled connections after the test (below).
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection: Connection) -> None:
    _engines.add(connection.engine)


@pytest.fixture(autouse=True)
def _close_pooled_connections() -> Iterator[None]:
    """From Python 3.13 a SQLite connection collected while open warns (an error here, at a
    random later test). Not every test disposes the apps it makes, so all are disposed here;
    an engine used again simply reconnects."""
    yield
    for engine in list(_engines):
        engine.dispose()


def unavailable(reason: str) -> None:
    """Skip on a developer laptop; fail in CI, where every part must be present."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL into a fresh schema of the test PostgreSQL database, dropped after the session."""
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    url = make_url(base).set(drivername="postgresql+psycopg")
    conninfo = url.render_as_string(hide_password=False).replace("postgresql+psycopg", "postgresql")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(conninfo, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        unavailable(
            f"PostgreSQL is not reachable at {url.host}:{url.port} ({exc.__class__.__name__})"
        )
    options = quote(f"-csearch_path={schema}")
    yield f"{url.render_as_string(hide_password=False)}?options={options}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "testing": True,
        "csrf_enabled": False,
        "cookie_secure": False,
        # Never the developer's installed licensed texts: tests install their own.
        "licensed_texts_dir": Path(__file__).parent / "no-licensed-texts",
        "audio_dir": Path(__file__).parent / "no-audio",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to build the app with other settings (e.g. CSRF on)."""
    return {}


class PublicAddressClient(FlaskClient):
    """A test client whose requests go to the app's PUBLIC_URL (http://localhost unless a test
    sets another): the app refuses requests for any other host."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", self.application.config["SETTINGS"].public_url)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url: str, settings_overrides: dict[str, object]) -> Iterator[Flask]:
    """The app with an empty schema. No app context stays pushed: a request made inside one
    would share its `g` (and so the logged-in user and CSRF token) with the test; tests open
    `with app.app_context():` around their own database work instead."""
    app = create_app(make_settings(database_url, **settings_overrides))
    app.test_client_class = PublicAddressClient
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, email: str, password: str) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
