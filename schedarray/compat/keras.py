r"""Keras 3's learning-rate schedules (``keras.optimizers.schedules``), as whole arrays.

A Keras optimizer evaluates its ``LearningRateSchedule`` at
``optimizer.iterations`` (0 on the first update), so update ``t`` uses
``schedule(t)``. Each function here returns ``result[t] == schedule(t)`` for
``t = 0 .. num_steps - 1`` and takes the class's own parameter names and
defaults (``name`` included, though it only names Keras's ops) after
``num_steps``. Nothing here imports Keras.

Precision. Keras computes in the dtype of ``initial_learning_rate``, which is
float32 for a Python float (the step is cast to float32 too). These
functions compute the same expressions in float64 and cast once: they agree
with Keras's float64 evaluation (an ``initial_learning_rate`` given as a
float64 tensor) to about 1e-15 of the largest value, and with the default
float32 evaluation to float32 rounding. One detail of Keras is mirrored:
its ``ops.floor`` and ``ops.ceil`` round their input to float32 even when it
is float64, and the cycle index of `cosine_decay_restarts` and
`polynomial_decay` (``cycle=True``) is computed that way here too. The
``staircase`` floor of `exponential_decay` and `inverse_time_decay` is taken
in float64; it differs from Keras's only where ``step / decay_steps`` is
within float32 rounding of an integer without being one (a non-integer
`decay_steps` such as ``0.1``).

Conventions that differ from schedarray's native schedules:

* the final value is reached at step ``decay_steps`` (one past the last
  decaying update) and held;
* `piecewise_constant_decay` switches to ``values[k+1]`` at step
  ``boundaries[k] + 1``, one step later than optax, torch and
  `schedarray.piecewise_constant`;
* `cosine_decay`'s ``decay_steps`` counts the steps *after* the warmup
  (optax's ``warmup_cosine_decay_schedule`` includes the warmup);
* `polynomial_decay`'s default ``end_learning_rate`` is ``1e-4``, not 0, and
  `cosine_decay_restarts`'s default ``t_mul`` is 2.

Where Keras would silently return ``inf`` or ``NaN`` (a negative
``decay_rate``, ``power`` or ``t_mul``, a denominator that reaches 0) these
raise `ValueError`; so do a negative ``warmup_steps`` and boundaries that are
not strictly increasing, which Keras documents as invalid but does not check.
"""

from __future__ import annotations

import itertools
import math
import sys
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import _check as check
from .._formulas import FORMULAS
from .._plan import Builder, Phase, first_steps, render, runs_of
from .._types import Backend, FloatArray

__all__ = [
    "cosine_decay",
    "cosine_decay_restarts",
    "exponential_decay",
    "inverse_time_decay",
    "piecewise_constant_decay",
    "polynomial_decay",
]


def _length(num_steps: Any, backend: Any) -> int:
    check.backend(backend)
    return check.steps(num_steps, "num_steps")


def _name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got name={name!r}")


def _steps_before(n: int, x: float) -> int:
    """How many steps ``t = 0, 1, ...`` of `n` satisfy ``t < x``."""
    return min(n, max(0, math.ceil(x)))


