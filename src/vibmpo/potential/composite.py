r"""Δ-learned potentials: a baseline plus an NN-MPO correction (NumPy only).

.. math::

    V(x) = V_\mathrm{b}(x) + V_\mathrm{c}(x),

with :math:`V_\mathrm{b}` a :class:`~vibmpo.potential.baseline.PolynomialPotential`
(a force field in the data's coordinates) or an NN-MPO sharing the correction's
coordinator, and :math:`V_\mathrm{c}` the fitted
:class:`~vibmpo.potential.arrays.NNMPOArrays`. Model files store both
(:mod:`vibmpo.potential.io`, group ``baseline``) and loading restores both; the
operator layer builds the MPO of the sum (:mod:`vibmpo.operators.composite`).

Examples
--------
>>> from vibmpo.potential.arrays import NNMPOArrays
>>> from vibmpo.potential.baseline import PolynomialPotential
>>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
...                    b=np.zeros((1, 1)), activations=("gaussian",),
...                    cores=(np.array([[[0.0], [1.0]]]),), energy_unit="hartree")
>>> v = CompositePotential(PolynomialPotential([[2]], [0.5], "hartree"), corr)
>>> v.energy([[0.0]]).tolist(), v.energy([[2.0]]).round(4).tolist()
([1.0], [2.0183])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.baseline import PolynomialPotential
from vibmpo.potential.basis import basis_values
from vibmpo.units import energy_factor, normalize_energy_unit

__all__ = ["CompositePotential", "nnmpo_forces", "nnmpo_in_unit"]


def nnmpo_in_unit(model: NNMPOArrays, unit: str) -> NNMPOArrays:
    """The NN-MPO answering in ``unit`` (scale and offset converted).

    Examples
    --------
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("gaussian",),
    ...                 cores=(np.ones((1, 2, 1)),), energy_unit="hartree")
    >>> round(float(nnmpo_in_unit(a, "eV").energy([[0.0]])[0]), 4)
    54.4228
    """
    fac = energy_factor(model.energy_unit, unit)
    return replace(model, scale=model.scale * fac, offset=model.offset * fac,
                   energy_unit=normalize_energy_unit(unit))


def nnmpo_forces(model: NNMPOArrays, x) -> np.ndarray:
    r"""Analytic forces :math:`-\nabla_x V` of an NN-MPO (NumPy), shape (m, n):
    :math:`\partial V/\partial q_i` from the prefix and suffix contractions of the train
    with the basis derivative at mode ``i``, then :math:`\nabla_x V = U\,\nabla_q V`.

    Examples
    --------
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("tanh",),
    ...                 cores=(np.array([[[0.0], [2.0]]]),))
    >>> nnmpo_forces(a, [[0.0]]).tolist()    # V = 2 tanh(x)
    [[-2.0]]
    """
    x = as_finite_array(x, "x", ndim=2)
    if x.shape[1] != model.n_inputs:
        raise ValueError(f"x must have {model.n_inputs} columns, got shape {x.shape}")
    q = x @ model.U
    phi, dphi = basis_values(q, model.centres, model.w, model.b, model.activations,
                             derivative=True)
    m, f = q.shape
    mats = [np.einsum("arb,mr->mab", c, phi[:, i]) for i, c in enumerate(model.cores)]
    prefix = [np.ones((m, 1))]
    for i in range(f):
        prefix.append(np.einsum("ma,mab->mb", prefix[-1], mats[i]))
    suffix = [np.ones((m, 1))]
    for i in range(f - 1, -1, -1):
        suffix.append(np.einsum("mab,mb->ma", mats[i], suffix[-1]))
    suffix = suffix[::-1]
    grad_q = np.empty((m, f))
    for i, c in enumerate(model.cores):
        d = np.einsum("arb,mr->mab", c, dphi[:, i])
        grad_q[:, i] = np.einsum("ma,mab,mb->m", prefix[i], d, suffix[i + 1])
    return -model.scale * grad_q @ model.U.T


@dataclass(frozen=True)
class CompositePotential:
    """A Δ-learned potential ``V = baseline + correction`` (see the module docstring).

    Attributes
    ----------
    baseline : PolynomialPotential or NNMPOArrays
        The reference potential, in the correction's energy unit; an NN-MPO baseline
        must share the correction's coordinator ``U``.
    correction : NNMPOArrays
        The fitted NN-MPO of the residual.

    Examples
    --------
    >>> corr = NNMPOArrays(U=np.eye(2), centres=np.zeros((2, 1)), w=np.ones((2, 1)),
    ...                    b=np.zeros((2, 1)), activations=("gaussian",),
    ...                    cores=(np.ones((1, 2, 1)), np.ones((1, 2, 1))), energy_unit="eV")
    >>> v = CompositePotential(PolynomialPotential([[0, 0]], [1.0], "eV"), corr)
    >>> v.n_modes, v.energy_unit, v.energy([[0.0, 0.0]]).tolist()
    (2, 'eV', [5.0])
    """

    baseline: object
    correction: NNMPOArrays

    def __post_init__(self):
        corr = self.correction
        if not isinstance(corr, NNMPOArrays):
            raise TypeError(f"the correction must be NNMPOArrays, got {type(corr).__name__}")
        base = self.baseline
        if isinstance(base, PolynomialPotential):
            if base.n_inputs != corr.n_inputs:
                raise ValueError(f"the baseline has {base.n_inputs} coordinates, the "
                                 f"correction {corr.n_inputs}")
        elif isinstance(base, NNMPOArrays):
            if base.U.shape != corr.U.shape or not np.allclose(base.U, corr.U, atol=1e-10):
                raise ValueError("an NN-MPO baseline must share the correction's "
                                 "coordinator U (fit the correction with it fixed: "
                                 "fit(..., baseline=model) does so)")
        else:
            raise TypeError(f"baseline must be a PolynomialPotential or NNMPOArrays, got "
                            f"{type(base).__name__}")
        if base.energy_unit != corr.energy_unit:
            object.__setattr__(self, "baseline", base.in_unit(corr.energy_unit)
                               if isinstance(base, PolynomialPotential)
                               else nnmpo_in_unit(base, corr.energy_unit))

    # the NN-MPO interface used by the operator layer and the commands
    @property
    def energy_unit(self) -> str:
        """Unit of V (the correction's)."""
        return self.correction.energy_unit

    @property
    def data_region(self):
        """The correction's training-data region."""
        return self.correction.data_region

    @property
    def confinement(self):
        """The correction's confinement; for a Δ-learned model its certificate is that
        of baseline + correction (:mod:`vibmpo.potential.confine_delta`)."""
        return self.correction.confinement

    @property
    def U(self) -> np.ndarray:
        """The correction's coordinator (latent coordinates of the grid)."""
        return self.correction.U

    @property
    def n_inputs(self) -> int:
        """Number of input coordinates."""
        return self.correction.n_inputs

    @property
    def n_modes(self) -> int:
        """Number of latent modes."""
        return self.correction.n_modes

    @property
    def ranks(self) -> tuple[int, ...]:
        """The correction's TT ranks."""
        return self.correction.ranks

    def describe(self) -> str:
        """One line: what the baseline and the correction are."""
        b = self.baseline
        what = (f"polynomial of degree {b.degree} ({len(b.coefficients)} terms)"
                if isinstance(b, PolynomialPotential)
                else f"NN-MPO (ranks {list(b.ranks)})")
        return (f"Δ-learned potential: baseline {what} + NN-MPO correction (ranks "
                f"{list(self.ranks)}), energies in {self.energy_unit}")

    def latent_baseline(self) -> PolynomialPotential:
        r"""A polynomial baseline as a function of the correction's latent coordinates
        :math:`q = xU`: :math:`V_\mathrm{b}(qU^T)` (rotated exactly,
        :meth:`PolynomialPotential.rotated`; the baseline itself when ``U`` is the
        identity).

        Raises
        ------
        TypeError
            If the baseline is not a polynomial.
        ValueError
            If ``U`` is not square (no exact rotation).

        Examples
        --------
        >>> corr = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                    b=np.zeros((1, 1)), activations=("gaussian",),
        ...                    cores=(np.ones((1, 2, 1)),), energy_unit="eV")
        >>> v = CompositePotential(PolynomialPotential([[2]], [0.5], "eV"), corr)
        >>> v.latent_baseline() is v.baseline
        True
        """
        base = self.baseline
        if not isinstance(base, PolynomialPotential):
            raise TypeError(f"the baseline is a {type(base).__name__}, not a polynomial")
        U = np.asarray(self.correction.U, dtype=np.float64)
        if U.shape[0] != U.shape[1]:
            raise ValueError(f"a polynomial baseline needs a square coordinator to be "
                             f"rotated onto the correction's latent grid, got U of shape "
                             f"{U.shape}")
        return base if np.allclose(U, np.eye(len(U)), rtol=0, atol=1e-14) else base.rotated(U)

    def with_region(self, region) -> CompositePotential:
        """A copy whose correction carries ``region``."""
        return replace(self, correction=replace(self.correction, data_region=region))

    def in_unit(self, unit: str) -> CompositePotential:
        """The same potential answering in ``unit``."""
        return CompositePotential(self.baseline, nnmpo_in_unit(self.correction, unit))

    def energy(self, x) -> np.ndarray:
        """``V(x) = V_b(x) + V_c(x)`` for the rows of ``x``."""
        return self.baseline.energy(x) + self.correction.energy(x)

    def forces(self, x) -> np.ndarray:
        """Forces ``-dV/dx`` (m, n)."""
        b = self.baseline
        fb = b.forces(x) if isinstance(b, PolynomialPotential) else nnmpo_forces(b, x)
        return fb + nnmpo_forces(self.correction, x)
