"""Per-iteration schedules of the trainer: a scalar, a sequence whose last value
repeats, or a :class:`Piecewise` constant schedule.

Examples
--------
>>> [schedule_value((4, 6, 8), i) for i in range(5)]
[4, 6, 8, 8, 8]
>>> ridge = Piecewise((1e-6, 1e-7), starts=(0, 182))
>>> schedule_value(ridge, 181), schedule_value(ridge, 182)
(1e-06, 1e-07)
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

__all__ = ["Piecewise", "schedule_value"]


@dataclass(frozen=True)
class Piecewise:
    """Piecewise-constant schedule: ``values[k]`` from iteration ``starts[k]`` on.

    Attributes
    ----------
    values : tuple of float
        The values, in order.
    starts : tuple of int
        First iteration of each value: strictly increasing, starting at 0.

    Examples
    --------
    >>> s = Piecewise((1e-6, 1e-7), starts=(0, 182))
    >>> s(0), s(181), s(182), s(10**6)
    (1e-06, 1e-06, 1e-07, 1e-07)
    """

    values: tuple
    starts: tuple

    def __post_init__(self):
        values = tuple(float(v) for v in np.atleast_1d(self.values))
        starts = tuple(int(s) for s in np.atleast_1d(self.starts))
        if len(values) != len(starts) or not starts or starts[0] != 0 or \
                any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError("a Piecewise schedule needs one start per value, strictly "
                             f"increasing from 0; got values {values} and starts {starts}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "starts", starts)

    def __call__(self, iteration: int) -> float:
        """The value at ``iteration`` (>= 0)."""
        return self.values[bisect.bisect_right(self.starts, int(iteration)) - 1]


def schedule_value(schedule, iteration: int):
    """The value of ``schedule`` at ``iteration``: a scalar is constant, a sequence's last
    value repeats, a :class:`Piecewise` (or any callable) is called.

    Examples
    --------
    >>> schedule_value(0.5, 7), schedule_value([1, 2], 7)
    (0.5, 2)
    """
    if callable(schedule):
        return schedule(iteration)
    if np.ndim(schedule) == 0:
        return schedule
    seq = list(schedule)
    return seq[min(iteration, len(seq) - 1)]
