r"""Exact alternating least squares over the cores of an NN-MPO (the basis fixed).

The loss in normalised units is quadratic in each core ``W^i``,

.. math::

    L(W^i) = \sum_r w_r \big(A_r \operatorname{vec} W^i - t_r\big)^2
             + \lambda \|W^i\|^2 ,

over stacked energy rows and latent-gradient rows ``t = [E, dV/dq_0, ...]`` (``A`` holds
the left environment, the basis values of site ``i`` and the right environment of each
row). A sweep solves it site by site, exactly, by Cholesky in whichever form is cheaper:
the normal equations ``(A^T W A + \lambda) B = A^T W t`` (accumulated block by block by a
symmetric rank-k update, :func:`normal_equations`) or the dual form
``B = A^T (A A^T + \lambda W^{-1})^{-1} t`` (``A A^T`` is a Hadamard product of small Gram
matrices, so its cost hardly grows with the ranks). The cores are kept in mixed-canonical
form (so the ridge acts on the coefficients of the whole tensor; canonical forms from
:mod:`vibmpo.linalg.tt`), and ranks grow by padding bonds with small orthogonal
directions. NumPy, float64.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from vibmpo.potential import tensortrain as tt

__all__ = ["CHUNK_ROWS", "SWEEPS", "normal_equations", "one_body_fit", "subsample_rows",
           "sweep_cores", "whitening"]


def subsample_rows(m, n_blocks, fraction, rng):
    """A random subset of ``round(fraction * m)`` points and their rows in every block.

    The targets of a sweep are stacked in ``n_blocks`` blocks of ``m`` rows (energies, then
    one block of force components per mode); a point keeps or loses all its rows together.

    Examples
    --------
    >>> idx, rows = subsample_rows(5, 2, 0.6, np.random.default_rng(0))
    >>> len(idx), bool(np.all(rows[3:] == idx + 5))
    (3, True)
    """
    k = max(1, int(round(float(fraction) * m)))
    idx = np.sort(rng.choice(m, size=k, replace=False))
    return idx, np.concatenate([idx + j * m for j in range(n_blocks)])



_WHITEN_FLOOR = 1.0


def whitening(phi):
    r"""Per-mode matrices ``M_i`` with ``M_i^T G_i M_i ~ 1`` for the empirical basis Gram
    matrices ``G_i = phi_i^T phi_i / m`` (eigenvalues floored at their largest, so badly
    conditioned directions are damped rather than blown up).

    Examples
    --------
    >>> phi = np.random.default_rng(0).normal(size=(50, 2, 3))
    >>> whitening(phi).shape
    (2, 3, 3)
    """
    ms = []
    for i in range(phi.shape[1]):
        g = phi[:, i].T @ phi[:, i] / phi.shape[0]
        ev, vec = np.linalg.eigh(g)
        ms.append(vec / np.sqrt(np.maximum(ev, 0.0) + _WHITEN_FLOOR * ev.max()))
    return np.stack(ms)


def _one_site_solve(cores, phi, dphi, site, target, row_w, ridge):
    L, dL = tt._left_envs(cores, phi, dphi, site)
    R, dR = tt._right_envs(cores, phi, dphi, site)
    fl, fp, fr = [L], [phi[:, site]], [R]
    if target.shape[0] > phi.shape[0]:
        for k in range(phi.shape[1]):
            fl.append(dL[:, k] if k < site else L)
            fp.append(dphi[:, site] if k == site else phi[:, site])
            fr.append(dR[:, k] if k > site else R)
    fl, fp, fr = (np.concatenate(a) for a in (fl, fp, fr))
    rows = fl.shape[0]
    n_unknown = fl.shape[1] * fp.shape[1] * fr.shape[1]
    # the same ridge problem min |W^1/2 (A B - t)|^2 + lam |B|^2, lam = ridge * mean diagonal
    # of A^T W A, in whichever form is cheaper (flop estimates of Gram + Cholesky)
    primal_cost = rows * n_unknown**2 + n_unknown**3 / 3
    dual_cost = rows**2 * (fl.shape[1] + fp.shape[1] + fr.shape[1]) + rows**3 / 3
    if primal_cost <= dual_cost:  # primal normal equations
        G, rhs = normal_equations(fl, fp, fr, row_w, target)
        G[np.diag_indices_from(G)] += ridge * float(np.mean(np.diag(G))) + 1e-300
        sol = _spd_solve(G, rhs)
        return sol.reshape(fl.shape[1], fp.shape[1], fr.shape[1])
    K = fl @ fl.T  # dual (kernel) form: B = A^T (A A^T + lam W^-1)^-1 t
    K *= fp @ fp.T
    K *= fr @ fr.T
    lam = ridge * float(row_w @ np.diag(K)) / n_unknown  # = ridge * mean diag(A^T W A)
    K[np.diag_indices_from(K)] += lam / row_w + 1e-300
    alpha = _spd_solve(K, target)
    return np.einsum("m,ma,mn,mc->anc", alpha, fl, fp, fr, optimize=True)


#: Rows of the design matrix built at a time by :func:`normal_equations` (bounds its
#: memory to ``CHUNK_ROWS * r N r`` floats).
CHUNK_ROWS = 2048


def normal_equations(fl, fp, fr, row_w, target, *, chunk_rows: int | None = None):
    r"""The normal equations ``G = A^T W A`` and ``A^T W t`` of a design matrix whose
    rows are Kronecker products, ``A_r = fl_r \otimes fp_r \otimes fr_r``.

    ``A`` is never held whole: it is built ``chunk_rows`` rows at a time and ``G`` is
    accumulated by a symmetric rank-k update (BLAS ``syrk``, half the flops of a general
    product); ``A^T W t`` is contracted factor by factor.

    Parameters
    ----------
    fl, fp, fr : ndarray (rows, a), (rows, n), (rows, c)
        Left environment, basis values and right environment of every row.
    row_w : ndarray (rows,)
        Non-negative row weights ``W``.
    target : ndarray (rows,)
        Right-hand side ``t``.
    chunk_rows : int, optional
        Rows per block (default :data:`CHUNK_ROWS`).

    Returns
    -------
    G : ndarray (a n c, a n c)
        The symmetric matrix ``A^T W A`` (both triangles filled).
    rhs : ndarray (a n c,)
        ``A^T W t``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fl, fp, fr = rng.normal(size=(7, 2)), rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    >>> w, t = rng.uniform(size=7), rng.normal(size=7)
    >>> G, rhs = normal_equations(fl, fp, fr, w, t, chunk_rows=3)
    >>> A = np.einsum("ma,mn,mc->manc", fl, fp, fr).reshape(7, -1)
    >>> bool(np.allclose(G, A.T @ (w[:, None] * A))), bool(np.allclose(rhs, A.T @ (w * t)))
    (True, True)
    """
    from scipy.linalg.blas import dsyrk

    rows, a = fl.shape
    n, c = fp.shape[1], fr.shape[1]
    size = a * n * c
    step = max(1, int(CHUNK_ROWS if chunk_rows is None else chunk_rows))
    sw = np.sqrt(np.asarray(row_w, dtype=float))
    G = np.zeros((size, size), order="F")
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        blk = (sw[lo:hi, None] * fl[lo:hi])[:, :, None] * fp[lo:hi, None, :]
        blk = (blk.reshape(hi - lo, a * n)[:, :, None] * fr[lo:hi, None, :])
        # blk.T is a Fortran-ordered (size, k) view: syrk adds blk^T blk to the upper half
        G = dsyrk(1.0, blk.reshape(hi - lo, size).T, beta=1.0, c=G, trans=0, lower=0,
                  overwrite_c=1)
    diag = np.diag(G).copy()  # the lower half is still zero: mirror the upper one
    G = G + G.T
    G[np.diag_indices_from(G)] = diag
    wt = row_w * target
    rhs = np.einsum("ma,mn,mc->anc", fl, wt[:, None] * fp, fr, optimize=True)
    return G, rhs.reshape(size)


def _spd_solve(G, rhs):
    try:
        cf = scipy.linalg.cho_factor(G, overwrite_a=False, check_finite=False)
        return scipy.linalg.cho_solve(cf, rhs, check_finite=False)
    except np.linalg.LinAlgError:
        return scipy.linalg.lstsq(G, rhs, check_finite=False)[0]


def _pad_ranks(cores, max_rank, rng):
    cores = list(cores)
    for i in range(len(cores) - 1):
        a, n, b = cores[i].shape
        nxt = cores[i + 1]
        target = min(int(max_rank), a * n, nxt.shape[1] * nxt.shape[2])
        if target > b:
            mat = cores[i].reshape(a * n, b)
            extra = rng.normal(size=(a * n, target - b))
            extra -= mat @ np.linalg.lstsq(mat, extra, rcond=None)[0]
            extra *= 1e-3 * (np.linalg.norm(mat) + 1e-12) / (np.linalg.norm(extra) + 1e-300)
            cores[i] = np.concatenate([mat, extra], 1).reshape(a, n, target)
            cores[i + 1] = np.concatenate([nxt, np.zeros((target - b,) + nxt.shape[1:])], 0)
    return tuple(cores)


#: Core sweep schedules of :func:`fit`: ``"full"`` (left-to-right and back in every outer
#: iteration) or ``"half"`` (one direction per outer iteration, alternating: half the cost,
#: more frequent gradient steps).
SWEEPS = ("full", "half")
_DIRECTIONS = ("both", "right", "left")


def sweep_cores(cores, phi, dphi, target, row_weights, *, ridge: float, max_rank: int,
                rng=None, n_sweeps: int = 1, direction: str = "both"):
    """Exact ridge least-squares sweeps over the cores for fixed basis values.

    Parameters
    ----------
    cores : tuple of ndarray
        Current cores (in the basis of ``phi``).
    phi, dphi : ndarray (m, f, N)
        Basis values and latent derivatives at the training points.
    target : ndarray
        ``[energies (m), dV/dq_0 (m), ..., dV/dq_{f-1} (m)]`` or energies only.
    row_weights : ndarray
        Weight of each target row.
    ridge : float
        Ridge strength relative to the mean diagonal of the local Gram matrix.
    max_rank : int
        Bonds are padded up to this rank before sweeping (never truncated).
    n_sweeps : int
        Number of sweeps.
    direction : {"both", "right", "left"}
        ``"both"``: left to right and back (a full sweep); ``"right"`` / ``"left"``: one
        half sweep that ends on the last / first core.

    Returns
    -------
    tuple of ndarray
        Updated cores, the last one carrying the norm (right-orthogonal others).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> phi = np.concatenate([np.ones((40, 2, 1)), rng.normal(size=(40, 2, 2))], 2)
    >>> t = phi[:, 0, 1] * phi[:, 1, 2] + 0.5
    >>> c0 = tt.one_body_cores(np.zeros((2, 3)))
    >>> c = sweep_cores(c0, phi, 0 * phi, t, np.ones(40), ridge=1e-12, max_rank=3, n_sweeps=2)
    >>> bool(np.allclose(tt.tt_value(c, phi), t, atol=1e-6))
    True
    """
    if direction not in _DIRECTIONS:
        raise ValueError(f"unknown sweep direction {direction!r}; choose from {_DIRECTIONS}")
    rng = np.random.default_rng(0) if rng is None else rng
    f = len(cores)
    cores = _pad_ranks(cores, max_rank, rng)

    def solve(i):
        cores[i] = _one_site_solve(cores, phi, dphi, i, target, row_weights, ridge)

    for _ in range(n_sweeps):
        if direction in ("both", "right"):
            cores = list(tt.right_orthogonalise(cores, 0))
            for i in range(f - 1):
                solve(i)
                cores = list(tt.left_orthogonalise(cores, i + 1))
            if direction == "right":
                solve(f - 1)
        if direction in ("both", "left"):
            if direction == "left":  # after the right-going half the gauge is already set
                cores = list(tt.left_orthogonalise(cores, f - 1))
            for i in range(f - 1, 0, -1):
                solve(i)
                cores = list(tt.right_orthogonalise(cores, i - 1))
            solve(0)
    return tuple(cores)


def one_body_fit(phi, dphi, target, row_w, ridge):
    r"""The exact ridge least-squares one-body (rank-2) cores: the start of a fit.

    Fits ``c_0 + sum_i phi_i @ c_i`` (the constant functions excluded from ``c_i``) to
    the stacked energy and latent-gradient rows ``target`` with row weights ``row_w``,
    ridge relative to the mean diagonal of the Gram matrix, and returns it as cores
    (:func:`vibmpo.potential.tensortrain.one_body_cores`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> phi = np.concatenate([np.ones((30, 2, 1)), rng.normal(size=(30, 2, 2))], 2)
    >>> t = 1.0 + phi[:, 0, 1] - 2.0 * phi[:, 1, 2]
    >>> c = one_body_fit(phi, 0 * phi, t, np.ones(30), 1e-14)
    >>> bool(np.allclose(tt.tt_value(c, phi), t))
    True
    """
    m, f, n = phi.shape
    cols = 1 + f * (n - 1)
    has_f = target.shape[0] > m
    rows = m * (1 + f) if has_f else m
    A = np.zeros((rows, cols))
    A[:m, 0] = 1.0
    for i in range(f):
        sl = slice(1 + i * (n - 1), 1 + (i + 1) * (n - 1))
        A[:m, sl] = phi[:, i, 1:]
        if has_f:
            A[m * (1 + i):m * (2 + i), sl] = dphi[:, i, 1:]
    G = A.T @ (row_w[:, None] * A)
    G[np.diag_indices_from(G)] += ridge * np.mean(np.diag(G)) + 1e-300
    sol = np.linalg.solve(G, A.T @ (row_w * target))
    coef = np.zeros((f, n))
    coef[:, 1:] = sol[1:].reshape(f, n - 1)
    return tt.one_body_cores(coef, float(sol[0]))
