"""Truncated SVD against numpy.linalg.svd: kept values, factors and discarded weight."""

import numpy as np
import pytest

from vibmpo.linalg.svd import truncated_svd


def test_truncated_svd_against_numpy_svd(rng):
    s_true = np.array([1.0, 0.5, 1e-2, 1e-4, 1e-8])
    q1, _ = np.linalg.qr(rng.standard_normal((7, 5)))
    q2, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    m = (q1 * s_true) @ q2.T
    s_ref = np.linalg.svd(m, compute_uv=False)
    weight = s_ref**2 / np.sum(s_ref**2)
    for cutoff, maxdim, keep in [(0.0, None, 5), (1e-9, None, 4), (1e-7, None, 3),
                                 (1e-3, None, 2),
                                 (0.0, 1, 1), (1e-9, 2, 2), (0.999, None, 1)]:
        u, s, vh, eps = truncated_svd(m, maxdim=maxdim, cutoff=cutoff)
        assert len(s) == keep and u.shape == (7, keep) and vh.shape == (keep, 5)
        np.testing.assert_allclose(s, s_ref[:keep], rtol=1e-10)
        assert eps == pytest.approx(weight[keep:].sum(), rel=1e-8, abs=1e-30)
        assert eps <= cutoff or (maxdim is not None and keep == maxdim) or keep == 1
        # the kept factors are the best rank-k approximation (Eckart-Young)
        err = np.linalg.norm(m - (u * s) @ vh)
        assert err == pytest.approx(np.linalg.norm(s_ref[keep:]), rel=1e-8, abs=1e-13)


def test_truncated_svd_mindim_and_zero_matrix():
    m = np.diag([1.0, 1e-12, 1e-13])
    assert len(truncated_svd(m, cutoff=1e-6)[1]) == 1
    assert len(truncated_svd(m, cutoff=1e-6, mindim=3)[1]) == 3
    u, s, vh, eps = truncated_svd(np.zeros((3, 2)), cutoff=1e-6)
    assert s.tolist() == [0.0] and eps == 0.0 and u.shape == (3, 1) and vh.shape == (1, 2)


def test_solvers_use_the_same_function():
    from vibmpo.solvers import mps, sweep

    assert mps.truncated_svd is sweep.truncated_svd is truncated_svd
