"""How fast schedarray produces a schedule array, next to the alternatives, in one process.

Run from a checkout (no install needed)::

    python benchmarks/bench_generate.py            # writes benchmarks/RESULTS.md
    python benchmarks/bench_generate.py --quick    # 10^6 and 10^7 only
    python benchmarks/bench_generate.py --huge     # also streams 2e9 float32 steps to disk
    python benchmarks/bench_generate.py --only primitives   # one table, printed only
    python benchmarks/bench_generate.py --only compute      # each kernel's arithmetic alone

The fresh-process table comes from ``benchmarks/bench_fresh_process.py``.

Every time is measured with a fresh output array (allocation and page
faults included, as for every contender), next to two limits measured in
the same run: the *fill* ``a = np.empty(N); a.fill(x)`` (one thread) and
the *two-thread write limit* (a fresh array filled by two threads, half
each: what a multi-threaded kernel can reach on a 2-core machine). The
in-process primitive tables interleave each schedule's runs with runs of
the limit and report medians, so load from other processes hits both. Peak
memory is the resident-set high-water mark during one call (Linux
``/proc/self/clear_refs``), as a multiple of the output's size. The error is
the max absolute difference to the correctly rounded closed form (evaluated
in long double), in units of ``eps * max|value|``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import schedarray as sa  # noqa: E402
from schedarray import _kernels, _plan  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_fresh_process  # noqa: E402

PEAK, START, END = 1e-3, 0.0, 0.0
EPS = np.finfo(np.float64).eps


# ----------------------------------------------------------------- contenders


def warmup_of(n: int) -> int:
    return n // 100


def fill_limit(n: int) -> np.ndarray:
    a = np.empty(n)
    a.fill(PEAK)
    return a


_FILL_KERNEL = None


def two_thread_limit(n: int, dtype: type = np.float64) -> np.ndarray:
    """A fresh array written by two threads, half each (a nogil Numba loop).

    NumPy's ``fill`` holds the GIL, so two threads calling it take as long
    as one: the limit needs a loop that releases it.
    """
    global _FILL_KERNEL
    if _FILL_KERNEL is None:
        import numba

        @numba.njit(nogil=True)
        def fill(a, value):  # pragma: no cover - compiled
            for i in range(a.shape[0]):
                a[i] = value

        _FILL_KERNEL = fill
    a = np.empty(n, dtype)
    half = n // 2
    other = threading.Thread(target=_FILL_KERNEL, args=(a[half:], PEAK))
    other.start()
    _FILL_KERNEL(a[:half], PEAK)
    other.join()
    return a


def python_loop(n: int) -> np.ndarray:
    # The seed's (ConvNeXt) algorithm in this library's convention: linspace
    # warmup, a Python loop of math.cos, concatenate.
    w = warmup_of(n)
    warmup = np.linspace(START, PEAK, w, endpoint=False)
    iters = np.arange(n - w)
    span = n - 1 - w
    decay = np.array([END + 0.5 * (PEAK - END) * (1 + math.cos(math.pi * i / span))
                      for i in iters])
    return np.concatenate((warmup, decay))


def numpy_expression(n: int) -> np.ndarray:
    w = warmup_of(n)
    warmup = START + (PEAK - START) * np.arange(w) / w
    decay = END + 0.5 * (PEAK - END) * (1 + np.cos(np.pi * np.arange(n - w) / (n - 1 - w)))
    return np.concatenate((warmup, decay))


def torch_vectorized(n: int) -> np.ndarray:
    import torch

    w = warmup_of(n)
    warmup = START + (PEAK - START) * torch.arange(w, dtype=torch.float64) / w
    t = torch.arange(n - w, dtype=torch.float64)
    decay = END + 0.5 * (PEAK - END) * (1 + torch.cos(math.pi * t / (n - 1 - w)))
    return torch.cat((warmup, decay)).numpy()


_OPTAX: dict[tuple[int, str], Callable[[], np.ndarray]] = {}


def optax_jit(n: int, dtype: str = "float64") -> np.ndarray:
    key = (n, dtype)
    if key not in _OPTAX:
        import jax
        import jax.numpy as jnp
        import optax

        schedule = optax.warmup_cosine_decay_schedule(
            init_value=START, peak_value=PEAK, warmup_steps=warmup_of(n), decay_steps=n - 1,
            end_value=END,
        )

        @jax.jit
        def run() -> jax.Array:
            return schedule(jnp.arange(n, dtype=dtype))

        _OPTAX[key] = lambda: np.asarray(run().block_until_ready())
        _OPTAX[key]()  # compile (not timed)
    return _OPTAX[key]()


def schedarray_call(backend: str, threads: int | None = None) -> Callable[[int], np.ndarray]:
    def call(n: int) -> np.ndarray:
        saved = _kernels.THREAD_MIN
        if threads == 1:
            _kernels.THREAD_MIN = 1 << 62
        try:
            return sa.warmup_cosine(n, peak=PEAK, warmup_steps=warmup_of(n), start=START,
                                    end=END, backend=backend)
        finally:
            _kernels.THREAD_MIN = saved

    return call


# ------------------------------------------------------------- measurements


def best_time(fn: Callable[[], object], repeats: int, budget: float = 5.0) -> float:
    """Best of `repeats` runs, fewer (at least two) once `budget` seconds are spent."""
    best, spent = math.inf, 0.0
    for k in range(repeats):
        t = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t
        best, spent = min(best, elapsed), spent + elapsed
        del result
        if k >= 1 and spent > budget:
            break
    return best


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def peak_memory(fn: Callable[[], object]) -> float | None:
    """Peak memory growth during ``fn()``, in bytes.

    The larger of the resident-set growth at its peak (Linux: the VmHWM
    high-water mark, reset through ``/proc/self/clear_refs``; sees every
    allocator, torch's and XLA's included) and tracemalloc's peak (sees
    NumPy buffers even when malloc recycles memory without new page faults).
    """
    import tracemalloc

    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status("VmRSS:")
    except OSError:
        before = None
    tracemalloc.start()
    try:
        result = fn()
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grown = 0 if before is None else _status("VmHWM:") - before
    del result
    return max(grown, traced)


def reference(n: int) -> np.ndarray:
    """The closed form in long double, rounded once to float64."""
    w = warmup_of(n)
    ref = np.empty(n)
    pi = np.longdouble("3.141592653589793238462643383279502884")
    chunk = 1 << 21
    for a in range(0, n, chunk):
        i = np.arange(a, min(a + chunk, n), dtype=np.longdouble)
        warm = START + (PEAK - START) * i / w if w else i
        decay = END + (PEAK - END) * (1 + np.cos(pi * (i - w) / (n - 1 - w))) / 2
        ref[a : a + len(i)] = np.where(i < w, warm, decay)
    return ref


def max_error(x: np.ndarray, ref: np.ndarray) -> float:
    """Max absolute error in units of ``eps * max|ref|``, eps of `x`'s own dtype."""
    worst = 0.0
    chunk = 1 << 22
    for a in range(0, len(ref), chunk):
        d = np.abs(np.asarray(x[a : a + chunk], dtype=np.float64) - ref[a : a + chunk])
        worst = max(worst, float(d.max()))
    return worst / (float(np.finfo(x.dtype).eps) * float(np.max(np.abs(ref))))


