r"""JAX/optax adapter: `as_schedule` turns a precomputed array into a jit-safe schedule.

``as_schedule(lr)`` is a callable ``count -> value`` that optax takes wherever it
takes a schedule — ``optax.adamw(learning_rate=as_schedule(lr))`` — and, through
``optax.inject_hyperparams``, for any other hyperparameter:
``optax.inject_hyperparams(optax.adamw)(learning_rate=as_schedule(lr),
weight_decay=as_schedule(wd))``. optax evaluates it at ``count = k`` for update
``k`` (``scale_by_schedule`` and ``inject_hyperparams`` both read the count
before incrementing it), so update ``k`` uses ``values[k]``, exactly as in the
array.

Counts outside the array — a rule chosen on purpose
---------------------------------------------------
JAX cannot raise inside ``jit``, and its indexing silently clamps an
out-of-bounds gather (``x[N]`` is ``x[N - 1]``; ``x[-1]`` wraps). This adapter
never relies on either:

* ``0 <= count < N``: ``values[count]``;
* ``count == N``, the state after the last update (what a logger reading
  ``schedule(state.count)`` after training sees): ``values[N - 1]``;
* ``count > N``: ``NaN`` by default (``on_exhausted="nan"``), so a run
  longer than its schedule poisons the parameters at once instead of
  training on at a value nobody chose; ``on_exhausted="hold"`` keeps
  ``values[N - 1]`` (optax's own schedules clamp like that);
* ``count < 0`` (never produced by optax): ``NaN`` under both rules.

The PyTorch adapter draws the same line and raises where this returns NaN.

Precision: float32 by default, float64 with x64
-----------------------------------------------
The values are stored once, in `dtype`: by default JAX's default float type,
i.e. float32 unless ``jax_enable_x64`` is on, in which case the float64
array is kept bit for bit. In float32 each value is the float64 value
rounded to nearest (``np.float32(values)``). Only the *value* is rounded:
the step is an exact integer index, so there is no float32 phase error
however long the run (unlike schedules that compute ``count / total`` in
float32). Note that ``optax.inject_hyperparams`` casts hyperparameters to the
parameters' dtype, so float32 parameters get float32 values even under x64.
``count`` must be an integer (optax's is int32 and saturates at ``2**31 - 1``).

Memory and compilation
----------------------
``placement="device"`` (default) keeps the values as one device array and
looks them up with a gather — fast, but the array is captured by every
``jit`` that calls the schedule and XLA embeds it in the compiled program: a
float32 schedule costs ``4 N`` bytes on the device plus about as much again
in each program, and compile time grows with ``N`` (≈0.8 s for 10⁷ steps on
a 2-core CPU). Good up to a few million steps. ``placement="host"`` leaves
the array in host memory (it may be an ``np.memmap``) and looks each count
up with ``jax.pure_callback``: the program stays tiny for any ``N``, at the
cost of one host round trip per evaluation — the choice for 10⁸ to 10⁹ steps.

Examples
--------
>>> import numpy as np
>>> import schedarray as sa
>>> from schedarray.jax import as_schedule
>>> schedule = as_schedule(sa.linear(3, start=0.5, end=0.25))
>>> schedule
as_schedule(length=3, dtype=float32, on_exhausted='nan', placement='device')
>>> [float(schedule(k)) for k in range(5)]
[0.5, 0.375, 0.25, 0.25, nan]
>>> np.asarray(schedule(np.arange(3)))
array([0.5  , 0.375, 0.25 ], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import jax
    import jax.numpy as jnp
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "schedarray.jax needs JAX, which is not installed: pip install 'schedarray[jax]'"
    ) from exc

from . import _check as check

__all__ = ["ArraySchedule", "as_schedule"]

_ON_EXHAUSTED = ("nan", "hold")
_PLACEMENTS = ("device", "host")


def _host_values(values: Any) -> np.ndarray:
    """`values` as a 1-D float32/float64 NumPy array (no copy when already one)."""
    return check.values(values, "values", nonempty=True, finite=False)


class ArraySchedule:
    """An optax-compatible schedule reading ``values[count]``; build it with `as_schedule`.

    Attributes
    ----------
    length : int
        ``N``, the number of values.
    dtype : numpy.dtype
        The dtype of the returned values.
    on_exhausted : str
        ``"nan"`` or ``"hold"`` for counts past ``N``.
    placement : str
        ``"device"`` or ``"host"``.
    """

    def __init__(
        self, values: Any, *, dtype: Any, on_exhausted: str, placement: str
    ) -> None:
        self.on_exhausted = check.choice(on_exhausted, "on_exhausted", _ON_EXHAUSTED)
        self.placement = check.choice(placement, "placement", _PLACEMENTS)
        host = _host_values(values)
        if dtype is None:
            dtype = jnp.zeros((), dtype=float).dtype  # JAX's default float type
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtype must be a float dtype, got dtype={dtype!r}") from None
        if not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"dtype must be a float dtype, got dtype={dtype!r}")
        if self.dtype.itemsize == 8 and not jax.config.jax_enable_x64:
            raise ValueError(
                "dtype=float64 needs 64-bit JAX, got dtype=float64 with jax_enable_x64=False "
                "(jax.config.update('jax_enable_x64', True) first, or use float32)"
            )
        if not np.all(np.isfinite(host)):
            bad = int(np.flatnonzero(~np.isfinite(host))[0])
            raise ValueError(f"values must be finite, got values[{bad}]={float(host[bad])!r}")
        check.fits(*check.extremes(host), self.dtype, error=ValueError)  # 1e39: float32 inf
        self.length = int(host.shape[0])
        if self.placement == "device":
            self._values = jnp.asarray(host, dtype=self.dtype)
            self._host = None
        else:
            self._values = None
            self._host = host

    def __repr__(self) -> str:
        return (
            f"as_schedule(length={self.length}, dtype={self.dtype}, "
            f"on_exhausted={self.on_exhausted!r}, placement={self.placement!r})"
        )

    def __call__(self, count: Any) -> jax.Array:
        """The value for update `count` (any shape of integer counts, traced or not)."""
        count = jnp.asarray(count)
        if not jnp.issubdtype(count.dtype, jnp.integer):
            raise TypeError(f"count must be an integer step, got dtype {count.dtype}")
        if self._host is not None:
            return jax.pure_callback(
                self._lookup, jax.ShapeDtypeStruct(count.shape, self.dtype), count,
                vmap_method="expand_dims",
            )
        top = int(jnp.iinfo(count.dtype).max)
        index = jnp.clip(count, 0, min(self.length - 1, top))  # explicit, never JAX's clamp
        value = self._values[index]
        valid = count >= 0
        if self.on_exhausted == "nan" and self.length < top:
            valid = valid & (count <= self.length)
        return jnp.where(valid, value, jnp.asarray(np.nan, self.dtype))

    def _lookup(self, count: np.ndarray) -> np.ndarray:
        """Host-side `__call__` for ``placement="host"``."""
        count = np.asarray(count, dtype=np.int64)
        index = np.clip(count, 0, self.length - 1)
        value = self._host[index].astype(self.dtype)
        valid = count >= 0
        if self.on_exhausted == "nan":
            valid &= count <= self.length
        return np.where(valid, value, np.asarray(np.nan, self.dtype))


def as_schedule(
    values: Any,
    *,
    dtype: Any = None,
    on_exhausted: str = "nan",
    placement: str = "device",
) -> ArraySchedule:
    """A jit-safe optax schedule: ``schedule(count) == values[count]``.

    Parameters
    ----------
    values : array_like
        ``N`` finite values, 1-D; ``values[k]`` is the value for update ``k``.
    dtype : dtype, optional
        The dtype of the returned values; defaults to JAX's default float
        (float32, or float64 when ``jax_enable_x64`` is on).
    on_exhausted : {"nan", "hold"}, default "nan"
        The value for ``count > N``: NaN, or ``values[N - 1]``.
        ``count == N`` always gives ``values[N - 1]``; negative counts NaN.
    placement : {"device", "host"}, default "device"
        Keep the values on the device (a gather, embedded in each compiled
        program) or on the host (``jax.pure_callback``, O(1) program size).

    Returns
    -------
    ArraySchedule
        A callable ``count -> value`` (elementwise over arrays of counts).

    Examples
    --------
    >>> import optax
    >>> import schedarray as sa
    >>> lr = sa.warmup_cosine(100, peak=1e-3, warmup_steps=10)
    >>> opt = optax.adamw(learning_rate=as_schedule(lr), weight_decay=0.05)
    >>> float(as_schedule(lr)(10)) == float(np.float32(1e-3))
    True
    """
    return ArraySchedule(values, dtype=dtype, on_exhausted=on_exhausted, placement=placement)
