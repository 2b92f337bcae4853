"""The audit's linear programs (see protection.py): HiGHS kept between solves, so that each
new objective goes on from the last vertex, through scipy's bundled HiGHS interface where
there is one, else scipy's linprog. Plain numpy and scipy; nothing here knows of reports."""

from __future__ import annotations

import copy
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

try:  # scipy's own HiGHS interface: ~50 times faster per solve than linprog, and silent
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - older or newer scipy: linprog, slower
    _highs = None


class SolverError(RuntimeError):
    """A program neither HiGHS nor linprog could solve."""


# Programs of more columns than this are first solved by the interior point method (see
# Program).
INTERIOR_ABOVE = 2000
# Simplex iterations of a re-solve without perturbed bounds before it goes on with them
# (_from_vertex, Program.minimise): most take 1–5; 200 keeps the few that stall short.
STALL_ITERATIONS = 200
# Simplex iterations of a batch's re-solve (Program.minimise) before the feasible point it
# reached serves as its witness (_reached): most take a few hundred; at 650 in 20 insatser
# with four gender columns one took 4,355 iterations and 1.2 s (docs/benchmarks.md).
BATCH_ITERATIONS = 1000
# How far (relative) the known point may lie outside a bound or a row and still be taken as
# holding it (Program._vertex_from_start): the sums behind means are products of floats.
START_TOLERANCE = 1e-9
# A row's dual value smaller than this counts as 0 (Program.binding_rows).
DUAL_TOLERANCE = 1e-9


@dataclass
class Rows:
    """Rows of a linear program, lower ≤ Σ value·x[index] ≤ upper, in compressed sparse row
    form (row r's entries are index[starts[r]:starts[r+1]]), as HiGHS takes them at once."""

    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray  # the row of each entry, ascending
    index: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, *parts: Rows) -> Rows:
        """These rows one after the other."""
        offsets = np.cumsum([0] + [len(p.lower) for p in parts[:-1]])
        return cls(
            np.concatenate([p.lower for p in parts]),
            np.concatenate([p.upper for p in parts]),
            np.concatenate([p.row + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.index for p in parts]),
            np.concatenate([p.value for p in parts]),
        )

    @classmethod
    def pairs(
        cls, first: np.ndarray, second: np.ndarray, coefs: tuple[np.ndarray, np.ndarray]
    ) -> Rows:
        """One row per i: coefs[0][i]·x[first[i]] + coefs[1][i]·x[second[i]] ≤ 0."""
        m = len(first)
        return cls(
            np.full(m, -np.inf),
            np.zeros(m),
            np.repeat(np.arange(m), 2),
            np.column_stack([first, second]).ravel(),
            np.column_stack([coefs[0], coefs[1]]).ravel().astype(float),
        )

    def starts(self) -> np.ndarray:
        counts = np.bincount(self.row, minlength=len(self.lower))
        return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)


@functools.cache
def second_thread(pid: int) -> ThreadPoolExecutor:
    """The thread of the audit's second solver (protection.Publication._ranges): one for the
    life of the process, so that HiGHS sets up its scheduler for it once (it keeps one per
    thread that runs it). By process id: a forked worker makes its own (a thread does not
    survive a fork)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"audit-{pid}")


@functools.cache
def batch_thread(pid: int) -> ThreadPoolExecutor:
    """The thread of the batches' second solver (protection.Publication._batches); one for
    the life of the process, as second_thread (whose thread works out labels while batches
    run)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"audit-batches-{pid}")


