r"""Check a port against its original: turn any step function or torch scheduler into an array.

`sample` evaluates a Python function of the step (a ``get_lr(it)``, an HF or
``LambdaLR`` lambda) at every update; `from_torch` traces a torch scheduler
object as a training loop steps it, on a copy, so the original is untouched.
Either result compares with a schedarray line directly, or with
``schedarray compare SPEC python:module:attr`` on the command line.
`load_python` resolves the ``python:module:attr`` form.

Nothing here imports torch: `from_torch` works on the object it is given.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import _check as check
from ._types import Duration, FloatArray

__all__ = ["from_callable", "from_torch", "load_python", "sample"]


def sample(
    fn: Callable[[int], Any],
    total_steps: Duration,
    *,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
) -> FloatArray:
    """``[fn(0), fn(1), ..., fn(N - 1)]``: any per-step function as a schedule array.

    Each value must be a finite real number; the error names the step.

    Examples
    --------
    >>> sample(lambda it: 0.1 * (it + 1) / 4 if it < 4 else 0.1, 6)
    array([0.025, 0.05 , 0.075, 0.1  , 0.1  , 0.1  ])
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got fn={fn!r}")
    n = check.length(total_steps, steps_per_epoch)
    buf = check.prepare_out(n, dtype, None)
    for i in range(n):
        buf[i] = check.real(fn(i), f"fn({i})")
    return buf


#: `sample` under the name of the other constructors (``from_spec``, ``from_torch``).
from_callable = sample


def _no_step(*args: Any, **kwargs: Any) -> None:
    """The traced copy's ``optimizer.step``: nothing to update."""


_no_step._wrapped_by_lr_sched = True  # type: ignore[attr-defined]


def _param_placeholders(optimizer: Any) -> dict[int, Any]:
    """A deepcopy memo that swaps every parameter (and its state) for a scalar."""
    memo: dict[int, Any] = {id(optimizer.state): type(optimizer.state)()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            memo[id(p)] = p.new_zeros(())
    return memo


def from_torch(
    scheduler: Any,
    num_steps: int,
    *,
    key: str = "lr",
    steps_per_epoch: int | None = None,
) -> FloatArray:
    """Trace a torch scheduler: what each group's `key` holds for updates ``0..N-1``.

    A copy of the scheduler and its optimizer is stepped as the training loop
    would, from the state the scheduler is in now (its constructor's first
    step done): read the values, then ``scheduler.step()`` — after every
    update, or every `steps_per_epoch` updates for a scheduler stepped per
    epoch. The optimizer's own step is not run (it would change nothing the
    scheduler reads). The model's parameters and the optimizer's state are not
    copied (each parameter becomes a scalar without a gradient), so tracing
    costs nothing for a large model, and custom ``LambdaLR`` closures run as
    they are. A timm scheduler (one with ``step_update``) is stepped as
    timm's ``train.py`` does: ``step_update(t + 1)`` after update ``t``, and
    ``step(epoch + 1)`` after every `steps_per_epoch` updates — fresh from
    its constructor. `key` is ``"lr"``, ``"momentum"``, ``"weight_decay"`` or
    ``"betas"`` (its first element). One group gives a 1-D array, several a
    ``(num_steps, groups)`` array.

    Examples
    --------
    >>> import torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    >>> from_torch(torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), 5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    optimizer = getattr(scheduler, "optimizer", None)
    if optimizer is None or not hasattr(scheduler, "step") or not hasattr(optimizer,
                                                                          "param_groups"):
        raise TypeError(
            "scheduler must be a torch learning-rate scheduler (with .optimizer and .step()), "
            f"got scheduler={type(scheduler).__name__}"
        )
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        raise ValueError("ReduceLROnPlateau follows a validation metric: it cannot be traced")
    n = check.integer(num_steps, "num_steps", minimum=1)
    spe = 1 if steps_per_epoch is None else check.integer(
        steps_per_epoch, "steps_per_epoch", minimum=1)
    key = check.choice(key, "key", ("lr", "momentum", "weight_decay", "betas"))
    groups = optimizer.param_groups
    missing = [g for g, group in enumerate(groups) if key not in group]
    if missing:
        raise ValueError(f"param_groups[{missing[0]}] has no {key!r}")
    twin = copy.deepcopy(scheduler, _param_placeholders(optimizer))
    # torch wraps optimizer.step in a closure over the *original* optimizer: the copy must
    # never call it. It gets a no-op step marked as torch marks its wrapper, and is flagged
    # as stepped, which is all the scheduler checks.
    twin.optimizer.step = _no_step
    timm_style = hasattr(twin, "step_update")  # timm: step_update(t) per update, step(e)
    rows = np.empty((n, len(groups)))
    for t in range(n):
        for g, group in enumerate(twin.optimizer.param_groups):
            value = group[key][0] if key == "betas" else group[key]
            rows[t, g] = check.real(float(value), f"param_groups[{g}][{key!r}] at update {t}")
        twin.optimizer._opt_called = True
        if timm_style:
            twin.step_update(num_updates=t + 1)
            if (t + 1) % spe == 0:
                twin.step((t + 1) // spe)
        elif (t + 1) % spe == 0:
            twin.step()
    return rows[:, 0].copy() if len(groups) == 1 else rows


def load_python(target: str) -> Any:
    """The object ``module:attr`` (``attr`` may be dotted) names, imported.

    Examples
    --------
    >>> load_python("math:pi")
    3.141592653589793
    """
    if not isinstance(target, str):
        raise TypeError(f"target must be a str 'module:attr', got target={target!r}")
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"target must be 'module:attr', got target={target!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"{module_name!r} has no attribute {attr!r}") from None
    return obj
