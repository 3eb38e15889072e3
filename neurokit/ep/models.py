"""Convergent recurrent networks defined by their primitive function Phi.

Discrete-time EP (Ernoult, Grollier, Querlioz, Bengio & Scellier, "Updates of
Equilibrium Prop Match Gradients of Backprop Through Time in an RNN with
Static Input", NeurIPS 2019) runs a state s from 0 with

    s_{t+1} = F(x, s_t, theta).

A model here defines Phi and, from it, everything the algorithms need:

- ``grad_s``: dPhi/ds, whose activation rho(dPhi/ds) is the next state
- ``hvp``: the Hessian of Phi with respect to s times a vector. The Hessian is
  symmetric, so this one product serves both the forward Jacobian and the
  backward pass of BPTT.
- ``grad_theta``: dPhi/dtheta, the quantity that EP differentiates in time
- ``vjp_theta``: the theta-gradient of <g, dPhi/ds>, the parameter part of a
  BPTT step

The state is a list with one (batch, units) array per layer after the input.
The layers are L_0 = x (clamped), L_1, ..., L_N, and the output is L_N.
Parameters are ``weights[n]`` of shape (units of L_n, units of L_{n+1}) and
``biases[n]`` of shape (units of L_{n+1},). Phi is summed over the batch
samples, while parameter gradients are averaged over the batch.
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.ep.activations import Identity, get_activation
from neurokit.errors import DataError, SpecError

logger = logging.getLogger(__name__)


class LayeredModel:
    """Base class for fully connected layered networks L_0 -> ... -> L_N.

    ``next_state`` applies ``activation`` to dPhi/ds. Subclasses define Phi.
    Weights and biases start uniform in +-1/sqrt(fan_in), times ``init_gain``.
    """

    setting = ""

    def __init__(self, sizes, activation="sigmoid", seed=0, dtype=np.float32, init_gain=1.0):
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise SpecError(f"network sizes {sizes} are invalid; give at least an input and an output size, all >= 1")
        self.sizes = sizes
        self.dtype = np.dtype(dtype)
        self.activation = get_activation(activation) if isinstance(activation, str) else activation

        rng = np.random.default_rng(seed)
        self.weights = []
        self.biases = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = init_gain / np.sqrt(fan_in)
            self.weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(self.dtype))
            self.biases.append(rng.uniform(-bound, bound, fan_out).astype(self.dtype))

    # Parameters -------------------------------------------------------

    @property
    def n_layers(self):
        """Number of state layers (hidden layers plus the output layer)."""
        return len(self.sizes) - 1

    @property
    def params(self):
        """Parameter arrays in the fixed order W0, b0, W1, b1, ..."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    @property
    def param_names(self):
        return [name for n in range(self.n_layers) for name in (f"W{n}", f"b{n}")]

    def set_params(self, params):
        params = list(params)
        if len(params) != 2 * self.n_layers:
            raise DataError(f"expected {2 * self.n_layers} parameter arrays, got {len(params)}")
        for n in range(self.n_layers):
            for array, target, name in ((params[2 * n], self.weights[n], f"W{n}"), (params[2 * n + 1], self.biases[n], f"b{n}")):
                if array.shape != target.shape:
                    raise DataError(f"parameter {name} has shape {array.shape}; the network expects {target.shape}")
            self.weights[n] = np.asarray(params[2 * n], dtype=self.dtype)
            self.biases[n] = np.asarray(params[2 * n + 1], dtype=self.dtype)

    def astype(self, dtype):
        """Return a copy of this model whose parameters have ``dtype``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.dtype = np.dtype(dtype)
        clone.weights = [w.astype(dtype) for w in self.weights]
        clone.biases = [b.astype(dtype) for b in self.biases]
        return clone

    # States -----------------------------------------------------------

    def zero_state(self, batch_size):
        return [np.zeros((batch_size, n), dtype=self.dtype) for n in self.sizes[1:]]

    def check_input(self, x):
        """Return x as a 2-D array of this model's dtype, or raise DataError."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise DataError(
                f"input of shape {x.shape} does not fit the network input size {self.sizes[0]}; "
                f"set the first entry of sizes to the number of features per sample"
            )
        return x

    def input_drive(self, x):
        """Return x W_0 + b_0, the input's static contribution to L_1's drive.

        The input is clamped, so this product is the same at every step of
        both phases and is computed once per batch.
        """
        return x @ self.weights[0] + self.biases[0]

    def output(self, s):
        return s[-1]

    # Dynamics ---------------------------------------------------------

    def pre_activation(self, drive, s, beta=0.0, y=None):
        """Return dPhi/ds - beta * dl/ds, with l = 1/2 ||y - s_out||^2 per sample."""
        a = self.grad_s(drive, s)
        if beta != 0.0:
            a[-1] = a[-1] - beta * (s[-1] - y)
        return a

    def next_state(self, drive, s, beta=0.0, y=None):
        a = self.pre_activation(drive, s, beta, y)
        return [self.activation(a_k) for a_k in a]

    def phi(self, x, s):
        raise NotImplementedError

    def grad_s(self, drive, s):
        raise NotImplementedError

    def hvp(self, drive, s, v):
        raise NotImplementedError

    def grad_theta(self, x, s):
        raise NotImplementedError

    def vjp_theta(self, x, s, g, include_input=True):
        """Return the batch-mean theta-gradient of <g, dPhi/ds>.

        With ``include_input=False`` the entries of W0 and b0 are None, and
        the caller sums ``input_cotangent`` over steps instead, so that the
        large product with the clamped input x is taken once per batch.
        """
        raise NotImplementedError

    def input_cotangent(self, s, g):
        """Return c such that the input terms of vjp_theta are x^T c / batch (W0) and sum(c) / batch (b0)."""
        return g[0]

    def input_param_grads(self, x, c):
        """Return [dW0, db0] from a (summed) input cotangent c."""
        batch = x.shape[0]
        return [x.T @ c / batch, c.sum(axis=0) / batch]

    def grad_theta_difference(self, x, s_a, s_b):
        """Return dPhi/dtheta(s_a) - dPhi/dtheta(s_b), batch means."""
        return [a - b for a, b in zip(self.grad_theta(x, s_a), self.grad_theta(x, s_b))]


