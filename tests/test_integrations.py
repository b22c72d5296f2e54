"""ArrayScheduler inside the Hugging Face Trainer, Lightning and Accelerate.

Each runs a tiny model for a few steps with gradient accumulation and checks
that every optimizer update used the array's values (two groups, one with
``lr_scale``, and a weight-decay schedule), and that the frameworks' own
checkpoint/resume continues the trace exactly.
"""

import shutil
import warnings

import numpy as np
import pytest

from tests.support import require

torch = require("torch")

import schedarray as sa  # noqa: E402
from schedarray.torch import ArrayScheduler  # noqa: E402

N, W, ACCUM, BATCH = 8, 3, 2, 4
LR = sa.warmup_cosine(N, peak=0.1, warmup_steps=W, start=0.01, end=0.001)
WD = sa.cosine(N, start=0.01, end=0.1)
EXPECTED = [[(LR[k] * 0.5, WD[k]), (LR[k], 0.0)] for k in range(N)]


def _data(n=N * ACCUM * BATCH):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    return x, x.sum(dim=1, keepdim=True) * 0.3


def _optimizer(linear):
    return torch.optim.AdamW(
        [
            {"params": [linear.weight], "lr_scale": 0.5, "weight_decay": 0.05},
            {"params": [linear.bias], "weight_decay": 0.0},
        ],
        lr=1.0,
    )


def _groups(opt):
    return [(g["lr"], g["weight_decay"]) for g in opt.param_groups]


# -- Hugging Face Trainer ----------------------------------------------------------------


@pytest.fixture(scope="module")
def hf():
    return require("transformers")


class _TinyRegression(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.linear = torch.nn.Linear(4, 1)

    def forward(self, x, labels=None):
        out = self.linear(x)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


def _hf_trainer(hf, tmp_path, *, save_steps=None, seen=None):
    x, y = _data()
    dataset = [{"x": x[i], "labels": y[i]} for i in range(len(x))]
    model = _TinyRegression()
    opt = _optimizer(model.linear)
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})

    class Record(hf.TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
            seen.append(_groups(optimizer))

    args = hf.TrainingArguments(
        output_dir=str(tmp_path), max_steps=N, per_device_train_batch_size=BATCH,
        gradient_accumulation_steps=ACCUM, logging_steps=1, report_to="none", use_cpu=True,
        save_strategy="steps" if save_steps else "no", save_steps=save_steps or 500,
        disable_tqdm=True, seed=0, dataloader_num_workers=0,
    )
    trainer = hf.Trainer(
        model=model, args=args, train_dataset=dataset, optimizers=(opt, sched),
        callbacks=[Record()],
    )
    return trainer, model, sched


def test_hf_trainer_steps_once_per_update_with_accumulation(hf, tmp_path):
    seen = []
    trainer, model, sched = _hf_trainer(hf, tmp_path, seen=seen)
    trainer.train()
    assert seen == EXPECTED
    assert sched.last_epoch == N  # the step() after the last update: the finished state
    logged = [entry["learning_rate"] for entry in trainer.state.log_history if "loss" in entry]
    assert logged == [LR[k] * 0.5 for k in range(N)]  # HF logs get_last_lr()[0] before stepping
    assert torch.isfinite(model.linear.weight).all()


def test_hf_trainer_resume_from_checkpoint_continues_the_trace(hf, tmp_path):
    full = []
    _hf_trainer(hf, tmp_path / "full", seen=full)[0].train()
    first = []
    _hf_trainer(hf, tmp_path / "run", save_steps=W, seen=first)[0].train()
    resumed = []
    trainer, _, sched = _hf_trainer(hf, tmp_path / "run", seen=resumed)
    trainer.train(resume_from_checkpoint=str(tmp_path / "run" / f"checkpoint-{W}"))
    assert full == EXPECTED
    assert resumed == EXPECTED[W:]
    assert sched.last_epoch == N


# -- Lightning ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pl():
    return require("pytorch_lightning")


def _lightning_module(pl, seen):
    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.linear = torch.nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return torch.nn.functional.mse_loss(self.linear(x), y)

        def configure_optimizers(self):
            opt = _optimizer(self.linear)
            sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

        def on_before_optimizer_step(self, optimizer):
            seen.append(_groups(optimizer))

    return Module()


def _lightning_fit(pl, tmp_path, seen, *, max_steps=N, ckpt_path=None, callbacks=()):
    x, y = _data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    trainer = pl.Trainer(
        max_steps=max_steps, accumulate_grad_batches=ACCUM, accelerator="cpu", devices=1,
        logger=False, enable_checkpointing=bool(callbacks), callbacks=list(callbacks),
        enable_progress_bar=False, enable_model_summary=False, default_root_dir=str(tmp_path),
    )
    module = _lightning_module(pl, seen)
    with warnings.catch_warnings():
        # "does not have many workers" and similar advice about the tiny setup
        warnings.simplefilter("ignore", pl.utilities.warnings.PossibleUserWarning)
        # pytorch_lightning 2.6 vs torch 2.13's pytree: not ours
        warnings.filterwarnings("ignore", r"`isinstance\(treespec, LeafSpec\)` is deprecated")
        trainer.fit(module, loader, ckpt_path=ckpt_path)
    return trainer


def test_lightning_steps_once_per_update_with_accumulation(pl, tmp_path):
    seen = []
    trainer = _lightning_fit(pl, tmp_path, seen)
    assert seen == EXPECTED
    sched = trainer.lr_scheduler_configs[0].scheduler
    assert isinstance(sched, ArrayScheduler)
    assert sched.last_epoch == N


def test_lightning_resume_from_checkpoint_continues_the_trace(pl, tmp_path):
    def checkpoint(name):
        return pl.callbacks.ModelCheckpoint(
            dirpath=str(tmp_path / name), every_n_train_steps=W, save_top_k=-1, filename="{step}"
        )

    first = []
    _lightning_fit(pl, tmp_path, first, max_steps=W, callbacks=[checkpoint("first")])
    assert first == EXPECTED[:W]
    # resume with the same callback setup (Lightning warns otherwise) into an empty directory
    saved = tmp_path / "resume.ckpt"
    shutil.move(tmp_path / "first" / f"step={W}.ckpt", saved)
    shutil.rmtree(tmp_path / "first")
    resumed = []
    trainer = _lightning_fit(
        pl, tmp_path, resumed, ckpt_path=str(saved), callbacks=[checkpoint("first")]
    )
    assert resumed == EXPECTED[W:]
    assert trainer.lr_scheduler_configs[0].scheduler.last_epoch == N


# -- Accelerate --------------------------------------------------------------------------


def test_accelerate_prepare_and_accumulate():
    accelerate = require("accelerate")
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=ACCUM)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = _optimizer(model)
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
    x, y = _data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH)
    model, opt, loader, sched = accelerator.prepare(model, opt, loader, sched)
    seen = []
    for xb, yb in loader:
        with accelerator.accumulate(model):
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                seen.append(_groups(opt))
            opt.step()
            sched.step()  # called on every micro-batch; Accelerate steps it once per update
            opt.zero_grad()
    assert seen == EXPECTED
    assert sched.scheduler.last_epoch == N
    assert np.isfinite(model.weight.detach().numpy()).all()


