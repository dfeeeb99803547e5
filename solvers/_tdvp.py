r"""Time-dependent variational principle (TDVP) for matrix product states.

Solves :math:`i\,\partial_t|\psi\rangle = P_{T\mathcal{M}}\,H|\psi\rangle` (real time) or
:math:`\partial_t|\psi\rangle = -P_{T\mathcal{M}}\,H|\psi\rangle` (imaginary time, with
renormalisation) on the manifold of MPS by the second-order projector-splitting
integrator: a time step :math:`\delta t` is a left-to-right half sweep of
:math:`\delta t/2` followed by its adjoint, a right-to-left half sweep of
:math:`\delta t/2`. In each half sweep the centre tensor is evolved forward,

.. math::

    A_c \leftarrow e^{-i H_\mathrm{eff}\,\delta t/2} A_c ,

and, after moving the orthogonality centre on, the bond tensor is evolved backward,
:math:`C \leftarrow e^{+i K_\mathrm{eff}\,\delta t/2} C`. ``method="2site"`` evolves
two-site centre tensors (one-site backward steps) and truncates by SVD, so the bond
dimension adapts (up to ``maxdim``, discarding relative weight ``cutoff``);
``method="1site"`` evolves one-site tensors (zero-site backward steps) at fixed bond
dimension, conserving norm and energy to the accuracy of the Krylov exponentials;
``method="adaptive"`` runs two-site steps until every bond has reached
``min(maxdim, exact bond dimension)`` and one-site steps afterwards (so one-site TDVP
cannot get stuck at the initial, e.g. product-state, bond dimension).
``method="gse"`` (the default) runs one-site steps only and grows the bonds by global
subspace expansion (Yang & White, PRB 102, 094315 (2020)): while some bond is below
``min(maxdim, exact)``, each step first enlarges the bond bases by the dominant
directions of the Krylov vectors :math:`H|\psi\rangle, \ldots, H^K|\psi\rangle`
(``gse_krylov = K``, compressed to ``2 maxdim``) without changing :math:`|\psi\rangle`
(:func:`vibmpo.solvers.sweep.expand_right_bases`); one-site steps then populate them.
It is the default by measurement: Henon-Heiles 4-D (16-point grids, bond dimension
20, 200 steps of 0.1, the case of ``benchmarks/tdvp_vs_renormalizer.py``) took 24 s
(error of C(t) 1.5e-7) against 99 s (1.1e-7) for ``"adaptive"``, one after the other
on the same (loaded) machine.
All local exponentials are Lanczos exponentials (:func:`vibmpo.linalg.krylov.expm_krylov`).
Their one-site products use the diagonal plus rank-one form of grid-Hamiltonian MPO
sites (potential diagonal on the grid, kinetic energy one rank-one term;
:mod:`vibmpo.solvers.site_split`) wherever it needs fewer operations than the dense
site tensor: for the H2CO wavepacket of ``benchmarks/h2co_wavepacket.py`` (``ho:9``,
MPO bonds up to 16, D = 16; 100 steps, 3 alternating repeats) 1.69x fewer CPU
seconds than the dense product, with C(t) equal to 6e-10.

Inputs are quimb objects (``MatrixProductOperator`` with upper indices ``k{i}`` and lower
``b{i}``, ``MatrixProductState``); they are never modified.

The half sweeps are those of the shared sweep engine (:mod:`vibmpo.solvers.sweep`);
this module supplies the local steps (forward site/two-site exponentials, backward
one-site/zero-site exponentials) and the measurements.
"""

from __future__ import annotations

import dataclasses
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from vibmpo._deprecation import Group, fold_keywords
from vibmpo.linalg.krylov import expm_krylov_info
from vibmpo.solvers.mps import (
    compress,
    mpo_apply,
    mpo_arrays,
    mpo_round,
    mps_arrays,
    mps_expectation,
    mps_overlap,
    to_quimb_mps,
)
from vibmpo.solvers.sweep import (
    LocalUpdate,
    SweepSettings,
    expand_right_bases,
    make_state,
    root_tensors,
    run_sweeps,
)
from vibmpo.solvers.tdvp_options import TDVPOptions

