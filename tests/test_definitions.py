"""The definition validator: each kind of problem it reports (path, line and Swedish reason),
the objects a valid file becomes, the content hash, Text's fallback, and the registry of a
folder with good, broken and clashing files.

Line numbers are worked out from the YAML written here: `line_of` finds the one line of the text
that holds a given snippet. The YAML keeps each checked key and its value on one line, so "the
line of the key" and "the line of the value" are the same line.
"""

from __future__ import annotations

import hashlib
import logging
import textwrap
from pathlib import Path

import pytest

from survey_app.questionnaires import (
    Choice,
    Condition,
    DefinitionError,
    ItemType,
    Problem,
    Questionnaire,
    Registry,
    parse_definition,
)
from survey_app.questionnaires.definition import Safety, Text

SOURCE = "test.yaml"
QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"


def yaml_text(text: str) -> str:
    return textwrap.dedent(text)


def extra_page(text: str) -> str:
    """A page to append to a definition's `pages` list: written from column 0, indented 2."""
    return textwrap.indent(textwrap.dedent(text), "  ")


def line_of(text: str, snippet: str) -> int:
    """The 1-based number of the text's only line that contains the snippet."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(lines) == 1, f"{snippet!r} is on lines {lines}"
    return lines[0]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, SOURCE)
    problems = info.value.problems
    assert problems, "DefinitionError without problems"
    assert all(p.source == SOURCE for p in problems)
    return problems


def assert_only_problem(text: str, path: str, line: int | None, reason: str) -> Problem:
    """The file has exactly one problem: at `path`, on `line`, with `reason` in its text."""
    problems = problems_of(text)
    assert [(p.path, p.line) for p in problems] == [(path, line)], problems
    assert reason in problems[0].reason, problems[0].reason
    return problems[0]


# --- structure (YAML and the JSON schema) ---------------------------------------------------


def test_invalid_yaml_is_reported_with_its_line() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: sv: Testformulär
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    # "title: sv: ..." puts a mapping value where none is allowed: the third line.
    problem = assert_only_problem(text, "", 3, "ogiltig YAML")
    assert "rad 3" in str(problem)
    assert str(problem).startswith(SOURCE)


def test_missing_top_level_key() -> None:
    text = yaml_text(
        """\
        id: test
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    # The key is missing, so the line is where the mapping it belongs to begins: line 1.
    assert_only_problem(text, "", 1, "nyckeln 'version' saknas")


def test_missing_key_in_an_item() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
              - id: second
                type: yes_no
        """
    )
    assert_only_problem(
        text, "pages[0].items[1]", line_of(text, "- id: second"), "nyckeln 'text' saknas"
    )


def test_unknown_top_level_key() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        author: Someone
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    # The problem's path is the mapping holding the key (the whole file), which begins on line 1.
    assert_only_problem(text, "", 1, "okänd nyckel 'author'")


def test_unknown_key_in_an_item() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
              - id: second
                type: yes_no
                colour: red
                text: {sv: Andra}
        """
    )
    assert_only_problem(
        text, "pages[0].items[1]", line_of(text, "- id: second"), "okänd nyckel 'colour'"
    )


def test_unknown_item_type() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
              - id: second
                type: slider
                text: {sv: Andra}
        """
    )
    problem = assert_only_problem(
        text, "pages[0].items[1].type", line_of(text, "type: slider"), "'slider' är inte tillåtet"
    )
    assert "single_choice" in problem.reason  # the allowed types are listed


@pytest.mark.parametrize(
    ("bad_line", "path", "value"),
    [
        ("id: 1st", "pages[0].items[0].id", "1st"),
        ("id: two words", "pages[0].items[0].id", "two words"),
        ("id: a.b", "pages[0].items[0].id", "a.b"),
    ],
)
def test_invalid_item_id(bad_line: str, path: str, value: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - {bad_line}
                type: yes_no
                text: {{sv: Första}}
        """
    )
    assert_only_problem(text, path, line_of(text, bad_line), f"{value!r} är inte ett giltigt id")


def test_invalid_questionnaire_id() -> None:
    text = yaml_text(
        """\
        version: "1"
        id: -test
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    assert_only_problem(text, "id", 2, "'-test' är inte ett giltigt id")


def test_missing_swedish_title() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {en: Test form}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    assert_only_problem(text, "title", 3, "nyckeln 'sv' saknas")


def test_missing_swedish_item_text() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - id: first
                type: yes_no
                text: {en: First question}
        """
    )
    assert_only_problem(
        text, "pages[0].items[0].text", line_of(text, "text: {en:"), "nyckeln 'sv' saknas"
    )


