"""Periodic shapes are one plan element (`_plan.Cycles`) with per-cycle arrays.

Reference: the same schedules built the old way, one `Piece` per cycle phase
(the private builders below copy the pre-`Cycles` code), must give the same
bits on both backends, whole and windowed.
"""

from __future__ import annotations

import numpy as np
import pytest

import schedarray as sa
from schedarray import _plan
from schedarray._plan import Builder, Cycles, Plan, fill_numpy


def bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(np.uint64 if x.dtype == np.float64 else np.uint32)


def assert_same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    diff = np.flatnonzero(bits(got) != bits(want))
    assert diff.size == 0, (diff[:5], got[diff[:5]], want[diff[:5]])


def render_plan(plan: Plan, backend: str, dtype=np.float64, start=0, stop=None) -> np.ndarray:
    stop = plan.length if stop is None else stop
    buf = np.full(stop - start, np.nan, dtype=dtype)
    if backend == "numpy":
        fill_numpy(plan, buf, start, stop)
    else:
        from schedarray import _kernels

        _kernels.fill(plan, buf, start, stop)
    return buf


def captured(fn, *args, **kwargs) -> Plan:
    with _plan.recording() as plans:
        fn(*args, backend="numpy", **kwargs)
    assert len(plans) == 1
    return plans[0]


# ----------------------------------------------------------------- the old per-cycle builders


def old_cosine_restarts(n, *, peak, cycle_steps, cycle_mul=1.0, peak_decay=1.0,
                        cycle_limit=None, end=0.0, warmup_steps=0, cycle_warmup_steps=0,
                        start=0.0) -> Plan:
    """`cosine_restarts` as it was built before `Cycles`: one piece per cycle phase."""
    w, length, cw, mul, decay = warmup_steps, cycle_steps, cycle_warmup_steps, cycle_mul, peak_decay
    builder = Builder()
    builder.blend("linear", w, start, peak, endpoint=False)
    k, at = 0, w
    while at < n and (cycle_limit is None or k < cycle_limit):
        if mul == 1:
            nxt = w + (k + 1) * length
        else:
            nxt = w + round(length * (1 - mul ** (k + 1)) / (1 - mul))
        size = min(nxt, n) - at
        top = peak * decay**k
        builder.blend("linear", min(cw, size), start, top, endpoint=False)
        builder.blend("cosine", size - min(cw, size), top, end, 1.0)
        at, k = at + size, k + 1
    builder.constant(n - at, end)
    return builder.plan()


RESTARTS = [
    {"peak": 1.0, "cycle_steps": 10},
    {"peak": 1e-3, "cycle_steps": 7, "warmup_steps": 5, "start": 1e-5, "end": 1e-6},
    {"peak": 1e-3, "cycle_steps": 13, "cycle_warmup_steps": 4, "start": 1e-5, "end": 1e-6},
    {"peak": 2.0, "cycle_steps": 9, "peak_decay": 0.7, "cycle_warmup_steps": 2, "warmup_steps": 3},
    {"peak": 1.0, "cycle_steps": 5, "cycle_mul": 1.5, "peak_decay": 0.9, "end": 0.1},
    {"peak": 1.0, "cycle_steps": 1, "cycle_mul": 1.1},
    {"peak": 1.0, "cycle_steps": 3, "cycle_limit": 4, "end": 0.25},
    {"peak": 1.0, "cycle_steps": 1},
    {"peak": 1.0, "cycle_steps": 2},
    {"peak": 1.0, "cycle_steps": 600, "cycle_warmup_steps": 100},
    {"peak": 1.0, "cycle_steps": 3000, "cycle_warmup_steps": 1000, "peak_decay": 0.5},
    {"peak": 1.0, "cycle_steps": 40000, "warmup_steps": 100},
]


@pytest.mark.parametrize("n", [1, 2, 5, 12, 1000, 70_001])
@pytest.mark.parametrize("kwargs", RESTARTS)
def test_cosine_restarts_bit_identical_to_per_cycle_pieces(n, kwargs):
    if kwargs.get("warmup_steps", 0) > n:
        return
    new = captured(sa.cosine_restarts, n, **kwargs)
    old = old_cosine_restarts(n, **kwargs)
    assert sum(isinstance(p, Cycles) for p in new.pieces) <= 1
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


