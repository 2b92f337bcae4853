"""The Flask extensions, created once here and bound to an app in `create_app`."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic can drop and alter them on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def check_limits_on_their_routes_only(app: Flask, limiter: Limiter) -> None:
    """Drop Flask-Limiter's check before every request when it has nothing to count.

    The service's limits sit on the routes that need them (sign-in, codes, links, resets) and
    are counted by their decorators. The check before every request counts only default,
    application and blueprint limits; with none, it found nothing on every participant page,
    for a tenth of the page's time (issue 17). Where any such limit is set (e.g. by
    RATELIMIT_DEFAULT), or this version of Flask-Limiter keeps them where this cannot see, the
    check stays."""
    manager = limiter.limit_manager
    blueprint_limits = getattr(manager, "_blueprint_limits", None)
    if manager.default_limits or manager.application_limits or blueprint_limits != {}:
        return
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and a writer work at once; the busy timeout waits instead of failing.
    secure_delete overwrites deleted rows with zeros in the database's pages, so that erased
    participant data cannot be read back from the file (privacy/retention.py checkpoints the
    WAL)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def begin_write(connection: sa.Connection | None = None) -> None:
    """Start the current transaction as a writer: on SQLite, take the database's single write
    lock now (BEGIN IMMEDIATE), so that a write waits for it (busy_timeout) at its first statement
    instead of failing half-way when a read-only transaction cannot be upgraded.

    pysqlite (in its default, legacy transaction control) opens no transaction for reads, only
    before the first INSERT/UPDATE/DELETE; a request that reads first and then calls this holds
    the lock only for its writes and the commit. Not the SQLAlchemy documentation's full pysqlite
    recipe (driver autocommit plus an explicit BEGIN for every transaction): that would put every
    read in a transaction too, and each read-then-write elsewhere in the service would then risk
    SQLITE_BUSY on the upgrade. Does nothing on PostgreSQL, whose row locks are taken by the
    writes themselves. `connection`: the session's, where the caller has it already."""
    connection = connection or db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def as_one_statement_transaction(connection: sa.Connection | None = None) -> Iterator[bool]:
    """Run the block's one statement as a transaction of its own, where nothing has been sent
    yet on the connection (the session's by default) on PostgreSQL: psycopg would send BEGIN
    before it and a COMMIT or the pool's ROLLBACK would follow, two round trips that a
    statement atomic on its own does not need (issue 17: a page's read, and a save that is the
    request's only write, whose commit then has nothing left to do). Elsewhere (SQLite, or a
    transaction already under way) the block runs in the connection's transaction as ever.
    Gives whether the block runs as a transaction of its own."""
    driver = (connection or db.session.connection()).connection.driver_connection
    if (
        not isinstance(driver, psycopg.Connection)
        or driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    ):
        yield False
        return
    driver.autocommit = True
    try:
        yield True
    finally:
        with contextlib.suppress(psycopg.Error):  # a lost connection: the session finds it
            driver.autocommit = False