# Phrases of jsonschema's own (English) messages, which must not reach a file's author.
ENGLISH = ("should be", "is too long", "is too short", "is less than", "is greater than")


def test_empty_swedish_title_is_reported_once_in_swedish() -> None:
    # An empty Swedish text is as missing as an absent one. The module promises a Swedish reason
    # for every problem, and one mistake should be one problem.
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: "", en: Test form}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
        """
    )
    problems = problems_of(text)
    assert all(p.path == "title.sv" and p.line == 3 for p in problems), problems
    for problem in problems:
        assert not any(phrase in problem.reason for phrase in ENGLISH), problem.reason
    assert len(problems) == 1, problems


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ("{id: notes, type: text, max_length: 0, text: {sv: Övrigt}}", "max_length"),
        (
            "{id: energy, type: scale, min: 1, max: 5, labels: {sv: [A, B, C]}, text: {sv: Ork}}",
            "labels.sv",
        ),
    ],
    ids=["max_length-0", "labels-three-texts"],
)
def test_schema_reasons_are_swedish(item: str, path: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - {item}
        """
    )
    problems = problems_of(text)
    assert [(p.path, p.line) for p in problems] == [(f"pages[0].items[0].{path}", 6)]
    assert not any(phrase in problems[0].reason for phrase in ENGLISH), problems[0].reason


def test_choice_list_with_one_choice() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - id: fruit
                type: single_choice
                text: {sv: Frukt}
                choices: [{value: apple, label: {sv: Äpple}}]
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].choices",
        line_of(text, "choices:"),
        "listan behöver minst 2 element",
    )


# --- meaning ---------------------------------------------------------------------------------


def test_duplicate_item_id_on_a_later_page() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
          - items:
              - {id: second, type: yes_no, text: {sv: Andra}}
              - {id: first, type: text, text: {sv: Första igen}}
        """
    )
    assert_only_problem(
        text,
        "pages[1].items[1].id",
        line_of(text, "id: first, type: text"),
        "id 'first' används redan i formuläret",
    )


def test_duplicate_item_id_on_the_same_page() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: first, type: yes_no, text: {sv: Första}}
              - {id: first, type: text, text: {sv: Första igen}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[1].id",
        line_of(text, "id: first, type: text"),
        "id 'first' används redan i formuläret",
    )


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice"])
def test_choice_type_without_choices(kind: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - {{id: first, type: yes_no, text: {{sv: Första}}}}
              - id: fruit
                type: {kind}
                text: {{sv: Frukt}}
        """
    )
    # No `choices` key to point at: the line is where the item begins.
    assert_only_problem(
        text,
        "pages[0].items[1].choices",
        line_of(text, "- id: fruit"),
        f"typen {kind} behöver svarsalternativ",
    )


@pytest.mark.parametrize("kind", ["yes_no", "text", "date"])
def test_choices_on_a_type_without_choices(kind: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: {kind}
                text: {{sv: Första}}
                choices: [{{value: a, label: {{sv: A}}}}, {{value: b, label: {{sv: B}}}}]
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].choices",
        line_of(text, "choices:"),
        f"typen {kind} har inga svarsalternativ",
    )


@pytest.mark.parametrize(
    "choices",
    [
        "[{value: 1, label: {sv: A}}, {value: 2, label: {sv: B}}, {value: 1, label: {sv: C}}]",
        "[{value: a, label: {sv: A}}, {value: a, label: {sv: Också A}}]",
    ],
)
def test_duplicate_choice_values(choices: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: single_choice
                text: {{sv: Första}}
                choices: {choices}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].choices",
        line_of(text, "choices:"),
        "två svarsalternativ har samma värde",
    )


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice"])
def test_mixed_int_and_str_choice_values(kind: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: {kind}
                text: {{sv: Första}}
                choices: [{{value: 1, label: {{sv: Ett}}}}, {{value: "2", label: {{sv: Två}}}}]
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].choices",
        line_of(text, "choices:"),
        "svarsalternativens värden ska alla vara tal eller alla text",
    )


