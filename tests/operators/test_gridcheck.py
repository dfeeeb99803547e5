"""Wrong levels are never printed as right (issue #14, part 2): grids reaching into the
holes of a fitted potential, or over a potential unbounded below, are refused; model
files carry the region of their training data; the MPO compression is bounded and
reports its error."""

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.datasets import h2co, h2co_pompon_model_path
from vibmpo.operators.forcefield import forcefield_from_dict, henon_heiles
from vibmpo.operators.gridcheck import GridCheckError, grid_extremes
from vibmpo.operators.hamiltonian import grid_hamiltonian, harmonic_analysis
from vibmpo.potential.io import load_model, save_model
from vibmpo.potential.region import data_region


@pytest.fixture(scope="module")
def pompon():
    return load_model(h2co_pompon_model_path())


def test_bundled_model_carries_the_region_of_its_training_data(pompon):
    q = h2co("train").x @ pompon.U
    region = pompon.data_region
    np.testing.assert_allclose(region.q_min, q.min(0))
    np.testing.assert_allclose(region.q_max, q.max(0))
    assert region.n_points == 625 and "bundled" in region.source


def test_region_round_trips_and_old_files_still_load(pompon, tmp_path, random_nnmpo):
    a = random_nnmpo(seed=1)
    x = np.random.default_rng(0).normal(size=(30, 3))
    with_region = type(a)(**{**a.__dict__, "data_region": data_region(x, a.U, source="s")})
    p = save_model(tmp_path / "m.h5", with_region)
    r = load_model(p).data_region
    np.testing.assert_allclose(r.x_max, x.max(0))
    np.testing.assert_allclose(r.q_min, (x @ a.U).min(0))
    assert r.source == "s" and r.n_points == 30
    old = save_model(tmp_path / "old.h5", a)  # a file without a region (older format)
    assert load_model(old).data_region is None
    from vibmpo.operators.gridcheck import NoDataRegionWarning, check_grid

    loaded = load_model(old)
    ham = grid_hamiltonian(loaded, "sine:5:-2:2", allow_extrapolation=True)
    with pytest.warns(NoDataRegionWarning, match="minimum only"):
        check_grid(ham, loaded, minimum=(None, grid_extremes(ham)[0]))


def test_h2co_ho12_stops_at_the_hole_and_ho9_passes(pompon):
    """The paper's model on ho:12 falls 9200 cm-1 below its minimum at the grid's
    corners (modes beyond the training data); ho:9 stays inside."""
    with pytest.raises(GridCheckError) as err:
        grid_hamiltonian(pompon, "ho:12")
    msg = str(err.value)
    assert "below its minimum" in msg and "mode 4: grid extent [-34.02, 34.07]" in msg
    assert "training data [-23.28, 32.54]" in msg and "--allow-extrapolation" in msg
    ham = grid_hamiltonian(pompon, "ho:9")
    vmin, _, _, exact = grid_extremes(ham)
    assert exact and vmin >= harmonic_analysis(pompon)[2] - 1e-12
    grid_hamiltonian(pompon, "ho:12", allow_extrapolation=True)  # knowingly


def test_grid_far_beyond_the_data_is_refused(pompon):
    with pytest.raises(GridCheckError, match="beyond the training data"):
        grid_hamiltonian(pompon, "sine:9:-150:150,ho:5,ho:5,ho:5,ho:5,ho:5")


def test_levels_cli_refuses_ho12(capsys):
    assert main(["levels", "h2co", "--grid", "ho:12", "--n-states", "3"]) == 1
    err = capsys.readouterr().err
    assert "hole of the fitted potential" in err and "Traceback" not in err


def _ff(*terms, n_modes=1):
    return forcefield_from_dict({"n_modes": n_modes, "terms": [list(t) for t in terms]})


@pytest.mark.parametrize("ff, grid", [
    (_ff((0.5, {"0": 2}), (-0.2, {"0": 3})), "ho:16"),
    (_ff((0.5, {"0": 2}), (-0.2, {"0": 3})), "sine:40:-20:20"),
    (_ff((0.5, {"0": 2}), (-0.01, {"0": 4})), "sine:40:-20:20"),
    (_ff((-0.5, {"0": 2}), (0.5, {"1": 2}), n_modes=2), "sine:30:-10:10"),
])
def test_potentials_unbounded_below_are_refused(ff, grid):
    with pytest.raises(GridCheckError, match="minimum"):
        grid_hamiltonian(ff, grid)


def test_bounded_potentials_pass():
    double_well = _ff((-1.0, {"0": 2}), (0.25, {"0": 4}), (0.5, {"1": 2}), n_modes=2)
    ham = grid_hamiltonian(double_well, "sine:30:-4:4")  # no minimum at 0, lowest inside
    assert ham.dims == (30, 30)
    grid_hamiltonian(henon_heiles(2), "ho:24")  # cubic, but bounded on this grid
    grid_hamiltonian(_ff((0.5, {"0": 2}), (-0.01, {"0": 4})), "ho:8")


def test_large_grids_are_checked_on_their_cuts(monkeypatch):
    import vibmpo.operators.gridcheck as gc

    ff = _ff((0.5, {"0": 2}), (0.5, {"1": 2}), (0.5, {"2": 2}), (-0.2, {"1": 3}), n_modes=3)
    monkeypatch.setattr(gc, "EXACT_POINTS", 10)
    ham = grid_hamiltonian(ff, "ho:4")
    assert grid_extremes(ham)[3] is False
    with pytest.raises(GridCheckError, match="cuts"):
        grid_hamiltonian(ff, "ho:16")


def test_mpo_tolerance_is_validated_and_its_error_bounded(tmp_path, capsys, random_nnmpo):
    ham = grid_hamiltonian(random_nnmpo(seed=3), "sine:5:-2:2", allow_extrapolation=True)
    with pytest.raises(ValueError, match="0 <= max_error < 1"):
        ham.to_mpo(max_error=1e6)
    for max_error in (1e-10, 1e-3, 0.05):
        change = np.linalg.norm(ham.to_mpo(max_error=max_error).to_dense() - ham.dense())
        assert change <= (ham.mpo_error(max_error) * (1 + 1e-8)
                          + 1e-12 * np.linalg.norm(ham.dense()))
    assert ham.mpo_error(0.05) > 1e-3 and ham.mpo_error(None) == 0.0
    with pytest.raises(SystemExit) as exit_:
        main(["levels", "henon-heiles:3", "--grid", "ho:5", "--mpo-max-error", "1e6"])
    assert exit_.value.code == 2
    assert "0 <= max_error < 1" in capsys.readouterr().err
    out = tmp_path / "l.json"
    assert main(["levels", "henon-heiles:3", "--grid", "ho:5", "--json", str(out)]) == 0
    assert "compression error <=" in capsys.readouterr().out
    import json

    assert json.loads(out.read_text())["mpo_error"] < 1e-10
