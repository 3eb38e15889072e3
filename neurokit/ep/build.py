"""Build the model and the dataset that a validated EP spec describes."""

from __future__ import annotations

import logging

import numpy as np

from neurokit import datasets
from neurokit.errors import DataError

logger = logging.getLogger(__name__)


def build_model(spec, dtype=np.float32):
    """Return the network of ``spec.network``, initialized from its seed."""
    net = spec.network
    if net["architecture"] == "conv":
        from neurokit.ep.conv import PrototypicalConvNet

        return PrototypicalConvNet(net["input_shape"], net["channels"], net["n_outputs"], net["kernel"],
                                   activation=net["activation"], seed=net["seed"], dtype=dtype,
                                   init_gain=net["init_gain"])

    from neurokit.ep.models import EnergyMLP, PrototypicalMLP

    if net["setting"] == "energy":
        return EnergyMLP(net["sizes"], net["activation"], epsilon=net["epsilon"], seed=net["seed"], dtype=dtype,
                         init_gain=net["init_gain"])
    return PrototypicalMLP(net["sizes"], net["activation"], seed=net["seed"], dtype=dtype, init_gain=net["init_gain"])


def load_dataset(spec):
    """Load the dataset of ``spec.data``."""
    data = spec.data
    if data["source"] == "digits":
        dataset = datasets.load_digits(test_fraction=data["test_fraction"], seed=data["split_seed"])
        if data["limit_train"] or data["limit_test"]:
            dataset.x_train, dataset.y_train = dataset.x_train[:data["limit_train"]], dataset.y_train[:data["limit_train"]]
            dataset.x_test, dataset.y_test = dataset.x_test[:data["limit_test"]], dataset.y_test[:data["limit_test"]]
        return dataset
    return datasets.load_idx_directory(data["directory"], limit_train=data["limit_train"], limit_test=data["limit_test"])


def check_compatible(model, dataset):
    """Raise DataError when the dataset's image or class count does not fit the network."""
    n_inputs = model.sizes[0]
    n_outputs = model.sizes[-1]
    if dataset.n_features != n_inputs:
        raise DataError(
            f"{dataset.name} images have {dataset.n_features} pixels but the network input has {n_inputs} units; "
            f"set the first entry of network.sizes to {dataset.n_features}"
        )
    if dataset.n_classes > n_outputs:
        raise DataError(
            f"{dataset.name} has {dataset.n_classes} classes but the network output has {n_outputs} units; "
            f"set the last entry of network.sizes to {dataset.n_classes}"
        )
