"""The built-in scorers: mean of items, any "yes", and the EQ-5D index."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

import numpy as np

from survey_app.scoring import (
    Answers,
    Columns,
    Params,
    ScoreMeasure,
    Scorer,
    ScorerOption,
    ScoringContext,
    column,
    eq5d,
    option_value,
    register,
)

if TYPE_CHECKING:
    import pandas as pd

    from survey_app.questionnaires.definition import Questionnaire

YES, DECLINE = "ja", "vill_inte_svara"


def _unknown_items(questionnaire: Questionnaire, ids: list[str]) -> list[str]:
    return [
        f"scoring nämner {i!r}, som inte finns i formuläret"
        for i in ids
        if not questionnaire.item(i)
    ]


# --- mean of chosen items -------------------------------------------------------------------
# Missing-item rule: the mean is computed when at least `min_answered` of the items have an answer
# (default: half of them, rounded up); otherwise the score is missing (None).


def _mean_check(questionnaire: Questionnaire, params: Params) -> list[str]:
    items = list(params.get("items", []))
    if not items:
        return ["scorer mean behöver en lista items"]
    problems = _unknown_items(questionnaire, items)
    minimum = params.get("min_answered", 1)
    if not isinstance(minimum, int) or not 1 <= minimum <= len(items):
        problems.append(f"min_answered ska vara ett heltal mellan 1 och {len(items)}")
    return problems


def _mean_minimum(params: Params) -> int:
    return int(params.get("min_answered", -(-len(params["items"]) // 2)))


def _mean_score(
    _questionnaire: Questionnaire, params: Params, answers: Answers, _context: ScoringContext
) -> dict[str, Any]:
    items = list(params["items"])
    values = [answers[i] for i in items if isinstance(answers.get(i), int | float)]
    mean = statistics.fmean(values) if len(values) >= _mean_minimum(params) else None
    return {"mean": mean, "n": len(values)}


# Whole numbers up to this size add up exactly in floats, in any order.
EXACT_SUMS_BELOW = 2.0**40


def _mean_frame(
    _questionnaire: Questionnaire, params: Params, answers: pd.DataFrame, _context: ScoringContext
) -> Columns | None:
    """The means of many responses at once; None unless every answer is a whole number (the
    answers of scales): their sums are exact, so each mean is the one fmean gives."""
    if not len(answers):
        return {"mean": np.zeros(0)}
    values = np.column_stack([column(answers, i, with_bools=True) for i in params["items"]])
    answered = ~np.isnan(values)
    known = values[answered]
    whole = np.isfinite(known) & (known == np.round(known)) & (np.abs(known) < EXACT_SUMS_BELOW)
    if not whole.all():
        return None
    counts = answered.sum(axis=1)
    sums = np.where(answered, values, 0.0).sum(axis=1)
    enough = counts >= _mean_minimum(params)
    means = np.full(len(answers), np.nan)
    means[enough] = sums[enough] / counts[enough]
    return {"mean": means}


def _mean_measures(
    questionnaire: Questionnaire, params: Params, _context: ScoringContext
) -> dict[str, ScoreMeasure]:
    items = [questionnaire.item(i) for i in params.get("items", [])]
    ranges = [item.value_range() for item in items if item is not None]
    whole = (
        (min(r[0] for r in ranges), max(r[1] for r in ranges))
        if ranges
        else (-float("inf"), float("inf"))
    )
    return {"mean": ScoreMeasure(whole, "Medelvärde")}


register(Scorer("mean", _mean_check, _mean_score, _mean_measures, frame=_mean_frame))


# --- any "yes" (violence screening) ---------------------------------------------------------
# "vill inte svara" is neither yes nor no: counted separately. any_yes is None when no item
# was answered yes or no.


def _yes_items(questionnaire: Questionnaire, params: Params) -> list[str]:
    return list(params.get("items") or [i.id for i in questionnaire.items if i.type == "yes_no"])


def _any_yes_check(questionnaire: Questionnaire, params: Params) -> list[str]:
    items = _yes_items(questionnaire, params)
    if not items:
        return ["scorer any_yes behöver frågor av typen yes_no"]
    problems = _unknown_items(questionnaire, items)
    for item_id in items:
        item = questionnaire.item(item_id)
        if item is not None and item.type != "yes_no":
            problems.append(f"scorer any_yes: {item_id!r} är inte en ja/nej-fråga")
    return problems


def _any_yes_score(
    questionnaire: Questionnaire, params: Params, answers: Answers, _context: ScoringContext
) -> dict[str, Any]:
    given = [answers.get(i) for i in _yes_items(questionnaire, params)]
    yes_or_no = [a for a in given if a in (YES, "nej")]
    return {
        "any_yes": (YES in yes_or_no) if yes_or_no else None,
        "yes_items": [
            i for i, a in zip(_yes_items(questionnaire, params), given, strict=True) if a == YES
        ],
        "n_declined": sum(1 for a in given if a == DECLINE),
    }


register(Scorer("any_yes", _any_yes_check, _any_yes_score))


# --- EQ-5D ---------------------------------------------------------------------------------


def _eq5d_check(questionnaire: Questionnaire, params: Params) -> list[str]:
    dimensions = list(params.get("dimensions", []))
    if len(dimensions) != 5:
        return ["scorer eq5d behöver exakt fem dimensioner (MO, SC, UA, PD, AD i den ordningen)"]
    problems = _unknown_items(questionnaire, dimensions)
    if problems:
        return problems
    level_counts = {len(questionnaire.item(d).choices) for d in dimensions}  # type: ignore[union-attr]
    if level_counts not in ({3}, {5}):
        problems.append("alla fem dimensionerna ska ha 3 eller alla 5 nivåer")
    vas = params.get("vas")
    if vas is not None and questionnaire.item(vas) is None:
        problems.append(f"scoring nämner {vas!r}, som inte finns i formuläret")
    return problems


def _eq5d_levels(questionnaire: Questionnaire, params: Params) -> str:
    """The level count of the questionnaire's dimensions: "3L" or "5L"."""
    first = questionnaire.item(params["dimensions"][0])
    return f"{len(first.choices)}L"  # type: ignore[union-attr]


