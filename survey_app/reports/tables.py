"""Count tables of a report, registered in its Publication and shown once it is protected:
plain numpy and pandas.

Building a report has two phases: every sheet registers its counts (and how they relate) in one
`Publication`; the publication is protected as a whole; then each table is shown, hidden cells
as "<k" or "x", and each share or mean only where the counts it rests on are visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey_app.reports.compare import TOTAL
from survey_app.reports.protection import Publication


@dataclass
class Counts:
    """A registered table of counts: raw values, variable ids and labels per axis (the last
    label along an axis with a total is TOTAL)."""

    pub: Publication
    values: np.ndarray
    ids: np.ndarray
    labels: list[list[Any]]

    def shown(self) -> np.ndarray:
        return self.pub.shown(self.ids)

    def hidden(self) -> np.ndarray:
        return self.pub.hidden(self.ids)

    def frame(self, names: Sequence[str | None] = ()) -> pd.DataFrame:
        """Two axes: rows × columns. Three: (axis 0, axis 1) rows × axis 2 columns."""
        shown = self.shown()
        if shown.ndim == 2:
            out = pd.DataFrame(shown, index=self.labels[0], columns=self.labels[1], dtype=object)
            if names:
                out.index.name = names[0]
            return out
        index = pd.MultiIndex.from_product(self.labels[:2], names=list(names)[:2] or None)
        return pd.DataFrame(
            shown.reshape(-1, shown.shape[2]), index=index, columns=self.labels[2], dtype=object
        )

    def slice(self, axis: int, position: int) -> Counts:
        """One slice of the table (e.g. the totals over categories), sharing its variables."""
        labels = [axis_labels for a, axis_labels in enumerate(self.labels) if a != axis]
        return Counts(
            self.pub,
            np.take(self.values, position, axis=axis),
            np.take(self.ids, position, axis=axis),
            labels,
        )


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
        # (groupby: a third of crosstab's time, the same counts)
        matrix = frame.groupby([rows, columns]).size().unstack(fill_value=0)
        matrix = matrix.reindex(index=list(row_order), columns=list(column_order), fill_value=0)
    matrix[TOTAL] = matrix.sum(axis=1)
    matrix.loc[TOTAL] = matrix.sum(axis=0)
    return matrix.astype(int)


def matrix(
    pub: Publication,
    key: str,
    frame: pd.DataFrame,
    rows: str,
    row_order: Sequence[object],
    genders: Sequence[object],
    row_axis: str = "insats",
    labelled: bool = True,
) -> Counts:
    """Register the counts of `frame` by `rows` × gender, with totals (`labelled`: see
    Publication.table)."""
    counts = count_matrix(frame, rows, "gender", row_order, genders)
    values = counts.to_numpy(dtype=int)
    ids = pub.table(key, values, (True, True), axes=(row_axis, "gender"), labelled=labelled)
    return Counts(pub, values, ids, [list(counts.index), list(counts.columns)])


def column(pub: Publication, key: str, counts: pd.Series) -> Counts:
    """Register one column of counts by insats, with their total as the last row."""
    values = np.append(counts.to_numpy(dtype=int), int(counts.sum()))
    ids = pub.table(key, values, (True,), axes=("insats",))
    return Counts(pub, values, ids, [[*counts.index, TOTAL]])


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


def cube(
    pub: Publication,
    key: str,
    frame: pd.DataFrame,
    category: str,
    categories: Sequence[object],
    insatser: Sequence[object],
    genders: Sequence[object],
) -> Counts:
    """Register a category × insats × gender table: protected as one table, since its slices
    share cells (lines along every axis)."""
    values = count_cube(frame, category, categories, insatser, genders)
    ids = pub.table(key, values, (True, True, True), axes=("insats", "category", "gender"))
    labels = [[*insatser, TOTAL], [*categories, TOTAL], [*genders, TOTAL]]
    return Counts(pub, values, ids, labels)


def cube_of(
    pub: Publication,
    key: str,
    frame: pd.DataFrame,
    category: str,
    categories: Sequence[object],
    whole: Counts,
) -> Counts:
    """A category × insats × gender table whose "Totalt" over the categories is `whole` (insats
    × gender, e.g. the cohort on Översikt: every participation falls in one category, "Svar
    saknas" included). The categories are registered as their sum equal to `whole`'s cells, which
    are shown again as the table's "Totalt": the same count, no new variable."""
    insatser, genders = whole.labels[0][:-1], whole.labels[1][:-1]
    values = count_cube(frame, category, categories, insatser, genders)
    ids = pub.table(
        key, values[:, :-1, :], (True, False, True), axes=("insats", "category", "gender")
    )
    pub.add(whole.ids, [ids[:, c, :] for c in range(len(categories))])
    labels = [[*insatser, TOTAL], [*categories, TOTAL], [*genders, TOTAL]]
    return Counts(
        pub,
        np.concatenate([values[:, :-1, :], whole.values[:, None, :]], axis=1),
        np.concatenate([ids, whole.ids[:, None, :]], axis=1),
        labels,
    )


def share_values(numerators: Counts, denominators: Counts) -> np.ndarray:
    """numerator / denominator per cell, None where either count is hidden or the denominator
    is 0: a share beside a hidden count would give it away."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (
            numerators.values / np.where(denominators.values > 0, denominators.values, 1)
        ).astype(object)
    blank = numerators.hidden() | denominators.hidden() | (denominators.values == 0)
    out[blank] = None
    return out


def shares(numerators: Counts, denominators: Counts) -> pd.DataFrame:
    """Shares of two registered matrices of the same shape, as a table."""
    return pd.DataFrame(
        share_values(numerators, denominators),
        index=numerators.labels[0],
        columns=numerators.labels[1],
        dtype=object,
    )


def cube_shares(counts: Counts, names: Sequence[str]) -> pd.DataFrame:
    """Each cell as a share of its insats and gender's total over the categories."""
    totals = counts.slice(1, -1)
    whole = Counts(
        counts.pub,
        np.broadcast_to(totals.values[:, None, :], counts.values.shape),
        np.broadcast_to(totals.ids[:, None, :], counts.ids.shape),
        counts.labels,
    )
    cells = share_values(counts, whole)
    index = pd.MultiIndex.from_product(counts.labels[:2], names=list(names))
    return pd.DataFrame(
        cells.reshape(-1, cells.shape[2]), index=index, columns=counts.labels[2], dtype=object
    )