@pytest.mark.parametrize("bounds", ["", "min: 1, ", "min: 1, max: 5.5, ", "min: 0.5, max: 5, "])
def test_scale_without_integer_min_and_max(bounds: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - {{id: first, type: yes_no, text: {{sv: Första}}}}
              - {{id: energy, type: scale, {bounds}text: {{sv: Ork}}}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[1]",
        line_of(text, "id: energy"),
        "en skala behöver heltalen min och max",
    )


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 21), (1, 22), (5, 5), (5, 1)],  # 22 steps, 22 steps, one step, min above max
)
def test_scale_with_too_many_steps_or_min_not_below_max(low: int, high: int) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: energy
                type: scale
                min: {low}
                max: {high}
                text: {{sv: Ork}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].max",
        line_of(text, f"max: {high}"),
        "skalan ska ha 2 till 21 steg (min < max)",
    )


@pytest.mark.parametrize(("low", "high", "steps"), [(0, 20, 21), (1, 2, 2), (-3, 3, 7)])
def test_scale_limits_that_are_allowed(low: int, high: int, steps: int) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - {{id: energy, type: scale, min: {low}, max: {high}, text: {{sv: Ork}}}}
        """
    )
    item = parse_definition(text, SOURCE).items[0]
    assert len(item.choice_values()) == steps
    assert item.choice_values()[0] == low
    assert item.choice_values()[-1] == high


@pytest.mark.parametrize(("low", "high"), [(0, 10), (1, 100), (0, 1000)])
def test_vas_with_another_range(low: int, high: int) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: health
                type: vas
                min: {low}
                max: {high}
                text: {{sv: Hälsa}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].min",
        line_of(text, f"min: {low}"),
        "VAS går alltid från 0 till 100",
    )


def test_vas_with_its_own_range_written_out_is_allowed() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: health, type: vas, min: 0, max: 100, text: {sv: Hälsa}}
        """
    )
    item = parse_definition(text, SOURCE).items[0]
    assert (item.min, item.max) == (0, 100)


@pytest.mark.parametrize(("low", "high"), [("10", "10"), ("10", "5"), ("2.5", "1.5")])
def test_number_with_min_not_below_max(low: str, high: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: count
                type: number
                min: {low}
                max: {high}
                text: {{sv: Antal}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].max",
        line_of(text, f"max: {high}"),
        "max måste vara större än min",
    )


@pytest.mark.parametrize("kind", ["text", "date", "yes_no", "single_choice"])
def test_min_and_max_on_a_type_without_limits(kind: str) -> None:
    choices = "[{value: a, label: {sv: A}}, {value: b, label: {sv: B}}]"
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: {kind}
                text: {{sv: Första}}
                min: 1
                max: 5
        """
    )
    if kind == "single_choice":
        text += f"        choices: {choices}\n"
    assert_only_problem(
        text,
        "pages[0].items[0].min",
        line_of(text, "min: 1"),
        f"typen {kind} har inga gränser (min/max)",
    )


@pytest.mark.parametrize(
    ("key_line", "kind", "reason"),
    [
        ("labels: {sv: [Aldrig, Alltid]}", "yes_no", "(labels) hör bara till typen scale"),
        ("labels: {sv: [Lite, Mycket]}", "number", "(labels) hör bara till typen scale"),
        ("allow_decline: true", "text", "allow_decline hör bara till typen yes_no"),
        ("allow_decline: false", "scale", "allow_decline hör bara till typen yes_no"),
        ("max_length: 100", "yes_no", "max_length hör bara till typen text"),
        ("max_length: 100", "number", "max_length hör bara till typen text"),
    ],
)
def test_option_on_the_wrong_type(key_line: str, kind: str, reason: str) -> None:
    bounds = "min: 1\n                max: 5\n                " if kind == "scale" else ""
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: {kind}
                {bounds}{key_line}
                text: {{sv: Första}}
        """
    )
    key = key_line.split(":")[0]
    assert_only_problem(text, f"pages[0].items[0].{key}", line_of(text, key_line), reason)


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("yes_no", ""),
        ("text", ""),
        ("date", ""),
        ("single_choice", "choices: [{value: a, label: {sv: A}}, {value: b, label: {sv: B}}]"),
        ("multiple_choice", "choices: [{value: 1, label: {sv: A}}, {value: 2, label: {sv: B}}]"),
    ],
)
def test_direction_on_a_non_numeric_item(kind: str, extra: str) -> None:
    text = yaml_text(
        f"""\
        id: test
        version: "1"
        title: {{sv: Test}}
        pages:
          - items:
              - id: first
                type: {kind}
                direction: higher
                text: {{sv: Första}}
                {extra}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].direction",
        line_of(text, "direction: higher"),
        "riktning (direction) kräver ett svar som är ett tal",
    )


def test_direction_on_numeric_items_is_allowed() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: a, type: scale, min: 1, max: 5, direction: higher, text: {sv: A}}
              - {id: b, type: vas, direction: higher, text: {sv: B}}
              - {id: c, type: number, direction: lower, text: {sv: C}}
              - id: d
                type: single_choice
                direction: lower
                text: {sv: D}
                choices: [{value: 1, label: {sv: Ett}}, {value: 2, label: {sv: Två}}]
        """
    )
    questionnaire = parse_definition(text, SOURCE)
    assert [i.direction for i in questionnaire.items] == ["higher", "higher", "lower", "lower"]


