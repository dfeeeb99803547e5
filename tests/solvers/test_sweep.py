"""Sweep engine and MPS/MPO array utilities: effective operators are projections of H."""

import numpy as np
import pytest
import quimb.tensor as qtn

from vibmpo.solvers import mps as M
from vibmpo.solvers import sweep as S


@pytest.fixture
def small():
    H = qtn.MPO_rand_herm(5, 3, phys_dim=3, seed=7)
    return H, M.mpo_arrays(H), H.to_dense()


def _basis_map(st, sites):
    """Dense isometry P mapping a local tensor (without root axis) to the full vector."""
    n = st.n_sites
    t = S.root_tensors(st)
    left = np.ones((1, 1))
    for i in range(sites[0]):
        left = np.tensordot(left, t[i], axes=(1, 0)).reshape(-1, t[i].shape[2])
    right = np.ones((1, 1))
    for i in range(n - 1, sites[-1], -1):
        right = np.tensordot(t[i], right, axes=(2, 0)).reshape(t[i].shape[0], -1)
    dl, dr = left.shape[1], right.shape[0]
    phys = int(np.prod([t[i].shape[1] for i in sites]))
    # P[(full), (a, s, c)] = left[:, a] x delta(s) x right[c, :]
    P = np.einsum("xa,sp,cy->xsyapc", left, np.eye(phys), right)
    return P.reshape(left.shape[0] * phys * right.shape[1], dl * phys * dr)


def test_mpo_and_mps_conversions_match_quimb(small):
    H, W, Hd = small
    assert np.allclose(M.mpo_to_dense(W), Hd)
    psi = qtn.MPS_rand_state(5, 4, phys_dim=3, seed=2)
    t = M.mps_arrays(psi)
    assert np.allclose(M.mps_to_dense(t), psi.to_dense().ravel())
    back = M.to_quimb_mps(t)
    assert np.allclose(back.to_dense(), psi.to_dense())
    v = psi.to_dense().ravel()
    assert M.mps_expectation(t, W) == pytest.approx(v @ Hd @ v / (v @ v))


@pytest.mark.parametrize("center", [0, 2, 4])
def test_two_and_one_site_operators_are_projections_of_h(small, center):
    H, W, Hd = small
    st = S.make_state(M.random_mps([3] * 5, 6, seed=1), W, center=center)
    for sites in ([center], [center, center + 1] if center < 4 else [center - 1, center]):
        if len(sites) == 2 and center == sites[1]:
            continue  # the merged pair must start at the centre for this check
        op = st.operator(tuple(sites))
        P = _basis_map(st, sites)
        assert np.allclose(P.T @ P, np.eye(P.shape[1]))  # mixed canonical form
        assert np.allclose(op.dense(), P.T @ Hd @ P)
        assert np.allclose(op.diagonal().ravel(), np.diag(P.T @ Hd @ P))


def test_penalty_terms_are_projections(small):
    H, W, Hd = small
    phi = M.random_mps([3] * 5, 3, seed=5)
    vphi = M.mps_to_dense(phi)
    st = S.make_state(M.random_mps([3] * 5, 6, seed=1), W, center=1,
                      projections=[S.Projection(phi, 0.7)])
    op = st.operator((1, 2))
    P = _basis_map(st, (1, 2))
    want = P.T @ (Hd + 0.7 * np.outer(vphi, vphi)) @ P
    assert np.allclose(op.dense(), want)


def test_identity_sweeps_keep_the_state_and_environments(small):
    H, W, Hd = small
    t0 = M.random_mps([3] * 5, 9, seed=3)
    v0 = M.mps_to_dense(t0)
    st = S.make_state(t0, W)
    ident = lambda theta, op, info: theta  # noqa: E731
    calls = []

    def bond(c, op, info):
        calls.append(info.sites)
        assert op.shape == c.shape[1:]
        return c

    S.sweep_two_site(st, ident, direction="lr")
    S.sweep_one_site(st, ident, direction="rl", bond_step=bond)
    S.sweep_one_site(st, ident, direction="lr", bond_step=bond)
    assert len(calls) == 8 and calls[0] == (3, 4)
    v = M.mps_to_dense(S.root_tensors(st))
    assert abs(abs(v @ v0) - 1) < 1e-12
    # cached environments equal freshly computed ones
    fresh = S.make_state(S.root_tensors(st), W, center=st.center)
    for i in range(st.center + 1):
        assert np.allclose(st.left[i], fresh.left[i])