__all__ = ["TDVPResult", "TDVP_METHODS", "tdvp", "time_grid"]

#: Integrators accepted by :func:`tdvp`.
TDVP_METHODS = ("gse", "adaptive", "2site", "1site")

# keywords of tdvp() before the options object: deprecated aliases for one release
_OPTION_KEYS = tuple(f.name for f in dataclasses.fields(TDVPOptions))


@dataclass(frozen=True)
class TDVPResult:
    """Result of :func:`tdvp`.

    Attributes
    ----------
    times : numpy.ndarray, shape (n_steps + 1,)
        Times :math:`t_k = k\\,\\delta t` (units of ``1/energy`` of ``H``), starting at 0.
    autocorrelation : numpy.ndarray, complex
        :math:`C(t_k) = \\langle\\psi(0)|\\psi(t_k)\\rangle` (for imaginary time, the
        overlap with the normalised initial state).
    times_2t, autocorrelation_2t : numpy.ndarray or None
        Doubled times :math:`2t_k` and :math:`C(2t_k) = \\langle\\psi(t_k)^*|\\psi(t_k)\\rangle`
        from the t/2 trick; only for real time with real ``H`` and real ``psi0``.
    energies : numpy.ndarray
        :math:`\\langle\\psi|H|\\psi\\rangle / \\langle\\psi|\\psi\\rangle` at each time.
    norms : numpy.ndarray
        :math:`\\lVert\\psi(t_k)\\rVert` relative to the initial norm (before the
        renormalisation of imaginary-time steps).
    truncation_errors : numpy.ndarray, shape (n_steps,)
        Discarded weight summed over the SVDs of each step (0 for one-site steps).
    max_bond : numpy.ndarray of int
        Largest bond dimension at each time.
    methods : list of str
        Integrator used for each step (``"2site"``, ``"1site"`` or ``"gse"``: a one-site
        step after a subspace expansion).
    observables : dict of str to numpy.ndarray
        Requested expectation values at each time.
    states : dict of float to quimb MatrixProductState
        States at the requested ``save_times`` (normalised as propagated).
    final_state : quimb MatrixProductState
    imaginary : bool
    n_matvec : int
        Total number of effective-Hamiltonian applications.
    wall_time : float
        Seconds spent.
    energy_unit : str or None
        Unit of ``energies`` (that of ``H``, as passed to :func:`tdvp`; ``None`` if not
        given).
    converged : bool
        Whether every local Krylov exponential reached ``krylov_tol`` (if not, raise
        ``krylov_dim`` or lower ``dt``).
    info : dict
        Settings of the run (method, dt and the fields of :class:`TDVPOptions`: maxdim,
        cutoff, ...). ``meta`` is a deprecated alias.

    Examples
    --------
    >>> import numpy as np, quimb.tensor as qtn
    >>> res = tdvp(qtn.MPO_ham_heis(4), qtn.MPS_computational_state("0101"), 0.4, dt=0.1,
    ...            options=TDVPOptions(maxdim=8))
    >>> res.times.round(2).tolist(), float(abs(res.autocorrelation[0])), res.final_state.L
    ([0.0, 0.1, 0.2, 0.3, 0.4], 1.0, 4)
    >>> bool(np.allclose(res.norms, 1.0)), bool(np.ptp(res.energies) < 1e-10)
    (True, True)
    """

    times: np.ndarray
    autocorrelation: np.ndarray
    times_2t: np.ndarray | None
    autocorrelation_2t: np.ndarray | None
    energies: np.ndarray
    norms: np.ndarray
    truncation_errors: np.ndarray
    max_bond: np.ndarray
    methods: list
    observables: dict
    states: dict
    final_state: object
    imaginary: bool
    n_matvec: int
    wall_time: float
    energy_unit: str | None = None
    converged: bool = True
    info: dict = field(default_factory=dict)

    @property
    def meta(self) -> dict:
        """Deprecated alias of :attr:`info`."""
        import warnings

        warnings.warn("TDVPResult.meta is deprecated; use TDVPResult.info", DeprecationWarning,
                      stacklevel=2)
        return self.info


