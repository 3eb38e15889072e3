"""`neurokit gdu`: compare EP's per-step updates with BPTT's per-step gradients."""

import logging
import os

import numpy as np

from neurokit.cli.options import check_output_dir
from neurokit.cli.paths import resolve_spec
from neurokit.datasets import one_hot
from neurokit.ep.build import build_model, check_compatible, load_dataset
from neurokit.ep.gdu import compare_gdu
from neurokit.ep.phases import free_phase
from neurokit.ep.plots import plot_gdu
from neurokit.ep.spec import DEFAULT_SPEC, load_spec
from neurokit.ep.training import load_weights
from neurokit.errors import DataError, SpecError

logger = logging.getLogger(__name__)

# Largest change of any neuron in the last free step for which the free
# phase counts as converged; EP's updates at beta = 1e-4 differ from BPTT's
# gradients by about 1e-4 relative, so a larger residual would dominate.
CONVERGED = 1e-6


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "gdu",
        help="check that EP's updates match BPTT's gradients step by step",
        description="Run EP's nudged phase and BPTT on one batch of training images, in float64, and print "
        "the relative RMSE and the sign agreement of Delta^EP(t) against -grad^BPTT(t) for each layer. "
        "Plots sample curves to a PNG file.",
    )
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC, help=f"network spec (TOML); default: {DEFAULT_SPEC}")
    parser.add_argument("-o", "--out", "--output", dest="output", metavar="DIR",
                        default="neurokit-results",
                        help="output directory for the PNG figure (default: neurokit-results)")
    parser.add_argument("--beta", type=float, help="nudging strength, dimensionless (default: the spec's gdu.beta)")
    parser.add_argument("--weights", help="an .npz file from `neurokit train` to check instead of the initial weights")
    return parser


def run(args):
    check_output_dir(args.output)
    spec = load_spec(resolve_spec(args.spec))
    beta = spec.gdu["beta"] if args.beta is None else args.beta
    if not beta > 0:
        raise SpecError(f"--beta {beta} is invalid; use a number > 0")
    T = spec.gdu["T"] or spec.dynamics["T"]
    K = spec.gdu["K"] or spec.dynamics["K"]
    if K > T:
        raise SpecError(f"[gdu] K = {K} exceeds T = {T}; BPTT can go back at most T steps")

    dataset = load_dataset(spec)
    model = build_model(spec, dtype=np.float64)
    check_compatible(model, dataset)
    if args.weights:
        if not os.path.isfile(args.weights):
            raise DataError(f"weights file not found: {args.weights}")
        load_weights(model, args.weights)

    n = spec.gdu["batch_size"]
    x = dataset.x_train[:n].astype(np.float64)
    y = one_hot(dataset.y_train[:n], model.sizes[-1], dtype=np.float64)
    result = compare_gdu(model, x, y, T, K, beta)
    last_step = _last_free_step(model, x, T)

    print(f"GDU check: beta={beta:g}, T={T}, K={K}, {len(x)} samples, float64")
    print(f"{'layer':<8}{'kind':<12}{'components':>11}{'relative RMSE':>16}{'sign agreement':>16}")
    for layer in result.layers:
        print(f"{layer.name:<8}{layer.kind:<12}{layer.n_components:>11}{layer.relative_rmse:>16.3e}"
              f"{layer.sign_agreement:>16.3f}")

    if last_step > CONVERGED:
        print(f"warning: the free phase has not converged: its last step still moves the state by "
              f"{last_step:.2g} (max abs), so the GDU property need not hold; raise gdu.T or "
              "dynamics.T")
    if spec.network["setting"] == "prototypical" and spec.network["activation"] != "identity":
        print("note: with a nonlinear activation the dynamics are rho(dPhi/ds), not dPhi/ds, so EP's "
              "neuron updates match BPTT only approximately; activation = \"identity\" is the exact case")

    os.makedirs(args.output, exist_ok=True)
    stem = os.path.splitext(os.path.basename(spec.path))[0]
    figure = os.path.join(args.output, f"{stem}-gdu.png")
    plot_gdu(result, figure, n_samples=spec.gdu["n_plot"])
    print(f"wrote {figure}")
    return 0


def _last_free_step(model, x, T):
    """Return max |s_T − s_(T−1)| over all neurons of the free phase."""
    before = free_phase(model, x, T - 1) if T > 1 else model.zero_state(x.shape[0])
    after = free_phase(model, x, T)
    return max(float(np.max(np.abs(a - b))) for a, b in zip(after, before))
