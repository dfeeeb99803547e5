r"""Tensor-train (MPO) part of the NN-MPO: contraction with basis values, latent
gradients, canonical forms and the exact local least-squares step of the core sweeps.

With basis values ``phi[m, i, :]`` the tensor train is

.. math::

    T(q_m) = \sum_{\rho} W^1[\rho_1] \cdots W^f[\rho_f]\, \phi_{1\rho_1} \cdots \phi_{f\rho_f},

and ``dT/dq_k`` replaces ``phi_k`` by its derivative. Contractions take ``xp`` (NumPy or
``jax.numpy``); canonicalisation and the sweep steps are NumPy (float64).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = [
    "tt_value",
    "tt_value_and_grad",
    "left_orthogonalise",
    "right_orthogonalise",
    "one_body_cores",
    "two_site_design",
    "two_site_solve",
    "split_two_site",
]


def tt_value(cores, phi, xp=np):
    """Tensor-train values ``T(q_m)`` (m,) from basis values ``phi`` (m, f, N).

    Examples
    --------
    >>> cores = (np.ones((1, 2, 1)), np.ones((1, 2, 1)))
    >>> tt_value(cores, np.ones((3, 2, 2))).tolist()
    [4.0, 4.0, 4.0]
    """
    v = xp.ones((phi.shape[0], 1), dtype=phi.dtype)
    for i, core in enumerate(cores):
        v = xp.einsum("ma,mr,arb->mb", v, phi[:, i], core)
    return v[:, 0]


def tt_value_and_grad(cores, phi, dphi, xp=np):
    """Values (m,) and latent gradients ``dT/dq`` (m, f), analytically.

    Carries the left environment and its derivatives with respect to every mode seen so
    far through the train (cost ``O(m f^2 N r^2)``).

    Examples
    --------
    >>> cores = (np.array([[[0.0], [1.0]]]), np.array([[[1.0], [1.0]]]))
    >>> phi = np.array([[[1.0, 2.0], [1.0, 3.0]]]); dphi = np.array([[[0, 1.0], [0, 1.0]]])
    >>> v, g = tt_value_and_grad(cores, phi, dphi)
    >>> v.tolist(), g.tolist()
    ([8.0], [[4.0, 2.0]])
    """
    m, f = phi.shape[0], phi.shape[1]
    v = xp.ones((m, 1), dtype=phi.dtype)
    dv = xp.zeros((m, 0, 1), dtype=phi.dtype)
    for i, core in enumerate(cores):
        a = xp.einsum("mr,arb->mab", phi[:, i], core)
        da = xp.einsum("mr,arb->mab", dphi[:, i], core)
        new_dv = xp.einsum("mka,mab->mkb", dv, a)
        new_d = xp.einsum("ma,mab->mb", v, da)
        dv = xp.concatenate([new_dv, new_d[:, None, :]], axis=1)
        v = xp.einsum("ma,mab->mb", v, a)
    assert dv.shape[1] == f
    return v[:, 0], dv[:, :, 0]


def left_orthogonalise(cores, upto: int):
    """Make cores ``0..upto-1`` left-orthogonal by QR, pushing the remainder right.

    Returns a new tuple; the represented tensor is unchanged.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = (rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> d = left_orthogonalise(c, 1)
    >>> bool(np.allclose(d[0].reshape(3, -1).T @ d[0].reshape(3, -1), np.eye(d[0].shape[2])))
    True
    """
    cores = list(cores)
    for i in range(upto):
        a, n, b = cores[i].shape
        qm, r = np.linalg.qr(cores[i].reshape(a * n, b))
        cores[i] = qm.reshape(a, n, qm.shape[1])
        cores[i + 1] = np.einsum("ab,bnc->anc", r, cores[i + 1])
    return tuple(cores)


def right_orthogonalise(cores, downto: int):
    """Make cores ``downto+1..f-1`` right-orthogonal by LQ, pushing the remainder left.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = (rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> phi = rng.normal(size=(4, 2, 3))
    >>> bool(np.allclose(tt_value(right_orthogonalise(c, 0), phi), tt_value(c, phi)))
    True
    """
    cores = list(cores)
    for i in range(len(cores) - 1, downto, -1):
        a, n, b = cores[i].shape
        qm, r = np.linalg.qr(cores[i].reshape(a, n * b).T)
        cores[i] = qm.T.reshape(qm.shape[1], n, b)
        cores[i - 1] = np.einsum("anb,cb->anc", cores[i - 1], r)
    return tuple(cores)


def one_body_cores(coeffs, constant: float = 0.0):
    r"""Rank-2 cores representing ``constant + sum_i phi_i . coeffs[i]`` exactly.

    Core ``i`` is ``[[phi_i . e0, phi_i . c_i], [0, phi_i . e0]]`` (``e0`` picks the
    constant function), so the product accumulates a sum of one-body terms.

    Examples
    --------
    >>> c = one_body_cores(np.array([[0.0, 1.0], [0.0, 2.0]]), constant=0.5)
    >>> tt_value(c, np.array([[[1.0, 3.0], [1.0, 4.0]]])).tolist()
    [11.5]
    """
    coeffs = np.asarray(coeffs, dtype=np.float64)
    f, n = coeffs.shape
    e0 = np.zeros(n)
    e0[0] = 1.0
    cores = []
    for i in range(f):
        c = coeffs[i].copy()
        if i == 0:
            c[0] += constant
        core = np.zeros((2, n, 2))
        core[0, :, 0] = e0
        core[0, :, 1] = c
        core[1, :, 1] = e0
        if i == 0:
            core = core[:1]
        if i == f - 1:
            core = core[:, :, 1:]
        cores.append(core)
    if f == 1:
        cores[0] = coeffs[0].copy().reshape(1, n, 1)
        cores[0][0, 0, 0] += constant
    return tuple(cores)


def _left_envs(cores, phi, dphi, upto):
    """Left environment (m, r) and its latent derivatives (m, f, r) before site ``upto``."""
    m, f = phi.shape[0], phi.shape[1]
    v = np.ones((m, 1))
    dv = np.zeros((m, f, 1))
    for i in range(upto):
        a = np.einsum("mr,arb->mab", phi[:, i], cores[i])
        da = np.einsum("mr,arb->mab", dphi[:, i], cores[i])
        dv = np.einsum("mka,mab->mkb", dv, a)
        dv[:, i, :] = np.einsum("ma,mab->mb", v, da)
        v = np.einsum("ma,mab->mb", v, a)
    return v, dv


def _right_envs(cores, phi, dphi, downto):
    """Right environment (m, r) and latent derivatives (m, f, r) after site ``downto``."""
    m, f = phi.shape[0], phi.shape[1]
    v = np.ones((m, 1))
    dv = np.zeros((m, f, 1))
    for i in range(len(cores) - 1, downto, -1):
        a = np.einsum("mr,arb->mab", phi[:, i], cores[i])
        da = np.einsum("mr,arb->mab", dphi[:, i], cores[i])
        dv = np.einsum("mab,mkb->mka", a, dv)
        dv[:, i, :] = np.einsum("mab,mb->ma", da, v)
        v = np.einsum("mab,mb->ma", a, v)
    return v, dv


def two_site_design(cores, phi, dphi, site: int, *, forces: bool):
    """Factors of the design rows of the two-site block at ``(site, site+1)``.

    Every row (an energy, or a latent gradient ``dT/dq_k``) is a Kronecker product
    ``left (x) phi_site (x) phi_site+1 (x) right`` in which exactly one factor is
    differentiated for gradient rows. Returns the four factor matrices with rows ordered
    ``[energies (m), d/dq_0 (m), ..., d/dq_{f-1} (m)]`` (gradient rows only if ``forces``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> c = (rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> phi, dphi = rng.normal(size=(5, 3, 3)), rng.normal(size=(5, 3, 3))
    >>> L, A, B, R = two_site_design(c, phi, dphi, 1, forces=False)
    >>> blk = np.einsum("anb,bpc->anpc", c[1], c[2])
    >>> bool(np.allclose(np.einsum("ma,mn,mp,mc,anpc->m", L, A, B, R, blk), tt_value(c, phi)))
    True
    """
    j = site + 1
    L, dL = _left_envs(cores, phi, dphi, site)
    R, dR = _right_envs(cores, phi, dphi, j)
    fa, fb = [phi[:, site]], [phi[:, j]]
    fl, fr = [L], [R]
    if forces:
        f = phi.shape[1]
        for k in range(f):
            fl.append(dL[:, k] if k < site else L)
            fa.append(dphi[:, site] if k == site else phi[:, site])
            fb.append(dphi[:, j] if k == j else phi[:, j])
            fr.append(dR[:, k] if k > j else R)
    return (np.concatenate(fl), np.concatenate(fa), np.concatenate(fb), np.concatenate(fr))


def two_site_solve(factors, target, row_weights, ridge: float):
    r"""Exact ridge least squares for a two-site block, in the dual (kernel) form.

    Minimises :math:`\sum_r w_r (A_r \cdot B - t_r)^2 + \lambda \|B\|^2` where row
    :math:`A_r` is the Kronecker product of the four factors. With the Gram matrix
    :math:`K = A A^T` (a Hadamard product of four small Gram matrices),
    :math:`B = A^T (K + \lambda W^{-1})^{-1} t`, which costs a Cholesky factorisation of
    the number of rows instead of the (much larger) number of block entries.

    Returns the block of shape (r_left, N, N, r_right).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> fac = [rng.normal(size=(30, k)) for k in (1, 3, 3, 1)]
    >>> B0 = rng.normal(size=(1, 3, 3, 1))
    >>> t = np.einsum("ma,mn,mp,mc,anpc->m", *fac, B0)
    >>> B = two_site_solve(fac, t, np.ones(30), 1e-10)
    >>> bool(np.allclose(B, B0, atol=1e-6))
    True
    """
    fl, fa, fb, fr = factors
    K = fl @ fl.T
    K *= fa @ fa.T
    K *= fb @ fb.T
    K *= fr @ fr.T
    K[np.diag_indices_from(K)] += ridge / row_weights
    try:
        cf = scipy.linalg.cho_factor(K, lower=False, overwrite_a=True, check_finite=False)
        alpha = scipy.linalg.cho_solve(cf, target, check_finite=False)
    except np.linalg.LinAlgError:
        alpha = scipy.linalg.lstsq(K, target)[0]
    return np.einsum("m,ma,mn,mp,mc->anpc", alpha, fl, fa, fb, fr, optimize=True)


def split_two_site(block, *, max_rank: int, cutoff: float, direction: str):
    """Split a two-site block by SVD, keeping at most ``max_rank`` singular values above
    ``cutoff`` times the largest. ``direction="right"`` returns (left-orthogonal core,
    core carrying the weights); ``"left"`` the mirror image.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> blk = np.einsum("anb,bpc->anpc", rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> a, b = split_two_site(blk, max_rank=5, cutoff=1e-12, direction="right")
    >>> a.shape[2], bool(np.allclose(np.einsum("anb,bpc->anpc", a, b), blk))
    (2, True)
    """
    ra, n1, n2, rb = block.shape
    u, s, vt = np.linalg.svd(block.reshape(ra * n1, n2 * rb), full_matrices=False)
    keep = int(np.sum(s > cutoff * s[0])) if s[0] > 0 else 1
    keep = max(1, min(keep, max_rank))
    u, s, vt = u[:, :keep], s[:keep], vt[:keep]
    if direction == "right":
        return u.reshape(ra, n1, keep), (s[:, None] * vt).reshape(keep, n2, rb)
    return (u * s).reshape(ra, n1, keep), vt.reshape(keep, n2, rb)
