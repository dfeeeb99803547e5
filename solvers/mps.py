"""Plain-NumPy MPS/MPO arrays: conversion from/to quimb, canonical forms, environments.

Conventions (used by the sweep engine, DMRG and TDVP):

* an MPS is a list of site tensors ``A[i]`` of shape ``(Dl, d, Dr)`` with
  ``Dl = 1`` on the first and ``Dr = 1`` on the last site,
  :math:`|\\psi\\rangle = \\sum_{s} A^{s_1}_1 A^{s_2}_2 \\cdots A^{s_L}_L |s_1 \\ldots s_L\\rangle`;
* an MPO is a list of tensors ``W[i]`` of shape ``(wl, wr, d_out, d_in)`` (left bond,
  right bond, up = quimb's ``k`` index = row, down = quimb's ``b`` index = column), so
  :math:`H_{s, s'} = W_1^{s_1 s_1'} \\cdots W_L^{s_L s_L'}`;
* a left environment ``L[i]`` (sites ``< i``) has shape ``(Dl_bra, wl, Dl_ket)``, a right
  environment ``R[i]`` (sites ``> i``) has shape ``(Dr_bra, wr, Dr_ket)``; the bra is
  complex-conjugated.

quimb appears only in :func:`mpo_arrays`, :func:`mps_arrays` and :func:`to_quimb_mps`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vibmpo.linalg import tt
from vibmpo.linalg.svd import truncated_svd

__all__ = [
    "residual_norm",
    "mpo_arrays",
    "mpo_round",
    "mps_arrays",
    "to_quimb_mps",
    "random_mps",
    "product_mps",
    "left_canonicalize",
    "right_canonicalize",
    "left_env_step",
    "right_env_step",
    "overlap_left_step",
    "overlap_right_step",
    "mps_overlap",
    "mps_expectation",
    "mps_to_dense",
    "mpo_to_dense",
    "mpo_identity_shift",
    "mpo_apply",
    "compress",
    "truncated_svd",
    "matmul_real_left",
]


def _site_tensor(tn, i, n, phys_inds):
    """Array of site ``i`` of a quimb MPS/MPO ordered as (left, right, *phys_inds)."""
    t = tn[i]
    left = tn.bond(i - 1, i) if i > 0 else None
    right = tn.bond(i, i + 1) if i < n - 1 else None
    order = [ix for ix in (left, right) if ix is not None] + list(phys_inds)
    extra = set(t.inds) - set(order)
    if extra:
        raise ValueError(
            f"site {i} has unexpected indices {sorted(extra)}; expected an open-boundary "
            "MPS/MPO with one tensor per site"
        )
    data = np.asarray(t.transpose(*order).data)
    if left is None:
        data = data[None]
    if right is None:
        data = np.expand_dims(data, 1)
    return data


def mpo_arrays(H) -> list[np.ndarray]:
    """Site arrays ``W[i]`` of shape ``(wl, wr, d_out, d_in)`` of a quimb MPO.

    The MPO is not modified; the arrays are copies.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0)
    >>> [w.shape for w in mpo_arrays(H)]
    [(1, 2, 2, 2), (2, 2, 2, 2), (2, 1, 2, 2)]
    >>> bool(np.allclose(mpo_to_dense(mpo_arrays(H)), H.to_dense()))
    True
    """
    n = H.L
    if n < 1:
        raise ValueError("the MPO has no sites")
    return [
        np.array(_site_tensor(H, i, n, (H.upper_ind(i), H.lower_ind(i))), copy=True)
        for i in range(n)
    ]


def mpo_round(mpo, *, rel_cutoff: float = 1e-13) -> list[np.ndarray]:
    """The MPO with its redundant bond channels removed (SVD rounding, nothing else).

    An MPO built term by term may carry bond channels that are linear combinations of
    the others (singular values of the operator split at that bond at round-off level);
    every effective-operator product pays for them. :func:`vibmpo.linalg.tt.truncate_mpo`
    drops the singular values at or below ``rel_cutoff`` (default 1e-13) times the
    largest of each bond, so the operator changes by at most that relative amount in
    Frobenius norm. The Henon-Heiles MPO of ``grid_hamiltonian`` has bonds (3, 4, 4)
    whose fourth channel has singular value 2e-14 of the largest: rounded to (3, 3, 3),
    the one-site products of TDVP on the middle sites take 0.8x the time.

    Examples
    --------
    Two copies of the same channel are one:

    >>> import quimb.tensor as qtn
    >>> W = mpo_arrays(qtn.MPO_ham_ising(4))
    >>> W2 = [np.concatenate([w, w], axis=1) for w in W[:-1]] + [W[-1]]
    >>> W2 = [W2[0]] + [np.concatenate([w, w], axis=0) / 2 for w in W2[1:]]
    >>> bool(np.allclose(mpo_to_dense(W2), mpo_to_dense(W)))
    True
    >>> [w.shape[1] for w in W2], [w.shape[1] for w in mpo_round(W2)]
    ([6, 6, 6, 1], [2, 3, 2, 1])
    >>> bool(np.allclose(mpo_to_dense(mpo_round(W2)), mpo_to_dense(W)))
    True
    """
    return list(tt.truncate_mpo(mpo, rel_cutoff=float(rel_cutoff))[0])


def mps_arrays(psi) -> list[np.ndarray]:
    """Site arrays ``A[i]`` of shape ``(Dl, d, Dr)`` of a quimb MPS (copies).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> [a.shape for a in mps_arrays(qtn.MPS_rand_state(3, 2, phys_dim=4, seed=0))]
    [(1, 4, 2), (2, 4, 2), (2, 4, 1)]
    """
    n = psi.L
    out = []
    for i in range(n):
        a = _site_tensor(psi, i, n, (psi.site_ind(i),))  # (l, r, d)
        out.append(np.array(a.transpose(0, 2, 1), copy=True))
    return out


def to_quimb_mps(tensors: Sequence[np.ndarray]):
    """Build a quimb ``MatrixProductState`` from ``(Dl, d, Dr)`` site arrays.

    Examples
    --------
    >>> t = random_mps([2, 3, 2], 2, seed=0)
    >>> psi = to_quimb_mps(t)
    >>> bool(np.allclose(psi.to_dense().ravel(), mps_to_dense(t)))
    True
    """
    import quimb.tensor as qtn

    n = len(tensors)
    if n == 1:
        raise ValueError("a one-site MPS is not supported by quimb; use a dense vector")
    arrays = []
    for i, a in enumerate(tensors):
        a = np.asarray(a)
        if a.ndim != 3:
            raise ValueError(f"site {i} must have shape (Dl, d, Dr), got {a.shape}")
        b = a.transpose(0, 2, 1)  # (l, r, p)
        if i == 0:
            b = b[0]
        elif i == n - 1:
            b = b[:, 0]
        arrays.append(np.array(b, copy=True))
    return qtn.MatrixProductState(arrays, shape="lrp")


def random_mps(dims: Sequence[int], bond_dim: int, *, seed=None,
               dtype=np.float64) -> list[np.ndarray]:
    """Random right-canonical normalised MPS with bonds ``min(bond_dim, exact)``.

    Examples
    --------
    >>> t = random_mps([3, 3, 3, 3], 5, seed=1)
    >>> [a.shape for a in t]
    [(1, 3, 3), (3, 3, 5), (5, 3, 3), (3, 3, 1)]
    >>> round(float(np.linalg.norm(mps_to_dense(t))), 12)
    1.0
    """
    rng = np.random.default_rng(seed)
    dims = [int(d) for d in dims]
    n = len(dims)
    bonds = [1]
    for i in range(1, n):
        left = int(np.prod(dims[:i], dtype=float)) if i < 40 else bond_dim
        right = int(np.prod(dims[i:], dtype=float)) if n - i < 40 else bond_dim
        bonds.append(int(min(bond_dim, left, right)))
    bonds.append(1)
    out = []
    for i, d in enumerate(dims):
        shape = (bonds[i], d, bonds[i + 1])
        a = rng.standard_normal(shape)
        if np.iscomplexobj(np.empty(0, dtype=dtype)):
            a = a + 1j * rng.standard_normal(shape)
        out.append(a.astype(dtype))
    out, _ = right_canonicalize(out)
    return out


def product_mps(vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Bond-dimension-1 MPS :math:`\\bigotimes_i v_i` from one vector per site.

    Examples
    --------
    >>> t = product_mps([np.array([1.0, 0.0]), np.array([0.0, 1.0])])
    >>> mps_to_dense(t)
    array([0., 1., 0., 0.])
    """
    return [np.asarray(v).reshape(1, -1, 1).copy() for v in vectors]


