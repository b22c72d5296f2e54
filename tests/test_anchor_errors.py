"""Where an anchor raises a specific non-ValueError type, compat raises one that is both.

Each case runs the anchor itself (so the type is the anchor's real behaviour, not a
belief about it) and the compat function, whose exception must be an instance of
the anchor's type *and* of `ValueError` (schedarray's contract).
"""

import warnings

import pytest

from schedarray import errors
from schedarray.compat import fvcore as CF
from schedarray.compat import hf as CH
from schedarray.compat import torch as CT
from tests.support import require


def anchor_raises(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:  # noqa: PT011 - the type is what we learn
            call()
    return type(info.value)


def check(anchor_call, ours_call, expected):
    kind = anchor_raises(anchor_call)
    assert kind is expected, f"the anchor raised {kind.__name__}, not {expected.__name__}"
    with pytest.raises(kind) as info:
        ours_call()
    assert isinstance(info.value, ValueError)


def test_error_classes_are_both_types():
    for cls, anchor in ((errors.ScheduleIndexError, IndexError),
                        (errors.ScheduleRuntimeError, RuntimeError),
                        (errors.ScheduleZeroDivisionError, ZeroDivisionError)):
        exc = cls("message")
        assert isinstance(exc, ValueError)
        assert isinstance(exc, anchor)
        assert str(exc) == "message"


def test_fvcore_types():
    F = require("fvcore.common.param_scheduler")
    check(lambda: F.ConstantParamScheduler(1.0)(1.0),
          lambda: CF.constant_param_scheduler(1.0)(1.0), RuntimeError)
    check(lambda: F.MultiStepParamScheduler([1.0, 0.1], num_updates=4)(1.5),
          lambda: CF.multi_step_param_scheduler([1.0, 0.1], num_updates=4)(1.5), RuntimeError)
    n = 2_000_003  # past 10**6 steps WHERE_EPSILON reaches past the last value
    check(lambda: [F.StepParamScheduler(10, [1.0, 0.5])(t / n) for t in range(n - 3, n)],
          lambda: CF.step_param_scheduler(10, [1.0, 0.5]).sample(n), IndexError)
    parts = [F.ConstantParamScheduler(1.0), F.ConstantParamScheduler(2.0)]
    ours = [CF.constant_param_scheduler(1.0), CF.constant_param_scheduler(2.0)]
    check(lambda: F.CompositeParamScheduler(parts, [1.0, 0.0], ["rescaled"] * 2)(0.9999995),
          lambda: CF.composite_param_scheduler(ours, [1.0, 0.0], ["rescaled"] * 2)(0.9999995),
          ZeroDivisionError)


def torch_trace(make, steps):
    torch = require("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(torch.optim.lr_scheduler, opt)
    for _ in range(steps):
        opt.step()
        sched.step()


def test_torch_types():
    check(lambda: torch_trace(lambda L, o: L.ConstantLR(o, factor=0.0, total_iters=3), 4),
          lambda: CT.constant_lr(0.1, 5, factor=0.0, total_iters=3), ZeroDivisionError)
    check(lambda: torch_trace(lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10,
                                                        pct_start=0.1), 3),
          lambda: CT.one_cycle_lr(0.1, total_steps=10, pct_start=0.1), ZeroDivisionError)
    # torch's own type for a step past total_steps is ValueError: nothing to add there
    kind = anchor_raises(lambda: torch_trace(lambda L, o: L.OneCycleLR(o, 0.1, total_steps=4),
                                             5))
    assert kind is ValueError
    with pytest.raises(ValueError, match="Tried to step 5 times"):
        CT.one_cycle_lr(0.1, total_steps=4, num_steps=6)


def test_transformers_types():
    transformers = require("transformers")
    torch = require("torch")

    def hf():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        sched = transformers.get_polynomial_decay_schedule_with_warmup(opt, 3, 3, lr_end=0.1)
        for _ in range(4):
            opt.step()
            sched.step()

    check(hf, lambda: CH.get_polynomial_decay_schedule_with_warmup(
        1.0, 3, 3, lr_end=0.1, num_steps=5), ZeroDivisionError)


def test_transformers_inverse_sqrt_timescale_zero():
    transformers = require("transformers")
    torch = require("torch")

    def hf(steps):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        sched = transformers.get_inverse_sqrt_schedule(opt, 2, timescale=0)
        values = [opt.param_groups[0]["lr"]]
        for _ in range(steps - 1):
            opt.step()
            sched.step()
            values.append(opt.param_groups[0]["lr"])
        return values

    check(lambda: hf(3), lambda: CH.get_inverse_sqrt_schedule(1.0, 2, 0, num_steps=3),
          ZeroDivisionError)
    # within the warmup HF never divides: the same values
    assert CH.get_inverse_sqrt_schedule(1.0, 2, 0, num_steps=2).tolist() == hf(2)
