r"""Molecules: element symbols, Cartesian geometry (bohr), charge, spin and masses.

Masses are those of the most abundant isotope (H2 16O, not isotope averages; pass
them to PySCF's ``harmonic_analysis(..., mass=...)`` to compare), converted to
electron masses (1 u = 1822.888486 m_e), so mass-weighted coordinates come out in
:math:`\sqrt{m_e}\,a_0`.

Examples
--------
>>> mol = parse_xyz("3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n")
>>> mol.symbols, mol.n_atoms, round(float(mol.masses[0] / AMU_TO_ME), 4)
(('O', 'H', 'H'), 3, 15.9949)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ANGSTROM_TO_BOHR", "AMU_TO_ME", "Molecule", "parse_xyz", "read_xyz",
           "isotope_mass"]

#: 1 Angstrom in bohr (CODATA 2018, as in PySCF).
ANGSTROM_TO_BOHR = 1.0 / 0.52917721092
#: 1 unified atomic mass unit in electron masses.
AMU_TO_ME = 1822.888486

# most abundant isotopes (u), enough for organic molecules; others come from PySCF
_MASSES = {"H": 1.00782503223, "C": 12.0, "N": 14.00307400443, "O": 15.99491461957,
           "F": 18.99840316273, "S": 31.9720711744, "Cl": 34.968852682}


def isotope_mass(symbol: str) -> float:
    """Mass of the most abundant isotope of an element, in u.

    Examples
    --------
    >>> isotope_mass("H")
    1.00782503223
    """
    sym = symbol.strip().capitalize()
    if sym in _MASSES:
        return _MASSES[sym]
    try:
        from pyscf.data import elements
    except ImportError:  # pragma: no cover
        raise ValueError(f"no mass for element {symbol!r}; install PySCF (pip install "
                         "'vibmpo[sampling]') for the full periodic table") from None
    try:
        return float(elements.COMMON_ISOTOPE_MASSES[elements.charge(sym)])
    except (KeyError, IndexError):
        raise ValueError(f"unknown element symbol {symbol!r}") from None


@dataclass(frozen=True)
class Molecule:
    """A molecule: atoms, Cartesian coordinates in bohr, charge and spin (2S).

    Examples
    --------
    >>> m = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> m.coordinates.shape, m.charge, m.spin
    ((2, 3), 0, 0)
    """

    symbols: tuple
    coordinates: np.ndarray
    charge: int = 0
    spin: int = 0

    def __post_init__(self):
        syms = tuple(str(s).strip().capitalize() for s in self.symbols)
        xyz = np.array(self.coordinates, dtype=np.float64)
        if xyz.shape != (len(syms), 3):
            raise ValueError(f"coordinates must have shape ({len(syms)}, 3) for {len(syms)} "
                             f"atoms, got {xyz.shape}")
        if not np.all(np.isfinite(xyz)):
            raise ValueError("coordinates contain NaN or inf")
        if len(syms) < 2:
            raise ValueError("a molecule needs at least two atoms to vibrate")
        for s in syms:
            isotope_mass(s)
        xyz.setflags(write=False)
        object.__setattr__(self, "symbols", syms)
        object.__setattr__(self, "coordinates", xyz)
        object.__setattr__(self, "charge", int(self.charge))
        object.__setattr__(self, "spin", int(self.spin))

    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return len(self.symbols)

    @property
    def masses(self) -> np.ndarray:
        """Atomic masses in electron masses (most abundant isotopes)."""
        return np.array([isotope_mass(s) * AMU_TO_ME for s in self.symbols])

    def with_coordinates(self, coordinates) -> Molecule:
        """The same molecule at other coordinates (bohr)."""
        return Molecule(self.symbols, coordinates, self.charge, self.spin)

    def to_dict(self) -> dict:
        """JSON-ready description (coordinates in bohr)."""
        return {"symbols": list(self.symbols), "coordinates_bohr": self.coordinates.tolist(),
                "charge": self.charge, "spin": self.spin}

    @classmethod
    def from_dict(cls, data: dict) -> Molecule:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(data["symbols"]), data["coordinates_bohr"], data.get("charge", 0),
                   data.get("spin", 0))


def parse_xyz(text: str, *, charge: int = 0, spin: int = 0, source: str = "XYZ text"
              ) -> Molecule:
    """A molecule from XYZ text (count line, comment line, ``symbol x y z`` in Angstrom).

    Examples
    --------
    >>> parse_xyz("2\\n\\nH 0 0 0\\nH 0 0 0.74\\n").coordinates[1, 2].round(4)
    np.float64(1.3984)
    """
    lines = [ln for ln in text.splitlines()]
    try:
        n = int(lines[0].split()[0])
    except (IndexError, ValueError):
        raise ValueError(f"{source}: the first line must be the number of atoms") from None
    body = [ln.split() for ln in lines[2:2 + n]]
    if len(body) != n or any(len(b) < 4 for b in body):
        raise ValueError(f"{source}: expected {n} lines 'symbol x y z' after the comment line")
    try:
        xyz = np.array([[float(v) for v in b[1:4]] for b in body]) * ANGSTROM_TO_BOHR
    except ValueError:
        raise ValueError(f"{source}: coordinates must be numbers (Angstrom)") from None
    return Molecule(tuple(b[0] for b in body), xyz, charge, spin)


def read_xyz(path, *, charge: int = 0, spin: int = 0) -> Molecule:
    """Read a molecule from an XYZ file (Angstrom); ``spin`` is 2S (0 for singlets).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h2.xyz"
    >>> _ = p.write_text("2\\nH2\\nH 0 0 0\\nH 0 0 0.74\\n")
    >>> read_xyz(p).symbols
    ('H', 'H')
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"molecule file {path} does not exist")
    return parse_xyz(path.read_text(), charge=charge, spin=spin, source=str(path))
