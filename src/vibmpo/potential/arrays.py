r"""NN-MPO potentials as plain NumPy data: the contract between the potential layer
and the operator layer.

An NN-MPO potential of ``n`` input coordinates and ``f`` latent modes is

.. math::

    q = x U, \qquad
    z_{i\rho} = w_{i\rho} (q_i - c_{i\rho}) + b_{i\rho}, \qquad
    \phi_{i}(q_i) = [1, a_1(z_{i1}), \dots, a_{N-1}(z_{i,N-1})],

.. math::

    V(x) = V_0 + s \sum_{\rho_1 \dots \rho_f} W^1[\rho_1] \cdots W^f[\rho_f]\,
           \phi_{1\rho_1}(q_1) \cdots \phi_{f\rho_f}(q_f),

with ``U`` (n x f) orthonormal columns, per-basis-function activations ``a_rho`` (the
same list for every mode), cores ``W^i`` of shape ``(r_{i-1}, N, r_i)`` with
``r_0 = r_f = 1``, scale ``s`` and offset ``V_0`` in ``energy_unit``. This module
imports NumPy only, so the operator layer can use potentials without JAX.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vibmpo._checks import as_finite_array, check_orthonormal_columns
from vibmpo.linalg.tt import direct_sum
from vibmpo.potential.activations import ACTIVATIONS, activation_numpy
from vibmpo.units import normalize_energy_unit

__all__ = ["ACTIVATIONS", "NNMPOArrays", "activation_numpy", "average"]

@dataclass(frozen=True)
class NNMPOArrays:
    """A trained NN-MPO potential as plain arrays (see the module docstring for V).

    Attributes
    ----------
    U : ndarray (n, f)
        Coordinator with orthonormal columns; latent coordinates ``q = x @ U``.
    centres, w, b : ndarray (f, N-1)
        Centres ``c``, weights ``w`` and biases ``b`` of the non-constant basis functions.
    activations : tuple of str, length N-1
        Activation of each non-constant basis function (names in :data:`ACTIVATIONS`).
    cores : tuple of ndarray
        ``f`` tensor-train cores, core ``i`` of shape ``(r_{i-1}, N, r_i)``.
    scale, offset : float
        ``V = offset + scale * TT``.
    energy_unit : str
        Unit of V (e.g. ``"eV"``); coordinates are always mass-weighted atomic units.
    data_region : DataRegion or None
        Coordinate ranges of the training data (:mod:`vibmpo.potential.region`), used to
        refuse grids that reach far beyond them; None when unknown.
    confinement : Confinement or None
        Box and wall that make the potential hole-free
        (:mod:`vibmpo.potential.confine`): :meth:`energy` and the operator layer then
        evaluate the confined potential; :meth:`basis` stays the unconfined basis.

    Examples
    --------
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("gaussian",),
    ...                 cores=(np.array([[[0.0], [2.0]]]),), scale=1.0, offset=0.0)
    >>> a.energy(np.zeros((1, 1)))
    array([2.])
    """

    U: np.ndarray
    centres: np.ndarray
    w: np.ndarray
    b: np.ndarray
    activations: tuple
    cores: tuple
    scale: float = 1.0
    offset: float = 0.0
    energy_unit: str = "eV"
    data_region: object = field(default=None, compare=False, repr=False)
    confinement: object = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        U = check_orthonormal_columns(self.U, "U", atol=1e-8)
        f = U.shape[1]
        acts = tuple(str(a) for a in self.activations)
        for a in acts:
            if a not in ACTIVATIONS:
                raise ValueError(f"unknown activation {a!r}; choose from {ACTIVATIONS}")
        nb = len(acts) + 1
        arrays = {}
        for name in ("centres", "w", "b"):
            arrays[name] = as_finite_array(getattr(self, name), name, shape=(f, nb - 1))
        cores = tuple(as_finite_array(c, f"cores[{i}]", ndim=3) for i, c in enumerate(self.cores))
        if len(cores) != f:
            raise ValueError(f"need one core per latent mode ({f}), got {len(cores)}")
        left = 1
        for i, c in enumerate(cores):
            if c.shape[0] != left or c.shape[1] != nb:
                raise ValueError(
                    f"cores[{i}] has shape {c.shape}; expected ({left}, {nb}, r) to chain with "
                    "the previous core and the basis size"
                )
            left = c.shape[2]
        if left != 1:
            raise ValueError(f"the last core must end in a bond of size 1, got {left}")
        object.__setattr__(self, "U", U)
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "activations", acts)
        object.__setattr__(self, "cores", cores)
        object.__setattr__(self, "scale", float(self.scale))
        object.__setattr__(self, "offset", float(self.offset))
        object.__setattr__(self, "energy_unit", normalize_energy_unit(self.energy_unit))
        conf = self.confinement
        if conf is not None and getattr(conf, "n_modes", None) != f:
            raise ValueError(f"confinement must be a vibmpo.potential.confine.Confinement "
                             f"for {f} latent modes, got {conf!r}")

    @property
    def n_inputs(self) -> int:
        """Number of input coordinates ``n``."""
        return int(self.U.shape[0])

    @property
    def n_modes(self) -> int:
        """Number of latent modes ``f``."""
        return int(self.U.shape[1])

    @property
    def basis_size(self) -> int:
        """Basis functions per mode ``N`` (including the constant)."""
        return len(self.activations) + 1

    @property
    def ranks(self) -> tuple[int, ...]:
        """Internal tensor-train ranks ``(r_1, ..., r_{f-1})``."""
        return tuple(int(c.shape[2]) for c in self.cores[:-1])

    def basis(self, mode: int, q) -> np.ndarray:
        """Basis values ``phi_{mode}(q)`` for latent values ``q`` (shape (m,)) -> (m, N).

        Examples
        --------
        >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("gaussian",),
        ...                 cores=(np.ones((1, 2, 1)),))
        >>> a.basis(0, [0.0]).tolist()
        [[1.0, 1.0]]
        """
        q = np.asarray(q, dtype=np.float64).reshape(-1)
        z = self.w[mode] * (q[:, None] - self.centres[mode]) + self.b[mode]
        out = np.empty((q.size, self.basis_size))
        out[:, 0] = 1.0
        for k, name in enumerate(self.activations):
            out[:, k + 1] = activation_numpy(name, z[:, k])
        return out

    def energy(self, x) -> np.ndarray:
        """Energies ``V(x)`` for the rows of ``x`` (shape (m, n)), NumPy reference.

        Examples
        --------
        >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
        ...                 b=np.zeros((1, 1)), activations=("gaussian",),
        ...                 cores=(np.array([[[1.0], [1.0]]]),), offset=-1.0)
        >>> a.energy([[0.0]]).tolist()
        [1.0]
        """
        x = as_finite_array(x, "x", ndim=2)
        if x.shape[1] != self.n_inputs:
            raise ValueError(f"x must have {self.n_inputs} columns, got shape {x.shape}")
        q = x @ self.U
        if self.confinement is not None:
            return self.confinement.energy(self, q)
        v = np.ones((x.shape[0], 1))
        for i, core in enumerate(self.cores):
            v = np.einsum("ma,arb,mr->mb", v, core, self.basis(i, q[:, i]), optimize=True)
        return self.offset + self.scale * v[:, 0]


def average(models, weights=None) -> NNMPOArrays:
    r"""The weighted mean of NN-MPO potentials that share ``U``, as one exact NN-MPO.

    .. math::

        \bar V(x) = \sum_k c_k V_k(x) = \sum_k c_k V_{0,k}
        + \sum_k c_k s_k\, W_k^1 \cdots W_k^f\, \phi_k \cdots \phi_k,

    with ``c_k = 1/K`` by default. The basis of every mode is the constant plus the
    union of the members' non-constant functions (``N = 1 + \sum_k (N_k - 1)``) and the
    cores are the direct sums of the members' cores (bond ranks add), so the result
    predicts exactly the weighted mean of the members. It is the form in which an
    ensemble of fits stays an ordinary NN-MPO for the operator layer.

    Parameters
    ----------
    models : sequence of NNMPOArrays
        Members with the same ``U`` (to 1e-10) and energy unit.
    weights : sequence of float, optional
        ``c_k``; default equal weights ``1/K``.

    Returns
    -------
    NNMPOArrays

    Examples
    --------
    >>> def one(c):
    ...     return NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                        b=np.zeros((1, 1)), activations=("gaussian",),
    ...                        cores=(np.array([[[0.0], [c]]]),), offset=c)
    >>> m = average([one(1.0), one(3.0)])
    >>> m.basis_size, m.energy([[0.0]]).tolist()
    (3, [4.0])
    """
    models = list(models)
    if not models or not all(isinstance(m, NNMPOArrays) for m in models):
        raise TypeError("average needs a non-empty sequence of NNMPOArrays")
    first = models[0]
    for k, m in enumerate(models[1:], 1):
        if m.U.shape != first.U.shape or not np.allclose(m.U, first.U, rtol=0, atol=1e-10):
            raise ValueError(f"models[{k}] has a different coordinator U from models[0]; "
                             "only potentials with the same U can be merged exactly (fit "
                             "the members with the coordinator held fixed)")
        if m.energy_unit != first.energy_unit:
            raise ValueError(f"models[{k}] answers in {m.energy_unit}, models[0] in "
                             f"{first.energy_unit}; convert them to one unit first")
    if weights is None:
        c = np.full(len(models), 1.0 / len(models))
    else:
        c = as_finite_array(weights, "weights", shape=(len(models),))
    sizes = [m.basis_size - 1 for m in models]
    starts = np.concatenate([[1], 1 + np.cumsum(sizes)])
    cores = None
    for k, m in enumerate(models):
        # member k's cores on the joint basis (its functions at starts[k]:starts[k+1]),
        # weighted on the first core, then the direct sum over the members (ranks add)
        member = []
        for i, core in enumerate(m.cores):
            blk = core * (c[k] * m.scale / first.scale) if i == 0 else core
            wide = np.zeros((blk.shape[0], int(starts[-1]), blk.shape[2]))
            wide[:, 0] = blk[:, 0]
            wide[:, starts[k]:starts[k + 1]] = blk[:, 1:]
            member.append(wide)
        cores = member if cores is None else direct_sum(cores, member)
    return NNMPOArrays(
        U=first.U, cores=tuple(cores),
        centres=np.concatenate([m.centres for m in models], 1),
        w=np.concatenate([m.w for m in models], 1),
        b=np.concatenate([m.b for m in models], 1),
        activations=sum((m.activations for m in models), ()),
        scale=first.scale,
        offset=float(sum(ck * m.offset for ck, m in zip(c, models, strict=True))),
        energy_unit=first.energy_unit)