def old_torch_warm_restarts(n, base, first, mult, eta) -> Plan:
    builder, at, size = Builder(), 0, first
    if size == 1 and mult == 1:
        builder.constant(n, base)
        at = n
    while at < n:
        length = min(size, n - at)
        builder.add("cosine", length, (base, eta, float(size), 1.0), pins=((0, base),))
        at, size = at + length, size * mult
    return builder.plan()


@pytest.mark.parametrize("n", [1, 3, 10, 1001, 40_000])
@pytest.mark.parametrize(("first", "mult", "eta"), [(1, 1, 0.0), (2, 1, 0.0), (100, 1, 1e-4),
                                                    (3, 2, 0.01), (1, 3, 0.0), (7, 1, 0.5)])
def test_torch_warm_restarts_bit_identical_to_per_cycle_pieces(n, first, mult, eta):
    from schedarray.compat import torch as T

    new = captured(T.cosine_annealing_warm_restarts, 0.1, n, first, mult, eta)
    old = old_torch_warm_restarts(n, 0.1, first, mult, eta)
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


def old_sgdr(n, cycles) -> Plan:
    """`sgdr_schedule` as it was built before `Cycles`: every cycle's segments joined."""
    from schedarray.compat import optax as O

    timelines, boundaries, at = [], [], 0
    for kwargs in cycles:
        timelines.append(O._warmup_cosine(**kwargs))
        at += kwargs["decay_steps"]
        boundaries.append(at)
    builder = Builder()
    segments = O._cut(O._join(timelines, boundaries[:-1]), 0, 0, n)
    for seg, nxt in zip(segments, [*segments[1:], None], strict=True):
        builder.add(seg.kind, (n if nxt is None else nxt.begin) - seg.begin, seg.params,
                    x0=seg.x0)
    return builder.plan()


_WC = {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 10, "decay_steps": 100,
       "end_value": 1e-3}
SGDR = [
    [_WC] * 50,
    [dict(_WC) for _ in range(7)],
    [{**_WC, "peak_value": 0.9**k} for k in range(20)],
    [{**_WC, "warmup_steps": k % 3, "exponent": 1.0 + k % 2} for k in range(12)],
    [{**_WC, "decay_steps": 11 + k} for k in range(30)] + [_WC] * 5,
    [{**_WC, "warmup_steps": 0, "decay_steps": 1}] * 40,
]


@pytest.mark.parametrize("n", [1, 37, 1000, 5003, 20_000])
@pytest.mark.parametrize("k", range(len(SGDR)))
def test_optax_sgdr_bit_identical_to_joined_cycles(n, k):
    from schedarray.compat import optax as O

    new = captured(O.sgdr_schedule, n, SGDR[k])
    old = old_sgdr(n, SGDR[k])
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


def old_timm_cosine(n, base, t_initial, lr_min=0.0, cycle_mul=1.0, cycle_decay=1.0,
                    cycle_limit=1, warmup_t=0, warmup_lr_init=0.0, warmup_prefix=False,
                    k_decay=1.0) -> Plan:
    """timm's cosine cycles as they were built before `Cycles`: one piece per cycle."""
    from schedarray.compat import timm as C

    cycles = C._Cycles(t_initial, cycle_mul, cycle_decay, cycle_limit)
    builder = Builder()
    first = C._begin(builder, n, base, (warmup_t, warmup_lr_init, base))
    shift = warmup_t if warmup_prefix else 0
    for i, a, b in cycles.segments(first - shift, n - shift):
        if i >= cycles.limit:
            builder.constant(b - a, lr_min)
            continue
        start, span = cycles.offset(i)
        lr_max = base * cycles.decay**i
        if k_decay == 1.0:
            builder.add("cosine", b - a, (lr_max, lr_min, span, 1.0), x0=a - start)
        else:
            builder.add("cosine_k", b - a, (lr_max, lr_min, span, k_decay), x0=a - start)
    return builder.plan()


