"""One contract, checked for every public schedule (the DESIGN.md conventions)."""

import inspect

import numpy as np
import pytest

import schedarray as sa
from schedarray.compat import convnext

#: Valid parameters for every schedule at any length >= 1.
SAMPLES = {
    "constant": {"value": 0.3},
    "linear": {"start": 1.0, "end": 0.1},
    "cosine": {"start": 1.0, "end": 0.1, "exponent": 1.5},
    "polynomial": {"start": 1.0, "end": 0.1, "power": 2.0},
    "exponential": {"start": 1.0, "rate": 0.9, "transition_steps": 2},
    "inverse_sqrt": {"start": 1.0, "timescale": 3.0},
    "one_minus_sqrt": {"start": 1.0, "end": 0.1},
    "tanh": {"start": 1.0, "end": 0.1},
    "rex": {"start": 1.0, "end": 0.1},
    "step": {"start": 1.0, "step_size": 3, "gamma": 0.5},
    "multistep": {"start": 1.0, "milestones": [2, 5, 5], "gamma": 0.5},
    "piecewise_constant": {"boundaries": [2, 6], "values": [1.0, 0.5, 0.2]},
    "cyclic": {"low": 0.1, "high": 1.0, "step_size_up": 2, "mode": "triangular2"},
    "warmup_cosine": {"peak": 1.0, "warmup_steps": "20%", "start": 0.1, "end": 0.01},
    "warmup_linear": {"peak": 1.0, "warmup_steps": "20%", "end": 0.01},
    "warmup_decay": {"peak": 1.0, "warmup_steps": "20%", "warmup": "cosine", "decay": "rex"},
    "wsd": {"peak": 1.0, "warmup_steps": "20%", "decay_steps": "30%", "decay": "one_minus_sqrt"},
    "cosine_restarts": {"peak": 1.0, "cycle_steps": 3, "cycle_mul": 1.5, "peak_decay": 0.8},
    "one_cycle": {"peak": 1.0},
    "one_cycle_momentum": {},
    "interp": {"steps": [-1, 0.5, "80%"], "values": [0.0, 1.0, 0.1], "shapes": ["linear", "cosine"]},
}
#: Schedules whose length may be 0 (an empty part of a join).
MAY_BE_EMPTY = {"constant"}

CASES = [pytest.param(getattr(sa, name), kwargs, id=name) for name, kwargs in SAMPLES.items()]
CASES.append(pytest.param(
    lambda n, **kw: convnext.cosine_scheduler(1.0, 0.1, n, 1, **kw), {}, id="convnext"))


def test_every_schedule_is_covered():
    assert set(SAMPLES) == set(sa.SCHEDULES)


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_length_dtype_and_finiteness(fn, kwargs, n):
    x = fn(n, **kwargs)
    assert isinstance(x, np.ndarray)
    assert x.shape == (n,)
    assert x.dtype == np.float64
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_float32_is_rounded_float64(fn, kwargs):
    x64 = fn(101, **kwargs)
    x32 = fn(101, dtype=np.float32, **kwargs)
    assert x32.dtype == np.float32
    assert np.array_equal(x32, x64.astype(np.float32))


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_out_is_filled_and_returned(fn, kwargs, tmp_path):
    expected = fn(50, **kwargs)
    out = np.full(50, np.nan)
    assert fn(50, out=out, **kwargs) is out
    assert np.array_equal(out, expected)
    big = np.full(80, -1.0)
    fn(50, out=big[10:60], **kwargs)
    assert np.array_equal(big[10:60], expected)
    assert np.all(big[:10] == -1)
    assert np.all(big[60:] == -1)
    mm = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(50,))
    fn(50, out=mm, **kwargs)
    mm.flush()
    assert np.array_equal(np.load(tmp_path / "x.npy"), expected.astype(np.float32))


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_windows_equal_slices_of_the_whole(fn, kwargs):
    whole = fn(300, **kwargs)
    for a, b in [(0, 300), (0, 1), (7, 8), (13, 190), (299, 300), (150, 150)]:
        part = sa.window(fn, a, b, 300, **kwargs)
        assert np.array_equal(part, whole[a:b]), (a, b)
    chunks = [sa.window(fn, a, min(a + 37, 300), 300, **kwargs) for a in range(0, 300, 37)]
    assert np.array_equal(np.concatenate(chunks), whole)


