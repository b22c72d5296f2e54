"""Many cycles cost what one cycle costs: periodic shapes are one plan element.

Run from a checkout (no install needed)::

    python benchmarks/bench_cycles.py           # the full table (N = 1e8 for the native rows)
    python benchmarks/bench_cycles.py --quick   # N = 1e7 for the native rows

Each row compares a schedule of many cycles with the same schedule in one
cycle (or, for ``cosine_restarts``, with ``warmup_cosine``), same length, same
backend (``"auto"``), measured side by side in one run: time is the median
of a few alternating calls in this process (the Numba kernels already
loaded); plan time is the cost of building the plan alone (a window of no
steps); peak memory is measured in a fresh process per call, as the growth
of the resident set's high-water mark (Linux ``VmHWM``) over the resident
set just before the call, as a multiple of the output's size.

The ``peak_decay`` row has ten million *distinct* cycles (each its own
peak): its plan holds the peaks as one progression ``peak * decay ** k``
(a few numbers, whatever the number of cycles), and its cycles are rendered
as rows (one cycle's weights blended with each cycle's peak, the powers
computed for the cycles of each chunk); equal cycles are computed once and
copied.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import schedarray as sa  # noqa: E402
from schedarray.compat import optax, timm, torch  # noqa: E402

#: (label, many cycles, one cycle); each a (function, args, kwargs) call of N steps.
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def cases(n: int) -> list[tuple[str, Call, Call]]:
    wc = {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 10, "decay_steps": 100,
          "end_value": 1e-6}
    one = dict(wc, decay_steps=10**6)
    noise = {"noise_range_t": (0, 10**6), "t_in_epochs": False}
    return [
        (f"cosine_restarts({n:.0e}, cycle_steps=10) vs warmup_cosine",
         (sa.cosine_restarts, (n,), {"peak": 1e-3, "cycle_steps": 10}),
         (sa.warmup_cosine, (n,), {"peak": 1e-3, "warmup_steps": 1000})),
        (f"cosine_restarts({n:.0e}), 10-step cycles vs 1 cycle",
         (sa.cosine_restarts, (n,), {"peak": 1e-3, "cycle_steps": 10, "cycle_warmup_steps": 2}),
         (sa.cosine_restarts, (n,), {"peak": 1e-3, "cycle_steps": n, "cycle_warmup_steps": 2})),
        (f"cosine_restarts({n:.0e}, cycle_steps=10, peak_decay) vs warmup_cosine",
         (sa.cosine_restarts, (n,), {"peak": 1e-3, "cycle_steps": 10, "peak_decay": 0.9999999}),
         (sa.warmup_cosine, (n,), {"peak": 1e-3, "warmup_steps": 1000})),
        (f"cosine_restarts({n:.0e}, cycle_steps=1000) vs warmup_cosine",
         (sa.cosine_restarts, (n,), {"peak": 1e-3, "cycle_steps": 1000}),
         (sa.warmup_cosine, (n,), {"peak": 1e-3, "warmup_steps": 1000})),
        ("optax.sgdr_schedule(1e6), 100-step cycles vs 1 cycle",
         (optax.sgdr_schedule, (10**6, [wc] * 10**4), {}),
         (optax.sgdr_schedule, (10**6, [one]), {})),
        ("timm.cosine_lr_scheduler(1e6) + noise, 100-step cycles vs 1",
         (timm.cosine_lr_scheduler, (1e-3, 10**6, 100), dict(noise, cycle_limit=10**4)),
         (timm.cosine_lr_scheduler, (1e-3, 10**6, 10**6), noise)),
        ("timm.cosine_lr_scheduler(1e6), 100-step cycles vs 1",
         (timm.cosine_lr_scheduler, (1e-3, 10**6, 100), {"cycle_limit": 10**4,
                                                         "t_in_epochs": False}),
         (timm.cosine_lr_scheduler, (1e-3, 10**6, 10**6), {"t_in_epochs": False})),
        ("torch.cosine_annealing_warm_restarts(1e7), T_0=100 vs 1e7",
         (torch.cosine_annealing_warm_restarts, (1e-3, 10**7, 100), {}),
         (torch.cosine_annealing_warm_restarts, (1e-3, 10**7, 10**7), {})),
    ]


def median_time(call: Call, reps: int) -> float:
    fn, args, kwargs = call
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def plan_time(call: Call, reps: int) -> float:
    """Building the plan alone: a window of no steps renders nothing."""
    fn, args, kwargs = call
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        sa.window(fn, 0, 0, *args, **kwargs)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


_MEMORY = """
import sys
sys.path.insert(0, {root!r})
import numpy as np
import schedarray as sa
from schedarray.compat import optax, timm, torch
from benchmarks.bench_cycles import cases

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

label, many, one = cases({n})[{index}]
fn, args, kwargs = (many, one)[{which}]
sa.warmup_cosine(1 << 23, peak=1.0, warmup_steps=1)  # the Numba kernels loaded
sa.cosine_restarts(1 << 23, peak=1.0, cycle_steps=10)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
out = fn(*args, **kwargs)
print(status("VmHWM:") - before, out.nbytes)
"""


def peak_memory(n: int, index: int, which: int) -> float | None:
    """Peak resident growth of one call in a fresh process, over the output's size."""
    code = textwrap.dedent(_MEMORY.format(root=str(ROOT), n=n, index=index, which=which))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=900)
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        return None
    grown, size = map(int, proc.stdout.split())
    return grown / size


def cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1e7 for the native rows")
    parser.add_argument("--reps", type=int, default=5)
    opts = parser.parse_args()
    n = 10**7 if opts.quick else 10**8
    print(f"CPU: {cpu()}, {len(os.sched_getaffinity(0))} cores available, "
          f"Python {platform.python_version()}")
    rows = []
    for index, (label, many, one) in enumerate(cases(n)):
        for call in (many, one):  # warm: kernels compiled/loaded, caches hot
            median_time(call, 1)
        t_many = t_one = 0.0
        for _ in range(opts.reps):  # alternate, so load on the machine hits both
            t_many += median_time(many, 1)
            t_one += median_time(one, 1)
        p_many, p_one = plan_time(many, opts.reps), plan_time(one, opts.reps)
        m_many, m_one = peak_memory(n, index, 0), peak_memory(n, index, 1)
        rows.append((label, t_many / opts.reps, t_one / opts.reps, p_many, p_one, m_many, m_one))
        print(".", end="", flush=True)
    print()
    head = ("| case | many cycles | one cycle | ratio | plan: many | plan: one | plan ratio "
            "| peak mem: many | one |")
    print(head)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, tm, to, pm, po, mm, mo in rows:
        mem = [f"{m:.2f}x" if m is not None else "n/a" for m in (mm, mo)]
        print(f"| {label} | {tm * 1e3:.1f} ms | {to * 1e3:.1f} ms | {tm / to:.2f} "
              f"| {pm * 1e3:.2f} ms | {po * 1e3:.2f} ms | {pm / po:.2f} | {mem[0]} | {mem[1]} |")


if __name__ == "__main__":
    main()
