r"""Fitting NN-MPO potentials to energies (and forces): :func:`fit` (its settings:
:class:`~vibmpo.potential.config.FitConfig`).

The loss in normalised units (energies ``(y - y_0)/s``, coordinates ``x / ell``) is

.. math::

    L = \sum_m (V_m - y_m)^2 + \beta \sum_{m,k} (\partial_{q_k} V_m - g_{mk})^2
        + \lambda \|W\|^2 ,

with latent gradient targets ``g = -F U`` (for orthonormal ``U`` this equals the force
loss up to a constant). The fit starts from the exact one-body (rank-2) least-squares
solution; one outer iteration then does

(b) a sweep over the cores (:mod:`vibmpo.potential.als`): ``V`` is linear in each core,
    so every local problem is an exact ridge least-squares problem. Bases are whitened
    per mode on the training points first, ranks grow by padding bonds up to the rank
    schedule, optionally SVD-truncated after each sweep (``rel_cutoff``);
    ``sweep="half"`` sweeps in one direction per iteration.

(a) ``grad_steps`` Adam steps on ``U`` (Riemannian gradient, QR/polar/Cayley
    retraction) and the basis parameters with the cores fixed, by one jitted pure step
    function (:mod:`vibmpo.potential.step`) whose optimiser state is carried through the
    fit. The phase keeps its lowest-loss iterate, so it never worsens the training
    loss, and the optimiser adapts the step size per phase (x1.1 after an improving
    phase, x0.5 otherwise).

The basis starts broad, centred on quantiles of each latent coordinate
(``basis_init="quantile"``). On the H2CO data a ridge of 1e-7 generalises best for the
quick profile (13 functions per mode, ranks <= 12); the accurate profile (21 functions,
ranks <= 14) needs 1e-6 to reach a good region without overfitting (the validation error
bottoms out after about 180 iterations) and then, from there, a ridge of 1e-7 lowers the
training and validation errors further (continuation, a :class:`Piecewise` schedule;
lowering the ridge early, or starting with it, overfits). ``members > 1`` averages an
ensemble of fits from consecutive seeds (:mod:`vibmpo.potential.ensemble`).

Validation data only monitor the fit and select the returned model.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass

import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo._deprecation import renamed_options
from vibmpo.potential import tensortrain as tt
from vibmpo.potential.als import (
    SWEEPS,  # noqa: F401  (kept importable from here)
    _one_site_solve,  # noqa: F401  (kept importable from here)
    one_body_fit,
    subsample_rows,
    sweep_cores,
    whitening,
)
from vibmpo.potential.basis import (
    BASIS_INITS,
    basis_values,
    check_activations,  # noqa: F401  (kept importable from here)
    init_basis,
)
from vibmpo.potential.checks import check_fit_data, check_fit_options
from vibmpo.potential.config import _RENAMED_OPTIONS, PROFILES, FitConfig
from vibmpo.potential.coordinator import RETRACTIONS  # noqa: F401  (kept importable from here)
from vibmpo.potential.ensemble import fit_ensemble
from vibmpo.potential.region import data_region
from vibmpo.potential.result import HISTORY_KEYS, FitResult, errors
from vibmpo.potential.schedule import Piecewise, schedule_value
from vibmpo.potential.step import (
    COORDINATORS,  # noqa: F401  (kept importable from here)
    init_opt_state,
    make_optimizer,
    make_step,
    to_jax,
    trace_count,  # noqa: F401  (kept importable from here)
)
from vibmpo.units import normalize_energy_unit

__all__ = ["BASIS_INITS", "PROFILES", "FitConfig", "FitData", "FitResult", "fit",
           "fit_member"]

# the names these had in this module (tests and user code import them from here)
_to_jax, _init_basis = to_jax, init_basis


# -------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class FitData:
    """Training data (and optional validation data) of a fit, checked on construction.

    Attributes
    ----------
    x : ndarray (m, n)
        Coordinates.
    y : ndarray (m,)
        Energies in ``energy_unit``.
    f : ndarray (m, n), optional
        Forces ``-dE/dx``.
    x_val, y_val, f_val : ndarray, optional
        Validation data (monitored, never fitted).
    energy_unit : str
        Unit of ``y``; the model answers in it.

    Examples
    --------
    >>> d = FitData(np.zeros((10, 2)), np.zeros((10, 1)))
    >>> d.y.shape, d.energy_unit
    ((10,), 'eV')
    """

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    f_val: np.ndarray | None = None
    energy_unit: str = "eV"

    def __post_init__(self):
        x, y, f = _check_data(self.x, self.y, self.f, "")
        m, n = x.shape
        if m < 8:
            raise ValueError(f"too few training points ({m}); need at least 8 to fit a "
                             "potential")
        x_val, y_val, f_val = self.x_val, self.y_val, self.f_val
        if x_val is not None or y_val is not None:
            if x_val is None or y_val is None:
                raise ValueError("give both x_val and y_val (or neither)")
            x_val, y_val, f_val = _check_data(x_val, y_val, f_val, "_val")
            if x_val.shape[1] != n:
                raise ValueError(f"x_val must have {n} columns like x, got shape "
                                 f"{x_val.shape}")
        for name, value in dict(x=x, y=y, f=f, x_val=x_val, y_val=y_val, f_val=f_val,
                                energy_unit=normalize_energy_unit(self.energy_unit)).items():
            object.__setattr__(self, name, value)


def _check_data(x, y, f, which: str):
    x = as_finite_array(x, f"x{which}", ndim=2)
    y = as_finite_array(y, f"y{which}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(f"y{which} must hold one energy per row of x{which}: x{which} has "
                         f"shape {x.shape}, y{which} has shape {np.shape(y)}")
    if f is not None:
        f = as_finite_array(f, f"f{which} (forces)")
        if f.shape != x.shape:
            raise ValueError(f"forces f{which} must have the shape of x{which} {x.shape} "
                             f"(one -dE/dx per coordinate), got {f.shape}")
    return x, y, f



# -------------------------------------------------------------------------------------
# driver


def fit(x, y, f=None, *, x_val=None, y_val=None, f_val=None, config: FitConfig | None = None,
        profile: str | None = None, energy_unit: str = "eV", progress: bool | None = None,
        callback=None, outliers: str = "reject", baseline=None, **options) -> FitResult:
    """Fit an NN-MPO potential ``V(x)`` to energies ``y`` (and forces ``f = -dV/dx``).

    Parameters
    ----------
    x : array (m, n)
        Coordinates (the latent space has ``f = n`` modes; ``U`` starts at the identity).
    y : array (m,)
        Energies in ``energy_unit``.
    f : array (m, n), optional
        Forces ``-dE/dx``; fitted as extra rows with weight ``force_weight``.
    x_val, y_val, f_val : arrays, optional
        Validation data: monitored and used to pick the returned model, never fitted.
    config : FitConfig, optional
        All options at once (instead of ``profile``).
    profile : {"quick", "accurate", "test"}, optional
        Named options (:data:`PROFILES`; default ``"quick"``).
    energy_unit : str
        Unit of ``y``; the model answers in it.
    progress : bool, optional
        Show a tqdm progress bar with train and validation RMSE (ensembles: finished
        members); default: when ``sys.stderr`` is a terminal.
    callback : callable, optional
        Called after every outer iteration with a dict of that iteration's history
        entries (``iteration``, ``time``, ``ranks``, ``train_rmse``, ...); returning
        ``True`` stops the fit (the best model so far is returned). Ensembles add the
        member's index (``member``) to the entries; when the members run on Dask
        (``workers > 1`` or ``scheduler``) their entries reach it live, as Dask events
        from the workers, all before :func:`fit` returns, and its return value is
        ignored.
    **options
        Fields of :class:`FitConfig` overriding the profile's (``max_rank``,
        ``basis_size``, ``activations``, ``ridge``, ``force_weight``, ``n_sweeps``,
        ``grad_steps``, ``learning_rate``, ``retraction``, ``seed``, ``time_budget``,
        ``basis_init``, ``sweep``, ``rel_cutoff``, ``subsample``, ``coordinator``,
        ``members``, ``workers``, ``scheduler``, ``symmetry``, ``symmetry_rel_error``);
        ``None`` keeps the profile's value, unknown names raise ``TypeError``.
        ``symmetry`` (generators of sign flips, :mod:`vibmpo.potential.symmetry`) keeps
        a trained coordinator symmetry-adapted and returns the group average of the fit
        (:attr:`FitResult.symmetry` holds the errors before and after). Giving
        ``activations`` without ``basis_size`` sets ``basis_size = len(activations) + 1``.

        ``members = K > 1`` fits ``K`` members with seeds ``seed, ..., seed + K - 1``
        (each selected on the validation data), all with ``U`` fixed, and returns their
        mean, which is again an exact NN-MPO (:mod:`vibmpo.potential.ensemble`). The
        members are Dask tasks: on a new ``LocalCluster`` of ``workers`` processes
        (default one per core, at most ``K``; ``workers=1`` fits them one after another
        in this process, no cluster), or on the existing cluster at
        ``scheduler="tcp://host:8786"``; a member whose worker dies is rerun. Local
        workers are spawned processes, so a script that fits an ensemble with
        ``workers > 1`` must keep its top level under ``if __name__ == "__main__":``.
    outliers : {"reject", "keep"}
        Refuse training data with gross outliers (rows named) or fit them anyway
        (:func:`vibmpo.potential.checks.check_fit_data`).
    baseline : force field, PolynomialPotential, NNMPOArrays or path, optional
        Δ-learning (:mod:`vibmpo.potential.baseline`): the baseline's energies and forces
        at the data points are subtracted and the NN-MPO fits the residual (energies
        :math:`y - V_b(x)`, forces minus the baseline's forces); the result's
        ``arrays()`` is baseline + correction
        (:class:`~vibmpo.potential.composite.CompositePotential`) and its errors are
        those of the sum. A force field must be written in the data's (mass-weighted)
        coordinates. A path is a force-field JSON (polynomial convention) or a model
        file. An NN-MPO baseline fixes the correction's
        coordinator to its own ``U`` (so the sum is one tensor-train potential on the
        same latent grid); ``coordinator="trained"`` is refused then.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(40, 2)); y = x[:, 0] ** 2 + 0.5 * x[:, 0] * x[:, 1]
    >>> res = fit(x, y, profile="test", basis_size=5, seed=1, grad_steps=0)
    >>> res.history["train_rmse"][-1] < 0.05
    True
    """
    t_start = time.perf_counter()
    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    # input validation: option ranges (vibmpo.potential.checks, with the CLI's option
    # names) before the FitConfig is built, then FitData and the data checks
    options = renamed_options("fit", options, _RENAMED_OPTIONS)
    check_fit_options({k: v for k, v in options.items() if not isinstance(v, Piecewise)})
    config, profile = _resolve_config(config, profile, options)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    data = FitData(x, y, f, x_val, y_val, f_val, energy_unit)
    x_in, base, rotation = data.x, None, None
    group = None
    if config.symmetry is not None:
        from vibmpo.potential.symmetry import SignFlips

        group = SignFlips(config.symmetry, data.x.shape[1])
    if baseline is not None:
        base, data, config, rotation = _residual_data(baseline, data, config)
        if group is not None and rotation is not None:
            raise ValueError("symmetry with an NN-MPO baseline is not supported (the "
                             "correction is fitted in the baseline's latent coordinates); "
                             "use a force-field baseline, or symmetrize the fitted model "
                             "with vibmpo.potential.symmetry.symmetrize")
    ranks = config.max_rank.values if isinstance(config.max_rank, Piecewise) \
        else config.max_rank
    check_fit_data(data.x, data.y, data.f, outliers=outliers,
                   opts={"basis_size": config.basis_size, "max_rank": ranks})
    extra = {"profile": profile}
    if config.members > 1:
        res = fit_ensemble(fit_member, data, config, extra_options=extra, progress=progress,
                           callback=callback, t_start=t_start)
    else:
        res = fit_member(data, config, extra, callback, progress=progress, t_start=t_start)
    if rotation is not None:
        res = _rotate_back(res, rotation)
    region = data_region(x_in, np.asarray(res.model.U),
                         source=f"training data of the fit ({len(x_in)} points)")
    if group is not None:
        res = _symmetrized(res, group, data, config)
        region = data_region(group.images(x_in), np.asarray(res.model.U),
                             source=f"training data of the fit ({len(x_in)} points) and "
                                    f"their images under the symmetry group")
    if base is not None and res.members:  # each member is baseline + its correction too
        res = dataclasses.replace(res, members=tuple(
            dataclasses.replace(m, baseline=base) for m in res.members))
    return dataclasses.replace(res, data_region=region, baseline=base)


def _residual_data(baseline, data: FitData, config: FitConfig):
    """Δ-learning: the data minus the baseline (energies and forces), the converted
    baseline, the config (coordinator fixed for an NN-MPO baseline) and the input
    rotation ``U_b`` of an NN-MPO baseline (the correction is fitted in ``x U_b``)."""
    from vibmpo.potential.arrays import NNMPOArrays
    from vibmpo.potential.baseline import as_baseline, baseline_values
    from vibmpo.potential.composite import CompositePotential

    base = as_baseline(baseline, data.energy_unit)
    if isinstance(base, CompositePotential):
        raise ValueError("a Δ-learned model cannot be a baseline again (baseline + "
                         "correction + correction is not one tensor-train potential); use "
                         "an ordinary NN-MPO or a force field as the baseline")
    n = data.x.shape[1]
    nin = base.n_inputs
    if nin != n:
        raise ValueError(f"the baseline takes {nin} coordinates, the data have {n}")

    def residual(x, y, f):
        if x is None:
            return None, None
        e, g = baseline_values(base, x, forces=f is not None)
        return y - e, None if f is None else f - g

    y, f = residual(data.x, data.y, data.f)
    y_val, f_val = residual(data.x_val, data.y_val, data.f_val)
    x, x_val, rotation = data.x, data.x_val, None
    if isinstance(base, NNMPOArrays):
        U = np.asarray(base.U)
        if U.shape != (n, n):
            raise ValueError(f"an NN-MPO baseline needs a square coordinator to share with "
                             f"the correction, got U of shape {U.shape}")
        if config.coordinator == "trained":
            raise ValueError("with an NN-MPO baseline the correction shares its coordinator "
                             "U (fixed), so that baseline + correction is one NN-MPO "
                             "potential on one latent grid; leave coordinator unset or "
                             "'fixed'")
        config = config.replace(coordinator="fixed")
        rotation = U
        x, x_val = x @ U, None if x_val is None else x_val @ U
        f, f_val = None if f is None else f @ U, None if f_val is None else f_val @ U
    return base, FitData(x, y, f, x_val, y_val, f_val, data.energy_unit), config, rotation


def _rotate_back(res: FitResult, rotation) -> FitResult:
    """Models fitted in ``x' = x U_b`` expressed in ``x``: coordinator ``U_b U``."""
    import equinox as eqx

    def back(model):
        return eqx.tree_at(lambda m: m.U, model, rotation @ np.asarray(model.U))

    return dataclasses.replace(res, model=back(res.model), last_model=back(res.last_model),
                               members=tuple(_rotate_back(m, rotation) for m in res.members))


