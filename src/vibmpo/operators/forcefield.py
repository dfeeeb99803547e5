r"""Sum-of-products polynomial force fields (model Hamiltonians).

A force field with ``f`` modes is

.. math::

    H = \sum_{i=1}^{f} \kappa_i\, p_i^2 + \sum_k c_k \prod_i q_i^{n_{ki}},
    \qquad p_i = -\mathrm{i}\, \partial/\partial q_i,

in its own energy unit (a label such as ``"hbar*omega"`` or ``"cm-1"``); the default
kinetic coefficient is :math:`\kappa_i = 1/2` (mass-weighted or dimensionless
coordinates with frequencies absorbed in the potential).

JSON format (``load_forcefield``)::

    {
      "energy_unit": "hbar*omega",
      "modes": ["x", "y"],                   # or "n_modes": 2 (modes 0..f-1)
      "kinetic": [0.5, 0.5],                 # optional, kappa_i (or one number)
      "terms": [
        {"coefficient": 0.5, "powers": {"x": 2}},
        [0.5, {"y": 2}],                     # short form [coefficient, powers]
        [0.111803, {"x": 2, "y": 1}],
        [-0.0372677, {"y": 3}]
      ]
    }

Modes are referred to by name (when ``"modes"`` is given) or by 0-based index (as an
integer or a string of digits). Powers are non-negative integers; a term with no
powers is a constant.

Published force fields (e.g. the CH3CN quartic force field of Begue et al.) list
Taylor derivatives in dimensionless normal coordinates and give the harmonic part
as frequencies. Two optional keys read them as published:

``"convention": "taylor"``
    the coefficients are derivatives :math:`\phi_k` and the potential term is
    :math:`\phi_k / \prod_m p_{km}! \prod_m q_m^{p_{km}}` (default ``"polynomial"``:
    the coefficients multiply the monomials as given);
``"frequencies": [omega_1, ...]`` with ``"coordinates": "dimensionless"``
    harmonic frequencies (in the energy unit) in dimensionless normal coordinates,
    implying :math:`\kappa_i = \omega_i/2` and the harmonic terms
    :math:`\tfrac{\omega_i}{2} q_i^2`, i.e.
    :math:`H = \sum_i \tfrac{\omega_i}{2}(p_i^2 + q_i^2) + \sum_k \phi_k
    \prod_m q_m^{p_{km}} / p_{km}!`. ``"kinetic"`` must then be omitted.

So ``{"convention": "taylor", "coordinates": "dimensionless", "frequencies": [w],
"terms": [[phi3, {"0": 3}]]}`` is the same force field as ``{"kinetic": [w/2],
"terms": [[w/2, {"0": 2}], [phi3/6, {"0": 3}]]}``.

Examples
--------
>>> ff = henon_heiles(2, 0.111803)
>>> ff.n_modes, ff.energy_unit
(2, 'hbar*omega')
>>> round(float(ff.potential([[0.0, 1.0]])[0]), 6)
0.462732
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "ForceField",
    "load_forcefield",
    "forcefield_from_dict",
    "henon_heiles",
    "coupled_oscillators",
    "coupled_oscillator_levels",
    "CONVENTIONS",
]

#: Coefficient conventions of the JSON format: ``"polynomial"`` (coefficients multiply
#: the monomials) or ``"taylor"`` (derivatives, divided by the product of factorials).
CONVENTIONS = ("polynomial", "taylor")


@dataclass(frozen=True)
class ForceField:
    r"""A polynomial sum-of-products Hamiltonian :math:`\sum_i\kappa_i p_i^2 + V(q)`.

    Attributes
    ----------
    terms : tuple of (float, dict)
        Potential terms ``(coefficient, {mode_index: power})``.
    kinetic : ndarray (f,)
        Kinetic coefficients :math:`\kappa_i` (:math:`T = \sum_i \kappa_i p_i^2`).
    energy_unit : str
        Label of the energy unit (free text; a physical unit such as ``"cm-1"`` is
        converted for display, anything else is shown as is).
    mode_names : tuple of str
        Names of the modes (default ``"0"``, ``"1"``, ...).

    Examples
    --------
    >>> ff = ForceField(terms=((0.5, {0: 2}),), kinetic=[0.5])
    >>> ff.potential([[2.0]]).tolist()
    [2.0]
    """

    terms: tuple
    kinetic: np.ndarray
    energy_unit: str = "hbar*omega"
    mode_names: tuple = ()

    def __post_init__(self):
        kin = np.atleast_1d(np.asarray(self.kinetic, dtype=np.float64))
        if kin.ndim != 1 or kin.size == 0:
            raise ValueError(f"kinetic must be a list of coefficients, one per mode, got {kin}")
        if not np.all(np.isfinite(kin)) or np.any(kin <= 0):
            raise ValueError(f"kinetic coefficients must be positive and finite, got {kin}")
        f = kin.size
        names = tuple(str(n) for n in self.mode_names) or tuple(str(i) for i in range(f))
        if len(names) != f:
            raise ValueError(f"{len(names)} mode names for {f} kinetic coefficients")
        if len(set(names)) != f:
            raise ValueError(f"mode names must be unique, got {names}")
        terms = [_checked_term(k, term, f) for k, term in enumerate(self.terms)]
        object.__setattr__(self, "terms", tuple(terms))
        object.__setattr__(self, "kinetic", kin)
        object.__setattr__(self, "mode_names", names)
        object.__setattr__(self, "energy_unit", str(self.energy_unit))

    @property
    def n_modes(self) -> int:
        """Number of modes ``f``."""
        return int(self.kinetic.size)

    def max_powers(self) -> np.ndarray:
        """Highest power of each mode over all terms, shape (f,)."""
        out = np.zeros(self.n_modes, dtype=np.int64)
        for _, powers in self.terms:
            for m, p in powers.items():
                out[m] = max(out[m], p)
        return out

    def potential(self, q) -> np.ndarray:
        """Potential ``V(q)`` for the rows of ``q`` (shape (m, f)).

        Examples
        --------
        >>> coupled_oscillators([1.0, 2.0], 0.1).potential([[1.0, 1.0]]).round(6).tolist()
        [1.6]
        """
        q = np.asarray(q, dtype=np.float64)
        if q.ndim != 2 or q.shape[1] != self.n_modes:
            raise ValueError(f"q must have shape (m, {self.n_modes}), got {q.shape}")
        v = np.zeros(q.shape[0])
        for coef, powers in self.terms:
            t = np.full(q.shape[0], coef)
            for m, p in powers.items():
                t = t * q[:, m] ** p
            v += t
        return v

    def to_json_dict(self) -> dict:
        """The JSON form read by :func:`load_forcefield`."""
        return {
            "energy_unit": self.energy_unit,
            "modes": list(self.mode_names),
            "kinetic": self.kinetic.tolist(),
            "terms": [{"coefficient": c, "powers": {self.mode_names[m]: p
                                                    for m, p in pw.items()}}
                      for c, pw in self.terms],
        }


def _checked_term(k: int, term, f: int) -> tuple[float, dict]:
    """Term ``k`` as ``(coefficient, {mode: power})``, modes 0..f-1 in order, zero powers
    dropped."""
    try:
        coef, powers = term
    except (TypeError, ValueError):
        raise ValueError(f"term {k} must be (coefficient, {{mode: power}}), got {term!r}"
                         ) from None
    coef = _as_coefficient(coef, f"term {k}")
    if not isinstance(powers, dict):
        raise ValueError(f"term {k}: powers must be a mapping mode -> power, got {powers!r}")
    clean = {}
    for mode, p in powers.items():
        if isinstance(mode, bool) or not isinstance(mode, int | np.integer):
            raise ValueError(f"term {k}: mode {mode!r} must be an integer index")
        if not 0 <= int(mode) < f:
            raise ValueError(f"term {k}: unknown mode {int(mode)}; the force field has "
                             f"modes 0..{f - 1}")
        if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 0:
            raise ValueError(f"term {k}: power of mode {mode} must be a non-negative "
                             f"integer, got {p!r}")
        if p:
            clean[int(mode)] = int(p)
    return coef, dict(sorted(clean.items()))


def _as_coefficient(value, where: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where}: coefficient must be a number, got {value!r}")
    try:
        c = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: coefficient must be a number, got {value!r}") from None
    if not math.isfinite(c):
        raise ValueError(f"{where}: coefficient must be finite, got {value!r}")
    return c


def forcefield_from_dict(data: dict, *, source: str = "force field") -> ForceField:
    """Build a :class:`ForceField` from the JSON structure described in the module doc.

    Examples
    --------
    >>> forcefield_from_dict({"n_modes": 1, "terms": [[0.5, {"0": 2}]]}).terms
    ((0.5, {0: 2}),)

    A published (Taylor, dimensionless-coordinate) force field:

    >>> ff = forcefield_from_dict({"n_modes": 1, "convention": "taylor",
    ...                            "coordinates": "dimensionless", "frequencies": [3.0],
    ...                            "terms": [[-0.75, {"0": 3}]]})
    >>> ff.kinetic.tolist(), ff.terms
    ([1.5], ((1.5, {0: 2}), (-0.125, {0: 3})))
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: top level must be a JSON object")
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {unknown}; allowed: {sorted(_KNOWN_KEYS)}")
    if "terms" not in data or not isinstance(data["terms"], list):
        raise ValueError(f"{source}: needs a list 'terms' of [coefficient, {{mode: power}}]")
    names = _mode_names(data, source)
    convention = data.get("convention", "polynomial")
    if convention not in CONVENTIONS:
        raise ValueError(f"{source}: unknown convention {convention!r}; use one of "
                         f"{CONVENTIONS} ('taylor': coefficients are derivatives, divided "
                         "by the product of the factorials of the powers)")
    harmonic = _frequencies(data, len(names), source)
    kin = _kinetic(data, harmonic, len(names), source)
    index = {n: i for i, n in enumerate(names)}
    by_number = "modes" not in data  # numbered modes: "0", "1", ... name them
    terms = []
    for k, term in enumerate(data["terms"]):
        where = f"{source}: term {k}"
        coef, powers = _term_parts(term, where)
        clean = _powers(powers, index, names, by_number, where)
        if convention == "taylor":
            coef = coef / math.prod(math.factorial(p) for p in clean.values())
        terms.append((coef, clean))
    if harmonic is not None:
        terms = [(0.5 * w, {i: 2}) for i, w in enumerate(harmonic)] + terms
    return ForceField(terms=tuple(terms), kinetic=np.asarray(kin),
                      energy_unit=str(data.get("energy_unit", "hbar*omega")),
                      mode_names=tuple(names))


