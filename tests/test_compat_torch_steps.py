"""torch's recursive float path: chains, SequentialLR and SWALR against real torch.

Every scheduler is given as a spec, ``functools.partial(compat.torch.<fn>, **params)``;
the same parameters build torch's own scheduler on a real optimizer. Every pair of
torch's deterministic schedulers (SWALR included) is chained and sequenced, with
randomized parameters. The tolerance is the issue's ``1e-12 * max|value|``; the module
also counts how many traces were bit-identical.
"""

import math
import warnings
from collections import Counter
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray.compat import torch as C
from tests.support import require

torch = require("torch")
from torch.optim import lr_scheduler as L  # noqa: E402
from torch.optim.swa_utils import SWALR  # noqa: E402

TOL = 1e-12
COUNTS: Counter = Counter()

CLASSES = {
    "step_lr": L.StepLR, "multi_step_lr": L.MultiStepLR, "constant_lr": L.ConstantLR,
    "linear_lr": L.LinearLR, "exponential_lr": L.ExponentialLR, "polynomial_lr": L.PolynomialLR,
    "cosine_annealing_lr": L.CosineAnnealingLR, "lambda_lr": L.LambdaLR,
    "multiplicative_lr": L.MultiplicativeLR, "cyclic_lr": L.CyclicLR,
    "one_cycle_lr": L.OneCycleLR, "cosine_annealing_warm_restarts": L.CosineAnnealingWarmRestarts,
    "swalr": SWALR,
}
FAILURES = (ValueError, ZeroDivisionError)


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    detail = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\ncompat.torch recursive path against torch {torch.__version__}: {detail}")


def optimizer(base):
    bases = base if isinstance(base, list) else [base]
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in bases]
    return torch.optim.SGD(groups, lr=bases[0], momentum=0.9)


def build(opt, spec):
    kwargs = dict(spec.keywords)
    return CLASSES[spec.func.__name__](opt, **kwargs)


def lrs(opt, base):
    row = [g["lr"] for g in opt.param_groups]
    return row if isinstance(base, list) else row[0]


