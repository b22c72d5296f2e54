"""The streaming .npy writer: file == in-memory array, bounded memory, no partial files."""

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import schedarray as sa
from schedarray import _plan
from schedarray.compat import convnext

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(("n", "chunk"), [(1, 7), (10, 10), (1001, 64), (5000, 4999)])
def test_file_equals_the_in_memory_array(tmp_path, dtype, backend, n, chunk):
    kwargs = {"peak": 1e-3, "warmup_steps": "10%", "end": 1e-6, "backend": backend}
    path = sa.write_npy(tmp_path / "lr.npy", sa.warmup_cosine, n, dtype=dtype,
                        chunk_steps=chunk, **kwargs)
    assert path == tmp_path / "lr.npy"
    got = np.load(path)
    assert got.dtype == dtype
    assert np.array_equal(got, sa.warmup_cosine(n, dtype=dtype, **kwargs))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.npy"]


def test_auto_backend_file_equals_whole_across_the_threshold(tmp_path, monkeypatch):
    # With auto, every window takes the path of the whole schedule.
    monkeypatch.setattr(_plan, "AUTO_NUMBA_MIN", 3000)
    for n in (2999, 3000, 4321):
        sa.write_npy(tmp_path / "a.npy", sa.cosine_restarts, n, peak=1.0, cycle_steps=700,
                     cycle_mul=1.3, chunk_steps=1000)
        assert np.array_equal(np.load(tmp_path / "a.npy"),
                              sa.cosine_restarts(n, peak=1.0, cycle_steps=700, cycle_mul=1.3))


def test_compat_schedules_and_memmap_reading(tmp_path):
    path = sa.write_npy(str(tmp_path / "c.npy"), convnext.cosine_scheduler, 1.0, 0.01, 30, 11,
                        warmup_epochs=2, chunk_steps=50)
    mm = np.load(path, mmap_mode="r")
    assert mm.shape == (330,)
    assert np.array_equal(mm, convnext.cosine_scheduler(1.0, 0.01, 30, 11, warmup_epochs=2))


def test_replaces_an_existing_file(tmp_path):
    path = tmp_path / "lr.npy"
    path.write_bytes(b"old")
    sa.write_npy(path, sa.constant, 3, value=2.0)
    assert np.array_equal(np.load(path), [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"peak": 1.0, "warmup_steps": 20}, ValueError, "warmup_steps must be <= total_steps"),
        ({"peak": "x"}, TypeError, "peak must be a real number"),
        ({"peak": 1.0, "chunk_steps": 0}, ValueError, "chunk_steps must be >= 1"),
        ({"peak": 1.0, "dtype": np.int32}, TypeError, "dtype must be float32 or float64"),
        ({"peak": 1.0, "out": np.empty(10)}, TypeError, "out="),
        ({"peak": 1.0, "progress": "yes"}, TypeError, "progress must be a bool"),
    ],
)
def test_bad_arguments_raise_before_any_file_exists(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        sa.write_npy(tmp_path / "lr.npy", sa.warmup_cosine, 10, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_not_a_one_plan_schedule(tmp_path):
    def composed(n, **kwargs):
        with _plan.unwindowed():
            whole = sa.join(sa.linear(n, start=1.0, **kwargs), sa.cosine(n, start=1.0, **kwargs))
        span = _plan.active_window() or (0, 2 * n)
        return whole[span[0] : span[1]]

    with pytest.raises(TypeError, match="schedule must be callable"):
        sa.write_npy(tmp_path / "x.npy", 3)
    with pytest.raises(TypeError, match="rendered 0, so compute it in memory"):
        sa.write_npy(tmp_path / "x.npy", lambda **kw: np.zeros(3))
    with pytest.raises(TypeError, match="schedule='composed' rendered 2"):
        sa.write_npy(tmp_path / "x.npy", composed, 10)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_no_partial_file_on_error_or_interrupt(tmp_path, exc):
    path = tmp_path / "lr.npy"
    path.write_bytes(b"previous")

    def flaky(n, **kwargs):
        window = _plan.active_window()
        if window is not None and window[0] >= 200:
            raise exc("stop")
        return sa.cosine(n, **kwargs)

    with pytest.raises(exc):
        sa.write_npy(path, flaky, 1000, start=1.0, chunk_steps=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lr.npy"]
    assert path.read_bytes() == b"previous"


def test_progress_line(tmp_path, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    sa.write_npy(tmp_path / "lr.npy", sa.linear, 1000, start=1.0, chunk_steps=100)
    assert "lr.npy [" in err.getvalue()
    assert "100.0% 1,000/1,000 steps" in err.getvalue()
    assert err.getvalue().endswith("\n")
    quiet = Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    sa.write_npy(tmp_path / "lr.npy", sa.linear, 1000, start=1.0, progress=False)
    assert quiet.getvalue() == ""


def test_not_a_terminal_means_no_progress(tmp_path, capsys):
    sa.write_npy(tmp_path / "lr.npy", sa.linear, 1000, start=1.0, chunk_steps=100)
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in kB, Linux")
def test_memory_stays_bounded_for_a_file_larger_than_the_bound(tmp_path):
    # 5e7 float32 steps: a 200 MB file written with an 8 MB buffer; the whole
    # process stays under 256 MB resident.
    code = textwrap.dedent("""
        import sys, numpy as np, schedarray as sa

        def status(field):
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith(field))

        sa.warmup_cosine(10**6, peak=1.0, warmup_steps=10, backend="numba")  # compile / load
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak resident set (VmHWM)
        before = status("VmRSS:")
        path = sa.write_npy(sys.argv[1], sa.warmup_cosine, 5 * 10**7, peak=1e-3,
                            warmup_steps=10**5, dtype=np.float32, chunk_steps=1 << 21)
        grown = status("VmHWM:") - before
        assert status("VmHWM:") < 256 * 1024, status("VmHWM:")
        x = np.load(path, mmap_mode="r")
        ref = sa.window(sa.warmup_cosine, 4 * 10**7, 4 * 10**7 + 1000, 5 * 10**7, peak=1e-3,
                        warmup_steps=10**5, dtype=np.float32)
        assert np.array_equal(x[4 * 10**7 : 4 * 10**7 + 1000], ref)
        assert x[10**5] == np.float32(1e-3) and x[-1] == 0.0
        print(grown)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big.npy")],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    grown_mb = int(proc.stdout) / 1024
    assert grown_mb < 32, grown_mb
    assert (tmp_path / "big.npy").stat().st_size > 2 * 10**8
