"""join, per_epoch, scale, clip, groups, layer_decay and envelope."""

import math

import numpy as np
import pytest

import schedarray as sa


def test_join_is_concatenation_into_one_buffer():
    a, b = sa.linear(3, start=0.0, end=1.0, endpoint=False), sa.cosine(4, start=1.0)
    out = np.empty(7)
    assert sa.join(a, b, out=out) is out
    assert np.array_equal(out, np.concatenate([a, b]))
    assert sa.join(a.astype(np.float32)).dtype == np.float32
    assert sa.join(a.astype(np.float32), b).dtype == np.float64
    assert sa.join([1, 2]).dtype == np.float64


@pytest.mark.parametrize(("parts", "exc", "message"), [
    ((), ValueError, r"^join needs at least one part, got none$"),
    (([[1.0]],), ValueError, r"^parts\[0\] must be 1-D, got parts\[0\]\.shape=\(1, 1\)$"),
    (([1.0], [math.nan]), ValueError, r"^parts\[1\] must be finite, got parts\[1\]\[0\]=nan$"),
    ((["a"],), TypeError, r"^parts\[0\] must be a 1-D array of numbers, got dtype <U1$"),
    (([True],), TypeError, r"^parts\[0\] must be a 1-D array of numbers, got dtype bool$"),
])
def test_join_rejects_bad_parts(parts, exc, message):
    with pytest.raises(exc, match=message):
        sa.join(*parts)


def test_per_epoch_is_a_staircase_of_the_right_length():
    got = sa.per_epoch(np.array([1.0, 0.5, 0.25]), 4)
    assert got.tolist() == [1.0] * 4 + [0.5] * 4 + [0.25] * 4
    out = np.empty(12, dtype=np.float32)
    assert sa.per_epoch([1.0, 0.5, 0.25], 4, out=out) is out
    with pytest.raises(ValueError, match=r"^steps_per_epoch must be >= 1, got steps_per_epoch=0$"):
        sa.per_epoch([1.0], 0)


