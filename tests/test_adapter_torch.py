"""schedarray.torch.ArrayScheduler: real training, groups, tensors, checkpoints, resume."""

import doctest
import gc
import io
import json
import os
import pickle
import re
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

from tests.support import require

torch = require("torch")

import schedarray as sa  # noqa: E402
import schedarray.torch as sat  # noqa: E402
from schedarray.torch import ArrayScheduler, ScheduleExhaustedError, fingerprint  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N, W = 12, 4
LR = sa.warmup_cosine(N, peak=0.1, warmup_steps=W, start=0.01, end=0.001)
WD = sa.cosine(N, start=0.01, end=0.1)


def _run(code, *args, timeout=120):
    """Run `code` in a fresh interpreter at the repository root."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _model_and_optimizer(lr=1.0, seed=0):
    """A tiny model, AdamW with two groups: weights (lr_scale 0.5, decayed) and bias (no decay)."""
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.AdamW(
        [
            {"params": [model.weight], "lr_scale": 0.5, "weight_decay": 0.05},
            {"params": [model.bias], "weight_decay": 0.0},
        ],
        lr=lr,
    )
    return model, opt


def _batch(t):
    g = torch.Generator().manual_seed(1000 + t)
    x = torch.randn(8, 4, generator=g)
    return x, x.sum(dim=1, keepdim=True) * 0.3


def _train(model, opt, sched, start, stop, trace):
    """Updates [start, stop): record (lr, weight_decay) of each group as the update uses them."""
    for t in range(start, stop):
        x, y = _batch(t)
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        trace.append([(g["lr"], g["weight_decay"]) for g in opt.param_groups])
        opt.step()
        sched.step()


def _expected(k):
    return [(LR[k] * 0.5, WD[k]), (LR[k], 0.0)]


def _uninterrupted():
    model, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
    trace = []
    _train(model, opt, sched, 0, N, trace)
    return model, trace


# -- module basics -----------------------------------------------------------------------


def test_docstring_examples():
    result = doctest.testmod(sat, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


def test_import_is_opt_in_and_missing_torch_names_the_extra():
    code = (
        "import sys\n"
        "import schedarray\n"
        "assert not {'torch', 'jax', 'keras', 'schedarray.torch'} & set(sys.modules)\n"
        "sys.modules['torch'] = None\n"
        "try:\n"
        "    import schedarray.torch\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'schedarray[torch]'" in proc.stdout


def test_is_a_real_lr_scheduler():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR)
    assert isinstance(sched, torch.optim.lr_scheduler.LRScheduler)
    assert sched.last_epoch == 0
    assert sched.length == N
    assert sched.keys == ("lr",)
    assert sched.get_last_lr() == [LR[0] * 0.5, LR[0]]
    assert sched.get_lr() == [LR[0] * 0.5, LR[0]]
    assert "ArrayScheduler(keys=['lr'], length=12, step=0" in repr(sched)


# -- training ----------------------------------------------------------------------------


def test_training_uses_every_value_exactly_with_lr_scale_and_weight_decay():
    model, trace = _uninterrupted()
    assert trace == [_expected(k) for k in range(N)]  # exact float64 equality
    assert torch.isfinite(model.weight).all()


def test_updates_match_a_manual_param_group_loop_bitwise():
    """The seed's loop (`group['lr'] = lr[step] * lr_scale`) and ArrayScheduler train identically."""
    model_a, trace_a = _uninterrupted()
    model_b, opt = _model_and_optimizer()
    trace_b = []
    for t in range(N):
        for group in opt.param_groups:
            group["lr"] = LR[t] * group.get("lr_scale", 1.0)
            if group["weight_decay"] > 0:
                group["weight_decay"] = WD[t]
        x, y = _batch(t)
        loss = torch.nn.functional.mse_loss(model_b(x), y)
        opt.zero_grad()
        loss.backward()
        trace_b.append([(float(g["lr"]), float(g["weight_decay"])) for g in opt.param_groups])
        opt.step()
    assert trace_a == trace_b
    assert torch.equal(model_a.weight, model_b.weight)
    assert torch.equal(model_a.bias, model_b.bias)


