r"""Electronic-structure calculators: energy, gradient and dipole at one geometry.

Every calculator is a small picklable object with ``compute(molecule) -> PointResult``
(atomic units: Hartree, Hartree/bohr, e*bohr), so Dask can ship it to any worker.

* :class:`PySCFCalculator` -- the built-in engine, spec ``pyscf:METHOD/BASIS``
  (``hf`` for RHF/UHF, any other method name is a DFT functional, e.g. ``b3lyp``);
  analytic Hessians for HF and DFT;
* :class:`ASECalculator` -- any ASE calculator, built on the worker by a picklable
  factory (a class or a module-level function); eV and Angstrom converted with
  ``ase.units``.

An SCF that does not converge raises :class:`CalculationFailed`; the distributed
evaluation records such points with the message and carries on.

Examples
--------
>>> calc = parse_calculator("pyscf:hf/sto-3g")
>>> calc.method, calc.basis, calc.label
('hf', 'sto-3g', 'pyscf:hf/sto-3g')
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

from vibmpo.sampling.molecule import Molecule

__all__ = ["CalculationFailed", "PointResult", "PySCFCalculator", "ASECalculator",
           "parse_calculator"]


class CalculationFailed(RuntimeError):
    """An electronic-structure calculation gave no usable result (e.g. SCF not converged).

    Examples
    --------
    >>> str(CalculationFailed("SCF not converged"))
    'SCF not converged'
    """


@dataclass(frozen=True)
class PointResult:
    """Energy (Hartree), gradient dE/dx (Hartree/bohr, (n_atoms, 3)) and dipole (e*bohr,
    (3,), or None when the calculator has none) at one geometry.

    Examples
    --------
    >>> PointResult(-1.0, np.zeros((2, 3)), np.zeros(3)).energy
    -1.0
    """

    energy: float
    gradient: np.ndarray
    dipole: np.ndarray | None = None


@dataclass(frozen=True)
class PySCFCalculator:
    """HF or DFT with PySCF (spec ``pyscf:METHOD/BASIS``).

    Attributes
    ----------
    method : str
        ``"hf"`` or a DFT functional name (``"b3lyp"``, ``"pbe"``, ...).
    basis : str
        Basis-set name (``"6-31g*"``, ``"cc-pvdz"``, ...).
    conv_tol : float
        SCF energy tolerance (Hartree); tight, since forces come from the SCF.
    max_cycle : int
        SCF iterations before the point is declared failed.
    threads : int
        Threads of PySCF's own parallel loops per calculation (1: Dask parallelises over
        points).

    Examples
    --------
    >>> from vibmpo.sampling.molecule import Molecule
    >>> calc = PySCFCalculator("hf", "sto-3g")
    >>> res = calc.compute(Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]]))
    >>> round(res.energy, 6), res.gradient.shape
    (-1.116714, (2, 3))
    """

    method: str
    basis: str
    conv_tol: float = 1e-11
    max_cycle: int = 100
    threads: int = 1

    @property
    def label(self) -> str:
        """The spec string."""
        return f"pyscf:{self.method}/{self.basis}"

    def _scf(self, molecule: Molecule):
        from pyscf import dft, gto, lib, scf

        if self.threads:
            lib.num_threads(int(self.threads))
        mol = gto.M(atom=[(s, tuple(c)) for s, c in zip(molecule.symbols,
                                                         molecule.coordinates, strict=True)],
                    unit="Bohr", basis=self.basis, charge=molecule.charge,
                    spin=molecule.spin, verbose=0)
        if self.method.lower() == "hf":
            mf = scf.RHF(mol) if molecule.spin == 0 else scf.UHF(mol)
        else:
            mf = dft.RKS(mol) if molecule.spin == 0 else dft.UKS(mol)
            mf.xc = self.method
        mf.conv_tol = float(self.conv_tol)
        mf.max_cycle = int(self.max_cycle)
        try:
            mf.kernel()
        except (ArithmeticError, np.linalg.LinAlgError) as exc:
            raise CalculationFailed(f"{self.label}: SCF crashed ({exc})") from None
        if not mf.converged:
            raise CalculationFailed(f"{self.label}: SCF did not converge in {self.max_cycle} "
                                    f"cycles (last energy {float(mf.e_tot):.8f} Eh)")
        return mf

    def compute(self, molecule: Molecule) -> PointResult:
        """Energy, gradient and dipole moment (all atomic units)."""
        mf = self._scf(molecule)
        grad = np.asarray(mf.nuc_grad_method().kernel(), dtype=np.float64)
        dip = np.asarray(mf.dip_moment(unit="AU", verbose=0), dtype=np.float64)
        return PointResult(float(mf.e_tot), grad, dip)

    def hessian(self, molecule: Molecule) -> np.ndarray:
        """Analytic Cartesian Hessian (3N x 3N, Hartree/bohr^2)."""
        mf = self._scf(molecule)
        h = np.asarray(mf.Hessian().kernel())
        n = molecule.n_atoms
        return h.transpose(0, 2, 1, 3).reshape(3 * n, 3 * n)


@dataclass(frozen=True)
class ASECalculator:
    """Any ASE calculator: ``factory()`` builds it on the worker.

    Energies (eV) and forces (eV/Angstrom) are converted with ``ase.units``; the dipole
    comes from ``get_dipole_moment`` when the calculator implements it (else None).

    Examples
    --------
    >>> from ase.calculators.emt import EMT
    >>> from vibmpo.sampling.molecule import Molecule
    >>> res = ASECalculator(EMT).compute(Molecule(("Cu", "Cu"), [[0, 0, 0], [0, 0, 4.5]]))
    >>> res.gradient.shape, res.dipole is None
    ((2, 3), True)
    """

    factory: object
    name: str = ""
    kwargs: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A readable name."""
        return self.name or f"ase:{getattr(self.factory, '__module__', '?')}:" \
                            f"{getattr(self.factory, '__qualname__', repr(self.factory))}"

    def compute(self, molecule: Molecule) -> PointResult:
        """Energy, gradient and (if available) dipole, in atomic units."""
        from ase import Atoms, units

        atoms = Atoms(symbols=list(molecule.symbols),
                      positions=molecule.coordinates * units.Bohr)
        atoms.calc = self.factory(**self.kwargs)
        try:
            e = float(atoms.get_potential_energy()) / units.Hartree
            forces = np.asarray(atoms.get_forces(), dtype=np.float64)
        except Exception as exc:  # ASE calculators raise their own error types
            raise CalculationFailed(f"{self.label}: {type(exc).__name__}: {exc}") from None
        grad = -forces * units.Bohr / units.Hartree
        dip = None
        if "dipole" in getattr(atoms.calc, "implemented_properties", ()):
            dip = np.asarray(atoms.get_dipole_moment(), dtype=np.float64) / units.Bohr
        return PointResult(e, grad, dip)


