"""compat.torch against the real torch.optim.lr_scheduler, stepped as torch documents.

Every comparison goes through `compare`, which counts it; the module's teardown
prints how many configurations were compared per scheduler.
"""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray.compat import torch as C
from tests.support import require

torch = require("torch")
L = torch.optim.lr_scheduler

COMPARED: Counter = Counter()
TOL = 1e-12  # max |difference| <= TOL * max |value|, the tolerance


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    total = sum(COMPARED.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(COMPARED.items()))
    line = f"compat.torch parity: {total} configurations compared against torch ({detail})"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def optimizer(base, kind="sgd"):
    bases = base if isinstance(base, list) else [base]
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in bases]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=bases[0])
    return torch.optim.SGD(groups, lr=bases[0], momentum=0.9)


def trace(make, base, n, *, what="lr", kind="sgd"):
    """Values held during updates 0..n-1: the constructor steps, then step() after each update."""
    opt = optimizer(base, kind)
    scheduler = make(opt)
    rows = []
    for t in range(n):
        if what == "lr":
            rows.append([g["lr"] for g in opt.param_groups])
        else:
            rows.append([g["betas"][0] if kind == "adam" else g["momentum"]
                         for g in opt.param_groups])
        if t < n - 1:
            opt.step()
            scheduler.step()
    out = np.array(rows, dtype=np.float64)
    return out if isinstance(base, list) else out[:, 0]