@pytest.mark.parametrize(("fn", "kwargs"), CASES[:-1])
@pytest.mark.parametrize(("total", "exc", "message"), [
    (0, ValueError, r"^total_steps must be >= 1, got total_steps=0$"),
    (-5, ValueError, r"^total_steps must be >= 1, got total_steps=-5$"),
    (10.0, TypeError, r"^total_steps must be an int number of steps or '<x>ep', got total_steps=10\.0$"),
    (True, TypeError, r"^total_steps must be an int number of steps or '<x>ep', got total_steps=True$"),
    ("ten", ValueError, r"^total_steps must be an int number of steps or '<x>ep', got total_steps='ten'$"),
    ("10%", ValueError, r"^total_steps cannot be a percentage of the total"),
    ("2ep", ValueError, r"^total_steps is given in epochs, so steps_per_epoch is required"),
])
def test_bad_lengths_are_rejected(fn, kwargs, total, exc, message):
    if getattr(fn, "__name__", "") in MAY_BE_EMPTY:
        if total == 0:
            assert fn(total, **kwargs).shape == (0,)
            return
        message = message.replace(">= 1", ">= 0")
    with pytest.raises(exc, match=message):
        fn(total, **kwargs)


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_numpy_integers_are_lengths(fn, kwargs):
    assert np.array_equal(fn(np.int64(12), **kwargs), fn(12, **kwargs))


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
@pytest.mark.parametrize(("out", "exc", "message"), [
    (np.zeros(9), ValueError, r"^out must have length 10, got len\(out\)=9$"),
    (np.zeros(10, dtype=np.int64), TypeError, r"^out must be float32 or float64, got out.dtype=int64$"),
    (np.zeros(10, dtype=np.float16), TypeError, r"^out must be float32 or float64"),
    (np.zeros((10, 1)), ValueError, r"^out must be 1-D, got out.shape=\(10, 1\)$"),
    ([0.0] * 10, TypeError, r"^out must be a numpy array, got out=list$"),
])
def test_bad_out_is_rejected_and_left_unchanged(fn, kwargs, out, exc, message):
    before = np.array(out, copy=True)
    with pytest.raises(exc, match=message):
        fn(10, out=out, **kwargs)
    assert np.array_equal(np.asarray(out), before)


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_read_only_out_is_rejected(fn, kwargs):
    out = np.zeros(10)
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"^out must be writeable"):
        fn(10, out=out, **kwargs)
    assert not out.any()


@pytest.mark.parametrize(("fn", "kwargs"), CASES)
def test_dtype_and_backend_are_checked(fn, kwargs):
    with pytest.raises(TypeError, match=r"^dtype must be float32 or float64, got dtype="):
        fn(10, dtype=np.int32, **kwargs)
    with pytest.raises(TypeError, match=r"^dtype and out.dtype disagree"):
        fn(10, dtype=np.float32, out=np.zeros(10), **kwargs)
    with pytest.raises(ValueError, match=r"^backend must be one of 'auto', 'numpy', 'numba', got backend='gpu'$"):
        fn(10, backend="gpu", **kwargs)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parameters_after_the_length_are_keyword_only(name):
    params = list(inspect.signature(sa.SCHEDULES[name]).parameters.values())
    assert params[0].name == "total_steps"
    assert params[0].kind is params[0].POSITIONAL_OR_KEYWORD
    assert all(p.kind is p.KEYWORD_ONLY for p in params[1:])
    assert [p.name for p in params[-4:]] == ["steps_per_epoch", "dtype", "out", "backend"]
