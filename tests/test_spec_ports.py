"""Every port is data: specs survive composition; slice, multiply and add; several results."""

import numpy as np
import pytest

import schedarray as sa
from schedarray.spec import parse

COS = {"name": "cosine", "total_steps": 12, "start": 1.0, "end": 0.1, "endpoint": False}
RAMP = {"name": "interp", "total_steps": 12, "steps": [-1, 2.5], "values": [0.0, 1.0]}


@pytest.mark.parametrize("make", [
    lambda a, b: sa.join(a, b),
    lambda a, b: sa.scale(a, 0.5),
    lambda a, b: sa.clip(a, low=0.2),
    lambda a, b: sa.per_epoch(a, 3),
    lambda a, b: sa.envelope(a, warmup_steps=2, cooldown_steps="25%", endpoint=False),
    lambda a, b: sa.cut(a, start=3, stop=9),
    lambda a, b: sa.cut(a, start=4),
    lambda a, b: sa.multiply(a, b),
    lambda a, b: sa.add(a, b, b),
    lambda a, b: sa.join(sa.cut(sa.scale(a, 2.0), start=1), sa.multiply(a, b)),
])
def test_operations_on_spec_arrays_keep_a_spec(make):
    a, b = sa.from_spec(COS), sa.from_spec(RAMP)
    result = make(a, b)
    spec = sa.to_spec(result)
    again = sa.from_spec(spec)
    assert np.array_equal(again, result)
    assert again.dtype == result.dtype
    node = parse(spec)
    stop = min(7, len(result))
    assert np.array_equal(node.values(2, stop), result[2:stop])


def test_a_spec_only_when_every_input_is_described():
    a = sa.from_spec(COS)
    assert sa.to_spec(sa.join(a, [0.5, 0.5]))["parts"] == [COS, [0.5, 0.5]]
    b = sa.from_spec(COS)
    b[0] = 7.0  # changed after it was built
    with pytest.raises(ValueError, match="changed after it was built"):
        sa.to_spec(sa.scale(b, 2.0))
    with pytest.raises(ValueError, match="not returned by a schedarray function"):
        sa.to_spec(sa.cosine(4, start=1.0) * 2)


def test_slice_in_a_spec_computes_only_its_window_and_marks_phases():
    spec = {"name": "slice", "start": 3, "stop": 10, "values": {
        "name": "warmup_cosine", "total_steps": 20, "peak": 1.0, "warmup_steps": 5}}
    node = parse(spec)
    whole = sa.warmup_cosine(20, peak=1.0, warmup_steps=5)
    assert node.length == 7
    assert np.array_equal(node.full(), whole[3:10])
    assert np.array_equal(node.values(1, 4), whole[4:7])
    assert [tuple(m) for m in node.landmarks] == [(0, "linear"), (2, "cosine")]


@pytest.mark.parametrize(("spec", "exc", "message"), [
    ({"name": "slice", "values": COS, "start": 5, "stop": 3}, ValueError,
     r"^start <= stop <= len\(values\) must hold, got start=5, stop=3, len\(values\)=12$"),
    ({"name": "slice", "values": COS, "stop": 13}, ValueError,
     r"^start <= stop <= len\(values\) must hold, got start=0, stop=13"),
    ({"name": "slice", "values": COS, "start": 1.5}, TypeError,
     r"^start must be an integer, got start=1.5$"),
    ({"name": "join", "parts": [{"name": "slice", "values": COS, "start": -1}]}, ValueError,
     r"^parts\[0\]: start must be >= 0, got start=-1$"),
    ({"name": "multiply", "parts": [COS, {**COS, "total_steps": 5}]}, ValueError,
     r"^multiply needs parts of one length, got len\(parts\[0\]\)=12, len\(parts\[1\]\)=5$"),
    ({"name": "add", "parts": []}, TypeError, r"^add needs 'parts' to be a non-empty list"),
])
def test_bad_operation_specs(spec, exc, message):
    with pytest.raises(exc, match=message):
        sa.from_spec(spec)


def test_operations_validate_arrays():
    with pytest.raises(ValueError, match=r"^add needs parts of one length"):
        sa.add([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^multiply needs at least one part, got none$"):
        sa.multiply()
    with pytest.raises(ValueError, match=r"^multiply overflows"):
        sa.multiply([1e200], [1e200])
    with pytest.raises(TypeError, match=r"^stop must be an integer"):
        sa.cut([1.0, 2.0], stop="1")


def test_a_compat_function_with_two_results_is_its_schedule_in_a_spec(tmp_path):
    from schedarray import cli
    from schedarray.compat import timm

    params = {"base_lr": 0.1, "num_epochs": 6, "warmup_epochs": 1, "cooldown_epochs": 1,
              "updates_per_epoch": 3}
    lr, epochs = timm.create_scheduler_v2(**params)
    spec = {"name": "compat.timm.create_scheduler_v2", **params}
    assert np.array_equal(sa.from_spec(spec), lr)
    node = parse(spec)
    assert node.length == epochs * 3
    assert np.array_equal(node.values(4, 9), lr[4:9])
    out = tmp_path / "lr.npy"
    import json

    assert cli.main(["export", json.dumps(spec), "-o", str(out)]) == 0
    assert np.array_equal(np.load(out), lr)


TIMM = {"base_lr": 0.1, "num_epochs": 4, "warmup_epochs": 1, "cooldown_epochs": 2,
        "updates_per_epoch": 2}


def test_each_result_of_a_compat_function_has_its_own_spec_name():
    from schedarray.compat import timm

    lr, epochs = timm.create_scheduler_v2(**TIMM)
    assert timm.create_scheduler_v2(**TIMM).num_epochs == epochs == 6
    name = "compat.timm.create_scheduler_v2"
    assert sa.from_spec({"name": f"{name}.num_epochs", **TIMM}) == epochs
    for spelled in (name, f"{name}.lr"):
        assert np.array_equal(sa.from_spec({"name": spelled, **TIMM}), lr)
    assert sa.to_spec(lr) == {"name": name, **TIMM}
    # A count is not a schedule: the CLI and parse say so; unknown results are listed.
    with pytest.raises(TypeError, match="builds an int, not a schedule array"):
        parse({"name": f"{name}.num_epochs", **TIMM})
    with pytest.raises(ValueError, match="has the named results: lr, num_epochs"):
        sa.from_spec({"name": f"{name}.epochs", **TIMM})
    with pytest.raises(ValueError, match="has the named results: none"):
        sa.from_spec({"name": "compat.timm.cosine_lr_scheduler.lr", "base_lr": 1.0,
                      "num_steps": 3, "t_initial": 3})


def test_integer_keyed_parameters_are_data_too():
    from schedarray.compat import optax

    direct = optax.piecewise_constant_schedule(8, 1.0, {2: 0.5, 5: 0.1})
    spec = sa.to_spec(direct)
    assert spec["boundaries_and_scales"] == {"2": 0.5, "5": 0.1}  # as JSON/TOML write them
    assert np.array_equal(sa.from_spec(spec), direct)
    with pytest.raises(TypeError, match="boundaries_and_scales key must be an integer"):
        optax.piecewise_constant_schedule(8, 1.0, {"2.5": 0.5})
