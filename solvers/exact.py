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
Memory: about ``8 * size * (ncv + 3 n_states + 10)`` bytes; larger requests are refused
(:func:`vibmpo.linalg.memory.check_memory`).

Examples
--------
>>> from vibmpo.operators.forcefield import henon_heiles
>>> from vibmpo.operators.hamiltonian import grid_hamiltonian
>>> res = exact_levels(grid_hamiltonian(henon_heiles(2), "ho:24"), n_states=3)
>>> round(float(res.energies[0]), 6)
0.998595
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from vibmpo.linalg.memory import check_memory
from vibmpo.operators.chebyshev import chebyshev_filter
from vibmpo.operators.hamiltonian import GridHamiltonian

from .verify import RESIDUAL_RTOL

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
    wall_time : float
        Wall time of the solve in seconds (formerly ``seconds``, a deprecated alias).
    memory_bytes : int
        Estimated peak memory of the solve.
    n_matvec : int
        Number of H*v products.
    converged : ndarray of bool (k,)
        Residual at most :data:`~vibmpo.solvers.verify.RESIDUAL_RTOL` (1e-3) times the
        scale of the levels :math:`\\max_n |E_n|` (a first-order bound on the energy
        error; the error itself is about residual squared over the gap).
    info : dict
        Settings used (``tol``, ``degree``, ``ncv``, ``seed``, ``maxiter``) and the
        residual threshold.

    Examples
    --------
    Two uncoupled oscillators with :math:`\\omega = 1, 2` have the levels
    :math:`n_1 + 2 n_2 + 3/2`:

    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> ham = grid_hamiltonian(coupled_oscillators([1.0, 2.0], 0.0), "ho:12")
    >>> res = exact_levels(ham, n_states=4)
    >>> res.excitations.round(8).tolist(), res.method, res.vectors.shape
    ([0.0, 1.0, 2.0, 2.0], 'dense', (144, 4))
    >>> bool(res.converged.all()), res.energy_unit
    (True, 'cm-1')
    """

    energies: np.ndarray
    vectors: np.ndarray | None
    residuals: np.ndarray
    energy_unit: str
    dims: tuple
    method: str
    wall_time: float
    memory_bytes: int
    n_matvec: int
    converged: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def excitations(self) -> np.ndarray:
        """Energies relative to the lowest one."""
        return self.energies - self.energies[0]

    @property
    def seconds(self) -> float:
        """Deprecated alias of ``wall_time``."""
        warnings.warn("ExactResult.seconds is renamed wall_time (as in every solver "
                      "result); the old name goes in the next release", DeprecationWarning,
                      stacklevel=2)
        return self.wall_time


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


def _apply_h(ham, v, count):
    """H times the columns of ``v``."""
    hv = np.column_stack([ham.matvec(np.ascontiguousarray(v[:, j]))
                          for j in range(v.shape[1])])
    count[0] += v.shape[1]
    return hv


def _rayleigh_ritz(ham, v, count, keep=None):
    """Eigenpairs of H in span(v), ascending; the lowest ``keep``; also H times them."""
    v, _ = np.linalg.qr(v)
    hv = _apply_h(ham, v, count)
    w, y = np.linalg.eigh(v.T @ hv)
    if keep is not None:
        w, y = w[:keep], y[:, :keep]
    return w, v @ y, hv @ y


@dataclass
class _Solve:
    """One iterative solve: the settings and the Hv counter."""

    ham: GridHamiltonian
    k: int
    tol: float
    ncv: int
    seed: int
    maxiter: int | None
    count: list = field(default_factory=lambda: [0])

    def shifted(self, b):
        def op(x):  # H - b: spectrum <= 0, wanted end far from zero
            self.count[0] += 1
            return self.ham.matvec(x) - b * x

        return op

    def filtered(self, degree, b, v0):
        """Chebyshev-filtered Lanczos; ``None`` when the filter interval is empty."""
        est = _separable_levels(self.ham, self.k + 1)
        spread = max(est[-1] - est[0], 1e-6 * max(abs(b - est[0]), 1e-300))
        for attempt in range(6):
            a = est[0] + 1.5 * (2.0**attempt) * spread
            if a >= b:  # filter interval empty: plain Lanczos
                return None
            cheb = chebyshev_filter(self.ham, 0.5 * (a + b), 0.5 * (b - a), degree,
                                    counter=self.count)
            pw, v = _eigsh(cheb, self.ham.size, self.k, "LA", self.ncv, self.tol, v0,
                           self.maxiter)
            if pw.min() > 1.0 + 1e-8:
                return cheb, v
            v0 = v[:, np.argmax(pw)].copy()
        # spectrum estimate far off
        raise RuntimeError("filtered Lanczos could not bracket the wanted levels; "
                           "use method='lanczos'")

    def lowest_deflated(self, opfun, which, v, w_top):
        """Vectors orthogonal to ``v`` with energies below ``w_top``, or ``None``."""
        n = self.ham.size
        n_check = min(2, n - self.k - 1)

        def deflated(x):
            x = x - v @ (v.T @ x)
            y = opfun(x)
            return y - v @ (v.T @ y)

        start = np.random.default_rng(self.seed + 1).standard_normal(n)
        found = None
        for check_tol in (max(self.tol, 1e-3), self.tol):  # cheap detection, then polish
            _, u = _eigsh(deflated, n, n_check, which, max(2 * n_check + 8, 20), check_tol,
                          start, self.maxiter, partial=True)
            if u is None or u.shape[1] == 0:
                break
            u, _ = np.linalg.qr(u - v @ (v.T @ u))
            eu = np.einsum("ij,ij->j", u, _apply_h(self.ham, u, self.count))
            if not np.any(eu < w_top - 1e-10 * max(1.0, abs(w_top))):
                break
            found, start = u, u[:, np.argmin(eu)].copy()
        return found

    def run(self, method, degree):
        """Eigenpairs ``(w, v, hv)`` and the method actually used."""
        b = _upper_bound(self.ham)
        v0 = _start_vector(self.ham, self.k, self.seed)
        opfun, which = self.shifted(b), "SA"
        got = self.filtered(int(degree), b, v0) if method == "filtered" else None
        if got is None:
            method = "lanczos"
            _, v = _eigsh(opfun, self.ham.size, self.k, "SA", self.ncv, self.tol, v0,
                          self.maxiter)
        else:
            (opfun, v), which = got, "LA"
        w, v, hv = _rayleigh_ritz(self.ham, v, self.count)
        # single-vector Lanczos finds one vector per degenerate eigenspace: look for
        # missing levels below the highest found one in the deflated operator
        for _ in range(4 * self.k if self.ham.size - self.k - 1 > 0 else 0):
            u = self.lowest_deflated(opfun, which, v, w[-1])
            if u is None:
                break
            w, v, hv = _rayleigh_ritz(self.ham, np.hstack([v, u]), self.count, keep=self.k)
        return w, v, hv, method


def _check_request(ham, n_states, method, degree):
    """Validated ``(k, method)`` with ``"auto"`` resolved."""
    if not isinstance(ham, GridHamiltonian):
        raise TypeError(f"ham must be a GridHamiltonian, got {type(ham).__name__}; build one "
                        "with vibmpo.operators.hamiltonian.grid_hamiltonian")
    if method not in EXACT_METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {EXACT_METHODS}")
    n, k = ham.size, int(n_states)
    if k != n_states or k < 1 or k > n:
        raise ValueError(f"n_states must be between 1 and the grid size {n}, got {n_states}")
    if method == "auto":
        method = "dense" if n <= 2000 else "filtered"
    if method != "dense" and k >= n - 1:
        raise ValueError(f"{method!r} needs n_states < grid size - 1 ({n - 1}); use "
                         "method='dense' for so many states")
    if method == "filtered" and int(degree) < 1:
        raise ValueError(f"degree must be a positive integer, got {degree}")
    return k, method


def _memory(ham, method, k, ncv, max_memory) -> float:
    """Estimated bytes of the solve, refused if they do not fit."""
    n = ham.size
    if method == "dense":
        mem = 8.0 * (3 * n * n + 4 * n)
        what = f"dense diagonalisation of the {n}x{n} matrix"
    else:
        mem = 8.0 * n * (ncv + 3 * k + 10)
        what = (f"Lanczos on the {'x'.join(map(str, ham.dims))} = {n:,} point grid "
                f"({ncv} basis vectors + {k} eigenvectors)")
    check_memory(mem, what, max_memory=max_memory,
                 advice="use fewer grid points per mode or an MPO method (DMRG)")
    return mem


def _n_states_argument(args, n_states):
    """``n_states`` given by keyword or (deprecated) positionally."""
    if len(args) > 1:
        raise TypeError(f"exact_levels() takes 1 positional argument (ham) but {1 + len(args)}"
                        " were given; pass the options by keyword")
    if args:
        if n_states is not None:
            raise TypeError("exact_levels() got n_states twice (positionally and by keyword)")
        warnings.warn("exact_levels(ham, n) is deprecated: pass n_states=n by keyword (as "
                      "in dmrg); positional use goes in the next release",
                      DeprecationWarning, stacklevel=3)
        return args[0]
    if n_states is None:
        raise TypeError("exact_levels() missing the keyword argument n_states")
    return n_states


def exact_levels(ham: GridHamiltonian, *args, n_states: int | None = None,
                 method: str = "auto", tol: float = 1e-8, degree: int = 10,
                 ncv: int | None = None, return_vectors: bool = True,
                 max_memory: float | None = None, seed: int = 0,
                 maxiter: int | None = None) -> ExactResult:
    r"""Lowest ``n_states`` eigenpairs of a grid Hamiltonian by exact diagonalisation.

    Parameters
    ----------
    ham : GridHamiltonian
        From :func:`vibmpo.operators.hamiltonian.grid_hamiltonian`.
    n_states : int
        Number of levels wanted (keyword-only; positional use is deprecated).
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
    >>> res = exact_levels(ham, n_states=5, method="lanczos")
    >>> bool(np.allclose(res.energies, coupled_oscillator_levels([1.0, 1.5], 0.2, 5)))
    True
    >>> bool(res.residuals.max() < 1e-6), res.dims
    (True, (16, 16))
    """
    n_states = _n_states_argument(args, n_states)
    k, method = _check_request(ham, n_states, method, degree)
    ncv = min(int(ncv) if ncv is not None else max(2 * k + 5, 20), ham.size)
    mem = _memory(ham, method, k, ncv, max_memory)
    t0 = time.perf_counter()
    if method == "dense":
        w, v = np.linalg.eigh(ham.dense())
        w, v, nmv = w[:k], v[:, :k], 0
        hv = _apply_h(ham, v, [0])
    else:
        solve = _Solve(ham, k, float(tol), ncv, int(seed), maxiter)
        w, v, hv, method = solve.run(method, degree)
        nmv = solve.count[0]
    res = np.linalg.norm(hv - v * w[None, :], axis=0)
    del hv
    flip = v[np.argmax(np.abs(v), axis=0), np.arange(k)] < 0
    v[:, flip] *= -1.0
    threshold = RESIDUAL_RTOL * max(float(np.abs(w).max()), float(np.ptp(w)),
                                    np.finfo(float).tiny)
    return ExactResult(
        energies=np.asarray(w, dtype=np.float64), vectors=v if return_vectors else None,
        residuals=res, energy_unit=ham.energy_unit, dims=ham.dims, method=method,
        wall_time=time.perf_counter() - t0, memory_bytes=int(mem), n_matvec=int(nmv),
        converged=res <= threshold,
        info={"tol": float(tol), "degree": int(degree), "ncv": ncv, "seed": int(seed),
              "maxiter": maxiter, "residual_threshold": threshold},
    )
