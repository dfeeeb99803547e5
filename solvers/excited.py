r"""Sequential (penalty-projected) excited states: the driver above one-state DMRG runs.

State :math:`n` minimises

.. math::

    H + \sum_{m<n} \mu\,|\psi_m\rangle\langle\psi_m|

(penalty projection onto the orthogonal complement of the states already found); cheaper
per state than a state-averaged run and with a bond dimension per state. Every state
starts from an eigenvector of a small configuration interaction in the VSCF modal basis
(:func:`vibmpo.solvers.guesses.configuration_guesses`) or from a root of a
state-averaged *warm-up* (:func:`state_average_warmup`; the robust choice for a dense
band of near-degenerate levels, where penalty sweeps on one state at a time converge
slowly and can settle on the wrong member of the band). :math:`\mu` follows the CI (or
warm-up) estimate of the level spread; a too small one is detected and the state redone.

Sweeps can settle on a higher eigenstate (a stationary point they cannot leave); two
checks catch this. (1) Run :math:`n` minimises over the complement of :math:`n` states,
so its exact answer lies at or below :math:`E_n`, which lies below the :math:`n`-th Ritz
value of any subspace (the CI space, the warm-up roots): a state above that bound
*landed high* and is redone from a warm-up root (computing the warm-up then if it was
not). (2) A state that comes out below one found before it reveals a skipped eigenstate
and triggers further states until one lies above all kept ones. The caller keeps the
lowest ``n_states``; a :class:`~vibmpo.solvers.verify.DMRGConvergenceWarning` says when
that could not be confirmed.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ._dmrg_run import SweepRun, initial_tensors, run_dmrg, sub_seed
from .dmrg_options import DMRGSchedule, ExcitedOptions
from .guesses import configuration_guesses
from .mps import compress, mps_arrays, random_mps
from .sweep import Projection
from .verify import DMRGConvergenceWarning

__all__ = ["FoundState", "sequential_states", "state_average_warmup", "WARMUP_GUARD"]

#: Extra warm-up roots above the requested ones (guards against near-degenerate partners).
WARMUP_GUARD = 2


@dataclass(frozen=True)
class FoundState:
    """One state of :func:`sequential_states`.

    Attributes
    ----------
    tensors : list of ndarray
        Array MPS, cores ``(left, phys, right)``.
    energy : float
        Its energy (unit of the MPO).
    run : SweepRun
        The run that found it (``converged``, ``history``, ``truncation``,
        ``bond_dims``, ``sweep_times``; one root).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays
    >>> states, notes = sequential_states(mpo_arrays(qtn.MPO_rand_herm(3, 2, seed=2)), 1)
    >>> type(states[0]).__name__, len(states[0].tensors)
    ('FoundState', 3)
    """

    tensors: list
    energy: float
    run: SweepRun


def state_average_warmup(mpo, k: int, schedule: DMRGSchedule, *, warmup_maxdim=None,
                         seed=0, dtype=float, verbose: bool = False) -> dict:
    r"""State-averaged warm-up for sequential DMRG: ``k`` roots in one MPS.

    One-site sweeps with subspace expansion from a random MPS; the shared bond basis
    holds every root, so in a dense band (many near-degenerate fundamentals) the local
    problems see all of them and the roots come out in the right order, which penalty
    sweeps on one state at a time cannot guarantee (the block-TT argument of Dolgov et
    al., arXiv:1306.2269). Converged loosely (``tol`` times 100, at least 1e-7; the
    refinement that follows is tight).

    Returns
    -------
    dict
        ``roots`` (array MPS, ascending), ``energies`` (their Ritz values: upper bounds
        to the exact levels), ``converged``, ``n_sweeps``, ``max_bond``, ``time`` (s).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> w = state_average_warmup(mpo_arrays(H), 3, DMRGSchedule(maxdim=8))
    >>> bool(np.all(w["energies"] >= np.linalg.eigvalsh(H.to_dense())[:3] - 1e-9))
    True
    """
    dims = [w.shape[2] for w in mpo]
    k = int(min(k, np.prod(np.asarray(dims, dtype=float))))
    if warmup_maxdim is None:
        top = max(schedule.maxdim) if None not in schedule.maxdim else 64
        big = max(2 * top, 4 * k)
        warmup_maxdim = (max(big // 3, k, 2), max(2 * big // 3, k, 2), big)
    sch = dataclasses.replace(
        schedule, maxdim=warmup_maxdim, nsites=1, cutoff=schedule.cutoff[-1:],
        expansion=max(schedule.expansion[-1], 1e-3), tol=max(100.0 * schedule.tol, 1e-7))
    t0 = random_mps(dims, int(max(k, min(sch.maxdim[0], 16), 2)), seed=seed, dtype=dtype)
    tic = time.perf_counter()
    # one-site local spaces (Dl d Dr) must hold k roots; in very small systems they may
    # not (d^2 at the chain ends): use two-site sweeps there
    if any(a.size < k for a in t0):
        sch = dataclasses.replace(sch, nsites=2)
    try:
        run = run_dmrg(mpo, t0, k, sch, seed=seed, verbose=verbose, label="warm-up")
    except ValueError:
        if sch.nsites == (2,):
            raise
        run = run_dmrg(mpo, t0, k, dataclasses.replace(sch, nsites=2), seed=seed,
                       verbose=verbose, label="warm-up")  # a bond shrank below k roots
    order = np.argsort(run.energies)
    return {"roots": [run.root(j) for j in order], "energies": run.energies[order],
            "converged": run.converged[order], "n_sweeps": len(run.sweep_times),
            "max_bond": int(run.bond_dims[-1]), "time": time.perf_counter() - tic}


def auto_penalty(e_found, e_ci, n) -> float:
    r"""Penalty weight :math:`\mu` for sequential state ``n``.

    It must exceed :math:`E_n - E_0` (else a penalised copy of a found state lies below
    the target) but should not be much larger: a needlessly stiff penalty slows the
    sweeps in dense spectra. Estimate: twice the larger of the spread of the levels found
    so far and the CI estimate of :math:`E_n - E_0` (or :math:`|E_0|` without one).
    """
    e_found = np.asarray(e_found, dtype=float)
    spread = float(e_found.max() - e_found.min())
    if e_ci is not None and len(e_ci) > 1:
        est = float(e_ci[min(n, len(e_ci) - 1)] - e_ci[0])
    else:
        est = abs(float(e_found.min()))
    scale = max(spread, est)
    return 2.0 * scale + 1e-3 * max(scale, abs(float(e_found.min())), 1e-3)


class _Sequential:
    """State of one sequential run: guesses, upper bounds, found states, notes."""

    def __init__(self, mpo, n_states, n_extra, schedule, options, psi0, seed, dtype,
                 verbose):
        self.mpo, self.schedule, self.options = mpo, schedule, options
        self.psi0, self.seed, self.dtype, self.verbose = psi0, seed, dtype, verbose
        self.dims = [w.shape[2] for w in mpo]
        self.n_states, self.n_target = n_states, n_states + n_extra
        extra = n_states if options.max_states is None else options.max_states - self.n_target
        self.budget = self.n_target + max(0, extra)
        self.guesses, self.bound, self.warm_done = [], None, False
        self.found, self.suspicious, self.notes = [], [], []
        if self.n_target > 1:
            self._configuration_interaction()
            if options.initial == "warm-up":
                self.warm_up("initial='warm-up'")

    def _configuration_interaction(self):
        # CI in the VSCF modal basis: starting states and, whatever the initial states,
        # upper bounds to the levels (Ritz values of a subspace) for the landed-high check
        m = self.options.n_configs or max(4 * self.budget, self.budget + 30)
        ci_states, self.bound = configuration_guesses(self.mpo, self.budget, m)
        initial = self.options.initial
        if initial in ("configurations", "warm-up") or (initial == "auto"
                                                        and self.psi0 is None):
            self.guesses = [("ci", g) for g in ci_states]

    def warm_up(self, reason):
        """State-averaged warm-up; its roots replace the first guesses."""
        w = state_average_warmup(self.mpo, self.n_target + WARMUP_GUARD, self.schedule,
                                 warmup_maxdim=self.options.warmup_maxdim, seed=self.seed,
                                 dtype=self.dtype, verbose=self.verbose)
        k = len(w["roots"])
        self.guesses = [("warm", r) for r in w["roots"]] + self.guesses[k:]
        e_w = np.asarray(w["energies"], dtype=float)
        if self.bound is not None:
            m = min(k, len(self.bound))
            e_w[:m] = np.minimum(e_w[:m], self.bound[:m])  # both are upper bounds
            e_w = np.concatenate([e_w, self.bound[k:]])
        self.bound, self.warm_done = e_w, True
        self.notes.append(f"state-average warm-up ({reason}): {k} roots, {w['n_sweeps']} "
                          f"sweeps, {w['time']:.1f} s, max bond {w['max_bond']}")

    def start(self, n, *, bigger=False, retry=False):
        """Initial array MPS and schedule of state ``n``."""
        psi0, sch = self.psi0, self.schedule
        if isinstance(psi0, (list, tuple)) and n < len(psi0) and not retry:
            return mps_arrays(psi0[n]), sch
        if n < len(self.guesses) and not (n == 0 and psi0 is not None):
            kind, g = self.guesses[n]
            if kind == "ci":
                return compress(g, max(int(sch.maxdim[0] or 16), 2), sch.cutoff[0]), sch
            # refine a converged warm-up root: start at the final schedule values
            final = sch.final()
            if bigger and final.maxdim[0] is not None:
                final = dataclasses.replace(final, maxdim=2 * final.maxdim[0])
            return compress(g, final.maxdim[0], final.cutoff[0]), final
        t0 = initial_tensors(self.dims, 1, sch.maxdim[0], psi0 if n == 0 else None,
                             sub_seed(self.seed, n), self.dtype)
        return t0, sch

    def solve(self, n, t0, sch):
        """Run state ``n`` against the penalties of the states found so far."""
        mu = self.options.penalty
        energies = [f.energy for f in self.found]
        if energies and mu is None:
            mu = auto_penalty(energies, self.bound, n)
        for _attempt in range(4):
            projs = [Projection(list(f.tensors), float(mu)) for f in self.found]
            run = run_dmrg(self.mpo, t0, 1, sch, projections=projs,
                           seed=sub_seed(self.seed, n), verbose=self.verbose,
                           label=f"state {n}")
            e_new = float(run.energies[0])
            # a state at or above E_min + mu may be a penalised copy of a found one
            if not energies or e_new < min(energies) + 0.999 * mu:
                break
            if self.options.penalty is not None:
                warnings.warn(
                    f"sequential DMRG: state {n} (E = {e_new:.10g}) lies above the "
                    f"penalty shift {mu:.4g}; it may be a penalised copy of a lower "
                    "state. Pass a larger penalty= or leave it automatic.",
                    DMRGConvergenceWarning, stacklevel=5)
                break
            mu = 4.0 * mu  # automatic penalty too small: redo with a larger one
        return run, e_new

    def resolution(self, e):
        """Energy difference the ordering checks resolve at energy ``e``."""
        return max(100.0 * self.schedule.tol, 1e-9 * max(1.0, abs(e)))

    def landed_high(self, n, e_new):
        # run n minimises over the complement of n found states, which holds a vector of
        # the lowest n + 1 eigenstates: its exact answer is <= E_n <= bound[n] (Ritz
        # values of a subspace bound the levels from above, Poincare separation)
        if self.bound is None or n >= len(self.bound):
            return False
        return e_new > self.bound[n] + self.resolution(e_new)

    def state(self, n):
        """State ``n``, redone from a warm-up root if it landed above its bound."""
        run, e_new = self.solve(n, *self.start(n))
        if not self.landed_high(n, e_new):
            return run, e_new
        # a stationary point above the target (dense spectrum): redo the state from a
        # state-averaged root (computing the warm-up now if it was not done), with a
        # doubled bond dimension if the warm-up root itself led here
        e_bad = e_new
        bigger = n < len(self.guesses) and self.guesses[n][0] == "warm"
        if not self.warm_done:
            self.warm_up(f"state {n} landed high")
        run2, e2 = self.solve(n, *self.start(n, bigger=bigger, retry=True))
        if e2 < e_new:
            run, e_new = run2, e2
        fixed = not self.landed_high(n, e_new)
        self.notes.append(f"state {n} landed above the bound {self.bound[n]:.10g} "
                          f"(E = {e_bad:.10g}); redone: E = {e_new:.10g}"
                          + ("" if fixed else " (still above; more states computed)"))
        if not fixed:
            self.suspicious.append(n)
        return run, e_new

    def add(self, n, run, e_new) -> bool:
        """Keep state ``n``; whether the run is complete."""
        # a state below one found earlier means that state was not the lowest of its
        # complement: some eigenstate was skipped. Keep going until a new state comes
        # out above everything kept (or the budget is spent).
        order_tol = self.resolution(e_new)
        below = self.found and e_new < max(f.energy for f in self.found) - order_tol
        if below and n not in self.suspicious:
            self.suspicious.append(n)
        self.found.append(FoundState(tensors=run.root(0), energy=e_new, run=run))
        if n + 1 < self.n_target:
            return False
        kept = np.sort([f.energy for f in self.found])[self.n_states - 1]
        return not self.suspicious or e_new > kept + order_tol

    def finish(self):
        """Note or warn about states that came out of order."""
        if not self.suspicious:
            return
        energies = [f.energy for f in self.found]
        kept = np.sort(energies)[self.n_states - 1]
        msg = (f"sequential DMRG: state(s) {self.suspicious} came out out of order "
               f"(skipped eigenstates or a state above its bound); computed "
               f"{len(energies)} states and kept the lowest {self.n_states}")
        if energies[-1] > kept + self.resolution(kept):
            self.notes.append(msg + "; the last one lies above all kept states")
        else:
            warnings.warn(
                msg + ", but the last one still falls among the kept ones: levels may be "
                "missing. Increase max_states or maxdim, or use initial='warm-up'.",
                DMRGConvergenceWarning, stacklevel=4)


def sequential_states(mpo, n_states: int, *, schedule: DMRGSchedule | None = None,
                      options: ExcitedOptions | None = None, n_extra: int = 0, psi0=None,
                      seed=0, dtype=float, verbose: bool = False):
    """Sequential excited states with the landed-high and skipped-state checks.

    Parameters
    ----------
    mpo : list of ndarray
        MPO cores ``(left, right, ket, bra)``.
    n_states : int
        States wanted (more may be computed, see the module docstring).
    schedule : DMRGSchedule, optional
        Sweeps of every state (default ``DMRGSchedule()``).
    options : ExcitedOptions, optional
        Starts, penalty and budget (default ``ExcitedOptions()``).
    n_extra : int
        States computed after the requested ones (a state skipped earlier is then still
        found and sorted in).
    psi0 : quimb MatrixProductState or list of them, optional
        Start of the first state (or of the first ``len(psi0)`` states).
    seed : int
        Seed of random starts and of the warm-up.
    dtype : numpy dtype
        Of random starts.
    verbose : bool
        Print one line per sweep.

    Returns
    -------
    states : list of FoundState
        Every computed state in the order found (not sorted).
    notes : list of str
        What the checks did (warm-ups, redone states).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> states, notes = sequential_states(mpo_arrays(H), 3, schedule=DMRGSchedule(maxdim=8))
    >>> e = sorted(s.energy for s in states)[:3]
    >>> bool(np.allclose(e, np.linalg.eigvalsh(H.to_dense())[:3]))
    True
    """
    seq = _Sequential(mpo, int(n_states), int(n_extra), schedule or DMRGSchedule(),
                      options or ExcitedOptions(), psi0, seed, dtype, verbose)
    for n in range(seq.budget):
        if seq.add(n, *seq.state(n)):
            break
    seq.finish()
    return seq.found, seq.notes
