r"""Verification of MPS eigenpairs: convergence is earned, not declared.

A state :math:`\psi_n` with energy :math:`E_n` of a Hamiltonian MPO :math:`H` counts as
converged only when

* its norm is 1: :math:`|\lVert\psi_n\rVert - 1| \le 10^{-6}`;
* its residual is small against the Hamiltonian's energy scale:
  :math:`\lVert (H - E_n)\psi_n \rVert \le r_\mathrm{tol}\,\sigma_H` (default
  :data:`RESIDUAL_RTOL` :math:`= 10^{-3}`: an energy error below about
  :math:`r^2/\mathrm{gap}`), with
  :math:`\sigma_H = \sqrt{\mathrm{Tr}\,H^2/N - (\mathrm{Tr}\,H/N)^2}` the spread of
  the spectrum (shift-invariant, in the unit of :math:`H`; :func:`energy_scale`);
* :math:`E_n` is its Rayleigh quotient, :math:`|\langle\psi_n|H|\psi_n\rangle - E_n|
  \le r_\mathrm{tol}\,\sigma_H`, and the states are orthogonal,
  :math:`|\langle\psi_m|\psi_n\rangle| \le 10^{-3}`: then the sorted energies are the
  Ritz values of the subspace they span and, by Cauchy interlacing, lie at or above
  the exact levels one by one (variational order).

:func:`verify_eigenpairs` returns these numbers and the per-state verdict with the
reasons; :func:`vibmpo.solvers.dmrg` uses it when it assembles its result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mps import mps_expectation, mps_overlap, residual_norm

__all__ = ["RESIDUAL_RTOL", "EigenpairCheck", "energy_scale", "verify_eigenpairs",
           "check_info", "DMRGConvergenceWarning"]

#: Default residual tolerance relative to the energy scale :math:`\sigma_H`.
RESIDUAL_RTOL = 1e-3
_NORM_TOL = 1e-6
_OVERLAP_TOL = 1e-3


class DMRGConvergenceWarning(UserWarning):
    """Issued when some DMRG state did not converge or failed its verification.

    Examples
    --------
    One sweep at bond dimension 1 cannot confirm convergence:

    >>> import warnings, quimb.tensor as qtn
    >>> from vibmpo.solvers import DMRGSchedule, dmrg
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     r = dmrg(H, schedule=DMRGSchedule(maxdim=1, nsweeps=1))
    >>> r.all_converged, [w.category.__name__ for w in caught]
    (False, ['DMRGConvergenceWarning'])
    """


def energy_scale(mpo) -> float:
    r"""Spread of the spectrum of an array MPO, :math:`\sigma_H = \sqrt{\mathrm{Tr}H^2/N
    - (\mathrm{Tr}H/N)^2}` (cores ``(left, right, ket, bra)``), in the unit of ``H``.

    Examples
    --------
    >>> H = np.diag([1.0, 3.0]).reshape(1, 1, 2, 2)
    >>> I = np.eye(2).reshape(1, 1, 2, 2)
    >>> energy_scale([H, I])   # eigenvalues 1, 1, 3, 3
    1.0
    """
    t1 = np.ones((1,))
    t2 = np.ones((1, 1))
    for w in mpo:
        d = w.shape[2]
        t1 = t1 @ (np.einsum("lrss->lr", w) / d)
        t2 = np.einsum("ab,acst,bdts->cd", t2, w, w) / d
    mean = float(np.real(t1.reshape(-1)[0]))
    var = float(np.real(t2.reshape(-1)[0])) - mean * mean
    return float(np.sqrt(max(var, 0.0)))


@dataclass(frozen=True)
class EigenpairCheck:
    """Verdict of :func:`verify_eigenpairs`.

    Attributes
    ----------
    converged : ndarray of bool (n,)
        Per state: all criteria met.
    residuals : ndarray (n,)
        :math:`\\lVert (H - E_n)\\psi_n\\rVert` of the normalised state (NaN for a zero
        state), unit of ``H``.
    norms : ndarray (n,)
        :math:`\\lVert\\psi_n\\rVert`.
    rayleigh : ndarray (n,)
        :math:`\\langle\\psi_n|H|\\psi_n\\rangle / \\langle\\psi_n|\\psi_n\\rangle`.
    max_overlap : float
        Largest :math:`|\\langle\\psi_m|\\psi_n\\rangle|`, m != n (normalised states).
    scale : float
        :math:`\\sigma_H`.
    threshold : float
        Residual tolerance used, ``rtol * scale``.
    reasons : list of list of str
        Per state: why it failed (empty when converged).

    Examples
    --------
    >>> c = EigenpairCheck(np.array([True]), np.zeros(1), np.ones(1), np.zeros(1), 0.0,
    ...                    1.0, 1e-4, [[]])
    >>> c.all_converged
    True
    """

    converged: np.ndarray
    residuals: np.ndarray
    norms: np.ndarray
    rayleigh: np.ndarray
    max_overlap: float
    scale: float
    threshold: float
    reasons: list

    @property
    def all_converged(self) -> bool:
        """Whether every state passed."""
        return bool(np.all(self.converged))

    def summary(self) -> str:
        """One line naming the failed states and why (empty if all passed).

        Examples
        --------
        >>> EigenpairCheck(np.array([True]), np.zeros(1), np.ones(1), np.zeros(1), 0.0,
        ...                1.0, 1e-4, [[]]).summary()
        ''
        """
        bad = [f"state {n}: {', '.join(r)}" for n, r in enumerate(self.reasons) if r]
        more = f"; ... ({len(bad) - 3} more)" if len(bad) > 3 else ""
        return "; ".join(bad[:3]) + more


def _normalised(t):
    """(norm, normalised state or None for a zero state, reasons) of an array MPS."""
    nrm = float(np.sqrt(max(np.real(mps_overlap(t, t)), 0.0)))
    if nrm <= 1e-8:
        return nrm, None, [f"norm {nrm:.2g} (a zero state)"]
    why = [f"norm {nrm:.6g} != 1"] if abs(nrm - 1.0) > _NORM_TOL else []
    return nrm, [t[0] / nrm] + list(t[1:]), why


def _orthogonality(unit, reasons) -> float:
    """Largest overlap between the normalised states; appends to ``reasons``."""
    max_ov = 0.0
    for a, ua in enumerate(unit):
        for b, ub in enumerate(unit[:a]):
            if ua is None or ub is None:
                continue
            ov = abs(mps_overlap(ub, ua))
            max_ov = max(max_ov, ov)
            if ov > _OVERLAP_TOL:
                reasons[a].append(f"overlap {ov:.3g} with state {b} (not orthogonal)")
    return max_ov


def verify_eigenpairs(mpo, states, energies, *, rtol: float = RESIDUAL_RTOL,
                      scale: float | None = None) -> EigenpairCheck:
    """Check array-MPS eigenpairs of an array MPO (see the module docstring).

    Parameters
    ----------
    mpo : list of ndarray
        MPO cores ``(left, right, ket, bra)`` (:func:`vibmpo.solvers.mps.mpo_arrays`).
    states : list of list of ndarray
        MPS cores ``(left, phys, right)`` of each state.
    energies : sequence of float
        The claimed energies.
    rtol : float
        Residual tolerance relative to :math:`\\sigma_H`.
    scale : float, optional
        Energy scale to use instead of :func:`energy_scale`.

    Returns
    -------
    EigenpairCheck

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from vibmpo.solvers.mps import mpo_arrays, random_mps
    >>> W = mpo_arrays(qtn.MPO_rand_herm(3, 2, phys_dim=2, seed=0))
    >>> c = verify_eigenpairs(W, [random_mps([2, 2, 2], 2, seed=0)], [0.0])
    >>> bool(c.converged[0]), c.reasons[0][0].split(" ")[0]
    (False, 'residual')
    """
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must lie in (0, 1), got {rtol}")
    n = len(states)
    energies = np.asarray(energies, dtype=float).reshape(-1)
    if energies.size != n:
        raise ValueError(f"{n} states but {energies.size} energies")
    sigma = energy_scale(mpo) if scale is None else float(scale)
    thr = rtol * max(sigma, np.finfo(float).tiny)
    norms, res, ray = np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    reasons = [[] for _ in range(n)]
    unit = []
    for j, t in enumerate(states):
        norms[j], u, why = _normalised(t)
        unit.append(u)
        reasons[j] += why
        if u is None:
            continue
        ray[j] = float(np.real(mps_expectation(u, mpo)))
        res[j] = residual_norm(u, mpo, energies[j])
        if not res[j] <= thr:
            reasons[j].append(f"residual {res[j]:.3g} > {thr:.3g} (= {rtol:g} x energy "
                              f"scale {sigma:.4g})")
        if abs(ray[j] - energies[j]) > thr:
            reasons[j].append(f"energy {energies[j]:.10g} is not its Rayleigh quotient "
                              f"{ray[j]:.10g}")
    max_ov = _orthogonality(unit, reasons)
    conv = np.array([not r for r in reasons], dtype=bool)
    return EigenpairCheck(conv, res, norms, ray, float(max_ov), float(sigma), float(thr),
                          reasons)


def check_info(check: EigenpairCheck) -> dict:
    """JSON-ready summary of an :class:`EigenpairCheck` (for result ``info`` dicts).

    Examples
    --------
    >>> c = EigenpairCheck(np.array([True]), np.zeros(1), np.ones(1), np.zeros(1), 0.0,
    ...                    1.0, 1e-3, [[]])
    >>> check_info(c)["residual_threshold"]
    0.001
    """
    return {"energy_scale": check.scale, "residual_threshold": check.threshold,
            "norms": [float(x) for x in check.norms],
            "max_overlap": check.max_overlap,
            "failures": {str(n): r for n, r in enumerate(check.reasons) if r}}
