"""`neurokit train`: train an EP network with EP or BPTT and record each epoch."""

import copy
import logging
import os
import sys
import time

from neurokit.cli.options import check_output_dir
from neurokit.cli.paths import resolve_spec
from neurokit.ep.build import build_model, check_compatible, load_dataset
from neurokit.ep.plots import plot_comparison, plot_training
from neurokit.ep.spec import DEFAULT_SPEC, load_spec
from neurokit.ep.training import TrainingConfig, read_records, train
from neurokit.errors import SpecError

logger = logging.getLogger(__name__)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train an Equilibrium Propagation network with EP or BPTT",
        description="Train a convergent recurrent network with discrete-time Equilibrium Propagation "
        "or with BPTT from the same initial weights. Writes per-epoch errors (CSV), a figure (PNG) "
        "and the weights (.npz) to the output directory, updated after every epoch. Results of an "
        "earlier run with the same spec and algorithm are renamed with a -previous-TIME suffix.",
    )
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC,
                        help=f"network spec (TOML); default: {DEFAULT_SPEC}")
    parser.add_argument("-o", "--out", "--output", dest="output", metavar="DIR",
                        default="neurokit-results",
                        help="output directory for CSV, PNG and .npz files (default: neurokit-results)")
    parser.add_argument("--algorithm", choices=["ep", "bptt", "both"],
                        help="training algorithm; 'both' trains EP and then BPTT from the same initial "
                        "weights (default: the spec's training.algorithm)")
    parser.add_argument("--epochs", type=int, help="number of passes over the training set (default: from the spec)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar on stderr")
    return parser


def _progress_bar(total, description, enabled):
    from tqdm import tqdm

    bar = tqdm(total=total, desc=description, unit="batch", file=sys.stderr, disable=None if enabled else True, leave=False)

    def update(epoch, batch, n_batches):
        bar.update(1)
        bar.set_postfix_str(f"epoch {epoch}")

    return bar, update


def run(args):
    check_output_dir(args.output)
    spec = load_spec(resolve_spec(args.spec))
    if args.epochs is not None:
        if args.epochs < 1:
            raise SpecError(f"--epochs {args.epochs} is invalid; use an integer >= 1")
        spec.training["epochs"] = args.epochs
    algorithms = ["ep", "bptt"] if args.algorithm == "both" else [args.algorithm or spec.training["algorithm"]]
    bptt_steps = spec.training["bptt_steps"] or spec.dynamics["K"]
    if "bptt" in algorithms and bptt_steps > spec.dynamics["T"]:
        raise SpecError(
            f"[dynamics] K = {spec.dynamics['K']} exceeds T = {spec.dynamics['T']}, but BPTT "
            "runs back through the last K free steps; use K <= T or set training.bptt_steps"
        )

    dataset = load_dataset(spec)
    initial_model = build_model(spec)
    check_compatible(initial_model, dataset)
    os.makedirs(args.output, exist_ok=True)
    stem = os.path.splitext(os.path.basename(spec.path))[0]

    finished = {}
    for algorithm in algorithms:
        model = copy.deepcopy(initial_model)
        config = TrainingConfig.from_spec(spec)
        config.algorithm = algorithm
        prefix = os.path.join(args.output, f"{stem}-{algorithm}")
        _move_previous_run(prefix)
        n_batches = -(-len(dataset.y_train) // config.batch_size)
        bar, progress = _progress_bar(config.epochs * n_batches, f"{algorithm} on {dataset.name}", not args.no_progress)
        title = f"{stem}: {algorithm.upper()} on {dataset.name}"
        try:
            records = train(model, dataset, config, csv_path=prefix + ".csv", weights_path=prefix + ".npz",
                            progress=progress,
                            on_epoch=lambda done: plot_training(done, prefix + ".png", title=title))
        except BaseException:
            # Mark the figure of the epochs that finished as a stopped run.
            csv_path = prefix + ".csv"
            finished = read_records(csv_path) if os.path.exists(csv_path) else []
            if finished:
                plot_training(finished, prefix + ".png", title=title + " (stopped)")
            raise
        finally:
            bar.close()
        plot_training(records, prefix + ".png", title=title)

        last = records[-1]
        print(f"{algorithm}: {config.epochs} epochs, final train error {100 * last.train_error:.2f}%, "
              f"test error {100 * last.test_error:.2f}%, {sum(r.seconds for r in records) / len(records):.2f} s/epoch")
        print(f"wrote {prefix}.csv, {prefix}.png and {prefix}.npz")
        finished[algorithm] = records

    if len(finished) > 1:
        figure = os.path.join(args.output, f"{stem}-ep-vs-bptt.png")
        plot_comparison(finished, figure, title=f"{stem}: EP and BPTT from the same initial weights")
        print(f"wrote {figure}")
    return 0


def _move_previous_run(prefix):
    """Move an earlier run's CSV, figure and weights aside instead of overwriting them."""
    previous = [prefix + suffix for suffix in (".csv", ".png", ".npz") if os.path.exists(prefix + suffix)]
    if not previous:
        return
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(os.path.getmtime(previous[0])))
    for path in previous:
        base, suffix = os.path.splitext(path)
        os.replace(path, f"{base}-previous-{stamp}{suffix}")
    logger.warning("moved the earlier results of %s aside with the suffix -previous-%s", prefix, stamp)
