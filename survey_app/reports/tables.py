"""Count and share tables with totals and small-group protection: plain pandas."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from survey_app.reports.compare import TOTAL
from survey_app.reports.suppress import suppress_matrix


def count_matrix(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    row_order: Sequence[object],
    column_order: Sequence[object],
) -> pd.DataFrame:
    """Counts of `frame`'s rows by two columns, in the given order, with a total row and column."""
    if frame.empty:
        matrix = pd.DataFrame(0, index=list(row_order), columns=list(column_order))
    else:
        matrix = pd.crosstab(frame[rows], frame[columns])
        matrix = matrix.reindex(index=list(row_order), columns=list(column_order), fill_value=0)
    matrix[TOTAL] = matrix.sum(axis=1)
    matrix.loc[TOTAL] = matrix.sum(axis=0)
    return matrix.astype(int)


def protected(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    return suppress_matrix(counts, k)


def hidden(shown: pd.DataFrame) -> pd.DataFrame:
    """Which cells of a protected table are hidden ("<k" or "x")."""
    return shown.map(lambda value: isinstance(value, str))


def shares(
    numerators: pd.DataFrame,
    denominators: pd.DataFrame,
    k: int,
    also_hidden: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share per cell, blank where the denominator is below k, the numerator is a small count,
    or either count is hidden in the tables shown beside it (`also_hidden`): a share must not
    let anyone work a hidden count out."""
    out = (numerators / denominators.where(denominators > 0)).astype(object)
    small = (denominators < k) | ((numerators > 0) & (numerators < k))
    if also_hidden is not None:
        small = small | also_hidden
    out[small] = None
    return out


def protected_shares(numerators: pd.DataFrame, denominators: pd.DataFrame, k: int) -> pd.DataFrame:
    """Shares of two count tables that are both shown protected."""
    mask = hidden(protected(numerators, k)) | hidden(protected(denominators, k))
    return shares(numerators, denominators, k, mask)


def column_shares(counts: pd.DataFrame, k: int) -> pd.DataFrame:
    """Each cell as a share of its column's total (e.g. exit reasons in percent per insats)."""
    totals = pd.DataFrame(
        [counts.loc[TOTAL].to_numpy()] * len(counts), index=counts.index, columns=counts.columns
    )
    mask = hidden(protected(counts, k))
    column_total_hidden = mask.loc[TOTAL]
    mask = mask | pd.DataFrame(
        [column_total_hidden.to_numpy()] * len(counts), index=counts.index, columns=counts.columns
    )
    return shares(counts, totals, k, mask)
