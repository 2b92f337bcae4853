"""The item-by-item sheets on plain data (no database), numbers worked out by hand.

Each sheet is built as part of the whole report (workbook.build), since the report is protected
as one publication.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from survey_app.models import Forbund
from survey_app.questionnaires import Registry, parse_definition
from survey_app.reports import workbook
from survey_app.reports.compare import TOTAL
from survey_app.reports.dataset import Dataset, ReportFilter
from survey_app.reports.protection import Publication

REGISTRY = Registry(Path(__file__).resolve().parent.parent / "questionnaires")
GENDERS = ["Kvinna", "Man", "Annat (hen)", "Vill inte uppge", TOTAL]


def _dataset(participations: list[tuple], answers: list[tuple]) -> Dataset:
    return Dataset(
        forbund=Forbund(
            name="F", min_group_size=5, protection_keeps="totals", merge_other_genders=False
        ),
        filter=ReportFilter(forbund_id=1),
        participations=pd.DataFrame(
            participations,
            columns=["participation_id", "insats", "gender", "start_date", "exit_date", "status"],
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
    )


@pytest.fixture
def violence() -> Dataset:
    """Insats A: 12 women (7 answer "ja" on physical violence), 6 men (no "ja"), 1 "annat"
    (ja on threats). Everyone screened once, all in the insats since 2025-01-01."""
    people = (
        [("Kvinna", n) for n in range(12)]
        + [("Man", n) for n in range(12, 18)]
        + [("Annat (hen)", 18)]
    )
    participations, answers = [], []
    for gender, pid in people:
        participations.append((pid, "A", gender, date(2025, 1, 1), None, "active"))
        for item in ("psychological", "threats", "physical", "sexual", "control", "afraid"):
            value = "nej"
            if gender == "Kvinna" and pid < 7 and item == "physical":
                value = "ja"
            if gender == "Annat (hen)" and item == "threats":
                value = "ja"
            answers.append((100 + pid, pid, "A", gender, "start", "valdsenkat", item, value))
        answers.append(
            (
                100 + pid,
                pid,
                "A",
                gender,
                "start",
                "valdsenkat",
                "children_exposed",
                "vill_inte_svara" if pid == 0 else "nej",
            )
        )
    return _dataset(participations, answers)


def _blocks(dataset: Dataset, sheet: str) -> dict[str, pd.DataFrame]:
    report = workbook.build(dataset)
    return {title: show() for title, show in report.blocks[sheet]}


def _block(dataset: Dataset, sheet: str, title: str) -> pd.DataFrame:
    return _blocks(dataset, sheet)[title]


def _hidden(value: object) -> bool:
    return isinstance(value, str)


def test_violence_counts_with_protection(violence: Dataset) -> None:
    blocks = _blocks(violence, "Våld")
    screened = blocks["Genomförda våldsenkäter"]
    # Genders are published over all insatser (the Totalt row), insatser over all genders (the
    # Totalt column), never insats × gender.
    assert all(screened.loc["A", gender] is None for gender in GENDERS[:-1])
    # 12, 6, 1, 0 = 19: the 1 is hidden, and beside it one more cell of the row. Not the 6:
    # 19 − 12 would leave 6 + 1 = 7, and a hidden 6 ≥ 5 would pin the 1 to at most 2. The
    # women's 12 is enough: 12 + 1 = 13 lets the 1 be anything from 1 to 4 (the 12 then 9..12).
    assert screened.loc[TOTAL, "Annat (hen)"] == "<5"
    assert screened.loc[TOTAL, "Vill inte uppge"] == 0
    assert list(screened.loc[TOTAL]) == ["x", 6, "<5", 0, 19]
    yes = blocks["Varav minst ett ja"]
    # 7 women and 1 "annat" with at least one "ja" (8 of 19): beside the 1, the 7 could only
    # go down to 5 (a hidden "x"), so it is not enough; the total 8 is: it can be 8 to 11.
    assert yes.loc[TOTAL, "Annat (hen)"] == "<5"
    assert yes.loc[TOTAL, "Man"] == 0
    assert list(yes.loc[TOTAL]) == [7, 0, "<5", 0, "x"]
    share = blocks["Andel med minst ett ja"]
    for row in share.index:  # a share is shown only beside two visible counts
        for gender in share.columns:
            count, whole = yes.loc[row, gender], screened.loc[row, gender]
            visible = count is not None and not _hidden(count) and not _hidden(whole)
            assert (share.loc[row, gender] is not None) == (visible and whole != 0)
    declined = blocks["Varav minst ett ”vill inte svara”"]
    assert declined.loc["A", TOTAL] == "<5"


def test_violence_reach(violence: Dataset) -> None:
    reach = _block(violence, "Våld", "Räckvidd")
    # All 19 screened once (19 forms); all have taken part longer than six months; none twice.
    assert list(reach.loc["A"]) == [19, 19, 19, 1.0, 19, 0, 0.0]


def test_yes_per_item(violence: Dataset) -> None:
    per_item = _block(violence, "Våld", "Antal ja per fråga")
    physical = (
        "Har någon som står dig nära slagit, sparkat, knuffat eller på annat sätt gjort dig illa?"
    )
    threats = "Har någon som står dig nära hotat dig, dina barn eller någon annan du bryr dig om?"
    # Questions × gender (no insats axis): every cell is published.
    assert per_item.loc[threats, "Annat (hen)"] == "<5"
    # The 7 "ja" on physical violence: the column of totals (7, 1, …, 8) would give away the
    # hidden 1 on threats; a hidden 7 could go down only to 5, so the 8 is hidden instead.
    assert per_item.loc[physical, TOTAL] == 7
    assert per_item.loc[TOTAL, TOTAL] == "x"


def test_exit_reasons_per_insats_and_gender_in_counts_and_percent() -> None:
    """A: women 6 arbete, 2 studier, 2 ohälsa. B: arbete for 7 women, 5 men, 1 "annat"."""
    people = (
        [("A", "Kvinna", "arbete")] * 6
        + [("A", "Kvinna", "studier")] * 2
        + [("A", "Kvinna", "ohalsa")] * 2
        + [("B", "Kvinna", "arbete")] * 7
        + [("B", "Man", "arbete")] * 5
        + [("B", "Annat (hen)", "arbete")]
    )
    participations = [
        (n, insats, gender, date(2025, 1, 1), date(2025, 9, 1), "exited")
        for n, (insats, gender, _) in enumerate(people)
    ]
    answers = [
        (200 + n, n, insats, gender, "exit", "utskrivning", "exit_reason", reason)
        for n, (insats, gender, reason) in enumerate(people)
    ]
    blocks = _blocks(_dataset(participations, answers), "Avslut")
    counts = blocks["Avslutsorsak"]
    assert counts.loc[("A", "Studier"), "Kvinna"] is None  # never insats × gender
    assert counts.loc[("A", "Studier"), TOTAL] == "<5"
    assert counts.loc[("A", "Ohälsa"), TOTAL] == "<5"
    # A's 2 + 2 beside a visible 6 and 10 would add up to exactly 4: the 6 is hidden.
    assert _hidden(counts.loc[("A", "Arbete"), TOTAL])
    # Arbete over both insatser: 13 women, 5 men, 1 "annat" = 19; the 1 and the 5 or the 19.
    assert counts.loc[(TOTAL, "Arbete"), "Annat (hen)"] == "<5"
    assert _hidden(counts.loc[(TOTAL, "Arbete"), "Man"]) or _hidden(
        counts.loc[(TOTAL, "Arbete"), TOTAL]
    )
    assert counts.loc[(TOTAL, TOTAL), TOTAL] in (23, "x")
    percent = blocks["Avslutsorsak, andel per insats och kön"]
    for index in percent.index:
        for gender in percent.columns:
            share, count = percent.loc[index, gender], counts.loc[index, gender]
            whole = counts.loc[(index[0], TOTAL), gender]
            if count is None:
                assert share is None
            if share is not None:  # only beside a visible count and a visible whole
                assert not _hidden(count) and not _hidden(whole)
                assert share == pytest.approx(count / whole)
    if counts.loc[(TOTAL, TOTAL), TOTAL] == 23:
        assert percent.loc[(TOTAL, TOTAL), TOTAL] == pytest.approx(1.0)


def test_no_line_of_a_cube_has_a_single_hidden_cell() -> None:
    """Every line along every axis of a random cube: never exactly one hidden cell."""
    rng = np.random.default_rng(7)
    for _ in range(10):
        values = np.zeros((4, 5, 5), dtype=int)
        values[:-1, :-1, :-1] = rng.choice([0, 0, 1, 2, 3, 5, 8, 12], size=(3, 4, 4))
        values[:, :, -1] = values[:, :, :-1].sum(axis=2)
        values[:, -1, :] = values[:, :-1, :].sum(axis=1)
        values[-1, :, :] = values[:-1, :, :].sum(axis=0)
        pub = Publication(5)
        ids = pub.table("cube", values, (True, True, True), ("insats", "category", "gender"))
        pub.protect()
        hidden = pub.hidden(ids)
        assert (hidden == ((values >= 1) & (values < 5)) | hidden).all()
        for axis in range(3):
            lines = np.moveaxis(hidden, axis, -1).reshape(-1, values.shape[axis])
            assert (lines.sum(axis=1) != 1).all()


def test_free_text_never_reaches_a_sheet() -> None:
    participations = [
        (n, "A", "Kvinna", date(2025, 1, 1), date(2025, 9, 1), "exited") for n in range(6)
    ]
    answers = [(300 + n, n, "A", "Kvinna", "exit", "nojdhet", "overall", 5) for n in range(6)]
    dataset = _dataset(participations, answers)
    blocks = _blocks(dataset, "Nöjdhet")
    assert not any("berätta" in title for title in blocks)
    high = blocks["Helhetsintryck: andel som gav 4 eller 5"]
    assert high.loc["A", TOTAL] == 1.0  # 6 of 6
    assert high.loc[TOTAL, "Kvinna"] == 1.0


def test_satisfaction_distribution_and_means_per_insats_and_gender() -> None:
    """Overall impression (1–5) in A: six women give 5, five men give 4."""
    people = [("Kvinna", 5)] * 6 + [("Man", 4)] * 5
    participations = [
        (n, "A", gender, date(2025, 1, 1), date(2025, 9, 1), "exited")
        for n, (gender, _) in enumerate(people)
    ]
    answers = [
        (300 + n, n, "A", gender, "exit", "nojdhet", "overall", value)
        for n, (gender, value) in enumerate(people)
    ]
    blocks = _blocks(_dataset(participations, answers), "Nöjdhet")
    title = "Vad tycker du om insatsen som helhet? (1–5)"
    counts = blocks[title]
    assert counts.loc[(TOTAL, 5), "Kvinna"] == 6
    assert counts.loc[(TOTAL, 4), "Man"] == 5
    assert counts.loc[("A", 5), TOTAL] == 6
    assert counts.loc[("A", 5), "Kvinna"] is None
    assert counts.loc[("A", TOTAL), TOTAL] == 11
    means = blocks[f"{title}, medel"]
    assert means.loc[TOTAL, "Kvinna"] == 5.0
    assert means.loc[TOTAL, "Man"] == 4.0
    assert means.loc["A", "Man"] is None
    assert means.loc["A", TOTAL] == pytest.approx(4.55)  # (6·5 + 5·4) / 11 = 4.545…
    assert means.loc[TOTAL, "Annat (hen)"] is None  # nobody


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize(("keep", "men", "total"), [("totals", "x", 235), ("genders", 74, "x")])
def test_159_women_74_men_2_annat_keep_what_the_forbund_chose(
    k: int, keep: str, men: object, total: object
) -> None:
    """The real report's violence screening: 235 forms, 159 women, 74 men, 2 "hen" (of 285
    participants: 40 women and 10 men not screened). The 2 must go, and one more cell of the
    row: the men's column or the total, as the förbund chooses."""
    people = [("Kvinna", 159, 40), ("Man", 74, 10), ("Annat (hen)", 2, 0)]
    participations, answers = [], []
    pid = 0
    for gender, screened_count, unscreened in people:
        for n in range(screened_count + unscreened):
            participations.append((pid, "A", gender, date(2025, 1, 1), None, "active"))
            if n < screened_count:
                answers.append(
                    (1000 + pid, pid, "A", gender, "start", "valdsenkat", "threats", "nej")
                )
            pid += 1
    dataset = _dataset(participations, answers)
    dataset.forbund.min_group_size = k
    dataset.forbund.protection_keeps = keep
    screened = _block(dataset, "Våld", "Genomförda våldsenkäter")
    assert list(screened.loc[TOTAL]) == [159, men, f"<{k}", 0, total]


