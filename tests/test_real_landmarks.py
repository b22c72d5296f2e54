"""Real-valued phase boundaries in the composites and warmup offsets everywhere (issue 13).

A float ``warmup_steps``/``decay_steps`` puts a phase boundary between two steps;
step ``i`` takes its phase's shape at its own progress relative to that boundary,
as the original code computes it. Checked against a naive per-step transcription,
and for the contract: a whole-number float is the int bit for bit, windows are
slices, the backends agree, ``endpoint=False`` is one step longer and cut, specs
and the CLI carry the floats.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import schedarray as sa

EPS = np.finfo(np.float64).eps
#: Fractions of a length: 0, or not so small that a phase spans a subnormal number of
#: steps (its slope would overflow: a clean ValueError, `test_subnormal_phase_is_refused`).
FRACTIONS = st.floats(0, 1).filter(lambda v: v == 0 or v > 1e-9)
HALVES = st.floats(0, 0.5).filter(lambda v: v == 0 or v > 1e-9)


def _shape(kind, a, b, p):
    """The value of shape `kind` from `a` to `b` at progress `p` (the textbook formulas)."""
    if kind == "linear":
        return a + (b - a) * p
    if kind == "cosine":
        return b + (a - b) * 0.5 * (1 + math.cos(math.pi * p))
    if kind == "polynomial":
        return b + (a - b) * (1 - p) ** 2
    raise AssertionError(kind)


def naive_warmup_decay(n, *, peak, w, start=0.0, end=0.0, warmup="linear", decay="cosine",
                       offset=0.0, d=None, endpoint=True):
    """`warmup_decay` step by step, the way a training script writes it."""
    grow = 0 if endpoint else 1  # laid out one step longer without endpoint
    e = n - 1 + grow if d is None else w + (d + grow) - 1  # where the decay reaches `end`
    out = []
    for i in range(n):
        if i < w:
            out.append(_shape(warmup, start, peak, (i + offset) / (w + offset)))
        elif i > e:
            out.append(end)
        elif e == w:
            out.append(peak)
        else:
            out.append(_shape(decay, peak, end, (i - w) / (e - w)))
    return np.array(out)


def naive_wsd(n, *, peak, w, d, start=0.0, end=0.0, decay="linear", offset=0.0, endpoint=True):
    """`wsd` step by step (constant stable phase)."""
    last = n - 1 if endpoint else n
    cool = n - d
    out = []
    for i in range(n):
        if i < w:
            out.append(_shape("linear", start, peak, (i + offset) / (w + offset)))
        elif i < cool or last == cool:
            out.append(peak)
        else:
            out.append(_shape(decay, peak, end, (i - cool) / (last - cool)))
    return np.array(out)


def naive_one_cycle(n, *, s, peak, e, w, offset=0.0, three_phase=False, anneal="cosine",
                    endpoint=True):
    """torch's ``OneCycleLR`` phase logic with real-valued phase ends, plus an offset."""
    last = n - 1 if endpoint else n
    phases = [(-offset, w, s, peak)]
    if three_phase:
        phases += [(w, 2 * w, peak, s), (2 * w, last, s, e)]
    else:
        phases += [(w, last, peak, e)]
    out = []
    for i in range(n):
        for k, (t0, t1, a, b) in enumerate(phases):
            if i < t1 or (k == len(phases) - 1 and i <= t1):
                out.append(a if t1 == t0 else _shape(anneal, a, b, (i - t0) / (t1 - t0)))
                break
    return np.array(out)


def close(got, want, scale=1.0):
    assert got.shape == want.shape
    assert np.max(np.abs(got - want), initial=0.0) <= 4 * EPS * scale, (got, want)


# --- against the naive transcriptions ----------------------------------------------------


@settings(deadline=None, max_examples=80)
@given(n=st.integers(2, 50), wf=FRACTIONS, k=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
       warmup=st.sampled_from(["linear", "cosine"]),
       decay=st.sampled_from(["linear", "cosine", "polynomial"]),
       df=st.one_of(st.none(), FRACTIONS), endpoint=st.booleans())
