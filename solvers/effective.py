r"""The effective operator of a window of sites: the local problem of DMRG and TDVP.

With the sites left of the window left-orthonormal and those right of it
right-orthonormal, the Hamiltonian projected onto the window is

.. math::

    (H_\mathrm{eff}\,x)_{a s c} = \sum L_{a w a'}\, W^{s s'}_{w w'} \cdots R_{c w'' c'}\,
    x_{a' s' c'} + \sum_j \mu_j\, p_j \langle p_j | x \rangle ,

with the environments ``L``/``R`` (:mod:`vibmpo.solvers.mps`) and optional rank-one
penalty terms. :class:`EffectiveOperator` applies it with contraction layouts fixed at
construction (one matrix product per tensor), with dedicated paths for the hot cases of
TDVP: one site and one vector, and the zero-site (bond) operator. Given the diagonal
plus rank-one form of a one-site MPO tensor (:func:`vibmpo.solvers.site_split.split_site`:
potential diagonal on the grid, kinetic energy a few rank-one terms), the one-site
product folds the diagonal part into the left environment once per operator,

.. math::

    (H_\mathrm{eff}\,x)_{a s c} = \sum_{w' a' c'} (L D)_{s, a w', a'}\, x_{a' s c'}\,
    R_{c w' c'} + \sum_m M^{(m)}_{s s'}\, (L u_m)_{a a'}\, x_{a' s' c'}\,
    (R v_m)_{c c'} ,

which costs :math:`O(d\,w\,D^3)` per product instead of the :math:`O(d^2 w^2 D^2)` of the
dense MPO tensor.
"""

from __future__ import annotations

import numpy as np

from .mps import matmul_real_left