def landmarks_exact(x: np.ndarray, n: int) -> bool:
    w = warmup_of(n)
    return bool(x[0] == START and x[w] == PEAK and x[-1] == END)


def contenders(n: int, quick_loop: bool) -> list[tuple[str, Callable[[int], np.ndarray]]]:
    out: list[tuple[str, Callable[[int], np.ndarray]]] = []
    if n <= (10**6 if quick_loop else 10**7):
        out.append(("seed-style Python loop (math.cos)", python_loop))
    out.append(("NumPy expression (arange, cos, concatenate)", numpy_expression))
    try:
        import torch  # noqa: F401

        out.append(("torch vectorized (arange, cos, cat)", torch_vectorized))
    except ImportError:
        pass
    try:
        import optax  # noqa: F401

        out.append(("optax under jax.jit, x64", optax_jit))
        out.append(("optax under jax.jit, float32", lambda m: optax_jit(m, "float32")))
    except ImportError:
        pass
    out.append(("schedarray backend='numpy' (closed form)", schedarray_call("numpy")))
    out.append(("schedarray backend='numba', 1 thread", schedarray_call("numba", 1)))
    out.append(("schedarray backend='numba'", schedarray_call("numba")))
    out.append(("**schedarray default (auto)**", schedarray_call("auto")))
    return out