def _resolve_config(config, profile, options) -> tuple[FitConfig, str | None]:
    """The profile's (or the given) config with ``options`` applied, and the profile."""
    if config is not None and profile is not None:
        raise ValueError("give either config (a FitConfig) or profile, not both")
    if config is None:
        profile = "quick" if profile is None else profile
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
        config = PROFILES[profile]
    elif not isinstance(config, FitConfig):
        raise TypeError(f"config must be a FitConfig, got {type(config).__name__}")
    options = {k: v for k, v in options.items() if v is not None}
    if "activations" in options and "basis_size" not in options \
            and not isinstance(options["activations"], str):
        options["basis_size"] = len(options["activations"]) + 1
    return config.replace(**options), profile


def fit_member(data: FitData, config: FitConfig, extra=None, callback=None, *,
               progress: bool = False, t_start: float | None = None) -> FitResult:
    """One NN-MPO fit (no ensemble): the outer iterations of core sweeps and gradient
    phases of :func:`fit` for ``data`` with ``config`` (``config.members`` is ignored).

    ``extra`` (a dict) is added to the result's options; ``callback`` as in :func:`fit`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(40, 2)); y = x[:, 0] ** 2
    >>> res = fit_member(FitData(x, y), PROFILES["test"].replace(basis_size=5, grad_steps=0))
    >>> len(res.history["iteration"])
    2
    """
    t_start = time.perf_counter() if t_start is None else t_start
    run = _Fit(data, config)
    options = dict(config.to_dict(), **(extra or {}), energy_unit=data.energy_unit,
                   n_train=len(data.x), n_val=None if data.x_val is None else len(data.x_val),
                   forces=data.f is not None)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(config.n_sweeps), desc="fit", unit="it", disable=None)
    try:
        for it in range(int(config.n_sweeps)):
            if run.out_of_time(it, t_start):
                break
            run.iterate(it)
            entry = run.record(it, t_start)
            if bar is not None:
                bar.set_postfix({k: f"{entry[k]:.3g}" for k in ("train_rmse", "val_rmse")
                                 if entry[k] is not None})
                bar.update(1)
            if callback is not None and callback(entry):
                break
    finally:
        if bar is not None:
            bar.close()
    return FitResult(model=run.best, last_model=run.model, history=run.history,
                     wall_time=time.perf_counter() - t_start, best_iteration=run.best_it,
                     options=options)