def left_canonicalize(tensors, *, upto=None):
    """QR sweep making sites ``0..upto-1`` left-orthonormal; returns ``(tensors, norm)``.

    The remainder is absorbed into site ``upto`` (default: the last site, which is
    then normalised and ``norm`` is the original norm). Input is not modified.

    Examples
    --------
    >>> t = random_mps([2, 3, 2], 3, seed=0)
    >>> t[0] = 2.0 * t[0]
    >>> c, norm = left_canonicalize(t)
    >>> a = c[0].reshape(-1, c[0].shape[2])  # left-orthonormal site: A^T A = 1
    >>> round(norm, 12), bool(np.allclose(a.T @ a, np.eye(a.shape[1])))
    (2.0, True)
    >>> bool(np.allclose(norm * mps_to_dense(c), mps_to_dense(t)))
    True
    """
    t = list(tt.left_canonicalise(tensors, upto=upto))
    norm = 1.0
    if upto is None or upto == len(t) - 1:
        norm = float(np.linalg.norm(t[-1]))
        t[-1] = t[-1] / norm
    return t, norm


def right_canonicalize(tensors, *, downto=0):
    """QR sweep making sites ``> downto`` right-orthonormal; returns ``(tensors, norm)``.

    If ``downto == 0`` the first site is normalised and ``norm`` is the original norm.

    Examples
    --------
    >>> t = random_mps([2, 3, 2], 3, seed=0)
    >>> t[0] = 2.0 * t[0]
    >>> c, norm = right_canonicalize(t)
    >>> b = c[2].reshape(c[2].shape[0], -1)  # right-orthonormal site: B B^T = 1
    >>> round(norm, 12), bool(np.allclose(b @ b.T, np.eye(b.shape[0])))
    (2.0, True)
    """
    t = list(tt.right_canonicalise(tensors, downto=downto))
    norm = 1.0
    if downto == 0:
        norm = float(np.linalg.norm(t[0]))
        t[0] = t[0] / norm
    return t, norm


