r"""Composites: multi-phase schedules assembled from primitive pieces.

Nothing here computes a value. Each composite lays primitive shapes
end to end in one plan (`schedarray._plan.Builder`), which is rendered into a
single buffer: no concatenation, no temporaries.

Landmarks are exact: ``x[0] == start`` when there is a warmup,
``x[warmup_steps] == peak``, and ``x[-1] == end`` when the last phase has at
least two steps. A phase length may be a real number of steps (a float,
where the original puts a boundary between two steps: torch's
``pct_start * N - 1``, a cooldown from ``(1 - frac) * N``): the value at
step ``i`` is then the shape at ``i`` relative to the real-valued boundary,
and a float that is a whole number gives exactly what the int gives.
Durations written as strings (``"5ep"``, ``"10%"``, ``"ceil(3%)"``) are
whole steps, rounded as written. `cosine_restarts` lays its cycles out by the
step and takes whole steps only. Every composite takes ``endpoint=False`` to lay itself out
one step longer and stop before `end` (``f(N + 1, ...)[:-1]``, the torch / HF
convention); the warmups take ``warmup_offset`` (a ramp that starts before
step 0). A warmup of 0 steps means none (the schedule starts at
`peak`); ``warmup_steps == total_steps`` is all warmup (the peak would come
one step after the end).

Shapes are chosen by name. A warmup goes from `start` to `peak`, a decay from
the peak to `end`:

=============== ============================================= =================
shape           meaning                                       options
=============== ============================================= =================
linear          straight line                                 --
cosine          half cosine                                   exponent
polynomial      ``(1 - p)^power`` (decay only)                power
exponential     geometric between the two values              --
one_minus_sqrt  ``1 - sqrt(p)``; as a warmup ``1 - sqrt(1-p)`` --
tanh            `primitives.tanh` (decay only)                lower, upper
rex             `primitives.rex` (decay only)                 --
inverse_sqrt    ``peak / sqrt(1 + i / timescale)``, no `end`   timescale
constant        hold the peak, no `end` (decay only)          --
=============== ============================================= =================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import _check as check
from ._plan import Builder, Geometric, blend_phase, evaluate, render
from ._types import Backend, Duration, FloatArray

__all__ = [
    "DECAY_SHAPES",
    "WARMUP_SHAPES",
    "cosine_restarts",
    "one_cycle",
    "one_cycle_momentum",
    "warmup_cosine",
    "warmup_decay",
    "warmup_linear",
    "wsd",
]

#: Shape name -> the options it accepts (and their defaults).
DECAY_SHAPES: dict[str, dict[str, float]] = {
    "linear": {},
    "cosine": {"exponent": 1.0},
    "polynomial": {"power": 1.0},
    "exponential": {},
    "one_minus_sqrt": {},
    "tanh": {"lower": -7.0, "upper": 3.0},
    "rex": {},
    "inverse_sqrt": {"timescale": float("nan")},
    "constant": {},
}
WARMUP_SHAPES: tuple[str, ...] = ("linear", "cosine", "exponential", "one_minus_sqrt")
_NO_END = ("inverse_sqrt", "constant")


def _options(shape: str, options: Mapping[str, Any] | None, name: str) -> tuple[float, ...]:
    """Validate `options` for `shape`; return them in the formula's order."""
    accepted = DECAY_SHAPES[shape]
    given = check.mapping(options, name)
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        valid = ", ".join(accepted) or "none"
        raise ValueError(
            f"{name} has no option {unknown[0]!r} for shape {shape!r} "
            f"(valid: {valid}), got {name}={given!r}"
        )
    values = []
    for key, default in accepted.items():
        if key not in given and default != default:  # NaN marks a required option
            raise ValueError(f"{name} must set {key!r} for shape {shape!r}, got {name}={given!r}")
        value = check.real(given.get(key, default), f"{name}[{key!r}]")
        if key in ("exponent", "power", "timescale") and value <= 0:
            raise ValueError(f"{name}[{key!r}] must be > 0, got {value!r}")
        values.append(value)
    if shape == "tanh" and not values[0] < values[1]:
        raise ValueError(f"{name} must have lower < upper, got {name}={given!r}")
    return tuple(values)