def test_warmup_decay_real_boundaries_match_the_naive_loop(n, wf, k, warmup, decay, df,
                                                            endpoint):
    w = wf * n
    d = None if df is None else df * (n - w)
    assume(d is None or w + d <= n)
    options = {"power": 2.0} if decay == "polynomial" else None
    got = sa.warmup_decay(n, peak=2.0, warmup_steps=w, start=0.5, end=0.25, warmup=warmup,
                          decay=decay, decay_options=options, warmup_offset=k, decay_steps=d,
                          endpoint=endpoint)
    want = naive_warmup_decay(n, peak=2.0, w=w, start=0.5, end=0.25, warmup=warmup,
                              decay=decay, offset=k, d=d, endpoint=endpoint)
    close(got, want, 2.0)


@settings(deadline=None, max_examples=60)
@given(n=st.integers(2, 50), wf=HALVES, df=HALVES,
       k=st.sampled_from([0.0, 1.0, 0.25]), decay=st.sampled_from(["linear", "cosine"]),
       endpoint=st.booleans())
def test_wsd_real_boundaries_match_the_naive_loop(n, wf, df, k, decay, endpoint):
    w, d = wf * n, df * n
    got = sa.wsd(n, peak=1.0, warmup_steps=w, decay_steps=d, end=0.1, decay=decay,
                 warmup_offset=k, endpoint=endpoint)
    close(got, naive_wsd(n, peak=1.0, w=w, d=d, end=0.1, decay=decay, offset=k,
                         endpoint=endpoint))


@settings(deadline=None, max_examples=60)
@given(n=st.integers(2, 50), wf=HALVES, k=st.sampled_from([0.0, 1.0, 0.5]),
       three=st.booleans(), anneal=st.sampled_from(["linear", "cosine"]),
       endpoint=st.booleans())
def test_one_cycle_offset_matches_the_naive_loop(n, wf, k, three, anneal, endpoint):
    w = wf * n
    got = sa.one_cycle(n, peak=1.0, warmup_steps=w, warmup_offset=k, three_phase=three,
                       anneal=anneal, endpoint=endpoint, div_factor=4.0, final_div_factor=8.0)
    want = naive_one_cycle(n, s=0.25, peak=1.0, e=0.25 / 8.0, w=w, offset=k,
                           three_phase=three, anneal=anneal, endpoint=endpoint)
    close(got, want)
    mom = sa.one_cycle_momentum(n, warmup_steps=w, warmup_offset=k, three_phase=three,
                                anneal=anneal, endpoint=endpoint)
    close(mom, naive_one_cycle(n, s=0.95, peak=0.85, e=0.95, w=w, offset=k,
                               three_phase=three, anneal=anneal, endpoint=endpoint))


def test_cosine_restarts_warmup_offset():
    n, w, k, cycle = 40, 5, 1.0, 7
    got = sa.cosine_restarts(n, peak=1.0, cycle_steps=cycle, warmup_steps=w, warmup_offset=k,
                             start=0.1)
    want = [0.1 + 0.9 * (i + k) / (w + k) if i < w else
            0.5 * (1 + math.cos(math.pi * ((i - w) % cycle) / (cycle - 1))) for i in range(n)]
    close(got, np.array(want))
    assert np.array_equal(got[w:], sa.cosine_restarts(n, peak=1.0, cycle_steps=cycle,
                                                      warmup_steps=w, start=0.1)[w:])
    assert np.array_equal(
        sa.cosine_restarts(n, peak=1.0, cycle_steps=cycle, warmup_steps=w, warmup_offset=0),
        sa.cosine_restarts(n, peak=1.0, cycle_steps=cycle, warmup_steps=w))