CONDITION_PAGES = """\
id: test
version: "1"
title: {sv: Test}
pages:
  - items:
      - {id: smoker, type: yes_no, text: {sv: Röker du}}
      - {id: energy, type: scale, min: 1, max: 5, text: {sv: Ork}}
      - id: fruit
        type: single_choice
        text: {sv: Frukt}
        choices: [{value: apple, label: {sv: Äpple}}, {value: pear, label: {sv: Päron}}]
      - id: colours
        type: multiple_choice
        text: {sv: Färger}
        choices: [{value: red, label: {sv: Röd}}, {value: blue, label: {sv: Blå}}]
      - {id: age, type: number, text: {sv: Ålder}}
"""


def test_show_if_naming_an_unknown_item() -> None:
    text = CONDITION_PAGES + extra_page(
        """\
        - items:
              - id: amount
                type: number
                show_if: {item: ghost, equals: ja}
                text: {sv: Hur mycket}
        """
    )
    assert_only_problem(
        text,
        "pages[1].items[0].show_if.item",
        line_of(text, "show_if:"),
        "villkoret hänvisar till 'ghost', som inte finns på en tidigare sida",
    )


def test_show_if_naming_an_item_on_the_same_page() -> None:
    text = CONDITION_PAGES + extra_page(
        """\
        - items:
              - {id: drinks, type: yes_no, text: {sv: Dricker du}}
              - id: amount
                type: number
                show_if: {item: drinks, equals: ja}
                text: {sv: Hur mycket}
        """
    )
    assert_only_problem(
        text,
        "pages[1].items[1].show_if.item",
        line_of(text, "show_if:"),
        "villkoret hänvisar till 'drinks', som inte finns på en tidigare sida",
    )


def test_show_if_naming_an_item_on_a_later_page() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - id: amount
                type: number
                show_if: {item: drinks, equals: ja}
                text: {sv: Hur mycket}
          - items:
              - {id: drinks, type: yes_no, text: {sv: Dricker du}}
        """
    )
    assert_only_problem(
        text,
        "pages[0].items[0].show_if.item",
        line_of(text, "show_if:"),
        "villkoret hänvisar till 'drinks', som inte finns på en tidigare sida",
    )


@pytest.mark.parametrize(
    ("condition", "target"),
    [
        ("{item: smoker, equals: vill_inte_svara}", "smoker"),  # no allow_decline
        ("{item: smoker, equals: 'yes'}", "smoker"),
        ("{item: energy, one_of: [5, 6]}", "energy"),  # scale 1..5
        ("{item: energy, equals: 0}", "energy"),
        ("{item: fruit, equals: banana}", "fruit"),
        ("{item: colours, one_of: [red, green]}", "colours"),
    ],
)
def test_show_if_with_a_value_the_target_cannot_take(condition: str, target: str) -> None:
    text = CONDITION_PAGES + extra_page(
        f"""\
        - items:
              - id: amount
                type: number
                show_if: {condition}
                text: {{sv: Hur mycket}}
        """
    )
    assert_only_problem(
        text,
        "pages[1].items[0].show_if",
        line_of(text, "show_if:"),
        f"villkoret har ett värde som {target!r} inte kan få",
    )


def test_show_if_with_both_equals_and_one_of() -> None:
    text = CONDITION_PAGES + extra_page(
        """\
        - items:
              - id: amount
                type: number
                show_if: {item: smoker, equals: ja, one_of: [ja]}
                text: {sv: Hur mycket}
        """
    )
    assert_only_problem(
        text,
        "pages[1].items[0].show_if",
        line_of(text, "show_if:"),
        "villkoret ska ha antingen equals eller one_of",
    )


def test_show_if_values_the_targets_can_take_are_allowed() -> None:
    text = CONDITION_PAGES + extra_page(
        """\
        - items:
              - {id: a, type: text, show_if: {item: smoker, equals: ja}, text: {sv: A}}
              - {id: b, type: text, show_if: {item: energy, one_of: [1, 5]}, text: {sv: B}}
              - {id: c, type: text, show_if: {item: fruit, equals: pear}, text: {sv: C}}
              - {id: d, type: text, show_if: {item: colours, one_of: [blue]}, text: {sv: D}}
              - {id: e, type: text, show_if: {item: age, equals: 40}, text: {sv: E}}
        """
    )
    questionnaire = parse_definition(text, SOURCE)
    conditions = [i.show_if for i in questionnaire.pages[1].items]
    assert conditions == [
        Condition("smoker", ("ja",)),
        Condition("energy", (1, 5)),
        Condition("fruit", ("pear",)),
        Condition("colours", ("blue",)),
        Condition("age", (40,)),
    ]


SCORING_PAGES = """\
id: test
version: "1"
title: {sv: Test}
pages:
  - items:
      - {id: smoker, type: yes_no, text: {sv: Röker du}}
      - {id: energy, type: scale, min: 1, max: 5, text: {sv: Ork}}
      - {id: mood, type: scale, min: 1, max: 5, text: {sv: Humör}}
