r"""Krylov methods for Hermitian operators given only by their action: the Lanczos
exponential (time steps of TDVP and exact propagation) and block Davidson (the local
eigenproblems of DMRG). NumPy/SciPy only.

For a Hermitian operator :math:`H` given through ``matvec`` and a complex step
:math:`\tau`, :func:`expm_krylov` computes

.. math::

    w = e^{\tau H} v \approx \lVert v\rVert \, V_m \, e^{\tau T_m} e_1 ,

where :math:`V_m` holds the orthonormal Lanczos vectors of the Krylov space
:math:`\mathcal{K}_m(H, v)` and :math:`T_m = V_m^\dagger H V_m` is tridiagonal.
Real time uses :math:`\tau = -i\,\delta t`, imaginary time :math:`\tau = -\delta t`.
The Krylov dimension grows until the relative a-posteriori error estimate
:math:`\beta_{m+1}\,|e_m^T e^{\tau T_m} e_1| / \lVert e^{\tau T_m} e_1\rVert` drops
below ``tol``
(or the Krylov space becomes invariant, in which case the result is exact).
The Lanczos vectors are fully re-orthogonalised (once, twice where the first pass
removed most of a vector), which keeps the step accurate to machine precision.
:func:`expm_krylov` returns the vector, :func:`expm_krylov_info` the vector and a
:class:`KrylovInfo`.

:func:`davidson` finds the lowest eigenpairs :math:`A x_k = \theta_k x_k` of a
Hermitian operator given through ``matmat``, preconditioned by its diagonal.

Here ``tol`` is a convergence tolerance of the iteration, not a truncation (see the
glossary in :mod:`vibmpo.linalg`). :mod:`vibmpo.solvers.krylov` re-exports these names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg.lapack import dstev as _dstev

__all__ = ["KrylovInfo", "expm_krylov", "expm_krylov_info", "davidson"]


@dataclass(frozen=True)
class KrylovInfo:
    """Diagnostics of one Krylov exponential.

    Attributes
    ----------
    n_matvec : int
        Number of applications of the operator (= Krylov dimension used).
    error : float
        A-posteriori estimate of the relative error
        :math:`\\lVert w - e^{\\tau H} v\\rVert / \\lVert w\\rVert`.
    converged : bool
        Whether ``error <= tol`` (or the Krylov space became invariant).

    Examples
    --------
    On a 3-dimensional space the Krylov space becomes invariant after 3 steps:

    >>> _, info = expm_krylov_info(lambda x: x * [0.0, 1.0, 2.0], np.ones(3), -0.5j)
    >>> info.n_matvec, info.error, info.converged
    (3, 0.0, True)
    """

    n_matvec: int
    error: float
    converged: bool


def expm_krylov_info(matvec: Callable[[np.ndarray], np.ndarray], v, tau: complex, *,
                     krylov_dim: int = 40, tol: float = 1e-12) -> tuple[np.ndarray, KrylovInfo]:
    r"""Compute :math:`e^{\tau H} v` by the Lanczos method, with its diagnostics.

    Parameters and result vector as :func:`expm_krylov`; also returns a
    :class:`KrylovInfo` (Krylov dimension used, error estimate, convergence).

    Each Lanczos vector is orthogonalised against all previous ones once after the
    three-term recurrence, a second time only if that pass removed more than 30 % of
    its norm (Kahan's "twice is enough" test): machine-precision orthogonality for the
    few vectors of a TDVP step at half the cost of always re-orthogonalising twice. In
    real time (``tau`` imaginary, so :math:`\lVert e^{\tau T_m} e_1\rVert = 1`) the
    tridiagonal exponential is evaluated only once the a-priori estimate
    :math:`\prod_{j \le m} |\tau|\beta_j / m!` of the error is within a factor
    :math:`10^3` of ``tol``; convergence is always decided by the a-posteriori estimate.

    Examples
    --------
    >>> H = np.diag([0.0, 1.0, 2.0])
    >>> w, info = expm_krylov_info(lambda x: H @ x, np.ones(3), -0.5j)
    >>> info
    KrylovInfo(n_matvec=3, error=0.0, converged=True)
    >>> bool(np.allclose(w, np.exp(-0.5j * np.diag(H))))
    True
    """
    if int(krylov_dim) < 1:
        raise ValueError(f"krylov_dim must be >= 1, got {krylov_dim}")
    tau = complex(tau)
    if not np.isfinite(tau):
        raise ValueError(f"tau must be finite, got {tau}")
    v = np.asarray(v)
    real = np.isrealobj(v) and tau.imag == 0.0
    beta0 = float(np.linalg.norm(v))
    if beta0 == 0.0:
        out = np.zeros(v.shape, dtype=np.result_type(v.dtype, float if real else complex))
        return out, KrylovInfo(0, 0.0, True)
    lz = _Lanczos(matvec, v, beta0, max(1, min(int(krylov_dim), v.size)))
    coef, error, converged = lz.run(tau, float(tol))
    out = beta0 * (coef @ lz.basis[: coef.size])
    if real:
        out = out.real
    return out.reshape(v.shape), KrylovInfo(n_matvec=coef.size, error=float(error),
                                            converged=converged)


def expm_krylov(matvec: Callable[[np.ndarray], np.ndarray], v, tau: complex, *,
                krylov_dim: int = 40, tol: float = 1e-12, return_info: bool | None = None):
    r"""Compute :math:`e^{\tau H} v` for Hermitian :math:`H` by the Lanczos method.

    Parameters
    ----------
    matvec : callable
        ``matvec(x) -> H x`` for arrays ``x`` of the shape of ``v``. ``H`` must be
        Hermitian; it is never formed.
    v : array_like
        Start vector (any shape; it is treated as a flat vector). Not modified.
    tau : complex
        Step: ``-1j * dt`` for real-time, ``-dt`` for imaginary-time propagation.
    krylov_dim : int, optional
        Largest Krylov dimension (default 40). Must be >= 1.
    tol : float, optional
        Target relative error of the result (default 1e-12).
    return_info : bool, optional
        Deprecated: use :func:`expm_krylov_info`, which always returns the
        diagnostics. ``True`` still returns ``(vector, KrylovInfo)`` with a
        ``DeprecationWarning``.

    Returns
    -------
    numpy.ndarray
        :math:`e^{\tau H} v`, with the shape of ``v``; complex unless ``tau``, ``v`` and
        ``H`` are all real.

    Raises
    ------
    ValueError
        On ``krylov_dim < 1`` or a non-finite ``tau``.

    Examples
    --------
    >>> import numpy as np, scipy.linalg
    >>> H = np.array([[1.0, 0.5], [0.5, -1.0]])
    >>> v = np.array([1.0, 0.0])
    >>> w = expm_krylov(lambda x: H @ x, v, -0.3j)
    >>> bool(np.allclose(w, scipy.linalg.expm(-0.3j * H) @ v, atol=1e-13))
    True
    """
    out, info = expm_krylov_info(matvec, v, tau, krylov_dim=krylov_dim, tol=tol)
    if return_info is None:
        return out
    import warnings

    warnings.warn("expm_krylov(return_info=...) is deprecated and will be removed; call "
                  "expm_krylov_info(...) for (vector, KrylovInfo)", DeprecationWarning,
                  stacklevel=2)
    return (out, info) if return_info else out


class _Lanczos:
    """Lanczos vectors and tridiagonal coefficients of the Krylov space of ``v``."""

    def __init__(self, matvec, v, beta0, m_max):
        self.matvec = matvec
        self.shape = v.shape
        self.basis = np.empty((m_max, v.size), dtype=np.result_type(v.dtype, np.float64))
        np.divide(v.reshape(-1), beta0, out=self.basis[0])
        self.alphas = np.empty(m_max)
        self.betas = np.empty(m_max)

    def extend(self, j):
        """Apply the operator to vector ``j``; returns the residual norm ``beta_{j+1}``."""
        basis = self.basis
        w = np.asarray(self.matvec(basis[j].reshape(self.shape))).reshape(-1)
        if np.iscomplexobj(w) and not np.iscomplexobj(basis):
            basis = self.basis = basis.astype(w.dtype)
        alpha = float(np.vdot(basis[j], w).real)
        self.alphas[j] = alpha
        w = w - alpha * basis[j]
        if j:
            w -= self.betas[j - 1] * basis[j - 1]
        b = basis[: j + 1]
        nrm = float(np.sqrt(np.vdot(w, w).real))
        for _ in range(2):  # <b_k|w> = conj(b_k . conj(w))
            w -= (b @ w.conj()).conj() @ b
            new = float(np.sqrt(np.vdot(w, w).real))
            if new > 0.7 * nrm:
                break
            nrm = new
        self.w = w
        return new

    def run(self, tau, tol):
        """Extend until the a-posteriori error is below ``tol``: (coef, error, converged)."""
        m_max = self.alphas.size
        gate = abs(tau) if tau.real == 0.0 else None
        est = 1.0
        coef, error = np.ones(1), np.inf
        for j in range(m_max):
            beta = self.extend(j)
            n = j + 1
            if beta <= 1e-14 * max(1.0, abs(self.alphas[j])):  # invariant subspace: exact
                return _tridiagonal_exp(self.alphas[:n], self.betas[: n - 1], tau), 0.0, True
            if gate is not None:
                est *= gate * beta / n
            if gate is None or est <= 1e3 * tol or n == m_max:
                coef = _tridiagonal_exp(self.alphas[:n], self.betas[: n - 1], tau)
                error = beta * abs(coef[-1]) / max(float(np.linalg.norm(coef)), 1e-300)
                if error <= tol:
                    return coef, error, True
            if n < m_max:
                self.betas[j] = beta
                np.multiply(self.w, 1.0 / beta, out=self.basis[n])
        return coef, error, False


def _tridiagonal_exp(alphas, betas, tau):
    r"""First column of :math:`e^{\tau T}` for the symmetric tridiagonal ``T``."""
    if alphas.size == 1:
        return np.exp(tau * alphas)
    # LAPACK's dstev directly: the small tridiagonal eigenproblem without wrapper overhead
    evals, evecs, info = _dstev(alphas, betas, compute_v=1)
    if info != 0:  # pragma: no cover - LAPACK failure on a tiny tridiagonal matrix
        evals, evecs = scipy.linalg.eigh_tridiagonal(alphas, betas)
    return evecs @ (np.exp(tau * evals) * evecs[0])


def _orthonormalize(V, basis=None, *, drop=1e-10):
    """Orthonormalise the columns of V (against ``basis`` first); drop tiny ones."""
    for _ in range(2):
        if basis is not None and basis.shape[1]:
            V = V - basis @ (basis.conj().T @ V)
        q, r = np.linalg.qr(V)
        keep = np.abs(np.diag(r)) > drop * max(1.0, float(np.abs(np.diag(r)).max(initial=0)))
        V = q[:, keep]
    return V


def davidson(matmat, diag, X0, *, tol=1e-10, maxiter=300, max_space=None):
    r"""Lowest ``k`` eigenpairs of a Hermitian operator by block Davidson.

    Parameters
    ----------
    matmat : callable
        ``matmat(X)`` applies the operator to the columns of ``X`` (N x m).
    diag : ndarray (N,)
        Diagonal of the operator (preconditioner :math:`(D - \theta)^{-1}`).
    X0 : ndarray (N, k)
        Initial guesses; ``k`` sets the number of eigenpairs.
    tol : float
        Convergence when every residual :math:`\lVert A x - \theta x\rVert \le` ``tol``.

    Returns
    -------
    (values, vectors, residual_norms, n_iter)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.standard_normal((60, 60)); a = a + a.T + np.diag(np.arange(60.0))
    >>> w, v, r, _ = davidson(lambda x: a @ x, np.diag(a), rng.standard_normal((60, 3)))
    >>> bool(np.allclose(w, np.linalg.eigvalsh(a)[:3]))
    True
    """
    X0 = np.asarray(X0)
    n, k = X0.shape
    if k > n:
        raise ValueError(f"asked for {k} eigenpairs of an operator of dimension {n}")
    dtype = np.result_type(X0, diag, float)
    max_space = max(max_space or 0, 3 * k + 12, 24)
    max_space = min(max_space, n)
    V = _orthonormalize(X0.astype(dtype))
    if V.shape[1] < k:
        rng = np.random.default_rng(0)
        extra = rng.standard_normal((n, k - V.shape[1])).astype(dtype)
        V = np.hstack([V, _orthonormalize(extra, V)])
    AV = matmat(V)
    theta = np.zeros(k)
    rnorm = np.full(k, np.inf)
    it = 0
    best, stall = np.inf, 0
    while it < maxiter:
        it += 1
        Hs = V.conj().T @ AV
        Hs = 0.5 * (Hs + Hs.conj().T)
        w, s = np.linalg.eigh(Hs)
        theta, s = w[:k], s[:, :k]
        X = V @ s
        AX = AV @ s
        R = AX - X * theta
        rnorm = np.linalg.norm(R, axis=0)
        if np.all(rnorm <= tol) or V.shape[1] >= n:
            break
        # stop when rounding errors stall the residual (it no longer decreases)
        if rnorm.max() < 0.99 * best:
            best, stall = float(rnorm.max()), 0
        else:
            stall += 1
            if stall >= 25:
                break
        bad = rnorm > tol
        denom = diag[:, None] - theta[None, bad]
        small = np.abs(denom) < 1e-12
        denom[small] = np.where(denom[small] >= 0, 1e-12, -1e-12)
        T = R[:, bad] / denom
        T /= np.linalg.norm(T, axis=0)  # scale-free: _orthonormalize drops by size
        if V.shape[1] + T.shape[1] > max_space:
            # restart with the current Ritz vectors (plus a few next ones)
            nk = min(V.shape[1], k + max(2, k // 2))
            Xr = V @ np.linalg.eigh(Hs)[1][:, :nk]
            V = _orthonormalize(Xr)
            AV = matmat(V)
        T = _orthonormalize(T, V)
        if T.shape[1] == 0:
            break
        V = np.hstack([V, T])
        AV = np.hstack([AV, matmat(T)])
    return theta, X, rnorm, it
