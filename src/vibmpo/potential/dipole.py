r"""Dipole-moment surfaces as low-order polynomials in normal coordinates (NumPy only).

Each Cartesian component :math:`\mu_k` (e·a0) is a polynomial of total degree
:math:`\le p`,

.. math::

    \mu_k(x) = \sum_{|n| \le p} c_{nk}\, x_1^{n_1} \cdots x_f^{n_f},

fitted by linear least squares to the sampled dipoles. Dipoles are smooth, so a
polynomial suffices where the vibrational states live: on water (HF/6-31G*, harmonic
sampling widened 1.6x, 810 training points) the held-out RMSE falls from 1.1e-2 e·a0
(degree 1) to 1.3e-3 (2), 3.9e-4 (3), 1.4e-4 (4) and 3.9e-5 (5)
(``benchmarks/water_end_to_end.py``), and the intensities from the degree-5 surface agree
with those from the ab initio dipoles at every grid point to 0.1 % for the fundamentals
and 4 % for the weakest overtone (2v3, 0.05 km/mol). The fit costs milliseconds and
gives the operator layer an exact sum of products (an NN-MPO would be needed only for
many modes, where the number of monomials explodes).

A polynomial in ``x`` is again one of the same degree in rotated coordinates
``q = x U`` (:meth:`PolynomialSurface.rotated`), which puts the dipole on the grid of a
potential whose coordinator is not the identity.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(50, 2))
>>> mu = np.stack([1 + 0.5 * x[:, 0], x[:, 0] * x[:, 1], np.zeros(50)], axis=1)
>>> surf = fit_polynomial(x, mu, degree=2)
>>> bool(np.allclose(surf.values(x), mu))
True
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vibmpo._checks import as_finite_array, write_json

__all__ = ["PolynomialSurface", "fit_polynomial", "load_polynomial", "monomial_powers"]


def monomial_powers(n_vars: int, degree: int) -> np.ndarray:
    """All exponent vectors of total degree ``<= degree`` (rows), constant first.

    Examples
    --------
    >>> monomial_powers(2, 2).tolist()
    [[0, 0], [0, 1], [1, 0], [0, 2], [1, 1], [2, 0]]
    """
    if degree < 0 or int(degree) != degree:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    rows = [p for p in itertools.product(range(int(degree) + 1), repeat=int(n_vars))
            if sum(p) <= degree]
    rows.sort(key=lambda p: (sum(p), p))
    return np.array(rows, dtype=np.int64).reshape(-1, n_vars)


def _design(x, powers):
    return np.prod(x[:, None, :] ** powers[None, :, :], axis=2)


@dataclass(frozen=True)
class PolynomialSurface:
    """A vector-valued polynomial (e.g. the dipole: three components).

    Attributes
    ----------
    powers : ndarray (T, f) of int
        Exponents of the monomials.
    coefficients : ndarray (T, k)
        Coefficient of each monomial for each component.
    unit : str
        Unit of the values (``"e*a0"`` for dipoles).
    components : tuple of str
        Names of the components.
    info : dict
        Fit statistics (RMSE per component on the training and validation points).

    Examples
    --------
    >>> s = PolynomialSurface(np.array([[0], [1]]), np.array([[1.0], [2.0]]), "e*a0", ("z",))
    >>> s.values([[0.5]]).tolist()
    [[2.0]]
    """

    powers: np.ndarray
    coefficients: np.ndarray
    unit: str = "e*a0"
    components: tuple = ("x", "y", "z")
    info: dict | None = None

    def __post_init__(self):
        p = np.asarray(self.powers, dtype=np.int64)
        c = np.asarray(self.coefficients, dtype=np.float64)
        if c.ndim == 1:
            c = c[:, None]
        if p.ndim != 2 or c.ndim != 2 or len(p) != len(c) or np.any(p < 0):
            raise ValueError(f"powers (T, f) and coefficients (T, k) do not match: "
                             f"{p.shape} vs {c.shape}")
        if len(self.components) != c.shape[1]:
            raise ValueError(f"{len(self.components)} component names for {c.shape[1]} "
                             "components")
        object.__setattr__(self, "powers", p)
        object.__setattr__(self, "coefficients", c)
        object.__setattr__(self, "components", tuple(self.components))

    @property
    def n_modes(self) -> int:
        """Number of coordinates."""
        return int(self.powers.shape[1])

    @property
    def degree(self) -> int:
        """Total degree."""
        return int(self.powers.sum(1).max())

    def values(self, x) -> np.ndarray:
        """Values (m, k) at points x (m, f)."""
        x = as_finite_array(x, "x", ndim=2)
        if x.shape[1] != self.n_modes:
            raise ValueError(f"x must have {self.n_modes} columns, got {x.shape[1]}")
        return _design(x, self.powers) @ self.coefficients

    def truncated(self, degree: int) -> PolynomialSurface:
        """The terms of total degree ``<= degree`` only (e.g. ``1``: the linear dipole of
        the double-harmonic approximation).

        Examples
        --------
        >>> s = fit_polynomial([[0.0], [1.0], [2.0]], [[0.0], [1.0], [4.0]], 2,
        ...                    components=("z",))
        >>> s.truncated(1).degree, (s.truncated(1).coefficients.round(12).ravel() + 0.0).tolist()
        (1, [0.0, 0.0])
        """
        keep = self.powers.sum(1) <= int(degree)
        return PolynomialSurface(self.powers[keep], self.coefficients[keep], self.unit,
                                 self.components, self.info)

    def terms(self, component: int = 0) -> list[tuple[float, dict]]:
        """``(coefficient, {mode: power})`` terms of one component (nonzero ones)."""
        c = self.coefficients[:, int(component)]
        return [(float(ck), {i: int(p) for i, p in enumerate(row) if p})
                for ck, row in zip(c, self.powers, strict=True) if ck != 0.0]

    def rotated(self, U) -> PolynomialSurface:
        """The same function in coordinates ``q = x U`` (``U`` square orthogonal, e.g.
        an NN-MPO coordinator): :math:`\\mu'(q) = \\mu(q U^T)`, refitted exactly on
        random points (a polynomial of the same degree).

        Examples
        --------
        >>> s = fit_polynomial(np.eye(3)[:, :2], np.eye(3), degree=1)
        >>> c, sn = np.cos(0.3), np.sin(0.3); U = np.array([[c, -sn], [sn, c]])
        >>> q = np.array([[0.2, -0.1]])
        >>> bool(np.allclose(s.rotated(U).values(q), s.values(q @ U.T)))
        True
        """
        U = as_finite_array(U, "U", ndim=2)
        f = self.n_modes
        if U.shape != (f, f) or not np.allclose(U.T @ U, np.eye(f), atol=1e-8):
            raise ValueError(f"U must be an orthogonal {f}x{f} matrix, got shape {U.shape}")
        rng = np.random.default_rng(0)
        q = rng.normal(size=(4 * len(self.powers) + 10, f))
        a = _design(q, self.powers)
        coef = np.linalg.lstsq(a, self.values(q @ U.T), rcond=None)[0]
        return PolynomialSurface(self.powers, coef, self.unit, self.components, self.info)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"kind": "polynomial", "unit": self.unit, "components": list(self.components),
                "powers": self.powers.tolist(), "coefficients": self.coefficients.tolist(),
                "info": self.info or {}}

    def save(self, path) -> None:
        """Write as JSON (atomically)."""
        write_json(path, self.to_dict())


def load_polynomial(path) -> PolynomialSurface:
    """Read a surface written by :meth:`PolynomialSurface.save`.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "mu.json"
    >>> fit_polynomial([[0.0], [1.0]], [[0.0], [1.0]], 1, components=("z",)).save(p)
    >>> load_polynomial(p).degree
    1
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"dipole surface {path} does not exist")
    try:
        d = json.loads(path.read_text())
        if d.get("kind") != "polynomial":
            raise KeyError("kind")
        return PolynomialSurface(np.array(d["powers"]), np.array(d["coefficients"]),
                                 d.get("unit", "e*a0"), tuple(d["components"]), d.get("info"))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a polynomial surface written by vibmpo fit "
                         f"--target dipole ({exc})") from None


