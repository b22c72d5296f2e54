"""Whole-process wall time of building one schedule, the way a training script does.

Each row runs, in fresh interpreters, side by side and round-robin (so load
from other processes on the machine hits every column alike):

- ``numpy fill``: ``import numpy as np; np.empty(N).fill(0.5)``, the floor;
- ``default``: ``import schedarray as sa; sa.warmup_cosine(N, peak=1e-3,
  warmup_steps=1000)``;
- the same with each path `backend="auto"` can take forced (closed-form
  NumPy, the kernels' arithmetic in NumPy, Numba with a warm cache, Numba
  with a cold cache: a new empty ``NUMBA_CACHE_DIR`` per run).

Times are medians over ``--repeat`` rounds. Run from the repository root::

    python benchmarks/bench_fresh_process.py            # N = 1e5 ... 1e8
    python benchmarks/bench_fresh_process.py --sizes 1e7 3e8 --repeat 7
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FILL = "import numpy as np; np.empty({n}).fill(0.5)"
DEFAULT = "import schedarray as sa; sa.warmup_cosine({n}, peak=1e-3, warmup_steps=1000)"
FORCED = (
    "import schedarray as sa; from schedarray import _plan; "
    "_plan.AUTO_VECTORIZED_MIN, _plan.AUTO_NUMBA_MIN = {thresholds}; "
    "sa.warmup_cosine({n}, peak=1e-3, warmup_steps=1000)"
)
COLUMNS = {
    "numpy fill": (FILL, False),
    "default (auto)": (DEFAULT, False),
    "closed-form numpy": (FORCED.replace("{thresholds}", "None, None"), False),
    "vectorized numpy": (FORCED.replace("{thresholds}", "0, None"), False),
    "numba, warm cache": (FORCED.replace("{thresholds}", "None, 0"), False),
    "numba, cold cache": (FORCED.replace("{thresholds}", "None, 0"), True),
}


def cpu_model() -> str:
    """The CPU model name, family and model number (``/proc/cpuinfo`` on Linux).

    Virtual machines often report a bare "AMD EPYC": the family and model
    numbers still tell the generation (family 25 model 17 is Zen 4).
    """
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or "unknown"
    if "cpu family" in fields:
        avx512 = ", AVX-512" if "avx512f" in fields.get("flags", "").split() else ""
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')}{avx512})"
    return name


def installed_env() -> dict[str, str]:
    """The environment of a user's process running this checkout as installed.

    pip compiles the package's .pyc files at install time (`compile_package`), so
    a user's process never compiles the sources: PYTHONDONTWRITEBYTECODE, if set
    here, would make every run compile them (~20 ms, more than the import itself).
    No NUMBA_* setting of this shell is passed on.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NUMBA_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def compile_package() -> None:
    """Byte-compile the package, as pip does at install time."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "schedarray")],
                   check=True, stdout=subprocess.DEVNULL)


def run(code: str, cold: bool) -> float:
    """Wall time of ``python -c code`` in a fresh interpreter."""
    env = installed_env()
    cache = None
    if cold:
        cache = tempfile.mkdtemp(prefix="numba-cold-")
        env["NUMBA_CACHE_DIR"] = cache
    try:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        return time.perf_counter() - t
    finally:
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)


def table(sizes: list[float], repeat: int) -> list[str]:
    """The fresh-process table as Markdown lines (printed as they come)."""
    sys.path.insert(0, str(ROOT))
    from schedarray import _plan

    # Byte-compile the package as pip does at install time, and warm the Numba
    # cache of this checkout once, so "warm" means warm.
    compile_package()
    run(COLUMNS["numba, warm cache"][0].format(n=10**6), cold=False)
    lines = [
        f"- CPU: {cpu_model()}, {len(os.sched_getaffinity(0))} cores available",
        f"- Python {platform.python_version()}, {platform.platform()}",
        f"- load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- `AUTO_VECTORIZED_MIN = {_plan.AUTO_VECTORIZED_MIN:,}`, "
        f"`AUTO_NUMBA_MIN = {_plan.AUTO_NUMBA_MIN:,}`; median of {repeat} round-robin rounds",
        "",
    ]
    names = list(COLUMNS)
    lines += ["| N | " + " | ".join(names) + " | default / fill |",
              "|---:|" + "---:|" * len(names) + "---:|"]
    print("\n".join(lines), flush=True)
    for size in sizes:
        n = int(size)
        times: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(repeat):
            for name in names:
                code, cold = COLUMNS[name]
                times[name].append(run(code.format(n=n), cold))
        med = {name: statistics.median(v) for name, v in times.items()}
        fill = med["numpy fill"]
        cells = [f"{med[name] * 1e3:,.0f} ms ({med[name] / fill:.2f}x)" for name in names]
        lines.append(f"| {n:.0e} | " + " | ".join(cells)
                     + f" | **{med['default (auto)'] / fill:.2f}x** |")
        print(lines[-1], flush=True)
    lines += ["", f"Load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
              "(2 cores shared with other jobs: medians, and every column of a row is "
              "measured round-robin in the same minutes)."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7, 3e7, 1e8])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    table(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
