r"""Exact (full-grid) propagation: the reference for TDVP on small systems.

.. math::

    \psi(t_k) = e^{-iHt_k}\psi(0), \qquad C(t_k) = \langle\psi(0)|\psi(t_k)\rangle ,

on equally spaced times :math:`t_k = k\,\delta t`, either

* ``method="expm"``: :func:`scipy.sparse.linalg.expm_multiply` with the matrix-free
  product :math:`H v` (the operator layer's Numba kernel, ``GridHamiltonian.matvec``)
  wrapped as a :class:`scipy.sparse.linalg.LinearOperator` (any grid that fits in
  memory a few vectors at a time), or
* ``method="eigh"``: dense eigen-decomposition :math:`H = U\,\mathrm{diag}(E)\,U^T`,
  :math:`C(t) = \sum_n |U_{0n}|^2 e^{-iE_n t}` (tiny grids only, exact at any time),
* ``method="krylov"``: step by step with the Lanczos exponential
  (:func:`vibmpo.linalg.krylov.expm_krylov`, sub-stepping where a step does not
  converge); usually the fastest for big grids, since its cost follows the spectral
  range actually reached rather than a norm bound,
* ``method="chebyshev"``: only :math:`C(t)`, from the Chebyshev moments
  :math:`\mu_n = \langle\psi_0|T_n(\tilde H)|\psi_0\rangle` of the scaled Hamiltonian
  :math:`\tilde H = (H - b)/a` (spectrum inside :math:`[-1, 1]`),

  .. math::

      C(t) = e^{-ibt} \sum_{n\ge 0} (2 - \delta_{n0})\,(-i)^n J_n(at)\,\mu_n ,

  with :math:`\mu_{2n} = 2\langle\phi_n|\phi_n\rangle - \mu_0` and
  :math:`\mu_{2n+1} = 2\langle\phi_{n+1}|\phi_n\rangle - \mu_1`
  (:math:`\phi_n = T_n(\tilde H)\psi_0`), so about :math:`a\,t_\mathrm{final}/2`
  products :math:`Hv` give the whole time series, real arithmetic for real ``H`` and
  ``psi0``; exact to machine precision (the fastest reference for long times),
* ``method="auto"``: ``eigh`` up to 2000 grid points, ``krylov`` above.

Imaginary time (:math:`e^{-H\tau}`, normalised) is available with ``imaginary=True``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from vibmpo.linalg.memory import check_memory
from vibmpo.solvers._tdvp import time_grid

__all__ = ["ExactPropagation", "propagate_exact", "hamiltonian_operator"]

_EIGH_MAX = 2000


@dataclass(frozen=True)
class ExactPropagation:
    """Result of :func:`propagate_exact`.

    Attributes
    ----------
    times : numpy.ndarray
        :math:`t_k`.
    autocorrelation : numpy.ndarray
        :math:`C(t_k)` (initial state normalised).
    states : numpy.ndarray or None
        ``(n_times, size)`` full-grid states if ``keep_states``.
    final_state : numpy.ndarray
    energy : float
        :math:`\\langle\\psi(0)|H|\\psi(0)\\rangle`.
    method : str
    wall_time : float
        Seconds of the propagation.
    energy_unit : str or None
        Unit of ``energy`` (that of ``H``; ``None`` for a plain matrix).
    info : dict
        Settings (``dt``, ``n_steps``, ``imaginary``).

    Examples
    --------
    An oscillator's ground state only picks up its phase, :math:`C(t) = e^{-i t/2}`:

    >>> r = propagate_exact(np.diag([0.5, 1.5]), [1.0, 0.0], 2.0, dt=1.0)
    >>> bool(np.allclose(r.autocorrelation, np.exp(-0.5j * r.times))), r.energy, r.method
    (True, 0.5, 'eigh')
    """

    times: np.ndarray
    autocorrelation: np.ndarray
    states: np.ndarray | None
    final_state: np.ndarray | None
    energy: float
    method: str
    wall_time: float = 0.0
    energy_unit: str | None = None
    info: dict = field(default_factory=dict)


def hamiltonian_operator(H):
    """A :class:`scipy.sparse.linalg.LinearOperator` for ``H`` (GridHamiltonian, array or
    sparse matrix), and its size.

    Examples
    --------
    >>> op, n = hamiltonian_operator(np.diag([1.0, 2.0]))
    >>> n, op.matvec(np.ones(2)).tolist()
    (2, [1.0, 2.0])
    """
    import scipy.sparse.linalg as sla

    if hasattr(H, "matvec") and hasattr(H, "size") and hasattr(H, "dims"):
        n = int(H.size)

        def mv(v):
            v = np.asarray(v).reshape(-1)
            return np.asarray(H.matvec(v)).reshape(-1)

        op = sla.LinearOperator((n, n), matvec=mv, rmatvec=mv, matmat=None,
                                dtype=np.complex128)
        return op, n
    if isinstance(H, sla.LinearOperator):
        return H, H.shape[0]
    op = sla.aslinearoperator(H)
    if op.shape[0] != op.shape[1]:
        raise ValueError(f"H must be square, got shape {op.shape}")
    return op, op.shape[0]


def _dense(H, n):
    if hasattr(H, "dense") and hasattr(H, "dims"):
        return np.asarray(H.dense())
    if hasattr(H, "toarray"):
        return H.toarray()
    if isinstance(H, np.ndarray):
        return H
    return H @ np.eye(n)


def propagate_exact(H, psi0, t_final: float, *, dt: float, method: str = "auto",
                    imaginary: bool = False, keep_states: bool = False,
                    progress: bool = False) -> ExactPropagation:
    r"""Propagate a full-grid state exactly and return :math:`C(t)`.

    Parameters
    ----------
    H : GridHamiltonian, numpy.ndarray, sparse matrix or LinearOperator
        Hermitian Hamiltonian; a ``GridHamiltonian`` is applied matrix-free.
    psi0 : array_like
        Initial state (flat, ``H.size``; or shaped like the grid; or a quimb MPS, which
        is converted to a dense vector -- small systems only).
    t_final, dt : float
        As in :func:`vibmpo.solvers.tdvp` (``t_final / dt`` a positive integer).
    method : {"auto", "eigh", "expm", "krylov", "chebyshev"}, optional
        See the module docstring (``chebyshev``: real time, autocorrelation only;
        ``final_state`` is then ``None``).
    imaginary : bool, optional
        Imaginary-time propagation :math:`e^{-H\tau}` with normalisation.
    keep_states : bool, optional
        Return all states (memory: ``n_times * size`` complex numbers).
    progress : bool, optional
        tqdm progress bar (``krylov`` method).

    Returns
    -------
    ExactPropagation

    Examples
    --------
    >>> H = np.array([[0.0, 0.5], [0.5, 1.0]])
    >>> r = propagate_exact(H, [1.0, 0.0], 1.0, dt=0.5)
    >>> w, U = np.linalg.eigh(H)
    >>> c = (U[0] ** 2 * np.exp(-1j * w * 1.0)).sum()
    >>> bool(abs(r.autocorrelation[-1] - c) < 1e-12)
    True
    """
    t0 = time.perf_counter()
    method = _check_method(method, imaginary, keep_states)
    n_steps, _ = time_grid(t_final, dt)
    op, n = hamiltonian_operator(H)
    v0 = _initial_vector(psi0, n)
    if method == "auto":
        method = "eigh" if n <= _EIGH_MAX else "krylov"
    times = np.arange(n_steps + 1) * float(dt)
    energy = float(np.vdot(v0, op.matvec(v0.astype(complex))).real)
    if method == "eigh":
        out = _propagate_eigh(H, n, v0, times, imaginary, keep_states)
    elif method == "chebyshev":
        out = _chebyshev_autocorrelation(op, v0, times, progress)
    elif method == "krylov":
        out = _propagate_krylov(op, v0, times, float(dt), imaginary, keep_states, energy,
                                progress)
    else:
        out = _propagate_expm(op, v0, times, float(dt), imaginary, keep_states, energy)
    auto, states, final = out
    return ExactPropagation(times, auto, states, final, energy, method,
                            wall_time=time.perf_counter() - t0,
                            energy_unit=getattr(H, "energy_unit", None),
                            info={"dt": float(dt), "n_steps": int(n_steps),
                                  "imaginary": bool(imaginary)})


_METHODS = ("auto", "eigh", "expm", "krylov", "chebyshev")


def _check_method(method, imaginary, keep_states):
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {_METHODS}")
    if method == "chebyshev" and (imaginary or keep_states):
        raise ValueError("method='chebyshev' gives the real-time autocorrelation only; use "
                         "'krylov' for imaginary time or keep_states")
    return method


def _initial_vector(psi0, n):
    """``psi0`` as a normalised flat vector of ``n`` amplitudes."""
    if hasattr(psi0, "to_dense") and hasattr(psi0, "L"):
        psi0 = psi0.to_dense().ravel()
    v0 = np.asarray(psi0).reshape(-1)
    if v0.size != n:
        raise ValueError(f"psi0 has {v0.size} amplitudes but H acts on {n}")
    nrm = np.linalg.norm(v0)
    if not nrm > 0:
        raise ValueError("psi0 has zero norm")
    return v0 / nrm


def _propagate_eigh(H, n, v0, times, imaginary, keep_states):
    """Through the eigendecomposition of the dense matrix."""
    check_memory(8.0 * n * n * 3, "dense eigendecomposition for exact propagation")
    w, U = np.linalg.eigh(_dense(H, n))
    a = U.conj().T @ v0
    if imaginary:
        coef = np.exp(-np.outer(times, w - w[0])) * a[None, :]
        coef /= np.linalg.norm(coef, axis=1, keepdims=True)
    else:
        coef = np.exp(-1j * np.outer(times, w)) * a[None, :]
    states = (coef @ U.T) if keep_states else None
    return coef @ a.conj(), states, U @ coef[-1]


def _propagate_expm(op, v0, times, dt, imaginary, keep_states, energy):
    """SciPy's ``expm_multiply`` on equally spaced times, chunk by chunk."""
    import scipy.sparse.linalg as sla

    n, n_steps = v0.size, times.size - 1
    # A = -iH (or -H); expm_multiply evaluates e^{tA} v on equally spaced t, chunk by chunk
    sign = -1.0 if imaginary else -1j
    aop = sla.LinearOperator((n, n), matvec=lambda x: sign * op.matvec(x),
                             rmatvec=lambda x: np.conj(sign) * op.matvec(x),
                             dtype=np.complex128)
    trace = sign * energy * n  # shift mu = trace / n = <H>: keeps the series short
    auto = np.empty(n_steps + 1, dtype=complex)
    states = np.empty((n_steps + 1, n), dtype=complex) if keep_states else None
    v = v0.astype(complex)
    auto[0] = 1.0
    if keep_states:
        states[0] = v
    chunk = int(max(1, min(n_steps, 2e8 // (16 * n))))
    k = 0
    while k < n_steps:
        m = min(chunk, n_steps - k)
        block = sla.expm_multiply(aop, v, start=0.0, stop=m * dt, num=m + 1,
                                  endpoint=True, traceA=trace)
        block = np.asarray(block)[1:]
        if imaginary:
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        auto[k + 1:k + m + 1] = block @ v0.conj()
        if keep_states:
            states[k + 1:k + m + 1] = block
        v = block[-1]
        k += m
    return auto, states, v


def _krylov_step(mv, v, tau, sub):
    """``e^{tau mv} v`` in ``sub`` Krylov steps, doubled until every step converges;
    returns the vector and the number of sub-steps used."""
    from vibmpo.linalg.krylov import expm_krylov_info

    while True:
        w, ok = v, True
        for _ in range(sub):
            w, info = expm_krylov_info(mv, w, tau / sub, krylov_dim=60, tol=1e-12)
            if not info.converged:
                ok = False
                break
        if ok:
            return w, sub
        sub *= 2


def _progress(progress, total, desc, unit):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=None)


def _propagate_krylov(op, v0, times, dt, imaginary, keep_states, energy, progress):
    n_steps = times.size - 1
    auto = np.empty(n_steps + 1, dtype=complex)
    states = np.empty((n_steps + 1, v0.size), dtype=complex) if keep_states else None
    v = v0.astype(complex)
    auto[0] = 1.0
    if keep_states:
        states[0] = v

    def mv(x):
        return op.matvec(x) - energy * x  # shifted: smaller Krylov spaces, same dynamics

    sub, tau = 1, (-dt if imaginary else -1j * dt)
    bar = _progress(progress, n_steps, "exact", "step")
    for k in range(1, n_steps + 1):
        v, sub = _krylov_step(mv, v, tau, sub)
        if imaginary:
            v = v / np.linalg.norm(v)
        # undo the energy shift in the phase: e^{-iHt} = e^{-iEt} e^{-i(H-E)t}
        phase = 1.0 if imaginary else np.exp(-1j * energy * times[k])
        auto[k] = np.vdot(v0, v) * phase
        if keep_states:
            states[k] = v * phase
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    final = v if imaginary else v * np.exp(-1j * energy * times[-1])
    return auto, states, final


def _spectral_bounds(op, v0, n_iter=60):
    """Lower/upper bounds of the spectrum of ``op`` from Lanczos Ritz values plus margins."""
    import scipy.linalg

    rng = np.random.default_rng(0)
    v = rng.standard_normal(v0.size) + (v0.real if np.isrealobj(v0) else 0.0)
    v /= np.linalg.norm(v)
    vs = [v]
    alphas, betas = [], []
    prev = np.zeros_like(v)
    beta = 0.0
    for j in range(n_iter):
        w = np.real_if_close(op.matvec(vs[-1]))
        a = float(np.vdot(vs[-1], w).real)
        w = w - a * vs[-1] - beta * prev
        for u in vs:  # full re-orthogonalisation: cheap for 60 vectors
            w = w - np.vdot(u, w) * u
        alphas.append(a)
        beta = float(np.linalg.norm(w))
        if beta < 1e-12 or j == n_iter - 1:
            break
        betas.append(beta)
        prev = vs[-1]
        vs.append(w / beta)
    ev, evec = scipy.linalg.eigh_tridiagonal(np.array(alphas), np.array(betas))
    resid = beta * np.abs(evec[-1])
    lo = ev[0] - resid[0]
    hi = ev[-1] + resid[-1]
    margin = 0.02 * (hi - lo)
    return lo - margin, hi + margin


def _chebyshev_autocorrelation(op, v0, times, progress):
    import scipy.special

    lo, hi = _spectral_bounds(op, v0)
    a = 0.5 * (hi - lo)
    b = 0.5 * (hi + lo)
    t_max = float(np.max(np.abs(times)))
    x = a * t_max
    n_mom = int(x + 12.0 * max(x, 1.0) ** (1.0 / 3.0) + 30)
    n_half = (n_mom + 1) // 2
    real = np.isrealobj(v0)

    def ht(v):
        w = op.matvec(v)
        w = w.real if real else w
        return (w - b * v) / a

    mu = np.empty(2 * n_half + 2)
    phi_prev = v0.astype(float if real else complex)
    phi = ht(phi_prev)
    mu0 = float(np.vdot(phi_prev, phi_prev).real)
    mu1 = complex(np.vdot(phi_prev, phi)).real
    mu[0], mu[1] = mu0, mu1
    bar = _progress(progress, n_half, "chebyshev", "matvec")
    # phi = phi_n, phi_prev = phi_{n-1}; mu_{2n} = 2<phi_n|phi_n> - mu0,
    # mu_{2n+1} = 2<phi_{n+1}|phi_n> - mu1
    for n in range(1, n_half + 1):
        mu[2 * n] = 2.0 * float(np.vdot(phi, phi).real) - mu0
        phi_next = 2.0 * ht(phi) - phi_prev
        mu[2 * n + 1] = 2.0 * float(np.vdot(phi_next, phi).real) - mu1
        phi_prev, phi = phi, phi_next
        if abs(mu[2 * n]) > 1.0 + 1e-6:
            raise RuntimeError(
                "Chebyshev moments grow: the spectral bounds are too tight; use "
                "method='krylov'")
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    n_all = np.arange(mu.size)
    coef = np.where(n_all == 0, 1.0, 2.0) * (-1j) ** (n_all % 4) * mu
    auto = np.empty(times.size, dtype=complex)
    for k, t in enumerate(times):
        jn = scipy.special.jv(n_all, a * t)
        auto[k] = np.exp(-1j * b * t) * (coef @ jn)
    return auto, None, None
