"""`vibmpo demo` end to end on a small grid: the whole workflow, with its numbers checked."""

import json

import numpy as np
import pytest

from vibmpo.cli import main


def test_demo_small_grid(tmp_path, capsys, monkeypatch):
    """The whole demo; it builds its Hamiltonian and compresses its MPO once, and calls
    the propagation directly (no second ``main``, no reading its own JSON back)."""
    import vibmpo.cli
    from vibmpo.operators import hamiltonian

    built, compressed = [], []
    build, compress = hamiltonian.grid_hamiltonian, hamiltonian._tt.truncate_mpo
    monkeypatch.setattr(hamiltonian, "grid_hamiltonian",
                        lambda *a, **k: built.append(1) or build(*a, **k))
    # the Hamiltonian's compression to an error bound (TDVP's own round-off rounding of
    # the MPO it is handed passes rel_cutoff and is not counted)
    monkeypatch.setattr(hamiltonian._tt, "truncate_mpo", lambda *a, **k: (
        "max_error" in k and compressed.append(1)) or compress(*a, **k))

    def reentered(argv=None):
        raise AssertionError(f"demo re-entered main({argv})")

    monkeypatch.setattr(vibmpo.cli, "main", reentered)
    out = tmp_path / "demo"
    status = main(["demo", "--out", str(out), "--grid", "ho:5", "--n-states", "4",
                   "--t-final", "40", "--dt", "2"])
    assert status == 0
    assert len(built) == 1 and len(compressed) == 1
    summary = json.loads((out / "demo.json").read_text())
    # the paper's model: validation MAE 3.21 cm-1, RMSE 6.75 cm-1
    assert abs(summary["potential"]["validation"]["mae_cm1"] - 3.212) < 0.01
    assert abs(summary["potential"]["validation"]["rmse_cm1"] - 6.747) < 0.01
    lev = summary["levels"]
    assert lev["energy_unit"] == "cm-1" and lev["source_energy_unit"] == "eV"
    assert lev["exact_excitations"][0] == 0.0
    assert np.all(np.diff(lev["exact_excitations"]) > 0)
    assert lev["max_abs_diff"] < 1e-3  # DMRG agrees with exact diagonalisation
    assert lev["assignments"][:2] == ["0", "v1"]
    # absolute energies from the potential minimum: the ground level is the zero-point
    # energy (5744.55 cm-1 on ho:9; the -4328.9 of the data's energy shift is gone)
    assert lev["energy_zero"] == "potential minimum (harmonic analysis)"
    assert lev["exact_energies"][0] == pytest.approx(lev["zero_point_energy"])
    assert 5000 < lev["zero_point_energy"] < 6500
    wp = summary["wavepacket"]
    assert wp["energy_zero"] == "ground level" and wp["energy_unit"] == "cm-1"
    assert all(-100 < p < 4000 for p in wp["peaks"])  # excitations, not -4300 ...
    assert set(summary["sections_seconds"]) == {"potential", "levels", "wavepacket"}
    assert (out / "wavepacket" / "spectrum.png").stat().st_size > 0
    text = capsys.readouterr().out
    assert "exact diagonalisation" in text and "zero-point energy" in text
    assert f"writing into {out.resolve()}" in text and f"wrote {out}/demo.json" in text


@pytest.mark.parametrize("argv,expected", [
    (["demo", "--help"], "1"),             # the demo: one BLAS thread by default
    (["--threads", "2", "demo", "--help"], "2"),  # unless the user says otherwise
    (["levels", "--help"], None),          # other commands: the libraries' own choice
])
def test_demo_runs_blas_single_threaded(argv, expected):
    # BLAS reads its thread count once, when NumPy loads: check it in a fresh process
    import os
    import subprocess
    import sys

    code = ("import contextlib, io, os, sys\n"
            "from vibmpo.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            f"    main({argv!r})\n"
            "assert 'numpy' in sys.modules\n"
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[-1] == str(expected)
