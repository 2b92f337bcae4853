"""Page forms built from a questionnaire page: the Python value of each item type, the Swedish
errors for bad input, refused extra answers and display conditions; and the bundle's steps
(`survey_app.responses.flow`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from flask import Flask, g

from survey_app import create_app
from survey_app.questionnaires import Condition, Page, Questionnaire, parse_definition
from survey_app.responses.flow import bundle_steps, missing_required, next_step, visible_items
from survey_app.survey.fields import PageForm, page_form_class
from tests.conftest import make_settings

DEFINITION = """\
id: forms
version: "1"
title: {sv: Formulär, en: Forms}
pages:
  - items:
      - {id: smoker, type: yes_no, allow_decline: true, text: {sv: Röker du, en: Do you smoke}}
      - id: colours
        type: multiple_choice
        required: false
        text: {sv: Färger}
        choices:
          - {value: red, label: {sv: Röd}}
          - {value: blue, label: {sv: Blå}}
          - {value: green, label: {sv: Grön}}
      - id: level
        type: single_choice
        text: {sv: Nivå}
        choices:
          - {value: 1, label: {sv: Låg}}
          - {value: 2, label: {sv: Mellan}}
          - {value: 3, label: {sv: Hög}}
  - items:
      - id: mood
        type: single_choice
        text: {sv: Humör, en: Mood}
        choices:
          - {value: 1, label: {sv: Bra, en: Good}}
          - {value: 2, label: {sv: Sådär}}
          - {value: 3, label: {sv: Dåligt, en: Bad}}
      - id: fruit
        type: single_choice
        text: {sv: Frukt}
        choices: [{value: apple, label: {sv: Äpple}}, {value: pear, label: {sv: Päron}}]
      - id: days
        type: multiple_choice
        text: {sv: Dagar}
        choices:
          - {value: 1, label: {sv: Måndag}}
          - {value: 2, label: {sv: Tisdag}}
          - {value: 3, label: {sv: Onsdag}}
      - id: colour
        type: multiple_choice
        text: {sv: Färg}
        choices: [{value: red, label: {sv: Röd}}, {value: blue, label: {sv: Blå}}]
      - {id: energy, type: scale, min: 1, max: 5, text: {sv: Ork}}
      - {id: recommend, type: yes_no, text: {sv: Rekommenderar du}}
      - {id: discriminated, type: yes_no, allow_decline: true, text: {sv: Diskriminerad}}
      - {id: health, type: vas, text: {sv: Hälsa}}
      - {id: count, type: number, min: 0, max: 10, text: {sv: Antal}}
      - {id: weight, type: number, min: 0.5, max: 300, integer: false, text: {sv: Vikt}}
      - {id: start, type: date, text: {sv: Startdatum}}
      - {id: notes, type: text, max_length: 10, text: {sv: Kort text}}
      - {id: essay, type: text, text: {sv: Lång text}}
  - items:
      - id: opt_choice
        type: single_choice
        required: false
        text: {sv: Val}
        choices: [{value: 1, label: {sv: Ett}}, {value: 2, label: {sv: Två}}]
      - id: opt_multi
        type: multiple_choice
        required: false
        text: {sv: Flera}
        choices: [{value: a, label: {sv: A}}, {value: b, label: {sv: B}}]
      - {id: opt_scale, type: scale, min: 1, max: 3, required: false, text: {sv: Skala}}
      - {id: opt_yes_no, type: yes_no, required: false, text: {sv: Ja eller nej}}
      - {id: opt_vas, type: vas, required: false, text: {sv: VAS}}
      - {id: opt_number, type: number, min: 1, required: false, text: {sv: Tal}}
      - {id: opt_float, type: number, integer: false, required: false, text: {sv: Decimal}}
      - {id: opt_date, type: date, required: false, text: {sv: Datum}}
      - {id: opt_text, type: text, required: false, text: {sv: Text}}
  - items:
      - id: cigarettes
        type: number
        min: 1
        max: 100
        show_if: {item: smoker, equals: ja}
        text: {sv: Hur många cigaretter}
      - id: paint
        type: text
        show_if: {item: colours, one_of: [red, green]}
        text: {sv: Vilken färg}
      - id: support
        type: yes_no
        show_if: {item: level, one_of: [2, 3]}
        text: {sv: Vill du ha stöd}
      - {id: always, type: text, required: false, text: {sv: Övrigt}}
