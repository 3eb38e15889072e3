"""Figures for EP: training curves and the GDU comparison.

Every figure is written to a temporary file and renamed into place, so an
interrupted run never leaves half a figure.
"""

from __future__ import annotations

import os

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    plt = _pyplot()
    temporary = f"{path}.partial"
    fig.savefig(temporary, format=os.path.splitext(path)[1].lstrip(".") or "png", dpi=120)
    plt.close(fig)
    os.replace(temporary, path)


def _finish_error_figure(fig, ax, path, title):
    """Label an error-against-epoch axes and save its figure."""
    plt = _pyplot()
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (%)")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)


def plot_training(records, path, title=""):
    """Plot train and test error (%) against epoch for a list of EpochRecord."""
    plt = _pyplot()
    epochs = [r.epoch for r in records]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(epochs, [100 * r.train_error for r in records], marker="o", label="train")
    ax.plot(epochs, [100 * r.test_error for r in records], marker="s", label="test")
    _finish_error_figure(fig, ax, path, title)


def plot_comparison(records_by_algorithm, path, title=""):
    """Plot train (dashed) and test (solid) error of several algorithms on one axes.

    ``records_by_algorithm`` maps a name such as "ep" or "bptt" to its list
    of EpochRecord, all trained from the same initial weights.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for index, (algorithm, records) in enumerate(records_by_algorithm.items()):
        epochs = [r.epoch for r in records]
        color = f"C{index}"
        ax.plot(epochs, [100 * r.test_error for r in records], color=color, marker="o",
                label=f"{algorithm.upper()} test")
        ax.plot(epochs, [100 * r.train_error for r in records], color=color, linestyle="--",
                label=f"{algorithm.upper()} train")
    _finish_error_figure(fig, ax, path, title)


def plot_gdu(result, path, n_samples=3, seed=0):
    """Plot Delta^EP(t) (solid) against -grad^BPTT(t) (dashed) for sample components.

    One panel per layer shows ``n_samples`` components picked at random
    among those with a nonzero curve.
    """
    plt = _pyplot()
    rng = np.random.default_rng(seed)
    names = list(result.ep_curves)
    n_cols = min(3, len(names))
    n_rows = int(np.ceil(len(names) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.2 * n_cols, 3.2 * n_rows), squeeze=False)
    steps = np.arange(result.K)

    for ax, name in zip(axes.flat, names):
        ep, neg_grad = result.ep_curves[name], result.bptt_curves[name]
        active = np.flatnonzero(np.any(ep != 0, axis=0) | np.any(neg_grad != 0, axis=0))
        picked = rng.choice(active, size=min(n_samples, len(active)), replace=False) if len(active) else []
        for i, component in enumerate(picked):
            # Each color is one component. BPTT is drawn as wide, faint
            # markers under EP's thin line, so both stay visible where the
            # two curves coincide.
            color = f"C{i}"
            ax.plot(steps, neg_grad[:, component], color=color, linestyle="none", marker="o",
                    markersize=7, alpha=0.35, label="$-\\nabla^{BPTT}(t)$" if i == 0 else None)
            ax.plot(steps, ep[:, component], color=color, linewidth=1.2,
                    label="EP $\\Delta(t)$" if i == 0 else None)
        ax.set_title(name)
        ax.set_xlabel("step t of the nudged phase")

    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize="small")
    fig.suptitle(f"GDU: beta={result.beta:g}, T={result.T}, K={result.K}")
    fig.tight_layout()
    _save(fig, path)
