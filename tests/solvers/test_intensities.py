"""IR intensities: double-harmonic limit against the analytic values, DMRG against exact,
the dipole autocorrelation (TDVP) against the stick spectrum, and the CLI."""

import json

import numpy as np
import pytest

from vibmpo.operators import ForceField, grid_hamiltonian
from vibmpo.operators.observables import dipole_observables
from vibmpo.potential.dipole import PolynomialSurface, monomial_powers
from vibmpo.solvers import DMRGSchedule, dmrg
from vibmpo.solvers.intensities import (
    KM_PER_MOL,
    dipole_spectrum_tdvp,
    ir_spectrum_dmrg,
    ir_spectrum_exact,
)

OMEGA = np.array([0.0083, 0.0185, 0.0190])  # Hartree, water-like
D = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.004], [0.003, 0.0, 0.0]])  # dmu_k/dQ_i (e*a0 per
# sqrt(m_e)*a0): column i = mode i


def _harmonic():
    terms = tuple((0.5 * w * w, {i: 2}) for i, w in enumerate(OMEGA))
    return ForceField(terms, kinetic=np.full(3, 0.5), energy_unit="hartree")


def _linear_dipole(d=D, const=(0.0, 0.0, -0.8)):
    powers = monomial_powers(3, 1)  # [0,0,0], [0,0,1], [0,1,0], [1,0,0]
    coef = np.zeros((4, 3))
    coef[0] = const
    for row, p in enumerate(powers[1:], start=1):
        coef[row] = d[:, int(np.argmax(p))]
    return PolynomialSurface(powers, coef)


def test_double_harmonic_intensities_equal_analytic():
    """|<1_i|mu|0>|^2 = |dmu/dQ_i|^2 / (2 omega_i) and A_i = KM_PER_MOL omega_i |..|^2 to 1e-8."""
    ham = grid_hamiltonian(_harmonic(), "ho:6")
    res = ir_spectrum_exact(ham, dipole_observables(_linear_dipole(), ham), 8, tol=1e-12)
    mu2 = (D**2).sum(0) / (2 * OMEGA)
    for i, w in enumerate(OMEGA):
        n = int(np.argmin(np.abs(res.energies - res.energies[0] - w)))
        assert np.sum(res.transition_dipoles[n] ** 2) == pytest.approx(mu2[i], rel=1e-8)
        assert res.intensities[n] == pytest.approx(KM_PER_MOL * w * mu2[i], rel=1e-8)
    # the permanent dipole of the ground state, zero for overtones and combinations
    np.testing.assert_allclose(res.transition_dipoles[0], [0, 0, -0.8], atol=1e-12)
    assert np.count_nonzero(res.intensities > 1e-10) == 2
    # textbook conversion: 1 (D/A)^2/u = 42.2561 km/mol
    d_per_a = 0.393430307 / 1.8897261246  # e*a0 / a0
    au = d_per_a**2 / 1822.888486
    assert KM_PER_MOL / 2 * au == pytest.approx(42.2561, rel=1e-4)


def test_dmrg_transition_dipoles_equal_exact():
    terms = _harmonic().terms + ((3e-7, {0: 3}), (-2e-7, {0: 1, 1: 2}), (1e-7, {0: 2, 2: 1}))
    ff = ForceField(terms, kinetic=np.full(3, 0.5), energy_unit="hartree")
    ham = grid_hamiltonian(ff, "ho:6")
    powers = monomial_powers(3, 2)
    coef = np.random.default_rng(0).normal(scale=1e-3, size=(len(powers), 3))
    dips = dipole_observables(PolynomialSurface(powers, coef), ham)
    ex = ir_spectrum_exact(ham, dips, 6, tol=1e-12)
    d = dmrg(ham.to_mpo(), n_states=6, method="sequential",
             schedule=DMRGSchedule(maxdim=(8, 16), tol=1e-12), seed=0)
    dm = ir_spectrum_dmrg(d, [o.to_mpo() for o in dips], "hartree")
    np.testing.assert_allclose(dm.energies, ex.energies, atol=1e-10)
    np.testing.assert_allclose(np.abs(dm.transition_dipoles), np.abs(ex.transition_dipoles),
                               atol=1e-8)
    np.testing.assert_allclose(dm.intensities, ex.intensities, rtol=1e-5, atol=1e-8)


