"""The porting cookbook (docs/porting.md), every recipe against its original.

Each ``<!-- recipe: NAME -->`` block of the cookbook is a configuration (the
lines before the first blank line) and the port (the lines after it). The port
runs here as written, for the cookbook's configuration and for others, and is
compared with a transcription of the original code (the file is named in the
cookbook), or with the real scheduler object where the original is one, to
``1e-12 * max|value|``.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest

import schedarray as sa
from schedarray.compat import convnext
from schedarray.compat import timm as compat_timm

from .support import require

COOKBOOK = Path(__file__).resolve().parent.parent / "docs" / "porting.md"
BLOCK = re.compile(r"<!-- recipe: (\w+) -->\n```python\n(.*?)```", re.S)
TOL = 1e-12


def recipes() -> dict[str, tuple[str, str]]:
    """``name -> (configuration, port)`` for every recipe of the cookbook."""
    found = {}
    for name, body in BLOCK.findall(COOKBOOK.read_text(encoding="utf-8")):
        config, _, port = body.partition("\n\n")
        assert name not in found, f"recipe {name} appears twice"
        assert port.strip(), f"recipe {name} has no port after its configuration"
        found[name] = (config, port)
    return found


RECIPES = recipes()


def run(name: str, **overrides: float) -> dict:
    """Run recipe `name`: its configuration, then `overrides`, then its port."""
    config, port = RECIPES[name]
    namespace = {"sa": sa, "math": math, "np": np, "convnext": convnext, "timm": compat_timm}
    exec(config, namespace)  # the cookbook's own code
    for key in overrides:
        assert key in namespace, f"{name} has no configuration value {key!r}"
    namespace.update(overrides)
    exec(port, namespace)
    return namespace


def close(got, expected, what: str) -> None:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    scale = max(float(np.max(np.abs(expected))), np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    at = int(np.argmax(np.abs(got - expected).ravel()))
    assert worst <= TOL * scale, f"{what}: max |diff| {worst:.3g} at flat index {at}"


def test_every_recipe_is_tested():
    tested = {n[len("test_"):] for n in globals() if n.startswith("test_")}
    assert set(RECIPES) <= tested, sorted(set(RECIPES) - tested)
    assert len(RECIPES) == 16


def test_no_recipe_uses_the_one_step_longer_workaround():
    for name, (_, port) in RECIPES.items():
        assert "[:-1]" not in port, name
        assert "+ 1, " not in port.replace("max_iters + 1", ""), name


# --- transcriptions of the originals ------------------------------------------------


def nanogpt_get_lr(it, c):
    if it < c["warmup_iters"]:
        return c["learning_rate"] * (it + 1) / (c["warmup_iters"] + 1)
    if it > c["lr_decay_iters"]:
        return c["min_lr"]
    decay_ratio = (it - c["warmup_iters"]) / (c["lr_decay_iters"] - c["warmup_iters"])
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return c["min_lr"] + coeff * (c["learning_rate"] - c["min_lr"])


@pytest.mark.parametrize("overrides", [
    {}, {"max_iters": 300, "warmup_iters": 10, "lr_decay_iters": 200},
    {"max_iters": 50, "warmup_iters": 0, "lr_decay_iters": 50, "min_lr": 0.0},
])
def test_nanogpt(overrides):
    ns = run("nanogpt", **overrides)
    close(ns["lr"], [nanogpt_get_lr(it, ns) for it in range(ns["max_iters"] + 1)], "lr")


def llmc_get_learning_rate(step, c):
    lr = c["learning_rate"]
    w, n = c["warmup_iterations"], c["train_num_batches"]
    if step < w:
        return lr * (step + 1) / w
    decay_ratio = (step - w) / (n - w)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    min_lr = lr * c["final_learning_rate_frac"]
    return min_lr + coeff * (lr - min_lr)


@pytest.mark.parametrize("overrides", [
    {}, {"train_num_batches": 100, "warmup_iterations": 1},
    {"train_num_batches": 64, "warmup_iterations": 0, "final_learning_rate_frac": 0.0},
])
def test_llmc(overrides):
    ns = run("llmc", **overrides)
    close(ns["lr"], [llmc_get_learning_rate(s, ns) for s in range(ns["train_num_batches"])], "lr")


@pytest.mark.parametrize("overrides", [
    {}, {"num_iterations": 1000, "cooldown_frac": 0.45}, {"num_iterations": 97,
                                                          "cooldown_frac": 0.333},
    {"num_iterations": 250, "cooldown_frac": 1.0},
])
def test_modded_nanogpt(overrides):
    ns = run("modded_nanogpt", **overrides)
    n, frac = ns["num_iterations"], ns["cooldown_frac"]

    def get_lr(step):
        x = step / n
        assert 0 <= x < 1
        if x < 1 - frac:
            return 1.0
        w = (1 - x) / frac
        return w * 1.0 + (1 - w) * 0.1

    def momentum(step):
        f = min(step / 300, 1)
        return (1 - f) * 0.85 + f * 0.95

    close(ns["lr_factor"], [get_lr(s) for s in range(n)], "lr")
    close(ns["muon_momentum"], [momentum(s) for s in range(n)], "momentum")


class MegatronScheduler:
    """Megatron-LM's ``OptimizerParamScheduler`` (``megatron/core/optimizer_param_scheduler.py``),
    cosine lr and cosine weight-decay increment, as ``training.py`` builds and steps it."""

    def __init__(self, c):
        gbs = c["global_batch_size"]
        self.init_lr, self.max_lr, self.min_lr = c["lr_warmup_init"], c["lr"], c["min_lr"]
        self.lr_decay_steps = c["lr_decay_iters"] * gbs
        self.wd_incr_steps = c["train_iters"] * gbs
        self.lr_warmup_steps = c["lr_warmup_fraction"] * self.lr_decay_steps
        self.start_wd, self.end_wd = c["start_weight_decay"], c["end_weight_decay"]
        self.num_steps = 0

    def get_lr(self):
        if self.lr_warmup_steps > 0 and self.num_steps <= self.lr_warmup_steps:
            return self.init_lr + ((self.max_lr - self.init_lr) * float(self.num_steps)
                                   / float(self.lr_warmup_steps))
        if self.num_steps > self.lr_decay_steps:
            return self.min_lr
        num_steps_ = self.num_steps - self.lr_warmup_steps
        decay_steps_ = self.lr_decay_steps - self.lr_warmup_steps
        decay_ratio = float(num_steps_) / float(decay_steps_)
        assert 0.0 <= decay_ratio <= 1.0
        coeff = 0.5 * (math.cos(math.pi * decay_ratio) + 1.0)
        return self.min_lr + coeff * (self.max_lr - self.min_lr)

    def get_wd(self):
        if self.num_steps > self.wd_incr_steps:
            return self.end_wd
        incr_ratio = float(self.num_steps) / float(self.wd_incr_steps)
        coeff = 0.5 * (math.cos(math.pi * (1 - incr_ratio)) + 1.0)
        return self.start_wd + coeff * (self.end_wd - self.start_wd)


@pytest.mark.parametrize("overrides", [
    {}, {"train_iters": 500, "lr_decay_iters": 500, "lr_warmup_fraction": 0.0137},
    {"train_iters": 97, "lr_decay_iters": 60, "lr_warmup_fraction": 0.25, "lr_warmup_init": 1e-5},
    {"train_iters": 40, "lr_decay_iters": 40, "lr_warmup_fraction": 0.0},
])
def test_megatron(overrides):
    ns = run("megatron", **overrides)
    scheduler = MegatronScheduler(ns)  # step(0) in the constructor
    lrs, wds = [], []
    for _ in range(ns["train_iters"]):
        lrs.append(scheduler.get_lr())
        wds.append(scheduler.get_wd())
        scheduler.num_steps += ns["global_batch_size"]  # step(increment) after the update
    close(ns["lr_schedule"], lrs, "lr")
    close(ns["wd_schedule"], wds, "weight decay")


def fastai_positions(n_epoch, n_iter):
    """``pct_train`` before every training batch (``TrainEvalCallback``, fastai/callback/core.py)."""
    out = []
    for epoch in range(n_epoch):
        pct_train = epoch / n_epoch  # before_train
        for _ in range(n_iter):
            out.append(pct_train)  # ParamScheduler.before_batch reads it
            pct_train += 1.0 / (n_iter * n_epoch)  # after_batch
    return out


def fastai_combined_cos(pct, start, middle, end):
    """fastai's ``combined_cos`` (fastai/callback/schedule.py), in float64."""
    def sched_cos(a, b, pos):
        return a + (1 + math.cos(math.pi * (1 - pos))) * (b - a) / 2

    pcts = [0.0, pct, 1.0]

    def inner(pos):
        idx = min(max(i for i, p in enumerate(pcts) if pos >= p), len(pcts) - 2)
        actual_pos = (pos - pcts[idx]) / (pcts[idx + 1] - pcts[idx])
        return sched_cos(*((start, middle) if idx == 0 else (middle, end)), actual_pos)

    return inner


