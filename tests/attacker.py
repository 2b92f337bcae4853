"""An attacker on the report workbook's small-group protection, written apart from it.

It reads an exported workbook with openpyxl, cell by cell, as anyone who receives the file can,
and tries to work out the counts hidden as "<k" or "x". It knows only what a reader knows: the
titles and layout of the tables, the labels, and what the sheets say about themselves. It never
imports the protection code (survey_app/reports/suppress.py, tables.py, protection.py).

Every relation a reader can see is written as a linear equation or inequality over unknowns,
one unknown per hidden count cell (visible counts are constants), plus a few unknowns that are
never printed but follow from what is: the sum of the values behind a mean, the number of
improved / unchanged / worsened pairs, the number of "ja" behind a share. The relations:

- totals: every line of a table with a "Totalt" row, column or insats block adds up (two-way
  tables and the three-way insats × category × gender tables alike);
- Översikt: the flow of the period per insats and per gender: aktiva = inskrivna vid början +
  nya = avslutade + pågående vid slut; the two flow tables share their Totalt row; "Deltagare
  i urvalet" is the flow's column of the cohort named under the sheet's title ("Urval: …");
  pairs (which need an EXIT in the period) are at most the period's avslutade;
- the same count printed twice: Översikt's participants per insats and Räckvidd's "Deltagare";
  a goal's "Antal" and the comparison sheet's pairs (or the exit reasons given) of that insats;
- shares beside counts: share × denominator = numerator (violence, reach, satisfaction, exit
  reasons, the comparison sheets' improved / unchanged / worsened, goal outcomes);
- means beside counts: mean × n = the sum of the values; sums add up along the same lines as
  the counts; every group's sum lies between min · n and max · n of the scale ("mean bounds");
  for a satisfaction item the sum is Σ value × count of that value in the table above it;
- series: a sheet comparing START with a follow-up ("… (start och uppföljning 1)") has the same
  layout, its columns named for the step; its pairs + "Start utan <step>" equal the START → EXIT
  sheet's pairs + "Start utan avslut" of the same measure and group (the same START values);
  pairs after the exit are at most the period's avslutade, pairs at a follow-up are not;
- subsets: a "Varav …" count is at most its whole; pairs + "Start utan avslut" are at most the
  participants of that insats and gender; questionnaires answered once per participation and
  occasion (satisfaction, register data, exit reason) have at most as many answers as there
  are participants; reach counts are at most the violence screenings.

Bounds from the labels: "<k" is 1..k−1. "x" is a count hidden to protect another one; a
visible non-zero count is never below k, so a reader takes "x" as ≥ k (the default,
`x_floor=None`). Should the workbook contradict that (e.g. a 0 hidden as "x"), the attacker
falls back to ≥ 1 and then ≥ 0 and says so in `Report.notes`. Every count is ≥ 0.

Then, in three stages:
(a) subtraction: each relation on its own, with the other cells at their label bounds;
(b) bound propagation through all relations together (shares × n, mean bounds, …), counts
    rounded to whole numbers;
(c) two linear programs per hidden cell (scipy.optimize.linprog, method="highs"): the least and
    the greatest value it can take under all relations together.
A finding is a hidden cell whose deducible range is narrower than its label admits: for "<k",
narrower than 1..k−1; for "x", fewer than k−1 possible values. And (d): a statistic (mean,
share, confidence interval, p-value) printed beside the count it is computed from while that
count is hidden.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import openpyxl
from openpyxl.utils import get_column_letter
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

TOTAL = "Totalt"
PRIMARY = re.compile(r"^<(\d+)$")
SECONDARY = "x"
EPS = 1e-6
# EQ-5D index: the lowest value of the index value sets in use is about −0.59.
EQ5D_INDEX_RANGE = (-0.6, 1.0)
EQ5D_VAS_RANGE = (0.0, 100.0)

# Headers of the comparison sheets.
PAIRS = "Antal par (start och avslut)"
WITHOUT_EXIT = "Start utan avslut"
MEAN_START = "Medel vid start"
MEAN_EXIT = "Medel vid avslut"
MEAN_CHANGE = "Förändring"
IMPROVED = "Andel förbättrade"
UNCHANGED = "Andel oförändrade"
WORSENED = "Andel försämrade"

COUNT_KINDS = ("total", "overview", "same count", "subset")

# Översikt's flow: column names, and the cohort named in the line under each sheet's title.
FLOW_ENROLLED = "Inskrivna vid periodens början"
FLOW_NEW = "Nya under perioden"
FLOW_ACTIVE = "Aktiva under perioden"
FLOW_ENDED = "Avslutade under perioden"
FLOW_ONGOING = "Pågående vid periodens slut"
FLOW_TABLES = ("Flöde under perioden per insats", "Flöde under perioden per kön")
# *Sammanfattning*'s participants, (title, by gender): the same counts as Översikt's.
SUMMARY_TABLES = (
    ("Deltagare per insats (alla kön)", False),
    ("Deltagare per kön (alla insatser)", True),
)
# A register table's participations without an answer; a background table's without the
# information. With them a table's "Totalt" is every participation it is about.
MISSING = "Svar saknas"
NOT_KNOWN = "Uppgift saknas"
# *Bakgrund och tid*: the time in the insats of those who ended in the period (their number,
# mean and median months), and the flow's new and ended per month.
TIME_TABLES = ("Tid i insatsen per insats", "Tid i insatsen per kön")
MONTH_TABLE = "Nya och avslutade deltaganden per månad"
TIME_N, TIME_MEAN, TIME_MEDIAN = "Avslutade under perioden", "Medel (månader)", "Median (månader)"
COHORTS = {
    "aktiva under perioden": FLOW_ACTIVE,
    "nya under perioden": FLOW_NEW,
    "avslutade under perioden": FLOW_ENDED,
    "inskrivna vid periodens början": FLOW_ENROLLED,
}


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    sheet: str
    cell: str  # e.g. "C12"
    label: str  # "<5", "x", or for a statistic beside a hidden count, that count's label
    low: float | None  # the deduced range of the hidden count (None: not worked out)
    high: float | None
    method: str  # "subtraction", "propagation (share)", "linear programming", "statistic …"
    detail: str = ""

    def __str__(self) -> str:
        span = "" if self.low is None else f" → [{_fmt(self.low)}, {_fmt(self.high)}]"
        return f"{self.sheet}!{self.cell} {self.label}{span} by {self.method}: {self.detail}"


@dataclass
class Report:
    findings: list[Finding]
    notes: list[str]
    hidden_cells: int
    relations: int
    linear_programs: int
    x_floor: int


def attack(workbook: bytes | str | Path | BinaryIO, k: int, **options: Any) -> list[Finding]:
    """The hidden cells a reader of the workbook can narrow down, and the statistics printed
    beside hidden counts."""
    return analyse(workbook, k, **options).findings


def analyse(
    workbook: bytes | str | Path | BinaryIO,
    k: int,
    x_floor: int | None = None,
    one_response_per_occasion: bool = True,
    stages: str = "abc",
) -> Report:
    """`stages`: which of (a), (b), (c) to run (all, unless testing one on its own)."""
    if isinstance(workbook, bytes | bytearray):
        workbook = io.BytesIO(workbook)
    book = openpyxl.load_workbook(workbook, data_only=True)
    sheets = [(ws.title, _grid(ws)) for ws in book.worksheets]
    floors = [x_floor] if x_floor is not None else [k, 1, 0]
    notes: list[str] = []
    for n, floor in enumerate(floors):
        model = Model(k, floor, one_response_per_occasion)
        try:
            model.read(sheets)
            report = model.solve(stages)
        except Infeasible as error:
            if n + 1 < len(floors):
                notes.append(
                    f'the relations contradict "x" ≥ {floor} ({error}); trying ≥ {floors[n + 1]}'
                )
                continue
            raise InconsistentWorkbook(
                f"the workbook's own relations contradict each other: {error}"
            ) from error
        report.notes[:0] = notes
        # What the labels alone allow is no finding: a "<5" total of two hidden parts leaves
        # each at most 3 whatever else is published. A finding is a range narrower than that.
        narrowed = [f for f in report.findings if f.low is not None]
        if narrowed:
            base = label_ranges(sheets, k, floor, one_response_per_occasion, narrowed)
            report.findings = [
                f
                for f in report.findings
                if f.low is None or _beyond_labels(f, base[(f.sheet, f.cell)], k)
            ]
        return report
    raise AssertionError("unreachable")  # pragma: no cover


def _beyond_labels(finding: Finding, labels: tuple[float, float], k: int) -> bool:
    low, high = finding.low, finding.high
    assert low is not None and high is not None
    if finding.label == "x":
        return high - low + 1 < min(k - 1, labels[1] - labels[0] + 1)
    return low > labels[0] + EPS or high < labels[1] - EPS


def label_ranges(
    sheets: Sequence[tuple[str, Grid]],
    k: int,
    x_floor: int,
    one_response: bool,
    findings: Sequence[Finding],
) -> dict[tuple[str, str], tuple[float, float]]:
    """The range of each finding's cell that a reader gets from the labels alone: every
    visible count known only as 0 or at least k, no share or mean used (they need numbers)."""
    model = Model(k, x_floor, one_response, labels_only=True)
    model.read(sheets)
    rows = [r for r in model.rows if r.kind in COUNT_KINDS]
    lo = np.array([v.lo for v in model.vars], dtype=float)
    hi = np.array([v.hi for v in model.vars], dtype=float)
    # Counts are whole numbers at every step, as in the attack itself (stage b before c): an
    # "x" of ja answers (≥ k) over seven questions makes its responses at least 2, not 8/7.
    # (The labels alone are looser than the workbook, which was feasible: no Infeasible here.)
    lo, hi, _ = _propagate(rows, lo, hi, model.vars)
    parent = list(range(len(model.vars)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        first, *rest = row.terms
        for other in rest:
            parent[find(first)] = find(other)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(model.vars)):
        members[find(i)].append(i)
    rows_of: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        rows_of[find(next(iter(row.terms)))].append(row)
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for finding in findings:
        expr = model.cells.get((finding.sheet, finding.cell))
        if expr is None or not expr.terms:
            out[(finding.sheet, finding.cell)] = (-math.inf, math.inf)
            continue
        i = next(iter(expr.terms))
        root = find(i)
        component = Component(model, members[root], rows_of[root], [i], lo, hi)
        least = component.run({i: 1.0})
        greatest = component.run({i: -1.0})
        # Counts are whole numbers.
        out[(finding.sheet, finding.cell)] = (
            max(lo[i], math.ceil(least.fun - EPS)) if least.status == 0 else -math.inf,
            min(hi[i], math.floor(-greatest.fun + EPS)) if greatest.status == 0 else math.inf,
        )
    return out


class Infeasible(Exception):
    pass


class InconsistentWorkbook(Exception):
    """The relations the attacker reads contradict each other even with "x" ≥ 0: either a
    relation the attacker assumes does not hold, or the workbook changes numbers."""


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    if math.isinf(value):
        return "∞"
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


# --- linear expressions and the system ----------------------------------------------------


class Lin:
    """A linear expression: Σ coefficient · unknown + constant."""

    __slots__ = ("const", "terms")

    def __init__(self, terms: dict[int, float] | None = None, const: float = 0.0) -> None:
        self.terms = dict(terms or {})
        self.const = float(const)

    def __add__(self, other: Lin | float) -> Lin:
        if not isinstance(other, Lin):
            return Lin(self.terms, self.const + other)
        terms = dict(self.terms)
        for var, coef in other.terms.items():
            terms[var] = terms.get(var, 0.0) + coef
        return Lin(terms, self.const + other.const)

    __radd__ = __add__

    def __sub__(self, other: Lin | float) -> Lin:
        return self + other * -1.0

    def __mul__(self, factor: float) -> Lin:
        return Lin({v: c * factor for v, c in self.terms.items()}, self.const * factor)

    __rmul__ = __mul__


@dataclass
class Var:
    name: str
    lo: float
    hi: float
    integer: bool
    cell: Hidden | None = None


@dataclass
class Hidden:
    sheet: str
    address: str
    label: str
    lo: float  # what the label admits
    hi: float
    primary: bool
    var: int


@dataclass
class Row:
    terms: dict[int, float]
    const: float
    sense: str  # "eq": terms · x + const = 0; "le": terms · x + const ≤ 0
    kind: str
    text: str


def _lsum(items: Iterable[Lin]) -> Lin:
    total = Lin()
    for item in items:
        total = total + item
    return total


# --- reading the sheets ---------------------------------------------------------------------

Grid = dict[int, dict[int, Any]]  # row → column → value (1-based, blanks left out)
Cell = tuple[str, Any]  # (address, value)


def _grid(ws: Any) -> Grid:
    grid: Grid = defaultdict(dict)
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and cell.value != "":
                grid[cell.row][cell.column] = cell.value
    return grid


def _address(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _value(row: dict[str, Cell], column: str) -> float | None:
    cell = row.get(column)
    return _number(cell[1]) if cell else None


def _hidden(value: Any) -> bool:
    return isinstance(value, str) and (value == SECONDARY or PRIMARY.match(value) is not None)


@dataclass
class Table:
    """A titled table of a sheet: one or two label columns, then value columns."""

    sheet: str
    title: str
    nlabels: int
    columns: list[str]
    records: list[tuple[tuple[str, ...], dict[str, Cell]]]
    _index: dict[tuple[tuple[str, ...], str], Cell] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key, cells in self.records:
            for column, cell in cells.items():
                self._index.setdefault((key, column), cell)

    def get(self, key: tuple[str, ...], column: str) -> Cell | None:
        return self._index.get((key, column))

    def axis(self, n: int) -> list[str]:
        return list(dict.fromkeys(key[n] for key, _ in self.records))

    def row_keys(self) -> list[tuple[str, ...]]:
        return list(dict.fromkeys(key for key, _ in self.records))


def _tables(sheet: str, grid: Grid) -> list[Table]:
    """Titled tables one below the other: a title alone in column A, a header row, data rows
    up to the next empty row."""
    tables = []
    last = max(grid, default=0)
    r = 1
    while r <= last:
        row = grid.get(r, {})
        header = grid.get(r + 1, {})
        if set(row) == {1} and isinstance(row[1], str) and header and grid.get(r + 2):
            data: list[tuple[int, dict[int, Any]]] = []
            s = r + 2
            while grid.get(s):
                data.append((s, grid[s]))
                s += 1
            two = any(1 not in cells and 2 in cells for _, cells in data)
            nlabels = 2 if two else 1
            columns = {c: _label(v) for c, v in header.items() if c > nlabels}
            records = []
            first = ""
            for number, cells in data:
                if 1 in cells:
                    first = _label(cells[1])
                key = (first, _label(cells.get(2, ""))) if two else (first,)
                values = {name: (_address(number, c), cells.get(c)) for c, name in columns.items()}
                records.append((key, values))
            tables.append(Table(sheet, row[1].strip(), nlabels, list(columns.values()), records))
            r = s
        r += 1
    return tables


@dataclass
class Comparison:
    """A sheet of paired START/EXIT comparisons: one row per measure, insats and gender."""

    sheet: str
    note: str
    rows: dict[tuple[str, str, str], dict[str, Cell]]
    measures: list[str]
    chart: list[tuple[str, dict[str, Cell]]]  # the block of means beside the table
    # From the title "<name>: före och efter (start och <step>)": the comparison's name and its
    # later occasion ("avslut", "uppföljning 1", "uppföljning 6 mån efter avslut").
    name: str = ""
    step: str = "avslut"


TITLE = re.compile(r"^(.*): före och efter \(start och (.*)\)$")


def _series_header(label: str) -> str:
    """A series sheet's headers as the START → EXIT sheet's."""
    for prefix, plain in (
        ("Antal par (start och ", PAIRS),
        ("Start utan ", WITHOUT_EXIT),
        ("Medel vid ", MEAN_EXIT),
    ):
        if label.startswith(prefix) and label != MEAN_START:
            return plain
    return label


def _comparison(sheet: str, grid: Grid) -> Comparison | None:
    title = TITLE.match(str(grid.get(1, {}).get(1, "")))
    for r, cells in sorted(grid.items()):
        names: dict[str, int] = {}
        cells = {c: _series_header(_label(v)) for c, v in cells.items()}
        for c, v in sorted(cells.items()):
            names.setdefault(_label(v), c)
        if PAIRS not in names or "Mått" not in names:
            continue
        table_columns = {c: _label(v) for c, v in cells.items() if c <= max(names.values())}
        measure_col, insats_col, gender_col = names["Mått"], names["Insats"], names["Kön"]
        last_table_col = max(
            c for c, v in cells.items() if _label(v) in (PAIRS, WITHOUT_EXIT, WORSENED)
        )
        rows: dict[tuple[str, str, str], dict[str, Cell]] = {}
        measures: list[str] = []
        s = r + 1
        while grid.get(s, {}).get(measure_col) is not None:
            data = grid[s]
            key = (_label(data[measure_col]), _label(data[insats_col]), _label(data[gender_col]))
            if key[0] not in measures:
                measures.append(key[0])
            rows[key] = {
                name: (_address(s, c), data.get(c))
                for c, name in table_columns.items()
                if c > gender_col and c <= last_table_col
            }
            s += 1
        chart: list[tuple[str, dict[str, Cell]]] = []
        beyond = {c: _label(v) for c, v in cells.items() if c > last_table_col}
        starts = [c for c, v in beyond.items() if v == "Insats"]
        if starts:
            first = starts[0]
            s = r + 1
            while grid.get(s, {}).get(first) is not None:
                chart.append(
                    (
                        _label(grid[s][first]),
                        {
                            beyond[c]: (_address(s, c), grid[s].get(c))
                            for c in beyond
                            if c > first and beyond[c] in ("Start", "Avslut")
                        },
                    )
                )
                s += 1
        note = " ".join(
            str(v) for row in range(1, r) for v in grid.get(row, {}).values() if isinstance(v, str)
        )
        if title:
            return Comparison(sheet, note, rows, measures, chart, title[1], title[2])
        return Comparison(sheet, note, rows, measures, chart)
    return None


# --- the model --------------------------------------------------------------------------------


@dataclass
class CountTable:
    """Counts (or unprinted quantities) laid out along named axes, each may end in Totalt."""

    name: str
    axes: list[list[str]]
    cells: dict[tuple[str, ...], Lin]

    def at(self, *key: str) -> Lin | None:
        return self.cells.get(tuple(key))


class Model:
    def __init__(self, k: int, x_floor: int, one_response: bool, labels_only: bool = False) -> None:
        self.labels_only = labels_only  # a reader without the numbers: see `label_ranges`
        self.k = k
        self.x_floor = x_floor
        self.one_response = one_response
        self.vars: list[Var] = []
        self.rows: list[Row] = []
        self.cells: dict[tuple[str, str], Lin] = {}
        self.notes: list[str] = []
        self.tables: dict[str, Table] = {}
        self.counts: dict[str, CountTable] = {}
        self.comparisons: list[Comparison] = []
        self.pairs: dict[tuple[str, str, str, str], Lin] = {}  # (sheet, measure, insats, g)
        self.without: dict[tuple[str, str, str, str], Lin] = {}  # START without the later one
        self.improved: dict[tuple[str, str, str, str], Lin] = {}
        self.stat_leaks: list[tuple[str, str, str, Lin, str]] = []
        self.cohort: str | None = None  # the flow column the cohort is (from "Urval: …")

    # -- unknowns and relations --

    def var(self, name: str, lo: float, hi: float, integer: bool) -> Lin:
        self.vars.append(Var(name, lo, hi, integer))
        return Lin({len(self.vars) - 1: 1.0})

    def count(self, sheet: str, cell: Cell | None) -> Lin:
        """A printed count: a constant if visible, an unknown if hidden."""
        if cell is None:
            return Lin()
        address, value = cell
        key = (sheet, address)
        if key in self.cells:
            return self.cells[key]
        number = _number(value)
        if number is not None and self.labels_only and number != 0:
            expr = self.var(f"{sheet}!{address} (≥ k)", float(self.k), math.inf, True)
        elif number is not None:
            expr = Lin(const=number)
        elif _hidden(value):
            label = str(value)
            match = PRIMARY.match(label)
            lo, hi = (1.0, float(int(match.group(1)) - 1)) if match else (self.x_floor, math.inf)
            expr = self.var(f"{sheet}!{address}", lo, hi, True)
            index = next(iter(expr.terms))
            self.vars[index].cell = Hidden(sheet, address, label, lo, hi, bool(match), index)
        else:
            if value is not None:
                self.notes.append(f"{sheet}!{address}: {value!r} read as an unknown count")
            expr = self.var(f"{sheet}!{address} (blank)", 0.0, math.inf, True)
        self.cells[key] = expr
        return expr

    def add(self, expr: Lin, sense: str, kind: str, text: str) -> None:
        terms = {v: c for v, c in expr.terms.items() if c != 0.0}
        if not terms:
            if (sense == "eq" and abs(expr.const) > 1e-6) or (sense == "le" and expr.const > 1e-6):
                raise Infeasible(f"{text}: {expr.const:+g} off")
            return
        self.rows.append(Row(terms, expr.const, sense, kind, text))

    def equal(self, a: Lin, b: Lin, kind: str, text: str) -> None:
        self.add(a - b, "eq", kind, text)

    def at_most(self, a: Lin, b: Lin, kind: str, text: str) -> None:
        self.add(a - b, "le", kind, text)

    def ratio(
        self, num: Lin, den: Lin, value: float, tolerance: float, kind: str, text: str
    ) -> None:
        """num = value · den: a share (or mean) printed beside its denominator, exactly
        (tolerance 0: written with full float precision) or rounded to ± tolerance."""
        if tolerance == 0.0:
            self.equal(num, den * value, kind, text)
            return
        self.at_most(num, den * (value + tolerance), kind, text)
        self.at_most(den * (value - tolerance), num, kind, text)

    def totals(self, table: CountTable, kind: str, text: str) -> None:
        """Every line along every axis that has a Totalt adds up to it."""
        for axis, values in enumerate(table.axes):
            if TOTAL not in values:
                continue
            parts = [v for v in values if v != TOTAL]
            others = [a for i, a in enumerate(table.axes) if i != axis]
            for combo in itertools.product(*others):

                def key(value: str, combo: tuple[str, ...] = combo, axis: int = axis) -> tuple:
                    return (*combo[:axis], value, *combo[axis:])

                total = table.cells.get(key(TOTAL))
                items = [table.cells.get(key(v)) for v in parts]
                if total is None or any(item is None for item in items):
                    continue
                where = " / ".join(key("·"))
                self.equal(
                    _lsum(i for i in items if i is not None),
                    total,
                    kind,
                    f"{text} [{where}]: parts add up to {TOTAL}",
                )

    # -- reading the workbook --

    def read(self, sheets: Sequence[tuple[str, Grid]]) -> None:
        for name, grid in sheets:
            line = str(grid.get(2, {}).get(1, ""))
            if name == "Översikt" and line.startswith("Urval: "):
                self.cohort = next(
                    (c for label, c in COHORTS.items() if line[7:].startswith(label)), None
                )
            comparison = _comparison(name, grid)
            if comparison is not None:
                self.comparisons.append(comparison)
                continue
            for table in _tables(name, grid):
                self.tables.setdefault(table.title, table)
        for table in self.tables.values():
            self._count_table(table)
        self._overview()
        self._summary()
        self._violence()
        self._satisfaction()
        self._register()
        self._background()
        for comparison in self.comparisons:
            self._comparison(comparison)
        self._series()
        self._goals()

    def _is_count_table(self, table: Table) -> bool:
        title = table.title.lower()
        return not (
            title.endswith(", medel")
            or "andel" in title
            or table.title in ("Mål", "Insatsernas mål och utfall")
            or table.title in ("Uppgift", "Om rapporten")
        )

    def _count_table(self, table: Table) -> None:
        """Register a table of counts and its totals."""
        if not self._is_count_table(table):
            return
        # Shares, and the time in the insats' means and medians (months), are not counts.
        columns = [c for c in table.columns if not c.startswith(("Andel", "Medel", "Median"))]
        if not columns:
            return
        axes = [table.axis(n) for n in range(table.nlabels)] + [columns]
        cells = {
            (*key, column): self.count(table.sheet, table.get(key, column))
            for key in table.row_keys()
            for column in columns
            if table.get(key, column) is not None
        }
        counts = CountTable(table.title, axes, cells)
        self.counts[table.title] = counts
        self.totals(counts, "total", f"{table.sheet}: {table.title}")

    def _participants(self, insats: str, gender: str) -> Lin | None:
        table = self.counts.get("Deltagare i urvalet")
        return table.at(insats, gender) if table else None

    def _flow(self, insats: str, gender: str) -> dict[str, Lin]:
        """The flow's counts of one insats (all genders) or one gender (all insatser)."""
        by_insats, by_gender = (self.counts.get(t) for t in FLOW_TABLES)
        if gender == TOTAL and by_insats is not None:
            row = by_insats.axes[0]
            if insats in row:
                return {c: e for (r, c), e in by_insats.cells.items() if r == insats}
        if insats == TOTAL and by_gender is not None:
            return {c: e for (r, c), e in by_gender.cells.items() if r == gender}
        return {}

    def _overview(self) -> None:
        for title in FLOW_TABLES:
            table = self.counts.get(title)
            if table is None:
                continue
            for key in table.axes[0]:
                cells = {c: e for (r, c), e in table.cells.items() if r == key}
                where = f"Översikt {title} [{key}]"
                if {FLOW_ACTIVE, FLOW_ENROLLED, FLOW_NEW} <= set(cells):
                    self.equal(
                        cells[FLOW_ACTIVE],
                        cells[FLOW_ENROLLED] + cells[FLOW_NEW],
                        "overview",
                        f"{where}: aktiva = inskrivna + nya",
                    )
                if {FLOW_ACTIVE, FLOW_ENDED, FLOW_ONGOING} <= set(cells):
                    self.equal(
                        cells[FLOW_ACTIVE],
                        cells[FLOW_ENDED] + cells[FLOW_ONGOING],
                        "overview",
                        f"{where}: aktiva = avslutade + pågående",
                    )
        by_insats, by_gender = (self.counts.get(t) for t in FLOW_TABLES)
        if by_insats is not None and by_gender is not None:
            for column in by_insats.axes[-1]:
                a, b = by_insats.at(TOTAL, column), by_gender.at(TOTAL, column)
                if a is not None and b is not None:
                    self.equal(a, b, "same count", f"Översikt: {column} in total, both tables")
        whole = self.counts.get("Deltagare i urvalet")
        if whole is None or self.cohort is None:
            return
        for (insats, gender), expr in whole.cells.items():
            if TOTAL not in (insats, gender):
                continue
            flow = self._flow(insats, gender).get(self.cohort)
            if flow is not None:
                self.equal(
                    expr, flow, "same count", f"Översikt [{insats} / {gender}]: the cohort's flow"
                )

    def _summary(self) -> None:
        """*Sammanfattning* says its numbers are those of the other sheets: its participants
        per insats and per gender are Översikt's, count for count."""
        for title, by_gender in SUMMARY_TABLES:
            table = self.counts.get(title)
            if table is None:
                continue
            for (row, column), expr in table.cells.items():
                insats, gender = (TOTAL, row) if by_gender else (row, TOTAL)
                if column == "Deltagare i urvalet":
                    other = self._participants(insats, gender)
                else:
                    other = self._flow(insats, gender).get(column)
                if other is not None:
                    self.equal(
                        expr, other, "same count", f"Sammanfattning [{row} / {column}]: Översikt's"
                    )

    def _share_cell(
        self,
        share_table: Table,
        key: tuple[str, ...],
        column: str,
        num: Lin | None,
        den: Lin | None,
        counts_shown: Sequence[tuple[str, Cell | None]],
        text: str,
    ) -> None:
        cell = share_table.get(key, column)
        if cell is None or num is None or den is None:
            return
        value = _number(cell[1])
        if value is None:
            return
        self.ratio(num, den, value, 0.0, "share", f"{share_table.sheet}!{cell[0]}: {text}")
        for sheet, shown in counts_shown:
            if shown is not None and _hidden(shown[1]):
                self._statistic_beside_hidden(share_table.sheet, cell[0], sheet, shown, text)

    def _statistic_beside_hidden(
        self, sheet: str, address: str, count_sheet: str, count: Cell, what: str
    ) -> None:
        expr = self.count(count_sheet, count)
        self.stat_leaks.append(
            (
                sheet,
                address,
                str(count[1]),
                expr,
                f"{what}: printed while {count_sheet}!{count[0]} is hidden",
            )
        )

    def _violence(self) -> None:
        screened = self.counts.get("Genomförda våldsenkäter")
        yes = self.counts.get("Varav minst ett ja")
        declined = next(
            (t for title, t in self.counts.items() if title.startswith("Varav minst ett ”vill")),
            None,
        )
        per_item = self.counts.get("Antal ja per fråga")
        if screened:
            for part in (yes, declined):
                if part is None:
                    continue
                for key, expr in part.cells.items():
                    whole = screened.cells.get(key)
                    if whole is not None:
                        self.at_most(expr, whole, "subset", f"Våld: {part.name} ≤ screened {key}")
        share = self.tables.get("Andel med minst ett ja")
        if share and yes and screened:
            s_table, y_table = (
                self.tables["Genomförda våldsenkäter"],
                self.tables["Varav minst ett ja"],
            )
            for key in share.row_keys():
                for column in share.columns:
                    self._share_cell(
                        share,
                        key,
                        column,
                        yes.at(*key, column),
                        screened.at(*key, column),
                        [
                            (y_table.sheet, y_table.get(key, column)),
                            (s_table.sheet, s_table.get(key, column)),
                        ],
                        "share with at least one ja",
                    )
        if per_item and yes:
            questions = [q for q in per_item.axes[0] if q != TOTAL]
            for gender in per_item.axes[1]:
                any_yes = yes.at(TOTAL, gender)
                if any_yes is None:
                    continue
                for q in questions:
                    item = per_item.at(q, gender)
                    if item is not None:
                        self.at_most(
                            item,
                            any_yes,
                            "subset",
                            f"Våld: ja on one question ≤ responses with a ja [{gender}]",
                        )
                all_items = per_item.at(TOTAL, gender)
                if all_items is not None:
                    self.at_most(
                        any_yes,
                        all_items,
                        "subset",
                        f"Våld: responses with a ja ≤ ja answers [{gender}]",
                    )
                    self.at_most(
                        all_items,
                        any_yes * len(questions),
                        "subset",
                        f"Våld: ja answers ≤ questions × responses with a ja [{gender}]",
                    )
        self._reach(screened)

    def _reach(self, screened: CountTable | None) -> None:
        reach = self.counts.get("Räckvidd")
        table = self.tables.get("Räckvidd")
        if not reach or not table:
            return
        population = FLOW_ACTIVE if FLOW_ACTIVE in reach.axes[-1] else "Deltagare i urvalet"
        forms, once, long, twice = (
            "Våldsenkäter under perioden (antal enkäter)",
            "Deltagare med minst en enkät",
            "Aktiva mer än 6 månader under perioden",
            "Varav deltagare med minst två enkäter",
        )
        for insats in reach.axes[0]:
            cells = {c: reach.at(insats, c) for c in (population, forms, once, long, twice)}
            pairs = [(once, population), (long, population), (twice, long), (twice, once)]
            for part, whole in pairs:
                if cells[part] is not None and cells[whole] is not None:
                    self.at_most(
                        cells[part],
                        cells[whole],
                        "subset",
                        f"Räckvidd [{insats}]: {part} ≤ {whole}",
                    )
            if population == FLOW_ACTIVE:
                same = self._flow(insats, TOTAL).get(FLOW_ACTIVE)
            else:
                same = self._participants(insats, TOTAL)
            if same is not None and cells[population] is not None:
                self.equal(
                    cells[population],
                    same,
                    "same count",
                    f"Räckvidd [{insats}] {population} = Översikt",
                )
            if cells[forms] is not None and cells[once] is not None:
                self.at_most(
                    cells[once] + (cells[twice] or Lin()),
                    cells[forms],
                    "subset",
                    f"Räckvidd [{insats}]: once + twice ≤ screenings",
                )
            if screened is not None and cells[forms] is not None:
                responses = screened.at(insats, TOTAL)
                if responses is not None:
                    # The cohort's screenings are a part of the period's (all of them when
                    # the cohort is the population).
                    if population != FLOW_ACTIVE or self.cohort == FLOW_ACTIVE:
                        self.equal(
                            responses, cells[forms], "same count", f"Räckvidd [{insats}]: forms"
                        )
                    else:
                        self.at_most(
                            responses, cells[forms], "subset", f"Räckvidd [{insats}]: forms"
                        )
            for share, (part, whole) in {
                "Andel med minst en enkät": (once, population),
                "Andel med minst två enkäter": (twice, long),
            }.items():
                self._share_cell(
                    table,
                    (insats,),
                    share,
                    cells[part],
                    cells[whole],
                    [
                        (table.sheet, table.get((insats,), part)),
                        (table.sheet, table.get((insats,), whole)),
                    ],
                    f"{share} = {part} / {whole}",
                )

    def _cubes(self) -> list[CountTable]:
        return [t for t in self.counts.values() if len(t.axes) == 3]

    def _satisfaction(self) -> None:
        for table in self._cubes():
            match = re.match(r"^(.*) \((\d+)–(\d+)\)$", table.name)
            means = self.tables.get(f"{table.name}, medel")
            if not match or not means:
                continue
            values = [v for v in table.axes[1] if v != TOTAL]
            try:
                numbers = [float(v) for v in values]
            except ValueError:
                continue
            cube = self.tables[table.name]
            for key in means.row_keys():
                insats = key[0]
                for gender in means.columns:
                    cell = means.get(key, gender)
                    mean = _number(cell[1]) if cell else None
                    n = table.at(insats, TOTAL, gender)
                    if cell is None or mean is None or n is None:
                        continue
                    parts = [table.at(insats, v, gender) for v in values]
                    if any(p is None for p in parts):
                        continue
                    total = _lsum(x * p for x, p in zip(numbers, parts, strict=True) if p)
                    # Means are rounded to two decimals.
                    self.ratio(
                        total,
                        n,
                        mean,
                        0.005 + 1e-9,
                        "mean",
                        f"{means.sheet}!{cell[0]}: mean × n = Σ value × count",
                    )
                    shown = cube.get((insats, TOTAL), gender)
                    if shown is not None and _hidden(shown[1]):
                        self._statistic_beside_hidden(
                            means.sheet, cell[0], cube.sheet, shown, f"mean of {table.name}"
                        )
        overall = next((t for t in self._cubes() if "som helhet" in t.name), None)
        for title, share in self.tables.items():
            if title.startswith("Helhetsintryck") and overall:
                high = [int(v) for v in re.findall(r"\d+", title.split("gav", 1)[-1])]
                values = [v for v in overall.axes[1] if v != TOTAL and v.isdigit()]
                chosen = [v for v in values if int(v) in high]
                if len(high) == 2 and high[0] < high[1]:
                    chosen = [v for v in values if high[0] <= int(v) <= high[1]]
                cube = self.tables[overall.name]
                for key in share.row_keys():
                    for gender in share.columns:
                        parts = [overall.at(key[0], v, gender) for v in chosen]
                        if any(p is None for p in parts):
                            continue
                        self._share_cell(
                            share,
                            key,
                            gender,
                            _lsum(p for p in parts if p is not None),
                            overall.at(key[0], TOTAL, gender),
                            [(cube.sheet, cube.get((key[0], TOTAL), gender))],
                            "share of 4 or 5 in the overall item",
                        )
            elif title.endswith(" – andel ja"):
                question = title[: -len(" – andel ja")]
                answered = self.counts.get(f"{question} – antal som svarat ja eller nej")
                if not answered:
                    continue
                self._yes_share(share, answered, self.tables[answered.name])
                declined = self.counts.get(f"{question} – vill inte svara")
                if self.one_response:
                    for key, expr in answered.cells.items():
                        participants = self._participants(*key)
                        other = declined.cells.get(key) if declined else None
                        if participants is not None:
                            self.at_most(
                                expr + (other or Lin()),
                                participants,
                                "subset",
                                f"{question}: answers ≤ participants {key}",
                            )
                        ended = self._flow(*key).get(FLOW_ENDED)
                        if ended is not None:
                            self.at_most(
                                expr + (other or Lin()),
                                ended,
                                "subset",
                                f"{question}: answers at the end ≤ avslutade {key}",
                            )

    def _yes_share(self, share: Table, answered: CountTable, shown: Table) -> None:
        """The "ja" behind a share: never printed, but they add up like the counts."""
        yes = CountTable(
            f"{share.title} (ja)",
            answered.axes,
            {
                key: self.var(f"{share.title} ja {key}", 0.0, math.inf, True)
                for key in answered.cells
            },
        )
        self.totals(yes, "share", f"{share.sheet}: {share.title} (ja behind the shares)")
        for key, expr in yes.cells.items():
            self.at_most(expr, answered.cells[key], "subset", f"{share.title}: ja ≤ answers")
        for key in share.row_keys():
            for column in share.columns:
                self._share_cell(
                    share,
                    key,
                    column,
                    yes.at(*key, column),
                    answered.at(*key, column),
                    [(shown.sheet, shown.get(key, column))],
                    "share of ja",
                )

    def _at_end(self, table: CountTable) -> bool:
        """Answers given at the end of a participation (satisfaction, the exit form): the
        sheets say they count only for those who ended in the period."""
        shown = self.tables.get(table.name)
        return shown is not None and (
            shown.sheet in ("Nöjdhet", "Avslut") or "vid avslut" in table.name
        )

    def _register(self) -> None:
        for table in self._cubes():
            if MISSING in table.axes[1] or NOT_KNOWN in table.axes[1]:
                self._whole(table)
            if self.one_response:
                for insats in table.axes[0]:
                    for gender in table.axes[2]:
                        answers = table.at(insats, TOTAL, gender)
                        participants = self._participants(insats, gender)
                        if answers is not None and participants is not None:
                            self.at_most(
                                answers,
                                participants,
                                "subset",
                                f"{table.name}: answers ≤ participants [{insats} / {gender}]",
                            )
                        ended = self._flow(insats, gender).get(FLOW_ENDED)
                        if answers is not None and ended is not None and self._at_end(table):
                            self.at_most(
                                answers,
                                ended,
                                "subset",
                                f"{table.name}: at the end ≤ avslutade [{insats} / {gender}]",
                            )
            share = self.tables.get(f"{table.name}, andel per insats och kön")
            if share is None:
                continue
            cube = self.tables[table.name]
            for key in share.row_keys():
                for gender in share.columns:
                    self._share_cell(
                        share,
                        key,
                        gender,
                        table.at(*key, gender),
                        table.at(key[0], TOTAL, gender),
                        [
                            (cube.sheet, cube.get(key, gender)),
                            (cube.sheet, cube.get((key[0], TOTAL), gender)),
                        ],
                        f"share of {key[1]} in {key[0]}",
                    )

    def _whole(self, table: CountTable) -> None:
        """A table with "Svar saknas" (or "Uppgift saknas") counts every participation it is
        about: its "Totalt" is the cohort, or asked at the end those of it who ended in the
        period — in "aktiva" and "avslutade" the period's avslutade."""
        at_end = self._at_end(table)
        for insats in table.axes[0]:
            for gender in table.axes[2]:
                total = table.at(insats, TOTAL, gender)
                if total is None or TOTAL not in (insats, gender):
                    continue
                where = f"{table.name} [{insats} / {gender}]"
                if not at_end:
                    whole = self._participants(insats, gender)
                    if whole is not None:
                        self.equal(total, whole, "same count", f"{where}: Totalt = the cohort")
                    continue
                ended = self._flow(insats, gender).get(FLOW_ENDED)
                if ended is None:
                    continue
                if self.cohort in (FLOW_ACTIVE, FLOW_ENDED):
                    self.equal(total, ended, "same count", f"{where}: Totalt = avslutade")
                else:
                    self.at_most(total, ended, "subset", f"{where}: Totalt ≤ avslutade")

    def _background(self) -> None:
        """*Bakgrund och tid*: the time tables' numbers are the flow's avslutade, their means
        × n are sums of months (≥ 0) adding up like the counts, and a mean or median beside
        a hidden number leaks; the months' "Totalt" row is the flow's nya and avslutade."""
        sums: dict[tuple[str, str], Lin] = {}
        for title, table in self.tables.items():
            if not title.startswith(TIME_TABLES):
                continue
            by_gender = title.startswith(TIME_TABLES[1])
            for key, cells in table.records:
                group = key[0]
                insats, gender = (TOTAL, group) if by_gender else (group, TOTAL)
                count_cell = cells.get(TIME_N)
                if count_cell is None:
                    continue
                n = self.count(table.sheet, count_cell)
                ended = self._flow(insats, gender).get(FLOW_ENDED)
                if ended is not None:
                    self.equal(n, ended, "same count", f"{title} [{group}] = avslutade")
                total = sums.get((insats, gender))
                if total is None:
                    total = self.var(f"sum of months [{insats} / {gender}]", 0.0, math.inf, False)
                    sums[(insats, gender)] = total
                for column in (TIME_MEAN, TIME_MEDIAN):
                    cell = cells.get(column)
                    value = _number(cell[1]) if cell else None
                    if cell is None or value is None:
                        continue
                    if column == TIME_MEAN:  # rounded to one decimal
                        self.ratio(total, n, value, 0.05, "mean", f"{title} [{group}]: mean × n")
                    if _hidden(count_cell[1]):
                        self._statistic_beside_hidden(
                            table.sheet, cell[0], table.sheet, count_cell, f"{column} of {group}"
                        )
        whole = sums.get((TOTAL, TOTAL))
        for axis in (0, 1):  # the insatser's sums, and the genders', add up to the total's
            lines = [e for key, e in sums.items() if key[axis] != TOTAL]
            if whole is not None and lines:
                self.equal(_lsum(lines), whole, "sums", f"sums of months add up (axis {axis})")
        months = self.counts.get(MONTH_TABLE)
        if months is not None:
            for column, flow in ((FLOW_NEW, FLOW_NEW), (FLOW_ENDED, FLOW_ENDED)):
                total = months.at(TOTAL, column)
                shown = self._flow(TOTAL, TOTAL).get(flow)
                if total is not None and shown is not None:
                    self.equal(total, shown, "same count", f"{MONTH_TABLE}: {column} = Översikt")

    def _scale(self, comparison: Comparison, measure: str) -> tuple[float, float] | None:
        if "index" in measure.lower():
            codes = re.findall(r"\(([a-z0-9_]+)\)", comparison.note)
            if any("vas" in c for c in codes):
                return (EQ5D_INDEX_RANGE[0], 100.0)
            return EQ5D_INDEX_RANGE
        if "vas" in measure.lower():
            return EQ5D_VAS_RANGE
        match = re.search(r"[Ss]kala (-?\d+)\s*[–-]\s*(-?\d+)", comparison.note)
        return (float(match.group(1)), float(match.group(2))) if match else None

    def _comparison(self, comparison: Comparison) -> None:
        sheet = comparison.sheet
        insatser = list(dict.fromkeys(i for _, i, _ in comparison.rows))
        genders = list(dict.fromkeys(g for _, _, g in comparison.rows))
        overview = self.counts.get("Deltagare i urvalet")
        if overview:
            insatser = list(dict.fromkeys([*overview.axes[0], *insatser]))
            genders = list(dict.fromkeys([*overview.axes[1], *genders]))
        insatser = [i for i in insatser if i != TOTAL] + [TOTAL]
        genders = [g for g in genders if g != TOTAL] + [TOTAL]
        # A sheet with no insats × gender row at all does not publish them: such a group is
        # unknown (its pairs, outcomes and sums unknowns too), not empty.
        cross = any(i != TOTAL and g != TOTAL for _, i, g in comparison.rows)
        for measure in comparison.measures:
            grids: dict[str, dict[tuple[str, ...], Lin]] = defaultdict(dict)
            for insats in insatser:
                for gender in genders:
                    row = comparison.rows.get((measure, insats, gender))
                    unpublished = not cross and TOTAL not in (insats, gender)
                    # A group missing from the table has no one with the measure at all.
                    unknowns = (
                        self._comparison_row(comparison, measure, insats, gender, row)
                        if row is not None or unpublished
                        else dict.fromkeys(("n", "w", "I", "U", "W", "S0", "S1"), Lin())
                    )
                    for name, expr in unknowns.items():
                        grids[name][(insats, gender)] = expr
            for name, kind in (
                ("n", "total"),
                ("w", "total"),
                ("I", "share"),
                ("U", "share"),
                ("W", "share"),
                ("S0", "mean totals"),
                ("S1", "mean totals"),
            ):
                self.totals(
                    CountTable(name, [insatser, genders], grids[name]),
                    kind,
                    f"{sheet} {measure} ({name})",
                )

    def _comparison_row(
        self,
        comparison: Comparison,
        measure: str,
        insats: str,
        gender: str,
        row: dict[str, Cell] | None,
    ) -> dict[str, Lin]:
        """One group's row: its counts, and the unprinted improved / unchanged / worsened
        pairs and sums of START and EXIT values behind its shares and means. `row` None: a
        group the sheet does not publish, every count of it unknown."""
        sheet = comparison.sheet
        where = f"{sheet} {measure} [{insats} / {gender}]"
        if row is None:
            row = {}
            n = self.var(f"{where} pairs (not published)", 0.0, math.inf, True)
            w = self.var(f"{where} without exit (not published)", 0.0, math.inf, True)
        else:
            n = self.count(sheet, row.get(PAIRS))
            w = self.count(sheet, row.get(WITHOUT_EXIT))
        self.pairs[(sheet, measure, insats, gender)] = n
        self.without[(sheet, measure, insats, gender)] = w
        splits = [self.var(f"{where} {s}", 0, math.inf, True) for s in "IUW"]
        self.improved[(sheet, measure, insats, gender)] = splits[0]
        self.equal(_lsum(splits), n, "share", f"{where}: improved + unchanged + worsened = pairs")
        sums = [self.var(f"{where} sum {s}", -math.inf, math.inf, False) for s in ("start", "exit")]
        scale = self._scale(comparison, measure)
        if scale:
            for total in sums:
                self.at_most(n * scale[0], total, "mean bounds", f"{where}: sum ≥ min · n")
                self.at_most(total, n * scale[1], "mean bounds", f"{where}: sum ≤ max · n")
        for column, split in zip((IMPROVED, UNCHANGED, WORSENED), splits, strict=True):
            value = _value(row, column)
            if value is not None:
                self.ratio(split, n, value, 0.0, "share", f"{where}: {column} × pairs")
        for column, total in ((MEAN_START, sums[0]), (MEAN_EXIT, sums[1])):
            value = _value(row, column)
            if value is not None:
                self.ratio(total, n, value, 0.0, "mean", f"{where}: {column} × n")
        change = _value(row, MEAN_CHANGE)
        if change is not None:
            self.ratio(sums[1] - sums[0], n, change, 0.0, "mean", f"{where}: change × n")
        pairs_cell = row.get(PAIRS)
        if pairs_cell is not None and _hidden(pairs_cell[1]):
            for column, cell in row.items():
                if column not in (PAIRS, WITHOUT_EXIT) and cell[1] is not None:
                    self._statistic_beside_hidden(
                        sheet, cell[0], sheet, pairs_cell, f"{column} of {measure}"
                    )
        participants = self._participants(insats, gender)
        if participants is not None:
            self.at_most(
                n + w, participants, "subset", f"{where}: pairs + start without exit ≤ participants"
            )
        ended = self._flow(insats, gender).get(FLOW_ENDED)
        # Pairs need an answer at the end (EXIT, or after it): not so at a follow-up.
        if ended is not None and comparison.step.endswith("avslut"):
            self.at_most(n, ended, "subset", f"{where}: pairs ≤ avslutade under perioden")
        chart_label = next(
            (m for m in ("Medelvärde av alla frågor", "EQ-5D index") if m in comparison.measures),
            None,
        )
        if measure == chart_label and gender == TOTAL:
            self._chart(comparison, insats, n, sums, pairs_cell, where)
        return {
            "n": n,
            "w": w,
            "I": splits[0],
            "U": splits[1],
            "W": splits[2],
            "S0": sums[0],
            "S1": sums[1],
        }

    def _series(self) -> None:
        """A series sheet's START values are the START → EXIT sheet's (same measure, group)."""
        exits = {c.name: c for c in self.comparisons if c.name and c.step == "avslut"}
        for comparison in self.comparisons:
            base = exits.get(comparison.name)
            if comparison.step == "avslut" or base is None:
                continue
            for (sheet, measure, insats, gender), n in list(self.pairs.items()):
                if sheet != comparison.sheet:
                    continue
                key = (base.sheet, measure, insats, gender)
                if key not in self.pairs:
                    continue
                self.equal(
                    n + self.without[(sheet, measure, insats, gender)],
                    self.pairs[key] + self.without[key],
                    "subset",
                    f"{sheet} {measure} [{insats} / {gender}]: pairs + START without the step"
                    f" = {base.sheet}'s pairs + START without EXIT",
                )

    def _chart(
        self,
        comparison: Comparison,
        insats: str,
        n: Lin,
        sums: list[Lin],
        pairs_cell: Cell | None,
        where: str,
    ) -> None:
        for name, cells in comparison.chart:
            if name != insats:
                continue
            for column, total in (("Start", sums[0]), ("Avslut", sums[1])):
                cell = cells.get(column)
                value = _number(cell[1]) if cell else None
                if cell is None or value is None:
                    continue
                self.ratio(
                    total, n, value, 0.0, "mean", f"{comparison.sheet}!{cell[0]}: chart mean × n"
                )
                if pairs_cell is not None and _hidden(pairs_cell[1]):
                    self._statistic_beside_hidden(
                        comparison.sheet,
                        cell[0],
                        comparison.sheet,
                        pairs_cell,
                        f"chart mean of {where}",
                    )

    def _goals(self) -> None:
        goals = self.tables.get("Mål")
        if goals is None:
            return
        reasons = self.counts.get("Avslutsorsak")
        for key, cells in goals.records:
            insats = key[0]
            text = _label(cells.get("Mål", ("", ""))[1])
            count_cell, share_cell = cells.get("Antal"), cells.get("Utfall")
            if count_cell is None:
                continue
            n = self.count(goals.sheet, count_cell)
            share = _number(share_cell[1]) if share_cell else None
            numerator: Lin | None = None
            improved = re.match(r"^\d+ % förbättrade: (.*)$", text)
            ending = re.match(r"^\d+ % avslutas till (.*)$", text)
            # "40 % Sysselsättning vid avslut: förvärvsarbete eller studier (andel av alla
            # avslutade)": of the register table's "Totalt" ("Svar saknas" included).
            category = re.match(r"^\d+ % (.*): (.*) \(andel av alla [a-zåäö]+\)$", text)
            if improved:
                found = self._goal_measure(improved.group(1), insats)
                if found is not None:
                    pairs, numerator = found
                    self.equal(
                        n,
                        pairs,
                        "same count",
                        f"Mål {goals.sheet}!{count_cell[0]} = "
                        f"pairs of {improved.group(1)} in {insats}",
                    )
            elif category:
                table = next(
                    (
                        t
                        for t in self._cubes()
                        if t.name.lower().startswith(category.group(1).lower())
                        and MISSING in t.axes[1]
                    ),
                    None,
                )
                names = [r.strip().lower() for r in category.group(2).split(" eller ")]
                if table is not None:
                    categories = {c.lower(): c for c in table.axes[1] if c != TOTAL}
                    whole = table.at(insats, TOTAL, TOTAL)
                    if whole is not None:
                        self.equal(
                            n, whole, "same count", f"Mål {goals.sheet}!{count_cell[0]} = Totalt"
                        )
                    parts = [
                        table.at(insats, categories[c], TOTAL) for c in names if c in categories
                    ]
                    numerator = _lsum(p for p in parts if p is not None)
            elif ending and reasons:
                names = [r.strip().lower() for r in ending.group(1).split(" eller ")]
                categories = {c.lower(): c for c in reasons.axes[1] if c != TOTAL}
                total = reasons.at(insats, TOTAL, TOTAL)
                missing = reasons.at(insats, MISSING, TOTAL)
                if total is not None and missing is not None:
                    total = total - missing  # a share of the reasons given
                    self.equal(
                        n,
                        total,
                        "same count",
                        f"Mål {goals.sheet}!{count_cell[0]} = exit reasons given in {insats}",
                    )
                if total is not None and all(name in categories for name in names):
                    parts = [reasons.at(insats, categories[name], TOTAL) for name in names]
                    if all(p is not None for p in parts):
                        numerator = _lsum(p for p in parts if p is not None)
            if share is not None and share_cell is not None:
                if numerator is not None:
                    self.ratio(
                        numerator,
                        n,
                        share,
                        0.0,
                        "share",
                        f"Mål {goals.sheet}!{share_cell[0]}: outcome × Antal",
                    )
                if _hidden(count_cell[1]):
                    self._statistic_beside_hidden(
                        goals.sheet,
                        share_cell[0],
                        goals.sheet,
                        count_cell,
                        f"goal outcome of {insats}",
                    )

    def _goal_measure(self, label: str, insats: str) -> tuple[Lin, Lin] | None:
        wanted = label.lower()
        for comparison in self.comparisons:
            for measure in comparison.measures:
                m = measure.lower()
                if wanted == m or wanted.endswith(": " + m):
                    key = (comparison.sheet, measure, insats, TOTAL)
                    if key in self.pairs:
                        return self.pairs[key], self.improved[key]
                    return Lin(), Lin()  # the insats has no such pairs: n = 0
        return None

    # -- solving --

    def solve(self, stages: str) -> Report:
        hidden = [v.cell for v in self.vars if v.cell is not None]
        best: dict[int, tuple[float, float, str, str]] = {}

        def consider(index: int, lo: float, hi: float, method: str, detail: str) -> None:
            cell = self.vars[index].cell
            if cell is None:
                return
            lo = math.ceil(lo - EPS) if not math.isinf(lo) else lo
            hi = math.floor(hi + EPS) if not math.isinf(hi) else hi
            if not self._narrower(cell, lo, hi):
                return
            if index not in best:
                best[index] = (lo, hi, method, detail)
            else:
                old = best[index]
                best[index] = (max(old[0], lo), min(old[1], hi), old[2], old[3])

        # (a) each count relation on its own, the other cells at their label bounds
        lo0 = np.array([v.lo for v in self.vars], dtype=float)
        hi0 = np.array([v.hi for v in self.vars], dtype=float)
        for row in self.rows if "a" in stages else ():
            if row.kind not in COUNT_KINDS:
                continue
            for index, (lo, hi) in _narrow_by(row, lo0, hi0, self.vars).items():
                consider(index, lo, hi, "subtraction", row.text)
        # (b) all relations together, bounds propagated to a fixed point
        if "b" in stages:
            lo1, hi1, why = _propagate(self.rows, lo0.copy(), hi0.copy(), self.vars)
        else:
            lo1, hi1, why = lo0, hi0, {}
        for cell in hidden if "b" in stages else ():
            i = cell.var
            kinds, text = why.get(i, (set(), ""))
            consider(i, lo1[i], hi1[i], f"propagation ({', '.join(sorted(kinds))})", text)
        # (c) linear programs
        lps = 0
        if "c" in stages:
            ranges, lps = self._linear_programs(lo1, hi1, best)
            for i, (lo, hi) in ranges.items():
                consider(i, lo, hi, "linear programming", "all relations together")
        findings = []
        for index, (lo, hi, method, detail) in sorted(best.items()):
            cell = self.vars[index].cell
            assert cell is not None
            findings.append(Finding(cell.sheet, cell.address, cell.label, lo, hi, method, detail))
        for sheet, address, label, expr, detail in self.stat_leaks:
            index = next(iter(expr.terms), None)
            lo = hi = None
            if index is not None:
                lo, hi = best.get(index, (lo1[index], hi1[index]))[:2]
            findings.append(
                Finding(sheet, address, label, lo, hi, "statistic beside a hidden count", detail)
            )
        return Report(findings, self.notes, len(hidden), len(self.rows), lps, self.x_floor)

    def _narrower(self, cell: Hidden, lo: float, hi: float) -> bool:
        """Whether [lo, hi] (whole numbers) is less than the cell's label admits."""
        if cell.primary:
            return lo > cell.lo or hi < cell.hi
        return hi - lo + 1 < self.k - 1

    def _linear_programs(
        self, lo: np.ndarray, hi: np.ndarray, known: dict[int, tuple]
    ) -> tuple[dict[int, tuple[float, float]], int]:
        """Least and greatest value of each hidden cell under all relations, per connected
        group of unknowns (see `Component`). Cells already found by (a) or (b) get no program
        of their own: they are findings whatever the programs say."""
        parent = list(range(len(self.vars)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for row in self.rows:
            first, *rest = row.terms
            for other in rest:
                a, b = find(first), find(other)
                if a != b:
                    parent[a] = b
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.vars)):
            groups[find(i)].append(i)
        rows_of: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows:
            rows_of[find(next(iter(row.terms)))].append(row)
        ranges: dict[int, tuple[float, float]] = {}
        programs = 0
        for root, members in groups.items():
            cells = [i for i in members if self.vars[i].cell is not None and i not in known]
            if cells:
                component = Component(self, members, rows_of[root], cells, lo, hi)
                ranges.update(component.ranges())
                programs += component.programs
        return ranges, programs


