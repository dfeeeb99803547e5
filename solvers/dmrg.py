r"""DMRG for vibrational ground and excited states.

Finds the lowest eigenpairs :math:`H|\psi_n\rangle = E_n|\psi_n\rangle` of a Hamiltonian
given as a quimb ``MatrixProductOperator`` by variational sweeps over an MPS
(:mod:`vibmpo.solvers.sweep`), with the local eigenproblems

.. math::

    H_\mathrm{eff}\, \theta = E\, \theta

solved by a block Davidson method to a tight residual. Excited states:

``method="state-average"``
    one MPS whose centre tensor carries ``k`` roots; every local problem is solved for
    its ``k`` lowest eigenpairs and the SVD keeps the basis best for the average of
    the roots' reduced density matrices. Degenerate levels come out together.
``method="sequential"``
    one state at a time, each minimising :math:`H + \sum_{m<n} \mu\,|\psi_m\rangle
    \langle\psi_m|` (penalty projection onto the orthogonal complement of the states
    already found); cheaper per state, bond dimension per state. Every state starts
    from an eigenvector of a small configuration interaction in the VSCF modal basis
    (``initial="configurations"``) or from a root of a state-averaged warm-up
    (``initial="state-average"``: the robust choice for a dense band of
    near-degenerate levels, where penalty sweeps on one state at a time converge slowly
    and can settle on the wrong member of the band). :math:`\mu` follows the CI (or
    warm-up) estimate of the level spread (a too small one is detected and the state
    redone). Sweeps can settle on a higher eigenstate (a stationary point they cannot
    leave); two checks catch this. (1) Run ``n`` minimises over the complement of
    ``n`` states, so its exact answer lies at or below :math:`E_n`, which lies below
    the ``n``-th Ritz value of any subspace (the CI space, the warm-up roots): a state
    above that bound *landed high* and is redone from a state-averaged warm-up root
    (the warm-up is computed then if it was not). (2) A state that comes out below one
    found before it reveals a skipped eigenstate and triggers further states until one
    lies above all kept ones. The lowest ``n_states`` are returned, sorted, and a
    :class:`DMRGConvergenceWarning` is issued if that could not be confirmed.

Two-site sweeps (bond growth) can be followed by cheaper one-site sweeps with subspace
expansion (schedule ``nsites=(2, 2, 2, 1)``). All schedules accept a scalar or a
sequence whose last value repeats.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .krylov import davidson
from .mps import (
    compress,
    mpo_arrays,
    mps_arrays,
    random_mps,
    residual_norm,
    to_quimb_mps,
)
from .sweep import (
    EffectiveOperator,
    LocalUpdate,
    Projection,
    Schedule,
    make_state,
    root_tensors,
    run_sweeps,
    schedule_values,
)
from .verify import check_info, verify_eigenpairs

__all__ = ["DMRGResult", "dmrg", "residual_norm", "DMRGConvergenceWarning"]

METHODS = ("state-average", "sequential")
INITIALS = ("auto", "configurations", "state-average", "random")


class DMRGConvergenceWarning(UserWarning):
    """Issued when some DMRG state did not converge within ``nsweeps``.

    Examples
    --------
    One sweep at bond dimension 1 cannot confirm convergence:

    >>> import warnings, quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     r = dmrg(H, maxdim=1, nsweeps=1)
    >>> r.all_converged, [w.category.__name__ for w in caught]
    (False, ['DMRGConvergenceWarning'])
    """


@dataclass(frozen=True)
class DMRGResult:
    """Result of :func:`dmrg`.

    Attributes
    ----------
    energies : ndarray (n_states,)
        Energies in ascending order, in the unit of the MPO.
    states : list of quimb.tensor.MatrixProductState
        Normalised eigenstates, same order.
    converged : ndarray of bool (n_states,)
        Whether the energy changed by less than ``tol`` over the last sweep (after the
        schedules reached their final values) *and* the state passed
        :func:`~vibmpo.solvers.verify.verify_eigenpairs` (norm 1, residual below
        ``1e-3`` times the energy scale, Rayleigh quotient, orthogonality);
        ``info["verification"]`` holds the details.
    residuals : ndarray (n_states,)
        :math:`\\lVert (H - E_n)\\psi_n \\rVert` (NaN if not computed).
    history : list of ndarray
        Per state: energy after each sweep.
    truncation : list of ndarray
        Per state: largest discarded weight in each sweep.
    bond_dims : list of ndarray
        Per state: largest bond dimension after each sweep.
    sweep_times : list of ndarray
        Per state (sequential) or one entry (state-average): wall seconds of each sweep.
    wall_time : float
        Total wall time in seconds.
    method : str
    info : dict
        Settings used (schedules, tolerances, number of roots, seed).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> r = dmrg(H, n_states=2, maxdim=8)
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:2]))
    True
    >>> r.all_converged, len(r.states), bool(r.residuals.max() < 1e-6), r.method
    (True, 2, True, 'state-average')
    """

    energies: np.ndarray
    states: list
    converged: np.ndarray
    residuals: np.ndarray
    history: list
    truncation: list
    bond_dims: list
    sweep_times: list
    wall_time: float
    method: str
    info: dict = field(default_factory=dict)

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))


# --------------------------------------------------------------------------------------
# local eigensolver
# --------------------------------------------------------------------------------------
def _local_eig(op: EffectiveOperator, theta, tol):
    """k lowest eigenpairs of ``op`` starting from the k roots in ``theta``."""
    k = theta.shape[0]
    N = op.size
    if N < k:
        raise ValueError(
            f"local space of dimension {N} cannot hold {k} states; "
            "increase maxdim or ask for fewer states"
        )
    if N <= 400:
        h = op.dense()
        h = 0.5 * (h + h.conj().T)
        w, v = np.linalg.eigh(h)
        return w[:k], v[:, :k].T.reshape(theta.shape), np.zeros(k)
    X0 = theta.reshape(k, N).T
    w, X, r, _ = davidson(op.matmat, op.diagonal().reshape(-1).real, X0, tol=tol)
    return w, X.T.reshape(theta.shape), r


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _schedule(value, name, cast=float):
    return schedule_values(value, name, cast)


def _ritz(st):
    """Rotate the centre roots to diagonalise H within their span; return energies."""
    c = st.center
    op = st.operator((c,))
    k = st.n_roots
    X = st.tensors[c].reshape(k, -1).T
    HX = op.matmat(X)
    h = X.conj().T @ HX
    h = 0.5 * (h + h.conj().T)
    w, s = np.linalg.eigh(h)
    st.tensors[c] = (X @ s).T.reshape(st.tensors[c].shape)
    return w


def _auto_penalty(e_found, e_ci, n):
    r"""Penalty weight :math:`\mu` for sequential state ``n``.

    It must exceed :math:`E_n - E_0` (else a penalised copy of a found state lies below
    the target) but should not be much larger: a needlessly stiff penalty slows the
    sweeps in dense spectra. Estimate: twice the larger of the spread of the levels found
    so far and the CI estimate of :math:`E_n - E_0` (or :math:`|E_0|` without one).
    Too small a value is caught after the run and the state redone with a larger one.
    """
    e_found = np.asarray(e_found, dtype=float)
    spread = float(e_found.max() - e_found.min())
    if e_ci is not None and len(e_ci) > 1:
        est = float(e_ci[min(n, len(e_ci) - 1)] - e_ci[0])
    else:
        est = abs(float(e_found.min()))
    scale = max(spread, est)
    return 2.0 * scale + 1e-3 * max(scale, abs(float(e_found.min())), 1e-3)


def _sub_seed(seed, n):
    return None if seed is None else np.random.SeedSequence(seed).spawn(n + 1)[n]


def _initial(dims, k, maxdim0, psi0, seed, dtype):
    if psi0 is None:
        d0 = int(max(k, min(maxdim0 or 16, 16), 2))
        t = random_mps(dims, d0, seed=seed, dtype=dtype)
        return t, None
    if isinstance(psi0, (list, tuple)):
        first = psi0[0]
    else:
        first = psi0
    t = mps_arrays(first)
    if [a.shape[1] for a in t] != list(dims):
        raise ValueError(
            f"psi0 has physical dimensions {[a.shape[1] for a in t]}, the MPO {list(dims)}"
        )
    return t, None


# --------------------------------------------------------------------------------------
# configuration (VSCF + small CI) initial guesses
# --------------------------------------------------------------------------------------
def _vscf_modals(mpo, *, n_iter=30, tol=1e-12):
    r"""Mean-field (VSCF) modals of an MPO Hamiltonian.

    Finds the product state :math:`\prod_i \phi_i` minimising :math:`\langle H\rangle` by
    diagonalising the mean-field operators :math:`h_i = \langle\prod_{j\ne i}\phi_j|H|
    \prod_{j\ne i}\phi_j\rangle` in turn; returns their eigenvectors ``U[i]`` (columns,
    ascending) and eigenvalues ``eps[i]`` at self-consistency.
    """
    n = len(mpo)
    dims = [w.shape[2] for w in mpo]
    phi = [np.full(d, d**-0.5) for d in dims]  # start: uniform vectors

    def transfer(w, v):
        return np.einsum("abst,s,t->ab", w, v.conj(), v)

    def mean_field(i, left, right):
        h = np.einsum("a,abst,b->st", left, mpo[i], right)
        return 0.5 * (h + h.conj().T)

    rights = [None] * n
    e_old = np.inf
    U, eps = [None] * n, [None] * n
    for _ in range(n_iter):
        rights[n - 1] = np.ones(1)
        for i in range(n - 1, 0, -1):
            rights[i - 1] = transfer(mpo[i], phi[i]) @ rights[i]
        left = np.ones(1)
        for i in range(n):
            w_, v_ = np.linalg.eigh(mean_field(i, left, rights[i]))
            U[i], eps[i] = v_, w_
            phi[i] = v_[:, 0]
            left = left @ transfer(mpo[i], phi[i])
        e = float(np.real(left[0]))
        if abs(e - e_old) <= tol * max(1.0, abs(e)):
            break
        e_old = e
    return U, eps


def _lowest_configurations(eps, m):
    """The ``m`` quantum-number vectors with the lowest sums of modal excitation energies."""
    import heapq

    exc = [np.asarray(e) - e[0] for e in eps]
    n = len(exc)
    start = (0,) * n
    heap, seen, out = [(0.0, start)], {start}, []
    while heap and len(out) < m:
        e, q = heapq.heappop(heap)
        out.append(q)
        for i in range(n):
            if q[i] + 1 < len(exc[i]):
                nq = q[:i] + (q[i] + 1,) + q[i + 1:]
                if nq not in seen:
                    seen.add(nq)
                    heapq.heappush(heap, (e + exc[i][q[i] + 1] - exc[i][q[i]], nq))
    return np.array(out, dtype=int)


def _configuration_guesses(mpo, n_guess, n_configs):
    r"""Initial states from a small configuration interaction in the VSCF modal basis.

    The ``n_configs`` lowest Hartree-product configurations :math:`|\mathbf n\rangle`
    (by modal energies) span a space in which :math:`H` is diagonalised exactly (matrix
    elements by contracting the MPO with product states); the ``n_guess`` lowest
    eigenvectors, sums of product states, are returned as MPS (bond dimension at most
    ``n_configs``) with their CI energies. In a dense spectrum they start every
    sequential state next to the right eigenstate, with near-degenerate configurations
    already mixed.
    """
    U, eps = _vscf_modals(mpo)
    conf = _lowest_configurations(eps, n_configs)
    m = len(conf)
    # H matrix in the configuration basis: chain of (m, m, w) environments
    env = np.ones((m, m, 1))
    for i, w in enumerate(mpo):
        wt = np.einsum("sk,abst,tl->abkl", U[i].conj(), w, U[i])  # modal basis
        blk = wt[:, :, conf[:, i][:, None], conf[:, i][None, :]]  # (a, b, m, m)
        env = np.einsum("pqa,abpq->pqb", env, blk)
    h = env[:, :, 0]
    h = 0.5 * (h + h.conj().T)
    e, c = np.linalg.eigh(h)
    k = min(n_guess, m)
    guesses = []
    for j in range(k):
        guesses.append(_sum_of_products(U, conf, c[:, j]))
    return guesses, e[:k]


def _sum_of_products(U, conf, coef):
    """MPS (block-diagonal bonds) of :math:`\\sum_m c_m \\bigotimes_i U_i[:, n^m_i]`."""
    keep = np.abs(coef) > 1e-12 * np.abs(coef).max()
    conf, coef = conf[keep], coef[keep]
    m = len(coef)
    n = len(U)
    out = []
    for i in range(n):
        cols = U[i][:, conf[:, i]]  # (d, m)
        d = cols.shape[0]
        if i == 0:
            a = (cols * coef[None, :])[None]  # (1, d, m)
        elif i == n - 1:
            a = cols.T[:, :, None]  # (m, d, 1)
        else:
            a = np.zeros((m, d, m), dtype=cols.dtype)
            a[np.arange(m), :, np.arange(m)] = cols.T
        out.append(a)
    return out


def _compress(tensors, maxdim, cutoff=1e-12):
    """SVD-compress an MPS (see :func:`vibmpo.solvers.mps.compress`)."""
    return compress(tensors, maxdim, cutoff)


# --------------------------------------------------------------------------------------
# the runs
# --------------------------------------------------------------------------------------
def _run(mpo, tensors, k, *, maxdim, cutoff, nsites, expansion, nsweeps, tol, local_tol,
         projections, seed, verbose, label):
    """DMRG sweeps on the shared driver: the local eigensolver plus a convergence observer."""
    rng = np.random.default_rng(seed)
    c0 = tensors[0]
    roots = None
    if k > 1:
        roots = np.concatenate([c0[None], rng.standard_normal((k - 1, *c0.shape))])
    st = make_state(tensors, mpo, center=0, roots=roots, projections=projections)
    schedule = Schedule(nsites=nsites, maxdim=maxdim, cutoff=cutoff, expansion=expansion)
    rec = {"hist": [], "trunc": [], "bonds": [], "times": [], "energies": None,
           "last_de": np.inf, "scale": None, "conv": np.zeros(k, dtype=bool),
           "tic": time.perf_counter()}

    def step(theta, op, info):
        if rec["scale"] is None:
            rec["scale"] = float(np.abs(op.diagonal()).max()) or 1.0
        scale, energies = rec["scale"], rec["energies"]
        e_scale = scale
        if energies is not None:
            e_scale = max(float(np.abs(energies).max()), float(np.ptp(energies)), 1e-4 * scale)
        # never below what double precision can resolve for this operator (|diag| ~ norm)
        # (loose in the first sweep from a random state, then following the energy change)
        loose = 1e-3 if energies is None else 1e-5
        r_tol = max(local_tol * e_scale, 1e-13 * scale,
                    min(loose * e_scale, 0.1 * rec["last_de"]))
        return _local_eig(op, theta, r_tol)[1]

    def observe(s, st, records, settings):
        e = _ritz(st)
        rec["times"].append(time.perf_counter() - rec["tic"])
        rec["trunc"].append(max([r.discarded for r in records], default=0.0))
        rec["bonds"].append(max(st.bond_dims(), default=1))
        if rec["energies"] is not None:
            de = np.abs(e - rec["energies"])
            rec["last_de"] = float(de.max())
            rec["conv"] = de < tol
        rec["energies"] = e
        rec["hist"].append(e)
        if verbose:
            print(f"[dmrg {label}] sweep {s}: E = {np.array2string(e[:6], precision=10)} "
                  f"dE = {rec['last_de']:.2e} maxbond = {rec['bonds'][-1]} "
                  f"trunc = {rec['trunc'][-1]:.1e} t = {rec['times'][-1]:.2f}s", flush=True)
        rec["tic"] = time.perf_counter()
        return s >= schedule.n_warm and s >= 1 and bool(rec["conv"].all())

    run_sweeps(st, LocalUpdate(step), schedule, nsweeps=nsweeps, observer=observe)
    return (st, rec["energies"], rec["conv"], np.array(rec["hist"]), np.array(rec["trunc"]),
            np.array(rec["bonds"]), np.array(rec["times"]))


WARMUP_GUARD = 2  # extra warm-up roots above the requested ones (near-degenerate partners)


def _warmup(mpo, k, sched, warmup_maxdim, common, seed, dtype):
    r"""State-averaged warm-up for sequential DMRG: ``k`` roots in one MPS.

    One-site sweeps with subspace expansion from a random MPS; the shared bond basis
    holds every root, so in a dense band (many near-degenerate fundamentals) the local
    problems see all of them and the roots come out in the right order, which penalty
    sweeps on one state at a time cannot guarantee (the block-TT argument of Dolgov et
    al., arXiv:1306.2269). Converged loosely (the refinement that follows is tight).
    Returns the roots (array MPS, shared bond dimension), their Ritz energies
    (ascending; upper bounds to the exact levels) and statistics.
    """
    dims = [w.shape[2] for w in mpo]
    k = int(min(k, np.prod(np.asarray(dims, dtype=float))))
    if warmup_maxdim is None:
        top = max(int(v) for v in sched["maxdim"]) if None not in sched["maxdim"] else 64
        big = max(2 * top, 4 * k)
        wmd = [max(big // 3, k, 2), max(2 * big // 3, k, 2), big]
    else:
        wmd = _schedule(warmup_maxdim, "warmup_maxdim", int)
    opts = {**common, "maxdim": wmd, "nsites": [1], "cutoff": sched["cutoff"][-1:],
            "expansion": [max(float(sched["expansion"][-1]), 1e-3)],
            "tol": max(100.0 * common["tol"], 1e-7)}
    t0 = random_mps(dims, int(max(k, min(wmd[0], 16), 2)), seed=seed, dtype=dtype)
    tic = time.perf_counter()
    # one-site local spaces (Dl d Dr) must hold k roots; in very small systems they may
    # not (d^2 at the chain ends): use two-site sweeps there
    if any(a.size < k for a in t0):
        opts["nsites"] = [2]
    try:
        st, e, c, h, tr, b, tm = _run(mpo, t0, k, projections=(), seed=seed,
                                      label="warm-up", **opts)
    except ValueError:
        if opts["nsites"] == [2]:
            raise
        opts["nsites"] = [2]  # a bond shrank below what k roots need
        st, e, c, h, tr, b, tm = _run(mpo, t0, k, projections=(), seed=seed,
                                      label="warm-up", **opts)
    order = np.argsort(e)
    return {"roots": [root_tensors(st, int(j)) for j in order], "energies": e[order],
            "converged": c[order], "n_sweeps": len(tm), "max_bond": int(b[-1]),
            "time": time.perf_counter() - tic}


def _sequential(mpo, *, n_states, n_extra, max_states, sched, common, psi0, seed, dtype,
                penalty, initial, n_configs, warmup_maxdim, notes):
    """Sequential (penalty-projected) states with landed-high and skipped-state checks.

    Returns per computed state (all of them, unsorted): tensors, energies, converged
    flags, histories, truncations, bond dimensions, sweep times; appends to ``notes``.
    """
    tol = common["tol"]
    dims = [w.shape[2] for w in mpo]
    n_target = n_states + n_extra
    budget = n_target + (n_states if max_states is None else max(0, max_states - n_target))
    guesses, bound = [], None
    if n_target > 1:
        # CI in the VSCF modal basis: starting states and, whatever the initial states,
        # upper bounds to the levels (Ritz values of a subspace) for the landed-high check
        ci_m = n_configs or max(4 * budget, budget + 30)
        ci_states, bound = _configuration_guesses(mpo, budget, ci_m)
        if initial in ("configurations", "state-average") or (initial == "auto"
                                                               and psi0 is None):
            guesses = [("ci", g) for g in ci_states]
    warm = {"done": False}

    def warm_up(reason):
        """State-averaged warm-up; its roots replace the first guesses."""
        nonlocal guesses, bound
        w = _warmup(mpo, n_target + WARMUP_GUARD, sched, warmup_maxdim, common, seed, dtype)
        k = len(w["roots"])
        guesses = [("warm", r) for r in w["roots"]] + guesses[k:]
        e_w = np.asarray(w["energies"], dtype=float)
        if bound is not None:
            m = min(k, len(bound))
            e_w[:m] = np.minimum(e_w[:m], bound[:m])  # both are upper bounds
            e_w = np.concatenate([e_w, bound[k:]])
        bound = e_w
        warm["done"] = True
        notes.append(f"state-average warm-up ({reason}): {k} roots, {w['n_sweeps']} sweeps, "
                     f"{w['time']:.1f} s, max bond {w['max_bond']}")

    if initial == "state-average" and n_target > 1:
        warm_up("initial='state-average'")

    def start(n, bigger=False, retry=False):
        """Initial MPS and run options for state ``n``."""
        if (psi0 is not None and isinstance(psi0, (list, tuple)) and n < len(psi0)
                and not retry):
            return mps_arrays(psi0[n]), common
        if n < len(guesses) and not (n == 0 and psi0 is not None):
            kind, g = guesses[n]
            if kind == "warm":
                # refine a converged warm-up root: start at the final schedule values
                opts = {**common, **{key: v[-1:] for key, v in sched.items()}}
                md = sched["maxdim"][-1]
                if bigger:
                    md = None if md is None else 2 * md
                    opts["maxdim"] = [md]
                return _compress(g, md, sched["cutoff"][-1]), opts
            return _compress(g, max(int(sched["maxdim"][0] or 16), 2)), common
        t0, _ = _initial(dims, 1, sched["maxdim"][0], psi0 if n == 0 else None,
                         _sub_seed(seed, n), dtype)
        return t0, common

    def solve(n, t0, opts, found):
        mu = penalty
        if found and mu is None:
            mu = _auto_penalty([f[1] for f in found], bound, n)
        for _attempt in range(4):
            projs = [Projection(list(f[0]), float(mu)) for f in found]
            out = _run(mpo, t0, 1, projections=projs, seed=_sub_seed(seed, n),
                       label=f"state {n}", **opts)
            e_new = float(out[1][0])
            # a state at or above E_min + mu may be a penalised copy of a found one
            if not found or e_new < min(f[1] for f in found) + 0.999 * mu:
                break
            if penalty is not None:
                warnings.warn(
                    f"sequential DMRG: state {n} (E = {e_new:.10g}) lies above the "
                    f"penalty shift {mu:.4g}; it may be a penalised copy of a lower "
                    "state. Pass a larger penalty= or leave it automatic.",
                    DMRGConvergenceWarning, stacklevel=4)
                break
            mu = 4.0 * mu  # automatic penalty too small: redo with a larger one
        return out, e_new

    def resolution(e):
        """Energy difference the ordering checks resolve at energy ``e``."""
        return max(100.0 * tol, 1e-9 * max(1.0, abs(e)))

    def landed_high(n, e_new):
        # run n minimises over the complement of n found states, which holds a vector of
        # the lowest n + 1 eigenstates: its exact answer is <= E_n <= bound[n] (Ritz
        # values of a subspace bound the levels from above, Poincare separation)
        if bound is None or n >= len(bound):
            return False
        return e_new > bound[n] + resolution(e_new)

    found, suspicious, out_lists = [], [], tuple([] for _ in range(7))
    n = 0
    while n < budget:
        t0, opts = start(n)
        out, e_new = solve(n, t0, opts, found)
        if landed_high(n, e_new):
            # a stationary point above the target (dense spectrum): redo the state from a
            # state-averaged root (computing the warm-up now if it was not done), with a
            # doubled bond dimension if the warm-up root itself led here
            e_bad = e_new
            bigger = n < len(guesses) and guesses[n][0] == "warm"
            if not warm["done"]:
                warm_up(f"state {n} landed high")
            t0, opts = start(n, bigger=bigger, retry=True)
            out2, e2 = solve(n, t0, opts, found)
            if e2 < e_new:
                out, e_new = out2, e2
            fixed = not landed_high(n, e_new)
            notes.append(f"state {n} landed above the bound {bound[n]:.10g} "
                         f"(E = {e_bad:.10g}); redone: E = {e_new:.10g}"
                         + ("" if fixed else " (still above; more states computed)"))
            if not fixed:
                suspicious.append(n)
        st, e, c, h, tr, b, tm = out
        tens = root_tensors(st, 0)
        # a state below one found earlier means that state was not the lowest of its
        # complement: some eigenstate was skipped. Keep going until a new state comes
        # out above everything kept (or the budget is spent).
        order_tol = resolution(e_new)
        if found and e_new < max(f[1] for f in found) - order_tol and n not in suspicious:
            suspicious.append(n)
        found.append((tens, e_new))
        for lst, val in zip(out_lists, (tens, e_new, bool(c[0]), h[:, 0], tr, b, tm),
                            strict=True):
            lst.append(val)
        n += 1
        if n >= n_target:
            kept = np.sort(out_lists[1])[n_states - 1]
            if not suspicious or e_new > kept + order_tol:
                break
    energies = out_lists[1]
    if suspicious:
        kept = np.sort(energies)[n_states - 1]
        last_ok = energies[-1] > kept + resolution(kept)
        msg = (f"sequential DMRG: state(s) {suspicious} came out out of order (skipped "
               f"eigenstates or a state above its bound); computed {len(energies)} states "
               f"and kept the lowest {n_states}")
        if last_ok:
            notes.append(msg + "; the last one lies above all kept states")
        else:
            warnings.warn(
                msg + ", but the last one still falls among the kept ones: levels may be "
                "missing. Increase max_states or maxdim, or use initial='state-average'.",
                DMRGConvergenceWarning, stacklevel=3)
    return out_lists


def dmrg(H, *, n_states: int = 1, method: str = "state-average", maxdim=(16, 32, 64),
         cutoff=1e-12, nsweeps: int = 30, tol: float = 1e-10, nsites=2, expansion=1e-4,
         psi0=None, seed=0, local_tol: float = 1e-10, n_extra: int = 0, penalty=None,
         initial: str = "auto", n_configs: int | None = None, max_states: int | None = None,
         warmup_maxdim=None, residuals: bool = True, verbose: bool = False) -> DMRGResult:
    r"""Lowest ``n_states`` eigenpairs of an MPO Hamiltonian by DMRG.

    Parameters
    ----------
    H : quimb.tensor.MatrixProductOperator
        Hermitian Hamiltonian (not modified), at least 2 sites.
    n_states : int
        Number of states (ground state + ``n_states - 1`` excited states).
    method : {"state-average", "sequential"}
        Excited-state strategy (see the module docstring).
    maxdim, cutoff, nsites, expansion : scalar or sequence (per sweep, last repeats)
        Largest bond dimension (``None``: unlimited); relative discarded weight per SVD;
        1 or 2 site sweeps; subspace-expansion weight of one-site sweeps.
    nsweeps : int
        Largest number of sweeps (per state for ``"sequential"``).
    tol : float
        Converged when every energy changes by less than ``tol`` (unit of ``H``) over a
        sweep, once all schedules have reached their last value.
    psi0 : quimb MatrixProductState, optional
        Initial state (not modified); random (from ``seed``) if omitted.
    seed : int
        Seed of the random initial state / roots.
    local_tol : float
        Residual tolerance of the local eigenproblems relative to the energy scale.
    n_extra : int
        Extra states computed and not returned: state-average carries them as extra
        roots (guards the highest requested state against near-degenerate partners);
        sequential computes them after the requested ones (a state skipped earlier is
        then still found and sorted in).
    penalty : float, optional
        Sequential: weight :math:`\mu` of the projector penalties (default: automatic,
        larger than the spread of the levels found so far plus :math:`|E_0|`).
    initial : {"auto", "configurations", "state-average", "random"}
        Sequential: initial state of every state. ``"configurations"``: eigenvectors of
        a small configuration interaction in the VSCF (mean-field) modal basis over the
        ``n_configs`` lowest Hartree-product configurations, so each state starts next
        to its eigenstate when the CI orders the levels right; ``"state-average"``: the
        roots of a loosely converged state-averaged run (``n_states + n_extra + 2``
        roots in one MPS, one-site sweeps with subspace expansion, bond dimensions
        ``warmup_maxdim``), each then refined on its own starting at the final values
        of the schedules -- for a dense band of near-degenerate levels (gaps far below
        the CI error), where the CI order is unreliable; ``"random"``: random MPS from
        ``seed``; ``"auto"``: configurations unless ``psi0`` is given.
    n_configs : int, optional
        Size of that configuration space (default ``max(4 m, m + 30)`` for ``m`` states).
    max_states : int, optional
        Sequential: most states computed in all. When a state comes out below one found
        before it (an eigenstate was skipped), further states are computed until one
        lies above all kept ones (default budget: ``2 n_states + n_extra``); if the
        budget runs out a :class:`DMRGConvergenceWarning` says levels may be missing.
    warmup_maxdim : int or sequence, optional
        Bond-dimension schedule of the state-averaged warm-up (default
        ``(D/3, 2D/3, D)`` with ``D = max(2 max(maxdim), 4 k)`` for ``k`` roots).
    residuals : bool
        Kept for compatibility: residuals are always computed, as part of the
        verification of every state (:mod:`vibmpo.solvers.verify`).
    verbose : bool
        Print one line per sweep.

    Returns
    -------
    DMRGResult

    Warns
    -----
    DMRGConvergenceWarning
        If a state did not converge; ``result.converged`` says which.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> r = dmrg(H, n_states=3, maxdim=8)
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:3]))
    True
    """
    t_start = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    if int(n_states) != n_states or n_states < 1:
        raise ValueError(f"n_states must be a positive integer, got {n_states!r}")
    n_states = int(n_states)
    if nsweeps < 1:
        raise ValueError(f"nsweeps must be >= 1, got {nsweeps}")
    if n_extra < 0:
        raise ValueError(f"n_extra must be >= 0, got {n_extra}")
    if initial not in INITIALS:
        raise ValueError(f"unknown initial {initial!r}; use one of {INITIALS}")
    if n_configs is not None and n_configs < 1:
        raise ValueError(f"n_configs must be a positive integer, got {n_configs}")
    if max_states is not None and max_states < n_states + n_extra:
        raise ValueError(f"max_states={max_states} is below n_states + n_extra = "
                         f"{n_states + n_extra}")
    mpo = mpo_arrays(H)
    if len(mpo) < 2:
        raise ValueError("DMRG needs an MPO with at least 2 sites")
    dims = [w.shape[2] for w in mpo]
    total = float(np.prod(np.asarray(dims, dtype=float)))
    k = n_states + n_extra if method == "state-average" else 1
    if n_states > total:
        raise ValueError(f"asked for {n_states} states of a {int(total)}-dimensional space")
    k = int(min(k, total))
    sched = dict(
        maxdim=_schedule(maxdim, "maxdim", int),
        cutoff=_schedule(cutoff, "cutoff"),
        nsites=_schedule(nsites, "nsites", int),
        expansion=_schedule(expansion, "expansion"),
    )
    if any(v not in (1, 2) for v in sched["nsites"]):
        raise ValueError(f"nsites must contain only 1 and 2, got {sched['nsites']}")
    dtype = np.result_type(*mpo, float)
    common = dict(nsweeps=int(nsweeps), tol=float(tol), local_tol=float(local_tol),
                  verbose=verbose, **sched)

    states, energies, conv, hist, trunc, bonds, times = [], [], [], [], [], [], []
    info_msgs = []
    if method == "state-average":
        t0, _ = _initial(dims, k, sched["maxdim"][0], psi0, seed, dtype)
        st, e, c, h, tr, b, tm = _run(mpo, t0, k, projections=(), seed=seed,
                                      label="state-average", **common)
        order = np.argsort(e)[:n_states]
        for j in order:
            states.append(root_tensors(st, int(j)))
            energies.append(e[j])
            conv.append(bool(c[j]))
            hist.append(h[:, j])
            trunc.append(tr)
            bonds.append(b)
        times.append(tm)
        energies_all = list(e)
    else:
        states, energies, conv, hist, trunc, bonds, times = _sequential(
            mpo, n_states=n_states, n_extra=n_extra, max_states=max_states, sched=sched,
            common=common, psi0=psi0, seed=seed, dtype=dtype, penalty=penalty,
            initial=initial, n_configs=n_configs, warmup_maxdim=warmup_maxdim,
            notes=info_msgs)
        energies_all = list(energies)
        order = np.argsort(energies, kind="stable")[:n_states]
        states = [states[j] for j in order]
        energies = [energies[j] for j in order]
        conv = [conv[j] for j in order]
        hist = [hist[j] for j in order]
        trunc = [trunc[j] for j in order]
        bonds = [bonds[j] for j in order]
        times = [times[j] for j in order]

    energies = np.asarray(energies, dtype=float)
    conv = np.asarray(conv, dtype=bool)
    check = verify_eigenpairs(mpo, states, energies)  # residual, norm, orthogonality
    res, swept, conv = check.residuals, conv, conv & check.converged
    if not conv.all():
        bad = np.flatnonzero(~conv).tolist()
        warnings.warn(
            f"DMRG ({method}): state(s) {bad} did not converge: "
            + (f"(energy change above tol={tol:g} after {nsweeps} sweeps) " if not
               swept.all() else "") + f"{check.summary()}; increase nsweeps or maxdim "
            "(see result.converged, result.residuals)", DMRGConvergenceWarning, stacklevel=2)
    return DMRGResult(
        energies=energies,
        states=[to_quimb_mps(t) for t in states],
        converged=conv,
        residuals=res,
        history=hist,
        truncation=trunc,
        bond_dims=bonds,
        sweep_times=times,
        wall_time=time.perf_counter() - t_start,
        method=method,
        info={"n_roots": k, "tol": float(tol), "local_tol": float(local_tol),
              "seed": seed, "initial": initial, "n_computed": len(energies_all),
              "notes": info_msgs, **{key: list(v) for key, v in sched.items()},
              "verification": check_info(check)},
    )

