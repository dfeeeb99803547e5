"""Thread caps of the numerical libraries (imports no NumPy, so it can run first).

OpenBLAS/MKL/OpenMP, Numba and XLA read their thread counts from environment variables
when they are first loaded: in this process (:func:`limit_threads`, used by
``vibmpo --threads``) or in worker processes started inside :func:`thread_env`.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["THREAD_VARIABLES", "limit_threads", "thread_env"]

#: Thread counts that :func:`limit_threads` sets, read by the libraries when they load.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
#: Everything :func:`limit_threads` may change (``XLA_FLAGS`` too, for one thread).
_CHANGED = THREAD_VARIABLES + ("XLA_FLAGS",)


def limit_threads(n: int) -> list[str]:
    """Cap the worker threads of the numerical libraries at ``n`` for this process.

    Sets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and
    ``NUMBA_NUM_THREADS`` (at most the number of cores, as Numba requires) and, for
    ``n = 1``, turns off XLA's multi-threaded CPU kernels (``XLA_FLAGS``). The libraries
    read these when they are first imported, so call it before NumPy, Numba or JAX are
    loaded.

    Returns
    -------
    list of str
        The libraries already loaded, which the cap does not reach (empty when it was
        applied in time).

    Examples
    --------
    >>> import os
    >>> saved = {k: os.environ.get(k) for k in _CHANGED}
    >>> import numpy  # already loaded: the cap comes too late for it
    >>> late = limit_threads(1)
    >>> os.environ["OPENBLAS_NUM_THREADS"], "numpy" in late
    ('1', True)
    >>> for k, v in saved.items():
    ...     _ = os.environ.pop(k, None) if v is None else os.environ.update({k: v})
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"the thread count must be >= 1, got {n}")
    late = [name for name in ("numpy", "scipy", "numba", "jax") if name in sys.modules]
    for var in THREAD_VARIABLES:
        os.environ[var] = str(min(n, os.cpu_count() or n) if var.startswith("NUMBA") else n)
    if n == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    return late


@contextlib.contextmanager
def thread_env(n: int):
    """Within the block the thread variables cap new processes at ``n`` threads each;
    the environment is restored afterwards.

    Examples
    --------
    >>> before = os.environ.get("OPENBLAS_NUM_THREADS")
    >>> with thread_env(1):
    ...     os.environ["OPENBLAS_NUM_THREADS"]
    '1'
    >>> os.environ.get("OPENBLAS_NUM_THREADS") == before
    True
    """
    saved = {k: os.environ.get(k) for k in _CHANGED}
    try:
        limit_threads(n)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
