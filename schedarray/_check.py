"""Validation: every check on user input lives here, and runs before anything is written.

Messages follow one pattern, ``"<name> must <condition>, got <name>=<value!r>"``;
a relation names both sides. A wrong type raises `TypeError`, a bad value
`ValueError`. Nothing is clamped or rounded silently.

Durations (``total_steps``, ``warmup_steps``, ``decay_steps``, ...) share one
grammar, resolved by `duration`:

* an ``int`` is a number of steps;
* ``"<x>ep"`` is ``x`` epochs (``x`` may be fractional), which needs
  ``steps_per_epoch``;
* ``"<x>%"`` is ``x`` percent of the total length (not for the total itself);
* a float, where a phase boundary may lie between two steps (`landmark`: the
  warmup and decay lengths of the composites), is a real number of steps.

Epochs and percentages are rounded to the nearest whole step, halves up;
``"ceil(<x>%)"``, ``"floor(<x>ep)"`` (and ``"round(...)"``, the default) choose the
rounding, e.g. ``"ceil(3%)"`` is the Hugging Face Trainer's ``ceil(warmup_ratio * N)``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
import math
import numbers
import operator
import os
import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

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
    if not math.isfinite(steps):
        raise ValueError(f"{name} must be a finite number of steps, got {name}={value!r}")
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
    """Resolve a schedule length: a duration of at least `minimum` steps, never a percentage.

    The length is refused up front when its result could not be allocated
    (`allocatable`; under `schedarray.window` only the window is allocated).
    """
    spe = None if steps_per_epoch is None else integer(
        steps_per_epoch, "steps_per_epoch", minimum=1
    )
    return result_length(duration(value, name, steps_per_epoch=spe, minimum=minimum), name)


def steps(value: Any, name: str) -> int:
    """Resolve an array length given as an int number of steps (>= 1), like `length`."""
    return result_length(integer(value, name, minimum=1), name)


#: Longest schedule, even under `schedarray.window` (step indices stay exact in float64).
MAX_STEPS = 2**53


def result_length(n: int, name: str) -> int:
    """Return `n` if a result of `n` steps can exist: refuse it before building anything.

    Without an active `schedarray.window` the whole result is allocated, so it
    must pass `allocatable` (as float32, the smallest; the dtype is checked
    again when the array is made). Under a window only the window is
    allocated, and the length may be anything up to `MAX_STEPS`.
    """
    from ._plan import active_window

    if active_window() is None:
        allocatable((n,), np.dtype(np.float32), "steps", name, estimate=True)
    if n > MAX_STEPS:
        raise ValueError(f"{name} must be <= 2**53 steps, got {name}={n}")
    return n


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


def landmark(value: Any, name: str, total: int, steps_per_epoch: Any = None) -> int | float:
    """Resolve a phase length inside ``[0, total]`` that may be a real number of steps.

    A float (Python or NumPy) is a real-valued number of steps, taken as it is:
    the phase boundary it makes lies between two steps (``2.5``), or on one
    (``2.0``, the same as ``2``). An int and a duration string resolve as in
    `within`: ``"<x>ep"`` and ``"<x>%"`` are rounded to whole steps as written
    (``"ceil(3%)"``); write the product yourself (``0.03 * n``) for the real
    value.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        value = value[()]
    if isinstance(value, (float, np.floating)):
        result = nonnegative(value, name)
        if result > total:
            raise ValueError(
                f"{name} must be <= total_steps, got {name}={result!r}, total_steps={total}"
            )
        return result
    return within(value, name, total, steps_per_epoch)


def real(value: Any, name: str) -> float:
    """Return `value` as a finite Python float (a 0-d numeric array counts as a number)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype != np.bool_:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {name}={value!r}")
    try:
        result = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be finite, got {name}={value!r}") from None
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


def is_sequence(values: Any) -> bool:
    """Whether `values` is a list-like of items (not a str, bytes or 0-d array)."""
    if isinstance(values, np.ndarray):
        return values.ndim == 1
    return isinstance(values, Sequence) and not isinstance(values, (str, bytes))


def mapping(value: Any, name: str) -> dict[str, Any]:
    """Return a mapping of options (None is empty) as a dict."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of options, got {name}={value!r}")
    return dict(value)


def reals(values: Any, name: str) -> tuple[float, ...]:
    """Return a sequence of finite reals as a tuple of floats."""
    if not is_sequence(values):
        raise TypeError(f"{name} must be a sequence of numbers, got {name}={values!r}")
    return tuple(real(v, f"{name}[{i}]") for i, v in enumerate(values))


