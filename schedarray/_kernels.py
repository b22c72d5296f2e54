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
A kernel writes fewer than `KERNEL_MAX` elements per call (its callers
split longer ranges): loops that need the index as a float per element
count in 32 bits, ``float(j0) + float(m)`` (exact, the same float as
``float(j0 + m)``), because AVX2 has no vector conversion of 64-bit
integers to floats (LLVM converted them one by one; AVX-512 has one).

Speed comes from not calling a transcendental function per element where a
shape allows it, and from keeping the divider unit free: a division by a
constant (``x / span``) is a multiplication by its reciprocal corrected by
FMAs (`_quotient`, the same float as the division) where a kernel is
division-bound. The cosine uses angle addition over blocks of `BLOCK`
indices: ``cos`` and ``sin`` are evaluated exactly at the first index of each
block, and the offsets inside a block come from a small table of
``cos(k d) - 1`` and ``sin(k d)``, so an element costs two multiplications
and two additions. Exponential and geometric shapes do the same with a table
of ``rate^(k/T)``. Staircases fill each block that lies on one
stair, and ``triangular2`` takes one power per cycle. Inner loops run over
per-block slices indexed from 0: Numba then knows the indices are not
negative, drops its wrap-around check, and vectorises the loop with
contiguous loads and stores (indexing the whole array at ``base + k`` gave
AVX-512 gathers and scatters, with the same values). Shapes that need a
general power or ``tanh`` per element take the values of the accurate NumPy
formula (`numpy_only`), computed as fused Numba loops around NumPy's SIMD
``exp``/``expm1``/``log`` calls (`_fused_piece`, bit for bit the formula).
`schedarray._vectorized` computes the same values in NumPy, operation for
operation, for processes that never import Numba.
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

import inspect
import math
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
from ._plan import Geometric, in_threads, usable_cpus

#: Indices per angle-addition block: one exact ``cos``/``sin`` (or power)
#: per block, a table lookup per element.
BLOCK = 512
#: Kernels are called with fewer elements than this (their loops count in 32 bits).
KERNEL_MAX = 1 << 30
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


if numba.config.DISABLE_JIT:  # the kernels run as Python: plain division
    def _reciprocal(b: float) -> tuple[float, float]:
        return 1.0 / b, math.nan

    def _quotient(a: float, b: float, y_hi: float, y_lo: float) -> float:  # noqa: ARG001
        return a / b
else:
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.core.extending import intrinsic

    @intrinsic
    def _fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]  # noqa: ARG001
        """``a * b + c`` rounded once (LLVM's ``llvm.fma.f64``)."""
        def codegen(context, builder, signature, args):  # noqa: ARG001
            d = ir.DoubleType()
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(d, [d, d, d]), "llvm.fma.f64")
            return builder.call(fn, args)
        return types.float64(types.float64, types.float64, types.float64), codegen

    @_jit
    def _reciprocal(b):  # pragma: no cover - compiled
        # 1 / b correctly rounded, and the rest of 1 / b below it (b * y is
        # within an ulp of 1, so 1 - b * y is exact in an FMA). NaN as the
        # rest where `_quotient` must divide (b near the ends of the range).
        y = 1.0 / b
        if not 2.0**-500 < abs(b) < 2.0**500:
            return y, math.nan
        return y, _fma(-y, b, 1.0) * y

    @_jit
    def _quotient(a, b, y_hi, y_lo):  # pragma: no cover - compiled
        # a / b, correctly rounded (the same float as the division), from the
        # reciprocal of `_reciprocal`: q = a (y_hi + y_lo) is within an ulp of
        # a / b, so r = a - b q is exact and q + r y_hi rounds to a / b
        # (Markstein's theorem: y_hi is 1 / b correctly rounded). A
        # multiplication and three FMAs pipeline where a division does not
        # (AVX-512: vdivpd takes the divider for several cycles). Zero takes
        # its sign from a * y_hi, as a / b does. The test of y_lo is the same
        # for every element: LLVM moves it out of the loop. The proof needs
        # no underflow in a * y_lo (|a y_lo| ~ 2^-53 |a / b| above 2^-1022):
        # the numerators here are coordinates, 0 or nowhere near that small.
        if y_lo != y_lo:
            return a / b
        q = _fma(a, y_hi, a * y_lo)
        q = _fma(_fma(-q, b, a), y_hi, q)
        return q if q != 0.0 else a * y_hi


@_jit
def _position(j: float, x0: float, direction: float) -> float:  # pragma: no cover
    # Piece.coordinates computes x0 - j backwards and j + x0 forwards; with
    # direction = -1.0 or 1.0 this is the same float. Forwards from 0 it is
    # j itself (1.0 * j + 0.0 is j for j >= 0): two operations fewer per
    # element, and the test is the same for every element of a loop, so
    # LLVM moves it out (one loop for each case).
    if direction == 1.0 and x0 == 0.0:
        return j
    return direction * j + x0