def bench_warmup_cosine(sizes: list[int], quick_loop: bool) -> list[str]:
    lines = []
    for n in sizes:
        repeats = 7 if n <= 10**6 else 5
        two_thread_limit(1000)  # compile outside the timing
        fill = best_time(lambda n=n: fill_limit(n), repeats + 2)
        limit = best_time(lambda n=n: two_thread_limit(n), repeats + 2)
        ref = reference(n)
        lines += [
            f"\n### warmup_cosine, N = 10^{round(math.log10(n))} (float64, W = N/100, "
            f"peak {PEAK})\n",
            f"`python benchmarks/bench_generate.py --only warmup_cosine --sizes {n:.0e}`. "
            "Best of a few runs each."
            + (" At this size malloc recycles freed memory, so the fills and the memory "
               "column see no page faults; torch and XLA allocations are then invisible "
               "to the memory column." if n <= 10**6 else "") + "\n",
            "| method | time | x fill | x 2-thread limit | peak memory / output "
            "| max error (eps·max, own dtype) | landmarks exact |",
            "|---|---:|---:|---:|---:|---:|:---:|",
            f"| fill `np.empty(N).fill(x)`, 1 thread | {fill * 1e3:,.2f} ms | 1.00x | "
            f"{fill / limit:.2f}x | 1.00x | | |",
            f"| **two-thread write limit** | {limit * 1e3:,.2f} ms | {limit / fill:.2f}x | "
            "1.00x | 1.00x | | |",
        ]
        for name, fn in contenders(n, quick_loop):
            fn(min(n, 1000))  # import / compile outside the timing
            reps = 1 if fn is python_loop else repeats
            t = best_time(lambda fn=fn, n=n: fn(n), reps)
            x = fn(n)
            err = max_error(x, ref)
            exact = "yes" if landmarks_exact(x, n) else "no"
            del x
            mem = peak_memory(lambda fn=fn, n=n: fn(n)) if fn is not python_loop else None
            mem_s = "n/a" if mem is None else f"{mem / (8 * n):.2f}x"
            if "auto" in name:
                name = f"**schedarray default (auto: {_plan.auto_backend(n)} path)**"
            lines.append(f"| {name} | {t * 1e3:,.1f} ms | {t / fill:.2f}x | {t / limit:.2f}x | "
                         f"{mem_s} | {err:.2f} | {exact} |")
            print(lines[-1], flush=True)
        del ref
    return lines


