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


def _assert_hole_free_grid(model, grid, *, seed, rtol):
    """The grid check accepts ``grid`` for the confined ``model``; no grid point lies
    below the minimum of the harmonic analysis (within the certificate's tolerance);
    and the grid potential is the model's own energy at 200 random grid points."""
    from vibmpo.operators.gridcheck import grid_extremes
    from vibmpo.operators.hamiltonian import grid_hamiltonian, harmonic_analysis
    from vibmpo.units import energy_factor

    ham = grid_hamiltonian(model, grid)
    vmin, _, _, exact = grid_extremes(ham)
    _, _, e_min = harmonic_analysis(model)
    assert exact
    to_ha = energy_factor(model.energy_unit, "hartree")
    assert vmin >= e_min - 1e-6 * abs(e_min) - model.confinement.tolerance * to_ha
    pts = np.stack(np.meshgrid(*[g.points for g in ham.grids], indexing="ij"),
                   -1).reshape(-1, len(ham.grids))
    pick = np.random.default_rng(seed).choice(len(pts), 200, replace=False)
    np.testing.assert_allclose(ham.potential_full().reshape(-1)[pick],
                               model.energy(pts[pick] @ model.U.T) * to_ha, rtol=rtol,
                               atol=1e-12)


@pytest.fixture
def assert_hole_free_grid():
    """``assert_hole_free_grid(model, grid, *, seed, rtol)``: the confined model on
    ``grid`` has no point below its minimum, and the grid potential is its energy."""
    return _assert_hole_free_grid