@_jit
def _coordinate(j0: int, x0: float, direction: float) -> float:  # pragma: no cover
    return _position(float(j0), x0, direction)


@_jit
def _coordinate_at(f0: float, m: int, x0: float, direction: float) -> float:  # pragma: no cover
    # `_coordinate` of index j0 + m from f0 = float(j0) and a 32-bit m: the same
    # float (integers below 2**53 add exactly), converted by a vector instruction.
    return _position(f0 + float(m), x0, direction)


@_jit
def constant(out, j0, x0, direction, value):  # noqa: ARG001
    for m in range(out.shape[0]):
        out[m] = value


@_jit
def linear(out, j0, x0, direction, start, end, span):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    slope = (end - start) / span
    lo, hi = min(start, end), max(start, end)
    for m in range(np.int32(out.shape[0])):
        v = _coordinate_at(f0, m, x0, direction) * slope + start
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
def _clip_free(j, count, x0, direction, span, cb, sb, tc, ts, exponent, diff, end, margin):
    # Whether clipping cannot change a value of this cosine block: over
    # 0 <= x <= span the cosine is monotonic, so the block's values lie
    # between its first and last (computed as the loop computes them, up to
    # a few ulp); when both are farther than `margin` (a million ulp) from
    # start and end, no value can cross either, and the loop skips the clip.
    a = _coordinate(j, x0, direction)
    b = _coordinate(j + count - 1, x0, direction)
    if min(a, b) < 0.0 or max(a, b) > span:
        return False
    start = diff + end
    for i in (0, count - 1):
        c = cb + (cb * tc[i] - sb * ts[i])
        c = (c + 1.0) * 0.5
        if exponent == 2.0:
            c = c * c
        v = c * diff + end
        if min(abs(v - start), abs(v - end)) <= margin:
            return False
    return True


@_jit
def cosine(out, j0, x0, direction, start, end, span, exponent):
    n = out.shape[0]
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    cm1, sin = _offset_table(j0, n, direction, span)
    margin = 1e-9 * max(abs(start), abs(end))
    m = 0
    while m < n:
        j = j0 + m
        k0 = j % BLOCK
        count = min(BLOCK - k0, n - m)
        theta = (_coordinate(j - k0, x0, direction) * math.pi) / span
        cb = math.cos(theta)
        sb = math.sin(theta)
        # Slices indexed from 0: the loop indices are then provably
        # non-negative, so there is no wrap-around check and the loop
        # vectorises with contiguous loads and stores (not gathers).
        o = out[m : m + count]
        tc = cm1[k0 : k0 + count]
        ts = sin[k0 : k0 + count]
        if exponent == 1.0:
            if _clip_free(j, count, x0, direction, span, cb, sb, tc, ts, 1.0, diff, end, margin):
                for i in range(count):
                    c = cb + (cb * tc[i] - sb * ts[i])
                    c = (c + 1.0) * 0.5
                    o[i] = c * diff + end
            else:
                for i in range(count):
                    c = cb + (cb * tc[i] - sb * ts[i])
                    c = (c + 1.0) * 0.5
                    o[i] = min(max(c * diff + end, lo), hi)
        elif exponent == 2.0:  # NumPy's power(c, 2.0) is c * c too
            if _clip_free(j, count, x0, direction, span, cb, sb, tc, ts, 2.0, diff, end, margin):
                for i in range(count):
                    c = cb + (cb * tc[i] - sb * ts[i])
                    c = (c + 1.0) * 0.5
                    o[i] = (c * c) * diff + end
            else:
                for i in range(count):
                    c = cb + (cb * tc[i] - sb * ts[i])
                    c = (c + 1.0) * 0.5
                    o[i] = min(max((c * c) * diff + end, lo), hi)
        else:
            for i in range(count):
                c = cb + (cb * tc[i] - sb * ts[i])
                c = ((c + 1.0) * 0.5) ** exponent
                o[i] = min(max(c * diff + end, lo), hi)
        m += count


@_jit
def polynomial(out, j0, x0, direction, start, end, span, power):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    if power == 1.0:
        for m in range(np.int32(out.shape[0])):
            c = 1.0 - _coordinate_at(f0, m, x0, direction) / span
            out[m] = min(max(c * diff + end, lo), hi)
    elif power == 2.0:
        for m in range(np.int32(out.shape[0])):
            c = 1.0 - _coordinate_at(f0, m, x0, direction) / span
            out[m] = min(max((c * c) * diff + end, lo), hi)
    else:
        for m in range(np.int32(out.shape[0])):
            c = (1.0 - _coordinate_at(f0, m, x0, direction) / span) ** power
            out[m] = min(max(c * diff + end, lo), hi)


