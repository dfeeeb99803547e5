"""Ensemble members as Dask tasks: on a cluster given by its scheduler address, with a
worker that dies, and with a member that fails."""

import functools
import os
import sys

import cloudpickle
import numpy as np
import pytest
from distributed import LocalCluster

from vibmpo.potential.ensemble import fit_ensemble
from vibmpo.potential.train import FitConfig, FitData, fit_member


def toy_data(rng, m=60):
    x = rng.normal(size=(m, 2))
    y = x[:, 0] ** 2 + 0.3 * np.sin(x[:, 1]) + 0.2 * x[:, 0] * x[:, 1]
    f = -np.stack([2 * x[:, 0] + 0.2 * x[:, 1], 0.3 * np.cos(x[:, 1]) + 0.2 * x[:, 0]], 1)
    return x, y, f


@pytest.fixture
def data(rng):
    x, y, f = toy_data(rng)
    xv, yv, _ = toy_data(rng, m=30)
    return FitData(x, y, f, xv, yv)


@pytest.fixture
def by_value():
    """This module's functions travel to the workers by value (they cannot import it)."""
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


CONFIG = FitConfig(max_rank=(2, 3), basis_size=4, n_sweeps=2, grad_steps=2, members=2,
                   seed=5, time_budget=None)


def _dies_the_first_time(data, config, extra, callback, *, marker):
    """``fit_member``, but the first call anywhere kills its worker process."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return fit_member(data, config, extra, callback)


def _fails(data, config, extra, callback):
    raise ValueError(f"member with seed {config.seed} failed")


def _energies(res, x):
    return res.model.to_arrays().energy(x)


def test_ensemble_on_an_existing_cluster_equals_the_in_process_fit(data):
    """``scheduler=ADDRESS`` sends the members to that cluster; the mean model equals the
    one fitted in this process, and every member's history reaches the callback."""
    serial = fit_ensemble(fit_member, data, CONFIG.replace(workers=1))
    seen = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                      dashboard_address=":0") as cluster:
        address = cluster.scheduler_address
        res = fit_ensemble(fit_member, data, CONFIG.replace(scheduler=address),
                           callback=seen.append)
        assert len(cluster.scheduler.tasks) == 0  # nothing left behind on the cluster
    np.testing.assert_allclose(_energies(res, data.x_val), _energies(serial, data.x_val),
                               rtol=1e-10, atol=1e-12)
    assert res.options["scheduler"] == address
    assert [r.options["seed"] for r in res.members] == [5, 6]
    for k, member in enumerate(res.members):
        mine = [h for h in seen if h["member"] == k]
        assert [h["iteration"] for h in mine] == list(member.history["iteration"])[-len(mine):]
        assert mine and mine[-1]["train_rmse"] == pytest.approx(member.history["train_rmse"][-1])


def test_a_member_whose_worker_dies_is_rerun(data, tmp_path, by_value):
    """The first member kills its worker process; the nanny starts a new one, the
    scheduler reruns the member there, and the ensemble is the in-process one."""
    serial = fit_ensemble(fit_member, data, CONFIG.replace(workers=1))
    member_fit = functools.partial(_dies_the_first_time, marker=str(tmp_path / "died"))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=50) as cluster:
        res = fit_ensemble(member_fit, data,
                           CONFIG.replace(scheduler=cluster.scheduler_address))
    assert (tmp_path / "died").exists()
    np.testing.assert_allclose(_energies(res, data.x_val), _energies(serial, data.x_val),
                               rtol=1e-10, atol=1e-12)


def test_a_failing_member_stops_the_fit_with_its_error(data, by_value):
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                      dashboard_address=":0") as cluster:
        with pytest.raises(ValueError, match="member with seed 5 failed"):
            fit_ensemble(_fails, data, CONFIG.replace(scheduler=cluster.scheduler_address))


def test_scheduler_must_be_an_address():
    with pytest.raises(ValueError, match="scheduler must be a Dask scheduler address"):
        FitConfig(scheduler="")


def test_local_workers_get_their_share_of_the_threads():
    """The worker processes of the local cluster start with the BLAS/OpenMP caps (not
    this process's: the tests run with one thread)."""
    from vibmpo._dask import dask_client

    with dask_client(workers=1, threads=2) as client:
        env = next(iter(client.run(lambda: dict(os.environ)).values()))
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "2"
