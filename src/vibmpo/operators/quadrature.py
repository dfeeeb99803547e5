r"""Quadrature weights and signs of DVR grids: what a function on the grid points means.

A DVR function :math:`\chi_k` is localised at its point :math:`q_k` with
:math:`\chi_k(q_k) = \mathrm{sign}_k/\sqrt{w_k}`, where :math:`w_k` are the quadrature
weights (:math:`\int f\,dq \approx \sum_k w_k f(q_k)`), so a smooth function
:math:`\phi` has the DVR coefficients :math:`\langle\chi_k|\phi\rangle \approx
\mathrm{sign}_k\sqrt{w_k}\,\phi(q_k)`. For the HO-DVR (Gauss--Hermite nodes
:math:`x_k` with weights :math:`W_k` for :math:`e^{-x^2}`, :math:`q_k = c +
x_k/\sqrt\omega`) :math:`w_k = W_k e^{x_k^2}/\sqrt\omega`; for the sine DVR
:math:`w_k = \Delta q`. Used by the solvers' initial states
(:func:`vibmpo.solvers.gaussian_wavepacket`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["dvr_weights", "dvr_signs"]


def dvr_weights(grid) -> np.ndarray:
    r"""Quadrature weights :math:`w_k` of a DVR grid (``Grid`` of :mod:`vibmpo.operators.dvr`).

    :math:`\int f(q)\,dq \approx \sum_k w_k f(q_k)`.

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> g = ho_grid(12, omega=2.0)
    >>> round(float(dvr_weights(g) @ np.exp(-2.0 * g.points**2)), 10)  # sqrt(pi/2)
    1.2533141373
    """
    kind = getattr(grid, "kind", None)
    q = np.asarray(grid.points, dtype=float)
    if kind == "ho":
        omega = float(grid.params["omega"])
        center = float(grid.params.get("center", 0.0))
        x, w = np.polynomial.hermite.hermgauss(q.size)
        if not np.allclose(center + x / np.sqrt(omega), q, rtol=1e-8, atol=1e-10):
            raise ValueError(
                f"HO grid points do not match the Gauss-Hermite nodes for omega={omega}; "
                "build the grid with vibmpo.operators.dvr.ho_grid")
        return w * np.exp(x * x) / np.sqrt(omega)
    if kind == "sine":
        return np.full(q.size, float(q[1] - q[0]) if q.size > 1 else 1.0)
    raise ValueError(f"unknown grid kind {kind!r}; expected a Grid from vibmpo.operators.dvr")


def dvr_signs(grid) -> np.ndarray:
    r"""Signs :math:`\mathrm{sign}\,\chi_k(q_k)` of the DVR functions at their own points.

    A DVR basis is fixed only up to the sign of each function; the kinetic matrix of the
    grid carries that choice. The signs are read off the ground state of the grid's
    reference problem (the oscillator :math:`T + \tfrac12\omega^2(q-c)^2` for HO grids,
    the box :math:`T` for sine grids), which is positive everywhere.

    Examples
    --------
    >>> from vibmpo.operators.dvr import sine_grid
    >>> dvr_signs(sine_grid(4, 0.0, 1.0)).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    q = np.asarray(grid.points, dtype=float)
    h = np.array(grid.kinetic, dtype=float)
    if grid.kind == "ho":
        omega = float(grid.params["omega"])
        h = h + np.diag(0.5 * omega**2 * (q - float(grid.params.get("center", 0.0))) ** 2)
    g = np.linalg.eigh(h)[1][:, 0]
    g = g * np.sign(g[np.argmax(np.abs(g))])
    sg = np.sign(g)
    sg[sg == 0] = 1.0
    return sg
