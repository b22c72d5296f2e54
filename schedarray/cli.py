"""The ``schedarray`` command: see, plot, export and compare schedules before training.

Every command takes SPECs (see `schedarray.spec`). A SPEC on the command line
is inline JSON, a path to a ``.json`` or ``.toml`` file (``FILE:TABLE`` picks
one table of a larger config, e.g. ``pyproject.toml:tool.schedarray.lr``), or
``example``, a built-in warmup-cosine schedule::

    schedarray show example
    schedarray show '{"name": "wsd", "total_steps": 1000, "peak": 1e-3, "decay_steps": "20%"}'
    schedarray plot lr.toml '{"name": "compat.convnext.cosine_scheduler", ...}' -o lr.png
    schedarray export train.toml:schedule.lr -o lr.npy
    schedarray compare mine.json theirs.json --rtol 1e-12
    schedarray compare mine.json python:train:get_lr    # a step function or torch scheduler
    schedarray spec python:train:lr > lr.json           # the spec of an array built in train.py

Bad input (a bad SPEC, an unknown name or parameter, an unwritable output)
exits with status 2 and one line on stderr, and writes nothing. ``compare``
exits with 1 when the schedules differ beyond the tolerance.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, NoReturn

import numpy as np

from . import __version__
from .plot import Scan, scan, source
from .spec import SpecNode, describe, load_spec, parse, to_spec
from .stream import write_atomic

__all__ = ["EXAMPLE", "main"]

#: The built-in example, ``schedarray show example``.
EXAMPLE: dict[str, Any] = {
    "name": "warmup_cosine",
    "total_steps": "10ep",
    "peak": 1e-3,
    "warmup_steps": "1ep",
    "end": 1e-5,
    "steps_per_epoch": 500,
}

#: Steps computed and written at a time by ``export`` and ``compare``.
CHUNK = 1 << 20


class Failure(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise Failure(f"{message} (see '{self.prog} --help')")


# ---------------------------------------------------------------------------- reading SPECs


def read_spec(text: str) -> dict[str, Any]:
    """The spec a command-line SPEC stands for (inline JSON, FILE[:TABLE] or ``example``).

    Examples
    --------
    >>> read_spec('{"name": "cosine", "total_steps": 3, "start": 1.0}')
    {'name': 'cosine', 'total_steps': 3, 'start': 1.0}
    >>> read_spec("example")["name"]
    'warmup_cosine'
    """
    if text == "example":
        return copy.deepcopy(EXAMPLE)
    if text.lstrip().startswith("{"):
        try:
            spec = json.loads(text)
        except ValueError as exc:
            raise Failure(f"SPEC is not valid JSON: {exc}") from None
        except RecursionError:
            raise Failure("SPEC is nested too deeply to read") from None
        if not isinstance(spec, dict):
            raise Failure(f"SPEC must be a JSON object, got {text!r}")
        return spec
    path, table = text, None
    if not os.path.exists(path) and ":" in text:
        head, tail = text.rsplit(":", 1)
        if tail and os.path.isfile(head):
            path, table = head, tail
    if os.path.exists(path) or path.lower().endswith((".json", ".toml")):
        return load_spec(path, table)
    raise Failure(
        "SPEC must be inline JSON ('{\"name\": ...}'), a .json or .toml file (FILE:TABLE for "
        f"one table of a config) or 'example', got {text!r}"
    )


def _node(text: str) -> tuple[dict[str, Any] | None, SpecNode]:
    """The spec (None for a .npy file of values) and the parsed schedule of a SPEC."""
    if text.lower().endswith(".npy") and os.path.isfile(text):
        try:
            values = np.load(text, mmap_mode="r", allow_pickle=False)
        except ValueError as exc:
            raise Failure(f"{text} is not a readable .npy file: {exc}") from None
        if values.ndim != 1 or values.dtype.kind not in "fiu":
            raise Failure(f"{text} must hold a 1-D array of numbers, got shape {values.shape}, "
                          f"dtype {values.dtype}")
        return None, source(values, os.path.basename(text))
    spec = read_spec(text)
    try:
        return spec, parse(spec)
    except (TypeError, ValueError) as exc:
        if text.lstrip().startswith("{") or text == "example":
            raise
        raise type(exc)(f"{text}: {exc}") from None


PYTHON = "python:"


def _python_object(text: str) -> Any:
    """What ``python:module:attr`` names in the user's code (run from the current directory)."""
    from .trace import load_python

    if os.getcwd() not in sys.path:  # import the user's own modules, as `python -m` would
        sys.path.insert(0, os.getcwd())
    return load_python(text[len(PYTHON):])


