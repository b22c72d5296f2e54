"""Specs: from_spec equals the direct call, to_spec round-trips, files load, errors are clear."""

import gc
import importlib
import json
import pkgutil
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray import compat, spec
from schedarray.compat import convnext
from schedarray.spec import Landmark, from_spec, load_spec, parse, resolve, to_spec
from tests.fuzzing import NO_SPEC, targets
from tests.test_contract import SAMPLES

TARGETS = targets()

N = 37


def direct(name, **kwargs):
    return sa.SCHEDULES[name](N, **kwargs)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_native_schedule_equals_the_direct_call(name):
    result = from_spec({"name": name, "total_steps": N, **SAMPLES[name]})
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, direct(name, **SAMPLES[name]))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_window_equals_the_slice(name):
    node = parse({"name": name, "total_steps": N, **SAMPLES[name]})
    whole = node.full()
    assert node.length == N
    assert node.call is not None  # every native schedule streams through window
    for a, b in [(0, N), (0, 1), (5, 20), (N - 1, N), (10, 10)]:
        assert np.array_equal(node.values(a, b), whole[a:b])


def test_durations_dtype_and_backend_pass_through():
    s = {"name": "warmup_cosine", "total_steps": "4ep", "peak": 1.0, "warmup_steps": "25%",
         "steps_per_epoch": 10, "dtype": "float32", "backend": "numpy"}
    result = from_spec(s)
    expected = sa.warmup_cosine("4ep", peak=1.0, warmup_steps="25%", steps_per_epoch=10,
                                dtype=np.float32)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, expected)
    node = parse(s)
    assert node.steps_per_epoch == 10
    assert node.landmarks == (Landmark(0, "linear"), Landmark(10, "cosine"))


def test_python_values_are_accepted_as_plain_data():
    s = {"name": "multistep", "total_steps": np.int64(10), "start": np.float32(0.5),
         "milestones": (2, np.int32(5)), "dtype": np.float32}
    np.testing.assert_array_equal(
        from_spec(s), sa.multistep(10, start=0.5, milestones=[2, 5], dtype=np.float32))
    assert to_spec(from_spec(s)) == {"name": "multistep", "total_steps": 10, "start": 0.5,
                                     "milestones": [2, 5], "dtype": "float32"}


# ---------------------------------------------------------------------------- nesting

JOIN = {"name": "join", "parts": [
    {"name": "linear", "total_steps": 10, "start": 0.0, "end": 1.0, "endpoint": False},
    {"name": "cosine_restarts", "total_steps": 30, "peak": 1.0, "cycle_steps": 10},
    [0.5, 0.5, 0.25],
]}


def test_join_equals_the_composition():
    expected = sa.join(sa.linear(10, start=0.0, end=1.0, endpoint=False),
                       sa.cosine_restarts(30, peak=1.0, cycle_steps=10), [0.5, 0.5, 0.25])
    np.testing.assert_array_equal(from_spec(JOIN), expected)
    node = parse(JOIN)
    assert node.length == 43
    assert [m.step for m in node.landmarks] == [0, 10, 20, 30, 40, 42]
    assert node.landmarks[0] == Landmark(0, "parts[0] linear")
    assert node.landmarks[1] == Landmark(10, "parts[1] cosine")


def test_operations_nest():
    s = {"name": "clip", "low": 0.2, "values": {
        "name": "scale", "factor": 0.5, "values": {
            "name": "per_epoch", "steps_per_epoch": 4,
            "values": {"name": "linear", "total_steps": 5, "start": 1.0}}}}
    expected = sa.clip(sa.scale(sa.per_epoch(sa.linear(5, start=1.0), 4), 0.5), low=0.2)
    np.testing.assert_array_equal(from_spec(s), expected)
    node = parse(s)
    assert node.length == 20
    assert node.steps_per_epoch == 4


