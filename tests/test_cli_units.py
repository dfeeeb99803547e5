"""The command line takes the energy unit from the Hamiltonian: physical units (NN-MPO
models, force fields in eV, cm-1, ...) are shown in cm^-1 with times in fs; other labels
are kept, with times in their inverse."""

import json

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.operators.forcefield import coupled_oscillators
from vibmpo.units import EV_TO_CM1, FS_TO_AU, HARTREE_TO_CM1


@pytest.mark.parametrize("unit, factor", [("eV", 1.0), ("cm-1", EV_TO_CM1)])
def test_force_field_in_a_physical_unit_propagates_in_fs_and_shows_cm1(unit, factor,
                                                                       tmp_path):
    """Oscillators of 0.10 and 0.13 eV (in eV, or the same numbers in cm-1): the
    wavepacket displaced along mode 0 shows the fundamental at 806.55 cm-1 above the
    ground level; the run's time axis is in fs (a period of 41.4 fs)."""
    ff = coupled_oscillators([0.10 * factor, 0.13 * factor], 0.0, energy_unit=unit)
    path = tmp_path / "ff.json"
    path.write_text(json.dumps(ff.to_json_dict()))
    out = tmp_path / "run"
    assert main(["propagate", str(path), "--grid", "ho:8", "--t-final", "400", "--dt", "2",
                 "--maxdim", "6", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "result.json").read_text())
    assert summary["energy_unit"] == "cm-1" and summary["time_unit"] == "fs"
    assert summary["hamiltonian_energy_unit"] == unit
    peaks = np.array(summary["spectrum"]["peaks"])
    fundamental = 0.10 * EV_TO_CM1
    assert np.min(np.abs(peaks - fundamental)) < summary["spectrum"]["resolution"] / 4
    # 2 fs steps: the time column is in fs, not in hbar / eV
    t = np.loadtxt(out / "observables.csv", delimiter=",", skiprows=1, usecols=0)
    assert t[1] == pytest.approx(2.0)


def test_time_scale_follows_the_energy_unit():
    """hbar / E_h is 0.0242 fs; hbar / eV is 27.2 times longer; labels have no scale."""
    from vibmpo.cli.propagate import _scales

    assert _scales("hartree", "fs") == pytest.approx((FS_TO_AU, "fs", "cm-1",
                                                     HARTREE_TO_CM1))
    t_scale, _, _, e_scale = _scales("eV", "fs")
    assert t_scale == pytest.approx(FS_TO_AU * EV_TO_CM1 / HARTREE_TO_CM1)  # 1 fs = 1.52
    assert e_scale == pytest.approx(EV_TO_CM1)
    assert _scales("hbar*omega", "fs") == (1.0, "1/(hbar*omega)", "hbar*omega", 1.0)
