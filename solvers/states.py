r"""Initial states for propagation: Gaussian wavepackets on DVR grids, operator excitations.

**Gaussian wavepackets.** A product of one-mode Gaussians

.. math::

    \psi(q) = \prod_i \phi_i(q_i), \qquad
    \phi_i(q) \propto \exp\!\big(-\tfrac12\omega_i (q - q_{0,i})^2 + i p_{0,i}(q - q_{0,i})\big),

is represented on a DVR by the coefficients :math:`c_k = \sqrt{w_k}\,\phi(q_k)`
(normalised), where :math:`w_k` are the quadrature weights of the DVR: a DVR function
:math:`\chi_k` is localised at :math:`q_k` with :math:`\chi_k(q_k) = 1/\sqrt{w_k}`, so
:math:`\langle\chi_k|\phi\rangle \approx \sqrt{w_k}\,\phi(q_k)`. For the HO-DVR
(Gauss--Hermite nodes :math:`x_k` with weights :math:`W_k` for :math:`e^{-x^2}`,
:math:`q_k = c + x_k/\sqrt\omega`) :math:`w_k = W_k e^{x_k^2}/\sqrt\omega`; for the sine
DVR :math:`w_k = \Delta q`. With :math:`\omega_i` equal to the grid frequency and
:math:`q_0 = c` this is exactly the oscillator ground state in the DVR.

Displacements are given in units of the wavepacket's oscillator length
:math:`1/\sqrt{\omega_i}` (so ``displace=1`` shifts by one length in every system); a
*squeeze* factor ``s`` uses :math:`\omega_i = s\,\omega_\mathrm{grid}`.

**Operator excitations** :math:`|\phi\rangle = O_i|\psi\rangle/\lVert O_i|\psi\rangle\rVert`
for a one-mode operator such as :math:`q_i` (diagonal on the grid), e.g. a dipole-like
excitation of a DMRG ground state (:func:`apply_site_operator`).

The DVR weights and signs come from the operator layer
(:meth:`vibmpo.operators.dvr.Grid.quadrature_weights`,
:meth:`~vibmpo.operators.dvr.Grid.basis_signs`); the command line's initial-state grammar
(``vibmpo propagate --initial``) lives in ``vibmpo.cli.initial_spec``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "gaussian_coefficients",
    "product_mps",
    "gaussian_wavepacket",
    "apply_site_operator",
]

def gaussian_coefficients(grid, *, displace: float = 0.0, omega: float | None = None,
                          momentum: float = 0.0) -> np.ndarray:
    r"""Normalised DVR coefficients :math:`c_k \propto \sqrt{w_k}\,\phi(q_k)` of a Gaussian.

    Parameters
    ----------
    grid : Grid
        One-mode DVR.
    displace : float, optional
        Centre offset :math:`(q_0 - c)\sqrt{\omega}` in oscillator lengths from the grid
        centre (HO grids) or from the box middle (sine grids).
    omega : float, optional
        Width parameter :math:`\omega` of :math:`e^{-\omega (q-q_0)^2/2}`; defaults to
        the HO grid's frequency (required for sine grids).
    momentum : float, optional
        Mean momentum :math:`p_0` (makes the coefficients complex).

    Returns
    -------
    numpy.ndarray
        Unit-norm coefficients (float, or complex if ``momentum != 0``).

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> g = ho_grid(8, omega=1.5)
    >>> c = gaussian_coefficients(g)
    >>> h = g.kinetic + np.diag(0.5 * 1.5**2 * g.points**2)
    >>> round(float(c @ h @ c), 12)   # exact oscillator ground state: omega / 2
    0.75
    """
    q = np.asarray(grid.points, dtype=float)
    if omega is None:
        if grid.kind != "ho":
            raise ValueError("a Gaussian on a sine grid needs its width omega; pass omega=")
        omega = float(grid.params["omega"])
    omega = float(omega)
    if not (np.isfinite(omega) and omega > 0):
        raise ValueError(f"Gaussian width omega must be positive, got {omega}")
    center = float(grid.params["center"]) if grid.kind == "ho" else 0.5 * (q[0] + q[-1])
    q0 = center + float(displace) / np.sqrt(omega)
    if not q[0] <= q0 <= q[-1]:
        raise ValueError(
            f"displacement {displace} puts the wavepacket centre {q0:.4g} outside the grid "
            f"[{q[0]:.4g}, {q[-1]:.4g}]; use a smaller displacement or a wider grid"
        )
    phase = 1j * float(momentum) * (q - q0) if momentum else 0.0
    amplitude = grid.basis_signs() * np.sqrt(grid.quadrature_weights())
    c = amplitude * np.exp(-0.5 * omega * (q - q0) ** 2 + phase)
    nrm = np.linalg.norm(c)
    if not nrm > 1e-300:
        raise ValueError("the Gaussian vanishes on the grid points; check omega/displace")
    return c / nrm


def product_mps(vectors):
    """Bond-dimension-1 quimb MPS from one vector per site.

    Examples
    --------
    >>> psi = product_mps([np.array([1.0, 0.0]), np.array([0.6, 0.8])])
    >>> psi.to_dense().ravel().round(2).tolist()
    [0.6, 0.8, 0.0, 0.0]
    """
    import quimb.tensor as qtn

    vecs = [np.asarray(v) for v in vectors]
    if not vecs or any(v.ndim != 1 or v.size == 0 for v in vecs):
        raise ValueError("product_mps needs a non-empty list of 1-D vectors")
    return qtn.MPS_product_state(vecs)


def _per_mode(value, n, name):
    out = np.zeros(n) if name != "squeeze" else np.ones(n)
    if value is None:
        return out
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for m, v in items:
        m = int(m)
        if not 0 <= m < n:
            raise ValueError(f"{name}: mode {m} outside 0..{n - 1}")
        out[m] = float(v)
    return out


def gaussian_wavepacket(grids, *, displace=None, squeeze=None, momentum=None,
                        omegas=None):
    r"""Product Gaussian wavepacket as a bond-dimension-1 quimb MPS.

    Parameters
    ----------
    grids : sequence of Grid
        One DVR per mode (e.g. ``GridHamiltonian.grids``).
    displace : dict or sequence, optional
        Mode -> displacement in oscillator lengths (see :func:`gaussian_coefficients`).
    squeeze : dict or sequence, optional
        Mode -> factor multiplying the width :math:`\omega_i` (default 1).
    momentum : dict or sequence, optional
        Mode -> mean momentum.
    omegas : sequence of float, optional
        Base widths (default: the HO grid frequencies).

    Examples
    --------
    >>> from vibmpo.operators.dvr import ho_grid
    >>> psi = gaussian_wavepacket([ho_grid(5, 1.0), ho_grid(6, 2.0)], displace={1: 0.5})
    >>> psi.L, round(float(abs(psi.H @ psi)), 12)
    (2, 1.0)
    """
    grids = list(grids)
    n = len(grids)
    d = _per_mode(displace, n, "displace")
    s = _per_mode(squeeze, n, "squeeze")
    p = _per_mode(momentum, n, "momentum")
    if np.any(s <= 0):
        raise ValueError("squeeze factors must be positive")
    vecs = []
    for i, g in enumerate(grids):
        base = None if omegas is None else float(omegas[i])
        if base is None and g.kind == "ho":
            base = float(g.params["omega"])
        if base is None:
            raise ValueError(f"mode {i} has a sine grid: give its Gaussian width in omegas=")
        vecs.append(gaussian_coefficients(g, displace=d[i], omega=base * s[i],
                                          momentum=p[i]))
    return product_mps(vecs)


def apply_site_operator(psi, site: int, op, *, normalize: bool = True):
    r"""Apply a one-mode operator to an MPS: :math:`O_i|\psi\rangle` (normalised).

    Parameters
    ----------
    psi : quimb MatrixProductState
        Not modified.
    site : int
        Mode index.
    op : array_like
        ``(d, d)`` matrix or length-``d`` diagonal (e.g. the grid points for
        :math:`q_i`).
    normalize : bool, optional
        Return the normalised state (default).

    Returns
    -------
    state : quimb MatrixProductState
    norm : float
        :math:`\lVert O_i\psi\rVert / \lVert\psi\rVert` before normalisation.

    Examples
    --------
    >>> psi = product_mps([np.array([0.6, 0.8]), np.array([1.0, 0.0])])
    >>> phi, nrm = apply_site_operator(psi, 0, np.array([1.0, -1.0]))
    >>> round(nrm, 12), (phi.to_dense().ravel().round(2) + 0.0).tolist()
    (1.0, [0.6, 0.0, -0.8, 0.0])
    """
    n = psi.L
    site = int(site)
    if not 0 <= site < n:
        raise ValueError(f"site {site} outside 0..{n - 1}")
    m = np.asarray(op)
    d = psi.phys_dim(site)
    if m.ndim == 1:
        m = np.diag(m)
    if m.shape != (d, d):
        raise ValueError(f"operator on site {site} must be ({d}, {d}) or length {d}, "
                         f"got shape {np.asarray(op).shape}")
    norm0 = float(np.sqrt(abs(psi.H @ psi)))
    if not norm0 > 0:
        raise ValueError("psi has zero norm")
    out = psi.gate(m, site, contract=True)
    nrm = float(np.sqrt(abs(out.H @ out)))
    if not nrm > 0:
        raise ValueError(f"the operator annihilates the state on site {site}")
    if normalize:
        out = out / nrm
    return out, nrm / norm0


def dvr_weights(grid) -> np.ndarray:
    """Deprecated: use ``grid.quadrature_weights()``."""
    import warnings

    warnings.warn("vibmpo.solvers.states.dvr_weights is deprecated; use "
                  "Grid.quadrature_weights()", DeprecationWarning, stacklevel=2)
    return grid.quadrature_weights()


def dvr_signs(grid) -> np.ndarray:
    """Deprecated: use ``grid.basis_signs()``."""
    import warnings

    warnings.warn("vibmpo.solvers.states.dvr_signs is deprecated; use Grid.basis_signs()",
                  DeprecationWarning, stacklevel=2)
    return grid.basis_signs()
