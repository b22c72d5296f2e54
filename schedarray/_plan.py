"""Plans and rendering: how a schedule description becomes an array.

Every public schedule builds a `Plan` — the pieces (one formula each, see
`_formulas.py`) that tile ``[0, length)`` plus the landmarks pinned to exact
values — and hands it to `render`, the single place where arrays are written.
`render` fills the output chunk by chunk in float64 and casts once on store,
so the NumPy path needs no temporary the size of the output, and any window
``[start, stop)`` of a schedule is computed without the rest, bit-identical to
the same slice of the whole.

A periodic shape (restarts, cycles) is one plan element, `Cycles`: its
per-cycle lengths, parameters and landmarks live in NumPy arrays indexed by
*run* (consecutive identical cycles share one entry), so building and
rendering cost grows with the number of steps, never with the number of
cycles. It renders exactly the values that one `Piece` per cycle phase
would (`Cycles.pieces` lists those pieces, for tests and small plans).
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _check as check
from ._formulas import BLENDS, FORMULAS, NAN_FREE, WEIGHTS, blend, libm_pow, value_range

#: Elements computed per step of the NumPy path (its scratch arrays stay within a few
#: MB; fewer steps matter for periodic elements, whose Python work is per step).
CHUNK = 1 << 16
#: Runs of cycles up to this many steps long are computed once and copied.
TILE_MAX = 1 << 11
#: ``backend="auto"`` picks by the whole schedule's length (never the
#: window's, so a window always takes the path of the whole and equals its
#: slice bit for bit), for the fastest fresh process (a schedule is usually
#: built once per run; ``benchmarks/bench_fresh_process.py``):
#:
#: - below `AUTO_VECTORIZED_MIN` steps, the closed-form NumPy formulas
#:   (``backend="numpy"``);
#: - from there, the kernels' block arithmetic in NumPy (`_vectorized`,
#:   the kernels' values bit for bit, with no transcendental per element);
#: - from `AUTO_NUMBA_MIN` on, the Numba kernels, whose one-time start-up
#:   (~0.5 s with a warm cache) is then repaid within the call.
#:
#: ``None`` disables a switch.
AUTO_VECTORIZED_MIN: int | None = 1 << 18
AUTO_NUMBA_MIN: int | None = 1 << 28

#: The most pieces a plan may have: a schedule of more phases than this (a cycle of a
#: few steps over billions of steps, say) is refused instead of building for minutes.
MAX_PIECES = 1 << 20

_window: ContextVar[tuple[int, int] | None] = ContextVar("schedarray_window", default=None)


@dataclass(frozen=True)
class Piece:
    """One formula over ``length`` consecutive steps starting at ``offset``.

    The formula sees the local coordinate ``x = x0 + direction * (i - offset)``
    for schedule index ``i``.
    """

    kind: str
    offset: int
    length: int
    params: tuple[float, ...]
    x0: float = 0.0
    direction: float = 1.0

    def coordinates(self, start: int, stop: int) -> NDArray[np.float64]:
        """Local coordinates of schedule indices ``[start, stop)`` (inside the piece)."""
        x = np.arange(start - self.offset, stop - self.offset, dtype=np.float64)
        if self.direction < 0:
            return np.subtract(self.x0, x, out=x)
        if self.x0:
            x += self.x0
        return x


#: A per-cycle value: one float for every cycle, an array with one entry per run, or a
#: `Geometric` progression over the cycles.
PerRun = Union[float, NDArray[Any], "Geometric"]


@dataclass(frozen=True)
class Phase:
    """One phase of every cycle (a warmup, a decay, ...), as `Builder.cycles` takes it.

    In every cycle of run ``r`` the phase lasts ``steps[r]`` steps and is the
    piece ``Piece(kind, offset, steps[r], (p[r] for p in params), x0[r],
    direction[r])`` with pins ``(j[r], value[r])`` in its local indices
    (ignored outside ``[0, steps[r])``). Each of those is one number for
    every run or an array with one entry per run. Where a parameter that
    selects a branch of the formula (`BRANCH_PARAMS`) changes, `Builder.cycles`
    starts a new `Cycles` element.
    """

    kind: str
    steps: Any
    params: tuple[Any, ...]
    x0: Any = 0.0
    direction: Any = 1.0
    pins: tuple[tuple[Any, Any], ...] = ()


#: Per kind, the parameters that select a branch of its formula or kernel, or
#: decide whether the Numba backend hands it to NumPy (``numpy_is_faster``):
#: they must be one number in a `Cycles` element.
BRANCH_PARAMS: dict[str, tuple[int, ...]] = {
    "cosine": (3,), "polynomial": (3,), "exponential": (3,), "inverse_time": (3,),
    "cyclic": (4,), "cosine_k": (3,), "polynomial_k": (3, 4),
}


def _runs(phase: Phase, i: int, j: int, skipped: int) -> Phase:
    """`phase` restricted to runs ``[i, j)``, which `skipped` cycles come before."""
    def cut(value: Any) -> Any:
        if isinstance(value, Geometric):
            return value.cut(i, j, skipped)
        return value[i:j] if np.ndim(value) else value
    return Phase(phase.kind, cut(phase.steps), tuple(cut(q) for q in phase.params),
                 cut(phase.x0), cut(phase.direction),
                 tuple((cut(a), cut(b)) for a, b in phase.pins))


def _per_run(value: Any, runs: int, dtype: type) -> PerRun:
    """`value` as one Python number, or as an array of one entry per run.

    An array whose entries are all the same (bit for bit) becomes that number.
    """
    if isinstance(value, Geometric):
        return Geometric(_per_run(value.base, runs, float), float(value.ratio), value.k0)
    arr = np.asarray(value, dtype=np.float64 if dtype is float else np.int64)
    if arr.ndim == 0:
        return float(arr) if dtype is float else int(arr)
    if arr.shape != (runs,):
        raise AssertionError(f"per-run array of shape {arr.shape}, expected ({runs},)")
    bits = arr.view(np.int64)
    if np.all(bits == bits[0]):
        return float(arr[0]) if dtype is float else int(arr[0])
    return arr


def _at(value: PerRun, r: Any) -> Any:
    """Entry `r` (an index or an index array) of a per-run value."""
    return value if not isinstance(value, np.ndarray) else value[r]


@dataclass(frozen=True, eq=False)
class Geometric:
    """A per-cycle value ``base * ratio ** (k0 + k)`` at the element's cycle number ``k``.

    Cycles are numbered from 0 across every run of a `Cycles` element, in
    order. `base` is one number or one per run. Peaks that decay from
    cycle to cycle (``peak * decay ** k``) are held this way, so ten million
    distinct cycles are still a few numbers; the powers are `libm_pow`'s,
    as Python's ``decay ** k`` computes them, and only for the cycles a
    window meets. Only a blend's start or end, or a pin value, may be one.
    """

    base: Any
    ratio: float
    k0: int = 0

    def at(self, r: Any, k: Any) -> Any:
        """The value in run(s) `r` at cycle number(s) `k` (numbers, or arrays alike)."""
        base = _at(self.base, r)
        if np.ndim(k) == 0:
            return base * libm_pow(self.ratio, np.array([float(self.k0 + k)]))[0]
        k = np.asarray(k)
        if k.shape[0] == 0:
            return np.zeros(0) + base
        lo, hi = int(k.min()), int(k.max())
        if hi - lo >= k.shape[0]:  # scattered cycles: a power each
            return base * libm_pow(self.ratio, (self.k0 + k).astype(np.float64))
        # Elements of a few cycles: one power per cycle, looked up.
        powers = libm_pow(self.ratio, np.arange(self.k0 + lo, self.k0 + hi + 1,
                                                dtype=np.float64))
        return base * powers[k - lo]

    def key(self) -> tuple[Any, ...]:
        """Equal for equal progressions (the same base array, ratio and start)."""
        base = id(self.base) if isinstance(self.base, np.ndarray) else self.base
        return (base, self.ratio, self.k0)

    def cut(self, i: int, j: int, skipped: int) -> Geometric:
        """The value for runs ``[i, j)`` alone, of which `skipped` cycles come before."""
        base = self.base[i:j] if isinstance(self.base, np.ndarray) else self.base
        return Geometric(base, self.ratio, self.k0 + skipped)


def varies(value: Any) -> bool:
    """Whether a per-run value is not one number for every cycle."""
    return isinstance(value, (np.ndarray, Geometric))


def _value(value: Any, r: Any, k: Any) -> Any:
    """A per-run or per-cycle value in run(s) `r`, at cycle number(s) `k`."""
    return value.at(r, k) if isinstance(value, Geometric) else _at(value, r)


@dataclass(frozen=True, eq=False)
class CyclePhase:
    """A `Phase` as `Cycles` holds it: local steps ``[begin[r], stop[r])`` of each cycle."""

    kind: str
    begin: PerRun
    stop: PerRun
    params: tuple[PerRun, ...]
    x0: PerRun
    direction: PerRun
    pins: tuple[tuple[PerRun, PerRun], ...]


def _coordinates(j: NDArray[np.float64], x0: Any, direction: Any) -> NDArray[np.float64]:
    """A phase's coordinates ``x0 + direction * j`` (direction +-1) from its step indices `j`.

    In place where it can be; `x0` and `direction` may be numbers or arrays that
    broadcast against `j` (per element, or one per row of cycles).
    """
    if np.ndim(direction) == 0:
        if direction < 0:
            return np.subtract(x0, j, out=j)
        if np.ndim(x0) or x0:
            j += x0
        return j
    return np.where(direction < 0, x0 - j, j + x0)


def _tile(out: NDArray[np.floating], template: NDArray[np.float64], first: int) -> None:
    """Write a periodic sequence of period ``len(template)`` into `out`, from index `first`.

    Whole periods are copied as rows of a 2-D view: a plain copy, no index arithmetic.
    """
    size, n = template.shape[0], out.shape[0]
    head = min((size - first % size) % size, n)
    out[:head] = template[first % size : first % size + head]
    k = (n - head) // size
    out[head : head + k * size].reshape(k, size)[...] = template
    rest = n - head - k * size
    out[head + k * size :] = template[:rest]


@dataclass(frozen=True, eq=False)
class Cycles:
    """Repeated cycles of a few phases over ``length`` steps from ``offset``: one plan element.

    Cycles come in *runs*: run ``r`` starts at ``starts[r]`` and holds
    ``counts[r]`` cycles of ``sizes[r]`` steps each, identical but for their
    `Geometric` values (peaks that decay from cycle to cycle). Inside a
    cycle, phase ``p`` covers local steps ``[begin[r], stop[r])`` and is the
    piece its `Phase` describes. Nothing here is one Python object per
    cycle, or even per run: ten million cycles, identical or with decaying
    peaks, are a handful of numbers; cycles that differ in other ways (one
    length or value each) are a few arrays of one entry per run.
    """

    offset: int
    length: int
    starts: NDArray[np.int64]
    counts: NDArray[np.int64]
    sizes: NDArray[np.int64]
    phases: tuple[CyclePhase, ...]
    kind: str = "cycles"

    def __post_init__(self) -> None:
        ends = self.starts + self.counts * self.sizes
        if (self.starts.shape[0] == 0 or self.starts[0] != self.offset
                or np.any(self.starts[1:] != ends[:-1])
                or ends[-1] != self.offset + self.length
                or np.any(self.counts <= 0) or np.any(self.sizes <= 0)):
            raise AssertionError("malformed cycles")
        # Runs of more than one short cycle are rendered once and copied, unless a
        # value changes from cycle to cycle (`Geometric`).
        changing = any(isinstance(v, Geometric) for ph in self.phases
                       for v in (*ph.params, *(pv for _, pv in ph.pins)))
        tiled = np.flatnonzero((self.counts > 1) & (self.sizes <= TILE_MAX) & (not changing))
        object.__setattr__(self, "ends", ends)
        object.__setattr__(self, "tiled", tiled)
        object.__setattr__(self, "changing", changing)
        # The cycle number of each run's first cycle (`Geometric` values count them).
        object.__setattr__(self, "first", np.cumsum(self.counts) - self.counts)
        object.__setattr__(self, "_last", None)  # see `_template`

    @property
    def cycles(self) -> int:
        """The number of cycles."""
        return int(self.counts.sum())

    def runs_in(self, start: int, stop: int) -> tuple[int, int]:
        """The runs ``[r0, r1)`` that overlap ``[start, stop)``."""
        r0 = max(int(np.searchsorted(self.starts, start, "right")) - 1, 0)
        r1 = int(np.searchsorted(self.starts, stop, "left"))
        return r0, max(r1, r0)

    def pieces(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[Piece, tuple[tuple[int, float], ...]]]:
        """The pieces (and their pins, in schedule indices) that start in ``[start, stop)``.

        One Python object per cycle phase: for tests and small windows only.
        """
        stop = self.offset + self.length if stop is None else stop
        r0, r1 = self.runs_in(start, stop)
        for r in range(r0, r1):
            s, size = int(self.starts[r]), int(self.sizes[r])
            for c in range(int(self.counts[r])):
                at = s + c * size
                k = int(self.first[r]) + c
                for ph in self.phases:
                    b, e = int(_at(ph.begin, r)), int(_at(ph.stop, r))
                    if e <= b or not start <= at + b < stop:
                        continue
                    params = tuple(float(_value(p, r, k)) for p in ph.params)
                    piece = Piece(ph.kind, at + b, e - b, params, float(_at(ph.x0, r)),
                                  float(_at(ph.direction, r)))
                    pins = tuple((at + b + int(_at(j, r)), float(_value(v, r, k)))
                                 for j, v in ph.pins if 0 <= int(_at(j, r)) < e - b)
                    yield piece, pins

    def phase_starts(self) -> Iterator[tuple[int, str]]:
        """``(offset, kind)`` of every cycle phase, in order."""
        for piece, _ in self.pieces():
            yield piece.offset, piece.kind

    # ------------------------------------------------------------------ NumPy path

    def fill_numpy(
        self, out: NDArray[np.floating], start: int, stop: int,
        phases: tuple[int, ...] | None = None,
    ) -> None:
        """Write indices ``[start, stop)`` (inside the element) into `out`.

        With `phases`, only the steps of those phases are written (the Numba
        path hands the phases it routes to NumPy here). Runs of identical
        short cycles are computed for one cycle and copied; everything else
        is evaluated with the per-run parameters gathered per element.
        """
        for c0 in range(start, stop, CHUNK):
            c1 = min(c0 + CHUNK, stop)
            self._fill_chunk(out[c0 - start : c1 - start], c0, c1, phases)

    def _fill_chunk(
        self, out: NDArray[np.floating], c0: int, c1: int, phases: tuple[int, ...] | None
    ) -> None:
        r0, r1 = self.runs_in(c0, c1)
        r = r0
        tiled = self.tiled
        while r < r1:
            k = int(np.searchsorted(tiled, r, "left"))
            nxt = int(tiled[k]) if k < tiled.shape[0] else r1
            if nxt == r and phases is None:
                a, b = max(int(self.starts[r]), c0), min(int(self.ends[r]), c1)
                _tile(out[a - c0 : b - c0], self._template(r), a - int(self.starts[r]))
                r += 1
                continue
            g = max(min(nxt, r1), r + 1)  # runs [r, g) are evaluated together
            if self.changing and self.counts[r] > 1:
                g = r + 1  # a run of cycles that differ: each cycle is a row
            a, b = max(int(self.starts[r]), c0), min(int(self.ends[g - 1]), c1)
            rows = self._rows(r, g, a, b)
            if rows is not None:  # whole cycles of one layout: a row each
                fa, eb, runs, cycles = rows
                whole = a == fa and b == eb  # else whole rows in a scratch, then the part
                grid = out[a - c0 : b - c0] if whole else np.empty(eb - fa)
                if not whole and phases is not None:  # keep the steps of the other phases
                    grid[a - fa : b - fa] = out[a - c0 : b - c0]
                self._evaluate_rows(grid.reshape(-1, int(self.sizes[r])), runs, cycles, phases)
                if not whole:
                    out[a - c0 : b - c0] = grid[a - fa : b - fa]
                r = g
                continue
            lo = np.maximum(self.starts[r:g], a)
            hi = np.minimum(self.ends[r:g], b)
            if g - r == 1:
                ridx: Any = r
                local = np.arange(a - int(self.starts[r]), b - int(self.starts[r]))
                size = int(self.sizes[r])
            else:
                ridx = np.repeat(np.arange(r, g), hi - lo)
                local = np.arange(a, b) - self.starts[ridx]
                size = self.sizes[ridx]
            cycle: Any = 0 if not self.changing else self.first[ridx]
            if np.any(self.counts[r:g] > 1):
                if self.changing:
                    cycle = cycle + local // size
                np.remainder(local, size, out=local)
            self._evaluate(out[a - c0 : b - c0], local, ridx, cycle, phases)
            r = g

    def _rows(self, r: int, g: int, a: int, b: int) -> tuple[int, int, Any, Any] | None:
        """The whole cycles `_evaluate_rows` fills for steps ``[a, b)`` of runs ``[r, g)``.

        Rows are the runs' single cycles when they are of one size, their phases
        begin and stop at the same local steps; or the cycles of one run whose
        values change from cycle to cycle (`Geometric`). Either way, when their
        whole cycles are at most twice the steps needed, they are filled as the
        rows of a 2-D array, each phase's coordinates laid out once and its
        per-cycle parameters broadcast down the rows (ten million distinct cycles
        would otherwise gather every parameter per element). Returns the first
        and end step of the rows, their runs (a slice, or one run) and their
        cycle numbers; None for the per-element path.
        """
        size = int(self.sizes[r])
        if g - r == 1 and self.changing and self.counts[r] > 1:
            s = int(self.starts[r])
            ca, cb = (a - s) // size, -(-(b - s) // size)
            if (cb - ca) * size > 2 * (b - a):
                return None
            return s + ca * size, s + cb * size, r, self.first[r] + np.arange(ca, cb)
        if g - r < 2 or (g - r) * size > 2 * (b - a) or np.any(self.counts[r:g] != 1) \
                or np.any(self.sizes[r:g] != size):
            return None
        if any(isinstance(bound, np.ndarray) and np.any(bound[r:g] != bound[r])
               for ph in self.phases for bound in (ph.begin, ph.stop)):
            return None
        return int(self.starts[r]), int(self.ends[g - 1]), slice(r, g), self.first[r:g]

    def _evaluate_rows(
        self, grid: NDArray[np.floating], runs: Any, cycles: NDArray[np.int64],
        phases: tuple[int, ...] | None,
    ) -> None:
        """`_evaluate` for whole cycles of one layout, one per row of `grid`.

        `runs` are the rows' runs (a slice of runs, or one run for all) and
        `cycles` their cycle numbers (see `_rows`). Elementwise the same
        arithmetic as `_evaluate` (a per-run parameter is a column here,
        gathered per element there), so the values are the same bits. A blend
        whose cycles differ only in their start and end values (peaks that
        decay from cycle to cycle) computes its weights for one row and blends
        them with each row's start and end: the formula's own steps, on the same
        numbers.
        """
        rows = grid.shape[0]
        first = runs.start if isinstance(runs, slice) else runs

        memo: dict[Any, Any] = {}  # a progression in params and pins: its powers once

        def per_row(v: Any) -> Any:
            key = v.key() if isinstance(v, Geometric) else id(v)
            if key not in memo:
                got = _value(v, runs, cycles)
                memo[key] = got if np.ndim(got) else np.full(rows, got)
            return memo[key]

        def column(v: Any) -> Any:
            return per_row(v)[:, None] if varies(v) else v

        def row(v: Any) -> Any:
            return per_row(v)[None, :] if varies(v) else v

        def one(v: Any) -> Any:  # `v` as one number if it is the same in every row
            if not varies(v):
                return v
            if isinstance(v, Geometric):
                return None
            if not isinstance(runs, slice):
                return v[runs]
            bits = v[runs].view(np.int64)
            return v[first] if np.all(bits == bits[0]) else None

        for p, ph in enumerate(self.phases):
            if phases is not None and p not in phases:
                continue
            begin, stop = int(_at(ph.begin, first)), int(_at(ph.stop, first))
            if stop <= begin:
                continue
            j = np.arange(stop - begin)
            values = grid[:, begin:stop]
            shared = [one(q) for q in (ph.x0, ph.direction, *ph.params[2:])]
            if ph.kind in WEIGHTS and all(q is not None for q in shared):
                x0, direction, *shape = shared
                x = _coordinates(j.astype(np.float64), x0, direction)
                c, rest = WEIGHTS[ph.kind](x, *shape)
                if rows > stop - begin:  # more cycles than steps: along the cycles, transposed
                    out = np.empty((stop - begin, rows))
                    start, end = row(ph.params[0]), row(ph.params[1])
                    # Steps on either side of c = 1/2 apart: each blends by one formula.
                    cuts = [] if rest is None else (np.flatnonzero(np.diff(c > 0.5)) + 1).tolist()
                    cuts = [0, *cuts, c.shape[0]] if len(cuts) <= 2 else [0, c.shape[0]]
                    for a, b in itertools.pairwise(cuts):
                        blend((c[a:b, None], None if rest is None else rest[a:b, None]),
                              start, end, out=out[a:b])
                    values[...] = out.T
                else:
                    blend((c, rest), column(ph.params[0]), column(ph.params[1]), out=values)
            else:
                x = np.empty((rows, stop - begin))
                x[...] = j
                x = _coordinates(x, column(ph.x0), column(ph.direction))
                values[...] = FORMULAS[ph.kind](x, *(column(q) for q in ph.params))
            for pj, pv in ph.pins:
                if not isinstance(pj, np.ndarray):  # one local step in every cycle: a column
                    if 0 <= pj < stop - begin:
                        values[:, pj] = per_row(pv) if varies(pv) else pv
                    continue
                hit = j == column(pj)
                if np.any(hit):
                    hit = np.broadcast_to(hit, values.shape)
                    values[hit] = np.broadcast_to(column(pv), values.shape)[hit]

    def _template(self, r: int) -> NDArray[np.float64]:
        """The values of one cycle of run `r` (the last one asked for is kept).

        Every chunk of a long run copies the same cycle: it is evaluated once,
        not once per chunk. One entry, replaced whole, so threads that share
        the element see either the old pair or the new one.
        """
        last = self._last
        if last is not None and last[0] == r:
            return last[1]
        size = int(self.sizes[r])
        values = np.empty(size)
        self._evaluate(values, np.arange(size), r, self.first[r], None)
        values.flags.writeable = False
        object.__setattr__(self, "_last", (r, values))
        return values

    def _evaluate(
        self, out: NDArray[np.floating], local: NDArray[np.int64], ridx: Any, cycle: Any,
        phases: tuple[int, ...] | None,
    ) -> None:
        """``out[m]`` = the value at cycle-local step ``local[m]`` of run ``ridx[m]``.

        `cycle` is the cycle number of each element (or one for all), which only
        `Geometric` values read.
        """
        scalar = np.ndim(ridx) == 0
        for p, ph in enumerate(self.phases):
            if phases is not None and p not in phases:
                continue
            begin, stop = _at(ph.begin, ridx), _at(ph.stop, ridx)
            if len(self.phases) == 1:  # begin == 0, stop == the cycle's size
                sel: Any = slice(None)
                j = local
            else:
                mask = (local >= begin) & (local < stop)
                sel = np.flatnonzero(mask)
                if sel.shape[0] == 0:
                    continue
                j = local[sel] - (begin if np.ndim(begin) == 0 else begin[sel])
            rsel = ridx if scalar else ridx[sel]
            ksel = cycle if np.ndim(cycle) == 0 else cycle[sel]
            x = _coordinates(j.astype(np.float64), _at(ph.x0, rsel), _at(ph.direction, rsel))
            values = FORMULAS[ph.kind](x, *(_value(q, rsel, ksel) for q in ph.params))
            for pj, pv in ph.pins:
                hit = j == _at(pj, rsel)
                if np.any(hit):
                    v = _value(pv, rsel, ksel)
                    values[hit] = v[hit] if np.ndim(v) else v
            out[sel] = values


@dataclass(frozen=True)
class Plan:
    """Pieces tiling ``[0, length)`` in order, and ``(index, value)`` pins.

    The last piece may reach past ``length`` (a composite laid out one step
    longer and cut, `Builder.plan`); steps past ``length`` are never computed.
    """

    length: int
    pieces: tuple[Piece | Cycles, ...]
    pins: tuple[tuple[int, float], ...] = ()
    _offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        at = 0
        for piece in self.pieces:
            known = isinstance(piece, Cycles) or piece.kind in FORMULAS
            if piece.offset != at or piece.length <= 0 or not known or at >= self.length:
                raise AssertionError(f"malformed plan at {piece!r}")
            at += piece.length
        if at < self.length:
            raise AssertionError(f"plan pieces cover {at} of {self.length} steps")
        object.__setattr__(self, "_offsets", tuple(p.offset for p in self.pieces))

    def phases(self) -> Iterator[tuple[int, str]]:
        """``(offset, kind)`` of every piece, the phases of `Cycles` elements included."""
        for piece in self.pieces:
            if isinstance(piece, Cycles):
                yield from ((i, k) for i, k in piece.phase_starts() if i < self.length)
            else:
                yield piece.offset, piece.kind

    def pieces_in(self, start: int, stop: int) -> Iterator[Piece | Cycles]:
        """The pieces that overlap ``[start, stop)``, in order."""
        k = max(bisect.bisect_right(self._offsets, start) - 1, 0)
        while k < len(self.pieces) and self.pieces[k].offset < stop:
            yield self.pieces[k]
            k += 1

    def pins_in(self, start: int, stop: int) -> tuple[tuple[int, float], ...]:
        """The pins whose index lies in ``[start, stop)``."""
        lo = bisect.bisect_left(self.pins, (start, -np.inf))
        hi = bisect.bisect_left(self.pins, (stop, -np.inf))
        return self.pins[lo:hi]


class Builder:
    """Appends pieces one after another; composites are written with it.

    Each integer method adds one primitive shape of ``n`` steps (nothing when
    ``n`` is 0) and pins its landmarks: the first value, and the last one when
    the shape has an `endpoint`.

    Phases between *real-valued* landmarks go through `to`: the builder keeps
    `mark`, the real-valued step where the next phase starts (0 at first; a
    warmup that starts before step 0 sets it negative with `start_at`), and
    each phase covers the whole steps up to its end landmark. Whole landmarks
    give the pieces and values of the integer methods, so one code path serves
    both. `limit`, when given, caps every phase there.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.length = 0
        self.mark = 0.0
        self.limit = limit
        self.pieces: list[Piece] = []
        self.pins: dict[int, float] = {}

    def start_at(self, mark: float) -> Builder:
        """Put the landmark where the first phase starts at the real-valued step `mark`.

        Only before the first piece, and at or before step 0 (a warmup that
        starts before step 0): the first phase still covers the steps from 0.
        """
        if self.length or mark > 0:
            raise AssertionError("start_at is for the first phase, at or before step 0")
        self.mark = float(mark)
        return self

    def to(
        self,
        stop: float,
        kind: str,
        start: float,
        end: float,
        *shape: float,
        closed: bool = False,
        reverse: bool = False,
    ) -> Builder:
        """Append the phase from the landmark `mark` to the real-valued landmark `stop`.

        With ``t0 = mark`` and ``t1 = stop``, whole step ``i`` of the phase
        takes the shape from `start` to `end` at progress ``(i - t0) / (t1 -
        t0)``: local coordinate ``x = i - t0`` over a span of ``t1 - t0``
        (`reverse` plays the shape from `end` backwards, ``x = t1 - i``). The
        phase covers the steps from where the previous one stopped up to
        `stop`, not including it -- including it when `closed` (the last phase
        of a schedule, or a decay followed by a hold of its end value). A
        landmark on a whole step is pinned to its value: `start` at ``t0``,
        and a blend's `end` at ``t1`` when closed (an open phase leaves that
        step to the next phase, which starts there). A closed phase whose landmarks
        coincide (one step) holds `start`. Kinds that are not blends
        (`_formulas.BLENDS` or ``geometric``) take ``(start, *shape)`` with
        ``x`` counted from ``t0`` (``inverse_sqrt``); ``constant`` holds
        `start`. Afterwards `mark` is `stop` (it never moves backwards).

        Examples
        --------
        >>> b = Builder().to(1.5, "linear", 0.0, 3.0).to(3.0, "linear", 3.0, 0.0, closed=True)
        >>> render(b.plan())
        array([0., 2., 2., 0.])
        """
        t0 = self.mark
        self.mark = max(t0, float(stop))
        lo = self.length
        hi = math.floor(stop) + 1 if closed else math.ceil(stop)
        if self.limit is not None:
            hi = min(hi, self.limit)
        n = hi - lo
        if n <= 0:
            return self
        x0 = lo - t0
        first = ((0, start),) if x0 == 0 else ()
        span = stop - t0
        if kind == "constant" or span <= 0:
            return self.add("constant", n, (start,), pins=first)
        if kind not in BLENDS and kind != "geometric":
            return self.add(kind, n, (start, *shape), x0=x0, pins=first)
        last = stop - lo
        pins = (*first, (int(last), end)) if closed and last == int(last) else first
        if reverse:
            return self.add(kind, n, (end, start, span, *shape), x0=last, direction=-1.0,
                            pins=pins)
        return self.add(kind, n, (start, end, span, *shape), x0=x0, pins=pins)


    def add(
        self,
        kind: str,
        n: int,
        params: tuple[float, ...],
        *,
        x0: float = 0.0,
        direction: float = 1.0,
        pins: tuple[tuple[int, float], ...] = (),
    ) -> Builder:
        """Append a raw piece with pins given in local indices (at most `MAX_PIECES`)."""
        if n > 0:
            if len(self.pieces) >= MAX_PIECES:
                raise check.Unallocatable(
                    f"the schedule would have more than {MAX_PIECES} phases (cycles, "
                    "restarts or milestones, each a piece of its plan)"
                )
            self.pieces.append(Piece(kind, self.length, n, params, x0, direction))
            for i, value in pins:
                if 0 <= i < n:
                    self.pins[self.length + i] = value
            self.length += n
        return self

    def constant(self, n: int, value: float) -> Builder:
        """``value`` for ``n`` steps."""
        return self.add("constant", n, (value,))

    def blend(
        self,
        kind: str,
        n: int,
        start: float,
        end: float,
        *shape: float,
        endpoint: bool = True,
        reverse: bool = False,
    ) -> Builder:
        """A shape from `start` to `end` (see ``_formulas``), `end` at ``n - 1``.

        Without `endpoint` the progress runs over ``n`` steps and `end` would
        come one step after the piece (the convention for all but the last
        piece of a join). `reverse` plays the shape backwards in time: the
        piece then goes from `end` to `start`.
        """
        span = max(n - 1, 1) if endpoint else n
        params = (start, end, float(span), *shape)
        if reverse:
            return self.add(kind, n, params, x0=float(span), direction=-1.0,
                            pins=((0, end), (span, start)))
        return self.add(kind, n, params, pins=((0, start), (span, end)))

    def exponential(
        self, n: int, start: float, rate: float, period: float, staircase: bool, x0: float = 0.0
    ) -> Builder:
        """``start * rate ** ((x0 + i) / period)``, the exponent floored if `staircase`."""
        pins = ((0, start),) if x0 == 0 else ()
        return self.add(
            "exponential", n, (start, rate, period, float(staircase)), x0=x0, pins=pins
        )

    def geometric(self, n: int, start: float, end: float, *, endpoint: bool = True) -> Builder:
        """Geometric progression from `start` to `end` (same sign, nonzero); see `blend`."""
        span = max(n - 1, 1) if endpoint else n
        return self.add("geometric", n, (start, end, float(span)),
                        pins=((0, start), (span, end)))

    def knots(
        self, steps: tuple[float, ...], values: tuple[float, ...], shapes: tuple[str, ...],
        total: int,
    ) -> Builder:
        """Fill steps ``[0, total)`` through real-valued knots ``(steps[k], values[k])``.

        Step ``i`` with ``steps[k] <= i < steps[k + 1]`` follows ``shapes[k]`` from
        ``values[k]`` to ``values[k + 1]`` at progress ``(i - steps[k]) / (steps[k + 1]
        - steps[k])`` (one `to` per gap); before the first knot the first value holds,
        from the last knot on the last value. A knot at a whole step is pinned to its
        value exactly; the builder must be empty.
        """
        if self.length:
            raise AssertionError("knots must fill an empty builder")
        self.limit = total
        self.constant(min(max(math.ceil(steps[0]), 0), total), values[0])
        self.mark = steps[0]
        for k, shape in enumerate(shapes):
            kind = "geometric" if shape == "exponential" else shape
            extra = (1.0,) if kind == "cosine" else ()
            self.to(steps[k + 1], kind, values[k], values[k + 1], *extra)
        return self.constant(total - self.length, values[-1])

    def cycles(self, sizes: Any, counts: Any, phases: list[Phase]) -> Builder:
        """Append runs of cycles as one `Cycles` element (nothing when there are none).

        Run ``r`` holds ``counts[r]`` identical cycles of ``sizes[r]`` steps;
        each cycle is `phases` one after another, whose ``steps`` add up to
        the cycle's size in every run. Per-run values are arrays of one entry
        per run, or single numbers. Where a `BRANCH_PARAMS` parameter changes
        from one run to the next, a new element starts (the formulas branch on
        them once per call).
        """
        sizes = np.atleast_1d(np.asarray(sizes, dtype=np.int64))
        counts = np.broadcast_to(np.asarray(counts, dtype=np.int64), sizes.shape)
        if not np.all(counts > 0):
            raise AssertionError("cycles with a run of no cycles")
        runs = sizes.shape[0]
        # Parameters that pick a branch of a formula (or NumPy over Numba) are
        # one number per element: split where one of them changes.
        cols = [np.broadcast_to(np.asarray(ph.params[q], dtype=np.float64), (runs,))
                for ph in phases for q in BRANCH_PARAMS.get(ph.kind, ())
                if np.ndim(ph.params[q])]  # one number for every run cannot change
        if cols and runs > 1:
            key = np.stack(cols, axis=1)
            cuts = np.flatnonzero(np.any(key[1:] != key[:-1], axis=1)) + 1
            if cuts.shape[0]:
                edges = [0, *cuts.tolist(), runs]
                skipped = np.concatenate(([0], np.cumsum(counts)))
                for i, j in itertools.pairwise(edges):
                    self._cycles(sizes[i:j], counts[i:j],
                                 [_runs(ph, i, j, int(skipped[i])) for ph in phases])
                return self
        return self._cycles(sizes, counts, phases)

    def _cycles(self, sizes: NDArray[np.int64], counts: NDArray[np.int64],
                phases: list[Phase]) -> Builder:
        runs = sizes.shape[0]
        if runs == 0:
            return self
        total = counts * sizes
        starts = self.length + np.concatenate(([0], np.cumsum(total[:-1])))
        at: Any = np.zeros(runs, dtype=np.int64)
        held = []
        for ph in phases:
            steps = np.broadcast_to(np.asarray(ph.steps, dtype=np.int64), (runs,))
            if np.any(steps < 0):
                raise AssertionError("a phase of negative length")
            if not np.any(steps):
                continue
            if any(isinstance(q, Geometric) for q in (ph.x0, ph.direction, *ph.params[2:])) \
                    or (ph.kind not in BLENDS and isinstance(ph.params[0], Geometric)):
                # `_cycles_range` bounds a progression by its first and last cycle
                raise AssertionError("a Geometric value is a blend's start or end, or a pin's")
            stop = at + steps
            held.append(CyclePhase(
                ph.kind, _per_run(at, runs, int), _per_run(stop, runs, int),
                tuple(_per_run(q, runs, float) for q in ph.params),
                _per_run(ph.x0, runs, float), _per_run(ph.direction, runs, float),
                tuple((_per_run(j, runs, int), _per_run(v, runs, float)) for j, v in ph.pins),
            ))
            at = stop
        if np.any(at != sizes):
            raise AssertionError("cycle phases do not add up to the cycle sizes")
        length = int(total.sum())
        self.pieces.append(Cycles(self.length, length, np.ascontiguousarray(starts),
                                  np.ascontiguousarray(counts), sizes, tuple(held)))
        self.length += length
        return self

    def plan(self, length: int | None = None) -> Plan:
        """The finished plan, cut to its first `length` steps when given.

        Cutting is how ``endpoint=False`` works for a composite: it is laid out
        one step longer, so its last phase ends one step after the result. The
        last element may then reach past the plan's length (see `Plan`).
        """
        length = self.length if length is None else min(length, self.length)
        pieces = tuple(p for p in self.pieces if p.offset < length)
        pins = tuple(sorted((i, v) for i, v in self.pins.items() if i < length))
        return Plan(length, pieces, pins)


