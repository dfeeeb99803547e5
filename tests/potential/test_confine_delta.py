"""Hole-free Δ-learned potentials (vibmpo.potential.confine_delta): the correction
confined, the sum certified; no change inside the box, no grid point below the minimum
of the sum on a wide grid, and baselines that cannot be certified are flagged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from vibmpo.operators.gridcheck import GridCheckError
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.baseline import PolynomialPotential
from vibmpo.potential.composite import CompositePotential
from vibmpo.potential.confine import ConfinementWarning, confine
from vibmpo.potential.confine_delta import separable_baseline
from vibmpo.potential.io import load_model, save_model
from vibmpo.potential.region import data_region

OMEGA = np.array([0.01, 0.014, 0.02])


def _harmonic(omega=OMEGA, unit="hartree"):
    return PolynomialPotential(2 * np.eye(len(omega), dtype=int), 0.5 * omega ** 2, unit)


@pytest.fixture(scope="module")
def delta_fit():
    """A correction fitted in seconds to the anharmonic part of a 3-mode well on a
    harmonic baseline (test profile, coordinator fixed)."""
    from vibmpo.potential.train import fit

    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3)) / np.sqrt(2 * OMEGA)

    def pot(x):
        return (0.5 * (OMEGA ** 2 * x ** 2).sum(1) + 2e-6 * x[:, 0] ** 2 * x[:, 1]
                - 1e-6 * x[:, 1] * x[:, 2] ** 2)

    res = fit(x, pot(x), profile="test", energy_unit="hartree", seed=0, progress=False,
              coordinator="fixed", basis_size=7, baseline=_harmonic())
    model = res.arrays()
    assert isinstance(model, CompositePotential)
    return model, x


def _holey_correction(scale=0.05):
    """-scale * silu(q0) silu(q1) silu(q2) (Hartree): zero-ish near the data, a hole far
    out along q0 = q1 = q2 > 0, with data in [-2, 2]^3."""
    cores = [np.zeros((1, 2, 1)) for _ in range(3)]
    for c in cores:
        c[0, 1, 0] = 1.0
    cores[0] *= -scale
    corr = NNMPOArrays(U=np.eye(3), centres=np.zeros((3, 1)), w=np.ones((3, 1)),
                       b=np.zeros((3, 1)), activations=("silu",), cores=tuple(cores),
                       energy_unit="hartree")
    x = np.random.default_rng(0).uniform(-2, 2, size=(200, 3))
    return replace(corr, data_region=data_region(x, corr.U, source="test points"))


def test_delta_model_is_unchanged_inside_the_box_and_certified(delta_fit):
    model, x = delta_fit
    conf = confine(model)
    c = conf.confinement
    assert c.certified and c.reason == ""
    q = x @ model.U
    inside = np.all((q >= c.lo) & (q <= c.hi), axis=1)
    assert inside.sum() > 0.8 * len(x)
    np.testing.assert_allclose(conf.energy(x[inside]), model.energy(x[inside]), rtol=0,
                               atol=1e-12 * np.ptp(model.energy(x)))
    # the certificate is the sum's: its minimum is the minimum of baseline + correction
    assert abs(c.minimum - model.energy(np.zeros((1, 3)))[0]) < 1e-3 * np.ptp(
        model.energy(x))


def test_confined_delta_model_has_no_point_below_its_minimum_on_ho20(
        delta_fit, assert_hole_free_grid):
    model, _ = delta_fit
    with pytest.raises(GridCheckError):  # unconfined: ho:20 reaches beyond its data
        grid_hamiltonian(model, "ho:20")
    # the grid potential is baseline + confined correction, none below its minimum
    assert_hole_free_grid(confine(model), "ho:20", seed=1, rtol=1e-9)


def test_a_hole_of_the_correction_is_removed_and_the_sum_certified():
    model = CompositePotential(_harmonic(np.full(3, 0.5)), _holey_correction())
    far = np.array([[40.0, 40.0, 40.0], [80.0, 80.0, 80.0]])
    assert model.energy(far).max() < model.energy(np.zeros((1, 3)))[0] - 1.0  # a hole
    conf = confine(model)
    c = conf.confinement
    assert c.certified
    assert conf.energy(far).min() > c.minimum
    # outside the box the sum is at least its value at the clipped point (guarantee)
    rng = np.random.default_rng(2)
    pts = rng.uniform(-60, 60, size=(2000, 3))
    edge = np.clip(pts, c.lo - c.band[0], c.hi + c.band[1])
    assert np.all(conf.energy(pts) >= conf.energy(edge) - 1e-12)


def test_a_coupling_baseline_is_flagged_not_certified(delta_fit):
    model, _ = delta_fit
    coupled = PolynomialPotential(np.vstack([2 * np.eye(3, dtype=int), [[1, 1, 0]]]),
                                  np.r_[0.5 * OMEGA ** 2, 1e-5], "hartree")
    bad = CompositePotential(coupled, model.correction)
    assert "couples modes" in separable_baseline(bad)[1]
    with pytest.warns(ConfinementWarning, match="couples modes"):
        conf = confine(bad)
    assert not conf.confinement.certified
    with pytest.raises(GridCheckError):  # treated like an unconfined model
        grid_hamiltonian(conf, "ho:20")


def test_a_falling_baseline_is_flagged_not_certified():
    # g(x0) = x0^2 - 0.01 x0^3 turns down at x0 = 66.7, beyond the data box [-2, 2]
    falls = PolynomialPotential([[2, 0, 0], [3, 0, 0], [0, 2, 0], [0, 0, 2]],
                                [1.0, -0.01, 1.0, 1.0], "hartree")
    with pytest.warns(ConfinementWarning, match="falls away"):
        conf = confine(CompositePotential(falls, _holey_correction(1e-4)))
    assert not conf.confinement.certified


def test_confined_delta_model_round_trips_through_the_model_file(delta_fit, tmp_path):
    model, _ = delta_fit
    conf = confine(model)
    back = load_model(save_model(tmp_path / "d.h5", conf))
    assert isinstance(back, CompositePotential) and back.confinement.certified
    far = np.array([[400.0, -300.0, 200.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(back.energy(far), conf.energy(far), rtol=1e-14)
    # an uncertified one keeps its reason
    coupled = PolynomialPotential([[2, 0, 0], [0, 2, 0], [0, 0, 2], [1, 1, 0]],
                                  np.r_[0.5 * OMEGA ** 2, 1e-5], "hartree")
    with pytest.warns(ConfinementWarning):
        bad = confine(CompositePotential(coupled, model.correction))
    back = load_model(save_model(tmp_path / "b.h5", bad))
    assert "couples modes" in back.confinement.reason and not back.confinement.certified


def test_fit_cli_confines_a_delta_model(tmp_path, capsys):
    from vibmpo.cli import main

    rng = np.random.default_rng(0)
    omega = np.array([0.5, 0.8])
    x = rng.normal(size=(150, 2)) / np.sqrt(2 * omega)
    base = _harmonic(omega)
    y = base.energy(x) + 0.01 * x[:, 0] ** 2 * x[:, 1]
    f = base.forces(x) - 0.01 * np.stack([2 * x[:, 0] * x[:, 1], x[:, 0] ** 2], 1)
    data = tmp_path / "d.npz"
    np.savez(data, x_train=x, y_train=y, f_train=f)
    ff = tmp_path / "base.json"
    base.save(ff)
    model = tmp_path / "m.h5"
    rc = main(["fit", str(data), "--out", str(model), "--profile", "test", "--basis-size", "5",
               "--max-rank", "2", "--grad-steps", "0", "--no-progress", "--energy-unit",
               "hartree", "--baseline", str(ff), "--coordinator", "fixed", "--confine"])
    assert rc == 0
    assert "certified True" in capsys.readouterr().out
    v = load_model(model)
    assert isinstance(v, CompositePotential) and v.confinement.certified
    grid_hamiltonian(v, "ho:20")  # the grid check accepts the wide grid
