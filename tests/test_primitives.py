"""Known values for each primitive: tiny exact tables and the scalar reference."""

import math

import numpy as np
import pytest

import schedarray as sa

from . import reference as ref


def close(actual, expected, ulps=4):
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=ulps * np.finfo(float).eps * scale)


def test_constant():
    assert sa.constant(4, value=0.25).tolist() == [0.25] * 4


def test_linear_exact_table():
    assert sa.linear(5, start=1.0).tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert sa.linear(5, start=0.0, end=2.0).tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert sa.linear(4, start=0.0, end=1.0, endpoint=False).tolist() == [0, 0.25, 0.5, 0.75]


@pytest.mark.parametrize("kind", ["linear", "cosine", "polynomial", "one_minus_sqrt", "tanh", "rex"])
@pytest.mark.parametrize(("start", "end"), [(1.0, 0.0), (3e-4, 1e-6), (0.04, 0.4), (-1.0, 2.5)])
@pytest.mark.parametrize("endpoint", [True, False])
def test_blend_shapes_match_reference(kind, start, end, endpoint):
    n = 37
    got = getattr(sa, kind)(n, start=start, end=end, endpoint=endpoint)
    close(got, ref.shape(kind, n, start, end, endpoint))
    assert got[0] == start
    if endpoint:
        assert got[-1] == end


def test_cosine_known_values():
    close(sa.cosine(5, start=1.0), [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0.0])


def test_cosine_exponent_is_optax_power_of_the_factor():
    got = sa.cosine(9, start=2.0, end=0.5, exponent=3.0)
    close(got, ref.shape("cosine", 9, 2.0, 0.5, exponent=3.0))


def test_polynomial_power():
    assert sa.polynomial(5, start=1.0, power=2.0).tolist() == [1.0, 0.5625, 0.25, 0.0625, 0.0]
    close(sa.polynomial(11, start=5.0, end=1.0, power=0.5),
          ref.shape("polynomial", 11, 5.0, 1.0, power=0.5))


def test_tanh_custom_bounds():
    close(sa.tanh(13, start=1.0, end=0.1, lower=-3.0, upper=5.0),
          ref.shape("tanh", 13, 1.0, 0.1, lower=-3.0, upper=5.0))


def test_rex_known_values():
    close(sa.rex(5, start=1.0), [1.0, 6 / 7, 2 / 3, 0.4, 0.0])


def test_exponential_rate_and_staircase():
    assert sa.exponential(4, start=1.0, rate=0.5).tolist() == [1.0, 0.5, 0.25, 0.125]
    close(sa.exponential(5, start=1.0, rate=0.5, transition_steps=2), [0.5 ** (i / 2) for i in range(5)])
    assert sa.exponential(5, start=1.0, rate=0.5, transition_steps=2, staircase=True).tolist() == [
        1.0, 1.0, 0.5, 0.5, 0.25]


def test_exponential_geometric_to_end():
    got = sa.exponential(3, start=1.0, end=0.01)
    close(got, [1.0, 0.1, 0.01])
    assert got[0] == 1.0
    assert got[-1] == 0.01
    close(sa.exponential(4, start=-8.0, end=-1.0), [-8.0, -4.0, -2.0, -1.0])


def test_step_and_multistep():
    close(sa.step(7, start=1.0, step_size=3, gamma=0.1), ref.step(7, 1.0, 3, 0.1))
    got = sa.multistep(8, start=2.0, milestones=[2, 5, 5, 30], gamma=0.5)
    assert got.tolist() == ref.multistep(8, 2.0, [2, 5, 5, 30], 0.5)
    assert got.tolist() == [2.0, 2.0, 1.0, 1.0, 1.0, 0.25, 0.25, 0.25]


def test_piecewise_constant_boundaries_past_the_end_have_no_effect():
    got = sa.piecewise_constant(5, boundaries=[2, 9], values=[1.0, 0.5, 0.1])
    assert got.tolist() == [1.0, 1.0, 0.5, 0.5, 0.5]


def test_inverse_sqrt():
    close(sa.inverse_sqrt(6, start=2.0, timescale=3.0), [2.0 / math.sqrt(1 + i / 3.0) for i in range(6)])
    close(sa.inverse_sqrt(4, start=1.0, timescale=10.0, shift=5.0),
          [1.0 / math.sqrt(1 + (i + 5) / 10.0) for i in range(4)])


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_matches_reference(mode):
    got = sa.cyclic(40, low=0.1, high=1.0, step_size_up=4, step_size_down=6, mode=mode, gamma=0.99)
    close(got, ref.cyclic(40, 0.1, 1.0, 4, 6, mode, 0.99))
    assert got.min() >= 0.1
    assert got.max() <= 1.0


def test_one_step_schedule_is_start():
    for kind in ["linear", "cosine", "polynomial", "one_minus_sqrt", "tanh", "rex"]:
        assert getattr(sa, kind)(1, start=0.3, end=0.1).tolist() == [0.3]
    assert sa.exponential(1, start=0.3, end=0.1).tolist() == [0.3]


def test_a_decay_may_rise():
    wd = sa.cosine(100, start=0.04, end=0.4)  # DINO's weight-decay ramp up
    assert wd[0] == 0.04
    assert wd[-1] == 0.4
    assert np.all(np.diff(wd) >= 0)
    ema = sa.cosine(100, start=0.996, end=1.0)  # DINO's teacher momentum going to 1
    assert ema[-1] == 1.0
    assert np.all(ema <= 1.0)