@_jit
def one_minus_sqrt(out, j0, x0, direction, start, end, span):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    y_hi, y_lo = _reciprocal(span)
    for m in range(np.int32(out.shape[0])):
        c = 1.0 - math.sqrt(_quotient(_coordinate_at(f0, m, x0, direction), span, y_hi, y_lo))
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def tanh(out, j0, x0, direction, start, end, span, lower, upper):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    top = math.tanh(upper)
    width = top - math.tanh(lower)
    for m in range(np.int32(out.shape[0])):
        p = _coordinate_at(f0, m, x0, direction) / span
        c = (top - math.tanh(p * (upper - lower) + lower)) / width
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def rex(out, j0, x0, direction, start, end, span):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    y_hi, y_lo = _reciprocal(span)
    for m in range(np.int32(out.shape[0])):
        p = _quotient(_coordinate_at(f0, m, x0, direction), span, y_hi, y_lo)
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
        o = out[m : m + count]  # indexed from 0: contiguous, see `cosine`
        t = table[k0 : k0 + count]
        for i in range(count):
            o[i] = min(max(first * t[i], lo), hi)
        m += count


@_jit
def exponential(out, j0, x0, direction, start, rate, period, staircase):
    if staircase:
        # The exponent is constant over each stair: one power per stair. It
        # stays a float: math.floor gives an int in Numba, and float ** int
        # is repeated multiplication, off by 100+ ulp at large exponents.
        # The exponent is monotonic in the index, so a block whose first
        # and last exponents agree lies on one stair and is a plain fill.
        n = out.shape[0]
        last = math.nan
        value = 0.0
        m = 0
        while m < n:
            count = min(BLOCK, n - m)
            e0 = float(math.floor(_coordinate(j0 + m, x0, direction) / period))
            e1 = float(math.floor(_coordinate(j0 + m + count - 1, x0, direction) / period))
            if e0 == e1:
                if e0 != last:
                    value = start * rate**e0
                    last = e0
                out[m : m + count] = value
            else:
                for i in range(m, m + count):
                    e = float(math.floor(_coordinate(j0 + i, x0, direction) / period))
                    if e != last:
                        value = start * rate**e
                        last = e
                    out[i] = value
            m += count
    else:
        _powers(out, j0, x0, direction, start, rate, period, -math.inf, math.inf)


@_jit
def geometric(out, j0, x0, direction, start, end, span):
    _powers(out, j0, x0, direction, start, end / start, span, min(start, end), max(start, end))


@_jit
def inverse_sqrt(out, j0, x0, direction, start, timescale):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    # x * (1 / timescale) instead of x / timescale: one division per element
    # instead of two (a relative difference of about one ulp).
    rate = 1.0 / timescale
    for m in range(np.int32(out.shape[0])):
        out[m] = start / math.sqrt(_coordinate_at(f0, m, x0, direction) * rate + 1.0)


@_jit
def _cycle(j, x0, direction, total):  # pragma: no cover
    # The 1-based cycle number of `cyclic` at local index j, as a float.
    return float(math.floor(1.0 + _coordinate(j, x0, direction) / total))


@_jit
def _triangle(o, j0, x0, direction, low, diff, lo, hi, total, ratio, factor):
    f0 = float(j0)  # counted in 32 bits below: len(o) < KERNEL_MAX
    # The triangle wave of `cyclic`, its amplitude divided by `factor`, a
    # power of two (so multiplying by 1 / factor is the same division, and
    # exact down to factor = inf). The branch picks the numerator and
    # denominator and divides once: the same quotient as in each branch.
    # Written as y + shift over ratio + shift with a shift of 0 or -1 (the
    # same floats: y - 0.0 is y for y >= 0, ratio - 1.0 the falling side's
    # denominator), so that LLVM keeps one division instead of one per
    # branch; np.floor stays a float (math.floor would go through an integer
    # and back).
    inverse = 1.0 / factor
    if factor == 1.0:
        for i in range(np.int32(o.shape[0])):
            q = _coordinate_at(f0, i, x0, direction) / total
            y = 1.0 + q - np.floor(1.0 + q)
            shift = 0.0 if y <= ratio else -1.0
            scale = (y + shift) / (ratio + shift)
            o[i] = min(max(scale * diff + low, lo), hi)
    else:
        for i in range(np.int32(o.shape[0])):
            q = _coordinate_at(f0, i, x0, direction) / total
            y = 1.0 + q - np.floor(1.0 + q)
            shift = 0.0 if y <= ratio else -1.0
            scale = (y + shift) / (ratio + shift)
            scale *= inverse
            o[i] = min(max(scale * diff + low, lo), hi)


