"""Force fields as published: Taylor derivatives and harmonic frequencies in dimensionless
coordinates. The bundled CH3CN force field (Taylor form, as published by Begue et al. via
berkelbach-group/VHCI) and the same force field in vibmpo's polynomial form
(``tests/data/ch3cn_polynomial.json``, copied from the shared validation data
external/ch3cn_12d) must give the same potential and the same MPO."""

import json
from pathlib import Path

import numpy as np
import pytest

from vibmpo.datasets import CH3CN_GRID, ch3cn_forcefield, ch3cn_forcefield_path
from vibmpo.operators.forcefield import forcefield_from_dict, load_forcefield
from vibmpo.operators.hamiltonian import grid_hamiltonian

DATA = Path(__file__).resolve().parents[1] / "data"


def test_taylor_divides_by_factorials():
    ff = forcefield_from_dict({"n_modes": 2, "convention": "taylor", "kinetic": 0.5,
                               "terms": [[6.0, {"0": 3}], [4.0, {"0": 2, "1": 2}],
                                         [2.0, {"0": 1, "1": 1}], [1.5, {}]]})
    q = np.array([[0.3, -1.2], [1.1, 0.4]])
    x, y = q[:, 0], q[:, 1]
    ref = 6.0 / 6 * x**3 + 4.0 / 4 * x**2 * y**2 + 2.0 * x * y + 1.5
    assert np.allclose(ff.potential(q), ref, rtol=1e-14)


def test_frequencies_imply_kinetic_and_harmonic_terms():
    ff = forcefield_from_dict({"n_modes": 2, "coordinates": "dimensionless",
                               "frequencies": [1000.0, 300.0], "terms": [[5.0, {"1": 3}]],
                               "energy_unit": "cm-1"})
    assert ff.kinetic.tolist() == [500.0, 150.0]
    q = np.array([[0.5, 2.0]])
    assert np.allclose(ff.potential(q), 500.0 * 0.25 + 150.0 * 4.0 + 5.0 * 8.0)


@pytest.mark.parametrize("bad, message", [
    ({"convention": "derivatives"}, "unknown convention"),
    ({"frequencies": [1.0]}, "coordinates"),
    ({"frequencies": [1.0], "coordinates": "mass-weighted"}, "dimensionless"),
    ({"frequencies": [1.0], "coordinates": "dimensionless", "kinetic": 0.5}, "not both"),
    ({"frequencies": [1.0, 2.0], "coordinates": "dimensionless"}, "list of 1"),
    ({"frequencies": [-1.0], "coordinates": "dimensionless"}, "positive"),
    ({"coordinates": "dimensionless"}, "only used with 'frequencies'"),
])
def test_bad_conventions_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        forcefield_from_dict({"n_modes": 1, "terms": [[0.5, {"0": 2}]], **bad})


def test_ch3cn_taylor_and_polynomial_forms_agree(rng):
    taylor = ch3cn_forcefield()
    poly = load_forcefield(DATA / "ch3cn_polynomial.json")
    assert np.array_equal(taylor.kinetic, poly.kinetic)
    q = rng.normal(scale=0.7, size=(50, 12))
    assert np.allclose(taylor.potential(q), poly.potential(q), rtol=1e-13, atol=1e-10)
    # wrong convention (no factorials) would move the potential by far more
    raw = json.loads(ch3cn_forcefield_path().read_text())
    raw["convention"] = "polynomial"
    wrong = forcefield_from_dict(raw)
    assert np.max(np.abs(wrong.potential(q) - poly.potential(q))) > 1.0
    a = grid_hamiltonian(taylor, CH3CN_GRID).mpo_arrays(1e-10)
    b = grid_hamiltonian(poly, CH3CN_GRID).mpo_arrays(1e-10)
    assert [w.shape for w in a] == [w.shape for w in b]
    # the same MPO, array by array
    for wa, wb in zip(a, b, strict=True):
        assert np.allclose(wa, wb, rtol=1e-9, atol=1e-9 * np.abs(wb).max())


def test_one_mode_force_field_with_repeated_monomials():
    # regression: with one mode, terms sharing a power used to overwrite each other
    split = forcefield_from_dict({"n_modes": 1, "terms": [[0.3, {"0": 2}], [0.2, {"0": 2}]]})
    whole = forcefield_from_dict({"n_modes": 1, "terms": [[0.5, {"0": 2}]]})
    a = np.linalg.eigvalsh(grid_hamiltonian(split, "ho:12:1:0").dense())
    b = np.linalg.eigvalsh(grid_hamiltonian(whole, "ho:12:1:0").dense())
    assert np.allclose(a, b, atol=1e-12) and np.isclose(b[0], 0.5)
