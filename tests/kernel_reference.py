"""A stored fingerprint of the Numba kernels' output, to keep rewrites bit-identical.

`CONFIGS` is a fixed set of public schedules (every kernel shape, the
composites built from them, float64 and float32). For each one
``tests/data/kernel_reference.npz`` holds the SHA-256 of

- ``<name>/public``: ``schedule(..., backend="numba")`` (the default routing:
  general powers and ``tanh`` run the NumPy formula inside the threads), and
- ``<name>/kernels``: every recorded plan filled by the kernels alone
  (``route=False``, one thread),

plus ``<name>/sample``, a strided sample of the kernels' values, so a failure
shows where the values moved.

The shapes in `PLATFORM_MATH` take their values from NumPy's ``exp``,
``expm1``, ``log`` and ``log1p``, whose float64 loops are SIMD code chosen by
the CPU (AVX-512 machines run NumPy's own routines, others the C library's):
the last bit of some values depends on the machine. Their hashes are stored
per `math_tag` (``<name>/public@<tag>``); on a machine of another tag they
are held to 4 eps of the stored sample instead. Regenerate (only when a change of values is
intended and explained in the commit) with::

    PYTHONPATH=. python -m tests.kernel_reference

(on a machine of a new `math_tag`, this adds that tag's hashes and keeps the rest).
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import schedarray as sa
from schedarray import _kernels, _plan

PATH = Path(__file__).resolve().parent / "data" / "kernel_reference.npz"
#: Odd lengths, so blocks of 512 never line up with the end.
N = 100_003
#: Every sample of a config takes this stride (a prime).
SAMPLE_STRIDE = 997

#: Shapes whose kernels may change values when the change is *more accurate*
#: (a general power, ``tanh``, ``exp_range``'s ``gamma ** x``); every other
#: shape must stay bit-identical.
MAY_IMPROVE = frozenset({
    "cosine_exponent_1_7", "polynomial_power_0_9", "tanh", "cyclic_exp_range",
})

#: Shapes whose values come from NumPy's SIMD ``exp``/``log`` family (see above).
PLATFORM_MATH = frozenset({"cosine_exponent_1_7", "polynomial_power_0_9", "tanh"})

_F32 = {"dtype": np.float32}


def math_tag() -> str:
    """Which float64 ``exp``/``log`` loops this machine's NumPy runs: the CPU and AVX-512."""
    from schedarray._formulas import cpu_features

    features = cpu_features()
    wide = any(features.get(f) for f in ("X86_V4", "AVX512F", "AVX512_SKX"))
    return platform.machine() + ("+avx512" if wide else "")


def key(name: str, what: str) -> str:
    """The stored key of `name`'s `what` (``public``, ``kernels``) on this machine."""
    return f"{name}/{what}" + (f"@{math_tag()}" if name in PLATFORM_MATH else "")


