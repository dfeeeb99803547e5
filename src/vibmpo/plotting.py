"""Pictures of every result: learning curves, PES cuts, level diagrams, autocorrelation
functions, spectra and reduced densities (matplotlib).

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

__all__ = [
    "plot_autocorrelation",
    "plot_spectrum",
    "plot_learning_curve",
    "plot_levels",
    "plot_pes_cut",
    "plot_density",
]


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
                         title: str | None = None, extra=None, note: str | None = None
                         ) -> Path:
    """Plot ``|C(t)|`` (with Re C(t) faint behind it) against time into ``path``.

    Re and Im of :math:`C(t)` oscillate at the mean energy, far faster than the axis can
    show, so they would be a solid block of colour; their envelope :math:`|C(t)|` carries
    the dynamics (recurrences, dephasing). Re C(t) is drawn faint behind it.

    Parameters
    ----------
    times, autocorrelation : array_like
        Samples of :math:`C(t) = \\langle \\psi(0) | \\psi(t) \\rangle`.
    path : str or Path
        Output file; its suffix selects the format.
    time_unit : str, optional
        Axis label unit.
    title : str, optional
    extra : tuple (times, values, label), optional
        A second curve for ``|C|`` (e.g. the exact reference or the t/2-trick samples).
    note : str, optional
        A line under the title (e.g. that the samples beyond the propagated time come
        from the t/2 trick).

    Returns
    -------
    Path

    Examples
    --------
    A harmonic oscillator in its ground state, :math:`C(t) = e^{-i\\omega t/2}`:

    >>> import tempfile, pathlib
    >>> t = np.linspace(0.0, 20.0, 201)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = plot_autocorrelation(t, np.exp(-0.5j * t), pathlib.Path(tmp) / "c.png",
    ...                                time_unit="fs")
    ...     print(png.name, png.stat().st_size > 0)
    c.png True
    """
    t = np.asarray(times, dtype=float)
    c = np.asarray(autocorrelation, dtype=complex)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(t, c.real, lw=0.4, color="tab:blue", alpha=0.25, label="Re C(t)")
    ax.plot(t, np.abs(c), lw=1.3, color="k", label="|C(t)|")
    if extra is not None:
        te, ce, label = extra
        ax.plot(np.asarray(te, float), np.abs(np.asarray(ce, complex)), lw=1.0, ls="--",
                color="tab:red", label=label)
    ax.set_xlim(float(t.min()), float(t.max()))
    ax.set_ylim(-1.05, 1.05)
    ax.axhline(0.0, color="0.6", lw=0.5)
    ax.set_xlabel(f"time t / {time_unit}" if time_unit else "time t")
    ax.set_ylabel("autocorrelation C(t) (dimensionless)")
    ax.legend(loc="lower right", fontsize=8)
    if title or note:
        ax.set_title("\n".join(x for x in (title, note) if x), fontsize=9)
    return _save(fig, path)


def plot_spectrum(energies, intensity, path, *, peaks=None, levels=None,
                  energy_unit: str = "", zero_label: str = "", title: str | None = None,
                  note: str | None = None) -> Path:
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
    zero_label : str, optional
        What the energies are measured from (e.g. ``"ground level"``), in the axis label.
    title : str, optional
    note : str, optional
        A line under the title, e.g. the window and resolution (a windowed transform rings
        next to its peaks, below zero for some windows).

    Returns
    -------
    Path

    Examples
    --------
    Two Lorentzian lines with their peaks marked:

    >>> import tempfile, pathlib
    >>> e = np.linspace(0.0, 3000.0, 601)
    >>> s = sum(1.0 / (1.0 + ((e - e0) / 20.0) ** 2) for e0 in (1000.0, 2000.0))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp) / "spectrum.png"
    ...     plot_spectrum(e, s, out, peaks=[1000.0, 2000.0], energy_unit="cm-1",
    ...                   zero_label="ground level").exists()
    True
    """
    e = np.asarray(energies, dtype=float)
    s = np.asarray(intensity, dtype=float)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(e, s, lw=1.0, color="k", label="spectrum")
    ax.axhline(0.0, color="0.6", lw=0.5)
    if levels is not None:
        for i, lv in enumerate(np.atleast_1d(levels)):
            ax.axvline(float(lv), color="tab:blue", lw=0.6, alpha=0.6,
                       label="reference levels" if i == 0 else None)
    if peaks is not None and len(peaks):
        p = np.asarray(peaks, dtype=float)
        ax.plot(p, np.interp(p, e, s), "o", ms=3, color="tab:red", label="peaks")
    name = f"energy above the {zero_label}" if zero_label else "energy"
    ax.set_xlabel(f"{name} / {energy_unit}" if energy_unit else name)
    ax.set_ylabel("intensity σ(E) / arb. units")
    ax.set_xlim(float(e.min()), float(e.max()))
    ax.legend(loc="upper right", fontsize=8)
    if title or note:
        ax.set_title("\n".join(x for x in (title, note) if x), fontsize=9)
    return _save(fig, path)


