"""Normal-mode analysis against PySCF, coordinate conventions, sampling schemes."""

import numpy as np
import pytest

from vibmpo.sampling import (
    grid_samples,
    harmonic_samples,
    latin_hypercube,
    load_normal_modes,
    select_points,
)
from vibmpo.sampling.molecule import AMU_TO_ME
from vibmpo.units import HARTREE_TO_CM1


def test_harmonic_frequencies_equal_pyscf(water_sto3g):
    """Acceptance 2: vibmpo's frequencies equal PySCF's harmonic analysis (same Hessian and
    masses) to 0.1 cm-1."""
    from pyscf import gto, scf
    from pyscf.hessian import thermo

    calc, nm = water_sto3g
    mol = gto.M(atom=[(s, tuple(c)) for s, c in zip(nm.molecule.symbols,
                                                    nm.molecule.coordinates, strict=True)],
                unit="Bohr", basis="sto-3g", verbose=0)
    mf = scf.RHF(mol).run(conv_tol=1e-11)
    ref = thermo.harmonic_analysis(mol, mf.Hessian().kernel(), mass=nm.masses / AMU_TO_ME)
    np.testing.assert_allclose(nm.frequencies_cm1, np.asarray(ref["freq_wavenumber"]).real,
                               atol=0.1)
    assert np.all(np.diff(nm.frequencies) > 0)
    # the modes are orthonormal and orthogonal to translations and rotations
    np.testing.assert_allclose(nm.modes.T @ nm.modes, np.eye(3), atol=1e-12)


def test_forces_are_minus_gradient_in_normal_coordinates(water_sto3g):
    """f = -dE/dQ in sqrt(m_e)*a0, checked by central differences of the energy, and
    E - E0 ~ omega^2 Q^2 / 2 along each mode."""
    calc, nm = water_sto3g
    q = np.array([3.0, -4.0, 5.0])
    grad = nm.gradient_to_normal(calc.compute(nm.molecule.with_coordinates(
        nm.to_cartesian(q)[0])).gradient)[0]
    h = 0.05
    for k in range(3):
        e = [calc.compute(nm.molecule.with_coordinates(nm.to_cartesian(q + s * h * np.eye(3)[k])
                                                       [0])).energy for s in (1, -1)]
        assert (e[0] - e[1]) / (2 * h) == pytest.approx(grad[k], rel=1e-4, abs=1e-9)
    small = 1.0
    for k in range(3):
        e = calc.compute(nm.molecule.with_coordinates(nm.to_cartesian(small * np.eye(3)[k])[0]
                                                      )).energy - nm.energy
        assert e == pytest.approx(0.5 * nm.frequencies[k] ** 2 * small**2, rel=0.02)
    back = nm.to_normal(nm.to_cartesian(q))
    np.testing.assert_allclose(back[0], q, atol=1e-10)


def test_modes_round_trip(water_sto3g, tmp_path):
    _, nm = water_sto3g
    nm.save(tmp_path / "m.json")
    nm2 = load_normal_modes(tmp_path / "m.json")
    np.testing.assert_allclose(nm2.modes, nm.modes)
    assert nm2.molecule.symbols == nm.molecule.symbols
    assert nm2.frequencies_cm1[0] * 1 == pytest.approx(nm.frequencies[0] * HARTREE_TO_CM1)


def test_schemes():
    w = np.array([0.008, 0.017, 0.018])
    q = harmonic_samples(w, 40000, seed=3, widen=1.5)
    np.testing.assert_allclose(q.std(0), 1.5 / np.sqrt(2 * w), rtol=0.02)
    g = grid_samples(w, 5, order=2)
    assert len(g) == 1 + 3 * 4 + 3 * 16  # centre, 1-mode cuts, 2-mode planes
    assert np.all((np.abs(g) > 1e-12).sum(1) <= 2)
    assert len(grid_samples(w, 5, order=3)) == 125
    lhs = latin_hypercube(w, 50, seed=0)
    # one point per stratum in every coordinate
    for k in range(3):
        strata = np.floor((lhs[:, k] * np.sqrt(2 * w[k]) / 3 + 1) / 2 * 50).astype(int)
        assert sorted(strata.tolist()) == list(range(50))
    pool = harmonic_samples(w, 500, seed=1)
    for method in ("fps", "kmeans"):
        idx = select_points(pool, 30, w, method=method, seed=0)
        assert len(set(idx.tolist())) == 30
    fps = pool[select_points(pool, 30, w, method="fps")]
    rnd = pool[:30]
    # farthest-point selection spreads further than random draws
    assert np.abs(fps * np.sqrt(2 * w)).max() > np.abs(rnd * np.sqrt(2 * w)).max()
    with pytest.raises(ValueError, match="positive"):
        harmonic_samples([-0.01], 3, seed=0)
