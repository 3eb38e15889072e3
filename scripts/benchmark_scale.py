"""Benchmark the spiking LMU memory from 10³ to 10⁶ Poisson neurons against plain Nengo.

Three configurations run the same task (the default spec, d = 6, 1 s at
dt = 1 ms) on Nengo's reference simulator:

- ``neurokit``: the default path, with analytic decoders,
  ``RescaledPoissonSpiking``, column-major encoding, float32 signals and one
  BLAS thread while the simulation steps.
- ``nengo-poisson``: analytic decoders but ``nengo.PoissonSpiking``,
  Nengo's own encoding operator, float64 and the default BLAS threads, which
  isolates the simulator changes from the decoders.
- ``plain-nengo``: Nengo's defaults, ``LstsqL2`` decoders over its default
  2·m evaluation points, ``nengo.PoissonSpiking``, float64 and the default
  BLAS threads. It runs only
  where the estimated memory of its solve fits under ``--peer-memory-gb``.

Every measurement runs in its own spawned process, so ``ru_maxrss`` is that
measurement's peak alone, and each is cut off after ``--timeout`` seconds.
A last process times the kernels one step is made of and numpy's copy
bandwidth, for the floor estimate. Rows go to ``OUT/benchmark_scale.csv``
as they finish, and a Markdown report for BENCHMARKS.md is printed.

    PYTHONPATH=. python scripts/benchmark_scale.py --out benchmark-results
"""

import argparse
import csv
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

CONFIGS = ("neurokit", "nengo-poisson", "plain-nengo")
DEFAULT_NEURONS = (1_000, 10_000, 100_000, 1_000_000)
COLUMNS = [
    "config", "n_neurons", "seed", "status", "reason", "build_s", "run_s", "wall_s",
    "peak_mb", "state_nrmse", "nrmse", "ideal_nrmse", "precision_bits", "load_1min",
]

# Bytes one neuron-step moves in the neurokit configuration at float32 and
# d = 6, counted from the passes each nengo 3.2 operator makes (read + write,
# temporaries included): bias copy 8, column-major encoding 24 + 4 for the
# product and 12 to add it, RectifiedLinear 24 (np.maximum, amplitude
# product, assignment), RescaledPoissonSpiking 22 (subtract, compare,
# nonzero, clear output), dense decoding 24 + 4. Spikes add about 4 more.
BYTES_PER_NEURON_STEP = 8 + 40 + 24 + 26 + 28
# The minimum a fused step would move: read the encoder and decoder rows, read
# and write ``remaining``, write and read back the output.
MIN_BYTES_PER_NEURON_STEP = 24 + 24 + 8 + 8


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")

    baseline_mb = run_child(context, measure_baseline, (), args.timeout)["peak_mb"]
    rows = []
    partial = args.out / "benchmark_scale.csv.partial"
    with partial.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for config, m, seed in plan(args):
            row = measure_or_skip(context, config, m, seed, args)
            writer.writerow(row)
            handle.flush()
            rows.append(row)
            print(progress_line(row), file=sys.stderr, flush=True)
    os.replace(partial, args.out / "benchmark_scale.csv")

    kernels = run_child(context, measure_kernels, (max(args.neurons),), args.timeout)
    print(format_report(rows, kernels, baseline_mb, args))
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=list(DEFAULT_NEURONS),
                        metavar="N", help="neuron counts m (default: 1000 10000 100000 1000000)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds per m for neurokit; the peers run seed 0 only (default: 3)")
    parser.add_argument("--duration", type=float, default=1.0, metavar="S",
                        help="simulated time per run in seconds (default: 1.0)")
    parser.add_argument("--peer-memory-gb", type=float, default=8.0, metavar="GB",
                        help="skip plain Nengo where its solve needs more than this many GB "
                        "(default: 8, a third of this 24 GB machine, which others share)")
    parser.add_argument("--timeout", type=float, default=900.0, metavar="S",
                        help="wall-clock limit of one measurement in seconds (default: 900)")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"), metavar="DIR",
                        help="directory for benchmark_scale.csv (default: benchmark-results)")
    return parser.parse_args(argv)


def plan(args):
    for m in sorted(args.neurons):
        for seed in range(args.seeds):
            yield "neurokit", m, seed
        yield "nengo-poisson", m, 0
        yield "plain-nengo", m, 0


