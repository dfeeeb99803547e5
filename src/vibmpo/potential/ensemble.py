r"""Ensembles of NN-MPO fits: members from consecutive seeds, in this process or in
spawned workers, merged into their exact mean.

Fits from different seeds (basis initialisation, rank padding) land in different minima
whose validation errors are only partly correlated. With the coordinator held fixed the
members share ``U``, so their mean

.. math::

    \bar V(x) = \frac1K \sum_k V_k(x)

is again an exact NN-MPO (:func:`vibmpo.potential.arrays.average`: bases side by side,
ranks added).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import os
import queue as queue_module
import time

from vibmpo._threads import thread_env
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
    one per core, at most ``K``) the members run in spawned processes that share the
    cores through the BLAS/OpenMP thread caps.

    Parameters
    ----------
    member_fit : callable
        A module-level function (it is sent to the workers) fitting one member.
    data : FitData
        Training and validation data.
    config : FitConfig
        The ensemble's options.
    extra_options : dict, optional
        Passed on to every member (recorded in its options).
    progress : bool
        A tqdm bar of finished members.
    callback : callable, optional
        Gets every member's history entries with the member's index (``member``); with
        workers they reach it as they come, and its return value is ignored.
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
    n_workers = min(k_members, int(config.workers or os.cpu_count() or 1))
    budget = config.time_budget
    if budget is not None:
        rounds = math.ceil(k_members / n_workers)
        budget = max(float(budget) - (time.perf_counter() - t_start), 0.0) / rounds
    jobs = [config.replace(members=1, coordinator="fixed", workers=None,
                           seed=int(config.seed) + k, time_budget=budget)
            for k in range(k_members)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=k_members, desc="ensemble", unit="member", disable=None)
    try:
        results = _run_members(member_fit, data, jobs, dict(extra_options or {}), n_workers,
                               callback, None if bar is None else lambda: bar.update(1))
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
                   time_budget=config.time_budget, workers=config.workers)
    return FitResult(model=model, last_model=last, history=history, wall_time=wall,
                     best_iteration=0, options=options, members=tuple(results))


def _fit_member(member_fit, data, config, extra, queue=None, k=0):
    """One member in a worker process; its history entries go to ``queue``."""
    callback = None if queue is None else (lambda h: queue.put({"member": k, **h}))
    return member_fit(data, config, extra, callback)


def _run_members(member_fit, data, jobs, extra, n_workers, callback, on_done):
    """``[member_fit(data, job, ...) for job in jobs]``, in ``n_workers`` spawned processes
    when more than one; ``callback`` gets every member's history entries (with ``member``)
    as they come, ``on_done()`` is called as each member finishes."""
    results = [None] * len(jobs)
    if n_workers == 1:
        for k, job in enumerate(jobs):
            cb = None if callback is None else (lambda h, k=k: callback({"member": k, **h}))
            results[k] = member_fit(data, job, extra, cb)
            if on_done is not None:
                on_done()
        return results
    ctx = multiprocessing.get_context("spawn")
    with thread_env(max(1, (os.cpu_count() or 1) // n_workers)):  # the workers' share
        manager = ctx.Manager() if callback is not None else None
        entries = manager.Queue() if manager is not None else None
        pool = cf.ProcessPoolExecutor(n_workers, mp_context=ctx)
        futures = {pool.submit(_fit_member, member_fit, data, job, extra, entries, k): k
                   for k, job in enumerate(jobs)}
    try:
        with pool:
            _collect(futures, results, entries, callback, on_done)
    finally:
        if manager is not None:
            manager.shutdown()
    return results


def _collect(futures, results, entries, callback, on_done):
    """Wait for the workers, passing their queued history entries to ``callback``."""
    pending = set(futures)
    while pending:
        finished, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
        while entries is not None:  # the members' progress, as it comes
            try:
                callback(entries.get_nowait())
            except queue_module.Empty:
                break
        for fut in finished:
            results[futures[fut]] = fut.result()
            if on_done is not None:
                on_done()