def torch_chain(specs, base, n):
    opt = optimizer(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheds = [build(opt, s) for s in specs]
        chain = L.ChainedScheduler(scheds)
        rows = [lrs(opt, base)]
        for _ in range(n - 1):
            opt.step()
            chain.step()
            rows.append(lrs(opt, base))
    return np.array(rows, dtype=np.float64)


def torch_sequential(specs, milestones, base, n):
    opt = optimizer(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheds = [build(opt, s) for s in specs]
        seq = L.SequentialLR(opt, scheds, milestones)
        rows = [lrs(opt, base)]
        for _ in range(n - 1):
            opt.step()
            seq.step()
            rows.append(lrs(opt, base))
    return np.array(rows, dtype=np.float64)


def compare(label, got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(float(np.max(np.abs(expected))), np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    assert worst <= TOL * scale, (
        f"{label}: max |diff| {worst:.3g} > {TOL} * {scale:.3g} at "
        f"{np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)}")
    COUNTS[label] += 1
    if np.array_equal(got, expected):
        COUNTS[label + " bit-identical"] += 1


def both_or_neither(label, run_torch, run_ours):
    """Equal values, or both fail with the same (torch's) type."""
    try:
        expected = run_torch()
    except FAILURES as exc:
        with pytest.raises(type(exc)):
            run_ours()
        COUNTS[label + " (both fail)"] += 1
        return
    compare(label, run_ours(), expected)


# ----------------------------------------------------------------------------- strategies

factor = st.floats(0.05, 1.0)
gamma = st.floats(0.5, 1.0)


def kinds(n_max):
    """A spec strategy per kind, for runs of up to `n_max` steps."""
    return {
        "step_lr": st.builds(lambda s, g: partial(C.step_lr, step_size=s, gamma=g),
                             st.integers(1, 8), gamma),
        "multi_step_lr": st.builds(lambda m, g: partial(C.multi_step_lr, milestones=m, gamma=g),
                                   st.lists(st.integers(0, n_max), max_size=4), gamma),
        "constant_lr": st.builds(lambda f, t: partial(C.constant_lr, factor=f, total_iters=t),
                                 factor, st.integers(0, n_max)),
        "linear_lr": st.builds(lambda s, e, t: partial(C.linear_lr, start_factor=s,
                                                       end_factor=e, total_iters=t),
                               factor, factor, st.integers(1, n_max)),
        "exponential_lr": st.builds(lambda g: partial(C.exponential_lr, gamma=g), gamma),
        "polynomial_lr": st.builds(lambda t, p: partial(C.polynomial_lr, total_iters=t, power=p),
                                   st.integers(1, n_max), st.floats(0.0, 3.0)),
        "cosine_annealing_lr": st.builds(
            lambda t, e: partial(C.cosine_annealing_lr, T_max=t, eta_min=e),
            st.integers(1, n_max), st.one_of(st.just(0.0), st.floats(1e-4, 0.05))),
        "lambda_lr": st.builds(lambda r: partial(C.lambda_lr, lr_lambda=lambda e: r ** e),
                               st.floats(0.8, 1.0)),
        "multiplicative_lr": st.builds(
            lambda r: partial(C.multiplicative_lr, lr_lambda=lambda e: r), st.floats(0.8, 1.0)),
        "cyclic_lr": st.builds(
            lambda lo, hi, up, down, mode, g: partial(
                C.cyclic_lr, base_lr=lo, max_lr=hi, step_size_up=up, step_size_down=down,
                mode=mode, gamma=g),
            st.floats(1e-3, 0.05), st.floats(0.05, 0.5), st.integers(1, 10),
            st.one_of(st.none(), st.integers(1, 10)),
            st.sampled_from(["triangular", "triangular2", "exp_range"]), st.floats(0.9, 1.0)),
        "one_cycle_lr": st.builds(
            lambda top, total, pct, strat, three: partial(
                C.one_cycle_lr, max_lr=top, total_steps=total, pct_start=pct,
                anneal_strategy=strat, three_phase=three),
            st.floats(0.01, 1.0), st.integers(n_max, 2 * n_max), st.floats(0.1, 0.45),
            st.sampled_from(["cos", "linear"]), st.booleans()),
        "cosine_annealing_warm_restarts": st.builds(
            lambda t0, mult, e: partial(C.cosine_annealing_warm_restarts, T_0=t0, T_mult=mult,
                                        eta_min=e),
            st.integers(1, 10), st.integers(1, 3), st.one_of(st.just(0.0), st.floats(1e-4, 0.05))),
        "swalr": st.builds(
            lambda s, a, strat: partial(C.swalr, swa_lr=s, anneal_epochs=a, anneal_strategy=strat),
            st.floats(1e-3, 0.5), st.integers(0, n_max), st.sampled_from(["cos", "linear"])),
    }


N_MAX = 40
SPECS = kinds(N_MAX)
NAMES = sorted(SPECS)
PAIRS = [(a, b) for a in NAMES for b in NAMES]


@pytest.mark.parametrize(("first", "second"), PAIRS)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_every_chained_pair_matches_torch(first, second, data):
    specs = [data.draw(SPECS[first]), data.draw(SPECS[second])]
    base = data.draw(st.floats(0.01, 1.0))
    n = data.draw(st.integers(1, N_MAX))
    both_or_neither("chained pairs", lambda: torch_chain(specs, base, n),
                    lambda: C.chained_scheduler(specs, base, num_steps=n))


@pytest.mark.parametrize(("first", "second"), PAIRS)
@settings(max_examples=2, deadline=None)
@given(data=st.data())
def test_every_sequential_pair_matches_torch(first, second, data):
    specs = [data.draw(SPECS[first]), data.draw(SPECS[second])]
    base = data.draw(st.floats(0.01, 1.0))
    n = data.draw(st.integers(1, N_MAX))
    milestone = data.draw(st.integers(0, n + 2))
    bound = [with_base(s, base) for s in specs]  # sequential_lr reads base_lr from the specs
    both_or_neither("sequential pairs", lambda: torch_sequential(specs, [milestone], base, n),
                    lambda: C.sequential_lr(bound, [milestone], n))


def with_base(spec, base):
    """sequential_lr takes base_lr from the specs (one optimizer): bind it."""
    if spec.func.__name__ in ("one_cycle_lr", "cyclic_lr"):
        return spec
    return partial(spec.func, base, **spec.keywords)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4), st.data())
def test_longer_chains_and_groups(names, data):
    specs = [data.draw(SPECS[k]) for k in names]
    base = data.draw(st.one_of(st.floats(0.01, 1.0),
                               st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2)))
    n = data.draw(st.integers(1, N_MAX))
    both_or_neither("longer chains", lambda: torch_chain(specs, base, n),
                    lambda: C.chained_scheduler(specs, base, num_steps=n))


def test_issue_example_cosine_then_exponential():
    # issue 11: cosine (eta_min != 0) then exponential, where the product of closed forms
    # missed torch by up to 1.5e-9 of the largest value
    specs = [partial(C.cosine_annealing_lr, T_max=10, eta_min=1e-3),
             partial(C.exponential_lr, gamma=0.5)]
    expected = torch_chain(specs, 1.0, 40)
    got = C.chained_scheduler(specs, 1.0, num_steps=40)
    compare("issue example", got, expected)  # bit-identical with torch 2.13 (counted)
    old = C.chained_scheduler([C.cosine_annealing_lr(1.0, 40, T_max=10, eta_min=1e-3),
                               C.exponential_lr(1.0, 40, gamma=0.5)], 1.0)
    assert np.max(np.abs(old - expected)) > 1e-13  # the product of closed forms is not torch's


# ----------------------------------------------------------------------------- SWALR


def torch_swalr(base, n, swa_lr, epochs, strategy):
    opt = optimizer(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = SWALR(opt, swa_lr=swa_lr, anneal_epochs=epochs, anneal_strategy=strategy)
        rows = [lrs(opt, base)]
        for _ in range(n - 1):
            opt.step()
            sched.step()
            rows.append(lrs(opt, base))
    return np.array(rows, dtype=np.float64)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.floats(1e-4, 10.0), st.lists(st.floats(1e-4, 10.0), min_size=2, max_size=3)),
       st.integers(1, 80), st.floats(1e-5, 10.0), st.integers(0, 60),
       st.sampled_from(["cos", "linear"]))