#: Keys a force-field JSON object may hold.
_KNOWN_KEYS = frozenset({
    "energy_unit", "modes", "n_modes", "kinetic", "terms", "format", "version",
    "description", "comment", "source", "convention", "frequencies", "coordinates"})


def _mode_names(data: dict, source: str) -> list[str]:
    """Mode names from ``"modes"`` or ``"n_modes"`` (numbered ``"0"``, ``"1"``, ...)."""
    if "modes" in data:
        names = data["modes"]
        if not isinstance(names, list) or not names:
            raise ValueError(f"{source}: 'modes' must be a non-empty list of names")
        names = [str(n) for n in names]
        if "n_modes" in data and int(data["n_modes"]) != len(names):
            raise ValueError(f"{source}: n_modes={data['n_modes']} but {len(names)} modes named")
        return names
    if "n_modes" not in data:
        raise ValueError(f"{source}: give 'modes' (list of names) or 'n_modes'")
    try:
        f = int(data["n_modes"])
    except (TypeError, ValueError):
        raise ValueError(f"{source}: n_modes must be an integer") from None
    if f < 1:
        raise ValueError(f"{source}: n_modes must be positive")
    return [str(i) for i in range(f)]


def _kinetic(data: dict, harmonic, f: int, source: str) -> list[float]:
    """kappa_i per mode: omega_i / 2 with ``"frequencies"``, else ``"kinetic"`` (one
    number or one per mode, default 1/2)."""
    kin = data.get("kinetic", 0.5) if harmonic is None else [0.5 * w for w in harmonic]
    if isinstance(kin, int | float) and not isinstance(kin, bool):
        kin = [float(kin)] * f
    if not isinstance(kin, list) or len(kin) != f:
        raise ValueError(f"{source}: 'kinetic' must be a number or a list of {f} numbers")
    return [_as_coefficient(k, f"{source}: kinetic") for k in kin]


