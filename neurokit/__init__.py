"""neurokit: spiking LMU memories and Equilibrium Propagation networks.

neurokit builds networks in Nengo and Brian2, deploys them to the nengo-loihi
emulator, and measures how their error scales with neuron count against
non-spiking baselines.
"""

__version__ = "0.1.0"
