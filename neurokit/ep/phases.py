"""Free and nudged phases of discrete-time Equilibrium Propagation, and EP's updates.

Follows Ernoult et al., "Updates of Equilibrium Prop Match Gradients of
Backprop Through Time in an RNN with Static Input" (NeurIPS 2019):

- free phase: T steps of s_{t+1} = F(x, s_t, theta) from s_0 = 0 to s*
- nudged phase: K steps from s* with beta * dl/ds subtracted inside F,
  where l = 1/2 ||y - s_out||^2
- EP updates at nudged step t, for t = 0 .. K-1:
  neurons Delta_s(beta, t) = (s_{t+1} - s_t) / beta
  weights Delta_theta(beta, t) = (dPhi/dtheta(s_{t+1}) - dPhi/dtheta(s_t)) / beta

The weight updates telescope, so their sum over t is
(dPhi/dtheta(s^beta_K) - dPhi/dtheta(s*)) / beta, an estimate of -dL/dtheta.
The symmetric estimate replaces s* by a second nudged phase at -beta and
divides by 2 beta. That cancels the term of first order in beta in the
estimate's bias.
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.errors import SimulationError, SpecError

logger = logging.getLogger(__name__)


def _check_finite(s, phase, steps):
    for k, layer in enumerate(s):
        if not np.all(np.isfinite(layer)):
            raise SimulationError(
                f"the {phase} phase diverged to NaN or infinity in layer {k + 1} within {steps} steps; "
                "lower the learning rates or beta, or use a bounded activation such as sigmoid"
            )


def run_phase(model, drive, s, n_steps, beta=0.0, y=None, record=False, phase="free"):
    """Run ``n_steps`` steps of the (nudged when beta != 0) dynamics from ``s``.

    Returns the final state, and with ``record=True`` also the list of all
    n_steps + 1 states including the initial one.
    """
    trajectory = [s] if record else None
    # Overflow is reported below as one SimulationError instead of warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            s = model.next_state(drive, s, beta, y)
            if record:
                trajectory.append(s)
    _check_finite(s, phase, n_steps)
    return (s, trajectory) if record else s


def free_phase(model, x, n_steps, record=False):
    """Run the free phase for ``n_steps`` (T) steps from s = 0."""
    x = model.check_input(x)
    drive = model.input_drive(x)
    return run_phase(model, drive, model.zero_state(x.shape[0]), n_steps, record=record, phase="free")


def nudged_phase(model, x, y, s_free, beta, n_steps, record=False):
    """Run the nudged phase for ``n_steps`` (K) steps from the free fixed point."""
    x = model.check_input(x)
    drive = model.input_drive(x)
    return run_phase(model, drive, s_free, n_steps, beta=beta, y=y, record=record, phase="nudged")


def check_phase_parameters(T, K, beta):
    if int(T) < 1:
        raise SpecError(f"T={T} is invalid; the free phase needs at least 1 step")
    if int(K) < 1:
        raise SpecError(f"K={K} is invalid; the nudged phase needs at least 1 step")
    if not beta > 0.0:
        raise SpecError(f"beta={beta} is invalid; the nudging strength must be > 0")


def ep_gradient(model, x, y, T, K, beta, symmetric=False):
    """Estimate dL/dtheta with EP, where L is the batch mean of l(s_T).

    Returns ``(grads, s_free)``: one array per parameter, in ``model.params``
    order, with the sign of a loss gradient (so theta -= lr * grad descends),
    and the free-phase state whose output gives the prediction.
    """
    check_phase_parameters(T, K, beta)
    x = model.check_input(x)
    y = np.asarray(y, dtype=model.dtype)
    drive = model.input_drive(x)

    s_free = run_phase(model, drive, model.zero_state(x.shape[0]), T, phase="free")
    s_plus = run_phase(model, drive, s_free, K, beta=beta, y=y, phase="nudged")
    if symmetric:
        s_minus = run_phase(model, drive, s_free, K, beta=-beta, y=y, phase="nudged")
        reference, scale = s_minus, 2.0 * beta
    else:
        reference, scale = s_free, beta

    difference = model.grad_theta_difference(x, s_plus, reference)
    grads = [-d / scale for d in difference]
    return grads, s_free


def ep_updates_per_step(model, x, y, T, K, beta):
    """Return EP's per-step updates Delta_s(beta, t) and Delta_theta(beta, t).

    Returns ``(delta_s, delta_theta, s_free)``. ``delta_s[t]`` is a list of
    per-layer (batch, units) arrays and ``delta_theta[t]`` a list of
    batch-mean parameter arrays, for t = 0 .. K-1.
    """
    check_phase_parameters(T, K, beta)
    x = model.check_input(x)
    y = np.asarray(y, dtype=model.dtype)
    drive = model.input_drive(x)

    s_free = run_phase(model, drive, model.zero_state(x.shape[0]), T, phase="free")
    _, trajectory = run_phase(model, drive, s_free, K, beta=beta, y=y, record=True, phase="nudged")

    delta_s = []
    delta_theta = []
    phi_theta_prev = model.grad_theta(x, trajectory[0])
    for t in range(K):
        delta_s.append([(after - before) / beta for after, before in zip(trajectory[t + 1], trajectory[t])])
        phi_theta_next = model.grad_theta(x, trajectory[t + 1])
        delta_theta.append([(after - before) / beta for after, before in zip(phi_theta_next, phi_theta_prev)])
        phi_theta_prev = phi_theta_next
    return delta_s, delta_theta, s_free
