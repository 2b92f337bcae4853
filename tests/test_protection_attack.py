"""The report workbook against an attacker (tests/attacker.py) that reads it as anyone can.

Random cohorts go through `workbook.write`; the attacker must not be able to narrow down any
hidden count, nor find a statistic printed beside a hidden count. The attacker is written
apart from the protection code and never calls it. Hand-made workbooks below show that the
attacker does find each kind of leak, so a pass means something.
"""

from __future__ import annotations

import io
import os
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from survey_app.models import REMITTENT_LABELS, Forbund
from survey_app.questionnaires import Registry
from survey_app.reports import workbook
from survey_app.reports.dataset import (
    Cohort as ReportCohort,
)
from survey_app.reports.dataset import (
    Dataset,
    Measure,
    ReportFilter,
    cohort_mask,
    in_period,
)
from tests.attacker import Finding, analyse, analyse_years, attack

REGISTRY = Registry(Path(__file__).resolve().parent.parent / "questionnaires")
GENDERS = ("Kvinna", "Man", "Annat (hen)", "Vill inte uppge")
REMITTENTS = tuple(REMITTENT_LABELS.values())
YES_NO = ("ja", "nej", "vill_inte_svara")


def _definition(questionnaire_id: str) -> Any:
    definition = REGISTRY.get(questionnaire_id)
    assert definition is not None
    return definition


VIOLENCE_ITEMS = [item.id for item in _definition("valdsenkat").items]
SATISFACTION_ITEMS = [item for item in _definition("nojdhet").items if item.type != "text"]
SELF_ITEMS = [
    item for item in _definition("sjalvskattning").items if item.type == "scale" and item.direction
][:3]


def _codes(questionnaire_id: str, item_id: str) -> list[str]:
    item = _definition(questionnaire_id).item(item_id)
    assert item is not None
    return [str(choice.value) for choice in item.choices]


REGISTER_CODES = {
    ("inskrivning", "income"): _codes("inskrivning", "income"),
    ("inskrivning", "occupation"): _codes("inskrivning", "occupation"),
    ("utskrivning", "exit_reason"): _codes("utskrivning", "exit_reason"),
    ("utskrivning", "income"): _codes("utskrivning", "income"),
    ("utskrivning", "occupation"): _codes("utskrivning", "occupation"),
}
MEASURES = {
    **{
        f"sjalvskattning:{item.id}": Measure(
            f"sjalvskattning:{item.id}", item.text.get("sv"), "higher", "Självskattning"
        )
        for item in SELF_ITEMS
    },
    "sjalvskattning:mean": Measure(
        "sjalvskattning:mean",
        "Medelvärde av alla frågor",
        "higher",
        "Självskattning",
        goal_label="Självskattning: medelvärde av alla frågor",
    ),
    "eq5d:index": Measure("eq5d:index", "EQ-5D index", "higher", "EQ-5D"),
    "eq5d:vas": Measure("eq5d:vas", "EQ VAS (termometer)", "higher", "EQ-5D"),
}


# --- random cohorts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    k: int
    sizes: tuple[int, ...]  # participants per insats
    gender_weights: tuple[int, ...]  # one per gender in GENDERS
    exited: float  # share with an exit date
    exit_answers: float  # share of those with an EXIT occasion (answers at exit)
    start_answers: float  # share answering self-assessment / EQ-5D at start
    unchanged: float  # share whose EXIT value repeats the START value
    screened: float  # share screened for violence (some several times)
    yes: float  # chance of "ja" per violence item
    satisfaction: float  # share of those at EXIT answering the satisfaction questionnaire
    register: float  # share with register data (inskrivning / utskrivning)
    categories: int  # how many register categories are in use (few: small groups)
    seed: int
    # "Annat (hen)" and "Vill inte uppge" reported as one column (a new förbund's default).
    merged: bool = False


@st.composite
def cohorts(draw: st.DrawFn) -> Cohort:
    n = draw(st.integers(1, 3))  # kept small: each example audits a whole workbook
    share = st.integers(0, 100).map(lambda p: p / 100)
    return Cohort(
        k=draw(st.integers(3, 10)),
        sizes=tuple(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))),
        gender_weights=tuple(
            draw(st.lists(st.integers(0, 10), min_size=4, max_size=4).filter(lambda w: sum(w) > 0))
        ),
        exited=draw(share),
        exit_answers=draw(share),
        start_answers=draw(share),
        unchanged=draw(share),
        screened=draw(share),
        yes=draw(share),
        satisfaction=draw(share),
        register=draw(share),
        categories=draw(st.integers(1, 12)),
        seed=draw(st.integers(0, 2**32 - 1)),
        merged=draw(st.booleans()),
    )


