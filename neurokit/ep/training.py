"""Train an EP network with EP or with BPTT, one epoch at a time.

Both algorithms start from the weights the model holds, so two runs from
the same spec and seed start from the same initialization. Each finished
epoch is appended to a CSV file as one flushed row, and the weights are
saved after each epoch by writing a temporary file and renaming it. A run
that stops part-way therefore keeps every epoch it finished.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
import time

import numpy as np

from neurokit.datasets import one_hot
from neurokit.ep.bptt import bptt
from neurokit.ep.build import check_compatible
from neurokit.ep.phases import check_phase_parameters, ep_gradient, free_phase
from neurokit.errors import SpecError

logger = logging.getLogger(__name__)

CSV_FIELDS = ["epoch", "algorithm", "train_error", "test_error", "train_loss", "seconds"]


@dataclasses.dataclass
class EpochRecord:
    """Errors (fractions in [0, 1]) and wall time (s) of one training epoch.

    ``train_error`` and ``train_loss`` are measured on each batch's free
    phase before that batch's update, averaged over the epoch.
    """

    epoch: int
    algorithm: str
    train_error: float
    test_error: float
    train_loss: float
    seconds: float


@dataclasses.dataclass
class TrainingConfig:
    """Hyperparameters of a training run (steps, dimensionless beta and rates)."""

    algorithm: str = "ep"
    epochs: int = 10
    batch_size: int = 20
    learning_rates: tuple = (0.08, 0.04)
    T: int = 40
    K: int = 15
    beta: float = 0.1
    symmetric: bool = False
    bptt_steps: int | None = None
    seed: int = 0

    @classmethod
    def from_spec(cls, spec):
        train, dyn = spec.training, spec.dynamics
        return cls(
            algorithm=train["algorithm"], epochs=train["epochs"], batch_size=train["batch_size"],
            learning_rates=tuple(train["learning_rates"]), T=dyn["T"], K=dyn["K"], beta=dyn["beta"],
            symmetric=dyn["symmetric"], bptt_steps=train["bptt_steps"], seed=train["seed"],
        )


def evaluate(model, x, labels, T, batch_size=1000):
    """Return the fraction of samples whose output after T free steps has the wrong argmax."""
    wrong = 0
    for start in range(0, len(labels), batch_size):
        s = free_phase(model, x[start:start + batch_size], T)
        wrong += int(np.sum(np.argmax(model.output(s), axis=1) != labels[start:start + batch_size]))
    return wrong / len(labels)


def batch_gradient(model, x, targets, config):
    """Return (loss-gradient per parameter, free-phase state) for one batch."""
    if config.algorithm == "ep":
        return ep_gradient(model, x, targets, config.T, config.K, config.beta, symmetric=config.symmetric)
    # By default BPTT runs through the last K free steps, the gradient that
    # EP's K nudged steps match step by step. Through all T steps it also
    # backpropagates the transient from s = 0, whose gradients occasionally
    # explode in the sigmoid prototypical net (digits runs, lr 0.05 to 0.1).
    steps = config.K if config.bptt_steps is None else config.bptt_steps
    return bptt(model, x, targets, config.T, n_backward=steps)


def apply_update(model, grads, learning_rates):
    """Take one SGD step, with learning_rates[n] for weight layer n and its bias."""
    params = model.params
    for index, (param, grad) in enumerate(zip(params, grads)):
        param -= learning_rates[index // 2] * grad.astype(param.dtype, copy=False)


class CSVLog:
    """A CSV file of epoch records, written one whole, flushed row at a time."""

    def __init__(self, path):
        self.path = path
        self.started = False

    def append(self, record):
        # The header is written with the first epoch, so a run that fails
        # before finishing one leaves no file at all.
        if not self.started:
            temporary = f"{self.path}.partial"
            with open(temporary, "w", newline="") as stream:
                csv.writer(stream).writerow(CSV_FIELDS)
            os.replace(temporary, self.path)
            self.started = True
        row = dataclasses.asdict(record)
        with open(self.path, "a", newline="") as stream:
            csv.writer(stream).writerow([row[field] for field in CSV_FIELDS])
            stream.flush()
            os.fsync(stream.fileno())


def read_records(path):
    """Read the EpochRecord rows of a CSV file written by CSVLog."""
    with open(path, newline="") as stream:
        return [
            EpochRecord(int(row["epoch"]), row["algorithm"], float(row["train_error"]), float(row["test_error"]),
                        float(row["train_loss"]), float(row["seconds"]))
            for row in csv.DictReader(stream)
        ]


def save_weights(model, path):
    """Save the parameters as an .npz archive (keys W0, b0, ...) via a temporary file."""
    temporary = f"{path}.partial"
    with open(temporary, "wb") as stream:
        np.savez(stream, **dict(zip(model.param_names, model.params)))
    os.replace(temporary, path)


def load_weights(model, path):
    """Load parameters saved by ``save_weights`` into ``model``."""
    with np.load(path) as archive:
        model.set_params([archive[name] for name in model.param_names])


def train(model, dataset, config, csv_path=None, weights_path=None, progress=None, on_epoch=None):
    """Train ``model`` in place on ``dataset`` and return the list of EpochRecord.

    ``progress(epoch, batch, n_batches)`` is called after every batch and
    ``on_epoch(records)`` after every epoch, with the records so far.
    ``csv_path`` and ``weights_path``, when given, are updated after every
    epoch.
    """
    check_phase_parameters(config.T, config.K, config.beta)
    if config.algorithm not in ("ep", "bptt"):
        raise SpecError(f"algorithm {config.algorithm!r} is unknown; use 'ep' or 'bptt'")
    if len(config.learning_rates) != model.n_layers:
        raise SpecError(
            f"{len(config.learning_rates)} learning rates given for {model.n_layers} weight layers; give one per layer"
        )

    check_compatible(model, dataset)
    x_train = model.check_input(dataset.x_train)
    x_test = model.check_input(dataset.x_test)
    n_outputs = model.sizes[-1]
    targets = one_hot(dataset.y_train, n_outputs, dtype=model.dtype)
    rng = np.random.default_rng(config.seed)
    n_batches = int(np.ceil(len(x_train) / config.batch_size))
    log = CSVLog(csv_path) if csv_path else None
    records = []

    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        order = rng.permutation(len(x_train))
        wrong = 0
        total_loss = 0.0

        for batch in range(n_batches):
            index = order[batch * config.batch_size:(batch + 1) * config.batch_size]
            grads, s_free = batch_gradient(model, x_train[index], targets[index], config)
            output = model.output(s_free)
            wrong += int(np.sum(np.argmax(output, axis=1) != dataset.y_train[index]))
            total_loss += float(0.5 * np.sum((output - targets[index]) ** 2))
            apply_update(model, grads, config.learning_rates)
            if progress:
                progress(epoch, batch + 1, n_batches)

        seconds = time.perf_counter() - started
        test_error = evaluate(model, x_test, dataset.y_test, config.T)
        record = EpochRecord(epoch, config.algorithm, wrong / len(x_train), test_error, total_loss / len(x_train), seconds)
        records.append(record)
        logger.info("epoch %d (%s): train error %.4f, test error %.4f, %.1f s", epoch, config.algorithm,
                    record.train_error, record.test_error, seconds)
        if log:
            log.append(record)
        if weights_path:
            save_weights(model, weights_path)
        if on_epoch:
            on_epoch(list(records))
    return records
