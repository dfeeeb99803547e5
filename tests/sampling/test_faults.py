"""Fault tolerance of the distributed single points (acceptance 3): a worker killed
mid-run, a failed SCF recorded, the CLI interrupted and resumed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vibmpo.sampling import evaluate, harmonic_samples
from vibmpo.sampling.evaluate import load_point, point_path

# O-H bonds stretched to 6 and 9 bohr: RHF/STO-3G does not converge in 100 cycles
STRETCHED = np.array([[0.0, 0.0, 0.0], [0.0, 6.0, -1.0], [0.0, -9.0, -1.0]])


def _geometries(nm, n, seed=0):
    return nm.to_cartesian(harmonic_samples(nm.frequencies, n, seed=seed))


def test_worker_killed_mid_run_every_point_once(water_sto3g, tmp_path):
    from distributed import Client, LocalCluster

    calc, nm = water_sto3g
    geoms = _geometries(nm, 24)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    client = Client(cluster)
    try:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killed = []

        def kill_one(rec, n_done):
            if n_done == 4 and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        rep = evaluate(calc, nm.molecule, geoms, tmp_path, client=client, progress=False,
                       callback=kill_one)
        assert killed
        assert victim not in client.run(os.getpid).values()  # the nanny started a new one
    finally:
        client.close()
        cluster.close()
    assert rep.n_ok == 24 and rep.n_failed == 0
    files = sorted(tmp_path.glob("point_*.npz"))
    assert len(files) == 24
    # every point finished exactly once: one run id, results equal a serial calculation
    assert {load_point(f)["run_id"] for f in files} == {rep.info["run_id"]}
    for i in (0, 5, 23):
        ref = calc.compute(nm.molecule.with_coordinates(geoms[i]))
        assert rep.energies[i] == ref.energy
        np.testing.assert_array_equal(rep.dipoles[i], ref.dipole)


def test_failed_scf_is_listed_and_the_run_goes_on(water_sto3g, tmp_path):
    from distributed import LocalCluster

    calc, nm = water_sto3g
    geoms = np.concatenate([_geometries(nm, 3), STRETCHED[None], _geometries(nm, 2, seed=1)])
    # an existing cluster, reached by its scheduler address (as --scheduler does)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                      dashboard_address=":0", silence_logs=40) as cluster:
        rep = evaluate(calc, nm.molecule, geoms, tmp_path, scheduler=cluster.scheduler_address,
                       progress=False)
    assert rep.info["scheduler"] == cluster.scheduler_address and rep.info["workers"] == 2
    assert rep.n_ok == 5 and rep.n_failed == 1
    assert rep.failed[0]["index"] == 3
    assert "did not converge" in rep.failed[0]["message"]
    np.testing.assert_allclose(rep.failed[0]["geometry_bohr"], STRETCHED)
    assert np.isnan(rep.energies[3]) and np.all(np.isfinite(np.delete(rep.energies, 3)))
    # the failure is on disk: a rerun reports it again without recomputing anything
    again = evaluate(calc, nm.molecule, geoms, tmp_path, workers=1, processes=False,
                     progress=False)
    assert again.computed == 0 and again.n_failed == 1
    assert load_point(point_path(tmp_path, 3))["status"] == "failed"


@pytest.mark.slow  # about 40-100 s: two CLI runs, each starting a 2-process cluster
def test_cli_interrupted_and_rerun_computes_only_missing_points(tmp_path):
    xyz = Path(__file__).resolve().parents[2] / "notebooks" / "water.xyz"
    out = tmp_path / "data"
    cmd = [sys.executable, "-m", "vibmpo.cli", "sample", str(xyz), "--calc", "pyscf:hf/sto-3g",
           "--n", "60", "--out", str(out), "--workers", "2", "--no-progress"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while len(list((out / "points").glob("point_*.npz"))) < 8:
            assert proc.poll() is None, proc.communicate()
            assert time.time() < deadline, "no points after 120 s"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    first = {p.name: load_point(p)["run_id"] for p in (out / "points").glob("point_*.npz")}
    assert 8 <= len(first) < 60, "the run was not interrupted mid-way"
    assert not (out / "metadata.json").exists()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["n_ok"] == 60
    assert meta["computed_this_run"] == 60 - len(first)
    assert meta["evaluation"]["reused"] == len(first)
    for name, run_id in first.items():  # the finished points were not touched
        assert load_point(out / "points" / name)["run_id"] == run_id
    assert f"{60 - len(first)} computed in this run" in done.stdout


def test_cli_rejects_bad_input(tmp_path, capsys):
    from vibmpo.cli import main

    xyz = Path(__file__).resolve().parents[2] / "notebooks" / "water.xyz"
    assert main(["sample", str(xyz), "--calc", "pyscf:hf", "--out", str(tmp_path)]) == 1
    assert "pyscf:METHOD/BASIS" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "none.xyz"), "--calc", "pyscf:hf/sto-3g", "--out",
                 str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err
    np.save(tmp_path / "x_train.npy", np.zeros((20, 3)))
    np.save(tmp_path / "mu_train.npy", np.zeros((20, 3)))
    assert main(["fit", str(tmp_path), "--target", "dipole", "--out",
                 str(tmp_path / "mu.h5")]) == 1
    assert "DIPOLE.json" in capsys.readouterr().err
    assert main(["fit", str(tmp_path), "--target", "dipole", "--degree", "5", "--out",
                 str(tmp_path / "mu.json")]) == 1  # 56 coefficients, 20 points
    assert "lower the degree" in capsys.readouterr().err
