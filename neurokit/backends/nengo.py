"""Nengo backend: the LMU memory on Nengo's reference simulator.

The memory is one recurrent ensemble of m neurons. A passthrough node carries
the state x: it sums the lowpass-filtered recurrent decode Ā′·D·a(t) and the
filtered input B̄′·u, and feeds the ensemble directly. The transforms use the
discrete mapping onto the synapse, so the rate network reproduces the ideal
discrete system exactly and only spike noise separates the spiking one.

Poisson neurons use ``RescaledPoissonSpiking`` (see ``nengo_poisson``), which
draws the same spike statistics as ``nengo.PoissonSpiking`` at a fraction of
its cost, and spiking networks run in float32 by default. Both choices are
options of ``NengoBackend``, so Nengo's own Poisson step stays one switch away.
"""

import contextlib
import logging
import os
import time

import nengo
import numpy as np
from nengo.utils.builder import default_n_eval_points
from threadpoolctl import threadpool_limits

from neurokit.backends.base import NEURON_TYPES, Backend, RunResult
from neurokit.backends.nengo_ops import SampledInput, use_column_major_encoders
from neurokit.backends.nengo_poisson import RescaledPoissonSpiking
from neurokit.errors import SimulationError, SpecError
from neurokit.populations import paired_population

logger = logging.getLogger(__name__)


POISSON_STEPS = ("rescaled", "nengo")
PRECISIONS = (32, 64)

# Steps per Simulator.run_steps call when a progress callback is set. The
# extra Python calls per chunk are small next to 100 steps of the model.
PROGRESS_CHUNK = 100


def nengo_neuron_type(neuron_type, poisson_step="rescaled"):
    """Return the Nengo neuron type for a neurokit neuron type name.

    ``poisson_step`` picks how Poisson spikes are drawn: "rescaled" uses
    ``RescaledPoissonSpiking`` and "nengo" uses ``nengo.PoissonSpiking``.
    Both give independent Poisson(rate·dt) counts per neuron and step.
    """
    if poisson_step not in POISSON_STEPS:
        raise SpecError(
            f"poisson_step {poisson_step!r} is unknown; use one of: {', '.join(POISSON_STEPS)}"
        )
    if neuron_type == "poisson" and poisson_step == "rescaled":
        return RescaledPoissonSpiking(nengo.RectifiedLinear())
    if neuron_type == "poisson":
        return nengo.PoissonSpiking(nengo.RectifiedLinear())
    if neuron_type == "rate":
        return nengo.RectifiedLinear()
    raise SpecError(f"neuron type {neuron_type!r} is unknown; use one of: {', '.join(NEURON_TYPES)}")


def lstsq_memory_bytes(n_neurons, order):
    """Estimate the peak bytes of Nengo's default least-squares decoder solve.

    Nengo 3.2 evaluates max(clip(500·d, 750, 2500), 2·m) points, so the
    activity matrix A is about 2m × m, and ``LstsqL2`` forms the m × m Gram
    matrix AᵀA. With one float64 temporary of A's size while the rates are
    computed, that is 8·(2·n_eval·m + m²) bytes. This is an estimate.
    """
    n_eval = default_n_eval_points(n_neurons, order)
    return 8 * (2 * n_eval * n_neurons + n_neurons**2)