def test_envelope_is_computed_whole_and_marks_its_ramps():
    s = {"name": "envelope", "values": {"name": "constant", "total_steps": 10, "value": 2.0},
         "warmup_steps": 3, "cooldown_steps": 2}
    node = parse(s)
    np.testing.assert_array_equal(
        node.full(), sa.envelope(sa.constant(10, value=2.0), warmup_steps=3, cooldown_steps=2))
    assert {m.step for m in node.landmarks} == {0, 3, 8}


@settings(max_examples=60)
@given(a=st.integers(0, 43), length=st.integers(0, 43))
def test_windows_of_nested_specs_equal_slices(a, length):
    b = min(a + length, 43)
    node = parse({"name": "scale", "factor": 3.0, "values": JOIN})
    assert np.array_equal(node.values(a, b), node.full()[a:b])
    per = parse({"name": "per_epoch", "steps_per_epoch": 3, "values": JOIN})
    lo, hi = min(3 * a, 129), min(3 * b + 2, 129)
    assert np.array_equal(per.values(lo, hi), per.full()[lo:hi])


# ---------------------------------------------------------------------------- compat


def test_compat_schedules_resolve_by_name():
    s = {"name": "compat.convnext.cosine_scheduler", "base_value": 1.0, "final_value": 0.1,
         "epochs": 3, "niter_per_ep": 4, "warmup_epochs": 1}
    expected = convnext.cosine_scheduler(1.0, 0.1, 3, 4, warmup_epochs=1)
    np.testing.assert_array_equal(from_spec(s), expected)
    node = parse(s)
    assert node.call is not None
    assert [m.step for m in node.landmarks] == [0, 4]
    assert np.array_equal(node.values(3, 9), expected[3:9])


def compat_names():
    names = []
    for info in pkgutil.iter_modules(compat.__path__):
        module = importlib.import_module(f"schedarray.compat.{info.name}")
        names += [(f"compat.{info.name}.{f}", getattr(module, f)) for f in module.__all__]
    return names


@pytest.mark.parametrize(("name", "fn"), compat_names(), ids=lambda v: v if isinstance(v, str)
                         else "")
def test_every_compat_function_present_resolves(name, fn):
    if callable(fn):
        assert resolve(name) is fn
    else:  # a constant such as a table of names is not a schedule
        with pytest.raises(ValueError, match=f"unknown schedule '{name}'"):
            resolve(name)


def test_compat_objects_nest_as_parameters():
    fvcore = importlib.import_module("schedarray.compat.fvcore")
    s = {"name": "compat.fvcore.lr_multiplier", "base_lr": 0.1, "max_iter": 50, "multiplier": {
        "name": "compat.fvcore.warmup_param_scheduler", "warmup_factor": 0.001,
        "warmup_length": 0.1, "scheduler": {
            "name": "compat.fvcore.cosine_param_scheduler", "start_value": 1.0,
            "end_value": 0.0}}}
    expected = fvcore.lr_multiplier(0.1, fvcore.warmup_param_scheduler(
        fvcore.cosine_param_scheduler(1.0, 0.0), 0.001, 0.1), 50)
    node = parse(s)
    assert node.call is None  # built from another object: computed whole
    np.testing.assert_array_equal(from_spec(s), expected)
    np.testing.assert_array_equal(node.values(3, 17), expected[3:17])
    # from_spec gives what the spec names (here an fvcore scheduler); parse, which the CLI
    # uses and which promises an array's length and windows, refuses it.
    cosine = from_spec(s["multiplier"]["scheduler"])
    assert np.array_equal(cosine.sample(4), fvcore.cosine_param_scheduler(1.0, 0.0).sample(4))
    with pytest.raises(TypeError, match=r"compat.fvcore.cosine_param_scheduler builds a "
                                        r"CosineParamScheduler, not a schedule array"):
        parse(s["multiplier"]["scheduler"])
    with pytest.raises(TypeError, match=r"parts\[0\]: compat.fvcore.cosine_param_scheduler "
                                        "builds a"):
        from_spec({"name": "join", "parts": [s["multiplier"]["scheduler"]]})