@functools.cache
def parts_thread(pid: int) -> ThreadPoolExecutor:
    """The thread that audits the smaller parts of the system beside the largest
    (protection.Publication._audit_parts); one for the life of the process, as
    second_thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"audit-parts-{pid}")


def _from_vertex(highs: Any) -> None:
    """Re-solves with a new objective go on from the last vertex: a new objective leaves its
    basis feasible, so the primal simplex from there (about 3 times faster than anew), and no
    presolve (it would throw the basis away).

    Without HiGHS's bound perturbation (see Program.minimise): most re-solves prove a range
    at a degenerate vertex (the least and greatest value of a pinned "x" are both its value,
    and the vertex reached often already has it), and with perturbed bounds each such proof
    travelled hundreds of iterations (13–52 ms at a förbund-year of 650 in 20 insatser)
    where without it most take 1–5."""
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_strategy", 4)
    highs.setOptionValue("primal_simplex_bound_perturbation_multiplier", 0.0)
    highs.setOptionValue("simplex_iteration_limit", STALL_ITERATIONS)


def _from_nothing(highs: Any, width: int) -> None:
    """A first solve without a known point (see Program.start): presolve and the dual
    simplex, or for a large program the interior point method with crossover (a vertex, as
    the simplex gives: 0.45 s against 1.1 s on a part of 4,000 unknowns, and the re-solves
    from its vertex are faster too); the re-solves with a new objective from that basis: see
    _from_vertex."""
    highs.setOptionValue("presolve", "on")
    highs.setOptionValue("simplex_iteration_limit", _highs.kHighsIInf)
    if width > INTERIOR_ABOVE:
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("run_crossover", "on")
    else:
        highs.setOptionValue("solver", "choose")
        highs.setOptionValue("simplex_strategy", 1)


def _past_stall(highs: Any) -> None:
    """A re-solve stalled at a degenerate vertex without perturbation (_from_vertex) goes on
    from where it stopped with HiGHS's perturbed bounds (its default), then back."""
    highs.setOptionValue("primal_simplex_bound_perturbation_multiplier", 1.0)
    highs.setOptionValue("simplex_iteration_limit", _highs.kHighsIInf)
    highs.run()
    _from_vertex(highs)


def _reached(highs: Any) -> np.ndarray | None:
    """The point a run stopped at by its iteration limit, where it is feasible (the primal
    simplex keeps the point it started from feasible, and bounds are not perturbed in a
    re-solve: _from_vertex); else None."""
    if highs.getModelStatus() != _highs.HighsModelStatus.kIterationLimit:
        return None
    if highs.getInfo().primal_solution_status != int(_highs.kSolutionStatusFeasible):
        return None
    return np.asarray(highs.getSolution().col_value)


