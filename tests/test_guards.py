"""Training-loop guards: no update runs past the schedule unnoticed (issue 13, item 5)."""

import numpy as np
import pytest

from tests.support import require

torch = require("torch")

import schedarray as sa  # noqa: E402
from schedarray.torch import ArrayScheduler, ScheduleExhaustedError  # noqa: E402


def _setup(n=4, **kw):
    param = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.SGD([param], lr=1.0)
    return param, optimizer, ArrayScheduler(optimizer, sa.linear(n, start=0.4, end=0.1), **kw)


def _update(param, optimizer):
    param.grad = torch.ones_like(param)
    optimizer.step()


def test_the_first_update_past_the_schedule_raises_before_it_runs():
    param, optimizer, scheduler = _setup()
    for _ in range(2):  # stepped twice per update: gradient accumulation counted per micro-batch
        _update(param, optimizer)
        scheduler.step()
        scheduler.step()
    assert scheduler.last_epoch == 4
    before = param.detach().clone()
    with pytest.raises(ScheduleExhaustedError, match=(
            r"^optimizer update 4 is past the end of the schedule \(length 4\)")):
        _update(param, optimizer)
    assert torch.equal(param.detach(), before)  # the update did not run


def test_a_normal_loop_ends_quietly():
    param, optimizer, scheduler = _setup()
    seen = []
    for _ in range(4):
        seen.append(optimizer.param_groups[0]["lr"])
        _update(param, optimizer)
        scheduler.step()
    np.testing.assert_allclose(seen, [0.4, 0.3, 0.2, 0.1], rtol=1e-15)
    assert scheduler.last_epoch == 4


def test_hold_keeps_updating_with_the_last_value():
    param, optimizer, scheduler = _setup(on_exhausted="hold")
    for _ in range(6):
        _update(param, optimizer)
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1)


def test_a_resumed_finished_schedule_refuses_to_train_on():
    param, _, _ = _setup()
    optimizer2 = torch.optim.SGD([param], lr=1.0)
    scheduler = ArrayScheduler(optimizer2, sa.linear(4, start=0.4, end=0.1), initial_step=4)
    assert scheduler.last_epoch == 4
    with pytest.raises(ScheduleExhaustedError, match="past the end of the schedule"):
        _update(param, optimizer2)


def test_the_guard_goes_with_the_scheduler():
    param, optimizer, scheduler = _setup(n=1)
    _update(param, optimizer)
    scheduler.step()
    del scheduler  # nothing holds it: the optimizer trains on, unguarded
    _update(param, optimizer)
    assert not optimizer._optimizer_step_pre_hooks
