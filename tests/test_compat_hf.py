"""compat.hf against the real transformers.optimization (and the pytorch-transformers 1.x lambdas).

Every comparison goes through `compare`, which counts it; the module's teardown
prints how many configurations were compared per schedule.
"""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray.compat import hf as H
from tests.support import require

torch = require("torch")
transformers = require("transformers")
O = require("transformers.optimization")  # noqa: E741

COMPARED: Counter = Counter()
TOL = 1e-12  # max |difference| <= TOL * max |value|, the tolerance


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    total = sum(COMPARED.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(COMPARED.items()))
    line = (f"compat.hf parity: {total} configurations compared against transformers "
            f"{transformers.__version__} ({detail}; 1.x = the pytorch-transformers 1.x "
            "lambdas, transcribed from its source, run through torch's LambdaLR)")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def trace(make, base, n, defaults_lr=None):
    """The lr of updates 0..n-1 from an HF scheduler, stepped after every update."""
    bases = base if isinstance(base, list) else [base]
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in bases]
    opt = torch.optim.AdamW(groups, lr=bases[0] if defaults_lr is None else defaults_lr)
    scheduler = make(opt)
    rows = []
    for t in range(n):
        rows.append([g["lr"] for g in opt.param_groups])
        if t < n - 1:
            opt.step()
            scheduler.step()
    out = np.array(rows, dtype=np.float64)
    return out if isinstance(base, list) else out[:, 0]


def compare(label, got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (label, got.shape, expected.shape)
    scale = max(float(np.max(np.abs(expected))), np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    assert worst <= TOL * scale, f"{label}: max |diff| {worst:.3g} > {TOL} * {scale:.3g}"
    COMPARED[label] += 1


bases = st.one_of(st.floats(1e-5, 10.0), st.lists(st.floats(1e-5, 10.0), min_size=1, max_size=3))


@st.composite
def runs(draw, max_total=300):
    """(W, T, n): warmup from 0 (none) to past T, and arrays shorter than, equal to, past T."""
    total = draw(st.integers(1, max_total))
    warmup = draw(st.one_of(st.just(0), st.just(total), st.integers(0, total + 5)))
    n = draw(st.one_of(st.just(total), st.integers(1, total + 60)))
    return warmup, total, n


# ----------------------------------------------------------------------------- get_* functions


@settings(max_examples=25)
@given(bases, runs())
def test_linear(base, run):
    w, t, n = run
    compare("linear", H.get_linear_schedule_with_warmup(base, w, t, num_steps=n),
            trace(lambda o: O.get_linear_schedule_with_warmup(o, w, t), base, n))


@settings(max_examples=30)
@given(bases, runs(), st.one_of(st.just(0.5), st.floats(0.0, 3.0)))
def test_cosine_unclamped_past_the_end(base, run, cycles):
    w, t, n = run
    compare("cosine", H.get_cosine_schedule_with_warmup(base, w, t, cycles, num_steps=n),
            trace(lambda o: O.get_cosine_schedule_with_warmup(o, w, t, cycles), base, n))


@settings(max_examples=30)
@given(bases, runs(), st.one_of(st.integers(0, 7), st.floats(0.0, 6.0)))
def test_cosine_with_hard_restarts_cycle_boundaries(base, run, cycles):
    w, t, n = run
    compare("cosine_with_restarts",
            H.get_cosine_with_hard_restarts_schedule_with_warmup(base, w, t, cycles, num_steps=n),
            trace(lambda o: O.get_cosine_with_hard_restarts_schedule_with_warmup(o, w, t, cycles),
                  base, n))


@pytest.mark.parametrize("cycles", [60.0, 997.5, 1040.0])
def test_cosine_with_hard_restarts_more_cycles_than_steps(cycles):
    # Found by the fuzz suite: more cycles than steps built one array entry per cycle.
    w, t, n = 3, 40, 45
    compare("cosine_with_restarts",
            H.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, w, t, cycles, num_steps=n),
            trace(lambda o: O.get_cosine_with_hard_restarts_schedule_with_warmup(o, w, t, cycles),
                  1.0, n))


def test_cosine_with_hard_restarts_refuses_an_inexact_cycle_index():
    with pytest.raises(ValueError, match=r"^num_cycles is too large: .*got num_cycles=1e\+39"):
        H.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 4, 1e39)


