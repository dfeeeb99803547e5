"""Tabulated Hamiltonians and diagonal observables on DVR grids."""

import numpy as np
import pytest

from vibmpo.operators import grid_hamiltonian, henon_heiles
from vibmpo.operators.observables import tabulated_hamiltonian, tt_from_full


def test_tabulated_hamiltonian_equals_the_force_field_one():
    ff = henon_heiles(3)
    ham = grid_hamiltonian(ff, "ho:5")
    values = ham.potential_full()
    tab = tabulated_hamiltonian(ham.grids, values, energy_unit="hbar*omega")
    np.testing.assert_allclose(tab.dense(), ham.dense(), atol=1e-12)
    assert tab.energy_unit == "hbar*omega"
    with pytest.raises(ValueError, match="NaN"):
        tabulated_hamiltonian(ham.grids, np.where(np.arange(values.size) == 3, np.nan, values))


def test_tt_from_full_reconstructs(rng):
    a = rng.normal(size=(4, 5, 3))
    cores = tt_from_full(a)
    full = np.einsum("aib,bjc,ckd->ijk", *cores)
    np.testing.assert_allclose(full, a, atol=1e-12)
