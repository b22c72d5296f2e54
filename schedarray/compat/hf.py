r"""Hugging Face ``transformers.optimization`` schedules, as whole arrays.

Every HF schedule is a ``LambdaLR`` whose multiplier ``m(s)`` scales each
parameter group's base lr, with ``s`` the number of ``scheduler.step()`` calls
so far (0 right after construction). ``result[t] = base_lr * m(t)`` is the lr
of update ``t`` when ``scheduler.step()`` follows every ``optimizer.step()``,
as the ``Trainer`` does. Nothing from transformers or torch is imported.

Each ``get_*`` function keeps HF's name, parameters and defaults, with
``base_lr`` (the optimizer's lr; a list gives a 2-D ``(steps, groups)``
result) in place of the optimizer. ``last_epoch`` has no counterpart (index
the array at the restored step), so every parameter HF lists after it is
keyword-only here. The array length is the keyword ``num_steps``: it defaults
to ``num_training_steps`` where HF has one and is required where it has none;
pass a longer ``num_steps`` to see what HF does past the end. Where HF reads
``optimizer.defaults["lr"]`` (``polynomial``, ``min_lr``) it is the keyword
``defaults_lr``, by default `base_lr` (required with per-group lists).
`get_scheduler` dispatches by name, as HF's does. The classes of the old
``pytorch-transformers`` 1.x (``WarmupLinearSchedule`` ...) are here under
their snake-case names with their own parameters (``warmup_steps``,
``t_total``, ``cycles``).

Conventions that differ from schedarray's native schedules (W =
``num_warmup_steps``, T = ``num_training_steps``):

* the warmup starts at 0, so update 0 does not train (the native warmups
  also start at `start`, 0 by default) and the peak comes at ``t = W``;
* every decay reaches its final value at ``t = T``, one update after the last
  one (``t = T - 1``); native schedules end *at* the last step. The exception
  is ``cosine_warmup_with_min_lr``, which shifts both phases one step earlier;
* past ``T``, ``cosine`` and ``cosine_with_min_lr`` rise again (the cosine is
  not clamped) while ``linear`` stays at 0 and ``polynomial`` at ``lr_end``.

``reduce_lr_on_plateau`` and ``greedy`` follow a metric observed during
training: they cannot be computed ahead and have no array here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import _check as check
from .._plan import Builder, Phase, first_steps, runs_of
from .._types import Backend, FloatArray
from ..errors import ScheduleZeroDivisionError
from .torch import PerGroup, _per_group, _render_groups

__all__ = [
    "SCHEDULER_TYPES",
    "constant_lr_schedule",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule",
    "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_scheduler",
    "get_wsd_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_schedule",
    "warmup_cosine_with_hard_restarts_schedule",
    "warmup_linear_schedule",
]

#: Every ``SchedulerType`` of transformers 5.23 (the last two are metric-driven).
SCHEDULER_TYPES = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
    "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr",
    "cosine_warmup_with_min_lr", "warmup_stable_decay", "greedy",
)
_WSD_TYPES = ("linear", "cosine", "1-sqrt")


# --------------------------------------------------------------------------------------
# Plan pieces shared by the schedules
# --------------------------------------------------------------------------------------


def _render(
    base_lr: PerGroup, build: Callable[[Builder, float], float | None], n: int,
    dtype: DTypeLike, out: Any, backend: Backend,
) -> FloatArray:
    """One plan per group, from `build`.

    `build` appends the pieces for one base lr (at most `n` steps) and returns the
    value held for the rest of the array (``None``: the base lr).
    """
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    for base in p["base_lr"]:
        builder = Builder()
        hold = build(builder, base)
        builder.constant(n - builder.length, base if hold is None else hold)
        plans.append(builder.plan())
    return _render_groups(plans, groups, dtype, out, backend)


def _fits(builder: Builder, n: int, length: int) -> int:
    """How many of `length` further steps fit in an array of `n`."""
    return max(0, min(length, n - builder.length))


def _warmup(builder: Builder, n: int, w: int, base: float) -> None:
    """HF's linear warmup ``base * s / max(1, W)`` for ``s < W``: from 0, peak at W."""
    builder.add("linear", _fits(builder, n, w), (0.0, base, float(max(1, w))), pins=((0, 0.0),))