def runs_of(sizes: Any, *values: Any) -> tuple[NDArray[np.int64], NDArray[np.int64], list[Any]]:
    """Per-cycle sizes and values as runs of equal consecutive cycles.

    Returns ``(sizes, counts, values)`` with one entry per run (a value that
    is one number for every cycle stays one number). Cycles are equal when
    their sizes and every per-cycle value are equal bit for bit.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.shape[0] == 0:
        return sizes, sizes, list(values)
    same = sizes[1:] == sizes[:-1]
    for v in values:
        if np.ndim(v):
            b = np.asarray(v, dtype=np.float64).view(np.int64)
            same &= b[1:] == b[:-1]
    heads = np.flatnonzero(np.concatenate(([True], ~same)))
    counts = np.diff(np.append(heads, sizes.shape[0]))
    return sizes[heads], counts, [np.asarray(v)[heads] if np.ndim(v) else v for v in values]


def first_steps(
    index_of: Callable[[NDArray[np.int64]], NDArray[Any]], targets: NDArray[np.int64],
    guess: NDArray[np.int64], low: NDArray[np.int64], high: NDArray[np.int64],
    lo: int, hi: int,
) -> NDArray[np.int64]:
    """For each target ``j``, the first step ``t`` in ``[lo, hi]`` with ``index_of(t) >= j``.

    `index_of` is a non-decreasing function of the step (a framework's cycle
    index in its own floats), evaluated on arrays. `guess` is usually right;
    where it is not, the answer is bisected in ``[low, high]`` (which must
    hold it). ``hi`` when no step reaches ``j``. All targets at once: restarts
    cost a few array operations per cycle, no Python per cycle.
    """
    t = np.clip(guess, lo, hi)
    wrong = np.flatnonzero(((t > lo) & (index_of(t - 1) >= targets))
                           | ((t < hi) & (index_of(t) < targets)))
    j, a, b = targets[wrong], np.clip(low[wrong], lo, hi), np.clip(high[wrong], lo, hi)
    while np.any(a < b):
        mid = (a + b) // 2
        reached = index_of(mid) >= j
        b = np.where(reached, mid, b)
        a = np.where(reached, a, np.minimum(mid + 1, b))
    t[wrong] = a
    return t


def blend_phase(
    kind: str, steps: Any, start: Any, end: Any, *shape: Any,
    endpoint: bool = True, reverse: bool = False,
) -> Phase:
    """The cycle `Phase` that `Builder.blend` would add in each cycle (per-run arrays allowed)."""
    steps = np.asarray(steps, dtype=np.int64)
    span = np.maximum(steps - 1, 1) if endpoint else steps
    fspan = span.astype(np.float64)
    params = (start, end, fspan, *shape)
    if reverse:
        return Phase(kind, steps, params, x0=fspan, direction=-1.0,
                     pins=((0, end), (span, start)))
    return Phase(kind, steps, params, pins=((0, start), (span, end)))


def evaluate(kind: str, x: float, *params: float) -> float:
    """One value of formula `kind` at local coordinate `x` (for a value a composite hands on)."""
    return float(FORMULAS[kind](np.array([x], dtype=np.float64), *params)[0])


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def in_threads(work: Callable[[int, int], None], start: int, stop: int, threads: int) -> None:
    """Run ``work(lo, hi)`` on `threads` consecutive parts of ``[start, stop)``, at once.

    Plain short-lived Python threads (the first part in the calling one), so
    nothing outlives the call (safe after ``fork``); the first error raised
    in any part is raised here once every part has finished. How the range
    is split never changes a value: every element is a function of its index.
    """
    if threads <= 1:
        work(start, stop)
        return
    n = stop - start
    cuts = [start + n * i // threads for i in range(threads + 1)]
    errors: list[BaseException] = []

    def part(lo: int, hi: int) -> None:
        try:
            work(lo, hi)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    workers = [threading.Thread(target=part, args=(cuts[i], cuts[i + 1]), daemon=True)
               for i in range(1, threads)]
    for w in workers:
        w.start()
    try:
        work(cuts[0], cuts[1])
    finally:
        for w in workers:
            w.join()
    if errors:
        raise errors[0]


def render(
    plan: Plan, dtype: DTypeLike = np.float64, out: Any = None, backend: str = "auto"
) -> NDArray[np.floating]:
    """Write `plan` into `out` (or a new array of `dtype`) and return it.

    Under `window` only ``[start, stop)`` is computed and returned.
    """
    backend = check.backend(backend)
    start, stop = span(plan.length)
    check_values(plan, check.store_dtype(dtype, out))
    buf = check.prepare_out(stop - start, dtype, out,
                            name=None if _window.get() is None else "window stop - start")
    if backend == "auto":
        backend = auto_backend(plan.length)
    if backend == "numba":
        from . import _kernels

        _kernels.fill(plan, buf, start, stop)
    elif backend == "vectorized":
        from . import _vectorized

        _vectorized.fill(plan, buf, start, stop)
    else:
        fill_numpy(plan, buf, start, stop)
    sink = _recorded.get()
    if sink is not None:
        sink.append(plan)
    return buf


def auto_backend(length: int) -> str:
    """The path ``backend="auto"`` takes for a schedule of `length` steps.

    ``"numpy"`` (closed-form formulas), ``"vectorized"`` (the kernels'
    arithmetic in NumPy) or ``"numba"``, by `AUTO_VECTORIZED_MIN` and
    `AUTO_NUMBA_MIN`.

    Examples
    --------
    >>> auto_backend(1000)
    'numpy'
    """
    if AUTO_NUMBA_MIN is not None and length >= AUTO_NUMBA_MIN:
        return "numba"
    if AUTO_VECTORIZED_MIN is not None and length >= AUTO_VECTORIZED_MIN:
        return "vectorized"
    return "numpy"


def _cycles_range(cycles: Cycles) -> tuple[float, float]:
    """`value_range` of a `Cycles` element, in time independent of its number of cycles.

    A phase whose values are the same in every run is one `value_range` call;
    one with per-run arrays is checked at both ends of every run at once (the
    formulas broadcast per-run parameters), its blends also bounded by their
    per-run start and end values, like `value_range`'s.
    """
    runs = cycles.starts.shape[0]
    low, high = np.inf, -np.inf
    # With values that change from cycle to cycle (monotonic: `Geometric`), each
    # run is checked at its first and its last cycle: two entries per run.
    index, width = None, runs
    if cycles.changing:
        index = np.concatenate([np.arange(runs), np.arange(runs)])
        ks = np.concatenate([cycles.first, cycles.first + cycles.counts - 1])
        width = 2 * runs

    def per_run(v: Any) -> NDArray[np.float64]:
        if isinstance(v, Geometric):
            return np.asarray(v.at(index, ks), dtype=np.float64)
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            return np.broadcast_to(a, (width,))
        return a if index is None else a[index]

    for ph in cycles.phases:
        steps = per_run(ph.stop) - per_run(ph.begin)
        last = per_run(ph.x0) + per_run(ph.direction) * (steps - 1)
        keep = steps > 0
        if not any(varies(v) for v in (*ph.params, ph.x0, ph.direction, ph.begin, ph.stop)):
            lo, hi = value_range(ph.kind, tuple(float(p) for p in ph.params),
                                 float(ph.x0), float(last[0]))
        elif ph.kind in NAN_FREE:  # bounded by each cycle's start and end, as in value_range
            lo, hi = value_range(ph.kind, tuple(per_run(p)[keep] if varies(p) else p
                                                for p in ph.params), 0.0, 0.0)
        else:
            xs = np.concatenate([per_run(ph.x0)[keep], last[keep]])
            # A parameter equal in every run stays one number (the formulas branch on some).
            params = []
            for p in ph.params:
                q = per_run(p)[keep] if varies(p) else p
                params.append(q if not varies(p) else float(q[0]) if q.size and np.all(q == q[0])
                              else np.tile(q, 2))
            with np.errstate(all="ignore"):
                ends = np.asarray(FORMULAS[ph.kind](xs, *params), dtype=np.float64)
            if not np.all(np.isfinite(ends)):
                raise check.NotFinite(f"a value of the {ph.kind} phase of a cycle would "
                                      "overflow or be NaN at an end")
            lo, hi = float(ends.min(initial=np.inf)), float(ends.max(initial=-np.inf))
            if ph.kind in BLENDS:
                a, b = per_run(ph.params[0])[keep], per_run(ph.params[1])[keep]
                if not np.all(np.isfinite(a - b)):
                    raise check.NotFinite(f"the {ph.kind} phase of a cycle: start - end "
                                          "overflows")
                lo = min(lo, float(np.minimum(a, b).min(initial=np.inf)))
                hi = max(hi, float(np.maximum(a, b).max(initial=-np.inf)))
        for _, v in ph.pins:
            values = per_run(v) if isinstance(v, Geometric) else np.asarray(v, dtype=np.float64)
            if not np.all(np.isfinite(values)):
                raise check.NotFinite(f"a landmark value of a cycle would be {values!r}")
            lo = min(lo, float(values.min(initial=np.inf)))
            hi = max(hi, float(values.max(initial=-np.inf)))
        low, high = min(low, lo), max(high, hi)
    return low, high


def check_values(plan: Plan, dtype: DTypeLike = np.float64) -> None:
    """Refuse, before anything is written, a plan with a value that is not finite in `dtype`.

    Every piece's range comes from `schedarray._formulas.value_range`
    (analytic, O(1) per piece, whatever the length); the whole plan is
    checked even under `window`, so a window fails exactly when the whole would.
    """
    low, high = np.inf, -np.inf
    for piece in plan.pieces:
        if isinstance(piece, Cycles):
            lo, hi = _cycles_range(piece)
        else:
            last = piece.x0 + piece.direction * (piece.length - 1)
            lo, hi = value_range(piece.kind, piece.params, piece.x0, last)
        low, high = min(low, lo), max(high, hi)
    for _, value in plan.pins:
        if not np.isfinite(value):
            raise check.NotFinite(f"a landmark value would be {value!r}")
        low, high = min(low, value), max(high, value)
    if low <= high:  # an empty plan has no values
        check.fits(low, high, dtype)


def fill_numpy(plan: Plan, buf: NDArray[np.floating], start: int, stop: int) -> None:
    """Fill ``buf`` with indices ``[start, stop)`` of `plan`, chunk by chunk."""
    scratch = None if buf.dtype == np.float64 else np.empty(min(CHUNK, stop - start))
    for c0 in range(start, stop, CHUNK):
        c1 = min(c0 + CHUNK, stop)
        chunk = buf[c0 - start : c1 - start] if scratch is None else scratch[: c1 - c0]
        for piece in plan.pieces_in(c0, c1):
            a, b = max(piece.offset, c0), min(piece.offset + piece.length, c1)
            if isinstance(piece, Cycles):
                piece.fill_numpy(chunk[a - c0 : b - c0], a, b)
                continue
            x = piece.coordinates(a, b)
            chunk[a - c0 : b - c0] = FORMULAS[piece.kind](x, *piece.params)
        for i, value in plan.pins_in(c0, c1):
            chunk[i - c0] = value
        if scratch is not None:
            buf[c0 - start : c1 - start] = chunk


T = TypeVar("T")


#: The plans rendered inside `recording` (the spec tools read phase boundaries from them).
_recorded: ContextVar[list[Plan] | None] = ContextVar("schedarray_recorded", default=None)


@contextmanager
def _setting(var: ContextVar[Any], value: Any) -> Iterator[None]:
    """`var` set to `value` inside the block, restored after it."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


