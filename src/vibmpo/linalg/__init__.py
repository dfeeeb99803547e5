r"""Linear algebra shared by the layers: tensor trains, Krylov methods, truncated SVD and
memory checks (NumPy/SciPy only).

:mod:`~vibmpo.linalg.tt` canonicalises, truncates and adds tensor trains whose site
tensors are plain arrays of shape ``(left, phys..., right)`` (TT cores ``(r, d, r')`` or
MPO tensors ``(r, d, d, r')``); :mod:`~vibmpo.linalg.krylov` holds the Lanczos
exponential and block Davidson for operators given by their action;
:mod:`~vibmpo.linalg.svd` the truncated SVD of one bond by discarded weight;
:mod:`~vibmpo.linalg.memory` checks that an allocation fits before it is made. None
imports quimb or JAX, so every layer (JAX-free solvers included) can use them.

.. _truncation-glossary:

Truncation: one name per meaning
--------------------------------
Throughout vibmpo (library and command line) a truncation keyword means exactly one of
the following, with singular values :math:`s_1 \ge s_2 \ge \dots` of one bond and
:math:`T` the whole tensor (train, MPO or matrix):

``cutoff``
    Discarded weight per bond (the ITensor/quimb meaning): drop the smallest values
    while :math:`\sum_\mathrm{dropped} s_j^2 / \sum_j s_j^2 \le` ``cutoff``.
    Dimensionless. The solvers' sweeps and MPS compression
    (:func:`vibmpo.linalg.svd.truncated_svd`, :func:`vibmpo.solvers.dmrg`,
    :func:`vibmpo.solvers.tdvp`, :class:`vibmpo.solvers.DMRGSchedule`,
    :func:`vibmpo.solvers.mps.compress`).
``rel_cutoff``
    Singular-value ratio per bond: keep :math:`s_j >` ``rel_cutoff`` :math:`\cdot s_1`.
    Dimensionless. :func:`vibmpo.linalg.tt.truncate` (and ``truncate_with_error``,
    ``truncate_mpo``, ``bond_spectra``), :func:`vibmpo.solvers.mps.mpo_round`,
    :func:`vibmpo.potential.tensortrain.truncate`, ``FitConfig.rel_cutoff`` of
    :mod:`vibmpo.potential.train` (``vibmpo fit --rel-cutoff``).
``max_error``
    Absolute bound on the Frobenius norm of the change, :math:`\lVert T' - T\rVert_F
    \le` ``max_error``, in the data's unit (so no element, and for a Hermitian operator
    no eigenvalue, moves by more). :func:`vibmpo.linalg.tt.truncate`, the MPO of
    :class:`vibmpo.operators.hamiltonian.GridHamiltonian` (``to_mpo``, ``mpo_arrays``,
    ``mpo_error``, ``mpo_bond_dims``; ``vibmpo levels --mpo-max-error``) and, for the
    potential's tensor train before the MPO is built,
    :func:`vibmpo.operators.hamiltonian.grid_hamiltonian` ``(potential_max_error=)``.
``rel_error``
    Relative bound, :math:`\lVert T' - T\rVert \le` ``rel_error`` :math:`\cdot \lVert
    T\rVert` (Frobenius, or the L2 norm of a function where so stated).
    :func:`vibmpo.linalg.tt.from_full`, :func:`vibmpo.operators.observables.tt_from_full`,
    :func:`vibmpo.operators.observables.grid_observable`,
    :func:`vibmpo.potential.compress.compress_model` (``vibmpo compress --rel-error``).
``max_rank`` and ``maxdim``
    The largest bond dimension kept. ``max_rank`` for tensor trains built or rounded
    as a whole (:mod:`vibmpo.linalg.tt`, the potential: ``FitConfig``,
    ``compress_model``); ``maxdim`` (ITensor's name, with ``mindim``) for the MPS bond
    dimension of the solvers' sweeps, often a per-sweep schedule.

Two round-off guards inside the sweeps, not user options, keep their own name
``rel_tol`` (a threshold relative to a norm, not to :math:`s_1`):
:func:`vibmpo.solvers.expansion.expand_right_bases` and
:func:`vibmpo.solvers.site_split.split_site`.

Several criteria given together all apply (the fewest values that meet every one are
kept; always at least one). ``tol`` is never a truncation: it is a convergence
tolerance (Lanczos and Davidson residuals, ARPACK, the DMRG energy change, grid
convergence). The former names (``rank_cutoff``, ``tol`` of the Hamiltonian's MPO and of
``compress_model``/``tt_from_full``/``grid_observable``, ``tt_tol``, ``cutoff`` of
:func:`vibmpo.potential.tensortrain.truncate`, ``--rank-cutoff``, ``--mpo-tol``,
``vibmpo compress --tol``) still work for one release with a deprecation warning.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
>>> cores = [a.reshape(1, 4, 3), b.reshape(3, 5, 1)]
>>> s = np.linalg.svd(a @ b, compute_uv=False)
>>> t, err = truncate_with_error(cores, max_rank=2)
>>> bool(np.isclose(err, s[2]))  # what max_rank=2 dropped: the third value
True
>>> bool(np.isclose(truncated_svd(a @ b, maxdim=2)[3], s[2] ** 2 / np.sum(s**2)))
True
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the examples above use it)

from vibmpo.linalg.krylov import KrylovInfo, davidson, expm_krylov, expm_krylov_info
from vibmpo.linalg.memory import available_memory, check_memory, format_bytes
from vibmpo.linalg.svd import truncated_svd
from vibmpo.linalg.tt import (
    bond_spectra,
    direct_sum,
    left_canonicalise,
    right_canonicalise,
    truncate,
    truncate_with_error,
)

__all__ = [
    "KrylovInfo",
    "available_memory",
    "bond_spectra",
    "check_memory",
    "davidson",
    "direct_sum",
    "expm_krylov",
    "expm_krylov_info",
    "format_bytes",
    "left_canonicalise",
    "right_canonicalise",
    "truncate",
    "truncate_with_error",
    "truncated_svd",
]
