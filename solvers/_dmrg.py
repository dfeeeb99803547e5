r"""DMRG for vibrational ground and excited states: :func:`vibmpo.solvers.dmrg`.

The module is private (the package exports the function under the same name); the
method is described in the function's docstring.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from vibmpo._deprecation import Group, fold_keywords

from ._dmrg_run import initial_tensors, run_dmrg
from .dmrg_options import DMRGSchedule, ExcitedOptions
from .excited import sequential_states
from .mps import mpo_arrays, residual_norm, to_quimb_mps
from .verify import DMRGConvergenceWarning, check_info, verify_eigenpairs

__all__ = ["DMRGResult", "dmrg", "residual_norm", "DMRGConvergenceWarning", "METHODS"]

#: Accepted ``method`` values of :func:`dmrg`.
METHODS = ("state-average", "sequential")

# keywords of dmrg() before the option objects: deprecated aliases for one release
_SCHEDULE_KEYS = tuple(f.name for f in dataclasses.fields(DMRGSchedule))
_EXCITED_KEYS = tuple(f.name for f in dataclasses.fields(ExcitedOptions))


@dataclass(frozen=True)
class DMRGResult:
    """Result of :func:`dmrg`.

    Attributes
    ----------
    energies : ndarray (n_states,)
        Energies in ascending order, in ``energy_unit``.
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
        Settings used (schedule, excited-state options, number of roots, seed) and
        ``notes`` of the sequential checks.
    energy_unit : str or None
        Unit of the energies: that of the MPO (``None`` when the caller did not say).

    Examples
    --------
    >>> import numpy as np, quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> r = dmrg(H, n_states=2, schedule=DMRGSchedule(maxdim=8), energy_unit="hartree")
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:2]))
    True
    >>> r.all_converged, len(r.states), bool(r.residuals.max() < 1e-6), r.energy_unit
    (True, 2, True, 'hartree')
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
    energy_unit: str | None = None

    @property
    def all_converged(self) -> bool:
        """Whether every state converged."""
        return bool(np.all(self.converged))


def _deprecated_keywords(legacy: dict, schedule, excited):
    """Map the keywords of the old signature onto the option objects (with a warning)."""
    out = fold_keywords("dmrg", legacy, [
        Group("schedule", schedule, DMRGSchedule(), _SCHEDULE_KEYS),
        Group("excited", excited, ExcitedOptions(), _EXCITED_KEYS)],
        dropped={"residuals": "residuals are always computed"}, stacklevel=4)
    return out["schedule"], out["excited"]


