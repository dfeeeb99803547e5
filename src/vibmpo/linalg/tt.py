r"""Tensor trains as tuples of NumPy site tensors: canonical forms, SVD truncation,
direct sums and bond spectra.

A tensor train (TT, or MPS/MPO) is a sequence of site tensors
``A_i[a_{i-1}, s_i, a_i]`` of shape ``(left, phys..., right)`` with ``left`` of the first
and ``right`` of the last equal to 1,

.. math::

    T[s_1, \dots, s_f] = A_1[s_1] A_2[s_2] \cdots A_f[s_f] .

Several physical legs (an MPO tensor ``(r, d, d, r')``) are treated as one leg of their
combined size. Every function takes and returns plain arrays (float64, or complex128 for
complex input; new arrays, the inputs are never modified), so any layer can call it.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> cores = [rng.normal(size=s) for s in ((1, 3, 4), (4, 3, 4), (4, 3, 1))]
>>> [c.shape[-1] for c in truncate(cores, max_rank=2)[:-1]]
[2, 2]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["bond_spectra", "chain_derivatives", "direct_sum", "from_full", "left_canonicalise",
           "right_canonicalise", "truncate", "truncate_mpo", "truncate_with_error"]


def _as_cores(cores) -> list[np.ndarray]:
    cores = [np.array(c, dtype=np.result_type(np.asarray(c).dtype, np.float64))
             for c in cores]
    if not cores:
        raise ValueError("a tensor train needs at least one site tensor")
    for i, c in enumerate(cores):
        if c.ndim < 3:
            raise ValueError(f"site tensor {i} has shape {c.shape}; expected "
                             "(left, phys..., right) with at least one physical leg")
        if i > 0 and c.shape[0] != cores[i - 1].shape[-1]:
            raise ValueError(f"site tensors {i - 1} and {i} do not chain: right bond "
                             f"{cores[i - 1].shape[-1]} vs left bond {c.shape[0]}")
    return cores


def _site(value, n_sites, name) -> int:
    value = int(value)
    if not 0 <= value < n_sites:
        raise ValueError(f"{name} must be in [0, {n_sites - 1}], got {value}")
    return value


def _flat(core) -> np.ndarray:
    """``(left, phys..., right)`` -> ``(left, prod(phys), right)`` (a view)."""
    return core.reshape(core.shape[0], -1, core.shape[-1])


def _left_sweep(cores, upto):
    """QR cores ``0..upto-1`` of the flattened list in place (remainder pushed right)."""
    for i in range(upto):
        a, n, b = cores[i].shape
        qm, r = np.linalg.qr(cores[i].reshape(a * n, b))
        cores[i] = qm.reshape(a, n, qm.shape[1])
        cores[i + 1] = np.tensordot(r, cores[i + 1], axes=(1, 0))


def _restore(flat, shapes):
    return tuple(c.reshape((c.shape[0], *s[1:-1], c.shape[-1]))
                 for c, s in zip(flat, shapes, strict=True))


def left_canonicalise(cores, upto: int | None = None) -> tuple[np.ndarray, ...]:
    r"""Make site tensors ``0..upto-1`` left-orthogonal by QR, pushing the rest right.

    After the call ``sum_{a,s} A_i[a, s, b] A_i[a, s, c] = delta_{bc}`` for ``i < upto``;
    the represented tensor is unchanged. Bonds never grow (a QR of a tall matrix keeps
    its rank; a wide one shrinks the bond to ``left * phys``).

    Parameters
    ----------
    cores : sequence of ndarray
        Site tensors ``(left, phys..., right)``.
    upto : int, optional
        Number of leading tensors to orthogonalise; default all but the last.

    Returns
    -------
    tuple of ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = left_canonicalise([rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1))])
    >>> m = c[0].reshape(3, -1)
    >>> bool(np.allclose(m.T @ m, np.eye(2)))
    True
    """
    cores = _as_cores(cores)
    upto = _site(len(cores) - 1 if upto is None else upto, len(cores), "upto")
    flat = [_flat(c) for c in cores]
    _left_sweep(flat, upto)
    return _restore(flat, [c.shape for c in cores])


def right_canonicalise(cores, downto: int = 0) -> tuple[np.ndarray, ...]:
    r"""Make site tensors ``downto+1..f-1`` right-orthogonal by LQ, pushing the rest left.

    After the call ``sum_{s,b} A_i[a, s, b] A_i[c, s, b] = delta_{ac}`` for ``i > downto``.

    Parameters
    ----------
    cores : sequence of ndarray
        Site tensors ``(left, phys..., right)``.
    downto : int
        The tensor that receives the remainder (default the first).

    Returns
    -------
    tuple of ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = right_canonicalise([rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1))])
    >>> m = c[1].reshape(c[1].shape[0], -1)
    >>> bool(np.allclose(m @ m.T, np.eye(m.shape[0])))
    True
    """
    cores = _as_cores(cores)
    downto = _site(downto, len(cores), "downto")
    flat = [_flat(c) for c in cores]
    for i in range(len(flat) - 1, downto, -1):
        a, n, b = flat[i].shape
        qm, r = np.linalg.qr(flat[i].reshape(a, n * b).T)
        flat[i] = qm.T.reshape(qm.shape[1], n, b)
        flat[i - 1] = np.tensordot(flat[i - 1], r, axes=(2, 1))
    return _restore(flat, [c.shape for c in cores])


def _keep(sv, max_rank, rel_cutoff, bond_error):
    """How many singular values (descending) a bond keeps: at least one."""
    if sv[0] <= 0:
        return 1
    keep = int(np.count_nonzero(sv > rel_cutoff * sv[0]))  # exact zeros always go
    if bond_error is not None:
        tail = np.sqrt(np.cumsum((sv**2)[::-1]))[::-1]  # tail[k] = ||sv[k:]||
        keep = min(keep, int(np.sum(tail > bond_error)))
    if max_rank is not None:
        keep = min(keep, int(max_rank))
    return max(1, keep)


def _svd_sweep(flat, max_rank, rel_cutoff, bond_error, discarded=None):
    """Left-canonicalise the flattened train, then truncate its bonds from right to left
    (in place); returns the kept singular values of every bond, left to right. The norm
    of what each bond drops is appended to ``discarded`` (right to left) when given."""
    _left_sweep(flat, len(flat) - 1)
    spectra = []
    for i in range(len(flat) - 1, 0, -1):
        a, n, b = flat[i].shape
        u, sv, vt = np.linalg.svd(flat[i].reshape(a, n * b), full_matrices=False)
        keep = _keep(sv, max_rank, rel_cutoff, bond_error)
        spectra.append(sv[:keep])
        if discarded is not None:
            discarded.append(float(np.linalg.norm(sv[keep:])))
        flat[i] = vt[:keep].reshape(keep, n, b)
        flat[i - 1] = np.tensordot(flat[i - 1], u[:, :keep] * sv[:keep], axes=(2, 0))
    return spectra[::-1]


def _check_truncation(max_rank, rel_cutoff, max_error):
    if max_rank is not None and int(max_rank) < 1:
        raise ValueError(f"max_rank must be >= 1, got {max_rank}")
    if not 0.0 <= float(rel_cutoff) < 1.0:
        raise ValueError(f"rel_cutoff must be in [0, 1), got {rel_cutoff}")
    if max_error is not None and not float(max_error) >= 0.0:
        raise ValueError(f"max_error must be a number >= 0, got {max_error}")


def truncate(cores, *, max_rank: int | None = None, rel_cutoff: float = 0.0,
             max_error: float | None = None) -> tuple[np.ndarray, ...]:
    r"""SVD truncation of every bond of a tensor train (TT rounding).

    The train is left-canonicalised, then swept from right to left: at bond ``k`` the
    singular values ``s_1 >= s_2 >= ...`` of the whole tensor split there are cut to the
    fewest that satisfy every given criterion,

    * ``rel_cutoff``: keep ``s_j > rel_cutoff * s_1``;
    * ``max_error``: drop a tail with :math:`\|s_{\mathrm{tail}}\| \le \epsilon /
      \sqrt{f-1}`, so the Frobenius norm of the change of the whole tensor is at most
      :math:`\epsilon` = ``max_error`` (and so is the change of any element);
    * ``max_rank``: at most this many,

    and always at least one. The first tensor carries the norm on return (the others
    are right-orthogonal). Without criteria the tensor is only re-gauged (and bonds
    larger than the tensor's rank shrink to it).

    Parameters
    ----------
    cores : sequence of ndarray
        Site tensors ``(left, phys..., right)``.
    max_rank : int, optional
        Largest bond kept.
    rel_cutoff : float
        Singular values at or below this fraction of each bond's largest are dropped.
    max_error : float, optional
        Bound on the Frobenius norm of the change (absolute, in the tensor's unit).

    Returns
    -------
    tuple of ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(4, 2)), rng.normal(size=(2, 4))
    >>> c = [a.reshape(1, 4, 2), b.reshape(2, 4, 1)]  # rank 2
    >>> t = truncate(c, max_rank=1)
    >>> err = np.linalg.norm(np.einsum("asb,btc->st", *t) - a @ b)
    >>> bool(np.isclose(err, np.linalg.svd(a @ b, compute_uv=False)[1]))
    True
    """
    _check_truncation(max_rank, rel_cutoff, max_error)
    cores = _as_cores(cores)
    shapes = [c.shape for c in cores]
    flat = [_flat(c) for c in cores]
    f = len(flat)
    if f == 1:
        return _restore(flat, shapes)
    bond_error = None if max_error is None else float(max_error) / math.sqrt(f - 1)
    _svd_sweep(flat, max_rank, float(rel_cutoff), bond_error)
    return _restore(flat, shapes)


def truncate_with_error(cores, *, max_rank: int | None = None, rel_cutoff: float = 0.0,
                        max_error: float | None = None) -> tuple[tuple[np.ndarray, ...], float]:
    r""":func:`truncate`, also returning a bound on the Frobenius norm of the change.

    Each bond's truncation is orthogonal to the rest, so the change is at most
    :math:`\sqrt{\sum_k \|s^{(k)}_\mathrm{dropped}\|^2}` (equal to it for one bond).

    Returns
    -------
    cores : tuple of ndarray
        As :func:`truncate` returns them.
    error : float
        The bound above, in the tensor's unit.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(4, 2)), rng.normal(size=(2, 4))
    >>> t, err = truncate_with_error([a.reshape(1, 4, 2), b.reshape(2, 4, 1)], max_rank=1)
    >>> bool(np.isclose(err, np.linalg.norm(np.einsum("asb,btc->st", *t) - a @ b)))
    True
    """
    _check_truncation(max_rank, rel_cutoff, max_error)
    cores = _as_cores(cores)
    shapes = [c.shape for c in cores]
    flat = [_flat(c) for c in cores]
    f = len(flat)
    if f == 1:
        return _restore(flat, shapes), 0.0
    bond_error = None if max_error is None else float(max_error) / math.sqrt(f - 1)
    discarded: list[float] = []
    _svd_sweep(flat, max_rank, float(rel_cutoff), bond_error, discarded)
    return _restore(flat, shapes), math.sqrt(sum(e * e for e in discarded))


def truncate_mpo(mpo, *, max_rank: int | None = None, rel_cutoff: float = 0.0,
                 max_error: float | None = None) -> tuple[tuple[np.ndarray, ...], float]:
    """:func:`truncate_with_error` of MPO site tensors stored as ``(left, right, ket,
    bra)`` (the layout of :mod:`vibmpo.operators` and :mod:`vibmpo.solvers`): the ket
    and bra legs form the physical leg of the train.

    Returns
    -------
    cores : tuple of ndarray
        Truncated tensors, same layout, C-contiguous.
    error : float
        The bound of :func:`truncate_with_error`.

    Examples
    --------
    Two copies of one bond channel are one:

    >>> w = np.ones((1, 1, 2, 2))
    >>> doubled = [np.concatenate([w, w], axis=1), np.concatenate([w, w], axis=0) / 2]
    >>> cores, err = truncate_mpo(doubled, rel_cutoff=1e-12)
    >>> [c.shape for c in cores], err < 1e-12
    ([(1, 1, 2, 2), (1, 1, 2, 2)], True)
    """
    cores, err = truncate_with_error([np.asarray(w).transpose(0, 2, 3, 1) for w in mpo],
                                     max_rank=max_rank, rel_cutoff=rel_cutoff,
                                     max_error=max_error)
    return tuple(np.ascontiguousarray(c.transpose(0, 3, 1, 2)) for c in cores), err


def chain_derivatives(m0, m1, m2=None):
    r"""Value, gradient and (optionally) Hessian of a tensor train of one-variable
    matrix functions, :math:`P(q) = M_1(q_1) M_2(q_2) \cdots M_f(q_f)` (a 1x1 product),
    from the matrices and their derivatives at one point, by prefix and suffix products:
    :math:`\partial_i P = M_1 \cdots M_i' \cdots M_f`,
    :math:`\partial_i\partial_j P = M_1 \cdots M_i' \cdots M_j' \cdots M_f`
    (:math:`M_i''` for :math:`i = j`); :math:`O(f^2)` vector-matrix products.

    Parameters
    ----------
    m0, m1 : sequence of ndarray
        :math:`M_i` and :math:`M_i'`, shapes ``(r_{i-1}, r_i)``, :math:`r_0 = r_f = 1`.
    m2 : sequence of ndarray, optional
        :math:`M_i''`; without it no Hessian is computed.

    Returns
    -------
    value : float
    gradient : ndarray (f,)
    hessian : ndarray (f, f) or None

    Examples
    --------
    :math:`P = (a q_1)(b q_2)`:

    >>> v, g, h = chain_derivatives([[[2.0]], [[3.0]]], [[[1.0]], [[1.0]]],
    ...                             [[[0.0]], [[0.0]]])
    >>> v, g.tolist(), h.tolist()
    (6.0, [3.0, 2.0], [[0.0, 1.0], [1.0, 0.0]])
    """
    m0 = [np.asarray(m, dtype=np.float64) for m in m0]
    m1 = [np.asarray(m, dtype=np.float64) for m in m1]
    f = len(m0)
    prefix = [np.ones(1)]
    for m in m0:
        prefix.append(prefix[-1] @ m)
    suffix = [np.ones(1)]
    for m in reversed(m0):
        suffix.append(m @ suffix[-1])
    suffix = suffix[::-1]  # suffix[i] = M_i ... M_f applied to 1
    grad = np.array([float(prefix[i] @ m1[i] @ suffix[i + 1]) for i in range(f)])
    if m2 is None:
        return float(prefix[f][0]), grad, None
    hess = np.zeros((f, f))
    for i in range(f):
        hess[i, i] = float(prefix[i] @ np.asarray(m2[i], dtype=np.float64) @ suffix[i + 1])
        v = prefix[i] @ m1[i]
        for j in range(i + 1, f):
            hess[i, j] = hess[j, i] = float(v @ m1[j] @ suffix[j + 1])
            v = v @ m0[j]
    return float(prefix[f][0]), grad, hess


def bond_spectra(cores, *, rel_cutoff: float = 1e-14) -> list[np.ndarray]:
    r"""Singular values of a tensor train across each bond, largest first.

    The values at bond ``k`` are those of the unfolding
    :math:`T[(s_1..s_k), (s_{k+1}..s_f)]` (the Schmidt values of the represented
    function), down to ``rel_cutoff`` times the largest. Normalised,
    :math:`p_j = \sigma_j^2 / \sum \sigma^2`, they give the bond entanglement
    :math:`S_k = -\sum_j p_j \ln p_j`.

    Parameters
    ----------
    cores : sequence of ndarray
        Site tensors ``(left, phys..., right)``.
    rel_cutoff : float
        Values at or below this fraction of a bond's largest are left out.

    Returns
    -------
    list of ndarray
        ``f - 1`` arrays, one per bond from left to right.

    Examples
    --------
    >>> a = np.random.default_rng(0).normal(size=(1, 3, 1))
    >>> [len(s) for s in bond_spectra([a, a, a])]  # a product: one value per bond
    [1, 1]
    """
    _check_truncation(None, rel_cutoff, None)
    return _svd_sweep([_flat(c) for c in _as_cores(cores)], None, float(rel_cutoff), None)


def direct_sum(a, b) -> tuple[np.ndarray, ...]:
    r"""The tensor train of ``T_a + T_b``: bonds side by side (ranks add).

    The first tensors are joined along their right bond, the last along their left
    bond and the middle ones block-diagonally, so
    :math:`A_1 \oplus B_1 \cdots = [A_1\ B_1]\,\mathrm{diag}(A_i, B_i) \cdots
    [A_f; B_f]`. One-site trains are simply added.

    Parameters
    ----------
    a, b : sequence of ndarray
        Trains of the same length and physical shapes.

    Returns
    -------
    tuple of ndarray

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = [rng.normal(size=s) for s in ((1, 2, 2), (2, 2, 1))]
    >>> b = [rng.normal(size=s) for s in ((1, 2, 3), (3, 2, 1))]
    >>> s = direct_sum(a, b)
    >>> [c.shape for c in s]
    [(1, 2, 5), (5, 2, 1)]
    >>> full = lambda t: np.einsum("asb,btc->st", *t)
    >>> bool(np.allclose(full(s), full(a) + full(b)))
    True
    """
    a, b = _as_cores(a), _as_cores(b)
    if len(a) != len(b) or any(x.shape[1:-1] != y.shape[1:-1] for x, y in zip(a, b,
                                                                               strict=False)):
        raise ValueError("direct_sum needs trains of the same length and physical shapes, "
                         f"got {[x.shape for x in a]} and {[y.shape for y in b]}")
    f = len(a)
    if f == 1:
        return (a[0] + b[0],)
    out = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if i == 0:
            out.append(np.concatenate([x, y], axis=-1))
        elif i == f - 1:
            out.append(np.concatenate([x, y], axis=0))
        else:
            z = np.zeros((x.shape[0] + y.shape[0], *x.shape[1:-1], x.shape[-1] + y.shape[-1]))
            z[:x.shape[0], ..., :x.shape[-1]] = x
            z[x.shape[0]:, ..., x.shape[-1]:] = y
            out.append(z)
    return tuple(out)


def from_full(values, *, rel_error: float = 1e-12) -> tuple[np.ndarray, ...]:
    r"""Tensor train of a full tensor by successive SVDs (TT-SVD).

    Each of the :math:`f-1` splits drops the smallest singular values whose tail norm is
    below :math:`\varepsilon = \mathrm{rel\_error}\,\lVert T\rVert_F/\sqrt{f-1}`, so
    the whole train is within ``rel_error`` of ``T`` in relative Frobenius norm.

    Parameters
    ----------
    values : array_like, shape (d_1, ..., d_f)
        The full tensor (real).
    rel_error : float
        Relative Frobenius error allowed in total.

    Returns
    -------
    tuple of ndarray
        Cores of shape ``(r_{i-1}, d_i, r_i)``.

    Examples
    --------
    A sum of two one-variable functions has rank 2:

    >>> v = np.add.outer(np.arange(3.0), np.arange(4.0))
    >>> [c.shape for c in from_full(v)]
    [(1, 3, 2), (2, 4, 1)]
    """
    v = np.asarray(values, dtype=np.float64)
    dims = v.shape
    eps = float(rel_error) * np.linalg.norm(v) / math.sqrt(max(len(dims) - 1, 1))
    cores, r, rest = [], 1, v.reshape(1, -1)
    for d in dims[:-1]:
        u, s, vt = np.linalg.svd(rest.reshape(r * d, -1), full_matrices=False)
        tail = np.sqrt(np.cumsum((s**2)[::-1]))[::-1]
        keep = max(1, int(np.sum(tail > eps)))
        cores.append(u[:, :keep].reshape(r, d, keep))
        rest = s[:keep, None] * vt[:keep]
        r = keep
    cores.append(rest.reshape(r, dims[-1], 1))
    return tuple(cores)
