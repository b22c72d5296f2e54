"""The matplotlib helper: returns axes, marks phases, keeps every extreme of long schedules."""

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedarray as sa
from schedarray import plot as plotting
from schedarray.plot import plot, scan, source
from tests.support import require

matplotlib = require("matplotlib")
matplotlib.use("Agg")
plt = require("matplotlib.pyplot")

WARMUP = {"name": "warmup_cosine", "total_steps": 100, "peak": 1.0, "warmup_steps": 10,
          "steps_per_epoch": 20}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_returns_the_axes_with_the_line_and_phases():
    ax = plot(WARMUP)
    line, phase = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), sa.from_spec(WARMUP))
    np.testing.assert_array_equal(line.get_xdata(), np.arange(100))
    assert phase.get_xdata()[0] == 10
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "value"
    assert ax.get_legend() is None


def test_given_axes_epochs_log_scale_labels_and_title():
    _, ax = plt.subplots()
    lr = sa.from_spec(WARMUP)  # from_spec arrays keep their phases
    result = plot(lr, [0.5] * 100, ax=ax, x="epochs", log_y=True, labels=["lr", "flat"],
                  title="t", ylabel="lr")
    assert result is ax
    assert ax.get_xscale() == "linear"
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_title() == "t"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr", "flat"]
    lines = ax.lines
    assert len(lines) == 3  # two schedules and one phase boundary
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(100) / 20)
    assert lines[1].get_xdata()[0] == 0.5  # step 10 is epoch 0.5


def test_plain_arrays_have_no_phases():
    ax = plot(np.linspace(1.0, 0.0, 50), phases=True)
    assert len(ax.lines) == 1
    ax = plot(WARMUP, phases=False)
    assert len(ax.lines) == 1


def test_long_schedules_keep_every_extreme():
    spec = {"name": "cyclic", "total_steps": 1_000_003, "low": 0.1, "high": 1.0,
            "step_size_up": 997}
    ax = plot(spec, points=1000)
    line = ax.lines[0]
    y = line.get_ydata()
    assert len(y) == 1000
    values = sa.from_spec(spec)
    assert y.max() == values.max()
    assert y.min() == values.min()
    assert np.all(np.diff(line.get_xdata()) >= 0)


@pytest.mark.parametrize(("kwargs", "exc", "message"), [
    ({"x": "epochs", "schedules": ([1.0, 0.5],)}, ValueError, "x='epochs' needs steps_per_epoch"),
    ({"x": "days"}, ValueError, "x must be one of 'steps', 'epochs', got x='days'"),
    ({"labels": ["a", "b"]}, ValueError, "labels must give one label per schedule (1)"),
    ({"log_y": 1}, TypeError, "log_y must be a bool"),
    ({"schedules": ()}, TypeError, "plot needs at least one schedule, got none"),
    ({"schedules": ("cosine",)}, TypeError, "a schedule must be an array or a spec"),
    ({"schedules": (np.zeros((2, 2)),)}, TypeError, "a schedule must be a 1-D array"),
    ({"schedules": ({"name": "cosin"},)}, ValueError, "unknown schedule 'cosin'"),
    ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch must be >= 1"),
])
def test_bad_arguments(kwargs, exc, message):
    schedules = kwargs.pop("schedules", (WARMUP,))
    with pytest.raises(exc) as info:
        plot(*schedules, **kwargs)
    assert message in str(info.value)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'schedarray\[plot\]'"):
        plot(WARMUP)


def test_source_accepts_specs_arrays_and_numbers():
    assert source(WARMUP).length == 100
    lr = sa.from_spec(WARMUP)
    assert [m.step for m in source(lr).landmarks] == [0, 10]
    ints = source([3, 2, 1])
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints.full(), [3.0, 2.0, 1.0])


@settings(max_examples=50)
@given(values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60),
       bins=st.integers(1, 70), chunk=st.integers(1, 9), data=st.data())
def test_scan_equals_brute_force(values, bins, chunk, data):
    f = np.array(values)
    picks = data.draw(st.lists(st.integers(0, len(f) - 1), max_size=5))
    old, plotting.CHUNK = plotting.CHUNK, chunk
    try:
        s = scan(source(f), bins, picks)
    finally:
        plotting.CHUNK = old
    e = s.edges
    assert e[0] == 0
    assert e[-1] == len(f)
    for k in range(len(e) - 1):
        part = f[e[k] : e[k + 1]]
        assert (s.lo[k], s.hi[k], s.first[k], s.last[k]) == (part.min(), part.max(), part[0],
                                                              part[-1])
    assert (s.vmin, s.argmin, s.vmax, s.argmax) == (f.min(), f.argmin(), f.max(), f.argmax())
    assert s.picked == {p: f[p] for p in picks}


def test_the_gallery_script_and_image_agree():
    import importlib.util
    import struct
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gallery", root / "scripts" / "gallery.py")
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    for _, family in gallery.FAMILIES:
        assert source(family).length == gallery.N
    head = (root / "docs" / "gallery.png").read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1200, 800)
