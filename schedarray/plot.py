"""Plot schedules with matplotlib (``pip install 'schedarray[plot]'``).

`plot` draws one or more schedules — arrays or specs — on a matplotlib axes
and returns it, with the phase boundaries marked when the schedule comes from
a spec. Long schedules are reduced to their per-pixel minimum and maximum
(`scan`), so a billion-step schedule plots in the same time as a short one
and no spike is lost. matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _check as check
from .spec import Landmark, SpecNode, parse, to_spec

__all__ = ["Scan", "plot", "scan", "source"]

#: Steps computed at a time when a schedule is scanned.
CHUNK = 1 << 20


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib; install it with: pip install 'schedarray[plot]'"
        ) from None
    return matplotlib


class _Array(SpecNode):
    """An array that no spec describes, served like a parsed spec (no phases)."""

    def __init__(self, values: NDArray[np.floating], name: str) -> None:
        super().__init__(name, {})
        self._values = values
        self.length, self.dtype = values.shape[0], values.dtype
        self.landmarks = (Landmark(0, name),)

    def values(self, start: int, stop: int) -> NDArray[np.floating]:
        return self._values[start:stop]


def source(schedule: Any, name: str = "values") -> SpecNode:
    """A `SpecNode` for a spec, an array `from_spec` built, or any 1-D array of numbers.

    Examples
    --------
    >>> source({"name": "linear", "total_steps": 3, "start": 1.0}).full()
    array([1. , 0.5, 0. ])
    >>> source([1.0, 0.5]).landmarks
    (Landmark(step=0, label='values'),)
    """
    if isinstance(schedule, SpecNode):
        return schedule
    if isinstance(schedule, Mapping):
        return parse(schedule)
    if isinstance(schedule, np.ndarray):
        try:
            return parse(to_spec(schedule))
        except ValueError:
            pass
    if isinstance(schedule, (str, bytes)):
        raise TypeError(f"a schedule must be an array or a spec, got {schedule!r}")
    values = np.asarray(schedule)
    if values.ndim != 1 or not (np.issubdtype(values.dtype, np.number)
                                and not np.issubdtype(values.dtype, np.complexfloating)):
        raise TypeError(f"a schedule must be a 1-D array of numbers or a spec, "
                        f"got shape {values.shape}, dtype {values.dtype}")
    if values.dtype not in check.FLOAT_DTYPES:
        values = values.astype(np.float64)
    return _Array(values, name)


@dataclass(frozen=True)
class Scan:
    """One pass over a schedule: per-bin extremes, global extremes, chosen values.

    Bin ``k`` covers steps ``edges[k] .. edges[k + 1] - 1``; ``lo``, ``hi``,
    ``first`` and ``last`` are its minimum, maximum, first and last values.
    """

    edges: NDArray[np.int64]
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    first: NDArray[np.float64]
    last: NDArray[np.float64]
    vmin: float
    argmin: int
    vmax: float
    argmax: int
    picked: dict[int, float]


def scan(node: SpecNode, bins: int, picks: Sequence[int] = ()) -> Scan:
    """Scan a schedule chunk by chunk (never whole) into at most `bins` bins.

    Examples
    --------
    >>> s = scan(source([3.0, 1.0, 2.0, 0.0]), 2, picks=[2])
    >>> s.lo, s.hi, s.vmax, s.argmin, s.picked
    (array([1., 0.]), array([3., 2.]), 3.0, 3, {2: 2.0})
    """
    n = node.length
    bins = max(1, min(bins, n))
    edges = (np.arange(bins + 1, dtype=np.int64) * n) // bins
    lo, hi = np.full(bins, np.inf), np.full(bins, -np.inf)
    first, last = np.empty(bins), np.empty(bins)
    wanted = sorted({int(p) for p in picks if 0 <= p < n})
    picked: dict[int, float] = {}
    vmin, vmax, argmin, argmax = np.inf, -np.inf, 0, 0
    for a in range(0, n, CHUNK):
        b = min(a + CHUNK, n)
        chunk = np.asarray(node.values(a, b), dtype=np.float64)
        # The bins this chunk touches, and where each one's part of the chunk starts.
        k0 = int(np.searchsorted(edges, a, side="right")) - 1
        k1 = int(np.searchsorted(edges, b - 1, side="right"))
        starts = np.maximum(edges[k0:k1], a) - a
        ends = np.append(starts[1:], b - a)
        lo[k0:k1] = np.minimum(lo[k0:k1], np.minimum.reduceat(chunk, starts))
        hi[k0:k1] = np.maximum(hi[k0:k1], np.maximum.reduceat(chunk, starts))
        opening = edges[k0:k1] >= a
        first[k0:k1][opening] = chunk[starts[opening]]
        last[k0:k1] = chunk[ends - 1]
        i, j = int(np.argmin(chunk)), int(np.argmax(chunk))
        if chunk[i] < vmin:
            vmin, argmin = float(chunk[i]), a + i
        if chunk[j] > vmax:
            vmax, argmax = float(chunk[j]), a + j
        for p in wanted:
            if a <= p < b:
                picked[p] = float(chunk[p - a])
    return Scan(edges, lo, hi, first, last, float(vmin), argmin, float(vmax), argmax, picked)


def _trace(node: SpecNode, points: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The x (steps) and y of a line through every bin's extremes, in order."""
    n = node.length
    if n <= points:
        return np.arange(n, dtype=np.float64), np.asarray(node.full(), dtype=np.float64)
    s = scan(node, points // 2)
    rising = s.last >= s.first
    y = np.empty(2 * s.lo.shape[0])
    y[0::2] = np.where(rising, s.lo, s.hi)
    y[1::2] = np.where(rising, s.hi, s.lo)
    x = np.repeat((s.edges[:-1] + s.edges[1:] - 1) / 2.0, 2)
    return x, y


def plot(
    *schedules: Any,
    ax: Any = None,
    labels: Sequence[str] | None = None,
    steps_per_epoch: int | None = None,
    x: str = "steps",
    log_y: bool = False,
    phases: bool = True,
    title: str | None = None,
    ylabel: str = "value",
    points: int = 4000,
) -> Any:
    """Plot schedules on a matplotlib axes (a new figure's unless `ax` is given).

    Parameters
    ----------
    *schedules : spec or array
        Specs (mappings, see `schedarray.spec`), arrays `from_spec` built,
        or any 1-D arrays of numbers; they are overlaid.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    labels : sequence of str, optional
        One legend label per schedule (default: the spec's name). A legend
        is drawn when there are several schedules or labels are given.
    steps_per_epoch : int, optional
        For ``x="epochs"``; taken from the spec when it has one.
    x : {"steps", "epochs"}
        The x axis unit.
    log_y : bool
        Logarithmic y axis.
    phases : bool
        Mark the phase boundaries of schedules built from specs with dotted
        lines.
    title, ylabel : str, optional
        Axes title and y label.
    points : int
        Longer schedules are drawn from the minimum and maximum of each of
        ``points / 2`` bins, so no spike is lost.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot({"name": "warmup_cosine", "total_steps": 100, "peak": 1.0,
    ...            "warmup_steps": 10})
    >>> len(ax.lines), ax.get_xlabel()
    (2, 'step')
    """
    if not schedules:
        raise TypeError("plot needs at least one schedule, got none")
    x = check.choice(x, "x", ("steps", "epochs"))
    log_y = check.flag(log_y, "log_y")
    phases = check.flag(phases, "phases")
    points = check.integer(points, "points", minimum=2)
    nodes = [source(s, f"values {i}" if len(schedules) > 1 else "values")
             for i, s in enumerate(schedules)]
    if labels is not None:
        if isinstance(labels, str) or len(labels) != len(nodes):
            raise ValueError(f"labels must give one label per schedule ({len(nodes)}), "
                             f"got labels={labels!r}")
        names = [str(label) for label in labels]
    else:
        names = [n.name for n in nodes]
    per = 1
    if x == "epochs":
        spe = steps_per_epoch if steps_per_epoch is not None else _common(nodes)
        if spe is None:
            raise ValueError("x='epochs' needs steps_per_epoch (the spec has none), "
                             "got steps_per_epoch=None")
        per = check.integer(spe, "steps_per_epoch", minimum=1)
    elif steps_per_epoch is not None:
        check.integer(steps_per_epoch, "steps_per_epoch", minimum=1)
    _matplotlib()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    for node, name in zip(nodes, names, strict=True):
        xs, ys = _trace(node, points)
        (line,) = ax.plot(xs / per, ys, label=name, linewidth=1.6)
        if phases:
            for step in sorted({m.step for m in node.landmarks if 0 < m.step < node.length}):
                ax.axvline(step / per, color=line.get_color(), linestyle=":",
                           linewidth=0.9, alpha=0.7)
    ax.set_xlabel("epoch" if x == "epochs" else "step")
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 4), useMathText=True)
    ax.margins(x=0.01)
    ax.grid(True, alpha=0.25, linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    if len(nodes) > 1 or labels is not None:
        ax.legend(frameon=False)
    return ax


def _common(nodes: Sequence[SpecNode]) -> int | None:
    known = {n.steps_per_epoch for n in nodes} - {None}
    return known.pop() if len(known) == 1 else None
