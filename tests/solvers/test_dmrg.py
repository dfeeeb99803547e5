"""DMRG: ground and excited states against dense diagonalisation and analytic levels."""

import warnings

import numpy as np
import pytest
import quimb.tensor as qtn

from vibmpo.operators.forcefield import coupled_oscillator_levels, coupled_oscillators, henon_heiles
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers import DMRGSchedule as S
from vibmpo.solvers import ExcitedOptions as X
from vibmpo.solvers import dmrg
from vibmpo.solvers.guesses import configuration_guesses, vscf_modals
from vibmpo.solvers.mps import mpo_arrays, mps_arrays, mps_overlap
from vibmpo.solvers.verify import DMRGConvergenceWarning


def oscillator_mpo(omegas, coupling, n_grid=10):
    ff = coupled_oscillators(omegas, coupling, energy_unit="hbar*omega")
    return grid_hamiltonian(ff, f"ho:{n_grid}").to_mpo()


def overlaps(states):
    t = [mps_arrays(s) for s in states]
    return np.array([[mps_overlap(a, b) for b in t] for a in t])


def henon_heiles_mpo(n_modes, n_grid=10):
    """Henon-Heiles (lambda = 0.111803) on HO-DVR grids, through the operator layer."""
    return grid_hamiltonian(henon_heiles(n_modes), f"ho:{n_grid}").to_mpo()


def many_mode_frequencies(f):
    """Distinct frequencies in [0.5, 1.5]; for f >= 16 many are within 1e-3 of each other."""
    return 1.0 + 0.5 * np.sin(np.arange(f))


@pytest.mark.parametrize("method", ["state-average", "sequential"])
@pytest.mark.parametrize("n_sites,d", [(3, 3), (4, 2)])
def test_random_mpo_matches_dense_eigh(method, n_sites, d):
    H = qtn.MPO_rand_herm(n_sites, 3, phys_dim=d, seed=11)
    Hd = H.to_dense()
    Hd0 = Hd.copy()
    want = np.linalg.eigvalsh(Hd)[:5]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r = dmrg(H, n_states=5, method=method, schedule=S(maxdim=None), seed=3)
    assert np.allclose(r.energies, want, atol=1e-8, rtol=0)
    assert r.all_converged
    assert np.all(np.diff(r.energies) >= 0)
    assert np.allclose(overlaps(r.states), np.eye(5), atol=1e-5)
    assert r.residuals.max() < 1e-5
    assert np.array_equal(H.to_dense(), Hd0)  # input untouched


@pytest.mark.parametrize("method", ["state-average", "sequential"])
def test_coupled_oscillators_six_states(method):
    w, c = [1.0, 1.3, 1.7, 2.1], 0.1
    H = oscillator_mpo(w, c)
    r = dmrg(H, n_states=7, method=method, schedule=S(maxdim=(12, 24)), seed=0)
    assert np.allclose(r.energies, coupled_oscillator_levels(w, c, 7), atol=1e-8, rtol=0)
    assert np.allclose(overlaps(r.states), np.eye(7), atol=1e-5)
    assert r.residuals.max() < 1e-4
    assert len(r.history[0]) >= 2 and r.sweep_times[0].size >= 2


def test_degenerate_levels_all_found():
    # equal frequencies: normal modes 1 - c (twice) and 1 + 2c -> degenerate multiplets
    w, c = [1.0, 1.0, 1.0], 0.2
    want = coupled_oscillator_levels(w, c, 7)
    assert np.isclose(want[1], want[2])  # a genuine two-fold degeneracy
    H = oscillator_mpo(w, c)
    for method in ("state-average", "sequential"):
        r = dmrg(H, n_states=7, method=method, schedule=S(maxdim=(12, 24)), seed=1)
        assert np.allclose(r.energies, want, atol=1e-8, rtol=0), method
        assert np.allclose(overlaps(r.states), np.eye(7), atol=1e-5), method


def test_one_site_final_sweeps_keep_accuracy():
    w, c = [1.0, 1.3, 1.7, 2.1], 0.1
    H = oscillator_mpo(w, c)
    r = dmrg(H, n_states=4, schedule=S(maxdim=(8, 16, 24), nsites=(2, 2, 1), expansion=1e-3),
             seed=0)
    assert np.allclose(r.energies, coupled_oscillator_levels(w, c, 4), atol=1e-8, rtol=0)