def milestones(
    values: Any, name: str, *, strict: bool = True, ordered: bool = True
) -> tuple[int, ...]:
    """Return step indices as ints, increasing (strictly unless `strict` is False).

    With `ordered` False any order is accepted.
    """
    if not is_sequence(values):
        raise TypeError(f"{name} must be a sequence of integers, got {name}={values!r}")
    result = tuple(integer(v, f"{name}[{i}]") for i, v in enumerate(values))
    for a, b in itertools.pairwise(result if ordered else ()):
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
    return values_range(value, name, ndims=ndims, nonempty=nonempty, finite=finite)[0]


#: Elements per block of `extremes` (a block stays in cache for both reductions).
_BLOCK = 1 << 16


def values_range(
    value: Any, name: str, *, ndims: tuple[int, ...] = (1,), nonempty: bool = False,
    finite: bool = True,
) -> tuple[NDArray[np.floating], float, float]:
    """`values`, with the least and greatest value (NaN when one is NaN; 0, 0 when empty).

    The finiteness check is this one pass over the array, which operations on
    arrays reuse to refuse results that would overflow.
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
    if not finite:
        return arr, math.nan, math.nan
    low, high = extremes(arr) if arr.size else (0.0, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        where = ", ".join(map(str, bad))
        raise ValueError(f"{name} must be finite, got {name}[{where}]={float(arr[bad])!r}")
    return arr, low, high


def backend(value: Any) -> str:
    """Return a valid backend name."""
    return choice(value, "backend", BACKENDS)


class Unallocatable(ValueError):
    """A result that cannot be allocated; `api` names the sizes the call passed."""


class NotFinite(ValueError):
    """Parameters that make a value overflow or become NaN; `api` names the call's numbers."""


#: Arrays up to this many bytes are allocated without asking how much memory is free.
_SMALL_BYTES = 1 << 28


