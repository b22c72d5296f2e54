"""compat.optax against the real optax, evaluated with float64 (``jax.enable_x64``).

Every check compares ``result[t]`` with ``jax.vmap(schedule)(arange(num_steps))``
under a scoped ``jax.enable_x64(True)`` (nothing leaks into other modules):
the largest difference must be <= 1e-12 x the largest magnitude among the
schedule's values and its value parameters (``init_value``, ``peak_value``,
``end_value``, ``value``), which is where optax's own ``(I - E) c + E``
rounds. The number of configurations compared is printed at the end.
"""

import inspect
import math
from functools import partial

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray import _plan
from schedarray.compat import optax as C
from tests.support import require

jax = require("jax")
optax = require("optax")
jnp = jax.numpy

COMPARED = {"configurations": 0}
EXAMPLES = settings(max_examples=30)


@pytest.fixture(scope="module", autouse=True)
def _report_count(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"compat.optax: {COMPARED['configurations']} configurations compared with "
            f"optax {optax.__version__} (float64, tolerance 1e-12 x max|value|)"
        )


#: Counts are always evaluated over this many steps (then cut), so JAX compiles each
#: operation once for the whole module instead of once per length.
EVAL = 128
VALUE_PARAMS = ("value", "init_value", "peak_value", "end_value")


def anchor(factory, n):
    """``factory()`` built and evaluated at counts 0..n-1 with x64 enabled."""
    assert n <= EVAL
    with jax.enable_x64(True):
        schedule = factory()
        values = jax.vmap(schedule)(jnp.arange(EVAL, dtype=jnp.int64))
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (EVAL,))[:n].copy()


def assert_parity(got, expected, params=()):
    got = np.asarray(got)
    assert got.shape == expected.shape
    assert np.all(np.isfinite(expected)), "optax returned a non-finite value"
    scale = max(np.max(np.abs(expected)), *(abs(v) for v in params))
    diff = np.max(np.abs(got - expected))
    assert diff <= 1e-12 * scale, f"max |diff| = {diff:.3e} > 1e-12 x {scale:.3e}"
    COMPARED["configurations"] += 1


def value_params(bound):
    """The value-like arguments (also inside sgdr's dicts) of a bound call."""
    found = []
    for key, v in bound.items():
        if key in VALUE_PARAMS and v is not None:
            found.append(v)
        elif key == "cosine_kwargs":
            found += [kw[k] for kw in v for k in VALUE_PARAMS if k in kw]
    return found


def check(n, name, *args, **kwargs):
    """Compare ``compat.optax.<name>(n, ...)`` with ``optax.<name>(...)``."""
    anchor_fn = getattr(optax, name)
    bound = inspect.signature(anchor_fn).bind(*args, **kwargs).arguments
    expected = anchor(lambda: anchor_fn(*args, **kwargs), n)
    assert_parity(getattr(C, name)(n, *args, **kwargs), expected, value_params(bound))


#: Values of either sign down to 1e-6 in magnitude, and 0 (not 1e-305: dividing those by
#: div_factor leaves the normal range, where relative precision is gone on both sides).
values = st.one_of(st.just(0.0), st.floats(1e-6, 5.0), st.floats(-5.0, -1e-6))
lengths = st.integers(1, 120)
counts = st.integers(-5, 60)


# --------------------------------------------------------------------------- randomized parity


@EXAMPLES
@given(lengths, values)
def test_constant_schedule(n, value):
    check(n, "constant_schedule", value)


@EXAMPLES
@given(lengths, values, values, st.floats(0.0, 4.0), counts, counts)
def test_polynomial_schedule(n, init, end, power, steps, begin):
    # XLA's vectorized float64 pow(0, p) is not always 0 (pow(0, 0.5) came out 1.05e-8 under
    # vmap while the scalar call gives 0), so optax can miss end_value by up to 1e-8 x
    # |init - end| once the decay is over: an anchor error, not compared.
    if power != 0 and steps > 0:
        done = anchor(lambda: optax.polynomial_schedule(init, end, power, steps, begin), EVAL)
        assume(np.all(done[max(begin, 0) + steps :] == end))
    check(n, "polynomial_schedule", init, end, power, steps, begin)