def test_lists_of_specs_are_built_for_compat_parameters():
    torch_compat = importlib.import_module("schedarray.compat.torch")
    parts = [{"name": "linear", "total_steps": 10, "start": 0.0, "end": 1.0},
             {"name": "cosine", "total_steps": 20, "start": 1.0}]
    s = {"name": "compat.torch.sequential_lr", "schedulers": parts, "milestones": [5],
         "num_steps": 20}
    expected = torch_compat.sequential_lr([sa.linear(10, start=0.0, end=1.0),
                                           sa.cosine(20, start=1.0)], [5], 20)
    np.testing.assert_array_equal(from_spec(s), expected)


# ---------------------------------------------------------------------------- to_spec


def test_to_spec_round_trips_and_is_a_copy():
    lr = from_spec(JOIN)
    got = to_spec(lr)
    assert got == JOIN | {"parts": [*JOIN["parts"]]}
    got["parts"][0]["start"] = 99.0
    assert to_spec(lr) == json.loads(json.dumps(JOIN))
    np.testing.assert_array_equal(from_spec(to_spec(lr)), lr)


def test_to_spec_needs_an_array_a_public_call_returned_unchanged():
    lr = from_spec({"name": "cosine", "total_steps": 5, "start": 1.0})
    for other in (lr.copy(), lr[1:], lr * 2, np.ones(5)):
        with pytest.raises(ValueError, match="not returned by a schedarray function"):
            to_spec(other)
    lr[2] = 0.0
    with pytest.raises(ValueError, match="changed after it was built"):
        to_spec(lr)
    direct = sa.cosine(5, start=1.0)
    direct[0] = 2.0
    with pytest.raises(ValueError, match="changed after it was built"):
        to_spec(direct)
    with pytest.raises(TypeError, match="values must be a numpy array, got values=list"):
        to_spec([1.0])


def test_to_spec_of_direct_calls_gives_the_call_as_data():
    assert to_spec(sa.cosine(5, start=1.0, dtype=np.float32)) == {
        "name": "cosine", "total_steps": 5, "start": 1.0, "dtype": "float32"}
    assert to_spec(convnext.cosine_scheduler(1.0, 0.1, 3, 4, warmup_epochs=1)) == {
        "name": "compat.convnext.cosine_scheduler", "base_value": 1.0, "final_value": 0.1,
        "epochs": 3, "niter_per_ep": 4, "warmup_epochs": 1}
    # NumPy scalars and small literal arrays become plain data; the spec rebuilds the array.
    lr = sa.join(sa.linear(np.int64(3), start=np.float64(0.0), end=1.0, endpoint=False),
                 np.array([1.0, 0.5]))
    assert to_spec(lr) == {"name": "join", "parts": [
        {"name": "linear", "total_steps": 3, "start": 0.0, "end": 1.0, "endpoint": False},
        [1.0, 0.5]]}
    assert np.array_equal(from_spec(to_spec(lr)), lr)


def test_to_spec_records_arguments_as_they_were_at_the_call():
    # A list that repeats one dict (optax's ``[kwargs] * cycles``) and a list of
    # distinct dicts: the record is a copy, so changing them later changes no spec.
    optax_compat = importlib.import_module("schedarray.compat.optax")
    cycle = {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 1, "decay_steps": 3}
    repeated, distinct = [cycle] * 3, [dict(cycle, end_value=0.1 * k) for k in range(3)]
    first, second = (optax_compat.sgdr_schedule(9, kwargs) for kwargs in (repeated, distinct))
    cycle["peak_value"], distinct[1]["end_value"] = 5.0, 7.0
    distinct.append(cycle)
    assert to_spec(first)["cosine_kwargs"] == [dict(cycle, peak_value=1.0)] * 3
    assert [c["end_value"] for c in to_spec(second)["cosine_kwargs"]] == [0.0, 0.1, 0.2]
    spec = to_spec(first)
    spec["cosine_kwargs"][0]["peak_value"] = 9.0  # each dict of a spec is its own
    assert spec["cosine_kwargs"][1]["peak_value"] == 1.0
    np.testing.assert_array_equal(from_spec(to_spec(second)), second)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: sa.scale(np.ones(100_000), 2.0),
     r"built from an array of shape \(100000,\) that no schedarray function returned"),
    (lambda: sa.scale(np.ones(3, dtype=np.float32), 2.0),
     "its spec builds float64, values is float32"),
    (lambda: sa.layer_decay(3, 0.5),
     "made by layer_decay, which no spec name stands for"),
])
def test_to_spec_says_why_an_array_has_no_spec(make, message):
    with pytest.raises(ValueError, match=message):
        to_spec(make())


