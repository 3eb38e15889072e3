"""The Loihi emulator backend, hardware profiles and `neurokit deploy`."""

import json
import re

import numpy as np
import pytest

from neurokit.analysis import evaluate
from neurokit.backends.loihi import (
    AnalogLoihiBackend, LoihiBackend, LoihiReferenceBackend, block_resources, plan_cores,
)
from neurokit.cli import main
from neurokit.errors import HardwareLimitError, SpecError
from neurokit.hardware import load_profile, parse_profile
from neurokit.spec import load_spec
from neurokit.task import build_task

# A small recurrent LMU: d = 3, τ = 10 ms, short enough for the emulator.
SMALL = {"order": 3, "tau": 0.01, "duration": 0.6, "settle": 0.1}


def small_task(n_neurons, seed=0):
    return build_task(load_spec(n_neurons=n_neurons, **SMALL), seed)


def no_mismatch(profile):
    return profile.replace(gain_std=0.0, bias_std=0.0, tau_std=0.0, temporal_noise=0.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_emulator_error_within_2_5x_reference(seed):
    # Measured state-NRMSE ratios for m = 128 and 256 were 1.0 to 1.3 over
    # seeds 0-4. A plain nengo-loihi build through decode neurons measured
    # 4 to 6 (scripts/benchmark_loihi.py).
    task = small_task(128, seed)
    chip = evaluate(LoihiBackend().run(task, 128), task.spec.settle)
    reference = evaluate(LoihiReferenceBackend().run(task, 128), task.spec.settle)

    # The reference itself must work: measured 0.10 to 0.13 at m = 128.
    assert reference["state_nrmse"] < 0.3
    assert chip["state_nrmse"] <= 2.5 * reference["state_nrmse"]
    assert chip["nrmse"] <= 2.5 * reference["nrmse"]


def test_zero_reset_slope_correction_reduces_error():
    # Measured at 200 Hz, m = 256, seeds 0-2: state NRMSE 0.27 to 0.35
    # without the correction and 0.10 with it (ratios 0.29 to 0.37).
    task = build_task(load_spec(n_neurons=256, **SMALL), 0)
    corrected = evaluate(LoihiBackend().run(task, 256), task.spec.settle)
    plain = evaluate(LoihiBackend(compensate_reset=False).run(task, 256), task.spec.settle)

    assert corrected["state_nrmse"] < 0.6 * plain["state_nrmse"]


def test_resource_report_matches_blocks():
    backend = LoihiBackend()
    result = backend.run(small_task(512), 512)
    blocks = list(backend.last_model.blocks)

    # 512² weights exceed one core's synapse memory, so the block is split.
    assert len(blocks) == plan_cores(512, backend.profile)[1] > 1
    assert result.extra["cores"] == len(blocks)
    assert sum(b.compartment.n_compartments for b in blocks) == 512
    for core, block in zip(result.extra["resources"], blocks):
        assert core["compartments"] == block.compartment.n_compartments
        assert core["input_axons"] == sum(s.n_axons for s in block.synapses)
        assert core["output_axons"] == sum(a.axon_slots() for a in block.axons)
        assert core["synapse_bits"] == sum(s.bits() for s in block.synapses)
        assert core["synapse_bits"] <= core["synapse_bits_max"] == 16384 * 64
    assert block_resources(blocks) == result.extra["resources"]


def test_analog_without_mismatch_reproduces_digital():
    task = small_task(128)
    digital = LoihiBackend("loihi").run(task, 128)
    analog = AnalogLoihiBackend(no_mismatch(load_profile("analog"))).run(task, 128)
    with_mismatch = AnalogLoihiBackend("analog").run(task, 128)

    np.testing.assert_array_equal(analog.state, digital.state)
    assert analog.extra["synops"] == digital.extra["synops"]
    assert not np.array_equal(with_mismatch.state, digital.state)
    # Energy differs only by the cost per synaptic operation.
    assert analog.extra["energy_j"] == pytest.approx(digital.extra["energy_j"] * 0.38 / 24)


def test_network_over_chip_limits_rejected():
    # 4000² weights of at least 8 bits need at least 122 cores of 2^20 bits.
    with pytest.raises(HardwareLimitError) as error:
        LoihiBackend().run(small_task(4000), 4000)
    message = str(error.value)
    assert "for their synapse memory, but loihi has 128 cores" in message
    cores = int(re.search(r"need (\d+) cores", message).group(1))
    assert 128 < cores <= 140
    # m²·8 bits <= 128 cores·2^20 bits gives m <= 4096.
    largest = int(re.search(r"use at most (\d+) neurons", message).group(1))
    assert 3500 <= largest < 4000


def test_network_over_input_axons_rejected():
    # Every core receives all m recurrent axons, and a core has 4096.
    with pytest.raises(HardwareLimitError, match="m = 6000 neurons need more input axons "
                       "than one core has, but loihi has 128 cores"):
        LoihiBackend().run(small_task(6000), 6000)


def test_network_over_small_core_budget_rejected():
    profile = load_profile("loihi").replace(cores_per_chip=2)
    with pytest.raises(HardwareLimitError, match="m = 512 neurons need 3 cores for their "
                       "synapse memory, but loihi has 2 cores"):
        LoihiBackend(profile).run(small_task(512), 512)


def test_weights_destroyed_by_quantization_rejected():
    profile = load_profile("loihi").replace(weight_bits=2)
    with pytest.raises(HardwareLimitError, match="rounding the recurrent weights to 2 bits"):
        LoihiBackend(profile).run(small_task(128), 128)


def test_rate_neurons_rejected_on_chip():
    with pytest.raises(SpecError, match="'rate' cannot run on Loihi"):
        LoihiBackend().run(small_task(128), 128, neuron_type="rate")


def test_scaling_rate_on_loihi_rejected_before_writing(tmp_path, capsys):
    status = main(["scaling", "--backend", "loihi", "--neuron-types", "poisson,rate",
                   "--neurons", "128", "--seeds", "1", "--out", str(tmp_path / "out")])

    assert status == 2
    assert "backend 'loihi' cannot run neuron type 'rate'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_shipped_profiles_name_every_source():
    for name, synop_pj in (("loihi", 24.0), ("analog", 0.38)):
        profile = load_profile(name)
        assert profile.synop_pj == synop_pj
        assert len(profile.sources) == 15
        assert all(source.strip() for source in profile.sources.values())
    assert not load_profile("loihi").has_mismatch
    assert load_profile("analog").has_mismatch


def _profile_data():
    with open(load_profile("loihi").path, "rb") as handle:
        import tomllib
        return tomllib.load(handle)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["chip"].update(cores=1), "unknown key 'chip.cores'"),
    (lambda d: d.update(speed=1), "unknown key 'speed'"),
    (lambda d: d["chip"]["weight_bits"].update(value=16), r"chip.weight_bits = 16 is out of range"),
    (lambda d: d["mismatch"]["gain_std"].update(value=-0.1), r"mismatch.gain_std = -0.1 is out"),
    (lambda d: d["energy"]["synop_pj"].pop("source"), "must be a table"),
    (lambda d: d["energy"]["synop_pj"].update(source=" "), "synop_pj.source .* is empty"),
    (lambda d: d["chip"].pop("cores_per_chip"), "chip.cores_per_chip is missing"),
    (lambda d: d["chip"]["neuron_type"].update(value="Poisson"), "'Poisson' .* cannot run"),
    (lambda d: d.update(kind="quantum"), "kind = 'quantum' .* is invalid"),
])
def test_profile_validation_names_field(edit, message):
    data = _profile_data()
    edit(data)
    with pytest.raises(SpecError, match=message):
        parse_profile(data, "bad.toml")


def test_unknown_profile_name_lists_choices():
    with pytest.raises(SpecError, match="'nope' was not found; .* analog, loihi"):
        load_profile("nope")


def test_deploy_cli_writes_report(tmp_path, capsys):
    status = main(["deploy", "--neurons", "128", "--duration", "0.5", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "deploy-lmu-loihi.json").read_text())
    output = capsys.readouterr().out

    assert status == 0
    assert report["cores"] == len(report["resources"]) == 1
    assert report["ratio"]["nrmse"] == pytest.approx(
        report["nrmse"]["emulator"] / report["nrmse"]["reference"])
    assert "Voelker" in report["energy"]["source"]
    assert "energy (estimate)" in output
    assert not list(tmp_path.glob("*.partial"))


def test_deploy_cli_bad_profile_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "digital"\n[chip]\nsize = { value = 1, source = "x" }\n')
    status = main(["deploy", "--hardware", str(bad), "--out", str(tmp_path)])
    error = capsys.readouterr().err

    assert status == 2
    assert error.count("\n") == 1
    assert "unknown key 'chip.size' in bad.toml" in error
