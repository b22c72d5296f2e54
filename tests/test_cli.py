"""The installed ``schedarray`` console script, run in subprocesses, for every command."""

import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import schedarray as sa
from schedarray import cli
from schedarray.cli import EXAMPLE
from tests.support import require

SCRIPT = Path(sys.executable).with_name("schedarray")
ROOT = Path(__file__).resolve().parent.parent

JOIN = {"name": "join", "parts": [
    {"name": "linear", "total_steps": 20, "start": 0.0, "end": 1e-3, "endpoint": False},
    {"name": "cosine_restarts", "total_steps": 130, "peak": 1e-3, "cycle_steps": 40,
     "end": 1e-6},
]}
F32 = {"name": "wsd", "total_steps": 101, "peak": 0.1, "warmup_steps": 7, "decay_steps": "30%",
       "dtype": "float32"}


def run(*args, cwd=None, columns=None, script=True):
    env = dict(os.environ, COLUMNS=str(columns or 80), PYTHONIOENCODING="utf-8")
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "schedarray"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=120)


def test_the_console_script_is_installed():
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the package (pip install -e .)"


# ---------------------------------------------------------------------------- show


@pytest.mark.parametrize("columns", [80, 40])
def test_show_fits_the_terminal(columns):
    result = run("show", "example", columns=columns)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    text = " ".join(" ".join(lines).split())
    assert "warmup_cosine(total_steps='10ep', peak=0.001" in text
    assert "length 5000 steps = 10 epochs x 500" in text
    assert "max 0.001 step 500" in text
    assert "end 1e-05 step 4999" in text
    assert "0-499 warmup (linear): 0 -> 0.000998" in text
    assert "500-4999 cosine: 0.001 -> 1e-05" in text
    assert "warmup ends at step 500 (epoch 1), value 0.001" in text
    assert "value at the first step of each epoch:" in text
    assert "9: 3.97472e-05" in text
    plot = [line for line in lines if "┤" in line or "│" in line]
    assert len(plot) == 10
    assert lines[-1].strip().split() == ["0", "4999"]
    assert "┬" in lines[-2]  # the warmup end is marked on the axis