def build(cohort: Cohort, k: int | None = None) -> Dataset:
    """The cohort as a report's Dataset, in memory (no database)."""
    rnd = random.Random(cohort.seed)
    # Background (birth year, remittent) and goals on register categories from a stream of
    # their own, so that the fixed examples below keep the rest of their data.
    background = random.Random(cohort.seed + 1)
    today = date.today()
    participations: list[tuple] = []
    measurements: list[tuple] = []
    answers: list[tuple] = []
    goals: dict[str, list[dict[str, Any]]] = {}
    response = iter(range(1, 10**9))
    codes = {key: values[: max(1, cohort.categories)] for key, values in REGISTER_CODES.items()}

    def scores(previous: dict[str, float] | None) -> dict[str, float]:
        if previous is not None and rnd.random() < cohort.unchanged:
            return dict(previous)
        values = {f"sjalvskattning:{item.id}": float(rnd.randint(1, 10)) for item in SELF_ITEMS}
        values["sjalvskattning:mean"] = sum(values.values()) / len(values)
        values["eq5d:index"] = round(rnd.uniform(-0.6, 1.0), 3)
        values["eq5d:vas"] = float(rnd.randint(0, 100))
        if rnd.random() < 0.15:  # one instrument left unanswered
            drop = "eq5d" if rnd.random() < 0.5 else "sjalvskattning"
            values = {key: v for key, v in values.items() if not key.startswith(drop)}
        return values

    for number, size in enumerate(cohort.sizes):
        insats = f"Insats {'ABCD'[number]}"
        for _ in range(size):
            pid = len(participations) + 1
            gender = rnd.choices(GENDERS, weights=cohort.gender_weights)[0]
            start = today - timedelta(days=rnd.randint(20, 720))
            exit_date = None
            if rnd.random() < cohort.exited:
                exit_date = min(today, start + timedelta(days=rnd.randint(14, 500)))
            # Answers at the end count only for participations that ended (dataset.load).
            at_exit = exit_date is not None and rnd.random() < cohort.exit_answers
            born = (
                None
                if background.random() < 0.1
                else start.year - background.choice((18, 22, 30, 33, 41, 50, 58, 61))
            )
            participations.append(
                (
                    pid,
                    insats,
                    gender,
                    start,
                    exit_date,
                    "exited" if exit_date else "active",
                    born,
                    background.choices(REMITTENTS, weights=(5, 4, 2, 1, 1))[0],
                )
            )
            who = (pid, insats, gender)
            first = scores(None) if rnd.random() < cohort.start_answers else None
            for measure, value in (first or {}).items():
                measurements.append((*who, "start", measure, value))
            if at_exit and rnd.random() < 0.85:
                for measure, value in scores(first).items():
                    measurements.append((*who, "exit", measure, value))
            if rnd.random() < cohort.screened:
                for occasion in ("start", "exit", "uppfoljning")[: rnd.choice((1, 1, 2, 3))]:
                    rid = next(response)
                    for item in VIOLENCE_ITEMS:
                        value = rnd.choices(YES_NO, weights=(cohort.yes, 1, 0.1))[0]
                        answers.append((rid, *who, occasion, "valdsenkat", item, value))
            if at_exit and rnd.random() < cohort.satisfaction:
                rid = next(response)
                mood = rnd.randint(1, 5)
                for item in SATISFACTION_ITEMS:
                    if rnd.random() < 0.1:
                        continue  # an item left unanswered
                    if item.type == "scale":
                        value: Any = max(1, min(5, mood + rnd.choice((-1, 0, 0, 1))))
                    else:
                        value = rnd.choice(item.choice_values())
                    answers.append((rid, *who, "exit", "nojdhet", item.id, value))
            register = [("inskrivning", "start")]
            if at_exit:
                register.append(("utskrivning", "exit"))
            for questionnaire, occasion in register:
                if rnd.random() >= cohort.register:
                    continue
                rid = next(response)
                for (qid, item_id), values in codes.items():
                    if qid == questionnaire:
                        value = values[min(len(values) - 1, int(rnd.expovariate(0.8)))]
                        answers.append((rid, *who, occasion, qid, item_id, value))
        goals[insats] = [
            {"kind": "improved", "measure": rnd.choice(list(MEASURES)), "target": 0.5},
            {
                "kind": "exit_reasons",
                "reasons": rnd.sample(codes[("utskrivning", "exit_reason")], 1),
                "target": 0.3,
            },
        ][: rnd.randint(0, 2)]
        if background.random() < 0.5:
            goals[insats].append(
                {
                    "kind": "categories",
                    "item": "utskrivning:occupation",
                    "categories": background.sample(codes[("utskrivning", "occupation")], 1),
                    "target": 0.4,
                }
            )
    return Dataset(
        forbund=Forbund(
            name="Förbundet",
            min_group_size=cohort.k if k is None else k,
            merge_other_genders=cohort.merged,
        ),
        filter=ReportFilter(forbund_id=1),
        participations=pd.DataFrame(
            participations,
            columns=[
                "participation_id",
                "insats",
                "gender",
                "start_date",
                "exit_date",
                "status",
                "birth_year",
                "remittent",
            ],
        ),
        measurements=pd.DataFrame(
            measurements,
            columns=["participation_id", "insats", "gender", "occasion", "measure", "value"],
        ),
        measures=dict(MEASURES),
        answers=pd.DataFrame(
            answers,
            columns=[
                "response_id",
                "participation_id",
                "insats",
                "gender",
                "occasion",
                "questionnaire_id",
                "item_id",
                "value",
            ],
        ),
        definitions={q.id: q for q in REGISTRY.by_id.values()},
        goals=goals,
    )


