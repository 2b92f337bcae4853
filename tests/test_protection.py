"""Small-group protection of one publication (survey_app/reports/protection.py), on plain data.

Expected patterns are worked out by hand; ranges a reader can deduce are checked by brute force
over every integer value the hidden cells could take (an independent method: no LP), or where
the tables are too large for that by scipy's linprog (not the protection's own programs).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from typing import Any

import numpy as np
import pytest

from survey_app.reports import linear_program, protection
from survey_app.reports.protection import Publication


def _matrix(body: list[list[int]]) -> np.ndarray:
    """Rows × columns with a total column and a total row added."""
    values = np.asarray(body, dtype=int)
    values = np.column_stack([values, values.sum(axis=1)])
    return np.vstack([values, values.sum(axis=0)])


def _shown(values: np.ndarray, k: int = 5, keep: str = "totals") -> np.ndarray:
    pub = Publication(k, keep=keep)
    ids = pub.table("t", values, (True,) * values.ndim, axes=("insats", "gender")[: values.ndim])
    pub.protect()
    return pub.shown(ids)


def brute_force_ranges(shown: np.ndarray, k: int, limit: int) -> dict[tuple[int, ...], set[int]]:
    """Every value each hidden cell of a matrix with totals can take, given what is shown:
    "<k" = 1..k−1, "x" = k..limit, and every row and column adding up. Every combination of
    the hidden inner cells is tried at once (numpy); totals follow from the inner cells."""
    inner = shown[:-1, :-1]
    hidden = [index for index, v in np.ndenumerate(inner) if isinstance(v, str)]
    choices = [
        np.arange(1, k) if inner[index] != "x" else np.arange(k, limit + 1) for index in hidden
    ]
    grids = np.meshgrid(*choices, indexing="ij") if choices else []
    flat = [g.ravel() for g in grids]
    count = flat[0].size if flat else 1
    cells = np.empty((count, *inner.shape), dtype=int)
    for index, value in np.ndenumerate(inner):
        if not isinstance(value, str):
            cells[(slice(None), *index)] = int(value)
    for index, values in zip(hidden, flat, strict=True):
        cells[(slice(None), *index)] = values
    rows, columns = cells.sum(axis=2), cells.sum(axis=1)
    grand = cells.sum(axis=(1, 2))
    ok = np.ones(count, dtype=bool)
    totals = [
        *(((i, shown.shape[1] - 1), rows[:, i]) for i in range(inner.shape[0])),
        *(((shown.shape[0] - 1, j), columns[:, j]) for j in range(inner.shape[1])),
        ((shown.shape[0] - 1, shown.shape[1] - 1), grand),
    ]
    total_values = {}
    for index, value in totals:
        label = shown[index]
        if label == "x":
            ok &= value >= k
        elif isinstance(label, str):
            ok &= (value >= 1) & (value < k)
        else:
            ok &= value == int(label)
        total_values[index] = value
    possible: dict[tuple[int, ...], set[int]] = {}
    for index, values in zip(hidden, flat, strict=True):
        possible[index] = set(values[ok].tolist())
    for index, value in total_values.items():
        if isinstance(shown[index], str):
            possible[index] = set(value[ok].tolist())
    return possible


def labels_only(shown: np.ndarray, k: int) -> np.ndarray:
    """What a reader knows without the numbers: a visible count is 0 or at least k."""
    return np.vectorize(lambda v: v if isinstance(v, str) or v == 0 else "x", otypes=[object])(
        shown
    )


def assert_nothing_narrowed(shown: np.ndarray, k: int, limit: int) -> None:
    """Each "<k" keeps 1..k−1 and each "x" k−1 values, except where the labels alone already
    allow less (a "<5" total over two hidden parts): then the numbers may narrow no further."""
    published = brute_force_ranges(shown, k, limit)
    labels = brute_force_ranges(labels_only(shown, k), k, limit)
    for index, values in published.items():
        if shown[index] == "x":
            assert len(values) >= min(k - 1, len(labels[index])), (index, values)
        else:
            assert values >= (set(range(1, k)) & labels[index]), (index, values, labels[index])


def test_159_women_74_men_2_annat_keeps_the_total_by_default() -> None:
    values = _matrix([[159, 74, 2, 0]])
    assert list(_shown(values, 5)[0]) == [159, "x", "<5", 0, 235]
    assert list(_shown(values, 3)[0]) == [159, "x", "<3", 0, 235]


def test_159_women_74_men_2_annat_keeps_the_men_when_the_forbund_keeps_genders() -> None:
    values = _matrix([[159, 74, 2, 0]])
    assert list(_shown(values, 5, keep="genders")[0]) == [159, 74, "<5", 0, "x"]
    assert list(_shown(values, 3, keep="genders")[0]) == [159, 74, "<3", 0, "x"]


def test_a_hidden_x_is_at_least_k_so_a_total_can_narrow_a_small_cell() -> None:
    """6 women and 2 men: hiding the 6 beside a total of 8 is not enough, since a hidden "x"
    is at least 5 and would leave the men at most 3. Hiding the total is: men = total − 6,
    and a total from 7 to 10 leaves the men anything from 1 to 4 (and the total 4 values)."""
    shown = _shown(_matrix([[6, 2, 0, 0]]))
    assert list(shown[0]) == [6, "<5", 0, 0, "x"]
    assert_nothing_narrowed(shown, 5, limit=30)


def test_two_small_cells_in_a_row_that_add_up_to_little_are_not_enough() -> None:
    """A: 3 and 4 (total 7). Hidden together beside a visible 7, the 3 could only be 3 or 4."""
    shown = _shown(_matrix([[3, 4], [10, 12]]))
    assert shown[0, 0] == "<5" and shown[0, 1] == "<5"
    assert_nothing_narrowed(shown, 5, limit=40)


@pytest.mark.parametrize("seed", range(12))
def test_random_matrices_leave_every_hidden_cell_its_whole_range(seed: int) -> None:
    rng = random.Random(seed)
    body = [[rng.choice([0, 0, 1, 2, 3, 5, 7]) for _ in range(3)] for _ in range(2)]
    k = rng.choice([3, 4, 5])
    values = _matrix(body)
    shown = _shown(values, k)
    small = (values >= 1) & (values < k)
    assert all(shown[small] == f"<{k}")
    assert_nothing_narrowed(shown, k, limit=int(values.max()) + k)


def test_an_x_a_reader_works_out_is_shown_even_past_the_limit_of_showing_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A: 1 and 1, B: 1 and 12, k = 3. The three 1s and the totals 2 are "<3"; the 12 is
    hidden beside them, but a reader works it out: each "<3" is at least 1 and the first
    column's "<3" total at most 2, so that column is 1 and 1, and the 12 is 13 − 1. As if it
    had already been shown and hidden again as often as allowed (PUBLISH_AGAIN = 0): when it
    is all that still fails, it is shown, not kept as an "x" that has more hidden beside it."""
    monkeypatch.setattr(protection, "PUBLISH_AGAIN", 0)
    shown = _shown(_matrix([[1, 1], [1, 12]]), 3)
    assert shown.tolist() == [["<3", "<3", "<3"], ["<3", 12, 13], ["<3", 13, 15]]
    assert_nothing_narrowed(shown, 3, limit=20)


