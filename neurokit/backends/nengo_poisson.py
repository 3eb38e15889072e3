"""Poisson spiking by time rescaling: a Nengo neuron type, its operator and builder.

``nengo.PoissonSpiking`` (nengo 3.2) calls ``RandomState.poisson`` once per
neuron per step. That took 35 to 55 ns per neuron on a 2-core test machine
(``scripts/benchmark_scale.py``), so a million neurons spend 35 to 55 s per
simulated second in that call alone.

``RescaledPoissonSpiking`` draws the same spike counts from one exponential
random number per spike instead. It uses the time-rescaling view of a Poisson
process: a neuron with rate r(t) spikes whenever its integrated rate
Λ(t) = ∫ r dt crosses the next point of a unit-rate Poisson process, whose
gaps are Exp(1). Each neuron keeps the integrated rate left until its next
point, divided by dt so that a step subtracts the rate itself, in
``remaining`` (Hz). Every step does

    remaining −= r
    while remaining ≤ 0: count += 1, remaining += Exp(1)/dt

With r constant over each step, as in Nengo, the count in a step is
Poisson(r·dt), and counts in different steps and of different neurons are
independent (independent increments of the unit-rate process, and its
memorylessness for the starting point). So the counts have exactly the
distribution of ``PoissonSpiking`` with the same base type, up to float
rounding of ``remaining``. A step costs three passes over the neurons
(subtract, compare, clear the output) plus work proportional to the spikes,
and one random number per spike.
"""

import numpy as np
from nengo.builder import Builder, Operator, Signal
from nengo.builder.neurons import build_neurons
from nengo.exceptions import ValidationError
from nengo.neurons import RatesToSpikesNeuronType


class RescaledPoissonSpiking(RatesToSpikesNeuronType):
    """Poisson spiking on top of a non-negative rate neuron type.

    Spike counts per step are independent Poisson(rate·dt), as with
    ``nengo.PoissonSpiking``. The random stream differs, so the same seed
    gives other spikes than ``PoissonSpiking`` does. Probeable signals are
    ``output``, ``rate_out`` (Hz) and ``remaining``, the integrated rate
    left until each neuron's next spike divided by dt (Hz).
    """

    def __init__(self, base_type, amplitude=1.0, initial_state=None):
        super().__init__(base_type, amplitude=amplitude, initial_state=initial_state)
        if base_type.negative:
            raise ValidationError(
                f"base type {type(base_type).__name__} can output negative rates, which "
                "Poisson spikes cannot follow; use a non-negative base type such as "
                "nengo.RectifiedLinear or nengo.LIFRate",
                attr="base_type", obj=self,
            )

    @property
    def probeable(self):
        return super().probeable + ("remaining",)

    def make_remaining(self, n_neurons, dt, rng, dtype=np.float64):
        """Return the initial ``remaining`` state, Exp(1)/dt per neuron (Hz)."""
        return (rng.standard_exponential(n_neurons) / dt).astype(dtype)

    def step(self, dt, J, output, remaining, rng):
        """Set ``output`` to spike counts · amplitude/dt for the rates ``J`` (Hz).

        ``remaining`` is updated in place. ``rng`` is a ``numpy.random.Generator``.
        ``J`` must be non-negative, as every base type with ``negative=False``
        makes it: a negative rate would push the next spike later and bias
        the later counts low.
        """
        remaining -= J

        scale = self.amplitude / dt
        output[...] = 0.0
        spiking = np.flatnonzero(remaining <= 0)
        if spiking.size:
            output[spiking] = scale
            remaining[spiking] += rng.standard_exponential(spiking.size) / dt
            spiking = spiking[remaining[spiking] <= 0]
        # Given a spike, another in the same step has probability below r·dt.
        while spiking.size:
            output[spiking] += scale
            remaining[spiking] += rng.standard_exponential(spiking.size) / dt
            spiking = spiking[remaining[spiking] <= 0]


class SimRescaledPoisson(Operator):
    """Set spike output from rates with a ``RescaledPoissonSpiking`` neuron type.

    The operator owns a ``numpy.random.Generator``, made afresh from a
    build-time seed on every ``make_step``, so ``Simulator.reset`` replays
    the same spikes. The ``remaining`` signal is reset with the other signals.

    1. sets ``[output, remaining]``
    2. incs ``[]``
    3. reads ``[rates]``
    4. updates ``[]``
    """

    def __init__(self, neurons, rates, output, remaining, seed, tag=None):
        super().__init__(tag=tag)
        self.neurons = neurons
        self.seed = seed
        self.sets = [output, remaining]
        self.incs = []
        self.reads = [rates]
        self.updates = []

    @property
    def rates(self):
        return self.reads[0]

    @property
    def output(self):
        return self.sets[0]

    @property
    def remaining(self):
        return self.sets[1]

    @property
    def _descstr(self):
        return f"{self.neurons}, {self.rates}, {self.output}"

    def make_step(self, signals, dt, rng):
        rates = signals[self.rates]
        output = signals[self.output]
        remaining = signals[self.remaining]
        generator = np.random.default_rng(self.seed)

        def step_rescaled_poisson():
            self.neurons.step(dt, rates, output, remaining, generator)

        return step_rescaled_poisson


@Builder.register(RescaledPoissonSpiking)
def build_rescaled_poisson(model, neurontype, neurons):
    """Build the base rate type, then a ``SimRescaledPoisson`` on its rates."""
    in_sig = model.sig[neurons]["in"]
    out_sig = model.sig[neurons]["out"]
    rate_sig = Signal(shape=in_sig.shape, name=f"{neurons}.rate_out")
    model.sig[neurons]["rate_out"] = rate_sig
    build_neurons(model, neurontype.base_type, neurons, input_sig=in_sig, output_sig=rate_sig)

    # Nengo seeds its own stochastic neuron state from the ensemble seed + 1,
    # so these streams use the seed + 2 (initial state) and + 3 (steps).
    ensemble_seed = model.seeds[neurons.ensemble]
    initial = neurontype.make_remaining(
        neurons.size_in, model.dt, np.random.default_rng(ensemble_seed + 2), dtype=in_sig.dtype
    )
    remaining = Signal(initial, name=f"{neurons}.remaining")
    model.sig[neurons]["remaining"] = remaining
    model.add_op(SimRescaledPoisson(neurontype, rate_sig, out_sig, remaining,
                                    ensemble_seed + 3,
                                    tag=f"{neurons}.rescaled_poisson"))
