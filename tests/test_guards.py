"""Training-loop guards: no update runs past the schedule unnoticed (issue 13, item 5)."""

import numpy as np
import pytest

from tests.support import require

torch = require("torch")

import schedarray as sa  # noqa: E402
import schedarray.torch as sa_torch  # noqa: E402
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


# -- sizing from the framework, warnings at the end ----------------------------------------

from tests.test_integrations import (  # noqa: E402
    ACCUM,
    BATCH,
    _data,
    _groups,
    _lightning_module,
    _optimizer,
    _TinyRegression,
)


def _build(n):
    return {"lr": sa.warmup_cosine(n, peak=0.1, warmup_steps=2, end=0.001),
            "weight_decay": sa.cosine(n, start=0.01, end=0.1)}


def _expected(n):
    values = _build(n)
    return [[(values["lr"][k] * 0.5, values["weight_decay"][k]), (values["lr"][k], 0.0)]
            for k in range(n)]


def test_a_lazy_scheduler_cannot_train_before_it_is_sized():
    param = torch.nn.Parameter(torch.ones(2))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = ArrayScheduler(optimizer, lambda n: sa.linear(n, start=0.4, end=0.1))
    assert scheduler.length is None
    with pytest.raises(RuntimeError, match=r"^ArrayScheduler has no values yet"):
        _update(param, optimizer)
    with pytest.raises(RuntimeError, match=r"^ArrayScheduler has no values yet"):
        scheduler.state_dict()
    scheduler.load_state_dict({"format": "schedarray.ArrayScheduler/1", "step": 2, "length": 4,
                               "fingerprint": "sha256:x"}, strict=False)
    scheduler.size(4)  # the checkpoint read before sizing is applied now
    assert scheduler.last_epoch == 2
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.2)
    with pytest.raises(ValueError, match=r"^the scheduler is already sized, length=4$"):
        scheduler.size(4)
    other = ArrayScheduler(torch.optim.SGD([param], lr=1.0), lambda n: sa.linear(3, start=1.0))
    with pytest.raises(ValueError, match=r"^build\(total_steps\) must return 5 steps, got 3"):
        other.size(5)


@pytest.fixture(scope="module")
def hf():
    return require("transformers")


def _hf_run(hf, tmp_path, values, seen, **args):
    from schedarray.transformers import ScheduleCallback

    x, y = _data(40)
    dataset = [{"x": x[i], "labels": y[i]} for i in range(len(x))]
    model = _TinyRegression()
    opt = _optimizer(model.linear)

    class Record(hf.TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
            seen.append(_groups(optimizer))

    trainer = hf.Trainer(
        model=model, train_dataset=dataset, optimizers=(opt, ArrayScheduler(opt, values)),
        callbacks=[Record(), ScheduleCallback()],
        args=hf.TrainingArguments(
            output_dir=str(tmp_path), per_device_train_batch_size=BATCH,
            gradient_accumulation_steps=ACCUM, report_to="none", use_cpu=True,
            save_strategy="no", disable_tqdm=True, seed=0, dataloader_num_workers=0, **args))
    trainer.train()
    return trainer


def test_hf_callback_sizes_the_schedule_from_the_trainer(hf, tmp_path):
    import warnings

    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa_torch.ScheduleMismatchWarning)
        trainer = _hf_run(hf, tmp_path, _build, seen, num_train_epochs=2)
    n = trainer.state.max_steps  # 40 examples / 4 per batch / 2 accumulated, 2 epochs = 10
    assert n == 10
    assert seen == _expected(n)


def test_hf_callback_warns_when_the_run_is_shorter_than_the_schedule(hf, tmp_path):
    seen = []
    with pytest.warns(sa_torch.ScheduleMismatchWarning) as caught:
        _hf_run(hf, tmp_path, _build(12), seen, max_steps=5)
    messages = [str(w.message) for w in caught]
    assert "the schedule has 12 steps but the Trainer will run max_steps=5" in messages[0]
    assert any("training ended after 5 optimizer updates, but the schedule has 12 steps: "
               "its last 7 values never ran" in m for m in messages)
    assert seen == _expected(12)[:5]


@pytest.fixture(scope="module")
def pl():
    return require("pytorch_lightning")


def _lightning_run(pl, tmp_path, values, seen, **trainer_args):
    import warnings

    from schedarray.lightning import ScheduleCallback

    module = _lightning_module(pl, seen)
    module.configure_optimizers = lambda: _configure(module, values)
    x, y = _data(40)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    trainer = pl.Trainer(
        accumulate_grad_batches=ACCUM, accelerator="cpu", devices=1, logger=False,
        enable_checkpointing=False, callbacks=[ScheduleCallback()], enable_progress_bar=False,
        enable_model_summary=False, default_root_dir=str(tmp_path), **trainer_args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pl.utilities.warnings.PossibleUserWarning)
        warnings.filterwarnings("ignore", r"`isinstance\(treespec, LeafSpec\)` is deprecated")
        trainer.fit(module, loader)
    return trainer


def _configure(module, values):
    opt = _optimizer(module.linear)
    return {"optimizer": opt,
            "lr_scheduler": {"scheduler": ArrayScheduler(opt, values), "interval": "step"}}


def test_lightning_callback_sizes_the_schedule_from_the_trainer(pl, tmp_path):
    import warnings

    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa_torch.ScheduleMismatchWarning)
        trainer = _lightning_run(pl, tmp_path, _build, seen, max_epochs=2)
    assert trainer.estimated_stepping_batches == 10
    assert seen == _expected(10)


def test_lightning_callback_warns_when_the_run_is_shorter_than_the_schedule(pl, tmp_path):
    seen = []
    with pytest.warns(sa_torch.ScheduleMismatchWarning) as caught:
        _lightning_run(pl, tmp_path, _build(12), seen, max_epochs=2)
    messages = [str(w.message) for w in caught]
    assert any("the schedule has 12 steps but Lightning will run 10 optimizer updates" in m
               for m in messages)
    assert any("training ended after 10 optimizer updates" in m for m in messages)
    assert seen == _expected(12)[:10]


def test_check_run_warns_both_ways_and_is_quiet_on_a_match():
    import warnings

    _, _, scheduler = _setup(n=4)
    with pytest.warns(sa_torch.ScheduleMismatchWarning,
                      match=r"^loop: training ran 6 optimizer updates, past the schedule's 4 "
                            r"steps: the last 2 held its last value$"):
        sa_torch.check_run(scheduler, 6, "loop")
    with pytest.warns(sa_torch.ScheduleMismatchWarning, match=r"its last 3 values never ran"):
        sa_torch.check_run(scheduler, 1, "loop")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sa_torch.check_run(scheduler, 4, "loop")


@pytest.mark.parametrize("module", ["schedarray.transformers", "schedarray.lightning"])
def test_docstring_examples(module):  # here, not in test_docs: they import their frameworks
    import doctest
    import importlib

    require("transformers" if module.endswith("transformers") else "pytorch_lightning")
    result = doctest.testmod(importlib.import_module(module),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1
    assert result.failed == 0


@pytest.mark.parametrize(("module", "blocked", "message"), [
    ("schedarray.transformers", ["transformers"], "pip install transformers"),
    ("schedarray.lightning", ["pytorch_lightning", "lightning", "lightning.pytorch"],
     "pip install lightning"),
])
def test_a_missing_framework_says_what_to_install(module, blocked, message):
    import subprocess
    import sys

    code = (f"import sys\nfor name in {blocked!r}:\n    sys.modules[name] = None\n"
            f"try:\n    import {module}\nexcept ImportError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert message in proc.stdout