def test_bond_operator_is_projection(small):
    H, W, Hd = small
    st = S.make_state(M.random_mps([3] * 5, 9, seed=3), W)
    checked = []

    def bond(c, op, info):
        i = info.sites[0]
        left = np.ones((1, 1))
        for j in range(i + 1):
            a = st.tensors[j]
            left = np.tensordot(left, a, axes=(1, 0)).reshape(-1, a.shape[2])
        right = np.ones((1, 1))
        for j in range(4, i, -1):
            a = st.tensors[j]
            right = np.tensordot(a, right, axes=(2, 0)).reshape(a.shape[0], -1)
        P = np.einsum("xa,cy->xyac", left, right).reshape(left.shape[0] * right.shape[1], -1)
        assert np.allclose(P.T @ P, np.eye(P.shape[1]))
        assert np.allclose(op.dense(), P.T @ Hd @ P)
        checked.append(i)
        return c

    S.sweep_one_site(st, lambda th, op, info: th, direction="lr", bond_step=bond)
    assert checked == [0, 1, 2, 3]


def test_two_site_truncation_and_records(small):
    H, W, Hd = small
    st = S.make_state(M.random_mps([3] * 5, 9, seed=3), W)
    rec = S.sweep_two_site(st, lambda th, op, info: th, direction="lr", maxdim=4)
    assert [r.bond for r in rec] == [0, 1, 2, 3]
    assert max(st.bond_dims()) <= 4
    assert all(r.discarded >= 0 for r in rec) and max(r.discarded for r in rec) > 0


def test_bad_sweep_inputs_rejected(small):
    H, W, Hd = small
    st = S.make_state(M.random_mps([3] * 5, 4, seed=0), W, center=2)
    with pytest.raises(ValueError, match="must start with the centre at site 0"):
        S.sweep_two_site(st, lambda t, o, i: t, direction="lr")
    with pytest.raises(ValueError, match="direction must be"):
        S.sweep_one_site(st, lambda t, o, i: t, direction="up")
    with pytest.raises(ValueError, match="do not fit together"):
        S.make_state(M.random_mps([2] * 5, 4, seed=0), W)
    with pytest.raises(ValueError, match="MPS has 4 sites but the MPO has 5"):
        S.make_state(M.random_mps([3] * 4, 4, seed=0), W)


def test_complex_states_supported(small):
    H, W, Hd = small
    t = M.random_mps([3] * 5, 6, seed=4, dtype=complex)
    st = S.make_state(t, W, center=0)
    op = st.operator((0, 1))
    x = st.tensors[0][0]
    theta = np.tensordot(x, st.tensors[1], axes=(2, 0))
    v = M.mps_to_dense(t)
    e = np.vdot(theta, op.matvec(theta)) / np.vdot(theta, theta)
    assert e == pytest.approx(np.vdot(v, Hd @ v) / np.vdot(v, v))


# --------------------------------------------------------------------------------------
# the effective operator's fixed contraction layouts, the driver, the basis expansion
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2])
@pytest.mark.parametrize("complex_env", [False, True])
def test_effective_operator_matches_einsum(rng, n, complex_env):
    def arr(*shape, cplx=True):
        a = rng.standard_normal(shape)
        return a + 1j * rng.standard_normal(shape) if cplx else a

    L = arr(4, 3, 4, cplx=complex_env)
    R = arr(5, 2, 5, cplx=complex_env)
    # MPO tensors (wl, wr, d_out, d_in): 3 -> 2 (d = 3) -> 2 (d = 2); R meets the last wr
    ws = [rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((2, 2, 2, 2))][:n]
    if n == 0:
        R = arr(5, 3, 5, cplx=complex_env)
    op = S.EffectiveOperator(L, ws, R)
    x = arr(*op.shape)  # complex vectors meet the real MPO through the real-GEMM path
    if n == 0:
        ref = np.einsum("awb,bc,dwc->ad", L, x, R)
    elif n == 1:
        ref = np.einsum("awb,wvst,btc,dvc->asd", L, ws[0], x, R)
    else:
        ref = np.einsum("awb,wvst,vuqr,btrc,duc->asqd", L, ws[0], ws[1], x, R)
    assert np.allclose(op.matvec(x), ref)
    X = np.stack([x.ravel(), 2 * x.ravel()], axis=1)
    assert np.allclose(op.matmat(X), np.stack([ref.ravel(), 2 * ref.ravel()], axis=1))


def test_window_operator_checks_its_sites(small):
    _, W, _ = small
    st = S.make_state(M.random_mps([3] * 5, 4, seed=0), W, center=2)
    assert st.operator().shape == st.operator((2,)).shape
    with pytest.raises(ValueError, match="consecutive"):
        st.operator((1, 3))
    with pytest.raises(ValueError, match="not current"):
        st.operator((4,))


