"""compat.fvcore against fvcore's real param schedulers and detectron2's wrappers.

detectron2 is not on PyPI, so its ``WarmupParamScheduler`` and ``LRMultiplier``
(``detectron2/solver/lr_scheduler.py``, current main, with ``rescale_interval``)
are transcribed below on top of fvcore's real classes and torch's LRScheduler.
Every comparison goes through `compare`, which counts it; the module's teardown
prints how many configurations were compared.
"""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray.compat import fvcore as C
from tests.support import require

F = require("fvcore.common.param_scheduler")
torch = require("torch")

COMPARED: Counter = Counter()
TOL = 1e-12  # max |difference| <= TOL * max |value|, the issue's tolerance
FAILURES = (RuntimeError, IndexError, ZeroDivisionError, ValueError, TypeError)


@pytest.fixture(scope="module", autouse=True)
def report(request):
    yield
    total = sum(COMPARED.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(COMPARED.items()))
    line = (f"compat.fvcore parity: {total} configurations compared against fvcore "
            f"and the detectron2 transcription ({detail})")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


# ----------------------------------------------------------------------------- detectron2


class WarmupParamScheduler(F.CompositeParamScheduler):
    """detectron2.solver.lr_scheduler.WarmupParamScheduler, transcribed."""

    def __init__(self, scheduler, warmup_factor, warmup_length, warmup_method="linear",
                 rescale_interval=False):
        end_value = scheduler(0.0) if rescale_interval else scheduler(warmup_length)
        start_value = warmup_factor * scheduler(0.0)
        if warmup_method == "constant":
            warmup = F.ConstantParamScheduler(start_value)
        elif warmup_method == "linear":
            warmup = F.LinearParamScheduler(start_value, end_value)
        else:
            raise ValueError(f"Unknown warmup method: {warmup_method}")
        super().__init__(
            [warmup, scheduler],
            interval_scaling=["rescaled", "rescaled" if rescale_interval else "fixed"],
            lengths=[warmup_length, 1 - warmup_length],
        )


class LRMultiplier(torch.optim.lr_scheduler.LRScheduler):
    """detectron2.solver.lr_scheduler.LRMultiplier, transcribed."""

    def __init__(self, optimizer, multiplier, max_iter, last_iter=-1):
        if not isinstance(multiplier, F.ParamScheduler):
            raise ValueError(f"_LRMultiplier(multiplier=) must be a ParamScheduler, got {multiplier}")
        self._multiplier = multiplier
        self._max_iter = max_iter
        super().__init__(optimizer, last_epoch=last_iter)

    def state_dict(self):
        return {"base_lrs": self.base_lrs, "last_epoch": self.last_epoch}

    def get_lr(self):
        multiplier = self._multiplier(self.last_epoch / self._max_iter)
        return [base_lr * multiplier for base_lr in self.base_lrs]


def d2_trace(base, multiplier, max_iter):
    """The lr of iterations 0..max_iter-1: detectron2's LRScheduler hook steps after each."""
    bases = base if isinstance(base, list) else [base]
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": b} for b in bases]
    optimizer = torch.optim.SGD(groups, lr=bases[0], momentum=0.9)
    scheduler = LRMultiplier(optimizer, multiplier, max_iter)
    rows = []
    for t in range(max_iter):
        rows.append([g["lr"] for g in optimizer.param_groups])
        if t < max_iter - 1:
            optimizer.step()
            scheduler.step()
    out = np.array(rows, dtype=np.float64)
    return out if isinstance(base, list) else out[:, 0]


def compare(label, got, expected, exact=False):
    got, expected = np.asarray(got), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, (label, got.shape, expected.shape)
    if exact:  # bit for bit (fvcore's own tests compare with ==)
        diff = np.flatnonzero(got != expected)
        assert diff.size == 0, (
            f"{label}: {diff.size} values differ, first at {diff[0]}: "
            f"{got.flat[diff[0]]!r} != {expected.flat[diff[0]]!r}")
        COMPARED[label + " (bit-identical)"] += 1
        return
    scale = max(float(np.max(np.abs(expected))), np.finfo(float).tiny)
    worst = float(np.max(np.abs(got - expected)))
    assert worst <= TOL * scale, (
        f"{label}: max |diff| {worst:.3g} > {TOL} * {scale:.3g} at "
        f"{int(np.argmax(np.abs(got - expected)))}"
    )
    COMPARED[label] += 1


