"""TDVP against exact propagation and conservation laws (the Lanczos exponential itself:
tests/linalg/test_krylov.py)."""

import numpy as np
import pytest

from vibmpo.operators.forcefield import henon_heiles
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers import TDVPOptions, tdvp
from vibmpo.solvers._tdvp import time_grid
from vibmpo.solvers.propagate_exact import propagate_exact
from vibmpo.solvers.states import gaussian_wavepacket


# --------------------------------------------------------------------------------------
# time grid
# --------------------------------------------------------------------------------------
def test_time_grid_errors_say_how_to_fix():
    assert time_grid(2.0, 0.5, [0.0, 1.0, 2.0]) == (4, {0: 0.0, 2: 1.0, 4: 2.0})
    with pytest.raises(ValueError, match=r"not an integer: use dt = 1/4 = 0.25"):
        time_grid(1.0, 0.3)
    with pytest.raises(ValueError, match="opposite signs.*negative t_final"):
        time_grid(1.0, -0.1)
    with pytest.raises(ValueError, match="not a multiple of dt"):
        time_grid(1.0, 0.1, [0.25])


# --------------------------------------------------------------------------------------
# TDVP on a 3-mode Henon-Heiles system (512 grid points) vs exact propagation
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hh3():
    ham = grid_hamiltonian(henon_heiles(3), "ho:8")
    return ham, ham.to_mpo()


@pytest.fixture(scope="module")
def hh3_wavepacket(hh3):
    return gaussian_wavepacket(hh3[0].grids, displace={0: 1.0, 1: -0.5})


def _copy_data(tn):
    return [np.array(t.data) for t in tn]