def test_schedule_last_value_repeats_and_rejects_bad_values():
    sch = S.Schedule(nsites=(2, 2, 1), maxdim=(4, 8), cutoff=0.0)
    assert [sch.at(s).nsites for s in range(5)] == [2, 2, 1, 1, 1]
    assert [sch.at(s).maxdim for s in range(3)] == [4, 8, 8] and sch.n_warm == 2
    with pytest.raises(ValueError, match="only 1 and 2"):
        S.Schedule(nsites=3)
    with pytest.raises(ValueError, match="non-negative"):
        S.Schedule(cutoff=-1.0)
    with pytest.raises(ValueError, match="empty"):
        S.Schedule(maxdim=())


def test_driver_runs_dmrg_and_observer_stops_it(small):
    _, W, Hd = small
    e0 = np.linalg.eigvalsh(Hd)[0]

    def lowest(theta, op, info):
        return np.linalg.eigh(op.dense())[1][:, 0].reshape(theta.shape)

    seen = []

    def observe(s, st, records, settings):
        seen.append((s, settings.nsites, M.mps_expectation(S.root_tensors(st), W)))
        return len(seen) >= 2 and abs(seen[-1][2] - seen[-2][2]) < 1e-12

    st = S.make_state(M.random_mps([3] * 5, 4, seed=2), W)
    n = S.run_sweeps(st, S.LocalUpdate(lowest), S.Schedule(nsites=(2, 1), maxdim=27),
                     nsweeps=20, observer=observe)
    assert n == len(seen) < 20 and [x[1] for x in seen[:2]] == [2, 1]
    assert abs(seen[-1][2] - e0) < 1e-9
    assert st.center == 0


def test_expansion_keeps_the_state_and_grows_bonds(small):
    _, W, Hd = small
    psi = M.product_mps([np.array([1.0, 0.0, 0.0])] * 5)
    st = S.make_state(psi, W)
    v0 = M.mps_to_dense(psi)
    h1 = M.mpo_apply(W, psi)
    h2 = M.compress(M.mpo_apply(W, h1), maxdim=20)
    bonds = S.expand_right_bases(st, [h1, h2], [6, 6, 6, 6])
    assert bonds[0] == 3 and max(bonds) == 6 and min(bonds) > 1
    t = S.root_tensors(st)
    assert np.allclose(M.mps_to_dense(t), v0)
    # the right bases stay orthonormal and the environments are current
    for i in range(1, 5):
        b = t[i].reshape(t[i].shape[0], -1)
        assert np.allclose(b @ b.conj().T, np.eye(b.shape[0]))
    right = np.ones((1, 1, 1))
    for i in range(4, 0, -1):
        right = M.right_env_step(right, t[i], W[i])
        assert np.allclose(st.right[i - 1], right)
    # the expanded one-site space holds much more of H|psi> than the product state's
    hv = Hd @ v0
    P0 = _basis_map(S.make_state(psi, W), (0,))
    P = _basis_map(st, (0,))
    before = np.linalg.norm(P0 @ (P0.T @ hv) - hv)
    after = np.linalg.norm(P @ (P.T @ hv) - hv)
    assert after < 0.5 * before


