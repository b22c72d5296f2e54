"""The Numba kernels' arithmetic in NumPy: the same values without a JIT.

A fresh process pays ~0.5 s to import Numba and load its cached kernels,
more than a long schedule takes to compute. This module computes what the
kernels compute, operation for operation, with NumPy ufuncs over chunks of
a few thousand elements, so ``backend="auto"`` can give kernel values (and
kernel-like speed, with no transcendental function per element) to a
process that never imports Numba.

Every function has a kernel's signature ``f(out, j0, x0, direction,
*params)`` (see `schedarray._kernels`) and writes local indices ``j0 ..
j0 + len(out) - 1`` of one piece into the float64 array `out`. The
arithmetic is the kernel's, in the same order, with the same ``libm``
results for the per-block ``cos``, ``sin`` and powers: ``numpy.cos`` and
``numpy.sin`` call ``libm`` for float64, and the powers are
`schedarray._formulas.libm_pow`'s, ``libm``'s ``pow`` as in the kernels
(``numpy.power`` is that ``pow`` only on some machines). IEEE arithmetic being exactly
rounded, the values are the kernels' bit for bit; ``tests/test_kernels.py``
checks that for every kind. Kinds that cost a general power or ``tanh``
per element run the NumPy formula of ``_formulas``, whose values the
kernels take too; a ``tanh`` piece of `TANH_NUMBA_MIN` steps or more runs
the kernels' fused form of that formula (the same values, several times
faster than the formula's ~200 array passes, which outweighs Numba's
start-up at that length). A periodic element
(`schedarray._plan.Cycles`) fills its long cycles (`LONG_CYCLE` steps or
more) phase by phase like single pieces, and its short ones, however many,
by its own NumPy path (closed forms, per-run parameters looked up per
element, within 4 eps of the kernels): a per-run choice, never the window's.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._formulas import FORMULAS, libm_pow
from ._plan import Cycles, Piece, _at, _value, in_threads, usable_cpus

Floats = NDArray[np.float64]

#: The kernels' angle-addition block (`schedarray._kernels.BLOCK`): values
#: depend on it, so it must be the same number.
BLOCK = 512
#: Elements per NumPy step, a multiple of `BLOCK`. Each step costs ~15 ufunc
#: calls of ~0.5 us whatever its size, so larger steps pay less Python per
#: element; past ~128 blocks the scratch arrays leave the caches. Measured at
#: 1e7 steps (2 threads, Zen 4): 32 blocks 31 ms, 64 blocks 25-28, 128 blocks
#: 21-23, 256 blocks 19-23, 512 blocks 22-26 (warmup_cosine; the fill 8.5 ms).
CHUNK = 128 * BLOCK
#: A fill is split over two threads from this many elements on.
THREAD_MIN = 1 << 18


#: 0, 1, 2, ... as floats: a chunk's indices are ``j0 + _RAMP`` (exact below
#: 2^53), which costs a third of ``numpy.arange``.
_RAMP = np.arange(CHUNK + BLOCK, dtype=np.float64)
_RAMP.flags.writeable = False


_local = threading.local()


def _workspace() -> list[Floats]:
    """Three float64 scratch arrays of a chunk plus a block, one set per thread.

    Allocated once: a fresh array of this size would come from ``mmap`` and
    cost a page fault per 4 KiB at every chunk.
    """
    work = getattr(_local, "work", None)
    if work is None:
        work = _local.work = [np.empty(CHUNK + BLOCK) for _ in range(3)]
    return work


def _coordinates(out: Floats, j0: int, x0: float, direction: float) -> Floats:
    """``direction * j + x0`` for ``j = j0 .. j0 + len(out) - 1``, in `out`."""
    n = out.shape[0]
    if n <= _RAMP.shape[0]:
        np.add(_RAMP[:n], float(j0), out=out)
    else:
        out[:] = np.arange(j0, j0 + n, dtype=np.float64)
    if direction != 1.0:
        out *= direction
        out += x0
    elif x0 != 0.0:  # j + 0.0 is j: only a sign of zero could differ, and j >= 0
        out += x0
    return out


def _clip(v: Floats, lo: float, hi: float, out: Floats) -> None:
    # min(max(v, lo), hi), as the kernels write it (values are never NaN).
    np.clip(v, lo, hi, out=out)


def _blocks(j0: int, n: int) -> tuple[int, int]:
    """First block start at or before `j0`, and the number of blocks covering ``n``."""
    first = j0 - j0 % BLOCK
    return first, -(-(j0 + n - first) // BLOCK)


def constant(out: Floats, j0: int, x0: float, direction: float, value: float) -> None:  # noqa: ARG001
    out.fill(value)


def linear(
    out: Floats, j0: int, x0: float, direction: float, start: float, end: float, span: float
) -> None:
    slope = (end - start) / span
    v = _coordinates(out, j0, x0, direction)
    v *= slope
    v += start
    _clip(v, min(start, end), max(start, end), out)


def _tiled(table: Floats) -> Floats:
    """`table` repeated over a whole chunk plus one block, read-only."""
    tiled = np.tile(table, CHUNK // BLOCK + 1)
    tiled.flags.writeable = False
    return tiled


@functools.lru_cache(maxsize=64)
def _cosine_table(direction: float, span: float) -> tuple[Floats, Floats]:
    # The kernels' `_offset_table`: cos(k d) - 1 = -2 sin^2(k d / 2) and
    # sin(k d), tiled: entry i is offset i % BLOCK.
    phi = np.arange(BLOCK, dtype=np.float64)
    phi *= direction
    phi *= math.pi
    phi /= span
    h = np.sin(phi * 0.5)
    cm1 = h * h
    cm1 *= -2.0
    return _tiled(cm1), _tiled(np.sin(phi))


@functools.lru_cache(maxsize=64)
def _power_table(direction: float, base: float, period: float) -> Floats:
    # The kernels' `_power_table`: base ** (direction * k / period), tiled.
    k = np.arange(BLOCK, dtype=np.float64)
    k *= direction
    k /= period
    return _tiled(libm_pow(base, k))


def _block_starts(j0: int, n: int, x0: float, direction: float) -> tuple[Floats, int, int]:
    """Coordinates of the block starts covering ``[j0, j0 + n)``.

    Also the offset of `j0` in the first block and the number of elements
    the blocks cover.
    """
    first, count = _blocks(j0, n)
    x = np.arange(first, first + count * BLOCK, BLOCK, dtype=np.float64)
    if direction != 1.0:
        x *= direction
        x += x0
    elif x0 != 0.0:
        x += x0
    return x, j0 - first, count * BLOCK


def cosine(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, end: float, span: float, exponent: float,
) -> None:
    if exponent not in (1.0, 2.0):
        out[:] = FORMULAS["cosine"](
            _coordinates(out, j0, x0, direction), start, end, span, exponent
        )
        return
    n = out.shape[0]
    cm1, sin = _cosine_table(direction, span)
    theta, skip, size = _block_starts(j0, n, x0, direction)
    theta *= math.pi
    theta /= span
    # Per element: cb + (cb * cm1 - sb * sin), as the kernel computes it.
    w = _workspace()
    count = size // BLOCK
    cb, sb = w[0][:size], w[1][:size]
    # Computed in place when `out` is exactly the blocks (most chunks).
    c = out if skip == 0 and size == n else w[2][:size]
    cb.reshape(count, BLOCK)[...] = np.cos(theta)[:, None]
    sb.reshape(count, BLOCK)[...] = np.sin(theta)[:, None]
    np.multiply(cb, cm1[:size], out=c)
    c -= np.multiply(sb, sin[:size], out=sb)
    c += cb
    c += 1.0
    diff = start - end
    if exponent == 2.0:
        c *= 0.5
        c *= c
        c *= diff
    else:
        # ((c + 1) * 0.5) * diff == (c + 1) * (0.5 * diff): halving is exact,
        # so both round the same product once.
        c *= 0.5 * diff
    c += end
    v = c[skip : skip + n]
    if not _inside(j0, n, x0, direction, span, exponent, start, end):
        _clip(v, min(start, end), max(start, end), out)
    elif c is not out:
        out[:] = v


def _inside(
    j0: int, n: int, x0: float, direction: float, span: float, exponent: float,
    start: float, end: float,
) -> bool:
    """Whether the kernel's clip cannot change a cosine value of ``[j0, j0 + n)``.

    Over ``0 <= x <= span`` the cosine is monotonic, so its values lie
    between those at the two ends; when both are farther from `start` and
    `end` than a million times the arithmetic's rounding error (a few ulp
    of the larger of them), no computed value can cross either bound, and
    clipping is the identity.
    """
    a = direction * j0 + x0
    b = direction * (j0 + n - 1) + x0
    if not (min(a, b) >= 0.0 and max(a, b) <= span):
        return False
    margin = 1e-9 * max(abs(start), abs(end))
    for x in (a, b):
        w = (0.5 * (1.0 + math.cos(math.pi * x / span))) ** exponent
        v = end + (start - end) * w
        if min(abs(v - start), abs(v - end)) <= margin:
            return False
    return True


def _powers(
    out: Floats, j0: int, x0: float, direction: float,
    scale: float, base: float, period: float, lo: float, hi: float,
) -> None:
    # The kernels' `_powers`: scale * base ** (x / period) at each block
    # start times a table of in-block factors base ** (direction * k / period).
    n = out.shape[0]
    table = _power_table(direction, base, period)
    x, skip, size = _block_starts(j0, n, x0, direction)
    x /= period
    starts = libm_pow(base, x)
    starts *= scale
    v = _workspace()[0][:size]
    v.reshape(size // BLOCK, BLOCK)[...] = starts[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # table entries past the piece's end
        v *= table[:size]
    v = v[skip : skip + n]
    if lo == -math.inf and hi == math.inf:
        out[:] = v
    else:
        _clip(v, lo, hi, out)


def exponential(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, rate: float, period: float, staircase: float,
) -> None:
    if not staircase:
        _powers(out, j0, x0, direction, start, rate, period, -math.inf, math.inf)
        return
    n = out.shape[0]
    # The floored exponent is monotonic in the index: one value per stair.
    ends = np.array([j0, j0 + n - 1], dtype=np.float64) * direction + x0
    e0, e1 = np.floor(ends / period)
    if e0 == e1:
        out.fill(start * rate ** float(e0))
        return
    e = _coordinates(out, j0, x0, direction)
    e /= period
    np.floor(e, out=e)
    cuts = np.flatnonzero(e[1:] != e[:-1]) + 1
    bounds = [0, *cuts.tolist(), n]
    stairs = e[bounds[:-1]].tolist()
    for a, b, s in zip(bounds[:-1], bounds[1:], stairs, strict=True):
        out[a:b] = start * rate**s


def geometric(
    out: Floats, j0: int, x0: float, direction: float, start: float, end: float, span: float
) -> None:
    _powers(out, j0, x0, direction, start, end / start, span, min(start, end), max(start, end))


def polynomial(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, end: float, span: float, power: float,
) -> None:
    if power not in (1.0, 2.0):
        out[:] = FORMULAS["polynomial"](
            _coordinates(out, j0, x0, direction), start, end, span, power
        )
        return
    c = _coordinates(out, j0, x0, direction)
    c /= span
    np.subtract(1.0, c, out=c)
    if power == 2.0:
        c *= c
    c *= start - end
    c += end
    _clip(c, min(start, end), max(start, end), out)


def one_minus_sqrt(
    out: Floats, j0: int, x0: float, direction: float, start: float, end: float, span: float
) -> None:
    c = _coordinates(out, j0, x0, direction)
    c /= span
    np.sqrt(c, out=c)
    np.subtract(1.0, c, out=c)
    c *= start - end
    c += end
    _clip(c, min(start, end), max(start, end), out)


def rex(
    out: Floats, j0: int, x0: float, direction: float, start: float, end: float, span: float
) -> None:
    p = _coordinates(out, j0, x0, direction)
    p /= span
    half = np.multiply(p, 0.5, out=_workspace()[0][: p.shape[0]])
    np.subtract(1.0, half, out=half)
    np.subtract(1.0, p, out=p)
    p /= half
    p *= start - end
    p += end
    _clip(p, min(start, end), max(start, end), out)


def inverse_sqrt(
    out: Floats, j0: int, x0: float, direction: float, start: float, timescale: float
) -> None:
    v = _coordinates(out, j0, x0, direction)
    v *= 1.0 / timescale
    v += 1.0
    np.sqrt(v, out=v)
    np.divide(start, v, out=v)


def inverse_time(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, rate: float, period: float, staircase: float,
) -> None:
    p = _coordinates(out, j0, x0, direction)
    p /= period
    if staircase:
        np.floor(p, out=p)
    p *= rate
    p += 1.0
    np.divide(start, p, out=p)


def cyclic(
    out: Floats, j0: int, x0: float, direction: float,
    low: float, high: float, up: float, down: float, mode: float, gamma: float,
) -> None:
    if mode == 2.0:  # exp_range: gamma ** x per element
        out[:] = FORMULAS["cyclic"](
            _coordinates(out, j0, x0, direction), low, high, up, down, mode, gamma
        )
        return
    total = up + down
    ratio = up / total
    q = _coordinates(out, j0, x0, direction)
    q /= total
    q += 1.0
    w = _workspace()
    n = q.shape[0]
    cycle = np.floor(q, out=w[0][:n])
    y = np.subtract(q, cycle, out=q)
    rising = y <= ratio
    # The kernel's branch: y / ratio while rising, (y - 1) / (ratio - 1)
    # after. Rising and falling come in runs (the wave is monotonic within
    # each); few runs are sliced, many are selected element by element.
    num = w[1][:n]
    edges = np.flatnonzero(rising[1:] != rising[:-1]) + 1
    if edges.shape[0] <= 64:
        bounds = [0, *edges.tolist(), n]
        for a, b in itertools.pairwise(bounds):
            if rising[a]:
                np.divide(y[a:b], ratio, out=num[a:b])
            else:
                np.subtract(y[a:b], 1.0, out=num[a:b])
                num[a:b] /= ratio - 1.0
    else:
        np.subtract(y, 1.0, out=num)
        np.copyto(num, y, where=rising)
        den = w[2][:n]
        den.fill(ratio - 1.0)
        np.copyto(den, ratio, where=rising)
        num /= den
    if mode == 1.0:
        # The kernels multiply by 1 / 2.0 ** (cycle - 1.0): an exact power of
        # two, 0 once 2.0 ** (cycle - 1.0) overflows.
        cycle -= 1.0
        first, last = sorted((float(cycle[0]), float(cycle[-1])))  # monotonic
        if last - first <= 64.0:  # one factor per cycle, looked up
            factors = np.array([0.0 if c >= 1024.0 else 1.0 / 2.0**c
                                for c in np.arange(first, last + 1.0).tolist()])
            if first == last:
                inverse = factors[0]
            else:
                cycle -= first
                inverse = factors[cycle.astype(np.intp)]
        else:
            inverse = np.ldexp(1.0, -np.minimum(cycle, 2048.0).astype(np.int64))
            inverse[cycle >= 1024.0] = 0.0
        num *= inverse
    num *= high - low
    num += low
    _clip(num, min(low, high), max(low, high), out)


def cosine_k(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, end: float, span: float, k: float,
) -> None:
    if k == 1.0:
        cosine(out, j0, x0, direction, start, end, span, 1.0)
    else:
        out[:] = FORMULAS["cosine_k"](_coordinates(out, j0, x0, direction), start, end, span, k)


def polynomial_k(
    out: Floats, j0: int, x0: float, direction: float,
    start: float, end: float, span: float, power: float, k: float,
) -> None:
    if k == 1.0:
        polynomial(out, j0, x0, direction, start, end, span, power)
    else:
        out[:] = FORMULAS["polynomial_k"](
            _coordinates(out, j0, x0, direction), start, end, span, power, k
        )


def _tanh(
    out: Floats, j0: int, x0: float, direction: float, *params: float
) -> None:
    out[:] = FORMULAS["tanh"](_coordinates(out, j0, x0, direction), *params)


#: One function per kind of ``_formulas.FORMULAS``, with the kernel's signature.
VECTORIZED: dict[str, Callable[..., None]] = {
    "constant": constant,
    "linear": linear,
    "cosine": cosine,
    "polynomial": polynomial,
    "one_minus_sqrt": one_minus_sqrt,
    "tanh": _tanh,
    "rex": rex,
    "exponential": exponential,
    "geometric": geometric,
    "inverse_sqrt": inverse_sqrt,
    "cyclic": cyclic,
    "inverse_time": inverse_time,
    "cosine_k": cosine_k,
    "polynomial_k": polynomial_k,
}


def _fill_range(plan: Any, buf: NDArray[np.floating], start: int, lo: int, hi: int) -> None:
    """Write indices ``[lo, hi)`` of `plan` into ``buf[lo - start : hi - start]``."""
    scratch = None if buf.dtype == np.float64 else np.empty(CHUNK)
    for piece in plan.pieces_in(lo, hi):
        a, b = max(piece.offset, lo), min(piece.offset + piece.length, hi)
        if isinstance(piece, Cycles):
            _fill_cycles(piece, buf, start, a, b, scratch)
        else:
            _fill_piece(piece, buf, start, a, b, scratch)


#: A ``tanh`` piece of at least this many steps runs the Numba kernels' fused
#: form of its formula (the same values bit for bit, ~7x faster) even here:
#: its NumPy formula costs ~35 ns per step on two threads, so Numba's one-time
#: start-up (~0.5 s) is repaid from ~1.5e7 steps on. Decided by the piece's
#: length, never the window's (and the values do not depend on it).
TANH_NUMBA_MIN = 1 << 24


def _fused(piece: Any) -> Any:
    """The Numba kernels' `_fused_piece` for a long ``tanh`` piece, else None."""
    if piece.kind != "tanh" or piece.length < TANH_NUMBA_MIN:
        return None
    try:
        from . import _kernels
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return _kernels._fused_piece


