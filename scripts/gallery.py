"""Regenerate docs/gallery.png, the README's picture of the main schedule families.

Run from anywhere, with the package installed (``pip install -e '.[plot]'``)::

    python scripts/gallery.py

It only calls the ``schedarray plot`` command, so the image shows exactly what
a user gets from the command line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "gallery.png"
N = 1000

#: (panel title, spec): one panel per family, every schedule 1000 steps long, peak 1.
FAMILIES = [
    ("warmup_cosine", {"name": "warmup_cosine", "total_steps": N, "peak": 1.0,
                       "warmup_steps": "10%", "end": 0.05}),
    ("warmup_linear", {"name": "warmup_linear", "total_steps": N, "peak": 1.0,
                       "warmup_steps": "10%"}),
    ("wsd (1-sqrt cooldown)", {"name": "wsd", "total_steps": N, "peak": 1.0,
                               "warmup_steps": "5%", "decay_steps": "20%",
                               "decay": "one_minus_sqrt"}),
    ("one_cycle", {"name": "one_cycle", "total_steps": N, "peak": 1.0}),
    ("cosine_restarts (cycle_mul=2)", {"name": "cosine_restarts", "total_steps": N,
                                       "peak": 1.0, "cycle_steps": 100, "cycle_mul": 2.0,
                                       "peak_decay": 0.8}),
    ("inverse_sqrt after warmup", {"name": "warmup_decay", "total_steps": N, "peak": 1.0,
                                   "warmup_steps": "5%", "decay": "inverse_sqrt",
                                   "decay_options": {"timescale": 50.0}}),
    ("multistep", {"name": "multistep", "total_steps": N, "start": 1.0,
                   "milestones": [300, 600, 900], "gamma": 0.3}),
    ("cyclic (triangular2)", {"name": "cyclic", "total_steps": N, "low": 0.1, "high": 1.0,
                              "step_size_up": 125, "mode": "triangular2"}),
    ("join: linear, constant, cosine", {"name": "join", "parts": [
        {"name": "linear", "total_steps": 100, "start": 0.0, "end": 1.0, "endpoint": False},
        {"name": "constant", "total_steps": 400, "value": 1.0},
        {"name": "cosine", "total_steps": 500, "start": 1.0, "end": 0.1}]}),
]


def main() -> int:
    """Run `schedarray plot` on every family into docs/gallery.png; return its status."""
    script = shutil.which("schedarray")
    command = [script] if script else [sys.executable, "-m", "schedarray"]
    args = ["plot", *(json.dumps(spec) for _, spec in FAMILIES), "-o", str(OUTPUT),
            "--grid", "--columns", "3", "--size", "12", "8", "--dpi", "100",
            "--title", f"schedarray: the main schedule families ({N} steps, phases dotted)"]
    for title, _ in FAMILIES:
        args += ["--label", title]
    return subprocess.run([*command, *args], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
