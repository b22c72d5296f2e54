"""Plans and rendering: how a schedule description becomes an array.

Every public schedule builds a `Plan` — the pieces (one formula each, see
`_formulas.py`) that tile ``[0, length)`` plus the landmarks pinned to exact
values — and hands it to `render`, the single place where arrays are written.
`render` fills the output chunk by chunk in float64 and casts once on store,
so the NumPy path needs no temporary the size of the output, and any window
``[start, stop)`` of a schedule is computed without the rest, bit-identical to
the same slice of the whole.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _check as check
from ._formulas import FORMULAS, value_range

#: Elements computed per step of the NumPy path (fits in L2 with its scratch).
CHUNK = 1 << 14
#: ``backend="auto"`` uses the Numba kernels for schedules of at least this
#: many steps (the whole schedule's length, not the window's, so a window
#: always takes the path of the whole and equals its slice bit for bit);
#: ``None`` keeps every length on NumPy. Chosen in ``benchmarks/``: from here
#: on, Numba's one-time start-up (~0.4 s with a warm cache) is repaid within
#: a few calls, and every shorter schedule never imports Numba.
AUTO_NUMBA_MIN: int | None = 1 << 23

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


@dataclass(frozen=True)
class Plan:
    """Pieces tiling ``[0, length)`` in order, and ``(index, value)`` pins."""

    length: int
    pieces: tuple[Piece, ...]
    pins: tuple[tuple[int, float], ...] = ()
    _offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        at = 0
        for piece in self.pieces:
            if piece.offset != at or piece.length <= 0 or piece.kind not in FORMULAS:
                raise AssertionError(f"malformed plan at {piece!r}")
            at += piece.length
        if at != self.length:
            raise AssertionError(f"plan pieces cover {at} of {self.length} steps")
        object.__setattr__(self, "_offsets", tuple(p.offset for p in self.pieces))

    def pieces_in(self, start: int, stop: int) -> Iterator[Piece]:
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

    Each method adds one primitive shape of ``n`` steps (nothing when ``n`` is
    0) and pins its landmarks: the first value, and the last one when the
    shape has an `endpoint`.
    """

    def __init__(self) -> None:
        self.length = 0
        self.pieces: list[Piece] = []
        self.pins: dict[int, float] = {}

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
        """Geometric progression from `start` to `end` (same sign, nonzero)."""
        span = max(n - 1, 1) if endpoint else n
        return self.add("geometric", n, (start, end, float(span)), pins=((0, start), (span, end)))

    def plan(self) -> Plan:
        """The finished plan."""
        return Plan(self.length, tuple(self.pieces), tuple(sorted(self.pins.items())))


def evaluate(kind: str, x: float, *params: float) -> float:
    """One value of formula `kind` at local coordinate `x` (for a value a composite hands on)."""
    return float(FORMULAS[kind](np.array([x], dtype=np.float64), *params)[0])


def render(
    plan: Plan, dtype: DTypeLike = np.float64, out: Any = None, backend: str = "auto"
) -> NDArray[np.floating]:
    """Write `plan` into `out` (or a new array of `dtype`) and return it.

    Under `window` only ``[start, stop)`` is computed and returned.
    """
    backend = check.backend(backend)
    start, stop = 0, plan.length
    requested = _window.get()
    if requested is not None:
        start, stop = requested
        if stop > plan.length:
            raise ValueError(
                f"window must lie inside the schedule, got stop={stop}, "
                f"total_steps={plan.length}"
            )
    check_values(plan, check.store_dtype(dtype, out))
    buf = check.prepare_out(stop - start, dtype, out,
                            name=None if requested is None else "window stop - start")
    if backend == "numba" or (
        backend == "auto" and AUTO_NUMBA_MIN is not None and plan.length >= AUTO_NUMBA_MIN
    ):
        from . import _kernels

        _kernels.fill(plan, buf, start, stop)
    else:
        fill_numpy(plan, buf, start, stop)
    sink = _recorded.get()
    if sink is not None:
        sink.append(plan)
    return buf


def check_values(plan: Plan, dtype: DTypeLike = np.float64) -> None:
    """Refuse, before anything is written, a plan with a value that is not finite in `dtype`.

    Every piece's range comes from `schedarray._formulas.value_range`
    (analytic, O(1) per piece, whatever the length); the whole plan is
    checked even under `window`, so a window fails exactly when the whole would.
    """
    low, high = np.inf, -np.inf
    for piece in plan.pieces:
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
def recording() -> Iterator[list[Plan]]:
    """Collect, in a list, every plan that `render` writes inside the block."""
    sink: list[Plan] = []
    token = _recorded.set(sink)
    try:
        yield sink
    finally:
        _recorded.reset(token)


def active_window() -> tuple[int, int] | None:
    """The ``(start, stop)`` asked for by an enclosing `window` call, if any.

    A schedule that is not one rendered plan (a composition of whole arrays)
    reads it, computes what it needs inside `unwindowed`, and returns only
    those steps.
    """
    return _window.get()


@contextmanager
def unwindowed() -> Iterator[None]:
    """Render whole schedules inside the block, even under `window`."""
    token = _window.set(None)
    try:
        yield
    finally:
        _window.reset(token)


@contextmanager
def _windowed(start: int, stop: int) -> Iterator[None]:
    token = _window.set((start, stop))
    try:
        yield
    finally:
        _window.reset(token)


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
