r"""Potentials as tensor trains of functions, and their harmonic analysis.

.. math::

    V(q) = V_0 + s \sum_{\rho_1 \dots \rho_f} W^1[1, \rho_1, b_1]\, \phi_{1\rho_1}(q_1)
        \, W^2[b_1, \rho_2, b_2]\, \phi_{2\rho_2}(q_2) \cdots W^f[b_{f-1}, \rho_f, 1]\,
        \phi_{f\rho_f}(q_f),

one basis of 1-D functions :math:`\phi_{i\rho}` per mode: the NN-MPO's activations (the
scale :math:`s` and offset :math:`V_0` converted to Hartree) or, for a force field, the
monomials :math:`q_i^n` with one TT channel per term, SVD-rounded in the monomial
coefficient space (scale 1, the constant term as :math:`V_0`, the force field's unit).
Evaluated on DVR points this gives the tensor train of grid values that
:func:`vibmpo.operators.hamiltonian.grid_hamiltonian` puts on the diagonal of H.

Examples
--------
>>> from vibmpo.operators.forcefield import henon_heiles
>>> ftt = function_tt(henon_heiles(2))
>>> value, grad, hess = ftt.derivatives(np.zeros(2))
>>> value, grad.tolist(), np.round(hess, 12).tolist()
(0.0, [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
"""

from __future__ import annotations

import math

import numpy as np

from vibmpo.linalg import tt as _tt
from vibmpo.operators import _kernels as K
from vibmpo.operators.forcefield import ForceField
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.units import energy_factor

__all__ = ["FunctionTT", "function_tt", "harmonic_analysis"]


class FunctionTT:
    r"""A potential :math:`V(q) = V_0 + s\, G_1(q_1) \cdots G_f(q_f)` with
    :math:`G_i(q)[a, b] = \sum_\rho W^i[a, \rho, b]\, \phi_{i\rho}(q)` (module docstring).

    Parameters
    ----------
    bases : sequence of callable
        Per mode, ``basis(q, deriv) -> (m, N_i)``: the ``deriv``-th derivative (0, 1, 2)
        of the mode's basis functions at the points ``q`` (m,).
    cores : sequence of ndarray
        Coefficient cores :math:`W^i`, shape ``(r_{i-1}, N_i, r_i)``, outer bonds 1.
    scale, offset : float
        :math:`s` and :math:`V_0`.

    Examples
    --------
    >>> monomials = lambda q, deriv: np.stack([q**0, q], axis=1) if deriv == 0 else (
    ...     np.stack([0 * q, q**0], axis=1) if deriv == 1 else np.zeros((q.size, 2)))
    >>> w = np.array([[[0.0], [1.0]]])   # V(q1, q2) = q1 * q2
    >>> ftt = FunctionTT([monomials, monomials], [w, w], 1.0, 0.0)
    >>> ftt.derivatives(np.array([2.0, 3.0]))[0]
    6.0
    >>> [c.shape for c in ftt.grid_cores([np.array([1.0, 2.0]), np.array([1.0, 2.0])])]
    [(1, 2, 1), (1, 2, 1)]
    """

    def __init__(self, bases, cores, scale, offset):
        self.bases = list(bases)
        self.cores = [np.asarray(c, dtype=np.float64) for c in cores]
        self.scale = float(scale)
        self.offset = float(offset)

    @property
    def n_modes(self) -> int:
        """Number of modes ``f``."""
        return len(self.cores)

    def derivatives(self, q) -> tuple[float, np.ndarray, np.ndarray]:
        """V, gradient (f,) and Hessian (f, f) at one point ``q`` (f,)
        (:func:`vibmpo.linalg.tt.chain_derivatives`)."""
        f = self.n_modes
        # mats[k][i] = sum_rho W_i[:, rho, :] phi^{(k)}_{i rho}(q_i), k = 0, 1, 2
        mats = [[np.einsum("arb,r->ab", self.cores[i], self.bases[i](np.array([q[i]]), k)[0])
                 for i in range(f)] for k in range(3)]
        val, grad, hess = _tt.chain_derivatives(*mats)
        return self.offset + self.scale * val, self.scale * grad, self.scale * hess

    def grid_cores(self, points) -> list[np.ndarray]:
        """Tensor train of ``(V - V_0)`` on the product of the 1-D ``points`` (one array
        per mode): cores ``(r_{i-1}, d_i, r_i)``, the scale in the first."""
        cores = [K.grid_core(core, self.bases[i](q, 0))
                 for i, (core, q) in enumerate(zip(self.cores, points, strict=True))]
        cores[0] = cores[0] * self.scale
        return cores


