r"""An MPO site tensor as a diagonal part plus a few rank-one off-diagonal terms.

On a discrete-variable-representation grid the potential is diagonal and only the
kinetic energy couples different grid points, so a Hamiltonian MPO site tensor
:math:`W^{s s'}_{w w'}` (left bond ``w``, right bond ``w'``, physical ``s, s'``) is

.. math::

    W^{s s'}_{w w'} = \delta_{s s'}\, D_{w w' s} + \sum_{m=1}^{n} u_{m w}\, v_{m w'}\,
    M^{(m)}_{s s'} ,

with :math:`M^{(m)}` zero on the diagonal and few terms (one per kinetic operator
acting on the site: ``n = 1`` for ``H = T + V``, whatever the MPO's bond dimension).
:func:`split_site` finds this form by two singular value decompositions (of the
off-diagonal part as a ``(w w') x (s s')`` matrix, then of each bond factor), keeping
singular values above ``rel_tol`` times :math:`\lVert W\rVert_F`. The one-site
effective operator then costs :math:`O(d\,w\,D^3)` instead of the
:math:`O(d^2 w^2 D^2)` of the dense MPO product
(:class:`vibmpo.solvers.effective.EffectiveOperator`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SiteSplit", "split_site"]


@dataclass(frozen=True)
class SiteSplit:
    r"""Diagonal plus rank-one form of an MPO site tensor (see :func:`split_site`).

    Attributes
    ----------
    diagonal : ndarray (wl, wr, d)
        :math:`D_{w w' s} = W^{s s}_{w w'}`.
    left : ndarray (n, wl)
        Left bond vectors :math:`u_m`.
    right : ndarray (n, wr)
        Right bond vectors :math:`v_m`.
    mats : ndarray (n, d, d)
        Physical matrices :math:`M^{(m)}` (zero diagonal).
    error : float
        :math:`\lVert W - W_\mathrm{split}\rVert_F / \lVert W\rVert_F` (0 up to rounding
        when no singular value was dropped).

    Examples
    --------
    >>> w = np.zeros((1, 2, 3, 3)); w[0, 0] = np.eye(3); w[0, 1] = np.ones((3, 3))
    >>> sp = split_site(w)
    >>> sp.n_terms, sp.diagonal[0, :, 0].tolist(), bool(np.allclose(sp.dense(), w))
    (1, [1.0, 1.0], True)
    """

    diagonal: np.ndarray
    left: np.ndarray
    right: np.ndarray
    mats: np.ndarray
    error: float

    @property
    def n_terms(self) -> int:
        """Number of rank-one off-diagonal terms ``n``."""
        return int(self.mats.shape[0])

    def dense(self) -> np.ndarray:
        """The site tensor ``(wl, wr, d, d)`` this form represents."""
        wl, wr, d = self.diagonal.shape
        out = np.einsum("abs,st->abst", self.diagonal, np.eye(d))
        return out + np.einsum("ma,mb,mst->abst", self.left, self.right, self.mats)


def split_site(w, *, rel_tol: float = 1e-13) -> SiteSplit:
    r"""Split an MPO site tensor ``(wl, wr, d, d)`` into diagonal and rank-one parts.

    Parameters
    ----------
    w : array_like (wl, wr, d_out, d_in)
        Site tensor with ``d_out == d_in``.
    rel_tol : float, optional
        Singular values of the off-diagonal part (and of its bond factors) at or below
        ``rel_tol`` times :math:`\lVert W\rVert_F` are dropped (default 1e-13, the
        rounding of :func:`vibmpo.solvers.mps.mpo_round`); :attr:`SiteSplit.error`
        reports what that changed.

    Returns
    -------
    SiteSplit

    Examples
    --------
    The site tensor of :math:`H = T_1 + V(q)` on a 3-point grid, ``T_1`` dense and
    ``V`` diagonal in two channels, has one off-diagonal term:

    >>> rng = np.random.default_rng(0)
    >>> t = rng.standard_normal((3, 3)); t = t + t.T
    >>> w = np.zeros((2, 3, 3, 3))
    >>> w[0, 0] = np.eye(3); w[1, 2] = np.eye(3); w[0, 2] = t
    >>> w[0, 1] = np.diag(rng.standard_normal(3)); w[1, 1] = np.diag(rng.standard_normal(3))
    >>> sp = split_site(w)
    >>> sp.n_terms, bool(np.allclose(sp.dense(), w)), sp.error < 1e-14
    (1, True, True)
    """
    w = np.asarray(w)
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"site tensor must have shape (wl, wr, d, d), got {w.shape}")
    wl, wr, d, _ = w.shape
    idx = np.arange(d)
    diagonal = np.ascontiguousarray(w[:, :, idx, idx])
    off = w.copy()
    off[:, :, idx, idx] = 0
    scale = float(rel_tol) * float(np.linalg.norm(w))
    u, s, vh = np.linalg.svd(off.reshape(wl * wr, d * d), full_matrices=False)
    left, right, mats = [], [], []
    for k in np.flatnonzero(s > scale):
        bond = (u[:, k] * s[k]).reshape(wl, wr)
        bu, bs, bvh = np.linalg.svd(bond, full_matrices=False)
        for j in np.flatnonzero(bs > scale):
            left.append(bu[:, j] * bs[j])
            right.append(bvh[j])
            mats.append(vh[k].reshape(d, d))
    dtype = w.dtype
    sp = SiteSplit(
        diagonal=diagonal,
        left=np.array(left, dtype=dtype).reshape(-1, wl),
        right=np.array(right, dtype=dtype).reshape(-1, wr),
        mats=np.array(mats, dtype=dtype).reshape(-1, d, d),
        error=0.0,
    )
    nrm = float(np.linalg.norm(w))
    err = float(np.linalg.norm(sp.dense() - w)) / nrm if nrm > 0 else 0.0
    return SiteSplit(sp.diagonal, sp.left, sp.right, sp.mats, err)
