"""Solver settings the commands share, in one place.

:func:`levels_dmrg` is the DMRG of the commands' level calculations (``vibmpo demo``,
``vibmpo levels --dipole``): sequential states on
:data:`~vibmpo.solvers.dmrg_options.LEVELS_SCHEDULE` (two-site sweeps at bond dimension 8,
then one-site sweeps at 16 and 32) from seed 0.
"""

from __future__ import annotations

import dataclasses

__all__ = ["levels_dmrg", "schedule_from_options"]


def levels_dmrg(tol: float) -> dict:
    """Keyword arguments of :func:`vibmpo.solvers.dmrg` for the commands' levels, with
    the energy tolerance ``tol`` (unit of the MPO).

    Examples
    --------
    >>> opts = levels_dmrg(1e-10)
    >>> opts["method"], opts["schedule"].maxdim, opts["schedule"].nsites, opts["schedule"].tol
    ('sequential', (8, 16, 32), (2, 1, 1), 1e-10)
    """
    from vibmpo.solvers.dmrg_options import LEVELS_SCHEDULE

    return {"method": "sequential", "schedule": dataclasses.replace(LEVELS_SCHEDULE, tol=tol),
            "seed": 0}


def schedule_from_options(options: dict) -> dict:
    """``options`` with the schedule fields (``maxdim``, ``nsweeps``, ``tol``, ...) taken
    out into one ``schedule=DMRGSchedule(...)``.

    Examples
    --------
    >>> schedule_from_options({"n_states": 2, "maxdim": 8})["schedule"].maxdim
    (8,)
    """
    from vibmpo.solvers.dmrg_options import DMRGSchedule

    fields = {f.name for f in dataclasses.fields(DMRGSchedule)}
    rest = {k: v for k, v in options.items() if k not in fields}
    given = {k: v for k, v in options.items() if k in fields}
    if given:
        if rest.get("schedule") is not None:
            rest["schedule"] = dataclasses.replace(rest["schedule"], **given)
        else:
            rest["schedule"] = DMRGSchedule(**given)
    return rest