def plot_learning_curve(history: dict, path, *, energy_unit: str = "cm-1",
                        title: str | None = None) -> Path:
    """Training and validation errors per iteration of a fit (log scale) into ``path``.

    ``history`` maps names such as ``"train_rmse"``, ``"val_rmse"``, ``"val_mae"`` to
    sequences, one value per iteration (a ``FitResult.history``); empty entries are
    skipped.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "fit.png"
    >>> plot_learning_curve({"train_rmse": [9.0, 3.0], "val_rmse": [10.0, 5.0]}, out).exists()
    True
    """
    fig = _figure()
    ax = fig.add_subplot()
    drawn = 0
    for name, values in history.items():
        v = np.asarray(values if values is not None else [], dtype=float).reshape(-1)
        if v.size and np.all(np.isfinite(v)) and np.all(v > 0):
            ax.plot(np.arange(1, v.size + 1), v, marker="o", ms=2.5, lw=1.0,
                    label=name.replace("_", " "))
            drawn += 1
    if not drawn:
        raise ValueError("history holds no positive finite curve to plot")
    from matplotlib.ticker import MaxNLocator

    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # iterations are whole numbers
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"error / {energy_unit}")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def _spread_labels(y, min_gap):
    """Label positions near ``y`` (sorted order kept) at least ``min_gap`` apart."""
    y = np.asarray(y, dtype=float)
    order = np.argsort(y, kind="stable")
    pos = y[order].copy()
    for k in range(1, pos.size):
        pos[k] = max(pos[k], pos[k - 1] + min_gap)
    out = np.empty_like(pos)
    out[order] = pos
    return out


def plot_levels(excitations, path, *, labels=None, energy_unit: str = "cm-1",
                reference=None, names=("levels", "reference"), title: str | None = None
                ) -> Path:
    """Level diagram: one line per level at its excitation energy above the ground level,
    with assignment labels spread apart where levels are close (a thin leader points to
    the level); ``reference`` levels (e.g. exact diagonalisation) are drawn beside for
    comparison, the two columns named by ``names`` (e.g. ``("DMRG", "exact")``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "levels.png"
    >>> plot_levels([0.0, 1160.7, 1240.4], out, labels=["0", "v1", "v2"]).exists()
    True
    """
    e = np.asarray(excitations, dtype=float).reshape(-1)
    if labels is not None and len(labels) != e.size:
        raise ValueError(f"got {len(labels)} labels for {e.size} levels")
    fig = _figure(4.2 if reference is None else 5.4, 6.0)
    ax = fig.add_subplot()
    span = float(np.ptp(e)) or 1.0
    x1 = 1.0
    ax.hlines(e, 0.0, x1, color="k", lw=1.2)
    ticks, names_shown = [0.5], [names[0]]
    if reference is not None:
        r = np.asarray(reference, dtype=float).reshape(-1)
        ax.hlines(r, 1.25, 2.25, color="tab:blue", lw=1.2)
        ticks.append(1.75)
        names_shown.append(names[1])
        x1 = 2.25
    top = float(e.max())
    if labels is not None:
        ypos = _spread_labels(e, 0.028 * span)
        top = max(top, float(ypos.max()))
        for y, yl, lab in zip(e, ypos, labels, strict=True):
            ax.annotate(str(lab), xy=(x1, y), xytext=(x1 + 0.25, yl), va="center",
                        fontsize=7, arrowprops={"arrowstyle": "-", "lw": 0.4,
                                                "color": "0.5"})
    ax.set_xlim(-0.05, x1 + (1.45 if labels is not None else 0.1))
    ax.set_ylim(float(e.min()) - 0.04 * span, top + 0.04 * span)
    ax.set_xticks(ticks, names_shown, fontsize=8)
    ax.tick_params(axis="x", length=0)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(f"excitation energy above the ground level / {energy_unit}")
    if title:
        ax.set_title(title, fontsize=9)
    return _save(fig, path)


def plot_pes_cut(q, energies, path, *, reference=None, reference_q=None,
                 xlabel: str = "q", energy_unit: str = "cm-1",
                 title: str | None = None) -> Path:
    """A one-dimensional cut of a potential, optionally with reference points (e.g. the
    ab initio energies of the same cut).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> q = np.linspace(-2, 2, 41)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "cut.png"
    >>> plot_pes_cut(q, 0.5 * q**2, out, reference=0.5 * q[::5]**2, reference_q=q[::5]).exists()
    True
    """
    q = np.asarray(q, dtype=float)
    v = np.asarray(energies, dtype=float)
    if q.shape != v.shape:
        raise ValueError(f"q {q.shape} and energies {v.shape} must have the same shape")
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(q, v, color="k", lw=1.2, label="model")
    if reference is not None:
        rq = q if reference_q is None else np.asarray(reference_q, dtype=float)
        ax.plot(rq, np.asarray(reference, dtype=float), "o", ms=3.5, color="tab:red",
                label="reference")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"energy / {energy_unit}")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_density(times, points, densities, path, *, time_unit: str = "",
                 xlabel: str = "q", density_unit: str = "", title: str | None = None
                 ) -> Path:
    """A reduced one-mode density over time as a colour map (time vs coordinate).

    ``densities`` has shape ``(n_times, n_points)``: best a smooth density on a fine line
    of points (the one-mode density matrix through the DVR basis functions,
    :func:`vibmpo.operators.dvr.dvr_functions`); the diagonal of the density matrix
    divided by the DVR weights gives its values at the grid points only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> t, x = np.linspace(0, 1, 5), np.linspace(-1, 1, 7)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "rho.png"
    >>> plot_density(t, x, np.ones((5, 7)) / 7, out).exists()
    True
    """
    t = np.asarray(times, dtype=float)
    x = np.asarray(points, dtype=float)
    rho = np.asarray(densities, dtype=float)
    if rho.shape != (t.size, x.size):
        raise ValueError(f"densities must have shape (n_times, n_points) = {(t.size, x.size)}, "
                         f"got {rho.shape}")
    fig = _figure()
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(x, t, rho, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="probability density"
                 + (f" / {density_unit}" if density_unit else ""))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"time / {time_unit}" if time_unit else "time")
    if title:
        ax.set_title(title)
    return _save(fig, path)