ALCOHOL = """
id: alkohol
name: Alkoholenkät
version: "1"
title: {sv: "Frågor om alkohol"}
pages:
  - items:
      - {id: often, type: yes_no, text: {sv: "Dricker du alkohol varje vecka?"}}
      - {id: worried, type: yes_no, text: {sv: "Har någon oroat sig för ditt drickande?"}}
report:
  - sheet: Alkohol
    screening: true
"""


@pytest.mark.parametrize(
    ("words", "screened_title", "reach_column", "about_row"),
    [
        ("", "Genomförda enkäter", "Enkäter under perioden (antal enkäter)", "Räckvidd (enkäten)"),
        (
            "    forms: alkoholenkäter\n    form: alkoholenkäten\n",
            "Genomförda alkoholenkäter",
            "Alkoholenkäter under perioden (antal enkäter)",
            "Räckvidd (alkoholenkäten)",
        ),
    ],
)
def test_a_screening_of_its_own_is_named_in_its_own_words(
    words: str, screened_title: str, reach_column: str, about_row: str
) -> None:
    """A förbund's own screening (not violence) declared `screening: true`: its tables say
    "enkäter", or the words its section declares, never "våldsenkäter". 6 women and 6 men
    screened once in insats A; 4 of the women answer "ja" to the first question."""
    alcohol = parse_definition(ALCOHOL + words, "alkohol.yaml")
    participations, answers = [], []
    for pid in range(12):
        gender = "Kvinna" if pid < 6 else "Man"
        participations.append((pid, "A", gender, date(2025, 1, 1), None, "active"))
        for item in ("often", "worried"):
            value = "ja" if item == "often" and pid < 4 else "nej"
            answers.append((100 + pid, pid, "A", gender, "start", "alkohol", item, value))
    dataset = _dataset(participations, answers)
    dataset.definitions = {**dataset.definitions, "alkohol": alcohol}
    report = workbook.build(dataset)
    blocks = {title: show() for title, show in report.blocks["Alkohol"]}
    assert screened_title in blocks
    assert not any("våld" in title.lower() for title in blocks)
    screened = blocks[screened_title]
    assert list(screened.loc[TOTAL, ["Kvinna", "Man"]]) == [6, 6]
    assert blocks["Varav minst ett ja"].loc[TOTAL, "Kvinna"] == "<5"  # 4 women
    reach = blocks["Räckvidd"]
    assert reach_column in reach.columns
    assert reach.loc["A", reach_column] == 12
    buffer = io.BytesIO()
    workbook.write(dataset, buffer, made_by="test")
    sheet = openpyxl.load_workbook(buffer)["Om rapporten"]
    about = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert about_row in about and "våld" not in str(about[about_row])
    assert "fyllt i " + about_row.removeprefix("Räckvidd (").removesuffix(")") in about[about_row]


