"""A förbund's own questionnaire reaches the workbook with no code change: defined in a file
(15 scale items 1–6, one yes/no, one single choice, and its `report:` sections), answers
imported from CSV for START and EXIT, exported. Every figure checked here is worked out from the
generated answers with numpy and scipy, never with the report code."""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from scipy import stats

from survey_app.extensions import db
from survey_app.imports.answers import ImportRejected, import_csv
from survey_app.models import Forbund, Insats
from survey_app.questionnaires import parse_definition
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter, exit_reason_labels, goal_measures, load
from survey_app.survey.fields import field_name, page_form_class

ID = "mala-for-halsan"
ITEMS = [f"q{n:02d}" for n in range(1, 16)]
CHOICES = ["egen", "hyrd", "annat"]
SCALE_ITEM = "\n".join(
    f"""      - id: {item}
        type: scale
        min: 1
        max: 6
        direction: higher
        text: {{sv: "Påstående {n}"}}"""
    for n, item in enumerate(ITEMS, start=1)
)
COMPARED = "\n".join(f"      - {{item: {item}, goal: true}}" for item in ITEMS)
DEFINITION = f"""
id: {ID}
name: Måla för hälsan
version: "1"
title: {{sv: "Måla för hälsan"}}
pages:
  - items:
{SCALE_ITEM}
  - items:
      - id: smoker
        type: yes_no
        text: {{sv: "Röker du?"}}
      - id: living
        type: single_choice
        text: {{sv: "Hur bor du?"}}
        choices:
          - {{value: egen, label: {{sv: "Eget boende"}}}}
          - {{value: hyrd, label: {{sv: "Hyrt i andra hand"}}}}
          - {{value: annat, label: {{sv: "Annat"}}}}
scoring:
  scorer: mean
  items: [{", ".join(ITEMS)}]
report:
  - sheet: Måla för hälsan
    order: 10
    note: Skala 1–6, högre är bättre.
    compare:
{COMPARED}
      - {{score: mean, label: Medel av alla påståenden, goal: true}}
    chart: mean
  - sheet: Måla – svar vid avslut
    order: 11
    distributions:
      - {{item: q01, occasion: exit}}
      - {{item: smoker, occasion: exit}}
      - {{item: living, occasion: exit, shares: true}}
"""
FORBUND, INSATS = "Eget förbund", "Målagruppen"
# Nothing hidden (k = 1), so that every figure is checked; the protection of a declared
# section is the shipped sections' (tests/test_protection_attack.py).
K = 1
WOMEN, MEN = 9, 8
START_DAY, EXIT_DAY = date(2026, 1, 15), date(2026, 6, 15)


def _answers() -> dict[str, Any]:
    """Seeded answers of WOMEN + MEN participants at START and EXIT."""
    rng = np.random.default_rng(13)
    n = WOMEN + MEN
    start = rng.integers(1, 7, size=(n, len(ITEMS)))
    exit_ = np.clip(
        start + rng.choice([-1, 0, 1, 2], size=start.shape, p=[0.2, 0.3, 0.3, 0.2]), 1, 6
    )
    return {
        "gender": ["kvinna"] * WOMEN + ["man"] * MEN,
        "start": start,
        "exit": exit_,
        "smoker": [rng.choice(["ja", "nej"], p=[0.4, 0.6]) for _ in range(n)],
        "living": [rng.choice(CHOICES, p=[0.5, 0.3, 0.2]) for _ in range(n)],
    }


def _csv(answers: dict[str, Any]) -> str:
    lines = ["forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value"]
    for p, gender in enumerate(answers["gender"]):
        head = f"{FORBUND},{INSATS},MH-{p:02d},{gender},1985"
        for occasion, day in (("start", START_DAY), ("exit", EXIT_DAY)):
            values = dict(zip(ITEMS, answers[occasion][p], strict=True))
            if occasion == "exit":
                values |= {"smoker": answers["smoker"][p], "living": answers["living"][p]}
            lines += [f"{head},{occasion},{day},{ID},{i},{v}" for i, v in values.items()]
    return "\n".join(lines) + "\n"


PAIRS = "Antal par (start och avslut)"


def _expected(start: np.ndarray, exit_: np.ndarray) -> dict[str, float]:
    change = exit_ - start
    n = len(change)
    low, high = stats.t.interval(0.95, n - 1, loc=change.mean(), scale=stats.sem(change))
    return {
        PAIRS: n,
        "Medel vid start": start.mean(),
        "Medel vid avslut": exit_.mean(),
        "Förändring": change.mean(),
        "95 % KI, lägre": low,
        "95 % KI, övre": high,
        "Andel förbättrade": (change > 0).mean(),
        "Andel oförändrade": (change == 0).mean(),
        "Andel försämrade": (change < 0).mean(),
    }


