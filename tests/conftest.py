"""Shared pytest fixtures."""

import os

# Small dense solves dominate the tests: threaded BLAS only oversubscribes the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest


@pytest.fixture
def rng():
    """A seeded NumPy generator, so tests are reproducible."""
    return np.random.default_rng(1234)
