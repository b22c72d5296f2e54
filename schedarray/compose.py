r"""Operations on finished schedule arrays: join, per-epoch expansion, groups, envelopes.

These take and return arrays, so they work with any schedule, including
arrays a user made by hand. Each validates everything before it writes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _check as check
from ._types import Duration, FloatArray
from .primitives import linear

__all__ = [
    "clip",
    "envelope",
    "groups",
    "join",
    "layer_decay",
    "per_epoch",
    "scale",
]


class _Values(np.ndarray):
    """A checked input array that remembers its least and greatest value."""

    low: float
    high: float


def _values(values: Any, name: str = "values") -> _Values:
    arr, low, high = check.values_range(values, name)
    ranged = arr.view(_Values)
    ranged.low, ranged.high = low, high
    return ranged


def _stored(arrays: list[_Values], dtype: np.dtype[Any]) -> None:
    """Refuse values of `arrays` that would overflow when stored in `dtype`."""
    for a in arrays:
        if a.size and a.dtype.itemsize > dtype.itemsize:
            check.fits(a.low, a.high, dtype)


def _product(a: _Values, b: _Values | float, dtype: np.dtype[Any]) -> None:
    """Refuse ``a * b`` (elementwise, NumPy's arithmetic) overflowing in `dtype`.

    The largest products in magnitude come from the extremes of each side,
    computed here with the same operation the result will use.
    """
    if a.size == 0 or np.size(b) == 0:
        return
    ends = np.array([a.low, a.high], dtype=a.dtype)
    other = np.array([b.low, b.high], dtype=b.dtype) if isinstance(b, _Values) else b
    with np.errstate(over="ignore", invalid="ignore"):
        products = np.multiply.outer(ends, other).ravel().astype(dtype)
    if not np.all(np.isfinite(products)):
        raise check.NotFinite(
            f"the product overflows {dtype}: {float(np.max(np.abs(ends)))!r} times "
            f"{float(np.max(np.abs(other)))!r}"
        )


def join(*parts: ArrayLike, dtype: DTypeLike | None = None, out: Any = None) -> FloatArray:
    """Concatenate schedule pieces into one array (or into `out`).

    Every part must be a 1-D array of finite numbers. The result has the
    common float dtype of the parts unless `dtype` is given.

    Examples
    --------
    >>> import schedarray as sa
    >>> sa.join(sa.linear(2, start=0.0, end=1.0, endpoint=False), sa.cosine(3, start=1.0))
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    if not parts:
        raise ValueError("join needs at least one part, got none")
    arrays = [_values(p, f"parts[{i}]") for i, p in enumerate(parts)]
    total = sum(a.shape[0] for a in arrays)
    if dtype is None:
        dtype = out.dtype if isinstance(out, np.ndarray) else np.result_type(*arrays)
    buf = check.prepare_out(total, dtype, out)
    _stored(arrays, buf.dtype)
    at = 0
    for a in arrays:
        buf[at : at + a.shape[0]] = a
        at += a.shape[0]
    return buf


def per_epoch(
    values: ArrayLike, steps_per_epoch: int, *, out: Any = None
) -> FloatArray:
    """Expand one value per epoch to one value per step (a staircase).

    ``len(result) == len(values) * steps_per_epoch``; step ``i`` gets
    ``values[i // steps_per_epoch]``.

    Examples
    --------
    >>> per_epoch([1.0, 0.5], 3)
    array([1. , 1. , 1. , 0.5, 0.5, 0.5])
    """
    arr = _values(values)
    spe = check.integer(steps_per_epoch, "steps_per_epoch", minimum=1)
    buf = check.prepare_out(arr.shape[0] * spe, arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    buf.reshape(arr.shape[0], spe)[...] = arr[:, None]
    return buf


def scale(values: ArrayLike, factor: float, *, out: Any = None) -> FloatArray:
    """``values * factor``, for example a base learning rate times a unit schedule.

    Examples
    --------
    >>> scale([1.0, 0.5], 0.1)
    array([0.1 , 0.05])
    """
    arr = _values(values)
    factor = check.real(factor, "factor")
    dtype = check.store_dtype(arr.dtype if out is None else np.float64, out)
    _product(arr, factor, dtype)
    buf = check.prepare_out(arr.shape[0], dtype, out)
    return np.multiply(arr, factor, out=buf, casting="same_kind")


def clip(
    values: ArrayLike, *, low: float | None = None, high: float | None = None, out: Any = None
) -> FloatArray:
    """Keep `values` inside ``[low, high]`` (either bound may be omitted).

    Examples
    --------
    >>> clip([0.0, 0.5, 1.0], low=0.1, high=0.8)
    array([0.1, 0.5, 0.8])
    """
    arr = _values(values)
    lo = -np.inf if low is None else check.real(low, "low")
    hi = np.inf if high is None else check.real(high, "high")
    if lo > hi:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    buf = check.prepare_out(arr.shape[0], arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    return np.clip(arr, lo, hi, out=buf)


def groups(values: ArrayLike, scales: ArrayLike, *, out: Any = None) -> FloatArray:
    """One column per parameter group: ``result[i, g] = values[i] * scales[g]``.

    The 2-D (steps x groups) array plugs into the framework adapters, which
    give each group its own column.

    Examples
    --------
    >>> groups([1.0, 0.5], [1.0, 0.1])
    array([[1.  , 0.1 ],
           [0.5 , 0.05]])
    """
    arr = _values(values)
    factors = _values(scales, "scales")
    dtype = check.store_dtype(np.result_type(arr, factors) if out is None else np.float64, out)
    _product(arr, factors, dtype)
    buf = check.prepare_out((arr.shape[0], factors.shape[0]), dtype, out)
    return np.multiply(arr[:, None], factors[None, :], out=buf, casting="same_kind")


#: The most layers `layer_decay` accepts (models have hundreds).
MAX_LAYERS = 1 << 20


def layer_decay(num_layers: int, decay: float) -> NDArray[np.float64]:
    r"""Layer-wise learning-rate scales (BEiT, ConvNeXt, MAE fine-tuning).

    .. math:: \mathrm{scale}_j = \mathrm{decay}^{\,L + 1 - j}, \quad j = 0, \dots, L + 1

    Group ``j = 0`` is the embedding, ``L + 1`` the head (scale 1). Use with
    `groups`, or as each parameter group's ``lr_scale``. At most `MAX_LAYERS`
    layers (a count, not a length: more is a mistake, refused before allocating).

    Examples
    --------
    >>> layer_decay(2, 0.5)
    array([0.125, 0.25 , 0.5  , 1.   ])
    """
    layers = check.integer(num_layers, "num_layers")
    if layers > MAX_LAYERS:
        raise ValueError(
            f"num_layers must be <= {MAX_LAYERS}, got num_layers={layers} "
            f"({(layers + 2) * 8} bytes of scales)"
        )
    rate = check.real(decay, "decay")
    if not 0 < rate <= 1:
        raise ValueError(f"decay must be in (0, 1], got decay={decay!r}")
    # Python's float ** int, as BEiT and ConvNeXt compute it (np.power may differ by an ulp).
    return np.fromiter((rate ** (layers + 1 - j) for j in range(layers + 2)), np.float64,
                       count=layers + 2)


def envelope(
    values: ArrayLike,
    *,
    warmup_steps: Duration = 0,
    cooldown_steps: Duration = 0,
    steps_per_epoch: int | None = None,
    out: Any = None,
) -> FloatArray:
    r"""Multiply any schedule by a linear warmup and/or cooldown (big_vision style).

    .. math:: y_i = x_i \cdot \min\!\left(1, \frac{i}{W}\right)
              \cdot \min\!\left(1, \frac{N - 1 - i}{C}\right)

    The warmup factor rises from 0 at step 0 to 1 at step ``W``; the cooldown
    factor falls to 0 at the last step. Durations may be steps, ``"<x>ep"``
    or ``"<x>%"``; ``W + C`` may not exceed the length.

    Examples
    --------
    >>> envelope([1.0] * 6, warmup_steps=2, cooldown_steps=2)
    array([0. , 0.5, 1. , 1. , 0.5, 0. ])
    """
    arr = _values(values)
    n = arr.shape[0]
    w = check.within(warmup_steps, "warmup_steps", n, steps_per_epoch)
    c = check.within(cooldown_steps, "cooldown_steps", n, steps_per_epoch)
    if w + c > n:
        raise ValueError(
            "warmup_steps + cooldown_steps must be <= the length, got "
            f"warmup_steps={w}, cooldown_steps={c}, len(values)={n}"
        )
    buf = check.prepare_out(n, arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    if buf is not arr:
        buf[...] = arr
    if w:
        buf[:w] *= linear(w, start=0.0, end=1.0, endpoint=False)
    if c:
        buf[n - c :] *= linear(c + 1, start=1.0, end=0.0)[1:]
    return buf


check.publish(globals())
