"""Measure the seed-to-seed spread of EP and BPTT test error on digits.

Trains networks/ep-digits.toml with EP and with BPTT from the same initial
weights for each seed (the seed sets both the initialization and the
shuffling order) and prints the mean test error of the last 3 epochs. The
bounds in tests/test_ep_training.py come from this spread.

Usage:
    python scripts/digits_seed_spread.py --seeds 10
"""

import argparse
import copy
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from neurokit.ep.build import build_model, load_dataset  # noqa: E402
from neurokit.ep.spec import load_spec  # noqa: E402
from neurokit.ep.training import TrainingConfig, train  # noqa: E402

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "networks", "ep-digits.toml")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds, starting at 0 (default 10)")
    args = parser.parse_args()

    spec = load_spec(SPEC)
    dataset = load_dataset(spec)
    errors = {"ep": [], "bptt": []}
    for seed in range(args.seeds):
        spec.network["seed"] = seed
        spec.training["seed"] = seed
        initial = build_model(spec)
        for algorithm in errors:
            config = TrainingConfig.from_spec(spec)
            config.algorithm = algorithm
            records = train(copy.deepcopy(initial), dataset, config)
            errors[algorithm].append(float(np.mean([r.test_error for r in records[-3:]])))
        print(f"seed {seed}: EP {100 * errors['ep'][-1]:.2f}%, BPTT {100 * errors['bptt'][-1]:.2f}%", flush=True)

    for algorithm, values in errors.items():
        print(f"{algorithm}: last-3 test error min {100 * min(values):.2f}%, mean {100 * np.mean(values):.2f}%, "
              f"max {100 * max(values):.2f}%")
    difference = np.array(errors["ep"]) - np.array(errors["bptt"])
    print(f"EP - BPTT: min {100 * difference.min():+.2f}, max {100 * difference.max():+.2f}, "
          f"standard deviation {100 * difference.std(ddof=1):.2f} percentage points")


if __name__ == "__main__":
    main()
