"""Training: exact core sweeps, the non-recompiling Stiefel step, and input checks."""

import numpy as np
import optax
import pytest

from vibmpo.potential import tensortrain as tt
from vibmpo.potential.basis import basis_values
from vibmpo.potential.coordinator import (
    RETRACTIONS,
    orthogonality_error,
    project_tangent,
    retract,
)
from vibmpo.potential.model import NNMPO, x64
from vibmpo.potential.train import (
    _to_jax,
    fit,
    init_opt_state,
    make_step,
    sweep_cores,
    trace_count,
)


def toy_data(rng, m=60, n=2):
    x = rng.normal(size=(m, n))
    y = x[:, 0] ** 2 + 0.3 * np.sin(x[:, 1]) + 0.2 * x[:, 0] * x[:, 1]
    f = -np.stack([2 * x[:, 0] + 0.2 * x[:, 1], 0.3 * np.cos(x[:, 1]) + 0.2 * x[:, 0]], 1)
    return x, y, f


def test_sweeps_recover_exact_tensor_train(rng, random_arrays):
    """A target that is exactly a rank-(3,3) TT over a fixed basis is fitted exactly,
    from energies alone and from energies plus latent gradients."""
    a = random_arrays(rng, ranks=(3, 3))
    q = rng.normal(size=(300, 3))
    phi, dphi = basis_values(q, a.centres, a.w, a.b, a.activations, derivative=True)
    v, g = tt.tt_value_and_grad(a.cores, phi, dphi)
    start = tuple(rng.normal(size=k.shape) for k in a.cores)
    for target, wts in ((v, np.ones(300)), (np.concatenate([v, g.T.ravel()]), np.ones(1200))):
        c = sweep_cores(start, phi, dphi, target, wts, ridge=1e-15, max_rank=3, n_sweeps=40)
        assert tuple(k.shape[2] for k in c[:-1]) == (3, 3)
        err = np.abs(tt.tt_value(c, phi) - v).max() / np.abs(v).max()
        assert err < 1e-6
    # rank growth from the exact one-body (rank-2) start reaches the same target
    c = sweep_cores(tt.one_body_cores(np.zeros((3, 4))), phi, dphi, v, np.ones(300),
                    ridge=1e-15, max_rank=3, n_sweeps=40)
    assert np.abs(tt.tt_value(c, phi) - v).max() / np.abs(v).max() < 1e-6


@pytest.mark.parametrize("m,rank,chunk", [(50, 3, 2048), (50, 3, 7), (10, 5, 2048)])
def test_local_solve_is_the_ridge_solution_in_either_form(rng, monkeypatch, m, rank, chunk):
    """The local core update solves min |W^1/2 (A B - t)|^2 + lam |B|^2 with
    lam = ridge * mean diag(A^T W A), whichever of its two forms is cheaper (primal
    normal equations accumulated in one block or in blocks of 7 rows, or the dual)."""
    from vibmpo.potential import als
    from vibmpo.potential.train import _one_site_solve

    monkeypatch.setattr(als, "CHUNK_ROWS", chunk)

    f, n = 3, 4
    phi, dphi = rng.normal(size=(m, f, n)), rng.normal(size=(m, f, n))
    cores = [rng.normal(size=s) for s in ((1, n, rank), (rank, n, rank), (rank, n, 1))]
    t, w = rng.normal(size=m * (1 + f)), rng.uniform(0.5, 2.0, size=m * (1 + f))
    got = _one_site_solve(cores, phi, dphi, 1, t, w, 1e-3).ravel()
    # explicit design matrix: energy rows, then d/dq_k rows for k = 0, 1, 2
    L, dL = tt._left_envs(cores, phi, dphi, 1)
    R, dR = tt._right_envs(cores, phi, dphi, 1)
    blocks = [(L, phi[:, 1], R), (dL[:, 0], phi[:, 1], R), (L, dphi[:, 1], R),
              (L, phi[:, 1], dR[:, 2])]
    A = np.concatenate([np.einsum("ma,mn,mc->manc", *b).reshape(m, -1) for b in blocks])
    G = A.T @ (w[:, None] * A)
    want = np.linalg.solve(G + 1e-3 * np.mean(np.diag(G)) * np.eye(len(G)), A.T @ (w * t))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())


