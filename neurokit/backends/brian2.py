"""Brian2 backend: the LMU memory on Brian2 2.9, in runtime or standalone mode.

Two groups hold the network. ``lmu_state`` has d units whose variable x is
the lowpass-filtered state. ``lmu_memory`` has m neurons whose rate is
computed from x every step, and which spike with ``rand() < rate*dt``.
Summed-variable synapses carry x to the neurons (m·d of them), and the
spikes come back to x through m·d ``on_pre`` synapses, so the network never
has m×m synapses. Encoders, gains, biases and decoders come from
``neurokit.populations.paired_population``, the same construction as the
Nengo backend.

Mapping onto Brian2's integration and schedule (Brian2 2.9). The synapse is
dx/dt = (v − x)/τ, integrated with ``method="exact"``. Over one step with v
held constant this gives x ← a·x + (1 − a)·v with a = e^(−dt/τ), which is
the zero-order-hold lowpass that ``lmu.map_to_lowpass_discrete`` assumes.
So feeding v = Ā′·(decoded rates) + B̄′·u with the task's A_mapped and
B_mapped reproduces x[k+1] = Ā x[k] + B̄ u[k] exactly. A spike train is a
pulse of height 1/dt held over the step, so a spike of neuron i adds
(1 − a)·(Ā′D)_ji/dt to x_j, the same increment the held pulse would give.

Within step k (time k·dt) Brian2's default schedule runs these slots in
order. ``before_groups`` copies the input sample B̄′u[k] into the state
group. ``groups`` runs the summed variables, then the exact update of x.
``thresholds`` draws the spikes, ``synapses`` adds their increments to x, and
``end`` runs the state monitor. A summed variable runs just before its target group (order − 1),
so with the memory at order 0 and the state at order 2 the neurons read x[k]
before x decays. The monitor at ``end`` then records x[k+1], the state after
input sample k, which is row k of every neurokit series with no shift.

NOTE: ``rand() < rate*dt`` draws at most one spike per step, a Bernoulli
count with variance p(1 − p) for p = rate·dt, where Nengo's PoissonSpiking
draws a Poisson count with variance p. At the default 100 Hz mean rate and
dt = 1 ms, Brian2's spike noise is therefore a few percent lower. Over
seeds 0–9 of the default spec its state NRMSE was 2–6% below Nengo's,
well inside the seed spread.
"""

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import brian2
import numpy as np
from brian2 import Hz, second
from brian2.devices.device import all_devices
# Brian2 2.9 vendors this lock for its own standalone run_args files.
from brian2.utils.filelock import FileLock

from neurokit.backends.base import NEURON_TYPES, Backend, RunResult
from neurokit.errors import BackendError, NeurokitError, SimulationError, SpecError
from neurokit.lmu import lowpass_decay
from neurokit.populations import paired_population

logger = logging.getLogger(__name__)

TARGETS = ("cython", "numpy", "cpp_standalone")

# Environment variable that overrides the Cython cache directory.
CACHE_ENV = "NEUROKIT_BRIAN2_CACHE_DIR"

# Object orders inside Brian2's "groups" slot. The summed variables run at
# their target's order − 1, so the encoding sum (−1) comes before the rate
# decode (1), which comes before the exact update of x (2).
_MEMORY_ORDER = 0
_STATE_ORDER = 2

# The one compiled cpp_standalone project of this process. Brian2's device
# is global, so only one project can be live. Runs that share its structure
# (same project directory) reuse the binary and pass new values as run_args.
_standalone = {"key": None, "network": None}