@pytest.fixture
def own(app: Flask) -> dict[str, Any]:
    """The questionnaire in the app's registry and its answers imported through the CSV import."""
    definition = parse_definition(DEFINITION, "mala.yaml")
    registry = app.extensions["questionnaires"]
    registry.by_id[definition.id] = definition
    registry.by_hash[definition.content_hash] = definition
    answers = _answers()
    with app.app_context():
        import_csv(io.StringIO(_csv(answers)), registry, create_missing=True)
        forbund = db.session.scalar(sa.select(Forbund).where(Forbund.name == FORBUND))
        assert forbund is not None
        forbund.min_group_size = K
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == INSATS))
        assert insats is not None
        insats.goals = [
            {"kind": "improved", "measure": f"{ID}:mean", "target": 0.5},
            {"kind": "improved", "measure": f"{ID}:q03", "target": 0.9},
        ]
        db.session.commit()
    return answers


def _rows(sheet: Any, header_row: int) -> list[dict[str, Any]]:
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0][: rows[0].index(None)] if None in rows[0] else rows[0]
    return [
        dict(zip(header, row[: len(header)], strict=True)) for row in rows[1:] if row[0] is not None
    ]


def _export(app: Flask, tmp_path: Path) -> openpyxl.Workbook:
    out = tmp_path / "rapport.xlsx"
    result = app.test_cli_runner().invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def _close(shown: Any, expected: float) -> bool:
    return isinstance(shown, int | float) and math.isclose(shown, expected, abs_tol=1e-9)


def test_its_comparison_sheet_has_the_paired_figures(
    app: Flask, own: dict[str, Any], tmp_path: Path
) -> None:
    book = _export(app, tmp_path)
    names = book.sheetnames
    assert names.index("Måla för hälsan") < names.index("Måla – svar vid avslut")
    assert names[-1] == "Om rapporten"
    sheet = book["Måla för hälsan"]
    assert sheet["A2"].value.startswith("Urval: aktiva under perioden")
    assert sheet["A3"].value == "Skala 1–6, högre är bättre."
    rows = _rows(sheet, 4)
    women = np.arange(WOMEN)
    men = np.arange(WOMEN, WOMEN + MEN)
    everyone = np.arange(WOMEN + MEN)
    start, exit_ = own["start"].astype(float), own["exit"].astype(float)
    measures = {f"Påstående {n}": (start[:, n - 1], exit_[:, n - 1]) for n in range(1, 16)}
    measures["Medel av alla påståenden"] = (start.mean(axis=1), exit_.mean(axis=1))
    shown_rows = 0
    for label, (s, e) in measures.items():
        for insats, gender, who in (
            (INSATS, "Totalt", everyone),
            ("Totalt", "Totalt", everyone),
            ("Totalt", "Kvinna", women),
            ("Totalt", "Man", men),
        ):
            row = next(
                r for r in rows if (r["Mått"], r["Insats"], r["Kön"]) == (label, insats, gender)
            )
            expected = _expected(s[who], e[who])
            assert row["Start utan avslut"] == 0
            shown_rows += 1
            for column, value in expected.items():
                assert _close(row[column], value), (label, insats, gender, column, row[column])
    assert shown_rows == len(measures) * 4
    # The chart's block beside the table: the mean of all items at START and EXIT per insats.
    chart = [r for r in sheet.iter_rows(min_row=5, values_only=True) if INSATS in r[10:]]
    assert chart, "the chart's data block is missing"
    beside = chart[0][chart[0].index(INSATS, 10) :]
    assert _close(beside[1], start.mean(axis=1).mean())
    assert _close(beside[2], exit_.mean(axis=1).mean())
    about = {r[0]: r[1] for r in book["Om rapporten"].iter_rows(values_only=True) if r[0]}
    assert f"{ID} version 1" in about["Frågeformulär"]


