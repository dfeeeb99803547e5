r"""Fitting NN-MPO potentials to energies (and forces): alternating core sweeps and
Stiefel/basis gradient steps.

The loss in normalised units (energies ``(y - y_0)/s``, coordinates ``x / ell``) is

.. math::

    L = \sum_m (V_m - y_m)^2 + \beta \sum_{m,k} (\partial_{q_k} V_m - g_{mk})^2
        + \lambda \|W\|^2 ,

with latent gradient targets ``g = -F U`` (for orthonormal ``U`` this equals the force
loss up to a constant). One outer iteration does

(b) a sweep over the cores: ``V`` is linear in each core, so every local problem is an
    exact ridge least-squares problem over stacked energy and gradient rows, solved by
    Cholesky in whichever form is cheaper: the normal equations
    ``(A^T W A + \lambda) B = A^T W t`` or the dual form
    ``B = A^T (A A^T + \lambda W^{-1})^{-1} t`` (``A A^T`` is a Hadamard product of small
    Gram matrices, so its cost hardly grows with the ranks). Bases are whitened per mode
    on the training points first, cores are kept in mixed-canonical form (so the ridge
    acts on the coefficients of the whole tensor), and ranks grow by padding bonds with
    small orthogonal directions up to the rank schedule, optionally SVD-truncated after
    each sweep (``rank_cutoff``); the fit starts from the exact one-body (rank-2)
    least-squares solution. ``sweep="half"`` sweeps in one direction per iteration.

(a) ``grad_steps`` Adam steps on ``U`` (Riemannian gradient, QR/polar/Cayley
    retraction) and the basis parameters with the cores fixed, by one jitted pure step
    function (:func:`make_step`). The phase keeps its lowest-loss iterate and adapts the
    step size (x1.1 after an improving phase, x0.5 otherwise), so it never worsens the
    training loss.

The basis starts broad, centred on quantiles of each latent coordinate
(``basis_init="quantile"``). On the H2CO data a ridge of 1e-7 generalises best for the
quick profile (13 functions per mode, ranks <= 12); the accurate profile (21 functions,
ranks <= 14) needs 1e-6 to reach a good region without overfitting (the validation error
bottoms out after about 180 iterations) and then, from there, a ridge of 1e-7 lowers the
training and validation errors further (continuation; lowering the ridge early, or
starting with it, overfits). Fits from different seeds (basis initialisation, rank
padding) land in different minima whose validation errors are only partly correlated,
so the accurate profile averages an ensemble of them (``members``) with the coordinator
held fixed: the mean is again an exact NN-MPO, with the members' bases side by side and
their ranks added (:func:`vibmpo.potential.arrays.average`).

Validation data only monitor the fit and select the returned model.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from vibmpo._checks import as_finite_array
from vibmpo.potential import tensortrain as tt
from vibmpo.potential.basis import basis_values, check_activations
from vibmpo.potential.coordinator import RETRACTIONS, project_tangent, retract
from vibmpo.units import normalize_energy_unit

__all__ = ["BASIS_INITS", "COORDINATORS", "PROFILES", "SWEEPS", "FitResult", "fit", "make_step",
           "sweep_cores", "trace_count"]

#: Training profiles; explicit arguments of :func:`fit` override their entries.
PROFILES = {
    "quick": dict(max_rank=(4, 6, 8, 10, 12), basis_size=13, n_sweeps=200, grad_steps=40,
                  learning_rate=3e-4, ridge=1e-7, time_budget=540.0),
    "accurate": dict(max_rank=(4, 6, 8, 10, 12, 14), basis_size=21, n_sweeps=100000,
                     grad_steps=40, learning_rate=3e-4, ridge=(1e-6,) * 182 + (1e-7,),
                     sweep="half", members=4, time_budget=6000.0),
    "test": dict(max_rank=(2, 3), basis_size=21, n_sweeps=2, grad_steps=3, learning_rate=1e-4,
                 ridge=1e-8, time_budget=60.0),
}

_TRACES = {"step": 0}
#: Per-iteration entries of :attr:`FitResult.history`.
_HISTORY_KEYS = ("iteration", "time", "ranks", "train_rmse", "train_mae", "val_rmse", "val_mae")


def trace_count() -> int:
    """How many times the training step has been traced (compiled) in this process.

    Examples
    --------
    >>> isinstance(trace_count(), int)
    True
    """
    return _TRACES["step"]


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit`.

    Attributes
    ----------
    model : NNMPO
        Best model by validation RMSE (by training RMSE without validation data).
    last_model : NNMPO
        Model after the final iteration.
    history : dict of lists
        Per outer iteration: ``iteration``, ``time``, ``ranks``, ``train_rmse``,
        ``train_mae``, ``val_rmse``, ``val_mae`` (energy unit of the data; val entries
        None without validation data).
    wall_time : float
        Seconds.
    best_iteration : int
        Index into the history of :attr:`model`.
    options : dict
        The resolved training options.
    members : tuple of FitResult
        The members' own results for an ensemble (``members > 1``; the history then has
        one entry, the ensemble's errors), else empty.

    Examples
    --------
    >>> r = FitResult(None, None, {"train_rmse": [3.0, 1.0, 2.0]}, 2.0, best_iteration=1)
    >>> r.metadata()["best"]
    {'train_rmse': 1.0}
    """

    model: object
    last_model: object
    history: dict
    wall_time: float
    best_iteration: int
    options: dict = field(default_factory=dict)
    members: tuple = ()

    def metadata(self) -> dict:
        """JSON-ready summary (options, final metrics) for model files.

        Examples
        --------
        >>> FitResult(None, None, {"train_rmse": [1.0]}, 2.0, 0).metadata()["wall_time_s"]
        2.0
        """
        h = self.history
        best = {k: (v[self.best_iteration] if v else None) for k, v in h.items()}
        return {"options": self.options, "wall_time_s": self.wall_time,
                "best_iteration": self.best_iteration, "best": best,
                "n_cores": os.cpu_count()}


