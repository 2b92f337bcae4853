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

import pandas as pd

from survey_app.reports.compare import TOTAL

SECONDARY = "x"


def primary_label(k: int) -> str:
    return f"<{k}"


def suppress_matrix(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    """Suppress a table of counts whose last row and last column may be totals labelled TOTAL.

    Returns a table of the same shape holding ints, "<k" or "x".
    """
    values = counts.astype(int)
    hidden = (values >= 1) & (values < k)
    secondary = pd.DataFrame(False, index=values.index, columns=values.columns)
    changed = True
    while changed:
        changed = False
        lines: list[tuple[str, object]] = []
        if TOTAL in values.columns:
            lines += [("row", label) for label in values.index]
        if TOTAL in values.index:
            lines += [("col", label) for label in values.columns]
        for axis, label in lines:
            if axis == "row":
                line_values, line_hidden = values.loc[label], hidden.loc[label]
                total_key, cell = TOTAL, (lambda part, lbl=label: (lbl, part))
            else:
                line_values, line_hidden = values[label], hidden[label]
                total_key, cell = TOTAL, (lambda part, lbl=label: (part, lbl))
            parts = [p for p in line_values.index if p != total_key]
            # One hidden cell in a line (a part, or the total) follows from the others.
            if sum(bool(line_hidden[p]) for p in [*parts, total_key]) != 1:
                continue
            candidates = [p for p in parts if not line_hidden[p] and line_values[p] > 0]
            if candidates:
                target = cell(min(candidates, key=lambda p: line_values[p]))
            elif not line_hidden[total_key]:
                target = cell(total_key)  # the other parts are all zero
            else:
                continue  # a hidden total over parts that are all zero reveals nothing
            hidden.loc[target[0], target[1]] = True
            secondary.loc[target[0], target[1]] = True
            changed = True
    shown = values.astype(object)
    shown[hidden & ~secondary] = primary_label(k)
    shown[secondary] = SECONDARY
    return shown


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
