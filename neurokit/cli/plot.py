"""`neurokit plot`: redraw the scaling figure and table from a results CSV."""

from pathlib import Path

from neurokit.cli.options import check_output_dir
from neurokit.errors import DataError
from neurokit.plots import scaling_figure
from neurokit.report import format_table
from neurokit.sweeps import read_results

REQUIRED_COLUMNS = ("backend", "neuron_type", "n_neurons", "nrmse", "state_nrmse", "ideal_nrmse")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "plot",
        help="draw error against neuron count from results CSV files",
        description="Read one or more results.csv files written by `neurokit scaling`, "
        "draw their error-scaling curves in one figure and print the table.",
    )
    parser.add_argument("results", nargs="+", type=Path, metavar="CSV",
                        help="results.csv files; runs from all of them are drawn together")
    parser.add_argument("--out", type=Path, default=Path("scaling.png"),
                        help="figure path; the suffix (.png, .svg, .pdf) sets the format "
                        "(default: scaling.png)")
    parser.add_argument("--title", default=None, help="figure title (default: none)")
    return parser


def run(args):
    rows = []
    for path in args.results:
        if not path.is_file():
            raise DataError(f"results file {str(path)!r} was not found; give a results.csv "
                            "written by `neurokit scaling`")
        found = read_results(path)
        missing = [c for c in REQUIRED_COLUMNS if found and c not in found[0]]
        if not found or missing:
            raise DataError(f"{path} is not a neurokit results file (missing "
                            f"{', '.join(missing) or 'rows'}); give a results.csv from `neurokit scaling`")
        for row in found:
            row["source"] = str(path)
        rows.extend(found)

    _reject_repeated_runs(rows)
    _label_settings(rows)

    if args.out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise DataError(f"--out {str(args.out)!r} has no image suffix; use .png, .svg or .pdf")
    check_output_dir(args.out.parent, option="the directory of --out")
    figure = scaling_figure(rows, args.out, title=args.title)
    print(format_table(rows))
    print(f"\nwrote {figure}")
    return 0


# Columns that identify one run, and the subset that describes its setting.
RUN_KEY = ("network", "backend", "neuron_type", "n_neurons", "order", "seed",
           "theta", "tau", "dt", "duration")
SETTING = ("network", "order", "theta", "tau", "dt", "duration")
SETTING_NAMES = {"network": "", "order": "d=", "theta": "θ=", "tau": "τ=", "dt": "dt=",
                 "duration": "T="}


def _reject_repeated_runs(rows):
    seen = {}
    for row in rows:
        key = tuple(row.get(column) for column in RUN_KEY)
        if key in seen:
            raise DataError(
                f"the run {row['backend']} {row['neuron_type']} m={row['n_neurons']} "
                f"seed={row['seed']} appears in both {seen[key]} and {row['source']}; "
                "pass each results file once"
            )
        seen[key] = row["source"]


def _label_settings(rows):
    # Curves from different settings (say d = 4 and d = 6) must not pool,
    # so the setting values that differ between files join the curve label.
    differing = [c for c in SETTING if len({row.get(c) for row in rows}) > 1]
    if not differing:
        return
    for row in rows:
        parts = [f"{SETTING_NAMES[c]}{row.get(c)}" for c in differing]
        row["backend"] = f"{row['backend']} [{' '.join(parts)}]"
