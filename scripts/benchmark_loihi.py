"""Benchmark the Loihi emulator against Nengo's reference simulator, side by side.

Every measurement runs the emulator and the reference simulator on the same
network in this one process, one after the other, so load from other jobs on
the machine affects both. Prints Markdown tables for BENCHMARKS.md:

1. run time of the emulator and the reference simulator at the same m
2. the decode-neuron trap: a plain nengo-loihi build of a recurrent LMU
   against the deploy path of neurokit
3. the aliasing of Loihi's zero-reset neurons at two maximum rates, with
   and without the slope correction in the decoders
4. stochastic spiking with compartment noise: error against m

Usage: PYTHONPATH=. python scripts/benchmark_loihi.py [--quick]
"""

import argparse
import time
import warnings

import nengo
import numpy as np

from neurokit.analysis import evaluate, fit_power_law, nrmse
from neurokit.backends.loihi import LoihiBackend, LoihiReferenceBackend
from neurokit.hardware import load_profile
from neurokit.spec import load_spec
from neurokit.task import build_task

# The recurrent LMU of the decode-neuron trap: d = 3, τ = 10 ms.
SMALL = {"order": 3, "tau": 0.01, "duration": 1.0, "settle": 0.1}


def run_pair(task, m, profile, compensate_reset=True):
    chip = LoihiBackend(profile, compensate_reset=compensate_reset).run(task, m)
    reference = LoihiReferenceBackend(profile).run(task, m)
    return chip, reference


def benchmark_run_time(neurons):
    print("\n### Run time, emulator against reference simulator (default spec, 2 s)\n")
    print("| m | emulator run s | reference run s | emulator / reference | "
          "emulator state NRMSE | reference state NRMSE |")
    print("|---|---|---|---|---|---|")
    profile = load_profile("loihi")
    for m in neurons:
        spec = load_spec(n_neurons=m)
        task = build_task(spec, 0)
        chip, reference = run_pair(task, m, profile)
        chip_error = evaluate(chip, spec.settle)["state_nrmse"]
        reference_error = evaluate(reference, spec.settle)["state_nrmse"]
        print(f"| {m} | {chip.run_s:.2f} | {reference.run_s:.2f} | "
              f"{chip.run_s / reference.run_s:.1f} | {chip_error:.3f} | {reference_error:.3f} |")