def _eq5d_options(questionnaire: Questionnaire, params: Params) -> list[ScorerOption]:
    """The value set the index is computed with, among those for the file's level count."""
    levels = _eq5d_levels(questionnaire, params)
    choices = tuple(
        (name, f"{value_set.label} ({name})")
        for name, value_set in eq5d.VALUE_SETS.items()
        if f"{value_set.levels}L" == levels
    )
    return [
        ScorerOption(
            "value_set", f"Värdeset för EQ-5D-{levels}", choices, eq5d.DEFAULT_VALUE_SET[levels]
        )
    ]


def _eq5d_score(
    questionnaire: Questionnaire, params: Params, answers: Answers, context: ScoringContext
) -> dict[str, Any]:
    dimensions = list(params["dimensions"])
    value_set = option_value(questionnaire, context, "value_set")
    digits = [answers.get(d) for d in dimensions]
    state = "".join(str(d) for d in digits) if all(type(d) is int for d in digits) else None
    vas = answers.get(params["vas"]) if params.get("vas") else None
    try:
        value = eq5d.index(state, value_set) if state else None
    except ValueError:  # an answer outside the levels (a tampered or corrupt value)
        value = None
    return {
        "state": state,
        "index": value,
        "value_set": value_set,
        "vas": vas if isinstance(vas, int | float) else None,
    }


def _eq5d_frame(
    questionnaire: Questionnaire, params: Params, answers: pd.DataFrame, context: ScoringContext
) -> Columns:
    """The index (and VAS) of many responses at once: each state's index looked up in the
    value set's table of every state (eq5d.index_table), which _eq5d_score's own function
    makes. A state has an index where every dimension's answer is a level (an int, not a
    bool) within the value set's levels, as eq5d.index accepts it."""
    value_set = option_value(questionnaire, context, "value_set")
    levels = eq5d.levels_of(value_set)
    code = np.zeros(len(answers), dtype=np.int64)
    valid = np.ones(len(answers), dtype=bool)
    for dimension in params["dimensions"]:
        level = column(answers, dimension)
        if dimension in answers.columns:  # an int, as a state's digit: not a whole float
            valid &= answers[dimension].map(type).eq(int).to_numpy()
        valid &= (level >= 1) & (level <= levels)
        code = code * levels + np.where(valid, level - 1, 0).astype(np.int64)
    index = np.full(len(answers), np.nan)
    index[valid] = eq5d.index_table(value_set)[code[valid]]
    out = {"index": index}
    if params.get("vas"):
        out["vas"] = column(answers, params["vas"])
    return out


def _eq5d_sets_in_use(
    questionnaire: Questionnaire, params: Params, context: ScoringContext
) -> dict[str, list[str]]:
    """The value sets a report's EQ-5D columns may hold, by level count: this file's, those
    the förbund set for its other questionnaires (the 3L and 5L files share a sheet and their
    measures), and the default for a level count with none."""
    found: dict[str, list[str]] = {"3L": [], "5L": []}
    own = option_value(questionnaire, context, "value_set")
    found[_eq5d_levels(questionnaire, params)].append(own)
    for stored in context.options.values():
        name = stored.get("value_set")
        if name in eq5d.VALUE_SETS:
            levels = f"{eq5d.levels_of(name)}L"
            if name not in found[levels]:
                found[levels].append(name)
    for levels, names in found.items():
        if not names:
            names.append(eq5d.DEFAULT_VALUE_SET[levels])
    return found


def _eq5d_measures(
    questionnaire: Questionnaire, params: Params, context: ScoringContext
) -> dict[str, ScoreMeasure]:
    """The index lies within the ranges of the value sets in use (both level counts' sets: a
    report's index column holds 3L and 5L values)."""
    in_use = _eq5d_sets_in_use(questionnaire, params, context)
    ranges = [eq5d.value_range(name) for names in in_use.values() for name in names]
    whole = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    out = {"index": ScoreMeasure(whole, "EQ-5D index")}
    if params.get("vas"):
        out["vas"] = ScoreMeasure((0.0, 100.0), "EQ VAS (termometer)")
    return out


def _eq5d_describe(
    questionnaire: Questionnaire, params: Params, context: ScoringContext
) -> tuple[str, str]:
    in_use = _eq5d_sets_in_use(questionnaire, params, context)
    names = [
        f"{levels}: {eq5d.VALUE_SETS[name].label} ({name})"
        for levels, found in in_use.items()
        for name in found
    ]
    return "Värdeset för EQ-5D", "; ".join(names)


register(
    Scorer(
        "eq5d",
        _eq5d_check,
        _eq5d_score,
        _eq5d_measures,
        _eq5d_describe,
        _eq5d_options,
        _eq5d_frame,
    )
)