@settings(max_examples=25)
@given(st.floats(1e-4, 10.0), runs(), st.floats(0.0, 0.9), st.floats(0.0, 4.0))
def test_polynomial(base, run, end_fraction, power):
    w, t, n = run
    end = base * end_fraction
    if t == w and w < n:  # HF divides by zero at step W
        with pytest.raises(ValueError, match="divides by zero"):
            H.get_polynomial_decay_schedule_with_warmup(base, w, t, end, power, num_steps=n)
        with pytest.raises(ZeroDivisionError):
            trace(lambda o: O.get_polynomial_decay_schedule_with_warmup(o, w, t, end, power),
                  base, n)
        return
    compare("polynomial",
            H.get_polynomial_decay_schedule_with_warmup(base, w, t, end, power, num_steps=n),
            trace(lambda o: O.get_polynomial_decay_schedule_with_warmup(o, w, t, end, power),
                  base, n))


def test_polynomial_groups_use_the_optimizer_default_lr():
    base, default = [0.2, 0.05], 0.1
    got = H.get_polynomial_decay_schedule_with_warmup(base, 3, 20, 1e-3, 2.0, num_steps=25,
                                                     defaults_lr=default)
    compare("polynomial", got,
            trace(lambda o: O.get_polynomial_decay_schedule_with_warmup(o, 3, 20, 1e-3, 2.0),
                  base, 25, defaults_lr=default))


@settings(max_examples=20)
@given(bases, st.integers(0, 50), st.one_of(st.none(), st.integers(1, 500)),
       st.integers(1, 300))
def test_inverse_sqrt(base, w, timescale, n):
    compare("inverse_sqrt", H.get_inverse_sqrt_schedule(base, w, timescale, num_steps=n),
            trace(lambda o: O.get_inverse_sqrt_schedule(o, w, timescale), base, n))


@settings(max_examples=15)
@given(bases, st.integers(0, 50), st.integers(1, 200))
def test_constant_and_constant_with_warmup(base, w, n):
    compare("constant", H.get_constant_schedule(base, num_steps=n),
            trace(O.get_constant_schedule, base, n))
    compare("constant_with_warmup", H.get_constant_schedule_with_warmup(base, w, num_steps=n),
            trace(lambda o: O.get_constant_schedule_with_warmup(o, w), base, n))


@settings(max_examples=25)
@given(bases, runs(), st.floats(0.0, 2.0), st.floats(0.0, 1.0), st.booleans())
def test_cosine_with_min_lr(base, run, cycles, rate, by_value):
    w, t, n = run
    if by_value and not isinstance(base, list):
        kwargs = {"min_lr": rate * base}
    else:
        kwargs = {"min_lr_rate": rate}
    compare("cosine_with_min_lr",
            H.get_cosine_with_min_lr_schedule_with_warmup(base, w, t, cycles, num_steps=n,
                                                         **kwargs),
            trace(lambda o: O.get_cosine_with_min_lr_schedule_with_warmup(o, w, t, cycles,
                                                                          **kwargs), base, n))


@settings(max_examples=25)
@given(bases, runs(), st.floats(0.0, 2.0), st.floats(0.0, 1.0),
       st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_cosine_warmup_with_min_lr(base, run, cycles, rate, warmup_rate):
    w, t, n = run
    compare("cosine_warmup_with_min_lr",
            H.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
                base, w, t, cycles, min_lr_rate=rate, warmup_lr_rate=warmup_rate, num_steps=n),
            trace(lambda o: O.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
                o, w, t, cycles, min_lr_rate=rate, warmup_lr_rate=warmup_rate), base, n))


@settings(max_examples=40)
@given(bases, st.integers(0, 60), st.integers(0, 60), st.integers(-30, 80),
       st.sampled_from(["linear", "cosine", "1-sqrt"]),
       st.sampled_from(["linear", "cosine", "1-sqrt"]), st.floats(0.0, 1.0),
       st.one_of(st.just(0.5), st.floats(0.0, 2.0)), st.booleans(), st.integers(0, 40))
def test_warmup_stable_decay(base, w, d, s, up, down, ratio, cycles, by_total, extra):
    kwargs = {"warmup_type": up, "decay_type": down, "min_lr_ratio": ratio, "num_cycles": cycles}
    if by_total:
        kwargs["num_training_steps"] = max(0, w + d + s)
    else:
        kwargs["num_stable_steps"] = s
    n = max(1, w + d + s + extra)
    compare("warmup_stable_decay", H.get_wsd_schedule(base, w, d, num_steps=n, **kwargs),
            trace(lambda o: O.get_wsd_schedule(o, w, d, **kwargs), base, n))