def compare(label, got, expected, *, values=()):
    """`values`: the schedule's value parameters (max_lr, ...). torch's rounding is
    relative to them too: ``(end - start) * pct + start`` loses ulps of ``start`` even
    where the result is far smaller (and schedarray keeps it inside [end, start])."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (label, got.shape, expected.shape)
    scale = max(float(np.max(np.abs(expected))), *np.abs(np.ravel(values)),
                np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    assert worst <= TOL * scale, f"{label}: max |diff| {worst:.3g} > {TOL} * {scale:.3g}"
    COMPARED[label] += 1


bases = st.one_of(
    st.floats(1e-5, 10.0),
    st.lists(st.floats(1e-5, 10.0), min_size=1, max_size=3),
)
factors = st.floats(0.01, 1.0)
lengths = st.integers(1, 300)


# ----------------------------------------------------------------------------- closed forms


@settings(max_examples=25)
@given(bases, lengths, st.integers(1, 50), st.floats(0.0, 1.5))
def test_step_lr(base, n, step_size, gamma):
    compare("StepLR", C.step_lr(base, n, step_size, gamma),
            trace(lambda o: L.StepLR(o, step_size, gamma), base, n))


@settings(max_examples=25)
@given(bases, lengths, st.lists(st.integers(0, 320), max_size=6), st.floats(0.0, 1.5))
def test_multi_step_lr_any_order_repeats_and_zero(base, n, milestones, gamma):
    compare("MultiStepLR", C.multi_step_lr(base, n, milestones, gamma),
            trace(lambda o: L.MultiStepLR(o, milestones, gamma), base, n))


@settings(max_examples=25)
@given(bases, lengths, st.floats(0.01, 1.0), st.integers(0, 320))
def test_constant_lr(base, n, factor, total_iters):
    compare("ConstantLR", C.constant_lr(base, n, factor, total_iters),
            trace(lambda o: L.ConstantLR(o, factor, total_iters), base, n))


@settings(max_examples=25)
@given(bases, lengths, factors, st.floats(0.0, 1.0), st.integers(0, 320))
def test_linear_lr(base, n, start, end, total_iters):
    compare("LinearLR", C.linear_lr(base, n, start, end, total_iters),
            trace(lambda o: L.LinearLR(o, start, end, total_iters), base, n))


@settings(max_examples=25)
@given(bases, lengths, st.floats(0.9, 1.05))
def test_exponential_lr(base, n, gamma):
    compare("ExponentialLR", C.exponential_lr(base, n, gamma),
            trace(lambda o: L.ExponentialLR(o, gamma), base, n))


@settings(max_examples=25)
@given(bases, lengths, st.integers(0, 320), st.floats(0.0, 4.0))
def test_polynomial_lr(base, n, total_iters, power):
    compare("PolynomialLR", C.polynomial_lr(base, n, total_iters, power),
            trace(lambda o: L.PolynomialLR(o, total_iters, power), base, n))


@settings(max_examples=30)
@given(bases, st.integers(1, 1000), st.integers(1, 400), st.floats(0.0, 5.0))
def test_cosine_annealing_lr_including_the_rise_past_t_max(base, n, t_max, eta_min):
    if eta_min and n > t_max + 1:
        # torch's rise with eta_min != 0 amplifies its own per-step rounding ~T_max^2 / 5
        # times (1e-12 is crossed near T_max = 400); up to 100 it stays below 1e-13.
        t_max = min(t_max, 100)
    compare("CosineAnnealingLR", C.cosine_annealing_lr(base, n, t_max, eta_min),
            trace(lambda o: L.CosineAnnealingLR(o, t_max, eta_min), base, n))


@settings(max_examples=25)
@given(bases, lengths, st.integers(1, 40), st.integers(1, 3), st.floats(0.0, 1.0))
def test_cosine_annealing_warm_restarts(base, n, t_0, t_mult, eta_min):
    compare("CosineAnnealingWarmRestarts",
            C.cosine_annealing_warm_restarts(base, n, t_0, t_mult, eta_min),
            trace(lambda o: L.CosineAnnealingWarmRestarts(o, t_0, t_mult, eta_min), base, n))


# ----------------------------------------------------------------------------- CyclicLR


cyclic_configs = st.fixed_dictionaries({
    "step_size_up": st.one_of(st.integers(1, 60), st.floats(0.5, 60.0)),
    "step_size_down": st.one_of(st.none(), st.integers(0, 60), st.floats(0.5, 60.0)),
    "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
    "gamma": st.floats(0.98, 1.01),
    "base_momentum": st.floats(0.5, 0.85),
    "max_momentum": st.floats(0.85, 0.99),
})


@settings(max_examples=30)
@given(st.floats(1e-5, 1.0), st.floats(1e-5, 2.0), lengths, cyclic_configs,
       st.sampled_from(["sgd", "adam"]))
def test_cyclic_lr_and_its_momentum(low, high, n, cfg, kind):
    def make(o):
        return L.CyclicLR(o, low, high, **cfg)

    compare("CyclicLR", C.cyclic_lr(low, n, high, **cfg), trace(make, 0.5, n, kind=kind))
    compare("CyclicLR momentum", C.cyclic_lr_momentum(low, n, high, **cfg),
            trace(make, 0.5, n, what="momentum", kind=kind))


@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_cyclic_lr_with_a_custom_scale_fn(scale_mode):
    def fn(x):
        return 1 / (1.0 + 0.1 * x)

    def make(o):
        return L.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], 7, 3, mode="ignored", scale_fn=fn,
                          scale_mode=scale_mode)

    args = ([0.01, 0.02], 200, [0.1, 0.3], 7, 3)
    kwargs = {"mode": "ignored", "scale_fn": fn, "scale_mode": scale_mode}
    compare("CyclicLR", C.cyclic_lr(*args, **kwargs), trace(make, [1.0, 1.0], 200))
    compare("CyclicLR momentum", C.cyclic_lr_momentum(*args, **kwargs),
            trace(make, [1.0, 1.0], 200, what="momentum"))


def test_cyclic_lr_exp_range_growing_past_max_lr_is_not_clipped():
    got = C.cyclic_lr(0.01, 300, 0.1, 10, mode="exp_range", gamma=1.01)
    compare("CyclicLR", got,
            trace(lambda o: L.CyclicLR(o, 0.01, 0.1, 10, mode="exp_range", gamma=1.01), 1.0, 300))
    assert got.max() > 0.1


# ----------------------------------------------------------------------------- OneCycleLR


one_cycle_configs = st.fixed_dictionaries({
    "pct_start": st.floats(0.0, 1.0),
    "anneal_strategy": st.sampled_from(["cos", "linear"]),
    "base_momentum": st.floats(0.5, 0.85),
    "max_momentum": st.floats(0.85, 0.99),
    "div_factor": st.floats(1.0, 100.0),
    "final_div_factor": st.floats(1.0, 1e5),
    "three_phase": st.booleans(),
})


def torch_one_cycle(max_lr, total, cfg, n, what="lr"):
    try:
        return trace(lambda o: L.OneCycleLR(o, max_lr, total, **cfg), max_lr, n, what=what)
    except ZeroDivisionError:
        return None


@settings(max_examples=40)
@given(bases, st.integers(1, 300), one_cycle_configs, st.booleans())
def test_one_cycle_lr_both_strategies_three_phase_and_the_step_at_total(
        max_lr, total, cfg, one_more):
    n = total + one_more
    expected = torch_one_cycle(max_lr, total, cfg, n)
    if expected is None:  # torch divides by zero: a phase of zero length is reached
        with pytest.raises(ValueError, match="zero length"):
            C.one_cycle_lr(max_lr, total, num_steps=n, **cfg)
        return
    compare("OneCycleLR", C.one_cycle_lr(max_lr, total, num_steps=n, **cfg), expected,
            values=max_lr)
    compare("OneCycleLR momentum", C.one_cycle_lr_momentum(max_lr, total, num_steps=n, **cfg),
            torch_one_cycle(max_lr, total, cfg, n, what="momentum"))


def test_one_cycle_lr_epochs_and_steps_per_epoch():
    compare("OneCycleLR", C.one_cycle_lr(0.1, epochs=3, steps_per_epoch=7),
            trace(lambda o: L.OneCycleLR(o, 0.1, epochs=3, steps_per_epoch=7), 0.1, 21))


def test_one_cycle_lr_past_total_steps_raises_torchs_error():
    with pytest.raises(ValueError, match="Tried to step 11 times") as torch_error:
        trace(lambda o: L.OneCycleLR(o, 0.1, 10), 0.1, 12)
    with pytest.raises(ValueError, match="Tried to step 11 times") as ours:
        C.one_cycle_lr(0.1, 10, num_steps=12)
    # torch's words, then the parameters the caller passed
    assert str(ours.value) == (f"{torch_error.value} (num_steps must be <= total_steps + 1, "
                               "got num_steps=12, total_steps=10)")
    assert len(C.one_cycle_lr(0.1, 10, num_steps=11)) == 11  # t == total_steps is allowed
    COMPARED["OneCycleLR"] += 1


# ----------------------------------------------------------------------------- callables


def test_lambda_lr_per_group_callables():
    fns = [lambda t: 1 / (1 + t), lambda t: 0.99**t * (t % 3)]
    compare("LambdaLR", C.lambda_lr([0.3, 0.1], 400, fns),
            trace(lambda o: L.LambdaLR(o, fns), [0.3, 0.1], 400))


@settings(max_examples=15)
@given(bases, lengths, st.floats(0.9, 1.0), st.integers(1, 9))
def test_multiplicative_lr(base, n, rate, period):
    def fn(t):
        return rate if t % period else 1.0 / rate

    expected = trace(lambda o: L.MultiplicativeLR(o, fn), base, n)
    got = C.multiplicative_lr(base, n, fn)
    compare("MultiplicativeLR", got, expected)
    assert np.array_equal(got, expected)  # the same running product, bit for bit


def test_callables_are_evaluated_at_the_window_only():
    calls = []

    def fn(t):
        calls.append(t)
        return 1.0 / (1 + t)

    got = sa.window(C.lambda_lr, 5, 8, 2.0, 100, fn)
    assert calls == [5, 6, 7]
    np.testing.assert_array_equal(got, C.lambda_lr(2.0, 100, fn)[5:8])
    np.testing.assert_array_equal(sa.window(C.multiplicative_lr, 5, 8, 2.0, 100, fn),
                                  C.multiplicative_lr(2.0, 100, fn)[5:8])


# ----------------------------------------------------------------------------- composition


@settings(max_examples=20)
@given(st.floats(1e-4, 1.0), st.integers(0, 60), st.integers(0, 60), st.integers(1, 150),
       factors, st.integers(1, 80))
def test_sequential_lr(base, m1, extra, tail, start_factor, t_max):
    m2 = m1 + extra  # extra == 0 repeats the milestone: the middle scheduler never runs
    n = m2 + tail

    def make(o):
        parts = [L.LinearLR(o, start_factor, total_iters=max(m1, 1)), L.ExponentialLR(o, 0.97),
                 L.CosineAnnealingLR(o, t_max, eta_min=base / 10)]
        return L.SequentialLR(o, parts, milestones=[m1, m2])

    got = C.sequential_lr(
        [lambda k: C.linear_lr(base, k, start_factor, total_iters=max(m1, 1)),
         lambda k: C.exponential_lr(base, k, 0.97),
         C.cosine_annealing_lr(base, tail, t_max, eta_min=base / 10)],
        [m1, m2],
    )
    compare("SequentialLR", got, trace(make, base, n))


def test_composition_under_window_returns_the_windows_steps():
    parts = [C.linear_lr(1.0, 5, 0.5), lambda k: C.cosine_annealing_lr(1.0, k, 10)]
    whole = C.sequential_lr(parts, [5], 30)
    np.testing.assert_array_equal(sa.window(C.sequential_lr, 3, 12, parts, [5], 30), whole[3:12])
    chained = [C.step_lr([1.0, 2.0], 30, 4), C.exponential_lr([1.0, 2.0], 30, 0.9)]
    np.testing.assert_array_equal(sa.window(C.chained_scheduler, 7, 9, chained, [1.0, 2.0]),
                                  C.chained_scheduler(chained, [1.0, 2.0])[7:9])


def test_sequential_lr_groups_and_num_steps():
    def make(o):
        return L.SequentialLR(o, [L.ConstantLR(o, 0.5, 10), L.StepLR(o, 4)], milestones=[3])

    base = [0.1, 0.2]
    got = C.sequential_lr([C.constant_lr(base, 3, 0.5, 10), lambda k: C.step_lr(base, k, 4)],
                          [3], num_steps=50)
    compare("SequentialLR", got, trace(make, base, 50))


@pytest.mark.parametrize("which", ["constant+exponential", "warmup+cosine", "step+multistep+poly"])
def test_chained_scheduler_of_multiplicative_schedulers(which):
    n, base = 120, 0.4
    if which == "constant+exponential":
        specs = [(L.ConstantLR, C.constant_lr, (0.1, 2)), (L.ExponentialLR, C.exponential_lr, (0.9,))]
    elif which == "warmup+cosine":
        specs = [(L.LinearLR, C.linear_lr, (0.1, 1.0, 10)),
                 (L.CosineAnnealingLR, C.cosine_annealing_lr, (n,))]
    else:
        specs = [(L.StepLR, C.step_lr, (7, 0.9)), (L.MultiStepLR, C.multi_step_lr, ([5, 50], 0.5)),
                 (L.PolynomialLR, C.polynomial_lr, (100, 1.5))]

    def make(o):
        return L.ChainedScheduler([cls(o, *args) for cls, _, args in specs])

    got = C.chained_scheduler([fn(base, n, *args) for _, fn, args in specs], base)
    compare("ChainedScheduler", got, trace(make, base, n))


# ----------------------------------------------------------------------------- edge cases


def test_edge_cases_against_torch():
    b = 0.3
    cases = [
        ("StepLR", C.step_lr(b, 12, 1, 0.5), lambda o: L.StepLR(o, 1, 0.5)),
        ("StepLR", C.step_lr(b, 5, 10), lambda o: L.StepLR(o, 10)),  # steps before the first decay
        ("MultiStepLR", C.multi_step_lr(b, 12, [3, 3, 3, 7], 0.5),
         lambda o: L.MultiStepLR(o, [3, 3, 3, 7], 0.5)),
        ("MultiStepLR", C.multi_step_lr(b, 8, [0, 0, 100]), lambda o: L.MultiStepLR(o, [0, 0, 100])),
        ("MultiStepLR", C.multi_step_lr(b, 8, []), lambda o: L.MultiStepLR(o, [])),
        ("ConstantLR", C.constant_lr(b, 6, 0.5, 0), lambda o: L.ConstantLR(o, 0.5, 0)),
        ("ConstantLR", C.constant_lr(b, 6, 0.0, 6), lambda o: L.ConstantLR(o, 0.0, 6)),
        ("LinearLR", C.linear_lr(b, 6, 0.5, 1.0, 0), lambda o: L.LinearLR(o, 0.5, 1.0, 0)),
        ("LinearLR", C.linear_lr(b, 9, 1.0, 0.0, 4), lambda o: L.LinearLR(o, 1.0, 0.0, 4)),
        ("PolynomialLR", C.polynomial_lr(b, 9, 0), lambda o: L.PolynomialLR(o, 0)),
        ("PolynomialLR", C.polynomial_lr(b, 9, 4, 0.0), lambda o: L.PolynomialLR(o, 4, 0.0)),
        ("CosineAnnealingLR", C.cosine_annealing_lr(b, 40, 1), lambda o: L.CosineAnnealingLR(o, 1)),
        ("CosineAnnealingLR", C.cosine_annealing_lr(b, 1000, 7, 0.9),
         lambda o: L.CosineAnnealingLR(o, 7, 0.9)),  # eta_min above base: a rising cosine
        ("CosineAnnealingWarmRestarts", C.cosine_annealing_warm_restarts(b, 20, 1),
         lambda o: L.CosineAnnealingWarmRestarts(o, 1)),
        ("CosineAnnealingWarmRestarts", C.cosine_annealing_warm_restarts(b, 50, 1, 2),
         lambda o: L.CosineAnnealingWarmRestarts(o, 1, 2)),
        ("CyclicLR", C.cyclic_lr(b, 40, 0.9, 5, 0), lambda o: L.CyclicLR(o, b, 0.9, 5, 0)),
        ("CyclicLR", C.cyclic_lr(0.9, 40, b, 3, 4), lambda o: L.CyclicLR(o, 0.9, b, 3, 4)),
        ("OneCycleLR", C.one_cycle_lr(b, 1, num_steps=2), lambda o: L.OneCycleLR(o, b, 1)),
        ("OneCycleLR", C.one_cycle_lr(b, 2000), lambda o: L.OneCycleLR(o, b, 2000)),
        ("OneCycleLR", C.one_cycle_lr(b, 50, pct_start=0.0, three_phase=True),
         lambda o: L.OneCycleLR(o, b, 50, pct_start=0.0, three_phase=True)),
    ]
    for label, got, make in cases:
        compare(label, got, trace(make, b, len(got)))


def test_cosine_annealing_lr_landmarks():
    lr = C.cosine_annealing_lr(1.0, 25, T_max=10, eta_min=0.1)
    assert lr[0] == 1.0
    assert lr[10] == 0.1
    assert lr[20] == pytest.approx(1.0, rel=1e-12)  # back at the base: period 2 T_max
    assert np.all(np.diff(lr[:11]) < 0)
    assert np.all(np.diff(lr[10:21]) > 0)


def test_groups_give_columns():
    lr = C.cosine_annealing_lr([1.0, 0.5], 5, T_max=4)
    assert lr.shape == (5, 2)
    np.testing.assert_array_equal(lr[:, 1], C.cosine_annealing_lr(0.5, 5, T_max=4))
    compare("CosineAnnealingLR", lr, trace(lambda o: L.CosineAnnealingLR(o, 4), [1.0, 0.5], 5))


def test_dtype_out_and_window():
    full = C.one_cycle_lr(0.1, 100, three_phase=True)
    np.testing.assert_array_equal(sa.window(C.one_cycle_lr, 20, 70, 0.1, 100, three_phase=True),
                                  full[20:70])
    np.testing.assert_array_equal(C.one_cycle_lr(0.1, 100, three_phase=True, num_steps=40),
                                  full[:40])  # a shorter array is a prefix
    f32 = C.one_cycle_lr(0.1, 100, three_phase=True, dtype=np.float32)
    assert f32.dtype == np.float32
    np.testing.assert_array_equal(f32, full.astype(np.float32))
    buf = np.empty((100, 2))
    res = C.step_lr([0.1, 0.2], 100, 10, out=buf)
    assert res is buf
    np.testing.assert_array_equal(buf[:, 1], C.step_lr(0.2, 100, 10))
    np.testing.assert_array_equal(sa.window(C.step_lr, 3, 9, [0.1, 0.2], 100, 10), buf[3:9])


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: C.step_lr(0.1, 10, 0), ValueError, "step_size must be >= 1, got step_size=0"),
    (lambda: C.step_lr(0.1, 0, 3), ValueError, "num_steps must be >= 1, got num_steps=0"),
    (lambda: C.step_lr(0.1, 10.0, 3), TypeError, "num_steps must be an integer"),
    (lambda: C.step_lr("0.1", 10, 3), TypeError, "base_lr must be a real number"),
    (lambda: C.step_lr([0.1, math.nan], 10, 3), ValueError, r"base_lr\[1\] must be finite"),
    (lambda: C.multi_step_lr(0.1, 10, 3), TypeError, "milestones must be a sequence"),
    (lambda: C.multi_step_lr(0.1, 10, [-1]), ValueError, r"milestones\[0\] must be >= 0"),
    (lambda: C.constant_lr(0.1, 10, 1.5), ValueError, r"factor must be in \[0, 1\]"),
    (lambda: C.constant_lr(0.1, 10, 0.0, 5), ValueError, "factor=0 divides by zero"),
    (lambda: C.linear_lr(0.1, 10, 0.0), ValueError, r"start_factor must be in \(0, 1\]"),
    (lambda: C.linear_lr(0.1, 10, 0.5, 1.5), ValueError, r"end_factor must be in \[0, 1\]"),
    (lambda: C.polynomial_lr(0.1, 10, 5, -1.0), ValueError, "power must be >= 0"),
    (lambda: C.cosine_annealing_lr(0.1, 10, 0), ValueError, "T_max must be >= 1, got T_max=0"),
    (lambda: C.cosine_annealing_warm_restarts(0.1, 10, 2, 1.5), TypeError, "T_mult must be an integer"),
    (lambda: C.cyclic_lr(0.1, 10, 1.0, mode="sine"), ValueError, "mode must be one of"),
    (lambda: C.cyclic_lr(0.1, 10, 1.0, 0), ValueError, "step_size_up must be > 0"),
    (lambda: C.cyclic_lr([0.1, 0.2], 10, [1.0, 2.0, 3.0]), ValueError,
     "max_lr must have one value per parameter group like base_lr"),
    (lambda: C.cyclic_lr_momentum(0.1, 10, 1.0, cycle_momentum=False), ValueError,
     "cycle_momentum=False"),
    (lambda: C.one_cycle_lr(0.1), ValueError, "You must define either total_steps"),
    (lambda: C.one_cycle_lr(0.1, 10, pct_start=1.5), ValueError, r"pct_start must be in \[0, 1\]"),
    (lambda: C.one_cycle_lr(0.1, 10, anneal_strategy="cosine"), ValueError,
     "anneal_strategy must be one of 'cos', 'linear'"),
    (lambda: C.lambda_lr(0.1, 3, 0.5), TypeError, "lr_lambda must be callable"),
    (lambda: C.lambda_lr(0.1, 3, [abs, abs]), ValueError, "lr_lambda must be one callable or one"),
    (lambda: C.lambda_lr(0.1, 3, lambda t: math.inf), ValueError,
     r"lr_lambda must return finite numbers, got lr_lambda\(0\)=inf"),
    (lambda: C.lambda_lr(0.1, 3, lambda t: "x"), TypeError, "lr_lambda must return a real number"),
    (lambda: C.sequential_lr([[1.0], [2.0]], []), ValueError,
     "milestones must have one entry fewer than schedulers"),
    (lambda: C.sequential_lr([[1.0], [2.0]], [3]), ValueError, r"schedulers\[0\] must cover its 3"),
    (lambda: C.sequential_lr([[1.0], lambda k: [1.0] * k], [1]), ValueError, "num_steps is required"),
    (lambda: C.sequential_lr([[1.0], [[2.0, 3.0]]], [1]), ValueError, "same number of groups"),
    (lambda: C.chained_scheduler([[1.0, 2.0], [1.0]], 1.0), ValueError, "same shape"),
    (lambda: C.chained_scheduler([[1.0, 2.0]], 0.0), ValueError, "base_lr must be nonzero"),
    (lambda: C.step_lr(0.1, 4, 2, out=np.empty(5)), ValueError, "out must have length 4"),
    (lambda: C.step_lr([0.1, 0.2], 4, 2, out=np.empty((4, 3))), ValueError,
     r"out must have shape \(4, 2\)"),
])
def test_bad_input_is_rejected_with_the_parameter_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- native equivalents


def test_the_native_equivalents_named_in_the_readme():
    b = 0.3
    pairs = [
        (C.step_lr(b, 50, 7, 0.5), sa.step(50, start=b, step_size=7, gamma=0.5)),
        (C.multi_step_lr(b, 50, [7, 20, 20], 0.5),
         sa.multistep(50, start=b, milestones=[7, 20, 20], gamma=0.5)),
        (C.constant_lr(b, 30, 0.25, 10),
         sa.piecewise_constant(30, boundaries=[10], values=[0.25 * b, b])),
        (C.linear_lr(b, 50, 0.1, 0.9, 20),
         sa.join(sa.linear(20, start=0.1 * b, end=0.9 * b, endpoint=False),
                 sa.constant(30, value=0.9 * b))),
        (C.exponential_lr(b, 50, 0.95), sa.exponential(50, start=b, rate=0.95)),
        (C.polynomial_lr(b, 31, 30, 2.0), sa.polynomial(31, start=b, power=2.0)),
        (C.cosine_annealing_lr(b, 41, 40, 0.01), sa.cosine(41, start=b, end=0.01)),
        (C.cyclic_lr(0.01, 100, b, 7, 5, "triangular2"),
         sa.cyclic(100, low=0.01, high=b, step_size_up=7, step_size_down=5, mode="triangular2")),
    ]
    for three in (False, True):
        for strategy, anneal in (("cos", "cosine"), ("linear", "linear")):
            kw = {"pct_start": 0.3, "anneal_strategy": strategy, "three_phase": three}
            pairs.append((C.one_cycle_lr(b, 100, **kw),
                          sa.one_cycle(100, peak=b, warmup_steps=29, anneal=anneal,
                                       three_phase=three)))
            pairs.append((C.one_cycle_lr_momentum(b, 100, **kw),
                          sa.one_cycle_momentum(100, start=0.95, peak=0.85, warmup_steps=29,
                                                anneal=anneal, three_phase=three)))
            # a peak between two updates: pct_start * N - 1 = 28.1
            pairs.append((C.one_cycle_lr(b, 97, **kw),
                          sa.one_cycle(97, peak=b, warmup_steps=0.3 * 97 - 1, anneal=anneal,
                                       three_phase=three)))
            pairs.append((C.one_cycle_lr_momentum(b, 97, **kw),
                          sa.one_cycle_momentum(97, start=0.95, peak=0.85,
                                                warmup_steps=0.3 * 97 - 1, anneal=anneal,
                                                three_phase=three)))
    for got, native in pairs:
        np.testing.assert_allclose(got, native, rtol=0, atol=1e-15 * np.max(np.abs(native)))


def test_numba_backend_fills_the_group_columns_like_numpy():
    for make in (lambda b: C.one_cycle_lr([0.1, 0.2], 500, three_phase=True, backend=b),
                 lambda b: C.cosine_annealing_lr([0.1, 0.3], 500, 70, 0.01, backend=b)):
        fast, slow = make("numba"), make("numpy")
        assert fast.shape == slow.shape == (500, 2)
        # 16 eps, not the design's 4: the kernels' angle addition drifts a little more on a
        # cosine that runs for several half-periods (the rise past T_max).
        np.testing.assert_allclose(fast, slow, rtol=0, atol=16 * np.finfo(float).eps * 0.3)


def test_one_cycle_lr_three_phase_whose_last_phase_ends_before_it_starts():
    # pct_start = 0.875 of 2 steps: phase ends 0.75, 1.5, then 1; at step 2 torch
    # extrapolates the last line to 1.5 (above max_lr), found by Hypothesis.
    cfg = {"pct_start": 0.875, "anneal_strategy": "linear", "div_factor": 1.0,
           "final_div_factor": 2.0, "three_phase": True}
    got = C.one_cycle_lr(1.0, 2, num_steps=3, **cfg)
    assert got.tolist() == [1.0, 1.0, 1.5]
    compare("OneCycleLR", got, torch_one_cycle(1.0, 2, cfg, 3))
    for strategy in ("cos", "linear"):
        cfg = {"pct_start": 0.9, "anneal_strategy": strategy, "three_phase": True}
        compare("OneCycleLR", C.one_cycle_lr(0.5, 7, num_steps=8, **cfg),
                torch_one_cycle(0.5, 7, cfg, 8))
        compare("OneCycleLR momentum", C.one_cycle_lr_momentum(0.5, 7, num_steps=8, **cfg),
                torch_one_cycle(0.5, 7, cfg, 8, what="momentum"))


def test_swalr_computes_only_its_window():
    # found by scripts/fuzz.py: a window of a 5e15-step SWALR allocated the whole array
    n = 5 * 10**15
    assert sa.window(C.swalr, 0, 0, 0.05, n, swa_lr=0.01).shape == (0,)
    assert sa.window(C.swalr, n - 3, n, 0.05, n, swa_lr=0.01).tolist() == [0.01] * 3
    whole = C.swalr([1.0, 0.5], 9, swa_lr=0.1, anneal_epochs=3)
    for a in range(10):
        for b in range(a, 10):
            got = sa.window(C.swalr, a, b, [1.0, 0.5], 9, swa_lr=0.1, anneal_epochs=3)
            assert np.array_equal(got, whole[a:b])
