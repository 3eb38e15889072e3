"""One-call simulation for scripts: spec in, arrays and errors out."""

from neurokit.analysis import evaluate
from neurokit.backends import NEURON_TYPES, get_backend
from neurokit.errors import SpecError
from neurokit.spec import LMUSpec, load_spec
from neurokit.task import build_task


def simulate(spec=None, backend="nengo", neuron_type="poisson", seed=0,
             record_spikes=0, **overrides):
    """Build and run one LMU memory; return its ``RunResult``.

    ``spec`` is an ``LMUSpec``, a path to a TOML spec, or None for the
    default ``networks/lmu.toml``. Keyword overrides change spec fields, e.g.
    ``simulate(n_neurons=8000, duration=1.0)``. ``record_spikes`` keeps the
    spike counts of that many neurons for rasters. The error metrics of
    ``neurokit.analysis.evaluate`` are in ``result.extra["metrics"]``.
    """
    spec = resolve_spec(spec, **overrides)
    if neuron_type not in NEURON_TYPES:
        raise SpecError(f"neuron type {neuron_type!r} is unknown; use one of: {', '.join(NEURON_TYPES)}")

    if isinstance(record_spikes, bool) or not isinstance(record_spikes, int) \
            or not 0 <= record_spikes <= spec.n_neurons:
        raise SpecError(f"record_spikes = {record_spikes!r} is invalid; use an integer "
                        f"from 0 to n_neurons = {spec.n_neurons}")

    task = build_task(spec, seed)
    result = get_backend(backend).run(task, spec.n_neurons, neuron_type, seed, record_spikes)
    result.extra["metrics"] = evaluate(result, spec.settle)
    return result


def resolve_spec(spec=None, **overrides):
    """Return an ``LMUSpec`` from a spec object, a TOML path or None."""
    if isinstance(spec, LMUSpec):
        return spec.replace(**overrides) if overrides else spec
    return load_spec(spec, **overrides)
