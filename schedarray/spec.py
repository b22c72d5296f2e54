r"""Specs: a schedule as plain data, for config files and the command line.

A spec is a mapping with the schedule's ``name`` and its parameters, exactly
as the function takes them::

    {"name": "warmup_cosine", "total_steps": 1000, "peak": 1e-3, "warmup_steps": 100}

``name`` is one of

* a native schedule, any key of `schedarray.SCHEDULES`;
* an operation on schedules: ``join``, ``multiply`` and ``add`` (their
  ``parts`` are a list), ``scale``, ``clip``, ``envelope``, ``per_epoch`` or
  ``slice`` (``start``, ``stop``) (each takes ``values``);
* a compat schedule, ``"compat.<module>.<function>"``, for example
  ``"compat.convnext.cosine_scheduler"``.

A parameter whose value is itself a spec (a mapping with a ``name``) is built
first, so composites nest; an operation's ``values`` or ``parts`` may also be
literal lists of numbers::

    {"name": "join", "parts": [
        {"name": "linear", "total_steps": 100, "start": 0.0, "end": 1e-3, "endpoint": False},
        {"name": "cosine", "total_steps": 900, "start": 1e-3}]}

A list of specs given to a compat function is built into a list of arrays
(``compat.torch.chained_scheduler``'s ``schedulers``); where the function takes parts
(``compat.torch.sequential_lr``'s ``schedulers``, ``compat.optax.join_schedules``'s
``schedules``) each spec goes in as a callable that computes only the steps
asked of it, so a window of the join computes only the window. And a compat function that
returns an object rather than an array (an fvcore ``ParamScheduler``) can be
the parameter of another (``compat.fvcore.lr_multiplier``'s ``multiplier``).
A compat function with several results stands for its schedule, the first
(``compat.timm.create_scheduler_v2`` gives ``lr``); each result also has its own
name (``compat.timm.create_scheduler_v2.num_epochs``), and `from_spec` returns a
result that is not an array as it is (the number of epochs).
Durations keep the library's grammar (``"5ep"``, ``"10%"``); ``dtype`` is a
string (``"float32"``); ``out`` cannot be given. A spec builds a 1-D schedule
(per-group compat results, steps x groups, are refused). `from_spec` builds the array,
`to_spec` gives back the spec of an array any schedarray function built (``sa.cosine(...)``,
a compat function, `from_spec`, or operations on those), and `load_spec`
reads a spec from a JSON or TOML file, or from one table of a larger config.
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib
import inspect
import json
import math
import numbers
import os
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import _check as check
from . import _plan
from ._plan import Plan, recording, window
from ._types import FloatArray
from .compose import (
    add,
    apply_envelope,
    clip,
    cut,
    cut_bounds,
    envelope,
    envelope_steps,
    join,
    multiply,
    per_epoch,
    scale,
)

__all__ = [
    "MAX_DEPTH",
    "OPERATIONS",
    "Landmark",
    "SpecNode",
    "describe",
    "from_spec",
    "load_spec",
    "parse",
    "resolve",
    "to_spec",
]

#: Operations on schedules by name: (function, the parameter that holds the input
#: schedule(s), how a window of the result is computed).
OPERATIONS: dict[str, tuple[Callable[..., Any], str, str]] = {
    "join": (join, "parts", "concat"),
    "scale": (scale, "values", "elementwise"),
    "clip": (clip, "values", "elementwise"),
    "per_epoch": (per_epoch, "values", "per_epoch"),
    "envelope": (envelope, "values", "envelope"),
    "slice": (cut, "values", "slice"),
    "multiply": (multiply, "parts", "elementwise"),
    "add": (add, "parts", "elementwise"),
}


class Landmark(NamedTuple):
    """A phase of a schedule begins at `step`; `label` says what it is."""

    step: int
    label: str


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


# ---------------------------------------------------------------------------- plain data


#: How deeply mappings and lists may nest in a spec (the top level is depth 0).
MAX_DEPTH = 64


def _plain(value: Any, where: str, depth: int = 0,
           inside: dict[int, str] | None = None) -> Any:
    """A deep copy of `value` as JSON-like data (dict, list, str, int, float, bool, None).

    `inside` maps the containers being copied (the path from the top) to their
    paths, so a container that holds itself is reported instead of recursing
    forever; nesting deeper than `MAX_DEPTH` is refused.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
    container = isinstance(value, Mapping) or (isinstance(value, Sequence)
                                               and not isinstance(value, bytes))
    if not container:
        raise TypeError(
            _at(where, "spec values must be plain data (numbers, strings, bools, lists, "
                       f"mappings), got {type(value).__name__} {value!r}")
        )
    inside = {} if inside is None else inside
    if id(value) in inside:
        raise ValueError(_at(where, "a spec must not contain itself, got a reference back to "
                                    f"{inside[id(value)] or 'the top level'}"))
    if depth > MAX_DEPTH:
        raise ValueError(_at(where, f"specs nest at most {MAX_DEPTH} levels deep, got a "
                                    "deeper spec"))
    inside[id(value)] = where
    try:
        if isinstance(value, Mapping):
            result = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise TypeError(_at(where, f"spec keys must be strings, got key {key!r}"))
                result[key] = _plain(item, f"{where}.{key}" if where else key, depth + 1,
                                     inside)
            return result
        return [_plain(v, f"{where}[{i}]", depth + 1, inside) for i, v in enumerate(value)]
    finally:
        del inside[id(value)]


