r"""Baselines for Δ-learning: cheap reference potentials that a fit corrects (NumPy only).

A Δ-learned potential is :math:`V(x) = V_\mathrm{b}(x) + V_\mathrm{c}(x)`: the
network :math:`V_\mathrm{c}` is fitted to the residuals :math:`y - V_\mathrm{b}(x)`
and :math:`F + \nabla V_\mathrm{b}(x)` (:func:`vibmpo.potential.train.fit` with
``baseline=``). A baseline is

* a :class:`PolynomialPotential` in the data's coordinates
  :math:`V_\mathrm{b}(x) = \sum_k c_k \prod_i x_i^{n_{ki}}` (a sum-of-products force
  field, e.g. the quartic force field of :func:`quartic_from_cuts`);
* a force field of the operator layer (:class:`vibmpo.operators.forcefield.ForceField`,
  read here through its ``terms``, ``kinetic`` and ``energy_unit`` only, so this layer
  never imports the operators), which must be written in the data's mass-weighted
  coordinates: its kinetic coefficients must be :math:`\kappa = 1/2` Hartree in its unit;
* another NN-MPO (:class:`~vibmpo.potential.arrays.NNMPOArrays`).

For H2CO, :func:`quartic_from_cuts` fits the quartic force field (one-mode terms up to
4th order, two-mode couplings up to total order 4) by least squares on the bundled 1-D
and 2-D DFT cuts, with the diagonal quadratic terms fixed by the harmonic frequencies.

Examples
--------
>>> p = PolynomialPotential([[2, 0], [1, 1]], [0.5, 0.1], energy_unit="hartree")
>>> p.energy([[1.0, 2.0]]).tolist(), p.forces([[1.0, 2.0]]).tolist()
([0.7], [[-1.2, -0.1]])
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from vibmpo._checks import as_finite_array, write_json
from vibmpo.potential.dipole import _design
from vibmpo.units import energy_factor, normalize_energy_unit

__all__ = ["PolynomialPotential", "quartic_powers", "quartic_from_cuts", "as_baseline",
           "baseline_values", "load_polynomial_potential", "h2co_quartic_baseline"]


@dataclass(frozen=True)
class PolynomialPotential:
    r"""A polynomial potential :math:`V(x) = \sum_k c_k \prod_i x_i^{n_{ki}}`.

    Attributes
    ----------
    powers : ndarray (T, n) of int
        Exponents of the monomials.
    coefficients : ndarray (T,)
        Coefficients, in ``energy_unit`` per coordinate unit to the power.
    energy_unit : str
        Unit of ``V`` (coordinates: mass-weighted atomic units, like the NN-MPOs).
    info : dict
        Where it came from (fit statistics, sources).

    Examples
    --------
    >>> PolynomialPotential([[0], [2]], [1.0, 0.5]).energy([[2.0]]).tolist()
    [3.0]
    """

    powers: np.ndarray
    coefficients: np.ndarray
    energy_unit: str = "eV"
    info: dict | None = None

    def __post_init__(self):
        p = np.asarray(self.powers, dtype=np.int64)
        c = as_finite_array(self.coefficients, "coefficients", ndim=1)
        if p.ndim != 2 or len(p) != len(c) or np.any(p < 0) or len(p) == 0:
            raise ValueError(f"powers (T, n) of non-negative integers and coefficients (T,) "
                             f"must match, got {p.shape} and {c.shape}")
        object.__setattr__(self, "powers", p)
        object.__setattr__(self, "coefficients", c)
        object.__setattr__(self, "energy_unit", normalize_energy_unit(self.energy_unit))
        object.__setattr__(self, "info", dict(self.info or {}))

    @property
    def n_inputs(self) -> int:
        """Number of coordinates ``n``."""
        return int(self.powers.shape[1])

    @property
    def degree(self) -> int:
        """Total degree."""
        return int(self.powers.sum(1).max())

    def _x(self, x):
        x = as_finite_array(x, "x", ndim=2)
        if x.shape[1] != self.n_inputs:
            raise ValueError(f"x must have {self.n_inputs} columns, got shape {x.shape}")
        return x

    def energy(self, x) -> np.ndarray:
        """``V(x)`` for the rows of ``x`` (m, n), in ``energy_unit``."""
        x = self._x(x)
        return _design(x, self.powers) @ self.coefficients

    def forces(self, x) -> np.ndarray:
        r"""Forces :math:`-\partial V/\partial x` (m, n), analytic."""
        x = self._x(x)
        out = np.empty_like(x)
        for k in range(self.n_inputs):
            p = self.powers[:, k]
            lowered = self.powers.copy()
            lowered[:, k] = np.maximum(p - 1, 0)
            out[:, k] = -(_design(x, lowered) @ (self.coefficients * p))
        return out

    def in_unit(self, unit: str) -> PolynomialPotential:
        """The same potential answering in ``unit``."""
        fac = energy_factor(self.energy_unit, unit)
        return replace(self, coefficients=self.coefficients * fac, energy_unit=unit)

    def rotated(self, U) -> PolynomialPotential:
        r"""The same function in coordinates :math:`q = x U` (``U`` square orthogonal):
        :math:`V'(q) = V(q U^T)`, a polynomial of the same degree (refitted exactly on
        random points by :meth:`vibmpo.potential.dipole.PolynomialSurface.rotated`, over
        all monomials up to the degree).

        Examples
        --------
        >>> p = PolynomialPotential([[2, 0]], [1.0])
        >>> c, s = np.cos(0.4), np.sin(0.4); U = np.array([[c, -s], [s, c]])
        >>> q = np.array([[0.3, -0.7]])
        >>> bool(np.allclose(p.rotated(U).energy(q), p.energy(q @ U.T)))
        True
        """
        from vibmpo.potential.dipole import PolynomialSurface, monomial_powers

        full = monomial_powers(self.n_inputs, self.degree)
        index = {tuple(r): i for i, r in enumerate(full.tolist())}
        coef = np.zeros(len(full))
        for row, c in zip(self.powers.tolist(), self.coefficients, strict=True):
            coef[index[tuple(row)]] += c
        surf = PolynomialSurface(full, coef[:, None], self.energy_unit, ("V",))
        rot = surf.rotated(U).coefficients[:, 0]
        tiny = 1e-13 * max(np.abs(rot).max(), np.finfo(float).tiny)
        keep = np.abs(rot) > tiny
        return replace(self, powers=full[keep], coefficients=rot[keep])

    def terms(self) -> list[tuple[float, dict]]:
        """``(coefficient, {coordinate: power})`` of the nonzero terms."""
        return [(float(c), {i: int(p) for i, p in enumerate(row) if p})
                for c, row in zip(self.coefficients, self.powers, strict=True) if c != 0.0]

    def to_forcefield_dict(self) -> dict:
        """The force-field JSON of the operator layer (``vibmpo levels FILE.json``): modes
        ``x0 .. x{n-1}``, kinetic :math:`\\kappa = 1/2` Hartree in ``energy_unit``
        (mass-weighted coordinates), polynomial convention.

        Examples
        --------
        >>> d = PolynomialPotential([[2]], [0.5], energy_unit="hartree").to_forcefield_dict()
        >>> d["kinetic"], d["terms"]
        ([0.5], [[0.5, {'x0': 2}]])
        """
        names = [f"x{i}" for i in range(self.n_inputs)]
        kappa = 0.5 * energy_factor("hartree", self.energy_unit)
        return {
            "description": "polynomial potential in mass-weighted normal coordinates "
                           "(sqrt(m_e)*a0); kinetic = 1/2 hartree in the energy unit",
            "energy_unit": self.energy_unit,
            "modes": names,
            "kinetic": [kappa] * self.n_inputs,
            "terms": [[c, {names[i]: p for i, p in pw.items()}] for c, pw in self.terms()],
            "source": json.dumps(self.info, default=float),
        }

    def save(self, path) -> Path:
        """Write :meth:`to_forcefield_dict` as JSON (atomically)."""
        write_json(path, self.to_forcefield_dict())
        return Path(path)

    @classmethod
    def from_forcefield(cls, ff) -> PolynomialPotential:
        """From a force field of the operator layer (duck-typed: ``terms``, ``kinetic``,
        ``energy_unit``) written in mass-weighted coordinates.

        Raises
        ------
        ValueError
            If its kinetic coefficients are not 1/2 Hartree in its unit (a force field
            in dimensionless or other coordinates cannot be a baseline of data in
            mass-weighted coordinates), or its unit is not a physical energy unit.

        Examples
        --------
        >>> class FF:
        ...     terms = ((0.5, {0: 2}),); kinetic = np.array([0.5]); energy_unit = "hartree"
        >>> PolynomialPotential.from_forcefield(FF()).energy([[1.0]]).tolist()
        [0.5]
        """
        return cls._from_terms(ff.terms, ff.kinetic, ff.energy_unit)

    @classmethod
    def _from_terms(cls, terms, kinetic, energy_unit) -> PolynomialPotential:
        """From force-field terms ``(c, {mode index: power})``, kinetic coefficients and
        unit, checked as :meth:`from_forcefield` says."""
        try:
            unit = normalize_energy_unit(energy_unit)
        except ValueError:
            raise ValueError(f"a baseline force field needs a physical energy unit (eV, "
                             f"hartree, cm-1, ...), got {energy_unit!r}") from None
        kin = np.atleast_1d(np.asarray(kinetic, dtype=np.float64))
        want = 0.5 * energy_factor("hartree", unit)
        if not np.allclose(kin, want, rtol=1e-6, atol=0):
            raise ValueError(
                f"the baseline force field has kinetic coefficients {kin.tolist()} {unit}, "
                f"but data in mass-weighted coordinates (sqrt(m_e)*a0) need 1/2 hartree = "
                f"{want:.8g} {unit} for every mode: it is written in other coordinates "
                "(e.g. dimensionless normal coordinates); convert it to the data's "
                "coordinates first")
        n = kin.size
        powers, coefs = [], []
        for c, pw in terms:
            row = np.zeros(n, dtype=np.int64)
            for m, p in pw.items():
                row[int(m)] = int(p)
            powers.append(row)
            coefs.append(float(c))
        return cls(np.array(powers).reshape(-1, n), np.array(coefs), unit,
                   {"source": "force field"})


def load_polynomial_potential(path) -> PolynomialPotential:
    """Read a file written by :meth:`PolynomialPotential.save` (force-field JSON with
    modes named ``x0..``, polynomial convention).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "b.json"
    >>> _ = PolynomialPotential([[1]], [2.0]).save(p)
    >>> load_polynomial_potential(p).energy([[1.5]]).tolist()
    [3.0]
    """
    path = Path(path)
    d = json.loads(path.read_text())
    if d.get("convention", "polynomial") != "polynomial" or "frequencies" in d:
        raise ValueError(f"{path}: only polynomial-convention force fields in mass-weighted "
                         "coordinates are read here; load it with "
                         "vibmpo.operators.forcefield.load_forcefield")
    names = list(d["modes"])
    index = {m: i for i, m in enumerate(names)}
    terms = []
    for term in d["terms"]:
        c, pw = (term["coefficient"], term["powers"]) if isinstance(term, dict) else term
        terms.append((float(c), {index[m]: int(p) for m, p in pw.items() if int(p)}))
    kin = np.broadcast_to(np.asarray(d.get("kinetic", 0.5), dtype=float), (len(names),))
    out = PolynomialPotential._from_terms(terms, kin, d.get("energy_unit", "eV"))
    src = d.get("source")
    return replace(out, info=json.loads(src) if isinstance(src, str) and
                   src.startswith("{") else {"source": str(path)})


def quartic_powers(n: int) -> np.ndarray:
    """Exponents of the quartic force field in ``n`` coordinates: the constant, one-mode
    terms :math:`x_i^p` (p = 1..4) and two-mode terms :math:`x_i^a x_j^b`
    (a, b >= 1, a + b <= 4).

    Examples
    --------
    >>> len(quartic_powers(6))   # 1 + 6*4 + 15*6
    115
    """
    rows = [np.zeros(n, dtype=np.int64)]
    for i in range(n):
        for p in range(1, 5):
            r = np.zeros(n, dtype=np.int64)
            r[i] = p
            rows.append(r)
    for i, j in itertools.combinations(range(n), 2):
        for a in range(1, 4):
            for b in range(1, 5 - a):
                r = np.zeros(n, dtype=np.int64)
                r[i], r[j] = a, b
                rows.append(r)
    return np.array(rows)


def quartic_from_cuts(x, y, *, hessian_diagonal=None, energy_unit: str = "eV",
                      source: str = "") -> PolynomialPotential:
    r"""Least-squares quartic force field through 1-D and 2-D cuts of a surface.

    .. math::

        V_\mathrm{b}(x) = c_0 + \sum_i \sum_{p=1}^{4} c_{ip} x_i^p
        + \sum_{i<j} \sum_{a,b\ge 1}^{a+b\le 4} c_{ij}^{ab} x_i^a x_j^b

    fitted to the energies ``y`` at the cut points ``x`` (one or two coordinates
    displaced). With ``hessian_diagonal`` (the harmonic analysis,
    :math:`\partial^2 V/\partial x_i^2 = \omega_i^2` in ``energy_unit`` per coordinate
    unit squared) the quadratic terms are fixed to :math:`\omega_i^2/2` and the rest is
    fitted around them.

    Parameters
    ----------
    x : array (m, n)
        Cut points (mass-weighted coordinates).
    y : array (m,)
        Energies in ``energy_unit``.
    hessian_diagonal : array (n,), optional
        Harmonic force constants.
    energy_unit : str
    source : str
        Named in :attr:`PolynomialPotential.info`.

    Returns
    -------
    PolynomialPotential
        With ``info``: the RMSE and maximum error on the cuts.

    Examples
    --------
    >>> g = np.linspace(-1, 1, 7)
    >>> x = np.array([[a, 0.0] for a in g] + [[0.0, a] for a in g] + [[a, a] for a in g])
    >>> y = 0.5 * x[:, 0] ** 2 + x[:, 1] ** 2 + 0.1 * x[:, 0] ** 3 * x[:, 1]
    >>> p = quartic_from_cuts(x, y, energy_unit="hartree")
    >>> bool(np.allclose(p.energy(x), y))
    True
    """
    x = as_finite_array(x, "x", ndim=2)
    y = as_finite_array(y, "y", ndim=1)
    if len(y) != len(x):
        raise ValueError(f"{len(x)} cut points but {len(y)} energies")
    n = x.shape[1]
    powers = quartic_powers(n)
    target = y.copy()
    fixed = np.zeros(len(powers))
    if hessian_diagonal is not None:
        h = as_finite_array(hessian_diagonal, "hessian_diagonal", shape=(n,))
        for i in range(n):
            k = int(np.flatnonzero((powers[:, i] == 2) & (powers.sum(1) == 2))[0])
            fixed[k] = 0.5 * h[i]
        target = target - _design(x, powers) @ fixed
    free = np.flatnonzero(fixed == 0.0)
    if len(x) < len(free):
        raise ValueError(f"the quartic force field has {len(free)} free coefficients but "
                         f"only {len(x)} cut points were given")
    scale = np.std(x, axis=0)
    scale[scale == 0] = 1.0
    a = _design(x / scale, powers[free])
    coef_free = np.linalg.lstsq(a, target, rcond=None)[0]
    coef = fixed.copy()
    coef[free] = coef_free / np.prod(scale[None, :] ** powers[free], axis=1)
    pot = PolynomialPotential(powers, coef, energy_unit)
    d = pot.energy(x) - y
    info = {"kind": "quartic force field (1-mode to 4th order, 2-mode to total order 4)",
            "source": source, "n_points": int(len(x)),
            "harmonic_fixed": hessian_diagonal is not None,
            "rmse": float(np.sqrt(np.mean(d * d))), "max_error": float(np.abs(d).max())}
    return replace(pot, info=info)


def h2co_quartic_baseline(max_energy: float = 1.0) -> PolynomialPotential:
    """The quartic force field of H2CO (eV, mass-weighted normal coordinates) from the
    bundled 1-D/2-D DFT cuts (:func:`vibmpo.datasets.h2co_cuts`, Pompon data release,
    ``h2co_dft_2MR.parquet``) up to ``max_energy`` eV above the cuts' value at the
    equilibrium, with the quadratic terms fixed by the harmonic frequencies
    (:func:`vibmpo.datasets.h2co_harmonic`). Its constant is on the cuts' energy zero,
    about 39 cm-1 above that of the bundled training data (a Δ-learned correction absorbs
    it). The committed ``src/vibmpo/datasets/data/h2co_quartic_baseline.json`` is this
    function's output.

    On the bundled data the baseline alone is off by about 430 cm-1 (MAE, constant
    aligned): the 2-mode quartic misses the 3- to 6-mode couplings and the anharmonicity
    far out, which the NN-MPO correction learns.

    Examples
    --------
    >>> p = h2co_quartic_baseline()
    >>> p.n_inputs, len(p.coefficients), p.energy_unit
    (6, 115, 'eV')
    """
    from vibmpo.datasets import h2co_cuts, h2co_harmonic
    from vibmpo.units import HARTREE_TO_CM1, HARTREE_TO_EV

    cuts = h2co_cuts()
    x, y = cuts["x"], cuts["energy"]
    y0 = float(y[np.all(cuts["index"] == 0, axis=1)][0])
    keep = y - y0 <= float(max_energy)
    omega = np.asarray(h2co_harmonic()["frequencies_cm1"]) / HARTREE_TO_CM1
    return quartic_from_cuts(
        x[keep], y[keep], hessian_diagonal=omega**2 * HARTREE_TO_EV, energy_unit="eV",
        source=f"H2CO 1-D/2-D DFT cuts (Pompon data release, h2co_dft_2MR.parquet; "
               f"{int(keep.sum())} of {len(y)} points within {max_energy} eV of the "
               "equilibrium), quadratic terms from harmonic.json")


def as_baseline(baseline, energy_unit: str):
    """A baseline converted to ``energy_unit``: a :class:`PolynomialPotential`, a force
    field (as a :class:`PolynomialPotential`; a path to a force-field JSON in the
    polynomial convention is read by :func:`load_polynomial_potential`), an NN-MPO
    :class:`~vibmpo.potential.arrays.NNMPOArrays` (or the path of its model file) or a
    Δ-learned
    :class:`~vibmpo.potential.composite.CompositePotential`.

    Examples
    --------
    >>> b = as_baseline(PolynomialPotential([[2]], [1.0], "hartree"), "eV")
    >>> round(float(b.energy([[1.0]])[0]), 4)
    27.2114
    """
    from vibmpo.potential.arrays import NNMPOArrays
    from vibmpo.potential.composite import CompositePotential, nnmpo_in_unit

    unit = normalize_energy_unit(energy_unit)
    if isinstance(baseline, str | Path):
        path = Path(baseline)
        if not path.exists():
            raise FileNotFoundError(f"baseline file {path} does not exist")
        if path.suffix.lower() == ".json":
            baseline = load_polynomial_potential(path)
        else:
            from vibmpo.potential.io import load_model

            baseline = load_model(path)
    if isinstance(baseline, PolynomialPotential | CompositePotential):
        return baseline.in_unit(unit)
    if isinstance(baseline, NNMPOArrays):
        return nnmpo_in_unit(baseline, unit)
    if all(hasattr(baseline, k) for k in ("terms", "kinetic", "energy_unit")):
        return PolynomialPotential.from_forcefield(baseline).in_unit(unit)
    raise TypeError(f"baseline must be a force field, a PolynomialPotential or an NN-MPO "
                    f"(NNMPOArrays), got {type(baseline).__name__}; load files with "
                    "vibmpo.operators.forcefield.load_forcefield or "
                    "vibmpo.potential.io.load_model")


def baseline_values(baseline, x, forces: bool = True):
    """Energies (m,) and forces (m, n) (None unless ``forces``) of a baseline from
    :func:`as_baseline` at the rows of ``x``.

    Examples
    --------
    >>> e, f = baseline_values(PolynomialPotential([[2]], [0.5], "eV"), [[2.0]])
    >>> e.tolist(), f.tolist()
    ([2.0], [[-2.0]])
    """
    from vibmpo.potential.arrays import NNMPOArrays
    from vibmpo.potential.composite import nnmpo_forces

    e = baseline.energy(x)
    if not forces:
        return e, None
    f = nnmpo_forces(baseline, x) if isinstance(baseline, NNMPOArrays) \
        else baseline.forces(x)
    return e, f
