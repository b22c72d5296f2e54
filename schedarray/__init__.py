"""schedarray: whole per-step schedule arrays (learning rate, weight decay, momentum, ...).

Every schedule is a pure function that returns the full array up front::

    >>> import schedarray as sa
    >>> lr = sa.warmup_cosine(1000, peak=1e-3, warmup_steps=100)
    >>> len(lr), lr[0], lr[100], lr[-1]
    (1000, np.float64(0.0), np.float64(0.001), np.float64(0.0))

``result[i]`` is the value for optimizer update ``i`` and ``len(result) ==
total_steps``. Durations are steps (``int``), epochs (``"5ep"`` with
``steps_per_epoch``) or a share of the total (``"10%"``). Landmarks are exact:
``x[0] == start``, ``x[warmup_steps] == peak``, ``x[-1] == end``. Other
libraries' conventions live in `schedarray.compat`.

Importing schedarray imports NumPy only. The framework adapters are opt-in
submodules: `schedarray.torch.ArrayScheduler` (a PyTorch ``LRScheduler``),
`schedarray.jax.as_schedule` (an optax schedule) and
`schedarray.keras.ArraySchedule` (a Keras ``LearningRateSchedule``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._plan import window
from .compose import (
    add,
    clip,
    cut,
    envelope,
    groups,
    join,
    layer_decay,
    multiply,
    per_epoch,
    scale,
)
from .composites import (
    cosine_restarts,
    one_cycle,
    one_cycle_momentum,
    warmup_cosine,
    warmup_decay,
    warmup_linear,
    wsd,
)
from .primitives import (
    constant,
    cosine,
    cyclic,
    exponential,
    interp,
    inverse_sqrt,
    linear,
    multistep,
    one_minus_sqrt,
    piecewise_constant,
    polynomial,
    rex,
    step,
    tanh,
)

if TYPE_CHECKING:
    from .spec import from_spec, load_spec, to_spec
    from .stream import write_npy
    from .trace import from_callable, sample

#: Loaded on first use, so `import schedarray` stays at NumPy's cost.
_LAZY = {"from_spec": "spec", "load_spec": "spec", "to_spec": "spec", "write_npy": "stream",
         "sample": "trace", "from_callable": "trace"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

__version__ = "0.1.0"

#: Every native schedule by name (the functions whose first argument is the length).
SCHEDULES: dict[str, Callable[..., object]] = {
    f.__name__: f
    for f in (
        constant, linear, cosine, polynomial, exponential, inverse_sqrt, one_minus_sqrt,
        tanh, rex, step, multistep, piecewise_constant, cyclic,
        warmup_cosine, warmup_linear, warmup_decay, wsd, cosine_restarts,
        one_cycle, one_cycle_momentum, interp,
    )
}

__all__ = [
    "SCHEDULES",
    "__version__",
    "add",
    "clip",
    "constant",
    "cosine",
    "cosine_restarts",
    "cut",
    "cyclic",
    "envelope",
    "exponential",
    "from_callable",
    "from_spec",
    "groups",
    "interp",
    "inverse_sqrt",
    "join",
    "layer_decay",
    "linear",
    "load_spec",
    "multiply",
    "multistep",
    "one_cycle",
    "one_cycle_momentum",
    "one_minus_sqrt",
    "per_epoch",
    "piecewise_constant",
    "polynomial",
    "rex",
    "sample",
    "scale",
    "step",
    "tanh",
    "to_spec",
    "warmup_cosine",
    "warmup_decay",
    "warmup_linear",
    "window",
    "write_npy",
    "wsd",
]
