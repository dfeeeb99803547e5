"""``vibmpo levels`` for many levels: schedules, energy windows, block DMRG, automatic
grids, multiplets in the table and JSON, and the bundled CH3CN force field."""

import json

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.cli._levels_options import parse_window, per_sweep_schedule
from vibmpo.operators.forcefield import coupled_oscillator_levels, coupled_oscillators

HH = "henon-heiles:2:0.11180339887498948"


def test_help_documents_new_options(capsys):
    with pytest.raises(SystemExit):
        main(["levels", "--help"])
    text = capsys.readouterr().out
    for opt in ("--maxdim", "--nsweeps", "--window", "EMIN:EMAX", "--degeneracy",
                "auto:TOL", "'ch3cn'", "block"):
        assert opt in text


def test_schedules_and_window_parsing():
    assert per_sweep_schedule("8,16,32", "1,1,28") == ([8, 16, 32], 30)
    assert per_sweep_schedule("16,32", "3") == ([16, 16, 16, 32], 6)
    assert parse_window("100:2000") == (100.0, 2000.0)
    for bad in ("2000", "5:1", "a:b", "-1:3"):
        with pytest.raises(ValueError, match="--window"):
            parse_window(bad)
    with pytest.raises(ValueError, match="--maxdim"):
        per_sweep_schedule("8,x", "1")


@pytest.mark.parametrize("args, match", [
    (["--maxdim", "0"], "--maxdim values must be positive"),
    (["--nsweeps", "two"], "--nsweeps must be a comma list"),
    (["--window", "3:1"], "--window needs"),
    (["--grid", "auto:x"], "auto:TOL needs a number"),
])
def test_bad_options_rejected(args, match, capsys):
    # a later --grid replaces the first one
    assert main(["levels", HH, "--grid", "ho:8", "--method", "dmrg", *args]) == 1
    assert match in capsys.readouterr().err


def test_window_exact_with_multiplets(tmp_path, capsys):
    out = tmp_path / "hh.json"
    assert main(["levels", HH, "--grid", "ho:30", "--window", "0:3.1", "--n-states", "3",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    exc = np.array(data["excitations"])
    assert len(exc) == 10 and exc.max() <= 3.1  # grew from 3 until the window closed
    m = data["multiplets"]
    assert m["size"] == [1, 2, 2, 1, 2, 2, 2, 2, 1, 1]
    assert max(m["spread"]) < 1e-8 and m["group"][1] == m["group"][2]
    assert "multiplet" in text and "x2 spread" in text


def test_block_method_window_matches_exact_levels(tmp_path):
    # three identical coupled oscillators: multiplets of 1, 2, 3, ... levels
    ff = coupled_oscillators([1.0, 1.0, 1.0], 0.1, energy_unit="hbar*omega")
    src = tmp_path / "osc.json"
    src.write_text(json.dumps(ff.to_json_dict()))
    exact = coupled_oscillator_levels([1.0, 1.0, 1.0], 0.1, 30)
    emax = exact[9] - exact[0] + 0.01
    out = tmp_path / "levels.json"
    assert main(["levels", str(src), "--grid", "ho:10", "--method", "block", "--window",
                 f"0:{emax}", "--maxdim", "24", "--nsweeps", "20", "--block-size", "4",
                 "--refine-maxdim", "24", "--tol", "1e-8", "--degeneracy", "1e-4",
                 "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    want = exact[exact - exact[0] <= emax]
    assert np.abs(np.array(data["energies"]) - want).max() < 1e-6
    assert data["solver"] == "dmrg/block" and data["residual_max"] < 1e-4
    assert data["block_degeneracy"] == pytest.approx(1e-4)  # --degeneracy reaches the blocks
    from vibmpo.solvers.multiplets import group_multiplets

    assert data["multiplets"]["size"] == group_multiplets(want, 1e-4).size.tolist()
    assert 3 in data["multiplets"]["size"]  # two quanta in the degenerate pair


def test_auto_grid(capsys):
    assert main(["levels", HH, "--grid", "auto:1e-6", "--n-states", "4"]) == 0
    text = capsys.readouterr().out
    assert "auto grid" in text and "points per mode" in text


def test_bundled_ch3cn_source(capsys):
    from vibmpo.cli._sources import load_source

    ff = load_source("ch3cn")
    assert ff.n_modes == 12 and ff.energy_unit == "cm-1"
