"""DVR grids: harmonic oscillators reproduce (n + 1/2) omega; bad grid specs rejected."""

import numpy as np
import pytest

from vibmpo.operators.dvr import GridSpec, ho_grid, parse_grid_spec, sine_grid


@pytest.mark.parametrize("n", [6, 9, 16])
@pytest.mark.parametrize("omega,center", [(1.0, 0.0), (0.0054, 0.7), (2.3, -1.5)])
def test_ho_dvr_reproduces_harmonic_levels(n, omega, center):
    g = ho_grid(n, omega, center)
    h = g.kinetic + np.diag(0.5 * omega**2 * (g.points - center) ** 2)
    e = np.linalg.eigvalsh(h)
    # an n-point HO-DVR has the oscillator levels k < n-1 exactly, plus one spurious
    # level (3n-2) omega / 4 from the truncated position operator
    spurious = np.argmin(np.abs(e - (3 * n - 2) * omega / 4))
    e = np.delete(e, spurious)
    exact = (np.arange(n - 1) + 0.5) * omega
    assert np.allclose(e, exact, rtol=1e-10, atol=0)
    assert np.allclose(e[:4], (np.arange(4) + 0.5) * omega, rtol=1e-12, atol=0)


@pytest.mark.parametrize("omega,center", [(1.0, 0.0), (0.0054, 3.0)])
def test_sine_dvr_reproduces_harmonic_levels(omega, center):
    half = 11.0 / np.sqrt(omega)
    g = sine_grid(120, center - half, center + half)
    h = g.kinetic + np.diag(0.5 * omega**2 * (g.points - center) ** 2)
    e = np.linalg.eigvalsh(h)[:8]
    assert np.allclose(e, (np.arange(8) + 0.5) * omega, rtol=1e-10, atol=0)


def test_sine_dvr_kinetic_is_exact_in_the_box():
    g = sine_grid(15, -1.0, 2.0)
    k = np.arange(1, 16)
    assert np.allclose(np.linalg.eigvalsh(g.kinetic), 0.5 * (k * np.pi / 3.0) ** 2,
                       rtol=1e-12)
    assert np.allclose(g.points, -1.0 + 3.0 * k / 16)


def test_ho_points_are_scaled_gauss_hermite_nodes():
    g = ho_grid(11, 4.0, 0.5)
    nodes = np.polynomial.hermite.hermgauss(11)[0]
    assert np.allclose(g.points, 0.5 + nodes / 2.0, atol=1e-13)
    assert np.allclose(g.kinetic, g.kinetic.T, atol=0)


def test_parse_grid_spec_variants():
    specs = parse_grid_spec("ho:9", 3)
    assert specs == (GridSpec("ho", 9),) * 3
    specs = parse_grid_spec("ho:7:1200, ho:5:900:0.5 ,sine:20:-3:4", 3)
    assert specs[0] == GridSpec("ho", 7, omega=1200.0)
    assert specs[1] == GridSpec("ho", 5, omega=900.0, center=0.5)
    assert specs[2] == GridSpec("sine", 20, qmin=-3.0, qmax=4.0)
    g = specs[2].resolve()
    assert g.kind == "sine" and g.size == 20


@pytest.mark.parametrize("spec,match", [
    ("foo:3", "unknown grid kind"),
    ("ho", "positive number of points"),
    ("ho:0", "positive number of points"),
    ("ho:x", "cannot read numbers"),
    ("ho:5:-3", "positive"),
    ("ho:5:1:2:3", "too many fields"),
    ("sine:5:1", "exactly qmin and qmax"),
    ("sine:5:2:1", "qmin < qmax"),
    ("ho:5,ho:5", "lists 2 grids but the Hamiltonian has 3"),
    ("", "non-empty"),
])
def test_bad_grid_specs_are_rejected(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_grid_spec(spec, 3)


def test_bad_grid_parameters_are_rejected():
    with pytest.raises(ValueError, match="positive integer"):
        ho_grid(0, 1.0)
    with pytest.raises(ValueError, match="positive and finite"):
        ho_grid(5, -1.0)
    with pytest.raises(ValueError, match="qmin < qmax"):
        sine_grid(5, 1.0, 1.0)
    with pytest.raises(ValueError, match="needs a frequency"):
        GridSpec("ho", 5).resolve()


@pytest.mark.parametrize("make", [lambda: ho_grid(11, 0.7, -0.3),
                                  lambda: sine_grid(40, -7.0, 6.0)], ids=["ho", "sine"])
def test_weights_and_signs_give_grid_amplitudes_of_the_oscillator_ground_state(make):
    """sign_s sqrt(w_s) phi_0(q_s) is the ground state of T + V on the grid (exact for
    the HO DVR of the same oscillator, to 1e-8 for a wide sine box), and the weights
    integrate phi_0^2 to 1."""
    g = make()
    omega, centre = 0.7, -0.3
    phi0 = (omega / np.pi) ** 0.25 * np.exp(-0.5 * omega * (g.points - centre) ** 2)
    w, signs = g.quadrature_weights(), g.basis_signs()
    assert w @ phi0**2 == pytest.approx(1.0, abs=1e-10)
    amplitudes = signs * np.sqrt(w) * phi0
    h = g.kinetic + np.diag(0.5 * omega**2 * (g.points - centre) ** 2)
    ground = np.linalg.eigh(h)[1][:, 0]
    assert abs(ground @ amplitudes) == pytest.approx(1.0, abs=1e-8)
    # point by point, signs included (one overall sign is free)
    assert np.allclose(amplitudes, ground * np.sign(ground @ amplitudes), atol=1e-6)


def test_quadrature_weights_refuse_an_ho_grid_with_other_points():
    from dataclasses import replace

    g = replace(ho_grid(9, 0.7), params={"omega": 0.9, "center": 0.0})
    with pytest.raises(ValueError, match="not the Gauss-Hermite nodes"):
        g.quadrature_weights()
