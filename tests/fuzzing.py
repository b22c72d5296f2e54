"""Hostile-input fuzzing of the whole public API: targets, mutations and the verdict.

Shared by the bounded suite (`tests/test_fuzz.py`, Hypothesis) and the long run
(`scripts/fuzz.py`). Every public function gets a *baseline*, a valid call
taken from its own docstring example; a fuzzed call replaces one or more of
its parameters by a hostile value (huge, tiny, negative, NaN, inf, the wrong
type, a NumPy scalar, a 0-d array, a bool, a string such as ``"1e400ep"``),
optionally adds ``out=`` or wraps it in `schedarray.window`. `verdict`
classifies what happened:

``ok``            a finite result of the right shape, inside the schedule's bounds
``clean``         `TypeError`/`ValueError` whose message names a parameter the call used
``unclean``       any other exception, or an error naming none of the call's parameters
``non-finite``    a result containing inf or NaN
``wrong``         a result of the wrong shape or outside the bounds
``data-loss``     an error after something was written into the caller's ``out=``
``hang``          (the long run only) no answer within its time limit
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import schedarray as sa
from schedarray import errors

COMPAT = ("convnext", "fvcore", "hf", "keras", "optax", "timm", "torch")
COMPOSE = ("join", "per_epoch", "scale", "clip", "groups", "layer_decay", "envelope")
#: Functions whose arguments are framework objects (fvcore's converters): no baseline.
SKIPPED = frozenset({"from_fvcore"})
SENTINEL = -12345.0
#: Public functions whose results `schedarray.to_spec` refuses, and why: no spec name, or a
#: parameter that cannot be plain data (a Python function, a partial of one).
NO_SPEC = {
    "groups": "no spec name stands for",
    "layer_decay": "no spec name stands for",
    "compat.hf.get_scheduler": "its parameter 'name'",
    "compat.optax.join_schedules": "built from a partial",
    "compat.torch.lambda_lr": "built from a function",
    "compat.torch.multiplicative_lr": "built from a function",
    "compat.torch.sequential_lr": "built from a function",
}


@dataclass
class Target:
    """A public function and a valid call of it (from its docstring example)."""

    name: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    params: list[str] = field(default_factory=list)


def _examples(fn: Callable[..., Any]) -> list[str]:
    """The source lines of the doctest examples in `fn`'s docstring."""
    lines, out = (fn.__doc__ or "").splitlines(), []
    for line in lines:
        text = line.strip()
        if text.startswith(">>> "):
            out.append(text[4:])
        elif text.startswith("... ") and out:
            out[-1] += " " + text[4:]
    return out


def _baseline(name: str, fn: Callable[..., Any], module: Any) -> Target | None:
    namespace = {"np": np, "sa": sa, "math": math, **vars(module), name.rsplit(".", 1)[-1]: fn}
    for source in _examples(fn):
        try:
            tree = ast.parse(source, mode="exec")
        except SyntaxError:
            continue
        found = False
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            if callee != name.rsplit(".", 1)[-1] or any(isinstance(a, ast.Starred) for a in node.args):
                continue
            try:
                args = tuple(eval(compile(ast.Expression(a), "<example>", "eval"), namespace)
                             for a in node.args)
                kwargs = {k.arg: eval(compile(ast.Expression(k.value), "<example>", "eval"),
                                      namespace) for k in node.keywords if k.arg}
            except Exception:
                continue
            found = True
            params = [p for p in inspect.signature(fn).parameters if p not in ("out", "backend")]
            return Target(name, fn, args, kwargs, params)
        if not found:  # an earlier line of the example (``warm = ...``)
            with contextlib.suppress(Exception):
                exec(compile(tree, "<example>", "exec"), namespace)
    return None


def targets() -> list[Target]:
    """Every public function that has a docstring example of itself."""
    found: list[Target] = []
    for name, fn in sa.SCHEDULES.items():
        found.append(_baseline(name, fn, importlib.import_module(fn.__module__)))
    compose = importlib.import_module("schedarray.compose")
    found.extend(_baseline(n, getattr(sa, n), compose) for n in COMPOSE)
    for mod_name in COMPAT:
        module = importlib.import_module(f"schedarray.compat.{mod_name}")
        for n in module.__all__:
            fn = getattr(module, n)
            if inspect.isfunction(fn) and n not in SKIPPED:
                found.append(_baseline(f"compat.{mod_name}.{n}", fn, module))
    return [t for t in found if t is not None]


def missing_baselines() -> list[str]:
    """Public functions the fuzzer cannot reach (no example of their own)."""
    have = {t.name for t in targets()}
    names = [*sa.SCHEDULES, *COMPOSE]
    for mod_name in COMPAT:
        module = importlib.import_module(f"schedarray.compat.{mod_name}")
        names += [f"compat.{mod_name}.{n}" for n in module.__all__
                  if inspect.isfunction(getattr(module, n)) and n not in SKIPPED]
    return [n for n in names if n not in have]


