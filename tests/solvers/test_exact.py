"""Exact diagonalisation: known spectra, agreement between methods, memory refusal."""

import numpy as np
import pytest

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators.forcefield import (
    coupled_oscillator_levels,
    coupled_oscillators,
    henon_heiles,
)
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.potential.io import load_model
from vibmpo.solvers.exact import exact_levels
from vibmpo.units import HARTREE_TO_CM1


def test_henon_heiles_2d_ground_state():
    ham = grid_hamiltonian(henon_heiles(2, 0.111803), "ho:24")
    res = exact_levels(ham, n_states=4)
    assert res.method == "dense"
    assert res.energies[0] == pytest.approx(0.998595, abs=5e-7)
    # the first excited level is a degenerate pair (C3v symmetry)
    assert res.energies[2] - res.energies[1] < 1e-9


@pytest.mark.parametrize("method", ["filtered", "lanczos"])
def test_iterative_methods_agree_with_dense_including_degeneracies(method):
    ham = grid_hamiltonian(henon_heiles(2, 0.111803), "ho:30")
    dense = exact_levels(ham, n_states=8, method="dense")
    it = exact_levels(ham, n_states=8, method=method)
    assert it.method == method
    assert np.allclose(it.energies, dense.energies, rtol=1e-10, atol=0)
    assert it.residuals.max() < 1e-6
    overlap = it.vectors.T @ dense.vectors
    # same eigenspaces (degenerate pairs may rotate within themselves)
    assert np.allclose(np.linalg.svd(overlap, compute_uv=False), 1.0, atol=1e-6)


def test_coupled_oscillators_match_normal_mode_levels():
    om = np.array([1000.0, 1400.0, 1900.0])
    c = 60.0
    ham = grid_hamiltonian(coupled_oscillators(om, c), "ho:12")
    res = exact_levels(ham, n_states=6, method="filtered")
    exact = coupled_oscillator_levels(om, c, 6)
    assert np.allclose(res.energies, exact, rtol=1e-9)
    assert res.energy_unit == "cm-1"
    assert np.allclose(res.vectors.T @ res.vectors, np.eye(6), atol=1e-10)
    assert res.excitations[0] == 0.0


def test_h2co_small_grid_against_dense():
    ham = grid_hamiltonian(load_model(h2co_pompon_model_path()), "ho:3")
    dense = exact_levels(ham, n_states=6, method="dense")
    it = exact_levels(ham, n_states=6, method="filtered")
    assert np.allclose(it.energies, dense.energies, rtol=1e-10)
    assert it.energy_unit == "hartree"
    exc = it.excitations * HARTREE_TO_CM1
    assert 1000 < exc[1] < 1300  # lowest fundamental near the 1167 cm^-1 CH2 wag


@pytest.mark.slow
def test_h2co_ho9_21_states():
    ham = grid_hamiltonian(load_model(h2co_pompon_model_path()), "ho:9")
    res = exact_levels(ham, n_states=21, return_vectors=False)
    exc = res.excitations * HARTREE_TO_CM1
    assert res.energies[0] * HARTREE_TO_CM1 == pytest.approx(-4328.0174, abs=1e-3)
    assert exc[1] == pytest.approx(1160.7149, abs=1e-3)
    assert exc[20] == pytest.approx(3707.4796, abs=1e-3)
    assert res.residuals.max() < 1e-7


def test_memory_refusal_says_how_large():
    # 4.1e9 points; Henon-Heiles falls below its minimum on this wide grid (checked
    # elsewhere): only the memory refusal is tested here
    ham = grid_hamiltonian(henon_heiles(6), "ho:40", allow_extrapolation=True)
    with pytest.raises(MemoryError, match=r"4,096,000,000 point grid .* needs about .*TiB"):
        exact_levels(ham, n_states=5)
    small = grid_hamiltonian(henon_heiles(2), "ho:30")
    with pytest.raises(MemoryError, match="needs about"):
        exact_levels(small, n_states=3, method="filtered", max_memory=1e5)


def test_bad_arguments():
    ham = grid_hamiltonian(henon_heiles(2), "ho:5")
    with pytest.raises(ValueError, match="unknown method"):
        exact_levels(ham, n_states=2, method="magic")
    with pytest.raises(ValueError, match="n_states must be between 1 and"):
        exact_levels(ham, n_states=0)
    with pytest.raises(ValueError, match="use method='dense'"):
        exact_levels(ham, n_states=24, method="lanczos")
    with pytest.raises(TypeError, match="GridHamiltonian"):
        exact_levels("H", n_states=2)


def test_result_fields_and_deprecated_spellings():
    ham = grid_hamiltonian(coupled_oscillators([1.0, 2.0], 0.1), "ho:10")
    res = exact_levels(ham, n_states=3)
    assert res.converged.all() and res.info["tol"] == 1e-8
    assert res.wall_time > 0 and res.energy_unit == ham.energy_unit
    with pytest.warns(DeprecationWarning, match="n_states=n by keyword"):
        old = exact_levels(ham, 3)
    assert np.array_equal(old.energies, res.energies)
    with pytest.warns(DeprecationWarning, match="renamed wall_time"):
        assert old.seconds == old.wall_time
    with pytest.raises(TypeError, match="missing the keyword argument n_states"):
        exact_levels(ham)
    with pytest.raises(TypeError, match="n_states twice"):
        exact_levels(ham, 3, n_states=3)


def test_loose_tolerance_is_flagged_not_converged():
    # plain Lanczos at tol=0.1 (relative to the spectrum's far end) leaves residuals of
    # order 1 on levels of order 1: flagged; the default tolerance converges
    ham = grid_hamiltonian(henon_heiles(2, 0.111803), "ho:30")
    loose = exact_levels(ham, n_states=6, method="lanczos", tol=1e-1)
    assert loose.residuals.max() > 0.1 and not loose.converged.all()
    tight = exact_levels(ham, n_states=6, method="lanczos")
    assert tight.converged.all() and tight.residuals.max() < 1e-3 * tight.energies.max()
