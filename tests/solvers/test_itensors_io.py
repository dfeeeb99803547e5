"""ITensors.jl HDF5 export/import of Hamiltonian MPOs and states: the documented layout,
and round trips that reproduce the MPO and its energies to 1e-12."""

import h5py
import numpy as np
import pytest

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators.forcefield import henon_heiles
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.potential.io import load_model
from vibmpo.solvers.itensors_io import read_itensors_mpo, read_itensors_mps, write_itensors
from vibmpo.solvers.mps import mpo_arrays, mps_expectation, mps_to_dense, random_mps


@pytest.fixture(scope="module")
def h2co_ham():
    return grid_hamiltonian(load_model(h2co_pompon_model_path()), "ho:5")


def test_h2co_mpo_round_trip_to_1e12(h2co_ham, tmp_path):
    H = h2co_ham.to_mpo()
    path = write_itensors(tmp_path / "h2co.h5", H, energy_unit=h2co_ham.energy_unit)
    back = read_itensors_mpo(path)
    for a, b in zip(mpo_arrays(H), mpo_arrays(back), strict=True):
        assert a.shape == b.shape
        assert np.abs(a - b).max() <= 1e-12 * max(1.0, np.abs(a).max())
    # the same operator: expectation values of a random state agree to 1e-12 (Hartree)
    psi = random_mps(h2co_ham.dims, 4, seed=3)
    e1, e2 = mps_expectation(psi, mpo_arrays(H)), mps_expectation(psi, mpo_arrays(back))
    assert abs(e1 - e2) <= 1e-12 * abs(e1)
    with h5py.File(path) as f:
        assert f["H"].attrs["energy_unit"] == "hartree"


def test_force_field_mpo_matches_the_dense_hamiltonian(tmp_path):
    ham = grid_hamiltonian(henon_heiles(3), "ho:4")
    path = write_itensors(tmp_path / "hh.h5", ham.to_mpo())
    dense = read_itensors_mpo(path).to_dense()
    assert np.abs(dense - ham.dense()).max() < 1e-12


def test_layout_follows_the_itensors_format(h2co_ham, tmp_path):
    w = mpo_arrays(h2co_ham.to_mpo())
    psi = random_mps(h2co_ham.dims, 3, seed=0)
    path = write_itensors(tmp_path / "both.h5", w, [psi])
    with h5py.File(path) as f:
        def check(group, kind):
            assert group.attrs["type"] == kind and group.attrs["version"] == 1
        check(f["H"], "MPO")
        check(f["psi"], "MPS")
        assert f["H/length"][()] == 6 and f["H/llim"][()] == 0 and f["H/rlim"][()] == 7
        g = f["H/MPO[2]"]
        check(g, "ITensor")
        check(g["inds"], "IndexSet")
        check(g["storage"], "Dense{Float64}")
        assert g["inds/length"][()] == 4
        inds = [g[f"inds/index_{k}"] for k in range(1, 5)]
        for i in inds:
            check(i, "Index")
            check(i["tags"], "TagSet")
            assert i.attrs["space_type"] == "Int" and i["id"].dtype == np.uint64
            assert i["dir"][()] == 0
        tags = [i["tags/tags"][()].decode() for i in inds]
        assert tags == ["Link,l=1", "Qudit,Site,n=2", "Qudit,Site,n=2", "Link,l=2"]
        assert [i["plev"][()] for i in inds] == [0, 1, 0, 0]
        # the link to site 1 is the same Index object in both tensors
        assert inds[0]["id"][()] == f["H/MPO[1]/inds/index_3/id"][()]
        # MPO and MPS share their site indices (same id)
        assert inds[2]["id"][()] == f["psi/MPS[2]/inds/index_2/id"][()]
        # column-major data: element (l, out, in, r) sits at l + Dl*(out + d*(in + d*r))
        data = g["storage/data"][()]
        dl, d = w[1].shape[0], w[1].shape[2]
        for (a, o, i, b) in [(0, 1, 2, 3), (5, 4, 0, 7), (2, 3, 3, 1)]:
            assert data[a + dl * (o + d * (i + d * b))] == w[1][a, b, o, i]


def test_mps_round_trip_and_complex_states(h2co_ham, tmp_path):
    psi = random_mps(h2co_ham.dims, 5, seed=1)
    phase = [a.astype(complex) for a in psi]
    phase[2] = phase[2] * np.exp(0.3j)
    path = write_itensors(tmp_path / "s.h5", h2co_ham.mpo_arrays(), [psi, phase])
    back = read_itensors_mps(path, "psi1", arrays=True)
    assert all(np.array_equal(a, b) for a, b in zip(psi, back, strict=True))
    back2 = read_itensors_mps(path, "psi2")
    v = back2.to_dense().ravel()
    assert np.abs(v - mps_to_dense(phase)).max() < 1e-14
    with h5py.File(path) as f:
        assert f["psi2/MPS[3]/storage"].attrs["type"] == "Dense{ComplexF64}"


def test_bad_files_are_refused_clearly(tmp_path):
    path = write_itensors(tmp_path / "p.h5", states=[random_mps([2, 2], 2, seed=0)])
    with pytest.raises(KeyError, match="has no group 'H'"):
        read_itensors_mpo(path)
    with pytest.raises(ValueError, match="not MPO"):
        read_itensors_mpo(path, "psi")
    with pytest.raises(FileExistsError):
        write_itensors(path, states=[random_mps([2, 2], 2, seed=0)], overwrite=False)
    with pytest.raises(ValueError, match="nothing to write"):
        write_itensors(tmp_path / "x.h5")