class PrototypicalMLP(LayeredModel):
    """Phi = sum_n L_{n+1} . (L_n W_n + b_n), with s_{t+1} = rho(dPhi/ds).

    This is the prototypical setting of Ernoult et al. (2019). With the
    identity activation the dynamics are exactly s_{t+1} = dPhi/ds, which is
    the case where their GDU theorem is exact. With a sigmoid the
    dynamics are the ones the paper trains, and the theorem is approximate.
    """

    setting = "prototypical"

    def phi(self, x, s):
        """Return Phi for each sample, shape (batch,)."""
        layers = [x] + list(s)
        total = 0.0
        for n in range(self.n_layers):
            total = total + np.sum(layers[n + 1] * (layers[n] @ self.weights[n] + self.biases[n]), axis=1)
        return total

    def grad_s(self, drive, s):
        grads = []
        for k in range(self.n_layers):
            a = drive if k == 0 else s[k - 1] @ self.weights[k] + self.biases[k]
            if k + 1 < self.n_layers:
                a = a + s[k + 1] @ self.weights[k + 1].T
            grads.append(a)
        return grads

    def hvp(self, drive, s, v):
        # Phi is bilinear in the states, so its Hessian is the weight
        # coupling alone and does not depend on s.
        products = []
        for k in range(self.n_layers):
            h = np.zeros_like(v[k]) if k == 0 else v[k - 1] @ self.weights[k]
            if k + 1 < self.n_layers:
                h = h + v[k + 1] @ self.weights[k + 1].T
            products.append(h)
        return products

    def grad_theta(self, x, s):
        layers = [x] + list(s)
        batch = x.shape[0]
        grads = []
        for n in range(self.n_layers):
            grads.append(layers[n].T @ layers[n + 1] / batch)
            grads.append(layers[n + 1].sum(axis=0) / batch)
        return grads

    def grad_theta_difference(self, x, s_a, s_b):
        # The input x is the same in both states, so W0's difference is one
        # product, x^T (L1_a - L1_b), instead of two.
        batch = x.shape[0]
        first = s_a[0] - s_b[0]
        grads = [x.T @ first / batch, first.sum(axis=0) / batch]
        for n in range(1, self.n_layers):
            grads.append((s_a[n - 1].T @ s_a[n] - s_b[n - 1].T @ s_b[n]) / batch)
            grads.append((s_a[n] - s_b[n]).sum(axis=0) / batch)
        return grads

    def vjp_theta(self, x, s, g, include_input=True):
        layers = [x] + list(s)
        batch = x.shape[0]
        grads = self.input_param_grads(x, g[0]) if include_input else [None, None]
        for n in range(1, self.n_layers):
            # L_{n+1}'s drive contains L_n W_n, and L_n's drive contains L_{n+1} W_n^T.
            dw = layers[n].T @ g[n] + g[n - 1].T @ layers[n + 1]
            grads.append(dw / batch)
            grads.append(g[n].sum(axis=0) / batch)
        return grads