TIMM = [
    {"t_initial": 10, "cycle_limit": 10**9},
    {"t_initial": 7, "cycle_limit": 5, "lr_min": 1e-5, "warmup_t": 3, "warmup_lr_init": 1e-6},
    {"t_initial": 7, "cycle_limit": 50, "warmup_t": 4, "warmup_prefix": True},
    {"t_initial": 9, "cycle_limit": 100, "cycle_decay": 0.8, "warmup_t": 5},
    {"t_initial": 5, "cycle_limit": 20, "cycle_mul": 1.5, "cycle_decay": 0.9},
    {"t_initial": 6, "cycle_limit": 30, "k_decay": 2.0},
    {"t_initial": 6, "cycle_limit": 30, "k_decay": 0.5, "warmup_t": 2, "warmup_prefix": True},
    {"t_initial": 1, "cycle_limit": 10**6},
    {"t_initial": 3000, "cycle_limit": 4, "warmup_t": 100},
]


@pytest.mark.parametrize("n", [1, 6, 100, 1001, 20_000])
@pytest.mark.parametrize("kwargs", TIMM)
def test_timm_cycles_bit_identical_to_per_cycle_pieces(n, kwargs):
    from schedarray.compat import timm as C

    new = captured(C.cosine_lr_scheduler, 0.1, n, t_in_epochs=False, **kwargs)
    old = old_timm_cosine(n, 0.1, **kwargs)
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    assert new.pins == old.pins
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


@pytest.mark.parametrize("lo", [0, 1, 5, 6, 7, 12])
@pytest.mark.parametrize("hi", [0, 6, 7, 13, 14, 40, 41])
@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_timm_runs_expand_to_segments(lo, hi, limit):
    from schedarray.compat import timm as C

    cycles = C._Cycles(7, 1.0, 1.0, limit)
    expanded = []
    for i, a, b, count in cycles.runs(lo, hi):
        size = (b - a) // count
        expanded += [(i + c, a + c * size, a + (c + 1) * size) for c in range(count)]
    assert expanded == cycles.segments(lo, hi)


def old_keras_restarts(n, init, first, t_mul=2.0, m_mul=1.0, alpha=0.0) -> Plan:
    """Keras's CosineDecayRestarts as built before `Cycles`: one piece per cycle."""
    import math

    from schedarray.compat import keras as K

    log_mul = np.log(np.float64(t_mul))

    def restart(t):
        f = np.float64(t) / first
        if t_mul == 1.0:
            return math.floor(K._keras_round(f))
        return math.floor(K._keras_round(np.log(1.0 - f * (1.0 - t_mul)) / log_mul))

    def start(i):
        return i * first if t_mul == 1.0 else first * (1.0 - t_mul**i) / (1.0 - t_mul)

    builder, at = Builder(), 0
    while at < n:
        i = restart(at)
        stop = K._first(lambda t, i=i: restart(t) > i, math.ceil(start(i + 1)), at, n)
        amp = float(np.power(np.float64(m_mul), i))
        params = (init * ((1.0 - alpha) * amp + alpha), init * alpha, first * t_mul**i, 1.0)
        builder.add("cosine", stop - at, params, x0=at - start(i))
        at = stop
    return builder.plan()


KERAS = [
    {"first": 10.0, "t_mul": 1.0},
    {"first": 2.5, "t_mul": 1.0, "m_mul": 0.9, "alpha": 0.1},
    {"first": 7.0, "t_mul": 1.0, "alpha": 0.25},
    {"first": 1.0, "t_mul": 1.0},
    {"first": 0.3, "t_mul": 1.0},
    {"first": 5.0, "t_mul": 2.0, "m_mul": 0.5},
    {"first": 1.0, "t_mul": 3.0},
]


@pytest.mark.parametrize("n", [1, 4, 100, 5001])
@pytest.mark.parametrize("kwargs", KERAS)
def test_keras_restarts_bit_identical_to_per_cycle_pieces(n, kwargs):
    from schedarray.compat import keras as K

    new = captured(K.cosine_decay_restarts, n, 0.5, kwargs["first"],
                   **{k: v for k, v in kwargs.items() if k != "first"})
    old = old_keras_restarts(n, 0.5, **kwargs)
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


def test_keras_equal_restarts_where_float32_rounding_moves_them():
    # Past 2**24 cycles float32(t / F) is coarse: restarts move and indices are skipped.
    from schedarray.compat import keras as K

    first = 3.0
    n = int(first * 2**24) + 5000
    at, index = K._equal_restarts(n, first)

    def restart(t):
        return np.floor((t.astype(np.float64) / first).astype(np.float32).astype(np.float64))

    assert at[0] == 0
    assert np.all(np.diff(at) > 0)
    assert at[-1] < n
    assert index.shape[0] < 2**24 + 5000 / first  # some indices are skipped
    assert np.array_equal(restart(at), index)
    assert np.all(restart(at[1:] - 1) < index[1:])
    assert restart(np.array([n - 1]))[0] == index[-1]


