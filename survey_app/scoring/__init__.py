"""Scoring of questionnaire answers: plain Python, no Flask, no database.

A questionnaire file names its scorer (`scoring: {scorer: mean, items: [...]}`); scorers are
plugins registered here by name. Each can check its parameters against the questionnaire when the
file is loaded, and score one response's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

Params = Mapping[str, Any]
Answers = Mapping[str, Any]


@dataclass(frozen=True)
class ScoringContext:
    """Settings a score depends on, e.g. the förbund's EQ-5D value set per level count."""

    value_sets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scorer:
    name: str
    check: Callable[[Questionnaire, Params], list[str]]
    score: Callable[[Questionnaire, Params, Answers, ScoringContext], dict[str, Any]]


SCORERS: dict[str, Scorer] = {}


def register(scorer: Scorer) -> Scorer:
    SCORERS[scorer.name] = scorer
    return scorer


def check(questionnaire: Questionnaire) -> list[str]:
    """Problems with the questionnaire's scoring block, in Swedish; empty when it is fine."""
    spec = questionnaire.scoring
    if spec is None:
        return []
    scorer = SCORERS.get(spec["scorer"])
    if scorer is None:
        known = ", ".join(sorted(SCORERS))
        return [f"okänd scorer {spec['scorer']!r}; kända är {known}"]
    return scorer.check(questionnaire, spec)


def score(
    questionnaire: Questionnaire, answers: Answers, context: ScoringContext | None = None
) -> dict[str, Any]:
    spec = questionnaire.scoring
    if spec is None:
        return {}
    scorer = SCORERS[spec["scorer"]]
    return scorer.score(questionnaire, spec, answers, context or ScoringContext())


from survey_app.scoring import builtin  # noqa: E402, F401  (registers the built-in scorers)
