"""``vibmpo levels``: tables, JSON output and clear errors."""

import json

import numpy as np
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
    assert "excitation / hbar*omega" in text and "MPO bond dimensions" in text
    data = json.loads(out.read_text())
    assert data["energy_unit"] == "hbar*omega" and data["method"] == "exact"
    # Henon-Heiles has its minimum V = 0 at the origin: energies above it are absolute
    assert data["energy_zero"] == "potential minimum (harmonic analysis)"
    assert data["zero_value"] == 0.0 and data["hamiltonian_energy_unit"] == "hbar*omega"
    assert data["energies"][0] == pytest.approx(0.998595, abs=5e-7)
    assert data["excitations"][0] == 0.0
    assert data["energies"] == sorted(data["energies"])
    assert "energies_cm1" not in data  # hbar*omega values are never labelled cm-1
    assert len(data["energies"]) == 3 and data["grid"] == "ho:24:1:0,ho:24:1:0"
    assert all(isinstance(b, int) for b in data["mpo_bond_dims"]) and data["seconds"] > 0


def test_model_levels_in_cm1(tmp_path, capsys):
    out = tmp_path / "h2co.json"
    rc = main(["levels", str(h2co_pompon_model_path()), "--grid", "ho:3", "--n-states", "4",
               "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["energy_unit"] == "cm-1" and data["source_energy_unit"] == "eV"
    assert len(data["mpo_bond_dims"]) == 5
    assert 1000 < data["excitations"][1] < 1300
    # energies are measured from the potential minimum, not the data's energy shift: the
    # ground level is the zero-point energy, about half the sum of the harmonic
    # frequencies (5744.55 cm-1 on ho:9 for this model)
    assert data["energy_zero"] == "potential minimum (harmonic analysis)"
    assert data["hamiltonian_energy_unit"] == "hartree" and data["zero_value"] < 0
    assert 5000 < data["energies"][0] < 6500
    text = capsys.readouterr().out
    assert "excitation / cm-1" in text and "above the potential minimum" in text
    assert "Hartree" not in text and "fitted to energies in eV" in text


@pytest.mark.parametrize("args,match", [
    (["--grid", "cheb:9"], "unknown grid kind 'cheb'"),
    (["--grid", "ho:40", "--allow-extrapolation"], "needs about"),
    (["--n-states", "0"], "--n-states must be positive"),
])
def test_bad_cli_input_is_rejected(hh_file, args, match, capsys):
    src = str(h2co_pompon_model_path()) if "ho:40" in args else str(hh_file)
    assert main(["levels", src, *args]) == 1
    assert match in capsys.readouterr().err


@pytest.mark.parametrize("option, value, message", [
    ("--tol", "0", "expected 0 < tol < 1 (a relative tolerance), got '0'"),
    ("--tol", "nan", "expected 0 < tol < 1"),
    ("--mpo-max-error", "1", "expected 0 <= max_error < 1 (the largest change of any matrix "
                             "element"),
    ("--mpo-max-error", "-0.001", "expected 0 <= max_error < 1"),
    ("--mpo-tol", "1", "expected 0 <= max_error < 1"),  # the deprecated alias, same check
])
def test_tolerances_out_of_range_are_refused(hh_file, option, value, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["levels", str(hh_file), option, value])
    assert stop.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err


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
    assert out["dmrg"]["energies"] == pytest.approx(out["exact"]["energies"], abs=1e-7)
    # 2-D Henon-Heiles: ground, two fundamentals, then the two-quantum states
    labels = out["dmrg"]["assignments"]
    assert labels[0] == "0" and sorted(labels[1:3]) == ["v1", "v2"]
    assert len(out["dmrg"]["mean_quanta"]) == 5
    assert "assignment" in capsys.readouterr().out
    assert (tmp_path / "dmrg.png").stat().st_size > 0  # the level diagram beside the JSON


def test_itensors_export_from_the_command_line(hh_file, tmp_path, capsys, monkeypatch):
    """DMRG, the ITensors file, the bond dimensions and the error bound all use one MPO:
    the compression runs once per command."""
    from vibmpo.operators import hamiltonian
    from vibmpo.solvers.itensors_io import read_itensors_mpo, read_itensors_mps
    from vibmpo.solvers.mps import mpo_arrays, mps_arrays, mps_expectation

    # the Hamiltonian's compression to an error bound (linalg.tt.truncate_mpo with
    # max_error; solvers' round-off rounding passes rel_cutoff and is not counted)
    compressed, compress = [], hamiltonian._tt.truncate_mpo
    monkeypatch.setattr(hamiltonian._tt, "truncate_mpo", lambda *a, **k: (
        "max_error" in k and compressed.append(1)) or compress(*a, **k))
    path = tmp_path / "hh_itensors.h5"
    assert main(["levels", str(hh_file), "--grid", "ho:8", "--n-states", "2", "--method",
                 "dmrg", "--json", str(tmp_path / "l.json"), "--itensors", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().err
    assert len(compressed) == 1
    data = json.loads((tmp_path / "l.json").read_text())
    H = mpo_arrays(read_itensors_mpo(path))
    for k in range(2):  # the exported states have the printed energies under the exported H
        psi = mps_arrays(read_itensors_mps(path, f"psi{k + 1}"))
        e = mps_expectation(psi, H) / mps_expectation(psi, [np.eye(8)[None, None]] * 2)
        assert e == pytest.approx(data["energies"][k], abs=1e-9)


def test_threads_option_after_the_command(hh_file, capsys, monkeypatch):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "XLA_FLAGS"):
        monkeypatch.delenv(var, raising=False)  # restored after the test
    # accepted before and after the command
    assert main(["levels", str(hh_file), "--grid", "ho:6", "--n-states", "2",
                 "--threads", "1"]) == 0
    assert main(["--threads", "1", "levels", str(hh_file), "--grid", "ho:6",
                 "--n-states", "2"]) == 0
    assert "excitation" in capsys.readouterr().out


def test_levels_help_shows_the_force_field_format(capsys):
    with pytest.raises(SystemExit):
        main(["levels", "--help"])
    text = capsys.readouterr().out
    assert '"terms"' in text and '"energy_unit"' in text and "to_json_dict" in text


def test_h2co_assignments_are_unique_and_show_the_fermi_resonance(tmp_path):
    # H2CO's v2+v3 and v6 mix about 50/50 (2679 and 2790 cm-1): both states used to be
    # labelled "v2+v3"; one-to-one matching gives each its own configuration, shown mixed
    out = tmp_path / "dmrg.json"
    assert main(["levels", str(h2co_pompon_model_path()), "--grid", "ho:6", "--n-states",
                 "12", "--method", "dmrg", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    labels = data["assignments"]
    heads = [lab.split(" ")[0] for lab in labels]
    assert len(set(heads)) == len(heads), labels
    assert heads[:9] == ["0", "v1", "v2", "v3", "v4", "2v1", "v1+v2", "2v2", "v1+v3"]
    assert sorted(heads[9:12]) == ["v2+v3", "v5", "v6"]
    assert data["excitations"][9] == pytest.approx(2678.9, abs=1.0)
    for k in (9, 11):  # both members of the resonance are flagged as mixed
        assert "/" in labels[k] and {"v2+v3", "v6"} <= set(labels[k].replace("/", " ").split())
