"""The Krylov methods of the solvers, defined in :mod:`vibmpo.linalg.krylov` (the Lanczos
exponential of TDVP, block Davidson of DMRG) and re-exported here under their former
import path, which user code and pickled :class:`KrylovInfo` objects may use.

Examples
--------
>>> from vibmpo.linalg import krylov
>>> expm_krylov is krylov.expm_krylov
True
"""

from vibmpo.linalg.krylov import KrylovInfo, davidson, expm_krylov, expm_krylov_info

__all__ = ["KrylovInfo", "expm_krylov", "expm_krylov_info", "davidson"]