# -------------------------------------------------------------------------------------
# input checks


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


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _schedule(value, i):
    if np.ndim(value) == 0:
        return value
    seq = list(value)
    return seq[min(i, len(seq) - 1)]


def _subsample_rows(m, n_blocks, fraction, rng):
    """A random subset of ``round(fraction * m)`` points and their rows in every block.

    The targets of a sweep are stacked in ``n_blocks`` blocks of ``m`` rows (energies, then
    one block of force components per mode); a point keeps or loses all its rows together.

    Examples
    --------
    >>> idx, rows = _subsample_rows(5, 2, 0.6, np.random.default_rng(0))
    >>> len(idx), bool(np.all(rows[3:] == idx + 5))
    (3, True)
    """
    k = max(1, int(round(float(fraction) * m)))
    idx = np.sort(rng.choice(m, size=k, replace=False))
    return idx, np.concatenate([idx + j * m for j in range(n_blocks)])


# -------------------------------------------------------------------------------------
# basis initialisation

#: Basis initialisations: ``"quantile"`` (centres at quantiles of each latent coordinate,
#: widths spread over scales relative to its spread) or ``"sample"`` (centres at random
#: training points, random widths).
BASIS_INITS = ("quantile", "sample")
_INIT_SCALES = (0.15, 0.6)


def _init_basis(qs, activations, method, rng):
    r"""Initial ``centres, w, b`` (f, N-1) for latent training coordinates ``qs`` (m, f).

    ``"quantile"``: for every activation family the centres of mode ``i`` sit at the
    quantiles ``(k + 1/2)/K`` of the training values of ``q_i``; the slopes are
    ``w = \pm s_k / \sigma_i`` with scales ``s_k`` spread geometrically over
    ``[1/2, 2]`` (broad and sharp functions) and alternating signs.

    Examples
    --------
    >>> q = np.random.default_rng(0).normal(size=(200, 2))
    >>> c, w, b = _init_basis(q, ("silu",) * 4, "quantile", np.random.default_rng(0))
    >>> c.shape, bool(np.all(np.diff(c[0]) > 0)), float(np.abs(b).max())
    ((2, 4), True, 0.0)
    """
    m, nf = qs.shape
    nb = len(activations)
    if method == "sample":
        centres = qs[rng.choice(m, size=nb, replace=m < nb)].T.copy()
        w = rng.uniform(0.3, 1.0, size=(nf, nb)) * rng.choice([-1.0, 1.0], size=(nf, nb))
        b = rng.normal(scale=0.1, size=(nf, nb))
        return centres, w, b
    centres = np.zeros((nf, nb))
    w = np.zeros((nf, nb))
    sd = np.std(qs, axis=0) + 1e-12
    for name in dict.fromkeys(activations):
        idx = np.array([k for k, a in enumerate(activations) if a == name])
        K = len(idx)
        probs = (np.arange(K) + 0.5) / K
        scales = np.geomspace(*_INIT_SCALES, K) if K > 1 else np.ones(1)
        scales = scales[rng.permutation(K)]
        signs = np.where(np.arange(K) % 2 == 0, 1.0, -1.0)
        for i in range(nf):
            centres[i, idx] = np.quantile(qs[:, i], probs)
            w[i, idx] = signs * scales / sd[i]
    return centres, w, np.zeros((nf, nb))


# -------------------------------------------------------------------------------------
# (b) core sweeps (NumPy, float64)


_WHITEN_FLOOR = 1.0


def _whitening(phi):
    """Per-mode matrices M_i with M_i^T G_i M_i ~ I (G_i = empirical basis Gram)."""
    ms = []
    for i in range(phi.shape[1]):
        g = phi[:, i].T @ phi[:, i] / phi.shape[0]
        ev, vec = np.linalg.eigh(g)
        ms.append(vec / np.sqrt(np.maximum(ev, 0.0) + _WHITEN_FLOOR * ev.max()))
    return np.stack(ms)


