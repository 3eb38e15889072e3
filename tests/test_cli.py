"""The command line: the scaling job end to end, and one-line errors."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def neurokit(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "neurokit.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=600)


def test_scaling_writes_results_and_figure(tmp_path):
    out = tmp_path / "run"
    done = neurokit("scaling", "--neurons", 200, 400, 800, "--seeds", 2,
                    "--duration", 0.5, "--out", out)
    assert done.returncode == 0, done.stderr

    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 2 * 2
    for column in ("network", "backend", "neuron_type", "n_neurons", "order", "seed",
                   "nrmse", "build_s", "run_s"):
        assert column in rows[0]
    assert {row["neuron_type"] for row in rows} == {"poisson", "rate"}
    assert (out / "scaling.png").stat().st_size > 10_000
    assert sorted(p.name for p in out.iterdir()) == ["results.csv", "scaling.png"]
    assert "Fitted exponents" in done.stdout
    assert "nengo poisson state_nrmse: slope" in done.stdout


def bad_spec(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--neurons", "0"], "'0' is not positive"),
        (["--neurons", "abc"], "'abc' is not an integer"),
        (["--neurons", "201"], "n_neurons = 201 is odd"),
        (["--neurons", "6"], "too few"),
        (["--seeds", "-2"], "'-2' is not positive"),
        (["--backend", "spinnaker"], "'spinnaker' is unknown"),
        (["--neuron-types", "lif"], "neuron type 'lif' is unknown"),
        (["--duration", "nan"], "positive, finite"),
        (["missing.toml"], "was not found"),
    ],
)
def test_bad_argument_gives_one_line(tmp_path, args, fragment):
    out = tmp_path / "out"
    done = neurokit("scaling", *args, "--out", out)
    assert done.returncode == 2
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('kind = "lmu"\n[lmu]\nordr = 3\n', "unknown key 'lmu.ordr'"),
        ('kind = "lmu"\n[lmu]\norder = 0\n', "lmu.order = 0"),
        ('kind = "lmu"\n[lmu]\ntheta = -0.1\n', "lmu.theta"),
        ('kind = "lmu"\n[lmu]\ntau = 0.0\n', "lmu.tau"),
        ('kind = "lmu"\n[lmu]\ndt = 0.1\n', "lmu.dt"),
        ('kind = "lmu"\n[input]\nkind = "file"\npath = "gone.wav"\n', "input.path"),
    ],
)
def test_bad_spec_gives_one_line(tmp_path, text, fragment):
    out = tmp_path / "out"
    done = neurokit("scaling", bad_spec(tmp_path, text), "--neurons", 100, "--out", out)
    assert done.returncode == 2
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()


def test_plot_redraws_from_csv(tmp_path):
    out = tmp_path / "run"
    assert neurokit("scaling", "--neurons", 200, 400, "--seeds", 2, "--duration", 0.5,
                    "--neuron-types", "poisson", "--out", out).returncode == 0
    figure = tmp_path / "again.svg"
    done = neurokit("plot", out / "results.csv", "--out", figure)
    assert done.returncode == 0, done.stderr
    assert figure.read_text().startswith("<?xml")
    assert "nengo poisson" in done.stdout


@pytest.mark.parametrize(
    "content, fragment",
    [
        (None, "was not found"),
        ("a,b\n1,2\n", "missing backend"),
        ("backend,neuron_type\nnengo,poisson,extra\n", "does not match its header"),
    ],
)
def test_plot_rejects_bad_results(tmp_path, content, fragment):
    path = tmp_path / "results.csv"
    if content is not None:
        path.write_text(content)
    done = neurokit("plot", path, "--out", tmp_path / "fig.png")
    assert done.returncode == 2
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "fig.png").exists()


def test_bad_input_file_fails_before_output(tmp_path):
    (tmp_path / "sig.csv").write_text("t,x\n" + "\n".join(f"{k / 1000},{k % 7}" for k in range(3000)))
    spec = bad_spec(tmp_path, 'kind = "lmu"\n[input]\nkind = "file"\npath = "sig.csv"\n'
                              'column = "volts"\n')
    out = tmp_path / "out"
    done = neurokit("scaling", spec, "--neurons", 100, "--seeds", 1, "--out", out)
    assert done.returncode == 2
    assert "'volts' is not a column name" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_chip_limit_fails_before_output(tmp_path):
    out = tmp_path / "out"
    done = neurokit("scaling", "--backend", "loihi", "--neurons", 128, 20000, "--out", out)
    assert done.returncode == 2
    assert "use at most" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["deploy", "--seed", "-1"], "'-1' is negative"),
        (["scaling", "--neurons", "100", "--out", "{file}/sub"], "lies under the file"),
        (["deploy", "--out", "{file}"], "is a file"),
    ],
)
def test_bad_output_or_seed_gives_one_line(tmp_path, args, fragment):
    blocker = tmp_path / "afile"
    blocker.write_text("not a directory")
    args = [a.replace("{file}", str(blocker)) for a in args]
    done = neurokit(*args)
    assert done.returncode == 2
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_plot_rejects_same_file_twice(tmp_path):
    out = tmp_path / "run"
    assert neurokit("scaling", "--neurons", 100, 200, "--seeds", 1, "--duration", 0.3,
                    "--neuron-types", "rate", "--out", out).returncode == 0
    done = neurokit("plot", out / "results.csv", out / "results.csv", "--out", tmp_path / "f.png")
    assert done.returncode == 2
    assert "appears in both" in done.stderr
