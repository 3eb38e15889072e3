"""Error metrics and power-law fits with confidence intervals."""

import dataclasses

import numpy as np
import scipy.stats

from neurokit.errors import SimulationError


def nrmse(estimate, target):
    """Return the RMS of (estimate − target) divided by the RMS of target.

    Both arrays are flattened, so for a (steps, d) state this is the error
    over all dimensions relative to the state's overall RMS.
    """
    estimate = np.asarray(estimate, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    scale = np.sqrt(np.mean(target**2))
    if scale == 0:
        raise SimulationError("the target signal is zero, so its NRMSE is undefined")
    return float(np.sqrt(np.mean((estimate - target) ** 2)) / scale)


def evaluate(result, settle):
    """Return the error metrics of a run, skipping the first ``settle`` seconds.

    ``nrmse`` is the mean over readout delays of the delayed output's NRMSE
    against the true delayed input. ``state_nrmse`` compares the network's
    state with the ideal state. ``ideal_nrmse`` is the ideal system's own
    delay error, the floor that no network can beat.
    """
    keep = result.t > settle
    per_delay = [nrmse(result.delayed[keep, j], result.target[keep, j])
                 for j in range(len(result.delays))]
    ideal = [nrmse(result.ideal_delayed[keep, j], result.target[keep, j])
             for j in range(len(result.delays))]
    metrics = {
        "nrmse": float(np.mean(per_delay)),
        "state_nrmse": nrmse(result.state[keep], result.ideal_state[keep]),
        "ideal_nrmse": float(np.mean(ideal)),
    }
    for delay, value in zip(result.delays, per_delay):
        metrics[f"nrmse_delay_{delay:g}"] = value
    return metrics


@dataclasses.dataclass(frozen=True)
class PowerLawFit:
    """error ≈ coefficient · m^exponent, fitted on log-log axes."""

    exponent: float
    coefficient: float
    low: float  # lower end of the exponent's confidence interval
    high: float  # upper end
    confidence: float
    n_points: int

    def __call__(self, m):
        return self.coefficient * np.asarray(m, dtype=np.float64) ** self.exponent

    def label(self):
        half = (self.high - self.low) / 2
        return f"slope {self.exponent:+.3f} ± {half:.3f} ({self.confidence:.0%} CI)"


def fit_power_law(n_neurons, errors, confidence=0.95):
    """Fit log(error) = log(c) + k·log(m) by least squares over all runs.

    The interval on k uses Student's t with n − 2 degrees of freedom, so
    every seed at every m counts as one point.
    """
    x = np.log(np.asarray(n_neurons, dtype=np.float64))
    y = np.log(np.asarray(errors, dtype=np.float64))
    if len(x) < 3 or np.ptp(x) == 0:
        raise SimulationError(
            f"a power-law fit needs at least 3 runs over 2 or more neuron counts, got {len(x)}"
        )
    fit = scipy.stats.linregress(x, y)
    half = scipy.stats.t.ppf(0.5 + confidence / 2, len(x) - 2) * fit.stderr
    return PowerLawFit(float(fit.slope), float(np.exp(fit.intercept)),
                       float(fit.slope - half), float(fit.slope + half),
                       confidence, len(x))