def _one_site_solve(cores, phi, dphi, site, target, row_w, ridge):
    L, dL = tt._left_envs(cores, phi, dphi, site)
    R, dR = tt._right_envs(cores, phi, dphi, site)
    fl, fp, fr = [L], [phi[:, site]], [R]
    if target.shape[0] > phi.shape[0]:
        for k in range(phi.shape[1]):
            fl.append(dL[:, k] if k < site else L)
            fp.append(dphi[:, site] if k == site else phi[:, site])
            fr.append(dR[:, k] if k > site else R)
    fl, fp, fr = (np.concatenate(a) for a in (fl, fp, fr))
    rows = fl.shape[0]
    n_unknown = fl.shape[1] * fp.shape[1] * fr.shape[1]
    # the same ridge problem min |W^1/2 (A B - t)|^2 + lam |B|^2, lam = ridge * mean diagonal
    # of A^T W A, in whichever form is cheaper (flop estimates of Gram + Cholesky)
    primal_cost = rows * n_unknown**2 + n_unknown**3 / 3
    dual_cost = rows**2 * (fl.shape[1] + fp.shape[1] + fr.shape[1]) + rows**3 / 3
    if primal_cost <= dual_cost:  # primal normal equations
        A = np.einsum("ma,mn,mc->manc", fl, fp, fr).reshape(rows, n_unknown)
        G = A.T @ (row_w[:, None] * A)
        G[np.diag_indices_from(G)] += ridge * float(np.mean(np.diag(G))) + 1e-300
        rhs = A.T @ (row_w * target)
        sol = _spd_solve(G, rhs)
        return sol.reshape(fl.shape[1], fp.shape[1], fr.shape[1])
    K = fl @ fl.T  # dual (kernel) form: B = A^T (A A^T + lam W^-1)^-1 t
    K *= fp @ fp.T
    K *= fr @ fr.T
    lam = ridge * float(row_w @ np.diag(K)) / n_unknown  # = ridge * mean diag(A^T W A)
    K[np.diag_indices_from(K)] += lam / row_w + 1e-300
    alpha = _spd_solve(K, target)
    return np.einsum("m,ma,mn,mc->anc", alpha, fl, fp, fr, optimize=True)


def _spd_solve(G, rhs):
    try:
        cf = scipy.linalg.cho_factor(G, overwrite_a=False, check_finite=False)
        return scipy.linalg.cho_solve(cf, rhs, check_finite=False)
    except np.linalg.LinAlgError:
        return scipy.linalg.lstsq(G, rhs, check_finite=False)[0]


def _pad_ranks(cores, max_rank, rng):
    cores = list(cores)
    for i in range(len(cores) - 1):
        a, n, b = cores[i].shape
        nxt = cores[i + 1]
        target = min(int(max_rank), a * n, nxt.shape[1] * nxt.shape[2])
        if target > b:
            mat = cores[i].reshape(a * n, b)
            extra = rng.normal(size=(a * n, target - b))
            extra -= mat @ np.linalg.lstsq(mat, extra, rcond=None)[0]
            extra *= 1e-3 * (np.linalg.norm(mat) + 1e-12) / (np.linalg.norm(extra) + 1e-300)
            cores[i] = np.concatenate([mat, extra], 1).reshape(a, n, target)
            cores[i + 1] = np.concatenate([nxt, np.zeros((target - b,) + nxt.shape[1:])], 0)
    return tuple(cores)


#: Core sweep schedules of :func:`fit`: ``"full"`` (left-to-right and back in every outer
#: iteration) or ``"half"`` (one direction per outer iteration, alternating: half the cost,
#: more frequent gradient steps).
SWEEPS = ("full", "half")
_DIRECTIONS = ("both", "right", "left")


def sweep_cores(cores, phi, dphi, target, row_weights, *, ridge: float, max_rank: int,
                rng=None, n_sweeps: int = 1, direction: str = "both"):
    """Exact ridge least-squares sweeps over the cores for fixed basis values.

    Parameters
    ----------
    cores : tuple of ndarray
        Current cores (in the basis of ``phi``).
    phi, dphi : ndarray (m, f, N)
        Basis values and latent derivatives at the training points.
    target : ndarray
        ``[energies (m), dV/dq_0 (m), ..., dV/dq_{f-1} (m)]`` or energies only.
    row_weights : ndarray
        Weight of each target row.
    ridge : float
        Ridge strength relative to the mean diagonal of the local Gram matrix.
    max_rank : int
        Bonds are padded up to this rank before sweeping (never truncated).
    n_sweeps : int
        Number of sweeps.
    direction : {"both", "right", "left"}
        ``"both"``: left to right and back (a full sweep); ``"right"`` / ``"left"``: one
        half sweep that ends on the last / first core.

    Returns
    -------
    tuple of ndarray
        Updated cores, the last one carrying the norm (right-orthogonal others).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> phi = np.concatenate([np.ones((40, 2, 1)), rng.normal(size=(40, 2, 2))], 2)
    >>> t = phi[:, 0, 1] * phi[:, 1, 2] + 0.5
    >>> c0 = tt.one_body_cores(np.zeros((2, 3)))
    >>> c = sweep_cores(c0, phi, 0 * phi, t, np.ones(40), ridge=1e-12, max_rank=3, n_sweeps=2)
    >>> bool(np.allclose(tt.tt_value(c, phi), t, atol=1e-6))
    True
    """
    if direction not in _DIRECTIONS:
        raise ValueError(f"unknown sweep direction {direction!r}; choose from {_DIRECTIONS}")
    rng = np.random.default_rng(0) if rng is None else rng
    f = len(cores)
    cores = _pad_ranks(cores, max_rank, rng)

    def solve(i):
        cores[i] = _one_site_solve(cores, phi, dphi, i, target, row_weights, ridge)

    for _ in range(n_sweeps):
        if direction in ("both", "right"):
            cores = list(tt.right_orthogonalise(cores, 0))
            for i in range(f - 1):
                solve(i)
                cores = list(tt.left_orthogonalise(cores, i + 1))
            if direction == "right":
                solve(f - 1)
        if direction in ("both", "left"):
            if direction == "left":  # after the right-going half the gauge is already set
                cores = list(tt.left_orthogonalise(cores, f - 1))
            for i in range(f - 1, 0, -1):
                solve(i)
                cores = list(tt.right_orthogonalise(cores, i - 1))
            solve(0)
    return tuple(cores)


