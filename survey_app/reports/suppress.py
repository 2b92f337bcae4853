"""Small-group protection: plain pandas, no Flask, no database.

Counts from 1 to k−1 are shown as "<k" (primary suppression). Then, wherever a row or column has
a total and exactly one of its parts is hidden, that part could be worked out from the total and
the visible parts; so the smallest visible non-zero part is hidden too, shown as "x"
(complementary suppression); likewise a hidden total whose parts are all visible. Repeated
until no line (row or column with a total) has exactly one hidden cell. Statistics
(means, shares, p-values) computed from fewer than k participants are left blank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey_app.reports.compare import TOTAL

SECONDARY = "x"


def primary_label(k: int) -> str:
    return f"<{k}"


def suppress_matrix(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    """Suppress a table of counts whose last row and last column may be totals labelled TOTAL.

    Returns a table of the same shape holding ints, "<k" or "x".
    """
    rows = [r for r in counts.index if r != TOTAL] + ([TOTAL] if TOTAL in counts.index else [])
    cols = [c for c in counts.columns if c != TOTAL] + ([TOTAL] if TOTAL in counts.columns else [])
    ordered = counts.loc[rows, cols]
    values = ordered.to_numpy(dtype=int)
    hidden, secondary = suppress_cube(values, k, (TOTAL in counts.index, TOTAL in counts.columns))
    shown = pd.DataFrame(values.astype(object), index=ordered.index, columns=ordered.columns)
    shown = shown.mask(hidden & ~secondary, primary_label(k)).mask(secondary, SECONDARY)
    return shown.loc[counts.index, counts.columns]


def suppress_cube(
    values: np.ndarray, k: int, totals: Sequence[bool]
) -> tuple[np.ndarray, np.ndarray]:
    """Primary and complementary suppression of an n-dimensional table of counts.

    `totals[axis]` says whether the last index along that axis is the total of the others. A
    line is every run of cells along an axis with a total. Returns (hidden, secondary) masks.
    """
    hidden = (values >= 1) & (values < k)
    secondary = np.zeros(values.shape, dtype=bool)
    # Lines along the last axis first: for a matrix, rows before columns.
    axes = [axis for axis in reversed(range(values.ndim)) if totals[axis]]
    changed = True
    while changed:
        changed = False
        for axis in axes:
            line_values = np.moveaxis(values, axis, -1)
            line_hidden = np.moveaxis(hidden, axis, -1)  # views: writes reach `hidden`
            line_secondary = np.moveaxis(secondary, axis, -1)
            for index in np.ndindex(line_values.shape[:-1]):
                cells, shut = line_values[index], line_hidden[index]
                # One hidden cell in a line (a part, or the total) follows from the others.
                if int(shut.sum()) != 1:
                    continue
                parts = range(len(cells) - 1)
                candidates = [p for p in parts if not shut[p] and cells[p] > 0]
                if candidates:
                    target = min(candidates, key=lambda p: cells[p])
                elif not shut[-1]:
                    target = len(cells) - 1  # the other parts are all zero
                else:
                    continue  # a hidden total over parts that are all zero reveals nothing
                shut[target] = True
                line_secondary[index][target] = True
                changed = True
    return hidden, secondary


def suppress_long(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    row: str,
    col: str,
    k: int,
    within: Sequence[str] = (),
) -> pd.DataFrame:
    """Apply `suppress_matrix` to each count column of a long table, as a `row` × `col` matrix,
    separately for each combination of the `within` columns (e.g. per measure)."""
    out = frame.copy()
    for column in count_columns:
        out[column] = out[column].astype(object)
    groups = frame.groupby(list(within), sort=False) if within else [((), frame)]
    for _, part in groups:
        for column in count_columns:
            numeric = pd.to_numeric(part[column]).fillna(0).astype(int)
            matrix = part.assign(**{column: numeric}).pivot(index=row, columns=col, values=column)
            matrix = matrix.fillna(0).astype(int)
            matrix = _total_last(matrix)
            shown = suppress_matrix(matrix, k)
            for index in part.index:
                out.at[index, column] = shown.loc[part.at[index, row], part.at[index, col]]
    return out


def blank_small(
    frame: pd.DataFrame, n_column: str, stat_columns: Sequence[str], k: int
) -> pd.DataFrame:
    """Blank every statistic computed from fewer than k participants."""
    out = frame.copy()
    small = pd.to_numeric(frame[n_column], errors="coerce").fillna(0) < k
    for column in stat_columns:
        out[column] = out[column].astype(object)
        out.loc[small, column] = None
    return out


def _total_last(matrix: pd.DataFrame) -> pd.DataFrame:
    rows = [r for r in matrix.index if r != TOTAL] + ([TOTAL] if TOTAL in matrix.index else [])
    cols = [c for c in matrix.columns if c != TOTAL] + ([TOTAL] if TOTAL in matrix.columns else [])
    return matrix.loc[rows, cols]