@pytest.mark.parametrize("f,grid,maxdim", [(3, "ho:8", (16, 32)), (4, "ho:6", (16, 36))])
def test_henon_heiles_small_matches_dense(f, grid, maxdim):
    ham = grid_hamiltonian(henon_heiles(f), grid)
    want = np.linalg.eigvalsh(ham.dense())[:6]
    r = dmrg(ham.to_mpo(), n_states=6, schedule=S(maxdim=maxdim), seed=0)
    assert np.allclose(r.energies, want, atol=1e-8, rtol=0)


def test_initial_state_is_not_modified_and_used():
    H = oscillator_mpo([1.0, 1.3, 1.7], 0.1)
    first = dmrg(H, n_states=1, schedule=S(maxdim=8))
    psi0 = first.states[0]
    before = [a.copy() for a in psi0.arrays]
    r = dmrg(H, n_states=1, schedule=S(maxdim=8), psi0=psi0)
    assert all(np.array_equal(a, b) for a, b in zip(before, psi0.arrays, strict=True))
    assert r.energies[0] == pytest.approx(first.energies[0], abs=1e-10)
    assert len(r.history[0]) <= len(first.history[0])


def test_unconverged_run_warns_and_says_which():
    H = oscillator_mpo([1.0, 1.3, 1.7, 2.1], 0.1)
    with pytest.warns(DMRGConvergenceWarning, match="did not converge"):
        r = dmrg(H, n_states=2, schedule=S(maxdim=(2, 4, 8), nsweeps=1))
    assert not r.converged.any() and not r.all_converged


def test_bad_inputs_rejected():
    H = oscillator_mpo([1.0, 1.3], 0.1, n_grid=3)
    with pytest.raises(ValueError, match="unknown method 'lanczos'"):
        dmrg(H, method="lanczos")
    with pytest.raises(ValueError, match="asked for 10 states of a 9-dimensional space"):
        dmrg(H, n_states=10)
    with pytest.raises(TypeError):
        dmrg(H, max_bond=10)  # unknown option
    with pytest.raises(ValueError, match="nsites must contain only 1 and 2"):
        S(nsites=(2, 3))
    with pytest.raises(ValueError, match="maxdim schedule is empty"):
        S(maxdim=[])
    with pytest.raises(ValueError, match="nsweeps must be >= 1"):
        S(nsweeps=0)
    with pytest.raises(TypeError, match="max_bond"):
        S(max_bond=10)
    with pytest.raises(ValueError, match="unknown initial 'hartree'"):
        X(initial="hartree")
    with pytest.raises(ValueError, match="penalty must be positive"):
        X(penalty=0.0)
    with pytest.raises(ValueError, match="max_states=2 is below n_states"):
        dmrg(H, n_states=3, method="sequential", excited=X(max_states=2))
    with pytest.raises(ValueError, match="apply to method='sequential' only"):
        dmrg(H, n_states=2, excited=X(initial="random"))


def test_former_keywords_still_work_with_a_deprecation_warning():
    H = oscillator_mpo([1.0, 1.3], 0.1, n_grid=6)
    new = dmrg(H, n_states=3, method="sequential", schedule=S(maxdim=(4, 8), nsites=(2, 1)),
               excited=X(initial="configurations"))
    with pytest.warns(DeprecationWarning, match=r"schedule=DMRGSchedule\(maxdim, nsites\)"):
        old = dmrg(H, n_states=3, method="sequential", maxdim=(4, 8), nsites=(2, 1),
                   initial="configurations")
    assert np.array_equal(old.energies, new.energies)
    assert old.info["maxdim"] == [4, 8] and old.info["initial"] == "configurations"
    # initial="state-average" (a warm-up, not method="state-average") is now "warm-up"
    with pytest.warns(DeprecationWarning, match="renamed initial='warm-up'"):
        assert X(initial="state-average").initial == "warm-up"
    with pytest.warns(DeprecationWarning, match="residuals"):
        dmrg(H, schedule=S(maxdim=4), residuals=False)


