"""Every statement the service sends to the database, seen at the driver: what goes through
SQLAlchemy's execution and what a read runs on the driver's cursor itself
(`responses.reading._read_on_driver`) alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import event

from survey_app.extensions import db

# The drivers' own transaction control (pysqlite's implicit BEGIN, a commit or rollback): not
# statements of ours. BEGIN IMMEDIATE is ours and counts.
DRIVERS_OWN = frozenset({"BEGIN", "BEGIN DEFERRED", "COMMIT", "ROLLBACK"})


def _recording_cursor(record: Callable[[str], None]) -> type[psycopg.Cursor[Any]]:
    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            record(query if isinstance(query, str) else query.as_string(self))
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            record(query if isinstance(query, str) else query.as_string(self))
            return super().executemany(query, *args, **kwargs)

    return Recording


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The statements sent while the block runs, whitespace folded, in order. SQLite's trace
    shows a statement once per execution, psycopg's cursor once per call."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(statement: str) -> None:
        text = " ".join(statement.split())
        if text.upper() not in DRIVERS_OWN:
            seen.append(text)

    recording = _recording_cursor(record)

    def on_checkout(driver: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(driver, sqlite3.Connection):
            driver.set_trace_callback(record)
        else:
            driver.cursor_factory = recording

    def on_checkin(driver: Any, _record: Any) -> None:
        if isinstance(driver, sqlite3.Connection):
            driver.set_trace_callback(None)
        elif driver is not None:
            driver.cursor_factory = psycopg.Cursor

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
