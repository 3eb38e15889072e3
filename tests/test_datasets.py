"""Dataset loaders: scikit-learn digits, and IDX files real and corrupt."""

import gzip
import os
import shutil
import struct

import numpy as np
import pytest

from neurokit import datasets
from neurokit.errors import DataError

FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# Installed by `make system-deps` (Debian's dataset-fashion-mnist), which the
# CI entry point runs before the tests.
needs_fashion = pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason=f"{FASHION_DIR} is not installed")


def write_idx(path, array, magic=None, truncate=0):
    """Write ``array`` (uint8) as an IDX file, optionally corrupted."""
    array = np.asarray(array, dtype=np.uint8)
    header = magic if magic is not None else bytes([0, 0, 0x08, array.ndim])
    payload = header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    if truncate:
        payload = payload[:-truncate]
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as stream:
        stream.write(payload)


def write_mnist_like(directory, n_train=6, n_test=4, compress=False, **corruptions):
    """Write the four IDX files of a tiny 3x2-pixel dataset into ``directory``.

    ``corruptions`` maps a file key of datasets.IDX_FILES to keyword
    arguments of write_idx, or to an array that replaces the file's content.
    """
    rng = np.random.default_rng(0)
    content = {
        "train_images": rng.integers(0, 256, (n_train, 3, 2)),
        "train_labels": rng.integers(0, 10, n_train),
        "test_images": rng.integers(0, 256, (n_test, 3, 2)),
        "test_labels": rng.integers(0, 10, n_test),
    }
    os.makedirs(directory, exist_ok=True)
    for key, stem in datasets.IDX_FILES.items():
        path = os.path.join(directory, stem + (".gz" if compress else ""))
        change = corruptions.get(key, {})
        if isinstance(change, np.ndarray):
            write_idx(path, change)
        else:
            write_idx(path, content[key], **change)
    return content


def test_digits_split_is_stratified_and_scaled():
    data = datasets.load_digits()
    assert data.x_train.shape == (1437, 64)
    assert data.x_test.shape == (360, 64)
    assert data.x_train.dtype == np.float32
    assert data.x_train.min() >= 0.0
    assert data.x_train.max() <= 1.0
    assert set(np.unique(data.y_test)) == set(range(10))


def test_digits_split_depends_on_seed_only():
    first = datasets.load_digits(seed=3)
    again = datasets.load_digits(seed=3)
    other = datasets.load_digits(seed=4)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.y_test, other.y_test)


def test_digits_rejects_invalid_test_fraction():
    with pytest.raises(DataError, match="test_fraction"):
        datasets.load_digits(test_fraction=1.5)


@needs_fashion
def test_real_fashion_mnist_loads():
    data = datasets.load_idx_directory(FASHION_DIR)
    assert data.x_train.shape == (60000, 784)
    assert data.x_test.shape == (10000, 784)
    assert data.image_shape == (28, 28)
    assert data.n_classes == 10
    # Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    assert np.all(np.bincount(data.y_train) == 6000)
    assert np.all(np.bincount(data.y_test) == 1000)
    assert data.x_train.min() == 0.0
    assert data.x_train.max() == 1.0


@needs_fashion
def test_real_fashion_mnist_limits():
    data = datasets.load_idx_directory(FASHION_DIR, limit_train=100, limit_test=50)
    assert len(data.y_train) == 100
    assert len(data.y_test) == 50


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    content = write_mnist_like(tmp_path, compress=compress)
    data = datasets.load_idx_directory(str(tmp_path))
    np.testing.assert_array_equal(data.y_train, content["train_labels"])
    np.testing.assert_allclose(data.x_test * 255.0, content["test_images"].reshape(4, 6), atol=1e-4)
    assert data.image_shape == (3, 2)


def test_idx_missing_directory(tmp_path):
    with pytest.raises(DataError, match="dataset directory not found"):
        datasets.load_idx_directory(str(tmp_path / "absent"))


def test_idx_missing_file(tmp_path):
    write_mnist_like(tmp_path)
    os.remove(tmp_path / datasets.IDX_FILES["test_labels"])
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte .* not found"):
        datasets.load_idx_directory(str(tmp_path))


@pytest.mark.parametrize("magic", [b"\x08\x03\x00\x00", b"\x00\x00\x0d\x03", b"\x00\x00\x08\x09"])
def test_idx_bad_magic_number(tmp_path, magic):
    write_mnist_like(tmp_path, train_images={"magic": magic})
    with pytest.raises(DataError, match="invalid magic number"):
        datasets.load_idx_directory(str(tmp_path))


@pytest.mark.parametrize("compress", [False, True])
def test_idx_truncated_data(tmp_path, compress):
    write_mnist_like(tmp_path, compress=compress, test_images={"truncate": 5})
    with pytest.raises(DataError, match="truncated"):
        datasets.load_idx_directory(str(tmp_path))


def test_idx_truncated_header(tmp_path):
    path = tmp_path / "short-idx"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DataError, match="truncated inside its header"):
        datasets.read_idx(str(path))


def test_idx_empty_file(tmp_path):
    path = tmp_path / "empty-idx"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="truncated"):
        datasets.read_idx(str(path))


def test_idx_corrupt_gzip(tmp_path):
    write_mnist_like(tmp_path, compress=True)
    path = tmp_path / (datasets.IDX_FILES["train_labels"] + ".gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cannot read IDX file"):
        datasets.load_idx_directory(str(tmp_path))


def test_idx_trailing_bytes(tmp_path):
    path = tmp_path / "long-idx"
    write_idx(path, np.arange(4))
    with open(path, "ab") as stream:
        stream.write(b"\x00\x01")
    with pytest.raises(DataError, match="longer than its header states"):
        datasets.read_idx(str(path))


def test_idx_label_count_mismatch(tmp_path):
    write_mnist_like(tmp_path, train_labels=np.zeros(5))
    with pytest.raises(DataError, match="6 images but .* 5 labels"):
        datasets.load_idx_directory(str(tmp_path))


def test_idx_wrong_dimensions(tmp_path):
    write_mnist_like(tmp_path, train_labels=np.zeros((6, 2)))
    with pytest.raises(DataError, match="expected 1 dimension"):
        datasets.load_idx_directory(str(tmp_path))


def test_idx_image_shape_mismatch_between_splits(tmp_path):
    write_mnist_like(tmp_path, test_images=np.zeros((4, 2, 2)))
    with pytest.raises(DataError, match="train images are"):
        datasets.load_idx_directory(str(tmp_path))


@needs_fashion
def test_idx_real_file_truncated_copy(tmp_path):
    # A download cut short: the real label file with its last 100 labels lost.
    source = os.path.join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz")
    with gzip.open(source, "rb") as stream:
        raw = stream.read()
    for stem in datasets.IDX_FILES.values():
        shutil.copy(os.path.join(FASHION_DIR, stem + ".gz"), tmp_path / (stem + ".gz"))
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as stream:
        stream.write(raw[:-100])
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is truncated"):
        datasets.load_idx_directory(str(tmp_path))


def test_one_hot():
    targets = datasets.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(targets, [[0, 0, 1], [1, 0, 0]])