"""


def test_unknown_scorer() -> None:
    text = SCORING_PAGES + "scoring: {scorer: median, items: [energy]}\n"
    problem = assert_only_problem(
        text, "scoring", line_of(text, "scoring:"), "okänd scorer 'median'"
    )
    assert "mean" in problem.reason  # the known scorers are named


@pytest.mark.parametrize(
    ("scoring", "reason"),
    [
        ("{scorer: mean, items: [energy, ghost]}", "scoring nämner 'ghost', som inte finns"),
        ("{scorer: mean}", "scorer mean behöver en lista items"),
        ("{scorer: mean, items: [energy, mood], min_answered: 3}", "min_answered ska vara"),
        ("{scorer: any_yes, items: [smoker, energy]}", "'energy' är inte en ja/nej-fråga"),
        ("{scorer: any_yes, items: [smoker, ghost]}", "scoring nämner 'ghost', som inte finns"),
    ],
)
def test_scorer_parameter_problems(scoring: str, reason: str) -> None:
    text = SCORING_PAGES + f"scoring: {scoring}\n"
    assert_only_problem(text, "scoring", line_of(text, "scoring:"), reason)


def test_any_yes_without_yes_no_items() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: energy, type: scale, min: 1, max: 5, text: {sv: Ork}}
        scoring: {scorer: any_yes}
        """
    )
    assert_only_problem(text, "scoring", 7, "scorer any_yes behöver frågor av typen yes_no")


EQ5D_PAGES = """\
id: test
version: "1"
title: {sv: Test}
pages:
  - items:
      - id: MO
        type: single_choice
        text: {sv: Rörlighet}
        choices: &levels
          - {value: 1, label: {sv: Ett}}
          - {value: 2, label: {sv: Två}}
          - {value: 3, label: {sv: Tre}}
      - {id: SC, type: single_choice, choices: *levels, text: {sv: Vård}}
      - {id: UA, type: single_choice, choices: *levels, text: {sv: Aktiviteter}}
      - {id: PD, type: single_choice, choices: *levels, text: {sv: Smärta}}
      - {id: AD, type: single_choice, choices: *levels, text: {sv: Oro}}
  - items:
      - {id: VAS, type: vas, text: {sv: Hälsa}}
"""


def test_eq5d_with_four_dimensions() -> None:
    text = EQ5D_PAGES + "scoring: {scorer: eq5d, dimensions: [MO, SC, UA, PD], vas: VAS}\n"
    assert_only_problem(
        text, "scoring", line_of(text, "scoring:"), "scorer eq5d behöver exakt fem dimensioner"
    )


def test_eq5d_with_five_dimensions_is_allowed() -> None:
    text = EQ5D_PAGES + "scoring: {scorer: eq5d, dimensions: [MO, SC, UA, PD, AD], vas: VAS}\n"
    questionnaire = parse_definition(text, SOURCE)
    assert questionnaire.scoring == {
        "scorer": "eq5d",
        "dimensions": ["MO", "SC", "UA", "PD", "AD"],
        "vas": "VAS",
    }