def test_real_boundary_examples_by_hand():
    # cooldown from (1 - 0.4) * 10 = 6: steps 6..9 at progress (i - 6) / 4 towards 0.1
    got = sa.wsd(10, peak=1.0, decay_steps=0.4 * 10, end=0.1, endpoint=False)
    assert got.tolist()[:7] == [1.0] * 7
    close(got[7:], np.array([1 - 0.9 * (i - 6) / 4 for i in (7, 8, 9)]))
    # a cooldown between two steps: from 10 - 3.5 = 6.5
    got = sa.wsd(10, peak=1.0, decay_steps=3.5, endpoint=False)
    close(got, np.array([1.0] * 7 + [1 - (i - 6.5) / 3.5 for i in (7, 8, 9)]))
    # the peak between steps 2 and 3: never hit, both neighbours on their own lines
    got = sa.warmup_linear(6, peak=1.0, warmup_steps=2.5)
    close(got, np.array([0.0, 0.4, 0.8, 1 - 0.5 / 2.5, 1 - 1.5 / 2.5, 0.0]))


# --- the contract ------------------------------------------------------------------------

CASES = st.sampled_from([
    (sa.warmup_decay, {"peak": 1.0, "end": 0.1, "warmup": "cosine", "decay": "cosine"}),
    (sa.warmup_decay, {"peak": 1.0, "start": 0.01, "warmup": "exponential",
                       "decay": "exponential", "end": 0.05}),
    (sa.warmup_decay, {"peak": 1.0, "warmup": "one_minus_sqrt", "decay": "tanh"}),
    (sa.warmup_decay, {"peak": 1.0, "decay": "inverse_sqrt",
                       "decay_options": {"timescale": 3.0}}),
    (sa.warmup_decay, {"peak": 1.0, "decay": "polynomial", "decay_options": {"power": 0.5}}),
    (sa.warmup_decay, {"peak": 1.0, "decay": "rex", "end": 0.2}),
    (sa.warmup_decay, {"peak": 1.0, "decay": "constant"}),
    (sa.warmup_cosine, {"peak": 3.0, "end": 0.3}),
    (sa.warmup_linear, {"peak": 3.0, "end": 0.3}),
    (sa.wsd, {"peak": 1.0, "decay": "one_minus_sqrt"}),
    (sa.wsd, {"peak": 1.0, "stable": "inverse_sqrt", "timescale": 2.0, "decay": "cosine"}),
    (sa.wsd, {"peak": 1.0, "decay": "exponential", "end": 0.01, "start": 0.5,
              "warmup": "exponential"}),
    (sa.one_cycle, {"peak": 1.0}),
    (sa.one_cycle, {"peak": 1.0, "three_phase": True, "anneal": "linear"}),
    (sa.one_cycle_momentum, {"three_phase": True}),
])


@st.composite
def real_calls(draw, whole=False):
    fn, kwargs = draw(CASES)
    kwargs = dict(kwargs)
    n = draw(st.integers(2, 60))
    def length(upper):
        value = draw(st.floats(0, upper))
        if value < 1e-9:  # a span of a subnormal number of steps overflows a slope
            value = 0.0
        return float(math.floor(value)) if whole else value
    if fn in (sa.one_cycle, sa.one_cycle_momentum):
        kwargs["warmup_steps"] = length(n / 2 if kwargs.get("three_phase") else n)
    else:
        w = length(n)
        kwargs["warmup_steps"] = w
        with_end = kwargs.get("decay") not in ("inverse_sqrt", "constant")
        if with_end and (fn is sa.wsd or draw(st.booleans())):
            kwargs["decay_steps"] = length(n - w)
    kwargs["warmup_offset"] = draw(st.sampled_from([0.0, 0.5, 1.0, 3.0]))
    kwargs["endpoint"] = draw(st.booleans())
    return fn, n, kwargs


