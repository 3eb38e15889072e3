"""Scaling sweeps: stored rows, reproducibility and interrupted runs."""

import csv

import pytest

import neurokit as nk
from neurokit.errors import SpecError
from neurokit.sweeps import plan_runs, read_results, run_scaling

SMALL = dict(duration=0.4, settle=0.1)


def test_parallel_sweep_matches_serial(tmp_path):
    spec = nk.load_spec(**SMALL)
    serial = run_scaling(spec, [100, 200], 2, tmp_path / "serial", neuron_types=["poisson"])
    parallel = run_scaling(spec, [100, 200], 2, tmp_path / "parallel",
                           neuron_types=["poisson"], jobs=2)

    def key(row):
        return (row["n_neurons"], row["seed"])

    assert len(parallel) == len(serial) == 4
    for a, b in zip(sorted(serial, key=key), sorted(parallel, key=key)):
        assert a["nrmse"] == b["nrmse"]
        assert a["state_nrmse"] == b["state_nrmse"]


def test_interrupted_sweep_keeps_finished_rows(tmp_path):
    spec = nk.load_spec(**SMALL)
    finished = []

    def stop_after_two(row):
        finished.append(row)
        if len(finished) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scaling(spec, [100, 200], 2, tmp_path, neuron_types=["poisson"],
                    progress=stop_after_two)

    assert not (tmp_path / "results.csv").exists()
    with (tmp_path / "results.csv.partial").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert [float(r["nrmse"]) for r in rows] == [r["nrmse"] for r in finished]


def test_results_round_trip(tmp_path):
    spec = nk.load_spec(**SMALL)
    rows = run_scaling(spec, [100], 1, tmp_path, neuron_types=["rate"])
    again = read_results(tmp_path / "results.csv")
    assert again[0]["n_neurons"] == 100
    assert again[0]["nrmse"] == pytest.approx(rows[0]["nrmse"])


def test_plan_rejects_bad_sweeps():
    spec = nk.load_spec(**SMALL)
    with pytest.raises(SpecError, match="no neuron counts"):
        plan_runs(spec, ["nengo"], ["poisson"], [], 1)
    with pytest.raises(SpecError, match="seeds = 0"):
        plan_runs(spec, ["nengo"], ["poisson"], [100], 0)
    with pytest.raises(SpecError, match="backend 'truenorth'"):
        plan_runs(spec, ["truenorth"], ["poisson"], [100], 1)


def test_unstable_euler_step_is_rejected():
    with pytest.raises(SpecError, match="unstable"):
        nk.simulate(theta=0.002, tau=0.005, dt=0.001, discretization="euler",
                    delays=[0.0], n_neurons=100, duration=0.5)


def test_repeated_counts_and_backends_run_once():
    spec = nk.load_spec(**SMALL)
    runs = plan_runs(spec, ["nengo", "nengo"], ["rate", "rate"], [200, 100, 200], 2)
    assert runs == [("nengo", "rate", 100, 0), ("nengo", "rate", 100, 1),
                    ("nengo", "rate", 200, 0), ("nengo", "rate", 200, 1)]


def test_new_sweep_keeps_interrupted_rows(tmp_path):
    spec = nk.load_spec(**SMALL)
    (tmp_path / "results.csv.partial").write_text("network,backend\nlmu,nengo\n")
    run_scaling(spec, [100], 1, tmp_path, neuron_types=["rate"])
    kept = list(tmp_path.glob("results-interrupted-*.csv"))
    assert len(kept) == 1
    assert kept[0].read_text() == "network,backend\nlmu,nengo\n"
    assert (tmp_path / "results.csv").exists()