def test_support_when_any_yes_needs_the_any_yes_scorer() -> None:
    text = SCORING_PAGES + yaml_text(
        """\
        safety: {quick_exit: true, support_when: any_yes}
        scoring: {scorer: mean, items: [energy]}
        """
    )
    assert_only_problem(
        text,
        "safety.support_when",
        line_of(text, "safety:"),
        "support_when: any_yes kräver scorer any_yes",
    )


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = yaml_text(
        """\
        id: test
        version: "1"
        title: {sv: Test}
        pages:
          - items:
              - {id: smoker, type: yes_no, labels: {sv: [A, B]}, text: {sv: Röker du}}
          - items:
              - {id: smoker, type: text, text: {sv: Igen}}
              - {id: health, type: vas, min: 1, max: 10, text: {sv: Hälsa}}
        scoring: {scorer: median}
        """
    )
    problems = problems_of(text)
    assert sorted((p.path, p.line) for p in problems) == sorted(
        [
            ("pages[0].items[0].labels", 6),
            ("pages[1].items[0].id", 8),
            ("pages[1].items[1].min", 9),
            ("scoring", 10),
        ]
    )
    message = str(DefinitionError(problems))
    assert f"{SOURCE}, rad 8, pages[1].items[0].id: id 'smoker' används redan" in message


# --- a valid definition ----------------------------------------------------------------------

ALL_TYPES = """\
id: all-types
version: 2
title: {sv: Alla typer, en: All types}
intro: {sv: Välkommen}
pages:
  - title: {sv: Sida ett}
    items:
      - id: mood
        type: single_choice
        direction: lower
        text: {sv: Humör, en: Mood}
        help: {sv: Välj det som passar bäst}
        choices:
          - {value: 1, label: {sv: Bra, en: Good}}
          - {value: 2, label: {sv: Dåligt}}
      - id: colours
        type: multiple_choice
        required: false
        text: {sv: Färger}
        choices:
          - {value: red, label: {sv: Röd}}
          - {value: blue, label: {sv: Blå}}
          - {value: green, label: {sv: Grön}}
      - id: energy
        type: scale
        min: 0
        max: 10
        direction: higher
        labels: {sv: [Ingen, Mycket], en: [Nothing, Lots]}
        text: {sv: Ork}
      - {id: smoker, type: yes_no, allow_decline: true, text: {sv: Röker du}}
      - {id: works, type: yes_no, text: {sv: Arbetar du}}
  - items:
      - {id: health, type: vas, text: {sv: Hälsa}}
      - {id: weight, type: number, min: 20, max: 300.5, integer: false, text: {sv: Vikt}}
      - {id: start, type: date, text: {sv: Startdatum}}
      - {id: notes, type: text, required: false, text: {sv: Övrigt}}
      - {id: cigarettes, type: number, show_if: {item: smoker, equals: ja}, text: {sv: Antal}}
      - id: short
        type: text
        max_length: 50
        show_if: {item: colours, one_of: [red, green]}
        text: {sv: Kort}
scoring: {scorer: mean, items: [energy, health]}
"""


@pytest.fixture(scope="module")
def all_types() -> Questionnaire:
    return parse_definition(ALL_TYPES.encode("utf-8"), "all-types.yaml")


def test_valid_definition_top_level(all_types: Questionnaire) -> None:
    q = all_types
    assert q.id == "all-types"
    assert q.version == "2"  # an integer version is kept as text
    assert q.respondent == "participant"
    assert q.title.get("sv") == "Alla typer"
    assert q.title.get("en") == "All types"
    # Offered in the languages it is complete in: some texts here are Swedish only.
    assert q.languages == ("sv",) and q.missing_translations("en")
    assert q.intro is not None and q.intro.get("sv") == "Välkommen"
    assert q.scoring == {"scorer": "mean", "items": ["energy", "health"]}
    assert q.safety == Safety()
    assert q.licensed_texts is False
    assert q.source == ALL_TYPES
    assert [p.number for p in q.pages] == [1, 2]
    assert q.pages[0].title == Text({"sv": "Sida ett"})
    assert q.pages[1].title is None
    assert [i.id for i in q.pages[0].items] == ["mood", "colours", "energy", "smoker", "works"]
    assert [i.id for i in q.pages[1].items] == [
        "health",
        "weight",
        "start",
        "notes",
        "cigarettes",
        "short",
    ]
    assert [i.id for i in q.items][:6] == ["mood", "colours", "energy", "smoker", "works", "health"]
    assert q.item("weight") is q.pages[1].items[1]
    assert q.item("nothing") is None


