"""JSON Schema of a questionnaire definition file (the structure; meaning is checked after)."""

from __future__ import annotations

from typing import Any

from survey_app.questionnaires.types import KINDS

# One registered class per type (questionnaires/types.py).
ITEM_TYPES = tuple(KINDS)

_ID = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"}
# A language: a BCP 47 language subtag, optionally with a private-use variant ("sv-x-lattlast",
# easy Swedish).
LANGUAGE_CODE = "^[a-z]{2,3}(-x-[a-z0-9]{1,8})?$"
_TEXT = {
    "type": "object",
    "required": ["sv"],
    "properties": {"sv": {"type": "string", "minLength": 1}},
    "patternProperties": {LANGUAGE_CODE: {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_CHOICE = {
    "type": "object",
    "required": ["value", "label"],
    "properties": {
        "value": {"type": ["string", "integer"]},
        "label": _TEXT,
    },
    "additionalProperties": False,
}
_CONDITION = {
    "type": "object",
    "required": ["item"],
    "properties": {
        "item": _ID,
        "equals": {"type": ["string", "integer", "boolean"]},
        "one_of": {"type": "array", "minItems": 1, "items": {"type": ["string", "integer"]}},
    },
    "oneOf": [{"required": ["equals"]}, {"required": ["one_of"]}],
    "additionalProperties": False,
}
_ITEM = {
    "type": "object",
    "required": ["id", "type", "text"],
    "properties": {
        "id": _ID,
        "type": {"enum": list(ITEM_TYPES)},
        "text": _TEXT,
        "help": _TEXT,
        # What the participant is told to do when the answer is missing ("Välj hur du mår i
        # dag"); without it, a message for the item's type.
        "error": _TEXT,
        "required": {"type": "boolean"},
        "direction": {"enum": ["higher", "lower"]},
        "show_if": _CONDITION,
        "choices": {"type": "array", "minItems": 2, "items": _CHOICE},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "integer": {"type": "boolean"},
        "labels": {
            "type": "object",
            "required": ["sv"],
            "patternProperties": {
                LANGUAGE_CODE: {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": "string"},
                }
            },
            "additionalProperties": False,
        },
        "allow_decline": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
    },
    "additionalProperties": False,
}
_PAGE = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "title": _TEXT,
        "items": {"type": "array", "minItems": 1, "items": _ITEM},
    },
    "additionalProperties": False,
}

_LINE = {"type": "string", "minLength": 1, "maxLength": 200}
# One measure compared START → EXIT: an item's answer or a result of the file's scorer.
_COMPARED = {
    "type": "object",
    "properties": {
        "item": _ID,
        "score": _ID,
        "label": _LINE,
        # The label in goal lists, where the sheet's context is missing (default: the label).
        "goal_label": _LINE,
        "goal": {"type": "boolean"},
        "direction": {"enum": ["higher", "lower"]},
    },
    "oneOf": [{"required": ["item"]}, {"required": ["score"]}],
    "additionalProperties": False,
}
# One item summarised as its distribution (counts and shares per answer).
_DISTRIBUTION = {
    "type": "object",
    "required": ["item"],
    "properties": {
        "item": _ID,
        "title": _LINE,
        "position": {"type": "integer"},
        "shares": {"type": "boolean"},
        "top_box": _LINE,
        "goal": {"type": "boolean"},
        "occasion": {"enum": ["start", "followup", "exit"]},
    },
    "additionalProperties": False,
}
_SECTION = {
    "type": "object",
    "required": ["sheet"],
    "properties": {
        "sheet": {"type": "string", "minLength": 1, "maxLength": 31},
        "title": _LINE,
        "order": {"type": "integer"},
        "note": {"type": "string", "minLength": 1, "maxLength": 500},
        "empty": _LINE,
        "measures": _ID,
        "compare": {"type": "array", "minItems": 1, "items": _COMPARED},
        "chart": _ID,
        "distributions": {"type": "array", "minItems": 1, "items": _DISTRIBUTION},
        "screening": {"type": "boolean"},
        "forms": _LINE,
        "form": _LINE,
    },
    "additionalProperties": False,
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "version", "title", "pages"],
    "properties": {
        "id": _ID,
        # What staff call it in lists and settings ("Självskattning"); the title is what the
        # participant reads. Optional: without it, the Swedish title.
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "version": {"type": ["string", "integer"]},
        "respondent": {"enum": ["participant", "staff"]},
        "title": _TEXT,
        "intro": _TEXT,
        # The time the questions are about ("Tänk på den senaste veckan."), shown with every
        # question.
        "recall": _TEXT,
        # Each question on a page of its own, the question as the page's heading (kinder on a
        # phone; how electronic EQ-5D is commonly shown).
        "one_question_per_page": {"type": "boolean"},
        # Per language: whether a native speaker has reviewed the file's texts in it.
        "translations": {
            "type": "object",
            "patternProperties": {
                LANGUAGE_CODE: {
                    "type": "object",
                    "required": ["reviewed"],
                    "properties": {"reviewed": {"type": "boolean"}, "note": {"type": "string"}},
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        },
        "pages": {"type": "array", "minItems": 1, "items": _PAGE},
        # The item wording is licensed (EQ-5D): texts are installed per deployment.
        "licensed_texts": {"type": "boolean"},
        # Sensitive questionnaires: a quick-exit button, a support page and a staff follow-up
        # flag when the answers trigger them (e.g. any "ja" in a violence screening).
        "safety": {
            "type": "object",
            "properties": {
                "quick_exit": {"type": "boolean"},
                "support_when": {"enum": ["any_yes"]},
                "flag": {"type": "string", "minLength": 1, "maxLength": 120},
            },
            "additionalProperties": False,
        },
        "scoring": {
            "type": "object",
            "required": ["scorer"],
            "properties": {"scorer": {"type": "string"}},
        },
        # What the report workbook shows of the answers (see questionnaires/README.md).
        "report": {"type": "array", "minItems": 1, "items": _SECTION},
    },
    "additionalProperties": False,
}