def time_grid(t_final: float, dt: float, save_times=None):
    """Number of steps and the step indices of ``save_times``, with clear errors.

    Parameters
    ----------
    t_final : float
        Total time; must have the sign of ``dt`` (negative for backward propagation).
    dt : float
        Step; ``t_final / dt`` must be an integer (within rounding).
    save_times : sequence of float, optional
        Times (multiples of ``dt`` between 0 and ``t_final``) to keep states at.

    Returns
    -------
    n_steps : int
    save_steps : dict of int to float

    Examples
    --------
    >>> time_grid(1.0, 0.1)[0]
    10
    >>> time_grid(1.0, 0.3)
    Traceback (most recent call last):
    ...
    ValueError: t_final / dt = 3.333... is not an integer: use dt = 1/4 = 0.25 (4 steps) or ...
    """
    t_final, dt = float(t_final), float(dt)
    if not (np.isfinite(t_final) and np.isfinite(dt)) or dt == 0.0:
        raise ValueError(f"dt must be finite and non-zero and t_final finite, got "
                         f"dt={dt!r}, t_final={t_final!r}")
    if t_final == 0.0:
        raise ValueError("t_final is 0: nothing to propagate; give a positive t_final")
    if np.sign(t_final) != np.sign(dt):
        raise ValueError(
            f"t_final ({t_final:g}) and dt ({dt:g}) have opposite signs; use the same sign "
            f"for both (dt={abs(dt):g} for forward, dt={-abs(dt):g} with a negative "
            "t_final for backward propagation)"
        )
    ratio = t_final / dt
    n = int(round(ratio))
    if n < 1 or abs(ratio - n) > 1e-9 * max(1.0, abs(ratio)):
        n_up = int(np.ceil(ratio))
        n_dn = max(int(np.floor(ratio)), 1)
        raise ValueError(
            f"t_final / dt = {ratio:.3f}... is not an integer: use dt = "
            f"{t_final:g}/{n_up} = {t_final / n_up:g} ({n_up} steps) or "
            f"t_final = {n_dn * dt:g} ({n_dn} steps)"
        )
    save: dict[int, float] = {}
    for s in [] if save_times is None else list(np.atleast_1d(save_times)):
        k = float(s) / dt
        kr = int(round(k))
        if abs(k - kr) > 1e-9 * max(1.0, abs(k)) or not 0 <= kr <= n:
            raise ValueError(
                f"save time {float(s):g} is not a multiple of dt={dt:g} between 0 and "
                f"t_final={t_final:g}; round it to {kr * dt:g}"
            )
        save[kr] = kr * dt
    return n, save


