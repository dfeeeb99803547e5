"""Fixtures of the sampling tests: water at HF/STO-3G (about 0.1 s per single point)."""

import pytest

from vibmpo.sampling import PySCFCalculator, normal_modes, optimize_geometry, parse_xyz

WATER = "3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n"


@pytest.fixture(scope="session")
def water_sto3g():
    """(calculator, normal modes) of water at its HF/STO-3G minimum (analytic Hessian)."""
    calc = PySCFCalculator("hf", "sto-3g")
    mol, energy = optimize_geometry(calc, parse_xyz(WATER))
    return calc, normal_modes(mol, calc.hessian(mol), energy=energy, calculator=calc.label)
