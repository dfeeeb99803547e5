"""Physical constants and unit conversions used throughout vibmpo.

Internally vibmpo works in atomic units: energies in Hartree (Eh), mass-weighted
coordinates in sqrt(m_e) * a0, hbar = 1, time in atomic units of time. User-facing
energies are in cm^-1 (always labelled).

Examples
--------
>>> from vibmpo.units import convert_energy
>>> round(convert_energy(1.0, "eV", "cm-1"), 3)
8065.544
>>> round(convert_energy(219474.63, "cm-1", "hartree"), 12)
1.0
"""

from __future__ import annotations

__all__ = [
    "EV_TO_CM1",
    "HARTREE_TO_CM1",
    "HARTREE_TO_EV",
    "FS_TO_AU",
    "ENERGY_UNITS",
    "energy_factor",
    "convert_energy",
    "normalize_energy_unit",
]

#: 1 eV in cm^-1.
EV_TO_CM1 = 8065.544
#: 1 Hartree in cm^-1.
HARTREE_TO_CM1 = 219474.63
#: 1 Hartree in eV (derived from the two above so that conversions commute).
HARTREE_TO_EV = HARTREE_TO_CM1 / EV_TO_CM1
#: 1 femtosecond in atomic units of time (hbar / Eh = 2.4188843265857e-17 s).
FS_TO_AU = 1.0 / 2.4188843265857e-2

# Value of one unit in Hartree.
_IN_HARTREE = {
    "hartree": 1.0,
    "ev": 1.0 / HARTREE_TO_EV,
    "cm-1": 1.0 / HARTREE_TO_CM1,
    "kcal/mol": 1.0 / 627.5094740631,
    "kj/mol": 1.0 / 2625.4996394799,
}
_ALIASES = {
    "eh": "hartree",
    "ha": "hartree",
    "au": "hartree",
    "a.u.": "hartree",
    "hartree": "hartree",
    "ev": "ev",
    "cm-1": "cm-1",
    "cm^-1": "cm-1",
    "cm**-1": "cm-1",
    "1/cm": "cm-1",
    "wavenumber": "cm-1",
    "kcal/mol": "kcal/mol",
    "kj/mol": "kj/mol",
}
#: Canonical energy unit names accepted everywhere an energy unit is asked for.
ENERGY_UNITS = ("hartree", "eV", "cm-1", "kcal/mol", "kJ/mol")
_CANONICAL = {"hartree": "hartree", "ev": "eV", "cm-1": "cm-1", "kcal/mol": "kcal/mol",
              "kj/mol": "kJ/mol"}


def normalize_energy_unit(unit: str) -> str:
    """Return the canonical spelling of an energy unit.

    Parameters
    ----------
    unit : str
        Any accepted spelling, case-insensitive (``"eV"``, ``"Eh"``, ``"cm^-1"``, ...).

    Returns
    -------
    str
        One of :data:`ENERGY_UNITS`.

    Raises
    ------
    ValueError
        If the unit is unknown; the message lists the accepted units.

    Examples
    --------
    >>> normalize_energy_unit("CM^-1")
    'cm-1'
    """
    key = _ALIASES.get(str(unit).strip().lower())
    if key is None:
        raise ValueError(
            f"unknown energy unit {unit!r}; use one of {', '.join(ENERGY_UNITS)} "
            "(aliases: Eh, au, cm^-1, 1/cm)"
        )
    return _CANONICAL[key]


def energy_factor(from_unit: str, to_unit: str) -> float:
    r"""Multiplicative factor converting energies from ``from_unit`` to ``to_unit``.

    :math:`E_\mathrm{to} = f \, E_\mathrm{from}`.

    Examples
    --------
    >>> round(energy_factor("hartree", "eV"), 6)
    27.211386
    """
    a = _IN_HARTREE[normalize_energy_unit(from_unit).lower()]
    b = _IN_HARTREE[normalize_energy_unit(to_unit).lower()]
    return a / b


def convert_energy(value, from_unit: str, to_unit: str):
    """Convert an energy (scalar or array) between units.

    Examples
    --------
    >>> import numpy as np
    >>> convert_energy(np.array([0.5, 1.0]), "hartree", "cm-1").round(2).tolist()
    [109737.32, 219474.63]
    """
    import numpy as np  # here, not at module level: ``vibmpo --threads`` needs NumPy unloaded

    return np.asarray(value) * energy_factor(from_unit, to_unit) if np.ndim(value) else (
        float(value) * energy_factor(from_unit, to_unit)
    )