def _nnmpo_function_tt(model: NNMPOArrays) -> FunctionTT:
    """The NN-MPO's activation bases and cores, scale and offset in Hartree."""
    to_ha = energy_factor(model.energy_unit, "hartree")
    codes = np.array([K.ACTIVATION_CODES[a] for a in model.activations], dtype=np.int64)
    # a confined (hole-free) model: clamped basis plus a wall column per mode
    # (vibmpo.potential.confine)
    conf = getattr(model, "confinement", None)

    def make(i):
        w, c, b = model.w[i].copy(), model.centres[i].copy(), model.b[i].copy()

        def raw(q, deriv):
            return K.basis_on_grid(np.ascontiguousarray(q, dtype=np.float64), w, c, b, codes,
                                   int(deriv))

        def basis(q, deriv):
            return raw(q, deriv) if conf is None else conf.grid_basis(i, q, deriv, raw)
        return basis

    bases = [make(i) for i in range(model.n_modes)]
    cores = model.cores if conf is None else conf.extended_cores(model.cores, model.scale)
    return FunctionTT(bases, cores, model.scale * to_ha, model.offset * to_ha)


def _terms_tt(terms, pmax) -> list[np.ndarray]:
    """Coefficient TT over monomials q_i^p of a few product terms (one channel per term)."""
    f, nt = len(pmax), len(terms)
    cores = []
    for i in range(f):
        ra = 1 if i == 0 else nt
        rb = 1 if i == f - 1 else nt
        core = np.zeros((ra, int(pmax[i]) + 1, rb))
        for k, (coef, powers) in enumerate(terms):
            # += : with one mode all terms share the entry of their power
            core[0 if i == 0 else k, powers.get(i, 0), 0 if i == f - 1 else k] += (
                coef if i == 0 else 1.0)
        cores.append(core)
    return cores


def _monomials(p: int):
    """Basis ``q**n`` (n = 0..p) and its derivatives, as a ``basis(q, deriv)`` callable."""
    def basis(q, deriv):
        q = np.asarray(q, dtype=np.float64)
        out = np.zeros((q.size, p + 1))
        for n in range(deriv, p + 1):
            out[:, n] = math.perm(n, deriv) * q ** (n - deriv)
        return out
    return basis


def _forcefield_function_tt(ff: ForceField, *, chunk: int = 32) -> FunctionTT:
    """The force field's polynomial as a monomial-coefficient TT, in its own unit."""
    pmax = ff.max_powers()
    terms = [t for t in ff.terms if t[0] != 0.0]
    const = sum(c for c, pw in terms if not pw)
    terms = [t for t in terms if t[1]] or [(0.0, {})]
    # Build the TT in the monomial-coefficient space, `chunk` terms at a time, rounding
    # after each addition. There the tensor holds one entry per term, so its norm is
    # sqrt(sum c^2) and SVD rounding finds the intrinsic ranks (e.g. 3 for all-to-all
    # bilinear coupling) while the ranks stay small throughout. Rounding grid values
    # instead cannot: their Frobenius norm grows like d^(f/2), which puts round-off above
    # any absolute tolerance.
    tol = 1e-14 * max(math.sqrt(sum(c * c for c, _ in terms)), np.finfo(float).tiny)
    cores = None
    for start in range(0, len(terms), chunk):
        block = _terms_tt(terms[start:start + chunk], pmax)
        cores = block if cores is None else _tt.truncate(_tt.direct_sum(cores, block),
                                                         max_error=tol)
    if len(terms) <= chunk:
        cores = _tt.truncate(cores, max_error=tol)
    return FunctionTT([_monomials(int(p)) for p in pmax], cores, 1.0, const)