def test_swalr_matches_torch(base, n, swa_lr, epochs, strategy):
    if isinstance(base, list):
        swa = [swa_lr * (k + 1) for k in range(len(base))]
    else:
        swa = swa_lr
    expected = torch_swalr(base, n, swa, epochs, strategy)
    got = C.swalr(base, n, swa, epochs, strategy)
    compare("SWALR", got, expected)  # (the module counts the bit-identical ones)


def torch_recipe(spec, base, swa_start, swa_lr, epochs, strategy, n):
    opt = optimizer(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(opt, spec)
        swa = SWALR(opt, swa_lr=swa_lr, anneal_epochs=epochs, anneal_strategy=strategy)
        rows = []
        for i in range(n):
            rows.append(lrs(opt, base))
            opt.step()
            if i > swa_start:
                swa.step()
            else:
                sched.step()
    return np.array(rows, dtype=np.float64)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([k for k in NAMES if k != "swalr"]), st.data())
def test_swa_recipe_matches_torch(name, data):
    spec = data.draw(SPECS[name])
    base = data.draw(st.floats(0.01, 1.0))
    n = data.draw(st.integers(1, N_MAX))
    swa_start = data.draw(st.integers(0, N_MAX))
    swa_lr, epochs = data.draw(st.floats(1e-3, 0.5)), data.draw(st.integers(0, 20))
    strategy = data.draw(st.sampled_from(["cos", "linear"]))
    both_or_neither(
        "SWA recipe (spec)", lambda: torch_recipe(spec, base, swa_start, swa_lr, epochs,
                                                  strategy, n),
        lambda: C.swa_recipe(spec, swa_start, swa_lr, epochs, strategy, num_steps=n,
                             base_lr=base))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 30), st.floats(1e-3, 0.5), st.integers(1, 20),
       st.sampled_from(["cos", "linear"]), st.integers(1, 60), st.floats(1e-4, 0.05))
