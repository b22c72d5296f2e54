"""Files written by the library and the CLI: never through a symlink, nothing left behind.

Policy (README "Files"): an output path that is a symbolic link is replaced by
the new file, as ``mv`` replaces it; the file the link points to is never
opened. Data go to a fresh temporary file (``mkstemp``, never a predictable
name) beside the target, which is renamed over the target only when complete.
On any exception, SIGINT or SIGTERM the temporary is deleted and a file that
was already at the target stays as it was; the signal handlers in place before
the write are restored afterwards (and a SIGTERM then still ends the process).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import schedarray as sa
from schedarray import _plan, cli
from tests.support import require

ROOT = Path(__file__).resolve().parents[1]
VICTIM = b"the file the link points to\n"
SPEC = '{"name": "linear", "total_steps": 5, "start": 1.0}'
HUGE = '{"name": "linear", "total_steps": 2000000000, "start": 1.0, "dtype": "float32"}'


def _link(tmp_path, name, kind):
    """A symlink `name` to an existing file outside the target (or to nothing)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim"
    if kind == "existing":
        victim.write_bytes(VICTIM)
    link = tmp_path / "out" / name
    link.parent.mkdir()
    link.symlink_to(victim)
    return link, victim


def _untouched(link, victim, kind):
    if kind == "existing":
        assert victim.read_bytes() == VICTIM
    else:
        assert not victim.exists()
    assert sorted(p.name for p in victim.parent.iterdir()) == (
        ["victim"] if kind == "existing" else [])