def _write(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    workbook.write(dataset, buffer, made_by="test")
    return buffer.getvalue()


def _listing(findings: list[Finding], per_sheet: int = 6) -> str:
    """How many leaks per sheet and method, then the first few of each sheet."""
    counts = Counter((f.sheet, f.method.split(" (")[0]) for f in findings)
    lines = [f"  {n:4d}  {sheet}: {method}" for (sheet, method), n in counts.items()]
    for sheet in dict.fromkeys(f.sheet for f in findings):
        lines += [str(f) for f in findings if f.sheet == sheet][:per_sheet]
    return "\n".join(lines)


# Shrinking is left out: every step would write a workbook and attack it again, and a failure
# already lists each leak with its sheet, cell and the relation that gave it away.
EXAMPLES = 5 if os.environ.get("CI") else 4


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cohorts())
# Found by the attacker: two "<3" pairs counts beside a visible total of 4, whose blank shares
# the protection took for known non-zero parts (see Publication.share_of).
@example(
    Cohort(3, (10, 16), (10, 0, 8, 10), 0.69, 0.27, 0.53, 0.32, 0.07, 0.27, 0.88, 0.39, 7, 8667)
)
# The same with "Annat (hen)" and "Vill inte uppge" (weights 8 and 10 of 28) as one column.
@example(
    Cohort(
        3, (10, 16), (10, 0, 8, 10), 0.69, 0.27, 0.53, 0.32, 0.07, 0.27, 0.88, 0.39, 7, 8667, True
    )
)
def test_no_hidden_count_can_be_worked_out(cohort: Cohort) -> None:
    _attack_and_check(cohort, lambda dataset: dataset)


def dated(dataset: Dataset, which: ReportCohort, first: date, last: date) -> Dataset:
    """The generated participations as a report on one period and cohort: each violence
    screening gets a date within its participation, and the dataset goes through the same
    selection as `dataset.load` (`in_period`)."""
    report_filter = ReportFilter(1, date_from=first, date_to=last, cohort=which)
    people = dataset.participations
    period = people[cohort_mask(people, replace(report_filter, cohort=ReportCohort.ACTIVE))]
    rnd = random.Random(first.toordinal())
    spans = {
        pid: (start, end if end is not None and not pd.isna(end) else date.today())
        for pid, start, end in zip(
            people["participation_id"], people["start_date"], people["exit_date"], strict=True
        )
    }
    violence = dataset.answers.loc[
        dataset.answers["questionnaire_id"] == "valdsenkat", ["response_id", "participation_id"]
    ].drop_duplicates()
    submitted = [
        spans[pid][0] + timedelta(days=rnd.randint(0, (spans[pid][1] - spans[pid][0]).days))
        for pid in violence["participation_id"]
    ]
    screenings = violence[np.asarray([first <= on <= last for on in submitted], dtype=bool)]
    participations, measurements, answers, screenings = in_period(
        report_filter,
        period.reset_index(drop=True),
        dataset.measurements,
        dataset.answers,
        screenings,
        ["valdsenkat"],
    )
    return replace(
        dataset,
        filter=report_filter,
        participations=participations,
        measurements=measurements,
        answers=answers,
        period=period.reset_index(drop=True),
        screenings=screenings,
    )