def test_valid_definition_item_types_and_defaults(all_types: Questionnaire) -> None:
    by_id = {i.id: i for i in all_types.items}
    assert {i: by_id[i].type for i in by_id} == {
        "mood": ItemType.SINGLE_CHOICE,
        "colours": ItemType.MULTIPLE_CHOICE,
        "energy": ItemType.SCALE,
        "smoker": ItemType.YES_NO,
        "works": ItemType.YES_NO,
        "health": ItemType.VAS,
        "weight": ItemType.NUMBER,
        "start": ItemType.DATE,
        "notes": ItemType.TEXT,
        "cigarettes": ItemType.NUMBER,
        "short": ItemType.TEXT,
    }
    assert {i for i in by_id if not by_id[i].required} == {"colours", "notes"}
    assert {i: by_id[i].direction for i in by_id if by_id[i].direction} == {
        "mood": "lower",
        "energy": "higher",
    }
    assert by_id["mood"].help == Text({"sv": "Välj det som passar bäst"})
    assert by_id["colours"].help is None
    assert all(by_id[i].show_if is None for i in by_id if i not in ("cigarettes", "short"))
    assert all(by_id[i].allow_decline is False for i in by_id if i != "smoker")
    assert all(by_id[i].integer for i in by_id if i != "weight")


def test_valid_definition_choices(all_types: Questionnaire) -> None:
    mood, colours = all_types.item("mood"), all_types.item("colours")
    assert mood.choices == (
        Choice(1, Text({"sv": "Bra", "en": "Good"})),
        Choice(2, Text({"sv": "Dåligt"})),
    )
    assert mood.choice_values() == (1, 2)
    assert mood.choices[1].label.get("en") == "Dåligt"  # falls back to Swedish
    assert colours.choice_values() == ("red", "blue", "green")
    assert all_types.item("energy").choice_values() == tuple(range(11))
    assert all_types.item("smoker").choice_values() == ("ja", "nej", "vill_inte_svara")
    assert all_types.item("works").choice_values() == ("ja", "nej")
    assert all_types.item("health").choice_values() == ()
    assert all_types.item("health").choices == ()


def test_valid_definition_limits_and_labels(all_types: Questionnaire) -> None:
    energy = all_types.item("energy")
    assert (energy.min, energy.max) == (0, 10)
    assert energy.end_label("sv") == ("Ingen", "Mycket")
    assert energy.end_label("en") == ("Nothing", "Lots")
    assert energy.end_label("fi") == ("Ingen", "Mycket")
    assert all_types.item("mood").end_label("sv") is None
    health = all_types.item("health")
    assert (health.min, health.max) == (0, 100)  # VAS gets its fixed range
    weight = all_types.item("weight")
    assert (weight.min, weight.max, weight.integer) == (20, 300.5, False)
    cigarettes = all_types.item("cigarettes")
    assert (cigarettes.min, cigarettes.max) == (None, None)
    assert all_types.item("start").min is None


def test_valid_definition_text_lengths(all_types: Questionnaire) -> None:
    assert all_types.item("notes").max_length == 2000
    assert all_types.item("short").max_length == 50
    assert all_types.item("mood").max_length is None
    assert all_types.item("weight").max_length is None


def test_valid_definition_conditions(all_types: Questionnaire) -> None:
    cigarettes, short = all_types.item("cigarettes"), all_types.item("short")
    assert cigarettes.show_if == Condition("smoker", ("ja",))
    assert short.show_if == Condition("colours", ("red", "green"))
    assert cigarettes.visible({"smoker": "ja"})
    assert not cigarettes.visible({"smoker": "nej"})
    assert not cigarettes.visible({"smoker": "vill_inte_svara"})
    assert not cigarettes.visible({})
    assert short.visible({"colours": ["blue", "green"]})
    assert not short.visible({"colours": ["blue"]})
    assert not short.visible({"colours": None})
    assert all_types.item("mood").visible({})


# --- content hash and texts ------------------------------------------------------------------


def test_content_hash_is_the_sha256_of_the_exact_bytes() -> None:
    raw = ALL_TYPES.encode("utf-8")
    assert parse_definition(raw, "a.yaml").content_hash == hashlib.sha256(raw).hexdigest()
    # The same content given as text hashes the same.
    assert parse_definition(ALL_TYPES, "a.yaml").content_hash == hashlib.sha256(raw).hexdigest()


