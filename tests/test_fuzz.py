"""A bounded fuzz of the whole public API (Hypothesis; the long run is scripts/fuzz.py).

Every public function (each entry of ``schedarray.SCHEDULES``, the array
operations, every compat function; plain, with ``out=``, under `window` and
through ``from_spec``) is called with hostile parameters. Exactly two outcomes
are allowed (see `tests.fuzzing.verdict`): a `TypeError`/`ValueError` whose
message names a parameter the call used, with any ``out=`` left untouched; or a
finite result of the right shape inside the schedule's bounds.
"""

import signal
import warnings
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray import _check as check
from tests import fuzzing

TARGETS = fuzzing.targets()
SECONDS = 20  # far above any call's cost; a hang fails the test instead of CI
#: The memory the fuzzed calls may use: a length of 2**31 is legitimately accepted on a
#: large machine, and would take the suite's time and memory; here it must be refused.
BUDGET = 1 << 28


@contextmanager
def _deadline(seconds):
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check(target, data):
    def choose(options):
        return data.draw(st.sampled_from(list(options)))

    call = fuzzing.generate(target, choose)
    with _deadline(SECONDS), warnings.catch_warnings(record=True) as caught, \
            mock.patch.object(check, "available_memory", return_value=BUDGET):
        warnings.simplefilter("always")
        result, out = fuzzing.run(call)
    kind, why = fuzzing.verdict(call, result, out)
    assert kind in ("ok", "clean"), f"[{kind}] {call.describe()}: {why}"
    # A call that succeeds says nothing else: no NumPy warning reaches the caller.
    noise = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert kind != "ok" or not noise, f"{call.describe()} warned: {noise}"
    sampled = call.target.name.endswith("_param_scheduler")  # fvcore: values of .sample()
    if kind == "ok" and call.window is None and not sampled and result.size <= 1 << 16:
        _check_spec(call, result)


def _check_spec(call, result):
    """A result of plain-data arguments has a spec that rebuilds it (to_spec checks that)."""
    reasons = [fuzzing.NO_SPEC.get(call.target.name, "(none)"),
               "was given its parameter 'name'",  # Keras's cosmetic name
               "must give a 1-D float array",  # per-group results: a spec builds 1-D
               "which is not plain data"]  # a hostile object the call ignores
    if call.with_out is not None:  # float32 out= of an operation, which takes no dtype
        reasons.append("its spec builds float64, values is float32")
    try:
        spec = sa.to_spec(result)
    except ValueError as exc:
        message = str(exc)
    else:
        assert spec["name"] == call.target.name or call.spec
        return
    assert any(r in message for r in reasons), f"{call.describe()}: {message}"


def test_every_public_function_has_a_baseline():
    assert fuzzing.missing_baselines() == []
    assert len(TARGETS) >= 95


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_hostile_calls_of_each_function(target, data):
    _check(target, data)


@settings(max_examples=800, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(index=st.integers(0, len(TARGETS) - 1), data=st.data())
def test_hostile_calls_anywhere(index, data):
    _check(TARGETS[index], data)


def test_the_verdict_tells_the_classes_apart():
    target = next(t for t in TARGETS if t.name == "linear")
    call = fuzzing.Call(target, (5,), {"start": 1.0})
    assert fuzzing.verdict(call, *fuzzing.run(call)) == ("ok", "")
    bad = fuzzing.Call(target, (5,), {"start": "x"})
    assert fuzzing.verdict(bad, *fuzzing.run(bad))[0] == "clean"
    import numpy as np

    assert fuzzing.verdict(call, np.array([1.0, np.nan, 0, 0, 0]), None)[0] == "non-finite"
    assert fuzzing.verdict(call, np.ones(4), None)[0] == "wrong"
    assert fuzzing.verdict(call, np.full(5, 2.0), None)[0] == "wrong"  # outside [0, 1]
    assert fuzzing.verdict(call, ValueError("no name here"), None)[0] == "unclean"
    assert fuzzing.verdict(call, ZeroDivisionError("start"), None)[0] == "unclean"
    touched = np.full(5, fuzzing.SENTINEL)
    touched[0] = 0.0
    assert fuzzing.verdict(call, ValueError("start"), touched)[0] == "data-loss"