def test_to_spec_of_a_call_given_a_function_names_it():
    torch_compat = importlib.import_module("schedarray.compat.torch")
    lr = torch_compat.lambda_lr(1.0, 4, lambda s: 0.5 ** s)
    with pytest.raises(ValueError, match="built from a function, which is not plain data"):
        to_spec(lr)


def test_the_registry_forgets_collected_arrays_and_keeps_no_input_alive():
    from schedarray import _check

    gc.collect()
    before = len(_check._MADE)
    lr = from_spec({"name": "cosine", "total_steps": 5, "start": 1.0})
    assert len(_check._MADE) == before + 1
    del lr
    gc.collect()
    assert len(_check._MADE) == before
    part = sa.cosine(10, start=1.0)
    probe = weakref.ref(part)
    joined = sa.join(part, part)
    del part
    gc.collect()
    assert probe() is None  # the join's record holds what made its parts, not the parts
    assert to_spec(joined)["parts"][0]["name"] == "cosine"


# ---------------------------------------------------------------------------- files


def test_load_json_and_toml(tmp_path):
    s = {"name": "warmup_cosine", "total_steps": 100, "peak": 0.001, "warmup_steps": "10%",
         "endpoint_note": None}
    del s["endpoint_note"]
    (tmp_path / "lr.json").write_text(json.dumps(s))
    (tmp_path / "lr.toml").write_text(
        'name = "warmup_cosine"\ntotal_steps = 100\npeak = 1e-3\nwarmup_steps = "10%"\n')
    assert load_spec(tmp_path / "lr.json") == s
    assert load_spec(str(tmp_path / "lr.toml")) == s


