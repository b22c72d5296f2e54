r"""Operations on finished schedule arrays: join, per-epoch expansion, groups, envelopes.

These take and return arrays, so they work with any schedule, including
arrays a user made by hand. Each validates everything before it writes.
Under `schedarray.window` each computes and returns only the window's steps
(bit-identical to the slice of the whole, ``(stop - start,)`` or
``(stop - start, groups)``), reading only those steps of its inputs. An
`out` that overlaps an input gives the same values as a separate one: the
inputs are read before anything is written.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _check as check
from ._plan import span, window
from ._types import Duration, FloatArray
from .primitives import interp

__all__ = [
    "add",
    "clip",
    "cut",
    "envelope",
    "groups",
    "join",
    "layer_decay",
    "multiply",
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
    start, stop = span(total)
    buf = check.prepare_out(stop - start, dtype, out)
    _stored(arrays, buf.dtype)
    pieces = []
    at = 0
    for a in arrays:
        lo, hi = max(start, at), min(stop, at + a.shape[0])
        if lo < hi:
            piece = a[lo - at : hi - at]
            # A part that overlaps `out` is copied before anything is written.
            pieces.append((lo - start, piece.copy() if np.may_share_memory(piece, buf)
                           else piece))
        at += a.shape[0]
    for lo, piece in pieces:
        buf[lo : lo + piece.shape[0]] = piece
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
    start, stop = span(arr.shape[0] * spe)
    buf = check.prepare_out(stop - start, arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    if (start, stop) == (0, arr.shape[0] * spe):
        buf.reshape(arr.shape[0], spe)[...] = arr[:, None]
    else:
        buf[...] = arr[np.arange(start, stop) // spe]
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
    start, stop = span(arr.shape[0])
    buf = check.prepare_out(stop - start, dtype, out)
    np.multiply(arr[start:stop], factor, out=buf, casting="same_kind")
    return buf


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
    start, stop = span(arr.shape[0])
    buf = check.prepare_out(stop - start, arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    np.clip(arr[start:stop], lo, hi, out=buf)
    return buf


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
    start, stop = span(arr.shape[0])
    buf = check.prepare_out((stop - start, factors.shape[0]), dtype, out)
    return np.multiply(arr[start:stop, None], factors[None, :], out=buf, casting="same_kind")


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
    endpoint: bool = True,
    steps_per_epoch: int | None = None,
    out: Any = None,
) -> FloatArray:
    r"""Multiply any schedule by a linear warmup and/or cooldown.

    .. math:: y_i = x_i \cdot \min\!\left(1, \frac{i}{W}\right)
              \cdot \min\!\left(1, \frac{N - 1 - i}{C}\right)

    The warmup factor rises from 0 at step 0 to 1 at step ``W``; the cooldown
    factor falls to 0 at the last step. With ``endpoint=False`` it falls to 0
    one step after the last, ``min(1, (N - i) / C)``: big_vision's
    ``warmup_steps``/``cooldown_steps`` (its last update still trains).
    Durations may be steps, ``"<x>ep"`` or ``"<x>%"`` (whole steps), or a
    float, a real number of steps (the formula as written, e.g. a cooldown
    over the last ``0.2 * N`` steps); ``W + C`` may not exceed the length.

    Examples
    --------
    >>> envelope([1.0] * 6, warmup_steps=2, cooldown_steps=2)
    array([0. , 0.5, 1. , 1. , 0.5, 0. ])
    >>> envelope([1.0] * 6, warmup_steps=2, cooldown_steps=2, endpoint=False)
    array([0. , 0.5, 1. , 1. , 1. , 0.5])
    >>> envelope([1.0] * 6, warmup_steps=2.5, cooldown_steps=2.5)
    array([0. , 0.4, 0.8, 0.8, 0.4, 0. ])
    """
    arr = _values(values)
    n = arr.shape[0]
    w, c = envelope_steps(n, warmup_steps, cooldown_steps, steps_per_epoch)
    exact_end = check.flag(endpoint, "endpoint")
    start, stop = span(n)
    buf = check.prepare_out(stop - start, arr.dtype if out is None else np.float64, out)
    _stored([arr], buf.dtype)
    buf[...] = arr[start:stop]
    apply_envelope(buf, start, n, w, c, exact_end)
    return buf


def envelope_steps(
    n: int, warmup_steps: Duration, cooldown_steps: Duration, steps_per_epoch: int | None
) -> tuple[float, float]:
    """`envelope`'s warmup and cooldown lengths in steps (real), checked against the length `n`."""
    w = check.landmark(warmup_steps, "warmup_steps", n, steps_per_epoch)
    c = check.landmark(cooldown_steps, "cooldown_steps", n, steps_per_epoch)
    if w + c > n:
        raise ValueError(
            "warmup_steps + cooldown_steps must be <= the length, got "
            f"warmup_steps={w}, cooldown_steps={c}, len(values)={n}"
        )
    return w, c


