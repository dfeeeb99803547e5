"""``vibmpo demo``: the whole workflow on the bundled formaldehyde (H2CO) data.

1. Potential: the paper's NN-MPO (bundled Pompon file) and its errors on the bundled
   training and validation sets (optionally also a fresh fit, ``--fit-seconds``).
2. Levels: H = T + V as an MPO on an HO-DVR grid; the lowest levels by exact
   diagonalisation and by DMRG, side by side, with DMRG state assignments.
3. Dynamics: a displaced Gaussian wavepacket propagated with TDVP; its autocorrelation,
   spectrum (CSV, JSON, PNG) and peak positions, as ``vibmpo propagate`` writes them
   (on the Hamiltonian of step 2: the model is loaded and its MPO built once).

Energies: excitations above the ground level (cm^-1); absolute energies are measured
from the potential minimum found by the harmonic analysis (the zero-point energy is the
ground level there). Everything is written under ``--out`` (default ``vibmpo-demo/``),
and the last line says what was written where.

The demo runs BLAS single-threaded unless ``vibmpo --threads N demo`` is given: its DMRG
and TDVP are many small matrix products, for which OpenBLAS threads cost more than they
gain (on a loaded 2-core machine the 10-state DMRG took 40-300 s with them, 9-11 s
without).

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub).prog.endswith("demo")
True
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``demo`` command."""
    p = subparsers.add_parser(
        "demo",
        help="run the whole workflow on the bundled H2CO data (a few minutes)",
        description=__doc__.split("Examples")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="vibmpo-demo", help="output folder (default vibmpo-demo)")
    p.add_argument("--grid", default="ho:9", help="DVR grid (default ho:9)")
    p.add_argument("--n-states", type=int, default=10,
                   help="levels to compute by exact diagonalisation and DMRG (default 10)")
    p.add_argument("--t-final", type=float, default=500.0,
                   help="wavepacket propagation time in fs (default 500)")
    p.add_argument("--dt", type=float, default=2.0, help="time step in fs (default 2)")
    p.add_argument("--fit-seconds", type=float, default=0.0,
                   help="also fit a fresh NN-MPO to the bundled data with this wall-time "
                        "budget in seconds (default 0: skip)")
    p.set_defaults(func=run)
    return p


def _errors_cm1(predict, data) -> tuple[float, float]:
    import numpy as np

    from vibmpo.units import energy_factor

    err = (predict(data.x) - data.y) * energy_factor(data.energy_unit, "cm-1")
    return float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2)))


def _potential_section(args, model) -> dict:
    from vibmpo.datasets import h2co

    train, val = h2co("train"), h2co("validation")
    out = {}
    print("== 1. Potential: NN-MPO of H2CO (Hino & Kurashige, PRR 7, 023217 (2025)) ==")
    print(f"   ranks {list(model.ranks)}, basis size {model.basis_size}, "
          f"energies in {model.energy_unit}")
    print(f"   {'set':<12}{'points':>8}{'MAE / cm-1':>14}{'RMSE / cm-1':>14}")
    for name, data in (("train", train), ("validation", val)):
        mae, rmse = _errors_cm1(model.energy, data)
        out[name] = {"mae_cm1": mae, "rmse_cm1": rmse, "n": data.n_samples}
        print(f"   {name:<12}{data.n_samples:>8}{mae:>14.3f}{rmse:>14.3f}")
    if args.fit_seconds > 0:
        from vibmpo.potential.train import fit

        print(f"   fitting a fresh NN-MPO for up to {args.fit_seconds:.0f} s ...")
        res = fit(train.x, train.y, train.f, x_val=val.x, y_val=val.y, f_val=val.f,
                  profile="quick", time_budget=args.fit_seconds, seed=0,
                  energy_unit=train.energy_unit, progress=True)
        arrays = res.model.to_arrays()
        mae, rmse = _errors_cm1(arrays.energy, val)
        out["fresh_fit_validation"] = {"mae_cm1": mae, "rmse_cm1": rmse,
                                       "seconds": res.wall_time}
        print(f"   fresh fit ({res.wall_time:.0f} s): validation MAE {mae:.2f} cm-1, "
              f"RMSE {rmse:.2f} cm-1")
    return out


