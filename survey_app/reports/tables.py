"""Count and share tables with totals and small-group protection: plain pandas."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey_app.reports.compare import TOTAL
from survey_app.reports.suppress import SECONDARY, primary_label, suppress_cube, suppress_matrix


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


# --- category × insats × gender ----------------------------------------------------------------
# A register or satisfaction question is reported per insats and in total, split by gender and
# in total: a cube of counts. It is protected as one table (lines along every axis), because
# its slices share cells: protecting slices one by one could let a hidden cell be worked out.


def count_cube(
    frame: pd.DataFrame,
    category: str,
    categories: Sequence[object],
    insatser: Sequence[object],
    genders: Sequence[object],
) -> np.ndarray:
    """Counts by insats × category × gender; the last index along each axis is the total."""
    values = np.zeros((len(insatser) + 1, len(categories) + 1, len(genders) + 1), dtype=int)
    if not frame.empty:
        where = (
            {v: n for n, v in enumerate(insatser)},
            {v: n for n, v in enumerate(categories)},
            {v: n for n, v in enumerate(genders)},
        )
        for (insats, value, gender), n in (
            frame.groupby(["insats", category, "gender"], dropna=True).size().items()
        ):
            if insats in where[0] and value in where[1] and gender in where[2]:
                values[where[0][insats], where[1][value], where[2][gender]] += n
    values[:, :, -1] = values[:, :, :-1].sum(axis=2)
    values[:, -1, :] = values[:, :-1, :].sum(axis=1)
    values[-1, :, :] = values[:-1, :, :].sum(axis=0)
    return values


def protected_cube(values: np.ndarray, k: int) -> np.ndarray:
    """The cube's cells as shown: ints, "<k" or "x"."""
    hidden, secondary = suppress_cube(values, k, (True, True, True))
    shown = values.astype(object)
    shown[hidden & ~secondary] = primary_label(k)
    shown[secondary] = SECONDARY
    return shown


def cube_shares(values: np.ndarray, k: int) -> np.ndarray:
    """Each cell as a share of its insats and gender's total over the categories, blank where
    either count is small or hidden (see `shares`)."""
    shown = protected_cube(values, k)
    hidden_cells = np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(shown)
    totals = np.broadcast_to(values[:, -1:, :], values.shape)
    totals_hidden = np.broadcast_to(hidden_cells[:, -1:, :], values.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (values / np.where(totals > 0, totals, 1)).astype(object)
    blank = (
        (totals < k) | ((values > 0) & (values < k)) | hidden_cells | totals_hidden | (totals == 0)
    )
    out[blank] = None
    return out


def cube_frame(
    cells: np.ndarray,
    insatser: Sequence[object],
    categories: Sequence[object],
    genders: Sequence[object],
    category_name: str,
) -> pd.DataFrame:
    """A cube as a long table: a row per insats (then Totalt) and category (then Totalt), a
    column per gender and Totalt."""
    index = pd.MultiIndex.from_product(
        [[*insatser, TOTAL], [*categories, TOTAL]], names=["Insats", category_name]
    )
    return pd.DataFrame(
        cells.reshape(-1, cells.shape[2]), index=index, columns=[*genders, TOTAL], dtype=object
    )
