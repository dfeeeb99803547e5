"""Fixtures of the potential tests."""

import numpy as np
import pytest

from vibmpo.potential.arrays import NNMPOArrays


def _random_arrays(rng, n=3, nb=4, ranks=(2, 3)):
    U, _ = np.linalg.qr(rng.normal(size=(n, n)))
    shapes = [1, *ranks, 1]
    cores = tuple(rng.normal(size=(shapes[i], nb, shapes[i + 1])) for i in range(n))
    acts = ("moderate", "silu", "tanh", "sigmoid", "gaussian")[: nb - 1]
    return NNMPOArrays(U=U, centres=rng.normal(size=(n, nb - 1)), w=rng.normal(size=(n, nb - 1)),
                       b=rng.normal(size=(n, nb - 1)), activations=acts,
                       cores=cores, scale=2.5, offset=-1.0, energy_unit="cm-1")


@pytest.fixture
def random_arrays():
    """Factory ``random_arrays(rng, n=3, nb=4, ranks=(2, 3))`` of random NN-MPO arrays."""
    return _random_arrays
