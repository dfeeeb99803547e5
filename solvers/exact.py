r"""Exact diagonalisation of grid Hamiltonians (matrix-free, full product grid).

The lowest eigenpairs of :math:`H = \sum_i T_i + \mathrm{diag}(V)` on the full DVR
product grid are found without forming H: the Numba kernel applies :math:`Hv` as one
small matrix product along each grid axis plus the diagonal potential.

Methods (``method=``):

``"filtered"`` (default for large grids)
    Lanczos (ARPACK ``eigsh``) on a Chebyshev polynomial of H,
    :math:`p(H) = (-1)^m T_m\big((H - c)/h\big)` with :math:`[c-h, c+h] = [a, b]`:
    :math:`b` is a Gershgorin upper bound of the spectrum, :math:`a` lies above the
    wanted levels (estimated from a separable approximation of H). :math:`|p| \le 1`
    on :math:`[a, b]` and :math:`p` grows monotonically below :math:`a`, so the
    largest eigenvalues of :math:`p(H)` belong to the lowest levels of H, in order,
    while ARPACK needs ``m`` times fewer (costly, re-orthogonalised) steps. If fewer
    than ``n_states`` eigenvalues of :math:`p(H)` exceed 1, :math:`a` is raised and the
    solve repeated. Energies are Rayleigh quotients :math:`v^T H v`.
``"lanczos"``
    Plain ARPACK Lanczos on the spectrum's lower end (``which="SA"``, shifted so the
    relative tolerance acts as an absolute one).
``"dense"``
    ``numpy.linalg.eigh`` of the dense matrix (small grids; reference in tests).
``"auto"``
    ``"dense"`` up to 2000 grid points, else ``"filtered"``.

Single-vector Lanczos finds only one vector of an exactly degenerate eigenspace (e.g.
symmetric force fields), so after convergence the iterative methods search the operator
deflated by the found vectors for levels below the highest one found (cheap loose
search, then a tight one if something turns up) and add them by Rayleigh--Ritz.
Memory: about ``8 * size * (ncv + 3 n_states + 10)`` bytes; larger requests are refused.

Examples
--------
>>> from vibmpo.operators.forcefield import henon_heiles
>>> from vibmpo.operators.hamiltonian import grid_hamiltonian
>>> res = exact_levels(grid_hamiltonian(henon_heiles(2), "ho:24"), 3)
>>> round(float(res.energies[0]), 6)
0.998595
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from vibmpo.linalg.memory import check_memory
from vibmpo.operators.hamiltonian import GridHamiltonian

__all__ = ["ExactResult", "exact_levels", "EXACT_METHODS"]

#: Accepted ``method`` values of :func:`exact_levels`.
EXACT_METHODS = ("auto", "filtered", "lanczos", "dense")


@dataclass(frozen=True)
class ExactResult:
    """Lowest eigenpairs of a grid Hamiltonian.

    Attributes
    ----------
    energies : ndarray (k,)
        Eigenvalues, ascending, in ``energy_unit`` (Hartree for NN-MPO potentials).
    vectors : ndarray (size, k) or None
        Normalised eigenvectors on the full grid (C-ordered, mode 0 slowest), sign fixed so
        the largest-magnitude component is positive.
    residuals : ndarray (k,)
        :math:`\\|Hv - Ev\\|` of each pair (an upper bound on each energy's error).
    energy_unit : str
    dims : tuple of int
        Grid sizes.
    method : str
        Method actually used.
    seconds : float
        Wall time of the solve.
    memory_bytes : int
        Estimated peak memory of the solve.
    n_matvec : int
        Number of H*v products.

    Examples
    --------
    Two uncoupled oscillators with :math:`\\omega = 1, 2` have the levels
    :math:`n_1 + 2 n_2 + 3/2`:

    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> res = exact_levels(grid_hamiltonian(coupled_oscillators([1.0, 2.0], 0.0), "ho:12"), 4)
    >>> res.excitations.round(8).tolist(), res.method, res.vectors.shape
    ([0.0, 1.0, 2.0, 2.0], 'dense', (144, 4))
    """

    energies: np.ndarray
    vectors: np.ndarray | None
    residuals: np.ndarray
    energy_unit: str
    dims: tuple
    method: str
    seconds: float
    memory_bytes: int
    n_matvec: int

    @property
    def excitations(self) -> np.ndarray:
        """Energies relative to the lowest one."""
        return self.energies - self.energies[0]


def _separable_levels(ham: GridHamiltonian, n: int) -> np.ndarray:
    """Lowest ``n`` levels of the separable approximation sum_i h_i - (f-1) V_ref."""
    hs = ham.cut_hamiltonians()
    r0 = ham.reference_index()[0]
    vref = float(hs[0][r0, r0] - ham.kinetic[0][r0, r0])  # V at the reference point
    levels = np.zeros(1)
    for h in hs:
        e = np.linalg.eigvalsh(h)
        levels = (levels[:, None] + e[None, :]).ravel()
        if levels.size > 4 * n + 64:
            levels = np.partition(levels, 4 * n + 63)[: 4 * n + 64]
    return np.sort(levels)[:n] - (ham.n_modes - 1) * vref


def _start_vector(ham: GridHamiltonian, n: int, seed: int) -> np.ndarray:
    """Random mixture of the lowest separable product states plus a little noise (breaks
    symmetries so no symmetry block is missed)."""
    rng = np.random.default_rng(seed)
    vecs = [np.linalg.eigh(h)[1] for h in ham.cut_hamiltonians()]
    # lowest product states by separable energy
    es = [np.linalg.eigvalsh(h) for h in ham.cut_hamiltonians()]
    total = np.zeros(1)
    for e in es:
        total = (total[:, None] + e[None, :]).ravel()
    pick = np.argsort(total)[: min(total.size, 2 * n + 4)]
    coef = np.zeros(total.size)
    coef[pick] = rng.standard_normal(pick.size)
    v = coef.reshape(ham.dims)
    for i, q in enumerate(vecs):
        v = np.moveaxis(np.tensordot(q, v, axes=(1, i)), 0, i)
    v = v.reshape(-1)
    v /= np.linalg.norm(v)
    v += 1e-3 * rng.standard_normal(v.size) / math.sqrt(v.size)
    return v / np.linalg.norm(v)


def _upper_bound(ham: GridHamiltonian) -> float:
    """Gershgorin bound: max V + sum_i max row sum |T_i|."""
    return float(ham.potential_full().max()
                 + sum(np.abs(t).sum(axis=1).max() for t in ham.kinetic))


def _eigsh(fun, n, k, which, ncv, tol, v0, maxiter, partial=False):
    """ARPACK on a function; ``partial``: return what converged instead of raising."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    def mv(x):
        return fun(np.ascontiguousarray(x.reshape(-1)))

    op = LinearOperator((n, n), matvec=mv, dtype=np.float64)
    try:
        return eigsh(op, k=k, which=which, ncv=min(ncv, n), tol=tol, v0=v0, maxiter=maxiter)
    except ArpackNoConvergence as exc:
        if not partial:
            raise
        return exc.eigenvalues, exc.eigenvectors


def _rayleigh_ritz(ham, v, count, keep=None):
    """Eigenpairs of H in span(v), ascending; the lowest ``keep``; also H times them."""
    v, _ = np.linalg.qr(v)
    hv = np.empty_like(v)
    for j in range(v.shape[1]):
        hv[:, j] = ham.matvec(np.ascontiguousarray(v[:, j]))
    count[0] += v.shape[1]
    w, y = np.linalg.eigh(v.T @ hv)
    if keep is not None:
        w, y = w[:keep], y[:, :keep]
    return w, v @ y, hv @ y


def _chebyshev_filter(ham: GridHamiltonian, c: float, h: float, m: int, count):
    """x -> (-1)^m T_m((H - c)/h) x with fused Numba steps y_{j+1} = A y_j - y_{j-1},
    A = 2 (H - c)/h."""
    from vibmpo.operators import _kernels as K

    kd = K.pack_matrices([t * (2.0 / h) for t in ham.kinetic])[0]
    ko = K.pack_matrices(ham.kinetic)[1]
    dims = np.asarray(ham.dims, dtype=np.int64)
    vd = (ham.potential_full() - c) * (2.0 / h)

    def cheb(x):
        y0 = x
        y1 = 0.5 * K.hamiltonian_matvec(x, kd, ko, dims, vd)
        for _ in range(m - 1):
            y0, y1 = y1, K.hamiltonian_matvec_add(y1, kd, ko, dims, vd, y0, -1.0)
        count[0] += m
        return y1 if m % 2 == 0 else -y1

    return cheb


def exact_levels(ham: GridHamiltonian, n_states: int, *, method: str = "auto",
                 tol: float = 1e-8, degree: int = 10, ncv: int | None = None,
                 return_vectors: bool = True, max_memory: float | None = None,
                 seed: int = 0, maxiter: int | None = None) -> ExactResult:
    r"""Lowest ``n_states`` eigenpairs of a grid Hamiltonian by exact diagonalisation.

    Parameters
    ----------
    ham : GridHamiltonian
        From :func:`vibmpo.operators.hamiltonian.grid_hamiltonian`.
    n_states : int
        Number of levels wanted.
    method : {"auto", "filtered", "lanczos", "dense"}
        See the module docstring.
    tol : float
        ARPACK relative tolerance (on :math:`p(H)` for ``"filtered"``, on
        :math:`H - b` for ``"lanczos"``); check ``residuals`` of the result.
    degree : int
        Chebyshev degree ``m`` of the filter.
    ncv : int, optional
        Lanczos basis size (default ``max(2 n_states + 5, 20)``).
    return_vectors : bool
        Keep the eigenvectors (``size x n_states`` floats).
    max_memory : float, optional
        Memory limit in bytes (default 90 % of the available memory).
    seed : int
        Seed of the random part of the starting vector.
    maxiter : int, optional
        ARPACK iteration limit.

    Returns
    -------
    ExactResult

    Raises
    ------
    MemoryError
        If the grid vectors times the Lanczos basis would not fit in memory; the
        message says how large the request is.
    ValueError
        Bad ``n_states``/``method``.

    Examples
    --------
    Bilinearly coupled oscillators,
    :math:`H = \sum_i \tfrac{\omega_i}{2}(p_i^2 + q_i^2) + c\,q_1 q_2`, against their
    normal-mode levels:

    >>> from vibmpo.operators.forcefield import coupled_oscillator_levels, coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> ham = grid_hamiltonian(coupled_oscillators([1.0, 1.5], 0.2), "ho:16")
    >>> res = exact_levels(ham, 5, method="lanczos")
    >>> bool(np.allclose(res.energies, coupled_oscillator_levels([1.0, 1.5], 0.2, 5)))
    True
    >>> bool(res.residuals.max() < 1e-6), res.dims
    (True, (16, 16))
    """
    if not isinstance(ham, GridHamiltonian):
        raise TypeError(f"ham must be a GridHamiltonian, got {type(ham).__name__}; build one "
                        "with vibmpo.operators.hamiltonian.grid_hamiltonian")
    if method not in EXACT_METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {EXACT_METHODS}")
    n = ham.size
    k = int(n_states)
    if k < 1 or k > n:
        raise ValueError(f"n_states must be between 1 and the grid size {n}, got {n_states}")
    if method == "auto":
        method = "dense" if n <= 2000 else "filtered"
    if method != "dense" and k >= n - 1:
        raise ValueError(f"{method!r} needs n_states < grid size - 1 ({n - 1}); use "
                         "method='dense' for so many states")
    ncv = int(ncv) if ncv is not None else max(2 * k + 5, 20)
    ncv = min(ncv, n)
    if method == "dense":
        mem = 8.0 * (3 * n * n + 4 * n)
        what = f"dense diagonalisation of the {n}x{n} matrix"
    else:
        mem = 8.0 * n * (ncv + 3 * k + 10)
        what = (f"Lanczos on the {'x'.join(map(str, ham.dims))} = {n:,} point grid "
                f"({ncv} basis vectors + {k} eigenvectors)")
    check_memory(mem, what, max_memory=max_memory,
                 advice="use fewer grid points per mode or an MPO method (DMRG)")
    t0 = time.perf_counter()
    if method == "dense":
        w, v = np.linalg.eigh(ham.dense())
        w, v = w[:k], v[:, :k]
        nmv = 0
    else:
        count = [0]
        b = _upper_bound(ham)
        v0 = _start_vector(ham, k, seed)

        def shifted(x):  # H - b: spectrum <= 0, wanted end far from zero
            count[0] += 1
            return ham.matvec(x) - b * x

        opfun, which = shifted, "SA"
        if method == "filtered":
            m = int(degree)
            if m < 1:
                raise ValueError(f"degree must be a positive integer, got {degree}")
            est = _separable_levels(ham, k + 1)
            spread = max(est[-1] - est[0], 1e-6 * max(abs(b - est[0]), 1e-300))
            for attempt in range(6):
                a = est[0] + 1.5 * (2.0**attempt) * spread
                if a >= b:  # filter interval empty: plain Lanczos
                    method, opfun, which = "lanczos", shifted, "SA"
                    break

                cheb = _chebyshev_filter(ham, 0.5 * (a + b), 0.5 * (b - a), m, count)
                pw, v = _eigsh(cheb, n, k, "LA", ncv, tol, v0, maxiter)
                opfun, which = cheb, "LA"
                if pw.min() > 1.0 + 1e-8:
                    break
                v0 = v[:, np.argmax(pw)].copy()
            else:  # pragma: no cover - spectrum estimate far off
                raise RuntimeError("filtered Lanczos could not bracket the wanted levels; "
                                   "use method='lanczos'")
        if which == "SA":
            _, v = _eigsh(opfun, n, k, "SA", ncv, tol, v0, maxiter)
        w, v, hv = _rayleigh_ritz(ham, v, count)
        # single-vector Lanczos finds one vector per degenerate eigenspace: look for
        # missing levels below the highest found one in the deflated operator
        n_check = min(2, n - k - 1)
        for _ in range(4 * k if n_check > 0 else 0):
            def deflated(x, v=v):
                x = x - v @ (v.T @ x)
                y = opfun(x)
                return y - v @ (v.T @ y)

            rng = np.random.default_rng(seed + 1)
            start = rng.standard_normal(n)
            found = None
            for check_tol in (max(tol, 1e-3), tol):  # cheap detection, then polish
                _, u = _eigsh(deflated, n, n_check, which, max(2 * n_check + 8, 20),
                              check_tol, start, maxiter, partial=True)
                if u is None or u.shape[1] == 0:
                    break
                u = u - v @ (v.T @ u)
                u, _ = np.linalg.qr(u)
                hu = np.column_stack([ham.matvec(np.ascontiguousarray(u[:, j]))
                                      for j in range(u.shape[1])])
                count[0] += u.shape[1]
                eu = np.einsum("ij,ij->j", u, hu)
                if not np.any(eu < w[-1] - 1e-10 * max(1.0, abs(w[-1]))):
                    break
                found, start = u, u[:, np.argmin(eu)].copy()
            if found is None:
                break
            u = found
            w, v, hv = _rayleigh_ritz(ham, np.hstack([v, u]), count, keep=k)
        nmv = count[0]
    if method == "dense":
        hv = np.empty_like(v)
        for j in range(k):
            hv[:, j] = ham.matvec(np.ascontiguousarray(v[:, j]))
    res = np.linalg.norm(hv - v * w[None, :], axis=0)
    del hv
    flip = v[np.argmax(np.abs(v), axis=0), np.arange(k)] < 0
    v[:, flip] *= -1.0
    seconds = time.perf_counter() - t0
    return ExactResult(
        energies=np.asarray(w, dtype=np.float64), vectors=v if return_vectors else None,
        residuals=res, energy_unit=ham.energy_unit, dims=ham.dims, method=method,
        seconds=seconds, memory_bytes=int(mem), n_matvec=int(nmv),
    )
