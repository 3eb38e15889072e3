"""BPTT, implicit and EP gradients against finite differences and each other.

All checks run in float64 on small networks. Central differences with step
1e-6 are accurate to about 1e-9 here, so 1e-6 bounds catch any wrong term.
"""

import numpy as np
import pytest

from neurokit.ep.bptt import bptt, loss
from neurokit.ep.implicit import implicit_gradient
from neurokit.ep.conv import PrototypicalConvNet
from neurokit.ep.models import EnergyMLP, PrototypicalMLP
from neurokit.ep.phases import ep_gradient, free_phase, run_phase
from neurokit.errors import SimulationError, SpecError

STEP = 1e-6

MODELS = {
    "prototypical-sigmoid": lambda: PrototypicalMLP([6, 5, 4, 3], "sigmoid", seed=1, dtype=np.float64),
    "prototypical-identity": lambda: PrototypicalMLP([6, 5, 3], "identity", seed=2, dtype=np.float64, init_gain=0.6),
    "energy-sigmoid": lambda: EnergyMLP([6, 5, 4, 3], "sigmoid", epsilon=0.5, seed=3, dtype=np.float64),
    "conv": lambda: PrototypicalConvNet((16, 16, 1), (2, 3), 4, kernel=5, activation="sigmoid", seed=6,
                                        dtype=np.float64),
}