def _configs() -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    c: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
        "cosine": (sa.cosine, {"start": 1e-3, "end": 1e-5}),
        "cosine_rising": (sa.cosine, {"start": 0.1, "end": 2.0, "endpoint": False}),
        "cosine_exponent_2": (sa.cosine, {"start": 1.0, "end": 0.0, "exponent": 2.0}),
        "cosine_exponent_1_7": (sa.cosine, {"start": 1.0, "end": 0.0, "exponent": 1.7}),
        "polynomial_power_2": (sa.polynomial, {"start": 1.0, "end": 0.01, "power": 2.0}),
        "polynomial_power_0_9": (sa.polynomial, {"start": 1.0, "power": 0.9}),
        "exponential_rate": (sa.exponential, {"start": 1.0, "rate": 0.9, "transition_steps": 7}),
        "exponential_growth": (sa.exponential, {"start": 1e-3, "rate": 1.00001}),
        "exponential_to_end": (sa.exponential, {"start": 1.0, "end": 1e-4}),
        "exponential_to_end_no_endpoint": (
            sa.exponential, {"start": -1e-6, "end": -1.0, "endpoint": False}),
        "staircase": (sa.exponential, {"start": 0.1, "rate": 0.5, "transition_steps": 1000,
                                       "staircase": True}),
        "staircase_every_step": (sa.exponential, {"start": 1.0, "rate": 0.9999,
                                                  "staircase": True}),
        "step": (sa.step, {"start": 0.1, "step_size": 3000, "gamma": 0.7}),
        "step_odd": (sa.step, {"start": 0.1, "step_size": 37, "gamma": 0.99}),
        "one_minus_sqrt": (sa.one_minus_sqrt, {"start": 1.0, "end": 0.1}),
        "inverse_sqrt": (sa.inverse_sqrt, {"start": 0.5, "timescale": 1000.0}),
        "inverse_sqrt_shift": (sa.inverse_sqrt, {"start": 1.0, "timescale": 10.0,
                                                 "shift": 7.0}),
        "rex": (sa.rex, {"start": 1.0, "end": 0.0}),
        "tanh": (sa.tanh, {"start": 1.0, "end": 0.01}),
        "linear": (sa.linear, {"start": 1e-3, "end": 1e-5}),
        "cyclic_triangular": (sa.cyclic, {"low": 0.1, "high": 1.0, "step_size_up": 300,
                                          "step_size_down": 500}),
        "cyclic_triangular2": (sa.cyclic, {"low": 0.1, "high": 1.0, "step_size_up": 3000,
                                           "mode": "triangular2"}),
        "cyclic_exp_range": (sa.cyclic, {"low": 0.1, "high": 1.0, "step_size_up": 2000,
                                         "mode": "exp_range", "gamma": 0.99999}),
        "warmup_cosine": (sa.warmup_cosine, {"peak": 1e-3, "warmup_steps": 1000}),
        "warmup_cosine_end": (sa.warmup_cosine, {"peak": 3e-4, "warmup_steps": 777,
                                                 "start": 1e-6, "end": 1e-5}),
        "wsd": (sa.wsd, {"peak": 1e-3, "warmup_steps": 500, "decay_steps": 20_000,
                         "decay": "one_minus_sqrt"}),
        "wsd_cosine": (sa.wsd, {"peak": 1e-3, "decay_steps": "20%", "decay": "cosine"}),
        "one_cycle": (sa.one_cycle, {"peak": 0.1}),
        "one_cycle_three_phase": (sa.one_cycle, {"peak": 0.1, "three_phase": True}),
        "cosine_restarts": (sa.cosine_restarts, {"peak": 1e-3, "cycle_steps": 9_999,
                                                 "warmup_steps": 100}),
        "cosine_restarts_mul": (sa.cosine_restarts, {"peak": 1e-3, "cycle_steps": 1000,
                                                     "cycle_mul": 2.0, "peak_decay": 0.5}),
    }
    for name in ("cosine", "cosine_exponent_2", "exponential_rate", "exponential_to_end",
                 "staircase", "step", "one_minus_sqrt", "inverse_sqrt", "rex",
                 "cyclic_triangular", "warmup_cosine", "wsd", "one_cycle",
                 "cosine_restarts"):
        f, kw = c[name]
        c[name + "_f32"] = (f, {**kw, **_F32})
    return c


CONFIGS = _configs()


def digest(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes."""
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def public(name: str, start: int | None = None, stop: int | None = None) -> np.ndarray:
    """``schedule(N, ..., backend="numba")``, or its window ``[start, stop)``."""
    f, kw = CONFIGS[name]
    if start is None:
        return f(N, backend="numba", **kw)
    return sa.window(f, start, stop, N, backend="numba", **kw)


def plans(name: str) -> list[_plan.Plan]:
    """The plans that `name` renders."""
    f, kw = CONFIGS[name]
    with _plan.recording() as sink:
        f(N, backend="numpy", **kw)
    return sink


def kernels_only(
    name: str, threads: int = 1, start: int = 0, stop: int | None = None
) -> np.ndarray:
    """Every plan of `name` filled by its kernels (no NumPy routing), concatenated."""
    dtype = CONFIGS[name][1].get("dtype", np.float64)
    parts = []
    for plan in plans(name):
        hi = plan.length if stop is None else stop
        buf = np.full(hi - start, np.nan, dtype=dtype)
        _kernels.fill(plan, buf, start, hi, threads=threads, route=False)
        parts.append(buf)
    return np.concatenate(parts)


def compute() -> dict[str, np.ndarray]:
    """Today's fingerprints of every config, and the other machines' stored ones."""
    out: dict[str, np.ndarray] = dict(np.load(PATH)) if PATH.exists() else {}
    for name in CONFIGS:
        out[key(name, "public")] = np.array(digest(public(name)))
        k = kernels_only(name)
        out[key(name, "kernels")] = np.array(digest(k))
        if name not in PLATFORM_MATH or f"{name}/sample" not in out:
            out[f"{name}/sample"] = k[::SAMPLE_STRIDE].astype(np.float64)
    return out


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    np.savez_compressed(PATH, **compute())
    print(f"wrote {PATH} ({PATH.stat().st_size} bytes, {len(CONFIGS)} configs)")
