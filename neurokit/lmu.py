"""Legendre Memory Unit mathematics, free of any simulator.

The LMU memory (Voelker, Kajić & Eliasmith, "Legendre Memory Units:
Continuous-Time Representation in Recurrent Neural Networks", NeurIPS 2019)
is the linear system θ·ẋ(t) = A x(t) + B u(t) of order d. Its state contains
the Legendre coefficients of the input over a sliding window of length θ,
so the delayed input u(t − θ') is a fixed linear readout of x(t).

All times are in seconds. Matrices are float64 numpy arrays.
"""

import numpy as np
import scipy.linalg
from scipy.special import eval_legendre

from neurokit.errors import SpecError

DISCRETIZATIONS = ("zoh", "euler")


def legendre_state_space(order):
    """Return the LMU matrices (A, B) of the given order d.

    θ·ẋ = A x + B u with, for i, j = 0 … d−1 (LMU paper, eq. 2):
    a_ij = (2i+1)·(−1 if i < j else (−1)^(i−j+1)) and b_i = (2i+1)·(−1)^i.
    """
    if int(order) != order or order < 1:
        raise SpecError(f"order d = {order!r} is invalid; use an integer d >= 1")
    d = int(order)

    i = np.arange(d)[:, None]
    j = np.arange(d)[None, :]
    scale = 2 * i + 1
    A = np.where(i < j, -1.0, (-1.0) ** (i - j + 1)) * scale
    B = ((-1.0) ** np.arange(d)) * (2 * np.arange(d) + 1)
    return A.astype(np.float64), B.reshape(d, 1).astype(np.float64)


def discretize(A, B, dt, theta=1.0, method="zoh"):
    """Discretize θ·ẋ = A x + B u at step dt; return (Ā, B̄).

    ``zoh`` (zero-order hold) is exact for input that is constant over each
    step. ``euler`` gives Ā = I + (dt/θ)·A and B̄ = (dt/θ)·B, which is only
    accurate when θ ≫ dt.
    """
    _check_positive("dt", dt)
    _check_positive("theta", theta)
    A = np.asarray(A, dtype=np.float64) / theta
    B = np.asarray(B, dtype=np.float64).reshape(len(A), -1) / theta
    d, k = B.shape

    if method == "zoh":
        # exp([[A, B], [0, 0]]·dt) = [[Ā, B̄], [0, I]] (Van Loan's block trick),
        # which stays exact when A is singular.
        block = np.zeros((d + k, d + k))
        block[:d, :d] = A
        block[:d, d:] = B
        expm = scipy.linalg.expm(block * dt)
        return expm[:d, :d], expm[:d, d:]
    if method == "euler":
        return np.eye(d) + dt * A, dt * B
    raise SpecError(
        f"discretization {method!r} is unknown; use one of {', '.join(DISCRETIZATIONS)}"
    )


def legendre_readout(order, delays, theta):
    """Return the (len(delays), d) matrix C with u(t − θ') ≈ C @ x(t).

    Row j contains the shifted Legendre polynomials P̃_i(r) = P_i(2r − 1) at
    r = θ'_j/θ. Because P̃_i(1) = 1, the row for θ' = θ sums the state.
    """
    _check_positive("theta", theta)
    delays = np.atleast_1d(np.asarray(delays, dtype=np.float64))
    bad = delays[(delays < 0) | (delays > theta * (1 + 1e-12))]
    if bad.size:
        raise SpecError(
            f"readout delay {bad[0]!r} s is outside the window [0, {theta}] s; "
            "use delays between 0 and theta"
        )
    r = np.clip(delays / theta, 0.0, 1.0)
    return np.stack([eval_legendre(i, 2 * r - 1) for i in range(int(order))], axis=1)


def simulate_discrete(Abar, Bbar, u, x0=None):
    """Run x[k+1] = Ā x[k] + B̄ u[k] exactly; return the states x[1] … x[n].

    ``u`` has shape (n_steps,) or (n_steps, n_inputs). Row k of the result is
    the state after input step k, which is how step-based simulators report it.
    """
    Abar = np.asarray(Abar, dtype=np.float64)
    Bbar = np.asarray(Bbar, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64).reshape(len(u), -1)
    x = np.zeros(len(Abar)) if x0 is None else np.array(x0, dtype=np.float64)

    drive = u @ Bbar.T
    out = np.empty((len(u), len(Abar)))
    for k in range(len(u)):
        x = Abar @ x + drive[k]
        out[k] = x
    return out


def map_to_lowpass(A, B, tau):
    """Map a continuous system ẋ = A x + B u onto a lowpass synapse τ.

    Feeding A′ = τA + I back and B′ = τB forward through 1/(τs + 1) gives
    back the original system (NEF principle 3). A and B here are the
    system's own matrices, already divided by θ for the LMU.
    """
    _check_positive("tau", tau)
    A = np.asarray(A, dtype=np.float64)
    return tau * A + np.eye(len(A)), tau * np.asarray(B, dtype=np.float64)


def map_to_lowpass_discrete(Abar, Bbar, tau, dt):
    """Map a discrete system (Ā, B̄) at step dt onto a discrete lowpass τ.

    With a = e^(−dt/τ) the synapse is y[k+1] = a y[k] + (1 − a) v[k], and
    feeding v = Ā′ y + B̄′ u with Ā′ = (Ā − aI)/(1 − a), B̄′ = B̄/(1 − a)
    reproduces y[k+1] = Ā y[k] + B̄ u[k] exactly.
    """
    _check_positive("tau", tau)
    _check_positive("dt", dt)
    a = np.exp(-dt / tau)
    Abar = np.asarray(Abar, dtype=np.float64)
    return (Abar - a * np.eye(len(Abar))) / (1 - a), np.asarray(Bbar) / (1 - a)


def lowpass_decay(tau, dt):
    """Return a = e^(−dt/τ), the per-step decay of a discrete lowpass synapse."""
    _check_positive("tau", tau)
    _check_positive("dt", dt)
    return float(np.exp(-dt / tau))


def _check_positive(name, value):
    if not np.isfinite(value) or value <= 0:
        raise SpecError(f"{name} = {value!r} is invalid; it must be a positive number")
