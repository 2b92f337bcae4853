"""PostgreSQL's pooled connections are pinged only after lying idle (survey_app/pool_ping.py).

Real PostgreSQL throughout: the app's own backends are terminated from a separate connection
with pg_terminate_backend, as a PostgreSQL restart or an idle-connection cut would end them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from survey_app import pool_ping
from survey_app.extensions import db
from tests.survey_helpers import PAGES, create_link, make_setup, staff_client


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: SQLite has no pool to ping (its file is always there)."""
    return postgres_url


class Pool:
    """The app's engine seen from the test: the backend of every connection it opens, and
    every ping it sends (the dialect's own do_ping, still sent to the server, only counted)."""

    def __init__(self, app: Flask, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        with app.app_context():
            self.engine: Engine = db.engine
        url = make_url(postgres_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self.backends: list[int] = []
        self.pings = 0
        self.statements: list[str] = []
        real_ping = self.engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self.pings += 1
            return real_ping(dbapi_connection)

        monkeypatch.setattr(self.engine.dialect, "do_ping", counted_ping)
        # From here on every connection is a new one whose backend is known.
        self.engine.dispose()
        event.listen(self.engine, "connect", self._remember_backend)
        event.listen(self.engine, "before_cursor_execute", self._record_statement)

    def _remember_backend(self, dbapi_connection: Any, _entry: Any) -> None:
        self.backends.append(dbapi_connection.info.backend_pid)

    def _record_statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(" ".join(statement.split()))

    def kill_backends(self) -> None:
        """Terminate every backend the app has opened, from a connection of the test's own,
        and wait until each has exited."""
        assert self.backends, "the app has opened a connection"
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = ANY(%s)",
                (self.backends,),
            )
            alive = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (self.backends,)
            ).fetchone()
        assert alive == (0,)

    def close(self) -> None:
        event.remove(self.engine, "connect", self._remember_backend)
        event.remove(self.engine, "before_cursor_execute", self._record_statement)


@pytest.fixture
def pool(app: Flask, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pool]:
    seen = Pool(app, postgres_url, monkeypatch)
    yield seen
    seen.close()


@pytest.fixture
def participant(app: Flask) -> FlaskClient:
    """A participant who has opened a personal link and is on the START bundle's first page."""
    setup = make_setup(app)
    link = create_link(staff_client(app), setup)
    client = app.test_client()
    assert client.get(link).status_code == 200
    return client


def test_an_idle_connection_killed_server_side_is_replaced_without_a_503(
    participant: FlaskClient, pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert participant.get("/svar/sida/1").status_code == 200
    assert pool.pings == 0  # a new connection is not pinged
    first = list(pool.backends)
    # Every connection counts as idle from here on: the next checkout pings.
    monkeypatch.setattr(pool_ping, "IDLE_PING_SECONDS", 0.0)
    pool.kill_backends()

    page = participant.get("/svar/sida/1")

    assert page.status_code == 200, page.get_data(as_text=True)[-500:]
    assert pool.pings >= 1  # the dead connection was found by the ping ...
    assert set(pool.backends) - set(first)  # ... and replaced by a new one
    saved = participant.post("/svar/sida/1", data=PAGES[0])
    assert saved.status_code == 302


def test_a_connection_checked_out_again_at_once_is_not_pinged(
    participant: FlaskClient, pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow this machine is, nothing here lies idle for an hour.
    monkeypatch.setattr(pool_ping, "IDLE_PING_SECONDS", 3600.0)
    for number, data in enumerate(PAGES[:4], start=1):
        assert participant.get(f"/svar/sida/{number}").status_code == 200
        assert participant.post(f"/svar/sida/{number}", data=data).status_code == 302
    assert participant.get("/svar/sida/5").status_code == 200

    assert pool.backends  # the requests went through the pool ...
    assert pool.pings == 0  # ... and no checkout pinged
    assert pool.statements  # the app's statements were seen, and none of them is a ping
    assert not [s for s in pool.statements if s.upper() in {"SELECT 1", "SELECT 1;"}]


def test_a_connection_killed_while_busy_gives_one_try_again_page(
    participant: FlaskClient, pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The price of not pinging under load: a connection that dies between two requests close
    together fails the next request, calmly, once; SQLAlchemy then discards the pool's other
    connections, and the request after it reconnects."""
    monkeypatch.setattr(pool_ping, "IDLE_PING_SECONDS", 3600.0)
    assert participant.get("/svar/sida/1").status_code == 200
    pool.kill_backends()

    failed = participant.get("/svar/sida/1")

    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "5"
    assert "Tillfälligt avbrott" in failed.get_data(as_text=True)
    assert pool.pings == 0
    assert participant.get("/svar/sida/1").status_code == 200
    assert participant.post("/svar/sida/1", data=PAGES[0]).status_code == 302
