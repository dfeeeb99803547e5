"""Every Numba kernel against a plain NumPy reference."""

import numpy as np
import pytest

from vibmpo.operators import _kernels as K
from vibmpo.potential.arrays import ACTIVATIONS, activation_numpy


def _tt(rng, dims, ranks):
    r = [1, *ranks, 1]
    return [rng.standard_normal((r[i], d, r[i + 1])) for i, d in enumerate(dims)]


def _full_ref(cores):
    v = np.ones((1, 1))
    for c in cores:
        v = np.einsum("ma,asb->msb", v, c).reshape(-1, c.shape[2])
    return v[:, 0]


def test_activation_codes_follow_the_contract():
    assert [K.ACTIVATION_CODES[a] for a in ACTIVATIONS] == list(range(len(ACTIVATIONS)))


def test_basis_on_grid_matches_numpy_and_finite_differences(rng):
    acts = ACTIVATIONS * 2
    codes = np.array([K.ACTIVATION_CODES[a] for a in acts])
    w = rng.uniform(0.3, 1.5, len(acts))
    c = rng.uniform(-1, 1, len(acts))
    b = rng.uniform(-1, 1, len(acts))
    q = np.linspace(-4, 4, 17)
    ref = np.column_stack([np.ones_like(q)] + [activation_numpy(a, w[k] * (q - c[k]) + b[k])
                                              for k, a in enumerate(acts)])
    assert np.allclose(K.basis_on_grid(q, w, c, b, codes, 0), ref, rtol=1e-14, atol=1e-15)
    h = 1e-4

    def f(x):
        return K.basis_on_grid(x, w, c, b, codes, 0)

    d1 = (f(q + h) - f(q - h)) / (2 * h)
    d2 = (f(q + h) - 2 * f(q) + f(q - h)) / h**2
    assert np.allclose(K.basis_on_grid(q, w, c, b, codes, 1), d1, atol=1e-7)
    assert np.allclose(K.basis_on_grid(q, w, c, b, codes, 2), d2, atol=1e-5)


def test_grid_core_matches_einsum(rng):
    core = rng.standard_normal((3, 6, 4))
    phi = rng.standard_normal((9, 6))
    assert np.allclose(K.grid_core(core, phi), np.einsum("arb,sr->asb", core, phi))


def test_pack_tt_round_trip(rng):
    cores = _tt(rng, [2, 3, 4], [2, 5])
    data, off, ranks, dims = K.pack_tt(cores)
    for i, c in enumerate(cores):
        assert np.array_equal(data[off[i]:off[i + 1]].reshape(c.shape), c)
    assert ranks.tolist() == [1, 2, 5, 1] and dims.tolist() == [2, 3, 4]


@pytest.mark.parametrize("dims,ranks", [([5], []), ([3, 4, 2], [2, 3]),
                                        ([2, 3, 2, 3], [4, 1, 2])])
def test_tt_full_matches_numpy(rng, dims, ranks):
    cores = _tt(rng, dims, ranks)
    assert np.allclose(K.tt_full(*K.pack_tt(cores)), _full_ref(cores), rtol=1e-13)


def _matvec_ref(v, mats, dims, vdiag):
    x = v.reshape(dims)
    out = vdiag * v
    for i, t in enumerate(mats):
        out = out + np.moveaxis(np.tensordot(t, x, axes=(1, i)), 0, i).reshape(-1)
    return out


@pytest.mark.parametrize("dims", [[7], [3, 4], [4, 2, 5], [3, 3, 2, 4]])
def test_hamiltonian_matvec_matches_numpy(rng, dims):
    n = int(np.prod(dims))
    mats = [rng.standard_normal((d, d)) for d in dims]
    v, vd = rng.standard_normal(n), rng.standard_normal(n)
    kd, ko = K.pack_matrices(mats)
    out = K.hamiltonian_matvec(v, kd, ko, np.array(dims), vd)
    assert np.allclose(out, _matvec_ref(v, mats, dims, vd), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dims", [[6], [3, 4], [4, 2, 5]])
def test_one_mode_densities_match_numpy(rng, dims):
    psi = rng.standard_normal(int(np.prod(dims)))
    packed = K.one_mode_densities(psi, np.array(dims))
    x = psi.reshape(dims)
    off = 0
    for i, d in enumerate(dims):
        m = np.moveaxis(x, i, 0).reshape(d, -1)
        assert np.allclose(packed[off:off + d * d].reshape(d, d), m @ m.T, rtol=1e-13)
        off += d * d
    assert off == packed.size


def test_hamiltonian_matvec_add_matches_numpy(rng):
    dims = [3, 4, 2]
    n = 24
    mats = [rng.standard_normal((d, d)) for d in dims]
    v, w, vd = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    kd, ko = K.pack_matrices(mats)
    out = K.hamiltonian_matvec_add(v, kd, ko, np.array(dims), vd, w, -0.7)
    assert np.allclose(out, _matvec_ref(v, mats, dims, vd) - 0.7 * w, rtol=1e-13, atol=1e-13)
