r"""Vibrational Hamiltonians on product DVR grids and their MPOs.

.. math::

    H = \sum_{i=1}^{f} \mathbb 1 \otimes \cdots \otimes T_i \otimes \cdots \otimes \mathbb 1
        + \mathrm{diag}\big(V(q_{s_1}, \dots, q_{s_f})\big),

with :math:`T_i` the DVR kinetic matrix of mode ``i`` (times :math:`2\kappa_i` for force
fields with :math:`T = \kappa_i p_i^2`) and the potential, diagonal in the DVR, held as
a tensor train of grid values

.. math::

    V[s_1 \dots s_f] = V_0 + G_1[s_1] G_2[s_2] \cdots G_f[s_f], \qquad
    G_i[a, s, b] = \sum_\rho W^i[a, \rho, b]\, \phi_{i\rho}(q_{is})

(the potential as a tensor train of functions, :mod:`vibmpo.operators.function_tt`,
evaluated on the grid points: NN-MPO potentials with the scale applied, converted to
Hartree; force fields with one TT channel per term, in the force field's unit, then
SVD-rounded).

The MPO joins the kinetic MPO (bond dimension 2) and the diagonal potential MPO
(bond dimension :math:`r_i`) by a direct sum of bonds and then SVD-compresses it with
a bound on the Frobenius norm of the change, ``max_error`` (so no matrix element and
no eigenvalue moves by more; the truncation glossary is in :mod:`vibmpo.linalg`). The
compression runs once per ``max_error``: :meth:`GridHamiltonian.mpo_arrays`
(raw cores for solvers), :meth:`GridHamiltonian.to_mpo` (a quimb MPO),
:meth:`GridHamiltonian.mpo_bond_dims` and :meth:`GridHamiltonian.mpo_error` share it,
and every one of them is in :attr:`GridHamiltonian.energy_unit`.

Examples
--------
>>> from vibmpo.operators.forcefield import coupled_oscillators
>>> ham = grid_hamiltonian(coupled_oscillators([1.0, 1.5], 0.0, energy_unit="hbar*omega"),
...                        "ho:6")
>>> ham.dims, ham.energy_unit
((6, 6), 'hbar*omega')
>>> mpo = ham.to_mpo()
>>> np.round(np.linalg.eigvalsh(mpo.to_dense())[:3], 10).tolist()
[1.25, 2.25, 2.75]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vibmpo._deprecation import renamed_keyword
from vibmpo.linalg import tt as _tt
from vibmpo.linalg.memory import available_memory, check_memory
from vibmpo.operators import _kernels as K
from vibmpo.operators.dvr import Grid, GridSpec, ho_grid, parse_grid_spec
from vibmpo.operators.forcefield import ForceField
from vibmpo.operators.function_tt import function_tt, harmonic_analysis
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.composite import CompositePotential
from vibmpo.units import HARTREE_TO_CM1

__all__ = [
    "GridHamiltonian",
    "grid_hamiltonian",
    "harmonic_analysis",
    "tt_bond_spectra",
    "available_memory",
    "check_memory",
]


def tt_bond_spectra(cores) -> list[np.ndarray]:
    r"""Singular values of a tensor train across each bond (Schmidt values of the function
    it represents), largest first.

    The TT is brought to left-canonical form, then swept back with SVDs, so the values
    at bond :math:`k` are those of the unfolding :math:`V[(i_1..i_k), (i_{k+1}..i_f)]`.
    Normalised, :math:`p_j = \sigma_j^2 / \sum \sigma^2`, they give the bond
    entanglement :math:`S_k = -\sum_j p_j \ln p_j`.

    Examples
    --------
    >>> a = np.random.default_rng(0).normal(size=(1, 3, 1))
    >>> [len(s) for s in tt_bond_spectra([a, a, a])]  # a product: one value per bond
    [1, 1]
    """
    return _tt.bond_spectra(cores, rel_cutoff=1e-14)



@dataclass(frozen=True, eq=False)
class GridHamiltonian:
    r"""A vibrational Hamiltonian on a product DVR grid (see the module docstring).

    Attributes
    ----------
    grids : tuple of Grid
        One DVR per mode (their ``omega`` parameters are unit-mass values in the
        Hamiltonian's unit).
    kinetic : tuple of ndarray
        Per-mode kinetic matrices :math:`T_i` (d_i, d_i), coefficients included.
    v_cores : tuple of ndarray
        Tensor train of potential grid values, core ``i`` of shape (r_{i-1}, d_i, r_i).
    v_offset : float
        Constant added to the tensor train (``V = v_offset + TT``).
    energy_unit : str
        Unit of H and of everything derived from it (MPO, error bounds, levels):
        ``"hartree"`` for NN-MPO potentials whatever the model's unit, the force field's
        unit otherwise.
    grid_spec : str
        Grid-spec string (frequencies in cm^-1 / the force field's unit) rebuilding the grids.
    description : str
        Where the Hamiltonian came from.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> ham = grid_hamiltonian(henon_heiles(2), "ho:4")
    >>> ham.n_modes, ham.dims, ham.size
    (2, (4, 4), 16)
    >>> v = np.ones(16)
    >>> bool(np.allclose(ham.matvec(v), ham.dense() @ v))
    True
    """

    grids: tuple
    kinetic: tuple
    v_cores: tuple
    v_offset: float = 0.0
    energy_unit: str = "hartree"
    grid_spec: str = ""
    description: str = ""
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.energy_unit, str) or not self.energy_unit.strip():
            raise ValueError(f"energy_unit must name the unit of H (e.g. 'hartree'), got "
                             f"{self.energy_unit!r}")
        if not (len(self.grids) == len(self.kinetic) == len(self.v_cores)) or not self.grids:
            raise ValueError("grids, kinetic and v_cores need one entry per mode")
        left = 1
        for i, (g, t, c) in enumerate(zip(self.grids, self.kinetic, self.v_cores,
                                          strict=True)):
            d = g.size
            if t.shape != (d, d) or c.ndim != 3 or c.shape[:2] != (left, d):
                raise ValueError(f"mode {i}: kinetic {t.shape} / core {c.shape} do not fit a "
                                 f"grid of {d} points after bond {left}")
            left = c.shape[2]
        if left != 1:
            raise ValueError("the last potential core must end in a bond of size 1")

    @property
    def n_modes(self) -> int:
        """Number of modes ``f``."""
        return len(self.grids)

    @property
    def dims(self) -> tuple[int, ...]:
        """Grid sizes ``(d_1, ..., d_f)``."""
        return tuple(g.size for g in self.grids)

    @property
    def size(self) -> int:
        """Dimension of the full grid space, :math:`\\prod_i d_i`."""
        return int(np.prod(self.dims, dtype=np.int64))

    @property
    def v_ranks(self) -> tuple[int, ...]:
        """Internal bond dimensions of the potential tensor train."""
        return tuple(int(c.shape[2]) for c in self.v_cores[:-1])

    def potential_full(self) -> np.ndarray:
        """Potential on the whole product grid, C-ordered vector of length ``size``
        (cached; computed with the Numba kernel ``tt_full``).

        Raises
        ------
        MemoryError
            If the grid does not fit in memory.
        """
        if "vfull" not in self._cache:
            check_memory(8.0 * self.size * (1 + max(self.v_ranks, default=1) / 9),
                         f"the full grid potential ({'x'.join(map(str, self.dims))} points)")
            data, off, ranks, dims = K.pack_tt(self.v_cores)
            self._cache["vfull"] = K.tt_full(data, off, ranks, dims) + self.v_offset
        return self._cache["vfull"]

    def _packed_kinetic(self):
        if "kin" not in self._cache:
            self._cache["kin"] = K.pack_matrices(self.kinetic)
        return self._cache["kin"]

    def matvec(self, v) -> np.ndarray:
        r"""Matrix-free :math:`H v` on the full grid (Numba kernel).

        ``v`` has ``size`` entries (flat, C-ordered) or shape ``dims``; real or complex.
        The result has the same shape.
        """
        v = np.asarray(v)
        shape = v.shape
        flat = v.reshape(-1)
        if flat.size != self.size:
            raise ValueError(f"vector has {flat.size} entries, the grid has {self.size}")
        vd = self.potential_full()
        kd, ko = self._packed_kinetic()
        dims = np.asarray(self.dims, dtype=np.int64)
        if np.iscomplexobj(flat):
            re = K.hamiltonian_matvec(np.ascontiguousarray(flat.real, dtype=np.float64), kd, ko,
                                      dims, vd)
            im = K.hamiltonian_matvec(np.ascontiguousarray(flat.imag, dtype=np.float64), kd, ko,
                                      dims, vd)
            return (re + 1j * im).reshape(shape)
        out = K.hamiltonian_matvec(np.ascontiguousarray(flat, dtype=np.float64), kd, ko, dims,
                                   vd)
        return out.reshape(shape)

    def scaled_matvec(self, scale: float, shift: float = 0.0):
        r"""The map :math:`(v, w, \gamma) \mapsto a (H - c)\, v + \gamma w` for real
        full-grid vectors, :math:`a` = ``scale``, :math:`c` = ``shift``, as one fused Numba
        pass (the step :math:`y_{k+1} = 2(H - c)/h\; y_k - y_{k-1}` of Chebyshev filters).

        The scaled kinetic matrices and potential are prepared once, here; the returned
        ``apply(v, w=None, gamma=0.0)`` takes flat float64 vectors of ``size`` entries.

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> ham = grid_hamiltonian(henon_heiles(2), "ho:4")
        >>> step = ham.scaled_matvec(2.0, 1.0)
        >>> v, w = np.ones(16), np.arange(16.0)
        >>> ref = 2.0 * (ham.dense() - np.eye(16)) @ v - w
        >>> bool(np.allclose(step(v, w, -1.0), ref))
        True
        """
        scale, shift = float(scale), float(shift)
        kin = K.pack_matrices([t * scale for t in self.kinetic])[0]
        offsets = self._packed_kinetic()[1]
        dims = np.asarray(self.dims, dtype=np.int64)
        vdiag = (self.potential_full() - shift) * scale

        def apply(v, w=None, gamma: float = 0.0) -> np.ndarray:
            v = np.ascontiguousarray(v, dtype=np.float64)
            if v.shape != (self.size,):
                raise ValueError(f"vector of shape {v.shape}, the grid has {self.size} points")
            if w is None:
                return K.hamiltonian_matvec(v, kin, offsets, dims, vdiag)
            w = np.ascontiguousarray(w, dtype=np.float64)
            if w.shape != v.shape:
                raise ValueError(f"w has shape {w.shape}, v {v.shape}")
            return K.hamiltonian_matvec_add(v, kin, offsets, dims, vdiag, w, float(gamma))

        return apply

    def diagonal(self) -> np.ndarray:
        """Diagonal of H on the full grid (for preconditioners)."""
        d = self.potential_full().copy().reshape(self.dims)
        for i, t in enumerate(self.kinetic):
            shape = [1] * self.n_modes
            shape[i] = t.shape[0]
            d += np.diag(t).reshape(shape)
        return d.reshape(-1)

    def one_mode_densities(self, psi) -> list[np.ndarray]:
        r"""Reduced one-mode density matrices :math:`\rho_i = \mathrm{Tr}_{j\ne i}
        |\psi\rangle\langle\psi|` of a full-grid vector (real or complex), each (d_i, d_i).
        """
        psi = np.asarray(psi).reshape(-1)
        dims = np.asarray(self.dims, dtype=np.int64)
        if psi.size != self.size:
            raise ValueError(f"vector has {psi.size} entries, the grid has {self.size}")
        if np.iscomplexobj(psi):
            a = np.ascontiguousarray(psi.real)
            b = np.ascontiguousarray(psi.imag)
            packed = K.one_mode_densities(a, dims) + K.one_mode_densities(b, dims)
            out = []
            p3 = psi.reshape(self.dims)
            off = 0
            for i, d in enumerate(self.dims):
                re = packed[off:off + d * d].reshape(d, d)
                m = np.moveaxis(p3, i, 0).reshape(d, -1)
                im = m.imag @ m.real.T - m.real @ m.imag.T
                out.append(re + 1j * im)
                off += d * d
            return out
        packed = K.one_mode_densities(np.ascontiguousarray(psi, dtype=np.float64), dims)
        out, off = [], 0
        for d in self.dims:
            out.append(packed[off:off + d * d].reshape(d, d))
            off += d * d
        return out

    def dense(self) -> np.ndarray:
        """Dense matrix ``T + diag(V)`` (small grids only; for tests and references)."""
        check_memory(8.0 * self.size**2, f"a dense {self.size}x{self.size} Hamiltonian")
        h = np.diag(self.potential_full())
        for i, t in enumerate(self.kinetic):
            left = int(np.prod(self.dims[:i], dtype=np.int64))
            right = int(np.prod(self.dims[i + 1:], dtype=np.int64))
            h += np.kron(np.kron(np.eye(left), t), np.eye(right))
        return h

    def mpo_arrays(self, max_error: float | None = 1e-10, **renamed) -> list[np.ndarray]:
        """MPO cores ``(r_{i-1}, r_i, d_i, d_i)`` (left, right, ket, bra) of H with outer
        bonds of size 1, SVD-compressed so that the Frobenius norm of the change of H, and
        so the change of any matrix element, is at most ``max_error`` (in
        ``energy_unit``; ``None``: no compression). ``tol=`` is the deprecated former
        name of ``max_error=``.

        The layout of :func:`vibmpo.solvers.mps.mpo_arrays`, so solvers can take these
        arrays without going through quimb. The compression runs once per ``max_error``:
        the arrays are cached and read-only (copy one to change it).

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> ham = grid_hamiltonian(henon_heiles(3), "ho:4")
        >>> [w.shape[:2] for w in ham.mpo_arrays()]
        [(1, 3), (3, 3), (3, 1)]
        >>> ham.mpo_arrays()[0] is ham.mpo_arrays()[0]  # compressed once
        True
        """
        max_error = renamed_keyword("GridHamiltonian.mpo_arrays", renamed, "tol", "max_error",
                                    max_error, 1e-10)
        return list(self._compressed_mpo(max_error)[0])

    def _compressed_mpo(self, max_error):
        """``(arrays, error bound)`` of the MPO compressed with ``max_error`` (cached)."""
        if max_error is not None:
            max_error = float(max_error)
            if not 0 <= max_error < 1:
                raise ValueError(f"the MPO compression's max_error must satisfy 0 <= max_error "
                                 f"< 1 (the largest change of a matrix element, "
                                 f"{self.energy_unit}); got {max_error:g}")
        key = ("mpo", max_error)
        if key not in self._cache:
            arrays, err = _mpo_cores(self), 0.0
            if max_error is not None:
                arrays, err = _tt.truncate_mpo(arrays, max_error=max_error)
            for w in arrays:
                w.flags.writeable = False
            self._cache[key] = (tuple(arrays), err)
        return self._cache[key]

    def to_mpo(self, max_error: float | None = 1e-10, **renamed):
        """The Hamiltonian as an open-boundary quimb ``MatrixProductOperator``.

        Index names ``k{i}`` (ket) and ``b{i}`` (bra), site tags ``I{i}``; bond
        dimensions via ``mpo.bond_sizes()``. ``max_error`` bounds the Frobenius norm of
        the change of H by the SVD compression, so the change of any matrix element (in
        ``energy_unit``; ``None`` = no compression; ``tol=`` is its deprecated former
        name). Each call wraps copies of the cached :meth:`mpo_arrays` in a new quimb
        object (no second compression), so changing one MPO leaves the others alone.

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> grid_hamiltonian(henon_heiles(3), "ho:4").to_mpo(max_error=1e-10).bond_sizes()
        [3, 3]
        """
        import quimb.tensor as qtn

        max_error = renamed_keyword("GridHamiltonian.to_mpo", renamed, "tol", "max_error",
                                    max_error, 1e-10)
        if self.n_modes == 1:
            raise ValueError("quimb MPOs need at least two sites; use dense() for one mode")
        arrays = self.mpo_arrays(max_error)
        arrs = [arrays[0][0]] + list(arrays[1:-1]) + [arrays[-1][:, 0]]
        return qtn.MatrixProductOperator([np.array(a) for a in arrs], shape="lrud")

    def mpo_error(self, max_error: float | None = 1e-10, **renamed) -> float:
        """Upper bound on the Frobenius norm of the change the MPO compression with
        ``max_error`` made to H (so on the change of any matrix element and of any
        eigenvalue), in ``energy_unit``: the root sum of squares of the singular values
        discarded at each bond (0 without compression); at most ``max_error``. ``tol=``
        is the deprecated former name of ``max_error=``.

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> grid_hamiltonian(henon_heiles(3), "ho:4").mpo_error() < 1e-10
        True
        """
        max_error = renamed_keyword("GridHamiltonian.mpo_error", renamed, "tol", "max_error",
                                    max_error, 1e-10)
        return self._compressed_mpo(max_error)[1]

    def mpo_bond_dims(self, max_error: float | None = 1e-10, **renamed) -> list[int]:
        """Bond dimensions of :meth:`to_mpo` with the same ``max_error`` (without building
        the quimb object; ``tol=`` is the deprecated former name of ``max_error=``).

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> ham = grid_hamiltonian(henon_heiles(3), "ho:4")
        >>> ham.mpo_bond_dims(None), ham.mpo_bond_dims()  # 2 + potential ranks (2, 3); rounded
        ([4, 5], [3, 3])
        """
        max_error = renamed_keyword("GridHamiltonian.mpo_bond_dims", renamed, "tol",
                                    "max_error", max_error, 1e-10)
        return [int(w.shape[1]) for w in self._compressed_mpo(max_error)[0][:-1]]

    def reference_index(self) -> tuple[int, ...]:
        """Grid index nearest each grid's centre (HO) or midpoint (sine)."""
        return tuple(int(np.argmin(np.abs(g.points - g.params.get(
            "center", 0.5 * (g.points[0] + g.points[-1]))))) for g in self.grids)

    def cut_hamiltonians(self) -> list[np.ndarray]:
        r"""One-mode Hamiltonians :math:`h_i = T_i + \mathrm{diag}(V_i)` along cuts of the
        potential through :meth:`reference_index` (other modes fixed), each (d_i, d_i).

        :math:`\sum_i h_i - (f-1) V_\mathrm{ref}` is a separable approximation of H,
        used for starting vectors, level estimates and preconditioners.
        """
        mid = self.reference_index()
        out = []
        for i, t in enumerate(self.kinetic):
            left = np.ones(1)
            for j in range(i):
                left = left @ self.v_cores[j][:, mid[j], :]
            right = np.ones(1)
            for j in range(self.n_modes - 1, i, -1):
                right = self.v_cores[j][:, mid[j], :] @ right
            cut = np.einsum("a,asb,b->s", left, self.v_cores[i], right) + self.v_offset
            out.append(t + np.diag(cut))
        return out


def _mpo_cores(ham: GridHamiltonian) -> list[np.ndarray]:
    """Uncompressed MPO cores of ``T + V``: the kinetic MPO (bond dimension 2) and the
    diagonal potential MPO joined by a direct sum of bonds."""
    f, dims = ham.n_modes, ham.dims
    if f == 1:
        d = dims[0]
        w = np.zeros((1, 1, d, d))
        w[0, 0] = ham.kinetic[0] + np.diag(ham.v_cores[0][0, :, 0] + ham.v_offset)
        return [w]
    out = []
    for i in range(f):
        d = dims[i]
        core = ham.v_cores[i]
        ra, rb = core.shape[0], core.shape[2]
        eye = np.eye(d)
        t = ham.kinetic[i] + (ham.v_offset * eye if i == 0 else 0.0)
        pot = np.einsum("asb,st->abst", core, eye)
        if i == 0:
            w = np.zeros((1, 2 + rb, d, d))
            w[0, 0], w[0, 1] = t, eye
            w[0, 2:] = pot[0]
        elif i == f - 1:
            w = np.zeros((2 + ra, 1, d, d))
            w[0, 0], w[1, 0] = eye, t
            w[2:, 0] = pot[:, 0]
        else:
            w = np.zeros((2 + ra, 2 + rb, d, d))
            w[0, 0], w[1, 0], w[1, 1] = eye, t, eye
            w[2:, 2:] = pot
        out.append(w)
    return out


def grid_hamiltonian(source, grids=None, *, potential_max_error: float = 1e-12,
                     allow_extrapolation: bool = False, **renamed) -> GridHamiltonian:
    """Build the grid Hamiltonian of an NN-MPO potential or a force field.

    Parameters
    ----------
    source : NNMPOArrays or ForceField
        NN-MPO potentials live in latent coordinates ``q = x U`` (mass-weighted atomic
        units); the Hamiltonian is in Hartree. Force fields keep their own unit.
    grids : str, sequence of Grid/GridSpec/str, or None
        A grid spec (``"ho:9"``, ``"ho:9:1200:0,sine:40:-60:60,..."``), one Grid/GridSpec
        per mode, or None (``"ho:9"``). HO frequencies and centres left open are taken
        from the harmonic analysis of the potential at its minimum near the origin
        (frequency :math:`\\sqrt{\\partial^2 V/\\partial q_i^2/(2\\kappa_i)}`). Explicit
        frequencies in a spec are physical frequencies in cm^-1 (NN-MPO) or the force
        field's unit.
    potential_max_error : float
        Bound on the Frobenius norm of the change of the potential's grid tensor by its
        SVD rounding (``max_error`` of :func:`vibmpo.linalg.tt.truncate`, in the
        Hamiltonian's unit), applied to a force field's term-by-term tensor train and a
        confined NN-MPO's grid cores (other NN-MPO cores are kept as they are). The MPO
        of H is compressed later, with its own ``max_error``
        (:meth:`GridHamiltonian.to_mpo`). ``tt_tol=`` is its deprecated former name.
    allow_extrapolation : bool
        Skip the grid checks (:func:`vibmpo.operators.gridcheck.check_grid`): by default
        a grid on which the potential falls below its harmonic minimum (a hole of a
        fitted potential, a force field unbounded below), or that reaches far beyond an
        NN-MPO's training data, is refused.

    Returns
    -------
    GridHamiltonian

    Raises
    ------
    vibmpo.operators.gridcheck.GridCheckError
        When the grid check fails (a ``ValueError``; the message names the mode, the
        grid's extent, the data's range and the fix).

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> ham = grid_hamiltonian(henon_heiles(3), "ho:5")
    >>> ham.grid_spec
    'ho:5:1:0,ho:5:1:0,ho:5:1:0'
    """
    potential_max_error = renamed_keyword("grid_hamiltonian", renamed, "tt_tol",
                                          "potential_max_error", potential_max_error, 1e-12)
    ftt = function_tt(source)
    kappa, to_native, unit, desc = _source_conventions(source, ftt.n_modes)
    specs = _grid_specs(grids, ftt.n_modes)
    minimum = _minimum(ftt, specs, allow_extrapolation)
    out_grids = tuple(_resolve_grid(i, s, kappa[i], to_native, minimum)
                      for i, s in enumerate(specs))
    spec = ",".join(_spec_item(g, kappa[i], to_native) for i, g in enumerate(out_grids))
    kin = tuple(2.0 * kappa[i] * g.kinetic for i, g in enumerate(out_grids))
    cores = ftt.grid_cores([g.points for g in out_grids])
    if isinstance(source, ForceField) or getattr(source, "confinement", None) is not None:
        # a confined NN-MPO's cores carry the continuation and the wall (ranks 2r + 2),
        # zero on grid points inside its box: rounding drops what the grid does not use
        cores = _tt.truncate(cores, max_error=potential_max_error)
    ham = GridHamiltonian(
        grids=out_grids, kinetic=kin, v_cores=tuple(cores), v_offset=ftt.offset,
        energy_unit=unit, grid_spec=spec, description=desc,
    )
    if not allow_extrapolation:
        from vibmpo.operators.gridcheck import check_grid

        check_grid(ham, source, minimum=minimum and minimum[::2])
    return ham


def _source_conventions(source, f):
    """Kinetic coefficients kappa_i, factor from spec frequencies to the Hamiltonian's
    unit, the Hamiltonian's unit and its description."""
    if isinstance(source, CompositePotential):  # Δ-learned: baseline + correction
        return (np.full(f, 0.5), 1.0 / HARTREE_TO_CM1, "hartree",
                f"{source.describe()} (converted to atomic units)")
    if isinstance(source, NNMPOArrays):
        return (np.full(f, 0.5), 1.0 / HARTREE_TO_CM1, "hartree",
                f"NN-MPO potential ({source.energy_unit} model, converted to atomic "
                f"units), {source.n_modes} latent modes, ranks {list(source.ranks)}")
    return (source.kinetic, 1.0, source.energy_unit,
            f"force field, {f} modes, {len(source.terms)} terms, unit {source.energy_unit}")


def _grid_specs(grids, f) -> tuple:
    """One Grid, GridSpec per mode from a spec string or a sequence (None: ``ho:9``)."""
    if grids is None:
        grids = "ho:9"
    if isinstance(grids, str):
        return parse_grid_spec(grids, f)
    specs = tuple(grids)
    if len(specs) != f:
        raise ValueError(f"need one grid per mode ({f}), got {len(specs)}")
    return tuple(parse_grid_spec(s, 1)[0] if isinstance(s, str) else s for s in specs)


def _minimum(ftt, specs, allow_extrapolation):
    """``(centre, hessian, energy)`` of the minimum near the origin, when a grid needs
    it (an HO spec without frequency or centre) or the grid check does (None if there
    is no minimum: check_grid then applies its edge rule)."""
    need = any(isinstance(s, GridSpec) and s.kind == "ho"
               and (s.omega is None or s.center is None) for s in specs)
    if need:
        return harmonic_analysis(ftt)
    if allow_extrapolation:
        return None
    try:
        return harmonic_analysis(ftt)
    except ValueError:
        return None


def _resolve_grid(i, s, kappa, to_native, minimum) -> Grid:
    """The DVR of mode ``i`` from its Grid or GridSpec."""
    if isinstance(s, Grid):
        return s
    if not isinstance(s, GridSpec):
        raise TypeError(f"grid {i} must be a Grid, GridSpec or spec string, got {s!r}")
    if s.kind != "ho":
        return s.resolve()
    # physical frequency (native unit) -> unit-mass grid parameter Omega
    if s.omega is not None:
        omega_phys = s.omega * to_native
    else:
        omega_phys = math.sqrt(2.0 * kappa * minimum[1][i, i])
    c = s.center if s.center is not None else float(minimum[0][i])
    return ho_grid(s.n, omega_phys / (2.0 * kappa), c)


def _spec_item(g: Grid, kappa, to_native) -> str:
    """The spec string that rebuilds grid ``g`` (frequencies in the spec's unit)."""
    if g.kind == "ho":
        om = g.params["omega"] * 2.0 * kappa / to_native
        return f"ho:{g.size}:{om:.10g}:{g.params['center']:.10g}"
    return f"sine:{g.size}:{g.params['qmin']:.10g}:{g.params['qmax']:.10g}"