def test_swa_recipe_after_an_array(swa_start, swa_lr, epochs, strategy, n, eta):
    # the documented recipe: CosineAnnealingLR before swa_start, SWALR after
    spec = partial(C.cosine_annealing_lr, T_max=25, eta_min=eta)
    expected = torch_recipe(spec, 0.1, swa_start, swa_lr, epochs, strategy, n)
    arr = C.cosine_annealing_lr(0.1, max(n, swa_start + 2), T_max=25, eta_min=eta)
    got = C.swa_recipe(arr, swa_start, swa_lr, epochs, strategy, num_steps=n)
    compare("SWA recipe (array)", got, expected)


def test_swalr_state_dict_resume():
    # torch: save the scheduler's and the optimizer's state after k steps, build both anew,
    # load, continue: the lr continues the uninterrupted array
    n, k = 30, 7
    opt = optimizer(0.3)
    sched = SWALR(opt, swa_lr=0.01, anneal_epochs=12, anneal_strategy="cos")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(k):
            opt.step()
            sched.step()
        saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
        opt2 = optimizer(0.3)
        sched2 = SWALR(opt2, swa_lr=0.01, anneal_epochs=12, anneal_strategy="cos")
        opt2.load_state_dict(saved_opt)
        sched2.load_state_dict(saved_sched)
        rows = [opt2.param_groups[0]["lr"]]
        for _ in range(n - k - 1):
            opt2.step()
            sched2.step()
            rows.append(opt2.param_groups[0]["lr"])
    whole = C.swalr(0.3, n, 0.01, 12, "cos")
    compare("SWALR resumed", whole[k:], rows)
    # without the optimizer's state the rebuilt SWALR anneals again from the lr it finds
    opt3 = optimizer(0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched3 = SWALR(opt3, swa_lr=0.01, anneal_epochs=12, anneal_strategy="cos")
        sched3.load_state_dict(saved_sched)
        opt3.step()
        sched3.step()
    assert opt3.param_groups[0]["lr"] != whole[k + 1]


def test_swalr_windows_dtype_and_errors():
    whole = C.swalr([0.2, 0.4], 50, [0.01, 0.02], 10, "linear")
    assert whole.shape == (50, 2)
    np.testing.assert_array_equal(sa.window(C.swalr, 5, 20, [0.2, 0.4], 50, [0.01, 0.02], 10,
                                            "linear"), whole[5:20])
    single = C.swalr(0.2, 50, 0.01, dtype=np.float32)
    assert single.dtype == np.float32
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        C.swalr(0.2, 5, 0.01, 3, "exp")
    with pytest.raises(ValueError, match="anneal_epochs must be an int equal or greater than 0"):
        C.swalr(0.2, 5, 0.01, -1)
    with pytest.raises(ValueError, match="swa_lr must have one value per parameter group"):
        C.swalr([0.2, 0.3], 5, [0.01, 0.02, 0.03])
    with pytest.raises(ValueError, match=r"give the scheduler as a functools\.partial spec"):
        C.swa_recipe(C.step_lr(0.1, 10, 3), 2, 0.01, 0, num_steps=10)
    with pytest.raises(ValueError, match="num_steps is required"):
        C.chained_scheduler([partial(C.step_lr, step_size=2)], 0.1)
    with pytest.raises(ValueError, match="every base_lr must be the same"):
        C.sequential_lr([partial(C.step_lr, 0.1, step_size=2),
                         partial(C.step_lr, 0.2, step_size=2)], [3], 10)
    with pytest.raises(ValueError, match="must not bind num_steps"):
        C.chained_scheduler([partial(C.step_lr, step_size=2, num_steps=4)], 0.1, num_steps=4)
    with pytest.raises(ValueError, match=r"schedulers\[0\] \(step_lr\): step_size must be >= 1"):
        C.chained_scheduler([partial(C.step_lr, step_size=0)], 0.1, num_steps=4)
    assert math.isfinite(float(whole[-1, 0]))


def test_where_torch_fails_the_chain_fails_alike():
    zero = [partial(C.constant_lr, factor=0.0, total_iters=3), partial(C.exponential_lr, gamma=0.9)]
    with pytest.raises(ZeroDivisionError):
        torch_chain(zero, 0.1, 6)
    with pytest.raises(ZeroDivisionError, match=r"schedulers\[0\] \(constant_lr\) divides by zero "
                                                "at step 3") as info:
        C.chained_scheduler(zero, 0.1, num_steps=6)
    assert isinstance(info.value, ValueError)
    short = [partial(C.one_cycle_lr, max_lr=0.1, total_steps=5), partial(C.step_lr, step_size=2)]
    with pytest.raises(ValueError, match="Tried to step 6 times"):
        torch_chain(short, 0.1, 7)
    with pytest.raises(ValueError, match=r"Tried to step 6 times\. The specified number of total "
                                         "steps is 5"):
        C.chained_scheduler(short, 0.1, num_steps=7)
    compare("chain up to OneCycleLR's end", C.chained_scheduler(short, 0.1, num_steps=6),
            torch_chain(short, 0.1, 6))


def test_spec_results_under_window_dtype_and_out():
    specs = [partial(C.cosine_annealing_lr, T_max=7, eta_min=0.01),
             partial(C.step_lr, step_size=3, gamma=0.5)]
    whole = C.chained_scheduler(specs, [0.1, 0.2], num_steps=30)
    assert whole.shape == (30, 2)
    np.testing.assert_array_equal(
        sa.window(C.chained_scheduler, 4, 19, specs, [0.1, 0.2], num_steps=30), whole[4:19])
    seq = [partial(C.linear_lr, 0.1, start_factor=0.5, total_iters=4),
           partial(C.cosine_annealing_lr, 0.1, T_max=20, eta_min=0.001)]
    full = C.sequential_lr(seq, [4], 25)
    np.testing.assert_array_equal(sa.window(C.sequential_lr, 3, 9, seq, [4], 25), full[3:9])
    buf = np.empty(25, dtype=np.float32)
    assert C.sequential_lr(seq, [4], 25, out=buf) is buf
    np.testing.assert_array_equal(buf, full.astype(np.float32))
    assert C.chained_scheduler(specs, 0.1, num_steps=5, dtype=np.float32).dtype == np.float32


def test_windows_of_swa_recipe_with_an_array_equal_the_slice():
    # Found by the fuzz suite: the SWALR tail was computed under the caller's window.
    import schedarray as sa

    arr = np.array([1.0, 0.5, 0.25, 0.125])
    whole = C.swa_recipe(arr, 1, swa_lr=0.05, anneal_epochs=2, anneal_strategy="linear",
                         num_steps=6)
    for a in range(7):
        for b in range(a, 7):
            got = sa.window(C.swa_recipe, a, b, arr, 1, swa_lr=0.05, anneal_epochs=2,
                            anneal_strategy="linear", num_steps=6)
            assert np.array_equal(got, whole[a:b])


def test_swa_recipe_per_group_swa_lr_after_a_1d_schedule():
    # Found by the fuzz suite: a 1-D schedule with one swa_lr per group failed to broadcast.
    got = C.swa_recipe(np.array([1.0, 0.5, 0.25, 0.125]), 1, swa_lr=[0.1, 0.2], anneal_epochs=2,
                       anneal_strategy="linear", num_steps=6)
    for g, swa in enumerate((0.1, 0.2)):
        want = C.swa_recipe(np.array([1.0, 0.5, 0.25, 0.125]), 1, swa_lr=swa, anneal_epochs=2,
                            anneal_strategy="linear", num_steps=6)
        assert np.array_equal(got[:, g], want)
    with pytest.raises(ValueError, match=r"^anneal_strategy must be one of 'cos' or 'linear'"):
        C.swalr(1.0, 5, swa_lr=0.5, anneal_strategy=np.array([0.5, 0.25]))
    assert np.array_equal(C.swalr(np.array(1.0), 3, swa_lr=np.array(0.5), anneal_epochs=0),
                          [0.5, 0.5, 0.5])
