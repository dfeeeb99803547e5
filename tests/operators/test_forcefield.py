"""Force fields: potentials equal their formulas; the JSON format round-trips; bad files
are rejected with messages naming the problem."""

import json

import numpy as np
import pytest

from vibmpo.operators.forcefield import (
    ForceField,
    coupled_oscillators,
    forcefield_from_dict,
    henon_heiles,
    load_forcefield,
)


def test_henon_heiles_potential_matches_formula(rng):
    lam = 0.111803
    ff = henon_heiles(4, lam)
    q = rng.normal(size=(7, 4))
    ref = 0.5 * (q**2).sum(1) + lam * sum(q[:, i] ** 2 * q[:, i + 1] - q[:, i + 1] ** 3 / 3
                                          for i in range(3))
    assert np.allclose(ff.potential(q), ref, rtol=1e-14)
    assert np.allclose(ff.kinetic, 0.5)
    assert ff.energy_unit == "hbar*omega"


def test_coupled_oscillators_potential(rng):
    om = np.array([1000.0, 1500.0, 2100.0])
    ff = coupled_oscillators(om, 30.0)
    q = rng.normal(size=(5, 3))
    ref = 0.5 * (om * q**2).sum(1) + 30.0 * (q[:, 0] * q[:, 1] + q[:, 0] * q[:, 2]
                                            + q[:, 1] * q[:, 2])
    assert np.allclose(ff.potential(q), ref)
    assert np.allclose(ff.kinetic, om / 2)
    assert ff.energy_unit == "cm-1"


def test_json_round_trip(tmp_path, rng):
    ff = henon_heiles(3, 0.2)
    p = tmp_path / "hh.json"
    p.write_text(json.dumps(ff.to_json_dict()))
    back = load_forcefield(p)
    q = rng.normal(size=(4, 3))
    assert np.allclose(back.potential(q), ff.potential(q))
    assert np.allclose(back.kinetic, ff.kinetic)
    assert back.energy_unit == ff.energy_unit


def test_json_short_form_named_modes_and_kinetic():
    ff = forcefield_from_dict({"modes": ["x", "y"], "kinetic": [0.5, 2.0],
                               "energy_unit": "cm-1",
                               "terms": [[1.0, {"x": 2}], {"coefficient": 3.0,
                                                           "powers": {"y": 1, "x": 1}},
                                         [0.5, {}]]})
    assert ff.mode_names == ("x", "y")
    assert ff.terms == ((1.0, {0: 2}), (3.0, {0: 1, 1: 1}), (0.5, {}))
    assert ff.kinetic.tolist() == [0.5, 2.0]
    assert ff.potential([[1.0, 2.0]]).tolist() == [1.0 + 6.0 + 0.5]


@pytest.mark.parametrize("data,match", [
    ({"modes": ["x"], "terms": [[1.0, {"z": 2}]]}, "unknown mode 'z'"),
    ({"n_modes": 2, "terms": [[1.0, {"2": 2}]]}, "unknown mode '2'"),
    ({"n_modes": 1, "terms": [[1.0, {"0": 2}, 3]]}, "malformed"),
    ({"n_modes": 1, "terms": ["abc"]}, "malformed"),
    ({"n_modes": 1, "terms": [{"coef": 1.0}]}, "term 0 must be"),
    ({"n_modes": 1, "terms": [["one", {"0": 2}]]}, "coefficient must be a number"),
    ({"n_modes": 1, "terms": [[float("nan"), {"0": 2}]]}, "finite"),
    ({"n_modes": 1, "terms": [[1.0, {"0": -1}]]}, "non-negative integer"),
    ({"n_modes": 1, "terms": [[1.0, {"0": 1.5}]]}, "non-negative integer"),
    ({"n_modes": 1, "terms": [[1.0, [2]]]}, "powers must be an object"),
    ({"n_modes": 1}, "needs a list 'terms'"),
    ({"terms": []}, "give 'modes'"),
    ({"n_modes": 1, "terms": [], "kinetc": 1}, "unknown key"),
    ({"n_modes": 2, "terms": [], "kinetic": [1.0]}, "'kinetic' must be"),
    ({"n_modes": 1, "terms": [], "kinetic": [-1.0]}, "positive"),
])
def test_bad_force_fields_are_rejected(data, match):
    with pytest.raises(ValueError, match=match):
        forcefield_from_dict(data)


def test_bad_files_are_rejected(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_forcefield(p)
    p.write_text(json.dumps({"modes": ["a", "b"], "terms": [[1.0, {"c": 1}]]}))
    with pytest.raises(ValueError, match=r"bad.json: term 0: unknown mode 'c'"):
        load_forcefield(p)


def test_constructor_checks_modes():
    with pytest.raises(ValueError, match="unknown mode 3"):
        ForceField(terms=((1.0, {3: 2}),), kinetic=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"\(coefficient, \{mode: power\}\)"):
        ForceField(terms=(1.0,), kinetic=[0.5])
