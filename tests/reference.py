"""Naive per-step reference formulas: one obviously-correct scalar loop per schedule.

Independent of schedarray's plans and vectorised formulas; the tests compare
against these within a few ulps of the largest value.
"""

import math


def progress(i, n, endpoint=True):
    span = max(n - 1, 1) if endpoint else n
    return i / span


WEIGHTS = {
    "linear": lambda p, **_: 1 - p,
    "cosine": lambda p, exponent=1.0, **_: (0.5 * (1 + math.cos(math.pi * p))) ** exponent,
    "polynomial": lambda p, power=1.0, **_: (1 - p) ** power,
    "one_minus_sqrt": lambda p, **_: 1 - math.sqrt(p),
    "tanh": lambda p, lower=-7.0, upper=3.0, **_: (
        (math.tanh(upper) - math.tanh(lower + (upper - lower) * p))
        / (math.tanh(upper) - math.tanh(lower))
    ),
    "rex": lambda p, **_: (1 - p) / (1 - p / 2),
}


def shape(kind, n, start, end, endpoint=True, **options):
    """A start -> end shape of n steps."""
    out = []
    for i in range(n):
        p = progress(i, n, endpoint)
        if kind == "exponential":
            out.append(start * (end / start) ** p)
        else:
            out.append(end + (start - end) * WEIGHTS[kind](p, **options))
    return out


def warmup(kind, n, start, peak):
    """A warmup of n steps from start; the peak would come at step n."""
    out = []
    for i in range(n):
        p = i / n
        if kind == "linear":
            out.append(start + (peak - start) * p)
        elif kind == "cosine":
            out.append(start + (peak - start) * (1 - math.cos(math.pi * p)) / 2)
        elif kind == "exponential":
            out.append(start * (peak / start) ** p)
        elif kind == "one_minus_sqrt":
            out.append(start + (peak - start) * (1 - math.sqrt(1 - p)))
    return out


def decay(kind, n, peak, end, **options):
    if kind == "constant":
        return [peak] * n
    if kind == "inverse_sqrt":
        return [peak / math.sqrt(1 + j / options["timescale"]) for j in range(n)]
    return shape(kind, n, peak, end, **options)


def warmup_decay(n, peak, warmup_steps=0, start=0.0, end=0.0, warmup_kind="linear",
                 decay_kind="cosine", **options):
    return warmup(warmup_kind, warmup_steps, start, peak) + decay(
        decay_kind, n - warmup_steps, peak, end, **options
    )


def step(n, start, step_size, gamma):
    return [start * gamma ** (i // step_size) for i in range(n)]


def multistep(n, start, milestones, gamma):
    return [start * gamma ** sum(m <= i for m in milestones) for i in range(n)]


def cyclic(n, low, high, up, down, mode="triangular", gamma=1.0):
    out = []
    for i in range(n):
        cycle, pos = divmod(i, up + down)
        tri = pos / up if pos <= up else (up + down - pos) / down
        amp = {"triangular": 1.0, "triangular2": 0.5**cycle, "exp_range": gamma**i}[mode]
        out.append(low + (high - low) * tri * amp)
    return out


def cosine_restarts(n, peak, cycle_steps, cycle_mul=1.0, peak_decay=1.0, end=0.0):
    """SGDR with integer cycle boundaries round(L (1 - m^k) / (1 - m))."""
    out, k, at = [], 0, 0
    while at < n:
        if cycle_mul == 1:
            nxt = (k + 1) * cycle_steps
        else:
            nxt = round(cycle_steps * (1 - cycle_mul ** (k + 1)) / (1 - cycle_mul))
        size = min(nxt, n) - at
        out += shape("cosine", size, peak * peak_decay**k, end)
        at, k = at + size, k + 1
    return out