def _term_parts(term, where: str) -> tuple[float, dict]:
    """``(coefficient, powers)`` of a term ``{"coefficient", "powers"}`` or ``[c, powers]``."""
    if isinstance(term, dict):
        extra = sorted(set(term) - {"coefficient", "powers"})
        if extra or "coefficient" not in term:
            raise ValueError(f"{where} must be {{'coefficient': c, 'powers': {{...}}}}, "
                             f"got {term!r}")
        coef, powers = term["coefficient"], term.get("powers", {})
    elif isinstance(term, list) and len(term) == 2:
        coef, powers = term
    else:
        raise ValueError(f"{where} is malformed: {term!r}; use [coefficient, "
                         "{mode: power}] or {'coefficient': c, 'powers': {mode: power}}")
    coef = _as_coefficient(coef, where)
    if not isinstance(powers, dict):
        raise ValueError(f"{where}: powers must be an object {{mode: power}}, got {powers!r}")
    return coef, powers


def _powers(powers: dict, index: dict, names: list, by_number: bool, where: str) -> dict:
    """``{mode index: power}`` of a term's ``{mode name (or number): power}``."""
    clean = {}
    for mode, p in powers.items():
        key = str(mode)
        if key in index:
            m = index[key]
        elif by_number and key.isdigit() and int(key) < len(names):
            m = int(key)
        else:
            raise ValueError(f"{where}: unknown mode {mode!r}; known modes: {names}")
        if isinstance(p, bool) or not isinstance(p, int) or p < 0:
            raise ValueError(f"{where}: power of mode {mode!r} must be a non-negative "
                             f"integer, got {p!r}")
        if m in clean:
            raise ValueError(f"{where}: mode {mode!r} listed twice")
        clean[m] = p
    return clean