def plain_build_state(task, n_neurons, on_loihi):
    """Run the LMU the plain Nengo way (decoded recurrence, LIF) and return its state."""
    import nengo_loihi

    spec = task.spec
    synapse = nengo.Lowpass(spec.tau)
    with nengo.Network(seed=1) as net:
        stimulus = nengo.Node(nengo.processes.PresentInput(task.u[:, None], spec.dt))
        ensemble = nengo.Ensemble(n_neurons, spec.order, radius=task.radius,
                                  neuron_type=nengo.LIF())
        nengo.Connection(stimulus, ensemble, transform=task.B_mapped, synapse=synapse)
        nengo.Connection(ensemble, ensemble, transform=task.A_mapped, synapse=synapse)
        probe = nengo.Probe(ensemble, synapse=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if on_loihi:
            sim = nengo_loihi.Simulator(net, dt=spec.dt, target="sim", progress_bar=False)
        else:
            sim = nengo.Simulator(net, dt=spec.dt, progress_bar=False)
    with sim:
        sim.run_steps(spec.n_steps + 10)
    decoded = sim.data[probe]

    # Rebuild the state at the synapse's output, and take the best
    # alignment of up to 10 steps so that a pure delay is not counted.
    a = np.exp(-spec.dt / spec.tau)
    keep = task.t > spec.settle
    errors = []
    for lag in range(10):
        drive = decoded[lag:lag + spec.n_steps] @ task.A_mapped.T + task.u[:, None] @ task.B_mapped.T
        state = np.zeros_like(drive)
        x = np.zeros(spec.order)
        for k, v in enumerate(drive):
            x = a * x + (1 - a) * v
            state[k] = x
        errors.append(nrmse(state[keep], task.ideal_state[keep]))
    return min(errors), int(np.argmin(errors))


def benchmark_trap(seeds):
    print("\n### Decode-neuron trap: d = 3, τ = 10 ms, 1 s, state NRMSE\n")
    print("| seed | plain build, 384 LIF: emulator | reference | ratio | "
          "deploy path, 384 neurons: emulator | reference | ratio |")
    print("|---|---|---|---|---|---|---|")
    profile = load_profile("loihi")
    for seed in seeds:
        task = build_task(load_spec(n_neurons=384, **SMALL), seed)
        plain_chip, _ = plain_build_state(task, 384, on_loihi=True)
        plain_reference, _ = plain_build_state(task, 384, on_loihi=False)
        chip, reference = run_pair(task, 384, profile)
        chip_error = evaluate(chip, task.spec.settle)["state_nrmse"]
        reference_error = evaluate(reference, task.spec.settle)["state_nrmse"]
        print(f"| {seed} | {plain_chip:.3f} | {plain_reference:.3f} | "
              f"{plain_chip / plain_reference:.1f} | {chip_error:.3f} | {reference_error:.3f} | "
              f"{chip_error / reference_error:.2f} |")


def benchmark_max_rate(seeds):
    print("\n### Zero-reset rate aliasing: d = 3, τ = 10 ms, m = 256, state NRMSE\n")
    print("| max rate Hz | slope corrected | seed | emulator | reference | ratio |")
    print("|---|---|---|---|---|---|")
    for max_rate in (100.0, 200.0):
        profile = load_profile("loihi").replace(max_rate=max_rate)
        for compensate in (False, True):
            for seed in seeds:
                task = build_task(load_spec(n_neurons=256, max_rate=max_rate, **SMALL), seed)
                chip, reference = run_pair(task, 256, profile, compensate_reset=compensate)
                chip_error = evaluate(chip, task.spec.settle)["state_nrmse"]
                reference_error = evaluate(reference, task.spec.settle)["state_nrmse"]
                print(f"| {max_rate:g} | {'yes' if compensate else 'no'} | {seed} | "
                      f"{chip_error:.3f} | {reference_error:.3f} | "
                      f"{chip_error / reference_error:.2f} |")


def benchmark_noise(neurons, noises, seeds):
    print("\n### Stochastic spiking with compartment noise: d = 3, τ = 10 ms, "
          "state NRMSE against m\n")
    print("| noise (thresholds) | " + " | ".join(f"m = {m}" for m in neurons)
          + " | slope (95% CI) |")
    print("|---" * (len(neurons) + 2) + "|")
    for noise in noises:
        profile = load_profile("loihi").replace(temporal_noise=noise)
        counts, errors, means = [], [], []
        for m in neurons:
            values = []
            for seed in seeds:
                task = build_task(load_spec(n_neurons=m, **SMALL), seed)
                result = LoihiBackend(profile).run(task, m)
                values.append(evaluate(result, task.spec.settle)["state_nrmse"])
            counts += [m] * len(values)
            errors += values
            means.append(np.mean(values))
        fit = fit_power_law(counts, errors)
        print(f"| {noise:g} | " + " | ".join(f"{e:.3f}" for e in means)
              + f" | {fit.exponent:+.2f} [{fit.low:+.2f}, {fit.high:+.2f}] |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer sizes and seeds, for a smoke run")
    args = parser.parse_args()

    start = time.perf_counter()
    if args.quick:
        benchmark_run_time([128, 256])
        benchmark_trap([0])
        benchmark_max_rate([0])
        benchmark_noise([128, 256], [0.0, 0.3], [0, 1])
    else:
        benchmark_run_time([128, 256, 512, 1024])
        benchmark_trap([0, 1, 2])
        benchmark_max_rate([0, 1, 2])
        benchmark_noise([128, 256, 512, 1024], [0.0, 0.1, 0.3, 1.0], [0, 1, 2])
    print(f"\ntotal wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