def left_env_step(L, A, W, B=None):
    """Extend a left environment by one site.

    :math:`L'_{b w' b'} = \\sum \\bar B_{a s b} L_{a w a'} W_{w w' s s'} A_{a' s' b'}`
    (``B`` defaults to ``A``: bra and ket the same state).

    Examples
    --------
    Growing the environment over the whole chain gives :math:`\\langle\\psi|H|\\psi\\rangle`:

    >>> import quimb.tensor as qtn
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> t = random_mps([2, 2, 2], 2, seed=0)
    >>> L = np.ones((1, 1, 1))
    >>> for a, w in zip(t, W):
    ...     L = left_env_step(L, a, w)
    >>> v = mps_to_dense(t)
    >>> bool(np.isclose(L[0, 0, 0], v @ mpo_to_dense(W) @ v))
    True
    """
    B = A if B is None else B
    a, w, a_in = L.shape
    _, d, b_in = A.shape
    wr = W.shape[1]
    t = (L.reshape(a * w, a_in) @ A.reshape(a_in, d * b_in)).reshape(a, w, d, b_in)
    t = np.ascontiguousarray(t.transpose(1, 2, 0, 3)).reshape(w * d, a * b_in)
    wm = np.ascontiguousarray(W.transpose(1, 2, 0, 3)).reshape(wr * d, w * d)
    t = matmul_real_left(wm, t).reshape(wr, d, a, b_in)  # (w', s, a, b')
    t = np.ascontiguousarray(t.transpose(2, 1, 0, 3)).reshape(a * d, wr * b_in)
    b = B.shape[2]
    return (B.reshape(a * d, b).conj().T @ t).reshape(b, wr, b_in)


