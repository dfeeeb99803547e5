r"""Operators diagonal on a DVR grid: observables such as the dipole moment, and
Hamiltonians tabulated point by point.

An observable :math:`O(q)` (e.g. one dipole component, a polynomial in the normal
coordinates) is represented in the DVR by its grid values, held as a tensor train

.. math::

    O[s_1 \dots s_f] = G_1[s_1] \cdots G_f[s_f],

built term by term exactly as the polynomial force fields of
:mod:`vibmpo.operators.hamiltonian` (no kinetic part), and as a diagonal MPO
:math:`W_i[a, b, s, t] = G_i[a, s, b]\,\delta_{st}` on the same grid as the Hamiltonian.
:func:`tabulated_hamiltonian` does the reverse for a potential known only at every grid
point (an ab initio reference): :math:`H = T + \mathrm{diag}(V)` with the values
compressed to a tensor train by SVDs.

Examples
--------
>>> from vibmpo.operators.dvr import ho_grid
>>> from vibmpo.operators.forcefield import ForceField
>>> grids = (ho_grid(4, 1.0), ho_grid(3, 2.0))
>>> obs = grid_observable(ForceField(((1.0, {0: 1}), (0.5, {})), kinetic=[0.5, 0.5]), grids)
>>> bool(np.allclose(obs.values_full().reshape(4, 3)[:, 0], grids[0].points + 0.5))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vibmpo._deprecation import renamed_keyword
from vibmpo.linalg import tt as _tt
from vibmpo.linalg.memory import check_memory
from vibmpo.operators import _kernels as K
from vibmpo.operators.forcefield import ForceField
from vibmpo.operators.function_tt import function_tt
from vibmpo.operators.hamiltonian import GridHamiltonian
from vibmpo.units import HARTREE_TO_CM1

__all__ = ["GridObservable", "grid_observable", "dipole_observables", "tabulated_hamiltonian",
           "tt_from_full"]


@dataclass(frozen=True, eq=False)
class GridObservable:
    """A diagonal operator on a product DVR grid, as a tensor train of grid values.

    Attributes
    ----------
    grids : tuple of Grid
    cores : tuple of ndarray
        Core ``i`` has shape ``(r_{i-1}, d_i, r_i)``.
    unit : str
        Unit of the values (``"e*a0"`` for dipoles).
    name : str

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> g = (ho_grid(3, 1.0), ho_grid(3, 1.0))
    >>> obs = GridObservable(g, (np.ones((1, 3, 1)), np.ones((1, 3, 1))), "1", "one")
    >>> obs.values_full().tolist() == [1.0] * 9, obs.to_mpo().L
    (True, 2)
    """

    grids: tuple
    cores: tuple
    unit: str = ""
    name: str = ""

    @property
    def dims(self) -> tuple[int, ...]:
        """Grid sizes."""
        return tuple(g.size for g in self.grids)

    def values_full(self) -> np.ndarray:
        """Values on the whole grid, C-ordered vector (mode 0 slowest)."""
        size = int(np.prod(self.dims, dtype=np.int64))
        check_memory(8.0 * size, f"the observable on the full grid ({size} points)")
        data, off, ranks, dims = K.pack_tt([np.ascontiguousarray(c) for c in self.cores])
        return K.tt_full(data, off, ranks, dims)

    def mpo_arrays(self) -> list[np.ndarray]:
        """Diagonal MPO cores ``(r_{i-1}, r_i, d_i, d_i)`` (left, right, ket, bra)."""
        out = []
        for c in self.cores:
            d = c.shape[1]
            out.append(np.einsum("asb,st->abst", c, np.eye(d)))
        return out

    def to_mpo(self):
        """The observable as a quimb ``MatrixProductOperator`` (index names as
        :meth:`GridHamiltonian.to_mpo`)."""
        import quimb.tensor as qtn

        arrays = self.mpo_arrays()
        if len(arrays) == 1:
            raise ValueError("quimb MPOs need at least two sites")
        arrs = [arrays[0][0]] + list(arrays[1:-1]) + [arrays[-1][:, 0]]
        return qtn.MatrixProductOperator(arrs, shape="lrud")


def _constant_tt(value, dims):
    return [np.full((1, d, 1), float(value) if i == 0 else 1.0) for i, d in enumerate(dims)]


def grid_observable(source, grids, *, component: int = 0, coordinator=None,
                    rel_error: float = 1e-14, **renamed) -> GridObservable:
    r"""A polynomial observable on DVR grids.

    Parameters
    ----------
    source : PolynomialSurface or ForceField
        A dipole surface (``component`` picks the Cartesian component) or a force field
        whose potential terms are the observable (its kinetic part is ignored).
    grids : sequence of Grid, or a GridHamiltonian
        The grids (those of the Hamiltonian the observable goes with).
    coordinator : ndarray (f, f), optional
        Coordinator ``U`` of an NN-MPO potential: the grids are in ``q = x U`` while the
        polynomial is in ``x``, so it is rotated first.
    rel_error : float
        Relative error of the SVD rounding of the tensor train: the Frobenius norm of the
        change is at most ``rel_error`` times :math:`\sqrt{\sum_k c_k^2}\,\sqrt{\prod_i
        d_i}` (the coefficients' norm times the square root of the number of grid
        points: the tensor's scale).
        ``tol=`` is its deprecated former name.

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> from vibmpo.potential.dipole import fit_polynomial
    >>> x = np.random.default_rng(0).normal(size=(20, 2))
    >>> mu = fit_polynomial(x, np.c_[x[:, 0], x[:, 1], x[:, 0] * x[:, 1]], 2)
    >>> obs = grid_observable(mu, (ho_grid(3, 1.0), ho_grid(4, 1.0)), component=2)
    >>> obs.dims, obs.unit, obs.name
    ((3, 4), 'e*a0', 'mu_z')
    """
    rel_error = renamed_keyword("grid_observable", renamed, "tol", "rel_error", rel_error,
                                1e-14)
    if isinstance(source, GridHamiltonian):
        raise TypeError("source is the Hamiltonian; pass the dipole surface as source and "
                        "the Hamiltonian (or its grids) as grids")
    if isinstance(grids, GridHamiltonian):
        grids = grids.grids
    grids = tuple(grids)
    f = len(grids)
    if isinstance(source, ForceField):
        ff, unit, name = source, source.energy_unit, "observable"
    elif hasattr(source, "terms") and hasattr(source, "rotated"):
        comp = int(component)
        if not 0 <= comp < len(source.components):
            raise ValueError(f"component {comp} out of range: the surface has "
                             f"{list(source.components)}")
        if coordinator is not None:
            source = source.rotated(np.asarray(coordinator, dtype=np.float64))
        if source.n_modes != f:
            raise ValueError(f"the surface has {source.n_modes} coordinates, the grid {f} "
                             "modes")
        terms = source.terms(comp) or [(0.0, {})]
        ff = ForceField(tuple(terms), kinetic=np.full(f, 0.5), energy_unit=source.unit)
        unit, name = source.unit, f"mu_{source.components[comp]}"
    else:
        raise TypeError(f"source must be a PolynomialSurface or ForceField, got "
                        f"{type(source).__name__}")
    if ff.n_modes != f:
        raise ValueError(f"the observable has {ff.n_modes} modes, the grid {f}")
    ftt = function_tt(ff)
    cores = ftt.grid_cores([g.points for g in grids])
    dims = [g.size for g in grids]
    if ftt.offset != 0.0:
        cores = _tt.direct_sum(cores, _constant_tt(ftt.offset, dims))
    norm = np.sqrt(sum(c * c for c, _ in ff.terms)) * np.sqrt(float(np.prod(dims)))
    cores = _tt.truncate(cores, max_error=rel_error * max(norm, np.finfo(float).tiny))
    return GridObservable(grids, tuple(cores), unit, name)


def dipole_observables(surface, grids, *, coordinator=None) -> list[GridObservable]:
    """All components of a dipole surface on the grids (see :func:`grid_observable`).

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> from vibmpo.potential.dipole import fit_polynomial
    >>> mu = fit_polynomial(np.eye(3)[:, :2], np.eye(3), 1)
    >>> [o.name for o in dipole_observables(mu, (ho_grid(3, 1.0), ho_grid(3, 1.0)))]
    ['mu_x', 'mu_y', 'mu_z']
    """
    return [grid_observable(surface, grids, component=k, coordinator=coordinator)
            for k in range(len(surface.components))]


def tt_from_full(values, rel_error: float = 1e-12, **renamed) -> list[np.ndarray]:
    """Tensor train of a full tensor within relative Frobenius error ``rel_error``: the
    linear-algebra toolbox's TT-SVD, :func:`vibmpo.linalg.tt.from_full` (``tol=`` is the
    deprecated former name of ``rel_error=``).

    Examples
    --------
    >>> v = np.add.outer(np.arange(3.0), np.arange(4.0))
    >>> [c.shape for c in tt_from_full(v)]
    [(1, 3, 2), (2, 4, 1)]
    """
    from vibmpo.linalg.tt import from_full

    rel_error = renamed_keyword("tt_from_full", renamed, "tol", "rel_error", rel_error, 1e-12)
    return list(from_full(values, rel_error=rel_error))


def tabulated_hamiltonian(grids, values, *, energy_unit: str = "hartree",
                          description: str = "tabulated potential") -> GridHamiltonian:
    """:math:`H = -\\tfrac12\\sum_i \\partial^2/\\partial q_i^2 + V` with ``V`` given at every
    point of the product grid (shape ``dims`` or flat, C-ordered; mass-weighted
    coordinates, unit mass), e.g. ab initio energies on the grid of another Hamiltonian.

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> g = (ho_grid(6, 1.0), ho_grid(6, 2.0))
    >>> q1, q2 = np.meshgrid(g[0].points, g[1].points, indexing="ij")
    >>> ham = tabulated_hamiltonian(g, 0.5 * q1**2 + 2.0 * q2**2)
    >>> np.linalg.eigvalsh(ham.dense())[:3].round(10).tolist()
    [1.5, 2.5, 3.5]
    """
    grids = tuple(grids)
    dims = tuple(g.size for g in grids)
    v = np.asarray(values, dtype=np.float64).reshape(dims)
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{int(np.sum(~np.isfinite(v)))} grid values are NaN or inf (failed "
                         "points?); every grid point needs a value")
    offset = float(v.min())
    cores = tt_from_full(v - offset)
    spec = ",".join(
        f"ho:{g.size}:{g.params['omega'] * HARTREE_TO_CM1:.10g}:{g.params['center']:.10g}"
        if g.kind == "ho" and energy_unit == "hartree" else f"{g.kind}:{g.size}"
        for g in grids)
    return GridHamiltonian(grids=grids, kinetic=tuple(g.kinetic for g in grids),
                           v_cores=tuple(cores), v_offset=offset, energy_unit=energy_unit,
                           grid_spec=spec, description=description)
