r"""Training data from evaluated points, in the conventions of the bundled data.

A data folder holds ``x_{split}.npy`` (normal coordinates, :math:`\sqrt{m_e}\,a_0`),
``y_{split}.npy`` (energies in eV relative to the reference geometry),
``f_{split}.npy`` (forces :math:`-\partial E/\partial Q` in eV/(:math:`\sqrt{m_e}\,a_0`)),
``mu_{split}.npy`` (dipole moments in e·a0, Cartesian frame of the reference geometry)
for ``split`` in ``train`` and ``validation``, plus ``modes.json`` (reference geometry,
masses, frequencies and modes) and ``metadata.json`` (units, calculator, scheme, and
every failed point by index, normal coordinates and message).

Examples
--------
>>> sorted(DATA_UNITS)
['dipole', 'energy', 'forces', 'x']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vibmpo._checks import atomic_path, write_json
from vibmpo.units import HARTREE_TO_EV

__all__ = ["DATA_UNITS", "write_dataset", "load_dipole_data"]

#: Units of the arrays in a data folder.
DATA_UNITS = {"x": "sqrt(m_e)*a0 (mass-weighted normal coordinates)",
              "energy": "eV, relative to the reference geometry",
              "forces": "eV/(sqrt(m_e)*a0), -dE/dQ",
              "dipole": "e*a0 (atomic units), Cartesian frame of the reference geometry"}


def _save(path, arr):
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, np.asarray(arr))


def write_dataset(out, modes, q, report, *, validation: float = 0.1, seed: int = 0,
                  metadata: dict | None = None) -> dict:
    """Write the arrays of successful points (split into train and validation) and the
    metadata; returns the metadata dict.

    Parameters
    ----------
    out : path
        Data folder.
    modes : NormalModes
        Normal modes (saved as ``modes.json``; the reference energy is ``modes.energy``).
    q : array (m, f)
        Normal coordinates of the points.
    report : EvaluationReport
        Their results (failed points are listed in the metadata, not in the arrays).
    validation : float
        Fraction of the successful points held out as validation data (0 for none).
    seed : int
        Seed of the split.

    Examples
    --------
    >>> import tempfile
    >>> from vibmpo.sampling.evaluate import EvaluationReport
    >>> from vibmpo.sampling.molecule import Molecule
    >>> from vibmpo.sampling.normal_modes import normal_modes
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> h = np.zeros((6, 6)); h[2, 2] = h[5, 5] = 0.37; h[2, 5] = h[5, 2] = -0.37
    >>> nm = normal_modes(mol, h, energy=-1.0)
    >>> rep = EvaluationReport(np.array([-1.0, -0.99, np.nan]), np.zeros((3, 2, 3)),
    ...                        np.zeros((3, 3)), np.array([True, True, False]),
    ...                        [{"index": 2, "message": "SCF did not converge"}], 3, 1.0)
    >>> meta = write_dataset(tempfile.mkdtemp(), nm, [[0.0], [1.0], [9.0]], rep,
    ...                      validation=0.0)
    >>> meta["n_train"], meta["failed"][0]["q"], round(meta["n_ok"] / meta["n_points"], 2)
    (2, [9.0], 0.67)
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    q = np.asarray(q, dtype=np.float64)
    if not 0.0 <= validation < 1.0:
        raise ValueError(f"validation fraction must be in [0, 1), got {validation}")
    ok = np.flatnonzero(report.ok)
    if len(ok) == 0:
        raise ValueError(f"every one of the {len(q)} points failed; see {out}/metadata.json")
    y = (report.energies[ok] - modes.energy) * HARTREE_TO_EV
    f = -modes.gradient_to_normal(report.gradients[ok]) * HARTREE_TO_EV
    mu = report.dipoles[ok]
    perm = np.random.default_rng(seed).permutation(len(ok))
    n_val = int(round(validation * len(ok)))
    splits = {"validation": perm[:n_val], "train": perm[n_val:]}
    for name, rows in splits.items():
        if len(rows) == 0:
            continue
        _save(out / f"x_{name}.npy", q[ok][rows])
        _save(out / f"y_{name}.npy", y[rows])
        _save(out / f"f_{name}.npy", f[rows])
        if np.all(np.isfinite(mu)):
            _save(out / f"mu_{name}.npy", mu[rows])
        _save(out / f"index_{name}.npy", ok[rows])
    modes.save(out / "modes.json")
    failed = [{"index": int(r["index"]), "q": q[r["index"]].tolist(),
               "message": r["message"]} for r in report.failed]
    meta = dict(metadata or {})
    meta.update({
        "units": DATA_UNITS, "energy_unit": "eV",
        "reference_energy_hartree": float(modes.energy),
        "harmonic_frequencies_cm1": modes.frequencies_cm1.tolist(),
        "n_points": int(len(q)), "n_ok": int(len(ok)), "n_failed": len(failed),
        "n_train": int(len(splits["train"])), "n_validation": int(n_val),
        "computed_this_run": int(report.computed),
        "evaluation_seconds": float(report.wall_time),
        "dipoles": bool(np.all(np.isfinite(mu))), "failed": failed,
    })
    write_json(out / "metadata.json", meta)
    return meta


def load_dipole_data(source, split: str = "train", *, required: bool = True):
    """``(x, mu)`` of a data folder (``x_{split}.npy``, ``mu_{split}.npy``), or None.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> np.save(d / "x_train.npy", np.zeros((2, 3))); np.save(d / "mu_train.npy", np.ones((2, 3)))
    >>> [a.shape for a in load_dipole_data(d)]
    [(2, 3), (2, 3)]
    """
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"dipole data must be a folder written by vibmpo sample; "
                                f"{source} is not a folder")
    px, pm = source / f"x_{split}.npy", source / f"mu_{split}.npy"
    if not (px.exists() and pm.exists()):
        if not required:
            return None
        raise FileNotFoundError(f"{source} lacks x_{split}.npy or mu_{split}.npy (dipoles "
                                "come from vibmpo sample with a calculator that gives them)")
    x, mu = np.load(px), np.load(pm)
    if mu.ndim != 2 or mu.shape != (len(x), 3):
        raise ValueError(f"{pm} must have shape ({len(x)}, 3), got {mu.shape}")
    return x, mu
