"""DMRG for the command line: convergence warnings as one visible line, ``--strict``.

Every command that runs DMRG goes through :func:`run_dmrg`, which turns a
:class:`~vibmpo.solvers.DMRGConvergenceWarning` into one line on stderr
(``vibmpo COMMAND: warning: ...``) and :func:`convergence_info` into the JSON fields
``converged`` and ``residuals``; with ``--strict`` the command then exits with status
:data:`NOT_CONVERGED`.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["run_dmrg", "convergence_info", "add_strict", "NOT_CONVERGED"]

#: Exit status of a command run with ``--strict`` whose DMRG did not converge.
NOT_CONVERGED = 3


def add_strict(parser) -> None:
    """Add ``--strict`` to a command's parser.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_strict(p)
    >>> p.parse_args(["--strict"]).strict
    True
    """
    parser.add_argument("--strict", action="store_true",
                        help=f"exit with status {NOT_CONVERGED} when DMRG does not converge "
                             "(default: warn and flag the results)")


def run_dmrg(H, command: str, **options):
    """:func:`vibmpo.solvers.dmrg` with its convergence warning printed as one line
    ``vibmpo COMMAND: warning: ...`` on stderr; schedule fields among ``options``
    (``maxdim=``, ``nsweeps=``, ...) go into its ``schedule``.

    Examples
    --------
    >>> import contextlib, io, quimb.tensor as qtn
    >>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     r = run_dmrg(H, "levels", maxdim=1, nsweeps=1)
    >>> r.all_converged, err.getvalue().startswith("vibmpo levels: warning: DMRG")
    (False, True)
    """
    from vibmpo.cli.recipes import schedule_from_options
    from vibmpo.solvers import DMRGConvergenceWarning, dmrg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DMRGConvergenceWarning)
        res = dmrg(H, **schedule_from_options(options))
    for w in caught:
        if issubclass(w.category, DMRGConvergenceWarning):
            print(f"vibmpo {command}: warning: {w.message} -- results flagged "
                  "'converged': false in the JSON", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return res


def convergence_info(res, scale: float = 1.0) -> dict:
    """JSON fields ``converged`` (per state) and ``residuals`` (times ``scale``) of a
    DMRG result.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> convergence_info(SimpleNamespace(converged=np.array([True]),
    ...                                  residuals=np.array([1e-9])))
    {'converged': [True], 'residuals': [1e-09]}
    """
    import numpy as np

    return {"converged": [bool(c) for c in res.converged],
            "residuals": [None if not np.isfinite(r) else float(r) * scale
                          for r in res.residuals]}
