"""The Hamiltonian of a Δ-learned potential (baseline + NN-MPO correction) is the sum of
the two: dense comparisons on small grids."""

import numpy as np
import pytest

from vibmpo.operators.dvr import sine_grid
from vibmpo.operators.hamiltonian import grid_hamiltonian, harmonic_analysis
from vibmpo.potential.baseline import PolynomialPotential, quartic_powers
from vibmpo.potential.composite import CompositePotential
from vibmpo.units import EV_TO_CM1, HARTREE_TO_CM1


def _product_points(grids):
    mesh = np.meshgrid(*[g.points for g in grids], indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _composite(random_nnmpo, seed=0):
    """A quartic baseline in x (eV) and a random NN-MPO correction with a rotated
    coordinator U (eV)."""
    corr = random_nnmpo(seed, n_modes=3, basis=5, rank=3, unit="eV")
    powers = quartic_powers(3)
    coef = 1e-3 * np.random.default_rng(seed).normal(size=len(powers))
    harmonic = (powers.sum(1) == 2) & (powers.max(1) == 2)
    coef[harmonic] = [0.02, 0.03, 0.04]
    return CompositePotential(PolynomialPotential(powers, coef, "eV"), corr)


@pytest.mark.parametrize("kind", ["polynomial", "nnmpo"])
def test_mpo_of_the_sum_is_the_sum_of_the_mpos(random_nnmpo, kind):
    v = _composite(random_nnmpo)
    if kind == "nnmpo":  # an NN-MPO baseline sharing the correction's U
        base = random_nnmpo(5, n_modes=3, basis=4, rank=2, unit="eV")
        from dataclasses import replace

        v = CompositePotential(replace(base, U=v.correction.U), v.correction)
    grids = [sine_grid(5, -3.0, 3.0), sine_grid(4, -2.5, 2.0), sine_grid(5, -2.0, 3.5)]
    h_sum = grid_hamiltonian(v, grids, allow_extrapolation=True)
    h_corr = grid_hamiltonian(v.correction, grids, allow_extrapolation=True)
    assert h_sum.energy_unit == "hartree"
    # the potential on the grid, evaluated directly at x = q U^T (no tensor trains)
    x = _product_points(h_sum.grids) @ v.correction.U.T
    to_ha = EV_TO_CM1 / HARTREE_TO_CM1
    np.testing.assert_allclose(h_sum.potential_full(), v.energy(x) * to_ha, rtol=0,
                               atol=1e-12)
    v_base = v.baseline.energy(x) * to_ha
    dense_sum = h_sum.dense()
    np.testing.assert_allclose(dense_sum, h_corr.dense() + np.diag(v_base), rtol=0,
                               atol=1e-12)
    # the compressed MPO of T + V_b + V_c: dense, within its stated bound
    mpo = h_sum.to_mpo(max_error=1e-10)
    np.testing.assert_allclose(mpo.to_dense(), dense_sum, rtol=0,
                               atol=max(1e-11, 2 * h_sum.mpo_error(1e-10)))
    # and its levels are those of the dense sum
    ev = np.linalg.eigvalsh(dense_sum)[:4]
    np.testing.assert_allclose(np.linalg.eigvalsh(mpo.to_dense())[:4], ev, atol=1e-10)


def test_composite_harmonic_analysis_and_default_grids(random_nnmpo):
    """The minimum of baseline + correction is found on their sum; ho grids come from
    it; the grid check sees the correction's data region (none here: checked against
    the minimum only)."""
    corr = random_nnmpo(1, n_modes=2, basis=4, rank=2, unit="eV")
    from dataclasses import replace

    corr = replace(corr, scale=1e-3)
    base = PolynomialPotential([[2, 0], [0, 2], [1, 1]], [0.05, 0.08, 0.01], "eV")
    v = CompositePotential(base, corr)
    c, hess, e = harmonic_analysis(v)
    q = c[None, :] @ corr.U.T
    assert e == pytest.approx(float(v.energy(q)[0]) * EV_TO_CM1 / HARTREE_TO_CM1, abs=1e-14)
    assert np.abs(v.forces(q)).max() < 1e-9
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ham = grid_hamiltonian(v, "ho:6")
    assert ham.dims == (6, 6) and "baseline polynomial" in ham.description