# Drawn yearly cohorts once found a gap through the unpublished insats × gender cells (two
# tables each at most the participants of every such group narrowed a small flow count); the
# protection now audits those cells as unknowns (protection.py, "latent"). The first example is
# the case of that finding's kind kept as a fixed one.
YEARLY = Cohort(5, (30, 12), (5, 3, 1, 1), 0.7, 0.8, 0.9, 0.2, 0.8, 0.3, 0.8, 0.9, 4, 7)
YEARLY_EXAMPLES = 3 if os.environ.get("CI") else 2


@settings(
    max_examples=YEARLY_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cohorts(), st.sampled_from(list(ReportCohort)))
@example(YEARLY, ReportCohort.ENROLLED)
# An "x" of ja answers over seven questions (≥ k) makes each gender's screenings at least 2:
# the labels' own integer reasoning, found by the attacker and no leak (tests/attacker.py).
@example(
    Cohort(
        8, (40, 27, 3), (4, 2, 3, 1), 0.39, 0.09, 0.09, 0.39, 0.38, 0.95, 0.2, 0.53, 10, 1083869816
    ),
    ReportCohort.ENDED,
)
# Nobody in the insatser: the report still builds (Bakgrund och tid once failed on it).
@example(
    Cohort(5, (0, 0), (10, 6, 9, 8), 0.83, 0.72, 0.05, 0.43, 0.3, 0.34, 0.6, 0.84, 4, 2299299249),
    ReportCohort.ACTIVE,
)
# No violence screening in the year: the report still builds.
@example(
    Cohort(7, (6,), (6, 8, 5, 9), 0.62, 0.98, 0.68, 0.3, 0.08, 0.92, 0.05, 0.1, 3, 728830787),
    ReportCohort.ACTIVE,
)
def test_no_hidden_count_of_a_yearly_cohort_can_be_worked_out(
    cohort: Cohort, which: ReportCohort
) -> None:
    """Twelve months in the middle of the generated participations (which start up to 720
    days ago), each cohort: the flow (inskrivna vid början, nya, aktiva, avslutade,
    pågående), pairs and exit answers only of those who ended in it, the reach among those
    active in it."""
    last = date.today() - timedelta(days=181)
    first = last - timedelta(days=364)
    _attack_and_check(cohort, lambda dataset: dated(dataset, which, first, last))


def _attack_and_check(cohort: Cohort, select: Any) -> None:
    report = analyse(_write(select(build(cohort))), cohort.k)
    # The attacker's own check: every range it deduces holds the true count, read from the
    # same cohort's workbook written with nothing hidden (same layout, k = 1).
    truth = openpyxl.load_workbook(io.BytesIO(_write(select(build(cohort, k=1)))))
    for finding in report.findings:
        if finding.low is None or finding.method.startswith("statistic"):
            continue
        value = truth[finding.sheet][finding.cell].value
        assert finding.low <= value <= finding.high, f"attacker wrong, true {value}: {finding}"
    if report.findings:
        pytest.fail(
            f'{len(report.findings)} leaks (k = {cohort.k}, "x" read as ≥ {report.x_floor}) '
            f"in the workbook of {cohort}:\n" + _listing(report.findings),
            pytrace=False,
        )


# --- the attacker finds what it should (hand-made workbooks) ---------------------------------