class _Propagator:
    """TDVP on the shared sweep driver: local Krylov steps, basis expansion, bookkeeping."""

    def __init__(self, tensors, mpo, options, *, imaginary):
        self.st = make_state(tensors, mpo, center=0)
        self.mpo = list(mpo)
        self.maxdim = options.maxdim
        self.cutoff = options.cutoff
        self.expansion = options.expansion
        self.kdim = options.krylov_dim
        self.ktol = options.krylov_tol
        self.imaginary = imaginary
        self.gse_krylov = options.gse_krylov
        self.n_matvec = 0
        self.n_unconverged = 0
        self.log_norm = 0.0
        self.n = len(tensors)
        self.dt = 0.0
        logd = np.cumsum(np.log([a.shape[1] for a in tensors]))
        # exact (untruncated) bond dimensions, capped to avoid overflow
        self.full = [int(np.exp(min(logd[i], logd[-1] - logd[i], np.log(1e9))) + 0.5)
                     for i in range(self.n - 1)]
        self.targets = [min(self.maxdim, f) for f in self.full]

    def _expm(self, op, x, tau):
        out, info = expm_krylov_info(op.matvec, x, tau, krylov_dim=self.kdim, tol=self.ktol)
        self.n_matvec += info.n_matvec
        self.n_unconverged += not info.converged
        if self.imaginary:
            nrm = float(np.linalg.norm(out))
            self.log_norm += np.log(nrm) if nrm > 0 else -np.inf
            out = out / nrm
        return out

    def _tau(self, sign):
        half = sign * self.dt / 2.0
        return -half if self.imaginary else -1j * half

    def _forward(self, theta, op, info):
        return self._expm(op, theta[0], self._tau(1.0))[None]

    def _backward(self, theta, op, info):
        return self._expm(op, theta[0], self._tau(-1.0))[None]

    def _expand(self, st, settings):
        """Global subspace expansion while some bond is below ``min(maxdim, exact)``."""
        if self.saturated():
            return
        psi = root_tensors(st, 0)
        vecs, v = [], psi
        for _ in range(self.gse_krylov):
            v = compress(mpo_apply(self.mpo, v), maxdim=2 * self.maxdim, cutoff=1e-14)
            vecs.append(v)
        expand_right_bases(st, vecs, self.targets)

    def update(self, gse):
        return LocalUpdate(self._forward, self._backward, self._expand if gse else None)

    def settings(self, two_site):
        """Sweep settings of one step: two-site steps truncate to ``maxdim``/``cutoff``;
        one-site steps keep their bonds (QR splits) unless subspace expansion is on."""
        if two_site and self.n > 1:
            return SweepSettings(nsites=2, maxdim=self.maxdim, cutoff=self.cutoff)
        if self.expansion > 0:
            return SweepSettings(nsites=1, maxdim=self.maxdim, cutoff=self.cutoff,
                                 expansion=self.expansion)
        return SweepSettings(nsites=1)

    def step(self, dt, two_site, *, gse=False, n_sub=1):
        """One (or ``n_sub``) symmetric second-order steps; returns the discarded weight."""
        self.dt = dt / n_sub
        settings = self.settings(two_site)
        disc = [0.0]

        def observe(s, st, records, settings):
            disc[0] += sum(r.discarded for r in records)

        run_sweeps(self.st, self.update(gse), lambda s, st: settings, nsweeps=n_sub,
                   observer=observe)
        return disc[0]

    # measurements -----------------------------------------------------------------------
    @property
    def tensors(self):
        return root_tensors(self.st, 0)

    def center_norm(self):
        return float(np.linalg.norm(self.st.tensors[self.st.center]))

    def normalize(self):
        c = self.st.center
        self.st.tensors[c] = self.st.tensors[c] / self.center_norm()

    def energy(self):
        st = self.st
        a = st.tensors[st.center][0]
        op = st.operator()
        return float(np.vdot(a, op.matvec(a)).real / np.vdot(a, a).real)

    def bonds(self):
        return self.st.bond_dims()

    def saturated(self):
        return all(b >= t for b, t in zip(self.bonds(), self.targets, strict=True))


def _is_real(arrays):
    return all(np.isrealobj(a) or not np.any(np.asarray(a).imag) for a in arrays)


