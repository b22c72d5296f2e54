"""Validation: every check on user input lives here, and runs before anything is written.

Messages follow one pattern, ``"<name> must <condition>, got <name>=<value!r>"``;
a relation names both sides. A wrong type raises `TypeError`, a bad value
`ValueError`. Nothing is clamped or rounded silently.

Durations (``total_steps``, ``warmup_steps``, ``decay_steps``, ...) share one
grammar, resolved by `duration`:

* an ``int`` is a number of steps;
* ``"<x>ep"`` is ``x`` epochs (``x`` may be fractional), which needs
  ``steps_per_epoch``;
* ``"<x>%"`` is ``x`` percent of the total length (not for the total itself).

Epochs and percentages are rounded to the nearest whole step, halves up;
``"ceil(<x>%)"``, ``"floor(<x>ep)"`` (and ``"round(...)"``, the default) choose the
rounding, e.g. ``"ceil(3%)"`` is the Hugging Face Trainer's ``ceil(warmup_ratio * N)``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import operator
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
BACKENDS = ("auto", "numpy", "numba")

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ep|%)\s*$")
_ROUNDED = re.compile(r"^\s*(round|floor|ceil)\s*\((.*)\)\s*$")
#: How ``"<x>ep"``/``"<x>%"`` become whole steps: ``round(...)`` (the default, halves up),
#: ``floor(...)`` or ``ceil(...)``.
ROUNDINGS = {
    "round": lambda x: math.floor(x + 0.5),
    "floor": math.floor,
    "ceil": math.ceil,
}


def integer(value: Any, name: str, *, minimum: int = 0) -> int:
    """Return `value` as an int >= `minimum`; bool, float and str are rejected."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {name}={value!r}")
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {name}={value!r}") from None
    if result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={result!r}")
    return result


def duration(
    value: Any,
    name: str,
    *,
    total: int | None = None,
    steps_per_epoch: int | None = None,
    minimum: int = 0,
) -> int:
    """Resolve a duration (steps, ``"<x>ep"`` or ``"<x>%"``) to a whole number of steps."""
    forms = "an int number of steps, '<x>ep' or '<x>%'" if total is not None else (
        "an int number of steps or '<x>ep'")
    if not isinstance(value, str):
        if isinstance(value, (bool, np.bool_, float, np.floating)):
            raise TypeError(f"{name} must be {forms}, got {name}={value!r}")
        return integer(value, name, minimum=minimum)
    rounding = "round"
    wrapped = _ROUNDED.match(value)
    if wrapped is not None:
        rounding = wrapped.group(1)
    match = _DURATION.match(value if wrapped is None else wrapped.group(2))
    if match is None:
        raise ValueError(f"{name} must be {forms}, got {name}={value!r}")
    amount, unit = float(match.group(1)), match.group(2)
    if unit == "ep":
        if steps_per_epoch is None:
            raise ValueError(
                f"{name} is given in epochs, so steps_per_epoch is required, "
                f"got {name}={value!r}, steps_per_epoch=None"
            )
        steps = amount * steps_per_epoch
    else:
        if total is None:
            raise ValueError(
                f"{name} cannot be a percentage of the total, got {name}={value!r}"
            )
        steps = amount / 100.0 * total
    # A product like 0.07 * 100 is 7.000000000000001 in float: snap to an integer first,
    # so "ceil(7%)" of 100 is 7, as the user wrote, and not 8.
    nearest = round(steps)
    if abs(steps - nearest) <= 1e-9 * max(1.0, abs(steps)):
        steps = float(nearest)
    result = ROUNDINGS[rounding](steps)
    if result < minimum:
        raise ValueError(f"{name} must be >= {minimum} steps, got {name}={value!r}")
    return result


def length(
    value: Any, steps_per_epoch: Any = None, name: str = "total_steps", *, minimum: int = 1
) -> int:
    """Resolve a schedule length: a duration of at least `minimum` steps, never a percentage."""
    spe = None if steps_per_epoch is None else integer(
        steps_per_epoch, "steps_per_epoch", minimum=1
    )
    return duration(value, name, steps_per_epoch=spe, minimum=minimum)


def within(value: Any, name: str, total: int, steps_per_epoch: Any = None) -> int:
    """Resolve a duration that must fit inside a schedule of `total` steps."""
    spe = None if steps_per_epoch is None else integer(
        steps_per_epoch, "steps_per_epoch", minimum=1
    )
    result = duration(value, name, total=total, steps_per_epoch=spe)
    if result > total:
        raise ValueError(
            f"{name} must be <= total_steps, got {name}={result}, total_steps={total}"
        )
    return result


