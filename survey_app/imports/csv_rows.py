"""Reading an uploaded or local CSV file row by row, for the registration and import files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice
from typing import IO


class UnreadableRow(Exception):
    """csv cannot read the file from this line on (an unclosed quote running to the end, a cell
    beyond csv's field size limit)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}")
        self.line = line


def header_and_rows(stream: IO[str]) -> tuple[list[str] | None, Iterator[tuple[int, list[str]]]]:
    """The first row (None when the file is empty or unreadable there) and an iterator of
    (line, cells) for the rest, read lazily: nothing beyond the current row is held."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    return header, _numbered(reader)


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    line = 1
    while True:
        line += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableRow(line) from error
        yield line, row


def header_and_all_rows(
    stream: IO[str], limit: int | None = None
) -> tuple[list[str] | None, list[list[str]], int | None]:
    """The first row (as `header_and_rows`), then the rest at once, at most `limit` of them, and
    the line csv could not read (None when it read them all): the rows before that line are
    returned. The reading runs in csv's C code, not row by row in Python."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
    except csv.Error:
        return None, [], None
    rows: list[list[str]] = []
    try:
        rows.extend(reader if limit is None else islice(reader, limit))
    except csv.Error:
        # list.extend keeps what it took before the error: the rows on lines 2 .. len + 1.
        return header, rows, len(rows) + 2
    return header, rows, None
