"""DMRG convergence is earned, not declared (issue #14, part 2): every state is checked
for norm, residual (relative to the spectrum's spread), Rayleigh quotient and
orthogonality; failures warn, are flagged in the CLI's JSON and fail ``--strict``."""

import json
import warnings

import numpy as np
import pytest
import quimb.tensor as qtn

from vibmpo.cli import main
from vibmpo.operators.forcefield import henon_heiles
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers import DMRGConvergenceWarning, DMRGSchedule, dmrg
from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_to_dense, random_mps
from vibmpo.solvers.verify import energy_scale, verify_eigenpairs


def test_energy_scale_is_the_spread_of_the_spectrum():
    H = qtn.MPO_rand_herm(4, 3, phys_dim=3, seed=2)
    w = np.linalg.eigvalsh(H.to_dense())
    assert energy_scale(mpo_arrays(H)) == pytest.approx(np.std(w), rel=1e-10)
    # shift-invariant: adding a constant changes nothing
    W = mpo_arrays(H)
    from vibmpo.solvers.mps import mpo_identity_shift

    assert energy_scale(mpo_identity_shift(W, 7.5)) == pytest.approx(np.std(w), rel=1e-10)


def test_verification_numbers_match_dense_algebra():
    W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    Hd = mpo_to_dense(W)
    w, V = np.linalg.eigh(Hd)
    t = random_mps([2, 2, 2], 2, seed=0)
    t = [t[0] * 2.0] + list(t[1:])  # norm 2
    c = verify_eigenpairs(W, [t], [0.3])
    v = mps_to_dense(t) / 2.0
    assert c.norms[0] == pytest.approx(2.0)
    assert c.residuals[0] == pytest.approx(np.linalg.norm(Hd @ v - 0.3 * v))
    assert c.rayleigh[0] == pytest.approx(v @ Hd @ v)
    assert not c.converged[0] and any("norm" in r for r in c.reasons[0])
    # exact eigenvectors (as bond-dimension-4 MPS) pass
    exact = []
    for k in range(2):
        psi = V[:, k].reshape(2, 2, 2)
        u1, s1, v1 = np.linalg.svd(psi.reshape(2, 4), full_matrices=False)
        u2, s2, v2 = np.linalg.svd((np.diag(s1) @ v1).reshape(4, 2), full_matrices=False)
        exact.append([u1.reshape(1, 2, 2), u2.reshape(2, 2, 2),
                      (np.diag(s2) @ v2).reshape(2, 2, 1)])
    ok = verify_eigenpairs(W, exact, w[:2])
    assert ok.all_converged and ok.residuals.max() < 1e-12 and ok.max_overlap < 1e-12


def test_collapsed_state_average_dmrg_is_not_declared_converged():
    """Henon-Heiles 6-D, 8 roots at bond dimension 1: zero-norm and wrong states (the
    exact ground level is 2.993) used to be flagged converged with residual 0."""
    H = grid_hamiltonian(henon_heiles(6), "ho:6").to_mpo()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = dmrg(H, n_states=8, method="state-average", schedule=DMRGSchedule(maxdim=1))
    assert not r.converged.any()
    assert any(issubclass(w.category, DMRGConvergenceWarning) and "norm" in str(w.message)
               for w in caught)
    fails = r.info["verification"]["failures"]
    assert "zero state" in " ".join(fails["0"])
    assert not np.isfinite(r.residuals[0]) or r.residuals[0] > 1e-3


def test_converged_dmrg_passes_verification():
    ham = grid_hamiltonian(henon_heiles(3), "ho:6")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r = dmrg(ham.to_mpo(), n_states=3, schedule=DMRGSchedule(maxdim=32))
    ref = np.linalg.eigvalsh(ham.dense())[:3]
    np.testing.assert_allclose(r.energies, ref, atol=1e-8)
    assert r.all_converged and r.residuals.max() < r.info["verification"]["residual_threshold"]


def test_cli_flags_unconverged_dmrg_and_strict_fails(tmp_path, capsys):
    args = ["propagate", "henon-heiles:4", "--grid", "ho:5", "--initial", "eigen:3",
            "--dmrg-maxdim", "1", "--t-final", "2", "--dt", "0.5", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert err.count("vibmpo propagate: warning: DMRG") == 1
    info = json.loads((tmp_path / "a" / "result.json").read_text())["initial_info"]
    assert info["converged"][3] is False and len(info["residuals"]) == 4
    assert main(args + ["--out", str(tmp_path / "b"), "--strict"]) == 3
    assert "--strict" in capsys.readouterr().err and not (tmp_path / "b").exists()


def test_cli_tol_is_relative_to_the_energy_scale(monkeypatch, capsys):
    """``--tol`` reaches DMRG as tol x energy scale, not silently x 1e-2."""
    import vibmpo.cli._dmrg as cli_dmrg

    seen = {}
    real = cli_dmrg.run_dmrg

    def spy(H, command, **options):
        seen.update(options, scale=energy_scale(mpo_arrays(H)))
        return real(H, command, **options)

    monkeypatch.setattr(cli_dmrg, "run_dmrg", spy)
    assert main(["levels", "henon-heiles:3", "--grid", "ho:5", "--method", "dmrg",
                 "--n-states", "2", "--tol", "1e-6"]) == 0
    assert seen["tol"] == pytest.approx(1e-6 * seen["scale"])
    with pytest.raises(SystemExit) as exit_:
        main(["levels", "henon-heiles:3", "--tol", "5"])
    assert exit_.value.code == 2
    assert "relative tolerance" in capsys.readouterr().err