def test_dipole_autocorrelation_peaks_match_the_sticks():
    """The time-domain route: peaks of the TDVP dipole spectrum sit on the stick spectrum
    (within the resolution) and their weights follow |mu_n0|^2."""
    w = np.array([0.0083, 0.0185])
    terms = ((0.5 * w[0] ** 2, {0: 2}), (0.5 * w[1] ** 2, {1: 2}), (3e-7, {0: 3}),
             (-2e-7, {0: 1, 1: 2}))
    ham = grid_hamiltonian(ForceField(terms, kinetic=[0.5, 0.5], energy_unit="hartree"),
                           "ho:8")
    powers = monomial_powers(2, 2)
    coef = np.zeros((len(powers), 1))
    coef[1], coef[2], coef[5] = 0.004, 0.003, 1e-4  # q2, q1, q1^2
    dips = dipole_observables(PolynomialSurface(powers, coef, components=("z",)), ham)
    sticks = ir_spectrum_exact(ham, dips, 6, tol=1e-12)
    H = ham.to_mpo()
    g = dmrg(H, n_states=1, schedule=DMRGSchedule(maxdim=16, tol=1e-12))
    spec = dipole_spectrum_tdvp(H, g.states[0], [o.to_mpo() for o in dips], g.energies[0],
                                t_final=8000.0, dt=20.0, maxdim=16, emax_cm1=5000.0,
                                threshold=0.01)
    w2 = np.sum(sticks.transition_dipoles**2, 1)
    strong = sticks.excitations_cm1[1:][w2[1:] > 0.05 * w2[1:].max()]
    assert len(strong) >= 3  # v1, v2 and the overtone 2v1
    for e in strong:
        assert np.min(np.abs(spec.peaks_cm1 - e)) < 0.1 * spec.resolution_cm1
    # peak heights: weight ratio of the two fundamentals
    h = [spec.intensity[np.argmin(np.abs(spec.excitations_cm1 - e))] for e in strong[:2]]
    ratio = w2[1:][w2[1:] > 0.05 * w2[1:].max()][:2]
    assert h[0] / h[1] == pytest.approx(ratio[0] / ratio[1], rel=0.02)


def test_levels_cli_with_dipole(tmp_path, capsys):
    from vibmpo.cli import main

    ff = tmp_path / "ff.json"
    ff.write_text(json.dumps({"energy_unit": "hartree", "n_modes": 3, "kinetic": 0.5,
                              "terms": [[0.5 * w * w, {str(i): 2}]
                                        for i, w in enumerate(OMEGA)]}))
    _linear_dipole().save(tmp_path / "mu.json")
    out = tmp_path / "lv.json"
    assert main(["levels", str(ff), "--grid", "ho:5", "--n-states", "5", "--dipole",
                 str(tmp_path / "mu.json"), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "km/mol" in text and "v2" in text
    data = json.loads(out.read_text())
    i = data["labels"].index("v2")
    mu2 = (D[:, 1] ** 2).sum() / (2 * OMEGA[1])
    assert data["intensities_km_mol"][i] == pytest.approx(KM_PER_MOL * OMEGA[1] * mu2, rel=1e-8)
    assert (tmp_path / "lv_ir.png").stat().st_size > 0
    out2 = tmp_path / "dm.json"
    assert main(["levels", str(ff), "--grid", "ho:5", "--n-states", "5", "--method", "dmrg",
                 "--dipole", str(tmp_path / "mu.json"), "--json", str(out2)]) == 0
    dm = json.loads(out2.read_text())
    np.testing.assert_allclose(dm["intensities_km_mol"], data["intensities_km_mol"],
                               rtol=1e-6, atol=1e-9)
    assert dm["labels"] == data["labels"]
    assert main(["levels", str(ff), "--dipole", str(ff)]) == 1  # not a dipole surface
