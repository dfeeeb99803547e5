"""The Dask client of vibmpo's distributed work (single points, ensemble members).

One place decides where tasks run: a new ``LocalCluster`` of single-threaded worker
processes on this machine by default, or an existing cluster given by its scheduler
address (``tcp://host:8786``). ``dask.distributed`` is imported when a client is made,
never on import of this module.
"""

from __future__ import annotations

import contextlib
import os

from vibmpo._threads import _CHANGED, thread_env

__all__ = ["make_client", "dask_client"]


def make_client(*, scheduler: str | None = None, workers: int | None = None,
                processes: bool = True, threads: int | None = None):
    """A Dask client: connected to ``scheduler`` (an address such as
    ``tcp://host:8786``), or to a new ``LocalCluster`` of ``workers`` workers running one
    task at a time each (default: one per core; ``processes=False`` runs them as threads
    of this process).

    ``threads`` caps the BLAS/OpenMP, Numba (and for 1, XLA) threads of each local worker
    process (:func:`vibmpo._threads.thread_env`; default: the cores shared out, at least
    1); an existing cluster keeps its own settings. Close the client, and its
    ``client.cluster`` if it has one, when done (or use :func:`dask_client`).

    Examples
    --------
    >>> client = make_client(workers=1, processes=False)
    >>> len(client.scheduler_info()["workers"])
    1
    >>> client.close(); client.cluster.close()
    """
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    n = (os.cpu_count() or 1) if workers is None else int(workers)
    if n < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    kwargs = {}
    if processes:
        share = max(1, (os.cpu_count() or 1) // n) if threads is None else int(threads)
        with thread_env(share):
            # the nannies set these in every worker process they start or restart
            kwargs["env"] = {k: os.environ[k] for k in _CHANGED if k in os.environ}
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                           dashboard_address=":0", silence_logs=40, **kwargs)
    return Client(cluster)


@contextlib.contextmanager
def dask_client(client=None, **options):
    """``client`` itself, or a new one from :func:`make_client` (``options``) that is
    closed, with its local cluster, when the block ends.

    Examples
    --------
    >>> with dask_client(workers=1, processes=False) as client:
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    if client is not None:
        yield client
        return
    client = make_client(**options)
    try:
        yield client
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
