"""A whole förbund-year, generated (benchmarks/synthetic.py): 1,000 participations in 8
insatser, 55/40/3/2 % women/men/annat/ej uppgivet, about 80 % with an EXIT.

Two things the hypothesis cohorts of test_protection_attack.py are too small to show:

- Safety at the size of a real year: the independent attacker (tests/attacker.py) works out
  no hidden count of the workbook.
- Information: no row of the START → EXIT comparison is small here. Every insats has about
  100 pairs, and each gender over all insatser at least about 15 (2 % of 800), so no row must
  be hidden for its own sake; only complementary cells may cost a few. Before 2026-12-06 the
  protection hid all 169 rows of this year (a cascade of "x" cells, then a region hiding
  everything around them), so the test asks for at least 90 % of them with statistics.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask

from benchmarks.synthetic import generate
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Forbund
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import linear_program, protection, workbook
from survey_app.reports.dataset import ReportFilter
from tests.attacker import analyse
from tests.conftest import make_settings

PAIRS = "Antal par (start och avslut)"
MEAN = "Medel vid start"


def _year_on(
    path: Path, participations: int, insatser: int, seed: int = 1, merged: bool = False
) -> tuple[Flask, int]:
    """An app on a database file holding one generated year, and its förbund's id."""
    app: Flask = create_app(make_settings(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        generate(app.extensions["questionnaires"], participations, insatser, seed, merged)
        db.session.commit()
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        assert forbund_id is not None
        db.session.remove()
    return app, forbund_id


@pytest.fixture(scope="module")
def year_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, int]]:
    """An app on the generated year's database, and the förbund's id."""
    app, forbund_id = _year_on(tmp_path_factory.mktemp("year") / "year.sqlite3", 1000, 8)
    yield app, forbund_id
    with app.app_context():
        db.engine.dispose()


def _written(year_app: tuple[Flask, int], merged: bool = False) -> tuple[bytes, int]:
    """The year's workbook and its k; `merged`: with "Annat (hen)" and "Vill inte uppge" as
    one column (set on the loaded förbund only, never stored)."""
    app, forbund_id = year_app
    with app.app_context():
        data = reports_dataset.load(ReportFilter(forbund_id), app.extensions["questionnaires"])
        data.forbund.merge_other_genders = merged
        buffer = io.BytesIO()
        workbook.write(data, buffer, made_by="test")
        k = data.forbund.min_group_size
        db.session.rollback()
        db.session.remove()
    return buffer.getvalue(), k


# The large programs of the year fixture's audit: whether each began at the true counts
# (linear_program.Program._vertex_from_start), noted as it is built.
_STARTS: list[bool] = []


@pytest.fixture(scope="module")
def year(year_app: tuple[Flask, int]) -> tuple[bytes, int]:
    """The year's workbook and its k."""
    start = linear_program.Program._vertex_from_start

    def noted(program: linear_program.Program) -> None:
        start(program)
        _STARTS.append(program.warm)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linear_program.Program, "_vertex_from_start", noted)
        return _written(year_app)


def _comparison_rows(book: bytes) -> list[tuple[object, object]]:
    """(pairs, mean at START) of every row of every comparison table, read from the file."""
    rows = []
    for sheet in openpyxl.load_workbook(io.BytesIO(book), data_only=True).worksheets:
        columns: dict[str, int] | None = None
        for row in sheet.iter_rows(values_only=True):
            if PAIRS in row and MEAN in row:
                columns = {PAIRS: row.index(PAIRS), MEAN: row.index(MEAN)}
                continue
            if columns is None:
                continue
            if all(value is None for value in row):
                columns = None  # the table ended
                continue
            rows.append((row[columns[PAIRS]], row[columns[MEAN]]))
    return rows


def test_the_attacker_works_out_no_hidden_count_of_a_year(year: tuple[bytes, int]) -> None:
    book, k = year
    report = analyse(book, k)
    assert report.findings == [], "\n".join(str(f) for f in report.findings[:20])


def test_the_attacker_works_out_no_hidden_count_of_the_year_with_genders_merged(
    year_app: tuple[Flask, int],
) -> None:
    """The same year as a new förbund reports it: "Annat (hen)" and "Vill inte uppge" as one
    column."""
    book, k = _written(year_app, merged=True)
    overview = openpyxl.load_workbook(io.BytesIO(book))["Översikt"]
    headers = {cell for row in overview.iter_rows(values_only=True) for cell in row}
    assert "Annat eller ej uppgivet" in headers and "Vill inte uppge" not in headers
    report = analyse(book, k)
    assert report.findings == [], "\n".join(str(f) for f in report.findings[:20])


def test_a_year_without_small_groups_shows_its_comparison(year: tuple[bytes, int]) -> None:
    book, _ = year
    rows = _comparison_rows(book)
    # 13 measures (ten self-assessment questions and their mean, EQ-5D index and VAS) ×
    # (8 insatser + 4 genders + Totalt).
    assert len(rows) == 13 * 13
    with_statistics = [r for r in rows if isinstance(r[1], int | float)]
    assert len(with_statistics) >= 0.9 * len(rows), (len(with_statistics), len(rows))
    # A statistic is never printed beside a count that is not.
    assert all(isinstance(pairs, int) for pairs, _ in with_statistics)