def test_its_distributions_are_counted_by_answer(app: Flask, own: dict[str, Any]) -> None:
    with app.app_context():
        forbund_id = db.session.scalar(sa.select(Forbund.id).where(Forbund.name == FORBUND))
        report = workbook.build(load(ReportFilter(forbund_id), app.extensions["questionnaires"]))
    blocks = {title: show() for title, show in report.blocks["Måla – svar vid avslut"]}
    genders = np.array(own["gender"])
    # Påstående 1 at EXIT: the count per answer 1–6 over everyone, and the mean.
    q01 = own["exit"][:, 0]
    counts = blocks["Påstående 1 (1–6)"]
    for value in range(1, 7):
        expected = int((q01 == value).sum())
        shown = counts.loc[(INSATS, value), "Totalt"]
        assert shown == expected
    means = blocks["Påstående 1 (1–6), medel"]
    # Means on an item sheet are rounded to two decimals.
    assert _close(means.loc[INSATS, "Totalt"], round(q01.mean(), 2))
    for gender, code in (("Kvinna", "kvinna"), ("Man", "man")):
        shown = means.loc["Totalt", gender]
        assert _close(shown, round(q01[genders == code].mean(), 2))
    # Share "ja" of those answering ja or nej.
    smoker = np.array(own["smoker"])
    answered = blocks["Röker du? – antal som svarat ja eller nej"]
    assert answered.loc[INSATS, "Totalt"] == len(smoker)
    share = blocks["Röker du? – andel ja"]
    assert _close(share.loc[INSATS, "Totalt"], (smoker == "ja").mean())
    # Counts per category, and each category's share.
    living = np.array(own["living"])
    categories = blocks["Hur bor du?"]
    shares = blocks["Hur bor du?, andel per insats och kön"]
    labels = {"egen": "Eget boende", "hyrd": "Hyrt i andra hand", "annat": "Annat"}
    for code, label in labels.items():
        expected = int((living == code).sum())
        shown = categories.loc[(INSATS, label), "Totalt"]
        assert shown == expected
        assert _close(shares.loc[(INSATS, label), "Totalt"], expected / len(living))


def test_a_goal_on_its_measures_works(app: Flask, own: dict[str, Any], tmp_path: Path) -> None:
    registry = app.extensions["questionnaires"]
    offered = goal_measures(registry)
    assert offered[f"{ID}:mean"] == "Medel av alla påståenden"
    assert offered[f"{ID}:q03"] == "Måla för hälsan: Påstående 3"
    assert "sjalvskattning:mean" in offered  # the shipped ones are still there
    assert exit_reason_labels(registry)["arbete"]  # and the shipped exit reasons
    book = _export(app, tmp_path)
    rows = list(book["Översikt"].iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "Mål")
    goals = [r[:5] for r in rows[top + 2 : top + 4]]
    n = WOMEN + MEN
    improved = (own["exit"].mean(axis=1) > own["start"].mean(axis=1)).mean()
    assert goals[0][:2] == (INSATS, "50 % förbättrade: Medel av alla påståenden")
    assert _close(goals[0][2], improved)
    assert goals[0][3:] == (n, "Ja" if improved >= 0.5 else "Nej")
    q03 = (own["exit"][:, 2] > own["start"][:, 2]).mean()
    assert goals[1][:2] == (INSATS, "90 % förbättrade: Påstående 3")
    assert _close(goals[1][2], q03)
    assert goals[1][3:] == (n, "Ja" if q03 >= 0.9 else "Nej")


def test_its_pages_print_version_and_import_need_no_code(app: Flask) -> None:
    """The participant's form, the paper version and the import take the new file as it is."""
    definition = parse_definition(DEFINITION, "mala.yaml")
    with app.test_request_context("/"):
        form = page_form_class(definition.pages[0], {}, "sv")(meta={"csrf": False})
        scale = form[field_name(definition.pages[0].items[0])]
        assert [c.label.text for c in scale] == ["1", "2", "3", "4", "5", "6"]
        second = page_form_class(definition.pages[1], {}, "sv")(meta={"csrf": False})
        assert [c.label.text for c in second["item_smoker"]] == ["Ja", "Nej"]
        assert [c.label.text for c in second["item_living"]] == [
            "Eget boende",
            "Hyrt i andra hand",
            "Annat",
        ]
        paper = render_template("survey/print.html", questionnaire=definition, lang="sv")
    assert paper.count("☐ 6") == len(ITEMS)
    assert "☐ Ja &nbsp; ☐ Nej" in paper
    assert "<li>☐ Hyrt i andra hand</li>" in paper
    bad = _csv(_answers()).replace(f"{ID},q01,", f"{ID},q01,9", 1)
    with app.app_context():
        registry = app.extensions["questionnaires"]
        registry.by_id[definition.id] = definition
        with pytest.raises(ImportRejected) as rejected:
            import_csv(io.StringIO(bad), registry, create_missing=True)
    assert [e.column for e in rejected.value.errors] == ["value"]
    assert "utanför 1–6" in rejected.value.errors[0].reason