def _leftovers(directory):
    return [p.name for p in Path(directory).iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------------------- symlinks


@pytest.mark.parametrize("kind", ["existing", "dangling"])
def test_write_npy_replaces_a_symlink_and_never_writes_through_it(tmp_path, kind):
    link, victim = _link(tmp_path, "lr.npy", kind)
    sa.write_npy(link, sa.linear, 5, start=1.0, chunk_steps=2)
    assert not link.is_symlink()
    assert np.load(link).tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    _untouched(link, victim, kind)
    assert _leftovers(link.parent) == []


def test_write_npy_never_follows_a_link_at_a_temporary_name(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM)
    for name in (f".lr.npy.{os.getpid()}.tmp", f".lr.npy.{os.getpid()}.part"):
        (tmp_path / name).symlink_to(victim)
    sa.write_npy(tmp_path / "lr.npy", sa.linear, 3, start=1.0)
    assert victim.read_bytes() == VICTIM
    assert np.load(tmp_path / "lr.npy").tolist() == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("kind", ["existing", "dangling"])
@pytest.mark.parametrize("suffix", ["npy", "csv", "json"])
def test_export_force_replaces_a_symlink_and_never_writes_through_it(tmp_path, kind, suffix,
                                                                      capsys):
    link, victim = _link(tmp_path, f"lr.{suffix}", kind)
    assert cli.main(["export", SPEC, "-o", str(link), "--force"]) == 0
    assert not link.is_symlink()
    assert link.stat().st_size > 0
    _untouched(link, victim, kind)
    assert _leftovers(link.parent) == []


@pytest.mark.parametrize("kind", ["existing", "dangling"])
def test_export_without_force_refuses_a_symlink(tmp_path, kind, capsys):
    link, victim = _link(tmp_path, "lr.csv", kind)
    assert cli.main(["export", SPEC, "-o", str(link)]) == 2
    assert capsys.readouterr().err == (
        f"schedarray: error: {link} exists; pass --force to overwrite it\n")
    assert link.is_symlink()
    _untouched(link, victim, kind)


@pytest.mark.parametrize("kind", ["existing", "dangling"])
def test_plot_replaces_a_symlink_and_never_writes_through_it(tmp_path, kind, capsys):
    require("matplotlib")
    link, victim = _link(tmp_path, "lr.png", kind)
    assert cli.main(["plot", SPEC, "-o", str(link)]) == 0
    assert not link.is_symlink()
    assert link.read_bytes().startswith(b"\x89PNG")
    _untouched(link, victim, kind)


# ---------------------------------------------------------------------------- failures


def test_write_npy_restores_the_signal_handlers(tmp_path):
    def mine(signum, frame):
        raise AssertionError("not expected")

    before = {s: signal.signal(s, mine) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        sa.write_npy(tmp_path / "a.npy", sa.linear, 10, start=1.0, chunk_steps=3)
        with pytest.raises(ValueError, match="warmup_steps"):
            sa.write_npy(tmp_path / "b.npy", sa.warmup_linear, 10, peak=1.0, warmup_steps=11)

        def broken(n, **kwargs):
            if (_plan.active_window() or (0, 0))[0] >= 3:
                raise RuntimeError("boom")
            return sa.linear(n, **kwargs)

        with pytest.raises(RuntimeError, match=r"^boom$"):
            sa.write_npy(tmp_path / "a.npy", broken, 10, start=1.0, chunk_steps=3)
        assert signal.getsignal(signal.SIGINT) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    assert np.load(tmp_path / "a.npy").shape == (10,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy"]


@pytest.mark.parametrize("force", [True, False])
@pytest.mark.parametrize("suffix", ["npy", "csv"])
def test_export_failing_midway_leaves_the_target_as_it_was(tmp_path, monkeypatch, capsys,
                                                           suffix, force):
    target = tmp_path / f"lr.{suffix}"
    if force:
        target.write_bytes(b"previous")
    real = _plan.fill_numpy

    def failing(plan, buf, start, stop):
        if start >= 4:
            raise RuntimeError("disk on fire")
        real(plan, buf, start, stop)

    monkeypatch.setattr(_plan, "fill_numpy", failing)
    args = ["export", SPEC.replace("5", "10"), "-o", str(target), "--chunk-steps", "2"]
    assert cli.main([*args, *(["--force"] if force else [])]) == 2
    err = capsys.readouterr().err
    assert err == ("schedarray: error: internal error: RuntimeError: disk on fire (please "
                   "report it; SCHEDARRAY_TRACEBACK=1 shows the traceback)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ([target.name] if force else [])
    if force:
        assert target.read_bytes() == b"previous"


def _interrupt(command, directory, signum):
    """Run `command`, send `signum` once its temporary file exists; (status, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, cwd=directory, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        while not _leftovers(directory):
            if proc.poll() is not None:
                pytest.fail(f"finished before the signal: {proc.communicate()}")
            time.sleep(0.002)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_write_npy_interrupted_by_a_signal_leaves_nothing(tmp_path, signum):
    target = tmp_path / "big.npy"
    target.write_bytes(b"previous")
    code = ("import sys, numpy as np, schedarray as sa\n"
            "sa.write_npy('big.npy', sa.linear, 2 * 10**9, start=1.0, dtype=np.float32,"
            " chunk_steps=1 << 16)\n")
    status, err = _interrupt([sys.executable, "-c", code], tmp_path, signum)
    # The process still ends as the signal ends it (Python re-raises SIGINT
    # when a KeyboardInterrupt ends the program).
    assert status == -signum
    assert err.rstrip().endswith("KeyboardInterrupt") == (signum == signal.SIGINT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npy"]
    assert target.read_bytes() == b"previous"


@pytest.mark.parametrize("force", [True, False])
@pytest.mark.parametrize("suffix", ["npy", "csv"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_export_interrupted_by_a_signal_leaves_nothing(tmp_path, signum, suffix, force):
    target = tmp_path / f"big.{suffix}"
    if force:
        target.write_bytes(b"previous")
    command = [sys.executable, "-m", "schedarray", "export", HUGE, "-o", target.name,
               "--chunk-steps", "65536", *(["--force"] if force else [])]
    status, err = _interrupt(command, tmp_path, signum)
    if signum == signal.SIGTERM:
        assert status == -signal.SIGTERM
    else:
        assert (status, err) == (130, "schedarray: interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ([target.name] if force else [])
    if force:
        assert target.read_bytes() == b"previous"


def test_files_get_the_mode_a_plain_open_would_give(tmp_path):
    previous = os.umask(0o027)
    try:
        sa.write_npy(tmp_path / "a.npy", sa.linear, 3, start=1.0)
        assert (tmp_path / "a.npy").stat().st_mode & 0o777 == 0o640
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(previous)
