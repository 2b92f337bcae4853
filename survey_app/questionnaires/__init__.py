"""The questionnaire engine: definition files, their validation, and forms built from them.

The engine knows item types, pages and display conditions; it knows nothing about particular
instruments. Scores are computed by scorer plugins named in each file (`survey_app.scoring`).
"""

from survey_app.questionnaires.definition import (
    Choice,
    Compared,
    Condition,
    DefinitionError,
    Distribution,
    Item,
    ItemType,
    Page,
    Problem,
    Questionnaire,
    Section,
    parse_definition,
)
from survey_app.questionnaires.registry import Registry

__all__ = [
    "Choice",
    "Compared",
    "Condition",
    "DefinitionError",
    "Distribution",
    "Item",
    "ItemType",
    "Page",
    "Problem",
    "Questionnaire",
    "Registry",
    "Section",
    "parse_definition",
]