@EXAMPLES
@given(lengths, values, values, counts, counts)
def test_linear_schedule(n, init, end, steps, begin):
    check(n, "linear_schedule", init, end, steps, transition_begin=begin)


scales = st.dictionaries(st.integers(-10, 130), st.floats(0.0, 3.0), max_size=5)


@EXAMPLES
@given(lengths, values, st.one_of(st.none(), scales))
def test_piecewise_constant_schedule(n, init, table):
    check(n, "piecewise_constant_schedule", init, table)


@EXAMPLES
@given(lengths, values, counts, st.floats(0.0, 2.5), counts, st.booleans(),
       st.one_of(st.none(), values))
def test_exponential_decay(n, init, steps, rate, begin, staircase, end):
    check(n, "exponential_decay", init, steps, rate, begin, staircase, end)


@EXAMPLES
@given(lengths, values, st.integers(1, 80), st.floats(-0.5, 1.5), st.floats(0.0, 4.0))
def test_cosine_decay_schedule(n, init, steps, alpha, exponent):
    check(n, "cosine_decay_schedule", init, steps, alpha, exponent)


@EXAMPLES
@given(lengths, values, values, counts)
def test_warmup_constant_schedule(n, init, peak, warmup):
    check(n, "warmup_constant_schedule", init, peak, warmup)


@st.composite
def warmup_cosine_args(draw):
    warmup = draw(st.integers(-5, 50))
    decay = draw(st.integers(warmup + 1, warmup + 80))
    return {"init_value": draw(values), "peak_value": draw(st.one_of(st.just(0.0), values)),
                "warmup_steps": warmup, "decay_steps": decay, "end_value": draw(values),
                "exponent": draw(st.floats(0.0, 3.0))}


@EXAMPLES
@given(lengths, warmup_cosine_args())
def test_warmup_cosine_decay_schedule(n, kwargs):
    check(n, "warmup_cosine_decay_schedule", **kwargs)


@EXAMPLES
@given(lengths, values, values, counts, counts, st.floats(0.0, 2.0), counts, st.booleans(),
       st.one_of(st.none(), values))
def test_warmup_exponential_decay_schedule(n, init, peak, warmup, steps, rate, begin,
                                           staircase, end):
    check(n, "warmup_exponential_decay_schedule", init, peak, warmup, steps, rate, begin,
          staircase, end)


@EXAMPLES
@given(lengths, st.lists(warmup_cosine_args(), min_size=1, max_size=4))
def test_sgdr_schedule(n, cycles):
    check(n, "sgdr_schedule", cycles)


@EXAMPLES
@given(lengths, st.sampled_from(["linear", "cosine"]), values, st.one_of(st.none(), scales))
def test_piecewise_interpolate_schedule(n, kind, init, table):
    check(n, "piecewise_interpolate_schedule", kind, init, table)


pcts = st.floats(-0.2, 1.2)
divs = st.floats(0.5, 1e4)


@EXAMPLES
@given(lengths, st.integers(1, 100), values, pcts, pcts, divs, divs)
def test_linear_onecycle_schedule(n, steps, peak, pct_start, pct_final, div, final_div):
    check(n, "linear_onecycle_schedule", steps, peak, pct_start, pct_final, div, final_div)


@EXAMPLES
@given(lengths, st.integers(1, 100), values, pcts, divs, divs)
def test_cosine_onecycle_schedule(n, steps, peak, pct_start, div, final_div):
    check(n, "cosine_onecycle_schedule", steps, peak, pct_start, div, final_div)


