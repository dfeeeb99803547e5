"""IR stick spectra (intensities in km/mol), optionally over a time-domain spectrum.

Files are written atomically (see :mod:`vibmpo.plotting`).

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "ir.png"
>>> plot_ir_sticks([1595.0, 3657.0, 3756.0], [70.0, 3.0, 45.0], out).exists()
True
"""

from __future__ import annotations

import numpy as np

from vibmpo.plotting import _figure, _save

__all__ = ["plot_ir_sticks"]


def plot_ir_sticks(excitations_cm1, intensities_km_mol, path, *, labels=None,
                   curve=None, title: str | None = None, log: bool = False):
    """Stick spectrum: one line per transition from the ground state, height its
    intensity (km/mol), labelled; ``curve = (energies_cm1, values)`` draws a
    continuous spectrum (e.g. from the dipole autocorrelation) scaled to the tallest
    stick. ``log`` uses a logarithmic intensity axis (overtones are weak).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ir.png"
    >>> plot_ir_sticks([1595.0, 3190.0], [70.0, 0.5], out, labels=["v2", "2v2"], log=True).name
    'ir.png'
    """
    e = np.asarray(excitations_cm1, dtype=float).reshape(-1)
    a = np.asarray(intensities_km_mol, dtype=float).reshape(-1)
    if e.shape != a.shape:
        raise ValueError(f"{e.size} excitation energies but {a.size} intensities")
    if labels is not None and len(labels) != e.size:
        raise ValueError(f"got {len(labels)} labels for {e.size} transitions")
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    floor = max(a.max() * 1e-6, 1e-12) if log else 0.0
    ax.vlines(e, floor, np.maximum(a, floor), color="k", lw=1.5, label="transitions")
    if curve is not None:
        ce, cv = (np.asarray(c, dtype=float) for c in curve)
        scale = a.max() / max(cv.max(), 1e-300)
        ax.plot(ce, np.maximum(cv * scale, floor), color="tab:blue", lw=1.0,
                label="dipole autocorrelation (scaled)")
        ax.legend(fontsize=8)
    if labels is not None:
        for x, y, lab in zip(e, a, labels, strict=True):
            if y > floor:
                ax.annotate(str(lab), (x, y), textcoords="offset points", xytext=(0, 3),
                            ha="center", fontsize=7)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("wavenumber / cm-1")
    ax.set_ylabel("intensity / km mol-1")
    if title:
        ax.set_title(title)
    return _save(fig, path)
