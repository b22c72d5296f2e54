"""Every schedule formula, written once, in NumPy.

A formula maps a float64 array ``x`` of *local coordinates* (the position
inside one piece of a schedule, see `schedarray._plan.Piece`) and a tuple of
float parameters to float64 values. Formulas may overwrite ``x``. The Numba
kernels in ``_kernels.py`` implement the same table, kind for kind, with the
same parameter order.

Shapes that go from ``start`` to ``end`` are written as a blend
``end + (start - end) * c(p)`` of a weight ``c`` in [0, 1] over the progress
``p = x / span``, then kept inside ``[min(start, end), max(start, end)]`` so
rounding can never overshoot a landmark.

=============== ====================================== ==============================
kind            parameters                             value
=============== ====================================== ==============================
constant        value                                  value
linear          start, end, span                       start + x (end - start) / span
cosine          start, end, span, exponent             c = ((1 + cos(pi p)) / 2)^exponent
polynomial      start, end, span, power                c = (1 - p)^power
one_minus_sqrt  start, end, span                       c = 1 - sqrt(p)
tanh            start, end, span, lower, upper         c = (tanh(u) - tanh(l + (u - l) p))
                                                           / (tanh(u) - tanh(l))
rex             start, end, span                       c = (1 - p) / (1 - p / 2)
exponential     start, rate, period, staircase         start * rate^(x / period),
                                                       floored exponent if staircase
geometric       start, end, span                       start * (end / start)^p, kept in range
inverse_sqrt    start, timescale                       start / sqrt(1 + x / timescale)
inverse_time    start, rate, period, staircase         start / (1 + rate x / period),
                                                       x / period floored if staircase
cyclic          low, high, up, down, mode, gamma       triangle wave, see `cyclic`
cosine_k        start, end, span, k                    c = (1 + cos(pi x^k / span^k)) / 2
polynomial_k    start, end, span, power, k             c = (1 - x^k / span^k)^power
=============== ====================================== ==============================
"""

from __future__ import annotations

import importlib
import math
import platform
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._check import NotFinite

Floats = NDArray[np.float64]

#: ``mode`` codes of the ``cyclic`` kind (parameters are floats).
CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def _range(start: float, end: float) -> tuple[float, float]:
    """``(min(start, end), max(start, end))``, elementwise for per-cycle arrays.

    Parameters may be arrays of one value per element (a periodic plan
    element gathers its per-cycle parameters, see ``_plan.Cycles``); the
    arrays pick exactly what Python's ``min`` and ``max`` pick.
    """
    if np.ndim(start) == 0 and np.ndim(end) == 0:
        return min(start, end), max(start, end)
    return np.where(end < start, end, start), np.where(end > start, end, start)


#: A blend's weight ``c`` and, when computed apart (accurately), its complement ``1 - c``.
Weight = tuple[Floats, Floats | None]


def blend(weight: Weight, start: float, end: float, out: Floats | None = None) -> Floats:
    """``end + (start - end) * c`` into `out` (over ``c`` itself by default), kept in range.

    With a complement ``rest`` (``1 - c``, each accurate), values near
    `start` (``c > 1/2``) are ``start + (end - start) * rest`` instead, so a
    curve that stays near `start` keeps its precision relative to its own size,
    not to `end`'s. `start` and `end` may be arrays that broadcast against the
    weight (per-element, or one row per cycle: `schedarray._plan.Cycles`
    blends one cycle's weights with each cycle's own start and end); the
    values are the same bits either way.

    >>> blend((np.array([0.0, 0.5, 1.0]), None), 2.0, 0.0)
    array([0., 1., 2.])
    """
    c, rest = weight
    if out is None:
        out = c
    near_start = None if rest is None else c > 0.5
    if near_start is None or not near_start.any():
        np.multiply(c, start - end, out=out)
        out += end
        return np.clip(out, *_range(start, end), out=out)
    if near_start.all():  # only the complement's side: computed once, not twice
        np.multiply(rest, end - start, out=out)
        out += start
        return np.clip(out, *_range(start, end), out=out)
    np.multiply(c, start - end, out=out)
    out += end
    rest = np.multiply(rest, end - start, out=rest if rest.shape == out.shape else None)
    rest += start
    np.copyto(out, rest, where=near_start)
    return np.clip(out, np.minimum(start, end), np.maximum(start, end), out=out)