#: Hostile replacements for any parameter.
HOSTILE: tuple[Any, ...] = (
    0, 1, -1, 2, 3, 7, 10, 2**31, 2**53 + 1, 10**12, 2**63, 10**400, -(10**400),
    0.0, -0.0, 0.5, 1.0, -1.0, 2.0, 1e-300, 5e-324, 2.2e-308, 1e-39, 1e39, 1e154, 1e300,
    1e308, -1e308, 1.7976931348623157e308, math.nan, math.inf, -math.inf,
    True, False, None, "", "abc", "1e400ep", "1e300ep", "5ep", "0.5ep", "-1ep", "10%",
    "1e400%", "150%", "nan%", [], [1, 2], [0.1, 0.2], [1e308, -1e308], [math.nan],
    [3, 1], [10**400], {}, {"power": 1e308}, {"exponent": 5e-324}, (0.1,),
    np.float32(0.5), np.float64(1e308), np.int64(3), np.int32(-5), np.bool_(True),
    np.array(0.5), np.array(3), np.array([0.5, 0.25]), np.array([[1.0]]),
    np.float16(1.0), complex(1, 1), b"5", object(),
)


def scaled(value: Any) -> list[Any]:
    """Near-boundary variants of a baseline value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    if abs(value) > 1e300:
        return [-value]
    out: list[Any] = [-value, value * 1e300, value * 1e-300]
    if isinstance(value, int):
        out += [value + 1, value - 1, value * 10**15]
    else:
        out += [math.nextafter(value, math.inf), value * 3.0]
    return out


@dataclass
class Call:
    target: Target
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    window: tuple[int, int] | None = None
    with_out: Any = None  # None, or a shape/dtype for a sentinel-filled out=
    sample: Any = 4  # fvcore schedulers: the num_steps of ``sched.sample``
    spec: bool = False  # through ``from_spec({"name": ..., **parameters})``

    def describe(self) -> str:
        inner = ", ".join([*(_short(a) for a in self.args),
                           *(f"{k}={_short(v)}" for k, v in self.kwargs.items())])
        text = f"{self.target.name}({inner})"
        if self.spec:
            text = f"from_spec({text})"
        if self.with_out is not None:
            text += f" out={self.with_out}"
        if self.target.name.startswith("compat.fvcore."):
            text += f".sample({self.sample!r})"
        return f"window({text}, {self.window})" if self.window else text


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 4:
        return f"array(shape={value.shape})"
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def mutate(target: Target, choose: Callable[[Any], Any], count: int) -> Call:
    """A call of `target` with `count` parameters replaced (`choose` picks from a list)."""
    signature = inspect.signature(target.fn)
    bound = signature.bind_partial(*target.args, **target.kwargs)
    arguments = dict(bound.arguments)
    names = [p for p in target.params
             if signature.parameters[p].kind is not inspect.Parameter.VAR_KEYWORD]
    for _ in range(count):
        name = choose(names)
        kind = signature.parameters[name].kind
        current = arguments.get(name)
        if kind is inspect.Parameter.VAR_POSITIONAL:
            parts = list(current or ())
            if parts and choose([True, False]):
                parts[choose(range(len(parts)))] = choose(HOSTILE)
            else:
                parts.append(choose(HOSTILE))
            arguments[name] = tuple(parts)
        else:
            pool = list(HOSTILE) + scaled(current)
            arguments[name] = choose(pool)
    args, kwargs = [], {}
    for name, value in arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            args.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update(value)
        elif kind is inspect.Parameter.POSITIONAL_ONLY or (
            kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and not kwargs
            and name in list(bound.arguments)[: len(target.args)]
        ):
            args.append(value)
        else:
            kwargs[name] = value
    return Call(target, tuple(args), kwargs)


def used_names(call: Call) -> set[str]:
    """The parameter names a call used (its bound arguments, and window's own)."""
    signature = inspect.signature(call.target.fn)
    try:
        names = set(signature.bind_partial(*call.args, **call.kwargs).arguments)
    except TypeError:
        names = set(call.kwargs)
    if call.window is not None:
        names |= {"start", "stop", "window"}
    if call.spec:
        names |= {"spec", "name"}
    if call.with_out is not None:
        names |= {"out"}
    if call.target.name.startswith("compat.fvcore."):
        names |= {"num_steps"}
    return names


#: Parameters whose values bound a native schedule's values (with their defaults).
_VALUE_PARAMS = ("start", "end", "peak", "value", "low", "high", "values")
#: Native schedules whose values may leave that range (factors, rates, shifts).
_UNBOUNDED = frozenset({"exponential", "step", "multistep", "inverse_sqrt",
                        "cosine_restarts", "one_cycle"})


def bounds(call: Call) -> tuple[float, float] | None:
    """The range a native schedule's values must stay in, when it has one."""
    name = call.target.name
    if name not in sa.SCHEDULES or name in _UNBOUNDED:
        return None
    signature = inspect.signature(call.target.fn)
    bound = signature.bind_partial(*call.args, **call.kwargs)
    bound.apply_defaults()
    levels: list[float] = [0.0] if name in ("wsd",) else []
    for key in _VALUE_PARAMS:
        value = bound.arguments.get(key)
        if value is None or isinstance(value, str):
            continue
        for v in np.ravel(np.asarray(value, dtype=object)):
            levels.append(float(v))
    if not levels:
        return None
    return min(levels), max(levels)


def _expected_length(call: Call) -> int | None:
    if call.window is not None:
        return call.window[1] - call.window[0]
    if call.target.name in sa.SCHEDULES:
        n = call.args[0] if call.args else call.kwargs.get("total_steps")
        if isinstance(n, int) and not isinstance(n, bool):
            return n
    return None


def run(call: Call) -> tuple[Any, np.ndarray | None]:
    """Make the call; returns (result or exception, the out= array given)."""
    kwargs = dict(call.kwargs)
    out = None
    if call.with_out is not None:
        shape, dtype = call.with_out
        out = np.full(shape, SENTINEL, dtype=dtype)
        kwargs["out"] = out
    try:
        if call.spec:
            params = dict(kwargs)
            if call.args:
                params["total_steps"] = call.args[0]
            result = sa.from_spec({"name": call.target.name, **params})
        elif call.window is not None:
            result = sa.window(call.target.fn, call.window[0], call.window[1],
                               *call.args, **kwargs)
        else:
            result = call.target.fn(*call.args, **kwargs)
        if isinstance(result, tuple):  # create_scheduler_v2: (values, epochs)
            result = result[0]
        if hasattr(result, "sample"):  # an fvcore scheduler: its values
            result = result.sample(call.sample, **({"out": out} if out is not None else {}))
    except Exception as exc:  # classified by `verdict`
        return exc, out
    return result, out


#: ValueErrors that are also the anchor's own type (`schedarray.errors`): clean errors too.
ANCHOR_TYPED = tuple(getattr(errors, name) for name in errors.__all__)


def verdict(call: Call, result: Any, out: np.ndarray | None) -> tuple[str, str]:
    """The outcome class of a finished call, and a one-line reason."""
    if isinstance(result, BaseException):
        if out is not None and not np.all(out == SENTINEL):
            return "data-loss", f"{type(result).__name__} after writing out=: {result}"
        if type(result) not in (TypeError, ValueError) and not isinstance(result, (
                sa._check.Unallocatable, sa._check.NotFinite, *ANCHOR_TYPED)):
            return "unclean", f"{type(result).__name__}: {result}"
        message = str(result)
        for name in used_names(call):
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message):
                return "clean", type(result).__name__
        return "unclean", f"names no parameter of the call: {type(result).__name__}: {message}"
    if not isinstance(result, np.ndarray) or result.dtype.kind != "f":
        return "wrong", f"not a float array: {type(result).__name__}"
    if not np.all(np.isfinite(result)):
        return "non-finite", f"{np.count_nonzero(~np.isfinite(result))} non-finite values"
    expected = _expected_length(call)
    if result.ndim not in (1, 2) or (expected is not None and result.shape[0] != expected):
        return "wrong", f"shape {result.shape}, expected length {expected}"
    if out is not None and result is not out and not np.shares_memory(result, out):
        return "wrong", "out= was given but the result is another array"
    limits = bounds(call)
    if limits is not None and result.size:
        lo, hi = float(limits[0]), float(limits[1])  # Python floats: lo - slack may be -inf
        slack = 4 * float(np.finfo(result.dtype).eps) * max(abs(lo), abs(hi))
        if np.finfo(result.dtype).bits == 32:
            slack = max(slack, float(np.finfo(np.float32).tiny))
        if result.min() < lo - slack or result.max() > hi + slack:
            return "wrong", f"values [{result.min()}, {result.max()}] outside [{lo}, {hi}]"
    return "ok", ""


