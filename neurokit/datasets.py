"""Labelled image datasets for training: scikit-learn's digits and IDX files.

Every loader returns a :class:`Dataset` with images flattened to rows of
float32 pixel intensities in [0, 1] and integer class labels.

The IDX format (used by MNIST and Fashion-MNIST) is a big-endian header,
``0x00 0x00 <type code> <number of dimensions>``, followed by one uint32 per
dimension and then the raw array. Only type code 0x08 (unsigned byte) occurs
in those datasets, and only that code is accepted here.
"""

from __future__ import annotations

import dataclasses
import gzip
import logging
import os

import numpy as np

from neurokit.errors import DataError

logger = logging.getLogger(__name__)

IDX_UNSIGNED_BYTE = 0x08

# File stems of the four IDX files in an MNIST-style directory.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclasses.dataclass
class Dataset:
    """A train/test split of flattened images with integer labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple
    n_classes: int

    @property
    def n_features(self):
        return int(np.prod(self.image_shape))


def load_digits(test_fraction=0.2, seed=0):
    """Load scikit-learn's 8x8 digits (1,797 images) with a stratified split.

    The pixel values 0..16 are scaled to [0, 1]. The split is reproducible for
    a given ``seed``.
    """
    from sklearn.datasets import load_digits as sklearn_load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction={test_fraction} is invalid; use a value in (0, 1)")

    digits = sklearn_load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    logger.info("digits: %d train and %d test images", len(y_train), len(y_test))
    return Dataset("digits", x_train, y_train, x_test, y_test, (8, 8), 10)


def read_idx(path):
    """Read one IDX file (plain or gzip-compressed) into a uint8 array.

    Raises DataError on a missing file, an unsupported magic number or a file
    shorter than its header promises.
    """
    if not os.path.isfile(path):
        raise DataError(f"IDX file not found: {path}")

    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:
        raise DataError(f"cannot read IDX file {path}: {error}") from error

    if len(raw) < 4:
        raise DataError(f"IDX file {path} is truncated: {len(raw)} bytes, shorter than the 4-byte magic number")
    zero_a, zero_b, type_code, n_dims = raw[0], raw[1], raw[2], raw[3]
    if zero_a != 0 or zero_b != 0 or type_code != IDX_UNSIGNED_BYTE or not 1 <= n_dims <= 4:
        raise DataError(
            f"IDX file {path} has invalid magic number 0x{raw[:4].hex()}; "
            f"expected 0x000008 followed by 1..4 dimensions (unsigned-byte IDX)"
        )

    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise DataError(f"IDX file {path} is truncated inside its header ({len(raw)} of {header_size} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    expected = header_size + int(np.prod(shape))
    if len(raw) != expected:
        kind = "truncated" if len(raw) < expected else "longer than its header states"
        raise DataError(
            f"IDX file {path} is {kind}: {len(raw)} bytes, expected {expected} for shape {shape}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _find_idx_file(directory, stem):
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    raise DataError(f"IDX file {stem} (or {stem}.gz) not found in {directory}")


def _read_split(directory, images_stem, labels_stem):
    images_path = _find_idx_file(directory, images_stem)
    labels_path = _find_idx_file(directory, labels_stem)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DataError(f"{images_path} contains an array of shape {images.shape}; expected 3 dimensions (count, rows, columns)")
    if labels.ndim != 1:
        raise DataError(f"{labels_path} contains an array of shape {labels.shape}; expected 1 dimension (count)")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels; "
            "the two files must come from the same split"
        )
    return images, labels


def load_idx_directory(directory, name=None, limit_train=None, limit_test=None):
    """Load MNIST or Fashion-MNIST from a directory of the four IDX files.

    ``limit_train`` and ``limit_test`` keep only the first images of each
    split, which is useful for quick runs. Pixels are scaled to [0, 1].
    """
    if not os.path.isdir(directory):
        raise DataError(
            f"dataset directory not found: {directory}; for Fashion-MNIST install "
            "Debian's dataset-fashion-mnist or point the spec at a directory of IDX files"
        )

    train_images, train_labels = _read_split(directory, IDX_FILES["train_images"], IDX_FILES["train_labels"])
    test_images, test_labels = _read_split(directory, IDX_FILES["test_images"], IDX_FILES["test_labels"])
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DataError(
            f"train images are {train_images.shape[1:]} but test images are {test_images.shape[1:]} in {directory}"
        )

    train_images, train_labels = train_images[:limit_train], train_labels[:limit_train]
    test_images, test_labels = test_images[:limit_test], test_labels[:limit_test]
    n_classes = int(max(train_labels.max(), test_labels.max())) + 1

    def flatten(images):
        return images.reshape(len(images), -1).astype(np.float32) / 255.0

    name = name or os.path.basename(os.path.normpath(directory))
    logger.info("%s: %d train and %d test images from %s", name, len(train_labels), len(test_labels), directory)
    return Dataset(
        name,
        flatten(train_images),
        train_labels.astype(np.int64),
        flatten(test_images),
        test_labels.astype(np.int64),
        tuple(train_images.shape[1:]),
        n_classes,
    )


def one_hot(labels, n_classes, dtype=np.float32):
    """Return a (len(labels), n_classes) one-hot matrix."""
    targets = np.zeros((len(labels), n_classes), dtype=dtype)
    targets[np.arange(len(labels)), labels] = 1.0
    return targets
