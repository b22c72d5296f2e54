"""Hypothesis properties: the laws every schedule keeps, for any valid configuration."""

import itertools

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

import schedarray as sa
from schedarray.composites import DECAY_SHAPES, WARMUP_SHAPES

from . import reference as ref
from .test_primitives import close

values = st.floats(1e-8, 10.0, allow_nan=False, allow_infinity=False)
unit = st.floats(0.0, 1.0)
BLENDS = ["linear", "cosine", "polynomial", "one_minus_sqrt", "tanh", "rex", "exponential"]


@st.composite
def warmup_decay_configs(draw, max_total=600):
    n = draw(st.integers(1, max_total))
    w = draw(st.integers(0, n))
    peak = draw(values)
    warmup = draw(st.sampled_from(WARMUP_SHAPES))
    decay = draw(st.sampled_from(BLENDS))
    low = 1e-3 if "exponential" in (warmup, decay) else 0.0
    start = peak * draw(st.floats(low, 1.0))
    end = peak * draw(st.floats(low, 1.0))
    return {"total_steps": n, "warmup_steps": w, "peak": peak, "start": start, "end": end,
            "warmup": warmup, "decay": decay}


@given(st.integers(1, 50), st.integers(1, 500), st.integers(0, 5), values)
def test_length_equals_epochs_times_steps_per_epoch(epochs, spe, warm, peak):
    warm = min(warm, epochs)
    x = sa.warmup_cosine(f"{epochs}ep", peak=peak, warmup_steps=f"{warm}ep", steps_per_epoch=spe)
    assert len(x) == epochs * spe
    assert len(sa.per_epoch(sa.cosine(epochs, start=peak), spe)) == epochs * spe
    assert len(sa.step(f"{epochs}ep", start=peak, step_size="1ep", steps_per_epoch=spe)) == epochs * spe


@given(warmup_decay_configs())
@example({"total_steps": 1, "warmup_steps": 0, "peak": 1.9755227006705545, "start": 0.0,
          "end": 0.7408, "warmup": "linear", "decay": "cosine"})
@example({"total_steps": 10, "warmup_steps": 10, "peak": 1.0, "start": 0.0, "end": 0.0,
          "warmup": "linear", "decay": "cosine"})
@example({"total_steps": 10, "warmup_steps": 9, "peak": 1.0, "start": 0.0, "end": 0.5,
          "warmup": "linear", "decay": "cosine"})
def test_landmarks_are_exact(cfg):
    x = sa.warmup_decay(**cfg)
    n, w = cfg["total_steps"], cfg["warmup_steps"]
    if w > 0:
        assert x[0] == cfg["start"]
    if w < n:
        assert x[w] == cfg["peak"]
    if n - w >= 2:
        assert x[-1] == cfg["end"]


@given(warmup_decay_configs())
def test_bounded_with_no_tolerance_and_monotone_phases(cfg):
    x = sa.warmup_decay(**cfg)
    w, peak = cfg["warmup_steps"], cfg["peak"]
    lo = min(cfg["start"], cfg["end"], peak)
    assert np.all(x >= lo)
    assert np.all(x <= peak)
    assert np.all(np.diff(x[: w + 1]) >= 0)
    assert np.all(np.diff(x[w:]) <= 0)


@given(warmup_decay_configs(max_total=200))
def test_matches_the_scalar_reference(cfg):
    x = sa.warmup_decay(**cfg)
    expected = ref.warmup_decay(cfg["total_steps"], cfg["peak"], cfg["warmup_steps"], cfg["start"],
                                cfg["end"], cfg["warmup"], cfg["decay"])
    close(x, expected, ulps=8)


@given(warmup_decay_configs(), st.data())
def test_windows_and_chunks_equal_the_whole(cfg, data):
    whole = sa.warmup_decay(**cfg)
    n = cfg["total_steps"]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=6)))
    edges = [0, *cuts, n]
    parts = [sa.window(sa.warmup_decay, a, b, **cfg) for a, b in itertools.pairwise(edges)]
    assert np.array_equal(np.concatenate(parts), whole)


@given(warmup_decay_configs())
def test_float32_is_rounded_float64_and_out_equals_no_out(cfg):
    x64 = sa.warmup_decay(**cfg)
    assert np.array_equal(sa.warmup_decay(**cfg, dtype=np.float32), x64.astype(np.float32))
    out = np.empty(cfg["total_steps"])
    assert sa.warmup_decay(**cfg, out=out) is out
    assert np.array_equal(out, x64)


@given(st.lists(st.lists(values, min_size=0, max_size=20), min_size=1, max_size=5))
def test_join_equals_concatenation(parts):
    arrays = [np.array(p, dtype=np.float64) for p in parts]
    assert np.array_equal(sa.join(*arrays), np.concatenate(arrays))


@given(st.integers(2, 300), values, unit, st.sampled_from(BLENDS))
def test_shapes_are_scale_equivariant(n, start, ratio, kind):
    end = max(start * ratio, 1e-9)
    c = 8.0  # a power of two scales exactly
    fn = getattr(sa, kind)
    assert np.array_equal(fn(n, start=c * start, end=c * end), c * fn(n, start=start, end=end))


@given(st.integers(1, 400), values, st.integers(1, 50), st.floats(1.0, 2.0), unit)
def test_restarts_stay_in_range_and_end_each_cycle_exactly(n, peak, length, mul, ratio):
    end = peak * ratio
    x = sa.cosine_restarts(n, peak=peak, cycle_steps=length, cycle_mul=mul, end=end)
    assert len(x) == n
    assert np.all(x <= peak)
    assert np.all(x >= end)
    assert x[0] == peak


@given(st.sampled_from(sorted(DECAY_SHAPES)), st.integers(1, 200), values)
def test_every_decay_shape_starts_at_the_peak(decay, n, peak):
    options = {"timescale": 10.0} if decay == "inverse_sqrt" else {}
    end = peak / 3 if decay == "exponential" else 0.0
    x = sa.warmup_decay(n, peak=peak, end=end, decay=decay, decay_options=options)
    assert x[0] == peak
    assert np.all(x <= peak)
