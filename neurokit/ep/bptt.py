"""Backpropagation through time for the free phase, written by hand in numpy.

The loss is L = l(s_T) with l = 1/2 ||y - s_out||^2, after a free phase of T
steps s_{t+1} = rho(a_t), a_t = dPhi/ds(s_t). One backward step is

    g_a = g_{t+1} * rho'(a_t)
    dL/dtheta_{t+1} = vjp_theta(s_t, g_a)
    g_t = H_Phi(s_t) g_a

where H_Phi is the Hessian of Phi with respect to s. Because H_Phi is
symmetric, the backward product is the model's forward Hessian product
(Ernoult et al., NeurIPS 2019, prototypical and energy-based settings).

The per-step gradients follow that paper's notation: for t = 0, 1, ...,
grad_s(t) = dL/ds_{T-t} and grad_theta(t) = dL/dtheta_{T-t}, the part of
dL/dtheta that flows through the step from s_{T-t-1} to s_{T-t}.
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.errors import SpecError
from neurokit.ep.phases import run_phase

logger = logging.getLogger(__name__)


def loss(model, s, y):
    """Return l = 1/2 ||y - s_out||^2 for each sample, shape (batch,)."""
    return 0.5 * np.sum((model.output(s) - y) ** 2, axis=1)


def _free_trajectory(model, x, T, n_recorded):
    """Run T free steps from 0 and keep the last ``n_recorded`` + 1 states."""
    drive = model.input_drive(x)
    s = run_phase(model, drive, model.zero_state(x.shape[0]), T - n_recorded)
    _, states = run_phase(model, drive, s, n_recorded, record=True)
    return drive, states


def bptt(model, x, y, T, n_backward=None, record=False):
    """Compute dL/dtheta by BPTT through the last ``n_backward`` of T free steps.

    ``n_backward`` defaults to T (full BPTT). With ``n_backward = K`` this is
    the truncated BPTT that EP's K-step nudged phase approximates.

    Returns ``(grads, s_T)`` with batch-mean parameter gradients in
    ``model.params`` order. With ``record=True`` it returns
    ``(grads, s_T, grads_s, grads_theta)`` where ``grads_s[t]`` (t = 0 ..
    n_backward) contains per-sample state gradients dl_i/ds_{T-t} and
    ``grads_theta[t]`` (t = 0 .. n_backward-1) the batch-mean parameter
    gradient of step T-t.
    """
    n_backward = T if n_backward is None else int(n_backward)
    if not 1 <= n_backward <= T:
        raise SpecError(f"BPTT steps {n_backward} are out of range; use 1 <= steps <= T = {T}")
    x = model.check_input(x)
    y = np.asarray(y, dtype=model.dtype)

    # states[i] is s_{T - n_backward + i}; earlier states are not needed.
    drive, states = _free_trajectory(model, x, T, n_backward)

    g = [np.zeros_like(layer) for layer in states[-1]]
    g[-1] = model.output(states[-1]) - y
    grads = [np.zeros_like(p) for p in model.params]
    grads_s = [g] if record else None
    grads_theta = [] if record else None
    # The input terms of every step share the clamped x, so their cotangents
    # are summed and multiplied by x once after the loop.
    input_cotangent = 0.0

    for t in range(n_backward - 1, -1, -1):
        # rho'(a_t) from s_{t+1} = rho(a_t), without recomputing a_t.
        g_a = [g_k * model.activation.deriv_from_output(s_k) for g_k, s_k in zip(g, states[t + 1])]
        step_grads = model.vjp_theta(x, states[t], g_a, include_input=False)
        step_cotangent = model.input_cotangent(states[t], g_a)
        input_cotangent = input_cotangent + step_cotangent
        for total, part in zip(grads[2:], step_grads[2:]):
            total += part
        g = model.hvp(drive, states[t], g_a)
        if record:
            step_grads[:2] = model.input_param_grads(x, step_cotangent)
            grads_theta.append(step_grads)
            grads_s.append(g)

    grads[0], grads[1] = model.input_param_grads(x, input_cotangent)
    if record:
        return grads, states[-1], grads_s, grads_theta
    return grads, states[-1]
