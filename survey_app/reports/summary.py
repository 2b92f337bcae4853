"""The report's summary (*Sammanfattning*): participants, the key START → EXIT figures and the
goals, for a board.

It publishes nothing new. Every value is a cell the protected publication already shows, taken
from the protected tables of the built report and shown as it is shown there ("<5", "x" and
blanks stay so): a new figure (a sum, a difference, a share of two shown counts) would be a new
relation a reader could combine with the rest. `sections` makes the sheet from a built report;
`read_back` reads it back from a stored workbook for the summary page, so the page shows exactly
what was published.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import openpyxl

from survey_app.reports.compare import TOTAL

if TYPE_CHECKING:
    from survey_app.reports.dataset import Measure
    from survey_app.reports.workbook import Report

SHEET = "Sammanfattning"
# What each column holds, for the cell style in the workbook and the page's number format.
TEXT, COUNT, DECIMAL, PERCENT = "text", "count", "decimal", "percent"


@dataclass(frozen=True)
class Section:
    """A titled table: a header and rows of values as shown (a number, a protection marker or
    another text, or None for a blank cell)."""

    title: str
    header: list[str]
    kinds: list[str]  # per column: TEXT, COUNT, DECIMAL or PERCENT
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Page:
    """The summary as read back from a stored workbook."""

    title: str
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def overall_measures(measures: Mapping[str, Measure], sheet: str | None = None) -> list[str]:
    """Each comparison sheet's overall measures, in order: on a sheet of items with a mean of
    them (a self-assessment), the mean; on a sheet of scores (EQ-5D: index and VAS), each."""
    sheets = [sheet] if sheet else list(dict.fromkeys(m.sheet for m in measures.values()))
    out: list[str] = []
    for name in sheets:
        keys = [k for k, m in measures.items() if m.sheet == name]
        means = [k for k in keys if k.endswith(":mean")]
        out += means or keys
    return out


def key_measures(report: Report) -> list[str]:
    """The measures the summary shows."""
    return overall_measures(report.dataset.measures)


def sections(report: Report) -> list[Section]:
    return [*_participants(report), _comparison(report), _goals(report)]


def _participants(report: Report) -> list[Section]:
    """Översikt's margins: each insats over all genders, each gender over all insatser; the
    cohort ("Deltagare i urvalet") and the flow of the period, as Översikt shows them."""
    cohort = report.participants.shown()
    flow = report.overview.shown()
    insatser, genders = report.overview.labels[1], report.overview.labels[2]
    header = ["Deltagare i urvalet", *report.overview.labels[0]]
    kinds = [TEXT, *[COUNT] * len(header)]
    by_insats = [
        [insats, _plain(cohort[i, -1]), *[_plain(v) for v in flow[:, i, -1]]]
        for i, insats in enumerate(insatser)
    ]
    by_gender = [
        [gender, _plain(cohort[-1, g]), *[_plain(v) for v in flow[:, -1, g]]]
        for g, gender in enumerate(genders)
    ]
    return [
        Section("Deltagare per insats (alla kön)", ["Insats", *header], kinds, by_insats),
        Section("Deltagare per kön (alla insatser)", ["Kön", *header], kinds, by_gender),
    ]


COMPARISON_COLUMNS = (
    ("n_pairs", "Antal par", COUNT),
    ("n_without_exit", "Start utan avslut", COUNT),
    ("mean_start", "Medel vid start", DECIMAL),
    ("mean_exit", "Medel vid avslut", DECIMAL),
    ("mean_change", "Förändring", DECIMAL),
    ("share_improved", "Andel förbättrade", PERCENT),
)


def _comparison(report: Report) -> Section:
    """The comparison sheets' rows over all insatser ("Totalt"), by gender and in total."""
    table = report.comparison
    genders = [*report.dataset.genders, TOTAL]
    measures = report.dataset.measures
    sheets = list(dict.fromkeys(measures[k].sheet for k in key_measures(report)))
    rows: list[list[Any]] = []
    for key in key_measures(report):
        part = table[(table["measure"] == key) & (table["insats"] == TOTAL)]
        by_gender = {row["gender"]: row for _, row in part.iterrows()}
        first = True
        for gender in genders:
            row = by_gender.get(gender)
            if row is None:
                continue
            label = report.dataset.measures[key].label if first else None
            first = False
            rows.append([label, gender, *[_plain(row[c]) for c, _, _ in COMPARISON_COLUMNS]])
    return Section(
        "Före och efter (start och avslut), alla insatser: medel och andel förbättrade",
        ["Mått", "Kön", *[name for _, name, _ in COMPARISON_COLUMNS]],
        [TEXT, TEXT, *[kind for _, _, kind in COMPARISON_COLUMNS]],
        rows,
        note=f"Samma rader som ”Totalt” på bladen {_names(sheets)}, där också varje insats och "
        "konfidensintervallen finns.",
    )