def test_show_narrow_ascii_from_a_toml_table(tmp_path):
    (tmp_path / "train.toml").write_text(
        '[schedule.lr]\nname = "cosine_restarts"\ntotal_steps = 3000\npeak = 1.0\n'
        'cycle_steps = 200\nwarmup_steps = 100\nsteps_per_epoch = 100\n')
    result = run("show", "train.toml:schedule.lr", "--ascii", "--height", "6", cwd=tmp_path,
                 columns=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 30
    text = " ".join(result.stdout.split())
    assert "... 5 more phases" in text
    assert "(every 3 epochs; --all-epochs for all)" in text
    every = run("show", "train.toml:schedule.lr", "--all-epochs", "--width", "200",
                cwd=tmp_path)
    assert re.search(r"\b29: 1\b", every.stdout)
    assert re.search(r"\b28: 0\.4", every.stdout)


def test_python_m_schedarray_is_the_same_command():
    assert run("show", "example", script=False).stdout == run("show", "example").stdout


def test_no_command_prints_help_and_version():
    result = run()
    assert result.returncode == 0
    assert "show" in result.stdout
    assert "export" in result.stdout
    assert run("--version").stdout.strip() == f"schedarray {sa.__version__}"


def test_the_readme_starts_with_the_cli_example():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    first = block.strip().splitlines()[0].split("#")[0].strip()
    assert first == "pip install . && schedarray show example"
    assert "docs/gallery.png" in readme


# ---------------------------------------------------------------------------- export


@pytest.mark.parametrize("spec", [EXAMPLE, JOIN, F32], ids=["single", "join", "float32"])
@pytest.mark.parametrize("fmt", ["npy", "csv", "json"])
def test_export_equals_the_python_array(tmp_path, spec, fmt):
    expected = sa.from_spec(spec)
    result = run("export", json.dumps(spec), "-o", f"lr.{fmt}", "--chunk-steps", "7",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"wrote {len(expected)} values ({expected.dtype.name}) "
                                     f"to lr.{fmt}")
    path = tmp_path / f"lr.{fmt}"
    if fmt == "npy":
        got = np.load(path)
        assert got.dtype == expected.dtype
    elif fmt == "csv":
        table = np.loadtxt(path, delimiter=",", skiprows=1)
        assert path.read_text().startswith("step,value\n")
        np.testing.assert_array_equal(table[:, 0], np.arange(len(expected)))
        got = table[:, 1].astype(expected.dtype)
        assert np.array_equal(table[:, 1], expected.astype(np.float64))
    else:
        data = json.loads(path.read_text())
        assert data["spec"] == spec
        assert data["length"] == len(expected)
        assert data["dtype"] == expected.dtype.name
        got = np.array(data["values"], dtype=expected.dtype)
    np.testing.assert_array_equal(got, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"lr.{fmt}"]  # no temporary left


def test_export_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "lr.csv"
    target.write_text("keep me")
    result = run("export", "example", "-o", "lr.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "schedarray: error: lr.csv exists; pass --force to overwrite it\n"
    assert target.read_text() == "keep me"
    forced = run("export", "example", "-o", "lr.csv", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert len(target.read_text().splitlines()) == 5001
    npy = run("export", "example", "-o", "lr.npy", cwd=tmp_path)
    assert npy.returncode == 0
    again = run("export", "example", "-o", "lr.npy", cwd=tmp_path)
    assert again.returncode == 2
    assert "exists" in again.stderr


@pytest.mark.parametrize("spec", [EXAMPLE, JOIN], ids=["single", "join"])
def test_export_progress_bar(tmp_path, spec):
    result = run("export", json.dumps(spec), "-o", "lr.npy", "--progress", "--chunk-steps", "16",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    n = len(sa.from_spec(spec))
    assert "100.0%" in result.stderr
    assert f"{n}" in result.stderr.replace(",", "")
    quiet = run("export", json.dumps(spec), "-o", "q.npy", cwd=tmp_path)
    assert quiet.stderr == ""  # not a terminal: no progress bar by default


def test_export_a_npy_file_back(tmp_path):
    assert run("export", "example", "-o", "a.npy", cwd=tmp_path).returncode == 0
    result = run("export", "a.npy", "-o", "b.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["spec"] is None
    np.testing.assert_array_equal(data["values"], sa.from_spec(EXAMPLE))


# ---------------------------------------------------------------------------- plot


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_plot_png_is_an_image_of_the_expected_size(tmp_path):
    image = require("matplotlib.image")
    result = run("plot", "example", json.dumps(JOIN), "-o", "lr.png", "--label", "example",
                 "--label", "restarts", "--log-y", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote lr.png"
    path = tmp_path / "lr.png"
    assert png_size(path) == (800, 450)
    pixels = image.imread(path)[..., :3]
    assert pixels.shape == (450, 800, 3)
    colored = np.ptp(pixels, axis=-1) > 0.2  # the lines, not the white/grey frame
    assert colored.mean() > 0.002
    assert pixels.std() > 0.05
    grid = run("plot", "example", json.dumps(F32), json.dumps(JOIN), "-o", "g.png", "--grid",
               "--size", "9", "3", "--dpi", "80", "--x", "steps", cwd=tmp_path)
    assert grid.returncode == 0, grid.stderr
    assert png_size(tmp_path / "g.png") == (720, 240)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png", "lr.png"]


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_svg_and_pdf(tmp_path, fmt, magic):
    require("matplotlib")
    result = run("plot", "example", "-o", f"lr.{fmt}", "--x", "epochs", "--title", "lr",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / f"lr.{fmt}").read_bytes()
    assert data.startswith(magic)
    assert len(data) > 1000


def test_plot_without_matplotlib_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; from schedarray.cli import main; "
            "raise SystemExit(main(['plot', 'example', '-o', 'lr.png']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("schedarray: error: plotting needs matplotlib; install it with: "
                             "pip install 'schedarray[plot]'\n")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- compare


def test_compare_equal_and_different(tmp_path):
    same = run("compare", "example", json.dumps(EXAMPLE))
    assert same.returncode == 0, same.stderr
    assert "max abs difference  0\n" in same.stdout
    assert "no step differs by more than atol=0 + rtol=1e-12 * max(|a|, |b|)" in same.stdout
    port = {"name": "compat.convnext.cosine_scheduler", "base_value": 1e-3, "final_value": 1e-5,
            "epochs": 10, "niter_per_ep": 500, "warmup_epochs": 1}
    differ = run("compare", "example", json.dumps(port))
    assert differ.returncode == 1
    a, b = sa.from_spec(EXAMPLE), sa.from_spec(port)
    diff = np.abs(a - b)
    k = int(np.argmax(diff))
    assert f"max abs difference  {diff[k]:.3g} at step {k} (a={float(a[k])!r}, b={float(b[k])!r})" \
        in differ.stdout
    first = int(np.flatnonzero(diff > 1e-12 * np.maximum(abs(a), abs(b)))[0])
    assert f"first step beyond atol=0 + rtol=1e-12 * max(|a|, |b|): step {first} " in differ.stdout
    loose = run("compare", "example", json.dumps(port), "--atol", "1e-5")
    assert loose.returncode == 0
    assert run("export", "example", "-o", "lr.npy", cwd=tmp_path).returncode == 0
    assert run("compare", "lr.npy", "example", cwd=tmp_path).returncode == 0
    short = dict(EXAMPLE, total_steps="9ep")
    lengths = run("compare", "example", json.dumps(short))
    assert lengths.returncode == 1
    assert "lengths differ: 5000 != 4500; compared the first 4500 steps" in lengths.stdout


# ---------------------------------------------------------------------------- bad input


BAD = [
    (["show", "{bad"], "SPEC is not valid JSON: Expecting property name"),
    (["show", "notaspec"], "SPEC must be inline JSON"),
    (["show", "nofile.json"], "nofile.json: No such file or directory"),
    (["show", "cfg.toml:schedule.nope"], "cfg.toml has no table 'schedule.nope' (schedule has: "
                                         "lr)"),
    (["show", "cfg.toml"], "cfg.toml holds no spec"),
    (["show", "example", "--width", "5"], "--width must be >= 20, got --width=5"),
    (["show", "example", "--height", "1"], "--height must be >= 2, got --height=1"),
    (["show", "example", "--steps-per-epoch", "0"], "--steps-per-epoch must be >= 1"),
    (["export", '{"name": "cosin", "total_steps": 3}', "-o", "out.npy"],
     "unknown schedule 'cosin'; close matches: cosine"),
    (["export", '{"name": "warmup_cosine", "total_steps": 10, "peak": 1, "warmup": 2}', "-o",
      "out.csv"], "warmup_cosine has no parameter 'warmup'; did you mean 'warmup_steps'?"),
    (["export", '{"name": "warmup_cosine", "total_steps": 10, "peak": 1, "warmup_steps": 20}',
      "-o", "out.json"], "warmup_steps must be <= total_steps, got warmup_steps=20, "
                         "total_steps=10"),
    (["export", "cfg.toml:schedule.lr", "-o", "out.npy"], "cfg.toml:schedule.lr: linear needs "
                                                          "parameter 'start'"),
    (["export", "example", "-o", "missing/out.npy"], "cannot write missing/out.npy: no "
                                                      "directory"),
    (["export", "example", "-o", "adir.npy"], "cannot write adir.npy: it is a directory"),
    (["export", "example", "-o", "out.txt"], "-o must end in .npy, .csv, .json, got -o out.txt"),
    (["export", "example", "-o", "out.npy", "--chunk-steps", "0"], "--chunk-steps must be >= 1"),
    (["export", "example"], "the following arguments are required: -o/--output"),
    (["plot", "example", "-o", "out.gif"], "-o must end in .png, .svg, .pdf, got -o out.gif"),
    (["plot", "example", "-o", "missing/out.png"], "cannot write missing/out.png: no directory"),
    (["plot", "example", "example", "-o", "out.png", "--label", "one"],
     "--label must be given once per SPEC (2), got 1"),
    (["plot", "example", "-o", "out.png", "--x", "epochs", "--steps-per-epoch", "0"],
     "steps_per_epoch must be >= 1"),
    (["compare", "example", '{"name": "linear"}'], "linear needs parameter 'total_steps'"),
    (["compare", "example", "example", "--rtol", "-1"], "--rtol and --atol must be finite"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
]


#: `plot` checks its arguments, then imports matplotlib, then checks these (the output path and
#: the x axis are checked when the figure is drawn); without matplotlib the user is told that.
NO_MATPLOTLIB = "plotting needs matplotlib; install it with: pip install 'schedarray[plot]'"
CHECKED_WITH_MATPLOTLIB = {"cannot write missing/out.png: no directory",
                           "steps_per_epoch must be >= 1"}


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    if message in CHECKED_WITH_MATPLOTLIB and importlib.util.find_spec("matplotlib") is None:
        message = NO_MATPLOTLIB  # what a user without the plot extra is told first
    (tmp_path / "cfg.toml").write_text('[schedule.lr]\nname = "linear"\ntotal_steps = 3\n')
    (tmp_path / "adir.npy").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("schedarray: error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_compare_nan_and_infinity(tmp_path):
    np.save(tmp_path / "nan.npy", [1.0, np.nan, np.inf, 4.0])
    np.save(tmp_path / "num.npy", [1.0, 2.0, np.inf, 4.0])
    same = run("compare", "nan.npy", "nan.npy", cwd=tmp_path)
    assert same.returncode == 0, same.stdout
    differ = run("compare", "nan.npy", "num.npy", cwd=tmp_path)
    assert differ.returncode == 1
    assert "first step beyond atol=0 + rtol=1e-12 * max(|a|, |b|): step 1 (a=nan, b=2.0)" \
        in differ.stdout


# ---------------------------------------------------------------------------- hostile input


def _deep(depth):
    return '{"name": "scale", "factor": 1, "values": ' * depth + "[1]" + "}" * depth


@pytest.mark.parametrize(("text", "message"), [
    (_deep(10_000), "SPEC is nested too deeply to read"),
    (_deep(100), r"values(\.values){64}: specs nest at most 64 levels deep, got a deeper spec"),
])
def test_deep_specs_are_one_line_errors(text, message, capsys, tmp_path):
    from schedarray import cli

    assert cli.main(["show", text]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"schedarray: error: {message}\n", err), err
    path = tmp_path / "deep.json"
    path.write_text(text)
    assert cli.main(["export", str(path), "-o", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.json"]


def test_an_internal_error_is_one_line_with_a_hint(monkeypatch, capsys):
    from schedarray import cli

    def broken(args):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(cli, "_show", broken)
    monkeypatch.delenv("SCHEDARRAY_TRACEBACK", raising=False)
    assert cli.main(["show", "example"]) == 2
    assert capsys.readouterr().err == (
        "schedarray: error: internal error: ZeroDivisionError: float division by zero "
        "(please report it; SCHEDARRAY_TRACEBACK=1 shows the traceback)\n")
    monkeypatch.setenv("SCHEDARRAY_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["show", "example"])


def test_show_of_a_spec_with_100000_milestones(capsys, tmp_path):
    # Counting the milestones before each edge was quadratic: minutes for this spec.
    from schedarray import cli

    marks = list(range(5, 500_001, 5))
    spec = {"name": "multistep", "total_steps": 10**6, "start": 1.0, "milestones": marks,
            "gamma": 0.5 ** (1 / 64)}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(spec))
    assert cli.main(["show", str(path), "--width", "80", "--ascii"]) == 0
    out = capsys.readouterr().out
    assert f"... {len(marks) + 1 - 11} more phases" in out
    assert f"  end     {0.5 ** (len(marks) / 64):<12.6g} step 999999" in out


def test_spec_prints_the_spec_of_an_array_built_in_python(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_port.py").write_text(
        "import schedarray as sa\n"
        "lr = sa.scale(sa.warmup_cosine(100, peak=1.0, warmup_steps='10%', endpoint=False), 3e-4)\n"
        "numpy_made = lr * 2\n"
        "count = 3\n")
    monkeypatch.chdir(tmp_path)  # the CLI imports the user's modules from there
    try:
        assert cli.main(["spec", "python:my_port:lr"]) == 0
        printed = capsys.readouterr().out
        spec = json.loads(printed)
        assert spec == {"name": "scale", "factor": 3e-4, "values": {
            "name": "warmup_cosine", "total_steps": 100, "peak": 1.0, "warmup_steps": "10%",
            "endpoint": False}}
        (tmp_path / "lr.json").write_text(printed)
        assert cli.main(["compare", "lr.json", "python:my_port:lr"]) == 0  # the same values
        capsys.readouterr()
        assert cli.main(["spec", "python:my_port:numpy_made"]) == 2
        assert "not returned by a schedarray function" in capsys.readouterr().err
        assert cli.main(["spec", "python:my_port:count"]) == 2
        assert "must name an array a schedarray function built, got int" in (
            capsys.readouterr().err)
    finally:
        sys.modules.pop("my_port", None)
    assert cli.main(["spec", "example", "--indent"]) == 0
    assert json.loads(capsys.readouterr().out) == cli.read_spec("example")
    assert cli.main(["spec", '{"name": "cosin"}']) == 2
    assert "close matches: cosine" in capsys.readouterr().err