@_jit
def cyclic(out, j0, x0, direction, low, high, up, down, mode, gamma):
    lo, hi = min(low, high), max(low, high)
    diff = high - low
    total = up + down
    ratio = up / total
    n = out.shape[0]
    if mode == 0.0:
        _triangle(out, j0, x0, direction, low, diff, lo, hi, total, ratio, 1.0)
        return
    if mode == 1.0:
        # triangular2 divides the amplitude by 2^(cycle - 1). The cycle
        # number is monotonic in the index: find where it changes by
        # bisection and fill each run with one factor, one power per cycle.
        m = 0
        while m < n:
            c = _cycle(j0 + m, x0, direction, total)
            run = n - m
            if _cycle(j0 + n - 1, x0, direction, total) != c:
                inside, outside = 0, n - 1 - m  # same cycle at m + inside, not at outside
                while outside - inside > 1:
                    mid = (inside + outside) // 2
                    if _cycle(j0 + m + mid, x0, direction, total) == c:
                        inside = mid
                    else:
                        outside = mid
                run = outside
            _triangle(out[m : m + run], j0 + m, x0, direction, low, diff, lo, hi, total,
                      ratio, 2.0 ** (c - 1.0))
            m += run
        return
    for m in range(n):
        x = _coordinate(j0 + m, x0, direction)
        q = x / total
        y = 1.0 + q - float(math.floor(1.0 + q))
        if y <= ratio:
            scale = y / ratio
        else:
            scale = (y - 1.0) / (ratio - 1.0)
        scale *= gamma**x
        out[m] = min(max(scale * diff + low, lo), hi)


@_jit
def inverse_time(out, j0, x0, direction, start, rate, period, staircase):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    for m in range(np.int32(out.shape[0])):
        p = _coordinate_at(f0, m, x0, direction) / period
        if staircase:
            p = float(math.floor(p))
        out[m] = start / (p * rate + 1.0)


@_jit
def cosine_k(out, j0, x0, direction, start, end, span, k):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    if k == 1.0:  # x^1 / span^1 is the plain cosine's angle: use angle addition
        cosine(out, j0, x0, direction, start, end, span, 1.0)
        return
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    scale = span**k
    for m in range(np.int32(out.shape[0])):
        theta = (_coordinate_at(f0, m, x0, direction) ** k * math.pi) / scale
        c = (math.cos(theta) + 1.0) * 0.5
        out[m] = min(max(c * diff + end, lo), hi)


@_jit
def polynomial_k(out, j0, x0, direction, start, end, span, power, k):
    f0 = float(j0)  # counted in 32 bits below: len(out) < KERNEL_MAX
    if k == 1.0:
        polynomial(out, j0, x0, direction, start, end, span, power)
        return
    lo, hi = min(start, end), max(start, end)
    diff = start - end
    scale = span**k
    for m in range(np.int32(out.shape[0])):
        c = 1.0 - _coordinate_at(f0, m, x0, direction) ** k / scale
        if power != 1.0:
            c = c**power
        out[m] = min(max(c * diff + end, lo), hi)


# --------------------------------------------------------------------------------------
# Shapes with a transcendental function per element: the NumPy formula, fused
# --------------------------------------------------------------------------------------
#
# ``tanh`` and the general powers of ``cosine`` and ``polynomial`` always take the
# values of their NumPy formula in ``_formulas`` (`numpy_only`): double-double
# arguments and ``exp``/``expm1``/``log1p`` forms, accurate to a few eps. Run as
# written, that formula costs some 200 array passes per element. Below, the same
# IEEE operations in the same order run as a few fused Numba loops, and only the
# transcendental functions stay NumPy ufunc calls (its SIMD ``exp``, ``expm1``,
# ``log1p``, ``log``, the same functions the formula calls, on the same arguments),
# so the values are the formula's bit for bit. Numba contracts no ``a * b + c``
# into an FMA without ``fastmath``, which Dekker's products below rely on.

#: Elements per pass of the fused formulas: their scratch rows stay in the L2 cache.
_FUSED_CHUNK = 1 << 13
#: Dekker's splitting constant, 2^27 + 1 (`_formulas._split`).
_SPLITTER = 134217729.0


@_jit
def _split(v):  # pragma: no cover - compiled
    t = v * _SPLITTER
    hi = t - (t - v)
    return hi, v - hi


@_jit
def _dd_linear(a, ah, al, x, b, bh, bl, z, span, sh, sl, exact):  # pragma: no cover
    # `_formulas._dd_linear`: (a x + b z) / span as hi + lo, a, b and span pre-split.
    if not exact:
        return (a * x + b * z) / span, 0.0
    p1 = a * x
    xh, xl = _split(x)
    e1 = (((ah * xh - p1) + ah * xl) + al * xh) + al * xl
    p2 = b * z
    zh, zl = _split(z)
    e2 = (((bh * zh - p2) + bh * zl) + bl * zh) + bl * zl
    s = p1 + p2
    v = s - p1
    lo = (p1 - (s - v)) + (p2 - v)
    t = lo + (e1 + e2)
    s2 = s + t
    v = s2 - s
    lo = (s - (s2 - v)) + (t - v)
    hi = s2 / span
    q = span * hi
    hh, hl = _split(hi)
    r = (((sh * hh - q) + sh * hl) + sl * hh) + sl * hl
    return hi, (((s2 - q) - r) + lo) / span


