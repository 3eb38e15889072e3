"""Nengo operators and processes for large ensembles in float32.

Nengo 3.2 stores every signal row-major (``Signal`` calls
``np.ascontiguousarray``), so an ensemble's m × d encoding matrix is
multiplied row by row. With d = 6 that product runs far below memory
bandwidth. At m = 10⁶ in float32 it took 2.6 to 3.2 ms per step on a 2-core
test machine, against 0.85 to 1.2 ms for the same product on a column-major
copy (``scripts/benchmark_scale.py`` times both). ``ColumnMajorDotInc``
computes with such a copy.

``SampledInput`` replaces ``nengo.processes.PresentInput``, which picks its
sample from the simulation time and so picks wrong ones when time is a
float32 signal.
"""

import logging

import nengo
import numpy as np
from nengo.builder.operator import DotInc
from nengo.params import NdarrayParam

from neurokit.errors import BackendError

logger = logging.getLogger(__name__)


class ColumnMajorDotInc(DotInc):
    """``Y += A·X`` with a column-major copy of the read-only matrix ``A``.

    The copy is made once per ``make_step``, so ``A`` must not change while
    the simulator runs; the constructor rejects a writable ``A``. The
    optimizer leaves this subclass unmerged, because nengo 3.2 merges only
    operator types registered with its ``OpMerger``.
    """

    def __init__(self, A, X, Y, reshape=None, tag=None):
        if not A.readonly:
            raise BackendError(
                f"ColumnMajorDotInc needs a read-only matrix, but {A.name} is writable "
                "(a learning rule may change it); keep nengo's DotInc for it"
            )
        super().__init__(A, X, Y, reshape=reshape, tag=tag)

    def make_step(self, signals, dt, rng):
        X = signals[self.X]
        Y = signals[self.Y]
        A = np.asfortranarray(signals[self.A])
        shape = Y.shape

        def step_column_major_dotinc():
            Y[...] += A.dot(X).reshape(shape)

        return step_column_major_dotinc


def use_column_major_encoders(model, ensemble):
    """Replace the encoding ``DotInc`` of a built ensemble by ``ColumnMajorDotInc``.

    Call this after ``model.build(network)`` and before the model goes to
    ``nengo.Simulator(None, model=model)``. The extra copy of the encoders
    costs m·d floats.
    """
    encoders = model.sig[ensemble]["encoders"]
    for index, op in enumerate(model.operators):
        if type(op) is DotInc and op.A is encoders:
            model.operators[index] = ColumnMajorDotInc(op.A, op.X, op.Y, op.reshape, op.tag)
            logger.debug("column-major encoding for %s", ensemble)
            return
    raise BackendError(f"no encoding DotInc found for {ensemble} in the built model")


class SampledInput(nengo.Process):
    """Output row k of ``values`` (shape (n_steps, size_out)) at step k + 1.

    nengo 3.2's ``PresentInput`` takes the index int((t − dt)/T + 1e-7). In
    a float32 build, t is off by up to about 1e-7·t, which is more than that
    margin, so some steps repeat the previous sample. That left a state
    NRMSE floor of 0.025 on the default LMU, even with rate neurons.
    Counting steps makes the input independent of the float width. After the
    last row the input starts again from row 0, as ``PresentInput`` does.
    """

    values = NdarrayParam("values", shape=("*", "*"))

    def __init__(self, values, **kwargs):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        super().__init__(default_size_in=0, default_size_out=values.shape[1], **kwargs)
        self.values = values

    def make_step(self, shape_in, shape_out, dt, rng, state):
        values = self.values
        step_index = [0]

        def step_sampled_input(t):
            row = values[step_index[0] % len(values)]
            step_index[0] += 1
            return row

        return step_sampled_input