@pytest.mark.parametrize("overrides", [
    {}, {"n_epoch": 1, "n_iter": 40, "pct_start": 0.3}, {"n_epoch": 3, "n_iter": 7,
                                                         "pct_start": 0.99},
])
def test_fastai_one_cycle(overrides):
    ns = run("fastai_one_cycle", **overrides)
    pos = fastai_positions(ns["n_epoch"], ns["n_iter"])
    lr_max, div, div_final = ns["lr_max"], ns["div"], ns["div_final"]
    lr = fastai_combined_cos(ns["pct_start"], lr_max / div, lr_max, lr_max / div_final)
    mom = fastai_combined_cos(ns["pct_start"], *ns["moms"])
    close(ns["lr"], [lr(p) for p in pos], "lr")
    close(ns["mom"], [mom(p) for p in pos], "momentum")


@pytest.mark.parametrize("overrides", [
    {}, {"n_epoch": 2, "n_iter": 13, "pct_start": 0.72}, {"n_epoch": 1, "n_iter": 8,
                                                          "pct_start": 0.5},
])
def test_fastai_flat_cos(overrides):
    ns = run("fastai_flat_cos", **overrides)
    lr = ns["lr"]
    sched = fastai_combined_cos(ns["pct_start"], lr, lr, lr / ns["div_final"])
    close(ns["lr_schedule"], [sched(p) for p in fastai_positions(ns["n_epoch"], ns["n_iter"])],
          "lr")


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0,
                     start_warmup_value=0, warmup_steps=-1):
    """ConvNeXt/DINO/BEiT ``utils.cosine_scheduler``, as written there."""
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_steps > 0:
        warmup_iters = warmup_steps
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = np.array([final_value + 0.5 * (base_value - final_value)
                         * (1 + math.cos(math.pi * i / (len(iters)))) for i in iters])
    schedule = np.concatenate((warmup_schedule, schedule))
    assert len(schedule) == epochs * niter_per_ep
    return schedule