@_jit
def _tanh_arguments(n, j0, x0, direction, w, span, lower, upper, exact):  # pragma: no cover
    # The arguments of the tanh formula's exponentials at local indices
    # j0 .. j0 + n - 1, rows of w: 0 the exponent of g, 1/2 c's exponent and
    # low factor, 3 c's expm1 argument, 4/5 rest's, 6 rest's expm1 argument.
    uh, ul = _split(upper)
    mh, ml = _split(-lower)
    lh, ll = _split(lower)
    sh, sl = _split(span)
    for i in range(n):
        xi = _coordinate(j0 + i, x0, direction)
        m = span - xi
        a, a_lo = _dd_linear(upper, uh, ul, m, -lower, mh, ml, m, span, sh, sl, exact)
        b, b_lo = _dd_linear(upper, uh, ul, xi, -lower, mh, ml, xi, span, sh, sl, exact)
        y, y_lo = _dd_linear(lower, lh, ll, m, upper, uh, ul, xi, span, sh, sl, exact)
        w[0, i] = abs(y) * -2.0
        if lower >= 0:
            w[1, i] = -2.0 * b
            w[2, i] = 1.0 + -2.0 * b_lo
        else:
            w[1, i] = -2.0 * y if y > 0 else 0.0
            w[2, i] = 1.0 + (-2.0 * y_lo if y > 0 else 0.0)
        w[3, i] = -2.0 * a
        if upper <= 0:
            w[4, i] = -2.0 * a
            w[5, i] = 1.0 + -2.0 * a_lo
        else:
            w[4, i] = 2.0 * y if y < 0 else 0.0
            w[5, i] = 1.0 + (2.0 * y_lo if y < 0 else 0.0)
        w[6, i] = -2.0 * b


@_jit
def _tanh_combine(out, w, k_c, k_rest, start, end):  # pragma: no cover - compiled
    # c = exp * low * expm1 * k / g and rest likewise, then `_formulas.blend`.
    lo, hi = min(start, end), max(start, end)
    down, up = start - end, end - start
    for i in range(out.shape[0]):
        g = w[0, i] + 1.0
        c = w[1, i] * w[2, i]
        c *= w[3, i]
        c *= k_c
        c /= g
        rest = w[4, i] * w[5, i]
        rest *= w[6, i]
        rest *= k_rest
        rest /= g
        v = rest * up + start if c > 0.5 else c * down + end
        out[i] = min(max(v, lo), hi)


def _tanh_fused(out: NDArray[np.floating], j0: int, x0: float, direction: float,
                w: NDArray[np.float64], start: float, end: float, span: float, lower: float,
                upper: float) -> None:
    """`_formulas.tanh` at local indices ``j0 ..`` into `out`, bit for bit.

    `w` holds 7 C-contiguous scratch rows of at least ``len(out)`` elements (the
    loops index it in two dimensions: a strided slice of it would not vectorise).
    """
    n = out.shape[0]
    exact = max(abs(lower), abs(upper)) < 1e280
    _tanh_arguments(n, j0, x0, direction, w, span, lower, upper, exact)
    for row, f in ((0, np.exp), (1, np.exp), (3, np.expm1), (4, np.exp), (6, np.expm1)):
        f(w[row, :n], out=w[row, :n])
    width = math.expm1(-2.0 * (upper - lower))
    k_c = (1.0 + math.exp(-2.0 * abs(lower))) / width
    k_rest = (1.0 + math.exp(-2.0 * abs(upper))) / width
    _tanh_combine(out, w, k_c, k_rest, start, end)


@_jit
def _outside(j, x0, direction, span, sign):  # pragma: no cover - compiled
    # Whether p = x / span at local index j lies beyond 1/2 on the side of
    # `sign` (the formula's |p| <= 1/2 test, one side at a time).
    p = _coordinate(j, x0, direction) / span
    return p > 0.5 if sign > 0 else p < -0.5


@_jit
def _prefix(n, j0, x0, direction, lo, span, sign, want):  # pragma: no cover - compiled
    # The end of the run of elements from `lo` on whose `_outside` is `want`
    # (x is monotone, so such runs are a prefix or a suffix), by bisection.
    hi = n
    while lo < hi:
        mid = (lo + hi) // 2
        if _outside(j0 + mid, x0, direction, span, sign) == want:
            lo = mid + 1
        else:
            hi = mid
    return lo