def _one_body(phi, dphi, target, row_w, ridge):
    m, f, n = phi.shape
    cols = 1 + f * (n - 1)
    has_f = target.shape[0] > m
    rows = m * (1 + f) if has_f else m
    A = np.zeros((rows, cols))
    A[:m, 0] = 1.0
    for i in range(f):
        sl = slice(1 + i * (n - 1), 1 + (i + 1) * (n - 1))
        A[:m, sl] = phi[:, i, 1:]
        if has_f:
            A[m * (1 + i):m * (2 + i), sl] = dphi[:, i, 1:]
    G = A.T @ (row_w[:, None] * A)
    G[np.diag_indices_from(G)] += ridge * np.mean(np.diag(G)) + 1e-300
    sol = np.linalg.solve(G, A.T @ (row_w * target))
    coef = np.zeros((f, n))
    coef[:, 1:] = sol[1:].reshape(f, n - 1)
    return tt.one_body_cores(coef, float(sol[0]))


# -------------------------------------------------------------------------------------
# (a) gradient steps on U and the basis (JAX)


#: What the gradient steps of :func:`fit` do with the coordinator ``U``: ``"trained"``
#: (Riemannian Adam on the Stiefel manifold) or ``"fixed"`` (``U`` stays the identity;
#: required for ensembles, whose members must share ``U`` to merge exactly).
COORDINATORS = ("trained", "fixed")


def _trainable_spec(model, coordinator="trained"):
    import equinox as eqx
    import jax

    spec = jax.tree_util.tree_map(lambda _: False, model)
    return eqx.tree_at(lambda m: (m.U, m.centres, m.w, m.b), spec,
                       replace=(coordinator == "trained", True, True, True))


def make_step(optimizer, *, force_weight: float = 1.0, retraction: str = "qr",
              coordinator: str = "trained"):
    """Build the jitted pure training step ``step(model, opt_state, batch)``.

    The step updates ``U`` (Riemannian gradient through ``optimizer``, tangent
    projection, retraction; not with ``coordinator="fixed"``) and the basis parameters
    with the cores fixed, and returns ``(model, opt_state, loss)``.
    ``batch = (x, y, forces_or_None)`` in physical units; the loss is the normalised
    energy MSE plus ``force_weight`` times the normalised force MSE. Call it inside
    :func:`vibmpo.potential.model.x64`. Use :func:`init_opt_state` (with the same
    ``coordinator``) for the optimiser state.

    Examples
    --------
    >>> import optax
    >>> step = make_step(optax.adam(1e-3))
    >>> callable(step)
    True
    """
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    if retraction not in RETRACTIONS:
        raise ValueError(f"unknown retraction {retraction!r}; choose from {RETRACTIONS}")
    if coordinator not in COORDINATORS:
        raise ValueError(f"unknown coordinator {coordinator!r}; choose from {COORDINATORS}")
    trained_u = coordinator == "trained"

    def loss_fn(diff, static, batch):
        model = eqx.combine(diff, static)
        x, y, frc = batch
        if frc is None:
            e = model._energy(x)
            return jnp.mean(((e - y) / model.y_scale) ** 2)
        e, fpred = model._energy_and_forces_analytic(x)
        le = jnp.mean(((e - y) / model.y_scale) ** 2)
        lf = jnp.mean(((fpred - frc) * (model.x_scale / model.y_scale)) ** 2)
        return le + force_weight * lf * x.shape[1]

    @eqx.filter_jit
    def step(model, opt_state, batch):
        _TRACES["step"] += 1  # runs only while tracing
        diff, static = eqx.partition(model, _trainable_spec(model, coordinator))
        loss, grads = jax.value_and_grad(loss_fn)(diff, static, batch)
        if trained_u:
            grads = eqx.tree_at(lambda m: m.U, grads,
                                project_tangent(diff.U, grads.U, jnp))
        updates, opt_state = optimizer.update(grads, opt_state, diff)
        new = optax.apply_updates(diff, updates)
        if trained_u:
            dU = project_tangent(diff.U, updates.U, jnp)
            new = eqx.tree_at(lambda m: m.U, new, retract(diff.U, dU, retraction, jnp))
        return eqx.combine(new, static), opt_state, loss

    return step


