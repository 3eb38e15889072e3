"""Hardware profiles: a chip's limits, costs and analog errors, loaded from TOML.

A profile is a TOML file in ``hardware/`` (``loihi.toml`` for the digital
chip, ``analog.toml`` for an analog stand-in). Every value is a table
``{ value = ..., source = "..." }`` so that each limit and cost names where it
comes from. Unknown keys, missing sources and out-of-range values raise
SpecError naming the field.
"""

import dataclasses
import math
import tomllib
from pathlib import Path

from neurokit.errors import SpecError

HARDWARE_DIR = Path(__file__).resolve().parent.parent / "hardware"

KINDS = ("digital", "analog")
# Neuron types that nengo-loihi 1.1.0 builds onto compartments
# (nengo_loihi/builder/ensemble.py registers LIF and SpikingRectifiedLinear,
# and RegularSpiking over LIFRate or RectifiedLinear).
CHIP_NEURON_TYPES = ("SpikingRectifiedLinear", "LIF")

# Section -> key -> (type, minimum, maximum). Integers are counts, floats are
# relative standard deviations or costs; None means unbounded.
_SCHEMA = {
    "chip": {
        "neuron_type": (str, None, None),
        "cores_per_chip": (int, 1, None),
        "chips": (int, 1, None),
        "compartments_per_core": (int, 1, None),
        "input_axons_per_core": (int, 1, None),
        "output_axons_per_core": (int, 1, None),
        "synapse_bits_per_core": (int, 1, None),
        "weight_bits": (int, 2, 8),
        "max_rate": (float, 1.0, 1000.0),
    },
    "energy": {
        "synop_pj": (float, 0.0, None),
    },
    "mismatch": {
        "gain_std": (float, 0.0, 1.0),
        "bias_std": (float, 0.0, 1.0),
        "tau_std": (float, 0.0, 1.0),
        "temporal_noise": (float, 0.0, 10.0),
        "seed": (int, 0, None),
    },
}
_TOP_LEVEL = ("name", "kind", "description")


@dataclasses.dataclass(frozen=True)
class HardwareProfile:
    """A validated hardware profile; ``sources`` maps "section.key" to its source."""

    name: str
    kind: str
    description: str
    neuron_type: str
    cores_per_chip: int
    chips: int
    compartments_per_core: int
    input_axons_per_core: int
    output_axons_per_core: int
    synapse_bits_per_core: int
    weight_bits: int
    max_rate: float  # Hz, cap on the spec's max_rate (rate at e·x = radius) on this chip
    synop_pj: float  # pJ per synaptic operation (an estimate)
    gain_std: float = 0.0  # relative std of each neuron's gain, fixed per chip
    bias_std: float = 0.0  # relative std of each neuron's bias, fixed per chip
    tau_std: float = 0.0  # relative std of each neuron's synaptic tau
    temporal_noise: float = 0.0  # amplitude of uniform voltage noise per step, in thresholds
    seed: int = 0  # seed of the fixed mismatch pattern
    sources: dict = dataclasses.field(default_factory=dict)
    path: str | None = None

    @property
    def max_cores(self):
        return self.cores_per_chip * self.chips

    @property
    def has_mismatch(self):
        return any((self.gain_std, self.bias_std, self.tau_std, self.temporal_noise))

    def replace(self, **changes):
        """Return a copy with some values changed, each checked against its range."""
        for key, value in changes.items():
            section = _section_of(key)
            if section is not None:
                _check_value(f"{section}.{key}", value, *_SCHEMA[section][key])
        return dataclasses.replace(self, **changes)

    def source(self, key):
        """Return the source string of a value, e.g. ``source("synop_pj")``."""
        return self.sources[f"{_section_of(key)}.{key}"]


def resolve_profile_path(name_or_path):
    """Return the profile file for a path or a name in ``hardware/`` (e.g. "loihi")."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    candidate = HARDWARE_DIR / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(p.stem for p in HARDWARE_DIR.glob("*.toml")))
    raise SpecError(
        f"hardware profile {str(name_or_path)!r} was not found; give a TOML path or "
        f"one of: {known}"
    )


def load_profile(name_or_path="loihi"):
    """Load and validate a hardware profile by name or path."""
    path = resolve_profile_path(name_or_path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"hardware profile {str(path)!r} is not valid TOML: {error}") from None
    return parse_profile(data, filename=path.name, path=str(path))


def parse_profile(data, filename="<profile>", path=None):
    """Validate the dict of a parsed profile TOML and return a HardwareProfile."""
    values = {"name": Path(filename).stem, "description": "", "sources": {}, "path": path}
    for key, value in data.items():
        if key in _TOP_LEVEL:
            values[key] = str(value)
        elif key in _SCHEMA:
            values.update(_parse_section(key, value, filename, values["sources"]))
        else:
            valid = ", ".join(list(_TOP_LEVEL) + list(_SCHEMA))
            raise SpecError(f"unknown key {key!r} in {filename}; valid keys here are: {valid}")

    if values.get("kind") not in KINDS:
        raise SpecError(
            f"kind = {values.get('kind')!r} in {filename} is invalid; use one of: "
            f"{', '.join(KINDS)}"
        )
    required = [key for section in ("chip", "energy") for key in _SCHEMA[section]]
    missing = [k for k in required if k not in values]
    if missing:
        section = _section_of(missing[0])
        raise SpecError(f"{section}.{missing[0]} is missing in {filename}; add "
                        f"{missing[0]} = {{ value = ..., source = \"...\" }} under [{section}]")
    if values["neuron_type"] not in CHIP_NEURON_TYPES:
        raise SpecError(
            f"chip.neuron_type = {values['neuron_type']!r} in {filename} cannot run on "
            f"Loihi; use one of: {', '.join(CHIP_NEURON_TYPES)}"
        )
    return HardwareProfile(**values)


def _parse_section(section, table, filename, sources):
    if not isinstance(table, dict):
        raise SpecError(f"[{section}] in {filename} must be a table of keys")
    values = {}
    for key, entry in table.items():
        field = f"{section}.{key}"
        if key not in _SCHEMA[section]:
            valid = ", ".join(_SCHEMA[section])
            raise SpecError(f"unknown key {field!r} in {filename}; valid keys here are: {valid}")
        if not isinstance(entry, dict) or set(entry) != {"value", "source"}:
            raise SpecError(
                f"{field} in {filename} must be a table {{ value = ..., source = \"...\" }} "
                "that names where the value comes from"
            )
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            raise SpecError(f"{field}.source in {filename} is empty; name the value's source")
        value = entry["value"]
        kind = _SCHEMA[section][key][0]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        _check_value(field, value, *_SCHEMA[section][key])
        values[key] = value
        sources[field] = entry["source"]
    return values


def _check_value(field, value, kind, minimum, maximum):
    if kind is str:
        if not isinstance(value, str):
            raise SpecError(f"{field} = {value!r} is not a string; give a name in quotes")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{field} = {value!r} is not a number; give a {kind.__name__}")
    if kind is int and not isinstance(value, int):
        raise SpecError(f"{field} = {value!r} is not an integer; give a whole number")
    if not math.isfinite(value):
        raise SpecError(f"{field} = {value!r} is not finite; give a finite number")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        upper = "inf" if maximum is None else f"{maximum}"
        raise SpecError(f"{field} = {value!r} is out of range; use a value in [{minimum}, {upper}]")


def _section_of(key):
    for section, keys in _SCHEMA.items():
        if key in keys:
            return section
    return None
