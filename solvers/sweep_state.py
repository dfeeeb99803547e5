"""The working state of a sweep: an MPS in mixed canonical form with its environments.

A :class:`SweepState` holds the site tensors around an orthogonality centre, the MPO,
the cached left/right environments and, optionally, overlap environments with other
MPS (:class:`Projection` penalties). It hands out the effective operator of any window
touching the centre (:meth:`SweepState.operator`) and updates its environments
incrementally as the centre moves (:meth:`SweepState.update_left`,
:meth:`SweepState.update_right`). Build it with :func:`make_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .effective import EffectiveOperator
from .mps import (
    left_canonicalize,
    left_env_step,
    overlap_left_step,
    overlap_right_step,
    right_canonicalize,
    right_env_step,
)
from .site_split import split_site

__all__ = ["Projection", "StepInfo", "StepRecord", "SweepState", "make_state",
           "root_tensors"]


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
    >>> from vibmpo.solvers.half_sweeps import sweep_two_site
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
    >>> from vibmpo.solvers.half_sweeps import sweep_two_site
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
    >>> from vibmpo.solvers.half_sweeps import sweep_two_site
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
    splits: dict = field(default_factory=dict, repr=False)

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
        split = self.site_split(sites[0]) if len(sites) == 1 else None
        return EffectiveOperator(self.left[sites[0]], [self.mpo[i] for i in sites],
                                 self.right[sites[-1]], self.penalty_terms(sites),
                                 split=split)

    def site_split(self, i: int):
        """Diagonal plus rank-one form of MPO site ``i``
        (:func:`vibmpo.solvers.site_split.split_site`; made once, then cached), or
        ``None`` where that form is not exact to rounding.

        Examples
        --------
        >>> import quimb.tensor as qtn
        >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
        >>> W = mpo_arrays(qtn.MPO_ham_heis(4))
        >>> st = make_state(random_mps([2] * 4, 4, seed=0), W)
        >>> st.site_split(1).n_terms  # S+ and S- flip spins, each into and out of the site
        4
        """
        if i not in self.splits:
            sp = split_site(self.mpo[i])
            self.splits[i] = sp if sp.error <= 1e-12 else None
        return self.splits[i]

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

    def update_left(self, i: int) -> None:
        """Extend the left environments (MPO and projections) over the new site ``i``."""
        self.left[i + 1] = left_env_step(self.left[i], self.tensors[i], self.mpo[i])
        for p in self.projections:
            p.left[i + 1] = overlap_left_step(p.left[i], self.tensors[i], p.tensors[i])

    def update_right(self, i: int) -> None:
        """Extend the right environments (MPO and projections) over the new site ``i``."""
        self.right[i - 1] = right_env_step(self.right[i], self.tensors[i], self.mpo[i])
        for p in self.projections:
            p.right[i - 1] = overlap_right_step(p.right[i], self.tensors[i], p.tensors[i])

    def refresh_projections(self) -> None:
        """Rebuild the overlap environments of every projection around the centre."""
        n = self.n_sites
        for p in self.projections:
            if len(p.tensors) != n:
                raise ValueError("projection state has a different number of sites")
            p.left = [None] * n
            p.right = [None] * n
            p.left[0] = np.ones((1, 1))
            p.right[n - 1] = np.ones((1, 1))
            for i in range(self.center):
                p.left[i + 1] = overlap_left_step(p.left[i], self.tensors[i], p.tensors[i])
            for i in range(n - 1, self.center, -1):
                p.right[i - 1] = overlap_right_step(p.right[i], self.tensors[i],
                                                    p.tensors[i])

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
    st.projections.extend(projections)
    st.refresh_projections()
    return st


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