def right_env_step(R, A, W, B=None):
    """Extend a right environment by one site (mirror of :func:`left_env_step`).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> t = random_mps([2, 2, 2], 2, seed=0)
    >>> R = np.ones((1, 1, 1))
    >>> for a, w in zip(t[::-1], W[::-1]):
    ...     R = right_env_step(R, a, w)
    >>> bool(np.isclose(R[0, 0, 0], mps_expectation(t, W)))
    True
    """
    B = A if B is None else B
    a_in, d, _ = A.shape
    b, wr, b_in = R.shape
    wl = W.shape[0]
    rm = np.ascontiguousarray(R.transpose(2, 0, 1)).reshape(b_in, b * wr)
    t = (A.reshape(a_in * d, b_in) @ rm).reshape(a_in, d, b, wr)
    t = np.ascontiguousarray(t.transpose(3, 1, 0, 2)).reshape(wr * d, a_in * b)
    wm = np.ascontiguousarray(W.transpose(0, 2, 1, 3)).reshape(wl * d, wr * d)
    t = matmul_real_left(wm, t).reshape(wl, d, a_in, b)  # (w, s, a', b)
    t = np.ascontiguousarray(t.transpose(1, 3, 0, 2)).reshape(d * b, wl * a_in)
    a = B.shape[0]
    return (B.reshape(a, d * b).conj() @ t).reshape(a, wl, a_in)


def matmul_real_left(a, b):
    """``a @ b`` (2-D) for a real ``a`` and a complex ``b`` as one real product.

    A complex ``b`` of shape ``(k, n)`` viewed as real ``(k, 2n)``: half the work of the
    complex product that NumPy would do after converting ``a``. Other dtypes: ``a @ b``.

    Examples
    --------
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> b = np.ones((3, 2)) + 1j * np.arange(6.0).reshape(3, 2)
    >>> bool(np.allclose(matmul_real_left(a, b), a @ b))
    True
    """
    if np.iscomplexobj(b) and not np.iscomplexobj(a):
        b = np.ascontiguousarray(b)
        out = a @ b.view(np.float64).reshape(b.shape[0], -1)
        return out.view(np.complex128).reshape(a.shape[0], *b.shape[1:])
    return a @ b


def overlap_left_step(L, A, B):
    """:math:`L'_{b b'} = \\sum \\bar B_{a s b} L_{a a'} A_{a' s b'}` (bra ``B``, ket ``A``).

    Examples
    --------
    >>> a, b = random_mps([2, 3], 2, seed=0), random_mps([2, 3], 2, seed=1)
    >>> E = np.ones((1, 1))
    >>> for x, y in zip(a, b):
    ...     E = overlap_left_step(E, x, y)
    >>> bool(np.isclose(E[0, 0], mps_to_dense(b) @ mps_to_dense(a)))
    True
    >>> q, _ = left_canonicalize(a, upto=1)  # a left-orthonormal site maps 1 to 1
    >>> bool(np.allclose(overlap_left_step(np.eye(1), q[0], q[0]), np.eye(2)))
    True
    """
    t = np.tensordot(L, A, axes=(1, 0))  # (a, s, b')
    return np.tensordot(B.conj(), t, axes=((0, 1), (0, 1)))


def overlap_right_step(R, A, B):
    """:math:`R'_{a a'} = \\sum \\bar B_{a s b} R_{b b'} A_{a' s b'}` (bra ``B``, ket ``A``).

    Examples
    --------
    >>> t = random_mps([2, 3, 2], 3, seed=0)  # right-canonical: each site maps 1 to 1
    >>> bool(np.allclose(overlap_right_step(np.eye(1), t[2], t[2]), np.eye(2)))
    True
    """
    t = np.tensordot(A, R, axes=(2, 1))  # (a', s, b)
    return np.tensordot(B.conj(), t, axes=((1, 2), (1, 2)))


