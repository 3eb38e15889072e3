"""LMU network specs: a validated dataclass and its TOML loader.

A spec names what to build and run: the LMU (order d, window θ, synapse τ,
step dt, readout delays), the Poisson population, the input signal and the
run length. Every value is in SI units (seconds, hertz). A bad value raises
SpecError that names the field and the fix, both from TOML and from Python.
"""

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from neurokit.errors import SpecError

DEFAULT_SPEC = Path(__file__).resolve().parent.parent / "networks" / "lmu.toml"

INPUT_KINDS = ("white_noise", "sine", "file")
DECODER_KINDS = ("analytic", "lstsq")


@dataclass(frozen=True)
class InputSpec:
    """The test signal that drives the memory."""

    kind: str = "white_noise"
    band: float = 10.0  # Hz, upper cut-off of band-limited white noise
    rms: float = 0.5  # root-mean-square amplitude after scaling
    frequency: float = 2.0  # Hz, for kind = "sine"
    path: str | None = None  # CSV or WAV file, for kind = "file"
    column: str | int | None = None  # CSV column (name or index) or WAV channel; None = first signal
    sample_rate: float | None = None  # Hz, for a CSV file without a time column

    def __post_init__(self):
        _check_choice("input.kind", self.kind, INPUT_KINDS)
        _check_positive("input.band", self.band)
        _check_positive("input.rms", self.rms)
        _check_positive("input.frequency", self.frequency)
        if self.sample_rate is not None:
            _check_positive("input.sample_rate", self.sample_rate)
        if self.kind == "file":
            if not self.path:
                raise SpecError(
                    'input.path is missing; kind = "file" needs the path of a CSV or WAV file'
                )
            if not Path(self.path).is_file():
                raise SpecError(
                    f"input.path {self.path!r} was not found; give an existing CSV or WAV "
                    "file (relative paths are relative to the spec file)"
                )


