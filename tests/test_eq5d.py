"""EQ-5D scoring: published worked examples, hand-worked states, and every 3L state (plus a fixed
sample of 5L states) against a separate computation written out here from the published tables.
"""

import dataclasses
import itertools
import random

import pytest

from survey_app.scoring.eq5d import DEFAULT_VALUE_SET, VALUE_SETS, index, levels_of

# --- An independent computation -------------------------------------------------------------
# Typed separately from the module's tables, in the flat "term: coefficient" form of the
# published tables; the extra terms keep their published names and conditions.

DIMS = ("MO", "SC", "UA", "PD", "AD")

COEFFICIENTS: dict[str, dict[str, float]] = {
    "uk_tto_3l": {
        "start": 1.0,
        "constant": 0.081,  # if any level > 1
        "MO2": 0.069, "MO3": 0.314,
        "SC2": 0.104, "SC3": 0.214,
        "UA2": 0.036, "UA3": 0.094,
        "PD2": 0.123, "PD3": 0.386,
        "AD2": 0.071, "AD3": 0.236,
        "N3": 0.269,  # if any level is 3
    },
    "se_tto_3l": {
        "start": 0.9694,
        "MO2": 0.0666, "MO3": 0.1247,
        "SC2": 0.0276, "SC3": 0.0276,
        "UA2": 0.1012, "UA3": 0.1355,
        "PD2": 0.0345, "PD3": 0.0904,
        "AD2": 0.0552, "AD3": 0.2077,
        "N3": 0.0433,
    },
    "se_tto_5l_2020": {
        "start": 0.9755,
        "MO2": 0.0287, "MO3": 0.0346, "MO4": 0.0523, "MO5": 0.0523,
        "SC2": 0.0254, "SC3": 0.0817, "SC4": 0.0824, "SC5": 0.0824,
        "UA2": 0.0549, "UA3": 0.1143, "UA4": 0.1639, "UA5": 0.1639,
        "PD2": 0.0108, "PD3": 0.0428, "PD4": 0.1024, "PD5": 0.1974,
        "AD2": 0.0325, "AD3": 0.0868, "AD4": 0.2002, "AD5": 0.2339,
        "N5": 0.0023,  # if any level is 5
    },
    "se_vas_5l_2020": {
        "start": 88.85,
        "MO2": 3.37, "MO3": 5.53, "MO4": 9.05, "MO5": 9.05,
        "SC2": 2.25, "SC3": 2.82, "SC4": 6.07, "SC5": 7.83,
        "UA2": 5.23, "UA3": 10.12, "UA4": 14.07, "UA5": 17.05,
        "PD2": 1.63, "PD3": 4.43, "PD4": 10.14, "PD5": 17.05,
        "AD2": 4.97, "AD3": 10.75, "AD4": 16.52, "AD5": 27.30,
        "worst>=2": 2.75, "worst>=3": 4.19, "worst>=4": 1.85,  # cumulative
    },
    "se_5l_2022": {
        "start": 1.0,
        "MO2": 0.022, "MO3": 0.026, "MO4": 0.087, "MO5": 0.132,
        "SC2": 0.019, "SC3": 0.056, "SC4": 0.113, "SC5": 0.159,
        "UA2": 0.022, "UA3": 0.048, "UA4": 0.131, "UA5": 0.187,
        "PD2": 0.010, "PD3": 0.047, "PD4": 0.319, "PD5": 0.442,
        "AD2": 0.031, "AD3": 0.122, "AD4": 0.277, "AD5": 0.394,
    },
}  # fmt: skip


def expected(value_set: str, state: str) -> float:
    c = COEFFICIENTS[value_set]
    levels = [int(ch) for ch in state]
    value = c["start"]
    for dim, level in zip(DIMS, levels, strict=True):
        value -= c.get(f"{dim}{level}", 0.0)  # level 1 has no term
    if any(level > 1 for level in levels):
        value -= c.get("constant", 0.0)
    if 3 in levels:
        value -= c.get("N3", 0.0)
    if 5 in levels:
        value -= c.get("N5", 0.0)
    for threshold in (2, 3, 4):
        if max(levels) >= threshold:
            value -= c.get(f"worst>={threshold}", 0.0)
    return value


ALL_3L = ["".join(p) for p in itertools.product("123", repeat=5)]
ALL_5L = ["".join(p) for p in itertools.product("12345", repeat=5)]
SAMPLE_5L = [*random.Random(20240611).sample(ALL_5L, 300), "11111", "55555"]