def _prepare_observables(observables, n):
    """Observables as name -> ("mpo", arrays) | ("site", i, matrix) | ("call", f)."""
    out = {}
    if observables is None:
        return out
    if not isinstance(observables, dict):
        raise TypeError("observables must be a dict name -> quimb MPO, (site, matrix) or "
                        "callable(psi) -> number")
    for name, op in observables.items():
        if hasattr(op, "upper_ind") and hasattr(op, "L"):
            if op.L != n:
                raise ValueError(f"observable {name!r} acts on {op.L} sites, the state has {n}")
            out[name] = ("mpo", mpo_arrays(op))
        elif callable(op):
            out[name] = ("call", op)
        elif isinstance(op, tuple) and len(op) == 2:
            i, m = int(op[0]), np.asarray(op[1])
            if not 0 <= i < n:
                raise ValueError(f"observable {name!r}: site {i} outside 0..{n - 1}")
            out[name] = ("site", i, np.diag(m) if m.ndim == 1 else m)
        else:
            raise TypeError(
                f"observable {name!r} must be a quimb MPO, a (site, matrix or diagonal) "
                "tuple, or a callable(psi) -> number"
            )
    return out


def _measure(kind, tensors, cache):
    if kind[0] == "call":
        if cache[0] is None:
            cache[0] = to_quimb_mps(tensors)
        return kind[1](cache[0])
    nrm = mps_overlap(tensors, tensors).real
    if kind[0] == "mpo":
        return mps_expectation(tensors, kind[1]) / nrm
    _, i, m = kind
    ket = list(tensors)
    ket[i] = np.tensordot(m, tensors[i], axes=([1], [1])).transpose(1, 0, 2)
    return mps_overlap(tensors, ket) / nrm


def _self_overlap(tensors):
    """Unconjugated :math:`\\sum_k \\psi_k^2 = \\langle\\psi^*|\\psi\\rangle`."""
    return complex(mps_overlap([a.conj() for a in tensors], tensors))


