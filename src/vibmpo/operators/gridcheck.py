r"""Grid checks: refuse grids on which the potential is not trustworthy.

Two failures make computed levels silently wrong:

* **holes** of a fitted potential: far outside its training data an NN-MPO
  extrapolates and can fall below its own minimum, so the lowest "levels" live in the
  hole;
* **potentials unbounded below** (a force field whose cubic or negative quartic terms
  dominate, or a negative frequency): the lowest grid points lie at the grid's edge,
  and the levels depend on where the grid ends.

:func:`check_grid` looks for both on the grid of a :class:`GridHamiltonian`. With
:math:`V_\mathrm{min}` the minimum found by the harmonic analysis (Newton search from
the origin), it stops when

.. math::

    \min_\mathrm{grid} V < V_\mathrm{min} - 10^{-6}\,(\max_\mathrm{grid} V - V_\mathrm{min}),

or, when the potential has no minimum near the origin, when the lowest grid point lies
on the grid's edge. For NN-MPO potentials that carry the region of their training data
(:class:`~vibmpo.potential.region.DataRegion`) it also stops when a grid reaches beyond
a mode's data range by more than :data:`~vibmpo.potential.region.MARGIN` of its width,
unless the model is confined with a certified box (:mod:`vibmpo.potential.confine`):
beyond its box such a potential holds its basis at the box faces and rises along a
harmonic wall, so it stays above its minimum on any grid and only the minimum is
checked.
The grid minimum is exact (every grid point, evaluated in chunks) up to
:data:`EXACT_POINTS` points; larger grids are checked on every 1-D and 2-D cut through
the grid point nearest the minimum.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from vibmpo.operators import _kernels as K
from vibmpo.units import HARTREE_TO_CM1

__all__ = ["GridCheckError", "NoDataRegionWarning", "check_grid", "grid_extremes",
           "EXACT_POINTS", "FIX_ADVICE"]

#: Largest grid whose every point is evaluated by :func:`grid_extremes`.
EXACT_POINTS = 50_000_000
#: Points evaluated at once.
_CHUNK = 2_000_000

#: How to get a trustworthy grid, quoted by every grid-check error.
FIX_ADVICE = ("use fewer points per mode (a smaller N in ho:N), a narrower grid "
              "(ho:N:omega with a larger omega, or sine:N:qmin:qmax inside the range), or "
              "pass --allow-extrapolation (allow_extrapolation=True) to go on knowingly")


class NoDataRegionWarning(UserWarning):
    """An NN-MPO without the region of its training data: only the minimum is checked.

    Examples
    --------
    >>> issubclass(NoDataRegionWarning, UserWarning)
    True
    """


class GridCheckError(ValueError):
    """The potential is not trustworthy on the requested grid (see :func:`check_grid`).

    Examples
    --------
    >>> issubclass(GridCheckError, ValueError)
    True
    """


def _cut_values(cores, offset, fixed, modes):
    """V on the sub-grid varying ``modes`` with the other modes at ``fixed``."""
    sub = []
    for i, c in enumerate(cores):
        sub.append(c if i in modes else c[:, fixed[i]:fixed[i] + 1, :])
    data, off, ranks, dims = K.pack_tt(sub)
    return K.tt_full(data, off, ranks, dims).reshape([c.shape[1] for c in sub]) + offset


def grid_extremes(ham, *, around=None):
    """Lowest and highest potential values on the grid of ``ham``.

    Parameters
    ----------
    ham : GridHamiltonian
    around : sequence of int, optional
        Grid index the cuts of large grids go through (default the grid's reference
        point).

    Returns
    -------
    vmin : float
    index : tuple of int
        Grid index of ``vmin``.
    vmax : float
    exact : bool
        True when every grid point was evaluated, False for 1-D/2-D cuts.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> vmin, idx, vmax, exact = grid_extremes(grid_hamiltonian(henon_heiles(2), "ho:5"))
    >>> abs(round(vmin, 12)), idx, exact
    (0.0, (2, 2), True)
    """
    cores = [np.asarray(c, dtype=np.float64) for c in ham.v_cores]
    dims = [c.shape[1] for c in cores]
    f = len(dims)
    size = int(np.prod(dims, dtype=np.float64))
    if size <= EXACT_POINTS:
        k = 0
        while int(np.prod(dims[k:], dtype=np.float64)) > _CHUNK:
            k += 1
        rest = cores[k:]
        best = (np.inf, None)
        vmax = -np.inf
        for lead in itertools.product(*(range(d) for d in dims[:k])):
            left = np.ones(1)
            for i, s in enumerate(lead):
                left = left @ cores[i][:, s, :]
            first = np.einsum("a,asb->sb", left, rest[0])[None]
            data, off, ranks, dd = K.pack_tt([first] + rest[1:])
            vals = K.tt_full(data, off, ranks, dd) + ham.v_offset
            j = int(np.argmin(vals))
            if vals[j] < best[0]:
                best = (float(vals[j]), lead + tuple(int(x) for x in
                                                     np.unravel_index(j, dims[k:])))
            vmax = max(vmax, float(vals.max()))
        return best[0], best[1], vmax, True
    fixed = list(ham.reference_index() if around is None else around)
    best, vmax = (np.inf, None), -np.inf
    pairs = [(i,) for i in range(f)] + list(itertools.combinations(range(f), 2))
    for modes in pairs:
        vals = _cut_values(cores, ham.v_offset, fixed, modes)
        j = int(np.argmin(vals))
        if vals.flat[j] < best[0]:
            idx = list(fixed)
            for m, s in zip(modes, np.unravel_index(j, [dims[m] for m in modes]),
                            strict=True):
                idx[m] = int(s)
            best = (float(vals.flat[j]), tuple(idx))
        vmax = max(vmax, float(vals.max()))
    return best[0], best[1], vmax, False


def _energy(value, unit):
    if unit == "hartree":
        return f"{value * HARTREE_TO_CM1:.1f} cm-1"
    return f"{value:.6g} {unit}"


def _extent(g):
    return f"[{g.points[0]:.4g}, {g.points[-1]:.4g}]"


def check_grid(ham, source=None, *, minimum=None) -> dict:
    """Stop when the potential of ``ham`` is not trustworthy on its grid.

    Parameters
    ----------
    ham : GridHamiltonian
    source : NNMPOArrays or ForceField, optional
        The potential; its ``data_region`` (NN-MPO) is checked when present.
    minimum : tuple (center, energy) or None
        Minimum of the potential from the harmonic analysis (Hamiltonian's unit), or
        None when it has no local minimum near the origin.

    Returns
    -------
    dict
        What was checked: ``grid_min``, ``minimum``, ``exact``, ``data_region``.

    Raises
    ------
    GridCheckError
        Naming the mode, the grid's extent, the data's range and the fix.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import forcefield_from_dict
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> ff = forcefield_from_dict({"n_modes": 1, "terms": [[0.5, {"0": 2}], [-0.2, {"0": 3}]]})
    >>> grid_hamiltonian(ff, "ho:16")
    Traceback (most recent call last):
    ...
    vibmpo.operators.gridcheck.GridCheckError: the potential falls to -9.62... below its minimum ...
    """
    unit = ham.energy_unit
    vmin, idx, vmax, exact = grid_extremes(ham)
    where = ", ".join(f"q{i}={g.points[s]:.4g}" for i, (g, s) in
                      enumerate(zip(ham.grids, idx, strict=True)))
    how = "on the grid" if exact else "on the 1-D and 2-D cuts of the grid"
    conf = getattr(source, "confinement", None)
    confined = conf is not None and conf.certified
    region = getattr(source, "data_region", None) if confined else _data_region(source)
    beyond = [] if region is None or confined else _beyond(region, ham.grids)

    def region_lines(modes):
        return "; ".join(
            f"mode {i}: grid extent {_extent(ham.grids[i])}, training data "
            f"[{region.q_min[i]:.4g}, {region.q_max[i]:.4g}]" for i in modes)

    if minimum is not None:
        e_min = float(minimum[1])
        tol = 1e-6 * max(vmax - e_min, np.finfo(float).tiny)
        if vmin < e_min - tol:
            msg = (f"the potential falls to {_energy(vmin, unit)} {how} (at {where}), "
                   f"{_energy(e_min - vmin, unit)} below its minimum "
                   f"{_energy(e_min, unit)} found by the harmonic analysis: ")
            if region is not None:
                out = [i for i, (g, s) in enumerate(zip(ham.grids, idx, strict=True))
                       if not region.q_min[i] <= g.points[s] <= region.q_max[i]]
                msg += ("a hole of the fitted potential, extrapolating beyond its training "
                        f"data ({region.source}) at " + region_lines(out or range(ham.n_modes)))
            else:
                msg += ("the potential is unbounded below or has a hole (or a deeper "
                        "minimum) within the grid; grid " + ", ".join(
                            f"mode {i} {_extent(g)}" for i, g in enumerate(ham.grids)))
            raise GridCheckError(msg + "; " + FIX_ADVICE)
    else:
        edge = [i for i, (g, s) in enumerate(zip(ham.grids, idx, strict=True))
                if s in (0, g.size - 1)]
        if edge:
            raise GridCheckError(
                f"the potential has no minimum near the origin and is lowest at the edge "
                f"of the grid ({_energy(vmin, unit)} at {where}): unbounded below along "
                + ", ".join(f"mode {i} (grid extent {_extent(ham.grids[i])})" for i in edge)
                + "; the levels would depend on where the grid ends; check the force "
                "field's signs, or " + FIX_ADVICE)
    if beyond:
        raise GridCheckError(
            "the grid reaches beyond the training data of the potential "
            f"({region.source}) by more than {100 * _margin():.0f}% of its range at "
            + region_lines(beyond) + "; there the fit extrapolates; " + FIX_ADVICE)
    return {"grid_min": vmin, "minimum": None if minimum is None else float(minimum[1]),
            "exact": exact, "data_region": None if region is None else region.source,
            "confined": bool(confined)}


def _data_region(source):
    """The NN-MPO's training-data region (None for force fields, or with a warning for
    a model that carries none)."""
    region = getattr(source, "data_region", None)
    if region is None and hasattr(source, "data_region"):
        warnings.warn(
            "this NN-MPO carries no region of its training data (a model file written "
            "before vibmpo stored it, or a model made in memory): the grid is checked "
            "against the potential's minimum only; refit with `vibmpo fit` to store it",
            NoDataRegionWarning, stacklevel=4)
    return region


def _beyond(region, grids) -> list[int]:
    """Modes whose grid reaches beyond the region's allowed range."""
    lo, hi = region.allowed()
    return [i for i, g in enumerate(grids) if g.points[0] < lo[i] or g.points[-1] > hi[i]]


def _margin():
    from vibmpo.potential.region import MARGIN

    return MARGIN