"""


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return parse_definition(DEFINITION, "forms.yaml")


@pytest.fixture(scope="module")
def form_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("page-forms") / "x.sqlite3"
    yield create_app(make_settings("sqlite:///" + str(path)))


def page(questionnaire: Questionnaire, number: int) -> Page:
    return questionnaire.pages[number - 1]


def post(
    app: Flask,
    form_page: Page,
    data: Mapping[str, Any],
    answers: Mapping[str, Any] | None = None,
    language: str = "sv",
) -> tuple[bool, PageForm]:
    """The page's form filled from a POST of `data`, and whether it validated."""
    form_class = page_form_class(form_page, answers or {}, language)
    with app.test_request_context(method="POST", data=dict(data)):
        form = form_class()
        valid = form.validate()
    return valid, form


# A complete, valid POST of page 2: every item there is required.
VALID = {
    "item_mood": "2",
    "item_fruit": "pear",
    "item_days": ["1", "3"],
    "item_colour": ["red", "blue"],
    "item_energy": "4",
    "item_recommend": "nej",
    "item_discriminated": "vill_inte_svara",
    "item_health": "57",
    "item_count": "0",
    "item_weight": "72.5",
    "item_start": "2024-02-29",
    "item_notes": "Hej då",
    "item_essay": "Bra stöd",
    "submit": "Nästa",
}


# --- valid answers ---------------------------------------------------------------------------


def test_valid_post_gives_python_values(form_app: Flask, questionnaire: Questionnaire) -> None:
    valid, form = post(form_app, page(questionnaire, 2), VALID)
    assert valid, form.errors
    answers = form.answers()
    assert answers == {
        "mood": 2,
        "fruit": "pear",
        "days": [1, 3],
        "colour": ["red", "blue"],
        "energy": 4,
        "recommend": "nej",
        "discriminated": "vill_inte_svara",
        "health": 57,
        "count": 0,  # zero is an answer, not an empty one
        "weight": 72.5,
        "start": "2024-02-29",
        "notes": "Hej då",
        "essay": "Bra stöd",
    }
    # Equality does not see 2 == 2.0 or "2" != 2 in lists: check the types themselves.
    types = {key: type(value) for key, value in answers.items()}
    assert types == {
        "mood": int,
        "fruit": str,
        "days": list,
        "colour": list,
        "energy": int,
        "recommend": str,
        "discriminated": str,
        "health": int,
        "count": int,
        "weight": float,
        "start": str,
        "notes": str,
        "essay": str,
    }
    assert all(type(v) is int for v in answers["days"])


@pytest.mark.parametrize(
    ("key", "posted", "item_id", "expected"),
    [
        ("item_mood", "1", "mood", 1),
        ("item_mood", "3", "mood", 3),
        ("item_fruit", "apple", "fruit", "apple"),
        ("item_days", ["2"], "days", [2]),
        ("item_colour", ["blue"], "colour", ["blue"]),
        ("item_energy", "1", "energy", 1),
        ("item_energy", "5", "energy", 5),
        ("item_recommend", "ja", "recommend", "ja"),
        ("item_discriminated", "ja", "discriminated", "ja"),
        ("item_discriminated", "nej", "discriminated", "nej"),
        ("item_health", "0", "health", 0),
        ("item_health", "100", "health", 100),
        ("item_count", "10", "count", 10),
        ("item_weight", "0.5", "weight", 0.5),
        ("item_weight", "300", "weight", 300.0),
        ("item_start", "2026-11-23", "start", "2026-11-23"),
        ("item_notes", "a" * 10, "notes", "a" * 10),
        ("item_essay", "å" * 2000, "essay", "å" * 2000),
    ],
)
def test_valid_values_at_the_edges(
    form_app: Flask,
    questionnaire: Questionnaire,
    key: str,
    posted: Any,
    item_id: str,
    expected: Any,
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, key: posted})
    assert valid, form.errors
    value = form.answers()[item_id]
    assert value == expected
    assert type(value) is type(expected)


def test_number_without_decimals_is_a_float_when_integer_is_false(
    form_app: Flask, questionnaire: Questionnaire
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, "item_weight": "80"})
    assert valid, form.errors
    assert form.answers()["weight"] == 80.0
    assert type(form.answers()["weight"]) is float


# --- invalid answers -------------------------------------------------------------------------

CHOOSE = "Välj det svar som stämmer bäst."
DATE = "Skriv ett datum, till exempel 2026-03-01."
NOT_A_CHOICE = "Inte ett giltigt val"  # WTForms' Swedish catalogue
VAS_RANGE = "Skriv ett tal från 0 till 100."
COUNT_RANGE = "Skriv ett tal från 0 till 10."
WEIGHT_RANGE = "Skriv ett tal från 0,5 till 300."


