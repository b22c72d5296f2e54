r"""PyTorch's ``torch.optim.lr_scheduler``, as whole arrays (torch is never imported).

``result[t]`` is the value ``optimizer.param_groups[g]["lr"]`` holds during update
``t`` when the scheduler is built right before training (its constructor performs
the first step) and ``scheduler.step()`` follows every ``optimizer.step()``::

    scheduler = StepLR(optimizer, step_size=30)      # lr for update 0 is set here
    for t in range(num_steps):
        ...; optimizer.step()                         # update t uses result[t]
        scheduler.step()

Every function is named after the scheduler class in snake case and takes the
class's own parameters and defaults, preceded by ``base_lr`` (the optimizer's
``lr``, which torch stores as ``initial_lr``) and ``num_steps`` (the array length;
torch schedulers have none). A list ``base_lr`` (one value per parameter group)
gives a 2-D ``(num_steps, groups)`` result. Keyword-only ``dtype``, ``out`` and
``backend`` are as in `schedarray.primitives`. ``last_epoch`` (resuming) has no
counterpart: index the array at the restored step instead.

Conventions that differ from schedarray's native schedules:

* torch's values are *chainable*: most schedulers multiply the current lr by a
  factor each step. The arrays here are the closed forms of those recursions; they
  agree with torch to a few ulps per step taken (a relative ``1e-12`` over
  thousands of steps), the rounding torch itself accumulates.
* Decays reach their final value at ``t == total_iters`` or ``t == T_max``, the
  update *after* the last one a native schedule would give it, and
  `cosine_annealing_lr` climbs back up past ``T_max`` (period ``2 T_max``).
* Milestones count from the constructor's step: ``milestones=[30]`` changes the
  lr for update 30 (the 31st), and a repeated milestone applies ``gamma`` twice.

``ReduceLROnPlateau`` is driven by a validation metric observed during training,
so its values cannot be computed in advance; there is no array for it. Use it
as is, or precompute the rest of the schedule and scale it at run time.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .. import _check as check
from .._formulas import CYCLIC_MODES
from .._plan import (
    Builder,
    Phase,
    Plan,
    check_values,
    render,
    span,
    steps_of,
    takes_parts,
    unwindowed,
)
from .._types import Backend, FloatArray
from ..errors import ScheduleZeroDivisionError
from . import _torch_steps as _sim

__all__ = [
    "chained_scheduler",
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr",
    "cyclic_lr_momentum",
    "exponential_lr",
    "lambda_lr",
    "linear_lr",
    "multi_step_lr",
    "multiplicative_lr",
    "one_cycle_lr",
    "one_cycle_lr_momentum",
    "polynomial_lr",
    "sequential_lr",
    "step_lr",
    "swa_recipe",
    "swalr",
]

#: A value per parameter group, or one value for all of them.
PerGroup = Union[float, Sequence[float]]


# --------------------------------------------------------------------------------------
# Shared helpers (the Hugging Face module uses them too)
# --------------------------------------------------------------------------------------


def _is_list(value: Any) -> bool:
    """A per-group list (a 0-d array is one number)."""
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _per_group(
    values: dict[str, Any], convert: Callable[[Any, str], float] = check.real
) -> tuple[int | None, dict[str, tuple[float, ...]]]:
    """Broadcast scalar-or-list parameters to one value per group.

    Returns the number of groups (``None`` when every value is a scalar, which
    means a 1-D result) and each parameter as a tuple of that length.
    """
    size, first = None, ""
    for name, value in values.items():
        if _is_list(value):
            if len(value) == 0:
                raise ValueError(f"{name} must have at least one value, got {name}={value!r}")
            if size is None:
                size, first = len(value), name
            elif len(value) != size:
                raise ValueError(
                    f"{name} must have one value per parameter group like {first}, got "
                    f"len({first})={size}, len({name})={len(value)}"
                )
    result = {}
    for name, value in values.items():
        if _is_list(value):
            result[name] = tuple(convert(v, f"{name}[{i}]") for i, v in enumerate(value))
        else:
            result[name] = (convert(value, name),) * (size or 1)
    return size, result


def _render_groups(
    plans: Sequence[Plan], groups: int | None, dtype: DTypeLike, out: Any, backend: Backend
) -> FloatArray:
    """Render one plan (1-D result) or one plan per group into the columns of a 2-D array."""
    if groups is None:
        return render(plans[0], dtype, out, backend)
    kind = check.store_dtype(dtype, out)
    for plan in plans:  # every group is checked before the first column is written
        check_values(plan, kind)
    start, stop = span(plans[0].length)
    buf = check.prepare_out((stop - start, len(plans)), dtype, out)
    for g, plan in enumerate(plans):
        render(plan, buf.dtype, buf[:, g], backend)
    return buf


def _steps(n: int, backend: Backend = "auto") -> NDArray[np.float64]:
    """The step indices ``t`` of a schedule of length `n`, as float64.

    Rendered like any schedule (an identity line), so under `schedarray.window`
    only the window's indices come back; callables are evaluated at exactly these.
    """
    span = float(max(n - 1, 1))
    return render(Builder().add("linear", n, (0.0, span, span)).plan(), np.float64, None, backend)


def _store(
    values: NDArray[np.float64], dtype: DTypeLike, out: Any
) -> FloatArray:
    """Write computed values (1-D, or 2-D steps x groups) into `out` or a new array."""
    if values.size:
        check.fits(*check.extremes(values), check.store_dtype(dtype, out))
    buf = check.prepare_out(values.shape, dtype, out)
    buf[...] = values
    return buf


def _call(fn: Callable[[int], Any], t: int, name: str) -> float:
    value = fn(t)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must return a real number, got {name}({t})={value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must return a real number, got {name}({t})={value!r}") from None
    if not math.isfinite(result):
        raise ValueError(f"{name} must return finite numbers, got {name}({t})={value!r}")
    return result


def _callables(fn: Any, groups: int | None, name: str) -> list[Callable[[int], Any]]:
    if _is_list(fn):
        if groups is None or len(fn) != groups:
            raise ValueError(
                f"{name} must be one callable or one per parameter group, got "
                f"len({name})={len(fn)} for {groups or 1} group(s)"
            )
        fns = list(fn)
    else:
        fns = [fn] * (groups or 1)
    for i, f in enumerate(fns):
        if not callable(f):
            raise TypeError(f"{name} must be callable, got {name}[{i}]={f!r}")
    return fns


def _length(num_steps: Any) -> int:
    return check.steps(num_steps, "num_steps")


# --------------------------------------------------------------------------------------
# Callable-driven schedulers
# --------------------------------------------------------------------------------------


def lambda_lr(
    base_lr: PerGroup,
    num_steps: int,
    lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.LambdaLR``: the base lr times ``lr_lambda(t)``.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \cdot \lambda(t)

    `lr_lambda` is any callable of the integer step, or a list with one per
    parameter group (then `base_lr` must be a list of the same length). The
    callable is evaluated once per step, in Python: that is unavoidable for an
    arbitrary function (prefer a native schedule or `schedarray.compat.hf` when
    the lambda is one of the usual shapes). It must return finite numbers.
    ``lr_lambda(0)`` gives update 0 (torch's constructor step), so a warmup
    ``t / W`` trains at lr 0 first, unlike a native warmup from a nonzero `start`.

    Examples
    --------
    >>> lambda_lr(0.1, 4, lambda t: 0.5 ** t)
    array([0.1   , 0.05  , 0.025 , 0.0125])
    """
    n = _length(num_steps)
    groups, p = _per_group({"base_lr": base_lr})
    fns = _callables(lr_lambda, groups, "lr_lambda")
    t = _steps(n, backend).astype(np.int64)
    values = np.empty((t.shape[0], len(fns)))
    for g, (fn, base) in enumerate(zip(fns, p["base_lr"], strict=True)):
        values[:, g] = [base * _call(fn, int(i), "lr_lambda") for i in t]
    return _store(values[:, 0] if groups is None else values, dtype, out)


