r"""Ensembles of NN-MPO fits: members from consecutive seeds, in this process or as
Dask tasks, merged into their exact mean.

Fits from different seeds (basis initialisation, rank padding) land in different minima
whose validation errors are only partly correlated. With the coordinator held fixed the
members share ``U``, so their mean

.. math::

    \bar V(x) = \frac1K \sum_k V_k(x)

is again an exact NN-MPO (:func:`vibmpo.potential.arrays.average`: bases side by side,
ranks added).

Where the members run is decided as for the single points of :mod:`vibmpo.sampling`
(:func:`vibmpo._dask.make_client`): one Dask task per member on a new ``LocalCluster``
of ``workers`` processes that share this machine's cores through the BLAS/OpenMP/Numba
thread caps, or on an existing cluster given by its scheduler address. A member whose
worker dies is rerun by the scheduler on another worker (up to Dask's
``distributed.scheduler.allowed-failures``, default 3); an error inside a member stops
the fit with that error. Each member's history entries reach the callback live, as
Dask events published by the worker (:meth:`distributed.Worker.log_event`); a member
rerun after its worker died sends its entries again from its first iteration.
"""

from __future__ import annotations

import math
import os
import queue as queue_module
import time
import uuid

from vibmpo._dask import dask_client
from vibmpo.potential.arrays import average
from vibmpo.potential.result import HISTORY_KEYS, FitResult, errors

__all__ = ["fit_ensemble"]


def fit_ensemble(member_fit, data, config, *, extra_options=None, progress: bool = False,
                 callback=None, t_start: float | None = None) -> FitResult:
    """Fit ``config.members`` members and return their exact mean as one NN-MPO.

    Member ``k`` is ``member_fit(data, config_k, extra_options, callback)`` with
    ``config_k = config.replace(members=1, coordinator="fixed", workers=None,
    seed=config.seed + k, time_budget=share)``; the time budget left is split evenly over
    the ``ceil(K / workers)`` rounds of members. With ``config.workers > 1`` (default:
    one per core, at most ``K``) the members are tasks on a new Dask ``LocalCluster`` of
    that many worker processes sharing the cores through the BLAS/OpenMP thread caps;
    with ``config.scheduler`` (an address) they are tasks on that existing cluster; with
    one worker and no scheduler they run one after another in this process.

    Parameters
    ----------
    member_fit : callable
        A function fitting one member; pickled to the Dask workers, so importable there
        (a module-level function of an installed module).
    data : FitData
        Training and validation data.
    config : FitConfig
        The ensemble's options.
    extra_options : dict, optional
        Passed on to every member (recorded in its options).
    progress : bool
        A tqdm bar of finished members.
    callback : callable, optional
        Gets every member's history entries with the member's index (``member``); on
        Dask they reach it live, as the worker publishes them (all of them before this
        function returns), and its return value is ignored.
    t_start : float, optional
        ``time.perf_counter()`` at the start of the fit (default now).

    Returns
    -------
    FitResult
        The mean model, its errors as a one-entry history, and the members' results.

    Examples
    --------
    >>> import numpy as np
    >>> from vibmpo.potential.train import FitConfig, FitData, fit_member
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(30, 2)); y = x[:, 0] ** 2 + x[:, 1]
    >>> cfg = FitConfig(max_rank=2, basis_size=3, n_sweeps=1, grad_steps=0, members=2,
    ...                 workers=1)
    >>> res = fit_ensemble(fit_member, FitData(x, y), cfg)
    >>> len(res.members), res.model.to_arrays().basis_size
    (2, 5)
    """
    from vibmpo.potential.model import NNMPO

    t_start = time.perf_counter() if t_start is None else t_start
    k_members = int(config.members)
    scheduler = config.scheduler
    if scheduler and config.workers is None:
        n_workers = k_members  # the cluster's own workers decide how many run at once
    else:
        n_workers = min(k_members, int(config.workers or os.cpu_count() or 1))
    budget = config.time_budget
    if budget is not None:
        rounds = math.ceil(k_members / n_workers)
        budget = max(float(budget) - (time.perf_counter() - t_start), 0.0) / rounds
    jobs = [config.replace(members=1, coordinator="fixed", workers=None, scheduler=None,
                           seed=int(config.seed) + k, time_budget=budget)
            for k in range(k_members)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=k_members, desc="ensemble", unit="member", disable=None)
    try:
        results = _run_members(member_fit, data, jobs, dict(extra_options or {}), n_workers,
                               scheduler, callback,
                               None if bar is None else lambda: bar.update(1))
    finally:
        if bar is not None:
            bar.close()
    x_scale = results[0].model.x_scale
    model = NNMPO.from_arrays(average([r.model.to_arrays() for r in results]),
                              x_scale=x_scale)
    last = NNMPO.from_arrays(average([r.last_model.to_arrays() for r in results]),
                             x_scale=x_scale)
    arrays = model.to_arrays()
    tr = errors(arrays, data.x, data.y)
    va = errors(arrays, data.x_val, data.y_val)
    wall = time.perf_counter() - t_start
    entry = (max(r.history["iteration"][-1] for r in results), wall, list(model.ranks),
             *tr, *va)
    history = {k: [v] for k, v in zip(HISTORY_KEYS, entry, strict=True)}
    options = dict(results[0].options, seed=int(config.seed), members=k_members,
                   time_budget=config.time_budget, workers=config.workers,
                   scheduler=scheduler)
    return FitResult(model=model, last_model=last, history=history, wall_time=wall,
                     best_iteration=0, options=options, members=tuple(results))


