r"""One DMRG run on the shared sweep driver: ``k`` roots, a schedule, optional penalties.

The local step solves :math:`H_\mathrm{eff}\theta = E\theta` for the ``k`` lowest
eigenpairs (dense ``eigh`` for local spaces up to 400, else block Davidson,
:func:`vibmpo.linalg.krylov.davidson`) to a residual tolerance that follows the
energy change of the last sweep; after every sweep the centre roots are rotated to
diagonalise :math:`H` in their span (Ritz energies) and the run stops once every energy
changed by less than ``tol`` with the schedules at their last values. Used by
:func:`vibmpo.solvers.dmrg` (state-average) and :mod:`vibmpo.solvers.excited`
(sequential states and the warm-up).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from vibmpo.linalg.krylov import davidson

from .mps import mps_arrays, random_mps
from .sweep import LocalUpdate, SweepState, make_state, root_tensors, run_sweeps

__all__ = ["SweepRun", "run_dmrg", "initial_tensors", "sub_seed", "local_eig", "ritz"]

_DENSE_LOCAL = 400  # local spaces up to this size are diagonalised densely


@dataclass(frozen=True)
class SweepRun:
    """Outcome of :func:`run_dmrg`: the swept state and per-sweep records.

    ``energies``/``converged`` per root (ascending Ritz order of the last sweep);
    ``history`` (sweeps, roots); ``truncation``, ``bond_dims``, ``sweep_times`` per sweep.
    """

    state: SweepState
    energies: np.ndarray
    converged: np.ndarray
    history: np.ndarray
    truncation: np.ndarray
    bond_dims: np.ndarray
    sweep_times: np.ndarray

    def root(self, j: int = 0) -> list[np.ndarray]:
        """Array MPS of root ``j``."""
        return root_tensors(self.state, int(j))


def local_eig(op, theta, tol):
    """``k`` lowest eigenpairs of ``op`` starting from the ``k`` roots in ``theta``."""
    k, n = theta.shape[0], op.size
    if n < k:
        raise ValueError(f"local space of dimension {n} cannot hold {k} states; "
                         "increase maxdim or ask for fewer states")
    if n <= _DENSE_LOCAL:
        h = op.dense()
        w, v = np.linalg.eigh(0.5 * (h + h.conj().T))
        return w[:k], v[:, :k].T.reshape(theta.shape), np.zeros(k)
    w, x, r, _ = davidson(op.matmat, op.diagonal().reshape(-1).real, theta.reshape(k, n).T,
                          tol=tol)
    return w, x.T.reshape(theta.shape), r


def ritz(st: SweepState) -> np.ndarray:
    """Rotate the centre roots to diagonalise H within their span; return the energies."""
    c, k = st.center, st.n_roots
    x = st.tensors[c].reshape(k, -1).T
    h = x.conj().T @ st.operator((c,)).matmat(x)
    w, s = np.linalg.eigh(0.5 * (h + h.conj().T))
    st.tensors[c] = (x @ s).T.reshape(st.tensors[c].shape)
    return w


class _Recorder:
    """Local eigensolver step plus the per-sweep convergence observer of one run."""

    def __init__(self, k, schedule, label, verbose):
        self.tol, self.local_tol = schedule.tol, schedule.local_tol
        self.n_warm = schedule.sweeps().n_warm
        self.label, self.verbose = label, verbose
        self.hist, self.trunc, self.bonds, self.times = [], [], [], []
        self.energies, self.scale, self.last_de = None, None, np.inf
        self.conv = np.zeros(k, dtype=bool)
        self.tic = time.perf_counter()

    def step(self, theta, op, info):
        if self.scale is None:
            self.scale = float(np.abs(op.diagonal()).max()) or 1.0
        e_scale, loose = self.scale, 1e-3  # loose in the first sweep from a random state
        if self.energies is not None:
            e_scale = max(float(np.abs(self.energies).max()), float(np.ptp(self.energies)),
                          1e-4 * self.scale)
            loose = 1e-5  # then following the energy change
        # never below what double precision can resolve for this operator (|diag| ~ norm)
        r_tol = max(self.local_tol * e_scale, 1e-13 * self.scale,
                    min(loose * e_scale, 0.1 * self.last_de))
        return local_eig(op, theta, r_tol)[1]

    def observe(self, s, st, records, settings):
        e = ritz(st)
        self.times.append(time.perf_counter() - self.tic)
        self.trunc.append(max([r.discarded for r in records], default=0.0))
        self.bonds.append(max(st.bond_dims(), default=1))
        if self.energies is not None:
            de = np.abs(e - self.energies)
            self.last_de = float(de.max())
            self.conv = de < self.tol
        self.energies = e
        self.hist.append(e)
        if self.verbose:
            print(f"[dmrg {self.label}] sweep {s}: E = "
                  f"{np.array2string(e[:6], precision=10)} dE = {self.last_de:.2e} "
                  f"maxbond = {self.bonds[-1]} trunc = {self.trunc[-1]:.1e} "
                  f"t = {self.times[-1]:.2f}s", flush=True)
        self.tic = time.perf_counter()
        return s >= self.n_warm and s >= 1 and bool(self.conv.all())


def run_dmrg(mpo, tensors, k, schedule, *, projections=(), seed=None, verbose=False,
             label="") -> SweepRun:
    """DMRG sweeps from the array MPS ``tensors`` (the first root; the other ``k - 1``
    roots of the centre start random from ``seed``) under a
    :class:`~vibmpo.solvers.dmrg_options.DMRGSchedule`."""
    rng = np.random.default_rng(seed)
    c0 = tensors[0]
    roots = None
    if k > 1:
        roots = np.concatenate([c0[None], rng.standard_normal((k - 1, *c0.shape))])
    st = make_state(tensors, mpo, center=0, roots=roots, projections=projections)
    rec = _Recorder(k, schedule, label, verbose)
    run_sweeps(st, LocalUpdate(rec.step), schedule.sweeps(), nsweeps=schedule.nsweeps,
               observer=rec.observe)
    return SweepRun(state=st, energies=rec.energies, converged=rec.conv,
                    history=np.array(rec.hist), truncation=np.array(rec.trunc),
                    bond_dims=np.array(rec.bonds), sweep_times=np.array(rec.times))


def initial_tensors(dims, k, maxdim0, psi0, seed, dtype) -> list[np.ndarray]:
    """Start of a run: the arrays of ``psi0`` (the first one of a list) or a random MPS
    from ``seed`` with bond dimension ``max(k, min(maxdim0 or 16, 16), 2)``."""
    if psi0 is None:
        return random_mps(dims, int(max(k, min(maxdim0 or 16, 16), 2)), seed=seed,
                          dtype=dtype)
    t = mps_arrays(psi0[0] if isinstance(psi0, (list, tuple)) else psi0)
    if [a.shape[1] for a in t] != list(dims):
        raise ValueError(
            f"psi0 has physical dimensions {[a.shape[1] for a in t]}, the MPO {list(dims)}")
    return t


def sub_seed(seed, n):
    """Independent seed of state ``n`` (``None`` stays ``None``)."""
    return None if seed is None else np.random.SeedSequence(seed).spawn(n + 1)[n]
