"""The GDU property: EP's per-step updates against BPTT's per-step gradients.

Ernoult et al. (NeurIPS 2019) show that when F = dPhi/ds and the free phase
has converged, Delta_s(beta, t) -> -dL/ds_{T-t} and
Delta_theta(beta, t) -> -dL/dtheta_{T-t} as beta -> 0, for every t < K.
Their agreement is measured per component (one neuron of one sample, or one
parameter entry) by the relative RMSE over t = 0 .. K-1,

    sqrt( sum_t (Delta(t) - (-grad(t)))^2 / max(sum_t grad(t)^2, sum_t Delta(t)^2) ),

averaged over the components of a layer, and by the fraction of (t,
component) pairs where Delta(t) and -grad(t) have the same sign (see
``sign_agreement`` for which pairs count).
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from neurokit.ep.bptt import bptt
from neurokit.ep.phases import ep_updates_per_step

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class LayerAgreement:
    """Agreement between EP updates and negative BPTT gradients for one layer."""

    name: str
    kind: str  # "neurons" or "parameters"
    relative_rmse: float
    sign_agreement: float
    n_components: int


@dataclasses.dataclass
class GDUResult:
    """Per-layer agreement and the (K, components) curves it was computed from."""

    layers: list
    ep_curves: dict
    bptt_curves: dict
    beta: float
    T: int
    K: int


def relative_rmse(delta, neg_grad):
    """Return the per-component relative RMSE over axis 0 (time).

    Components where both curves are exactly zero are returned as NaN and
    left out of layer means.
    """
    numerator = np.sum((delta - neg_grad) ** 2, axis=0)
    denominator = np.maximum(np.sum(neg_grad**2, axis=0), np.sum(delta**2, axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(numerator / denominator)


def sign_agreement(delta, neg_grad, tolerance=1e-3):
    """Return the fraction of (t, component) entries where Delta and -grad share a sign.

    Only entries where |grad(t)| exceeds ``tolerance`` times that component's
    largest |grad| count. In a layered network with synchronous updates,
    BPTT's gradient of a layer is exactly zero on every other step, and
    EP's update there is rounding noise of either sign, so those entries
    carry no sign to compare.
    """
    scale = np.max(np.abs(neg_grad), axis=0, keepdims=True)
    counted = np.abs(neg_grad) > tolerance * scale
    if not np.any(counted):
        return float("nan")
    return float(np.mean(np.sign(delta[counted]) == np.sign(neg_grad[counted])))


def compare_gdu(model, x, y, T, K, beta):
    """Run EP and BPTT on one batch and compare them step by step.

    BPTT runs through the last K of the T free steps, so that its K per-step
    gradients line up with EP's K nudged steps.
    """
    delta_s, delta_theta, _ = ep_updates_per_step(model, x, y, T, K, beta)
    _, _, grads_s, grads_theta = bptt(model, x, y, T, n_backward=K, record=True)

    ep_curves = {}
    bptt_curves = {}
    kinds = {}
    for k in range(model.n_layers):
        name = f"s{k + 1}"
        kinds[name] = "neurons"
        ep_curves[name] = np.stack([step[k].reshape(-1) for step in delta_s])
        bptt_curves[name] = -np.stack([grads_s[t][k].reshape(-1) for t in range(K)])
    for p, name in enumerate(model.param_names):
        kinds[name] = "parameters"
        ep_curves[name] = np.stack([step[p].reshape(-1) for step in delta_theta])
        bptt_curves[name] = -np.stack([step[p].reshape(-1) for step in grads_theta])

    layers = []
    for name in ep_curves:
        rmse = relative_rmse(ep_curves[name], bptt_curves[name])
        layers.append(
            LayerAgreement(
                name=name,
                kind=kinds[name],
                relative_rmse=float(np.nanmean(rmse)) if np.any(np.isfinite(rmse)) else float("nan"),
                sign_agreement=sign_agreement(ep_curves[name], bptt_curves[name]),
                n_components=int(ep_curves[name].shape[1]),
            )
        )
        logger.info("GDU %s: relative RMSE %.3g, sign agreement %.3f", name, layers[-1].relative_rmse, layers[-1].sign_agreement)
    return GDUResult(layers, ep_curves, bptt_curves, float(beta), int(T), int(K))