@contextmanager
def recording() -> Iterator[list[Plan]]:
    """Collect, in a list, every plan that `render` writes inside the block."""
    sink: list[Plan] = []
    with _setting(_recorded, sink):
        yield sink


def active_window() -> tuple[int, int] | None:
    """The ``(start, stop)`` asked for by an enclosing `window` call, if any.

    A schedule that is not one rendered plan (a composition of whole arrays)
    reads it, computes what it needs inside `unwindowed`, and returns only
    those steps.
    """
    return _window.get()


def span(length: int) -> tuple[int, int]:
    """The steps ``[start, stop)`` to compute of a schedule of `length` steps.

    ``(0, length)``, or the window of an enclosing `window` call, which must
    lie inside the schedule (else `ValueError`). Every schedule, rendered or
    composed, asks here, so a window always means the same thing.

    Examples
    --------
    >>> span(10)
    (0, 10)
    >>> with _windowed(2, 5):
    ...     span(10)
    (2, 5)
    """
    requested = _window.get()
    if requested is None:
        return 0, length
    sink = _measured.get()
    if sink is not None:
        sink.append(length)
    start, stop = requested
    if stop > length:
        raise ValueError(
            f"window must lie inside the schedule, got stop={stop}, total_steps={length}"
        )
    return start, stop


