r"""Checks of fitting options and training data, made before any training.

A fit must never turn bad input into a model silently. :func:`check_fit_options`
refuses options outside their range (``ridge`` finite and :math:`\ge 0`, ``n_sweeps``
:math:`\ge 1`, ``time_budget`` finite and :math:`> 0`, ``grad_steps`` :math:`\ge 0`);
:func:`check_fit_data` refuses constant energies, identical inputs and gross outliers
and warns when the data have fewer rows than the model has free parameters.

**Outliers.** With the median :math:`\tilde a` and the scaled median absolute deviation
:math:`s = 1.4826\,\mathrm{median}|a - \tilde a|` (the standard deviation for normal
data, insensitive to the outliers themselves), a value is an outlier when

.. math::

    |a - \tilde a| > z_\mathrm{max}\, s, \qquad z_\mathrm{max} = 50

(:data:`OUTLIER_Z`), for the energies and for each input coordinate. Sampled
potential-energy data lie within a few robust deviations (the bundled H2CO data: 5.5 at
most), so only gross errors, such as a unit slip or a corrupt row, are refused; pass
``outliers="keep"`` (``vibmpo fit --keep-outliers``) to fit them anyway.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["OUTLIER_Z", "FewDataWarning", "check_fit_options", "check_fit_data",
           "outlier_rows", "count_parameters"]

#: Robust deviations beyond which a value counts as an outlier.
OUTLIER_Z = 50.0


class FewDataWarning(UserWarning):
    """The training data have fewer rows than the model has free parameters.

    Examples
    --------
    >>> issubclass(FewDataWarning, UserWarning)
    True
    """


def _values(value, name):
    vals = np.atleast_1d(np.asarray(value, dtype=object)).ravel()
    out = []
    for v in vals:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number or a sequence of numbers, got "
                             f"{value!r}") from None
    if not out:
        raise ValueError(f"{name} is empty")
    return out


def _whole(value, name, low):
    for v in _values(value, name):
        if not math.isfinite(v) or v != int(v) or v < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")


def check_fit_options(opts: dict) -> None:
    """Refuse fitting options outside their range, naming the option and its range.

    Parameters
    ----------
    opts : dict
        Resolved options (profile defaults and user values): ``ridge``, ``n_sweeps``,
        ``time_budget``, ``grad_steps`` (each may be missing or None).

    Examples
    --------
    >>> check_fit_options({"ridge": 1e-7, "n_sweeps": 10, "time_budget": 60.0})
    >>> check_fit_options({"ridge": -1.0})
    Traceback (most recent call last):
    ...
    ValueError: ridge must be finite and >= 0 (a relative ridge strength such as 1e-7), got -1.0
    """
    if opts.get("ridge") is not None:
        for v in _values(opts["ridge"], "ridge"):
            if not math.isfinite(v) or v < 0:
                raise ValueError("ridge must be finite and >= 0 (a relative ridge strength "
                                 f"such as 1e-7), got {opts['ridge']!r}")
    if opts.get("n_sweeps") is not None:
        _whole(opts["n_sweeps"], "n_sweeps (--sweeps)", 1)
    if opts.get("grad_steps") is not None:
        _whole(opts["grad_steps"], "grad_steps (--grad-steps)", 0)
    if opts.get("time_budget") is not None:
        v = _values(opts["time_budget"], "time_budget")
        if len(v) != 1 or not math.isfinite(v[0]) or v[0] <= 0:
            raise ValueError("time_budget (--time-budget) must be a finite number of seconds "
                             f"> 0, got {opts['time_budget']!r}")


def _robust_z(a):
    """|a - median| / robust scale per column (inf where the scale is zero but a value
    differs, 0 where all values are equal)."""
    med = np.median(a, axis=0)
    dev = np.abs(a - med)
    scale = 1.4826 * np.median(dev, axis=0)
    fallback = dev.mean(axis=0)  # more than half the values equal: mean deviation
    scale = np.where(scale > 0, scale, fallback)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(dev > 0, dev / np.where(scale > 0, scale, 1.0), 0.0)
    return z


def outlier_rows(x, y, *, z_max: float = OUTLIER_Z) -> dict:
    """Rows whose energy or any input coordinate lies more than ``z_max`` robust
    deviations from the median (see the module docstring).

    Returns
    -------
    dict
        ``{"y": rows, "x": rows}`` (sorted row indices).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(50, 2)); y = (x**2).sum(1)
    >>> y[7] = 1e30
    >>> outlier_rows(x, y)
    {'y': [7], 'x': []}
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    zy = _robust_z(y)
    zx = _robust_z(x).max(axis=1)
    return {"y": np.flatnonzero(zy > z_max).tolist(), "x": np.flatnonzero(zx > z_max).tolist()}