def _python_node(text: str, length: int) -> SpecNode:
    """``python:module:attr``: an array, a step function or a torch scheduler, `length` steps."""
    from .trace import from_torch, sample

    obj = _python_object(text)
    if isinstance(obj, np.ndarray):
        values = obj
    elif hasattr(obj, "optimizer") and hasattr(obj, "step"):
        values = from_torch(obj, length)
    elif callable(obj):
        values = sample(obj, length)
    else:
        raise Failure(f"{text} must name an array, a function of the step or a torch scheduler, "
                      f"got {type(obj).__name__}")
    if values.ndim != 1:
        raise Failure(f"{text} must give one value per step, got shape {values.shape}")
    return source(np.asarray(values, dtype=np.float64), text[len(PYTHON):])


def _title(spec: dict[str, Any] | None, node: SpecNode) -> str:
    return describe(spec) if spec is not None else f"{node.name} (values)"


# ---------------------------------------------------------------------------- show


def _fmt(value: float) -> str:
    return f"{value:.6g}"


class _Lines:
    """Collects output lines, each wrapped to the terminal width."""

    def __init__(self, width: int) -> None:
        self.width, self.lines = width, []

    def add(self, text: str = "", indent: int = 4) -> None:
        while len(text) > self.width:
            # Break at the last space, or after the last "(" or ",", that fits.
            cut = max(text.rfind(" ", indent + 1, self.width + 1),
                      *(text.rfind(c, indent + 1, self.width) + 1 for c in "(,"))
            cut = cut if cut > indent else self.width
            self.lines.append(text[:cut].rstrip())
            text = " " * indent + text[cut:].lstrip()
        self.lines.append(text)


def _phases(node: SpecNode) -> list[tuple[int, int, str]]:
    """``(first step, last step, label)`` of every phase, in order."""
    labels: dict[int, list[str]] = {}
    for mark in node.landmarks:
        if 0 <= mark.step < node.length:
            labels.setdefault(mark.step, []).append(mark.label)
    starts = sorted(labels) if 0 in labels else [0, *sorted(labels)]
    ends = [*starts[1:], node.length]
    return [(a, b - 1, ", ".join(labels.get(a, [node.name])))
            for a, b in zip(starts, ends, strict=True)]


