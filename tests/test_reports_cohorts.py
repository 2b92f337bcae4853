"""Cohorts, the flow of the period and the violence screening's reach, worked out by hand.

The period of most tests is 2025. Hand-made participations sit on the edges: a start on the
first day, an exit on the last day, an exit the day before the period, one across the year's
boundaries.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import Forbund, Insats, Participation, ParticipationStatus
from survey_app.questionnaires import Registry
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import Cohort, Dataset, ReportFilter, _cohort_condition
from tests import factories

REGISTRY = Registry(Path(__file__).resolve().parent.parent / "questionnaires")
YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))

# code: (start, exit)
EDGES = {
    "first-day": (date(2025, 1, 1), None),  # starts on the period's first day
    "starts-last-day": (date(2025, 12, 31), None),
    "ends-last-day": (date(2024, 6, 1), date(2025, 12, 31)),
    "ends-first-day": (date(2024, 5, 1), date(2025, 1, 1)),
    "ends-day-before": (date(2024, 3, 1), date(2024, 12, 31)),  # before the period: in none
    "starts-after": (date(2026, 1, 1), None),
    "across": (date(2024, 10, 1), date(2026, 2, 1)),  # active across both of 2025's boundaries
    "within": (date(2025, 3, 1), date(2025, 6, 30)),
}
# Worked out from the definitions (docs/reports.md), one participation at a time.
EXPECTED = {
    YEAR_2025: {
        Cohort.ACTIVE: {
            "first-day",
            "starts-last-day",
            "ends-last-day",
            "ends-first-day",
            "across",
            "within",
        },
        Cohort.NEW: {"first-day", "starts-last-day", "within"},
        Cohort.ENDED: {"ends-last-day", "ends-first-day", "within"},
        Cohort.ENROLLED: {"ends-last-day", "ends-first-day", "across"},
    },
    YEAR_2026: {
        Cohort.ACTIVE: {"first-day", "starts-last-day", "starts-after", "across"},
        Cohort.NEW: {"starts-after"},
        Cohort.ENDED: {"across"},
        Cohort.ENROLLED: {"first-day", "starts-last-day", "across"},
    },
}


@pytest.fixture
def edges(app: Flask) -> dict[str, int]:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        owner.min_group_size = 1  # nothing hidden: the counts themselves are checked
        insats = factories.insats(owner, "Hälsoskolan")
        ids = {}
        for code, (start, end) in EDGES.items():
            participation = factories.participation(insats, code, start=start)
            if end is not None:
                participation.exit_date = end
                participation.status = ParticipationStatus.EXITED
            ids[code] = participation.id
        db.session.commit()
        return ids


def _codes(ids: dict[str, int], found: set[int]) -> set[str]:
    return {code for code, pid in ids.items() if pid in found}


@pytest.mark.parametrize("year", [YEAR_2025, YEAR_2026])
@pytest.mark.parametrize("cohort", list(Cohort))
def test_each_cohort_takes_its_participations_at_the_edges(
    app: Flask, edges: dict[str, int], year: tuple[date, date], cohort: Cohort
) -> None:
    with app.app_context():
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        assert forbund_id is not None
        report_filter = ReportFilter(forbund_id, date_from=year[0], date_to=year[1], cohort=cohort)
        # The cohort in SQL (the answers are read with it) ...
        in_sql = set(
            db.session.scalars(
                sa.select(Participation.id)
                .join(Insats, Participation.insats_id == Insats.id)
                .where(*_cohort_condition(report_filter))
            )
        )
        assert _codes(edges, in_sql) == EXPECTED[year][cohort]
        # ... and in pandas (the participations of the report).
        data = reports_dataset.load(report_filter, app.extensions["questionnaires"])
        assert (
            _codes(edges, set(data.participations["participation_id"])) == (EXPECTED[year][cohort])
        )
        assert _codes(edges, set(data.active["participation_id"])) == EXPECTED[year][Cohort.ACTIVE]


def _flow(book: openpyxl.Workbook) -> dict[str, dict[str, object]]:
    """Översikt's flow per insats: {insats: {column: value}}."""
    rows = list(book["Översikt"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Flöde under perioden per insats")
    header = rows[start + 1]
    out = {}
    for row in rows[start + 2 :]:
        if row[0] is None:
            break
        out[row[0]] = {str(h): v for h, v in zip(header[1:], row[1:], strict=True) if h}
    return out


def test_a_participant_active_across_the_year_boundary_counts_in_both_years(
    app: Flask, edges: dict[str, int]
) -> None:
    """'across' (2024-10-01 – 2026-02-01) is active in 2025 and in 2026; in 2025 it was
    enrolled at the start and still there at the end, in 2026 enrolled at the start and ended."""
    flows = {}
    with app.app_context():
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        assert forbund_id is not None
        for year in (YEAR_2025, YEAR_2026):
            report_filter = ReportFilter(forbund_id, date_from=year[0], date_to=year[1])
            data = reports_dataset.load(report_filter, app.extensions["questionnaires"])
            assert edges["across"] in set(data.participations["participation_id"])
            buffer = io.BytesIO()
            workbook.write(data, buffer, made_by="test", internal=True)
            book = openpyxl.load_workbook(buffer)
            flows[year[0].year] = _flow(book)["Totalt"]
            assert book["Självskattning"]["A2"].value.startswith(
                f"Urval: aktiva under perioden {year[0]} – {year[1]}"
            )
    # 2025: enrolled ends-last-day, ends-first-day, across (3); new first-day, starts-last-day,
    # within (3); active 6; ended ends-last-day, ends-first-day, within (3); ongoing 3.
    assert flows[2025] == {
        "Inskrivna vid periodens början": 3,
        "Nya under perioden": 3,
        "Aktiva under perioden": 6,
        "Avslutade under perioden": 3,
        "Pågående vid periodens slut": 3,
    }
    # 2026: enrolled first-day, starts-last-day, across (3) — 2025's ongoing; new starts-after;
    # ended across; ongoing first-day, starts-last-day, starts-after.
    assert flows[2026] == {
        "Inskrivna vid periodens början": 3,
        "Nya under perioden": 1,
        "Aktiva under perioden": 4,
        "Avslutade under perioden": 1,
        "Pågående vid periodens slut": 3,
    }


# --- the reach, on plain data -------------------------------------------------------------

# code: (start, exit, screenings submitted in 2025)
REACH = {
    "p1": (date(2024, 1, 1), None, 2),  # all of 2025 (365 days): long, screened twice
    "p2": (date(2025, 3, 1), None, 1),  # 1 March – 31 December: 306 days, long, once
    "p3": (date(2025, 9, 1), None, 2),  # 122 days: not long; screened (twice)
    "p4": (date(2024, 5, 1), date(2025, 7, 2), 0),  # 1 January – 2 July: 183 days, long
    "p5": (date(2024, 5, 1), date(2025, 7, 1), 3),  # 182 days: not more than 182
    "p6": (date(2025, 1, 1), date(2025, 2, 1), 0),  # 32 days
}


def _reach_dataset(cohort: Cohort) -> Dataset:
    people = pd.DataFrame(
        [
            (n, "A", "Kvinna", start, end, "exited" if end else "active")
            for n, (start, end, _) in enumerate(REACH.values())
        ],
        columns=["participation_id", "insats", "gender", "start_date", "exit_date", "status"],
    )
    report_filter = ReportFilter(1, date_from=YEAR_2025[0], date_to=YEAR_2025[1], cohort=cohort)
    screenings = [
        (100 * n + i, n) for n, (_, _, count) in enumerate(REACH.values()) for i in range(count)
    ]
    cohort_ids = set(people.loc[reports_dataset.cohort_mask(people, report_filter)].index)
    answers = [
        (rid, pid, "A", "Kvinna", "start", "valdsenkat", "threats", "nej")
        for rid, pid in screenings
        if pid in cohort_ids
    ]
    return Dataset(
        forbund=Forbund(name="F", min_group_size=1, protection_keeps="totals"),
        filter=report_filter,
        participations=people.loc[sorted(cohort_ids)].reset_index(drop=True),
        measurements=pd.DataFrame(),
        answers=pd.DataFrame(answers, columns=list(reports_dataset.ANSWER_COLUMNS)),
        definitions={q.id: q for q in REGISTRY.by_id.values()},
        period=people,
        screenings=pd.DataFrame(screenings, columns=["response_id", "participation_id"]),
    )


@pytest.mark.parametrize("cohort", [Cohort.ACTIVE, Cohort.ENDED])
def test_yearly_reach_by_both_definitions_in_forms_and_persons(cohort: Cohort) -> None:
    report = workbook.build(_reach_dataset(cohort))
    reach = dict(report.blocks["Våld"])["Räckvidd"]()
    row = reach.loc["A"]
    # Whatever the cohort, the reach is among the six active in 2025.
    assert row["Aktiva under perioden"] == 6
    assert row["Våldsenkäter under perioden (antal enkäter)"] == 2 + 1 + 2 + 0 + 3 + 0
    assert row["Deltagare med minst en enkät"] == 4  # p1, p2, p3, p5
    assert row["Andel med minst en enkät"] == pytest.approx(4 / 6)
    assert row["Aktiva mer än 6 månader under perioden"] == 3  # p1, p2, p4
    assert row["Varav deltagare med minst två enkäter"] == 1  # p1 (p3 and p5 are short)
    assert row["Andel med minst två enkäter"] == pytest.approx(1 / 3)
    # The violence tables count the cohort's screenings: all 8, or those of p4, p5, p6.
    screened = dict(report.blocks["Våld"])["Genomförda våldsenkäter"]()
    assert screened.loc["A", "Totalt"] == (8 if cohort == Cohort.ACTIVE else 3)


def test_a_published_release_shows_only_what_never_overlaps_between_years() -> None:
    """The published yearly release: cohort avslutade (p4, p5, p6), the flow's events of the
    whole year, and the reach among the cohort."""
    dataset = _reach_dataset(Cohort.ENDED)
    dataset = replace(dataset, filter=replace(dataset.filter, released=True))
    report = workbook.build(dataset)
    flow = report.overview
    assert flow.labels[0] == ["Nya under perioden", "Avslutade under perioden"]
    # New in 2025: p2, p3, p6 (whatever their end); ended in 2025: p4, p5, p6.
    assert list(flow.shown()[:, -1, -1]) == [3, 3]
    reach = dict(report.blocks["Våld"])["Räckvidd"]().loc["A"]
    assert reach["Deltagare i urvalet"] == 3
    assert reach["Våldsenkäter under perioden (antal enkäter)"] == 3  # p5's three
    assert reach["Deltagare med minst en enkät"] == 1
    assert reach["Aktiva mer än 6 månader under perioden"] == 1  # p4: 183 days
    assert reach["Varav deltagare med minst två enkäter"] == 0  # p5 is not long


def test_answers_at_the_end_count_only_for_those_who_ended_in_the_period() -> None:
    """2025, aktiva: p1 ended in March, p2 in January 2026 (after the period), p3 is active.
    p2's EXIT value, exit form and satisfaction belong to 2026; p3's second screening was not
    submitted in 2025; p1's screening 11 has no answers the violence tables count, so the
    reach does not count it for the cohort either."""
    period = pd.DataFrame(
        [
            (1, "A", "Kvinna", date(2024, 6, 1), date(2025, 3, 1), "exited"),
            (2, "A", "Kvinna", date(2025, 2, 1), date(2026, 1, 15), "exited"),
            (3, "A", "Kvinna", date(2025, 5, 1), None, "active"),
        ],
        columns=["participation_id", "insats", "gender", "start_date", "exit_date", "status"],
    )
    measurements = pd.DataFrame(
        [
            (1, "A", "Kvinna", "start", "eq5d:vas", 40.0),
            (1, "A", "Kvinna", "exit", "eq5d:vas", 60.0),
            (2, "A", "Kvinna", "start", "eq5d:vas", 50.0),
            (2, "A", "Kvinna", "exit", "eq5d:vas", 90.0),
            (3, "A", "Kvinna", "start", "eq5d:vas", 30.0),
        ],
        columns=list(reports_dataset.MEASUREMENT_COLUMNS),
    )
    answers = pd.DataFrame(
        [
            (10, 1, "A", "Kvinna", "start", "inskrivning", "income", "lon"),
            (12, 1, "A", "Kvinna", "exit", "utskrivning", "exit_reason", "arbete"),
            (21, 2, "A", "Kvinna", "exit", "utskrivning", "exit_reason", "studier"),
            (22, 2, "A", "Kvinna", "exit", "nojdhet", "overall", 5),
            (31, 3, "A", "Kvinna", "start", "valdsenkat", "threats", "nej"),
            (32, 3, "A", "Kvinna", "followup", "valdsenkat", "threats", "ja"),
        ],
        columns=list(reports_dataset.ANSWER_COLUMNS),
    )
    screenings = pd.DataFrame([(11, 1), (31, 3)], columns=["response_id", "participation_id"])
    report_filter = ReportFilter(1, date_from=YEAR_2025[0], date_to=YEAR_2025[1])
    people, kept, given, screened = reports_dataset.in_period(
        report_filter, period, measurements, answers, screenings, ["valdsenkat"]
    )
    assert list(people["participation_id"]) == [1, 2, 3]
    assert [(p, o) for p, o in zip(kept["participation_id"], kept["occasion"], strict=True)] == [
        (1, "start"),
        (1, "exit"),
        (2, "start"),
        (3, "start"),
    ]
    assert list(given["response_id"]) == [10, 12, 31]
    assert list(screened["response_id"]) == [31]
