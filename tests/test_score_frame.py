"""Scores of many responses at once (scoring.score_frame), as the report reads them: each must
be exactly what the response-by-response scorer gives the same answers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app import scoring
from survey_app.questionnaires import Registry
from survey_app.scoring import ScoringContext, builtin, eq5d

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
REGISTRY = Registry(QUESTIONNAIRES)


def _one_by_one(
    questionnaire_id: str, rows: list[dict[str, Any]], context: ScoringContext
) -> dict[str, np.ndarray]:
    """The reference: `scoring.score` of each response's answers, its numbers kept (a bool is
    no number), as the report took them before."""
    questionnaire = REGISTRY.get(questionnaire_id)
    assert questionnaire is not None
    names = scoring.measures(questionnaire, context)
    out: dict[str, list[float]] = {name: [] for name in names}
    for row in rows:
        answers = {
            k: v
            for k, v in row.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        }
        scores = scoring.score(questionnaire, answers, context)
        for name in names:
            value = scores.get(name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            out[name].append(float(value) if number else math.nan)
    return {name: np.asarray(values) for name, values in out.items()}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    return frame.astype(object)


# Answers as a report reads them: scale values, the other levels and codes a tampered or old
# response may hold, whole floats, yes/no, texts, lists and nothing; and fractions and numbers
# too large to add up exactly, with which the mean is scored response by response.
ODD = st.sampled_from([None, math.nan, True, False, "vet_ej", "ja", [1, 2], 2.0, 7.0])
INEXACT = st.one_of(st.sampled_from([2.5, -0.5, 0.1]), st.integers(-(10**20), 10**20))
CONTEXTS = {
    "sjalvskattning": [ScoringContext()],
    "eq5d-3l": [
        ScoringContext({"eq5d-3l": {"value_set": name}}) for name in ("se_tto_3l", "uk_tto_3l")
    ],
    "eq5d-5l": [
        ScoringContext({"eq5d-5l": {"value_set": name}})
        for name in ("se_5l_2022", "se_tto_5l_2020", "se_vas_5l_2020")
    ],
}
CASES = [(qid, context) for qid, contexts in CONTEXTS.items() for context in contexts]


@pytest.mark.parametrize(("questionnaire_id", "context"), CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_scores_of_a_frame_are_those_of_each_response(
    questionnaire_id: str, context: ScoringContext, data: st.DataObject
) -> None:
    questionnaire = REGISTRY.get(questionnaire_id)
    assert questionnaire is not None
    items = [i.id for i in questionnaire.items]
    # Mostly answers within the scale, so that many rows have a score, and often one of the
    # odd values; some items left out of the frame altogether (nobody answered them).
    within = st.integers(1, 5)
    choices = [within, within, within, within.map(float), ODD, st.integers(-1, 100)]
    if data.draw(st.booleans()):  # else scored at once, where the scorer can
        choices.append(INEXACT)
    levels = st.one_of(*choices)
    columns = data.draw(st.lists(st.sampled_from(items), unique=True, min_size=0))
    rows = data.draw(
        st.lists(st.fixed_dictionaries({item: levels for item in columns}), max_size=12)
    )
    frame = _frame(rows).reindex(index=range(len(rows)), columns=columns)
    expected = _one_by_one(questionnaire_id, rows, context)
    found = scoring.score_frame(questionnaire, frame, context)
    assert set(found) == set(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(found[name], values, err_msg=name)


def test_worked_eq5d_states_and_impossible_levels() -> None:
    """Worked by hand from the Swedish 3L model (Burström 2014, eq5d.py): 11112 is
    0.9694 − 0.0552 (AD2); 33333 is 0.9694 − (0.1247 + 0.0276 + 0.1355 + 0.0904 + 0.2077) −
    0.0433 (N3) = 0.3402. A level outside 1–3, a level as a float or a yes, and a missing
    dimension have no index; the VAS is a number or nothing."""
    three = REGISTRY.get("eq5d-3l")
    assert three is not None
    rows = [
        {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 2, "VAS": 70},
        {"MO": 3, "SC": 3, "UA": 3, "PD": 3, "AD": 3, "VAS": 35.5},
        {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 4, "VAS": True},
        {"MO": 2.0, "SC": 1, "UA": 1, "PD": 1, "AD": 1, "VAS": "ja"},
        {"MO": True, "SC": 1, "UA": 1, "PD": 1, "AD": 1, "VAS": None},
        {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": None, "VAS": 0},
    ]
    found = scoring.score_frame(three, _frame(rows))
    np.testing.assert_allclose(
        found["index"], [0.9142, 0.3402, np.nan, np.nan, np.nan, np.nan], atol=1e-12
    )
    np.testing.assert_array_equal(found["vas"], [70, 35.5, np.nan, np.nan, np.nan, 0])


def test_worked_means_and_the_half_of_the_items_rule() -> None:
    """The self-assessment's mean needs 5 of its 10 items: (9 + 4 + 4 + 4 + 4) / 5 = 5; four
    answers give none; a yes counts as 1 in the mean (as the response-by-response scorer
    counts it), a text not at all."""
    questionnaire = REGISTRY.get("sjalvskattning")
    assert questionnaire is not None
    ids = [i.id for i in questionnaire.items]
    rows = [
        dict.fromkeys(ids[:5], 4) | {ids[0]: 9},
        dict.fromkeys(ids[:4], 4),
        dict.fromkeys(ids[:4], 4) | {ids[4]: True},
        dict.fromkeys(ids[:4], 4) | {ids[4]: "vet_ej"},
    ]
    found = scoring.score_frame(questionnaire, _frame(rows).reindex(columns=ids))
    np.testing.assert_array_equal(found["mean"], [5.0, np.nan, 17 / 5, np.nan])


def test_whole_numbers_are_scored_at_once_and_fractions_one_by_one() -> None:
    """The vectorised mean takes whole numbers only (their sums are exact in any order);
    with a fraction among the answers the frame is scored response by response."""
    questionnaire = REGISTRY.get("sjalvskattning")
    assert questionnaire is not None
    spec = questionnaire.scoring
    assert spec is not None
    ids = list(spec["items"])
    whole = _frame([dict.fromkeys(ids, 3), dict.fromkeys(ids, 7.0)])
    assert builtin._mean_frame(questionnaire, spec, whole, ScoringContext()) is not None
    tenths = _frame([dict.fromkeys(ids, 0.1), dict.fromkeys(ids, 3)])
    assert builtin._mean_frame(questionnaire, spec, tenths, ScoringContext()) is None
    found = scoring.score_frame(questionnaire, tenths)
    assert found["mean"][0] == math.fsum([0.1] * len(ids)) / len(ids)


def test_the_index_table_holds_every_state_in_the_order_of_its_digits() -> None:
    for name, value_set in eq5d.VALUE_SETS.items():
        table = eq5d.index_table(name)
        levels = value_set.levels
        assert len(table) == levels**5
        for state in ("11111", "31111", "21232", str(levels) * 5, "1" * 4 + str(levels)):
            digits = [int(c) for c in state]
            at = sum((d - 1) * levels ** (4 - i) for i, d in enumerate(digits))
            assert table[at] == eq5d.index(state, name)
        assert eq5d.value_range(name) == (table.min(), table.max())


def test_a_number_is_an_int_or_a_float_and_never_a_yes() -> None:
    values = [1, 2.5, np.float64(0.5), True, None, "3", [1], math.nan]
    np.testing.assert_array_equal(
        scoring.numbers(values), [1.0, 2.5, 0.5, np.nan, np.nan, np.nan, np.nan, np.nan]
    )
    np.testing.assert_array_equal(
        scoring.numbers(values, with_bools=True),
        [1.0, 2.5, 0.5, 1.0, np.nan, np.nan, np.nan, np.nan],
    )
