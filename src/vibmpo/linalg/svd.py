r"""Truncated SVD of one matrix by discarded weight: the bond truncation of the solvers'
sweeps (DMRG, TDVP, MPS compression). NumPy only.

For :math:`M = U \operatorname{diag}(s) V^\dagger` with :math:`s_1 \ge s_2 \ge \dots`,
keeping :math:`k` values discards the relative weight

.. math::

    \varepsilon_k = \sum_{j > k} s_j^2 \Big/ \sum_j s_j^2 ,

and :func:`truncated_svd` keeps the fewest values with :math:`\varepsilon_k \le`
``cutoff`` (the ITensor/quimb meaning of ``cutoff``; see the glossary in
:mod:`vibmpo.linalg`), at most ``maxdim`` and at least ``mindim``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["truncated_svd"]


def truncated_svd(m, *, maxdim=None, cutoff=0.0, mindim=1):
    r"""SVD ``m = U S Vh`` keeping at most ``maxdim`` values and discarding the smallest
    while the discarded weight :math:`\sum_{\rm disc} s^2 / \sum s^2 \le` ``cutoff``.

    Parameters
    ----------
    m : ndarray (M, N)
        The matrix (real or complex).
    maxdim : int, optional
        Largest number of values kept (default: no limit).
    cutoff : float
        Largest discarded weight (relative, per call; default 0: drop only exact zeros).
    mindim : int
        Smallest number of values kept (at most ``min(M, N)``; always at least 1).

    Returns
    -------
    U : ndarray (M, k)
    S : ndarray (k,)
    Vh : ndarray (k, N)
    discarded_weight : float
        :math:`\varepsilon_k` of the values dropped (0 for a zero matrix, of which one
        zero value is kept).

    Examples
    --------
    >>> u, s, vh, eps = truncated_svd(np.diag([1.0, 1e-3, 1e-9]), cutoff=1e-12)
    >>> s.shape, eps < 1e-12
    ((2,), True)
    >>> truncated_svd(np.diag([2.0, 1.0]), maxdim=1)[3]  # 1^2 / (2^2 + 1^2)
    0.2
    """
    try:
        u, s, vh = np.linalg.svd(m, full_matrices=False)
    except np.linalg.LinAlgError:  # pragma: no cover - rare LAPACK failure
        import scipy.linalg

        u, s, vh = scipy.linalg.svd(m, full_matrices=False, lapack_driver="gesvd")
    w = s * s
    total = float(w.sum())
    if total == 0.0:
        return u[:, :1], s[:1], vh[:1], 0.0
    # tail[j] = weight discarded when keeping j values
    tail = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]]) / total
    keep = int(np.argmax(tail <= cutoff)) if cutoff > 0 else int(np.count_nonzero(s))
    keep = max(keep, 1, min(mindim, len(s)))
    if maxdim is not None:
        keep = min(keep, int(maxdim))
    return u[:, :keep], s[:keep], vh[:keep], float(tail[keep])
