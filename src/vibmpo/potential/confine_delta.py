r"""Hole-free Δ-learned potentials: the correction confined, the certificate of the sum.

A Δ-learned potential :math:`V = V_\mathrm{b} + V_\mathrm{c}`
(:class:`~vibmpo.potential.composite.CompositePotential`) is confined by confining its
NN-MPO correction exactly as :mod:`vibmpo.potential.confine` confines a plain NN-MPO
(clamped basis, first-order band, harmonic wall outside a box :math:`B` of the latent
coordinates :math:`q = xU`), while the certificate is taken on the **sum**:

.. math::

    \min_{\mathrm{cert.\ grid}(E)} \bigl(V_\mathrm{b} + V_{\mathrm{c},B}\bigr)
    \;\ge\; V_\mathrm{min} - \tau,

with :math:`V_\mathrm{min}` the minimum of the sum near the origin and :math:`E` the box
widened by the bands. The confined correction satisfies
:math:`V_{\mathrm{c},B}(q) \ge V_{\mathrm{c},B}(\mathrm{clip}_E(q))` everywhere, so

.. math::

    V(q) \ge V_\mathrm{b}(q) + V_{\mathrm{c},B}(\mathrm{clip}_E(q))
    \ge V(\mathrm{clip}_E(q)) \ge V_\mathrm{min} - \tau

holds whenever the baseline itself does not fall outside :math:`E`:
:math:`V_\mathrm{b}(q) \ge V_\mathrm{b}(\mathrm{clip}_E(q))`. That is guaranteed, and
checked here exactly, for a polynomial baseline that is a **sum of one-mode terms** in
the latent coordinates, :math:`V_\mathrm{b}(q) = c + \sum_i g_i(q_i)`, each
:math:`g_i` non-decreasing above :math:`E` and non-increasing below it (no real root
of :math:`g_i'` beyond the faces, the right sign at the faces): a harmonic force field,
or any diagonal polynomial that grows away from the data. A baseline that couples modes
(or an NN-MPO baseline) carries no such guarantee: the confinement is then stored
uncertified with the reason, a :class:`~vibmpo.potential.confine.ConfinementWarning` is
issued, and the grid check treats the model like an unconfined one (it refuses grids
beyond the training data).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

__all__ = ["confine_composite", "separable_baseline"]

#: Coefficients of coupling terms below this fraction of the largest coefficient count
#: as zero (round-off of a rotated polynomial).
_COUPLING_RTOL = 1e-10


def separable_baseline(composite):
    """The baseline of ``composite`` as one-mode polynomials of the latent coordinates:
    ``(constant, [g_0, ..., g_{f-1}])`` with ``g_i`` :class:`numpy.polynomial.Polynomial`
    in the correction's energy unit, or ``(None, reason)`` when it couples modes or is
    not a polynomial.

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.baseline import PolynomialPotential
    >>> from vibmpo.potential.composite import CompositePotential
    >>> corr = NNMPOArrays(U=np.eye(2), centres=np.zeros((2, 1)), w=np.ones((2, 1)),
    ...                    b=np.zeros((2, 1)), activations=("gaussian",),
    ...                    cores=(np.ones((1, 2, 1)), np.ones((1, 2, 1))), energy_unit="eV")
    >>> c, g = separable_baseline(CompositePotential(
    ...     PolynomialPotential([[0, 0], [2, 0], [0, 2]], [1.0, 0.5, 2.0], "eV"), corr))
    >>> c, [p.coef.tolist() for p in g]
    (1.0, [[0.0, 0.0, 0.5], [0.0, 0.0, 2.0]])
    >>> separable_baseline(CompositePotential(PolynomialPotential([[1, 1]], [1.0], "eV"),
    ...                                       corr))[1]
    'the baseline couples modes (term 1 x0^1 x1^1)'
    """
    from numpy.polynomial import Polynomial

    try:
        poly = composite.latent_baseline()
    except (TypeError, ValueError) as exc:
        return None, str(exc)
    coef = poly.coefficients
    big = float(np.abs(coef).max()) if coef.size else 0.0
    const = 0.0
    per_mode = [np.zeros(1) for _ in range(composite.n_modes)]
    for c, row in zip(coef, poly.powers, strict=True):
        modes = np.flatnonzero(row)
        if len(modes) == 0:
            const += float(c)
        elif len(modes) == 1:
            i, p = int(modes[0]), int(row[modes[0]])
            if per_mode[i].size <= p:
                per_mode[i] = np.pad(per_mode[i], (0, p + 1 - per_mode[i].size))
            per_mode[i][p] += float(c)
        elif abs(c) > _COUPLING_RTOL * big:
            term = " ".join(f"x{i}^{int(row[i])}" for i in modes)
            return None, f"the baseline couples modes (term {c:.4g} {term})"
    return const, [Polynomial(p) for p in per_mode]


def _rises_outward(g, lo: float, hi: float) -> bool:
    """Whether the 1-D polynomial ``g`` is non-decreasing on [hi, inf) and non-increasing
    on (-inf, lo]."""
    d = g.deriv()
    if not np.any(d.coef):
        return True
    roots = d.roots()
    real = roots[np.abs(roots.imag) <= 1e-9 * (1 + np.abs(roots.real))].real
    if np.any(real > hi) or np.any(real < lo):
        return False
    # no root of g' beyond a face: its sign there is its sign one box width further out
    span = max(hi - lo, 1.0)
    return bool(d(hi + span) >= 0 and d(lo - span) <= 0)


def sum_value_and_gradient(baseline, correction):
    """``f(q) -> (V, dV/dq)`` of ``baseline`` + the NN-MPO ``correction`` (unconfined) at a
    latent point ``q``, for the minimum search of :func:`vibmpo.potential.confine.confine`.

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.baseline import PolynomialPotential
    >>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                    b=np.zeros((1, 1)), activations=("gaussian",),
    ...                    cores=(np.array([[[0.0], [0.0]]]),))
    >>> v, g = sum_value_and_gradient(PolynomialPotential([[2]], [0.5], "eV"), corr)(
    ...     np.array([2.0]))
    >>> round(v, 12), g.tolist()
    (2.0, [2.0])
    """
    from vibmpo.potential.confine import _value_and_gradient

    U = np.asarray(correction.U, dtype=np.float64)

    def value_and_gradient(q):
        v, g = _value_and_gradient(correction, q)
        x = (q @ U.T)[None]
        return (float(v + baseline.energy(x)[0]),
                np.asarray(g, dtype=np.float64) - baseline.forces(x)[0] @ U)
    return value_and_gradient


def confine_composite(model, raw, *, region, centre, minimum, slope, curvature, points,
                      tolerance, shrink_step, min_shrink):
    """The Δ-learned ``model`` with its correction confined and the certificate of the
    sum (see the module docstring); called by :func:`vibmpo.potential.confine.confine`
    with its options (already checked), the unconfined correction ``raw``, the minimum of
    the sum (at ``centre``) and the wall coefficients.

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.baseline import PolynomialPotential
    >>> from vibmpo.potential.composite import CompositePotential
    >>> from vibmpo.potential.confine import confine
    >>> from vibmpo.potential.region import data_region
    >>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                    b=np.zeros((1, 1)), activations=("silu",),
    ...                    cores=(np.array([[[0.0], [-0.4]]]),),
    ...                    data_region=data_region(np.array([[-1.0], [1.0]]), np.eye(1)))
    >>> v = confine(CompositePotential(PolynomialPotential([[2]], [0.5], "eV"), corr))
    >>> v.confinement.certified
    True
    >>> bool(v.energy([[30.0]])[0] > v.energy([[1.0]])[0])
    True
    """
    from vibmpo.potential.confine import Confinement, ConfinementWarning, _certify

    corr = model.correction
    lo0, hi0 = region.q_min, region.q_max
    const, parts = separable_baseline(model)
    if const is None:
        conf = Confinement(lo=lo0, hi=hi0, slope=slope, curvature=curvature,
                           minimum=minimum, floor=minimum, tolerance=0.0, points=int(points),
                           source=region.source, reason=parts)
    else:
        def extra(axes):
            return [g(np.asarray(ax)) + (const if i == 0 else 0.0)
                    for i, (g, ax) in enumerate(zip(parts, axes, strict=True))]

        conf = _certify(raw, lo0, hi0, centre, minimum, slope, curvature, int(points), tolerance,
                        float(shrink_step), float(min_shrink), region.source, extra=extra)
        edge_lo, edge_hi = conf.lo - conf.band[0], conf.hi + conf.band[1]
        bad = [i for i, g in enumerate(parts)
               if not _rises_outward(g, float(edge_lo[i]), float(edge_hi[i]))]
        if bad:
            conf = replace(conf, reason=f"the baseline falls away from the data along "
                                        f"latent mode(s) {bad}")
    if not conf.certified:
        why = conf.reason or (f"the sum falls {minimum - conf.floor:.4g} {corr.energy_unit} "
                              f"below its minimum even on the data box shrunk to "
                              f"{conf.shrink:.2f}")
        warnings.warn(
            f"the Δ-learned potential is not certified hole-free: {why}; grids are "
            "checked as for an unconfined model (a baseline that is a sum of one-mode "
            "terms rising away from the data, such as the harmonic force field, can be "
            "certified)", ConfinementWarning, stacklevel=3)
    return replace(model, correction=replace(corr, confinement=conf))