def _cosine_tail(
    builder: Builder, n: int, base: float, end: float, span: float, cycles: float, x0: float
) -> None:
    """``end + (base - end) (1 + cos(2 pi cycles x / span)) / 2`` to the end, unclamped."""
    size = _fits(builder, n, n)
    if cycles == 0:
        builder.constant(size, base)
        return
    builder.add("cosine", size, (base, end, span / (2 * abs(cycles)), 1.0), x0=x0)


def _steps_arg(value: Any, name: str) -> int:
    return check.integer(value, name)


def _training_length(num_steps: Any, num_training_steps: int) -> int:
    if num_steps is None:
        if num_training_steps < 1:
            raise ValueError(
                "num_steps is required when num_training_steps < 1, got "
                f"num_training_steps={num_training_steps}"
            )
        return check.result_length(num_training_steps, "num_training_steps")
    return check.steps(num_steps, "num_steps")


def _required_length(num_steps: Any, name: str) -> int:
    if num_steps is None:
        raise TypeError(f"{name} has no length of its own: pass num_steps, got num_steps=None")
    return check.steps(num_steps, "num_steps")


def _defaults_lr(defaults_lr: Any, base_lr: PerGroup) -> float:
    if defaults_lr is not None:
        return check.real(defaults_lr, "defaults_lr")
    if isinstance(base_lr, (list, tuple, np.ndarray)):
        raise ValueError(
            "defaults_lr (the optimizer's defaults['lr']) is required with one base_lr "
            f"per group, got defaults_lr=None, base_lr={base_lr!r}"
        )
    return check.real(base_lr, "base_lr")


# --------------------------------------------------------------------------------------
# The get_* functions
# --------------------------------------------------------------------------------------


