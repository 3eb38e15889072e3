"""The memory task shared by every backend: input, ideal system and targets.

An ``LMUTask`` is built once per (spec, seed). It contains the input signal,
the discretized LMU and its mapping onto the lowpass synapse, the ideal
state, the readout matrix and the true delayed input. Backends only turn it
into a simulator network, so all of them solve exactly the same problem.
"""

import dataclasses
import logging

import numpy as np

from neurokit import lmu
from neurokit.errors import SpecError
from neurokit.signals import make_signal

logger = logging.getLogger(__name__)

# Headroom of the "auto" radius over the largest ideal state norm, so that
# spike noise in the recurrence rarely pushes the state out of the radius.
AUTO_RADIUS_MARGIN = 1.1


@dataclasses.dataclass(frozen=True)
class LMUTask:
    spec: object
    seed: int
    u: np.ndarray  # (n_steps,) input, sample k at time (k + 1)·dt
    A_bar: np.ndarray  # (d, d) discretized system
    B_bar: np.ndarray  # (d, 1)
    A_mapped: np.ndarray  # (d, d) recurrent transform onto the lowpass synapse
    B_mapped: np.ndarray  # (d, 1) input transform onto the lowpass synapse
    ideal_state: np.ndarray  # (n_steps, d), row k = state after input sample k
    readout: np.ndarray  # (n_delays, d) Legendre readout C
    target: np.ndarray  # (n_steps, n_delays), u delayed by each readout delay
    radius: float

    @property
    def t(self):
        return self.spec.dt * np.arange(1, len(self.u) + 1)

    @property
    def ideal_delayed(self):
        return self.ideal_state @ self.readout.T

    def seeds(self):
        """Return independent seeds for the population and the simulator."""
        children = np.random.SeedSequence([self.seed, 1]).generate_state(2)
        return int(children[0]), int(children[1])


def build_task(spec, seed):
    """Build the input, ideal system and targets for one seed of a spec."""
    u = make_signal(spec.input, spec.n_steps, spec.dt, seed)

    A, B = lmu.legendre_state_space(spec.order)
    A_bar, B_bar = lmu.discretize(A, B, spec.dt, spec.theta, spec.discretization)
    _check_stable(A_bar, spec)
    A_mapped, B_mapped = lmu.map_to_lowpass_discrete(A_bar, B_bar, spec.tau, spec.dt)
    ideal_state = lmu.simulate_discrete(A_bar, B_bar, u)
    readout = lmu.legendre_readout(spec.order, spec.delays, spec.theta)

    # After input sample k the zero-order-hold state is the continuous system
    # at time (k + 1)·dt with u held over each step, so u(t − θ') is the
    # sample round(θ'/dt) steps back. Before the run the input is zero.
    target = np.zeros((len(u), len(spec.delays)))
    for j, delay in enumerate(spec.delays):
        shift = int(round(delay / spec.dt))
        target[shift:, j] = u[: len(u) - shift]

    if spec.radius is not None:
        radius = spec.radius
    else:
        radius = AUTO_RADIUS_MARGIN * float(np.max(np.linalg.norm(ideal_state, axis=1)))
    logger.debug("task seed=%d: radius=%.3g, max |x|=%.3g", seed, radius,
                 np.max(np.abs(ideal_state)))
    return LMUTask(spec, seed, u, A_bar, B_bar, A_mapped, B_mapped, ideal_state,
                   readout, target, radius)


def _check_stable(A_bar, spec):
    # The continuous LMU is stable, and zero-order hold keeps it so, but the
    # Euler step I + (dt/θ)·A has eigenvalues outside the unit circle once
    # dt/θ is not small, and the memory then grows without bound.
    spectral_radius = float(np.max(np.abs(np.linalg.eigvals(A_bar))))
    if spectral_radius > 1 + 1e-9:
        raise SpecError(
            f"lmu.discretization = {spec.discretization!r} at dt/theta = "
            f"{spec.dt / spec.theta:.3g} gives an unstable system (spectral radius "
            f"{spectral_radius:.3g} > 1); use \"zoh\" or a smaller dt"
        )
