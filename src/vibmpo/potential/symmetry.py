r"""Point-group symmetry of a potential in normal coordinates: sign flips.

Every operation :math:`g` of an abelian point group (C\ :sub:`2v`, C\ :sub:`s`,
D\ :sub:`2h`, ...) maps each non-degenerate normal coordinate to plus or minus itself,
:math:`(g x)_i = \chi_i(g)\, x_i` with the character :math:`\chi_i(g) = \pm 1` of the
mode's symmetry species, and the potential is invariant, :math:`V(g x) = V(x)`; so are
the forces up to the same signs, :math:`F(g x) = g F(x)`. :class:`SignFlips` holds the
group through its generators: each is the set of coordinates whose sign it flips
(formaldehyde, C\ :sub:`2v`: the b\ :sub:`1` mode, and the two b\ :sub:`2` modes
together; :func:`vibmpo.datasets.h2co_symmetry`).

A fit does not know the symmetry: its error has a part that is odd under some
:math:`g`. The group average (the projection on the symmetric functions)

.. math::

    \bar V(x) = \frac{1}{|G|} \sum_{g \in G} V(g x)

removes that part exactly and keeps the rest: :math:`\bar V - V_\mathrm{true} =
\overline{V - V_\mathrm{true}}`, whose :math:`L^2` norm over any symmetric distribution
of points is at most that of :math:`V - V_\mathrm{true}`.

For an NN-MPO the average is again an NN-MPO when its coordinator keeps the symmetry
species apart: if every latent coordinate :math:`q_j = (xU)_j` has one species, then
:math:`U^\mathsf{T} g U = \mathrm{diag}(\lambda(g))` with :math:`\lambda_j = \pm 1`
and :math:`V(g x)` is the same tensor train with the basis functions of the flipped
latent coordinates mirrored, :math:`(c, w) \to (-c, -w)` (since
:math:`w(-q - c) + b = (-w)(q - (-c)) + b`). :func:`symmetrize` sums the images with
:func:`vibmpo.potential.arrays.average` (bases side by side, ranks add) and rounds the
sum with :func:`vibmpo.potential.compress.compress_model`. A coordinator from the
identity stays species-adapted when its updates are restricted to
:meth:`SignFlips.coordinator_mask` (what ``fit(..., symmetry=...)`` does).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["SignFlips", "Symmetrized", "SymmetryWarning", "as_sign_flips", "flipped",
           "latent_signs", "parse_generators", "symmetrize"]


class SymmetryWarning(UserWarning):
    """The data (or a model) do not have the symmetry they were said to have.

    Examples
    --------
    >>> issubclass(SymmetryWarning, UserWarning)
    True
    """


@dataclass(frozen=True)
class SignFlips:
    """An abelian point group acting on ``n_coords`` coordinates by sign flips.

    Parameters
    ----------
    generators : sequence of sequence of int
        Each generator is the set of coordinate indices whose sign it flips.
    n_coords : int
        Number of coordinates.

    Examples
    --------
    >>> g = SignFlips([[0], [1, 5]], 6)
    >>> g.order, g.elements()[3].tolist()
    (4, [-1.0, -1.0, 1.0, 1.0, 1.0, -1.0])
    >>> g.to_text()
    '0;1,5'
    >>> SignFlips([[6]], 6)
    Traceback (most recent call last):
    ...
    ValueError: symmetry generator 0 flips coordinate 6, but there are only 6 (0 ... 5)
    """

    generators: tuple
    n_coords: int

    def __post_init__(self):
        n = self.n_coords
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_coords must be a positive integer, got {n!r}")
        gens = []
        for k, gen in enumerate(self.generators):
            idx = [int(i) for i in np.atleast_1d(np.asarray(gen)).ravel()]
            if not idx:
                raise ValueError(f"symmetry generator {k} flips no coordinate; each "
                                 "generator names the coordinates whose sign it flips")
            for i in idx:
                if not 0 <= i < n:
                    raise ValueError(f"symmetry generator {k} flips coordinate {i}, but "
                                     f"there are only {n} (0 ... {n - 1})")
            if len(set(idx)) != len(idx):
                raise ValueError(f"symmetry generator {k} names a coordinate twice: {idx}")
            gens.append(tuple(sorted(idx)))
        if not gens:
            raise ValueError("give at least one symmetry generator")
        object.__setattr__(self, "generators", tuple(gens))
        object.__setattr__(self, "n_coords", int(n))
        if len(self.elements()) < 2 ** len(gens):
            raise ValueError(f"the generators {list(gens)} are not independent (one is a "
                             "product of others); leave the redundant ones out")

    @classmethod
    def parse(cls, text: str, n_coords: int) -> SignFlips:
        """Generators from text, ``"0;1,5"``: generators separated by ``;``, the
        coordinates each flips by ``,``.

        Examples
        --------
        >>> SignFlips.parse("0; 1,5", 6).generators
        ((0,), (1, 5))
        """
        return cls(parse_generators(text), n_coords)

    @property
    def order(self) -> int:
        """Number of group elements (the order of the group)."""
        return 2 ** len(self.generators)

    def characters(self) -> np.ndarray:
        """Signs ``chi_i(g)`` (k, n) of each coordinate under each generator."""
        chi = np.ones((len(self.generators), self.n_coords))
        for k, gen in enumerate(self.generators):
            chi[k, list(gen)] = -1.0
        return chi

    def elements(self) -> np.ndarray:
        """All elements as sign vectors (order, n), the identity first."""
        chi = self.characters()
        out = {}
        for pick in itertools.product((0, 1), repeat=len(chi)):
            s = np.prod(chi[np.asarray(pick, dtype=bool)], axis=0) if any(pick) \
                else np.ones(self.n_coords)
            out.setdefault(tuple(s), s)
        return np.array(list(out.values()))

    def coordinator_mask(self) -> np.ndarray:
        """Entries ``U[i, j]`` (n, n) that may be non-zero in a species-adapted coordinator
        grown from the identity: input ``i`` and latent ``j`` (which starts as input ``j``)
        have the same characters under every generator.

        Examples
        --------
        >>> SignFlips([[0, 2]], 3).coordinator_mask().astype(int).tolist()
        [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
        """
        chi = self.characters()
        return np.all(chi[:, :, None] == chi[:, None, :], axis=0)

    def images(self, x, f=None):
        """The images of points ``x`` (m, n) under every element, stacked (order * m, n), and of
        forces ``f`` with them (energies repeat: ``np.tile(y, order)``)."""
        s = self.elements()
        xs = np.concatenate([np.asarray(x) * e for e in s])
        return xs if f is None else (xs, np.concatenate([np.asarray(f) * e for e in s]))

    def to_text(self) -> str:
        """The generators as text (:meth:`parse` reads it back)."""
        return ";".join(",".join(str(i) for i in g) for g in self.generators)


def parse_generators(text: str) -> list[list[int]]:
    """Generators from text, ``"0;1,5"``: generators separated by ``;``, the coordinates
    each flips by ``,`` (their range is checked by :class:`SignFlips`).

    Examples
    --------
    >>> parse_generators("0; 1,5")
    [[0], [1, 5]]
    """
    try:
        return [[int(v) for v in part.split(",")] for part in str(text).split(";")
                if part.strip()]
    except ValueError:
        raise ValueError(f"symmetry must read like '0;1,5' (generators separated by ';', "
                         f"the coordinates each flips by ','), got {text!r}") from None


def as_sign_flips(symmetry, n_coords: int) -> SignFlips:
    """``symmetry`` (a :class:`SignFlips`, its text, or a list of generators) for
    ``n_coords`` coordinates.

    Examples
    --------
    >>> as_sign_flips([[0], [1, 5]], 6).order
    4
    """
    if isinstance(symmetry, SignFlips):
        if symmetry.n_coords != n_coords:
            raise ValueError(f"the symmetry acts on {symmetry.n_coords} coordinates, the "
                             f"data have {n_coords}")
        return symmetry
    if isinstance(symmetry, str):
        return SignFlips.parse(symmetry, n_coords)
    return SignFlips(symmetry, n_coords)


def latent_signs(model, signs, *, atol: float = 1e-8) -> np.ndarray:
    """The latent sign flips ``lambda`` with ``U^T diag(signs) U = diag(lambda)``.

    Raises ``ValueError`` when the coordinator mixes coordinates of different symmetry
    species (then ``V(g x)`` is not an NN-MPO on the same latent grid).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> a = NNMPOArrays(U=np.eye(2)[::-1], centres=np.zeros((2, 1)), w=np.ones((2, 1)),
    ...                 b=np.zeros((2, 1)), activations=("tanh",),
    ...                 cores=(np.ones((1, 2, 1)), np.ones((1, 2, 1))))
    >>> latent_signs(a, np.array([-1.0, 1.0])).tolist()
    [1.0, -1.0]
    """
    U = np.asarray(model.U)
    M = U.T @ (np.asarray(signs, dtype=float)[:, None] * U)
    lam = np.round(np.diag(M))
    off = float(np.max(np.abs(M - np.diag(lam)))) if M.size else 0.0
    if off > atol or not np.all(np.abs(lam) == 1):
        raise ValueError(
            f"the coordinator U mixes coordinates of different symmetry species (U^T g U "
            f"differs from a diagonal of signs by {off:.2g}), so the group average is not "
            "an NN-MPO on one latent grid; fit with fit(..., symmetry=...), which keeps U "
            "species-adapted, or with the coordinator fixed")
    return lam


def flipped(model, signs):
    """The NN-MPO of ``V(diag(signs) x)`` on the same coordinator (basis functions of the
    flipped latent coordinates mirrored; the data region mirrored with them).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.full((1, 1), 0.5), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("silu",),
    ...                 cores=(np.array([[[0.0], [1.0]]]),))
    >>> x = np.array([[0.3], [-1.2]])
    >>> bool(np.allclose(flipped(a, [-1.0]).energy(x), a.energy(-x)))
    True
    """
    if getattr(model, "confinement", None) is not None:
        raise ValueError("symmetrize the potential before confining it (confine() "
                         "certifies one box; the images need their own)")
    signs = np.asarray(signs, dtype=float)
    lam = latent_signs(model, signs)
    region = model.data_region
    if region is not None:
        xl, xh = _mirror(region.x_min, region.x_max, signs)
        ql, qh = _mirror(region.q_min, region.q_max, lam)
        region = replace(region, x_min=xl, x_max=xh, q_min=ql, q_max=qh)
    return replace(model, centres=model.centres * lam[:, None], w=model.w * lam[:, None],
                   data_region=region)


@dataclass(frozen=True)
class Symmetrized:
    """Outcome of :func:`symmetrize`.

    Attributes
    ----------
    model : NNMPOArrays
        The group average, rounded.
    group : SignFlips
        The group.
    ranks_before, ranks_after : tuple of int
        Ranks of the input and of the result.
    rounding_bound : float
        Bound on the :math:`L^2(\\mu)` change by the roundings (model unit; the sum of
        one bound per generator).

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("silu",),
    ...                 cores=(np.array([[[0.0], [1.0]]]),))
    >>> s = symmetrize(a, "0", x=np.linspace(-2, 2, 9)[:, None])
    >>> s.group.order, s.model.basis_size
    (2, 3)
    """

    model: object = field(repr=False)
    group: SignFlips
    ranks_before: tuple
    ranks_after: tuple
    rounding_bound: float


def symmetrize(model, symmetry, *, x=None, max_rank: int | None = None,
               rel_error: float = 1e-10) -> Symmetrized:
    r"""The group average :math:`\bar V(x) = |G|^{-1} \sum_g V(g x)` of an NN-MPO, as one
    NN-MPO, rounded.

    Each latent mode's basis becomes the model's functions and their mirror images
    (``2 (N - 1) + 1`` functions; the mirrors carry no weight on modes that no element
    flips). The average is the product of the commuting projections
    :math:`(1 + g_k)/2` of the generators, applied one after the other: the image under
    :math:`g_k` is the same tensor train with the two halves of the basis swapped on the
    modes :math:`g_k` flips, so each step sums two trains (ranks double) and rounds the
    sum (:func:`~vibmpo.potential.compress.round_model`, relative error ``rel_error`` of
    the step's input, at most ``max_rank``).

    Parameters
    ----------
    model : NNMPOArrays
        Unconfined potential whose coordinator keeps the species apart (see
        :func:`latent_signs`).
    symmetry : SignFlips, str or sequence of generators
        The group (see :class:`SignFlips`).
    x : array (m, n), optional
        Points whose marginals define the norm of the rounding (the training points; their
        images under the group are used, so the norm is symmetric too); default uniform on
        the data region.
    max_rank : int, optional
        Largest bond rank kept (default: as many as ``rel_error`` needs).
    rel_error : float
        Relative :math:`L^2` error allowed per rounding.

    Returns
    -------
    Symmetrized

    Examples
    --------
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> rng = np.random.default_rng(0)
    >>> a = NNMPOArrays(U=np.eye(2), centres=rng.normal(size=(2, 2)),
    ...                 w=rng.normal(size=(2, 2)), b=rng.normal(size=(2, 2)),
    ...                 activations=("tanh", "silu"),
    ...                 cores=(rng.normal(size=(1, 3, 2)), rng.normal(size=(2, 3, 1))))
    >>> x = rng.normal(size=(30, 2))
    >>> s = symmetrize(a, "0", x=x).model
    >>> bool(np.allclose(s.energy(x), s.energy(x * [-1, 1])))
    True
    >>> bool(np.allclose(s.energy(x), (a.energy(x) + a.energy(x * [-1, 1])) / 2))
    True
    """
    from vibmpo.linalg.tt import direct_sum
    from vibmpo.potential.compress import round_model

    if getattr(model, "confinement", None) is not None:
        raise ValueError("symmetrize the potential before confining it (confine() "
                         "certifies one box; the images need their own)")
    group = as_sign_flips(symmetry, model.n_inputs)
    lams = [latent_signs(model, chi) for chi in group.characters()]
    k = model.basis_size - 1
    cores = []
    for core in model.cores:  # the mirror half of the basis starts unused
        wide = np.zeros((core.shape[0], 1 + 2 * k, core.shape[2]))
        wide[:, :1 + k] = core
        cores.append(wide)
    images = [flipped(model, g) for g in group.elements()]
    current = replace(model, cores=tuple(cores),
                      centres=np.concatenate([model.centres, -model.centres], 1),
                      w=np.concatenate([model.w, -model.w], 1),
                      b=np.concatenate([model.b, model.b], 1),
                      activations=model.activations * 2, data_region=_joint_region(images))
    swap = np.concatenate([[0], np.arange(1 + k, 1 + 2 * k), np.arange(1, 1 + k)])
    xs = None if x is None else group.images(x)
    bound = 0.0
    for lam in lams:
        image = [c[:, swap] if lam[i] < 0 else c for i, c in enumerate(current.cores)]
        half = [c / 2 if i == 0 else c for i, c in enumerate(current.cores)]
        image[0] = image[0] / 2
        current, b = round_model(replace(current, cores=direct_sum(half, image)), x=xs,
                                 max_rank=max_rank, rel_error=rel_error)
        bound += b
    return Symmetrized(model=current, group=group, ranks_before=model.ranks,
                       ranks_after=current.ranks, rounding_bound=bound)


def _mirror(lo, hi, signs):
    """The interval ``[lo, hi]`` under ``x -> signs * x``, per coordinate."""
    lo, hi = np.asarray(lo), np.asarray(hi)
    return np.where(signs < 0, -hi, lo), np.where(signs < 0, -lo, hi)


def _joint_region(images):
    """The smallest data region holding the images' regions (None if any is unknown)."""
    regions = [m.data_region for m in images]
    if any(r is None for r in regions):
        return None
    bounds = {k: getattr(np, "min" if k.endswith("min") else "max")(
        [getattr(r, k) for r in regions], axis=0)
        for k in ("x_min", "x_max", "q_min", "q_max")}
    return replace(regions[0], **bounds,
                   source=f"{regions[0].source} and its images under the symmetry group")