def _is_spec(value: Any) -> bool:
    return isinstance(value, dict) and "name" in value


# ---------------------------------------------------------------------------- names


def _compat_names() -> list[str]:
    """Every ``compat.<module>.<function>`` that can be imported now."""
    from . import compat

    names = []
    for info in pkgutil.iter_modules(compat.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{compat.__name__}.{info.name}")
        except ImportError:
            continue
        names += [f"compat.{info.name}.{f}" for f in getattr(module, "__all__", ())
                  if callable(getattr(module, f, None))]
    return names


def _unknown(name: str, where: str) -> ValueError:
    from . import SCHEDULES

    compat_names = _compat_names()
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "compat":
        modules = sorted({c.split(".")[1] for c in compat_names})
        if parts[1] not in modules:
            return ValueError(_at(where, f"unknown schedule {name!r}; there is no compat module "
                                         f"{parts[1]!r} (modules: {', '.join(modules)})"))
        functions = [c for c in compat_names if c.split(".")[1] == parts[1]]
        close = difflib.get_close_matches(name, functions, n=3, cutoff=0.7)
        hint = (f"close matches: {', '.join(close)}" if close
                else f"compat.{parts[1]} has: {', '.join(c.split('.')[2] for c in functions)}")
        return ValueError(_at(where, f"unknown schedule {name!r}; {hint}"))
    known = [*SCHEDULES, *OPERATIONS, *compat_names]
    by_last = {k.rsplit(".", 1)[-1]: k for k in known if k.startswith("compat.")}
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.7)
    close += [by_last[m] for m in difflib.get_close_matches(name.rsplit(".", 1)[-1], by_last,
                                                            n=3, cutoff=0.75)]
    close = list(dict.fromkeys(close))[:5]
    if close:
        hint = "close matches: " + ", ".join(close)
    else:
        hint = ("expected one of: " + ", ".join([*SCHEDULES, *OPERATIONS])
                + ", or 'compat.<module>.<function>'")
    return ValueError(_at(where, f"unknown schedule {name!r}; {hint}"))


def resolve(name: Any, where: str = "") -> Callable[..., Any]:
    """The function a spec ``name`` stands for.

    Examples
    --------
    >>> resolve("warmup_cosine").__name__
    'warmup_cosine'
    >>> resolve("compat.convnext.cosine_scheduler").__module__
    'schedarray.compat.convnext'
    """
    from . import SCHEDULES

    if not isinstance(name, str):
        raise TypeError(_at(where, f"name must be a str, got name={name!r}"))
    if name in SCHEDULES:
        return SCHEDULES[name]
    if name in OPERATIONS:
        return OPERATIONS[name][0]
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "compat":  # one named result of several
        fn = resolve(".".join(parts[:3]), where)
        if parts[3] in getattr(fn, "__schedarray_results__", ()):
            return _result_of(fn, parts[3])
        fields = ", ".join(getattr(fn, "__schedarray_results__", ())) or "none"
        raise ValueError(_at(where, f"unknown schedule {name!r}; {'.'.join(parts[:3])} has "
                                    f"the named results: {fields}"))
    if len(parts) == 3 and parts[0] == "compat" and all(p.isidentifier() for p in parts[1:]):
        module_name = f"{__package__}.compat.{parts[1]}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
        else:
            found = getattr(module, parts[2], None)
            if parts[2] in getattr(module, "__all__", ()) and callable(found):
                return found
    raise _unknown(name, where)


# ---------------------------------------------------------------------------- nodes


