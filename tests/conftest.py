"""Shared pytest fixtures."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded NumPy generator, so tests are reproducible."""
    return np.random.default_rng(1234)
