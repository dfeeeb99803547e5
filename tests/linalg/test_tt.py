"""Tensor-train toolbox against dense NumPy: each operation once."""

import numpy as np
import pytest

from vibmpo.linalg import tt


def dense(cores):
    """The full tensor of a train, physical legs in order (bond ends of size 1 dropped)."""
    out = np.ones((1, 1))
    for c in cores:
        out = np.tensordot(out, c, axes=([-1], [0]))
    return out[0, ..., 0]


def random_train(rng, shapes):
    return [rng.normal(size=s) for s in shapes]


SHAPES = {"tt": ((1, 3, 4), (4, 2, 5), (5, 3, 2), (2, 4, 1)),
          "mpo": ((1, 2, 2, 3), (3, 2, 2, 4), (4, 2, 2, 1))}


@pytest.mark.parametrize("kind", SHAPES)
def test_canonical_forms_keep_the_tensor_and_orthogonalise(rng, kind):
    cores = random_train(rng, SHAPES[kind])
    copies = [c.copy() for c in cores]
    left = tt.left_canonicalise(cores)
    right = tt.right_canonicalise(cores)
    for out in (left, right, tt.left_canonicalise(cores, 1), tt.right_canonicalise(cores, 2
                                                                                    if kind == "tt"
                                                                                    else 1)):
        np.testing.assert_allclose(dense(out), dense(cores), rtol=1e-12, atol=1e-12)
    for c in left[:-1]:
        m = c.reshape(-1, c.shape[-1])
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-12)
    for c in right[1:]:
        m = c.reshape(c.shape[0], -1)
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(cores, copies, strict=True))  # untouched
    with pytest.raises(ValueError, match="upto must be in"):
        tt.left_canonicalise(cores, len(cores))
    with pytest.raises(ValueError, match="do not chain"):
        tt.left_canonicalise([cores[0], cores[2]])


@pytest.mark.parametrize("kind", SHAPES)
def test_bond_spectra_are_the_singular_values_of_the_unfoldings(rng, kind):
    cores = random_train(rng, SHAPES[kind])
    full = dense(cores)
    legs = [c.shape[1:-1] for c in cores]
    spectra = tt.bond_spectra(cores)
    assert len(spectra) == len(cores) - 1
    for k, got in enumerate(spectra, 1):
        rows = int(np.prod([np.prod(s) for s in legs[:k]]))
        want = np.linalg.svd(full.reshape(rows, -1), compute_uv=False)
        want = want[want > want[0] * 1e-14]
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_truncation_is_optimal_per_bond_and_meets_its_error_bound(rng):
    # two sites: truncation to rank k is the best rank-k approximation (Eckart-Young)
    a = rng.normal(size=(6, 5)) @ np.diag(0.5 ** np.arange(5)) @ rng.normal(size=(5, 7))
    pair = [a.reshape(1, 6, 7), np.eye(7).reshape(7, 7, 1)]
    sv = np.linalg.svd(a, compute_uv=False)
    for k in (1, 2, 4):
        got = dense(tt.truncate(pair, max_rank=k))
        assert np.linalg.norm(got - a) == pytest.approx(np.linalg.norm(sv[k:]), rel=1e-10)
    assert tt.truncate(pair, rel_cutoff=0.2)[0].shape[-1] == int(np.sum(sv > 0.2 * sv[0]))
    # many sites: the change is bounded by max_error, and a rank-deficient train shrinks
    cores = random_train(rng, SHAPES["tt"])
    for eps in (1e-1, 1.0, 10.0):
        t = tt.truncate(cores, max_error=eps)
        assert np.linalg.norm(dense(t) - dense(cores)) <= eps
    padded = tt.direct_sum(cores, [0 * c for c in cores])
    exact = tt.truncate(padded, max_error=0.0)
    assert [c.shape for c in exact] == [c.shape for c in tt.truncate(cores)]
    np.testing.assert_allclose(dense(exact), dense(cores), rtol=1e-11, atol=1e-11)
    with pytest.raises(ValueError, match="max_rank must be >= 1"):
        tt.truncate(cores, max_rank=0)
    with pytest.raises(ValueError, match="rel_cutoff must be in"):
        tt.truncate(cores, rel_cutoff=1.5)


@pytest.mark.parametrize("kind", SHAPES)
def test_direct_sum_is_the_sum_of_the_tensors(rng, kind):
    a = random_train(rng, SHAPES[kind])
    b = [rng.normal(size=(1 if i == 0 else 2, *c.shape[1:-1], 1 if i == len(a) - 1 else 2))
         for i, c in enumerate(a)]
    s = tt.direct_sum(a, b)
    np.testing.assert_allclose(dense(s), dense(a) + dense(b), rtol=1e-12, atol=1e-12)
    assert [c.shape[-1] for c in s[:-1]] == [x.shape[-1] + 2 for x in a[:-1]]
    one = [rng.normal(size=(1, 3, 1))]
    np.testing.assert_allclose(dense(tt.direct_sum(one, one)), 2 * dense(one))
    with pytest.raises(ValueError, match="same length and physical shapes"):
        tt.direct_sum(a, b[:-1])


@pytest.mark.parametrize("rel_error", [1e-12, 1e-3])
def test_from_full_meets_its_error_and_is_exact_for_low_rank(rel_error):
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 5, 3, 2))
    full = np.einsum("aib,bjc,ckd,dle->ijkl", *tt.from_full(a, rel_error=rel_error))
    assert np.linalg.norm(full - a) <= rel_error * np.linalg.norm(a) * (1 + 1e-9)
    low = np.einsum("i,j,k->ijk", *(rng.normal(size=n) for n in (3, 4, 5)))
    low = low + np.einsum("i,j,k->ijk", *(rng.normal(size=n) for n in (3, 4, 5)))
    cores = tt.from_full(low)
    assert [c.shape[2] for c in cores[:-1]] == [2, 2]
    np.testing.assert_allclose(np.einsum("aib,bjc,ckd->ijk", *cores), low, atol=1e-12)


def test_chain_derivatives_against_finite_differences():
    """P(q) = M_1(q_1) ... M_f(q_f) with M_i(q) = A_i + q B_i + q^2 C_i."""
    rng = np.random.default_rng(5)
    ranks = [1, 3, 2, 4, 1]
    A, B, C = ([rng.normal(size=(ranks[i], ranks[i + 1])) for i in range(4)] for _ in range(3))

    def product(q):
        p = np.ones((1, 1))
        for i in range(4):
            p = p @ (A[i] + q[i] * B[i] + q[i] ** 2 * C[i])
        return float(p[0, 0])

    q = rng.normal(size=4)
    m0 = [A[i] + q[i] * B[i] + q[i] ** 2 * C[i] for i in range(4)]
    m1 = [B[i] + 2 * q[i] * C[i] for i in range(4)]
    m2 = [2 * C[i] for i in range(4)]
    v, g, h = tt.chain_derivatives(m0, m1, m2)
    assert v == pytest.approx(product(q), rel=1e-12)
    eye, eps = np.eye(4), 1e-4
    g_fd = [(product(q + eps * e) - product(q - eps * e)) / (2 * eps) for e in eye]
    h_fd = [[(product(q + eps * a + eps * b) - product(q + eps * a - eps * b)
              - product(q - eps * a + eps * b) + product(q - eps * a - eps * b)) / (4 * eps**2)
             for b in eye] for a in eye]
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(h, h_fd, rtol=1e-5, atol=1e-6)
    assert tt.chain_derivatives(m0, m1)[2] is None
