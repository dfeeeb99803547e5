"""``vibmpo levels`` options for many levels: bond-dimension and sweep schedules, energy
windows, block DMRG, automatic grids and multiplets.

The schedules are comma lists whose last value repeats: ``--maxdim 16,32,64
--nsweeps 2,2,20`` runs 2 sweeps at bond dimension 16, 2 at 32 and up to 20 at 64
(the last stage ends early once converged). A single ``--nsweeps`` value applies to
every stage.

Examples
--------
>>> per_sweep_schedule("16,32", "2,10")
([16, 16, 32], 12)
>>> parse_window("0:2000")
(0.0, 2000.0)
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["add_options", "per_sweep_schedule", "parse_window", "parse_int_list",
           "solve_block", "solve_window", "resolve_auto_grid", "window_filter",
           "degeneracy_threshold", "multiplet_table",
           "DEFAULT_MAXDIM", "DEFAULT_NSWEEPS"]

#: Default bond dimensions (per stage) and sweeps per stage of ``--method dmrg``.
DEFAULT_MAXDIM = "8,16,32"
DEFAULT_NSWEEPS = "1,1,28"


def parse_int_list(text: str, name: str) -> list[int]:
    """Positive integers from a comma list (``"8,16,32"``).

    Examples
    --------
    >>> parse_int_list("8, 16", "--maxdim")
    [8, 16]
    """
    try:
        vals = [int(x) for x in str(text).split(",")]
    except ValueError:
        raise ValueError(f"{name} must be a comma list of positive integers "
                         f"(e.g. 8,16,32), got {text!r}") from None
    if not vals or any(v < 1 for v in vals):
        raise ValueError(f"{name} values must be positive integers, got {text!r}")
    return vals


def per_sweep_schedule(maxdim: str, nsweeps: str) -> tuple[list[int], int]:
    """Per-sweep bond dimensions and the total number of sweeps from stage lists.

    Stage ``j`` has bond dimension ``maxdim[j]`` and ``nsweeps[j]`` sweeps (the last
    value of the shorter list repeats); the last stage's count is an upper bound.

    Examples
    --------
    >>> per_sweep_schedule("8,16,32", "1")
    ([8, 16, 32], 3)
    >>> per_sweep_schedule("32", "20")
    ([32], 20)
    """
    md = parse_int_list(maxdim, "--maxdim")
    ns = parse_int_list(nsweeps, "--nsweeps")
    stages = max(len(md), len(ns))
    sched = []
    for j in range(stages - 1):
        sched += [md[min(j, len(md) - 1)]] * ns[min(j, len(ns) - 1)]
    sched.append(md[-1])
    total = len(sched) - 1 + ns[-1]
    return sched, total


def parse_window(text: str) -> tuple[float, float]:
    """``"EMIN:EMAX"`` -> ``(emin, emax)`` (excitation energies above the ground state).

    Examples
    --------
    >>> parse_window(":1500")
    (0.0, 1500.0)
    """
    parts = str(text).split(":")
    if len(parts) != 2:
        raise ValueError(f"--window must be EMIN:EMAX (e.g. 0:2000), got {text!r}")
    try:
        emin = float(parts[0]) if parts[0].strip() else 0.0
        emax = float(parts[1])
    except ValueError:
        raise ValueError(f"--window must be EMIN:EMAX with numbers, got {text!r}") from None
    if not (np.isfinite(emin) and np.isfinite(emax) and 0 <= emin <= emax):
        raise ValueError(f"--window needs 0 <= EMIN <= EMAX, got {text!r}")
    return emin, emax


def add_options(p) -> None:
    """Add ``--maxdim``, ``--nsweeps``, ``--window``, ``--degeneracy``, ``--block-size``.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> add_options(p)
    >>> p.parse_args(["--window", "0:500"]).window
    '0:500'
    """
    p.add_argument("--maxdim", default=None, metavar="D[,D...]",
                   help=f"DMRG bond dimension per stage, comma list, last repeats (default "
                        f"{DEFAULT_MAXDIM} for dmrg; 16 (the blocks) for block)")
    p.add_argument("--nsweeps", default=None, metavar="N[,N...]",
                   help=f"DMRG sweeps per --maxdim stage, comma list, last repeats; the last "
                        f"stage stops early when converged (default {DEFAULT_NSWEEPS}; 8 for "
                        "block)")
    p.add_argument("--window", default=None, metavar="EMIN:EMAX",
                   help="all levels with excitation energy in [EMIN, EMAX] above the ground "
                        "state (unit of the table: cm-1 for models, the force field's unit "
                        "otherwise) instead of --n-states; with --method exact or dmrg, "
                        "--n-states is the first guess of the count, doubled until the "
                        "window is closed")
    p.add_argument("--degeneracy", type=float, default=None, metavar="DE",
                   help="levels closer than DE form one multiplet in the table and JSON, "
                        "and with --method block are never split across blocks (default: "
                        "the larger of 10 x --tol and 1e-6, times |ground level|; in the "
                        "table's unit)")
    p.add_argument("--block-size", type=int, default=12,
                   help="--method block: levels accepted per block (default 12)")
    p.add_argument("--refine-maxdim", default=None, metavar="D[,D...]",
                   help="--method block: bond dimension of the per-state refinement, per "
                        "block, comma list, last repeats (higher levels need more; "
                        "default 32)")


def _unit_scale(ham):
    """Factor from the Hamiltonian's unit to the table's unit (cm-1 for Hartree)."""
    from vibmpo.cli.tables import display_energies

    e, _ = display_energies(np.array([1.0]), ham.energy_unit)
    return float(e[0])


def solve_block(ham, args):
    """``--method block``: block DMRG (:func:`vibmpo.solvers.block_dmrg`)."""
    import dataclasses
    import time

    from vibmpo.cli.tables import levels_result
    from vibmpo.solvers import BLOCK_SCHEDULE, BlockOptions, block_dmrg

    t0 = time.perf_counter()
    H = ham.to_mpo(max_error=args.mpo_max_error)
    maxdim, nsweeps = per_sweep_schedule(args.maxdim or "16", args.nsweeps or "8")
    refine = parse_int_list(args.refine_maxdim or "32", "--refine-maxdim")
    scale = _unit_scale(ham)
    window = None
    if args.window:
        emin, emax = parse_window(args.window)
        window = (emin / scale, emax / scale)
    from vibmpo.solvers.mps import mpo_arrays
    from vibmpo.solvers.verify import energy_scale

    schedule = dataclasses.replace(BLOCK_SCHEDULE, maxdim=maxdim, nsweeps=nsweeps,
                                   tol=args.tol * energy_scale(mpo_arrays(H)))
    degeneracy = None  # --degeneracy is in the table's unit, the blocks' in H's
    if args.degeneracy is not None:
        if not args.degeneracy >= 0:
            raise ValueError(f"--degeneracy must be >= 0, got {args.degeneracy}")
        degeneracy = float(args.degeneracy) / scale
    res = block_dmrg(H, n_states=None if window is not None else args.n_states,
                     window=window, schedule=schedule,
                     options=BlockOptions(block_size=args.block_size, refine_maxdim=refine,
                                          degeneracy=degeneracy),
                     energy_unit=ham.energy_unit, seed=0)
    from vibmpo.cli.levels import _assignments

    labels, quanta = _assignments(ham, res)
    extra = {
        "n_states": len(res.energies),
        "solver": "dmrg/block",
        "mean_quanta": quanta,
        "residual_max": float(np.nanmax(res.residuals)),
        "residuals": [float(r) for r in res.residuals],
        "residual_unit": ham.energy_unit,
        "converged": [bool(c) for c in res.converged],
        "blocks": res.info["blocks"],
        "block_degeneracy": float(res.info["degeneracy"]) * scale,
        "maxdim": maxdim, "nsweeps": nsweeps, "refine_maxdim": refine,
    }
    return levels_result(res.energies, ham.energy_unit, method="block", grid=ham.grid_spec,
                         seconds=time.perf_counter() - t0, extra=extra, labels=labels)


def resolve_auto_grid(args, source) -> str | None:
    """Replace ``--grid auto:TOL`` by per-mode sizes from one-mode mean-field problems.

    Returns a one-line description (None if the grid was not automatic); TOL is in the
    force field's unit.
    """
    spec = str(args.grid).strip()
    if not spec.lower().startswith("auto"):
        return None
    from vibmpo.operators.grid_convergence import converged_grid

    parts = spec.split(":")
    try:
        tol = float(parts[1]) if len(parts) > 1 and parts[1] else 1e-3
    except ValueError:
        raise ValueError(f"--grid auto:TOL needs a number TOL, got {spec!r}") from None
    e_max = parse_window(args.window)[1] if args.window else None
    choice = converged_grid(source, tol, e_max=e_max,
                            n_states=None if e_max is not None else args.n_states)
    args.grid = choice.spec
    return (f"auto grid (one-mode mean-field levels up to {choice.e_max:.6g} converged to "
            f"{tol:g}): {' '.join(str(n) for n in choice.sizes)} points per mode")


def solve_window(solver, ham, args):
    """Run ``solver`` with ``args.n_states`` doubled until a level lies above the window."""
    emin, emax = parse_window(args.window)
    n = max(int(args.n_states), 2)
    size = int(ham.size)
    while True:
        args.n_states = min(n, size)
        result = solver(ham, args)
        if result.excitations[-1] > emax or args.n_states >= size:
            return window_filter(result, args.window)
        n *= 2


def degeneracy_threshold(args, result, ham) -> float:
    """``--degeneracy`` or its default, in the table's unit (``--tol`` is relative, so
    the default is relative to the size of the ground level)."""
    if args.degeneracy is not None:
        if not args.degeneracy >= 0:
            raise ValueError(f"--degeneracy must be >= 0, got {args.degeneracy}")
        return float(args.degeneracy)
    return max(10.0 * float(args.tol), 1e-6) * abs(float(result.energies[0]))


def window_filter(result, window_text):
    """Keep the levels of a :class:`LevelsResult` whose excitation lies in the window."""
    if not window_text:
        return result
    emin, emax = parse_window(window_text)
    exc = result.excitations
    keep = np.flatnonzero((exc >= emin) & (exc <= emax))
    extra = dict(result.extra)
    for key, val in list(extra.items()):
        if isinstance(val, list) and len(val) == len(exc):
            extra[key] = [val[i] for i in keep]
    extra["window"] = [emin, emax]
    return dataclasses.replace(result, energies=result.energies[keep],
                               labels=[result.labels[i] for i in keep] if result.labels
                               else [], extra=extra)


def multiplet_table(table: str, result, threshold: float) -> tuple[str, dict]:
    """Add a multiplet column (id, size, spread of each level in a multiplet; none when
    every level is single) to a level table; the JSON entry has every level's group.

    Examples
    --------
    >>> from vibmpo.cli.tables import format_level_table, levels_result
    >>> r = levels_result([1.0, 2.0, 2.001], "hbar*omega", method="exact")
    >>> text, data = multiplet_table(format_level_table(r.energies, r.unit), r, 0.01)
    >>> print(text.splitlines()[3])
      1                   1.0000          2.0000  m1 x2 spread 0.001
    >>> data["group"]
    [0, 1, 1]
    """
    from vibmpo.solvers.multiplets import group_multiplets

    m = group_multiplets(result.energies, threshold)
    lines = table.splitlines()
    head = len(lines) - len(m.group)  # header lines above one row per level
    if not any(size > 1 for size in m.size):
        return table, m.to_dict()  # no multiplets: no column
    out = lines[:head - 1] + [lines[head - 1] + f"  multiplet (levels within "
                                                f"{threshold:.3g} {result.unit})"]
    for i, line in enumerate(lines[head:]):
        tag = f"m{m.group[i]} x{m.size[i]} spread {m.spread[i]:.3g}" if m.size[i] > 1 else ""
        out.append(f"{line}  {tag}".rstrip())
    return "\n".join(out), m.to_dict()