def test_two_dimensional_values_give_each_group_its_column():
    _, opt = _model_and_optimizer()
    values = np.stack([LR, LR[::-1]], axis=1)
    sched = ArrayScheduler(opt, values)
    for k in range(N):
        assert [g["lr"] for g in opt.param_groups] == [values[k, 0], values[k, 1]]  # no lr_scale
        opt.step()
        sched.step()


def test_momentum_and_betas_are_scheduled():
    p = torch.nn.Parameter(torch.zeros(3))
    sgd = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    m = sa.linear(5, start=0.85, end=0.95)
    sched = ArrayScheduler(sgd, {"momentum": m})
    adam = torch.optim.Adam([torch.nn.Parameter(torch.zeros(3))], lr=0.1, betas=(0.9, 0.98))
    sched_b = ArrayScheduler(adam, {"lr": LR[:5], "betas": m})
    for k in range(5):
        assert sgd.param_groups[0]["momentum"] == m[k]
        assert sgd.param_groups[0]["lr"] == 0.1  # untouched: not scheduled
        assert adam.param_groups[0]["betas"] == (m[k], 0.98)
        assert adam.param_groups[0]["lr"] == LR[k]
        sgd.step()
        adam.step()
        sched.step()
        sched_b.step()
    assert sched.get_last_lr() == [0.1]


def test_weight_decay_skips_no_decay_groups_and_refuses_all_zero():
    _, opt = _model_and_optimizer()
    ArrayScheduler(opt, {"weight_decay": WD})
    assert [g["weight_decay"] for g in opt.param_groups] == [WD[0], 0.0]
    p = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="every param group has weight_decay=0"):
        ArrayScheduler(torch.optim.SGD([p], lr=0.1), {"weight_decay": WD})
    both = np.stack([WD, WD / 2], axis=1)  # 2-D: every group, as given
    ArrayScheduler(opt, {"weight_decay": both})
    assert [g["weight_decay"] for g in opt.param_groups] == [WD[0], WD[0] / 2]


def test_float32_values_reach_the_optimizer_as_their_float_value():
    _, opt = _model_and_optimizer()
    lr32 = LR.astype(np.float32)
    ArrayScheduler(opt, lr32, on_exhausted="hold")
    assert opt.param_groups[1]["lr"] == float(lr32[0])


# -- tensor learning rates and torch.compile ---------------------------------------------


def test_tensor_lr_is_filled_in_place_and_not_aliased():
    p = torch.nn.Parameter(torch.zeros(2))
    q = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=torch.tensor(0.5))
    lr_tensor = opt.param_groups[0]["lr"]
    sched = ArrayScheduler(opt, LR)
    for k in range(N):
        assert opt.param_groups[0]["lr"] is lr_tensor
        assert lr_tensor.dtype == torch.float32
        assert lr_tensor.item() == np.float32(LR[k])
        assert opt.param_groups[1]["lr"] == LR[k]
        assert isinstance(opt.param_groups[1]["lr"], float)
        last = sched.get_last_lr()
        assert last[0] is not lr_tensor
        assert last[0].item() == lr_tensor.item()
        opt.step()
        sched.step()
    # torch's initial_lr / base_lrs keep their own copy (pytorch#162359)
    assert opt.param_groups[0]["initial_lr"] is not lr_tensor
    assert opt.param_groups[0]["initial_lr"].item() == 0.5
    assert sched.base_lrs[0].item() == 0.5


def _compiled_steps(lr, steps=4):
    torch._dynamo.reset()
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=lr)
    sched = ArrayScheduler(opt, sa.linear(steps + 1, start=0.3, end=0.1))

    @torch.compile(backend="eager")
    def update():
        opt.step()

    for _ in range(steps):
        p.grad = torch.ones(3)
        update()
        sched.step()
    return torch._dynamo.utils.counters["stats"]["unique_graphs"], p.detach().clone()


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
def test_tensor_lr_does_not_recompile_a_compiled_step():
    graphs, p = _compiled_steps(torch.tensor(0.3))
    assert graphs == 1
    expected = 1.0 - sum(np.float32(v) for v in sa.linear(5, start=0.3, end=0.1)[:4])
    assert torch.allclose(p, torch.full((3,), float(expected)))
    # the control: a float learning rate is baked into the graph and recompiles
    graphs_float, _ = _compiled_steps(0.3)
    assert graphs_float > 1