@pytest.mark.parametrize("overrides", [{}, {"epochs": 7, "niter_per_ep": 3, "warmup_epochs": 0}])
def test_convnext(overrides):
    ns = run("convnext", **overrides)
    args = (ns["epochs"], ns["niter_per_ep"])
    close(ns["lr_schedule_values"],
          cosine_scheduler(ns["lr"], ns["min_lr"], *args, warmup_epochs=ns["warmup_epochs"]), "lr")
    close(ns["wd_schedule_values"],
          cosine_scheduler(ns["weight_decay"], ns["weight_decay_end"], *args), "wd")


@pytest.mark.parametrize("overrides", [{}, {"epochs": 5, "niter": 7, "warmup_epochs": 1}])
def test_dino(overrides):
    ns = run("dino", **overrides)
    args = (ns["epochs"], ns["niter"])
    peak = ns["lr"] * (ns["batch_size_per_gpu"] * ns["world_size"]) / 256.0
    close(ns["lr_schedule"],
          cosine_scheduler(peak, ns["min_lr"], *args, warmup_epochs=ns["warmup_epochs"]), "lr")
    close(ns["wd_schedule"],
          cosine_scheduler(ns["weight_decay"], ns["weight_decay_end"], *args), "wd")
    close(ns["momentum_schedule"], cosine_scheduler(ns["momentum_teacher"], 1, *args), "momentum")


