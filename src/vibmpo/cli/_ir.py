"""``vibmpo levels MODEL --dipole DIPOLE.json``: levels with IR intensities.

Solves with the chosen method (exact: eigenvectors on the full grid; DMRG: MPS
eigenstates), puts each dipole component on the same grid as the potential (a diagonal
MPO, rotated into the model's latent coordinates), prints the level table with
transition dipoles and intensities in km/mol, and with ``--json OUT`` writes them and
a stick-spectrum picture ``OUT`` with suffix ``_ir.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["levels_with_intensities", "format_ir_table"]


def format_ir_table(result) -> str:
    """Level table with transition dipoles and intensities.

    Examples
    --------
    >>> from vibmpo.solvers.intensities import ir_intensities
    >>> print(format_ir_table(ir_intensities([0.0, 0.01], [[0, 0, 0], [0, 0, 0.1]],
    ...                                      "hartree")).splitlines()[3])
       1            2194.7463         0.1000     355.42   v1
    """
    lines = [f"  {'n':>2} {'excitation / cm-1':>20} {'|mu_n0| / e*a0':>14} "
             f"{'I / km/mol':>10}   label", "  " + "-" * 60]
    labels = result.labels or [""] * len(result.energies)
    import numpy as np

    for n, (e, mu, a) in enumerate(zip(result.excitations_cm1, result.transition_dipoles,
                                       result.intensities, strict=True)):
        lab = labels[n] if result.labels else ("0" if n == 0 else f"v{n}")
        lines.append(f"  {n:>2} {e:>20.4f} {float(np.linalg.norm(mu)) if n else 0.0:>14.4f}"
                     f" {a:>10.2f}   {lab}")
    return "\n".join(lines)


def levels_with_intensities(ham, args, source) -> int:
    """Runner of ``levels --dipole``."""
    from vibmpo._checks import write_json
    from vibmpo.cli.levels import _assignments
    from vibmpo.operators.observables import dipole_observables
    from vibmpo.plotting_ir import plot_ir_sticks
    from vibmpo.potential.arrays import NNMPOArrays
    from vibmpo.potential.composite import CompositePotential
    from vibmpo.potential.dipole import load_polynomial
    from vibmpo.solvers.intensities import ir_spectrum_dmrg

    t0 = time.perf_counter()
    surface = load_polynomial(args.dipole)
    coordinator = source.U if isinstance(source, NNMPOArrays | CompositePotential) else None
    if coordinator is not None and coordinator.shape[0] != coordinator.shape[1]:
        raise ValueError("the model has fewer latent modes than coordinates; the dipole "
                         "surface cannot be put on its grid")
    dips = dipole_observables(surface, ham, coordinator=coordinator)
    if args.method == "exact":
        from vibmpo.solvers.exact import exact_levels
        from vibmpo.solvers.intensities import (
            grid_state_labels,
            ir_intensities,
            transition_dipoles_grid,
        )

        ex = exact_levels(ham, n_states=args.n_states, tol=min(args.tol, 1e-10))
        mu = transition_dipoles_grid(ex.vectors, [d.values_full() for d in dips])
        res = ir_intensities(ex.energies, mu, ex.energy_unit, wall_time=ex.wall_time,
                             converged=bool(ex.residuals.max() < 1e-5),
                             info={"method": "exact", "residual_max":
                                   float(ex.residuals.max())},
                             labels=grid_state_labels(ham, ex.vectors))
    else:
        from vibmpo.cli.recipes import levels_dmrg
        from vibmpo.solvers import dmrg

        H = ham.to_mpo(max_error=args.mpo_max_error)
        d = dmrg(H, n_states=args.n_states, energy_unit=ham.energy_unit,
                 **levels_dmrg(1e-2 * args.tol))
        labels, _ = _assignments(ham, d)
        res = ir_spectrum_dmrg(d, [m.to_mpo() for m in dips], ham.energy_unit, labels=labels,
                               names=[m.name for m in dips])
    print(f"source: {args.source} ({ham.description})")
    print(f"dipole: {args.dipole} (polynomial of degree {surface.degree}, {surface.unit})")
    print(f"grid: {ham.grid_spec} ({ham.size:,} points)")
    print(f"method: {args.method}, {res.wall_time:.2f} s (total "
          f"{time.perf_counter() - t0:.2f} s)")
    print(format_ir_table(res))
    if args.json:
        out = Path(args.json)
        data = res.to_dict()
        data.update(source=str(args.source), dipole=str(args.dipole), grid=ham.grid_spec,
                    method=args.method)
        write_json(out, data)
        png = out.with_name(out.stem + "_ir.png")
        plot_ir_sticks(res.excitations_cm1[1:], res.intensities[1:], png,
                       labels=None if res.labels is None else res.labels[1:], log=True,
                       title=f"{Path(str(args.source)).name}: IR stick spectrum "
                             f"({args.method})")
        print(f"wrote {out} and {png}", file=sys.stderr)
    return 0
