"""Summaries of scaling sweeps: per-m statistics, fitted exponents and a table."""

import collections

import numpy as np

from neurokit.analysis import fit_power_law
from neurokit.errors import SimulationError

METRICS = ("nrmse", "state_nrmse")

# Errors at or below this are rounding noise of an exact network (float64).
EXACT = 1e-9


def group_rows(rows):
    """Group result rows by (backend, neuron_type); keys keep first-seen order."""
    groups = collections.OrderedDict()
    for row in rows:
        groups.setdefault((row["backend"], row["neuron_type"]), []).append(row)
    return groups


def fit_group(rows, metric):
    """Fit error ∝ m^k over every run of one group, or return None if it cannot.

    A group cannot be fitted when it has fewer than two neuron counts or an
    error at rounding level (the rate network's state, which is exact).
    """
    m = np.array([row["n_neurons"] for row in rows], dtype=float)
    errors = np.array([row[metric] for row in rows], dtype=float)
    if np.any(errors <= EXACT) or len(np.unique(m)) < 2:
        return None
    try:
        return fit_power_law(m, errors)
    except SimulationError:
        return None


def summarize(rows):
    """Return one line per (backend, neuron type, m) with means and spreads."""
    lines = []
    for (backend, neuron_type), group in group_rows(rows).items():
        by_m = collections.defaultdict(list)
        for row in group:
            by_m[row["n_neurons"]].append(row)
        for m in sorted(by_m):
            runs = by_m[m]
            line = {"backend": backend, "neuron_type": neuron_type, "n_neurons": m,
                    "runs": len(runs)}
            for key in ("nrmse", "state_nrmse", "ideal_nrmse", "build_s", "run_s"):
                values = np.array([r[key] for r in runs], dtype=float)
                line[key] = float(values.mean())
                line[key + "_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            lines.append(line)
    return lines


def format_table(rows):
    """Return the sweep as a plain-text table with fitted exponents below it."""
    lines = summarize(rows)
    width = max([len("backend")] + [len(line["backend"]) for line in lines])
    type_width = max([len("neurons")] + [len(line["neuron_type"]) for line in lines])
    header = (f"{'backend':<{width}} {'neurons':<{type_width}} {'m':>8} {'runs':>4} "
              f"{'NRMSE':>16} {'state NRMSE':>16} {'ideal':>7} {'build s':>8} {'run s':>8}")
    out = [header, "-" * len(header)]
    for line in lines:
        out.append(
            f"{line['backend']:<{width}} {line['neuron_type']:<{type_width}} {line['n_neurons']:>8d} "
            f"{line['runs']:>4d} {line['nrmse']:>8.4f} ±{line['nrmse_std']:<6.4f} "
            f"{line['state_nrmse']:>8.4f} ±{line['state_nrmse_std']:<6.4f} "
            f"{line['ideal_nrmse']:>7.4f} {line['build_s']:>8.2f} {line['run_s']:>8.2f}"
        )
    out.append("NRMSE columns: mean ± standard deviation over seeds; ideal: the LMU "
               "without neurons.")
    out.append("")
    out.append("Fitted exponents k of error ∝ m^k (± half-width of the 95% CI), over all seeds:")
    for (backend, neuron_type), group in group_rows(rows).items():
        for metric in METRICS:
            fit = fit_group(group, metric)
            text = fit.label() if fit else "not fitted (exact or single m)"
            out.append(f"  {backend} {neuron_type} {metric}: {text}")
    return "\n".join(out)
