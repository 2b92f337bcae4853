"""Pairing START with EXIT and comparing them: plain pandas, no Flask, no database.

Input is a long table of measurements, one row per participation, occasion and measure:

    participation_id | group columns (e.g. insats, gender) | occasion | measure | value

A participation counts in the comparison of a measure only if it has a value at both START and
EXIT ("a pair"). Beside every paired figure the number with a START value but no EXIT value is
reported, so that attrition is visible.

A series compares START the same way with any later occasion (`step`: "exit", a follow-up
"followup:N", a follow-up N months after the exit "after:N"); the columns keep their names
("mean_exit" is the later occasion's mean).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

TOTAL = "Totalt"
MIN_PAIRS_FOR_WILCOXON = 10

COLUMNS = [
    "n_start",
    "n_pairs",
    "n_without_exit",
    "mean_start",
    "mean_exit",
    "mean_change",
    "ci_low",
    "ci_high",
    "p_wilcoxon",
    "share_improved",
    "share_unchanged",
    "share_worsened",
]


@dataclass(frozen=True)
class PairStats:
    n_start: int
    n_pairs: int
    n_without_exit: int
    mean_start: float | None
    mean_exit: float | None
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    p_wilcoxon: float | None
    share_improved: float | None
    share_unchanged: float | None
    share_worsened: float | None


def pair_start_exit(measurements: pd.DataFrame, step: str = "exit") -> pd.DataFrame:
    """One row per participation and measure with its START value and its value at `step` as
    "exit" (NaN where missing)."""
    keys = [c for c in measurements.columns if c not in ("occasion", "value")]
    wide = measurements[measurements["occasion"].isin(["start", step])].pivot_table(
        index=keys, columns="occasion", values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=["start", step])
    wide.columns = ["start", "exit"]
    return wide.reset_index()


def pair_stats(
    start: Sequence[float], exit_: Sequence[float], direction: str, p_value: bool = True
) -> PairStats:
    """Statistics of one group's START and EXIT values (aligned; NaN where missing).

    Changes are EXIT − START; "improved" follows the measure's direction (higher or lower is
    better). The 95 % confidence interval of the mean change uses the t distribution. Without
    `p_value` the Wilcoxon p is left out (see `wilcoxon_of`).
    """
    s = np.asarray(start, dtype=float)
    e = np.asarray(exit_, dtype=float)
    has_start = ~np.isnan(s)
    paired = has_start & ~np.isnan(e)
    n_start, n_pairs = int(has_start.sum()), int(paired.sum())
    if n_pairs == 0:
        return PairStats(n_start, 0, n_start, *([None] * 9))
    change = e[paired] - s[paired]
    better = change > 0 if direction == "higher" else change < 0
    worse = change < 0 if direction == "higher" else change > 0
    mean_change = float(change.mean())
    ci_low = ci_high = None
    if n_pairs >= 2:
        half = float(_t_975(n_pairs - 1) * change.std(ddof=1) / math.sqrt(n_pairs))
        ci_low, ci_high = mean_change - half, mean_change + half
    return PairStats(
        n_start=n_start,
        n_pairs=n_pairs,
        n_without_exit=n_start - n_pairs,
        mean_start=float(s[paired].mean()),
        mean_exit=float(e[paired].mean()),
        mean_change=mean_change,
        ci_low=ci_low,
        ci_high=ci_high,
        p_wilcoxon=wilcoxon_ps([change])[0] if p_value else None,
        share_improved=float(better.mean()),
        share_unchanged=float((change == 0).mean()),
        share_worsened=float(worse.mean()),
    )


@functools.cache
def _t_975(degrees_of_freedom: int) -> float:
    """The t distribution's 97.5 % quantile (the same few group sizes recur in a report)."""
    return float(stats.t.ppf(0.975, degrees_of_freedom))


def wilcoxon_ps(changes: Sequence[np.ndarray]) -> list[float | None]:
    """Two-sided Wilcoxon signed-rank p-values of many groups' paired changes: None below
    MIN_PAIRS_FOR_WILCOXON pairs, 1 where nothing changed.

    Exact for up to 50 pairs without ties or zero changes; otherwise the normal approximation
    with tie correction (answers on a 1–10 scale tie a lot, and scipy's fallback for ties in
    small samples, a permutation test, costs seconds per call).

    scipy works out many groups in one call (a report shows hundreds, and its cost is per
    call): groups of one method and a similar size are rows of one matrix, each padded with
    zero changes, which the test drops (its "wilcox" treatment of zeros), so a group's p is
    the same as alone.
    """
    p: list[float | None] = [None] * len(changes)
    batches: dict[tuple[bool, int], list[int]] = {}
    for i, change in enumerate(changes):
        if len(change) < MIN_PAIRS_FOR_WILCOXON:
            continue
        if not change.any():
            p[i] = 1.0
            continue
        nonzero = change[change != 0]
        magnitudes = np.abs(nonzero)
        ties = len(np.unique(magnitudes)) < len(magnitudes)
        exact = len(nonzero) == len(change) and not ties and len(change) <= 50
        # Sizes within a factor of two share a matrix: padding at most doubles it.
        batches.setdefault((exact, len(change).bit_length()), []).append(i)
    for (exact, _), members in batches.items():
        matrix = np.zeros((len(members), max(len(changes[i]) for i in members)))
        for row, i in enumerate(members):
            matrix[row, : len(changes[i])] = changes[i]
        found = stats.wilcoxon(matrix, axis=1, method="exact" if exact else "approx").pvalue
        for row, i in enumerate(members):
            p[i] = float(found[row])
    return p