def test_half_sweeps_recover_exact_tensor_train(rng):
    """Alternating half sweeps (the ``sweep="half"`` schedule) converge to the same exact
    fit as full sweeps, and SVD truncation then finds the target's ranks."""
    # generic basis values, so the fitted tensor is unique (random NN bases can be
    # nearly linearly dependent, which leaves null directions in the cores)
    phi = np.concatenate([np.ones((300, 3, 1)), rng.normal(size=(300, 3, 3))], 2)
    dphi = np.zeros_like(phi)
    target = [rng.normal(size=s) for s in ((1, 4, 2), (2, 4, 3), (3, 4, 1))]
    v = tt.tt_value(target, phi)
    c = tt.one_body_cores(np.zeros((3, 4)))
    for k in range(60):
        c = sweep_cores(c, phi, dphi, v, np.ones(300), ridge=1e-15, max_rank=4,
                        direction=("right", "left")[k % 2])
    assert np.abs(tt.tt_value(c, phi) - v).max() / np.abs(v).max() < 1e-6
    assert tuple(k.shape[2] for k in c[:-1]) == (4, 4)  # padded beyond the target's ranks
    t = tt.truncate(c, rel_cutoff=1e-6)
    assert tuple(k.shape[2] for k in t[:-1]) == (2, 3)
    assert np.abs(tt.tt_value(t, phi) - v).max() / np.abs(v).max() < 1e-5
    with pytest.raises(ValueError, match="unknown sweep direction"):
        sweep_cores(c, phi, dphi, v, np.ones(300), ridge=0.0, max_rank=4, direction="up")


@pytest.mark.parametrize("method", RETRACTIONS)
def test_retractions_keep_orthonormal_columns(rng, method):
    U, _ = np.linalg.qr(rng.normal(size=(5, 3)))
    for _ in range(50):
        D = project_tangent(U, 0.3 * rng.normal(size=(5, 3)))
        assert np.abs(U.T @ D + D.T @ U).max() < 1e-12
        U = retract(U, D, method)
    assert orthogonality_error(U) < 1e-12


def test_step_does_not_recompile_and_keeps_u_orthogonal(rng, random_arrays):
    import jax.numpy as jnp

    x, y, f = toy_data(rng)
    U, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    a = random_arrays(rng, n=2, ranks=(2,))
    a = type(a)(U=U, centres=a.centres, w=a.w, b=a.b, activations=a.activations,
                cores=a.cores, scale=1.0, offset=0.0)
    opt = optax.adam(5e-2)
    step = make_step(opt, retraction="qr")
    with x64():
        m = _to_jax(NNMPO.from_arrays(a))
        state = init_opt_state(opt, m)
        batch = (jnp.asarray(x), jnp.asarray(y), jnp.asarray(f))
        before = trace_count()
        losses = []
        for _ in range(30):
            m, state, loss = step(m, state, batch)
            losses.append(float(loss))
        assert trace_count() - before == 1
        assert m.U.dtype == jnp.float64
    assert orthogonality_error(np.asarray(m.U)) < 1e-12
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(np.asarray(m.cores[0]), a.cores[0])  # cores fixed


def test_fit_small_problem_with_forces_and_validation(rng):
    x, y, f = toy_data(rng, m=80)
    xv, yv, fv = toy_data(rng, m=30)
    res = fit(x, y, f, x_val=xv, y_val=yv, profile="test", basis_size=6, seed=3,
              n_sweeps=3, grad_steps=5)
    h = res.history
    assert len(h["train_rmse"]) == 3 and h["val_rmse"][res.best_iteration] == min(h["val_rmse"])
    assert h["val_rmse"][res.best_iteration] < 0.05 * np.std(yv)
    assert orthogonality_error(np.asarray(res.model.U)) < 1e-12
    a = res.model.to_arrays()
    np.testing.assert_allclose(a.energy(xv), res.model.energy(xv), rtol=1e-12, atol=1e-12)
    assert a.energy_unit == "eV"


def test_fit_half_sweeps_adaptive_ranks_and_callback(rng):
    """``sweep="half"`` with ``rel_cutoff`` fits the toy surface; the callback sees every
    iteration and can stop the fit early."""
    x, y, f = toy_data(rng, m=80)
    seen = []
    res = fit(x, y, f, profile="test", basis_size=6, seed=3, n_sweeps=6, grad_steps=0,
              max_rank=4, sweep="half", rel_cutoff=1e-9,
              callback=lambda h: seen.append(h) or h["iteration"] == 3)
    assert [h["iteration"] for h in seen] == [0, 1, 2, 3]
    assert len(res.history["iteration"]) == 4 and res.options["sweep"] == "half"
    assert res.history["train_rmse"][-1] < 0.01 * np.std(y)
    assert max(res.model.ranks) <= 4