def test_the_seed_epochwise_lambda_recipe_natively():
    # The seed's LambdaLR recipe: factor(e) = e / W for e < W, then 0.5 (cos(pi (e - W) / (E - W)) + 1),
    # evaluated once per epoch and used for every step of that epoch.
    W, E, base_lr, spe = 3, 10, 0.1, 7

    def warm_up_lr(epoch):
        if epoch < W:
            return epoch / W
        return 0.5 * (math.cos((epoch - W) / (E - W) * math.pi) + 1)

    factor = sa.join(sa.linear(W, start=0.0, end=1.0, endpoint=False),
                     sa.cosine(E - W, start=1.0, end=0.0, endpoint=False))
    lr = sa.per_epoch(sa.scale(factor, base_lr), spe)
    expected = [base_lr * warm_up_lr(step // spe) for step in range(E * spe)]
    np.testing.assert_allclose(lr, expected, rtol=0, atol=4 * np.finfo(float).eps * base_lr)
    assert len(lr) == E * spe


def test_scale_and_clip():
    assert sa.scale([1.0, 0.5], 2.0).tolist() == [2.0, 1.0]
    assert sa.clip([0.0, 0.5, 1.0], low=0.1).tolist() == [0.1, 0.5, 1.0]
    assert sa.clip([0.0, 0.5, 1.0], high=0.2).tolist() == [0.0, 0.2, 0.2]
    with pytest.raises(ValueError, match=r"^low must be <= high, got low=1\.0, high=0\.0$"):
        sa.clip([0.5], low=1.0, high=0.0)
    with pytest.raises(ValueError, match=r"^factor must be finite, got factor=nan$"):
        sa.scale([1.0], math.nan)


def test_groups_give_one_column_per_parameter_group():
    lr = sa.warmup_cosine(20, peak=1e-3, warmup_steps=4)
    scales = sa.layer_decay(3, 0.65)
    table = sa.groups(lr, scales)
    assert table.shape == (20, 5)
    assert np.array_equal(table[:, -1], lr)  # the head keeps the full rate
    assert np.array_equal(table[:, 0], lr * 0.65**4)
    with pytest.raises(ValueError, match=r"^out must have shape \(20, 5\)"):
        sa.groups(lr, scales, out=np.empty((20, 4)))


def test_layer_decay_matches_beit_convnext():
    assert sa.layer_decay(4, 0.75).tolist() == [0.75 ** (4 + 1 - j) for j in range(6)]
    with pytest.raises(ValueError, match=r"^decay must be in \(0, 1\], got decay=1\.5$"):
        sa.layer_decay(4, 1.5)


def test_envelope_over_any_schedule():
    base = sa.inverse_sqrt(10, start=1.0, timescale=2.0)
    got = sa.envelope(base, warmup_steps=4, cooldown_steps="20%")
    factors = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    np.testing.assert_allclose(got, base * factors, rtol=1e-15, atol=0)
    assert got[0] == 0.0
    assert got[-1] == 0.0
    assert np.array_equal(base, sa.inverse_sqrt(10, start=1.0, timescale=2.0))  # input untouched
    with pytest.raises(ValueError, match=r"^warmup_steps \+ cooldown_steps must be <= the length"):
        sa.envelope(base, warmup_steps=6, cooldown_steps=5)


# ---------------------------------------------------------------------------- windows (issue 12)

_V = sa.warmup_cosine(12, peak=1.0, warmup_steps=3, end=0.1)


@pytest.mark.parametrize(("op", "args", "kwargs"), [
    (sa.join, (_V[:5], _V[5:]), {}),
    (sa.join, (_V, _V[::-1]), {}),
    (sa.scale, (_V, 0.5), {}),
    (sa.clip, (_V,), {"low": 0.2, "high": 0.9}),
    (sa.per_epoch, (_V[:4], 3), {}),
    (sa.envelope, (_V,), {"warmup_steps": 3, "cooldown_steps": 4}),
    (sa.groups, (_V, [1.0, 0.5, 0.25]), {}),
    (sa.groups, (_V, sa.layer_decay(2, 0.75)), {}),
])
def test_window_of_a_composition_is_the_slice_of_the_whole(op, args, kwargs):
    whole = op(*args, **kwargs)
    n = whole.shape[0]
    for a in range(n + 1):
        for b in range(a, n + 1):
            got = sa.window(op, a, b, *args, **kwargs)
            assert got.shape == (b - a, *whole.shape[1:])
            assert got.dtype == whole.dtype
            assert got.tobytes() == whole[a:b].tobytes()
    with pytest.raises(ValueError, match=rf"^window must lie inside the schedule, got "
                                         rf"stop={n + 1}, total_steps={n}$"):
        sa.window(op, 0, n + 1, *args, **kwargs)


def test_window_of_a_composition_writes_out():
    out = np.empty(3, dtype=np.float32)
    assert sa.window(sa.scale, 2, 5, _V, 2.0, out=out) is out
    assert out.tolist() == (_V[2:5] * 2.0).astype(np.float32).tolist()
    with pytest.raises(ValueError, match=r"^out must have length 3, got len\(out\)=12$"):
        sa.window(sa.join, 0, 3, _V, out=np.empty(12))


def test_window_shapes_at_the_edges():
    assert sa.window(sa.scale, 0, 0, _V, 2.0).shape == (0,)
    assert sa.window(sa.groups, 0, 0, _V, [1.0, 2.0]).shape == (0, 2)
    assert sa.window(sa.join, 0, 2, _V, _V).shape == (2,)


def test_join_reads_every_part_before_writing_an_out_that_aliases_it():
    buf = np.arange(4.0)
    assert sa.join(buf[1:4], buf[0:1], out=buf) is buf
    assert buf.tolist() == [1.0, 2.0, 3.0, 0.0]
    buf = np.arange(6.0)
    sa.join(buf[3:], buf[:3], out=buf)
    assert buf.tolist() == [3.0, 4.0, 5.0, 0.0, 1.0, 2.0]
    buf = np.arange(6.0)
    assert sa.window(sa.join, 1, 4, buf, out=buf[2:5]).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(("op", "args"), [
    (sa.scale, (0.5,)), (sa.clip, ()), (sa.envelope, ()), (sa.per_epoch, (1,)),
])
def test_an_out_that_aliases_the_input_gives_the_same_values(op, args):
    buf = _V.copy()
    expected = op(_V.copy(), *args)
    assert op(buf, *args, out=buf).tolist() == expected.tolist()


def test_one_step_windows_of_powers_equal_the_step_of_the_whole():
    # NumPy's power(scalar, array) takes sqrt/square/reciprocal shortcuts for a
    # one-element array whose value is 0.5, 2 or -1 (1 ulp off its vector pow).
    end = 0.9286317892234989
    whole = sa.exponential(2, start=1.0, end=end, endpoint=False)
    assert sa.window(sa.exponential, 1, 2, 2, start=1.0, end=end, endpoint=False)[0] == whole[1]
    rng = np.random.default_rng(7)
    for rate in rng.uniform(0.05, 0.99, 200).tolist():
        for period, step in [(2, 1), (1, 2)]:  # exponents 0.5 and 2
            whole = sa.exponential(4, start=1.0, rate=rate, transition_steps=period)
            one = sa.window(sa.exponential, step, step + 1, 4, start=1.0, rate=rate,
                            transition_steps=period)
            assert one[0] == whole[step]
        whole = sa.cyclic(6, low=0.1, high=1.0, step_size_up=2, mode="exp_range", gamma=rate)
        assert sa.window(sa.cyclic, 2, 3, 6, low=0.1, high=1.0, step_size_up=2,
                         mode="exp_range", gamma=rate)[0] == whole[2]


# ---------------------------------------------------------------------------- compat joins


def test_window_of_a_huge_sequential_lr_computes_only_the_window():
    from schedarray.compat import torch as T

    half = 10**10
    parts = [lambda k: sa.cosine(k, start=1.0), lambda k: sa.linear(k, start=0.5, end=0.0)]
    got = sa.window(T.sequential_lr, half - 5, half + 5, parts, [half], 2 * half)
    assert got.shape == (10,)
    assert got[:5].tolist() == sa.window(sa.cosine, half - 5, half, half, start=1.0).tolist()
    assert got[5:].tolist() == sa.window(sa.linear, 0, 5, half, start=0.5, end=0.0).tolist()


def test_window_of_sequential_lr_equals_the_slice_for_arrays_and_callables():
    from schedarray.compat import torch as T

    parts = [T.linear_lr(1.0, 4, start_factor=0.25, total_iters=3).astype(np.float32),
             lambda k: T.cosine_annealing_lr(1.0, k + 3, T_max=k),
             lambda k: np.full(k + 2, 0.125)]  # ignores the window: sliced instead
    whole = T.sequential_lr(parts, [3, 9], 14)
    assert whole.dtype == np.float64
    for a in range(15):
        for b in range(a, 15):
            got = sa.window(T.sequential_lr, a, b, parts, [3, 9], 14)
            assert got.dtype == whole.dtype
            assert got.tobytes() == whole[a:b].tobytes()
    two = [np.ones((4, 2)), lambda k: np.full((k, 2), 0.5)]
    assert sa.window(T.sequential_lr, 0, 0, two, [4], 8).shape == (0, 2)
    assert sa.window(T.sequential_lr, 3, 6, two, [4], 8).tolist() == [[1.0, 1.0]] + [[0.5] * 2] * 2
    with pytest.raises(ValueError, match=r"^schedulers\[1\] must cover its 4 steps \(from step 4 "
                                         r"to 8\), got len\(schedulers\[1\]\)=1$"):
        sa.window(T.sequential_lr, 0, 2, [np.ones(4), lambda k: [1.0]], [4], 8)


def test_window_of_chained_scheduler_and_join_schedules_equal_the_slice():
    from functools import partial

    from schedarray.compat import optax as O
    from schedarray.compat import torch as T

    chained = [T.step_lr([1.0, 2.0], 9, 4), T.exponential_lr([1.0, 2.0], 9, 0.9)]
    whole = T.chained_scheduler(chained, [1.0, 2.0])
    for a, b in [(0, 0), (0, 9), (3, 7), (8, 9)]:
        got = sa.window(T.chained_scheduler, a, b, chained, [1.0, 2.0])
        assert got.shape == (b - a, 2)
        assert got.tobytes() == whole[a:b].tobytes()
    big = 10**10
    parts = [partial(O.cosine_decay_schedule, init_value=1.0, decay_steps=big),
             partial(O.linear_schedule, init_value=0.5, end_value=0.0, transition_steps=big)]
    got = sa.window(O.join_schedules, big - 2, big + 2, 2 * big, parts, [big])
    assert got.tolist() == [*sa.window(parts[0], big - 2, big, big + 1).tolist(),
                            *sa.window(parts[1], 0, 2, big).tolist()]


def test_sequential_lr_reads_an_out_that_aliases_a_part_first():
    from schedarray.compat import torch as T

    buf = np.arange(4.0)
    assert T.sequential_lr([buf[2:4], buf[0:2]], [2], out=buf) is buf
    assert buf.tolist() == [2.0, 3.0, 0.0, 1.0]
    buf = np.arange(3.0)
    assert T.chained_scheduler([buf], 1.0, out=buf[::-1]).tolist() == [0.0, 1.0, 2.0]


# ---------------------------------------------------------------------------- window property

from functools import partial  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from schedarray.compat import optax as O  # noqa: E402
from schedarray.compat import torch as T  # noqa: E402
from tests.test_contract import SAMPLES  # noqa: E402


def _native(name, n, dtype, x):
    kwargs = dict(SAMPLES[name])
    if name == "exponential":
        kwargs["rate"] = x
    return partial(sa.SCHEDULES[name], n, dtype=dtype, **kwargs)


def _compositions(n, dtype, x=0.9286317892234989):
    """``name -> f`` with ``f()`` a composition (of about `n` steps)."""
    half = n // 2
    a = sa.warmup_cosine(n, peak=1.0, warmup_steps="20%", end=0.01, dtype=dtype)
    b = sa.exponential(n, start=1.0, end=0.9286317892234989, endpoint=False, dtype=dtype)
    cosine = partial(sa.cosine, start=1.0, end=0.1, dtype=dtype)
    spec = {"name": "join", "parts": [
        {"name": "linear", "total_steps": half, "start": 0.0, "end": 1.0, "endpoint": False},
        {"name": "envelope", "cooldown_steps": "10%", "values": {
            "name": "scale", "factor": 0.5, "values": {
                "name": "cosine_restarts", "total_steps": n - half, "peak": 1.0,
                "cycle_steps": 2}}}]} if half else {"name": "cosine", "total_steps": n,
                                                    "start": 1.0}
    return {
        "join": partial(sa.join, a[:half], b[half:]),
        "scale": partial(sa.scale, a, 0.3),
        "clip": partial(sa.clip, b, low=0.95, high=0.99),
        "multiply": partial(sa.multiply, a, b),
        "add": partial(sa.add, a, b),
        "groups": partial(sa.groups, a, [1.0, 0.5]),
        "layer_decay": partial(sa.groups, b, sa.layer_decay(3, 0.75)),
        "envelope": partial(sa.envelope, b, warmup_steps="30%", cooldown_steps="30%"),
        "per_epoch": partial(sa.per_epoch, a[: max(n // 3, 1)], 3),
        "spec": partial(sa.from_spec, spec),
        "sequential_lr": partial(T.sequential_lr, [a[: half + 1], cosine], [half], n),
        "chained_scheduler": partial(T.chained_scheduler, [a, b], 1.0),
        "join_schedules": partial(O.join_schedules, n, [partial(
            O.cosine_decay_schedule, init_value=1.0, decay_steps=max(half, 1)), b], [half]),
        "sgdr": partial(O.sgdr_schedule, n, [{"init_value": 0.0, "peak_value": 1.0,
                                                  "warmup_steps": 1, "decay_steps": 3}] * 4),
        "exponential_end": partial(sa.exponential, n, start=1.0, end=x, endpoint=False,
                                   dtype=dtype),
    }


NAMES = sorted(SAMPLES) + sorted(_compositions(4, np.float64))


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(NAMES), n=st.integers(1, 120),
       dtype=st.sampled_from([np.float64, np.float32]), x=st.floats(0.05, 0.99), data=st.data())
def test_any_window_of_any_schedule_is_the_slice_of_the_whole(name, n, dtype, x, data):
    fn = _native(name, n, dtype, x) if name in SAMPLES else _compositions(n, dtype, x)[name]
    whole = fn()
    start = data.draw(st.integers(0, whole.shape[0]), label="start")
    stop = data.draw(st.integers(start, whole.shape[0]), label="stop")
    got = sa.window(fn, start, stop)
    assert got.shape == (stop - start, *whole.shape[1:])
    assert got.dtype == whole.dtype
    assert got.tobytes() == whole[start:stop].tobytes()
    for i in (start, stop - 1) if stop > start else ():  # one-step windows
        assert sa.window(fn, i, i + 1).tobytes() == whole[i : i + 1].tobytes()


def test_empty_window_of_join_schedules_calls_no_part():
    # Found by the window property test: an empty window asked the first part for 0 steps.
    part = partial(O.cosine_decay_schedule, init_value=1.0, decay_steps=5)
    for a in range(3):
        got = sa.window(O.join_schedules, a, a, 2, [part, part], [1])
        assert got.shape == (0,)
