"""Exception types that neurokit raises for bad input and failed runs.

Every message names the offending value and how to fix it. The command
line prints the message as one line and exits non-zero.
"""


class NeurokitError(Exception):
    """Base class for every error that neurokit raises on purpose."""


class SpecError(NeurokitError, ValueError):
    """A network spec, hardware profile or parameter is malformed or out of range."""


class DataError(NeurokitError, ValueError):
    """An input file or dataset is missing, unreadable or has the wrong shape."""


class HardwareLimitError(NeurokitError):
    """A network does not fit the limits of the target hardware."""


class SimulationError(NeurokitError, RuntimeError):
    """A simulation failed, for example when its state diverged to NaN."""


class BackendError(NeurokitError, RuntimeError):
    """A simulator backend could not build or run, e.g. a missing compiler."""