def test_fit_subsample_schedule_draws_whole_points_reproducibly(rng, monkeypatch):
    """``subsample`` sweeps fit random halves of the points (energy and force rows together),
    drawn from the seed, then all of them once the schedule reaches 1."""
    import vibmpo.potential.train as train

    x, y, f = toy_data(rng, m=80)
    seen = []
    real = train.sweep_cores

    def spy(cores, phi, dphi, target, row_weights, **kw):
        seen.append((phi.shape[0], target.shape[0], row_weights.shape[0]))
        return real(cores, phi, dphi, target, row_weights, **kw)

    monkeypatch.setattr(train, "sweep_cores", spy)
    kw = dict(profile="test", basis_size=6, seed=3, n_sweeps=4, grad_steps=0, max_rank=4)
    res = fit(x, y, f, subsample=(0.5, 0.5, 1.0), **kw)
    assert seen == [(40, 120, 120)] * 2 + [(80, 240, 240)] * 2
    again = fit(x, y, f, subsample=(0.5, 0.5, 1.0), **kw)
    assert again.history["train_rmse"] == res.history["train_rmse"]
    full = fit(x, y, f, **kw)
    assert full.history["train_rmse"][1] != res.history["train_rmse"][1]
    assert res.history["train_rmse"][-1] < 0.01 * np.std(y)


def test_fit_rejects_bad_inputs(rng, random_arrays):
    x, y, f = toy_data(rng, m=20)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN/inf"):
        fit(bad, y, profile="test")
    with pytest.raises(ValueError, match="one energy per row"):
        fit(x, y[:-1], profile="test")
    with pytest.raises(ValueError, match="too few training points"):
        fit(x[:5], y[:5], profile="test")
    with pytest.raises(ValueError, match="forces f must have the shape"):
        fit(x, y, f[:, :1], profile="test")
    with pytest.raises(ValueError, match="x_val must have 2 columns"):
        fit(x, y, x_val=np.zeros((3, 3)), y_val=np.zeros(3), profile="test")
    with pytest.raises(ValueError, match="unknown activation"):
        fit(x, y, activations=("relu",) * 20, profile="test")
    with pytest.raises(ValueError, match="unknown sweep"):
        fit(x, y, sweep="diagonal", profile="test")
    with pytest.raises(ValueError, match="rel_cutoff must be in"):
        fit(x, y, rel_cutoff=-1.0, profile="test")
    with pytest.raises(ValueError, match="force_weight must be a finite number > 0"):
        fit(x, y, f, force_weight=0.0, profile="test")
    for bad_fraction in (0.0, 1.5, (0.5, -1.0)):
        with pytest.raises(ValueError, match="subsample must be a fraction"):
            fit(x, y, subsample=bad_fraction, profile="test")
    with pytest.raises(TypeError, match="callback must be callable"):
        fit(x, y, callback=3, profile="test")
    with pytest.raises(ValueError, match="unknown profile"):
        fit(x, y, profile="fastest")
    with pytest.raises(ValueError, match="unknown coordinator"):
        fit(x, y, coordinator="frozen", profile="test")
    with pytest.raises(ValueError, match="needs coordinator='fixed'"):
        fit(x, y, members=2, coordinator="trained", profile="test")
    for bad_count in (0, 1.5, True):
        with pytest.raises(ValueError, match="members must be a whole number"):
            fit(x, y, members=bad_count, profile="test")
    with pytest.raises(ValueError, match="workers must be a whole number"):
        fit(x, y, members=2, workers=0, profile="test")
    with pytest.raises(ValueError, match="not orthogonal"):
        a = random_arrays(rng)
        type(a)(U=2 * a.U, centres=a.centres, w=a.w, b=a.b, activations=a.activations,
                cores=a.cores)