# Each message says what to do, for the item's type (or in the item's own words).
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("item_mood", CHOOSE),
        ("item_fruit", CHOOSE),
        ("item_days", "Välj ett eller flera svar."),
        ("item_colour", "Välj ett eller flera svar."),
        ("item_energy", "Välj en siffra från 1 till 5."),
        ("item_recommend", "Välj ja eller nej."),
        ("item_discriminated", "Välj ja, nej eller vill inte svara."),
        ("item_health", VAS_RANGE),
        ("item_count", COUNT_RANGE),
        ("item_weight", WEIGHT_RANGE),
        ("item_start", DATE),
        ("item_notes", "Skriv ditt svar."),
        ("item_essay", "Skriv ditt svar."),
    ],
)
def test_missing_required_answer(
    form_app: Flask, questionnaire: Questionnaire, key: str, expected: str
) -> None:
    data = {k: v for k, v in VALID.items() if k != key}
    valid, form = post(form_app, page(questionnaire, 2), data)
    assert not valid
    assert form.errors == {key: [expected]}
    assert form.answers()[key.removeprefix("item_")] is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("item_health", VAS_RANGE),
        ("item_count", COUNT_RANGE),
        ("item_weight", WEIGHT_RANGE),
        ("item_start", DATE),
        ("item_notes", "Skriv ditt svar."),
    ],
)
def test_empty_text_input_counts_as_missing(
    form_app: Flask, questionnaire: Questionnaire, key: str, expected: str
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, key: ""})
    assert not valid
    assert form.errors == {key: [expected]}
    assert form.answers()[key.removeprefix("item_")] is None


@pytest.mark.parametrize(
    ("key", "posted", "expected"),
    [
        ("item_mood", "7", [NOT_A_CHOICE]),  # a tampered radio value
        ("item_mood", "0", [NOT_A_CHOICE]),
        ("item_fruit", "banana", [NOT_A_CHOICE]),
        ("item_energy", "6", [NOT_A_CHOICE]),  # scale 1..5
        ("item_energy", "0", [NOT_A_CHOICE]),
        ("item_recommend", "vill_inte_svara", [NOT_A_CHOICE]),  # allow_decline is false
        ("item_recommend", "yes", [NOT_A_CHOICE]),
        ("item_days", ["1", "9"], ["'9' är inte ett giltigt val för detta fält."]),
        ("item_colour", ["red", "purple"], ["'purple' är inte ett giltigt val för detta fält."]),
        ("item_health", "101", [VAS_RANGE]),
        ("item_health", "-1", [VAS_RANGE]),
        ("item_count", "11", [COUNT_RANGE]),
        ("item_count", "-1", [COUNT_RANGE]),
        ("item_weight", "0.4", [WEIGHT_RANGE]),
        ("item_weight", "300.1", [WEIGHT_RANGE]),
        ("item_start", "2023-02-29", ["Inte ett giltigt datum"]),  # not a leap year
        ("item_start", "29/02/2024", ["Inte ett giltigt datum"]),
        ("item_start", "1850-06-01", ["Datumet verkar fel; kontrollera året."]),
        ("item_start", "2150-06-01", ["Datumet verkar fel; kontrollera året."]),
        ("item_notes", "a" * 11, ["Texten får vara högst 10 tecken."]),
        ("item_essay", "a" * 2001, ["Texten får vara högst 2000 tecken."]),
    ],
)
def test_invalid_answer_gives_a_swedish_error(
    form_app: Flask, questionnaire: Questionnaire, key: str, posted: Any, expected: list[str]
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, key: posted})
    assert not valid
    assert form.errors == {key: expected}


@pytest.mark.parametrize(
    ("key", "posted", "allowed"),
    [
        # Text where a number belongs: WTForms' Swedish "not a number", the range, or both.
        ("item_health", "abc", {"Inte ett giltigt heltal", VAS_RANGE}),
        ("item_health", "50.5", {"Inte ett giltigt heltal", VAS_RANGE}),
        ("item_count", "2.5", {"Inte ett giltigt heltal", COUNT_RANGE}),
        ("item_weight", "tung", {"Inte ett giltigt flyttal", WEIGHT_RANGE}),
        ("item_mood", "abc", {"Felaktigt val; kunde inte ceorce:a", NOT_A_CHOICE}),
    ],
)
def test_text_where_a_number_belongs(
    form_app: Flask, questionnaire: Questionnaire, key: str, posted: str, allowed: set[str]
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, key: posted})
    assert not valid
    assert list(form.errors) == [key]
    assert form.errors[key]
    assert set(form.errors[key]) <= allowed, form.errors[key]


