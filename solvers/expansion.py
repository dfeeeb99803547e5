"""Global subspace expansion: enlarge the bond bases of a state without changing it.

Yang & White, PRB 102, 094315 (2020): before one-site TDVP steps, the bases are
extended by the dominant directions of Krylov vectors :math:`H^k|\\psi\rangle`, so that
one-site steps (which cannot change bond dimensions) can populate the new states.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .mps import left_canonicalize
from .sweep_state import SweepState

__all__ = ["expand_right_bases"]


def expand_right_bases(st: SweepState, vectors: Sequence[Sequence[np.ndarray]],
                       targets: Sequence[int], *, rel_tol: float = 1e-12) -> list[int]:
    r"""Enlarge the right bases of a state (centre at site 0) without changing it.

    Global subspace expansion (Yang & White, PRB 102, 094315 (2020)): going right to
    left, the basis of site ``i`` (the rows of its right-orthonormal tensor, bond
    ``i - 1``) is extended by the dominant directions of the reduced density matrix of
    the ``vectors`` (e.g. Krylov vectors :math:`H|\psi\rangle, H^2|\psi\rangle`, each
    normalised), projected onto the complement of the current basis, up to
    ``targets[i - 1]`` states. The new rows meet zero columns in site ``i - 1``, so
    :math:`|\psi\rangle` is unchanged while later one-site steps can populate them.
    Right environments are rebuilt. Returns the new bond dimensions.

    Examples
    --------
    A product state's bonds grow to hold :math:`H|\psi\rangle` and the state is kept:

    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.sweep_state import make_state, root_tensors
    >>> from vibmpo.solvers.mps import mpo_apply, mpo_arrays, mps_to_dense, product_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=0))
    >>> psi = product_mps([np.array([1.0, 0.0])] * 4)
    >>> st = make_state(psi, W)
    >>> expand_right_bases(st, [mpo_apply(W, psi)], [4, 4, 4])
    [2, 4, 2]
    >>> bool(np.allclose(mps_to_dense(root_tensors(st)), mps_to_dense(psi)))
    True
    """
    if st.center != 0:
        raise ValueError(f"expand_right_bases needs the centre at site 0, it is at {st.center}")
    n = st.n_sites
    # no bond can usefully exceed the dimension of the sites on its left
    left_full = np.cumsum(np.log([a.shape[-2] for a in st.tensors]))
    vecs = [left_canonicalize(list(v))[0] for v in vectors]
    overlaps = [np.ones((1, 1), dtype=np.result_type(st.tensors[-1], v[-1])) for v in vecs]
    for i in range(n - 1, 0, -1):
        b = st.tensors[i]
        dl, d, dr = b.shape
        bm = b.reshape(dl, d * dr)
        blocks = []
        for v, o in zip(vecs, overlaps, strict=True):
            m = np.tensordot(v[i], o, axes=([2], [1])).reshape(v[i].shape[0], d * dr)
            nrm = np.linalg.norm(m)
            if nrm > 0:
                blocks.append(m / nrm)
        cap = int(min(np.exp(min(left_full[i - 1], np.log(2**31))) + 0.5, d * dr))
        want = min(int(targets[i - 1]), cap) - dl
        if want > 0 and blocks:
            m = np.vstack(blocks)
            for _ in range(2):
                m = m - (m @ bm.conj().T) @ bm
            _, s, vh = np.linalg.svd(m, full_matrices=False)
            keep = int(np.count_nonzero(s > rel_tol * max(1.0, float(s[0]) if s.size else 0)))
            new = vh[: min(want, keep)]
            if new.shape[0]:
                new = new.astype(np.result_type(bm, new), copy=False)
                bm = np.vstack([bm, new])
                st.tensors[i] = bm.reshape(-1, d, dr)
                prev = st.tensors[i - 1]
                pad = [(0, 0)] * (prev.ndim - 1) + [(0, new.shape[0])]
                st.tensors[i - 1] = np.pad(prev, pad)
        b = st.tensors[i]
        overlaps = [np.tensordot(np.tensordot(b.conj(), o, axes=([2], [0])), v[i],
                                 axes=([1, 2], [1, 2])) for v, o in zip(vecs, overlaps,
                                                                         strict=True)]
    for i in range(n - 1, 0, -1):
        st.update_right(i)
    st.refresh_projections()
    return st.bond_dims()
