r"""timm's learning-rate schedulers (``timm.scheduler``, timm 1.0.31), as whole arrays.

timm's schedulers are stateless functions of a count ``t`` that the training
loop passes in: ``step_update(num_updates)`` after every optimizer update (the
per-update mode, ``t_in_epochs=False``) or ``step(epoch)`` at the end of every
epoch (the per-epoch mode, ``t_in_epochs=True``, timm's default). timm's
``train.py`` builds the scheduler, trains update 0 with the value the
constructor set, and then calls ``step_update(t)`` after update ``t - 1`` (or
``step(e)`` after epoch ``e - 1``). So ``result[t]`` here is

* ``t == 0``: the constructor's value, ``warmup_lr_init`` when there is a
  warmup and ``base_lr`` otherwise (not ``_get_lr(0)``: for `tanh_lr_scheduler`
  without warmup they differ);
* ``t >= 1``: ``_get_lr(t)``, with timm's noise when ``t`` is in
  ``noise_range_t``.

With ``t_in_epochs=True`` the same is computed per epoch ``e`` and held for the
``updates_per_epoch`` updates of the epoch: ``result[t]`` is the value of
epoch ``t // updates_per_epoch``. ``updates_per_epoch`` is required then (pass
1 to get one value per epoch).

Each function takes timm's constructor parameters, names and defaults (the
optimizer is replaced by ``base_lr``, a float or one float per parameter
group, which gives a ``(num_steps, groups)`` array) after ``base_lr`` and
``num_steps``, the array length. Conventions that differ from schedarray's
native schedules:

* the linear warmup never reaches the peak inside the warmup: step ``t <
  warmup_t`` is ``warmup_lr_init + t (base - warmup_lr_init) / warmup_t``;
* ``warmup_prefix=False`` (the default of the cosine, tanh and poly
  schedulers) keeps the decay clock running through the warmup, so the
  warmup hands over to an already decayed value;
* ``lr_min`` is reached one step after a cycle (``t_curr == t_i`` never
  occurs inside it); after ``cycle_limit`` cycles the value is ``lr_min``;
* `multi_step_lr_scheduler` applies a milestone ``m`` at ``t == m - 1``, one
  step before torch's ``MultiStepLR`` (timm keeps this on purpose).

Noise reproduces timm exactly without torch: timm draws it from a
``torch.Generator`` seeded with ``noise_seed + t``; this module runs the same
MT19937 stream and Box-Muller transform in NumPy (checked bit for bit against
torch in the tests), one or two microseconds per noisy step.

`create_scheduler_v2` builds the schedule timm's ``train.py`` makes from its
command-line flags. timm's ``PlateauLRScheduler`` reacts to a metric and is
not a precomputable schedule; it has no counterpart here.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import _check as check
from .. import _plan
from .._plan import Builder, Phase, Plan, fill_numpy, render
from .._types import Backend, FloatArray

__all__ = [
    "cosine_lr_scheduler",
    "create_scheduler_v2",
    "multi_step_lr_scheduler",
    "poly_lr_scheduler",
    "step_lr_scheduler",
    "tanh_lr_scheduler",
    "wsd_lr_scheduler",
]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
#: In-place change of the values of counts ``[a, b)`` (held in ``values[0 : b - a]``).
Post = Callable[[Floats, int, int], None]
#: Builds one parameter group's plan over counts ``[0, length)``.
Maker = Callable[[float, int], tuple[Plan, "Post | None"]]


# --------------------------------------------------------------------------- validation


def _bases(base_lr: Any) -> tuple[tuple[float, ...], bool]:
    """Base rates as a tuple, and whether a sequence (one per group) was given."""
    if check.is_sequence(base_lr):
        values = check.reals(base_lr, "base_lr")
        if not values:
            raise ValueError("base_lr must hold at least one value, got base_lr=[]")
        return values, True
    return (check.real(base_lr, "base_lr"),), False


def _noise_range(value: Any) -> tuple[float, float] | None:
    """The timm ``noise_range_t``: ``[lo, hi)`` from a pair, ``[lo, inf)`` from a number."""
    if value is None:
        return None
    if check.is_sequence(value):
        pair = check.reals(value, "noise_range_t")
        if len(pair) != 2:
            raise ValueError(
                "noise_range_t must be a number or a pair (start, stop), "
                f"got noise_range_t={value!r}"
            )
        return pair[0], pair[1]
    return check.real(value, "noise_range_t"), math.inf


#: The least ``noise_pct / |noise_std|`` accepted: timm's rejection loop then needs
#: about 10^4 draws per step (it never ends as the ratio goes to 0).
MIN_NOISE_RATIO = 1e-4


class _Noise:
    """timm's per-count noise: ``n(t)`` seeded with ``noise_seed + t``."""

    def __init__(self, noise_range_t: Any, noise_pct: Any, noise_std: Any, noise_seed: Any):
        self.range = _noise_range(noise_range_t)
        self.pct = check.positive(noise_pct, "noise_pct")
        self.std = check.real(noise_std, "noise_std")
        if self.range is not None and self.std and self.pct / abs(self.std) < MIN_NOISE_RATIO:
            # timm draws normals until |z * std| < pct: about |std| / pct draws per step
            raise ValueError(
                f"noise_pct / |noise_std| must be >= {MIN_NOISE_RATIO} (timm redraws the noise "
                f"until it is below noise_pct: about {abs(self.std) / self.pct:.3g} draws per "
                f"step, for ever at the extreme), got noise_pct={noise_pct!r}, "
                f"noise_std={noise_std!r}"
            )
        self.seed = check.integer(noise_seed, "noise_seed", minimum=-(1 << 63))

    def counts(self, a: int, b: int) -> range:
        """The counts in ``[a, b)`` that get noise (never count 0, the constructor's value)."""
        if self.range is None:
            return range(0)
        lo, hi = self.range
        first = max(a, 1, math.ceil(lo))
        last = b if hi == math.inf else min(b, math.ceil(hi))
        return range(first, max(first, last))

    def apply(self, values: Floats, a: int, b: int) -> None:
        """``v + v * n(t)`` for the noisy counts of ``[a, b)``, as timm's ``_add_noise``."""
        counts = self.counts(a, b)
        if not counts:
            return
        noise = torch_normal_noises(range(self.seed + counts.start, self.seed + counts.stop),
                                    self.pct, self.std)
        v = values[counts.start - a : counts.stop - a]
        v += v * noise