def test_optional_items_left_empty_give_none(form_app: Flask, questionnaire: Questionnaire) -> None:
    # What a browser sends for an untouched page: text inputs empty, radios and boxes absent.
    data = {
        "item_opt_vas": "",
        "item_opt_number": "",
        "item_opt_float": "",
        "item_opt_date": "",
        "item_opt_text": "",
        "submit": "Nästa",
    }
    valid, form = post(form_app, page(questionnaire, 3), data)
    assert valid, form.errors
    assert form.errors == {}
    assert form.answers() == {
        "opt_choice": None,
        "opt_multi": None,
        "opt_scale": None,
        "opt_yes_no": None,
        "opt_vas": None,
        "opt_number": None,
        "opt_float": None,
        "opt_date": None,
        "opt_text": None,
    }


def test_optional_items_are_still_checked_when_answered(
    form_app: Flask, questionnaire: Questionnaire
) -> None:
    data = {"item_opt_number": "0", "item_opt_scale": "4", "item_opt_text": "Något"}
    valid, form = post(form_app, page(questionnaire, 3), data)
    assert not valid
    assert form.errors == {
        "item_opt_number": ["Skriv ett tal som är minst 1."],
        "item_opt_scale": [NOT_A_CHOICE],
    }


def test_optional_items_answered(form_app: Flask, questionnaire: Questionnaire) -> None:
    data = {
        "item_opt_choice": "2",
        "item_opt_multi": ["b"],
        "item_opt_scale": "3",
        "item_opt_yes_no": "ja",
        "item_opt_vas": "12",
        "item_opt_number": "1",
        "item_opt_float": "-2.25",
        "item_opt_date": "2000-01-01",
        "item_opt_text": "Något",
    }
    valid, form = post(form_app, page(questionnaire, 3), data)
    assert valid, form.errors
    assert form.answers() == {
        "opt_choice": 2,
        "opt_multi": ["b"],
        "opt_scale": 3,
        "opt_yes_no": "ja",
        "opt_vas": 12,
        "opt_number": 1,
        "opt_float": -2.25,
        "opt_date": "2000-01-01",
        "opt_text": "Något",
    }


# --- answers to items that are not on the page -----------------------------------------------

ELSEWHERE = "Svaret innehöll en fråga som inte finns på den här sidan."


@pytest.mark.parametrize("key", ["item_ghost", "item_smoker", "item_opt_text"])
def test_answer_to_an_item_not_on_the_page_is_refused(
    form_app: Flask, questionnaire: Questionnaire, key: str
) -> None:
    # item_smoker is on page 1 and item_opt_text on page 3; this is page 2.
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, key: "ja"})
    assert not valid
    assert len(form.form_errors) == 1
    assert form.form_errors[0].startswith(ELSEWHERE)
    assert key.removeprefix("item_") not in form.answers()


def test_keys_without_the_item_prefix_are_not_answers(
    form_app: Flask, questionnaire: Questionnaire
) -> None:
    valid, form = post(form_app, page(questionnaire, 2), {**VALID, "ghost": "1", "itemx": "2"})
    assert valid, form.errors
    assert form.form_errors == []


# --- display conditions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "shown"),
    [
        ({}, {"always"}),
        ({"smoker": "ja"}, {"cigarettes", "always"}),
        ({"smoker": "nej"}, {"always"}),
        ({"smoker": "vill_inte_svara"}, {"always"}),
        ({"colours": ["blue"]}, {"always"}),
        ({"colours": []}, {"always"}),
        ({"colours": None}, {"always"}),
        ({"colours": ["red"]}, {"paint", "always"}),
        ({"colours": ["blue", "green"]}, {"paint", "always"}),
        ({"level": 1}, {"always"}),
        ({"level": 2}, {"support", "always"}),
        ({"level": 3}, {"support", "always"}),
        (
            {"smoker": "ja", "colours": ["green", "red"], "level": 3},
            {"cigarettes", "paint", "support", "always"},
        ),
    ],
)
def test_items_shown_by_earlier_answers(
    form_app: Flask, questionnaire: Questionnaire, earlier: dict[str, Any], shown: set[str]
) -> None:
    conditional = page(questionnaire, 4)
    filled = {
        "item_cigarettes": "20",
        "item_paint": "Blå",
        "item_support": "ja",
        "item_always": "",
    }
    data = {key: value for key, value in filled.items() if key.removeprefix("item_") in shown}
    valid, form = post(form_app, conditional, {**data, "submit": "Nästa"}, answers=earlier)
    assert valid, form.errors
    assert {name.removeprefix("item_") for name in form.data if name.startswith("item_")} == shown
    assert form.page_item_ids == frozenset(shown)
    expected = {"cigarettes": 20, "paint": "Blå", "support": "ja", "always": None}
    assert form.answers() == {k: v for k, v in expected.items() if k in shown}
    assert [i.id for i in visible_items(conditional, earlier)] == [
        i for i in ("cigarettes", "paint", "support", "always") if i in shown
    ]


