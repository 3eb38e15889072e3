"""`neurokit train` and `neurokit gdu` as a user runs them."""

import csv
import io
import os
import re
import sys

import pytest

from neurokit import cli
from neurokit.cli import train
from neurokit.cli.paths import resolve_spec

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SMALL_SPEC = """
[network]
sizes = [64, 16, 10]

[dynamics]
T = 10
K = 4
beta = 0.2

[training]
epochs = 2
learning_rates = [0.1, 0.05]

[data]
limit_train = 100
limit_test = 50

[gdu]
T = 200
K = 5
batch_size = 2
"""


@pytest.fixture
def run_cli(monkeypatch):
    # Only the EP subcommands, so these tests do not depend on the others.
    monkeypatch.setattr(cli, "SUBCOMMANDS", {"train": "neurokit.cli.train", "gdu": "neurokit.cli.gdu"})
    return cli.main


@pytest.fixture
def small_spec(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_SPEC)
    return str(path)


def test_train_writes_csv_figure_and_weights(run_cli, small_spec, tmp_path, capsys):
    output = tmp_path / "out"
    assert run_cli(["train", small_spec, "-o", str(output), "--no-progress"]) == 0

    assert sorted(os.listdir(output)) == ["small-ep.csv", "small-ep.npz", "small-ep.png"]
    with open(output / "small-ep.csv", newline="") as stream:
        assert [row["epoch"] for row in csv.DictReader(stream)] == ["1", "2"]
    printed = capsys.readouterr().out
    assert "ep: 2 epochs, final train error" in printed


def test_train_both_algorithms_and_epoch_override(run_cli, small_spec, tmp_path, capsys):
    output = tmp_path / "out"
    assert run_cli(["train", small_spec, "-o", str(output), "--algorithm", "both", "--epochs", "1", "--no-progress"]) == 0
    expected = [f"small-{a}.{e}" for a in ("ep", "bptt") for e in ("csv", "npz", "png")]
    assert sorted(os.listdir(output)) == sorted(expected + ["small-ep-vs-bptt.png"])
    with open(output / "small-bptt.csv", newline="") as stream:
        assert [row["algorithm"] for row in csv.DictReader(stream)] == ["bptt"]


class TerminalStream(io.StringIO):
    def isatty(self):
        return True


def test_train_progress_bar_on_terminal_only(run_cli, small_spec, tmp_path, capsys, monkeypatch):
    assert run_cli(["train", small_spec, "-o", str(tmp_path / "a"), "--epochs", "1"]) == 0
    assert "batch" not in capsys.readouterr().err

    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run_cli(["train", small_spec, "-o", str(tmp_path / "b"), "--epochs", "1"]) == 0
    assert "batch" in terminal.getvalue()


def test_gdu_prints_table_and_writes_figure(run_cli, small_spec, tmp_path, capsys):
    assert run_cli(["gdu", small_spec, "-o", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "relative RMSE" in printed
    assert [line.split()[0] for line in printed.splitlines() if line.startswith(("s", "W", "b"))] == [
        "s1", "s2", "W0", "b0", "W1", "b1"]
    assert (tmp_path / "small-gdu.png").exists()


def test_default_spec_is_ep_digits():
    assert train.DEFAULT_SPEC == "networks/ep-digits.toml"
    assert os.path.isfile(os.path.join(REPOSITORY, train.DEFAULT_SPEC))


def test_default_spec_resolves_outside_repository(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert resolve_spec(train.DEFAULT_SPEC) == os.path.join(REPOSITORY, "networks", "ep-digits.toml")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["train", "absent.toml"], "spec file not found: absent.toml"),
        (["train", "{spec}", "--epochs", "0"], "--epochs 0 is invalid"),
        (["gdu", "{spec}", "--beta", "-1"], "--beta -1.0 is invalid"),
        (["gdu", "{spec}", "--weights", "absent.npz"], "weights file not found: absent.npz"),
        (["train", "{bad_spec}"], r"\[dynamics\] T: invalid value 0"),
        (["train", "{idx_spec}"], "dataset directory not found"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(run_cli, small_spec, tmp_path, capsys, arguments, message):
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text(SMALL_SPEC.replace("T = 10", "T = 0"))
    idx_spec = tmp_path / "idx.toml"
    idx_spec.write_text(SMALL_SPEC.replace("[data]", f'[data]\nsource = "idx"\ndirectory = "{tmp_path / "absent"}"'))
    arguments = [a.format(spec=small_spec, bad_spec=bad_spec, idx_spec=idx_spec) for a in arguments]

    assert run_cli(arguments + ["-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"neurokit {arguments[0]}: error: ")
    assert re.search(message, err[0])


def test_interrupted_train_keeps_csv_and_figure(run_cli, small_spec, tmp_path, monkeypatch, capsys):
    from neurokit.ep import training

    original = training.evaluate
    calls = []

    def evaluate_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "evaluate", evaluate_then_interrupt)
    output = tmp_path / "out"
    assert run_cli(["train", small_spec, "-o", str(output), "--no-progress"]) == 130

    assert sorted(os.listdir(output)) == ["small-ep.csv", "small-ep.npz", "small-ep.png"]
    with open(output / "small-ep.csv", newline="") as stream:
        assert [row["epoch"] for row in csv.DictReader(stream)] == ["1"]
    assert "interrupted" in capsys.readouterr().err


def test_gdu_warns_when_free_phase_unconverged(run_cli, tmp_path, capsys):
    # Five free steps leave the sigmoid network far from its fixed point.
    path = tmp_path / "short.toml"
    path.write_text(SMALL_SPEC.replace("[gdu]\nT = 200", "[gdu]\nT = 5"))
    assert run_cli(["gdu", str(path), "-o", str(tmp_path / "out")]) == 0
    assert "has not converged" in capsys.readouterr().out


def test_gdu_silent_when_converged(run_cli, small_spec, tmp_path, capsys):
    assert run_cli(["gdu", small_spec, "-o", str(tmp_path / "out")]) == 0
    assert "has not converged" not in capsys.readouterr().out


def test_rerun_moves_previous_results_aside(run_cli, small_spec, tmp_path):
    output = tmp_path / "out"
    assert run_cli(["train", small_spec, "-o", str(output), "--epochs", "1", "--no-progress"]) == 0
    first = (output / "small-ep.csv").read_text()
    assert run_cli(["train", small_spec, "-o", str(output), "--epochs", "1", "--no-progress"]) == 0
    previous = sorted(p.name for p in output.glob("small-ep-previous-*"))
    assert [name.rsplit(".", 1)[1] for name in previous] == ["csv", "npz", "png"]
    assert (output / previous[0]).read_text() == first


def test_bptt_with_k_above_t_fails_before_training(run_cli, tmp_path, capsys):
    path = tmp_path / "long_k.toml"
    assert "K = 4\n" in SMALL_SPEC
    path.write_text(SMALL_SPEC.replace("K = 4\n", "K = 40\n", 1))
    assert run_cli(["train", str(path), "-o", str(tmp_path / "out"), "--algorithm", "both"]) == 2
    assert "K = 40 exceeds T = 10" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_train_output_under_file(run_cli, small_spec, tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert run_cli(["train", small_spec, "-o", str(blocker / "out")]) == 2
    assert "lies under the file" in capsys.readouterr().err