class Component:
    """The linear programs of one connected group of unknowns.

    A solution found for one program is a witness for every cell: a cell already seen at both
    ends of what its label admits needs no program of its own. So first a few programs push
    every cell still in question towards the end it has not been seen at (weights of random
    size, for varied solutions), while that settles some; then one program per cell and end
    still in question."""

    def __init__(
        self,
        model: Model,
        members: list[int],
        rows: list[Row],
        cells: list[int],
        lo: np.ndarray,
        hi: np.ndarray,
    ) -> None:
        self.model = model
        self.cells = cells
        self.hi = hi
        self.local = {v: n for n, v in enumerate(members)}
        self.a_eq, self.b_eq = _matrix([r for r in rows if r.sense == "eq"], self.local)
        self.a_ub, self.b_ub = _matrix([r for r in rows if r.sense == "le"], self.local)
        # Whole counts keep their bounds; a sum's are widened a little, as HiGHS may call a
        # range narrower than its tolerances empty.
        self.bounds = np.array(
            [
                [lo[v], hi[v]]
                if model.vars[v].integer
                else [lo[v] - 1e-6 * (1 + abs(lo[v])), hi[v] + 1e-6 * (1 + abs(hi[v]))]
                for v in members
            ],
            dtype=float,
        )
        self.seen_lo = {i: math.inf for i in cells}
        self.seen_hi = {i: -math.inf for i in cells}
        self.programs = 0

    def run(self, weights: dict[int, float]) -> Any:
        self.programs += 1
        objective = np.zeros(len(self.local))
        for i, w in weights.items():
            objective[self.local[i]] = w
        result = linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        if result.status == 2:
            raise Infeasible("no values satisfy every relation at once")
        if result.status == 0:
            for i in self.cells:
                value = result.x[self.local[i]]
                self.seen_lo[i] = min(self.seen_lo[i], value)
                self.seen_hi[i] = max(self.seen_hi[i], value)
        return result

    def cell(self, i: int) -> Hidden:
        cell = self.model.vars[i].cell
        assert cell is not None
        return cell

    def settled(self, i: int) -> bool:
        cell = self.cell(i)
        if cell.primary:
            return self.seen_lo[i] <= cell.lo + EPS and self.seen_hi[i] >= cell.hi - EPS
        return self.seen_hi[i] - self.seen_lo[i] >= self.model.k - 2 - EPS

    def low_open(self, i: int) -> bool:
        cell = self.cell(i)
        return not self.settled(i) and (not cell.primary or self.seen_lo[i] > cell.lo + EPS)

    def high_open(self, i: int) -> bool:
        cell = self.cell(i)
        return not self.settled(i) and (not cell.primary or self.seen_hi[i] < cell.hi - EPS)

    def progress(self) -> int:
        return sum(
            self.settled(i) + (not self.low_open(i)) + (not self.high_open(i)) for i in self.cells
        )

    def ranges(self) -> dict[int, tuple[float, float]]:
        rng = np.random.default_rng(0)
        for _ in range(8):
            weights: dict[int, float] = {}
            for i in self.cells:
                down = self.low_open(i)
                up = self.high_open(i) and not math.isinf(self.hi[i])
                if down or up:
                    sign = rng.choice((-1.0, 1.0)) if down and up else 1.0 if down else -1.0
                    weights[i] = sign * rng.uniform(0.5, 1.5)
            if not weights:
                break
            before = self.progress()
            self.run(weights)
            if self.progress() == before:
                break
        out: dict[int, tuple[float, float]] = {}
        for i in self.cells:
            if self.settled(i):
                continue
            least, greatest = self.seen_lo[i], self.seen_hi[i]
            if self.low_open(i):
                result = self.run({i: 1.0})
                least = result.fun if result.status == 0 else -math.inf
            if not self.settled(i) and self.high_open(i):
                result = self.run({i: -1.0})
                greatest = -result.fun if result.status == 0 else math.inf
            if not self.settled(i):
                out[i] = (least, greatest)
        return out


