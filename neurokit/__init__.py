"""neurokit: spiking LMU memories and Equilibrium Propagation networks.

neurokit builds networks in Nengo and Brian2, deploys them to the nengo-loihi
emulator, and measures how their error scales with neuron count against
non-spiking baselines. A script needs a few lines::

    import neurokit as nk

    result = nk.simulate(n_neurons=4000, seed=1, record_spikes=50)
    print(result.extra["metrics"]["nrmse"])
    rows = nk.run_scaling(nk.load_spec(), [1000, 4000], seeds=3, out_dir="out")
"""

from neurokit.analysis import evaluate, fit_power_law, nrmse
from neurokit.errors import (
    BackendError,
    DataError,
    HardwareLimitError,
    NeurokitError,
    SimulationError,
    SpecError,
)
from neurokit.simulate import simulate
from neurokit.spec import InputSpec, LMUSpec, load_spec
from neurokit.sweeps import read_results, run_scaling
from neurokit.task import build_task

__version__ = "0.1.0"

__all__ = [
    "BackendError", "DataError", "HardwareLimitError", "InputSpec", "LMUSpec",
    "NeurokitError", "SimulationError", "SpecError", "build_task", "evaluate",
    "fit_power_law", "load_spec", "nrmse", "read_results", "run_scaling", "simulate",
]
