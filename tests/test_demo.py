"""`vibmpo demo` end to end on a small grid: the whole workflow, with its numbers checked."""

import json

import numpy as np

from vibmpo.cli import main


def test_demo_small_grid(tmp_path, capsys):
    out = tmp_path / "demo"
    status = main(["demo", "--out", str(out), "--grid", "ho:5", "--n-states", "4",
                   "--t-final", "40", "--dt", "2"])
    assert status == 0
    summary = json.loads((out / "demo.json").read_text())
    # the paper's model: validation MAE 3.21 cm-1, RMSE 6.75 cm-1
    assert abs(summary["potential"]["validation"]["mae_cm1"] - 3.212) < 0.01
    assert abs(summary["potential"]["validation"]["rmse_cm1"] - 6.747) < 0.01
    lev = summary["levels"]
    assert lev["exact_excitations_cm1"][0] == 0.0
    assert np.all(np.diff(lev["exact_excitations_cm1"]) > 0)
    assert lev["max_abs_diff_cm1"] < 1e-3  # DMRG agrees with exact diagonalisation
    assert lev["assignments"][:2] == ["0", "v1"]
    assert (out / "wavepacket" / "spectrum.png").stat().st_size > 0
    assert "exact diagonalisation" in capsys.readouterr().out