def generate(target: Target, choose: Callable[[Any], Any]) -> Call:
    """One fuzzed call: mutated parameters, sometimes with ``out=`` or under `window`."""
    call = mutate(target, choose, choose([0, 1, 1, 1, 2, 2, 3]))
    if target.name.startswith("compat.fvcore."):
        call.sample = choose([4, 4, 4, 1, 0, 10**7, 2**63, "4", 4.0, np.int64(4)])
    extra = choose(["plain", "plain", "plain", "out", "window", "spec"])
    if extra == "out":
        # The shape of the baseline's result, so a failing mutation must leave it intact.
        try:
            base = target.fn(*target.args, **target.kwargs)
            if isinstance(base, tuple):
                base = base[0]
            if hasattr(base, "sample"):
                base = base.sample(call.sample)
            call.with_out = (base.shape, choose([np.float64, np.float32]))
        except Exception:
            pass
    elif extra == "window" and not target.name.startswith(("compat.fvcore.", "compat.timm.c")) \
            and target.name not in COMPOSE:  # windows of array operations: see issue 12 (h12io)
        a = choose([0, 1, 2, 10**12, -1, 2**63])
        call.window = (a, a + choose([0, 1, 3]))
    elif extra == "spec" and target.name in sa.SCHEDULES:
        call.spec = True
    return call