def measure_or_skip(context, config, m, seed, args):
    row = {"config": config, "n_neurons": m, "seed": seed}
    if config == "plain-nengo":
        from neurokit.backends.nengo import lstsq_memory_bytes
        from neurokit.spec import load_spec

        needed_gb = lstsq_memory_bytes(m, load_spec().order) / 1e9
        if needed_gb > args.peer_memory_gb:
            reason = (f"its least-squares solve needs about {needed_gb:.0f} GB "
                      f"(> {args.peer_memory_gb:g} GB)")
            return {**row, "status": "skipped", "reason": reason}
    try:
        result = run_child(context, measure_run, (config, m, seed, args.duration), args.timeout)
    except TimeoutError:
        return {**row, "status": "timeout", "reason": f"over {args.timeout:g} s"}
    except RuntimeError as error:
        return {**row, "status": "failed", "reason": str(error)}
    return {**row, "status": "ok", "reason": "", **result}


def run_child(context, function, arguments, timeout):
    """Run ``function(*arguments)`` in a fresh spawned process; return its dict."""
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, arguments))
    process.start()
    sender.close()
    if not receiver.poll(timeout):
        process.kill()
        process.join()
        raise TimeoutError(f"{function.__name__}{arguments} ran over {timeout} s")
    status, payload = receiver.recv()
    process.join()
    if status == "error":
        raise RuntimeError(payload)
    return payload


def _child_main(sender, function, arguments):
    try:
        sender.send(("ok", function(*arguments)))
    except Exception as error:  # reported to the parent, which records it
        sender.send(("error", f"{type(error).__name__}: {error}"))


def peak_mb():
    import resource

    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_baseline():
    """Return the peak memory of a process that imports everything and runs nothing."""
    import nengo  # noqa: F401

    import neurokit.backends.nengo  # noqa: F401
    from neurokit.task import build_task
    from neurokit.spec import load_spec

    build_task(load_spec(duration=1.0), 0)
    return {"peak_mb": peak_mb()}


def measure_run(config, n_neurons, seed, duration):
    from neurokit.analysis import evaluate
    from neurokit.backends.nengo import NengoBackend
    from neurokit.spec import load_spec
    from neurokit.task import build_task

    decoders = "lstsq" if config == "plain-nengo" else "analytic"
    spec = load_spec(n_neurons=n_neurons, duration=duration, decoders=decoders)
    if config == "neurokit":
        backend = NengoBackend()
    else:
        backend = NengoBackend(poisson_step="nengo", precision=64, column_major_encoders=False,
                               blas_threads=None)

    load = os.getloadavg()[0]
    task = build_task(spec, seed)
    start = time.perf_counter()
    result = backend.run(task, n_neurons, "poisson")
    wall = time.perf_counter() - start
    metrics = evaluate(result, spec.settle)
    return {
        "build_s": result.build_s, "run_s": result.run_s, "wall_s": wall,
        "peak_mb": peak_mb(), "state_nrmse": metrics["state_nrmse"],
        "nrmse": metrics["nrmse"], "ideal_nrmse": metrics["ideal_nrmse"],
        "precision_bits": result.extra["precision_bits"], "load_1min": load,
    }