@settings(deadline=None, max_examples=120)
@given(call=real_calls(whole=True))
def test_a_whole_number_float_boundary_is_the_int_bit_for_bit(call):
    fn, n, kwargs = call
    ints = {k: int(v) if k in ("warmup_steps", "decay_steps") else v for k, v in kwargs.items()}
    assert np.array_equal(fn(n, **kwargs), fn(n, **ints))


@settings(deadline=None, max_examples=120)
@given(call=real_calls(), data=st.data())
def test_real_boundaries_windows_backends_and_endpoint(call, data):
    fn, n, kwargs = call
    whole = fn(n, **kwargs, backend="numpy")
    assert whole.shape == (n,)
    assert np.all(np.isfinite(whole))
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    assert np.array_equal(sa.window(fn, a, b, n, **kwargs, backend="numpy"), whole[a:b])
    numba = fn(n, **kwargs, backend="numba")
    close(numba, whole, np.max(np.abs(whole)))
    assert np.array_equal(sa.window(fn, a, b, n, **kwargs, backend="numba"), numba[a:b])
    # (wsd's cooldown starts at N - D; (N + 1) - (D + 1) rounds differently for a real D,
    # so there the definition is checked by the naive loop instead)
    if not kwargs["endpoint"] and (fn is not sa.wsd or kwargs["decay_steps"] % 1 == 0):
        longer = dict(kwargs, endpoint=True)
        if "decay_steps" in longer:  # the decay keeps its start and ends one step later
            longer["decay_steps"] += 1
        assert np.array_equal(whole, fn(n + 1, **longer, backend="numpy")[:-1])


@settings(deadline=None, max_examples=40)
@given(call=real_calls())
def test_real_boundaries_round_trip_through_specs(call):
    fn, n, kwargs = call
    spec = {"name": fn.__name__, "total_steps": n, **kwargs}
    built = sa.from_spec(spec)
    assert np.array_equal(built, fn(n, **kwargs))
    assert sa.from_spec(json.loads(json.dumps(sa.to_spec(built)))).tobytes() == built.tobytes()
    a = n // 3
    assert np.array_equal(sa.window(sa.from_spec, a, n, spec), built[a:])


def test_cli_exports_a_real_boundary_spec(tmp_path):
    spec = {"name": "one_cycle", "total_steps": 100, "peak": 0.1, "warmup_steps": 28.75,
            "warmup_offset": 1.0, "three_phase": True}
    target = tmp_path / "x.npy"
    subprocess.run([sys.executable, "-m", "schedarray", "export", json.dumps(spec),
                    "-o", str(target)], check=True, capture_output=True)
    assert np.array_equal(np.load(target), sa.one_cycle(100, peak=0.1, warmup_steps=28.75,
                                                        warmup_offset=1.0, three_phase=True))
    shown = subprocess.run([sys.executable, "-m", "schedarray", "show", json.dumps(spec)],
                           check=True, capture_output=True, text=True).stdout
    assert "warmup_steps=28.75" in shown
    assert "warmup_offset=1.0" in shown


def test_durations_stay_whole_steps_next_to_floats():
    # strings are rounded as written; the float is the real product
    assert np.array_equal(sa.wsd(72, peak=1.0, decay_steps="ceil(3%)"),
                          sa.wsd(72, peak=1.0, decay_steps=3))
    assert np.array_equal(sa.warmup_cosine("3ep", peak=1.0, warmup_steps="1ep",
                                           steps_per_epoch=4, endpoint=False),
                          sa.warmup_cosine(12, peak=1.0, warmup_steps=4.0, endpoint=False))
    real = sa.wsd(72, peak=1.0, decay_steps=0.03 * 72)
    assert not np.array_equal(real, sa.wsd(72, peak=1.0, decay_steps=2))
    assert np.array_equal(sa.wsd(72, peak=1.0, decay_steps=np.float32(2.5)),
                          sa.wsd(72, peak=1.0, decay_steps=2.5))


# --- validation --------------------------------------------------------------------------

