"""Gradient at the free fixed point by implicit differentiation.

At a fixed point s* = F(x, s*, theta), with F = rho(dPhi/ds), the implicit
function theorem gives

    dL/dtheta = g^T dF/dtheta,  where (I - J)^T g = dl/ds*,  J = dF/ds at s*.

This is the adjoint equation of recurrent backpropagation (Almeida 1987,
Pineda 1987), solved here as one linear system per sample, as Deep
Equilibrium Models do (Bai, Kolter & Koltun, NeurIPS 2019). J = diag(rho'(a))
H_Phi, so J^T w = H_Phi (rho'(a) * w) because the Hessian H_Phi is symmetric.

The system is assembled densely from Hessian products, one per state unit,
which costs O(batch * units^2) memory. That suits the networks used for
checks and for the GDU comparison.
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.ep.phases import free_phase

logger = logging.getLogger(__name__)

# At 4096 state units the dense float64 system takes 134 MB per sample.
# NOTE: the paper-sized conv net has 5,642 state units, so its adjoint
# needs an iterative solver (e.g. GMRES on Hessian products), not built yet.
MAX_DENSE_UNITS = 4096


def _flatten(layers):
    return np.concatenate([layer.reshape(layer.shape[0], -1) for layer in layers], axis=1)


def _unflatten(flat, like):
    layers = []
    start = 0
    for layer in like:
        size = int(np.prod(layer.shape[1:]))
        layers.append(flat[:, start:start + size].reshape(layer.shape))
        start += size
    return layers


def implicit_gradient(model, x, y, T, s_star=None):
    """Return ``(grads, s_star, adjoint)`` from one adjoint solve at the fixed point.

    ``s_star`` defaults to the state after a free phase of T steps, which
    should be converged: the result is exact only at a true fixed point.
    ``adjoint`` is the per-sample solution g as a list of layers.
    """
    x = model.check_input(x)
    y = np.asarray(y, dtype=model.dtype)
    if s_star is None:
        s_star = free_phase(model, x, T)
    drive = model.input_drive(x)
    batch = x.shape[0]

    a = model.pre_activation(drive, s_star)
    slopes = [model.activation.deriv(a_k) for a_k in a]
    n_units = sum(int(np.prod(layer.shape[1:])) for layer in s_star)
    if n_units > MAX_DENSE_UNITS:
        raise NotImplementedError(f"dense adjoint solve supports at most {MAX_DENSE_UNITS} state units, got {n_units}")

    # Column j of J^T, for every sample at once: H (rho'(a) * e_j).
    jacobian_t = np.empty((batch, n_units, n_units), dtype=model.dtype)
    for j in range(n_units):
        basis = np.zeros((batch, n_units), dtype=model.dtype)
        basis[:, j] = 1.0
        v = _unflatten(basis, s_star)
        column = model.hvp(drive, s_star, [slope * v_k for slope, v_k in zip(slopes, v)])
        jacobian_t[:, :, j] = _flatten(column)

    dl_ds = [np.zeros_like(layer) for layer in s_star]
    dl_ds[-1] = model.output(s_star) - y
    system = np.eye(n_units, dtype=model.dtype)[None] - jacobian_t
    adjoint_flat = np.linalg.solve(system, _flatten(dl_ds)[:, :, None])[:, :, 0]
    adjoint = _unflatten(adjoint_flat, s_star)

    grads = model.vjp_theta(x, s_star, [slope * g_k for slope, g_k in zip(slopes, adjoint)])
    return grads, s_star, adjoint