PRIMITIVES: list[tuple[str, Callable[..., np.ndarray], dict]] = [
    ("constant", sa.constant, {"value": 0.1}),
    ("linear", sa.linear, {"start": 1.0, "end": 0.01}),
    ("cosine", sa.cosine, {"start": 1.0, "end": 0.01}),
    ("cosine, exponent 2", sa.cosine, {"start": 1.0, "exponent": 2.0}),
    ("polynomial, power 2", sa.polynomial, {"start": 1.0, "power": 2.0}),
    ("exponential (rate, continuous)", sa.exponential,
     {"start": 1.0, "rate": 0.5, "transition_steps": 10**6}),
    ("geometric (exponential start to end)", sa.exponential, {"start": 1.0, "end": 1e-4}),
    ("stepped: exponential staircase", sa.exponential,
     {"start": 1.0, "rate": 0.5, "transition_steps": 10**6, "staircase": True}),
    ("stepped: step", sa.step, {"start": 1.0, "step_size": 10**6, "gamma": 0.9}),
    ("stepped: multistep", sa.multistep, {"start": 1.0, "milestones": [3 * 10**7, 6 * 10**7]}),
    ("one_minus_sqrt", sa.one_minus_sqrt, {"start": 1.0}),
    ("inverse_sqrt", sa.inverse_sqrt, {"start": 1.0, "timescale": 1e4}),
    ("rex", sa.rex, {"start": 1.0}),
    ("cyclic, triangular", sa.cyclic, {"low": 0.1, "high": 1.0, "step_size_up": 10**5}),
    ("cyclic, triangular2", sa.cyclic,
     {"low": 0.1, "high": 1.0, "step_size_up": 2000, "mode": "triangular2"}),
    ("warmup_cosine", sa.warmup_cosine, {"peak": 1.0, "warmup_steps": 1000}),
    ("wsd (1-sqrt cooldown)", sa.wsd,
     {"peak": 1.0, "warmup_steps": "1%", "decay_steps": "20%", "decay": "one_minus_sqrt"}),
    ("one_cycle", sa.one_cycle, {"peak": 1.0}),
    ("cosine_restarts", sa.cosine_restarts, {"peak": 1.0, "cycle_steps": 10**7}),
    # A transcendental per element: not held to the limit (see the notes).
    ("polynomial, power 0.9", sa.polynomial, {"start": 1.0, "power": 0.9}),
    ("tanh", sa.tanh, {"start": 1.0}),
    ("cyclic, exp_range", sa.cyclic,
     {"low": 0.1, "high": 1.0, "step_size_up": 10**5, "mode": "exp_range", "gamma": 0.9999999}),
]
#: Shapes with a transcendental function per element (listed last above).
PER_ELEMENT = 3


