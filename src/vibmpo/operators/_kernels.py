r"""Numba kernels of the operator layer (pure functions, each tested against NumPy).

Tensor trains are passed *packed*, so that kernels take plain arrays: ``data`` holds
the C-ordered cores one after another, core ``i`` (shape ``(r_i, d_i, r_{i+1})``)
at ``data[offsets[i]:offsets[i+1]]``; ``ranks`` has ``f+1`` entries with
``ranks[0] = ranks[f] = 1``. Per-mode square matrices (kinetic matrices, densities)
are packed the same way with ``offsets`` into a 1-D array. Full-grid vectors are
C-ordered (mode 0 slowest).

Kernels
-------
``basis_on_grid``        NN-MPO basis functions (and derivatives) at points
``grid_core``            TT core of grid values ``G[a,s,b] = sum_rho W[a,rho,b] phi[s,rho]``
``tt_full``              contract a TT of grid values over the product grid
``hamiltonian_matvec``   :math:`H v = \sum_i (T_i)_{\text{axis } i} v + V \odot v`
``hamiltonian_matvec_add``  fused :math:`H v + \gamma w`
``one_mode_densities``   :math:`\rho_i[s,t] = \sum_{\text{others}} \psi[..s..]\psi[..t..]`

Examples
--------
>>> import numpy as np
>>> pack_matrices([np.eye(2), np.ones((3, 3))])[1].tolist()
[0, 4, 13]
"""

from __future__ import annotations

import numba
import numpy as np

from vibmpo.potential.activations import ACTIVATIONS

__all__ = [
    "ACTIVATION_CODES",
    "pack_matrices",
    "pack_tt",
    "basis_on_grid",
    "grid_core",
    "tt_full",
    "hamiltonian_matvec",
    "hamiltonian_matvec_add",
    "one_mode_densities",
]

#: Integer code of each activation: its position in the one table,
#: :data:`vibmpo.potential.activations.ACTIVATIONS` (``_act`` below branches on it).
ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATIONS)}


def pack_tt(cores):
    """Pack TT cores ``(r_i, d_i, r_{i+1})`` into ``(data, offsets, ranks, dims)``.

    Examples
    --------
    >>> data, off, ranks, dims = pack_tt([np.ones((1, 2, 3)), np.ones((3, 4, 1))])
    >>> off.tolist(), ranks.tolist(), dims.tolist()
    ([0, 6, 18], [1, 3, 1], [2, 4])
    """
    cores = [np.ascontiguousarray(c, dtype=np.float64) for c in cores]
    ranks = np.array([c.shape[0] for c in cores] + [cores[-1].shape[2]], dtype=np.int64)
    dims = np.array([c.shape[1] for c in cores], dtype=np.int64)
    offsets = np.zeros(len(cores) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([c.size for c in cores])
    data = np.concatenate([c.ravel() for c in cores])
    return data, offsets, ranks, dims


def pack_matrices(mats):
    """Pack square matrices into ``(data, offsets)`` (see module docstring)."""
    mats = [np.ascontiguousarray(m, dtype=np.float64) for m in mats]
    offsets = np.zeros(len(mats) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([m.size for m in mats])
    return np.concatenate([m.ravel() for m in mats]), offsets


# The activations of vibmpo.potential.activations (value, first and second derivative),
# one scalar function each; tests/operators/test_kernels.py checks them against
# activation_numpy and finite differences.


@numba.njit(cache=True, inline="always")
def _moderate(z, deriv):  # 1 - exp(-z^2) + 0.05 z^2
    e = np.exp(-z * z)
    if deriv == 0:
        return 1.0 - e + 0.05 * z * z
    if deriv == 1:
        return 2.0 * z * e + 0.1 * z
    return (2.0 - 4.0 * z * z) * e + 0.1


@numba.njit(cache=True, inline="always")
def _silu(z, deriv):  # z * sigmoid(z)
    s = 1.0 / (1.0 + np.exp(-z))
    if deriv == 0:
        return z * s
    if deriv == 1:
        return s + z * s * (1.0 - s)
    return s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s))


@numba.njit(cache=True, inline="always")
def _tanh(z, deriv):
    t = np.tanh(z)
    if deriv == 0:
        return t
    if deriv == 1:
        return 1.0 - t * t
    return -2.0 * t * (1.0 - t * t)


@numba.njit(cache=True, inline="always")
def _sigmoid(z, deriv):
    s = 1.0 / (1.0 + np.exp(-z))
    if deriv == 0:
        return s
    if deriv == 1:
        return s * (1.0 - s)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


@numba.njit(cache=True, inline="always")
def _gaussian(z, deriv):  # exp(-z^2)
    e = np.exp(-z * z)
    if deriv == 0:
        return e
    if deriv == 1:
        return -2.0 * z * e
    return (4.0 * z * z - 2.0) * e


@numba.njit(cache=True, inline="always")
def _act(z, code, deriv):
    """``d^deriv a / dz^deriv`` of the activation with ``code`` (:data:`ACTIVATION_CODES`)."""
    if code == 0:
        return _moderate(z, deriv)
    if code == 1:
        return _silu(z, deriv)
    if code == 2:
        return _tanh(z, deriv)
    if code == 3:
        return _sigmoid(z, deriv)
    return _gaussian(z, deriv)


