"""Load and validate EP network specs (TOML).

A spec has five tables. Every key is optional except ``network.sizes`` for
the layered architecture and ``training.learning_rates``, and an unknown key or an out-of-range value raises
SpecError naming the field and the accepted values.

[network]   architecture, sizes (mlp), input_shape, channels, kernel, n_outputs
            (conv), setting, activation, epsilon, init_gain, seed
[dynamics]  T, K, beta, symmetric
[training]  algorithm, epochs, batch_size, learning_rates, bptt_steps, seed
[data]      source, directory, test_fraction, limit_train, limit_test, split_seed
[gdu]       T, K, beta, batch_size, n_plot
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib

from neurokit.errors import SpecError

logger = logging.getLogger(__name__)

# The spec used when the command line is given none. It ships in networks/.
DEFAULT_SPEC = "networks/ep-digits.toml"


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _optional_positive_int(value):
    return value is None or _positive_int(value)


def _positive_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _choice(*options):
    def check(value):
        return value in options

    check.options = options
    return check


# Each field: (default, check, description of the accepted values).
SCHEMA = {
    "network": {
        "architecture": ("mlp", _choice("mlp", "conv"), '"mlp" (fully connected) or "conv"'),
        "sizes": (None, lambda v: isinstance(v, list) and len(v) >= 2 and all(_positive_int(n) for n in v),
                  "a list of at least 2 positive integers: input size, hidden sizes..., output size"),
        "input_shape": ([28, 28, 1], lambda v: isinstance(v, list) and len(v) == 3 and all(_positive_int(n) for n in v),
                        "[height, width, channels] of the input images (conv only)"),
        "channels": ([32, 64], lambda v: isinstance(v, list) and len(v) == 2 and all(_positive_int(n) for n in v),
                     "a list of 2 positive integers: output channels of the two conv layers (conv only)"),
        "kernel": (5, _positive_int, "an integer >= 1: the side of the square conv kernels (conv only)"),
        "n_outputs": (10, _positive_int, "an integer >= 1: output units (conv only; mlp uses sizes)"),
        "setting": ("prototypical", _choice("prototypical", "energy"), '"prototypical" or "energy"'),
        "activation": ("sigmoid", _choice("sigmoid", "hard_sigmoid", "identity"), '"sigmoid", "hard_sigmoid" or "identity"'),
        "epsilon": (0.5, lambda v: _positive_number(v) and v <= 1, "a step size in (0, 1] (energy setting only)"),
        "init_gain": (1.0, _positive_number, "a number > 0 scaling the uniform +-1/sqrt(fan_in) initialization"),
        "seed": (0, lambda v: isinstance(v, int) and v >= 0, "an integer >= 0"),
    },
    "dynamics": {
        "T": (40, _positive_int, "an integer >= 1 (free-phase steps)"),
        "K": (15, _positive_int, "an integer >= 1 (nudged-phase steps)"),
        "beta": (0.1, _positive_number, "a number > 0 (nudging strength)"),
        "symmetric": (False, lambda v: isinstance(v, bool), "true or false"),
    },
    "training": {
        "algorithm": ("ep", _choice("ep", "bptt"), '"ep" or "bptt"'),
        "epochs": (10, _positive_int, "an integer >= 1"),
        "batch_size": (20, _positive_int, "an integer >= 1 (samples per update)"),
        "learning_rates": (None, lambda v: isinstance(v, list) and len(v) >= 1 and all(_positive_number(r) for r in v),
                           "a list of numbers > 0, one per weight layer from input to output"),
        "bptt_steps": (None, _optional_positive_int, "an integer between 1 and T (default K: the last K steps; T gives full BPTT)"),
        "seed": (0, lambda v: isinstance(v, int) and v >= 0, "an integer >= 0 (shuffling order)"),
    },
    "data": {
        "source": ("digits", _choice("digits", "idx"), '"digits" (scikit-learn) or "idx" (MNIST-style directory)'),
        "directory": (None, lambda v: isinstance(v, str) and v != "", "a directory path of IDX files"),
        "test_fraction": (0.2, lambda v: _positive_number(v) and v < 1, "a fraction in (0, 1) (digits only)"),
        "limit_train": (None, _optional_positive_int, "an integer >= 1 or absent for all images"),
        "limit_test": (None, _optional_positive_int, "an integer >= 1 or absent for all images"),
        "split_seed": (0, lambda v: isinstance(v, int) and v >= 0, "an integer >= 0 (digits train/test split)"),
    },
    "gdu": {
        "T": (None, _optional_positive_int, "an integer >= 1 (default: dynamics.T)"),
        "K": (None, _optional_positive_int, "an integer >= 1 (default: dynamics.K)"),
        "beta": (1e-4, _positive_number, "a number > 0; small values approach the beta -> 0 limit"),
        "batch_size": (8, _positive_int, "an integer >= 1 (samples compared)"),
        "n_plot": (3, _positive_int, "an integer >= 1 (components plotted per layer)"),
    },
}


@dataclasses.dataclass
class EPSpec:
    """A validated EP spec: one dict of values per table, defaults filled in."""

    network: dict
    dynamics: dict
    training: dict
    data: dict
    gdu: dict
    path: str = "<dict>"


def _fail(path, section, key, message):
    raise SpecError(f"{path}: [{section}] {key}: {message}")


def parse_spec(raw, path="<dict>"):
    """Validate a spec given as nested dicts and return an EPSpec."""
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: a spec must be a table of tables, got {type(raw).__name__}")
    for section in raw:
        if section not in SCHEMA:
            raise SpecError(f"{path}: unknown table [{section}]; valid tables are {', '.join(SCHEMA)}")

    values = {}
    for section, fields in SCHEMA.items():
        section_values = raw.get(section, {})
        if not isinstance(section_values, dict):
            raise SpecError(f"{path}: {section} must be a table [{section}], got {type(section_values).__name__}")
        for key in section_values:
            if key not in fields:
                _fail(path, section, key, f"unknown key; valid keys are {', '.join(fields)}")
        values[section] = {}
        for key, (default, check, accepted) in fields.items():
            value = section_values.get(key, default)
            if key in section_values and not check(value):
                _fail(path, section, key, f"invalid value {value!r}; use {accepted}")
            values[section][key] = value

    spec = EPSpec(values["network"], values["dynamics"], values["training"], values["data"], values["gdu"], path)
    _check_consistency(spec)
    return spec


def _check_consistency(spec):
    path = spec.path
    net, dyn, train, data = spec.network, spec.dynamics, spec.training, spec.data

    if net["architecture"] == "mlp" and net["sizes"] is None:
        _fail(path, "network", "sizes", "missing; give the layer sizes, e.g. sizes = [64, 128, 10]")
    if net["architecture"] == "conv" and net["setting"] != "prototypical":
        _fail(path, "network", "setting", 'the conv architecture supports only "prototypical"')
    if net["architecture"] == "conv" and net["sizes"] is not None:
        _fail(path, "network", "sizes", "applies to mlp only; the conv network takes input_shape, channels and n_outputs")
    n_weight_layers = 3 if net["architecture"] == "conv" else len(net["sizes"]) - 1

    rates = train["learning_rates"]
    if rates is None:
        _fail(path, "training", "learning_rates", f"missing; give {n_weight_layers} learning rates, one per weight layer")
    if len(rates) != n_weight_layers:
        _fail(path, "training", "learning_rates",
              f"has {len(rates)} entries but the network has {n_weight_layers} weight layers; give one rate per layer")
    if train["bptt_steps"] is not None and train["bptt_steps"] > dyn["T"]:
        _fail(path, "training", "bptt_steps", f"{train['bptt_steps']} exceeds T = {dyn['T']}; use at most T")
    if data["source"] == "idx" and data["directory"] is None:
        _fail(path, "data", "directory", 'missing; source = "idx" needs the directory of the IDX files')


def load_spec(path):
    """Read a TOML spec file and validate it."""
    if not os.path.isfile(path):
        raise SpecError(f"spec file not found: {path}")
    try:
        with open(path, "rb") as stream:
            raw = tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: invalid TOML: {error}") from error
    spec = parse_spec(raw, path)
    logger.info("loaded EP spec %s", path)
    return spec
