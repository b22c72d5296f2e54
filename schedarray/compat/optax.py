r"""optax's schedules (``optax.schedules``, optax 0.2.8), as whole arrays.

An optax schedule is a pure function ``count -> value``; ``inject_hyperparams``
and ``scale_by_schedule`` evaluate it at the update count *before* incrementing
it, so update ``t`` uses ``schedule(t)``. Each function here returns
``result[t] == schedule(t)`` for ``t = 0 .. num_steps - 1``, computed in
float64 (optax with ``jax_enable_x64``; under JAX's default float32 optax
rounds every operation to float32). It takes optax's own parameter names
and defaults after ``num_steps``; nothing here imports jax or optax.

Conventions that differ from schedarray's native schedules:

* the value named ``end_value`` is reached at ``count == transition_steps``
  (or ``decay_steps``), one step after the last update of the transition;
  the schedule then holds it;
* ``warmup_cosine_decay_schedule``'s ``decay_steps`` is the total length
  *including* the warmup (Keras's ``CosineDecay`` counts it after the warmup);
* boundaries switch at ``count == boundary`` and every schedule joined by
  `join_schedules` restarts its own count at its boundary;
* optax's silent fallbacks are kept and documented where they occur:
  ``transition_steps <= 0`` (and ``decay_rate == 0`` for `exponential_decay`)
  give the constant ``init_value``; a negative ``transition_begin`` counts
  as 0. Inputs for which optax itself raises raise here too (with a message
  naming the value); inputs for which optax silently returns ``inf`` or
  ``NaN`` (a negative ``power``, ``exponent`` or ``decay_rate``) raise
  `ValueError` instead.

Internally each schedule is a *timeline*: formula segments over its own
count ``0, 1, 2, ...`` (see ``schedarray._formulas``). Joins shift and cut
timelines, and the result is rendered as one plan, so every schedule here is
built from the same pieces and kernels as the native ones.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import _check as check
from .. import _plan
from .._formulas import FORMULAS
from .._plan import Builder, render
from .._types import Backend, FloatArray

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

#: Exponential searches for a clamp stop here (counts beyond 2**53 are not exact floats).
_HORIZON = 1 << 53


# --------------------------------------------------------------------------- timelines


@dataclass(frozen=True)
class _Segment:
    """One formula from count `begin` until the next segment's `begin`.

    The formula sees ``x = x0 + (count - begin)``.
    """

    begin: int
    kind: str
    params: tuple[float, ...]
    x0: float = 0.0


Timeline = tuple[_Segment, ...]


def _constant(value: float) -> Timeline:
    return (_Segment(0, "constant", (value,)),)


def _at(kind: str, params: tuple[float, ...], x: float) -> float:
    """The formula's value at coordinate `x`, computed exactly as `render` computes it."""
    return float(FORMULAS[kind](np.array([x], dtype=np.float64), *params)[0])


def _cut(timeline: Timeline, shift: int, lo: int, hi: float) -> list[_Segment]:
    """The segments of ``timeline(count - shift)`` over counts ``[lo, hi)``."""
    result = []
    for k, seg in enumerate(timeline):
        begin = seg.begin + shift
        end = timeline[k + 1].begin + shift if k + 1 < len(timeline) else math.inf
        a, b = max(begin, lo), min(end, hi)
        if a < b:
            result.append(_Segment(a, seg.kind, seg.params, seg.x0 + (a - begin)))
    return result


def _owners(boundaries: Sequence[int], lo: int, hi: float) -> list[tuple[int, int, float]]:
    """``(k, a, b)``: which joined schedule `k` optax uses on counts ``[a, b)``.

    optax's ``join_schedules`` applies ``where(step < b_i, out, s_i(step - b_i))``
    for each boundary in turn, so the last ``i`` with ``b_i <= step`` wins
    (``k = 0`` when there is none), whatever the order of the boundaries.
    """
    cuts = sorted({lo, *(b for b in boundaries if lo < b < hi)})
    # The last index among the boundaries <= a: a running maximum over the
    # boundaries in increasing order, found by bisection (n log n, not n^2).
    order = sorted(range(len(boundaries)), key=boundaries.__getitem__)
    ordered = [boundaries[i] for i in order]
    latest = list(itertools.accumulate((i + 1 for i in order), max))
    result: list[tuple[int, int, float]] = []
    for a, b in zip(cuts, [*cuts[1:], hi], strict=True):
        m = bisect.bisect_right(ordered, a)
        k = latest[m - 1] if m else 0
        if result and result[-1][0] == k:
            result[-1] = (k, result[-1][1], b)
        else:
            result.append((k, a, b))
    return result