def tdvp(H, psi0, t_final: float, *, dt: float, method: str = "gse",
         options: TDVPOptions | None = None, imaginary: bool = False,
         observables: dict | None = None, save_times: Sequence[float] | None = None,
         progress: bool = False, callback: Callable | None = None,
         energy_unit: str | None = None, **deprecated) -> TDVPResult:
    r"""Propagate an MPS in real or imaginary time with TDVP.

    Parameters
    ----------
    H : quimb.tensor.MatrixProductOperator
        Hermitian Hamiltonian (upper indices ``k{i}``, lower ``b{i}``). Not modified.
    psi0 : quimb.tensor.MatrixProductState
        Initial state (normalised internally). Not modified.
    t_final : float
        Total time (``1/energy`` units of ``H``: atomic units for molecules). Negative
        with negative ``dt`` propagates backward.
    dt : float
        Time step; ``t_final / dt`` must be a positive integer.
    method : {"gse", "adaptive", "2site", "1site"}, optional
        Integrator (see the module docstring). ``"gse"`` (default) is one-site TDVP whose
        bonds grow by global subspace expansion; ``"1site"`` keeps the bond dimensions of
        ``psi0``; ``"adaptive"`` grows them with two-site steps first.
    options : TDVPOptions, optional
        Largest bond dimension, SVD cutoff, one-site expansion, Krylov dimension and
        tolerance of the local exponentials, growth sub-steps, Krylov vectors of the
        ``"gse"`` expansion (default ``TDVPOptions()``: ``maxdim=64``,
        ``cutoff=1e-12``).
    imaginary : bool, optional
        Imaginary-time evolution :math:`e^{-H\tau}` with renormalisation (relaxation to
        the ground state); the result's ``energies`` converge to the ground energy.
    observables : dict, optional
        Name to a quimb MPO, a ``(site, matrix)`` one-site operator (a 1-D array is read
        as a diagonal, e.g. grid points for :math:`\langle q_i\rangle`), or a
        ``callable(psi) -> number``; evaluated (normalised) at every time.
    save_times : sequence of float, optional
        Times (multiples of ``dt``) at which to keep the state.
    progress : bool, optional
        Show a tqdm progress bar.
    callback : callable, optional
        ``callback(step, time, energy)`` after each step; return ``True`` to stop early.
    energy_unit : str, optional
        Unit of the energies of ``H`` (e.g. ``ham.energy_unit`` of the grid Hamiltonian
        it came from), recorded in the result.
    **deprecated
        The keywords of the former signature, accepted for one release with a
        ``DeprecationWarning``: ``maxdim``, ``cutoff``, ``expansion``, ``krylov_dim``,
        ``krylov_tol``, ``growth_substeps``, ``gse_krylov`` (fields of ``options``).

    Returns
    -------
    TDVPResult

    Raises
    ------
    ValueError
        Bad ``t_final``/``dt`` (message says how to fix), unknown ``method``, ``H``
        and ``psi0`` of different lengths or physical dimensions.

    Examples
    --------
    >>> import numpy as np, quimb.tensor as qtn
    >>> H = qtn.MPO_ham_heis(4, j=1.0)
    >>> psi0 = qtn.MPS_computational_state("0101")
    >>> res = tdvp(H, psi0, 1.0, dt=0.1, options=TDVPOptions(maxdim=16))
    >>> bool(abs(res.energies[-1] - res.energies[0]) < 1e-8), res.times.size
    (True, 11)
    """
    options = fold_keywords("tdvp", deprecated, [
        Group("options", options, TDVPOptions(), _OPTION_KEYS)])["options"] or TDVPOptions()
    if method not in TDVP_METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {TDVP_METHODS}")
    n_steps, save_steps = time_grid(t_final, dt, save_times)
    W, A, norm0, real_problem = _prepare_arrays(H, psi0, imaginary)
    obs = _prepare_observables(observables, len(A))

    t_start = _time.perf_counter()
    pr = _Propagator(A, W, options, imaginary=bool(imaginary))
    if method == "1site" and options.expansion == 0.0 and not pr.saturated():
        import warnings

        warnings.warn(
            f"method='1site' keeps the bond dimensions {pr.bonds()} of psi0, below "
            f"min(maxdim, exact) = {pr.targets}; use method='gse' or 'adaptive' (or "
            "expansion > 0) to let them grow", RuntimeWarning,
            stacklevel=2)
    rec = _Recorder(pr, A, obs, save_steps, real_problem, imaginary)
    plan = _Plan(method, options.growth_substeps)
    bar = _progress_bar(n_steps) if progress else None
    for step in range(1, n_steps + 1):
        two_site, gse, n_sub, label = plan.next(pr)
        pr.log_norm = 0.0
        rec.trunc.append(pr.step(float(dt), two_site, gse=gse, n_sub=n_sub))
        rec.methods.append(label)
        rec.after_step(step, step * float(dt))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(E=f"{rec.energies[-1]:.8g}", D=rec.max_bond[-1], m=label)
        if callback is not None and callback(step, step * float(dt), rec.energies[-1]):
            break
    if bar is not None:
        bar.close()
    info = {"method": method, "dt": float(dt), **options.as_dict(), "initial_norm": norm0,
            "unconverged_exponentials": pr.n_unconverged}
    return rec.result(_time.perf_counter() - t_start, energy_unit=energy_unit, info=info)


def _prepare_arrays(H, psi0, imaginary):
    """MPO and normalised MPS arrays of the working dtype: (W, A, norm0, real_problem)."""
    if H.L != psi0.L:
        raise ValueError(f"H has {H.L} sites but psi0 has {psi0.L}; they must match")
    W = mpo_round(mpo_arrays(H))
    A = mps_arrays(psi0)
    for i, (w, a) in enumerate(zip(W, A, strict=True)):
        if w.shape[2] != a.shape[1] or w.shape[3] != a.shape[1]:
            raise ValueError(
                f"site {i}: H has physical dimensions {w.shape[2:]}, psi0 {a.shape[1]}; "
                "build both on the same grids"
            )
    real_problem = _is_real(W) and _is_real(A) and not imaginary
    dtype = np.result_type(*W, *A, float)
    if not imaginary:
        dtype = np.result_type(dtype, complex)
    A = [np.asarray(a, dtype=dtype) for a in A]
    norm0 = float(np.sqrt(abs(mps_overlap(A, A))))
    if not norm0 > 0:
        raise ValueError("psi0 has zero norm")
    A[0] = A[0] / norm0
    return W, A, norm0, real_problem