def _numpy_power_is_libm() -> bool:
    """Whether NumPy's float64 ``power`` loop is the C library's ``pow``, element by element.

    It is, except where NumPy links Intel's SVML (AVX-512 machines), whose ``pow``
    differs from ``libm``'s in the last bit for some arguments. Only x86-64 without
    AVX-512 is taken on trust (checked there: 4 * 10**7 powers, every bit the same).
    """
    features = cpu_features()
    if not features:  # unknown: Python's pow, which is libm's
        return False
    wide = any(features.get(f) for f in ("AVX512F", "AVX512_SKX", "X86_V4"))
    return platform.machine().lower() in ("x86_64", "amd64") and not wide


def cpu_features() -> dict[str, bool]:
    """The CPU features NumPy dispatches on (empty if this NumPy does not say)."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:  # NumPy 2 moved the module; 1.x has the old name
            return dict(importlib.import_module(module).__cpu_features__)
        except (ImportError, AttributeError):
            continue
    return {}


_NUMPY_POWER_IS_LIBM = _numpy_power_is_libm()


def libm_pow(base: float, exponents: Floats) -> Floats:
    """``[base ** e for e in exponents]`` as Python computes them (``libm``'s ``pow``).

    NumPy's loop where it is that ``pow`` (~35 ns per element), else one Python
    call per element (~0.2 us). Where ``pow`` overflows (Python raises) the value
    is inf. `base` must be positive.

    >>> libm_pow(0.1, np.array([0.0, 1.0, 2.0])).tolist()
    [1.0, 0.1, 0.010000000000000002]
    """
    if _NUMPY_POWER_IS_LIBM and exponents.shape[0] > 1:  # one element: see `_power_of`
        with np.errstate(over="ignore"):
            return np.power(base, exponents)
    return np.array([_pow(base, e) for e in exponents.tolist()], dtype=np.float64)


def _pow(base: float, e: float) -> float:
    try:
        return base**e
    except OverflowError:
        return math.inf


def _power_of(base: float, x: Floats) -> Floats:
    """``base ** x`` in place, the same for an element whatever the array's length.

    NumPy's ``power(scalar, array)`` of a one-element array whose value is
    0.5, 2 or -1 takes a sqrt/square/reciprocal shortcut that can differ by
    an ulp from the vectorized pow of longer arrays; a one-step window (or a
    piece that overlaps a chunk by one step) would then differ from the same
    step of the whole. One element is therefore computed as a pair.
    """
    if x.shape[0] == 1:
        x[0] = np.power(base, np.repeat(x, 2))[0]
        return x
    return np.power(base, x, out=x)


def _progress(x: Floats, span: float) -> Floats:
    x /= span
    return x


def constant(x: Floats, value: float) -> Floats:
    x[...] = value
    return x


def linear(x: Floats, start: float, end: float, span: float) -> Floats:
    # numpy.linspace's own arithmetic: start + x * ((end - start) / span).
    x *= (end - start) / span
    x += start
    return np.clip(x, *_range(start, end), out=x)


def _power_near_one(
    x: Floats, span: float, power: float, log_near: Callable[[Floats], Floats],
    log_far: Callable[[Floats], Floats],
) -> tuple[Floats, Floats]:
    """``w(p) ** power`` and its complement, for a ``w`` that is 1 at ``p = 0``, 0 at 1.

    Both come from the exponent ``e = power * log w``: ``exp(e)`` and
    ``-expm1(e)``, each within a few eps of the exact value for any power > 0.
    ``log w`` must be accurate: where ``|p| <= 1/2`` (``w`` near 1, which would
    round to within an ulp of 1) it is `log_near` of ``p`` (written with
    ``log1p``); elsewhere `log_far` of the remaining progress ``q = (span -
    x) / span``, exact to an ulp relative even as ``w`` goes to 0.
    """
    if power == 0:  # w ** 0 == 1, even where w is 0 (0 * log 0 would be NaN)
        return np.ones_like(x), np.zeros_like(x)
    q = np.subtract(span, x)
    q /= span
    p = _progress(x, span)
    near = np.abs(p) <= 0.5
    e = np.empty_like(p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e[near] = log_near(p[near])
        e[~near] = log_far(q[~near])
        e *= power  # may reach -inf (a huge power): exp gives 0, expm1 -1, as they should
        rest = np.expm1(e)
        np.negative(rest, out=rest)
        c = np.exp(e, out=e)
    return c, rest


def cosine(x: Floats, start: float, end: float, span: float, exponent: float) -> Floats:
    return blend(cosine_weight(x, span, exponent), start, end)


def cosine_weight(x: Floats, span: float, exponent: float) -> Weight:
    """The weight of `cosine`: ``((1 + cos(pi x / span)) / 2) ** exponent``."""
    if exponent not in (1.0, 2.0):
        # ((1 + cos(pi p)) / 2)^k = cos(pi p / 2)^(2k): log cos(t) = log1p(-2 sin^2(t / 2))
        # near p = 0, and cos(pi p / 2) = sin(pi q / 2) near p = 1, where 1 + cos cancels.
        def log_near(p: Floats) -> Floats:
            s = np.sin(p * (np.pi / 4))
            return 2.0 * np.log1p(-2.0 * s * s)

        def log_far(q: Floats) -> Floats:
            return 2.0 * np.log(np.abs(np.sin(q * (np.pi / 2))))

        return _power_near_one(x, span, exponent, log_near, log_far)
    # The angle as pi * x / span, the order of the widely copied ConvNeXt/DINO code.
    x *= np.pi
    x /= span
    c = np.cos(x, out=x)
    c += 1.0
    c *= 0.5
    if exponent != 1.0:
        np.power(c, exponent, out=c)
    return c, None


def polynomial(x: Floats, start: float, end: float, span: float, power: float) -> Floats:
    return blend(polynomial_weight(x, span, power), start, end)


def polynomial_weight(x: Floats, span: float, power: float) -> Weight:
    """The weight of `polynomial`: ``(1 - x / span) ** power``."""
    if power not in (1.0, 2.0) and np.all(np.greater(span, 0)):
        # (1 - p)^k: exp(k log1p(-p)) near p = 0, ((span - x) / span)^k near p = 1.
        return _power_near_one(x, span, power, lambda p: np.log1p(-p), np.log)
    p = _progress(x, span)
    c = np.subtract(1.0, p, out=p)
    if power != 1.0:
        np.power(c, power, out=c)
    return c, None


def one_minus_sqrt(x: Floats, start: float, end: float, span: float) -> Floats:
    return blend(one_minus_sqrt_weight(x, span), start, end)


def one_minus_sqrt_weight(x: Floats, span: float) -> Weight:
    """The weight of `one_minus_sqrt`: ``1 - sqrt(x / span)``."""
    p = _progress(x, span)
    c = np.sqrt(p, out=p)
    return np.subtract(1.0, c, out=c), None


def tanh(
    x: Floats, start: float, end: float, span: float, lower: float, upper: float
) -> Floats:
    return blend(tanh_weight(x, span, lower, upper), start, end)


def tanh_weight(x: Floats, span: float, lower: float, upper: float) -> Weight:
    """The weight of `tanh` and its complement, each within a few eps."""
    # tanh(u) - tanh(y) = sinh(u - y) / (cosh u cosh y), so with d = u - l, a = u - y
    # and b = y - l (both from the progress, exact near their zero):
    #   c     = sinh(a) / sinh(d) * cosh(l) / cosh(y)
    #         = exp(-2 (y+ - l+)) expm1(-2a) / expm1(-2d) (1 + e^-2|l|) / (1 + e^-2|y|),
    #   1 - c = sinh(b) / sinh(d) * cosh(u) / cosh(y)
    #         = exp(-2 (y- - u-)) expm1(-2b) / expm1(-2d) (1 + e^-2|u|) / (1 + e^-2|y|),
    # with y+ = max(y, 0) and y- = max(-y, 0) (y+ - l+ = b when l >= 0, y- - u- = a
    # when u <= 0): no difference of nearly equal tanh values, no overflow. a, b and y
    # are exact products of the bounds and the integer steps, in double-double (a y
    # near 0 from l + d p would lose the digits of l), and the exponentials take
    # their low parts too: the error stays a few eps whatever the bounds' size.
    m = np.subtract(span, x)  # an integer: exact
    exact = max(abs(lower), abs(upper)) < 1e280  # no overflow in the splits
    a, a_lo = _dd_linear(upper, m, -lower, m, span, exact)  # (u - l)(span - x) / span
    b, b_lo = _dd_linear(upper, x, -lower, x, span, exact)  # (u - l) x / span
    y, y_lo = _dd_linear(lower, m, upper, x, span, exact)  # (l (span - x) + u x) / span
    g = np.abs(y)
    g *= -2.0
    np.exp(g, out=g)
    g += 1.0  # 1 + e^-2|y|
    d = upper - lower
    width = math.expm1(-2.0 * d)
    if lower >= 0:
        c = _exp2(-2.0 * b, -2.0 * b_lo)
    else:
        positive = y > 0
        c = _exp2(np.where(positive, -2.0 * y, 0.0), np.where(positive, -2.0 * y_lo, 0.0))
    c *= np.expm1(-2.0 * a)
    c *= (1.0 + math.exp(-2.0 * abs(lower))) / width
    c /= g
    if upper <= 0:
        rest = _exp2(-2.0 * a, -2.0 * a_lo)
    else:
        negative = y < 0
        rest = _exp2(np.where(negative, 2.0 * y, 0.0), np.where(negative, 2.0 * y_lo, 0.0))
    rest *= np.expm1(-2.0 * b)
    rest *= (1.0 + math.exp(-2.0 * abs(upper))) / width
    rest /= g
    return c, rest


def _split(v: Floats | float) -> tuple[Floats, Floats]:
    """Dekker's split: ``v = hi + lo`` with 26-bit halves (products of halves are exact)."""
    t = np.multiply(v, 134217729.0)
    hi = t - (t - v)
    return hi, v - hi


def _two_product(a: float, b: Floats) -> tuple[Floats, Floats]:
    """``a * b = p + e`` exactly (Dekker)."""
    p = np.multiply(a, b)
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _dd_linear(
    a: float, x: Floats, b: float, z: Floats, span: float, exact: bool
) -> tuple[Floats, Floats]:
    """``(a x + b z) / span`` as a double-double ``hi + lo`` (``lo = 0`` unless `exact`)."""
    if not exact:
        value = (a * x + b * z) / span
        return value, np.zeros_like(value)
    p1, e1 = _two_product(a, x)
    p2, e2 = _two_product(b, z)
    s, lo = _two_sum(p1, p2)
    s, lo = _two_sum(s, lo + (e1 + e2))  # the numerator, renormalised: s its nearest double
    hi = s / span
    q, r = _two_product(span, hi)  # span * hi = q + r exactly; s - q is exact (Sterbenz)
    return hi, ((s - q) - r + lo) / span


def _two_sum(a: Floats, b: Floats) -> tuple[Floats, Floats]:
    """``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _exp2(e: Floats, e_lo: Floats) -> Floats:
    """``exp(e + e_lo)`` for a small ``e_lo``: ``exp(e) (1 + e_lo)``."""
    result = np.exp(e)
    result *= 1.0 + e_lo
    return result


def rex(x: Floats, start: float, end: float, span: float) -> Floats:
    return blend(rex_weight(x, span), start, end)


def rex_weight(x: Floats, span: float) -> Weight:
    """The weight of `rex`: ``(1 - p) / (1 - p / 2)``, ``p = x / span``."""
    p = _progress(x, span)
    half = 1.0 - 0.5 * p
    c = np.subtract(1.0, p, out=p)
    c /= half
    return c, None


def exponential(
    x: Floats, start: float, rate: float, period: float, staircase: float
) -> Floats:
    x /= period
    if staircase:
        np.floor(x, out=x)
    _power_of(rate, x)
    x *= start
    return x


def geometric(x: Floats, start: float, end: float, span: float) -> Floats:
    p = _progress(x, span)
    _power_of(end / start, p)
    p *= start
    return np.clip(p, *_range(start, end), out=p)


def inverse_sqrt(x: Floats, start: float, timescale: float) -> Floats:
    x /= timescale
    x += 1.0
    np.sqrt(x, out=x)
    return np.divide(start, x, out=x)


def inverse_time(
    x: Floats, start: float, rate: float, period: float, staircase: float
) -> Floats:
    """Keras's ``InverseTimeDecay``: ``start / (1 + rate * p)``, ``p = x / period``."""
    x /= period
    if staircase:
        np.floor(x, out=x)
    x *= rate
    x += 1.0
    return np.divide(start, x, out=x)


def cyclic(
    x: Floats, low: float, high: float, up: float, down: float, mode: float, gamma: float
) -> Floats:
    """Triangle wave: ``low -> high`` over `up` steps, back over `down` steps.

    The amplitude ``high - low`` is scaled per cycle ``k`` (1-based) by 1
    (triangular), ``2^-(k-1)`` (triangular2) or ``gamma^x`` (exp_range).
    """
    total = up + down
    ratio = up / total
    q = x / total
    cycle = np.floor(1.0 + q)
    y = 1.0 + q - cycle
    scale = np.where(y <= ratio, y / ratio, (y - 1.0) / (ratio - 1.0))
    if mode == 1.0:
        scale /= 2.0 ** (cycle - 1.0)
    elif mode == 2.0:
        scale *= _power_of(gamma, x)
    return blend((scale, None), high, low)


def cosine_k(x: Floats, start: float, end: float, span: float, k: float) -> Floats:
    """Half cosine over a warped progress ``x^k / span^k`` (timm's ``k_decay``)."""
    return blend(cosine_k_weight(x, span, k), start, end)


def cosine_k_weight(x: Floats, span: float, k: float) -> Weight:
    """The weight of `cosine_k`."""
    # timm's operation order: pi * t^k / T^k.
    np.power(x, k, out=x)
    x *= np.pi
    x /= span**k
    c = np.cos(x, out=x)
    c += 1.0
    c *= 0.5
    return c, None


def polynomial_k(
    x: Floats, start: float, end: float, span: float, power: float, k: float
) -> Floats:
    """``(1 - x^k / span^k)^power`` (timm's polynomial with ``k_decay``)."""
    return blend(polynomial_k_weight(x, span, power, k), start, end)


def polynomial_k_weight(x: Floats, span: float, power: float, k: float) -> Weight:
    """The weight of `polynomial_k`."""
    if k == 1.0 and power not in (1.0, 2.0):  # the plain polynomial's accurate general powers
        return polynomial_weight(x, span, power)
    np.power(x, k, out=x)
    x /= span**k
    c = np.subtract(1.0, x, out=x)
    if power != 1.0:
        np.power(c, power, out=c)
    return c, None


FORMULAS: dict[str, Callable[..., Floats]] = {
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


#: The weight ``c`` (and complement) of each blend but `linear`, from the coordinates and
#: the parameters after ``(start, end)``: ``FORMULAS[kind](x, start, end, *rest)`` is
#: ``blend(WEIGHTS[kind](x, *rest), start, end)``.
WEIGHTS: dict[str, Callable[..., Weight]] = {
    "cosine": cosine_weight,
    "polynomial": polynomial_weight,
    "one_minus_sqrt": one_minus_sqrt_weight,
    "tanh": tanh_weight,
    "rex": rex_weight,
    "cosine_k": cosine_k_weight,
    "polynomial_k": polynomial_k_weight,
}


#: Kinds written as a blend ``end + (start - end) * c``, with ``(start, end, span)`` first.
BLENDS = frozenset(
    {"linear", "cosine", "polynomial", "one_minus_sqrt", "tanh", "rex", "cosine_k", "polynomial_k"}
)


#: Blends whose weight is in [0, 1] at every coordinate (cosine: for any angle; linear
#: and tanh: kept in range by the clip), so finite ``start - end`` decides.
NAN_FREE = frozenset({"linear", "cosine", "tanh"})

#: The smallest normal float64.
_TINY = float(np.finfo(np.float64).tiny)

#: log of the largest float64.
_LOG_MAX = math.log(np.finfo(np.float64).max)


def _refuse(kind: str, why: str) -> NotFinite:
    return NotFinite(f"a value of the {kind} phase would overflow or be NaN: {why}")


def _nan_free_range(kind: str, params: tuple[Any, ...]) -> tuple[float, float]:
    """`value_range` of a `NAN_FREE` blend: no evaluation needed once these conditions hold.

    The parameters may be arrays of one entry per cycle (`schedarray._plan.Cycles`).
    """
    start, end, span = params[:3]
    with np.errstate(all="ignore"):
        if not (np.all(np.isfinite(np.subtract(start, end))) and np.all(span == span)
                and np.all(span != 0)):
            raise _refuse(kind, "its start - end or its span is not finite")
        if kind == "linear" and not np.all(np.isfinite(np.divide(np.subtract(end, start), span))):
            raise _refuse(kind, "its slope (end - start) / span overflows")
        width = np.subtract(params[4], params[3]) if kind == "tanh" else 1.0
        if not np.all((width >= _TINY) & (width < math.inf)):
            raise _refuse(kind, "upper - lower must be a normal float (>= 2.2e-308), "
                                "and not overflow")
    return float(np.min(np.minimum(start, end))), float(np.max(np.maximum(start, end)))


def value_range(
    kind: str, params: tuple[float, ...], first: float, last: float
) -> tuple[float, float]:
    """The least and greatest value of `kind` between local coordinates `first` and `last`.

    Raises `NotFinite` when any value in between would overflow or be NaN.
    Analytic, O(1) per piece: every formula is monotone between the ends,
    or kept inside ``[min(start, end), max(start, end)]`` by its blend, so
    the conditions below and the two end values decide it. A `NAN_FREE` blend
    (never evaluated) may take arrays of per-cycle parameters.
    """
    if kind == "constant":
        if not math.isfinite(params[0]):
            raise _refuse(kind, f"it would be {params[0]!r}")
        return params[0], params[0]
    if kind in NAN_FREE:
        return _nan_free_range(kind, params)
    with np.errstate(all="ignore"):
        ends = FORMULAS[kind](np.array([first, last], dtype=np.float64), *params)
    if not (math.isfinite(ends[0]) and math.isfinite(ends[1])):
        bad = float(ends[0] if not np.isfinite(ends[0]) else ends[1])
        raise _refuse(kind, f"it would be {bad!r} at an end")
    if kind in BLENDS:
        start, end, span = params[:3]
        if not math.isfinite(start - end):
            raise _refuse(kind, "its start - end overflows")
        if kind == "linear" and not math.isfinite((end - start) / span):
            raise _refuse(kind, "its slope (end - start) / span overflows")
        if kind in ("cosine_k", "polynomial_k"):
            k = params[-1]
            if k * math.log(span) >= _LOG_MAX:
                raise _refuse(kind, f"span ** k overflows (span={span!r}, k={k!r})")
        return min(start, end), max(start, end)
    if kind in ("exponential", "geometric"):
        # base ** (x / period) itself must stay finite, with a margin for the kernels'
        # block-wise products (a tiny start cannot rescue an infinite power).
        if kind == "geometric":
            base, period = params[1] / params[0], params[2]
            if not (math.isfinite(base) and base != 0):
                raise _refuse(kind, "its end / start is not a finite nonzero ratio")
        else:
            base, period = params[1], params[2]
        log = math.log(abs(base)) if base else -math.inf
        top = max(first / period * log, last / period * log)
        if top >= _LOG_MAX - 1.0:
            raise _refuse(kind, f"the power {base!r} ** {max(first, last) / period!r} overflows")
    elif kind == "cyclic":
        low, high, _, _, mode, gamma = params
        if not math.isfinite(high - low):
            raise _refuse(kind, f"high - low overflows (low={low!r}, high={high!r})")
        far = max(abs(first), abs(last))
        if mode == 2.0 and gamma > 1 and far * math.log(gamma) >= 709:
            raise _refuse(kind, f"gamma ** step overflows (gamma={gamma!r}, step={far!r})")
        return min(low, high), max(low, high)
    elif kind == "inverse_time":
        start, rate, period, staircase = params
        p0, p1 = first / period, last / period
        if staircase:
            p0, p1 = math.floor(p0), math.floor(p1)
        d0, d1 = 1.0 + rate * p0, 1.0 + rate * p1
        if d0 <= 0 or d1 <= 0:
            raise _refuse(kind, f"1 + rate * p reaches {min(d0, d1)!r} (rate={rate!r})")
    return float(ends.min()), float(ends.max())
