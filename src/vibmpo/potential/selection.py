r"""Training-set selection: ``n`` points from a pool of candidates.

``"kmeans"`` and ``"fps"`` (farthest-point sampling) are those of
:func:`vibmpo.sampling.schemes.select_points`, applied in coordinates scaled per column
by the pool's standard deviation :math:`\sigma_k` (for a pool drawn from the harmonic
ground state, :math:`\sigma_k \propto 1/\sqrt{2\omega_k}`, so this is the same scaling
as ``vibmpo sample --select``); ``"random"`` draws without replacement. Both spread
methods aim at a small covering radius

.. math::

    R = \max_{c \in \text{pool}} \min_{s \in \text{selection}} \|z_c - z_s\|,

the largest distance from a candidate to its nearest selected point
(:func:`covering_radius`).

Examples
--------
>>> rng = np.random.default_rng(0)
>>> pool = rng.normal(size=(300, 2))
>>> idx = select_training_set(pool, 20, method="kmeans", seed=1)
>>> len(set(idx.tolist())), bool(covering_radius(pool, idx) < covering_radius(
...     pool, select_training_set(pool, 20, method="random", seed=1)))
(20, True)
"""

from __future__ import annotations

import numpy as np

from vibmpo._checks import as_finite_array

__all__ = ["SELECTIONS", "select_training_set", "covering_radius", "parse_select"]

#: Selection methods of :func:`select_training_set` (``vibmpo fit --select METHOD:N``).
SELECTIONS = ("kmeans", "fps", "random")


def _scaled(candidates):
    c = as_finite_array(candidates, "candidates", ndim=2)
    sd = c.std(axis=0)
    sd[sd == 0] = 1.0
    return c, sd


def select_training_set(candidates, n: int, *, method: str = "kmeans", seed: int = 0
                        ) -> np.ndarray:
    """Indices (sorted) of ``n`` distinct points chosen from ``candidates`` (m, d).

    Parameters
    ----------
    candidates : array (m, d)
        The pool (coordinates).
    n : int
        How many to choose, ``1 <= n <= m``.
    method : {"kmeans", "fps", "random"}
        See the module docstring.
    seed : int
        Seed of the k-means initialisation and of the random draw (FPS starts from the
        candidate nearest the pool's mean and is deterministic).

    Returns
    -------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> pool = np.arange(10.0)[:, None]
    >>> select_training_set(pool, 3, method="fps").tolist()
    [0, 4, 9]
    """
    from vibmpo.sampling.schemes import select_points

    c, sd = _scaled(candidates)
    if isinstance(n, bool) or int(n) != n or not 1 <= int(n) <= len(c):
        raise ValueError(f"n must be a whole number between 1 and the pool size {len(c)}, "
                         f"got {n!r}")
    n = int(n)
    if method not in SELECTIONS:
        raise ValueError(f"unknown selection method {method!r}; choose from {SELECTIONS}")
    if method == "random":
        idx = np.random.default_rng(seed).choice(len(c), size=n, replace=False)
    else:
        # select_points scales by sqrt(2 omega); omega = 1 / (2 sd^2) scales by 1/sd
        idx = select_points(c - c.mean(axis=0), n, 0.5 / sd**2, method=method,
                            seed=int(seed))
    return np.sort(np.asarray(idx, dtype=np.int64))


def covering_radius(candidates, selected) -> float:
    """Largest distance (per-column standardised coordinates) from a candidate to its
    nearest selected point; smaller means the selection covers the pool better.

    Examples
    --------
    >>> covering_radius(np.array([[0.0], [1.0], [2.0]]), [0, 2]) > 0
    True
    """
    c, sd = _scaled(candidates)
    z = c / sd
    s = z[np.asarray(selected, dtype=np.int64)]
    d2 = ((z[:, None, :] - s[None, :, :]) ** 2).sum(-1)
    return float(np.sqrt(d2.min(axis=1).max()))


def parse_select(text: str) -> tuple[str, int]:
    """``"kmeans:200"`` -> ``("kmeans", 200)`` (the ``--select`` option of ``vibmpo fit``).

    Examples
    --------
    >>> parse_select("fps:50")
    ('fps', 50)
    """
    method, sep, count = str(text).partition(":")
    try:
        n = int(count)
    except ValueError:
        n = 0
    if not sep or method not in SELECTIONS or n < 1:
        raise ValueError(f"--select must be METHOD:N with METHOD one of {SELECTIONS} and N "
                         f"a positive whole number (e.g. kmeans:200), got {text!r}")
    return method, n
