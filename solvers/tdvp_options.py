r"""Typed options of :func:`vibmpo.solvers.tdvp`: its truncation and Krylov settings.

A frozen, keyword-only dataclass: an unknown field is a ``TypeError``, a bad value a
``ValueError`` naming the field, at construction. The integrator (``method``) stays the
call's own keyword, as for :func:`vibmpo.solvers.dmrg` (strategies are chosen with
``method="..."``), and so do the problem (``H``, ``psi0``, times, ``imaginary``) and what
is measured or reported (``observables``, ``save_times``, ``progress``, ``callback``,
``energy_unit``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["TDVPOptions"]


def _positive_int(name, value):
    """``value`` as an ``int`` >= 1."""
    try:
        ok = not isinstance(value, bool) and int(value) == value and int(value) >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


@dataclass(frozen=True, kw_only=True)
class TDVPOptions:
    r"""Truncation, bond growth and Krylov settings of :func:`~vibmpo.solvers.tdvp`.

    Parameters
    ----------
    maxdim : int
        Largest bond dimension (two-site steps, subspace expansion).
    cutoff : float
        Relative discarded weight allowed per SVD, in ``[0, 1)``.
    expansion : float
        Subspace-expansion strength :math:`\alpha` of one-site steps (default 0: plain
        one-site TDVP at fixed bond dimension). With ``expansion > 0`` each one-site step
        enlarges the kept basis with :math:`\alpha\,H_\mathrm{eff}\theta` before moving on
        (bounded by ``maxdim``/``cutoff``), so ``method="1site"`` can also grow a product
        state.
    krylov_dim : int
        Largest Krylov dimension of each local Lanczos exponential.
    krylov_tol : float
        A-posteriori relative error estimate at which a local exponential stops. A Lanczos
        exponential conserves norm and energy exactly whatever its tolerance (its result
        lies in a Krylov space containing :math:`H\psi`); the tolerance sets the phase
        error only. The estimate is not a bound: on the one-site and bond problems of the
        H2CO wavepacket (``benchmarks/h2co_wavepacket.py``) the true error of each
        exponential, against its dense matrix exponential, is about 4 times the estimate
        (each further Krylov vector gains about a factor 10). The C(t) error is dominated
        by the projection error: Henon-Heiles 4-D (``benchmarks/tdvp_vs_renormalizer.py``,
        D = 32, 200 steps, 2800 exponentials) gives 6.0e-9 at 1e-8, 1e-9 and 1e-10 alike,
        with 20 % fewer operator applications at 1e-8 than at 1e-10 (1.9e-8 at 1e-7).
    growth_substeps : int
        Split each step taken while the bonds are still growing (not yet at
        ``min(maxdim, exact)``; two-site steps of ``"adaptive"``/``"2site"``, expanded
        one-site steps of ``"gse"``) into this many sub-steps. Starting from a product
        state the first steps carry the largest projection error; e.g. 10 sub-steps cut
        it several-fold at little cost, since growth lasts a few steps.
    gse_krylov : int
        Number of Krylov vectors :math:`H^k|\psi\rangle` the ``"gse"`` expansion draws its
        new directions from.

    Examples
    --------
    >>> o = TDVPOptions(maxdim=16, cutoff=1e-10)
    >>> o.maxdim, o.krylov_dim, o.as_dict()["cutoff"]
    (16, 40, 1e-10)
    >>> TDVPOptions(growth_substeps=0)
    Traceback (most recent call last):
    ...
    ValueError: growth_substeps must be an integer >= 1, got 0
    >>> TDVPOptions(max_bond=16)
    Traceback (most recent call last):
    ...
    TypeError: TDVPOptions.__init__() got an unexpected keyword argument 'max_bond'
    """

    maxdim: int = 64
    cutoff: float = 1e-12
    expansion: float = 0.0
    krylov_dim: int = 40
    krylov_tol: float = 1e-8
    growth_substeps: int = 1
    gse_krylov: int = 2

    def __post_init__(self):
        for name in ("maxdim", "krylov_dim", "growth_substeps", "gse_krylov"):
            object.__setattr__(self, name, _positive_int(name, getattr(self, name)))
        if not 0.0 <= float(self.cutoff) < 1.0:
            raise ValueError(f"cutoff must be in [0, 1), got {self.cutoff!r}")
        if not float(self.expansion) >= 0.0:
            raise ValueError(f"expansion must be >= 0, got {self.expansion!r}")
        if not float(self.krylov_tol) > 0.0:
            raise ValueError(f"krylov_tol must be positive, got {self.krylov_tol!r}")
        for name in ("cutoff", "expansion", "krylov_tol"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def as_dict(self) -> dict:
        """Plain values, for JSON and ``info``.

        Examples
        --------
        >>> TDVPOptions(maxdim=8).as_dict()["maxdim"]
        8
        """
        return dataclasses.asdict(self)
