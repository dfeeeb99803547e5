r"""Compact NN-MPO models: SVD rounding of the tensor train and pruning of basis
functions that carry no weight, each with the error it adds.

An NN-MPO :math:`V = V_0 + s \sum W^1[\rho_1] \cdots W^f[\rho_f]\,
\phi_{1\rho_1}(q_1) \cdots \phi_{f\rho_f}(q_f)` is a tensor train in the coefficients of
non-orthogonal basis functions, so the plain Frobenius norm of its cores says little
about the function. :func:`compress_model` measures it in
:math:`L^2(\mu) = L^2(\mu_1 \otimes \cdots \otimes \mu_f)`, with :math:`\mu_i` the
distribution of the latent coordinate :math:`q_i` (the training points when given, else
uniform on the data region's range). With the Gram matrices
:math:`G_i = \int \phi_i \phi_i^\mathsf{T} d\mu_i = R_i^\mathsf{T} R_i`, the cores
:math:`\tilde W^i = R_i W^i` (applied to the basis index) make the Frobenius norm of the
train equal to :math:`\|V - V_0\|_{L^2(\mu)} / s`. Then

* **rounding**: :func:`vibmpo.linalg.tt.truncate_with_error` on :math:`\tilde W` to
  ``max_rank`` and/or a relative error ``rel_error``; the discarded singular values bound the
  change, :math:`\|\Delta V\|_{L^2(\mu)} \le s \sqrt{\sum_k \|\sigma^{(k)}_\mathrm{dropped}\|^2}`;
* **pruning**: after rounding, basis function :math:`\rho` of mode :math:`i` with the
  train in mixed-canonical form at mode :math:`i` carries the weight
  :math:`w_{i\rho} = s\,\|\sum_\sigma \tilde W^i[:, \sigma, :]\,(R_i)_{\sigma\rho}\,
  e_\rho\|` -- exactly the :math:`L^2(\mu)` norm of the part of :math:`V` that goes
  through it. A function whose weight is at most ``prune_tol`` times the norm of
  :math:`V - V_0` in every mode, or whose coefficients are zero in every core, is
  removed from the basis; the change is bounded by the sum of the removed weights.

Both bounds hold for the product measure :math:`\mu`; the errors on actual data
(training/validation energies) are measured and reported alongside. A confined model
(:mod:`vibmpo.potential.confine`) is confined again after compression (its box
re-certified for the compressed potential).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from vibmpo._checks import as_finite_array
from vibmpo._deprecation import renamed_keyword
from vibmpo.linalg.tt import left_canonicalise, right_canonicalise, truncate_with_error
from vibmpo.potential.arrays import NNMPOArrays

__all__ = ["Compression", "compress_model", "gram_matrices", "round_model"]


@dataclass(frozen=True)
class Compression:
    """What :func:`compress_model` did and the errors it added.

    Attributes
    ----------
    model : NNMPOArrays
        The compressed potential.
    ranks_before, ranks_after : tuple of int
        Tensor-train ranks.
    basis_size_before, basis_size_after : int
        Basis functions per mode (including the constant).
    pruned : tuple of int
        Positions (in the original basis) of the functions removed.
    norm : float
        :math:`\\|V - V_0\\|_{L^2(\\mu)}` of the input (model unit).
    rounding_bound, pruning_bound : float
        Bounds on the :math:`L^2(\\mu)` change by rounding and by pruning (model unit).
    measure : str
        What :math:`\\mu` is.
    errors : dict
        Per data set given: ``n``, ``mae_before``, ``rmse_before``, ``mae_after``,
        ``rmse_after``, ``max_change``, ``rms_change`` (model unit).
    energy_unit : str
        Unit of every energy above.

    Examples
    --------
    >>> m = NNMPOArrays(U=np.eye(2), centres=np.zeros((2, 1)), w=np.ones((2, 1)),
    ...                 b=np.zeros((2, 1)), activations=("tanh",),
    ...                 cores=(np.ones((1, 2, 2)), np.ones((2, 2, 1))))
    >>> c = compress_model(m, x=np.random.default_rng(0).normal(size=(20, 2)))
    >>> c.ranks_before, c.ranks_after, c.error_bound < 1e-12
    ((2,), (2,), True)
    """

    model: NNMPOArrays = field(repr=False)
    ranks_before: tuple
    ranks_after: tuple
    basis_size_before: int
    basis_size_after: int
    pruned: tuple
    norm: float
    rounding_bound: float
    pruning_bound: float
    measure: str
    errors: dict
    energy_unit: str

    @property
    def error_bound(self) -> float:
        """Bound on the total :math:`L^2(\\mu)` change (rounding + pruning)."""
        return self.rounding_bound + self.pruning_bound

    def to_dict(self) -> dict:
        """JSON-ready summary (without the model).

        Examples
        --------
        >>> m = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("tanh",),
        ...                 cores=(np.ones((1, 2, 1)),))
        >>> compress_model(m, x=np.zeros((3, 1))).to_dict()["ranks_after"]
        []
        """
        return {"ranks_before": list(self.ranks_before), "ranks_after": list(self.ranks_after),
                "basis_size_before": self.basis_size_before,
                "basis_size_after": self.basis_size_after, "pruned": list(self.pruned),
                "norm": self.norm, "rounding_bound": self.rounding_bound,
                "pruning_bound": self.pruning_bound, "error_bound": self.error_bound,
                "measure": self.measure, "errors": self.errors,
                "energy_unit": self.energy_unit}


def gram_matrices(model: NNMPOArrays, x=None, *, points: int = 201):
    r"""Gram matrices :math:`G_i = \int \phi_i \phi_i^\mathsf{T} d\mu_i` (f, N, N) of the
    basis and a description of :math:`\mu`.

    :math:`\mu_i`: the latent coordinates of the rows of ``x`` when given, else
    ``points`` equally spaced points on the model's data range (``data_region``).

    Examples
    --------
    >>> m = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("tanh",),
    ...                 cores=(np.ones((1, 2, 1)),))
    >>> G, what = gram_matrices(m, np.array([[-1.0], [1.0]]))
    >>> np.round(G[0], 3).tolist(), what
    ([[1.0, 0.0], [0.0, 0.58]], 'marginals of 2 given points')
    """
    if x is not None:
        x = as_finite_array(x, "x", ndim=2)
        if x.shape[1] != model.n_inputs:
            raise ValueError(f"x must have {model.n_inputs} columns, got shape {x.shape}")
        q = x @ model.U
        what = f"marginals of {x.shape[0]} given points"
    else:
        region = model.data_region
        if region is None:
            raise ValueError("the model carries no data region: give the training points "
                             "(x) to measure errors on")
        q = np.linspace(region.q_min, region.q_max, int(points))
        what = f"uniform on the data region ({region.source})"
    G = []
    for i in range(model.n_modes):
        phi = model.basis(i, q[:, i])
        G.append(phi.T @ phi / phi.shape[0])
    return np.stack(G), what


def _factors(G):
    """R_i with G_i + delta I = R_i^T R_i (delta 1e-12 of the mean diagonal) and R_i^-1."""
    R, Rinv = [], []
    for g in G:
        delta = 1e-12 * max(float(np.trace(g)) / g.shape[0], np.finfo(float).tiny)
        lam, Q = np.linalg.eigh(g + delta * np.eye(g.shape[0]))
        lam = np.maximum(lam, delta)
        R.append((Q * np.sqrt(lam)).T)
        Rinv.append(Q / np.sqrt(lam))
    return R, Rinv


def _errors(before, after, data) -> dict:
    out = {}
    for name, (x, y) in data.items():
        x = as_finite_array(x, f"{name} x", ndim=2)
        y = as_finite_array(y, f"{name} y", shape=(x.shape[0],))
        a, b = before.energy(x), after.energy(x)
        out[name] = {"n": int(x.shape[0]),
                     "mae_before": float(np.mean(np.abs(a - y))),
                     "rmse_before": float(np.sqrt(np.mean((a - y) ** 2))),
                     "mae_after": float(np.mean(np.abs(b - y))),
                     "rmse_after": float(np.sqrt(np.mean((b - y) ** 2))),
                     "max_change": float(np.max(np.abs(b - a))),
                     "rms_change": float(np.sqrt(np.mean((b - a) ** 2)))}
    return out


def _round(raw, x, rel_error, max_rank):
    """Rounding of the train in the whitened basis: the rounded whitened cores, the
    factors ``R``, ``R^-1``, the norm of ``V - V_0``, the rounding bound (model unit) and
    the measure."""
    if not (math.isfinite(float(rel_error)) and 0.0 <= float(rel_error) < 1.0):
        raise ValueError(f"rel_error must be in [0, 1), got {rel_error}")
    if max_rank is not None and (isinstance(max_rank, bool) or int(max_rank) != max_rank
                                 or int(max_rank) < 1):
        raise ValueError(f"max_rank must be a positive integer, got {max_rank!r}")
    G, measure = gram_matrices(raw, x)
    R, Rinv = _factors(G)
    tilde = [np.einsum("sr,arb->asb", R[i], c) for i, c in enumerate(raw.cores)]
    norm = abs(raw.scale) * float(np.linalg.norm(left_canonicalise(tilde)[-1]))
    if raw.n_modes > 1:
        rounded, bound = truncate_with_error(
            tilde, max_rank=None if max_rank is None else int(max_rank),
            max_error=float(rel_error) * norm / abs(raw.scale) if rel_error > 0 else None)
    else:
        rounded, bound = tuple(tilde), 0.0
    return rounded, R, Rinv, norm, abs(raw.scale) * bound, measure


def round_model(model: NNMPOArrays, *, rel_error: float = 0.0, max_rank: int | None = None,
                x=None) -> tuple[NNMPOArrays, float]:
    r"""Only the rounding of :func:`compress_model` (same ``rel_error``, ``max_rank`` and
    ``x``): the basis is kept as it is, no function is pruned. Returns the rounded
    (unconfined) potential and the bound on its :math:`L^2(\mu)` change.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cores = (rng.normal(size=(1, 2, 2)), rng.normal(size=(2, 2, 1)))
    >>> m = NNMPOArrays(U=np.eye(2), centres=np.zeros((2, 1)), w=np.ones((2, 1)),
    ...                 b=np.zeros((2, 1)), activations=("tanh",), cores=cores)
    >>> small, bound = round_model(m, max_rank=1, x=rng.normal(size=(20, 2)))
    >>> small.ranks, small.basis_size, bound > 0
    ((1,), 2, True)
    """
    raw = replace(model, confinement=None)
    rounded, _, Rinv, _, bound, _ = _round(raw, x, rel_error, max_rank)
    cores = tuple(np.einsum("rs,asb->arb", Rinv[i], c) for i, c in enumerate(rounded))
    return replace(raw, cores=cores), bound


def compress_model(model: NNMPOArrays, *, rel_error: float = 0.0, max_rank: int | None = None,
                   prune_tol: float = 0.0, x=None, data: dict | None = None,
                   **renamed) -> Compression:
    r"""Round the tensor train of ``model`` and prune basis functions without weight.

    Parameters
    ----------
    model : NNMPOArrays
        The potential (not modified).
    rel_error : float
        Relative :math:`L^2(\mu)` error allowed for rounding: the change is at most
        ``rel_error`` times :math:`\|V - V_0\|_{L^2(\mu)}` (0: exact re-gauging only;
        the truncation glossary is in :mod:`vibmpo.linalg`). ``tol=`` is its deprecated
        former name.
    max_rank : int, optional
        Largest bond rank kept (the MPO of ``H = T + V`` on a grid has bond dimensions
        at most ``max_rank + 2``).
    prune_tol : float
        Functions whose weight is at most this fraction of the norm in every mode are
        removed (0: only functions with exactly zero weight).
    x : array (m, n), optional
        Points defining :math:`\mu` (the training points); default uniform on the data
        region.
    data : dict, optional
        ``{name: (x, y)}`` energies to report the errors on before and after.

    Returns
    -------
    Compression

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cores = (rng.normal(size=(1, 3, 4)), rng.normal(size=(4, 3, 4)),
    ...          rng.normal(size=(4, 3, 1)))
    >>> m = NNMPOArrays(U=np.eye(3), centres=np.zeros((3, 2)), w=np.ones((3, 2)),
    ...                 b=np.zeros((3, 2)), activations=("tanh", "silu"), cores=cores)
    >>> x = rng.normal(size=(50, 3))
    >>> c = compress_model(m, x=x)
    >>> c.ranks_after, bool(np.allclose(c.model.energy(x), m.energy(x)))
    ((3, 3), True)
    >>> small = compress_model(m, max_rank=1, x=x)
    >>> small.ranks_after, small.rounding_bound > 0
    ((1, 1), True)
    """
    if not isinstance(model, NNMPOArrays):
        raise TypeError(f"compress_model needs an NNMPOArrays, got {type(model).__name__}")
    rel_error = renamed_keyword("compress_model", renamed, "tol", "rel_error", rel_error, 0.0)
    if not (math.isfinite(float(prune_tol)) and 0.0 <= float(prune_tol) < 1.0):
        raise ValueError(f"prune_tol must be in [0, 1), got {prune_tol}")
    conf = model.confinement
    raw = replace(model, confinement=None)
    f = raw.n_modes
    rounded, R, Rinv, norm, rounding_bound, measure = _round(raw, x, rel_error, max_rank)
    # weights of the basis functions, each mode at the orthogonality centre
    weights = np.zeros((f, raw.basis_size))
    for i in range(f):
        mixed = right_canonicalise(left_canonicalise(rounded, upto=i), downto=i)
        # coefficients of mode i in the original basis: W = R^-1 W~; function rho
        # carries |s| sqrt(G_rho,rho) ||W[:, rho, :]|| (orthonormal environments)
        coef = np.einsum("rs,asb->arb", Rinv[i], mixed[i])
        gdiag = np.sqrt(np.sum(R[i] ** 2, axis=0))
        weights[i] = abs(raw.scale) * gdiag * np.linalg.norm(coef, axis=(0, 2))
    cores = [np.einsum("rs,asb->arb", Rinv[i], c) for i, c in enumerate(rounded)]
    thresh = float(prune_tol) * norm
    # functions with zero coefficients in every input core always go (rounding leaves
    # round-off there); others when their weight is at most prune_tol of the norm
    unused = [rho for rho in range(1, raw.basis_size)
              if not any(np.any(c[:, rho, :]) for c in raw.cores)]
    drop = [rho for rho in range(1, raw.basis_size) if rho in unused
            or (prune_tol > 0 and np.all(weights[:, rho] <= thresh))]
    pruning_bound = float(sum(weights[:, rho].sum() for rho in drop))
    keep = [rho for rho in range(raw.basis_size) if rho not in drop]
    if len(keep) < 2:  # keep at least one non-constant function (the format needs one)
        keep = [0, drop.pop(int(np.argmax([weights[:, r].max() for r in drop])))]
        keep.sort()
        pruning_bound = float(sum(weights[:, rho].sum() for rho in drop))
    cols = [k - 1 for k in keep[1:]]
    out = NNMPOArrays(
        U=raw.U, centres=raw.centres[:, cols], w=raw.w[:, cols], b=raw.b[:, cols],
        activations=tuple(raw.activations[k] for k in cols),
        cores=tuple(c[:, keep, :] for c in cores), scale=raw.scale, offset=raw.offset,
        energy_unit=raw.energy_unit, data_region=raw.data_region)
    if conf is not None:
        from vibmpo.potential.confine import confine

        out = confine(out)
    errors = _errors(model, out, data or {})
    return Compression(model=out, ranks_before=raw.ranks, ranks_after=out.ranks,
                       basis_size_before=raw.basis_size, basis_size_after=out.basis_size,
                       pruned=tuple(drop), norm=norm, rounding_bound=rounding_bound,
                       pruning_bound=pruning_bound, measure=measure, errors=errors,
                       energy_unit=raw.energy_unit)
