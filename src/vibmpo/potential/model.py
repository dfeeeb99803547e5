r"""The NN-MPO potential as an equinox module (a JAX pytree), evaluated in float64.

.. math::

    V(x) = V_0 + s\, T\!\left(\phi(x U / \ell)\right), \qquad
    z_{i\rho} = w_{i\rho}(q_i / \ell - c_{i\rho}) + b_{i\rho},

where ``T`` is the tensor train over the per-mode bases (see
:mod:`vibmpo.potential.tensortrain`), ``ell`` a coordinate scale and ``V_0, s`` the
energy offset and scale of the training data (internal normalisation; they are folded
into :class:`~vibmpo.potential.arrays.NNMPOArrays` by :meth:`NNMPO.to_arrays`).
Every evaluation runs inside a scoped ``jax.enable_x64(True)`` context; nothing global
is changed.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.basis import basis_values, check_activations
from vibmpo.potential.tensortrain import tt_value, tt_value_and_grad

__all__ = ["NNMPO", "x64"]


def x64():
    """Scoped float64 context for JAX (``with x64(): ...``); restores the previous mode.

    Examples
    --------
    >>> with x64():
    ...     jnp.ones(1).dtype == jnp.float64
    True
    """
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # pragma: no cover - older JAX

    return enable_x64()  # pragma: no cover


class NNMPO(eqx.Module):
    """NN-MPO potential (pytree). Parameters live in normalised units (see module doc).

    Attributes
    ----------
    U : array (n, f)
        Coordinator with orthonormal columns.
    centres, w, b : array (f, N-1)
        Basis parameters in the scaled latent coordinate ``q / x_scale``.
    cores : tuple of arrays (r_{i-1}, N, r_i)
        Tensor-train cores.
    activations : tuple of str
        Activation per non-constant basis function (static).
    x_scale, y_offset, y_scale : float
        Coordinate scale, energy offset and energy scale (static).
    energy_unit : str
        Unit of ``V`` (static).

    Examples
    --------
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("gaussian",),
    ...                 cores=(np.array([[[0.0], [2.0]]]),), offset=1.0)
    >>> m = NNMPO.from_arrays(a)
    >>> m.energy(np.zeros((1, 1))).tolist()
    [3.0]
    """

    U: jax.Array
    centres: jax.Array
    w: jax.Array
    b: jax.Array
    cores: tuple
    activations: tuple = eqx.field(static=True)
    x_scale: float = eqx.field(static=True, default=1.0)
    y_offset: float = eqx.field(static=True, default=0.0)
    y_scale: float = eqx.field(static=True, default=1.0)
    energy_unit: str = eqx.field(static=True, default="eV")

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_arrays(cls, arrays: NNMPOArrays, *, x_scale: float = 1.0) -> NNMPO:
        """Build a model from plain arrays (``x_scale`` only changes the parameterisation).

        Examples
        --------
        >>> from vibmpo.potential.io import load_model
        >>> from vibmpo.datasets import h2co_pompon_model_path
        >>> NNMPO.from_arrays(load_model(h2co_pompon_model_path())).ranks
        (5, 14, 14, 14, 6)
        """
        s = float(x_scale)
        return cls(
            U=np.array(arrays.U), centres=np.array(arrays.centres) / s,
            w=np.array(arrays.w) * s, b=np.array(arrays.b),
            cores=tuple(np.array(c) for c in arrays.cores),
            activations=check_activations(arrays.activations), x_scale=s,
            y_offset=arrays.offset, y_scale=arrays.scale, energy_unit=arrays.energy_unit,
        )

    def to_arrays(self) -> NNMPOArrays:
        """Export as :class:`NNMPOArrays` with all scalings folded in (NumPy float64).

        Examples
        --------
        >>> a = NNMPOArrays(U=np.eye(1), centres=np.ones((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("silu",),
        ...                 cores=(np.ones((1, 2, 1)),), scale=2.0)
        >>> bool(np.allclose(NNMPO.from_arrays(a, x_scale=3.0).to_arrays().w, a.w))
        True
        """
        s = self.x_scale
        return NNMPOArrays(
            U=np.asarray(self.U, dtype=np.float64),
            centres=np.asarray(self.centres, dtype=np.float64) * s,
            w=np.asarray(self.w, dtype=np.float64) / s, b=np.asarray(self.b, dtype=np.float64),
            activations=self.activations,
            cores=tuple(np.asarray(c, dtype=np.float64) for c in self.cores),
            scale=self.y_scale, offset=self.y_offset, energy_unit=self.energy_unit,
        )

    # -- properties -----------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        """Number of input coordinates."""
        return int(self.U.shape[0])

    @property
    def n_modes(self) -> int:
        """Number of latent modes."""
        return int(self.U.shape[1])

    @property
    def ranks(self) -> tuple[int, ...]:
        """Internal tensor-train ranks."""
        return tuple(int(c.shape[2]) for c in self.cores[:-1])

    # -- evaluation (pure JAX; call inside x64() for float64) ---------------------------
    def _phi(self, x, derivative=False):
        q = (x @ self.U) / self.x_scale
        return basis_values(q, self.centres, self.w, self.b, self.activations, xp=jnp,
                            derivative=derivative)

    def _energy(self, x):
        """Energies of the rows of ``x`` (a JAX array), traceable."""
        return self.y_offset + self.y_scale * tt_value(self.cores, self._phi(x), xp=jnp)

    def _energy_and_forces_analytic(self, x):
        phi, dphi = self._phi(x, derivative=True)
        v, g = tt_value_and_grad(self.cores, phi, dphi, xp=jnp)
        dvdx = (self.y_scale / self.x_scale) * (g @ self.U.T)
        return self.y_offset + self.y_scale * v, -dvdx

    def _energy_and_forces_autodiff(self, x):
        v, vjp = jax.vjp(self._energy, x)
        (grad,) = vjp(jnp.ones_like(v))
        return v, -grad

    # -- user-facing (NumPy in, NumPy out, float64) -----------------------------------
    def _check_x(self, x):
        x = as_finite_array(x, "x", ndim=2)
        if x.shape[1] != self.n_inputs:
            raise ValueError(f"x must have {self.n_inputs} columns (one per input "
                             f"coordinate), got shape {x.shape}")
        return x

    def energy(self, x) -> np.ndarray:
        """Energies ``V(x)`` (m,) in :attr:`energy_unit` for coordinates ``x`` (m, n).

        Examples
        --------
        >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("tanh",),
        ...                 cores=(np.array([[[0.0], [1.0]]]),))
        >>> NNMPO.from_arrays(a).energy([[0.5]]).round(6).tolist()
        [0.462117]
        """
        x = self._check_x(x)
        with x64():
            return np.asarray(_jit_energy(self, jnp.asarray(x)))

    __call__ = energy

    def energy_and_forces(self, x, *, method: str = "autodiff"):
        """Energies (m,) and forces ``-dV/dx`` (m, n), by ``method`` "autodiff" or "analytic".

        Examples
        --------
        >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("moderate",),
        ...                 cores=(np.array([[[0.0], [1.0]]]),))
        >>> e, f = NNMPO.from_arrays(a).energy_and_forces([[1.0]], method="analytic")
        >>> bool(np.isclose(f[0, 0], -(2 * np.exp(-1) + 0.1)))
        True
        """
        x = self._check_x(x)
        if method not in ("autodiff", "analytic"):
            raise ValueError(f"unknown method {method!r}; choose 'autodiff' or 'analytic'")
        with x64():
            fn = _jit_ef_autodiff if method == "autodiff" else _jit_ef_analytic
            e, f = fn(self, jnp.asarray(x))
            return np.asarray(e), np.asarray(f)


@eqx.filter_jit
def _jit_energy(model, x):
    return model._energy(x)


@eqx.filter_jit
def _jit_ef_autodiff(model, x):
    return model._energy_and_forces_autodiff(x)


@eqx.filter_jit
def _jit_ef_analytic(model, x):
    return model._energy_and_forces_analytic(x)