class Program:
    """One linear program whose objective changes: HiGHS kept between solves (warm starts),
    through scipy's bundled HiGHS interface where there is one, else scipy's linprog. With
    `caps` (target columns, top, bottom), each target has two capped copies after the n
    unknowns: y ≤ x, y ≤ top and z ≥ x, z ≥ bottom (see protection.Publication._batches)."""

    def __init__(
        self,
        n: int,
        lower: np.ndarray,
        upper: np.ndarray,
        rows: Rows,
        caps: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        start: np.ndarray | None = None,
    ) -> None:
        self.n = n
        self.start = start
        self.plain = (lower, upper, rows)  # without the capped copies (see without_caps)
        self.caps = caps
        if caps is not None:
            at, top, bottom = caps
            t = len(at)
            lower = np.concatenate([lower, np.full(t, -np.inf), bottom.astype(float)])
            upper = np.concatenate([upper, top.astype(float), np.full(t, np.inf)])
            y, z = n + np.arange(t), n + t + np.arange(t)
            # y − x ≤ 0 and x − z ≤ 0, target by target.
            first = np.column_stack([y, at]).ravel()
            second = np.column_stack([at, z]).ravel()
            ones = np.ones(2 * t)
            rows = Rows.of(rows, Rows.pairs(first, second, (ones, -ones)))
        self.width = len(lower)
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        self.rows = rows
        self.highs = None
        self._cost = np.zeros(self.width)  # the objective HiGHS holds (see minimise)
        self._solution: Any = None  # HiGHS's last optimal solution (see binding_rows)
        self.warm = True  # linprog: no basis kept
        if _highs is not None:
            inf = _highs.kHighsInf
            highs = _highs._Highs()
            highs.setOptionValue("output_flag", False)
            _from_nothing(highs, self.width)
            self.warm = False
            highs.addVars(
                self.width,
                np.where(np.isfinite(self.lower), self.lower, -inf),
                np.where(np.isfinite(self.upper), self.upper, inf),
            )
            if len(rows.lower):
                highs.addRows(
                    len(rows.lower),
                    np.where(np.isfinite(rows.lower), rows.lower, -inf),
                    np.where(np.isfinite(rows.upper), rows.upper, inf),
                    len(rows.index),
                    rows.starts(),
                    rows.index.astype(np.int32),
                    rows.value.astype(float),
                )
            self.highs = highs

    def copy(self) -> Program:
        """A second solver of the same program, going on from this one's last vertex (for a
        second thread; the arrays are shared, never changed)."""
        if self.highs is None or not self.warm:
            raise ValueError("only a solved program of scipy's HiGHS has a vertex to go on from")
        other = copy.copy(self)
        highs = _highs._Highs()
        highs.setOptionValue("output_flag", False)
        highs.passModel(self.highs.getLp())
        _from_vertex(highs)
        highs.setBasis(self.highs.getBasis())
        other.highs = highs
        return other

    def without_caps(self) -> Program:
        """The same program for targets one at a time, going on from this one's last vertex.
        The capped copies serve the batches only, and each re-solve costs in proportion to
        the program's size: at a förbund-year of 300 in 8 insatser, the re-solves of single
        targets took about 30 % less time without them (docs/benchmarks.md).

        Each copy and its row go together, and the basis stays one (a square, regular
        matrix over what is left), since a copy appears in its own row only: a basic copy
        with its row at its bound, or a copy at its cap with its row slack, leaves with its
        row. Where both are at their bounds (the copy at its cap, the target equal to it),
        the target is basic and fixed by that row alone: it leaves the basis with the row,
        at the bound of its own it has there. Where the cap is not a bound of the target
        ("x": its value ± (k−2)), that target keeps both its copies, so the vertex is the
        same one. This one's program is returned where there is nothing to drop."""
        if self.caps is None or self.highs is None or not self.warm:
            return self
        at, top, bottom = self.caps
        lower, upper, rows = self.plain
        n, t, m = self.n, len(at), len(rows.lower)
        basis = self.highs.getBasis()
        basic = int(_highs.HighsBasisStatus.kBasic)
        columns = np.fromiter((int(s) for s in basis.col_status), dtype=np.int8)
        row_status = np.fromiter((int(s) for s in basis.row_status), dtype=np.int8)
        # Copies at their caps with their rows at their bounds: y = top = x, z = bottom = x.
        up = (columns[n : n + t] != basic) & (row_status[m::2] != basic)
        down = (columns[n + t :] != basic) & (row_status[m + 1 :: 2] != basic)
        keep = (up & (top != upper[at])) | (down & (bottom != lower[at]))
        plain = columns[:n].copy()
        plain[at[up & ~keep]] = int(_highs.HighsBasisStatus.kUpper)
        plain[at[down & ~keep]] = int(_highs.HighsBasisStatus.kLower)
        kept = np.flatnonzero(keep)
        col_status = np.concatenate([plain, columns[n : n + t][kept], columns[n + t :][kept]])
        kept_rows = np.column_stack([row_status[m::2][kept], row_status[m + 1 :: 2][kept]])
        status = np.concatenate([row_status[:m], kept_rows.ravel()])
        if int((col_status == basic).sum() + (status == basic).sum()) != len(status):
            return self  # not a basis HiGHS gave (never seen): go on with the capped program
        other = Program(n, lower, upper, rows, (at[kept], top[kept], bottom[kept]))
        assert other.highs is not None  # noqa: S101 (made like this one)
        new = _highs.HighsBasis()
        new.col_status = [_highs.HighsBasisStatus(int(s)) for s in col_status]
        new.row_status = [_highs.HighsBasisStatus(int(s)) for s in status]
        new.valid = True
        _from_vertex(other.highs)
        if other.highs.setBasis(new) != _highs.HighsStatus.kOk:
            return self
        other.warm = True
        return other

    def minimise(
        self, objective: np.ndarray | None, caps: np.ndarray | None = None
    ) -> np.ndarray | None:
        """A solution minimising objective (over the unknowns) + caps (over the capped
        copies); None if it is unbounded."""
        self._solution = None
        cost = np.zeros(self.width)
        if objective is not None:
            cost[: self.n] = objective
        if caps is not None:
            cost[self.n :] = caps
        if self.highs is None:
            return self._linprog(cost)
        if not self.warm and self.start is not None and self.width > INTERIOR_ABOVE:
            self._vertex_from_start()
        # Only the costs that changed (a single target's: two), not all of them: HiGHS goes on
        # from its last vertex either way, with less to take in (a build of 650 participations
        # in 20 insatser: about 2 % fewer instructions, docs/benchmarks.md).
        changed = np.flatnonzero(cost != self._cost)
        if len(changed):
            self.highs.changeColsCost(len(changed), changed.astype(np.int32), cost[changed])
            self._cost = cost
        if caps is not None and self.warm:
            # A batch goes far from the last vertex (many targets pulled at once), not
            # stalled at it: STALL_ITERATIONS is for a single target at a degenerate vertex
            # (_from_vertex). A batch only looks for witnesses, and any feasible point is
            # one: where it has not reached its optimum after BATCH_ITERATIONS, the point it
            # reached serves, and what follows goes on from there (_reached).
            self.highs.setOptionValue("simplex_iteration_limit", BATCH_ITERATIONS)
            self.highs.run()
            self.highs.setOptionValue("simplex_iteration_limit", STALL_ITERATIONS)
            reached = _reached(self.highs)
            if reached is not None:
                return reached[: self.n]
        else:
            self.highs.run()
        if self.highs.getModelStatus() == _highs.HighsModelStatus.kIterationLimit:
            _past_stall(self.highs)
        if not self.warm:
            _from_vertex(self.highs)
            self.warm = True
        status = self.highs.getModelStatus()
        if status == _highs.HighsModelStatus.kOptimal:
            self._solution = self.highs.getSolution()  # its duals: see binding_rows
            return np.asarray(self._solution.col_value)[: self.n]
        if status in (
            _highs.HighsModelStatus.kUnbounded,
            _highs.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return None
        # Anything else (HiGHS may give up on a badly scaled program): scipy's own path.
        return self._linprog(cost)

    def _vertex_from_start(self) -> None:
        """A first vertex from `start`, a point every constraint holds (the true counts), by
        crossover alone: a vertex with as good an objective, here the zero one (0.1 s at a
        förbund-year of 650 in 20 insatser where the interior point method and its crossover
        took 1.5 s, docs/benchmarks.md). Left cold where the point does not hold (within
        HiGHS's tolerance) or crossover gives no optimal basis: the first solve then starts
        from nothing."""
        assert self.highs is not None and self.start is not None  # noqa: S101 (minimise)
        x = np.asarray(self.start, dtype=float)
        if self.caps is not None:
            at, top, bottom = self.caps
            x = np.concatenate([x, np.minimum(x[at], top), np.maximum(x[at], bottom)])
        rows = self.rows
        activity = np.bincount(
            rows.row, weights=rows.value * x[rows.index], minlength=len(rows.lower)
        )

        def outside(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> bool:
            with np.errstate(invalid="ignore"):  # inf − inf: no bound
                slack = START_TOLERANCE * (1 + np.abs(values))
                return bool(((values < lower - slack) | (values > upper + slack)).any())

        if outside(x, self.lower, self.upper) or outside(activity, rows.lower, rows.upper):
            return
        highs = self.highs
        _from_vertex(highs)
        # Crossover needs a solver set up (without, scipy 1.17's HiGHS crashes): a run
        # stopped before its first iteration.
        highs.setOptionValue("simplex_iteration_limit", 0)
        highs.run()
        highs.ensureColwise()
        solution = _highs.HighsSolution()
        solution.col_value = x.tolist()
        solution.row_value = activity.tolist()
        solution.col_dual = [0.0] * len(x)  # the zero objective: every point is optimal
        solution.row_dual = [0.0] * len(activity)
        solution.value_valid = solution.dual_valid = True
        crossed = highs.crossover(solution)
        _from_vertex(highs)
        if (
            crossed == _highs.HighsStatus.kOk
            and highs.getModelStatus() == _highs.HighsModelStatus.kOptimal
            and highs.getBasis().valid
        ):
            self.warm = True
        else:  # not seen (a test makes it): from nothing, as without a start
            highs.clearSolver()
            _from_nothing(highs, self.width)

    def binding_rows(self) -> np.ndarray | None:
        """The rows with a dual value other than 0 at the optimum last reached: the rows whose
        combination proves that optimum (with the unknowns' own bounds). A change to other rows
        alone leaves the proof standing (the same dual values still fit). None where HiGHS did
        not end at an optimum (or scipy's linprog solved it)."""
        if self._solution is None:
            return None
        duals = np.asarray(self._solution.row_dual)
        return np.flatnonzero(np.abs(duals) > DUAL_TOLERANCE)

    def _linprog(self, cost: np.ndarray) -> np.ndarray | None:
        rows = self.rows
        matrix = sparse.csr_array(
            (rows.value, (rows.row, rows.index)), shape=(len(rows.lower), self.width)
        )
        # Rows are lo ≤ a·x ≤ hi; an inequality here has lo = −∞ (a·x ≤ hi).
        eq = rows.lower == rows.upper
        result = linprog(
            cost,
            A_eq=matrix[eq] if eq.any() else None,
            b_eq=rows.upper[eq] if eq.any() else None,
            A_ub=matrix[~eq] if (~eq).any() else None,
            b_ub=rows.upper[~eq] if (~eq).any() else None,
            bounds=list(
                zip(
                    [None if not np.isfinite(v) else v for v in self.lower],
                    [None if not np.isfinite(v) else v for v in self.upper],
                    strict=True,
                )
            ),
            method="highs",
        )
        if result.status == 3:
            return None
        if result.status != 0:
            raise SolverError(f"audit could not be solved: {result.message}")
        return np.asarray(result.x)[: self.n]
