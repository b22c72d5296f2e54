"""Composites: known values, landmarks, and "composite == join of primitives"."""

import numpy as np
import pytest

import schedarray as sa

from . import reference as ref
from .test_primitives import close


def test_warmup_cosine_table():
    got = sa.warmup_cosine(10, peak=1.0, warmup_steps=4)
    close(got, [0.0, 0.25, 0.5, 0.75, 1.0, 0.9045085, 0.6545085, 0.3454915, 0.0954915, 0.0], ulps=2e8)
    close(got, ref.warmup_decay(10, 1.0, 4))


def test_hf_style_table_with_endpoint_convention():
    # The HF golden table (W=2, N=10, peak=10) in schedarray's convention: the decay
    # reaches `end` at the last step, so it runs over N - 1 - W = 7 intervals.
    got = sa.warmup_linear(10, peak=10.0, warmup_steps=2)
    close(got, [0.0, 5.0, 10.0] + [10.0 * (1 - j / 7) for j in range(1, 8)])


def test_warmup_cosine_is_join_of_primitives():
    n, w = 50, 12
    joined = sa.join(sa.linear(w, start=0.1, end=2.0, endpoint=False),
                     sa.cosine(n - w, start=2.0, end=0.01))
    assert np.array_equal(sa.warmup_cosine(n, peak=2.0, warmup_steps=w, start=0.1, end=0.01), joined)


def test_warmup_linear_is_join_of_primitives():
    joined = sa.join(sa.linear(5, start=0.0, end=1.0, endpoint=False), sa.linear(20, start=1.0))
    assert np.array_equal(sa.warmup_linear(25, peak=1.0, warmup_steps=5), joined)


@pytest.mark.parametrize("warmup", ["linear", "cosine", "exponential", "one_minus_sqrt"])
@pytest.mark.parametrize(("decay", "options"), [
    ("linear", {}), ("cosine", {"exponent": 2.0}), ("polynomial", {"power": 3.0}),
    ("exponential", {}), ("one_minus_sqrt", {}), ("tanh", {}), ("rex", {}),
])
def test_warmup_decay_matches_reference(warmup, decay, options):
    n, w, start, peak, end = 40, 9, 1e-4, 1e-2, 1e-5
    got = sa.warmup_decay(n, peak=peak, warmup_steps=w, start=start, end=end,
                          warmup=warmup, decay=decay, decay_options=options)
    close(got, ref.warmup_decay(n, peak, w, start, end, warmup, decay, **options))
    assert got[0] == start
    assert got[w] == peak
    assert got[-1] == end


def test_warmup_decay_inverse_sqrt_and_constant():
    got = sa.warmup_decay(20, peak=1.0, warmup_steps=4, decay="inverse_sqrt",
                          decay_options={"timescale": 4.0})
    close(got, ref.warmup_decay(20, 1.0, 4, decay_kind="inverse_sqrt", timescale=4.0))
    assert sa.warmup_decay(6, peak=2.0, warmup_steps=2, decay="constant").tolist() == [
        0.0, 1.0, 2.0, 2.0, 2.0, 2.0]


def test_zero_warmup_starts_at_peak_and_full_warmup_never_reaches_it():
    assert sa.warmup_cosine(5, peak=1.0)[0] == 1.0
    full = sa.warmup_cosine(4, peak=1.0, warmup_steps=4)
    assert full.tolist() == [0.0, 0.25, 0.5, 0.75]


def test_single_step_decay_holds_the_peak():
    assert sa.warmup_cosine(4, peak=1.0, warmup_steps=3, end=0.5).tolist()[-1] == 1.0


def test_durations_in_epochs_and_percent():
    a = sa.warmup_cosine("4ep", peak=1.0, warmup_steps="1ep", steps_per_epoch=25)
    b = sa.warmup_cosine(100, peak=1.0, warmup_steps="25%")
    c = sa.warmup_cosine(100, peak=1.0, warmup_steps=25)
    assert len(a) == 100
    assert np.array_equal(a, c)
    assert np.array_equal(b, c)
    assert len(sa.cosine("2.5ep", start=1.0, steps_per_epoch=4)) == 10


def test_wsd_shapes():
    got = sa.wsd(20, peak=1.0, warmup_steps=4, decay_steps="25%", start=0.0, end=0.1,
                 decay="one_minus_sqrt")
    close(got, ref.warmup(
        "linear", 4, 0.0, 1.0) + [1.0] * 11 + ref.shape("one_minus_sqrt", 5, 1.0, 0.1))
    assert got[4] == 1.0
    assert got[-1] == 0.1
    power = sa.wsd(12, peak=1.0, decay_steps=4, decay="polynomial", decay_options={"power": 2.0})
    close(power[8:], ref.shape("polynomial", 4, 1.0, 0.0, power=2.0))


def test_wsd_inverse_sqrt_stable_phase_continues_into_the_cooldown():
    got = sa.wsd(30, peak=1.0, warmup_steps=5, decay_steps=10, stable="inverse_sqrt", timescale=5.0)
    stable = [1.0 / np.sqrt(1 + j / 5.0) for j in range(15)]
    close(got[5:20], stable)
    top = 1.0 / np.sqrt(1 + 15 / 5.0)
    close(got[20:], ref.shape("linear", 10, top, 0.0))
    assert np.all(np.diff(got[5:]) <= 0)


def test_cosine_restarts_matches_reference():
    got = sa.cosine_restarts(50, peak=1.0, cycle_steps=7, cycle_mul=1.5, peak_decay=0.8, end=0.05)
    close(got, ref.cosine_restarts(50, 1.0, 7, 1.5, 0.8, 0.05))
    assert got[0] == 1.0
    assert got[6] == 0.05
    assert got[7] == 0.8


def test_cosine_restarts_warmups_and_cycle_limit():
    got = sa.cosine_restarts(20, peak=1.0, cycle_steps=5, warmup_steps=2, cycle_warmup_steps=1,
                             cycle_limit=2, end=0.1, start=0.0)
    assert got[:3].tolist() == [0.0, 0.5, 0.0]  # warmup, then each cycle opens with its own warmup
    assert got[3] == 1.0
    assert got[6] == 0.1
    assert got[7] == 0.0
    assert got[8] == 1.0
    assert got[12:].tolist() == [0.1] * 8  # held after the cycle limit


def test_one_cycle_matches_torch_like_shape():
    got = sa.one_cycle(100, peak=1.0, warmup_steps="30%", div_factor=25.0, final_div_factor=1e4)
    assert got[0] == 1.0 / 25
    assert got[30] == 1.0
    assert got[-1] == 1.0 / 25 / 1e4
    assert np.all(np.diff(got[:31]) > 0)
    assert np.all(np.diff(got[30:]) < 0)
    mom = sa.one_cycle_momentum(100)
    assert mom[0] == 0.95
    assert mom[30] == 0.85
    assert mom[-1] == 0.95


def test_one_cycle_three_phase():
    got = sa.one_cycle(10, peak=1.0, warmup_steps=3, div_factor=10.0, final_div_factor=10.0,
                       three_phase=True, anneal="linear")
    close(got, [0.1, 0.4, 0.7, 1.0, 0.7, 0.4, 0.1, 0.07, 0.04, 0.01])
    mom = sa.one_cycle_momentum(10, warmup_steps=3, three_phase=True, anneal="linear")
    close(mom, [0.95, 0.9166666666666666, 0.8833333333333333, 0.85, 0.8833333333333333,
                0.9166666666666666, 0.95, 0.95, 0.95, 0.95])
