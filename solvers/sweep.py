r"""The sweep driver shared by DMRG and TDVP.

A solver hands :func:`run_sweeps` its local steps (:class:`LocalUpdate`: DMRG's lowest
eigenvectors, TDVP's Krylov exponentials), a :class:`Schedule` of per-sweep settings
("scalar or sequence, last repeats": one or two sites, ``maxdim``, ``cutoff``,
``expansion``) and an observer that may stop the run. Each sweep is a left-to-right
then a right-to-left half sweep (:func:`full_sweep`).

The pieces live in modules of one concept each, re-exported here:

* :mod:`vibmpo.solvers.effective` -- :class:`EffectiveOperator`, the local problem;
* :mod:`vibmpo.solvers.sweep_state` -- :class:`SweepState` (MPS in mixed canonical form
  with incrementally updated environments), :func:`make_state`, :class:`Projection`;
* :mod:`vibmpo.solvers.half_sweeps` -- :func:`sweep_two_site`, :func:`sweep_one_site`;
* :mod:`vibmpo.solvers.expansion` -- :func:`expand_right_bases` (global subspace
  expansion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vibmpo.linalg.svd import truncated_svd

from .effective import EffectiveOperator
from .expansion import expand_right_bases
from .half_sweeps import sweep_one_site, sweep_two_site
from .sweep_state import (
    Projection,
    StepInfo,
    StepRecord,
    SweepState,
    make_state,
    root_tensors,
)

__all__ = [
    "EffectiveOperator",
    "Projection",
    "StepInfo",
    "StepRecord",
    "SweepState",
    "make_state",
    "sweep_two_site",
    "sweep_one_site",
    "root_tensors",
    "schedule_values",
    "SweepSettings",
    "Schedule",
    "LocalUpdate",
    "full_sweep",
    "run_sweeps",
    "expand_right_bases",
    "truncated_svd",
]


def schedule_values(value, name: str, cast=float) -> list:
    """A schedule as a non-empty list: a scalar or a sequence (per sweep, last repeats).

    ``None`` entries stay ``None`` (e.g. no bond-dimension limit); negative ones raise.

    Examples
    --------
    >>> schedule_values((8, 16), "maxdim", int), schedule_values(1e-12, "cutoff")
    ([8, 16], [1e-12])
    """
    vals = [value] if np.isscalar(value) or value is None else list(value)
    if not vals:
        raise ValueError(f"{name} schedule is empty; give a value or a non-empty sequence")
    out = []
    for v in vals:
        if v is None:
            out.append(None)
            continue
        v = cast(v)
        if v < 0:
            raise ValueError(f"{name} must be non-negative, got {v}")
        out.append(v)
    return out


@dataclass(frozen=True)
class SweepSettings:
    """Settings of one sweep: 1 or 2 sites, bond-dimension limit, cutoff, expansion.

    Examples
    --------
    >>> SweepSettings(nsites=1, maxdim=16)
    SweepSettings(nsites=1, maxdim=16, cutoff=0.0, expansion=0.0)
    """

    nsites: int = 2
    maxdim: int | None = None
    cutoff: float = 0.0
    expansion: float = 0.0


class Schedule:
    """Per-sweep :class:`SweepSettings` from schedules ("scalar or sequence, last repeats").

    Examples
    --------
    >>> sch = Schedule(nsites=(2, 1), maxdim=(8, 16, 32), cutoff=1e-12)
    >>> sch.at(0), sch.at(5).maxdim, sch.n_warm
    (SweepSettings(nsites=2, maxdim=8, cutoff=1e-12, expansion=0.0), 32, 2)
    """

    def __init__(self, *, nsites=2, maxdim=None, cutoff=0.0, expansion=0.0):
        self.values = dict(nsites=schedule_values(nsites, "nsites", int),
                           maxdim=schedule_values(maxdim, "maxdim", int),
                           cutoff=schedule_values(cutoff, "cutoff"),
                           expansion=schedule_values(expansion, "expansion"))
        if any(v not in (1, 2) for v in self.values["nsites"]):
            raise ValueError(f"nsites must contain only 1 and 2, got {self.values['nsites']}")

    @property
    def n_warm(self) -> int:
        """First sweep at which every schedule has reached its last value."""
        return max(len(v) for v in self.values.values()) - 1

    def at(self, sweep: int) -> SweepSettings:
        """Settings of sweep number ``sweep`` (0-based)."""
        v = {k: vals[min(sweep, len(vals) - 1)] for k, vals in self.values.items()}
        return SweepSettings(nsites=int(v["nsites"]), maxdim=v["maxdim"],
                             cutoff=float(v["cutoff"] or 0.0),
                             expansion=float(v["expansion"] or 0.0))

    def __call__(self, sweep: int, st: SweepState) -> SweepSettings:
        return self.at(sweep)


@dataclass(frozen=True)
class LocalUpdate:
    """What a solver hands the driver: its local steps.

    ``forward`` acts on every (one- or two-site) centre tensor (DMRG: lowest
    eigenvectors; TDVP: :math:`e^{-iH_\\mathrm{eff}\\delta t/2}`); ``backward``, if given,
    on the bond matrix (one-site sweeps) or the new one-site centre (two-site sweeps)
    after each split (TDVP's backward steps); ``prepare(st, settings)`` runs before each
    sweep (e.g. a basis expansion).

    Examples
    --------
    >>> LocalUpdate(lambda theta, op, info: theta).backward is None
    True
    """

    forward: Callable
    backward: Callable | None = None
    prepare: Callable | None = None


def full_sweep(st: SweepState, update: LocalUpdate, settings: SweepSettings, *,
               sweep: int = 0) -> list[StepRecord]:
    """One sweep: a left-to-right then a right-to-left half sweep (centre 0 -> 0).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> st = make_state(random_mps([2] * 3, 2, seed=0), W)
    >>> recs = full_sweep(st, LocalUpdate(lambda t, op, info: t), SweepSettings(nsites=2))
    >>> [r.bond for r in recs], st.center
    ([0, 1, 1, 0], 0)
    """
    if update.prepare is not None:
        update.prepare(st, settings)
    records = []
    for direction in ("lr", "rl"):
        if settings.nsites == 2 and st.n_sites > 1:
            records += sweep_two_site(st, update.forward, direction=direction,
                                      maxdim=settings.maxdim, cutoff=settings.cutoff,
                                      site_step=update.backward, sweep=sweep)
        else:
            records += sweep_one_site(st, update.forward, direction=direction,
                                      maxdim=settings.maxdim, cutoff=settings.cutoff,
                                      expansion=settings.expansion,
                                      bond_step=update.backward, sweep=sweep)
    return records


def run_sweeps(st: SweepState, update: LocalUpdate, schedule, *, nsweeps: int,
               observer: Callable | None = None, first: int = 0) -> int:
    """The sweep driver shared by DMRG and TDVP.

    Runs up to ``nsweeps`` sweeps (:func:`full_sweep`); the settings of sweep ``s`` come
    from ``schedule`` (a :class:`Schedule` or a callable ``(s, st) -> SweepSettings``);
    after each sweep ``observer(s, st, records, settings)`` is called and may return
    ``True`` to stop. Returns the number of sweeps run.

    Examples
    --------
    A small two-site DMRG that stops once the energy is stationary:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> def lowest(theta, op, info):
    ...     return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)
    >>> energies = []
    >>> def observe(s, st, records, settings):
    ...     energies.append(mps_expectation(root_tensors(st), W))
    ...     return len(energies) > 1 and abs(energies[-1] - energies[-2]) < 1e-12
    >>> st = make_state(random_mps([2] * 4, 2, seed=0), W)
    >>> n = run_sweeps(st, LocalUpdate(lowest), Schedule(maxdim=4), nsweeps=10,
    ...                observer=observe)
    >>> bool(np.isclose(energies[-1], np.linalg.eigvalsh(mpo_to_dense(W))[0])), n < 10
    (True, True)
    """
    for s in range(first, first + int(nsweeps)):
        settings = schedule(s, st)
        records = full_sweep(st, update, settings, sweep=s)
        if observer is not None and observer(s, st, records, settings):
            return s - first + 1
    return int(nsweeps)
