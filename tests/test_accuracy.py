"""Accuracy against the exact closed forms (mpmath, 40 digits) over the validators' range.

The promise: every value within ``4 * eps * max|value|`` of the formula evaluated
exactly at ``p = i / span``. The cases that used to break it (issue 12): the
``tanh(u) - tanh(y)`` cancellation, powers below 1 near the end of ``cosine`` and
``polynomial`` (``1 + cos`` cancels), curves that stay near `start` far from `end`.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from tests.support import require

mp = require("mpmath")
mp.mp.dps = 40
EPS = np.finfo(np.float64).eps


def _progress(n, endpoint):
    span = max(n - 1, 1) if endpoint else n
    return [mp.mpf(i) / span for i in range(n)]


def _blend(weights, start, end):
    return np.array([float(mp.mpf(end) + (mp.mpf(start) - mp.mpf(end)) * w) for w in weights])


def _tanh(n, start, end, lower, upper, endpoint):
    # c = (tanh u - tanh y) / (tanh u - tanh l) and 1 - c, as the exact identities
    # sinh(u - y) cosh(l) / (sinh(u - l) cosh(y)) and sinh(y - l) cosh(u) / (...) (40
    # digits cannot hold tanh(700) - 1, nor 1 - c for c within 1e-40 of 1)
    lo, up = mp.mpf(lower), mp.mpf(upper)
    values = []
    for p in _progress(n, endpoint):
        y = lo + (up - lo) * p
        c = mp.sinh(up - y) * mp.cosh(lo) / (mp.sinh(up - lo) * mp.cosh(y))
        rest = mp.sinh(y - lo) * mp.cosh(up) / (mp.sinh(up - lo) * mp.cosh(y))
        s, e = mp.mpf(start), mp.mpf(end)
        values.append(float(s + (e - s) * rest if c > 0.5 else e + (s - e) * c))
    return np.array(values)


def _cosine(n, start, end, k, endpoint):
    return _blend([((1 + mp.cos(mp.pi * p)) / 2) ** k for p in _progress(n, endpoint)],
                  start, end)


def _polynomial(n, start, end, k, endpoint):
    return _blend([(1 - p) ** k for p in _progress(n, endpoint)], start, end)


def _ulps(got, want):
    """The largest error in units of eps * max|value| (exact values: the reference)."""
    return float(np.max(np.abs(got - want)) / (EPS * np.max(np.abs(want))))


TANH_BOUNDS = [(3, 4), (-7, 3), (0, 1), (-1, 1), (-3, 8), (-8, 8), (-8, -7.5), (1e-9, 2e-9),
               (-5, 5), (7.9, 8), (19, 20), (5, 30), (-30, -5), (-20, 20), (-174.05, 33.33),
               (-700, 700), (600, 700), (-700, -690), (-1e6, 1e6), (1e-300, 3e-300)]


@pytest.mark.parametrize(("lower", "upper"), TANH_BOUNDS)
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize(("start", "end"), [(1.0, 0.0), (0.0, 1.0), (2.0, -3.0)])
def test_tanh_within_four_eps(lower, upper, endpoint, start, end):
    for n in (2, 3, 7, 400):
        got = sa.tanh(n, start=start, end=end, lower=lower, upper=upper, endpoint=endpoint)
        assert _ulps(got, _tanh(n, start, end, lower, upper, endpoint)) <= 4, n


def test_power_zero_is_one_everywhere():
    # optax accepts exponent=0: w ** 0 is 1 even where w reaches 0
    from schedarray.compat import optax

    assert optax.cosine_decay_schedule(6, 1.0, decay_steps=4, exponent=0.0).tolist() == [1.0] * 6
    assert sa.warmup_decay(5, peak=1.0, decay="polynomial",
                           decay_options={"power": 1e-300}).tolist()[-1] == 0.0


def test_tanh_cancellation_case_of_the_issue():
    # was 32 eps: tanh(4) - tanh(3.5) cancels
    got = sa.tanh(2, start=0, end=1, lower=3, upper=4, endpoint=False)
    assert _ulps(got, _tanh(2, 0, 1, 3, 4, False)) <= 1


@pytest.mark.parametrize("exponent", [0.0625, 0.3, 0.5, 0.999, 1.5, 3.7, 10.0, 60.0])
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize(("start", "end"), [(1.0, 0.0), (0.0, 1.0)])
def test_general_powers_within_four_eps(exponent, endpoint, start, end):
    for n in (2, 5, 300):
        for fn, exact in ((sa.cosine, _cosine), (sa.polynomial, _polynomial)):
            option = "exponent" if fn is sa.cosine else "power"
            got = fn(n, start=start, end=end, endpoint=endpoint, **{option: exponent})
            assert _ulps(got, exact(n, start, end, exponent, endpoint)) <= 4, (fn, n)


def test_powers_below_one_near_the_end_of_a_long_schedule():
    # was ~4e5 eps: 1 + cos(pi p) cancels for p near 1, and the power amplifies it
    n = 10**6
    for fn, option in ((sa.cosine, "exponent"), (sa.polynomial, "power")):
        got = fn(n, start=1.0, **{option: 0.25})
        tail = list(range(n - 30, n))
        span = n - 1
        want = _blend([(((1 + mp.cos(mp.pi * mp.mpf(i) / span)) / 2) if fn is sa.cosine
                        else (1 - mp.mpf(i) / span)) ** mp.mpf(0.25) for i in tail], 1.0, 0.0)
        assert np.max(np.abs(got[tail] - want)) <= 4 * EPS, fn


@pytest.mark.parametrize("start", [1e-300, 2.3e-308, 1e-5, 3.0])
def test_exponential_and_geometric_from_tiny_starts(start):
    got = sa.exponential(60, start=start, rate=0.9)
    want = np.array([float(mp.mpf(start) * mp.mpf(0.9) ** i) for i in range(60)])
    assert _ulps(got, want) <= 4
    end = start * 1e-3
    got = sa.exponential(60, start=start, end=end)
    ratio = mp.mpf(end) / mp.mpf(start)
    want = np.array([float(mp.mpf(start) * ratio ** (mp.mpf(i) / 59)) for i in range(60)])
    assert _ulps(got, want) <= 4


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 50),
    lower=st.floats(-400, 399),
    width=st.floats(1e-6, 800),
    rising=st.booleans(),
    endpoint=st.booleans(),
)
def test_tanh_property(n, lower, width, endpoint, rising):
    upper = lower + width
    start, end = (0.0, 1.0) if rising else (1.0, 0.0)
    got = sa.tanh(n, start=start, end=end, lower=lower, upper=upper, endpoint=endpoint)
    want = _tanh(n, start, end, lower, upper, endpoint)
    if np.max(np.abs(want)) >= 1e-290:  # a curve of subnormal values: exact to 5e-324
        assert _ulps(got, want) <= 4


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 60), k=st.floats(1e-3, 100), endpoint=st.booleans(),
       rising=st.booleans())
def test_general_power_property(n, k, endpoint, rising):
    start, end = (0.0, 1.0) if rising else (1.0, 0.0)
    got = sa.cosine(n, start=start, end=end, exponent=k, endpoint=endpoint)
    assert _ulps(got, _cosine(n, start, end, k, endpoint)) <= 4
    got = sa.polynomial(n, start=start, end=end, power=k, endpoint=endpoint)
    assert _ulps(got, _polynomial(n, start, end, k, endpoint)) <= 4


@pytest.mark.parametrize("numpy_loop", [True, False])
@settings(max_examples=40, deadline=None)
@given(base=st.floats(1e-3, 1e3), exponents=st.lists(
    st.floats(-2000, 2000) | st.integers(0, 10**7).map(float), min_size=0, max_size=60))
def test_libm_pow_is_pythons_pow(numpy_loop, base, exponents):
    # Periodic peaks (peak * decay ** k) and the power tables take Python's pow bit for
    # bit: NumPy's loop where this machine's NumPy runs libm's pow, else Python's.
    from schedarray import _formulas

    if numpy_loop and not _formulas._NUMPY_POWER_IS_LIBM:
        numpy_loop = False  # NumPy's own pow here (AVX-512): the Python path is the one used
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_formulas, "_NUMPY_POWER_IS_LIBM", numpy_loop)
        got = _formulas.libm_pow(base, np.array(exponents, dtype=np.float64))
    want = [_formulas._pow(base, e) for e in exponents]
    assert got.tolist() == want


def test_cpu_features_read_from_either_numpy_layout(monkeypatch):
    # NumPy 2 keeps __cpu_features__ in numpy._core, 1.x in numpy.core (the package
    # allows numpy>=1.24): a NumPy without either leaves Python's pow in charge.
    import importlib

    from schedarray import _formulas

    assert _formulas.cpu_features()  # this NumPy says
    real = importlib.import_module

    def missing(name, *args):
        if name.endswith("_multiarray_umath"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    assert _formulas.cpu_features() == {}
    assert _formulas._numpy_power_is_libm() is False
