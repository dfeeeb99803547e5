"""Acetonitrile (CH3CN): the 12-mode quartic force field and its 70 reference levels.

The standard 12-D benchmark for vibrational eigensolvers: the quartic normal-mode force
field of Begue et al. (J. Phys. Chem. A, doi 10.1021/jp0406114) in dimensionless normal
coordinates (cm-1), as used for the A-VCI levels of Odunlami et al. (J. Chem. Phys.,
doi 10.1063/1.4984266) and by Avila & Carrington. Numbers taken from
berkelbach-group/VHCI (``input/acetonitrile.inp`` and ``process/ref_acetonitrile_AVCI.dat``
at commit 668e4047e3882716ec51ad182e5115beecb90ee5); no file of that (GPL-3.0) project is
stored. The bundled JSON keeps the published form: Taylor derivatives
(``"convention": "taylor"``) and harmonic frequencies (``"coordinates": "dimensionless"``),
i.e.

.. math::

    H = \\sum_i \\tfrac{\\omega_i}{2}(p_i^2 + q_i^2)
        + \\sum_k \\phi_k \\prod_m q_m^{p_{km}} / p_{km}!  \\qquad (\\mathrm{cm}^{-1}).

Mode order (harmonic wavenumbers, cm-1): 3065, 2297, 1413, 920, 3149, 1487, 1061, 361,
3149, 1487, 1061, 361; modes 4/8, 5/9, 6/10, 7/11 are the doubly degenerate e pairs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["ch3cn_forcefield_path", "ch3cn_forcefield", "ch3cn_reference", "CH3CN_GRID"]

#: A per-mode HO-DVR grid converging the lowest levels to about 2e-3 cm-1.
CH3CN_GRID = "ho:6,ho:6,ho:7,ho:8,ho:6,ho:7,ho:8,ho:12,ho:6,ho:7,ho:8,ho:12"


def _data_file(name: str) -> Path:
    from importlib import resources

    return Path(str(resources.files("vibmpo.datasets").joinpath("data", name)))


def ch3cn_forcefield_path() -> Path:
    """Path of the bundled CH3CN force-field JSON (Taylor convention, frequencies).

    Examples
    --------
    >>> ch3cn_forcefield_path().name
    'ch3cn_forcefield.json'
    """
    return _data_file("ch3cn_forcefield.json")


def ch3cn_forcefield():
    """The CH3CN quartic force field as a :class:`vibmpo.operators.ForceField` (cm-1).

    Examples
    --------
    >>> ff = ch3cn_forcefield()
    >>> ff.n_modes, ff.energy_unit, len(ff.terms)
    (12, 'cm-1', 311)
    >>> ff.kinetic[:4].tolist()
    [1532.5, 1148.5, 706.5, 460.0]
    """
    from vibmpo.operators.forcefield import load_forcefield

    return load_forcefield(ch3cn_forcefield_path())


def ch3cn_reference() -> dict:
    """The 70 lowest A-VCI levels of the CH3CN force field.

    Returns
    -------
    dict
        ``"zpe_cm1"`` (9837.41, A-VCI), ``"zpe_cm1_second_source"`` (9837.4069,
        Avila & Carrington), ``"excitations_cm1"``: ndarray (70,), excitation energies
        above the ZPE (entry 0 is 0.0; degenerate pairs listed twice), and
        ``"description"`` (the sources).

    Examples
    --------
    >>> ref = ch3cn_reference()
    >>> ref["zpe_cm1"], ref["excitations_cm1"].shape, float(ref["excitations_cm1"][1])
    (9837.41, (70,), 360.99)
    """
    data = json.loads(_data_file("ch3cn_reference.json").read_text())
    data["excitations_cm1"] = np.asarray(data["excitations_cm1"], dtype=float)
    return data
