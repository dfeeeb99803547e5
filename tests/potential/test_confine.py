"""Hole-free NN-MPO potentials (vibmpo.potential.confine): zero change inside the box,
no point below the minimum on wide grids, the same potential in NumPy, on the grid and
in the model file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from vibmpo.operators.gridcheck import GridCheckError, grid_extremes
from vibmpo.operators.hamiltonian import grid_hamiltonian, harmonic_analysis
from vibmpo.potential.arrays import NNMPOArrays, average
from vibmpo.potential.confine import Confinement, confine
from vibmpo.potential.io import load_model, save_model
from vibmpo.potential.region import data_region


def _holey_model(rng):
    """V = sum_i m(q_i) - 0.05 s(q_1) s(q_2) s(q_3) (Hartree, m = 'moderate', s = silu):
    a well at the origin with a hole far out along q_1 = q_2 = q_3 > 0."""
    from vibmpo.linalg.tt import direct_sum

    one = [np.zeros((1, 3, 2)), np.zeros((2, 3, 2)), np.zeros((2, 3, 1))]
    one[0][0, 0, 0], one[0][0, 1, 1] = 1.0, 1.0
    one[1][0, 0, 0], one[1][0, 1, 1], one[1][1, 0, 1] = 1.0, 1.0, 1.0
    one[2][0, 1, 0], one[2][1, 0, 0] = 1.0, 1.0
    prod = [np.zeros((1, 3, 1)) for _ in range(3)]
    for c in prod:
        c[0, 2, 0] = 1.0
    prod[0] *= -0.05
    cores = direct_sum(one, prod)
    m = NNMPOArrays(U=np.eye(3), centres=np.zeros((3, 2)), w=np.ones((3, 2)),
                    b=np.zeros((3, 2)), activations=("moderate", "silu"), cores=cores,
                    energy_unit="hartree")
    x = rng.normal(size=(400, 3)) * 0.8
    return replace(m, data_region=data_region(x, m.U, source="test points")), x


@pytest.fixture(scope="module")
def fitted():
    """A small NN-MPO fitted in seconds to a 3-mode anharmonic well (test profile)."""
    from vibmpo.potential.train import fit

    rng = np.random.default_rng(3)
    omega = np.array([0.01, 0.014, 0.02])
    x = rng.normal(size=(300, 3)) / np.sqrt(2 * omega)

    def pot(x):
        return (0.5 * (omega ** 2 * x ** 2).sum(1) + 2e-6 * x[:, 0] ** 2 * x[:, 1]
                - 1e-6 * x[:, 1] * x[:, 2] ** 2)

    res = fit(x, pot(x), profile="test", energy_unit="hartree", seed=0, progress=False,
              coordinator="fixed", basis_size=7)
    return res.arrays(), x, pot


def test_confinement_is_zero_inside_the_box(fitted):
    model, x, _ = fitted
    conf = confine(model)
    c = conf.confinement
    assert c.certified
    q = x @ model.U
    inside = np.all((q >= c.lo) & (q <= c.hi), axis=1)
    assert inside.sum() > 0.8 * len(x)
    # inside the box: exactly the unconfined model, and no wall
    np.testing.assert_array_equal(c.wall(q[inside]), 0.0)
    np.testing.assert_allclose(conf.energy(x[inside]), model.energy(x[inside]), rtol=0,
                               atol=1e-12 * np.ptp(model.energy(x)))


def test_confined_model_has_no_point_below_its_minimum_on_ho20(fitted,
                                                               assert_hole_free_grid):
    model, _, _ = fitted
    with pytest.raises(GridCheckError):  # unconfined: ho:20 reaches far beyond its data
        grid_hamiltonian(model, "ho:20")
    # the confined model's own energy at the grid points, none below its minimum
    assert_hole_free_grid(confine(model), "ho:20", seed=0, rtol=1e-10)


def test_holes_are_removed_and_certified(rng):
    model, x = _holey_model(rng)
    conf = confine(model)
    c = conf.confinement
    # far outside, the unconfined model dives; the confined one rises along the wall
    far = np.array([[12.0, 12.0, 12.0], [30.0, 30.0, 30.0]])
    assert model.energy(far).max() < c.minimum - 10.0
    assert conf.energy(far).min() > c.minimum
    assert c.floor >= c.minimum - c.tolerance
    assert np.all(c.curvature > 0)


def test_confinement_round_trips_through_the_model_file(fitted, tmp_path):
    model, x, _ = fitted
    conf = confine(model)
    p = save_model(tmp_path / "m.h5", conf)
    back = load_model(p)
    assert isinstance(back.confinement, Confinement)
    far = np.array([[400.0, -300.0, 200.0]])
    np.testing.assert_allclose(back.energy(far), conf.energy(far), rtol=1e-14)
    np.testing.assert_array_equal(back.confinement.band, conf.confinement.band)


def test_confine_needs_a_region_and_valid_options(fitted):
    model, _, _ = fitted
    with pytest.raises(ValueError, match="region of the training data"):
        confine(replace(model, data_region=None))
    with pytest.raises(ValueError, match="shrink_step"):
        confine(model, shrink_step=1.5)
    with pytest.raises(ValueError, match="hi >= lo"):
        Confinement(lo=np.ones(1), hi=np.zeros(1), slope=np.zeros((2, 1)),
                    curvature=np.zeros((2, 1)), minimum=0, floor=0, tolerance=0)


def test_a_delta_learned_sum_is_confined_as_one_model(fitted, rng):
    """Stand-in for a Δ-learned fit (baseline + correction as one NN-MPO, the form
    `average(..., weights=[1, 1])` gives for models sharing U): confined, it has no
    point below its minimum on ho:20, and inside the box it is the plain sum."""
    correction, x, _ = fitted
    baseline, _ = _holey_model(rng)
    baseline = NNMPOArrays(U=correction.U, centres=baseline.centres, w=baseline.w * 0.02,
                           b=baseline.b, activations=baseline.activations,
                           cores=baseline.cores, scale=1e-3, energy_unit="hartree")
    total = replace(average([baseline, correction], weights=[1.0, 1.0]),
                    data_region=correction.data_region)
    conf = confine(total)
    assert conf.confinement.certified
    inside = np.all((x @ conf.U >= conf.confinement.lo) & (x @ conf.U <= conf.confinement.hi),
                    axis=1)
    np.testing.assert_allclose(conf.energy(x[inside]), baseline.energy(x[inside])
                               + correction.energy(x[inside]), rtol=1e-10)
    ham = grid_hamiltonian(conf, "ho:20")
    vmin, _, vmax, _ = grid_extremes(ham)
    _, _, e_min = harmonic_analysis(conf)
    assert vmin >= e_min - 1e-6 * (vmax - e_min)


def test_cli_fit_confine_saves_a_hole_free_model(tmp_path, rng, capsys):
    from vibmpo.cli import main
    from vibmpo.potential.io import load_metadata

    x = rng.normal(size=(60, 2))
    y = x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2 + 0.1 * x[:, 0] * x[:, 1]
    np.savez(tmp_path / "d.npz", x_train=x, y_train=y)
    out = tmp_path / "m.h5"
    assert main(["fit", str(tmp_path / "d.npz"), "--out", str(out), "--profile", "test",
                 "--basis-size", "5", "--max-rank", "2", "--no-progress", "--energy-unit",
                 "hartree", "--confine"]) == 0
    assert "confined (hole-free)" in capsys.readouterr().out
    m = load_model(out)
    assert m.confinement is not None and m.confinement.certified
    assert load_metadata(out)["confined"]["certified"] is True
    np.testing.assert_allclose(m.energy(x), replace(m, confinement=None).energy(x))