@_jit
def _power_arguments(n, j0, x0, direction, w, span, cosine):  # pragma: no cover - compiled
    # `_formulas._power_near_one` up to its logarithms at local indices j0 ..
    # j0 + n - 1, whose coordinates x are monotone: the elements with
    # |p| <= 1/2 are one run [first, stop). Row 0: the argument of the sine
    # (cosine) or of the logarithm (polynomial), of p = x / span in that run,
    # of q = (span - x) / span elsewhere. Returns (first, stop).
    sign = direction  # the side p moves to
    first = _prefix(n, j0, x0, direction, 0, span, -sign, True)
    stop = _prefix(n, j0, x0, direction, first, span, sign, False)
    for i in range(n):
        x = _coordinate(j0 + i, x0, direction)
        q = (span - x) / span
        p = x / span
        if first <= i < stop:
            w[0, i] = p * (math.pi / 4) if cosine else -p
        else:
            w[0, i] = q * (math.pi / 2) if cosine else q
    return first, stop


@_jit
def _cosine_log_arguments(w, n, first, stop):  # pragma: no cover - compiled
    # log1p(-2 s^2) near p = 0, log|s| elsewhere (s: the sines in row 0).
    for i in range(n):
        s = w[0, i]
        w[0, i] = -2.0 * s * s if first <= i < stop else abs(s)


@_jit
def _power_exponent(w, n, power, twice):  # pragma: no cover - compiled
    for i in range(n):
        e = 2.0 * w[0, i] if twice else w[0, i]
        w[0, i] = e * power
        w[1, i] = w[0, i]


@_jit
def _power_combine(out, w, start, end):  # pragma: no cover - compiled
    # `_formulas.blend` of c = exp(e) (row 0) and rest = -expm1(e) (row 1).
    lo, hi = min(start, end), max(start, end)
    down, up = start - end, end - start
    for i in range(out.shape[0]):
        c = w[0, i]
        v = (-w[1, i]) * up + start if c > 0.5 else c * down + end
        out[i] = min(max(v, lo), hi)


def _power_fused(cosine: bool, out: NDArray[np.floating], j0: int, x0: float,
                 direction: float, w: NDArray[np.float64], start: float, end: float,
                 span: float, power: float) -> bool:
    """The general power of `_formulas.cosine`/`polynomial` into `out`, bit for bit.

    At local indices ``j0 ..`` of a piece (monotone coordinates). Returns False (writing
    nothing) where the formula takes another branch (a power of 0, a span
    that is not positive); the caller then runs the formula itself.
    """
    if power == 0 or not span > 0:
        return False
    n = out.shape[0]
    first, stop = _power_arguments(n, j0, x0, direction, w, span, cosine)
    row = w[0, :n]
    with np.errstate(divide="ignore", invalid="ignore"):
        if cosine:
            np.sin(row, out=row)
            _cosine_log_arguments(w, n, first, stop)
        np.log(row[:first], out=row[:first])
        np.log1p(row[first:stop], out=row[first:stop])
        np.log(row[stop:], out=row[stop:])
        _power_exponent(w, n, power, cosine)
        np.expm1(w[1, :n], out=w[1, :n])
        np.exp(row, out=row)
    _power_combine(out, w, start, end)
    return True


def _fused_piece(piece: Any, out: NDArray[np.floating], a: int, b: int) -> bool:
    """Write a `numpy_only` piece through its fused formula; False if it has none."""
    kind, params = piece.kind, piece.params
    if kind == "polynomial_k":
        kind, params = "polynomial", params[:4]
    if kind not in ("tanh", "cosine", "polynomial"):
        return False
    rows = 7 if kind == "tanh" else 2
    w = np.empty((rows, _FUSED_CHUNK))
    for c0 in range(a, b, _FUSED_CHUNK):
        c1 = min(c0 + _FUSED_CHUNK, b)
        o = out[c0 - a : c1 - a]
        j, x0, direction = c0 - piece.offset, piece.x0, piece.direction
        if kind == "tanh":
            with np.errstate(over="ignore", invalid="ignore"):
                _tanh_fused(o, j, x0, direction, w, *params)
        elif not _power_fused(kind == "cosine", o, j, x0, direction, w, *params):
            o[:] = FORMULAS[kind](piece.coordinates(c0, c1), *params)
    return True


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


# --------------------------------------------------------------------------------------
# Periodic plan elements (`_plan.Cycles`): one loop over the cycles in the window
# --------------------------------------------------------------------------------------