# -- the end of the schedule -------------------------------------------------------------


def test_stepping_past_the_end_raises_and_changes_nothing():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR[:3])
    for _ in range(3):  # the loop's step() after the last update is allowed
        opt.step()
        sched.step()
    assert sched.last_epoch == 3
    assert opt.param_groups[1]["lr"] == LR[2]
    with pytest.raises(ScheduleExhaustedError, match=r"got step=4, length=3") as info:
        sched.step()
    assert isinstance(info.value, IndexError)
    assert "on_exhausted='hold'" in str(info.value)
    assert sched.last_epoch == 3
    assert opt.param_groups[1]["lr"] == LR[2]


def test_hold_keeps_the_last_value():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR[:3], on_exhausted="hold")
    for _ in range(10):
        opt.step()
        sched.step()
    assert sched.last_epoch == 10
    assert opt.param_groups[1]["lr"] == LR[2]
    assert sched.state_dict()["step"] == 10


def test_non_finite_value_raises_at_the_step_that_uses_it():
    _, opt = _model_and_optimizer()
    values = LR.copy()
    values[2] = np.nan
    sched = ArrayScheduler(opt, values)
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match=r"values\['lr'\] must be finite, got values\['lr'\]\[2\]=nan"):
        sched.step()
    assert sched.last_epoch == 1
    assert opt.param_groups[1]["lr"] == LR[1]
    wd = WD.copy()
    wd[0] = np.inf
    with pytest.raises(ValueError, match=r"values\['weight_decay'\]\[0\]=inf"):
        ArrayScheduler(opt, {"lr": LR, "weight_decay": wd})


def test_a_bad_value_anywhere_leaves_every_group_unchanged():
    _, opt = _model_and_optimizer()
    wd = np.stack([WD, WD], axis=1)
    wd[3, 1] = np.inf
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": wd})
    for _ in range(2):
        opt.step()
        sched.step()
    before = _groups_state(opt)
    with pytest.raises(ValueError, match=r"values\['weight_decay'\]\[3, 1\]=inf"):
        sched.step()
    assert _groups_state(opt) == before  # lr (read first) was not written either
    assert sched.last_epoch == 2


def test_one_dimensional_keys_write_every_group_and_check_before_writing():
    # 1-D columns without betas take a straight-line writer: same results.
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(3)]
    opt = torch.optim.SGD([
        {"params": [params[0]], "lr_scale": 0.25, "weight_decay": 0.1, "it's": 1.0},
        {"params": [params[1]], "lr": torch.tensor(0.5), "weight_decay": 0.2, "it's": 1.0},
        {"params": [params[2]], "weight_decay": 0.3, "it's": torch.tensor(2.0)},
    ], lr=1.0)
    quoted = np.linspace(1.0, 2.0, N)
    wd = WD.copy()
    wd[4] = np.nan
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": wd, "it's": quoted})
    tensors = (opt.param_groups[1]["lr"], opt.param_groups[2]["it's"])
    for t in range(1, 4):
        opt.step()
        sched.step()
        g0, g1, g2 = opt.param_groups
        assert (g0["lr"], g1["lr"].item(), g2["lr"]) == (
            LR[t] * 0.25, float(torch.tensor(LR[t]).float()), LR[t])
        assert [g["weight_decay"] for g in opt.param_groups] == [wd[t]] * 3
        assert (g0["it's"], g1["it's"], g2["it's"].item()) == (
            quoted[t], quoted[t], float(np.float32(quoted[t])))
        assert (g1["lr"], g2["it's"]) == tensors  # filled in place
    before = [(g["lr"], g["weight_decay"], g["it's"]) for g in opt.param_groups]
    before = [tuple(float(v) for v in b) for b in before]
    with pytest.raises(ValueError, match=r"values\['weight_decay'\]\[4\]=nan"):
        sched.step()
    after = [tuple(float(v) for v in (g["lr"], g["weight_decay"], g["it's"]))
             for g in opt.param_groups]
    assert after == before
    assert sched.last_epoch == 3


