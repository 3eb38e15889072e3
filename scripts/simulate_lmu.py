"""Simulate one spiking LMU memory and plot its input, delayed outputs and spikes.

Run from the repository root:

    .venv/bin/python scripts/simulate_lmu.py --n-neurons 8000 --out lmu-run.png
"""

import argparse
import logging

import neurokit as nk
from neurokit.plots import run_figure
from neurokit.spec import DEFAULT_SPEC


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--spec", default=str(DEFAULT_SPEC),
                        help="LMU spec (TOML)")
    parser.add_argument("--n-neurons", type=int, default=8000, help="Poisson neurons m (even)")
    parser.add_argument("--seed", type=int, default=0, help="seed for input, encoders and spikes")
    parser.add_argument("--out", default="lmu-run.png", help="figure path (.png or .svg)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

    result = nk.simulate(args.spec, n_neurons=args.n_neurons, seed=args.seed, record_spikes=40)

    metrics = result.extra["metrics"]
    print(f"m = {result.n_neurons}: delayed-output NRMSE {metrics['nrmse']:.3f} "
          f"(ideal LMU {metrics['ideal_nrmse']:.3f}), state NRMSE {metrics['state_nrmse']:.3f}, "
          f"build {result.build_s:.2f} s, run {result.run_s:.2f} s")
    print("wrote", run_figure(result, args.out))


if __name__ == "__main__":
    main()