def _array(value: Any, where: str) -> FloatArray:
    """A literal list of numbers given where an operation takes a schedule."""
    if not isinstance(value, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise TypeError(_at(where, f"must be a spec or a list of numbers, got {value!r}"))
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(_at(where, f"must be finite, got {value!r}"))
    return arr


class SpecNode:
    """A parsed, validated spec: its length, dtype and phases, and any window of it.

    Built by `parse`. ``full()`` equals `from_spec`; ``values(a, b)`` equals
    ``full()[a:b]`` bit for bit and, for native and compat schedules and every
    operation, computes only those steps (compat functions that take other
    specs as parameters are computed whole once).
    """

    name: str
    spec: dict[str, Any]
    length: int
    dtype: np.dtype[Any]
    landmarks: tuple[Landmark, ...]
    steps_per_epoch: int | None
    #: ``(function, keyword arguments)`` when the node is one schedule call that
    #: `schedarray.window` can compute piecewise, else None.
    call: tuple[Callable[..., Any], dict[str, Any]] | None
    #: What a compat function returned when it is not an array (an fvcore
    #: ``ParamScheduler``, say): usable only as another function's parameter.
    component: Any

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name, self.spec = name, spec
        self.steps_per_epoch = None
        self.landmarks = ()
        self.call = None
        self.component = None

    def full(self) -> FloatArray:
        """The whole schedule."""
        return self.values(0, self.length)

    def values(self, start: int, stop: int) -> FloatArray:
        """Steps ``[start, stop)`` of the schedule."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"SpecNode({self.name!r}, length={self.length})"


class _Literal(SpecNode):
    def __init__(self, values: FloatArray, spec: Any) -> None:
        super().__init__("values", spec)
        self._array = values
        self.length, self.dtype = values.shape[0], values.dtype
        runs = np.flatnonzero(values[1:] != values[:-1]) + 1
        self.landmarks = tuple(Landmark(int(i), "constant") for i in [0, *runs.tolist()])

    def full(self) -> FloatArray:
        return self._array.copy()

    def values(self, start: int, stop: int) -> FloatArray:
        return self._array[start:stop].copy()


def _spe(params: Mapping[str, Any]) -> int | None:
    spe = params.get("steps_per_epoch")
    return spe if isinstance(spe, int) and not isinstance(spe, bool) and spe > 0 else None


def _phases(plan: Plan) -> tuple[Landmark, ...]:
    return tuple(Landmark(offset, kind) for offset, kind in plan.phases())


class _Call(SpecNode):
    """A native or compat schedule: ``fn(**params)``, windowed through `window`."""

    def __init__(self, name: str, spec: dict[str, Any], fn: Callable[..., Any],
                 params: dict[str, Any], where: str) -> None:
        super().__init__(name, spec)
        self._fn, self._params = fn, params
        self._whole: FloatArray | None = None
        self.steps_per_epoch = _spe(params)
        takes = getattr(fn, "__schedarray_parts__", ())
        nodes = [k for k, v in params.items() if _holds_nodes(v)]
        if nodes and all(k in takes for k in nodes):
            # A composition of parts (torch's sequential_lr, optax's join_schedules): the
            # specs go in as callables that compute only the steps asked of them.
            lazy = {k: _as_part(v) for k, v in params.items()}
            with _plan.measured() as lengths:
                probe = _call(fn, lazy, where, start=0, stop=0)
            _check_result(probe, name, where)
            if lengths:  # the length the composition asked its window of
                self._params, self.length, self.dtype = lazy, lengths[0], probe.dtype
                self.landmarks = (Landmark(0, name),)
                return
        plans: list[Plan] = []
        probe = None
        if not nodes:
            with recording() as plans:
                probe = _call(fn, params, where, start=0, stop=0)
        if (len(plans) == 1 and isinstance(probe, np.ndarray) and probe.ndim == 1
                and probe.shape[0] == 0):
            self.length, self.dtype = plans[0].length, probe.dtype
            self.landmarks = _phases(plans[0])
            self.call = (_schedule_only(fn), dict(params))
            return
        # Not a single rendered plan: compute it whole once and serve windows from it.
        with recording() as plans:
            whole = _call(fn, params, where)
        if not isinstance(whole, np.ndarray):
            self.component, self.length, self.dtype = whole, 0, np.dtype(np.float64)
            return
        _check_result(whole, name, where)
        self._whole, self.length, self.dtype = whole, whole.shape[0], whole.dtype
        mine = [p for p in plans if p.length == whole.shape[0]]
        self.landmarks = _phases(mine[-1]) if mine else (Landmark(0, name),)

    def full(self) -> FloatArray:
        if self.component is not None:
            return self.component  # type: ignore[no-any-return]
        if self._whole is not None:
            return self._whole.copy()
        return _call(self._fn, self._params, "")

    def values(self, start: int, stop: int) -> FloatArray:
        if self._whole is not None:
            return self._whole[start:stop].copy()
        return _call(self._fn, self._params, "", start=start, stop=stop)


def _holds_nodes(value: Any) -> bool:
    return isinstance(value, SpecNode) or (isinstance(value, list) and bool(value)
                                           and isinstance(value[0], SpecNode))


class _Part:
    """A spec given as a composition's part: ``part(n)`` is the schedule, or its window.

    Called under `schedarray.window` it returns only the window's steps (see
    `schedarray._plan.steps_of`); ``len(part)`` is the spec's length.
    """

    def __init__(self, node: SpecNode) -> None:
        self.node = node

    def __len__(self) -> int:
        return self.node.length

    def __call__(self, n: int) -> FloatArray:
        requested = _plan.active_window()
        with _plan.unwindowed():
            if requested is None or max(n, requested[1]) > self.node.length:
                return self.node.full()  # the whole (a too-short part is reported by the caller)
            return self.node.values(*requested)

    def __repr__(self) -> str:
        return f"<the schedule of spec {describe(self.node.spec)}>"


def _as_part(value: Any) -> Any:
    if isinstance(value, SpecNode):
        return _Part(value)
    if _holds_nodes(value):
        return [_Part(v) for v in value]
    return value


def _built(value: Any) -> Any:
    if isinstance(value, SpecNode):
        return value.full()
    if isinstance(value, list) and value and all(isinstance(v, SpecNode) for v in value):
        return [v.full() for v in value]
    return value


def _result_of(fn: Callable[..., Any], field: str) -> Callable[..., Any]:
    """`fn`, giving only its result named `field` (``create_scheduler_v2``'s ``num_epochs``)."""

    @functools.wraps(fn)
    def result(*args: Any, **kwargs: Any) -> Any:
        return getattr(fn(*args, **kwargs), field)

    return result


def _first_schedule(result: Any) -> Any:
    """The schedule of a result: the first of several (timm's ``(lr, num_epochs)``)."""
    if isinstance(result, tuple) and result and isinstance(result[0], np.ndarray):
        return result[0]
    return result


def _schedule_only(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, giving only its schedule when it returns several results."""

    @functools.wraps(fn)
    def schedule(*args: Any, **kwargs: Any) -> Any:
        return _first_schedule(fn(*args, **kwargs))

    return schedule


def _call(fn: Callable[..., Any], params: dict[str, Any], where: str,
          start: int | None = None, stop: int | None = None) -> Any:
    kwargs = {k: _built(v) for k, v in params.items()}
    try:
        if start is None or stop is None:
            result = fn(**kwargs)
        else:
            result = window(fn, start, stop, **kwargs)
    except (TypeError, ValueError) as exc:
        if not where:
            raise
        raise type(exc)(_at(where, str(exc))) from None
    return _first_schedule(result)


def _check_result(values: Any, name: str, where: str) -> None:
    if not (isinstance(values, np.ndarray) and values.ndim == 1
            and values.dtype in check.FLOAT_DTYPES):
        got = getattr(values, "shape", type(values).__name__)
        raise TypeError(_at(where, f"{name} must give a 1-D float array for a spec, got {got}"))


class _Operation(SpecNode):
    """``join``, ``scale``, ``clip``, ``per_epoch`` or ``envelope`` over built inputs."""

    def __init__(self, name: str, spec: dict[str, Any], params: dict[str, Any],
                 where: str) -> None:
        super().__init__(name, spec)
        self._fn, self._key, self._mode = OPERATIONS[name]
        self._params = params
        inputs = params[self._key]
        self._inputs: list[SpecNode] = inputs if isinstance(inputs, list) else [inputs]
        for i, node in enumerate(self._inputs):
            if node.component is not None:
                at = f"{self._key}[{i}]" if isinstance(inputs, list) else self._key
                raise TypeError(_at(f"{where}.{at}" if where else at, _not_an_array(node)))
        others = {k: v for k, v in params.items() if k != self._key}
        self._others = others
        empty = [np.empty(0, n.dtype) for n in self._inputs]
        first = self._inputs[0]
        if self._mode == "elementwise" and len(self._inputs) > 1:
            for i, node in enumerate(self._inputs):
                if node.length != first.length:
                    raise ValueError(_at(where, f"{name} needs parts of one length, got "
                                                f"len(parts[0])={first.length}, "
                                                f"len(parts[{i}])={node.length}"))
        if self._mode == "envelope":
            self.length, self.dtype = first.length, first.dtype
            spe = others.get("steps_per_epoch")
            try:
                self._ramps = envelope_steps(first.length, others.get("warmup_steps", 0),
                                             others.get("cooldown_steps", 0), spe)
                self._endpoint = check.flag(others.get("endpoint", True), "endpoint")
            except (TypeError, ValueError) as exc:
                raise type(exc)(_at(where, str(exc))) from None
        elif self._mode == "slice":
            try:
                self._start, stop = cut_bounds(first.length, others.get("start", 0),
                                               others.get("stop"))
            except (TypeError, ValueError) as exc:
                raise type(exc)(_at(where, str(exc))) from None
            self.length, self.dtype = stop - self._start, first.dtype
        else:
            self.dtype = self._apply(empty, where).dtype
            if self._mode == "concat":
                self.length = sum(n.length for n in self._inputs)
            elif self._mode == "per_epoch":
                self.length = first.length * others["steps_per_epoch"]
            else:
                self.length = first.length
        self.steps_per_epoch = _spe(others) or _common_spe(self._inputs)
        self.landmarks = self._layout()

    def _apply(self, arrays: list[FloatArray], where: str) -> FloatArray:
        args = arrays if self._key == "parts" else []
        kwargs = dict(self._others)
        if self._key != "parts":
            kwargs[self._key] = arrays[0]
        try:
            return self._fn(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            if not where:
                raise
            raise type(exc)(_at(where, str(exc))) from None

    def _layout(self) -> tuple[Landmark, ...]:
        if self._mode == "concat":
            marks: list[Landmark] = []
            at = 0
            for i, node in enumerate(self._inputs):
                for m in node.landmarks or (Landmark(0, node.name),):
                    label = f"parts[{i}]" if m.step == 0 else ""
                    marks.append(Landmark(at + m.step, f"{label} {m.label}".strip()))
                at += node.length
            return tuple(marks)
        if self._mode == "per_epoch":
            spe = self._others["steps_per_epoch"]
            return tuple(Landmark(m.step * spe, m.label) for m in self._inputs[0].landmarks)
        if self._mode == "slice":
            inside = [Landmark(m.step - self._start, m.label) for m in self._inputs[0].landmarks
                      if m.step - self._start < self.length]
            before = [m for m in inside if m.step <= 0]
            return tuple([Landmark(0, before[-1].label)] if before else []) + tuple(
                m for m in inside if m.step > 0)
        marks = list(self._inputs[0].landmarks)
        if self._mode == "envelope":
            n, (w, c) = self.length, self._ramps
            marks += [Landmark(0, "envelope warmup")] if w else []
            marks += [Landmark(math.ceil(w), "envelope end of warmup")] if 0 < w < n else []
            marks += [Landmark(math.ceil(n - c), "envelope cooldown")] if c else []
            marks.sort(key=lambda m: m.step)
        return tuple(marks)

    def full(self) -> FloatArray:
        if self._mode == "envelope":
            return self.values(0, self.length)
        return self._apply([n.full() for n in self._inputs], "")

    def values(self, start: int, stop: int) -> FloatArray:
        if self._mode == "elementwise":
            return self._apply([n.values(start, stop) for n in self._inputs], "")
        if self._mode == "envelope":
            buf = self._inputs[0].values(start, stop)
            apply_envelope(buf, start, self.length, *self._ramps, self._endpoint)
            return buf
        if self._mode == "slice":
            return self._inputs[0].values(self._start + start, self._start + stop)
        if self._mode == "per_epoch":
            spe = self._others["steps_per_epoch"]
            source = self._inputs[0]
            e0, e1 = start // spe, -(-stop // spe)
            per = source.values(e0, e1)
            return per[np.arange(start, stop) // spe - e0]
        buf = np.empty(stop - start, self.dtype)
        at = 0
        for node in self._inputs:
            a, b = max(start, at), min(stop, at + node.length)
            if a < b:
                buf[a - start : b - start] = node.values(a - at, b - at)
            at += node.length
        return buf


def _not_an_array(node: SpecNode) -> str:
    kind = type(node.component).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return (f"{node.name} builds {article} {kind}, not a schedule array; "
            "use it as the parameter of a function that takes one")


def _common_spe(nodes: list[SpecNode]) -> int | None:
    known = {n.steps_per_epoch for n in nodes} - {None}
    return known.pop() if len(known) == 1 else None


def parse(spec: Mapping[str, Any], where: str = "") -> SpecNode:
    """Validate `spec` and return its `SpecNode` (length, dtype, phases, windows).

    Every check runs here, before any array of the schedule's length is
    made (``envelope`` and compat functions that do not render a plan are
    computed once, whole).

    Examples
    --------
    >>> node = parse({"name": "warmup_cosine", "total_steps": 10, "peak": 1.0,
    ...               "warmup_steps": 2})
    >>> node.length, [tuple(m) for m in node.landmarks]
    (10, [(0, 'linear'), (2, 'cosine')])
    >>> node.values(2, 4)
    array([1.        , 0.95048443])
    """
    node = _parse(spec, where)
    if node.component is not None and not where:
        raise TypeError(_not_an_array(node))
    return node


def _parse(spec: Mapping[str, Any], where: str) -> SpecNode:
    """`parse`, also for a spec that builds no array (an fvcore scheduler, a count)."""
    if not isinstance(spec, Mapping):
        raise TypeError(_at(where, f"a spec must be a mapping, got {type(spec).__name__}"))
    data = _plain(spec, where)
    if "name" not in data:
        keys = ", ".join(repr(k) for k in data) or "none"
        raise ValueError(_at(where, f"a spec needs a 'name' key, got keys {keys}"))
    params = dict(data)
    name = params.pop("name")
    fn = resolve(name, where)
    _check_parameters(fn, name, params, where)
    built: dict[str, Any] = {}
    for key, value in params.items():
        inner = f"{where}.{key}" if where else key
        built[key] = _build_value(value, inner, operand=name in OPERATIONS
                                  and key == OPERATIONS[name][1])
    if name in OPERATIONS:
        return _Operation(name, data, built, where)
    return _Call(name, data, fn, built, where)


def _build_value(value: Any, where: str, *, operand: bool) -> Any:
    if operand:
        if isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
            return [_build_value(v, f"{where}[{i}]", operand=True) for i, v in enumerate(value)]
        if _is_spec(value):
            return parse(value, where)
        return _Literal(_array(value, where), value)
    if _is_spec(value):
        return parse(value, where)
    if isinstance(value, list) and value and all(_is_spec(v) for v in value):
        return [parse(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _check_parameters(fn: Callable[..., Any], name: str, params: dict[str, Any],
                      where: str) -> None:
    signature = inspect.signature(fn)
    accepted = [p for p in signature.parameters.values() if p.name != "out"]
    valid = [p.name for p in accepted if p.kind is not p.VAR_KEYWORD]
    open_ended = any(p.kind is p.VAR_KEYWORD for p in accepted)
    for key in params:
        if key not in valid and not open_ended:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(_at(where, f"{name} has no parameter {key!r}; {hint}"
                                       f"valid: {', '.join(valid)}"))
    for p in accepted:
        if p.kind is p.VAR_POSITIONAL:
            if p.name not in params:
                raise TypeError(_at(where, f"{name} needs {p.name!r}, a list"))
            if not isinstance(params[p.name], list) or not params[p.name]:
                raise TypeError(_at(where, f"{name} needs {p.name!r} to be a non-empty list, "
                                           f"got {p.name}={params[p.name]!r}"))
        elif p.default is p.empty and p.kind is not p.VAR_KEYWORD and p.name not in params:
            raise TypeError(_at(where, f"{name} needs parameter {p.name!r}"))


# ---------------------------------------------------------------------------- public API

def from_spec(spec: Mapping[str, Any]) -> FloatArray | Any:
    """Build the schedule a spec describes.

    ``from_spec({"name": f, **params})`` equals ``f(**params)`` exactly,
    with nested specs built first (see the module docstring). Unknown names
    list the close matches; unknown parameters name the valid ones. Under
    `schedarray.window` it computes only the window, joins included.

    Parameters
    ----------
    spec : mapping
        ``{"name": <schedule>, <parameter>: <value>, ...}`` as plain data.

    Returns
    -------
    ndarray
        The schedule; `to_spec` gives the spec back. A spec whose function
        gives something else (an fvcore scheduler, the named result
        ``compat.timm.create_scheduler_v2.num_epochs``) gives that, as it is.

    Raises
    ------
    TypeError
        `spec` is not plain data, a parameter is unknown or missing, or a
        parameter has the wrong type.
    ValueError
        The name is unknown, or a parameter has a bad value.

    Examples
    --------
    >>> from_spec({"name": "warmup_linear", "total_steps": 5, "peak": 1.0,
    ...            "warmup_steps": 1})
    array([0.        , 1.        , 0.66666667, 0.33333333, 0.        ])
    >>> from_spec({"name": "join", "parts": [[0.5, 0.5], {"name": "linear",
    ...            "total_steps": 2, "start": 1.0}]})
    array([0.5, 0.5, 1. , 0. ])
    """
    requested = _plan.active_window()
    if requested is not None:  # under schedarray.window: only those steps, of any spec
        with _plan.unwindowed():
            node = parse(spec)
        start, stop = _plan.span(node.length)
        with _plan.unwindowed():
            return node.values(start, stop)
    node = _parse(spec, "")
    if node.component is not None:  # a named result that is not an array: num_epochs
        return node.component  # type: ignore[no-any-return]
    values = node.full()
    check.remember(values, copy.deepcopy(node.spec))
    return values


def _name_of(func: Callable[..., Any]) -> str:
    """The spec name of a public function (given unwrapped, as `check.Made` holds it)."""
    from . import SCHEDULES

    named = [*SCHEDULES.items(), *((k, v[0]) for k, v in OPERATIONS.items())]
    for name, fn in named:
        if getattr(fn, "__wrapped__", fn) is func:
            return name
    module, prefix = func.__module__, f"{__package__}.compat."
    short = module[len(prefix):] if module.startswith(prefix) else ""
    if short and func.__name__ in getattr(importlib.import_module(module), "__all__", ()):
        return f"compat.{short}.{func.__name__}"
    raise ValueError(f"values was made by {func.__qualname__}, which no spec name stands for; "
                     f"a spec names a schedule, an operation or a compat function")


def _spec_from(origin: Any) -> Any:
    """The spec data `origin` (what `check.made` gives) stands for."""
    if isinstance(origin, check.Opaque):
        raise ValueError(f"it was built from {origin.what}")
    if isinstance(origin, check.Made):
        signature = inspect.signature(origin.func)
        spec: dict[str, Any] = {"name": _name_of(origin.func)}
        arguments = signature.bind(*origin.args, **origin.kwargs).arguments
        if "name" in arguments:
            raise ValueError(f"{spec['name']} was given its parameter 'name', which a spec "
                             "cannot hold (a spec's 'name' is the function): build the "
                             "schedule with a function that needs no 'name'")
        for key, value in arguments.items():
            if signature.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                spec.update((k, _spec_from(v)) for k, v in value.items())
            else:
                spec[key] = _spec_from(value)
        return spec
    if isinstance(origin, (list, tuple)):
        return [_spec_from(v) for v in origin]
    if isinstance(origin, dict):
        return {k: _spec_from(v) for k, v in origin.items()}
    return origin


def to_spec(values: np.ndarray) -> dict[str, Any]:
    """The spec of a schedule a schedarray function built, as plain data.

    Works on what any public call returned: a native schedule
    (``sa.cosine(...)``), a compat function, `from_spec` (its spec comes back
    as given), and the operations (`join`, `scale`, `clip`, `per_epoch`,
    `envelope`, `cut`, `multiply`, `add`) applied to such arrays, nested to
    any depth. The spec is checked by building it again: ``from_spec(spec)``
    equals `values` bit for bit and in dtype, or this raises (so a schedule
    changed in place, or built from an array no call made, has no spec).
    This costs one more build of the schedule.

    Raises
    ------
    TypeError
        `values` is not a NumPy array.
    ValueError
        `values` was not returned by a schedarray function (a copy, a NumPy
        slice, the result of NumPy arithmetic, a window), was built from such
        an array or from an object that is not plain data, or was changed
        since.

    Examples
    --------
    >>> import schedarray as sa
    >>> to_spec(sa.scale(sa.cosine(3, start=1.0), 0.5))
    {'name': 'scale', 'values': {'name': 'cosine', 'total_steps': 3, 'start': 1.0}, 'factor': 0.5}
    >>> lr = from_spec({"name": "cosine", "total_steps": 3, "start": 1.0})
    >>> to_spec(lr)
    {'name': 'cosine', 'total_steps': 3, 'start': 1.0}
    """
    if not isinstance(values, np.ndarray):
        raise TypeError(f"values must be a numpy array, got values={type(values).__name__}")
    origin = check.made(values)
    if origin is None:
        raise ValueError(
            "values was not returned by a schedarray function (a copy, a slice or the result "
            "of NumPy arithmetic is a new array); keep the spec, or the call, to rebuild it"
        )
    try:
        spec = _plain(_spec_from(origin), "")
        with _plan.unwindowed():
            rebuilt = from_spec(spec)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values has no spec: {exc}") from None
    if rebuilt.dtype != values.dtype:
        raise ValueError(f"values has no spec: its spec builds {rebuilt.dtype}, values is "
                         f"{values.dtype} (a literal input or out= of another dtype)")
    if rebuilt.shape != values.shape or not np.array_equal(rebuilt, values):
        raise ValueError("values was changed after it was built (or was built from arrays "
                         "changed since); the spec of its call no longer describes it")
    return spec  # type: ignore[no-any-return]


def load_spec(path: str | os.PathLike[str], table: str | None = None) -> dict[str, Any]:
    r"""Read a spec from a ``.json`` or ``.toml`` file.

    With `table`, a dotted key such as ``"tool.schedarray.lr"``, the spec is
    that table of a larger config; without it the file itself is the spec.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        The file is not valid JSON/TOML, or holds no spec where asked (the
        message lists the tables that hold one).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.toml"
    >>> _ = path.write_text('[tool.schedarray.lr]\nname = "cosine"\n'
    ...                     'total_steps = 3\nstart = 1.0\n')
    >>> load_spec(path, "tool.schedarray.lr")
    {'name': 'cosine', 'total_steps': 3, 'start': 1.0}
    """
    text_path = os.fspath(path)
    suffix = os.path.splitext(text_path)[1].lower()
    if suffix not in (".json", ".toml"):
        raise ValueError(f"a spec file must end in .json or .toml, got path={text_path!r}")
    with open(text_path, "rb") as file:
        raw = file.read()
    try:
        if suffix == ".json":
            document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        else:
            document = _toml().loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        kind = "JSON" if suffix == ".json" else "TOML"
        raise ValueError(f"{text_path} is not valid {kind}: {exc}") from None
    except RecursionError:
        raise ValueError(f"{text_path} is nested too deeply to read") from None
    found: Any = document
    if table is not None:
        if not isinstance(table, str) or not table:
            raise TypeError(f"table must be a dotted key (str), got table={table!r}")
        walked: list[str] = []
        for key in table.split("."):
            if not isinstance(found, dict) or key not in found:
                keys = ", ".join(found) if isinstance(found, dict) else "none"
                here = ".".join(walked) or "the top level"
                raise ValueError(f"{text_path} has no table {table!r} ({here} has: {keys})")
            found, walked = found[key], [*walked, key]
    if not _is_spec(found):
        where = f"table {table!r}" if table else "the top level"
        candidates = ", ".join(_spec_tables(document)) or "none"
        raise ValueError(f"{text_path} holds no spec (a table with a 'name') at {where}; "
                         f"tables with one: {candidates}")
    return dict(found)


def _no_constant(token: str) -> float:
    raise ValueError(f"{token} is not a finite number")


def _spec_tables(document: Any, prefix: str = "", depth: int = 0) -> list[str]:
    if not isinstance(document, dict) or depth > MAX_DEPTH:
        return []
    if _is_spec(document) and prefix:
        return [prefix]
    found: list[str] = []
    for key, value in document.items():
        found += _spec_tables(value, f"{prefix}.{key}" if prefix else key, depth + 1)
    return found[:10]


def _toml() -> Any:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ImportError(
                "reading TOML on Python 3.10 needs tomli: pip install tomli"
            ) from None
    return tomllib


def describe(spec: Mapping[str, Any]) -> str:
    """A one-line call that shows what a spec builds.

    Examples
    --------
    >>> describe({"name": "cosine", "total_steps": 3, "start": 1.0})
    'cosine(total_steps=3, start=1.0)'
    """
    data = dict(spec)
    name = data.pop("name", "?")
    args = ", ".join(f"{k}={_short(v)}" for k, v in data.items())
    return f"{name}({args})"


def _short(value: Any) -> str:
    if _is_spec(value):
        return describe(value)
    if isinstance(value, list):
        if len(value) > 6 and not any(isinstance(v, dict) for v in value):
            return f"[{', '.join(map(_short, value[:3]))}, ... ({len(value)} values)]"
        return f"[{', '.join(map(_short, value))}]"
    return repr(value)
