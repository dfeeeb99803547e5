"""``vibmpo levels``: tables, JSON output and clear errors."""

import json

import pytest

from vibmpo.cli import main
from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators.forcefield import henon_heiles


@pytest.fixture
def hh_file(tmp_path):
    p = tmp_path / "hh.json"
    p.write_text(json.dumps(henon_heiles(2, 0.111803).to_json_dict()))
    return p


def test_force_field_levels_json(hh_file, tmp_path, capsys):
    out = tmp_path / "levels.json"
    rc = main(["levels", str(hh_file), "--grid", "ho:24", "--n-states", "3", "--json",
               str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "energy / hbar*omega" in text and "MPO bond dimensions" in text
    data = json.loads(out.read_text())
    assert data["energy_unit"] == "hbar*omega" and data["method"] == "exact"
    assert data["energies_cm1"][0] == pytest.approx(0.998595, abs=5e-7)
    assert data["excitations_cm1"][0] == 0.0
    assert data["energies_cm1"] == sorted(data["energies_cm1"])
    assert len(data["energies_cm1"]) == 3 and data["grid"] == "ho:24:1:0,ho:24:1:0"
    assert all(isinstance(b, int) for b in data["mpo_bond_dims"]) and data["seconds"] > 0


def test_model_levels_in_cm1(tmp_path, capsys):
    out = tmp_path / "h2co.json"
    rc = main(["levels", str(h2co_pompon_model_path()), "--grid", "ho:3", "--n-states", "4",
               "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["energy_unit"] == "cm-1"
    assert len(data["mpo_bond_dims"]) == 5
    assert 1000 < data["excitations_cm1"][1] < 1300
    assert "energy / cm-1" in capsys.readouterr().out


@pytest.mark.parametrize("args,match", [
    (["--grid", "cheb:9"], "unknown grid kind 'cheb'"),
    (["--grid", "ho:40", "--allow-extrapolation"], "needs about"),
    (["--n-states", "0"], "--n-states must be positive"),
])
def test_bad_cli_input_is_rejected(hh_file, args, match, capsys):
    src = str(h2co_pompon_model_path()) if "ho:40" in args else str(hh_file)
    assert main(["levels", src, *args]) == 1
    assert match in capsys.readouterr().err


def test_bad_force_field_file(tmp_path, capsys):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"modes": ["x"], "terms": [[0.5, {"y": 2}]]}))
    assert main(["levels", str(p)]) == 1
    assert "unknown mode 'y'" in capsys.readouterr().err
    p.write_text(json.dumps({"modes": ["x"], "terms": [[0.5, {"x": 2}, 1]]}))
    assert main(["levels", str(p)]) == 1
    assert "malformed" in capsys.readouterr().err
    assert main(["levels", str(tmp_path / "missing.h5")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_dmrg_levels_match_exact_and_carry_assignments(hh_file, tmp_path, capsys):
    out = {}
    for method in ("exact", "dmrg"):
        path = tmp_path / f"{method}.json"
        assert main(["levels", str(hh_file), "--grid", "ho:10", "--n-states", "5",
                     "--method", method, "--json", str(path)]) == 0
        out[method] = json.loads(path.read_text())
    assert out["dmrg"]["energies_cm1"] == pytest.approx(out["exact"]["energies_cm1"], abs=1e-7)
    # 2-D Henon-Heiles: ground, two fundamentals, then the two-quantum states
    labels = out["dmrg"]["assignments"]
    assert labels[0] == "0" and sorted(labels[1:3]) == ["v1", "v2"]
    assert len(out["dmrg"]["mean_quanta"]) == 5
    assert "assignment" in capsys.readouterr().out
    assert (tmp_path / "dmrg.png").stat().st_size > 0  # the level diagram beside the JSON