# -- the README's examples ---------------------------------------------------------------


def _quiet_lightning(pl):
    """Lightning's advice about this environment (no tensorboard, few workers), not ours."""
    warnings.simplefilter("ignore", pl.utilities.warnings.PossibleUserWarning)
    warnings.filterwarnings("ignore", "Starting from v1.9.0, `tensorboardX` has been removed")
    warnings.filterwarnings("ignore", r"`isinstance\(treespec, LeafSpec\)` is deprecated")


@pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning")  # CPU only
def test_readme_hf_trainer(hf, tmp_path, monkeypatch):
    from tests.test_adapter_torch import readme_example

    monkeypatch.chdir(tmp_path)
    x, y = _data(64)
    ns = {"model": _TinyRegression(),
          "train_dataset": [{"x": x[i], "labels": y[i]} for i in range(len(x))]}
    exec(readme_example("hf-trainer"), ns)
    assert ns["trainer"].state.global_step == len(ns["lr"]) == 20
    assert ns["trainer"].lr_scheduler.last_epoch == 20
    assert ns["optimizer"].param_groups[0]["lr"] == ns["lr"][-1]


def test_readme_lightning(pl, tmp_path, monkeypatch):
    from tests.test_adapter_torch import readme_example

    monkeypatch.chdir(tmp_path)
    x, y = _data(160)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    ns = {"loader": loader}
    with warnings.catch_warnings():
        _quiet_lightning(pl)
        exec(readme_example("lightning"), ns)
    module = ns["LitModel"]  # the example fits a fresh instance; check one the same way
    assert issubclass(module, pl.LightningModule)
    seen = []

    class Probe(module):
        def on_before_optimizer_step(self, optimizer):
            seen.append(optimizer.param_groups[0]["lr"])

    trainer = pl.Trainer(max_steps=len(ns["lr"]), accumulate_grad_batches=2, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    with warnings.catch_warnings():
        _quiet_lightning(pl)
        trainer.fit(Probe(), loader)
    assert seen == list(ns["lr"])