def test_linked_tables_share_their_hidden_cells() -> None:
    """Participants = ended + ongoing, cell by cell. Ended: A 6 women, 1 man; ongoing: A 0
    women, 6 men. Protected one by one, 'participants' would show 6 women beside an ended 6
    (and so 0 ongoing women, visible anyway) — fine — but the men 7 beside an ongoing 6 would
    give the ended 1 back."""
    pub = Publication(5)
    ended = pub.table("ended", _matrix([[6, 1]]), (True, True), ("insats", "gender"))
    ongoing = pub.table("ongoing", _matrix([[0, 6]]), (True, True), ("insats", "gender"))
    everyone = pub.table("all", _matrix([[6, 7]]), (True, True), ("insats", "gender"))
    pub.add(everyone, [ended, ongoing])
    pub.protect()
    assert pub.shown(ended)[0, 1] == "<5"
    men = [pub.shown(t)[0, 1] for t in (everyone, ongoing)]
    assert "x" in men, "7 − 6 would give the one man who ended"


def test_the_same_count_on_two_sheets_is_hidden_in_both() -> None:
    pub = Publication(5)
    table = pub.table("t", _matrix([[12, 2]]), (True, True), ("insats", "gender"))
    column = pub.table("c", np.asarray([12, 12]), (True,), ("insats",))
    pub.same(column, table[:, 0])
    pub.protect()
    assert pub.shown(table)[0, 0] == "x"
    assert list(pub.shown(column)) == ["x", "x"]


def test_means_beside_visible_counts_cannot_pin_a_hidden_count() -> None:
    """A×women 2 (hidden), A×men 6, B×women 6, B×men 6; scale 1..10. Everyone in A answers
    10 and everyone in B answers 1. With the means of A, B, women and men all shown, a reader
    gets: A's sum 80 = 10 × 8 means every A cell is at the top, B's 12 = 1 × 12 every B cell
    at the bottom, and women's 26 = 10·a + 1·(8 − a) gives a = 2. So some of those means (and
    their counts) must go."""
    counts = _matrix([[2, 6], [6, 6]])
    per_person = np.asarray([[10, 10], [1, 1]], dtype=float)
    sums = np.zeros(counts.shape)
    sums[:-1, :-1] = counts[:-1, :-1] * per_person
    sums[:-1, -1] = sums[:-1, :-1].sum(axis=1)
    sums[-1, :] = sums[:-1, :].sum(axis=0)
    pub = Publication(5)
    ids = pub.table("t", counts, (True, True), ("insats", "gender"))
    pub.sums(ids, sums, (True, True), value_range=(1, 10))
    pub.protect()
    shown = pub.shown(ids)
    assert shown[0, 0] == "<5"
    # Independently: with every visible group's sum known, the hidden A×women count a must
    # still be able to be 1 and 4. For each a, check by LP (scipy) over the hidden sums.
    from scipy.optimize import linprog

    visible = [(i, j) for (i, j), v in np.ndenumerate(shown) if not isinstance(v, str)]
    for a in (1, 4):
        feasible = _feasible_with_means(shown, counts, sums, visible, a, linprog)
        assert feasible, f"A×women = {a} should remain possible"


