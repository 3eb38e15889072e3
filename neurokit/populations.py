"""Poisson populations with paired encoders and analytic decoders.

A population of m neurons represents a d-dimensional state x. Neurons come
in pairs with encoders +e_p and −e_p, e_p uniform on the unit sphere, and
the rate of a neuron with encoder e is a·max(0, e·x + r) for radius r. Inside
the radius the pair's rate difference is exactly 2a·e_p·x, so decoders follow
in closed form and building costs O(m·d²) with no solve that grows with m.
"""

import dataclasses
import logging

import numpy as np

from neurokit.errors import SpecError

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Population:
    """Encoders, gains, biases and decoders of one paired population.

    ``encoders`` has shape (m, d) with rows +e_0, −e_0, +e_1, −e_1, …;
    ``decoders`` has shape (d, m) and maps rates in Hz back to the state.
    The input current of neuron i is gain_i·(e_i·x)/radius + bias_i, as Nengo
    computes it for an ensemble of that radius, and the rate is max(0, current).
    """

    encoders: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    decoders: np.ndarray
    radius: float
    max_rate: float

    @property
    def n_neurons(self):
        return self.encoders.shape[0]

    @property
    def order(self):
        return self.encoders.shape[1]

    def rates(self, x):
        """Return the firing rates (Hz) for states x of shape (..., d)."""
        current = (np.asarray(x) @ self.encoders.T) * (self.gain / self.radius) + self.bias
        return np.maximum(current, 0.0)


def paired_population(n_neurons, order, radius, max_rate, rng):
    """Build a paired population with analytic decoders in O(m·d²).

    With slope a = max_rate/(2r), neuron rates are a·(±e_p·x + r), so the
    population's decoded value Σ_i D_i·rate_i equals x exactly for ‖x‖ ≤ r
    when D = ±M⁻¹e_p and M = 2a·Σ_p e_p e_pᵀ, a d×d matrix. Because
    E[e eᵀ] = I/d, M ≈ (a·m/d)·I and D_i ≈ ±e_i·d/(a·m) (LMU paper, sec. 4).
    """
    if n_neurons % 2 or n_neurons < 2 * order:
        raise SpecError(
            f"n_neurons = {n_neurons} is invalid for order d = {order}; "
            f"use an even count of at least {2 * order}"
        )
    if not radius > 0 or not max_rate > 0:
        raise SpecError(f"radius = {radius} and max_rate = {max_rate} Hz must both be positive")

    n_pairs = n_neurons // 2
    directions = rng.standard_normal((n_pairs, order))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)

    encoders = np.empty((n_neurons, order))
    encoders[0::2] = directions
    encoders[1::2] = -directions

    slope = max_rate / (2.0 * radius)
    gain = np.full(n_neurons, slope * radius)
    bias = np.full(n_neurons, slope * radius)

    moment = 2.0 * slope * (directions.T @ directions)
    pair_decoders = np.linalg.solve(moment, directions.T)
    decoders = np.empty((order, n_neurons))
    decoders[:, 0::2] = pair_decoders
    decoders[:, 1::2] = -pair_decoders

    logger.debug("paired population: m=%d d=%d radius=%.3g slope=%.3g Hz",
                 n_neurons, order, radius, slope)
    return Population(encoders, gain, bias, decoders, float(radius), float(max_rate))