def _frequencies(data: dict, f: int, source: str):
    """Harmonic frequencies of a ``"frequencies"`` force field (None if not given)."""
    coords = data.get("coordinates")
    if "frequencies" not in data:
        if coords is not None:
            raise ValueError(f"{source}: 'coordinates' is only used with 'frequencies' "
                             "(harmonic frequencies in dimensionless normal coordinates)")
        return None
    if coords != "dimensionless":
        raise ValueError(f"{source}: 'frequencies' needs \"coordinates\": \"dimensionless\" "
                         f"(got {coords!r}); in other coordinates give 'kinetic' and the "
                         "harmonic terms explicitly")
    if "kinetic" in data:
        raise ValueError(f"{source}: give either 'frequencies' (kinetic = omega/2 implied) "
                         "or 'kinetic', not both")
    w = data["frequencies"]
    if not isinstance(w, list) or len(w) != f:
        raise ValueError(f"{source}: 'frequencies' must be a list of {f} numbers")
    w = [_as_coefficient(x, f"{source}: frequencies") for x in w]
    if any(x <= 0 for x in w):
        raise ValueError(f"{source}: frequencies must be positive, got {w}")
    return w


def load_forcefield(path) -> ForceField:
    """Read a force-field JSON file (format in the module docstring).

    Raises
    ------
    ValueError
        Malformed JSON, unknown modes, bad powers or coefficients (message says which term).

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ho.json"
    >>> _ = p.write_text(json.dumps({"modes": ["x"], "terms": [[0.5, {"x": 2}]]}))
    >>> load_forcefield(p).mode_names
    ('x',)
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    return forcefield_from_dict(data, source=str(path))


def henon_heiles(n_modes: int, lam: float = 0.111803) -> ForceField:
    r"""Multi-dimensional Henon--Heiles Hamiltonian in units of :math:`\hbar\omega`.

    .. math::

        H = \sum_{i=1}^{f} \tfrac12 (p_i^2 + q_i^2)
            + \lambda \sum_{i=1}^{f-1} \left(q_i^2 q_{i+1} - \tfrac13 q_{i+1}^3\right)

    Examples
    --------
    >>> len(henon_heiles(3).terms)
    7
    """
    f = int(n_modes)
    if f < 1:
        raise ValueError(f"n_modes must be positive, got {n_modes}")
    lam = float(lam)
    terms = [(0.5, {i: 2}) for i in range(f)]
    for i in range(f - 1):
        terms.append((lam, {i: 2, i + 1: 1}))
        terms.append((-lam / 3.0, {i + 1: 3}))
    return ForceField(terms=tuple(terms), kinetic=np.full(f, 0.5), energy_unit="hbar*omega")


def coupled_oscillators(omegas, coupling: float, *, energy_unit: str = "cm-1") -> ForceField:
    r"""Bilinearly coupled harmonic oscillators in dimensionless coordinates.

    .. math::

        H = \sum_i \tfrac{\omega_i}{2}(p_i^2 + q_i^2) + c \sum_{i<j} q_i q_j

    Its exact levels are harmonic in the normal frequencies, the square roots of the
    eigenvalues of :math:`D^{1/2} A D^{1/2}` with :math:`D = \mathrm{diag}(\omega)`,
    :math:`A_{ii} = \omega_i`, :math:`A_{ij} = c`.

    Examples
    --------
    >>> ff = coupled_oscillators([1.0, 2.0], 0.1)
    >>> ff.kinetic.tolist()
    [0.5, 1.0]
    """
    om = np.atleast_1d(np.asarray(omegas, dtype=np.float64))
    if om.ndim != 1 or not np.all(om > 0):
        raise ValueError(f"omegas must be positive, got {om}")
    c = float(coupling)
    f = om.size
    terms = [(0.5 * om[i], {i: 2}) for i in range(f)]
    if c != 0.0:
        terms += [(c, {i: 1, j: 1}) for i in range(f) for j in range(i + 1, f)]
    return ForceField(terms=tuple(terms), kinetic=0.5 * om, energy_unit=energy_unit)


def coupled_oscillator_levels(omegas, coupling: float, n_levels: int) -> np.ndarray:
    r"""The lowest exact levels of :func:`coupled_oscillators`, ascending.

    The normal frequencies :math:`\nu_k` are the square roots of the eigenvalues of
    :math:`K_{ii} = \omega_i^2`, :math:`K_{ij} = c\sqrt{\omega_i\omega_j}`; the levels
    :math:`\sum_k \nu_k (n_k + \tfrac12)` are enumerated in ascending order by a
    priority queue over quantum-number vectors, so degenerate levels appear once each.

    Examples
    --------
    >>> coupled_oscillator_levels([1.0, 1.0], 0.0, 4).tolist()
    [1.0, 2.0, 2.0, 3.0]
    """
    import heapq

    w = np.atleast_1d(np.asarray(omegas, dtype=np.float64))
    if np.any(w <= 0):
        raise ValueError(f"omegas must be positive, got {w}")
    k = float(coupling) * np.sqrt(np.outer(w, w))
    np.fill_diagonal(k, w**2)
    ev = np.linalg.eigvalsh(k)
    if ev.min() <= 0:
        raise ValueError("the coupling makes the potential unbound (a normal frequency "
                         "squared is not positive); use a smaller |coupling|")
    nu = np.sqrt(ev)
    start = (0,) * nu.size
    heap, seen, out = [(0.0, start)], {start}, []
    while len(out) < int(n_levels):
        e, q = heapq.heappop(heap)
        out.append(e)
        for i in range(nu.size):
            nq = q[:i] + (q[i] + 1,) + q[i + 1:]
            if nq not in seen:
                seen.add(nq)
                heapq.heappush(heap, (e + nu[i], nq))
    return 0.5 * nu.sum() + np.array(out)
