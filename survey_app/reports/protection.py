"""Small-group protection of everything one report publishes: plain numpy and scipy.

A report publishes counts in many tables on several sheets and pages. A reader can combine all
of them: row and column totals, the same count on two sheets, a table that is the sum of two
others (participants = ended + ongoing), a share or a mean printed beside its count. So every
published count is registered here, with every linear relation a reader can use, and they are
protected as one system (linked-table protection):

1. Primary: a count from 1 to k−1 is hidden, shown as "<k".
2. Complementary: a relation (a line with its total, two places showing the same count, …) with
   exactly one hidden cell would give that cell back, so another cell of the relation is hidden
   too, shown as "x"; more generally, within each relation on its own every hidden cell must
   be able to move over its whole range (`_complete`). Which: one that gives all the room
   needed, then parts before totals (or the other way round as the förbund chooses), then the
   smallest count.
3. Audit: for every hidden count, linear programs find the smallest and largest value a reader
   can deduce from everything published together, with the bounds the labels give ("<k" is
   1..k−1; "x" is at least k, since every visible non-zero count is); batches of capped
   objectives give witnesses for many cells at once first. A "<k" must keep the whole range
   1..k−1 open, an "x" at least k−1 values (as many as a "<k" it protects). An "x" the audit
   finds pinned to one value protects nothing: it is shown, veiled (statistics beside it
   stay blank, see `_is_hidden`), which changes no range; beside a "<k" that still fails it
   stays hidden while rounds go on (`_beside_primary`). Where the audit fails otherwise,
   more is hidden beside the failing cells and the audit runs again; where rounds stop
   mending, what is around the failing cells is hidden a few relations outwards, then
   further (REGION_STEPS), and a part that does not settle (ROUNDS_BEFORE_REGION) has
   everything around its failing cells hidden.
4. Least loss: each "x" is then tried visible again, largest first, and stays visible if the
   audit still passes.

Means: a group's mean times its count is the sum of its values; sums add up along the same
lines as the counts, and each lies between count × the scale's least and greatest value. Those
sums are unknowns of the audit too ("mean bounds"), so a mean beside a visible count can never
narrow a hidden one. A statistic of a group whose count is hidden is never shown, nor a mean
over a distribution with a hidden count (`weighted`).

Tables by insats and gender may publish their margins only (`cross=False`): their insats ×
gender cells are then never printed. Each such cell stays an unknown of the audit (a count ≥ 0
a reader cannot see, "latent"): a group's count (a printed table's cross cell, or the total over
the categories of a register table), the finer counts within it (a category's or an outcome's
count within one insats × gender group) and the sums behind the group's means. Every relation
through them holds as it is, so a reader's combinations are the audit's too: an insats's
categories, a gender's categories and the groups' counts are the margins of one three-way table
(docs/reports.md, "The finer cells"). A latent cell is never a target of the audit and never
hidden to protect another (it is hidden already); its value is not needed (compare() does not
compute the cross), so nothing reads it. One whose insats's or gender's count is a published 0
is 0 (`_zero_by_margin`): the audit takes it as the reader does, a known 0, which keeps the
programs smaller.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from survey_app.reports.linear_program import (
    INTERIOR_ABOVE,
    Program,
    Rows,
    batch_thread,
    parts_thread,
    second_thread,
)

SECONDARY = "x"
KEEP_TOTALS = "totals"  # when a cell must go, hide a part (e.g. a gender) before a total
KEEP_GENDERS = "genders"  # hide a total over genders before a gender's own count
KEEPS = (KEEP_TOTALS, KEEP_GENDERS)
# Slack for comparing LP optima with integer bounds.
TOLERANCE = 1e-6
# How many "x" cells are tried visible again (each try audits a part of the system again).
RESTORE_TRIES = 20
# Rounds of one-more-cell before a still failing part has everything around it hidden, and at
# once in a part of more hidden cells than REGION_ABOVE (each round there costs seconds of
# programs). The region leaves a reader the labels only, which in a report joined by its group
# counts is nearly everything: the last resort. Where STALLS_BEFORE_REGION rounds in a row
# mended nothing (a round that showed pinned counts is progress), the region is hidden
# REGION_STEPS[0] relations outwards from the failing cells; after each round that mends
# nothing more, the next number of steps, then all of it.
ROUNDS_BEFORE_REGION = 40
STALLS_BEFORE_REGION = 3
REGION_STEPS = (2, 4)
REGION_ABOVE = 10_000
# How often a count shown as pinned and hidden again later (_hide_near) may be shown again.
PUBLISH_AGAIN = 2
# Parts with more hidden cells than this are not tried for restoring (each try audits them).
RESTORE_LARGEST = 600
# Rounds of batched witness programs before each target still lacking a witness gets its own.
BATCH_ROUNDS = 8
# Exact ranges in a program of more than INTERIOR_ABOVE columns are shared between two solvers
# from this many cells (_ranges).
TWO_SOLVERS_FROM = 8
# A part of more hidden cells than this has the labels' ranges of the cells that failed the
# last audit worked out beside its batches (_EarlyLabels).
EARLY_LABELS_FROM = 1000
# Parts audited beside the largest in a thread of their own (_audit_parts) where they hold
# this many hidden cells in all.
PARTS_APART_FROM = 100


def primary_label(k: int) -> str:
    return f"<{k}"


class ProtectionError(RuntimeError):
    """The published counts could not be protected (no cell left to hide in a relation)."""


@dataclass
class _Relation:
    ids: np.ndarray  # variable ids
    coefs: np.ndarray  # Σ coef·x = 0 (equality) or ≤ 0 (inequality)
    equality: bool
    # An equality, or an inequality that holds with equality for the true counts (pairs +
    # START without EXIT = participants when everyone answered at START): one hidden cell in
    # it is pinned at one end of its range, as in an equality.
    tight: bool = True


@dataclass
class Publication:
    """Every count a report publishes and the relations between them; see the module doc."""

    k: int
    keep: str = KEEP_TOTALS
    restore: bool = True  # try each "x" visible again (least loss)
    # False: a table by insats and gender publishes its margins only (each insats over all
    # genders, each gender over all insatser, the total), never an insats × gender cell: those
    # are latent (see the module doc).
    cross: bool = True
    audits: int = 0  # audits of the whole system protect() ran (benchmarks report them)
    _values: list[float] = field(default_factory=list)
    # Every cell's true value, latent ones too: a point every program of the audit holds, from
    # which its first solve starts (see Program).
    _truth: list[float] = field(default_factory=list)
    _cost: list[tuple[int, int, float]] = field(default_factory=list)
    _count_of: list[int] = field(default_factory=list)  # a sum's count; −1 for a count
    _bounds: list[tuple[float, float]] = field(default_factory=list)  # a sum's value range
    _labelled: list[bool] = field(default_factory=list)  # hidden shows "<k"/"x", not a blank
    _latent: list[bool] = field(default_factory=list)  # never printed (an insats × gender cell)
    # A latent cell a reader knows is 0 (see _zero_by_margin): a published 0 to the audit.
    _known_zero: list[bool] = field(default_factory=list)
    _over_genders: list[bool] = field(default_factory=list)  # a total over the genders
    _relations: list[_Relation] = field(default_factory=list)
    _tables: dict[str, np.ndarray] = field(default_factory=dict)
    _index: list[list[int]] | None = None  # relations per count
    _near_cache: dict[tuple[int, bool], tuple[int, ...]] = field(default_factory=dict)
    _passed: set[bytes] = field(default_factory=set)  # parts that passed (see _audit)
    # The least and greatest value of each hidden count seen in the audit's solutions while
    # more is being hidden: hiding more never takes a solution away (a newly hidden cell keeps
    # its own value in it), so the next round starts from them. Not used when trying a cell
    # visible again, which can.
    _seen: dict[int, tuple[float, float]] = field(default_factory=dict)
    _restoring: bool = False
    _failed: set[int] = field(default_factory=set)  # cells that failed the last whole audit
    # The relations that prove a failing cell's range too narrow, by cell, from the last
    # whole audit (see Program.binding_rows and _hide_near).
    _binding: dict[int, list[_Relation]] = field(default_factory=dict)
    _failing_sizes: list[int] = field(default_factory=list)  # hidden cells of each failing part
    # "x" cells the last audit found pinned to one value (see _publish_pinned), the counts
    # shown that way (veiled), and how often each was hidden again since (`_hide`).
    _pinned: list[int] = field(default_factory=list)
    _published: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _taken_back: dict[int, int] = field(default_factory=dict)  # times, by count
    # Counts with means beside them (a sum of their own): hidden or veiled, those go blank too.
    _with_statistics: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _sum_parts: dict[int, list[int]] = field(default_factory=dict)  # see weighted()
    _whole_of: dict[int, int] = field(default_factory=dict)  # see share_of()
    # Unlabelled counts whose share is blank because its whole is hidden (see share_of), in the
    # state last audited.
    _blank: np.ndarray | None = None
    _shut: np.ndarray | None = None  # hidden counts and sums, once protected
    _fine: set[tuple[int, bytes]] = field(default_factory=set)  # relations _complete passed
    _pairs: tuple[np.ndarray, np.ndarray] | None = None  # see _incidence
    _usable_relations: tuple[list[tuple[int, _Relation]], dict[int, int]] | None = None
    _latent_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # _values, _count_of and _bounds as arrays (made once, at protect())
    _value_array: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _truth_array: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _labelled_array: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _count_array: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _bound_array: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
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
        latent = self._cross_cells(values, axes)
        ids = self._new_counts(values, totals, axes, labelled, latent)
        self._tables[key] = ids
        self._lines(ids, totals)
        return ids

    def tables(self, prefix: str) -> dict[str, np.ndarray]:
        """The registered tables whose key starts with `prefix`, by key: their variable ids."""
        return {key: ids for key, ids in self._tables.items() if key.startswith(prefix)}

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
            # A latent group's sum is latent too: an unknown of the audit, never printed.
            latent = self._latent[count_id]
            self._values.append(0.0 if latent else float(total))
            self._truth.append(float(total))
            self._cost.append((9, 9, 0.0))
            self._count_of.append(int(count_id))
            self._bounds.append(value_range)
            self._labelled.append(False)
            self._latent.append(latent)
            self._known_zero.append(self._known_zero[count_id])
            self._over_genders.append(False)
        self._lines(sum_ids, totals)
        return sum_ids

    def weighted(self, sums: np.ndarray, parts: Sequence[tuple[float, np.ndarray]]) -> None:
        """Cell by cell, `sums` = Σ weight × count (a mean over a distribution of answers).
        Such a mean is shown only where every count of its distribution is: beside a hidden
        one, mean and count together pin it (two equations over a few small cells)."""
        for cells in zip(np.ravel(sums), *(np.ravel(ids) for _, ids in parts), strict=True):
            self._sum_parts[int(cells[0])] = [int(c) for c in cells[1:]]
            self._relate(list(cells), [1.0] + [-w for w, _ in parts], equality=True)

    def share_of(self, parts: np.ndarray, whole: np.ndarray) -> None:
        """Cell by cell, the counts `parts` (a `labelled=False` table) are printed only as a
        share of `whole` (broadcast to their shape). Where `whole` is hidden the share is blank
        whatever the part is, so a reader learns nothing of the part, not even that it is not
        0; where only the part is hidden, its blank share says it is not 0."""
        wholes = np.broadcast_to(np.asarray(whole), np.shape(parts))
        for part, of in zip(np.ravel(parts), np.ravel(wholes), strict=True):
            if not self._latent[int(part)]:
                self._whole_of[int(part)] = int(of)

    def equal(self, left: Sequence[np.ndarray], right: Sequence[np.ndarray]) -> None:
        """Cell by cell, the sum of `left` equals the sum of `right` (tables of one shape):
        e.g. two ways of counting the same people."""
        cells = [np.ravel(t) for t in (*left, *right)]
        coefs = [1.0] * len(left) + [-1.0] * len(right)
        for row in zip(*cells, strict=True):
            self._relate(list(row), coefs, equality=True)

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
        # Made once: registering is over (_hide_near, _restore and _shortfall read it).
        self._latent_mask = latent = np.asarray(self._latent, dtype=bool)
        self._value_array = np.asarray(self._values, dtype=float)
        self._truth_array = np.asarray(self._truth, dtype=float)
        self._labelled_array = np.asarray(self._labelled, dtype=bool)
        self._count_array = np.asarray(self._count_of, dtype=np.int64)
        self._bound_array = np.asarray(self._bounds, dtype=float).reshape(-1, 2)
        self._with_statistics = np.zeros(len(self._values), dtype=bool)
        self._with_statistics[self._count_array[self._count_array >= 0]] = True
        # A latent cell is hidden from the start (shown blank, never "<k" or "x"), unless a
        # reader knows it is 0.
        known = np.asarray(self._known_zero, dtype=bool)
        hidden = (latent & ~known) | (counts & (values >= 1) & (values < self.k))
        secondary = np.zeros(len(values), dtype=bool)
        self._published = np.zeros(len(values), dtype=bool)
        rounds = stalls = escalations = 0
        failed_before: int | None = None
        audited: np.ndarray | None = None
        while True:
            self._complete(hidden, secondary, since=audited)
            failing = self._audit(hidden, secondary)
            self.audits += 1
            if not failing:
                break
            audited = hidden.copy()
            # Where everything failing is an "x" a reader works out anyway, no round follows:
            # the limits of showing one again (there for rounds that hide more beside them)
            # do not apply.
            limits = not self._only_pinned(failing, secondary)
            published = self._publish_pinned(
                hidden, secondary, limits=limits, held=self._beside_primary(failing, secondary)
            )
            failing, sizes = self._without(failing, self._failing_sizes, self._published)
            if not failing:  # showing a pinned count changes no range: the rest passed
                break
            # One more hidden cell beside each failing cell (see _hide_near), unless one was
            # hidden beside a failing "<k" this round already. A failing "x" gets one of its
            # own: one hidden for another cell's sake seldom opens its k−1 values, and on the
            # synthetic years (docs/benchmarks.md) this took fewer rounds and left more
            # statistics shown (one or three fewer rows in two years, up to 25 more in
            # others). Where rounds stop mending (STALLS_BEFORE_REGION rounds without fewer
            # failing cells, then each one more), or nothing is left to hide one cell at a
            # time, the region around the failing cells: a few relations outwards first, then
            # further (REGION_STEPS), then all of it (a cell pinned by a table's breakdown by
            # insats needs the cells two relations away, not the whole report). All of it at
            # once after ROUNDS_BEFORE_REGION, or in a part too large for more rounds
            # (REGION_ABOVE).
            failed = sum(len(group) for group in failing)
            stalled = failed_before is not None and failed >= failed_before and not published
            stalls = stalls + 1 if stalled else 0
            failed_before = failed
            before = hidden.copy()
            escalate = stalls >= (STALLS_BEFORE_REGION if not escalations else 1)
            if escalate:
                stalls = 0
            for group, size in zip(failing, sizes, strict=True):
                if rounds >= ROUNDS_BEFORE_REGION or size > REGION_ABOVE:
                    self._hide_region(group, hidden, secondary)
                elif not escalate:
                    for cell in group:
                        if secondary[cell] or not any(
                            (hidden[r.ids] & ~before[r.ids]).any() for r in self._relations_of(cell)
                        ):
                            self._hide_near([cell], hidden, secondary)
            while escalate or (
                (hidden == before).all() and not published and escalations <= len(REGION_STEPS)
            ):
                for group in failing:
                    self._hide_region(group, hidden, secondary, _region_steps(escalations))
                escalations += 1
                escalate = False
            if (hidden == before).all() and not published:
                self._hidden, self._secondary = hidden, secondary  # for a look afterwards
                where = ", ".join(self.describe(g[0]) for g in failing[:5])
                raise ProtectionError(f"no cell left to hide beside a failing cell: {where}")
            rounds += 1
            if rounds > len(values) + 1:
                raise ProtectionError("small-group protection did not converge")
        if self.restore:
            self._restore(hidden, secondary)
        self._hidden, self._secondary = hidden, secondary
        # A veiled count is shown, but hidden() says so: statistics beside it stay blank.
        self._shut = self._is_hidden(hidden) | self._published

    def _publish_pinned(
        self,
        hidden: np.ndarray,
        secondary: np.ndarray,
        limits: bool = True,
        held: frozenset[int] = frozenset(),
    ) -> bool:
        """Show again each "x" the audit found pinned to one value by what is published: it
        protects nothing (a reader works it out), and hiding more to keep it open is what
        made larger reports hide nearly everything. Showing a number a reader can work out
        anyway changes no range of the others: every solution of the audit's programs already
        has it, and what is printed beside it stays blank (veiled, see _is_hidden).
        It is hidden again only where nothing else will do (`_cheapest`, `_hide`), and shown
        again at most PUBLISH_AGAIN times, so rounds end; `limits=False` where no round
        follows (see protect). With limits, those `held` stay hidden (see _beside_primary).
        True if any was shown."""
        shown = [
            v
            for v in self._pinned
            if secondary[v]
            and (
                not limits
                or (
                    v not in held
                    and self._taken_back.get(v, 0) < PUBLISH_AGAIN
                    # Keeping genders, a total over them is hidden before a gender's count: shown,
                    # a later round would hide a gender's count in its place.
                    and not (self.keep == KEEP_GENDERS and self._over_genders[v])
                )
            )
        ]
        for var in shown:
            hidden[var] = secondary[var] = False
            self._published[var] = True
        return bool(shown)

    def _beside_primary(self, failing: list[list[int]], secondary: np.ndarray) -> frozenset[int]:
        """The counts in a relation with a "<k" that failed the audit: a pinned "x" among
        them stays hidden while the round goes on (_publish_pinned). It was hidden to open
        that cell and is pinned because it still needs a partner of its own; shown again, the
        next round hides another cell beside the "<k", which meets the same fate (at 400 in 10
        insatser, 14 cells failed for seven rounds while 10–54 "x" a round were shown and
        hidden again). Kept hidden, it fails as an "x" and gets its partner that round
        (protect), so the pattern around the "<k" closes. On 32 synthetic years this took
        about half the rounds and, with the region hidden stepwise (REGION_STEPS), hid about
        3 % fewer counts (docs/benchmarks.md)."""
        return frozenset(
            near
            for group in failing
            for var in group
            if not secondary[var]
            for near in self._near(var)
        )

    def _only_pinned(self, failing: list[list[int]], secondary: np.ndarray) -> bool:
        """Whether every failing cell is an "x" the last audit found pinned."""
        pinned = set(self._pinned)
        return all(secondary[v] and v in pinned for group in failing for v in group)

    @staticmethod
    def _without(
        failing: list[list[int]], sizes: list[int], published: np.ndarray
    ) -> tuple[list[list[int]], list[int]]:
        """The failing parts (and their sizes) without the cells just published."""
        kept = [
            ([v for v in group if not published[v]], size)
            for group, size in zip(failing, sizes, strict=True)
        ]
        kept = [(group, size) for group, size in kept if group]
        return [group for group, _ in kept], [size for _, size in kept]

    def hidden(self, ids: np.ndarray) -> np.ndarray:
        """Which of these cells are hidden ("<k" or "x"; a sum: its mean is blank), or shown
        but veiled (see _is_hidden): either way, nothing printed beside them is shown."""
        assert self._shut is not None, "protect() first"  # noqa: S101
        ids = np.asarray(ids, dtype=int)
        return self._shut[ids]

    def shown(self, ids: np.ndarray) -> np.ndarray:
        """These cells as published: ints, "<k" or "x" (None: a cell never printed)."""
        assert self._hidden is not None and self._secondary is not None  # noqa: S101
        ids = np.asarray(ids, dtype=int)
        out = np.empty(ids.shape, dtype=object)
        for index, var in np.ndenumerate(ids):
            if self._latent[var]:
                out[index] = None
            elif self._secondary[var]:
                out[index] = SECONDARY
            elif self._hidden[var]:
                out[index] = primary_label(self.k)
            else:
                out[index] = int(self._values[var])
        return out

    def digest(self) -> str:
        """A short fingerprint of what protect() decided: which cells are hidden, which of them
        are "x", and which are shown as pinned. The same data give the same digest; two trees
        that protect alike give the same one (benchmarks/report_protection.py prints it)."""
        assert self._hidden is not None and self._secondary is not None  # noqa: S101
        fingerprint = hashlib.sha256()
        for cells in (self._hidden, self._secondary, self._published):
            fingerprint.update(np.packbits(cells).tobytes())
        return fingerprint.hexdigest()[:12]

    # --- internals ----------------------------------------------------------------------------

    def _cross_cells(self, values: np.ndarray, axes: Sequence[str]) -> np.ndarray:
        """Which cells of a table are never printed (without `cross`, an insats × gender cell:
        not the last index along either axis, a group's count or a finer one within it): they
        are latent unknowns of the audit (see `_zero_by_margin` for those known to be 0)."""
        latent = np.zeros(values.shape, dtype=bool)
        if self.cross or "insats" not in axes or "gender" not in axes:
            return latent
        names = list(axes)
        insats, gender = names.index("insats"), names.index("gender")
        index = [slice(None)] * values.ndim
        index[insats] = slice(0, values.shape[insats] - 1)
        index[gender] = slice(0, values.shape[gender] - 1)
        latent[tuple(index)] = True
        return latent

    def _new_counts(
        self,
        values: np.ndarray,
        totals: Sequence[bool],
        axes: Sequence[str],
        labelled: bool,
        latent: np.ndarray,
    ) -> np.ndarray:
        start = len(self._values)
        ids = np.arange(start, start + values.size).reshape(values.shape)
        gender_axis = list(axes).index("gender") if "gender" in axes else None
        zero = (
            self._zero_by_margin(values, axes)
            if latent.any() and labelled
            else np.zeros(values.shape, dtype=bool)
        )
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
            self._values.append(0.0 if latent[index] else float(value))
            self._truth.append(float(value))
            self._over_genders.append(gender_axis is not None and on_total[gender_axis])
            self._cost.append((tier[0], tier[1], float(value)))
            self._count_of.append(-1)
            self._bounds.append((-np.inf, np.inf))
            self._labelled.append(labelled)
            self._latent.append(bool(latent[index]))
            self._known_zero.append(bool(latent[index] and zero[index]))
        return ids

    @staticmethod
    def _zero_by_margin(values: np.ndarray, axes: Sequence[str]) -> np.ndarray:
        """The cells whose insats's count over all genders, or whose gender's count over all
        insatser, is 0: a reader who sees that 0 knows they are 0 too (e.g. no exit for this
        reason in this insats), and so does the audit (the programs would work it out, at a
        cost). Only in a labelled table, where a 0 is always printed (zeros are never hidden).
        A count printed only as a share is blank beside a hidden whole, and then tells a reader
        nothing: taken as a known 0 there, the audit failed a cell no hiding could open (at
        500 in 12 insatser with four gender columns, seed 3: 25 audits, and 24 of 221
        comparison rows with statistics against 173)."""
        zero = np.zeros(values.shape, dtype=bool)
        for name in ("insats", "gender"):
            axis = list(axes).index(name)
            margin = np.take(values, [values.shape[axis] - 1], axis=axis)
            zero |= np.broadcast_to(margin == 0, values.shape)
        return zero

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
        """Σ coef·x = 0 (or ≤ 0). An inequality is tight where it holds with equality for the
        true counts; one through a latent cell is taken as not tight (its value is not known
        here)."""
        ids_ = np.asarray(ids, dtype=int)
        coefs_ = np.asarray(coefs, dtype=float)
        tight = equality
        if not equality:
            members = ids_.tolist()
            if not any(self._latent[v] for v in members):
                tight = abs(float(np.dot(coefs_, [self._values[v] for v in members]))) < TOLERANCE
        self._relations.append(_Relation(ids_, coefs_, equality, tight=tight))

    def _is_hidden(self, hidden: np.ndarray) -> np.ndarray:
        """Hidden counts, and the sums of hidden counts or over a distribution with a hidden
        count (their means are blank). A count shown as pinned (_publish_pinned) is "veiled":
        what is printed beside it stays blank as while it was hidden (its means, the shares of
        its parts), so that showing it prints no number the audit has not seen."""
        count_of = np.asarray(self._count_of)
        out = hidden.copy()
        veiled = hidden | self._published
        sums = count_of >= 0
        out[sums] = veiled[count_of[sums]]
        for var, parts in self._sum_parts.items():
            if veiled[parts].any():
                out[var] = True
        self._blank = np.zeros(len(out), dtype=bool)
        for part, whole in self._whole_of.items():
            if veiled[whole]:
                self._blank[part] = out[part] = True
        return out

    def _complete(
        self, hidden: np.ndarray, secondary: np.ndarray, since: np.ndarray | None = None
    ) -> None:
        """Rule 2, and what one relation alone shows before any program runs: in every
        equality (and tight inequality) of counts with coefficients ±1, each hidden cell must be
        able to move over its whole range ("<k": 1..k−1; "x": k−1 values) with the other
        hidden cells of that relation taking up the change within their own labels. Where one
        cannot, the cheapest visible count of the relation that covers the shortfall is hidden
        too (no relation then has exactly one hidden count). The audit still checks all
        relations together; this only spares it rounds. With `since` (what was hidden when the
        audit last ran), only relations with a cell hidden after it: the rest passed the
        audit, which sees more than one relation at a time (a relation alone would ask for
        cells the audit found no need of, and each round would hide more of them)."""
        usable, place = self._usable()
        # After the first pass, only relations with a cell hidden since they were looked at
        # (the others would give the same answer again).
        if since is None:
            dirty = np.ones(len(usable), dtype=bool)
        else:
            rows, columns = self._incidence()
            touched = np.zeros(len(self._relations), dtype=bool)
            touched[rows[(hidden & ~since)[columns]]] = True
            dirty = touched[[n for n, _ in usable]]
        changed = True
        while changed:
            changed = False
            for i, (n, relation) in enumerate(usable):
                if not dirty[i]:
                    continue
                dirty[i] = False
                shut = hidden[relation.ids]
                if not shut.any():
                    continue
                key = (n, np.packbits(np.concatenate([shut, secondary[relation.ids]])).tobytes())
                if key in self._fine:
                    continue
                if (np.abs(relation.coefs) == 1).all():
                    need = self._shortfall(relation, hidden, secondary)
                elif int(shut.sum()) == 1:  # other weights: at least no lone hidden cell
                    need = (0.0, 0.0)
                else:
                    need = None
                if need is None:
                    self._fine.add(key)
                    continue
                sign, amount = need
                target = self._cheapest_cover(relation, hidden, sign, amount)
                if target is None:
                    continue  # nothing visible to hide (zeros only): the labels must do
                hidden[target] = secondary[target] = True
                changed = True
                for number in self._relation_numbers(target):
                    if number in place:
                        dirty[place[number]] = True

    def _usable(self) -> tuple[list[tuple[int, _Relation]], dict[int, int]]:
        """The relations _complete looks at (tight, of counts only), with their numbers, and
        each one's place among them by number (made once: relations do not change while
        protecting)."""
        if self._usable_relations is None:
            rows, columns = self._incidence()
            of_sums = np.zeros(len(self._relations), dtype=bool)
            of_sums[rows[self._count_array[columns] >= 0]] = True
            tight = np.asarray([r.tight for r in self._relations], dtype=bool)
            usable = [(n, self._relations[n]) for n in np.flatnonzero(tight & ~of_sums).tolist()]
            self._usable_relations = (usable, {n: i for i, (n, _) in enumerate(usable)})
        return self._usable_relations

    def _shortfall(
        self, relation: _Relation, hidden: np.ndarray, secondary: np.ndarray
    ) -> tuple[float, float] | None:
        """The first hidden cell of `relation` that cannot move far enough within it: which
        way the relation's other cells must give (the sign of the coefficient whose cells must
        go down: +1 those with the cell's own sign, as the cell goes up) and by how much more
        than the hidden ones can. None if every hidden cell can."""
        ids = relation.ids
        shut_array = hidden[ids]
        cells = np.flatnonzero(shut_array & ~self._latent_mask[ids]).tolist()
        if not cells:
            return None
        # Plain lists: relations are short, and numpy's cost per call would dominate.
        shut = np.flatnonzero(shut_array).tolist()
        coefs = relation.coefs.tolist()
        values = self._value_array[ids].tolist()
        lows, highs = (bound.tolist() for bound in self._label_range(ids, secondary))
        latent = self._latent_mask[ids].tolist()
        is_x = secondary[ids].tolist()
        # How far each hidden cell can go down and up (a latent cell's value is not known:
        # it gives as much room as needed).
        down = {j: np.inf if latent[j] else values[j] - lows[j] for j in shut}
        up = {j: highs[j] - values[j] for j in shut}
        for i in cells:
            positive = coefs[i] > 0
            same = [j for j in shut if j != i and (coefs[j] > 0) == positive]
            other = [j for j in shut if (coefs[j] > 0) != positive]
            if is_x[i]:
                need_up, need_down = float(self.k - 2), 0.0
            else:
                need_up, need_down = self.k - 1 - values[i], values[i] - 1
            # The cell up: others with its sign down, the rest up (an inequality gives way
            # freely when the cell's move lowers its left-hand side).
            free_up = not relation.equality and not positive
            free_down = not relation.equality and positive
            can_up = np.inf if free_up else sum(down[j] for j in same) + sum(up[j] for j in other)
            can_down = (
                np.inf if free_down else sum(up[j] for j in same) + sum(down[j] for j in other)
            )
            can_down = min(can_down, values[i] - lows[i])
            sign = 1.0 if positive else -1.0
            if is_x[i]:
                if can_up + can_down < need_up - TOLERANCE:
                    # More room either way; down for the others of its sign is what a total
                    # or a large part gives.
                    return sign, need_up - can_up - can_down
            elif can_up < need_up - TOLERANCE:
                return sign, need_up - can_up
            elif can_down < need_down - TOLERANCE:
                return -sign, need_down - can_down
        return None

    def _label_range(self, ids: np.ndarray, secondary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the labels of hidden counts say, (least, greatest) each: "x" at least k, a
        blank share's count not 0, "<k" 1..k−1 (one place for the audit's bounds and
        _shortfall's); a share blank because its whole is hidden says nothing, nor does a
        latent cell."""
        nothing = self._latent_mask[ids]
        if self._blank is not None:
            nothing = nothing | self._blank[ids]
        is_x = secondary[ids].astype(bool)
        unlabelled = ~self._labelled_array[ids]
        lows = np.where(nothing, 0.0, np.where(is_x, float(self.k), 1.0))
        highs = np.where(nothing | is_x | unlabelled, np.inf, float(self.k - 1))
        return lows, highs

    def _cheapest_cover(
        self, relation: _Relation, hidden: np.ndarray, sign: float, amount: float
    ) -> int | None:
        """The cheapest visible count of the relation that gives `amount` of room once hidden
        (as "x", at least k): one with coefficient `sign` can go down by value − k, one with
        the other sign up without end. Those that cover it all first (one hidden cell then
        does what two would), and among them the förbund's choice (a part or a total), then
        one without means beside it (hidden, or shown veiled, those go blank too), then the
        smallest."""
        candidates = [
            (int(v), c)
            for v, c in zip(relation.ids, relation.coefs, strict=True)
            if not hidden[v]
            and self._values[v] > 0
            and self._count_of[v] < 0
            and not self._published[v]
        ]
        if not candidates:
            return None

        def covers(item: tuple[int, float]) -> bool:
            var, coef = item
            return np.sign(coef) != sign or self._values[var] - self.k >= amount - TOLERANCE

        return min(
            candidates,
            key=lambda item: (
                not covers(item),
                self._cost[item[0]][:2],
                bool(self._with_statistics[item[0]]),
                self._alone(item[0], hidden),
                self._cost[item[0]][2],
            ),
        )[0]

    def _room_needed(self, var: int, secondary: np.ndarray) -> float:
        """How large a partner in a relation must be for this hidden cell to move over its
        whole range (a "<k" of value v up to k−1: the partner down by k−1−v and stay ≥ k)."""
        if secondary[var] or self._count_of[var] >= 0:
            return float(2 * self.k - 2)
        return float(2 * self.k - 1 - self._values[var])

    def _cheapest(self, candidates: np.ndarray, room: float, hidden: np.ndarray) -> int | None:
        """The count that costs least to hide (tier, then value); among equals, one without
        means beside it first (see _cheapest_cover), then one with the `room` its partner needs,
        since a smaller one would soon need a partner too."""
        usable = [int(v) for v in candidates if self._values[v] > 0 and self._count_of[v] < 0]
        if not usable:
            return None
        return min(
            usable,
            key=lambda v: (
                bool(self._published[v]),
                self._cost[v][0],
                self._cost[v][1],
                bool(self._with_statistics[v]),
                self._values[v] < room,
                self._alone(v, hidden),
                self._cost[v][2],
            ),
        )

    def _alone(self, var: int, hidden: np.ndarray) -> int:
        """In how many relations of counts (equalities and tight inequalities) this count
        would be the only hidden cell once hidden: each would call for one more hidden cell.
        A complement that joins cells already hidden (a rectangle with them) costs less in
        the end than one that starts new chains."""
        count_of = self._count_array
        alone = 0
        for relation in self._relations_of(var):
            if not relation.tight or (count_of[relation.ids] >= 0).any():
                continue
            if int(hidden[relation.ids].sum()) - int(hidden[var]) == 0:
                alone += 1
        return alone

    def _near(self, var: int, equalities_only: bool = False) -> tuple[int, ...]:
        """The counts in a relation with this one (`equalities_only`: in an equality or a tight
        inequality), each once; kept, as the relations do not change while protecting (the
        searches outwards in _hide_near ask again and again)."""
        key = (var, equalities_only)
        near = self._near_cache.get(key)
        if near is None:
            found: dict[int, None] = {}
            for relation in self._relations_of(var):
                if relation.tight or not equalities_only:
                    found.update(dict.fromkeys(self._counts(relation.ids)))
            near = self._near_cache[key] = tuple(found)
        return near

    def _hide_region(
        self,
        failing: list[int],
        hidden: np.ndarray,
        secondary: np.ndarray,
        steps: int | None = None,
    ) -> None:
        """The bounded way out for a part that still fails after several rounds (many small
        groups knit together): hide every non-zero count related to it, outwards, until no
        number shown remains in a relation with a hidden cell. Then a reader has only the
        labels, and the audit passes without a program. With `steps`, only so many relations
        outwards (through hidden cells) from the failing cells."""
        reached, frontier = set(failing), list(failing)
        while frontier and (steps is None or steps > 0):
            steps = None if steps is None else steps - 1
            near = {v for cell in frontier for v in self._near(cell)} - reached
            for v in near:
                if not hidden[v] and self._values[v] > 0 and self._count_of[v] < 0:
                    self._hide(v, hidden, secondary)
            reached |= near
            frontier = [v for v in near if hidden[v]]

    def _hide_near(self, failing: list[int], hidden: np.ndarray, secondary: np.ndarray) -> None:
        """Hide more beside failing cells: first in the relations that pin them (below: where
        the cell is alone, then those of the audit's proof, else those with the fewest hidden
        cells); where those have nothing visible left, the cheapest visible count in a
        relation with a failing cell (or its sum), then in a relation with those cells, and so
        on outwards.
        Keeping totals, along sums and totals first, since an inequality (a part at most its
        whole) seldom pins a cell; keeping genders, a total elsewhere (e.g. a column without
        genders that bounds this one) is as near as a gender's count beside it."""
        # The relations of the failing cells with the fewest hidden cells are what pins them
        # (two "x" in a line with a visible total): the cheapest visible count of the first
        # that has one.
        count_of = np.asarray(self._count_of)
        room = max(self._room_needed(cell, secondary) for cell in failing)
        relations = [
            r
            for cell in failing
            for r in self._relations_of(cell)
            if r.tight and not (count_of[r.ids] >= 0).any()
        ]
        # A cell alone among visible counts in several relations (participants beside pairs +
        # START without EXIT of every measure) is pinned by each: one more in each at once.
        latent = self._latent_mask
        alone = [r for r in relations if int((hidden[r.ids] & ~latent[r.ids]).sum()) == 1]
        if len(alone) > 1:
            found = {self._cheapest(r.ids[~hidden[r.ids]], room, hidden) for r in alone}
            targets = {target for target in found if target is not None}
            for one in targets:
                self._hide(one, hidden, secondary)
            if targets:
                return
        # Where the audit proved the cells' ranges too narrow, only the relations of the proof
        # (see Program.binding_rows): hiding a count in none of them leaves the proof, and the
        # range, as it was (short of loosening a bound it uses, as a hidden whole does for its
        # parts' blank shares). The cheapest count of those relations with a failing cell in
        # them, else of the rest of the proof. At 650 participations in 20 insatser a "<5"
        # of the satisfaction table over all insatser took three rounds of counts hidden in
        # its rows of genders, which its proof did not use (docs/benchmarks.md).
        proofs = [self._binding.get(cell) for cell in failing]
        if all(proofs):
            mine = set(failing)
            proof = [r for cells in proofs if cells for r in cells]
            own = [r for r in proof if mine.intersection(self._counts(r.ids))]
            for group in (own, proof):
                visible = {c for r in group for c in self._counts(r.ids) if not hidden[c]}
                target = self._cheapest(np.asarray(sorted(visible), dtype=int), room, hidden)
                if target is not None:
                    self._hide(target, hidden, secondary)
                    return
        for relation in sorted(relations, key=lambda r: int(hidden[r.ids].sum())):
            target = self._cheapest(relation.ids[~hidden[relation.ids]], room, hidden)
            if target is not None:
                self._hide(target, hidden, secondary)
                return
        searches = (False,) if self.keep == KEEP_GENDERS else (True, False)
        for equalities_only in searches:
            reached, frontier = set(failing), list(failing)
            while frontier:
                near = {v for cell in frontier for v in self._near(cell, equalities_only)} - reached
                target = self._cheapest(
                    np.asarray(sorted(v for v in near if not hidden[v]), dtype=int), room, hidden
                )
                if target is not None:
                    self._hide(target, hidden, secondary)
                    return
                reached |= near
                frontier = list(near)

    def _hide(self, var: int, hidden: np.ndarray, secondary: np.ndarray) -> None:
        """Hide a count as "x". One shown as pinned (_publish_pinned) is taken back only where
        nothing else will do (`_cheapest` tries it last), and counted: it is shown that way
        again at most PUBLISH_AGAIN times."""
        hidden[var] = secondary[var] = True
        if self._published[var]:
            self._published[var] = False
            self._taken_back[var] = self._taken_back.get(var, 0) + 1

    def _counts(self, ids: np.ndarray) -> list[int]:
        """The counts of these cells (a sum stands for its count)."""
        count_of = self._count_of
        return [v if count_of[v] < 0 else count_of[v] for v in ids.tolist()]

    def _relations_of(self, var: int) -> list[_Relation]:
        """The relations with this count or its sums in them."""
        return [self._relations[n] for n in self._relation_numbers(var)]

    def _relation_numbers(self, var: int) -> list[int]:
        """The numbers of the relations with this count or its sums in them (indexed once,
        when protecting)."""
        if self._index is None:
            index: list[list[int]] = [[] for _ in self._values]
            for n, relation in enumerate(self._relations):
                for v in set(self._counts(relation.ids)):
                    index[v].append(n)
            self._index = index
        return self._index[var]

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
        # A latent cell alone beside visible counts is no lone hidden cell: it is not protected.
        latent = self._latent_mask
        self._restoring = True
        for var in order:
            hidden[var] = secondary[var] = False
            lone = any(
                relation.equality
                and not (count_of[relation.ids] >= 0).any()
                and int((hidden[relation.ids] & ~latent[relation.ids]).sum()) == 1
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
        count_of = np.asarray(self._count_of)
        # The parts: hidden variables that share a relation, as connected components of the
        # graph of relations and the hidden variables in them (and each hidden sum with its
        # count).
        n = len(shut)
        rows, columns = self._incidence()
        keep = shut[columns]
        sums = np.flatnonzero(shut & (count_of >= 0))
        graph = sparse.coo_array(
            (
                np.ones(int(keep.sum()) + len(sums)),
                (
                    np.concatenate([rows[keep] + n, sums]),
                    np.concatenate([columns[keep], count_of[sums]]),
                ),
            ),
            shape=(n + len(self._relations), n + len(self._relations)),
        )
        _, labels = connected_components(graph, directed=False)
        # Each part's hidden variables and relations, grouped by label at once.
        members_of = _grouped(labels, np.flatnonzero(shut))
        numbers = np.unique(rows[keep])
        relations_of = _grouped(labels, numbers, offset=n)
        # Whether a number other than 0 is shown in a relation of the part.
        shown = ~shut & (self._value_array != 0)
        numbers_near = {
            int(labels[n + number]) for number in np.unique(rows[shown[columns]]).tolist()
        }
        if around is not None:
            roots = {int(labels[v]) for v in around}
            members_of = {root: m for root, m in members_of.items() if root in roots}
        # Each part in turn: its key, its hidden cells, and whether it fails unaudited (too
        # large for a try), passes unaudited (a reader has the labels only), or is audited.
        parts: list[tuple[bytes, list[int], str]] = []
        audited: list[tuple[list[int], list[_Relation]]] = []
        for root, member_array in members_of.items():
            # A part of the system that passed before and has not changed passes again.
            key = member_array.tobytes() + np.packbits(secondary[member_array]).tobytes()
            if key in self._passed:
                continue
            members = member_array.tolist()
            near = root in numbers_near
            if largest is not None and self._visible(members) > largest and near:
                parts.append((key, members, "fails"))  # too large to audit again for a try
            elif near:
                relations = [self._relations[r] for r in relations_of.get(root, _NONE).tolist()]
                audited.append((members, relations))
                parts.append((key, members, "audit"))
            else:
                parts.append((key, members, "passes"))
        if around is None:
            self._binding = {}
        results = iter(self._audit_parts(audited, shut, hidden, secondary))
        failing: list[list[int]] = []
        self._failing_sizes = []
        self._pinned = []
        for key, members, kind in parts:
            found: list[int] = []
            if kind == "fails":
                found = members
            elif kind == "audit":
                found, pinned = next(results)
                self._pinned += pinned
            if not found:
                self._passed.add(key)
            else:
                failing.append(found)
                self._failing_sizes.append(self._visible(members))
        if around is None:
            self._failed = {var for group in failing for var in group}
        return failing

    def _audit_parts(
        self,
        parts: list[tuple[list[int], list[_Relation]]],
        shut: np.ndarray,
        hidden: np.ndarray,
        secondary: np.ndarray,
    ) -> list[tuple[list[int], list[int]]]:
        """_audit_component of each part, (failing, pinned) each in order. Parts share no
        unknown, so they are audited side by side: the largest here, the others in a thread
        of their own (HiGHS runs without the GIL). At 650 participations in 20 insatser the
        first audit has one part of 3,126 hidden cells and 43 small ones, each about a third
        of a second in all (docs/benchmarks.md). A part's result depends on its own programs
        only, so the same data give the same report."""

        def audit(part: tuple[list[int], list[_Relation]]) -> tuple[list[int], list[int]]:
            return self._audit_component(part[0], part[1], shut, hidden, secondary)

        largest = max(range(len(parts)), key=lambda i: len(parts[i][0]), default=0)
        others = [i for i in range(len(parts)) if i != largest]
        if sum(len(parts[i][0]) for i in others) < PARTS_APART_FROM:
            return [audit(part) for part in parts]
        self._relation_numbers(0)  # the index, made before two threads read it
        theirs = parts_thread(os.getpid()).submit(lambda: [audit(parts[i]) for i in others])
        try:
            mine = audit(parts[largest])
        finally:
            done = theirs.result()  # waited for even when this one failed
        results = dict(zip(others, done, strict=True))
        results[largest] = mine
        return [results[i] for i in range(len(parts))]

    def _visible(self, members: list[int]) -> int:
        """How many of a part's hidden cells a reader sees as hidden ("<k", "x", a blank mean or
        share): its size for the thresholds, which latent cells would otherwise set by the
        number of categories of the tables in it."""
        return len(members) - int(self._latent_mask[members].sum())

    def _incidence(self) -> tuple[np.ndarray, np.ndarray]:
        """(relation number, variable) of every variable in every relation (made once)."""
        if self._pairs is None:
            sizes = [len(r.ids) for r in self._relations]
            self._pairs = (
                np.repeat(np.arange(len(self._relations)), sizes),
                np.concatenate([r.ids for r in self._relations]).astype(int)
                if self._relations
                else np.zeros(0, dtype=int),
            )
        return self._pairs

    def _audit_component(
        self,
        members: list[int],
        relations: list[_Relation],
        shut: np.ndarray,
        hidden: np.ndarray,
        secondary: np.ndarray,
    ) -> tuple[list[int], list[int]]:
        """Hidden counts of one component whose range is too narrow, and its "x" found pinned
        (see _publish_pinned). The strict wish is the label's whole range (1..k−1; at least
        k−1 values for "x"). Where the labels alone already narrow it (a "<5" total of two
        hidden parts leaves each at most 3), a cell passes if the published numbers narrow it
        no further than the labels do."""
        # Hidden counts; a count whose share is only blank beside its hidden whole is an unknown
        # to the reader, not a hidden published count: nothing to keep open for it.
        counts = [
            var
            for var in members
            if self._count_of[var] < 0 and hidden[var] and not self._latent[var]
        ]
        large = not (self._restoring or self._visible(members) <= REGION_ABOVE)
        narrow: list[int] = []
        labels: dict[int, tuple[float, float]] = {}

        def label_range(
            var: int, ends: dict[int, tuple[bool, bool]] | None = None
        ) -> tuple[float, float]:
            """What the labels alone allow of `var` (see _label_ranges)."""
            low_, high_ = self._label_ranges(self._around(var, shut), [var], secondary, ends)
            return low_[var], high_[var]

        # Most cells that failed the last audit fail again, and each needs what its labels
        # allow: worked out beside the batches of a large part (see _EarlyLabels).
        early = None
        if not (large or self._restoring) and len(members) > EARLY_LABELS_FROM:
            again = [var for var in counts if var in self._failed]
            early = _EarlyLabels(label_range, again) if again else None

        def excused(var: int, low: dict[int, float], high: dict[int, float]) -> bool:
            least, greatest = labels[var]
            if secondary[var]:
                return high[var] - low[var] >= min(self.k - 2, greatest - least) - TOLERANCE
            return (
                low[var] <= max(1, least) + TOLERANCE
                and high[var] >= min(self.k - 1, greatest) - TOLERANCE
            )

        def undecided(low: dict[int, float], high: dict[int, float]) -> list[int]:
            """Given the witnesses, the cells that need their exact ranges."""
            if not self._restoring:
                self._seen.update((v, (low[v], high[v])) for v in counts)
            narrow.extend(v for v in counts if not self._wide_enough(v, low[v], high[v], secondary))
            if large:
                # A part too large for programs of single cells (it will have its region
                # hidden if anything fails): a cell without a witness fails; only its "x" get
                # their exact ranges, to find those pinned (_publish_pinned).
                return [v for v in narrow if secondary[v]]
            # What the labels alone allow (of a "<k" cell only the ends not yet seen open),
            # from the relations around each cell: a cell whose witnesses already reach that
            # passes.
            ends = {
                var: (True, True)
                if secondary[var]
                else (low[var] > 1 + TOLERANCE, high[var] < self.k - 1 - TOLERANCE)
                for var in narrow
            }
            for var in narrow:
                # Both ends, where worked out early: an end already seen open excuses as its
                # label's own end does (excused).
                found = early.take(var) if early is not None else None
                labels[var] = found if found is not None else label_range(var, ends)
            if early is not None:
                early.stop()  # its thread is the exact ranges' second solver's (_ranges)
            return [var for var in narrow if not excused(var, low, high)]

        # Witnesses first (batched programs): a cell seen over the range it needs passes; then
        # the exact ranges (a program per end) of those still undecided, in the same program.
        binding: dict[int, set[int]] | None = None if self._restoring else {}
        try:
            low, high, exact = self._ranges(
                members, relations, counts, secondary, exact=undecided, binding=binding
            )
        finally:
            if early is not None:
                early.stop()
        pinned = []
        if not self._restoring:
            self._seen.update((v, (low[v], high[v])) for v in exact)
            pinned = [
                v for v in exact if secondary[v] and _one_value(low[v], high[v], self._values[v])
            ]
        failing = narrow if large else [var for var in exact if not excused(var, low, high)]
        if binding:
            for var in failing:
                if binding.get(var):
                    self._binding[var] = [relations[r] for r in sorted(binding[var])]
        return failing, pinned

    def _around(self, var: int, shut: np.ndarray) -> list[_Relation]:
        """The relations of a hidden count and of the hidden cells beside it: what the labels
        alone say of it is taken from these only. Fewer relations say less, so a cell is
        excused less (never more) than by the whole system, and the programs stay small where
        latent cells join every table by insats and gender into one part."""
        near = {id(r): r for r in self._relations_of(var)}
        beside = {int(v) for r in list(near.values()) for v in r.ids if shut[v]} - {var}
        for other in beside:
            for relation in self._relations_of(self._counts(np.asarray([other]))[0]):
                near.setdefault(id(relation), relation)
        return list(near.values())

    def _wide_enough(self, var: int, low: float, high: float, secondary: np.ndarray) -> bool:
        k = self.k
        if secondary[var]:
            return high - low >= k - 2 - TOLERANCE
        return low <= 1 + TOLERANCE and high >= k - 1 - TOLERANCE

    def _label_bounds(
        self, ids: np.ndarray, secondary: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of these cells from their labels alone, (least, greatest) each,
        the first rule that applies deciding: nothing of a latent cell or of a share blank
        beside a hidden whole; of an unlabelled cell that it is 0, or not; "x" and a visible
        count ≥ k at least k; a count shown as 0 is 0; else ("<k") 1..k−1."""
        k = float(self.k)
        values = self._value_array[ids]
        counts = self._count_array[ids] < 0
        lower, upper = np.ones(len(ids)), np.full(len(ids), k - 1)
        zero = (values == 0) & counts
        lower[zero] = upper[zero] = 0.0
        large = secondary[ids].astype(bool) | (counts & (values >= k))
        lower[large], upper[large] = k, np.inf
        unlabelled = ~self._labelled_array[ids]
        lower[unlabelled] = np.where(values[unlabelled] == 0, 0.0, 1.0)
        upper[unlabelled] = np.where(values[unlabelled] == 0, 0.0, np.inf)
        nothing = self._latent_mask[ids]
        if self._blank is not None:
            nothing = nothing | self._blank[ids]
        lower[nothing], upper[nothing] = 0.0, np.inf
        return lower, upper

    def _label_ranges(
        self,
        relations: list[_Relation],
        targets: list[int],
        secondary: np.ndarray,
        ends: dict[int, tuple[bool, bool]] | None = None,
    ) -> tuple[dict[int, float], dict[int, float]]:
        """The ranges of `targets` a reader gets from the labels alone: visible counts known
        only as "0" or "at least k", sums not known at all. With `ends`, only the (least,
        greatest) ends marked True are solved for; the others are left at +inf and -inf."""
        unknowns = (
            np.unique(np.concatenate([r.ids for r in relations])).tolist() if relations else []
        )
        low, high, _ = self._ranges(
            unknowns, relations, targets, secondary, label_only=True, ends_wanted=ends
        )
        return low, high

    def _ranges(
        self,
        unknowns: list[int],
        relations: list[_Relation],
        targets: list[int],
        secondary: np.ndarray,
        label_only: bool = False,
        exact: bool | Callable[[dict[int, float], dict[int, float]], list[int]] = True,
        ends_wanted: dict[int, tuple[bool, bool]] | None = None,
        binding: dict[int, set[int]] | None = None,
    ) -> tuple[dict[int, float], dict[int, float], list[int]]:
        """Least and greatest value of each target over the LP of `relations`, the `unknowns`
        being variables and every other cell its published value. Every solution is a witness:
        values a reader cannot rule out, for every target at once. So batches come first (see
        `_batches`), and only targets still without witnesses get programs of their own, which
        give their exact least and greatest value. `exact` may choose those, given the
        witnesses; the targets given exact ranges come back third. With `binding`, each
        target's exact ends that are too narrow add the relations that prove them (numbers in
        `relations`, see Program.binding_rows) to its set there."""
        k = self.k
        n = len(unknowns)
        position = np.full(len(self._values), -1, dtype=np.int64)
        position[unknowns] = np.arange(n)
        rows = self._program_rows(relations, position)
        ids = np.asarray(unknowns, dtype=int)
        truth = self._truth_array[ids]
        if label_only:
            lower, upper = self._label_bounds(ids, secondary)
        else:
            lower, upper = self._label_range(ids, secondary)
        # A sum is bounded by its count's rows (_program_rows), not by a label; where its count
        # is published (shown as pinned, its mean still blank), by that count times the least
        # and the greatest value, as a reader bounds it.
        count = self._count_array[ids]
        sums = count >= 0
        lower[sums], upper[sums] = -np.inf, np.inf
        if not label_only:
            shown = np.flatnonzero(sums)[position[count[sums]] < 0]
            if len(shown):
                factor = self._bound_array[ids[shown]]
                value = self._value_array[count[shown]]
                with np.errstate(invalid="ignore"):  # inf · 0: nothing known
                    least, greatest = factor[:, 0] * value, factor[:, 1] * value
                lower[shown] = np.where(np.isfinite(least), least, -np.inf)
                upper[shown] = np.where(np.isfinite(greatest), greatest, np.inf)
        at = position[np.asarray(targets, dtype=int)]
        values = self._value_array[targets]
        is_x = secondary[targets].astype(bool)
        # The ends of the range each target needs: 1..k−1 for "<k", its value ± (k−2) for "x".
        top = np.where(is_x, values + (k - 2), k - 1.0)
        bottom = np.where(is_x, values - (k - 2), 1.0)
        batched = not label_only and len(targets) > 1
        programs: dict[bool, Program] = {}

        def program(capped: bool) -> Program:
            """The program (made when first needed); the capped copies only for the batches:
            the programs of single targets stay small."""
            if capped not in programs:
                caps = (at, top, bottom) if capped else None
                programs[capped] = Program(n, lower, upper, rows, caps, start=truth)
            return programs[capped]

        lows = np.full(len(targets), np.inf)
        highs = np.full(len(targets), -np.inf)
        if not label_only and not self._restoring:
            for i, var in enumerate(targets):
                lows[i], highs[i] = self._seen.get(var, (np.inf, -np.inf))

        found = threading.Lock()  # the witnesses, where two solvers find them (ends)

        def solve(
            objective: np.ndarray | None,
            caps: np.ndarray | None = None,
            solver: Program | None = None,
            seen: tuple[np.ndarray, np.ndarray] | None = None,
        ) -> bool:
            """Solve; False if unbounded. A program of single targets goes on in the batches'
            program where there is one (its capped copies cost nothing then): a new program
            would start from nothing. The witness goes to `seen` too (a thread's own)."""
            if solver is None:
                solver = program(batched and (caps is not None or True in programs))
            x = solver.minimise(objective, caps)
            if x is None:
                return False
            with found:
                np.minimum(lows, x[at], out=lows)
                np.maximum(highs, x[at], out=highs)
            if seen is not None:
                np.minimum(seen[0], x[at], out=seen[0])
                np.maximum(seen[1], x[at], out=seen[1])
            return True

        def wide(low: np.ndarray = lows, high: np.ndarray = highs) -> np.ndarray:
            return np.where(
                is_x,
                high - low >= k - 2 - TOLERANCE,
                (low <= 1 + TOLERANCE) & (high >= k - 1 - TOLERANCE),
            )

        def second() -> Program | None:
            """A second solver for the batches, from the vertex the first reached: for a large
            program of many targets only."""
            batches = programs[True]
            if len(targets) < TWO_SOLVERS_FROM or batches.width <= INTERIOR_ABOVE:
                return None
            return batches.copy() if batches.highs is not None and batches.warm else None

        if batched:
            self._batches(solve, wide, lows, highs, top, bottom, second)
        if callable(exact):
            chosen = set(
                exact(
                    dict(zip(targets, lows.tolist(), strict=True)),
                    dict(zip(targets, highs.tolist(), strict=True)),
                )
            )
            solved = [var for var in targets if var in chosen]
        else:
            solved = list(targets) if exact else []
        order = {var: i for i, var in enumerate(targets)}

        def short(i: int, sense: float, low: np.ndarray, high: np.ndarray) -> bool:
            """Whether a target's least (`sense` 1) or greatest end is not yet seen as far as
            it needs: 1 or k−1 for "<k"; for "x", its range not yet k−2 wide."""
            if is_x[i]:
                return not wide(low, high)[i]
            return bool(low[i] > 1 + TOLERANCE if sense > 0 else high[i] < k - 1 - TOLERANCE)

        def ends(cells: list[int], solver: Program | None = None) -> None:
            """The exact least and greatest value of each of `cells`, an end at a time (an end
            already seen wide enough is not solved for). What is seen wide is decided on the
            witnesses seen before the ends began and this call's own: with two solvers, the
            other's come at times that vary, and which ends are solved, from which vertex,
            decides the proofs (`binding`) and so the cells hidden next."""
            low, high = (seen.copy() for seen in start)
            for var in cells:
                i = order[var]
                for sense in (1.0, -1.0):
                    if ends_wanted is not None and not ends_wanted[var][0 if sense > 0 else 1]:
                        continue
                    if not label_only:
                        if wide(low, high)[i]:
                            break
                        if not is_x[i] and not short(i, sense, low, high):
                            continue  # this end is already seen open
                    objective = np.zeros(n)
                    objective[at[i]] = sense
                    used = solver if solver is not None else program(batched and True in programs)
                    if not solve(objective, solver=used, seen=(low, high)):
                        with found:  # unbounded: as wide as can be
                            if sense > 0:
                                low[i] = lows[i] = -np.inf
                            else:
                                high[i] = highs[i] = np.inf
                    elif binding is not None and short(i, sense, low, high):
                        # This end is short of what the cell needs: the relations proving it.
                        rows = used.binding_rows()
                        if rows is not None:
                            with found:
                                mine = binding.setdefault(var, set())
                                mine.update(rows[rows < len(relations)].tolist())

        start = (lows.copy(), highs.copy())  # before any thread begins (see ends)

        batches = programs.get(True)
        # The exact ranges go on from the batches' last vertex, without the capped copies.
        single = batches.without_caps() if batches is not None and solved else None
        if (
            len(solved) >= TWO_SOLVERS_FROM
            and single is not None
            and batches is not None
            and batches.width > INTERIOR_ABOVE
            and single.highs is not None
        ):
            # Many exact ranges in a large program: a second solver from the same vertex
            # takes every other cell, in a thread (HiGHS runs without the GIL). Each decides
            # which ends to solve on its own witnesses (see ends), so the same data give the
            # same report.
            other = second_thread(os.getpid()).submit(ends, solved[1::2], single.copy())
            ends(solved[::2], single)
            other.result()
        else:
            ends(solved, single)
        return (
            dict(zip(targets, lows.tolist(), strict=True)),
            dict(zip(targets, highs.tolist(), strict=True)),
            solved,
        )

    def _program_rows(self, relations: list[_Relation], position: np.ndarray) -> Rows:
        """The relations as rows over the unknowns (`position`: each variable's column, −1
        for a published value, which moves to the bounds), and each unknown sum between its
        count times the least and the greatest value (sign·(factor·n − S) ≤ 0)."""
        if relations:
            ids = np.concatenate([r.ids for r in relations])
            coefs = np.concatenate([r.coefs for r in relations])
            row = np.repeat(np.arange(len(relations)), [len(r.ids) for r in relations])
        else:
            ids, coefs, row = (np.zeros(0, dtype=int), np.zeros(0), np.zeros(0, dtype=int))
        column = position[ids]
        inside = column >= 0
        constant = np.bincount(
            row[~inside],
            weights=coefs[~inside] * self._value_array[ids[~inside]],
            minlength=len(relations),
        )
        equality = np.asarray([r.equality for r in relations], dtype=bool)
        relation_rows = Rows(
            np.where(equality, -constant, -np.inf),
            -constant,
            row[inside],
            column[inside],
            coefs[inside],
        )
        sums = np.flatnonzero((position >= 0) & (self._count_array >= 0))
        sums = sums[position[self._count_array[sums]] >= 0]
        # Each sum's least-value row, then its greatest-value row, sum by sum.
        var = np.repeat(sums, 2)
        sign = np.tile([1.0, -1.0], len(sums))
        factor = self._bound_array[sums].ravel()
        finite = np.isfinite(factor)
        var, sign, factor = var[finite], sign[finite], factor[finite]
        bounds = Rows.pairs(position[var], position[self._count_array[var]], (-sign, sign * factor))
        return Rows.of(relation_rows, bounds)

    @staticmethod
    def _batches(
        solve: Callable[..., bool],
        wide: Callable[[], np.ndarray],
        lows: np.ndarray,
        highs: np.ndarray,
        top: np.ndarray,
        bottom: np.ndarray,
        second: Callable[[], Program | None] = lambda: None,
    ) -> None:
        """Witnesses for many targets per program: every target still lacking one is pulled
        towards the end of the range it needs and rewarded no further than that end (a capped
        copy of it: y ≤ x, y ≤ top, y maximised; z ≥ x, z ≥ bottom, z minimised), so one
        solution serves as many targets as can be served together. Up, then down; again while
        a round finds new witnesses, at most BATCH_ROUNDS times. After the first, where
        `second` gives a second solver, the targets are shared: every other one is pulled by
        it in a thread of its own (HiGHS runs without the GIL), from the same vertex. Each
        round waits for both, so which targets each pulls depends on the witnesses alone."""
        n_targets = len(top)
        other: Program | None = None
        first = True

        def capped(pulled: np.ndarray, up: bool) -> np.ndarray:
            caps = np.zeros(2 * n_targets)
            if up:
                caps[:n_targets][pulled] = -1.0
            else:
                caps[n_targets:][pulled] = 1.0
            return caps

        for _ in range(BATCH_ROUNDS):
            progress = False
            for up in (True, False):
                open_ = ~wide() & ((highs < top - TOLERANCE) if up else (lows > bottom + TOLERANCE))
                if not open_.any():
                    continue
                before_low, before_high = lows.copy(), highs.copy()
                if not first and other is None:
                    other = second()  # None again where it was: nothing changes its answer
                if other is None or open_.sum() < 2:
                    solve(None, capped(open_, up))
                else:
                    pulled = np.flatnonzero(open_)
                    theirs = np.zeros(n_targets, dtype=bool)
                    theirs[pulled[1::2]] = True
                    future = batch_thread(os.getpid()).submit(
                        solve, None, capped(theirs, up), other
                    )
                    try:
                        solve(None, capped(open_ & ~theirs, up))
                    finally:
                        future.result()
                first = False
                if (lows < before_low - TOLERANCE).any() or (highs > before_high + TOLERANCE).any():
                    progress = True
            if not progress or wide().all():
                return


_NONE = np.zeros(0, dtype=np.int64)


class _EarlyLabels:
    """What the labels alone allow of some cells (`work`, both ends), worked out in the
    second thread while the audit's batches solve (HiGHS runs without the GIL). `take` gives
    a cell's result, waiting if the thread is at it; None if the thread has not begun it (the
    caller works it out then, and the thread leaves it). `stop` lets the thread end after
    the cell it is at: the exact ranges' second solver runs in the same thread."""

    def __init__(self, work: Callable[[int], tuple[float, float]], cells: list[int]) -> None:
        self._work = work
        self._lock = threading.Lock()
        self._begun: dict[int, threading.Event] = {}
        self._done: dict[int, tuple[float, float]] = {}
        self._stopped = False
        self._future = second_thread(os.getpid()).submit(self._run, cells)

    def _run(self, cells: list[int]) -> None:
        for var in cells:
            with self._lock:
                if self._stopped:
                    return
                if var in self._begun:
                    continue
                begun = self._begun[var] = threading.Event()
            try:
                self._done[var] = self._work(var)
            finally:
                begun.set()

    def take(self, var: int) -> tuple[float, float] | None:
        with self._lock:
            begun = self._begun.get(var)
            if begun is None:
                self._begun[var] = threading.Event()  # the caller's from now on
                return None
        begun.wait()
        return self._done.get(var)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._future.result()  # an error in the thread is raised here


def _region_steps(escalations: int) -> int | None:
    """How many relations outwards the region is hidden after this many escalations (see
    REGION_STEPS); None: all of it."""
    return REGION_STEPS[escalations] if escalations < len(REGION_STEPS) else None


def _one_value(low: float, high: float, value: float) -> bool:
    """Whether an audited range is the one value (within the solver's tolerance)."""
    return high - low <= TOLERANCE * max(1.0, abs(value))


def _grouped(labels: np.ndarray, items: np.ndarray, offset: int = 0) -> dict[int, np.ndarray]:
    """`items` (ascending) by the label of item + offset: {label: its items, ascending}."""
    if not len(items):
        return {}
    keys = labels[items + offset]
    order = np.argsort(keys, kind="stable")
    keys, items = keys[order], items[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    return {
        int(group[0]): values
        for group, values in zip(np.split(keys, cuts), np.split(items, cuts), strict=True)
    }
