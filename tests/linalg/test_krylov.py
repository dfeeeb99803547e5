"""Krylov methods against dense SciPy/NumPy: the Lanczos exponential against
``scipy.linalg.expm``, block Davidson against ``numpy.linalg.eigh``."""

import numpy as np
import pytest
import scipy.linalg

from vibmpo.linalg.krylov import davidson, expm_krylov, expm_krylov_info


# --------------------------------------------------------------------------------------
# Lanczos exponential
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tau", [-0.7j, -0.3, 0.2 - 0.5j])
def test_expm_krylov_matches_scipy_expm(rng, tau):
    a = rng.standard_normal((60, 60)) + 1j * rng.standard_normal((60, 60))
    h = 0.5 * (a + a.conj().T)
    v = rng.standard_normal(60) + 1j * rng.standard_normal(60)
    w, info = expm_krylov_info(lambda x: h @ x, v, tau, krylov_dim=60)
    ref = scipy.linalg.expm(tau * h) @ v
    assert np.linalg.norm(w - ref) <= 1e-10 * np.linalg.norm(ref)
    assert info.converged and info.n_matvec < 60


def test_expm_krylov_keeps_shape_and_reality(rng):
    h = rng.standard_normal((12, 12))
    h = h + h.T
    v = rng.standard_normal((3, 4))
    w = expm_krylov(lambda x: (h @ x.ravel()).reshape(3, 4), v, -0.4)
    assert w.shape == (3, 4) and np.isrealobj(w)
    np.testing.assert_allclose(w.ravel(), scipy.linalg.expm(-0.4 * h) @ v.ravel(), atol=1e-12)


def test_expm_krylov_exact_in_invariant_subspace():
    h = np.diag([1.0, 2.0, 3.0, 4.0])
    v = np.array([1.0, 1.0, 0.0, 0.0])
    w, info = expm_krylov_info(lambda x: h @ x, v, -1j)
    np.testing.assert_allclose(w, np.exp(-1j * np.diag(h)) * v, atol=1e-14)
    assert info.n_matvec == 2


def test_expm_krylov_returns_an_array_and_deprecates_return_info(rng):
    h = np.diag([0.0, 1.0, 2.0])
    v = np.ones(3)
    w = expm_krylov(lambda x: h @ x, v, -0.5j)
    assert isinstance(w, np.ndarray)
    with pytest.warns(DeprecationWarning, match="expm_krylov_info"):
        w2, info = expm_krylov(lambda x: h @ x, v, -0.5j, return_info=True)
    np.testing.assert_array_equal(w, w2)
    assert info.converged and info.n_matvec == 3


@pytest.mark.parametrize("tau", [-0.05j, -2.0j, -0.5])
def test_expm_krylov_long_lanczos_runs_stay_accurate(rng, tau):
    """Up to ~50 Lanczos vectors on a wide spectrum: the one-pass re-orthogonalisation and
    the a-priori gate of the real-time error check keep the result at the tolerance."""
    n = 300
    q, _ = np.linalg.qr(rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
    h = (q * np.linspace(-20.0, 20.0, n)) @ q.conj().T
    v = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    w, info = expm_krylov_info(lambda x: h @ x, v, tau, krylov_dim=80, tol=1e-12)
    ref = scipy.linalg.expm(tau * h) @ v
    assert info.converged
    assert np.linalg.norm(w - ref) <= 1e-10 * np.linalg.norm(ref)


def test_expm_krylov_rejects_bad_input():
    with pytest.raises(ValueError, match="krylov_dim must be >= 1"):
        expm_krylov(lambda x: x, np.ones(2), -1j, krylov_dim=0)
    with pytest.raises(ValueError, match="tau must be finite"):
        expm_krylov(lambda x: x, np.ones(2), complex("nan"))


# --------------------------------------------------------------------------------------
# block Davidson
# --------------------------------------------------------------------------------------
def test_davidson_matches_eigh_on_degenerate_pairs():
    """A threefold degenerate level inside the block: values to 1e-12 against eigh,
    orthonormal vectors spanning eigh's eigenspaces, residuals below tol."""
    rng = np.random.default_rng(5)
    q, _ = np.linalg.qr(rng.standard_normal((200, 200)))
    ev = np.concatenate([[0.0, 1.0, 1.0, 1.0, 2.0], np.linspace(3, 10, 195)])
    a = (q * ev) @ q.T
    w, x, r, _ = davidson(lambda v: a @ v, np.diag(a), rng.standard_normal((200, 4)), tol=1e-10)
    ref_w, ref_v = np.linalg.eigh(a)
    np.testing.assert_allclose(w, ref_w[:4], atol=1e-12)
    np.testing.assert_allclose(x.T @ x, np.eye(4), atol=1e-10)
    low = ref_v[:, :4]  # the same subspace: its projector equals eigh's
    np.testing.assert_allclose(x @ x.T, low @ low.T, atol=1e-9)
    assert np.all(r <= 1e-10)
    np.testing.assert_allclose(np.linalg.norm(a @ x - x * w, axis=0), r, atol=1e-12)


def test_davidson_complex_hermitian_and_bad_input(rng):
    n = 80
    a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    a = a + a.conj().T + np.diag(np.arange(n, dtype=float))
    w, x, _, _ = davidson(lambda v: a @ v, np.diag(a).real, rng.standard_normal((n, 3)))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a)[:3], atol=1e-9)
    with pytest.raises(ValueError, match="asked for 3 eigenpairs of an operator of dimension 2"):
        davidson(lambda v: v, np.ones(2), np.ones((2, 3)))


def test_solvers_krylov_is_the_same_code():
    """The former import path re-exports these very objects (old pickles of KrylovInfo
    and user imports keep working) and adds no wrapper on the TDVP hot path."""
    import vibmpo.linalg.krylov as lk
    import vibmpo.solvers.krylov as sk

    for name in sk.__all__:
        assert getattr(sk, name) is getattr(lk, name)
