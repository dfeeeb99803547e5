"""``vibmpo levels``: vibrational levels of an NN-MPO model or a force field.

::

    vibmpo levels MODEL.h5 --grid ho:9 --n-states 21 --method exact --json out.json
    vibmpo levels henon_heiles.json --grid ho:24 --n-states 5

SOURCE is an NN-MPO model file (vibmpo or Pompon HDF5; energies printed in cm^-1) or a
force-field JSON file (energies in its own unit, labelled). Tables show excitation
energies above the ground level and energies above the potential minimum found by the
harmonic analysis; the JSON holds both, with their unit and zero. Each method is a function
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

from vibmpo.cli._dmrg import NOT_CONVERGED, add_strict
from vibmpo.cli._flags import add_renamed_flag
from vibmpo.cli._sources import SOURCE_HELP, add_allow_extrapolation

#: The force-field JSON format, for ``vibmpo levels --help`` and the README.
FORCEFIELD_HELP = """\
force-field JSON (H = sum_i kappa_i p_i^2 + sum_k c_k prod_i q_i^n_ki, in its own unit):
  {"energy_unit": "hbar*omega",          # any label; eV, hartree, cm-1 are converted
   "modes": ["x", "y"],                  # or "n_modes": 2 (modes 0..f-1)
   "kinetic": [0.5, 0.5],                # optional kappa_i (default 1/2)
   "terms": [{"coefficient": 0.5, "powers": {"x": 2}},
             [0.5, {"y": 2}],            # short form [c, powers]
             [0.111803, {"x": 2, "y": 1}], [-0.0372677, {"y": 3}]]}
  an example: python3 -c "import json; from vibmpo.operators.forcefield import \\
    henon_heiles; print(json.dumps(henon_heiles(2).to_json_dict()))" > hh.json
"""

__all__ = ["register", "run", "build_hamiltonian", "solve_exact", "solve_dmrg",
           "solve_block", "SOLVERS"]


def build_hamiltonian(args, source=None):
    """Grid Hamiltonian of ``args.source`` (or of the already loaded ``source``) on
    ``args.grid``."""
    from vibmpo.cli._sources import load_source
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    if source is None:
        source = load_source(args.source)
    ham = grid_hamiltonian(source, args.grid,
                           allow_extrapolation=getattr(args, "allow_extrapolation", False))
    return ham


def solve_exact(ham, args):
    """``--method exact``: matrix-free exact diagonalisation on the full grid."""
    from vibmpo.cli.tables import levels_result
    from vibmpo.solvers.exact import exact_levels

    res = exact_levels(ham, n_states=args.n_states, return_vectors=False, tol=args.tol)
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
                         seconds=res.wall_time, extra=extra)


def solve_dmrg(ham, args):
    """``--method dmrg``: sequential (penalty-projected) DMRG on the Hamiltonian's MPO.

    Bond dimensions ``--maxdim`` per stage (default 8 (two-site sweep) -> 16 -> 32,
    one-site sweeps with subspace expansion after the first), ``--nsweeps`` per stage;
    sweeps stop when every energy changes by less than ``--tol`` times the energy scale
    of the Hamiltonian (the spread of its spectrum, so the tolerance means the same in
    every unit), and a state counts as converged only when it also passes
    :func:`vibmpo.solvers.verify.verify_eigenpairs` (residual, norm, orthogonality).
    """
    import numpy as np

    from vibmpo.cli._dmrg import convergence_info, run_dmrg
    from vibmpo.cli.tables import levels_result
    from vibmpo.solvers.verify import energy_scale

    t0 = time.perf_counter()
    H = ham.to_mpo(max_error=args.mpo_max_error)  # compressed once per --mpo-max-error
    scale = energy_scale(ham.mpo_arrays(args.mpo_max_error))
    maxdim, nsweeps = _schedule_options(args)
    res = run_dmrg(H, "levels", n_states=args.n_states, method="sequential",
                   maxdim=maxdim, nsites=(2, 1), nsweeps=nsweeps, tol=args.tol * scale,
                   seed=0)
    labels, quanta = _assignments(ham, res)
    if getattr(args, "itensors", None):
        _export_itensors(args, ham, H, res.states)
    extra = {
        "n_states": int(args.n_states),
        "solver": f"dmrg/{res.method}",
        "mean_quanta": quanta,
        "residual_max": float(np.nanmax(res.residuals)),
        "residual_unit": ham.energy_unit,
        "energy_scale": scale,
        **convergence_info(res),
        "sweeps": [int(len(h)) for h in res.history],
        "max_bond_dim": int(max(int(b.max()) for b in res.bond_dims)),
        "grid_points": int(ham.size),
    }
    return levels_result(res.energies, ham.energy_unit, method="dmrg", grid=ham.grid_spec,
                         seconds=time.perf_counter() - t0, extra=extra, labels=labels)


def _export_itensors(args, ham, H=None, states=()) -> None:
    """``--itensors FILE``: H (and the DMRG states) in ITensors.jl's HDF5 layout."""
    from vibmpo.solvers.itensors_io import write_itensors

    H = ham.to_mpo(max_error=args.mpo_max_error) if H is None else H
    write_itensors(args.itensors, H, states, energy_unit=ham.energy_unit)
    what = "H" + (f" and the {len(states)} DMRG states psi1..psi{len(states)}"
                  if len(states) > 1 else " and psi" if states else "")
    print(f"wrote {args.itensors} ({what}, ITensors.jl HDF5; energies in "
          f"{ham.energy_unit})", file=sys.stderr)