def parse_calculator(spec: str):
    """A calculator from a spec: ``pyscf:METHOD/BASIS`` or ``ase:MODULE:NAME`` (an ASE
    calculator class or factory function, e.g. ``ase:ase.calculators.emt:EMT``).

    Examples
    --------
    >>> parse_calculator("ase:ase.calculators.emt:EMT").label
    'ase:ase.calculators.emt:EMT'
    """
    spec = str(spec).strip()
    kind, _, rest = spec.partition(":")
    if kind.lower() == "pyscf":
        method, sep, basis = rest.partition("/")
        if not sep or not method or not basis:
            raise ValueError(f"calculator {spec!r}: write pyscf:METHOD/BASIS, e.g. "
                             "pyscf:hf/6-31g* or pyscf:b3lyp/cc-pvdz")
        return PySCFCalculator(method.strip().lower(), basis.strip().lower())
    if kind.lower() == "ase":
        module, sep, name = rest.rpartition(":")
        if not sep or not module or not name:
            raise ValueError(f"calculator {spec!r}: write ase:MODULE:NAME, e.g. "
                             "ase:ase.calculators.emt:EMT")
        try:
            factory = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"calculator {spec!r}: cannot import {name} from {module} "
                             f"({exc})") from None
        return ASECalculator(factory, name=spec)
    raise ValueError(f"unknown calculator {spec!r}; use pyscf:METHOD/BASIS (e.g. "
                     "pyscf:hf/6-31g*) or ase:MODULE:NAME")
