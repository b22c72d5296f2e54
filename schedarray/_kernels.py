"""Numba kernels: the formulas of `schedarray._formulas`, one loop per kind.

Imported lazily, by `schedarray._plan.render` only, when a schedule is long
enough for ``backend="auto"`` (or when ``backend="numba"`` is asked for), so
``import schedarray`` never imports Numba.

Every kernel has the signature ``kernel(out, j0, x0, direction, *params)``
with the parameters of the kind in the order of ``FORMULAS``: it writes the
values of local indices ``j0 .. j0 + len(out) - 1`` of one piece into `out`
(float32 or float64, any writeable 1-D array, a memmap slice included),
computing in float64 and casting once on store. The local coordinate is
``x = x0 + direction * j``, as in `schedarray._plan.Piece.coordinates`.

Speed comes from not calling a transcendental function per element where a
shape allows it. The cosine uses angle addition over blocks of `BLOCK`
indices: ``cos`` and ``sin`` are evaluated exactly at the first index of each
block, and the offsets inside a block come from a small table of
``cos(k d) - 1`` and ``sin(k d)``, so an element costs two multiplications
and two additions. Exponential and geometric shapes do the same with a table
of ``rate^(k/T)``. Shapes that need a general power or ``tanh`` per element
run the NumPy formula inside the same threads instead (`numpy_is_faster`:
NumPy has SIMD versions of those, Numba calls scalar ``libm``).
Blocks are aligned to absolute local indices (never to the start of a
window) and nothing is carried from one element to the next, so every value
is a fixed function of its index: any window is bit-identical to the same
slice of the whole, whatever the thread count or the split between threads.
The error against the closed form stays within ``4 * eps * max|value|``
(1.22 measured for ``warmup_cosine``; ``tests/test_kernels.py`` and
``benchmarks/bench_generate.py``).

Kernels release the GIL (``nogil=True``); `fill` splits long windows over a
few short-lived Python threads instead of using Numba's ``parallel=True``.
That keeps results independent of Numba's threading layer, and it is safe
after ``fork`` (PyTorch DataLoader workers) and from several Python threads
at once: no thread pool or OpenMP runtime outlives a call. ``fastmath`` is
off. Kernels are cached on disk (``cache=True``) when a cache directory is
writable, and compiled per process otherwise.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import numba
except ImportError as exc:  # pragma: no cover - numba is a dependency
    raise ImportError(
        "backend='numba' (and backend='auto' for long schedules) needs numba: "
        "pip install numba, or pass backend='numpy'"
    ) from exc
from numpy.typing import NDArray

from ._formulas import FORMULAS

#: Indices per angle-addition block: one exact ``cos``/``sin`` (or power)
#: per block, a table lookup per element.
BLOCK = 512
#: A window is split over threads only when each thread gets at least this
#: many elements (below it, starting a thread costs more than it saves).
THREAD_MIN = 1 << 18
#: Elements per step of the NumPy fallback for a kind without a kernel.
_FALLBACK_CHUNK = 1 << 14


def _jit(fn: Callable[..., None]) -> Any:
    """``njit(cache=True, nogil=True)``, or without the cache when none is writable.

    Numba refuses ``cache=True`` at decoration time (``RuntimeError: cannot
    cache function ...: no locator available``) when neither
    ``NUMBA_CACHE_DIR``, the ``__pycache__`` beside this file nor the user
    cache directory can be written (read-only installs, sandboxes without
    ``HOME``). The kernels then compile once per process instead.
    ``error_model="numpy"``: a division needs no zero check (validation
    rules zero divisors out), which lets the loops vectorise.
    """
    options = {"nogil": True, "fastmath": False, "error_model": "numpy"}
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:
        return numba.njit(cache=False, **options)(fn)


@_jit
def _coordinate(j0: int, x0: float, direction: float) -> float:  # pragma: no cover
    # Piece.coordinates computes x0 - j backwards and j + x0 forwards; with
    # direction = -1.0 or 1.0 this is the same float, without a branch.
    return direction * j0 + x0


@_jit
def constant(out, j0, x0, direction, value):  # noqa: ARG001
    for m in range(out.shape[0]):
        out[m] = value


@_jit
def linear(out, j0, x0, direction, start, end, span):
    slope = (end - start) / span
    lo, hi = min(start, end), max(start, end)
    for m in range(out.shape[0]):
        v = _coordinate(j0 + m, x0, direction) * slope + start
        out[m] = min(max(v, lo), hi)


@_jit
def _offset_table(j0, n, direction, scale):
    # cos(k d) - 1 and sin(k d) for the in-block offsets k that [j0, j0 + n)
    # uses, with d = pi / span (`scale`); cos(k d) - 1 = -2 sin^2(k d / 2)
    # keeps full relative precision for small angles.
    size = min(BLOCK, j0 % BLOCK + n)
    cm1 = np.empty(size)
    sin = np.empty(size)
    for k in range(size):
        phi = (direction * k * math.pi) / scale
        h = math.sin(0.5 * phi)
        cm1[k] = -2.0 * h * h
        sin[k] = math.sin(phi)
    return cm1, sin


@_jit
def cosine(out, j0, x0, direction, start, end, span, exponent):
    n = out.shape[0]
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    cm1, sin = _offset_table(j0, n, direction, span)
    m = 0
    while m < n:
        j = j0 + m
        k0 = j % BLOCK
        count = min(BLOCK - k0, n - m)
        theta = (_coordinate(j - k0, x0, direction) * math.pi) / span
        cb = math.cos(theta)
        sb = math.sin(theta)
        base = m - k0
        if exponent == 1.0:
            for k in range(k0, k0 + count):
                c = cb + (cb * cm1[k] - sb * sin[k])
                c = (c + 1.0) * 0.5
                out[base + k] = min(max(c * diff + end, lo), hi)
        elif exponent == 2.0:  # NumPy's power(c, 2.0) is c * c too
            for k in range(k0, k0 + count):
                c = cb + (cb * cm1[k] - sb * sin[k])
                c = (c + 1.0) * 0.5
                out[base + k] = min(max((c * c) * diff + end, lo), hi)
        else:
            for k in range(k0, k0 + count):
                c = cb + (cb * cm1[k] - sb * sin[k])
                c = ((c + 1.0) * 0.5) ** exponent
                out[base + k] = min(max(c * diff + end, lo), hi)
        m += count


@_jit
def polynomial(out, j0, x0, direction, start, end, span, power):
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    if power == 1.0:
        for m in range(out.shape[0]):
            c = 1.0 - _coordinate(j0 + m, x0, direction) / span
            out[m] = min(max(c * diff + end, lo), hi)
    elif power == 2.0:
        for m in range(out.shape[0]):
            c = 1.0 - _coordinate(j0 + m, x0, direction) / span
            out[m] = min(max((c * c) * diff + end, lo), hi)
    else:
        for m in range(out.shape[0]):
            c = (1.0 - _coordinate(j0 + m, x0, direction) / span) ** power
            out[m] = min(max(c * diff + end, lo), hi)


@_jit
def one_minus_sqrt(out, j0, x0, direction, start, end, span):
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    for m in range(out.shape[0]):
        c = 1.0 - math.sqrt(_coordinate(j0 + m, x0, direction) / span)
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def tanh(out, j0, x0, direction, start, end, span, lower, upper):
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    top = math.tanh(upper)
    width = top - math.tanh(lower)
    for m in range(out.shape[0]):
        p = _coordinate(j0 + m, x0, direction) / span
        c = (top - math.tanh(p * (upper - lower) + lower)) / width
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def rex(out, j0, x0, direction, start, end, span):
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    for m in range(out.shape[0]):
        p = _coordinate(j0 + m, x0, direction) / span
        c = (1.0 - p) / (1.0 - 0.5 * p)
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def _power_table(j0, n, direction, base, period):
    # base ** (offset / period) for the in-block offsets k that [j0, j0 + n) uses.
    size = min(BLOCK, j0 % BLOCK + n)
    table = np.empty(size)
    for k in range(size):
        table[k] = base ** (direction * k / period)
    return table


@_jit
def _powers(out, j0, x0, direction, scale, base, period, lo, hi):
    # out[m] = scale * base ** (x / period), kept in [lo, hi]: the exact power
    # at the start of each block times a table of in-block factors.
    n = out.shape[0]
    table = _power_table(j0, n, direction, base, period)
    m = 0
    while m < n:
        j = j0 + m
        k0 = j % BLOCK
        count = min(BLOCK - k0, n - m)
        first = scale * base ** (_coordinate(j - k0, x0, direction) / period)
        for k in range(k0, k0 + count):
            out[m - k0 + k] = min(max(first * table[k], lo), hi)
        m += count


@_jit
def exponential(out, j0, x0, direction, start, rate, period, staircase):
    if staircase:
        # The exponent is constant over each stair: one power per stair. It
        # stays a float: math.floor gives an int in Numba, and float ** int
        # is repeated multiplication, off by 100+ ulp at large exponents.
        last = math.nan
        value = 0.0
        for m in range(out.shape[0]):
            e = float(math.floor(_coordinate(j0 + m, x0, direction) / period))
            if e != last:
                value = start * rate**e
                last = e
            out[m] = value
    else:
        _powers(out, j0, x0, direction, start, rate, period, -math.inf, math.inf)


@_jit
def geometric(out, j0, x0, direction, start, end, span):
    _powers(out, j0, x0, direction, start, end / start, span, min(start, end), max(start, end))


@_jit
def inverse_sqrt(out, j0, x0, direction, start, timescale):
    # x * (1 / timescale) instead of x / timescale: one division per element
    # instead of two (a relative difference of about one ulp).
    rate = 1.0 / timescale
    for m in range(out.shape[0]):
        out[m] = start / math.sqrt(_coordinate(j0 + m, x0, direction) * rate + 1.0)


@_jit
def cyclic(out, j0, x0, direction, low, high, up, down, mode, gamma):
    lo, hi = min(low, high), max(low, high)
    diff = high - low
    total = up + down
    ratio = up / total
    for m in range(out.shape[0]):
        x = _coordinate(j0 + m, x0, direction)
        q = x / total
        cycle = float(math.floor(1.0 + q))
        y = 1.0 + q - cycle
        if y <= ratio:
            scale = y / ratio
        else:
            scale = (y - 1.0) / (ratio - 1.0)
        if mode == 1.0:
            scale /= 2.0 ** (cycle - 1.0)
        elif mode == 2.0:
            scale *= gamma**x
        out[m] = min(max(scale * diff + low, lo), hi)


@_jit
def inverse_time(out, j0, x0, direction, start, rate, period, staircase):
    for m in range(out.shape[0]):
        p = _coordinate(j0 + m, x0, direction) / period
        if staircase:
            p = float(math.floor(p))
        out[m] = start / (p * rate + 1.0)


@_jit
def cosine_k(out, j0, x0, direction, start, end, span, k):
    if k == 1.0:  # x^1 / span^1 is the plain cosine's angle: use angle addition
        cosine(out, j0, x0, direction, start, end, span, 1.0)
        return
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    scale = span**k
    for m in range(out.shape[0]):
        theta = (_coordinate(j0 + m, x0, direction) ** k * math.pi) / scale
        c = (math.cos(theta) + 1.0) * 0.5
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def polynomial_k(out, j0, x0, direction, start, end, span, power, k):
    if k == 1.0:
        polynomial(out, j0, x0, direction, start, end, span, power)
        return
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    scale = span**k
    for m in range(out.shape[0]):
        c = 1.0 - _coordinate(j0 + m, x0, direction) ** k / scale
        if power != 1.0:
            c = c**power
        out[m] = min(max(c * diff + end, lo), hi)


#: One kernel per kind of ``_formulas.FORMULAS``, same parameter order.
KERNELS: dict[str, Any] = {
    "constant": constant,
    "linear": linear,
    "cosine": cosine,
    "polynomial": polynomial,
    "one_minus_sqrt": one_minus_sqrt,
    "tanh": tanh,
    "rex": rex,
    "exponential": exponential,
    "geometric": geometric,
    "inverse_sqrt": inverse_sqrt,
    "cyclic": cyclic,
    "inverse_time": inverse_time,
    "cosine_k": cosine_k,
    "polynomial_k": polynomial_k,
}


def _numpy_piece(piece: Any, out: NDArray[np.floating], a: int, b: int) -> None:
    """The NumPy formula of a kind that has no kernel yet, chunk by chunk."""
    formula = FORMULAS[piece.kind]
    for c0 in range(a, b, _FALLBACK_CHUNK):
        c1 = min(c0 + _FALLBACK_CHUNK, b)
        out[c0 - a : c1 - a] = formula(piece.coordinates(c0, c1), *piece.params)


def numpy_is_faster(kind: str, params: tuple[float, ...]) -> bool:
    """Whether a piece costs a general power or ``tanh`` per element.

    Numba calls the scalar ``libm`` function for those, while NumPy has
    SIMD versions (AVX-512 on x86): there `fill` runs the NumPy formula
    instead, still split over its threads (ufuncs release the GIL). The
    choice depends on the piece alone, never on the window, so windows stay
    bit-identical to the whole. Measured in ``benchmarks/bench_generate.py``.
    """
    if kind == "cosine":
        return params[3] not in (1.0, 2.0)
    if kind == "polynomial":
        return params[3] not in (1.0, 2.0)
    if kind in ("cosine_k", "polynomial_k"):
        return params[-1] != 1.0 or (kind == "polynomial_k" and params[3] not in (1.0, 2.0))
    if kind == "cyclic":
        return params[4] == 2.0  # exp_range: gamma ** x
    return kind == "tanh"


def numpy_only(kind: str, params: tuple[float, ...]) -> bool:
    """Whether a piece has no kernel twin: its NumPy formula is reworked for accuracy.

    ``tanh`` and the general powers of ``cosine`` and ``polynomial`` (exponents
    other than 1 and 2) are written in ``_formulas`` without cancellation
    (``expm1``/``log1p`` forms); those pieces always run that formula, so
    every backend gives its values. The loops below for them are unused.
    """
    if kind in ("cosine", "polynomial"):
        return params[3] not in (1.0, 2.0)
    return kind == "tanh"


def _fill_range(
    plan: Any, buf: NDArray[np.floating], start: int, lo: int, hi: int, route: bool = True
) -> None:
    """Write indices ``[lo, hi)`` of `plan` into ``buf[lo - start : hi - start]``."""
    for piece in plan.pieces_in(lo, hi):
        a, b = max(piece.offset, lo), min(piece.offset + piece.length, hi)
        out = buf[a - start : b - start]
        kernel = KERNELS.get(piece.kind)
        if kernel is None or numpy_only(piece.kind, piece.params) or (
                route and numpy_is_faster(piece.kind, piece.params)):
            _numpy_piece(piece, out, a, b)
        else:
            kernel(out, a - piece.offset, piece.x0, piece.direction, *piece.params)


def thread_count(n: int) -> int:
    """Threads `fill` uses for `n` elements.

    At most ``NUMBA_NUM_THREADS`` (Numba's setting, which defaults to the CPU
    count) and the CPUs this process may run on, and only as many as get
    `THREAD_MIN` elements each.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(numba.config.NUMBA_NUM_THREADS, cpus, n // THREAD_MIN))


def fill(
    plan: Any,
    buf: NDArray[np.floating],
    start: int,
    stop: int,
    threads: int | None = None,
    *,
    route: bool = True,
) -> None:
    """Fill `buf` with indices ``[start, stop)`` of `plan`, then set its pins.

    `threads` defaults to `thread_count`; the result does not depend on it.
    With `route` False every piece runs its kernel, even where
    `numpy_is_faster` (the tests check every kernel that way).
    """
    n = stop - start
    t = thread_count(n) if threads is None else max(1, min(threads, n))
    if t == 1:
        _fill_range(plan, buf, start, start, stop, route)
    else:
        cuts = [start + n * i // t for i in range(t + 1)]
        errors: list[BaseException] = []

        def work(lo: int, hi: int) -> None:
            try:
                _fill_range(plan, buf, start, lo, hi, route)
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)

        workers = [
            threading.Thread(target=work, args=(cuts[i], cuts[i + 1]), daemon=True)
            for i in range(1, t)
        ]
        for w in workers:
            w.start()
        try:
            _fill_range(plan, buf, start, cuts[0], cuts[1], route)
        finally:
            for w in workers:
                w.join()
        if errors:
            raise errors[0]
    for i, value in plan.pins_in(start, stop):
        buf[i - start] = value
