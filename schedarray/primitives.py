r"""Primitives: single-shape schedules, each one formula over the whole length.

Every function here validates its input, describes the shape as a one-piece
plan and renders it (`schedarray._plan`). The formulas themselves live in
`schedarray._formulas`; composites reuse them piece by piece.

Common keyword parameters
-------------------------
steps_per_epoch : int, optional
    Needed when a duration is given in epochs (``"5ep"``).
dtype : {float64, float32}, optional
    dtype of a new result. Values are computed in float64 and cast once.
out : ndarray, optional
    Writeable 1-D float32/float64 array of the result's length (a slice or
    an ``np.memmap`` is fine); filled and returned. Nothing is written when
    validation fails.
backend : {"auto", "numpy", "numba"}, optional
    ``"auto"`` picks by length what is fastest for a fresh process: NumPy
    formulas for short schedules, the kernels' arithmetic in NumPy for long
    ones, the Numba kernels for very long ones.

For a shape from `start` to `end`, ``p = i / (n - 1)`` (or ``i / n`` with
``endpoint=False``) and ``x[0] == start`` and ``x[-1] == end`` hold exactly.
A one-step schedule is ``[start]``.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import _check as check
from ._formulas import CYCLIC_MODES
from ._plan import Builder, Plan, render
from ._types import Backend, Duration, FloatArray

__all__ = [
    "constant",
    "cosine",
    "cyclic",
    "exponential",
    "interp",
    "inverse_sqrt",
    "linear",
    "multistep",
    "one_minus_sqrt",
    "piecewise_constant",
    "polynomial",
    "rex",
    "step",
    "tanh",
]


def constant(
    total_steps: Duration,
    *,
    value: float,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """The same `value` at every step.

    ``total_steps`` may be 0 (an empty array), so a hold that may have no
    steps can still be one part of a `join`.

    Examples
    --------
    >>> constant(3, value=0.1)
    array([0.1, 0.1, 0.1])
    """
    n = check.length(total_steps, steps_per_epoch, minimum=0)
    plan = Builder().constant(n, check.real(value, "value")).plan()
    return render(plan, dtype, out, backend)


def _shape(
    kind: str,
    total_steps: Duration,
    start: float,
    end: float,
    options: tuple[float, ...],
    endpoint: bool,
    steps_per_epoch: int | None,
) -> Plan:
    """The one-piece plan of a `start` -> `end` shape (see ``_formulas``)."""
    n = check.length(total_steps, steps_per_epoch)
    return Builder().blend(
        kind, n, check.real(start, "start"), check.real(end, "end"), *options,
        endpoint=check.flag(endpoint, "endpoint"),
    ).plan()


def linear(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Straight line from `start` to `end`.

    .. math:: x_i = e + (s - e)(1 - p_i)

    Examples
    --------
    >>> linear(5, start=1.0)
    array([1.  , 0.75, 0.5 , 0.25, 0.  ])
    >>> linear(4, start=0.0, end=1.0, endpoint=False)
    array([0.  , 0.25, 0.5 , 0.75])
    """
    plan = _shape("linear", total_steps, start, end, (), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def cosine(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    exponent: float = 1.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Half-cosine from `start` to `end` (a decay, or a rise when ``end > start``).

    .. math:: x_i = e + (s - e)\left[\tfrac12\left(1 + \cos \pi p_i\right)\right]^{k}

    with ``k = exponent`` (optax's ``exponent``). A weight-decay ramp up or
    an EMA momentum going to 1 is a rising cosine; DINO's teacher momentum
    reaches 1.0 one step after the run, ``cosine(n, start=0.996, end=1.0,
    endpoint=False)`` (see ``docs/porting.md``).

    Examples
    --------
    >>> cosine(5, start=1.0)
    array([1.        , 0.85355339, 0.5       , 0.14644661, 0.        ])
    """
    plan = _shape("cosine", total_steps, start, end,
                  (check.positive(exponent, "exponent"),), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def polynomial(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    power: float = 1.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Polynomial decay from `start` to the floor `end`.

    .. math:: x_i = e + (s - e)(1 - p_i)^{\mathrm{power}}

    Examples
    --------
    >>> polynomial(5, start=1.0, power=2.0)
    array([1.    , 0.5625, 0.25  , 0.0625, 0.    ])
    """
    plan = _shape("polynomial", total_steps, start, end,
                  (check.positive(power, "power"),), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def one_minus_sqrt(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The "1-sqrt" cooldown of warmup-stable-decay schedules.

    .. math:: x_i = e + (s - e)\left(1 - \sqrt{p_i}\right)

    Examples
    --------
    >>> one_minus_sqrt(5, start=1.0)
    array([1.        , 0.5       , 0.29289322, 0.1339746 , 0.        ])
    """
    plan = _shape("one_minus_sqrt", total_steps, start, end, (), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def tanh(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    lower: float = -7.0,
    upper: float = 3.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Hyperbolic-tangent decay over ``tanh`` arguments from `lower` to `upper`.

    .. math:: x_i = e + (s - e)\,
              \frac{\tanh u - \tanh(l + (u - l) p_i)}{\tanh u - \tanh l}

    The defaults are timm's bounds; normalised so both ends are exact
    (``compat.timm`` reproduces timm's unnormalised curve). Computed without
    the cancellation of ``tanh u - tanh y`` (see ``_formulas.tanh``): within
    ``4 eps max|value|`` of the exact curve for any bounds up to ``1e280`` in
    magnitude; ``upper - lower`` must be a normal float (>= 2.2e-308).

    Examples
    --------
    >>> tanh(3, start=1.0)
    array([1.        , 0.98197003, 0.        ])
    """
    lower, upper = check.real(lower, "lower"), check.real(upper, "upper")
    if not lower < upper:
        raise ValueError(f"lower must be < upper, got lower={lower}, upper={upper}")
    plan = _shape("tanh", total_steps, start, end, (lower, upper), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def rex(
    total_steps: Duration,
    *,
    start: float,
    end: float = 0.0,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""REX decay (Chen et al., 2022): slow at first, linear-like at the end.

    .. math:: x_i = e + (s - e)\,\frac{1 - p_i}{1 - p_i / 2}

    Examples
    --------
    >>> rex(5, start=1.0)
    array([1.        , 0.85714286, 0.66666667, 0.4       , 0.        ])
    """
    plan = _shape("rex", total_steps, start, end, (), endpoint, steps_per_epoch)
    return render(plan, dtype, out, backend)


def exponential(
    total_steps: Duration,
    *,
    start: float,
    end: float | None = None,
    rate: float | None = None,
    transition_steps: Duration = 1,
    staircase: bool = False,
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Exponential decay: by `rate` per `transition_steps`, or geometric to `end`.

    Give exactly one of `rate` and `end`.

    .. math:: x_i = s\,r^{\,i / T}
              \quad\text{(floored exponent if staircase)},
              \qquad x_i = s\,(e / s)^{p_i}

    The geometric form needs `start` and `end` nonzero and of one sign;
    `transition_steps` and `staircase` apply to the `rate` form only,
    `endpoint` to the `end` form only.

    Examples
    --------
    >>> exponential(4, start=1.0, rate=0.5)
    array([1.   , 0.5  , 0.25 , 0.125])
    >>> exponential(3, start=1.0, end=0.01)
    array([1.  , 0.1 , 0.01])
    """
    n = check.length(total_steps, steps_per_epoch)
    start = check.real(start, "start")
    if (end is None) == (rate is None):
        raise ValueError(
            f"exponential needs exactly one of end and rate, got end={end!r}, rate={rate!r}"
        )
    exact_end = check.flag(endpoint, "endpoint")
    if rate is not None:
        if not exact_end:
            raise ValueError("endpoint applies only with end (a rate has no end to reach), "
                             f"got endpoint=False, rate={rate!r}")
        period = check.duration(transition_steps, "transition_steps", total=n,
                                steps_per_epoch=steps_per_epoch, minimum=1)
        plan = Builder().exponential(
            n, start, check.positive(rate, "rate"), float(period),
            check.flag(staircase, "staircase"),
        ).plan()
        return render(plan, dtype, out, backend)
    end = check.real(end, "end")
    if transition_steps != 1 or staircase:
        raise ValueError(
            "transition_steps and staircase apply only with rate, got "
            f"transition_steps={transition_steps!r}, staircase={staircase!r}"
        )
    if start == 0 or end == 0 or (start > 0) != (end > 0):
        raise ValueError(
            "start and end must be nonzero and of one sign for a geometric decay, "
            f"got start={start}, end={end}"
        )
    plan = Builder().geometric(n, start, end, endpoint=exact_end).plan()
    return render(plan, dtype, out, backend)


def step(
    total_steps: Duration,
    *,
    start: float,
    step_size: Duration,
    gamma: float = 0.1,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Multiply by `gamma` every `step_size` steps.

    .. math:: x_i = s\,\gamma^{\lfloor i / \mathrm{step\_size} \rfloor}

    Examples
    --------
    >>> step(5, start=1.0, step_size=2, gamma=0.5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    n = check.length(total_steps, steps_per_epoch)
    size = check.duration(step_size, "step_size", total=n,
                          steps_per_epoch=steps_per_epoch, minimum=1)
    plan = Builder().exponential(
        n, check.real(start, "start"), check.positive(gamma, "gamma"), float(size), True
    ).plan()
    return render(plan, dtype, out, backend)


def _piecewise_plan(n: int, boundaries: tuple[int, ...], values: tuple[float, ...]) -> Builder:
    builder = Builder()
    edges = [0, *(min(b, n) for b in boundaries), n]
    for value, (a, b) in zip(values, itertools.pairwise(edges), strict=True):
        builder.constant(b - a, value)
    return builder


def piecewise_constant(
    total_steps: Duration,
    *,
    boundaries: list[int],
    values: list[float],
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``values[k]`` from step ``boundaries[k-1]`` up to ``boundaries[k]``.

    .. math:: x_i = v_k, \quad k = \#\{b \in \text{boundaries} : b \le i\}

    `boundaries` are strictly increasing steps >= 1; ones at or past the end
    have no effect. ``len(values) == len(boundaries) + 1``.

    Examples
    --------
    >>> piecewise_constant(5, boundaries=[2, 4], values=[1.0, 0.5, 0.1])
    array([1. , 1. , 0.5, 0.5, 0.1])
    """
    n = check.length(total_steps, steps_per_epoch)
    edges = check.milestones(boundaries, "boundaries")
    levels = check.reals(values, "values")
    if edges and edges[0] < 1:
        raise ValueError(f"boundaries must be >= 1, got boundaries={list(edges)!r}")
    if len(levels) != len(edges) + 1:
        raise ValueError(
            "values must have one more element than boundaries, got "
            f"len(values)={len(levels)}, len(boundaries)={len(edges)}"
        )
    return render(_piecewise_plan(n, edges, levels).plan(), dtype, out, backend)


def multistep(
    total_steps: Duration,
    *,
    start: float,
    milestones: list[int],
    gamma: float = 0.1,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Multiply by `gamma` at each milestone (a repeated milestone counts twice).

    .. math:: x_i = s\,\gamma^{\#\{m \in \text{milestones} : m \le i\}}

    Examples
    --------
    >>> multistep(5, start=1.0, milestones=[1, 3, 3], gamma=0.5)
    array([1.   , 0.5  , 0.5  , 0.125, 0.125])
    """
    n = check.length(total_steps, steps_per_epoch)
    start = check.real(start, "start")
    gamma = check.positive(gamma, "gamma")
    marks = check.milestones(milestones, "milestones", strict=False)
    if marks and marks[0] < 1:
        raise ValueError(f"milestones must be >= 1, got milestones={list(marks)!r}")
    edges = sorted(set(marks))
    # marks are sorted: the milestones <= e number bisect_right(marks, e) (O(M log M)).
    levels = [start] + [start * gamma ** bisect.bisect_right(marks, e) for e in edges]
    return render(_piecewise_plan(n, tuple(edges), tuple(levels)).plan(), dtype, out, backend)


def inverse_sqrt(
    total_steps: Duration,
    *,
    start: float,
    timescale: float,
    shift: float = 0.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Inverse square-root ("rsqrt", Noam) decay.

    .. math:: x_i = \frac{s}{\sqrt{1 + (i + \mathrm{shift}) / \tau}}

    with ``tau = timescale``; ``x[0] == start`` when ``shift == 0``.

    Examples
    --------
    >>> inverse_sqrt(4, start=1.0, timescale=1.0)
    array([1.        , 0.70710678, 0.57735027, 0.5       ])
    """
    n = check.length(total_steps, steps_per_epoch)
    start = check.real(start, "start")
    tau = check.positive(timescale, "timescale")
    shift = check.real(shift, "shift")
    if 1.0 + shift / tau <= 0:
        raise ValueError(
            f"1 + shift / timescale must be > 0, got shift={shift}, timescale={tau}"
        )
    pins = ((0, start),) if shift == 0 else ()
    plan = Builder().add("inverse_sqrt", n, (start, tau), x0=shift, pins=pins).plan()
    return render(plan, dtype, out, backend)


def cyclic(
    total_steps: Duration,
    *,
    low: float,
    high: float,
    step_size_up: Duration = 2000,
    step_size_down: Duration | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Cyclical schedule (Smith, 2017): a triangle wave between `low` and `high`.

    Each cycle rises for `step_size_up` steps and falls for `step_size_down`
    (default: the same). With ``y`` the position in the current cycle ``k``
    (1-based) as a fraction and ``r`` the rising fraction,

    .. math:: x_i = \ell + (h - \ell)\,\mathrm{tri}(y)\,a_k, \quad
              \mathrm{tri}(y) = \begin{cases} y / r & y \le r \\
              (1 - y) / (1 - r) & y > r \end{cases}

    where the amplitude factor ``a`` is 1 (``"triangular"``), ``2^{1-k}``
    (``"triangular2"``) or ``gamma^i`` (``"exp_range"``).

    Examples
    --------
    >>> cyclic(6, low=0.0, high=1.0, step_size_up=2)
    array([0. , 0.5, 1. , 0.5, 0. , 0.5])
    """
    n = check.length(total_steps, steps_per_epoch)
    low, high = check.real(low, "low"), check.real(high, "high")
    up = check.duration(step_size_up, "step_size_up", total=n,
                        steps_per_epoch=steps_per_epoch, minimum=1)
    down = up if step_size_down is None else check.duration(
        step_size_down, "step_size_down", total=n, steps_per_epoch=steps_per_epoch, minimum=1
    )
    code = CYCLIC_MODES.index(check.choice(mode, "mode", CYCLIC_MODES))
    plan = Builder().add(
        "cyclic", n,
        (low, high, float(up), float(down), float(code), check.positive(gamma, "gamma")),
        pins=((0, low),),
    ).plan()
    return render(plan, dtype, out, backend)


#: The shapes `interp` draws between two knots.
KNOT_SHAPES = ("linear", "cosine", "exponential", "one_minus_sqrt", "rex", "constant")


def _knot(value: Any, name: str, total: int, steps_per_epoch: int | None) -> float:
    if isinstance(value, str):
        return float(check.duration(value, name, total=total, steps_per_epoch=steps_per_epoch))
    return check.real(value, name)


def interp(
    total_steps: Duration,
    *,
    steps: Sequence[float | str],
    values: Sequence[float],
    shapes: str | Sequence[str] = "linear",
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Piecewise schedule through knots at real-valued steps.

    With knots ``(t_k, v_k)`` (``steps`` non-decreasing, any real numbers, also
    negative or past the end) step ``i`` with ``t_k <= i < t_{k+1}`` takes

    .. math:: x_i = \mathrm{shape}_k\!\left(v_k, v_{k+1},
              \frac{i - t_k}{t_{k+1} - t_k}\right)

    (see `linear`, `cosine`, ...; ``"exponential"`` is geometric between the
    two values, ``"constant"`` holds ``v_k`` until the next knot). Before
    ``t_0`` the value is ``v_0``, from the last knot on it is the last value.
    A knot at a whole step is hit exactly. This is optax's
    ``piecewise_interpolate`` and big_vision's style, and any phase boundary
    a recipe puts between two steps: torch's ``OneCycleLR`` peak at
    ``pct_start * N - 1``, a cooldown from ``(1 - frac) * N``, a warmup
    ``(i + 1) / W`` (a knot at ``-1``), a decay that ends before the run and
    holds. ``steps`` may also be durations (``"5ep"``, ``"30%"``, rounded).

    Examples
    --------
    >>> interp(6, steps=[-1, 2, 4], values=[0.0, 1.0, 0.0])
    array([0.33333333, 0.66666667, 1.        , 0.5       , 0.        ,
           0.        ])
    >>> interp(4, steps=[0, 1.5, 3], values=[0.0, 3.0, 0.0])
    array([0., 2., 2., 0.])
    """
    n = check.length(total_steps, steps_per_epoch)
    spe = None if steps_per_epoch is None else check.integer(
        steps_per_epoch, "steps_per_epoch", minimum=1)
    if not check.is_sequence(steps):
        raise TypeError(f"steps must be a sequence of steps, got steps={steps!r}")
    knots = tuple(_knot(t, f"steps[{k}]", n, spe) for k, t in enumerate(steps))
    levels = check.reals(values, "values")
    if not knots:
        raise ValueError("steps must have at least one knot, got steps=[]")
    if len(levels) != len(knots):
        raise ValueError(
            "values must have one value per knot, got "
            f"len(steps)={len(knots)}, len(values)={len(levels)}"
        )
    for a, b in itertools.pairwise(knots):
        if b < a:
            raise ValueError(f"steps must be non-decreasing, got steps={list(knots)!r}")
    if isinstance(shapes, str):
        shapes = (shapes,) * (len(knots) - 1)
    elif not check.is_sequence(shapes):
        raise TypeError(f"shapes must be a str or a sequence of str, got shapes={shapes!r}")
    kinds = tuple(check.choice(v, f"shapes[{k}]", KNOT_SHAPES) for k, v in enumerate(shapes))
    if len(kinds) != len(knots) - 1:
        raise ValueError(
            "shapes must name one shape per gap between knots, got "
            f"len(steps)={len(knots)}, len(shapes)={len(kinds)}"
        )
    for k, kind in enumerate(kinds):
        a, b = levels[k], levels[k + 1]
        if kind == "exponential" and knots[k + 1] > knots[k] and (
                a == 0 or b == 0 or (a > 0) != (b > 0)):
            raise ValueError(
                f"shapes[{k}]='exponential' needs nonzero values of one sign, "
                f"got values[{k}]={a}, values[{k + 1}]={b}"
            )
    plan = Builder().knots(knots, levels, kinds, n).plan()
    return render(plan, dtype, out, backend)


check.publish(globals())