def _fill_piece(
    piece: Any, buf: NDArray[np.floating], start: int, a: int, b: int, scratch: Any
) -> None:
    """Write indices ``[a, b)`` (inside `piece`) into ``buf[a - start : b - start]``."""
    fused = _fused(piece)
    if fused is not None and fused(piece, buf[a - start : b - start], a, b):
        return
    f = VECTORIZED.get(piece.kind)  # None: a kind with no entry runs its formula
    # Chunks aligned to the piece's blocks, so no chunk splits a block in the middle of
    # the schedule.
    c0 = a
    while c0 < b:
        j = c0 - piece.offset
        c1 = min(c0 + CHUNK - j % BLOCK, b)
        dst = buf[c0 - start : c1 - start]
        if f is None:
            dst[:] = FORMULAS[piece.kind](piece.coordinates(c0, c1), *piece.params)
        elif scratch is None:
            f(dst, j, piece.x0, piece.direction, *piece.params)
        else:
            tmp = scratch[: c1 - c0]
            f(tmp, j, piece.x0, piece.direction, *piece.params)
            dst[:] = tmp
        c0 = c1


#: Cycles of at least this many steps are filled phase by phase like single pieces (a few
#: Python steps per cycle, paid back by the cycle's length); shorter ones, whatever their
#: number, by the element's own NumPy path (per-run parameters looked up per element).
LONG_CYCLE = 1 << 12