def _matrix(rows: list[Row], local: dict[int, int]) -> tuple[Any, Any]:
    if not rows:
        return None, None
    data, r_idx, c_idx, rhs = [], [], [], []
    for n, row in enumerate(rows):
        for var, coef in row.terms.items():
            data.append(coef)
            r_idx.append(n)
            c_idx.append(local[var])
        rhs.append(-row.const)
    matrix = coo_matrix((data, (r_idx, c_idx)), shape=(len(rows), len(local))).tocsr()
    return matrix, np.array(rhs)


def _narrow_by(
    row: Row, lo: np.ndarray, hi: np.ndarray, variables: list[Var]
) -> dict[int, tuple[float, float]]:
    """What one relation says about each of its unknowns, given the others' bounds."""
    low_parts, high_parts = [], []
    for var, coef in row.terms.items():
        a, b = coef * lo[var], coef * hi[var]
        low_parts.append(min(a, b) if not (np.isnan(a) or np.isnan(b)) else -math.inf)
        high_parts.append(max(a, b) if not (np.isnan(a) or np.isnan(b)) else math.inf)
    low_inf = sum(1 for x in low_parts if math.isinf(x))
    high_inf = sum(1 for x in high_parts if math.isinf(x))
    low_sum = sum(x for x in low_parts if not math.isinf(x))
    high_sum = sum(x for x in high_parts if not math.isinf(x))
    out: dict[int, tuple[float, float]] = {}
    for (var, coef), own_low, own_high in zip(
        row.terms.items(), low_parts, high_parts, strict=True
    ):
        # the rest: Σ others + const
        if low_inf - (1 if math.isinf(own_low) else 0) == 0:
            rest_low = low_sum - (0 if math.isinf(own_low) else own_low) + row.const
        else:
            rest_low = -math.inf
        if high_inf - (1 if math.isinf(own_high) else 0) == 0:
            rest_high = high_sum - (0 if math.isinf(own_high) else own_high) + row.const
        else:
            rest_high = math.inf
        # coef · x + rest (= or ≤) 0
        new_lo, new_hi = -math.inf, math.inf
        if coef > 0:
            new_hi = -rest_low / coef
            if row.sense == "eq":
                new_lo = -rest_high / coef
        else:
            new_lo = -rest_low / coef
            if row.sense == "eq":
                new_hi = -rest_high / coef
        if variables[var].integer:
            new_lo = math.ceil(new_lo - EPS) if not math.isinf(new_lo) else new_lo
            new_hi = math.floor(new_hi + EPS) if not math.isinf(new_hi) else new_hi
        if new_lo > lo[var] + EPS or new_hi < hi[var] - EPS:
            out[var] = (max(new_lo, lo[var]), min(new_hi, hi[var]))
    return out


