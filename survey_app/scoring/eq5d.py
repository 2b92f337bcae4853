"""EQ-5D index values: a health state scored with a published value set.

A health state is five digits, one level per dimension in the order MO (mobility), SC (self-care),
UA (usual activities), PD (pain/discomfort), AD (anxiety/depression), e.g. "21232". Every value
set here has the same shape::

    value = start value
            - the decrement of each dimension's level (level 1 has none)
            - the extra terms that apply to the state's worst level

Scales: all sets give an index where 1 is full health, except ``se_vas_5l_2020``, which gives
values on its native VAS scale of 0–100 (88.85 for 11111). Do not average or compare it with
the others. ``se_tto_3l`` scores 11111 as 0.9694, its published model's start value; one public
table rounds that to 1, and we follow the model. Values are returned unrounded; round only
for display.

Coefficients: Dolan, Med Care 1997 (UK 3L); Burström et al., Qual Life Res 2014 (Swedish 3L);
Burström et al. 2020 (Swedish 5L TTO and VAS); Sun et al. 2022 (Swedish 5L), as tabulated by
the R package ``eq5d`` and RegistercentrumVGR/RCSTAT.
"""

import functools
import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "DEFAULT_VALUE_SET",
    "VALUE_SETS",
    "ValueSet",
    "index",
    "index_table",
    "levels_of",
    "value_range",
]

_DIMENSIONS = ("MO", "SC", "UA", "PD", "AD")


@dataclass(frozen=True)
class ValueSet:
    """One published value set. `index()` applies it."""

    name: str
    label: str  # shown to staff
    levels: Literal[3, 5]
    start: float
    # decrements[d][k] is subtracted when dimension d (MO SC UA PD AD) is at level k + 2.
    # Level 1 has no decrement, so rows start at level 2, as in the published tables.
    decrements: tuple[tuple[float, ...], ...]
    # (level, amount): amount is subtracted when the state's worst level is at least `level`.
    # Every published extra term has this shape: "constant if any level > 1" is (2, c),
    # N3 "if any level is 3" is (3, c) on a 3-level scale, N5 is (5, c).
    extra_terms: tuple[tuple[int, float], ...] = ()
    scale: Literal["index", "vas_0_100"] = "index"

    def __post_init__(self) -> None:
        # A mistyped table should fail at import, not as a wrong score months later.
        rows_ok = len(self.decrements) == len(_DIMENSIONS) and all(
            len(row) == self.levels - 1 for row in self.decrements
        )
        if not rows_ok:
            raise ValueError(f"value set {self.name!r}: decrements do not fit {self.levels} levels")


def _score(value_set: ValueSet, levels: tuple[int, ...]) -> float:
    """The formula shared by all value sets (see the module docstring)."""
    value = value_set.start
    for level, row in zip(levels, value_set.decrements, strict=True):
        if level > 1:
            value -= row[level - 2]
    worst = max(levels)
    for from_level, amount in value_set.extra_terms:
        if worst >= from_level:
            value -= amount
    return value