def _assignments(ham, result):
    """Harmonic assignment labels and mean quanta per state (None where a grid has no
    harmonic frequency, e.g. sine DVR)."""
    from vibmpo.solvers.assign import assign_states, ho_number_operators

    if any(g.kind != "ho" for g in ham.grids):
        return None, None
    found = assign_states(result, ho_number_operators(ham))
    return [a.label for a in found], [[round(float(n), 4) for n in a.mean_quanta]
                                      for a in found]


def _tolerance(low_inclusive: bool, meaning: str, name: str = "tol"):
    """An argparse type for a tolerance ``name`` in (0, 1), or in [0, 1) with
    ``low_inclusive``; ``meaning`` says what it is in the error message."""
    bounds = f"0 <= {name} < 1" if low_inclusive else f"0 < {name} < 1"

    def parse(text: str) -> float:
        try:
            val = float(text)
        except ValueError:
            val = float("nan")
        if not (0 <= val < 1 if low_inclusive else 0 < val < 1):  # NaN fails both
            raise argparse.ArgumentTypeError(f"expected {bounds} ({meaning}), got {text!r}")
        return val

    parse.__name__ = "tolerance"
    return parse


def _mpo_error_line(ham, max_error):
    """The MPO compression's error bound and its note for the bond-dimension line; a
    warning on stderr when it exceeds 1e-3 of the energy scale."""
    from vibmpo.cli.tables import display_energies

    err = ham.mpo_error(max_error)
    value, unit = display_energies([err], ham.energy_unit)
    shown = f"{value[0]:.3g} {unit}"
    if err > 0:
        from vibmpo.solvers.verify import energy_scale

        if err > 1e-3 * energy_scale(ham.mpo_arrays(max_error)):
            print(f"vibmpo levels: warning: the MPO compression (--mpo-max-error "
                  f"{max_error:g}) changed H by up to {shown}, more than 1e-3 of its energy "
                  "scale; levels may be off by as much: lower --mpo-max-error", file=sys.stderr)
    return err, f" (compression error <= {shown})"


def _check_outputs(args) -> None:
    """Refuse ``--json`` (and its picture) on an input or an unwritable place, before
    any work."""
    if not args.json:
        return
    from vibmpo._checks import check_outputs

    source = Path(str(args.source))
    check_outputs({"--json": args.json, "the picture": Path(args.json).with_suffix(".png")},
                  {"SOURCE": source if source.exists() else None})


def _schedule_options(args):
    """Per-sweep bond dimensions and sweep count from ``--maxdim``/``--nsweeps``."""
    from vibmpo.cli._levels_options import DEFAULT_MAXDIM, DEFAULT_NSWEEPS, per_sweep_schedule

    return per_sweep_schedule(getattr(args, "maxdim", None) or DEFAULT_MAXDIM,
                              getattr(args, "nsweeps", None) or DEFAULT_NSWEEPS)


