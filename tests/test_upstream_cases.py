"""The value-checking cases of each framework's own scheduler tests, ported.

Every case names the upstream file and test it comes from, runs the matching compat
function, and asserts

* the upstream test's expected values at the upstream test's own tolerance, and
* where the framework is installed, the framework's own values for the same
  configuration at ``1e-12 * max|value|`` (Keras in float64, optax with x64).

The module prints, per framework, how many upstream cases were ported and pass.
Metric-driven schedulers (``ReduceLROnPlateau``, timm's ``PlateauLRScheduler``) and
cases that only check types, warnings, pickling or argument errors are not ported.
The expected values are upstream's (this file's own code otherwise).
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
import warnings
from collections import Counter
from functools import partial

import numpy as np
import pytest

from schedarray.compat import fvcore as CF
from schedarray.compat import hf as CH
from schedarray.compat import keras as CK
from schedarray.compat import optax as CO
from schedarray.compat import timm as CTI
from schedarray.compat import torch as CT
from tests.support import require

TOL = 1e-12
PORTED: Counter = Counter()
PASSED: Counter = Counter()
ANCHORED: Counter = Counter()  # cases also compared with the installed framework
CURRENT: list = []
CASES: list = []


def case(framework, cite):
    """Register a ported case: `cite` is ``"<upstream file>::<test name>"``."""
    def register(fn):
        CASES.append(pytest.param(framework, cite, fn, id=f"{framework}:{cite.split('::')[-1]}"))
        PORTED[framework] += 1
        return fn
    return register


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    line = ", ".join(f"{fw} {PASSED[fw]}/{PORTED[fw]} ({ANCHORED[fw]} also against the "
                     "installed framework)" for fw in sorted(PORTED))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nupstream test cases ported / passing per framework: {line}")


def installed(name):
    """The framework module, or None when it is not installed (CI requires it)."""
    try:
        return require(name)
    except pytest.skip.Exception:
        return None


def upstream(got, expected, *, atol=0.0, rtol=0.0):
    """The upstream assertion: |got - expected| <= atol + rtol * |expected| elementwise."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    bad = np.abs(got - expected) > atol + rtol * np.abs(expected)
    assert not bad.any(), f"upstream tolerance missed at {np.argwhere(bad)[:3].tolist()}: " \
                          f"{got[bad][:3]} vs {expected[bad][:3]}"


def anchor(got, expected):
    """The installed framework's own values: 1e-12 x max|value|."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(float(np.max(np.abs(expected))), np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    assert worst <= TOL * scale, f"framework: max |diff| {worst:.3g} > {TOL} x {scale:.3g}"
    if CURRENT:
        ANCHORED[CURRENT[-1]] += 1


@pytest.mark.parametrize(("framework", "cite", "fn"), CASES)
def test_upstream_case(framework, cite, fn):
    CURRENT[:] = [framework]
    before = ANCHORED[framework]
    fn()
    ANCHORED[framework] = min(ANCHORED[framework], before + 1)  # one per case
    PASSED[framework] += 1


# ===================================================================================== torch
# pytorch/pytorch test/optim/test_lrscheduler.py. setUp: SGD with two groups, lr 0.05 and
# 0.5; `_test` checks group lrs before each step with atol=1e-5, rtol=0.

TORCH_FILE = "pytorch test/optim/test_lrscheduler.py"
BASES = [0.05, 0.5]
TORCH_TOL = {"atol": 1e-5, "rtol": 0.0}


def torch_run(make, epochs, bases=BASES, momentum=0.0):
    """The lrs of every group over `epochs` epochs; `make(L, opt)` gives the schedulers."""
    torch = installed("torch")
    if torch is None:
        return None
    from torch.optim import lr_scheduler as L
    from torch.optim.swa_utils import SWALR

    L.SWALR = SWALR
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in bases]
    opt = torch.optim.SGD(groups, lr=bases[0], momentum=momentum)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheds = make(L, opt)
        scheds = scheds if isinstance(scheds, list) else [scheds]
        rows = []
        for _ in range(epochs):
            rows.append([g["lr"] for g in opt.param_groups])
            opt.step()
            for s in scheds:
                s.step()
    return np.array(rows)


def torch_case(test, ours, targets, make, epochs, groups=(0, 1), bases=BASES, **tol):
    """targets: one list per checked group (upstream's), compared over `epochs` epochs."""
    got = np.asarray(ours)
    got = got if got.ndim == 2 else np.repeat(got[:, None], 2, axis=1)
    for g, target in zip(groups, targets, strict=False):
        upstream(got[:epochs, g], target[:epochs], **(tol or TORCH_TOL))
    ref = torch_run(make, epochs, bases=bases, momentum=0.9)
    if ref is not None:
        anchor(got[:epochs], ref)


def both(single):
    return [single, [x * 10 for x in single]]


@case("torch", f"{TORCH_FILE}::test_step_lr")
def _():
    t = [0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3
    torch_case("step", CT.step_lr(BASES, 10, step_size=3, gamma=0.1), both(t),
               lambda L, o: L.StepLR(o, gamma=0.1, step_size=3), 10)


@case("torch", f"{TORCH_FILE}::test_multi_step_lr")
def _():
    t = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005] * 3
    torch_case("ms", CT.multi_step_lr(BASES, 10, milestones=[2, 5, 9], gamma=0.1), both(t),
               lambda L, o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]), 10)


@case("torch", f"{TORCH_FILE}::test_constantlr")
def _():
    t = [0.025] * 5 + [0.05] * 5
    torch_case("c", CT.constant_lr(BASES, 10, factor=1.0 / 2, total_iters=5), both(t),
               lambda L, o: L.ConstantLR(o, factor=1.0 / 2, total_iters=5), 10)


@case("torch", f"{TORCH_FILE}::test_linearlr")
def _():
    s, iters = 1.0 / 2, 4
    t = [(s + i * (1 - s) / iters) * 0.05 for i in range(iters)] + [0.05] * 6
    torch_case("l", CT.linear_lr(BASES, 10, start_factor=s, total_iters=iters), both(t),
               lambda L, o: L.LinearLR(o, start_factor=s, total_iters=iters), 10)


@case("torch", f"{TORCH_FILE}::test_get_last_lr_linearlr")
def _():
    s, e, iters = 1.0 / 4, 3.0 / 5, 4
    t = [(s + i * (e - s) / iters) * 0.05 for i in range(iters)] + [0.05 * e] * 6
    torch_case("l2", CT.linear_lr(BASES, 10, start_factor=s, end_factor=e, total_iters=iters),
               both(t), lambda L, o: L.LinearLR(o, start_factor=s, end_factor=e,
                                                total_iters=iters), 10)


@case("torch", f"{TORCH_FILE}::test_exp_lr")
def _():
    t = [0.05 * 0.9**x for x in range(10)]
    torch_case("e", CT.exponential_lr(BASES, 10, gamma=0.9), both(t),
               lambda L, o: L.ExponentialLR(o, gamma=0.9), 10)


@case("torch", f"{TORCH_FILE}::test_poly_lr")
def _():
    t = [(1.0 - x / 5) ** 0.9 * 0.05 for x in range(5)] + [0.0] * 5
    torch_case("p", CT.polynomial_lr(BASES, 10, total_iters=5, power=0.9), both(t),
               lambda L, o: L.PolynomialLR(o, power=0.9, total_iters=5), 10)


@case("torch", f"{TORCH_FILE}::test_cos_anneal_lr")
def _():
    eta = 1e-10
    t = [eta + (0.05 - eta) * (1 + math.cos(math.pi * x / 10)) / 2 for x in range(10)]
    torch_case("cos", CT.cosine_annealing_lr(BASES, 10, T_max=10, eta_min=eta), both(t),
               lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=eta), 10)


def seq(specs, marks, n):
    return CT.sequential_lr([partial(f, BASES, **kw) for f, kw in specs], marks, n)


@case("torch", f"{TORCH_FILE}::test_sequentiallr1")
def _():
    t = [0.05, 0.04, 0.032] + [0.05] * 4 + [0.005] * 4 + [0.0005] * 4 + [0.00005] * 4
    ours = seq([(CT.exponential_lr, {"gamma": 0.8}),
                (CT.step_lr, {"gamma": 0.1, "step_size": 4})], [3], 19)
    torch_case("s1", ours, [t], lambda L, o: L.SequentialLR(o, [
        L.ExponentialLR(o, gamma=0.8), L.StepLR(o, gamma=0.1, step_size=4)], [3]), 19,
        groups=(0,))