#: The lengths asked of `span` under a window inside `measured`.
_measured: ContextVar[list[int] | None] = ContextVar("schedarray_measured", default=None)


@contextmanager
def measured() -> Iterator[list[int]]:
    """Collect the lengths of the schedules that `span` windows inside the block.

    ``window(f, 0, 0, ...)`` inside it computes nothing, and the first length
    collected is the length of ``f(...)``: every schedule asks `span` for its
    window before it computes any part.
    """
    sink: list[int] = []
    with _setting(_measured, sink):
        yield sink


def takes_parts(*names: str) -> Callable[[T], T]:
    """Mark the parameters of a composition that take schedule parts (see `steps_of`).

    A part is an array or a callable ``f(n)`` that indexes like a schedule;
    `schedarray.spec` passes the specs given there as such callables, so a
    window of the composition computes only the window's steps of its parts.
    """
    def mark(fn: T) -> T:
        fn.__schedarray_parts__ = names  # type: ignore[attr-defined]
        return fn

    return mark


def steps_of(fn: Callable[[int], Any], n: int, start: int, stop: int) -> tuple[Any, bool]:
    """Call ``fn(n)`` for its steps ``[start, stop)``: ``(result, windowed)``.

    `fn` is a part of a composition that is given its length (torch's
    ``SequentialLR`` parts, optax's ``join_schedules``). It is called under
    ``window(fn, start, stop, n)``, so a schedarray schedule or composition
    computes only those steps and `windowed` is True; a callable that ignores
    the window returns its whole array (`windowed` False) for the caller to
    slice. A callable must index like a schedule, ``window(fn, a, b, n) ==
    fn(n)[a:b]`` (one that ignores the window and returns exactly ``stop -
    start < n`` values, too few for its segment, is taken for a window).

    Examples
    --------
    >>> import schedarray as sa
    >>> steps_of(lambda n: sa.linear(n, start=1.0), 5, 1, 3)
    (array([0.75, 0.5 ]), True)
    >>> steps_of(lambda n: [1.0] * n, 5, 1, 3)
    ([1.0, 1.0, 1.0, 1.0, 1.0], False)
    """
    result = window(fn, start, stop, n)
    try:
        got = len(result)
    except TypeError:
        return result, False
    return result, got == stop - start and (got < n or (start, stop) == (0, n))


@contextmanager
def unwindowed() -> Iterator[None]:
    """Render whole schedules inside the block, even under `window` (and measure nothing)."""
    with _setting(_window, None), _setting(_measured, None):
        yield


@contextmanager
def _windowed(start: int, stop: int) -> Iterator[None]:
    with _setting(_window, (start, stop)):
        yield


def window(
    schedule: Callable[..., T], start: int, stop: int, /, *args: Any, **kwargs: Any
) -> T:
    """Steps ``[start, stop)`` of ``schedule(*args, **kwargs)``, computing only those.

    The result equals ``schedule(*args, **kwargs)[start:stop]`` bit for bit,
    so a long schedule can be produced in chunks, and one step costs O(1).
    `out`, when passed in `kwargs`, must have length ``stop - start``.

    Examples
    --------
    >>> import schedarray as sa
    >>> sa.window(sa.linear, 2, 4, 5, start=0.0, end=1.0)
    array([0.5 , 0.75])
    """
    start = check.integer(start, "start")
    stop = check.integer(stop, "stop")
    if stop < start:
        raise ValueError(f"stop must be >= start, got start={start}, stop={stop}")
    with _windowed(start, stop):
        return schedule(*args, **kwargs)