def mps_overlap(bra, ket) -> complex | float:
    """:math:`\\langle \\mathrm{bra} | \\mathrm{ket} \\rangle` of two array MPS.

    Examples
    --------
    >>> t = random_mps([2, 2, 2], 2, seed=3)
    >>> round(float(mps_overlap(t, t)), 12)
    1.0
    """
    E = np.ones((1, 1))
    for a, b in zip(ket, bra, strict=True):
        E = overlap_left_step(E, a, b)
    v = E[0, 0]
    return float(v.real) if not np.iscomplexobj(v) else complex(v)


def mps_expectation(tensors, mpo, bra=None):
    """:math:`\\langle \\mathrm{bra}|W|\\psi\\rangle` (bra defaults to ``psi``) of array MPS/MPO.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0)
    >>> t = random_mps([2, 2, 2], 2, seed=0)
    >>> v = mps_to_dense(t)
    >>> bool(np.isclose(mps_expectation(t, mpo_arrays(H)), v @ H.to_dense() @ v))
    True
    """
    bra = tensors if bra is None else bra
    E = np.ones((1, 1, 1))
    for a, w, b in zip(tensors, mpo, bra, strict=True):
        E = left_env_step(E, a, w, b)
    v = E[0, 0, 0]
    return float(v.real) if not np.iscomplexobj(v) else complex(v)


def mps_to_dense(tensors) -> np.ndarray:
    """Full state vector (small systems only; for tests).

    Examples
    --------
    The Bell state :math:`(|00\\rangle + |11\\rangle)/\\sqrt{2}` with bond dimension 2:

    >>> a = np.eye(2).reshape(1, 2, 2)
    >>> b = np.eye(2).reshape(2, 2, 1) / np.sqrt(2)
    >>> mps_to_dense([a, b]).round(4).tolist()
    [0.7071, 0.0, 0.0, 0.7071]
    """
    v = np.ones((1, 1))
    for a in tensors:
        v = np.tensordot(v, a, axes=(1, 0)).reshape(-1, a.shape[2])
    return v[:, 0]


def mpo_to_dense(mpo) -> np.ndarray:
    """Full matrix ``H[s_out, s_in]`` of an array MPO (small systems only; for tests).

    Examples
    --------
    :math:`H = Z \\otimes 1 + 1 \\otimes Z` as an MPO of bond dimension 2:

    >>> Z, I = np.diag([1.0, -1.0]), np.eye(2)
    >>> W = [np.stack([Z, I])[None], np.stack([I, Z])[:, None]]
    >>> [w.shape for w in W]
    [(1, 2, 2, 2), (2, 1, 2, 2)]
    >>> np.diag(mpo_to_dense(W)).tolist()
    [2.0, 0.0, 0.0, -2.0]
    """
    m = np.ones((1, 1, 1))  # (out, in, w)
    for w in mpo:
        t = np.tensordot(m, w, axes=(2, 0))  # (out, in, w', s, s')
        t = t.transpose(0, 3, 1, 4, 2)
        m = t.reshape(t.shape[0] * t.shape[1], t.shape[2] * t.shape[3], t.shape[4])
    return m[:, :, 0]


def mpo_identity_shift(mpo, shift: float) -> list[np.ndarray]:
    """Array MPO of :math:`H - \\mathrm{shift}\\,\\mathbb{1}` (bond dimension + 1).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> bool(np.allclose(mpo_to_dense(mpo_identity_shift(W, 0.5)),
    ...                  mpo_to_dense(W) - 0.5 * np.eye(8)))
    True
    """
    n = len(mpo)
    out = []
    dtype = np.result_type(mpo[0].dtype, float)
    for i, w in enumerate(mpo):
        wl, wr, d, _ = w.shape
        eye = np.eye(d, dtype=dtype)
        if n == 1:
            out.append(w - shift * eye[None, None])
            continue
        if i == 0:
            new = np.zeros((1, wr + 1, d, d), dtype=dtype)
            new[:, :wr] = w
            new[0, wr] = -shift * eye
        elif i == n - 1:
            new = np.zeros((wl + 1, 1, d, d), dtype=dtype)
            new[:wl] = w
            new[wl, 0] = eye
        else:
            new = np.zeros((wl + 1, wr + 1, d, d), dtype=dtype)
            new[:wl, :wr] = w
            new[wl, wr] = eye
        out.append(new)
    return out