def _check_request(n_states, method, n_extra, excited, dims):
    """Validated ``(n_states, roots per run)``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    if int(n_states) != n_states or n_states < 1:
        raise ValueError(f"n_states must be a positive integer, got {n_states!r}")
    if n_extra < 0:
        raise ValueError(f"n_extra must be >= 0, got {n_extra}")
    if excited is not None and method != "sequential":
        raise ValueError("excited-state options (initial, penalty, n_configs, max_states, "
                         "warmup_maxdim) apply to method='sequential' only")
    ms = None if excited is None else excited.max_states
    if ms is not None and ms < n_states + n_extra:
        raise ValueError(f"max_states={ms} is below n_states + n_extra = "
                         f"{n_states + n_extra}")
    if len(dims) < 2:
        raise ValueError("DMRG needs an MPO with at least 2 sites")
    total = float(np.prod(np.asarray(dims, dtype=float)))
    if n_states > total:
        raise ValueError(f"asked for {int(n_states)} states of a {int(total)}-dimensional "
                         "space")
    k = n_states + n_extra if method == "state-average" else 1
    return int(n_states), int(min(k, total))


def _state_average(mpo, n_states, k, schedule, psi0, seed, dtype, verbose):
    """Per-state records of one state-averaged run with ``k`` roots (lowest kept)."""
    dims = [w.shape[2] for w in mpo]
    t0 = initial_tensors(dims, k, schedule.maxdim[0], psi0, seed, dtype)
    run = run_dmrg(mpo, t0, k, schedule, seed=seed, verbose=verbose, label="state-average")
    order = np.argsort(run.energies)[:n_states]
    records = {"states": [run.root(j) for j in order], "energies": run.energies[order],
               "converged": run.converged[order], "history": [run.history[:, j] for j in order],
               "truncation": [run.truncation] * len(order),
               "bond_dims": [run.bond_dims] * len(order), "sweep_times": [run.sweep_times]}
    return records, k, []


def _sequential(mpo, n_states, n_extra, schedule, excited, psi0, seed, dtype, verbose):
    """Per-state records of the lowest ``n_states`` sequential states, sorted."""
    found, notes = sequential_states(mpo, n_states, schedule=schedule, options=excited,
                                     n_extra=n_extra, psi0=psi0, seed=seed, dtype=dtype,
                                     verbose=verbose)
    order = np.argsort([f.energy for f in found], kind="stable")[:n_states]
    kept = [found[j] for j in order]
    records = {"states": [f.tensors for f in kept],
               "energies": np.array([f.energy for f in kept]),
               "converged": np.array([bool(f.run.converged[0]) for f in kept]),
               "history": [f.run.history[:, 0] for f in kept],
               "truncation": [f.run.truncation for f in kept],
               "bond_dims": [f.run.bond_dims for f in kept],
               "sweep_times": [f.run.sweep_times for f in kept]}
    return records, len(found), notes


def dmrg(H, *, n_states: int = 1, method: str = "state-average",
         schedule: DMRGSchedule | None = None, excited: ExcitedOptions | None = None,
         n_extra: int = 0, psi0=None, seed=0, energy_unit: str | None = None,
         verbose: bool = False, **deprecated) -> DMRGResult:
    r"""Lowest ``n_states`` eigenpairs of an MPO Hamiltonian by DMRG.

    Parameters
    ----------
    H : quimb.tensor.MatrixProductOperator
        Hermitian Hamiltonian (not modified), at least 2 sites.
    n_states : int
        Number of states (ground state + ``n_states - 1`` excited states).
    method : {"state-average", "sequential"}
        Excited-state strategy (see the notes).
    schedule : DMRGSchedule, optional
        Bond dimensions, cutoffs, one/two-site sweeps, expansion, most sweeps (per state
        for ``"sequential"``) and tolerances (default ``DMRGSchedule()``).
    excited : ExcitedOptions, optional
        Sequential only: starts (``initial``), penalty, CI size, state budget, warm-up
        bond dimensions (default ``ExcitedOptions()``).
    n_extra : int
        Extra states computed and not returned: state-average carries them as extra
        roots (guards the highest requested state against near-degenerate partners);
        sequential computes them after the requested ones (a state skipped earlier is
        then still found and sorted in).
    psi0 : quimb MatrixProductState or list of them, optional
        Initial state (not modified); random (from ``seed``) if omitted. Sequential: a
        list starts the first ``len(psi0)`` states.
    seed : int
        Seed of the random initial state / roots.
    energy_unit : str, optional
        Unit of ``H``, carried into the result (default: ``H.energy_unit`` if ``H`` has
        one, else ``None``).
    verbose : bool
        Print one line per sweep.
    **deprecated
        The keywords of the former signature, accepted for one release with a
        ``DeprecationWarning``: ``maxdim``, ``cutoff``, ``nsites``, ``expansion``,
        ``nsweeps``, ``tol``, ``local_tol`` (fields of ``schedule``), ``initial``,
        ``penalty``, ``n_configs``, ``max_states``, ``warmup_maxdim`` (fields of
        ``excited``) and ``residuals`` (no effect: residuals are always computed).

    Returns
    -------
    DMRGResult

    Warns
    -----
    DMRGConvergenceWarning
        If a state did not converge; ``result.converged`` says which.

    Notes
    -----
    Finds the lowest eigenpairs :math:`H|\psi_n\rangle = E_n|\psi_n\rangle` of a
    Hamiltonian given as a quimb ``MatrixProductOperator`` by variational sweeps over an MPS
    (:mod:`vibmpo.solvers.sweep`), with the local eigenproblems

    .. math::

        H_\mathrm{eff}\, \theta = E\, \theta

    solved by a block Davidson method to a tight residual.
    Sweeps and tolerances are one :class:`~vibmpo.solvers.dmrg_options.DMRGSchedule`.
    Excited states:

    ``method="state-average"``
        one MPS whose centre tensor carries ``k`` roots; every local problem is solved for
        its ``k`` lowest eigenpairs and the SVD keeps the basis best for the average of
        the roots' reduced density matrices. Degenerate levels come out together.
    ``method="sequential"``
        one state at a time, each minimising :math:`H + \sum_{m<n} \mu\,|\psi_m\rangle
        \langle\psi_m|` (penalty projection onto the orthogonal complement of the states
        already found); cheaper per state, bond dimension per state. Starts (CI in the VSCF
        modal basis, a state-averaged warm-up), penalty and the checks for states that land
        high or come out of order: :mod:`vibmpo.solvers.excited`, set by
        :class:`~vibmpo.solvers.dmrg_options.ExcitedOptions`.

    Two-site sweeps (bond growth) can be followed by cheaper one-site sweeps with subspace
    expansion (``DMRGSchedule(nsites=(2, 2, 2, 1))``). All schedules accept a scalar or a
    sequence whose last value repeats.

    Examples
    --------
    >>> import numpy as np, quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> r = dmrg(H, n_states=3, schedule=DMRGSchedule(maxdim=8))
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:3]))
    True
    >>> r = dmrg(H, n_states=3, method="sequential", schedule=DMRGSchedule(maxdim=8),
    ...          excited=ExcitedOptions(initial="warm-up"))
    >>> bool(np.allclose(r.energies, np.linalg.eigvalsh(H.to_dense())[:3]))
    True
    """
    t_start = time.perf_counter()
    schedule, excited = _deprecated_keywords(deprecated, schedule, excited)
    schedule = schedule or DMRGSchedule()
    mpo = mpo_arrays(H)
    n_states, k = _check_request(n_states, method, n_extra, excited,
                                 [w.shape[2] for w in mpo])
    dtype = np.result_type(*mpo, float)
    if method == "state-average":
        rec, n_computed, notes = _state_average(mpo, n_states, k, schedule, psi0, seed,
                                                dtype, verbose)
    else:
        excited = excited or ExcitedOptions()
        rec, n_computed, notes = _sequential(mpo, n_states, n_extra, schedule, excited,
                                             psi0, seed, dtype, verbose)
    energies = np.asarray(rec["energies"], dtype=float)
    swept = np.asarray(rec["converged"], dtype=bool)
    check = verify_eigenpairs(mpo, rec["states"], energies)  # residual, norm, orthogonality
    conv = swept & check.converged
    if not conv.all():
        warnings.warn(
            f"DMRG ({method}): state(s) {np.flatnonzero(~conv).tolist()} did not converge: "
            + (f"(energy change above tol={schedule.tol:g} after {schedule.nsweeps} sweeps) "
               if not swept.all() else "") + f"{check.summary()}; increase nsweeps or "
            "maxdim (see result.converged, result.residuals)", DMRGConvergenceWarning,
            stacklevel=2)
    info = {"n_roots": k, "seed": seed, "n_computed": n_computed, "notes": notes,
            **schedule.as_dict(), "verification": check_info(check)}
    if excited is not None:
        info.update(dataclasses.asdict(excited))
    return DMRGResult(
        energies=energies, states=[to_quimb_mps(t) for t in rec["states"]], converged=conv,
        residuals=check.residuals, history=rec["history"], truncation=rec["truncation"],
        bond_dims=rec["bond_dims"], sweep_times=rec["sweep_times"],
        wall_time=time.perf_counter() - t_start, method=method, info=info,
        energy_unit=energy_unit if energy_unit is not None else getattr(H, "energy_unit",
                                                                        None))
