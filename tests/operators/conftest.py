"""Fixtures of the operator-layer tests."""

import numpy as np
import pytest

from vibmpo.potential.arrays import NNMPOArrays


def make_random_nnmpo(seed: int = 0, n_modes: int = 3, basis: int = 5, rank: int = 3,
                      unit: str = "eV") -> NNMPOArrays:
    """A small random NN-MPO with every activation kind and a random rotation U."""
    rng = np.random.default_rng(seed)
    acts = ("moderate", "silu", "tanh", "sigmoid", "gaussian")
    acts = tuple(acts[i % len(acts)] for i in range(basis - 1))
    u, _ = np.linalg.qr(rng.standard_normal((n_modes, n_modes)))
    ranks = [1] + [rank] * (n_modes - 1) + [1]
    cores = tuple(0.3 * rng.standard_normal((ranks[i], basis, ranks[i + 1]))
                  for i in range(n_modes))
    return NNMPOArrays(
        U=u, centres=rng.uniform(-2, 2, (n_modes, basis - 1)),
        w=rng.uniform(0.2, 0.8, (n_modes, basis - 1)), b=rng.uniform(-0.5, 0.5,
                                                                     (n_modes, basis - 1)),
        activations=acts, cores=cores, scale=0.7, offset=0.25, energy_unit=unit,
    )


@pytest.fixture
def random_nnmpo():
    """Factory of small random NN-MPO potentials (see :func:`make_random_nnmpo`)."""
    return make_random_nnmpo