def _defaults(shape: str) -> tuple[float, ...]:
    """The default options of `shape`, in the formula's order."""
    return tuple(DECAY_SHAPES[shape].values())


def _geometric_ok(a: float, b: float, what: str) -> None:
    if a == 0 or b == 0 or (a > 0) != (b > 0):
        raise ValueError(
            f"an exponential {what} needs nonzero values of one sign, got {a} and {b}"
        )


def _covers(t0: float, t1: float, closed: bool) -> bool:
    """Whether a phase from landmark `t0` to `t1` has a whole step (see `Builder.to`)."""
    return (math.floor(t1) + 1 if closed else math.ceil(t1)) > max(math.ceil(t0), 0)


def _warmup(
    builder: Builder, shape: str, w: float, start: float, peak: float, offset: float = 0.0
) -> None:
    """Append a warmup from `start` that reaches `peak` at the (real-valued) step `w`.

    The warmup starts `offset` steps before step 0 (``Builder.start_at``), so
    step ``i`` is at progress ``(i + offset) / (w + offset)``; the peak
    itself belongs to the next phase.
    """
    builder.start_at(-offset)
    if shape == "exponential":
        if _covers(-offset, w, False):
            _geometric_ok(start, peak, "warmup")
        builder.to(w, "geometric", start, peak)
    else:
        builder.to(w, shape, start, peak, *_defaults(shape), reverse=shape == "one_minus_sqrt")


def _layout(n: int, endpoint: Any) -> int:
    """The length a composite is laid out for: one step more without `endpoint`."""
    return n if check.flag(endpoint, "endpoint") else n + 1




def _decay(
    builder: Builder, shape: str, stop: float, peak: float, end: float,
    shape_options: tuple[float, ...],
) -> None:
    """Append a decay from `peak` at the builder's mark to `end` at step `stop` (included)."""
    if shape == "exponential":
        if _covers(builder.mark, stop, True):
            _geometric_ok(peak, end, "decay")
        shape = "geometric"
    builder.to(stop, shape, peak, end, *shape_options, closed=True)


def _check_end(shape: str, end: float, name: str) -> None:
    if shape in _NO_END and end != 0.0:
        raise ValueError(f"end does not apply to {name}={shape!r}, got end={end}")