# Three joinable schedules, each as (compat callable, optax schedule factory).
JOINABLE = [
    (partial(C.linear_schedule, init_value=0.0, end_value=1.0, transition_steps=7),
     lambda: optax.linear_schedule(0.0, 1.0, 7)),
    (partial(C.cosine_decay_schedule, init_value=2.0, decay_steps=11, alpha=0.1),
     lambda: optax.cosine_decay_schedule(2.0, 11, 0.1)),
    (partial(C.exponential_decay, init_value=0.5, transition_steps=3, decay_rate=0.7,
             transition_begin=2),
     lambda: optax.exponential_decay(0.5, 3, 0.7, 2)),
    (partial(C.constant_schedule, value=-0.25), lambda: optax.constant_schedule(-0.25)),
]


@EXAMPLES
@given(lengths, st.lists(st.sampled_from(range(len(JOINABLE))), min_size=1, max_size=4),
       st.lists(st.integers(-10, 130), min_size=3, max_size=3), st.booleans())
def test_join_schedules_any_boundaries(n, picks, raw_bounds, as_arrays):
    bounds = raw_bounds[: len(picks) - 1]
    parts = [JOINABLE[k][0] for k in picks]
    if as_arrays:  # each schedule as its values over every local count the join can read
        parts = [f(n + 10) for f in parts]
    expected = anchor(
        lambda: optax.join_schedules([JOINABLE[k][1]() for k in picks], bounds), n)
    assert_parity(C.join_schedules(n, parts, bounds), expected, [2.0])


# --------------------------------------------------------------------------- edge cases


def test_edge_cases_against_optax():
    # zero warmup (optax starts at the peak) and the fallback of a 0-step warmup
    check(10, "warmup_cosine_decay_schedule", 0.1, 1.0, 0, 8, 0.05)
    check(10, "warmup_constant_schedule", 0.1, 1.0, 0)
    # warmup covering the whole array, and one step shorter than the total
    check(10, "warmup_constant_schedule", 0.0, 1.0, 10)
    check(10, "warmup_cosine_decay_schedule", 0.0, 1.0, 9, 10)
    # steps past the end hold the end value
    check(50, "cosine_decay_schedule", 1.0, 5, 0.2, 2.0)
    check(50, "polynomial_schedule", 1.0, 0.1, 3.0, 5, 40)
    # boundaries at 0, negative, at and past the end
    check(10, "piecewise_constant_schedule", 1.0, {0: 0.5, -3: 2.0, 10: 0.1, 99: 0.0})
    check(10, "piecewise_interpolate_schedule", "cosine", 1.0, {-4: 0.5, 0: 2.0, 9: 0.1})
    check(10, "piecewise_interpolate_schedule", "linear", 1.0, {})
    # the clamp of exponential_decay from both sides and for both directions
    check(40, "exponential_decay", 1.0, 2, 0.5, 3, False, 0.1)
    check(40, "exponential_decay", -1.0, 2, 0.5, 3, False, -0.1)
    check(40, "exponential_decay", 0.1, 2, 1.5, 3, True, 1.0)
    check(40, "exponential_decay", 1.0, 2, 0.5, 3, False, 5.0)
    check(40, "exponential_decay", 1.0, 0, 0.5, 3, False, 0.1)  # transition_steps=0: constant
    # one-cycle knots that collide (pct_start * T and pct_final * T truncate to one count)
    check(5, "linear_onecycle_schedule", 1, 1.0)
    check(20, "linear_onecycle_schedule", 10, 1.0, 0.5, 0.55)
    check(20, "cosine_onecycle_schedule", 10, 1.0, 1.0)
    # sgdr cycle boundaries; a single cycle is warmup_cosine_decay_schedule
    check(60, "sgdr_schedule", [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5,
                                     "decay_steps": 20}] * 3)