@numba.njit(cache=True)
def basis_on_grid(q, w, centres, b, codes, deriv):
    r"""Basis values :math:`\partial_q^k \phi_\rho(q_s)` of one NN-MPO mode, shape (m, N).

    :math:`\phi_0 = 1`, :math:`\phi_{\rho} = a_\rho(w_\rho (q - c_\rho) + b_\rho)` for
    :math:`\rho = 1..N-1`; ``deriv`` = k in {0, 1, 2}; ``codes`` from
    :data:`ACTIVATION_CODES`.
    """
    m = q.shape[0]
    nb = codes.shape[0] + 1
    out = np.zeros((m, nb))
    for s in range(m):
        out[s, 0] = 1.0 if deriv == 0 else 0.0
        for r in range(nb - 1):
            z = w[r] * (q[s] - centres[r]) + b[r]
            out[s, r + 1] = _act(z, codes[r], deriv) * w[r] ** deriv
    return out


@numba.njit(cache=True)
def grid_core(core, phi):
    r"""TT core of grid values :math:`G[a,s,b] = \sum_\rho W[a,\rho,b]\,\phi[s,\rho]`.

    ``core`` (r, N, r'), ``phi`` (d, N) -> (r, d, r').
    """
    ra, nb, rb = core.shape
    d = phi.shape[0]
    out = np.zeros((ra, d, rb))
    for a in range(ra):
        for s in range(d):
            for rho in range(nb):
                p = phi[s, rho]
                for c in range(rb):
                    out[a, s, c] += core[a, rho, c] * p
    return out


@numba.njit(cache=True)
def _tt_step(cur, core):
    m, ra = cur.shape
    d, rb = core.shape[1], core.shape[2]
    new = np.zeros((m * d, rb))
    for j in range(m):
        for s in range(d):
            for a in range(ra):
                c = cur[j, a]
                for b in range(rb):
                    new[j * d + s, b] += c * core[a, s, b]
    return new


@numba.njit(cache=True)
def tt_full(data, offsets, ranks, dims):
    r"""All grid values of a packed TT, :math:`V[s_1..s_f] = G_1[s_1] \cdots G_f[s_f]`,
    as a C-ordered vector of length :math:`\prod_i d_i`."""
    f = dims.shape[0]
    cur = np.ones((1, 1))
    for i in range(f):
        core = data[offsets[i]:offsets[i + 1]].reshape((ranks[i], dims[i], ranks[i + 1]))
        cur = _tt_step(cur, core)
    return cur[:, 0].copy()


@numba.njit(cache=True)
def _add_kinetic(out, v, kin_data, kin_offsets, dims):
    """out += sum_i (1 x T_i x 1) v, in place (rows streamed contiguously)."""
    n = v.shape[0]
    f = dims.shape[0]
    right = n
    left = 1
    for i in range(f):
        d = dims[i]
        right = right // d
        t = kin_data[kin_offsets[i]:kin_offsets[i + 1]].reshape((d, d))
        v3 = v.reshape((left, d, right))
        o3 = out.reshape((left, d, right))
        if right == 1:
            for ll in range(left):
                for s in range(d):
                    acc = 0.0
                    for u in range(d):
                        acc += t[s, u] * v3[ll, u, 0]
                    o3[ll, s, 0] += acc
        else:
            for ll in range(left):
                for s in range(d):
                    row = o3[ll, s]
                    for u in range(d):
                        c = t[s, u]
                        src = v3[ll, u]
                        for r in range(right):
                            row[r] += c * src[r]
        left = left * d


@numba.njit(cache=True)
def hamiltonian_matvec(v, kin_data, kin_offsets, dims, vdiag):
    r"""Matrix-free :math:`Hv = \sum_i (\mathbb 1 \otimes T_i \otimes \mathbb 1) v + V \odot v`.

    ``v`` and ``vdiag`` are C-ordered full-grid vectors (float64); the kinetic matrices
    ``T_i`` (d_i, d_i) are packed by :func:`pack_matrices`. Serial on purpose: the
    loops stream contiguous rows and run at memory speed on one core.
    """
    out = vdiag * v
    _add_kinetic(out, v, kin_data, kin_offsets, dims)
    return out


@numba.njit(cache=True)
def hamiltonian_matvec_add(v, kin_data, kin_offsets, dims, vdiag, w, gamma):
    r"""Fused :math:`Hv + \gamma w` (one pass fewer than separate NumPy operations;
    used by Chebyshev recursions, :math:`y_{k+1} = A y_k - y_{k-1}`)."""
    n = v.shape[0]
    out = np.empty(n)
    for j in range(n):
        out[j] = vdiag[j] * v[j] + gamma * w[j]
    _add_kinetic(out, v, kin_data, kin_offsets, dims)
    return out


@numba.njit(cache=True)
def one_mode_densities(psi, dims):
    r"""Reduced one-mode density matrices of a real full-grid vector, packed.

    :math:`\rho_i[s,t] = \sum_{\text{other indices}} \psi[\dots s \dots]\,
    \psi[\dots t \dots]`, stored row-major one after another (offsets as for
    :func:`pack_matrices` of ``(d_i, d_i)`` blocks).
    """
    f = dims.shape[0]
    total = 0
    for i in range(f):
        total += dims[i] * dims[i]
    out = np.zeros(total)
    n = psi.shape[0]
    right = n
    left = 1
    off = 0
    for i in range(f):
        d = dims[i]
        right = right // d
        p3 = psi.reshape((left, d, right))
        for ll in range(left):
            for s in range(d):
                ps = p3[ll, s]
                for t in range(s, d):
                    pt = p3[ll, t]
                    acc = 0.0
                    for r in range(right):
                        acc += ps[r] * pt[r]
                    out[off + s * d + t] += acc
        for s in range(d):
            for t in range(s + 1, d):
                out[off + t * d + s] = out[off + s * d + t]
        off += d * d
        left = left * d
    return out