def _propagate(
    rows: list[Row], lo: np.ndarray, hi: np.ndarray, variables: list[Var], rounds: int = 60
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[set[str], str]]]:
    why: dict[int, tuple[set[str], str]] = {}
    by_var: dict[int, list[int]] = defaultdict(list)
    for n, row in enumerate(rows):
        for var in row.terms:
            by_var[var].append(n)
    pending = set(range(len(rows)))
    for _ in range(rounds):
        if not pending:
            break
        changed: set[int] = set()
        for n in sorted(pending):
            row = rows[n]
            for var, (new_lo, new_hi) in _narrow_by(row, lo, hi, variables).items():
                if new_lo > new_hi + 1e-5:
                    raise Infeasible(f"{row.text}: {variables[var].name} has no possible value")
                if new_lo > lo[var] + 1e-7 or new_hi < hi[var] - 1e-7:
                    lo[var], hi[var] = max(lo[var], new_lo), min(hi[var], new_hi)
                    # What led here: this relation, and whatever narrowed the others in it.
                    kinds = {row.kind}.union(
                        *(why[other][0] for other in row.terms if other != var and other in why)
                    )
                    why[var] = (kinds | why.get(var, (set(), ""))[0], row.text)
                    changed.add(var)
        pending = {n for var in changed for n in by_var[var]}
    return lo, hi, why


