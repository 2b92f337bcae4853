"""Register figures and breakdowns in the workbook (issue 14, part 3), on a hand-made cohort:
register tables with "Svar saknas" and shares, age group and remittent, time in the insats,
new and ended per month, and a goal on a register category at exit with its denominator.

Every expected figure is worked out by hand below; the workbook is read back with openpyxl.

The cohort (k = 3, period 2025, aktiva), A women and B men (income at start; exit reason and
occupation at exit):

| #     | insats | start            | exit       | days | born | income  | at exit                |
|-------|--------|------------------|------------|------|------|---------|------------------------|
| 1     | A      | 2025-01-10       | 2025-04-10 | 90   | 2003 | lön     | arbete, förvärvsarbete |
| 2     | A      | 2025-01-15       | 2025-04-15 | 90   | 2003 | lön     | arbete, förvärvsarbete |
| 3     | A      | 2025-01-20       | 2025-04-30 | 100  | 2003 | lön     | arbete, förvärvsarbete |
| 4–6   | A      | 2025-03-05       | –          |      | 1985 | –       |                        |
| 7     | B      | 2025-02-01       | 2025-06-01 | 120  | 1995 | a-kassa | – (no exit form)       |
| 8     | B      | 2025-02-03       | 2025-06-03 | 120  | 1995 | a-kassa | –                      |
| 9     | B      | 2025-02-10       | 2025-06-30 | 140  | 1995 | a-kassa | –                      |
| 10–12 | B      | 2025-02-15/20/25 | –          |      | –    | a-kassa |                        |

No count is from 1 to 2, so nothing is hidden and every figure can be checked exactly.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from survey_app.models import Forbund
from survey_app.questionnaires import Registry
from survey_app.reports import workbook
from survey_app.reports.dataset import Cohort, Dataset, ReportFilter
from tests.attacker import attack

REGISTRY = Registry(Path(__file__).resolve().parent.parent / "questionnaires")
MONTH = 365.25 / 12  # days in a month, as the sheet says
GENDERS = ["Kvinna", "Man", "Annat (hen)", "Vill inte uppge", "Totalt"]


def _dataset(
    extra: list[tuple[Any, ...]] = (), goals: dict[str, list[dict[str, Any]]] | None = None
) -> Dataset:
    people: list[tuple[Any, ...]] = [
        (1, "A", "Kvinna", date(2025, 1, 10), date(2025, 4, 10), 2003, "Försäkringskassan"),
        (2, "A", "Kvinna", date(2025, 1, 15), date(2025, 4, 15), 2003, "Försäkringskassan"),
        (3, "A", "Kvinna", date(2025, 1, 20), date(2025, 4, 30), 2003, "Försäkringskassan"),
        *[(n, "A", "Kvinna", date(2025, 3, 5), None, 1985, "Försäkringskassan") for n in (4, 5, 6)],
        (7, "B", "Man", date(2025, 2, 1), date(2025, 6, 1), 1995, "Arbetsförmedlingen"),
        (8, "B", "Man", date(2025, 2, 3), date(2025, 6, 3), 1995, "Arbetsförmedlingen"),
        (9, "B", "Man", date(2025, 2, 10), date(2025, 6, 30), 1995, "Arbetsförmedlingen"),
        *[
            (n, "B", "Man", date(2025, 2, day), None, None, "Arbetsförmedlingen")
            for n, day in ((10, 15), (11, 20), (12, 25))
        ],
        *extra,
    ]
    answers: list[tuple[Any, ...]] = []
    for pid, insats, gender, _, _, _, _ in people:
        if pid in (1, 2, 3):
            answers.append(
                (100 + pid, pid, insats, gender, "start", "inskrivning", "income", "lon")
            )
            for item, value in (("exit_reason", "arbete"), ("occupation", "forvarvsarbete")):
                answers.append((200 + pid, pid, insats, gender, "exit", "utskrivning", item, value))
        elif insats == "B":
            answers.append(
                (100 + pid, pid, insats, gender, "start", "inskrivning", "income", "a_kassa")
            )
    return Dataset(
        forbund=Forbund(
            name="F",
            min_group_size=3,
            protection_keeps="totals",
            merge_other_genders=False,
        ),
        filter=ReportFilter(
            forbund_id=1,
            date_from=date(2025, 1, 1),
            date_to=date(2025, 12, 31),
            cohort=Cohort.ACTIVE,
        ),
        participations=pd.DataFrame(
            [(p, i, g, s, e, "exited" if e else "active", b, r) for p, i, g, s, e, b, r in people],
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
        measurements=pd.DataFrame(),
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
        goals=goals or {},
    )


def _book(dataset: Dataset) -> tuple[openpyxl.Workbook, bytes]:
    buffer = io.BytesIO()
    workbook.write(dataset, buffer, made_by="test")
    data = buffer.getvalue()
    return openpyxl.load_workbook(io.BytesIO(data)), data


def _table(sheet: Any, title: str) -> tuple[list[Any], dict[tuple[str, ...], dict[str, Any]]]:
    """The table under a title alone in column A: its header, and its rows by their labels
    (an insats named once on the first of its rows is carried down)."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    header = rows[start + 1]
    two = header[1] is not None and rows[start + 2][1] is not None and header[0] == "Insats"
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    current = None
    for row in rows[start + 2 :]:
        if all(v is None for v in row):
            break
        current = row[0] if row[0] is not None else current
        key = (current, row[1]) if two else (current,)
        first = 2 if two else 1
        pairs = zip(header[first:], row[first:], strict=False)
        out[key] = {str(name): value for name, value in pairs if name}
    return header, out


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    goals = {
        "A": [
            {
                "kind": "categories",
                "item": "utskrivning:occupation",
                "categories": ["forvarvsarbete", "studier"],
                "target": 0.4,
            },
            {"kind": "exit_reasons", "reasons": ["arbete"], "target": 0.3},
        ],
        "B": [
            {
                "kind": "categories",
                "item": "utskrivning:occupation",
                "categories": ["forvarvsarbete", "studier"],
                "target": 0.4,
            },
            {"kind": "exit_reasons", "reasons": ["arbete"], "target": 0.3},
        ],
    }
    return _book(_dataset(goals=goals))[0]