VALUE_SETS: dict[str, ValueSet] = {
    vs.name: vs
    for vs in (
        ValueSet(
            name="uk_tto_3l",
            label="Storbritannien TTO (Dolan 1997)",
            levels=3,
            start=1.0,
            decrements=(
                (0.069, 0.314),  # MO
                (0.104, 0.214),  # SC
                (0.036, 0.094),  # UA
                (0.123, 0.386),  # PD
                (0.071, 0.236),  # AD
            ),
            extra_terms=((2, 0.081), (3, 0.269)),  # constant, N3
        ),
        ValueSet(
            name="se_tto_3l",
            label="Sverige erfarenhetsbaserad TTO (Burström 2014)",
            levels=3,
            start=0.9694,
            decrements=(
                (0.0666, 0.1247),
                (0.0276, 0.0276),  # SC2 = SC3 in the published model
                (0.1012, 0.1355),
                (0.0345, 0.0904),
                (0.0552, 0.2077),
            ),
            extra_terms=((3, 0.0433),),  # N3; no constant
        ),
        ValueSet(
            name="se_tto_5l_2020",
            label="Sverige erfarenhetsbaserad TTO (Burström 2020)",
            levels=5,
            start=0.9755,
            decrements=(
                (0.0287, 0.0346, 0.0523, 0.0523),
                (0.0254, 0.0817, 0.0824, 0.0824),
                (0.0549, 0.1143, 0.1639, 0.1639),
                (0.0108, 0.0428, 0.1024, 0.1974),
                (0.0325, 0.0868, 0.2002, 0.2339),
            ),
            extra_terms=((5, 0.0023),),  # N5
        ),
        ValueSet(
            name="se_vas_5l_2020",
            label="Sverige erfarenhetsbaserad VAS, skala 0–100 (Burström 2020)",
            levels=5,
            start=88.85,
            decrements=(
                (3.37, 5.53, 9.05, 9.05),
                (2.25, 2.82, 6.07, 7.83),
                (5.23, 10.12, 14.07, 17.05),
                (1.63, 4.43, 10.14, 17.05),
                (4.97, 10.75, 16.52, 27.30),
            ),
            # Cumulative: a worst level of 4 or 5 subtracts all three.
            extra_terms=((2, 2.75), (3, 4.19), (4, 1.85)),
            scale="vas_0_100",
        ),
        ValueSet(
            name="se_5l_2022",
            label="Sverige (Sun 2022)",
            levels=5,
            start=1.0,
            decrements=(
                (0.022, 0.026, 0.087, 0.132),
                (0.019, 0.056, 0.113, 0.159),
                (0.022, 0.048, 0.131, 0.187),
                (0.010, 0.047, 0.319, 0.442),
                (0.031, 0.122, 0.277, 0.394),
            ),
        ),
    )
}

DEFAULT_VALUE_SET = {"3L": "se_tto_3l", "5L": "se_5l_2022"}


def _value_set(name: str) -> ValueSet:
    if isinstance(name, str) and name in VALUE_SETS:
        return VALUE_SETS[name]
    known = ", ".join(sorted(VALUE_SETS))
    raise ValueError(f"unknown EQ-5D value set {name!r} (known: {known})")


def _parse(state: str, value_set: ValueSet) -> tuple[int, ...]:
    if not isinstance(state, str):
        raise ValueError(f"EQ-5D state must be a string of 5 digits, not {type(state).__name__}")
    if len(state) != len(_DIMENSIONS):
        raise ValueError(
            f"EQ-5D state must be exactly 5 digits (MO SC UA PD AD), "
            f"got {state!r} ({len(state)} characters)"
        )
    # Compare with ASCII digits: str.isdigit() and int() would also accept e.g. "١" or "５".
    allowed = "12345"[: value_set.levels]
    for dimension, char in zip(_DIMENSIONS, state, strict=True):
        if char in allowed:
            continue
        if char in "12345":
            raise ValueError(
                f"EQ-5D state {state!r} has level {char} for {dimension}, but value set "
                f"{value_set.name!r} is EQ-5D-{value_set.levels}L (levels 1–{value_set.levels})"
            )
        raise ValueError(
            f"EQ-5D state {state!r} has {char!r} for {dimension}; "
            f"each level must be a digit 1–{value_set.levels}"
        )
    return tuple(int(char) for char in state)


def index(state: str, value_set: str) -> float:
    """Score `state` (five digits, MO SC UA PD AD, e.g. "21232") with the named value set.

    Returns the unrounded value: an index where 1 is full health, except for
    ``se_vas_5l_2020``, which returns its native 0–100 VAS scale. Raises ValueError for an
    unknown value set, a state that is not exactly five digits, or a level outside
    1..levels of the set (e.g. "44444" with a 3L set).
    """
    vs = _value_set(value_set)
    return _score(vs, _parse(state, vs))


def levels_of(value_set: str) -> int:
    """3 or 5: the number of levels per dimension the named value set scores."""
    return _value_set(value_set).levels


@functools.cache
def index_table(value_set: str) -> np.ndarray:
    """The index of every state of the named value set, the states in the order of their
    digits (11111, 11112, …): state d1…d5 at Σ (dᵢ − 1)·levels^(5 − i). Read only."""
    vs = _value_set(value_set)
    table = np.asarray(
        [_score(vs, levels) for levels in itertools.product(range(1, vs.levels + 1), repeat=5)]
    )
    table.flags.writeable = False
    return table


@functools.cache
def value_range(value_set: str) -> tuple[float, float]:
    """The least and the greatest value the named value set gives any state."""
    table = index_table(value_set)
    return float(table.min()), float(table.max())
