"""The ceiling for a page save: a bare WSGI endpoint that stores a posted page in one INSERT.

No Flask, no session, no CSRF, no ORM: the form body is parsed and its fields inserted as rows
of `bare_answer` in one multi-row INSERT and one commit, on the database named by DATABASE_URL
(PostgreSQL through psycopg, SQLite through sqlite3 in WAL mode with the service's busy
timeout). Served by gunicorn with the service's own gunicorn.conf.py:

    DATABASE_URL=... gunicorn -c gunicorn.conf.py benchmarks.bare_insert_app:app

`benchmarks/page_save.py` runs it against the service's page save, interleaved.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import psycopg

TABLE = (
    "CREATE TABLE IF NOT EXISTS bare_answer "
    "(id {key}, response_id INTEGER, item_id TEXT, value TEXT)"
)

_local = threading.local()


def connect(url: str) -> Any:
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=5)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=5000")
        return connection
    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))


def create_table(url: str) -> None:
    connection = connect(url)
    key = "INTEGER PRIMARY KEY" if url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    connection.execute(TABLE.format(key=key))
    connection.commit()
    connection.close()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = connect(os.environ["DATABASE_URL"])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    fields = parse_qsl(environ["wsgi.input"].read(length).decode())
    rows = [(1, name, value) for name, value in fields]
    marks = "?" if isinstance(connection, sqlite3.Connection) else "%s"
    values = ", ".join(f"({marks}, {marks}, {marks})" for _ in rows)
    connection.execute(
        f"INSERT INTO bare_answer (response_id, item_id, value) VALUES {values}",  # noqa: S608
        [cell for row in rows for cell in row],
    )
    connection.commit()
    start_response("302 Found", [("Location", "/next"), ("Content-Length", "0")])
    return [b""]
