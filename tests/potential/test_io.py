"""HDF5 io: Pompon compatibility, round trips, and corrupt files rejected clearly."""

import subprocess
import sys

import h5py
import numpy as np
import pytest

from vibmpo.datasets import h2co, h2co_pompon_model_path
from vibmpo.potential.io import detect_format, load_metadata, load_model, save_model


def test_pompon_file_reproduces_validation_rmse():
    a = load_model(h2co_pompon_model_path())
    va = h2co("validation")
    rmse = np.sqrt(np.mean((a.energy(va.x) - va.y) ** 2))
    assert detect_format(h2co_pompon_model_path()) == "pompon"
    assert a.ranks == (5, 14, 14, 14, 6) and a.basis_size == 21
    assert rmse == pytest.approx(8.365e-4, abs=1e-7)


def test_round_trip_identical_predictions(tmp_path, rng, random_arrays):
    a = random_arrays(rng)
    p = save_model(tmp_path / "m.h5", a, metadata={"note": "x", "rmse": np.float64(0.5)})
    b = load_model(p)
    x = rng.normal(size=(20, 3))
    np.testing.assert_array_equal(a.energy(x), b.energy(x))
    assert b.energy_unit == a.energy_unit and b.activations == a.activations
    meta = load_metadata(p)
    assert meta == {"note": "x", "rmse": 0.5}
    with h5py.File(p) as h:
        assert h.attrs["format"] == "vibmpo.nnmpo" and h.attrs["version"] == 1


def test_truncated_file_rejected(tmp_path, rng, random_arrays):
    p = save_model(tmp_path / "m.h5", random_arrays(rng))
    data = p.read_bytes()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="bad.h5"):
        load_model(bad)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        load_model(junk)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "missing.h5")


def test_missing_dataset_and_bad_u_rejected(tmp_path, rng, random_arrays):
    p = save_model(tmp_path / "m.h5", random_arrays(rng))
    with h5py.File(p, "a") as h:
        del h["cores/core_1"]
    with pytest.raises(ValueError, match="core_1"):
        load_model(p)
    p2 = save_model(tmp_path / "m2.h5", random_arrays(rng))
    with h5py.File(p2, "a") as h:
        h["U"][0, 0] = 5.0
    with pytest.raises(ValueError, match="not orthogonal"):
        load_model(p2)
    p3 = tmp_path / "other.h5"
    with h5py.File(p3, "w") as h:
        h["x"] = 1
    with pytest.raises(ValueError, match="neither a vibmpo"):
        load_model(p3)


def test_failed_save_keeps_previous_file(tmp_path, rng, random_arrays):
    a = random_arrays(rng)
    p = save_model(tmp_path / "m.h5", a)
    with pytest.raises(ValueError, match="JSON"):
        save_model(p, random_arrays(rng), metadata={"bad": object()})
    np.testing.assert_array_equal(load_model(p).cores[0], a.cores[0])


def test_io_does_not_import_jax():
    code = ("import sys, vibmpo.potential, vibmpo.potential.io as io;"
            "from vibmpo.datasets import h2co_pompon_model_path;"
            "io.load_model(h2co_pompon_model_path());"
            "assert 'jax' not in sys.modules, 'jax imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