@case("torch", f"{TORCH_FILE}::test_sequentiallr2")
def _():
    t = [0.005, 0.005, 0.005] + [0.05 * 0.9**x for x in range(10)]
    ours = seq([(CT.constant_lr, {"factor": 0.1, "total_iters": 3}),
                (CT.exponential_lr, {"gamma": 0.9})], [3], 13)
    torch_case("s2", ours, [t], lambda L, o: L.SequentialLR(o, [
        L.ConstantLR(o, factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.9)], [3]), 13,
        groups=(0,))


@case("torch", f"{TORCH_FILE}::test_sequentiallr3")
def _():
    t = [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]
    ours = seq([(CT.constant_lr, {"factor": 0.1, "total_iters": 3}),
                (CT.exponential_lr, {"gamma": 0.8}),
                (CT.step_lr, {"gamma": 0.1, "step_size": 2})], [3, 6], 12)
    torch_case("s3", ours, [t], lambda L, o: L.SequentialLR(o, [
        L.ConstantLR(o, factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.8),
        L.StepLR(o, gamma=0.1, step_size=2)], [3, 6]), 12, groups=(0,))


@case("torch", f"{TORCH_FILE}::test_get_last_lr_sequentiallr")
def _():
    t = [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]
    ours = seq([(CT.constant_lr, {"factor": 0.1, "total_iters": 3}),
                (CT.exponential_lr, {"gamma": 0.8}),
                (CT.step_lr, {"gamma": 0.1, "step_size": 2})], [3, 6], 12)
    torch_case("s3b", ours, both(t), lambda L, o: L.SequentialLR(o, [
        L.ConstantLR(o, factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.8),
        L.StepLR(o, gamma=0.1, step_size=2)], [3, 6]), 12)


def chain(specs, n):
    return CT.chained_scheduler([partial(f, **kw) for f, kw in specs], BASES, num_steps=n)


def torch_chain(*makers):
    return lambda L, o: [m(L, o) for m in makers]


@case("torch", f"{TORCH_FILE}::test_chained_lr1")
def _():
    t = [0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005] * 3
    torch_case("c1", chain([(CT.step_lr, {"gamma": 0.1, "step_size": 3})], 10), [t],
               torch_chain(lambda L, o: L.StepLR(o, gamma=0.1, step_size=3)), 10, groups=(0,))


@case("torch", f"{TORCH_FILE}::test_chained_lr2")
def _():
    t = [0.02, 0.03, 0.04] + [0.05] * 9
    torch_case("c2", chain([(CT.linear_lr, {"start_factor": 0.4, "total_iters": 3})], 10),
               [t], torch_chain(lambda L, o: L.LinearLR(o, start_factor=0.4, total_iters=3)),
               10, groups=(0,))


@case("torch", f"{TORCH_FILE}::test_chained_lr3")
def _():
    t = [0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 3 + [0.00005] * 3
    torch_case("c3", chain([(CT.linear_lr, {"start_factor": 0.4, "total_iters": 3}),
                            (CT.multi_step_lr, {"milestones": [4, 8, 10], "gamma": 0.1})], 10),
               [t], torch_chain(lambda L, o: L.LinearLR(o, start_factor=0.4, total_iters=3),
                                lambda L, o: L.MultiStepLR(o, milestones=[4, 8, 10], gamma=0.1)),
               10, groups=(0,))


@case("torch", f"{TORCH_FILE}::test_chained_lr4")
def _():
    t = ([0.05 * 0.2 * 0.9**x for x in range(3)] + [0.05 * 0.2 * 0.9**3 * 0.1]
         + [0.05 * 0.9**x * 0.1 for x in range(4, 6)] + [0.05 * 0.9**x * 0.01 for x in range(6, 9)])
    torch_case("c4", chain([(CT.exponential_lr, {"gamma": 0.9}),
                            (CT.constant_lr, {"factor": 0.2, "total_iters": 4}),
                            (CT.step_lr, {"gamma": 0.1, "step_size": 3})], 9),
               [t], torch_chain(lambda L, o: L.ExponentialLR(o, gamma=0.9),
                                lambda L, o: L.ConstantLR(o, factor=0.2, total_iters=4),
                                lambda L, o: L.StepLR(o, gamma=0.1, step_size=3)),
               9, groups=(0,))


@case("torch", f"{TORCH_FILE}::test_chained_lr5")
def _():
    def poly(lr):
        return [lr * (1.0 - x / 5) ** 0.9 for x in range(5)] + [0.0] * 5

    targets = [[x * 0.1 for x in poly(0.05)], [x * 0.1 for x in poly(0.5)]]
    torch_case("c5", chain([(CT.polynomial_lr, {"power": 0.9, "total_iters": 5}),
                            (CT.constant_lr, {"factor": 0.1})], 10), targets,
               torch_chain(lambda L, o: L.PolynomialLR(o, power=0.9, total_iters=5),
                           lambda L, o: L.ConstantLR(o, factor=0.1)), 10)


def compound(name, specs, makers, single, epochs=10):
    @case("torch", f"{TORCH_FILE}::{name}")
    def _():
        torch_case(name, chain(specs, epochs), both(single), torch_chain(*makers), epochs)


def _cos(x, n=10, eta=1e-10):
    return eta + (0.05 - eta) * (1 + math.cos(math.pi * x / n)) / 2


def _lin(i, s=0.4, e=1.0, iters=4):
    return s + i / iters * (e - s) if i < iters else e


compound("test_compound_step_and_multistep_lr",
         [(CT.step_lr, {"gamma": 0.1, "step_size": 3}),
          (CT.multi_step_lr, {"gamma": 0.1, "milestones": [2, 5, 9]})],
         [lambda L, o: L.StepLR(o, gamma=0.1, step_size=3),
          lambda L, o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])],
         [0.05] * 2 + [0.005] * 1 + [5e-4] * 2 + [5e-5] + [5e-6] * 3 + [5e-8])
