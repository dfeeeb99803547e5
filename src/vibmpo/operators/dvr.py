r"""Discrete variable representations (DVR) of one vibrational coordinate.

A DVR is a set of grid points :math:`q_s` and the matrix of the kinetic operator
:math:`\hat T = -\tfrac12\, d^2/dq^2` (unit mass: mass-weighted coordinates,
:math:`\hbar = 1`) in the basis of functions localised at those points. Potentials
are diagonal in a DVR: :math:`V_{st} \approx V(q_s)\,\delta_{st}`.

Two DVRs are offered:

* **Harmonic-oscillator DVR** (``kind="ho"``): the points are the eigenvalues of the
  position operator in the first ``n`` eigenfunctions of
  :math:`-\tfrac12 d^2/dq^2 + \tfrac12\omega^2 (q-c)^2` (the Gauss--Hermite nodes
  scaled by :math:`1/\sqrt\omega` and shifted by :math:`c`). The kinetic matrix is
  the exact basis matrix :math:`\langle m|\hat T|k\rangle =
  \tfrac\omega4[(2k+1)\delta_{mk} - \sqrt{(k+1)(k+2)}\,\delta_{m,k+2} -
  \sqrt{k(k-1)}\,\delta_{m,k-2}]` transformed to the DVR, so the harmonic potential
  :math:`\tfrac12\omega^2 (q-c)^2` on the grid reproduces :math:`(k+\tfrac12)\omega`
  exactly for :math:`k < n-1`, plus one spurious level :math:`(3n-2)\omega/4` (from the
  truncated position operator), which lies above the exact ones only for ``n <= 4``.
* **Sine DVR** (``kind="sine"``, Colbert--Miller particle in a box): ``n`` equally
  spaced interior points of :math:`(q_{min}, q_{max})`; the kinetic matrix is exact
  in the box eigenfunctions :math:`\sin(k\pi (q-q_{min})/L)`, :math:`k=1..n`.

Grid specifications (strings, one per mode or one for all, comma-separated):
``ho:N`` (frequency and centre chosen from the potential), ``ho:N:omega`` (frequency
``omega`` in cm^-1 for NN-MPO potentials, in the force field's own unit for force
fields; centre from the potential), ``ho:N:omega:centre`` (everything explicit;
centre in mass-weighted atomic units or the force field's coordinates) and
``sine:N:qmin:qmax``.

Examples
--------
>>> g = ho_grid(6, omega=2.0)
>>> g.points.shape, g.kinetic.shape
((6,), (6, 6))
>>> import numpy as np
>>> h = g.kinetic + np.diag(0.5 * 2.0**2 * g.points**2)
>>> np.round(np.linalg.eigvalsh(h)[:4], 12).tolist()
[1.0, 3.0, 5.0, 7.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "GRID_KINDS",
    "Grid",
    "GridSpec",
    "ho_grid",
    "sine_grid",
    "parse_grid_spec",
    "dvr_functions",
]

#: Supported DVR kinds.
GRID_KINDS = ("ho", "sine")


@dataclass(frozen=True, eq=False)
class Grid:
    """A one-dimensional DVR: points and kinetic matrix of :math:`-\\tfrac12 d^2/dq^2`.

    Attributes
    ----------
    kind : str
        ``"ho"`` or ``"sine"``.
    points : ndarray (d,)
        Grid points, ascending.
    kinetic : ndarray (d, d)
        Symmetric matrix of :math:`-\\tfrac12 d^2/dq^2` (unit mass) in the DVR basis.
    params : dict
        Parameters: ``omega``, ``center`` (HO) or ``qmin``, ``qmax`` (sine).

    Examples
    --------
    >>> g = sine_grid(3, 0.0, 4.0)
    >>> g.points.tolist(), g.size
    ([1.0, 2.0, 3.0], 3)
    """

    kind: str
    points: np.ndarray
    kinetic: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of grid points ``d``."""
        return int(self.points.shape[0])

    def quadrature_weights(self) -> np.ndarray:
        r"""Weights :math:`w_s` of the grid's quadrature,
        :math:`\int f(q)\,dq \approx \sum_s w_s f(q_s)`: the Gauss--Hermite weights times
        :math:`e^{x_s^2}/\sqrt\omega` (HO), the spacing (sine). A DVR function is
        :math:`\chi_s(q_t) = \pm\delta_{st}/\sqrt{w_s}`, so a state's grid amplitudes
        are :math:`\sqrt{w_s}\,\psi(q_s)`.

        Examples
        --------
        >>> g = ho_grid(12, omega=2.0)
        >>> round(float(g.quadrature_weights() @ np.exp(-2.0 * g.points**2)), 10)
        1.2533141373
        >>> sine_grid(4, 0.0, 5.0).quadrature_weights().tolist()  # the spacing
        [1.0, 1.0, 1.0, 1.0]
        """
        if self.kind == "sine":
            return np.full(self.size, (self.params["qmax"] - self.params["qmin"])
                           / (self.size + 1))
        if self.kind != "ho":
            raise ValueError(f"unknown grid kind {self.kind!r}; expected one of {GRID_KINDS}")
        omega, center = float(self.params["omega"]), float(self.params.get("center", 0.0))
        x, w = np.polynomial.hermite.hermgauss(self.size)
        if not np.allclose(center + x / np.sqrt(omega), self.points, rtol=1e-8, atol=1e-10):
            raise ValueError(f"the points of this HO grid are not the Gauss-Hermite nodes "
                             f"for omega={omega:g}, centre {center:g}; build it with ho_grid")
        return w * np.exp(x * x) / np.sqrt(omega)

    def basis_signs(self) -> np.ndarray:
        r"""Signs :math:`\mathrm{sign}\,\chi_s(q_s)` of the DVR functions at their own
        points (a DVR fixes each function only up to its sign; the kinetic matrix carries
        the choice).

        Read off the ground state of the grid's reference problem, positive everywhere:
        the oscillator :math:`T + \tfrac12\omega^2(q-c)^2` (HO) or the box :math:`T`
        (sine).

        Examples
        --------
        >>> sine_grid(4, 0.0, 1.0).basis_signs().tolist()
        [1.0, 1.0, 1.0, 1.0]
        >>> bool(np.all(np.abs(ho_grid(7, 1.5).basis_signs()) == 1.0))
        True
        """
        h = np.array(self.kinetic, dtype=np.float64)
        if self.kind == "ho":
            omega, center = float(self.params["omega"]), float(self.params.get("center", 0.0))
            h += np.diag(0.5 * omega**2 * (self.points - center) ** 2)
        ground = np.linalg.eigh(h)[1][:, 0]
        signs = np.sign(ground * np.sign(ground[np.argmax(np.abs(ground))]))
        signs[signs == 0] = 1.0
        return signs


