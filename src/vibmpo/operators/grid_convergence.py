r"""Per-mode grid sizes from one-mode mean-field problems (``--grid auto:TOL``).

For a force field :math:`H = \sum_i \kappa_i p_i^2 + \sum_k c_k \prod_m q_m^{p_{km}}` the
mean-field one-mode Hamiltonian of mode :math:`i` is

.. math::

    h_i = \kappa_i p_i^2 + \sum_k c_k\, q_i^{p_{ki}} \prod_{m \ne i} \langle q_m^{p_{km}}\rangle_m ,

with the moments :math:`\langle q_m^p\rangle_m` taken in the ground state of mode
:math:`m`'s own one-mode cut (the other modes at their reference values). Its levels are
computed on HO-DVR grids of increasing size (same frequency and centre as ``ho:N`` of
the full problem): the chosen size is the smallest :math:`N` for which every one-mode
level up to the target energy (all levels the multi-mode states can excite in that
mode) agrees within ``tol`` with the grid of :math:`N + 4` points. (Successive grids
rather than one very large grid: a cubic cut such as Henon--Heiles' is unbound, and a
large grid reaches past its barrier.) The target energy
is the top of the energy window, or the ``n``-th level of the separable (mean-field)
spectrum, plus a margin. It is a heuristic: coupling can need a point or two more,
which a check with a larger grid settles.

Symmetry partners get one size. The one-mode cuts of the two components of a degenerate
pair (the e modes of a symmetric top) differ, since a cubic term such as
:math:`q_a^3 - 3 q_a q_b^2` is not symmetric in its cuts, so the sizes chosen mode by
mode can differ; a grid that treats the partners differently splits their degenerate
levels. Modes with the same harmonic frequency and kinetic coefficient (relative
difference below ``1e-6``) are therefore one group, and each mode of a group gets the
largest size of the group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vibmpo.operators.forcefield import ForceField
from vibmpo.operators.separable import lowest_configurations

__all__ = ["GridChoice", "converged_grid", "frequency_groups"]


@dataclass(frozen=True)
class GridChoice:
    """Grid sizes chosen by :func:`converged_grid`.

    Attributes
    ----------
    spec : str
        Per-mode grid spec (``"ho:N:omega:centre,..."``, the force field's unit).
    sizes : tuple of int
        Points per mode.
    levels_needed : tuple of int
        One-mode levels (above the ground level) that had to converge, per mode.
    errors : tuple of float
        Largest deviation of those levels from the grid of four more points, per
        mode, at the size chosen for the mode alone (its group may raise the size).
    e_max : float
        Target excitation energy (force field's unit).
    tol : float
    groups : tuple of tuple of int
        Modes sharing a harmonic frequency (degenerate partners), which share a size;
        single modes are groups of one.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> g = converged_grid(henon_heiles(2), 1e-6, e_max=3.0)
    >>> g.sizes, g.spec.split(",")[0].split(":")[:2]
    ((11, 11), ['ho', '11'])
    """

    spec: str
    sizes: tuple
    levels_needed: tuple
    errors: tuple
    e_max: float
    tol: float
    groups: tuple = ()


def frequency_groups(omegas, kinetic, rtol: float = 1e-6) -> tuple:
    """Modes whose harmonic frequencies and kinetic coefficients agree within ``rtol``.

    Examples
    --------
    >>> frequency_groups([3149.0, 361.0, 3149.0, 361.0], [0.5, 0.5, 0.5, 0.5])
    ((0, 2), (1, 3))
    """
    om = np.asarray(omegas, dtype=float)
    kin = np.asarray(kinetic, dtype=float)
    groups, seen = [], set()
    for i in range(om.size):
        if i in seen:
            continue
        same = [j for j in range(i, om.size) if j not in seen
                and abs(om[j] - om[i]) <= rtol * max(abs(om[i]), abs(om[j]))
                and abs(kin[j] - kin[i]) <= rtol * max(abs(kin[i]), abs(kin[j]))]
        seen.update(same)
        groups.append(tuple(same))
    return tuple(groups)


def _one_mode(ff: ForceField, i: int, moments) -> ForceField:
    """Mean-field (``moments`` given) or cut (``moments`` None) Hamiltonian of mode ``i``."""
    terms = {}
    for c, powers in ff.terms:
        if i not in powers:
            continue
        f = c
        for m, p in powers.items():
            if m != i:
                f = 0.0 if moments is None else f * moments[m][p]
        if f:
            terms[powers[i]] = terms.get(powers[i], 0.0) + f
    terms = tuple((c, {0: p}) for p, c in sorted(terms.items()))
    return ForceField(terms=terms, kinetic=[ff.kinetic[i]], energy_unit=ff.energy_unit)


def _levels(ff1: ForceField, n: int, omega: float, center: float):
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    ham = grid_hamiltonian(ff1, f"ho:{n}:{float(omega)!r}:{float(center)!r}")
    w, v = np.linalg.eigh(ham.dense())
    return w, v, ham.grids[0].points


def converged_grid(ff: ForceField, tol: float, *, e_max: float | None = None,
                   n_states: int | None = None, n_large: int = 60, margin: float = 0.2
                   ) -> GridChoice:
    """Smallest per-mode HO grids whose one-mode mean-field levels are converged to ``tol``.

    Parameters
    ----------
    ff : ForceField
        Polynomial force field.
    tol : float
        Largest error of the one-mode levels (force field's unit).
    e_max : float, optional
        Highest excitation energy of interest (e.g. the top of an energy window).
    n_states : int, optional
        Or: the number of lowest multi-mode levels wanted; ``e_max`` is then the
        ``n_states``-th level of the separable mean-field spectrum.
    n_large : int
        Largest grid tried; also the size used for the moments and the target energy
        is ``min(24, n_large)``.
    margin : float
        Relative margin added to ``e_max``.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> converged_grid(coupled_oscillators([1.0, 3.0], 0.1), 1e-8, n_states=4).sizes
    (6, 4)
    """
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    if not isinstance(ff, ForceField):
        raise ValueError("automatic grids (auto:TOL) are available for force fields only; "
                         "give an explicit grid (e.g. ho:9) for NN-MPO models")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"the grid tolerance must be positive, got {tol!r}")
    if e_max is None and n_states is None:
        raise ValueError("give e_max (top of the energy range) or n_states")
    f = ff.n_modes
    ref = grid_hamiltonian(ff, "ho:2").grids
    om = [float(g.params["omega"]) for g in ref]
    ce = [float(g.params["center"]) for g in ref]
    to_native = [2.0 * float(ff.kinetic[i]) for i in range(f)]  # grid omega (kappa = 1/2) -> spec
    pmax = int(max(ff.max_powers().max(), 1))
    # moments of every mode in the ground state of its cut
    n_mid = min(24, n_large)
    moments = []
    for i in range(f):
        w, v, x = _levels(_one_mode(ff, i, None), n_mid, om[i] * to_native[i], ce[i])
        rho = np.abs(v[:, 0]) ** 2
        moments.append([float(rho @ x**p) for p in range(pmax + 1)])
    mean_field = [_one_mode(ff, i, moments) for i in range(f)]
    mid = [_levels(h, n_mid, om[i] * to_native[i], ce[i])[0]
           for i, h in enumerate(mean_field)]
    if e_max is None:
        e_max = _nth_separable_level([b - b[0] for b in mid], int(n_states))
    e_top = float(e_max) * (1.0 + margin)
    sizes, needed, errors = [], [], []
    for i, h in enumerate(mean_field):
        n_lev = int(np.count_nonzero(mid[i] - mid[i][0] <= e_top))  # levels 0..n_lev-1
        n, err = _mode_size(h, n_lev, om[i] * to_native[i], ce[i], tol, n_large, i)
        sizes.append(n)
        needed.append(n_lev - 1)
        errors.append(err)
    groups = frequency_groups([om[i] * to_native[i] for i in range(f)], ff.kinetic)
    for g in groups:  # degenerate partners: one size, the largest
        for i in g:
            sizes[i] = max(sizes[j] for j in g)
    spec = ",".join(f"ho:{n}:{om[i] * to_native[i]:.10g}:{ce[i]:.10g}"
                    for i, n in enumerate(sizes))
    return GridChoice(spec=spec, sizes=tuple(sizes), levels_needed=tuple(needed),
                      errors=tuple(errors), e_max=float(e_max), tol=float(tol),
                      groups=groups)


def _mode_size(h, n_lev, omega, center, tol, n_large, mode):
    """Smallest grid size whose lowest ``n_lev`` levels of ``h`` agree within ``tol`` with
    the grid of four more points; returns (size, deviation)."""
    levels_at = {}
    for n in range(max(n_lev + 2, 4), n_large + 1):
        levels_at[n] = _levels(h, n, omega, center)[0]
        if n - 4 in levels_at:
            err = float(np.abs(levels_at[n - 4][:n_lev] - levels_at[n][:n_lev]).max())
            if err <= tol:
                return n - 4, err
    raise ValueError(f"mode {mode}: one-mode levels not converged to {tol:g} even with "
                     f"{n_large} points; loosen the tolerance")


def _nth_separable_level(exc, n):
    """Excitation energy of the ``n``-th level (1-based) of a separable spectrum."""
    return float(lowest_configurations(exc, n)[1][-1])