def test_wsd_with_both_lengths_warns_and_uses_the_stable_steps():
    with pytest.warns(UserWarning, match="num_stable_steps will be used"):
        got = H.get_wsd_schedule(1.0, 2, 3, num_training_steps=10, num_stable_steps=1)
    with pytest.warns(UserWarning, match="num_stable_steps will be used"):
        expected = trace(lambda o: O.get_wsd_schedule(o, 2, 3, 10, 1), 1.0, 10)
    compare("warmup_stable_decay", got, expected)


# ----------------------------------------------------------------------------- get_scheduler


@pytest.mark.parametrize(("name", "extra"), [
    ("linear", {}),
    ("cosine", {"num_cycles": 1.5}),
    ("cosine_with_restarts", {"num_cycles": 3}),
    ("polynomial", {"lr_end": 1e-4, "power": 2.0}),
    ("constant", {}),
    ("constant_with_warmup", {}),
    ("inverse_sqrt", {"timescale": 40}),
    ("cosine_with_min_lr", {"min_lr": 1e-4}),
    ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
    ("warmup_stable_decay", {"num_decay_steps": 30, "decay_type": "1-sqrt"}),
])
def test_get_scheduler_every_step_function_type(name, extra):
    base, w, t = 3e-3, 10, 120
    got = H.get_scheduler(name, base, w, t, dict(extra))
    expected = trace(lambda o: transformers.get_scheduler(name, o, w, t, dict(extra)), base, t)
    compare(f"get_scheduler:{name}", got, expected)


def test_get_scheduler_accepts_the_enum_and_errors_like_hf():
    got = H.get_scheduler(transformers.SchedulerType.LINEAR, 1.0, 2, 10)
    np.testing.assert_array_equal(got, H.get_linear_schedule_with_warmup(1.0, 2, 10))
    for name in ("linear", "cosine_with_min_lr"):
        with pytest.raises(ValueError, match="requires `num_training_steps`") as hf_error:
            transformers.get_scheduler(name, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                                             lr=1.0), 2)
        with pytest.raises(ValueError, match="requires `num_training_steps`") as ours:
            H.get_scheduler(name, 1.0, 2)
        assert str(ours.value) == str(hf_error.value)
    with pytest.raises(ValueError, match="requires `num_warmup_steps`"):
        H.get_scheduler("cosine", 1.0, num_training_steps=10)
    for name in ("reduce_lr_on_plateau", "greedy"):
        with pytest.raises(ValueError, match="cannot be computed in advance"):
            H.get_scheduler(name, 1.0, 0, 10)
    assert set(H.SCHEDULER_TYPES) == {t.value for t in transformers.SchedulerType}


# ----------------------------------------------------------------------------- pytorch-transformers 1.x


def old_lambdas(warmup_steps, t_total, cycles):
    """The lr_lambda of each pytorch-transformers 1.x class, as its optimization.py writes them."""
    def warmup_constant(step):
        if step < warmup_steps:
            return float(step) / float(max(1.0, warmup_steps))
        return 1.

    def warmup_linear(step):
        if step < warmup_steps:
            return float(step) / float(max(1, warmup_steps))
        return max(0.0, float(t_total - step) / float(max(1.0, t_total - warmup_steps)))

    def warmup_cosine(step):
        if step < warmup_steps:
            return float(step) / float(max(1.0, warmup_steps))
        progress = float(step - warmup_steps) / float(max(1, t_total - warmup_steps))
        return max(0.0, 0.5 * (1. + math.cos(math.pi * float(cycles) * 2.0 * progress)))

    def warmup_cosine_hard(step):
        if step < warmup_steps:
            return float(step) / float(max(1, warmup_steps))
        progress = float(step - warmup_steps) / float(max(1, t_total - warmup_steps))
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1. + math.cos(math.pi * ((float(cycles) * progress) % 1.0))))

    return {
        "ConstantLRSchedule": (lambda _: 1.0, lambda b, n: H.constant_lr_schedule(b, num_steps=n)),
        "WarmupConstantSchedule": (warmup_constant, lambda b, n: H.warmup_constant_schedule(
            b, warmup_steps, num_steps=n)),
        "WarmupLinearSchedule": (warmup_linear, lambda b, n: H.warmup_linear_schedule(
            b, warmup_steps, t_total, num_steps=n)),
        "WarmupCosineSchedule": (warmup_cosine, lambda b, n: H.warmup_cosine_schedule(
            b, warmup_steps, t_total, cycles, num_steps=n)),
        "WarmupCosineWithHardRestartsSchedule": (
            warmup_cosine_hard, lambda b, n: H.warmup_cosine_with_hard_restarts_schedule(
                b, warmup_steps, t_total, cycles, num_steps=n)),
    }


