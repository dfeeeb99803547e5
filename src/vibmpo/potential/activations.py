r"""The activation functions of the NN-MPO basis: one table, one definition of each.

======== ===== ==============================================
name     code  :math:`a(z)`
======== ===== ==============================================
moderate 0     :math:`1 - e^{-z^2} + 0.05 z^2`
silu     1     :math:`z / (1 + e^{-z})`
tanh     2     :math:`\tanh z`
sigmoid  3     :math:`1 / (1 + e^{-z})`
gaussian 4     :math:`e^{-z^2}`
======== ===== ==============================================

The code of an activation is its position in :data:`ACTIVATIONS`; the Numba kernels of
the operator layer (``vibmpo.operators._kernels``) take these codes and are tested
against :func:`activation_numpy`. Value and derivative are written once, for NumPy and
``jax.numpy`` alike (:func:`activation_and_derivative`); this module imports NumPy only.

Examples
--------
>>> ACTIVATIONS.index("tanh")
2
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTIVATIONS", "activation_and_derivative", "activation_numpy"]


def _moderate(z, xp):
    e = xp.exp(-z * z)
    return 1.0 - e + 0.05 * z * z, 2.0 * z * e + 0.1 * z


def _silu(z, xp):
    s = 1.0 / (1.0 + xp.exp(-z))
    return z * s, s + z * s * (1.0 - s)


def _tanh(z, xp):
    t = xp.tanh(z)
    return t, 1.0 - t * t


def _sigmoid(z, xp):
    s = 1.0 / (1.0 + xp.exp(-z))
    return s, s * (1.0 - s)


def _gaussian(z, xp):
    e = xp.exp(-z * z)
    return e, -2.0 * z * e


_FORMULAS = {"moderate": _moderate, "silu": _silu, "tanh": _tanh, "sigmoid": _sigmoid,
             "gaussian": _gaussian}

#: Activation names; their integer code is the position in this tuple.
ACTIVATIONS = tuple(_FORMULAS)


def activation_and_derivative(name: str, z, xp=np):
    r"""Value and derivative ``(a(z), a'(z))`` of the activation ``name``.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATIONS`.
    z : array
        Arguments.
    xp : module
        ``numpy`` or ``jax.numpy``.

    Examples
    --------
    >>> v, d = activation_and_derivative("moderate", np.array([1.0]))
    >>> bool(np.isclose(v[0], 1 - np.exp(-1) + 0.05)), bool(np.isclose(d[0], 2 * np.exp(-1) + 0.1))
    (True, True)
    """
    try:
        formula = _FORMULAS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; choose from {ACTIVATIONS}") from None
    return formula(z, xp)


def activation_numpy(name: str, z):
    r"""Evaluate a basis activation with NumPy (float64; the reference for the Numba
    kernels).

    Examples
    --------
    >>> float(activation_numpy("moderate", 0.0)), float(activation_numpy("silu", 0.0))
    (0.0, 0.0)
    """
    return activation_and_derivative(name, np.asarray(z, dtype=np.float64))[0]
