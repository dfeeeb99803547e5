r"""Tensor-train (MPO) part of the NN-MPO: contraction with basis values, latent
gradients, the exact one-body start and the environments of the core sweeps.

With basis values ``phi[m, i, :]`` the tensor train is

.. math::

    T(q_m) = \sum_{\rho} W^1[\rho_1] \cdots W^f[\rho_f]\, \phi_{1\rho_1} \cdots \phi_{f\rho_f},

and ``dT/dq_k`` replaces ``phi_k`` by its derivative. Contractions take ``xp`` (NumPy or
``jax.numpy``). Canonical forms and SVD truncation are those of the shared toolbox
:mod:`vibmpo.linalg.tt`, under the names the trainer uses.
"""

from __future__ import annotations

import numpy as np

from vibmpo._deprecation import renamed_keyword
from vibmpo.linalg import tt as _tt

__all__ = [
    "tt_value",
    "tt_value_and_grad",
    "left_orthogonalise",
    "right_orthogonalise",
    "one_body_cores",
    "truncate",
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
    m = phi.shape[0]
    v = xp.ones((m, 1), dtype=phi.dtype)
    dv = xp.zeros((m, 0, 1), dtype=phi.dtype)
    for i, core in enumerate(cores):
        a = xp.einsum("mr,arb->mab", phi[:, i], core)
        da = xp.einsum("mr,arb->mab", dphi[:, i], core)
        new_dv = xp.einsum("mka,mab->mkb", dv, a)
        new_d = xp.einsum("ma,mab->mb", v, da)
        dv = xp.concatenate([new_dv, new_d[:, None, :]], axis=1)
        v = xp.einsum("ma,mab->mb", v, a)
    return v[:, 0], dv[:, :, 0]


def left_orthogonalise(cores, upto: int):
    """Make cores ``0..upto-1`` left-orthogonal by QR, pushing the remainder right
    (:func:`vibmpo.linalg.tt.left_canonicalise`).

    Returns a new tuple; the represented tensor is unchanged.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = (rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> d = left_orthogonalise(c, 1)
    >>> bool(np.allclose(d[0].reshape(3, -1).T @ d[0].reshape(3, -1), np.eye(d[0].shape[2])))
    True
    """
    return _tt.left_canonicalise(cores, upto)


def right_orthogonalise(cores, downto: int):
    """Make cores ``downto+1..f-1`` right-orthogonal by LQ, pushing the remainder left
    (:func:`vibmpo.linalg.tt.right_canonicalise`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = (rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1)))
    >>> phi = rng.normal(size=(4, 2, 3))
    >>> bool(np.allclose(tt_value(right_orthogonalise(c, 0), phi), tt_value(c, phi)))
    True
    """
    return _tt.right_canonicalise(cores, downto)


def truncate(cores, *, max_rank: int | None = None, rel_cutoff: float = 0.0, **renamed):
    r"""SVD truncation of every bond: keep singular values ``s_k > rel_cutoff * s_0`` (at
    most ``max_rank`` of them; ``cutoff=`` is the deprecated former name of
    ``rel_cutoff=``, see the truncation glossary in :mod:`vibmpo.linalg`).

    The cores are left-orthogonalised, then bonds are truncated from right to left, so
    each bond's singular values are those of the whole tensor split there and the
    discarded weight is optimal per bond. The first core carries the norm on return
    (:func:`vibmpo.linalg.tt.truncate`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 1, 4, 1)), rng.normal(size=(2, 1, 4, 1))
    >>> c = (np.concatenate([a[0], a[1]], 2), np.concatenate([b[0], b[1]], 0))
    >>> t = truncate(c + (np.ones((1, 4, 1)),), rel_cutoff=1e-12)  # rank-2 bond stays
    >>> [k.shape[2] for k in t[:-1]]
    [2, 1]
    >>> phi = rng.normal(size=(5, 3, 4))
    >>> bool(np.allclose(tt_value(t, phi), tt_value(c + (np.ones((1, 4, 1)),), phi)))
    True
    >>> [k.shape[2] for k in truncate(c, max_rank=1)[:-1]]
    [1]
    """
    rel_cutoff = renamed_keyword("tensortrain.truncate", renamed, "cutoff", "rel_cutoff",
                                 rel_cutoff, 0.0)
    return _tt.truncate(cores, max_rank=max_rank, rel_cutoff=rel_cutoff)


def one_body_cores(coeffs, constant: float = 0.0):
    r"""Rank-2 cores representing ``constant + sum_i phi_i @ coeffs[i]`` exactly.

    Core ``i`` is ``[[phi_i @ e0, phi_i @ c_i], [0, phi_i @ e0]]`` (``e0`` picks the
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