def get_constant_schedule(
    base_lr: PerGroup,
    *,
    num_steps: int,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """HF ``get_constant_schedule`` (``"constant"``): the base lr at every step.

    Examples
    --------
    >>> get_constant_schedule(0.1, num_steps=3)
    array([0.1, 0.1, 0.1])
    """
    n = _required_length(num_steps, "get_constant_schedule")
    return _render(base_lr, lambda _builder, _base: None, n, dtype, out, backend)


def get_constant_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    *,
    num_steps: int,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_constant_schedule_with_warmup`` (``"constant_with_warmup"``).

    .. math:: m(s) = \begin{cases} s / \max(1, W) & s < W \\ 1 & s \ge W \end{cases}

    Update 0 has lr 0; the base lr is reached at ``t = W``. Native:
    ``schedarray.warmup_decay(n, peak=base_lr, warmup_steps=W, decay="constant")``.

    Examples
    --------
    >>> get_constant_schedule_with_warmup(1.0, 2, num_steps=4)
    array([0. , 0.5, 1. , 1. ])
    """
    n = _required_length(num_steps, "get_constant_schedule_with_warmup")
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    return _render(base_lr, lambda b, base: _warmup(b, n, w, base), n, dtype, out, backend)


def get_linear_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_linear_schedule_with_warmup`` (``"linear"``, the ``Trainer`` default).

    .. math:: m(s) = \begin{cases} s / \max(1, W) & s < W \\
              \max\!\left(0, \frac{T - s}{\max(1, T - W)}\right) & s \ge W \end{cases}

    0 at update 0, the base lr at ``t = W``, 0 at ``t = T`` (one update after
    the last) and after. Native: ``schedarray.warmup_linear`` with
    ``total_steps = T + 1`` and the last step dropped.

    Examples
    --------
    >>> get_linear_schedule_with_warmup(1.0, 2, 6)
    array([0.  , 0.5 , 1.  , 0.75, 0.5 , 0.25])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    t = _steps_arg(num_training_steps, "num_training_steps")
    n = _training_length(num_steps, t)

    def build(b: Builder, base: float) -> float:
        _warmup(b, n, w, base)
        if t > w:
            b.add("linear", _fits(b, n, t - w), (base, 0.0, float(t - w)), pins=((0, base),))
        return 0.0

    return _render(base_lr, build, n, dtype, out, backend)


def get_cosine_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_cosine_schedule_with_warmup`` (``"cosine"``).

    After the linear warmup, with ``p = (s - W) / max(1, T - W)``,

    .. math:: m(s) = \tfrac12\left(1 + \cos(2 \pi \cdot \mathrm{num\_cycles} \cdot p)\right)

    ``p`` is not clamped: past ``T`` the lr rises again (and ``num_cycles > 0.5``
    makes waves inside the run). With the default half cycle the lr reaches 0 at
    ``t = T``, one update after the last. Native: `schedarray.warmup_cosine`.

    Examples
    --------
    >>> get_cosine_schedule_with_warmup(1.0, 1, 3, num_steps=6)
    array([0. , 1. , 0.5, 0. , 0.5, 1. ])
    """
    return get_cosine_with_min_lr_schedule_with_warmup(
        base_lr, num_warmup_steps, num_training_steps, num_cycles, min_lr_rate=0.0,
        num_steps=num_steps, dtype=dtype, out=out, backend=backend,
    )


#: Hard restarts: the largest cycle index HF's ``(c * p) % 1`` is matched for (its float
#: rounding grows with ``c * p``; at 2**10 cycles the difference stays below 1e-12).
MAX_CYCLE_INDEX = 2**10


def _cycle_of(s: int, w: int, d: int, cycles: float) -> int:
    """HF's cycle index of step `s`: ``floor(cycles * ((s - W) / D))``, in its floats."""
    return math.floor(float(cycles) * (float(s - w) / float(d)))


def get_cosine_with_hard_restarts_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 1,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_cosine_with_hard_restarts_schedule_with_warmup`` (``"cosine_with_restarts"``).

    After the warmup, with ``p = (s - W) / max(1, T - W)``,

    .. math:: m(s) = \begin{cases} \tfrac12\left(1 + \cos(\pi\,((c\,p) \bmod 1))\right)
              & p < 1 \\ 0 & p \ge 1 \end{cases}

    ``c = num_cycles`` cosines from the base lr towards 0, each restarting at
    the base lr; restarts fall on HF's own float rounding of ``c p`` (so a
    cycle may be a step shorter or longer than ``(T - W) / c``), and 0 comes at
    ``t = T``. Native: `schedarray.cosine_restarts`, which reaches its end at
    each cycle's last step. The cycle index ``c p`` must stay below
    `MAX_CYCLE_INDEX` (1024): past it HF's own rounding of ``(c p) % 1`` is
    not matched to 1e-12, and the call is refused.

    Examples
    --------
    >>> get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 4, num_cycles=2, num_steps=5)
    array([1. , 0.5, 1. , 0.5, 0. ])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    t = _steps_arg(num_training_steps, "num_training_steps")
    cycles = check.nonnegative(num_cycles, "num_cycles")
    n = _training_length(num_steps, t)
    d = max(1, t - w)

    def build(b: Builder, base: float) -> float:
        _warmup(b, n, w, base)
        stop = min(n, w + d)  # p >= 1 from s = W + D on
        if b.length < stop:
            starts, k = restarts(b.length, stop)
            # HF's x0 is (s - W) - k L, and (s - W) - 0.0 in the first cycle (L may be inf)
            x0 = (starts - w).astype(np.float64)
            x0 -= np.multiply(k, length, out=np.zeros_like(x0), where=k != 0)
            sizes, counts, (x0,) = runs_of(np.diff(np.append(starts, stop)), x0)
            b.cycles(sizes, counts, [Phase("cosine", sizes, (base, 0.0, length, 1.0), x0=x0)])
        return 0.0

    length = d / cycles if cycles else math.inf

    def cycle_of(s: Any) -> Any:  # _cycle_of on arrays
        return np.floor(float(cycles) * ((s - w).astype(np.float64) / float(d)))

    def restarts(lo: int, stop: int) -> tuple[Any, Any]:
        """First step and index of every cycle in ``[lo, stop)``, all at once.

        The index is non-decreasing in s; cycle ``j`` starts at its first step
        ``>= j``, near ``W + j D / c`` (float rounding moves it by a step or
        so); indices with no step of their own are left out.
        """
        top = float(cycles) * (float(stop - 1 - w) / float(d))
        if not top < MAX_CYCLE_INDEX:
            raise ValueError(
                f"num_cycles is too large: HF's cycle index num_cycles * progress must stay "
                f"below {MAX_CYCLE_INDEX} for the cycles to match HF's float rounding to 1e-12 "
                f"(it is {top!r} at step {stop - 1}), got num_cycles={num_cycles!r}"
            )
        first, last = _cycle_of(lo, w, d, cycles), _cycle_of(stop - 1, w, d, cycles)
        if last - first >= stop - lo:  # more cycles than steps: find the restarts per step
            s = np.arange(lo, stop, dtype=np.int64)
            k = cycle_of(s)
            starts = s[np.concatenate(([True], k[1:] != k[:-1]))]
            return starts, cycle_of(starts)
        j = np.arange(first + 1, last + 1, dtype=np.int64)
        if not j.shape[0]:
            return np.array([lo], dtype=np.int64), np.array([float(first)])
        guess = w + np.ceil(j * (d / cycles)).astype(np.int64)
        slack = 2 + (np.abs(guess - w) >> 40)  # float rounding of c (s - W) / D, in steps
        t = first_steps(cycle_of, j, guess, guess - slack, guess + slack, lo + 1, stop)
        starts = np.unique(np.concatenate(([lo], t)))
        return starts, cycle_of(starts)

    return _render(base_lr, build, n, dtype, out, backend)