def test_dvr_truncation_below_acceptance():
    # ho:8 HO-DVR grids represent the coupled oscillators' 11 lowest levels to << 1e-6
    w = many_mode_frequencies(4)
    ham = grid_hamiltonian(coupled_oscillators(w, 0.02, energy_unit="hbar*omega"), "ho:8")
    got = np.linalg.eigvalsh(ham.dense())[:11]
    assert np.abs(got - coupled_oscillator_levels(w, 0.02, 11)).max() < 1e-8


def test_configuration_guesses_order_a_dense_spectrum():
    # 16 modes: the fundamentals of near-degenerate local modes (gaps ~1e-3) mix; the
    # VSCF + small-CI guesses already come out in the right order, close to the levels
    w = many_mode_frequencies(16)
    H = grid_hamiltonian(coupled_oscillators(w, 0.02, energy_unit="hbar*omega"), "ho:8").to_mpo()
    guesses, e_ci = configuration_guesses(mpo_arrays(H), 11, 60)
    want = coupled_oscillator_levels(w, 0.02, 11)
    assert np.abs(e_ci - want).max() < 0.01
    assert np.allclose(np.diff(e_ci), np.diff(want), atol=2e-3)
    ovl = np.array([[mps_overlap(a, b) for b in guesses] for a in guesses])
    assert np.allclose(ovl, np.eye(11), atol=1e-10)


def test_bilinear_eight_modes():
    w = many_mode_frequencies(8)
    r = dmrg(oscillator_mpo(w, 0.02, n_grid=8), n_states=11, method="sequential",
             schedule=S(maxdim=(8, 12), nsites=(2, 2, 1)), seed=0)
    assert np.allclose(r.energies, coupled_oscillator_levels(w, 0.02, 11), atol=1e-6, rtol=0)
    assert np.all(np.diff(r.energies) >= 0)