compound("test_compound_step_and_exp_lr",
         [(CT.step_lr, {"gamma": 0.1, "step_size": 3}), (CT.exponential_lr, {"gamma": 0.9})],
         [lambda L, o: L.StepLR(o, gamma=0.1, step_size=3),
          lambda L, o: L.ExponentialLR(o, gamma=0.9)],
         [0.05 * 0.1 ** (x // 3) * 0.9**x for x in range(10)])
compound("test_compound_exp_and_multistep_lr",
         [(CT.multi_step_lr, {"gamma": 0.1, "milestones": [2, 5, 9]}),
          (CT.exponential_lr, {"gamma": 0.9})],
         [lambda L, o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
          lambda L, o: L.ExponentialLR(o, gamma=0.9)],
         [0.05 * 0.9**x * 0.1 ** sum(x >= m for m in (2, 5, 9)) for x in range(10)])
compound("test_compound_exp_and_linearlr",
         [(CT.linear_lr, {"start_factor": 0.4, "end_factor": 0.9, "total_iters": 4}),
          (CT.exponential_lr, {"gamma": 0.9})],
         [lambda L, o: L.LinearLR(o, start_factor=0.4, end_factor=0.9, total_iters=4),
          lambda L, o: L.ExponentialLR(o, gamma=0.9)],
         [0.05 * 0.9**x * _lin(x, 0.4, 0.9) for x in range(10)])
compound("test_compound_step_and_constantlr",
         [(CT.step_lr, {"gamma": 0.1, "step_size": 3}),
          (CT.constant_lr, {"factor": 0.4, "total_iters": 4})],
         [lambda L, o: L.StepLR(o, gamma=0.1, step_size=3),
          lambda L, o: L.ConstantLR(o, factor=0.4, total_iters=4)],
         [0.05 * 0.4] * 3 + [0.005 * 0.4] + [0.005] * 2 + [0.0005] * 3 + [0.00005] * 3)
compound("test_compound_linearlr_and_multistep_lr",
         [(CT.multi_step_lr, {"gamma": 0.1, "milestones": [2, 5, 9]}),
          (CT.linear_lr, {"start_factor": 0.4, "total_iters": 4})],
         [lambda L, o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
          lambda L, o: L.LinearLR(o, start_factor=0.4, total_iters=4)],
         [v * _lin(i) for i, v in enumerate([0.05] * 2 + [0.005] * 3 + [0.0005] * 4
                                            + [0.00005] * 2)])
compound("test_compound_cosanneal_and_step_lr",
         [(CT.cosine_annealing_lr, {"T_max": 10, "eta_min": 1e-10}),
          (CT.step_lr, {"gamma": 0.1, "step_size": 3})],
         [lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
          lambda L, o: L.StepLR(o, gamma=0.1, step_size=3)],
         [_cos(i) * 0.1 ** (i // 3) for i in range(10)])
compound("test_compound_cosanneal_and_multistep_lr",
         [(CT.cosine_annealing_lr, {"T_max": 10, "eta_min": 1e-10}),
          (CT.multi_step_lr, {"gamma": 0.1, "milestones": [2, 5, 9]})],
         [lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
          lambda L, o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])],
         [_cos(i) * m for i, m in enumerate([1] * 2 + [0.1] * 3 + [0.01] * 4 + [0.001])])
compound("test_compound_cosanneal_and_linearlr",
         [(CT.linear_lr, {"start_factor": 0.4, "total_iters": 4}),
          (CT.cosine_annealing_lr, {"T_max": 10, "eta_min": 1e-10})],
         [lambda L, o: L.LinearLR(o, start_factor=0.4, total_iters=4),
          lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-10)],
         [_cos(i) * _lin(i) for i in range(10)])
compound("test_compound_cosanneal_and_exp_lr",
         [(CT.cosine_annealing_lr, {"T_max": 10, "eta_min": 1e-10}),
          (CT.exponential_lr, {"gamma": 0.1})],
         [lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
          lambda L, o: L.ExponentialLR(o, gamma=0.1)],
         [_cos(i) * 0.1**i for i in range(10)])


def cyclic(name, kwargs, targets, groups=None):
    @case("torch", f"{TORCH_FILE}::{name}")
    def _():
        n = len(targets[0])
        base = kwargs["base_lr"]
        ours = CT.cyclic_lr(base, n, **{k: v for k, v in kwargs.items() if k != "base_lr"})
        torch_case(name, ours, targets, lambda L, o: L.CyclicLR(o, **kwargs), n)


_TRI = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]
_TRI2 = [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.50, 1.75,
         2.00, 1.75]
_XS = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.50, 0.25, 0, 0.25, 0.5, 0.75, 1]
cyclic("test_cycle_lr_triangular_mode_one_lr",
       {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "mode": "triangular"}, [_TRI, _TRI])
cyclic("test_cycle_lr_triangular2_mode_one_lr",
       {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "mode": "triangular2"}, [_TRI2, _TRI2])
cyclic("test_cycle_lr_exp_range_mode_one_lr",
       {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "mode": "exp_range", "gamma": 0.9},
       [[1 + x * 4 * 0.9**i for i, x in enumerate(_XS)]] * 2)
cyclic("test_cycle_lr_triangular_mode",
       {"base_lr": [1, 2], "max_lr": [5, 6], "step_size_up": 4, "mode": "triangular"},
       [_TRI, [x + 1 for x in _TRI]])
cyclic("test_cycle_lr_triangular2_mode",
       {"base_lr": [1, 3], "max_lr": [5, 7], "step_size_up": 4, "mode": "triangular2"},
       [_TRI2, [x + 2 for x in _TRI2]])
cyclic("test_cycle_lr_exp_range_mode",
       {"base_lr": [1, 5], "max_lr": [5, 12], "step_size_up": 4, "mode": "exp_range",
        "gamma": 0.9},
       [[1 + x * 4 * 0.9**i for i, x in enumerate(_XS)],
        [5 + x * 7 * 0.9**i for i, x in enumerate(_XS)]])
cyclic("test_cycle_lr_triangular_mode_step_size_up_down",
       {"base_lr": 1, "max_lr": 5, "step_size_up": 4, "step_size_down": 6, "mode": "triangular"},
       [[1.0, 2.0, 3.0, 4.0, 5.0, 13.0 / 3, 11.0 / 3, 9.0 / 3, 7.0 / 3, 5.0 / 3, 1.0]] * 2)
_UD = [1.0, 3.0, 5.0, 13.0 / 3, 11.0 / 3, 9.0 / 3, 7.0 / 3, 5.0 / 3, 1.0, 2.0, 3.0, 8.0 / 3,
       7.0 / 3, 6.0 / 3, 5.0 / 3, 4.0 / 3, 1.0, 3.0 / 2, 2.0, 11.0 / 6, 10.0 / 6, 9.0 / 6,
       8.0 / 6, 7.0 / 6]
cyclic("test_cycle_lr_triangular2_mode_step_size_up_down",
       {"base_lr": [1, 3], "max_lr": [5, 7], "step_size_up": 2, "step_size_down": 6,
        "mode": "triangular2"}, [_UD, [x + 2 for x in _UD]])
_XS2 = [0.0, 0.5, 1.0, 5.0 / 6, 4.0 / 6, 3.0 / 6, 2.0 / 6, 1.0 / 6, 0.0, 0.5, 1.0, 5.0 / 6,
        4.0 / 6]
cyclic("test_cycle_lr_exp_range_mode_step_size_up_down",
       {"base_lr": 1, "max_lr": 5, "step_size_up": 2, "step_size_down": 6, "mode": "exp_range",
        "gamma": 0.9}, [[1 + x * 4 * 0.9**i for i, x in enumerate(_XS2)]] * 2)


@case("torch", f"{TORCH_FILE}::test_onecycle_lr_linear_annealing")
def _():
    t = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]
    kw = {"max_lr": 25, "final_div_factor": 2, "total_steps": 10, "anneal_strategy": "linear"}
    torch_case("oc", CT.one_cycle_lr(**kw), [t, t],
               lambda L, o: L.OneCycleLR(o, base_momentum=1, max_momentum=22, **kw), 10)


@case("torch", f"{TORCH_FILE}::test_onecycle_lr_linear_annealing_three_phases")
def _():
    t = [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]
    kw = {"max_lr": 25, "div_factor": 25, "total_steps": 10, "anneal_strategy": "linear",
          "pct_start": 0.4, "final_div_factor": 4, "three_phase": True}
    torch_case("oc3", CT.one_cycle_lr(**kw), [t, t],
               lambda L, o: L.OneCycleLR(o, base_momentum=1, max_momentum=22, **kw), 10)


@case("torch", f"{TORCH_FILE}::test_onecycle_lr_cosine_annealing")
def _():
    def annealing_cos(start, end, pct):
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    t = [1, 13, 25, *(annealing_cos(25, 0.5, k / 7.0) for k in range(1, 7)), 0.5]
    kw = {"max_lr": 25, "final_div_factor": 2, "total_steps": 10}
    torch_case("occ", CT.one_cycle_lr(**kw), [t, t],
               lambda L, o: L.OneCycleLR(o, base_momentum=1, max_momentum=22, **kw), 10)


@case("torch", f"{TORCH_FILE}::test_lambda_lr")
def _():
    t = [[0.05 * 0.9**x for x in range(10)], [0.4 * 0.8**x for x in range(10)]]
    fns = [lambda x1: 0.9**x1, lambda x2: 0.8**x2]
    torch_case("lam", CT.lambda_lr([0.05, 0.4], 10, fns), t,
               lambda L, o: L.LambdaLR(o, lr_lambda=fns), 10, bases=[0.05, 0.4])


@case("torch", f"{TORCH_FILE}::test_multiplicative_lr")
def _():
    t = [[0.05 * 0.9**x for x in range(10)], [0.4 * 0.8**x for x in range(10)]]
    fns = [lambda x1: 0.9, lambda x2: 0.8]
    torch_case("mul", CT.multiplicative_lr([0.05, 0.4], 10, fns), t,
               lambda L, o: L.MultiplicativeLR(o, lr_lambda=fns), 10, bases=[0.05, 0.4])


for _mult in (1, 2, 4):
    @case("torch", f"{TORCH_FILE}::test_CosineAnnealingWarmRestarts_lr1[T_mult={_mult}]")
    def _(mult=_mult):
        eta, t_i, t_cur, iters = 1e-10, 10, 0, 100
        targets = [[0.05], [0.5]]
        for _ in range(1, iters):
            t_cur += 1
            if t_cur >= t_i:
                t_cur, t_i = t_cur - t_i, mult * t_i
            for g, b in enumerate(BASES):
                targets[g].append(eta + (b - eta) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        torch_case("wr", CT.cosine_annealing_warm_restarts(BASES, iters, T_0=10, T_mult=mult,
                                                           eta_min=eta), targets,
                   lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=mult,
                                                              eta_min=eta), iters)