# --- two consecutive years ------------------------------------------------------------------


def analyse_years(earlier: bytes, later: bytes, k: int) -> list[Finding]:
    """Two internal workbooks of consecutive periods read together: every relation of each,
    and the boundary between them (pågående vid periodens slut of the earlier = inskrivna vid
    periodens början of the later, per insats and per gender). The hidden cells whose range is
    narrower together than in their own workbook ("x" read as ≥ k)."""
    models = []
    for book in (earlier, later):
        sheets = openpyxl.load_workbook(io.BytesIO(book), data_only=True).worksheets
        model = Model(k, k, True)
        model.read([(ws.title, _grid(ws)) for ws in sheets])
        models.append(model)
    alone = [
        {(f.sheet, f.cell): (f.low, f.high) for f in model.solve("abc").findings if f.low}
        for model in models
    ]
    joint = Model(k, k, True)
    offsets = (0, len(models[0].vars))
    for year, (model, offset) in enumerate(zip(models, offsets, strict=True)):
        for var in model.vars:
            cell = var.cell
            if cell is not None:
                cell = Hidden(
                    f"{year}:{cell.sheet}",
                    cell.address,
                    cell.label,
                    cell.lo,
                    cell.hi,
                    cell.primary,
                    cell.var + offset,
                )
            joint.vars.append(Var(var.name, var.lo, var.hi, var.integer, cell))
        for row in model.rows:
            terms = {v + offset: c for v, c in row.terms.items()}
            joint.rows.append(Row(terms, row.const, row.sense, row.kind, row.text))
    for title in FLOW_TABLES:
        before, after = (model.counts.get(title) for model in models)
        if before is None or after is None:
            continue
        for key in before.axes[0]:
            ongoing, enrolled = before.at(key, FLOW_ONGOING), after.at(key, FLOW_ENROLLED)
            if ongoing is not None and enrolled is not None:
                shifted = Lin(
                    {v + offsets[1]: c for v, c in enrolled.terms.items()}, enrolled.const
                )
                joint.equal(ongoing, shifted, "same count", f"year boundary: {title} [{key}]")
    out = []
    for finding in joint.solve("abc").findings:
        if finding.low is None:
            continue
        year, sheet = finding.sheet.split(":", 1)
        own = alone[int(year)].get((sheet, finding.cell))
        if own is None or finding.low > own[0] + EPS or finding.high < own[1] - EPS:
            out.append(finding)
    return out
