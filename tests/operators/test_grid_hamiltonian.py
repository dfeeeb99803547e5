"""Grid Hamiltonians and their MPOs against dense references."""

import numpy as np
import pytest

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators.dvr import ho_grid, sine_grid
from vibmpo.operators.forcefield import ForceField, coupled_oscillators, henon_heiles
from vibmpo.operators.hamiltonian import GridHamiltonian, grid_hamiltonian, harmonic_analysis
from vibmpo.potential.io import load_model
from vibmpo.units import HARTREE_TO_CM1, convert_energy

SPEC3 = "ho:4:2000:0.3,sine:5:-6:5,ho:3:1500:-0.2"


def _dense_reference(ham, vgrid):
    h = np.diag(vgrid)
    for i, t in enumerate(ham.kinetic):
        left = int(np.prod(ham.dims[:i]))
        right = int(np.prod(ham.dims[i + 1:]))
        h += np.kron(np.kron(np.eye(left), t), np.eye(right))
    return h


def _nnmpo_grid_values(model, ham):
    q = np.stack(np.meshgrid(*[g.points for g in ham.grids], indexing="ij"), -1)
    q = q.reshape(-1, ham.n_modes)
    x = q @ model.U.T  # q = x U with orthogonal U
    return convert_energy(model.energy(x), model.energy_unit, "hartree")


def test_nnmpo_mpo_equals_kinetic_plus_potential(random_nnmpo):
    model = random_nnmpo(seed=1)
    ham = grid_hamiltonian(model, SPEC3, allow_extrapolation=True)
    assert ham.energy_unit == "hartree" and ham.dims == (4, 5, 3)
    ref = _dense_reference(ham, _nnmpo_grid_values(model, ham))
    scale = np.abs(ref).max()
    for max_error in (None, 1e-12):
        dense = ham.to_mpo(max_error=max_error).to_dense()
        assert np.abs(dense - ref).max() <= 1e-10 * scale
    assert np.abs(ham.dense() - ref).max() <= 1e-12 * scale
    # grid parameters as requested (frequencies in cm^-1 -> Hartree, unit mass)
    assert ham.grids[0].params["omega"] == pytest.approx(2000 / HARTREE_TO_CM1)
    assert ham.grids[0].params["center"] == 0.3
    assert ham.grids[1].kind == "sine"


def test_forcefield_mpo_equals_dense_reference():
    ff = ForceField(terms=((0.5, {0: 2}), (0.7, {1: 2}), (0.3, {2: 2}), (0.05, {0: 1, 2: 3}),
                           (-0.02, {0: 2, 1: 1, 2: 1}), (1.5, {})),
                    kinetic=[0.5, 0.8, 1.1], energy_unit="hbar*omega")
    ham = grid_hamiltonian(ff, "ho:5,sine:6:-4:4,ho:4")
    q = np.stack(np.meshgrid(*[g.points for g in ham.grids], indexing="ij"), -1).reshape(-1, 3)
    ref = np.diag(ff.potential(q))
    for i, (g, kappa) in enumerate(zip(ham.grids, ff.kinetic, strict=True)):
        left, right = int(np.prod(ham.dims[:i])), int(np.prod(ham.dims[i + 1:]))
        ref += np.kron(np.kron(np.eye(left), 2 * kappa * g.kinetic), np.eye(right))
    dense = ham.to_mpo().to_dense()
    assert np.abs(dense - ref).max() <= 1e-10 * np.abs(ref).max()


def test_mpo_is_open_boundary_with_quimb_names(random_nnmpo):
    mpo = grid_hamiltonian(random_nnmpo(seed=2), SPEC3, allow_extrapolation=True).to_mpo()
    assert mpo.L == 3
    assert mpo[0].ndim == 3 and mpo[1].ndim == 4 and mpo[2].ndim == 3
    assert {"k0", "b0"} <= set(mpo[0].inds) and "I0" in mpo[0].tags
    assert mpo.upper_ind_id == "k{}" and mpo.lower_ind_id == "b{}"


def test_compression_bounds_every_matrix_element():
    ham = grid_hamiltonian(henon_heiles(4, 0.3), "ho:4")
    exact = ham.to_mpo(max_error=None).to_dense()
    for max_error in (1e-1, 1e-3):
        approx = ham.to_mpo(max_error=max_error).to_dense()
        assert np.abs(approx - exact).max() <= max_error
    assert ham.mpo_bond_dims(1e-10) <= ham.mpo_bond_dims(None)


