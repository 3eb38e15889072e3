"""EP spec loading: the shipped specs, and each kind of malformed spec."""

import copy
import os

import pytest

from neurokit.ep.build import build_model, check_compatible, load_dataset
from neurokit.ep.spec import load_spec, parse_spec
from neurokit.errors import DataError, SpecError

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = ["ep-digits.toml", "ep-digits-energy.toml", "ep-fashion.toml", "ep-conv-fashion.toml"]

VALID = {
    "network": {"sizes": [64, 32, 10]},
    "training": {"learning_rates": [0.1, 0.05]},
}


def modified(section, key, value):
    raw = copy.deepcopy(VALID)
    raw.setdefault(section, {})[key] = value
    return raw


@pytest.mark.parametrize("name", SPECS)
def test_shipped_spec_loads_and_builds(name):
    spec = load_spec(os.path.join(REPOSITORY, "networks", name))
    model = build_model(spec)
    assert model.n_layers == len(spec.training["learning_rates"])


def test_fashion_spec_matches_reference_hyperparameters():
    spec = load_spec(os.path.join(REPOSITORY, "networks", "ep-fashion.toml"))
    assert spec.network["sizes"] == [784, 512, 10]
    assert (spec.dynamics["T"], spec.dynamics["K"], spec.dynamics["beta"]) == (40, 15, 0.1)
    assert spec.training["batch_size"] == 20
    assert spec.training["learning_rates"] == [0.08, 0.04]


def test_digits_spec_fits_digits_data():
    spec = load_spec(os.path.join(REPOSITORY, "networks", "ep-digits.toml"))
    check_compatible(build_model(spec), load_dataset(spec))


def test_defaults_fill_missing_keys():
    spec = parse_spec(VALID)
    assert spec.dynamics == {"T": 40, "K": 15, "beta": 0.1, "symmetric": False}
    assert spec.data["source"] == "digits"


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        ("network", "size", [64, 10], r"\[network\] size: unknown key; valid keys are"),
        ("network", "sizes", [64], r"\[network\] sizes: invalid value \[64\]"),
        ("network", "sizes", [64, 0, 10], r"\[network\] sizes: invalid value"),
        ("network", "activation", "relu", r"\[network\] activation: invalid value 'relu'; use \"sigmoid\""),
        ("network", "epsilon", 1.5, r"\[network\] epsilon: invalid value 1.5; use a step size in \(0, 1\]"),
        ("dynamics", "T", 0, r"\[dynamics\] T: invalid value 0; use an integer >= 1"),
        ("dynamics", "K", 2.5, r"\[dynamics\] K: invalid value 2.5"),
        ("dynamics", "beta", -0.1, r"\[dynamics\] beta: invalid value -0.1; use a number > 0"),
        ("dynamics", "symmetric", "yes", r"\[dynamics\] symmetric: invalid value 'yes'; use true or false"),
        ("training", "algorithm", "adam", r"\[training\] algorithm: invalid value 'adam'"),
        ("training", "epochs", True, r"\[training\] epochs: invalid value True"),
        ("training", "learning_rates", [0.1], r"\[training\] learning_rates: has 1 entries but the network has 2"),
        ("training", "learning_rates", [0.1, -1.0], r"\[training\] learning_rates: invalid value"),
        ("training", "bptt_steps", 100, r"\[training\] bptt_steps: 100 exceeds T = 40"),
        ("data", "source", "cifar", r"\[data\] source: invalid value 'cifar'"),
        ("data", "test_fraction", 1.0, r"\[data\] test_fraction: invalid value 1.0"),
        ("gdu", "beta", 0, r"\[gdu\] beta: invalid value 0"),
    ],
)
def test_invalid_field_names_field_and_fix(section, key, value, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(modified(section, key, value))


def test_unknown_table():
    with pytest.raises(SpecError, match=r"unknown table \[optimizer\]; valid tables are network"):
        parse_spec({**VALID, "optimizer": {}})


def test_table_must_be_a_table():
    with pytest.raises(SpecError, match="dynamics must be a table"):
        parse_spec({**VALID, "dynamics": 3})


def test_missing_sizes():
    with pytest.raises(SpecError, match=r"\[network\] sizes: missing"):
        parse_spec({"training": {"learning_rates": [0.1]}})


def test_missing_learning_rates():
    with pytest.raises(SpecError, match=r"\[training\] learning_rates: missing; give 2 learning rates"):
        parse_spec({"network": {"sizes": [4, 3, 2]}})


def test_idx_source_needs_directory():
    with pytest.raises(SpecError, match=r"\[data\] directory: missing"):
        parse_spec(modified("data", "source", "idx"))


def test_conv_rejects_sizes_and_energy_setting():
    raw = {"network": {"architecture": "conv", "sizes": [784, 10]}, "training": {"learning_rates": [1, 1, 1]}}
    with pytest.raises(SpecError, match=r"\[network\] sizes: applies to mlp only"):
        parse_spec(raw)
    raw = {"network": {"architecture": "conv", "setting": "energy"}, "training": {"learning_rates": [1, 1, 1]}}
    with pytest.raises(SpecError, match=r"\[network\] setting: the conv architecture supports only"):
        parse_spec(raw)


def test_conv_with_untileable_input_raises_spec_error():
    raw = {"network": {"architecture": "conv", "input_shape": [27, 27, 1]}, "training": {"learning_rates": [1, 1, 1]}}
    with pytest.raises(SpecError, match="2x2 pooling cannot tile"):
        build_model(parse_spec(raw))


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(str(tmp_path / "absent.toml"))


def test_invalid_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[network\nsizes = [1, 2]\n")
    with pytest.raises(SpecError, match="invalid TOML"):
        load_spec(str(path))


def test_data_and_network_size_mismatch():
    spec = parse_spec(modified("network", "sizes", [100, 32, 10]))
    with pytest.raises(DataError, match="digits images have 64 pixels but the network input has 100 units"):
        check_compatible(build_model(spec), load_dataset(spec))


def test_too_few_output_units():
    spec = parse_spec(modified("network", "sizes", [64, 32, 5]))
    with pytest.raises(DataError, match="digits has 10 classes but the network output has 5 units"):
        check_compatible(build_model(spec), load_dataset(spec))
