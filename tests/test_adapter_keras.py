"""schedarray.keras.ArraySchedule on the torch and JAX backends, each in its own process.

KERAS_BACKEND must be set before Keras is imported, so every check runs in a
subprocess per backend (one process per backend, shared by the tests below);
nothing leaks into the other test modules.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import schedarray as sa
from tests.support import require_installed

require_installed("keras")  # not imported here: importing it would pick a backend

ROOT = Path(__file__).resolve().parents[1]
N = 12  # 3 epochs x 4 batches
LR = sa.warmup_cosine(N, peak=0.1, warmup_steps=3, start=0.01, end=0.001)

SCRIPT = r"""
import doctest, json, sys, tempfile
from pathlib import Path
import numpy as np
import keras
import schedarray as sa
import schedarray.keras as sak
from schedarray.keras import ArraySchedule

out = {"backend": keras.backend.backend()}
doc = doctest.testmod(sak, optionflags=doctest.NORMALIZE_WHITESPACE)
out["doctest"] = [doc.attempted, doc.failed]

N = 12
lr = sa.warmup_cosine(N, peak=0.1, warmup_steps=3, start=0.01, end=0.001)
counts = list(range(N + 3)) + [-1]
nan_rule, hold = ArraySchedule(lr), ArraySchedule(lr, on_exhausted="hold")
out["values"] = [float(nan_rule(k)) for k in counts]
out["hold"] = [float(hold(k)) for k in counts]
out["vector"] = np.asarray(keras.ops.convert_to_numpy(nan_rule(keras.ops.arange(N)))).tolist()
try:
    nan_rule(keras.ops.convert_to_tensor(1.0))
except TypeError as e:
    out["float_step"] = str(e)
try:
    ArraySchedule(np.array([1e39, 1.0]))  # inf in float32
except ValueError as e:
    out["too_big"] = str(e)

# training: the lr used at every update, against a manual loop that assigns lr[k]
x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
y = (x @ np.array([0.5, -1.0, 2.0], dtype="float32"))[:, None]

class Record(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []
    def on_train_batch_begin(self, batch, logs=None):
        opt = self.model.optimizer
        self.seen.append((int(keras.ops.convert_to_numpy(opt.iterations)),
                          float(keras.ops.convert_to_numpy(opt.learning_rate))))

class Manual(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        opt = self.model.optimizer
        opt.learning_rate = float(lr[int(keras.ops.convert_to_numpy(opt.iterations))])

def fit(learning_rate, callback):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[callback])
    return model

record = Record()
model = fit(ArraySchedule(lr), record)
manual = fit(0.0, Manual())
out["iterations"] = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
out["seen"] = record.seen
out["after"] = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
out["same_weights"] = all(
    np.array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    for a, b in zip(model.weights, manual.weights))
out["weights_moved"] = not np.allclose(keras.ops.convert_to_numpy(model.weights[0]),
                                       keras.ops.convert_to_numpy(fit(0.0, Record()).weights[0]))

# configs: values, and a spec when the schedule came from one
out["config_spec"] = ArraySchedule(lr, on_exhausted="hold", name="lr").get_config()
config = ArraySchedule(lr.copy(), on_exhausted="hold", name="lr").get_config()  # no spec
out["config_values"] = config
again = ArraySchedule.from_config(json.loads(json.dumps(config)))
out["config_trace"] = [float(again(k)) for k in counts]
spec = {"name": "warmup_cosine", "total_steps": 1_000_000, "peak": 0.1, "warmup_steps": 1000}
big = ArraySchedule(spec)
out["spec_config"] = big.get_config()
out["spec_config_bytes"] = len(json.dumps(big.get_config()))
from_built = ArraySchedule(sa.from_spec(spec)).get_config()
out["from_built_is_spec"] = from_built["values"] == big.get_config()["values"]
rebuilt = ArraySchedule.from_config(big.get_config())
probe = [0, 999, 1000, 500_000, 999_999]
out["spec_trace_equal"] = [float(rebuilt(k)) for k in probe] == [float(big(k)) for k in probe]
out["spec_values"] = [float(big(k)) for k in probe]
ser = keras.optimizers.schedules.serialize(ArraySchedule(lr))
out["registered_name"] = ser.get("registered_name")
de = keras.optimizers.schedules.deserialize(json.loads(json.dumps(ser)))
out["deserialized"] = type(de).__name__, [float(de(k)) for k in range(N)]

# a saved model restores its optimizer's schedule
path = Path(tempfile.mkdtemp()) / "m.keras"
model.save(path)
loaded = keras.models.load_model(path)
restored = loaded.optimizer._learning_rate
out["loaded"] = type(restored).__name__, [float(restored(k)) for k in range(N)]
out["loaded_iterations"] = int(keras.ops.convert_to_numpy(loaded.optimizer.iterations))

# the README's example
import re
text = Path("README.md").read_text(encoding="utf-8")
block = re.search(r"<!-- example: keras -->\n```python\n(.*?)```", text, re.S).group(1)
keras.utils.set_random_seed(0)
ns = {"model": keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]),
      "x": np.tile(x, (4, 1)), "y": np.tile(y, (4, 1))}
