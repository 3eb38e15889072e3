"""Finite-difference checks of the derivatives each EP model takes of Phi.

All checks run in float64 with central differences of step 1e-6. Their
truncation and rounding errors are about 1e-9 for these O(1) quantities, so
a tolerance of 1e-6 leaves a margin of 1000. A missing or wrong term gives
errors of order 1e-2 or more.
"""

import numpy as np
import pytest

from neurokit.ep.conv import PrototypicalConvNet
from neurokit.ep.models import EnergyMLP, PrototypicalMLP
from neurokit.errors import DataError, SpecError

STEP = 1e-6
TOLERANCE = 1e-6

MODELS = {
    "prototypical-sigmoid": lambda: PrototypicalMLP([5, 4, 3, 2], "sigmoid", seed=1, dtype=np.float64),
    "prototypical-identity": lambda: PrototypicalMLP([5, 4, 2], "identity", seed=2, dtype=np.float64),
    "prototypical-deep": lambda: PrototypicalMLP([6, 5, 4, 3, 2], "hard_sigmoid", seed=3, dtype=np.float64),
    "energy-sigmoid": lambda: EnergyMLP([5, 4, 3, 2], "sigmoid", epsilon=0.4, seed=4, dtype=np.float64),
    # 16x16 input: 5x5 conv -> 12x12, pool -> 6x6, 5x5 conv -> 2x2, pool -> 1x1.
    "conv": lambda: PrototypicalConvNet((16, 16, 1), (2, 3), 4, kernel=5, activation="sigmoid", seed=5,
                                        dtype=np.float64),
}


def flat(layer):
    """View a (batch, ...) state layer as (batch, units)."""
    return layer.reshape(layer.shape[0], -1)


def inner(a, b):
    """Per-sample inner product of two lists of state layers."""
    return sum(np.sum(flat(u) * flat(v), axis=1) for u, v in zip(a, b))


def random_case(model, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, model.sizes[0]))
    # Keep states inside (0, 1) away from the hard sigmoid's kinks at 0 and 1.
    s = [rng.uniform(0.1, 0.9, layer.shape) for layer in model.zero_state(batch)]
    return x, s


@pytest.mark.parametrize("name", MODELS)
def test_grad_s_matches_finite_differences(name):
    model = MODELS[name]()
    x, s = random_case(model)
    analytic = model.grad_s(model.input_drive(x), s)

    for k in range(len(s)):
        for unit in range(flat(s[k]).shape[1]):
            plus = [layer.copy() for layer in s]
            minus = [layer.copy() for layer in s]
            flat(plus[k])[:, unit] += STEP
            flat(minus[k])[:, unit] -= STEP
            numeric = (model.phi(x, plus) - model.phi(x, minus)) / (2 * STEP)
            assert np.max(np.abs(numeric - flat(analytic[k])[:, unit])) < TOLERANCE, (k, unit)


@pytest.mark.parametrize("name", MODELS)
def test_hvp_matches_finite_differences_of_grad_s(name):
    model = MODELS[name]()
    x, s = random_case(model)
    rng = np.random.default_rng(5)
    v = [rng.standard_normal(layer.shape) for layer in s]
    drive = model.input_drive(x)

    analytic = model.hvp(drive, s, v)
    plus = model.grad_s(drive, [a + STEP * b for a, b in zip(s, v)])
    minus = model.grad_s(drive, [a - STEP * b for a, b in zip(s, v)])
    for k in range(len(s)):
        numeric = (plus[k] - minus[k]) / (2 * STEP)
        assert np.max(np.abs(numeric - analytic[k])) < TOLERANCE, k


@pytest.mark.parametrize("name", MODELS)
def test_hvp_is_symmetric(name):
    model = MODELS[name]()
    x, s = random_case(model)
    rng = np.random.default_rng(6)
    u = [rng.standard_normal(layer.shape) for layer in s]
    v = [rng.standard_normal(layer.shape) for layer in s]
    drive = model.input_drive(x)

    u_h_v = inner(u, model.hvp(drive, s, v))
    v_h_u = inner(v, model.hvp(drive, s, u))
    np.testing.assert_allclose(u_h_v, v_h_u, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_grad_theta_matches_finite_differences(name):
    model = MODELS[name]()
    x, s = random_case(model)
    analytic = model.grad_theta(x, s)

    for param, grad, param_name in zip(model.params, analytic, model.param_names):
        flat = param.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + STEP
            phi_plus = model.phi(x, s).mean()
            flat[j] = original - STEP
            phi_minus = model.phi(x, s).mean()
            flat[j] = original
            numeric = (phi_plus - phi_minus) / (2 * STEP)
            assert abs(numeric - grad.reshape(-1)[j]) < TOLERANCE, (param_name, j)


@pytest.mark.parametrize("name", MODELS)
def test_vjp_theta_matches_finite_differences(name):
    # vjp_theta is the theta-gradient of the batch mean of <g, dPhi/ds>.
    model = MODELS[name]()
    x, s = random_case(model)
    rng = np.random.default_rng(7)
    g = [rng.standard_normal(layer.shape) for layer in s]
    analytic = model.vjp_theta(x, s, g)

    def contraction():
        grads = model.grad_s(model.input_drive(x), s)
        return np.mean(inner(g, grads))

    for param, grad, param_name in zip(model.params, analytic, model.param_names):
        flat = param.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + STEP
            plus = contraction()
            flat[j] = original - STEP
            minus = contraction()
            flat[j] = original
            assert abs((plus - minus) / (2 * STEP) - grad.reshape(-1)[j]) < TOLERANCE, (param_name, j)


def test_input_drive_is_first_layer_drive():
    model = MODELS["prototypical-deep"]()
    x, s = random_case(model)
    zero_state = model.zero_state(x.shape[0])
    first_layer = model.grad_s(model.input_drive(x), zero_state)[0]
    np.testing.assert_allclose(first_layer, x @ model.weights[0] + model.biases[0])


def test_model_rejects_wrong_input_width():
    model = PrototypicalMLP([5, 4, 2])
    with pytest.raises(DataError, match="input size 5"):
        model.check_input(np.zeros((3, 6)))


def test_model_rejects_invalid_sizes():
    with pytest.raises(SpecError, match="sizes"):
        PrototypicalMLP([5])
    with pytest.raises(SpecError, match="sizes"):
        PrototypicalMLP([5, 0, 2])


def test_energy_model_rejects_epsilon_out_of_range():
    with pytest.raises(SpecError, match="epsilon"):
        EnergyMLP([5, 4, 2], epsilon=1.5)


def test_set_params_rejects_wrong_shape():
    model = PrototypicalMLP([5, 4, 2])
    params = model.params
    params[0] = np.zeros((4, 5), dtype=np.float32)
    with pytest.raises(DataError, match="W0"):
        model.set_params(params)