def test_the_independent_tables_cover_every_value_set() -> None:
    assert set(COEFFICIENTS) == set(VALUE_SETS)


@pytest.mark.parametrize(
    ("value_set", "states"),
    [
        ("uk_tto_3l", ALL_3L),
        ("se_tto_3l", ALL_3L),
        ("se_tto_5l_2020", SAMPLE_5L),
        ("se_vas_5l_2020", SAMPLE_5L),
        ("se_5l_2022", SAMPLE_5L),
    ],
)
def test_agrees_with_independent_computation(value_set: str, states: list[str]) -> None:
    assert len(states) in (243, 302)
    wrong = [
        (state, index(state, value_set), expected(value_set, state))
        for state in states
        if index(state, value_set) != pytest.approx(expected(value_set, state), abs=1e-9)
    ]
    assert wrong == []


# --- The reference's worked examples ---------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "uk_3l", "se_3l", "se_5l_tto_2020", "se_5l_2022"),
    [
        ("11111", 1.000, 0.9694, 0.9755, 1.000),
        ("11112", 0.848, 0.9142, 0.9430, 0.969),
        ("33333", -0.594, 0.3402, 0.6153, 0.701),
    ],
)
def test_worked_examples(
    state: str, uk_3l: float, se_3l: float, se_5l_tto_2020: float, se_5l_2022: float
) -> None:
    assert round(index(state, "uk_tto_3l"), 3) == uk_3l
    assert round(index(state, "se_tto_3l"), 4) == se_3l
    assert round(index(state, "se_tto_5l_2020"), 4) == se_5l_tto_2020
    assert round(index(state, "se_5l_2022"), 3) == se_5l_2022


def test_uk_3l_range_is_1_to_minus_0594() -> None:
    # "243 states, index 1.000 to -0.594", as the Swedish reports quote it.
    values = {state: index(state, "uk_tto_3l") for state in ALL_3L}
    assert len(values) == 243
    assert round(values["11111"], 3) == 1.000
    assert round(values["33333"], 3) == -0.594
    assert max(values, key=values.__getitem__) == "11111"
    assert min(values, key=values.__getitem__) == "33333"


def test_se_3l_full_health_follows_the_model_not_the_rounded_table() -> None:
    # The published model's start value; one public table rounds 11111 to 1.
    assert index("11111", "se_tto_3l") == pytest.approx(0.9694)


# --- Hand-worked states ------------------------------------------------------------------------


def test_hand_worked_uk_3l_21232() -> None:
    # MO2 SC1 UA2 PD3 AD2 with Dolan 1997:
    #   1
    #   - 0.081  constant (some level > 1)
    #   - 0.069  MO2
    #   - 0      SC1
    #   - 0.036  UA2
    #   - 0.386  PD3
    #   - 0.071  AD2
    #   - 0.269  N3 (PD is at level 3)
    #   = 1 - 0.912 = 0.088
    assert index("21232", "uk_tto_3l") == pytest.approx(0.088)


def test_hand_worked_se_3l_21232() -> None:
    # 0.9694 - 0.0666 (MO2) - 0.1012 (UA2) - 0.0904 (PD3) - 0.0552 (AD2) - 0.0433 (N3)
    # = 0.9694 - 0.3567 = 0.6127; no constant term in this set.
    assert index("21232", "se_tto_3l") == pytest.approx(0.6127)


def test_hand_worked_5l_12345() -> None:
    # TTO 2020: 0.9755 - 0.0254 (SC2) - 0.1143 (UA3) - 0.1024 (PD4) - 0.2339 (AD5)
    #           - 0.0023 (N5, AD is at level 5) = 0.9755 - 0.4783 = 0.4972
    assert index("12345", "se_tto_5l_2020") == pytest.approx(0.4972)
    # VAS 2020: 88.85 - 2.25 - 10.12 - 10.14 - 27.30 (= 49.81)
    #           - 2.75 - 4.19 - 1.85 (worst level 5 >= 2, 3 and 4: 8.79) = 30.25
    assert index("12345", "se_vas_5l_2020") == pytest.approx(30.25)
    # 2022: 1 - 0.019 (SC2) - 0.048 (UA3) - 0.319 (PD4) - 0.394 (AD5) = 1 - 0.780 = 0.220
    assert index("12345", "se_5l_2022") == pytest.approx(0.220)


