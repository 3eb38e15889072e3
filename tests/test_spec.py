"""Spec loading and validation: each bad value gets one error naming the field."""

import pytest

from neurokit.errors import SpecError
from neurokit.spec import DEFAULT_SPEC, InputSpec, LMUSpec, load_spec

VALID = """
kind = "lmu"
[lmu]
order = 4
theta = 0.2
tau = 0.02
dt = 0.001
delays = [0.0, 0.2]
[population]
n_neurons = 1000
[input]
kind = "sine"
frequency = 3.0
[run]
duration = 1.0
settle = 0.3
"""


def write(tmp_path, text, name="spec.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_default_spec_loads():
    spec = load_spec()
    assert spec.order == 6
    assert spec.theta == 0.1
    assert spec.name == DEFAULT_SPEC.stem


def test_valid_spec_values_reach_fields(tmp_path):
    spec = load_spec(write(tmp_path, VALID))
    assert (spec.order, spec.theta, spec.tau, spec.dt) == (4, 0.2, 0.02, 0.001)
    assert spec.delays == (0.0, 0.2)
    assert spec.input.kind == "sine"
    assert spec.input.frequency == 3.0
    assert spec.n_steps == 1000


def test_overrides_are_validated():
    with pytest.raises(SpecError, match="n_neurons"):
        load_spec(n_neurons=3)


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("order = 4", "order = 0", "lmu.order"),
        ("theta = 0.2", "theta = 0.0", "lmu.theta"),
        ("theta = 0.2", "theta = -1.0", "lmu.theta"),
        ("tau = 0.02", "tau = 0.0", "lmu.tau"),
        ("dt = 0.001", "dt = 0.02", "lmu.dt"),
        ("dt = 0.001", "dt = 0.05", "lmu.dt"),
        ("n_neurons = 1000", "n_neurons = 6", "population.n_neurons"),
        ("n_neurons = 1000", "n_neurons = 1001", "population.n_neurons"),
        ("delays = [0.0, 0.2]", "delays = [0.5]", "lmu.delays"),
        ('kind = "sine"', 'kind = "square"', "input.kind"),
        ("settle = 0.3", "settle = 2.0", "run.settle"),
        ("order = 4", 'order = "four"', "lmu.order"),
    ],
)
def test_invalid_value_names_field(tmp_path, old, new, field):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(SpecError, match=field.replace(".", r"\.")) as info:
        load_spec(path)
    assert "\n" not in str(info.value)


def test_unknown_key_lists_valid_keys(tmp_path):
    path = write(tmp_path, VALID.replace("order = 4", "ordr = 4"))
    with pytest.raises(SpecError, match="unknown key 'lmu.ordr'.*order"):
        load_spec(path)


def test_unknown_section_is_rejected(tmp_path):
    path = write(tmp_path, VALID + "\n[extras]\nfoo = 1\n")
    with pytest.raises(SpecError, match="unknown key 'extras'"):
        load_spec(path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "absent.toml")


def test_malformed_toml(tmp_path):
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(write(tmp_path, "[lmu\norder = 4\n"))


def test_missing_input_file(tmp_path):
    text = VALID.replace('kind = "sine"', 'kind = "file"\npath = "nothere.csv"')
    with pytest.raises(SpecError, match="input.path.*not found"):
        load_spec(write(tmp_path, text))


def test_input_path_is_relative_to_spec(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "signal.csv").write_text("t,v\n0,1\n0.001,2\n")
    text = VALID.replace('kind = "sine"', 'kind = "file"\npath = "data/signal.csv"')
    spec = load_spec(write(tmp_path, text))
    assert spec.input.path == str(tmp_path / "data" / "signal.csv")


def test_python_construction_is_validated():
    with pytest.raises(SpecError, match="lmu.tau"):
        LMUSpec(tau=-0.1)
    with pytest.raises(SpecError, match="too few"):
        LMUSpec(order=10, n_neurons=10)


def test_band_above_nyquist_is_rejected():
    with pytest.raises(SpecError, match="Nyquist"):
        load_spec(input=InputSpec(band=600.0))
    with pytest.raises(SpecError, match="Nyquist"):
        load_spec(input=InputSpec(kind="sine", frequency=500.0))
