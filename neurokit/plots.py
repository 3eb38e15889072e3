"""Figures: error-scaling curves and single-run traces with a spike raster.

Figures are written to a temporary file and renamed, so a failed or
interrupted save never leaves a half-written image.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurokit.report import EXACT, fit_group, group_rows, summarize  # noqa: E402

_BACKEND_STYLES = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":")]

_METRIC_TITLES = {
    "nrmse": "Delayed output NRMSE vs true delayed input",
    "state_nrmse": "State NRMSE vs ideal LMU state",
}


def save_figure(fig, path):
    """Save a figure atomically (format from the suffix) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial" + path.suffix)
    fig.savefig(temporary, dpi=150, bbox_inches="tight")
    plt.close(fig)
    os.replace(temporary, path)
    return path


def scaling_figure(rows, path, title=None):
    """Draw error against neuron count on log-log axes for every group.

    Each group gets its seeds as faint points, its mean as a line, and its
    fitted exponent with 95% interval in the legend. The left panel also
    draws the ideal system's own delay error as the floor.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    summary = summarize(rows)
    backends = list(dict.fromkeys(row["backend"] for row in rows))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    for ax, metric in zip(axes, ("nrmse", "state_nrmse")):
        for index, ((backend, neuron_type), group) in enumerate(group_rows(rows).items()):
            color = colors[index % len(colors)]
            values = np.array([r[metric] for r in group], dtype=float)
            if np.all(values <= EXACT):
                continue
            m = np.array([r["n_neurons"] for r in group], dtype=float)
            ax.scatter(m, values, s=12, alpha=0.35, color=color)

            means = [(s["n_neurons"], s[metric]) for s in summary
                     if s["backend"] == backend and s["neuron_type"] == neuron_type]
            fit = fit_group(group, metric)
            label = f"{backend} {neuron_type}"
            label += f": {fit.label()}" if fit else ""
            # Backends differ by marker and line style, so curves that lie on
            # top of each other (rate networks, which are exact) stay visible.
            marker, linestyle = _BACKEND_STYLES[backends.index(backend) % len(_BACKEND_STYLES)]
            ax.plot(*zip(*means), marker=marker, linestyle=linestyle, color=color,
                    markerfacecolor="none" if backends.index(backend) else color, label=label)

        if metric == "state_nrmse" and ax.lines:
            # A guide through the first spiking mean with slope −1/2, which
            # Poisson spike noise predicts (error ∝ d/√m).
            m0, e0 = ax.lines[0].get_data()
            guide = np.array([m0[0], m0[-1]], dtype=float)
            ax.plot(guide, e0[0] * (guide / guide[0]) ** -0.5, ":", color="gray",
                    label="reference slope −1/2")
        if metric == "nrmse":
            _draw_ideal_floors(ax, rows)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("neurons m")
        ax.set_ylabel("NRMSE")
        ax.set_title(_METRIC_TITLES[metric], fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        if not ax.lines:
            ax.text(0.5, 0.5, f"every run is exact (NRMSE below {EXACT:g})",
                    transform=ax.transAxes, ha="center", va="center", color="gray")
        _widen_narrow_limits(ax)

    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


# Spec values that set the ideal system's own error; runs that share them
# share one floor.
_FLOOR_KEY = ("network", "order", "theta", "tau", "dt", "duration")


def _draw_ideal_floors(ax, rows):
    floors = {}
    for row in rows:
        floors.setdefault(tuple(row.get(c) for c in _FLOOR_KEY), []).append(row["ideal_nrmse"])
    styles = ["--", (0, (1, 1)), (0, (5, 2, 1, 2)), (0, (3, 3))]
    for index, (key, values) in enumerate(floors.items()):
        floor = float(np.mean(values))
        label = f"ideal LMU (no neurons): {floor:.4f}"
        if len(floors) > 1:
            label = f"ideal LMU {key[0]} d={key[1]}: {floor:.4f}"
        ax.axhline(floor, color="black", linestyle=styles[index % len(styles)], linewidth=1,
                   label=label)


def _widen_narrow_limits(ax):
    # On a log axis, data spanning less than a factor of 2 gets ticks that
    # all print the same value, so such ranges are widened to a factor of 4.
    values = [y for line in ax.lines for y in np.atleast_1d(line.get_ydata()) if y > 0]
    if values and max(values) / min(values) < 2:
        middle = np.sqrt(max(values) * min(values))
        ax.set_ylim(middle / 2, middle * 2)


def run_figure(result, path, max_raster=50):
    """Plot a run's input, delayed outputs against targets, and a spike raster."""
    n_panels = 3 if result.spikes is not None else 2
    fig, axes = plt.subplots(n_panels, 1, figsize=(10, 2.6 * n_panels), sharex=True)

    axes[0].plot(result.t, result.u, color="black", linewidth=1)
    axes[0].set_ylabel("input u")
    axes[0].set_title(f"{result.backend} {result.neuron_type}, m = {result.n_neurons}, "
                      f"d = {result.order}", fontsize=10)

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, delay in enumerate(result.delays):
        color = colors[j % len(colors)]
        axes[1].plot(result.t, result.target[:, j], color=color, linestyle="--", linewidth=1)
        axes[1].plot(result.t, result.delayed[:, j], color=color, linewidth=0.8, alpha=0.8,
                     label=f"u(t − {delay * 1e3:g} ms)")
    axes[1].set_ylabel("decoded delays")
    axes[1].legend(fontsize=8, loc="upper right", title="solid: network, dashed: true",
                   title_fontsize=8)

    if result.spikes is not None:
        counts = result.spikes[:, :max_raster]
        steps, neurons = np.nonzero(counts)
        axes[2].scatter(result.t[steps], neurons, marker="|", s=6, linewidths=0.6, color="black")
        axes[2].set_ylabel("neuron")
        axes[2].set_ylim(-0.5, counts.shape[1] - 0.5)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return save_figure(fig, path)