def solve_block(ham, args):
    """``--method block``: block DMRG for many levels (see :func:`vibmpo.solvers.block_dmrg`)."""
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
            "grid specs: ho:N (frequency and centre from the potential's minimum),\n"
            "  ho:N:omega[:centre] (omega in cm^-1 for models, the force field's unit\n"
            "  otherwise), sine:N:qmin:qmax; one for all modes or comma-separated per mode\n"
            + FORCEFIELD_HELP
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
    p.add_argument("--tol", type=_tolerance(False, "a relative tolerance"), default=1e-8,
                   help="solver tolerance, relative (exact: ARPACK's relative tolerance; "
                        "dmrg: energy change per sweep relative to the Hamiltonian's "
                        "energy scale; default 1e-8)")
    mpo_max_error = _tolerance(True, "the largest change of any matrix element, in the "
                               "Hamiltonian's unit", "max_error")
    p.add_argument("--mpo-max-error", default=1e-10, type=mpo_max_error,
                   help="MPO compression: bound on the Frobenius norm of the change of H, so "
                        "on the change of any matrix element and level, in the "
                        "Hamiltonian's unit (default 1e-10)")
    add_renamed_flag(p, "--mpo-tol", "--mpo-max-error", type=mpo_max_error)
    p.add_argument("--itensors", metavar="FILE",
                   help="also write the Hamiltonian MPO (and, with --method dmrg, the "
                        "states) to FILE in ITensors.jl's HDF5 layout (groups H, psi1, ...; "
                        "read in Julia with read(h5open(FILE), \"H\", MPO))")
    p.add_argument("--json", metavar="OUT",
                   help="write the levels as JSON to OUT and the level diagram to OUT.png")
    p.add_argument("--dipole", metavar="DIPOLE", default=None,
                   help="dipole surface (JSON from vibmpo fit --target dipole): adds "
                        "transition dipoles and IR intensities (km/mol) and, with --json, "
                        "a stick spectrum OUT_ir.png")
    add_allow_extrapolation(p)
    add_strict(p)
    from vibmpo.cli._levels_options import add_options

    add_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Runner of ``vibmpo levels``."""
    import dataclasses

    from vibmpo.cli._sources import compact_grid, describe_source, energy_zero, load_source
    from vibmpo.cli.tables import display_energies, format_level_table, write_levels_json

    if args.n_states < 1:
        raise ValueError(f"--n-states must be positive, got {args.n_states}")
    from vibmpo.cli import _levels_options as opts

    _check_outputs(args)
    t0 = time.perf_counter()
    source = load_source(args.source)
    grid_note = None
    if str(args.grid).lower().startswith("auto"):
        grid_note = opts.resolve_auto_grid(args, source)
    if getattr(args, "dipole", None):
        from vibmpo.cli._ir import levels_with_intensities

        return levels_with_intensities(build_hamiltonian(args, source), args, source)
    ham = build_hamiltonian(args, source)
    if args.window and args.method != "block":
        result = opts.solve_window(SOLVERS[args.method], ham, args)
    else:
        result = SOLVERS[args.method](ham, args)
    if getattr(args, "itensors", None) and args.method != "dmrg":
        _export_itensors(args, ham)
    bonds = ham.mpo_bond_dims(args.mpo_max_error)
    mpo_err = _mpo_error_line(ham, args.mpo_max_error)
    zero, zero_label = energy_zero(source)
    shift = display_energies([zero], ham.energy_unit)[0][0]
    result = dataclasses.replace(result, energies=result.energies - shift,
                                 mpo_bond_dims=list(bonds), zero_label=zero_label,
                                 zero_value=zero, hamiltonian_unit=ham.energy_unit,
                                 extra={**result.extra,
                                        "source_energy_unit": source.energy_unit,
                                        "mpo_error": mpo_err[0],
                                        "mpo_error_unit": ham.energy_unit})
    print(f"source: {args.source} ({describe_source(source)})")
    print(f"grid: {compact_grid(ham.grid_spec, args.grid)}, {ham.size:,} points "
          "(full spec in the JSON)")
    print(f"MPO bond dimensions: {bonds}{mpo_err[1]}")
    print(f"method: {result.method}, {result.seconds:.2f} s "
          f"(total {time.perf_counter() - t0:.2f} s)")
    table, multiplets = opts.multiplet_table(
        format_level_table(result.energies, result.unit, labels=result.labels or None,
                           zero_label=result.zero_label),
        result, opts.degeneracy_threshold(args, result, ham))
    if grid_note:
        print(grid_note)
    print(table)
    result = dataclasses.replace(result, extra={**result.extra, "multiplets": multiplets})
    if args.json:
        from vibmpo.plotting import plot_levels

        write_levels_json(args.json, result)
        png = Path(args.json).with_suffix(".png")
        title = f"{Path(str(args.source)).name}: {result.method}, {len(result.energies)} levels"
        plot_levels(result.excitations, png, labels=result.labels or None,
                    energy_unit=result.unit, title=title)
        print(f"wrote {args.json} (levels, {result.unit}) and {png} (level diagram)",
              file=sys.stderr)
    if args.strict and not all(result.extra.get("converged", [True])):
        return NOT_CONVERGED
    return 0
