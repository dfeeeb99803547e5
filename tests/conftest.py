"""Shared pytest fixtures."""

import os

# Small dense solves dominate the tests: threaded BLAS only oversubscribes the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest


def pytest_configure(config):
    """Stop early when ``vibmpo`` resolves to a stale folder instead of the installed package."""
    import vibmpo

    if getattr(vibmpo, "__file__", None) is None:
        where = ", ".join(str(p) for p in vibmpo.__path__)
        pytest.exit(
            f"'vibmpo' imports as an empty namespace package from {where}: a folder left by an "
            "earlier regular install (Numba cache files pip does not remove) shadows the current "
            "install. Run `python3 -m pip uninstall vibmpo`, delete that folder, and install "
            "again.",
            returncode=4,
        )


@pytest.fixture
def rng():
    """A seeded NumPy generator, so tests are reproducible."""
    return np.random.default_rng(1234)