def exponential_decay(
    num_steps: int,
    initial_learning_rate: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
    name: str = "ExponentialDecay",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.ExponentialDecay``.

    .. math:: x_t = I\,r^{\,t / D} \quad (\lfloor t / D \rfloor \text{ if staircase})

    No begin offset and no floor (optax's `exponential_decay` has both).
    ``decay_steps <= 0`` raises, as in Keras; so does a negative
    `decay_rate`. Native equivalent: ``schedarray.exponential(n,
    start=I, rate=r, transition_steps=D)``.

    Examples
    --------
    >>> exponential_decay(4, 1.0, decay_steps=2, decay_rate=0.25)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    n = _length(num_steps, backend)
    init = check.real(initial_learning_rate, "initial_learning_rate")
    period = check.positive(decay_steps, "decay_steps")
    rate = check.nonnegative(decay_rate, "decay_rate")
    stairs = check.flag(staircase, "staircase")
    _name(name)
    plan = Builder().add("exponential", n, (init, rate, period, float(stairs))).plan()
    return render(plan, dtype, out, backend)


def piecewise_constant_decay(
    num_steps: int,
    boundaries: list[int],
    values: list[float],
    name: str = "PiecewiseConstant",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.PiecewiseConstantDecay``.

    ``values[0]`` while ``t <= boundaries[0]``, ``values[k]`` while
    ``boundaries[k-1] < t <= boundaries[k]``, ``values[-1]`` after the last
    boundary: each new value starts at step ``boundary + 1``, one step later
    than `schedarray.piecewise_constant` (and optax, torch). `boundaries` are
    strictly increasing integers (steps are integers in Keras, which casts
    the boundaries to the step's integer dtype), ``len(values) ==
    len(boundaries) + 1``.

    Examples
    --------
    >>> piecewise_constant_decay(5, [1, 3], [1.0, 0.5, 0.1])
    array([1. , 1. , 0.5, 0.5, 0.1])
    """
    n = _length(num_steps, backend)
    edges = _boundaries(boundaries)
    levels = check.reals(values, "values")
    _name(name)
    if not edges:
        raise ValueError("boundaries must have at least one element, got boundaries=[]")
    if len(levels) != len(edges) + 1:
        raise ValueError(
            "values must have one more element than boundaries, got "
            f"len(values)={len(levels)}, len(boundaries)={len(edges)}"
        )
    builder, at = Builder(), 0
    for value, edge in zip(levels, [*(min(max(b + 1, 0), n) for b in edges), n], strict=True):
        builder.constant(edge - at, value)
        at = edge
    return render(builder.plan(), dtype, out, backend)


def _boundaries(values: Any) -> tuple[int, ...]:
    """Strictly increasing integer steps (of any sign: a negative one is simply passed)."""
    if not check.is_sequence(values):
        raise TypeError(f"boundaries must be a sequence of integers, got boundaries={values!r}")
    result = tuple(
        check.integer(v, f"boundaries[{i}]", minimum=-sys.maxsize - 1)
        for i, v in enumerate(values)
    )
    if any(b <= a for a, b in itertools.pairwise(result)):
        raise ValueError(f"boundaries must be strictly increasing, got boundaries={list(result)!r}")
    return result


def polynomial_decay(
    num_steps: int,
    initial_learning_rate: float,
    decay_steps: float,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
    name: str = "PolynomialDecay",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.PolynomialDecay``.

    .. math:: x_t = (I - E)\,(1 - s / D')^{P} + E

    with ``s = min(t, D)`` and ``D' = D`` (the default), so `end_learning_rate`
    (default **1e-4**) comes at step ``D`` and holds; or, with `cycle`,
    ``s = t`` and ``D' = D ceil(t / D)`` (``D`` at step 0): after each
    multiple of ``D`` the value jumps back up, to
    ``E + (I - E)(1 - (kD + 1) / ((k + 1) D))^P``, not to `initial_learning_rate`.
    The ``ceil`` rounds ``t / D`` to float32 first, as Keras's ``ops.ceil``
    does; where that puts a step past its cycle's end (Keras: NaN or a value
    below `end_learning_rate`; only for huge ``t / D``) this raises.
    Native equivalent (no cycle): `schedarray.polynomial` with
    ``endpoint=False`` and a held end.

    Examples
    --------
    >>> polynomial_decay(6, 1.0, decay_steps=2, end_learning_rate=0.0, cycle=True)
    array([1.        , 0.5       , 0.        , 0.25      , 0.        , 0.16666667])
    """
    n = _length(num_steps, backend)
    init = check.real(initial_learning_rate, "initial_learning_rate")
    period = check.positive(decay_steps, "decay_steps")
    end = check.real(end_learning_rate, "end_learning_rate")
    power = check.nonnegative(power, "power")
    cycles = check.flag(cycle, "cycle")
    _name(name)
    builder = Builder()
    if not cycles:
        params = (init, end, period, power)
        head = _steps_before(n, period)
        builder.add("polynomial", head, params)
        builder.constant(n - head, _at("polynomial", params, period))
        return render(builder.plan(), dtype, out, backend)

    # Step t > 0 uses D' = D * ceil(t / D) (step 0 uses D): cycle k holds the steps
    # with that multiplier k, a polynomial over the span k * D in the step itself.
    def multiplier(t: Any) -> Any:  # on arrays of steps
        k = np.ceil((t.astype(np.float64) / period).astype(np.float32).astype(np.float64))
        return np.where(t == 0, 1.0, k)

    # Cycle k starts at the first step whose multiplier reaches k, near (k - 1) D + 1.
    j = np.arange(2, int(multiplier(np.array([n - 1]))[0]) + 1, dtype=np.int64)
    before = (j - 1).astype(np.float64) * period
    at = first_steps(multiplier, j, np.floor(before).astype(np.int64) + 1,
                     np.floor(before * (1 - 2.0**-22)).astype(np.int64) - 1,
                     np.ceil(before * (1 + 2.0**-22)).astype(np.int64) + 2, 1, n)
    at = np.concatenate(([0], at))
    at = at[np.diff(np.append(at, n)) > 0]  # multipliers the rounding skips hold no step
    k = multiplier(at).astype(np.int64)
    stop = np.append(at[1:], n)
    late = np.flatnonzero(stop - 1 > k * period)
    if late.shape[0]:
        raise ValueError(
            f"Keras's float32 ceil puts step {stop[late[0]] - 1} past the end of its cycle "
            f"(decay_steps * {k[late[0]]}), where its value is NaN or below "
            f"end_learning_rate; got decay_steps={period!r}, num_steps={n}"
        )
    sizes = stop - at
    builder.cycles(sizes, 1, [
        Phase("polynomial", sizes, (init, end, period * k, power), x0=at.astype(np.float64))
    ])
    return render(builder.plan(), dtype, out, backend)


def _keras_round(ratio: np.float64) -> float:
    """`ratio` as Keras's ``ops.floor``/``ops.ceil`` see it: rounded to float32 first.

    Those ops compute in ``result_type(x.dtype, float)``, which is float32 even for a
    float64 `x`; so a ratio a hair below an integer (``log(243) / log(3)`` is
    ``4.999999999999999`` in float64) floors to that integer.
    """
    return float(np.float32(ratio))


def _first(pred: Any, guess: int, lo: int, n: int) -> int:
    """The first step in ``(lo, n]`` where the monotone `pred` holds (`n` if none), from `guess`.

    Gallops outward from `guess` in doubling strides, then bisects: O(1) calls
    when the guess is right, O(log distance) when float rounding moved it.
    """
    t = min(max(guess, lo + 1), n)
    stride = 1
    if pred(t):  # the answer is at or below t
        high = t
        while high - stride > lo and pred(high - stride):
            high -= stride
            stride *= 2
        low = max(high - stride, lo)  # pred(low) is false, or low == lo
    else:
        low = t
        while low + stride < n and not pred(low + stride):
            low += stride
            stride *= 2
        high = min(low + stride, n)  # pred(high) holds, or high == n
    while high - low > 1:
        mid = (low + high) // 2
        if pred(mid):
            high = mid
        else:
            low = mid
    return high


def _at(kind: str, params: tuple[float, ...], x: float) -> float:
    """The formula's value at `x`, computed as `render` computes it."""
    return float(FORMULAS[kind](np.array([x], dtype=np.float64), *params)[0])


def inverse_time_decay(
    num_steps: int,
    initial_learning_rate: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
    name: str = "InverseTimeDecay",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.InverseTimeDecay``.

    .. math:: x_t = \frac{I}{1 + r\,t / D}
              \quad (\lfloor t / D \rfloor \text{ if staircase})

    A negative `decay_rate` is accepted while the denominator stays > 0 over
    the `num_steps` steps (Keras would divide by 0 or flip sign after that).

    Examples
    --------
    >>> inverse_time_decay(4, 1.0, decay_steps=1, decay_rate=1.0)
    array([1.        , 0.5       , 0.33333333, 0.25      ])
    """
    n = _length(num_steps, backend)
    init = check.real(initial_learning_rate, "initial_learning_rate")
    period = check.positive(decay_steps, "decay_steps")
    rate = check.real(decay_rate, "decay_rate")
    stairs = check.flag(staircase, "staircase")
    _name(name)
    last = (n - 1) / period
    if 1.0 + rate * (math.floor(last) if stairs else last) <= 0:
        raise ValueError(
            "1 + decay_rate * step / decay_steps must stay > 0 over the schedule, got "
            f"decay_rate={rate!r}, decay_steps={period!r}, num_steps={n}"
        )
    plan = Builder().add("inverse_time", n, (init, rate, period, float(stairs))).plan()
    return render(plan, dtype, out, backend)


def cosine_decay(
    num_steps: int,
    initial_learning_rate: float,
    decay_steps: float,
    alpha: float = 0.0,
    name: str = "CosineDecay",
    warmup_target: float | None = None,
    warmup_steps: float = 0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.CosineDecay``, with its optional linear warmup.

    Without `warmup_target` (`warmup_steps` is then ignored, as in Keras),
    with ``s = min(t, D)``:

    .. math:: x_t = I\left((1 - \alpha)\,\tfrac12\left(1 + \cos \tfrac{\pi s}{D}\right)
              + \alpha\right)

    With `warmup_target` ``P`` and ``W = warmup_steps``: steps ``t < W``
    rise linearly, ``I + (P - I) t / W``; from ``t = W`` the decay above
    runs from ``P`` over ``t - W``, so the schedule ends at step ``W + D``
    (`decay_steps` excludes the warmup, unlike optax's
    ``warmup_cosine_decay_schedule``). With ``W == 0`` it starts at ``P``.
    The floor is ``alpha`` times the decay's start (the class docstring
    words it differently, keras#21772). Native equivalent:
    `schedarray.warmup_cosine`, which reaches `end` on its last step.

    Examples
    --------
    >>> cosine_decay(6, 0.0, decay_steps=2, warmup_target=1.0, warmup_steps=2)
    array([0. , 0.5, 1. , 0.5, 0. , 0. ])
    """
    n = _length(num_steps, backend)
    init = check.real(initial_learning_rate, "initial_learning_rate")
    period = check.positive(decay_steps, "decay_steps")
    alpha = check.real(alpha, "alpha")
    _name(name)
    builder = Builder()
    if warmup_target is None:
        params = (init, init * alpha, period, 1.0)
        head = _steps_before(n, period)
        builder.add("cosine", head, params)
        builder.constant(n - head, _at("cosine", params, period))
        return render(builder.plan(), dtype, out, backend)
    target = check.real(warmup_target, "warmup_target")
    warmup = check.nonnegative(warmup_steps, "warmup_steps")
    head = _steps_before(n, warmup)
    if head:
        builder.add("linear", head, (init, target, warmup))
    params = (target, target * alpha, period, 1.0)
    body = _steps_before(n, warmup + period)
    builder.add("cosine", body - head, params, x0=head - warmup)
    builder.constant(n - body, _at("cosine", params, (warmup + period) - warmup))
    return render(builder.plan(), dtype, out, backend)


def cosine_decay_restarts(
    num_steps: int,
    initial_learning_rate: float,
    first_decay_steps: float,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
    name: str = "SGDRDecay",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``keras.optimizers.schedules.CosineDecayRestarts`` (SGDR).

    Cycle ``i = 0, 1, ...`` starts at step ``S_i = F (1 - t^i) / (1 - t)``
    (``i F`` when ``t == 1``; ``F = first_decay_steps``, ``t = t_mul``),
    lasts ``F t^i`` steps and, with ``f`` the fraction of it done,

    .. math:: x = I\left((1 - \alpha)\,m^i\,\tfrac12(1 + \cos \pi f) + \alpha\right)

    (``m = m_mul``; the floor ``alpha I`` is not scaled by ``m^i``). The
    cycle of each step is decided by Keras's own expression
    ``floor(log(1 - (s / F)(1 - t)) / log t)``, with the ratio rounded to
    float32 before the floor as Keras's ``ops.floor`` does (so a restart at
    an integer step lands on it, though ``log(243) / log(3) < 5`` in
    float64). The default
    ``t_mul`` is **2**. With ``t_mul < 1`` the cycles shrink and end at step
    ``F / (1 - t_mul)``, where Keras returns NaN: `num_steps` must stay
    below it. Native equivalent: `schedarray.cosine_restarts` (which
    reaches ``end`` on each cycle's last step).

    Examples
    --------
    >>> cosine_decay_restarts(6, 1.0, first_decay_steps=2)
    array([1.        , 0.5       , 1.        , 0.85355339, 0.5       ,
           0.14644661])
    """
    n = _length(num_steps, backend)
    init = check.real(initial_learning_rate, "initial_learning_rate")
    first = check.positive(first_decay_steps, "first_decay_steps")
    mul = check.positive(t_mul, "t_mul")
    m_mul, alpha = check.real(m_mul, "m_mul"), check.real(alpha, "alpha")
    _name(name)
    log_mul = np.log(np.float64(mul))
    if mul < 1 and 1.0 - (n - 1) / first * (1.0 - mul) <= 0:
        raise ValueError(
            "num_steps must be <= first_decay_steps / (1 - t_mul) when t_mul < 1 (Keras "
            f"returns NaN from there), got num_steps={n}, first_decay_steps={first!r}, "
            f"t_mul={mul!r}"
        )

    def restart(t: int) -> float:  # Keras's i_restart
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            f = np.float64(t) / first  # inf for a subnormal first_decay_steps: refused below
            if mul == 1.0:
                return math.floor(_keras_round(f))
            return math.floor(_keras_round(np.log(1.0 - f * (1.0 - mul)) / log_mul))

    def start(i: float) -> float:  # S_i
        return i * first if mul == 1.0 else first * (1.0 - mul**i) / (1.0 - mul)

    if mul == 1.0:
        at, index = _equal_restarts(n, first)
    else:  # few cycles: they grow (or end) geometrically
        starts, index, at = [], [], 0
        while at < n:
            i = restart(at)
            starts.append(at)
            index.append(i)
            at = _first(lambda t, i=i: restart(t) > i, math.ceil(start(i + 1)), at, n)
        at, index = np.array(starts, dtype=np.int64), np.array(index, dtype=np.int64)
    sizes = np.diff(np.append(at, n))
    if m_mul == 1.0:
        amp: Any = 1.0
    else:
        amp = np.array([float(np.power(np.float64(m_mul), i)) for i in index.tolist()])
    top = init * ((1.0 - alpha) * amp + alpha)
    span = first if mul == 1.0 else np.array([first * mul**i for i in index.tolist()])
    x0 = at.astype(np.float64) - (index * first if mul == 1.0 else
                                  np.array([start(i) for i in index.tolist()]))
    sizes, counts, (top, span, x0) = runs_of(sizes, top, span, x0)
    builder = Builder().cycles(sizes, counts, [
        Phase("cosine", sizes, (top, init * alpha, span, 1.0), x0=x0)
    ])
    return render(builder.plan(), dtype, out, backend)


def _equal_restarts(n: int, first: float) -> tuple[Any, Any]:
    """Start and index of every ``t_mul == 1`` cycle: Keras's ``floor(float32(t / F))``.

    Cycle ``i`` starts at the first step whose rounded ratio reaches ``i``
    (``n`` if none). float32 rounds by at most ``2**-24`` relative, so that
    step lies within ``i F (1 +- 2**-22)``: a bisection there, all cycles at
    once. Indices the rounding skips have no steps and are left out.
    """
    def restart(t: Any) -> Any:
        return np.floor((t.astype(np.float64) / first).astype(np.float32).astype(np.float64))

    last = int(restart(np.array([n - 1]))[0])
    j = np.arange(1, last + 1, dtype=np.int64)
    t = first_steps(restart, j, np.ceil(j * first).astype(np.int64),
                    np.floor(j * (first * (1 - 2.0**-22))).astype(np.int64) - 1,
                    np.ceil(j * (first * (1 + 2.0**-22))).astype(np.int64) + 1, 1, n)
    at = np.concatenate(([0], t))
    keep = np.flatnonzero(np.diff(np.append(at, n)) > 0)
    return at[keep], np.concatenate(([0], j))[keep]


check.publish(globals())
