"""Checking a port against its original: sample, from_torch, compare python:module:attr."""

import doctest
import sys
import textwrap

import numpy as np
import pytest

import schedarray as sa
from schedarray import cli, trace
from schedarray.trace import from_torch, load_python

from .support import require

torch = require("torch")


def test_sample_evaluates_every_step():
    got = sa.sample(lambda it: 0.5 * it, 4)
    assert got.tolist() == [0.0, 0.5, 1.0, 1.5]
    assert sa.from_callable is sa.sample
    assert sa.sample(lambda it: 1.0, "2ep", steps_per_epoch=3).shape == (6,)
    assert sa.sample(lambda it: 1.0, 3, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(("fn", "exc", "message"), [
    (None, TypeError, r"^fn must be callable, got fn=None$"),
    (lambda it: "x", TypeError, r"^fn\(0\) must be a real number, got fn\(0\)='x'$"),
    (lambda it: 1.0 / (2 - it), ZeroDivisionError, "division by zero"),
    (lambda it: float("nan") if it == 1 else 0.0, ValueError,
     r"^fn\(1\) must be finite, got fn\(1\)=nan$"),
])
def test_sample_bad_input(fn, exc, message):
    with pytest.raises(exc, match=message):
        sa.sample(fn, 3)


def _optimizer(*lrs, **kw):
    groups = [{"params": [torch.nn.Parameter(torch.ones(3))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], **kw)


def _loop(optimizer, scheduler, n, key="lr"):
    rows = []
    for _ in range(n):
        rows.append([g[key] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return np.array(rows)


def test_from_torch_traces_a_lambda_closure_per_group_on_a_copy():
    optimizer = _optimizer(1.0, 0.1)
    warm = 4

    def factor(step):  # a custom closure, as real scripts write them
        return (step + 1) / warm if step < warm else 0.5 ** (step - warm)

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    for p in optimizer.param_groups[0]["params"]:
        p.grad = torch.ones_like(p)
    before = [p.detach().clone() for g in optimizer.param_groups for p in g["params"]]
    got = from_torch(scheduler, 12)
    assert got.shape == (12, 2)
    assert scheduler.last_epoch == 0
    after = [p.detach() for g in optimizer.param_groups for p in g["params"]]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    np.testing.assert_array_equal(got, _loop(optimizer, scheduler, 12))


def test_from_torch_starts_from_the_current_state_and_steps_per_epoch():
    optimizer = _optimizer(0.3, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    optimizer.step()
    scheduler.step()  # resumed one epoch in
    got = from_torch(scheduler, 9, steps_per_epoch=3)
    expected = [0.3] * 3 + [0.03] * 6
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert from_torch(scheduler, 2, key="momentum").tolist() == [0.9, 0.9]


def test_from_torch_sequential_and_betas():
    param = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.AdamW([param], lr=1.0)
    warm = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5)
    seq = torch.optim.lr_scheduler.SequentialLR(optimizer, [warm, cos], milestones=[3])
    np.testing.assert_array_equal(from_torch(seq, 10), _loop(optimizer, seq, 10)[:, 0])
    assert from_torch(seq, 1, key="betas").tolist() == [0.9]


def test_from_torch_bad_input():
    optimizer = _optimizer(0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    with pytest.raises(ValueError, match="ReduceLROnPlateau follows a validation metric"):
        from_torch(plateau, 3)
    with pytest.raises(TypeError, match=r"^scheduler must be a torch learning-rate scheduler"):
        from_torch(lambda t: 1.0, 3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    with pytest.raises(ValueError, match=r"^param_groups\[0\] has no 'momentum'$"):
        from_torch(torch.optim.lr_scheduler.StepLR(
            torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]), 2), 3, key="momentum")
    with pytest.raises(ValueError, match=r"^num_steps must be >= 1, got num_steps=0$"):
        from_torch(scheduler, 0)


def test_load_python():
    assert load_python("math:pi") > 3
    assert load_python("os.path:sep.join") is not None
    with pytest.raises(ValueError, match=r"^target must be 'module:attr', got target='math'$"):
        load_python("math")
    with pytest.raises(ValueError, match=r"^'math' has no attribute 'tau2'$"):
        load_python("math:tau2")


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "my_train.py").write_text(textwrap.dedent("""
        import math
        import torch

        def get_lr(it):
            return 0.5 * (1 + math.cos(math.pi * it / 10))

        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
        wrong = 3
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_train"
    sys.modules.pop("my_train", None)


SPEC = '{"name": "cosine", "total_steps": 10, "start": 1.0, "endpoint": false}'


@pytest.mark.parametrize("attr", ["get_lr", "scheduler"])
def test_cli_compares_a_spec_with_python(user_module, attr, capsys):
    assert cli.main(["compare", SPEC, f"python:{user_module}:{attr}"]) == 0
    out = capsys.readouterr().out
    assert "no step differs" in out
    assert cli.main(["compare", f"python:{user_module}:{attr}", SPEC]) == 0
    wrong = SPEC.replace("false", "true")
    assert cli.main(["compare", wrong, f"python:{user_module}:{attr}"]) == 1


def test_cli_python_errors(user_module, capsys):
    assert cli.main(["compare", SPEC, f"python:{user_module}:wrong"]) == 2
    assert "must name an array, a function of the step or a torch scheduler, got int" in (
        capsys.readouterr().err)
    assert cli.main(["compare", "python:math:cos", "python:math:sin"]) == 2
    assert "needs at least one SPEC" in capsys.readouterr().err


def test_docstring_examples():  # here, not in test_docs: from_torch's example needs torch
    result = doctest.testmod(trace, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4
    assert result.failed == 0


@pytest.mark.parametrize("per_epoch", [True, False])
def test_from_torch_steps_a_timm_scheduler_as_timm_train_py(per_epoch):
    from schedarray.compat import timm as compat_timm

    from .test_compat_timm import MODULES

    optimizer = _optimizer(0.1)
    upe = 4 if per_epoch else None
    scheduler = MODULES["cosine_lr"].CosineLRScheduler(
        optimizer, t_initial=20 if not per_epoch else 5, warmup_t=2, warmup_lr_init=1e-3,
        lr_min=1e-4, t_in_epochs=per_epoch)
    got = from_torch(scheduler, 20, steps_per_epoch=upe)
    expected = compat_timm.cosine_lr_scheduler(
        0.1, 20, 20 if not per_epoch else 5, warmup_t=2, warmup_lr_init=1e-3, lr_min=1e-4,
        t_in_epochs=per_epoch, updates_per_epoch=upe)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * 0.1)
