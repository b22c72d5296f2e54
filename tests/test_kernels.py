"""The Numba kernels: every kind, against the NumPy path, windows, threads, operations.

Tolerance between the backends (DESIGN.md): ``4 * eps * max|value|``
absolute, with pins (landmarks) bit-equal. Within one backend a window is
bit-identical to the same slice of the whole, whatever the thread split.
Subprocess tests cover what needs a fresh interpreter: lazy import, no
writable cache, fork after a threaded call, ``NUMBA_DISABLE_JIT=1`` and
``NUMBA_NUM_THREADS=1``.
"""

import hashlib
import inspect
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray import _kernels, _plan, _vectorized
from schedarray._formulas import FORMULAS
from schedarray._plan import Builder, Cycles, Plan, fill_numpy
from tests import kernel_reference
from tests.test_contract import SAMPLES

ROOT = Path(__file__).resolve().parents[1]
DTYPES = [np.float64, np.float32]


def numba_fill(plan: Plan, dtype=np.float64, start=0, stop=None, threads=None, route=False):
    """The kernels' result; `route` lets `fill` hand costly kinds to NumPy formulas."""
    stop = plan.length if stop is None else stop
    buf = np.full(stop - start, np.nan, dtype=dtype)
    _kernels.fill(plan, buf, start, stop, threads=threads, route=route)
    return buf


def numpy_fill(plan: Plan, dtype=np.float64, start=0, stop=None):
    stop = plan.length if stop is None else stop
    buf = np.full(stop - start, np.nan, dtype=dtype)
    fill_numpy(plan, buf, start, stop)
    return buf


def assert_backends_agree(plan: Plan, dtype=np.float64):
    got, want = numba_fill(plan, dtype), numpy_fill(plan, dtype)
    assert np.all(np.isfinite(got))
    eps = np.finfo(dtype).eps
    bound = 4 * eps * np.max(np.abs(want.astype(np.float64)))
    err = np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))
    assert err <= bound, (err / (eps * np.max(np.abs(want))), plan.pieces[0].kind)
    for i, value in plan.pins:
        assert got[i] == dtype(value)