def get_polynomial_decay_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
    *,
    num_steps: int | None = None,
    defaults_lr: float | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_polynomial_decay_schedule_with_warmup`` (``"polynomial"``).

    With ``l_0`` = `defaults_lr` (HF's ``optimizer.defaults["lr"]``, by
    default `base_lr`), after the warmup and for ``W <= s <= T``

    .. math:: m(s) = \frac{(l_0 - \mathrm{lr\_end})
              \left(1 - \frac{s - W}{T - W}\right)^{\mathrm{power}} + \mathrm{lr\_end}}{l_0}

    and ``lr_end / l_0`` after ``T``: with one group the lr decays to exactly
    `lr_end` at ``t = T``, one update after the last. HF's checks apply:
    ``l_0 > lr_end``; ``T == W`` is an error when step ``W`` is in the array
    (HF's ``ZeroDivisionError``: `schedarray.errors.ScheduleZeroDivisionError`,
    a `ValueError` too), as is a negative `power`. Native:
    `schedarray.warmup_decay` with ``decay="polynomial"``.

    Examples
    --------
    >>> get_polynomial_decay_schedule_with_warmup(1.0, 1, 3, lr_end=0.2, power=2.0, num_steps=5)
    array([0. , 1. , 0.4, 0.2, 0.2])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    t = _steps_arg(num_training_steps, "num_training_steps")
    end = check.real(lr_end, "lr_end")
    pw = check.nonnegative(power, "power")
    init = _defaults_lr(defaults_lr, base_lr)
    if not init > end:
        raise ValueError(f"lr_end ({lr_end}) must be smaller than initial lr ({init})")
    n = _training_length(num_steps, t)
    if t == w and w < n:
        raise ScheduleZeroDivisionError(
            "num_training_steps == num_warmup_steps divides by zero at step num_warmup_steps "
            f"(as in HF), got num_warmup_steps={w}, num_training_steps={t}, num_steps={n}"
        )

    def build(b: Builder, base: float) -> float:
        _warmup(b, n, w, base)
        top = base * (((init - end) * 1.0**pw + end) / init)
        floor = base * (end / init)
        if t > w:
            b.add("polynomial", _fits(b, n, t - w + 1), (top, floor, float(t - w), pw),
                  pins=((0, top),))
        return floor

    return _render(base_lr, build, n, dtype, out, backend)