#: The loop of `fill_cycles`, one compiled function per kind (compiled, and
#: cached, only for the kinds a plan uses: a single function dispatching on
#: the kind would compile every kernel at its first call, ~6 s). Phase `kind`
#: of every cycle that meets [a, b) is written into out[0 : b - a]. Per-run
#: values: field f is ints[irows[f], r] when irows[f] >= 0, else iuni[f]
#: (int fields: begin, stop, pin indices; float fields: x0, direction,
#: parameters, pin values). Float fields gfields[e] are `_plan.Geometric`:
#: the field holds the base, and cycle c of run r takes base * gratios[e] **
#: (gk0[e] + firsts[r] + c) (the powers `libm_pow` gives: Numba's ``**`` is
#: libm's ``pow``). Without those, the first cycle of a run met whole is
#: computed and the run's further whole cycles copy it (they are equal) when
#: it is short enough to be read back from the cache (`_COPY_MAX`); longer
#: ones are computed again, which costs less than reading them back from memory.
_CYCLES_SOURCE = """
def _cycles_{kind}(out, a, b, starts, counts, sizes,
                   irows, iuni, ints, frows, funi, floats, nparams, npins,
                   firsts, gfields, gratios, gk0):
    runs = starts.shape[0]
    p = np.empty(6)
    changing = gfields.shape[0]
    bases = np.empty(changing)
    r = max(np.searchsorted(starts, a, side="right") - 1, 0)
    while r < runs and starts[r] < b:
        s, size, count = starts[r], sizes[r], counts[r]
        iv = np.empty(irows.shape[0], dtype=np.int64)
        for f in range(irows.shape[0]):
            iv[f] = ints[irows[f], r] if irows[f] >= 0 else iuni[f]
        fv = np.empty(frows.shape[0])
        for f in range(frows.shape[0]):
            fv[f] = floats[frows[f], r] if frows[f] >= 0 else funi[f]
        for e in range(changing):
            bases[e] = fv[gfields[e]]
        begin, stop = iv[0], iv[1]
        n = stop - begin
        for k in range(nparams):
            p[k] = fv[2 + k]
        if n > 0:
            c = (a - s) // size if a > s else 0
            last = min(count, (b - s + size - 1) // size)
            template = -1
            while c < last:
                lo = s + c * size + begin
                u, v = max(lo, a), min(lo + n, b)
                if u < v and changing:  # this cycle's values: base * ratio ** cycle number
                    for e in range(changing):
                        fv[gfields[e]] = bases[e] * gratios[e] ** float(gk0[e] + firsts[r] + c)
                    for k in range(nparams):
                        p[k] = fv[2 + k]
                if u < v:
                    whole = u == lo and v == lo + n
                    if whole and template >= 0 and n <= {copy_max} and not changing:
                        for m in range(n):
                            out[lo - a + m] = out[template - a + m]
                    else:
                        for w in range(u, v, {kernel_max}):
                            {kind}(out[w - a : min(w + {kernel_max}, v) - a], w - lo, fv[0],
                                   fv[1], {params})
                        for q in range(npins):
                            j = iv[2 + q]
                            if 0 <= j < n and u <= lo + j < v:
                                out[lo + j - a] = fv[2 + nparams + q]
                        if whole:
                            template = lo
                c += 1
        r += 1
"""
#: Longest cycle phase that further whole cycles copy instead of computing (32 KiB).
_COPY_MAX = 1 << 12
_cycle_loops: dict[str, Any] = {}
_cycle_loops_lock = threading.Lock()


def _cycles_loop(kind: str) -> Any:
    """The compiled loop of `kind` (made from `_CYCLES_SOURCE` at its first use).

    Compiled as if written in this file (its cache lives beside the other
    kernels'), with the kernel's parameters passed by position.
    """
    with _cycle_loops_lock:  # fill's threads may ask at once
        if kind not in _cycle_loops:
            arity = len(inspect.signature(FORMULAS[kind]).parameters) - 1
            params = ", ".join(f"p[{i}]" for i in range(arity))
            source = _CYCLES_SOURCE.format(kind=kind, params=params, copy_max=_COPY_MAX,
                                           kernel_max=KERNEL_MAX)
            exec(compile(source, __file__, "exec"), globals())  # our template, a kernel name
            _cycle_loops[kind] = _jit(globals()[f"_cycles_{kind}"])
        return _cycle_loops[kind]


def _tables(values: list[Any], runs: int, dtype: type) -> tuple[NDArray[Any], ...]:
    """Per-run fields as ``(rows, uniform, table)`` for the loops of `fill_cycles`."""
    rows = np.full(len(values), -1, dtype=np.int64)
    uniform = np.zeros(len(values), dtype=dtype)
    varying = []
    for f, value in enumerate(values):
        if isinstance(value, np.ndarray):
            rows[f] = len(varying)
            varying.append(value)
        else:
            uniform[f] = value
    table = np.array(varying, dtype=dtype).reshape(len(varying), runs)
    return rows, uniform, table


