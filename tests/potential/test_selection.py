"""Training-set selection: deterministic for a seed, k-means and FPS cover the pool
better than random draws, bad requests refused; ``vibmpo fit --select/--baseline``."""

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.potential.baseline import PolynomialPotential
from vibmpo.potential.io import load_metadata, load_model
from vibmpo.potential.selection import covering_radius, parse_select, select_training_set
from vibmpo.sampling.schemes import harmonic_samples

OMEGA = np.array([0.0054, 0.0058, 0.0070, 0.0085, 0.0131, 0.0133])  # H2CO-like, hartree


@pytest.mark.parametrize("method", ["kmeans", "fps", "random"])
def test_selection_is_deterministic_for_a_seed(method):
    pool = harmonic_samples(OMEGA, 400, seed=0)
    a = select_training_set(pool, 40, method=method, seed=3)
    b = select_training_set(pool, 40, method=method, seed=3)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 40 and a.min() >= 0 and a.max() < 400
    if method != "fps":  # FPS starts at the centre: no randomness at all
        c = select_training_set(pool, 40, method=method, seed=4)
        assert not np.array_equal(a, c)


def test_kmeans_and_fps_cover_the_pool_better_than_random():
    """Covering radius (largest distance from a candidate to the nearest selected point,
    standardised coordinates) over 5 seeds: the median k-means selection and the FPS one
    below every random draw."""
    pool = harmonic_samples(OMEGA, 600, seed=1)
    rand = [covering_radius(pool, select_training_set(pool, 60, method="random", seed=s))
            for s in range(5)]
    km = [covering_radius(pool, select_training_set(pool, 60, method="kmeans", seed=s))
          for s in range(5)]
    fps = covering_radius(pool, select_training_set(pool, 60, method="fps"))
    assert np.median(km) < min(rand) and fps < min(rand)
    assert fps < np.median(km)  # FPS minimises the covering radius greedily


def test_selection_errors():
    pool = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="between 1 and the pool size 10"):
        select_training_set(pool, 11)
    with pytest.raises(ValueError, match="unknown selection method"):
        select_training_set(pool, 3, method="grid")
    assert parse_select("kmeans:200") == ("kmeans", 200)
    for bad in ("kmeans", "kmeans:0", "best:10", "fps:ten"):
        with pytest.raises(ValueError, match="METHOD:N"):
            parse_select(bad)


def test_fit_cli_with_baseline_and_selection(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2))
    base = PolynomialPotential([[2, 0], [0, 2], [1, 1]], [0.5, 0.7, 0.1], "hartree")
    y = base.energy(x) + 0.01 * np.sin(x[:, 0]) * np.cos(x[:, 1])
    f = base.forces(x) - 0.01 * np.stack([np.cos(x[:, 0]) * np.cos(x[:, 1]),
                                          -np.sin(x[:, 0]) * np.sin(x[:, 1])], 1)
    data = tmp_path / "d.npz"
    np.savez(data, x_train=x, y_train=y, f_train=f, x_validation=x[:20],
             y_validation=y[:20])
    ff = tmp_path / "base.json"
    base.save(ff)
    model = tmp_path / "m.h5"
    rc = main(["fit", str(data), "--out", str(model), "--profile", "test", "--basis-size", "5",
               "--max-rank", "2", "--grad-steps", "0", "--no-progress", "--energy-unit",
               "hartree", "--baseline", str(ff), "--select", "kmeans:80", "--seed", "2"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "selected 80 training points by kmeans" in out
    v = load_model(model)
    meta = load_metadata(model)
    assert meta["options"]["n_train"] == 80 and meta["select"]["method"] == "kmeans"
    assert meta["baseline"] == str(ff)
    np.testing.assert_allclose(v.baseline.energy(x), base.energy(x), rtol=1e-12)
    assert np.sqrt(np.mean((v.energy(x) - y) ** 2)) < 0.1 * np.std(y - base.energy(x))
    # predict evaluates baseline + correction
    np.save(tmp_path / "x.npy", x)
    assert main(["predict", str(model), str(tmp_path / "x.npy"), "--out",
                 str(tmp_path / "y.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), v.energy(x))
    # a baseline in the wrong coordinates is refused with the fix
    bad = tmp_path / "bad.json"
    bad.write_text('{"energy_unit": "hartree", "n_modes": 2, "kinetic": 1.0, '
                   '"terms": [[0.5, {"0": 2}]]}')
    capsys.readouterr()
    rc = main(["fit", str(data), "--out", str(tmp_path / "m2.h5"), "--profile", "test",
               "--no-progress", "--energy-unit", "hartree", "--baseline", str(bad)])
    assert rc != 0 and "mass-weighted" in capsys.readouterr().err
    assert not (tmp_path / "m2.h5").exists()
