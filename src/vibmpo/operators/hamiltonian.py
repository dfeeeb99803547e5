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

(NN-MPO potentials: scale applied, converted to Hartree; force fields: one TT channel
per term, in the force field's unit, then SVD-rounded).

The MPO joins the kinetic MPO (bond dimension 2) and the diagonal potential MPO
(bond dimension :math:`r_i`) by a direct sum of bonds and then SVD-compresses it with
a bound on the Frobenius norm of the change, so no matrix element moves by more than
``tol``.

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

from vibmpo.linalg import tt as _tt
from vibmpo.linalg.memory import available_memory, check_memory
from vibmpo.operators import _kernels as K
from vibmpo.operators.dvr import Grid, GridSpec, ho_grid, parse_grid_spec
from vibmpo.operators.forcefield import ForceField
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.units import HARTREE_TO_CM1, energy_factor

__all__ = [
    "GridHamiltonian",
    "grid_hamiltonian",
    "harmonic_analysis",
    "tt_bond_spectra",
    "available_memory",
    "check_memory",
]


# --------------------------------------------------------------------------------------
# Potentials as tensor trains of functions (one basis of 1-D functions per mode)


class _FunctionTT:
    """V(q) = offset + scale * chain_i sum_rho W_i[a,rho,b] phi_{i rho}(q_i)."""

    def __init__(self, bases, cores, scale, offset):
        self.bases = bases  # callables (q (m,), deriv) -> (m, N_i)
        self.cores = [np.asarray(c, dtype=np.float64) for c in cores]
        self.scale = float(scale)
        self.offset = float(offset)

    @property
    def n_modes(self):
        return len(self.cores)

    def _chain(self, vecs):
        v = np.ones(1)
        for core, phi in zip(self.cores, vecs, strict=True):
            v = np.einsum("a,arb,r->b", v, core, phi)
        return float(v[0])

    def derivatives(self, q):
        """V, gradient and Hessian at one point q (f,), by prefix/suffix environments:
        O(f^2) small matrix-vector products."""
        f = self.n_modes
        # mats[k][i] = sum_rho W_i[:, rho, :] phi^{(k)}_{i rho}(q_i), k = 0, 1, 2
        mats = [[np.einsum("arb,r->ab", self.cores[i], self.bases[i](np.array([q[i]]), k)[0])
                 for i in range(f)] for k in range(3)]
        prefix = [np.ones(1)]
        for i in range(f):
            prefix.append(prefix[-1] @ mats[0][i])
        suffix = [np.ones(1)]
        for i in range(f - 1, -1, -1):
            suffix.append(mats[0][i] @ suffix[-1])
        suffix = suffix[::-1]  # suffix[i] = M_i ... M_{f-1} applied to 1
        val = self.offset + self.scale * float(prefix[f][0])
        grad = np.zeros(f)
        hess = np.zeros((f, f))
        for i in range(f):
            grad[i] = self.scale * float(prefix[i] @ mats[1][i] @ suffix[i + 1])
            hess[i, i] = self.scale * float(prefix[i] @ mats[2][i] @ suffix[i + 1])
            v = prefix[i] @ mats[1][i]
            for j in range(i + 1, f):
                hess[i, j] = hess[j, i] = self.scale * float(v @ mats[1][j] @ suffix[j + 1])
                v = v @ mats[0][j]
        return val, grad, hess

    def grid_cores(self, points):
        cores = []
        for i, (core, q) in enumerate(zip(self.cores, points, strict=True)):
            g = K.grid_core(core, self.bases[i](q, 0))
            cores.append(g)
        cores[0] = cores[0] * self.scale
        return cores


def _nnmpo_function_tt(model: NNMPOArrays) -> tuple[_FunctionTT, float]:
    to_ha = energy_factor(model.energy_unit, "hartree")
    codes = np.array([K.ACTIVATION_CODES[a] for a in model.activations], dtype=np.int64)

    # a confined (hole-free) model: clamped basis plus a wall column per mode
    # (vibmpo.potential.confine)
    conf = model.confinement

    def make(i):
        w, c, b = model.w[i].copy(), model.centres[i].copy(), model.b[i].copy()

        def raw(q, deriv):
            return K.basis_on_grid(np.ascontiguousarray(q, dtype=np.float64), w, c, b, codes,
                                   int(deriv))

        def basis(q, deriv):
            return raw(q, deriv) if conf is None else conf.grid_basis(i, q, deriv, raw)
        return basis

    bases = [make(i) for i in range(model.n_modes)]
    cores = model.cores if conf is None else conf.extended_cores(model.cores, model.scale)
    return _FunctionTT(bases, cores, model.scale * to_ha, model.offset * to_ha), to_ha


def _terms_tt(terms, pmax):
    """Coefficient TT over monomials q_i^p of a few product terms (one channel per term)."""
    f, nt = len(pmax), len(terms)
    cores = []
    for i in range(f):
        ra = 1 if i == 0 else nt
        rb = 1 if i == f - 1 else nt
        core = np.zeros((ra, int(pmax[i]) + 1, rb))
        for k, (coef, powers) in enumerate(terms):
            # += : with one mode all terms share the entry of their power
            core[0 if i == 0 else k, powers.get(i, 0), 0 if i == f - 1 else k] += (
                coef if i == 0 else 1.0)
        cores.append(core)
    return cores


def _tt_add(a, b):
    """Direct sum of two TTs with equal physical dimensions (the TT of their sum)."""
    return list(_tt.direct_sum(a, b))


def _forcefield_function_tt(ff: ForceField, *, chunk: int = 32) -> _FunctionTT:
    pmax = ff.max_powers()
    terms = [t for t in ff.terms if t[0] != 0.0]
    const = sum(c for c, pw in terms if not pw)
    terms = [t for t in terms if t[1]] or [(0.0, {})]
    # Build the TT in the monomial-coefficient space, `chunk` terms at a time, rounding
    # after each addition. There the tensor holds one entry per term, so its norm is
    # sqrt(sum c^2) and SVD rounding finds the intrinsic ranks (e.g. 3 for all-to-all
    # bilinear coupling) while the ranks stay small throughout. Rounding grid values
    # instead cannot: their Frobenius norm grows like d^(f/2), which puts round-off above
    # any absolute tolerance.
    tol = 1e-14 * max(math.sqrt(sum(c * c for c, _ in terms)), np.finfo(float).tiny)
    cores = None
    for start in range(0, len(terms), chunk):
        block = _terms_tt(terms[start:start + chunk], pmax)
        cores = block if cores is None else _round_tt(_tt_add(cores, block), tol)
    if len(terms) <= chunk:
        cores = _round_tt(cores, tol)

    def make(p):
        def basis(q, deriv):
            q = np.asarray(q, dtype=np.float64)
            out = np.zeros((q.size, p + 1))
            for n in range(deriv, p + 1):
                fac = math.perm(n, deriv)
                out[:, n] = fac * q ** (n - deriv)
            return out
        return basis

    return _FunctionTT([make(int(p)) for p in pmax], cores, 1.0, const)


def _round_tt(cores, tol, errors=None):
    """SVD-round a TT (cores (r, d, r')) so the Frobenius change is <= tol; the bound on
    the change it made is appended to ``errors`` when given."""
    out, err = _tt.truncate_with_error(cores, max_error=tol)
    if errors is not None:
        errors.append(err)
    return list(out)


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


# --------------------------------------------------------------------------------------


def harmonic_analysis(source, *, start=None, max_iter: int = 50):
    """Minimum of the potential near ``start`` (default the origin) and its Hessian.

    Newton iterations with backtracking on the analytic gradient and Hessian of the
    NN-MPO basis functions (or polynomial terms).

    Returns
    -------
    center : ndarray (f,)
        Position of the minimum (latent / force-field coordinates).
    hessian : ndarray (f, f)
        Hessian of V there, in the Hamiltonian's unit (Hartree for NN-MPO potentials).
    energy : float
        V at the minimum.

    Raises
    ------
    ValueError
        If the Hessian is not positive definite (no local minimum found): give the grid
        explicitly then.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> c, h, e = harmonic_analysis(henon_heiles(2))
    >>> c.tolist(), np.round(np.diag(h), 12).tolist()
    ([0.0, 0.0], [1.0, 1.0])
    """
    return _newton_minimum(_function_tt(source), start=start, max_iter=max_iter)


def _newton_minimum(ftt: _FunctionTT, *, start=None, max_iter: int = 50):
    """Damped Newton search for the minimum of a function TT (see harmonic_analysis)."""
    f = ftt.n_modes
    q = np.zeros(f) if start is None else np.asarray(start, dtype=np.float64).copy()
    val, grad, hess = ftt.derivatives(q)
    for _ in range(max_iter):
        w, vec = np.linalg.eigh(hess)
        if w.min() <= 0:
            raise ValueError(
                "cannot choose HO grids automatically: the potential has no local minimum "
                f"near q={np.round(q, 6).tolist()} (Hessian eigenvalues {w}); give the grid "
                "explicitly (ho:N:omega:centre or sine:N:qmin:qmax)"
            )
        step = -vec @ ((vec.T @ grad) / w)
        if np.abs(step).max() <= 1e-10 * max(1.0, np.abs(q).max()):
            break
        t = 1.0
        while t > 1e-6:
            nv, ng, nh = ftt.derivatives(q + t * step)
            if nv <= val + 1e-14 * abs(val):
                break
            t *= 0.5
        else:
            break
        q = q + t * step
        val, grad, hess = nv, ng, nh
    return q, hess, val


def _function_tt(source) -> _FunctionTT:
    if isinstance(source, NNMPOArrays):
        return _nnmpo_function_tt(source)[0]
    if isinstance(source, ForceField):
        return _forcefield_function_tt(source)
    raise TypeError(
        f"source must be NNMPOArrays or ForceField, got {type(source).__name__}; load "
        "model files with vibmpo.potential.io.load_model and force fields with "
        "vibmpo.operators.forcefield.load_forcefield"
    )


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
        ``"hartree"`` for NN-MPO potentials, the force field's unit otherwise.
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

    def mpo_arrays(self, tol: float | None = 1e-10) -> list[np.ndarray]:
        """MPO cores ``(r_{i-1}, r_i, d_i, d_i)`` (left, right, ket, bra) of H with outer
        bonds of size 1, SVD-compressed so that no matrix element changes by more than
        ``tol`` (``None``: no compression)."""
        f = self.n_modes
        dims = self.dims
        if f == 1:
            d = dims[0]
            w = np.zeros((1, 1, d, d))
            w[0, 0] = self.kinetic[0] + np.diag(self.v_cores[0][0, :, 0] + self.v_offset)
            return [w]
        out = []
        for i in range(f):
            d = dims[i]
            core = self.v_cores[i]
            ra, rb = core.shape[0], core.shape[2]
            eye = np.eye(d)
            t = self.kinetic[i] + (self.v_offset * eye if i == 0 else 0.0)
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
        if tol is None:
            return out
        tol = float(tol)
        if not 0 <= tol < 1:
            raise ValueError(f"MPO compression tolerance must satisfy 0 <= tol < 1 (the "
                             f"largest change of a matrix element, {self.energy_unit}); "
                             f"got {tol:g}")
        tt = [w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1, w.shape[1]) for w in out]
        errors = []
        tt = _round_tt(tt, tol, errors)
        self._cache[("mpo_error", tol)] = math.sqrt(sum(e * e for e in errors))
        return [c.reshape(c.shape[0], d, d, c.shape[2]).transpose(0, 3, 1, 2)
                for c, d in zip(tt, dims, strict=True)]

    def to_mpo(self, tol: float | None = 1e-10):
        """The Hamiltonian as an open-boundary quimb ``MatrixProductOperator``.

        Index names ``k{i}`` (ket) and ``b{i}`` (bra), site tags ``I{i}``; bond
        dimensions via ``mpo.bond_sizes()``. ``tol`` bounds the change of any matrix
        element by the SVD compression (in ``energy_unit``; ``None`` = no compression).
        """
        import quimb.tensor as qtn

        arrays = self.mpo_arrays(tol)
        if self.n_modes == 1:
            raise ValueError("quimb MPOs need at least two sites; use dense() for one mode")
        arrs = [arrays[0][0]] + list(arrays[1:-1]) + [arrays[-1][:, 0]]
        return qtn.MatrixProductOperator(arrs, shape="lrud")

    def mpo_error(self, tol: float | None = 1e-10) -> float:
        """Upper bound on the Frobenius norm of the change the MPO compression with
        ``tol`` made to H (so on the change of any matrix element and of any
        eigenvalue), in ``energy_unit``: the root sum of squares of the singular values
        discarded at each bond (0 without compression).

        Examples
        --------
        >>> from vibmpo.operators.forcefield import henon_heiles
        >>> grid_hamiltonian(henon_heiles(3), "ho:4").mpo_error() < 1e-10
        True
        """
        if tol is None:
            return 0.0
        key = ("mpo_error", float(tol))
        if key not in self._cache:
            self.mpo_arrays(tol)
        return self._cache[key]

    def mpo_bond_dims(self, tol: float | None = 1e-10) -> list[int]:
        """Bond dimensions of :meth:`to_mpo` (without building the quimb object)."""
        return [int(w.shape[1]) for w in self.mpo_arrays(tol)[:-1]]

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

    def harmonic_guess(self) -> np.ndarray:
        """Normalised product of the ground states of :meth:`cut_hamiltonians` (a cheap
        starting vector for iterative solvers), flat C-ordered."""
        out = np.ones(1)
        for h in self.cut_hamiltonians():
            v = np.linalg.eigh(h)[1][:, 0]
            out = np.outer(out, v * np.sign(v.sum() or 1.0)).reshape(-1)
        return out / np.linalg.norm(out)


