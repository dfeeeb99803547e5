"""Initial states: Gaussian wavepackets on DVR grids, operator excitations, spec parsing."""

import numpy as np
import pytest

from vibmpo.cli.initial_spec import parse_initial_spec
from vibmpo.operators.dvr import ho_grid, sine_grid
from vibmpo.solvers.states import (
    apply_site_operator,
    dvr_signs,
    dvr_weights,
    gaussian_coefficients,
    gaussian_wavepacket,
    product_mps,
)


def _oscillator(grid, omega):
    return grid.kinetic + np.diag(0.5 * omega**2 * (grid.points - grid.params.get(
        "center", 0.0)) ** 2)


@pytest.mark.parametrize("center", [0.0, 0.7])
def test_centred_gaussian_is_the_exact_dvr_ground_state(center):
    g = ho_grid(10, omega=1.3, center=center)
    c = gaussian_coefficients(g)
    w, u = np.linalg.eigh(_oscillator(g, 1.3))
    assert abs(abs(c @ u[:, 0]) - 1.0) < 1e-12
    assert c @ _oscillator(g, 1.3) @ c == pytest.approx(0.65, abs=1e-12)


def test_displaced_gaussian_is_a_coherent_state():
    # |alpha> with alpha = d / sqrt(2): <H> = omega (|alpha|^2 + 1/2), <q> = q0
    omega, d = 2.0, 1.2
    g = ho_grid(30, omega=omega)
    c = gaussian_coefficients(g, displace=d)
    assert c @ _oscillator(g, omega) @ c == pytest.approx(omega * (d * d / 2 + 0.5), rel=1e-8)
    assert c @ (g.points * c) == pytest.approx(d / np.sqrt(omega), rel=1e-8)
    # Poisson weights on the oscillator eigenstates
    w, u = np.linalg.eigh(_oscillator(g, omega))
    pops = (u.T @ c) ** 2
    lam = d * d / 2
    poisson = np.exp(-lam) * lam ** np.arange(4) / [1, 1, 2, 6]
    np.testing.assert_allclose(pops[:4], poisson, atol=1e-8)


def test_squeezed_gaussian_energy():
    # width s*omega in an oscillator of frequency omega: <H> = omega/4 (s + 1/s)
    omega, s = 1.0, 2.0
    g = ho_grid(30, omega=omega)
    c = gaussian_coefficients(g, omega=s * omega)
    assert c @ _oscillator(g, omega) @ c == pytest.approx(omega / 4 * (s + 1 / s), rel=1e-8)


def test_sine_grid_gaussian_needs_width_and_matches_continuum():
    g = sine_grid(60, -8.0, 8.0)
    with pytest.raises(ValueError, match="needs its width"):
        gaussian_coefficients(g)
    c = gaussian_coefficients(g, omega=1.0)
    # sine DVR of the oscillator: the Gaussian is its ground state to high accuracy
    assert c @ _oscillator(g, 1.0) @ c == pytest.approx(0.5, abs=1e-8)
    assert np.all(g.basis_signs() == 1.0)


def test_deprecated_dvr_weights_and_signs_forward_to_the_grid():
    g = ho_grid(15, omega=0.7, center=-0.3)
    with pytest.warns(DeprecationWarning, match="quadrature_weights"):
        assert np.array_equal(dvr_weights(g), g.quadrature_weights())
    with pytest.warns(DeprecationWarning, match="basis_signs"):
        assert np.array_equal(dvr_signs(g), g.basis_signs())


def test_wavepacket_mps_is_the_product_of_mode_gaussians():
    grids = [ho_grid(5, 1.0), ho_grid(6, 2.0), ho_grid(4, 0.5)]
    psi = gaussian_wavepacket(grids, displace={0: 0.5}, squeeze={2: 1.5})
    dense = psi.to_dense().ravel()
    ref = np.kron(np.kron(gaussian_coefficients(grids[0], displace=0.5),
                          gaussian_coefficients(grids[1])),
                  gaussian_coefficients(grids[2], omega=0.75))
    np.testing.assert_allclose(dense, ref, atol=1e-13)
    assert max(psi.bond_sizes()) == 1
    with pytest.raises(ValueError, match="outside the grid"):
        gaussian_wavepacket(grids, displace={0: 50.0})
    with pytest.raises(ValueError, match="mode 5 outside"):
        gaussian_wavepacket(grids, displace={5: 1.0})


def test_momentum_kick_gives_mean_momentum():
    g = ho_grid(30, omega=1.0)
    c = gaussian_coefficients(g, momentum=0.8)
    # <p^2>/2 = <T> = omega/4 + p0^2/2
    assert np.vdot(c, g.kinetic @ c).real == pytest.approx(0.25 + 0.32, rel=1e-8)


def test_apply_site_operator_matches_dense_and_reports_norm(rng):
    vecs = [rng.standard_normal(3), rng.standard_normal(4)]
    psi = product_mps(vecs)
    q = np.array([-1.0, 0.5, 2.0, 3.0])
    phi, nrm = apply_site_operator(psi, 1, q)
    dense = psi.to_dense().ravel()
    ref = np.kron(np.ones(3), q) * dense
    assert nrm == pytest.approx(np.linalg.norm(ref) / np.linalg.norm(dense))
    np.testing.assert_allclose(phi.to_dense().ravel(), ref / np.linalg.norm(ref), atol=1e-13)
    with pytest.raises(ValueError, match="must be"):
        apply_site_operator(psi, 0, np.ones(4))
    with pytest.raises(ValueError, match="annihilates"):
        apply_site_operator(psi, 0, np.zeros(3))


def test_initial_spec_parsing_and_errors():
    s = parse_initial_spec("q1*q0*gauss:displace=0:1.5;momentum=2:0.1")
    assert s.kind == "gauss" and s.operators == (1, 0)
    assert s.displace == {0: 1.5} and s.momentum == {2: 0.1}
    assert parse_initial_spec("ground").needs_dmrg()
    assert not parse_initial_spec("gauss").needs_dmrg()
    with pytest.raises(ValueError, match="unknown initial state 'wave'"):
        parse_initial_spec("wave")
    with pytest.raises(ValueError, match="MODE:VALUE"):
        parse_initial_spec("gauss:displace=0")
    with pytest.raises(ValueError, match="unknown gauss parameter"):
        parse_initial_spec("gauss:shift=0:1")
    with pytest.raises(ValueError, match="integer N"):
        parse_initial_spec("eigen:x")


def test_moved_names_keep_a_deprecated_alias():
    import vibmpo.solvers as S
    from vibmpo.cli import tables

    with pytest.warns(DeprecationWarning, match="moved to vibmpo.cli.initial_spec"):
        assert S.parse_initial_spec is parse_initial_spec
    with pytest.warns(DeprecationWarning, match="moved to vibmpo.cli.tables"):
        assert S.levels_result is tables.levels_result
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        S.nonsense  # noqa: B018
