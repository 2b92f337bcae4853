"""Scoring of questionnaire answers: plain Python, no Flask, no database.

A questionnaire file names its scorer (`scoring: {scorer: mean, items: [...]}`); scorers are
plugins registered here by name. Each can check its parameters against the questionnaire when the
file is loaded, and score one response's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from survey_app.questionnaires.definition import Questionnaire

Params = Mapping[str, Any]
Answers = Mapping[str, Any]
# Many responses' numeric results at once (see score_frame): each measure's values as floats,
# NaN where the response has none.
Columns = dict[str, np.ndarray]
FrameScore = Callable[["Questionnaire", Params, "pd.DataFrame", "ScoringContext"], Columns | None]


@dataclass(frozen=True)
class ScoringContext:
    """Settings scores depend on: the förbund's values of the options its questionnaires'
    scorers declare (e.g. the EQ-5D value set), by questionnaire id, then option name. An option
    missing here has the scorer's default."""

    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScorerOption:
    """A setting a scorer takes from the questionnaire as set up for a förbund."""

    name: str
    label: str  # shown to the förbund's admin, in Swedish
    choices: tuple[tuple[str, str], ...]  # (stored value, Swedish label)
    default: str


def context_for(forbund: Any) -> ScoringContext:
    """A förbund's scoring settings: the options stored for its questionnaires."""
    if forbund.id is None:  # not stored: nothing set up
        return ScoringContext()
    from survey_app.questionnaires.options import stored_options  # the database side

    return ScoringContext(stored_options(forbund.id))


Range = tuple[float, float]


@dataclass(frozen=True)
class ScoreMeasure:
    """A numeric result of a scorer that a report can compare START → EXIT."""

    value_range: Range  # the least and greatest value under the settings
    label: str  # the default label (a file's report section may name it otherwise)
    direction: str = "higher"


def _no_measures(
    _questionnaire: Questionnaire, _params: Params, _context: ScoringContext
) -> dict[str, ScoreMeasure]:
    return {}


@dataclass(frozen=True)
class Scorer:
    name: str
    check: Callable[[Questionnaire, Params], list[str]]
    score: Callable[[Questionnaire, Params, Answers, ScoringContext], dict[str, Any]]
    # The numeric results a report can compare START → EXIT, named.
    measures: Callable[[Questionnaire, Params, ScoringContext], dict[str, ScoreMeasure]] = (
        _no_measures
    )
    # The settings the scores were computed with, for the report: (what, which), or None.
    describe: Callable[[Questionnaire, Params, ScoringContext], tuple[str, str] | None] = (
        lambda _questionnaire, _params, _context: None
    )
    # The options a förbund may set for a questionnaire scored by this scorer.
    options: Callable[[Questionnaire, Params], list[ScorerOption]] = (
        lambda _questionnaire, _params: []
    )
    # The measures of many responses at once (a frame of answers, a column per item), exactly
    # as `score` gives them one by one; None where it cannot for these answers. Optional: a
    # scorer without it is scored response by response (score_frame).
    frame: FrameScore | None = None


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


def measures(questionnaire: Questionnaire, context: ScoringContext) -> dict[str, ScoreMeasure]:
    """The numeric results of the questionnaire's scorer (none without one)."""
    spec = questionnaire.scoring
    scorer = SCORERS.get(spec["scorer"]) if spec is not None else None
    if spec is None or scorer is None:
        return {}
    return scorer.measures(questionnaire, spec, context)


def describe(questionnaire: Questionnaire, context: ScoringContext) -> tuple[str, str] | None:
    """The settings the questionnaire's scores are computed with, e.g. the EQ-5D value sets."""
    spec = questionnaire.scoring
    scorer = SCORERS.get(spec["scorer"]) if spec is not None else None
    if spec is None or scorer is None:
        return None
    return scorer.describe(questionnaire, spec, context)


def options(questionnaire: Questionnaire) -> list[ScorerOption]:
    """The options the questionnaire's scorer takes (none without a scorer)."""
    spec = questionnaire.scoring
    scorer = SCORERS.get(spec["scorer"]) if spec is not None else None
    if spec is None or scorer is None:
        return []
    return scorer.options(questionnaire, spec)


def option_value(questionnaire: Questionnaire, context: ScoringContext, name: str) -> str:
    """The value of one of the questionnaire's scorer options for the förbund: the stored one
    when it is still a choice, otherwise the scorer's default."""
    for option in options(questionnaire):
        if option.name == name:
            stored = context.options.get(questionnaire.id, {}).get(name)
            allowed = {value for value, _label in option.choices}
            return str(stored) if stored in allowed else option.default
    raise KeyError(name)


def score(
    questionnaire: Questionnaire, answers: Answers, context: ScoringContext | None = None
) -> dict[str, Any]:
    spec = questionnaire.scoring
    if spec is None:
        return {}
    scorer = SCORERS[spec["scorer"]]
    return scorer.score(questionnaire, spec, answers, context or ScoringContext())


def score_frame(
    questionnaire: Questionnaire, answers: pd.DataFrame, context: ScoringContext | None = None
) -> Columns:
    """The numeric results (`measures`) of many responses at once, for a report: `answers`
    has a row per response and a column per item (the values as stored; None or NaN where
    there is no answer, and an item nobody answered may have no column). Each value is what
    `score` gives that response's answers, as a float; NaN where it gives no number (nothing,
    or a yes/no). Vectorised where the scorer can (`Scorer.frame`), else response by response."""
    spec = questionnaire.scoring
    if spec is None:
        return {}
    scorer = SCORERS[spec["scorer"]]
    context = context or ScoringContext()
    if scorer.frame is not None:
        found = scorer.frame(questionnaire, spec, answers, context)
        if found is not None:
            return found
    names = scorer.measures(questionnaire, spec, context)
    items = {item: answers[item].tolist() for item in answers.columns}
    scores = [
        scorer.score(
            questionnaire, spec, given({item: of[n] for item, of in items.items()}), context
        )
        for n in range(len(answers))  # (a frame without columns has rows but no records)
    ]
    return {name: numbers([one.get(name) for one in scores]) for name in names}


def given(row: Mapping[str, Any]) -> dict[str, Any]:
    """One response's answers as `score` takes them: without the items it has no answer to
    (None, or NaN where a frame has no value)."""
    return {
        item: value
        for item, value in row.items()
        if not (value is None or (isinstance(value, float) and np.isnan(value)))
    }


def numbers(values: Iterable[Any], with_bools: bool = False) -> np.ndarray:
    """The values as floats: a number stays, anything else (None, a text code, a list, and a
    yes/no unless `with_bools`) is NaN. A number is what a report compares and a scorer
    averages: an int or a float (or a subclass, e.g. numpy's float64), never a bool (which
    Python counts as an int)."""
    found = list(values)
    out = np.full(len(found), np.nan)
    for i, value in enumerate(found):
        if isinstance(value, int | float) and (with_bools or not isinstance(value, bool)):
            out[i] = value
    return out


def column(answers: pd.DataFrame, item: str, with_bools: bool = False) -> np.ndarray:
    """An item's answers in a frame of answers as numbers (see `numbers`): all NaN where the
    frame has no column for it."""
    if item not in answers.columns:
        return np.full(len(answers), np.nan)
    return numbers(answers[item].tolist(), with_bools)


from survey_app.scoring import builtin  # noqa: E402, F401  (registers the built-in scorers)