def test_every_large_program_of_the_audit_begins_at_the_true_counts(
    year: tuple[bytes, int],
) -> None:
    """Every cell registered with its true value, the never-printed insats × gender cells
    too, so the true counts hold every relation and each large program's first vertex comes
    by crossover from them (seconds less per audit than from nothing); a table registered
    without its true cells would fall back to the slow start unseen."""
    assert _STARTS, "no large program in the year's audit"
    assert all(_STARTS), f"{_STARTS.count(False)} of {len(_STARTS)} began from nothing"


def _comparison(year_app: tuple[Flask, int]) -> pd.DataFrame:
    """The year's START → EXIT comparison as the protection leaves it."""
    app, forbund_id = year_app
    with app.app_context():
        data = reports_dataset.load(ReportFilter(forbund_id), app.extensions["questionnaires"])
        comparison = workbook.build(data).comparison
        db.session.remove()
    return comparison


def _counted(calls: list[object], function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, noting what each call returns (or True where it returns nothing)."""

    def counted(*args: Any) -> Any:
        result = function(*args)
        calls.append(True if result is None else result)
        return result

    return counted


def _alike_without(
    year_app: tuple[Flask, int],
    monkeypatch: pytest.MonkeyPatch,
    calls: list[object],
    threshold: str,
    what: str,
) -> None:
    """The year's comparison as shown is the same with a way of working (noted in `calls`)
    and with it turned off by raising its `threshold` in protection.py out of reach."""
    used = _comparison(year_app)
    assert calls, what
    monkeypatch.setattr(protection, threshold, 10**9)
    calls.clear()
    unused = _comparison(year_app)
    assert not calls
    pd.testing.assert_frame_equal(used, unused)


def test_two_solvers_decide_as_one_does(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact ranges of the year's large part are shared between two solvers in two
    threads (protection._ranges); which solver finds which witness first varies, but every
    range is exact, so the comparison as shown is the one a single solver gives. (Shared
    here from two cells and 1,000 columns on: this year's large part needs few exact ranges,
    in a program of about 2,000 columns.)"""
    copies: list[object] = []
    monkeypatch.setattr(
        linear_program.Program, "copy", _counted(copies, linear_program.Program.copy)
    )
    monkeypatch.setattr(protection, "TWO_SOLVERS_FROM", 2)
    monkeypatch.setattr(protection, "INTERIOR_ABOVE", 1000)
    _alike_without(
        year_app,
        monkeypatch,
        copies,
        "TWO_SOLVERS_FROM",
        "the year's large part was not shared between two solvers",
    )


def test_exact_ranges_without_the_capped_copies_decide_as_with_them(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact ranges of the year's large part go on from the batches' vertex in a smaller
    program, without the capped copies (linear_program.Program.without_caps); every range is
    exact either way, so the comparison as shown is the one the capped program gives."""
    smaller = []
    without_caps = linear_program.Program.without_caps

    def counted(program: linear_program.Program) -> linear_program.Program:
        single = without_caps(program)
        smaller.append(single.width < program.width)
        return single

    monkeypatch.setattr(linear_program.Program, "without_caps", counted)
    without = _comparison(year_app)
    assert any(smaller), "no exact range went on without the capped copies"
    monkeypatch.setattr(linear_program.Program, "without_caps", lambda program: program)
    capped = _comparison(year_app)
    pd.testing.assert_frame_equal(without, capped)


def test_labels_worked_out_early_decide_as_those_worked_out_when_needed(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the labels allow of the cells that failed the last audit is worked out beside
    the batches of the year's large part (protection._EarlyLabels); with both ends of it or
    only the ends still needed, each cell is excused alike, so the comparison as shown is the
    one the audit gives when it works every cell out itself."""
    started: list[object] = []
    monkeypatch.setattr(protection, "_EarlyLabels", _counted(started, protection._EarlyLabels))
    _alike_without(
        year_app, monkeypatch, started, "EARLY_LABELS_FROM", "no labels were worked out early"
    )


def test_parts_audited_side_by_side_decide_as_one_after_another(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of the system beside the largest are audited in a thread of their own
    (protection._audit_parts); a part's result depends on its own programs only, so the
    comparison as shown is the one the audit gives part after part."""
    apart: list[object] = []
    monkeypatch.setattr(protection, "parts_thread", _counted(apart, linear_program.parts_thread))
    _alike_without(
        year_app, monkeypatch, apart, "PARTS_APART_FROM", "no part was audited beside the largest"
    )


def test_a_stalled_re_solve_decides_as_an_unstalled_one(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-solves run without perturbed bounds and go on with them where they stall
    (linear_program.STALL_ITERATIONS). With the limit at 1 iteration nearly every re-solve of
    more than one pivot goes that way; every range is exact either way, so the comparison as
    shown is the same."""
    stalls: list[object] = []
    monkeypatch.setattr(linear_program, "_past_stall", _counted(stalls, linear_program._past_stall))
    usual = _comparison(year_app)
    usual_stalls = len(stalls)
    monkeypatch.setattr(linear_program, "STALL_ITERATIONS", 1)
    stalled = _comparison(year_app)
    assert len(stalls) > usual_stalls + 10, (usual_stalls, len(stalls))
    pd.testing.assert_frame_equal(stalled, usual)


def test_a_batch_cut_short_decides_as_one_run_through(
    year_app: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's re-solve stops after linear_program.BATCH_ITERATIONS and its feasible point
    serves as a witness; with the limit at 1 iteration nearly every batch that moves stops
    there, and the comparison as shown is the one a batch run to its optimum gives (every
    point a batch returns is a real solution, and each range it leaves open is worked out
    exactly)."""
    cut_short: list[object] = []
    reached = linear_program._reached

    def noted(highs: Any) -> Any:
        point = reached(highs)
        if point is not None:
            cut_short.append(True)
        return point

    monkeypatch.setattr(linear_program, "_reached", noted)
    monkeypatch.setattr(linear_program, "BATCH_ITERATIONS", 10**6)
    whole = _comparison(year_app)
    assert not cut_short
    monkeypatch.setattr(linear_program, "BATCH_ITERATIONS", 1)
    cut = _comparison(year_app)
    assert len(cut_short) > 5, len(cut_short)
    pd.testing.assert_frame_equal(cut, whole)


def _generated(
    tmp_path: Path, participations: int, insatser: int, seed: int, merged: bool
) -> workbook.Report:
    """A generated year's protected report."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "generated.sqlite3"
    app, forbund_id = _year_on(path, participations, insatser, seed, merged)
    with app.app_context():
        data = reports_dataset.load(ReportFilter(forbund_id), app.extensions["questionnaires"])
        report = workbook.build(data)
        db.session.remove()
        db.engine.dispose()
    return report


def _labelled_hidden(pub: protection.Publication) -> int:
    """How many cells the report shows as "<k" or "x"."""
    shown = pub.shown(np.arange(len(pub._values)))
    return sum(1 for value in shown.tolist() if isinstance(value, str))


def test_a_pinned_x_beside_a_failing_small_group_stays_hidden_until_it_is_protected(
    tmp_path: Path,
) -> None:
    """A generated year of 400 in 10 insatser, genders merged: the first insats has 2
    ongoing participations, a "<5" printed 14 times (Översikt's ongoing count and "Start utan
    avslut" of all 13 measures). Each "x" hidden beside it to open it is pinned at first (it
    needs a partner of its own). When such an "x" was shown again at once, the next round hid
    another cell beside the "<5", which met the same fate: those cells failed for seven
    rounds and the protection took 10 audits. Kept hidden while the "<5" fails, each gets its
    partner in the same round: a round to hide the complements, one to close the patterns,
    one to show what is left pinned, and one to spare."""
    report = _generated(tmp_path, 400, 10, seed=1, merged=True)
    pub = report.overview.pub
    overview = pub.tables("overview")["overview"]
    without_exit = pub.tables("without_exit:")
    first_insats, total = 0, -1
    cells = [overview[workbook.ONGOING, first_insats, total]]
    cells += [ids[first_insats, total] for ids in without_exit.values()]
    assert pub.shown(cells).tolist() == ["<5"] * 14
    assert pub.audits <= 4, pub.audits


def test_where_rounds_stall_the_region_is_hidden_a_few_relations_outwards_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated year of 500 in 12 insatser, four gender columns: two "<5" of the
    satisfaction table over all insatser ("Annat" and "Vill inte uppge" of one answer) stay
    pinned by its breakdown by insats while one more cell a round is hidden beside them. Where
    rounds stall, the region around them is hidden two relations outwards before all of it:
    everything the whole region would hide, and every comparison row's statistics with it,
    is not needed. (Since cells are hidden along the audit's proofs, this year no longer
    stalls; without the proofs, as here, it does.)"""
    monkeypatch.setattr(linear_program.Program, "binding_rows", lambda self: None)
    regions: list[int | None] = []
    hide_region = protection.Publication._hide_region

    def noted(self: protection.Publication, *args: Any) -> None:
        regions.append(args[3] if len(args) > 3 else None)
        hide_region(self, *args)

    monkeypatch.setattr(protection.Publication, "_hide_region", noted)
    stepwise = _generated(tmp_path / "stepwise", 500, 12, seed=4, merged=False)
    assert regions and regions[0] == protection.REGION_STEPS[0]
    monkeypatch.setattr(protection, "REGION_STEPS", ())
    regions.clear()
    whole = _generated(tmp_path / "whole", 500, 12, seed=4, merged=False)
    assert regions and regions[0] is None
    hidden = [_labelled_hidden(r.overview.pub) for r in (stepwise, whole)]
    assert hidden[0] < hidden[1] - 500, hidden
    rows = [int(r.comparison["mean_start"].notna().sum()) for r in (stepwise, whole)]
    assert rows[0] > rows[1] + 100, rows