def _check_n(n) -> int:
    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise ValueError(f"the number of grid points must be a positive integer, got {n!r}")
    return int(n)


def ho_grid(n: int, omega: float, center: float = 0.0) -> Grid:
    r"""Harmonic-oscillator (Gauss--Hermite) DVR with ``n`` points.

    Parameters
    ----------
    n : int
        Number of points (= number of oscillator functions).
    omega : float
        Frequency of the underlying oscillator :math:`\tfrac12\omega^2(q-c)^2` (unit mass,
        in the Hamiltonian's energy unit); sets the spacing, about
        :math:`\pi/\sqrt{2n\omega}` near the centre.
    center : float
        Centre :math:`c` of the grid.

    Returns
    -------
    Grid

    Examples
    --------
    >>> g = ho_grid(3, 1.0)
    >>> np.round(g.points**2, 12).tolist()
    [1.5, 0.0, 1.5]
    """
    n = _check_n(n)
    omega = float(omega)
    center = float(center)
    if not (math.isfinite(omega) and omega > 0):
        raise ValueError(f"HO-DVR frequency omega must be positive and finite, got {omega}")
    if not math.isfinite(center):
        raise ValueError(f"HO-DVR centre must be finite, got {center}")
    k = np.arange(n, dtype=np.float64)
    # position operator in the oscillator basis (dimensionless), x = (a + a^dagger)/sqrt(2)
    off = np.sqrt(k[1:] / 2.0)
    x = np.diag(off, 1) + np.diag(off, -1)
    xi, vec = np.linalg.eigh(x)
    # exact kinetic matrix elements in the oscillator basis
    t_fbr = np.diag((2.0 * k + 1.0) * omega / 4.0)
    if n > 2:
        o2 = -np.sqrt((k[:-2] + 1.0) * (k[:-2] + 2.0)) * omega / 4.0
        t_fbr += np.diag(o2, 2) + np.diag(o2, -2)
    kin = vec.T @ t_fbr @ vec
    kin = 0.5 * (kin + kin.T)
    points = center + xi / math.sqrt(omega)
    points = 0.5 * (points - points[::-1]) + center if n > 1 else points  # exact symmetry
    return Grid("ho", points, kin, {"omega": omega, "center": center})


