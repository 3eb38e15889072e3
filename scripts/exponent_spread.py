"""Measure the spread of the fitted Poisson exponent over disjoint seed triples.

The exponent test in tests/test_nengo_backend.py fits state NRMSE against m
for m = 500 … 8000 and seeds 0–2. This script repeats that fit for 6
disjoint triples of seeds (0–17) to justify the test's bounds:

    .venv/bin/python scripts/exponent_spread.py
"""

import numpy as np

import neurokit as nk
from neurokit.backends import get_backend
from neurokit.task import build_task

N_NEURONS = [500, 1000, 2000, 4000, 8000]


def main(n_triples=6):
    spec = nk.load_spec(duration=1.0)
    backend = get_backend("nengo")
    exponents = []
    for triple in range(n_triples):
        seeds = range(3 * triple, 3 * triple + 3)
        m, errors = [], []
        for seed in seeds:
            task = build_task(spec, seed)
            for n in N_NEURONS:
                result = backend.run(task, n, "poisson")
                m.append(n)
                errors.append(nk.evaluate(result, spec.settle)["state_nrmse"])
        exponents.append(nk.fit_power_law(m, errors).exponent)
        print(f"seeds {seeds.start}-{seeds.stop - 1}: exponent {exponents[-1]:+.3f}")
    print(f"mean {np.mean(exponents):+.3f}, standard deviation {np.std(exponents, ddof=1):.3f}")


if __name__ == "__main__":
    main()