def test_a_questionnaires_answers_are_the_rows_a_comparison_selects() -> None:
    # Dataset.answers_to groups the rows once; it must give what comparing the columns gives,
    # in the same order, and a copy made with other answers must not keep the first grouping.
    rng = np.random.default_rng(3)
    size = 200
    answers = pd.DataFrame(
        {
            "response_id": rng.integers(1, 50, size),
            "questionnaire_id": rng.choice(["a", "b", "c"], size),
            "occasion": rng.choice(["start", "exit", None], size),
            "item_id": rng.choice(["q1", "q2"], size),
            "value": rng.integers(1, 10, size),
        }
    )
    dataset = Dataset(
        Forbund(name="F"), ReportFilter(1), pd.DataFrame(), pd.DataFrame(), answers=answers
    )
    for questionnaire in ["a", "b", "c", "missing"]:
        of = answers[answers["questionnaire_id"] == questionnaire]
        pd.testing.assert_frame_equal(dataset.answers_to(questionnaire), of)
        for occasion in ["start", "exit", "followup:1"]:
            pd.testing.assert_frame_equal(
                dataset.answers_to(questionnaire, occasion), of[of["occasion"] == occasion]
            )
    other = answers[answers["questionnaire_id"] != "a"].reset_index(drop=True)
    copy = replace(dataset, answers=other)
    pd.testing.assert_frame_equal(
        copy.answers_to("b", "exit"),
        other[(other["questionnaire_id"] == "b") & (other["occasion"] == "exit")],
    )