def sine_grid(n: int, qmin: float, qmax: float) -> Grid:
    r"""Sine (Colbert--Miller, particle-in-a-box) DVR with ``n`` interior points.

    Points :math:`q_j = q_{min} + jL/(n+1)`, :math:`j = 1..n`, :math:`L = q_{max}-q_{min}`;
    kinetic matrix
    :math:`T_{jl} = \tfrac{1}{n+1}\sum_{k=1}^{n} (k\pi/L)^2 \sin(k\pi j/(n+1))
    \sin(k\pi l/(n+1))`.

    Examples
    --------
    >>> g = sine_grid(4, -1.0, 1.0)
    >>> np.allclose(g.kinetic, g.kinetic.T)
    True
    """
    n = _check_n(n)
    qmin, qmax = float(qmin), float(qmax)
    if not (math.isfinite(qmin) and math.isfinite(qmax) and qmax > qmin):
        raise ValueError(f"sine DVR needs finite qmin < qmax, got qmin={qmin}, qmax={qmax}")
    length = qmax - qmin
    j = np.arange(1, n + 1, dtype=np.float64)
    s = np.sqrt(2.0 / (n + 1)) * np.sin(np.pi * np.outer(j, j) / (n + 1))
    kin = s @ np.diag(0.5 * (j * np.pi / length) ** 2) @ s.T
    kin = 0.5 * (kin + kin.T)
    points = qmin + j * length / (n + 1)
    return Grid("sine", points, kin, {"qmin": qmin, "qmax": qmax})


@dataclass(frozen=True)
class GridSpec:
    """A parsed (possibly incomplete) grid request for one mode.

    ``omega`` and ``center`` of an HO grid may be ``None``: they are then chosen from
    the potential (see :func:`vibmpo.operators.hamiltonian.grid_hamiltonian`).
    :func:`~vibmpo.operators.hamiltonian.grid_hamiltonian` reads ``omega`` as a
    frequency in cm-1 for NN-MPO potentials and in the force field's own energy unit
    for force fields; :meth:`resolve` takes it as the unit-mass grid parameter.

    Examples
    --------
    >>> GridSpec("ho", 9).resolve(omega=2.0, center=0.0).params["omega"]
    2.0
    """

    kind: str
    n: int
    omega: float | None = None
    center: float | None = None
    qmin: float | None = None
    qmax: float | None = None

    def resolve(self, *, omega: float | None = None, center: float | None = None) -> Grid:
        """Build the grid; ``omega``/``center`` fill in the parameters left open."""
        if self.kind == "sine":
            return sine_grid(self.n, self.qmin, self.qmax)
        om = self.omega if self.omega is not None else omega
        c = self.center if self.center is not None else center
        if om is None:
            raise ValueError("HO grid needs a frequency: give ho:N:omega or a potential")
        return ho_grid(self.n, om, 0.0 if c is None else c)


def _parse_one(item: str) -> GridSpec:
    parts = [p.strip() for p in item.strip().split(":")]
    kind = parts[0].lower()
    usage = ("use ho:N, ho:N:omega, ho:N:omega:centre or sine:N:qmin:qmax "
             "(comma-separated per mode)")
    if kind not in GRID_KINDS:
        raise ValueError(f"unknown grid kind {parts[0]!r} in {item!r}; {usage}")
    try:
        n = int(parts[1]) if len(parts) > 1 else None
        nums = [float(p) for p in parts[2:]]
    except ValueError:
        raise ValueError(f"cannot read numbers in grid spec {item!r}; {usage}") from None
    if n is None or n < 1:
        raise ValueError(f"grid spec {item!r} needs a positive number of points; {usage}")
    if kind == "ho":
        if len(nums) > 2:
            raise ValueError(f"too many fields in grid spec {item!r}; {usage}")
        omega = nums[0] if nums else None
        center = nums[1] if len(nums) > 1 else None
        if omega is not None and not (math.isfinite(omega) and omega > 0):
            raise ValueError(f"HO frequency must be positive in {item!r}")
        return GridSpec("ho", n, omega=omega, center=center)
    if len(nums) != 2:
        raise ValueError(f"sine grid spec {item!r} needs exactly qmin and qmax; {usage}")
    if not nums[1] > nums[0]:
        raise ValueError(f"sine grid spec {item!r} needs qmin < qmax")
    return GridSpec("sine", n, qmin=nums[0], qmax=nums[1])


