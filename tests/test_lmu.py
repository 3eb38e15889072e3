"""LMU mathematics: state space, discretization, readout and synapse mapping."""

import numpy as np
import pytest
import scipy.signal

from neurokit import lmu
from neurokit.errors import SpecError


def reference_state_space(d):
    """A and B written out element by element from the LMU paper's formula."""
    A = np.zeros((d, d))
    B = np.zeros((d, 1))
    for i in range(d):
        B[i, 0] = (2 * i + 1) * (-1) ** i
        for j in range(d):
            A[i, j] = (2 * i + 1) * (-1 if i < j else (-1) ** (i - j + 1))
    return A, B


def test_state_space_order_6_values():
    A, B = lmu.legendre_state_space(6)
    assert np.array_equal(A[0], -np.ones(6))
    assert np.array_equal(B.ravel(), [1, -3, 5, -7, 9, -11])
    assert np.array_equal(np.diag(A), -(2 * np.arange(6) + 1))


@pytest.mark.parametrize("d", [1, 2, 5, 12])
def test_state_space_matches_formula(d):
    A, B = lmu.legendre_state_space(d)
    A_ref, B_ref = reference_state_space(d)
    assert np.array_equal(A, A_ref)
    assert np.array_equal(B, B_ref)


@pytest.mark.parametrize("order", [0, -1, 2.5])
def test_state_space_rejects_bad_order(order):
    with pytest.raises(SpecError, match="order"):
        lmu.legendre_state_space(order)


def test_zoh_matches_scipy_cont2discrete():
    A, B = lmu.legendre_state_space(6)
    theta, dt = 0.1, 0.001
    A_bar, B_bar = lmu.discretize(A, B, dt, theta, "zoh")
    system = (A / theta, B / theta, np.eye(6), np.zeros((6, 1)))
    A_ref, B_ref, *_ = scipy.signal.cont2discrete(system, dt, method="zoh")
    np.testing.assert_allclose(A_bar, A_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(B_bar, B_ref, rtol=0, atol=1e-12)


def test_euler_is_first_order_step():
    A, B = lmu.legendre_state_space(4)
    A_bar, B_bar = lmu.discretize(A, B, 0.001, 0.5, "euler")
    np.testing.assert_array_equal(A_bar, np.eye(4) + 0.002 * A)
    np.testing.assert_array_equal(B_bar, 0.002 * B)


def test_discretize_rejects_unknown_method():
    A, B = lmu.legendre_state_space(3)
    with pytest.raises(SpecError, match="bilinear"):
        lmu.discretize(A, B, 0.001, 0.1, "bilinear")


def lowpass_loop(A_mapped, B_mapped, u, a):
    """Run the mapped system through y[k+1] = a·y[k] + (1 − a)·(Ā′y[k] + B̄′u[k])."""
    y = np.zeros(len(A_mapped))
    out = np.empty((len(u), len(y)))
    for k, value in enumerate(u):
        y = a * y + (1 - a) * (A_mapped @ y + B_mapped[:, 0] * value)
        out[k] = y
    return out


def test_discrete_mapping_reproduces_ideal_system():
    theta, tau, dt = 0.1, 0.05, 0.001
    A, B = lmu.legendre_state_space(6)
    A_bar, B_bar = lmu.discretize(A, B, dt, theta)
    u = np.random.default_rng(3).standard_normal(3000)

    ideal = lmu.simulate_discrete(A_bar, B_bar, u)
    mapped = lowpass_loop(*lmu.map_to_lowpass_discrete(A_bar, B_bar, tau, dt),
                          u, lmu.lowpass_decay(tau, dt))
    assert np.max(np.abs(mapped - ideal)) < 1e-10


def test_continuous_mapping_leaves_floor_when_dt_near_tau():
    # With dt = tau/5 the continuous mapping (τA + I, τB) is off by O(dt/τ),
    # while the discrete mapping stays exact; the gap must be many orders.
    theta, tau, dt = 0.1, 0.005, 0.001
    A, B = lmu.legendre_state_space(4)
    A_bar, B_bar = lmu.discretize(A, B, dt, theta)
    u = np.sin(2 * np.pi * 3 * dt * np.arange(2000))
    ideal = lmu.simulate_discrete(A_bar, B_bar, u)
    a = lmu.lowpass_decay(tau, dt)

    A_cont, B_cont = lmu.map_to_lowpass(A / theta, B / theta, tau)
    continuous = lowpass_loop(A_cont, B_cont, u, a)
    discrete = lowpass_loop(*lmu.map_to_lowpass_discrete(A_bar, B_bar, tau, dt), u, a)

    continuous_error = np.sqrt(np.mean((continuous - ideal) ** 2) / np.mean(ideal**2))
    discrete_error = np.sqrt(np.mean((discrete - ideal) ** 2) / np.mean(ideal**2))
    assert continuous_error > 1e-3
    assert discrete_error < 1e-10


def test_readout_endpoints():
    C = lmu.legendre_readout(5, [0.0, 0.2], theta=0.2)
    # P̃_i(0) = (−1)^i and P̃_i(1) = 1 for shifted Legendre polynomials.
    np.testing.assert_allclose(C[0], [1, -1, 1, -1, 1])
    np.testing.assert_allclose(C[1], np.ones(5))


def test_readout_rejects_delay_outside_window():
    with pytest.raises(SpecError, match="outside the window"):
        lmu.legendre_readout(4, [0.3], theta=0.2)


@pytest.mark.parametrize("delay", [0.0, 0.025, 0.05, 0.1])
def test_readout_recovers_delayed_slow_sine(delay):
    # A 1 Hz sine with θ = 0.1 s has θ·f = 0.1, where the order-6 Padé
    # approximant of the delay is accurate to far better than 1%; a wrong
    # sign, index or scale in A, B or the readout gives errors of order 1.
    theta, dt, d = 0.1, 0.001, 6
    A, B = lmu.legendre_state_space(d)
    A_bar, B_bar = lmu.discretize(A, B, dt, theta)
    t = dt * np.arange(3000)
    u = np.sin(2 * np.pi * t)
    x = lmu.simulate_discrete(A_bar, B_bar, u)
    y = x @ lmu.legendre_readout(d, [delay], theta)[0]

    # State row k follows input sample k, i.e. time t_k + dt (zero-order hold).
    expected = np.sin(2 * np.pi * (t + dt - delay))
    settled = t > 0.5
    error = np.sqrt(np.mean((y[settled] - expected[settled]) ** 2) / np.mean(expected**2))
    assert error < 0.01
