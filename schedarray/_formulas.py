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

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

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


def _blend(c: Floats, start: float, end: float) -> Floats:
    """``end + (start - end) * c``, kept inside the segment's range."""
    c *= start - end
    c += end
    return np.clip(c, *_range(start, end), out=c)


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


def cosine(x: Floats, start: float, end: float, span: float, exponent: float) -> Floats:
    # The angle as pi * x / span, the order of the widely copied ConvNeXt/DINO code.
    x *= np.pi
    x /= span
    c = np.cos(x, out=x)
    c += 1.0
    c *= 0.5
    if exponent != 1.0:
        np.power(c, exponent, out=c)
    return _blend(c, start, end)


def polynomial(x: Floats, start: float, end: float, span: float, power: float) -> Floats:
    p = _progress(x, span)
    c = np.subtract(1.0, p, out=p)
    if power != 1.0:
        np.power(c, power, out=c)
    return _blend(c, start, end)


def one_minus_sqrt(x: Floats, start: float, end: float, span: float) -> Floats:
    p = _progress(x, span)
    c = np.sqrt(p, out=p)
    return _blend(np.subtract(1.0, c, out=c), start, end)


def tanh(
    x: Floats, start: float, end: float, span: float, lower: float, upper: float
) -> Floats:
    p = _progress(x, span)
    p *= upper - lower
    p += lower
    c = np.tanh(p, out=p)
    top = np.tanh(upper)
    np.subtract(top, c, out=c)
    c /= top - np.tanh(lower)
    return _blend(c, start, end)


def rex(x: Floats, start: float, end: float, span: float) -> Floats:
    p = _progress(x, span)
    half = 1.0 - 0.5 * p
    c = np.subtract(1.0, p, out=p)
    c /= half
    return _blend(c, start, end)


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
    return _blend(scale, high, low)


def cosine_k(x: Floats, start: float, end: float, span: float, k: float) -> Floats:
    """Half cosine over a warped progress ``x^k / span^k`` (timm's ``k_decay``)."""
    # timm's operation order: pi * t^k / T^k.
    np.power(x, k, out=x)
    x *= np.pi
    x /= span**k
    c = np.cos(x, out=x)
    c += 1.0
    c *= 0.5
    return _blend(c, start, end)


def polynomial_k(
    x: Floats, start: float, end: float, span: float, power: float, k: float
) -> Floats:
    """``(1 - x^k / span^k)^power`` (timm's polynomial with ``k_decay``)."""
    np.power(x, k, out=x)
    x /= span**k
    c = np.subtract(1.0, x, out=x)
    if power != 1.0:
        np.power(c, power, out=c)
    return _blend(c, start, end)


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