def physical_memory_bytes():
    """Return this machine's physical memory in bytes (POSIX sysconf)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@contextlib.contextmanager
def float_precision(bits):
    """Build Nengo signals with ``bits``-bit floats inside the block.

    nengo 3.2 reads the signal dtype from the global ``nengo.rc`` while it
    builds, so the setting is restored on exit. Not thread-safe.
    """
    previous = nengo.rc.get("precision", "bits")
    nengo.rc.set("precision", "bits", str(bits))
    try:
        yield
    finally:
        nengo.rc.set("precision", "bits", previous)


class NengoBackend(Backend):
    """Runs LMU tasks on ``nengo.Simulator``, Nengo's reference simulator.

    ``poisson_step`` is "rescaled" (``RescaledPoissonSpiking``) or "nengo"
    (``nengo.PoissonSpiking``). ``precision`` is the float width of every
    signal, 32 or 64. None picks 64 for rate networks, which must match the
    ideal system to about 1e-14, and 32 for spiking ones, whose spike noise
    is far above float32 rounding. ``column_major_encoders`` swaps in
    ``ColumnMajorDotInc`` for the encoding product. ``progress`` is called as
    ``progress(phase, done, total)`` with phase "build" or "run" and the
    steps done so far. ``progress_bar`` is passed to Nengo for its own bar.
    ``blas_threads`` limits the BLAS threads while the simulation steps, and
    None leaves them as they are. One thread is the default because every
    product in a step is a matrix-vector product bound by memory, and with
    OpenBLAS a second thread spins between calls and takes CPU from the rest
    of the step: at m = 10⁶ a step took 8.9 to 9.7 ms with one thread and
    11.6 to 19.9 ms with two on a loaded 2-core machine.
    """

    name = "nengo"

    def __init__(self, progress_bar=False, poisson_step="rescaled", precision=None,
                 column_major_encoders=True, blas_threads=1, progress=None):
        if poisson_step not in POISSON_STEPS:
            raise SpecError(
                f"poisson_step {poisson_step!r} is unknown; use one of: {', '.join(POISSON_STEPS)}"
            )
        if precision is not None and precision not in PRECISIONS:
            raise SpecError(f"precision = {precision!r} bits is invalid; use 32 or 64")
        if blas_threads is not None and (not isinstance(blas_threads, int) or blas_threads < 1):
            raise SpecError(
                f"blas_threads = {blas_threads!r} is invalid; use an integer >= 1, "
                "or None to leave the BLAS threads as they are"
            )
        self.progress_bar = progress_bar
        self.poisson_step = poisson_step
        self.precision = precision
        self.column_major_encoders = column_major_encoders
        self.blas_threads = blas_threads
        self.progress = progress

    def precision_for(self, neuron_type):
        """Return the float width in bits used for a neuron type."""
        if self.precision is not None:
            return self.precision
        return 64 if neuron_type == "rate" else 32

    def build_network(self, task, n_neurons, neuron_type="poisson", record_spikes=0):
        """Return (network, probes) for the task; probes is a dict of nengo.Probe."""
        spec = task.spec
        if spec.decoders == "lstsq":
            check_lstsq_fits(n_neurons, spec.order)
        population_seed, network_seed = task.seeds()
        population = paired_population(
            n_neurons, spec.order, task.radius, spec.max_rate,
            np.random.default_rng(population_seed),
        )
        synapse = nengo.Lowpass(spec.tau)

        with nengo.Network(seed=network_seed, label=f"LMU d={spec.order} m={n_neurons}") as net:
            stimulus = nengo.Node(SampledInput(task.u[:, None]), label="u")
            state = nengo.Node(size_in=spec.order, label="x")

            ensemble_options = {}
            if spec.decoders == "analytic":
                # NoSolver skips the activity matrix, so a handful of
                # evaluation points avoid Nengo's default of 2·m of them.
                ensemble_options["n_eval_points"] = 1
            ensemble = nengo.Ensemble(
                n_neurons, spec.order,
                neuron_type=nengo_neuron_type(neuron_type, self.poisson_step),
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

    def build_simulator(self, task, n_neurons, neuron_type="poisson", record_spikes=0):
        """Return (simulator, probes) for the task, built but not yet run."""
        spec = task.spec
        _, network_seed = task.seeds()
        net, probes = self.build_network(task, n_neurons, neuron_type, record_spikes)
        with float_precision(self.precision_for(neuron_type)):
            # No decoder cache, so every least-squares solve is timed in full.
            model = nengo.builder.Model(dt=spec.dt, label=net.label)
            model.build(net)
            if self.column_major_encoders:
                use_column_major_encoders(model, net.ensembles[0])
            sim = nengo.Simulator(None, dt=spec.dt, seed=network_seed, model=model,
                                  progress_bar=self.progress_bar, optimize=True)
        return sim, probes

    def run(self, task, n_neurons, neuron_type="poisson", seed=None, record_spikes=0):
        spec = task.spec
        precision = self.precision_for(neuron_type)
        # One extra step, because the probe lags the state by one step.
        n_steps = spec.n_steps + 1

        self._report("build", 0, 1)
        start = time.perf_counter()
        sim, probes = self.build_simulator(task, n_neurons, neuron_type, record_spikes)
        build_s = time.perf_counter() - start
        self._report("build", 1, 1)

        if self.blas_threads is None:
            blas_limit = contextlib.nullcontext()
        else:
            blas_limit = threadpool_limits(limits=self.blas_threads, user_api="blas")
        with sim, blas_limit:
            start = time.perf_counter()
            self._run_steps(sim, n_steps)
            run_s = time.perf_counter() - start

        # The probe at step k reads the state before that step's synapse
        # update, which is the state after input sample k − 1.
        state = sim.data[probes["state"]][1:].astype(np.float64)
        if not np.all(np.isfinite(state)):
            raise SimulationError(
                f"the Nengo state diverged to NaN or inf at m = {n_neurons}; "
                "lower max_rate or set a larger radius"
            )

        spikes = None
        if record_spikes:
            spikes = np.rint(sim.data[probes["spikes"]][1:] * spec.dt).astype(np.int32)
        logger.info("nengo %s m=%d seed=%d float%d: build %.2f s, run %.2f s",
                    neuron_type, n_neurons, task.seed, precision, build_s, run_s)
        return RunResult(
            backend=self.name, neuron_type=neuron_type, n_neurons=n_neurons, seed=task.seed,
            t=task.t, u=task.u, state=state, delayed=state @ task.readout.T,
            ideal_state=task.ideal_state, ideal_delayed=task.ideal_delayed,
            target=task.target, delays=spec.delays, build_s=build_s, run_s=run_s,
            spikes=spikes,
            spike_neurons=np.arange(int(record_spikes)) if record_spikes else None,
            extra={"precision_bits": precision},
        )

    def _run_steps(self, sim, n_steps):
        if self.progress is None:
            sim.run_steps(n_steps, progress_bar=self.progress_bar)
            return
        done = 0
        self._report("run", 0, n_steps)
        while done < n_steps:
            chunk = min(PROGRESS_CHUNK, n_steps - done)
            sim.run_steps(chunk, progress_bar=False)
            done += chunk
            self._report("run", done, n_steps)

    def _report(self, phase, done, total):
        if self.progress is not None:
            self.progress(phase, done, total)


def check_lstsq_fits(n_neurons, order):
    """Raise SpecError when Nengo's least-squares solve would not fit in memory."""
    needed = lstsq_memory_bytes(n_neurons, order)
    available = physical_memory_bytes()
    if needed > available:
        raise SpecError(
            f'decoders = "lstsq" at n_neurons = {n_neurons} needs about {needed / 1e9:.0f} GB '
            f"for Nengo's least-squares solve, more than this machine's "
            f'{available / 1e9:.0f} GB; use decoders = "analytic" or fewer neurons'
        )
