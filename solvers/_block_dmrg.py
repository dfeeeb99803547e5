r"""Block DMRG: many vibrational levels, block by block, in state-averaged MPS.

The lowest levels (a number of them, or all in an energy window above the ground state)
are found in *blocks*. Block :math:`b` is one MPS whose orthogonality centre carries
:math:`k` roots (state-averaged DMRG, the block tensor train of Dolgov et al.,
arXiv:1306.2269): one-site sweeps with subspace expansion solve the local problems

.. math::

    \Big(H + \mu \sum_{m \in \text{earlier blocks}} |\psi_m\rangle\langle\psi_m|\Big)_\mathrm{eff}
    X = X\,\Theta , \qquad X \in \mathbb{C}^{N\times k},

for their :math:`k` lowest eigenpairs with a block Davidson method, and the SVD keeps the
basis best for the average of the roots. The penalty :math:`\mu` (larger than the
spread of the levels) pushes the converged states of earlier blocks out of the way, so
each block continues the spectrum where the previous one ended; the next block starts
from the previous block's MPS and its unaccepted (guard) roots. A block carries
``n_guard`` roots more than it accepts and cuts between levels separated by more than
``degeneracy`` only, so near-degenerate multiplets (E pairs) land in one block, found
together and complete. Every state comes with its residual
:math:`\lVert (H - E_n)\psi_n\rVert` (optional, the cost of one :math:`\langle H^2\rangle`,
computed in a background thread from the moment the state is accepted, so on a second core
beside the sweeps) and the local residual of its last Davidson step.

With ``refine_maxdim`` every accepted root is then refined on its own: one-site DMRG of
one state at a larger bond dimension (a schedule over the blocks, as higher levels need
more), starting from the root, with penalties on all states accepted before it. The
blocks then need only a small bond dimension and a loose tolerance: they supply starting
states next to the right eigenstates, the ordering in dense bands and the multiplet
structure; the refinement supplies the accuracy. A refinement can slide from its root to
a lower level that no accepted state claims yet, leaving its own level unclaimed; with
``n_states``, a check block after the last one (penalties on every accepted state) must
have all its roots above the ``n_states``-th level, and any root below it is such a
missed level, refined and added (noted in ``info``).

The sweeps of every block are a :class:`~vibmpo.solvers.dmrg_options.DMRGSchedule`
(default :data:`~vibmpo.solvers.dmrg_options.BLOCK_SCHEDULE`), the block settings above
(``block_size``, ``n_guard``, ``degeneracy``, the penalty, ``refine_maxdim``, ...) one
:class:`~vibmpo.solvers.dmrg_options.BlockOptions`.

Why blocks: one state-averaged MPS for all levels needs a bond dimension growing with
their number and local problems with that many roots; penalty (sequential) DMRG one
state at a time from scratch needs many sweeps per state and orders a dense band poorly.
Blocks of 10--20 roots keep both the bond dimension and the number of roots per local
problem moderate, and their cost grows only mildly with the number of earlier states
(one rank-one term each). Measured on CH3CN (12 modes, 14 levels, loaded 2-core machine):
state-averaged blocks alone at bond dimension 32 stall about 1 cm-1 above the levels;
blocks at 16 plus refinement at 32 give all 14 within 0.0044 cm-1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from vibmpo._deprecation import Group, fold_keywords
from vibmpo.linalg.krylov import davidson
from vibmpo.linalg.svd import truncated_svd

from .dmrg_options import BLOCK_SCHEDULE, BlockOptions, DMRGSchedule
from .guesses import configuration_guesses
from .mps import (
    left_canonicalize,
    mpo_arrays,
    mps_expectation,
    overlap_right_step,
    random_mps,
    residual_norm,
    to_quimb_mps,
)
from .sweep import (
    Projection,
    Schedule,
    make_state,
    root_tensors,
    sweep_one_site,
    sweep_two_site,
)
from .verify import DMRGConvergenceWarning

__all__ = ["BlockDMRGResult", "block_dmrg"]

# keywords of block_dmrg() before the option objects: deprecated aliases for one release
_SCHEDULE_KEYS = ("maxdim", "nsweeps", "tol", "cutoff", "expansion", "local_tol")
_OPTION_KEYS = tuple(f.name for f in dataclasses.fields(BlockOptions))


@dataclass(frozen=True)
class BlockDMRGResult:
    """Result of :func:`block_dmrg`.

    Attributes
    ----------
    energies : ndarray (n,)
        Levels in ascending order, in ``energy_unit``.
    energy_unit : str or None
        Unit of the energies: that of the MPO (``None`` when the caller did not say).
    states : list of quimb.tensor.MatrixProductState
        Normalised eigenstates, same order.
    converged : ndarray of bool (n,)
        Energy changed by less than ``tol`` over the last sweep of its block.
    residuals : ndarray (n,)
        :math:`\\lVert (H - E_n)\\psi_n\\rVert` (NaN where not computed).
    local_residuals : ndarray (n,)
        Residual of the last local (one-site) eigenproblem of each state.
    block : ndarray of int (n,)
        Block in which each state was found.
    wall_time : float
        Seconds.
    info : dict
        Settings, per-block statistics (sweeps, seconds, bond dimensions, penalty) and
        notes.

    Examples
    --------
    >>> import numpy as np
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers import BlockOptions, DMRGSchedule, block_dmrg
    >>> H = qtn.MPO_rand_herm(5, 3, phys_dim=2, seed=1)
    >>> r = block_dmrg(H, n_states=6, schedule=DMRGSchedule(maxdim=16, nsites=1),
    ...                options=BlockOptions(block_size=3, n_guard=1))
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:6], atol=1e-8))
    True
    >>> r.block.tolist(), r.all_converged
    ([0, 0, 0, 1, 1, 1], True)
    """

    energies: np.ndarray
    energy_unit: str | None
    states: list
    converged: np.ndarray
    residuals: np.ndarray
    local_residuals: np.ndarray
    block: np.ndarray
    wall_time: float
    info: dict = field(default_factory=dict)

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))


def _at(sched, s):
    return sched[min(s, len(sched) - 1)]


def _local_solve(op, theta, tol):
    """The k lowest eigenpairs of a local operator, starting from the roots ``theta``."""
    k = theta.shape[0]
    n = op.size
    if n < k:
        raise ValueError(f"a local space of dimension {n} cannot hold {k} roots; "
                         "increase maxdim or use smaller blocks")
    if n <= 400:
        h = op.dense()
        w, v = np.linalg.eigh(0.5 * (h + h.conj().T))
        return w[:k], v[:, :k].T.reshape(theta.shape), np.zeros(k)
    x0 = theta.reshape(k, n).T
    w, x, r, _ = davidson(op.matmat, op.diagonal().reshape(-1).real, x0, tol=tol)
    return w, x.T.reshape(theta.shape), r


def _compress(tensors, maxdim):
    """SVD compression of an array MPS (its first bond may carry several roots)."""
    t, _ = left_canonicalize(tensors)
    for i in range(len(t) - 1, 0, -1):
        dl, d, dr = t[i].shape
        u, s, vh, _ = truncated_svd(t[i].reshape(dl, d * dr), maxdim=maxdim, cutoff=1e-14)
        t[i] = vh.reshape(-1, d, dr)
        t[i - 1] = np.tensordot(t[i - 1], u * s, axes=(2, 0))
    return t


def _stack(states, maxdim):
    """One MPS whose first bond indexes the given states (direct sum), compressed to
    ``maxdim``: a shared bond basis representing all of them."""
    n = len(states[0])
    dims = [sum(s[i].shape[2] for s in states) for i in range(n - 1)]
    out = []
    for i in range(n):
        d = states[0][i].shape[1]
        left = len(states) if i == 0 else dims[i - 1]
        right = 1 if i == n - 1 else dims[i]
        a = np.zeros((left, d, right), dtype=np.result_type(*[s[i] for s in states]))
        r0 = c0 = 0
        for j, s in enumerate(states):
            x = s[i]
            rows = slice(j, j + 1) if i == 0 else slice(r0, r0 + x.shape[0])
            cols = slice(0, 1) if i == n - 1 else slice(c0, c0 + x.shape[2])
            a[rows, :, cols] = x
            r0 += x.shape[0]
            c0 += x.shape[2]
        out.append(a)
    return _compress(out, maxdim)


def _project(basis, state):
    """Centre tensor (1, d, D) of ``state`` in the right-orthonormal basis of sites 1.."""
    r = np.ones((1, 1))
    for i in range(len(state) - 1, 0, -1):
        r = overlap_right_step(r, state[i], basis[i])  # (D_basis, D_state)
    return np.tensordot(state[0], r, axes=([2], [1]))


def _block(mpo, tensors, guesses, projections, k, rng, *, sweeps, nsweeps, tol, local_tol,
           n_check, verbose, label):
    """State-averaged sweeps of one block (settings of sweep ``s``: ``sweeps.at(s)``, a
    :class:`~vibmpo.solvers.sweep.Schedule`); returns the state and statistics."""
    st = make_state(tensors, mpo, center=0, projections=projections)
    # roots: the guesses projected on the state's bond basis (sites 1.. right-orthonormal,
    # so replacing the centre leaves every environment valid), then random ones
    c = [_project(st.tensors, g) for g in guesses]
    c += [rng.standard_normal(st.tensors[0].shape[1:]) for _ in range(k)]
    x = np.stack(c)[:, 0].reshape(len(c), -1).T
    q, r = np.linalg.qr(x[:, :min(x.shape[0], x.shape[1])])
    keep = np.abs(np.diag(r)) > 1e-8 * np.abs(np.diag(r)).max()
    q = q[:, keep][:, :k]
    roots = np.zeros((k, x.shape[0]), dtype=st.tensors[0].dtype)
    roots[:q.shape[1]] = q.T
    st.tensors[0] = roots.reshape(k, *st.tensors[0].shape[1:])
    # one-site local spaces at the chain ends (d x D) must hold k roots: grow the bonds
    # with two-site sweeps first where they cannot
    need_two = any(a.size < k for a in st.tensors[1:])
    warm = sweeps.n_warm
    last = {"e": None, "de": np.inf, "r": np.full(k, np.inf), "scale": None}

    def step(theta, op, info):
        if last["scale"] is None:
            last["scale"] = float(np.abs(op.diagonal()).max()) or 1.0
        e = last["e"]
        scale = last["scale"] if e is None else max(float(np.abs(e).max()), 1e-12)
        loose = 1e-3 if e is None else 1e-5
        r_tol = max(local_tol * scale, 1e-13 * last["scale"],
                    min(loose * scale, 0.1 * last["de"]))
        w, v, r = _local_solve(op, theta, r_tol)
        last["w"], last["r"] = w, r
        return v

    hist, times, bonds = [], [], []
    conv = np.zeros(k, dtype=bool)
    halves = [(s, direction) for s in range(nsweeps) for direction in ("lr", "rl")]
    for s, direction in halves:
        sw = sweeps.at(s)
        tic = time.perf_counter()
        if sw.nsites == 2 or (need_two and s == 0):
            sweep_two_site(st, step, direction=direction, maxdim=sw.maxdim, cutoff=sw.cutoff,
                           sweep=s)
        else:
            sweep_one_site(st, step, direction=direction, maxdim=sw.maxdim, cutoff=sw.cutoff,
                           expansion=sw.expansion, sweep=s)
        times.append(time.perf_counter() - tic)
        bonds.append(max(st.bond_dims(), default=1))
        conv = _half_sweep_done(last, hist, tol, n_check, conv)
        if verbose:
            print(f"[block-dmrg {label}] sweep {s} {direction}: E[0..] = "
                  f"{np.array2string(hist[-1][:4], precision=6)} dE = {last['de']:.2e} "
                  f"maxbond = {bonds[-1]} t = {times[-1]:.1f}s", flush=True)
        # converged: the energies changed by less than tol over the last full sweep
        # (checked after every half sweep, so a converged state stops one half early)
        if s >= warm and len(hist) >= 3 and conv[:n_check].all():
            break
    return st, conv, np.array(hist), np.array(bonds), np.array(times), last["r"]


def _half_sweep_done(last, hist, tol, n_check, conv):
    """Record the energies after a half sweep; compare them with those one full sweep
    (two half sweeps) earlier. Returns the per-root convergence flags."""
    e = np.array(last["w"], dtype=float)
    hist.append(e)
    last["e"] = e
    if len(hist) < 3:
        return conv
    de = np.abs(e - hist[-3])
    last["de"] = float(de[:n_check].max())
    return de < tol


def _cut(e, n_max, degeneracy, n_up):
    """Number of the lowest of the sorted ``e`` to accept: ``n_max`` if that cuts in a gap
    wider than ``degeneracy``, else the fewest up to ``n_max + n_up`` that do (completing
    a multiplet with guard roots), else the most below ``n_max``; ``(n_max, False)`` if
    no gap qualifies."""
    n_max = min(n_max, len(e) - 1)
    upper = min(n_max + n_up, len(e) - 1)
    for n in [*range(n_max, upper + 1), *range(n_max - 1, 0, -1)]:
        if e[n] - e[n - 1] > degeneracy:
            return n, True
    return n_max, False


def block_dmrg(H, *, n_states: int | None = None, window=None,
               schedule: DMRGSchedule | None = None, options: BlockOptions | None = None,
               n_extra: int = 2, seed=0, energy_unit: str | None = None,
               verbose: bool = False, **deprecated) -> BlockDMRGResult:
    r"""The lowest levels of an MPO Hamiltonian by block (state-averaged) DMRG.

    Parameters
    ----------
    H : quimb.tensor.MatrixProductOperator
        Hermitian Hamiltonian (not modified), at least 2 sites.
    n_states : int, optional
        Number of lowest levels wanted.
    window : (float, float), optional
        ``(emin, emax)``: all levels with :math:`E - E_0` in ``[emin, emax]`` (unit of
        ``H``), the ground state :math:`E_0` included when ``emin <= 0``. Blocks are added
        until a level above ``E_0 + emax`` has been found. Give ``n_states`` or
        ``window`` (with both, the window is cut to the lowest ``n_states``).
    schedule : DMRGSchedule, optional
        Sweeps of every block (default
        :data:`~vibmpo.solvers.dmrg_options.BLOCK_SCHEDULE`: one-site sweeps with
        expansion 1e-3 at bond dimensions 32, 48, 64, at most 12 per block, ``tol``
        1e-8). ``maxdim`` must be finite and hold the roots of a block; ``nsites=2``
        sweeps are honoured (one-site sweeps with subspace expansion are the cheaper
        choice; the first sweep is two-site anyway where a one-site space cannot hold
        the roots). A block is converged when its accepted energies change by less than
        ``tol`` (unit of ``H``, positive) over a sweep, once every schedule reached its
        last value (checked after every half sweep against the energies one full sweep
        earlier). The refinement (``options.refine_maxdim``) runs one-site sweeps at the
        last ``cutoff`` and ``expansion``, at most ``nsweeps``, to ``tol``.
    options : BlockOptions, optional
        Block size, guard roots, block tolerance, degeneracy threshold, penalty, most
        blocks, initial roots, refinement and residuals (default ``BlockOptions()``).
    n_extra : int
        With ``n_states``: levels computed beyond ``n_states`` and dropped (the lowest
        ``n_states`` of all are kept), so that a level missed at the top of the last block
        is still found.
    seed : int
        Seed of the random initial MPS and roots.
    energy_unit : str, optional
        Unit of ``H``, carried into the result (default: ``H.energy_unit`` if ``H`` has
        one, else ``None``).
    verbose : bool
        One line per sweep.
    **deprecated
        The keywords of the former signature, accepted for one release with a
        ``DeprecationWarning``: ``maxdim``, ``nsweeps``, ``tol``, ``cutoff``,
        ``expansion``, ``local_tol`` (fields of ``schedule``, on top of
        ``BLOCK_SCHEDULE``) and ``block_size``, ``n_guard``, ``block_tol``,
        ``degeneracy``, ``penalty``, ``max_blocks``, ``initial``, ``n_configs``,
        ``refine_maxdim``, ``residuals`` (fields of ``options``).

    Returns
    -------
    BlockDMRGResult

    Warns
    -----
    DMRGConvergenceWarning
        If a block did not converge, a block could not be cut between multiplets, or the
        window could not be closed within ``max_blocks``.

    Examples
    --------
    Two degenerate oscillators (levels 1, 2, 2, 3, 3, 3 in units of the frequency):

    >>> import numpy as np
    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> from vibmpo.solvers import BlockOptions, block_dmrg
    >>> ham = grid_hamiltonian(coupled_oscillators([1.0, 1.0], 0.0), "ho:8")
    >>> r = block_dmrg(ham.to_mpo(), window=(0.0, 1.5),
    ...                options=BlockOptions(block_size=2, n_guard=2),
    ...                energy_unit=ham.energy_unit)
    >>> np.round(r.energies, 8).tolist(), r.block.tolist()
    ([1.0, 2.0, 2.0], [0, 0, 0])
    """
    t_start = time.perf_counter()
    folded = fold_keywords("block_dmrg", deprecated, [
        Group("schedule", schedule, BLOCK_SCHEDULE, _SCHEDULE_KEYS, "BLOCK_SCHEDULE"),
        Group("options", options, BlockOptions(), _OPTION_KEYS)])
    schedule = folded["schedule"] or BLOCK_SCHEDULE
    options = folded["options"] or BlockOptions()
    window = _check_inputs(n_states=n_states, window=window, n_extra=n_extra,
                           schedule=schedule)
    mpo = mpo_arrays(H)
    opts = _settings(schedule, options, verbose)
    _check_space(mpo, opts.k, schedule.maxdim)
    max_blocks = options.max_blocks
    if max_blocks is None:
        max_blocks = (-(-(int(n_states) + int(n_extra)) // opts.block_size) + 2
                      if window is None else 50)
    with _residual_pool(options.residuals) as pool:
        run = _Run(degeneracy=options.degeneracy, mu=options.penalty, pool=pool)
        rng = np.random.default_rng(seed)
        # with n_states, n_extra more levels are computed and the lowest n_states kept: a
        # level the last block misses (a poor root at its top) is then still found
        n_target = None if n_states is None else int(n_states) + int(n_extra)
        tensors, guesses, ci = _initial_roots(mpo, options, n_states, opts, rng, run)
        for b in range(max_blocks):
            n_left = opts.block_size if n_target is None else max(
                1, min(opts.block_size, n_target - len(run.found)))
            # the last block carries only the roots still wanted and its guard roots
            st, conv, e, lres = _solve_block(mpo, tensors, guesses, n_left, opts, rng, run, b,
                                             k=min(opts.k, n_left + opts.n_guard))
            order = np.argsort(e)
            e = e[order]
            n_acc = _accept(mpo, st, e, order, conv, lres, n_left, opts, rng, run, b)
            # the next block starts from this MPS with its unaccepted roots first, then the
            # CI states that follow them
            guesses = [root_tensors(st, int(j)) for j in order[n_acc:]]
            nxt = len(run.found) + len(guesses)
            guesses += ci[nxt:nxt + opts.k - len(guesses)]
            tensors = guesses[0]
            if _finished(run, e[n_acc], n_states, n_target, window):
                break
        else:
            if window is not None:
                warnings.warn(f"block DMRG: the window up to {window[1]:g} above E0 was not "
                              f"closed within {max_blocks} blocks; raise max_blocks",
                              DMRGConvergenceWarning, stacklevel=2)
        if n_states is not None and window is None:
            _complete(mpo, tensors, guesses, int(n_states), opts, rng, run)
        found = _select(run.found, window, n_states, run.degeneracy)
        conv = np.array([f[2] for f in found], dtype=bool)
        if not conv.all():
            warnings.warn(f"block DMRG: level(s) {np.flatnonzero(~conv).tolist()} did not "
                          f"converge to tol={schedule.tol:g} within {schedule.nsweeps} sweeps "
                          "of their block; raise nsweeps or maxdim", DMRGConvergenceWarning,
                          stacklevel=2)
        return BlockDMRGResult(
            energies=np.array([f[1] for f in found]),
            energy_unit=energy_unit if energy_unit is not None else getattr(H, "energy_unit",
                                                                            None),
            states=[to_quimb_mps(f[0]) for f in found], converged=conv,
            residuals=np.array([run.residual(f) for f in found]),
            local_residuals=np.array([f[3] for f in found]),
            block=np.array([f[4] for f in found], dtype=int),
            wall_time=time.perf_counter() - t_start,
            info={"method": "block", **schedule.as_dict(), **dataclasses.asdict(options),
                  "max_blocks": max_blocks, "refine_maxdim": opts.refine_maxdim,
                  "refine_sweeps": run.refine_sweeps,
                  "degeneracy": float(run.degeneracy),
                  "window": None if window is None else list(window), "seed": seed,
                  "blocks": run.blocks, "notes": run.notes})


@contextlib.contextmanager
def _residual_pool(enabled: bool):
    """One worker thread for the residuals of accepted states (``None`` when not
    wanted). On the way out, residuals not yet started are cancelled and a running one
    is not waited for (a result returned before has collected every residual it
    needs)."""
    pool = ThreadPoolExecutor(1) if enabled else None
    try:
        yield pool
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class _Options:
    """Settings of one :func:`block_dmrg` run (validated)."""

    k: int                      # roots per block (accepted + guard)
    block_size: int
    n_guard: int
    sweeps: Schedule            # of the blocks
    nsweeps: int
    tol: float
    tol_block: float
    cutoff: float               # final values: of the refinement
    expansion: float
    local_tol: float
    refine_maxdim: list | None
    penalty: float | None
    verbose: bool


def _settings(schedule, options, verbose):
    """The run's :class:`_Options` from the schedule and the block options."""
    refine = options.refine_maxdim is not None
    tol = schedule.tol
    return _Options(
        k=options.block_size + options.n_guard, block_size=options.block_size,
        n_guard=options.n_guard, sweeps=schedule.sweeps(), nsweeps=schedule.nsweeps,
        tol=tol, tol_block=tol if not refine else (options.block_tol or 100.0 * tol),
        cutoff=schedule.cutoff[-1], expansion=schedule.expansion[-1],
        local_tol=schedule.local_tol,
        refine_maxdim=list(options.refine_maxdim) if refine else None,
        penalty=options.penalty, verbose=bool(verbose))