@dataclass(frozen=True)
class LMUSpec:
    """A spiking LMU memory and the experiment that measures it."""

    order: int = 6  # d, number of Legendre coefficients
    theta: float = 0.1  # s, window length
    tau: float = 0.05  # s, lowpass synapse time constant
    dt: float = 0.001  # s, simulation step
    discretization: str = "zoh"
    delays: tuple = (0.0, 0.05, 0.1)  # s, readout delays θ' in [0, θ]
    n_neurons: int = 4000  # m, Poisson neurons in the population
    max_rate: float = 200.0  # Hz, firing rate of a neuron at e·x = radius
    radius: float | None = None  # state norm the population covers; None = from the ideal run
    decoders: str = "analytic"
    input: InputSpec = field(default_factory=InputSpec)
    duration: float = 2.0  # s, simulated time per run
    settle: float = 0.2  # s, initial time left out of every error
    name: str = "lmu"

    def __post_init__(self):
        _check_integer("lmu.order", self.order, minimum=1)
        for key in ("theta", "tau", "dt"):
            _check_positive(f"lmu.{key}", getattr(self, key))
        if self.dt >= self.tau:
            raise SpecError(
                f"lmu.dt = {self.dt} s is not smaller than lmu.tau = {self.tau} s; "
                "use a step dt < tau"
            )
        if self.dt >= self.theta:
            raise SpecError(
                f"lmu.dt = {self.dt} s is not smaller than lmu.theta = {self.theta} s; "
                "use a step dt < theta"
            )
        _check_choice("lmu.discretization", self.discretization, ("zoh", "euler"))
        object.__setattr__(self, "delays", tuple(float(x) for x in self.delays))
        if not self.delays:
            raise SpecError("lmu.delays is empty; give at least one readout delay in seconds")
        for delay in self.delays:
            if not 0 <= delay <= self.theta:
                raise SpecError(
                    f"lmu.delays contains {delay} s, outside [0, theta = {self.theta}] s; "
                    "use delays within the window"
                )

        _check_integer("population.n_neurons", self.n_neurons, minimum=1)
        minimum = 2 * self.order
        if self.n_neurons < minimum:
            raise SpecError(
                f"population.n_neurons = {self.n_neurons} is too few for order "
                f"d = {self.order}; use at least 2*d = {minimum} neurons"
            )
        if self.n_neurons % 2:
            raise SpecError(
                f"population.n_neurons = {self.n_neurons} is odd, but encoders come in "
                f"± pairs; use {self.n_neurons - 1} or {self.n_neurons + 1}"
            )
        _check_positive("population.max_rate", self.max_rate)
        if self.radius is not None:
            _check_positive("population.radius", self.radius)
        _check_choice("population.decoders", self.decoders, DECODER_KINDS)

        nyquist = 0.5 / self.dt
        if self.input.kind == "white_noise" and self.input.band > nyquist:
            raise SpecError(
                f"input.band = {self.input.band} Hz is above the Nyquist frequency "
                f"{nyquist:g} Hz of dt = {self.dt} s; use a band below {nyquist:g} Hz"
            )
        if self.input.kind == "sine" and self.input.frequency >= nyquist:
            raise SpecError(
                f"input.frequency = {self.input.frequency} Hz is not below the Nyquist "
                f"frequency {nyquist:g} Hz of dt = {self.dt} s; use a lower frequency"
            )

        _check_positive("run.duration", self.duration)
        if not 0 <= self.settle < self.duration:
            raise SpecError(
                f"run.settle = {self.settle} s is not in [0, run.duration = "
                f"{self.duration}) s; use a settling time shorter than the run"
            )
        if self.duration - self.settle < 10 * self.dt:
            raise SpecError(
                f"run.duration - run.settle = {self.duration - self.settle} s leaves fewer "
                "than 10 steps to measure; make the run longer"
            )

    @property
    def n_steps(self):
        return int(round(self.duration / self.dt))

    def replace(self, **changes):
        """Return a copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)


# TOML layout: section -> {key in the file: LMUSpec field}.
_SECTIONS = {
    "lmu": {
        "order": "order",
        "theta": "theta",
        "tau": "tau",
        "dt": "dt",
        "discretization": "discretization",
        "delays": "delays",
    },
    "population": {
        "n_neurons": "n_neurons",
        "max_rate": "max_rate",
        "radius": "radius",
        "decoders": "decoders",
    },
    "run": {"duration": "duration", "settle": "settle"},
}
_INPUT_KEYS = {f.name for f in dataclasses.fields(InputSpec)}


def load_spec(path=None, **overrides):
    """Load an LMU spec from a TOML file (default ``networks/lmu.toml``).

    Keyword arguments override fields of the loaded spec, e.g.
    ``load_spec(n_neurons=8000, duration=1.0)``.
    """
    path = Path(path) if path is not None else DEFAULT_SPEC
    if not path.is_file():
        raise SpecError(f"spec file {str(path)!r} was not found; give the path of a TOML spec")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"spec file {str(path)!r} is not valid TOML: {error}") from None

    values = {"name": path.stem}
    for key, value in data.items():
        if key == "kind":
            if value != "lmu":
                raise SpecError(
                    f"kind = {value!r} in {path.name} is not an LMU spec; use kind = \"lmu\""
                )
        elif key == "name":
            values["name"] = str(value)
        elif key == "input":
            values["input"] = _load_input(value, path)
        elif key in _SECTIONS:
            values.update(_load_section(key, value, path.name))
        else:
            raise SpecError(_unknown_key(key, list(_SECTIONS) + ["input", "kind", "name"], path.name))

    values.update(overrides)
    try:
        return LMUSpec(**values)
    except TypeError as error:
        raise SpecError(f"invalid spec override: {error}") from None


def _load_section(section, table, filename):
    if not isinstance(table, dict):
        raise SpecError(f"[{section}] in {filename} must be a table of keys")
    values = {}
    for key, value in table.items():
        if key not in _SECTIONS[section]:
            raise SpecError(_unknown_key(f"{section}.{key}", _SECTIONS[section], filename))
        if key == "radius" and value == "auto":
            value = None
        values[_SECTIONS[section][key]] = value
    return values


def _load_input(table, spec_path):
    if not isinstance(table, dict):
        raise SpecError(f"[input] in {spec_path.name} must be a table of keys")
    for key in table:
        if key not in _INPUT_KEYS:
            raise SpecError(_unknown_key(f"input.{key}", sorted(_INPUT_KEYS), spec_path.name))
    values = dict(table)
    if values.get("path"):
        candidate = Path(values["path"]).expanduser()
        if not candidate.is_absolute():
            candidate = spec_path.parent / candidate
        values["path"] = str(candidate)
    return InputSpec(**values)


def _unknown_key(key, valid, filename):
    names = ", ".join(k.split(".")[-1] for k in valid)
    return f"unknown key {key!r} in {filename}; valid keys here are: {names}"


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{name} = {value!r} is not a number; give a positive number")
    if not math.isfinite(value) or value <= 0:
        raise SpecError(f"{name} = {value!r} is invalid; it must be a positive number")


def _check_integer(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(f"{name} = {value!r} is invalid; use an integer >= {minimum}")


def _check_choice(name, value, choices):
    if value not in choices:
        raise SpecError(f"{name} = {value!r} is unknown; use one of: {', '.join(choices)}")