def test_vas_is_on_its_0_to_100_scale() -> None:
    assert index("11111", "se_vas_5l_2020") == pytest.approx(88.85)
    # 88.85 - 4.97 (AD2) - 2.75 (worst level 2) = 81.13
    assert index("11112", "se_vas_5l_2020") == pytest.approx(81.13)
    # 88.85 - (9.05 + 7.83 + 17.05 + 17.05 + 27.30) - (2.75 + 4.19 + 1.85) = 1.78
    assert index("55555", "se_vas_5l_2020") == pytest.approx(1.78)
    assert VALUE_SETS["se_vas_5l_2020"].scale == "vas_0_100"


@pytest.mark.parametrize(
    ("state", "value_set", "published"),
    [
        # The examples in RegistercentrumVGR/RCSTAT's R/eq5d.R, one of the reference's sources.
        ("11111", "se_tto_3l", 0.969),
        ("12233", "se_tto_3l", 0.499),
        ("21311", "se_tto_3l", 0.724),
        ("34543", "se_tto_5l_2020", 0.503),
        ("34543", "se_vas_5l_2020", 30.5),
    ],
)
def test_rcstat_examples(state: str, value_set: str, published: float) -> None:
    digits = 1 if value_set == "se_vas_5l_2020" else 3
    assert round(index(state, value_set), digits) == published


def test_returns_unrounded_float() -> None:
    value = index("21232", "se_tto_3l")
    assert type(value) is float
    assert index("12345", "se_tto_5l_2020") != round(index("12345", "se_tto_5l_2020"), 3)


# --- The value-set registry --------------------------------------------------------------------


def test_value_sets_and_defaults() -> None:
    assert set(VALUE_SETS) == {
        "uk_tto_3l",
        "se_tto_3l",
        "se_tto_5l_2020",
        "se_vas_5l_2020",
        "se_5l_2022",
    }
    for name, value_set in VALUE_SETS.items():
        assert value_set.name == name
        assert value_set.label
    assert DEFAULT_VALUE_SET == {"3L": "se_tto_3l", "5L": "se_5l_2022"}
    assert levels_of(DEFAULT_VALUE_SET["3L"]) == 3
    assert levels_of(DEFAULT_VALUE_SET["5L"]) == 5


@pytest.mark.parametrize(
    ("value_set", "levels"),
    [
        ("uk_tto_3l", 3),
        ("se_tto_3l", 3),
        ("se_tto_5l_2020", 5),
        ("se_vas_5l_2020", 5),
        ("se_5l_2022", 5),
    ],
)
def test_levels_of(value_set: str, levels: int) -> None:
    assert levels_of(value_set) == levels


def test_value_sets_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        VALUE_SETS["uk_tto_3l"].start = 2.0  # type: ignore[misc]


# --- Invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "value_set", "message"),
    [
        ("4", "se_tto_3l", "exactly 5 digits"),
        ("123456", "se_tto_3l", "exactly 5 digits"),
        ("123456", "se_5l_2022", "exactly 5 digits"),
        ("", "se_5l_2022", "exactly 5 digits"),
        ("1234a", "se_5l_2022", "'a' for AD"),
        ("00000", "se_tto_3l", "'0' for MO"),
        ("00000", "se_5l_2022", "'0' for MO"),
        ("44444", "se_tto_3l", "level 4 for MO, but value set 'se_tto_3l' is EQ-5D-3L"),
        ("11151", "uk_tto_3l", "level 5 for PD"),
        ("66666", "se_5l_2022", "'6' for MO; each level must be a digit 1–5"),
        ("1111 ", "se_5l_2022", "' ' for AD"),
        ("１１１１１", "se_5l_2022", "for MO"),  # fullwidth digits: int() would accept them
        ("11111", "no_such_set", "unknown EQ-5D value set 'no_such_set'"),
        ("11111", "SE_TTO_3L", "unknown EQ-5D value set"),
    ],
)
def test_invalid_input_raises_value_error(state: str, value_set: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        index(state, value_set)


@pytest.mark.parametrize("state", [11111, None, ["1", "1", "1", "1", "1"], b"11111"])
def test_non_string_state_raises_value_error(state: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        index(state, "se_tto_3l")  # type: ignore[arg-type]


def test_levels_of_unknown_set_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown EQ-5D value set"):
        levels_of("se_tto_4l")
