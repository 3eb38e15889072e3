"""The GDU property: EP's per-step updates equal -BPTT's per-step gradients."""

import numpy as np
import pytest

from neurokit.ep.gdu import compare_gdu, relative_rmse, sign_agreement
from neurokit.ep.models import EnergyMLP, PrototypicalMLP
from neurokit.ep.plots import plot_gdu


def batch(n_inputs, n_outputs, size=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((size, n_inputs)), np.eye(n_outputs)[rng.integers(0, n_outputs, size)]


# The two exact cases of the theorem (dynamics exactly s = dPhi/ds) with two
# hidden layers. By T = 300 the state changes by less than 1e-15 per step.
EXACT_MODELS = {
    "prototypical-identity": lambda: PrototypicalMLP([20, 16, 12, 4], "identity", seed=0, dtype=np.float64,
                                                     init_gain=0.8),
    "energy-sigmoid": lambda: EnergyMLP([20, 16, 12, 4], "sigmoid", epsilon=0.5, seed=0, dtype=np.float64),
}


@pytest.mark.parametrize("name", EXACT_MODELS)
def test_gdu_holds_at_small_beta(name):
    # EP's deviation from -grad is of order beta, about 1.1e-4 to 2.5e-4
    # relative at beta = 1e-4 in every layer of these networks.
    model = EXACT_MODELS[name]()
    x, y = batch(20, 4)
    result = compare_gdu(model, x, y, T=300, K=15, beta=1e-4)

    assert [layer.name for layer in result.layers] == ["s1", "s2", "s3", "W0", "b0", "W1", "b1", "W2", "b2"]
    for layer in result.layers:
        assert layer.relative_rmse < 1e-3, layer
        assert layer.sign_agreement == 1.0, layer


def test_gdu_rmse_grows_with_beta():
    # Guards the check above against a metric that is small for any input:
    # at beta = 0.5 the order-beta deviation is visible in every layer.
    model = EXACT_MODELS["energy-sigmoid"]()
    x, y = batch(20, 4)
    result = compare_gdu(model, x, y, T=300, K=15, beta=0.5)
    assert min(layer.relative_rmse for layer in result.layers) > 0.1


def test_gdu_fails_without_converged_free_phase():
    # The theorem needs s* to be a fixed point. After only 3 free steps the
    # nudged phase still relaxes, and EP's updates no longer track BPTT.
    model = EXACT_MODELS["energy-sigmoid"]()
    x, y = batch(20, 4)
    result = compare_gdu(model, x, y, T=3, K=3, beta=1e-4)
    assert max(layer.relative_rmse for layer in result.layers) > 0.1


def test_gdu_weights_hold_for_sigmoid_prototypical_net():
    # With rho(dPhi/ds) the theorem is approximate for neurons, which differ
    # by a factor rho'(a), but the weight updates match: measured relative
    # RMSE 1.7e-4 to 3.2e-4 at beta = 1e-4 with this seed.
    model = PrototypicalMLP([20, 16, 12, 4], "sigmoid", seed=0, dtype=np.float64)
    x, y = batch(20, 4)
    result = compare_gdu(model, x, y, T=300, K=15, beta=1e-4)
    for layer in result.layers:
        if layer.kind == "parameters":
            assert layer.relative_rmse < 1e-3, layer


def test_relative_rmse_known_values():
    delta = np.array([[1.0, 0.0], [1.0, 0.0]])
    neg_grad = np.array([[1.0, 0.0], [0.0, 0.0]])
    rmse = relative_rmse(delta, neg_grad)
    # Component 0: sqrt((0 + 1) / max(1, 2)); component 1 is zero in both.
    assert rmse[0] == pytest.approx(np.sqrt(0.5))
    assert np.isnan(rmse[1])


def test_sign_agreement_ignores_structural_zeros():
    neg_grad = np.array([[2.0], [0.0], [-1.0], [1e-9]])
    delta = np.array([[1.5], [3e-12], [-0.9], [5.0]])
    # Rows 1 and 3 are below 1e-3 of the component's largest |grad|.
    assert sign_agreement(delta, neg_grad) == 1.0
    assert sign_agreement(-delta, neg_grad) == 0.0


def test_plot_gdu_writes_png(tmp_path):
    model = EXACT_MODELS["prototypical-identity"]()
    x, y = batch(20, 4, size=2)
    result = compare_gdu(model, x, y, T=100, K=5, beta=1e-3)
    path = tmp_path / "gdu.png"
    plot_gdu(result, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "gdu.png.partial").exists()