def test_hidden_required_item_does_not_block_the_page(
    form_app: Flask, questionnaire: Questionnaire
) -> None:
    valid, form = post(
        form_app, page(questionnaire, 4), {"item_always": ""}, answers={"smoker": "nej"}
    )
    assert valid, form.errors
    assert "cigarettes" not in form.answers()


def test_shown_item_is_required(form_app: Flask, questionnaire: Questionnaire) -> None:
    valid, form = post(
        form_app, page(questionnaire, 4), {"item_always": ""}, answers={"smoker": "ja"}
    )
    assert not valid
    assert form.errors == {"item_cigarettes": ["Skriv ett tal från 1 till 100."]}


def test_answer_to_a_hidden_item_is_not_kept(form_app: Flask, questionnaire: Questionnaire) -> None:
    _valid, form = post(
        form_app,
        page(questionnaire, 4),
        {"item_always": "", "item_cigarettes": "20"},
        answers={"smoker": "nej"},
    )
    assert "cigarettes" not in form.answers()


@pytest.mark.parametrize(
    ("answer", "holds"),
    [
        (["blue", "green"], True),
        (["red"], True),
        (["blue"], False),
        ([], False),
        (None, False),
        ("green", True),  # a single answer, not a list
        ("blue", False),
    ],
)
def test_condition_with_several_values(answer: Any, holds: bool) -> None:
    condition = Condition("colours", ("red", "green"))
    assert condition.holds({"colours": answer}) is holds


def test_condition_on_a_number_and_a_missing_answer() -> None:
    condition = Condition("level", (2, 3))
    assert condition.holds({"level": 2})
    assert condition.holds({"level": 3})
    assert not condition.holds({"level": 1})
    assert not condition.holds({})
    assert not condition.holds({"other": 2})


# --- language ----------------------------------------------------------------------------------


def test_labels_in_english_fall_back_to_swedish(
    form_app: Flask, questionnaire: Questionnaire
) -> None:
    # The pages' own words (yes/no, messages) follow the request's language, as the survey
    # blueprint sets it from the participant's choice.
    with form_app.test_request_context():
        g.language = "en"
        english = page_form_class(page(questionnaire, 2), {}, "en")()
    with form_app.test_request_context():
        swedish = page_form_class(page(questionnaire, 2), {}, "sv")()
    assert english["item_mood"].label.text == "Mood"
    assert english["item_fruit"].label.text == "Frukt"
    assert [c.label.text for c in english["item_mood"]] == ["Good", "Sådär", "Bad"]
    assert [c.label.text for c in english["item_recommend"]] == ["Yes", "No"]
    assert [c.label.text for c in swedish["item_discriminated"]] == [
        "Ja",
        "Nej",
        "Vill inte svara",
    ]
    assert swedish["item_mood"].label.text == "Humör"


# --- the bundle's steps (survey_app.responses.flow) -----------------------------------------------


def two_questionnaires() -> list[Questionnaire]:
    first = parse_definition(
        """\
id: first
version: "1"
title: {sv: Första}
pages:
  - items:
      - {id: a1, type: yes_no, text: {sv: A1}}
  - items:
      - {id: a2, type: yes_no, text: {sv: A2}}
""",
        "first.yaml",
    )
    second = parse_definition(
        """\
id: second
version: "1"
title: {sv: Andra}
pages:
  - items:
      - {id: b1, type: yes_no, text: {sv: B1}}
  - items:
      - {id: b2, type: yes_no, text: {sv: B2}}
  - items:
      - {id: b3, type: yes_no, text: {sv: B3}}
""",
        "second.yaml",
    )
    return [first, second]