def init_opt_state(optimizer, model, coordinator: str = "trained"):
    """Optimiser state for the trainable part of ``model`` (see :func:`make_step`)."""
    import equinox as eqx

    diff, _ = eqx.partition(model, _trainable_spec(model, coordinator))
    return optimizer.init(diff)


# -------------------------------------------------------------------------------------
# driver


def _errors(arrays, x, y):
    if x is None:
        return None, None
    d = arrays.energy(x) - y
    return float(np.sqrt(np.mean(d * d))), float(np.mean(np.abs(d)))


def fit(x, y, f=None, *, x_val=None, y_val=None, f_val=None, max_rank=None,
        basis_size=None, activations=None, ridge=None, force_weight: float = 1.0,
        n_sweeps=None, grad_steps=None, learning_rate=None, retraction: str = "qr",
        seed: int = 0, time_budget=None, profile: str = "quick", energy_unit: str = "eV",
        basis_init: str = "quantile", sweep=None, rank_cutoff=None, subsample=None,
        coordinator=None, members=None, workers=None, progress: bool | None = None,
        callback=None) -> FitResult:
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
    max_rank : int or sequence of int
        Maximum bond rank per outer iteration (last value repeats): gradual rank growth.
    basis_size : int
        Basis functions per mode ``N`` including the constant (quick profile 13,
        accurate 21).
    activations : sequence of str, optional
        ``N-1`` activation names; default half ``"moderate"``, half ``"silu"``.
    ridge : float or sequence
        Ridge strength relative to the mean diagonal of each local Gram matrix.
    force_weight : float
        Weight of every force-component row relative to an energy row, both in normalised
        units.
    n_sweeps, grad_steps, learning_rate : optional
        Outer iterations, gradient steps per iteration, Adam learning rate.
    retraction : {"qr", "polar", "cayley"}
        Stiefel retraction for ``U``.
    seed : int
        Seed of the basis initialisation and rank padding.
    time_budget : float, optional
        Wall-clock seconds; no new iteration starts once it would likely be exceeded.
    profile : {"quick", "accurate", "test"}
        Default values of the options above (see :data:`PROFILES`).
    energy_unit : str
        Unit of ``y``; the model answers in it.
    basis_init : {"quantile", "sample"}
        Initial basis parameters (see :data:`BASIS_INITS`): ``"quantile"`` spreads the
        centres over the quantiles of each latent coordinate with broad functions
        (widths 1.7-7 standard deviations), which generalises much better than
        ``"sample"`` (random training points and random widths).
    sweep : {"full", "half"}, optional
        Core sweeps per outer iteration (see :data:`SWEEPS`; profile default).
    rank_cutoff : float, optional
        Adaptive ranks: after each sweep every bond is SVD-truncated to the singular values
        above ``rank_cutoff`` times its largest (in the whitened basis), so ``max_rank``
        caps ranks the data support and bonds that need fewer keep fewer (the next sweep
        pads them again and the data decide anew). ``0`` keeps all (profile default).
    subsample : float or sequence of float, optional
        Fraction of the training points (with their force rows) that each core sweep
        fits, drawn afresh for every outer iteration from ``seed``; a schedule like
        ``max_rank``. Sweeps on random subsets (stochastic alternating least squares)
        move the cores between nearby minima; end with full-data sweeps, e.g.
        ``(0.8,) * 50 + (1.0,)``. ``1`` fits all points in every sweep (default).
    coordinator : {"trained", "fixed"}, optional
        Whether the gradient steps also train ``U`` (see :data:`COORDINATORS`); default
        ``"trained"`` for one fit, ``"fixed"`` (required) for ensembles.
    members : int, optional
        Ensemble size ``K`` (profile default; accurate 4). ``K > 1`` fits ``K`` members
        with seeds ``seed, ..., seed + K - 1`` (each selected on the validation data),
        all with ``U`` fixed, and returns their mean, which is again an exact NN-MPO
        (:func:`vibmpo.potential.arrays.average`: bases side by side, ranks add).
        Members differ in their basis initialisation and rank padding, so their errors
        are only partly correlated and the mean generalises better than any member.
    workers : int, optional
        Processes that fit members in parallel (default: one per core, at most ``K``);
        the cores are shared among them through the BLAS/OpenMP thread caps, and the
        time budget is split evenly over the ``ceil(K / workers)`` rounds of members.
        The workers are spawned processes, so a script that fits an ensemble with
        ``workers > 1`` must keep its top level under ``if __name__ == "__main__":``.
    progress : bool, optional
        Show a tqdm progress bar with train and validation RMSE (ensembles: finished
        members); default: when ``sys.stderr`` is a terminal.
    callback : callable, optional
        Called after every outer iteration with a dict of that iteration's history
        entries (``iteration``, ``time``, ``ranks``, ``train_rmse``, ...); returning
        ``True`` stops the fit (the best model so far is returned). Ensembles add the
        member's index (``member``) to the entries; with ``workers > 1`` the members'
        entries reach it as they come, and its return value is ignored.

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
    if progress is None:  # no new local names here: locals() are the members' arguments
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    call = dict(locals())  # the arguments, for ensemble members
    import jax.numpy as jnp
    import optax

    from vibmpo.potential.model import NNMPO, x64

    t_start = time.perf_counter()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
    opts = dict(PROFILES[profile])
    for k, v in dict(max_rank=max_rank, basis_size=basis_size, ridge=ridge, n_sweeps=n_sweeps,
                     grad_steps=grad_steps, sweep=sweep, rank_cutoff=rank_cutoff,
                     learning_rate=learning_rate, time_budget=time_budget,
                     subsample=subsample, members=members).items():
        if v is not None:
            opts[k] = v
    x, y, f = _check_data(x, y, f, "")
    m, n = x.shape
    if m < 8:
        raise ValueError(f"too few training points ({m}); need at least 8 to fit a potential")
    if x_val is not None or y_val is not None:
        if x_val is None or y_val is None:
            raise ValueError("give both x_val and y_val (or neither)")
        x_val, y_val, f_val = _check_data(x_val, y_val, f_val, "_val")
        if x_val.shape[1] != n:
            raise ValueError(f"x_val must have {n} columns like x, got shape {x_val.shape}")
    if basis_size is None and activations is not None and not isinstance(activations, str):
        opts["basis_size"] = len(activations) + 1
    basis_size = int(opts["basis_size"])
    if basis_size < 2:
        raise ValueError(f"basis_size must be >= 2 (constant + one function), got {basis_size}")
    if activations is None:
        k = (basis_size - 1) // 2
        activations = ("moderate",) * (basis_size - 1 - k) + ("silu",) * k
    activations = check_activations(activations)
    if len(activations) != basis_size - 1:
        raise ValueError(f"need basis_size - 1 = {basis_size - 1} activations, "
                         f"got {len(activations)}")
    if retraction not in RETRACTIONS:
        raise ValueError(f"unknown retraction {retraction!r}; choose from {RETRACTIONS}")
    opts.setdefault("sweep", "full")
    opts.setdefault("rank_cutoff", 0.0)
    opts.setdefault("subsample", 1.0)
    opts.setdefault("members", 1)
    n_members = _check_count(opts["members"], "members")
    if coordinator is None:
        coordinator = "trained" if n_members == 1 else "fixed"
    if coordinator not in COORDINATORS:
        raise ValueError(f"unknown coordinator {coordinator!r}; choose from {COORDINATORS}")
    if n_members > 1 and coordinator != "fixed":
        raise ValueError("an ensemble (members > 1) needs coordinator='fixed': its members "
                         "must share U to average into one NN-MPO")
    if workers is not None:
        workers = _check_count(workers, "workers")
    force_weight = float(force_weight)
    if not np.isfinite(force_weight) or force_weight <= 0:
        raise ValueError(f"force_weight must be a finite number > 0, got {force_weight} "
                         "(to fit energies only, leave out the forces f)")
    fractions = np.atleast_1d(np.asarray(opts["subsample"], dtype=float))
    if fractions.ndim != 1 or not np.all((fractions > 0) & (fractions <= 1)):
        raise ValueError(f"subsample must be a fraction in (0, 1] or a sequence of them, "
                         f"got {opts['subsample']}")
    if not 0.0 <= float(opts["rank_cutoff"]) < 1.0:
        raise ValueError(f"rank_cutoff must be in [0, 1), got {opts['rank_cutoff']}")
    if opts["sweep"] not in SWEEPS:
        raise ValueError(f"unknown sweep {opts['sweep']!r}; choose from {SWEEPS}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if basis_init not in BASIS_INITS:
        raise ValueError(f"unknown basis_init {basis_init!r}; choose from {BASIS_INITS}")
    ranks_sched = opts["max_rank"]
    if np.any(np.asarray(ranks_sched) < 1):
        raise ValueError(f"max_rank must be >= 1, got {ranks_sched}")
    energy_unit = normalize_energy_unit(energy_unit)
    opts.update(basis_size=basis_size, activations=list(activations), seed=int(seed),
                force_weight=float(force_weight), retraction=retraction, profile=profile,
                basis_init=basis_init, coordinator=coordinator, members=int(n_members),
                energy_unit=energy_unit, n_train=m, n_val=None if x_val is None else len(x_val),
                forces=f is not None)
    if n_members > 1:
        return _fit_ensemble(call, opts, workers, t_start)
    rng = np.random.default_rng(seed)

    # normalisation
    x_scale = float(np.std(x)) or 1.0
    y_offset = float(np.mean(y))
    y_scale = float(np.std(y)) or 1.0
    nf = n
    U = np.eye(n)[:, :nf]
    qs = x @ U / x_scale
    centres, w, b = _init_basis(qs, activations, basis_init, rng)
    t_e = (y - y_offset) / y_scale
    if f is not None:
        row_w = np.concatenate([np.ones(m), np.full(m * nf, float(force_weight))])
    else:
        row_w = np.ones(m)

    def targets(U):
        if f is None:
            return t_e
        g = -(f * (x_scale / y_scale)) @ U
        return np.concatenate([t_e, g.T.ravel()])

    phi, dphi = basis_values(qs, centres, w, b, activations, derivative=True)
    cores = _one_body(phi, dphi, targets(U), row_w, _schedule(opts["ridge"], 0))

    def build(U, centres, w, b, cores):
        return NNMPO(U=np.asarray(U), centres=np.asarray(centres), w=np.asarray(w),
                     b=np.asarray(b), cores=tuple(np.asarray(c) for c in cores),
                     activations=activations, x_scale=x_scale, y_offset=y_offset,
                     y_scale=y_scale, energy_unit=energy_unit)

    model = build(U, centres, w, b, cores)
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=float(opts["learning_rate"]))
    lr_now = float(opts["learning_rate"])
    step = make_step(optimizer, force_weight=float(force_weight), retraction=retraction,
                     coordinator=coordinator)
    history = {k: [] for k in _HISTORY_KEYS}
    best, best_score, best_it = model, np.inf, 0
    n_it = int(opts["n_sweeps"])
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_it, desc="fit", unit="it", disable=None)
    opt_state = None
    last_dt = 0.0
    try:
        for it in range(n_it):
            t_it = time.perf_counter()
            budget = opts["time_budget"]
            if budget is not None and it > 0 and \
                    (t_it - t_start) + 1.2 * last_dt > float(budget):
                break
            # (b) core sweep in the whitened basis
            U = np.asarray(model.U)
            qs = x @ U / x_scale
            phi, dphi = basis_values(qs, np.asarray(model.centres), np.asarray(model.w),
                                     np.asarray(model.b), activations, derivative=True)
            M = _whitening(phi)
            Minv = np.linalg.inv(M)
            cw = tuple(np.einsum("rs,asb->arb", Minv[i], c) for i, c in enumerate(model.cores))
            phw = np.einsum("mir,irs->mis", phi, M)
            dphw = np.einsum("mir,irs->mis", dphi, M)
            target = targets(U)
            sub_w = row_w
            frac = float(_schedule(opts["subsample"], it))
            if frac < 1.0:
                idx, rows = _subsample_rows(m, target.shape[0] // m, frac, rng)
                phw, dphw, target, sub_w = phw[idx], dphw[idx], target[rows], row_w[rows]
            cw = sweep_cores(cw, phw, dphw, target, sub_w,
                             ridge=float(_schedule(opts["ridge"], it)),
                             max_rank=int(_schedule(ranks_sched, it)), rng=rng,
                             direction="both" if opts["sweep"] == "full"
                             else ("right", "left")[it % 2])
            if float(opts["rank_cutoff"]) > 0:
                cw = tt.truncate(cw, cutoff=float(opts["rank_cutoff"]))
            cores = tuple(np.einsum("rs,asb->arb", M[i], c) for i, c in enumerate(cw))
            model = build(model.U, model.centres, model.w, model.b, cores)
            # (a) gradient steps on U and the basis, cores fixed
            if int(opts["grad_steps"]) > 0:
                with x64():
                    jm = build(model.U, model.centres, model.w, model.b, cores)
                    jm = _to_jax(jm)
                    opt_state = init_opt_state(optimizer, jm, coordinator)
                    opt_state.hyperparams["learning_rate"] = jnp.asarray(lr_now)
                    batch = (jnp.asarray(x), jnp.asarray(y),
                             None if f is None else jnp.asarray(f))
                    # keep the lowest-loss iterate (the step reports the loss of its input)
                    # and adapt the step size: halve it when no step improved the loss
                    keep, keep_loss, first_loss = jm, np.inf, None
                    for _ in range(int(opts["grad_steps"]) + 1):
                        new_jm, new_state, loss = step(jm, opt_state, batch)
                        loss = float(loss)
                        first_loss = loss if first_loss is None else first_loss
                        if loss < keep_loss:
                            keep, keep_loss = jm, loss
                        jm, opt_state = new_jm, new_state
                    lr_now = lr_now * 1.1 if keep_loss < first_loss else lr_now * 0.5
                    model = build(np.asarray(keep.U), np.asarray(keep.centres),
                                  np.asarray(keep.w), np.asarray(keep.b), cores)
            arrays = model.to_arrays()
            tr = _errors(arrays, x, y)
            va = _errors(arrays, x_val, y_val)
            history["iteration"].append(it)
            history["time"].append(time.perf_counter() - t_start)
            history["ranks"].append(list(model.ranks))
            history["train_rmse"].append(tr[0])
            history["train_mae"].append(tr[1])
            history["val_rmse"].append(va[0])
            history["val_mae"].append(va[1])
            score = va[0] if va[0] is not None else tr[0]
            if score < best_score:
                best, best_score, best_it = model, score, len(history["iteration"]) - 1
            last_dt = time.perf_counter() - t_it
            if bar is not None:
                post = {"train_rmse": f"{tr[0]:.3g}"}
                if va[0] is not None:
                    post["val_rmse"] = f"{va[0]:.3g}"
                bar.set_postfix(post)
                bar.update(1)
            if callback is not None and callback({k: v[-1] for k, v in history.items()}):
                break
    finally:
        if bar is not None:
            bar.close()
    return FitResult(model=best, last_model=model, history=history,
                     wall_time=time.perf_counter() - t_start, best_iteration=best_it,
                     options=opts)


def _fit_member(kwargs, queue=None, k=0):
    """One ensemble member in a worker process; its history entries go to ``queue``."""
    if queue is not None:
        kwargs = dict(kwargs, callback=lambda h: queue.put({"member": k, **h}))
    return fit(**kwargs)


def _fit_ensemble(call, opts, workers, t_start):
    """Fit ``opts["members"]`` members (in worker processes when ``workers > 1``) and
    return their exact mean as one NN-MPO (see :func:`fit`, ``members``)."""
    import math

    from vibmpo.potential.arrays import average
    from vibmpo.potential.model import NNMPO

    k_members = int(opts["members"])
    n_workers = min(k_members, int(workers or os.cpu_count() or 1))
    budget = opts["time_budget"]
    if budget is not None:
        rounds = math.ceil(k_members / n_workers)
        budget = max(float(budget) - (time.perf_counter() - t_start), 0.0) / rounds
    base = dict(call, members=1, coordinator="fixed", workers=None, progress=False,
                callback=None, time_budget=budget)
    jobs = [dict(base, seed=int(call["seed"]) + k) for k in range(k_members)]
    bar = None
    if call["progress"]:
        from tqdm.auto import tqdm

        bar = tqdm(total=k_members, desc="ensemble", unit="member", disable=None)
    try:
        results = _run_members(jobs, n_workers, call["callback"],
                               None if bar is None else lambda: bar.update(1))
    finally:
        if bar is not None:
            bar.close()
    x_scale = results[0].model.x_scale
    model = NNMPO.from_arrays(average([r.model.to_arrays() for r in results]),
                              x_scale=x_scale)
    last = NNMPO.from_arrays(average([r.last_model.to_arrays() for r in results]),
                             x_scale=x_scale)
    arrays = model.to_arrays()
    tr = _errors(arrays, call["x"], call["y"])
    va = _errors(arrays, call["x_val"], call["y_val"])
    wall = time.perf_counter() - t_start
    entry = (max(r.history["iteration"][-1] for r in results), wall, list(model.ranks),
             *tr, *va)
    history = {k: [v] for k, v in zip(_HISTORY_KEYS, entry, strict=True)}
    return FitResult(model=model, last_model=last, history=history, wall_time=wall,
                     best_iteration=0, options=opts, members=tuple(results))


def _run_members(jobs, n_workers, callback, on_done):
    """``[fit(**job) for job in jobs]``, in ``n_workers`` spawned processes when more
    than one; ``callback`` gets every member's history entries (with ``member``) as they
    come, ``on_done()`` is called as each member finishes."""
    import concurrent.futures as cf
    import multiprocessing
    import queue as queue_module

    from vibmpo._threads import thread_env

    results = [None] * len(jobs)
    if n_workers == 1:
        for k, job in enumerate(jobs):
            if callback is not None:
                job = dict(job, callback=lambda h, k=k: callback({"member": k, **h}))
            results[k] = fit(**job)
            if on_done is not None:
                on_done()
        return results
    ctx = multiprocessing.get_context("spawn")
    with thread_env(max(1, (os.cpu_count() or 1) // n_workers)):  # the workers' share
        manager = ctx.Manager() if callback is not None else None
        entries = manager.Queue() if manager is not None else None
        pool = cf.ProcessPoolExecutor(n_workers, mp_context=ctx)
        futures = {pool.submit(_fit_member, job, entries, k): k for k, job in enumerate(jobs)}
    try:
        with pool:
            pending = set(futures)
            while pending:
                finished, pending = cf.wait(pending, timeout=0.5,
                                            return_when=cf.FIRST_COMPLETED)
                while entries is not None:  # the members' progress, as it comes
                    try:
                        callback(entries.get_nowait())
                    except queue_module.Empty:
                        break
                for fut in finished:
                    results[futures[fut]] = fut.result()
                    if on_done is not None:
                        on_done()
    finally:
        if manager is not None:
            manager.shutdown()
    return results


def _to_jax(model):
    import jax
    import jax.numpy as jnp

    return jax.tree_util.tree_map(lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a,
                                  model)
