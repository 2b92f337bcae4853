"""How a workbook's sheets print: landscape A4, fitted to the page width, the header rows
repeated on every page, a header and footer naming the förbund, the period and the page, and
page breaks chosen so that a table (or one insats' block of it, or a chart) is not cut in two
where it fits on a page.

The page breaks are worked out from an estimate of the printed scale (the sheet's column
widths against the page width), since a spreadsheet program fits the width only when it
prints: the estimate errs towards fewer rows per page, so a break may come early, never late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

A4 = 9  # the paper size code of A4 in the file format
MARGIN_SIDES = 0.4  # inches
MARGIN_TOP_BOTTOM = 0.75  # inches, the header and footer inside them
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 842.0, 595.0  # A4 landscape
ROW_HEIGHT_PT = 15.0  # the default row height
DEFAULT_WIDTH = 8.43  # characters, a column without a width of its own
# The room a header and footer take from the body, and the margin of error of the estimate.
HEADER_FOOTER_PT = 24.0
SAFETY = 0.95


@dataclass
class Pages:
    """What a sheet tells the page set-up: the rows to repeat on every page (first, last), the
    column widths in characters (for the printed scale), row spans to keep on one page where
    they fit (tables, an insats' rows, a chart), rows taller than one line, and how many pages
    tall the sheet may be at most (0: as many as it needs). `print_columns`: the columns to
    print (first, last) down to `last_row`, where a sheet has cells not meant for paper (the
    data behind a chart); None: all. `widths` then covers the printed columns only."""

    repeat: tuple[int, int] | None = None
    widths: list[float] = field(default_factory=list)
    units: list[tuple[int, int]] = field(default_factory=list)
    tall: dict[int, float] = field(default_factory=dict)  # row → height in lines
    fit_height: int = 0
    print_columns: tuple[int, int] | None = None
    last_row: int = 0


def lines(text: object, width: float) -> int:
    """The lines a wrapped text takes in a column `width` characters wide (an estimate that
    errs towards more lines)."""
    words = str(text).split()
    count, used = 1, 0.0
    room = max(width - 1.0, 1.0)
    for word in words:
        size = float(len(word))
        if used and used + 1 + size > room:
            count, used = count + 1, 0.0
        used += (1 if used else 0) + size
        while used > room:
            count, used = count + 1, used - room
    return count


def fit_rows(pages: Pages, cells: Iterable[tuple[int, int, object]]) -> None:
    """Rows as tall as their wrapped texts (row, column, text): a spreadsheet program does not
    always work the height out when it opens the file, and then a wrapped text overlaps the
    next row."""
    for row, col, text in cells:
        width = pages.widths[col] if col < len(pages.widths) else DEFAULT_WIDTH
        pages.tall[row] = max(pages.tall.get(row, 1.0), float(lines(text, width)))


def escape(text: str) -> str:
    """A text for a header or footer, where "&" starts a code."""
    return text.replace("&", "&&")


def header_and_footer(forbund: str, period: str, internal: bool) -> tuple[str, str]:
    """The sheet name on the left and the förbund and period on the right; the page number of
    the pages in the middle of the footer (internal reports say so in the header)."""
    right = escape(f"{forbund}, {period}")[:120]
    center = '&"-,Bold"INTERNT – får inte lämna förbundet' if internal else ""
    return f"&L&A&C{center}&R{right}", "&CSida &P av &N"


def setup(sheet: Any, pages: Pages, header: str, footer: str) -> None:
    """Landscape A4, fitted to one page wide, header rows repeated, breaks between units."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.set_margins(
        left=MARGIN_SIDES, right=MARGIN_SIDES, top=MARGIN_TOP_BOTTOM, bottom=MARGIN_TOP_BOTTOM
    )
    sheet.set_header(header, {"margin": 0.3})
    sheet.set_footer(footer, {"margin": 0.3})
    sheet.fit_to_pages(1, pages.fit_height)
    # Every row of a known height, so that page breaks land where they were worked out.
    sheet.set_default_row(ROW_HEIGHT_PT)
    for row, count in pages.tall.items():
        if count > 1:
            sheet.set_row(row, ROW_HEIGHT_PT * count)
    if pages.repeat is not None:
        sheet.repeat_rows(*pages.repeat)
    if pages.print_columns is not None:
        sheet.print_area(0, pages.print_columns[0], pages.last_row, pages.print_columns[1])
    found = breaks(pages)
    if found and not pages.fit_height:
        sheet.set_h_pagebreaks(found)


def scale(widths: list[float]) -> float:
    """The estimated printed scale of a sheet fitted to the page width."""
    pixels = sum(int(w * 7 + 5) if w >= 1 else int(w * 12 + 0.5) for w in widths)
    # LibreOffice prints a column of n pixels n points wide (Excel: 0.75 n): the wider is
    # taken, so that the estimate errs towards a smaller scale.
    points = pixels * 1.0
    room = PAGE_WIDTH_PT - 2 * 72 * MARGIN_SIDES
    return min(1.0, room / points) if points else 1.0


def rows_per_page(pages: Pages) -> float:
    """Lines of the default height that fit on one page, less the repeated rows."""
    room = PAGE_HEIGHT_PT - 2 * 72 * MARGIN_TOP_BOTTOM - HEADER_FOOTER_PT
    lines = room / (ROW_HEIGHT_PT * scale(pages.widths)) * SAFETY
    if pages.repeat is not None:
        lines -= sum(_height(pages, r) for r in range(pages.repeat[0], pages.repeat[1] + 1))
    return max(lines, 5.0)


def _height(pages: Pages, row: int) -> float:
    return pages.tall.get(row, 1.0)


def breaks(pages: Pages) -> list[int]:
    """Rows that start a new page: before a unit that would run over the page it starts on but
    fits on a page of its own. A unit taller than a page runs over pages as it must."""
    capacity = rows_per_page(pages)
    out: list[int] = []
    page_start, used = 0, 0.0
    position = 0  # the next row not yet counted
    units = sorted(pages.units, key=lambda unit: (unit[0], -unit[1]))
    for first, last in units:
        if first < position:
            continue  # within a unit already laid out
        size = sum(_height(pages, r) for r in range(first, last + 1))
        inner = any(a >= first and b <= last and (a, b) != (first, last) for a, b in units)
        if size > capacity and inner:
            continue  # too tall for a page: its parts (an insats' rows) are kept instead
        used += sum(_height(pages, r) for r in range(position, first))
        if used + size > capacity and size <= capacity and first > page_start:
            out.append(first)
            page_start, used = first, 0.0
        used += size
        while used > capacity:  # the program breaks a long unit by itself
            used -= capacity
        position = last + 1
    return out
