"""Time Brian2 (Cython runtime and cpp_standalone) against Nengo on the LMU memory.

For each neuron count m the three backends run the same spiking task side by
side in this process, so load from other jobs on the machine affects all of
them alike and the ratios stay meaningful. Each backend runs two seeds:

- seed 0 pays the first compile. The Cython cache and the standalone
  projects start empty in a temporary directory, so the first Cython run is
  a cold compile. Later neuron counts reuse the compiled Cython code, while
  cpp_standalone compiles one binary per m.
- seed 1 reuses the compiled code (a standalone rerun with new run_args).

Usage:
    PYTHONPATH=. python scripts/benchmark_brian2.py --neurons 1000 10000 100000
    PYTHONPATH=. python scripts/benchmark_brian2.py --neurons 1000000 --duration 1

It prints a Markdown table with build, compile and run seconds, the state
NRMSE, and the run-time ratios against Nengo.
"""

import argparse
import logging
import tempfile
import time
from pathlib import Path

from neurokit.analysis import evaluate
from neurokit.backends import get_backend
from neurokit.simulate import resolve_spec
from neurokit.task import build_task

BACKENDS = (
    ("nengo", "nengo", {}),
    ("brian2 cython", "brian2", {"target": "cython"}),
    ("brian2 standalone", "brian2", {"target": "cpp_standalone"}),
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[1000, 10000, 100000],
                        help="neuron counts m (default: 1000 10000 100000)")
    parser.add_argument("--duration", type=float, default=1.0,
                        help="simulated seconds per run (default: 1.0)")
    parser.add_argument("--seeds", type=int, default=2,
                        help="seeds per backend and m; seed 0 compiles (default: 2)")
    return parser.parse_args()


def time_one(label, name, options, spec, m, seed):
    """Run one backend on one seed and return its timings as a dict."""
    task = build_task(spec.replace(n_neurons=m), seed)
    start = time.perf_counter()
    result = get_backend(name, **options).run(task, m, "poisson", seed)
    total = time.perf_counter() - start
    return {
        "backend": label, "m": m, "seed": seed,
        "build_s": result.build_s, "compile_s": result.extra.get("compile_s", 0.0),
        "run_s": result.run_s, "total_s": total,
        "state_nrmse": evaluate(result, spec.settle)["state_nrmse"],
    }


def format_rows(rows):
    lines = [
        "| m | backend | seed | build s | compile s | run s | total s | run / Nengo run "
        "| total / Nengo total | state NRMSE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    peers = {(r["m"], r["seed"]): r for r in rows if r["backend"] == "nengo"}
    for r in rows:
        peer = peers[(r["m"], r["seed"])]
        lines.append(
            f"| {r['m']:,} | {r['backend']} | {r['seed']} | {r['build_s']:.2f} "
            f"| {r['compile_s']:.2f} | {r['run_s']:.2f} | {r['total_s']:.2f} "
            f"| {r['run_s'] / peer['run_s']:.2f} | {r['total_s'] / peer['total_s']:.2f} "
            f"| {r['state_nrmse']:.4f} |"
        )
    return "\n".join(lines)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.WARNING)
    spec = resolve_spec(None, duration=args.duration)
    rows = []
    with tempfile.TemporaryDirectory(prefix="neurokit-bench-") as scratch:
        scratch = Path(scratch)
        for m in sorted(args.neurons):
            for seed in range(args.seeds):
                for label, name, options in BACKENDS:
                    if name == "brian2":
                        options = dict(options, cache_dir=scratch / "cython",
                                       build_dir=scratch / "standalone")
                    row = time_one(label, name, options, spec, m, seed)
                    rows.append(row)
                    print(f"m={m} seed={seed} {label}: build {row['build_s']:.2f} s, "
                          f"compile {row['compile_s']:.2f} s, run {row['run_s']:.2f} s",
                          flush=True)
    print()
    print(f"duration {spec.duration} s, dt {spec.dt} s, d = {spec.order}, Poisson neurons")
    print(format_rows(rows))


if __name__ == "__main__":
    main()
