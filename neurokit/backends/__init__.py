"""Simulator backends behind one interface (see ``base.Backend``).

Backends are imported on first use, so that importing neurokit does not load
every simulator.
"""

import importlib

from neurokit.backends.base import NEURON_TYPES, Backend, RunResult
from neurokit.errors import SpecError

# Backend name -> "module:class".
BACKENDS = {
    "nengo": "neurokit.backends.nengo:NengoBackend",
    "brian2": "neurokit.backends.brian2:Brian2Backend",
    "loihi": "neurokit.backends.loihi:LoihiBackend",
    "loihi-reference": "neurokit.backends.loihi:LoihiReferenceBackend",
    "loihi-analog": "neurokit.backends.loihi:AnalogLoihiBackend",
}

__all__ = ["BACKENDS", "NEURON_TYPES", "Backend", "RunResult", "get_backend"]


def get_backend(name, **options):
    """Return a backend instance by name, e.g. ``get_backend("nengo")``."""
    if name not in BACKENDS:
        raise SpecError(f"backend {name!r} is unknown; use one of: {', '.join(BACKENDS)}")
    module_name, class_name = BACKENDS[name].split(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)(**options)