def mpo_apply(mpo, tensors) -> list[np.ndarray]:
    r"""Exact product :math:`W|\psi\rangle` as an MPS (bond dimensions multiply).

    Site tensors :math:`(W A)_{(a w), s, (b w')} = \sum_{s'} W_{w w' s s'} A_{a s' b}`.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> t = random_mps([2, 2, 2], 2, seed=0)
    >>> bool(np.allclose(mps_to_dense(mpo_apply(W, t)), mpo_to_dense(W) @ mps_to_dense(t)))
    True
    """
    out = []
    for w, a in zip(mpo, tensors, strict=True):
        t = np.tensordot(a, w, axes=([1], [3]))  # (a, b, w, w', s)
        t = t.transpose(0, 2, 4, 1, 3)  # (a, w, s, b, w')
        out.append(t.reshape(a.shape[0] * w.shape[0], w.shape[2], a.shape[2] * w.shape[1]))
    return out


def compress(tensors, maxdim: int | None = None, cutoff: float = 0.0) -> list[np.ndarray]:
    """Normalised SVD compression of an MPS: a left-canonical QR sweep, then truncated
    SVDs right to left (each keeps at most ``maxdim`` values and discards relative
    weight up to ``cutoff``). The result is right-canonical with the norm set to 1.

    Examples
    --------
    >>> t = random_mps([2] * 6, 8, seed=0)
    >>> c = compress(t + [], maxdim=8)
    >>> [a.shape[2] for a in c[:-1]], round(abs(mps_overlap(c, t)), 12)
    ([2, 4, 8, 4, 2], 1.0)
    """
    t, _ = left_canonicalize(tensors)
    for i in range(len(t) - 1, 0, -1):
        dl, d, dr = t[i].shape
        u, s, vh, _ = truncated_svd(t[i].reshape(dl, d * dr), maxdim=maxdim, cutoff=cutoff)
        t[i] = vh.reshape(-1, d, dr)
        t[i - 1] = np.tensordot(t[i - 1], u * s, axes=(2, 0))
    t[0] = t[0] / np.linalg.norm(t[0])
    return t


def _variance(tensors, mpo):
    """:math:`\\langle\\psi|W^\\dagger W|\\psi\\rangle` for an array MPS and MPO ``W``."""
    E = np.ones((1, 1, 1, 1))
    for a, w in zip(tensors, mpo, strict=True):
        t = np.tensordot(E, a, axes=([3], [0]))                  # (a, w1, w2, s', b')
        t = np.tensordot(t, w, axes=([2, 3], [0, 3]))             # (a, w1, b', w2', s'')
        t = np.tensordot(t, w.conj(), axes=([1, 4], [0, 2]))      # (a, b', w2', w1', s)
        t = np.tensordot(a.conj(), t, axes=([0, 1], [0, 4]))      # (b, b', w2', w1')
        E = t.transpose(0, 3, 2, 1)
    return float(np.real(E[0, 0, 0, 0]))


def residual_norm(tensors, mpo, energy) -> float:
    r""":math:`\lVert (H - E)\psi\rVert` of a normalised array MPS (accuracy about
    :math:`\sqrt{\epsilon}\,\lVert H - E\rVert`).

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, mpo_to_dense, mps_expectation
    >>> from vibmpo.solvers.mps import mps_to_dense, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> t = random_mps([2, 2, 2], 4, seed=0)
    >>> e = mps_expectation(t, W)
    >>> H, v = mpo_to_dense(W), mps_to_dense(t)
    >>> bool(np.isclose(residual_norm(t, W, e), np.linalg.norm(H @ v - e * v)))
    True
    """
    return float(np.sqrt(max(_variance(tensors, mpo_identity_shift(mpo, energy)), 0.0)))
