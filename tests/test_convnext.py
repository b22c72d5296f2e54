"""compat.convnext.cosine_scheduler against a transcription of the seed's function."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedarray.compat.convnext import cosine_scheduler


def seed_cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0,
                          start_warmup_value=0, warmup_steps=-1):
    """The seed's algorithm, step for step: linspace warmup, Python-loop cosine, length assert."""
    warmup = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_steps > 0:
        warmup_iters = warmup_steps
    if warmup_epochs > 0:
        warmup = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    decay = np.array([final_value + 0.5 * (base_value - final_value)
                      * (1 + math.cos(math.pi * i / len(iters))) for i in iters])
    schedule = np.concatenate((warmup, decay))
    assert len(schedule) == epochs * niter_per_ep
    return schedule


@st.composite
def configs(draw):
    epochs = draw(st.integers(1, 30))
    niter = draw(st.integers(1, 40))
    warmup_epochs = draw(st.integers(0, epochs))
    warmup_steps = draw(st.one_of(st.just(-1), st.just(0),
                                  st.integers(1, epochs * niter) if warmup_epochs else st.just(-1)))
    values = st.floats(-1.0, 10.0, allow_nan=False)
    return (draw(values), draw(values), epochs, niter, warmup_epochs, draw(values), warmup_steps)


def within_4_ulp(actual, expected, *values):
    """Within 4 ulp of the larger of the schedule's values (base, final, warmup start)."""
    tol = 4 * np.spacing(max(abs(v) for v in values))
    assert np.all(np.abs(np.asarray(actual) - np.asarray(expected)) <= tol)


@given(configs())
def test_matches_the_seed_within_4_ulp_and_has_the_seed_length(cfg):
    expected = seed_cosine_scheduler(*cfg)
    got = cosine_scheduler(*cfg)
    assert len(got) == cfg[2] * cfg[3] == len(expected)
    within_4_ulp(got, expected, cfg[0], cfg[1], cfg[5])


def test_known_quirks():
    got = cosine_scheduler(1.0, 0.0, epochs=3, niter_per_ep=2, warmup_epochs=1)
    assert got[1] == got[2] == 1.0  # the linspace warmup already ends at the peak
    assert got[0] == 0.0  # step 0 trains at the start value
    assert got[-1] > 0.0  # the final value is never reached
    within_4_ulp(got, [0.0, 1.0, 1.0, 0.5 * (1 + math.cos(math.pi / 4)), 0.5,
                       0.5 * (1 + math.cos(3 * math.pi / 4))], 1.0)


def test_warmup_steps_without_warmup_epochs_is_a_clear_error_where_the_seed_asserts():
    with pytest.raises(AssertionError):
        seed_cosine_scheduler(1.0, 0.0, 3, 10, warmup_epochs=0, warmup_steps=5)
    with pytest.raises(ValueError, match=r"^warmup_steps > 0 needs warmup_epochs > 0"):
        cosine_scheduler(1.0, 0.0, 3, 10, warmup_epochs=0, warmup_steps=5)


def test_warmup_longer_than_the_run_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^the warmup must fit in epochs \* niter_per_ep, got warmup "):
        cosine_scheduler(1.0, 0.0, 2, 10, warmup_epochs=1, warmup_steps=25)


def test_empty_run_matches_the_seed():
    assert cosine_scheduler(1.0, 0.0, 0, 10).shape == seed_cosine_scheduler(1.0, 0.0, 0, 10).shape == (0,)


def test_the_seed_training_loop_indexing():
    # The seed's loop: idx = epoch * len(loader) + i, lr = schedule[idx].
    schedule = cosine_scheduler(0.1, 1e-4, epochs=4, niter_per_ep=5, warmup_epochs=1)
    seen = [schedule[epoch * 5 + i] for epoch in range(4) for i in range(5)]
    assert np.array_equal(seen, schedule)