exec(block, ns)
readme_opt = ns["model"].optimizer
out["readme"] = [int(keras.ops.convert_to_numpy(readme_opt.iterations)), len(ns["lr"]),
                 type(readme_opt._learning_rate).__name__,
                 float(keras.ops.convert_to_numpy(readme_opt.learning_rate)),
                 float(np.float32(ns["lr"][-1]))]

errors = {}
for label, args, kwargs in [
    ("2d", (np.zeros((2, 2)),), {}),
    ("nan", ([0.1, float("nan")],), {}),
    ("rule", (lr,), {"on_exhausted": "raise"}),
    ("empty", ([],), {}),
    ("spec", ({"name": "cosin", "total_steps": 3, "start": 1.0},), {}),
]:
    try:
        ArraySchedule(*args, **kwargs)
    except (TypeError, ValueError) as e:
        errors[label] = f"{type(e).__name__}: {e}"
out["errors"] = errors
print(json.dumps(out))
"""


@pytest.fixture(scope="module", params=["torch", "jax"])
def run(request):
    env = {**os.environ, "KERAS_BACKEND": request.param, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == request.param
    return result


F32 = [float(v) for v in LR.astype(np.float32)]
LAST = F32[-1]


def test_docstring_examples(run):
    attempted, failed = run["doctest"]
    assert attempted > 5
    assert failed == 0


def test_values_and_the_out_of_range_rule(run):
    values, hold = run["values"], run["hold"]
    assert values[:N] == F32  # each the float64 value rounded to float32
    assert values[N] == LAST  # the state after the last update
    assert np.isnan(values[N + 1 :]).all()  # N + 1, N + 2 and -1
    assert hold[: N + 3] == [*F32, LAST, LAST, LAST]
    assert np.isnan(hold[-1])
    assert run["vector"] == F32
    assert "step must be an integer step" in run["float_step"]
    assert run["too_big"] == ("values must be finite in float32, got a value of 1e+39, which is "
                              "beyond the range of float32")


def test_fit_uses_every_value_and_trains_like_a_manual_loop(run):
    assert run["iterations"] == N
    assert run["seen"] == [[k, F32[k]] for k in range(N)]
    assert run["after"] == LAST
    assert run["same_weights"]  # bitwise equal to assigning lr[k] before each update
    assert run["weights_moved"]  # the comparison can fail: lr 0 trains nothing


def test_config_round_trips_values_and_specs(run):
    assert run["config_values"] == {"values": list(LR), "on_exhausted": "hold", "name": "lr"}
    assert run["config_spec"] == {"values": sa.to_spec(LR), "on_exhausted": "hold",
                                  "name": "lr"}
    assert run["config_trace"][: N + 3] == [*F32, LAST, LAST, LAST]
    spec = {"name": "warmup_cosine", "total_steps": 1_000_000, "peak": 0.1, "warmup_steps": 1000}
    assert run["spec_config"] == {"values": spec, "on_exhausted": "nan", "name": "ArraySchedule"}
    assert run["spec_config_bytes"] < 200  # a million steps, a few dozen bytes
    assert run["from_built_is_spec"]
    assert run["spec_trace_equal"]
    full = sa.warmup_cosine(1_000_000, peak=0.1, warmup_steps=1000)
    assert run["spec_values"] == [float(np.float32(full[k])) for k in (0, 999, 1000, 500_000, 999_999)]


def test_serialization_and_saved_models(run):
    assert run["registered_name"] == "schedarray>ArraySchedule"
    assert run["deserialized"] == ["ArraySchedule", F32]
    assert run["loaded"] == ["ArraySchedule", F32]
    assert run["loaded_iterations"] == N


def test_bad_arguments(run):
    errors = run["errors"]
    assert errors["2d"] == "ValueError: values must be 1-D, got values.shape=(2, 2)"
    assert errors["nan"] == "ValueError: values must be finite, got values[1]=nan"
    assert errors["rule"] == (
        "ValueError: on_exhausted must be one of 'nan', 'hold', got on_exhausted='raise'"
    )
    assert errors["empty"].startswith("ValueError: values must have at least one step")
    assert errors["spec"].startswith("ValueError")
    assert "cosin" in errors["spec"]


def test_readme_example(run):
    iterations, length, kind, after, last = run["readme"]
    assert iterations == length == 12
    assert kind == "ArraySchedule"
    assert after == last  # optimizer.learning_rate after training: the last value


def test_missing_keras_names_the_extra():
    code = (
        "import sys\n"
        "sys.modules['keras'] = None\n"
        "try:\n"
        "    import schedarray.keras\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'schedarray[keras]'" in proc.stdout
