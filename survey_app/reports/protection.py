"""Small-group protection of everything one report publishes: plain numpy and scipy.

A report publishes counts in many tables on several sheets and pages. A reader can combine all
of them: row and column totals, the same count on two sheets, a table that is the sum of two
others (participants = ended + ongoing), a share or a mean printed beside its count. So every
published count is registered here, with every linear relation a reader can use, and they are
protected as one system (linked-table protection):

1. Primary: a count from 1 to k−1 is hidden, shown as "<k".
2. Complementary: a relation (a line with its total, two places showing the same count, …) with
   exactly one hidden cell would give that cell back, so another cell of the relation is hidden
   too, shown as "x": the one that costs the reader least (parts before totals, or the other
   way round as the förbund chooses; then the smallest count).
3. Audit: for every hidden count, two linear programs find the smallest and largest value a
   reader can deduce from everything published together, with the bounds the labels give
   ("<k" is 1..k−1; "x" is at least k, since every visible non-zero count is). A "<k" must keep
   the whole range 1..k−1 open, an "x" at least k−1 values (as many as a "<k" it protects).
   Where the audit fails, more is hidden and the audit runs again.
4. Least loss: each "x" is then tried visible again, largest first, and stays visible if the
   audit still passes.

Means: a group's mean times its count is the sum of its values; sums add up along the same
lines as the counts, and each lies between count × the scale's least and greatest value. Those
sums are unknowns of the audit too ("mean bounds"), so a mean beside a visible count can never
narrow a hidden one. A statistic of a group whose count is hidden is never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

try:  # scipy's own HiGHS interface: ~50 times faster per solve than linprog, and silent
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - older or newer scipy: linprog, slower
    _highs = None

SECONDARY = "x"
KEEP_TOTALS = "totals"  # when a cell must go, hide a part (e.g. a gender) before a total
KEEP_GENDERS = "genders"  # hide a total over genders before a gender's own count
KEEPS = (KEEP_TOTALS, KEEP_GENDERS)
# Slack for comparing LP optima with integer bounds.
TOLERANCE = 1e-6
# How many "x" cells are tried visible again (each try audits a part of the system again).
RESTORE_TRIES = 20
# Rounds of one-more-cell before a still failing part has everything around it hidden; sooner
# where more than STUCK_AT cells fail and a round left more than STUCK of those failing before.
ROUNDS_BEFORE_REGION = 3
STUCK = 0.9
STUCK_AT = 100
# Parts with more hidden cells than this are not tried for restoring (each try audits them).
RESTORE_LARGEST = 600


def primary_label(k: int) -> str:
    return f"<{k}"


class ProtectionError(RuntimeError):
    """The published counts could not be protected (no cell left to hide in a relation)."""


@dataclass
class _Relation:
    ids: np.ndarray  # variable ids
    coefs: np.ndarray  # Σ coef·x = 0 (equality) or ≤ 0 (inequality)
    equality: bool


@dataclass
class Publication:
    """Every count a report publishes and the relations between them; see the module doc."""

    k: int
    keep: str = KEEP_TOTALS
    restore: bool = True  # try each "x" visible again (least loss)
    _values: list[float] = field(default_factory=list)
    _cost: list[tuple[int, int, float]] = field(default_factory=list)
    _count_of: list[int] = field(default_factory=list)  # a sum's count; −1 for a count
    _bounds: list[tuple[float, float]] = field(default_factory=list)  # a sum's value range
    _labelled: list[bool] = field(default_factory=list)  # hidden shows "<k"/"x", not a blank
    _relations: list[_Relation] = field(default_factory=list)
    _tables: dict[str, np.ndarray] = field(default_factory=dict)
    _index: list[list[int]] | None = None  # relations per count
    _passed: set[tuple[tuple[int, ...], tuple[bool, ...]]] = field(default_factory=set)
    # The least and greatest value of each hidden count seen in the audit's solutions while
    # more is being hidden: hiding more never takes a solution away (a newly hidden cell keeps
    # its own value in it), so the next round starts from them. Not used when trying a cell
    # visible again, which can.
    _seen: dict[int, tuple[float, float]] = field(default_factory=dict)
    _restoring: bool = False
    _hidden: np.ndarray | None = None
    _secondary: np.ndarray | None = None

    # --- registering what is published --------------------------------------------------------

    def table(
        self,
        key: str,
        values: np.ndarray,
        totals: Sequence[bool],
        axes: Sequence[str] = (),
        labelled: bool = True,
    ) -> np.ndarray:
        """Register an n-dimensional table of counts. `totals[axis]`: the last index along that
        axis is the total of the others. `axes` names the axes ("gender" matters for the
        förbund's choice of what to keep). `labelled=False`: the counts are never printed,
        only a share of them (e.g. the share improved), so a hidden one shows no "<k" or "x"
        but a blank, and tells the reader only that it is not 0. Returns the variable ids."""
        if key in self._tables:
            raise ValueError(f"table {key!r} registered twice")
        values = np.asarray(values)
        ids = self._new_counts(values, totals, axes, labelled)
        self._tables[key] = ids
        self._lines(ids, totals)
        return ids

    def sums(
        self,
        counts: np.ndarray,
        sums: np.ndarray,
        totals: Sequence[bool] = (),
        value_range: tuple[float, float] = (-np.inf, np.inf),
    ) -> np.ndarray:
        """Register the sums of values behind means printed beside `counts` (mean × count),
        each value lying in `value_range`; the sums add up along the lines of `totals` as the
        counts do. Returns the sums' variable ids."""
        counts = np.asarray(counts)
        start = len(self._values)
        sum_ids = np.arange(start, start + counts.size).reshape(counts.shape)
        for count_id, total in zip(counts.flat, np.asarray(sums, dtype=float).flat, strict=True):
            self._values.append(float(total))
            self._cost.append((9, 9, 0.0))
            self._count_of.append(int(count_id))
            self._bounds.append(value_range)
            self._labelled.append(False)
        self._lines(sum_ids, totals)
        return sum_ids

    def weighted(self, sums: np.ndarray, parts: Sequence[tuple[float, np.ndarray]]) -> None:
        """Cell by cell, `sums` = Σ weight × count (a mean over a distribution of answers)."""
        for cells in zip(np.ravel(sums), *(np.ravel(ids) for _, ids in parts), strict=True):
            self._relate(list(cells), [1.0] + [-w for w, _ in parts], equality=True)

    def same(self, a: np.ndarray, b: np.ndarray) -> None:
        """The counts `a` and `b` (same shape) are printed in two places: one count each."""
        for x, y in zip(np.ravel(a), np.ravel(b), strict=True):
            self._relate([x, y], [1.0, -1.0], equality=True)

    def add(self, total: np.ndarray, parts: Sequence[np.ndarray]) -> None:
        """Cell by cell, `total` is the sum of `parts` (tables of the same shape)."""
        for cells in zip(np.ravel(total), *(np.ravel(p) for p in parts), strict=True):
            self._relate(list(cells), [1.0] + [-1.0] * len(parts), equality=True)

    def within(self, parts: Sequence[np.ndarray], whole: np.ndarray, times: float = 1) -> None:
        """Cell by cell, the sum of `parts` is at most `times` × `whole` (a subset of it, or
        e.g. the "ja" answers of responses with at most seven questions each)."""
        for cells in zip(np.ravel(whole), *(np.ravel(p) for p in parts), strict=True):
            self._relate(list(cells), [-float(times)] + [1.0] * len(parts), equality=False)

    # --- protecting ---------------------------------------------------------------------------

    def protect(self) -> None:
        values = np.asarray(self._values, dtype=float)
        counts = np.asarray(self._count_of) < 0
        hidden = counts & (values >= 1) & (values < self.k)
        secondary = np.zeros(len(values), dtype=bool)
        rounds = 0
        failed_before = None
        while True:
            self._complete(hidden, secondary)
            failing = self._audit(hidden, secondary)
            if not failing:
                break
            # One more hidden cell for each part of the system that fails: the cheapest beside
            # any of its failing cells. Where the last round mended almost nothing (hundreds of
            # cells failing, one more hidden each round), no more rounds: the region at once.
            failed = sum(len(group) for group in failing)
            stuck = failed_before is not None and failed > max(STUCK * failed_before, STUCK_AT)
            failed_before = failed
            before = hidden.copy()
            for group in failing:
                if rounds >= ROUNDS_BEFORE_REGION or stuck:
                    self._hide_region(group, hidden, secondary)
                else:
                    self._hide_near(group, hidden, secondary)
            if (hidden == before).all():
                self._hidden, self._secondary = hidden, secondary  # for a look afterwards
                where = ", ".join(self.describe(g[0]) for g in failing[:5])
                raise ProtectionError(f"no cell left to hide beside a failing cell: {where}")
            rounds += 1
            if rounds > len(values) + 1:
                raise ProtectionError("small-group protection did not converge")
        if self.restore:
            self._restore(hidden, secondary)
        self._hidden, self._secondary = hidden, secondary

    def hidden(self, ids: np.ndarray) -> np.ndarray:
        """Which of these cells are hidden ("<k" or "x")."""
        assert self._hidden is not None, "protect() first"  # noqa: S101
        return self._hidden[np.asarray(ids, dtype=int)]

    def shown(self, ids: np.ndarray) -> np.ndarray:
        """These cells as published: ints, "<k" or "x"."""
        assert self._hidden is not None and self._secondary is not None  # noqa: S101
        ids = np.asarray(ids, dtype=int)
        out = np.empty(ids.shape, dtype=object)
        for index, var in np.ndenumerate(ids):
            if self._secondary[var]:
                out[index] = SECONDARY
            elif self._hidden[var]:
                out[index] = primary_label(self.k)
            else:
                out[index] = int(self._values[var])
        return out

    # --- internals ----------------------------------------------------------------------------

    def _new_counts(
        self, values: np.ndarray, totals: Sequence[bool], axes: Sequence[str], labelled: bool
    ) -> np.ndarray:
        start = len(self._values)
        ids = np.arange(start, start + values.size).reshape(values.shape)
        gender_axis = list(axes).index("gender") if "gender" in axes else None
        for index, value in np.ndenumerate(values):
            on_total = [
                bool(totals[a]) and index[a] == values.shape[a] - 1 for a in range(len(index))
            ]
            n_totals = sum(on_total)
            if self.keep == KEEP_GENDERS:  # a gender's own count last
                is_part = gender_axis is not None and not on_total[gender_axis]
                tier = (1 if is_part else 0, n_totals)
            else:
                tier = (n_totals, 0)
            self._values.append(float(value))
            self._cost.append((tier[0], tier[1], float(value)))
            self._count_of.append(-1)
            self._bounds.append((-np.inf, np.inf))
            self._labelled.append(labelled)
        return ids

    def _lines(self, ids: np.ndarray, totals: Sequence[bool]) -> None:
        for axis, has_total in enumerate(totals):
            if not has_total:
                continue
            lines = np.moveaxis(ids, axis, -1).reshape(-1, ids.shape[axis])
            for line in lines:
                self._relate(
                    [line[-1], *line[:-1]], [1.0] + [-1.0] * (len(line) - 1), equality=True
                )

    def _relate(self, ids: Sequence[int], coefs: Sequence[float], equality: bool) -> None:
        self._relations.append(
            _Relation(np.asarray(ids, dtype=int), np.asarray(coefs, dtype=float), equality)
        )

    def _is_hidden(self, hidden: np.ndarray) -> np.ndarray:
        """Hidden counts, and the sums of hidden counts (their means are blank)."""
        count_of = np.asarray(self._count_of)
        out = hidden.copy()
        sums = count_of >= 0
        out[sums] = hidden[count_of[sums]]
        return out

    def _complete(self, hidden: np.ndarray, secondary: np.ndarray) -> None:
        """Rule 2: no equality relation may have exactly one hidden count."""
        count_of = np.asarray(self._count_of)
        changed = True
        while changed:
            changed = False
            for relation in self._relations:
                if not relation.equality or (count_of[relation.ids] >= 0).any():
                    continue
                shut = hidden[relation.ids]
                if int(shut.sum()) != 1:
                    continue
                target = self._cheapest(relation.ids[~shut])
                if target is None:
                    continue  # the other cells are all 0: the hidden one is 0 too, or a sum of 0
                hidden[target] = secondary[target] = True
                changed = True

    def _cheapest(self, candidates: np.ndarray) -> int | None:
        usable = [int(v) for v in candidates if self._values[v] > 0 and self._count_of[v] < 0]
        if not usable:
            return None
        return min(usable, key=lambda v: self._cost[v])

    def _near(self, var: int, equalities_only: bool = False) -> list[int]:
        near: list[int] = []
        for relation in self._relations_of(var):
            if relation.equality or not equalities_only:
                near.extend(self._counts(relation.ids))
        return near

    def _hide_region(self, failing: list[int], hidden: np.ndarray, secondary: np.ndarray) -> None:
        """The bounded way out for a part that still fails after several rounds (many small
        groups knit together): hide every non-zero count related to it, outwards, until no
        number shown remains in a relation with a hidden cell. Then a reader has only the
        labels, and the audit passes without a program."""
        reached, frontier = set(failing), list(failing)
        while frontier:
            near = {v for cell in frontier for v in self._near(cell)} - reached
            for v in near:
                if not hidden[v] and self._values[v] > 0 and self._count_of[v] < 0:
                    hidden[v] = secondary[v] = True
            reached |= near
            frontier = [v for v in near if hidden[v]]

    def _hide_near(self, failing: list[int], hidden: np.ndarray, secondary: np.ndarray) -> None:
        """Hide the cheapest visible count in a relation with a failing cell (or its sum); if
        there is none, in a relation with those cells, and so on outwards. Keeping totals, along
        sums and totals first, since an inequality (a part at most its whole) seldom pins a
        cell; keeping genders, a total elsewhere (e.g. a column without genders that bounds
        this one) is as near as a gender's count beside it."""
        searches = (False,) if self.keep == KEEP_GENDERS else (True, False)
        for equalities_only in searches:
            reached, frontier = set(failing), list(failing)
            while frontier:
                near = {v for cell in frontier for v in self._near(cell, equalities_only)} - reached
                target = self._cheapest(
                    np.asarray(sorted(v for v in near if not hidden[v]), dtype=int)
                )
                if target is not None:
                    hidden[target] = secondary[target] = True
                    return
                reached |= near
                frontier = list(near)

    def _counts(self, ids: np.ndarray) -> list[int]:
        return [int(v) if self._count_of[v] < 0 else self._count_of[v] for v in ids]

    def _relations_of(self, var: int) -> list[_Relation]:
        """The relations with this count or its sums in them (indexed once, at protect())."""
        if self._index is None:
            index: list[list[int]] = [[] for _ in self._values]
            for n, relation in enumerate(self._relations):
                for v in set(self._counts(relation.ids)):
                    index[v].append(n)
            self._index = index
        return [self._relations[n] for n in self._index[var]]

    def describe(self, var: int) -> str:
        """Which table and cell a variable is (for messages)."""
        var = self._count_of[var] if self._count_of[var] >= 0 else var
        for key, ids in self._tables.items():
            where = np.argwhere(ids == var)
            if len(where):
                return f"{key}{tuple(int(i) for i in where[0])}"
        return f"cell {var}"

    def _restore(self, hidden: np.ndarray, secondary: np.ndarray) -> None:
        """Rule 4, within bounds of effort: at most RESTORE_TRIES cells, most valuable first;
        a cell in a part of more than RESTORE_LARGEST hidden cells stays hidden unaudited."""
        order = sorted(np.flatnonzero(secondary), key=lambda v: self._cost[v], reverse=True)
        order = order[:RESTORE_TRIES]
        count_of = np.asarray(self._count_of)
        self._restoring = True
        for var in order:
            hidden[var] = secondary[var] = False
            lone = any(
                relation.equality
                and not (count_of[relation.ids] >= 0).any()
                and int(hidden[relation.ids].sum()) == 1
                for relation in self._relations_of(int(var))
            )
            if lone or self._audit(
                hidden, secondary, around=self._near(int(var)), largest=RESTORE_LARGEST
            ):
                hidden[var] = secondary[var] = True

    def _audit(
        self,
        hidden: np.ndarray,
        secondary: np.ndarray,
        around: Sequence[int] | None = None,
        largest: int | None = None,
    ) -> list[list[int]]:
        """Hidden counts whose deducible range is narrower than allowed (rule 3), grouped by
        the part of the system they are in. With `around`, only the parts these cells are in;
        with `largest`, a part with more hidden cells than that fails unaudited (unless it
        shows no number)."""
        shut = self._is_hidden(hidden)
        values = np.asarray(self._values)
        count_of = np.asarray(self._count_of)
        # Union-find over hidden variables that share a relation.
        parent = list(range(len(values)))

        def find(v: int) -> int:
            while parent[v] != v:
                parent[v] = parent[parent[v]]
                v = parent[v]
            return v

        for relation in self._relations:
            members = [int(v) for v in relation.ids if shut[v]]
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        for var in np.flatnonzero(shut & (count_of >= 0)):
            parent[find(int(var))] = find(int(count_of[var]))
        components: dict[int, list[int]] = {}
        for var in np.flatnonzero(shut):
            components.setdefault(find(int(var)), []).append(int(var))
        if around is not None:
            roots = {find(int(v)) for v in around}
            components = {root: members for root, members in components.items() if root in roots}
        failing: list[list[int]] = []
        by_root = {root: set(members) for root, members in components.items()}
        relations_by_root: dict[int, list[_Relation]] = {root: [] for root in components}
        for relation in self._relations:
            members = [int(v) for v in relation.ids if shut[v]]
            if members:
                root = find(members[0])
                if root in relations_by_root:
                    relations_by_root[root].append(relation)
        for root in components:
            members = sorted(by_root[root])
            # A part of the system that passed before and has not changed passes again.
            key = (tuple(members), tuple(bool(secondary[v]) for v in members))
            if key in self._passed:
                continue
            relations = relations_by_root[root]
            if (
                largest is not None
                and len(members) > largest
                and self._numbers_near(relations, shut)
            ):
                failing.append(members)  # too large to audit again for a try: it fails
                continue
            found = self._audit_component(members, relations, shut, hidden, secondary)
            if not found:
                self._passed.add(key)
            if found:
                failing.append(found)
        return failing

    def _audit_component(
        self,
        members: list[int],
        relations: list[_Relation],
        shut: np.ndarray,
        hidden: np.ndarray,
        secondary: np.ndarray,
    ) -> list[int]:
        """Hidden counts of one component whose range is too narrow. The strict wish is the
        label's whole range (1..k−1; at least k−1 values for "x"). Where the labels alone
        already narrow it (a "<5" total of two hidden parts leaves each at most 3), a cell
        passes if the published numbers narrow it no further than the labels do."""
        if not self._numbers_near(relations, shut):
            return []  # no number shown in reach: a reader has the labels only
        counts = [var for var in members if self._count_of[var] < 0]
        low, high = self._ranges(members, relations, counts, secondary)
        if not self._restoring:
            self._seen.update((v, (low[v], high[v])) for v in counts)
        narrow = [v for v in counts if not self._wide_enough(v, low[v], high[v], secondary)]
        if not narrow:
            return []
        labels_low, labels_high = self._label_ranges(relations, narrow, secondary)
        failing = []
        for var in narrow:
            if secondary[var]:
                need = min(self.k - 2, labels_high[var] - labels_low[var])
                if high[var] - low[var] < need - TOLERANCE:
                    failing.append(var)
            elif (
                low[var] > max(1, labels_low[var]) + TOLERANCE
                or high[var] < min(self.k - 1, labels_high[var]) - TOLERANCE
            ):
                failing.append(var)
        return failing

    def _numbers_near(self, relations: list[_Relation], shut: np.ndarray) -> bool:
        """Whether a number other than 0 is shown in any of these relations."""
        return any(not shut[v] and self._values[v] != 0 for r in relations for v in r.ids)

    def _wide_enough(self, var: int, low: float, high: float, secondary: np.ndarray) -> bool:
        k = self.k
        if secondary[var]:
            return high - low >= k - 2 - TOLERANCE
        return low <= 1 + TOLERANCE and high >= k - 1 - TOLERANCE

    def _label_bounds(self, var: int, secondary: np.ndarray) -> tuple[float, float | None]:
        if not self._labelled[var]:
            return (0, 0) if self._values[var] == 0 else (1, None)  # a share of 0 % shows 0
        if secondary[var] or (self._count_of[var] < 0 and self._values[var] >= self.k):
            return (self.k, None)  # "x", or a visible count ≥ k
        if self._values[var] == 0 and self._count_of[var] < 0:
            return (0, 0)
        return (1, self.k - 1)

    def _label_ranges(
        self, relations: list[_Relation], targets: list[int], secondary: np.ndarray
    ) -> tuple[dict[int, float], dict[int, float]]:
        """The ranges of `targets` a reader gets from the labels alone: visible counts known
        only as "0" or "at least k", sums not known at all."""
        unknowns = sorted({int(v) for r in relations for v in r.ids})
        return self._ranges(unknowns, relations, targets, secondary, label_only=True)

    def _ranges(
        self,
        unknowns: list[int],
        relations: list[_Relation],
        targets: list[int],
        secondary: np.ndarray,
        label_only: bool = False,
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Least and greatest value of each target over the LP of `relations`, the `unknowns`
        being variables and every other cell its published value. Each LP's solution also
        tells feasible values of the other targets, which often spares their own LPs."""
        k = self.k
        position = {var: i for i, var in enumerate(unknowns)}
        n = len(unknowns)
        eq_rows: list[np.ndarray] = []
        ub_rows: list[np.ndarray] = []
        eq_rhs: list[float] = []
        ub_rhs: list[float] = []
        for relation in relations:
            row = np.zeros(n)
            constant = 0.0
            for var, coef in zip(relation.ids, relation.coefs, strict=True):
                if int(var) in position:
                    row[position[int(var)]] += coef
                else:
                    constant += coef * self._values[var]
            (eq_rows if relation.equality else ub_rows).append(row)
            (eq_rhs if relation.equality else ub_rhs).append(-constant)
        bounds: list[tuple[float | None, float | None]] = []
        for var in unknowns:
            count = self._count_of[var]
            if count >= 0:
                bounds.append((None, None))
                least, greatest = self._bounds[var]
                for factor, sign in ((least, 1.0), (greatest, -1.0)):
                    if np.isfinite(factor) and count in position:  # sign·(factor·n − S) ≤ 0
                        row = np.zeros(n)
                        row[position[var]] = -sign
                        row[position[count]] += sign * factor
                        ub_rows.append(row)
                        ub_rhs.append(0.0)
            elif label_only:
                bounds.append(self._label_bounds(var, secondary))
            elif not self._labelled[var]:
                bounds.append((1, None))  # hidden shows as a blank: only "not 0" is known
            elif secondary[var]:
                bounds.append((k, None))
            else:
                bounds.append((1, k - 1))
        program = _Program(n, bounds, eq_rows, eq_rhs, ub_rows, ub_rhs)
        at = np.asarray([position[var] for var in targets], dtype=int)
        lows = np.full(len(targets), np.inf)
        highs = np.full(len(targets), -np.inf)
        if not label_only and not self._restoring:
            for i, var in enumerate(targets):
                lows[i], highs[i] = self._seen.get(var, (np.inf, -np.inf))
        low: dict[int, float] = {}
        high: dict[int, float] = {}

        def solve(objective: np.ndarray) -> bool:
            """Solve; False if unbounded."""
            x = program.minimise(objective)
            if x is None:
                return False
            np.minimum(lows, x[at], out=lows)
            np.maximum(highs, x[at], out=highs)
            low.update(zip(targets, lows.tolist(), strict=True))
            high.update(zip(targets, highs.tolist(), strict=True))
            return True

        low.update(zip(targets, lows.tolist(), strict=True))
        high.update(zip(targets, highs.tolist(), strict=True))

        # A few programs with mixed objectives first: each solution is a witness for every
        # target at once, and most need no program of their own after them. Seeded: the same
        # data always gives the same report.
        if not label_only and len(targets) > 2:
            rng = np.random.default_rng(len(targets))
            for _ in range(4 + len(targets) // 20):
                objective = np.zeros(n)
                for var in targets:
                    if not self._wide_enough(var, low[var], high[var], secondary):
                        objective[position[var]] = rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 1.5)
                if not objective.any():
                    break
                solve(objective)
        for var in targets:
            for sense in (1.0, -1.0):
                if not label_only:
                    if self._wide_enough(var, low[var], high[var], secondary):
                        break
                    if not secondary[var] and (
                        low[var] <= 1 + TOLERANCE if sense > 0 else high[var] >= k - 1 - TOLERANCE
                    ):
                        continue  # this end is already seen open
                objective = np.zeros(n)
                objective[position[var]] = sense
                if not solve(objective):  # unbounded: as wide as can be
                    i = targets.index(var)
                    if sense > 0:
                        lows[i] = low[var] = -np.inf
                    else:
                        highs[i] = high[var] = np.inf
        return low, high


class _Program:
    """One linear program whose objective changes: HiGHS kept between solves (warm starts),
    through scipy's bundled HiGHS interface where there is one, else scipy's linprog."""

    def __init__(
        self,
        n: int,
        bounds: list[tuple[float | None, float | None]],
        eq_rows: list[np.ndarray],
        eq_rhs: list[float],
        ub_rows: list[np.ndarray],
        ub_rhs: list[float],
    ) -> None:
        self.n = n
        self.bounds = bounds
        self.problem = {
            "A_eq": np.asarray(eq_rows) if eq_rows else None,
            "b_eq": np.asarray(eq_rhs) if eq_rhs else None,
            "A_ub": np.asarray(ub_rows) if ub_rows else None,
            "b_ub": np.asarray(ub_rhs) if ub_rhs else None,
        }
        self.highs = None
        if _highs is not None:
            inf = _highs.kHighsInf
            highs = _highs._Highs()
            highs.setOptionValue("output_flag", False)
            highs.addVars(
                n,
                np.asarray([-inf if lo is None else lo for lo, _ in bounds], dtype=float),
                np.asarray([inf if hi is None else hi for _, hi in bounds], dtype=float),
            )
            for rows, rhs, equal in ((eq_rows, eq_rhs, True), (ub_rows, ub_rhs, False)):
                for row, value in zip(rows, rhs, strict=True):
                    nonzero = np.flatnonzero(row).astype(np.int32)
                    highs.addRow(
                        value if equal else -inf, value, len(nonzero), nonzero, row[nonzero]
                    )
            self.highs = highs
            self.columns = np.arange(n, dtype=np.int32)

    def minimise(self, objective: np.ndarray) -> np.ndarray | None:
        """A solution minimising the objective; None if it is unbounded."""
        if self.highs is None:
            return self._linprog(objective)
        self.highs.changeColsCost(self.n, self.columns, np.asarray(objective, dtype=float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == _highs.HighsModelStatus.kOptimal:
            return np.asarray(self.highs.getSolution().col_value)
        if status in (
            _highs.HighsModelStatus.kUnbounded,
            _highs.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return None
        # Anything else (HiGHS may give up on a badly scaled program): scipy's own path.
        return self._linprog(objective)

    def _linprog(self, objective: np.ndarray) -> np.ndarray | None:
        result = linprog(objective, bounds=self.bounds, method="highs", **self.problem)
        if result.status == 3:
            return None
        if result.status != 0:
            raise ProtectionError(f"audit could not be solved: {result.message}")
        return np.asarray(result.x)