def sampled(ref, n, a=0, b=None):
    return np.array([ref(t / n) for t in range(a, n if b is None else b)], dtype=np.float64)


def raises_like(exc, call):
    """`call` must raise a ValueError that is also `exc`'s type (fvcore's own)."""
    with pytest.raises(ValueError, match="fvcore") as info:
        call()
    if not isinstance(exc, TypeError):  # fvcore's complex value, refused by NumPy
        assert isinstance(info.value, type(exc)), (info.value, exc)


def compare_sampled(label, ref, ours, n):
    """``ours.sample(n)`` equals ``[ref(t / n)]`` bit for bit; where fvcore fails, ours must too."""
    try:
        expected = sampled(ref, n)
    except FAILURES as exc:
        raises_like(exc, lambda: ours.sample(n))
        COMPARED[label + " (fails)"] += 1
        return
    compare(label, ours.sample(n), expected, exact=True)


# ----------------------------------------------------------------------------- pairs of schedulers


def both(name, *args, **kwargs):
    """The fvcore class `name` and our function for it, built with the same arguments."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    try:
        ref = getattr(F, name)(*args, **kwargs)
    except ValueError:  # fvcore refuses the arguments: so must we
        with pytest.raises(ValueError, match="must"):
            getattr(C, snake)(*args, **kwargs)
        COMPARED[f"{name} (refused)"] += 1
        return F.ConstantParamScheduler(1.0), C.constant_param_scheduler(1.0)
    return ref, getattr(C, snake)(*args, **kwargs)


# Any magnitudes: the values are fvcore's own float operations, so even a cosine from
# 1e-63 to -1 (which rounds end + (start - end) to 0 at where=0) agrees bit for bit.
values = st.one_of(st.just(0.0), st.floats(1e-3, 2.0), st.floats(-2.0, -1e-3),
                   st.floats(-1e6, 1e6, allow_nan=False), st.floats(1e-300, 1e-60))
positive = st.floats(1e-3, 3.0)


@st.composite
def multistep(draw):
    k = draw(st.integers(1, 5))
    levels = draw(st.lists(positive, min_size=k, max_size=k))
    mode = draw(st.sampled_from(["num_updates", "milestones", "both"]))
    if mode == "num_updates":
        return both("MultiStepParamScheduler", levels, num_updates=draw(st.integers(k, 500)))
    marks = sorted(draw(st.sets(st.integers(1, 500), min_size=k, max_size=k)))
    if mode == "milestones":
        return both("MultiStepParamScheduler", levels, milestones=marks)
    return both("MultiStepParamScheduler", levels, num_updates=marks[-1] + draw(
        st.integers(1, 50)), milestones=marks[:-1])


leaves = st.one_of(
    st.builds(lambda v: both("ConstantParamScheduler", v), values),
    st.builds(lambda s, e: both("CosineParamScheduler", s, e), values, values),
    st.builds(lambda s, d: both("ExponentialParamScheduler", s, d), values, positive),
    st.builds(lambda s, e: both("LinearParamScheduler", s, e), values, values),
    st.builds(lambda b, p: both("PolynomialDecayParamScheduler", b, p), values,
              st.floats(0.0, 4.0)),
    st.builds(lambda n, v: both("StepParamScheduler", n, v), st.integers(1, 100),
              st.lists(values, min_size=1, max_size=6)),
    st.builds(lambda b, k, g, n: both("StepWithFixedGammaParamScheduler", b, k, g, n),
              positive, st.integers(1, 5), positive, st.integers(1, 100)),
    multistep(),
)


@st.composite
def composites(draw, children):
    parts = draw(st.lists(children, min_size=1, max_size=3))
    raw = draw(st.lists(st.integers(0, 10), min_size=len(parts), max_size=len(parts)))
    if sum(raw) == 0:
        raw[-1] = 1
    lengths = [x / sum(raw) for x in raw]
    scaling = draw(st.lists(st.sampled_from(["rescaled", "fixed"]), min_size=len(parts),
                            max_size=len(parts)))
    ref = F.CompositeParamScheduler([p[0] for p in parts], list(lengths), scaling)
    ours = C.composite_param_scheduler([p[1] for p in parts], list(lengths), scaling)
    return ref, ours


@st.composite
def warmups(draw, children):
    ref_main, our_main = draw(children)
    args = (draw(st.floats(0.0, 1.0)), draw(st.sampled_from([0.0, 0.01, 0.1, 0.37, 1.0])),
            draw(st.sampled_from(["linear", "constant"])), draw(st.booleans()))
    try:
        ref = WarmupParamScheduler(ref_main, *args)
    except FAILURES:
        with pytest.raises(ValueError, match="fvcore"):
            C.warmup_param_scheduler(our_main, *args)
        return both("ConstantParamScheduler", 1.0)
    return ref, C.warmup_param_scheduler(our_main, *args)


trees = st.recursive(leaves, lambda c: st.one_of(composites(c), warmups(c)), max_leaves=6)


@settings(max_examples=150)
@given(leaves, st.integers(1, 400))
def test_every_scheduler_matches_fvcore(pair, n):
    ref, ours = pair
    compare_sampled(type(ref).__name__, ref, ours, n)


@settings(max_examples=150)
@given(trees, st.integers(1, 400))
def test_nested_composites_and_warmups_match(pair, n):
    ref, ours = pair
    compare_sampled("composite trees", ref, ours, n)
    x = n / (n + 1.0)
    try:
        expected = ref(x)
    except FAILURES:
        return
    assert ours(x) == expected  # the scalar call is fvcore's arithmetic, bit for bit


@settings(max_examples=60)
@given(trees, st.integers(1, 300),
       st.one_of(positive, st.lists(positive, min_size=1, max_size=3)))
def test_lr_multiplier_matches_detectron2(pair, max_iter, base):
    ref, ours = pair
    try:
        expected = d2_trace(base, ref, max_iter)
    except FAILURES as exc:
        raises_like(exc, lambda: C.lr_multiplier(base, ours, max_iter))
        return
    compare("detectron2 LRMultiplier", C.lr_multiplier(base, ours, max_iter), expected,
            exact=True)


# ----------------------------------------------------------------------------- known values and quirks


def test_issue_examples_are_bit_identical():
    # issue 11: 0.30000000000000004 and 1-ulp differences from the former piecewise forms
    ours = C.composite_param_scheduler(
        [C.linear_param_scheduler(0, 0.5), C.linear_param_scheduler(0.5, 1)], [0.5, 0.5],
        ["rescaled", "rescaled"])
    assert ours.sample(10)[3] == 0.3
    ref = F.LinearParamScheduler(0, 0.5)
    got = C.linear_param_scheduler(0, 0.5).sample(10)
    for t in (3, 6, 7):
        assert got[t] == ref(t / 10)
    compare("issue examples", got, sampled(ref, 10), exact=True)


def test_detectron2_own_examples():
    # detectron2 tests/test_scheduler.py: warmup + multistep and warmup + cosine, lr=5.
    sched = C.warmup_param_scheduler(
        C.multi_step_param_scheduler([1, 0.1, 0.01, 0.001], milestones=[10, 15, 20],
                                     num_updates=30),
        0.001, 5 / 30)
    lrs = C.lr_multiplier(5.0, sched, 30)
    np.testing.assert_allclose(lrs[:5], [0.005, 1.004, 2.003, 3.002, 4.001])
    np.testing.assert_allclose(lrs[5:10], 5.0)
    np.testing.assert_allclose(lrs[10:15], 0.5)
    np.testing.assert_allclose(lrs[15:20], 0.05)
    np.testing.assert_allclose(lrs[20:], 0.005)
    cosine = C.lr_multiplier(5.0, C.warmup_param_scheduler(C.cosine_param_scheduler(1, 0),
                                                           0.001, 5 / 30), 30)
    assert cosine[0] == 0.005
    np.testing.assert_allclose(cosine[5:], [5.0 * (1 + np.cos(np.pi * t / 30)) / 2
                                            for t in range(5, 30)])


@pytest.mark.parametrize("rescale", [False, True])
@pytest.mark.parametrize("method", ["linear", "constant"])
@pytest.mark.parametrize("length", [0.0, 0.05, 0.5, 1.0])
def test_warmup_edge_cases(rescale, method, length):
    # zero warmup, warmup equal to the whole run, both interval scalings
    mains = [both("CosineParamScheduler", 1.0, 0.01),
             both("MultiStepParamScheduler", [1.0, 0.1, 0.01], milestones=[3, 6, 9])]
    for ref_main, our_main in mains:
        ref = WarmupParamScheduler(ref_main, 0.01, length, method, rescale)
        ours = C.warmup_param_scheduler(our_main, 0.01, length, method, rescale)
        for n in (1, 2, 20, 999):
            compare("warmup edge cases", C.lr_multiplier(0.1, ours, n), d2_trace(0.1, ref, n),
                    exact=True)


def test_where_epsilon_quirks_with_many_steps():
    # Past 10**6 steps, WHERE_EPSILON moves a switch by up to 1e-6 * n steps, and a
    # 'rescaled' scheduler sees a slightly negative where.
    n = 2_000_003
    pairs = [
        (F.CompositeParamScheduler([F.LinearParamScheduler(0, 1),
                                    F.PolynomialDecayParamScheduler(1, 2.0)],
                                   [0.5, 0.5], ["rescaled", "rescaled"]),
         C.composite_param_scheduler([C.linear_param_scheduler(0, 1),
                                      C.polynomial_decay_param_scheduler(1, 2.0)],
                                     [0.5, 0.5], ["rescaled", "rescaled"])),
        both("MultiStepParamScheduler", [1, 0.1, 0.01], num_updates=90),
        both("ExponentialParamScheduler", 2.0, 0.01),
    ]
    for ref, ours in pairs:
        for a, b in ((0, 10), (666_660, 666_680), (999_990, 1_000_010), (1_333_320, 1_333_350)):
            got = sa.window(ours.sample, a, b, n)
            compare("WHERE_EPSILON windows", got, sampled(ref, n, a, b), exact=True)
    # the last steps of a StepParamScheduler run past its values: fvcore raises IndexError,
    # and so does this (an IndexError that is a ValueError too), at the first such step
    with pytest.raises(IndexError):
        F.StepParamScheduler(10, [1.0, 0.5])((n - 1) / n)
    first = next(t for t in range(n - 10, n) if int((t / n + 1e-6) * 2) >= 2)
    with pytest.raises(IndexError, match=f"where={first / n!r}") as info:
        C.step_param_scheduler(10, [1.0, 0.5]).sample(n)
    assert isinstance(info.value, ValueError)


def test_composite_does_not_rewrite_the_callers_lengths():
    lengths = [0.3, 0.3, 0.3999]
    C.composite_param_scheduler([C.constant_param_scheduler(1.0)] * 3, lengths,
                                ["rescaled"] * 3)
    assert lengths == [0.3, 0.3, 0.3999]
    ref_lengths = list(lengths)
    F.CompositeParamScheduler([F.ConstantParamScheduler(1.0)] * 3, ref_lengths,
                              ["rescaled"] * 3)
    assert ref_lengths != lengths  # fvcore adjusts the caller's list in place


def test_sample_makes_no_scalar_calls(monkeypatch):
    # sample() is vectorized: no scheduler's per-`where` __call__ runs while it builds.
    sched = C.warmup_param_scheduler(
        C.composite_param_scheduler(
            [C.multi_step_param_scheduler([1, 0.1, 0.01], milestones=[60_000, 80_000],
                                          num_updates=90_000),
             C.cosine_param_scheduler(0.01, 0.0), C.step_param_scheduler(3, [1.0, 0.5]),
             C.exponential_param_scheduler(1.0, 0.1), C.linear_param_scheduler(1.0, 0.0),
             C.polynomial_decay_param_scheduler(1.0, 0.9), C.constant_param_scheduler(0.1)],
            [0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], ["fixed"] + ["rescaled"] * 6),
        0.001, 100 / 90_000)
    expected = sampled(sched, 90_000)  # our scalar calls (fvcore's arithmetic)

    def forbidden(self, where):
        raise AssertionError("per-step Python call")

    for cls in (C.ParamScheduler, *C.ParamScheduler.__subclasses__(),
                C.StepWithFixedGammaParamScheduler, C.WarmupParamScheduler):
        monkeypatch.setattr(cls, "__call__", forbidden)
    lr = C.lr_multiplier(0.02, sched, 90_000)
    np.testing.assert_array_equal(lr, 0.02 * expected)


def test_phases_are_recorded_and_long_runs_stream(tmp_path):
    # sample() records its phases (spec landmarks, write_npy's length) without per-step work
    from schedarray import _plan

    sched = C.warmup_param_scheduler(
        C.multi_step_param_scheduler([1, 0.1, 0.01], milestones=[60_000, 80_000],
                                     num_updates=90_000), 0.001, 100 / 90_000)
    with _plan.recording() as plans:
        lr = C.lr_multiplier(0.02, sched, 90_000)
    assert [(p.kind, p.offset) for p in plans[0].pieces] == [
        ("linear", 0), ("constant", 100), ("constant", 60_000), ("constant", 80_000)]
    path = tmp_path / "lr.npy"
    sa.write_npy(path, C.lr_multiplier, 0.02, sched, 90_000, chunk_steps=7_000, progress=False)
    np.testing.assert_array_equal(np.load(path), lr)


def test_dtype_out_groups_and_windows():
    sched = C.warmup_param_scheduler(C.cosine_param_scheduler(1.0, 0.0), 0.01, 0.1)
    exact = C.lr_multiplier(0.1, sched, 100)
    single = C.lr_multiplier(0.1, sched, 100, dtype=np.float32)
    np.testing.assert_array_equal(single, exact.astype(np.float32))
    buf = np.empty(100)
    assert C.lr_multiplier(0.1, sched, 100, out=buf) is buf
    grid = C.lr_multiplier([0.1, 0.2], sched, 100)
    assert grid.shape == (100, 2)
    np.testing.assert_array_equal(grid[:, 1], 0.2 * sched.sample(100))
    np.testing.assert_array_equal(sa.window(C.lr_multiplier, 37, 61, 0.1, sched, 100),
                                  exact[37:61])
    np.testing.assert_array_equal(sched.sample(100, backend="numba"), sched.sample(100))


def test_scalar_calls_and_repr():
    sched = C.multi_step_param_scheduler([1.0, 0.1], num_updates=10, milestones=[5])
    assert sched(0.49) == 1.0
    assert sched(0.4999995) == 0.1  # WHERE_EPSILON
    assert repr(sched) == (
        "MultiStepParamScheduler(values=[1.0, 0.1], num_updates=10, milestones=[5])"
    )


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: C.constant_param_scheduler(1.0)(1.0), RuntimeError,
     r"where in \[0, 1\) \(fvcore raises RuntimeError\), got where=1.0"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1], num_updates=10, milestones=[5])(1.5),
     RuntimeError, "fvcore raises RuntimeError"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1], num_updates=10, milestones=[5])(1.5),
     ValueError, "fvcore raises RuntimeError"),
    (lambda: C.constant_param_scheduler(1.0).sample(3, out=np.empty(2)), ValueError,
     "out must have length 3"),
    (lambda: C.step_param_scheduler(1, [1.0])(1.0), IndexError, "fvcore raises IndexError"),
    (lambda: C.composite_param_scheduler(
        [C.constant_param_scheduler(1.0), C.constant_param_scheduler(2.0)], [1.0, 0.0],
        ["rescaled", "rescaled"])(0.9999995), ZeroDivisionError,
     "fvcore raises ZeroDivisionError"),
    (lambda: C.composite_param_scheduler(
        [C.constant_param_scheduler(1.0), C.constant_param_scheduler(2.0)], [1.0, 0.0],
        ["rescaled", "rescaled"]).sample(2_000_000), ZeroDivisionError,
     "length 0 is reached at where=0.999999"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1]), ValueError,
     "num_updates and milestones cannot both be None"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1], num_updates=1), ValueError,
     "num_updates must be >= len"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1], num_updates=10, milestones=[10]),
     ValueError, "milestones must be < num_updates"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1], milestones=[5]), ValueError,
     "milestones must hold 2 values"),
    (lambda: C.multi_step_param_scheduler([1.0, 0.1, 0.01], milestones=[0, 5, 9]),
     ValueError, "strictly increasing"),
    (lambda: C.step_param_scheduler(0, [1.0]), ValueError, "num_updates must be > 0"),
    (lambda: C.step_param_scheduler(10, []), ValueError, "values must hold at least one"),
    (lambda: C.step_with_fixed_gamma_param_scheduler(0.1, 0, 0.5, 10), ValueError,
     "num_decays must be >= 1"),
    (lambda: C.exponential_param_scheduler(1.0, -0.5), ValueError, "decay must be > 0"),
    (lambda: C.polynomial_decay_param_scheduler(1.0, -1.0), ValueError, "power must be >= 0"),
    (lambda: C.composite_param_scheduler([C.constant_param_scheduler(1.0)], [0.9],
                                         ["rescaled"]), ValueError, "lengths must sum to 1"),
    (lambda: C.composite_param_scheduler([C.constant_param_scheduler(1.0)], [1.0],
                                         ["linear"]), ValueError,
     "interval_scaling must be one of"),
    (lambda: C.composite_param_scheduler([F.ConstantParamScheduler(1.0)], [1.0],
                                         ["fixed"]), TypeError,
     "must be schedarray.compat.fvcore schedulers"),
    (lambda: C.warmup_param_scheduler(C.constant_param_scheduler(1.0), 0.1, 0.1, "exp"),
     ValueError, "warmup_method must be one of"),
    (lambda: C.warmup_param_scheduler(C.constant_param_scheduler(1.0), 0.1, 1.0),
     RuntimeError, "fvcore raises RuntimeError"),
    (lambda: C.lr_multiplier(0.1, lambda w: 1.0, 10), TypeError,
     "multiplier must be a schedarray.compat.fvcore scheduler"),
    (lambda: C.lr_multiplier(0.1, C.constant_param_scheduler(1.0), 0), ValueError,
     "max_iter must be >= 1"),
])
def test_bad_input_is_rejected(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert isinstance(info.value, ValueError if error is not TypeError else TypeError)


def test_readme_native_equivalents():
    n = 100
    close = {"rtol": 0, "atol": TOL}
    np.testing.assert_allclose(C.cosine_param_scheduler(1.0, 0.1).sample(n),
                               sa.cosine(n, start=1.0, end=0.1, endpoint=False), **close)
    np.testing.assert_allclose(C.linear_param_scheduler(1.0, 0.1).sample(n),
                               sa.linear(n, start=1.0, end=0.1, endpoint=False), **close)
    np.testing.assert_allclose(C.exponential_param_scheduler(1.0, 0.1).sample(n),
                               sa.exponential(n, start=1.0, rate=0.1, transition_steps=n),
                               **close)
    np.testing.assert_allclose(C.polynomial_decay_param_scheduler(1.0, 2.0).sample(n),
                               sa.polynomial(n, start=1.0, end=0.0, power=2.0, endpoint=False),
                               **close)
    np.testing.assert_array_equal(
        C.lr_multiplier([0.1, 0.2], C.cosine_param_scheduler(1.0, 0.0), n),
        sa.groups(C.cosine_param_scheduler(1.0, 0.0).sample(n), [0.1, 0.2]))


@settings(max_examples=60)
@given(trees, st.integers(1, 300))
def test_from_fvcore_converts_real_scheduler_objects(pair, n):
    ref, ours = pair
    converted = C.from_fvcore(ref)
    try:
        expected = ours.sample(n)
    except ValueError:
        with pytest.raises(ValueError, match="fvcore"):
            converted.sample(n)
        return
    np.testing.assert_array_equal(converted.sample(n), expected)
    COMPARED["from_fvcore"] += 1


def test_from_fvcore_refuses_what_it_cannot_know():
    class Custom(F.CosineParamScheduler):
        def __call__(self, where):
            return 2 * super().__call__(where)

    with pytest.raises(TypeError, match="must not change __call__"):
        C.from_fvcore(Custom(1.0, 0.0))
    with pytest.raises(TypeError, match="fvcore ParamScheduler"):
        C.from_fvcore(lambda where: 1.0)
    sched = C.cosine_param_scheduler(1.0, 0.0)
    assert C.from_fvcore(sched) is sched


def test_libm_loops_and_their_python_fallback(monkeypatch):
    # _libm calls the libm functions Python calls; when Numba would vectorise them through
    # Intel SVML it falls back to Python's own math per element. Both are Python's values.
    import math

    from schedarray import _libm

    w = np.arange(1000) / 1000 - 0.25
    for exact in (True, False):
        monkeypatch.setattr(_libm, "_EXACT", exact)
        assert _libm.cos_pi_times(w).tolist() == [math.cos(math.pi * x) for x in w.tolist()]
        assert _libm.pow_base(0.02, w).tolist() == [0.02 ** x for x in w.tolist()]
        u = 1 - w * 3  # negative bases too, for integer powers (Python's +-pow(|x|, p))
        for p, x in ((0.9, np.abs(u)), (2.0, u), (3.0, u), (0.0, u)):
            assert _libm.pow_exponent(x, p).tolist() == [v ** p for v in x.tolist()]