def default_cache_dir():
    """Return the Cython cache directory: $NEUROKIT_BRIAN2_CACHE_DIR or ~/.cache/neurokit/brian2."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "neurokit" / "brian2"


class Brian2Backend(Backend):
    """Runs LMU tasks on Brian2.

    ``target`` is ``"cython"`` (runtime code generation, the default),
    ``"numpy"`` (runtime, no compiler needed, slow) or ``"cpp_standalone"``.
    Standalone compiles one binary per network structure and reruns it for
    further seeds without recompiling or regenerating code, so it suits
    sweeps of many seeds. ``cache_dir`` contains the compiled Cython
    extensions. ``build_dir`` contains one standalone project directory per
    structure (d, m, neuron type, steps, dt, τ), so a later process with the
    same structure only relinks what changed.
    """

    name = "brian2"

    def __init__(self, target="cython", cache_dir=None, build_dir=None):
        if target not in TARGETS:
            raise SpecError(f"Brian2 target {target!r} is unknown; use one of: {', '.join(TARGETS)}")
        self.target = target
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        if build_dir:
            self.build_dir = Path(build_dir).expanduser()
        else:
            self.build_dir = self.cache_dir / "standalone"

    def run(self, task, n_neurons, neuron_type="poisson", seed=None, record_spikes=0):
        spec = task.spec
        _check_task(task, n_neurons, neuron_type)
        population_seed, network_seed = task.seeds()

        start = time.perf_counter()
        population = paired_population(n_neurons, spec.order, task.radius, spec.max_rate,
                                       np.random.default_rng(population_seed))
        values = _network_values(task, population, neuron_type)
        build_s = time.perf_counter() - start

        if self.target == "cpp_standalone":
            recorded, timings = self._run_standalone(task, n_neurons, neuron_type,
                                                     record_spikes, values, network_seed)
        else:
            recorded, timings = self._run_runtime(task, n_neurons, neuron_type,
                                                  record_spikes, values, network_seed)
        build_s += timings.pop("build_s")
        run_s = timings.pop("run_s")

        state = recorded["state"]
        if state.shape != task.ideal_state.shape:
            raise SimulationError(
                f"Brian2 recorded {state.shape[0]} steps, expected {spec.n_steps}; "
                "use a duration that is a whole number of steps dt"
            )
        if not np.all(np.isfinite(state)):
            raise SimulationError(
                f"the Brian2 state diverged to NaN or inf at m = {n_neurons}; "
                "lower max_rate or set a larger radius"
            )
        logger.info("brian2 %s %s m=%d seed=%d: build %.2f s, compile %.2f s, run %.2f s",
                    self.target, neuron_type, n_neurons, task.seed, build_s,
                    timings["compile_s"], run_s)
        return RunResult(
            backend=self.name, neuron_type=neuron_type, n_neurons=n_neurons, seed=task.seed,
            t=task.t, u=task.u, state=state, delayed=state @ task.readout.T,
            ideal_state=task.ideal_state, ideal_delayed=task.ideal_delayed,
            target=task.target, delays=spec.delays, build_s=build_s,
            run_s=run_s, spikes=recorded.get("spikes"),
            spike_neurons=np.arange(int(record_spikes)) if record_spikes else None,
            n_spikes=recorded.get("n_spikes"),
            extra={"target": self.target, **timings},
        )

    def _run_runtime(self, task, n_neurons, neuron_type, record_spikes, values, network_seed):
        """Build and run with runtime code generation (Cython or numpy)."""
        if self.target == "cython":
            _ensure_writable(self.cache_dir, "Cython cache",
                             f"set {CACHE_ENV} or pass cache_dir= a writable directory")
        with _brian2_errors("setup", self._hint()):
            brian2.set_device("runtime")
            brian2.prefs.codegen.target = self.target
            brian2.prefs.codegen.runtime.cython.cache_dir = str(self.cache_dir)

        # NOTE: creating the synapses already runs generated code, so the
        # first compile of that code is counted in build_s, not compile_s.
        start = time.perf_counter()
        with _brian2_errors("network construction", self._hint()):
            network = _build_network(task, n_neurons, neuron_type, record_spikes, values)
        build_s = time.perf_counter() - start

        # A run of zero steps generates and compiles (or loads from the cache)
        # every code object, which is compile_s. The real run generates the
        # code again and finds it compiled in memory. That took 0.3–0.5 s at
        # every m in scripts/benchmark_brian2.py (2 cores), and is in run_s.
        duration = task.spec.n_steps * task.spec.dt * second
        with _brian2_errors(f"{self.target} code generation", self._hint()):
            start = time.perf_counter()
            network["net"].run(0 * second)
            compile_s = time.perf_counter() - start
        with _brian2_errors("run", self._hint()):
            # NOTE: Brian2's runtime rand() draws from numpy's global
            # generator, so this also reseeds np.random for the caller.
            brian2.seed(network_seed)
            start = time.perf_counter()
            network["net"].run(duration)
            run_s = time.perf_counter() - start
            recorded = _collect(network, task, record_spikes)
        return recorded, {"build_s": build_s, "compile_s": compile_s, "run_s": run_s}

    def _run_standalone(self, task, n_neurons, neuron_type, record_spikes, values, network_seed):
        """Build, compile once per structure, and run the cpp_standalone binary."""
        spec = task.spec
        structure = (spec.order, n_neurons, neuron_type, int(record_spikes), spec.n_steps,
                     spec.dt, spec.tau)
        project = self.build_dir / _project_name(structure)
        build_s = compile_s = 0.0
        rebuilt = _standalone["key"] != project
        _ensure_writable(self.build_dir, "cpp_standalone build",
                         "pass build_dir= a writable directory")

        # Worker processes of one sweep share a project directory when they
        # run the same structure, so each build and each run holds its lock.
        # The binary of a structure does not depend on the seed, so a project
        # rebuilt by another process still fits this process's network.
        with FileLock(str(project) + ".lock"):
            if rebuilt:
                start = time.perf_counter()
                with _brian2_errors("cpp_standalone network construction", self._hint()):
                    # reinit clears the previous project. Activating the device
                    # afterwards gives it a new default clock.
                    all_devices["cpp_standalone"].reinit()
                    brian2.set_device("cpp_standalone", build_on_run=False,
                                      directory=str(project))
                    network = _build_network(task, n_neurons, neuron_type, record_spikes,
                                             values, seed_variable=True)
                    _seed_from_run_args(network)
                    network["net"].run(spec.n_steps * spec.dt * second)
                build_s = time.perf_counter() - start

                start = time.perf_counter()
                _standalone.update(key=None, network=None)
                log = project / "compile.log"
                hint = f"the compiler output is in {log}; {self._hint()}"
                with _brian2_errors("cpp_standalone compilation", hint), _output_to(log):
                    brian2.get_device().build(directory=str(project), compile=True, run=False)
                compile_s = time.perf_counter() - start
                _standalone.update(key=project, network=network)
            network = _standalone["network"]
            # A runtime backend in between switches the global device away,
            # but the standalone device keeps its built project.
            _activate_standalone(project)

            with _brian2_errors("cpp_standalone run", self._hint()):
                device = brian2.get_device()
                run_args = _run_args(network, values, network_seed)
                start = time.perf_counter()
                device.run(directory=str(project), with_output=False, run_args=run_args)
                run_s = time.perf_counter() - start
                recorded = _collect(network, task, record_spikes)
                # Each seed writes its run_args arrays (m·d values) to files.
                device.delete(code=False, data=False, run_args=True, directory=False)
        # rebuilt is False when this run reused the binary compiled before.
        return recorded, {"build_s": build_s, "compile_s": compile_s, "run_s": run_s,
                          "rebuilt": rebuilt}

    def _hint(self):
        if self.target == "cpp_standalone":
            return (f"check that a C++ compiler (g++) and make are installed and that "
                    f"{self.build_dir} is writable, or pass build_dir= a writable directory")
        if self.target == "cython":
            return (f"check that a C++ compiler (g++) is installed and that {self.cache_dir} "
                    f"is writable (set {CACHE_ENV} to move it), or use target='numpy'")
        return "rerun with logging at DEBUG level to see Brian2's own message"


def _project_name(structure):
    """Return a directory name for a standalone project of this structure."""
    order, n_neurons, neuron_type = structure[:3]
    digest = hashlib.sha1(repr(structure).encode()).hexdigest()[:10]
    return f"lmu-d{order}-m{n_neurons}-{neuron_type}-{digest}"


def _activate_standalone(build_dir):
    if brian2.get_device() is not all_devices["cpp_standalone"]:
        brian2.set_device("cpp_standalone", build_on_run=False, directory=str(build_dir))


def _check_task(task, n_neurons, neuron_type):
    spec = task.spec
    if neuron_type not in NEURON_TYPES:
        raise SpecError(f"neuron type {neuron_type!r} is unknown; use one of: {', '.join(NEURON_TYPES)}")
    if spec.decoders != "analytic":
        raise SpecError(
            f'decoders = "{spec.decoders}" is not supported by the Brian2 backend; '
            'use decoders = "analytic"'
        )
    # rand() < rate*dt emits at most one spike per step, so a neuron at
    # max_rate must stay below one expected spike per step.
    if spec.max_rate * spec.dt >= 1.0:
        raise SpecError(
            f"max_rate·dt = {spec.max_rate * spec.dt:g} is too large for Brian2's "
            "rand() < rate*dt threshold; lower max_rate below 1/dt or lower dt"
        )


def _network_values(task, population, neuron_type):
    """Return the per-seed numbers of the network as plain SI float arrays.

    Synapse k of both pathways joins dimension k // m to neuron k % m, in
    the order the index arrays below give to Brian2's ``connect``.
    """
    spec = task.spec
    m, d = population.n_neurons, population.order
    a = lowpass_decay(spec.tau, spec.dt)

    # Hz per unit of state: current_i = gain_i·(e_i·x)/radius + bias_i.
    encode = (population.encoders * (population.gain / population.radius)[:, None]).T
    # Ā′·D maps rates (Hz) to the synapse input v.
    recurrent = task.A_mapped @ population.decoders
    if neuron_type == "rate":
        decode = recurrent  # s, summed as v_j += Σ_i w_ji·rate_i
    else:
        decode = recurrent * (1.0 - a) / spec.dt  # jump of x_j per spike of neuron i

    return {
        "dimension": np.repeat(np.arange(d), m),
        "neuron": np.tile(np.arange(m), d),
        "encode": encode.ravel(),
        "decode": decode.ravel(),
        "bias": population.bias,
        # Input held over step k: v_in[k] = B̄′·u[k], shape (n_steps, d).
        "drive": task.u[:, None] * task.B_mapped[:, 0][None, :],
    }


def _build_network(task, n_neurons, neuron_type, record_spikes, values, seed_variable=False):
    """Create and connect the Brian2 objects; return them in a dict, the Network as "net"."""
    spec = task.spec
    d = spec.order
    clock = brian2.Clock(spec.dt * second, name="lmu_clock")
    tau = spec.tau * second
    drive = brian2.TimedArray(values["drive"], dt=spec.dt * second, name="lmu_drive")
    namespace = {"tau": tau, "drive": drive}

    feedback = " + feedback" if neuron_type == "rate" else ""
    state_equations = f"""
        dx/dt = (drive_now{feedback} - x) / tau : 1
        drive_now : 1
    """
    if neuron_type == "rate":
        state_equations += "feedback : 1\n"
    if seed_variable:
        state_equations += "rng_seed : integer (constant, shared)\n"
    state = brian2.NeuronGroup(d, state_equations, method="exact", clock=clock,
                               order=_STATE_ORDER, namespace=namespace, name="lmu_state")
    state.run_regularly("drive_now = drive(t, i)", when="before_groups", name="lmu_input")

    memory_equations = """
        rate = clip(current + bias, 0*Hz, inf*Hz) : Hz
        current : Hz
        bias : Hz (constant)
    """
    threshold = "rand() < rate*dt" if neuron_type == "poisson" else None
    memory = brian2.NeuronGroup(n_neurons, memory_equations, threshold=threshold,
                                clock=clock, order=_MEMORY_ORDER, name="lmu_memory")

    encode = brian2.Synapses(state, memory, "w : Hz (constant)\n"
                             "current_post = w * x_pre : Hz (summed)",
                             clock=clock, name="lmu_encode")
    if neuron_type == "rate":
        decode = brian2.Synapses(memory, state, "w : second (constant)\n"
                                 "feedback_post = w * rate_pre : 1 (summed)",
                                 clock=clock, name="lmu_decode")
    else:
        decode = brian2.Synapses(memory, state, "w : 1 (constant)", on_pre="x_post += w",
                                 clock=clock, name="lmu_decode")

    monitor = brian2.StateMonitor(state, "x", record=True, when="end", clock=clock,
                                  name="lmu_state_monitor")
    objects = {"clock": clock, "drive": drive, "state": state, "memory": memory,
               "encode": encode, "decode": decode, "monitor": monitor}
    if neuron_type == "poisson":
        objects["counter"] = brian2.SpikeMonitor(memory, record=False, name="lmu_spike_count")
        if record_spikes:
            objects["spikes"] = brian2.SpikeMonitor(memory[: int(record_spikes)],
                                                    name="lmu_spike_monitor")
    objects["net"] = brian2.Network(*[obj for name, obj in objects.items()
                                      if name not in ("clock", "drive")])

    encode.connect(i=values["dimension"], j=values["neuron"])
    decode.connect(i=values["neuron"], j=values["dimension"])
    encode.w = values["encode"] * Hz
    decode.w = values["decode"] * _decode_unit(objects)
    memory.bias = values["bias"] * Hz
    return objects


def _decode_unit(network):
    return second if "feedback" in network["state"].variables else 1


def _seed_from_run_args(network):
    """Seed standalone's generators from the ``rng_seed`` run argument.

    Brian2 2.9 writes a fixed seed into the generated main.cpp, so a new seed
    would need a recompile. Instead, the command-line values are applied
    first and this line then seeds each generator as ``brian2.seed`` does.
    """
    device = brian2.get_device()
    device.apply_run_args()
    array = device.get_array_name(network["state"].variables["rng_seed"])
    threads = max(1, brian2.prefs.devices.cpp_standalone.openmp_threads)
    device.insert_code(
        "main",
        f"for (int _i = 0; _i < {threads}; _i++) "
        f"brian::_random_generators[_i].seed((unsigned long) brian::{array}[0] + _i);",
    )


def _run_args(network, values, network_seed):
    """Return the run_args that give the standalone binary one seed's values."""
    return {
        network["encode"].w: values["encode"] * Hz,
        network["decode"].w: values["decode"] * _decode_unit(network),
        network["memory"].bias: values["bias"] * Hz,
        network["drive"]: values["drive"],
        network["state"].rng_seed: int(network_seed),
    }