def _feasible_with_means(shown, counts, sums, visible, a, linprog) -> bool:  # type: ignore[no-untyped-def]
    """Is there a table of counts (integers by brute force) and sums (LP) consistent with
    everything shown, with A×women = a?"""
    inner = shown[:-1, :-1]
    ranges = []
    for index, label in np.ndenumerate(inner):
        if index == (0, 0):
            ranges.append([a])
        elif label == "x":
            ranges.append(range(5, 21))
        elif isinstance(label, str):
            ranges.append(range(1, 5))
        else:
            ranges.append([int(label)])
    for guess in itertools.product(*ranges):
        grid = np.zeros(shown.shape, dtype=int)
        grid[:-1, :-1] = np.asarray(guess).reshape(inner.shape)
        grid[:-1, -1] = grid[:-1, :-1].sum(axis=1)
        grid[-1, :] = grid[:-1, :].sum(axis=0)
        if not all(_fits(shown[index], int(grid[index])) for index, _ in np.ndenumerate(grid)):
            continue
        # Sums: one unknown per cell; known where the count is shown; lines add up; bounds.
        cells = [index for index, _ in np.ndenumerate(grid)]
        position = {index: n for n, index in enumerate(cells)}
        eq_rows, eq_rhs = [], []
        for index in visible:
            row = np.zeros(len(cells))
            row[position[index]] = 1
            eq_rows.append(row)
            eq_rhs.append(sums[index])
        for i in range(grid.shape[0]):
            row = np.zeros(len(cells))
            row[position[(i, grid.shape[1] - 1)]] = 1
            for j in range(grid.shape[1] - 1):
                row[position[(i, j)]] = -1
            eq_rows.append(row)
            eq_rhs.append(0)
        for j in range(grid.shape[1]):
            row = np.zeros(len(cells))
            row[position[(grid.shape[0] - 1, j)]] = 1
            for i in range(grid.shape[0] - 1):
                row[position[(i, j)]] = -1
            eq_rows.append(row)
            eq_rhs.append(0)
        bounds = [(1 * grid[index], 10 * grid[index]) for index in cells]
        result = linprog(np.zeros(len(cells)), A_eq=eq_rows, b_eq=eq_rhs, bounds=bounds)
        if result.status == 0:
            return True
    return False


def _fits(label: object, value: int) -> bool:
    if label == "x":
        return value >= 5
    if isinstance(label, str):
        return 1 <= value <= 4
    return value == label


def test_nothing_is_hidden_when_every_count_is_zero_or_large() -> None:
    shown = _shown(_matrix([[0, 12], [7, 0]]))
    assert not any(isinstance(v, str) for v in shown.flat)


def test_a_three_way_table_is_protected_along_every_axis() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        values = np.zeros((3, 4, 3), dtype=int)
        values[:-1, :-1, :-1] = rng.choice([0, 0, 1, 2, 6, 9], size=(2, 3, 2))
        values[:, :, -1] = values[:, :, :-1].sum(axis=2)
        values[:, -1, :] = values[:, :-1, :].sum(axis=1)
        values[-1, :, :] = values[:-1, :, :].sum(axis=0)
        pub = Publication(5)
        ids = pub.table("cube", values, (True, True, True), ("insats", "category", "gender"))
        pub.protect()
        hidden = pub.hidden(ids)
        for axis in range(3):
            lines = np.moveaxis(hidden, axis, -1).reshape(-1, values.shape[axis])
            assert (lines.sum(axis=1) != 1).all()


def test_a_share_blank_beside_a_hidden_whole_tells_nothing_of_its_part() -> None:
    """k = 3. Pairs by insats: A 2, B 2, in total 4; A's pairs improved 1 and unchanged 1, B's
    improved 1 and worsened 1 (counts printed only as shares of the pairs). A and B are "<3";
    beside them their shares are blank, so a reader does not know that A improved at all.
    A visible total of 4 would pin A and B at 2 each (each at most 2): the total must go.
    Before shares were tied to their wholes, the protection counted the blank shares' parts
    as known to be at least 1 — which made 2 look like all the labels alone allowed."""
    pub = Publication(3, cross=True)
    pairs = pub.table("pairs", np.asarray([2, 2, 4]), (True,), axes=("insats",))
    outcomes = pub.table(
        "outcomes",
        np.asarray([[1, 1, 2], [1, 0, 1], [0, 1, 1]]),  # improved, unchanged, worsened
        (False, True),
        axes=("outcome", "insats"),
        labelled=False,
    )
    pub.add(pairs, list(outcomes))
    pub.share_of(outcomes, pairs)
    pub.protect()
    assert list(pub.shown(pairs)) == ["<3", "<3", "x"]
    assert pub.hidden(outcomes).all()  # every share beside a hidden count is blank