def _book(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _at(findings: list[Finding], sheet: str, cell: str) -> list[Finding]:
    return [f for f in findings if f.sheet == sheet and f.cell == cell]


def test_attacker_finds_a_single_hidden_cell_in_a_line_with_a_total() -> None:
    def violence(row: list[Any]) -> bytes:
        return _book(
            {
                "Våld": [
                    ["Våldsenkäten"],
                    [],
                    ["Genomförda våldsenkäter"],
                    [None, "Kvinna", "Man", "Totalt"],
                    row,
                ]
            }
        )

    findings = attack(violence(["Insats A", 7, "<5", 10]), 5)
    [found] = _at(findings, "Våld", "C5")
    assert (found.label, found.low, found.high) == ("<5", 3, 3)
    assert found.method == "subtraction"
    # Two hidden cells with room enough: "x" is 6 to 9, "<5" 1 to 4. Nothing to find.
    assert attack(violence(["Insats A", "x", "<5", 10]), 5) == []


def test_attacker_finds_a_share_beside_a_hidden_count() -> None:
    rows = [
        ["Våldsenkäten"],
        [],
        ["Genomförda våldsenkäter"],
        [None, "Kvinna", "Man", "Totalt"],
        ["Insats A", 20, 6, 26],
        [],
        [],
        ["Varav minst ett ja"],
        [None, "Kvinna", "Man", "Totalt"],
        ["Insats A", "<5", "<5", 5],
    ]
    assert attack(_book({"Våld": rows}), 5) == []  # 5 = 1..4 + 4..1: nothing to find
    share = [[], [], ["Andel med minst ett ja"], [None, "Kvinna", "Man", "Totalt"]]
    findings = attack(_book({"Våld": [*rows, *share, ["Insats A", 0.15, None, 5 / 26]]}), 5)
    # 0.15 × 20 women: 3 of them said "ja"; so 2 of the men.
    [women] = _at(findings, "Våld", "B10")
    assert (women.low, women.high) == (3, 3)
    [men] = _at(findings, "Våld", "C10")
    assert (men.low, men.high) == (2, 2)
    [printed] = _at(findings, "Våld", "B15")
    assert printed.method == "statistic beside a hidden count"


COMPARISON_HEADER = [
    "Mått",
    "Insats",
    "Kön",
    "Antal par (start och avslut)",
    "Start utan avslut",
    "Medel vid start",
    "Medel vid avslut",
    "Förändring",
    "95 % KI, lägre",
    "95 % KI, övre",
    "p (Wilcoxon)",
    "Andel förbättrade",
    "Andel oförändrade",
    "Andel försämrade",
]


def test_attacker_narrows_a_count_by_the_bounds_of_a_mean() -> None:
    """Two insatser, two genders. The counts alone leave A's women anywhere in 1..4. But all
    women answered 10 (their mean is 10, the scale's top) and all men 1 (the bottom), so
    insats A's mean 2.5 over 12 pairs is 10·a + 1·(12 − a) = 30: a = 2."""

    def sheet(with_means: bool) -> bytes:
        def row(insats: str, gender: str, n: Any, mean: float | None) -> list[Any]:
            shown = mean if with_means else None
            return ["Hälsa", insats, gender, n, 0, shown, shown, 0 if shown else None]

        return _book(
            {
                "Självskattning": [
                    ["Självskattning: före och efter (start och avslut)"],
                    ["Skala 1–10, högre är bättre."],
                    [],
                    COMPARISON_HEADER,
                    row("A", "Kvinna", "<5", None),
                    row("A", "Man", "x", None),
                    row("A", "Totalt", 12, 2.5),
                    row("B", "Kvinna", "x", None),
                    row("B", "Man", "<5", None),
                    row("B", "Totalt", 10, 8.2),
                    row("Totalt", "Kvinna", 10, 10.0),
                    row("Totalt", "Man", 12, 1.0),
                    row("Totalt", "Totalt", 22, 112 / 22),
                ]
            }
        )

    assert attack(sheet(with_means=False), 5) == []
    findings = attack(sheet(with_means=True), 5)
    [women] = _at(findings, "Självskattning", "D5")
    assert (women.low, women.high) == (2, 2)
    assert "mean" in women.method
    # The programs alone (no propagation) get there too.
    only_lp = analyse(sheet(with_means=True), 5, stages="c").findings
    assert [(f.low, f.high) for f in _at(only_lp, "Självskattning", "D5")] == [(2, 2)]


def test_attacker_uses_a_total_printed_on_another_sheet() -> None:
    overview = [
        ["Översikt – F"],
        [],
        ["Deltagare i urvalet"],
        ["Insats", "Kvinna", "Man", "Totalt"],
        ["A", "<5", "x", "x"],
        ["B", "<5", "x", "x"],
        ["Totalt", 5, 14, 19],
    ]
    assert attack(_book({"Översikt": overview}), 5) == []
    reach = [["Våldsenkäten"], [], ["Räckvidd"], [None, "Deltagare i urvalet"], ["A", 8], ["B", 11]]
    findings = attack(_book({"Översikt": overview, "Våld": [*reach, ["Totalt", 19]]}), 5)
    # A has 8 participants: its "x" men are 5 to 7, its "<5" women 1 to 3.
    [women] = _at(findings, "Översikt", "B5")
    assert (women.low, women.high) == (1, 3)
    [men] = _at(findings, "Översikt", "C5")
    assert (men.low, men.high) == (5, 7)
    [total] = _at(findings, "Översikt", "D5")
    assert (total.low, total.high) == (8, 8)


def test_attacker_reads_a_real_workbook_with_nothing_hidden() -> None:
    """k = 1 hides nothing: the attacker reads every table and finds nothing to report."""
    cohort = Cohort(1, (30, 12), (5, 3, 1, 1), 0.7, 0.8, 0.9, 0.2, 0.8, 0.3, 0.8, 0.9, 4, 7)
    report = analyse(_write(build(cohort)), 1)
    assert report.findings == []
    assert report.hidden_cells == 0
    assert report.relations > 500


def test_attacker_falls_back_when_an_x_is_below_k() -> None:
    """A reader takes "x" as at least k; where the workbook says otherwise, at least 1."""
    rows = [["Våldsenkäten"], [], ["Genomförda våldsenkäter"], [None, "Kvinna", "Man", "Totalt"]]
    report = analyse(_book({"Våld": [*rows, ["Insats A", "x", "<5", 5]]}), 5)
    assert report.x_floor == 1
    assert report.notes and "≥ 5" in report.notes[0]
    # x + "<5" = 5 with x ≥ 1: the "<5" is 1 to 4 after all, the "x" too: 4 values.
    assert report.findings == []


# --- consecutive years (issue 14: why a published release is not "aktiva") --------------------

# The seed is one whose two aktiva years show the boundary leak: whether a drawn cohort does
# depends on which cells each year happens to hide, so it moves when the tables change.
CONSECUTIVE = Cohort(5, (37, 17), (8, 8, 3, 0), 0.6, 0.5, 0.6, 0.3, 0.6, 0.3, 0.5, 0.5, 6, 4)


def _years(which: ReportCohort, released: bool) -> list[bytes]:
    """Two consecutive twelve-month periods of the same generated participations."""
    today = date.today()
    periods = [
        (today - timedelta(days=729), today - timedelta(days=365)),
        (today - timedelta(days=364), today),
    ]
    books = []
    for first, last in periods:
        dataset = dated(build(CONSECUTIVE), which, first, last)
        books.append(_write(replace(dataset, filter=replace(dataset.filter, released=released))))
    return books


def test_two_years_of_aktiva_narrow_each_other_across_the_boundary() -> None:
    """Each year's workbook is protected on its own, but the years share the stock of
    participations at the boundary (pågående at the end of one = inskrivna at the start of the
    next): read together, a reader works out cells each year hid. So a published release is not
    "aktiva" (docs/reports.md, threat model)."""
    found = analyse_years(*_years(ReportCohort.ACTIVE, released=False), CONSECUTIVE.k)
    assert any("year boundary" in f.detail for f in found), found
    # The later year's "x" for the "Annat (hen)" enrolled at its start is the earlier year's
    # ongoing at its end: read together, it keeps fewer than the k − 1 values each year kept.
    k = CONSECUTIVE.k
    assert any(
        f.label == "x" and "year boundary" in f.detail and f.high - f.low + 1 < k - 1
        for f in found
        if f.low is not None and f.high is not None
    ), found


def test_two_published_years_share_no_count() -> None:
    """Published releases (avslutade, the flow's events, the reach among the cohort): nothing of
    one year is a count of the other, and read together they give nothing more."""
    earlier, later = _years(ReportCohort.ENDED, released=True)
    for book in (earlier, later):
        cells = {
            str(v)
            for ws in openpyxl.load_workbook(io.BytesIO(book)).worksheets
            for row in ws.values
            for v in row
        }
        assert not {"Pågående vid periodens slut", "Inskrivna vid periodens början"} & cells
        assert "Aktiva under perioden" not in cells
    assert analyse_years(earlier, later, CONSECUTIVE.k) == []