def paired(
    fn: Callable[[], object], ref: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Medians of `fn` and `ref`, their runs interleaved (ref, fn, ref, fn, ...)."""
    a, b = [], []
    for _ in range(repeats):
        for f, acc in ((ref, b), (fn, a)):
            t = time.perf_counter()
            result = f()
            acc.append(time.perf_counter() - t)
            del result
    return statistics.median(a), statistics.median(b)


def bench_primitives(n: int, dtype: type, repeats: int = 5) -> list[str]:
    name = np.dtype(dtype).name
    two_thread_limit(1000, dtype)
    fill = best_time(lambda: np.empty(n, dtype).fill(0.5), 5)
    limit = statistics.median(
        best_time(lambda: two_thread_limit(n, dtype), 1) for _ in range(repeats))
    lines = [
        f"\n### Every primitive at N = 10^{round(math.log10(n))} ({name}), in process\n",
        f"`python benchmarks/bench_generate.py --only primitives --sizes {n:.0e} "
        f"--dtype {name}`. Each schedule's runs alternate with runs of the two-thread "
        f"write limit; medians of {repeats}, and the ratio is to the limit measured "
        "alongside (so every row has its own limit). `backend='numba'` is the kernels "
        "in a warm process; the default path for this length is "
        f"`{_plan.auto_backend(n)}` (chosen for a fresh process, see below).\n",
        "| schedule | backend='numba' | x 2-thread limit | default (auto) | x 2-thread limit |",
        "|---|---:|---:|---:|---:|",
        f"| fill `np.empty(N).fill(x)`, 1 thread | {fill * 1e3:,.0f} ms | | | |",
        f"| **two-thread write limit** | {limit * 1e3:,.0f} ms | 1.00x | | |",
    ]
    print("\n".join(lines), flush=True)
    for k, (label, fn, kwargs) in enumerate(PRIMITIVES):
        fn(1000, backend="numba", dtype=dtype, **kwargs)
        t, lim = paired(lambda fn=fn, kwargs=kwargs: fn(n, backend="numba", dtype=dtype,
                                                         **kwargs),
                        lambda: two_thread_limit(n, dtype), repeats)
        t_auto, lim_auto = paired(lambda fn=fn, kwargs=kwargs: fn(n, dtype=dtype, **kwargs),
                                  lambda: two_thread_limit(n, dtype), max(3, repeats - 2))
        if k == len(PRIMITIVES) - PER_ELEMENT:
            lines.append("| *a transcendental per element:* | | | | |")
            print(lines[-1], flush=True)
        lines.append(f"| {label} | {t * 1e3:,.0f} ms | **{t / lim:.2f}x** | "
                     f"{t_auto * 1e3:,.0f} ms | {t_auto / lim_auto:.2f}x |")
        print(lines[-1], flush=True)
    return lines


def bench_compute(n: int, dtype: type, window: int = 1 << 20) -> list[str]:
    """Each primitive's arithmetic alone: ns per element, one thread, no page faults.

    The kernels write windows of `window` steps, spread over the whole schedule,
    into one array that stays in the cache; the fill of that array is the floor.
    A kernel's time at 10^8 is about the write limit plus this (a thread cannot
    overlap its page faults with its own arithmetic).
    """
    name = np.dtype(dtype).name
    buf = np.empty(window, dtype)
    starts = range(0, n - window, max((n - window) // 40, 1))

    def per_element(run: Callable[[int], object]) -> float:
        run(0)
        best = math.inf
        for _ in range(5):
            t = time.perf_counter()
            for lo in starts:
                run(lo)
            best = min(best, time.perf_counter() - t)
        return best / (len(starts) * window) * 1e9

    lines = [
        f"\n### Arithmetic alone at N = 10^{round(math.log10(n))} ({name}), one thread\n",
        f"`python benchmarks/bench_generate.py --only compute --dtype {name}`. Windows of "
        f"{window:,} steps spread over the schedule, written by the kernels into one array "
        "that stays in the cache (no page faults); best of 5.\n",
        "| schedule | ns per element |",
        "|---|---:|",
        f"| fill (the same array) | {per_element(lambda _lo: buf.fill(0.5)):.3f} |",
    ]
    print("\n".join(lines), flush=True)
    for label, fn, kwargs in PRIMITIVES[:-PER_ELEMENT]:
        with _plan.recording() as plans:  # the plan, from a window of one step
            sa.window(fn, 0, 1, n, backend="numba", dtype=dtype, **kwargs)
        plan = plans[0]
        ns = per_element(lambda lo, plan=plan: _kernels._fill_range(plan, buf, lo, lo,
                                                                     lo + window))
        lines.append(f"| {label} | {ns:.3f} |")
        print(lines[-1], flush=True)
    return lines


# ------------------------------------------------------ start-up and threshold


def _python(code: str, env: dict[str, str] | None = None) -> str:
    """``python -c code``'s output, in a process like a user's (the package compiled)."""
    full = bench_fresh_process.installed_env()
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full, check=True)
    return proc.stdout


def bench_startup() -> tuple[list[str], float]:
    bench_fresh_process.compile_package()
    numpy_only = min(float(_python(
        "import time; t = time.perf_counter(); import numpy; print(time.perf_counter() - t)"))
        for _ in range(7))
    both = min(float(_python(
        "import time; t = time.perf_counter(); import numpy, schedarray; "
        "print(time.perf_counter() - t)")) for _ in range(7))
    first = """
        import time
        import schedarray as sa
        t = time.perf_counter()
        sa.warmup_cosine(N, peak=1e-3, warmup_steps=N // 100, backend="numba")
        first = time.perf_counter() - t
        t = time.perf_counter()
        sa.warmup_cosine(N, peak=1e-3, warmup_steps=N // 100, backend="numba")
        print(first, time.perf_counter() - t)
    """
    lines = [
        "\n### Import and first call\n",
        f"- `import schedarray` adds **{(both - numpy_only) * 1e3:.1f} ms** over "
        f"`import numpy` ({numpy_only * 1e3:.0f} ms -> {both * 1e3:.0f} ms, best of 7 fresh "
        "interpreters); Numba is not imported (nor below 2^28 steps).",
    ]
    startup = math.inf
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        for n in (10**7, 10**8):
            code = first.replace("N", str(n))
            cold = [float(v) for v in _python(code, env).split()]
            warm = min(([float(v) for v in _python(code, env).split()] for _ in range(5)),
                       key=lambda r: r[0])
            startup = min(startup, warm[0] - warm[1])
            lines.append(
                f"- First `warmup_cosine(10^{round(math.log10(n))}, backend=\"numba\")` in a "
                f"fresh process, Numba import included: cold cache **{cold[0]:.2f} s** "
                "(compiles), warm cache "
                f"**{warm[0]:.2f} s**; the second call takes {warm[1] * 1e3:.0f} ms."
            )
    lines.append(f"- One-time Numba start-up with a warm cache: ~{startup:.2f} s.")
    return lines, startup


def bench_threshold(startup: float) -> list[str]:
    lines = [
        "\n### The three paths of `backend=\"auto\"`, in process\n",
        "`python benchmarks/bench_generate.py --only threshold`. `warmup_cosine` through "
        "each path in a warm process (best of 3): the closed-form NumPy formulas, the "
        "kernels' block arithmetic in NumPy (`schedarray/_vectorized.py`, the kernels' "
        "values bit for bit) and the Numba kernels. A fresh process pays Numba's start-up "
        f"(~{startup:.2f} s, measured above) once; `auto` takes the vectorized NumPy path "
        f"from `AUTO_VECTORIZED_MIN = {_plan.AUTO_VECTORIZED_MIN:,}` and Numba from "
        f"`AUTO_NUMBA_MIN = {_plan.AUTO_NUMBA_MIN:,}` steps, where the start-up is "
        "about repaid within the one call (last column near 1 or below).\n",
        "| N | closed-form numpy | vectorized numpy | numba | start-up / "
        "(vectorized - numba) |",
        "|---:|---:|---:|---:|---:|",
    ]
    saved = _plan.AUTO_VECTORIZED_MIN, _plan.AUTO_NUMBA_MIN
    try:
        for k in range(16, 28, 2):
            n = 1 << k
            _plan.AUTO_VECTORIZED_MIN, _plan.AUTO_NUMBA_MIN = None, None
            t_np = best_time(lambda n=n: schedarray_call("auto")(n), 3)
            _plan.AUTO_VECTORIZED_MIN = 0
            t_vec = best_time(lambda n=n: schedarray_call("auto")(n), 3)
            t_nb = best_time(lambda n=n: schedarray_call("numba")(n), 3)
            lines.append(f"| 2^{k} = {n:,} | {t_np * 1e3:.1f} ms | {t_vec * 1e3:.1f} ms | "
                         f"{t_nb * 1e3:.1f} ms | {startup / max(t_vec - t_nb, 1e-9):.1f} |")
            print(lines[-1], flush=True)
    finally:
        _plan.AUTO_VECTORIZED_MIN, _plan.AUTO_NUMBA_MIN = saved
    return lines


def bench_fresh(sizes: list[float], repeat: int) -> list[str]:
    return [
        "\n### A fresh process: the whole run of a script that builds one schedule\n",
        "`python benchmarks/bench_fresh_process.py` (N = 1e5 ... 1e8). Whole-process wall "
        "time of `python -c \"import schedarray as sa; sa.warmup_cosine(N, peak=1e-3, "
        "warmup_steps=1000)\"` against `python -c \"import numpy as np; "
        "np.empty(N).fill(0.5)\"`, and the same schedule with each path forced; cold cache "
        "= a new empty `NUMBA_CACHE_DIR` per run (the first run after an install). Below "
        "`AUTO_NUMBA_MIN` the default never imports Numba, so its cold-cache time is its "
        "warm time.\n",
        *bench_fresh_process.table(sizes, repeat),
    ]


def bench_stream(n: int) -> list[str]:
    code = f"""
        import time, os, tempfile, numpy as np, schedarray as sa
        def status(field):
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith(field))

        sa.warmup_cosine(10**6, peak=1.0, warmup_steps=10, backend="numba")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = status("VmRSS:")
        with tempfile.TemporaryDirectory(dir={str(ROOT / "benchmarks")!r}) as d:
            t = time.perf_counter()
            path = sa.write_npy(os.path.join(d, "lr.npy"), sa.warmup_cosine, {n}, peak=1e-3,
                                warmup_steps={n // 100}, dtype=np.float32, progress=False)
            elapsed = time.perf_counter() - t
            size = os.path.getsize(path)
        print(elapsed, size, (status("VmHWM:") - before) * 1024, status("VmHWM:") * 1024)
    """
    elapsed, size, grown, peak = (float(v) for v in _python(code).split())
    return [
        f"- `write_npy` of {n:.0e} float32 steps ({size / 1e9:.1f} GB file): "
        f"{elapsed:.1f} s ({size / elapsed / 1e9:.2f} GB/s, disk-bound), resident set "
        f"grew by {grown / 2**20:.0f} MB at its peak; peak resident set of the whole "
        f"process (Python, NumPy, Numba) {peak / 2**20:.0f} MB."
    ]


# --------------------------------------------------------------------- report


def machine() -> list[str]:
    import numba

    cpu = bench_fresh_process.cpu_model()
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    except (ValueError, OSError):
        pages = float("nan")
    versions = [f"numpy {np.__version__}", f"numba {numba.__version__}"]
    for mod in ("torch", "jax", "optax"):
        with contextlib.suppress(ImportError):
            versions.append(f"{mod} {__import__(mod).__version__}")
    return [
        f"- CPU: {cpu}, {len(os.sched_getaffinity(0))} cores available "
        f"(Numba threads used: {_kernels.thread_count(10**9)}), {pages:.0f} GB RAM",
        f"- {platform.platform()}, Python {platform.python_version()}",
        f"- {', '.join(versions)}",
        f"- load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
    ]


NOTES = """
### Notes: what limits each shape

- The two-thread write limit is mostly page faults: a fresh array's pages are
  zeroed by the kernel on first touch, CPU work in the thread that touches
  them. A kernel's own arithmetic adds to it rather than hiding behind it, so
  a shape reaches the limit when its arithmetic costs well under the ~0.9 ns
  per element and thread that the faults cost on this machine.
- Cosine, exponential, geometric, staircase/step, linear, constant and the
  composites built from them need a few additions and multiplications per
  element (angle addition over blocks of 512, one exact `cos`/`sin` or power
  per block) and run near the limit. The kernels' values are bit-identical
  to before the rewrite (`tests/data/kernel_reference.npz`).
- `one_minus_sqrt`, `inverse_sqrt`, `rex` and the cyclic triangle need a
  division and/or a square root per element (`x / span`, `sqrt`,
  `(1 - p) / (1 - p / 2)`) to keep their values bit-identical; on this CPU
  those run at ~0.6-0.9 ns per element and thread in the vector divider, on
  top of the page faults.
- `tanh` and general powers cost a transcendental per element: the kernels
  hand them to NumPy's SIMD `tanh`/`power` inside the same threads (~4-5 ns
  per element and thread; Numba's scalar `libm` calls take 11-15 ns).
  `exp_range` needs `gamma ** x` per element: the kernel's scalar `libm` `pow`
  (~13 ns) is 2.4x faster than NumPy's `power` with a scalar base, which has
  no SIMD loop; a table of powers would be faster but less accurate.
- float32 halves the bytes written, so the write limit drops to about half
  while the arithmetic (float64, cast once on store) stays: the same kernels
  sit further above their float32 limit.
- The default backend at 10^8 steps is the vectorized NumPy path, chosen for
  a fresh process (its table above); in a process that builds many long
  schedules, `backend="numba"` is the faster choice.
- The machine is shared by several jobs on 2 cores: every ratio is measured
  side by side in one run (paired medians for the primitives), and ratios
  still move by 10-20% between runs.
"""

TABLES = ("warmup_cosine", "primitives", "compute", "startup", "threshold", "fresh", "stream")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^6 and 10^7 only")
    parser.add_argument("--huge", action="store_true", help="also stream 2e9 float32 steps")
    parser.add_argument("--only", choices=TABLES, help="one table, printed (no file written)")
    parser.add_argument("--sizes", nargs="+", type=float, help="lengths for --only")
    parser.add_argument("--dtype", choices=("float64", "float32"),
                        help="dtype for --only primitives (default: both)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()

    try:
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        pass

    print("\n".join(machine()), flush=True)
    if args.only:
        sizes = [int(v) for v in args.sizes] if args.sizes else None
        dtypes = [np.dtype(args.dtype).type] if args.dtype else [np.float64, np.float32]
        if args.only == "warmup_cosine":
            bench_warmup_cosine(sizes or [10**6, 10**7, 10**8], quick_loop=False)
        elif args.only == "primitives":
            for dtype in dtypes:
                bench_primitives((sizes or [10**8])[0], dtype)
        elif args.only == "compute":
            for dtype in dtypes:
                bench_compute((sizes or [10**8])[0], dtype)
        elif args.only in ("startup", "threshold"):
            startup_lines, startup = bench_startup()
            print("\n".join(startup_lines), flush=True)
            if args.only == "threshold":
                bench_threshold(startup)
        elif args.only == "fresh":
            bench_fresh(sizes or [1e5, 1e6, 1e7, 3e7, 1e8], 5)
        else:
            print("\n".join(bench_stream((sizes or [2 * 10**8])[0])))
        return

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Benchmark results",
        "",
        f"`python benchmarks/bench_generate.py{' --quick' if args.quick else ''}"
        f"{' --huge' if args.huge else ''}`, {started}; each table names the command that "
        "reproduces it alone.",
        "",
        *machine(),
    ]
    sizes = [10**6, 10**7] if args.quick else [10**6, 10**7, 10**8]
    lines += bench_warmup_cosine(sizes, quick_loop=args.quick)
    for dtype in (np.float64, np.float32):
        lines += bench_primitives(sizes[-1], dtype)
    for dtype in (np.float64, np.float32):
        lines += bench_compute(sizes[-1], dtype)
    lines += bench_fresh([1e5, 1e6, 1e7, 3e7, 1e8], 5)
    startup_lines, startup = bench_startup()
    lines += startup_lines
    print("\n".join(startup_lines), flush=True)
    lines += bench_threshold(startup)
    lines.append("\n### Streaming to disk\n")
    lines.append("`python benchmarks/bench_generate.py --only stream`\n")
    lines += bench_stream(2 * 10**8)
    if args.huge:
        lines += bench_stream(2 * 10**9)
    lines.append(NOTES)
    lines.append(
        "\nLoad average at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
        + " (the machine is shared with other jobs: ratios are measured side by side, "
        "medians or best-of-N within one run, and move by several percent between runs)."
    )
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text)
    print(text[text.index("### Import"):])


if __name__ == "__main__":
    main()