def parse_grid_spec(spec: str, n_modes: int) -> tuple[GridSpec, ...]:
    """Parse a grid specification into one :class:`GridSpec` per mode.

    Parameters
    ----------
    spec : str
        ``"ho:N"``, ``"ho:N:omega[:centre]"``, ``"sine:N:qmin:qmax"``; one item for all
        modes or a comma-separated item per mode.
    n_modes : int
        Number of modes.

    Raises
    ------
    ValueError
        Unknown kind, unreadable numbers, or a per-mode list of the wrong length.

    Examples
    --------
    >>> [s.n for s in parse_grid_spec("ho:9", 3)]
    [9, 9, 9]
    >>> parse_grid_spec("ho:5:1200,sine:20:-30:30", 2)[1].qmax
    30.0
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"grid spec must be a non-empty string like 'ho:9', got {spec!r}")
    items = [s for s in spec.split(",")]
    parsed = tuple(_parse_one(s) for s in items)
    if len(parsed) == 1:
        return parsed * int(n_modes)
    if len(parsed) != n_modes:
        raise ValueError(
            f"grid spec {spec!r} lists {len(parsed)} grids but the Hamiltonian has {n_modes} "
            "modes; give one spec for all modes or exactly one per mode"
        )
    return parsed


def dvr_functions(grid: Grid, q) -> np.ndarray:
    r"""The DVR basis functions :math:`\chi_k(q)` of a grid at the points ``q``.

    For a DVR built on orthonormal functions :math:`\phi_n` (harmonic oscillator
    functions of the grid's frequency and centre, or particle-in-a-box sines),

    .. math::

        \chi_k(q) = \frac{\sum_n \phi_n(q_k)\, \phi_n(q)}
                         {\sqrt{\sum_n \phi_n(q_k)^2}},
        \qquad \chi_k(q_j) = \delta_{kj} / \sqrt{w_j},

    orthonormal, so a one-mode density matrix :math:`\rho_{kl}` on the grid is the smooth
    density :math:`\rho(q) = \sum_{kl} \chi_k(q)\, \rho_{kl}\, \chi_l(q)`.

    Returns
    -------
    ndarray (len(q), n)

    Examples
    --------
    >>> g = ho_grid(6, 2.0, 0.5)
    >>> chi = dvr_functions(g, g.points)
    >>> bool(np.allclose(chi, np.diag(np.diag(chi))))
    True
    >>> q = np.linspace(-6.0, 7.0, 4001)
    >>> overlap = dvr_functions(g, q).T @ dvr_functions(g, q) * (q[1] - q[0])
    >>> bool(np.allclose(overlap, np.eye(6), atol=1e-8))
    True
    """
    q = np.asarray(q, dtype=np.float64).reshape(-1)
    n = grid.size

    def fbr(x):  # (len(x), n) values of the underlying orthonormal functions
        if grid.kind == "ho":
            om, c = float(grid.params["omega"]), float(grid.params["center"])
            xi = math.sqrt(om) * (x - c)
            out = np.zeros((x.size, n))
            out[:, 0] = (om / math.pi) ** 0.25 * np.exp(-0.5 * xi * xi)
            if n > 1:
                out[:, 1] = math.sqrt(2.0) * xi * out[:, 0]
            for k in range(1, n - 1):
                out[:, k + 1] = (math.sqrt(2.0 / (k + 1)) * xi * out[:, k]
                                 - math.sqrt(k / (k + 1)) * out[:, k - 1])
            return out
        if grid.kind == "sine":
            lo, hi = float(grid.params["qmin"]), float(grid.params["qmax"])
            m = np.arange(1, n + 1)
            inside = (x >= lo) & (x <= hi)
            vals = math.sqrt(2.0 / (hi - lo)) * np.sin(np.outer(x - lo, m) * math.pi / (hi - lo))
            return vals * inside[:, None]
        raise ValueError(f"no basis functions for a grid of kind {grid.kind!r}")

    at_points = fbr(np.asarray(grid.points, dtype=np.float64))  # (n_points, n)
    norm = np.sqrt(np.sum(at_points**2, axis=1))
    return fbr(q) @ at_points.T / norm
