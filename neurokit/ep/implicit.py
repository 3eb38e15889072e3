"""Gradient at the free fixed point by implicit differentiation.

At a fixed point s* = F(x, s*, theta), with F = rho(dPhi/ds), the implicit
function theorem gives

    dL/dtheta = g^T dF/dtheta,  where (I - J)^T g = dl/ds*,  J = dF/ds at s*.

This is the adjoint equation of recurrent backpropagation (Almeida 1987,
Pineda 1987), solved here as one linear system per sample, as Deep
Equilibrium Models do (Bai, Kolter & Koltun, NeurIPS 2019). J = diag(rho'(a))
H_Phi, so J^T w = H_Phi (rho'(a) * w) because the Hessian H_Phi is symmetric.

For small states the system is assembled densely from Hessian products, one
per state unit, and solved by LU. Larger states are solved per sample by
GMRES, which needs only Hessian products.
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.ep.phases import free_phase
from neurokit.errors import SimulationError, SpecError

logger = logging.getLogger(__name__)

# At 4096 state units the dense float64 system takes 134 MB per sample, so
# larger states (the paper-sized conv net has 5,642 units) use GMRES.
MAX_DENSE_UNITS = 4096

# Relative residual at which GMRES stops.
GMRES_TOLERANCE = 1e-10


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


def _transposed_jacobian_product(model, drive, s_star, slopes, w):
    """Return J^T w = H_Phi (rho'(a) * w) for a batch of flat vectors w."""
    v = _unflatten(w, s_star)
    return _flatten(model.hvp(drive, s_star, [slope * v_k for slope, v_k in zip(slopes, v)]))


def _solve_dense(model, drive, s_star, slopes, rhs):
    batch, n_units = rhs.shape
    # Column j of J^T, for every sample at once.
    jacobian_t = np.empty((batch, n_units, n_units), dtype=rhs.dtype)
    for j in range(n_units):
        basis = np.zeros((batch, n_units), dtype=rhs.dtype)
        basis[:, j] = 1.0
        jacobian_t[:, :, j] = _transposed_jacobian_product(model, drive, s_star, slopes, basis)
    system = np.eye(n_units, dtype=rhs.dtype)[None] - jacobian_t
    return np.linalg.solve(system, rhs[:, :, None])[:, :, 0]


def _solve_gmres(model, drive, s_star, slopes, rhs):
    from scipy.sparse.linalg import LinearOperator, gmres

    batch, n_units = rhs.shape
    solution = np.empty_like(rhs)
    for i in range(batch):
        sample = slice(i, i + 1)
        drive_i = drive[sample]
        s_i = [layer[sample] for layer in s_star]
        slopes_i = [slope[sample] for slope in slopes]

        def matvec(w, drive_i=drive_i, s_i=s_i, slopes_i=slopes_i):
            w = np.asarray(w, dtype=rhs.dtype).reshape(1, n_units)
            return (w - _transposed_jacobian_product(model, drive_i, s_i, slopes_i, w))[0]

        operator = LinearOperator((n_units, n_units), matvec=matvec, dtype=rhs.dtype)
        solution[i], info = gmres(operator, rhs[i], rtol=GMRES_TOLERANCE, atol=0.0, restart=100, maxiter=50)
        if info != 0:
            raise SimulationError(
                f"the adjoint solve (GMRES) did not converge for sample {i} (info {info}); "
                "check that the free phase reached a fixed point by raising T"
            )
    return solution


def implicit_gradient(model, x, y, T, s_star=None, method="auto"):
    """Return ``(grads, s_star, adjoint)`` from one adjoint solve at the fixed point.

    ``s_star`` defaults to the state after a free phase of T steps, which
    should be converged: the result is exact only at a true fixed point.
    ``method`` is "dense" (one batched LU solve), "gmres" (one iterative
    solve per sample) or "auto" (dense up to MAX_DENSE_UNITS state units).
    ``adjoint`` is the per-sample solution g as a list of layers.
    """
    if method not in ("auto", "dense", "gmres"):
        raise SpecError(f"adjoint solve method {method!r} is unknown; use 'auto', 'dense' or 'gmres'")
    x = model.check_input(x)
    y = np.asarray(y, dtype=model.dtype)
    if s_star is None:
        s_star = free_phase(model, x, T)
    drive = model.input_drive(x)

    a = model.pre_activation(drive, s_star)
    slopes = [model.activation.deriv(a_k) for a_k in a]
    dl_ds = [np.zeros_like(layer) for layer in s_star]
    dl_ds[-1] = model.output(s_star) - y
    rhs = _flatten(dl_ds)

    if method == "auto":
        method = "dense" if rhs.shape[1] <= MAX_DENSE_UNITS else "gmres"
    solve = _solve_dense if method == "dense" else _solve_gmres
    adjoint = _unflatten(solve(model, drive, s_star, slopes, rhs), s_star)

    grads = model.vjp_theta(x, s_star, [slope * g_k for slope, g_k in zip(slopes, adjoint)])
    return grads, s_star, adjoint