class _Plan:
    """Which integrator each step uses: (two_site, gse, n_sub, label)."""

    def __init__(self, method, growth_substeps):
        self.method = method
        self.two_site = method in ("2site", "adaptive")
        self.growth_substeps = growth_substeps

    def next(self, pr):
        if self.method == "adaptive" and self.two_site and pr.saturated():
            self.two_site = False
        growing = not pr.saturated()
        gse = self.method == "gse" and growing
        grows_here = self.two_site or self.method == "gse"
        n_sub = self.growth_substeps if grows_here and growing else 1
        label = "2site" if self.two_site else ("gse" if gse else "1site")
        return self.two_site, gse, n_sub, label


def _progress_bar(n_steps):
    from tqdm.auto import tqdm

    return tqdm(total=n_steps, desc="tdvp", unit="step", disable=None)


class _Recorder:
    """Measurements at every time: C(t), C(2t), energy, norm, bonds, observables, states."""

    def __init__(self, pr, A, obs, save_steps, real_problem, imaginary):
        self.pr = pr
        self.ref = [a.copy() for a in A]
        self.obs = obs
        self.save_steps = save_steps
        self.real_problem = real_problem
        self.imaginary = imaginary
        self.times = [0.0]
        self.auto = [1.0 + 0.0j]
        self.auto2 = [_self_overlap(pr.tensors)] if real_problem else None
        self.energies = [pr.energy()]
        self.norms = [1.0]
        self.trunc: list[float] = []
        self.max_bond = [max(pr.bonds(), default=1)]
        self.methods: list[str] = []
        self.obs_vals: dict[str, list] = {k: [] for k in obs}
        self.states = {}
        self._measure(0, pr.tensors)

    def _measure(self, step, tensors):
        cache = [None]
        for k, kind in self.obs.items():
            self.obs_vals[k].append(_measure(kind, tensors, cache))
        if step in self.save_steps:
            self.states[self.save_steps[step]] = to_quimb_mps(tensors)

    def after_step(self, step, t):
        pr = self.pr
        nrm = pr.center_norm()
        self.norms.append(float(np.exp(pr.log_norm)) * nrm if self.imaginary else nrm)
        pr.normalize()
        tensors = pr.tensors
        self.times.append(t)
        self.energies.append(pr.energy())
        self.auto.append(complex(mps_overlap(self.ref, tensors)))
        if self.real_problem:
            self.auto2.append(_self_overlap(tensors))
        self.max_bond.append(max(pr.bonds(), default=1))
        self._measure(step, tensors)

    def result(self, wall_time, *, energy_unit, info):
        times = np.asarray(self.times)
        real = self.real_problem
        return TDVPResult(
            times=times,
            autocorrelation=np.asarray(self.auto, dtype=complex),
            times_2t=2.0 * times if real else None,
            autocorrelation_2t=np.asarray(self.auto2, dtype=complex) if real else None,
            energies=np.asarray(self.energies),
            norms=np.asarray(self.norms),
            truncation_errors=np.asarray(self.trunc),
            max_bond=np.asarray(self.max_bond, dtype=int),
            methods=self.methods,
            observables={k: np.asarray(v) for k, v in self.obs_vals.items()},
            states=self.states,
            final_state=to_quimb_mps(self.pr.tensors),
            imaginary=bool(self.imaginary),
            n_matvec=self.pr.n_matvec,
            wall_time=wall_time,
            energy_unit=energy_unit,
            converged=self.pr.n_unconverged == 0,
            info=info,
        )