def test_load_a_table_of_a_larger_config(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "mine"\n\n'
        '[tool.schedarray.lr]\nname = "join"\n'
        '[[tool.schedarray.lr.parts]]\nname = "linear"\ntotal_steps = 2\nstart = 0.0\n'
        'end = 1.0\nendpoint = false\n'
        '[[tool.schedarray.lr.parts]]\nname = "cosine"\ntotal_steps = 3\nstart = 1.0\n'
        '[tool.schedarray.wd]\nname = "constant"\ntotal_steps = 5\nvalue = 0.05\n')
    lr = load_spec(path, "tool.schedarray.lr")
    np.testing.assert_array_equal(from_spec(lr), [0.0, 0.5, 1.0, 0.5, 0.0])
    assert from_spec(load_spec(path, "tool.schedarray.wd")).tolist() == [0.05] * 5
    json_path = tmp_path / "config.json"
    json_path.write_text(json.dumps({"train": {"schedule": {"lr": lr}}}))
    assert load_spec(json_path, "train.schedule.lr") == lr
    with pytest.raises(ValueError, match=r"holds no spec .* at the top level; tables with one: "
                                         r"project, tool.schedarray.lr, tool.schedarray.wd"):
        load_spec(path)
    with pytest.raises(ValueError, match=r"has no table 'tool.schedarray.momentum' "
                                         r"\(tool.schedarray has: lr, wd\)"):
        load_spec(path, "tool.schedarray.momentum")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.json", '{"name": "cosine",', r"a.json is not valid JSON: "),
    ("a.json", '{"name": "cosine", "start": NaN}', r"a.json is not valid JSON: NaN is not a "
                                                     r"finite number"),
    ("a.toml", "name = cosine", r"a.toml is not valid TOML: "),
    ("a.yaml", "name: cosine", r"a spec file must end in .json or .toml, got path="),
    ("a.json", "[1, 2]", r"a.json holds no spec \(a table with a 'name'\) at the top level"),
])
def test_bad_files_are_named(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match=message):
        load_spec(tmp_path / name)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_spec(tmp_path / "none.json")


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("bad", "exc", "message"), [
    ({"name": "cosin", "total_steps": 3}, ValueError,
     "unknown schedule 'cosin'; close matches: cosine"),
    ({"name": "warmup_cosin", "total_steps": 3}, ValueError,
     "unknown schedule 'warmup_cosin'; close matches: warmup_cosine"),
    ({"name": "zzz"}, ValueError, "unknown schedule 'zzz'; expected one of: constant, linear,"),
    ({"name": "compat.nope.cosine_scheduler"}, ValueError,
     "unknown schedule 'compat.nope.cosine_scheduler'; there is no compat module 'nope'"),
    ({"name": "compat.convnext.cosine_schedul"}, ValueError,
     "close matches: compat.convnext.cosine_scheduler"),
    ({"name": "compat.convnext.zzz"}, ValueError, "compat.convnext has: cosine_scheduler"),
    ({"name": 3}, TypeError, "name must be a str, got name=3"),
    ({"total_steps": 3}, ValueError, "a spec needs a 'name' key, got keys 'total_steps'"),
    ([("name", "cosine")], TypeError, "a spec must be a mapping, got list"),
    ({"name": "warmup_cosine", "total_steps": 3, "peak": 1.0, "warmup": 1}, TypeError,
     "warmup_cosine has no parameter 'warmup'; did you mean 'warmup_steps'? valid: "
     "total_steps, peak, warmup_steps, start, end, endpoint, warmup_offset, decay_steps, "
     "steps_per_epoch, dtype, backend"),
    ({"name": "linear", "total_steps": 3, "start": 1.0, "out": None}, TypeError,
     "linear has no parameter 'out'"),
    ({"name": "warmup_cosine", "total_steps": 3}, TypeError,
     "warmup_cosine needs parameter 'peak'"),
    ({"name": "warmup_cosine", "total_steps": 3, "peak": 1.0, "warmup_steps": 5}, ValueError,
     "warmup_steps must be <= total_steps, got warmup_steps=5, total_steps=3"),
    ({"name": "linear", "total_steps": 3.0, "start": 1.0}, TypeError,
     "got total_steps=3.0"),
    ({"name": "linear", "total_steps": 3, "start": object()}, TypeError,
     "start: spec values must be plain data"),
    ({"name": "linear", "total_steps": 3, "start": 1.0, 5: 1}, TypeError,
     "spec keys must be strings, got key 5"),
    ({"name": "join", "parts": {"name": "linear"}}, TypeError,
     "join needs 'parts' to be a non-empty list"),
    ({"name": "join"}, TypeError, "join needs 'parts', a list"),
    ({"name": "join", "parts": [{"name": "linear", "total_steps": 3, "start": "x"}]},
     TypeError, "parts[0]: start must be a real number, got start='x'"),
    ({"name": "join", "parts": [{"name": "scale", "factor": 1.0,
                                 "values": {"name": "cosin"}}]},
     ValueError, "parts[0].values: unknown schedule 'cosin'"),
    ({"name": "scale", "factor": 2.0, "values": ["a"]}, TypeError,
     "values: must be a spec or a list of numbers, got ['a']"),
    ({"name": "scale", "factor": 2.0, "values": [1.0, float("inf")]}, ValueError,
     "values: must be finite"),
    ({"name": "scale", "factor": "2", "values": [1.0]}, TypeError,
     "factor must be a real number"),
])
def test_bad_specs_say_what_is_wrong(bad, exc, message):
    with pytest.raises(exc) as info:
        from_spec(bad)
    assert message in str(info.value)


