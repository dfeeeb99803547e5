"""Half sweeps: move the orthogonality centre through the chain, one local step per site.

:func:`sweep_two_site` and :func:`sweep_one_site` call a user-supplied *local step* on
every (merged) centre tensor:

.. code-block:: python

    def step(theta: np.ndarray, op: EffectiveOperator, info: StepInfo) -> np.ndarray:
        ...  # return the updated tensor, same shape as theta

``theta`` always carries a leading *root* axis of length ``k`` (``k = 1`` for a single
state; state-averaged DMRG uses ``k`` roots sharing all other site tensors):
two-site ``(k, Dl, d1, d2, Dr)``, one-site ``(k, Dl, d, Dr)``, bond ``(k, Dl, Dr)``.
Two-site steps are followed by an SVD split with truncation (``maxdim``, ``cutoff``);
one-site steps by a QR (or truncated SVD, with optional subspace expansion) move of the
centre, after which an optional ``bond_step`` acts on the bond matrix between the two
sites -- the backward zero-site step of projector-splitting TDVP. The state is modified
in place (it is the solvers' private working copy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vibmpo.linalg.svd import truncated_svd

from .effective import EffectiveOperator
from .sweep_state import StepInfo, StepRecord, SweepState

__all__ = ["sweep_two_site", "sweep_one_site"]

#: Signature of a local step: ``step(theta, op, info) -> theta'`` (same shape).
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
    >>> from vibmpo.solvers.sweep_state import make_state, root_tensors
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
        op = st.operator((i, i + 1))
        theta = step(theta, op, StepInfo((i, i + 1), direction, sweep))
        k, a, d1, d2, c = theta.shape
        if direction == "lr":
            m = theta.transpose(1, 2, 0, 3, 4).reshape(a * d1, k * d2 * c)
            u, s, vh, eps = truncated_svd(m, maxdim=maxdim, cutoff=cutoff, mindim=mindim)
            st.tensors[i] = u.reshape(a, d1, -1)
            sv = (s[:, None] * vh).reshape(-1, k, d2, c)
            st.tensors[i + 1] = sv.transpose(1, 0, 2, 3)
            st.center = i + 1
            st.update_left(i)
        else:
            m = theta.reshape(k * a * d1, d2 * c)
            u, s, vh, eps = truncated_svd(m, maxdim=maxdim, cutoff=cutoff, mindim=mindim)
            st.tensors[i + 1] = vh.reshape(-1, d2, c)
            st.tensors[i] = (u * s).reshape(k, a, d1, -1)
            st.center = i
            st.update_right(i + 1)
        records.append(StepRecord((i, i + 1), i, len(s), eps))
        j = st.center
        if site_step is not None and 0 < j < n - 1:
            op1 = st.operator((j,))
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
    >>> from vibmpo.solvers.sweep_state import make_state, root_tensors
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
    split = _OneSiteSplit(maxdim, float(cutoff), float(expansion))
    records = []
    sites = range(n) if direction == "lr" else range(n - 1, -1, -1)
    for i in sites:
        theta = step(st.tensors[i], st.operator((i,)), StepInfo((i,), direction, sweep))
        if i == sites[-1]:
            st.tensors[i] = theta
            break
        move = _move_right if direction == "lr" else _move_left
        records.append(move(st, i, theta, split, bond_step, sweep))
    return records


@dataclass(frozen=True)
class _OneSiteSplit:
    """How a one-site centre is split when the centre moves on.

    The one rule for one-site splits: QR (exact, norm- and energy-conserving) unless
    the split must truncate or enrich: several roots, subspace expansion, a
    discarded-weight cutoff or a bond above ``maxdim``.
    """

    maxdim: int | None
    cutoff: float
    expansion: float

    def use_svd(self, k, bond):
        return (k > 1 or self.expansion > 0 or self.cutoff > 0
                or (self.maxdim is not None and bond > self.maxdim))

    def enriched(self, m, pm, axis):
        """``m`` with the expansion term ``pm`` (scaled to ``expansion * |m|``) appended."""
        nrm = np.linalg.norm(pm)
        if self.expansion <= 0 or nrm == 0:
            return m
        return np.concatenate([m, pm * (self.expansion * np.linalg.norm(m) / nrm)], axis=axis)


def _move_right(st, i, theta, split, bond_step, sweep):
    """Split the centre ``theta`` at site ``i`` into a left-orthonormal site and a bond
    matrix, evolve the bond matrix (``bond_step``) and absorb it into site ``i + 1``."""
    k, a, d, b = theta.shape
    m = theta.transpose(1, 2, 0, 3).reshape(a * d, k * b)
    if split.use_svd(k, b):
        pm = None
        if split.expansion > 0:
            t = np.tensordot(st.left[i], theta, axes=([2], [1]))  # (a, w, k, s', b)
            t = np.tensordot(t, st.mpo[i], axes=([1, 3], [0, 3]))  # (a, k, b, w', s)
            pm = t.transpose(0, 4, 1, 3, 2).reshape(a * d, -1)
        big = m if pm is None else split.enriched(m, pm, axis=1)
        u, _, _, eps = truncated_svd(big, maxdim=split.maxdim, cutoff=split.cutoff)
        c = u.conj().T @ m
    else:
        u, c = np.linalg.qr(m)
        eps = 0.0
    st.tensors[i] = u.reshape(a, d, -1)
    st.update_left(i)
    c = c.reshape(-1, k, b).transpose(1, 0, 2)  # (k, D', b)
    if bond_step is not None:
        c = bond_step(c, st.bond_operator(i), StepInfo((i, i + 1), "lr", sweep))
    st.tensors[i + 1] = np.tensordot(c, st.tensors[i + 1], axes=([2], [0]))
    st.center = i + 1
    return StepRecord((i,), i, u.shape[1], eps)


def _move_left(st, i, theta, split, bond_step, sweep):
    """Mirror of :func:`_move_right`: right-orthonormal site ``i``, bond into ``i - 1``."""
    k, a, d, b = theta.shape
    m = theta.reshape(k * a, d * b)
    if split.use_svd(k, a):
        pm = None
        if split.expansion > 0:
            t = np.tensordot(theta, st.right[i], axes=([3], [2]))  # (k, a, s', b, w')
            t = np.tensordot(t, st.mpo[i], axes=([4, 2], [1, 3]))  # (k, a, b, w, s)
            pm = t.transpose(0, 1, 3, 4, 2).reshape(-1, d * b)
        big = m if pm is None else split.enriched(m, pm, axis=0)
        _, _, vh, eps = truncated_svd(big, maxdim=split.maxdim, cutoff=split.cutoff)
        c = m @ vh.conj().T
    else:
        q, r = np.linalg.qr(m.T)
        vh, c = q.T, r.T
        eps = 0.0
    st.tensors[i] = vh.reshape(-1, d, b)
    st.update_right(i)
    c = c.reshape(k, a, -1)  # (k, a, D')
    if bond_step is not None:
        c = bond_step(c, st.bond_operator(i - 1), StepInfo((i - 1, i), "rl", sweep))
    prv = np.tensordot(st.tensors[i - 1], c, axes=([2], [1]))  # (a0, s, k, D')
    st.tensors[i - 1] = prv.transpose(2, 0, 1, 3)
    st.center = i - 1
    return StepRecord((i,), i - 1, vh.shape[0], eps)