#: MT19937 words drawn per seed in one vectorized pass: 8 normal pairs.
_WORDS = 32
#: ... and for the few seeds that need more (the first twist yields 227 words).
_MAX_WORDS = 224
#: Seeds per vectorized pass: large enough that each of the ~1700 ufunc calls of
#: a pass does the work for two threads to run side by side (1 << 12 gave them no
#: gain), small enough that a pass's arrays stay ~25 MB per thread (10^6 noisy
#: steps: 1 << 12 2.6 s, 1 << 14 1.3 s, 1 << 16 1.2 s but ~80 MB per thread).
_BATCH = 1 << 14


def _mt19937_words(seeds: NDArray[np.uint32], k: int) -> NDArray[np.uint32]:
    """The first `k` (< 227) outputs of MT19937 seeded with each of `seeds`, ``(len, k)``.

    ``init_genrand`` keeps only the state words the first twist reads for
    outputs ``0 .. k - 1``: ``mt[0 .. k]`` and ``mt[397 .. 396 + k]``.
    """
    low = np.empty((k + 1, seeds.shape[0]), dtype=np.uint32)
    high = np.empty((k, seeds.shape[0]), dtype=np.uint32)
    word = seeds.astype(np.uint32)
    low[0] = word
    scratch = np.empty_like(word)
    shift, factor = np.uint32(30), np.uint32(1812433253)
    for i in range(1, 397 + k):  # in place: the loop is ~2000 operations per seed
        np.right_shift(word, shift, out=scratch)
        np.bitwise_xor(word, scratch, out=scratch)
        np.multiply(scratch, factor, out=word)
        np.add(word, np.uint32(i), out=word)
        if i <= k:
            low[i] = word
        if i >= 397:
            high[i - 397] = word
    y = (low[:k] & np.uint32(0x80000000)) | (low[1:] & np.uint32(0x7FFFFFFF))
    y = high ^ (y >> np.uint32(1)) ^ ((y & np.uint32(1)) * np.uint32(0x9908B0DF))
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y.T


def torch_normal_noises(seeds: range, pct: float, std: float) -> Floats:
    """`torch_normal_noise` for every seed of `seeds`, the generators run side by side.

    The MT19937 streams, the uniforms and the Box-Muller transform are
    vectorized. NumPy's SIMD ``log1p``, ``cos`` and ``sin`` may differ from the
    C library's (which torch uses) in the last bits, so a draw is only taken
    from NumPy when its float32 rounding cannot depend on them (it does not
    move under a relative change of ``2**-40``); the few others, and seeds
    that need more than 16 draws, are redone draw by draw with `math`.

    Examples
    --------
    >>> torch_normal_noises(range(42, 44), 0.67, 1.0)
    array([ 0.33669037, -0.64840108])
    """
    result = np.empty(len(seeds))
    # Seeds are independent: two threads split them when there are many (ufuncs
    # release the GIL); the split changes no value.
    threads = 2 if len(seeds) >= 2 * _BATCH and _plan.usable_cpus() >= 2 else 1
    _plan.in_threads(lambda lo, hi: _normal_noises(seeds, lo, hi, pct, std, result),
                     0, len(seeds), threads)
    return result