def test_mpo_is_compressed_once_and_shared_as_read_only_arrays(monkeypatch):
    """Every MPO view of H (arrays, quimb MPO, bonds, error bound) comes from one SVD
    compression per tolerance; the quimb MPO equals the arrays and owns its copy."""
    from vibmpo.linalg import tt
    from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense

    ham = grid_hamiltonian(henon_heiles(3, 0.3), "ho:4")
    calls = []
    original = tt.truncate_with_error
    monkeypatch.setattr(tt, "truncate_with_error",
                        lambda *a, **k: calls.append(k) or original(*a, **k))
    arrays = ham.mpo_arrays(1e-10)
    mpo = ham.to_mpo(1e-10)
    assert ham.mpo_bond_dims(1e-10) == [w.shape[1] for w in arrays[:-1]] == [3, 3]
    assert ham.mpo_error(1e-10) <= 1e-10 and len(calls) == 1
    assert all(not w.flags.writeable for w in arrays)
    with pytest.raises(ValueError, match="read-only"):
        arrays[0][...] = 0.0
    assert np.allclose(mpo_to_dense(arrays), ham.dense(), atol=1e-10)
    assert np.allclose(mpo_to_dense(mpo_arrays(mpo)), ham.dense(), atol=1e-10)
    mpo[0].modify(data=np.zeros_like(mpo[0].data))  # a user's change stays in their MPO
    assert np.allclose(mpo_to_dense(ham.mpo_arrays(1e-10)), ham.dense(), atol=1e-10)
    ham.to_mpo(1e-3)
    assert len(calls) == 2  # another tolerance compresses again


def test_description_names_the_model_unit(random_nnmpo):
    """The Hamiltonian is in Hartree whatever the model's unit; the description says
    which unit the model was in and does not claim the model was in Hartree."""
    model = random_nnmpo(seed=1)
    ham = grid_hamiltonian(model, SPEC3, allow_extrapolation=True)
    assert ham.energy_unit == "hartree"
    assert f"({model.energy_unit} model" in ham.description
    assert "in hartree" not in ham.description.lower()


