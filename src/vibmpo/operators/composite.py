r"""Δ-learned potentials (baseline + NN-MPO correction) as tensor trains and MPOs.

A :class:`~vibmpo.potential.composite.CompositePotential`
:math:`V = V_\mathrm{b} + V_\mathrm{c}` lives on the latent grid of its correction,
:math:`q = x U`. Its baseline becomes a tensor train over the same coordinates:

* a polynomial baseline is rotated exactly into :math:`q` (a polynomial of the same
  degree, :meth:`~vibmpo.potential.baseline.PolynomialPotential.rotated`) and written as
  a force field's sum-of-products tensor train over monomials;
* an NN-MPO baseline shares the correction's ``U`` (the fit enforces it) and keeps its
  own tensor train.

The two tensor trains of functions are joined by a direct sum (bases side by side,
bonds side by side, :func:`vibmpo.linalg.tt.direct_sum`), so on any grid

.. math::

    V[s_1 \dots s_f] = V_{\mathrm b}[s_1 \dots s_f] + V_{\mathrm c}[s_1 \dots s_f]

exactly, with bond dimension :math:`r_\mathrm{b} + r_\mathrm{c}`;
:meth:`~vibmpo.operators.hamiltonian.GridHamiltonian.to_mpo` then SVD-compresses the
MPO of ``T + V`` (:func:`vibmpo.linalg.tt.truncate_with_error`, with the bound on the
change it makes), which removes what the two parts share. The harmonic analysis, grid
checks and solvers see one potential.

Examples
--------
>>> from vibmpo.potential.arrays import NNMPOArrays
>>> from vibmpo.potential.baseline import PolynomialPotential
>>> from vibmpo.potential.composite import CompositePotential
>>> corr = NNMPOArrays(U=np.eye(2), centres=np.zeros((2, 1)), w=np.ones((2, 1)),
...                    b=np.zeros((2, 1)), activations=("gaussian",),
...                    cores=(0.001 * np.ones((1, 2, 1)), np.ones((1, 2, 1))),
...                    energy_unit="hartree")
>>> base = PolynomialPotential([[2, 0], [0, 2]], [0.5e-4, 0.8e-4], "hartree")
>>> ftt = composite_function_tt(CompositePotential(base, corr))
>>> [c.shape for c in ftt.cores]
[(1, 5, 3), (3, 5, 1)]
"""

from __future__ import annotations

import numpy as np

from vibmpo.linalg import tt as _tt

__all__ = ["composite_function_tt", "baseline_function_tt"]


def baseline_function_tt(composite):
    """The baseline of ``composite`` as a tensor train of functions of the correction's
    latent coordinates, in Hartree (an internal ``FunctionTT`` of
    :mod:`vibmpo.operators.hamiltonian`).

    Raises
    ------
    ValueError
        If a polynomial baseline meets a non-square coordinator (no exact rotation).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.baseline import PolynomialPotential
    >>> from vibmpo.potential.composite import CompositePotential
    >>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                    b=np.zeros((1, 1)), activations=("gaussian",),
    ...                    cores=(np.ones((1, 2, 1)),), energy_unit="hartree")
    >>> ftt = baseline_function_tt(CompositePotential(PolynomialPotential([[2]], [0.5],
    ...                                                "hartree"), corr))
    >>> ftt.derivatives(np.array([1.0]))[0]
    0.5
    """
    from vibmpo.operators.forcefield import ForceField
    from vibmpo.operators.function_tt import _forcefield_function_tt, _nnmpo_function_tt
    from vibmpo.potential.arrays import NNMPOArrays

    base, corr = composite.baseline, composite.correction
    if isinstance(base, NNMPOArrays):
        return _nnmpo_function_tt(base)
    poly = composite.latent_baseline().in_unit("hartree")
    terms = tuple(poly.terms()) or ((0.0, {}),)
    ff = ForceField(terms=terms, kinetic=np.full(corr.n_modes, 0.5), energy_unit="hartree")
    return _forcefield_function_tt(ff)


def _padded(cores, scale, n_before, n_after):
    """Cores on a joint basis: zeros for the other part's functions; scale on core 0."""
    out = []
    for i, c in enumerate(cores):
        wide = np.zeros((c.shape[0], n_before + c.shape[1] + n_after, c.shape[2]))
        wide[:, n_before:n_before + c.shape[1]] = c * (scale if i == 0 else 1.0)
        out.append(wide)
    return out


def composite_function_tt(composite):
    """Baseline + correction as one tensor train of functions (Hartree): per mode the
    bases side by side, the cores joined by :func:`vibmpo.linalg.tt.direct_sum` (see the
    module docstring).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.baseline import PolynomialPotential
    >>> from vibmpo.potential.composite import CompositePotential
    >>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                    b=np.zeros((1, 1)), activations=("gaussian",),
    ...                    cores=(np.ones((1, 2, 1)),), energy_unit="hartree")
    >>> v = CompositePotential(PolynomialPotential([[2]], [0.5], "hartree"), corr)
    >>> float(composite_function_tt(v).derivatives(np.array([1.0]))[0]) == float(
    ...     v.energy([[1.0]])[0])
    True
    """
    from vibmpo.operators.function_tt import FunctionTT, _nnmpo_function_tt

    a = baseline_function_tt(composite)
    b = _nnmpo_function_tt(composite.correction)
    sizes_a = [c.shape[1] for c in a.cores]
    sizes_b = [c.shape[1] for c in b.cores]
    ca = [_padded([c], 1.0, 0, nb)[0] for c, nb in zip(a.cores, sizes_b, strict=True)]
    cb = [_padded([c], 1.0, na, 0)[0] for c, na in zip(b.cores, sizes_a, strict=True)]
    ca[0] = ca[0] * a.scale
    cb[0] = cb[0] * b.scale
    cores = list(_tt.direct_sum(ca, cb))

    def make(i):
        fa, fb = a.bases[i], b.bases[i]

        def basis(q, deriv):
            return np.hstack([fa(q, deriv), fb(q, deriv)])
        return basis

    return FunctionTT([make(i) for i in range(len(cores))], cores, 1.0,
                       a.offset + b.offset)
