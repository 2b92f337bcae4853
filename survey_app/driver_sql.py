"""Statements of a participant's page run on the driver's cursor itself (issue 17).

SQLAlchemy's execution around a page's one read and one save cost several times the statements
themselves. A statement here is compiled once per dialect, as SQLAlchemy would compile it, and
its parameters converted by their types' own bind processors; the driver then runs it.

`run` is for statements that are safe to run a second time after a failure: a read, or a write
that runs as its own transaction (`extensions.as_one_statement_transaction`), which a failure
leaves undone, and that gives the same rows if it did not (a connection lost after the server's
commit): the page's save, an upsert. Where the driver fails, SQLAlchemy runs the same statement
on the connection: a lost connection is then found, the pool's connections discarded and the
error raised as on every other path (the calm "try again" page), or a passing failure gives way
to the result.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement compiled for one dialect: its SQL, the order of its parameters where the
    driver takes them by position, and the bind processor of each parameter that has one."""

    sql: str
    order: tuple[str, ...] | None
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = dict(values)
        for name, process in self.processors:
            if name in converted:
                converted[name] = process(converted[name])
        if self.order is None:
            return converted
        return tuple(converted[name] for name in self.order)


@functools.cache
def compiled(dialect: sa.Dialect, statement: sa.Executable) -> Compiled:
    """Compiled once per dialect (a dialect learns its server at its first connection, so this
    is asked for with a connection's dialect) and statement (built once and kept, as the
    statements of the pages are)."""
    done = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    processors = []
    for name, bind in done.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return Compiled(
        sql=str(done),
        order=tuple(done.positiontup or ()) if dialect.positional else None,
        processors=tuple(processors),
    )


def run(
    connection: sa.Connection,
    statement: sa.Executable,
    values: Mapping[str, Any],
    convert: Callable[[list[Any]], Sequence[Any]] = list,
) -> Sequence[Any]:
    """The rows of `statement` (none for one that returns none), run on the connection's
    driver cursor and given to `convert` (the driver's rows are its plain tuples); where the
    driver fails, SQLAlchemy's rows of the same statement. See the module's docstring for which
    statements may be run so."""
    prepared = compiled(connection.dialect, statement)
    driver = connection.connection  # the pooled DBAPI connection
    own = not connection.in_transaction()
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(prepared.sql, prepared.parameters(values))
            fetched: list[Any] = list(cursor.fetchall()) if _has_rows(cursor) else []
        finally:
            cursor.close()
    except Exception:  # raised again below, by SQLAlchemy's execution of the same statement
        if own:
            with contextlib.suppress(Exception):
                driver.rollback()
        result = connection.execute(statement, dict(values))
        return result.all() if result.returns_rows else []
    return convert(fetched)


def _has_rows(cursor: Any) -> bool:
    """Whether the statement just run gave rows to fetch. psycopg's `description` builds a
    column object per column when asked (about 4 % of a page save's instructions); its
    `rownumber` is None exactly where there is no result to fetch. pysqlite's `description` is
    a plain attribute."""
    if isinstance(cursor, psycopg.Cursor):
        return cursor.rownumber is not None
    return cursor.description is not None