def _symmetrized(res: FitResult, group, data: FitData, config: FitConfig) -> FitResult:
    """``res`` with its best and last models replaced by their group averages, rounded
    (:func:`vibmpo.potential.symmetry.symmetrize`), and what that changed in
    ``res.symmetry``; warns when the average fits the training data far worse (over three
    times the fit's RMSE and over 1 % of the energies' spread: the data do not have the
    symmetry)."""
    import warnings

    from vibmpo.potential.symmetry import SymmetryWarning, symmetrize

    def average(model):
        c = symmetrize(model.to_arrays(), group, x=data.x,
                       rel_error=float(config.symmetry_rel_error))
        return nnmpo_cls.from_arrays(c.model, x_scale=model.x_scale), c

    nnmpo_cls = type(res.model)
    raw = res.model.to_arrays()
    model, c = average(res.model)
    last, _ = average(res.last_model)
    sym = model.to_arrays()
    info = {"generators": group.to_text(), "order": group.order,
            "ranks_of_the_fit": list(c.ranks_before), "ranks": list(c.ranks_after),
            "rounding_bound": c.rounding_bound, "rel_error": float(config.symmetry_rel_error)}
    for name, x, y in (("train", data.x, data.y), ("val", data.x_val, data.y_val)):
        for tag, arrays in (("raw", raw), ("symmetric", sym)):
            rmse, mae = errors(arrays, x, y)
            info[f"{name}_rmse_{tag}"], info[f"{name}_mae_{tag}"] = rmse, mae
    # a right symmetry costs some training error too (the fit's odd part followed points
    # whose mirror images are not in the data: x2.2 on H2CO, 0.2 % of the energies'
    # spread); a wrong one loses a sizeable part of the potential
    if info["train_rmse_symmetric"] > max(3.0 * info["train_rmse_raw"],
                                          0.01 * float(np.std(data.y))):
        warnings.warn(
            f"the symmetry {group.to_text()!r} does not fit the data: the group average's "
            f"training RMSE is {info['train_rmse_symmetric']:.3g}, the fit's own "
            f"{info['train_rmse_raw']:.3g} ({data.energy_unit}); check which coordinates "
            "each generator flips", SymmetryWarning, stacklevel=3)
    options = dict(res.options, symmetry=group.to_text())
    return dataclasses.replace(res, model=model, last_model=last, options=options,
                               symmetry=info)