def function_tt(source) -> FunctionTT:
    """The :class:`FunctionTT` of an NN-MPO (Hartree) or a force field (its own unit).

    Raises
    ------
    TypeError
        If ``source`` is neither :class:`~vibmpo.potential.arrays.NNMPOArrays` nor
        :class:`~vibmpo.operators.forcefield.ForceField`.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import coupled_oscillators
    >>> ftt = function_tt(coupled_oscillators([1.0, 2.0], 0.0))
    >>> ftt.n_modes, ftt.derivatives(np.array([1.0, 1.0]))[0]
    (2, 1.5)
    """
    from vibmpo.potential.composite import CompositePotential

    if isinstance(source, CompositePotential):  # Δ-learned: baseline + correction
        from vibmpo.operators.composite import composite_function_tt

        return composite_function_tt(source)
    if isinstance(source, NNMPOArrays):
        return _nnmpo_function_tt(source)
    if isinstance(source, ForceField):
        return _forcefield_function_tt(source)
    raise TypeError(
        f"source must be NNMPOArrays or ForceField, got {type(source).__name__}; load "
        "model files with vibmpo.potential.io.load_model and force fields with "
        "vibmpo.operators.forcefield.load_forcefield"
    )


def harmonic_analysis(source, *, start=None, max_iter: int = 50):
    """Minimum of the potential near ``start`` (default the origin) and its Hessian.

    Newton iterations with backtracking on the analytic gradient and Hessian of the
    NN-MPO basis functions (or polynomial terms).

    Parameters
    ----------
    source : NNMPOArrays, ForceField or FunctionTT
        The potential.

    Returns
    -------
    center : ndarray (f,)
        Position of the minimum (latent / force-field coordinates).
    hessian : ndarray (f, f)
        Hessian of V there, in the Hamiltonian's unit (Hartree for NN-MPO potentials).
    energy : float
        V at the minimum.

    Raises
    ------
    ValueError
        If the Hessian is not positive definite (no local minimum found): give the grid
        explicitly then.

    Examples
    --------
    >>> from vibmpo.operators.forcefield import henon_heiles
    >>> c, h, e = harmonic_analysis(henon_heiles(2))
    >>> c.tolist(), np.round(np.diag(h), 12).tolist()
    ([0.0, 0.0], [1.0, 1.0])
    """
    ftt = source if isinstance(source, FunctionTT) else function_tt(source)
    f = ftt.n_modes
    q = np.zeros(f) if start is None else np.asarray(start, dtype=np.float64).copy()
    val, grad, hess = ftt.derivatives(q)
    for _ in range(max_iter):
        w, vec = np.linalg.eigh(hess)
        if w.min() <= 0:
            raise ValueError(
                "cannot choose HO grids automatically: the potential has no local minimum "
                f"near q={np.round(q, 6).tolist()} (Hessian eigenvalues {w}); give the grid "
                "explicitly (ho:N:omega:centre or sine:N:qmin:qmax)"
            )
        step = -vec @ ((vec.T @ grad) / w)
        if np.abs(step).max() <= 1e-10 * max(1.0, np.abs(q).max()):
            break
        found = _backtrack(ftt, q, step, val)
        if found is None:
            break
        q, (val, grad, hess) = found
    return q, hess, val


def _backtrack(ftt: FunctionTT, q, step, val):
    """Halve the Newton step until V does not rise; ``(q_new, derivatives)`` or None."""
    t = 1.0
    while t > 1e-6:
        new = ftt.derivatives(q + t * step)
        if new[0] <= val + 1e-14 * abs(val):
            return q + t * step, new
        t *= 0.5
    return None
