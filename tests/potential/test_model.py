"""The JAX model: forces (autodiff, analytic, finite differences), conversions, x64 scope."""

import jax.numpy as jnp
import numpy as np
import pytest

from vibmpo.potential.model import NNMPO
from vibmpo.potential.tensortrain import tt_value, tt_value_and_grad


@pytest.fixture
def model_and_arrays(rng, random_arrays):
    a = random_arrays(rng)
    return NNMPO.from_arrays(a, x_scale=1.7), a


def test_energy_matches_numpy_reference(model_and_arrays, rng):
    m, a = model_and_arrays
    x = rng.normal(size=(15, 3))
    np.testing.assert_allclose(m.energy(x), a.energy(x), rtol=1e-13, atol=1e-12)
    b = m.to_arrays()
    np.testing.assert_allclose(b.energy(x), a.energy(x), rtol=1e-13, atol=1e-12)


def test_forces_autodiff_analytic_and_finite_differences(model_and_arrays, rng):
    m, a = model_and_arrays
    x = rng.normal(size=(6, 3))
    e1, f1 = m.energy_and_forces(x, method="autodiff")
    e2, f2 = m.energy_and_forces(x, method="analytic")
    np.testing.assert_allclose(f1, f2, rtol=1e-11, atol=1e-11)
    h = 1e-5
    fd = np.empty_like(x)
    for j in range(3):
        d = np.zeros(3)
        d[j] = h
        fd[:, j] = -(a.energy(x + d) - a.energy(x - d)) / (2 * h)
    np.testing.assert_allclose(f1, fd, rtol=1e-7, atol=1e-7)


def test_tt_gradient_matches_finite_differences_in_latent_space(rng, random_arrays):
    from vibmpo.potential.basis import basis_values
    a = random_arrays(rng)
    q = rng.normal(size=(4, 3))
    phi, dphi = basis_values(q, a.centres, a.w, a.b, a.activations, derivative=True)
    v, g = tt_value_and_grad(a.cores, phi, dphi)
    np.testing.assert_allclose(v, tt_value(a.cores, phi), rtol=1e-13)
    h = 1e-6
    for k in range(3):
        d = np.zeros(3)
        d[k] = h
        vp = tt_value(a.cores, basis_values(q + d, a.centres, a.w, a.b, a.activations))
        vm = tt_value(a.cores, basis_values(q - d, a.centres, a.w, a.b, a.activations))
        np.testing.assert_allclose(g[:, k], (vp - vm) / (2 * h), rtol=1e-6, atol=1e-7)


def test_x64_is_scoped(model_and_arrays, rng):
    m, _ = model_and_arrays
    m.energy(rng.normal(size=(2, 3)))
    assert jnp.ones(1).dtype == jnp.float32


def test_bad_inputs_rejected(model_and_arrays):
    m, _ = model_and_arrays
    with pytest.raises(ValueError, match="3 columns"):
        m.energy(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN/inf"):
        m.energy(np.array([[0.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="unknown method"):
        m.energy_and_forces(np.zeros((1, 3)), method="magic")


def test_average_is_an_exact_nnmpo_of_the_weighted_mean(rng, random_arrays):
    """Members with one U, different bases and ranks merge into a single NN-MPO whose
    energies are the weighted mean; merging needs a shared U and one unit."""
    import dataclasses

    from vibmpo.potential.arrays import average

    a = random_arrays(rng, nb=4, ranks=(2, 3))
    b = dataclasses.replace(random_arrays(rng, nb=3, ranks=(4, 1)), U=a.U, scale=0.7,
                            offset=2.0)
    x = rng.normal(size=(20, 3))
    m = average([a, b], weights=[0.25, 0.75])
    np.testing.assert_allclose(m.energy(x), 0.25 * a.energy(x) + 0.75 * b.energy(x),
                               rtol=1e-12, atol=1e-12)
    assert (m.basis_size, m.ranks) == (1 + 3 + 2, (6, 4))
    np.testing.assert_allclose(average([a, a, b]).energy(x),
                               (2 * a.energy(x) + b.energy(x)) / 3, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="different coordinator U"):
        average([a, random_arrays(rng)])
    with pytest.raises(ValueError, match="convert them to one unit"):
        average([a, dataclasses.replace(b, energy_unit="eV")])
    with pytest.raises(TypeError, match="non-empty sequence of NNMPOArrays"):
        average([])
    with pytest.raises(ValueError, match="weights"):
        average([a, b], weights=[1.0])
