"""Formaldehyde (H2CO) six-mode DFT data bundled with vibmpo, and a loader for user data.

Coordinates are mass-weighted normal coordinates in atomic units (sqrt(m_e) * a0),
columns ordered by increasing harmonic frequency; energies are in eV relative to
``Y_SHIFT_EV``; forces are -dE/dx in eV / (sqrt(m_e) a0).
Source: Pompon project data release, MIT licence (``data/LICENSE.pompon``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo.units import normalize_energy_unit

__all__ = [
    "Dataset",
    "h2co",
    "h2co_cuts",
    "h2co_harmonic",
    "h2co_normal_modes",
    "h2co_pompon_model_path",
    "h2co_symmetry",
    "load_dataset",
    "Y_SHIFT_EV",
    "E_MIN_EV",
    "HARMONIC_CM1",
]

#: Energy shift of the bundled energies: E_abs = y + Y_SHIFT_EV (eV).
Y_SHIFT_EV = -3112.1604302407663
#: DFT energy minimum (eV, absolute).
E_MIN_EV = -3113.4044750979383
#: Harmonic frequencies of the six active modes (cm^-1), increasing.
HARMONIC_CM1 = (1193.49, 1264.16, 1529.53, 1863.27, 2867.31, 2926.46)

_SPLITS = ("train", "validation")


@dataclass(frozen=True)
class Dataset:
    """Energies (and optional forces) at sample geometries.

    Attributes
    ----------
    x : ndarray, shape (n, d)
        Mass-weighted coordinates, sqrt(m_e) a0.
    y : ndarray, shape (n,)
        Energies in ``energy_unit``.
    f : ndarray, shape (n, d) or None
        Forces -dE/dx in ``energy_unit`` per coordinate unit.
    energy_unit : str
        Canonical energy unit name (see :mod:`vibmpo.units`).

    Examples
    --------
    >>> d = Dataset(np.zeros((2, 1)), np.zeros(2))
    >>> d.n_samples, d.n_dims
    (2, 1)
    """

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray | None = None
    energy_unit: str = "eV"

    def __post_init__(self):
        x = as_finite_array(self.x, "x", ndim=2)
        y = as_finite_array(self.y, "y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(
                f"y must hold one energy per row of x: x has shape {x.shape}, y has shape "
                f"{np.shape(self.y)}"
            )
        f = self.f
        if f is not None:
            f = as_finite_array(f, "f (forces)")
            if f.shape != x.shape:
                raise ValueError(
                    f"forces f must have the shape of x {x.shape} (one -dE/dx per coordinate), "
                    f"got {f.shape}"
                )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "f", f)
        object.__setattr__(self, "energy_unit", normalize_energy_unit(self.energy_unit))

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.x.shape[0])

    @property
    def n_dims(self) -> int:
        """Number of coordinates per sample."""
        return int(self.x.shape[1])


def _data_file(name: str):
    return resources.files("vibmpo.datasets").joinpath("data", name)


def h2co(split: str = "train") -> Dataset:
    """Load a split of the bundled H2CO data set.

    Parameters
    ----------
    split : {"train", "validation"}
        625 training or 843 validation points.

    Returns
    -------
    Dataset
        Energies in eV (relative to :data:`Y_SHIFT_EV`) and forces.

    Examples
    --------
    >>> d = h2co("train")
    >>> d.x.shape, d.f.shape, d.energy_unit
    ((625, 6), (625, 6), 'eV')
    """
    if split not in _SPLITS:
        raise ValueError(f"unknown H2CO split {split!r}; choose one of {_SPLITS}")
    with _data_file(f"h2co_{split}.npz").open("rb") as fh, np.load(fh) as z:
        return Dataset(x=z["x"], y=z["y"], f=z["f"], energy_unit="eV")


def h2co_harmonic() -> dict:
    """The harmonic analysis of H2CO (geometry, masses, frequencies, modes, Hessian).

    Returns
    -------
    dict
        The parsed ``harmonic.json`` of the Pompon data release, plus
        ``"frequencies_cm1"``: the six active harmonic frequencies in cm^-1.

    Examples
    --------
    >>> [round(w) for w in h2co_harmonic()["frequencies_cm1"]]
    [1193, 1264, 1530, 1863, 2867, 2926]
    """
    with _data_file("harmonic.json").open("r") as fh:
        data = json.load(fh)
    data["frequencies_cm1"] = list(HARMONIC_CM1)
    return data


def h2co_normal_modes():
    """The harmonic analysis of H2CO as :class:`vibmpo.sampling.normal_modes.NormalModes`:
    the reference geometry (bohr), masses, the six active modes (mass-weighted, columns
    in the order of the coordinates of :func:`h2co`) and their frequencies.

    Examples
    --------
    >>> nm = h2co_normal_modes()
    >>> nm.modes.shape, [round(w) for w in nm.frequencies_cm1]
    ((12, 6), [1193, 1264, 1530, 1863, 2867, 2926])
    """
    from vibmpo.sampling.molecule import AMU_TO_ME, ANGSTROM_TO_BOHR, Molecule
    from vibmpo.sampling.normal_modes import NormalModes
    from vibmpo.units import HARTREE_TO_CM1

    h = h2co_harmonic()
    mol = Molecule(tuple(h["symbols"]), np.asarray(h["equil"]["values"]) * ANGSTROM_TO_BOHR)
    modes = np.asarray(h["modes"]["values"])[:, list(h["active_modes"])]
    return NormalModes(molecule=mol, masses=np.asarray(h["mass"]["values"]) * AMU_TO_ME,
                       frequencies=np.asarray(HARMONIC_CM1) / HARTREE_TO_CM1, modes=modes,
                       calculator="DFT (Pompon data release)")


def h2co_symmetry():
    """The C2v symmetry of H2CO as sign flips of its six normal coordinates, found from
    the bundled harmonic analysis (:func:`vibmpo.sampling.symmetry.mode_symmetry`): the
    molecular plane flips mode 0 (b1, out-of-plane bend), the perpendicular plane modes
    1 and 5 (b2: rock and antisymmetric CH stretch); modes 2-4 are a1.

    Examples
    --------
    >>> h2co_symmetry().to_text()
    '0;1,5'
    """
    from vibmpo.sampling.symmetry import mode_symmetry

    return mode_symmetry(h2co_normal_modes())


def h2co_cuts() -> dict:
    """One- and two-mode cuts of the H2CO DFT surface (2-mode representation grid).

    Returns
    -------
    dict
        ``"index"`` (n, 6) int: grid index per mode, -10..10 (0 = equilibrium);
        ``"q_grid"`` (21,): dimensionless normal coordinate Q for index -10..10
        (Q = sqrt(omega) x in atomic units); ``"energy"`` (n,): eV relative to
        :data:`Y_SHIFT_EV`; ``"x"`` (n, 6): the mass-weighted coordinates in
        sqrt(m_e) a0. These cuts come from separate DFT runs whose energy zero lies
        about 39 cm^-1 above that of :func:`h2co` (the paper's model, fitted to the
        latter, matches the cuts' shapes to ~2 cm^-1 once each is taken relative to
        its value at x = 0).

    Examples
    --------
    >>> c = h2co_cuts()
    >>> c["x"].shape
    (6121, 6)
    """
    from vibmpo.units import HARTREE_TO_CM1

    with _data_file("h2co_cuts.npz").open("rb") as fh, np.load(fh) as z:
        index = z["index"].astype(np.int64)
        energy = z["energy"]
        q_grid = z["q_grid"]
    omega = np.asarray(HARMONIC_CM1) / HARTREE_TO_CM1
    x = q_grid[index + 10] / np.sqrt(omega)
    return {"index": index, "q_grid": q_grid, "energy": energy, "x": x}


def h2co_pompon_model_path() -> Path:
    """Path of the bundled Pompon NN-MPO model of H2CO (the paper's trained model).

    Examples
    --------
    >>> h2co_pompon_model_path().name
    'pompon_nnmpo_final.h5'
    """
    return Path(str(_data_file("pompon_nnmpo_final.h5")))


def load_dataset(source, split: str = "train", *, energy_unit: str = "eV",
                 required: bool = True) -> Dataset | None:
    """Load ``x_{split}``, ``y_{split}`` and optional ``f_{split}`` from a folder or ``.npz``.

    Parameters
    ----------
    source : path
        A folder holding ``x_train.npy``, ``y_train.npy``, optional ``f_train.npy``
        (and the same for ``validation``), or an ``.npz`` with the same names.
    split : str
        ``"train"`` or ``"validation"`` (any name works: ``x_{split}`` etc.).
    energy_unit : str
        Unit of the energies in the files.
    required : bool
        If False, return None when the split is absent.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.npz"
    >>> np.savez(p, x_train=np.zeros((3, 2)), y_train=np.zeros(3))
    >>> load_dataset(p).n_samples
    3
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"data source {source} does not exist")
    if source.is_dir():
        def get(key):
            p = source / f"{key}.npy"
            return np.load(p) if p.exists() else None
    elif source.suffix == ".npz":
        with np.load(source) as z:
            arrays = {k: z[k] for k in z.files}

        def get(key):
            return arrays.get(key)
    else:
        raise ValueError(f"data source {source} must be a folder of .npy files or an .npz file")
    x, y, f = get(f"x_{split}"), get(f"y_{split}"), get(f"f_{split}")
    if x is None or y is None:
        if not required and x is None and y is None:
            return None
        missing = [n for n, a in ((f"x_{split}", x), (f"y_{split}", y)) if a is None]
        raise FileNotFoundError(f"{source} lacks {', '.join(missing)}")
    return Dataset(x=x, y=y, f=f, energy_unit=energy_unit)