@case("torch", f"{TORCH_FILE}::test_swalr_linear_anneal_after_multiplicative")
def _():
    epochs, start, swas, anneal, mult = 15, 5, [0.01, 0.02], 4, 0.9

    def coef(t):
        return 0.0 if t + 1 >= anneal else 1 - (t + 1) / anneal

    before = [[lr * mult**i for i in range(start + 1)] for lr in BASES]
    targets = [b + [b[-1] * coef(t) + swa * (1 - coef(t)) for t in range(epochs - start - 1)]
               for b, swa in zip(before, swas, strict=True)]
    spec = partial(CT.multiplicative_lr, lr_lambda=lambda epoch: mult)
    ours = CT.swa_recipe(spec, start - 1, swas, anneal, "linear", num_steps=epochs,
                         base_lr=BASES)

    def make(L, o):
        return _Recipe(L.MultiplicativeLR(o, lr_lambda=lambda epoch: mult),
                       L.SWALR(o, anneal_epochs=anneal, anneal_strategy="linear", swa_lr=swas),
                       start)

    torch_case("swa2", ours, targets, make, epochs)


@case("torch", f"{TORCH_FILE}::test_swalr_no_anneal")
def _():
    # no scheduler before swa_start = 5; `_test_swalr` steps SWALR once epoch >= swa_start
    epochs, start, swa = 10, 5, 0.01
    targets = [[lr] * (start + 1) + [swa] * (epochs - start - 1) for lr in BASES]
    ours = CT.swa_recipe(np.tile(BASES, (start + 1, 1)), start - 1, swa, 1, num_steps=epochs)

    def make(L, o):
        return _Recipe(None, L.SWALR(o, anneal_epochs=1, swa_lr=swa), start)

    torch_case("swa0", ours, targets, make, epochs)


@case("torch", f"{TORCH_FILE}::test_swalr_cosine_anneal_after_multiplicative")
def _():
    epochs, start, swa, anneal, mult = 15, 5, 0.01, 5, 0.9

    def coef(t):
        return 0.0 if t + 1 >= anneal else (1 + math.cos(math.pi * (t + 1) / anneal)) / 2

    before = [[lr * mult**i for i in range(start + 1)] for lr in BASES]
    targets = [b + [b[-1] * coef(t) + swa * (1 - coef(t)) for t in range(epochs - start - 1)]
               for b in before]
    spec = partial(CT.multiplicative_lr, lr_lambda=lambda epoch: mult)
    ours = CT.swa_recipe(spec, start - 1, swa, anneal, num_steps=epochs, base_lr=BASES)

    def make(L, o):
        return _Recipe(L.MultiplicativeLR(o, lr_lambda=lambda epoch: mult),
                       L.SWALR(o, anneal_epochs=anneal, swa_lr=swa), start)

    torch_case("swa1", ours, targets, make, epochs)


@case("torch", f"{TORCH_FILE}::test_cosine_then_cyclic")
def _():
    # pytorch#21965: CosineAnnealingLR stepped while i <= T_max, then CyclicLR (built right
    # after the cosine, on lr 0.5), 40 epochs; upstream asserts the last lr <= max_lr. The
    # hand-written loop is the spec engine's "who steps when" mode.
    from schedarray.compat import _torch_steps as S

    fns = CT._functions()
    specs = [S.as_spec(partial(CT.cosine_annealing_lr, T_max=20, eta_min=0.1), fns),
             S.as_spec(partial(CT.cyclic_lr, base_lr=0.1, max_lr=0.3, step_size_up=1,
                               step_size_down=3), fns)]
    who = np.array([0 if i <= 20 else 1 for i in range(40)])
    got = S.simulate(specs, 0.5, 41, fns, who=who)
    assert got[-1] <= 0.3

    def make(L, o):
        return _Recipe(L.CosineAnnealingLR(o, T_max=20, eta_min=0.1),
                       L.CyclicLR(o, base_lr=0.1, max_lr=0.3, step_size_up=1, step_size_down=3),
                       21)

    ref = torch_run(make, 41, bases=[0.5], momentum=0.9)
    if ref is not None:
        anchor(got, ref[:, 0])


class _Recipe:
    """`_test_swalr`'s loop as one stepping object: scheduler until swa_start, then SWALR."""

    def __init__(self, scheduler, swa, start):
        self.scheduler, self.swa, self.start, self.epoch = scheduler, swa, start, 0

    def step(self):
        if self.epoch >= self.start:
            self.swa.step()
        elif self.scheduler is not None:
            self.scheduler.step()
        self.epoch += 1


# ===================================================================================== HF
# huggingface/transformers tests/optimization/test_optimization.py::ScheduleInitTest::
# test_schedulers: AdamW(lr=10.0), 10 steps, assertListAlmostEqual(..., tol=1e-2).

HF_FILE = "transformers tests/optimization/test_optimization.py::ScheduleInitTest::test_schedulers"
COMMON = {"num_warmup_steps": 2, "num_training_steps": 10}