def test_a_sum_beside_a_count_shown_as_pinned_keeps_the_bounds_a_reader_knows() -> None:
    """Counts 7 + 8 = 15, with the sums behind their means (answers 1..10). With the 8 and the
    15 hidden as "x" and the 7 shown as pinned (veiled: its mean stays blank), a reader still
    knows that the 7's sum is at least 7 (seven answers of at least 1). The audit's program
    must know it too: left free, that sum is 15's sum − 8's sum, which falls without end as
    the two "x" grow, and the audit would allow ranges a reader can narrow."""
    pub = Publication(5)
    counts = pub.table("t", np.asarray([7, 8, 15]), (True,), ("insats",))
    sums = pub.sums(counts, np.asarray([21.0, 32.0, 53.0]), (True,), value_range=(1, 10))
    pub.protect()  # nothing below 5: nothing hidden, and the audit's arrays are made
    hidden = np.zeros(len(pub._values), dtype=bool)
    hidden[[counts[1], counts[2]]] = True
    secondary = hidden.copy()
    pub._published[counts[0]] = True
    shut = pub._is_hidden(hidden)
    assert shut[sums].all() and not shut[counts[0]]

    low, _, _ = pub._ranges(
        np.flatnonzero(shut).tolist(), pub._relations, [int(sums[0])], secondary
    )

    assert low[int(sums[0])] == pytest.approx(7.0)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("last", ["up", "down"])
def test_single_targets_go_on_from_the_batches_vertex_without_the_capped_copies(
    seed: int, last: str
) -> None:
    """Program.without_caps: the program of a 4 × 4 table of hidden counts with its margins
    published, after two batches (every target pulled to one end of its range, then to the
    other: `last`), drops the capped copies and goes on from the same vertex; every least
    and greatest value is the one scipy's linprog gives for the table without copies."""
    from scipy.optimize import linprog

    k = 5
    values = np.random.default_rng(seed).integers(1, 12, size=(4, 4)).astype(float).ravel()
    n = len(values)
    is_x = values >= k
    lower = np.where(is_x, k, 1.0)
    upper = np.where(is_x, np.inf, k - 1.0)
    margins = np.zeros((8, n))
    for i in range(4):
        margins[i, 4 * i : 4 * i + 4] = 1  # row i
        margins[4 + i, i::4] = 1  # column i
    totals = margins @ values
    row, column = np.nonzero(margins)
    rows = linear_program.Rows(totals, totals, row, column, margins[row, column])
    top = np.where(is_x, values + k - 2, k - 1.0)
    bottom = np.where(is_x, values - (k - 2), 1.0)
    batches = linear_program.Program(n, lower, upper, rows, (np.arange(n), top, bottom))
    up, down = np.concatenate([-np.ones(n), np.zeros(n)]), np.concatenate([np.zeros(n), np.ones(n)])
    batches.minimise(None, down if last == "up" else up)
    vertex = batches.minimise(None, up if last == "up" else down)
    assert vertex is not None

    single = batches.without_caps()

    assert n <= single.width < batches.width
    # The same vertex: with no objective, nothing to do and nothing moves.
    again = single.minimise(np.zeros(n))
    assert again is not None
    np.testing.assert_allclose(again, vertex, atol=1e-9)
    bounds = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper, strict=True)]
    for j in range(n):
        for sense in (1.0, -1.0):
            objective = np.zeros(n)
            objective[j] = sense
            found = single.minimise(objective)
            assert found is not None
            expected = linprog(objective, A_eq=margins, b_eq=totals, bounds=bounds).x[j]
            assert found[j] == pytest.approx(expected, abs=1e-6), (j, sense)


class _Refusing:
    """A HiGHS whose crossover gives up; everything else is the HiGHS it wraps."""

    def __init__(self, highs: Any) -> None:
        self._highs = highs

    def crossover(self, solution: Any) -> Any:
        return linear_program._highs.HighsStatus.kError

    def __getattr__(self, name: str) -> Any:
        return getattr(self._highs, name)


