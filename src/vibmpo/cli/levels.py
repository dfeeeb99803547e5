"""``vibmpo levels``: vibrational levels of an NN-MPO model or a force field.

::

    vibmpo levels MODEL.h5 --grid ho:9 --n-states 21 --method exact --json out.json
    vibmpo levels henon_heiles.json --grid ho:24 --n-states 5

SOURCE is an NN-MPO model file (vibmpo or Pompon HDF5; energies printed in cm^-1) or a
force-field JSON file (energies in its own unit, labelled). Each method is a function
``solve_<method>(ham, args) -> LevelsResult`` registered in :data:`SOLVERS`.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sorted(SOLVERS)
['block', 'dmrg', 'exact']
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vibmpo.cli._sources import SOURCE_HELP

__all__ = ["register", "run", "build_hamiltonian", "solve_exact", "solve_dmrg",
           "solve_block", "SOLVERS"]


def build_hamiltonian(args):
    """Grid Hamiltonian of ``args.source`` on ``args.grid``."""
    from vibmpo.cli._sources import load_source
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    source = load_source(args.source)
    ham = grid_hamiltonian(source, args.grid)
    return ham


def solve_exact(ham, args):
    """``--method exact``: matrix-free exact diagonalisation on the full grid."""
    from vibmpo.solvers.exact import exact_levels
    from vibmpo.solvers.results import levels_result

    res = exact_levels(ham, args.n_states, return_vectors=False, tol=args.tol)
    extra = {
        "n_states": int(args.n_states),
        "solver": f"exact/{res.method}",
        "residual_max": float(res.residuals.max()),
        "residual_unit": res.energy_unit,
        "n_matvec": res.n_matvec,
        "memory_estimate_bytes": res.memory_bytes,
        "grid_points": int(ham.size),
    }
    return levels_result(res.energies, res.energy_unit, method="exact", grid=ham.grid_spec,
                         seconds=res.seconds, extra=extra)


def solve_dmrg(ham, args):
    """``--method dmrg``: sequential (penalty-projected) DMRG on the Hamiltonian's MPO.

    Bond dimensions ``--maxdim`` per stage (default 8 (two-site sweep) -> 16 -> 32,
    one-site sweeps with subspace expansion after the first), ``--nsweeps`` per stage;
    converged when every energy changes by less than ``tol / 100`` (unit of the
    Hamiltonian) over a sweep.
    """
    import numpy as np

    from vibmpo.solvers.dmrg import dmrg
    from vibmpo.solvers.results import levels_result

    t0 = time.perf_counter()
    H = ham.to_mpo(tol=args.mpo_tol)
    maxdim, nsweeps = _schedule_options(args)
    res = dmrg(H, n_states=args.n_states, method="sequential", maxdim=maxdim,
               nsites=(2, 1), nsweeps=nsweeps, tol=1e-2 * args.tol, seed=0)
    labels, quanta = _assignments(ham, res)
    extra = {
        "n_states": int(args.n_states),
        "solver": f"dmrg/{res.method}",
        "mean_quanta": quanta,
        "residual_max": float(np.nanmax(res.residuals)),
        "residual_unit": ham.energy_unit,
        "converged": [bool(c) for c in res.converged],
        "sweeps": [int(len(h)) for h in res.history],
        "max_bond_dim": int(max(int(b.max()) for b in res.bond_dims)),
        "grid_points": int(ham.size),
    }
    return levels_result(res.energies, ham.energy_unit, method="dmrg", grid=ham.grid_spec,
                         seconds=time.perf_counter() - t0, extra=extra, labels=labels)


def _assignments(ham, result):
    """Harmonic assignment labels and mean quanta per state (None where a grid has no
    harmonic frequency, e.g. sine DVR)."""
    from vibmpo.solvers.assign import assign_states, ho_number_operators

    if any(g.kind != "ho" for g in ham.grids):
        return None, None
    found = assign_states(result, ho_number_operators(ham))
    return [a.label for a in found], [[round(float(n), 4) for n in a.mean_quanta]
                                      for a in found]


def _schedule_options(args):
    """Per-sweep bond dimensions and sweep count from ``--maxdim``/``--nsweeps``."""
    from vibmpo.cli._levels_options import DEFAULT_MAXDIM, DEFAULT_NSWEEPS, per_sweep_schedule

    return per_sweep_schedule(getattr(args, "maxdim", None) or DEFAULT_MAXDIM,
                              getattr(args, "nsweeps", None) or DEFAULT_NSWEEPS)


def solve_block(ham, args):
    """``--method block``: block DMRG for many levels (see :mod:`vibmpo.solvers.block_dmrg`)."""
    from vibmpo.cli._levels_options import solve_block as _solve

    return _solve(ham, args)


#: ``--method`` name -> solver function ``(ham, args) -> LevelsResult``.
SOLVERS = {"exact": solve_exact, "dmrg": solve_dmrg, "block": solve_block}


def register(subparsers) -> None:
    """Add the ``levels`` command."""
    p = subparsers.add_parser(
        "levels",
        help="vibrational levels of an NN-MPO model or force field",
        description=(
            "Lowest vibrational levels on a DVR product grid. SOURCE: NN-MPO model file "
            "(vibmpo or Pompon HDF5; energies in cm^-1) or force-field JSON (its own unit)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "grid specs: ho:N (frequency and centre from the potential's minimum), "
            "ho:N:omega[:centre] (omega in cm^-1 for models, the force field's unit "
            "otherwise), sine:N:qmin:qmax; one for all modes or comma-separated per mode"
        ),
    )
    p.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("--grid", default="ho:9",
                   help="DVR grid spec (default ho:9); auto:TOL (force fields): per-mode "
                        "sizes whose one-mode mean-field levels in the energy range are "
                        "converged to TOL (force field's unit)")
    p.add_argument("--n-states", type=int, default=10, help="number of levels (default 10)")
    p.add_argument("--method", default="exact", choices=sorted(SOLVERS),
                   help="solver (default exact)")
    p.add_argument("--tol", type=float, default=1e-8, help="solver tolerance (default 1e-8)")
    p.add_argument("--mpo-tol", type=float, default=1e-10,
                   help="MPO compression: max change of any matrix element (default 1e-10)")
    p.add_argument("--json", metavar="OUT", help="write the levels as JSON to OUT")
    from vibmpo.cli._levels_options import add_options

    add_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Runner of ``vibmpo levels``."""
    from vibmpo.solvers.results import format_level_table, write_levels_json

    if args.n_states < 1:
        raise ValueError(f"--n-states must be positive, got {args.n_states}")
    from vibmpo.cli import _levels_options as opts

    t0 = time.perf_counter()
    grid_note = None
    if str(args.grid).lower().startswith("auto"):
        from vibmpo.cli._sources import load_source

        grid_note = opts.resolve_auto_grid(args, load_source(args.source))
    ham = build_hamiltonian(args)
    if args.window and args.method != "block":
        result = opts.solve_window(SOLVERS[args.method], ham, args)
    else:
        result = SOLVERS[args.method](ham, args)
    bonds = ham.mpo_bond_dims(args.mpo_tol)
    result = type(result)(**{**result.__dict__, "mpo_bond_dims": list(bonds)})
    print(f"source: {args.source} ({ham.description})")
    print(f"grid: {ham.grid_spec} ({ham.size:,} points)")
    print(f"MPO bond dimensions: {bonds}")
    print(f"method: {result.method}, {result.seconds:.2f} s "
          f"(total {time.perf_counter() - t0:.2f} s)")
    table, multiplets = opts.multiplet_table(
        format_level_table(result.energies, result.unit, labels=result.labels or None),
        result, opts.degeneracy_threshold(args, result, ham))
    if grid_note:
        print(grid_note)
    print(table)
    result = type(result)(**{**result.__dict__,
                             "extra": {**result.extra, "multiplets": multiplets}})
    if args.json:
        from vibmpo.plotting import plot_levels

        write_levels_json(args.json, result)
        png = Path(args.json).with_suffix(".png")
        title = f"{Path(str(args.source)).name}: {result.method}, {len(result.energies)} levels"
        plot_levels(result.excitations, png, labels=result.labels or None,
                    energy_unit=result.unit, title=title)
        print(f"wrote {args.json} and {png}", file=sys.stderr)
    return 0