def test_bundle_steps_are_numbered_across_questionnaires() -> None:
    steps = bundle_steps(two_questionnaires())
    assert [(s.number, s.questionnaire.id, s.page.number) for s in steps] == [
        (1, "first", 1),
        (2, "first", 2),
        (3, "second", 1),
        (4, "second", 2),
        (5, "second", 3),
    ]
    assert [s.is_first_of_questionnaire for s in steps] == [True, False, True, False, False]
    assert [s.page.items[0].id for s in steps] == ["a1", "a2", "b1", "b2", "b3"]


def test_bundle_steps_follow_the_bundle_order() -> None:
    first, second = two_questionnaires()
    steps = bundle_steps([second, first])
    assert [(s.number, s.questionnaire.id, s.page.number) for s in steps] == [
        (1, "second", 1),
        (2, "second", 2),
        (3, "second", 3),
        (4, "first", 1),
        (5, "first", 2),
    ]
    assert bundle_steps([]) == []


@pytest.mark.parametrize(
    ("pages_saved", "expected"),
    [
        ({}, 1),
        ({"first": 1}, 2),
        ({"first": 2}, 3),
        ({"first": 2, "second": 1}, 4),
        ({"first": 2, "second": 2}, 5),
        ({"first": 2, "second": 3}, 6),  # all saved: one past the last step
        ({"second": 3}, 1),  # the first questionnaire is still to do
        ({"first": 1, "second": 3}, 2),
        ({"first": 0, "second": 0}, 1),
        ({"first": 2, "other": 4}, 3),  # a questionnaire outside the bundle changes nothing
    ],
)
def test_next_step(pages_saved: dict[str, int], expected: int) -> None:
    assert next_step(bundle_steps(two_questionnaires()), pages_saved) == expected


def test_next_step_of_an_empty_bundle() -> None:
    assert next_step([], {}) == 1


PAGE_2_REQUIRED = [
    "mood",
    "fruit",
    "days",
    "colour",
    "energy",
    "recommend",
    "discriminated",
    "health",
    "count",
    "weight",
    "start",
    "notes",
    "essay",
]


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        # Nothing answered: page 4's required items are hidden (their conditions need answers),
        # page 3 and "colours" are optional.
        ({}, ["smoker", "level", *PAGE_2_REQUIRED]),
        (
            {"smoker": "nej", "level": 1, "mood": 1, "fruit": "pear", "days": [1]},
            PAGE_2_REQUIRED[3:],
        ),
    ],
)
def test_missing_required_lists_unanswered_items_in_order(
    questionnaire: Questionnaire, answers: dict[str, Any], missing: list[str]
) -> None:
    assert missing_required(questionnaire, answers) == missing


def everything_answered(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "smoker": "nej",
        "colours": ["blue"],
        "level": 1,
        "mood": 2,
        "fruit": "pear",
        "days": [1],
        "colour": ["red"],
        "energy": 3,
        "recommend": "ja",
        "discriminated": "nej",
        "health": 50,
        "count": 0,
        "weight": 70.0,
        "start": "2024-01-01",
        "notes": "Hej",
        "essay": "Hej",
    }
    answers.update(changes)
    return answers


def test_missing_required_skips_hidden_items(questionnaire: Questionnaire) -> None:
    # smoker "nej", colours without red/green, level 1: cigarettes, paint and support are hidden.
    assert missing_required(questionnaire, everything_answered()) == []


def test_missing_required_includes_shown_items(questionnaire: Questionnaire) -> None:
    answers = everything_answered(smoker="ja", colours=["green"], level=2)
    assert missing_required(questionnaire, answers) == ["cigarettes", "paint", "support"]
    answers.update(cigarettes=5, paint="Grön", support="nej")
    assert missing_required(questionnaire, answers) == []


@pytest.mark.parametrize("empty", [None, "", []])
def test_missing_required_treats_empty_answers_as_missing(
    questionnaire: Questionnaire, empty: Any
) -> None:
    answers = everything_answered(notes=empty, days=empty)
    assert missing_required(questionnaire, answers) == ["days", "notes"]


def test_missing_required_counts_zero_and_nej_as_answers(questionnaire: Questionnaire) -> None:
    answers = everything_answered(count=0, recommend="nej", health=0)
    assert missing_required(questionnaire, answers) == []


def test_definition_of_this_module(questionnaire: Questionnaire) -> None:
    # The tests above rest on this definition; a slip in it should show here first.
    assert [len(p.items) for p in questionnaire.pages] == [3, 13, 9, 4]
