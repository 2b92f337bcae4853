"""A bundle as a sequence of pages, and where a respondent is in it: plain Python."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from survey_app.questionnaires import Page, Questionnaire


@dataclass(frozen=True)
class Step:
    """One page of one questionnaire; steps are numbered 1..N across the whole bundle."""

    number: int
    questionnaire: Questionnaire
    page: Page

    @property
    def is_first_of_questionnaire(self) -> bool:
        return self.page.number == 1


def bundle_steps(questionnaires: Sequence[Questionnaire]) -> list[Step]:
    steps: list[Step] = []
    for questionnaire in questionnaires:
        for page in questionnaire.pages:
            steps.append(Step(len(steps) + 1, questionnaire, page))
    return steps


def next_step(steps: Sequence[Step], pages_saved: Mapping[str, int]) -> int:
    """The step to show next: the first page not yet saved, in order. N + 1 when all are saved."""
    for step in steps:
        if step.page.number > pages_saved.get(step.questionnaire.id, 0):
            return step.number
    return len(steps) + 1


def visible_items(page: Page, answers: Mapping[str, Any]) -> list[Any]:
    return [item for item in page.items if item.visible(answers)]


def effective_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those to items that the other answers hide. Repeated until stable,
    since hiding one item can hide another whose condition depended on it."""
    current = dict(answers)
    while True:
        kept = {
            item_id: value
            for item_id, value in current.items()
            if (item := questionnaire.item(item_id)) is None or item.visible(current)
        }
        if kept == current:
            return current
        current = kept


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """Ids of visible required items without an answer."""
    answers = effective_answers(questionnaire, answers)
    return [
        item.id
        for item in questionnaire.items
        if item.required and item.visible(answers) and answers.get(item.id) in (None, "", [])
    ]
