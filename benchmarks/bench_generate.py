"""How fast schedarray produces a schedule array, next to the alternatives, in one process.

Run from a checkout (no install needed)::

    python benchmarks/bench_generate.py            # writes benchmarks/RESULTS.md
    python benchmarks/bench_generate.py --quick    # 10^6 and 10^7 only
    python benchmarks/bench_generate.py --huge     # also streams 2e9 float32 steps to disk

Every time is the best of a few runs with a fresh output array, shown as a
ratio to the *fill limit* ``a = np.empty(N); a.fill(x)`` measured in the same
run (allocation and page faults included, as for every contender). Peak
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
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import schedarray as sa  # noqa: E402
from schedarray import _kernels, _plan  # noqa: E402

PEAK, START, END = 1e-3, 0.0, 0.0
EPS = np.finfo(np.float64).eps


# ----------------------------------------------------------------- contenders


def warmup_of(n: int) -> int:
    return n // 100


def fill_limit(n: int) -> np.ndarray:
    a = np.empty(n)
    a.fill(PEAK)
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
    out.append(("schedarray backend='numpy'", schedarray_call("numpy")))
    out.append(("schedarray backend='numba', 1 thread", schedarray_call("numba", 1)))
    out.append(("schedarray backend='numba'", schedarray_call("numba")))
    out.append(("**schedarray default (auto)**", schedarray_call("auto")))
    return out


def bench_warmup_cosine(sizes: list[int], quick_loop: bool) -> list[str]:
    lines = []
    for n in sizes:
        repeats = 7 if n <= 10**6 else 5
        fill = best_time(lambda n=n: fill_limit(n), repeats + 2)
        ref = reference(n)
        lines += [
            f"\n### warmup_cosine, N = 10^{round(math.log10(n))} (float64, W = N/100, "
            f"peak {PEAK})\n",
            f"Fill limit `np.empty(N); a.fill(x)`: **{fill * 1e3:.2f} ms** "
            f"({fill / n * 1e9:.2f} ns/step)."
            + (" At this size malloc recycles freed memory, so the fill and the memory "
               "column see no page faults; torch and XLA allocations are then invisible "
               "to the memory column." if n <= 10**6 else "") + "\n",
            "| method | time | x fill | peak memory / output | max error (eps·max, own dtype) "
            "| landmarks exact |",
            "|---|---:|---:|---:|---:|:---:|",
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
            lines.append(f"| {name} | {t * 1e3:,.1f} ms | {t / fill:.2f}x | {mem_s} | "
                         f"{err:.2f} | {exact} |")
            print(lines[-1], flush=True)
        del ref
    return lines


PRIMITIVES: list[tuple[str, Callable[..., np.ndarray], dict]] = [
    ("constant", sa.constant, {"value": 0.1}),
    ("linear", sa.linear, {"start": 1.0, "end": 0.01}),
    ("cosine", sa.cosine, {"start": 1.0, "end": 0.01}),
    ("cosine, exponent 2", sa.cosine, {"start": 1.0, "exponent": 2.0}),
    ("polynomial, power 2", sa.polynomial, {"start": 1.0, "power": 2.0}),
    ("polynomial, power 0.9", sa.polynomial, {"start": 1.0, "power": 0.9}),
    ("exponential (rate, continuous)", sa.exponential,
     {"start": 1.0, "rate": 0.5, "transition_steps": 10**6}),
    ("exponential (start to end)", sa.exponential, {"start": 1.0, "end": 1e-4}),
    ("stepped: exponential staircase", sa.exponential,
     {"start": 1.0, "rate": 0.5, "transition_steps": 10**6, "staircase": True}),
    ("stepped: step", sa.step, {"start": 1.0, "step_size": 10**6, "gamma": 0.9}),
    ("stepped: multistep", sa.multistep, {"start": 1.0, "milestones": [3 * 10**7, 6 * 10**7]}),
    ("one_minus_sqrt", sa.one_minus_sqrt, {"start": 1.0}),
    ("inverse_sqrt", sa.inverse_sqrt, {"start": 1.0, "timescale": 1e4}),
    ("tanh", sa.tanh, {"start": 1.0}),
    ("rex", sa.rex, {"start": 1.0}),
    ("cyclic, triangular", sa.cyclic, {"low": 0.1, "high": 1.0, "step_size_up": 10**5}),
    ("cyclic, exp_range", sa.cyclic,
     {"low": 0.1, "high": 1.0, "step_size_up": 10**5, "mode": "exp_range", "gamma": 0.9999999}),
    ("wsd (1-sqrt cooldown)", sa.wsd,
     {"peak": 1.0, "warmup_steps": "1%", "decay_steps": "20%", "decay": "one_minus_sqrt"}),
    ("one_cycle", sa.one_cycle, {"peak": 1.0}),
    ("cosine_restarts", sa.cosine_restarts, {"peak": 1.0, "cycle_steps": 10**7}),
]


def bench_primitives(n: int) -> list[str]:
    fill = best_time(lambda: fill_limit(n), 7)
    lines = [
        f"\n### Every primitive at N = 10^{round(math.log10(n))} (float64)\n",
        f"Fill limit: {fill * 1e3:.1f} ms.\n",
        "| schedule | default (auto) | x fill | backend='numpy' | x fill |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, fn, kwargs in PRIMITIVES:
        fn(1000, backend="numba", **kwargs)
        t = best_time(lambda fn=fn, kwargs=kwargs: fn(n, **kwargs), 5)
        t_np = best_time(lambda fn=fn, kwargs=kwargs: fn(n, backend="numpy", **kwargs), 2)
        lines.append(f"| {name} | {t * 1e3:,.0f} ms | {t / fill:.2f}x | "
                     f"{t_np * 1e3:,.0f} ms | {t_np / fill:.1f}x |")
        print(lines[-1], flush=True)
    return lines


# ------------------------------------------------------ start-up and threshold


def _python(code: str, env: dict[str, str] | None = None) -> str:
    full = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    full["PYTHONPATH"] = str(ROOT)
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full, check=True)
    return proc.stdout


def bench_startup() -> tuple[list[str], float]:
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
        sa.warmup_cosine(N, peak=1e-3, warmup_steps=N // 100)
        first = time.perf_counter() - t
        t = time.perf_counter()
        sa.warmup_cosine(N, peak=1e-3, warmup_steps=N // 100)
        print(first, time.perf_counter() - t)
    """
    lines = [
        "\n### Import and first call\n",
        f"- `import schedarray` adds **{(both - numpy_only) * 1e3:.1f} ms** over "
        f"`import numpy` ({numpy_only * 1e3:.0f} ms -> {both * 1e3:.0f} ms, best of 7 fresh "
        "interpreters); Numba is not imported.",
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
                f"- First `warmup_cosine(10^{round(math.log10(n))})` in a fresh process, Numba "
                f"import included: cold cache **{cold[0]:.2f} s** (compiles), warm cache "
                f"**{warm[0]:.2f} s**; the second call takes {warm[1] * 1e3:.0f} ms."
            )
    lines.append(f"- One-time Numba start-up with a warm cache: ~{startup:.2f} s.")
    return lines, startup


