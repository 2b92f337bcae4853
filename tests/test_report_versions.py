"""A new version of a questionnaire never loses answers in the report: items alike in both
versions are reported together, the rest apart with the reason in *Om rapporten*, which lists
both versions. Expected figures are worked out here from the answers given."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from flask import Flask

from survey_app.extensions import db
from survey_app.models import Occasion, OccasionKind, ParticipationStatus
from survey_app.questionnaires import Questionnaire, parse_definition
from tests import factories

REPORT = """
report:
  - sheet: Versionsprov
    order: 10
    compare:
      - {item: a}
      - {item: b}
      - {score: mean, label: Medel av a och b}
  - sheet: Versionsprov svar
    order: 11
    distributions:
      - {item: c, occasion: exit}
      - {item: d, occasion: exit}
"""


def _definition(version: int, b_max: int, c_values: list[str]) -> Questionnaire:
    choices = "\n".join(f"          - {{value: {v}, label: {{sv: 'Val {v}'}}}}" for v in c_values)
    text = f"""
id: vers
version: "{version}"
title: {{sv: Versionsprov}}
pages:
  - items:
      - {{id: a, type: scale, min: 1, max: 5, direction: higher, text: {{sv: A-fråga}}}}
      - {{id: b, type: scale, min: 1, max: {b_max}, direction: higher, text: {{sv: B-fråga}}}}
      - id: c
        type: single_choice
        text: {{sv: C-fråga}}
        choices:
{choices}
      - {{id: d, type: yes_no, text: {{sv: D-fråga}}}}
scoring: {{scorer: mean, items: [a, b]}}
{REPORT if version == 2 else ""}"""
    return parse_definition(text, f"vers-{version}.yaml")


# v1: b on a 1–5 scale, c with two choices. v2: b on a 1–10 scale (not comparable with v1's),
# c with a third choice (v1's answers still mean the same), a and d unchanged.
V1 = _definition(1, 5, ["x", "y"])
V2 = _definition(2, 10, ["x", "y", "z"])
# Who answered which version: group A v1 throughout, B v2 throughout, C v1 at START and v2 at
# EXIT (the version changed while they took part).
GROUPS = {"A": (V1, V1, 8), "B": (V2, V2, 7), "C": (V1, V2, 4)}


def _answers(rng: np.random.Generator, definition: Questionnaire, at_exit: bool) -> dict[str, Any]:
    b_max = definition.item("b").max  # type: ignore[union-attr]
    values: dict[str, Any] = {
        "a": int(rng.integers(1, 6)),
        "b": int(rng.integers(1, int(b_max) + 1)),
    }
    if at_exit:
        choices = definition.item("c").choice_values()  # type: ignore[union-attr]
        values["c"] = str(rng.choice(choices))
        values["d"] = str(rng.choice(["ja", "nej"]))
    return values


@pytest.fixture
def given(app: Flask) -> list[dict[str, Any]]:
    """Every participant's group and answers; v2 is the file the service has now."""
    registry = app.extensions["questionnaires"]
    registry.by_id[V2.id] = V2
    registry.by_hash[V2.content_hash] = V2
    registry.remember(V1)
    rng = np.random.default_rng(4)
    people: list[dict[str, Any]] = []
    with app.app_context():
        owner = factories.forbund("Versionsförbundet")
        owner.min_group_size = 1  # nothing hidden: every figure is checked
        insats = factories.insats(owner, "Provgruppen")
        for group, (at_start, at_exit, size) in GROUPS.items():
            for _ in range(size):
                participation = factories.participation(insats, start=date(2026, 1, 10))
                start = _answers(rng, at_start, False)
                end = _answers(rng, at_exit, True)
                factories.response(participation.occasions[0], at_start, start)
                participation.exit_date = date(2026, 6, 1)
                participation.status = ParticipationStatus.EXITED
                exit_occasion = Occasion(
                    participation=participation, kind=OccasionKind.EXIT, due_date=date(2026, 6, 1)
                )
                db.session.add(exit_occasion)
                factories.response(exit_occasion, at_exit, end)
                people.append({"group": group, "start": start, "exit": end})
        db.session.commit()
    return people


