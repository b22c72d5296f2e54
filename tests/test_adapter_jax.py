"""schedarray.jax.as_schedule: jit-safe lookups, the out-of-range rule, optax training, x64."""

import doctest
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support import require

jax = require("jax")
optax = require("optax")

import jax.numpy as jnp  # noqa: E402

import schedarray as sa  # noqa: E402
import schedarray.jax as saj  # noqa: E402
from schedarray.jax import as_schedule  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N, W = 30, 6
LR = sa.warmup_cosine(N, peak=0.1, warmup_steps=W, start=0.01, end=0.001)
WD = sa.cosine(N, start=0.01, end=0.1)
PLACEMENTS = ["device", "host"]


def test_docstring_examples():
    result = doctest.testmod(saj, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 5
    assert result.failed == 0


def test_missing_jax_names_the_extra():
    code = (
        "import sys\n"
        "sys.modules['jax'] = None\n"
        "try:\n"
        "    import schedarray.jax\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'schedarray[jax]'" in proc.stdout


# -- values and the out-of-range rule ----------------------------------------------------


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_every_count_gives_the_rounded_value_jitted_and_vectorized(placement):
    schedule = as_schedule(LR, placement=placement)
    assert schedule.dtype == np.float32
    assert schedule.length == N
    expected = LR.astype(np.float32)
    jitted = jax.jit(schedule)
    assert [np.float32(jitted(jnp.int32(k))) for k in range(N)] == list(expected)
    np.testing.assert_array_equal(np.asarray(schedule(jnp.arange(N))), expected)
    np.testing.assert_array_equal(np.asarray(jax.vmap(schedule)(jnp.arange(N))), expected)
    grid = np.arange(N).reshape(5, 6)
    np.testing.assert_array_equal(np.asarray(jitted(grid)), expected.reshape(5, 6))


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_out_of_range_counts_follow_the_documented_rule(placement):
    nan_rule = jax.jit(as_schedule(LR, placement=placement))
    hold = jax.jit(as_schedule(LR, placement=placement, on_exhausted="hold"))
    last = np.float32(LR[-1])
    counts = jnp.array([N - 1, N, N + 1, 10 * N, -1, -N, 2**31 - 1], dtype=jnp.int32)
    got_nan = np.asarray(nan_rule(counts))
    got_hold = np.asarray(hold(counts))
    np.testing.assert_array_equal(got_nan[:2], [last, last])  # N: the state after the last update
    assert np.isnan(got_nan[2:]).all()  # never JAX's silent clamp, never a wrap-around
    np.testing.assert_array_equal(got_hold[[0, 1, 2, 3, 6]], [last] * 5)
    assert np.isnan(got_hold[4:6]).all()  # negative counts are NaN under both rules


def test_jax_indexing_alone_would_clamp_silently():
    """The control for the rule above: plain indexing returns the last value past the end."""
    values = jnp.asarray(LR, dtype=jnp.float32)
    assert float(jax.jit(lambda c: values[c])(jnp.int32(10 * N))) == np.float32(LR[-1])


def test_host_placement_keeps_compiled_programs_small():
    long = sa.cosine(1_000_000, start=1.0, end=0.0)
    host = as_schedule(long, placement="host")
    device = as_schedule(long)
    consts = jax.make_jaxpr(host)(jnp.int32(3)).consts
    assert sum(getattr(c, "nbytes", 0) for c in consts) < 1024
    assert len(jax.jit(host).lower(jnp.int32(3)).as_text()) < 10_000
    # the device placement embeds the whole array in the program (documented)
    assert len(jax.jit(device).lower(jnp.int32(3)).as_text()) > 4 * 1_000_000
    assert float(jax.jit(host)(jnp.int32(123_456))) == np.float32(long[123_456])


def test_host_placement_reads_a_memmap(tmp_path):
    path = tmp_path / "lr.npy"
    np.save(path, LR)
    schedule = as_schedule(np.load(path, mmap_mode="r"), placement="host")
    assert float(jax.jit(schedule)(jnp.int32(W))) == np.float32(LR[W])


# -- training with optax -----------------------------------------------------------------


def _data():
    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (16, 3))
    return x, x @ jnp.array([0.5, -1.0, 2.0])


def _loss(params, x, y):
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def _train(tx, steps=N):
    x, y = _data()
    params = {"w": jnp.zeros(3), "b": jnp.zeros(())}
    state = tx.init(params)

    @jax.jit
    def update(params, state):
        grads = jax.grad(_loss)(params, x, y)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    trace = []
    for _ in range(steps):
        params, state = update(params, state)
        trace.append({k: np.float32(v) for k, v in getattr(state, "hyperparams", {}).items()})
    return params, trace


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_optax_training_uses_every_value_and_a_weight_decay_schedule(placement):
    tx = optax.inject_hyperparams(optax.adamw)(
        learning_rate=as_schedule(LR, placement=placement),
        weight_decay=as_schedule(WD, placement=placement),
    )
    params, trace = _train(tx)
    assert [t["learning_rate"] for t in trace] == list(LR.astype(np.float32))
    assert [t["weight_decay"] for t in trace] == list(WD.astype(np.float32))
    assert _loss(params, *_data()) < _loss({"w": jnp.zeros(3), "b": jnp.zeros(())}, *_data())


def test_two_parameter_groups_with_a_scaled_schedule():
    """optax's param groups: multi_transform with the head at lr_scale 0.5 (layer decay)."""

    def group(scale):
        return optax.inject_hyperparams(optax.adamw)(
            learning_rate=as_schedule(sa.scale(LR, scale)), weight_decay=as_schedule(WD)
        )

    tx = optax.multi_transform({"w": group(0.5), "b": group(1.0)}, {"w": "w", "b": "b"})
    x, y = _data()
    params = {"w": jnp.zeros(3), "b": jnp.zeros(())}
    state = tx.init(params)
    update = jax.jit(lambda p, s: tx.update(jax.grad(_loss)(p, x, y), s, p))
    seen = {"w": [], "b": []}
    for _ in range(N):
        updates, state = update(params, state)
        params = optax.apply_updates(params, updates)
        for label in seen:
            inner = state.inner_states[label].inner_state
            seen[label].append(float(inner.hyperparams["learning_rate"]))
    assert seen["w"] == [float(np.float32(v * 0.5)) for v in LR]
    assert seen["b"] == [float(np.float32(v)) for v in LR]


def test_plain_optax_schedule_argument_trains_like_an_optax_lookup_table():
    direct, _ = _train(optax.adamw(learning_rate=as_schedule(LR), weight_decay=0.05))
    table = jnp.asarray(LR, dtype=jnp.float32)
    native, _ = _train(optax.adamw(learning_rate=lambda c: table[c], weight_decay=0.05))
    for key in ("w", "b"):
        np.testing.assert_array_equal(direct[key], native[key])
    shifted, _ = _train(optax.adamw(learning_rate=lambda c: table[c + 1], weight_decay=0.05))
    assert not np.array_equal(direct["w"], shifted["w"])  # the comparison can fail


def test_training_past_the_end_poisons_with_nan_unless_holding():
    short = LR[:10]
    params, _ = _train(optax.sgd(as_schedule(short)), steps=11)
    assert not np.isnan(params["w"]).any()  # counts 0..10 (10 = N gives the last value)
    params, _ = _train(optax.sgd(as_schedule(short)), steps=12)  # uses count 11 > N
    assert np.isnan(params["w"]).all()
    params, _ = _train(optax.sgd(as_schedule(short, on_exhausted="hold")), steps=12)
    assert not np.isnan(params["w"]).any()


# -- precision ---------------------------------------------------------------------------


def test_x64_keeps_float64_values_bit_for_bit():
    with jax.enable_x64(True):
        schedule = as_schedule(LR)
        assert schedule.dtype == np.float64
        got = np.asarray(jax.jit(schedule)(jnp.arange(N)))
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, LR)
        explicit32 = as_schedule(LR, dtype=jnp.float32)
        np.testing.assert_array_equal(np.asarray(explicit32(jnp.arange(N))), LR.astype(np.float32))
        big = jnp.int64(2**40)  # int64 counts beyond int32
        assert np.isnan(float(schedule(big)))
        assert float(as_schedule(LR, on_exhausted="hold")(big)) == LR[-1]


