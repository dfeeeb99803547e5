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
    >>> np.round(np.linalg.eigvalsh(n)[:3], 8)
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
        Label of the leading configuration (e.g. ``"v2+v4"``).

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


def assign_states(states, number_operators, *, n_leading: int = 3, beam: int = 64
                  ) -> list[Assignment]:
    """Assign every state: mean quanta per mode and leading configurations.

    Parameters
    ----------
    states : DMRGResult or sequence of MPS
        quimb MPS, lists of ``(Dl, d, Dr)`` arrays, or a result with ``.states``.
    number_operators : sequence of ndarray (d_i, d_i)
        One Hermitian operator per mode (e.g. :func:`ho_number_operators`); the
        configurations are given in its eigenbasis (ascending eigenvalues).

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> from vibmpo.solvers.mps import product_mps
    >>> ops = ho_number_operators([ho_grid(6, 1.0), ho_grid(6, 2.0)])
    >>> v = [np.linalg.eigh(o)[1] for o in ops]
    >>> a = assign_states([product_mps([v[0][:, 1], v[1][:, 0]])], ops)[0]
    >>> np.round(a.mean_quanta, 6).tolist() == [1.0, 0.0], a.label
    (True, 'v1')
    """
    states = getattr(states, "states", states)
    ops = [np.asarray(o) for o in number_operators]
    bases = [np.linalg.eigh(o)[1] for o in ops]
    out = []
    for psi in states:
        t = _arrays(psi)
        if len(t) != len(ops):
            raise ValueError(f"state has {len(t)} modes but {len(ops)} operators were given")
        rhos = one_site_densities(t)
        nbar = np.array([np.trace(r @ o).real for r, o in zip(rhos, ops, strict=True)])
        lead = leading_configurations(t, bases, n_leading=n_leading, beam=beam)
        out.append(Assignment(mean_quanta=nbar, leading=lead,
                              label=configuration_label(lead[0][0])))
    return out