@pytest.mark.parametrize("complex_mpo", [False, True])
def test_environment_steps_match_einsum_with_different_bra_and_ket(rng, complex_mpo):
    def c(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    W = rng.standard_normal((2, 3, 5, 5)) + (1j * rng.standard_normal((2, 3, 5, 5))
                                             if complex_mpo else 0.0)
    L, A, B = c(3, 2, 4), c(4, 5, 6), c(3, 5, 7)
    ref = np.einsum("asb,awx,wvst,xtc->bvc", B.conj(), L, W, A)
    np.testing.assert_allclose(M.left_env_step(L, A, W, B), ref, atol=1e-12)
    R, A, B = c(7, 3, 6), c(4, 5, 6), c(2, 5, 7)
    ref = np.einsum("asb,wvst,xtc,bvc->awx", B.conj(), W, A, R)
    np.testing.assert_allclose(M.right_env_step(R, A, W, B), ref, atol=1e-12)


def test_mpo_round_drops_only_redundant_channels():
    """The Henon-Heiles MPO carries a fourth bond channel at round-off level; rounding
    removes it and leaves the dense operator as it was."""
    from vibmpo.operators.forcefield import henon_heiles
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    ham = grid_hamiltonian(henon_heiles(3), "ho:5")
    W = M.mpo_arrays(ham.to_mpo())
    R = M.mpo_round(W)
    assert [w.shape[1] for w in R] <= [w.shape[1] for w in W]
    assert max(w.shape[1] for w in R) == 3
    dense = M.mpo_to_dense(W)
    np.testing.assert_allclose(M.mpo_to_dense(R), dense, atol=1e-12 * np.abs(dense).max())


# --------------------------------------------------------------------------------------
# the diagonal plus rank-one form of grid Hamiltonian MPO sites and its one-site product
# --------------------------------------------------------------------------------------
def _grid_hamiltonian_mpo(f=4, n=5):
    """MPO arrays of H = sum_i T_i + V on an ``n``-point HO-DVR grid per mode (V a
    Henon-Heiles force field: diagonal on the grid, coupling neighbouring modes)."""
    from vibmpo.operators.forcefield import henon_heiles
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    ham = grid_hamiltonian(henon_heiles(f), f"ho:{n}")
    return M.mpo_round(M.mpo_arrays(ham.to_mpo()))


def test_split_of_grid_hamiltonian_sites_is_exact():
    """Potential diagonal on the grid, kinetic energy one rank-one term per site."""
    from vibmpo.solvers.site_split import split_site

    for w in _grid_hamiltonian_mpo():
        sp = split_site(w)
        assert sp.n_terms == 1
        assert sp.error < 1e-14
        assert np.allclose(sp.dense(), w, atol=1e-14 * np.linalg.norm(w))
        d = w.shape[2]
        assert np.allclose(sp.mats[:, np.arange(d), np.arange(d)], 0.0)
    # a generic dense site tensor has no such form: 6 bond matrices of rank 2 stay, and
    # the effective operator keeps the dense product
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 4, 4))
    sp = split_site(w)
    assert sp.n_terms == 12 and np.allclose(sp.dense(), w)
    op = S.EffectiveOperator(rng.standard_normal((8, 2, 8)), [w],
                             rng.standard_normal((8, 3, 8)), split=sp)
    assert op._split is None
    with pytest.raises(ValueError, match="shape"):
        split_site(np.ones((2, 3, 4, 5)))


@pytest.mark.parametrize("center", [0, 1, 2, 3])
def test_split_one_site_product_is_the_projected_hamiltonian(center):
    """The folded diagonal + rank-one product equals P^H H P (dense H, complex state)."""
    W = _grid_hamiltonian_mpo()
    rng = np.random.default_rng(center)
    t = M.random_mps([5] * 4, 6, seed=center, dtype=complex)
    st = S.make_state(t, W, center=center)
    op = st.operator()
    if center in (1, 2):  # the bonds of the middle sites make the split worth it
        assert op._split is not None
    P = _basis_map(st, [center])
    Hd = M.mpo_to_dense(W)
    x = rng.standard_normal(op.shape) + 1j * rng.standard_normal(op.shape)
    ref = P.conj().T @ (Hd @ (P @ x.ravel()))
    assert np.allclose(op.matvec(x).ravel(), ref, atol=1e-12 * np.abs(ref).max())
    # and the dense path agrees with it
    dense = S.EffectiveOperator(st.left[center], [W[center]], st.right[center])
    assert np.allclose(dense.matvec(x), op.matvec(x), atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("bonds", [(2, 6), (6, 2), (4, 4)])
def test_split_product_folds_either_environment(rng, bonds):
    """Diagonal + rank-one site tensors with a smaller left or right bond: the split
    product (folded into the environment of the larger bond) equals the einsum."""
    from vibmpo.solvers.site_split import split_site

    wl, wr = bonds
    d, a, c = 5, 7, 6
    t = rng.standard_normal((d, d))
    w = np.einsum("abs,st->abst", rng.standard_normal((wl, wr, d)), np.eye(d))
    w += np.einsum("a,b,st->abst", rng.standard_normal(wl), rng.standard_normal(wr), t + t.T)
    L = rng.standard_normal((a, wl, a)) + 1j * rng.standard_normal((a, wl, a))
    R = rng.standard_normal((c, wr, c)) + 1j * rng.standard_normal((c, wr, c))
    op = S.EffectiveOperator(L, [w], R, split=split_site(w))
    assert op._split is not None
    x = rng.standard_normal(op.shape) + 1j * rng.standard_normal(op.shape)
    ref = np.einsum("awb,wvst,btc,dvc->asd", L, w, x, R)
    assert np.allclose(op.matvec(x), ref)
    assert op._folded[0][0] == ("right" if wl < wr else "left")
