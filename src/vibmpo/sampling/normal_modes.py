r"""Geometry optimisation, Hessians and normal modes (translations and rotations
projected out).

With masses :math:`m_a` in electron masses and the Cartesian Hessian :math:`H`
(Hartree/bohr²), the mass-weighted Hessian :math:`M^{-1/2} H M^{-1/2}` is diagonalised in
the orthogonal complement of the translations :math:`\sqrt{m_a}\,e_k` and rotations
:math:`\sqrt{m_a}\,(e_k \times r_a)`; its eigenvalues are :math:`\omega_k^2`
(Hartree², :math:`\hbar = 1`) and its eigenvectors the columns of ``modes`` :math:`L`
(orthonormal, by increasing frequency). A geometry is

.. math::

    x = x_0 + M^{-1/2} L\, Q ,

with normal coordinates :math:`Q` in :math:`\sqrt{m_e}\,a_0`, and forces in them are
:math:`-\partial E/\partial Q = -L^T M^{-1/2}\, \partial E/\partial x` -- the conventions
of the bundled data.

Examples
--------
>>> h = np.diag([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])  # two free atoms: no vibration
>>> from vibmpo.sampling.molecule import Molecule
>>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
>>> normal_modes(mol, h).n_modes
1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vibmpo._checks import write_json
from vibmpo.sampling.molecule import Molecule
from vibmpo.units import HARTREE_TO_CM1

__all__ = ["NormalModes", "normal_modes", "optimize_geometry", "finite_difference_hessian",
           "load_normal_modes"]


@dataclass(frozen=True)
class NormalModes:
    """Reference geometry, masses, harmonic frequencies and normal modes.

    Attributes
    ----------
    molecule : Molecule
        Reference geometry (bohr), usually the optimised minimum.
    masses : ndarray (n_atoms,)
        Electron masses.
    frequencies : ndarray (f,)
        Harmonic frequencies in Hartree (:math:`\\omega_k`, negative for imaginary ones),
        increasing.
    modes : ndarray (3 n_atoms, f)
        Orthonormal mass-weighted displacement vectors :math:`L`.
    energy : float
        Energy at the reference geometry (Hartree).
    calculator : str
        Label of the method that produced them.

    Examples
    --------
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> h = np.zeros((6, 6)); h[2, 2] = h[5, 5] = 0.37; h[2, 5] = h[5, 2] = -0.37
    >>> nm = normal_modes(mol, h)
    >>> x = nm.to_cartesian([[0.0], [1.0]])
    >>> x.shape, bool(np.allclose(x[0], mol.coordinates))
    ((2, 2, 3), True)
    """

    molecule: Molecule
    masses: np.ndarray
    frequencies: np.ndarray
    modes: np.ndarray
    energy: float = 0.0
    calculator: str = ""

    @property
    def n_modes(self) -> int:
        """Number of vibrational modes ``f``."""
        return int(self.modes.shape[1])

    @property
    def frequencies_cm1(self) -> np.ndarray:
        """Harmonic frequencies in cm^-1."""
        return self.frequencies * HARTREE_TO_CM1

    def _check_q(self, q):
        q = np.asarray(q, dtype=np.float64)
        if q.ndim == 1:
            q = q[None]
        if q.ndim != 2 or q.shape[1] != self.n_modes:
            raise ValueError(f"normal coordinates must have {self.n_modes} columns, got shape "
                             f"{q.shape}")
        return q

    def to_cartesian(self, q) -> np.ndarray:
        """Cartesian geometries (m, n_atoms, 3) in bohr of normal coordinates q (m, f)."""
        q = self._check_q(q)
        inv = np.repeat(1.0 / np.sqrt(self.masses), 3)
        disp = (q @ self.modes.T) * inv
        return self.molecule.coordinates[None] + disp.reshape(len(q), -1, 3)

    def to_normal(self, geometries) -> np.ndarray:
        """Normal coordinates (m, f) of Cartesian geometries (m, n_atoms, 3), bohr
        (the projection onto the modes; exact for geometries from :meth:`to_cartesian`)."""
        g = np.asarray(geometries, dtype=np.float64).reshape(-1, 3 * self.molecule.n_atoms)
        d = (g - self.molecule.coordinates.reshape(-1)) * np.repeat(np.sqrt(self.masses), 3)
        return d @ self.modes

    def gradient_to_normal(self, gradients) -> np.ndarray:
        """dE/dQ (m, f) from Cartesian gradients dE/dx (m, n_atoms, 3)."""
        g = np.asarray(gradients, dtype=np.float64).reshape(-1, 3 * self.molecule.n_atoms)
        return (g * np.repeat(1.0 / np.sqrt(self.masses), 3)) @ self.modes

    def to_dict(self) -> dict:
        """JSON-ready form (atomic units; frequencies also in cm^-1)."""
        return {"molecule": self.molecule.to_dict(), "masses_me": self.masses.tolist(),
                "frequencies_hartree": self.frequencies.tolist(),
                "frequencies_cm1": self.frequencies_cm1.tolist(),
                "modes": self.modes.tolist(), "energy_hartree": float(self.energy),
                "calculator": self.calculator,
                "conventions": "x = x0 + M^-1/2 L Q; Q in sqrt(m_e)*a0; columns by "
                               "increasing frequency"}

    def save(self, path) -> None:
        """Write :meth:`to_dict` as JSON (atomically)."""
        write_json(path, self.to_dict())


def load_normal_modes(path) -> NormalModes:
    """Read normal modes written by :meth:`NormalModes.save`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> h = np.zeros((6, 6)); h[2, 2] = h[5, 5] = 0.37; h[2, 5] = h[5, 2] = -0.37
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "modes.json"
    >>> normal_modes(mol, h).save(p)
    >>> load_normal_modes(p).n_modes
    1
    """
    import json
    from pathlib import Path

    data = json.loads(Path(path).read_text())
    return NormalModes(Molecule.from_dict(data["molecule"]), np.array(data["masses_me"]),
                       np.array(data["frequencies_hartree"]), np.array(data["modes"]),
                       float(data.get("energy_hartree", 0.0)), data.get("calculator", ""))


def _rigid_motions(molecule: Molecule, masses: np.ndarray) -> np.ndarray:
    """Orthonormal basis (3N, 5 or 6) of mass-weighted translations and rotations."""
    x = molecule.coordinates
    com = (masses[:, None] * x).sum(0) / masses.sum()
    r = x - com
    sq = np.sqrt(masses)
    vecs = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = 1.0
        vecs.append((sq[:, None] * e[None]).reshape(-1))
        vecs.append((sq[:, None] * np.cross(e[None], r)).reshape(-1))
    b = np.array(vecs).T
    u, s, _ = np.linalg.svd(b, full_matrices=False)
    return u[:, s > 1e-6 * s.max()]


def normal_modes(molecule: Molecule, hessian, *, energy: float = 0.0,
                 calculator: str = "") -> NormalModes:
    """Normal modes from a Cartesian Hessian (3N x 3N, Hartree/bohr²), translations and
    rotations projected out; see the module docstring.

    Examples
    --------
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> h = np.zeros((6, 6)); h[2, 2] = h[5, 5] = 0.37; h[2, 5] = h[5, 2] = -0.37
    >>> float(normal_modes(mol, h).frequencies_cm1[0].round(1))
    4404.8
    """
    n = molecule.n_atoms
    h = np.asarray(hessian, dtype=np.float64)
    if h.shape != (3 * n, 3 * n):
        raise ValueError(f"Hessian must be {3 * n}x{3 * n} for {n} atoms, got {h.shape}")
    h = 0.5 * (h + h.T)
    masses = molecule.masses
    inv = np.repeat(1.0 / np.sqrt(masses), 3)
    hmw = h * inv[:, None] * inv[None, :]
    rigid = _rigid_motions(molecule, masses)
    full = np.linalg.svd(rigid, full_matrices=True)[0]
    comp = full[:, rigid.shape[1]:]  # orthonormal complement: internal motions
    w, v = np.linalg.eigh(comp.T @ hmw @ comp)
    modes = comp @ v
    for k in range(modes.shape[1]):  # sign: largest component positive
        if modes[np.argmax(np.abs(modes[:, k])), k] < 0:
            modes[:, k] *= -1.0
    freqs = np.sign(w) * np.sqrt(np.abs(w))
    return NormalModes(molecule, masses, freqs, modes, float(energy), calculator)


def optimize_geometry(calculator, molecule: Molecule, *, gtol: float = 1e-6,
                      max_steps: int = 200) -> tuple[Molecule, float]:
    """Minimise the energy (BFGS on Cartesian coordinates with the calculator's gradient)
    until every gradient component is below ``gtol`` (Hartree/bohr).

    Returns the optimised molecule and its energy.

    Examples
    --------
    >>> from vibmpo.sampling.calculators import PySCFCalculator
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol, e = optimize_geometry(PySCFCalculator("hf", "sto-3g"),
    ...                            Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.5]]))
    >>> round(float(np.linalg.norm(mol.coordinates[1] - mol.coordinates[0])), 3)
    1.346
    """
    from scipy.optimize import minimize

    shape = molecule.coordinates.shape
    cache = {}

    def fun(x):
        key = x.tobytes()
        if key not in cache:
            res = calculator.compute(molecule.with_coordinates(x.reshape(shape)))
            cache.clear()
            cache[key] = (res.energy, np.asarray(res.gradient).reshape(-1))
        return cache[key]

    out = minimize(fun, molecule.coordinates.reshape(-1), jac=True, method="BFGS",
                   options={"gtol": gtol, "maxiter": max_steps})
    e, g = fun(out.x)
    if np.abs(g).max() > 10 * gtol:
        raise RuntimeError(f"geometry optimisation stopped after {out.nit} steps with a "
                           f"largest gradient component {np.abs(g).max():.2e} Eh/bohr "
                           f"({out.message}); start from a better geometry or raise "
                           "max_steps")
    return molecule.with_coordinates(out.x.reshape(shape)), float(e)


def finite_difference_hessian(gradient_fn, molecule: Molecule, *, step: float = 5e-3
                              ) -> np.ndarray:
    """Cartesian Hessian by central differences of gradients (step in bohr).

    ``gradient_fn(geometries)`` maps (m, n_atoms, 3) geometries to (m, n_atoms, 3)
    gradients, so the 6N displaced points can be evaluated in parallel (e.g. through
    :func:`vibmpo.sampling.evaluate.evaluate`).

    Examples
    --------
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> k = np.kron([[1, -1], [-1, 1]], np.eye(3)) * 0.37
    >>> fd = finite_difference_hessian(lambda g: (g.reshape(-1, 6) @ k).reshape(g.shape), mol)
    >>> bool(np.allclose(fd, k))
    True
    """
    x0 = molecule.coordinates.reshape(-1)
    n3 = x0.size
    disp = np.concatenate([x0 + step * np.eye(n3), x0 - step * np.eye(n3)])
    grads = np.asarray(gradient_fn(disp.reshape(2 * n3, -1, 3))).reshape(2 * n3, n3)
    h = (grads[:n3] - grads[n3:]) / (2 * step)
    return 0.5 * (h + h.T)
