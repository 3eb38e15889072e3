"""Nengo backend: the LMU memory on Nengo's reference simulator.

The memory is one recurrent ensemble of m neurons. A passthrough node holds
the state x: it sums the lowpass-filtered recurrent decode Ā′·D·a(t) and the
filtered input B̄′·u, and feeds the ensemble directly. The transforms use the
discrete mapping onto the synapse, so the rate network reproduces the ideal
discrete system exactly and only spike noise separates the spiking one.
"""

import logging
import time

import nengo
import numpy as np

from neurokit.backends.base import NEURON_TYPES, Backend, RunResult
from neurokit.errors import SimulationError, SpecError
from neurokit.populations import paired_population

logger = logging.getLogger(__name__)


def nengo_neuron_type(neuron_type):
    """Return the Nengo neuron type for a neurokit neuron type name."""
    if neuron_type == "poisson":
        return nengo.PoissonSpiking(nengo.RectifiedLinear())
    if neuron_type == "rate":
        return nengo.RectifiedLinear()
    raise SpecError(f"neuron type {neuron_type!r} is unknown; use one of: {', '.join(NEURON_TYPES)}")


class NengoBackend(Backend):
    """Runs LMU tasks on ``nengo.Simulator``, Nengo's reference simulator."""

    name = "nengo"

    def __init__(self, progress_bar=False):
        self.progress_bar = progress_bar

    def build_network(self, task, n_neurons, neuron_type="poisson", record_spikes=0):
        """Return (network, probes) for the task; probes is a dict of nengo.Probe."""
        spec = task.spec
        population_seed, network_seed = task.seeds()
        population = paired_population(
            n_neurons, spec.order, task.radius, spec.max_rate,
            np.random.default_rng(population_seed),
        )
        synapse = nengo.Lowpass(spec.tau)

        with nengo.Network(seed=network_seed, label=f"LMU d={spec.order} m={n_neurons}") as net:
            stimulus = nengo.Node(nengo.processes.PresentInput(task.u[:, None], spec.dt),
                                  label="u")
            state = nengo.Node(size_in=spec.order, label="x")

            ensemble_options = {}
            if spec.decoders == "analytic":
                # NoSolver skips the activity matrix, so a handful of
                # evaluation points avoid Nengo's default of 2·m of them.
                ensemble_options["n_eval_points"] = 1
            ensemble = nengo.Ensemble(
                n_neurons, spec.order,
                neuron_type=nengo_neuron_type(neuron_type),
                encoders=population.encoders,
                gain=population.gain,
                bias=population.bias,
                radius=population.radius,
                normalize_encoders=False,
                label="memory",
                **ensemble_options,
            )

            if spec.decoders == "analytic":
                solver = nengo.solvers.NoSolver(population.decoders.T)
            else:
                solver = nengo.solvers.LstsqL2()
            nengo.Connection(stimulus, state, transform=task.B_mapped, synapse=synapse)
            nengo.Connection(ensemble, state, transform=task.A_mapped, synapse=synapse,
                             solver=solver)
            nengo.Connection(state, ensemble, synapse=None)

            probes = {"state": nengo.Probe(state, synapse=None)}
            if record_spikes:
                probes["spikes"] = nengo.Probe(ensemble.neurons[: int(record_spikes)])
        return net, probes

    def run(self, task, n_neurons, neuron_type="poisson", seed=None, record_spikes=0):
        spec = task.spec
        _, network_seed = task.seeds()

        start = time.perf_counter()
        net, probes = self.build_network(task, n_neurons, neuron_type, record_spikes)
        sim = nengo.Simulator(net, dt=spec.dt, seed=network_seed,
                              progress_bar=self.progress_bar, optimize=True)
        build_s = time.perf_counter() - start

        with sim:
            start = time.perf_counter()
            # One extra step, because the probe lags the state by one step.
            sim.run_steps(spec.n_steps + 1, progress_bar=self.progress_bar)
            run_s = time.perf_counter() - start

        # The probe at step k reads the state before that step's synapse
        # update, which is the state after input sample k − 1.
        state = sim.data[probes["state"]][1:]
        if not np.all(np.isfinite(state)):
            raise SimulationError(
                f"the Nengo state diverged to NaN or inf at m = {n_neurons}; "
                "lower max_rate or set a larger radius"
            )

        spikes = None
        if record_spikes:
            spikes = np.rint(sim.data[probes["spikes"]][1:] * spec.dt).astype(np.int32)
        logger.info("nengo %s m=%d seed=%d: build %.2f s, run %.2f s",
                    neuron_type, n_neurons, task.seed, build_s, run_s)
        return RunResult(
            backend=self.name, neuron_type=neuron_type, n_neurons=n_neurons, seed=task.seed,
            t=task.t, u=task.u, state=state, delayed=state @ task.readout.T,
            ideal_state=task.ideal_state, ideal_delayed=task.ideal_delayed,
            target=task.target, delays=spec.delays, build_s=build_s, run_s=run_s,
            spikes=spikes,
            spike_neurons=np.arange(int(record_spikes)) if record_spikes else None,
        )

