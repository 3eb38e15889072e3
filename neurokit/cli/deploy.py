"""`neurokit deploy`: run an LMU spec on the Loihi emulator and report the chip's cost."""

import logging
from pathlib import Path

from neurokit.cli.options import check_output_dir, nonnegative_int, positive_float, positive_int
from neurokit.deploy import deploy, format_report, write_report
from neurokit.hardware import load_profile
from neurokit.simulate import resolve_spec

logger = logging.getLogger(__name__)

# The dense on-chip recurrence needs m² weights, so the default spec's 4000
# neurons would fill most of a chip and take minutes on the emulator.
DEFAULT_NEURONS = 512


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "deploy",
        help="run an LMU spec on the Loihi emulator and report error, resources and energy",
        description="Build the spec for the nengo-loihi emulator (target='sim') with a "
        "hardware profile, run it beside Nengo's reference simulator for the same network, "
        "print the report and save it as DIR/deploy-SPEC-PROFILE.json.",
    )
    parser.add_argument("spec", nargs="?", default=None, metavar="SPEC",
                        help="LMU spec (TOML); default: networks/lmu.toml")
    parser.add_argument("--hardware", default="loihi", metavar="PROFILE",
                        help="hardware profile: a TOML path or a name in hardware/ "
                        "(loihi, analog; default: loihi)")
    parser.add_argument("--neurons", type=positive_int, default=DEFAULT_NEURONS, metavar="N",
                        help=f"neuron count m, an even integer (default: {DEFAULT_NEURONS}, "
                        "smaller than the spec's because the recurrence is m x m on chip)")
    parser.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the input signal, encoders and spikes (default: 0)")
    parser.add_argument("--duration", type=positive_float, default=None, metavar="S",
                        help="simulated time in seconds (default: from the spec)")
    parser.add_argument("--out", type=Path, default=Path("neurokit-results/deploy"),
                        metavar="DIR", help="output directory (default: neurokit-results/deploy)")
    return parser


def run(args):
    overrides = {"n_neurons": args.neurons}
    if args.duration is not None:
        overrides["duration"] = args.duration
    spec = resolve_spec(args.spec, **overrides)
    profile = load_profile(args.hardware)
    check_output_dir(args.out)

    report = deploy(spec, profile, seed=args.seed)
    path = write_report(report, args.out)
    print(format_report(report))
    print(f"\nwrote {path}")
    return 0
