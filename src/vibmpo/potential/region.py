r"""The region of coordinate space covered by a potential's training data.

A fitted potential is only trustworthy where it saw data; outside it extrapolates and
may drop far below its true minimum ("holes"). :class:`DataRegion` records, per
coordinate, the range of the training points in the input coordinates :math:`x` and in
the latent coordinates :math:`q = xU` of an NN-MPO, so that grids can be checked against
it (:mod:`vibmpo.operators.gridcheck`). Model files written by ``vibmpo fit`` carry it;
for the bundled Pompon H2CO model it is taken from the bundled training data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vibmpo._checks import as_finite_array

__all__ = ["DataRegion", "data_region", "MARGIN"]

#: Fraction of a coordinate's data range a grid may reach beyond the data on each side
#: before the grid check calls it extrapolation (the outer DVR points of a converged
#: grid lie where the wavefunctions are already small).
MARGIN = 0.25


@dataclass(frozen=True)
class DataRegion:
    """Per-coordinate ranges of training data.

    Attributes
    ----------
    x_min, x_max : ndarray (n,)
        Range of each input coordinate.
    q_min, q_max : ndarray (f,)
        Range of each latent coordinate ``q = x U``.
    n_points : int
        Number of training points.
    source : str
        Where the ranges come from (a file, a data set).

    Examples
    --------
    >>> r = data_region(np.array([[0.0, 1.0], [2.0, -1.0]]), np.eye(2), source="demo")
    >>> r.q_min.tolist(), r.q_max.tolist(), r.n_points
    ([0.0, -1.0], [2.0, 1.0], 2)
    """

    x_min: np.ndarray
    x_max: np.ndarray
    q_min: np.ndarray
    q_max: np.ndarray
    n_points: int
    source: str = ""

    def __post_init__(self):
        for lo, hi in (("x_min", "x_max"), ("q_min", "q_max")):
            a = as_finite_array(getattr(self, lo), lo, ndim=1)
            b = as_finite_array(getattr(self, hi), hi, shape=a.shape)
            if np.any(b < a):
                raise ValueError(f"{hi} must not be below {lo}")
            object.__setattr__(self, lo, a)
            object.__setattr__(self, hi, b)

    def allowed(self, margin: float = MARGIN) -> tuple[np.ndarray, np.ndarray]:
        """Latent interval per mode a grid may span: the data range widened by
        ``margin`` times its width on each side.

        Examples
        --------
        >>> r = data_region(np.array([[0.0], [4.0]]), np.eye(1))
        >>> [a.tolist() for a in r.allowed()]
        [[-1.0], [5.0]]
        """
        width = self.q_max - self.q_min
        return self.q_min - margin * width, self.q_max + margin * width


def data_region(x, U, *, source: str = "") -> DataRegion:
    """The :class:`DataRegion` of training inputs ``x`` (m, n) for coordinator ``U``.

    Examples
    --------
    >>> data_region(np.zeros((3, 2)), np.eye(2)[:, :1]).q_max.tolist()
    [0.0]
    """
    x = as_finite_array(x, "x", ndim=2)
    U = as_finite_array(U, "U", ndim=2)
    if x.shape[0] == 0 or x.shape[1] != U.shape[0]:
        raise ValueError(f"x of shape {x.shape} does not fit U of shape {U.shape}")
    q = x @ U
    return DataRegion(x_min=x.min(0), x_max=x.max(0), q_min=q.min(0), q_max=q.max(0),
                      n_points=int(x.shape[0]), source=str(source))