def batch(model, size=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((size, model.sizes[0]))
    y = np.eye(model.sizes[-1])[rng.integers(0, model.sizes[-1], size)]
    return x, y


def mean_loss(model, x, y, T, frozen_steps=0, frozen_params=None):
    """Mean loss after T free steps; the first ``frozen_steps`` use ``frozen_params``."""
    drive = model.input_drive(x)
    s = model.zero_state(x.shape[0])
    if frozen_steps:
        # Swap values in place, because the finite-difference loop keeps views of the arrays.
        current = [p.copy() for p in model.params]
        for param, value in zip(model.params, frozen_params):
            param[...] = value
        s = run_phase(model, model.input_drive(x), s, frozen_steps)
        for param, value in zip(model.params, current):
            param[...] = value
    s = run_phase(model, drive, s, T - frozen_steps)
    return loss(model, s, y).mean()


def finite_difference_gradient(model, evaluate, max_entries=None, seed=0):
    """Central differences of ``evaluate`` for every parameter entry.

    With ``max_entries``, only that many randomly chosen entries per array
    are computed and the rest are NaN, which the comparisons skip. The conv
    network needs this to keep its checks to a few seconds.
    """
    rng = np.random.default_rng(seed)
    grads = []
    for param in model.params:
        grad = np.full_like(param, np.nan)
        flat, flat_grad = param.reshape(-1), grad.reshape(-1)
        entries = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            entries = rng.choice(flat.size, max_entries, replace=False)
        for j in entries:
            original = flat[j]
            flat[j] = original + STEP
            plus = evaluate()
            flat[j] = original - STEP
            minus = evaluate()
            flat[j] = original
            flat_grad[j] = (plus - minus) / (2 * STEP)
        grads.append(grad)
    return grads


def max_abs_difference(grads_a, grads_b):
    """Largest entry difference, skipping entries that are NaN in either list."""
    return max(float(np.nanmax(np.abs(a - b))) for a, b in zip(grads_a, grads_b))


# Parameter entries checked per array by finite differences (None: all).
MAX_ENTRIES = {"conv": 8}


def relative_difference(grads_a, grads_b):
    flat_a = np.concatenate([g.reshape(-1) for g in grads_a])
    flat_b = np.concatenate([g.reshape(-1) for g in grads_b])
    return float(np.linalg.norm(flat_a - flat_b) / np.linalg.norm(flat_b))


@pytest.mark.parametrize("name", MODELS)
def test_full_bptt_matches_finite_differences(name):
    model = MODELS[name]()
    x, y = batch(model)
    T = 12  # a trajectory far from its fixed point, so every step matters

    grads, _ = bptt(model, x, y, T)
    numeric = finite_difference_gradient(model, lambda: mean_loss(model, x, y, T), MAX_ENTRIES.get(name))
    assert max_abs_difference(grads, numeric) < 1e-6


@pytest.mark.parametrize("name", MODELS)
def test_truncated_bptt_matches_finite_differences(name):
    # BPTT through the last K steps is the gradient with respect to the
    # parameters of those K steps only. The first T-K steps keep theta fixed.
    model = MODELS[name]()
    x, y = batch(model)
    T, K = 12, 4
    frozen = [p.copy() for p in model.params]

    grads, _ = bptt(model, x, y, T, n_backward=K)
    numeric = finite_difference_gradient(model, lambda: mean_loss(model, x, y, T, T - K, frozen), MAX_ENTRIES.get(name))
    assert max_abs_difference(grads, numeric) < 1e-6


def test_truncated_bptt_differs_from_full_bptt_off_equilibrium():
    # Guards the test above against passing because truncation had no effect.
    model = MODELS["prototypical-sigmoid"]()
    x, y = batch(model)
    full, _ = bptt(model, x, y, 12)
    truncated, _ = bptt(model, x, y, 12, n_backward=4)
    assert max_abs_difference(full, truncated) > 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_implicit_gradient_matches_finite_differences_at_fixed_point(name):
    model = MODELS[name]()
    x, y = batch(model)
    T = 400  # these small networks contract to float64 precision well before 400 steps

    grads, s_star, _ = implicit_gradient(model, x, y, T)
    residual = max(np.max(np.abs(a - b)) for a, b in zip(model.next_state(model.input_drive(x), s_star), s_star))
    assert residual < 1e-13

    numeric = finite_difference_gradient(model, lambda: mean_loss(model, x, y, T), MAX_ENTRIES.get(name))
    assert max_abs_difference(grads, numeric) < 1e-6


@pytest.mark.parametrize("name", MODELS)
def test_ep_bptt_and_implicit_agree_near_equilibrium(name):
    # Three views of one gradient: EP as beta -> 0, BPTT through a converged
    # trajectory, and the adjoint solve at the fixed point. EP's one-sided
    # estimate has a relative bias of about c * beta, and c measured 1.2 to
    # 6.2 on these three networks (beta = 1e-2 and 1e-3). At beta = 1e-5 the
    # bias is at most about 6e-5, so a 3e-4 bound leaves a factor of 5.
    model = MODELS[name]()
    x, y = batch(model)
    T, K = 400, 200

    implicit, _, _ = implicit_gradient(model, x, y, T)
    full_bptt, _ = bptt(model, x, y, T)
    truncated_bptt, _ = bptt(model, x, y, T, n_backward=K)
    ep, _ = ep_gradient(model, x, y, T, K, beta=1e-5)

    assert relative_difference(full_bptt, implicit) < 1e-10
    assert relative_difference(truncated_bptt, implicit) < 1e-10
    assert relative_difference(ep, implicit) < 3e-4


def test_ep_bias_shrinks_linearly_and_symmetric_quadratically():
    model = MODELS["energy-sigmoid"]()
    x, y = batch(model)
    T, K = 400, 200
    implicit, _, _ = implicit_gradient(model, x, y, T)

    one_sided = {beta: relative_difference(ep_gradient(model, x, y, T, K, beta)[0], implicit) for beta in (1e-2, 1e-3)}
    symmetric = {beta: relative_difference(ep_gradient(model, x, y, T, K, beta, symmetric=True)[0], implicit)
                 for beta in (1e-2, 1e-3)}

    # A first-order bias falls 10x per decade of beta and a second-order one
    # 100x; the bounds leave a factor of 2 for higher-order terms.
    assert 5 < one_sided[1e-2] / one_sided[1e-3] < 20
    assert 50 < symmetric[1e-2] / symmetric[1e-3] < 200
    assert symmetric[1e-2] < one_sided[1e-2]


def test_ep_gradient_sign_descends_the_loss():
    model = PrototypicalMLP([6, 5, 3], "sigmoid", seed=4, dtype=np.float64)
    x, y = batch(model, size=8)
    T = 200
    before = mean_loss(model, x, y, T)
    grads, _ = ep_gradient(model, x, y, T, 30, beta=0.01)
    for param, grad in zip(model.params, grads):
        param -= 0.1 * grad
    assert mean_loss(model, x, y, T) < before


def test_free_phase_divergence_raises_simulation_error():
    # With identity activation and large weights the linear map s -> W s
    # has spectral radius far above 1, so the state grows without bound.
    model = PrototypicalMLP([4, 30, 30, 3], "identity", seed=0, dtype=np.float64, init_gain=50.0)
    x, _ = batch(model)
    with pytest.raises(SimulationError, match="free phase diverged"):
        free_phase(model, x, 2000)


def test_bptt_rejects_more_steps_than_t():
    model = MODELS["prototypical-sigmoid"]()
    x, y = batch(model)
    with pytest.raises(SpecError, match="BPTT steps"):
        bptt(model, x, y, 10, n_backward=11)


@pytest.mark.parametrize("T, K, beta, field", [(0, 5, 0.1, "T=0"), (10, 0, 0.1, "K=0"), (10, 5, 0.0, "beta=0.0")])
def test_ep_gradient_rejects_invalid_phase_parameters(T, K, beta, field):
    model = MODELS["prototypical-sigmoid"]()
    x, y = batch(model)
    with pytest.raises(SpecError, match=field):
        ep_gradient(model, x, y, T, K, beta)


@pytest.mark.parametrize("name", ["energy-sigmoid", "conv"])
def test_gmres_adjoint_matches_dense_solve(name):
    model = MODELS[name]()
    x, y = batch(model)
    dense, s_star, _ = implicit_gradient(model, x, y, 400, method="dense")
    iterative, _, _ = implicit_gradient(model, x, y, 400, s_star=s_star, method="gmres")
    # GMRES stops at a relative residual of 1e-10 on a well-conditioned system.
    assert relative_difference(iterative, dense) < 1e-8


def test_implicit_gradient_rejects_unknown_method():
    model = MODELS["prototypical-sigmoid"]()
    x, y = batch(model)
    with pytest.raises(SpecError, match="adjoint solve method 'lu' is unknown"):
        implicit_gradient(model, x, y, 10, method="lu")