def _collect(network, task, record_spikes):
    """Read the monitors into plain arrays aligned with the task."""
    recorded = {"state": np.asarray(network["monitor"].x).T.copy()}
    if "counter" in network:
        recorded["n_spikes"] = int(network["counter"].num_spikes)
    if "spikes" in network:
        monitor = network["spikes"]
        # A spike in step k happens at t = k·dt and is part of row k.
        steps = np.rint(np.asarray(monitor.t / second) / task.spec.dt).astype(np.int64)
        counts = np.zeros((task.spec.n_steps, int(record_spikes)), dtype=np.int32)
        np.add.at(counts, (steps, np.asarray(monitor.i)), 1)
        recorded["spikes"] = counts
    return recorded


def _ensure_writable(directory, purpose, fix):
    """Create ``directory`` and check that files can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".neurokit-check-"):
            pass
    except OSError as exc:
        raise BackendError(
            f"the Brian2 {purpose} directory {str(directory)!r} is not writable "
            f"({exc.strerror or exc}); {fix}"
        ) from exc


@contextlib.contextmanager
def _output_to(path):
    """Send this process's stdout and stderr, including make's, to a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(path, "w") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@contextlib.contextmanager
def _brian2_errors(stage, hint):
    """Turn any failure inside Brian2 into one BackendError line with a fix."""
    try:
        yield
    except NeurokitError:
        raise
    except Exception as exc:  # noqa: BLE001 - every Brian2 failure becomes one line
        root = exc
        while root.__cause__ is not None:
            root = root.__cause__
        lines = str(root).strip().splitlines()
        # The first sentence names the failure. Brian2's later sentences
        # advise options that neurokit sets itself, such as clean=True.
        detail = lines[-1].split(". ")[0] if lines else type(root).__name__
        logger.debug("Brian2 %s failed", stage, exc_info=True)
        raise BackendError(f"Brian2 {stage} failed ({type(root).__name__}: {detail}); "
                           f"{hint}") from exc