def hf_case(name, kwargs, expected):
    @case("hf", f"{HF_FILE} ({name})")
    def _():
        got = getattr(CH, name)(10.0, **kwargs, num_steps=10)
        upstream(got, expected, atol=1e-2)
        transformers, torch = installed("transformers"), installed("torch")
        if transformers is None or torch is None:
            return
        opt = torch.optim.AdamW(torch.nn.Linear(2, 2).parameters(), lr=10.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = getattr(transformers, name)(opt, **kwargs)
            ref = []
            for _ in range(10):  # upstream's unwrap_schedule
                ref.append(sched.get_last_lr()[0])
                opt.step()
                sched.step()
        anchor(got, ref)


hf_case("get_constant_schedule", {}, [10.0] * 10)
hf_case("get_constant_schedule_with_warmup", {"num_warmup_steps": 4},
        [0.0, 2.5, 5.0, 7.5, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
hf_case("get_linear_schedule_with_warmup", COMMON,
        [0.0, 5.0, 10.0, 8.75, 7.5, 6.25, 5.0, 3.75, 2.5, 1.25])
hf_case("get_cosine_schedule_with_warmup", COMMON,
        [0.0, 5.0, 10.0, 9.61, 8.53, 6.91, 5.0, 3.08, 1.46, 0.38])
hf_case("get_cosine_with_hard_restarts_schedule_with_warmup", {**COMMON, "num_cycles": 2},
        [0.0, 5.0, 10.0, 8.53, 5.0, 1.46, 10.0, 8.53, 5.0, 1.46])
hf_case("get_polynomial_decay_schedule_with_warmup", {**COMMON, "power": 2.0, "lr_end": 1e-7},
        [0.0, 5.0, 10.0, 7.656, 5.625, 3.906, 2.5, 1.406, 0.625, 0.156])
# (current transformers adds this one to the same test)
hf_case("get_inverse_sqrt_schedule", {"num_warmup_steps": 2},
        [0.0, 5.0, 10.0, 8.165, 7.071, 6.325, 5.774, 5.345, 5.0, 4.714])


# ===================================================================================== fvcore
# facebookresearch/fvcore tests/param_scheduler/test_scheduler_*.py: `schedule =
# [scheduler(epoch_num / n) for ...]` compared with == (some rounded first).

FV = "fvcore tests/param_scheduler"


def fv_case(test, ours, ref_factory, n, expected, *, rnd=None, places=None):
    @case("fvcore", f"{FV}/{test}")
    def _():
        got = ours().sample(n)
        if places is not None:  # assertAlmostEqual: round(a - b, 7) == 0
            assert all(round(a - b, places) == 0 for a, b in zip(got, expected, strict=True))
        else:
            shown = [round(v, rnd) for v in got.tolist()] if rnd is not None else got.tolist()
            assert shown == list(expected)
        F = installed("fvcore.common.param_scheduler")
        if F is not None:
            ref = ref_factory(F)
            np.testing.assert_array_equal(got, [ref(t / n) for t in range(n)])  # bit for bit
            anchor(got, [ref(t / n) for t in range(n)])


_COS = [0.0976, 0.0905, 0.0794, 0.0655, 0.05, 0.0345, 0.0206, 0.0095, 0.0024]
fv_case("test_scheduler_constant.py::test_scheduler", lambda: CF.constant_param_scheduler(0.1),
        lambda F: F.ConstantParamScheduler(0.1), 12, [0.1] * 12)
fv_case("test_scheduler_cosine.py::test_scheduler_as_decay",
        lambda: CF.cosine_param_scheduler(0.1, 0), lambda F: F.CosineParamScheduler(0.1, 0), 10,
        [0.1, *_COS], rnd=4)
fv_case("test_scheduler_cosine.py::test_scheduler_as_warmup",
        lambda: CF.cosine_param_scheduler(0, 0.1), lambda F: F.CosineParamScheduler(0, 0.1), 10,
        [0, *reversed(_COS)], rnd=4)
fv_case("test_scheduler_exponential.py::test_scheduler",
        lambda: CF.exponential_param_scheduler(2.0, 0.1),
        lambda F: F.ExponentialParamScheduler(2.0, 0.1), 10,
        [2.0, 1.5887, 1.2619, 1.0024, 0.7962, 0.6325, 0.5024, 0.3991, 0.3170, 0.2518], rnd=4)
_LIN = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]
fv_case("test_scheduler_linear.py::test_scheduler (warmup)",
        lambda: CF.linear_param_scheduler(0.0, 0.1), lambda F: F.LinearParamScheduler(0.0, 0.1),
        10, [0.0, *_LIN], rnd=4)
fv_case("test_scheduler_linear.py::test_scheduler (decay)",
        lambda: CF.linear_param_scheduler(0.1, 0.0), lambda F: F.LinearParamScheduler(0.1, 0.0),
        10, [0.1, *reversed(_LIN)], rnd=4)
_MS = {"num_updates": 12, "values": [0.1, 0.01, 0.001, 0.0001]}
fv_case("test_scheduler_multi_step.py::test_scheduler",
        lambda: CF.multi_step_param_scheduler(**_MS, milestones=[4, 6, 8]),
        lambda F: F.MultiStepParamScheduler(**_MS, milestones=[4, 6, 8]), 12,
        [0.1] * 4 + [0.01] * 2 + [0.001] * 2 + [0.0001] * 4)
fv_case("test_scheduler_multi_step.py::test_default_config",
        lambda: CF.multi_step_param_scheduler(**_MS), lambda F: F.MultiStepParamScheduler(**_MS),
        12, [0.1] * 3 + [0.01] * 3 + [0.001] * 3 + [0.0001] * 3)
fv_case("test_scheduler_polynomial.py::test_scheduler",
        lambda: CF.polynomial_decay_param_scheduler(0.1, 1),
        lambda F: F.PolynomialDecayParamScheduler(0.1, 1), 10,
        [0.1, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01], rnd=2)
fv_case("test_scheduler_step.py::test_scheduler",
        lambda: CF.step_param_scheduler(12, [0.1, 0.01, 0.001, 0.0001]),
        lambda F: F.StepParamScheduler(12, [0.1, 0.01, 0.001, 0.0001]), 12,
        [0.1] * 3 + [0.01] * 3 + [0.001] * 3 + [0.0001] * 3)
fv_case("test_scheduler_step_with_fixed_gamma.py::test_scheduler",
        lambda: CF.step_with_fixed_gamma_param_scheduler(1, 3, 0.1, 12),
        lambda F: F.StepWithFixedGammaParamScheduler(1, 3, 0.1, 12), 12,
        [1] * 3 + [0.1] * 3 + [0.01] * 3 + [0.001] * 3, places=7)


def _composite(lib, parts, lengths, scaling):
    if lib is CF:
        return CF.composite_param_scheduler(parts, lengths, scaling)
    return lib.CompositeParamScheduler(parts, lengths, scaling)


def _const(lib, v):
    return CF.constant_param_scheduler(v) if lib is CF else lib.ConstantParamScheduler(v)


def _long(lib):
    return _composite(lib, [_const(lib, v) for v in (0.1, 0.2, 0.3, 0.4)], [0.2, 0.4, 0.1, 0.3],
                      ["rescaled"] * 4)


def _short(lib):
    return _composite(lib, [_const(lib, 0.1), _const(lib, 0.2)], [0.7, 0.2999],
                      ["rescaled"] * 2)


fv_case("test_scheduler_composite.py::test_long_scheduler", lambda: _long(CF), _long, 10,
        [0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3, 0.4, 0.4, 0.4])
fv_case("test_scheduler_composite.py::test_scheduler_lengths_within_epsilon_of_one",
        lambda: _short(CF), _short, 10, [0.1] * 7 + [0.2] * 3)


def _mixed(lib, scaling):
    if lib is CF:
        parts = [CF.step_param_scheduler(10, [0.1, 0.2, 0.3, 0.4, 0.5]),
                 CF.cosine_param_scheduler(0.42, 0.0001)]
    else:
        parts = [lib.StepParamScheduler(values=[0.1, 0.2, 0.3, 0.4, 0.5], num_updates=10),
                 lib.CosineParamScheduler(start_value=0.42, end_value=0.0001)]
    return _composite(lib, parts, [0.5, 0.5], scaling), parts


for _scaling, _idx in ((["rescaled", "rescaled"], (range(0, 10, 2), range(0, 10, 2))),
                       (["fixed", "fixed"], (range(5), range(5, 10))),
                       (["rescaled", "fixed"], (range(0, 10, 2), range(5, 10)))):
    _s0, _s1 = _mixed(CF, _scaling)[1]
    fv_case(f"test_scheduler_composite.py::test_scheduler_with_mixed_types ({'/'.join(_scaling)})",
            lambda s=_scaling: _mixed(CF, s)[0], lambda F, s=_scaling: _mixed(F, s)[0], 10,
            [round(_s0(e / 10), 4) for e in _idx[0]] + [round(_s1(e / 10), 4) for e in _idx[1]],
            rnd=4)


def _gapless(lib, fixed):
    lin = (CF.linear_param_scheduler if lib is CF else lib.LinearParamScheduler)
    parts = [lin(0.0, 0.5), lin(0.5, 1.0)]
    if fixed:
        parts[1] = parts[0]
    return _composite(lib, parts, [0.5, 0.5], ["fixed"] * 2 if fixed else ["rescaled"] * 2)


fv_case("test_scheduler_composite.py::test_linear_scheduler_no_gaps (rescaled)",
        lambda: _gapless(CF, False), lambda F: _gapless(F, False), 10,
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
fv_case("test_scheduler_composite.py::test_linear_scheduler_no_gaps (fixed)",
        lambda: _gapless(CF, True), lambda F: _gapless(F, True), 10,
        CF.linear_param_scheduler(0.0, 0.5).sample(10).tolist())


@case("fvcore", f"{FV}/test_scheduler_constant.py::test_scheduler (RuntimeError at 1)")
def _():
    with pytest.raises(RuntimeError) as info:
        CF.constant_param_scheduler(0.1)(1)
    assert isinstance(info.value, ValueError)
    F = installed("fvcore.common.param_scheduler")
    if F is not None:
        with pytest.raises(RuntimeError):
            F.ConstantParamScheduler(0.1)(1)


@case("fvcore", f"{FV}/test_scheduler_multi_step.py::test_optional_args")
def _():
    v = [1, 0.1, 0.01]
    s1 = CF.multi_step_param_scheduler(v, num_updates=90, milestones=[30, 60])
    s2 = CF.multi_step_param_scheduler(v, num_updates=90)
    s3 = CF.multi_step_param_scheduler(v, milestones=[30, 60, 90])
    for i in range(10):
        assert s1(i / 10) == s2(i / 10) == s3(i / 10)
    assert s1.sample(10).tolist() == s2.sample(10).tolist() == s3.sample(10).tolist()


@case("fvcore", f"{FV}/test_scheduler_cosine.py::test_scheduler_warmup_decay_match")
def _():
    decay = CF.cosine_param_scheduler(0.1, 0).sample(1000)[1:]
    warm = CF.cosine_param_scheduler(0, 0.1).sample(1000)[1:]
    assert [round(v, 8) for v in decay.tolist()] == [round(v, 8) for v in warm.tolist()][::-1]


# ===================================================================================== detectron2
# facebookresearch/detectron2 tests/test_scheduler.py. detectron2 is not on PyPI: the
# framework side is its WarmupParamScheduler/LRMultiplier as transcribed (on the real
# fvcore and torch) in tests/test_compat_fvcore.py.

D2 = "detectron2 tests/test_scheduler.py"


def d2_reference(make, base, n):
    if installed("fvcore.common.param_scheduler") is None or installed("torch") is None:
        return None
    from tests import test_compat_fvcore as T

    return T.d2_trace(base, make(T), n)


@case("detectron2", f"{D2}::test_warmup_multistep")
def _():
    sched = CF.warmup_param_scheduler(CF.multi_step_param_scheduler(
        [1, 0.1, 0.01, 0.001], milestones=[10, 15, 20], num_updates=30), 0.001, 5 / 30)
    lrs = [*CF.lr_multiplier(5, sched, 30).tolist(), 5 * sched(30 / 30)]  # 30 steps: 31 lrs
    assert np.allclose(lrs[:5], [0.005, 1.004, 2.003, 3.002, 4.001])
    assert np.allclose(lrs[5:10], 5.0)
    assert np.allclose(lrs[10:15], 0.5)
    assert np.allclose(lrs[15:20], 0.05)
    assert np.allclose(lrs[20:], 0.005)
    ref = d2_reference(lambda T: T.WarmupParamScheduler(T.F.MultiStepParamScheduler(
        [1, 0.1, 0.01, 0.001], milestones=[10, 15, 20], num_updates=30), 0.001, 5 / 30), 5.0, 30)
    if ref is not None:
        anchor(np.asarray(lrs[:30]), ref)


@case("detectron2", f"{D2}::test_warmup_cosine")
def _():
    sched = CF.warmup_param_scheduler(CF.cosine_param_scheduler(1, 0), 0.001, 5 / 30)
    lrs = [*CF.lr_multiplier(5, sched, 30).tolist(), 5 * sched(30 / 30)]
    assert lrs[0] == 0.005
    for idx, lr in enumerate(lrs):
        expected = 2.5 * (1.0 + math.cos(math.pi * idx / 30))
        assert (round(lr - expected, 7) == 0) == (idx >= 5)
    ref = d2_reference(lambda T: T.WarmupParamScheduler(T.F.CosineParamScheduler(1, 0), 0.001,
                                                        5 / 30), 5.0, 30)
    if ref is not None:
        anchor(np.asarray(lrs[:30]), ref)


@case("detectron2", f"{D2}::test_warmup_stepwithfixedgamma")
def _():
    sched = CF.warmup_param_scheduler(CF.step_with_fixed_gamma_param_scheduler(
        base_value=1.0, gamma=0.1, num_decays=4, num_updates=30), 0.001, 5 / 30,
        rescale_interval=True)
    lrs = CF.lr_multiplier(5, sched, 30).tolist()
    assert np.allclose(lrs[:5], [0.005, 1.004, 2.003, 3.002, 4.001])
    assert np.allclose(lrs[5:10], 5.0)
    assert np.allclose(lrs[10:15], 0.5)
    assert np.allclose(lrs[15:20], 0.05)
    assert np.allclose(lrs[20:25], 0.005)
    assert np.allclose(lrs[25:], 0.0005)
    # stepping past the last iteration: IndexError in detectron2, here too (and a ValueError)
    with pytest.raises(IndexError) as info:
        sched(30 / 30)
    assert isinstance(info.value, ValueError)
    ref = d2_reference(lambda T: T.WarmupParamScheduler(T.F.StepWithFixedGammaParamScheduler(
        base_value=1.0, gamma=0.1, num_decays=4, num_updates=30), 0.001, 5 / 30,
        rescale_interval=True), 5.0, 30)
    if ref is not None:
        anchor(np.asarray(lrs), ref)


@case("detectron2", f"{D2}::test_warmup_cosine_end_value")
def _():
    # build_lr_scheduler's WarmupCosineLR: CosineParamScheduler(1, BASE_LR_END / BASE_LR)
    # behind a linear warmup of min(WARMUP_ITERS / MAX_ITER, 1); MAX_ITER steps end at
    # where = 1.
    for end in (0.0, 0.5):
        sched = CF.warmup_param_scheduler(CF.cosine_param_scheduler(1, end / 5.0), 0.1, 10 / 100)
        lrs = CF.lr_multiplier(5.0, sched, 100)
        assert lrs[0] == 5.0 * 0.1
        assert round(5.0 * sched(100 / 100) - end, 7) == 0


# ===================================================================================== timm
# huggingface/pytorch-image-models tests/test_scheduler.py (pytest.approx, rel=1e-5 unless
# noted). `result[e]` is the lr after `scheduler.step(e)` (the constructor's at e = 0).

TIMM = "timm tests/test_scheduler.py"
TIMM_CLASSES = {"cosine_lr_scheduler": "CosineLRScheduler", "step_lr_scheduler": "StepLRScheduler",
                "multi_step_lr_scheduler": "MultiStepLRScheduler",
                "poly_lr_scheduler": "PolyLRScheduler", "tanh_lr_scheduler": "TanhLRScheduler"}
# Not ported: TestMultiStepScheduler::test_multistep_decay_boundary expects the decay at
# the milestone epoch itself, a change on timm's main branch after the released timm
# (1.0.x applies milestone m from epoch m - 1, as compat.timm documents).


def timm_values(fn, base, n, **kwargs):
    got = getattr(CTI, fn)(base, n, updates_per_epoch=1, **kwargs)
    torch = installed("torch")
    if torch is not None and importlib.util.find_spec("timm") is not None:
        # timm's scheduler modules, loaded without timm's __init__ (it needs torchvision)
        from tests.test_compat_timm import TIMM as classes

        cls = classes[fn.replace("_lr_scheduler", "").replace("_", "")][0]
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base)
        sched = cls(opt, **kwargs)
        ref = [opt.param_groups[0]["lr"]]
        for e in range(1, n):
            sched.step(e)
            ref.append(opt.param_groups[0]["lr"])
        anchor(got, ref)
    elif importlib.util.find_spec("timm") is None:
        installed("timm")  # CI requires it
    return got


@case("timm", f"{TIMM}::TestCosineScheduler::test_cosine_decay")
def _():
    lr = timm_values("cosine_lr_scheduler", 0.1, 101, t_initial=100, lr_min=0.001)
    assert lr[0] == pytest.approx(0.1, rel=1e-5)
    mid = 0.001 + 0.5 * (0.1 - 0.001) * (1 + math.cos(math.pi * 0.5))
    assert lr[50] == pytest.approx(mid, rel=1e-2)
    assert lr[100] == pytest.approx(0.001, rel=1e-5)


@case("timm", f"{TIMM}::TestCosineScheduler::test_cosine_cycles")
def _():
    lr = timm_values("cosine_lr_scheduler", 0.1, 110, t_initial=50, lr_min=0.001, cycle_limit=2)
    assert lr[49] < 0.1 * 0.5
    assert lr[109] == pytest.approx(0.001, rel=1e-5)


_TIMM_KINDS = [("cosine_lr_scheduler", {"t_initial": 100}), ("step_lr_scheduler", {"decay_t": 10}),
               ("multi_step_lr_scheduler", {"decay_t": [10, 20, 30]}),
               ("poly_lr_scheduler", {"t_initial": 100}), ("tanh_lr_scheduler", {"t_initial": 100})]
for _fn, _kw in _TIMM_KINDS:
    @case("timm", f"{TIMM}::TestWarmup::test_warmup_lr_increases[{TIMM_CLASSES[_fn]}]")
    def _(fn=_fn, kw=_kw):
        lr = timm_values(fn, 0.1, 6, warmup_t=5, warmup_lr_init=0.001, **kw)
        assert lr[0] == pytest.approx(0.001, rel=1e-5)
        assert all(lr[e] > lr[e - 1] for e in range(1, 5))

    @case("timm", f"{TIMM}::TestWarmup::test_warmup_prefix_reaches_target_lr[{TIMM_CLASSES[_fn]}]")
    def _(fn=_fn, kw=_kw):
        extra = {"decay_rate": 0.5} if "decay_t" in kw else {}
        lr = timm_values(fn, 0.1, 6, warmup_t=5, warmup_lr_init=0.001, warmup_prefix=True,
                         **kw, **extra)
        assert lr[5] == pytest.approx(0.1, rel=1e-5)


@case("timm", f"{TIMM}::TestStepScheduler::test_step_decay")
def _():
    lr = timm_values("step_lr_scheduler", 0.1, 21, decay_t=10, decay_rate=0.5)
    assert lr[9] == pytest.approx(0.1, rel=1e-5)
    assert lr[10] == pytest.approx(0.05, rel=1e-5)
    assert lr[20] == pytest.approx(0.025, rel=1e-5)


@case("timm", f"{TIMM}::TestMultiStepScheduler::test_multistep_decay")
def _():
    lr = timm_values("multi_step_lr_scheduler", 0.1, 32, decay_t=[10, 20, 30], decay_rate=0.5)
    for e, k in ((8, 0), (11, 1), (21, 2), (31, 3)):
        assert lr[e] == pytest.approx(0.1 * 0.5**k, rel=1e-5)


@case("timm", f"{TIMM}::TestPolyScheduler::test_poly_decay")
def _():
    lr = timm_values("poly_lr_scheduler", 0.1, 101, t_initial=100, lr_min=0.001, power=1.0)
    assert lr[0] == pytest.approx(0.1, rel=1e-5)
    assert lr[100] == pytest.approx(0.001, rel=1e-5)


@case("timm", f"{TIMM}::TestTanhScheduler::test_tanh_decay")
def _():
    lr = timm_values("tanh_lr_scheduler", 0.1, 101, t_initial=100, lr_min=0.001)
    assert lr[-1] < lr[0]


# ===================================================================================== optax
# google-deepmind/optax optax/schedules/_schedule_test.py (np.testing.assert_allclose,
# atol=1e-3). The framework side runs optax with jax.enable_x64.

OPTAX = "optax optax/schedules/_schedule_test.py"


def optax_case(test, fn, n, kwargs, expected, steps=None, atol=1e-3, rtol=0.0):
    @case("optax", f"{OPTAX}::{test}")
    def _():
        at = list(range(n)) if steps is None else steps
        got = getattr(CO, fn)(n, **kwargs)[at]
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)
        jax, optax = installed("jax"), installed("optax")
        if jax is None or optax is None:
            return
        with jax.enable_x64(True):
            sched = getattr(optax, fn)(**kwargs)
            ref = [float(sched(jax.numpy.asarray(t, dtype=jax.numpy.int64))) for t in at]
        anchor(got, ref)


_PC = [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]
optax_case("PiecewiseConstantTest::test_positive", "piecewise_constant_schedule", 10,
           {"init_value": 0.1, "boundaries_and_scales": {3: 2.0, 6: 0.5}}, _PC)
optax_case("PiecewiseConstantTest::test_negative", "piecewise_constant_schedule", 10,
           {"init_value": -0.1, "boundaries_and_scales": {3: 2.0, 6: 0.5}}, [-v for v in _PC])
for _stair in (False, True):
    optax_case(f"ExponentialTest::test_constant_schedule[staircase={_stair}]",
               "exponential_decay", 15, {"init_value": 1.0, "transition_steps": 15,
                                         "decay_rate": 1.0, "staircase": _stair}, [1.0] * 15)
    for _begin in (0, 5):
        optax_case(f"ExponentialTest::test_exponential[{_stair}, {_begin}]", "exponential_decay",
                   15 + _begin, {"init_value": 1.0, "transition_steps": 2, "decay_rate": 2.0,
                                 "transition_begin": _begin, "staircase": _stair},
                   [1.0] * _begin + [2.0 ** (c // 2 if _stair else c / 2) for c in range(15)])
    for _rate, _end in ((0.2, 0.1), (1.0, 0.1), (2.0, 3.0)):
        _vals = np.array([1.0] * 3 + [_rate ** (c // 2 if _stair else c / 2) for c in range(11)])
        _vals = np.maximum(_vals, _end) if _rate < 1.0 else np.minimum(_vals, _end)
        optax_case(f"ExponentialTest::test_end_value_with_staircase[{_rate}, {_end}, {_stair}]",
                   "exponential_decay", 14,
                   {"init_value": 1.0, "transition_steps": 2, "decay_rate": _rate,
                    "transition_begin": 3, "staircase": _stair, "end_value": _end}, _vals)
optax_case("ExponentialTest::test_immutable_count", "exponential_decay", 5,
           {"init_value": 32.0, "transition_steps": 1, "decay_rate": 0.5}, [32, 16, 8, 4, 2])
optax_case("CosineDecayTest::test_with_exponent", "cosine_decay_schedule", 101,
           {"init_value": 0.1, "decay_steps": 100, "alpha": 0.0, "exponent": 2},
           [0.1, 0.09516553580760956, 0.025, 0.0021446612663567066, 0.0],
           steps=[0, 10, 50, 75, 100], atol=1e-8, rtol=1e-6)
for _label, _iv, _pv, _ev in (("with end value", 10, 0.5, 1e-4), ("without end value", 5, 3, 0.0)):
    _kw = {"init_value": _iv, "peak_value": _pv, "warmup_steps": 100, "decay_steps": 1000,
           "end_value": _ev}
    optax_case(f"WarmupCosineDecayTest::test_limits ({_label}, steps 0 and 100)",
               "warmup_cosine_decay_schedule", 1001, _kw, [_iv, _pv], steps=[0, 100], atol=0,
               rtol=1e-7)
    optax_case(f"WarmupCosineDecayTest::test_limits ({_label}, step 1000)",
               "warmup_cosine_decay_schedule", 1001, _kw, [_ev], steps=[1000], atol=0, rtol=1e-3)
_WCE = {"init_value": 0.2, "end_value": -3.0, "warmup_steps": 50, "decay_steps": 100,
        "exponent": 2}
optax_case("WarmupCosineDecayTest::test_with_exponent", "warmup_cosine_decay_schedule", 101,
           {**_WCE, "peak_value": 1.21},
           [0.20000004768371582, 0.4020000100135803, 1.2100000381469727, -1.947500228881836,
            -3.000000238418579], steps=[0, 10, 50, 75, 100], atol=1e-8, rtol=1e-6)
optax_case("WarmupCosineDecayTest::test_zero_peak_value", "warmup_cosine_decay_schedule", 101,
           {**_WCE, "peak_value": 0}, [0.2, 0.16, 0.0, 0.0, 0.0], steps=[0, 10, 50, 75, 100],
           atol=1e-8, rtol=1e-6)


@case("optax", f"{OPTAX}::CosineDecayTest::test_with_giant_int_steps")
def _():
    # one step of a 10**10-step schedule, through schedarray.window (no giant array)
    import schedarray as sa

    n = 10**9 + 1
    kw = {"init_value": 1000.0, "decay_steps": int(1e10), "alpha": 0.0, "exponent": 1}
    got = sa.window(CO.cosine_decay_schedule, 10**9, n, n, **kw)
    np.testing.assert_allclose(got, [975.52826])  # rtol 1e-7
    jax, optax = installed("jax"), installed("optax")
    if jax is not None and optax is not None:
        with jax.enable_x64(True):
            ref = float(optax.cosine_decay_schedule(**kw)(jax.numpy.asarray(10**9,
                                                                             dtype=jax.numpy.int64)))
        anchor(got, [ref])


optax_case("ConstantTest::test_constant", "constant_schedule", 15, {"value": 10}, [10.0] * 15)
optax_case("PolynomialTest::test_linear", "polynomial_schedule", 15,
           {"init_value": 10.0, "end_value": 20.0, "power": 1, "transition_steps": 10},
           list(range(10, 20)) + [20] * 5)
optax_case("PolynomialTest::test_nonlinear", "polynomial_schedule", 15,
           {"init_value": 25.0, "end_value": 10.0, "power": 2, "transition_steps": 10},
           [10.0 + 15.0 * (1.0 - n / 10) ** 2 for n in range(10)] + [10] * 5)
optax_case("PolynomialTest::test_with_decay_begin", "polynomial_schedule", 20,
           {"init_value": 30.0, "end_value": 10.0, "power": 2, "transition_steps": 10,
            "transition_begin": 4},
           [30.0] * 4 + [10.0 + 20.0 * (1.0 - n / 10) ** 2 for n in range(10)] + [10] * 6)
optax_case("CosineDecayTest::test_decay_count_smaller_count", "cosine_decay_schedule", 10,
           {"init_value": 0.1, "decay_steps": 10, "alpha": 0.0},
           0.1 * (0.5 + 0.5 * np.cos(np.pi * np.arange(10) / 10)))
optax_case("CosineDecayTest::test_decay_count_greater_count", "cosine_decay_schedule", 12,
           {"init_value": 0.1, "decay_steps": 5, "alpha": 0.0},
           0.1 * (0.5 + 0.5 * np.cos(np.pi * np.minimum(np.arange(12) / 5, 1.0))))
optax_case("CosineDecayTest::test_decay_count_greater_count_with_alpha", "cosine_decay_schedule",
           12, {"init_value": 0.1, "decay_steps": 5, "alpha": 0.1},
           0.1 * (0.9 * (0.5 + 0.5 * np.cos(np.pi * np.minimum(np.arange(12) / 5, 1.0))) + 0.1))
optax_case("PiecewiseInterpolateTest::test_linear_piecewise", "piecewise_interpolate_schedule", 13,
           {"interpolate_type": "linear", "init_value": 200.0,
            "boundaries_and_scales": {5: 1.5, 10: 0.25}},
           [200.0, 220.0, 240.0, 260.0, 280.0, 300.0, 255.0, 210.0, 165.0, 120.0, 75.0, 75.0,
            75.0])
optax_case("PiecewiseInterpolateTest::test_cos_piecewise", "piecewise_interpolate_schedule", 9,
           {"interpolate_type": "cosine", "init_value": 400.0,
            "boundaries_and_scales": {5: 1.2, 3: 0.6, 7: 1.0}},
           [400.0, 360.0, 280.0, 240.0, 264.0, 288.0, 288.0, 288.0, 288.0])


# ===================================================================================== Keras
# keras-team/keras keras/src/optimizers/schedules/learning_rate_schedule_test.py
# (assertAllClose: atol=1e-6, rtol=1e-6). Keras runs in a worker process (torch backend)
# with a float64 initial_learning_rate, as in tests/test_compat_keras.py.

KERAS = "keras keras/src/optimizers/schedules/learning_rate_schedule_test.py"
_WORKER = r"""
import json, os, sys
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np
from keras import ops
from keras.optimizers import schedules
for line in sys.stdin:
    req = json.loads(line)
    kw = req["kwargs"]
    f64 = lambda v: ops.convert_to_tensor(np.float64(v), dtype="float64")
    if "initial_learning_rate" in kw:
        kw["initial_learning_rate"] = f64(kw["initial_learning_rate"])
    if "values" in kw:
        kw["values"] = [f64(v) for v in kw["values"]]
    s = getattr(schedules, req["cls"])(**kw)
    print(json.dumps([float(s(t)) for t in req["steps"]]), flush=True)
"""
_KERAS_PROC: list = []


def keras_values(cls, steps, kwargs):
    # Keras is imported in the worker only (its backend is chosen at import)
    if importlib.util.find_spec("keras") is None and installed("keras") is None:
        return None
    if installed("torch") is None:
        return None
    if not _KERAS_PROC:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        _KERAS_PROC.append(subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, env=env))
    proc = _KERAS_PROC[0]
    proc.stdin.write(json.dumps({"cls": cls, "steps": list(steps), "kwargs": kwargs}) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


@pytest.fixture(scope="module", autouse=True)
def _close_keras():
    yield
    for proc in _KERAS_PROC:
        proc.stdin.close()
        proc.wait(timeout=60)
        proc.stdout.close()


def keras_case(test, fn, cls, kwargs, steps, expected):
    @case("keras", f"{KERAS}::{test}")
    def _():
        whole = getattr(CK, fn)(max(steps) + 1, **kwargs)
        got = whole[list(steps)]
        np.testing.assert_allclose(got, expected, atol=1e-6, rtol=1e-6)
        ref = keras_values(cls, steps, kwargs)
        if ref is not None:
            anchor(got, ref)


keras_case("ExponentialDecayTest::test_continuous", "exponential_decay", "ExponentialDecay",
           {"initial_learning_rate": 0.05, "decay_steps": 10, "decay_rate": 0.96}, [5],
           [0.05 * 0.96 ** (5.0 / 10.0)])
keras_case("ExponentialDecayTest::test_staircase", "exponential_decay", "ExponentialDecay",
           {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.96, "staircase": True},
           [1, 2, 100], [0.1, 0.1, 0.1 * 0.96 ** (100 // 3)])
keras_case("PiecewiseConstantDecayTest::test_piecewise_values", "piecewise_constant_decay",
           "PiecewiseConstantDecay",
           {"boundaries": [100, 110, 120], "values": [1.0, 0.1, 0.01, 0.001]},
           [100, 105, 110, 120, 999], [1.0, 0.1, 0.1, 0.01, 0.001])
keras_case("PiecewiseConstantDecayTest::test_boundary_values", "piecewise_constant_decay",
           "PiecewiseConstantDecay", {"boundaries": [1, 2, 3], "values": [0.4, 0.5, 0.6, 0.7]},
           [0, 1, 2, 3, 4], [0.4, 0.4, 0.5, 0.6, 0.7])
for _p, _name in ((1.0, "LinearDecayTest"), (0.5, "SqrtDecayTest")):
    _pd = {"initial_learning_rate": 0.05, "decay_steps": 10, "power": _p}
    keras_case(f"{_name}::test_halfway", "polynomial_decay", "PolynomialDecay",
               {**_pd, "end_learning_rate": 0.0}, [5], [0.05 * 0.5**_p])
    keras_case(f"{_name}::test_end", "polynomial_decay", "PolynomialDecay",
               {**_pd, "end_learning_rate": 0.001}, [10], [0.001])
    keras_case(f"{_name}::test_halfway_with_end", "polynomial_decay", "PolynomialDecay",
               {**_pd, "end_learning_rate": 0.001}, [5], [(0.05 - 0.001) * 0.5**_p + 0.001])
    keras_case(f"{_name}::test_beyond_end", "polynomial_decay", "PolynomialDecay",
               {**_pd, "end_learning_rate": 0.001}, [15], [0.001])
    keras_case(f"{_name}::test_beyond_end_with_cycle", "polynomial_decay", "PolynomialDecay",
               {**_pd, "end_learning_rate": 0.001, "cycle": True}, [15],
               [(0.05 - 0.001) * 0.25**_p + 0.001])
keras_case("SqrtDecayTest::test_begin_with_cycle", "polynomial_decay", "PolynomialDecay",
           {"initial_learning_rate": 0.001, "decay_steps": 10, "cycle": True}, [0], [0.001])
keras_case("InverseTimeDecayTest::test_decay", "inverse_time_decay", "InverseTimeDecay",
           {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.96}, range(11),
           [0.1 / (1 + i / 10 * 0.96) for i in range(11)])
keras_case("InverseTimeDecayTest::test_staircase", "inverse_time_decay", "InverseTimeDecay",
           {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.96,
            "staircase": True}, range(11), [0.1 / (1 + 0.96 * (i // 10)) for i in range(11)])


def _np_cos(step, decay_steps, alpha=0.0):
    step = min(step, decay_steps)
    return (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * step / decay_steps)) + alpha


def _np_restarts(step, decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    fac = 1.0
    while step >= decay_steps:
        step -= decay_steps
        decay_steps *= t_mul
        fac *= m_mul
    return (1.0 - alpha) * fac * 0.5 * (1.0 + math.cos(math.pi * step / decay_steps)) + alpha


_STEPS = range(0, 1500, 250)
keras_case("CosineDecayTest::test_decay", "cosine_decay", "CosineDecay",
           {"initial_learning_rate": 1.0, "decay_steps": 1000}, _STEPS,
           [_np_cos(s, 1000) for s in _STEPS])
keras_case("CosineDecayTest::test_alpha", "cosine_decay", "CosineDecay",
           {"initial_learning_rate": 1.0, "decay_steps": 1000, "alpha": 0.1}, _STEPS,
           [_np_cos(s, 1000, 0.1) for s in _STEPS])
keras_case("CosineDecayTest::test_warmup", "cosine_decay", "CosineDecay",
           {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 10.0,
            "warmup_steps": 1500}, _STEPS, [s / 1500 * 10.0 for s in _STEPS])
keras_case("CosineDecayTest::test_warmup_decay", "cosine_decay", "CosineDecay",
           {"initial_learning_rate": 0.0, "decay_steps": 1000, "warmup_target": 10.0,
            "warmup_steps": 2000}, range(0, 3000, 250),
           [s / 2000 * 10.0 if s < 2001 else 10.0 * _np_cos(s - 2000, 1000)
            for s in range(0, 3000, 250)])
for _test, _kw in (("test_decay", {}), ("test_alpha", {"alpha": 0.1}),
                   ("test_mmul", {"m_mul": 0.9}), ("test_tmul", {"t_mul": 1.0})):
    keras_case(f"CosineDecayRestartsTest::{_test}", "cosine_decay_restarts", "CosineDecayRestarts",
               {"initial_learning_rate": 1.0, "first_decay_steps": 1000, **_kw}, _STEPS,
               [_np_restarts(s, 1000, **_kw) for s in _STEPS])
