r"""Grouping of levels into (near-)degenerate multiplets.

Sorted levels :math:`E_0 \le E_1 \le \dots` form one multiplet as long as neighbours
are closer than a threshold :math:`\delta` (single linkage):
:math:`E_{j+1} - E_j \le \delta` keeps :math:`E_{j+1}` in the multiplet of :math:`E_j`.
The spread of a multiplet, :math:`\max E - \min E`, measures how well a solver keeps
exact degeneracies (for an E pair it is the numerical splitting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Multiplets", "group_multiplets"]


@dataclass(frozen=True)
class Multiplets:
    """Multiplets of a list of levels.

    Attributes
    ----------
    group : ndarray of int (n,)
        Multiplet id of each level (0, 1, ... in ascending energy; levels in input order).
    size : ndarray of int (n,)
        Number of levels in the multiplet of each level.
    spread : ndarray (n,)
        Spread (max - min energy) of the multiplet of each level.
    threshold : float
        The threshold :math:`\\delta` used.

    Examples
    --------
    >>> m = group_multiplets([1.0, 2.0, 2.0001, 3.0], 1e-3)
    >>> m.group.tolist(), m.size.tolist(), m.n_groups
    ([0, 1, 1, 2], [1, 2, 2, 1], 3)
    """

    group: np.ndarray
    size: np.ndarray
    spread: np.ndarray
    threshold: float

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if self.group.size else 0

    def to_dict(self) -> dict:
        """JSON-ready ``{"group": [...], "size": [...], "spread": [...], "threshold": x}``.

        Examples
        --------
        >>> group_multiplets([0.0, 0.0], 0.1).to_dict()["size"]
        [2, 2]
        """
        return {"group": [int(g) for g in self.group], "size": [int(s) for s in self.size],
                "spread": [float(s) for s in self.spread], "threshold": float(self.threshold)}


def group_multiplets(energies, threshold: float) -> Multiplets:
    """Group levels closer than ``threshold`` (single linkage) into multiplets.

    Parameters
    ----------
    energies : array_like (n,)
        Levels, any order.
    threshold : float
        Largest gap between neighbouring levels of one multiplet (same unit).

    Examples
    --------
    >>> m = group_multiplets([723.1812, 360.99, 723.1799, 0.0], 0.01)
    >>> m.group.tolist(), np.round(m.spread, 4).tolist()
    ([2, 1, 2, 0], [0.0013, 0.0, 0.0013, 0.0])
    """
    e = np.asarray(energies, dtype=float).reshape(-1)
    if not np.all(np.isfinite(e)):
        raise ValueError("energies must be finite")
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a non-negative number, got {threshold!r}")
    order = np.argsort(e, kind="stable")
    gid = np.zeros(e.size, dtype=int)
    if e.size:
        new = np.diff(e[order]) > threshold
        gid[order] = np.concatenate([[0], np.cumsum(new)])
    size = np.bincount(gid)[gid] if e.size else np.zeros(0, dtype=int)
    lo = np.full(gid.max(initial=-1) + 1, np.inf)
    hi = np.full(gid.max(initial=-1) + 1, -np.inf)
    np.minimum.at(lo, gid, e)
    np.maximum.at(hi, gid, e)
    return Multiplets(group=gid, size=size, spread=(hi - lo)[gid], threshold=float(threshold))