def old_hf_hard_restarts(base, w, t, cycles, n) -> Plan:
    """HF's hard restarts as built before `Cycles`: one piece per cycle."""
    import bisect
    import math

    from schedarray.compat import hf as H

    d = max(1, t - w)
    b = Builder()
    H._warmup(b, n, w, base)
    stop = min(n, w + d)
    length = d / cycles if cycles else math.inf
    while b.length < stop:
        s = b.length
        k = H._cycle_of(s, w, d, cycles)
        nxt = bisect.bisect_left(range(s + 1, stop), True,
                                 key=lambda i, k=k: H._cycle_of(i, w, d, cycles) > k) + s + 1
        b.add("cosine", nxt - s, (base, 0.0, length, 1.0),
              x0=float(s - w) - (k * length if k else 0.0))
    b.constant(n - b.length, 0.0)
    return b.plan()


@pytest.mark.parametrize(("w", "t", "cycles", "n"), [
    (0, 100, 10, 100), (5, 1005, 10, 1200), (3, 1000, 7, 900), (0, 50, 0, 60), (2, 12, 0.5, 20),
    (10, 4000, 333.3, 4000), (0, 30, 100, 40), (1, 2, 3, 5), (0, 10**4, 1e3 + 0.5, 10**4),
])
def test_hf_hard_restarts_bit_identical_to_per_cycle_pieces(w, t, cycles, n):
    from schedarray.compat import hf as H

    new = captured(H.get_cosine_with_hard_restarts_schedule_with_warmup, 0.1, w, t, cycles,
                   num_steps=n)
    old = old_hf_hard_restarts(0.1, w, t, cycles, n)
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    for backend in ("numpy", "numba"):
        for dtype in (np.float64, np.float32):
            assert_same_bits(render_plan(new, backend, dtype), render_plan(old, backend, dtype))


# ----------------------------------------------------------------- windows, backends, size