__all__ = ["EffectiveOperator"]


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
    split : SiteSplit, optional
        Diagonal plus rank-one form of the MPO tensor of a one-site operator
        (:func:`vibmpo.solvers.site_split.split_site`); used for single vectors when it
        needs fewer operations than the dense tensor.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> L = rng.standard_normal((2, 3, 2)); R = rng.standard_normal((2, 3, 2))
    >>> op = EffectiveOperator(L, (), R)
    >>> x = rng.standard_normal((2, 2))
    >>> bool(np.allclose(op.matvec(x), np.einsum("awb,bc,dwc->ad", L, x, R)))
    True
    """

    def __init__(self, left, ws, right, penalties=(), split=None):
        self.left = left
        self.ws = tuple(ws)
        self.right = right
        self.penalties = list(penalties)
        self.shape = (left.shape[0], *[w.shape[2] for w in self.ws], right.shape[0])
        self.size = int(np.prod(self.shape))
        self.dtype = np.result_type(left, right, *self.ws,
                                    *[p for _, p in self.penalties])
        # the penalties as one (size, n_p) matrix and its weights: two matrix products
        # per application whatever their number (not one outer product each)
        if self.penalties:
            self._pm = np.stack([np.asarray(p).reshape(-1) for _, p in self.penalties], 1)
            self._pw = np.array([float(mu) for mu, _ in self.penalties])
        # contraction layouts fixed once per operator (one matrix product per tensor):
        # L as (w a', a), each W as (s' w', w s), R as (w' c, c')
        a_out, wl, a_in = left.shape
        self._lm = np.ascontiguousarray(left.transpose(1, 0, 2)).reshape(wl * a_out, a_in)
        self._wm = [np.ascontiguousarray(w.transpose(2, 1, 0, 3)).reshape(
            w.shape[2] * w.shape[1], w.shape[0] * w.shape[3]) for w in self.ws]
        c_out, wr, c_in = right.shape
        self._rm = np.ascontiguousarray(right.transpose(1, 2, 0)).reshape(wr * c_in, c_out)
        self._split = split if len(self.ws) == 1 and self._split_pays(split) else None
        self._folded = None

    def _split_pays(self, split):
        """Whether the diagonal plus rank-one product is cheaper than the dense one."""
        if split is None:
            return False
        a, d, c = self.shape
        wl, wr = self.ws[0].shape[:2]
        env = wl * a * a * d * c + wr * a * d * c * c
        dense = env + wl * wr * d * d * a * c
        # D is folded into the environment of the larger bond once per operator (used
        # by several products in Lanczos); the products then run over the smaller bond
        split_cost = (d * min(wl, wr) * a * c * (a + c) + d * wr * wl * max(a, c) ** 2 / 4
                      + split.n_terms * (a * a + d * d + a * c) * d * c)
        return split_cost < 0.8 * dense

    def _fold(self):
        """Per-operator factors of the split product: (L D) or (R D), L u_m, (R v_m)^T, M."""
        sp = self._split
        a, d, c = self.shape
        wl, wr = self.ws[0].shape[:2]
        a_in, c_in = self.left.shape[2], self.right.shape[2]
        if wl < wr:  # (R D)[s, (w, c'), c]: the products run over the left bond
            dm = np.ascontiguousarray(sp.diagonal.transpose(2, 0, 1)).reshape(d * wl, wr)
            rw = np.ascontiguousarray(self.right.transpose(1, 0, 2)).reshape(wr, c * c_in)
            fold = matmul_real_left(dm, rw).reshape(d, wl, c, c_in).transpose(0, 1, 3, 2)
            fold = ("right", np.ascontiguousarray(fold).reshape(d, wl * c_in, c))
        else:  # (L D)[s, (a, w'), a']: the products run over the right bond
            dm = np.ascontiguousarray(sp.diagonal.transpose(2, 1, 0)).reshape(d * wr, wl)
            ld = matmul_real_left(dm, self._lm.reshape(wl, a * a_in))  # (s, w', a, a')
            ld = np.ascontiguousarray(ld.reshape(d, wr, a, a_in).transpose(0, 2, 1, 3))
            fold = ("left", ld.reshape(d, a * wr, a_in))
        lu = np.tensordot(sp.left, self.left, axes=([1], [1]))  # (m, a, a')
        rv = np.tensordot(sp.right, self.right, axes=([1], [1]))  # (m, c, c')
        mats = np.ascontiguousarray(sp.mats.transpose(1, 0, 2)).reshape(d, -1)  # (s, m s')
        self._folded = (fold, lu, np.ascontiguousarray(rv.transpose(0, 2, 1)), mats)
        return self._folded

    def _apply_one_site_split(self, x):
        """One site, one vector, through the diagonal plus rank-one form of W."""
        (side, fold), lu, rvt, mats = self._folded or self._fold()
        a, d, c = self.shape
        x3 = x.reshape(a, d, c)
        if side == "left":
            t = np.matmul(fold, x3.transpose(1, 0, 2))  # (s, a w', c')
            t = np.matmul(t.reshape(d, a, -1), self._rm)  # (s, a, c)
        else:
            wl = self._lm.shape[0] // a
            t = (self._lm @ x3.reshape(a, d * c)).reshape(wl, a, d, c)  # (w, a, s, c')
            t = np.ascontiguousarray(t.transpose(2, 1, 0, 3)).reshape(d, a, wl * c)
            t = np.matmul(t, fold)  # (s, a, c)
        n = lu.shape[0]
        if n:
            y = np.matmul(lu, x3.reshape(a, d * c))  # (m, a, s' c')
            y = np.matmul(y.reshape(n, a * d, c), rvt)  # (m, a s', c)
            y = np.ascontiguousarray(y.reshape(n, a, d, c).transpose(0, 2, 1, 3))
            t += matmul_real_left(mats, y.reshape(n * d, a * c)).reshape(d, a, c)
        return np.ascontiguousarray(t.transpose(1, 0, 2)).reshape(x.shape)

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
        if m == 1 and self._split is not None:
            t = self._apply_one_site_split(x)
        elif m == 1 and len(self.ws) == 1:
            t = self._apply_one_site(x)
        elif m == 1 and not self.ws:
            t = self._apply_bond(x)
        else:
            t = self._apply_general(x)
        if self.penalties:
            # sum_p mu_p |p><p|x>, as P (w * (P^H x))
            xf = x.reshape(-1, m)
            coef = self._pm.conj().T @ xf
            coef *= self._pw[:, None]
            t = (t.reshape(-1, m) + self._pm @ coef).reshape(x.shape)
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
        if self.penalties:
            t = t + (np.abs(self._pm) ** 2 @ self._pw).reshape(t.shape)
        return t

    def dense(self):
        """Dense matrix (``size`` x ``size``); for small problems and tests."""
        return self.matmat(np.eye(self.size, dtype=self.dtype))