BAD = [
    (lambda: sa.warmup_cosine(10, peak=1.0, warmup_steps=float("nan")), ValueError,
     r"^warmup_steps must be finite, got warmup_steps=nan$"),
    (lambda: sa.warmup_cosine(10, peak=1.0, warmup_steps=-0.5), ValueError,
     r"^warmup_steps must be >= 0, got warmup_steps=-0\.5$"),
    (lambda: sa.warmup_cosine(10, peak=1.0, warmup_steps=10.5), ValueError,
     r"^warmup_steps must be <= total_steps, got warmup_steps=10\.5, total_steps=10$"),
    (lambda: sa.warmup_linear(10, peak=1.0, warmup_steps=2.5, decay_steps=7.75), ValueError,
     r"^warmup_steps \+ decay_steps must be <= total_steps, got warmup_steps=2\.5, "
     r"decay_steps=7\.75, total_steps=10$"),
    (lambda: sa.wsd(10, peak=1.0, warmup_steps=4.5, decay_steps=5.75), ValueError,
     r"^warmup_steps \+ decay_steps must be <= total_steps, got warmup_steps=4\.5, "
     r"decay_steps=5\.75, total_steps=10$"),
    (lambda: sa.wsd(10, peak=1.0, decay_steps=float("inf")), ValueError,
     r"^decay_steps must be finite, got decay_steps=inf$"),
    (lambda: sa.one_cycle(10, peak=1.0, warmup_steps=5.25, three_phase=True), ValueError,
     r"^three_phase needs 2 \* warmup_steps <= total_steps, got warmup_steps=5\.25, "
     r"total_steps=10$"),
    (lambda: sa.one_cycle(10, peak=1.0, warmup_offset=-1.0), ValueError,
     r"^warmup_offset must be >= 0, got warmup_offset=-1\.0$"),
    (lambda: sa.one_cycle_momentum(10, warmup_offset="1"), TypeError,
     r"^warmup_offset must be a real number, got warmup_offset='1'$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=3, warmup_offset=float("nan")),
     ValueError, r"^warmup_offset must be finite, got warmup_offset=nan$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=3, warmup_steps=2.5), TypeError,
     r"^warmup_steps must be an int number of steps, '<x>ep' or '<x>%', got warmup_steps=2\.5$"),
    (lambda: sa.warmup_decay(10, peak=1.0, warmup_steps=1.5, warmup="exponential"), ValueError,
     r"^an exponential warmup needs nonzero values of one sign, got 0\.0 and 1\.0$"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD, ids=[m[1:40] for _, _, m in BAD])
def test_bad_real_boundaries_are_named(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_subnormal_phase_is_refused():
    with pytest.raises(ValueError, match=r"slope .* overflows; got .*warmup_steps=5e-324"):
        sa.warmup_linear(4, peak=1.0, warmup_steps=5e-324)


# --- envelope --------------------------------------------------------------------------


@settings(deadline=None, max_examples=80)
@given(n=st.integers(1, 40), wf=FRACTIONS, cf=FRACTIONS, endpoint=st.booleans(), data=st.data())
def test_envelope_real_ramps_match_the_formula_and_windows_are_slices(n, wf, cf, endpoint,
                                                                       data):
    w = wf * n
    c = cf * (n - w)
    base = sa.cosine(n, start=2.0, end=0.5)
    got = sa.envelope(base, warmup_steps=w, cooldown_steps=c, endpoint=endpoint)
    last = n - 1 if endpoint else n
    want = [base[i] * (min(1.0, i / w) if w else 1.0) * (min(1.0, (last - i) / c) if c else 1.0)
            for i in range(n)]
    close(got, np.array(want), 2.0)
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    assert np.array_equal(sa.window(sa.envelope, a, b, base, warmup_steps=w, cooldown_steps=c,
                                    endpoint=endpoint), got[a:b])
    spec = {"name": "envelope", "values": {"name": "cosine", "total_steps": n, "start": 2.0,
                                           "end": 0.5},
            "warmup_steps": w, "cooldown_steps": c, "endpoint": endpoint}
    built = sa.from_spec(spec)
    assert np.array_equal(built, got)
    assert np.array_equal(sa.window(sa.from_spec, a, b, spec), got[a:b])
    whole = float(math.floor(w))
    assert np.array_equal(sa.envelope(base, warmup_steps=whole, cooldown_steps=0.0),
                          sa.envelope(base, warmup_steps=int(whole), cooldown_steps=0))


def test_envelope_real_ramps_must_fit():
    with pytest.raises(ValueError, match=r"^warmup_steps \+ cooldown_steps must be <= the "
                                         r"length, got warmup_steps=2\.5, cooldown_steps=2\.75"):
        sa.envelope([1.0] * 5, warmup_steps=2.5, cooldown_steps=2.75)
    with pytest.raises(ValueError, match=r"^cooldown_steps must be >= 0, got "
                                         r"cooldown_steps=-0\.5$"):
        sa.envelope([1.0] * 5, cooldown_steps=-0.5)


@settings(deadline=None, max_examples=60)
@given(n=st.integers(1, 60), w=st.integers(0, 10), cycle=st.integers(1, 9),
       mul=st.sampled_from([1.0, 1.5, 2.0]), k=st.sampled_from([0.0, 0.5, 1.0, 4.0]),
       endpoint=st.booleans(), data=st.data())
def test_cosine_restarts_offset_windows_backends(n, w, cycle, mul, k, endpoint, data):
    w = min(w, n)
    kwargs = {"peak": 1.0, "cycle_steps": cycle, "cycle_mul": mul, "warmup_steps": w,
              "warmup_offset": k, "start": 0.2, "end": 0.1, "endpoint": endpoint}
    whole = sa.cosine_restarts(n, **kwargs, backend="numpy")
    plain = sa.cosine_restarts(n, **dict(kwargs, warmup_offset=0.0), backend="numpy")
    assert np.array_equal(whole[w:], plain[w:])  # only the warmup moves
    close(whole[:w], np.array([0.2 + 0.8 * (i + k) / (w + k) for i in range(w)]))
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    for backend in ("numpy", "numba"):
        got = sa.cosine_restarts(n, **kwargs, backend=backend)
        close(got, whole)
        assert np.array_equal(sa.window(sa.cosine_restarts, a, b, n, **kwargs, backend=backend),
                              got[a:b])


@settings(deadline=None, max_examples=80)
@given(n=st.integers(2, 60), wf=FRACTIONS, k=st.sampled_from([0.0, 0.5, 1.0]),
       decay=st.sampled_from(["linear", "cosine"]), endpoint=st.booleans(),
       three=st.booleans())
def test_composites_and_interp_share_one_mechanism(n, wf, k, decay, endpoint, three):
    # the same real-valued knots give the same values bit for bit
    last = n - 1 if endpoint else n
    w = wf * (n - 1)
    assume(w < last)  # a tie at the last step: the composite keeps the peak, interp the end
    got = sa.warmup_decay(n, peak=1.0, warmup_steps=w, start=0.2, end=0.1, decay=decay,
                          warmup_offset=k, endpoint=endpoint)
    want = sa.interp(n, steps=[-k, w, last], values=[0.2, 1.0, 0.1],
                     shapes=["linear", decay])
    assert np.array_equal(got, want)
    w = w / 2 if three else w
    got = sa.one_cycle(n, peak=1.0, warmup_steps=w, div_factor=4.0, final_div_factor=2.0,
                       anneal=decay, three_phase=three, warmup_offset=k, endpoint=endpoint)
    steps, values = [-k, w, last], [0.25, 1.0, 0.125]
    if three:
        steps, values = [-k, w, 2 * w, last], [0.25, 1.0, 0.25, 0.125]
    assume(steps[-2] < last)
    want = sa.interp(n, steps=steps, values=values, shapes=decay)
    assert np.array_equal(got, want)