def test_bilinear_modes_fast():
    w = many_mode_frequencies(5)
    H = oscillator_mpo(w, 0.02, n_grid=8)
    r = dmrg(H, n_states=11, method="sequential", schedule=S(maxdim=(8, 16), nsites=(2, 2, 1)),
             seed=0)
    assert np.allclose(r.energies, coupled_oscillator_levels(w, 0.02, 11), atol=1e-6, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("f", [16, 32, 64])
def test_bilinear_many_modes_slow(f):
    # up to 10 fundamentals within 0.06 of each other (gaps down to 1.6e-3); the slow
    # tail of the sweeps in this dense band is cut at tol=1e-8 (errors ~1e-7)
    w = many_mode_frequencies(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r = dmrg(oscillator_mpo(w, 0.02, n_grid=8), n_states=11, method="sequential",
                 schedule=S(maxdim=(8, 16), nsites=2, tol=1e-8, nsweeps=40))
    assert r.all_converged
    assert np.all(np.diff(r.energies) >= 0)
    assert np.allclose(r.energies, coupled_oscillator_levels(w, 0.02, 11), atol=1e-6, rtol=0)
    # penalty-projected states at tol=1e-8: overlaps up to 3.7e-5 measured at f=64
    assert np.allclose(overlaps(r.states), np.eye(11), atol=1e-4)


@pytest.mark.slow
def test_henon_heiles_six_modes_matches_exact_slow():
    from vibmpo.solvers.exact import exact_levels

    ham = grid_hamiltonian(henon_heiles(6), "ho:10")
    want = exact_levels(ham, n_states=11, return_vectors=False, tol=1e-10).energies
    r = dmrg(ham.to_mpo(), n_states=11, method="sequential",
             schedule=S(maxdim=(12, 24), nsites=(2, 2, 1)), seed=0)
    assert np.allclose(r.energies, want, atol=1e-6, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("f", [10, 18])
def test_henon_heiles_beyond_exact_slow(f):
    # no exact reference: converged, small residuals, orthonormal, ordered, and stable
    # (1e-6) against a larger bond dimension and a different random warm-up. All modes
    # have omega = 1: the 10 excited states are the lowest of a band of f near-degenerate
    # fundamentals (gaps ~1e-4 at f = 18), found in order by the state-averaged warm-up
    # and refined state by state.
    H = henon_heiles_mpo(f)
    opts = dict(n_states=11, method="sequential", excited=X(initial="warm-up"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r1 = dmrg(H, schedule=S(maxdim=20, nsites=2), seed=0, **opts)
        r2 = dmrg(H, schedule=S(maxdim=28, nsites=2), seed=1, **opts)
    assert r1.all_converged and r2.all_converged
    assert np.all(np.diff(r1.energies) >= 0) and np.all(np.diff(r2.energies) >= 0)
    assert np.allclose(r1.energies, r2.energies, atol=1e-6, rtol=0)
    exc = r2.energies[1:] - r2.energies[0]
    assert np.all((exc > 0.9) & (exc < 1.0))  # the fundamentals, shifted down by the coupling
    assert r2.residuals.max() < 1e-4
    assert np.allclose(overlaps(r2.states), np.eye(11), atol=1e-5)


def test_state_average_warmup_resolves_a_dense_band():
    # 8 modes with omega = 1: 8 fundamentals within 0.02 (gaps ~2e-3); the state-averaged
    # warm-up hands every sequential state a start next to its eigenstate, so none is
    # skipped (one state per level computed) and all match exact diagonalisation
    from vibmpo.solvers.exact import exact_levels

    ham = grid_hamiltonian(henon_heiles(8), "ho:4")
    want = exact_levels(ham, n_states=9, return_vectors=False, tol=1e-12).energies
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r = dmrg(ham.to_mpo(), n_states=9, method="sequential",
                 excited=X(initial="warm-up"), schedule=S(maxdim=(8, 16)), seed=0)
    assert np.allclose(r.energies, want, atol=1e-8, rtol=0)
    assert r.info["n_computed"] == 9
    assert any("warm-up" in m for m in r.info["notes"])
    assert np.allclose(overlaps(r.states), np.eye(9), atol=1e-5)


@pytest.mark.parametrize("initial", ["configurations", "random"])
def test_state_landing_high_is_detected_and_redone(initial):
    # uncoupled oscillators: product eigenstates. Sequential state 1 is started on v3
    # (an eigenstate, so a stationary point that one-site sweeps without expansion cannot
    # leave). Its energy lies above the CI upper bound for level 1; the solver must
    # notice, compute the state-averaged warm-up and redo the state from it.
    from vibmpo.solvers.mps import product_mps, to_quimb_mps

    w = [1.0, 1.3, 1.7]
    H = oscillator_mpo(w, 0.0, n_grid=8)
    U, _ = vscf_modals(mpo_arrays(H))
    ground = to_quimb_mps(product_mps([U[0][:, 0], U[1][:, 0], U[2][:, 0]]))
    v3 = to_quimb_mps(product_mps([U[0][:, 0], U[1][:, 0], U[2][:, 1]]))
    trapped = dmrg(H, n_states=2, method="sequential", psi0=[ground, v3],
                   schedule=S(nsites=1, expansion=0.0, maxdim=4),
                   excited=X(initial=initial, max_states=2))
    want = coupled_oscillator_levels(w, 0.0, 3)
    assert np.allclose(trapped.energies, want[:2], atol=1e-8, rtol=0)
    assert any("landed above the bound" in m for m in trapped.info["notes"])
    assert trapped.info["n_computed"] == 2


def test_assignment_labels_fundamentals_overtones_combinations():
    from vibmpo.solvers import assign_states, ho_number_operators

    ham = grid_hamiltonian(coupled_oscillators([1.0, 1.3, 1.7], 0.01, energy_unit="hbar*omega"),
                           "ho:10")
    r = dmrg(ham.to_mpo(), n_states=7, schedule=S(maxdim=16), method="sequential")
    a = assign_states(r, ho_number_operators(ham, omegas=[1.0, 1.0, 1.0]))
    assert [x.label for x in a] == ["0", "v1", "v2", "v3", "2v1", "v1+v2", "2v2"]
    assert np.allclose(a[5].mean_quanta, [1, 1, 0], atol=0.01)
    assert a[0].leading[0][1] > 0.999
    weights = [w for _, w in a[4].leading]
    assert weights == sorted(weights, reverse=True)
