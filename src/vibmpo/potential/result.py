"""The outcome of a fit: :class:`FitResult`, its history and its error measures.

Examples
--------
>>> HISTORY_KEYS[:3]
('iteration', 'time', 'ranks')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["HISTORY_KEYS", "FitResult", "errors"]

#: Per-iteration entries of :attr:`FitResult.history`.
HISTORY_KEYS = ("iteration", "time", "ranks", "train_rmse", "train_mae", "val_rmse", "val_mae")


def errors(arrays, x, y):
    """RMSE and MAE of ``arrays.energy(x)`` against ``y`` (``(None, None)`` without data).

    Examples
    --------
    >>> class Zero:
    ...     def energy(self, x):
    ...         return np.zeros(len(x))
    >>> errors(Zero(), np.zeros((2, 1)), np.array([3.0, -1.0]))
    (2.23606797749979, 2.0)
    """
    if x is None:
        return None, None
    d = arrays.energy(x) - y
    return float(np.sqrt(np.mean(d * d))), float(np.mean(np.abs(d)))


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit`.

    Attributes
    ----------
    model : NNMPO
        Best model by validation RMSE (by training RMSE without validation data).
    last_model : NNMPO
        Model after the final iteration.
    history : dict of lists
        Per outer iteration: ``iteration``, ``time``, ``ranks``, ``train_rmse``,
        ``train_mae``, ``val_rmse``, ``val_mae`` (energy unit of the data; val entries
        None without validation data; with ``fit(..., symmetry=...)`` the errors of
        the group average of each iterate, which also picks the best).
    wall_time : float
        Seconds.
    best_iteration : int
        Index into the history of :attr:`model`.
    options : dict
        The resolved training options.
    members : tuple of FitResult
        The members' own results for an ensemble (``members > 1``; the history then has
        one entry, the ensemble's errors), else empty.
    data_region : DataRegion or None
        Per-coordinate ranges of the training data (:mod:`vibmpo.potential.region`);
        :meth:`arrays` attaches it to the exported model so that grid Hamiltonians are
        checked against it.
    baseline : PolynomialPotential or NNMPOArrays or None
        The Δ-learning baseline (``fit(..., baseline=...)``): :attr:`model` is then the
        correction and :meth:`arrays` returns baseline + correction as a
        :class:`~vibmpo.potential.composite.CompositePotential`.
    symmetry : dict or None
        With ``fit(..., symmetry=...)``: the generators, the ranks of the fit and of the
        group average (rounded), the rounding bound, and the training and validation
        errors of the fit's own model (``*_raw``) and of the group average
        (``*_symmetric``, the returned :attr:`model`).

    Examples
    --------
    >>> r = FitResult(None, None, {"train_rmse": [3.0, 1.0, 2.0]}, 2.0, best_iteration=1)
    >>> r.metadata()["best"]
    {'train_rmse': 1.0}
    """

    model: object
    last_model: object
    history: dict
    wall_time: float
    best_iteration: int
    options: dict = field(default_factory=dict)
    members: tuple = ()
    data_region: object = None
    baseline: object = None
    symmetry: dict | None = None

    def arrays(self):
        """The best model as :class:`~vibmpo.potential.arrays.NNMPOArrays`, carrying
        :attr:`data_region` (what ``vibmpo fit`` saves); with a :attr:`baseline`, the
        :class:`~vibmpo.potential.composite.CompositePotential` baseline + correction.

        Examples
        --------
        >>> FitResult(None, None, {}, 0.0, 0).arrays() is None
        True
        """
        if self.model is None:
            return None
        from dataclasses import replace

        arrays = replace(self.model.to_arrays(), data_region=self.data_region)
        if self.baseline is None:
            return arrays
        from vibmpo.potential.composite import CompositePotential

        return CompositePotential(self.baseline, arrays)

    def metadata(self) -> dict:
        """JSON-ready summary (options, final metrics) for model files.

        Examples
        --------
        >>> FitResult(None, None, {"train_rmse": [1.0]}, 2.0, 0).metadata()["wall_time_s"]
        2.0
        """
        h = self.history
        best = {k: (v[self.best_iteration] if v else None) for k, v in h.items()}
        return {"options": self.options, "wall_time_s": self.wall_time,
                "best_iteration": self.best_iteration, "best": best,
                "n_cores": os.cpu_count(), "symmetry": self.symmetry}