def test_quantile_basis_init_follows_the_data_and_is_scale_equivariant(rng):
    """Centres lie at quantiles of each coordinate inside its range; stretching a
    coordinate by a factor stretches its centres and divides its slopes by it, so the
    initial basis functions of the stretched data are the same functions."""
    from vibmpo.potential.train import _init_basis

    q = rng.normal(size=(500, 3)) * np.array([1.0, 3.0, 0.2]) + np.array([0.0, 5.0, -1.0])
    acts = ("moderate",) * 4 + ("silu",) * 4
    c, w, b = _init_basis(q, acts, "quantile", np.random.default_rng(1))
    assert c.shape == w.shape == b.shape == (3, 8)
    for i in range(3):
        assert q[:, i].min() < c[i].min() and c[i].max() < q[:, i].max()
        assert np.all(np.diff(c[i, :4]) > 0) and np.all(np.diff(c[i, 4:]) > 0)
    c2, w2, _ = _init_basis(q * 10.0, acts, "quantile", np.random.default_rng(1))
    np.testing.assert_allclose(c2, 10.0 * c, rtol=1e-12)
    np.testing.assert_allclose(w2, w / 10.0, rtol=1e-9)
    phi = basis_values(q, c, w, b, acts)
    phi2 = basis_values(q * 10.0, c2, w2, b, acts)
    np.testing.assert_allclose(phi2, phi, atol=1e-9)
    # broad functions: every slope spans more than one standard deviation
    assert np.all(np.abs(w) * q.std(0)[:, None] < 1.0)
    with pytest.raises(ValueError, match="unknown basis_init"):
        x, y, _ = toy_data(rng, m=20)
        fit(x, y, profile="test", basis_init="random")


def test_gradient_phase_never_worsens_the_training_loss(rng):
    """The U/basis phase keeps its lowest-loss iterate: even an absurd learning rate
    (which would wreck U and the basis) leaves the fit as good as no gradient steps."""
    x, y, f = toy_data(rng, m=60)
    kw = dict(profile="test", basis_size=6, seed=2, n_sweeps=3)
    ref = fit(x, y, f, grad_steps=0, **kw).history["train_rmse"][-1]
    wild = fit(x, y, f, grad_steps=4, learning_rate=1e3, **kw).history["train_rmse"][-1]
    assert np.isfinite(wild) and wild <= 1.05 * ref


def test_fixed_coordinator_keeps_u_while_the_basis_trains(rng):
    """``coordinator="fixed"``: the gradient steps move the basis as with a trained
    coordinator, and U stays exactly the identity."""
    x, y, f = toy_data(rng, m=60)
    kw = dict(profile="test", basis_size=6, seed=3, n_sweeps=2, ridge=1e-3,
              learning_rate=1e-3)
    start = fit(x, y, f, grad_steps=0, **kw).model
    fixed = fit(x, y, f, grad_steps=5, coordinator="fixed", **kw)
    trained = fit(x, y, f, grad_steps=5, **kw).model
    assert np.array_equal(np.asarray(fixed.model.U), np.eye(2))
    assert np.abs(np.asarray(trained.U) - np.eye(2)).max() > 1e-3
    for m in (fixed.model, trained):
        assert np.abs(np.asarray(m.w) - np.asarray(start.w)).max() > 1e-3
    assert fixed.options["coordinator"] == "fixed"


@pytest.mark.parametrize("workers", [1, 2])  # in this process, and on a 2-worker LocalCluster
def test_ensemble_is_the_exact_mean_of_its_members(rng, workers):
    """``members=3`` fits three seeds with U fixed and returns one NN-MPO that predicts
    their mean exactly (bases side by side, ranks added); in parallel workers it is the
    same fit."""
    x, y, f = toy_data(rng, m=60)
    xv, yv, _ = toy_data(rng, m=30)
    seen = []
    res = fit(x, y, f, x_val=xv, y_val=yv, profile="test", basis_size=6, seed=3,
              n_sweeps=2, grad_steps=2, members=3, workers=workers, callback=seen.append)
    assert len(res.members) == 3 and res.options["members"] == 3
    assert sorted({h["member"] for h in seen}) == [0, 1, 2]
    assert [r.options["seed"] for r in res.members] == [3, 4, 5]
    preds = [r.model.to_arrays().energy(xv) for r in res.members]
    assert not np.allclose(preds[0], preds[1])  # different seeds, different members
    a = res.model.to_arrays()
    np.testing.assert_allclose(a.energy(xv), np.mean(preds, 0), rtol=1e-12, atol=1e-12)
    assert a.basis_size == 1 + 3 * 5
    assert a.ranks == tuple(np.sum([r.model.ranks for r in res.members], 0))
    val_rmse = np.sqrt(np.mean((a.energy(xv) - yv) ** 2))
    assert res.history["val_rmse"] == [pytest.approx(val_rmse)]
    if workers == 2:
        serial = fit(x, y, f, x_val=xv, y_val=yv, profile="test", basis_size=6, seed=3,
                     n_sweeps=2, grad_steps=2, members=3, workers=1)
        np.testing.assert_allclose(serial.model.to_arrays().energy(xv), a.energy(xv),
                                   rtol=1e-10, atol=1e-12)
