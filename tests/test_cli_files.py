"""Files are never overwritten or lost (issue #14, part 1): an output that is an input is
refused, output locations are checked before any work, ``propagate --out`` is replaced
as a whole, killed saves leave no stray temporaries, and Ctrl-C ends cleanly."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from vibmpo import _checks
from vibmpo.cli import main
from vibmpo.datasets import h2co, h2co_pompon_model_path


@pytest.fixture
def model(tmp_path):
    dst = tmp_path / "m.h5"
    dst.write_bytes(h2co_pompon_model_path().read_bytes())
    return dst


@pytest.fixture
def data(tmp_path):
    d = h2co("train")
    path = tmp_path / "data.npz"
    np.savez(path, x_train=d.x, y_train=d.y, f_train=d.f)
    return path


def _refused(capsys, argv, match):
    assert main(argv) == 1
    assert match in capsys.readouterr().err


@pytest.mark.parametrize("which", ["model", "x", "x-other-spelling"])
def test_predict_refuses_to_write_onto_an_input(model, tmp_path, capsys, which):
    x = tmp_path / "X.npy"
    np.save(x, h2co("train").x[:3])
    before = {p: p.read_bytes() for p in (model, x)}
    out = {"model": model, "x": x, "x-other-spelling": tmp_path / "." / "X.npy"}[which]
    _refused(capsys, ["predict", str(model), str(x), "--out", str(out)], "is the input")
    assert all(p.read_bytes() == b for p, b in before.items())


def test_fit_and_levels_refuse_to_write_onto_their_input(model, data, capsys):
    before = data.read_bytes()
    _refused(capsys, ["fit", str(data), "--out", str(data), "--profile", "test"],
             "is the input DATA")
    assert data.read_bytes() == before
    m_before = model.read_bytes()
    _refused(capsys, ["levels", str(model), "--json", str(model)], "is the input SOURCE")
    assert model.read_bytes() == m_before


def test_outputs_are_checked_before_any_work(data, tmp_path, capsys, monkeypatch):
    import vibmpo.potential.train as train

    def no_training(*a, **k):  # the fit must not even start
        raise AssertionError("fit() ran although the output location is unusable")

    monkeypatch.setattr(train, "fit", no_training)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(capsys, ["fit", str(data), "--out", str(blocker / "m.h5")], "cannot write")
    _refused(capsys, ["fit", str(data), "--out", str(tmp_path)], "is a folder")

    import importlib

    tdvp_mod = importlib.import_module("vibmpo.solvers._tdvp")
    monkeypatch.setattr(tdvp_mod, "tdvp", no_training)
    _refused(capsys, ["propagate", "henon-heiles:2", "--grid", "ho:4", "--t-final", "1",
                      "--dt", "0.5", "--out", str(blocker)], "existing file")
    assert blocker.read_text() == "x"


def _propagate(out, *extra):
    return main(["propagate", "henon-heiles:2", "--grid", "ho:5", "--t-final", "2",
                 "--dt", "0.5", "--quiet", "--out", str(out), *extra])


def test_propagate_replaces_a_run_folder_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "result.json").write_text('{"old": true}')
    (out / "notes.txt").write_text("from an earlier run")
    assert _propagate(out) == 1
    assert "non-empty folder" in capsys.readouterr().err
    assert (out / "result.json").read_text() == '{"old": true}'
    assert _propagate(out, "--overwrite") == 0
    names = sorted(p.name for p in out.iterdir())
    assert "notes.txt" not in names and "autocorrelation.csv" in names
    assert '"old"' not in (out / "result.json").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_failed_run_leaves_no_folder_and_stale_temporaries_are_removed(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), _checks.atomic_folder(out) as tmp:
        (tmp / "half.csv").write_text("1")
        raise RuntimeError("killed")
    assert not out.exists() and not list(tmp_path.iterdir())
    # temporaries of a save whose process died (pid 999999999 does not run) go away
    stale = [tmp_path / ".m.h5.vibmpo-999999999-ab.tmp.h5",
             tmp_path / ".run.vibmpo-999999999-cd.tmp"]
    stale[0].write_text("half a model")
    stale[1].mkdir()
    (stale[1] / "x.csv").write_text("1")
    live = tmp_path / f".m.h5.vibmpo-{os.getpid()}-ef.tmp.h5"  # a save in progress: kept
    live.write_text("being written")
    _checks.write_json(tmp_path / "m.h5", {})
    with _checks.atomic_folder(tmp_path / "run") as tmp:
        (tmp / "a.csv").write_text("1")
    assert not any(p.exists() for p in stale) and live.exists()


def test_ctrl_c_ends_with_one_line_and_status_130(data, tmp_path):
    """SIGINT while ``vibmpo fit`` imports JAX and compiles: exit 130, one line, no
    traceback, no segfault, no half-written model or temporary."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    interrupted = 0
    for delay in (1.0, 2.0, 6.0):
        out = tmp_path / f"m{delay:.0f}.h5"
        proc = subprocess.Popen(
            [sys.executable, "-m", "vibmpo.cli", "fit", str(data), "--out", str(out),
             "--profile", "test", "--no-progress"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        if out.exists():  # the save had finished (a fast machine): the model is whole
            from vibmpo.potential.io import load_model

            assert load_model(out).n_modes == 6
        else:
            interrupted += 1
            assert proc.returncode == 130, (proc.returncode, stderr)
            assert "Traceback" not in stderr and stderr.strip().splitlines()[-1] == \
                "vibmpo: interrupted"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}")]
    assert interrupted, "every run finished before its Ctrl-C: nothing was tested"


@pytest.mark.parametrize("exc, reported", [(ValueError("bad --n"), True),
                                           (FileNotFoundError("no X.npy"), True),
                                           (TypeError("f() got an unexpected keyword"), False),
                                           (KeyError("k"), False)])
def test_user_errors_are_one_line_and_bugs_keep_their_traceback(exc, reported, monkeypatch,
                                                                capsys):
    """A user's mistake (bad value, missing file) ends with one ``error:`` line and status
    1; a programming error (TypeError, KeyError, ...) is not dressed up as one."""
    import vibmpo.cli.predict as predict

    def broken(args):
        raise exc

    monkeypatch.setattr(predict, "run", broken)
    argv = ["predict", "m.h5", "x.npy", "--out", "y.npy"]
    if reported:
        assert main(argv) == 1
        assert capsys.readouterr().err.strip() == f"vibmpo predict: error: {exc}"
    else:
        with pytest.raises(type(exc)):
            main(argv)
