"""Argument types shared by the subcommands; each rejects bad values in one line."""

import argparse
import math
import os
from pathlib import Path

from neurokit.errors import SpecError


def positive_int(text):
    return _integer(text, 1, "is not positive")


def nonnegative_int(text):
    return _integer(text, 0, "is negative")


def _integer(text, minimum, too_small):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; give an integer >= {minimum}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text!r} {too_small}; give an integer >= {minimum}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number")
    return value


def comma_list(text):
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("the list is empty; give comma-separated names")
    return items


def check_output_dir(path, option="--out"):
    """Raise SpecError unless ``path`` is, or can be created as, a writable directory.

    Nothing is created, so a run that fails later leaves no empty directory.
    """
    path = Path(path).absolute()
    if path.exists() and not path.is_dir():
        raise SpecError(f"{option} {str(path)!r} is a file; give a directory path")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise SpecError(f"{option} {str(path)!r} lies under the file {str(existing)!r}; "
                        "give a directory path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SpecError(f"{option} {str(path)!r} is not writable; give a directory you can write to")
