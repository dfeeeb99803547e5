"""Double-harmonic IR intensities of water from the sampled pipeline against PySCF
finite-difference dipole derivatives (acceptance 2, 1 %), and the dipole surface on
the grid of a rotated potential."""

import numpy as np
import pytest

from vibmpo.operators import ForceField, grid_hamiltonian
from vibmpo.operators.observables import dipole_observables, grid_observable
from vibmpo.potential.dipole import fit_polynomial
from vibmpo.sampling import evaluate, harmonic_samples
from vibmpo.solvers.intensities import KM_PER_MOL, ir_spectrum_exact


def test_double_harmonic_water_matches_finite_difference_dipole_derivatives(water_sto3g,
                                                                           tmp_path):
    calc, nm = water_sto3g
    # reference: central differences of PySCF dipoles along each normal coordinate
    h = 0.5
    ref = []
    for k in range(3):
        mu = [calc.compute(nm.molecule.with_coordinates(
            nm.to_cartesian(s * h * np.eye(3)[k])[0])).dipole for s in (1, -1)]
        dmu = (mu[0] - mu[1]) / (2 * h)
        ref.append(KM_PER_MOL / 2 * np.sum(dmu**2))
    # vibmpo: points near the minimum through Dask, a cubic dipole fit whose linear part
    # (the double-harmonic dipole) goes on the grid of the harmonic potential
    q = harmonic_samples(nm.frequencies, 30, seed=0, widen=0.5)
    rep = evaluate(calc, nm.molecule, nm.to_cartesian(q), tmp_path, workers=1,
                   processes=False, progress=False)
    surf = fit_polynomial(q, rep.dipoles, 3).truncated(1)
    ff = ForceField(tuple((0.5 * w * w, {i: 2}) for i, w in enumerate(nm.frequencies)),
                    kinetic=np.full(3, 0.5), energy_unit="hartree")
    ham = grid_hamiltonian(ff, "ho:6")
    res = ir_spectrum_exact(ham, dipole_observables(surf, ham), 6, tol=1e-12)
    for k in range(3):
        n = int(np.argmin(np.abs(res.excitations_cm1 - nm.frequencies_cm1[k])))
        assert res.excitations_cm1[n] == pytest.approx(nm.frequencies_cm1[k], abs=1e-6)
        assert res.intensities[n] == pytest.approx(ref[k], rel=0.01)
    assert min(ref) > 1.0  # all three modes of water are IR active


def test_dipole_on_a_rotated_grid_equals_the_polynomial():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    mu = np.c_[x[:, 0] * x[:, 1], 0.3 + x[:, 2] ** 3, x.sum(1)]
    surf = fit_polynomial(x, mu, 3)
    U = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    ham = grid_hamiltonian(ForceField(((0.5, {0: 2}), (0.5, {1: 2}), (0.5, {2: 2})),
                                      kinetic=np.full(3, 0.5)), "ho:4")
    obs = grid_observable(surf, ham, component=1, coordinator=U)
    qs = np.stack(np.meshgrid(*[g.points for g in ham.grids], indexing="ij"), -1)
    expect = surf.values(qs.reshape(-1, 3) @ U.T)[:, 1]
    np.testing.assert_allclose(obs.values_full(), expect, atol=1e-10)
    np.testing.assert_allclose(np.diag(obs.to_mpo().to_dense()), expect, atol=1e-10)
    with pytest.raises(ValueError, match="orthogonal"):
        surf.rotated(np.ones((3, 3)))