def _fill_cycles(
    cycles: Cycles, buf: NDArray[np.floating], start: int, lo: int, hi: int, scratch: Any
) -> None:
    """Write indices ``[lo, hi)`` of a `Cycles` element (the path depends on each run alone)."""
    r0, r1 = cycles.runs_in(lo, hi)
    long_runs = (np.flatnonzero(cycles.sizes[r0:r1] >= LONG_CYCLE) + r0).tolist()
    at = lo
    for r in [*long_runs, None]:
        run_lo = hi if r is None else max(int(cycles.starts[r]), lo)
        if at < run_lo:  # the short runs before this long one
            cycles.fill_numpy(buf[at - start : run_lo - start], at, run_lo)
        if r is None:
            return
        run_hi = min(int(cycles.ends[r]), hi)
        first, size = int(cycles.starts[r]), int(cycles.sizes[r])
        for c in range((run_lo - first) // size, -(-(run_hi - first) // size)):
            at_cycle, k = first + c * size, int(cycles.first[r]) + c
            for ph in cycles.phases:
                begin, stop = int(_at(ph.begin, r)), int(_at(ph.stop, r))
                if stop <= begin:
                    continue
                piece = Piece(ph.kind, at_cycle + begin, stop - begin,
                              tuple(float(_value(q, r, k)) for q in ph.params),
                              float(_at(ph.x0, r)), float(_at(ph.direction, r)))
                a, b = max(piece.offset, run_lo), min(piece.offset + piece.length, run_hi)
                if a < b:
                    _fill_piece(piece, buf, start, a, b, scratch)
                for j, v in ph.pins:
                    i = piece.offset + int(_at(j, r))
                    if piece.offset <= i < piece.offset + piece.length and a <= i < b:
                        buf[i - start] = float(_value(v, r, k))
        at = run_hi


def fill(
    plan: Any, buf: NDArray[np.floating], start: int, stop: int, threads: int | None = None
) -> None:
    """Fill `buf` with indices ``[start, stop)`` of `plan`, then set its pins.

    The values are the kernels' (`schedarray._kernels.fill`), bit for bit.
    Long windows are split over two threads when the process may use two
    CPUs (ufuncs release the GIL between a chunk's Python steps; more than
    two was not measured: the benchmark machine has two cores); `threads`
    overrides that, and the result does not depend on it.
    """
    n = stop - start
    if threads is None:
        t = 2 if n >= THREAD_MIN and usable_cpus() >= 2 else 1
    else:
        t = max(1, min(threads, n))
    in_threads(lambda lo, hi: _fill_range(plan, buf, start, lo, hi), start, stop, t)
    for i, value in plan.pins_in(start, stop):
        buf[i - start] = value