class _GroupMean:
    """Energies of the group average ``|G|^-1 sum_g V(g x)`` of ``arrays``, evaluated
    image by image (what :func:`_symmetrized` will return, before its rounding)."""

    def __init__(self, arrays, group):
        self.arrays, self.signs = arrays, group.elements()

    def energy(self, x):
        x = np.asarray(x)
        return np.mean([self.arrays.energy(x * s) for s in self.signs], axis=0)


class _Fit:
    """State of one fit: normalised data, the current and best model, the optimiser."""

    def __init__(self, data: FitData, config: FitConfig):
        from vibmpo.potential.model import NNMPO

        self.data, self.config = data, config
        self.activations = config.activations_or_default()
        self.coordinator = config.coordinator_or_default()
        self.rng = np.random.default_rng(config.seed)
        x, y, f = data.x, data.y, data.f
        m, n = x.shape
        self.x_scale = float(np.std(x)) or 1.0
        self.y_offset = float(np.mean(y))
        self.y_scale = float(np.std(y)) or 1.0
        U = np.eye(n)
        qs = x @ U / self.x_scale
        centres, w, b = init_basis(qs, self.activations, config.basis_init, self.rng)
        self.t_e = (y - self.y_offset) / self.y_scale
        self.row_w = np.ones(m) if f is None else \
            np.concatenate([np.ones(m), np.full(m * n, float(config.force_weight))])
        phi, dphi = basis_values(qs, centres, w, b, self.activations, derivative=True)
        cores = one_body_fit(phi, dphi, self.targets(U), self.row_w,
                             schedule_value(config.ridge, 0))
        self._nnmpo = NNMPO
        self.model = self.build(U, centres, w, b, cores)
        self.optimizer = make_optimizer(float(config.learning_rate), int(config.grad_steps) + 1)
        self.group, self.u_mask = None, None  # a symmetry-adapted U keeps species apart
        if config.symmetry is not None:
            from vibmpo.potential.symmetry import SignFlips

            self.group = SignFlips(config.symmetry, n)
            if self.coordinator == "trained":
                self.u_mask = self.group.coordinator_mask()
        self.step = make_step(self.optimizer, force_weight=float(config.force_weight),
                              retraction=config.retraction, coordinator=self.coordinator,
                              u_mask=self.u_mask)
        self.opt_state = None
        self.history = {k: [] for k in HISTORY_KEYS}
        self.best, self.best_score, self.best_it = self.model, np.inf, 0
        self.last_dt = 0.0

    def targets(self, U):
        """Energy rows, then the latent gradient rows ``-F U`` (normalised)."""
        f = self.data.f
        if f is None:
            return self.t_e
        g = -(f * (self.x_scale / self.y_scale)) @ U
        return np.concatenate([self.t_e, g.T.ravel()])

    def build(self, U, centres, w, b, cores):
        return self._nnmpo(U=np.asarray(U), centres=np.asarray(centres), w=np.asarray(w),
                           b=np.asarray(b), cores=tuple(np.asarray(c) for c in cores),
                           activations=self.activations, x_scale=self.x_scale,
                           y_offset=self.y_offset, y_scale=self.y_scale,
                           energy_unit=self.data.energy_unit)

    def out_of_time(self, it, t_start) -> bool:
        """Whether iteration ``it`` would likely end past the time budget: the last
        iteration's time, times the growth of the core sweep's cost when the rank
        schedule grows (a local least-squares problem with ``r N r`` unknowns costs
        ``rows (r N r)^2``, so ``(r_it / r_{it-1})^4``)."""
        budget = self.config.time_budget
        if budget is None or it == 0:
            return False
        ranks = self.config.max_rank
        growth = max(1.0, float(schedule_value(ranks, it)) /
                     float(schedule_value(ranks, it - 1))) ** 4
        return (time.perf_counter() - t_start) + 1.2 * growth * self.last_dt > float(budget)

    def iterate(self, it):
        """(b) a core sweep, then (a) the gradient phase."""
        self.t_it = time.perf_counter()
        cores = self.sweep(it)
        self.model = self.build(self.model.U, self.model.centres, self.model.w, self.model.b,
                                cores)
        if int(self.config.grad_steps) > 0:
            self.gradient_phase(cores)

    def sweep(self, it):
        """Core sweep(s) in the whitened basis (sweep_cores looked up here at call time)."""
        config, model, x = self.config, self.model, self.data.x
        U = np.asarray(model.U)
        qs = x @ U / self.x_scale
        phi, dphi = basis_values(qs, np.asarray(model.centres), np.asarray(model.w),
                                 np.asarray(model.b), self.activations, derivative=True)
        M = whitening(phi)
        Minv = np.linalg.inv(M)
        cw = tuple(np.einsum("rs,asb->arb", Minv[i], c) for i, c in enumerate(model.cores))
        phw = np.einsum("mir,irs->mis", phi, M)
        dphw = np.einsum("mir,irs->mis", dphi, M)
        target, sub_w = self.targets(U), self.row_w
        frac = float(schedule_value(config.subsample, it))
        if frac < 1.0:
            m = x.shape[0]
            idx, rows = subsample_rows(m, target.shape[0] // m, frac, self.rng)
            phw, dphw, target, sub_w = phw[idx], dphw[idx], target[rows], sub_w[rows]
        cw = sweep_cores(cw, phw, dphw, target, sub_w,
                         ridge=float(schedule_value(config.ridge, it)),
                         max_rank=int(schedule_value(config.max_rank, it)), rng=self.rng,
                         direction="both" if config.sweep == "full"
                         else ("right", "left")[it % 2])
        if float(config.rel_cutoff) > 0:
            cw = tt.truncate(cw, rel_cutoff=float(config.rel_cutoff))
        return tuple(np.einsum("rs,asb->arb", M[i], c) for i, c in enumerate(cw))

    def gradient_phase(self, cores):
        """``grad_steps`` steps on U and the basis; keeps the lowest-loss iterate (the
        step reports the loss of its input)."""
        import jax.numpy as jnp

        from vibmpo.potential.model import x64

        f = self.data.f
        with x64():
            jm = to_jax(self.model)
            if self.opt_state is None:  # once: the state is carried through the fit
                self.opt_state = init_opt_state(self.optimizer, jm, self.coordinator)
            batch = (jnp.asarray(self.data.x), jnp.asarray(self.data.y),
                     None if f is None else jnp.asarray(f))
            keep, keep_loss = jm, np.inf
            for _ in range(int(self.config.grad_steps) + 1):
                new_jm, self.opt_state, loss = self.step(jm, self.opt_state, batch)
                loss = float(loss)
                if loss < keep_loss:
                    keep, keep_loss = jm, loss
                jm = new_jm
            self.model = self.build(np.asarray(keep.U), np.asarray(keep.centres),
                                    np.asarray(keep.w), np.asarray(keep.b), cores)

    def record(self, it, t_start) -> dict:
        """Errors of the current model into the history; track the best."""
        data, h = self.data, self.history
        arrays = self.model.to_arrays()
        if self.group is not None:  # the fit returns the group average: score that
            arrays = _GroupMean(arrays, self.group)
        tr = errors(arrays, data.x, data.y)
        va = errors(arrays, data.x_val, data.y_val)
        entry = (it, time.perf_counter() - t_start, list(self.model.ranks), *tr, *va)
        for k, v in zip(HISTORY_KEYS, entry, strict=True):
            h[k].append(v)
        score = va[0] if va[0] is not None else tr[0]
        if score < self.best_score:
            self.best, self.best_score = self.model, score
            self.best_it = len(h["iteration"]) - 1
        self.last_dt = time.perf_counter() - self.t_it
        return {k: v[-1] for k, v in h.items()}
