r"""Assignment of vibrational states: mean quanta per mode and leading configurations.

For a state :math:`|\psi\rangle` (MPS) and per-mode harmonic number operators
:math:`\hat n_i` on the DVR grid,

.. math::

    \bar n_i = \langle\psi|\hat n_i|\psi\rangle = \mathrm{Tr}\,\rho_i \hat n_i ,
    \qquad
    \hat n_i = \frac{\hat T_i + \tfrac12\omega_i^2 (\hat q_i - c_i)^2}{\omega_i} - \tfrac12 ,

with :math:`\rho_i` the one-mode reduced density matrix and :math:`\hat T_i` the grid's
:math:`-\tfrac12 d^2/dq^2`. The leading product-basis configurations
:math:`|n_1 n_2 \ldots\rangle` (harmonic eigenbasis of every :math:`\hat n_i`) are found by a
beam search over the MPS, which gives their exact weights :math:`|c_{n_1 n_2\ldots}|^2`.
Together they label fundamentals (``v3``), overtones (``2v1``) and combinations
(``v2+v4``).

Labels are unique: a set of states is assigned by maximum overlap with a one-to-one
matching (:func:`scipy.optimize.linear_sum_assignment` on the weights
:math:`|c_{n}|^2` of every state on every candidate configuration, maximising the summed
weight), so two distinct states never carry the same label, even in a Fermi resonance
where both have the same leading configuration. A state whose second configuration has
a weight of at least ``mixed`` (default 0.25) is shown as mixed, its assigned
configuration first: ``"v6 / v2+v3 (0.47/0.47)"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .mps import mps_arrays, overlap_left_step, overlap_right_step, right_canonicalize

__all__ = [
    "Assignment",
    "assign_states",
    "ho_number_operators",
    "one_site_densities",
    "leading_configurations",
    "configuration_label",
]


def _arrays(psi):
    if isinstance(psi, (list, tuple)) and all(isinstance(a, np.ndarray) for a in psi):
        return [np.asarray(a) for a in psi]
    return mps_arrays(psi)


def one_site_densities(psi) -> list[np.ndarray]:
    r"""One-mode reduced density matrices :math:`\rho_i[s, s'] = \langle s'|...` of a state.

    ``psi`` is a quimb MPS or a list of ``(Dl, d, Dr)`` arrays; the state is normalised
    first. ``rho[i][s, t]`` is the coefficient of :math:`|s\rangle\langle t|`.

    Examples
    --------
    >>> from vibmpo.solvers.mps import product_mps
    >>> rho = one_site_densities(product_mps([np.array([0.6, 0.8]), np.array([1.0, 0.0])]))
    >>> np.round(rho[0], 2)
    array([[0.36, 0.48],
           [0.48, 0.64]])
    """
    t = _arrays(psi)
    n = len(t)
    lefts = [np.ones((1, 1))]
    for i in range(n - 1):
        lefts.append(overlap_left_step(lefts[-1], t[i], t[i]))
    rights = [None] * n
    rights[n - 1] = np.ones((1, 1))
    for i in range(n - 1, 0, -1):
        rights[i - 1] = overlap_right_step(rights[i], t[i], t[i])
    out = []
    for i in range(n):
        # rho[s, t] = sum L[a', a] A[a, s, b] R[b', b] conj(A[a', t, b'])  (bra index first)
        x = np.tensordot(lefts[i], t[i], axes=([1], [0]))        # (a', s, b)
        x = np.tensordot(x, rights[i], axes=([2], [1]))            # (a', s, b')
        rho = np.tensordot(x, t[i].conj(), axes=([0, 2], [0, 2]))  # (s, t)
        out.append(rho / np.trace(rho).real)
    return out


def ho_number_operators(grids, omegas=None, centers=None) -> list[np.ndarray]:
    r"""Harmonic number operators :math:`\hat n_i` on DVR grids.

    Parameters
    ----------
    grids : sequence of Grid
        ``vibmpo.operators.dvr.Grid`` objects (``points``, ``kinetic`` = matrix of
        :math:`-\tfrac12 d^2/dq^2`); a ``GridHamiltonian`` may be passed (its ``grids``).
    omegas, centers : sequence of float, optional
        Harmonic frequency and centre per mode (same unit-mass convention as the grid);
        default: the HO grid's own ``params["omega"]``/``params["center"]`` (required for
        non-HO grids).

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> n = ho_number_operators([ho_grid(8, 1.5)])[0]
    >>> np.round(np.linalg.eigvalsh(n)[:3], 8) + 0.0
    array([0., 1., 2.])
    """
    grids = list(getattr(grids, "grids", grids))
    out = []
    for i, g in enumerate(grids):
        params = getattr(g, "params", {}) or {}
        om = omegas[i] if omegas is not None else params.get("omega")
        c = centers[i] if centers is not None else params.get("center", 0.0)
        if om is None:
            raise ValueError(
                f"mode {i}: grid of kind {getattr(g, 'kind', '?')!r} has no harmonic "
                "frequency; pass omegas= (and centers=) for it"
            )
        q = np.asarray(g.points, dtype=float) - float(c)
        h = np.asarray(g.kinetic, dtype=float) + np.diag(0.5 * float(om) ** 2 * q * q)
        out.append(h / float(om) - 0.5 * np.eye(len(q)))
    return out


def leading_configurations(psi, bases=None, *, n_leading: int = 5, beam: int = 64):
    r"""Largest-weight product configurations :math:`|c_{n_1 \ldots n_f}|^2` of a state.

    ``bases[i]`` (``d x d``, orthonormal columns) is the one-mode basis of mode ``i``
    (e.g. eigenvectors of its number operator, ascending); default: the grid basis.
    A beam search over the right-canonical MPS keeps the ``beam`` most probable partial
    configurations; weights are exact.

    Returns
    -------
    list of (tuple of int, float)

    Examples
    --------
    >>> from vibmpo.solvers.mps import product_mps
    >>> leading_configurations(product_mps([np.array([0.6, 0.8]), np.array([0.0, 1.0])]),
    ...                        n_leading=2)
    [((1, 1), 0.64...), ((0, 1), 0.36...)]
    """
    t = _arrays(psi)
    if bases is not None:
        t = [np.einsum("sn,asb->anb", np.asarray(u).conj(), a) for u, a in zip(bases, t,
                                                                               strict=True)]
    t, _ = right_canonicalize(t)
    configs = [((), np.ones(1, dtype=t[0].dtype))]
    for a in t:
        cand = []
        for cfg, v in configs:
            w = np.tensordot(v, a, axes=([0], [0]))  # (d, Dr)
            p = np.einsum("nb,nb->n", w.conj(), w).real
            for n in np.argsort(p)[::-1][:beam]:
                cand.append((p[n], cfg + (int(n),), w[n]))
        cand.sort(key=lambda x: -x[0])
        configs = [(c, v) for _, c, v in cand[:beam]]
    out = [(c, float(np.vdot(v, v).real)) for c, v in configs]
    out.sort(key=lambda x: -x[1])
    return out[:n_leading]


def configuration_label(config: Sequence[int]) -> str:
    """Spectroscopic label of a configuration: ``(0, 2, 0, 1) -> "2v2+v4"``, zeros -> ``"0"``.

    Examples
    --------
    >>> configuration_label((0, 2, 0, 1)), configuration_label((0, 0))
    ('2v2+v4', '0')
    """
    parts = [f"{'' if n == 1 else n}v{i + 1}" for i, n in enumerate(config) if n]
    return "+".join(parts) if parts else "0"


@dataclass(frozen=True)
class Assignment:
    """Assignment of one state.

    Attributes
    ----------
    mean_quanta : ndarray (n_modes,)
        :math:`\\langle \\hat n_i\\rangle` per mode.
    leading : list of (tuple of int, float)
        Leading harmonic configurations and their weights.
    label : str
        Label of the assigned configuration (e.g. ``"v2+v4"``), or of a mixed state its
        two largest configurations with their weights (``"v6 / v2+v3 (0.47/0.47)"``).
    configuration : tuple of int
        The assigned configuration (unique among the states assigned together).
    weight : float
        Its weight :math:`|c|^2` in the state.

    Examples
    --------
    The product state with two quanta in mode 1 and one in mode 2:

    >>> from vibmpo.operators.dvr import ho_grid
    >>> from vibmpo.solvers.mps import product_mps
    >>> ops = ho_number_operators([ho_grid(6, 1.0), ho_grid(6, 1.0)])
    >>> u = np.linalg.eigh(ops[0])[1]
    >>> a = assign_states([product_mps([u[:, 2], u[:, 1]])], ops)[0]
    >>> a.label, np.round(a.mean_quanta, 6).tolist(), a.leading[0][0]
    ('2v1+v2', [2.0, 1.0], (2, 1))
    """

    mean_quanta: np.ndarray
    leading: list
    label: str
    configuration: tuple = ()
    weight: float = float("nan")


def assign_states(states, number_operators, *, n_leading: int = 3, beam: int = 64,
                  unique: bool = True, mixed: float = 0.25) -> list[Assignment]:
    """Assign every state: mean quanta per mode, leading configurations, a unique label.

    Parameters
    ----------
    states : DMRGResult or sequence of MPS
        quimb MPS, lists of ``(Dl, d, Dr)`` arrays, or a result with ``.states``.
    number_operators : sequence of ndarray (d_i, d_i)
        One Hermitian operator per mode (e.g. :func:`ho_number_operators`); the
        configurations are given in its eigenbasis (ascending eigenvalues).
    n_leading : int
        Configurations kept per state in ``Assignment.leading`` (at least 6 are used as
        candidates of the matching).
    unique : bool
        One-to-one matching of states to configurations by maximum summed weight (see the
        module docstring); ``False``: every state takes its own leading configuration.
    mixed : float
        A state whose second-largest configuration weight is at least this is labelled
        as mixed (``"A / B (wA/wB)"``); ``1`` or more: never.

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> from vibmpo.solvers.mps import product_mps
    >>> ops = ho_number_operators([ho_grid(6, 1.0), ho_grid(6, 2.0)])
    >>> v = [np.linalg.eigh(o)[1] for o in ops]
    >>> a = assign_states([product_mps([v[0][:, 1], v[1][:, 0]])], ops)[0]
    >>> np.round(a.mean_quanta, 6).tolist() == [1.0, 0.0], a.label
    (True, 'v1')

    Two states in a 50/50-ish Fermi resonance between ``v1`` and ``v2``, both led by
    ``v1``: the matching gives them distinct labels, both shown as mixed:

    >>> from vibmpo.solvers.mps import mps_arrays
    >>> def mix(c1, c2):  # c1 |v1> + c2 |v2>, a bond-dimension-2 MPS
    ...     return [np.stack([v[0][:, 1], v[0][:, 0]], axis=1)[None] * [c1, c2],
    ...             np.stack([v[1][:, 0], v[1][:, 1]], axis=0)[:, :, None]]
    >>> out = assign_states([mix(0.8, 0.6), mix(0.75, -0.66)], ops)
    >>> [a.label for a in out]
    ['v1 / v2 (0.64/0.36)', 'v2 / v1 (0.44/0.56)']
    """
    states = getattr(states, "states", states)
    ops = [np.asarray(o) for o in number_operators]
    bases = [np.linalg.eigh(o)[1] for o in ops]
    n_cand = max(int(n_leading), 6)
    found = []
    for psi in states:
        t = _arrays(psi)
        if len(t) != len(ops):
            raise ValueError(f"state has {len(t)} modes but {len(ops)} operators were given")
        rhos = one_site_densities(t)
        nbar = np.array([np.trace(r @ o).real for r, o in zip(rhos, ops, strict=True)])
        found.append((nbar, leading_configurations(t, bases, n_leading=n_cand, beam=beam)))
    chosen = [lead[0] for _, lead in found]
    if unique and len(found) > 1:
        chosen = _match(found, chosen)
    out = []
    for (nbar, lead), (cfg, w) in zip(found, chosen, strict=True):
        others = [(c, x) for c, x in lead if c != cfg]
        label = configuration_label(cfg)
        if others and others[0][1] >= mixed:
            label = (f"{label} / {configuration_label(others[0][0])} "
                     f"({w:.2f}/{others[0][1]:.2f})")
        out.append(Assignment(mean_quanta=nbar, leading=lead[:n_leading], label=label,
                              configuration=tuple(cfg), weight=float(w)))
    return out


def _match(found, chosen):
    """One-to-one states -> configurations by maximum summed weight."""
    from scipy.optimize import linear_sum_assignment

    configs = sorted({c for _, lead in found for c, _ in lead})
    col = {c: j for j, c in enumerate(configs)}
    weights = np.zeros((len(found), len(configs)))
    for i, (_, lead) in enumerate(found):
        for c, w in lead:
            weights[i, col[c]] = w
    rows, cols = linear_sum_assignment(weights, maximize=True)
    out = list(chosen)
    for i, j in zip(rows, cols, strict=True):
        if weights[i, j] > 0.0:  # a state matched to a configuration it has no weight on
            out[i] = (configs[j], float(weights[i, j]))  # keeps its leading label
    return out
