"""Bad input: each case pins the exception type and the message, and nothing is written."""

import math
import re

import numpy as np
import pytest

import schedarray as sa

BAD = [
    # (call, exception, message regex)
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=120), ValueError,
     r"^warmup_steps must be <= total_steps, got warmup_steps=120, total_steps=100$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps=-1), ValueError,
     r"^warmup_steps must be >= 0, got warmup_steps=-1$"),
    (lambda: sa.cosine_restarts(100, peak=1.0, cycle_steps=10, warmup_steps=2.5), TypeError,
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


# --------------------------------------------------------------------------------------
# Hostile input (issue 12): sizes, values, overflow and the caller's names
# --------------------------------------------------------------------------------------

from schedarray.compat import hf as H  # noqa: E402
from schedarray.compat import keras as K  # noqa: E402
from schedarray.compat import optax as O  # noqa: E402
from schedarray.compat import timm as T  # noqa: E402
from schedarray.compat import torch as C  # noqa: E402

MEMORY = r"more than the \d+ bytes of memory available \(write into an np\.memmap with out=, " \
    r"or compute parts with schedarray\.window\)$"
OVERFLOW = r"the parameters overflow the float range or divide by zero "

HOSTILE = [
    # sizes: refused before anything is allocated, naming the parameter and the bytes
    (lambda: sa.linear(2**63, start=1.0), ValueError,
     r"^total_steps=9223372036854775808 is too large: the result \(9223372036854775808 steps\) "
     r"would take at least 36893488147419103232 bytes \(4 each\), " + MEMORY),
    (lambda: sa.warmup_cosine(10**12, peak=1.0), ValueError,
     r"^total_steps=1000000000000 is too large: .* at least 4000000000000 bytes "),
    (lambda: C.step_lr(0.1, 10**13, step_size=3), ValueError,
     r"^num_steps=10000000000000 is too large: .* at least 40000000000000 bytes "),
    (lambda: K.cosine_decay_restarts(2**63, 1.0, first_decay_steps=2), ValueError,
     r"^num_steps=9223372036854775808 is too large: "),
    (lambda: sa.layer_decay(2**63, 0.75), ValueError,
     r"^num_layers must be <= 1048576, got num_layers=9223372036854775808 "
     r"\(73786976294838206480 bytes of scales\)$"),
    (lambda: sa.layer_decay(10**9, 0.9), ValueError,
     r"^num_layers must be <= 1048576, got num_layers=1000000000 \(8000000016 bytes of scales\)$"),
    (lambda: sa.cosine(10**400, start=1.0), ValueError, r"^total_steps=10+ is too large: "),
    (lambda: sa.window(sa.linear, 0, 2**40, 2**50, start=1.0), ValueError,
     r"^window stop - start=1099511627776 is too large: the result \(1099511627776 steps\) "
     r"would take 8796093022208 bytes \(8 each\), " + MEMORY[:-1]
     + r"; got total_steps=1125899906842624$"),
    (lambda: sa.window(sa.linear, 0, 2, 2**60, start=1.0), ValueError,
     r"^total_steps must be <= 2\*\*53 steps, got total_steps=1152921504606846976$"),
    # values that would overflow or be NaN: the parameters are named
    (lambda: H.warmup_cosine_schedule(0.1, 10, 100, cycles=1e308), ValueError,
     r"^a value of the cosine phase would overflow or be NaN: its start - end or its span is "
     r"not finite; got base_lr=0\.1, warmup_steps=10, t_total=100, cycles=1e\+308$"),
    (lambda: C.exponential_lr(0.1, 100, gamma=1e308), ValueError,
     r"^a value of the exponential phase would overflow or be NaN: it would be inf at an end; "
     r"got base_lr=0\.1, num_steps=100, gamma=1e\+308$"),
    (lambda: sa.step(4, start=0, step_size=1, gamma=5.6e102), ValueError,
     r"^a value of the exponential phase would overflow or be NaN: the power 5\.6e\+102 \*\* "
     r"3\.0 overflows; got total_steps=4, start=0, step_size=1, gamma=5\.6e\+102$"),
    (lambda: sa.linear(5, start=1e308, end=-1e308), ValueError,
     r"^a value of the linear phase would overflow or be NaN: its start - end or its span is "
     r"not finite; got total_steps=5, start=1e\+308, end=-1e\+308$"),
    (lambda: sa.linear(5, start=1e308, end=-1e308, endpoint=False), ValueError,
     r"^a value of the linear phase would overflow or be NaN: "),
    (lambda: sa.scale([1.0, 2.0], 1e308), ValueError,
     r"^the product overflows float64: 2\.0 times 1e\+308; got values=\[1\.0, 2\.0\], "
     r"factor=1e\+308$"),
    (lambda: sa.groups([1.0, -2.0], [1e308]), ValueError,
     r"^the product overflows float64: 2\.0 times 1e\+308; got values=\[1\.0, -2\.0\], "
     r"scales=\[1e\+308\]$"),
    (lambda: sa.linear(3, start=1e39, dtype=np.float32), ValueError,
     r"^values must be finite in float32, got a value of 1e\+39, which is beyond the range of "
     r"float32; got total_steps=3, start=1e\+39$"),
    (lambda: sa.join([1e39], dtype=np.float32), ValueError,
     r"^values must be finite in float32, got a value of 1e\+39, .*; got parts\[0\]=\[1e\+39\]$"),
    (lambda: sa.tanh(5, start=1.0, lower=0.0, upper=5e-324), ValueError,
     r"^a value of the tanh phase would overflow or be NaN: upper - lower must be a normal "
     r"float \(>= 2\.2e-308\), and not overflow; got total_steps=5, start=1\.0, lower=0\.0, "
     r"upper=5e-324$"),
    (lambda: sa.cyclic(10**4, low=0.0, high=0.0, step_size_up=2, mode="exp_range",
                       gamma=1e300), ValueError,
     r"^a value of the cyclic phase would overflow or be NaN: .*; got total_steps=10000, "
     r"low=0\.0, high=0\.0, step_size_up=2, gamma=1e\+300$"),
    (lambda: C.constant_lr(-0.0, 4, factor=5e-324, total_iters=2), ValueError,
     r"^a value of the constant phase would overflow or be NaN: it would be nan; got "
     r"base_lr=-0\.0, num_steps=4, factor=5e-324, total_iters=2$"),
    (lambda: C.chained_scheduler([C.constant_lr(1.0, 4, factor=0.1, total_iters=2),
                                  C.exponential_lr(1.0, 4, gamma=0.9)], 5e-324), ValueError,
     r"^values must be finite in float64, got a value of inf, which is beyond the range of "
     r"float64; got schedulers=.*, base_lr=5e-324$"),
    # OverflowError and ZeroDivisionError become ValueErrors naming the call's numbers
    (lambda: sa.cosine(10, start=10**400), ValueError, r"^start must be finite, got start=10+$"),
    (lambda: sa.cosine("1e400ep", start=1.0, steps_per_epoch=10), ValueError,
     r"^total_steps must be a finite number of steps, got total_steps='1e400ep'$"),
    (lambda: sa.warmup_cosine(100, peak=1.0, warmup_steps="1e400%"), ValueError,
     r"^warmup_steps must be a finite number of steps, got warmup_steps='1e400%'$"),
    (lambda: sa.multistep(5, start=1.0, milestones=[1, 2, 3], gamma=1e308), ValueError,
     r"^" + OVERFLOW + r"\(OverflowError: .*\); got total_steps=5, start=1\.0, "
     r"milestones=\[1, 2, 3\], gamma=1e\+308$"),
    (lambda: sa.cosine_restarts(100, peak=1.0, cycle_steps=3, cycle_mul=1e308), ValueError,
     r"^" + OVERFLOW + r"\(OverflowError: .*\); got .*cycle_mul=1e\+308$"),
    (lambda: O.cosine_onecycle_schedule(10, 10, 1.0, pct_start=1e308), ValueError,
     r"^" + OVERFLOW + r".*pct_start=1e\+308$"),
    (lambda: C.one_cycle_lr(0.1, 10, pct_start=1e308), ValueError,
     r"^pct_start must be in \[0, 1\], got pct_start=1e\+308$"),
    (lambda: K.cosine_decay_restarts(10, 1.0, first_decay_steps=5e-324), ValueError,
     r"^" + OVERFLOW + r".*first_decay_steps=5e-324$"),
    (lambda: H.get_cosine_with_min_lr_schedule_with_warmup(0.0, 2, 10, min_lr=0.0), ValueError,
     r"^base_lr must be nonzero to turn min_lr into a rate, got min_lr=0\.0, base_lr=0\.0$"),
    (lambda: H.get_cosine_with_min_lr_schedule_with_warmup([0.0], 2, 10, min_lr=0.0,
                                                           defaults_lr=0.0), ValueError,
     r"^defaults_lr must be nonzero to turn min_lr into a rate, got min_lr=0\.0, "
     r"defaults_lr=0\.0$"),
    (lambda: C.cosine_annealing_lr(0.1, 10**9 + 2, T_max=10**9), ValueError,
     r"^" + OVERFLOW + r"\(ZeroDivisionError: float division by zero\); got base_lr=0\.1, "
     r"num_steps=1000000002, T_max=1000000000$"),
    # a compat call names the anchor's parameters, as the caller spelled them
    (lambda: H.warmup_linear_schedule(0.1, 10, -1), ValueError,
     r"^t_total must be >= 0, got t_total=-1$"),
    (lambda: H.warmup_cosine_schedule(0.1, 1.5, 10), TypeError,
     r"^warmup_steps must be an integer, got warmup_steps=1\.5$"),
    (lambda: H.warmup_cosine_with_hard_restarts_schedule(0.1, 1, 10, cycles=-1.0), ValueError,
     r"^cycles must be >= 0, got cycles=-1\.0$"),
    (lambda: H.get_scheduler("cosine", 1.0, 0, 0), ValueError,
     r"^num_training_steps must be >= 1, got num_training_steps=0$"),
    (lambda: H.get_scheduler("cosine", 1.0, 0, 4, {"power": 2.0}), TypeError,
     r"^scheduler_specific_kwargs has no parameter 'power' for name='cosine', "
     r"got scheduler_specific_kwargs=\{'power': 2\.0\}$"),
    (lambda: O.warmup_constant_schedule(5, 0.0, 1.0, warmup_steps=5.0), TypeError,
     r"^warmup_steps must be an integer, got warmup_steps=5\.0$"),
    (lambda: O.warmup_constant_schedule(5, 0.0, math.nan, warmup_steps=2), ValueError,
     r"^peak_value must be finite, got peak_value=nan$"),
    (lambda: O.sgdr_schedule(6, [{"init_value": 0.0, "peak_value": math.inf, "warmup_steps": 1,
                                  "decay_steps": 3}]), ValueError,
     r"^cosine_kwargs\[0\]: peak_value must be finite, got peak_value=inf$"),
    (lambda: T.create_scheduler_v2(0.1, min_lr=-1, updates_per_epoch=10), ValueError,
     r"^min_lr must be >= 0, got min_lr=-1$"),
    (lambda: T.create_scheduler_v2(0.1, warmup_lr=math.inf, warmup_epochs=1,
                                   updates_per_epoch=10), ValueError,
     r"^warmup_lr must be finite, got warmup_lr=inf$"),
    # wrong types deep inside get a clean TypeError naming the parameter
    (lambda: sa.multistep(5, start=1.0, milestones=np.array(0.5)), TypeError,
     r"^milestones must be a sequence of integers, got milestones=array\(0\.5\)$"),
    (lambda: C.multi_step_lr(1.0, 6, milestones=np.array(2)), TypeError,
     r"^milestones must be a sequence of integers, got milestones=array\(2\)$"),
    (lambda: sa.wsd(8, peak=1.0, decay_steps=3, decay_options=math.inf), TypeError,
     r"^decay_options must be a mapping of options, got decay_options=inf$"),
    (lambda: sa.linear(3, start=1.0, dtype="150%"), TypeError,
     r"^dtype must be float32 or float64, got dtype='150%'$"),
]


@pytest.mark.parametrize(("call", "exc", "message"), HOSTILE)
def test_hostile_input_raises_a_clean_error_naming_the_parameters(call, exc, message):
    with pytest.raises(Exception) as info:  # noqa: PT011 - the type is pinned below
        call()
    assert type(info.value) is exc, (type(info.value), info.value)
    if message is not None:
        assert re.search(message, str(info.value)), str(info.value)


def test_too_many_phases_are_refused_while_the_plan_is_built(monkeypatch):
    from schedarray import _plan

    monkeypatch.setattr(_plan, "MAX_PIECES", 1000)  # the same check as at 2**20, sooner
    with pytest.raises(ValueError, match=(
            r"^the schedule would have more than 1000 phases \(cycles, restarts or milestones, "
            r"each a piece of its plan\); got total_steps=5000$")):
        sa.multistep(5000, start=1.0, milestones=list(range(1, 2000)), gamma=0.999)
    # Cycles are one plan element, whatever their number: no cap applies.
    assert len(K.polynomial_decay(2**20, 1.0, decay_steps=2, cycle=True)) == 2**20


def test_zero_d_arrays_and_numpy_scalars_are_numbers():
    # The same numbers as plain floats give (0.5 * 0.1 ** 2 is 0.005 to an ulp: libm's
    # pow and NumPy's AVX-512 pow round 0.1 ** 2 differently).
    got = C.step_lr(np.array(0.5), 5, step_size=2)
    assert got.tolist() == C.step_lr(0.5, 5, step_size=2).tolist()
    assert np.allclose(got, [0.5, 0.5, 0.05, 0.05, 0.005], rtol=1e-15, atol=0)
    assert sa.linear(np.int64(3), start=np.array(1.0), end=np.float32(0.0)).tolist() == [
        1.0, 0.5, 0.0]


def test_tanh_bounds_that_used_to_give_nan():
    assert sa.tanh(2, start=0, end=0, lower=19, upper=20).tolist() == [0.0, 0.0]
    values = sa.tanh(5, start=1.0, end=0.0, lower=19, upper=20)
    assert np.all(np.isfinite(values))
    assert values[0] == 1.0
    assert values[-1] == 0.0
    assert np.all(np.diff(values) < 0)


def test_windows_of_huge_schedules_still_work():
    assert sa.window(sa.linear, 10**12, 10**12 + 2, 10**13, start=1.0).shape == (2,)
    assert sa.window(C.step_lr, 5, 7, 0.1, 10**15, step_size=3).shape == (2,)
    assert sa.window(K.cosine_decay_restarts, 2, 4, 6 * 10**15, 1.0, first_decay_steps=2,
                     t_mul=2.0).tolist() == [1.0, 0.8535533905932737]


FAILING_WITH_OUT = [
    (lambda out: sa.linear(5, start=1e308, end=-1e308, out=out), 5),
    (lambda out: sa.scale([1.0, 2.0, 3.0, 4.0, 5.0], 1e308, out=out), 5),
    (lambda out: sa.join([1.0] * 4, [1e39], out=out.astype(np.float32)), 5),
    (lambda out: C.exponential_lr([0.1, 1e300], 5, gamma=1e10, out=out), (5, 2)),
    (lambda out: H.get_cosine_schedule_with_warmup([0.1, 0.2], 1, 5, 1e308, out=out), (5, 2)),
    (lambda out: C.multi_step_lr([0.1, 1e300], 5, milestones=[1, 2], gamma=1e300, out=out),
     (5, 2)),
    (lambda out: T.step_lr_scheduler([1.0, 1e308], 6, decay_t=2, decay_rate=0.5,
                                     noise_range_t=1, noise_std=1e308, out=out), (6, 2)),
]


@pytest.mark.parametrize(("call", "shape"), FAILING_WITH_OUT)
def test_a_refused_call_leaves_out_untouched(call, shape):
    out = np.full(shape, -7.0)
    with pytest.raises(ValueError):  # noqa: PT011 - the messages are pinned above
        call(out)
    assert np.all(out == -7.0)


def test_every_public_function_is_wrapped_once():
    from tests import fuzzing

    for target in fuzzing.targets():
        fn = target.fn
        assert getattr(fn, "schedarray_api", False), target.name
        assert not getattr(fn.__wrapped__, "schedarray_api", False), target.name


def test_exponential_checks_endpoint_in_its_rate_form_too():
    with pytest.raises(TypeError, match="endpoint must be a bool"):
        sa.exponential(4, start=1.0, rate=0.5, endpoint=np.array([[1.0]]))
    with pytest.raises(ValueError, match="endpoint applies only with end"):
        sa.exponential(4, start=1.0, rate=0.5, endpoint=False)
