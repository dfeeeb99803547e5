r"""Levels of separable Hamiltonians :math:`H = \sum_i h_i`: the lowest configurations.

A configuration :math:`\mathbf n = (n_1, \dots, n_f)` of one-mode levels has the
excitation energy :math:`\sum_i \epsilon_{i,n_i}` (each :math:`\epsilon_{i,0} = 0`); the
lowest ``m`` of them are enumerated best-first from :math:`\mathbf 0` with a heap (each
configuration's neighbours raise one mode by one quantum), without listing the product
space. Used for grid sizes (:mod:`vibmpo.operators.grid_convergence`) and for the
configuration-interaction guesses of sequential DMRG
(:func:`vibmpo.solvers.guesses.configuration_guesses`).
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["lowest_configurations"]


def lowest_configurations(excitations, m: int):
    r"""The ``m`` configurations with the lowest :math:`\sum_i \epsilon_{i,n_i}`, ascending.

    Parameters
    ----------
    excitations : sequence of array_like
        Per mode: its level energies, ascending; measured from the mode's lowest level
        (it is subtracted if not zero).
    m : int
        Number of configurations (fewer if the product space is smaller).

    Returns
    -------
    configurations : ndarray of int (m, n_modes)
    energies : ndarray (m,)
        Their excitation energies.

    Examples
    --------
    Two modes with levels 0, 1, 2 and 0, 1.5; the overtone (2, 0) lies at 2, not 3:

    >>> q, e = lowest_configurations([[0.0, 1.0, 2.0], [0.0, 1.5]], 5)
    >>> q.tolist(), e.tolist()
    ([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1]], [0.0, 1.0, 1.5, 2.0, 2.5])
    """
    exc = [np.asarray(e, dtype=float) - float(e[0]) for e in excitations]
    start = (0,) * len(exc)
    heap, seen, out, energies = [(0.0, start)], {start}, [], []
    while heap and len(out) < m:
        e, q = heapq.heappop(heap)
        out.append(q)
        energies.append(e)
        for i, ei in enumerate(exc):
            if q[i] + 1 < len(ei):
                nq = q[:i] + (q[i] + 1,) + q[i + 1:]
                if nq not in seen:
                    seen.add(nq)
                    heapq.heappush(heap, (e + ei[q[i] + 1] - ei[q[i]], nq))
    return np.array(out, dtype=int).reshape(len(out), len(exc)), np.array(energies)