def bench_threshold(startup: float) -> list[str]:
    lines = [
        "\n### Where `backend=\"auto\"` switches to Numba\n",
        f"Numba costs a one-time start-up of ~{startup:.2f} s per process (import plus "
        "cached kernels); after it, the kernels are several times faster than the NumPy "
        "path at every length below. The switch trades the two: at "
        f"`AUTO_NUMBA_MIN = {_plan.AUTO_NUMBA_MIN:,}` (2^"
        f"{_plan.AUTO_NUMBA_MIN.bit_length() - 1}, the largest power of two below 10^7, "
        "where the default backend must already run at memory speed) the start-up costs "
        "about as much as five or six NumPy calls of that length and is repaid after a "
        "handful of calls; one power of two lower it would cost more than ten. Shorter "
        "schedules, i.e. nearly every real training run, never import Numba.\n",
        "| N | numpy path | numba path | start-up / numpy call | calls to repay the start-up |",
        "|---:|---:|---:|---:|---:|",
    ]
    for k in range(18, 27):
        n = 1 << k
        t_np = best_time(lambda n=n: schedarray_call("numpy")(n), 3)
        t_nb = best_time(lambda n=n: schedarray_call("numba")(n), 3)
        lines.append(f"| 2^{k} = {n:,} | {t_np * 1e3:.1f} ms | {t_nb * 1e3:.1f} ms | "
                     f"{startup / t_np:.1f} | {startup / max(t_np - t_nb, 1e-9):.1f} |")
        print(lines[-1], flush=True)
    return lines


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

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^6 and 10^7 only")
    parser.add_argument("--huge", action="store_true", help="also stream 2e9 float32 steps")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()

    try:
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        pass

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Benchmark results",
        "",
        f"`python benchmarks/bench_generate.py{' --quick' if args.quick else ''}"
        f"{' --huge' if args.huge else ''}`, {started}.",
        "",
        *machine(),
    ]
    print("\n".join(lines), flush=True)
    sizes = [10**6, 10**7] if args.quick else [10**6, 10**7, 10**8]
    lines += bench_warmup_cosine(sizes, quick_loop=args.quick)
    lines += bench_primitives(sizes[-1])
    startup_lines, startup = bench_startup()
    lines += startup_lines
    print("\n".join(startup_lines), flush=True)
    lines += bench_threshold(startup)
    lines.append("\n### Streaming to disk\n")
    lines += bench_stream(2 * 10**8)
    if args.huge:
        lines += bench_stream(2 * 10**9)
    lines.append(
        "\nLoad average at the end: " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
        + " (the machine is shared; ratios are best-of-N within one run)."
    )
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text)
    print(text[text.index("### Import"):])


if __name__ == "__main__":
    main()
