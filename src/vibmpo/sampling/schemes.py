r"""Sampling schemes in normal coordinates (mass-weighted, :math:`\sqrt{m_e}\,a_0`).

With harmonic frequencies :math:`\omega_k` (Hartree), the harmonic ground state has
density :math:`|\psi_0(Q)|^2 \propto \prod_k e^{-\omega_k Q_k^2}`, a Gaussian with
standard deviations :math:`\sigma_k = 1/\sqrt{2\omega_k}`.

* :func:`harmonic_samples` -- draws from that density, widened by a factor;
* :func:`grid_samples` -- n-mode representation cuts (1MR, 2MR, ...) through the
  harmonic-oscillator DVR points :math:`Q_{ks} = \xi_s/\sqrt{\omega_k}` (Gauss--Hermite
  nodes :math:`\xi_s`), like the bundled H2CO 2MR cuts; ``order = f`` is the full grid;
* :func:`latin_hypercube` -- a Latin hypercube in the box :math:`|Q_k| \le a\,\sigma_k`;
* :func:`select_points` -- a training set picked from a larger pool by k-means or
  farthest-point sampling, in the dimensionless coordinates :math:`Q_k/\sigma_k`.

Randomness comes only from the explicit ``seed``.

Examples
--------
>>> omega = np.array([0.008, 0.017, 0.018])
>>> harmonic_samples(omega, 5, seed=0).shape
(5, 3)
>>> grid_samples(omega, 5, order=1).shape   # centre + 3 cuts of 4 off-centre points
(13, 3)
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["SCHEMES", "harmonic_samples", "grid_samples", "latin_hypercube", "select_points",
           "dvr_points"]

#: Scheme names of ``vibmpo sample --scheme``.
SCHEMES = ("harmonic", "grid", "lhs")


def _omega(omega):
    w = np.atleast_1d(np.asarray(omega, dtype=np.float64))
    if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(f"harmonic frequencies must be positive (a minimum), got {w}; "
                         "optimise the geometry first")
    return w


def _check_n(n, what="n"):
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


def harmonic_samples(omega, n: int, *, seed: int, widen: float = 1.0) -> np.ndarray:
    """``n`` points from the harmonic ground-state density, standard deviations
    ``widen / sqrt(2 omega_k)``.

    Examples
    --------
    >>> q = harmonic_samples([0.01], 20000, seed=1)
    >>> round(float(q.std() * np.sqrt(2 * 0.01)), 1)
    1.0
    """
    w = _omega(omega)
    if not widen > 0:
        raise ValueError(f"widen must be positive, got {widen}")
    rng = np.random.default_rng(seed)
    return rng.normal(size=(_check_n(n), w.size)) * (widen / np.sqrt(2.0 * w))


def dvr_points(n: int, omega: float) -> np.ndarray:
    """Harmonic-oscillator DVR points of one mode, :math:`\\xi_s/\\sqrt\\omega`.

    Examples
    --------
    >>> (dvr_points(3, 1.0) ** 2).round(12).tolist()
    [1.5, 0.0, 1.5]
    """
    xi = np.polynomial.hermite.hermgauss(_check_n(n))[0]
    return xi / np.sqrt(float(omega))


def grid_samples(omega, n_points: int, *, order: int = 2) -> np.ndarray:
    """n-mode-representation cuts through HO-DVR points (``n_points`` per mode): every
    grid point where at most ``order`` modes are displaced from the centre (modes with an
    even ``n_points`` have no centre point; their nearest points are used as reference).

    Examples
    --------
    >>> grid_samples([0.01, 0.02], 3, order=2).shape  # the full 3 x 3 grid
    (9, 2)
    """
    w = _omega(omega)
    f = w.size
    order = _check_n(order, "order")
    if order > f:
        raise ValueError(f"order {order} exceeds the number of modes {f}")
    axes = [dvr_points(n_points, wk) for wk in w]
    ref = [int(np.argmin(np.abs(a))) for a in axes]
    out = set()
    for modes in itertools.combinations(range(f), order):
        for idx in itertools.product(*[range(len(axes[k])) for k in modes]):
            full = list(ref)
            for k, i in zip(modes, idx, strict=True):
                full[k] = i
            out.add(tuple(full))
    pts = sorted(out)
    return np.array([[axes[k][i] for k, i in enumerate(p)] for p in pts])


def latin_hypercube(omega, n: int, *, seed: int, extent: float = 3.0) -> np.ndarray:
    """``n`` points of a Latin hypercube in the box :math:`|Q_k| \\le` ``extent`` σ_k.

    Examples
    --------
    >>> q = latin_hypercube([0.01, 0.02], 10, seed=0)
    >>> q.shape, bool(np.all(np.abs(q[:, 0]) <= 3 / np.sqrt(0.02)))
    ((10, 2), True)
    """
    from scipy.stats import qmc

    w = _omega(omega)
    u = qmc.LatinHypercube(d=w.size, seed=np.random.default_rng(seed)).random(_check_n(n))
    return (2.0 * u - 1.0) * (extent / np.sqrt(2.0 * w))


def select_points(candidates, n: int, omega, *, method: str = "fps", seed: int = 0
                  ) -> np.ndarray:
    """Indices of ``n`` points picked from ``candidates`` (m, f), in scaled coordinates
    :math:`Q_k\\sqrt{2\\omega_k}`: ``"fps"`` (farthest-point sampling from the point
    nearest the centre) or ``"kmeans"`` (the candidate nearest each of ``n`` k-means
    centroids).

    Examples
    --------
    >>> pool = harmonic_samples([0.01, 0.02], 200, seed=0)
    >>> idx = select_points(pool, 10, [0.01, 0.02], method="fps")
    >>> len(set(idx.tolist()))
    10
    """
    c = np.asarray(candidates, dtype=np.float64)
    w = _omega(omega)
    n = _check_n(n)
    if c.ndim != 2 or c.shape[1] != w.size:
        raise ValueError(f"candidates must be (m, {w.size}), got {c.shape}")
    if n > len(c):
        raise ValueError(f"cannot select {n} points from a pool of {len(c)}")
    z = c * np.sqrt(2.0 * w)
    if method == "fps":
        first = int(np.argmin((z * z).sum(1)))
        chosen = [first]
        dist = ((z - z[first]) ** 2).sum(1)
        for _ in range(n - 1):
            k = int(np.argmax(dist))
            chosen.append(k)
            dist = np.minimum(dist, ((z - z[k]) ** 2).sum(1))
        return np.array(chosen)
    if method == "kmeans":
        from scipy.cluster.vq import kmeans2

        cent, _ = kmeans2(z, n, seed=np.random.default_rng(seed), minit="++")
        d = ((z[:, None, :] - cent[None]) ** 2).sum(-1)
        chosen = []
        for j in np.argsort(d.min(0)):  # one distinct candidate per centroid
            for k in np.argsort(d[:, j]):
                if k not in chosen:
                    chosen.append(int(k))
                    break
        return np.array(chosen)
    raise ValueError(f"unknown selection method {method!r}; choose 'fps' or 'kmeans'")
