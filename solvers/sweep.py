r"""The sweep engine shared by DMRG and TDVP.

A :class:`SweepState` holds an MPS in mixed canonical form around an orthogonality
centre, the MPO and the cached left/right environments (plus, optionally, overlap
environments with other MPS used for projections/penalties). The half-sweep functions
:func:`sweep_two_site` and :func:`sweep_one_site` move the centre through the chain and
call a user-supplied *local step* on every (merged) centre tensor:

.. code-block:: python

    def step(theta: np.ndarray, op: EffectiveOperator, info: StepInfo) -> np.ndarray:
        ...  # return the updated tensor, same shape as theta

``theta`` always carries a leading *root* axis of length ``k`` (``k = 1`` for a single
state; state-averaged DMRG uses ``k`` roots sharing all other site tensors):
two-site ``(k, Dl, d1, d2, Dr)``, one-site ``(k, Dl, d, Dr)``, bond ``(k, Dl, Dr)``.
``op`` applies the effective Hamiltonian

.. math::

    (H_\mathrm{eff}\,x)_{a s c} = \sum L_{a w a'}\, W^{s s'}_{w w'} \cdots R_{c w'' c'}\,
    x_{a' s' c'} + \sum_j \mu_j\, p_j \langle p_j | x \rangle

to tensors without the root axis (``op.matvec``) or to blocks of them (``op.matmat``),
where the optional rank-one terms come from :class:`Projection` penalties.

Two-site steps are followed by an SVD split with truncation (``maxdim``, ``cutoff``);
one-site steps by a QR (or truncated SVD, with optional subspace expansion) move of the
centre, after which an optional ``bond_step`` acts on the bond matrix between the two
sites -- the backward zero-site step of projector-splitting TDVP. Environments are
updated incrementally. The state is modified in place (it is the solvers' private
working copy; the user's MPO and MPS are never touched).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .mps import (
    left_canonicalize,
    left_env_step,
    matmul_real_left,
    overlap_left_step,
    overlap_right_step,
    right_canonicalize,
    right_env_step,
    truncated_svd,
)

__all__ = [
    "EffectiveOperator",
    "Projection",
    "StepInfo",
    "StepRecord",
    "SweepState",
    "make_state",
    "sweep_two_site",
    "sweep_one_site",
    "root_tensors",
    "schedule_values",
    "SweepSettings",
    "Schedule",
    "LocalUpdate",
    "full_sweep",
    "run_sweeps",
    "expand_right_bases",
]


# --------------------------------------------------------------------------------------
# effective operator
# --------------------------------------------------------------------------------------
class EffectiveOperator:
    r"""Effective Hamiltonian on ``n = len(ws)`` sites (0: bond, 1: one site, 2: two sites).

    Parameters
    ----------
    left : ndarray (Dl, wl, Dl)
        Left environment (bra, MPO, ket).
    ws : tuple of ndarray (wl, wr, d_out, d_in)
        MPO tensors of the sites in the centre.
    right : ndarray (Dr, wr, Dr)
        Right environment.
    penalties : sequence of (weight, vector)
        Rank-one terms :math:`\mu\,|p\rangle\langle p|`, ``vector`` of shape :attr:`shape`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> L = rng.standard_normal((2, 3, 2)); R = rng.standard_normal((2, 3, 2))
    >>> op = EffectiveOperator(L, (), R)
    >>> x = rng.standard_normal((2, 2))
    >>> bool(np.allclose(op.matvec(x), np.einsum("awb,bc,dwc->ad", L, x, R)))
    True
    """

    def __init__(self, left, ws, right, penalties=()):
        self.left = left
        self.ws = tuple(ws)
        self.right = right
        self.penalties = list(penalties)
        self.shape = (left.shape[0], *[w.shape[2] for w in self.ws], right.shape[0])
        self.size = int(np.prod(self.shape))
        self.dtype = np.result_type(left, right, *self.ws,
                                    *[p for _, p in self.penalties])
        # contraction layouts fixed once per operator (one matrix product per tensor):
        # L as (w a', a), each W as (s' w', w s), R as (w' c, c')
        a_out, wl, a_in = left.shape
        self._lm = np.ascontiguousarray(left.transpose(1, 0, 2)).reshape(wl * a_out, a_in)
        self._wm = [np.ascontiguousarray(w.transpose(2, 1, 0, 3)).reshape(
            w.shape[2] * w.shape[1], w.shape[0] * w.shape[3]) for w in self.ws]
        c_out, wr, c_in = right.shape
        self._rm = np.ascontiguousarray(right.transpose(1, 2, 0)).reshape(wr * c_in, c_out)

    def _apply_one_site(self, x):
        """The hot path of TDVP: one site, one vector, three products and two copies."""
        a, d, c = self.shape
        wm = self._wm[0]
        wl = wm.shape[1] // d
        t = (self._lm @ x.reshape(a, d * c)).reshape(wl, a, d, c)
        t = np.ascontiguousarray(t.transpose(0, 2, 1, 3)).reshape(wl * d, a * c)
        t = matmul_real_left(wm, t).reshape(d, -1, a, c)  # (s', w', a', c)
        t = np.ascontiguousarray(t.transpose(2, 0, 1, 3)).reshape(a * d, -1)
        return (t @ self._rm).reshape(x.shape)

    def _apply_bond(self, x):
        """Zero-site operator on one vector: two products and one copy."""
        a, c = self.shape
        wl = self._lm.shape[0] // a
        t = (self._lm @ x.reshape(a, c)).reshape(wl, a, c)
        t = np.ascontiguousarray(t.transpose(1, 0, 2)).reshape(a, wl * c)
        return (t @ self._rm).reshape(x.shape)

    def _apply(self, x):
        """x: (a, s_1..s_n, c, m) -> same shape (``m`` vectors side by side)."""
        m = x.shape[-1]
        if m == 1 and not self.penalties:
            if len(self.ws) == 1:
                return self._apply_one_site(x)
            if not self.ws:
                return self._apply_bond(x)
        t = self._apply_general(x)
        if self.penalties:
            xf = x.reshape(-1, m)
            tf = t.reshape(-1, m)
            for mu, p in self.penalties:
                pf = p.reshape(-1)
                tf += mu * np.outer(pf, pf.conj() @ xf)
            t = tf.reshape(x.shape)
        return t

    def _apply_general(self, x):
        """Any number of sites and vectors: one product per tensor, no penalties."""
        m = x.shape[-1]
        n = len(self.ws)
        a = self.shape[0]
        # t[w, a', s_1, .., s_n, c, m]
        t = (self._lm @ x.reshape(a, -1)).reshape(-1, a, *x.shape[1:])
        # each site j: contract (w, s_j), new axes (s_j', w') in front; the primed site
        # axes pile up in reverse order: t[w, s_j', .., s_1', a', s_{j+1}, .., c, m]
        for j, wm in enumerate(self._wm):
            t = np.moveaxis(t, j + 2, 1)  # (w, s_j, s_{j-1}', .., s_1', a', ..)
            rest = t.shape[2:]
            t = matmul_real_left(wm, t.reshape(wm.shape[1], -1))
            t = t.reshape(self.shape[j + 1], -1, *rest)  # (s_j', w', ...)
            t = np.moveaxis(t, 0, 1)
        # t[w, s_n', .., s_1', a', c, m] -> (a', s_1'.., s_n', m, w, c) @ R
        wr = t.shape[0]
        order = (n + 1, *range(n, 0, -1), n + 3, 0, n + 2)
        t = t.transpose(order).reshape(-1, m, wr * x.shape[-2])
        t = t @ self._rm  # (a' s', m, c')
        return np.swapaxes(t, 1, 2).reshape(x.shape)

    def matvec(self, x):
        """Apply to one tensor of shape :attr:`shape` (or a flat vector of that size)."""
        x = np.asarray(x)
        out = self._apply(x.reshape(*self.shape, 1))
        return out.reshape(x.shape)

    def matmat(self, X):
        """Apply to the columns of ``X`` (``size`` x m); returns ``size`` x m."""
        X = np.asarray(X)
        out = self._apply(X.reshape(*self.shape, X.shape[1]))
        return out.reshape(X.shape)

    def diagonal(self):
        """Diagonal of the effective operator, shape :attr:`shape` (Davidson preconditioner)."""
        t = np.einsum("awa->aw", self.left)
        for w in self.ws:
            wd = np.einsum("xyss->xsy", w)
            t = np.tensordot(t, wd, axes=([t.ndim - 1], [0]))
        t = np.tensordot(t, np.einsum("cyc->yc", self.right), axes=([t.ndim - 1], [0]))
        for mu, p in self.penalties:
            t = t + mu * np.abs(p) ** 2
        return t

    def dense(self):
        """Dense matrix (``size`` x ``size``); for small problems and tests."""
        return self.matmat(np.eye(self.size, dtype=self.dtype))


# --------------------------------------------------------------------------------------
# state
# --------------------------------------------------------------------------------------
@dataclass
class Projection:
    r"""Another MPS :math:`|\phi\rangle` entering the local problems as ``weight * |phi><phi|``.

    Used by sequential (penalty-projected) excited-state DMRG. The engine keeps the
    overlap environments ``left[i]`` (sites < i, shape ``(D_phi, D_psi)``) and
    ``right[i]`` current as the centre moves.

    Examples
    --------
    Penalising the ground state turns the lowest-eigenvector step into a search for the
    first excited state:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> def lowest(theta, op, info):  # the DMRG local step: lowest eigenvector
    ...     return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)
    >>> e = np.linalg.eigvalsh(mpo_to_dense(W))
    >>> st = make_state(random_mps([2] * 4, 4, seed=0), W)
    >>> for direction in ("lr", "rl"):
    ...     _ = sweep_two_site(st, lowest, direction=direction)
    >>> penalty = Projection(root_tensors(st), weight=10.0 * float(e[-1] - e[0]))
    >>> st = make_state(random_mps([2] * 4, 4, seed=1), W, projections=[penalty])
    >>> for direction in ("lr", "rl"):
    ...     _ = sweep_two_site(st, lowest, direction=direction)
    >>> bool(np.isclose(mps_expectation(root_tensors(st), W), e[1]))
    True
    """

    tensors: list
    weight: float
    left: list = field(default_factory=list)
    right: list = field(default_factory=list)


@dataclass
class StepInfo:
    """What the local step is told: the sites of the centre, the direction, the sweep.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> seen = []
    >>> def spy(theta, op, info):  # a local step that only records what it is told
    ...     seen.append(info)
    ...     return theta
    >>> _ = sweep_two_site(make_state(random_mps([2] * 3, 2, seed=0), W), spy, direction="lr")
    >>> seen[0]
    StepInfo(sites=(0, 1), direction='lr', sweep=0)
    >>> [info.sites for info in seen]
    [(0, 1), (1, 2)]
    """

    sites: tuple
    direction: str
    sweep: int = 0


@dataclass
class StepRecord:
    """What the engine records after each split: bond, new bond dimension, discarded weight.

    Examples
    --------
    Truncating a random state to bond dimension 1 discards weight at every bond:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 3, 2, seed=0), W)
    >>> records = sweep_two_site(st, lambda theta, op, info: theta, direction="lr", maxdim=1)
    >>> [(r.bond, r.bond_dim, round(r.discarded, 3)) for r in records]
    [(0, 1, 0.036), (1, 1, 0.004)]
    """

    sites: tuple
    bond: int
    bond_dim: int
    discarded: float


@dataclass
class SweepState:
    """Working MPS + MPO + environments (mutable; build it with :func:`make_state`).

    ``tensors[i]`` has shape ``(Dl, d, Dr)`` except ``tensors[center]``, which has shape
    ``(k, Dl, d, Dr)`` (``k`` roots). Sites left of the centre are left-orthonormal,
    sites right of it right-orthonormal. ``left[i]`` is valid for ``i <= center``,
    ``right[i]`` for ``i >= center``.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 4, 4, seed=0), W, center=2)
    >>> st.n_sites, st.center, st.n_roots, st.bond_dims()
    (4, 2, 1, [2, 4, 2])
    >>> [x.shape for x in st.left[:3]], st.left[3] is None
    ([(1, 1, 1), (2, 3, 2), (4, 3, 4)], True)
    """

    tensors: list
    mpo: list
    center: int
    left: list
    right: list
    projections: list = field(default_factory=list)

    @property
    def n_sites(self):
        return len(self.tensors)

    @property
    def n_roots(self):
        return self.tensors[self.center].shape[0]

    def bond_dims(self):
        """Bond dimensions between neighbouring sites."""
        return [self.tensors[i].shape[-1] for i in range(self.n_sites - 1)]

    def operator(self, sites=None) -> EffectiveOperator:
        """The effective operator of a window of consecutive ``sites`` (default: the
        centre; ``()`` is not allowed, use :meth:`bond_operator`), with the penalty
        terms of the projections. The environments left of ``sites[0]`` and right of
        ``sites[-1]`` must be current (the window contains or touches the centre).

        Examples
        --------
        >>> import quimb.tensor as qtn
        >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
        >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
        >>> st = make_state(random_mps([2] * 4, 4, seed=0), W, center=1)
        >>> st.operator().shape, st.operator((1, 2)).shape
        ((2, 2, 4), (2, 2, 2, 2))
        """
        sites = (self.center,) if sites is None else tuple(int(i) for i in sites)
        if not sites or list(sites) != list(range(sites[0], sites[-1] + 1)):
            raise ValueError(f"sites must be consecutive and non-empty, got {sites}")
        if self.left[sites[0]] is None or self.right[sites[-1]] is None:
            raise ValueError(f"the environments of sites {sites} are not current; the "
                             f"window must contain or touch the centre {self.center}")
        return EffectiveOperator(self.left[sites[0]], [self.mpo[i] for i in sites],
                                 self.right[sites[-1]], self.penalty_terms(sites))

    def bond_operator(self, bond: int) -> EffectiveOperator:
        """The zero-site effective operator on the bond between ``bond`` and ``bond + 1``
        (needs ``left[bond + 1]`` and ``right[bond]``, i.e. a centre moving across it).

        Examples
        --------
        >>> import quimb.tensor as qtn
        >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
        >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
        >>> st = make_state(random_mps([2] * 3, 2, seed=0), W, center=0)
        >>> st.right[0].shape
        (2, 2, 2)
        """
        return EffectiveOperator(self.left[bond + 1], (), self.right[bond])

    def penalty_terms(self, sites) -> list:
        r"""Rank-one terms :math:`(\mu, p)` of the projections on the window ``sites``.

        Examples
        --------
        >>> import quimb.tensor as qtn
        >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
        >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
        >>> phi = random_mps([2] * 3, 2, seed=1)
        >>> st = make_state(random_mps([2] * 3, 2, seed=0), W, projections=[Projection(phi, 2.0)])
        >>> [(mu, p.shape) for mu, p in st.penalty_terms((0,))]
        [(2.0, (1, 2, 2))]
        """
        out = []
        i0, i1 = sites[0], sites[-1]
        for p in self.projections:
            v = p.left[i0].conj().T  # (a_psi, x_phi)
            for i in sites:
                v = np.tensordot(v, p.tensors[i], axes=([v.ndim - 1], [0]))
            v = np.tensordot(v, p.right[i1].conj(), axes=([v.ndim - 1], [0]))
            out.append((p.weight, v))
        return out


def make_state(tensors: Sequence[np.ndarray], mpo: Sequence[np.ndarray], *, center: int = 0,
               roots: np.ndarray | None = None, projections: Sequence[Projection] = ()
               ) -> SweepState:
    """Bring an MPS into mixed canonical form around ``center`` and build environments.

    Parameters
    ----------
    tensors : list of ndarray (Dl, d, Dr)
        The MPS (not modified). Its norm is discarded (the centre is normalised).
    mpo : list of ndarray (wl, wr, d, d)
        The MPO arrays (see :mod:`vibmpo.solvers.mps`).
    center : int
        Site of the orthogonality centre.
    roots : ndarray (k, Dl, d, Dr), optional
        Centre tensor with ``k`` roots to use instead of the canonicalised centre of
        ``tensors`` (its shape must match); rows are orthonormalised (roots beyond the
        dimension of the centre tensor start as zero and are filled by the first
        two-site step).
    projections : sequence of Projection
        States to build overlap environments with.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 4, 3, seed=0), W, center=1)
    >>> st.tensors[1].shape, st.n_roots
    ((1, 2, 2, 3), 1)
    """
    n = len(tensors)
    if len(mpo) != n:
        raise ValueError(f"MPS has {n} sites but the MPO has {len(mpo)}")
    for i, (a, w) in enumerate(zip(tensors, mpo, strict=True)):
        if a.ndim != 3 or w.ndim != 4 or a.shape[1] != w.shape[3] or w.shape[2] != w.shape[3]:
            raise ValueError(
                f"site {i}: MPS tensor {a.shape} (want (Dl, d, Dr)) and MPO tensor {w.shape} "
                "(want (wl, wr, d, d)) do not fit together"
            )
    if not 0 <= center < n:
        raise ValueError(f"center must be in [0, {n - 1}], got {center}")
    t, _ = left_canonicalize(tensors, upto=center)
    t, _ = right_canonicalize(t, downto=center)
    c = t[center]
    if roots is None:
        c = (c / np.linalg.norm(c))[None]
    else:
        roots = np.asarray(roots)
        if roots.shape[1:] != c.shape:
            raise ValueError(f"roots must have shape (k, {c.shape}), got {roots.shape}")
        k = roots.shape[0]
        q, _ = np.linalg.qr(roots.reshape(k, -1).T)
        c = np.zeros((k, c.size), dtype=np.result_type(q, c))
        c[: q.shape[1]] = q.T  # more roots than the site holds: the rest start at zero
        c = c.reshape(roots.shape)
    t[center] = c
    dtype = np.result_type(*t, *mpo)
    left = [None] * n
    right = [None] * n
    left[0] = np.ones((1, 1, 1), dtype=dtype)
    right[n - 1] = np.ones((1, 1, 1), dtype=dtype)
    for i in range(center):
        left[i + 1] = left_env_step(left[i], t[i], mpo[i])
    for i in range(n - 1, center, -1):
        right[i - 1] = right_env_step(right[i], t[i], mpo[i])
    st = SweepState(tensors=t, mpo=list(mpo), center=center, left=left, right=right)
    for p in projections:
        _init_projection(st, p)
        st.projections.append(p)
    return st


def _init_projection(st: SweepState, p: Projection):
    n = st.n_sites
    if len(p.tensors) != n:
        raise ValueError("projection state has a different number of sites")
    p.left = [None] * n
    p.right = [None] * n
    p.left[0] = np.ones((1, 1))
    p.right[n - 1] = np.ones((1, 1))
    for i in range(st.center):
        p.left[i + 1] = overlap_left_step(p.left[i], st.tensors[i], p.tensors[i])
    for i in range(n - 1, st.center, -1):
        p.right[i - 1] = overlap_right_step(p.right[i], st.tensors[i], p.tensors[i])


def root_tensors(st: SweepState, root: int = 0) -> list[np.ndarray]:
    """The MPS of one root as a list of ``(Dl, d, Dr)`` arrays (copies of the centre only).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mps_overlap, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 3, 2, seed=0), W, center=1)
    >>> st.tensors[1].shape, root_tensors(st)[1].shape
    ((1, 2, 2, 2), (2, 2, 2))
    >>> round(mps_overlap(root_tensors(st), root_tensors(st)), 12)
    1.0
    """
    t = list(st.tensors)
    t[st.center] = np.array(t[st.center][root])
    return t


def _penalties(st: SweepState, sites):
    return st.penalty_terms(sites)


def _operator(st: SweepState, sites) -> EffectiveOperator:
    return st.operator(sites)


# --------------------------------------------------------------------------------------
# half sweeps
# --------------------------------------------------------------------------------------
LocalStep = Callable[[np.ndarray, EffectiveOperator, StepInfo], np.ndarray]


def _check_direction(direction, st, sites_needed):
    if direction not in ("lr", "rl"):
        raise ValueError(f"direction must be 'lr' or 'rl', got {direction!r}")
    start = 0 if direction == "lr" else st.n_sites - 1
    if st.center != start:
        raise ValueError(
            f"a {direction!r} half sweep must start with the centre at site {start}, "
            f"it is at {st.center}"
        )
    if st.n_sites < sites_needed:
        raise ValueError(f"need at least {sites_needed} sites, got {st.n_sites}")


def _update_left(st: SweepState, i):
    st.left[i + 1] = left_env_step(st.left[i], st.tensors[i], st.mpo[i])
    for p in st.projections:
        p.left[i + 1] = overlap_left_step(p.left[i], st.tensors[i], p.tensors[i])


def _update_right(st: SweepState, i):
    st.right[i - 1] = right_env_step(st.right[i], st.tensors[i], st.mpo[i])
    for p in st.projections:
        p.right[i - 1] = overlap_right_step(p.right[i], st.tensors[i], p.tensors[i])


def sweep_two_site(st: SweepState, step: LocalStep, *, direction: str, maxdim=None,
                   cutoff: float = 0.0, mindim: int = 1, site_step: LocalStep | None = None,
                   sweep: int = 0) -> list[StepRecord]:
    """One two-site half sweep (``"lr"``: centre 0 -> L-1; ``"rl"``: L-1 -> 0).

    For each pair ``(i, i+1)`` the merged tensor ``theta`` (``(k, Dl, d1, d2, Dr)``) is
    passed to ``step``; the result is split by a truncated SVD (the root axis travels
    with the centre, so the kept basis is optimal for the average over roots) and the
    environments are updated. If ``site_step`` is given it is applied to the new
    one-site centre after every split except the last (two-site TDVP: backward one-site
    step). Returns one :class:`StepRecord` per split.

    Examples
    --------
    A minimal two-site DMRG (exact here: bonds up to 4 hold any 4-site state of qubits):

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> def lowest(theta, op, info):  # the DMRG local step: lowest eigenvector
    ...     return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)
    >>> st = make_state(random_mps([2] * 4, 4, seed=0), W, center=0)
    >>> for direction in ("lr", "rl"):
    ...     records = sweep_two_site(st, lowest, direction=direction, maxdim=4)
    >>> [(r.bond, r.bond_dim) for r in records]
    [(2, 2), (1, 4), (0, 2)]
    >>> e = mps_expectation(root_tensors(st), W)
    >>> bool(np.isclose(e, np.linalg.eigvalsh(mpo_to_dense(W))[0]))
    True
    """
    _check_direction(direction, st, 2)
    n = st.n_sites
    records = []
    pairs = range(n - 1) if direction == "lr" else range(n - 2, -1, -1)
    for i in pairs:
        if direction == "lr":
            theta = np.tensordot(st.tensors[i], st.tensors[i + 1], axes=([3], [0]))
        else:
            theta = np.tensordot(st.tensors[i + 1], st.tensors[i], axes=([1], [2]))
            theta = np.moveaxis(theta, (3, 4), (1, 2))  # (k, a, s1, s2, c)
        op = _operator(st, (i, i + 1))
        theta = step(theta, op, StepInfo((i, i + 1), direction, sweep))
        k, a, d1, d2, c = theta.shape
        if direction == "lr":
            m = theta.transpose(1, 2, 0, 3, 4).reshape(a * d1, k * d2 * c)
            u, s, vh, eps = truncated_svd(m, maxdim=maxdim, cutoff=cutoff, mindim=mindim)
            st.tensors[i] = u.reshape(a, d1, -1)
            sv = (s[:, None] * vh).reshape(-1, k, d2, c)
            st.tensors[i + 1] = sv.transpose(1, 0, 2, 3)
            st.center = i + 1
            _update_left(st, i)
        else:
            m = theta.reshape(k * a * d1, d2 * c)
            u, s, vh, eps = truncated_svd(m, maxdim=maxdim, cutoff=cutoff, mindim=mindim)
            st.tensors[i + 1] = vh.reshape(-1, d2, c)
            st.tensors[i] = (u * s).reshape(k, a, d1, -1)
            st.center = i
            _update_right(st, i + 1)
        records.append(StepRecord((i, i + 1), i, len(s), eps))
        j = st.center
        if site_step is not None and 0 < j < n - 1:
            op1 = _operator(st, (j,))
            st.tensors[j] = site_step(st.tensors[j], op1, StepInfo((j,), direction, sweep))
    return records


def sweep_one_site(st: SweepState, step: LocalStep, *, direction: str, maxdim=None,
                   cutoff: float = 0.0, expansion: float = 0.0,
                   bond_step: LocalStep | None = None, sweep: int = 0) -> list[StepRecord]:
    r"""One one-site half sweep with optional subspace expansion and backward bond step.

    For each site ``i`` (in the sweep direction) ``step`` updates the centre tensor
    (``(k, Dl, d, Dr)``); then, except at the last site of the sweep, the centre moves on:
    a QR decomposition (or a truncated SVD if ``maxdim``/``cutoff``/``expansion`` is set or
    ``k > 1``) leaves an orthonormal site tensor and a bond matrix ``C`` (``(k, D, D')``).
    If ``bond_step`` is given it is called as ``bond_step(C, op0, info)`` with the
    zero-site effective operator between the two sites (TDVP: backward evolution), and
    ``C`` is absorbed into the next site.

    ``expansion = alpha > 0`` enriches the kept basis with
    :math:`\alpha\,(L W \theta)` (normalised to the norm of :math:`\theta`) before the
    SVD (subspace expansion / density-matrix perturbation), so that one-site DMRG can
    still grow bonds and escape local minima.

    Examples
    --------
    One-site DMRG at fixed bond dimensions reaches the ground state of a small MPO:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> def lowest(theta, op, info):  # the DMRG local step: lowest eigenvector
    ...     return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)
    >>> st = make_state(random_mps([2] * 4, 4, seed=0), W, center=0)
    >>> for direction in ("lr", "rl") * 3:
    ...     _ = sweep_one_site(st, lowest, direction=direction)
    >>> e = mps_expectation(root_tensors(st), W)
    >>> bool(np.isclose(e, np.linalg.eigvalsh(mpo_to_dense(W))[0]))
    True
    """
    _check_direction(direction, st, 1)
    n = st.n_sites
    records = []
    sites = range(n) if direction == "lr" else range(n - 1, -1, -1)
    for i in sites:
        op = _operator(st, (i,))
        theta = step(st.tensors[i], op, StepInfo((i,), direction, sweep))
        k, a, d, b = theta.shape
        last = (direction == "lr" and i == n - 1) or (direction == "rl" and i == 0)
        if last:
            st.tensors[i] = theta
            break
        # the one rule for one-site splits: QR (exact, norm- and energy-conserving)
        # unless the split must truncate or enrich: several roots, subspace expansion,
        # a discarded-weight cutoff or a bond above maxdim
        bond = b if direction == "lr" else a
        use_svd = (k > 1 or expansion > 0 or cutoff > 0
                   or (maxdim is not None and bond > maxdim))
        if direction == "lr":
            m = theta.transpose(1, 2, 0, 3).reshape(a * d, k * b)
            if use_svd:
                big = m
                if expansion > 0:
                    t = np.tensordot(st.left[i], theta, axes=([2], [1]))  # (a, w, k, s', b)
                    t = np.tensordot(t, st.mpo[i], axes=([1, 3], [0, 3]))  # (a, k, b, w', s)
                    pm = t.transpose(0, 4, 1, 3, 2).reshape(a * d, -1)
                    nrm = np.linalg.norm(pm)
                    if nrm > 0:
                        big = np.hstack([m, pm * (expansion * np.linalg.norm(m) / nrm)])
                u, _, _, eps = truncated_svd(big, maxdim=maxdim, cutoff=cutoff)
                c = u.conj().T @ m
            else:
                u, c = np.linalg.qr(m)
                eps = 0.0
            st.tensors[i] = u.reshape(a, d, -1)
            _update_left(st, i)
            c = c.reshape(-1, k, b).transpose(1, 0, 2)  # (k, D', b)
            if bond_step is not None:
                op0 = st.bond_operator(i)
                c = bond_step(c, op0, StepInfo((i, i + 1), direction, sweep))
            nxt = np.tensordot(c, st.tensors[i + 1], axes=([2], [0]))
            st.tensors[i + 1] = nxt
            st.center = i + 1
            records.append(StepRecord((i,), i, u.shape[1], eps))
        else:
            m = theta.reshape(k * a, d * b)
            if use_svd:
                big = m
                if expansion > 0:
                    t = np.tensordot(theta, st.right[i], axes=([3], [2]))  # (k, a, s', b, w')
                    t = np.tensordot(t, st.mpo[i], axes=([4, 2], [1, 3]))  # (k, a, b, w, s)
                    pm = t.transpose(0, 1, 3, 4, 2).reshape(-1, d * b)
                    nrm = np.linalg.norm(pm)
                    if nrm > 0:
                        big = np.vstack([m, pm * (expansion * np.linalg.norm(m) / nrm)])
                _, _, vh, eps = truncated_svd(big, maxdim=maxdim, cutoff=cutoff)
                c = m @ vh.conj().T
            else:
                q, r = np.linalg.qr(m.T)
                vh, c = q.T, r.T
                eps = 0.0
            st.tensors[i] = vh.reshape(-1, d, b)
            _update_right(st, i)
            c = c.reshape(k, a, -1)  # (k, a, D')
            if bond_step is not None:
                op0 = st.bond_operator(i - 1)
                c = bond_step(c, op0, StepInfo((i - 1, i), direction, sweep))
            prv = np.tensordot(st.tensors[i - 1], c, axes=([2], [1]))  # (a0, s, k, D')
            st.tensors[i - 1] = prv.transpose(2, 0, 1, 3)
            st.center = i - 1
            records.append(StepRecord((i,), i - 1, vh.shape[0], eps))
    return records


# --------------------------------------------------------------------------------------
# the sweep driver: schedules, local updates, observers
# --------------------------------------------------------------------------------------
def schedule_values(value, name: str, cast=float) -> list:
    """A schedule as a non-empty list: a scalar or a sequence (per sweep, last repeats).

    ``None`` entries stay ``None`` (e.g. no bond-dimension limit); negative ones raise.

    Examples
    --------
    >>> schedule_values((8, 16), "maxdim", int), schedule_values(1e-12, "cutoff")
    ([8, 16], [1e-12])
    """
    vals = [value] if np.isscalar(value) or value is None else list(value)
    if not vals:
        raise ValueError(f"{name} schedule is empty; give a value or a non-empty sequence")
    out = []
    for v in vals:
        if v is None:
            out.append(None)
            continue
        v = cast(v)
        if v < 0:
            raise ValueError(f"{name} must be non-negative, got {v}")
        out.append(v)
    return out


@dataclass(frozen=True)
class SweepSettings:
    """Settings of one sweep: 1 or 2 sites, bond-dimension limit, cutoff, expansion.

    Examples
    --------
    >>> SweepSettings(nsites=1, maxdim=16)
    SweepSettings(nsites=1, maxdim=16, cutoff=0.0, expansion=0.0)
    """

    nsites: int = 2
    maxdim: int | None = None
    cutoff: float = 0.0
    expansion: float = 0.0


class Schedule:
    """Per-sweep :class:`SweepSettings` from schedules ("scalar or sequence, last repeats").

    Examples
    --------
    >>> sch = Schedule(nsites=(2, 1), maxdim=(8, 16, 32), cutoff=1e-12)
    >>> sch.at(0), sch.at(5).maxdim, sch.n_warm
    (SweepSettings(nsites=2, maxdim=8, cutoff=1e-12, expansion=0.0), 32, 2)
    """

    def __init__(self, *, nsites=2, maxdim=None, cutoff=0.0, expansion=0.0):
        self.values = dict(nsites=schedule_values(nsites, "nsites", int),
                           maxdim=schedule_values(maxdim, "maxdim", int),
                           cutoff=schedule_values(cutoff, "cutoff"),
                           expansion=schedule_values(expansion, "expansion"))
        if any(v not in (1, 2) for v in self.values["nsites"]):
            raise ValueError(f"nsites must contain only 1 and 2, got {self.values['nsites']}")

    @property
    def n_warm(self) -> int:
        """First sweep at which every schedule has reached its last value."""
        return max(len(v) for v in self.values.values()) - 1

    def at(self, sweep: int) -> SweepSettings:
        """Settings of sweep number ``sweep`` (0-based)."""
        v = {k: vals[min(sweep, len(vals) - 1)] for k, vals in self.values.items()}
        return SweepSettings(nsites=int(v["nsites"]), maxdim=v["maxdim"],
                             cutoff=float(v["cutoff"] or 0.0),
                             expansion=float(v["expansion"] or 0.0))

    def __call__(self, sweep: int, st: SweepState) -> SweepSettings:
        return self.at(sweep)


@dataclass(frozen=True)
class LocalUpdate:
    """What a solver hands the driver: its local steps.

    ``forward`` acts on every (one- or two-site) centre tensor (DMRG: lowest
    eigenvectors; TDVP: :math:`e^{-iH_\\mathrm{eff}\\delta t/2}`); ``backward``, if given,
    on the bond matrix (one-site sweeps) or the new one-site centre (two-site sweeps)
    after each split (TDVP's backward steps); ``prepare(st, settings)`` runs before each
    sweep (e.g. a basis expansion).

    Examples
    --------
    >>> LocalUpdate(lambda theta, op, info: theta).backward is None
    True
    """

    forward: Callable
    backward: Callable | None = None
    prepare: Callable | None = None


def full_sweep(st: SweepState, update: LocalUpdate, settings: SweepSettings, *,
               sweep: int = 0) -> list[StepRecord]:
    """One sweep: a left-to-right then a right-to-left half sweep (centre 0 -> 0).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 3, 2, seed=0), W)
    >>> recs = full_sweep(st, LocalUpdate(lambda t, op, info: t), SweepSettings(nsites=2))
    >>> [r.bond for r in recs], st.center
    ([0, 1, 1, 0], 0)
    """
    if update.prepare is not None:
        update.prepare(st, settings)
    records = []
    for direction in ("lr", "rl"):
        if settings.nsites == 2 and st.n_sites > 1:
            records += sweep_two_site(st, update.forward, direction=direction,
                                      maxdim=settings.maxdim, cutoff=settings.cutoff,
                                      site_step=update.backward, sweep=sweep)
        else:
            records += sweep_one_site(st, update.forward, direction=direction,
                                      maxdim=settings.maxdim, cutoff=settings.cutoff,
                                      expansion=settings.expansion,
                                      bond_step=update.backward, sweep=sweep)
    return records


def run_sweeps(st: SweepState, update: LocalUpdate, schedule, *, nsweeps: int,
               observer: Callable | None = None, first: int = 0) -> int:
    """The sweep driver shared by DMRG and TDVP.

    Runs up to ``nsweeps`` sweeps (:func:`full_sweep`); the settings of sweep ``s`` come
    from ``schedule`` (a :class:`Schedule` or a callable ``(s, st) -> SweepSettings``);
    after each sweep ``observer(s, st, records, settings)`` is called and may return
    ``True`` to stop. Returns the number of sweeps run.

    Examples
    --------
    A small two-site DMRG that stops once the energy is stationary:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> def lowest(theta, op, info):
    ...     return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)
    >>> energies = []
    >>> def observe(s, st, records, settings):
    ...     energies.append(mps_expectation(root_tensors(st), W))
    ...     return len(energies) > 1 and abs(energies[-1] - energies[-2]) < 1e-12
    >>> st = make_state(random_mps([2] * 4, 2, seed=0), W)
    >>> n = run_sweeps(st, LocalUpdate(lowest), Schedule(maxdim=4), nsweeps=10,
    ...                observer=observe)
    >>> bool(np.isclose(energies[-1], np.linalg.eigvalsh(mpo_to_dense(W))[0])), n < 10
    (True, True)
    """
    for s in range(first, first + int(nsweeps)):
        settings = schedule(s, st)
        records = full_sweep(st, update, settings, sweep=s)
        if observer is not None and observer(s, st, records, settings):
            return s - first + 1
    return int(nsweeps)


# --------------------------------------------------------------------------------------
# global subspace expansion
# --------------------------------------------------------------------------------------
def expand_right_bases(st: SweepState, vectors: Sequence[Sequence[np.ndarray]],
                       targets: Sequence[int], *, rel_tol: float = 1e-12) -> list[int]:
    r"""Enlarge the right bases of a state (centre at site 0) without changing it.

    Global subspace expansion (Yang & White, PRB 102, 094315 (2020)): going right to
    left, the basis of site ``i`` (the rows of its right-orthonormal tensor, bond
    ``i - 1``) is extended by the dominant directions of the reduced density matrix of
    the ``vectors`` (e.g. Krylov vectors :math:`H|\psi\rangle, H^2|\psi\rangle`, each
    normalised), projected onto the complement of the current basis, up to
    ``targets[i - 1]`` states. The new rows meet zero columns in site ``i - 1``, so
    :math:`|\psi\rangle` is unchanged while later one-site steps can populate them.
    Right environments are rebuilt. Returns the new bond dimensions.

    Examples
    --------
    A product state's bonds grow to hold :math:`H|\psi\rangle` and the state is kept:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_apply, mpo_arrays, mps_to_dense, product_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> psi = product_mps([np.array([1.0, 0.0])] * 4)
    >>> st = make_state(psi, W)
    >>> expand_right_bases(st, [mpo_apply(W, psi)], [4, 4, 4])
    [2, 4, 2]
    >>> bool(np.allclose(mps_to_dense(root_tensors(st)), mps_to_dense(psi)))
    True
    """
    if st.center != 0:
        raise ValueError(f"expand_right_bases needs the centre at site 0, it is at {st.center}")
    n = st.n_sites
    # no bond can usefully exceed the dimension of the sites on its left
    left_full = np.cumsum(np.log([a.shape[-2] for a in st.tensors]))
    vecs = [left_canonicalize(list(v))[0] for v in vectors]
    overlaps = [np.ones((1, 1), dtype=np.result_type(st.tensors[-1], v[-1])) for v in vecs]
    for i in range(n - 1, 0, -1):
        b = st.tensors[i]
        dl, d, dr = b.shape
        bm = b.reshape(dl, d * dr)
        blocks = []
        for v, o in zip(vecs, overlaps, strict=True):
            m = np.tensordot(v[i], o, axes=([2], [1])).reshape(v[i].shape[0], d * dr)
            nrm = np.linalg.norm(m)
            if nrm > 0:
                blocks.append(m / nrm)
        cap = int(min(np.exp(min(left_full[i - 1], np.log(2**31))) + 0.5, d * dr))
        want = min(int(targets[i - 1]), cap) - dl
        if want > 0 and blocks:
            m = np.vstack(blocks)
            for _ in range(2):
                m = m - (m @ bm.conj().T) @ bm
            _, s, vh = np.linalg.svd(m, full_matrices=False)
            keep = int(np.count_nonzero(s > rel_tol * max(1.0, float(s[0]) if s.size else 0)))
            new = vh[: min(want, keep)]
            if new.shape[0]:
                new = new.astype(np.result_type(bm, new), copy=False)
                bm = np.vstack([bm, new])
                st.tensors[i] = bm.reshape(-1, d, dr)
                prev = st.tensors[i - 1]
                pad = [(0, 0)] * (prev.ndim - 1) + [(0, new.shape[0])]
                st.tensors[i - 1] = np.pad(prev, pad)
        b = st.tensors[i]
        overlaps = [np.tensordot(np.tensordot(b.conj(), o, axes=([2], [0])), v[i],
                                 axes=([1, 2], [1, 2])) for v, o in zip(vecs, overlaps,
                                                                         strict=True)]
    for i in range(n - 1, 0, -1):
        st.right[i - 1] = right_env_step(st.right[i], st.tensors[i], st.mpo[i])
    for p in st.projections:
        _init_projection(st, p)
    return st.bond_dims()