def _groups_state(opt):
    return [(g["lr"], g["weight_decay"]) for g in opt.param_groups]


def test_initial_step_starts_inside_the_schedule():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR, initial_step=5)
    assert sched.last_epoch == 5
    assert opt.param_groups[1]["lr"] == LR[5]
    opt.step()
    sched.step()
    assert opt.param_groups[1]["lr"] == LR[6]
    with pytest.raises(ValueError, match="initial_step must be <= the schedule's length"):
        ArrayScheduler(opt, LR, initial_step=N + 1)


def test_deprecated_step_with_epoch_jumps_like_torch():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(7)
    assert sched.last_epoch == 7
    assert opt.param_groups[1]["lr"] == LR[7]


# -- call order and garbage --------------------------------------------------------------


def test_correct_order_is_silent_and_wrong_order_warns(recwarn):
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR)
    for _ in range(N):
        opt.step()
        sched.step()
    assert len(recwarn) == 0
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before"):
        sched.step()


def test_no_reference_cycles():
    gc.disable()
    try:
        _, opt = _model_and_optimizer()
        sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
        opt.step()
        sched.step()
        sched.state_dict()
        ref = weakref.ref(sched)
        del sched
        assert ref() is None
    finally:
        gc.enable()


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "exc", "match"),
    [
        ("0.1", TypeError, r"values must be a 1-D or 2-D \(steps x groups\) array of numbers"),
        ([True, False], TypeError, r"values must be a 1-D or 2-D \(steps x groups\) array of numbers, got dtype bool"),
        (np.zeros((2, 2, 2)), ValueError, r"values must be 1-D or 2-D \(steps x groups\), got values.shape=\(2, 2, 2\)"),
        (np.zeros(0), ValueError, "values must have at least one step"),
        ({}, ValueError, "values must name at least one key"),
        ({1: LR}, TypeError, "values keys must be str"),
        ({"lr": LR, "weight_decay": WD[:5]}, ValueError, "values must all have the same number"),
        (np.zeros((N, 3)), ValueError, r"must have one column per param group, got shape=\(12, 3\)"),
        ({"momentum": LR}, ValueError, r"param_groups\[0\] has no 'momentum' to schedule"),
    ],
)
def test_bad_values(values, exc, match):
    _, opt = _model_and_optimizer()
    with pytest.raises(exc, match=match):
        ArrayScheduler(opt, values)


def test_bad_arguments():
    _, opt = _model_and_optimizer()
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer, got optimizer=list"):
        ArrayScheduler([], LR)
    with pytest.raises(ValueError, match="on_exhausted must be one of 'raise', 'hold'"):
        ArrayScheduler(opt, LR, on_exhausted="clamp")
    with pytest.raises(TypeError, match="strict must be a bool"):
        ArrayScheduler(opt, LR, strict=1)
    with pytest.raises(TypeError, match="fingerprint must be a str"):
        ArrayScheduler(opt, LR, fingerprint=123)


def test_integer_lists_and_tensors_are_accepted():
    _, opt = _model_and_optimizer()
    ArrayScheduler(opt, [1, 2, 3])
    assert opt.param_groups[1]["lr"] == 1.0
    ArrayScheduler(opt, torch.tensor([0.25, 0.5], dtype=torch.float64))
    assert opt.param_groups[1]["lr"] == 0.25


# -- state dict --------------------------------------------------------------------------


def _plain(obj):
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return type(obj) in (int, float, str, bool, type(None))


def test_state_dict_is_plain_small_and_loads_with_weights_only():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert _plain(state)
    assert state == {
        "format": "schedarray.ArrayScheduler/1",
        "step": 3,
        "length": N,
        "keys": ["lr", "weight_decay"],
        "fingerprint": fingerprint({"lr": LR, "weight_decay": WD}),
    }
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    assert torch.load(buf, weights_only=True) == state
    assert json.loads(json.dumps(state)) == state
    assert pickle.loads(pickle.dumps(state)) == state


