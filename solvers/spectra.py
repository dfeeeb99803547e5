r"""Spectra from autocorrelation functions: windowed Fourier transform and peak picking.

For a state :math:`\psi(0)` evolving under :math:`H` the autocorrelation function is

.. math::

    C(t) = \langle\psi(0)|\psi(t)\rangle = \sum_n |c_n|^2 e^{-i E_n t},
    \qquad c_n = \langle n|\psi(0)\rangle ,

so its Fourier transform is the spectrum :math:`\sigma(E) = \sum_n |c_n|^2\delta(E-E_n)`.
With :math:`C(-t) = C(t)^*` and a window :math:`w(t)` on :math:`[0, T]`,

.. math::

    \sigma(E) = \frac{1}{\pi}\,\mathrm{Re}\int_0^T C(t)\, w(t)\, e^{iEt}\, dt ,

evaluated here by the trapezoidal rule on the sampled times. Each line :math:`E_n`
then has the shape of the window's transform, with full width at half maximum about
:math:`2\pi/T` (Hann window), which is the spectral resolution.

The *t/2 trick*: if :math:`H` is real symmetric and :math:`\psi(0)` real, then
:math:`\psi(t)^* = \psi(-t)` and :math:`C(2t) = \langle\psi(t)^*|\psi(t)\rangle =
\sum_k \psi_k(t)^2` (no complex conjugation), which doubles the time range of a
propagation at no cost (:func:`autocorrelation_t2`).

Energies and times are in any consistent units with :math:`\hbar = 1` (atomic units for
molecules; convert the peak positions to cm^-1 with :mod:`vibmpo.units`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from vibmpo._checks import as_finite_array

__all__ = [
    "Spectrum",
    "WINDOWS",
    "PEAK_THRESHOLD",
    "window_function",
    "spectrum",
    "find_peaks",
    "autocorrelation_t2",
]

#: Window functions accepted by :func:`spectrum`.
WINDOWS = ("hann", "gaussian", "box")

#: Default relative height below which :func:`spectrum` and :func:`find_peaks` drop a
#: maximum: the Hann window's side lobes and their interference stay below about 1.5 %.
PEAK_THRESHOLD = 0.02


@dataclass(frozen=True)
class Spectrum:
    """A spectrum on an energy grid with its picked peaks.

    Attributes
    ----------
    energies : numpy.ndarray
        Energy grid (units of the input, ``1/time``).
    intensity : numpy.ndarray
        :math:`\\sigma(E)` on ``energies``.
    peaks : numpy.ndarray
        Peak positions (parabolically refined), ascending.
    heights : numpy.ndarray
        Spectrum value at each peak.
    resolution : float
        Approximate full width at half maximum of one line, :math:`2\\pi/T` for the Hann
        window: peaks closer than this are not resolved.
    window : str
        Window used.
    energy_unit : str
        Label of the energy unit (for output only; formerly ``unit``, a deprecated alias).
    info : dict
        Further details (formerly ``meta``, a deprecated alias).

    Examples
    --------
    One line at :math:`E = 1.5` from :math:`C(t) = e^{-1.5 i t}` over :math:`T = 200`:

    >>> t = np.arange(0.0, 200.0, 0.1)
    >>> s = spectrum(t, np.exp(-1.5j * t), emax=3.0)
    >>> s.peaks.round(3).tolist(), round(s.resolution, 4), s.window
    ([1.5], 0.0314, 'hann')
    """

    energies: np.ndarray
    intensity: np.ndarray
    peaks: np.ndarray
    heights: np.ndarray
    resolution: float
    window: str
    energy_unit: str = ""
    info: dict = field(default_factory=dict)

    @property
    def unit(self) -> str:
        """Deprecated alias of ``energy_unit``."""
        warnings.warn("Spectrum.unit is renamed energy_unit; the old name goes in the next "
                      "release", DeprecationWarning, stacklevel=2)
        return self.energy_unit

    @property
    def meta(self) -> dict:
        """Deprecated alias of ``info``."""
        warnings.warn("Spectrum.meta is renamed info; the old name goes in the next release",
                      DeprecationWarning, stacklevel=2)
        return self.info

    def to_dict(self) -> dict:
        """Plain-JSON representation (lists and floats).

        Examples
        --------
        >>> import numpy as np
        >>> t = np.linspace(0, 200, 2001)
        >>> sorted(spectrum(t, np.exp(-1j * t), emax=3.0).to_dict())[:3]
        ['energies', 'energy_unit', 'heights']
        """
        return {
            "energies": self.energies.tolist(),
            "intensity": self.intensity.tolist(),
            "peaks": self.peaks.tolist(),
            "heights": self.heights.tolist(),
            "resolution": float(self.resolution),
            "window": self.window,
            "energy_unit": self.energy_unit,
            "info": dict(self.info),
        }


def window_function(times, kind: str = "hann") -> np.ndarray:
    r"""Window :math:`w(t)` on :math:`[0, T]` with :math:`w(0) = 1` and, for Hann, :math:`w(T)=0`.

    ``"hann"``: :math:`\cos^2(\pi t / 2T)`; ``"gaussian"``:
    :math:`\exp(-\tfrac12 (3t/T)^2)`; ``"box"``: 1.

    Examples
    --------
    >>> window_function([0.0, 0.5, 1.0]).round(3).tolist()
    [1.0, 0.5, 0.0]
    """
    t = as_finite_array(times, "times", ndim=1)
    if kind not in WINDOWS:
        raise ValueError(f"unknown window {kind!r}; use one of {WINDOWS}")
    T = float(t[-1] - t[0]) if t.size > 1 else 1.0
    s = (t - t[0]) / T
    if kind == "hann":
        return np.cos(0.5 * np.pi * s) ** 2
    if kind == "gaussian":
        return np.exp(-0.5 * (3.0 * s) ** 2)
    return np.ones_like(s)


def _check_times(times, values):
    t = as_finite_array(times, "times", ndim=1)
    c = as_finite_array(values, "autocorrelation", ndim=1, dtype=np.complex128)
    if t.shape != c.shape:
        raise ValueError(
            f"times ({t.size}) and autocorrelation ({c.size}) must have the same length"
        )
    if t.size < 4:
        raise ValueError(f"need at least 4 time samples for a spectrum, got {t.size}")
    dt = np.diff(t)
    if not np.allclose(dt, dt[0], rtol=1e-6, atol=0.0) or dt[0] <= 0:
        raise ValueError(
            "times must be equally spaced and increasing (propagate with a fixed dt); "
            f"got steps between {dt.min():g} and {dt.max():g}"
        )
    return t, c, float(dt[0])


def spectrum(times, autocorrelation, *, energies=None, window: str = "hann",
             n_energies: int | None = None, emin: float | None = None,
             emax: float | None = None, threshold: float = PEAK_THRESHOLD,
             energy_unit: str = "", unit: str | None = None) -> Spectrum:
    r"""Windowed Fourier transform of :math:`C(t)` and its peaks.

    .. math::

        \sigma(E) = \frac{1}{\pi}\,\mathrm{Re}\sum_k \omega_k\, C(t_k)\, w(t_k)\,
        e^{iE(t_k - t_0)}\,\delta t ,

    with trapezoidal weights :math:`\omega_k` (1/2 at both ends).

    Parameters
    ----------
    times : array_like, shape (n,)
        Equally spaced times starting at :math:`t_0` (usually 0).
    autocorrelation : array_like, shape (n,)
        :math:`C(t_k)`.
    energies : array_like, optional
        Energy grid. Default: ``n_energies`` points from ``emin`` to ``emax``.
    window : {"hann", "gaussian", "box"}, optional
        Window (default Hann).
    n_energies : int, optional
        Default ``8 * (emax - emin) / (2 pi / T) + 1``, i.e. 8 points per resolution width.
    emin, emax : float, optional
        Energy range; default ``0`` and the Nyquist limit :math:`\pi/\delta t`.
    threshold : float, optional
        Peaks lower than ``threshold * max(sigma)`` are dropped (default
        :data:`PEAK_THRESHOLD`).
    energy_unit : str, optional
        Label of the energy unit, stored in the result.
    unit : str, optional
        Deprecated alias of ``energy_unit``.

    Returns
    -------
    Spectrum

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0, 400.0, 0.1)
    >>> c = 0.7 * np.exp(-1.3j * t) + 0.3 * np.exp(-2.1j * t)
    >>> s = spectrum(t, c, emax=3.0)
    >>> s.peaks.round(3).tolist()
    [1.3, 2.1]
    """
    if unit is not None:
        warnings.warn("spectrum(unit=) is renamed energy_unit= (as everywhere else); the old "
                      "name goes in the next release", DeprecationWarning, stacklevel=2)
        energy_unit = unit
    t, c, dt = _check_times(times, autocorrelation)
    T = float(t[-1] - t[0])
    resolution = 2.0 * np.pi / T
    if energies is None:
        lo = 0.0 if emin is None else float(emin)
        hi = np.pi / dt if emax is None else float(emax)
        if hi <= lo:
            raise ValueError(f"emax ({hi:g}) must exceed emin ({lo:g})")
        n = n_energies if n_energies is not None else int(8 * (hi - lo) / resolution) + 1
        e = np.linspace(lo, hi, max(int(n), 3))
    else:
        e = as_finite_array(energies, "energies", ndim=1)
    weights = window_function(t, window) * dt
    weights[0] *= 0.5
    weights[-1] *= 0.5
    f = c * weights
    tau = t - t[0]
    sigma = np.empty(e.size)
    chunk = max(1, 2_000_000 // max(t.size, 1))
    for i in range(0, e.size, chunk):
        ph = np.exp(1j * np.outer(e[i:i + chunk], tau))
        sigma[i:i + chunk] = (ph @ f).real / np.pi
    peaks, heights = find_peaks(e, sigma, threshold=threshold)
    return Spectrum(energies=e, intensity=sigma, peaks=peaks, heights=heights,
                    resolution=resolution, window=window, energy_unit=energy_unit)


def find_peaks(energies, intensity, *, threshold: float = PEAK_THRESHOLD):
    """Local maxima of a sampled curve, refined by a parabola through three points.

    Parameters
    ----------
    energies, intensity : array_like, shape (n,)
        Sampled curve (``energies`` equally spaced for the refinement to be exact for
        parabolas).
    threshold : float, optional
        Keep only maxima higher than ``threshold * max(intensity)``.

    Returns
    -------
    positions, heights : numpy.ndarray
        Ascending peak positions and the heights there.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 4, 401)
    >>> find_peaks(x, np.exp(-(x - 1.234) ** 2 / 0.01))[0].round(4).tolist()
    [1.234]
    """
    x = as_finite_array(energies, "energies", ndim=1)
    y = as_finite_array(intensity, "intensity", ndim=1)
    if x.shape != y.shape:
        raise ValueError("energies and intensity must have the same length")
    if y.size < 3:
        return np.empty(0), np.empty(0)
    top = float(np.max(y))
    idx = np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1
    idx = idx[y[idx] > threshold * top]
    pos, hts = [], []
    for i in idx:
        y0, y1, y2 = y[i - 1], y[i], y[i + 1]
        den = y0 - 2.0 * y1 + y2
        d = 0.5 * (y0 - y2) / den if den != 0 else 0.0
        h = 0.5 * (x[i + 1] - x[i - 1])
        pos.append(x[i] + d * h)
        hts.append(y1 - 0.25 * (y0 - y2) * d)
    return np.asarray(pos, dtype=float), np.asarray(hts, dtype=float)


def autocorrelation_t2(times, self_overlaps):
    r"""Autocorrelation on doubled times from the t/2 trick.

    For real symmetric :math:`H` and real :math:`\psi(0)`,
    :math:`C(2t) = \sum_k \psi_k(t)^2`; pass those unconjugated self-overlaps
    :math:`\langle\psi(t)^*|\psi(t)\rangle` at times ``t``.

    Returns
    -------
    times2, c2 : numpy.ndarray
        ``2 * times`` and the overlaps (complex).

    Examples
    --------
    >>> import numpy as np
    >>> H = np.array([[0.0, 1.0], [1.0, 0.5]])
    >>> w, U = np.linalg.eigh(H)
    >>> psi0 = np.array([1.0, 0.0])
    >>> psi_t = U @ (np.exp(-1j * w * 0.7) * (U.T @ psi0))
    >>> t2, c2 = autocorrelation_t2([0.7], [psi_t @ psi_t])
    >>> exact = psi0 @ (U @ (np.exp(-1j * w * 1.4) * (U.T @ psi0)))
    >>> bool(np.isclose(c2[0], exact)), float(t2[0])
    (True, 1.4)
    """
    t = as_finite_array(times, "times", ndim=1)
    c = as_finite_array(self_overlaps, "self_overlaps", ndim=1, dtype=np.complex128)
    if t.shape != c.shape:
        raise ValueError("times and self_overlaps must have the same length")
    return 2.0 * t, c
