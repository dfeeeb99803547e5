"""Bad data or options never yield a model silently (issue #14, part 3): checks made
before any training, and initial-state specs that would silently drop input."""

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.cli.initial_spec import parse_initial_spec
from vibmpo.potential.checks import FewDataWarning, check_fit_data, count_parameters


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(60, 2))
    return x, x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2


@pytest.mark.parametrize("option, value, match", [
    ("ridge", -1.0, "ridge must be finite and >= 0"),
    ("ridge", float("nan"), "ridge must be finite and >= 0"),
    ("n_sweeps", 0, "n_sweeps"),
    ("n_sweeps", -1, "n_sweeps"),
    ("time_budget", 0.0, "time_budget"),
    ("time_budget", -5.0, "time_budget"),
    ("time_budget", float("nan"), "time_budget"),
    ("grad_steps", -1, "grad_steps"),
])
def test_fit_options_are_checked_before_training(xy, option, value, match):
    from vibmpo.potential.train import fit

    with pytest.raises(ValueError, match=match):
        fit(*xy, profile="test", **{option: value})


def test_cli_bad_options_write_no_model(xy, tmp_path, capsys):
    data = tmp_path / "d.npz"
    np.savez(data, x_train=xy[0], y_train=xy[1])
    for opt in (["--sweeps", "0"], ["--ridge", "-1"], ["--time-budget", "nan"]):
        assert main(["fit", str(data), "--out", str(tmp_path / "m.h5"), "--profile", "test",
                     *opt]) == 1
        assert "Traceback" not in capsys.readouterr().err
    assert not list(tmp_path.glob("m*"))


def test_gross_outliers_are_named_and_can_be_kept(xy):
    x, y = xy[0].copy(), xy[1].copy()
    y[7] = 1e30
    with pytest.raises(ValueError, match=r"energies of row\(s\) 7 .*--keep-outliers"):
        check_fit_data(x, y)
    check_fit_data(x, y, outliers="keep")
    y[7] = xy[1][7]
    x[3, 1] = 1e30
    with pytest.raises(ValueError, match=r"coordinates of row\(s\) 3 "):
        check_fit_data(x, y)
    check_fit_data(*xy)  # ordinary data pass


def test_bundled_h2co_data_have_no_outliers():
    from vibmpo.datasets import h2co

    for split in ("train", "validation"):
        d = h2co(split)
        check_fit_data(d.x, d.y, d.f)


def test_constant_energies_and_identical_points_are_refused(xy):
    x, y = xy
    with pytest.raises(ValueError, match="energies are equal"):
        check_fit_data(x, np.full_like(y, 3.0))
    with pytest.raises(ValueError, match="same coordinates"):
        check_fit_data(np.ones_like(x), y)


def test_fewer_rows_than_parameters_warns(xy):
    x, y = xy
    opts = {"basis_size": 13, "max_rank": (4, 8)}
    k = count_parameters(2, 2, 13, 4)
    assert k == 13 * 4 + 4 * 13 + 3 * 12 * 2 + 1
    with pytest.warns(FewDataWarning, match=f"8 rows .* {k} free parameters"):
        check_fit_data(x[:8], y[:8], opts=opts)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", FewDataWarning)
        check_fit_data(x, y, np.zeros_like(x), opts=opts)  # 60 + 120 rows > 177


@pytest.mark.parametrize("spec, match", [
    ("gauss:displace=0:1;displace=1:2", "'displace' appears twice"),
    ("gauss:displace=0:1,0:2", "mode 0 appears twice"),
    ("gauss:squeeze=1:2;squeeze=1:3", "'squeeze' appears twice"),
])
def test_initial_specs_reject_repeated_keys(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_initial_spec(spec)
    assert parse_initial_spec("gauss:displace=0:1,1:2").displace == {0: 1.0, 1: 2.0}


@pytest.mark.parametrize("times, match", [
    (["10", "3"], "--dt 2.5 .*--t-final 9 "),
    (["-5", "1"], "opposite signs"),
    (["10", "0"], "finite and non-zero"),
])
def test_time_errors_speak_the_unit_typed(times, match, tmp_path, capsys):
    rc = main(["propagate", "h2co", "--t-final", times[0], "--dt", times[1], "--quiet",
               "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert rc == 1
    import re

    assert re.search(match, err), err
    assert "413" not in err  # 10 fs in atomic units: never shown


def test_time_budget_expects_a_longer_iteration_when_the_rank_grows():
    """The budget check scales the last iteration's time by (r_next / r_last)^4: with
    ranks growing 10 -> 20 an iteration of 10 s is expected to take 160 s."""
    import time

    from vibmpo.potential.config import FitConfig
    from vibmpo.potential.train import _Fit

    run = object.__new__(_Fit)
    run.config = FitConfig(max_rank=(10, 20), time_budget=100.0)
    run.last_dt = 10.0
    now = time.perf_counter()
    assert not run.out_of_time(0, now)   # the first iteration always runs
    assert run.out_of_time(1, now)       # 1.2 * 16 * 10 s > 100 s
    assert not run.out_of_time(2, now)   # rank 20 again: 12 s fits
    run.config = FitConfig(max_rank=20, time_budget=100.0)
    assert not run.out_of_time(1, now)