def _read_kib(path: str, key: str) -> int | None:
    """The ``key:  <n> kB`` entry of a /proc file, in bytes."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory() -> int:
    """Bytes a new array may take now: the least of the limits that apply.

    ``MemAvailable`` (Linux; else the physical memory), the room left under
    the process's address-space limit (``ulimit -v``) and under its cgroup's
    memory limit (containers). With none known, NumPy's largest index.
    """
    limits = []
    free = _read_kib("/proc/meminfo", "MemAvailable:")
    if free is None:
        try:
            free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
            free = None
    if free is not None:
        limits.append(free)
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append(soft - (_read_kib("/proc/self/status", "VmSize:") or 0))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            cap = f.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as f:
            used = int(f.read())
        if cap != "max":
            limits.append(int(cap) - used)
    except (OSError, ValueError):
        pass
    return max(min(limits), 0) if limits else int(np.iinfo(np.intp).max)


def allocatable(
    shape: tuple[int, ...], dtype: np.dtype[Any], what: str, name: str | None = None,
    estimate: bool = False,
) -> None:
    """Refuse, before allocating, an array of `shape` that memory cannot hold.

    The rule, the same for every result: its bytes must not exceed
    `available_memory` (the memory free right now; beyond it the process
    would swap or be killed). `what` says what the size counts (``"steps"``).
    A caller's ``out=`` (an ``np.memmap``, say) is never refused. `name`,
    when given, is the parameter the size comes from; `estimate` says `dtype`
    is the smallest the result may have (a lower bound of its bytes).
    """
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes <= _SMALL_BYTES:
        return
    free = available_memory()
    if nbytes > free:
        dims = " x ".join(map(str, shape))
        given = "" if name is None else f"{name}={count} is too large: "
        size = f"{'at least ' if estimate else ''}{nbytes} bytes ({dtype.itemsize} each)"
        raise Unallocatable(
            f"{given}the result ({dims} {what}) would take {size}, more than "
            f"the {free} bytes of memory available (write into an np.memmap with out=, "
            "or compute parts with schedarray.window)"
        )


_WIDE = (np.float64, np.dtype(np.float64))


def fits(
    low: float, high: float, dtype: DTypeLike, what: str = "values",
    error: type[ValueError] = NotFinite,
) -> None:
    """Refuse values in ``[low, high]`` that are not finite once stored in `dtype`.

    Raises `error` (`NotFinite`: a schedule's parameters are at fault, and
    `api` names them; plain `ValueError` where `what` is the caller's own array).
    """
    if math.isfinite(low) and math.isfinite(high) and dtype in _WIDE:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        stored = np.array([low, high], dtype=np.float64).astype(dtype)
    if not np.all(np.isfinite(stored)):
        bad = low if not np.isfinite(stored[0]) else high
        kind = np.dtype(dtype)
        raise error(f"{what} must be finite in {kind}, got a value of {bad!r}, which is "
                    f"{'NaN' if bad != bad else f'beyond the range of {kind}'}")


def extremes(arr: NDArray[np.floating]) -> tuple[float, float]:
    """The smallest and largest element of a nonempty array (NaN when one is NaN).

    Block by block, so each block is read from memory once for both.
    """
    flat = arr.reshape(-1) if arr.flags.c_contiguous else None
    if flat is None or flat.shape[0] <= _BLOCK:
        return float(arr.min()), float(arr.max())
    lows, highs = [], []
    for a in range(0, flat.shape[0], _BLOCK):
        block = flat[a : a + _BLOCK]
        lows.append(block.min())
        highs.append(block.max())
    return float(np.min(lows)), float(np.max(highs))


def store_dtype(dtype: DTypeLike, out: Any) -> np.dtype[Any]:
    """The dtype a result is stored in: ``out.dtype``, else `dtype` (both checked)."""
    try:
        want = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype must be float32 or float64, got dtype={dtype!r}") from None
    if want not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got dtype={dtype!r}")
    if out is None:
        return want
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got out={type(out).__name__}")
    if out.dtype not in FLOAT_DTYPES:
        raise TypeError(f"out must be float32 or float64, got out.dtype={out.dtype}")
    if want != np.dtype(np.float64) and want != out.dtype:
        raise TypeError(
            f"dtype and out.dtype disagree, got dtype={want}, out.dtype={out.dtype}"
        )
    return out.dtype


def prepare_out(
    shape: int | tuple[int, ...], dtype: DTypeLike, out: Any, what: str = "steps",
    name: str | None = None,
) -> NDArray[np.floating]:
    """Return `out` checked to hold an array of `shape`, or a new array of `dtype`.

    `shape` is a length (a 1-D schedule) or a tuple (steps x groups). `out`
    must be a writeable float32 or float64 ndarray of that shape (a slice of
    a larger array or an `np.memmap` is fine). When both are given, `dtype`
    must be the default float64 or equal to ``out.dtype``. A new array that
    memory cannot hold is refused first (`allocatable`).
    """
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    want = store_dtype(dtype, out)
    if out is None:
        allocatable(shape, want, what, name)
        return np.empty(shape, dtype=want)
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


# --------------------------------------------------------------------------------------
# Public entry points: errors in the caller's words
# --------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])

#: How many `api` functions are running in this context (only the outermost names
#: the call's arguments; every level renames its aliases).
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("schedarray_api_depth", default=0)

#: Arguments never listed in a message (they are not numbers a schedule is built from).
_UNLISTED = frozenset({"out", "dtype", "backend"})


def _shown(name: str, value: Any, sizes: bool) -> str | None:
    """``name=value`` for a message, or None when `value` is not worth showing."""
    if isinstance(value, (bool, np.bool_)) or value is None or name in _UNLISTED:
        return None
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"{name}.shape={value.shape}"
    if sizes and isinstance(value, (numbers.Integral, str)):
        return f"{name}={value!r}"
    if not sizes and isinstance(value, (numbers.Real, np.ndarray)):
        return f"{name}={value!r}"
    if not sizes and isinstance(value, (list, tuple, Mapping)):
        text = repr(value)
        return f"{name}={text if len(text) <= 80 else text[:77] + '...'}"
    return None


def _arguments(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any], sizes: bool
) -> str:
    """The arguments of a call a message should show: sizes or numbers."""
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:  # pragma: no cover - the call itself raised before
        bound = dict(kwargs)
    items: list[tuple[str, Any]] = []
    for name, value in bound.items():
        kind = signature.parameters[name].kind if name in signature.parameters else None
        if kind is inspect.Parameter.VAR_KEYWORD:
            items.extend(value.items())
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            items.extend((f"{name}[{i}]", v) for i, v in enumerate(value))
        else:
            items.append((name, value))
    shown = [s for s in (_shown(n, v, sizes) for n, v in items) if s is not None]
    if not shown and sizes:  # a size that comes from an array or a list
        shown = [s for s in (_shown(n, v, False) for n, v in items) if s is not None]
    return ", ".join(shown) or "no numeric arguments"


def _with_arguments(
    message: str, signature: inspect.Signature, args: tuple[Any, ...],
    kwargs: dict[str, Any], sizes: bool,
) -> str:
    """`message`, then ``; got`` and the call's arguments it does not show yet."""
    shown = [part for part in _arguments(signature, args, kwargs, sizes).split(", ")
             if part.split("=")[0].split(".")[0] + "=" not in message]
    return f"{message}; got {', '.join(shown)}" if shown else message


def _rename(exc: BaseException, aliases: Mapping[str, str]) -> None:
    """Replace internal parameter names in `exc`'s message by the caller's."""
    if aliases and exc.args and isinstance(exc.args[0], str):
        text = exc.args[0]
        for internal, caller in aliases.items():
            text = re.sub(rf"(?<![\w.'\"]){re.escape(internal)}\b", caller, text)
        exc.args = (text, *exc.args[1:])


# ---------------------------------------------------------------------------- provenance


class Made(NamedTuple):
    """The public call that returned a result: ``func(*args, **kwargs)``.

    The arguments are kept as plain data: numbers, strings, lists, dicts, and,
    for an argument that a public call returned itself (a schedule array, an
    fvcore scheduler), that call's `Made`. `schedarray.to_spec` turns it into
    a spec and checks it by building it again.
    """

    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


#: id(result) -> (weak reference to it, what made it): a `Made`, or the spec
#: `schedarray.from_spec` built it from.
_MADE: dict[int, tuple[weakref.ref[Any], Any]] = {}
#: Literal arrays up to this size are kept as lists of numbers; a larger
#: array that no public call returned leaves its result without provenance.
LITERAL_MAX = 1 << 16


class Opaque(NamedTuple):
    """An argument that is neither plain data nor made by a public call (its description)."""

    what: str


def remember(result: Any, origin: Any) -> None:
    """Record that `origin` (a `Made` or a spec) made `result`; O(1), no copy."""
    key = id(result)
    try:
        ref = weakref.ref(result, lambda r, key=key: _forget(key, r))
    except TypeError:  # ints, tuples: nothing to look up later
        return
    _MADE[key] = (ref, origin)


def _forget(key: int, ref: weakref.ref[Any]) -> None:
    entry = _MADE.get(key)
    if entry is not None and entry[0] is ref:
        del _MADE[key]


def made(value: Any) -> Any:
    """What made `value` (a `Made` or a spec), or None when nothing public did."""
    entry = _MADE.get(id(value))
    return entry[1] if entry is not None and entry[0]() is value else None


#: Exact types kept as they are (and that need no look-up: nothing made them).
_PLAIN = frozenset({type(None), bool, str, int, float})
_KEYS = frozenset({str, int})
_STR = frozenset({str})


def _as_data(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`value` as a call's argument is kept: plain data, or what made it.

    Lists and dicts are copied (a record never changes with the caller's
    objects); one that the argument holds several times (``[kwargs] *
    cycles``) is converted once, through `memo` (by identity: the argument
    keeps every object in it alive while it is recorded).
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple or (kind is dict and _KEYS.issuperset(map(type, value))):
        memo = {} if memo is None else memo
        key = id(value)
        if key not in memo:
            memo[key] = _container(value, memo)
        return memo[key]
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    origin = made(value)
    if origin is not None:
        return origin  # what made it, never the object itself: nothing is kept alive
    if isinstance(value, np.ndarray) and value.size <= LITERAL_MAX:
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_as_data(v, memo) for v in value]
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        # Integer keys ({step: scale}) as JSON/TOML write them.
        return {str(k): _as_data(v, memo) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return Opaque(f"an array of shape {value.shape} that no schedarray function returned")
    return Opaque(f"a {type(value).__name__}, which is not plain data")


def _container(value: Any, memo: dict[int, Any]) -> Any:
    """A plain list or dict (or tuple, kept as a list) as `_as_data` keeps it.

    Plain leaves go without a call each: ten thousand cycle dicts are
    recorded in a few milliseconds.
    """
    if type(value) is not dict:
        if _PLAIN.issuperset(map(type, value)):
            return list(value)
        # A run of one object ([kwargs] * cycles) is converted once and repeated in C;
        # a dict of plain items is copied in place (no call: the common list of dicts).
        kept: list[Any] = []
        for _, group in itertools.groupby(value, key=id):
            run = list(group)
            item = run[0]
            kind = type(item)
            if kind is dict and _STR.issuperset(map(type, item)) \
                    and _PLAIN.issuperset(map(type, item.values())):
                item = dict(item)
            elif kind not in _PLAIN:
                item = _as_data(item, memo)
            kept += itertools.repeat(item, len(run))
        return kept
    if _STR.issuperset(map(type, value)) and _PLAIN.issuperset(map(type, value.values())):
        return dict(value)
    # Integer keys ({step: scale}) as JSON/TOML write them.
    return {str(k): v if type(v) in _PLAIN else _as_data(v, memo) for k, v in value.items()}


def _remember_call(result: Any, func: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> None:
    """Record the outermost public call that returned `result` (its first result of several)."""
    if isinstance(result, tuple) and result:
        result = result[0]
    if result is None or isinstance(result, (bool, int, float, str)):
        return
    from . import _plan

    if _plan.active_window() is not None:  # a window is not what the call describes
        return
    try:
        memo: dict[int, Any] = {}
        data = {k: _as_data(v, memo) for k, v in kwargs.items() if k not in ("out", "dtype")}
        # The dtype of the result: `out`'s where one is given (for a function that takes
        # a dtype), else the one asked for, spelled as a spec spells it ("float32").
        out, dtype = kwargs.get("out"), kwargs.get("dtype")
        code = func.__code__
        if isinstance(out, np.ndarray) and "dtype" in code.co_varnames[
                :code.co_argcount + code.co_kwonlyargcount]:
            dtype = out.dtype
        if dtype is not None:
            data["dtype"] = np.dtype(dtype).name
        origin = Made(func, tuple(_as_data(a, memo) for a in args), data)
    except RecursionError:  # an argument that holds itself
        origin = Opaque("an argument that holds itself")
    except Exception as exc:  # recording must never fail a call that succeeded
        origin = Opaque(f"an argument that could not be recorded ({type(exc).__name__})")
    remember(result, origin)


def api(func: F, aliases: Mapping[str, str] | None = None) -> F:
    """Wrap a public function so every error it raises is in the caller's words.

    The one place that turns failures of validation into `TypeError` or
    `ValueError` naming what the caller passed:

    * `aliases` maps the names used inside (``num_training_steps``) to the
      caller's (``t_total``) in every `TypeError`/`ValueError` message, at each
      level of a call that goes through several public functions;
    * an `Unallocatable` result, `NotFinite` values, or an `ArithmeticError`
      (``OverflowError``, ``ZeroDivisionError``) in the arithmetic on the
      parameters becomes a plain `ValueError` that lists the arguments of the
      outermost public call (its sizes, or its numbers); an error that is
      already a `ValueError` keeps its type (the anchor-typed errors of
      `schedarray.errors`, e.g. a ``ValueError`` that is also a ``ZeroDivisionError``).

    The outermost call also records what made its result (`remember`, a
    `Made` of its arguments as plain data), so `schedarray.to_spec` works on
    any schedule a public function returned. Success costs one extra function
    call, a context-variable update and that record (a few microseconds).
    """
    names = dict(aliases or {})
    signature = functools.cache(lambda: inspect.signature(func))  # for messages only

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        try:
            result = func(*args, **kwargs)
            if depth == 0:
                _remember_call(result, func, args, kwargs)
            return result
        except (Unallocatable, NotFinite) as exc:
            if depth > 0:
                _rename(exc, names)
                raise
            sizes = isinstance(exc, Unallocatable)
            error = ValueError(_with_arguments(str(exc), signature(), args, kwargs, sizes))
            _rename(error, names)
            raise error from None
        except (TypeError, ValueError) as exc:
            # Our own errors, the anchor-typed ones too (ScheduleZeroDivisionError is a
            # ValueError and a ZeroDivisionError): their type is kept.
            _rename(exc, names)
            raise
        except ArithmeticError as exc:
            error = NotFinite(
                f"the parameters overflow the float range or divide by zero "
                f"({type(exc).__name__}: {exc})"
            )
            if depth == 0:
                error = ValueError(_with_arguments(str(error), signature(), args, kwargs, False))
            _rename(error, names)
            raise error from None
        finally:
            _depth.reset(token)

    wrapper.schedarray_api = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def publish(
    namespace: dict[str, Any], aliases: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """Wrap every function named in ``namespace["__all__"]`` with `api`, in place.

    `aliases` gives, per function name, its map of internal to caller names.
    Calls between the module's own functions then go through the wrappers too.
    """
    aliases = aliases or {}
    unknown = set(aliases) - set(namespace["__all__"])
    if unknown:
        raise AssertionError(f"aliases for unknown functions: {sorted(unknown)}")
    for name in namespace["__all__"]:
        value = namespace.get(name)
        if inspect.isfunction(value) and not getattr(value, "schedarray_api", False):
            namespace[name] = api(value, aliases.get(name))
