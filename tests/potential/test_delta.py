"""Δ-learning: fit(..., baseline=...) fits the residual of a baseline; baseline +
correction is saved, loaded and evaluated as one potential."""

from dataclasses import replace

import numpy as np
import pytest

from vibmpo.operators.forcefield import ForceField
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.baseline import (
    PolynomialPotential,
    h2co_quartic_baseline,
    load_polynomial_potential,
    quartic_from_cuts,
    quartic_powers,
)
from vibmpo.potential.composite import CompositePotential, nnmpo_forces
from vibmpo.potential.io import load_model, save_model
from vibmpo.potential.train import fit
from vibmpo.units import EV_TO_CM1, HARTREE_TO_CM1

# a quartic force field in mass-weighted coordinates (kinetic 1/2 hartree)
FF = ForceField(terms=((0.5, {0: 2}), (0.8, {1: 2}), (1.1, {2: 2}), (0.05, {0: 1, 1: 2}),
                       (0.02, {2: 4}), (-0.03, {0: 3})), kinetic=[0.5] * 3,
                energy_unit="hartree")
FAST = dict(profile="test", basis_size=13, max_rank=(2, 3, 4, 6), n_sweeps=12, grad_steps=0,
            energy_unit="hartree", seed=0)


def _tt_term(random_arrays=None):
    """A small smooth tensor-train term: a random NN-MPO (rotated, ranks (2, 2), basis
    widths of order 1), spread ~5e-3 hartree against ~1 hartree of the force field."""
    rng = np.random.default_rng(3)
    acts = ("moderate", "silu", "tanh", "gaussian")
    U, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    shapes = (1, 2, 2, 1)
    cores = tuple(0.3 * rng.normal(size=(shapes[i], 5, shapes[i + 1])) for i in range(3))
    return NNMPOArrays(U=U, centres=rng.uniform(-2, 2, (3, 4)), w=rng.uniform(0.2, 0.8, (3, 4)),
                       b=rng.uniform(-0.5, 0.5, (3, 4)), activations=acts, cores=cores,
                       scale=0.02, offset=0.0, energy_unit="hartree")


def _data(term, m, seed):
    x = np.random.default_rng(seed).normal(size=(m, 3))
    poly = PolynomialPotential.from_forcefield(FF)
    return x, FF.potential(x) + term.energy(x), poly.forces(x) + nnmpo_forces(term, x)


def test_polynomial_forces_are_minus_the_gradient():
    p = PolynomialPotential(quartic_powers(3), np.random.default_rng(0).normal(size=31))
    x = np.random.default_rng(1).normal(size=(4, 3))
    h = 1e-6
    num = np.stack([(p.energy(x + h * e) - p.energy(x - h * e)) / (2 * h)
                    for e in np.eye(3)], 1)
    np.testing.assert_allclose(p.forces(x), -num, rtol=1e-7, atol=1e-7)


def test_nnmpo_forces_match_finite_differences(random_arrays):
    a = random_arrays(np.random.default_rng(2))
    x = np.random.default_rng(1).normal(size=(4, 3))
    h = 1e-6
    num = np.stack([(a.energy(x + h * e) - a.energy(x - h * e)) / (2 * h)
                    for e in np.eye(3)], 1)
    np.testing.assert_allclose(nnmpo_forces(a, x), -num, rtol=1e-6, atol=1e-7)