def _export(app: Flask, tmp_path: Path) -> openpyxl.Workbook:
    out = tmp_path / "rapport.xlsx"
    result = app.test_cli_runner().invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def _total_rows(book: openpyxl.Workbook) -> dict[str, dict[str, Any]]:
    rows = list(book["Versionsprov"].iter_rows(min_row=4, values_only=True))
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] is not None]
    return {r["Mått"]: r for r in records if (r["Insats"], r["Kön"]) == ("Totalt", "Totalt")}


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def test_compatible_items_together_the_rest_apart(
    app: Flask, given: list[dict[str, Any]], tmp_path: Path
) -> None:
    book = _export(app, tmp_path)
    rows = _total_rows(book)
    # a is alike in both versions: every participant is a pair, whatever version they had.
    a = rows["A-fråga"]
    assert (a["Antal par (start och avslut)"], a["Start utan avslut"]) == (len(given), 0)
    assert a["Medel vid start"] == pytest.approx(_mean([p["start"]["a"] for p in given]))
    assert a["Medel vid avslut"] == pytest.approx(_mean([p["exit"]["a"] for p in given]))
    # b (1–5 in v1, 1–10 in v2) is two measures: v2's pairs are group B; v1's group A, and
    # group C started on v1 but ended on v2, so has a START without an EXIT on v1's b.
    b2, b1 = rows["B-fråga"], rows["B-fråga (version 1)"]
    in_b = [p for p in given if p["group"] == "B"]
    in_a = [p for p in given if p["group"] == "A"]
    assert (b2["Antal par (start och avslut)"], b2["Start utan avslut"]) == (len(in_b), 0)
    assert b2["Medel vid avslut"] == pytest.approx(_mean([p["exit"]["b"] for p in in_b]))
    assert (b1["Antal par (start och avslut)"], b1["Start utan avslut"]) == (len(in_a), 4)
    assert b1["Medel vid start"] == pytest.approx(_mean([p["start"]["b"] for p in in_a]))
    # The mean of a and b scores differently in the two versions: also apart.
    assert rows["Medel av a och b"]["Antal par (start och avslut)"] == len(in_b)
    assert rows["Medel av a och b (version 1)"]["Antal par (start och avslut)"] == len(in_a)

    # Om rapporten: both versions, and why b and the mean are reported apart, with counts
    # (answers with a value, START and EXIT together).
    about = [r for r in book["Om rapporten"].iter_rows(values_only=True) if r[0]]
    listed = next(r[1] for r in about if r[0] == "Frågeformulär")
    assert "vers version 1" in listed
    assert "vers version 2" in listed
    notes = [r[1] for r in about if r[0] == "Versioner"]
    v2_b = sum(p["group"] == "B" for p in given) * 2 + sum(p["group"] == "C" for p in given)
    v1_b = sum(p["group"] == "A" for p in given) * 2 + sum(p["group"] == "C" for p in given)
    assert (
        f"vers, b: version 2 ({v2_b} svar) och version 1 ({v1_b} svar) redovisas var för sig – "
        "olika skalor (1–10, 1–5)." in notes
    )
    assert any(note.startswith("vers, mean: version 2") for note in notes)
    assert not any(", a:" in note or ", c:" in note or ", d:" in note for note in notes)


def test_no_answer_of_either_version_is_dropped(
    app: Flask, given: list[dict[str, Any]], tmp_path: Path
) -> None:
    book = _export(app, tmp_path)
    grid = list(book["Versionsprov svar"].iter_rows(values_only=True))
    # c: every EXIT answer is counted, v2's new choice z beside v1's and v2's x and y.
    expected = {f"Val {v}": sum(p["exit"]["c"] == v for p in given) for v in ("x", "y", "z")}
    top = next(i for i, r in enumerate(grid) if r[0] == "C-fråga")
    header = grid[top + 1]
    total = header.index("Totalt")
    counts = {r[1]: r[total] for r in grid[top + 2 : top + 7] if r[1] is not None}
    # Everyone ended and answered c: no "Svar saknas".
    assert counts == {**expected, "Svar saknas": 0, "Totalt": len(given)}
    # d: the share ja of everyone's answer.
    share_top = next(i for i, r in enumerate(grid) if r[0] == "D-fråga – andel ja")
    share_row = next(r for r in grid[share_top + 2 :] if r[0] == "Totalt")
    assert share_row[grid[share_top + 1].index("Totalt")] == pytest.approx(
        _mean([p["exit"]["d"] == "ja" for p in given])
    )
