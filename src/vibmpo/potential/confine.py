r"""Hole-free NN-MPO potentials: a clamped basis, a first-order band and a harmonic wall
outside a certified box.

Far outside its training data an NN-MPO extrapolates; products of growing basis
functions can take it far below its minimum ("holes"), and a grid that reaches there
gives wrong levels. :func:`confine` makes a potential hole-free by construction. With
a box :math:`B = \prod_i [l_i, h_i]` in the latent coordinates :math:`q = xU` (the
training data's ranges, shrunk towards the minimum if needed), :math:`p = \mathrm{clip}(q,
l, h)` and the excursion :math:`\delta_i = q_i - p_i`, the confined potential is

.. math::

    V_B(q) = V(p) + \sum_i \tilde\delta_i\, \partial_i V(p) + \sum_i k_i\, \delta_i^2,
    \qquad \tilde\delta_i = \mathrm{clip}(\delta_i, -\beta_i^-, \beta_i^+),

with :math:`k_i = \tfrac12 \partial^2 V/\partial q_i^2` at the minimum. Inside :math:`B`
nothing changes (:math:`V_B = V`). Just outside, within a band of width
:math:`\beta_i^\pm` (up to 10 % of the box's width, per face), the potential continues
to first order from the face plus the harmonic wall, which follows the true surface
closely where data are sparse but real (validation points a little beyond the training
data); beyond the band the first-order term is frozen and only the wall grows. Each
term is a sum over modes of per-mode functions, so :math:`V_B` is again a tensor train
over per-mode functions: basis ``[phi(p), delta phi'(p), w(q)]`` per mode, ranks
:math:`2r + 2` (they compress back to :math:`r` on grids inside the box).

**Guarantee.** For every point :math:`q`, however far out,
:math:`V_B(q) \ge V_B(\mathrm{clip}(q, l - \beta^-, h + \beta^+))`: the lowest value of
the potential on *any* grid is at least its lowest value on the box widened by the
bands, :math:`E`. :func:`confine` certifies :math:`E`: it evaluates :math:`V_B` at
every point of a product grid of :math:`E` (the faces of :math:`B` and :math:`E` and
equally spaced points between; about :data:`CERT_POINTS` points in all) and, while

.. math::

    \min_{\mathrm{cert.\ grid}(E)} V_B \;\ge\; V_\mathrm{min} - \tau

fails, narrows the bands of the faces beyond which the lowest point lies (10 %, 5 %,
2 %, 0), then shrinks the box (:math:`B_t = c + t(B - c)`, ``t`` down by ``shrink_step``),
with :math:`V_\mathrm{min}` the minimum near the origin and :math:`\tau` the tolerance
(default :math:`10^{-6}` of the potential's spread on the grid, the rule of
:func:`vibmpo.operators.gridcheck.check_grid`). The certificate is exact on that grid,
not a proof for points between its nodes: a hole narrower than its spacing inside
:math:`E` could escape it (the grid check still evaluates every point of the grid
actually used, and refuses it). A box that cannot be certified before ``t`` falls
below ``min_shrink`` is stored uncertified (``certified`` False, a warning), and the
grid check then treats the model like an unconfined one. With a certified box, the
grid check no longer refuses grids for reaching beyond the training data.

Validation points beyond the box (outside the training data) are where the confined
model differs from the raw extrapolation: there it is the first-order continuation,
held, plus the wall, not the raw network.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, replace

import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo.linalg.tt import chain_derivatives, direct_sum
from vibmpo.potential.basis import basis_values

__all__ = ["BANDS", "CERT_POINTS", "Confinement", "ConfinementWarning", "box_minimum", "confine"]

#: About the largest number of points of the certification grid (``points ** f``).
CERT_POINTS = 2_000_000
#: Floats held at once while evaluating a grid (rows times bond rank).
_CHUNK_FLOATS = 4_000_000
#: Widths of the band of first-order continuation tried beyond each face, as fractions
#: of the box's width (largest first).
BANDS = (0.1, 0.05, 0.02, 0.0)


class ConfinementWarning(UserWarning):
    """The box of a confined potential could not be certified hole-free.

    Examples
    --------
    >>> issubclass(ConfinementWarning, UserWarning)
    True
    """


@dataclass(frozen=True)
class Confinement:
    r"""Box, wall and certificate of a confined NN-MPO (see the module docstring).

    Attributes
    ----------
    lo, hi : ndarray (f,)
        The box :math:`B` in latent coordinates.
    slope, curvature : ndarray (2, f)
        Wall coefficients :math:`s_i^\pm \ge 0`, :math:`k_i^\pm \ge 0` at the lower (row 0)
        and upper (row 1) face, in the model's energy unit per :math:`\sqrt{m_e}a_0` and
        per :math:`(\sqrt{m_e}a_0)^2`.
    minimum : float
        :math:`V_\mathrm{min}`, the potential's minimum near the origin (model unit).
    floor : float
        Lowest value of the unconfined potential on the certification grid of the box.
    tolerance : float
        :math:`\tau` of the certificate (model unit).
    shrink : float
        ``t``: the box is the data box shrunk by this factor towards the minimum.
    points : int
        Points per mode of the certification grid.
    source : str
        Where the box comes from (the data region's source).
    band : ndarray (2, f), optional
        Widths of the first-order bands beyond the lower (row 0) and upper (row 1) faces.
    reason : str
        Why the box cannot be certified whatever the grid says (a Δ-learned potential
        whose baseline may fall outside the box, :mod:`vibmpo.potential.confine_delta`);
        empty when the certificate is the grid's alone.

    Examples
    --------
    >>> c = Confinement(lo=np.array([-1.0]), hi=np.array([1.0]), slope=np.zeros((2, 1)),
    ...                 curvature=np.full((2, 1), 0.5), minimum=0.0, floor=0.0,
    ...                 tolerance=1e-9, points=9)
    >>> c.certified, c.wall(np.array([[0.5], [3.0]])).tolist()
    (True, [0.0, 2.0])
    """

    lo: np.ndarray
    hi: np.ndarray
    slope: np.ndarray
    curvature: np.ndarray
    minimum: float
    floor: float
    tolerance: float
    shrink: float = 1.0
    points: int = 0
    source: str = ""
    band: np.ndarray | None = None
    reason: str = ""

    def __post_init__(self):
        lo = as_finite_array(self.lo, "lo", ndim=1)
        hi = as_finite_array(self.hi, "hi", shape=lo.shape)
        s = as_finite_array(self.slope, "slope", shape=(2, lo.size))
        k = as_finite_array(self.curvature, "curvature", shape=(2, lo.size))
        band = np.zeros((2, lo.size)) if self.band is None else as_finite_array(
            self.band, "band", shape=(2, lo.size))
        if np.any(hi < lo):
            raise ValueError("the box of a confinement needs hi >= lo in every mode")
        if np.any(k < 0) or np.any(s < 0) or np.any(band < 0):
            raise ValueError(f"wall slopes, curvatures and bands must be >= 0, got {s}, {k}, "
                             f"{band}")
        for name, val in (("lo", lo), ("hi", hi), ("slope", s), ("curvature", k),
                          ("band", band)):
            object.__setattr__(self, name, val)
        for name in ("minimum", "floor", "tolerance", "shrink"):
            v = float(getattr(self, name))
            if not math.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v}")
            object.__setattr__(self, name, v)
        object.__setattr__(self, "points", int(self.points))
        object.__setattr__(self, "source", str(self.source))
        object.__setattr__(self, "reason", str(self.reason))

    @property
    def n_modes(self) -> int:
        """Number of latent modes."""
        return int(self.lo.size)

    @property
    def certified(self) -> bool:
        """Whether the box passed the certificate ``floor >= minimum - tolerance`` (and
        nothing else rules it out: ``reason`` is empty)."""
        return not self.reason and bool(self.floor >= self.minimum - self.tolerance)

    def _wall_column(self, mode, q, deriv):
        lo, hi = self.lo[mode], self.hi[mode]
        (s0, s1), (k0, k1) = self.slope[:, mode], self.curvature[:, mode]
        dl, dh = np.maximum(lo - q, 0.0), np.maximum(q - hi, 0.0)
        if deriv == 0:
            return s0 * dl + k0 * dl * dl + s1 * dh + k1 * dh * dh
        if deriv == 1:
            return -(s0 + 2.0 * k0 * dl) * (q < lo) + (s1 + 2.0 * k1 * dh) * (q > hi)
        return 2.0 * k0 * (q < lo) + 2.0 * k1 * (q > hi)

    def wall(self, q) -> np.ndarray:
        r"""The wall :math:`\sum_i w_i(q_i)` at latent points ``q`` (m, f) -> (m,).

        Examples
        --------
        >>> c = Confinement(lo=np.zeros(2), hi=np.ones(2), slope=np.ones((2, 2)),
        ...                 curvature=np.ones((2, 2)), minimum=0, floor=0, tolerance=0)
        >>> c.wall(np.array([[0.5, 0.5], [2.0, -1.0]])).tolist()
        [0.0, 4.0]
        """
        q = np.asarray(q, dtype=np.float64)
        return sum(self._wall_column(i, q[:, i], 0) for i in range(self.n_modes))

    def grid_basis(self, mode: int, q, deriv: int, raw) -> np.ndarray:
        r"""Basis of mode ``mode`` of the confined potential at points ``q`` (m,), shape
        (m, 2N + 1): the unconfined basis at the clipped point :math:`p = \mathrm{clip}(q)`,
        the first-order continuation :math:`\tilde\delta\,\phi'(p)` with the excursion
        :math:`\delta = q - p` capped at the band, :math:`|\tilde\delta| \le \beta`, and
        the wall :math:`w(q)`; or their ``deriv``-th derivatives (``deriv`` in {0, 1, 2}).
        ``raw(q, k)`` gives the unconfined basis (m, N) and its k-th derivative. These are
        the functions of the cores :meth:`extended_cores` returns.

        Examples
        --------
        >>> c = Confinement(lo=np.zeros(1), hi=np.ones(1), slope=np.zeros((2, 1)),
        ...                 curvature=np.ones((2, 1)), minimum=0, floor=0, tolerance=0,
        ...                 band=np.array([[0.5], [0.5]]))
        >>> raw = lambda q, d: np.stack([np.ones_like(q) * (d == 0),
        ...                              q ** 2 if d == 0 else 2 * q if d == 1 else 2 + 0 * q], 1)
        >>> c.grid_basis(0, np.array([0.5, 1.25, 3.0]), 0, raw).tolist()
        [[1.0, 0.25, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.5, 0.0625], [1.0, 1.0, 0.0, 1.0, 4.0]]
        """
        q = np.asarray(q, dtype=np.float64).reshape(-1)
        lo, hi = self.lo[mode], self.hi[mode]
        t0, t1 = self.band[:, mode]
        p = np.clip(q, lo, hi)
        inside = (q >= lo) & (q <= hi)
        delta = np.clip(q - p, -t0, t1)
        if deriv == 0:
            base = np.asarray(raw(p, 0), dtype=np.float64)
            first = delta[:, None] * np.asarray(raw(p, 1), dtype=np.float64)
        else:
            base = np.asarray(raw(p, deriv), dtype=np.float64) * inside[:, None]
            if deriv == 1:
                moving = ((q > hi) & (q < hi + t1)) | ((q < lo) & (q > lo - t0))
                first = np.asarray(raw(p, 1), dtype=np.float64) * moving[:, None]
            else:
                first = np.zeros_like(base)
        col = self._wall_column(mode, q, int(deriv))
        return np.concatenate([base, first, col[:, None]], axis=1)

    def energy(self, model, q) -> np.ndarray:
        """The confined potential of ``model`` at latent points ``q`` (m, f).

        Examples
        --------
        >>> from vibmpo.potential.arrays import NNMPOArrays
        >>> m = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("silu",),
        ...                 cores=(np.array([[[0.0], [1.0]]]),))
        >>> c = Confinement(lo=-np.ones(1), hi=np.ones(1), slope=np.zeros((2, 1)),
        ...                 curvature=np.ones((2, 1)), minimum=0, floor=0, tolerance=0)
        >>> c.energy(m, np.array([[0.5], [3.0]])).round(4).tolist()
        [0.3112, 4.7311]
        """
        q = np.asarray(q, dtype=np.float64)
        cores = self.extended_cores(model.cores, model.scale)
        v = np.ones((q.shape[0], 1))
        for i, core in enumerate(cores):
            phi = self.grid_basis(i, q[:, i], 0, _numpy_raw(model, i))
            v = np.einsum("ma,arb,mr->mb", v, core, phi, optimize=True)
        return model.offset + model.scale * v[:, 0]

    def extended_cores(self, cores, scale: float) -> tuple[np.ndarray, ...]:
        r"""Cores on the basis of :meth:`grid_basis` (``2N + 1`` functions per mode)
        whose tensor train, times ``scale``, is the confined potential minus its offset.

        The first-order part :math:`V + \sum_i \tilde\delta_i \partial_i V` has bonds
        (no derivative taken yet, one taken), twice the model's ranks. The wall
        :math:`\sum_i w_i(q_i)` is the rank-2 train with cores
        :math:`[1,\ w_1]`, :math:`\begin{pmatrix}1 & w_i\\ 0 & 1\end{pmatrix}`,
        :math:`[w_f;\ 1]` (coefficients :math:`1/s`), joined to the model's cores by a
        direct sum (:func:`vibmpo.linalg.tt.direct_sum`).

        Examples
        --------
        >>> c = Confinement(lo=np.zeros(2), hi=np.ones(2), slope=np.zeros((2, 2)),
        ...                 curvature=np.ones((2, 2)), minimum=0, floor=0, tolerance=0)
        >>> [x.shape for x in c.extended_cores([np.ones((1, 2, 3)), np.ones((3, 2, 1))], 1.0)]
        [(1, 5, 8), (8, 5, 1)]
        """
        cores = [np.asarray(c, dtype=np.float64) for c in cores]
        f = len(cores)
        if f != self.n_modes:
            raise ValueError(f"the confinement has {self.n_modes} modes, the model {f}")
        if not scale:
            raise ValueError("a confined model needs a non-zero scale")
        n = cores[0].shape[1]
        if f == 1:
            (w,) = _first_order_cores(cores)
            w[0, -1, 0] += 1.0 / float(scale)
            return (w,)
        return direct_sum(_first_order_cores(cores), _wall_cores(f, 2 * n + 1, 1.0 / scale))


def _first_order_cores(cores):
    """Cores over [phi, delta phi', wall] of V + sum_i delta_i dV/dq_i (wall column 0):
    bonds (no derivative taken yet, one taken), ranks doubled."""
    f = len(cores)
    n = cores[0].shape[1]
    nb = 2 * n + 1
    out = []
    for i, c in enumerate(cores):
        a, _, b = c.shape
        if f == 1:
            w = np.zeros((1, nb, 1))
            w[:, :n], w[:, n:2 * n] = c, c
        elif i == 0:
            w = np.zeros((1, nb, 2 * b))
            w[:, :n, :b], w[:, n:2 * n, b:] = c, c
        elif i == f - 1:
            w = np.zeros((2 * a, nb, 1))
            w[:a, :n], w[:a, n:2 * n], w[a:, :n] = c, c, c
        else:
            w = np.zeros((2 * a, nb, 2 * b))
            w[:a, :n, :b], w[:a, n:2 * n, b:], w[a:, :n, b:] = c, c, c
        out.append(w)
    return out


def _wall_cores(f, nb, k):
    """Rank-2 cores of k * sum_i w_i(q_i) (the last basis column) plus nothing else."""
    wall = []
    for i in range(f):
        w = np.zeros((1 if i == 0 else 2, nb, 1 if i == f - 1 else 2))
        if i == 0:
            w[0, 0, 0], w[0, -1, 1] = 1.0, k
        elif i == f - 1:
            w[0, -1, 0], w[1, 0, 0] = k, 1.0
        else:
            w[0, 0, 0], w[0, -1, 1], w[1, 0, 1] = 1.0, k, 1.0
        wall.append(w)
    return wall


def _numpy_raw(model, i):
    """``raw(q, deriv)`` of mode ``i`` of ``model`` (unconfined basis, NumPy)."""
    def raw(q, deriv):
        q = np.asarray(q, dtype=np.float64).reshape(-1, 1)
        phi, dphi = basis_values(q, model.centres[i:i + 1], model.w[i:i + 1],
                                 model.b[i:i + 1], model.activations, derivative=True)
        if deriv == 0:
            return phi[:, 0]
        if deriv == 1:
            return dphi[:, 0]
        raise ValueError("the NumPy basis of a confined model has derivatives up to 1")
    return raw


def _grid_values(model, axes, chunk=_CHUNK_FLOATS, conf=None, where=False, extra=None):
    """Min and max of the TT of ``model`` (confined by ``conf`` when given) on the
    product of ``axes`` (and the point of the minimum when ``where``), plus the
    separable ``sum_i extra[i][s_i]`` when ``extra`` (one value per point of each axis)
    is given."""
    if conf is None:
        cores = model.cores
        phis = [model.basis(i, ax) for i, ax in enumerate(axes)]
    else:
        cores = conf.extended_cores(model.cores, model.scale)
        phis = [conf.grid_basis(i, ax, 0, _numpy_raw(model, i)) for i, ax in enumerate(axes)]
    mats = [np.einsum("arb,sr->asb", c, p) for c, p in zip(cores, phis, strict=True)]
    vmin, vmax, arg = np.inf, -np.inf, None
    # contract left to right; the leading modes are split into chunks so that the
    # partial products stay below `chunk` rows
    dims = [len(a) for a in axes]
    rows = max(1, int(chunk) // max(m.shape[2] for m in mats[:-1] or mats))
    k = 0
    while k < len(dims) and math.prod(dims[k:]) > rows:
        k += 1
    import itertools

    extra = [np.zeros(d) for d in dims] if extra is None else [
        np.asarray(e, dtype=np.float64) for e in extra]
    tail = np.zeros(1)  # the separable term on the trailing modes, flattened like v
    for e in extra[k:]:
        tail = (tail[:, None] + e[None, :]).reshape(-1)
    for lead in itertools.product(*(range(d) for d in dims[:k])):
        v = np.ones((1, 1))
        for i, s in enumerate(lead):
            v = v @ mats[i][:, s, :]
        for m in mats[k:]:
            v = np.einsum("ka,asb->ksb", v, m).reshape(-1, m.shape[2])
        vals = (model.offset + model.scale * v[:, 0] + tail
                + sum(float(extra[i][s]) for i, s in enumerate(lead)))
        j = int(np.argmin(vals))
        if vals[j] < vmin:
            vmin = float(vals[j])
            arg = lead + tuple(int(x) for x in np.unravel_index(j, dims[k:]))
        vmax = max(vmax, float(vals.max()))
    if where:
        return vmin, vmax, np.array([ax[a] for ax, a in zip(axes, arg, strict=True)])
    return vmin, vmax


def box_minimum(model, lo, hi, points: int) -> tuple[float, float]:
    """Lowest and highest value of the unconfined NN-MPO ``model`` on the product grid
    of ``points`` equally spaced points per mode (faces included) of the box
    ``[lo, hi]`` (latent coordinates).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> m = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("moderate",),
    ...                 cores=(np.array([[[0.0], [1.0]]]),))
    >>> [round(v, 4) for v in box_minimum(m, [-1.0], [1.0], 3)]
    [0.0, 0.6821]
    """
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    axes = [np.linspace(a, b, int(points)) for a, b in zip(lo, hi, strict=True)]
    return _grid_values(model, axes)


def _value_and_gradient(model, q):
    phi, dphi = basis_values(q[None], model.centres, model.w, model.b, model.activations,
                             derivative=True)
    f = model.n_modes
    m0 = [np.einsum("arb,r->ab", model.cores[i], phi[0, i]) for i in range(f)]
    m1 = [np.einsum("arb,r->ab", model.cores[i], dphi[0, i]) for i in range(f)]
    value, grad, _ = chain_derivatives(m0, m1)
    return model.offset + model.scale * value, model.scale * grad


def _local_minimum(value_and_gradient, start, lo, hi):
    """The minimum near ``start`` within the box of the potential whose value and
    gradient at a latent point ``value_and_gradient(q)`` gives (L-BFGS-B)."""
    from scipy.optimize import minimize

    res = minimize(value_and_gradient, start, jac=True,
                   method="L-BFGS-B", bounds=list(zip(lo, hi, strict=True)),
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 1000})
    return np.asarray(res.x), float(res.fun)


def _wall_coefficients(model, centre, step):
    """Harmonic wall: no slope, curvature half the second derivative of each 1-D cut of
    the unconfined potential through ``centre`` (its minimum)."""
    f = centre.size
    curv = np.zeros(f)
    for i in range(f):
        e = np.zeros(f)
        e[i] = step[i]
        curv[i] = 0.5 * max((_value_and_gradient(model, centre + e)[1][i]
                             - _value_and_gradient(model, centre - e)[1][i]) / (2 * step[i]),
                            0.0)
    return np.zeros((2, f)), np.stack([curv, curv])


def _certify(raw, lo0, hi0, centre, vmin, slope, curv, points, tolerance, shrink_step,
             min_shrink, source, extra=None):
    """The widest certified box (shrunk towards ``centre``) and bands (see confine);
    ``extra(axes)`` adds a separable term (a baseline) to the certified values."""
    f = centre.size
    conf = None
    t = 1.0
    while conf is None or not conf.certified:
        lo, hi = centre + t * (lo0 - centre), centre + t * (hi0 - centre)
        # bands: start at the widest on every face; a failed certificate narrows the
        # bands of the faces its lowest point lies beyond, until it passes (or all are 0)
        level = np.zeros((2, f), dtype=int)
        while True:
            band = np.asarray(BANDS)[level] * (hi - lo)
            trial = Confinement(lo=lo, hi=hi, slope=slope, curvature=curv, minimum=vmin,
                                floor=vmin, tolerance=0.0, shrink=t, points=points,
                                source=source, band=band)
            inner = max(points - 2, 2)
            axes = [np.unique(np.r_[a - e0, np.linspace(a, b, inner), b + e1])
                    for a, b, e0, e1 in zip(lo, hi, band[0], band[1], strict=True)]
            floor, top, at = _grid_values(raw, axes, conf=trial, where=True,
                                          extra=None if extra is None else extra(axes))
            tol = 1e-6 * max(top - vmin, 0.0) if tolerance is None else float(tolerance)
            conf = replace(trial, floor=floor, tolerance=tol)
            if conf.certified:
                break
            faces = np.stack([at < lo, at > hi]) & (level < len(BANDS) - 1)
            if not faces.any():
                break
            level[faces] += 1
        if conf.certified or t * shrink_step < min_shrink:
            break
        t *= shrink_step
    return conf


def _checked_options(model, region, points, shrink_step, min_shrink):
    """The region (default the model's) and certification points of :func:`confine`,
    checked."""
    region = model.data_region if region is None else region
    if region is None:
        raise ValueError("confine needs the region of the training data: the model carries "
                         "none (an old model file or a model made in memory); pass "
                         "region=vibmpo.potential.region.data_region(x_train, model.U)")
    if region.q_min.size != model.n_modes:
        raise ValueError(f"the region has {region.q_min.size} latent modes, the model "
                         f"{model.n_modes}")
    if not 0.0 < float(shrink_step) < 1.0:
        raise ValueError(f"shrink_step must be in (0, 1), got {shrink_step}")
    if not 0.0 < float(min_shrink) <= 1.0:
        raise ValueError(f"min_shrink must be in (0, 1], got {min_shrink}")
    if points is None:
        points = max(3, int(math.floor(CERT_POINTS ** (1.0 / model.n_modes) + 1e-9)))
    if int(points) < 2:
        raise ValueError(f"points must be >= 2 (both faces of the box), got {points}")
    return region, int(points)


def confine(model, *, region=None, points: int | None = None, tolerance: float | None = None,
            shrink_step: float = 0.9, min_shrink: float = 0.3):
    r"""The NN-MPO ``model`` made hole-free: clamped basis and harmonic wall outside a
    certified box (see the module docstring).

    Parameters
    ----------
    model : NNMPOArrays or CompositePotential
        The potential (a confinement it already carries is replaced). A Δ-learned
        potential has its correction confined and the certificate taken on baseline +
        correction (:mod:`vibmpo.potential.confine_delta`).
    region : DataRegion, optional
        Training-data ranges; default ``model.data_region``.
    points : int, optional
        Points per mode of the certification grid; default the most with
        ``points ** f <=`` :data:`CERT_POINTS` (11 for 6 modes, 3 for 12), at least 3.
    tolerance : float, optional
        :math:`\tau` in the model's unit; default :math:`10^{-6}` of the potential's
        spread on the box.
    shrink_step : float
        Factor by which the box shrinks towards the minimum after a failed certificate.
    min_shrink : float
        Smallest shrink factor tried; below it the box is kept uncertified (warning).

    Returns
    -------
    NNMPOArrays or CompositePotential
        ``model`` with ``confinement`` set (:class:`Confinement`; for a Δ-learned model
        on its correction).

    Raises
    ------
    ValueError
        Without a data region, or for options out of range.

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.region import data_region
    >>> m = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("moderate",),
    ...                 cores=(np.array([[[0.0], [1.0]]]),),
    ...                 data_region=data_region(np.array([[-1.0], [1.0]]), np.eye(1)))
    >>> c = confine(m)
    >>> c.confinement.certified, c.energy([[0.5]]) == m.energy([[0.5]])
    (True, array([ True]))
    >>> bool(c.energy([[5.0]])[0] > c.energy([[1.0]])[0])   # the wall outside the box
    True
    """
    from vibmpo.potential.arrays import NNMPOArrays
    from vibmpo.potential.composite import CompositePotential

    if not isinstance(model, NNMPOArrays | CompositePotential):
        raise TypeError(f"confine needs an NNMPOArrays or a CompositePotential (Δ-learned), "
                        f"got {type(model).__name__}")
    region, points = _checked_options(model, region, points, shrink_step, min_shrink)
    f = model.n_modes
    delta = isinstance(model, CompositePotential)
    # the NN-MPO that is confined: the model, or a Δ-learned model's correction
    raw = replace(model.correction if delta else model, confinement=None)
    if delta:  # the minimum is the sum's (vibmpo.potential.confine_delta)
        from vibmpo.potential.confine_delta import confine_composite, sum_value_and_gradient

        value_and_gradient = sum_value_and_gradient(model.baseline, raw)
    else:
        value_and_gradient = functools.partial(_value_and_gradient, raw)
    lo0, hi0 = region.q_min, region.q_max
    start = np.clip(np.zeros(f), lo0, hi0)
    qmin, vmin = _local_minimum(value_and_gradient, start, lo0, hi0)
    centre = np.clip(qmin, lo0, hi0)
    width = np.maximum(hi0 - lo0, 1e-12)
    slope, curv = _wall_coefficients(raw, centre, 1e-4 * width)
    if delta:
        return confine_composite(model, raw, region=region, centre=centre, minimum=vmin,
                                 slope=slope, curvature=curv, points=int(points),
                                 tolerance=tolerance, shrink_step=float(shrink_step),
                                 min_shrink=float(min_shrink))
    conf = _certify(raw, lo0, hi0, centre, vmin, slope, curv, int(points), tolerance,
                    float(shrink_step), float(min_shrink), region.source)
    if not conf.certified:
        warnings.warn(
            f"the NN-MPO falls {vmin - conf.floor:.4g} {model.energy_unit} below its "
            f"minimum even on its data box shrunk to {conf.shrink:.2f}: the box is not "
            "certified hole-free and grids are checked as for an unconfined model; refit "
            "with more data or a smaller rank", ConfinementWarning, stacklevel=2)
    return replace(model, confinement=conf)