def test_from_spec_under_window_computes_only_the_window():
    whole = from_spec(JOIN)
    for a, b in [(0, 43), (5, 20), (9, 11), (42, 43), (7, 7)]:
        assert np.array_equal(sa.window(from_spec, a, b, JOIN), whole[a:b])
    with pytest.raises(ValueError, match="window must lie inside the schedule, got stop=44, "
                                         "total_steps=43"):
        sa.window(from_spec, 40, 44, JOIN)


# ---------------------------------------------------------------------------- hostile specs


def _nested(depth):
    node = {"name": "scale", "values": [1.0, 2.0], "factor": 1.0}
    for _ in range(depth):
        node = {"name": "scale", "values": node, "factor": 1.0}
    return node


def test_a_spec_that_contains_itself_is_refused_with_its_path():
    loop = {"name": "scale", "factor": 2.0}
    loop["values"] = loop
    with pytest.raises(ValueError, match=r"^values: a spec must not contain itself, got a "
                                         r"reference back to the top level$"):
        from_spec(loop)
    inner = {"name": "join"}
    outer = {"name": "scale", "factor": 2.0, "values": inner}
    inner["parts"] = [[1.0], inner]
    with pytest.raises(ValueError, match=r"^values\.parts\[1\]: a spec must not contain itself, "
                                         r"got a reference back to values$"):
        from_spec(outer)


def test_a_part_used_twice_is_not_a_cycle():
    part = {"name": "linear", "total_steps": 3, "start": 1.0}
    assert from_spec({"name": "join", "parts": [part, part]}).tolist() == [1.0, 0.5, 0.0] * 2


def test_specs_nest_at_most_max_depth_levels():
    assert from_spec(_nested(spec.MAX_DEPTH - 1)).tolist() == [1.0, 2.0]
    path = r"\.".join(["values"] * (spec.MAX_DEPTH + 1))
    for depth in (spec.MAX_DEPTH, 10_000):
        with pytest.raises(ValueError, match=rf"^{path}: specs nest at most {spec.MAX_DEPTH} "
                                             rf"levels deep, got a deeper spec$"):
            from_spec(_nested(depth))


def test_a_spec_file_nested_too_deeply_is_a_clean_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"name": "scale", "factor": 1, "values": ' * 10_000 + "[1]" + "}" * 10_000)
    with pytest.raises(ValueError, match=rf"^{deep} is nested too deeply to read$"):
        load_spec(deep)


ENVELOPED = {"name": "envelope", "warmup_steps": 3, "cooldown_steps": "20%", "values": {
    "name": "join", "parts": [{"name": "cosine", "total_steps": 6, "start": 1.0},
                              [0.5, 0.25, 0.125, 0.5]]}}


def test_windows_of_an_envelope_spec_equal_the_slice():
    whole = from_spec(ENVELOPED)
    assert whole.tolist() == sa.envelope(from_spec(ENVELOPED["values"]), warmup_steps=3,
                                         cooldown_steps=2).tolist()
    node = parse(ENVELOPED)
    for a in range(11):
        for b in range(a, 11):
            assert node.values(a, b).tobytes() == whole[a:b].tobytes()
            assert sa.window(from_spec, a, b, ENVELOPED).tobytes() == whole[a:b].tobytes()
    with pytest.raises(ValueError, match=r"^warmup_steps \+ cooldown_steps must be <= the "
                                         r"length, got warmup_steps=9, cooldown_steps=2, "
                                         r"len\(values\)=10$"):
        parse({**ENVELOPED, "warmup_steps": 9})


def test_a_window_of_a_huge_envelope_spec_computes_only_the_window():
    n = 2 * 10**10
    huge = {"name": "envelope", "warmup_steps": "50%", "cooldown_steps": 10,
            "values": {"name": "cosine", "total_steps": n, "start": 1.0}}
    got = sa.window(from_spec, n - 12, n - 8, huge)
    inner = sa.window(sa.cosine, n - 12, n - 8, n, start=1.0)
    ramp = sa.window(sa.linear, 0, 4, 11, start=1.0, end=0.0)
    assert got.tolist() == (inner * np.array([1.0, 1.0, *ramp[1:3]])).tolist()
    assert sa.window(from_spec, 10**10 - 1, 10**10 + 1, huge)[1] == sa.window(
        sa.cosine, 10**10, 10**10 + 1, n, start=1.0)[0]


