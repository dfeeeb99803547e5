"""Plots of propagation results: autocorrelation functions and spectra (matplotlib).

matplotlib is imported only inside the functions, and figures are drawn with the Agg
canvas directly, so importing this module is free and no global backend is changed.
Files are written atomically.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> t = np.linspace(0.0, 10.0, 101)
>>> out = pathlib.Path(tempfile.mkdtemp()) / "c.png"
>>> plot_autocorrelation(t, np.exp(-1j * t), out).exists()  # doctest: +SKIP
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vibmpo._checks import atomic_path

__all__ = ["plot_autocorrelation", "plot_spectrum"]


def _figure(width=7.0, height=4.0):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format=path.suffix.lstrip(".") or "png")
    return path


def plot_autocorrelation(times, autocorrelation, path, *, time_unit: str = "",
                         title: str | None = None, extra=None) -> Path:
    """Plot Re C(t), Im C(t) and |C(t)| against time into ``path`` (PNG/PDF/SVG).

    Parameters
    ----------
    times, autocorrelation : array_like
        Samples of :math:`C(t)`.
    path : str or Path
        Output file; its suffix selects the format.
    time_unit : str, optional
        Axis label unit.
    title : str, optional
    extra : tuple (times, values, label), optional
        A second curve for |C| (e.g. the exact reference or the t/2-trick samples).

    Returns
    -------
    Path
    """
    t = np.asarray(times, dtype=float)
    c = np.asarray(autocorrelation, dtype=complex)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(t, c.real, lw=0.8, label="Re C(t)")
    ax.plot(t, c.imag, lw=0.8, label="Im C(t)")
    ax.plot(t, np.abs(c), lw=1.2, color="k", label="|C(t)|")
    if extra is not None:
        te, ce, label = extra
        ax.plot(np.asarray(te, float), np.abs(np.asarray(ce, complex)), lw=1.0, ls="--",
                color="tab:red", label=label)
    ax.set_xlabel(f"time / {time_unit}" if time_unit else "time")
    ax.set_ylabel("C(t)")
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_spectrum(energies, intensity, path, *, peaks=None, levels=None,
                  energy_unit: str = "", title: str | None = None) -> Path:
    """Plot a spectrum, mark its peaks and (optionally) reference levels.

    Parameters
    ----------
    energies, intensity : array_like
        The spectrum :math:`\\sigma(E)`.
    path : str or Path
        Output file.
    peaks : array_like, optional
        Peak positions (marked with dots).
    levels : array_like, optional
        Reference energies (e.g. DMRG or exact levels), drawn as vertical lines.
    energy_unit : str, optional
        Axis label unit.
    title : str, optional

    Returns
    -------
    Path
    """
    e = np.asarray(energies, dtype=float)
    s = np.asarray(intensity, dtype=float)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(e, s, lw=1.0, color="k", label="spectrum")
    if levels is not None:
        for i, lv in enumerate(np.atleast_1d(levels)):
            ax.axvline(float(lv), color="tab:blue", lw=0.6, alpha=0.6,
                       label="reference levels" if i == 0 else None)
    if peaks is not None and len(peaks):
        p = np.asarray(peaks, dtype=float)
        ax.plot(p, np.interp(p, e, s), "o", ms=3, color="tab:red", label="peaks")
    ax.set_xlabel(f"energy / {energy_unit}" if energy_unit else "energy")
    ax.set_ylabel("intensity")
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return _save(fig, path)
