r"""Keras 3 adapter: `ArraySchedule`, a ``LearningRateSchedule`` over a precomputed array.

``keras.optimizers.AdamW(learning_rate=ArraySchedule(lr))`` makes update ``k``
use ``lr[k]``: Keras evaluates the schedule at ``optimizer.iterations``, the
number of updates already applied. Works with every Keras backend (the values
are a backend tensor and the lookup is written with ``keras.ops``); set
``KERAS_BACKEND`` before anything imports Keras, as usual.

Counts outside the array follow the rule of `schedarray.jax`: ``step == N``
(the state after the last update, what a callback reading
``optimizer.learning_rate`` at the end of training sees) gives ``values[N - 1]``;
``step > N`` gives NaN (``on_exhausted="nan"``, the default, since a compiled
train step cannot raise) or ``values[N - 1]`` (``on_exhausted="hold"``);
negative steps give NaN.

Precision and memory: the values are stored in ``keras.config.floatx()``
(float32 by default), each the float64 value rounded to nearest; the step is
an exact integer index. Under a compiling backend (JAX) the array becomes a
constant of the compiled train step, so keep it to a few million steps there.

Serialization: `~ArraySchedule.get_config` holds the spec when the values
have one (`schedarray.to_spec`: any array a schedarray function returned, or
a spec passed instead of values) — small for any length — and the values as
a list of floats otherwise (round-trip exact, but the size of the array).
``from_config`` rebuilds the same numbers either way, and the class is registered as
``"schedarray>ArraySchedule"`` so ``model.save(...)`` / ``keras.models.load_model``
restore it (import ``schedarray.keras`` before loading).

Keras optimizers take a float ``weight_decay`` only; schedule other
hyperparameters with the PyTorch or optax adapters.

Examples
--------
>>> import schedarray as sa
>>> from schedarray.keras import ArraySchedule
>>> schedule = ArraySchedule(sa.linear(3, start=0.5, end=0.25))
>>> [float(schedule(k)) for k in range(5)]
[0.5, 0.375, 0.25, 0.25, nan]
>>> schedule.get_config()["values"]
{'name': 'linear', 'total_steps': 3, 'start': 0.5, 'end': 0.25}
>>> ArraySchedule([0.5, 0.375, 0.25]).get_config()
{'values': [0.5, 0.375, 0.25], 'on_exhausted': 'nan', 'name': 'ArraySchedule'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

try:
    import keras
    from keras import ops
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "schedarray.keras needs Keras 3 (with a backend: JAX, PyTorch or TensorFlow), "
        "which is not installed: pip install 'schedarray[keras]'"
    ) from exc

from . import _check as check

__all__ = ["ArraySchedule"]

_ON_EXHAUSTED = ("nan", "hold")


def _host_values(values: Any) -> np.ndarray:
    """`values` as a 1-D float32/float64 NumPy array of finite numbers."""
    return check.values(values, "values", nonempty=True, finite=True)


@keras.saving.register_keras_serializable(package="schedarray")
class ArraySchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Learning rate ``values[step]`` for Keras optimizers.

    Parameters
    ----------
    values : array_like or mapping
        ``N`` finite values (``values[k]`` is used by update ``k``), or a
        spec such as ``{"name": "warmup_cosine", "total_steps": 1000,
        "peak": 1e-3, "warmup_steps": 100}`` (built with
        `schedarray.from_spec`).
    on_exhausted : {"nan", "hold"}, default "nan"
        The value for ``step > N``. ``step == N`` always gives
        ``values[N - 1]``; negative steps give NaN.
    name : str, default "ArraySchedule"
        Kept in the config, as Keras schedules do.

    Attributes
    ----------
    spec : dict or None
        The spec the values came from, if any.
    length : int
        ``N``.

    Examples
    --------
    >>> schedule = ArraySchedule({"name": "cosine", "total_steps": 3, "start": 1.0})
    >>> schedule.length, float(schedule(1))
    (3, 0.5)
    >>> schedule.get_config()["values"]
    {'name': 'cosine', 'total_steps': 3, 'start': 1.0}
    >>> ArraySchedule.from_config(schedule.get_config()).spec == schedule.spec
    True
    """

    def __init__(self, values: Any, *, on_exhausted: str = "nan", name: str = "ArraySchedule"):
        super().__init__()
        self.on_exhausted = check.choice(on_exhausted, "on_exhausted", _ON_EXHAUSTED)
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got name={name!r}")
        self.name = name
        from .spec import from_spec, to_spec

        if isinstance(values, Mapping):
            self.spec: dict[str, Any] | None = to_spec(built := from_spec(values))
            host = built
        else:
            host = values
            try:
                self.spec = to_spec(values)
            except (TypeError, ValueError):
                self.spec = None
        self._host = _host_values(host)
        check.fits(*check.extremes(self._host), keras.config.floatx(), error=ValueError)
        self.length = int(self._host.shape[0])
        self._values = ops.convert_to_tensor(
            self._host.astype(keras.config.floatx()), dtype=keras.config.floatx()
        )

    def __call__(self, step: Any) -> Any:
        """The learning rate for update `step` (an integer scalar or tensor)."""
        step = ops.convert_to_tensor(step)
        if "int" not in str(step.dtype):
            raise TypeError(f"step must be an integer step, got dtype {step.dtype}")
        index = ops.cast(ops.clip(step, 0, self.length - 1), "int32")
        value = ops.take(self._values, index)
        valid = ops.greater_equal(step, 0)
        if self.on_exhausted == "nan":
            valid = ops.logical_and(valid, ops.less_equal(step, self.length))
        nan = ops.full_like(value, float("nan"))
        return ops.where(valid, value, nan)

    def get_config(self) -> dict[str, Any]:
        """``{"values": spec or list of floats, "on_exhausted": ..., "name": ...}``."""
        values: Any = self.spec if self.spec is not None else self._host.tolist()
        return {"values": values, "on_exhausted": self.on_exhausted, "name": self.name}
