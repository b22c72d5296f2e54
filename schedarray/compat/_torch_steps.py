"""torch's lr schedulers stepped as torch steps them: its recursive ``get_lr``, in one kernel.

A standalone torch scheduler has a closed form (the arrays of
`schedarray.compat.torch`), but a *chain* does not: ``ChainedScheduler`` and
``SequentialLR`` let each scheduler's ``get_lr`` act on the lr the others left
in the optimizer, and ``CosineAnnealingLR(eta_min != 0)``, ``SWALR`` and the
rise of ``CosineAnnealingLR`` past ``T_max`` are affine recursions, whose
float rounding no product of closed forms reproduces (1.5e-9 of the largest
value, measured for a cosine chained with an exponential). This module runs
torch's own arithmetic instead: every scheduler's ``get_lr`` (torch 2.13,
``torch/optim/lr_scheduler.py`` and ``swa_utils.py``) transcribed operation
for operation into one Numba loop over the steps, with the constructor steps,
the shared ``param_group`` state (``initial_lr``, ``max_lr``/``min_lr`` of
``OneCycleLR``, ``swa_lr`` of ``SWALR``) and ``SequentialLR``'s
``recursive_undo`` and ``_update_lr(0)`` at a milestone. O(steps x
schedulers), no per-step Python (a user's ``lr_lambda`` or ``scale_fn`` is
evaluated once per step beforehand, as torch does). ``cos`` and ``**`` are
the ``libm`` functions Python calls, so the values are torch's, bit for bit
(up to the platform's ``libm``).

A scheduler is described by a `Spec`: the compat function (its kind) and its
bound arguments, from ``functools.partial(compat.torch.<function>, **params)``.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _check as check
from .._plan import unwindowed
from ..errors import ScheduleZeroDivisionError

#: Private: nothing public here (schedarray.compat lists public functions by __all__).
__all__: list[str] = []

# Kinds (the order of KINDS) and the width of a parameter row.
KINDS = ("step_lr", "multi_step_lr", "constant_lr", "linear_lr", "exponential_lr",
         "polynomial_lr", "cosine_annealing_lr", "lambda_lr", "multiplicative_lr",
         "cyclic_lr", "one_cycle_lr", "cosine_annealing_warm_restarts", "swalr")
(STEP, MULTISTEP, CONSTANT, LINEAR, EXPONENTIAL, POLYNOMIAL, COSINE, LAMBDA,
 MULTIPLICATIVE, CYCLIC, ONECYCLE, WARM, SWALR) = range(len(KINDS))
WIDTH = 16

#: Status codes of the kernel.
OK, ZERO_DIVISION, ONE_CYCLE_PAST_END = 0, 1, 2


#: Arguments the chain sets, never a scheduler's own.
_CHAIN_SET = ("num_steps", "dtype", "out", "backend")


@dataclass(frozen=True)
class Spec:
    """One torch scheduler: its kind and its arguments (anchor names, defaults filled in)."""

    kind: str
    args: dict[str, Any]


def as_spec(entry: Any, functions: dict[str, Callable[..., Any]]) -> Spec | None:
    """The `Spec` of ``functools.partial(<compat.torch function>, ...)``, else None."""
    if not isinstance(entry, functools.partial):
        return None
    name = getattr(entry.func, "__name__", None)
    if name not in KINDS or functions.get(name) is not entry.func:
        return None
    sig = inspect.signature(entry.func)
    try:
        bound = sig.bind_partial(*entry.args, **entry.keywords)
    except TypeError as exc:
        raise TypeError(f"functools.partial({name}, ...) has arguments {name} does not take: "
                        f"{exc}") from None
    for name_ in _CHAIN_SET:
        if name_ in bound.arguments:
            raise ValueError(f"a scheduler in a chain must not bind {name_} (the chain sets "
                             f"it), got functools.partial({name}, {name_}=...)")
    args = {k: p.default for k, p in sig.parameters.items()
            if p.default is not inspect.Parameter.empty and k not in _CHAIN_SET}
    args.update(bound.arguments)
    return Spec(name, args)


def is_spec_list(entries: Any, functions: dict[str, Callable[..., Any]]) -> bool:
    """True when `entries` is a non-empty sequence of scheduler specs only."""
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence) or not entries:
        return False
    return all(as_spec(e, functions) is not None for e in entries)


# ----------------------------------------------------------------------------- parameters


def _rows(spec: Spec, k: int, n: int, groups: int, base_lr: Any,
          functions: dict[str, Callable[..., Any]]) -> tuple[NDArray, NDArray]:
    """Parameter rows (groups x WIDTH) and factor rows (groups x (n + 1)) of one scheduler."""
    from .torch import _call, _callables, _per_group

    a, kind = spec.args, spec.kind
    where = f"schedulers[{k}]"
    params = np.zeros((groups, WIDTH))
    factors = np.full((groups, n + 1), np.nan)
    # The function's own checks, with the caller's names.
    probe = dict(a)
    if "base_lr" in inspect.signature(functions[kind]).parameters and probe.get(
            "base_lr") is None:
        if base_lr is None:
            raise ValueError(f"{where} ({kind}) needs a base_lr: bind it in the partial or "
                             "pass base_lr")
        probe["base_lr"] = base_lr
    try:
        if kind == "swalr":  # (swalr itself runs this module)
            functions["_swalr_args"](probe["swa_lr"], probe["anneal_epochs"],
                                     probe["anneal_strategy"])
        else:
            with unwindowed():  # the probe is a whole one-step schedule, even under window
                functions[kind](**probe, num_steps=1)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where} ({kind}): {exc}") from None
    if kind == "step_lr":
        params[:, 0] = check.integer(a["step_size"], "step_size", minimum=1)
        params[:, 1] = check.nonnegative(a["gamma"], "gamma")
    elif kind == "multi_step_lr":
        gamma = check.nonnegative(a["gamma"], "gamma")
        counts = Counter(int(m) for m in a["milestones"])
        for m, c in counts.items():
            if 0 <= m <= n:
                factors[:, m] = gamma**c  # torch: gamma ** milestones[last_epoch]
        params[:, 0] = gamma ** bisect.bisect_right(sorted(counts.elements()), 0)
    elif kind == "constant_lr":
        params[:, 0] = float(a["factor"])
        params[:, 1] = int(a["total_iters"])
    elif kind == "linear_lr":
        params[:, 0:3] = (float(a["start_factor"]), float(a["end_factor"]),
                          int(a["total_iters"]))
    elif kind == "exponential_lr":
        params[:, 0] = float(a["gamma"])
    elif kind == "polynomial_lr":
        params[:, 0:2] = (int(a["total_iters"]), float(a["power"]))
    elif kind == "cosine_annealing_lr":
        params[:, 0:2] = (int(a["T_max"]), float(a["eta_min"]))
    elif kind in ("lambda_lr", "multiplicative_lr"):
        per_group = isinstance(a["lr_lambda"], (list, tuple))
        fns = _callables(a["lr_lambda"], groups if per_group else None, "lr_lambda")
        for g in range(groups):
            # (MultiplicativeLR's λ(0) is used only by SequentialLR's _update_lr(0))
            factors[g, :] = [_call(fns[g % len(fns)], t, "lr_lambda") for t in range(n + 1)]
    elif kind == "cyclic_lr":
        _, p = _per_group({"base_lr": a["base_lr"] if a.get("base_lr") is not None
                           else base_lr, "max_lr": a["max_lr"]})
        up = float(a["step_size_up"])
        down = float(a["step_size_down"]) if a["step_size_down"] is not None else up
        total = up + down
        modes = {"triangular": 0, "triangular2": 1, "exp_range": 2}
        fn = a["scale_fn"]
        code = modes[a["mode"]] if fn is None else (3 if a["scale_mode"] == "cycle" else 4)
        for g in range(groups):
            params[g, 0:7] = (p["base_lr"][g % len(p["base_lr"])],
                              p["max_lr"][g % len(p["max_lr"])], total, up / total, code,
                              float(a["gamma"]), 0.0)
        if fn is not None:
            t = np.arange(n + 1)
            if a["scale_mode"] == "cycle":
                cycles = [math.floor(1 + e / total) for e in range(n + 1)]
                scales = {c: _call(fn, c, "scale_fn") for c in sorted(set(cycles))}
                row = [scales[c] for c in cycles]
            else:
                row = [_call(fn, int(e), "scale_fn") for e in t]
            factors[:, :] = row
    elif kind == "one_cycle_lr":
        _, p = _per_group({"max_lr": a["max_lr"]})
        if a["total_steps"] is not None:
            total = int(a["total_steps"])
        else:
            total = int(a["epochs"]) * int(a["steps_per_epoch"])
        pct = a["pct_start"]
        if a["three_phase"]:
            ends = (float(pct * total) - 1, float(2 * pct * total) - 2, total - 1)
            names = (("initial", "max"), ("max", "initial"), ("initial", "min"))
        else:
            ends = (float(pct * total) - 1, total - 1, 0.0)
            names = (("initial", "max"), ("max", "min"))
        codes = {"initial": 0, "max": 1, "min": 2}
        for g in range(groups):
            top = p["max_lr"][g % len(p["max_lr"])]
            initial = top / a["div_factor"]
            params[g, 0:6] = (total, 0.0 if a["anneal_strategy"] == "cos" else 1.0,
                              len(names), initial, top, initial / a["final_div_factor"])
            params[g, 6:9] = ends
            for i, (s, e) in enumerate(names):
                params[g, 9 + 2 * i: 11 + 2 * i] = (codes[s], codes[e])
    elif kind == "cosine_annealing_warm_restarts":
        params[:, 0:3] = (int(a["T_0"]), int(a["T_mult"]), float(a["eta_min"]))
    elif kind == "swalr":
        _, p = _per_group({"swa_lr": a["swa_lr"]})
        for g in range(groups):
            params[g, 0:3] = (p["swa_lr"][g % len(p["swa_lr"])], int(a["anneal_epochs"]),
                              0.0 if a["anneal_strategy"] == "cos" else 1.0)
    return params, factors


def _groups(specs: Sequence[Spec], base_lr: Any) -> int | None:
    """The number of parameter groups: from `base_lr` or any per-group argument."""
    from .torch import _is_list  # a 0-d array is one number

    sizes: list[tuple[str, int]] = []
    if _is_list(base_lr):
        sizes.append(("base_lr", len(base_lr)))
    for s in specs:
        for name in ("base_lr", "max_lr", "swa_lr"):
            value = s.args.get(name)
            if _is_list(value):
                sizes.append((name, len(value)))
    for name, size in sizes[1:]:
        first, want = sizes[0]
        if size != want:
            raise ValueError(
                f"{name} must have one value per parameter group like {first}, got "
                f"len({first})={want}, len({name})={size}")
    return sizes[0][1] if sizes else None


def simulate(
    specs: Sequence[Spec], base_lr: Any, n: int, functions: dict[str, Callable[..., Any]],
    *, milestones: Sequence[int] | None = None, who: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """The lr torch's optimizer holds for updates ``0 .. n - 1``.

    The schedulers are constructed in order on one optimizer whose lr is
    `base_lr`, then stepped: all of them each step (``ChainedScheduler``), as
    ``SequentialLR(milestones)`` does, or scheduler ``who[t - 1]`` before
    update ``t`` (a hand-written loop such as torch's SWA recipe). A 1-D
    result, or ``(n, groups)`` when any value is per group.
    """
    from ._torch_kernel import run
    from .torch import _per_group

    groups = _groups(specs, base_lr)
    g_count = groups or 1
    bases = _per_group({"base_lr": base_lr})[1]["base_lr"] if base_lr is not None else None
    rows = [_rows(s, k, n, g_count, base_lr, functions) for k, s in enumerate(specs)]
    kinds = np.array([KINDS.index(s.kind) for s in specs], dtype=np.int64)
    mode = 0 if milestones is None and who is None else (1 if milestones is not None else 2)
    marks = np.array(list(milestones or []), dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64) if who is None else np.asarray(who, dtype=np.int64)
    out = np.empty((n, g_count))
    for g in range(g_count):
        params = np.ascontiguousarray(np.stack([r[0][g] for r in rows]))
        factors = np.ascontiguousarray(np.stack([r[1][g] for r in rows]))
        lr0 = bases[g % len(bases)] if bases is not None else math.nan
        col = np.empty(n)
        status, at, k = run(kinds, params, factors, mode, marks, steps, float(lr0), col)
        if status == ZERO_DIVISION:
            raise ScheduleZeroDivisionError(
                f"schedulers[{k}] ({specs[k].kind}) divides by zero at step {at}, as torch does")
        if status == ONE_CYCLE_PAST_END:
            total = int(params[k, 0])
            raise ValueError(f"Tried to step {at} times. The specified number of total "
                             f"steps is {total}")
        out[:, g] = col
    return out[:, 0] if groups is None else out