@dataclass
class _Run:
    """What a :func:`block_dmrg` run has found so far."""

    degeneracy: float | None
    mu: float | None            # penalty on the accepted states
    # accepted states: (tensors, E, converged, local residual, block, residual future)
    found: list = field(default_factory=list)
    e0: float | None = None
    e_top: float | None = None  # highest root seen
    notes: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    refine_sweeps: list = field(default_factory=list)

    pool: ThreadPoolExecutor | None = None  # computes residuals while the sweeps go on

    def projections(self):
        return [Projection(list(f[0]), float(self.mu)) for f in self.found]

    def add(self, tensors, mpo, converged, local_residual, block):
        """Accept a state; its residual :math:`\\lVert (H - E)\\psi\\rVert` (one
        :math:`\\langle H^2\\rangle`, the cost of a few sweeps) starts at once in the
        background thread when there is one: its large products release the GIL, so it
        runs on a second core beside the sweeps."""
        energy = float(mps_expectation(tensors, mpo))
        future = (None if self.pool is None
                  else self.pool.submit(residual_norm, tensors, mpo, energy))
        self.found.append((tensors, energy, converged, local_residual, block, future))

    @staticmethod
    def residual(entry) -> float:
        """The residual of an accepted state (``nan`` when not computed)."""
        future = entry[5]
        return float("nan") if future is None else float(future.result())