def test_content_hash_keeps_line_endings_and_comments() -> None:
    crlf = ALL_TYPES.replace("\n", "\r\n").encode("utf-8")
    commented = ("# a comment\n" + ALL_TYPES).encode("utf-8")
    assert parse_definition(crlf, "a.yaml").content_hash == hashlib.sha256(crlf).hexdigest()
    assert (
        parse_definition(commented, "a.yaml").content_hash == hashlib.sha256(commented).hexdigest()
    )


def test_content_hash_changes_with_one_character() -> None:
    original = parse_definition(ALL_TYPES, "a.yaml")
    changed_text = ALL_TYPES.replace("Sida ett", "Sida Ett")
    assert changed_text != ALL_TYPES
    changed = parse_definition(changed_text, "a.yaml")
    assert changed.content_hash != original.content_hash
    assert changed.content_hash == hashlib.sha256(changed_text.encode("utf-8")).hexdigest()
    # The same content twice gives the same hash.
    assert parse_definition(ALL_TYPES, "b.yaml").content_hash == original.content_hash


def test_text_falls_back_to_swedish() -> None:
    text = Text({"sv": "Hur mår du?", "en": "How are you?"})
    assert text.get("sv") == "Hur mår du?"
    assert text.get("en") == "How are you?"
    assert text.get("fi") == "Hur mår du?"
    assert Text({"sv": "Hej", "en": ""}).get("en") == "Hej"


# --- the registry ------------------------------------------------------------------------------

GOOD = """\
id: good
version: "1"
title: {sv: Bra formulär}
pages:
  - items:
      - {id: first, type: yes_no, text: {sv: Första}}
"""

BROKEN = """\
id: broken
version: "1"
title: {sv: Trasigt formulär}
pages:
  - items:
      - {id: first, type: slider, text: {sv: Första}}
"""


def twin(title: str) -> str:
    return GOOD.replace("id: good", "id: twin").replace("Bra formulär", title)


def test_registry_loads_good_files_and_reports_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b-broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "c-twin.yaml").write_text(twin("Tvilling C"), encoding="utf-8")
    (tmp_path / "d-twin.yaml").write_text(twin("Tvilling D"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a definition", encoding="utf-8")

    with caplog.at_level(logging.ERROR, logger="survey_app.questionnaires.registry"):
        registry = Registry(tmp_path)

    good = registry.get("good")
    assert good is not None and good.title.get("sv") == "Bra formulär"
    assert registry.get("broken") is None
    assert set(registry.by_id) == {"good", "twin"}
    assert good.content_hash in registry.by_hash

    broken = [p for p in registry.problems if p.source == "b-broken.yaml"]
    assert [(p.path, p.line) for p in broken] == [("pages[0].items[0].type", 6)]
    assert "'slider' är inte tillåtet" in broken[0].reason

    # One of the two files with the same id is in use; the other is reported by name.
    loaded = registry.get("twin")
    assert loaded is not None
    in_use = "c-twin.yaml" if loaded.title.get("sv") == "Tvilling C" else "d-twin.yaml"
    other = ({"c-twin.yaml", "d-twin.yaml"} - {in_use}).pop()
    clash = [p for p in registry.problems if "finns i två filer" in p.reason]
    assert [p.source for p in clash] == [other]
    assert "'twin'" in clash[0].reason
    assert {p.source for p in registry.problems} == {"b-broken.yaml", other}

    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("b-broken.yaml" in r.getMessage() for r in errors)
    assert any(other in r.getMessage() for r in errors)
    assert not any("a-good.yaml" in r.getMessage() for r in errors)


def test_registry_reload_picks_up_a_fixed_file(tmp_path: Path) -> None:
    path = tmp_path / "form.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    registry = Registry(tmp_path)
    assert registry.get("broken") is None and registry.problems
    path.write_text(BROKEN.replace("slider", "yes_no"), encoding="utf-8")
    registry.reload()
    assert registry.get("broken") is not None
    assert registry.problems == []


def shipped_files() -> list[Path]:
    return sorted(QUESTIONNAIRES.glob("*.yaml"))


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_each_shipped_file_parses(path: Path) -> None:
    questionnaire = parse_definition(path.read_bytes(), path.name)
    assert questionnaire.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert questionnaire.items


def test_shipped_folder_loads_without_problems(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="survey_app.questionnaires.registry"):
        registry = Registry(QUESTIONNAIRES)
    assert registry.problems == []
    assert len(registry.by_id) == len(shipped_files()) == 7
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
