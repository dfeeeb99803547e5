"""One definition of the activations: NumPy and JAX evaluate it alike, and the
derivative is the derivative (the Numba kernels are checked against
``activation_numpy`` in tests/operators/test_kernels.py)."""

import numpy as np
import pytest

from vibmpo.operators import _kernels as K
from vibmpo.potential.activations import (
    ACTIVATIONS,
    activation_and_derivative,
    activation_numpy,
)
from vibmpo.potential.model import x64


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_jax_and_numpy_agree_and_the_derivative_is_exact(name):
    import jax
    import jax.numpy as jnp

    z = np.linspace(-5, 5, 41)
    with x64():
        v, d = activation_and_derivative(name, jnp.asarray(z), jnp)
        auto = jax.vmap(jax.grad(lambda t: activation_and_derivative(name, t, jnp)[0]))(
            jnp.asarray(z))
    np.testing.assert_allclose(np.asarray(v), activation_numpy(name, z), rtol=1e-14,
                               atol=1e-15)
    np.testing.assert_allclose(np.asarray(d), np.asarray(auto), rtol=1e-12, atol=1e-14)
    assert K.ACTIVATION_CODES[name] == ACTIVATIONS.index(name)  # one table
    with pytest.raises(ValueError, match="unknown activation 'relu'"):
        activation_numpy("relu", z)