def _check_inputs(*, n_states, window, n_extra, schedule):
    """Validate the counts, the window and the schedule of :func:`block_dmrg`; returns
    the window."""
    if n_states is None and window is None:
        raise ValueError("give n_states (the number of lowest levels) or window=(emin, emax)")
    for name, value, least in (("n_states", n_states, 1), ("n_extra", n_extra, 0)):
        if value is not None and (int(value) != value or value < least):
            kind = "positive" if least else "non-negative"
            raise ValueError(f"{name} must be a {kind} integer, got {value!r}")
    if None in schedule.maxdim or 0 in schedule.maxdim:
        raise ValueError(f"maxdim must be finite and positive for block DMRG, got "
                         f"{list(schedule.maxdim)}")
    if not schedule.tol > 0:
        raise ValueError(f"tol must be positive, got {schedule.tol}")
    if window is None:
        return None
    try:
        emin, emax = (float(x) for x in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be (emin, emax), got {window!r}") from None
    if not emin <= emax:
        raise ValueError(f"window ({emin}, {emax}) must have emin <= emax")
    return emin, emax


def _check_space(mpo, k, maxdim):
    """The space and the bond dimension must hold the ``k`` roots of a block."""
    if len(mpo) < 2:
        raise ValueError("block DMRG needs an MPO with at least 2 sites")
    total = float(np.prod(np.asarray([w.shape[2] for w in mpo], dtype=float)))
    if k > total:
        raise ValueError(f"block_size + n_guard = {k} roots exceed the dimension "
                         f"{int(total)} of the space; use smaller blocks")
    if max(maxdim) < k:
        raise ValueError(f"maxdim {max(maxdim)} is below the {k} roots of a block; "
                         "raise maxdim or lower block_size + n_guard")


def _initial_roots(mpo, options, n_states, opts, rng, run):
    """Starting MPS, guesses of the first block and the CI states of later blocks."""
    maxdim0 = opts.sweeps.at(0).maxdim
    if options.initial == "random":
        dims = [w.shape[2] for w in mpo]
        tensors = random_mps(dims, max(min(maxdim0, 16), opts.k), seed=rng,
                             dtype=np.result_type(*mpo, float))
        return tensors, [], []
    k = opts.k
    n_ci = (int(n_states) if n_states is not None else 4 * k) + 2 * k
    ci, _ = configuration_guesses(mpo, n_ci, options.n_configs or max(3 * n_ci, n_ci + 30))
    ci = [_compress(list(g), max(maxdim0 // 4, 4)) for g in ci]
    tensors = _stack(ci[:k], maxdim0)
    tensors[0] = tensors[0][:1]
    run.notes.append(f"initial roots: {len(ci)} VSCF-CI states")
    return tensors, ci[:k], ci


def _solve_block(mpo, tensors, guesses, n_left, opts, rng, run, b, k=None):
    """Sweep block ``b`` with ``k`` roots (default ``opts.k``; raising the penalty, up to
    three times, if one of its lowest roots reached the penalised copies of earlier
    states); returns the state, the convergence flags, energies and local residuals of
    its roots."""
    k = opts.k if k is None else int(k)
    for _attempt in range(4):
        st, conv, hist, bonds, times, lres = _block(
            mpo, tensors, guesses[:k], run.projections(), k, rng, sweeps=opts.sweeps,
            nsweeps=opts.nsweeps, tol=opts.tol_block, local_tol=opts.local_tol,
            n_check=min(n_left + 1, k), verbose=opts.verbose, label=f"block {b}")
        e = hist[-1]
        if not run.found or opts.penalty is not None or e[:n_left].max() < run.e0 + 0.9 * run.mu:
            break
        run.mu *= 4.0
        run.notes.append(f"block {b}: penalty raised to {run.mu:.6g}")
    run.blocks.append({"block": b, "roots": k, "sweeps": len(times) / 2,
                       "seconds": float(times.sum()), "max_bond": int(bonds[-1])})
    return st, conv, e, lres


def _update_scale(run, e, tol, adapt):
    """Ground level and degeneracy threshold (first block), top root and, with ``adapt``,
    the penalty: above the spread of every root seen so far (the next block lies above
    the accepted levels, near this block's guard roots)."""
    if run.e0 is None:
        run.e0 = float(e[0])
        if run.degeneracy is None:
            run.degeneracy = max(1000.0 * tol, 1e-7 * abs(run.e0))
    run.e_top = float(e[-1]) if run.e_top is None else max(run.e_top, float(e[-1]))
    if adapt:
        run.mu = max(run.mu or 0.0, 3.0 * (run.e_top - run.e0), 10.0 * tol)


def _accept(mpo, st, e, order, conv, lres, n_left, opts, rng, run, b):
    """Accept the lowest roots of block ``b`` up to a gap between multiplets (refining
    each with ``opts.refine_maxdim``); returns how many."""
    _update_scale(run, e, opts.tol, adapt=opts.penalty is None)
    n_acc, clean = _cut(e, n_left, run.degeneracy, max(opts.n_guard // 2, 1))
    if not clean:
        run.notes.append(f"block {b}: no gap wider than {run.degeneracy:.3g} among its "
                         f"{len(e)} roots; multiplets may be split")
        warnings.warn(f"block DMRG: block {b} could not be cut between multiplets "
                      f"(all gaps < {run.degeneracy:.3g}); raise n_guard",
                      DMRGConvergenceWarning, stacklevel=3)
    t_ref = time.perf_counter()
    for j in order[:n_acc]:
        t, ok, lr = root_tensors(st, int(j)), bool(conv[j]), float(lres[j])
        if opts.refine_maxdim is not None:
            t, ok, lr = _refine(mpo, t, opts, rng, run, b)
        run.add(t, mpo, ok, lr, b)
    run.blocks[-1].update({
        "accepted": int(n_acc), "refine_seconds": float(time.perf_counter() - t_ref),
        "refine_maxdim": (None if opts.refine_maxdim is None
                          else int(_at(opts.refine_maxdim, b))),
        "penalty": None if run.mu is None else float(run.mu),
        "converged": bool(conv[order[:n_acc]].all()),
        "guard_gap": float(e[n_acc] - e[n_acc - 1])})
    if opts.verbose:
        print(f"[block-dmrg] block {b}: accepted {n_acc} levels up to "
              f"{e[n_acc - 1] - run.e0:.6g} above E0 in {run.blocks[-1]['seconds']:.1f} s",
              flush=True)
    return n_acc


def _refine(mpo, tensors, opts, rng, run, b):
    """One-site DMRG of one root of block ``b`` at its entry of ``opts.refine_maxdim``,
    penalties on every state accepted so far (the block root is its starting point).
    Subspace expansion in the first sweep grows the bonds from the block's to the
    refinement's bond dimension; the later sweeps optimise at that size without it
    (their SVDs are then of the site tensor alone, not of the site tensor enlarged by
    the MPO bond)."""
    st, conv, _, _, times, lres = _block(
        mpo, tensors, [tensors], run.projections(), 1, rng,
        sweeps=Schedule(nsites=1, maxdim=_at(opts.refine_maxdim, b), cutoff=opts.cutoff,
                        expansion=(max(opts.expansion, 1e-4), 0.0)),
        nsweeps=opts.nsweeps, tol=opts.tol, local_tol=opts.local_tol, n_check=1,
        verbose=opts.verbose, label=f"block {b} refine")
    run.refine_sweeps.append(len(times) / 2)
    return root_tensors(st, 0), bool(conv[0]), float(lres[0])


def _complete(mpo, tensors, guesses, n_states, opts, rng, run, max_checks=2):
    """Check block(s): with penalties on every accepted state, the lowest roots of one
    more block must lie above the ``n_states``-th accepted level. A root below it is a
    level the blocks missed (a root whose refinement slid to a lower level leaves its own
    level unclaimed): it is refined and accepted, and the check repeats. A check block
    carries ``n_guard`` roots (at least 2), not a whole block's: it looks for the few
    levels the blocks missed, each found as one of its lowest roots (more than that many
    are found over the repeated checks)."""
    k = min(opts.k, max(opts.n_guard, 2))
    for _check in range(max_checks):
        b = len(run.blocks)
        st, conv, e, lres = _solve_block(mpo, tensors, guesses, k, opts, rng, run, b, k=k)
        top = sorted(f[1] for f in run.found)[n_states - 1]
        order = np.argsort(e)
        missed = [int(j) for j in order if e[j] < top]
        run.blocks[-1].update({"check": True, "accepted": len(missed),
                               "refine_maxdim": (None if opts.refine_maxdim is None
                                                 else int(_at(opts.refine_maxdim, b)))})
        if not missed:
            return
        run.notes.append(f"check block {b}: {len(missed)} level(s) below the "
                         f"{n_states}-th were missed by the blocks; added")
        for j in missed:
            t, ok, lr = root_tensors(st, j), bool(conv[j]), float(lres[j])
            if opts.refine_maxdim is not None:
                t, ok, lr = _refine(mpo, t, opts, rng, run, b)
            run.add(t, mpo, ok, lr, b)
        guesses = [root_tensors(st, int(j)) for j in order]
        tensors = guesses[0]


def _finished(run, e_next, n_states, n_target, window):
    """Enough levels found, or the window closed (a root above it)."""
    if window is None:
        return len(run.found) >= n_target
    return e_next - run.e0 > window[1] and (n_states is None or len(run.found) >= n_states)


def _select(found, window, n_states, degeneracy):
    """The accepted states in ascending energy, cut to the window and to ``n_states``."""
    found = sorted(found, key=lambda f: f[1])
    idx = np.arange(len(found))
    if window is not None:
        exc = np.array([f[1] for f in found]) - found[0][1]
        idx = np.flatnonzero((exc >= window[0] - degeneracy) & (exc <= window[1]))
    if n_states is not None:
        idx = idx[:int(n_states)]
    return [found[i] for i in idx]