def test_two_site_tdvp_matches_exact_autocorrelation(hh3, hh3_wavepacket):
    ham, H = hh3
    psi0 = hh3_wavepacket
    h_before, p_before = _copy_data(H), _copy_data(psi0)
    dt, n = 0.025, 200
    res = tdvp(H, psi0, n * dt, dt=dt, method="2site", options=TDVPOptions(maxdim=64, cutoff=0.0))
    ref = propagate_exact(ham, psi0, n * dt, dt=dt, method="eigh")
    assert res.times.size == n + 1
    assert np.max(np.abs(res.autocorrelation - ref.autocorrelation)) <= 1e-6
    # the t/2 trick: C(2t) = <psi(t)*|psi(t)> for real H and psi0
    ref2 = propagate_exact(ham, psi0, 2 * n * dt, dt=dt, method="eigh")
    assert np.max(np.abs(res.autocorrelation_2t - ref2.autocorrelation[::2])) <= 1e-6
    # inputs untouched
    for a, b in zip(h_before, _copy_data(H), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(p_before, _copy_data(psi0), strict=True):
        np.testing.assert_array_equal(a, b)


def test_adaptive_tdvp_grows_from_product_state_then_goes_one_site(hh3, hh3_wavepacket):
    ham, H = hh3
    dt, n = 0.025, 200
    res = tdvp(H, hh3_wavepacket, n * dt, dt=dt, method="adaptive",
               options=TDVPOptions(maxdim=64, cutoff=0.0, growth_substeps=2))
    ref = propagate_exact(ham, hh3_wavepacket, n * dt, dt=dt, method="eigh")
    assert res.max_bond[0] == 1 and res.max_bond[-1] == 8
    assert res.methods[0] == "2site" and res.methods[-1] == "1site"
    assert np.max(np.abs(res.autocorrelation - ref.autocorrelation)) <= 1e-6


def test_one_site_tdvp_conserves_norm_and_energy(hh3, hh3_wavepacket):
    _, H = hh3
    # get a state with saturated bonds first, then run pure one-site TDVP
    grown = tdvp(H, hh3_wavepacket, 0.5, dt=0.05, method="2site",
                 options=TDVPOptions(maxdim=6, cutoff=0.0))
    assert list(grown.max_bond)[-1] == 6
    res = tdvp(H, grown.final_state, 10.0, dt=0.05, method="1site",
               options=TDVPOptions(maxdim=6))
    assert set(res.methods) == {"1site"}
    assert np.max(np.abs(res.norms - 1.0)) <= 1e-10
    assert np.max(np.abs(res.energies - res.energies[0])) <= 1e-8
    assert np.all(res.truncation_errors == 0.0)


def test_forward_then_backward_returns_initial_state(hh3, hh3_wavepacket):
    _, H = hh3
    fwd = tdvp(H, hh3_wavepacket, 2.0, dt=0.05, method="adaptive",
               options=TDVPOptions(maxdim=64, cutoff=0.0))
    back = tdvp(H, fwd.final_state, -2.0, dt=-0.05, method="1site")
    fidelity = abs(back.final_state.H @ hh3_wavepacket) ** 2
    assert fidelity >= 1 - 1e-8


def test_imaginary_time_reaches_ground_state(hh3, hh3_wavepacket):
    ham, H = hh3
    e0 = np.linalg.eigvalsh(ham.dense())[0]
    res = tdvp(H, hh3_wavepacket, 20.0, dt=0.25, method="2site",
               options=TDVPOptions(maxdim=64), imaginary=True)
    assert res.imaginary and res.times_2t is None
    assert abs(res.energies[-1] - e0) <= 1e-8
    assert np.all(np.diff(res.energies) <= 1e-10)  # relaxation lowers the energy


def test_imaginary_time_agrees_with_dmrg(hh3, hh3_wavepacket):
    from vibmpo.solvers import DMRGSchedule, dmrg

    _, H = hh3
    d = dmrg(H, n_states=1, schedule=DMRGSchedule(maxdim=64))
    e_dmrg = float(np.atleast_1d(d.energies)[0])
    res = tdvp(H, hh3_wavepacket, 20.0, dt=0.25, method="2site",
               options=TDVPOptions(maxdim=64), imaginary=True)
    assert abs(res.energies[-1] - e_dmrg) <= 1e-8


def test_observables_and_saved_states(hh3, hh3_wavepacket):
    ham, H = hh3
    q0 = ham.grids[0].points
    res = tdvp(H, hh3_wavepacket, 1.0, dt=0.1, options=TDVPOptions(maxdim=64), save_times=[0.5],
               observables={"q0": (0, q0), "H": H, "norm": lambda p: abs(p.H @ p)})
    ref = propagate_exact(ham, hh3_wavepacket, 1.0, dt=0.1, method="eigh", keep_states=True)
    qd = np.kron(np.kron(q0, np.ones(8)), np.ones(8))
    exact_q = np.einsum("tk,k,tk->t", ref.states.conj(), qd, ref.states).real
    np.testing.assert_allclose(res.observables["q0"].real, exact_q, atol=1e-7)
    np.testing.assert_allclose(res.observables["H"].real, res.energies, atol=1e-10)
    np.testing.assert_allclose(res.observables["norm"], 1.0, atol=1e-10)
    saved = res.states[0.5].to_dense().ravel()
    assert abs(abs(np.vdot(saved, ref.states[5])) - 1.0) < 1e-7


def test_tdvp_rejects_bad_input(hh3, hh3_wavepacket):
    _, H = hh3
    with pytest.raises(ValueError, match="not an integer"):
        tdvp(H, hh3_wavepacket, 1.0, dt=0.3)
    with pytest.raises(ValueError, match="unknown method"):
        tdvp(H, hh3_wavepacket, 1.0, dt=0.1, method="rk4")
    with pytest.raises(ValueError, match="growth_substeps must be an integer >= 1"):
        tdvp(H, hh3_wavepacket, 1.0, dt=0.1, options=TDVPOptions(growth_substeps=0))
    other = gaussian_wavepacket(grid_hamiltonian(henon_heiles(3), "ho:5").grids)
    with pytest.raises(ValueError, match="physical dimensions"):
        tdvp(H, other, 1.0, dt=0.1)
    with pytest.warns(RuntimeWarning, match="method='gse'"):
        tdvp(H, hh3_wavepacket, 0.1, dt=0.1, method="1site")


def test_options_are_typed_and_validated(hh3, hh3_wavepacket):
    _, H = hh3
    for bad, message in [({"maxdim": 0}, "maxdim must be an integer >= 1"),
                         ({"cutoff": 1.0}, r"cutoff must be in \[0, 1\)"),
                         ({"expansion": -1e-3}, "expansion must be >= 0"),
                         ({"krylov_tol": 0.0}, "krylov_tol must be positive"),
                         ({"gse_krylov": 1.5}, "gse_krylov must be an integer"),
                         ({"krylov_dim": None}, "krylov_dim must be an integer")]:
        with pytest.raises(ValueError, match=message):
            TDVPOptions(**bad)
    with pytest.raises(TypeError, match="unexpected keyword argument 'max_bond'"):
        TDVPOptions(max_bond=8)
    with pytest.raises(TypeError, match="unexpected keyword argument 'max_bond'"):
        tdvp(H, hh3_wavepacket, 0.1, dt=0.1, max_bond=8)
    o = TDVPOptions(maxdim=8.0, cutoff=0)
    assert type(o.maxdim) is int and type(o.cutoff) is float


def test_former_keywords_still_work_with_a_deprecation_warning(hh3, hh3_wavepacket):
    _, H = hh3
    kw = dict(maxdim=6, cutoff=1e-10, growth_substeps=2, krylov_tol=1e-9)
    for method in ("gse", "adaptive"):
        new = tdvp(H, hh3_wavepacket, 0.5, dt=0.05, method=method, options=TDVPOptions(**kw))
        with pytest.warns(DeprecationWarning,
                          match=r"pass options=TDVPOptions\(maxdim, cutoff, growth_substeps, "
                                r"krylov_tol\)"):
            old = tdvp(H, hh3_wavepacket, 0.5, dt=0.05, method=method, **kw)
        assert np.array_equal(old.autocorrelation, new.autocorrelation)
        assert np.array_equal(old.energies, new.energies) and old.info == {
            **new.info, "initial_norm": old.info["initial_norm"]}
        assert old.info["maxdim"] == 6 and old.methods == new.methods


# --------------------------------------------------------------------------------------
# exact references and the command line
# --------------------------------------------------------------------------------------
def test_exact_propagation_methods_agree(hh3, hh3_wavepacket):
    ham, _ = hh3
    v0 = hh3_wavepacket.to_dense().ravel()
    ref = propagate_exact(ham, v0, 3.0, dt=0.1, method="eigh", keep_states=True)
    for method in ("expm", "krylov", "chebyshev"):
        r = propagate_exact(ham, v0, 3.0, dt=0.1, method=method)
        np.testing.assert_allclose(r.autocorrelation, ref.autocorrelation, atol=1e-10)
    kr = propagate_exact(ham, v0, 3.0, dt=0.1, method="krylov")
    np.testing.assert_allclose(kr.final_state, ref.states[-1], atol=1e-10)
    # imaginary time relaxes to the ground state
    im = propagate_exact(ham, v0, 30.0, dt=1.0, method="krylov", imaginary=True)
    e0 = np.linalg.eigvalsh(ham.dense())[0]
    assert np.vdot(im.final_state, ham.matvec(im.final_state)).real == pytest.approx(e0,
                                                                                 abs=1e-8)
    with pytest.raises(ValueError, match="autocorrelation only"):
        propagate_exact(ham, v0, 1.0, dt=0.1, method="chebyshev", imaginary=True)


def test_cli_propagate_writes_spectrum_matching_levels(tmp_path):
    import json

    from vibmpo.cli import main

    out = tmp_path / "run"
    rc = main(["propagate", "henon-heiles:2", "--grid", "ho:8", "--t-final", "40",
               "--dt", "0.1", "--initial", "gauss:displace=0:1", "--maxdim", "8",
               "--out", str(out), "--quiet"])
    assert rc == 0
    for name in ("autocorrelation.csv", "observables.csv", "spectrum.csv", "spectrum.json",
                 "result.json", "autocorrelation.png", "spectrum.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "result.json").read_text())
    peaks = np.array(summary["spectrum"]["peaks"])
    resolution = summary["spectrum"]["resolution"]
    levels = np.linalg.eigvalsh(grid_hamiltonian(henon_heiles(2), "ho:8").dense())
    # energies are measured from the ground level (DMRG), which the JSON states
    assert summary["energy_zero"] == "ground level" and summary["energy_unit"] == "hbar*omega"
    assert summary["zero_value"] == pytest.approx(levels[0], abs=1e-8)
    strongest = peaks[np.argmax(summary["spectrum"]["heights"])]
    assert np.min(np.abs(levels - levels[0] - strongest)) < resolution / 4
    assert summary["energy_drift"] < 1e-8


def test_cli_rejects_bad_initial_spec(tmp_path, capsys):
    from vibmpo.cli import main

    rc = main(["propagate", "henon-heiles:2", "--grid", "ho:6", "--t-final", "1",
               "--dt", "0.1", "--initial", "gauss:displace=7", "--out", str(tmp_path)])
    assert rc == 1
    assert "MODE:VALUE" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# one-site TDVP with global subspace expansion (the default)
# --------------------------------------------------------------------------------------
def test_gse_grows_product_state_and_matches_exact(hh3, hh3_wavepacket):
    ham, H = hh3
    dt, n = 0.025, 200
    res = tdvp(H, hh3_wavepacket, n * dt, dt=dt, options=TDVPOptions(maxdim=64, cutoff=0.0))
    ref = propagate_exact(ham, hh3_wavepacket, n * dt, dt=dt, method="eigh")
    assert res.info["method"] == "gse"
    assert res.max_bond[0] == 1 and res.max_bond[-1] == 8
    assert res.methods[0] == "gse" and res.methods[-1] == "1site"
    assert "2site" not in res.methods
    assert np.max(np.abs(res.autocorrelation - ref.autocorrelation)) <= 1e-6
    # one-site steps (with or without expansion) conserve norm and energy
    assert np.max(np.abs(res.norms - 1.0)) <= 1e-10
    assert np.ptp(res.energies) <= 1e-8
    assert np.all(res.truncation_errors == 0.0)


def test_gse_with_bond_limit_matches_two_site(hh3, hh3_wavepacket):
    _, H = hh3
    kw = dict(dt=0.05, options=TDVPOptions(maxdim=4, cutoff=0.0))
    gse = tdvp(H, hh3_wavepacket, 2.0, method="gse", **kw)
    two = tdvp(H, hh3_wavepacket, 2.0, method="2site", **kw)
    assert gse.max_bond[-1] == 4
    assert np.max(np.abs(gse.autocorrelation - two.autocorrelation)) <= 2e-3


def test_gse_forward_then_backward_returns_initial_state(hh3, hh3_wavepacket):
    _, H = hh3
    fwd = tdvp(H, hh3_wavepacket, 2.0, dt=0.05, options=TDVPOptions(maxdim=64, cutoff=0.0))
    back = tdvp(H, fwd.final_state, -2.0, dt=-0.05, method="1site")
    assert abs(back.final_state.H @ hh3_wavepacket) ** 2 >= 1 - 1e-8


def test_result_uses_the_shared_field_names(hh3, hh3_wavepacket):
    ham, H = hh3
    res = tdvp(H, hh3_wavepacket, 0.5, dt=0.05, options=TDVPOptions(maxdim=8),
               energy_unit=ham.energy_unit)
    assert res.energy_unit == ham.energy_unit
    assert res.converged and res.info["unconverged_exponentials"] == 0
    assert res.wall_time > 0 and res.energies.shape == res.times.shape
    with pytest.warns(DeprecationWarning, match="use TDVPResult.info"):
        assert res.meta is res.info


def test_starved_krylov_space_is_flagged(hh3, hh3_wavepacket):
    """Two Lanczos vectors cannot reach 1e-8 on a long step: the result says so."""
    _, H = hh3
    res = tdvp(H, hh3_wavepacket, 1.0, dt=0.5,
               options=TDVPOptions(maxdim=8, krylov_dim=2))
    assert not res.converged and res.info["unconverged_exponentials"] > 0


def test_package_names_are_the_functions_not_modules():
    """``vibmpo.solvers.dmrg``/``tdvp``/``block_dmrg`` are the solvers (their modules are
    private), so
    ``import vibmpo.solvers.tdvp as x``-style access cannot hand out a module by accident,
    and the results pickle under the package name."""
    import pickle
    import types

    import vibmpo.solvers as S

    for name in ("dmrg", "tdvp", "block_dmrg"):
        assert callable(getattr(S, name))
        assert not isinstance(getattr(S, name), types.ModuleType)
    for result in (S.TDVPResult, S.DMRGResult, S.BlockDMRGResult):
        assert result.__module__ == "vibmpo.solvers"
        assert pickle.loads(pickle.dumps(result)) is result