def test_a_register_table_counts_those_without_an_answer(book: openpyxl.Workbook) -> None:
    sheet = book["Försörjning och sysselsättning"]
    _, income = _table(sheet, "Försörjning vid start (antal)")
    # A: 3 with lön, 3 without an inskrivning; B: 6 with a-kassa.
    assert income[("A", "Lön")]["Totalt"] == 3
    assert income[("A", "Svar saknas")]["Totalt"] == 3
    assert income[("A", "Totalt")]["Totalt"] == 6
    assert income[("B", "A-kassa")]["Totalt"] == 6
    assert income[("B", "Svar saknas")]["Totalt"] == 0
    assert income[("B", "Totalt")]["Totalt"] == 6
    # Over both insatser, by gender (A is the women, B the men) and in total.
    assert income[("Totalt", "Svar saknas")] == {
        "Kvinna": 3,
        "Man": 0,
        "Annat (hen)": 0,
        "Vill inte uppge": 0,
        "Totalt": 3,
    }
    assert income[("Totalt", "Totalt")]["Totalt"] == 12  # the whole cohort
    assert income[("A", "Lön")]["Kvinna"] is None  # never insats × gender
    _, shares = _table(sheet, "Försörjning vid start (antal), andel per insats och kön")
    assert shares[("A", "Lön")]["Totalt"] == pytest.approx(3 / 6)
    assert shares[("A", "Svar saknas")]["Totalt"] == pytest.approx(3 / 6)
    assert shares[("Totalt", "A-kassa")]["Totalt"] == pytest.approx(6 / 12)
    assert shares[("Totalt", "Svar saknas")]["Totalt"] == pytest.approx(3 / 12)
    assert shares[("Totalt", "Totalt")]["Totalt"] == pytest.approx(1.0)


def test_a_register_table_at_exit_counts_the_ended_without_an_answer(
    book: openpyxl.Workbook,
) -> None:
    """Asked at the end: of the 3 + 3 who ended in the period; B's 3 have no exit form."""
    _, occupation = _table(
        book["Försörjning och sysselsättning"], "Sysselsättning vid avslut (antal)"
    )
    assert occupation[("A", "Förvärvsarbete")]["Totalt"] == 3
    assert occupation[("A", "Svar saknas")]["Totalt"] == 0
    assert occupation[("A", "Totalt")]["Totalt"] == 3
    assert occupation[("B", "Svar saknas")]["Totalt"] == 3
    assert occupation[("B", "Totalt")]["Totalt"] == 3
    assert occupation[("Totalt", "Totalt")]["Totalt"] == 6  # Översikt's avslutade
    _, reasons = _table(book["Avslut"], "Avslutsorsak")
    assert reasons[("Totalt", "Arbete")]["Totalt"] == 3
    assert reasons[("Totalt", "Svar saknas")]["Totalt"] == 3


