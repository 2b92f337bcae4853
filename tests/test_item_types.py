"""Item types as registered classes (survey_app/questionnaires/types.py)."""

from __future__ import annotations

from survey_app.questionnaires import Item, ItemType, parse_definition
from survey_app.questionnaires.types import KINDS

DEFINITION = """
id: typer
version: "1"
title: {sv: Typer}
pages:
  - items:
      - {id: s, type: scale, min: 1, max: 6, direction: higher, text: {sv: S}}
      - {id: y, type: yes_no, allow_decline: true, text: {sv: Y}}
      - id: c
        type: single_choice
        text: {sv: C}
        choices: [{value: 1, label: {sv: Ett}}, {value: 2, label: {sv: Två}}]
      - {id: v, type: vas, text: {sv: V}}
      - {id: n, type: number, min: 0, max: 9.5, integer: false, text: {sv: N}}
      - {id: d, type: date, text: {sv: D}}
      - {id: t, type: text, max_length: 3, text: {sv: T}}
"""


def test_every_type_has_one_registered_class() -> None:
    assert set(KINDS) == {t.value for t in ItemType}
    assert all(kind.name == name for name, kind in KINDS.items())


def test_each_type_parses_and_bounds_its_own_answers() -> None:
    q = parse_definition(DEFINITION, "typer.yaml")
    item = {i.id: i for i in q.items}
    cases = [
        ("s", "6", 6, None),
        ("s", "7", None, "7 ligger utanför 1–6"),
        ("s", "2,5", None, "'2,5' ska vara ett heltal"),
        ("y", "vill_inte_svara", "vill_inte_svara", None),
        ("y", "kanske", None, "ska vara ja, nej, vill_inte_svara"),
        ("c", "2", 2, None),
        ("v", "100", 100, None),
        ("n", "9,5", 9.5, None),
        ("d", "2026-03-01", "2026-03-01", None),
        ("d", "1/3", None, "ska vara ett datum som 2026-03-01"),
        ("t", "abcd", None, "högst 3 tecken"),
    ]
    for item_id, text, value, problem in cases:
        assert item[item_id].kind.parse(item[item_id], text) == (value, problem), item_id
    assert item["s"].value_range() == (1.0, 6.0)
    assert item["v"].value_range() == (0.0, 100.0)
    assert item["n"].value_range() == (0.0, 9.5)
    assert item["c"].value_range() == (1.0, 2.0)
    assert [KINDS[i].summary for i in ("scale", "yes_no", "single_choice", "text")] == [
        "scale",
        "yes_no",
        "categories",
        None,
    ]


def test_versions_of_an_item_are_compatible_by_its_type() -> None:
    def scale(low: int, high: int, version: str) -> Item:
        text = DEFINITION.replace('version: "1"', f'version: "{version}"').replace(
            "min: 1, max: 6", f"min: {low}, max: {high}"
        )
        item = parse_definition(text, "v.yaml").item("s")
        assert item is not None
        return item

    a, b, c = scale(1, 6, "1"), scale(1, 6, "2"), scale(1, 10, "3")
    assert a.kind.incompatibility(a, b) is None
    assert a.kind.incompatibility(a, c) == "olika skalor (1–6, 1–10)"
