"""Spectra: windowed Fourier transform, peak picking and the t/2 trick on known signals."""

import numpy as np
import pytest

from vibmpo.solvers.spectra import (
    autocorrelation_t2,
    find_peaks,
    spectrum,
    window_function,
)


def test_spectrum_recovers_known_frequencies_and_weights():
    t = np.arange(0.0, 300.0, 0.05)
    energies = np.array([0.8, 1.7, 2.05, 3.3])
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    c = (weights[None, :] * np.exp(-1j * np.outer(t, energies))).sum(axis=1)
    s = spectrum(t, c, emin=0.0, emax=4.0)
    np.testing.assert_allclose(s.peaks, energies, atol=1e-3)
    # Hann window: each line has height w * T / (2 pi) (integral w, width ~ 2 pi / T * ...)
    np.testing.assert_allclose(s.heights / s.heights[0], weights / weights[0], rtol=0.02)
    assert s.resolution == pytest.approx(2 * np.pi / t[-1])
    # integral of the spectrum = C(0) = sum of the weights
    integral = np.trapezoid(s.intensity, s.energies)
    assert integral == pytest.approx(1.0, rel=0.02)


def test_unresolved_lines_merge_and_resolved_lines_separate():
    t = np.arange(0.0, 100.0, 0.05)  # resolution 2 pi / 100 = 0.063
    close = np.exp(-1j * 1.0 * t) + np.exp(-1j * 1.02 * t)
    apart = np.exp(-1j * 1.0 * t) + np.exp(-1j * 1.2 * t)
    assert spectrum(t, close, emin=0.5, emax=1.5).peaks.size == 1
    assert spectrum(t, apart, emin=0.5, emax=1.5).peaks.size == 2


@pytest.mark.parametrize("window", ["hann", "gaussian", "box"])
def test_every_window_finds_an_isolated_line(window):
    t = np.arange(0.0, 200.0, 0.1)
    s = spectrum(t, np.exp(-1j * 2.345 * t), window=window, emin=1.0, emax=4.0,
                 threshold=0.5)
    assert s.peaks.size == 1 and s.peaks[0] == pytest.approx(2.345, abs=2e-3)


def test_window_shapes():
    t = np.linspace(0.0, 1.0, 5)
    np.testing.assert_allclose(window_function(t, "box"), 1.0)
    w = window_function(t, "hann")
    assert w[0] == 1.0 and abs(w[-1]) < 1e-15 and np.all(np.diff(w) <= 0)


def test_find_peaks_parabolic_refinement_exact_for_parabolas():
    x = np.linspace(0.0, 1.0, 11)
    y = -((x - 0.537) ** 2)
    pos, h = find_peaks(x, y + 1.0)
    assert pos[0] == pytest.approx(0.537, abs=1e-12) and h[0] == pytest.approx(1.0)


def test_t2_trick_against_dense_propagation(rng):
    a = rng.standard_normal((30, 30))
    h = a + a.T
    w, u = np.linalg.eigh(h)
    psi0 = rng.standard_normal(30)
    psi0 /= np.linalg.norm(psi0)

    def evolve(t):
        return u @ (np.exp(-1j * w * t) * (u.T @ psi0))

    times = np.linspace(0.0, 3.0, 7)
    t2, c2 = autocorrelation_t2(times, [evolve(t) @ evolve(t) for t in times])
    exact = [psi0 @ evolve(t) for t in t2]
    np.testing.assert_allclose(c2, exact, atol=1e-12)


def test_bad_input_rejected():
    t = np.array([0.0, 0.1, 0.3, 0.4, 0.5])
    with pytest.raises(ValueError, match="equally spaced"):
        spectrum(t, np.ones(5))
    with pytest.raises(ValueError, match="same length"):
        spectrum(np.arange(5.0), np.ones(4))
    with pytest.raises(ValueError, match="unknown window"):
        spectrum(np.arange(5.0), np.ones(5), window="hamming")
    with pytest.raises(ValueError, match="NaN"):
        spectrum(np.arange(5.0), np.array([1, np.nan, 0, 0, 0]))


def test_one_peak_threshold_and_renamed_unit():
    # a weak line at 1 % of the strong one sits below the shared threshold in both the
    # spectrum and a direct peak search; 5 % is kept by both
    t = np.arange(0.0, 400.0, 0.1)
    for weight, kept in ((0.01, [1.3]), (0.05, [1.3, 2.1])):
        s = spectrum(t, np.exp(-1.3j * t) + weight * np.exp(-2.1j * t), emax=3.0,
                     energy_unit="hartree")
        assert s.peaks.round(3).tolist() == kept
        assert find_peaks(s.energies, s.intensity)[0].round(3).tolist() == kept
    assert s.energy_unit == "hartree" and s.to_dict()["energy_unit"] == "hartree"
    with pytest.warns(DeprecationWarning, match="renamed energy_unit"):
        old = spectrum(t, np.exp(-1.3j * t), emax=3.0, unit="cm-1")
    with pytest.warns(DeprecationWarning, match="renamed energy_unit"):
        assert old.unit == "cm-1"
    with pytest.warns(DeprecationWarning, match="renamed info"):
        assert old.meta == {}