WINDOWED = [
    (sa.cosine_restarts, 9001, {"peak": 1e-3, "cycle_steps": 10, "cycle_warmup_steps": 3,
                                "warmup_steps": 7, "end": 1e-5}),
    (sa.cosine_restarts, 9001, {"peak": 1.0, "cycle_steps": 11, "peak_decay": 0.9}),
    (sa.cosine_restarts, 9001, {"peak": 1.0, "cycle_steps": 3000, "cycle_warmup_steps": 500}),
    (sa.cosine_restarts, 9001, {"peak": 1.0, "cycle_steps": 1}),
]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("fn", "n", "kwargs"), WINDOWED)
def test_windows_equal_slices_of_the_whole(fn, n, kwargs, dtype, backend):
    whole = fn(n, dtype=dtype, backend=backend, **kwargs)
    for a, b in [(0, n), (1, n - 1), (5, 17), (10, 20), (511, 513), (4096, 8193), (n - 1, n),
                 (n // 3, 2 * n // 3), (7, 7)]:
        got = sa.window(fn, a, b, n, dtype=dtype, backend=backend, **kwargs)
        assert_same_bits(got, whole[a:b])


@pytest.mark.parametrize(("fn", "n", "kwargs"), WINDOWED)
def test_thread_splits_equal_the_whole(fn, n, kwargs):
    from schedarray import _kernels

    plan = captured(fn, n, **kwargs)
    whole = np.empty(n)
    _kernels.fill(plan, whole, 0, n, threads=1)
    for threads in (2, 3, 4):
        got = np.empty(n)
        _kernels.fill(plan, got, 0, n, threads=threads)
        assert_same_bits(got, whole)


@pytest.mark.parametrize(("fn", "n", "kwargs"), WINDOWED)
def test_backends_agree_within_4_eps(fn, n, kwargs):
    got = fn(n, backend="numba", **kwargs)
    want = fn(n, backend="numpy", **kwargs)
    assert np.max(np.abs(got - want)) <= 4 * np.finfo(float).eps * np.max(np.abs(want))
    assert got[0] == want[0]
    assert got[-1] == want[-1]


def test_a_million_cycles_hold_no_python_object_per_cycle():
    plan = captured(sa.cosine_restarts, 10**7 + 3, peak=1.0, cycle_steps=10,
                    cycle_warmup_steps=2, warmup_steps=5)
    assert len(plan.pieces) == 2  # the warmup, then one Cycles element
    cycles = plan.pieces[1]
    assert isinstance(cycles, Cycles)
    assert cycles.cycles == 10**6
    assert cycles.starts.shape == (2,)  # a run of 999_999 equal cycles, then one cut short
    assert plan.pins == ((0, 0.0),)
    arrays = [cycles.starts, cycles.counts, cycles.sizes]
    for ph in cycles.phases:
        arrays += [v for v in (ph.begin, ph.stop, ph.x0, ph.direction, *ph.params,
                               *(x for pin in ph.pins for x in pin)) if np.ndim(v)]
    assert sum(a.nbytes for a in arrays) < 1000


def test_a_long_run_of_equal_cycles_evaluates_its_cycle_once(monkeypatch):
    # Every chunk of the run copies the cycle; it is computed once, not per chunk.
    calls = []
    evaluate = Cycles._evaluate
    monkeypatch.setattr(Cycles, "_evaluate", lambda self, *a: calls.append(1) or evaluate(self, *a))
    n = 7 * _plan.CHUNK + 105  # the last cycle, cut to 57 steps, lies in the last chunk
    kwargs = {"peak": 1.0, "cycle_steps": 100, "cycle_warmup_steps": 10, "backend": "numpy"}
    got = sa.cosine_restarts(n, **kwargs)
    assert len(calls) == 2  # the 100-step cycle, then the last one
    assert_same_bits(got[-257:-57], np.tile(got[:100], 2))
    assert_same_bits(got[-57:], sa.cosine_restarts(57, **kwargs))
    assert_same_bits(got, sa.window(sa.cosine_restarts, 0, n, n, **kwargs))


def test_decaying_cycles_are_a_few_numbers_not_arrays():
    # 10^5 cycles, each with its own peak: the peaks are one Geometric progression.
    n = 10**6 + 3
    plan = captured(sa.cosine_restarts, n, peak=1.0, cycle_steps=10, peak_decay=0.99999)
    assert len(plan.pieces) == 1
    cycles = plan.pieces[0]
    assert cycles.starts.shape == (2,)  # 10^5 cycles of 10 steps, then one of 3
    tops = cycles.phases[0].params[0]
    assert isinstance(tops, _plan.Geometric)
    assert (tops.base, tops.ratio) == (1.0, 0.99999)
    arrays = [v for ph in cycles.phases for v in (ph.begin, ph.stop, ph.x0, ph.direction,
                                                  *ph.params) if isinstance(v, np.ndarray)]
    assert sum(a.nbytes for a in arrays) <= 100  # per run (the last cycle is shorter)
    got = sa.cosine_restarts(n, peak=1.0, cycle_steps=10, peak_decay=0.99999)
    k = np.array([0, 1, 2, 777, 99_999, 100_000])
    assert got[10 * k].tolist() == [0.99999 ** int(i) for i in k]  # Python's power, exactly


def test_distinct_cycles_are_arrays_not_objects():
    cycle = {"init_value": 0.0, "warmup_steps": 2, "decay_steps": 10}
    kwargs = [dict(cycle, peak_value=1.0 + i % 7) for i in range(10**4)]
    from schedarray.compat import optax

    plan = captured(optax.sgdr_schedule, 10**5, kwargs)
    cycles = plan.pieces[0]
    assert isinstance(cycles, Cycles)
    assert cycles.starts.shape == (9999,)
    assert any(isinstance(q, np.ndarray) for ph in cycles.phases for q in ph.params)


def test_window_of_a_huge_number_of_cycles_costs_the_window():
    # 3e6 one-step cycles, then 7e11 steps in 7-step cycles: O(1) plans, O(window) rendering.
    got = sa.window(sa.cosine_restarts, 0, 10, 3_000_000, peak=1.0, cycle_steps=1)
    assert np.array_equal(got, np.ones(10))
    n = 7 * 10**11
    got = sa.window(sa.cosine_restarts, n - 14, n, n, peak=1.0, cycle_steps=7,
                    backend="numpy")
    assert_same_bits(got, np.tile(sa.cosine(7, start=1.0), 2))


def old_keras_polynomial_cycles(n, init, period, end, power) -> Plan:
    import math

    from schedarray.compat import keras as K

    def multiplier(t):
        return 1 if t == 0 else math.ceil(K._keras_round(np.float64(t) / period))

    builder, at = Builder(), 0
    while at < n:
        k = multiplier(at)
        stop = K._first(lambda t, k=k: multiplier(t) > k, math.floor(k * period) + 1, at, n)
        builder.add("polynomial", stop - at, (init, end, period * k, power), x0=float(at))
        at = stop
    return builder.plan()


@pytest.mark.parametrize("n", [1, 2, 3, 50, 3001])
@pytest.mark.parametrize(("period", "power"), [(2.0, 1.0), (10.0, 0.5), (2.5, 2.0), (1.0, 1.0),
                                               (0.6, 1.0), (100.0, 3.0)])
def test_keras_polynomial_cycles_bit_identical_to_per_cycle_pieces(n, period, power):
    from schedarray.compat import keras as K

    new = captured(K.polynomial_decay, n, 1.0, period, 0.01, power, cycle=True)
    old = old_keras_polynomial_cycles(n, 1.0, period, 0.01, power)
    assert list(new.phases()) == [(p.offset, p.kind) for p in old.pieces]
    for backend in ("numpy", "numba"):
        assert_same_bits(render_plan(new, backend), render_plan(old, backend))


def _kind_cases():
    from tests.test_kernels import KIND_PLANS

    for kind, plans in KIND_PLANS.items():
        for i, plan in enumerate(plans):
            yield pytest.param(plan, id=f"{kind}{i}")


@pytest.mark.parametrize("plan", list(_kind_cases()))
def test_every_kind_cycles_like_its_pieces(plan):
    # Every kind through the Cycles element (and its compiled per-kind loop): three
    # equal cycles, then one a step shorter, equal to the four pieces bit for bit.
    from schedarray import _kernels

    piece = plan.pieces[0]
    size = min(piece.length, 700)
    pins = tuple((i, v) for i, v in plan.pins if i < size)
    new = Builder().cycles([size, size - 1], [3, 1], [
        _plan.Phase(piece.kind, np.array([size, size - 1]), piece.params, piece.x0,
                    piece.direction, pins)]).plan()
    old = Builder()
    for n in (size, size, size, size - 1):
        old.add(piece.kind, n, piece.params, x0=piece.x0, direction=piece.direction, pins=pins)
    old = old.plan()
    assert_same_bits(render_plan(new, "numpy"), render_plan(old, "numpy"))
    for route in (False, True):
        for dtype in (np.float64, np.float32):
            got, want = (np.empty(p.length, dtype=dtype) for p in (new, old))
            _kernels.fill(new, got, 0, new.length, route=route)
            _kernels.fill(old, want, 0, old.length, route=route)
            assert_same_bits(got, want)


@pytest.mark.parametrize("exponents", [(1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 2.0, 2.0)])
def test_geometric_peaks_are_those_of_one_cycle_each(exponents):
    # Runs of cycles whose peaks decay (a Geometric progression over the cycle numbers),
    # split where a branch parameter changes (the second element counts on from the
    # first): the same bits as one piece per cycle with peak 0.8 ** k, on every path.
    from schedarray import _kernels, _vectorized

    sizes, counts = np.array([6, 6, 9, 4]), np.array([40, 1, 30, 1])
    peak, k0 = _plan.Geometric(2.0, 0.8, 3), 3
    new = Builder().cycles(sizes, counts, [
        _plan.Phase("linear", 2, (0.5, peak, 2.0), pins=((0, 0.5),)),
        _plan.Phase("cosine", sizes - 2, (peak, 0.1, (sizes - 3).astype(float),
                                          np.array(exponents)), pins=((0, peak),))]).plan()
    assert len(new.pieces) == 1 + (exponents[2] != exponents[0])
    old, k = Builder(), k0
    for size, count, exponent in zip(sizes.tolist(), counts.tolist(), exponents, strict=True):
        for _ in range(count):
            top = 2.0 * 0.8**k
            old.add("linear", 2, (0.5, top, 2.0), pins=((0, 0.5),))
            old.add("cosine", size - 2, (top, 0.1, float(size - 3), exponent), pins=((0, top),))
            k += 1
    old = old.plan()
    want = render_plan(old, "numpy")
    assert_same_bits(render_plan(new, "numpy"), want)
    with pytest.MonkeyPatch.context() as patch:  # every element by the per-element path
        patch.setattr(Cycles, "_rows", lambda self, r, g, a, b: None)
        assert_same_bits(render_plan(new, "numpy"), want)
    for a, b in ((0, new.length), (7, 250), (241, 242), (300, new.length)):
        got = np.empty(b - a)
        fill_numpy(new, got, a, b)
        assert_same_bits(got, want[a:b])
    for dtype in (np.float64, np.float32):
        got, kern = (np.empty(new.length, dtype=dtype) for _ in range(2))
        _kernels.fill(new, got, 0, new.length, route=False)
        _kernels.fill(old, kern, 0, old.length, route=False)
        assert_same_bits(got, kern)
        vec = np.empty(new.length, dtype=dtype)  # short cycles: the element's NumPy path
        _vectorized.fill(new, vec, 0, new.length)
        assert_same_bits(vec, want.astype(dtype))
    pieces = [p for e in new.pieces for p, _ in e.pieces()]
    assert [p.params for p in pieces] == [p.params for p in old.pieces]
    # Only a blend's start or end may be a progression (its range is checked at the ends).
    for phase in (_plan.Phase("cosine", 5, (1.0, 0.0, peak, 1.0)),
                  _plan.Phase("exponential", 5, (peak, 0.5, 2.0, 0.0))):
        with pytest.raises(AssertionError, match="Geometric"):
            Builder().cycles([5], [3], [phase])


def test_geometric_peaks_of_long_cycles_are_the_kernels_values():
    # Long cycles: the vectorized path fills them like pieces, the kernels' values.
    from schedarray import _kernels, _vectorized

    plan = captured(sa.cosine_restarts, 3 * _vectorized.LONG_CYCLE + 77, peak=1.0,
                    cycle_steps=_vectorized.LONG_CYCLE, peak_decay=0.5, cycle_warmup_steps=9)
    assert isinstance(plan.pieces[0].phases[1].params[0], _plan.Geometric)
    got, want = np.empty(plan.length), np.empty(plan.length)
    _vectorized.fill(plan, got, 0, plan.length)
    _kernels.fill(plan, want, 0, plan.length)
    whole = 3 * _vectorized.LONG_CYCLE  # the last, short cycle takes the element's NumPy path
    assert_same_bits(got[:whole], want[:whole])
    assert want[_vectorized.LONG_CYCLE * 2 + 9] == 0.5**2


def test_blend_of_parts_is_the_blend_of_the_whole():
    # blend computes only the side(s) of c = 1/2 its elements need: any split of the
    # weights gives the bits of the whole, for per-row starts and ends too.
    from schedarray._formulas import WEIGHTS, blend

    x = np.linspace(0.0, 37.0, 38)
    for kind, shape in (("cosine", (37.0, 1.0)), ("cosine", (37.0, 2.0)),
                        ("polynomial", (37.0, 0.5)), ("one_minus_sqrt", (37.0,))):
        c, rest = WEIGHTS[kind](x, *shape)
        start, end = np.array([[1.0, 3e-3, -2.0]]), np.array([[0.0, 1e-5, 5.0]])
        whole = blend((c[:, None], None if rest is None else rest[:, None]), start, end,
                      out=np.empty((38, 3)))
        for cut in (0, 1, 9, 18, 19, 37, 38):
            parts = [blend((c[a:b, None], None if rest is None else rest[a:b, None]),
                           start, end, out=np.empty((b - a, 3)))
                     for a, b in ((0, cut), (cut, 38))]
            assert_same_bits(np.concatenate(parts), whole)


def test_tile_writes_the_periodic_sequence_from_any_phase():
    from schedarray._plan import _tile

    template = np.arange(7.0)
    for n in range(30):
        for first in range(20):
            out = np.empty(n)
            _tile(out, template, first)
            assert np.array_equal(out, template[(np.arange(n) + first) % 7])


@pytest.mark.parametrize("kwargs", [{"cycle_steps": 5000},
                                    {"cycle_steps": 5000, "cycle_warmup_steps": 100,
                                     "peak_decay": 0.9},
                                    {"cycle_steps": 300, "cycle_mul": 2.0}])
def test_vectorized_long_cycles_are_the_kernels_and_windows_the_slices(kwargs):
    # Cycles of >= LONG_CYCLE steps are filled like single pieces (the kernels' values);
    # shorter ones by the element's NumPy path. Either way windows equal the slices.
    from schedarray import _kernels, _vectorized

    n = 200_003
    with _plan.recording() as plans:
        sa.cosine_restarts(n, peak=1.0, warmup_steps=77, backend="numpy", **kwargs)
    plan = plans[0]
    for dtype in (np.float64, np.float32):
        got, want = np.empty(n, dtype), np.empty(n, dtype)
        _vectorized.fill(plan, got, 0, n)
        _kernels.fill(plan, want, 0, n)
        if kwargs["cycle_steps"] >= _vectorized.LONG_CYCLE:
            assert np.array_equal(got, want)
        else:
            assert np.max(np.abs(got - want.astype(np.float64))) <= 4 * np.finfo(dtype).eps
        for a, b in [(1, n - 1), (4999, 5001), (123_456, 200_000), (5, 5)]:
            part = np.empty(b - a, dtype)
            _vectorized.fill(plan, part, a, b)
            assert np.array_equal(part, got[a:b])


# ---------------------------------------------------------------- distinct cycles as rows

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(size=st.integers(2, 40), warmup=st.integers(0, 3), decay=st.floats(0.5, 0.9999),
       end=st.sampled_from([0.0, 0.1]), a=st.integers(0, 150_000), width=st.integers(1, 90_000))
def test_distinct_cycles_as_rows_are_the_same_bits_as_per_element(
        size, warmup, decay, end, a, width):
    # Whole single cycles of one layout are filled as the rows of a 2-D view; parts of
    # cycles (a window's or a chunk's edges) per element: every step the same bits.
    n = 150_001  # more than two NumPy chunks
    kwargs = {"cycle_steps": size, "peak": 1.0, "end": end, "peak_decay": decay,
              "cycle_warmup_steps": min(warmup, size - 1), "backend": "numpy"}
    whole = sa.cosine_restarts(n, **kwargs)
    b = min(a + width, n)
    assert_same_bits(sa.window(sa.cosine_restarts, a, b, n, **kwargs), whole[a:b])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Cycles, "_rows", lambda self, r, g, a, b: None)
        assert_same_bits(sa.cosine_restarts(n, **kwargs), whole)


@pytest.mark.parametrize("case", [
    ("cosine", {}), ("cosine", {"k_decay": 1.5}), ("poly", {"power": 0.5}),
    ("poly", {"power": 2.0, "k_decay": 0.7}), ("tanh", {}),
])
@pytest.mark.parametrize("t_initial", [3, 7, 1_000])
def test_decaying_cycles_blend_one_row_of_weights_with_each_cycles_peak(case, t_initial):
    # Cycles that differ only in their peak: the weights of one cycle, blended with
    # each row's start and end (along the cycles when there are more cycles than
    # steps), are the same bits as the formula on every element.
    from schedarray.compat import timm

    kind, extra = case
    f = {"cosine": timm.cosine_lr_scheduler, "poly": timm.poly_lr_scheduler,
         "tanh": timm.tanh_lr_scheduler}[kind]
    kwargs = {"base_lr": 0.1, "num_steps": 90_001, "t_initial": t_initial, "lr_min": 1e-4,
              "cycle_decay": 0.93, "cycle_limit": 10**6, "warmup_t": 5,
              "warmup_lr_init": 1e-5, "t_in_epochs": False, "backend": "numpy", **extra}
    whole = f(**kwargs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("schedarray._plan.WEIGHTS", {})
        assert_same_bits(f(**kwargs), whole)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Cycles, "_rows", lambda self, r, g, a, b: None)
        assert_same_bits(f(**kwargs), whole)
    if kind == "tanh" or extra.get("power", 1.0) not in (1.0, 2.0):
        # The kernels hand these phases to the NumPy path (their formula's values), one
        # phase at a time: the rows in a scratch keep the other phases' steps.
        assert_same_bits(f(**{**kwargs, "backend": "numba"}), whole)
