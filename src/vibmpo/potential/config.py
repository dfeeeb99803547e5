r"""Settings of an NN-MPO fit: :class:`FitConfig` (typed, frozen, keyword-only; unknown
fields raise) and the named training :data:`PROFILES`.

Schedules (ranks, ridge, subsample) are "scalar or sequence, last repeats" or a
:class:`~vibmpo.potential.schedule.Piecewise`; :func:`vibmpo.potential.train.fit` takes a
config, a profile name, or both with options that override the config's fields.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from vibmpo._deprecation import renamed_options
from vibmpo.potential.als import SWEEPS
from vibmpo.potential.basis import BASIS_INITS, check_activations
from vibmpo.potential.coordinator import RETRACTIONS
from vibmpo.potential.schedule import Piecewise
from vibmpo.potential.step import COORDINATORS, _check_choice

__all__ = ["PROFILES", "FitConfig"]




def _check_count(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _as_schedule(value):
    """Lists become tuples (a frozen config); scalars and Piecewise stay."""
    if isinstance(value, Piecewise) or np.ndim(value) == 0:
        return value
    return tuple(value)


def _as_generators(value) -> tuple:
    """Symmetry generators as a tuple of index tuples (text ``"0;1,5"`` parsed); the
    range of the indices is checked against the data by :func:`fit`."""
    from vibmpo.potential.symmetry import SignFlips, parse_generators

    if isinstance(value, SignFlips):
        return value.generators
    if isinstance(value, str):
        value = parse_generators(value)
    gens = tuple(tuple(int(i) for i in np.atleast_1d(np.asarray(g)).ravel()) for g in value)
    if not gens or any(not g or min(g) < 0 for g in gens):
        raise ValueError(f"symmetry needs generators of non-negative coordinate indices, "
                         f"got {value!r}")
    return gens


@dataclass(frozen=True, kw_only=True)
class FitConfig:
    """Options of :func:`fit`, checked on construction; the defaults are the quick profile.

    Schedules (``max_rank``, ``ridge``, ``subsample``) take one value per outer iteration:
    a scalar, a sequence whose last value repeats, or a :class:`Piecewise` schedule.

    Attributes
    ----------
    max_rank : int or sequence of int
        Maximum bond rank per outer iteration: gradual rank growth.
    basis_size : int
        Basis functions per mode ``N`` including the constant.
    activations : tuple of str, optional
        ``N-1`` activation names; default half ``"moderate"``, half ``"silu"``.
    ridge : float, sequence or Piecewise
        Ridge strength relative to the mean diagonal of each local Gram matrix.
    force_weight : float
        Weight of every force-component row relative to an energy row, both in normalised
        units.
    n_sweeps : int
        Outer iterations.
    grad_steps : int
        Gradient steps on ``U`` and the basis per outer iteration (0: none).
    learning_rate : float
        Initial Adam learning rate (then adapted per phase).
    retraction : {"qr", "polar", "cayley"}
        Stiefel retraction for ``U``.
    seed : int
        Seed of the basis initialisation, rank padding and subsampling.
    time_budget : float or None
        Wall-clock seconds; no new iteration starts once it would likely be exceeded.
    basis_init : {"quantile", "sample"}
        Initial basis parameters (see :data:`BASIS_INITS`).
    sweep : {"full", "half"}
        Core sweeps per outer iteration (see :data:`vibmpo.potential.als.SWEEPS`).
    rel_cutoff : float
        After each sweep, bonds keep the singular values above this fraction of their
        largest (0: keep all; the truncation glossary is in :mod:`vibmpo.linalg`).
        ``rank_cutoff`` is its deprecated former name (``FitConfig(rank_cutoff=...)``,
        :meth:`replace` and :func:`fit` still take it, with a ``DeprecationWarning``).
    subsample : float, sequence or Piecewise
        Fraction of the training points each core sweep fits.
    coordinator : {"trained", "fixed"}, optional
        Whether the gradient steps train ``U``; default ``"trained"`` for one fit,
        ``"fixed"`` (required) for ensembles.
    members : int
        Ensemble size ``K``.
    workers : int, optional
        Dask worker processes fitting members in parallel (default one per core, at most
        ``K``; 1 without ``scheduler``: in this process, no cluster).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``) that runs the members
        instead of a local cluster.
    symmetry : tuple of tuple of int, optional
        Generators of the molecule's abelian point group acting on the coordinates by
        sign flips, each the indices whose sign it flips (text ``"0;1,5"`` is read too;
        :class:`vibmpo.potential.symmetry.SignFlips`). The coordinator is kept
        symmetry-adapted and the returned model is the group average (the mean of
        ``V(g x)`` over the group), rounded (:func:`vibmpo.potential.symmetry.symmetrize`).
        With a Δ-learning baseline the correction is averaged and the baseline kept as
        it is (a force field from the same molecule has the symmetry already).
    symmetry_rel_error : float
        Relative error allowed in each rounding of the group average (one per generator;
        each rounds the sum of two tensor trains, twice the ranks).

    Examples
    --------
    >>> cfg = FitConfig(basis_size=5, n_sweeps=3)
    >>> cfg.activations_or_default()
    ('moderate', 'moderate', 'silu', 'silu')
    >>> cfg.replace(n_sweep=4)
    Traceback (most recent call last):
    ...
    TypeError: unknown fit option 'n_sweep'; the options are ...
    """

    max_rank: int | tuple = (4, 6, 8, 10, 12)
    basis_size: int = 13
    activations: tuple | None = None
    ridge: float | tuple | Piecewise = 1e-7
    force_weight: float = 1.0
    n_sweeps: int = 200
    grad_steps: int = 40
    learning_rate: float = 3e-4
    retraction: str = "qr"
    seed: int = 0
    time_budget: float | None = 540.0
    basis_init: str = "quantile"
    sweep: str = "full"
    rel_cutoff: float = 0.0
    subsample: float | tuple | Piecewise = 1.0
    coordinator: str | None = None
    members: int = 1
    workers: int | None = None
    scheduler: str | None = None
    symmetry: tuple | None = None
    symmetry_rel_error: float = 1e-4

    def __post_init__(self):
        for name in ("max_rank", "ridge", "subsample"):
            object.__setattr__(self, name, _as_schedule(getattr(self, name)))
        if self.symmetry is not None:
            object.__setattr__(self, "symmetry", _as_generators(self.symmetry))
        if not 0.0 <= float(self.symmetry_rel_error) < 1.0:
            raise ValueError(f"symmetry_rel_error must be in [0, 1), got "
                             f"{self.symmetry_rel_error}")
        if self.activations is not None:
            object.__setattr__(self, "activations", check_activations(self.activations))
        self._check_model()
        self._check_training()
        self._check_ensemble()

    def _check_model(self):
        basis_size = _check_count(self.basis_size, "basis_size", 2)
        if self.activations is not None and len(self.activations) != basis_size - 1:
            raise ValueError(f"need basis_size - 1 = {basis_size - 1} activations, "
                             f"got {len(self.activations)}")
        ranks = self.max_rank.values if isinstance(self.max_rank, Piecewise) \
            else self.max_rank
        if np.any(np.asarray(ranks) < 1):
            raise ValueError(f"max_rank must be >= 1, got {self.max_rank}")
        _check_choice(self.basis_init, BASIS_INITS, "basis_init")

    def _check_training(self):
        _check_count(self.n_sweeps, "n_sweeps")
        _check_count(self.grad_steps, "grad_steps", 0)
        _check_choice(self.retraction, RETRACTIONS, "retraction")
        _check_choice(self.sweep, SWEEPS, "sweep")
        if not np.isfinite(float(self.force_weight)) or float(self.force_weight) <= 0:
            raise ValueError(f"force_weight must be a finite number > 0, got "
                             f"{self.force_weight} (to fit energies only, leave out the "
                             "forces f)")
        if not float(self.learning_rate) > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        sub = self.subsample.values if isinstance(self.subsample, Piecewise) \
            else self.subsample
        fractions = np.atleast_1d(np.asarray(sub, dtype=float))
        if fractions.ndim != 1 or not np.all((fractions > 0) & (fractions <= 1)):
            raise ValueError(f"subsample must be a fraction in (0, 1] or a sequence of them, "
                             f"got {self.subsample}")
        if not 0.0 <= float(self.rel_cutoff) < 1.0:
            raise ValueError(f"rel_cutoff must be in [0, 1), got {self.rel_cutoff}")

    def _check_ensemble(self):
        members = _check_count(self.members, "members")
        if self.workers is not None:
            _check_count(self.workers, "workers")
        if self.scheduler is not None and (not isinstance(self.scheduler, str)
                                           or not self.scheduler.strip()):
            raise ValueError(f"scheduler must be a Dask scheduler address such as "
                             f"'tcp://host:8786', got {self.scheduler!r}")
        if self.coordinator is not None:
            _check_choice(self.coordinator, COORDINATORS, "coordinator")
        if members > 1 and self.coordinator == "trained":
            raise ValueError("an ensemble (members > 1) needs coordinator='fixed': its "
                             "members must share U to average into one NN-MPO")

    def replace(self, **changes) -> FitConfig:
        """A copy with ``changes``; unknown option names raise ``TypeError``.

        Examples
        --------
        >>> FitConfig().replace(seed=3).seed
        3
        """
        changes = renamed_options("FitConfig.replace", changes, _RENAMED_OPTIONS)
        names = [f.name for f in dataclasses.fields(self)]
        for key in changes:
            if key not in names:
                raise TypeError(f"unknown fit option {key!r}; the options are {names}")
        return dataclasses.replace(self, **changes)

    def activations_or_default(self) -> tuple[str, ...]:
        """The activations, by default half ``"moderate"`` and half ``"silu"``."""
        if self.activations is not None:
            return self.activations
        k = (self.basis_size - 1) // 2
        return ("moderate",) * (self.basis_size - 1 - k) + ("silu",) * k

    def coordinator_or_default(self) -> str:
        """The coordinator, by default ``"trained"`` for one fit, ``"fixed"`` for
        ensembles."""
        if self.coordinator is not None:
            return self.coordinator
        return "trained" if self.members == 1 else "fixed"

    def to_dict(self) -> dict:
        """JSON-ready options (defaults resolved; a Piecewise schedule as a dict).

        Examples
        --------
        >>> FitConfig(basis_size=3).to_dict()["activations"]
        ['moderate', 'silu']
        """
        out = dataclasses.asdict(self)
        out.update(activations=list(self.activations_or_default()),
                   coordinator=self.coordinator_or_default())
        return out


# Former FitConfig field names and their current ones: deprecated aliases for one
# release, taken by FitConfig(...), FitConfig.replace and fit.
_RENAMED_OPTIONS = {"rank_cutoff": "rel_cutoff"}


def _accept_renamed(init):
    """The dataclass ``__init__`` taking the former option names too (see
    ``_RENAMED_OPTIONS``)."""
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **renamed_options("FitConfig", kwargs, _RENAMED_OPTIONS))
    return __init__


FitConfig.__init__ = _accept_renamed(FitConfig.__init__)


#: Training profiles (:class:`FitConfig` instances); options given to :func:`fit`
#: override their entries.
PROFILES = {
    "quick": FitConfig(),
    "accurate": FitConfig(max_rank=(4, 6, 8, 10, 12, 14), basis_size=21, n_sweeps=100000,
                          ridge=Piecewise((1e-6, 1e-7), starts=(0, 182)), sweep="half",
                          members=4, time_budget=6000.0),
    "test": FitConfig(max_rank=(2, 3), basis_size=21, n_sweeps=2, grad_steps=3,
                      learning_rate=1e-4, ridge=1e-8, time_budget=60.0),
}