def _names(names: list[str]) -> str:
    return " och ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _goals(report: Report) -> Section:
    goals = report.goals
    rows = [[_plain(v) for v in values] for values in goals.itertuples(index=False)]
    return Section(
        "Insatsernas mål och utfall",
        list(goals.columns),
        [TEXT, TEXT, PERCENT, COUNT, TEXT],
        rows,
        note="" if rows else "Inga mål är angivna för insatserna.",
    )


def _plain(value: Any) -> Any:
    """A cell as shown: None for a blank (NaN too), numpy numbers as Python numbers."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN: a blank statistic
        return None
    return int(number) if float(number).is_integer() and not isinstance(value, float) else number


# --- reading back -------------------------------------------------------------------------


def read_back(workbook: bytes) -> Page | None:
    """The summary sheet of a stored workbook, or None if it has none (published before the
    summary existed, or not a workbook at all). Layout as `workbook` writes it: the title in
    A1, lines of text, then sections: a title alone in column A, a header row, rows up to an
    empty row."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError):
        return None  # not a workbook this service wrote
    try:
        if SHEET not in book.sheetnames:
            return None
        rows = [
            [(cell.value, getattr(cell, "number_format", "General")) for cell in row]
            for row in book[SHEET].iter_rows()
        ]
    finally:
        book.close()
    page = Page(title=str(rows[0][0][0]) if rows and rows[0] else SHEET)
    r = 1
    while r < len(rows):
        values = _values(rows[r])
        following = _values(rows[r + 1]) if r + 1 < len(rows) else []
        if not values:
            r += 1
            continue
        alone = len(values) == 1 and values[0][0] == 0
        if alone and len([v for v in following if v[1] is not None]) >= 2:
            width = max(c for c, _ in following) + 1
            header = [str(v) if v is not None else "" for v in _padded(rows[r + 1], width)]
            data: list[list[Any]] = []
            formats: list[str] = [TEXT] * width
            s = r + 2
            while s < len(rows) and _values(rows[s]):
                cells = list(rows[s][:width]) + [(None, "General")] * (width - len(rows[s]))
                data.append([value for value, _ in cells])
                for c, (value, number_format) in enumerate(cells):
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        formats[c] = _kind(number_format)
                    elif isinstance(value, str) and formats[c] == TEXT and c > 0:
                        formats[c] = COUNT if _is_marker(value) else TEXT
                s += 1
            page.sections.append(Section(str(values[0][1]), header, formats, data))
            r = s
        elif page.sections:  # a note below a section's table belongs to it
            last = page.sections[-1]
            text = " ".join(str(v) for _, v in values)
            page.sections[-1] = replace(last, note=f"{last.note} {text}".strip())
            r += 1
        else:
            page.lines.extend(str(v) for _, v in values)
            r += 1
    return page


def _values(row: Sequence[tuple[Any, str]]) -> list[tuple[int, Any]]:
    return [(c, v) for c, (v, _) in enumerate(row) if v is not None and v != ""]


def _padded(row: Sequence[tuple[Any, str]], width: int) -> list[Any]:
    return [v for v, _ in row[:width]] + [None] * (width - len(row))


def _kind(number_format: str) -> str:
    if "%" in number_format:
        return PERCENT
    if "." in number_format:
        return DECIMAL
    return COUNT


def _is_marker(value: str) -> bool:
    return value == "x" or (value.startswith("<") and value[1:].isdigit())


def shown(value: Any, kind: str) -> str:
    """A value as the page shows it: Swedish decimal comma, percent with a space."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == PERCENT:
        return f"{round(float(value) * 100)} %"
    if kind == DECIMAL:
        return f"{float(value):.2f}".replace(".", ",").replace("-", "−")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")
