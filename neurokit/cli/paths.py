"""Locate the network specs that ship in the repository's networks/ folder."""

import os

# networks/ sits next to the neurokit package in a source checkout.
REPOSITORY_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def resolve_spec(path):
    """Return ``path`` if it exists, else the same relative path under the repository root.

    When neither exists, ``path`` is returned unchanged so that the loader
    reports it as not found.
    """
    if os.path.exists(path) or os.path.isabs(path):
        return path
    candidate = os.path.join(REPOSITORY_ROOT, path)
    return candidate if os.path.exists(candidate) else path