@pytest.mark.parametrize("seed", range(6))
def test_a_program_starts_from_a_point_that_holds_and_from_nothing_from_one_that_does_not(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Program(start=...): a 5 × 5 table of hidden counts (1 to 11, "<5" or "x" as at k=5)
    with its margins published, each count pulled to the ends of its range by batches, then
    each least and greatest value on its own. Given its true counts, a point every row holds,
    the first vertex comes by crossover from there, without an interior point iteration; given
    a point one row does not hold, or where crossover gives up, from nothing, by the interior
    point method (the program is taken as large). Every end is the one scipy's linprog gives,
    from any start."""
    from scipy.optimize import linprog

    monkeypatch.setattr(linear_program, "INTERIOR_ABOVE", 0)
    k, size = 5, 5
    truth = np.random.default_rng(seed).integers(1, 12, size=(size, size)).astype(float).ravel()
    n = len(truth)
    is_x = truth >= k
    lower = np.where(is_x, k, 1.0)
    upper = np.where(is_x, np.inf, k - 1.0)
    margins = np.zeros((2 * size, n))
    for i in range(size):
        margins[i, size * i : size * (i + 1)] = 1  # row i
        margins[size + i, i::size] = 1  # column i
    totals = margins @ truth
    row, column = np.nonzero(margins)
    rows = linear_program.Rows(totals, totals, row, column, margins[row, column])
    top = np.where(is_x, truth + k - 2, k - 1.0)
    bottom = np.where(is_x, truth - (k - 2), 1.0)
    bounds = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper, strict=True)]
    expected = {
        (j, sense): linprog(np.eye(n)[j] * sense, A_eq=margins, b_eq=totals, bounds=bounds).x[j]
        for j in range(n)
        for sense in (1.0, -1.0)
    }
    off = truth.copy()
    off[0] += 1  # its row and its column no longer hold
    for start, from_start, refused in (
        (truth, True, False),
        (off, False, False),
        (truth, False, True),
    ):
        program = linear_program.Program(
            n, lower, upper, rows, (np.arange(n), top, bottom), start=start
        )
        if refused:  # a crossover that gives up (never seen): from nothing, as without a start
            program.highs = _Refusing(program.highs)
        up = np.concatenate([-np.ones(n), np.zeros(n)])
        assert program.minimise(None, up) is not None
        assert program.highs is not None
        assert (program.highs.getInfo().ipm_iteration_count == 0) == from_start
        single = program.without_caps()
        for (j, sense), end in expected.items():
            found = single.minimise(np.eye(n)[j] * sense)
            assert found is not None
            assert found[j] == pytest.approx(end, abs=1e-6), (j, sense, from_start)


@pytest.mark.parametrize("seed", range(4))
def test_batches_shared_between_two_solvers_find_only_values_a_reader_cannot_rule_out(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """_batches with a second solver (the program taken as large): a 7 × 7 table of counts 1
    to 12 with its totals published and every inner count hidden ("<5" below 5, else "x").
    The batches' witnesses are shared out between two solvers in two threads; every value
    they see lies within the range scipy's linprog gives over the same relations, and the
    ends solved after them decide as that range does."""
    from scipy.optimize import linprog

    def wide(low: float, high: float, is_x: bool) -> bool:
        return high - low >= k - 2 - 1e-6 if is_x else low <= 1 + 1e-6 and high >= k - 1 - 1e-6

    k, size = 5, 7
    body = np.random.default_rng(seed).integers(1, 13, size=(size, size))
    pub = Publication(k)
    ids = pub.table("t", _matrix(body.tolist()), (True, True))
    pub.protect()  # makes the audit's arrays; what it hides is set below
    inner = ids[:size, :size].ravel()
    hidden = np.zeros(len(pub._values), dtype=bool)
    hidden[inner] = True
    secondary = hidden & (np.asarray(pub._values) >= k)
    pub._hidden, pub._secondary, pub._seen = hidden, secondary, {}
    shut = pub._is_hidden(hidden)
    shared: list[object] = []
    monkeypatch.setattr(protection, "batch_thread", _counted_calls(shared, protection.batch_thread))
    monkeypatch.setattr(protection, "INTERIOR_ABOVE", 0)
    monkeypatch.setattr(protection, "TWO_SOLVERS_FROM", 2)
    targets = inner.tolist()

    seen_low, seen_high, _ = pub._ranges(
        np.flatnonzero(shut).tolist(), pub._relations, targets, secondary, exact=False
    )
    assert shared, "the batches were not shared between two solvers"
    low, high, _ = pub._ranges(np.flatnonzero(shut).tolist(), pub._relations, targets, secondary)

    values = body.ravel().astype(float)
    is_x = values >= k
    bounds = [(k, None) if x else (1, k - 1) for x in is_x]
    margins = np.zeros((2 * size, size * size))
    for i in range(size):
        margins[i, size * i : size * (i + 1)] = 1
        margins[size + i, i::size] = 1
    for j, var in enumerate(targets):
        ends = [
            linprog(
                np.eye(size * size)[j] * sense, A_eq=margins, b_eq=margins @ values, bounds=bounds
            ).x[j]
            for sense in (1.0, -1.0)
        ]
        assert ends[0] - 1e-6 <= seen_low[var] <= seen_high[var] <= ends[1] + 1e-6, (j, ends)
        assert ends[0] - 1e-6 <= low[var] <= high[var] <= ends[1] + 1e-6, (j, ends)
        # An end is solved for only until the range is as wide as the cell needs: the
        # decision is the one the whole range gives.
        assert wide(low[var], high[var], is_x[j]) == wide(*ends, is_x[j]), (j, ends)


def _counted_calls(calls: list[object], function: Any) -> Any:
    def counted(*args: Any) -> Any:
        calls.append(args)
        return function(*args)

    return counted


def test_early_labels_are_taken_once_and_a_cell_not_begun_is_left_to_the_caller() -> None:
    """_EarlyLabels: the thread works out its cells in order; a cell the caller takes before
    the thread begins it is the caller's (the thread leaves it), one the thread is at is
    waited for, and an error in the thread is raised by stop()."""
    at_first, go_on = threading.Event(), threading.Event()
    worked: list[int] = []

    def work(var: int) -> tuple[float, float]:
        worked.append(var)
        if var == 1:
            at_first.set()
            assert go_on.wait(10)
        return float(var), 10.0 * var

    early = protection._EarlyLabels(work, [1, 2, 3])
    assert at_first.wait(10)
    assert early.take(2) is None  # not begun: the caller's
    go_on.set()
    assert early.take(1) == (1.0, 10.0)  # waited for
    early.stop()
    assert 2 not in worked
    assert worked[0] == 1

    tried = threading.Event()

    def fails(var: int) -> tuple[float, float]:
        tried.set()
        raise protection.ProtectionError(f"cell {var}")

    broken = protection._EarlyLabels(fails, [7])
    assert tried.wait(10)
    with pytest.raises(protection.ProtectionError, match="cell 7"):
        broken.stop()


def test_parts_audited_side_by_side_come_back_in_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """_audit_parts audits the largest part here and the others in a thread of their own;
    each part's result comes back in that part's place."""
    pub = Publication(5)
    pub.table("t", _matrix([[3, 4], [5, 6]]), (True, True))
    threads: dict[int, str] = {}

    def audited(
        self: Publication, members: list[int], *args: object
    ) -> tuple[list[int], list[int]]:
        threads[members[0]] = threading.current_thread().name
        return [members[-1]], [members[0]]

    monkeypatch.setattr(Publication, "_audit_component", audited)
    monkeypatch.setattr(protection, "PARTS_APART_FROM", 2)
    parts: list[tuple[list[int], list[protection._Relation]]] = [
        ([0, 1], []),
        ([2], []),
        ([3, 4, 5], []),
        ([6, 7], []),
    ]
    none = np.zeros(9, dtype=bool)
    results = pub._audit_parts(parts, none, none, none)
    assert results == [([1], [0]), ([2], [2]), ([5], [3]), ([7], [6])]
    assert threads[3] == threading.current_thread().name  # the largest, here
    assert all(threads[v].startswith("audit-parts-") for v in (0, 2, 6))  # the others


def test_the_rows_that_prove_an_end_are_the_ones_with_dual_values() -> None:
    """x0, x1, x2 ≥ 0; row 0: x0 + x1 = 4; row 1: x1 ≤ 1; row 2: x0 + x2 ≤ 100. By hand: the
    least x0 is 3, proved by rows 0 and 1 together (x0 = 4 − x1 ≥ 3); the greatest is 4, by
    row 0 and x1's own bound (x1 ≥ 0); the least x2 is 0, by its own bound, no row at all.
    Row 2 never proves anything: it is slack at every one of these ends."""
    rows = linear_program.Rows(
        np.asarray([4.0, -np.inf, -np.inf]),
        np.asarray([4.0, 1.0, 100.0]),
        np.asarray([0, 0, 1, 2, 2]),
        np.asarray([0, 1, 1, 0, 2]),
        np.ones(5),
    )
    program = linear_program.Program(3, np.zeros(3), np.full(3, np.inf), rows)
    for objective, end, proof in (
        ([1.0, 0, 0], 3.0, [0, 1]),
        ([-1.0, 0, 0], 4.0, [0]),
        ([0, 0, 1.0], 0.0, []),
    ):
        found = program.minimise(np.asarray(objective))
        assert found is not None
        assert found[int(np.flatnonzero(objective)[0])] == pytest.approx(end)
        binding = program.binding_rows()
        assert binding is not None
        assert binding.tolist() == proof, objective


def test_a_cell_hidden_beside_a_failing_one_is_in_a_relation_that_proves_its_range() -> None:
    """A 2 × 3 table with its totals; the "<5" of 2 at A × women is hidden with the 30 below
    it. Its row holds one hidden cell and its column two, so without a proof the cheapest
    count of the row would go (the 10 beside it). Where the audit proved the range too narrow
    by the column alone, hiding in the row cannot change that proof: the column's visible
    total, 32, goes instead."""
    values = _matrix([[2, 10, 20], [30, 40, 50]])
    pub = Publication(5)
    ids = pub.table("t", values, (True, True), ("insats", "gender"))
    pub.protect()
    hidden = np.zeros(len(pub._values), dtype=bool)
    secondary = np.zeros(len(pub._values), dtype=bool)
    hidden[ids[0, 0]] = hidden[ids[1, 0]] = secondary[ids[1, 0]] = True
    column = [r for r in pub._relations_of(int(ids[0, 0])) if ids[1, 0] in r.ids]
    assert len(column) == 1

    without = hidden.copy()
    pub._binding = {}
    pub._hide_near([int(ids[0, 0])], without, secondary.copy())
    assert np.flatnonzero(without & ~hidden).tolist() == [ids[0, 1]]

    pub._binding = {int(ids[0, 0]): column}
    pub._hide_near([int(ids[0, 0])], hidden, secondary)
    assert np.flatnonzero(hidden).tolist() == sorted([ids[0, 0], ids[1, 0], ids[2, 0]])


def test_two_solvers_give_the_same_ranges_and_proofs_whichever_is_slower(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exact ranges of a large part are shared between two solvers in two threads; the
    proofs they keep decide which cells are hidden next, so which ends each solves, and from
    where, must not depend on which thread is faster. A 7 × 7 table of small counts, both
    solvers in use from two cells on, and every solve of one thread or of the other slowed:
    each program's ranges and proofs are the same either way."""
    monkeypatch.setattr(protection, "INTERIOR_ABOVE", 0)
    monkeypatch.setattr(protection, "TWO_SOLVERS_FROM", 2)
    # Few batch rounds, so that exact ends are solved and some fall short (with the default,
    # no exact end of this table falls short, and no proof is kept).
    monkeypatch.setattr(protection, "BATCH_ROUNDS", 3)
    minimise = linear_program.Program.minimise
    ranges = Publication._ranges
    slow: list[str] = []
    calls: list[object] = []

    def slowed(self: linear_program.Program, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("audit-") == (slow[0] == "second"):
            time.sleep(0.002)
        return minimise(self, *args, **kwargs)

    def recorded(self: Publication, *args: Any, **kwargs: Any) -> Any:
        low, high, solved = ranges(self, *args, **kwargs)
        binding = kwargs.get("binding")
        proofs = None if binding is None else {v: sorted(r) for v, r in binding.items()}
        calls.append((low, high, solved, proofs))
        return low, high, solved

    monkeypatch.setattr(linear_program.Program, "minimise", slowed)
    monkeypatch.setattr(Publication, "_ranges", recorded)
    values = _matrix(np.random.default_rng(7).choice([0, 1, 2, 3, 6, 9], size=(7, 7)).tolist())
    seen = {}
    for which in ("second", "first"):
        slow[:] = [which]
        calls.clear()
        pub = Publication(5)
        ids = pub.table("t", values, (True, True), ("insats", "gender"))
        pub.protect()
        seen[which] = (pub.shown(ids).tolist(), list(calls))
    assert any(proofs for *_, proofs in seen["first"][1]), "no proof was kept"
    assert seen["second"] == seen["first"]


def test_the_digest_tells_apart_reports_that_hide_different_cells_only() -> None:
    """Publication.digest() fingerprints what was decided, not the values: the 159/74/2 row
    hides the men beside the "<5" by default and the total where the förbund keeps genders,
    so the digests differ; 160 women instead of 159 hide the same cells, so they do not."""

    def digest(row: list[int], keep: str = "totals") -> str:
        pub = Publication(5, keep=keep)
        pub.table("t", _matrix([row]), (True, True), axes=("insats", "gender"))
        pub.protect()
        return pub.digest()

    by_default = digest([159, 74, 2, 0])
    assert by_default == digest([159, 74, 2, 0])
    assert by_default == digest([160, 74, 2, 0])
    assert by_default != digest([159, 74, 2, 0], keep="genders")
    assert by_default != digest([159, 74, 20, 0])  # nothing hidden at all


def _three_way_year() -> tuple[dict[str, np.ndarray], int]:
    """Participants and pairs by insats (A, B, C) × gender (women, men, "annat"), and exits by
    insats × reason (three) × gender, with their totals; published by their margins only, as a
    workbook does (`cross=False`); pairs ≤ participants and exits ≤ participants, group by
    group. Returns what is shown of each table, and k.

    Every participant of A is a pair (52 and 52, both shown). Over all insatser, "annat" has
    "<5" exits for the first reason and "<5" for the second; B and C have no exit for either
    reason (their 0s over all genders are shown). So both exits are A's "annat" (at least one
    each), A has at least two "annat" participants, each of them a pair: the "<5" pairs of
    "annat" over all insatser are at least 2. Only a reader who keeps the reasons within each
    insats × gender group as unknowns, and combines the three margins of the exits' table,
    sees it (docs/reports.md, "The finer cells")."""
    participants = _matrix([[30, 20, 2], [30, 20, 2], [30, 20, 0]])
    pairs = _matrix([[30, 20, 2], [25, 15, 2], [28, 18, 0]])
    exits = np.zeros((4, 4, 4), dtype=int)  # insats × reason × gender
    exits[0, :3, :3] = [[10, 5, 1], [10, 5, 1], [10, 10, 0]]
    exits[1, 2, :3] = exits[2, 2, :3] = [20, 10, 0]
    exits[:, :, 3] = exits[:, :, :3].sum(axis=2)
    exits[:, 3, :] = exits[:, :3, :].sum(axis=1)
    exits[3, :, :] = exits[:3, :, :].sum(axis=0)
    pub = Publication(5, cross=False)
    ids = {
        "participants": pub.table("participants", participants, (True, True), ("insats", "gender")),
        "pairs": pub.table("pairs", pairs, (True, True), ("insats", "gender")),
        "exits": pub.table("exits", exits, (True,) * 3, ("insats", "category", "gender")),
    }
    pub.within([ids["pairs"]], ids["participants"])
    pub.within([ids["exits"][:, -1, :]], ids["participants"])
    pub.protect()
    return {key: pub.shown(cells) for key, cells in ids.items()}, pub.k


def _reader_ranges(
    shown: dict[str, np.ndarray], k: int, labels_only: bool
) -> dict[tuple[str, tuple[int, ...]], tuple[float, float]]:
    """The least and greatest value a reader can work out of each hidden cell of the three
    tables of _three_way_year, by scipy's linprog (not the protection's programs): every cell
    an unknown ≥ 0, those never printed (None) too, each table's lines along every axis, and
    pairs ≤ participants and exits over the reasons ≤ participants, cell by cell.
    `labels_only`: a shown count is known only as 0, or as at least k."""
    from scipy.optimize import linprog

    start, n = {}, 0
    for key, cells in shown.items():
        start[key], n = n, n + cells.size

    def column(key: str, index: tuple[int, ...]) -> int:
        return start[key] + int(np.ravel_multi_index(index, shown[key].shape))

    def row(plus: int, *minus: int) -> np.ndarray:
        out = np.zeros(n)
        out[list(minus)] = -1.0
        out[plus] = 1.0
        return out

    lines = [
        row(
            column(key, index),
            *(
                column(key, (*index[:axis], i, *index[axis + 1 :]))
                for i in range(cells.shape[axis] - 1)
            ),
        )
        for key, cells in shown.items()
        for axis in range(cells.ndim)
        for index in np.ndindex(cells.shape)
        if index[axis] == cells.shape[axis] - 1
    ]
    within = [
        row(
            column(part, index if part == "pairs" else (index[0], 3, index[1])),
            column("participants", index),
        )
        for index in np.ndindex(shown["participants"].shape)
        for part in ("pairs", "exits")
    ]
    bounds: list[tuple[float, float | None]] = []
    for cells in shown.values():
        for label in cells.flat:
            if label is None:
                bounds.append((0, None))
            elif label == f"<{k}":
                bounds.append((1, k - 1))
            elif label == "x" or (labels_only and label >= k):
                bounds.append((k, None))
            else:
                bounds.append((label, label))
    ranges = {}
    for key, cells in shown.items():
        for index, label in np.ndenumerate(cells):
            if label not in (f"<{k}", "x"):
                continue
            ends = []
            for sense in (1.0, -1.0):
                cost = np.zeros(n)
                cost[column(key, index)] = sense
                result = linprog(
                    cost,
                    A_ub=np.asarray(within),
                    b_ub=np.zeros(len(within)),
                    A_eq=np.asarray(lines),
                    b_eq=np.zeros(len(lines)),
                    bounds=bounds,
                )
                assert result.status in (0, 3), result.message  # 3: unbounded
                ends.append(sense * result.fun if result.status == 0 else np.inf)
            ranges[(key, index)] = (ends[0], ends[1])
    return ranges


def test_the_finer_cells_within_a_group_narrow_no_hidden_count() -> None:
    """The three margins of a table of exits by insats × reason × gender, with pairs and
    participants (see _three_way_year): every hidden count keeps the range its labels allow
    ("<5": 1..4 as far as the labels alone allow; "x": at least four values), worked out by a
    reader who keeps every never-printed cell as an unknown. Before the finer cells were
    unknowns of the audit, the "annat" pairs over all insatser were shown "<5" and a reader
    had them at 2..4, and the men's pairs beside them ("x") at 53..55."""
    shown, k = _three_way_year()
    assert shown["pairs"][-1, 2] == f"<{k}"
    published = _reader_ranges(shown, k, labels_only=False)
    labels = _reader_ranges(shown, k, labels_only=True)
    narrowed = {}
    for cell, (low, high) in published.items():
        least, greatest = labels[cell]
        if shown[cell[0]][cell[1]] == "x":
            wide = high - low >= min(k - 2, greatest - least) - 1e-6
        else:
            wide = low <= max(1, least) + 1e-6 and high >= min(k - 1, greatest) - 1e-6
        if not wide:
            narrowed[cell] = (low, high)
    assert not narrowed
