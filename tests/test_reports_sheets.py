"""The item-by-item sheets on plain data (no database), numbers worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey_app.models import Forbund
from survey_app.questionnaires import Registry
from survey_app.reports import sheets
from survey_app.reports.compare import TOTAL
from survey_app.reports.dataset import Dataset, ReportFilter
from survey_app.reports.tables import protected_cube

REGISTRY = Registry(Path(__file__).resolve().parent.parent / "questionnaires")
GENDERS = ["Kvinna", "Man", "Annat (hen)", "Vill inte uppge", TOTAL]


def _dataset(participations: list[tuple], answers: list[tuple]) -> Dataset:
    return Dataset(
        forbund=Forbund(name="F", min_group_size=5),
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


def _block(blocks: list[tuple[str, pd.DataFrame]], title: str) -> pd.DataFrame:
    return next(table for name, table in blocks if name == title)


def test_violence_counts_with_protection(violence: Dataset) -> None:
    blocks = sheets.violence(violence, 5)
    screened = _block(blocks, "Genomförda våldsenkäter")
    # 12, 6, 1, 0 = 19. The 1 is hidden; 19 − 12 − 0 would give 6 + 1, so the 6 goes too;
    # the men's total 6 would then reveal A's men, so it is hidden as well.
    assert list(screened.loc["A"]) == [12, "x", "<5", 0, 19]
    assert list(screened.loc[TOTAL]) == [12, "x", "<5", 0, 19]
    yes = _block(blocks, "Varav minst ett ja")
    # 7 women and 1 "annat" with at least one "ja": 8 of 19.
    assert list(yes.loc["A"]) == ["x", 0, "<5", 0, 8]
    share = _block(blocks, "Andel med minst ett ja")
    assert share.loc["A", TOTAL] == pytest.approx(8 / 19)
    assert share.loc["A", "Kvinna"] is None  # its count is hidden
    assert share.loc["A", "Man"] is None  # 0 of a hidden 6
    declined = _block(blocks, "Varav minst ett ”vill inte svara”")
    assert declined.loc["A", TOTAL] == "<5"


def test_violence_reach(violence: Dataset) -> None:
    reach = _block(sheets.violence(violence, 5), "Räckvidd")
    # All 19 screened once; all have taken part longer than six months; none twice.
    assert list(reach.loc["A"]) == [19, 19, 19, 0, 1.0, 0.0]


def test_yes_per_item(violence: Dataset) -> None:
    per_item = _block(sheets.violence(violence, 5), "Antal ja per fråga")
    physical = (
        "Har någon som står dig nära slagit, sparkat, knuffat eller på annat sätt gjort dig illa?"
    )
    threats = "Har någon som står dig nära hotat dig, dina barn eller någon annan du bryr dig om?"
    assert per_item.loc[threats, "Annat (hen)"] == "<5"
    # The 7 "ja" on physical violence: the column of totals (7, 1, …, 8) would give away the
    # hidden 1 on threats, so physical's total is hidden, and then its 7 (the row's only part).
    assert per_item.loc[physical, TOTAL] == "x"
    assert per_item.loc[physical, "Kvinna"] == "x"
    assert per_item.loc[TOTAL, TOTAL] == 8


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
    blocks = sheets.exit_reasons(_dataset(participations, answers), 5)
    counts = _block(blocks, "Avslutsorsak")
    assert counts.loc[("A", "Arbete"), "Kvinna"] == 6
    assert counts.loc[("A", "Studier"), "Kvinna"] == "<5"
    assert counts.loc[("A", "Ohälsa"), TOTAL] == "<5"
    assert counts.loc[("A", TOTAL), "Kvinna"] == 10
    # B's one "annat" (1) is hidden; in B's arbete row it is then the only hidden cell beside
    # a total of 13, so the smallest other count (the 5 men) is hidden too, and with it every
    # cell that would give the men's 5 back: B's men in total, and men over all insatser.
    assert counts.loc[("B", "Arbete"), "Annat (hen)"] == "<5"
    assert counts.loc[("B", "Arbete"), "Man"] == "x"
    assert counts.loc[("B", TOTAL), "Man"] == "x"
    assert counts.loc[(TOTAL, "Arbete"), "Man"] == "x"
    assert counts.loc[(TOTAL, TOTAL), "Man"] == "x"
    assert counts.loc[("B", "Arbete"), "Kvinna"] == 7
    assert counts.loc[("B", "Arbete"), TOTAL] == 13
    assert counts.loc[(TOTAL, "Arbete"), "Kvinna"] == 13
    assert counts.loc[(TOTAL, TOTAL), TOTAL] == 23
    percent = _block(blocks, "Avslutsorsak, andel per insats och kön")
    assert percent.loc[("A", "Arbete"), "Kvinna"] == pytest.approx(0.6)  # 6 of 10
    assert percent.loc[("A", "Studier"), "Kvinna"] is None
    assert percent.loc[("B", "Arbete"), "Kvinna"] == pytest.approx(1.0)  # 7 of 7
    assert percent.loc[("B", "Arbete"), "Man"] is None
    assert percent.loc[(TOTAL, "Arbete"), TOTAL] == pytest.approx(19 / 23)
    assert percent.loc[(TOTAL, "Arbete"), "Kvinna"] == pytest.approx(13 / 17)


def test_no_line_of_a_cube_has_a_single_hidden_cell() -> None:
    """Every line along every axis of a random cube: never exactly one hidden cell."""
    rng = np.random.default_rng(7)
    for _ in range(30):
        values = np.zeros((4, 5, 5), dtype=int)
        values[:-1, :-1, :-1] = rng.choice([0, 0, 1, 2, 3, 5, 8, 12], size=(3, 4, 4))
        values[:, :, -1] = values[:, :, :-1].sum(axis=2)
        values[:, -1, :] = values[:, :-1, :].sum(axis=1)
        values[-1, :, :] = values[:-1, :, :].sum(axis=0)
        shown = protected_cube(values, 5)
        hidden = np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(shown)
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
    blocks = sheets.satisfaction(dataset, 5)
    titles = [title for title, _ in blocks]
    assert not any("berätta" in title for title in titles)
    high = _block(blocks, "Helhetsintryck: andel som gav 4 eller 5")
    assert high.loc["A", "Kvinna"] == 1.0  # 6 of 6


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
    blocks = dict(sheets.satisfaction(_dataset(participations, answers), 5))
    title = "Vad tycker du om insatsen som helhet? (1–5)"
    counts = blocks[title]
    assert counts.loc[("A", 5), "Kvinna"] == 6
    assert counts.loc[("A", 4), "Man"] == 5
    assert counts.loc[("A", TOTAL), TOTAL] == 11
    means = blocks[f"{title}, medel"]
    assert means.loc["A", "Kvinna"] == 5.0
    assert means.loc["A", "Man"] == 4.0
    assert means.loc["A", TOTAL] == pytest.approx(4.55)  # (6·5 + 5·4) / 11 = 4.545…
    assert means.loc[TOTAL, "Annat (hen)"] is None  # nobody