def _plain(value):
    """``value`` with NumPy scalars and arrays as Python numbers and lists (for events)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value


def _identity(value):
    return value


def _fit_member(member_fit, data, config, extra, topic=None, k=0):
    """One member on a Dask worker; its history entries are published as events on
    ``topic``, followed by ``{"member": k, "done": True}``."""
    if topic is None:
        return member_fit(data, config, extra, None)
    from distributed import get_worker

    worker = get_worker()

    def publish(entry):
        worker.log_event(topic, _plain({"member": k, **entry}))

    result = member_fit(data, config, extra, publish)
    worker.log_event(topic, {"member": k, "done": True})
    return result


def _run_members(member_fit, data, jobs, extra, n_workers, scheduler, callback, on_done):
    """``[member_fit(data, job, ...) for job in jobs]``: in this process for one worker
    and no scheduler, else as Dask tasks (a ``LocalCluster`` of ``n_workers`` processes,
    or the cluster at ``scheduler``). ``callback`` gets every member's history entries
    (with ``member``) as they come, ``on_done()`` is called as each member finishes."""
    results = [None] * len(jobs)
    if n_workers == 1 and not scheduler:
        for k, job in enumerate(jobs):
            cb = None if callback is None else (lambda h, k=k: callback({"member": k, **h}))
            results[k] = member_fit(data, job, extra, cb)
            if on_done is not None:
                on_done()
        return results
    run_id = uuid.uuid4().hex
    topic = None if callback is None else f"vibmpo-ensemble-{run_id}"
    entries = queue_module.Queue()
    with dask_client(scheduler=scheduler, workers=n_workers) as client:  # threads shared out
        if topic is not None:
            client.subscribe_topic(topic, lambda event: entries.put(event[1]))
        futures = {}
        try:
            # the data as a task, not scattered: the scheduler can recompute it if the
            # workers holding it die, where scattered data would be lost with them
            data_f = client.submit(_identity, data, key=f"vibmpo-data-{run_id}", pure=False)
            for k, job in enumerate(jobs):
                fut = client.submit(_fit_member, member_fit, data_f, job, extra, topic, k,
                                    key=f"vibmpo-member-{run_id}-{k}", pure=False)
                futures[fut] = k
            _collect(futures, results, entries, callback, on_done)
        finally:
            client.cancel([f for f in futures if not f.done()])
            if topic is not None:
                client.unsubscribe_topic(topic)
    return results


def _drain(entries, callback, done_members, timeout: float) -> None:
    """Pass the queued history entries to ``callback`` (waiting up to ``timeout`` seconds
    for the first); ``done`` events add their member to ``done_members``."""
    try:
        entry = entries.get(timeout=timeout)
    except queue_module.Empty:
        return
    while True:
        if entry.get("done"):
            done_members.add(entry["member"])
        elif callback is not None:
            callback(entry)
        try:
            entry = entries.get_nowait()
        except queue_module.Empty:
            return


def _collect(futures, results, entries, callback, on_done, linger: float = 30.0):
    """Wait for the members, passing their published history entries to ``callback``;
    after the last member, wait up to ``linger`` seconds for entries still on their way
    (each member ends its entries with a ``done`` event)."""
    pending = dict(futures)
    done_members = set()
    while pending:
        _drain(entries, callback, done_members, 0.2)
        for fut in [f for f in pending if f.done()]:
            k = pending.pop(fut)
            results[k] = fut.result()  # a member's error stops the fit here
            if on_done is not None:
                on_done()
    if callback is not None:
        deadline = time.perf_counter() + linger
        while len(done_members) < len(futures) and time.perf_counter() < deadline:
            _drain(entries, callback, done_members, 0.2)