def compare(
    measurements: pd.DataFrame,
    directions: Mapping[str, str],
    by: Sequence[str] = ("insats", "gender"),
    cross: bool = True,
    step: str = "exit",
    p_values: bool = True,
) -> pd.DataFrame:
    """Paired comparison of every measure for every group of `by` and its totals: START with
    `step` (EXIT unless told otherwise).

    Totals are labelled "Totalt": for two group columns (insats, gender) the result has each
    insats × gender, each insats in total, each gender over all insatser, and the grand total;
    `cross=False` leaves out the groups with more than one column fixed (insats × gender).
    `p_values=False` leaves the Wilcoxon p out (`wilcoxon_of` gives it group by group).
    """
    return _compare_pairs(pair_start_exit(measurements, step), directions, by, cross, p_values)


def shown_comparison(
    measurements: pd.DataFrame, directions: Mapping[str, str], step: str = "exit"
) -> tuple[pd.DataFrame, pd.DataFrame, PValueOf]:
    """`compare` by insats and by gender (not the cross) without the Wilcoxon p; the same for
    each insats × gender group, which a report never shows (its counts are the true point the
    small-group protection's programs start from: protection.Publication); and how to work out
    the p for the groups a report shows. All from one pairing of the measurements."""
    pairs = pair_start_exit(measurements, step)
    by = ["insats", "gender"]
    return (
        _compare_pairs(pairs, directions, by, False, p_values=False),
        _compare_groups(_fixed_groups(pairs, by), directions, by, p_values=False),
        _wilcoxon_of_pairs(pairs),
    )


def _compare_pairs(
    pairs: pd.DataFrame,
    directions: Mapping[str, str],
    by: Sequence[str],
    cross: bool,
    p_values: bool,
) -> pd.DataFrame:
    return _compare_groups(_groupings(pairs, list(by), cross), directions, by, p_values)


def _compare_groups(
    groups: list[tuple[dict[str, object], pd.DataFrame]],
    directions: Mapping[str, str],
    by: Sequence[str],
    p_values: bool,
) -> pd.DataFrame:
    rows = []
    for keys, frame in groups:
        for measure, part in frame.groupby("measure", sort=False):
            direction = directions.get(str(measure), "higher")
            result = pair_stats(
                part["start"].to_numpy(), part["exit"].to_numpy(), direction, p_values
            )
            rows.append({**keys, "measure": measure, **result.__dict__})
    return pd.DataFrame(rows, columns=[*by, "measure", *COLUMNS])


class PValueOf:
    """The Wilcoxon p of groups a report shows, (an insats or TOTAL, a gender or TOTAL, a
    measure) → p, from their changes (EXIT − START); None for a group with no pairs."""

    def __init__(self, changes: Mapping[tuple[object, object, str], np.ndarray]) -> None:
        self._changes = changes

    def __call__(self, insats: object, gender: object, measure: str) -> float | None:
        return self.many([(insats, gender, measure)])[0]

    def many(self, groups: Sequence[tuple[object, object, str]]) -> list[float | None]:
        """The p of each group at once (see wilcoxon_ps)."""
        known = [i for i, group in enumerate(groups) if group in self._changes]
        p: list[float | None] = [None] * len(groups)
        found = wilcoxon_ps([self._changes[groups[i]] for i in known])
        for i, value in zip(known, found, strict=True):
            p[i] = value
        return p


def wilcoxon_of(measurements: pd.DataFrame, step: str = "exit") -> PValueOf:
    """The Wilcoxon p of one group as `compare(..., p_values=False)` leaves it out: the
    slowest statistic, worked out only for the groups a report shows (a hidden group's
    statistics are blank anyway)."""
    if measurements.empty:
        return PValueOf({})
    return _wilcoxon_of_pairs(pair_start_exit(measurements, step))


def _wilcoxon_of_pairs(pairs: pd.DataFrame) -> PValueOf:
    changes: dict[tuple[object, object, str], np.ndarray] = {}
    if not pairs.empty:
        pairs = pairs[pairs["start"].notna() & pairs["exit"].notna()]
        # Each group's changes by position, grouped once (a national report has millions of
        # pairs: masks per group shown would cost seconds).
        for measure, part in pairs.groupby("measure", sort=False):
            change = part["exit"].to_numpy() - part["start"].to_numpy()
            changes[(TOTAL, TOTAL, str(measure))] = change
            for by in (["insats"], ["gender"], ["insats", "gender"]):
                for key, at in part.groupby(by).indices.items():
                    values = key if isinstance(key, tuple) else (key,)
                    group = dict(zip(by, values, strict=True))
                    insats, gender = group.get("insats", TOTAL), group.get("gender", TOTAL)
                    changes[(insats, gender, str(measure))] = change[at]
    return PValueOf(changes)


def _fixed_groups(
    frame: pd.DataFrame, by: list[str]
) -> list[tuple[dict[str, object], pd.DataFrame]]:
    """The groups with every column of `by` fixed (e.g. each insats × gender)."""
    out: list[tuple[dict[str, object], pd.DataFrame]] = []
    for values, part in frame.groupby(by, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        out.append((dict(zip(by, values, strict=True)), part))
    return out


def _groupings(
    frame: pd.DataFrame, by: list[str], cross: bool = True
) -> list[tuple[dict[str, object], pd.DataFrame]]:
    """Every combination of each group column being a value or "Totalt" (without `cross`, at
    most one column a value)."""
    out: list[tuple[dict[str, object], pd.DataFrame]] = []
    for mask in range(2 ** len(by)):
        fixed = [col for i, col in enumerate(by) if not mask & (1 << i)]
        if not cross and len(fixed) > 1:
            continue
        if fixed:
            for keys, part in _fixed_groups(frame, fixed):
                keys.update({col: TOTAL for col in by if col not in fixed})
                out.append((keys, part))
        else:
            out.append(({col: TOTAL for col in by}, frame))
    return out
