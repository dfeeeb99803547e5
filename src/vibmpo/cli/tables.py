"""Vibrational level tables of the commands (exact diagonalisation, DMRG, block DMRG).

Energies from a Hamiltonian in a physical unit (Hartree, eV, ...) are shown in cm^-1;
force fields in their own unit (e.g. ``hbar*omega``) keep it, labelled. Every table and
JSON file states its zero: ``excitations`` are measured from the ground level (the first
column of every table), ``energies`` from ``energy_zero`` -- the potential minimum found
by the harmonic analysis when it is known, else the Hamiltonian's own zero (for an NN-MPO
that is the energy shift of its training data, which no user should have to guess).
The JSON keys are neutral: ``energies`` / ``excitations`` (ascending,
``excitations[0] == 0``) in ``energy_unit``, the zero as ``energy_zero`` (words) and
``zero_value`` (its value on the Hamiltonian's scale, in ``hamiltonian_energy_unit``).

Examples
--------
>>> res = levels_result([0.01, 0.02], "hartree", method="exact", grid="ho:9",
...                     zero=0.0, zero_label="potential minimum")
>>> res.unit, res.excitations.round(2).tolist()
('cm-1', [0.0, 2194.75])
>>> print(format_level_table(res.energies, res.unit, zero_label=res.zero_label))
... # doctest: +NORMALIZE_WHITESPACE
excitation: above the ground level; E: above the potential minimum
  n  excitation / cm-1           E / cm-1
  0             0.0000          2194.7463
  1          2194.7463          4389.4926
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vibmpo._checks import write_json
from vibmpo.units import convert_energy, normalize_energy_unit

__all__ = [
    "ZERO_OWN",
    "ZERO_MINIMUM",
    "LevelsResult",
    "display_energies",
    "levels_result",
    "format_level_table",
    "write_levels_json",
]


#: Zero of energies taken as they come from the Hamiltonian (no minimum known).
ZERO_OWN = "zero of the Hamiltonian's potential (V = 0, e.g. the energy shift of the data)"
#: Zero of energies at the potential minimum found by Newton's method from the origin.
ZERO_MINIMUM = "potential minimum (harmonic analysis)"


def display_energies(energies, energy_unit: str) -> tuple[np.ndarray, str]:
    """Energies in their display unit: cm^-1 for physical units, else unchanged.

    Examples
    --------
    >>> display_energies([1.0], "hbar*omega")
    (array([1.]), 'hbar*omega')
    """
    e = np.asarray(energies, dtype=np.float64).reshape(-1)
    try:
        unit = normalize_energy_unit(energy_unit)
    except ValueError:
        return e.copy(), str(energy_unit)
    return np.asarray(convert_energy(e, unit, "cm-1"), dtype=np.float64).reshape(-1), "cm-1"


@dataclass(frozen=True)
class LevelsResult:
    """A table of vibrational levels from any method.

    Attributes
    ----------
    energies : ndarray (k,)
        Absolute energies, ascending, in ``unit``.
    unit : str
        ``"cm-1"`` or a force field's own unit label.
    method : str
        ``"exact"``, ``"dmrg"``, ...
    grid : str
        Grid spec used.
    mpo_bond_dims : list of int
        Bond dimensions of the Hamiltonian MPO.
    seconds : float
        Wall time of the solve.
    extra : dict
        Method-specific JSON-serialisable details (residuals, memory, sweeps, ...).
    labels : list of str
        Optional assignment label per level (e.g. ``"v1+v3"``), same order.
    zero_label : str
        What ``energies`` are measured from (e.g. ``"potential minimum (harmonic
        analysis)"``); ``""``: the Hamiltonian's own zero.
    zero_value : float
        That zero on the Hamiltonian's energy scale, in ``hamiltonian_unit``.
    hamiltonian_unit : str
        Energy unit of the Hamiltonian the levels came from.

    Examples
    --------
    >>> r = levels_result([0.5, 1.5, 2.5], "hbar*omega", method="exact",
    ...                   labels=["0", "v1", "2v1"])
    >>> r.excitations.tolist(), r.unit, r.to_dict()["assignments"]
    ([0.0, 1.0, 2.0], 'hbar*omega', ['0', 'v1', '2v1'])
    """

    energies: np.ndarray
    unit: str
    method: str
    grid: str = ""
    mpo_bond_dims: list = field(default_factory=list)
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    labels: list = field(default_factory=list)
    zero_label: str = ""
    zero_value: float = 0.0
    hamiltonian_unit: str = ""

    @property
    def excitations(self) -> np.ndarray:
        """Energies relative to the lowest level."""
        return self.energies - self.energies[0]

    def to_dict(self) -> dict:
        """JSON-ready dictionary (see module docstring for the keys)."""
        out = {
            "energies": [float(x) for x in self.energies],
            "excitations": [float(x) for x in self.excitations],
            "energy_unit": self.unit,
            "energy_zero": self.zero_label or ZERO_OWN,
            "excitation_zero": "ground level",
            "zero_value": float(self.zero_value),
            "hamiltonian_energy_unit": self.hamiltonian_unit or self.unit,
            "method": self.method,
            "grid": self.grid,
            "mpo_bond_dims": [int(x) for x in self.mpo_bond_dims],
            "seconds": float(self.seconds),
        }
        if self.labels:
            out["assignments"] = [str(x) for x in self.labels]
        out.update(self.extra)
        return out


def levels_result(energies, energy_unit: str, *, method: str, grid: str = "",
                  mpo_bond_dims=(), seconds: float = 0.0, extra: dict | None = None,
                  labels=None, zero: float = 0.0, zero_label: str = "") -> LevelsResult:
    """Build a :class:`LevelsResult` from energies in a Hamiltonian's unit (sorted,
    measured from ``zero`` (same unit, described by ``zero_label``), converted to the
    display unit; ``labels`` follow their levels).

    Examples
    --------
    >>> r = levels_result([2.0, 1.0], "hbar*omega", method="exact", labels=["v1", "0"])
    >>> r.energies.tolist(), r.labels
    ([1.0, 2.0], ['0', 'v1'])
    """
    raw = np.asarray(energies, dtype=np.float64).reshape(-1)
    e, unit = display_energies(raw - float(zero), energy_unit)
    order = np.argsort(e, kind="stable")
    if labels is not None and len(labels) != len(e):
        raise ValueError(f"got {len(labels)} labels for {len(e)} levels")
    return LevelsResult(energies=e[order], unit=unit, method=str(method), grid=str(grid),
                        mpo_bond_dims=[int(x) for x in mpo_bond_dims], seconds=float(seconds),
                        extra=dict(extra or {}),
                        labels=[] if labels is None else [str(labels[k]) for k in order],
                        zero_label=str(zero_label), zero_value=float(zero),
                        hamiltonian_unit=str(energy_unit))


def format_level_table(energies, unit: str = "cm-1", labels=None, zero_label: str = "") -> str:
    """Text table of excitation energies (above the ground level) and energies above
    ``zero_label`` (labelled with ``unit``; ``""``: the Hamiltonian's own zero), with an
    assignment column when ``labels`` are given (same order as ``energies``). The first
    line states both zeros.

    Examples
    --------
    >>> print(format_level_table([0.5, 1.5], "hbar*omega", labels=["0", "v1"],
    ...                          zero_label="potential minimum"))
    excitation: above the ground level; E: above the potential minimum
      n  excitation / hbar*omega  E / hbar*omega  assignment
      0                   0.0000          0.5000  0
      1                   1.0000          1.5000  v1
    """
    e = np.asarray(energies, dtype=np.float64).reshape(-1)
    order = np.argsort(e, kind="stable")
    e = e[order]
    h1, h2 = f"excitation / {unit}", f"E / {unit}"
    w1, w2 = max(len(h1), 10), max(len(h2), 10)
    lines = [f"excitation: above the ground level; E: above the {zero_label or ZERO_OWN}",
             f"{'n':>3}  {h1:>{w1}}  {h2:>{w2}}" + ("  assignment" if labels else "")]
    for i, x in enumerate(e):
        row = f"{i:>3}  {x - e[0]:>{w1}.4f}  {x:>{w2}.4f}"
        lines.append(row + (f"  {labels[order[i]]}" if labels else ""))
    return "\n".join(lines)


def write_levels_json(path, result: LevelsResult) -> None:
    """Write ``result.to_dict()`` as JSON, atomically.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> r = levels_result([0.01, 0.02], "hartree", method="exact")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "levels.json"
    ...     write_levels_json(path, r)
    ...     data = json.loads(path.read_text())
    >>> [round(x, 2) for x in data["excitations"]], data["energy_unit"]
    ([0.0, 2194.75], 'cm-1')
    """
    write_json(path, result.to_dict())