def test_delta_learning_recovers_a_known_correction(random_arrays):
    """V = force field + small TT term: the correction fitted to the difference is the
    TT term (to 5 % of its spread on fresh points, up to a constant) and the composite
    is the whole surface; without the baseline the same fit misses by far more."""
    term = _tt_term(random_arrays)
    x, y, f = _data(term, 250, 0)
    xt = np.random.default_rng(7).normal(size=(300, 3))
    spread = term.energy(xt).std()
    res = fit(x, y, f, baseline=FF, **FAST)
    v = res.arrays()
    assert isinstance(v, CompositePotential) and v.energy_unit == "hartree"
    d = v.correction.energy(xt) - term.energy(xt)
    assert np.sqrt(np.mean((d - d.mean()) ** 2)) < 0.05 * spread
    # the composite is baseline + correction, the recorded errors are the sum's
    np.testing.assert_allclose(v.energy(xt), FF.potential(xt) + v.correction.energy(xt),
                               rtol=0, atol=1e-13)
    i = res.best_iteration
    rmse = np.sqrt(np.mean((v.energy(x) - y) ** 2))
    assert res.history["train_rmse"][i] == pytest.approx(rmse, rel=1e-9)
    plain = fit(x, y, f, **FAST).arrays()
    dp = plain.energy(xt) - FF.potential(xt) - term.energy(xt)
    assert np.sqrt(np.mean((dp - dp.mean()) ** 2)) > 10 * np.sqrt(np.mean((d - d.mean()) ** 2))


def test_delta_fit_is_the_fit_of_the_residual(random_arrays):
    """Exactly: the correction is what a plain fit of (y - V_b, f + grad V_b) gives."""
    term = _tt_term(random_arrays)
    x, y, f = _data(term, 120, 1)
    poly = PolynomialPotential.from_forcefield(FF)
    opts = dict(FAST, n_sweeps=3)
    a = fit(x, y, f, baseline=FF, **opts).arrays().correction
    b = fit(x, y - poly.energy(x), f - poly.forces(x), **opts).arrays()
    np.testing.assert_allclose(a.energy(x), b.energy(x), rtol=0, atol=1e-12)


def test_nnmpo_baseline_shares_its_coordinator(random_arrays, tmp_path):
    base = replace(random_arrays(np.random.default_rng(5)), energy_unit="hartree")
    x = np.random.default_rng(0).normal(size=(200, 3))
    y = base.energy(x) + 0.01 * np.sin(x[:, 0])
    res = fit(x, y, baseline=base, **dict(FAST, n_sweeps=3, basis_size=7, max_rank=2))
    v = res.arrays()
    np.testing.assert_allclose(v.correction.U, base.U, atol=1e-12)
    assert np.sqrt(np.mean((v.energy(x) - y) ** 2)) < 1e-3
    p = save_model(tmp_path / "d.h5", v, metadata={"k": 1})
    w = load_model(p)
    assert isinstance(w, CompositePotential) and isinstance(w.baseline, NNMPOArrays)
    np.testing.assert_allclose(w.energy(x), v.energy(x), rtol=0, atol=1e-12)
    # an ensemble on the same baseline: members and mean are baseline + correction
    ens = fit(x, y, baseline=base, members=2, workers=1,
              **dict(FAST, n_sweeps=1, basis_size=7, max_rank=2, grad_steps=1))
    parts = [m.arrays() for m in ens.members]
    assert all(isinstance(m, CompositePotential) for m in parts)
    for m in (*parts, ens.arrays()):
        np.testing.assert_allclose(m.correction.U, base.U, atol=1e-12)
    np.testing.assert_allclose(ens.arrays().energy(x), np.mean([m.energy(x) for m in parts], 0),
                               rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="shares its coordinator"):
        fit(x, y, baseline=base, coordinator="trained", **dict(FAST, n_sweeps=1))


def test_composite_model_file_round_trip(random_arrays, tmp_path):
    corr = random_arrays(np.random.default_rng(1))  # cm-1
    base = PolynomialPotential(quartic_powers(3), np.random.default_rng(2).normal(size=31),
                               "hartree", {"source": "test"})
    v = CompositePotential(base, corr)
    assert v.baseline.energy_unit == "cm-1"  # converted to the correction's unit
    x = np.random.default_rng(3).normal(size=(6, 3))
    np.testing.assert_allclose(v.energy(x), base.energy(x) * HARTREE_TO_CM1
                               + corr.energy(x), rtol=1e-12)
    p = save_model(tmp_path / "c.h5", v, metadata={})
    w = load_model(p)
    assert isinstance(w, CompositePotential) and w.baseline.info == {"source": "test"}
    np.testing.assert_allclose(w.energy(x), v.energy(x), rtol=1e-14)
    np.testing.assert_allclose(w.forces(x), v.forces(x), rtol=1e-12)
    import h5py

    with h5py.File(p, "r") as h:  # older readers (version 1 only) refuse it
        assert h.attrs["version"] == 2