def fit_polynomial(x, values, degree: int, *, unit: str = "e*a0",
                   components=("x", "y", "z"), x_val=None, values_val=None
                   ) -> PolynomialSurface:
    """Least-squares polynomial of total degree ``degree`` through ``values`` (m, k) at
    ``x`` (m, f), with column scaling for conditioning; RMSE per component on the
    training (and validation) points goes to ``info``.

    Examples
    --------
    >>> s = fit_polynomial([[0.0], [1.0], [2.0]], [[1.0], [3.0], [5.0]], 1, components=("z",))
    >>> s.coefficients.round(12).ravel().tolist()
    [1.0, 2.0]
    """
    x = as_finite_array(x, "x", ndim=2)
    v = as_finite_array(values, "values")
    if v.ndim == 1:
        v = v[:, None]
    if len(v) != len(x):
        raise ValueError(f"{len(x)} points but {len(v)} values")
    powers = monomial_powers(x.shape[1], degree)
    if len(x) < len(powers):
        raise ValueError(f"a degree-{degree} polynomial in {x.shape[1]} coordinates has "
                         f"{len(powers)} coefficients but only {len(x)} points were given; "
                         "lower the degree or sample more points")
    scale = np.std(x, axis=0)
    scale[scale == 0] = 1.0
    a = _design(x / scale, powers)
    coef = np.linalg.lstsq(a, v, rcond=None)[0]
    coef = coef / np.prod(scale[None, :] ** powers, axis=1)[:, None]
    surf = PolynomialSurface(powers, coef, unit, tuple(components))
    info = {"degree": int(degree), "n_train": int(len(x)),
            "train_rmse": np.sqrt(np.mean((surf.values(x) - v) ** 2, axis=0)).tolist()}
    if x_val is not None and values_val is not None:
        vv = np.asarray(values_val, dtype=np.float64).reshape(len(x_val), -1)
        info["val_rmse"] = np.sqrt(np.mean((surf.values(x_val) - vv) ** 2, axis=0)).tolist()
        info["n_val"] = int(len(x_val))
    return PolynomialSurface(powers, coef, unit, tuple(components), info)
