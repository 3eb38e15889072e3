"""Error metrics and power-law fits."""

import numpy as np
import pytest

from neurokit.analysis import fit_power_law, nrmse
from neurokit.errors import SimulationError


def test_nrmse_of_known_error():
    target = np.array([1.0, -1.0, 1.0, -1.0])
    assert nrmse(target + 0.5, target) == pytest.approx(0.5)
    assert nrmse(target, target) == 0.0


def test_nrmse_of_zero_target():
    with pytest.raises(SimulationError, match="zero"):
        nrmse(np.ones(3), np.zeros(3))


def test_power_law_fit_recovers_exponent_and_interval():
    rng = np.random.default_rng(0)
    m = np.repeat([1e3, 4e3, 1.6e4, 6.4e4], 5)
    covered = 0
    for _ in range(200):
        errors = 3.0 * m**-0.5 * np.exp(0.1 * rng.standard_normal(len(m)))
        fit = fit_power_law(m, errors)
        covered += fit.low <= -0.5 <= fit.high
    # A 95% interval must cover the true exponent in about 95% of trials;
    # with 200 trials the binomial standard deviation is 1.5%.
    assert 0.90 <= covered / 200 <= 0.99


def test_power_law_fit_needs_two_counts():
    with pytest.raises(SimulationError, match="at least 3 runs"):
        fit_power_law([100, 100, 100], [1.0, 1.1, 0.9])