def test_a_goal_on_register_categories_at_exit_states_its_denominator(
    book: openpyxl.Workbook,
) -> None:
    rows = [list(r) for r in book["Översikt"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "Mål")
    goals = [tuple(r[:5]) for r in rows[start + 2 : start + 6]]
    text = "40 % Sysselsättning vid avslut: förvärvsarbete eller studier (andel av alla avslutade)"
    # A: 3 of the 3 who ended are in förvärvsarbete or studier: 100 % ≥ 40 %.
    assert goals[0] == ("A", text, 1, 3, "Ja")
    # Exit reasons: among the reasons given (3 of 3 arbete).
    assert goals[1] == ("A", "30 % avslutas till arbete", 1, 3, "Ja")
    # B: none of the 3 who ended has an occupation at exit registered: 0 of 3, not "too few".
    assert goals[2] == ("B", text, 0, 3, "Nej")
    # ... while the exit-reason goal counts only reasons given: none.
    assert goals[3] == ("B", "30 % avslutas till arbete", None, 0, "För få (färre än 3)")


def test_age_group_and_remittent_of_the_cohort(book: openpyxl.Workbook) -> None:
    sheet = book["Bakgrund och tid"]
    _, age = _table(sheet, "Åldersgrupp vid start (antal)")
    # Age = 2025 − birth year: 22 (under 25), 40 (35–44), 30 (25–34), not known.
    assert age[("A", "Under 25")]["Totalt"] == 3
    assert age[("A", "35–44")]["Totalt"] == 3
    assert age[("B", "25–34")]["Totalt"] == 3
    assert age[("B", "Uppgift saknas")]["Totalt"] == 3
    assert age[("Totalt", "Under 25")]["Kvinna"] == 3
    assert age[("Totalt", "55 och äldre")]["Totalt"] == 0
    assert age[("Totalt", "Totalt")]["Totalt"] == 12
    _, share = _table(sheet, "Åldersgrupp vid start (antal), andel per insats och kön")
    assert share[("Totalt", "Uppgift saknas")]["Totalt"] == pytest.approx(3 / 12)
    assert share[("A", "Under 25")]["Totalt"] == pytest.approx(3 / 6)
    _, remittent = _table(sheet, "Remittent (antal)")
    assert remittent[("A", "Försäkringskassan")]["Totalt"] == 6
    assert remittent[("B", "Arbetsförmedlingen")]["Totalt"] == 6
    assert remittent[("Totalt", "Arbetsförmedlingen")]["Man"] == 6
    assert remittent[("Totalt", "Uppgift saknas")]["Totalt"] == 0


def test_time_in_the_insats_of_those_who_ended(book: openpyxl.Workbook) -> None:
    sheet = book["Bakgrund och tid"]
    _, per_insats = _table(sheet, "Tid i insatsen per insats, avslutade under perioden (månader)")
    # A: 90, 90, 100 days; B: 120, 120, 140 days.
    a, b = [90, 90, 100], [120, 120, 140]
    expected = {
        "A": (3, round(sum(a) / 3 / MONTH, 1), round(90 / MONTH, 1)),  # 3.1 and 3.0
        "B": (3, round(sum(b) / 3 / MONTH, 1), round(120 / MONTH, 1)),  # 4.2 and 3.9
        # Six: mean 660 / 6 = 110 days; median of 100 and 120 = 110 days: 3.6.
        "Totalt": (6, round(110 / MONTH, 1), round(110 / MONTH, 1)),
    }
    assert expected["A"][1:] == (3.1, 3.0) and expected["Totalt"][1:] == (3.6, 3.6)
    for insats, (n, mean, median) in expected.items():
        row = per_insats[(insats,)]
        assert row["Avslutade under perioden"] == n, insats
        assert row["Medel (månader)"] == pytest.approx(mean), insats
        assert row["Median (månader)"] == pytest.approx(median), insats
    _, per_gender = _table(sheet, "Tid i insatsen per kön, avslutade under perioden (månader)")
    assert per_gender[("Kvinna",)]["Medel (månader)"] == pytest.approx(3.1)
    assert per_gender[("Man",)]["Median (månader)"] == pytest.approx(3.9)
    # No one: n = 0, no mean.
    assert per_gender[("Annat (hen)",)] == {
        "Avslutade under perioden": 0,
        "Medel (månader)": None,
        "Median (månader)": None,
    }


def test_new_and_ended_per_month(book: openpyxl.Workbook) -> None:
    _, months = _table(book["Bakgrund och tid"], "Nya och avslutade deltaganden per månad")
    assert list(months)[:12] == [(f"2025-{m:02d}",) for m in range(1, 13)]
    new = {key[0]: row["Nya under perioden"] for key, row in months.items()}
    ended = {key[0]: row["Avslutade under perioden"] for key, row in months.items()}
    assert new == {
        **{f"2025-{m:02d}": 0 for m in range(1, 13)},
        "2025-01": 3,
        "2025-02": 6,
        "2025-03": 3,
        "Totalt": 12,
    }
    assert ended == {
        **{f"2025-{m:02d}": 0 for m in range(1, 13)},
        "2025-04": 3,
        "2025-06": 3,
        "Totalt": 6,
    }


def test_a_small_insats_hides_its_time_and_leaks_nothing() -> None:
    """C: one woman who ended after 61 days. Her count is "<3", so no mean or median beside
    it; and the attacker works out no hidden count from the new tables."""
    extra = [
        (
            13,
            "C",
            "Kvinna",
            date(2025, 5, 1),
            date(2025, 5, 1) + timedelta(days=61),
            1970,
            "Region (vård, psykiatri)",
        )
    ]
    book, data = _book(_dataset(extra))
    _, per_insats = _table(
        book["Bakgrund och tid"], "Tid i insatsen per insats, avslutade under perioden (månader)"
    )
    assert per_insats[("C",)] == {
        "Avslutade under perioden": "<3",
        "Medel (månader)": None,
        "Median (månader)": None,
    }
    for key, row in per_insats.items():
        if isinstance(row["Avslutade under perioden"], str):
            assert row["Medel (månader)"] is None and row["Median (månader)"] is None, key
    _, age = _table(book["Bakgrund och tid"], "Åldersgrupp vid start (antal)")
    assert age[("C", "55 och äldre")]["Totalt"] == "<3"  # 2025 − 1970 = 55
    assert attack(data, 3) == []


def test_the_new_sheet_prints_like_every_sheet_and_is_described(book: openpyxl.Workbook) -> None:
    sheet = book["Bakgrund och tid"]
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    assert sheet.print_title_rows
    assert "&P av &N" in sheet.oddFooter.center.text
    about = {row[0]: row[1] for row in book["Om rapporten"].iter_rows(min_row=5, values_only=True)}
    assert "Svar saknas" in about["Registeruppgifter"]
    assert "andel av alla avslutade" in about["Registeruppgifter"]
    assert "Tid i insatsen" in about["Bakgrund och tid"]


def test_age_groups_at_their_edges() -> None:
    from survey_app.reports.background import age_group

    start = date(2025, 6, 1)
    assert age_group(start, 2001) == "Under 25"  # 24
    assert age_group(start, 2000) == "25–34"  # 25
    assert age_group(start, 1991) == "25–34"  # 34
    assert age_group(start, 1990) == "35–44"  # 35
    assert age_group(start, 1971) == "45–54"  # 54
    assert age_group(start, 1970) == "55 och äldre"  # 55
    assert age_group(start, 2012) == "Under 25"  # 13: still the youngest band
    assert age_group(start, None) == "Uppgift saknas"
    assert age_group(start, float("nan")) == "Uppgift saknas"


def test_in_the_cohort_nya_an_exit_table_counts_those_of_it_who_ended() -> None:
    """Everyone started in 2025, so "nya" is the same twelve; the exit table's "Totalt" is a
    count of its own there (those of the cohort who ended: 3 + 3), not Översikt's column."""
    dataset = _dataset()
    dataset = replace_filter(dataset, Cohort.NEW)
    book, data = _book(dataset)
    _, occupation = _table(
        book["Försörjning och sysselsättning"], "Sysselsättning vid avslut (antal)"
    )
    assert occupation[("A", "Förvärvsarbete")]["Totalt"] == 3
    assert occupation[("B", "Svar saknas")]["Totalt"] == 3
    assert occupation[("Totalt", "Totalt")]["Totalt"] == 6
    _, income = _table(book["Försörjning och sysselsättning"], "Försörjning vid start (antal)")
    assert income[("Totalt", "Totalt")]["Totalt"] == 12
    assert attack(data, 3) == []


def replace_filter(dataset: Dataset, cohort: Cohort) -> Dataset:
    from dataclasses import replace

    return replace(dataset, filter=replace(dataset.filter, cohort=cohort))