def test_baseline_checks(rng):
    x = rng.normal(size=(20, 3))
    dimensionless = ForceField(terms=((0.5, {0: 2}),), kinetic=[0.5] * 3, energy_unit="cm-1")
    with pytest.raises(ValueError, match="mass-weighted"):
        fit(x, x[:, 0] ** 2, baseline=dimensionless, profile="test")
    with pytest.raises(ValueError, match="physical energy unit"):
        fit(x, x[:, 0] ** 2, baseline=ForceField(terms=((0.5, {0: 2}),), kinetic=[0.5] * 3),
            profile="test")
    with pytest.raises(ValueError, match="takes 2 coordinates"):
        fit(x, x[:, 0] ** 2, baseline=PolynomialPotential([[2, 0]], [1.0]), profile="test")
    with pytest.raises(TypeError, match="baseline must be"):
        fit(x, x[:, 0] ** 2, baseline=3.0, profile="test")
    with pytest.raises(FileNotFoundError, match="baseline file"):
        fit(x, x[:, 0] ** 2, baseline="missing.json", profile="test")
    # a force field in cm-1 in mass-weighted coordinates is converted to the data's unit
    ok = ForceField(terms=((HARTREE_TO_CM1, {0: 2}),), kinetic=[0.5 * HARTREE_TO_CM1] * 3,
                    energy_unit="cm-1")
    x = rng.normal(size=(100, 3))
    res = fit(x, x[:, 0] ** 2 + 0.01 * x[:, 1], baseline=ok,
              **dict(FAST, n_sweeps=1, basis_size=5, max_rank=2))
    np.testing.assert_allclose(res.arrays().baseline.energy(x), x[:, 0] ** 2, rtol=1e-12)


def test_quartic_from_cuts_recovers_a_quartic():
    """A 3-mode quartic force field of the 2-mode form, sampled on 1-D and 2-D cuts, is
    recovered exactly (harmonic terms given or fitted)."""
    rng = np.random.default_rng(0)
    powers = quartic_powers(3)
    coef = rng.normal(size=len(powers)) * 0.01
    true = PolynomialPotential(powers, coef, "hartree")
    g = np.linspace(-2, 2, 9)
    pts = {tuple(np.where(np.arange(3) == i, a, 0.0)) for i in range(3) for a in g}
    pts |= {tuple(np.where(np.arange(3) == i, a, 0.0) + np.where(np.arange(3) == j, b, 0.0))
            for i in range(3) for j in range(i + 1, 3) for a in g for b in g}
    x = np.array(sorted(pts))
    diag = [2 * coef[k] for k in range(len(powers))
            if powers[k].sum() == 2 and powers[k].max() == 2]
    for hd in (None, diag):
        p = quartic_from_cuts(x, true.energy(x), hessian_diagonal=hd, energy_unit="hartree")
        xt = rng.normal(size=(50, 3))
        np.testing.assert_allclose(p.energy(xt), true.energy(xt), rtol=0, atol=1e-12)


def test_h2co_quartic_baseline_file_is_the_function_output():
    """The committed baseline is h2co_quartic_baseline(), fits its cuts to ~30 cm-1 and is
    a minimum with the harmonic frequencies at the origin."""
    from importlib.resources import files

    path = files("vibmpo.datasets") / "data" / "h2co_quartic_baseline.json"
    committed = load_polynomial_potential(path)
    fresh = h2co_quartic_baseline()
    x = np.random.default_rng(0).normal(size=(20, 6)) * 20
    np.testing.assert_allclose(committed.energy(x), fresh.energy(x), rtol=1e-12, atol=1e-12)
    assert fresh.info["rmse"] * EV_TO_CM1 < 30
    assert np.abs(fresh.forces(np.zeros((1, 6)))).max() < 1e-3  # eV per sqrt(me) a0
