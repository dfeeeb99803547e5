"""CLI smoke tests: ``vibmpo fit`` and ``vibmpo predict`` on a tiny problem, and
``predict`` on the Pompon model."""

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.datasets import h2co, h2co_pompon_model_path
from vibmpo.potential.io import load_metadata, load_model


def test_fit_then_predict(tmp_path, rng):
    x = rng.normal(size=(50, 2))
    y = x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2 + 0.1 * x[:, 0] * x[:, 1]
    f = -np.stack([2 * x[:, 0] + 0.1 * x[:, 1], x[:, 1] + 0.1 * x[:, 0]], 1)
    data = tmp_path / "d.npz"
    np.savez(data, x_train=x, y_train=y, f_train=f, x_validation=x[:10], y_validation=y[:10])
    model = tmp_path / "m.h5"
    rc = main(["fit", str(data), "--out", str(model), "--profile", "test", "--basis-size", "5",
               "--max-rank", "2,3", "--no-progress", "--energy-unit", "cm-1",
               "--subsample", "0.9", "--force-weight", "0.5"])
    assert rc == 0
    a = load_model(model)
    opts = load_metadata(model)["options"]
    assert a.energy_unit == "cm-1" and opts["n_train"] == 50
    assert opts["subsample"] == 0.9 and opts["force_weight"] == 0.5
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "y.npy"
    assert main(["predict", str(model), str(tmp_path / "x.npy"), "--out", str(out)]) == 0
    np.testing.assert_allclose(np.load(out), a.energy(x))
    assert (tmp_path / "m_fit.png").stat().st_size > 0  # learning curve beside the model
    assert np.sqrt(np.mean((np.load(out) - y) ** 2)) < 0.25 * np.std(y)


def test_fit_ensemble_saves_the_mean_model(tmp_path, rng, capsys):
    x = rng.normal(size=(40, 2))
    y = x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2
    data = tmp_path / "d.npz"
    np.savez(data, x_train=x, y_train=y, x_validation=x[:10], y_validation=y[:10])
    model = tmp_path / "m.h5"
    assert main(["fit", str(data), "--out", str(model), "--profile", "test", "--basis-size",
                 "4", "--max-rank", "2", "--members", "2", "--workers", "1",
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "ensemble of 2 members" in text
    # errors in cm-1, the model's own unit named, every file written announced
    assert "RMSE" in text and "cm-1" in text and "energies in eV" in text
    assert f"saved {model}" in text and f"wrote {tmp_path / 'm_fit.png'}" in text
    opts = load_metadata(model)["options"]
    assert opts["members"] == 2 and opts["coordinator"] == "fixed"
    a = load_model(model)
    assert a.basis_size == 1 + 2 * 3 and np.array_equal(a.U, np.eye(2))
    assert (tmp_path / "m_fit.png").stat().st_size > 0


def test_fit_ensemble_on_an_existing_dask_cluster(tmp_path, rng, capsys):
    """``--scheduler ADDRESS`` fits the members on that cluster: the saved model is the one
    fitted in this process (``--workers 1``), and the address is recorded."""
    from distributed import LocalCluster

    x = rng.normal(size=(40, 2))
    y = x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2
    data = tmp_path / "d.npz"
    np.savez(data, x_train=x, y_train=y, x_validation=x[:10], y_validation=y[:10])
    args = ["fit", str(data), "--profile", "test", "--basis-size", "4", "--max-rank", "2",
            "--members", "2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "local.h5"), "--workers", "1"]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                      dashboard_address=":0") as cluster:
        address = cluster.scheduler_address
        assert main([*args, "--out", str(tmp_path / "dask.h5"), "--scheduler", address]) == 0
    assert "ensemble of 2 members" in capsys.readouterr().out
    assert load_metadata(tmp_path / "dask.h5")["options"]["scheduler"] == address
    np.testing.assert_allclose(load_model(tmp_path / "dask.h5").energy(x),
                               load_model(tmp_path / "local.h5").energy(x),
                               rtol=1e-10, atol=1e-12)


def test_predict_pompon_reproduces_validation_rmse(tmp_path, capsys):
    va = h2co("validation")
    np.save(tmp_path / "x.npy", va.x)
    np.save(tmp_path / "y.npy", va.y)
    out = tmp_path / "e.npy"
    rc = main(["predict", str(h2co_pompon_model_path()), str(tmp_path / "x.npy"),
               "--out", str(out), "--y", str(tmp_path / "y.npy")])
    assert rc == 0
    rmse = np.sqrt(np.mean((np.load(out) - va.y) ** 2))
    assert rmse == pytest.approx(8.365e-4, abs=1e-7)
    # errors shown in cm-1 (one unit rule; the model's eV stays in the file): 6.747 cm-1
    text = capsys.readouterr().out
    assert "RMSE 6.74" in text and "cm-1" in text and " eV," not in text
    assert "the model's unit is eV" in text and str(out) in text


def test_predict_errors(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((3, 4)))
    rc = main(["predict", str(h2co_pompon_model_path()), str(tmp_path / "x.npy"),
               "--out", str(tmp_path / "o.npy")])
    assert rc == 1 and "shape (m, 6)" in capsys.readouterr().err
    (tmp_path / "t.h5").write_bytes(b"\x89HDF\r\n")
    rc = main(["predict", str(tmp_path / "t.h5"), str(tmp_path / "x.npy"),
               "--out", str(tmp_path / "o.npy")])
    assert rc == 1 and "t.h5" in capsys.readouterr().err
