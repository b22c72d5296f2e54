"""Landmarks where real recipes put them: endpoint=False, real-valued knots, warmup
offsets, early decay ends, rounding of durations, empty holds (issue 13, item 1)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa

EPS = np.finfo(np.float64).eps

COMPOSITES = [
    (sa.warmup_cosine, {"peak": 1.0, "warmup_steps": 3, "start": 0.1, "end": 0.01}),
    (sa.warmup_linear, {"peak": 2.0, "warmup_steps": 2, "end": 0.5}),
    (sa.warmup_decay, {"peak": 1.0, "warmup_steps": 4, "warmup": "cosine", "decay": "rex"}),
    (sa.warmup_decay, {"peak": 1.0, "warmup_steps": 2, "decay": "polynomial",
                       "decay_options": {"power": 2.0}, "end": 0.1}),
    (sa.wsd, {"peak": 1.0, "warmup_steps": 2, "decay_steps": 4, "decay": "cosine"}),
    (sa.wsd, {"peak": 1.0, "warmup_steps": 2, "decay_steps": 3, "stable": "inverse_sqrt",
              "timescale": 2.0, "decay": "one_minus_sqrt"}),
    (sa.cosine_restarts, {"peak": 1.0, "cycle_steps": 4, "cycle_mul": 1.5, "end": 0.1}),
    (sa.one_cycle, {"peak": 1.0, "warmup_steps": 3}),
    (sa.one_cycle, {"peak": 1.0, "warmup_steps": 3, "three_phase": True, "anneal": "linear"}),
    (sa.one_cycle_momentum, {"warmup_steps": 3}),
]


@pytest.mark.parametrize(("fn", "kwargs"), COMPOSITES)
@pytest.mark.parametrize("n", [8, 9, 13, 40])
def test_endpoint_false_is_one_step_longer_cut(fn, kwargs, n):
    got = fn(n, **kwargs, endpoint=False)
    longer = dict(kwargs)
    if fn is sa.wsd:  # the cooldown keeps the last decay_steps steps, ending one step later
        longer["decay_steps"] += 1
    assert np.array_equal(got, fn(n + 1, **longer)[:-1])
    assert np.array_equal(fn(n, **kwargs, endpoint=True), fn(n, **kwargs))


def test_endpoint_false_works_with_epoch_totals():
    got = sa.warmup_cosine("3ep", peak=1.0, warmup_steps="1ep", steps_per_epoch=4,
                           endpoint=False)
    assert np.array_equal(got, sa.warmup_cosine(13, peak=1.0, warmup_steps=4)[:-1])


def test_endpoint_false_is_huggingface_cosine():
    n, w = 50, 7
    ref = [s / w if s < w else 0.5 * (1 + math.cos(math.pi * (s - w) / (n - w)))
           for s in range(n)]
    got = sa.warmup_cosine(n, peak=1.0, warmup_steps=w, endpoint=False)
    assert np.max(np.abs(got - ref)) <= 4 * EPS


def test_endpoint_must_be_a_bool():
    with pytest.raises(TypeError, match=r"^endpoint must be a bool, got endpoint=0$"):
        sa.wsd(10, peak=1.0, decay_steps=2, endpoint=0)
    with pytest.raises(TypeError, match=r"^endpoint must be a bool, got endpoint='no'$"):
        sa.envelope([1.0] * 4, cooldown_steps=2, endpoint="no")


def test_envelope_endpoint_false_is_big_vision():
    n, w, c = 20, 3, 5
    base = sa.cosine(n, start=2.0, end=0.5)
    ref = [base[i] * min(1.0, i / w) * min(1.0, (n - i) / c) for i in range(n)]
    got = sa.envelope(base, warmup_steps=w, cooldown_steps=c, endpoint=False)
    assert np.max(np.abs(got - ref)) <= 4 * EPS * 2.0
    assert got[-1] != 0.0


# --- warmup offset -----------------------------------------------------------------


def test_warmup_offset_one_is_nanogpt():
    n, w, peak = 30, 5, 6e-4
    got = sa.warmup_cosine(n, peak=peak, warmup_steps=w, warmup_offset=1)
    ref = [peak * (i + 1) / (w + 1) if i < w else
           0.5 * (1 + math.cos(math.pi * (i - w) / (n - 1 - w))) * peak for i in range(n)]
    assert np.max(np.abs(got - ref)) <= 4 * EPS * peak
    assert got[w] == peak
    assert got[-1] == 0.0


@pytest.mark.parametrize("warmup", ["linear", "cosine", "exponential", "one_minus_sqrt"])
def test_warmup_offset_shifts_any_warmup_shape(warmup):
    start = 0.01 if warmup == "exponential" else 0.0
    got = sa.warmup_decay(12, peak=1.0, warmup_steps=4, start=start, warmup=warmup,
                          warmup_offset=2)
    longer = sa.warmup_decay(14, peak=1.0, warmup_steps=6, start=start, warmup=warmup,
                             decay="constant")
    assert np.max(np.abs(got[:4] - longer[2:6])) <= 4 * EPS
    assert got[4] == 1.0


def test_warmup_offset_must_be_nonnegative():
    with pytest.raises(ValueError, match=r"^warmup_offset must be >= 0, got warmup_offset=-1$"):
        sa.warmup_cosine(10, peak=1.0, warmup_steps=2, warmup_offset=-1)


# --- a decay that ends early and holds ----------------------------------------------


def test_decay_steps_ends_early_then_holds():
    n, w, d = 20, 3, 10
    got = sa.warmup_cosine(n, peak=1.0, warmup_steps=w, end=0.1, decay_steps=d)
    assert np.array_equal(got[: w + d], sa.warmup_cosine(w + d, peak=1.0, warmup_steps=w,
                                                         end=0.1))
    assert np.all(got[w + d:] == 0.1)
    assert np.array_equal(sa.warmup_cosine(n, peak=1.0, warmup_steps=w, decay_steps=n - w),
                          sa.warmup_cosine(n, peak=1.0, warmup_steps=w))


@pytest.mark.parametrize("decay", ["constant", "inverse_sqrt"])
def test_decay_steps_needs_a_decay_with_an_end(decay):
    options = {"timescale": 2.0} if decay == "inverse_sqrt" else None
    with pytest.raises(ValueError, match=rf"^decay_steps applies to a decay that reaches end, "
                                         rf"got decay='{decay}', decay_steps=3$"):
        sa.warmup_decay(10, peak=1.0, decay=decay, decay_options=options, decay_steps=3)


def test_decay_steps_must_fit():
    with pytest.raises(ValueError, match=r"^warmup_steps \+ decay_steps must be <= total_steps, "
                                         r"got warmup_steps=3, decay_steps=9, total_steps=10$"):
        sa.warmup_linear(10, peak=1.0, warmup_steps=3, decay_steps=9)


# --- real-valued knots ---------------------------------------------------------------


def _naive_interp(n, steps, values, shapes):
    out = []
    for i in range(n):
        if i < steps[0]:
            out.append(values[0])
            continue
        if i >= steps[-1]:
            out.append(values[-1])
            continue
        k = max(j for j in range(len(steps) - 1) if steps[j] <= i and i < steps[j + 1])
        a, b = values[k], values[k + 1]
        p = (i - steps[k]) / (steps[k + 1] - steps[k])
        c = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)),
             "constant": 1.0}[shapes[k]]
        out.append(b + (a - b) * c)
    return np.array(out)


@settings(deadline=None, max_examples=60)
@given(n=st.integers(1, 60),
       knots=st.lists(st.tuples(st.floats(-5, 70, allow_nan=False), st.floats(-3, 3),
                                st.sampled_from(["linear", "cosine", "constant"])),
                      min_size=1, max_size=6))
def test_interp_matches_a_naive_reference(n, knots):
    knots.sort(key=lambda t: t[0])
    steps = [t[0] for t in knots]
    values = [t[1] for t in knots]
    shapes = [t[2] for t in knots[:-1]]
    got = sa.interp(n, steps=steps, values=values, shapes=shapes)
    ref = _naive_interp(n, steps, values, shapes)
    scale = max(1.0, max(abs(v) for v in values))
    assert np.max(np.abs(got - ref)) <= 8 * EPS * scale
    numba = sa.interp(n, steps=steps, values=values, shapes=shapes, backend="numba")
    assert np.max(np.abs(numba - got)) <= 4 * EPS * scale
    for t, v in zip(steps, values, strict=True):  # whole-step knots are hit exactly (unless a jump follows)
        if t == int(t) and 0 <= t < n and steps.count(t) == 1:
            assert got[int(t)] == v


def test_interp_windows_equal_slices():
    args = {"steps": [-1, 2.5, 7, 30.25], "values": [0.0, 1.0, 0.7, 0.01],
            "shapes": ["linear", "constant", "cosine"]}
    whole = sa.interp(40, **args)
    assert np.array_equal(sa.window(sa.interp, 5, 33, 40, **args), whole[5:33])


def test_interp_exponential_and_durations():
    got = sa.interp(10, steps=[0, "50%"], values=[1.0, 0.01], shapes="exponential")
    assert np.max(np.abs(got[:6] - np.geomspace(1.0, 0.01, 6))) <= 4 * EPS
    assert np.all(got[5:] == 0.01)
    got = sa.interp(8, steps=["1ep", "ceil(1.5ep)"], values=[0.0, 1.0], steps_per_epoch=3)
    assert list(got[3:6]) == [0.0, 0.5, 1.0]


@pytest.mark.parametrize(("kwargs", "exc", "message"), [
    ({"steps": [], "values": []}, ValueError, "^steps must have at least one knot, got steps=\\[\\]$"),
    ({"steps": [0, 1], "values": [1.0]}, ValueError,
     r"^values must have one value per knot, got len\(steps\)=2, len\(values\)=1$"),
    ({"steps": [2, 1], "values": [1.0, 0.0]}, ValueError,
     r"^steps must be non-decreasing, got steps=\[2.0, 1.0\]$"),
    ({"steps": [0, 1], "values": [1.0, 0.0], "shapes": ["cos"]}, ValueError,
     r"^shapes\[0\] must be one of"),
    ({"steps": [0, 1], "values": [1.0, 0.0], "shapes": ["linear", "linear"]}, ValueError,
     r"^shapes must name one shape per gap between knots, got len\(steps\)=2, len\(shapes\)=2$"),
    ({"steps": [0, 1], "values": [1.0, 0.0], "shapes": "exponential"}, ValueError,
     r"^shapes\[0\]='exponential' needs nonzero values of one sign, got values\[0\]=1.0, "
     r"values\[1\]=0.0$"),
    ({"steps": [0, float("nan")], "values": [1.0, 0.0]}, ValueError,
     r"^steps\[1\] must be finite, got steps\[1\]=nan$"),
    ({"steps": "0,1", "values": [1.0, 0.0]}, TypeError, r"^steps must be a sequence of steps"),
    ({"steps": [0, "1x"], "values": [1.0, 0.0]}, ValueError, r"^steps\[1\] must be"),
])
def test_interp_bad_input(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        sa.interp(10, **kwargs)


# --- one_cycle's peak between two steps ----------------------------------------------


def test_one_cycle_real_warmup_is_torch_phases():
    n, pct, peak = 53, 0.25, 0.1
    e1 = pct * n - 1
    start, end = peak / 25.0, peak / 25.0 / 1e4

    def anneal(a, b, p):
        return b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1)

    ref = [anneal(start, peak, t / e1) if t <= e1 else anneal(peak, end, (t - e1) / (n - 1 - e1))
           for t in range(n)]
    got = sa.one_cycle(n, peak=peak, warmup_steps=pct * n - 1)
    assert np.max(np.abs(got - ref)) <= 4 * EPS * peak
    assert got[0] == start
    assert got[-1] == end
    assert np.array_equal(sa.one_cycle(n, peak=peak, warmup_steps=12.0),
                          sa.one_cycle(n, peak=peak, warmup_steps=12))


def test_one_cycle_real_warmup_bounds():
    with pytest.raises(ValueError, match=r"^warmup_steps must be <= total_steps"):
        sa.one_cycle(10, peak=1.0, warmup_steps=10.5)
    with pytest.raises(ValueError, match=r"^warmup_steps must be >= 0"):
        sa.one_cycle(10, peak=1.0, warmup_steps=-0.5)


# --- rounding of "%" and "ep" ------------------------------------------------------


@pytest.mark.parametrize(("duration", "steps"), [
    ("3%", 2), ("round(3%)", 2), ("ceil(3%)", 3), ("floor(3%)", 2),
    ("ceil(7%)", 6), ("floor(2.5ep)", 2), ("ceil(0.1ep)", 1), ("round(2.5ep)", 3),
])
def test_duration_rounding(duration, steps):
    got = sa.warmup_linear(72, peak=1.0, warmup_steps=duration, steps_per_epoch=1)
    assert int(np.argmax(got)) == steps


def test_ceil_of_an_exact_percentage_is_that_number():
    got = sa.warmup_linear(100, peak=1.0, warmup_steps="ceil(7%)")
    assert int(np.argmax(got)) == 7  # 0.07 * 100 is 7.000000000000001 in float


def test_unknown_rounding_is_an_error():
    with pytest.raises(ValueError, match=r"^warmup_steps must be an int number of steps, "
                                         r"'<x>ep' or '<x>%', got warmup_steps='up\(3%\)'$"):
        sa.warmup_linear(72, peak=1.0, warmup_steps="up(3%)")


# --- empty holds -------------------------------------------------------------------------


def test_constant_may_be_empty_inside_a_join():
    assert sa.constant(0, value=0.0).shape == (0,)
    assert sa.constant(0, value=1.0, backend="numba").shape == (0,)
    head = sa.linear(4, start=1.0, end=0.1)
    assert np.array_equal(sa.join(head, sa.constant(0, value=0.1)), head)


# --- every new option keeps the backend and window promises -----------------------------------


@pytest.mark.parametrize(("fn", "kwargs"), [
    *COMPOSITES,
    (sa.warmup_cosine, {"peak": 1.0, "warmup_steps": 5, "warmup_offset": 1, "decay_steps": 20,
                        "end": 0.1}),
    (sa.wsd, {"peak": 1.0, "warmup_steps": 4, "warmup_offset": 2.5, "decay_steps": 10}),
    (sa.one_cycle, {"peak": 1.0, "warmup_steps": 0.3 * 41 - 1, "three_phase": True}),
    (sa.interp, {"steps": [-1, 3.5, 17.25, 50], "values": [0.0, 1.0, 0.5, 0.01],
                 "shapes": ["linear", "cosine", "exponential"]}),
])
def test_backends_agree_and_windows_are_slices(fn, kwargs):
    extra = {} if fn is sa.interp or "warmup_offset" in kwargs else {"endpoint": False}
    whole = fn(41, **kwargs, **extra)
    numba = fn(41, **kwargs, **extra, backend="numba")
    scale = float(np.max(np.abs(whole)))
    assert np.max(np.abs(numba - whole)) <= 4 * EPS * scale
    assert np.array_equal(sa.window(fn, 7, 33, 41, **kwargs, **extra), whole[7:33])


def test_plus_one_over_w_warmup_then_decay_is_hf_lr_rate():
    from schedarray.compat import hf

    b, w, t = 0.3, 10, 100
    expected = hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(b, w, t, min_lr_rate=0.1)
    got = sa.warmup_cosine(t, peak=b, warmup_steps=w - 1, warmup_offset=1, end=0.1 * b)
    assert np.max(np.abs(got - expected)) <= 1e-12 * b


def test_one_cycle_real_peak_in_the_last_step_is_all_warmup():
    got = sa.one_cycle(10, peak=1.0, warmup_steps=9.5, anneal="linear", div_factor=4.0)
    expected = 0.25 + 0.75 * np.arange(10) / 9.5
    assert np.max(np.abs(got - expected)) <= 4 * EPS