class EnergyMLP(LayeredModel):
    """Energy-based setting: Phi = 1/2 ||s||^2 - epsilon E(s).

    E is the Hopfield-like energy of Scellier & Bengio (2017),

        E = 1/2 sum_k ||L_k||^2 - sum_n rho(L_{n+1}) . (rho(L_n) W_n + b_n),

    with rho(L_0) = x. So s_{t+1} = dPhi/ds = s_t - epsilon dE/ds is one
    gradient-descent step on E, and the dynamics are exactly dPhi/ds for any
    smooth rho. ``epsilon`` is the step size (dimensionless, in (0, 1]).
    """

    setting = "energy"

    def __init__(self, sizes, activation="sigmoid", epsilon=0.5, seed=0, dtype=np.float32, init_gain=1.0):
        super().__init__(sizes, activation, seed, dtype, init_gain)
        if not 0.0 < epsilon <= 1.0:
            raise SpecError(f"epsilon={epsilon} is out of range; use a step size in (0, 1]")
        self.epsilon = float(epsilon)
        self.rho = self.activation
        # The activation lives inside Phi, so the state update itself is dPhi/ds.
        self.activation = Identity()

    def _rates(self, x, s):
        return [x] + [self.rho(layer) for layer in s]

    def _coupling(self, drive, rates):
        """Return h_k = rho(L_{k-1}) W_{k-1} + b_{k-1} + rho(L_{k+1}) W_k^T for each state layer."""
        couplings = []
        for k in range(self.n_layers):
            h = drive if k == 0 else rates[k] @ self.weights[k] + self.biases[k]
            if k + 1 < self.n_layers:
                h = h + rates[k + 2] @ self.weights[k + 1].T
            couplings.append(h)
        return couplings

    def phi(self, x, s):
        rates = self._rates(x, s)
        eps = self.epsilon
        total = 0.5 * (1.0 - eps) * sum(np.sum(layer * layer, axis=1) for layer in s)
        for n in range(self.n_layers):
            total = total + eps * np.sum(rates[n + 1] * (rates[n] @ self.weights[n] + self.biases[n]), axis=1)
        return total

    def grad_s(self, drive, s):
        rates = [None] + [self.rho(layer) for layer in s]
        h = self._coupling(drive, rates)
        eps = self.epsilon
        return [(1.0 - eps) * s[k] + eps * self.rho.deriv(s[k]) * h[k] for k in range(self.n_layers)]

    def hvp(self, drive, s, v):
        eps = self.epsilon
        rates = [None] + [self.rho(layer) for layer in s]
        h = self._coupling(drive, rates)
        slopes = [self.rho.deriv(layer) for layer in s]
        # u_k = rho'(L_k) v_k is the change of rho(L_k) along v.
        u = [slopes[k] * v[k] for k in range(self.n_layers)]
        products = []
        for k in range(self.n_layers):
            coupled = np.zeros_like(v[k]) if k == 0 else u[k - 1] @ self.weights[k]
            if k + 1 < self.n_layers:
                coupled = coupled + u[k + 1] @ self.weights[k + 1].T
            curvature = self.rho.second_deriv(s[k]) * h[k] * v[k]
            products.append((1.0 - eps) * v[k] + eps * (curvature + slopes[k] * coupled))
        return products

    def grad_theta(self, x, s):
        rates = self._rates(x, s)
        batch = x.shape[0]
        eps = self.epsilon
        grads = []
        for n in range(self.n_layers):
            grads.append(eps * rates[n].T @ rates[n + 1] / batch)
            grads.append(eps * rates[n + 1].sum(axis=0) / batch)
        return grads

    def input_cotangent(self, s, g):
        return self.epsilon * g[0] * self.rho.deriv(s[0])

    def vjp_theta(self, x, s, g, include_input=True):
        rates = self._rates(x, s)
        batch = x.shape[0]
        eps = self.epsilon
        q = [g[k] * self.rho.deriv(s[k]) for k in range(self.n_layers)]
        grads = self.input_param_grads(x, eps * q[0]) if include_input else [None, None]
        for n in range(1, self.n_layers):
            dw = rates[n].T @ q[n] + q[n - 1].T @ rates[n + 1]
            grads.append(eps * dw / batch)
            grads.append(eps * q[n].sum(axis=0) / batch)
        return grads