def test_a_billion_steps_builds_instantly_and_keeps_a_tiny_state():
    values = np.broadcast_to(np.float64(1e-3), (10**9,))  # 8 GB of values, no memory
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = ArrayScheduler(opt, values, fingerprint="spec:sha256:0123abcd")
    opt.step()
    sched.step()
    assert sched._fingerprint == "spec:sha256:0123abcd"
    state = sched.state_dict()
    assert state["length"] == 10**9
    assert len(pickle.dumps(state)) < 300
    # without an explicit fingerprint nothing is hashed until a state is asked for
    lazy = ArrayScheduler(opt, values)
    assert lazy._fingerprint is None


def test_fingerprint_depends_on_values_keys_and_shape():
    base = fingerprint(LR)
    assert base == fingerprint(list(LR)) == fingerprint({"lr": LR})
    assert base.startswith("sha256:")
    assert len(base) == 7 + 64
    changed = LR.copy()
    changed[-1] = np.nextafter(changed[-1], 1.0)
    assert fingerprint(changed) != base
    assert fingerprint(LR.astype(np.float32)) != base
    assert fingerprint({"weight_decay": LR}) != base
    assert fingerprint(LR.reshape(N, 1)) != base
    assert fingerprint(LR[:-1]) != base
    # hashing is chunked: a non-contiguous float32 view hashes its float64 values
    wide = np.zeros((2 * N,), dtype=np.float32)
    wide[::2] = LR
    assert fingerprint(wide[::2]) == fingerprint(LR.astype(np.float32).astype(np.float64))


def test_load_state_dict_sets_the_restored_values_at_once():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
    for _ in range(W):
        opt.step()
        sched.step()
    state = sched.state_dict()
    _, fresh = _model_and_optimizer(lr=123.0)  # deliberately wrong initial lr
    restored = ArrayScheduler(fresh, {"lr": LR, "weight_decay": WD})
    assert fresh.param_groups[1]["lr"] == LR[0]
    restored.load_state_dict(state)
    assert restored.last_epoch == W
    assert [(g["lr"], g["weight_decay"]) for g in fresh.param_groups] == _expected(W)
    assert restored.state_dict() == state


def test_load_state_dict_refuses_another_schedule_unless_told():
    _, opt = _model_and_optimizer()
    state = ArrayScheduler(opt, LR).state_dict()
    other = sa.warmup_cosine(2 * N, peak=0.1, warmup_steps=W)
    sched = ArrayScheduler(opt, other)
    with pytest.raises(ValueError, match="different schedule") as info:
        sched.load_state_dict(state)
    message = str(info.value)
    assert fingerprint(LR) in message
    assert fingerprint(other) in message
    assert "length=12" in message
    assert "length=24" in message
    assert "strict=False" in message
    assert sched.last_epoch == 0
    state["step"] = 5
    sched.load_state_dict(state, strict=False)
    assert sched.last_epoch == 5
    assert opt.param_groups[1]["lr"] == other[5]
    lenient = ArrayScheduler(opt, other, strict=False)  # for frameworks calling load_state_dict(s)
    lenient.load_state_dict(state)
    assert opt.param_groups[1]["lr"] == other[5]


def test_load_state_dict_rejects_malformed_states():
    _, opt = _model_and_optimizer()
    sched = ArrayScheduler(opt, LR)
    state = sched.state_dict()
    with pytest.raises(ValueError, match=r"state_dict must come from ArrayScheduler.state_dict"):
        sched.load_state_dict({"last_epoch": 3})
    with pytest.raises(ValueError, match="with format='other/1'"):
        sched.load_state_dict({**state, "format": "other/1"})
    with pytest.raises(ValueError, match=r"state_dict\['step'\] must be an int >= 0, got step=-1"):
        sched.load_state_dict({**state, "step": -1})
    with pytest.raises(ValueError, match=r"state_dict\['step'\] must be <= the schedule's length"):
        sched.load_state_dict({**state, "step": N + 1})
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        sched.load_state_dict([1, 2])


# -- resume in a fresh process -----------------------------------------------------------

RESUME_KS = (0, 2, W, N - 1, N)  # start, inside warmup, warmup boundary, last update, finished