def multiplicative_lr(
    base_lr: PerGroup,
    num_steps: int,
    lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.MultiplicativeLR``: multiply by ``lr_lambda(t)`` each step.

    .. math:: \mathrm{lr}_0 = \mathrm{base\_lr}, \qquad
              \mathrm{lr}_t = \mathrm{lr}_{t-1} \cdot \lambda(t)

    As in torch, ``lr_lambda(0)`` is never called (the constructor's step keeps
    the base lr), and the running product is formed in the same order, so the
    values match torch bit for bit. The callable is evaluated once per step in
    Python (unavoidable for an arbitrary function); under `schedarray.window`
    the steps before the window are evaluated too, since the product needs them.

    Examples
    --------
    >>> multiplicative_lr(1.0, 4, lambda t: 0.5)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    n = _length(num_steps)
    groups, p = _per_group({"base_lr": base_lr})
    fns = _callables(lr_lambda, groups, "lr_lambda")
    t = _steps(n, backend)
    first, stop = (int(t[0]), int(t[-1]) + 1) if t.shape[0] else (0, 0)
    values = np.empty((t.shape[0], len(fns)))
    for g, (fn, base) in enumerate(zip(fns, p["base_lr"], strict=True)):
        factors = [base] + [_call(fn, i, "lr_lambda") for i in range(1, stop)]
        values[:, g] = np.cumprod(factors)[first:stop]
    return _store(values[:, 0] if groups is None else values, dtype, out)


# --------------------------------------------------------------------------------------
# Closed-form schedulers
# --------------------------------------------------------------------------------------


def step_lr(
    base_lr: PerGroup,
    num_steps: int,
    step_size: int,
    gamma: float = 0.1,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.StepLR``: multiply by `gamma` every `step_size` steps.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \cdot
              \gamma^{\lfloor t / \mathrm{step\_size} \rfloor}

    The first decay is at ``t == step_size``. Native: `schedarray.step` (same
    values). torch accepts ``step_size <= 0`` and then fails or decays every step;
    here it must be >= 1.

    Examples
    --------
    >>> step_lr(1.0, 5, step_size=2, gamma=0.5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    n = _length(num_steps)
    size = check.integer(step_size, "step_size", minimum=1)
    rate = check.nonnegative(gamma, "gamma")
    groups, p = _per_group({"base_lr": base_lr})
    plans = [Builder().exponential(n, b, rate, float(size), True).plan() for b in p["base_lr"]]
    return _render_groups(plans, groups, dtype, out, backend)


def _level_plan(n: int, edges: Sequence[int], levels: Sequence[float]) -> Plan:
    """Constant `levels[k]` from `edges[k-1]` (0 for k = 0) up to `edges[k]`."""
    builder = Builder()
    bounds = [0, *(min(e, n) for e in edges), n]
    for value, a, b in zip(levels, bounds[:-1], bounds[1:], strict=True):
        builder.constant(b - a, value)
    return builder.plan()


def multi_step_lr(
    base_lr: PerGroup,
    num_steps: int,
    milestones: Sequence[int],
    gamma: float = 0.1,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.MultiStepLR``: multiply by `gamma` at each milestone.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \cdot
              \gamma^{\#\{m \in \mathrm{milestones} : m \le t\}}

    A milestone repeated ``k`` times multiplies by ``gamma**k`` at once, as torch's
    ``Counter`` does; milestones may come in any order, and a milestone 0 applies
    from the first update. Each level is formed by torch's own chain of products,
    so the values are bit-identical. Native: `schedarray.multistep`.

    Examples
    --------
    >>> multi_step_lr(1.0, 6, milestones=[2, 4, 4], gamma=0.5)
    array([1.   , 1.   , 0.5  , 0.5  , 0.125, 0.125])
    """
    n = _length(num_steps)
    # Any order (torch counts them): only the items are checked, not their order.
    counts = Counter(check.milestones(milestones, "milestones", strict=False, ordered=False))
    rate = check.nonnegative(gamma, "gamma")
    groups, p = _per_group({"base_lr": base_lr})
    edges = sorted(m for m in counts if 0 < m < n)
    plans = []
    for base in p["base_lr"]:
        level = base * rate ** counts[0] if 0 in counts else base
        levels = [level]
        for m in edges:
            level = level * rate ** counts[m]
            levels.append(level)
        plans.append(_level_plan(n, edges, levels))
    return _render_groups(plans, groups, dtype, out, backend)


def constant_lr(
    base_lr: PerGroup,
    num_steps: int,
    factor: float = 1.0 / 3,
    total_iters: int = 5,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.ConstantLR``: `factor` times the base lr until `total_iters`.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \cdot
              \begin{cases} \mathrm{factor} & t < \mathrm{total\_iters} \\
              1 & t \ge \mathrm{total\_iters} \end{cases}

    The full lr returns at ``t == total_iters`` as torch's ``(lr * factor) *
    (1 / factor)``, bit for bit. Quirks kept: ``total_iters=0`` keeps the factor
    forever (torch's recursion never undoes it), and ``factor=0`` is an error
    when ``total_iters`` falls inside the array (torch divides by zero there:
    `schedarray.errors.ScheduleZeroDivisionError`, a `ZeroDivisionError` and a
    `ValueError`).

    Examples
    --------
    >>> constant_lr(1.0, 4, factor=0.5, total_iters=2)
    array([0.5, 0.5, 1. , 1. ])
    """
    n = _length(num_steps)
    f = check.real(factor, "factor")
    if not 0 <= f <= 1:
        raise ValueError(f"factor must be in [0, 1], got factor={factor!r}")
    total = check.integer(total_iters, "total_iters")
    if f == 0 and 0 < total < n:
        raise ScheduleZeroDivisionError(
            "factor=0 divides by zero when torch restores the lr at total_iters, got "
            f"factor={factor!r}, total_iters={total}, num_steps={n}"
        )
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    for base in p["base_lr"]:
        low = base * f
        if total == 0:
            plans.append(Builder().constant(n, low).plan())
        else:
            plans.append(_level_plan(n, [total], [low, low * (1.0 / f) if f else low]))
    return _render_groups(plans, groups, dtype, out, backend)


def linear_lr(
    base_lr: PerGroup,
    num_steps: int,
    start_factor: float = 1.0 / 3,
    end_factor: float = 1.0,
    total_iters: int = 5,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.LinearLR``: factor linear from `start_factor` to `end_factor`.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr}\left(s + (e - s)
              \frac{\min(t, T)}{T}\right), \quad T = \mathrm{total\_iters}

    The end factor is reached at ``t == T`` (one update later than
    `schedarray.linear` of ``T`` steps would reach it) and held. torch's limits
    apply: ``0 < start_factor <= 1`` and ``0 <= end_factor <= 1``, so a warmup
    cannot start from exactly 0. ``total_iters=0`` keeps `start_factor` forever,
    as torch's recursion does.

    Examples
    --------
    >>> linear_lr(1.0, 6, start_factor=0.25, total_iters=3)
    array([0.25, 0.5 , 0.75, 1.  , 1.  , 1.  ])
    """
    n = _length(num_steps)
    s, e = check.real(start_factor, "start_factor"), check.real(end_factor, "end_factor")
    if not 0 < s <= 1:
        raise ValueError(f"start_factor must be in (0, 1], got start_factor={start_factor!r}")
    if not 0 <= e <= 1:
        raise ValueError(f"end_factor must be in [0, 1], got end_factor={end_factor!r}")
    total = check.integer(total_iters, "total_iters")
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    for base in p["base_lr"]:
        first, last = base * s, base * e
        if total == 0:
            plans.append(Builder().constant(n, first).plan())
            continue
        builder = Builder().add("linear", min(total, n), (first, last, float(total)),
                                pins=((0, first),))
        plans.append(builder.constant(n - min(total, n), last).plan())
    return _render_groups(plans, groups, dtype, out, backend)


def exponential_lr(
    base_lr: PerGroup,
    num_steps: int,
    gamma: float,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.ExponentialLR``: multiply by `gamma` every step.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \cdot \gamma^{t}

    Native: ``schedarray.exponential(n, start=base_lr, rate=gamma)``.

    Examples
    --------
    >>> exponential_lr(1.0, 4, gamma=0.5)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    n = _length(num_steps)
    rate = check.nonnegative(gamma, "gamma")
    groups, p = _per_group({"base_lr": base_lr})
    plans = [Builder().exponential(n, b, rate, 1.0, False).plan() for b in p["base_lr"]]
    return _render_groups(plans, groups, dtype, out, backend)


def polynomial_lr(
    base_lr: PerGroup,
    num_steps: int,
    total_iters: int = 5,
    power: float = 1.0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.PolynomialLR``: polynomial decay to 0 at `total_iters`.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr}
              \left(1 - \frac{\min(t, T)}{T}\right)^{\mathrm{power}}

    The lr is 0 from ``t == T`` on (there is no floor parameter); native:
    ``schedarray.polynomial(T + 1, start=base_lr, power=power)`` followed by zeros.
    ``total_iters=0`` keeps the base lr, as torch's recursion does; a negative
    `power` is an error (torch divides by zero at ``T``).

    Examples
    --------
    >>> polynomial_lr(1.0, 6, total_iters=4, power=2.0)
    array([1.    , 0.5625, 0.25  , 0.0625, 0.    , 0.    ])
    """
    n = _length(num_steps)
    total = check.integer(total_iters, "total_iters")
    pw = check.nonnegative(power, "power")
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    for base in p["base_lr"]:
        if total == 0:
            plans.append(Builder().constant(n, base).plan())
            continue
        size = min(total + 1, n)
        builder = Builder().add("polynomial", size, (base, 0.0, float(total), pw),
                                pins=((0, base),))
        plans.append(builder.constant(n - size, 0.0 if pw > 0 else base).plan())
    return _render_groups(plans, groups, dtype, out, backend)


def cosine_annealing_lr(
    base_lr: PerGroup,
    num_steps: int,
    T_max: int,
    eta_min: float = 0.0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.CosineAnnealingLR``: half cosine to `eta_min` at `T_max`.

    .. math:: \mathrm{lr}_t = \eta_{min} + (\mathrm{base\_lr} - \eta_{min})
              \,\frac{1 + \cos(\pi t / T_{max})}{2}

    Not clamped: past ``T_max`` the lr climbs back to the base over another
    ``T_max`` steps, and so on (period ``2 T_max``), as torch's recursion does.
    ``eta_min`` is reached at ``t == T_max``, one update after where
    ``schedarray.cosine(T_max, ...)`` puts its end. On each rise torch restarts
    its recursion from ``eta_min`` plus a fixed increment; the rise here uses the
    same increment, so it tracks torch's values (not the ideal cosine, from which
    torch's rise drifts by about ``5e-17 T_max^2`` relative). With ``eta_min != 0``
    torch's rise also amplifies its own per-step rounding by a factor growing like
    ``T_max^2``, which no closed form reproduces (below ``1e-13`` relative up to
    ``T_max = 100``, about ``1e-12`` at 400).

    Examples
    --------
    >>> cosine_annealing_lr(1.0, 6, T_max=2)
    array([1. , 0.5, 0. , 0.5, 1. , 0.5])
    """
    n = _length(num_steps)
    period = check.integer(T_max, "T_max", minimum=1)
    eta = check.real(eta_min, "eta_min")
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    for base in p["base_lr"]:
        head = min(period + 1, n)
        builder = Builder().add("cosine", head, (base, eta, float(period), 1.0),
                                pins=((0, base), (period, eta)))
        if n > head:
            # torch at T_max + 1: eta_min + (base - eta_min) (1 - cos(pi / T)) / 2, then
            # the ratio recursion, which telescopes to eta + K (1 + cos(pi t / T)).
            rise = eta + (base - eta) * (1 - math.cos(math.pi / period)) / 2
            k = (rise - eta) / (1 + math.cos(math.pi * (period + 1) / period))
            builder.add("cosine", n - head, (eta + 2 * k, eta, float(period), 1.0),
                        x0=float(period + 1), pins=((0, rise),))
        plans.append(builder.plan())
    return _render_groups(plans, groups, dtype, out, backend)


def cosine_annealing_warm_restarts(
    base_lr: PerGroup,
    num_steps: int,
    T_0: int,
    T_mult: int = 1,
    eta_min: float = 0.0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`` stepped once per update (SGDR).

    Cycle ``i`` lasts ``T_i = T_0 T_mult^i`` steps; inside it, with ``T_cur``
    the steps since the restart,

    .. math:: \mathrm{lr}_t = \eta_{min} + (\mathrm{base\_lr} - \eta_{min})
              \,\frac{1 + \cos(\pi T_{cur} / T_i)}{2}

    so `eta_min` is never reached: each cycle ends one cosine step above it and
    the next restarts at the base lr (native `schedarray.cosine_restarts`
    reaches its end at each cycle's last step). torch's rules apply: `T_0` a
    positive int, `T_mult` an int >= 1. Fractional ``step(epoch)`` calls are not
    modelled; this is the per-update ``step()`` sequence.

    Examples
    --------
    >>> cosine_annealing_warm_restarts(1.0, 6, T_0=2, T_mult=2)
    array([1.        , 0.5       , 1.        , 0.85355339, 0.5       ,
           0.14644661])
    """
    n = _length(num_steps)
    first = check.integer(T_0, "T_0", minimum=1)
    mult = check.integer(T_mult, "T_mult", minimum=1)
    eta = check.real(eta_min, "eta_min")
    groups, p = _per_group({"base_lr": base_lr})
    plans = []
    if mult == 1:  # n // T_0 equal cycles, then one cut short
        full, rest = divmod(n, first)
        spans = np.array([first, rest][(full == 0) : 1 + (rest > 0)], dtype=np.int64)
        counts: Any = np.array([full, 1][(full == 0) : 1 + (rest > 0)], dtype=np.int64)
        periods: Any = float(first)
    else:  # T_0 T_mult^i, the last one cut short
        ends, size = [], first
        while not ends or ends[-1] < n:
            ends.append(min((ends[-1] if ends else 0) + size, n))
            size *= mult
        spans = np.diff(np.array([0, *ends], dtype=np.int64))
        counts, periods = 1, np.array([float(first * mult**i) for i in range(len(ends))])
    for base in p["base_lr"]:
        builder = Builder()
        if first == 1 and mult == 1:
            builder.constant(n, base)  # every step is a restart
        else:
            builder.cycles(spans, counts, [
                Phase("cosine", spans, (base, eta, periods, 1.0), pins=((0, base),))
            ])
        plans.append(builder.plan())
    return _render_groups(plans, groups, dtype, out, backend)


# --------------------------------------------------------------------------------------
# CyclicLR
# --------------------------------------------------------------------------------------


def _cyclic(
    base_lr: PerGroup, num_steps: int, max_lr: PerGroup, step_size_up: float,
    step_size_down: float | None, mode: str, gamma: float,
    scale_fn: Callable[[float], float] | None, scale_mode: str, cycle_momentum: bool,
    base_momentum: PerGroup, max_momentum: PerGroup,
    dtype: DTypeLike, out: Any, backend: Backend, momentum: bool,
) -> FloatArray:
    n = _length(num_steps)
    up = check.positive(step_size_up, "step_size_up")
    down = up if step_size_down is None else check.nonnegative(step_size_down, "step_size_down")
    if scale_fn is None:
        mode = check.choice(mode, "mode", CYCLIC_MODES)
    elif not callable(scale_fn):
        raise TypeError(f"scale_fn must be callable or None, got scale_fn={scale_fn!r}")
    else:
        scale_mode = check.choice(scale_mode, "scale_mode", ("cycle", "iterations"))
    rate = check.nonnegative(gamma, "gamma")
    cycled = check.flag(cycle_momentum, "cycle_momentum")
    groups, p = _per_group({"base_lr": base_lr, "max_lr": max_lr,
                           "base_momentum": base_momentum, "max_momentum": max_momentum})
    if momentum:
        if not cycled:
            raise ValueError("cycle_momentum=False leaves the momentum alone, so there is "
                             "no momentum schedule, got cycle_momentum=False")
        # torch: max_momentum - (max_momentum - base_momentum) * scale
        lows, highs = p["max_momentum"], p["base_momentum"]
    else:
        lows, highs = p["base_lr"], p["max_lr"]
    with np.errstate(divide="ignore", invalid="ignore"):  # step_size_down == 0: a sawtooth
        if scale_fn is None and rate <= 1:
            code = float(CYCLIC_MODES.index(mode))
            plans = [Builder().add("cyclic", n, (lo, hi, up, down, code, rate), pins=((0, lo),))
                     .plan() for lo, hi in zip(lows, highs, strict=True)]
            return _render_groups(plans, groups, dtype, out, backend)
        # An arbitrary scale_fn (or exp_range growing past max_lr): the triangle comes
        # from the same plan kind, the scale is applied per step as torch does.
        tri = render(Builder().add("cyclic", n, (0.0, 1.0, up, down, 0.0, 1.0)).plan(),
                     np.float64, None, backend)
    t = _steps(n, backend)
    if scale_fn is None:
        scale = np.power(rate, t) if mode == "exp_range" else np.ones_like(t)
        if mode == "triangular2":
            scale = 1 / 2.0 ** (np.floor(1 + t / (up + down)) - 1)
    elif scale_mode == "cycle":
        cycles, where = np.unique(np.floor(1 + t / (up + down)), return_inverse=True)
        scale = np.array([_call(scale_fn, int(c), "scale_fn") for c in cycles])[where]
    else:
        scale = np.array([_call(scale_fn, int(i), "scale_fn") for i in t])
    values = np.empty((t.shape[0], len(lows)))
    for g, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
        # torch's base + ((max - base) * s) * scale; for the momentum max - ((max - base) * s)
        # * scale, the same numbers since negation is exact.
        values[:, g] = lo + ((hi - lo) * tri) * scale
    return _store(values[:, 0] if groups is None else values, dtype, out)


def cyclic_lr(
    base_lr: PerGroup,
    num_steps: int,
    max_lr: PerGroup,
    step_size_up: float = 2000,
    step_size_down: float | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: PerGroup = 0.8,
    max_momentum: PerGroup = 0.9,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.CyclicLR``: a triangle wave between `base_lr` and `max_lr`.

    With ``total = up + down``, ``cycle = floor(1 + t / total)``,
    ``x = 1 + t / total - cycle`` and ``r = up / total``,

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} + (\mathrm{max\_lr} - \mathrm{base\_lr})
              \, s(x)\, \mathrm{scale}, \quad
              s(x) = \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r \end{cases}

    where ``scale`` is 1 (``"triangular"``), ``2^{1-cycle}`` (``"triangular2"``),
    ``gamma^t`` (``"exp_range"``) or ``scale_fn(cycle)`` / ``scale_fn(t)`` (per
    `scale_mode`). Here `base_lr` is CyclicLR's own parameter (torch overwrites
    the optimizer's lr with it). A custom `scale_fn` is a Python callable: it is
    evaluated once per cycle (``scale_mode="cycle"``) or once per step. The
    momentum parameters do not change the lr; they are accepted so that the same
    arguments give the momentum array through `cyclic_lr_momentum`. Native:
    `schedarray.cyclic`.

    Examples
    --------
    >>> cyclic_lr(0.0, 7, max_lr=1.0, step_size_up=2, mode="triangular2")
    array([0.  , 0.5 , 1.  , 0.5 , 0.  , 0.25, 0.5 ])
    """
    return _cyclic(base_lr, num_steps, max_lr, step_size_up, step_size_down, mode, gamma,
                   scale_fn, scale_mode, cycle_momentum, base_momentum, max_momentum,
                   dtype, out, backend, momentum=False)


def cyclic_lr_momentum(
    base_lr: PerGroup,
    num_steps: int,
    max_lr: PerGroup,
    step_size_up: float = 2000,
    step_size_down: float | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: PerGroup = 0.8,
    max_momentum: PerGroup = 0.9,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The momentum (or Adam's ``beta1``) that ``CyclicLR`` sets, for the same arguments.

    .. math:: m_t = \mathrm{max\_momentum} - (\mathrm{max\_momentum} -
              \mathrm{base\_momentum})\, s(x)\, \mathrm{scale}

    with ``s`` and ``scale`` as in `cyclic_lr`: the momentum moves opposite to
    the lr. ``cycle_momentum=False`` is an error (torch then leaves the momentum
    alone).

    Examples
    --------
    >>> cyclic_lr_momentum(0.0, 5, max_lr=1.0, step_size_up=2)
    array([0.9 , 0.85, 0.8 , 0.85, 0.9 ])
    """
    return _cyclic(base_lr, num_steps, max_lr, step_size_up, step_size_down, mode, gamma,
                   scale_fn, scale_mode, cycle_momentum, base_momentum, max_momentum,
                   dtype, out, backend, momentum=True)


# --------------------------------------------------------------------------------------
# OneCycleLR
# --------------------------------------------------------------------------------------


def _one_cycle_phases(
    total: int, pct_start: float, three_phase: bool
) -> list[tuple[float, str, str, str, str]]:
    """OneCycleLR's phases: (end_step, start_lr, end_lr, start_momentum, end_momentum)."""
    if three_phase:
        return [
            (float(pct_start * total) - 1, "initial", "max", "max_m", "base_m"),
            (float(2 * pct_start * total) - 2, "max", "initial", "base_m", "max_m"),
            (float(total - 1), "initial", "min", "max_m", "max_m"),
        ]
    return [
        (float(pct_start * total) - 1, "initial", "max", "max_m", "base_m"),
        (float(total - 1), "max", "min", "base_m", "max_m"),
    ]


def _anneal(strategy: str, start: float, end: float, pct: float) -> float:
    """The ``_annealing_cos`` / ``_annealing_linear``, for single steps."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def _one_cycle(
    max_lr: PerGroup, total_steps: int | None, epochs: int | None, steps_per_epoch: int | None,
    pct_start: float, anneal_strategy: str, cycle_momentum: bool, base_momentum: PerGroup,
    max_momentum: PerGroup, div_factor: float, final_div_factor: float, three_phase: bool,
    num_steps: int | None, dtype: DTypeLike, out: Any, backend: Backend, momentum: bool,
) -> FloatArray:
    if total_steps is not None:
        total = check.integer(total_steps, "total_steps", minimum=1)
    elif epochs is not None and steps_per_epoch is not None:
        total = (check.integer(epochs, "epochs", minimum=1)
                 * check.integer(steps_per_epoch, "steps_per_epoch", minimum=1))
    else:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch), "
                         f"got total_steps=None, epochs={epochs!r}, "
                         f"steps_per_epoch={steps_per_epoch!r}")
    n = total if num_steps is None else _length(num_steps)
    if n > total + 1:
        # torch allows step() to reach last_epoch == total_steps, and raises one later.
        raise ValueError(f"Tried to step {total + 1} times. "
                         f"The specified number of total steps is {total} "
                         f"(num_steps must be <= total_steps + 1, got num_steps={n}, "
                         f"total_steps={total})")
    pct = check.fraction(pct_start, "pct_start")
    strategy = check.choice(anneal_strategy, "anneal_strategy", ("cos", "linear"))
    three = check.flag(three_phase, "three_phase")
    if not check.flag(cycle_momentum, "cycle_momentum") and momentum:
        raise ValueError("cycle_momentum=False leaves the momentum alone, so there is "
                         "no momentum schedule, got cycle_momentum=False")
    div, final_div = check.real(div_factor, "div_factor"), check.real(final_div_factor,
                                                                         "final_div_factor")
    if div == 0 or final_div == 0:
        raise ValueError("div_factor and final_div_factor must be nonzero, got "
                         f"div_factor={div_factor!r}, final_div_factor={final_div_factor!r}")
    groups, p = _per_group({"max_lr": max_lr, "base_momentum": base_momentum,
                           "max_momentum": max_momentum})
    phases = _one_cycle_phases(total, pct, three)
    kind = "cosine" if strategy == "cos" else "linear"
    plans = []
    for g in range(groups or 1):
        initial = p["max_lr"][g] / div
        level = {"initial": initial, "max": p["max_lr"][g], "min": initial / final_div,
                 "base_m": p["base_momentum"][g], "max_m": p["max_momentum"][g]}
        builder, at, start_step = Builder(), 0, 0.0
        for i, (end_step, lr0, lr1, m0, m1) in enumerate(phases):
            last = i == len(phases) - 1
            stop = n if last else min(n, max(at, math.floor(end_step) + 1))
            a, b = (level[m0], level[m1]) if momentum else (level[lr0], level[lr1])
            span = end_step - start_step
            if stop > at and span == 0:
                raise ScheduleZeroDivisionError(
                    f"phase {i} of this OneCycleLR has zero length (torch divides by zero at "
                    f"step {at}), got total_steps={total}, pct_start={pct_start!r}, "
                    f"three_phase={three}"
                )
            # Steps whose progress lies in [0, 1] share one piece; others (the step at
            # total_steps, where torch's last phase runs past its end, or every step of a
            # phase that ends before it starts, as three_phase's last with pct_start near
            # 1: torch extrapolates its line there) are single values.
            lo = hi = at
            if span > 0:
                lo = max(at, min(stop, math.ceil(start_step)))
                hi = max(lo, min(stop, math.floor(end_step) + 1))
            for t in range(at, lo):
                builder.constant(1, _anneal(strategy, a, b, (t - start_step) / span))
            if hi > lo:
                params = (a, b, span, 1.0) if kind == "cosine" else (a, b, span)
                builder.add(kind, hi - lo, params, x0=lo - start_step)
            for t in range(hi, stop):
                builder.constant(1, _anneal(strategy, a, b, (t - start_step) / span))
            at, start_step = stop, end_step
        plans.append(builder.plan())
    return _render_groups(plans, groups, dtype, out, backend)


def one_cycle_lr(
    max_lr: PerGroup,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: PerGroup = 0.85,
    max_momentum: PerGroup = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.OneCycleLR``: the 1cycle policy, phase by phase as torch does.

    From ``initial = max_lr / div_factor`` up to `max_lr`, then down to
    ``min = initial / final_div_factor`` (with `three_phase`: back to
    ``initial`` first, then to ``min``). Phase ``k`` ends at torch's float step
    ``e_k`` (``pct_start * N - 1``, [``2 pct_start N - 2``,] ``N - 1`` with
    ``N = total_steps``), and inside it, with ``p = (t - e_{k-1}) / (e_k -
    e_{k-1})``, the value anneals by ``end + (start - end)(1 + cos(pi p)) / 2``
    (``"cos"``) or ``start + (end - start) p`` (``"linear"``).

    The optimizer's lr is not read (no `base_lr`). The array has `num_steps`
    entries, by default ``N``; torch can be stepped once more, to
    ``t == N`` (where the last phase runs past its end), so ``num_steps = N + 1``
    is allowed, and anything longer raises torch's own ``ValueError("Tried to
    step N+1 times. ...")``. Where torch divides by zero (a phase of zero length
    that a step falls in, e.g. ``pct_start * N == 1``) this raises
    `schedarray.errors.ScheduleZeroDivisionError` (a `ValueError` too).
    Unlike torch, an int `pct_start` is accepted. Native: `schedarray.one_cycle`,
    whose landmarks sit on whole steps. The momentum is `one_cycle_lr_momentum`.

    Examples
    --------
    >>> one_cycle_lr(1.0, total_steps=5, pct_start=0.4, anneal_strategy="linear",
    ...              div_factor=4.0, final_div_factor=2.5)
    array([0.25, 1.  , 0.7 , 0.4 , 0.1 ])
    """
    return _one_cycle(max_lr, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy,
                      cycle_momentum, base_momentum, max_momentum, div_factor,
                      final_div_factor, three_phase, num_steps, dtype, out, backend,
                      momentum=False)


def one_cycle_lr_momentum(
    max_lr: PerGroup,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: PerGroup = 0.85,
    max_momentum: PerGroup = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The momentum (or Adam's ``beta1``) that ``OneCycleLR`` sets, for the same arguments.

    It anneals from `max_momentum` to `base_momentum` while the lr rises, and
    back while it falls (with `three_phase`, it then holds `max_momentum`), over
    the same phases as `one_cycle_lr`. ``cycle_momentum=False`` is an error.
    Native: `schedarray.one_cycle_momentum`.

    Examples
    --------
    >>> one_cycle_lr_momentum(1.0, total_steps=5, pct_start=0.4, anneal_strategy="linear")
    array([0.95      , 0.85      , 0.88333333, 0.91666667, 0.95      ])
    """
    return _one_cycle(max_lr, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy,
                      cycle_momentum, base_momentum, max_momentum, div_factor,
                      final_div_factor, three_phase, num_steps, dtype, out, backend,
                      momentum=True)


# --------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------


def _schedule_array(value: Any, name: str) -> NDArray[np.floating]:
    return check.values(value, name, ndims=(1, 2))


def _segment(part: Any, n: int, lo: int, hi: int, name: str, where: str
             ) -> NDArray[np.floating]:
    """Steps ``[lo, hi)`` of a part that must cover `n` steps: an array or ``part(n)``.

    A callable is called under `schedarray.window` (an empty window when
    ``lo == hi``), so a schedarray schedule or composition computes only those
    steps; a callable that ignores the window returns its whole array, which
    is sliced.
    """
    if callable(part):
        result, windowed = steps_of(part, n, lo, hi)
        arr = _schedule_array(result, name)
        if windowed:
            return arr
    else:
        arr = _schedule_array(part, name)
    if arr.shape[0] < n:
        raise ValueError(f"{name} must cover its {n} steps ({where}), "
                         f"got len({name})={arr.shape[0]}")
    return arr[lo:hi]


@takes_parts("schedulers")
def sequential_lr(
    schedulers: Sequence[ArrayLike | Callable[[int], ArrayLike]],
    milestones: Sequence[int],
    num_steps: int | None = None,
    *,
    dtype: DTypeLike | None = None,
    out: Any = None,
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.SequentialLR``: each schedule takes over at its milestone.

    Scheduler ``k`` runs on its own clock from its own step 0 at milestone
    ``m_{k-1}`` (0 for the first), as torch restarts it there:

    .. math:: \mathrm{lr}_t = S_k[t - m_{k-1}], \quad m_{k-1} \le t < m_k

    Each entry of `schedulers` is an array (1-D, or 2-D steps x groups) made
    with the same `base_lr`, e.g. by the functions of this module, or a callable
    that is given its segment's length and returns such an array. Arrays must
    cover their segment; extra steps are unused, as in torch. The result has
    `num_steps` steps, by default the last milestone plus the last array's
    length (or ``len()`` of the last callable, if it has one: a spec's part).
    ``len(milestones) == len(schedulers) - 1``, non-decreasing; a repeated
    milestone skips a scheduler, as in torch.

    One torch quirk is not reproduced: a ``MultiplicativeLR`` taking over at a
    milestone starts from the previous lr times ``lr_lambda(0)``, not from
    ``base_lr``. Under `schedarray.window` only the window's steps are computed:
    a callable is called under the window too (an empty one when its segment
    lies outside), so it must index like a schedule, ``window(f, a, b, n) ==
    f(n)[a:b]`` — every schedarray schedule and composition does; a callable
    that ignores the window is sliced.

    Joining arrays does not reproduce torch's float path either. When every
    entry is a *spec*, ``functools.partial(<function of this module>, base_lr,
    **params)`` (no ``num_steps``), the schedulers are instead stepped exactly
    as torch's ``SequentialLR`` steps them (its ``recursive_undo``, each
    scheduler's recursive ``get_lr``, ``_get_closed_form_lr`` at a milestone),
    so the values are torch's own, bit for bit, quirk included; `num_steps` is
    then required. That path is a recurrence: under `schedarray.window` it runs
    from step 0 and returns the window's steps.

    Examples
    --------
    >>> warmup = linear_lr(1.0, 2, start_factor=0.5, total_iters=2)
    >>> sequential_lr([warmup, lambda n: cosine_annealing_lr(1.0, n, T_max=2)], [2], 5)
    array([0.5 , 0.75, 1.  , 0.5 , 0.  ])
    """
    if isinstance(schedulers, (str, bytes)) or not isinstance(schedulers, Sequence):
        raise TypeError(f"schedulers must be a sequence, got schedulers={schedulers!r}")
    if len(schedulers) < 1:
        raise ValueError("schedulers must hold at least one schedule, got none")
    if _sim.is_spec_list(schedulers, _functions()):
        return _sequential_specs(schedulers, milestones, num_steps, dtype, out)
    marks = check.milestones(milestones, "milestones", strict=False)
    if len(marks) != len(schedulers) - 1:
        raise ValueError(
            "milestones must have one entry fewer than schedulers, got "
            f"len(milestones)={len(marks)}, len(schedulers)={len(schedulers)}"
        )
    last = schedulers[-1]
    if num_steps is None:
        if callable(last) and not hasattr(last, "__len__"):
            raise ValueError("num_steps is required when the last scheduler is a callable, "
                             "got num_steps=None")
        steps = len(last) if callable(last) else _schedule_array(last, "schedulers[-1]").shape[0]
        n = (marks[-1] if marks else 0) + steps
    else:
        n = _length(num_steps)
    start, stop = span(n)
    bounds = [0, *(min(m, n) for m in marks), n]
    parts = []
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        if b <= a:
            continue
        lo, hi = min(max(start, a), b) - a, max(min(stop, b), a) - a
        arr = _segment(schedulers[k], b - a, lo, hi, f"schedulers[{k}]",
                       f"from step {a} to {b}")
        parts.append((a + lo, arr))
    ndims = {arr.shape[1:] for _, arr in parts}
    if len(ndims) > 1:
        raise ValueError(f"schedulers must all have the same number of groups, got shapes "
                         f"{sorted(arr.shape[1:] for _, arr in parts)}")
    tail = ndims.pop()
    kind = dtype if dtype is not None else (
        out.dtype if isinstance(out, np.ndarray) else np.result_type(*(a for _, a in parts)))
    buf = check.prepare_out((stop - start, *tail), kind, out)
    # Read parts that overlap `out` before writing anything.
    parts = [(a, arr.copy() if np.may_share_memory(arr, buf) else arr) for a, arr in parts]
    for a, arr in parts:
        buf[a - start : a - start + arr.shape[0]] = arr
    return buf


def chained_scheduler(
    schedulers: Sequence[ArrayLike],
    base_lr: PerGroup,
    *,
    num_steps: int | None = None,
    dtype: DTypeLike | None = None,
    out: Any = None,
) -> FloatArray:
    r"""``torch.optim.lr_scheduler.ChainedScheduler``: every scheduler's factor, applied together.

    .. math:: \mathrm{lr}_t = \mathrm{base\_lr} \prod_k \frac{S_k[t]}{\mathrm{base\_lr}}

    Each entry of `schedulers` is an array of the same length (1-D, or 2-D steps
    x groups) made with the same `base_lr`. This is exactly torch's chain for
    the schedulers that multiply the current lr each step: ``StepLR``,
    ``MultiStepLR``, ``ConstantLR``, ``LinearLR``, ``ExponentialLR``,
    ``PolynomialLR``, ``MultiplicativeLR`` and ``CosineAnnealingLR`` with
    ``eta_min=0`` up to ``T_max``. It is not torch's result for schedulers that
    overwrite the lr (``LambdaLR``, ``CyclicLR``, ``OneCycleLR``,
    ``CosineAnnealingWarmRestarts``: torch drops the factors of those before
    them), for ``CosineAnnealingLR`` with ``eta_min != 0`` (its step is affine,
    not a factor) or past ``T_max`` (torch restarts its rise from ``base_lr``
    there, dropping the other factors), nor torch's float rounding where a
    step is affine (up to ``1.5e-9`` of the largest value).

    For torch's exact values in every case, give *specs* instead of arrays:
    ``functools.partial(<function of this module>, **params)`` without
    ``base_lr`` and ``num_steps`` (e.g. ``partial(cosine_annealing_lr,
    T_max=10, eta_min=0.1)``), and `num_steps`. The schedulers are then
    constructed and stepped as torch does (each constructor's step, then every
    scheduler's recursive ``get_lr`` on the lr the previous one left, ``initial_lr``
    shared through the optimizer), in one Numba loop: bit for bit torch's
    values for every combination, `swalr` included. A user's ``lr_lambda`` or
    ``scale_fn`` is called once per step beforehand.

    Examples
    --------
    >>> chained_scheduler([constant_lr(1.0, 4, factor=0.1, total_iters=2),
    ...                    exponential_lr(1.0, 4, gamma=0.9)], 1.0)
    array([0.1  , 0.09 , 0.81 , 0.729])
    >>> from functools import partial
    >>> chained_scheduler([partial(constant_lr, factor=0.1, total_iters=2),
    ...                    partial(exponential_lr, gamma=0.9)], 1.0, num_steps=4)
    array([0.1  , 0.09 , 0.81 , 0.729])
    """
    if isinstance(schedulers, (str, bytes)) or not isinstance(schedulers, Sequence):
        raise TypeError(f"schedulers must be a sequence of arrays, got schedulers={schedulers!r}")
    if len(schedulers) < 1:
        raise ValueError("schedulers must hold at least one schedule, got none")
    if _sim.is_spec_list(schedulers, _functions()):
        return _chained_specs(schedulers, base_lr, num_steps, dtype, out)
    if num_steps is not None:
        raise ValueError("num_steps is for schedulers given as functools.partial specs (arrays "
                         f"set their own length), got num_steps={num_steps!r}")
    arrays = [_schedule_array(s, f"schedulers[{k}]") for k, s in enumerate(schedulers)]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"schedulers must all have the same shape, got shapes "
                         f"{[a.shape for a in arrays]}")
    shape = shapes.pop()
    groups, p = _per_group({"base_lr": base_lr})
    if (groups is None) != (len(shape) == 1) or (groups is not None and shape[1] != groups):
        raise ValueError(f"base_lr must have one value per column of the schedules, got "
                         f"base_lr={base_lr!r} for schedules of shape {shape}")
    bases = np.array(p["base_lr"]) if groups is not None else p["base_lr"][0]
    if np.any(bases == 0):
        raise ValueError(f"base_lr must be nonzero to form factors, got base_lr={base_lr!r}")
    kind = dtype if dtype is not None else (
        out.dtype if isinstance(out, np.ndarray) else np.result_type(*arrays))
    start, stop = span(shape[0])
    result = arrays[0][start:stop].astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for a in arrays[1:]:
            result = result * (a[start:stop] / bases)
    if result.size:
        check.fits(*check.extremes(result), check.store_dtype(kind, out))
    buf = check.prepare_out((stop - start, *shape[1:]), kind, out)
    buf[...] = result
    return buf


# --------------------------------------------------------------------------------------
# Specs stepped as torch steps them (chains, SequentialLR, SWALR)
# --------------------------------------------------------------------------------------


def _functions() -> dict[str, Callable[..., Any]]:
    """The functions a spec may name, and the SWALR argument check."""
    found = {name: globals()[name] for name in _sim.KINDS}
    found["_swalr_args"] = _swalr_args
    return found


def _result_dtype(dtype: DTypeLike | None, out: Any) -> DTypeLike:
    """The dtype asked for, else `out`'s, else float64."""
    if dtype is not None:
        return dtype
    return out.dtype if isinstance(out, np.ndarray) else np.float64


def _spec_result(
    values: NDArray[np.float64], dtype: DTypeLike | None, out: Any
) -> FloatArray:
    start, stop = span(values.shape[0])
    return _store(values[start:stop], _result_dtype(dtype, out), out)


def _optimizer_lr(specs: Sequence[_sim.Spec], base_lr: Any) -> Any:
    """The optimizer's lr: `base_lr`, or the one the specs bind (they must agree)."""
    bound = [s.args["base_lr"] for s in specs
             if s.kind != "cyclic_lr" and s.args.get("base_lr") is not None]
    given = [base_lr] if base_lr is not None else []
    values = given + bound
    for v in values[1:]:
        if not np.array_equal(np.asarray(v, dtype=float), np.asarray(values[0], dtype=float)):
            raise ValueError("the schedulers share one optimizer, so every base_lr must be the "
                             f"same, got base_lr={values[0]!r} and base_lr={v!r}")
    return values[0] if values else None


def _specs_of(
    entries: Sequence[Any], num_steps: int | None
) -> tuple[int, dict[str, Callable[..., Any]], list[_sim.Spec]]:
    """The length, the functions a spec may name, and the specs of a spec chain."""
    if num_steps is None:
        raise ValueError("num_steps is required when the schedulers are specs, got "
                         "num_steps=None")
    functions = _functions()
    return _length(num_steps), functions, [_sim.as_spec(e, functions) for e in entries]


def _chained_specs(
    entries: Sequence[Any], base_lr: PerGroup, num_steps: int | None,
    dtype: DTypeLike | None, out: Any,
) -> FloatArray:
    n, functions, specs = _specs_of(entries, num_steps)
    lr = _optimizer_lr(specs, base_lr)
    return _spec_result(_sim.simulate(specs, lr, n, functions), dtype, out)


def _sequential_specs(
    entries: Sequence[Any], milestones: Sequence[int], num_steps: int | None,
    dtype: DTypeLike | None, out: Any,
) -> FloatArray:
    marks = check.milestones(milestones, "milestones", strict=False)
    if len(marks) != len(entries) - 1:
        raise ValueError(
            "milestones must have one entry fewer than schedulers, got "
            f"len(milestones)={len(marks)}, len(schedulers)={len(entries)}"
        )
    n, functions, specs = _specs_of(entries, num_steps)
    lr = _optimizer_lr(specs, None)
    values = _sim.simulate(specs, lr, n, functions, milestones=marks)
    return _spec_result(values, dtype, out)


def _swalr_args(swa_lr: PerGroup, anneal_epochs: int, anneal_strategy: str) -> None:
    """The checks of torch's SWALR, with its messages."""
    if not (isinstance(anneal_strategy, str) and anneal_strategy in ("cos", "linear")):
        raise ValueError("anneal_strategy must be one of 'cos' or 'linear', "
                         f"instead got anneal_strategy={anneal_strategy!r}")
    if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, (int, np.integer)) \
            or anneal_epochs < 0:
        raise ValueError("anneal_epochs must be an int equal or greater than 0, got "
                         f"anneal_epochs={anneal_epochs!r}")
    _per_group({"swa_lr": swa_lr})


def swalr(
    base_lr: PerGroup,
    num_steps: int,
    swa_lr: PerGroup,
    anneal_epochs: int = 10,
    anneal_strategy: str = "cos",
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""``torch.optim.swa_utils.SWALR``: anneal from the current lr to `swa_lr`, then hold it.

    `base_lr` is the lr the optimizer holds when SWALR is constructed (for
    SWALR after another schedule, see `swa_recipe`); ``result[k]`` is the lr
    after ``k`` calls of ``step()``. With ``a(s) = (1 - cos(pi s)) / 2``
    (``"cos"``) or ``a(s) = s`` (``"linear"``) and ``A = anneal_epochs``,

    .. math:: \mathrm{lr}_k = a(k / A)\, \mathrm{swa\_lr}
              + (1 - a(k / A))\, \mathrm{base\_lr}, \qquad
              \mathrm{lr}_k = \mathrm{swa\_lr} \ (k \ge A)

    computed as torch does, by undoing the previous step's blend and blending
    again (``_get_initial_lr``), so the values equal torch's bit for bit (one
    Numba loop over the ``A`` annealing steps). ``anneal_epochs=0`` sets
    `swa_lr` already in the constructor, as torch does. `swa_lr` may be one
    value per group (then `base_lr` too, or a scalar for all).

    Resuming: torch's ``state_dict`` holds ``_step_count`` and the optimizer's
    holds the current lr and ``swa_lr``; a new SWALR loaded from them
    continues exactly where the saved one stopped, so the resumed values are
    this array from the restored step on. A SWALR rebuilt without the
    optimizer's state restarts its annealing from the lr it finds.

    Examples
    --------
    >>> swalr(1.0, 5, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
    array([1.  , 0.75, 0.5 , 0.5 , 0.5 ])
    """
    n = _length(num_steps)
    check.backend(backend)
    _swalr_args(swa_lr, anneal_epochs, anneal_strategy)
    spec = _sim.Spec("swalr", {"swa_lr": swa_lr, "anneal_epochs": int(anneal_epochs),
                                 "anneal_strategy": anneal_strategy})
    head = min(n, int(anneal_epochs) + 2)  # from step anneal_epochs on the lr is swa_lr
    values = _sim.simulate([spec], base_lr, head, _functions())
    start, stop = span(n)  # the window asked for: the held tail only as long as it
    kind = _result_dtype(dtype, out)
    check.fits(*check.extremes(values), check.store_dtype(kind, out))
    buf = check.prepare_out((stop - start, *values.shape[1:]), kind, out)
    annealing = max(0, min(stop, head) - start)  # window steps before the held tail
    buf[:annealing] = values[start : start + annealing]
    buf[annealing:] = values[-1]
    return buf


def swa_recipe(
    scheduler: ArrayLike | Callable[..., ArrayLike],
    swa_start: int,
    swa_lr: PerGroup,
    anneal_epochs: int = 10,
    anneal_strategy: str = "cos",
    *,
    num_steps: int,
    base_lr: PerGroup | None = None,
    dtype: DTypeLike | None = None,
    out: Any = None,
) -> FloatArray:
    r"""The SWA recipe of torch: `scheduler` until `swa_start`, then ``SWALR``.

    The loop of ``torch.optim.swa_utils``' documentation, with both schedulers
    built before it::

        scheduler = ...                          # e.g. CosineAnnealingLR
        swa_scheduler = SWALR(optimizer, swa_lr, anneal_epochs, anneal_strategy)
        for i in range(num_steps):
            train(...)                           # uses result[i]
            if i > swa_start:
                swa_scheduler.step()
            else:
                scheduler.step()

    so ``result[t]`` is `scheduler`'s value up to ``t = swa_start + 1``, and
    from there SWALR anneals from that value to `swa_lr`. `scheduler` is a
    spec, ``functools.partial(<function of this module>, **params)`` (then
    `base_lr` is the optimizer's lr and both run on torch's arithmetic,
    bit for bit), or the array of its values (1-D, or 2-D steps x groups) covering
    ``swa_start + 2`` steps. With an array, ``anneal_epochs=0`` is an error:
    then torch's SWALR sets `swa_lr` in its constructor, before `scheduler`'s
    own steps, which continue from it, and only a spec can follow that.

    Examples
    --------
    >>> swa_recipe(exponential_lr(1.0, 4, gamma=0.5), 1, swa_lr=0.05, anneal_epochs=2,
    ...            anneal_strategy="linear", num_steps=6)
    array([1.  , 0.5 , 0.25, 0.15, 0.05, 0.05])
    """
    n = _length(num_steps)
    start = check.integer(swa_start, "swa_start")
    _swalr_args(swa_lr, anneal_epochs, anneal_strategy)
    functions = _functions()
    spec = _sim.as_spec(scheduler, functions)
    swa = _sim.Spec("swalr", {"swa_lr": swa_lr, "anneal_epochs": int(anneal_epochs),
                                "anneal_strategy": anneal_strategy})
    if spec is not None:
        who = np.array([0 if i <= start else 1 for i in range(n - 1)], dtype=np.int64)
        lr = _optimizer_lr([spec], base_lr)
        values = _sim.simulate([spec, swa], lr, n, functions, who=who)
        return _spec_result(values, dtype, out)
    if anneal_epochs == 0:
        raise ValueError("anneal_epochs=0 makes SWALR set swa_lr in its constructor, before "
                         "the scheduler's own steps: give the scheduler as a "
                         "functools.partial spec, got an array and anneal_epochs=0")
    arr = _schedule_array(scheduler, "scheduler")
    groups, _ = _per_group({"swa_lr": swa_lr})
    if groups is not None and arr.ndim == 1:  # one schedule for every group, per-group swa_lr
        arr = np.repeat(arr[:, None], groups, axis=1)
    elif groups is not None and arr.shape[1] != groups:
        raise ValueError("swa_lr must have one value per column of scheduler (a group), got "
                         f"len(swa_lr)={groups}, scheduler.shape={arr.shape}")
    head = min(n, start + 2)
    if arr.shape[0] < head:
        raise ValueError(f"scheduler must cover the {head} steps before SWALR takes over, "
                         f"got len(scheduler)={arr.shape[0]}")
    values = np.empty((n, *arr.shape[1:]))
    values[:head] = arr[:head]
    if n > head:
        first = arr[head - 1]
        with unwindowed():  # the whole tail: the window is taken of the result
            tail = swalr(first.tolist() if first.ndim else float(first), n - head + 1,
                         swa_lr, anneal_epochs, anneal_strategy)
        values[head - 1:] = tail
    return _spec_result(values, dtype, out)


check.publish(globals())