def test_known_values():
    np.testing.assert_array_equal(C.linear_schedule(5, 1.0, 0.0, 4), [1.0, 0.75, 0.5, 0.25, 0.0])
    np.testing.assert_array_equal(C.warmup_constant_schedule(3, 0.3, 1.0, 0), [0.3] * 3)
    np.testing.assert_array_equal(
        C.piecewise_constant_schedule(4, 1.0, {1: 0.5, 3: 0.5}), [1.0, 0.5, 0.5, 0.25])
    np.testing.assert_array_equal(C.exponential_decay(4, 1.0, 1, 0.5, 1), [1.0, 1.0, 0.5, 0.25])
    np.testing.assert_array_equal(C.exponential_decay(3, 1.0, 1, 0.0), [1.0] * 3)
    np.testing.assert_array_equal(C.cosine_decay_schedule(4, 2.0, 2, alpha=0.25),
                                  [2.0, 1.25, 0.5, 0.5])


def test_windows_equal_slices_of_the_whole():
    kwargs = [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "decay_steps": 17},
              {"init_value": 0.2, "peak_value": 0.5, "warmup_steps": 0, "decay_steps": 9, "end_value": 0.1}]
    whole = C.sgdr_schedule(60, kwargs)
    for a, b in [(0, 60), (2, 5), (17, 30), (59, 60), (26, 26)]:
        np.testing.assert_array_equal(sa.window(C.sgdr_schedule, a, b, 60, kwargs), whole[a:b])
    parts = [partial(C.linear_schedule, init_value=0.0, end_value=1.0, transition_steps=4),
             lambda m: C.cosine_decay_schedule(m, 1.0, 10)]
    whole = C.join_schedules(30, parts, [5])
    np.testing.assert_array_equal(sa.window(C.join_schedules, 3, 12, 30, parts, [5]), whole[3:12])


def test_dtype_and_out():
    full = C.warmup_cosine_decay_schedule(50, 0.0, 1.0, 5, 40, 0.1)
    np.testing.assert_array_equal(
        C.warmup_cosine_decay_schedule(50, 0.0, 1.0, 5, 40, 0.1, dtype=np.float32),
        full.astype(np.float32))
    out = np.zeros(50, dtype=np.float32)
    assert C.warmup_cosine_decay_schedule(50, 0.0, 1.0, 5, 40, 0.1, out=out) is out
    np.testing.assert_array_equal(out, full.astype(np.float32))


def test_built_from_a_few_pieces_at_any_length(monkeypatch):
    plans = []
    render = C.render
    monkeypatch.setattr(C, "render", lambda plan, *a: plans.append(plan) or render(plan, *a))
    C.warmup_cosine_decay_schedule(10**6, 0.0, 1.0, 1000, 900_000, 1e-5)
    C.exponential_decay(10**6, 1.0, 1000, 0.5, 100, False, 1e-3)
    C.linear_onecycle_schedule(10**6, 10**6, 1.0)
    assert [len(p.pieces) for p in plans] == [3, 3, 3]


# --------------------------------------------------------------------------- errors


def test_errors_where_optax_raises():
    with pytest.raises(ValueError, match="positive decay_steps"):
        optax.cosine_decay_schedule(1.0, 0)
    with pytest.raises(ValueError, match=r"^decay_steps must be > 0, got decay_steps=0$"):
        C.cosine_decay_schedule(5, 1.0, 0)
    with pytest.raises(ValueError, match="positive decay_steps"):
        optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match=r"^decay_steps must be > warmup_steps \(it includes "
                                         r"the warmup\), got decay_steps=10, warmup_steps=10$"):
        C.warmup_cosine_decay_schedule(5, 0.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="non-negative scale"):
        optax.piecewise_constant_schedule(1.0, {3: -0.5})
    with pytest.raises(ValueError, match=r"^boundaries_and_scales must have scales >= 0, got "
                                         r"boundaries_and_scales\[3\]=-0.5$"):
        C.piecewise_constant_schedule(5, 1.0, {3: -0.5})
    with pytest.raises(ValueError, match="interpolate_type"):
        optax.piecewise_interpolate_schedule("cubic", 1.0)
    with pytest.raises(ValueError, match=r"^interpolate_type must be one of 'linear', 'cosine'"):
        C.piecewise_interpolate_schedule(5, "cubic", 1.0)
    with pytest.raises(ValueError, match="onecycle"):
        optax.cosine_onecycle_schedule(0, 1.0)
    with pytest.raises(ValueError, match=r"^cosine_onecycle_schedule needs transition_steps > 0"):
        C.cosine_onecycle_schedule(5, 0, 1.0)