def count_parameters(n_inputs: int, n_modes: int, basis_size: int, max_rank) -> int:
    """Free parameters of an NN-MPO: cores :math:`\\sum_i r_{i-1} N r_i` (ranks capped by
    ``max_rank`` and by :math:`N^{\\min(i, f-i)}`), the basis (3 per non-constant
    function and mode) and the coordinator (:math:`nf - f(f+1)/2`).

    Examples
    --------
    >>> count_parameters(2, 2, 5, 3)   # cores 1*5*3 + 3*5*1, basis 3*4*2, U 1
    55
    """
    r_max = int(max(_values(max_rank, "max_rank")))
    f, n_b = int(n_modes), int(basis_size)
    ranks = [1] + [min(r_max, n_b ** min(i, f - i)) for i in range(1, f)] + [1]
    cores = sum(ranks[i] * n_b * ranks[i + 1] for i in range(f))
    return int(cores + 3 * (n_b - 1) * f + n_inputs * f - f * (f + 1) // 2)


def check_fit_data(x, y, f=None, *, opts: dict | None = None, outliers: str = "reject"):
    """Refuse training data that cannot give a trustworthy model, before training.

    Parameters
    ----------
    x : ndarray (m, n)
    y : ndarray (m,)
    f : ndarray (m, n), optional
    opts : dict, optional
        Resolved options with ``basis_size`` and ``max_rank``, for the parameter count.
    outliers : {"reject", "keep"}
        Refuse gross outliers (default) or fit them anyway.

    Raises
    ------
    ValueError
        Constant energies, all inputs identical, or outliers (rows named).

    Warns
    -----
    FewDataWarning
        When the data have fewer rows (energies plus force components) than the model
        has free parameters at the first rank of the schedule.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(50, 2))
    >>> check_fit_data(x, np.ones(50))
    Traceback (most recent call last):
    ...
    ValueError: all 50 energies are equal (1); a potential needs energies that vary: check y
    """
    if outliers not in ("reject", "keep"):
        raise ValueError(f"outliers must be 'reject' or 'keep', got {outliers!r}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    m, n = x.shape
    if np.all(y == y[0]):
        raise ValueError(f"all {m} energies are equal ({y[0]:g}); a potential needs "
                         "energies that vary: check y")
    if np.all(x == x[0]):
        raise ValueError(f"all {m} training points have the same coordinates; a potential "
                         "needs points spread over the region of interest: check x")
    if outliers == "reject":
        bad = outlier_rows(x, y)
        if bad["y"] or bad["x"]:
            parts = []
            for key, what in (("y", "energies"), ("x", "coordinates")):
                rows = bad[key]
                if rows:
                    shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
                    parts.append(f"{what} of row(s) {shown} (0-based)")
            raise ValueError(
                "gross outliers in the training data: " + "; ".join(parts) + f" lie more "
                f"than {OUTLIER_Z:g} robust deviations (median absolute deviation) from the "
                "median; fix or remove those rows, or keep them knowingly with "
                "--keep-outliers (outliers='keep')")
    if opts and opts.get("basis_size") is not None and opts.get("max_rank") is not None:
        # the model the fit starts from: first rank of a growth schedule (ranks grow
        # further only while the ridge-regularised sweeps can use them)
        first = _values(opts["max_rank"], "max_rank")[0]
        k = count_parameters(n, n, int(opts["basis_size"]), first)
        rows = m * (1 + (n if f is not None else 0))
        if rows < k:
            warnings.warn(
                f"the training data have {rows} rows ({m} energies"
                + (f" + {m * n} force components" if f is not None else "") + f") but the "
                f"model has {k} free parameters (ranks <= {int(first)}, {opts['basis_size']} "
                "functions per mode) even at the start: it can fit the data exactly and be "
                "wrong between them (watch the validation error); add data or lower "
                "--max-rank / --basis-size", FewDataWarning, stacklevel=3)
