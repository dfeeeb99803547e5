r"""Per-mode basis functions of the NN-MPO, for NumPy or JAX arrays.

For latent coordinates ``q`` (m, f) the basis of mode ``i`` is

.. math::

    z_{i\rho} = w_{i\rho} (q_i - c_{i\rho}) + b_{i\rho}, \qquad
    \phi_i(q_i) = [1, a_1(z_{i1}), \dots, a_{N-1}(z_{i,N-1})],

and its derivative ``d phi_i / d q_i = [0, w_{i\rho} a_\rho'(z_{i\rho})]``. Every function
takes ``xp`` (``numpy`` or ``jax.numpy``) so the trainer (NumPy, float64) and the JAX
model share one implementation.
"""

from __future__ import annotations

import numpy as np

from vibmpo.potential.activations import ACTIVATIONS, activation_and_derivative

__all__ = ["BASIS_INITS", "activation_and_derivative", "basis_values", "check_activations",
           "init_basis"]


def check_activations(activations) -> tuple[str, ...]:
    """Return ``activations`` as a tuple of known names, or raise ``ValueError``.

    Examples
    --------
    >>> check_activations(["silu", "tanh"])
    ('silu', 'tanh')
    """
    if isinstance(activations, str):
        raise ValueError("activations must be a sequence of names (one per non-constant basis "
                         f"function), got the single string {activations!r}")
    acts = tuple(str(a) for a in activations)
    if not acts:
        raise ValueError("need at least one non-constant basis function (activation)")
    for a in acts:
        if a not in ACTIVATIONS:
            raise ValueError(f"unknown activation {a!r}; choose from {ACTIVATIONS}")
    return acts


def basis_values(q, centres, w, b, activations, xp=np, derivative: bool = False):
    """Basis values ``phi`` (m, f, N) and, if ``derivative``, ``d phi / d q`` (m, f, N).

    Parameters
    ----------
    q : array (m, f)
        Latent coordinates.
    centres, w, b : array (f, N-1)
        Basis parameters.
    activations : tuple of str, length N-1
        Activation of each non-constant function.
    xp : module
        ``numpy`` or ``jax.numpy``.

    Examples
    --------
    >>> phi, dphi = basis_values(np.zeros((2, 1)), np.zeros((1, 1)), np.ones((1, 1)),
    ...                          np.zeros((1, 1)), ("tanh",), derivative=True)
    >>> phi[0].tolist(), dphi[0].tolist()
    ([[1.0, 0.0]], [[0.0, 1.0]])
    """
    z = w[None] * (q[:, :, None] - centres[None]) + b[None]
    names = list(dict.fromkeys(activations))
    vals, ders, order = [], [], []
    for name in names:
        idx = [k for k, a in enumerate(activations) if a == name]
        zk = z[..., idx[0]:idx[-1] + 1] if idx == list(range(idx[0], idx[-1] + 1)) \
            else z[..., np.asarray(idx)]
        v, d = activation_and_derivative(name, zk, xp)
        vals.append(v)
        ders.append(d)
        order.extend(idx)
    ones = xp.ones(z.shape[:-1] + (1,), dtype=z.dtype)
    v = xp.concatenate(vals, axis=-1) if len(vals) > 1 else vals[0]
    perm = None if order == sorted(order) else np.argsort(np.asarray(order))
    if perm is not None:
        v = v[..., perm]
    phi = xp.concatenate([ones, v], axis=-1)
    if not derivative:
        return phi
    d = xp.concatenate(ders, axis=-1) if len(ders) > 1 else ders[0]
    if perm is not None:
        d = d[..., perm]
    dphi = xp.concatenate([0.0 * ones, d * w[None]], axis=-1)
    return phi, dphi


#: Basis initialisations: ``"quantile"`` (centres at quantiles of each latent coordinate,
#: widths spread over scales relative to its spread) or ``"sample"`` (centres at random
#: training points, random widths).
BASIS_INITS = ("quantile", "sample")
_INIT_SCALES = (0.15, 0.6)


def init_basis(qs, activations, method, rng):
    r"""Initial ``centres, w, b`` (f, N-1) for latent training coordinates ``qs`` (m, f)
    by ``method`` (one of :data:`BASIS_INITS`), drawing from the generator ``rng``.

    ``"quantile"``: for every activation family the centres of mode ``i`` sit at the
    quantiles ``(k + 1/2)/K`` of the training values of ``q_i``; the slopes are
    ``w = \pm s_k / \sigma_i`` with scales ``s_k`` spread geometrically over
    ``[1/2, 2]`` (broad and sharp functions) and alternating signs.

    Examples
    --------
    >>> q = np.random.default_rng(0).normal(size=(200, 2))
    >>> c, w, b = init_basis(q, ("silu",) * 4, "quantile", np.random.default_rng(0))
    >>> c.shape, bool(np.all(np.diff(c[0]) > 0)), float(np.abs(b).max())
    ((2, 4), True, 0.0)
    """
    m, nf = qs.shape
    nb = len(activations)
    if method == "sample":
        centres = qs[rng.choice(m, size=nb, replace=m < nb)].T.copy()
        w = rng.uniform(0.3, 1.0, size=(nf, nb)) * rng.choice([-1.0, 1.0], size=(nf, nb))
        b = rng.normal(scale=0.1, size=(nf, nb))
        return centres, w, b
    centres = np.zeros((nf, nb))
    w = np.zeros((nf, nb))
    sd = np.std(qs, axis=0) + 1e-12
    for name in dict.fromkeys(activations):
        idx = np.array([k for k, a in enumerate(activations) if a == name])
        K = len(idx)
        probs = (np.arange(K) + 0.5) / K
        scales = np.geomspace(*_INIT_SCALES, K) if K > 1 else np.ones(1)
        scales = scales[rng.permutation(K)]
        signs = np.where(np.arange(K) % 2 == 0, 1.0, -1.0)
        for i in range(nf):
            centres[i, idx] = np.quantile(qs[:, i], probs)
            w[i, idx] = signs * scales / sd[i]
    return centres, w, np.zeros((nf, nb))
