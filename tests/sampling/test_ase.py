"""Any ASE calculator through the Python API: a Morse diatomic, finite-difference Hessian
evaluated through Dask, against its analytic harmonic frequency."""

import numpy as np
import pytest

from vibmpo.sampling import ASECalculator, Molecule, parse_calculator
from vibmpo.sampling.pipeline import reference_modes, sample_molecule
from vibmpo.units import HARTREE_TO_CM1


def test_morse_diatomic_frequency_from_finite_differences(tmp_path):
    from ase import units
    from ase.calculators.morse import MorsePotential

    de, rho0, r0 = 4.75, 1.44, 0.741  # H2-like: eV, a*r0, Angstrom
    calc = ASECalculator(MorsePotential, kwargs={"epsilon": de, "rho0": rho0, "r0": r0})
    mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 0.8 / units.Bohr]])
    opts = dict(workers=1, processes=False, progress=False)
    nm = reference_modes(mol, calc, tmp_path, eval_options=opts)
    assert np.linalg.norm(np.diff(nm.molecule.coordinates, axis=0)) * units.Bohr == \
        pytest.approx(r0, abs=1e-4)
    a = rho0 / r0 / units.Angstrom * units.Bohr  # 1/bohr
    k = 2 * de / units.Hartree * a**2  # Hartree/bohr^2
    mu = nm.masses[0] * nm.masses[1] / nm.masses.sum()
    assert nm.frequencies[0] * HARTREE_TO_CM1 == pytest.approx(np.sqrt(k / mu) * HARTREE_TO_CM1,
                                                               rel=1e-4)
    assert len(list((tmp_path / "hessian_points").glob("point_*.npz"))) == 12
    # the whole sampling run; the calculator has no dipole, so no mu_*.npy
    meta = sample_molecule(mol, calc, tmp_path, n=10, seed=1, validation=0.0, **opts)
    assert meta["n_ok"] == 10 and not meta["dipoles"]
    assert not (tmp_path / "mu_train.npy").exists()
    y = np.load(tmp_path / "y_train.npy")
    assert np.all(y > 0)  # above the minimum (eV)


def test_bad_calculator_specs():
    with pytest.raises(ValueError, match="pyscf:METHOD/BASIS"):
        parse_calculator("pyscf:hf")
    with pytest.raises(ValueError, match="cannot import"):
        parse_calculator("ase:ase.calculators.nothere:X")
    with pytest.raises(ValueError, match="unknown calculator"):
        parse_calculator("gaussian:hf")