def test_float64_without_x64_is_refused():
    with pytest.raises(ValueError, match="dtype=float64 needs 64-bit JAX"):
        as_schedule(LR, dtype=np.float64)


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"values": "0.1"}, TypeError, "values must be a 1-D array of numbers"),
        ({"values": [True]}, TypeError, "values must be a 1-D array of numbers, got dtype bool"),
        ({"values": np.zeros((3, 2))}, ValueError, r"values must be 1-D, got values.shape=\(3, 2\)"),
        ({"values": []}, ValueError, "values must have at least one step"),
        ({"values": [0.1, np.nan]}, ValueError, r"values must be finite, got values\[1\]=nan"),
        ({"values": LR, "on_exhausted": "raise"}, ValueError, "on_exhausted must be one of 'nan', 'hold'"),
        ({"values": LR, "placement": "tpu"}, ValueError, "placement must be one of 'device', 'host'"),
        ({"values": LR, "dtype": np.int32}, TypeError, "dtype must be a float dtype"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        as_schedule(**kwargs)


def test_float_counts_are_refused():
    with pytest.raises(TypeError, match="count must be an integer step, got dtype float32"):
        as_schedule(LR)(jnp.float32(1.0))


def test_readme_optax_example():
    ns = {}
    exec(_readme_example("optax"), ns)
    state, lr, wd = ns["state"], ns["lr"], ns["wd"]
    assert int(state.count) == 1
    assert float(state.hyperparams["learning_rate"]) == np.float32(lr[0])
    assert float(state.hyperparams["weight_decay"]) == np.float32(wd[0])
    assert np.asarray(ns["updates"]["w"]).shape == (3,)


def _readme_example(name):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", text, re.S)
    assert match, f"README.md has no example {name!r}"
    return match.group(1)