SEQUENTIAL = {"name": "compat.torch.sequential_lr", "milestones": [4], "schedulers": [
    {"name": "compat.torch.linear_lr", "base_lr": 1.0, "num_steps": 4, "start_factor": 0.25,
     "total_iters": 4},
    {"name": "envelope", "cooldown_steps": 2, "values": {
        "name": "cosine", "total_steps": 7, "start": 1.0, "end": 0.1}}]}


def test_compat_joins_of_specs_compute_only_the_window():
    from schedarray.compat import torch as T

    direct = T.sequential_lr([from_spec(s) for s in SEQUENTIAL["schedulers"]], [4])
    whole = from_spec(SEQUENTIAL)
    assert whole.tobytes() == direct.tobytes()
    node = parse(SEQUENTIAL)
    assert node.length == 11
    for a in range(12):
        for b in range(a, 12):
            assert node.values(a, b).tobytes() == whole[a:b].tobytes()
            assert sa.window(from_spec, a, b, SEQUENTIAL).tobytes() == whole[a:b].tobytes()
    n = 10**10
    huge = {"name": "compat.torch.sequential_lr", "milestones": [n], "num_steps": 2 * n,
            "schedulers": [{"name": "cosine", "total_steps": n, "start": 1.0},
                           {"name": "linear", "total_steps": n, "start": 0.5}]}
    got = sa.window(from_spec, n - 2, n + 2, huge)
    assert got.tolist() == [*sa.window(sa.cosine, n - 2, n, n, start=1.0).tolist(),
                            *sa.window(sa.linear, 0, 2, n, start=0.5).tolist()]
    assert parse(huge).length == 2 * n
    joined = {"name": "compat.optax.join_schedules", "num_steps": 2 * n, "boundaries": [n],
              "schedules": huge["schedulers"]}
    assert sa.window(from_spec, n - 2, n + 2, joined).tolist() == got.tolist()


def test_a_compat_join_of_specs_that_do_not_cover_their_segment():
    short = {**SEQUENTIAL, "milestones": [5]}
    with pytest.raises(ValueError, match=r"^schedulers\[0\] must cover its 5 steps \(from step "
                                         r"0 to 5\), got len\(schedulers\[0\]\)=4$"):
        parse(short)


def test_a_deep_file_without_a_spec_is_a_clean_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"a": ' * 900 + '{"name": "cosine"}' + "}" * 900)
    with pytest.raises(ValueError, match=rf"^{deep} holds no spec \(a table with a 'name'\) at "
                                         r"the top level; tables with one: none$"):
        load_spec(deep)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_every_public_call_has_a_spec_or_says_why_not(target):
    result = target.fn(*target.args, **target.kwargs)
    result = result[0] if isinstance(result, tuple) else result
    if not isinstance(result, np.ndarray):  # an fvcore scheduler: a parameter of others
        return
    if target.name in NO_SPEC:
        with pytest.raises(ValueError, match=NO_SPEC[target.name]):
            to_spec(result)
        return
    got = to_spec(result)
    assert got["name"] == target.name
    rebuilt = from_spec(got)
    assert rebuilt.dtype == result.dtype
    assert np.array_equal(rebuilt, result)
    assert json.loads(json.dumps(got)) == got  # plain data


def test_recording_never_fails_a_call_that_succeeded():
    from unittest import mock

    from schedarray import _check

    with mock.patch.object(_check, "_as_data", side_effect=RuntimeError("boom")):
        lr = sa.cosine(4, start=1.0)  # still returns its values
    assert lr.tolist() == sa.cosine(4, start=1.0).tolist()
    with pytest.raises(ValueError, match="could not be recorded"):
        to_spec(lr)