def measure_kernels(n_neurons, order=6, repeats=15):
    """Time the pieces of one step at m neurons (min over repeats, in ms)."""
    import nengo

    from neurokit.backends.nengo_poisson import RescaledPoissonSpiking

    rng = np.random.default_rng(0)
    timings = {"load_1min": os.getloadavg()[0], "n_neurons": n_neurons}

    def best_ms(function):
        function()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return 1e3 * min(times)

    # Copy bandwidth on 256 MB, far beyond the 32 MB L3 cache.
    source = np.ones(32 * 2**20)
    target = np.empty_like(source)
    copy_ms = best_ms(lambda: np.copyto(target, source))
    timings["copy_gb_s"] = 2 * source.nbytes / (copy_ms * 1e-3) / 1e9
    del source, target

    encoders = rng.standard_normal((n_neurons, order)).astype(np.float32)
    x = rng.standard_normal(order).astype(np.float32)
    column_major = np.asfortranarray(encoders)
    timings["encode_row_major_ms"] = best_ms(lambda: encoders.dot(x))
    timings["encode_column_major_ms"] = best_ms(lambda: column_major.dot(x))

    dt = 1e-3
    rates = rng.uniform(0, 200, n_neurons).astype(np.float32)  # mean 100 Hz, as in the LMU
    output = np.zeros(n_neurons, dtype=np.float32)
    legacy = np.random.RandomState(0)
    timings["nengo_poisson_step_ms"] = best_ms(
        lambda: nengo.PoissonSpiking(nengo.RectifiedLinear()).step(dt, rates, output, legacy)
    )
    neuron_type = RescaledPoissonSpiking(nengo.RectifiedLinear())
    remaining = neuron_type.make_remaining(n_neurons, dt, rng, dtype=np.float32)
    timings["rescaled_poisson_step_ms"] = best_ms(
        lambda: neuron_type.step(dt, rates, output, remaining, rng)
    )

    # Decoding one step's spikes: dense d × m product against a gather of
    # the spiking neurons' decoder rows (the sparse alternative).
    decoders = np.ascontiguousarray(encoders.T)
    counts = (rng.random(n_neurons) < 0.1).astype(np.float32) / dt
    timings["decode_dense_ms"] = best_ms(lambda: decoders.dot(counts))

    def decode_sparse():
        spiking = np.flatnonzero(counts)
        return counts[spiking] @ np.take(encoders, spiking, axis=0)

    timings["decode_sparse_ms"] = best_ms(decode_sparse)
    return timings


def progress_line(row):
    if row["status"] != "ok":
        return f"{row['config']:14s} m={row['n_neurons']:>8d} {row['status']}: {row['reason']}"
    return (f"{row['config']:14s} m={row['n_neurons']:>8d} seed={row['seed']} "
            f"build {row['build_s']:.2f} s, run {row['run_s']:.2f} s, "
            f"peak {row['peak_mb']:.0f} MB, state NRMSE {row['state_nrmse']:.4f}")


