r"""Initial states for excited-state DMRG: VSCF modals and a small configuration interaction.

The mean-field (VSCF) modals :math:`\phi_i` minimise :math:`\langle\prod_i\phi_i|H|
\prod_i\phi_i\rangle`; the lowest Hartree products :math:`|\mathbf n\rangle =
\bigotimes_i \phi_{i,n_i}` (by the sum of modal excitation energies) span a small space
in which :math:`H` is diagonalised exactly,

.. math::

    \sum_{\mathbf m} \langle\mathbf n|H|\mathbf m\rangle\, c_{\mathbf m} = E\, c_{\mathbf n},

and every eigenvector becomes a sum-of-products MPS. The CI energies are Ritz values of
a subspace, hence upper bounds to the exact levels one by one (Poincaré separation):
sequential DMRG uses them both as starting states and as the bounds of its
landed-high check (:mod:`vibmpo.solvers.excited`).
"""

from __future__ import annotations

import numpy as np

from vibmpo.operators.separable import lowest_configurations

__all__ = ["vscf_modals", "configuration_guesses"]


def _transfer(w, v):
    """Contract an MPO core's physical legs with a modal: :math:`\\langle v|W|v\\rangle`."""
    return np.einsum("abst,s,t->ab", w, v.conj(), v)


def _right_transfers(mpo, phi):
    """Right environments of the product state ``phi`` (``rights[i]`` right of site i)."""
    n = len(mpo)
    rights = [None] * n
    rights[n - 1] = np.ones(1)
    for i in range(n - 1, 0, -1):
        rights[i - 1] = _transfer(mpo[i], phi[i]) @ rights[i]
    return rights


def vscf_modals(mpo, *, n_iter: int = 30, tol: float = 1e-12):
    r"""Mean-field (VSCF) modals of an array MPO Hamiltonian.

    Finds the product state :math:`\prod_i \phi_i` minimising :math:`\langle H\rangle` by
    diagonalising the mean-field operators :math:`h_i = \langle\prod_{j\ne i}\phi_j|H|
    \prod_{j\ne i}\phi_j\rangle` in turn until :math:`\langle H\rangle` changes by less
    than ``tol`` (relative).

    Parameters
    ----------
    mpo : list of ndarray
        MPO cores ``(left, right, ket, bra)`` (:func:`vibmpo.solvers.mps.mpo_arrays`).
    n_iter : int
        Most self-consistency iterations.
    tol : float
        Relative change of the mean-field energy that ends the iteration.

    Returns
    -------
    U : list of ndarray
        Per mode: eigenvectors of :math:`h_i` (columns, ascending energies).
    eps : list of ndarray
        Per mode: the eigenvalues (modal energies).

    Examples
    --------
    Uncoupled modes: the modals are the one-mode eigenvectors.

    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> from vibmpo.solvers.mps import mpo_arrays
    >>> H = grid_hamiltonian(coupled_oscillators([1.0, 2.0], 0.0), "ho:8").to_mpo()
    >>> U, eps = vscf_modals(mpo_arrays(H))
    >>> [round(float(e[1] - e[0]), 8) for e in eps]
    [1.0, 2.0]
    """
    n = len(mpo)
    phi = [np.full(w.shape[2], w.shape[2] ** -0.5) for w in mpo]  # start: uniform vectors
    e_old = np.inf
    U, eps = [None] * n, [None] * n
    for _ in range(n_iter):
        rights = _right_transfers(mpo, phi)
        left = np.ones(1)
        for i in range(n):
            h = np.einsum("a,abst,b->st", left, mpo[i], rights[i])
            eps[i], U[i] = np.linalg.eigh(0.5 * (h + h.conj().T))
            phi[i] = U[i][:, 0]
            left = left @ _transfer(mpo[i], phi[i])
        e = float(np.real(left[0]))
        if abs(e - e_old) <= tol * max(1.0, abs(e)):
            break
        e_old = e
    return U, eps


def _sum_of_products(U, conf, coef):
    """MPS (block-diagonal bonds) of :math:`\\sum_m c_m \\bigotimes_i U_i[:, n^m_i]`."""
    keep = np.abs(coef) > 1e-12 * np.abs(coef).max()
    conf, coef = conf[keep], coef[keep]
    m, n = len(coef), len(U)
    out = []
    for i in range(n):
        cols = U[i][:, conf[:, i]]  # (d, m)
        if i == 0:
            a = (cols * coef[None, :])[None]  # (1, d, m)
        elif i == n - 1:
            a = cols.T[:, :, None]  # (m, d, 1)
        else:
            a = np.zeros((m, cols.shape[0], m), dtype=cols.dtype)
            a[np.arange(m), :, np.arange(m)] = cols.T
        out.append(a)
    return out


def configuration_guesses(mpo, n_guess: int, n_configs: int):
    r"""Initial states from a small configuration interaction in the VSCF modal basis.

    The ``n_configs`` lowest Hartree-product configurations
    (:func:`~vibmpo.operators.separable.lowest_configurations` of the :func:`vscf_modals`
    energies) span a space in which :math:`H` is diagonalised
    exactly (matrix elements by contracting the MPO with product states); the
    ``n_guess`` lowest eigenvectors, sums of product states, are returned as array MPS
    (bond dimension at most ``n_configs``) with their CI energies. In a dense spectrum
    they start every sequential state next to the right eigenstate, with near-degenerate
    configurations already mixed.

    Parameters
    ----------
    mpo : list of ndarray
        MPO cores ``(left, right, ket, bra)``.
    n_guess : int
        Number of states wanted.
    n_configs : int
        Size of the configuration space.

    Returns
    -------
    guesses : list of list of ndarray
        ``min(n_guess, n_configs)`` orthonormal MPS, cores ``(left, phys, right)``.
    energies : ndarray
        Their CI energies, ascending: upper bounds to the exact levels one by one.

    Examples
    --------
    Bilinearly coupled oscillators: 10 configurations already give the lowest levels.

    >>> from vibmpo.operators.forcefield import coupled_oscillator_levels, coupled_oscillators
    >>> from vibmpo.operators.hamiltonian import grid_hamiltonian
    >>> from vibmpo.solvers.mps import mpo_arrays
    >>> ff = coupled_oscillators([1.0, 1.3], 0.05)
    >>> mpo = mpo_arrays(grid_hamiltonian(ff, "ho:8").to_mpo())
    >>> states, e = configuration_guesses(mpo, 3, 10)
    >>> len(states), bool(np.all(e - coupled_oscillator_levels([1.0, 1.3], 0.05, 3) > -1e-12))
    (3, True)
    >>> bool(np.allclose(e, coupled_oscillator_levels([1.0, 1.3], 0.05, 3), atol=1e-4))
    True
    """
    U, eps = vscf_modals(mpo)
    conf, _ = lowest_configurations(eps, n_configs)
    m = len(conf)
    # H matrix in the configuration basis: chain of (m, m, w) environments
    env = np.ones((m, m, 1))
    for i, w in enumerate(mpo):
        wt = np.einsum("sk,abst,tl->abkl", U[i].conj(), w, U[i])  # modal basis
        blk = wt[:, :, conf[:, i][:, None], conf[:, i][None, :]]  # (a, b, m, m)
        env = np.einsum("pqa,abpq->pqb", env, blk)
    h = env[:, :, 0]
    e, c = np.linalg.eigh(0.5 * (h + h.conj().T))
    k = min(n_guess, m)
    return [_sum_of_products(U, conf, c[:, j]) for j in range(k)], e[:k]