def grid_hamiltonian(source, grids=None, *, tt_tol: float = 1e-12,
                     allow_extrapolation: bool = False) -> GridHamiltonian:
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
    tt_tol : float
        Frobenius tolerance for SVD-rounding a force field's term-by-term tensor train
        and a confined NN-MPO's grid cores (other NN-MPO cores are kept as they are).
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
    ftt = _function_tt(source)
    f = ftt.n_modes
    if isinstance(source, NNMPOArrays):
        kappa = np.full(f, 0.5)
        to_native = 1.0 / HARTREE_TO_CM1  # spec frequencies are cm^-1
        unit = "hartree"
        desc = (f"NN-MPO potential, {source.n_modes} latent modes, ranks "
                f"{list(source.ranks)}, energies in Hartree")
    else:
        kappa = source.kinetic
        to_native = 1.0
        unit = source.energy_unit
        desc = f"force field, {f} modes, {len(source.terms)} terms, unit {unit}"
    if grids is None:
        grids = "ho:9"
    if isinstance(grids, str):
        specs = parse_grid_spec(grids, f)
    else:
        specs = tuple(grids)
        if len(specs) != f:
            raise ValueError(f"need one grid per mode ({f}), got {len(specs)}")
        specs = tuple(parse_grid_spec(s, 1)[0] if isinstance(s, str) else s for s in specs)
    need = any(isinstance(s, GridSpec) and s.kind == "ho" and (s.omega is None or
                                                              s.center is None)
               for s in specs)
    center = hess = minimum = None
    if need:
        center, hess, e_min = _newton_minimum(ftt)
        minimum = (center, e_min)
    elif not allow_extrapolation:
        try:
            c0, _, e0 = _newton_minimum(ftt)
            minimum = (c0, e0)
        except ValueError:  # no local minimum near the origin: check_grid's edge rule
            minimum = None
    out_grids, spec_items = [], []
    for i, s in enumerate(specs):
        if isinstance(s, Grid):
            g = s
        elif isinstance(s, GridSpec):
            if s.kind == "ho":
                # physical frequency (native unit) -> unit-mass grid parameter Omega
                if s.omega is not None:
                    omega_phys = s.omega * to_native
                else:
                    omega_phys = math.sqrt(2.0 * kappa[i] * hess[i, i])
                big_omega = omega_phys / (2.0 * kappa[i])
                c = s.center if s.center is not None else float(center[i])
                g = ho_grid(s.n, big_omega, c)
            else:
                g = s.resolve()
        else:
            raise TypeError(f"grid {i} must be a Grid, GridSpec or spec string, got {s!r}")
        out_grids.append(g)
        if g.kind == "ho":
            om = g.params["omega"] * 2.0 * kappa[i] / to_native
            spec_items.append(f"ho:{g.size}:{om:.10g}:{g.params['center']:.10g}")
        else:
            spec_items.append(f"sine:{g.size}:{g.params['qmin']:.10g}:{g.params['qmax']:.10g}")
    kin = tuple(2.0 * kappa[i] * g.kinetic for i, g in enumerate(out_grids))
    cores = ftt.grid_cores([g.points for g in out_grids])
    if isinstance(source, ForceField) or getattr(source, "confinement", None) is not None:
        # a confined NN-MPO's cores carry the continuation and the wall (ranks 2r + 2),
        # zero on grid points inside its box: rounding drops what the grid does not use
        cores = _round_tt(cores, tt_tol)
    ham = GridHamiltonian(
        grids=tuple(out_grids), kinetic=kin, v_cores=tuple(cores), v_offset=ftt.offset,
        energy_unit=unit, grid_spec=",".join(spec_items), description=desc,
    )
    if not allow_extrapolation:
        from vibmpo.operators.gridcheck import check_grid

        check_grid(ham, source, minimum=minimum)
    return ham
