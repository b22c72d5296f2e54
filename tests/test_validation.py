"""Bad input: each case pins the exception type and the message, and nothing is written."""

import math

import numpy as np
import pytest

import schedarray as sa

BAD = [
    # (call, exception, message regex)
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=120), ValueError,
     r"^warmup_steps must be <= total_steps, got warmup_steps=120, total_steps=100$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=-1), ValueError,
     r"^warmup_steps must be >= 0, got warmup_steps=-1$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=2.5), TypeError,
     r"^warmup_steps must be an int number of steps, '<x>ep' or '<x>%', got warmup_steps=2\.5$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=False), TypeError,
     r"^warmup_steps must be an int number of steps, '<x>ep' or '<x>%', got warmup_steps=False$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps="150%"), ValueError,
     r"^warmup_steps must be <= total_steps, got warmup_steps=150, total_steps=100$"),
    (lambda: sa.warmup_cosine(100, peak=math.nan), ValueError, r"^peak must be finite, got peak=nan$"),
    (lambda: sa.warmup_cosine(100, peak=math.inf), ValueError, r"^peak must be finite, got peak=inf$"),
    (lambda: sa.warmup_cosine(100, peak="1e-3"), TypeError, r"^peak must be a real number, got peak='1e-3'$"),
    (lambda: sa.warmup_cosine(100, peak=None), TypeError, r"^peak must be a real number, got peak=None$"),
    (lambda: sa.warmup_cosine(100, peak=True), TypeError, r"^peak must be a real number, got peak=True$"),
    (lambda: sa.cosine(10, start=1.0, end=-math.inf), ValueError, r"^end must be finite, got end=-inf$"),
    (lambda: sa.cosine(10, start=1.0, exponent=0.0), ValueError, r"^exponent must be > 0, got exponent=0\.0$"),
    (lambda: sa.cosine(10, start=1.0, endpoint="yes"), TypeError, r"^endpoint must be a bool, got endpoint='yes'$"),
    (lambda: sa.cosine("3ep", start=1.0, steps_per_epoch=0), ValueError,
     r"^steps_per_epoch must be >= 1, got steps_per_epoch=0$"),
    (lambda: sa.warmup_decay(10, peak=1.0, decay="cosin"), ValueError,
     r"^decay must be one of 'linear', 'cosine', 'polynomial', 'exponential', 'one_minus_sqrt', "
     r"'tanh', 'rex', 'inverse_sqrt', 'constant', got decay='cosin'$"),
    (lambda: sa.warmup_decay(10, peak=1.0, warmup="rex"), ValueError,
     r"^warmup must be one of 'linear', 'cosine', 'exponential', 'one_minus_sqrt', got warmup='rex'$"),
    (lambda: sa.warmup_decay(10, peak=1.0, decay="cosine", decay_options={"power": 2}), ValueError,
     r"^decay_options has no option 'power' for shape 'cosine' \(valid: exponent\)"),
    (lambda: sa.warmup_decay(10, peak=1.0, decay="inverse_sqrt"), ValueError,
     r"^decay_options must set 'timescale' for shape 'inverse_sqrt'"),
    (lambda: sa.warmup_decay(10, peak=1.0, decay="constant", end=0.1), ValueError,
     r"^end does not apply to decay='constant', got end=0\.1$"),
    (lambda: sa.warmup_decay(10, peak=1.0, decay="exponential"), ValueError,
     r"^an exponential decay needs nonzero values of one sign, got 1\.0 and 0\.0$"),
    (lambda: sa.warmup_decay(10, peak=1.0, warmup_steps=3, warmup="exponential"), ValueError,
     r"^an exponential warmup needs nonzero values of one sign, got 0\.0 and 1\.0$"),
    (lambda: sa.exponential(10, start=1.0), ValueError,
     r"^exponential needs exactly one of end and rate, got end=None, rate=None$"),
    (lambda: sa.exponential(10, start=1.0, end=0.1, rate=0.5), ValueError,
     r"^exponential needs exactly one of end and rate"),
    (lambda: sa.exponential(10, start=1.0, end=0.1, staircase=True), ValueError,
     r"^transition_steps and staircase apply only with rate"),
    (lambda: sa.exponential(10, start=1.0, rate=0.5, transition_steps=0), ValueError,
     r"^transition_steps must be >= 1, got transition_steps=0$"),
    (lambda: sa.exponential(10, start=1.0, end=-0.1), ValueError,
     r"^start and end must be nonzero and of one sign for a geometric decay, got start=1\.0, end=-0\.1$"),
    (lambda: sa.step(10, start=1.0, step_size=0), ValueError, r"^step_size must be >= 1, got step_size=0$"),
    (lambda: sa.multistep(10, start=1.0, milestones=[5, 2]), ValueError,
     r"^milestones must be non-decreasing, got milestones=\[5, 2\]$"),
    (lambda: sa.multistep(10, start=1.0, milestones=[0, 2]), ValueError,
     r"^milestones must be >= 1, got milestones=\[0, 2\]$"),
    (lambda: sa.multistep(10, start=1.0, milestones=[1.5]), TypeError,
     r"^milestones\[0\] must be an integer, got milestones\[0\]=1\.5$"),
    (lambda: sa.multistep(10, start=1.0, milestones="5"), TypeError,
     r"^milestones must be a sequence of integers, got milestones='5'$"),
    (lambda: sa.piecewise_constant(10, boundaries=[3, 3], values=[1.0, 0.5, 0.1]), ValueError,
     r"^boundaries must be strictly increasing, got boundaries=\[3, 3\]$"),
    (lambda: sa.piecewise_constant(10, boundaries=[3], values=[1.0]), ValueError,
     r"^values must have one more element than boundaries, got len\(values\)=1, len\(boundaries\)=1$"),
    (lambda: sa.piecewise_constant(10, boundaries=[3], values=[1.0, math.nan]), ValueError,
     r"^values\[1\] must be finite, got values\[1\]=nan$"),
    (lambda: sa.inverse_sqrt(10, start=1.0, timescale=0), ValueError, r"^timescale must be > 0, got timescale=0$"),
    (lambda: sa.inverse_sqrt(10, start=1.0, timescale=2.0, shift=-2.0), ValueError,
     r"^1 \+ shift / timescale must be > 0, got shift=-2\.0, timescale=2\.0$"),
    (lambda: sa.tanh(10, start=1.0, lower=3.0, upper=-7.0), ValueError,
     r"^lower must be < upper, got lower=3\.0, upper=-7\.0$"),
    (lambda: sa.cyclic(10, low=0.1, high=1.0, mode="sawtooth"), ValueError,
     r"^mode must be one of 'triangular', 'triangular2', 'exp_range', got mode='sawtooth'$"),
    (lambda: sa.cyclic(10, low=0.1, high=1.0, step_size_up=0), ValueError,
     r"^step_size_up must be >= 1, got step_size_up=0$"),
    (lambda: sa.wsd(10, peak=1.0, warmup_steps=6, decay_steps=5), ValueError,
     r"^warmup_steps \+ decay_steps must be <= total_steps, got warmup_steps=6, decay_steps=5, total_steps=10$"),
    (lambda: sa.wsd(10, peak=1.0, decay_steps=5, stable="inverse_sqrt"), ValueError,
     r"^stable='inverse_sqrt' needs a timescale, got timescale=None$"),
    (lambda: sa.wsd(10, peak=1.0, decay_steps=5, timescale=3.0), ValueError,
     r"^timescale applies only to stable='inverse_sqrt', got 3\.0$"),
    (lambda: sa.wsd(10, peak=1.0, decay_steps=5, decay="rex"), ValueError,
     r"^decay must be one of 'linear', 'cosine', 'one_minus_sqrt', 'exponential', 'polynomial', got decay='rex'$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=0), ValueError,
     r"^cycle_steps must be >= 1, got cycle_steps=0$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=4, cycle_mul=0.5), ValueError,
     r"^cycle_mul must be >= 1, got cycle_mul=0\.5$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=4, cycle_warmup_steps=4), ValueError,
     r"^cycle_warmup_steps must be < cycle_steps, got cycle_warmup_steps=4, cycle_steps=4$"),
    (lambda: sa.cosine_restarts(10, peak=1.0, cycle_steps=4, cycle_limit=0), ValueError,
     r"^cycle_limit must be >= 1, got cycle_limit=0$"),
    (lambda: sa.one_cycle(10, peak=1.0, warmup_steps=6, three_phase=True), ValueError,
     r"^three_phase needs 2 \* warmup_steps <= total_steps, got warmup_steps=6, total_steps=10$"),
    (lambda: sa.one_cycle(10, peak=1.0, div_factor=0), ValueError, r"^div_factor must be > 0, got div_factor=0$"),
    (lambda: sa.one_cycle(10, peak=1.0, anneal="cos"), ValueError,
     r"^anneal must be one of 'cosine', 'linear', got anneal='cos'$"),
    (lambda: sa.window(sa.linear, 5, 3, 10, start=1.0), ValueError,
     r"^stop must be >= start, got start=5, stop=3$"),
    (lambda: sa.window(sa.linear, 5, 11, 10, start=1.0), ValueError,
     r"^window must lie inside the schedule, got stop=11, total_steps=10$"),
    (lambda: sa.window(sa.linear, -1, 3, 10, start=1.0), ValueError, r"^start must be >= 0, got start=-1$"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD, ids=[m[1:40] for _, _, m in BAD])
def test_bad_input_raises_with_a_clear_message(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_a_failed_call_writes_nothing():
    out = np.full(10, 7.0)
    with pytest.raises(ValueError, match="warmup_steps must be <= total_steps"):
        sa.warmup_cosine(10, peak=1.0, warmup_steps=11, out=out)
    with pytest.raises(ValueError, match="window must lie inside"):
        sa.window(sa.warmup_cosine, 5, 15, 10, peak=1.0, out=out)
    assert np.all(out == 7.0)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'peak_lr'"):
        sa.warmup_cosine(10, peak_lr=1.0)


def test_no_clamping_a_user_did_not_ask_for():
    # A rising "decay" and a negative value are legitimate; nothing is clamped to [0, peak].
    assert sa.linear(3, start=-1.0, end=1.0).tolist() == [-1.0, 0.0, 1.0]