@pytest.mark.parametrize("overrides", [{}, {"epochs": 4, "warmup_epochs": 1,
                                            "len_data_loader": 9, "accum_iter": 3, "depth": 2}])
def test_mae(overrides):
    ns = run("mae", **overrides)
    lr_max = ns["blr"] * ns["batch_size"] * ns["accum_iter"] * ns["world_size"] / 256
    scales = [ns["layer_decay"] ** (ns["depth"] + 1 - i) for i in range(ns["depth"] + 2)]

    def adjust_learning_rate(epoch):
        if epoch < ns["warmup_epochs"]:
            lr = lr_max * epoch / ns["warmup_epochs"]
        else:
            lr = ns["min_lr"] + (lr_max - ns["min_lr"]) * 0.5 * (1.0 + math.cos(
                math.pi * (epoch - ns["warmup_epochs"]) / (ns["epochs"] - ns["warmup_epochs"])))
        return [lr * s for s in scales]

    rows = []
    for epoch in range(ns["epochs"]):
        for data_iter_step in range(ns["len_data_loader"]):
            if data_iter_step % ns["accum_iter"] == 0:
                rows.append(adjust_learning_rate(data_iter_step / ns["len_data_loader"] + epoch))
    expected = np.array(rows)
    close(ns["lr_per_layer"], expected, "lr per layer")
    close(ns["lr_schedule"], expected[:, -1], "lr")


def torch_lrs(optimizer, scheduler, n, keys=("lr",)):
    """What group 0 holds for updates 0..n-1, the scheduler stepped after each update."""
    rows = []
    for _ in range(n):
        group = optimizer.param_groups[0]
        rows.append([group[k] if k != "betas" else group[k][0] for k in keys])
        optimizer.step()
        scheduler.step()
    return np.array(rows).T


@pytest.mark.parametrize("overrides", [
    {}, {"num_train_epochs": 1, "len_train_dataloader": 10, "gradient_accumulation_steps": 3},
    {"num_train_epochs": 2, "len_train_dataloader": 600, "gradient_accumulation_steps": 1},
])
def test_hf_trainer(overrides):
    torch = require("torch")
    transformers = require("transformers")
    ns = run("hf_trainer", **overrides)
    per_epoch = max(ns["len_train_dataloader"] // ns["gradient_accumulation_steps"]
                    + int(ns["len_train_dataloader"] % ns["gradient_accumulation_steps"] > 0), 1)
    total = math.ceil(ns["num_train_epochs"] * per_epoch)
    warmup = math.ceil(total * 0.03)  # TrainingArguments.get_warmup_steps for warmup_steps=0.03
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=ns["learning_rate"])
    scheduler = transformers.get_scheduler(
        "cosine_with_min_lr", optimizer, num_warmup_steps=warmup, num_training_steps=total,
        scheduler_specific_kwargs={"min_lr": ns["min_lr"]})
    close(ns["lr"], torch_lrs(optimizer, scheduler, total)[0], "lr")