def test_scaled_matvec_is_the_affine_map_of_the_dense_matrix(random_nnmpo, rng):
    ham = grid_hamiltonian(random_nnmpo(seed=4), SPEC3, allow_extrapolation=True)
    dense = ham.dense()
    v, w = rng.standard_normal(ham.size), rng.standard_normal(ham.size)
    scale, shift, gamma = 2.0 / 0.37, 0.11, -1.0
    step = ham.scaled_matvec(scale, shift)
    ref = scale * (dense - shift * np.eye(ham.size)) @ v
    assert np.allclose(step(v), ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    assert np.allclose(step(v, w, gamma), ref + gamma * w, rtol=1e-12,
                       atol=1e-12 * np.abs(ref).max())
    with pytest.raises(ValueError, match="the grid has 60 points"):
        step(np.ones(7))
    with pytest.raises(ValueError, match="w has shape"):
        step(v, np.ones(3), 1.0)


def test_matvec_potential_and_densities(random_nnmpo, rng):
    model = random_nnmpo(seed=3)
    ham = grid_hamiltonian(model, SPEC3, allow_extrapolation=True)
    h = ham.dense()
    assert np.allclose(ham.potential_full(), _nnmpo_grid_values(model, ham), rtol=1e-12)
    v = rng.standard_normal(ham.size)
    assert np.allclose(ham.matvec(v), h @ v, rtol=1e-12, atol=1e-14)
    vc = v + 1j * rng.standard_normal(ham.size)
    assert np.allclose(ham.matvec(vc.reshape(ham.dims)).reshape(-1), h @ vc, atol=1e-13)
    assert np.allclose(ham.diagonal(), np.diag(h))
    for psi in (v, vc):
        x = psi.reshape(ham.dims)
        for i, rho in enumerate(ham.one_mode_densities(psi)):
            m = np.moveaxis(x, i, 0).reshape(ham.dims[i], -1)
            assert np.allclose(rho, m @ m.conj().T, atol=1e-12)


def test_harmonic_analysis_matches_finite_differences(random_nnmpo):
    ff = coupled_oscillators([1.0, 1.3], 0.2)
    c, hess, e = harmonic_analysis(ff)
    assert np.allclose(c, 0, atol=1e-12) and e == pytest.approx(0.0, abs=1e-14)
    assert np.allclose(hess, [[1.0, 0.2], [0.2, 1.3]])
    # NN-MPO: Hessian of V(q) = V(x = q U^T) by finite differences, in Hartree
    model = load_model(h2co_pompon_model_path())
    c, hess, _ = harmonic_analysis(model)
    to_ha = convert_energy(1.0, "eV", "hartree")

    def v(q):
        return model.energy((q @ model.U.T)[None])[0] * to_ha

    h = 0.5
    for i in range(model.n_modes):
        ei = np.eye(model.n_modes)[i] * h
        fd = (v(c + ei) - 2 * v(c) + v(c - ei)) / h**2
        assert fd == pytest.approx(hess[i, i], rel=1e-4)
        g = (v(c + ei / 50) - v(c - ei / 50)) / (2 * h / 50)
        assert abs(g) / hess[i, i] < 1e-6  # at the minimum (position within 1e-6 a.u.)
    freqs = np.sqrt(np.diag(hess)) * HARTREE_TO_CM1
    assert np.allclose(freqs, [1193.2, 1266.2, 1532.7, 1861.4, 2865.2, 2923.0], atol=0.5)


def test_automatic_grids_for_force_fields():
    ham = grid_hamiltonian(coupled_oscillators([1000.0, 2000.0], 0.0), "ho:6")
    # T = w/2 p^2, V = w/2 q^2: unit-mass grid parameter 1, physical frequency w
    assert [g.params["omega"] for g in ham.grids] == pytest.approx([1.0, 1.0])
    assert ham.grid_spec == "ho:6:1000:0,ho:6:2000:0"
    e = np.linalg.eigvalsh(ham.dense())[:4]
    assert np.allclose(e, [1500.0, 2500.0, 3500.0, 3500.0], rtol=1e-12)
    again = grid_hamiltonian(coupled_oscillators([1000.0, 2000.0], 0.0), ham.grid_spec)
    assert np.allclose(again.dense(), ham.dense())


def test_h2co_mpo_bond_dimensions():
    ham = grid_hamiltonian(load_model(h2co_pompon_model_path()), "ho:9")
    bonds = ham.mpo_bond_dims()
    assert len(bonds) == 5
    assert all(b <= m for b, m in zip(bonds, [7, 16, 16, 16, 8], strict=True))
    assert ham.to_mpo().bond_sizes() == bonds


def test_bad_inputs_are_rejected(random_nnmpo):
    with pytest.raises(TypeError, match="NNMPOArrays or ForceField"):
        grid_hamiltonian({"not": "a model"}, "ho:5")
    with pytest.raises(ValueError, match="no local minimum"):
        grid_hamiltonian(ForceField(terms=((-0.5, {0: 2}),), kinetic=[0.5]), "ho:5")
    with pytest.raises(ValueError, match="one grid per mode"):
        grid_hamiltonian(henon_heiles(2), [ho_grid(4, 1.0)])
    with pytest.raises(ValueError, match="lists 2 grids"):
        grid_hamiltonian(henon_heiles(3), "ho:4,ho:4")
    ham = grid_hamiltonian(henon_heiles(2), [ho_grid(4, 1.0), sine_grid(5, -3, 3)])
    with pytest.raises(ValueError, match="vector has 3 entries"):
        ham.matvec(np.ones(3))
    with pytest.raises(ValueError, match="do not fit"):
        GridHamiltonian(grids=ham.grids, kinetic=ham.kinetic[::-1], v_cores=ham.v_cores)
    with pytest.raises(ValueError, match="energy_unit must name the unit"):
        GridHamiltonian(grids=ham.grids, kinetic=ham.kinetic, v_cores=ham.v_cores,
                        energy_unit="")
    with pytest.raises(ValueError, match="0 <= max_error < 1"):
        ham.mpo_arrays(1.5)


@pytest.mark.parametrize(
    "make",
    [lambda: henon_heiles(18), lambda: coupled_oscillators(np.linspace(1.0, 2.0, 24), 0.02)],
    ids=["henon-heiles-18", "bilinear-24"],
)
def test_force_field_mpo_bonds_stay_intrinsic_for_many_modes(make):
    """Sum-of-products potentials keep their intrinsic TT rank (3 here) however many
    modes: the grid-value Frobenius norm grows like d^(f/2), so rounding must happen in
    coefficient space or round-off keeps every term's channel."""
    ham = grid_hamiltonian(make(), "ho:4")
    assert max(ham.v_ranks) <= 3
    assert max(ham.mpo_bond_dims()) <= 5


def test_tt_bond_spectra_are_those_of_the_linalg_toolbox(rng):
    """The operator layer's bond spectra are vibmpo.linalg.tt's (checked against dense
    SVDs of the unfoldings in tests/linalg/test_tt.py), with its 1e-14 cutoff."""
    from vibmpo.linalg import tt
    from vibmpo.operators.hamiltonian import tt_bond_spectra

    cores = [rng.normal(size=s) for s in [(1, 3, 2), (2, 4, 3), (3, 2, 1)]]
    spectra = tt_bond_spectra(cores)
    assert [len(s) for s in spectra] == [2, 2]
    for got, want in zip(spectra, tt.bond_spectra(cores, rel_cutoff=1e-14), strict=True):
        np.testing.assert_array_equal(got, want)
