r"""Typed options of :func:`vibmpo.solvers.dmrg` and
:func:`vibmpo.solvers.block_dmrg`: the sweep schedule (shared by both), the
excited-state (sequential) settings of ``dmrg`` and the block settings of ``block_dmrg``.

Each is a frozen, keyword-only dataclass: an unknown field is a ``TypeError``, a bad
value a ``ValueError`` naming the field, at construction. Schedules are "scalar or
sequence, last repeats": ``maxdim=(8, 16, 32)`` runs sweep 0 at 8, sweep 1 at 16 and
every later sweep at 32.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

from .sweep import Schedule, schedule_values

__all__ = ["DMRGSchedule", "ExcitedOptions", "BlockOptions", "LEVELS_SCHEDULE",
           "BLOCK_SCHEDULE", "INITIALS", "BLOCK_INITIALS"]

#: Accepted ``ExcitedOptions.initial`` values (``"state-average"`` is a deprecated
#: alias of ``"warm-up"``).
INITIALS = ("auto", "configurations", "warm-up", "random")

#: Accepted ``BlockOptions.initial`` values.
BLOCK_INITIALS = ("configurations", "random")

_SCHEDULED = ("maxdim", "cutoff", "nsites", "expansion")


@dataclass(frozen=True, kw_only=True)
class DMRGSchedule:
    r"""Sweep schedule and tolerances of a DMRG run.

    Parameters
    ----------
    maxdim : int, None or sequence
        Largest bond dimension per sweep (``None``: unlimited).
    cutoff : float or sequence
        Relative discarded weight allowed per SVD.
    nsites : {1, 2} or sequence
        One- or two-site sweeps (two-site sweeps grow the bonds).
    expansion : float or sequence
        Subspace-expansion weight of one-site sweeps.
    nsweeps : int
        Most sweeps (per state for sequential DMRG).
    tol : float
        Converged when every energy changes by less than ``tol`` (unit of ``H``) over a
        sweep, once all schedules have reached their last value.
    local_tol : float
        Residual tolerance of the local eigenproblems relative to the energy scale.

    Examples
    --------
    >>> s = DMRGSchedule(maxdim=(8, 16), nsites=(2, 1))
    >>> s.maxdim, s.nsites, s.cutoff, s.nsweeps
    ((8, 16), (2, 1), (1e-12,), 30)
    >>> s.final().maxdim, s.sweeps().at(5).nsites
    ((16,), 1)
    >>> DMRGSchedule(max_bond=8)
    Traceback (most recent call last):
    ...
    TypeError: DMRGSchedule.__init__() got an unexpected keyword argument 'max_bond'
    """

    maxdim: int | None | tuple = (16, 32, 64)
    cutoff: float | tuple = 1e-12
    nsites: int | tuple = 2
    expansion: float | tuple = 1e-4
    nsweeps: int = 30
    tol: float = 1e-10
    local_tol: float = 1e-10

    def __post_init__(self):
        for name, cast in zip(_SCHEDULED, (int, float, int, float), strict=True):
            object.__setattr__(self, name, tuple(schedule_values(getattr(self, name), name,
                                                                 cast)))
        if any(v not in (1, 2) for v in self.nsites):
            raise ValueError(f"nsites must contain only 1 and 2, got {list(self.nsites)}")
        if int(self.nsweeps) != self.nsweeps or self.nsweeps < 1:
            raise ValueError(f"nsweeps must be >= 1, got {self.nsweeps}")
        object.__setattr__(self, "nsweeps", int(self.nsweeps))
        for name in ("tol", "local_tol"):
            value = float(getattr(self, name))
            if not value >= 0:
                raise ValueError(f"{name} must be non-negative, got {getattr(self, name)}")
            object.__setattr__(self, name, value)

    def final(self) -> DMRGSchedule:
        """The same schedule held at its last values from the first sweep.

        Examples
        --------
        >>> DMRGSchedule(maxdim=(4, 8), cutoff=(1e-8, 1e-10)).final().cutoff
        (1e-10,)
        """
        return dataclasses.replace(self, **{k: getattr(self, k)[-1:] for k in _SCHEDULED})

    def sweeps(self) -> Schedule:
        """Per-sweep settings for :func:`vibmpo.solvers.sweep.run_sweeps`.

        Examples
        --------
        >>> DMRGSchedule(maxdim=(4, 8)).sweeps().at(0).maxdim
        4
        """
        return Schedule(**{k: getattr(self, k) for k in _SCHEDULED})

    def as_dict(self) -> dict:
        """Plain values (lists for schedules), for JSON and ``info``.

        Examples
        --------
        >>> DMRGSchedule(maxdim=8).as_dict()["maxdim"]
        [8]
        """
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}


#: Schedule of the commands' level calculations (``vibmpo demo``, ``levels --dipole``,
#: notebook 2): two-site sweeps at bond dimension 8, then one-site sweeps at 16 and 32.
LEVELS_SCHEDULE = DMRGSchedule(maxdim=(8, 16, 32), nsites=(2, 1, 1))


@dataclass(frozen=True, kw_only=True)
class ExcitedOptions:
    r"""Settings of sequential (penalty-projected) excited-state DMRG,
    ``dmrg(method="sequential")`` (:mod:`vibmpo.solvers.excited`).

    Parameters
    ----------
    initial : {"auto", "configurations", "warm-up", "random"}
        Start of every state. ``"configurations"``: eigenvectors of a small
        configuration interaction in the VSCF modal basis over the ``n_configs`` lowest
        Hartree products (:func:`vibmpo.solvers.guesses.configuration_guesses`);
        ``"warm-up"``: the roots of a loosely converged state-averaged run
        (``n_states + n_extra + 2`` roots in one MPS, bond dimensions
        ``warmup_maxdim``), each then refined on its own at the schedule's final values
        -- for a dense band of near-degenerate levels where the CI order is unreliable;
        ``"random"``: random MPS from the seed; ``"auto"``: configurations unless
        ``psi0`` is given. ``"state-average"`` is a deprecated alias of ``"warm-up"``.
    penalty : float, optional
        Weight :math:`\mu` of the projector penalties (default: automatic, twice the
        estimated spread of the levels, raised if too small).
    n_configs : int, optional
        Size of the CI space (default ``max(4 m, m + 30)`` for ``m`` states).
    max_states : int, optional
        Most states computed in all (default ``2 n_states + n_extra``): when a state
        comes out below one found before it, more are computed until one lies above all
        kept ones.
    warmup_maxdim : int or sequence, optional
        Bond dimensions of the warm-up (default ``(D/3, 2D/3, D)`` with
        ``D = max(2 max(maxdim), 4 k)`` for ``k`` roots).

    Examples
    --------
    >>> ExcitedOptions(initial="warm-up", max_states=12).initial
    'warm-up'
    >>> ExcitedOptions(initial="hartree")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown initial 'hartree'; use one of ('auto', 'configurations', ...)
    """

    initial: str = "auto"
    penalty: float | None = None
    n_configs: int | None = None
    max_states: int | None = None
    warmup_maxdim: int | tuple | None = None

    def __post_init__(self):
        if self.initial == "state-average":
            warnings.warn("initial='state-average' is renamed initial='warm-up' (it is not "
                          "method='state-average'); the old name goes in the next release",
                          DeprecationWarning, stacklevel=3)
            object.__setattr__(self, "initial", "warm-up")
        if self.initial not in INITIALS:
            raise ValueError(f"unknown initial {self.initial!r}; use one of {INITIALS}")
        for name in ("n_configs", "max_states"):
            value = getattr(self, name)
            if value is not None and (int(value) != value or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.penalty is not None and not float(self.penalty) > 0:
            raise ValueError(f"penalty must be positive, got {self.penalty!r}")
        if self.warmup_maxdim is not None:
            object.__setattr__(self, "warmup_maxdim", tuple(
                schedule_values(self.warmup_maxdim, "warmup_maxdim", int)))


#: Default schedule of :func:`~vibmpo.solvers.block_dmrg`: one-site sweeps with
#: subspace expansion 1e-3 at bond dimensions 32, 48, then 64; at most 12 sweeps per
#: block, energies converged to 1e-8 (unit of ``H``), local residuals to 1e-9.
BLOCK_SCHEDULE = DMRGSchedule(maxdim=(32, 48, 64), nsites=1, cutoff=1e-12, expansion=1e-3,
                              nsweeps=12, tol=1e-8, local_tol=1e-9)


def _optional_int(name, value):
    """``None`` or a positive integer (as ``int``)."""
    if value is None:
        return None
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _optional_positive(name, value, *, zero=False):
    """``None`` or a positive (``zero``: non-negative) float."""
    if value is None:
        return None
    if not (float(value) >= 0 if zero else float(value) > 0):
        raise ValueError(f"{name} must be {'non-negative' if zero else 'positive'}, got "
                         f"{value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True)
class BlockOptions:
    r"""Settings of block DMRG (:func:`~vibmpo.solvers.block_dmrg`) beyond
    its sweep schedule: block sizes, penalty, starts and the per-state refinement.

    Parameters
    ----------
    block_size : int
        Most levels accepted per block.
    n_guard : int
        Extra roots carried by each block and not accepted from it (they keep the top
        accepted level and its near-degenerate partners accurate, and start the next
        block); a block solves for ``block_size + n_guard`` roots.
    block_tol : float, optional
        With ``refine_maxdim``: energy tolerance of the blocks, whose roots only start
        the refinement (default ``100 * schedule.tol``); without refinement the
        schedule's ``tol`` is used.
    degeneracy : float, optional
        Levels closer than this (unit of ``H``) are one multiplet and never split across
        blocks (default ``max(1000 tol, 1e-7 |E_0|)``).
    penalty : float, optional
        Weight :math:`\mu` of the projectors on the states of earlier blocks (default:
        three times the spread of the levels found so far, raised automatically if a
        block reaches it).
    max_blocks : int, optional
        Most blocks (default: enough for ``n_states + n_extra`` plus two, or 50 for a
        window).
    initial : {"configurations", "random"}
        Initial roots: eigenvectors of a configuration interaction in the VSCF modal
        basis (over ``n_configs`` Hartree products) projected on the block's bond basis,
        or random MPS from the seed.
    n_configs : int, optional
        Size of that configuration space (default three times the number of guesses,
        at least that number plus 30).
    refine_maxdim : int or sequence, optional
        Refine every accepted root on its own (one-site DMRG of one state, penalties on
        all states accepted before it) at this bond dimension, per block (the roots of
        block ``b`` use entry ``b``, the last value repeats), so the blocks need only a
        moderate bond dimension: they supply the starting states, the multiplet
        structure and the ordering. Higher levels are more entangled and need more
        (CH3CN at bond dimension 40: levels below 2000 cm-1 within 0.009 cm-1 of the
        reference, the ones near 2120 cm-1 up to 0.033 too high, 0.007 at 56). Default:
        no refinement.
    residuals : bool
        Compute :math:`\lVert (H - E_n)\psi_n\rVert` for every level (one
        :math:`\langle H^2\rangle` each).

    Examples
    --------
    >>> o = BlockOptions(block_size=8, n_guard=2, refine_maxdim=(32, 40))
    >>> o.block_size + o.n_guard, o.refine_maxdim, o.initial
    (10, (32, 40), 'configurations')
    >>> BlockOptions(n_guard=0)
    Traceback (most recent call last):
    ...
    ValueError: n_guard must be a positive integer, got 0
    >>> BlockOptions(guard=2)
    Traceback (most recent call last):
    ...
    TypeError: BlockOptions.__init__() got an unexpected keyword argument 'guard'
    """

    block_size: int = 12
    n_guard: int = 4
    block_tol: float | None = None
    degeneracy: float | None = None
    penalty: float | None = None
    max_blocks: int | None = None
    initial: str = "configurations"
    n_configs: int | None = None
    refine_maxdim: int | tuple | None = None
    residuals: bool = True

    def __post_init__(self):
        for name in ("block_size", "n_guard", "max_blocks", "n_configs"):
            value = getattr(self, name)
            if value is None and name in ("block_size", "n_guard"):
                raise ValueError(f"{name} must be a positive integer, got None")
            object.__setattr__(self, name, _optional_int(name, value))
        for name in ("block_tol", "penalty"):
            object.__setattr__(self, name, _optional_positive(name, getattr(self, name)))
        object.__setattr__(self, "degeneracy",
                           _optional_positive("degeneracy", self.degeneracy, zero=True))
        if self.initial not in BLOCK_INITIALS:
            raise ValueError(f"unknown initial {self.initial!r}; use one of {BLOCK_INITIALS}")
        if self.refine_maxdim is not None:
            refine = tuple(schedule_values(self.refine_maxdim, "refine_maxdim", int))
            if None in refine or 0 in refine:
                raise ValueError(f"refine_maxdim must be positive integers, got "
                                 f"{self.refine_maxdim!r}")
            object.__setattr__(self, "refine_maxdim", refine)
        object.__setattr__(self, "residuals", bool(self.residuals))