def run(code: str, env: dict | None = None, timeout: float = 120.0) -> str:
    """Run `code` in a fresh interpreter at the repository root; return its stdout."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
        env=full_env, cwd=ROOT, timeout=timeout, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# One plan per kind, several shapes each: forward and backward coordinates,
# fractional offsets, the special exponents, growth and decay.
KIND_PLANS = {
    "constant": [Builder().constant(3000, 0.25).plan()],
    "linear": [
        Builder().blend("linear", 3000, 1e-3, 1e-5).plan(),
        Builder().blend("linear", 3000, 0.0, 2.0, endpoint=False).plan(),
        Builder().blend("linear", 3000, 1.0, -1.0, reverse=True).plan(),
    ],
    "cosine": [
        Builder().blend("cosine", 5000, 1e-3, 0.0, 1.0).plan(),
        Builder().blend("cosine", 5000, 0.996, 1.0, 1.0).plan(),
        Builder().blend("cosine", 3001, 2.0, 0.5, 1.7, endpoint=False).plan(),
        Builder().blend("cosine", 3001, 1.0, 0.0, 2.0).plan(),
        Builder().blend("cosine", 3000, 1.0, 0.1, 1.0, reverse=True).plan(),
        Builder().add("cosine", 3000, (1.0, 0.0, 2999.0, 1.0), x0=0.5).plan(),
        Builder().add("cosine", 3000, (1.0, 0.0, 2999.0, 1.0), x0=2999.0,
                      direction=-1.0).plan(),
    ],
    "polynomial": [
        Builder().blend("polynomial", 3000, 1.0, 0.0, power).plan()
        for power in (1.0, 2.0, 0.5, 3.0)
    ],
    "one_minus_sqrt": [
        Builder().blend("one_minus_sqrt", 3000, 1.0, 0.0).plan(),
        Builder().blend("one_minus_sqrt", 3000, 1.0, 0.0, endpoint=False, reverse=True).plan(),
    ],
    "tanh": [Builder().blend("tanh", 3000, 1.0, 0.01, -7.0, 3.0).plan()],
    "rex": [Builder().blend("rex", 3000, 1.0, 0.0).plan()],
    "exponential": [
        Builder().exponential(4000, 1.0, 0.9, 7.0, False).plan(),
        Builder().exponential(4000, 0.1, 0.5, 100.0, True).plan(),
        Builder().exponential(4000, 2.0, 1.0001, 1.0, False, x0=3.5).plan(),
    ],
    "geometric": [
        Builder().geometric(4000, 1.0, 1e-4).plan(),
        Builder().geometric(4000, -1e-6, -1.0, endpoint=False).plan(),
    ],
    "inverse_sqrt": [
        Builder().add("inverse_sqrt", 3000, (1.0, 10.0), pins=((0, 1.0),)).plan(),
        Builder().add("inverse_sqrt", 3000, (0.5, 1000.0), x0=7.0).plan(),
    ],
    "cyclic": [
        Builder().add("cyclic", 3000, (0.1, 1.0, 300.0, 500.0, float(mode), 0.999)).plan()
        for mode in range(3)
    ],
    "inverse_time": [
        Builder().add("inverse_time", 3000, (1.0, 0.5, 100.0, 0.0)).plan(),
        Builder().add("inverse_time", 3000, (0.1, 2.0, 7.0, 1.0), x0=3.0).plan(),
    ],
    "cosine_k": [
        Builder().add("cosine_k", 3000, (1.0, 0.01, 3000.0, k)).plan() for k in (1.0, 0.5, 2.0)
    ],
    "polynomial_k": [
        Builder().add("polynomial_k", 3000, (1.0, 0.0, 2999.0, power, k)).plan()
        for power, k in ((1.0, 1.0), (0.5, 1.0), (2.0, 1.5), (1.0, 0.7))
    ],
}


def test_every_kind_has_a_kernel_with_the_formula_parameters():
    assert set(FORMULAS) <= set(_kernels.KERNELS)
    for kind, formula in FORMULAS.items():
        want = list(inspect.signature(formula).parameters)[1:]
        kernel = _kernels.KERNELS[kind]
        got = list(inspect.signature(getattr(kernel, "py_func", kernel)).parameters)
        assert got[:4] == ["out", "j0", "x0", "direction"]
        assert got[4:] == want, kind


def test_every_kind_is_tested_here():
    assert set(KIND_PLANS) == set(FORMULAS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "plan", [pytest.param(p, id=f"{k}{i}") for k, ps in KIND_PLANS.items() for i, p in
             enumerate(ps)]
)
def test_kernel_equals_numpy_path(plan, dtype):
    assert_backends_agree(plan, dtype)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_public_schedule_agrees_across_backends(name, dtype):
    fn, kwargs = getattr(sa, name), SAMPLES[name]
    got = fn(2000, backend="numba", dtype=dtype, **kwargs)
    want = fn(2000, backend="numpy", dtype=dtype, **kwargs)
    eps = np.finfo(dtype).eps
    assert np.max(np.abs(got - want)) <= 4 * eps * np.max(np.abs(want))
    assert got[0] == want[0]
    assert got[-1] == want[-1]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_numba_float32_is_rounded_float64(name):
    fn, kwargs = getattr(sa, name), SAMPLES[name]
    x64 = fn(3001, backend="numba", **kwargs)
    x32 = fn(3001, backend="numba", dtype=np.float32, **kwargs)
    assert np.array_equal(x32, x64.astype(np.float32))


def test_cosine_against_an_extended_precision_closed_form():
    # Angle addition is accurate against the closed form itself, not just
    # against NumPy: compare with the cosine evaluated in long double.
    n, w, peak = 200_003, 1_000, 1e-3
    got = sa.warmup_cosine(n, peak=peak, warmup_steps=w, backend="numba")
    i = np.arange(w, n, dtype=np.longdouble)
    pi = np.longdouble("3.14159265358979323846264338327950288")
    ref = peak * (1 + np.cos(pi * (i - w) / (n - 1 - w))) / 2
    err = np.max(np.abs(got[w:] - ref))
    assert err <= 4 * np.finfo(np.float64).eps * peak
    assert got[w] == peak
    assert got[-1] == 0.0


@pytest.mark.parametrize(("kwargs", "closed_form"), [
    ({"start": 2.0, "rate": 0.999, "transition_steps": 1},
     lambda i: 2 * np.longdouble(0.999) ** i),
    ({"start": 2.0, "rate": 0.9999, "transition_steps": 3, "staircase": True},
     lambda i: 2 * np.longdouble(0.9999) ** np.floor(i / 3)),
    ({"start": 2.0, "end": 1e-3},
     lambda i: 2 * (np.longdouble(1e-3) / 2) ** (i / np.longdouble(19_999))),
])
def test_power_tables_against_an_extended_precision_closed_form(kwargs, closed_form):
    got = sa.exponential(20_000, backend="numba", **kwargs)
    ref = closed_form(np.arange(20_000, dtype=np.longdouble))
    assert np.max(np.abs(got - ref)) <= 4 * np.finfo(np.float64).eps * 2.0
    assert got[0] == 2.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", sorted(KIND_PLANS))
def test_windows_and_thread_splits_equal_the_whole_bitwise(kind, dtype):
    for plan in KIND_PLANS[kind]:
        for route in (False, True):
            whole = numba_fill(plan, dtype, threads=1, route=route)
            n = plan.length
            for start, stop in [(0, n), (1, n - 1), (511, 513), (512, 1024), (7, 8),
                                (n - 1, n), (n // 3, 2 * n // 3), (5, 5)]:
                for threads in (1, 2, 3):
                    got = numba_fill(plan, dtype, start, stop, threads=threads, route=route)
                    assert np.array_equal(got, whole[start:stop]), (start, stop, threads)


@settings(max_examples=40)
@given(
    n=st.integers(1, 4000),
    w=st.floats(0, 1),
    peak=st.floats(1e-8, 10.0),
    end=st.floats(0, 1),
    data=st.data(),
)
def test_property_warmup_cosine_windows_and_backends(n, w, peak, end, data):
    w = int(w * n)
    kwargs = {"peak": peak, "warmup_steps": w, "end": end * peak}
    whole = sa.warmup_cosine(n, backend="numba", **kwargs)
    ref = sa.warmup_cosine(n, backend="numpy", **kwargs)
    assert np.max(np.abs(whole - ref)) <= 4 * np.finfo(float).eps * peak
    if w < n:
        assert whole[w] == peak
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    part = sa.window(sa.warmup_cosine, a, b, n, backend="numba", **kwargs)
    assert np.array_equal(part, whole[a:b])


@settings(max_examples=30)
@example(start=1.0, rate=0.9998999999999999, period=1, staircase=True)  # float ** int exponent
@given(
    start=st.floats(1e-6, 10.0),
    rate=st.floats(0.05, 0.9999),
    period=st.integers(1, 500),
    staircase=st.booleans(),
)
def test_property_exponential_backends(start, rate, period, staircase):
    kwargs = {"start": start, "rate": rate, "transition_steps": period, "staircase": staircase}
    got = sa.exponential(3000, backend="numba", **kwargs)
    want = sa.exponential(3000, backend="numpy", **kwargs)
    assert np.max(np.abs(got - want)) <= 4 * np.finfo(float).eps * start
    assert got[0] == start


def test_routing_hands_general_powers_and_tanh_to_numpy():
    routed = [p for ps in KIND_PLANS.values() for p in ps
              if _kernels.numpy_is_faster(p.pieces[0].kind, p.pieces[0].params)]
    kinds = {p.pieces[0].kind for p in routed}
    assert kinds == {"cosine", "polynomial", "tanh", "cosine_k", "polynomial_k"}
    assert not _kernels.numpy_is_faster("cyclic", (0.1, 1.0, 3.0, 3.0, 2.0, 0.99))  # exp_range
    assert not _kernels.numpy_is_faster("cosine", (1.0, 0.0, 10.0, 1.0))
    assert not _kernels.numpy_is_faster("cosine", (1.0, 0.0, 10.0, 2.0))
    assert not _kernels.numpy_is_faster("polynomial", (1.0, 0.0, 10.0, 2.0))
    for plan in routed:
        # The NumPy formulas, split over threads and chunks, equal the NumPy path.
        assert np.array_equal(numba_fill(plan, threads=3, route=True), numpy_fill(plan))


@pytest.mark.parametrize(("lower", "upper"), [
    (3.0, 4.0), (-7.0, 3.0), (0.0, 1.0), (1e-9, 2e-9), (19.0, 20.0), (-174.05, 33.33),
    (-700.0, 700.0), (600.0, 700.0), (-700.0, -690.0), (-1e6, 1e6), (1e-300, 3e-300),
    (-1e290, 1e290)])
def test_fused_tanh_is_the_formula_bitwise(lower, upper):
    # The Numba path runs the accurate NumPy formula as fused loops plus NumPy's
    # exp/expm1: the same operations, so the same bits as backend="numpy".
    for n, endpoint, reverse in ((2, True, False), (7, False, True), (20_011, True, False)):
        for start, end in ((1.0, 0.0), (2.0, -3.0)):
            plan = Builder().blend("tanh", n, start, end, lower, upper, endpoint=endpoint,
                                   reverse=reverse).plan()
            for dtype in DTYPES:
                assert np.array_equal(numba_fill(plan, dtype, threads=2),
                                      numpy_fill(plan, dtype))


@pytest.mark.parametrize("power", [1e-300, 0.0, 0.0625, 0.5, 0.9, 1.5, 3.7, 60.0])
@pytest.mark.parametrize("kind", ["cosine", "polynomial"])
def test_fused_general_powers_are_the_formula_bitwise(kind, power):
    for n, endpoint, reverse in ((2, True, False), (5, False, True), (30_011, True, False),
                                 (30_011, False, True)):
        plan = Builder().blend(kind, n, 1.0, 1e-3, power, endpoint=endpoint,
                               reverse=reverse).plan()
        for dtype in DTYPES:
            whole = numba_fill(plan, dtype, threads=1)
            assert np.array_equal(whole, numpy_fill(plan, dtype))
            assert np.array_equal(numba_fill(plan, dtype, n // 3, n, threads=3), whole[n // 3 :])
    plan = Builder().add("polynomial_k", 3000, (1.0, 0.0, 2999.0, power, 1.0)).plan()
    assert np.array_equal(numba_fill(plan), numpy_fill(plan))


@numba.njit
def _quotients(a, b):
    y_hi, y_lo = _kernels._reciprocal(b)
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = _kernels._quotient(a[i], b, y_hi, y_lo)
    return out


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="the compiled quotient")
def test_quotient_by_a_reciprocal_is_the_division_bitwise():
    # The kernels divide by a constant with an FMA correction (Markstein):
    # the same float as the division, including the sign of zero.
    rng = np.random.default_rng(7)
    for _ in range(300):
        b = float(rng.choice([rng.integers(1, 2**40), rng.integers(1, 10**9) + 0.5,
                              rng.standard_normal() * 10.0 ** rng.integers(-140, 140)]))
        a = np.concatenate([
            np.arange(2**14, dtype=np.float64) + float(rng.integers(0, 2**52 - 2**14)),
            rng.standard_normal(2**14) * 10.0 ** rng.integers(-100, 100),
            [0.0, -0.0, 1.0, -1.0, b, -b, 2**53]])
        want = a / b
        got = _quotients(a, b)
        assert np.array_equal(got.view(np.int64), want.view(np.int64)), b
    # Outside the divisors' safe range it divides.
    for b in (1e-200, 1e200, 2.0**-600):
        a = np.array([1.0, 3.0, 1e-300])
        assert np.array_equal(_quotients(a, b), a / b)


@pytest.mark.parametrize("n", [2**31 + 10, 2**32 + 5, 10**12 + 3])
def test_windows_of_huge_schedules(n):
    # Indices past int32 and float32 range, computed without the rest.
    kwargs = {"peak": 1e-3, "warmup_steps": n // 100, "end": 1e-6}
    for a, b in [(0, 700), (n // 100 - 300, n // 100 + 300), (n // 2, n // 2 + 700),
                 (n - 700, n)]:
        got = sa.window(sa.warmup_cosine, a, b, n, backend="numba", **kwargs)
        want = sa.window(sa.warmup_cosine, a, b, n, backend="numpy", **kwargs)
        assert np.max(np.abs(got - want)) <= 4 * np.finfo(float).eps * 1e-3
        f32 = sa.window(sa.warmup_cosine, a, b, n, backend="numba", dtype=np.float32, **kwargs)
        assert np.array_equal(f32, got.astype(np.float32))
    assert sa.window(sa.warmup_cosine, n - 1, n, n, backend="numba", **kwargs)[0] == 1e-6
    assert np.all(np.diff(got) <= 0)


def test_out_memmap_and_slices(tmp_path):
    plan = KIND_PLANS["cosine"][0]
    whole = numba_fill(plan)
    mm = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float64,
                                   shape=(plan.length + 10,))
    _kernels.fill(plan, mm[5 : 5 + plan.length], 0, plan.length, threads=2)
    mm.flush()
    del mm
    assert np.array_equal(np.load(tmp_path / "x.npy")[5:-5], whole)
    strided = np.zeros(2 * plan.length)
    _kernels.fill(plan, strided[::2], 0, plan.length)
    assert np.array_equal(strided[::2], whole)


def test_auto_uses_the_schedule_length_so_windows_match(monkeypatch):
    calls = []
    real = _kernels.fill
    monkeypatch.setattr(_kernels, "fill", lambda *a, **k: calls.append(a[2:4]) or real(*a, **k))
    monkeypatch.setattr(_plan, "AUTO_NUMBA_MIN", 5000)
    kwargs = {"peak": 1.0, "warmup_steps": 100}
    whole = sa.warmup_cosine(6000, **kwargs)
    part = sa.window(sa.warmup_cosine, 2999, 3002, 6000, **kwargs)
    assert calls == [(0, 6000), (2999, 3002)]
    assert np.array_equal(part, whole[2999:3002])
    sa.warmup_cosine(4999, **kwargs)
    sa.warmup_cosine(6000, backend="numpy", **kwargs)
    assert len(calls) == 2


def test_concurrent_python_threads():
    plan = Builder().blend("cosine", 600_000, 1.0, 0.0, 1.0).plan()
    want = numba_fill(plan, threads=1)
    results = [None] * 4

    def work(k):
        results[k] = numba_fill(plan, threads=2)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(r, want) for r in results)


def test_thread_count():
    assert _kernels.thread_count(10) == 1
    assert 1 <= _kernels.thread_count(10**9) <= max(1, len(os.sched_getaffinity(0)))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no dispatchers under NUMBA_DISABLE_JIT")
def test_fastmath_is_off():
    for kernel in _kernels.KERNELS.values():
        assert not kernel.targetoptions.get("fastmath", False)
        assert kernel.targetoptions.get("nogil")


def test_missing_kernel_falls_back_to_the_formula(monkeypatch):
    plan = KIND_PLANS["rex"][0]
    monkeypatch.delitem(_kernels.KERNELS, "rex")
    assert np.array_equal(numba_fill(plan), numpy_fill(plan))
    monkeypatch.delitem(_vectorized.VECTORIZED, "rex")
    for dtype in DTYPES:
        assert np.array_equal(vectorized_fill(plan, dtype, threads=2), numpy_fill(plan, dtype))


# ---------------------------------------------------------------- subprocesses

DIGEST = """
import hashlib, numpy as np, schedarray as sa
parts = [
    sa.warmup_cosine(300_001, peak=1e-3, warmup_steps=3_000, end=1e-6, backend="numba"),
    sa.exponential(300_001, start=1.0, rate=0.5, transition_steps=10_000, backend="numba"),
    sa.wsd(300_001, peak=1.0, warmup_steps=100, decay_steps="20%", decay="one_minus_sqrt",
           backend="numba", dtype=np.float32),
]
print(hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest())
"""


def test_results_identical_across_threads_layers_and_disabled_jit():
    digests = {
        "default": run(DIGEST),
        "one thread": run(DIGEST, {"NUMBA_NUM_THREADS": "1"}),
        "workqueue": run(DIGEST, {"NUMBA_THREADING_LAYER": "workqueue"}),
    }
    assert len(set(digests.values())) == 1, digests


def test_disabled_jit_runs_the_kernels_as_python():
    # NUMBA_DISABLE_JIT=1 runs the kernel source as plain Python: the same
    # arithmetic, so the same bits as the compiled kernels.
    code = """
    import hashlib, numpy as np, schedarray as sa
    from schedarray import _kernels
    assert not hasattr(_kernels.cosine, "py_func")
    parts = [getattr(sa, name)(700, backend="numba", **kwargs) for name, kwargs in SAMPLES]
    print(hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest())
    """.replace("SAMPLES", repr(sorted(SAMPLES.items())))
    digest = run(code, {"NUMBA_DISABLE_JIT": "1"}).strip()
    parts = [getattr(sa, name)(700, backend="numba", **kwargs)
             for name, kwargs in sorted(SAMPLES.items())]
    assert digest == hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest()


def test_short_schedules_never_import_numba():
    run("""
    import sys, schedarray
    x = schedarray.warmup_cosine(1000, peak=1e-3, warmup_steps=100)
    y = schedarray.window(schedarray.cosine, 0, 10, 10**6, start=1.0)
    assert len(x) == 1000 and "numba" not in sys.modules, sorted(sys.modules)
    """)


def test_no_writable_cache_directory_falls_back(tmp_path):
    # A copy of the package whose __pycache__ cannot be created, HOME and the
    # XDG cache under a regular file: numba has no cache locator at all.
    import shutil

    pkg = tmp_path / "schedarray"
    shutil.copytree(ROOT / "schedarray", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for d in [pkg, *[p for p in pkg.rglob("*") if p.is_dir()]]:
        (d / "__pycache__").write_text("not a directory")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {"PYTHONPATH": str(tmp_path), "HOME": str(blocker / "home"),
           "XDG_CACHE_HOME": str(blocker / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
    code = """
    import numpy as np, schedarray as sa
    from schedarray import _kernels
    assert _kernels.__file__.startswith(ROOT)
    assert type(_kernels.cosine._cache).__name__ == "NullCache"
    x = sa.warmup_cosine(10_000, peak=1.0, warmup_steps=10, backend="numba")
    assert x[10] == 1.0 and x[-1] == 0.0
    """.replace("ROOT", repr(str(tmp_path)))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    full_env.update(env)
    proc = subprocess.run([sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, env=full_env, cwd=tmp_path,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_after_a_threaded_call():
    # The DataLoader-worker pattern: the parent computes with several threads,
    # then forks; children index the array and compute schedules themselves.
    run("""
    import multiprocessing as mp
    import numpy as np, schedarray as sa
    from schedarray import _kernels

    def child(q):
        x = sa.warmup_cosine(2_000_000, peak=1.0, warmup_steps=1000, backend="numba")
        q.put(float(x[12345]))

    parent = sa.warmup_cosine(2_000_000, peak=1.0, warmup_steps=1000, backend="numba")
    assert _kernels.thread_count(len(parent)) >= 1
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=child, args=(q,)) for _ in range(2)]
    for p in procs:
        p.start()
    values = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0, p.exitcode
    assert values == [float(parent[12345])] * 2
    """, timeout=180)


def test_fresh_process_equals_this_one():
    namespace: dict = {}
    exec(compile(DIGEST.replace("print(", "result = ("), "<digest>", "exec"), namespace)
    assert run(DIGEST).strip() == namespace["result"]


# The stored fingerprint of the kernels' output (tests/kernel_reference.py):
# a rewrite of a kernel must keep every value, bit for bit.
REFERENCE = np.load(kernel_reference.PATH)


def assert_matches_reference(name: str, key: str, got: np.ndarray) -> None:
    sample = got[:: kernel_reference.SAMPLE_STRIDE].astype(np.float64)
    want = REFERENCE[f"{name}/sample"]
    stored = kernel_reference.key(name, key)
    if stored not in REFERENCE.files:  # NumPy's exp/log on a machine of another kind
        assert name in kernel_reference.PLATFORM_MATH, stored
        bound = 4 * np.finfo(got.dtype).eps * np.max(np.abs(want))
        assert np.max(np.abs(sample - want)) <= bound, f"{name} ({key}) moved by more than 4 eps"
        return
    if kernel_reference.digest(got) == str(REFERENCE[stored]):
        return
    moved = np.flatnonzero(sample != want) * kernel_reference.SAMPLE_STRIDE
    pytest.fail(f"{name} ({key}) changed; sampled indices that moved: {moved[:10]}")


@pytest.mark.parametrize("name", sorted(kernel_reference.CONFIGS))
def test_kernels_bit_identical_to_the_stored_reference(name):
    assert_matches_reference(name, "public", kernel_reference.public(name))
    for threads in (1, 2, 4):
        got = kernel_reference.kernels_only(name, threads=threads)
        assert_matches_reference(name, "kernels", got)


@pytest.mark.parametrize("name", sorted(kernel_reference.CONFIGS))
def test_reference_windows_at_odd_offsets_equal_slices(name):
    n = kernel_reference.N
    whole = kernel_reference.public(name)
    for start, stop in [(1, n - 2), (511, n // 3 + 1), (12_345, 12_346), (n - 7, n),
                        (1023, 1025), (3, 70_001)]:
        got = kernel_reference.public(name, start, stop)
        assert np.array_equal(got, whole[start:stop]), (start, stop)
    if len(kernel_reference.plans(name)) == 1:
        kernels = kernel_reference.kernels_only(name)
        for threads in (1, 2, 4):
            got = kernel_reference.kernels_only(name, threads, 257, n - 3)
            assert np.array_equal(got, kernels[257 : n - 3]), threads


# The kernels' arithmetic in NumPy (`_vectorized`): the kernels' values bit
# for bit, except exp_range (the NumPy formula's gamma ** x, as backend="numpy").
def vectorized_fill(plan: Plan, dtype=np.float64, start=0, stop=None, threads=None):
    stop = plan.length if stop is None else stop
    buf = np.full(stop - start, np.nan, dtype=dtype)
    _vectorized.fill(plan, buf, start, stop, threads=threads)
    return buf


def is_exp_range(plan: Plan) -> bool:
    return any(p.kind == "cyclic" and p.params[4] == 2.0 for p in plan.pieces)


def test_vectorized_has_every_kind():
    assert set(_vectorized.VECTORIZED) == set(FORMULAS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", sorted(KIND_PLANS))
def test_vectorized_equals_the_kernels_bitwise(kind, dtype):
    for plan in KIND_PLANS[kind]:
        whole = vectorized_fill(plan, dtype, threads=1)
        want = numba_fill(plan, dtype, threads=1, route=True)
        if is_exp_range(plan):
            assert np.array_equal(whole, numpy_fill(plan, dtype))
        else:
            assert np.array_equal(whole, want)
        n = plan.length
        for start, stop in [(1, n - 1), (511, 513), (512, 1024), (7, 8), (n - 1, n),
                            (n // 3, 2 * n // 3), (5, 5)]:
            for threads in (1, 2, 3):
                got = vectorized_fill(plan, dtype, start, stop, threads=threads)
                assert np.array_equal(got, whole[start:stop]), (start, stop, threads)


@pytest.mark.parametrize("name", sorted(kernel_reference.CONFIGS))
def test_vectorized_matches_the_stored_reference(name):
    plans = kernel_reference.plans(name)
    dtype = kernel_reference.CONFIGS[name][1].get("dtype", np.float64)
    got = np.concatenate([vectorized_fill(p, dtype) for p in plans])
    cycles = any(isinstance(e, Cycles) for p in plans for e in p.pieces)
    if name == "cyclic_exp_range" or cycles:
        # exp_range runs its NumPy formula here; a Cycles element its per-run NumPy path.
        want = kernel_reference.public(name)
        bound = 4 * np.finfo(dtype).eps * np.max(np.abs(want))
        assert np.max(np.abs(got.astype(np.float64) - want)) <= bound
    elif len(plans) == 1:
        assert_matches_reference(name, "public", got)
    for threads in (1, 2, 4):
        part = np.concatenate([vectorized_fill(p, dtype, 3, p.length - 5, threads)
                               for p in plans])
        whole = np.concatenate([g[3:-5] for g in np.split(got, np.cumsum(
            [p.length for p in plans])[:-1])])
        assert np.array_equal(part, whole)


def test_vectorized_chunks_cross_blocks_pieces_and_long_cosines():
    # Several chunks, pieces that start mid-block, a cosine long enough that
    # clipping is skipped in its middle chunks, float32 through the scratch.
    plan = (Builder().blend("linear", 1000, 0.0, 1.0, endpoint=False)
            .blend("cosine", 200_001, 1.0, 1e-3, 1.0)
            .blend("cosine", 70_000, 2.0, 3.0, 2.0, reverse=True)
            .exponential(50_000, 1.0, 0.5, 1000.0, True).plan())
    for dtype in DTYPES:
        want = numba_fill(plan, dtype, threads=1, route=True)
        assert np.array_equal(vectorized_fill(plan, dtype), want)
        assert np.array_equal(vectorized_fill(plan, dtype, 777, 260_123, threads=2),
                              want[777:260_123])


def test_triangular2_past_1024_cycles_matches_the_kernel():
    # 2.0 ** (cycle - 1) overflows in the kernel: its inverse is 0.
    plan = Builder().add("cyclic", 5000, (0.0, 1.0, 1.0, 1.0, 1.0, 1.0)).plan()
    assert np.array_equal(vectorized_fill(plan), numba_fill(plan, threads=1))
    assert vectorized_fill(plan)[-1] == 0.0


def test_auto_backend_by_length(monkeypatch):
    assert _plan.auto_backend(_plan.AUTO_VECTORIZED_MIN - 1) == "numpy"
    assert _plan.auto_backend(_plan.AUTO_VECTORIZED_MIN) == "vectorized"
    assert _plan.auto_backend(_plan.AUTO_NUMBA_MIN - 1) == "vectorized"
    assert _plan.auto_backend(_plan.AUTO_NUMBA_MIN) == "numba"
    calls = []
    real = _vectorized.fill
    monkeypatch.setattr(_vectorized, "fill", lambda *a, **k: calls.append(a[2:4]) or real(*a, **k))
    monkeypatch.setattr(_plan, "AUTO_VECTORIZED_MIN", 5000)
    whole = sa.warmup_cosine(6000, peak=1.0, warmup_steps=100)
    part = sa.window(sa.warmup_cosine, 2999, 3002, 6000, peak=1.0, warmup_steps=100)
    assert calls == [(0, 6000), (2999, 3002)]
    assert np.array_equal(part, whole[2999:3002])
    assert np.array_equal(whole, sa.warmup_cosine(6000, peak=1.0, warmup_steps=100,
                                                  backend="numba"))


def test_long_schedules_below_the_numba_switch_never_import_numba():
    run("""
    import sys, schedarray
    x = schedarray.warmup_cosine(2_000_000, peak=1e-3, warmup_steps=100)
    assert len(x) == 2_000_000 and "numba" not in sys.modules, sorted(sys.modules)
    """)


@settings(max_examples=30, deadline=None)
@given(
    kind=st.sampled_from(["cosine", "linear", "one_minus_sqrt", "rex", "polynomial", "geometric",
                          "exponential", "cyclic", "inverse_sqrt"]),
    n=st.integers(1, 120_000),
    start=st.floats(1e-6, 10.0),
    end=st.floats(1e-6, 10.0),
    shape=st.sampled_from([1.0, 2.0]),
    reverse=st.booleans(),
    data=st.data(),
)
def test_property_vectorized_equals_the_kernels(kind, n, start, end, shape, reverse, data):
    builder = Builder().constant(data.draw(st.integers(0, 1500)), 0.5)
    if kind in ("cosine", "polynomial"):
        builder.blend(kind, n, start, end, shape, reverse=reverse)
    elif kind == "geometric":
        builder.geometric(n, start, end, endpoint=not reverse)
    elif kind == "exponential":
        builder.exponential(n, start, data.draw(st.floats(0.5, 1.5)),
                            data.draw(st.floats(1.0, 5000.0)), data.draw(st.booleans()),
                            x0=data.draw(st.sampled_from([0.0, 3.5])))
    elif kind == "cyclic":
        builder.add("cyclic", n, (start, end, data.draw(st.floats(1.0, 3000.0)),
                                  data.draw(st.floats(1.0, 3000.0)),
                                  data.draw(st.sampled_from([0.0, 1.0])), 1.0))
    elif kind == "inverse_sqrt":
        builder.add("inverse_sqrt", n, (start, data.draw(st.floats(0.5, 1e4))),
                    x0=data.draw(st.floats(0.0, 100.0)))
    else:
        builder.blend(kind, n, start, end, reverse=reverse)
    plan = builder.plan()
    for dtype in DTYPES:
        want = numba_fill(plan, dtype, threads=1, route=True)
        assert np.array_equal(vectorized_fill(plan, dtype), want)
        a = data.draw(st.integers(0, plan.length - 1))
        b = data.draw(st.integers(a, plan.length))
        assert np.array_equal(vectorized_fill(plan, dtype, a, b, threads=2), want[a:b])


def test_vectorized_hands_long_tanh_pieces_to_the_fused_formula(monkeypatch):
    # From TANH_NUMBA_MIN steps the vectorized path runs tanh through the kernels'
    # fused formula: the formula's values, so windows and backends are unchanged.
    plan = Builder().constant(700, 0.5).blend("tanh", 40_000, 1.0, 0.01, -7.0, 3.0).plan()
    calls = []
    real = _kernels._fused_piece
    monkeypatch.setattr(_kernels, "_fused_piece",
                        lambda *a: calls.append(a[2:]) or real(*a))
    monkeypatch.setattr(_vectorized, "TANH_NUMBA_MIN", 40_000)
    for dtype in DTYPES:
        want = numpy_fill(plan, dtype)
        assert np.array_equal(vectorized_fill(plan, dtype, threads=2), want)
        assert np.array_equal(vectorized_fill(plan, dtype, 650, 9_000), want[650:9_000])
    assert calls
    monkeypatch.setattr(_vectorized, "TANH_NUMBA_MIN", 40_001)
    calls.clear()
    assert np.array_equal(vectorized_fill(plan), numpy_fill(plan))
    assert not calls


def test_vectorized_power_table_past_the_end_may_overflow():
    # Found by the property test: a one-step geometric piece's block table holds
    # 5 ** 511, which Python's pow refuses (OverflowError) and libm makes inf.
    plan = Builder().geometric(1, 1.0, 5.0, endpoint=False).plan()
    for dtype in DTYPES:
        assert np.array_equal(vectorized_fill(plan, dtype), numba_fill(plan, dtype, threads=1))


@pytest.mark.parametrize("kind", sorted(KIND_PLANS))
def test_kernel_calls_split_at_kernel_max_give_the_same_bits(kind, monkeypatch):
    # Kernels count their elements in 32 bits; `fill` hands them at most KERNEL_MAX
    # elements per call. Split much finer here: every value must stay the same.
    for plan in KIND_PLANS[kind]:
        whole = numba_fill(plan, threads=1)
        monkeypatch.setattr(_kernels, "KERNEL_MAX", 777)
        assert np.array_equal(numba_fill(plan, threads=1), whole)
        monkeypatch.setattr(_kernels, "KERNEL_MAX", 1 << 30)
