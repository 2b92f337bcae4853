"""Reading an uploaded or local CSV file row by row, for the registration and import files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
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
