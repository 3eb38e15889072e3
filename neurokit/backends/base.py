"""The interface every simulator backend implements, and what a run returns."""

import dataclasses

import numpy as np

NEURON_TYPES = ("poisson", "rate")


@dataclasses.dataclass
class RunResult:
    """Arrays and timings from one simulation of an LMU memory.

    Row k of every time series belongs to time t[k] = (k + 1)·dt, already
    aligned with the task's ideal state and targets.
    """

    backend: str
    neuron_type: str
    n_neurons: int
    seed: int
    t: np.ndarray  # (n_steps,) s
    u: np.ndarray  # (n_steps,) input
    state: np.ndarray  # (n_steps, d) state held by the network
    delayed: np.ndarray  # (n_steps, n_delays) readout of the state
    ideal_state: np.ndarray  # (n_steps, d)
    ideal_delayed: np.ndarray  # (n_steps, n_delays)
    target: np.ndarray  # (n_steps, n_delays) true delayed input
    delays: tuple  # s
    build_s: float
    run_s: float
    spikes: np.ndarray | None = None  # (n_steps, n_recorded) spike counts per step
    spike_neurons: np.ndarray | None = None  # indices of the recorded neurons
    n_spikes: int | None = None  # spikes over the whole population, when counted
    extra: dict = dataclasses.field(default_factory=dict)  # backend-specific timings

    @property
    def order(self):
        return self.state.shape[1]


class Backend:
    """Turns an LMU task into a simulator network and runs it.

    Subclasses set ``name`` and implement ``run``. Analysis code only reads
    ``RunResult``, so it never branches on the backend.
    """

    name = "base"
    neuron_types = NEURON_TYPES  # the neurokit neuron types this backend can run

    def run(self, task, n_neurons, neuron_type="poisson", seed=0, record_spikes=0):
        raise NotImplementedError

    def check(self, spec, n_neurons):
        """Raise a NeurokitError if this backend cannot run m neurons of the spec.

        Sweeps call this for every m before any run starts. The default
        accepts everything; backends with hardware limits override it.
        """