@settings(max_examples=15)
@given(bases, runs(), st.floats(0.0, 4.0))
def test_pytorch_transformers_classes(base, run, cycles):
    w, t, n = run
    for name, (fn, ours) in old_lambdas(w, t, cycles).items():
        compare(f"1.x:{name}", ours(base, n), trace(lambda o, fn=fn: torch.optim.lr_scheduler.LambdaLR(o, fn),
                                           base, n))


# ----------------------------------------------------------------------------- edges and errors


def test_edge_cases_against_hf():
    b = 0.3
    cases = [
        ("linear", H.get_linear_schedule_with_warmup(b, 0, 1), lambda o: O.get_linear_schedule_with_warmup(o, 0, 1)),
        ("linear", H.get_linear_schedule_with_warmup(b, 5, 5, num_steps=9),
         lambda o: O.get_linear_schedule_with_warmup(o, 5, 5)),
        ("linear", H.get_linear_schedule_with_warmup(b, 9, 5, num_steps=12),
         lambda o: O.get_linear_schedule_with_warmup(o, 9, 5)),
        ("cosine", H.get_cosine_schedule_with_warmup(b, 0, 4, num_steps=7),
         lambda o: O.get_cosine_schedule_with_warmup(o, 0, 4)),
        ("cosine_with_restarts", H.get_cosine_with_hard_restarts_schedule_with_warmup(
            b, 3, 3 + 1000, 7, num_steps=1010),
         lambda o: O.get_cosine_with_hard_restarts_schedule_with_warmup(o, 3, 1003, 7)),
        ("cosine_with_restarts", H.get_cosine_with_hard_restarts_schedule_with_warmup(
            b, 0, 10, 30), lambda o: O.get_cosine_with_hard_restarts_schedule_with_warmup(o, 0, 10, 30)),
        ("polynomial", H.get_polynomial_decay_schedule_with_warmup(b, 5, 4, num_steps=9),
         lambda o: O.get_polynomial_decay_schedule_with_warmup(o, 5, 4)),
        ("cosine_warmup_with_min_lr", H.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            b, 1, 6, min_lr_rate=0.1, warmup_lr_rate=0.5, num_steps=8),
         lambda o: O.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
            o, 1, 6, min_lr_rate=0.1, warmup_lr_rate=0.5)),
        ("warmup_stable_decay", H.get_wsd_schedule(b, 0, 0, num_stable_steps=0, num_steps=3),
         lambda o: O.get_wsd_schedule(o, 0, 0, num_stable_steps=0)),
        ("linear", H.get_linear_schedule_with_warmup(b, 100, 2000),
         lambda o: O.get_linear_schedule_with_warmup(o, 100, 2000)),
        ("cosine", H.get_cosine_schedule_with_warmup(b, 100, 2000),
         lambda o: O.get_cosine_schedule_with_warmup(o, 100, 2000)),
    ]
    for label, got, make in cases:
        compare(label, got, trace(make, b, len(got)))


def test_hf_conventions():
    lr = H.get_linear_schedule_with_warmup(1.0, 10, 100, num_steps=101)
    assert lr[0] == 0.0  # update 0 does not train
    assert lr[10] == 1.0  # the peak one step after the warmup
    assert lr[99] > 0.0
    assert lr[100] == 0.0  # 0 only one update after the last
    cos = H.get_cosine_schedule_with_warmup(1.0, 0, 10, num_steps=21)
    assert cos[20] == pytest.approx(1.0)  # risen again: not clamped


