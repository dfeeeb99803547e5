r"""Infrared intensities: transition dipoles from exact or DMRG eigenstates, and the
time-domain route (dipole autocorrelation by TDVP).

For transitions :math:`0 \to n` with excitation energy :math:`\Delta E_n` (Hartree) and
transition dipole :math:`\mu_{n0} = \langle\psi_n|\hat\mu|\psi_0\rangle` (e·a0), the
integrated absorption coefficient (natural log, over wavenumber, per mole) is

.. math::

    A_n = \frac{N_A}{4\pi\varepsilon_0}\,\frac{8\pi^3}{3hc}\,\tilde\nu_n\,
          |\mu_{n0}|^2
        = \frac{2\pi}{3c^2}\,\Delta E_n\,|\mu_{n0}|^2 \;(\text{atomic units})
          \times a_0 N_A ,

reported in km/mol (:data:`KM_PER_MOL`). In the double-harmonic limit
:math:`|\mu_{10}|^2 = (\partial\mu/\partial Q)^2/(2\omega)` and
:math:`A = \tfrac{\pi N_A}{3c^2}(\partial\mu/\partial Q)^2`, the familiar
:math:`42.2561\ \mathrm{km/mol}` per :math:`(\mathrm{D/\AA})^2/\mathrm{u}`.

The time-domain route propagates :math:`\delta\hat\mu_k|\psi_0\rangle`
(:math:`\delta\hat\mu_k = \hat\mu_k - \langle\psi_0|\hat\mu_k|\psi_0\rangle`, so the
permanent dipole does not swamp the spectrum with a peak at :math:`E_0`) with TDVP; the
Fourier transform of
:math:`C_k(t) = \langle\psi_0|\delta\hat\mu_k e^{-iHt}\delta\hat\mu_k|\psi_0\rangle` has
peaks at the levels :math:`E_n` (:math:`n \ge 1`) with weights :math:`|\mu_{k,n0}|^2`, the
same stick spectrum convolved with the window.

Examples
--------
>>> res = ir_intensities([0.0, 0.01], [[0, 0, 0], [0, 0, 0.1]], "hartree")
>>> round(float(res.intensities[1]), 3)
355.42
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from vibmpo.units import HARTREE_TO_CM1, energy_factor, normalize_energy_unit

from .spectra import PEAK_THRESHOLD

__all__ = ["KM_PER_MOL", "IRResult", "ir_intensities", "transition_dipoles_grid",
           "grid_state_labels",
           "transition_dipoles_mps", "ir_spectrum_exact", "ir_spectrum_dmrg",
           "DipoleSpectrum", "dipole_spectrum_tdvp"]

_C_AU = 137.035999084  # speed of light in atomic units
_BOHR_KM = 0.529177210903e-13
_AVOGADRO = 6.02214076e23
#: km/mol per Hartree * (e*a0)^2: :math:`A = ` ``KM_PER_MOL * dE * |mu|^2``.
KM_PER_MOL = 2.0 * np.pi / (3.0 * _C_AU**2) * _BOHR_KM * _AVOGADRO


@dataclass(frozen=True)
class IRResult:
    """Levels with IR intensities of the transitions from the lowest state.

    Attributes
    ----------
    energies : ndarray (n,)
        Absolute state energies in ``energy_unit``, ascending.
    energy_unit : str
    excitations_cm1 : ndarray (n,)
        :math:`E_n - E_0` in cm^-1.
    transition_dipoles : ndarray (n, k)
        :math:`\\langle\\psi_n|\\mu_k|\\psi_0\\rangle` in e·a0 (row 0: the permanent dipole
        of the ground state).
    intensities : ndarray (n,)
        km/mol (0 for the ground state).
    wall_time : float
    converged : bool
    info : dict
    labels : list of str or None

    Examples
    --------
    >>> r = ir_intensities([0.0, 0.01], [[0, 0, 0.5], [0, 0, 0.1]], "hartree")
    >>> r.excitations_cm1.round(2).tolist(), r.converged
    ([0.0, 2194.75], True)
    """

    energies: np.ndarray
    energy_unit: str
    excitations_cm1: np.ndarray
    transition_dipoles: np.ndarray
    intensities: np.ndarray
    wall_time: float = 0.0
    converged: bool = True
    info: dict = field(default_factory=dict)
    labels: list | None = None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"energies": self.energies.tolist(), "energy_unit": self.energy_unit,
                "excitations_cm1": self.excitations_cm1.tolist(),
                "transition_dipoles_e_a0": self.transition_dipoles.tolist(),
                "intensities_km_mol": self.intensities.tolist(),
                "labels": self.labels, "wall_time": self.wall_time,
                "converged": self.converged, "info": self.info}


def ir_intensities(energies, transition_dipoles, energy_unit: str, *, wall_time: float = 0.0,
                   converged: bool = True, info: dict | None = None, labels=None) -> IRResult:
    """IR intensities (km/mol) from state energies and transition dipoles (e·a0).

    Raises
    ------
    ValueError
        If ``energy_unit`` is not a physical energy unit (km/mol needs one).

    Examples
    --------
    >>> r = ir_intensities([0.0, 0.0083], [[0.0, 0.0, -0.7], [0.0, 0.0, 0.022]], "hartree")
    >>> r.excitations_cm1.round(1).tolist(), r.intensities.round(2).tolist()
    ([0.0, 1821.6], [0.0, 14.28])
    """
    e = np.asarray(energies, dtype=np.float64).reshape(-1)
    mu = np.asarray(transition_dipoles, dtype=np.float64)
    if mu.ndim == 1:
        mu = mu[:, None]
    if len(mu) != len(e):
        raise ValueError(f"{len(e)} energies but {len(mu)} transition dipoles")
    try:
        to_ha = energy_factor(normalize_energy_unit(energy_unit), "hartree")
    except ValueError:
        raise ValueError(f"IR intensities in km/mol need energies in a physical unit, got "
                         f"{energy_unit!r}; give the Hamiltonian in hartree, eV or cm-1") \
            from None
    de = (e - e[0]) * to_ha
    inten = KM_PER_MOL * de * (mu**2).sum(1)
    inten[0] = 0.0
    return IRResult(e, str(energy_unit), de * HARTREE_TO_CM1, mu, inten, float(wall_time),
                    bool(converged), dict(info or {}), labels)


def transition_dipoles_grid(vectors, dipole_values) -> np.ndarray:
    """:math:`\\langle n|\\mu_k|0\\rangle = \\sum_s \\psi_n(s)\\,\\mu_k(q_s)\\,\\psi_0(s)` for
    full-grid eigenvectors (size, n) and dipole grid values (k arrays of ``size``).

    Examples
    --------
    >>> v = np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2)
    >>> np.abs(transition_dipoles_grid(v, [np.array([1.0, -1.0])])).round(12).tolist()
    [[0.0], [1.0]]
    """
    v = np.asarray(vectors, dtype=np.float64)
    mus = np.stack([np.asarray(m, dtype=np.float64).reshape(-1) for m in dipole_values], 1)
    if mus.shape[0] != v.shape[0]:
        raise ValueError(f"dipole values have {mus.shape[0]} grid points, the vectors "
                         f"{v.shape[0]}")
    return v.T @ (mus * v[:, :1])


def grid_state_labels(ham, vectors) -> list[str] | None:
    """Assignment labels (``0``, ``v1``, ``2v1``, ``v1+v2``) of full-grid eigenvectors from
    their mean harmonic quanta per mode, rounded (None unless every grid is an HO-DVR).

    Examples
    --------
    >>> from vibmpo.operators import coupled_oscillators, grid_hamiltonian
    >>> from vibmpo.solvers.exact import exact_levels
    >>> ham = grid_hamiltonian(coupled_oscillators([1.0, 1.7], 0.0, energy_unit="eV"), "ho:5")
    >>> grid_state_labels(ham, exact_levels(ham, n_states=4).vectors)
    ['0', 'v1', 'v2', '2v1']
    """
    from vibmpo.solvers.assign import ho_number_operators

    if any(g.kind != "ho" for g in ham.grids):
        return None
    ops = ho_number_operators(ham)
    labels = []
    for k in range(vectors.shape[1]):
        rhos = ham.one_mode_densities(vectors[:, k])
        quanta = [int(round(float(np.trace(r @ o)))) for r, o in zip(rhos, ops, strict=True)]
        parts = [("" if n == 1 else str(n)) + f"v{i + 1}" for i, n in enumerate(quanta) if n]
        labels.append("+".join(parts) or "0")
    return labels


def transition_dipoles_mps(states, dipole_mpos) -> np.ndarray:
    """:math:`\\langle\\psi_n|\\mu_k|\\psi_0\\rangle` for MPS eigenstates (e.g. from DMRG) and
    dipole MPOs on the same grid.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> psi = [qtn.MPS_computational_state(s) for s in ("00", "10")]
    >>> X = qtn.MPO_product_operator([np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2)])
    >>> transition_dipoles_mps(psi, [X]).round(12).tolist()
    [[0.0], [1.0]]
    """
    out = np.zeros((len(states), len(dipole_mpos)))
    psi0 = states[0]
    for k, mpo in enumerate(dipole_mpos):
        phi = mpo.apply(psi0)
        for n, psi in enumerate(states):
            out[n, k] = float(np.real(psi.H @ phi))
    return out


def ir_spectrum_exact(ham, dipoles, n_states: int, *, tol: float = 1e-10,
                      labels=None) -> IRResult:
    """Exact diagonalisation of a grid Hamiltonian and the intensities of the dipole
    observables (:class:`vibmpo.operators.observables.GridObservable`, e·a0); states are
    labelled by :func:`grid_state_labels` unless ``labels`` are given.

    Examples
    --------
    >>> from vibmpo.operators import ForceField, grid_hamiltonian
    >>> from vibmpo.operators.observables import grid_observable
    >>> w = 0.01  # harmonic oscillator (Hartree), dipole 0.3 q
    >>> ham = grid_hamiltonian(ForceField(((0.5 * w * w, {0: 2}), (2 * w * w, {1: 2})),
    ...                        kinetic=[0.5, 0.5], energy_unit="hartree"), "ho:6")
    >>> mu = grid_observable(ForceField(((0.3, {0: 1}),), kinetic=[0.5, 0.5]), ham)
    >>> r = ir_spectrum_exact(ham, [mu], 2)
    >>> bool(np.isclose(r.transition_dipoles[1, 0] ** 2, 0.09 / (2 * w)))
    True
    """
    from vibmpo.solvers.exact import exact_levels

    t0 = time.perf_counter()
    res = exact_levels(ham, n_states=n_states, tol=tol, return_vectors=True)
    mu = transition_dipoles_grid(res.vectors, [d.values_full() for d in dipoles])
    if labels is None:
        labels = grid_state_labels(ham, res.vectors)
    return ir_intensities(res.energies, mu, res.energy_unit,
                          wall_time=time.perf_counter() - t0,
                          converged=bool(np.all(res.residuals < 1e-5)),
                          info={"method": "exact", "solver": res.method,
                                "residual_max": float(res.residuals.max()),
                                "dipole_components": [d.name for d in dipoles]},
                          labels=labels)


def ir_spectrum_dmrg(dmrg_result, dipole_mpos, energy_unit: str, *, labels=None,
                     names=None) -> IRResult:
    """Intensities from DMRG eigenstates (:func:`vibmpo.solvers.dmrg`) and dipole MPOs.

    Examples
    --------
    >>> from vibmpo.operators import ForceField, grid_hamiltonian
    >>> from vibmpo.operators.observables import grid_observable
    >>> from vibmpo.solvers import DMRGSchedule, dmrg
    >>> w = 0.01
    >>> ham = grid_hamiltonian(ForceField(((0.5 * w * w, {0: 2}), (2 * w * w, {1: 2})),
    ...                        kinetic=[0.5, 0.5], energy_unit="hartree"), "ho:5")
    >>> mu = grid_observable(ForceField(((0.3, {0: 1}),), kinetic=[0.5, 0.5]), ham)
    >>> d = dmrg(ham.to_mpo(), n_states=2, method="sequential", schedule=DMRGSchedule(maxdim=8))
    >>> r = ir_spectrum_dmrg(d, [mu.to_mpo()], "hartree")
    >>> bool(np.isclose(r.transition_dipoles[1, 0] ** 2, 0.09 / (2 * w)))
    True
    """
    mu = transition_dipoles_mps(dmrg_result.states, dipole_mpos)
    return ir_intensities(dmrg_result.energies, mu, energy_unit,
                          wall_time=float(dmrg_result.wall_time),
                          converged=bool(np.all(dmrg_result.converged)),
                          info={"method": "dmrg", "dipole_components": names}, labels=labels)


@dataclass(frozen=True)
class DipoleSpectrum:
    """IR spectrum from dipole autocorrelations (one TDVP run per dipole component).

    Attributes
    ----------
    excitations_cm1 : ndarray
        Energy axis, :math:`E - E_0` in cm^-1.
    intensity : ndarray
        :math:`\\sum_k \\|\\delta\\mu_k\\psi_0\\|^2\\,\\sigma_k(E)` (e·a0)² per Hartree.
    peaks_cm1 : ndarray
        Peak positions above :math:`E_0`.
    resolution_cm1 : float
        :math:`2\\pi/T` of the window.
    wall_time : float
    info : dict

    The absorption line shape (:attr:`absorption`) weights ``intensity`` by the
    excitation energy like the km/mol sticks, :math:`A(E) =`
    ``KM_PER_MOL`` :math:`(E - E_0)\\,\\sigma(E)`: integrated over a peak (in Hartree)
    it approaches that transition's intensity.

    Examples
    --------
    >>> s = DipoleSpectrum(np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([1.0]), 0.5,
    ...                    0.1)
    >>> s.peaks_cm1.tolist()
    [1.0]
    """

    excitations_cm1: np.ndarray
    intensity: np.ndarray
    peaks_cm1: np.ndarray
    resolution_cm1: float
    wall_time: float
    info: dict = field(default_factory=dict)

    @property
    def absorption(self) -> np.ndarray:
        """Absorption line shape in km/mol per Hartree (see the class docstring)."""
        return KM_PER_MOL * (self.excitations_cm1 / HARTREE_TO_CM1) * self.intensity


def dipole_spectrum_tdvp(H, psi0, dipole_mpos, e0: float, *, t_final: float, dt: float,
                         maxdim: int = 32, emax_cm1: float = 8000.0,
                         energy_unit: str = "hartree", threshold: float = PEAK_THRESHOLD
                         ) -> DipoleSpectrum:
    """IR spectrum from TDVP of :math:`\\mu_k|\\psi_0\\rangle` and the dipole
    autocorrelation (see the module docstring).

    Parameters
    ----------
    H : quimb MatrixProductOperator
        Hamiltonian (``energy_unit``, times in its inverse).
    psi0 : quimb MatrixProductState
        Ground state (e.g. from DMRG), with energy ``e0``.
    dipole_mpos : sequence of MatrixProductOperator
        Dipole components on the same grid.
    t_final, dt : float
        Propagation time and step (``C(2t)`` is used, so the window is ``2 t_final``).

    Examples
    --------
    >>> from vibmpo.operators import ForceField, grid_hamiltonian
    >>> from vibmpo.operators.observables import grid_observable
    >>> from vibmpo.solvers import DMRGSchedule, dmrg
    >>> w = 0.01
    >>> ham = grid_hamiltonian(ForceField(((0.5 * w * w, {0: 2}), (0.5 * (2 * w) ** 2, {1: 2})),
    ...                        kinetic=[0.5, 0.5], energy_unit="hartree"), "ho:5")
    >>> mu = grid_observable(ForceField(((0.3, {0: 1}), (0.2, {1: 1})), kinetic=[0.5, 0.5]),
    ...                      ham)
    >>> H = ham.to_mpo(); g = dmrg(H, n_states=1, schedule=DMRGSchedule(maxdim=8))
    >>> s = dipole_spectrum_tdvp(H, g.states[0], [mu.to_mpo()], g.energies[0],
    ...                          t_final=20000.0, dt=20.0, maxdim=8)
    >>> np.round(s.peaks_cm1 / (w * 219474.63), 2).tolist()
    [1.0, 2.0]
    """
    from vibmpo.solvers import TDVPOptions, tdvp
    from vibmpo.solvers.spectra import spectrum

    t0 = time.perf_counter()
    to_cm = energy_factor(normalize_energy_unit(energy_unit), "cm-1")
    n_steps = int(round(t_final / dt))
    total, e_axis, res_w = None, None, None
    norms = []
    for mpo in dipole_mpos:
        phi = mpo.apply(psi0)
        # the fluctuation (mu - <mu>)|psi0>: the permanent dipole only adds a peak at E0
        mean = float(np.real(psi0.H @ phi)) / float(np.real(psi0.H @ psi0))
        phi = phi + (-mean) * psi0
        phi.compress(max_bond=maxdim, cutoff=1e-14)
        nrm2 = float(np.real(phi.H @ phi))
        norms.append(nrm2)
        if nrm2 < 1e-30:
            continue
        run = tdvp(H, phi / np.sqrt(nrm2), n_steps * dt, dt=dt,
                   options=TDVPOptions(maxdim=maxdim))
        times, corr = ((run.times_2t, run.autocorrelation_2t) if run.times_2t is not None
                       else (run.times, run.autocorrelation))
        spec = spectrum(times, corr, emin=float(e0), emax=float(e0) + emax_cm1 / to_cm,
                        threshold=threshold)
        e_axis, res_w = spec.energies, spec.resolution
        total = nrm2 * spec.intensity if total is None else total + nrm2 * spec.intensity
    if total is None:
        raise ValueError("every dipole component annihilates psi0 (zero dipole surface?)")
    from vibmpo.solvers.spectra import find_peaks

    peaks, _ = find_peaks(e_axis, total, threshold=threshold)
    return DipoleSpectrum((e_axis - e0) * to_cm, total, (np.asarray(peaks) - e0) * to_cm,
                          float(res_w * to_cm), time.perf_counter() - t0,
                          {"norms2": norms, "t_final": float(n_steps * dt), "dt": float(dt),
                           "maxdim": int(maxdim)})