def _canvas(
    node: SpecNode, s: Scan, width: int, height: int, unicode: bool, boundaries: Sequence[int]
) -> list[str]:
    """A text plot `width` columns wide (labels included) from a `scan` of `node`."""
    top, bottom = _fmt(s.vmax), _fmt(s.vmin)
    label_width = max(len(top), len(bottom))
    cells = max(width - label_width - 2, 8)
    sub_x, sub_y = (2, 4) if unicode else (1, 2)
    columns, rows = cells * sub_x, height * sub_y
    bins = s.lo.shape[0]
    span = s.vmax - s.vmin
    grid = np.zeros((rows, columns), dtype=bool)

    def row(v: float) -> int:
        return rows // 2 if span == 0 else round((v - s.vmin) / span * (rows - 1))

    previous = None
    for c in range(columns):
        k0 = c * bins // columns
        k1 = max(k0 + 1, (c + 1) * bins // columns)
        lo, hi = float(s.lo[k0:k1].min()), float(s.hi[k0:k1].max())
        if previous is not None:
            lo, hi = min(lo, previous), max(hi, previous)
        grid[row(lo) : row(hi) + 1, c] = True
        previous = float(s.last[k1 - 1])
    grid = grid[::-1]
    lines = []
    for r in range(height):
        block = grid[r * sub_y : (r + 1) * sub_y]
        if unicode:
            bits = np.zeros(cells, dtype=np.int64)
            for (dy, dx), bit in _BRAILLE.items():
                bits |= block[dy, dx::2].astype(np.int64) * bit
            text = "".join(chr(0x2800 + int(b)) for b in bits)
        else:
            text = "".join(" '.:"[int(block[0, c]) + 2 * int(block[1, c])] for c in range(cells))
        label = top if r == 0 else bottom if r == height - 1 else ""
        tick = ("┤" if label else "│") if unicode else "|"
        lines.append(f"{label:>{label_width}} {tick}{text}".rstrip())
    axis = list(("─" if unicode else "-") * cells)
    for step in boundaries:
        col = min(int(step * cells / node.length), cells - 1)
        axis[col] = "┬" if unicode else "+"
    lines.append(" " * label_width + (" └" if unicode else " +") + "".join(axis))
    last = str(node.length - 1)
    ticks = "0" + last.rjust(cells - 1) if cells > len(last) + 2 else f"0..{last}"
    lines.append(" " * (label_width + 2) + ticks)
    return lines


_BRAILLE = {(0, 0): 0x01, (1, 0): 0x02, (2, 0): 0x04, (0, 1): 0x08, (1, 1): 0x10,
            (2, 1): 0x20, (3, 0): 0x40, (3, 1): 0x80}


def _can_encode(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _show(args: argparse.Namespace) -> int:
    spec, node = _node(args.spec)
    if args.width is not None and args.width < 20:
        raise Failure(f"--width must be >= 20, got --width={args.width}")
    width = args.width or max(shutil.get_terminal_size((80, 24)).columns, 20)
    if args.height < 2:
        raise Failure(f"--height must be >= 2, got --height={args.height}")
    if args.steps_per_epoch is not None and args.steps_per_epoch < 1:
        raise Failure(f"--steps-per-epoch must be >= 1, got --steps-per-epoch="
                      f"{args.steps_per_epoch}")
    out = _Lines(width)
    n = node.length
    spe = args.steps_per_epoch or node.steps_per_epoch
    phases = _phases(node)
    epochs = math.ceil(n / spe) if spe else 0
    shown = list(range(epochs))
    if epochs > 24 and not args.all_epochs:
        every = math.ceil(epochs / 12)
        shown = sorted({*range(0, epochs, every), epochs - 1})
    picks = [0, n - 1, *(p for a, b, _ in phases for p in (a, b)), *(e * spe for e in shown)]
    s = scan(node, 2 * width, picks)
    value = s.picked

    out.add(_title(spec, node))
    per = f" = {n / spe:g} epochs x {spe}" if spe else ""
    out.add(f"  length  {n} step{'s' if n > 1 else ''}{per}")
    out.add(f"  start   {_fmt(value[0]):<12} step 0")
    out.add(f"  max     {_fmt(s.vmax):<12} step {s.argmax}")
    out.add(f"  min     {_fmt(s.vmin):<12} step {s.argmin}")
    out.add(f"  end     {_fmt(value[n - 1]):<12} step {n - 1}")
    warm = len(phases) > 1 and value[phases[1][0]] > value[0] <= value[phases[0][1]]
    out.add("phases")
    listed = phases if len(phases) <= 12 else [*phases[:10], None, phases[-1]]
    step_width = len(f"{n - 1}-{n - 1}")
    for k, phase in enumerate(listed):
        if phase is None:
            out.add(f"  ... {len(phases) - 11} more phases", indent=6)
            continue
        a, b, label = phase
        if k == 0 and warm:
            label = f"warmup ({label})"
        steps = f"{a}-{b}" if b > a else f"{a}"
        out.add(f"  {steps:<{step_width}}  {label}: {_fmt(value[a])} -> {_fmt(value[b])}",
                indent=step_width + 4)
    if warm:
        w = phases[1][0]
        out.add(f"warmup ends at step {w}" + (f" (epoch {w / spe:g})" if spe else "")
                + f", value {_fmt(value[w])}")
    if spe:
        header = "value at the first step of each epoch"
        if len(shown) < epochs:
            header += f" (every {shown[1] - shown[0]} epochs; --all-epochs for all)"
        out.add(header + ":")
        texts = [_fmt(value[e * spe]) for e in shown]
        wide = max(len(t) for t in texts)
        cells = [f"{e:>{len(str(epochs))}}: {t:<{wide}}" for e, t in zip(shown, texts, strict=True)]
        cell = max(len(c) for c in cells)
        per_row = max(1, (width - 2) // (cell + 2))
        for r in range(0, len(cells), per_row):
            out.add("  " + "  ".join(cells[r : r + per_row]).rstrip())
    unicode = not args.ascii and _can_encode("\u28ff\u2524\u2514\u2500\u252c")
    boundaries = [a for a, _, _ in phases[1:]]
    for line in _canvas(node, s, width, args.height, unicode, boundaries):
        out.add(line)
    _say("\n".join(out.lines))
    return 0


# ---------------------------------------------------------------------------- writing files


def _check_target(path: str, *, force: bool) -> tuple[str, str]:
    """The absolute path and directory of an output that may be written."""
    target = os.path.abspath(path)
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        raise Failure(f"cannot write {path}: it is a directory")
    if not force and os.path.lexists(target):
        raise Failure(f"{path} exists; pass --force to overwrite it")
    if not os.path.isdir(directory):
        raise Failure(f"cannot write {path}: no directory {directory}")
    return target, directory


def _write_atomic(path: str, write: Callable[[IO[bytes]], None], *, force: bool) -> None:
    """Write `path` all or nothing (`schedarray.stream.write_atomic`); a link is replaced."""
    _check_target(path, force=force)
    try:
        write_atomic(path, write, overwrite=force)
    except FileExistsError:  # the target appeared meanwhile
        raise Failure(f"{path} exists; pass --force to overwrite it") from None
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror or exc}") from None


class _Progress:
    def __init__(self, total: int, enabled: bool, what: str) -> None:
        self.total, self.enabled, self.what = total, enabled, what
        self.shown = -1.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < self.total and now - self.shown < 0.2:
            return
        self.shown = now
        share = done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r{self.what} [{bar:<30}] {share:6.1%}  {done}/{self.total} steps")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _chunks(node: SpecNode, size: int, progress: _Progress) -> Any:
    progress.update(0)
    for a in range(0, node.length, size):
        b = min(a + size, node.length)
        yield a, node.values(a, b)
        progress.update(b)


def _writer(fmt: str, spec: dict[str, Any] | None, node: SpecNode, size: int,
            progress: _Progress) -> Callable[[IO[bytes]], None]:
    def npy(file: IO[bytes]) -> None:
        header = {"descr": np.lib.format.dtype_to_descr(node.dtype), "fortran_order": False,
                  "shape": (node.length,)}
        np.lib.format.write_array_header_1_0(file, header)
        for _, chunk in _chunks(node, size, progress):
            file.write(np.ascontiguousarray(chunk, dtype=node.dtype).tobytes())

    def csv(file: IO[bytes]) -> None:
        file.write(b"step,value\n")
        for a, chunk in _chunks(node, size, progress):
            rows = "".join(f"{a + i},{v!r}\n" for i, v in enumerate(chunk.tolist()))
            file.write(rows.encode())

    def json_(file: IO[bytes]) -> None:
        head = {"spec": spec, "length": node.length, "dtype": node.dtype.name}
        file.write(json.dumps(head)[:-1].encode() + b', "values": [')
        for a, chunk in _chunks(node, size, progress):
            text = ", ".join(map(repr, chunk.tolist()))
            file.write(((", " if a else "") + text).encode())
        file.write(b"]}\n")

    return {"npy": npy, "csv": csv, "json": json_}[fmt]


def _suffix(path: str, allowed: Sequence[str], option: str) -> str:
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in allowed:
        listed = ", ".join(f".{a}" for a in allowed)
        raise Failure(f"{option} must end in {listed}, got {option} {path}")
    return suffix


def _export(args: argparse.Namespace) -> int:
    fmt = _suffix(args.output, ("npy", "csv", "json"), "-o")
    spec, node = _node(args.spec)
    if args.chunk_steps < 1:
        raise Failure(f"--chunk-steps must be >= 1, got --chunk-steps={args.chunk_steps}")
    enabled = args.progress if args.progress is not None else (
        sys.stderr.isatty() and node.length > 4 * args.chunk_steps)
    progress = _Progress(node.length, enabled, f"export {os.path.basename(args.output)}")
    _write_atomic(args.output, _writer(fmt, spec, node, args.chunk_steps, progress),
                  force=args.force)
    _say(f"wrote {node.length} values ({node.dtype.name}) to {args.output}")
    return 0


# ---------------------------------------------------------------------------- plot


def _plot(args: argparse.Namespace) -> int:
    fmt = _suffix(args.output, ("png", "svg", "pdf"), "-o")
    if args.label is not None and len(args.label) != len(args.spec):
        raise Failure(f"--label must be given once per SPEC ({len(args.spec)}), "
                      f"got {len(args.label)}")
    nodes = [_node(text)[1] for text in args.spec]
    if args.dpi <= 0 or min(args.size) <= 0:
        raise Failure(f"--size and --dpi must be > 0, got --size {args.size} --dpi {args.dpi}")
    from .plot import _matplotlib, plot

    _matplotlib()
    from matplotlib.figure import Figure

    labels = args.label or [n.name for n in nodes]
    figure = Figure(figsize=tuple(args.size), dpi=args.dpi, layout="constrained")
    options = {"steps_per_epoch": args.steps_per_epoch, "x": args.x, "log_y": args.log_y,
               "phases": not args.no_phases, "ylabel": args.ylabel}
    if args.grid:
        columns = args.columns or min(3, len(nodes))
        rows = math.ceil(len(nodes) / columns)
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax, node, label in zip(axes, nodes, labels, strict=False):
            plot(node, ax=ax, title=label, **options)
        for ax in axes[len(nodes):]:
            ax.set_visible(False)
        if args.title:
            figure.suptitle(args.title)
    else:
        ax = figure.subplots()
        plot(*nodes, ax=ax, labels=labels if len(nodes) > 1 or args.label else None,
             title=args.title, **options)

    def write(file: IO[bytes]) -> None:
        figure.savefig(file, format=fmt, dpi=args.dpi)

    _write_atomic(args.output, write, force=True)
    _say(f"wrote {args.output}")
    return 0


# ---------------------------------------------------------------------------- compare


def _compare(args: argparse.Namespace) -> int:
    if args.a.startswith(PYTHON) and args.b.startswith(PYTHON):
        raise Failure("compare needs at least one SPEC that is not python:module:attr "
                      "(its length sets the number of steps sampled)")
    if args.a.startswith(PYTHON):
        spec_b, b = _node(args.b)
        spec_a, a = None, _python_node(args.a, b.length)
    else:
        spec_a, a = _node(args.a)
        spec_b, b = ((None, _python_node(args.b, a.length)) if args.b.startswith(PYTHON)
                     else _node(args.b))
    if args.rtol < 0 or args.atol < 0 or not (math.isfinite(args.rtol)
                                               and math.isfinite(args.atol)):
        raise Failure(f"--rtol and --atol must be finite and >= 0, got --rtol={args.rtol} "
                      f"--atol={args.atol}")
    n = min(a.length, b.length)
    worst_abs = worst_rel = 0.0
    at_abs = at_rel = 0
    first = None
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        x = np.asarray(a.values(start, stop), dtype=np.float64)
        y = np.asarray(b.values(start, stop), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            diff = np.abs(x - y)
        diff[(x == y) | (np.isnan(x) & np.isnan(y))] = 0.0  # equal infinities, both NaN
        diff[np.isnan(x) != np.isnan(y)] = np.inf  # a NaN against a number always differs
        size = np.fmax(np.abs(x), np.abs(y))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(diff == 0, 0.0, np.where(np.isinf(diff), np.inf, diff / size))
        i, j = int(np.argmax(diff)), int(np.argmax(rel))
        if diff[i] > worst_abs:
            worst_abs, at_abs = float(diff[i]), start + i
        if rel[j] > worst_rel:
            worst_rel, at_rel = float(rel[j]), start + j
        if first is None:
            beyond = np.flatnonzero((diff > args.atol + args.rtol * size) | np.isinf(diff))
            if beyond.size:
                first = start + int(beyond[0])
    pick = {k: (float(a.values(k, k + 1)[0]), float(b.values(k, k + 1)[0]))
            for k in {at_abs, at_rel, first} if k is not None and k < n}
    _say(f"a: {_title(spec_a, a)}  ({a.length} steps)")
    _say(f"b: {_title(spec_b, b)}  ({b.length} steps)")
    if a.length != b.length:
        _say(f"lengths differ: {a.length} != {b.length}; compared the first {n} steps")

    def at(k: int) -> str:
        return f"step {k} (a={pick[k][0]!r}, b={pick[k][1]!r})"

    _say(f"max abs difference  {worst_abs:.3g}" + (f" at {at(at_abs)}" if worst_abs else ""))
    _say(f"max rel difference  {worst_rel:.3g}" + (f" at step {at_rel}" if worst_rel else ""))
    tolerance = f"atol={args.atol:g} + rtol={args.rtol:g} * max(|a|, |b|)"
    if first is None:
        _say(f"no step differs by more than {tolerance}")
    else:
        _say(f"first step beyond {tolerance}: {at(first)}")
    return 0 if first is None and a.length == b.length else 1


# ---------------------------------------------------------------------------- parser


SPEC_HELP = ("inline JSON, a .json/.toml file (FILE:TABLE for one table of a config), "
             "or 'example'")


def _spec(args: argparse.Namespace) -> int:
    if args.spec.startswith(PYTHON):
        obj = _python_object(args.spec)
        if not isinstance(obj, np.ndarray):
            raise Failure(f"{args.spec} must name an array a schedarray function built, "
                          f"got {type(obj).__name__}")
        spec = to_spec(obj)
    else:
        spec = read_spec(args.spec)
        parse(spec)  # a valid spec, or the error that says why not
    _say(json.dumps(spec, indent=2 if args.indent else None))
    return 0


def _parser() -> _Parser:
    parser = _Parser(
        prog="schedarray",
        description="See, plot, export and compare training schedules before training.",
        epilog="SPEC is " + SPEC_HELP + ", e.g. "
               "'{\"name\": \"warmup_cosine\", \"total_steps\": 1000, \"peak\": 1e-3, "
               "\"warmup_steps\": 100}'. Try: schedarray show example",
    )
    parser.add_argument("--version", action="version", version=f"schedarray {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    show = commands.add_parser("show", help="summary and text plot in the terminal",
                               description="Length, start/max/min/end, phases, warmup end, "
                                           "values at epoch boundaries and a text plot.")
    show.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    show.add_argument("--steps-per-epoch", type=int, metavar="N",
                      help="list the value at each epoch boundary (default: the spec's)")
    show.add_argument("--all-epochs", action="store_true",
                      help="list every epoch, not about a dozen")
    show.add_argument("--width", type=int, metavar="COLUMNS",
                      help="output width (default: the terminal's)")
    show.add_argument("--height", type=int, default=10, metavar="ROWS",
                      help="text plot height (default: 10)")
    show.add_argument("--ascii", action="store_true", help="plot with ASCII characters only")
    show.set_defaults(run=_show)

    plot = commands.add_parser("plot", help="matplotlib figure (.png, .svg, .pdf)",
                               description="Plot one or more schedules, overlaid (or one "
                                           "panel each with --grid), phases marked.")
    plot.add_argument("spec", metavar="SPEC", nargs="+", help=SPEC_HELP)
    plot.add_argument("-o", "--output", required=True, metavar="FILE",
                      help="FILE.png, FILE.svg or FILE.pdf (overwritten)")
    plot.add_argument("--label", action="append", metavar="TEXT",
                      help="legend label, once per SPEC")
    plot.add_argument("--x", choices=("steps", "epochs"), default="steps",
                      help="x axis unit (default: steps)")
    plot.add_argument("--steps-per-epoch", type=int, metavar="N",
                      help="for --x epochs (default: the spec's)")
    plot.add_argument("--log-y", action="store_true", help="logarithmic y axis")
    plot.add_argument("--no-phases", action="store_true", help="do not mark phase boundaries")
    plot.add_argument("--grid", action="store_true", help="one panel per SPEC")
    plot.add_argument("--columns", type=int, metavar="N", help="panels per row with --grid")
    plot.add_argument("--title", help="figure title")
    plot.add_argument("--ylabel", default="value", help="y axis label (default: value)")
    plot.add_argument("--size", type=float, nargs=2, default=(8.0, 4.5),
                      metavar=("WIDTH", "HEIGHT"), help="inches (default: 8 4.5)")
    plot.add_argument("--dpi", type=int, default=100, help="pixels per inch (default: 100)")
    plot.set_defaults(run=_plot)

    export = commands.add_parser("export", help="write the values (.npy, .csv, .json)",
                                 description="Write every value, streamed chunk by chunk "
                                             "into a temporary file that is then renamed.")
    export.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    export.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="FILE.npy, FILE.csv (step,value) or FILE.json")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: for long schedules on a terminal)")
    export.add_argument("--chunk-steps", type=int, default=CHUNK, metavar="N",
                        help=f"steps computed at a time (default: {CHUNK})")
    export.set_defaults(run=_export)

    spec = commands.add_parser("spec", help="the spec of a schedule built in your code, as JSON",
                               description="Print the spec of SPEC as JSON: of python:module:attr, "
                                           "an array your code built with schedarray (a port "
                                           "written in Python becomes data for a config), or of "
                                           "a SPEC file or table, checked.")
    spec.add_argument("spec", metavar="SPEC",
                      help="python:module:attr (an array built by schedarray functions) or "
                           + SPEC_HELP)
    spec.add_argument("--indent", action="store_true", help="one key per line")
    spec.set_defaults(run=_spec)

    compare = commands.add_parser("compare", help="largest and first differences of two specs",
                                  description="Max absolute and relative difference, and the "
                                              "first step where |a - b| > atol + rtol * "
                                              "max(|a|, |b|). Exit 1 if there is one.")
    compare.add_argument("a", metavar="SPEC", help=SPEC_HELP)
    compare.add_argument("b", metavar="SPEC", help=(
        "the schedule to compare with; also python:module:attr, an array, a function of the "
        "step or a torch scheduler in your code, sampled for the other SPEC's length"))
    compare.add_argument("--rtol", type=float, default=1e-12, help="default: 1e-12")
    compare.add_argument("--atol", type=float, default=0.0, help="default: 0")
    compare.set_defaults(run=_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``schedarray`` command line; return the exit status.

    Examples
    --------
    >>> spec = '{"name": "linear", "total_steps": 3, "start": 1.0}'
    >>> main(["compare", spec, spec])
    a: linear(total_steps=3, start=1.0)  (3 steps)
    b: linear(total_steps=3, start=1.0)  (3 steps)
    max abs difference  0
    max rel difference  0
    no step differs by more than atol=0 + rtol=1e-12 * max(|a|, |b|)
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return int(args.run(args))
    except BrokenPipeError:  # e.g. `schedarray show ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        _say("schedarray: interrupted", sys.stderr)
        return 130
    except (Failure, TypeError, ValueError, ImportError, OSError) as exc:
        if os.environ.get("SCHEDARRAY_TRACEBACK") == "1":
            raise
        _say(f"schedarray: error: {_one_line(exc)}", sys.stderr)
        return 2
    except Exception as exc:  # a bug, or an error of a library below: still one line
        if os.environ.get("SCHEDARRAY_TRACEBACK") == "1":
            raise
        _say(f"schedarray: error: internal error: {type(exc).__name__}: {_one_line(exc)} "
             "(please report it; SCHEDARRAY_TRACEBACK=1 shows the traceback)", sys.stderr)
        return 2


def _say(text: str, stream: IO[str] | None = None) -> None:
    stream = sys.stdout if stream is None else stream
    stream.write(text + "\n")
    stream.flush()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())