def _normal_noises(seeds: range, lo: int, hi: int, pct: float, std: float,
                   result: Floats) -> None:
    """`torch_normal_noises` of ``seeds[lo:hi]``, into ``result[lo:hi]``."""
    for c0 in range(lo, hi, _BATCH):
        chunk = seeds[c0 : min(c0 + _BATCH, hi)]
        stream = (np.arange(chunk.start, chunk.stop, dtype=np.int64) & 0xFFFFFFFF).astype(
            np.uint32
        )
        uniform = _uniforms(stream, _WORDS)
        radius = np.sqrt(-2.0 * np.log1p(-uniform[:, 1::2]))
        theta = 2.0 * math.pi * uniform[:, 0::2]
        z = np.empty((len(chunk), _WORDS // 2))
        np.multiply(radius, np.cos(theta), out=z[:, 0::2])
        np.multiply(radius, np.sin(theta), out=z[:, 1::2])
        single = z.astype(np.float32)
        unsure = (single != (z * (1 - 2.0**-40)).astype(np.float32)) | (
            single != (z * (1 + 2.0**-40)).astype(np.float32)
        )
        noise = single.astype(np.float64) * std
        accept = np.abs(noise) < pct
        first = np.argmax(accept, axis=1)
        rows = np.arange(len(chunk))
        good = accept[rows, first] & ~np.logical_or.accumulate(unsure, axis=1)[rows, first]
        result[c0 : c0 + len(chunk)][good] = noise[rows[good], first[good]]
        redo = np.flatnonzero(~good)
        if redo.size:  # exactly, with the C library: up to 112 draws, then one by one
            uniform = _uniforms(stream[redo], _MAX_WORDS)
            for i, row in zip(redo.tolist(), uniform.tolist(), strict=True):
                value = _first_normal(row, pct, std)
                result[c0 + i] = torch_normal_noise(chunk[i], pct, std) if value is None else value


def _uniforms(stream: NDArray[np.uint32], words: int) -> Floats:
    """The 53-bit uniforms torch makes of pairs of MT19937 words, ``(len, words / 2)``."""
    w = _mt19937_words(stream, words).astype(np.uint64)
    mantissa = ((w[:, 0::2] & np.uint64((1 << 21) - 1)) << np.uint64(32)) | w[:, 1::2]
    return mantissa.astype(np.float64) * 2.0**-53


def _first_normal(uniforms: list[float], pct: float, std: float) -> float | None:
    """The first of the normals of `uniforms` (pairs u1, u2) whose magnitude is below `pct`."""
    for j in range(0, len(uniforms), 2):
        radius = math.sqrt(-2.0 * math.log1p(-uniforms[j + 1]))
        theta = 2.0 * math.pi * uniforms[j]
        for z in (radius * math.cos(theta), radius * math.sin(theta)):
            noise = float(np.float32(z)) * std
            if abs(noise) < pct:
                return noise
    return None


def torch_normal_noise(seed: int, pct: float, std: float) -> float:
    r"""The timm ``Scheduler._calculate_noise`` for ``noise_type='normal'``, without torch.

    timm seeds a fresh ``torch.Generator`` with `seed` and draws
    ``torch.randn(1).item() * std`` until its magnitude is below `pct`. On the
    CPU, torch's generator is MT19937 seeded with the low 32 bits of the seed
    (the same initialisation as ``numpy.random.RandomState``); ``randn`` of one
    float32 element takes two 53-bit uniforms ``u1, u2`` from pairs of 32-bit
    outputs and returns :math:`\sqrt{-2\log(1-u_2)}\cos(2\pi u_1)`, caching
    the matching sine for the next draw; the value is rounded to float32.

    Examples
    --------
    >>> torch_normal_noise(42, 0.67, 1.0)
    0.33669036626815796
    """
    stream = np.random.RandomState(seed & 0xFFFFFFFF)
    while True:
        words = [int(w) for w in stream.randint(0, 1 << 32, size=4, dtype=np.uint64)]
        u1 = (((words[0] << 32) | words[1]) & ((1 << 53) - 1)) * 2.0**-53
        u2 = (((words[2] << 32) | words[3]) & ((1 << 53) - 1)) * 2.0**-53
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        for z in (radius * math.cos(theta), radius * math.sin(theta)):
            noise = float(np.float32(z)) * std
            if abs(noise) < pct:
                return noise


# --------------------------------------------------------------------------- driver


def _bounds(n: int) -> tuple[int, int]:
    """The counts ``[a, b)`` that `render` computes for a plan of `n` steps."""
    requested = _plan.active_window()
    return (0, n) if requested is None else requested


def _store(columns: list[Floats], rows: int, dtype: DTypeLike, out: Any) -> FloatArray:
    """Stack per-group float64 columns into a ``(rows, groups)`` array (or `out`)."""
    kind = check.store_dtype(dtype, out)
    for column in columns:
        if column.size:
            check.fits(*check.extremes(column), kind)
    buf = check.prepare_out((rows, len(columns)), dtype, out)
    for g, column in enumerate(columns):
        buf[:, g] = column
    return buf


def _run(
    make: Maker,
    base_lr: Any,
    num_steps: Any,
    t_in_epochs: Any,
    updates_per_epoch: Any,
    noise: _Noise,
    dtype: DTypeLike,
    out: Any,
    backend: Backend,
) -> FloatArray:
    """Build, render and post-process a timm schedule for every group."""
    bases, grouped = _bases(base_lr)
    n = check.steps(num_steps, "num_steps")
    per_epoch = check.flag(t_in_epochs, "t_in_epochs")
    if updates_per_epoch is not None:
        upe = check.integer(updates_per_epoch, "updates_per_epoch", minimum=1)
        if not per_epoch:
            raise ValueError(
                "updates_per_epoch only applies to the per-epoch mode, got "
                f"updates_per_epoch={updates_per_epoch!r}, t_in_epochs=False"
            )
    elif per_epoch:
        raise ValueError(
            "t_in_epochs=True steps the lr once per epoch, so updates_per_epoch is required "
            "(1 gives one value per epoch; t_in_epochs=False is timm's per-update mode), "
            "got updates_per_epoch=None"
        )
    else:
        upe = 1
    check.backend(backend)

    def group(base: float, dtype_: DTypeLike, out_: Any) -> FloatArray:
        if upe == 1:
            plan, post = make(base, n)
            if post is None and noise.range is None:
                return render(plan, dtype_, out_, backend)
            values = render(plan, np.float64, None, backend)
            a, b = _bounds(n)
            if post is not None:
                post(values, a, b)
            noise.apply(values, a, b)
            kind = check.store_dtype(dtype_, out_)
            if values.size:  # the noise or post-processing may overflow
                check.fits(*check.extremes(values), kind)
            if out_ is None and kind == np.float64:
                return values
            buf = check.prepare_out(b - a, dtype_, out_)
            buf[...] = values
            return buf
        epochs = -(-n // upe)
        plan, post = make(base, epochs)
        per = np.empty(epochs)
        fill_numpy(plan, per, 0, epochs)
        if post is not None:
            post(per, 0, epochs)
        noise.apply(per, 0, epochs)
        sizes = np.full(epochs, upe, dtype=np.int64)
        sizes[-1] = n - (epochs - 1) * upe
        plan = Builder().cycles(sizes, 1, [Phase("constant", sizes, (per,))]).plan()
        return render(plan, dtype_, out_, backend)

    if not grouped:
        return group(bases[0], dtype, out)
    columns = [group(base, np.float64, None) for base in bases]
    return _store(columns, columns[0].shape[0], dtype, out)


def _warmup(builder: Builder, length: int, warmup_t: int, init: float, target: float) -> int:
    """The timm warmup ``init + t (target - init) / warmup_t`` over ``t < warmup_t``.

    Returns the number of counts it covers. Without a warmup, count 0 is the
    base rate, set by the caller.
    """
    w = min(warmup_t, length)
    builder.add("linear", w, (init, target, float(warmup_t)), pins=((0, init),))
    return w


def _begin(builder: Builder, length: int, base: float, warmup: tuple[int, float, float]) -> int:
    """Add the warmup (or pin count 0 to `base`); return the first count after it."""
    warmup_t, init, target = warmup
    if warmup_t:
        return _warmup(builder, length, warmup_t, init, target)
    builder.pins[0] = base
    return 0


# --------------------------------------------------------------------------- cycles


class _Cycles:
    """timm's cycle arithmetic (cosine, tanh and poly schedulers)."""

    def __init__(self, t_initial: Any, cycle_mul: Any, cycle_decay: Any, cycle_limit: Any):
        self.t_initial = check.integer(t_initial, "t_initial", minimum=1)
        self.mul = check.positive(cycle_mul, "cycle_mul")
        self.decay = check.real(cycle_decay, "cycle_decay")
        self.limit = check.integer(cycle_limit, "cycle_limit")

    def index(self, t: int) -> int:
        """The timm cycle index of count `t` (float arithmetic exactly as timm)."""
        if self.mul == 1.0:
            return t // self.t_initial
        return math.floor(math.log(1 - t / self.t_initial * (1 - self.mul), self.mul))

    def offset(self, i: int) -> tuple[float, float]:
        """Where cycle `i` starts and how long it is, as timm computes them."""
        if self.mul == 1.0:
            return float(self.t_initial * i), float(self.t_initial)
        start = (1 - self.mul**i) / (1 - self.mul) * self.t_initial
        return start, self.mul**i * self.t_initial

    def runs(self, lo: int, hi: int) -> list[tuple[int, int, int, int]]:
        """`segments` with equal whole cycles together: ``(i, a, b, count)``.

        Counts ``[a, b)`` are `count` cycles from cycle ``i`` on, each whole
        when `count` > 1. With ``cycle_mul == 1`` there are at most four runs,
        whatever the number of cycles.
        """
        if self.mul != 1.0:
            return [(i, a, b, 1) for i, a, b in self.segments(lo, hi)]
        size, result, a = self.t_initial, [], lo
        if a < hi and a % size and a // size < self.limit:  # the rest of a cycle
            b = min((a // size + 1) * size, hi)
            result.append((a // size, a, b, 1))
            a = b
        whole = min(hi // size, self.limit) - a // size  # whole cycles from a on
        if a < hi and whole > 0:
            result.append((a // size, a, a + whole * size, whole))
            a += whole * size
        if a < hi:  # a cycle cut short by hi, or lr_min once the cycles run out
            result.append((a // size, a, hi, 1))
        return result

    def segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """``(i, a, b)``: counts ``[a, b)`` of ``[lo, hi)`` that timm puts in cycle ``i``.

        The last segment has ``i >= cycle_limit`` when the cycles run out.
        """
        if hi <= lo:
            return []
        if self.mul < 1 and 1 - (hi - 1) / self.t_initial * (1 - self.mul) <= 0:
            bound = self.t_initial / (1 - self.mul)
            raise ValueError(
                "with cycle_mul < 1 the cycles end at t = t_initial / (1 - cycle_mul) = "
                f"{bound:g}, where timm's cycle index fails (math domain error); got "
                f"t_initial={self.t_initial}, cycle_mul={self.mul}, last t={hi - 1}"
            )
        result = []
        a = lo
        while a < hi:
            i = self.index(a)
            if i >= self.limit:
                result.append((i, a, hi))
                break
            if self.mul == 1.0:
                b = min((i + 1) * self.t_initial, hi)
            else:  # first count with a larger index: timm's index never decreases
                left, right = a + 1, hi
                while left < right:
                    mid = (left + right) // 2
                    if self.index(mid) > i:
                        right = mid
                    else:
                        left = mid + 1
                b = left
            result.append((i, a, b))
            a = b
        return result


def _cycle_plan(
    length: int,
    base: float,
    cycles: _Cycles,
    lr_min: float,
    warmup: tuple[int, float, float],
    prefix: bool,
    piece: Callable[[Ints, Floats, Floats, Floats], Phase],
    direct: bool = True,
) -> Plan:
    """Warmup, then the cycles as one `Cycles` element, then ``lr_min`` once they run out.

    ``piece(n, x0, span, lr_max)`` is the `Phase` of the cycles, given per run
    of equal cycles: `n` counts whose local time (timm's ``t_curr``) starts
    at `x0`, in a cycle of `span` counts peaking at `lr_max`. With `direct`
    the phase takes `lr_max` as its start as it is, so decaying peaks may come
    as a `_plan.Geometric` progression; else they are numbers, one per cycle.
    """
    builder = Builder()
    first = _begin(builder, length, base, warmup)
    shift = warmup[0] if prefix else 0
    runs = cycles.runs(first - shift, length - shift)
    tail = runs.pop() if runs and runs[-1][0] >= cycles.limit else None
    if runs:
        i, a, b, count = (np.array(col, dtype=np.int64) for col in zip(*runs, strict=True))
        # Peaks that decay (0 < d < 1) over consecutive cycles: one Geometric
        # progression base * d ** i, however many cycles; other decays per cycle.
        progression = direct and 0.0 < cycles.decay < 1.0 and np.array_equal(
            i, i[0] + np.cumsum(count) - count)
        if cycles.decay != 1.0 and np.any(count > 1) and not progression:
            # every cycle peaks at its own lr
            k = np.repeat(np.arange(len(runs)), count)
            step = np.arange(k.shape[0]) - np.repeat(np.cumsum(count) - count, count)
            size = (b - a) // count
            i, a = i[k] + step, a[k] + step * size[k]
            b, count = a + size[k], np.ones_like(a)
        if cycles.mul == 1.0:
            start = (cycles.t_initial * i).astype(np.float64)
            span = np.full(i.shape[0], float(cycles.t_initial))
        else:
            start, span = (np.array(col) for col in zip(*map(cycles.offset, i.tolist()),
                                                        strict=True))
        if progression:
            lr_max: Any = _plan.Geometric(base, cycles.decay, int(i[0]))
        elif cycles.decay != 1.0:
            lr_max = np.array([base * cycles.decay**j for j in i.tolist()])
        else:
            lr_max = base
        size = (b - a) // count
        builder.cycles(size, count, [piece(size, a.astype(np.float64) - start, span, lr_max)])
    if tail is not None:
        builder.constant(tail[2] - tail[1], lr_min)
    return builder.plan()


def cosine_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    t_initial: int,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``CosineLRScheduler``: cosine cycles with restarts, warmup, k-decay, noise.

    After the warmup, with ``t`` shifted by ``warmup_t`` only if
    `warmup_prefix`, cycle ``i`` (length :math:`T_i = T m^i` for
    ``cycle_mul`` :math:`m`, ``T = t_initial``) gives

    .. math:: \eta_{min} + \tfrac12 (b\,d^{\,i} - \eta_{min})
              \left(1 + \cos \frac{\pi\, t_{cur}^k}{T_i^k}\right)

    while ``i < cycle_limit`` and ``lr_min`` after (``d = cycle_decay``,
    ``k = k_decay``). See the module docstring for ``result[t]``, the warmup and
    the per-epoch mode.

    Examples
    --------
    >>> cosine_lr_scheduler(1.0, 6, t_initial=4, warmup_t=2, warmup_prefix=True,
    ...                     t_in_epochs=False)
    array([0.        , 0.5       , 1.        , 0.85355339, 0.5       ,
           0.14644661])

    Per epoch (timm's default ``t_in_epochs=True``), two updates per epoch,
    and one column per parameter group:

    >>> cosine_lr_scheduler(1.0, 6, t_initial=3, updates_per_epoch=2)
    array([1.  , 1.  , 0.75, 0.75, 0.25, 0.25])
    >>> cosine_lr_scheduler([1.0, 0.1], 3, t_initial=2, t_in_epochs=False)
    array([[1.  , 0.1 ],
           [0.5 , 0.05],
           [0.  , 0.  ]])
    """
    cycles = _Cycles(t_initial, cycle_mul, cycle_decay, cycle_limit)
    lr_min = check.nonnegative(lr_min, "lr_min")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.real(warmup_lr_init, "warmup_lr_init")
    prefix = check.flag(warmup_prefix, "warmup_prefix")
    k = check.positive(k_decay, "k_decay")
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)

    def piece(n: Ints, x0: Floats, span: Floats, lr_max: Floats) -> Phase:
        if k == 1.0:
            return Phase("cosine", n, (lr_max, lr_min, span, 1.0), x0=x0)
        _no_negative_time(x0, k)
        return Phase("cosine_k", n, (lr_max, lr_min, span, k), x0=x0)

    def make(base: float, length: int) -> tuple[Plan, None]:
        plan = _cycle_plan(length, base, cycles, lr_min, (warmup_t, init, base), prefix, piece)
        return plan, None

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


def _no_negative_time(x0: Floats, k: float) -> None:
    negative = np.flatnonzero(np.asarray(x0) < 0)
    if negative.shape[0] and not float(k).is_integer():
        raise ValueError(
            "timm's cycle time rounds below 0 here and t_curr ** k_decay is complex "
            f"(timm fails), got t_curr={float(np.asarray(x0)[negative[0]])!r}, k_decay={k!r}"
        )


def poly_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    t_initial: int,
    power: float = 0.5,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    k_decay: float = 1.0,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``PolyLRScheduler``: polynomial decay cycles with warmup, k-decay, noise.

    Cycle ``i`` gives
    :math:`\eta_{min} + (b\,d^{\,i} - \eta_{min})(1 - t_{cur}^k / T_i^k)^{power}`,
    with the cycles, warmup and ``result[t]`` of `cosine_lr_scheduler`. A
    negative `power` is refused (timm's value would grow without bound).

    Examples
    --------
    >>> poly_lr_scheduler(1.0, 5, t_initial=4, power=1.0, t_in_epochs=False)
    array([1.  , 0.75, 0.5 , 0.25, 0.  ])
    """
    cycles = _Cycles(t_initial, cycle_mul, cycle_decay, cycle_limit)
    power = check.nonnegative(power, "power")
    lr_min = check.nonnegative(lr_min, "lr_min")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.real(warmup_lr_init, "warmup_lr_init")
    prefix = check.flag(warmup_prefix, "warmup_prefix")
    k = check.positive(k_decay, "k_decay")
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)

    def piece(n: Ints, x0: Floats, span: Floats, lr_max: Floats) -> Phase:
        if k == 1.0:
            return Phase("polynomial", n, (lr_max, lr_min, span, power), x0=x0)
        _no_negative_time(x0, k)
        return Phase("polynomial_k", n, (lr_max, lr_min, span, power, k), x0=x0)

    def make(base: float, length: int) -> tuple[Plan, None]:
        plan = _cycle_plan(length, base, cycles, lr_min, (warmup_t, init, base), prefix, piece)
        return plan, None

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


def tanh_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    t_initial: int,
    lb: float = -7.0,
    ub: float = 3.0,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``TanhLRScheduler``: hyperbolic-tangent decay cycles with warmup and noise.

    With ``r = t_cur / T_i``, cycle ``i`` gives

    .. math:: \eta_{min} + \tfrac12 (b\,d^{\,i} - \eta_{min})
              \bigl(1 - \tanh(lb\,(1 - r) + ub\,r)\bigr),

    timm's unnormalised curve: it starts at ``0.99999917 * lr_max`` for the
    defaults, not at ``lr_max`` (the native `schedarray.tanh` is normalised to
    hit both ends). Without `warmup_prefix` the warmup ramps to the curve's
    value at ``t = warmup_t``, not to ``base_lr``. Cycles, warmup and
    ``result[t]`` otherwise as in `cosine_lr_scheduler`.

    Examples
    --------
    >>> tanh_lr_scheduler(1.0, 4, t_initial=4, t_in_epochs=False).round(6)
    array([1.      , 0.999877, 0.982014, 0.268941])
    """
    cycles = _Cycles(t_initial, cycle_mul, cycle_decay, cycle_limit)
    lb = check.real(lb, "lb")
    ub = check.real(ub, "ub")
    if not lb < ub:
        raise ValueError(f"lb must be < ub, got lb={lb!r}, ub={ub!r}")
    lr_min = check.nonnegative(lr_min, "lr_min")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.nonnegative(warmup_lr_init, "warmup_lr_init")
    prefix = check.flag(warmup_prefix, "warmup_prefix")
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)
    top, bottom = math.tanh(ub), math.tanh(lb)

    def value(t: int, base: float) -> float:
        """The timm ``_get_lr(t)`` after the warmup (the warmup's target without prefix)."""
        i = cycles.index(t)
        if i >= cycles.limit:
            return lr_min
        start, span = cycles.offset(i)
        tr = (t - start) / span
        lr_max = base * cycles.decay**i
        return lr_min + 0.5 * (lr_max - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))

    def piece(n: Ints, x0: Floats, span: Floats, lr_max: Floats) -> Phase:
        half = 0.5 * (lr_max - lr_min)
        first = lr_min + half * (1 - bottom)
        last = lr_min + half * (1 - top)
        if top == bottom:  # tanh is flat over [lb, ub] in float64
            return Phase("constant", n, (first,))
        return Phase("tanh", n, (first, last, span, lb, ub), x0=x0)

    def make(base: float, length: int) -> tuple[Plan, None]:
        if warmup_t and not prefix:
            cycles.segments(warmup_t, warmup_t + 1)  # fails where timm's constructor fails
            target = value(warmup_t, base)
        else:
            target = base
        plan = _cycle_plan(length, base, cycles, lr_min, (warmup_t, init, target), prefix, piece,
                           direct=False)  # the tanh phase computes its ends from lr_max
        return plan, None

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


# --------------------------------------------------------------------------- steps


def step_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    decay_t: float,
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``StepLRScheduler``: ``base_lr * decay_rate ** (t // decay_t)`` after the warmup.

    ``t`` counts from the end of the warmup (``warmup_prefix=True``, the
    default here) or from 0. The default ``decay_rate=1`` never decays. A
    fractional `decay_t` uses Python's float floor division, as timm does.
    See the module docstring for ``result[t]``.

    Examples
    --------
    >>> step_lr_scheduler(1.0, 6, decay_t=2, decay_rate=0.5, t_in_epochs=False)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25, 0.25])
    """
    decay_t = check.positive(decay_t, "decay_t")
    rate = check.real(decay_rate, "decay_rate")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.real(warmup_lr_init, "warmup_lr_init")
    prefix = check.flag(warmup_prefix, "warmup_prefix")
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)

    def make(base: float, length: int) -> tuple[Plan, None]:
        builder = Builder()
        first = _begin(builder, length, base, (warmup_t, init, base))
        shift = warmup_t if prefix else 0
        lo, hi = first - shift, length - shift
        if decay_t.is_integer():
            builder.add("exponential", hi - lo, (base, rate, decay_t, 1.0), x0=float(lo))
        else:
            a = lo
            while a < hi:
                level = a // decay_t
                b = min(max(a + 1, math.ceil((level + 1) * decay_t) - 1), hi)
                while b > a + 1 and (b - 1) // decay_t > level:
                    b -= 1
                while b < hi and b // decay_t == level:
                    b += 1
                builder.constant(b - a, base * (rate**level))
                a = b
        return builder.plan(), None

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


def multi_step_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    decay_t: Sequence[float],
    decay_rate: float = 1.0,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``MultiStepLRScheduler``: ``base_lr * decay_rate ** bisect_right(decay_t, t + 1)``.

    timm compares the milestones with ``t + 1``, so milestone ``m`` takes
    effect at ``t == m - 1``: **one step (or epoch) earlier** than torch's
    ``MultiStepLR`` and timm's own `step_lr_scheduler`. timm keeps this on
    purpose (its PRs #2745 and #2753 that would change it were closed), and so
    does this function. ``t`` counts from the end of the warmup
    (``warmup_prefix=True``, the default here) or from 0. A repeated
    milestone decays once per repetition. `decay_t` must be non-decreasing
    (timm assumes it is sorted).

    Examples
    --------
    >>> multi_step_lr_scheduler(1.0, 5, decay_t=[2, 4], decay_rate=0.5, t_in_epochs=False)
    array([1.  , 0.5 , 0.5 , 0.25, 0.25])
    """
    milestones = check.reals(decay_t, "decay_t")
    for a, b in itertools.pairwise(milestones):
        if b < a:
            raise ValueError(f"decay_t must be non-decreasing, got decay_t={list(milestones)!r}")
    rate = check.real(decay_rate, "decay_rate")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.real(warmup_lr_init, "warmup_lr_init")
    prefix = check.flag(warmup_prefix, "warmup_prefix")
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)

    def make(base: float, length: int) -> tuple[Plan, None]:
        builder = Builder()
        first = _begin(builder, length, base, (warmup_t, init, base))
        shift = warmup_t if prefix else 0
        a, hi = first - shift, length - shift
        while a < hi:
            level = bisect.bisect_right(milestones, a + 1)
            b = hi if level == len(milestones) else min(hi, math.ceil(milestones[level]) - 1)
            builder.constant(b - a, base * (rate**level))
            a = b
        return builder.plan(), None

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


# --------------------------------------------------------------------------- WSD

_STABLE_FNS = ("constant", "rsqrt", "power")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


def wsd_lr_scheduler(
    base_lr: float | Sequence[float],
    num_steps: int,
    t_initial: int,
    decay_t: int,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    stable_timescale: float | None = None,
    stable_power: float = 0.5,
    decay_fn: str | Callable[[float], float] = "1-sqrt",
    decay_power: float = 0.5,
    decay_ratio: float = 0.1,
    warmup_t: int = 0,
    warmup_lr_init: float = 0.0,
    t_in_epochs: bool = True,
    noise_range_t: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    *,
    updates_per_epoch: int | None = None,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> FloatArray:
    r"""The timm ``WSDLRScheduler`` (new in timm 1.0.31): warmup, stable phase, decay.

    With ``t_s = t - warmup_t`` after the (always prefixed) warmup and
    ``t_d = t_s - (t_initial - decay_t)``:

    .. math:: s = \max(b \cdot \mathrm{stable}(t_s), \eta_{min}), \qquad
              \eta = s \ (t_d \le 0), \quad
              \eta = \eta_{min} + (s - \eta_{min})\,
              \mathrm{decay}(\min(t_d / \mathrm{decay\_t}, 1)) \ (t_d > 0)

    ``stable`` is 1, ``(1 + t_s/τ)^{-1/2}`` or ``(1 + t_s/τ)^{-stable\_power}``
    (``τ = stable_timescale``, default ``warmup_t``); ``decay`` is
    ``1 - f``, ``1 - sqrt(f)``, ``(1 + cos πf)/2``, ``1 - f^{decay\_power}``,
    ``(r^f - r)/(1 - r)`` (``r = decay_ratio``) or a callable (evaluated once
    per decaying step, in Python). ``lr_min`` is first reached at ``t =
    warmup_t + t_initial``, one step after timm's cycle (as timm documents).
    Parameters are checked as timm checks them (`ValueError`).

    Examples
    --------
    >>> wsd_lr_scheduler(1.0, 6, t_initial=4, decay_t=2, decay_fn="linear",
    ...                  t_in_epochs=False)
    array([1. , 1. , 1. , 0.5, 0. , 0. ])
    """
    t_initial = check.integer(t_initial, "t_initial", minimum=1)
    decay_t = check.integer(decay_t, "decay_t", minimum=1)
    if decay_t > t_initial:
        raise ValueError(
            f"decay_t must be <= t_initial, got decay_t={decay_t}, t_initial={t_initial}"
        )
    lr_min = check.nonnegative(lr_min, "lr_min")
    stable_fn = check.choice(stable_fn, "stable_fn", _STABLE_FNS)
    if not callable(decay_fn):
        decay_fn = check.choice(decay_fn, "decay_fn", _DECAY_FNS)
    decay_power = check.positive(decay_power, "decay_power")
    stable_power = check.positive(stable_power, "stable_power")
    ratio = check.real(decay_ratio, "decay_ratio")
    if not 0 < ratio < 1:
        raise ValueError(f"decay_ratio must be in (0, 1), got decay_ratio={decay_ratio!r}")
    warmup_t = check.integer(warmup_t, "warmup_t")
    init = check.real(warmup_lr_init, "warmup_lr_init")
    timescale = 0.0
    if stable_fn != "constant":
        timescale = warmup_t if stable_timescale is None else check.real(
            stable_timescale, "stable_timescale"
        )
        if timescale <= 0:
            raise ValueError(
                f"stable_fn={stable_fn!r} needs stable_timescale > 0 (it defaults to warmup_t), "
                f"got stable_timescale={stable_timescale!r}, warmup_t={warmup_t}"
            )
    exponent = 0.5 if stable_fn == "rsqrt" else stable_power
    noise = _Noise(noise_range_t, noise_pct, noise_std, noise_seed)
    # decay starts at t_d = 1 and reaches f = 1 at t_d = decay_t
    hold = warmup_t + t_initial - decay_t  # last count of the stable phase

    def stable(t_s: int, base: float) -> float:
        if stable_fn == "constant":
            return max(base * 1.0, lr_min)
        return max(base * (1.0 + t_s / timescale) ** -exponent, lr_min)

    def decay(frac: float) -> float:
        if callable(decay_fn):
            return float(decay_fn(frac))
        if decay_fn == "linear":
            return 1.0 - frac
        if decay_fn == "1-sqrt":
            return 1.0 - math.sqrt(frac)
        if decay_fn == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * frac))
        if decay_fn == "power":
            return 1.0 - frac**decay_power
        return (ratio**frac - ratio) / (1.0 - ratio)

    def stable_pieces(builder: Builder, a: int, hi: int, base: float) -> None:
        """The stable value ``s`` for ``t_s`` in ``[a, hi)``."""
        if stable_fn == "constant":
            builder.constant(hi - a, stable(a, base))
            return
        # base * (1 + t_s / tau) ** -p, until it falls below lr_min (then lr_min)
        left, right = a, hi
        while left < right:
            mid = (left + right) // 2
            if base * (1.0 + mid / timescale) ** -exponent < lr_min:
                right = mid
            else:
                left = mid + 1
        builder.add("polynomial", left - a, (base, 0.0, -timescale, -exponent), x0=float(a))
        builder.constant(hi - left, lr_min)

    def decay_pieces(builder: Builder, n: int, top: float, bottom: float) -> None:
        """``bottom + (top - bottom) decay(f)`` for ``t_d = 1 .. n``, ``f = t_d / decay_t``."""
        span = float(decay_t)
        if decay_fn == "linear":
            builder.add("polynomial", n, (top, bottom, span, 1.0), x0=1.0)
        elif decay_fn == "1-sqrt":
            builder.add("one_minus_sqrt", n, (top, bottom, span), x0=1.0)
        elif decay_fn == "cosine":
            builder.add("cosine", n, (top, bottom, span, 1.0), x0=1.0)
        elif decay_fn == "power":  # 1 - f^p: the polynomial (1 - q)^p played backwards
            builder.add("polynomial", n, (bottom, top, span, decay_power), x0=span - 1.0,
                        direction=-1.0)
        else:  # exp: r ** f here (top=1, bottom=0), normalised by the caller
            builder.add("exponential", n, (1.0, ratio, span, 0.0), x0=1.0)

    def decaying(builder: Builder, length: int) -> int:
        """The number of counts from ``builder.length`` on where ``0 < f < 1``."""
        return max(0, min(hold + decay_t, length) - builder.length)

    def make(base: float, length: int) -> tuple[Plan, Post | None]:
        builder = Builder()
        first = _begin(builder, length, base, (warmup_t, init, base))
        if stable_fn == "constant" and decay_fn in ("linear", "1-sqrt", "cosine", "power"):
            # one curve per phase: stable value s, then s -> lr_min by decay(f)
            level = stable(0, base)
            builder.constant(max(0, min(hold + 1, length) - first), level)
            decay_pieces(builder, decaying(builder, length), level, lr_min)
            builder.constant(length - builder.length, lr_min + (level - lr_min) * decay(1.0))
            return builder.plan(), None
        # a decaying stable phase (or an exp / callable decay): lr_min + (s - lr_min) * decay
        stable_pieces(builder, first - warmup_t, length - warmup_t, base)
        plan = builder.plan()
        factors = None
        if not callable(decay_fn):
            fb = Builder().constant(min(hold + 1, length), 1.0)
            decay_pieces(fb, decaying(fb, length), 1.0, 0.0)
            fb.constant(length - fb.length, decay(1.0))
            factors = fb.plan()

        def post(values: Floats, a: int, b: int) -> None:
            lo = max(a, hold + 1)
            if lo >= b:
                return
            rows = slice(lo - a, b - a)
            if factors is None:
                f = np.array([decay(min((t - hold) / decay_t, 1.0)) for t in range(lo, b)])
            else:
                f = np.empty(b - lo)
                fill_numpy(factors, f, lo, b)
                if decay_fn == "exp":
                    cut = min(b, hold + decay_t) - lo
                    if cut > 0:
                        f[:cut] = (f[:cut] - ratio) / (1.0 - ratio)
            s = values[rows]
            values[rows] = lr_min + (s - lr_min) * f

        return plan, post

    return _run(make, base_lr, num_steps, t_in_epochs, updates_per_epoch, noise, dtype, out,
                backend)


# --------------------------------------------------------------------------- factory

_SCHEDS = ("cosine", "tanh", "step", "multistep", "poly", "wsd", "rsqrt", "constant", "none")


class ScheduleAndEpochs(NamedTuple):
    """What `create_scheduler_v2` returns: timm's ``(lr_scheduler, num_epochs)``."""

    #: The learning rate per update (timm's scheduler object, as an array).
    lr: FloatArray
    #: The epochs ``train.py`` runs: cycles, a prefixed warmup and the cooldown included.
    num_epochs: int


def create_scheduler_v2(
    base_lr: float | Sequence[float],
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: Sequence[int] = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: str | None = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
    *,
    dtype: DTypeLike = np.float64,
    out: Any = None,
    backend: Backend = "auto",
) -> ScheduleAndEpochs:
    r"""The timm ``create_scheduler_v2``: the schedule timm's ``train.py`` builds from its flags.

    Returns ``(lr, num_epochs)`` like timm (the scheduler, here as the array
    ``lr``, and the number of epochs ``train.py`` then runs, which includes
    the cycles, a prefixed warmup and the cooldown), as a `ScheduleAndEpochs`.
    In a spec, ``compat.timm.create_scheduler_v2`` builds ``lr`` and
    ``compat.timm.create_scheduler_v2.num_epochs`` gives ``num_epochs``.
    ``len(lr) == num_epochs * updates_per_epoch``: one value per update, so
    `updates_per_epoch` (timm's default 0 means "unused when stepping per
    epoch") is required here. ``step_on_epochs=True`` steps per epoch
    (``t_in_epochs=True``), ``False`` per update with every epoch quantity
    multiplied by `updates_per_epoch`, as in timm. `noise` is given as
    fractions of ``num_epochs``. ``sched='plateau'`` follows a metric and is
    refused; `patience_epochs` and `plateau_mode` only serve it. ``'none'``
    leaves the base rate untouched. Everything else is passed to the
    scheduler functions of this module, whose docstrings give the formulas.

    Examples
    --------
    >>> lr, epochs = create_scheduler_v2(0.1, num_epochs=4, warmup_epochs=1, warmup_lr=0.0,
    ...                                  updates_per_epoch=2)
    >>> epochs, lr.round(6)
    (4, array([0.      , 0.      , 0.085355, 0.085355, 0.05    , 0.05    , 0.014645,
           0.014645]))
    """
    sched = check.choice(sched, "sched", (*_SCHEDS, "plateau"))
    check.integer(patience_epochs, "patience_epochs")  # 'plateau' only
    check.choice(plateau_mode, "plateau_mode", ("min", "max"))  # 'plateau' only
    if sched == "plateau":
        raise ValueError(
            "sched='plateau' lowers the lr when a metric stops improving, so it is not a "
            "precomputable schedule, got sched='plateau'"
        )
    on_epochs = check.flag(step_on_epochs, "step_on_epochs")
    warmup_prefix = check.flag(warmup_prefix, "warmup_prefix")
    upe = check.integer(updates_per_epoch, "updates_per_epoch")
    if upe < 1:
        raise ValueError(
            "updates_per_epoch must be >= 1 to lay the schedule out per update, "
            f"got updates_per_epoch={updates_per_epoch!r}"
        )
    epochs = check.integer(num_epochs, "num_epochs")
    warmup_epochs = check.integer(warmup_epochs, "warmup_epochs")
    cooldown_epochs = check.integer(cooldown_epochs, "cooldown_epochs")
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    decay_epochs = check.real(decay_epochs, "decay_epochs")
    milestones = check.reals(decay_milestones, "decay_milestones")
    scale = 1 if on_epochs else upe  # timm multiplies every epoch quantity by it per update
    t_initial, warmup_t, cooldown_t = epochs * scale, warmup_epochs * scale, cooldown_epochs * scale
    decay_t = decay_epochs * scale
    timescale = None if stable_timescale is None else check.real(
        stable_timescale, "stable_timescale") * scale
    if noise is None:
        noise_range: Any = None
    elif check.is_sequence(noise):
        noise_range = [check.real(x, "noise") * t_initial for x in noise]
        if len(noise_range) == 1:
            noise_range = noise_range[0]
    else:
        noise_range = check.real(noise, "noise") * t_initial
    common: dict[str, Any] = {
        "t_in_epochs": on_epochs, "noise_range_t": noise_range, "noise_pct": noise_pct,
        "noise_std": noise_std, "noise_seed": noise_seed, "dtype": dtype, "out": out,
        "backend": backend,
    }
    if on_epochs:
        common["updates_per_epoch"] = upe
    warmup = {"warmup_lr_init": warmup_lr, "warmup_t": warmup_t, "warmup_prefix": warmup_prefix}
    cycles = {"cycle_mul": cycle_mul, "cycle_decay": cycle_decay, "cycle_limit": cycle_limit}

    def length(cycle_length: int | None) -> int:
        """The epoch count timm returns (from ``get_cycle_length`` where there is one)."""
        if cycle_length is None:
            return epochs + warmup_epochs if warmup_prefix else epochs
        total = cycle_length + cooldown_t
        return total if on_epochs else total // upe

    def cycle_length() -> int:
        count = max(1, check.integer(cycle_limit, "cycle_limit"))
        mul = check.positive(cycle_mul, "cycle_mul")
        if mul == 1.0:
            t = t_initial * count
        else:
            t = math.floor(-t_initial * (mul**count - 1) / (1 - mul))
        return t + warmup_t if warmup_prefix else t

    def steps(total_epochs: int) -> int:
        if total_epochs < 1:
            raise ValueError(
                f"the schedule must run at least one epoch, got num_epochs={total_epochs}"
            )
        return total_epochs * upe

    if sched == "none":
        total = length(None)
        return ScheduleAndEpochs(_constant_lr(base_lr, steps(total), dtype, out, backend), total)
    if sched in ("cosine", "tanh", "poly"):
        total = length(cycle_length())
        fn: Callable[..., FloatArray] = {
            "cosine": cosine_lr_scheduler, "tanh": tanh_lr_scheduler, "poly": poly_lr_scheduler
        }[sched]
        extra = {"lr_min": min_lr}
        if sched != "tanh":
            extra["k_decay"] = k_decay
        if sched == "poly":
            extra["power"] = decay_rate  # timm overloads decay_rate as the power
        lr = fn(base_lr, steps(total), t_initial, **extra, **cycles, **warmup, **common)
        return ScheduleAndEpochs(lr, total)
    if sched in ("step", "constant", "multistep"):
        total = length(None)
        if sched == "multistep":
            lr = multi_step_lr_scheduler(base_lr, steps(total), [m * scale for m in milestones],
                                         decay_rate, **warmup, **common)
        else:
            lr = step_lr_scheduler(base_lr, steps(total), 1 if sched == "constant" else decay_t,
                                   1.0 if sched == "constant" else decay_rate, **warmup, **common)
        return ScheduleAndEpochs(lr, total)
    # wsd / rsqrt: the warmup is always a prefix; without warmup_prefix the stable and
    # decay phases fit inside num_epochs
    t_sched = t_initial if warmup_prefix else t_initial - warmup_t
    if 0 < decay_epochs < 1:
        decay_t = decay_epochs * t_sched
    decay_t = round(decay_t)
    if not 0 < decay_t <= t_sched:
        raise ValueError(
            f"{sched} needs 0 < decay_epochs <= the stable + decay length, got "
            f"decay_t={decay_t}, stable + decay length={t_sched}"
        )
    total = length(warmup_t + t_sched)
    lr = wsd_lr_scheduler(
        base_lr, steps(total), t_sched, decay_t, lr_min=min_lr,
        stable_fn="rsqrt" if sched == "rsqrt" else "constant", stable_timescale=timescale,
        decay_fn=decay_fn or ("linear" if sched == "rsqrt" else "1-sqrt"),
        warmup_t=warmup_t, warmup_lr_init=warmup_lr, **common,
    )
    return ScheduleAndEpochs(lr, total)


def _constant_lr(
    base_lr: float | Sequence[float], num_steps: int, dtype: DTypeLike, out: Any,
    backend: Backend,
) -> FloatArray:
    """The base rate at every update (timm's ``sched='none'``)."""

    def make(base: float, length: int) -> tuple[Plan, None]:
        return Builder().constant(length, base).plan(), None

    return _run(make, base_lr, num_steps, False, None, _Noise(None, 1.0, 0.0, 0), dtype, out,
                backend)



#: Its results by name: a spec ``compat.timm.create_scheduler_v2.<field>`` gives one.
create_scheduler_v2.__schedarray_results__ = ScheduleAndEpochs._fields  # type: ignore[attr-defined]

check.publish(globals(), aliases={
    # create_scheduler_v2 calls the scheduler classes with timm's internal names.
    "create_scheduler_v2": {
        "lr_min": "min_lr", "warmup_lr_init": "warmup_lr", "t_initial": "num_epochs",
        "warmup_t": "warmup_epochs", "decay_t": "decay_epochs", "noise_range_t": "noise",
        "power": "decay_rate", "num_steps": "num_epochs", "stable_timescale": "stable_timescale",
    },
})
