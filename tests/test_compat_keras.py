"""compat.keras against the real Keras 3 schedules, run in a worker subprocess.

The worker imports Keras with ``KERAS_BACKEND=torch`` in its own process, so
neither the backend choice nor the Keras import leaks into other test
modules. Each configuration is evaluated step by step (a scalar step, as the
optimizer passes ``iterations``) twice: with a float64 ``initial_learning_rate``
tensor (tolerance 1e-12 x max|value|) and with a Python float, Keras's default
float32 (tolerance 32 float32 ulps x max|value|). The number of configurations
compared is printed at the end of the module.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedarray.compat import keras as C
from tests.support import require_installed

for _name in ("keras", "torch"):  # run by the worker; not imported here
    require_installed(_name)

WORKER = r"""
import json, os, sys
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np
import torch
torch.set_num_threads(1)
import keras
from keras import ops
from keras.optimizers import schedules

print(json.dumps({"version": keras.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    kwargs = req["kwargs"]
    try:
        if req["float64"]:
            f64 = lambda v: ops.convert_to_tensor(np.float64(v), dtype="float64")
            if "initial_learning_rate" in kwargs:
                kwargs["initial_learning_rate"] = f64(kwargs["initial_learning_rate"])
            if "values" in kwargs:
                kwargs["values"] = [f64(v) for v in kwargs["values"]]
        schedule = getattr(schedules, req["cls"])(**kwargs)
        values = [float(schedule(t)) for t in range(req["n"])]
        print(json.dumps({"values": values}), flush=True)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
"""

COMPARED = {"float64": 0, "float32": 0}
EXAMPLES = settings(max_examples=20)
F32_TOL = 32 * float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def keras_worker(request):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    hello = json.loads(proc.stdout.readline())

    def run(cls, n, float64, **kwargs):
        proc.stdin.write(json.dumps({"cls": cls, "n": n, "float64": float64,
                                     "kwargs": kwargs}) + "\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return np.array(reply["values"], dtype=np.float64)

    yield run
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"compat.keras: {COMPARED['float64']} configurations compared with Keras "
            f"{hello['version']} (torch backend) in float64 (tolerance 1e-12 x max|value|), "
            f"{COMPARED['float32']} in float32 ({F32_TOL:.1e} x max|value|)"
        )


#: Keras parameters that are values of the schedule (not lengths, rates or shapes).
VALUE_PARAMS = ("initial_learning_rate", "end_learning_rate", "warmup_target")


def compare(run, cls, fn, n, *, float32=True, f32_condition=1.0, **kwargs):
    """`f32_condition` scales the float32 tolerance where Keras's float32 inputs are
    amplified (``rate ** p`` turns the rounding of ``rate`` into ``p ln(rate)`` ulps)."""
    got = getattr(C, fn)(n, **kwargs)
    checks = ((True, 1e-12), (False, F32_TOL * f32_condition))
    for float64, tol in checks if float32 else checks[:1]:
        expected = run(cls, n, float64, **kwargs)
        assert np.all(np.isfinite(expected)), "Keras returned a non-finite value"
        # Keras rounds relative to its value parameters too: (I - E) * c + E in float32
        # loses ulps of max(|I|, |E|) even when every value is near I (power 0, say).
        values = [abs(v) for k, v in kwargs.items() if k in VALUE_PARAMS and v is not None]
        scale = max([float(np.max(np.abs(expected))), *values])
        diff = np.max(np.abs(got - expected))
        assert diff <= tol * scale, (
            f"{'float64' if float64 else 'float32'}: max |diff| = {diff:.3e} > {tol} x {scale:.3e}"
        )
        COMPARED["float64" if float64 else "float32"] += 1


values = st.one_of(st.just(0.0), st.floats(1e-4, 5.0), st.floats(-5.0, -1e-4))
lengths = st.integers(1, 80)
#: Not 1e-182: Keras casts it to float32, where it is 0.
powers = st.one_of(st.just(0.0), st.floats(0.05, 3.0))
#: Step counts: integers, or multiples of 1/4 (exact, so a ratio step / D is either an
#: integer or at least 1/(4 D) away from one: Keras's float32 floor cannot move it).
durations = st.one_of(st.integers(1, 40), st.integers(1, 160).map(lambda q: q / 4))


@EXAMPLES
@given(lengths, values, durations.filter(lambda d: d >= 1), st.floats(0.0, 2.0), st.booleans())
def test_exponential_decay(keras_worker, n, init, steps, rate, staircase):
    condition = 1.0 + (n / steps) * abs(math.log(rate)) if rate > 0 else 1.0
    compare(keras_worker, "ExponentialDecay", "exponential_decay", n, initial_learning_rate=init,
            decay_steps=steps, decay_rate=rate, staircase=staircase, f32_condition=condition)


@st.composite
def piecewise(draw):
    bounds = sorted(draw(st.sets(st.integers(-5, 100), min_size=1, max_size=5)))
    return bounds, draw(st.lists(values, min_size=len(bounds) + 1, max_size=len(bounds) + 1))


@EXAMPLES
@given(lengths, piecewise())
def test_piecewise_constant_decay(keras_worker, n, table):
    compare(keras_worker, "PiecewiseConstantDecay", "piecewise_constant_decay", n,
            boundaries=table[0], values=table[1])


@EXAMPLES
@given(lengths, values, durations, values, powers, st.booleans())
def test_polynomial_decay(keras_worker, n, init, steps, end, power, cycle):
    compare(keras_worker, "PolynomialDecay", "polynomial_decay", n, initial_learning_rate=init,
            decay_steps=steps, end_learning_rate=end, power=power, cycle=cycle)


@EXAMPLES
@given(lengths, values, durations, st.floats(0.0, 3.0), st.booleans())
def test_inverse_time_decay(keras_worker, n, init, steps, rate, staircase):
    compare(keras_worker, "InverseTimeDecay", "inverse_time_decay", n, initial_learning_rate=init,
            decay_steps=steps, decay_rate=rate, staircase=staircase)


@EXAMPLES
@given(lengths, values, durations, st.floats(-0.5, 1.0), st.one_of(st.none(), values),
       st.one_of(st.just(0), durations))
def test_cosine_decay(keras_worker, n, init, steps, alpha, target, warmup):
    compare(keras_worker, "CosineDecay", "cosine_decay", n, initial_learning_rate=init,
            decay_steps=steps, alpha=alpha, warmup_target=target, warmup_steps=warmup)


@EXAMPLES
@given(lengths, values, durations, st.one_of(st.sampled_from([1.0, 2.0, 3.0]),
                                             st.floats(1.0, 3.0)),
       st.floats(0.0, 1.5), st.floats(0.0, 1.0))
def test_cosine_decay_restarts(keras_worker, n, init, first, t_mul, m_mul, alpha):
    # Just above 1, Keras's float32 log(t_mul) keeps no digits (1 + 2**-52 even rounds to
    # 1 and takes the t_mul == 1 branch): its float32 cycle index is noise there, so only
    # float64 is compared.
    compare(keras_worker, "CosineDecayRestarts", "cosine_decay_restarts", n,
            float32=t_mul == 1.0 or t_mul >= 1.01, initial_learning_rate=init,
            first_decay_steps=first, t_mul=t_mul, m_mul=m_mul, alpha=alpha)


def test_edge_cases_against_keras(keras_worker):
    run = keras_worker
    # restarts at integer steps where float64 log(243) / log(3) < 5 (Keras floors in float32)
    compare(run, "CosineDecayRestarts", "cosine_decay_restarts", 200, initial_learning_rate=0.5,
            first_decay_steps=1, t_mul=3.0)
    # shrinking cycles (t_mul < 1) up to just before Keras's NaN; float32 cancels there
    compare(run, "CosineDecayRestarts", "cosine_decay_restarts", 200, float32=False,
            initial_learning_rate=0.5, first_decay_steps=25, t_mul=0.9)
    # zero warmup starts the decay at warmup_target; steps past the end hold the floor
    compare(run, "CosineDecay", "cosine_decay", 60, initial_learning_rate=0.1, decay_steps=20,
            alpha=0.1, warmup_target=1.0, warmup_steps=0)
    compare(run, "CosineDecay", "cosine_decay", 60, initial_learning_rate=0.1, decay_steps=20,
            warmup_target=1.0, warmup_steps=40)
    # cycle boundaries of PolynomialDecay, and decay_steps=1 (every cycle one step)
    compare(run, "PolynomialDecay", "polynomial_decay", 50, initial_learning_rate=1.0,
            decay_steps=7, power=2.0, cycle=True)
    compare(run, "PolynomialDecay", "polynomial_decay", 20, initial_learning_rate=1.0,
            decay_steps=1, cycle=True)
    # boundaries at and past the end, negative
    compare(run, "PiecewiseConstantDecay", "piecewise_constant_decay", 10,
            boundaries=[-2, 0, 9, 50], values=[1.0, 0.5, 0.25, 0.125, 0.0])


def test_known_values():
    np.testing.assert_array_equal(C.piecewise_constant_decay(4, [1], [1.0, 0.5]),
                                  [1.0, 1.0, 0.5, 0.5])
    np.testing.assert_array_equal(C.polynomial_decay(4, 1.0, 2)[2:], [1e-4, 1e-4])
    np.testing.assert_array_equal(C.cosine_decay(4, 2.0, 2, alpha=0.25), [2.0, 1.25, 0.5, 0.5])
    np.testing.assert_array_equal(C.inverse_time_decay(3, 1.0, 1, 1.0, staircase=True),
                                  [1.0, 0.5, 1.0 / 3.0])


def test_built_from_a_few_pieces(monkeypatch):
    plans = []
    render = C.render
    monkeypatch.setattr(C, "render", lambda plan, *a: plans.append(plan) or render(plan, *a))
    C.cosine_decay(10**6, 0.0, 900_000, warmup_target=1.0, warmup_steps=1000)
    C.cosine_decay_restarts(10**6, 1.0, 1000)
    C.inverse_time_decay(10**6, 1.0, 10, 0.5)
    assert [len(p.pieces) for p in plans] == [3, 1, 1]  # the restarts: one Cycles element


def test_bad_input():
    with pytest.raises(ValueError, match=r"^decay_steps must be > 0, got decay_steps=0$"):
        C.exponential_decay(5, 1.0, 0, 0.5)
    with pytest.raises(ValueError, match=r"^values must have one more element than boundaries"):
        C.piecewise_constant_decay(5, [1, 2], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"^boundaries must be strictly increasing"):
        C.piecewise_constant_decay(5, [2, 2], [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match=r"^boundaries must have at least one element"):
        C.piecewise_constant_decay(5, [], [1.0])
    with pytest.raises(ValueError, match=r"^power must be >= 0"):
        C.polynomial_decay(5, 1.0, 2, power=-1.0)
    with pytest.raises(ValueError, match=r"^1 \+ decay_rate \* step / decay_steps must stay > 0"):
        C.inverse_time_decay(5, 1.0, 1, -0.5)
    with pytest.raises(ValueError, match=r"^warmup_steps must be >= 0"):
        C.cosine_decay(5, 0.0, 4, warmup_target=1.0, warmup_steps=-1)
    with pytest.raises(ValueError, match=r"^num_steps must be <= first_decay_steps / \(1 - t_mul\)"):
        C.cosine_decay_restarts(300, 1.0, 25, t_mul=0.9)
    with pytest.raises(TypeError, match=r"^name must be a str"):
        C.cosine_decay(5, 1.0, 4, name=3)
    out = np.full(5, 7.0)
    with pytest.raises(ValueError, match=r"^decay_steps must be > 0"):
        C.cosine_decay(5, 1.0, 0, out=out)
    np.testing.assert_array_equal(out, 7.0)
