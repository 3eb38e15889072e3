"""`neurokit scaling`: error against neuron count for an LMU spec."""

import argparse
import logging
from pathlib import Path

from tqdm import tqdm

from neurokit.backends import BACKENDS, NEURON_TYPES
from neurokit.cli.options import check_output_dir, comma_list, positive_float, positive_int
from neurokit.errors import SpecError
from neurokit.plots import scaling_figure
from neurokit.report import format_table
from neurokit.simulate import resolve_spec
from neurokit.sweeps import plan_runs, run_scaling

logger = logging.getLogger(__name__)

# The Brian2 backend's targets, listed here so that --help does not import Brian2.
BRIAN2_TARGETS = ("cython", "cpp_standalone", "numpy")

DEFAULT_NEURONS = [500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000]


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "scaling",
        help="measure how LMU error falls with neuron count",
        description="Run every (backend, neuron type, m, seed) of an LMU spec, write "
        "DIR/results.csv and DIR/scaling.png, and print a table with fitted exponents.",
    )
    parser.add_argument("spec", nargs="?", default=None, metavar="SPEC",
                        help="LMU spec (TOML); default: networks/lmu.toml")
    parser.add_argument("--neurons", type=positive_int, nargs="+", default=DEFAULT_NEURONS,
                        metavar="N", help="neuron counts m to run (even integers, up to 10^6 "
                        "and beyond with the default analytic decoders; default: "
                        + " ".join(map(str, DEFAULT_NEURONS)) + ")")
    parser.add_argument("--seeds", type=positive_int, default=5, metavar="K",
                        help="seeds per neuron count; seed s sets the input signal, "
                        "encoders and spikes (default: 5)")
    parser.add_argument("--out", type=Path, default=Path("neurokit-results/scaling"),
                        metavar="DIR", help="output directory (default: neurokit-results/scaling)")
    parser.add_argument("--backend", type=comma_list, default=["nengo"],
                        help="comma-separated backends: " + ", ".join(BACKENDS)
                        + " (default: nengo)")
    parser.add_argument("--neuron-types", type=comma_list, default=None,
                        help="comma-separated neuron types: poisson (spiking) and rate "
                        "(non-spiking baseline) (default: poisson,rate; poisson alone "
                        "when a loihi backend runs, since the chip has no rate neurons)")
    parser.add_argument("--duration", type=positive_float, default=None, metavar="S",
                        help="simulated time per run in seconds (default: from the spec)")
    parser.add_argument("--jobs", type=positive_int, default=1,
                        help="runs in parallel worker processes; with 1, a second bar shows "
                        "the build and time steps of each run (default: 1)")
    parser.add_argument("--brian2-target", choices=BRIAN2_TARGETS, default="cython",
                        help="Brian2 code generation: cython (runtime, compiled code "
                        "cached under $NEUROKIT_BRIAN2_CACHE_DIR or ~/.cache/neurokit/brian2), "
                        "cpp_standalone (one compiled binary per m, rerun for every seed) "
                        "or numpy (no compiler) (default: cython)")
    return parser


def run(args):
    overrides = {} if args.duration is None else {"duration": args.duration}
    spec = resolve_spec(args.spec, **overrides)
    for name in args.backend:
        if name not in BACKENDS:
            raise SpecError(f"--backend {name!r} is unknown; use one of: {', '.join(BACKENDS)}")
    backends = list(args.backend)
    if "loihi" in backends and "loihi-reference" not in backends:
        # The emulator's error is drawn beside the reference simulator's for
        # the same network, which is what the chip costs.
        backends.insert(backends.index("loihi") + 1, "loihi-reference")
    neuron_types = args.neuron_types
    if neuron_types is None:
        on_loihi = any(name.startswith("loihi") for name in backends)
        neuron_types = ["poisson"] if on_loihi else list(NEURON_TYPES)
    check_output_dir(args.out)

    backend_options = {"brian2": {"target": args.brian2_target}}
    runs = plan_runs(spec, backends, neuron_types, args.neurons, args.seeds, backend_options)
    # disable=None hides the bars when stderr is not a terminal, e.g. in a log file.
    with tqdm(total=len(runs), desc="scaling", unit="run", dynamic_ncols=True, disable=None) as bar, \
            RunProgress() as run_bar:
        def advance(row):
            bar.set_postfix_str(f"{row['backend']} {row['neuron_type']} m={row['n_neurons']}")
            bar.update()
            logger.info("finished %s %s m=%d seed=%d: NRMSE %.4f", row["backend"],
                        row["neuron_type"], row["n_neurons"], row["seed"], row["nrmse"])

        # Worker processes cannot call back into this bar, so only a serial
        # sweep shows the build and steps of each run.
        if args.jobs == 1:
            backend_options["nengo"] = {"progress": run_bar}
        rows = run_scaling(spec, args.neurons, args.seeds, args.out, backends=backends,
                           neuron_types=neuron_types, jobs=args.jobs, progress=advance,
                           backend_options=backend_options)

    title = (f"{spec.name}: LMU d = {spec.order}, θ = {spec.theta * 1e3:g} ms, "
             f"τ = {spec.tau * 1e3:g} ms, dt = {spec.dt * 1e3:g} ms, "
             f"{args.seeds} seed{'s' if args.seeds > 1 else ''}")
    figure = scaling_figure(rows, args.out / "scaling.png", title=title)
    print(format_table(rows))
    print(f"\nwrote {args.out / 'results.csv'} and {figure}")
    return 0


class RunProgress:
    """A second tqdm bar for the run in progress, called as ``(phase, done, total)``."""

    def __init__(self):
        self.bar = tqdm(total=1, desc="build", unit="step", position=1, leave=False, disable=None,
                        dynamic_ncols=True)

    def __call__(self, phase, done, total):
        if done == 0:
            self.bar.set_description_str(phase, refresh=False)
            self.bar.reset(total=total)
        self.bar.n = done
        self.bar.refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.bar.close()