@pytest.mark.parametrize("overrides", [
    {}, {"lr_noise": None, "cooldown_epochs": 0}, {"warmup_epochs": 0, "updates_per_epoch": 1},
])
def test_timm(overrides):
    require("torch")
    from .test_compat_timm import factory_reference

    ns = run("timm", **overrides)
    expected, epochs = factory_reference(
        ns["lr"], ns["updates_per_epoch"], sched="cosine", num_epochs=ns["epochs"],
        warmup_epochs=ns["warmup_epochs"], warmup_lr=ns["warmup_lr"], min_lr=ns["min_lr"],
        cooldown_epochs=ns["cooldown_epochs"], noise=ns["lr_noise"])
    assert ns["num_epochs"] == epochs
    close(ns["lr_schedule"], expected, "lr")


def test_timm_native_form_without_noise():
    require("torch")
    from .test_compat_timm import factory_reference

    ns = run("timm", lr_noise=None)
    e, w, c, u = (ns["epochs"], ns["warmup_epochs"], ns["cooldown_epochs"],
                  ns["updates_per_epoch"])
    native = sa.per_epoch(sa.join(
        sa.linear(w, start=ns["warmup_lr"], end=ns["lr"], endpoint=False),
        sa.cosine(e, start=ns["lr"], end=ns["min_lr"], endpoint=False)[w:],
        sa.constant(c, value=ns["min_lr"])), u)
    expected, _ = factory_reference(ns["lr"], u, sched="cosine", num_epochs=e, warmup_epochs=w,
                                    warmup_lr=ns["warmup_lr"], min_lr=ns["min_lr"],
                                    cooldown_epochs=c)
    close(native, expected, "native timm cosine")


@pytest.mark.parametrize("overrides", [
    {}, {"total_steps": 100}, {"total_steps": 37, "pct_start": 0.25}, {"total_steps": 1000},
])
def test_lightning_one_cycle(overrides):
    torch = require("torch")
    ns = run("lightning_one_cycle", **overrides)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=ns["max_lr"], total_steps=ns["total_steps"], pct_start=ns["pct_start"],
        base_momentum=ns["base_momentum"], max_momentum=ns["max_momentum"])
    lr, momentum = torch_lrs(optimizer, scheduler, ns["total_steps"], keys=("lr", "momentum"))
    close(ns["lr"], lr, "lr")
    close(ns["momentum"], momentum, "momentum")


@pytest.mark.parametrize("overrides", [{}, {"epochs": 9, "lr_warmup_epochs": 1,
                                            "steps_per_epoch": 2}])
def test_torchvision(overrides):
    torch = require("torch")
    ns = run("torchvision", **overrides)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=ns["lr"])
    main = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=ns["epochs"] - ns["lr_warmup_epochs"], eta_min=ns["lr_min"])
    warmup = torch.optim.lr_scheduler.LinearLR(
        optimizer, start_factor=ns["lr_warmup_decay"], total_iters=ns["lr_warmup_epochs"])
    scheduler = torch.optim.lr_scheduler.SequentialLR(
        optimizer, schedulers=[warmup, main], milestones=[ns["lr_warmup_epochs"]])
    per_epoch = torch_lrs(optimizer, scheduler, ns["epochs"])[0]
    close(ns["lr_schedule"], np.repeat(per_epoch, ns["steps_per_epoch"]), "lr")


@pytest.mark.parametrize("overrides", [{}, {"epochs": 5, "nb": 7}, {"epochs": 4, "nb": 300}])
def test_yolov5(overrides):
    ns = run("yolov5", **overrides)
    epochs, nb, lrf = ns["epochs"], ns["nb"], ns["lrf"]

    def lf(x):
        return (1 - x / epochs) * (1.0 - lrf) + lrf

    nw = max(round(ns["warmup_epochs"] * nb), 100)
    initial = [ns["lr0"]] * 3  # groups: 0 biases, 1 weights with decay, 2 BatchNorm weights
    lrs = [v * lf(0) for v in initial]  # LambdaLR's constructor
    momentum = ns["momentum"]
    rows = []
    for epoch in range(epochs):
        for i in range(nb):
            ni = i + nb * epoch
            if ni <= nw:
                xi = [0, nw]
                for j in range(3):
                    lrs[j] = np.interp(ni, xi, [ns["warmup_bias_lr"] if j == 0 else 0.0,
                                                initial[j] * lf(epoch)])
                momentum = np.interp(ni, xi, [ns["warmup_momentum"], ns["momentum"]])
            rows.append([*lrs, momentum])
        lrs = [v * lf(epoch + 1) for v in initial]  # scheduler.step()
    expected = np.array(rows).T
    close(ns["bias_lr"], expected[0], "bias lr")
    close(ns["weight_lr"], expected[1], "weight lr")
    close(ns["weight_lr"], expected[2], "BatchNorm lr")
    close(ns["momentum_schedule"], expected[3], "momentum")