def format_report(rows, kernels, baseline_mb, args):
    from neurokit.analysis import fit_power_law

    ok = [r for r in rows if r["status"] == "ok"]
    lines = [
        "| m | neurokit build s | run s | peak MB | state NRMSE "
        "| plain Nengo build s | run s | peak MB | state NRMSE | speedup "
        "| Nengo Poisson step run s | run speedup |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in sorted(args.neurons):
        ours = [r for r in ok if r["config"] == "neurokit" and r["n_neurons"] == m]
        plain = _one(rows, "plain-nengo", m)
        poisson = _one(rows, "nengo-poisson", m)
        if not ours:
            lines.append(f"| {m:,} | failed | | | | | | | | | | |")
            continue
        build = np.mean([r["build_s"] for r in ours])
        run = np.mean([r["run_s"] for r in ours])
        cells = [f"{m:,}", f"{build:.2f}", f"{run:.2f}",
                 f"{max(r['peak_mb'] for r in ours):.0f}",
                 f"{np.mean([r['state_nrmse'] for r in ours]):.4f}"]
        if plain["status"] == "ok":
            speedup = (plain["build_s"] + plain["run_s"]) / (build + run)
            cells += [f"{plain['build_s']:.2f}", f"{plain['run_s']:.2f}",
                      f"{plain['peak_mb']:.0f}", f"{plain['state_nrmse']:.4f}",
                      f"{speedup:.1f}×"]
        else:
            cells += [f"{plain['status']}: {plain['reason']}", "", "", "", ""]
        if poisson["status"] == "ok":
            cells += [f"{poisson['run_s']:.2f}", f"{poisson['run_s'] / run:.1f}×"]
        else:
            cells += [poisson["status"], ""]
        lines.append("| " + " | ".join(cells) + " |")

    ours = [r for r in ok if r["config"] == "neurokit"]
    m = np.array([r["n_neurons"] for r in ours], dtype=float)
    wall = np.array([r["build_s"] + r["run_s"] for r in ours])
    error = np.array([r["state_nrmse"] for r in ours])
    lines.append("")
    lines.append(f"- neurokit wall time (build + run) against m: {fit_power_law(m, wall).label()}")
    large = m >= 1e5
    if large.sum() >= 3 and np.ptp(m[large]) > 0:
        lines.append("- the same for m ≥ 10⁵, where fixed costs no longer dominate: "
                     f"{fit_power_law(m[large], wall[large]).label()}")
    lines.append(f"- neurokit state NRMSE against m: {fit_power_law(m, error).label()}")
    lines.append(format_memory_fit(m, np.array([r["peak_mb"] for r in ours]), baseline_mb))
    ideal = np.mean([r["ideal_nrmse"] for r in ours])
    delayed = {int(k): np.mean([r["nrmse"] for r in ours if r["n_neurons"] == k])
               for k in sorted(set(m))}
    lines.append(f"- delayed-output NRMSE by m: {', '.join(f'{k:,}: {v:.4f}' for k, v in delayed.items())}"
                 f"; the ideal system's own delay NRMSE is {ideal:.4f}")
    lines.append("- 1-minute load average during the runs: "
                 f"{min(r['load_1min'] for r in ok):.1f} to {max(r['load_1min'] for r in ok):.1f}")
    lines.append("")
    lines += format_floor(ours, kernels, args.duration)
    return "\n".join(lines)


def format_memory_fit(m, peak, baseline_mb):
    """Fit peak MB = a + b·m by least squares and report b and the worst residual."""
    slope, intercept = np.polyfit(m, peak, 1)
    worst = np.max(np.abs(peak - (intercept + slope * m)))
    per_neuron = {int(k): 1e6 * (peak[m == k].mean() - baseline_mb) / k for k in sorted(set(m))}
    listing = ", ".join(f"{k:,}: {v:.0f}" for k, v in per_neuron.items())
    return (f"- neurokit peak memory is linear in m: {intercept:.0f} MB + {1e6 * slope:.0f} bytes "
            f"× m, worst residual {worst:.1f} MB; bytes per neuron above the {baseline_mb:.0f} MB "
            f"import baseline by m: {listing}")


def format_floor(ours, kernels, duration):
    from neurokit.spec import load_spec

    spec = load_spec()
    largest = max(r["n_neurons"] for r in ours)
    run_s = np.mean([r["run_s"] for r in ours if r["n_neurons"] == largest])
    # The backend runs one step more than the spec, for the probe's lag.
    steps = int(round(duration / spec.dt)) + 1
    moved = BYTES_PER_NEURON_STEP * largest * steps
    reached = moved / run_s / 1e9
    # Each pair's rates sum to max_rate inside the radius, so the mean rate
    # is max_rate/2 and one exponential is drawn per spike.
    draws = spec.max_rate / 2 * spec.dt
    k = kernels
    return [
        f"Kernels at m = {k['n_neurons']:,}, float32, min of 15 (ms per step): "
        f"encoding row-major {k['encode_row_major_ms']:.2f}, column-major "
        f"{k['encode_column_major_ms']:.2f}; nengo.PoissonSpiking step "
        f"{k['nengo_poisson_step_ms']:.2f}, RescaledPoissonSpiking step "
        f"{k['rescaled_poisson_step_ms']:.2f}; decoding dense {k['decode_dense_ms']:.2f}, "
        f"sparse (10 % spiking) {k['decode_sparse_ms']:.2f}.",
        "",
        f"Floor at m = {largest:,}: about {BYTES_PER_NEURON_STEP} bytes moved per neuron-step "
        f"as run ({MIN_BYTES_PER_NEURON_STEP} for a fused step), {draws:.2f} random numbers "
        f"per neuron-step (nengo.PoissonSpiking: 1 Poisson draw). numpy copy bandwidth "
        f"{k['copy_gb_s']:.1f} GB/s; the run moved {reached:.1f} GB/s, "
        f"{reached / k['copy_gb_s']:.0%} of it. At that bandwidth the step as run needs "
        f"{BYTES_PER_NEURON_STEP * largest / k['copy_gb_s'] / 1e6:.1f} ms and a fused one "
        f"{MIN_BYTES_PER_NEURON_STEP * largest / k['copy_gb_s'] / 1e6:.1f} ms, against "
        f"{1e3 * run_s / steps:.1f} ms measured.",
    ]


def _one(rows, config, m):
    for row in rows:
        if row["config"] == config and row["n_neurons"] == m:
            return row
    return {"status": "missing", "reason": ""}


if __name__ == "__main__":
    sys.exit(main())
