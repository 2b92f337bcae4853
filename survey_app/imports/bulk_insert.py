"""Storing many rows of one table at the speed of the database's own bulk load.

SQLAlchemy's executemany processes every parameter of every row in Python (type conversion,
defaults); for the hundreds of thousands of rows of an import that costs several times the
insert itself. Here each column's conversion runs once per distinct value (a column of an
import repeats a handful of dates, enum members and timestamps), the column defaults are worked
out once, and the rows go to the driver as they are: by COPY on PostgreSQL, by the driver's
executemany on SQLite. Everything runs in the session's current transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db

# Rows handed to SQLite's executemany at a time (bounds the converted copy held in memory).
CHUNK = 100_000


def bulk_insert(table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `columns`) into `table`. Columns left out get
    their default, worked out once for all rows (a `utcnow` default gives every row the same
    moment: the import's)."""
    connection = db.session.connection()
    dialect = connection.dialect
    defaults = [
        (column.name, _default(column))
        for column in table.columns
        if column.name not in columns and column.default is not None
    ]
    names = [*columns, *(name for name, _ in defaults)]
    constants = tuple(value for _, value in defaults)
    convert = [_converter(table.columns[name].type, dialect) for name in names]
    converted_constants = tuple(
        c(v) if c else v for c, v in zip(convert[len(columns) :], constants, strict=True)
    )
    own = convert[: len(columns)]

    def converted(chunk: list[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not chunk:
            return []
        cells = list(zip(*chunk, strict=True))
        for i, c in enumerate(own):
            if c is not None:
                cells[i] = tuple(map(c, cells[i]))
        return [row + converted_constants for row in zip(*cells, strict=True)]

    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    table_name = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None  # noqa: S101 (an open connection has one)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table_name} ({quoted}) FROM STDIN") as copy,
        ):
            for chunk in _chunks(rows):
                for row in converted(chunk):
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table_name} ({quoted}) VALUES ({marks})"  # noqa: S608 (names from the table)
    for chunk in _chunks(rows):
        connection.exec_driver_sql(statement, converted(chunk))


def _chunks(rows: Iterable[Sequence[Any]]) -> Iterable[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _default(column: sa.Column[Any]) -> Any:
    default = column.default
    assert isinstance(default, sa.ColumnDefault)  # noqa: S101 (no server-side defaults here)
    if default.is_callable:
        return default.arg(None)
    return default.arg


def _converter(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind conversion for this dialect, run once per distinct value."""
    process = type_._cached_bind_processor(dialect)
    if process is None:
        return None
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            result = done[value] = process(value)
            return result

    return convert