def get_inverse_sqrt_schedule(
    base_lr: PerGroup,
    num_warmup_steps: int,
    timescale: int | None = None,
    *,
    num_steps: int,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_inverse_sqrt_schedule`` (``"inverse_sqrt"``, after big_vision).

    .. math:: m(s) = \frac{1}{\sqrt{(s + \tau - W) / \tau}}, \quad s \ge W

    after the linear warmup, with ``tau = timescale``, by default ``W`` (10 000
    when ``W = 0``). 1 at ``t = W``, no floor.
    Native: `schedarray.inverse_sqrt` after a warmup.

    Examples
    --------
    >>> get_inverse_sqrt_schedule(1.0, 1, num_steps=4)
    array([0.        , 1.        , 0.70710678, 0.57735027])
    """
    n = _required_length(num_steps, "get_inverse_sqrt_schedule")
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    if timescale is None:
        tau = float(w or 10_000)
    else:
        tau = check.real(timescale, "timescale")
        if tau == 0 and n > w:  # HF divides by it at the first step after the warmup
            raise ScheduleZeroDivisionError(
                f"timescale=0 divides by zero at step {w} (HF's ZeroDivisionError), "
                f"got timescale={timescale!r}, num_warmup_steps={w}")
        tau = check.positive(timescale, "timescale") if n > w else 1.0

    def build(b: Builder, base: float) -> None:
        _warmup(b, n, w, base)
        b.add("inverse_sqrt", _fits(b, n, n), (base, tau), pins=((0, base),))

    return _render(base_lr, build, n, dtype, out, backend)


def _min_lr_rate(min_lr: Any, min_lr_rate: Any, defaults_lr: Any, base_lr: PerGroup) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError("Only one of min_lr or min_lr_rate should be set, got "
                         f"min_lr={min_lr!r}, min_lr_rate={min_lr_rate!r}")
    if min_lr is not None:
        lr = check.real(min_lr, "min_lr")
        lr_name = "defaults_lr" if defaults_lr is not None else "base_lr"
        base = _defaults_lr(defaults_lr, base_lr)
        if base == 0:  # HF divides by it: ZeroDivisionError
            raise ValueError(f"{lr_name} must be nonzero to turn min_lr into a rate, got "
                             f"min_lr={lr!r}, {lr_name}={base!r}")
        rate, given = lr / base, f"min_lr={lr!r}, {lr_name}={base!r}"
    elif min_lr_rate is None:
        raise ValueError("One of min_lr or min_lr_rate should be set, got both None")
    else:
        rate = check.real(min_lr_rate, "min_lr_rate")
        given = f"min_lr_rate={rate!r}"
    if not 0 <= rate < math.inf:
        raise ValueError(
            "the min lr rate must be finite and >= 0 (HF clamps the negative factors it then "
            f"gives to 0), got {given}"
        )
    return rate


def get_cosine_with_min_lr_schedule_with_warmup(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    *,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    num_steps: int | None = None,
    defaults_lr: float | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_cosine_with_min_lr_schedule_with_warmup`` (``"cosine_with_min_lr"``).

    As `get_cosine_schedule_with_warmup`, but the cosine ends at the rate
    ``r`` instead of 0:

    .. math:: m(s) = r + (1 - r)\,\tfrac12\left(1 + \cos(2 \pi \cdot
              \mathrm{num\_cycles} \cdot p)\right), \quad p = \frac{s - W}{\max(1, T - W)}

    Give exactly one of ``min_lr_rate = r`` and `min_lr` (then ``r = min_lr /
    defaults_lr``, HF's ``optimizer.defaults["lr"]``). Unclamped past ``T``, and
    the floor comes at ``t = T``. Native: ``schedarray.warmup_cosine(...,
    end=r * base_lr)``.

    Examples
    --------
    >>> get_cosine_with_min_lr_schedule_with_warmup(1.0, 1, 3, min_lr=0.2)
    array([0. , 1. , 0.6])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    t = _steps_arg(num_training_steps, "num_training_steps")
    cycles = check.real(num_cycles, "num_cycles")
    rate = _min_lr_rate(min_lr, min_lr_rate, defaults_lr, base_lr)
    n = _training_length(num_steps, t)

    def build(b: Builder, base: float) -> None:
        _warmup(b, n, w, base)
        _cosine_tail(b, n, base, base * rate, float(max(1, t - w)), cycles, 0.0)

    return _render(base_lr, build, n, dtype, out, backend)


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    *,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
    num_steps: int | None = None,
    defaults_lr: float | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``: ``"cosine_warmup_with_min_lr"``.

    A different endpoint convention from the other HF schedules: the warmup is
    ``(s + 1) / max(1, W)`` (update 0 already trains, the base lr comes at
    ``t = W - 1``), or ``a + (1 - a) s / max(1, W - 1)`` with
    ``a = warmup_lr_rate``; then, with ``p = (s - W + 1) / max(1, T - W)``,

    .. math:: m(s) = r + (1 - r)\,\tfrac12\left(1 + \cos(2 \pi \cdot
              \mathrm{num\_cycles} \cdot p)\right)

    so the floor ``r`` is reached at ``t = T - 1``, the last update. `min_lr`
    and `min_lr_rate` as in `get_cosine_with_min_lr_schedule_with_warmup`.

    Examples
    --------
    >>> get_cosine_with_min_lr_schedule_with_warmup_lr_rate(1.0, 2, 4, min_lr_rate=0.0)
    array([0.5, 1. , 0.5, 0. ])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    t = _steps_arg(num_training_steps, "num_training_steps")
    cycles = check.real(num_cycles, "num_cycles")
    rate = _min_lr_rate(min_lr, min_lr_rate, defaults_lr, base_lr)
    first = None if warmup_lr_rate is None else check.real(warmup_lr_rate, "warmup_lr_rate")
    n = _training_length(num_steps, t)

    def build(b: Builder, base: float) -> None:
        size = _fits(b, n, w)
        if first is None:
            b.add("linear", size, (0.0, base, float(max(1, w))), x0=1.0)
        else:
            b.add("linear", size, (base * first, base, float(max(1, w - 1))),
                  pins=((0, base * first),))
        _cosine_tail(b, n, base, base * rate, float(max(1, t - w)), cycles, 1.0)

    return _render(base_lr, build, n, dtype, out, backend)


def get_wsd_schedule(
    base_lr: PerGroup,
    num_warmup_steps: int,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""HF ``get_wsd_schedule`` (``"warmup_stable_decay"``): warmup, stable, decay, floor.

    With ``r = min_lr_ratio``, ``W`` warmup, ``S`` stable and ``D`` decay steps:
    for ``s < W``, ``p = s / max(1, W)`` and ``m = r + (1 - r) f(p)`` with
    ``f = p`` (linear), ``(1 - cos(pi p)) / 2`` (cosine) or ``1 - sqrt(1 - p)``
    (1-sqrt); then ``m = 1`` for ``S`` steps; then, with ``p = (s - W - S) /
    max(1, D)``, ``m = r + (1 - r) g(p)`` with ``g = 1 - p``, ``(1 + cos(2 pi
    num_cycles p)) / 2`` or ``1 - sqrt(p)``; then ``m = r``.

    ``S = T - W - D`` unless `num_stable_steps` is given (if both are, HF warns and
    uses ``S``; so does this). The array has `num_steps` steps, by default ``T``,
    or ``W + S + D`` without ``T``. As in HF the warmup starts at ``r`` (not 0) and
    the floor comes at ``t = W + S + D``, one step after the decay. Native:
    `schedarray.wsd`.

    Examples
    --------
    >>> get_wsd_schedule(1.0, 2, 2, 6, decay_type="linear", min_lr_ratio=0.5)
    array([0.5 , 0.75, 1.  , 1.  , 1.  , 0.75])
    """
    w = _steps_arg(num_warmup_steps, "num_warmup_steps")
    d = _steps_arg(num_decay_steps, "num_decay_steps")
    if num_training_steps is None and num_stable_steps is None:
        raise ValueError("Either num_training_steps or num_stable_steps must be specified, "
                         "got both None")
    t = None if num_training_steps is None else _steps_arg(num_training_steps,
                                                           "num_training_steps")
    if t is not None and num_stable_steps is not None:
        warnings.warn("Both num_training_steps and num_stable_steps are specified. "
                      "num_stable_steps will be used.", UserWarning, stacklevel=2)
    if num_stable_steps is not None:
        # May be negative, as HF allows: the decay then starts part-way, at step W.
        s = check.integer(num_stable_steps, "num_stable_steps", minimum=-(2**62))
    else:
        s = (t or 0) - w - d
    up = check.choice(warmup_type, "warmup_type", _WSD_TYPES)
    down = check.choice(decay_type, "decay_type", _WSD_TYPES)
    ratio = check.nonnegative(min_lr_ratio, "min_lr_ratio")
    cycles = check.real(num_cycles, "num_cycles")
    n = _training_length(num_steps, t if t is not None else w + s + d)

    def build(b: Builder, base: float) -> float:
        low = base * ratio
        size, span = _fits(b, n, w), float(max(1, w))
        if up == "linear":
            b.add("linear", size, (low, base, span), pins=((0, low),))
        elif up == "cosine":
            b.add("cosine", size, (low, base, span, 1.0), pins=((0, low),))
        else:
            b.add("one_minus_sqrt", size, (base, low, span), x0=span, direction=-1.0,
                  pins=((0, low),))
        b.constant(_fits(b, n, s), base)
        start = w + s  # the decay's own step 0 (before W when S < 0)
        size = _fits(b, n, start + d - max(w, start))
        x0, span = float(b.length - start), float(max(1, d))
        if down == "linear":
            b.add("linear", size, (base, low, span), x0=x0)
        elif down == "cosine" and cycles == 0:
            b.constant(size, base)
        elif down == "cosine":
            b.add("cosine", size, (base, low, span / (2 * abs(cycles)), 1.0), x0=x0)
        else:
            b.add("one_minus_sqrt", size, (base, low, span), x0=x0)
        return low

    return _render(base_lr, build, n, dtype, out, backend)


# --------------------------------------------------------------------------------------
# get_scheduler
# --------------------------------------------------------------------------------------


def get_scheduler(
    name: str,
    base_lr: PerGroup,
    num_warmup_steps: int | None = None,
    num_training_steps: int | None = None,
    scheduler_specific_kwargs: dict[str, Any] | None = None,
    *,
    num_steps: int | None = None,
    defaults_lr: float | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """HF ``get_scheduler``: the schedule of a ``SchedulerType`` name, as the ``Trainer`` builds it.

    Follows HF's dispatch: ``"constant"`` ignores everything else,
    ``"constant_with_warmup"`` ignores `scheduler_specific_kwargs`, the others
    need `num_warmup_steps` and (except ``"inverse_sqrt"`` and
    ``"warmup_stable_decay"``) `num_training_steps`, with the same error
    messages. `num_steps` defaults to `num_training_steps` for every name.
    ``"reduce_lr_on_plateau"`` and ``"greedy"`` are metric-driven and raise
    `ValueError`.

    Examples
    --------
    >>> get_scheduler("cosine_with_restarts", 1.0, 0, 4, {"num_cycles": 2})
    array([1. , 0.5, 1. , 0.5])
    """
    name = check.choice(getattr(name, "value", name), "name", SCHEDULER_TYPES)
    if name in ("reduce_lr_on_plateau", "greedy"):
        raise ValueError(
            f"{name} adjusts the lr from a metric observed during training, so it cannot "
            f"be computed in advance, got name={name!r}"
        )
    if num_steps is None:
        if num_training_steps is not None:  # the length, unless num_steps is given
            check.steps(num_training_steps, "num_training_steps")
        num_steps = num_training_steps
    common = {"num_steps": num_steps, "dtype": dtype, "out": out, "backend": backend}
    if name == "constant":
        return get_constant_schedule(base_lr, **common)
    extra = check.mapping(scheduler_specific_kwargs, "scheduler_specific_kwargs")
    if num_warmup_steps is None:
        raise ValueError(f"SchedulerType.{name.upper()} requires `num_warmup_steps`, "
                         "please provide that argument.")
    if name == "constant_with_warmup":
        return get_constant_schedule_with_warmup(base_lr, num_warmup_steps, **common)
    if name == "inverse_sqrt":
        _known(get_inverse_sqrt_schedule, extra, name)
        return get_inverse_sqrt_schedule(base_lr, num_warmup_steps, **extra, **common)
    if name == "warmup_stable_decay":
        _known(get_wsd_schedule, extra, name)
        return get_wsd_schedule(base_lr, num_warmup_steps, num_training_steps=num_training_steps,
                                **extra, **common)
    if num_training_steps is None:
        raise ValueError(f"SchedulerType.{name.upper()} requires `num_training_steps`, "
                         "please provide that argument.")
    if name in ("polynomial", "cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        common["defaults_lr"] = defaults_lr
    function = {
        "linear": get_linear_schedule_with_warmup,
        "cosine": get_cosine_schedule_with_warmup,
        "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
        "polynomial": get_polynomial_decay_schedule_with_warmup,
        "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
        "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    }[name]
    _known(function, extra, name)
    return function(base_lr, num_warmup_steps, num_training_steps, **extra, **common)


def _known(function: Callable[..., Any], extra: dict[str, Any], name: str) -> None:
    """Refuse a scheduler_specific_kwargs key the chosen schedule does not take."""
    import inspect

    accepted = inspect.signature(function).parameters
    unknown = sorted(set(extra) - set(accepted))
    if unknown:
        raise TypeError(
            f"scheduler_specific_kwargs has no parameter {unknown[0]!r} for name={name!r}, "
            f"got scheduler_specific_kwargs={extra!r}"
        )


# --------------------------------------------------------------------------------------
# pytorch-transformers 1.x classes
# --------------------------------------------------------------------------------------


def constant_lr_schedule(
    base_lr: PerGroup,
    *,
    num_steps: int,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """pytorch-transformers ``ConstantLRSchedule``: the base lr at every step.

    Like all the 1.x classes, a ``LambdaLR``: under torch >= 1.1 the constructor
    steps, so update ``t`` uses ``base_lr * lr_lambda(t)``.

    Examples
    --------
    >>> constant_lr_schedule(0.1, num_steps=2)
    array([0.1, 0.1])
    """
    return get_constant_schedule(base_lr, num_steps=num_steps, dtype=dtype, out=out,
                                 backend=backend)


def warmup_constant_schedule(
    base_lr: PerGroup,
    warmup_steps: int,
    *,
    num_steps: int,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """pytorch-transformers ``WarmupConstantSchedule``: ``step / max(1, warmup_steps)``, then 1.

    The same multiplier as `get_constant_schedule_with_warmup`.

    Examples
    --------
    >>> warmup_constant_schedule(1.0, 2, num_steps=3)
    array([0. , 0.5, 1. ])
    """
    return get_constant_schedule_with_warmup(base_lr, warmup_steps, num_steps=num_steps,
                                             dtype=dtype, out=out, backend=backend)


def warmup_linear_schedule(
    base_lr: PerGroup,
    warmup_steps: int,
    t_total: int,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """pytorch-transformers ``WarmupLinearSchedule``: linear warmup, linear decay to 0 at `t_total`.

    ``step / max(1, warmup_steps)``, then ``max(0, (t_total - step) /
    max(1, t_total - warmup_steps))``: the multiplier of
    `get_linear_schedule_with_warmup`. `num_steps` defaults to `t_total`.

    Examples
    --------
    >>> warmup_linear_schedule(1.0, 1, 3)
    array([0. , 1. , 0.5])
    """
    return get_linear_schedule_with_warmup(base_lr, warmup_steps, t_total, num_steps=num_steps,
                                           dtype=dtype, out=out, backend=backend)


def warmup_cosine_schedule(
    base_lr: PerGroup,
    warmup_steps: int,
    t_total: int,
    cycles: float = 0.5,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """pytorch-transformers ``WarmupCosineSchedule``: linear warmup, then `cycles` cosine waves.

    ``0.5 (1 + cos(2 pi cycles p))`` with ``p = (step - warmup_steps) /
    max(1, t_total - warmup_steps)``, unclamped: the multiplier of
    `get_cosine_schedule_with_warmup` with ``num_cycles = cycles``.

    Examples
    --------
    >>> warmup_cosine_schedule(1.0, 1, 3)
    array([0. , 1. , 0.5])
    """
    return get_cosine_schedule_with_warmup(base_lr, warmup_steps, t_total, cycles,
                                           num_steps=num_steps, dtype=dtype, out=out,
                                           backend=backend)


def warmup_cosine_with_hard_restarts_schedule(
    base_lr: PerGroup,
    warmup_steps: int,
    t_total: int,
    cycles: float = 1.0,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    """pytorch-transformers ``WarmupCosineWithHardRestartsSchedule``.

    Linear warmup, then `cycles` cosines with hard restarts, 0 from `t_total`
    on: the multiplier of `get_cosine_with_hard_restarts_schedule_with_warmup`
    with ``num_cycles = cycles``.

    Examples
    --------
    >>> warmup_cosine_with_hard_restarts_schedule(1.0, 0, 4, cycles=2.0)
    array([1. , 0.5, 1. , 0.5])
    """
    return get_cosine_with_hard_restarts_schedule_with_warmup(
        base_lr, warmup_steps, t_total, cycles, num_steps=num_steps, dtype=dtype, out=out,
        backend=backend,
    )



#: The pytorch-transformers 1.x classes call the get_* functions under HF's newer names.
_OLD_NAMES = {"num_warmup_steps": "warmup_steps", "num_training_steps": "t_total",
              "num_cycles": "cycles"}
check.publish(globals(), aliases={
    "warmup_constant_schedule": _OLD_NAMES,
    "warmup_linear_schedule": _OLD_NAMES,
    "warmup_cosine_schedule": _OLD_NAMES,
    "warmup_cosine_with_hard_restarts_schedule": _OLD_NAMES,
})