def _levels_section(args, model):
    """Exact and DMRG levels of ``model`` on ``args.grid``; returns the JSON section,
    the exact excitations (cm^-1) and the grid Hamiltonian (for the wavepacket)."""
    import numpy as np

    from vibmpo.cli._sources import compact_grid, energy_zero
    from vibmpo.cli.recipes import levels_dmrg
    from vibmpo.operators.hamiltonian import grid_hamiltonian
    from vibmpo.solvers import dmrg
    from vibmpo.solvers.assign import assign_states, ho_number_operators
    from vibmpo.solvers.exact import exact_levels
    from vibmpo.units import energy_factor

    print(f"\n== 2. Vibrational levels on {args.grid} ==")
    ham = grid_hamiltonian(model, args.grid)
    to_cm1 = energy_factor(ham.energy_unit, "cm-1")
    vmin, zero_label = energy_zero(model)
    print(f"   grid {compact_grid(ham.grid_spec, args.grid)}: {ham.size:,} points; "
          f"MPO bond dimensions {ham.mpo_bond_dims()}")
    ex = exact_levels(ham, n_states=args.n_states, return_vectors=False)
    print(f"   exact diagonalisation: {ex.wall_time:.1f} s")
    dm = dmrg(ham.to_mpo(), n_states=args.n_states, energy_unit=ham.energy_unit,
              **levels_dmrg(1e-10))
    print(f"   DMRG (sequential): {dm.wall_time:.1f} s")
    labels = [a.label for a in assign_states(dm, ho_number_operators(ham))]
    e_ex = (ex.energies - ex.energies[0]) * to_cm1
    e_dm = (dm.energies - ex.energies[0]) * to_cm1
    zpe = (ex.energies[0] - vmin) * to_cm1
    print("   excitation energies above the exact ground level (cm-1):")
    print(f"   {'state':>5}{'exact':>12}{'DMRG':>12}{'DMRG-exact':>12}  assignment")
    for k in range(args.n_states):
        print(f"   {k:>5}{e_ex[k]:>12.4f}{e_dm[k]:>12.4f}{e_dm[k] - e_ex[k]:>12.1e}  {labels[k]}")
    print(f"   zero-point energy (ground level above the {zero_label}): {zpe:.2f} cm-1")
    return {
        "grid": ham.grid_spec,
        "mpo_bond_dims": ham.mpo_bond_dims(),
        "energy_unit": "cm-1",
        "excitation_zero": "exact ground level",
        "exact_excitations": e_ex.tolist(),
        "dmrg_excitations": e_dm.tolist(),
        "energy_zero": zero_label,
        "exact_energies": ((ex.energies - vmin) * to_cm1).tolist(),
        "zero_point_energy": float(zpe),
        "zero_value": float(vmin),
        "hamiltonian_energy_unit": ham.energy_unit,
        "source_energy_unit": model.energy_unit,
        "max_abs_diff": float(np.max(np.abs(e_dm - e_ex))),
        "assignments": labels,
        "exact_seconds": ex.wall_time,
        "dmrg_seconds": dm.wall_time,
    }, e_ex, ham


def _wavepacket_section(args, out, model, ham, levels) -> dict:
    """A displaced Gaussian propagated with TDVP, written as ``vibmpo propagate`` writes
    it (into ``out/wavepacket``), on the Hamiltonian of the levels section."""
    from vibmpo.cli import propagate

    print(f"\n== 3. Wavepacket: displaced along mode 0, {args.t_final:g} fs (TDVP) ==")
    options = propagate.register(argparse.ArgumentParser().add_subparsers()).parse_args([
        "h2co", "--grid", args.grid, "--initial", "gauss:displace=0:1.0",
        "--t-final", str(args.t_final), "--dt", str(args.dt), "--maxdim", "12",
        "--out", str(out / "wavepacket"),
    ])
    wp = propagate.propagate(options, source=model, ham=ham)
    peaks = wp["spectrum"]["peaks"]  # above the ground level found by DMRG in propagate
    print("   spectrum peaks above the ground level (cm-1): "
          + ", ".join(f"{p:.1f}" for p in peaks[:6])
          + f"  [{wp['spectrum']['window']} window, resolution "
            f"{wp['spectrum']['resolution']:.1f} cm-1]")
    print("   exact levels (cm-1):                          "
          + ", ".join(f"{e:.1f}" for e in levels[:6]))
    return {"peaks": peaks, "energy_unit": wp["energy_unit"],
            "energy_zero": wp["energy_zero"], "result": str(out / "wavepacket")}


def run(args) -> int:
    """Runner of ``vibmpo demo``."""
    from vibmpo._checks import write_json
    from vibmpo.datasets import h2co_pompon_model_path
    from vibmpo.potential.io import load_model

    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"vibmpo demo: writing into {out.resolve()}/")
    model = load_model(h2co_pompon_model_path())
    sections = {}
    summary = {"potential": _potential_section(args, model)}
    sections["potential"] = time.perf_counter() - t0
    summary["levels"], levels, ham = _levels_section(args, model)
    sections["levels"] = time.perf_counter() - t0 - sections["potential"]
    t_wp = time.perf_counter()
    summary["wavepacket"] = _wavepacket_section(args, out, model, ham, levels)
    sections["wavepacket"] = time.perf_counter() - t_wp
    summary["sections_seconds"] = sections
    summary["seconds"] = time.perf_counter() - t0
    write_json(out / "demo.json", summary)
    print(f"\nwrote {out}/demo.json (all numbers above) and {out}/wavepacket/ (CSV, JSON, "
          f"autocorrelation.png, spectrum.png) in {summary['seconds']:.0f} s")
    return 0