def test_dtype_out_groups_and_window():
    full = H.get_wsd_schedule([1.0, 0.5], 10, 30, 100, decay_type="1-sqrt")
    assert full.shape == (100, 2)
    np.testing.assert_array_equal(full[:, 1], H.get_wsd_schedule(0.5, 10, 30, 100,
                                                                 decay_type="1-sqrt"))
    np.testing.assert_array_equal(sa.window(H.get_wsd_schedule, 5, 80, [1.0, 0.5], 10, 30, 100,
                                            decay_type="1-sqrt"), full[5:80])
    f32 = H.get_cosine_schedule_with_warmup(1.0, 10, 100, dtype=np.float32)
    np.testing.assert_array_equal(f32, H.get_cosine_schedule_with_warmup(1.0, 10, 100)
                                  .astype(np.float32))


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: H.get_linear_schedule_with_warmup(1.0, -1, 10), ValueError,
     "num_warmup_steps must be >= 0"),
    (lambda: H.get_linear_schedule_with_warmup(1.0, 1.5, 10), TypeError,
     "num_warmup_steps must be an integer"),
    (lambda: H.get_linear_schedule_with_warmup(1.0, 0, 0), ValueError, "num_steps is required"),
    (lambda: H.get_constant_schedule(1.0, num_steps=None), TypeError, "pass num_steps"),
    (lambda: H.get_polynomial_decay_schedule_with_warmup(1.0, 0, 10, lr_end=2.0), ValueError,
     r"lr_end \(2.0\) must be smaller than initial lr \(1.0\)"),
    (lambda: H.get_polynomial_decay_schedule_with_warmup([1.0, 2.0], 0, 10), ValueError,
     "defaults_lr .* is required"),
    (lambda: H.get_polynomial_decay_schedule_with_warmup(1.0, 0, 10, power=-1.0), ValueError,
     "power must be >= 0"),
    (lambda: H.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 10), ValueError,
     "One of min_lr or min_lr_rate should be set"),
    (lambda: H.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 10, min_lr=0.1, min_lr_rate=0.1),
     ValueError, "Only one of min_lr or min_lr_rate should be set"),
    (lambda: H.get_cosine_with_min_lr_schedule_with_warmup(1.0, 0, 10, min_lr_rate=-0.1),
     ValueError, r"must be finite and >= 0 .*, got min_lr_rate=-0.1"),
    (lambda: H.get_cosine_with_hard_restarts_schedule_with_warmup(1.0, 0, 10, -1), ValueError,
     "num_cycles must be >= 0"),
    (lambda: H.get_inverse_sqrt_schedule(1.0, 0, -5, num_steps=3), ValueError,
     "timescale must be > 0"),
    (lambda: H.get_wsd_schedule(1.0, 1, 1), ValueError,
     "Either num_training_steps or num_stable_steps must be specified"),
    (lambda: H.get_wsd_schedule(1.0, 1, 1, 5, warmup_type="exp"), ValueError,
     "warmup_type must be one of 'linear', 'cosine', '1-sqrt'"),
    (lambda: H.get_scheduler("cosine_annealing", 1.0, 0, 10), ValueError, "name must be one of"),
])
def test_bad_input_is_rejected_with_the_parameter_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- native equivalents


def test_the_native_equivalents_named_in_the_readme():
    b, w, t = 0.3, 10, 100
    pairs = [
        (H.get_linear_schedule_with_warmup(b, w, t),
         sa.warmup_linear(t, peak=b, warmup_steps=w, endpoint=False)),
        (H.get_cosine_schedule_with_warmup(b, w, t),
         sa.warmup_cosine(t, peak=b, warmup_steps=w, endpoint=False)),
        (H.get_polynomial_decay_schedule_with_warmup(b, w, t, 1e-3, 2.0),
         sa.warmup_decay(t, peak=b, warmup_steps=w, end=1e-3, decay="polynomial",
                         decay_options={"power": 2.0}, endpoint=False)),
        (H.get_constant_schedule(b, num_steps=t), sa.constant(t, value=b)),
        (H.get_constant_schedule_with_warmup(b, w, num_steps=t),
         sa.warmup_decay(t, peak=b, warmup_steps=w, decay="constant")),
        (H.get_inverse_sqrt_schedule(b, w, num_steps=t),
         sa.warmup_decay(t, peak=b, warmup_steps=w, decay="inverse_sqrt",
                         decay_options={"timescale": w})),
        (H.get_cosine_with_min_lr_schedule_with_warmup(b, w, t, min_lr_rate=0.1),
         sa.warmup_cosine(t, peak=b, warmup_steps=w, end=0.1 * b, endpoint=False)),
    ]
    for up, native_up in (("linear", "linear"), ("cosine", "cosine"), ("1-sqrt", "one_minus_sqrt")):
        for down, native_down in (("linear", "linear"), ("cosine", "cosine"),
                                  ("1-sqrt", "one_minus_sqrt")):
            pairs.append((
                H.get_wsd_schedule(b, w, 30, t, warmup_type=up, decay_type=down, min_lr_ratio=0.1),
                sa.wsd(t, peak=b, warmup_steps=w, decay_steps=30, start=0.1 * b, end=0.1 * b,
                       warmup=native_up, decay=native_down, endpoint=False)))
    for got, native in pairs:
        np.testing.assert_allclose(got, native, rtol=0, atol=1e-15 * np.max(np.abs(native)))


def test_the_readme_example_runs():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("### Porting from PyTorch and Hugging Face", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    ns = {}
    exec(code, ns)
    assert ns["lr"].shape == (10_000, 2)
