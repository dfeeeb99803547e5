r"""The coordinator ``U`` (n x f, ``U^T U = I``) on the Stiefel manifold.

The Riemannian gradient of a loss with Euclidean gradient ``G`` is

.. math::

    \operatorname{grad} = G - U \operatorname{sym}(U^T G), \qquad
    \operatorname{sym}(A) = (A + A^T) / 2,

and a step ``U + \Delta`` is mapped back onto the manifold by a retraction: ``"qr"``
(Q factor with a positive diagonal of R), ``"polar"`` (nearest orthonormal matrix,
``u v^T`` of the SVD) or ``"cayley"``. Functions take ``xp`` (NumPy or ``jax.numpy``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["RETRACTIONS", "riemannian_gradient", "project_tangent", "retract",
           "orthogonality_error"]

#: Retraction names accepted by :func:`retract`.
RETRACTIONS = ("qr", "polar", "cayley")


def _sym(a, xp):
    return 0.5 * (a + xp.swapaxes(a, -1, -2))


def project_tangent(U, D, xp=np):
    """Project ``D`` onto the tangent space of the Stiefel manifold at ``U``.

    Examples
    --------
    >>> U = np.eye(3)[:, :2]; D = np.arange(6.0).reshape(3, 2)
    >>> T = project_tangent(U, D)
    >>> bool(np.allclose(U.T @ T + T.T @ U, 0))
    True
    """
    return D - U @ _sym(U.T @ D, xp)


def riemannian_gradient(U, G, xp=np):
    """Riemannian gradient ``G - U sym(U^T G)`` (the tangent projection of ``G``).

    Examples
    --------
    >>> riemannian_gradient(np.eye(2), np.array([[0.0, 1.0], [-1.0, 0.0]])).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    return project_tangent(U, G, xp)


def retract(U, D, method: str = "qr", xp=np):
    """Map ``U + D`` (``D`` tangent at ``U``) back to matrices with orthonormal columns.

    Examples
    --------
    >>> U = retract(np.eye(3)[:, :2], np.array([[0.0, 0.1], [-0.1, 0.0], [0.2, 0.0]]))
    >>> float(orthogonality_error(U)) < 1e-14
    True
    """
    if method == "qr":
        q, r = xp.linalg.qr(U + D)
        s = xp.sign(xp.diagonal(r))
        s = xp.where(s == 0, 1.0, s)
        return q * s[None, :]
    if method == "polar":
        u, _, vt = xp.linalg.svd(U + D, full_matrices=False)
        return u @ vt
    if method == "cayley":
        n = U.shape[0]
        # skew W with W U = D for tangent D: W = P D U^T - U D^T P, P = I - U U^T / 2
        P = xp.eye(n) - 0.5 * U @ U.T
        W = P @ D @ U.T - U @ D.T @ P
        eye = xp.eye(n)
        return xp.linalg.solve(eye - 0.5 * W, (eye + 0.5 * W) @ U)
    raise ValueError(f"unknown retraction {method!r}; choose from {RETRACTIONS}")


def orthogonality_error(U, xp=np):
    """``max |U^T U - I|``.

    Examples
    --------
    >>> float(orthogonality_error(np.eye(3)))
    0.0
    """
    return xp.max(xp.abs(U.T @ U - xp.eye(U.shape[1])))