def _phase_tables(cycles: Any, p: int) -> tuple[Any, ...]:
    """The arguments of the loop of phase `p` of `cycles` (built once, kept)."""
    cache = cycles.__dict__.setdefault("_numba_tables", {})
    if p not in cache:
        ph = cycles.phases[p]
        runs = cycles.starts.shape[0]
        if len(ph.pins) > 2 or len(ph.params) > 6:
            raise AssertionError("a cycle phase has at most 6 parameters and 2 pins")
        ints = _tables([ph.begin, ph.stop, *(j for j, _ in ph.pins)], runs, np.int64)
        values = [ph.x0, ph.direction, *ph.params, *(v for _, v in ph.pins)]
        # A `Geometric` value: its base is the field (per run), and the loop
        # multiplies it by ratio ** (k0 + cycle number) in each cycle.
        changing = [(f, v) for f, v in enumerate(values) if isinstance(v, Geometric)]
        floats = _tables([v.base if isinstance(v, Geometric) else v for v in values],
                         runs, np.float64)
        geometric = (np.array([f for f, _ in changing], dtype=np.int64),
                     np.array([v.ratio for _, v in changing], dtype=np.float64),
                     np.array([v.k0 for _, v in changing], dtype=np.int64))
        cache[p] = (*ints, *floats, len(ph.params), len(ph.pins), cycles.first, *geometric)
    return cache[p]


def _first(value: Any) -> Any:
    """A per-run value's number in the first run (a `Geometric` one's base)."""
    if isinstance(value, Geometric):
        value = value.base
    return value[0] if isinstance(value, np.ndarray) else value


def fill_cycles(cycles: Any, out: NDArray[np.floating], a: int, b: int, route: bool = True) -> None:
    """Write indices ``[a, b)`` of a `_plan.Cycles` element into `out`, phase by phase.

    Each phase is one compiled loop over the runs and cycles that meet the
    window, calling the phase's kernel on each cycle's slice, so the values
    are those of one piece per cycle phase (the same kernel calls). A phase
    whose kind `numpy_is_faster` routes to NumPy takes the element's NumPy
    path, for that phase's steps only.
    """
    for p, ph in enumerate(cycles.phases):
        first = tuple(float(_first(q)) for q in ph.params)
        if numpy_only(ph.kind, first) or (route and numpy_is_faster(ph.kind, first)):
            cycles.fill_numpy(out, a, b, phases=(p,))
            continue
        _cycles_loop(ph.kind)(out, a, b, cycles.starts, cycles.counts, cycles.sizes,
                              *_phase_tables(cycles, p))


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
    # Not cyclic's exp_range: NumPy's power with a scalar base has no SIMD
    # loop, and its ``gamma ** x`` is 2.4x slower than the kernel's ``libm`` call.
    return kind == "tanh"


def numpy_only(kind: str, params: tuple[float, ...]) -> bool:
    """Whether a piece has no kernel twin: its NumPy formula is reworked for accuracy.

    ``tanh`` and the general powers of ``cosine`` and ``polynomial`` (exponents
    other than 1 and 2) are written in ``_formulas`` without cancellation
    (``expm1``/``log1p`` forms); those pieces always take that formula's
    values, so every backend gives the same. Here it runs fused
    (`_fused_piece`: the same operations as a few Numba loops around NumPy's
    ``exp``/``expm1``/``log``), bit for bit; the per-element kernels above for
    those exponents are unused.
    """
    if kind in ("cosine", "polynomial"):
        return params[3] not in (1.0, 2.0)
    if kind == "polynomial_k":  # with k = 1 it is the plain polynomial's formula
        return params[4] == 1.0 and params[3] not in (1.0, 2.0)
    return kind == "tanh"


def _fill_range(
    plan: Any, buf: NDArray[np.floating], start: int, lo: int, hi: int, route: bool = True
) -> None:
    """Write indices ``[lo, hi)`` of `plan` into ``buf[lo - start : hi - start]``."""
    for piece in plan.pieces_in(lo, hi):
        a, b = max(piece.offset, lo), min(piece.offset + piece.length, hi)
        out = buf[a - start : b - start]
        if piece.kind == "cycles":
            fill_cycles(piece, out, a, b, route)
            continue
        kernel = KERNELS.get(piece.kind)
        if numpy_only(piece.kind, piece.params):
            if not _fused_piece(piece, out, a, b):
                _numpy_piece(piece, out, a, b)
        elif kernel is None or (route and numpy_is_faster(piece.kind, piece.params)):
            _numpy_piece(piece, out, a, b)
        else:
            for u in range(a, b, KERNEL_MAX):
                v = min(u + KERNEL_MAX, b)
                kernel(out[u - a : v - a], u - piece.offset, piece.x0, piece.direction,
                       *piece.params)


def thread_count(n: int) -> int:
    """Threads `fill` uses for `n` elements.

    At most ``NUMBA_NUM_THREADS`` (Numba's setting, which defaults to the CPU
    count) and the CPUs this process may run on, and only as many as get
    `THREAD_MIN` elements each.
    """
    return max(1, min(numba.config.NUMBA_NUM_THREADS, usable_cpus(), n // THREAD_MIN))


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
    in_threads(lambda lo, hi: _fill_range(plan, buf, start, lo, hi, route), start, stop, t)
    for i, value in plan.pins_in(start, stop):
        buf[i - start] = value