def apply_envelope(
    buf: FloatArray, start: int, n: int, w: float, c: float, endpoint: bool = True
) -> None:
    """Multiply steps ``[start, start + len(buf))`` of an `n`-step schedule by the envelope.

    The ramps are `interp` knots (real-valued): the warmup from 0 at step 0
    to 1 at ``w``, the cooldown from 1 at ``n - 1 - c`` to 0 at ``n - 1``
    (`endpoint`; one step later without). Only the window's factors are
    computed; windows of the ramps equal their slices, so any window equals
    the slice of the whole bit for bit.
    """
    stop = start + buf.shape[0]
    lo, hi = start, min(stop, math.ceil(w))
    if lo < hi:
        buf[: hi - start] *= window(interp, lo, hi, n, steps=[0.0, w], values=[0.0, 1.0])
    last = n - int(endpoint)  # the cooldown's factor is 0 here
    lo, hi = max(start, math.ceil(last - c), 0), stop
    if c and lo < hi:
        buf[lo - start :] *= window(interp, lo, hi, n, steps=[last - c, last], values=[1.0, 0.0])


def cut_bounds(n: int, start: Any, stop: Any) -> tuple[int, int]:
    """`cut`'s checks: ``0 <= start <= stop <= n`` as ints; `stop` None means `n`."""
    a = check.integer(start, "start")
    b = n if stop is None else check.integer(stop, "stop")
    if not a <= b <= n:
        raise ValueError(f"start <= stop <= len(values) must hold, got start={a}, stop={b}, "
                         f"len(values)={n}")
    return a, b


def cut(values: ArrayLike, *, start: int = 0, stop: int | None = None) -> FloatArray:
    """Steps ``[start, stop)`` of a schedule, as a new array (``slice`` in a spec).

    For a schedule that starts part-way through a longer one (timm's warmup
    that overrides the first steps of its cosine), or any piece of one for a
    `join`. `stop` defaults to the end.

    Examples
    --------
    >>> cut([1.0, 0.75, 0.5, 0.25], start=1, stop=3)
    array([0.75, 0.5 ])
    """
    arr = _values(values)
    a, b = cut_bounds(arr.shape[0], start, stop)
    return np.array(arr[a:b])  # a plain ndarray, not the checked-values view


def _combine(parts: tuple[ArrayLike, ...], name: str, op: np.ufunc, what: str) -> FloatArray:
    """`op` of schedules of one length, step by step (`multiply`, `add`); windows too."""
    if not parts:
        raise ValueError(f"{name} needs at least one part, got none")
    arrays = [_values(p, f"parts[{i}]") for i, p in enumerate(parts)]
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise ValueError(f"{name} needs parts of one length, got len(parts[0])="
                             f"{arrays[0].shape[0]}, len(parts[{i}])={a.shape[0]}")
    n = arrays[0].shape[0]
    start, stop = span(n)
    buf = np.array(arrays[0][start:stop], dtype=np.result_type(*arrays), copy=True)
    with np.errstate(over="ignore", invalid="ignore"):
        for a in arrays[1:]:
            op(buf, a[start:stop], out=buf)
    if not np.all(np.isfinite(buf)):
        raise ValueError(f"{name} overflows: the {what} of the parts is not finite")
    return buf


def multiply(*parts: ArrayLike) -> FloatArray:
    """The step-by-step product of schedules of one length (a ramp times a schedule).

    Examples
    --------
    >>> multiply([1.0, 0.5], [0.0, 1.0])
    array([0. , 0.5])
    """
    return _combine(parts, "multiply", np.multiply, "product")


def add(*parts: ArrayLike) -> FloatArray:
    """The step-by-step sum of schedules of one length (a schedule plus a fading offset).

    Examples
    --------
    >>> add([1.0, 0.5], [0.1, 0.0])
    array([1.1, 0.5])
    """
    return _combine(parts, "add", np.add, "sum")


check.publish(globals())