def _join(timelines: Sequence[Timeline], boundaries: Sequence[int]) -> Timeline:
    shifts = (0, *boundaries)
    result: list[_Segment] = []
    for k, a, b in _owners(boundaries, 0, math.inf):
        result += _cut(timelines[k], shifts[k], a, b)
    return tuple(result)


def _render(
    num_steps: Any, timeline: Timeline, dtype: DTypeLike, out: Any, backend: Backend
) -> FloatArray:
    n = check.steps(num_steps, "num_steps")
    check.backend(backend)
    builder = Builder()
    segments = _cut(timeline, 0, 0, n)
    for seg, nxt in zip(segments, [*segments[1:], None], strict=True):
        stop = n if nxt is None else nxt.begin
        builder.add(seg.kind, stop - seg.begin, seg.params, x0=seg.x0)
    return render(builder.plan(), dtype, out, backend)


# --------------------------------------------------------------------------- validation


def _int(value: Any, name: str) -> int:
    """An integer of any sign (optax gives negative counts their own meaning)."""
    return check.integer(value, name, minimum=-sys.maxsize - 1)


def _step_key(key: Any, name: str) -> int:
    """A ``{step: scale}`` key: an integer, or its decimal string as JSON/TOML keys are."""
    if isinstance(key, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", key):
        key = int(key)
    return _int(key, name)


def _boundaries_and_scales(value: Any, name: str) -> list[tuple[int, float]]:
    """``{step: scale}`` as sorted pairs; scales must be >= 0, as optax requires.

    A key may also be an integer's decimal string (``{"100": 0.5}``), the only
    way a JSON or TOML spec can write it.
    """
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict {{step: scale}} or None, got {name}={value!r}")
    pairs = sorted(
        (_step_key(b, f"{name} key"), check.real(s, f"{name}[{b!r}]")) for b, s in value.items()
    )
    for b, s in pairs:
        if s < 0:
            raise ValueError(f"{name} must have scales >= 0, got {name}[{b}]={s!r}")
    return pairs


# --------------------------------------------------------------------------- schedule timelines


def _polynomial(
    init_value: Any, end_value: Any, power: Any, transition_steps: Any, transition_begin: Any
) -> Timeline:
    init, end = check.real(init_value, "init_value"), check.real(end_value, "end_value")
    power = check.real(power, "power")
    steps = _int(transition_steps, "transition_steps")
    begin = _int(transition_begin, "transition_begin")
    if power < 0:
        raise ValueError(
            f"power must be >= 0 (optax returns inf at the end of the transition), "
            f"got power={power!r}"
        )
    if steps <= 0:  # optax: "results in a constant schedule with value init_value"
        return _constant(init)
    begin = max(begin, 0)  # optax: a negative transition_begin falls back to 0
    params = (init, end, float(steps), power)
    segments = [_Segment(begin, "polynomial", params),
                _Segment(begin + steps, "constant", (_at("polynomial", params, float(steps)),))]
    if begin > 0:
        segments.insert(0, _Segment(0, "constant", (init,)))
    return tuple(segments)


def _exponential(
    init_value: Any, transition_steps: Any, decay_rate: Any, transition_begin: Any,
    staircase: Any, end_value: Any,
) -> Timeline:
    init = check.real(init_value, "init_value")
    steps = _int(transition_steps, "transition_steps")
    rate = check.real(decay_rate, "decay_rate")
    begin = _int(transition_begin, "transition_begin")
    stairs = check.flag(staircase, "staircase")
    end = None if end_value is None else check.real(end_value, "end_value")
    if rate < 0:
        raise ValueError(
            f"decay_rate must be >= 0 (optax returns NaN for a negative rate), "
            f"got decay_rate={rate!r}"
        )
    if steps <= 0 or rate == 0:  # optax's two constant fallbacks
        return _constant(init)
    begin = max(begin, 0)
    params = (init, rate, float(steps), float(stairs))
    decay = _Segment(begin + 1, "exponential", params, 1.0)  # count <= begin holds init
    timeline: Timeline = (_Segment(0, "constant", (init,)), decay)
    if end is None:
        return timeline

    # optax clamps with max(value, end) when rate < 1, min(value, end) otherwise. The
    # unclamped values are monotone in the count, so the clamp covers a prefix or a suffix.
    def clamped(count: int) -> bool:
        if count <= begin:
            value = init
        else:
            with np.errstate(all="ignore"):  # past `horizon` rate**p is 0 or inf
                value = _at("exponential", params, float(count - begin))
        return value < end if rate < 1.0 else value > end

    # Beyond 1100 halvings or doublings rate**p has under- or overflowed: nothing changes.
    halvings = abs(math.log2(rate))
    horizon = begin + 1 + (min(math.ceil(steps * 1100 / halvings), _HORIZON) if halvings else 0)
    first = clamped(0)
    lo, hi = begin, begin + 1  # find hi with clamped(hi) != first, then bisect
    while clamped(hi) == first:
        if hi >= horizon:
            return _constant(end) if first else timeline
        lo, hi = hi, min(2 * hi, horizon)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if clamped(mid) == first else (lo, mid)
    if first:
        return (_Segment(0, "constant", (end,)), *_cut(timeline, 0, hi, math.inf))
    return (*_cut(timeline, 0, 0, hi), _Segment(hi, "constant", (end,)))


def _cosine_decay(init_value: Any, decay_steps: Any, alpha: Any, exponent: Any) -> Timeline:
    init = check.real(init_value, "init_value")
    steps = _int(decay_steps, "decay_steps")
    alpha, exponent = check.real(alpha, "alpha"), check.real(exponent, "exponent")
    if steps <= 0:
        raise ValueError(f"decay_steps must be > 0, got decay_steps={steps}")
    if exponent < 0:
        raise ValueError(
            f"exponent must be >= 0 (optax returns inf at the end of the decay), "
            f"got exponent={exponent!r}"
        )
    params = (init, init * alpha, float(steps), exponent)
    return (_Segment(0, "cosine", params),
            _Segment(steps, "constant", (_at("cosine", params, float(steps)),)))


def _warmup_cosine(
    init_value: Any, peak_value: Any, warmup_steps: Any, decay_steps: Any,
    end_value: Any = 0.0, exponent: Any = 1.0,
) -> Timeline:
    peak, end = check.real(peak_value, "peak_value"), check.real(end_value, "end_value")
    warmup, decay = _int(warmup_steps, "warmup_steps"), _int(decay_steps, "decay_steps")
    if decay <= warmup:
        raise ValueError(
            "decay_steps must be > warmup_steps (it includes the warmup), got "
            f"decay_steps={decay}, warmup_steps={warmup}"
        )
    alpha = 0.0 if peak == 0.0 else end / peak
    return _join(
        [_polynomial(init_value, peak, 1.0, warmup, 0),
         _cosine_decay(peak, decay - warmup, alpha, exponent)],
        [warmup],
    )


def _interpolate(kind: str, init: float, pairs: list[tuple[int, float]]) -> Timeline:
    """The knots of ``piecewise_interpolate_schedule``: ``[0] + boundaries``."""
    bounds = [0, *(b for b, _ in pairs)]
    values = [init]
    for _, scale in pairs:
        values.append(values[-1] * scale)
    segments = []
    for k in range(len(pairs)):
        lo, hi = bounds[k], bounds[k + 1]
        if hi > max(lo, 0):  # only the first interval can be empty: [0, b) with b <= 0
            begin = max(lo, 0)
            span = float(max(hi - lo, 1))
            shape = (values[k], values[k + 1], span) + ((1.0,) if kind == "cosine" else ())
            segments.append(_Segment(begin, kind, shape, float(begin - lo)))
    # The first segment starts at count 0: bounds[0] == 0, and an interval reaching
    # below 0 is cut there.
    segments.append(_Segment(max(bounds[-1], 0), "constant", (values[-1],)))
    return tuple(segments)


def _onecycle(kind: str, peak_value: Any, knots: dict[int, float], div_factor: float) -> Timeline:
    peak = check.real(peak_value, "peak_value")
    return _interpolate(kind, peak / div_factor, sorted(knots.items()))


def _onecycle_checks(transition_steps: Any, div_factor: Any, final_div_factor: Any,
                     name: str) -> tuple[int, float, float]:
    steps = _int(transition_steps, "transition_steps")
    if steps <= 0:
        raise ValueError(f"{name} needs transition_steps > 0, got transition_steps={steps}")
    return (steps, check.positive(div_factor, "div_factor"),
            check.positive(final_div_factor, "final_div_factor"))


# --------------------------------------------------------------------------- public API

def constant_schedule(
    num_steps: int,
    value: float,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """``optax.constant_schedule(value)``: `value` at every count.

    Native equivalent: `schedarray.constant`.

    Examples
    --------
    >>> constant_schedule(3, 0.5)
    array([0.5, 0.5, 0.5])
    """
    return _render(num_steps, _constant(check.real(value, "value")), dtype, out, backend)


def polynomial_schedule(
    num_steps: int,
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.polynomial_schedule``: from `init_value` to `end_value` with a power law.

    With ``I, E, P, T, B`` the arguments in order and ``c = clip(t - B, 0, T)``,

    .. math:: x_t = (I - E)\,(1 - c / T)^P + E

    so the value is `init_value` up to count ``B``, and `end_value` from
    count ``B + T`` on (one step after the last step of the transition;
    `schedarray.polynomial` puts it on the last step instead). optax's
    fallbacks are kept: ``transition_steps <= 0`` gives the constant
    `init_value`, a negative `transition_begin` counts as 0. A negative
    `power` (``inf`` in optax) raises `ValueError`.

    Examples
    --------
    >>> polynomial_schedule(6, 1.0, 0.0, power=2, transition_steps=4, transition_begin=1)
    array([1.    , 1.    , 0.5625, 0.25  , 0.0625, 0.    ])
    """
    timeline = _polynomial(init_value, end_value, power, transition_steps, transition_begin)
    return _render(num_steps, timeline, dtype, out, backend)


def linear_schedule(
    num_steps: int,
    init_value: float,
    end_value: float,
    transition_steps: int,
    transition_begin: int = 0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.linear_schedule``: `polynomial_schedule` with ``power=1``.

    `end_value` comes at count ``transition_begin + transition_steps``, one
    step after `schedarray.linear` would put it; ``transition_steps <= 0``
    gives the constant `init_value` (optax's fallback).

    Examples
    --------
    >>> linear_schedule(6, 1.0, 0.0, transition_steps=4)
    array([1.  , 0.75, 0.5 , 0.25, 0.  , 0.  ])
    """
    timeline = _polynomial(init_value, end_value, 1.0, transition_steps, transition_begin)
    return _render(num_steps, timeline, dtype, out, backend)


def piecewise_constant_schedule(
    num_steps: int,
    init_value: float,
    boundaries_and_scales: Mapping[int, float] | None = None,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.piecewise_constant_schedule``: multiply by ``scale`` at each ``step``.

    .. math:: x_t = I \prod_{b \le t} s_b

    over the items ``b: s_b`` of `boundaries_and_scales` (scales >= 0, as
    optax requires). The new value applies *at* count ``b``, as in
    `schedarray.piecewise_constant` (Keras's ``PiecewiseConstantDecay``
    switches one step later).

    Examples
    --------
    >>> piecewise_constant_schedule(5, 1.0, {2: 0.5, 4: 0.1})
    array([1.  , 1.  , 0.5 , 0.5 , 0.05])
    """
    init = check.real(init_value, "init_value")
    pairs = _boundaries_and_scales(boundaries_and_scales, "boundaries_and_scales")
    value, segments = init, [_Segment(0, "constant", (init,))]
    for b, scale in pairs:
        value = scale * value
        if b <= 0:
            segments[0] = _Segment(0, "constant", (value,))
        else:
            segments.append(_Segment(b, "constant", (value,)))
    return _render(num_steps, tuple(segments), dtype, out, backend)


def exponential_decay(
    num_steps: int,
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.exponential_decay``: `init_value` times `decay_rate` per `transition_steps`.

    With ``d = t - transition_begin`` and ``p = d / transition_steps``
    (floored if `staircase`),

    .. math:: x_t = \begin{cases} I & d \le 0 \\ I\,r^{p} & d > 0 \end{cases}

    then clamped by `end_value` when given: ``max(x, end_value)`` if
    ``decay_rate < 1``, else ``min(x, end_value)``. optax's fallbacks are
    kept: ``transition_steps <= 0`` or ``decay_rate == 0`` give the constant
    `init_value`; a negative `transition_begin` counts as 0. A negative
    `decay_rate` (``NaN`` in optax) raises `ValueError`. Native equivalent:
    ``schedarray.exponential(..., rate=...)`` (no begin offset or clamp).

    Examples
    --------
    >>> exponential_decay(5, 1.0, transition_steps=1, decay_rate=0.5, end_value=0.2)
    array([1.  , 0.5 , 0.25, 0.2 , 0.2 ])
    """
    timeline = _exponential(init_value, transition_steps, decay_rate, transition_begin,
                            staircase, end_value)
    return _render(num_steps, timeline, dtype, out, backend)


def cosine_decay_schedule(
    num_steps: int,
    init_value: float,
    decay_steps: int,
    alpha: float = 0.0,
    exponent: float = 1.0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.cosine_decay_schedule``: cosine from `init_value` to ``alpha * init_value``.

    With ``c = min(t, decay_steps) / decay_steps``,

    .. math:: x_t = I\left((1 - \alpha)\left[\tfrac12(1 + \cos \pi c)\right]^{k}
              + \alpha\right)

    (``k = exponent``). The floor ``alpha * init_value`` is reached at count
    `decay_steps`, one step after `schedarray.cosine` would put it, and held.
    ``decay_steps <= 0`` raises `ValueError`, as in optax.

    Examples
    --------
    >>> cosine_decay_schedule(6, 1.0, decay_steps=4)
    array([1.        , 0.85355339, 0.5       , 0.14644661, 0.        ,
           0.        ])
    """
    timeline = _cosine_decay(init_value, decay_steps, alpha, exponent)
    return _render(num_steps, timeline, dtype, out, backend)


def warmup_constant_schedule(
    num_steps: int,
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.warmup_constant_schedule``: linear warmup, then `peak_value` held.

    It is ``linear_schedule(init_value, peak_value, warmup_steps)``, so the
    peak comes at count `warmup_steps`, and ``warmup_steps == 0`` gives the
    constant **init_value** (optax's fallback for a transition of 0 steps),
    not the peak.

    Examples
    --------
    >>> warmup_constant_schedule(5, 0.0, 1.0, warmup_steps=2)
    array([0. , 0.5, 1. , 1. , 1. ])
    """
    timeline = _polynomial(init_value, peak_value, 1.0, warmup_steps, 0)
    return _render(num_steps, timeline, dtype, out, backend)


def warmup_cosine_decay_schedule(
    num_steps: int,
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.warmup_cosine_decay_schedule``: linear warmup, then cosine decay.

    Counts ``t < W`` (``W = warmup_steps``) rise linearly from `init_value`
    toward `peak_value`; from ``t = W`` the value is
    ``cosine_decay_schedule(peak_value, decay_steps - W, alpha)(t - W)``
    with ``alpha = end_value / peak_value`` (0 when ``peak_value == 0``).

    Differences from `schedarray.warmup_cosine`: `decay_steps` is the
    *total* length including the warmup; `end_value` is reached at count
    `decay_steps` (one past the last decay step) and held; with
    ``warmup_steps == 0`` the schedule starts at `peak_value`. optax's
    ``decay_steps <= warmup_steps`` error is kept.

    Examples
    --------
    >>> warmup_cosine_decay_schedule(7, 0.0, 1.0, warmup_steps=2, decay_steps=6)
    array([0.        , 0.5       , 1.        , 0.85355339, 0.5       ,
           0.14644661, 0.        ])
    """
    timeline = _warmup_cosine(init_value, peak_value, warmup_steps, decay_steps,
                              end_value, exponent)
    return _render(num_steps, timeline, dtype, out, backend)


def warmup_exponential_decay_schedule(
    num_steps: int,
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.warmup_exponential_decay_schedule``: linear warmup, then `exponential_decay`.

    Counts ``t < warmup_steps`` follow
    ``linear_schedule(init_value, peak_value, warmup_steps)``; from then on
    ``exponential_decay(peak_value, transition_steps, decay_rate,
    transition_begin, staircase, end_value)`` at ``t - warmup_steps``, with
    all of its fallbacks and its clamp.

    Examples
    --------
    >>> warmup_exponential_decay_schedule(5, 0.0, 1.0, warmup_steps=2,
    ...                                   transition_steps=1, decay_rate=0.5)
    array([0.  , 0.5 , 1.  , 0.5 , 0.25])
    """
    # The warmup's own names (end_value, transition_steps) mean other arguments here.
    check.real(init_value, "init_value")
    check.real(peak_value, "peak_value")
    warmup = _int(warmup_steps, "warmup_steps")
    timeline = _join(
        [_polynomial(init_value, peak_value, 1.0, warmup, 0),
         _exponential(peak_value, transition_steps, decay_rate, transition_begin,
                      staircase, end_value)],
        [warmup],
    )
    return _render(num_steps, timeline, dtype, out, backend)


_SGDR_KEYS = ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")


def sgdr_schedule(
    num_steps: int,
    cosine_kwargs: Iterable[Mapping[str, Any]],
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.sgdr_schedule``: `warmup_cosine_decay_schedule` cycles, one after another.

    Each dict of `cosine_kwargs` holds the arguments of one
    ``warmup_cosine_decay_schedule`` cycle; cycle ``k`` starts at the sum
    of the previous cycles' ``decay_steps`` and counts from 0 there. The
    last cycle holds its ``end_value`` after it ends. Native equivalent:
    `schedarray.cosine_restarts` (which reaches each cycle's end on its last
    step).

    Examples
    --------
    >>> sgdr_schedule(6, [dict(init_value=0.0, peak_value=1.0, warmup_steps=1, decay_steps=3)] * 2)
    array([0. , 1. , 0.5, 0. , 1. , 0.5])
    """
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable) or (
            isinstance(cosine_kwargs, np.ndarray) and cosine_kwargs.ndim == 0):
        raise TypeError(
            f"cosine_kwargs must be an iterable of dicts, got cosine_kwargs={cosine_kwargs!r}"
        )
    runs: list[list[Any]] = []  # [timeline, decay_steps, count] per run of equal cycles
    prev: Any = None
    types: tuple[type, ...] = ()
    at = 0
    # Repeats of one dict ([kwargs] * cycles) are counted in C, not one by one. (The
    # first of a group is held while the group is read, so no other dict has its id.)
    for _, group in itertools.groupby(cosine_kwargs, key=id):
        same = list(group)
        kwargs, i, repeats = same[0], at, len(same)
        at += repeats
        if prev is not None and (kwargs is prev or _same_kwargs(kwargs, prev, types)):
            runs[-1][2] += repeats
            continue
        if not isinstance(kwargs, Mapping):
            raise TypeError(f"cosine_kwargs[{i}] must be a dict, got {kwargs!r}")
        unknown = sorted(set(kwargs) - set(_SGDR_KEYS))
        missing = [k for k in _SGDR_KEYS[:4] if k not in kwargs]
        if unknown or missing:
            raise TypeError(
                f"cosine_kwargs[{i}] must hold the arguments of warmup_cosine_decay_schedule "
                f"({', '.join(_SGDR_KEYS)}), got unknown={unknown}, missing={missing}"
            )
        try:
            timeline = _warmup_cosine(**kwargs)
        except (TypeError, ValueError) as exc:
            exc.args = (f"cosine_kwargs[{i}]: {exc.args[0]}", *exc.args[1:])
            raise
        runs.append([timeline, _int(kwargs["decay_steps"], f"cosine_kwargs[{i}]['decay_steps']"),
                     repeats])
        prev, types = kwargs, tuple(map(type, kwargs.values()))
        if not all(t in (int, float) for t in types):
            types = ()  # only plain numbers are compared
    if not runs:
        raise ValueError("cosine_kwargs must hold at least one cycle, got none")
    if any(steps <= 0 for _, steps, _ in runs):
        # Boundaries that do not increase: optax's join order decides (the
        # last boundary <= t wins), so join the cycles one by one.
        timelines, boundaries, at = [], [], 0
        for timeline, steps, count in runs:
            for _ in range(count):
                at += steps
                timelines.append(timeline)
                boundaries.append(at)
        return _render(num_steps, _join(timelines, boundaries[:-1]), dtype, out, backend)
    n = check.integer(num_steps, "num_steps", minimum=1)
    check.backend(backend)
    return render(_sgdr_plan(n, runs), dtype, out, backend)


def _same_kwargs(a: Any, b: Mapping[str, Any], types: tuple[type, ...]) -> bool:
    """Whether dict `a` holds the numbers of `b` (whose value types are `types`), type for type."""
    return bool(types) and type(a) is dict and tuple(map(type, a.values())) == types and a == b


def _sgdr_plan(n: int, runs: list[list[Any]]) -> _plan.Plan:
    """The plan of `sgdr_schedule` over `n` counts.

    Every whole cycle but the last goes into `Cycles` elements (one per
    stretch of runs with the same segment kinds); the cycle that reaches `n`
    (or the last, which holds its end) is plain pieces.
    """
    builder = Builder()
    at, block, kinds = 0, [], None

    def flush() -> None:
        if not block:
            return
        sizes = np.array([steps for _, steps, _ in block], dtype=np.int64)
        counts = np.array([count for _, _, count in block], dtype=np.int64)
        phases = []
        for p in range(len(block[0][0])):
            segs = [segments[p] for segments, _, _ in block]
            ends = [segments[p + 1].begin if p + 1 < len(segments) else steps
                    for segments, steps, _ in block]
            steps_p = np.array(ends, dtype=np.int64) - [seg.begin for seg in segs]
            params = tuple(np.array([seg.params[q] for seg in segs], dtype=np.float64)
                           for q in range(len(segs[0].params)))
            phases.append(_plan.Phase(segs[0].kind, steps_p, params,
                                      x0=np.array([seg.x0 for seg in segs])))
        builder.cycles(sizes, counts, phases)
        block.clear()

    for r, (timeline, steps, count) in enumerate(runs):
        last = r == len(runs) - 1
        whole = min(count - last, (n - at) // steps)  # cycles inside [0, n), not the last
        if whole > 0:
            segments = _cut(timeline, 0, 0, steps)
            if tuple(seg.kind for seg in segments) != kinds:
                flush()
                kinds = tuple(seg.kind for seg in segments)
            block.append((segments, steps, whole))
            at += whole * steps
        if whole < count or at >= n:
            break
    flush()
    if at < n:  # the cycle cut short by n, or the last one with its constant tail
        segments = _cut(timeline, 0, 0, n - at)
        for seg, nxt in zip(segments, [*segments[1:], None], strict=True):
            stop = n - at if nxt is None else nxt.begin
            builder.add(seg.kind, stop - seg.begin, seg.params, x0=seg.x0)
    return builder.plan()


def piecewise_interpolate_schedule(
    num_steps: int,
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: Mapping[int, float] | None = None,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.piecewise_interpolate_schedule``: interpolate between scaled knots.

    The knots are the counts ``0, b_1, b_2, ...`` (the sorted keys of
    `boundaries_and_scales`) with values ``v_0 = I`` and
    ``v_k = v_{k-1} s_k``. Between two knots the value goes from ``v_k``
    toward ``v_{k+1}``, ``"linear"``-ly or as a half ``"cosine"``, and
    reaches ``v_{k+1}`` at the next knot; after the last knot it holds.
    Scales must be >= 0, as in optax.

    Examples
    --------
    >>> piecewise_interpolate_schedule(6, "linear", 1.0, {4: 0.5})
    array([1.   , 0.875, 0.75 , 0.625, 0.5  , 0.5  ])
    """
    kind = check.choice(interpolate_type, "interpolate_type", ("linear", "cosine"))
    init = check.real(init_value, "init_value")
    pairs = _boundaries_and_scales(boundaries_and_scales, "boundaries_and_scales")
    return _render(num_steps, _interpolate(kind, init, pairs), dtype, out, backend)


def linear_onecycle_schedule(
    num_steps: int,
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.linear_onecycle_schedule``: three linear phases through `peak_value`.

    `piecewise_interpolate_schedule` (linear) from ``peak / div_factor``
    with knots ``int(pct_start T)`` (x div_factor, so the peak),
    ``int(pct_final T)`` (back to ``peak / div_factor``) and ``T``
    (``/ final_div_factor``), ``T = transition_steps``, built as optax
    builds it (a knot that collides with a later one is replaced by it).
    Unlike torch's ``OneCycleLR`` (and `schedarray.one_cycle`) the phases
    end at the truncated counts and the minimum comes at count ``T``.

    Examples
    --------
    >>> linear_onecycle_schedule(6, 4, 1.0, pct_start=0.25, pct_final=0.5, div_factor=2.0,
    ...                          final_div_factor=5.0)
    array([0.5, 1. , 0.5, 0.3, 0.1, 0.1])
    """
    steps, div, final_div = _onecycle_checks(transition_steps, div_factor, final_div_factor,
                                             "linear_onecycle_schedule")
    start = int(check.real(pct_start, "pct_start") * steps)
    final = int(check.real(pct_final, "pct_final") * steps)
    knots = {start: div, final: 1.0 / div, steps: 1.0 / final_div}
    timeline = _onecycle("linear", peak_value, knots, div)
    return _render(num_steps, timeline, dtype, out, backend)


def cosine_onecycle_schedule(
    num_steps: int,
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``optax.cosine_onecycle_schedule``: cosine up to `peak_value`, cosine down.

    `piecewise_interpolate_schedule` (cosine) from ``peak / div_factor``
    with knots ``int(pct_start T)`` (the peak) and ``T``
    (``peak / (div_factor final_div_factor)``), ``T = transition_steps``.
    The peak comes at count ``int(pct_start T)`` and the minimum at ``T``
    (torch's ``OneCycleLR`` and `schedarray.one_cycle` reach them one step
    earlier).

    Examples
    --------
    >>> cosine_onecycle_schedule(6, 4, 1.0, pct_start=0.5, div_factor=2.0, final_div_factor=2.0)
    array([0.5  , 0.75 , 1.   , 0.625, 0.25 , 0.25 ])
    """
    steps, div, final_div = _onecycle_checks(transition_steps, div_factor, final_div_factor,
                                             "cosine_onecycle_schedule")
    start = int(check.real(pct_start, "pct_start") * steps)
    knots = {start: div, steps: 1.0 / (div * final_div)}
    timeline = _onecycle("cosine", peak_value, knots, div)
    return _render(num_steps, timeline, dtype, out, backend)


@_plan.takes_parts("schedules")
def join_schedules(
    num_steps: int,
    schedules: Sequence[Callable[[int], Any] | Any],
    boundaries: Sequence[int],
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
) -> FloatArray:
    r"""``optax.join_schedules``: one schedule after another, each counting from 0.

    ``result[t] = s_k(t - b_k)`` where ``k`` is the last index with
    ``boundaries[k - 1] <= t`` (``s_0(t)`` before any boundary), exactly as
    optax's loop of ``where(step < boundary, out, schedule(step - boundary))``
    decides it. ``len(boundaries) == len(schedules) - 1``.

    Each element of `schedules` is either

    * a callable ``f(m)`` that returns the schedule's first ``m`` values
      (at least ``m``), e.g. another compat function with its arguments
      bound: ``functools.partial(cosine_decay_schedule, init_value=1.0,
      decay_steps=100)``; it is called once, with the number of local
      counts the join reads from it, under `schedarray.window` for the
      counts it reads (so a schedarray schedule computes only those; a
      callable that ignores the window is sliced); or
    * an array of the schedule's values at local counts ``0, 1, ...``,
      long enough for every count the join reads (else `ValueError`).

    The parts are copied into one float64 buffer and cast once to `dtype`
    (or written to `out`). The timeline-based compat functions above do not
    go through here; they join their formula pieces directly.

    Examples
    --------
    >>> from functools import partial
    >>> join_schedules(6, [partial(linear_schedule, init_value=0.0, end_value=1.0,
    ...                            transition_steps=2), [1.0, 0.5, 0.25, 0.125]], [2])
    array([0.   , 0.5  , 1.   , 0.5  , 0.25 , 0.125])
    """
    n = check.steps(num_steps, "num_steps")
    if isinstance(schedules, (str, bytes, Mapping)) or not isinstance(schedules, Sequence):
        raise TypeError(f"schedules must be a sequence, got schedules={schedules!r}")
    if not check.is_sequence(boundaries):
        raise TypeError(f"boundaries must be a sequence of integers, got boundaries={boundaries!r}")
    bounds = tuple(_int(b, f"boundaries[{i}]") for i, b in enumerate(boundaries))
    if not schedules or len(bounds) != len(schedules) - 1:
        raise ValueError(
            "boundaries must have one element fewer than schedules, got "
            f"len(schedules)={len(schedules)}, len(boundaries)={len(bounds)}"
        )
    start, stop = _plan.span(n)
    shifts = (0, *bounds)
    parts = []
    for k, a, b in _owners(bounds, start, stop):
        if a >= b:  # an empty window reads nothing
            continue
        need = int(b) - shifts[k]
        lo = a - shifts[k]
        part = schedules[k]
        if callable(part):
            # Only the local counts [lo, need) the join reads (see `_plan.steps_of`).
            part, windowed = _plan.steps_of(part, need, lo, need)
            if windowed:
                parts.append((a, check.values(part, f"schedules[{k}]")))
                continue
        values = check.values(part, f"schedules[{k}]")
        if values.shape[0] < need:
            raise ValueError(
                f"schedules[{k}] must provide local steps 0..{need - 1} (the join reads them), "
                f"got {values.shape[0]} values"
            )
        parts.append((a, values[lo:need]))
    buf = check.prepare_out(stop - start, dtype, out)
    # Read parts that overlap `out` before writing anything.
    parts = [(a, v.copy() if np.may_share_memory(v, buf) else v) for a, v in parts]
    for a, values in parts:
        buf[a - start : a - start + values.shape[0]] = values
    return buf



check.publish(globals(), aliases={
    # linear_schedule(init_value, peak_value, warmup_steps) inside
    "warmup_constant_schedule": {"transition_steps": "warmup_steps", "end_value": "peak_value"},
})