@pytest.mark.parametrize("overrides", [
    {}, {"total_steps": 50, "warmup_steps": 0, "cooldown_steps": 50},
    {"total_steps": 80, "warmup_steps": 7, "cooldown_steps": 0, "timescale": 3},
])
def test_big_vision(overrides):
    ns = run("big_vision", **overrides)
    n, w, c, tau = ns["total_steps"], ns["warmup_steps"], ns["cooldown_steps"], ns["timescale"]

    def step_fn(step):
        lr = ns["base"]
        shift = tau - w
        lr = lr / math.sqrt((step + shift) / tau) if w < step else lr
        if w:
            lr = lr * min(1.0, step / w)
        if c:
            lr = lr * min(1.0, (n - step) / c)
        return lr

    close(ns["lr"], [step_fn(s) for s in range(n)], "lr")


@pytest.mark.parametrize("overrides", [{}, {"total_steps": 30, "warmup_steps": 1},
                                       {"total_steps": 20, "warmup_steps": 20}])
def test_t5x(overrides):
    ns = run("t5x", **overrides)
    w = ns["warmup_steps"]

    def lr(step):
        ret = 1.0
        ret *= ns["base_learning_rate"]
        ret *= min(1.0, step / w)
        ret /= math.sqrt(max(step, w))
        return ret

    close(ns["lr"], [lr(s) for s in range(ns["total_steps"])], "lr")


# --- the recipes as specs: docs/recipes.toml, shown and exported by the CLI ----------------

SPECS = COOKBOOK.with_name("recipes.toml")


def _spec_tables():
    import tomllib

    document = tomllib.loads(SPECS.read_text(encoding="utf-8"))
    return [(recipe, var) for recipe, table in document.items() for var in table]


def test_every_recipe_has_a_spec():
    assert {recipe for recipe, _ in _spec_tables()} == set(RECIPES)


@pytest.mark.parametrize(("recipe", "var"), _spec_tables())
def test_recipe_specs_equal_the_recipes_and_the_cli_shows_and_exports_them(
        recipe, var, tmp_path, capsys):
    from schedarray import cli

    target = f"{SPECS}:{recipe}.{var}"
    spec = sa.load_spec(SPECS, f"{recipe}.{var}")
    built = sa.from_spec(spec)
    close(built, run(recipe)[var], f"{recipe}.{var} spec")
    assert sa.to_spec(built) == spec
    assert cli.main(["show", target]) == 0
    assert f"{len(built)} steps" in capsys.readouterr().out
    out = tmp_path / "values.npy"
    assert cli.main(["export", target, "-o", str(out)]) == 0
    assert np.array_equal(np.load(out), built)


def test_python_compositions_give_back_their_spec():
    ns = run("yolov5")
    assert "weight_lr" in ns  # NumPy's product of arrays: a new array, no spec
    with pytest.raises(ValueError, match="not returned by a schedarray function"):
        sa.to_spec(ns["weight_lr"])
    spec = sa.load_spec(SPECS, "yolov5.bias_lr")
    parts = [sa.from_spec(p) for p in spec["parts"]]
    again = sa.add(*parts)
    assert sa.to_spec(again) == spec
    assert np.array_equal(sa.from_spec(sa.to_spec(again)), again)