def real(value: Any, name: str) -> float:
    """Return `value` as a finite Python float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {name}={value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return result


def positive(value: Any, name: str) -> float:
    """Return `value` as a finite float > 0."""
    result = real(value, name)
    if result <= 0:
        raise ValueError(f"{name} must be > 0, got {name}={value!r}")
    return result


def nonnegative(value: Any, name: str) -> float:
    """Return `value` as a finite float >= 0."""
    result = real(value, name)
    if result < 0:
        raise ValueError(f"{name} must be >= 0, got {name}={value!r}")
    return result


def fraction(value: Any, name: str, *, open_low: bool = False) -> float:
    """Return `value` as a float in [0, 1] (or (0, 1] with `open_low`)."""
    result = real(value, name)
    if not (0 < result <= 1 if open_low else 0 <= result <= 1):
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {name}={value!r}")
    return result


def flag(value: Any, name: str) -> bool:
    """Return `value` if it is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {name}={value!r}")
    return bool(value)


def choice(value: Any, name: str, options: Iterable[str]) -> str:
    """Return `value` if it is one of `options`; otherwise list the valid ones."""
    options = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {name}={value!r}")
    if value not in options:
        valid = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {valid}, got {name}={value!r}")
    return value


def reals(values: Any, name: str) -> tuple[float, ...]:
    """Return a sequence of finite reals as a tuple of floats."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers, got {name}={values!r}")
    return tuple(real(v, f"{name}[{i}]") for i, v in enumerate(values))


def milestones(
    values: Any, name: str, *, strict: bool = True
) -> tuple[int, ...]:
    """Return step indices as ints, increasing (strictly unless `strict` is False)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of integers, got {name}={values!r}")
    result = tuple(integer(v, f"{name}[{i}]") for i, v in enumerate(values))
    for a, b in itertools.pairwise(result):
        if b < a or (strict and b == a):
            order = "strictly increasing" if strict else "non-decreasing"
            raise ValueError(f"{name} must be {order}, got {name}={list(result)!r}")
    return result


def values(
    value: Any, name: str, *, ndims: tuple[int, ...] = (1,), nonempty: bool = False,
    finite: bool = True,
) -> NDArray[np.floating]:
    """Return schedule values as a float32/float64 array (other numbers become float64).

    `ndims` lists the accepted dimensions (``(1, 2)`` admits steps x groups);
    `nonempty` asks for at least one step; `finite` rejects NaN and inf.
    """
    what = "1-D or 2-D (steps x groups)" if 2 in ndims else "1-D"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a {what} array of numbers, got {name}={value!r}")
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a {what} array of numbers, got dtype {arr.dtype}")
    if arr.dtype not in FLOAT_DTYPES:
        arr = arr.astype(np.float64)
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must be {what}, got {name}.shape={arr.shape}")
    if nonempty and arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one step, got {name}.shape={arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        where = ", ".join(map(str, bad))
        raise ValueError(f"{name} must be finite, got {name}[{where}]={float(arr[bad])!r}")
    return arr


def backend(value: Any) -> str:
    """Return a valid backend name."""
    return choice(value, "backend", BACKENDS)


def prepare_out(
    shape: int | tuple[int, ...], dtype: DTypeLike, out: Any
) -> NDArray[np.floating]:
    """Return `out` checked to hold an array of `shape`, or a new array of `dtype`.

    `shape` is a length (a 1-D schedule) or a tuple (steps x groups). `out`
    must be a writeable float32 or float64 ndarray of that shape (a slice of
    a larger array or an `np.memmap` is fine). When both are given, `dtype`
    must be the default float64 or equal to ``out.dtype``.
    """
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    try:
        want = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got dtype={dtype!r}") from None
    if want not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got dtype={dtype!r}")
    if out is None:
        return np.empty(shape, dtype=want)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got out={type(out).__name__}")
    if out.dtype not in FLOAT_DTYPES:
        raise TypeError(f"out must be float32 or float64, got out.dtype={out.dtype}")
    if want != np.dtype(np.float64) and want != out.dtype:
        raise TypeError(
            f"dtype and out.dtype disagree, got dtype={want}, out.dtype={out.dtype}"
        )
    if len(shape) > 1:
        if out.shape != shape:
            raise ValueError(f"out must have shape {shape}, got out.shape={out.shape}")
    elif out.ndim != 1:
        raise ValueError(f"out must be 1-D, got out.shape={out.shape}")
    elif out.shape != shape:
        raise ValueError(f"out must have length {shape[0]}, got len(out)={out.shape[0]}")
    if not out.flags.writeable:
        raise ValueError("out must be writeable, got a read-only array")
    return out