def warmup_decay(
    total_steps: Duration,
    *,
    peak: float,
    warmup_steps: Duration = 0,
    start: float = 0.0,
    end: float = 0.0,
    warmup: str = "linear",
    decay: str = "cosine",
    decay_options: Mapping[str, float] | None = None,
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    decay_steps: Duration | None = None,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Warmup from `start` to `peak`, then decay to `end`, shapes chosen by name.

    With ``W = warmup_steps``, ``k = warmup_offset`` and ``E`` the step
    where the decay reaches `end` (``N - 1`` for ``N = total_steps``):

    .. math::
        x_i = \begin{cases}
        \mathrm{warmup}(s, P, \tfrac{i + k}{W + k}) & i < W \\
        \mathrm{decay}(P, e, \tfrac{i - W}{E - W}) & W \le i \le E \\
        e & i > E
        \end{cases}

    See the module docstring for the shapes and their options. `W` (and
    `decay_steps`) may be real numbers (floats): the boundary then lies
    between two steps and each step takes its phase's shape at its own
    progress, as code that compares ``step < warmup`` does; a whole-number
    float is the int. Strings (``"5ep"``, ``"10%"``) are whole steps.

    `decay_steps` ends the decay early: `end` is reached at step
    ``E = W + decay_steps - 1`` (at ``W + decay_steps`` with ``endpoint=False``)
    and held to the end of the run (nanoGPT's ``lr_decay_iters < max_iters``).

    With ``endpoint=False`` the schedule is laid out one step longer and cut:
    the last phase reaches `end` one step after the result (what
    ``f(N + 1, ...)[:-1]`` gives: the torch / Hugging Face convention, and
    it works with ``"<x>ep"`` totals). ``warmup_offset=k`` starts the warmup
    `k` steps before step 0: its value at step ``i`` is at progress
    ``(i + k) / (W + k)``, so update 0 already trains (nanoGPT's
    ``(i + 1) / (W + 1)`` is ``k = 1``); the peak stays at step ``W``.

    Examples
    --------
    >>> warmup_decay(6, peak=1.0, warmup_steps=2, decay="polynomial",
    ...              decay_options={"power": 2.0})
    array([0.        , 0.5       , 1.        , 0.44444444, 0.11111111,
           0.        ])
    >>> warmup_decay(6, peak=1.0, warmup_steps=2, decay="linear", endpoint=False,
    ...              warmup_offset=1)
    array([0.33333333, 0.66666667, 1.        , 0.75      , 0.5       ,
           0.25      ])
    >>> warmup_decay(5, peak=1.0, warmup_steps=1.5, decay="linear")
    array([0.        , 0.66666667, 0.8       , 0.4       , 0.        ])
    """
    n = check.length(total_steps, steps_per_epoch)
    m = _layout(n, endpoint)
    w = check.landmark(warmup_steps, "warmup_steps", n, steps_per_epoch)
    offset = check.nonnegative(warmup_offset, "warmup_offset")
    peak, start, end = check.real(peak, "peak"), check.real(start, "start"), check.real(end, "end")
    warmup = check.choice(warmup, "warmup", WARMUP_SHAPES)
    decay = check.choice(decay, "decay", DECAY_SHAPES)
    options = _options(decay, decay_options, "decay_options")
    _check_end(decay, end, "decay")
    d: float = m - w
    if decay_steps is not None:
        if decay in _NO_END:
            raise ValueError(f"decay_steps applies to a decay that reaches end, got "
                             f"decay={decay!r}, decay_steps={decay_steps!r}")
        given = check.landmark(decay_steps, "decay_steps", n, steps_per_epoch)
        if w + given > n:
            raise ValueError(
                "warmup_steps + decay_steps must be <= total_steps, got "
                f"warmup_steps={w}, decay_steps={given}, total_steps={n}"
            )
        d = given + (m - n)
    builder = Builder(limit=m)
    _warmup(builder, warmup, w, start, peak, offset)
    _decay(builder, decay, w + d - 1, peak, end, options)  # end at step W + D - 1
    builder.constant(m - builder.length, end)
    return render(builder.plan(n), dtype, out, backend)


def warmup_cosine(
    total_steps: Duration,
    *,
    peak: float,
    warmup_steps: Duration = 0,
    start: float = 0.0,
    end: float = 0.0,
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    decay_steps: Duration | None = None,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Linear warmup from `start` to `peak`, then cosine decay to `end`.

    .. math::
        x_i = \begin{cases}
        s + (P - s)\, i / W & i < W \\
        e + (P - e)\,\tfrac12\left(1 + \cos \pi \frac{i - W}{N - 1 - W}\right) & i \ge W
        \end{cases}

    ``x[0] == start`` (if ``W > 0``), ``x[W] == peak`` and ``x[-1] == end``,
    exactly. `endpoint`, `warmup_offset`, `decay_steps` and real-valued
    (float) lengths are as in `warmup_decay`: ``warmup_cosine(N, ...,
    endpoint=False)`` is the Hugging Face ``get_cosine_schedule_with_warmup``
    shape (`end` one step after the run).

    Examples
    --------
    >>> warmup_cosine(7, peak=1.0, warmup_steps=2)
    array([0.        , 0.5       , 1.        , 0.85355339, 0.5       ,
           0.14644661, 0.        ])
    """
    return warmup_decay(
        total_steps, peak=peak, warmup_steps=warmup_steps, start=start, end=end,
        warmup="linear", decay="cosine", endpoint=endpoint, warmup_offset=warmup_offset,
        decay_steps=decay_steps, steps_per_epoch=steps_per_epoch,
        dtype=dtype, out=out, backend=backend,
    )


def warmup_linear(
    total_steps: Duration,
    *,
    peak: float,
    warmup_steps: Duration = 0,
    start: float = 0.0,
    end: float = 0.0,
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    decay_steps: Duration | None = None,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Linear warmup from `start` to `peak`, then linear decay to `end`.

    .. math::
        x_i = \begin{cases}
        s + (P - s)\, i / W & i < W \\
        P + (e - P)\,\frac{i - W}{N - 1 - W} & i \ge W
        \end{cases}

    `endpoint`, `warmup_offset`, `decay_steps` and real-valued (float)
    lengths are as in `warmup_decay`.

    Examples
    --------
    >>> warmup_linear(7, peak=1.0, warmup_steps=2)
    array([0.  , 0.5 , 1.  , 0.75, 0.5 , 0.25, 0.  ])
    >>> warmup_linear(6, peak=1.0, warmup_steps=2, endpoint=False)
    array([0.  , 0.5 , 1.  , 0.75, 0.5 , 0.25])
    """
    return warmup_decay(
        total_steps, peak=peak, warmup_steps=warmup_steps, start=start, end=end,
        warmup="linear", decay="linear", endpoint=endpoint, warmup_offset=warmup_offset,
        decay_steps=decay_steps, steps_per_epoch=steps_per_epoch,
        dtype=dtype, out=out, backend=backend,
    )


def wsd(
    total_steps: Duration,
    *,
    peak: float,
    decay_steps: Duration,
    warmup_steps: Duration = 0,
    start: float = 0.0,
    end: float = 0.0,
    warmup: str = "linear",
    stable: str = "constant",
    timescale: float | None = None,
    decay: str = "linear",
    decay_options: Mapping[str, float] | None = None,
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Warmup-stable-decay: warmup, a long stable phase, then a short cooldown.

    Phases: ``W = warmup_steps`` of warmup to `peak`; a stable phase that
    holds `peak` (``stable="constant"``) or follows
    ``peak / sqrt(1 + (i - W) / timescale)`` (``stable="inverse_sqrt"``);
    the last ``D = decay_steps`` steps (steps, ``"<x>ep"`` or ``"<x>%"`` of
    the total) go from the value the stable phase has reached to `end` with
    the `decay` shape (``linear``, ``cosine``, ``one_minus_sqrt``,
    ``exponential`` or ``polynomial`` with ``decay_options={"power": k}``).

    `endpoint` and `warmup_offset` are as in `warmup_decay`: without
    `endpoint` the cooldown still takes the last ``D`` steps but reaches
    `end` one step after them. With ``E = N - 1`` (``N`` without
    `endpoint`) and ``S(i)`` the stable phase's value, the cooldown is

    .. math:: x_i = \mathrm{decay}\left(S(N - D), e,
              \frac{i - (N - D)}{E - (N - D)}\right), \quad i \ge N - D

    `W` and `D` may be real numbers (floats), as in `warmup_decay`: a
    cooldown fraction ``frac`` of the run is ``decay_steps=frac * N``, the
    cooldown then starting between two steps, at ``(1 - frac) N``.

    Examples
    --------
    >>> wsd(8, peak=1.0, warmup_steps=2, decay_steps=3)
    array([0. , 0.5, 1. , 1. , 1. , 1. , 0.5, 0. ])
    >>> wsd(8, peak=1.0, warmup_steps=2, decay_steps=3, endpoint=False)
    array([0.        , 0.5       , 1.        , 1.        , 1.        ,
           1.        , 0.66666667, 0.33333333])
    >>> wsd(6, peak=1.0, decay_steps=2.5, endpoint=False)
    array([1. , 1. , 1. , 1. , 0.8, 0.4])
    """
    n = check.length(total_steps, steps_per_epoch)
    grow = _layout(n, endpoint) - n
    offset = check.nonnegative(warmup_offset, "warmup_offset")
    w = check.landmark(warmup_steps, "warmup_steps", n, steps_per_epoch)
    d = check.landmark(decay_steps, "decay_steps", n, steps_per_epoch)
    if w + d > n:
        raise ValueError(
            "warmup_steps + decay_steps must be <= total_steps, got "
            f"warmup_steps={w}, decay_steps={d}, total_steps={n}"
        )
    peak, start, end = check.real(peak, "peak"), check.real(start, "start"), check.real(end, "end")
    warmup = check.choice(warmup, "warmup", WARMUP_SHAPES)
    stable = check.choice(stable, "stable", ("constant", "inverse_sqrt"))
    decay = check.choice(decay, "decay", ("linear", "cosine", "one_minus_sqrt",
                                         "exponential", "polynomial"))
    options = _options(decay, decay_options, "decay_options")
    builder = Builder(limit=n + grow)
    _warmup(builder, warmup, w, start, peak, offset)
    cooldown = n - d  # the landmark where the decay starts
    if stable == "constant":
        if timescale is not None:
            raise ValueError(f"timescale applies only to stable='inverse_sqrt', got {timescale!r}")
        builder.to(cooldown, "constant", peak, peak)
        top = peak
    else:
        if timescale is None:
            raise ValueError("stable='inverse_sqrt' needs a timescale, got timescale=None")
        tau = check.positive(timescale, "timescale")
        top = evaluate("inverse_sqrt", cooldown - w, peak, tau)  # where the stable phase got to
        builder.to(cooldown, "inverse_sqrt", peak, top, tau)
    _decay(builder, decay, n + grow - 1, top, end, options)
    return render(builder.plan(n), dtype, out, backend)


def cosine_restarts(
    total_steps: Duration,
    *,
    peak: float,
    cycle_steps: Duration,
    cycle_mul: float = 1.0,
    peak_decay: float = 1.0,
    cycle_limit: int | None = None,
    end: float = 0.0,
    warmup_steps: Duration = 0,
    cycle_warmup_steps: Duration = 0,
    start: float = 0.0,
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017).

    After an optional warmup of `warmup_steps` from `start` to `peak`, cycle
    ``k = 0, 1, ...`` anneals from ``peak * peak_decay**k`` to `end` with a
    cosine, reaching `end` exactly at its last step. Cycle lengths grow by
    `cycle_mul`: cycle ``k`` starts ``round(L (1 - m^k) / (1 - m))`` steps
    after the warmup (``k L`` for ``m = 1``), ``L = cycle_steps``. Each
    cycle may open with a linear warmup of `cycle_warmup_steps` from `start`.
    After `cycle_limit` cycles the schedule holds `end`. With
    ``endpoint=False`` the cycles are laid out one step longer and cut (the
    last cycle, when the run ends inside it, stops one step above `end`).
    ``warmup_offset=k`` starts the first warmup `k` steps before step 0, as
    in `warmup_decay` (step ``i < W`` at progress ``(i + k) / (W + k)``; the
    per-cycle warmups are unchanged). The lengths are whole steps: cycles
    are laid out by the step, so `warmup_steps` is not a real number here.

    Examples
    --------
    >>> cosine_restarts(6, peak=1.0, cycle_steps=3)
    array([1. , 0.5, 0. , 1. , 0.5, 0. ])
    >>> cosine_restarts(6, peak=1.0, cycle_steps=2, warmup_steps=2, warmup_offset=2)
    array([0.5 , 0.75, 1.  , 0.  , 1.  , 0.  ])
    """
    n = check.length(total_steps, steps_per_epoch)
    m = _layout(n, endpoint)
    w = check.within(warmup_steps, "warmup_steps", n, steps_per_epoch)
    length = check.duration(cycle_steps, "cycle_steps", total=n,
                            steps_per_epoch=steps_per_epoch, minimum=1)
    cw = check.duration(cycle_warmup_steps, "cycle_warmup_steps", total=n,
                        steps_per_epoch=steps_per_epoch)
    if cw >= length:
        raise ValueError(
            "cycle_warmup_steps must be < cycle_steps, got "
            f"cycle_warmup_steps={cw}, cycle_steps={length}"
        )
    mul = check.real(cycle_mul, "cycle_mul")
    if mul < 1:
        raise ValueError(f"cycle_mul must be >= 1, got cycle_mul={cycle_mul!r}")
    decay = check.positive(peak_decay, "peak_decay")
    limit = None if cycle_limit is None else check.integer(cycle_limit, "cycle_limit", minimum=1)
    peak, start, end = check.real(peak, "peak"), check.real(start, "start"), check.real(end, "end")
    offset = check.nonnegative(warmup_offset, "warmup_offset")
    builder = Builder()
    _warmup(builder, "linear", w, start, peak, offset)
    sizes, counts, tops = _restart_cycles(m - w, length, mul, decay, limit, peak)
    warm = np.minimum(sizes, cw)
    builder.cycles(sizes, counts, [
        blend_phase("linear", warm, start, tops, endpoint=False),
        blend_phase("cosine", sizes - warm, tops, end, *_defaults("cosine")),
    ])
    builder.constant(m - builder.length, end)
    return render(builder.plan(n), dtype, out, backend)


def _restart_cycles(
    n: int, length: int, mul: float, decay: float, limit: int | None, peak: float
) -> tuple[Any, Any, Any]:
    """Runs of `cosine_restarts` cycles over the `n` steps after the warmup.

    Cycle ``k`` ends ``round(L (1 - m^(k+1)) / (1 - m))`` steps after the
    warmup (``(k + 1) L`` for ``m = 1``) and peaks at ``peak * decay**k``.
    Returns ``(sizes, counts, tops)``, one entry per run of cycles of one
    length. With ``m = 1`` that is one run and maybe a last cycle cut short,
    whatever their number, and `tops` is one number, or the `Geometric`
    progression of the decaying peaks; cycles of growing lengths are one
    run each (a few dozen), `tops` an array.
    """
    if mul == 1:
        count = -(-n // length)
        if limit is not None:
            count = min(count, limit)
        last = min(n, count * length) - (count - 1) * length  # steps of the last cycle
        full = count - (last < length)
        runs = [(length, full), (last, 1)][: 1 + (last < length)][(full == 0):]
        sizes, counts = np.array(runs, dtype=np.int64).reshape(-1, 2).T
        return sizes, counts, peak if decay == 1 else Geometric(peak, decay)
    ends, k = [], 0
    while (not ends or ends[-1] < n) and (limit is None or k < limit):
        ends.append(min(round(length * (1 - mul ** (k + 1)) / (1 - mul)), n))
        k += 1
    size = np.diff(np.array([0, *ends], dtype=np.int64))
    keep = np.flatnonzero(size > 0)  # a cycle rounded to no steps still counts
    return size[keep], 1, np.array([peak * decay**int(k) for k in keep], dtype=np.float64)


def _one_cycle(
    n: int, w: float, start: float, peak: float, end: float, three_phase: bool, anneal: str,
    total: int, offset: float,
) -> Builder:
    """The one-cycle phases laid out over `n` steps (`total`, the caller's length, or one more).

    Landmarks (real-valued): ``-offset`` (`start`), ``w`` (`peak`), with
    `three_phase` ``2 w`` (`start` again), and ``n - 1`` (`end`).
    """
    if three_phase and 2 * w > total:
        raise ValueError(
            f"three_phase needs 2 * warmup_steps <= total_steps, got warmup_steps={w}, "
            f"total_steps={total}"
        )
    builder = Builder(limit=n)
    _warmup(builder, anneal, w, start, peak, offset)
    top = peak
    if three_phase:
        builder.to(2 * w, anneal, peak, start, *_defaults(anneal))
        top = start
    return builder.to(n - 1, anneal, top, end, *_defaults(anneal), closed=True)


def one_cycle(
    total_steps: Duration,
    *,
    peak: float,
    warmup_steps: Duration = "30%",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    anneal: str = "cosine",
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""One-cycle policy (Smith & Topin, 2018).

    Starts at ``s = peak / div_factor``, anneals up to `peak` over
    `warmup_steps` (default 30% of the run), then down to
    ``e = s / final_div_factor`` at the last step. With `three_phase` it
    first comes back down to ``s`` over another `warmup_steps`, then anneals
    to ``e``. `anneal` is ``"cosine"`` or ``"linear"``. Pair it with
    `one_cycle_momentum`.

    `warmup_steps` may be a real number: the peak then lies between two
    steps, as in torch's ``OneCycleLR``, whose peak is at
    ``pct_start * total_steps - 1`` (``one_cycle(N, peak=max_lr,
    warmup_steps=pct_start * N - 1)`` is ``OneCycleLR`` for ``N`` updates).
    With ``endpoint=False`` the last phase reaches ``e`` one step after the run.
    ``warmup_offset=k`` starts the first phase `k` steps before step 0, as in
    `warmup_decay`: step ``i < W`` is at progress ``(i + k) / (W + k)``, and
    the landmarks after it do not move (``W``, ``2 W``, the end).

    With ``W = warmup_steps`` (a real number), ``k = warmup_offset``, ``M``
    the last step (``N - 1``, or ``N`` with ``endpoint=False``) and
    ``f(a, b, p)`` the `anneal` shape from ``a`` to ``b`` at progress ``p``:

    .. math::
        x_i = \begin{cases}
        f(s, P, \tfrac{i + k}{W + k}) & i < W \\
        f(P, e, \tfrac{i - W}{M - W}) & W \le i
        \end{cases}

    (with `three_phase`: ``f(P, s, (i - W) / W)`` for ``W <= i < 2 W``, then
    ``f(s, e, (i - 2 W) / (M - 2 W))``). A landmark on a whole step is exact.

    Examples
    --------
    >>> one_cycle(5, peak=1.0, warmup_steps=2, div_factor=4.0, final_div_factor=2.5,
    ...           anneal="linear")
    array([0.25 , 0.625, 1.   , 0.55 , 0.1  ])
    >>> one_cycle(5, peak=1.0, warmup_steps=1.5, div_factor=4.0, final_div_factor=2.5,
    ...           anneal="linear", warmup_offset=0.5)
    array([0.4375, 0.8125, 0.82  , 0.46  , 0.1   ])
    """
    n = check.length(total_steps, steps_per_epoch)
    m = _layout(n, endpoint)
    w = check.landmark(warmup_steps, "warmup_steps", n, steps_per_epoch)
    peak = check.real(peak, "peak")
    first = peak / check.positive(div_factor, "div_factor")
    last = first / check.positive(final_div_factor, "final_div_factor")
    anneal = check.choice(anneal, "anneal", ("cosine", "linear"))
    offset = check.nonnegative(warmup_offset, "warmup_offset")
    plan = _one_cycle(m, w, first, peak, last, check.flag(three_phase, "three_phase"), anneal, n,
                      offset)
    return render(plan.plan(n), dtype, out, backend)


def one_cycle_momentum(
    total_steps: Duration,
    *,
    start: float = 0.95,
    peak: float = 0.85,
    warmup_steps: Duration = "30%",
    three_phase: bool = False,
    anneal: str = "cosine",
    endpoint: bool = True,
    warmup_offset: float = 0.0,
    steps_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The momentum that goes with `one_cycle`: inverse to the learning rate.

    From `start` (max momentum) to `peak` (the momentum at the learning-rate
    peak) over `warmup_steps`, then back to `start` at the last step; with
    `three_phase`, back to `start` over another `warmup_steps`, then held.
    `warmup_steps` (possibly real), `endpoint` and `warmup_offset` are as in
    `one_cycle`.

    Examples
    --------
    >>> one_cycle_momentum(5, warmup_steps=2, anneal="linear")
    array([0.95, 0.9 , 0.85, 0.9 , 0.95])
    """
    n = check.length(total_steps, steps_per_epoch)
    m = _layout(n, endpoint)
    w = check.landmark(warmup_steps, "warmup_steps", n, steps_per_epoch)
    start, peak = check.real(start, "start"), check.real(peak, "peak")
    anneal = check.choice(anneal, "anneal", ("cosine", "linear"))
    offset = check.nonnegative(warmup_offset, "warmup_offset")
    plan = _one_cycle(m, w, start, peak, start, check.flag(three_phase, "three_phase"), anneal,
                      n, offset)
    return render(plan.plan(n), dtype, out, backend)


check.publish(globals())