def _resume_main(directory):
    """Fresh process: restore each checkpoint into new objects and finish the run."""
    directory = Path(directory)
    result = {}
    for k in RESUME_KS:
        ckpt = torch.load(directory / f"k{k}.pt", weights_only=True)
        model, opt = _model_and_optimizer(lr=7.0, seed=99)  # wrong lr and weights on purpose
        sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        immediately = [(g["lr"], g["weight_decay"]) for g in opt.param_groups]
        trace = []
        _train(model, opt, sched, k, N, trace)
        result[k] = {
            "immediately": immediately,
            "trace": trace,
            "weight": model.weight.detach().tolist(),
            "bias": model.bias.detach().tolist(),
            "last_epoch": sched.last_epoch,
        }
    (directory / "result.json").write_text(json.dumps(result))


def test_resume_in_a_fresh_process_equals_an_uninterrupted_run(tmp_path):
    model_full, trace_full = _uninterrupted()
    for k in RESUME_KS:
        model, opt = _model_and_optimizer()
        sched = ArrayScheduler(opt, {"lr": LR, "weight_decay": WD})
        _train(model, opt, sched, 0, k, [])
        torch.save(
            {"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict()},
            tmp_path / f"k{k}.pt",
        )
    proc = _run(
        "import sys; from tests.test_adapter_torch import _resume_main; _resume_main(sys.argv[1])",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    for k in RESUME_KS:
        got = result[str(k)]
        expected_now = [list(pair) for pair in _expected(min(k, N - 1))]
        assert got["immediately"] == expected_now, k
        assert got["trace"] == [[list(p) for p in step] for step in trace_full[k:]], k
        assert got["weight"] == model_full.weight.detach().tolist(), k
        assert got["bias"] == model_full.bias.detach().tolist(), k
        assert got["last_epoch"] == N


# -- DataLoader workers ------------------------------------------------------------------

FORK_CODE = """
import numpy as np, torch
import schedarray as sa
from schedarray.torch import ArrayScheduler

class Data(torch.utils.data.Dataset):
    def __len__(self):
        return 64
    def __getitem__(self, i):
        # workers compute schedule values too (forked after the parent computed its own)
        return torch.tensor(sa.window(sa.warmup_cosine, i, i + 1, 64, peak=1.0, warmup_steps=8))

lr = sa.warmup_cosine(16, peak=0.1, warmup_steps=4, backend=BACKEND)
model = torch.nn.Linear(1, 1, dtype=torch.float64)
opt = torch.optim.SGD(model.parameters(), lr=1.0)
sched = ArrayScheduler(opt, lr)
loader = torch.utils.data.DataLoader(Data(), batch_size=4, num_workers=2,
                                     multiprocessing_context="fork", timeout=60)
seen = []
for x in loader:
    seen.append(opt.param_groups[0]["lr"])
    model(x).sum().backward()
    opt.step()
    opt.zero_grad()
    sched.step()
assert seen == [float(v) for v in lr], seen
assert sched.last_epoch == 16
print("ok")
"""


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_dataloader_fork_workers_with_the_scheduler_in_the_parent(backend):
    proc = _run(FORK_CODE.replace("BACKEND", repr(backend)), timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# -- the README's examples ---------------------------------------------------------------


def readme_example(name):
    """The code block after ``<!-- example: name -->`` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", text, re.S)
    assert match, f"README.md has no example {name!r}"
    return match.group(1)


def _example_namespace():
    torch.manual_seed(0)
    x = torch.randn(32, 4)
    y = x.sum(dim=1, keepdim=True)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    return {"model": torch.nn.Linear(4, 1), "loader": loader,
            "loss_fn": torch.nn.functional.mse_loss}


def test_readme_manual_loop(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = _example_namespace()
    exec(readme_example("torch-manual"), ns)
    assert ns["step"] == 3 * len(ns["loader"]) == len(ns["lr"])
    assert ns["optimizer"].param_groups[0]["lr"] == ns["lr"][-1]


def test_readme_array_scheduler(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = _example_namespace()
    exec(readme_example("torch-scheduler"), ns)
    scheduler, lr, wd = ns["scheduler"], ns["lr"], ns["wd"]
    assert scheduler.last_epoch == len(lr) == 3 * len(ns["loader"])
    group = ns["optimizer"].param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (lr[-1], wd[-1])
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert saved["scheduler"] == scheduler.state_dict()