def test_errors_where_optax_returns_inf_or_nan():
    assert math.isinf(float(optax.polynomial_schedule(1.0, 0.0, -1.0, 4)(4)))
    with pytest.raises(ValueError, match=r"^power must be >= 0 \(optax returns inf"):
        C.polynomial_schedule(5, 1.0, 0.0, -1.0, 4)
    with pytest.raises(ValueError, match=r"^exponent must be >= 0"):
        C.cosine_decay_schedule(5, 1.0, 4, exponent=-1.0)
    with pytest.raises(ValueError, match=r"^decay_rate must be >= 0 \(optax returns NaN"):
        C.exponential_decay(5, 1.0, 4, -0.5)


def test_bad_input():
    with pytest.raises(ValueError, match=r"^num_steps must be >= 1, got num_steps=0$"):
        C.constant_schedule(0, 1.0)
    with pytest.raises(TypeError, match=r"^transition_steps must be an integer, got "
                                        r"transition_steps=2.5$"):
        C.linear_schedule(5, 1.0, 0.0, 2.5)
    with pytest.raises(TypeError, match=r"^init_value must be a real number"):
        C.linear_schedule(5, "1", 0.0, 2)
    with pytest.raises(TypeError, match=r"^boundaries_and_scales must be a dict"):
        C.piecewise_constant_schedule(5, 1.0, [(1, 0.5)])
    with pytest.raises(TypeError, match=r"^cosine_kwargs\[0\] must hold the arguments"):
        C.sgdr_schedule(5, [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 1}])
    with pytest.raises(ValueError, match=r"^cosine_kwargs must hold at least one cycle"):
        C.sgdr_schedule(5, [])
    with pytest.raises(ValueError, match=r"^boundaries must have one element fewer than "
                                         r"schedules, got len\(schedules\)=2, len\(boundaries\)=2$"):
        C.join_schedules(5, [[1.0] * 5, [2.0] * 5], [1, 2])
    with pytest.raises(ValueError, match=r"^schedules\[1\] must provide local steps 0\.\.2 "
                                         r"\(the join reads them\), got 2 values$"):
        C.join_schedules(5, [[1.0] * 5, [2.0] * 2], [2])
    with pytest.raises(TypeError, match=r"^schedules\[0\] must be a 1-D array of numbers"):
        C.join_schedules(5, [lambda m: "x"], [])


def test_nothing_is_written_when_validation_fails():
    out = np.full(5, 7.0)
    with pytest.raises(ValueError, match=r"^decay_steps must be > warmup_steps"):
        C.warmup_cosine_decay_schedule(5, 0.0, 1.0, 3, 2, out=out)
    with pytest.raises(ValueError, match=r"^schedules\[1\] must provide"):
        C.join_schedules(5, [[1.0] * 5, [2.0] * 2], [2], out=out)
    np.testing.assert_array_equal(out, 7.0)


def test_join_runs_its_callables_for_the_counts_it_reads_only():
    seen = []

    def part(m):
        seen.append((m, _plan._window.get()))
        return C.linear_schedule(m, 0.0, 1.0, 4)

    got = sa.window(C.join_schedules, 2, 6, 10, [part, part], [3])
    assert seen == [(3, (2, 3)), (3, (0, 3))]
    assert got.tolist() == C.join_schedules(10, [part, part], [3])[2:6].tolist()
    whole = np.arange(10.0)
    got = sa.window(C.join_schedules, 2, 6, 10, [lambda m: whole, lambda m: whole], [3])
    assert got.tolist() == [2.0, 0.0, 1.0, 2.0]
