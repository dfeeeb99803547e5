"""DMRG cost per sweep against the number of modes at fixed bond dimension.

Bilinearly coupled oscillators H = sum w_i/2 (p_i^2 + q_i^2) + c sum_{i<j} q_i q_j
(``ho:8`` HO-DVR grids, c = 0.02, w_i = 1 + 0.5 sin i) with f = 8 ... 64 modes; the MPO
comes from the operator layer, ``grid_hamiltonian(coupled_oscillators(w, c), "ho:8")
.to_mpo()`` (bond dimension 5 at every f). For each f the script runs ground-state DMRG
at fixed ``maxdim`` and records the median wall time of a two-site and of a one-site
sweep (after a warm-up sweep), and checks the ground energy against the analytic value.
The expected scaling at fixed bond dimension is linear in f. The 1-minute load average
before and after each f is recorded (timings on a loaded machine are noisy).

Run (about 1-3 min on 2 cores)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/dmrg_scaling.py

writes ``benchmarks/results/dmrg_scaling.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from vibmpo._checks import write_json
from vibmpo.operators.forcefield import coupled_oscillator_levels, coupled_oscillators
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers import DMRGConvergenceWarning, DMRGSchedule, dmrg

RESULTS = Path(__file__).resolve().parent / "results"


def oscillator_mpo(omegas, coupling, n_grid=8):
    """MPO of the bilinearly coupled oscillators through the operator layer (HO-DVR)."""
    ff = coupled_oscillators(omegas, coupling, energy_unit="hbar*omega")
    return grid_hamiltonian(ff, f"ho:{n_grid}").to_mpo()




def time_sweeps(H, maxdim, nsites, n_sweeps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DMRGConvergenceWarning)
        sched = DMRGSchedule(maxdim=maxdim, cutoff=0.0, nsites=nsites, nsweeps=n_sweeps, tol=0.0)
        r = dmrg(H, n_states=1, schedule=sched, seed=0)
    times = r.sweep_times[0][1:]  # drop the warm-up sweep from a random state
    return float(np.median(times)), times.tolist(), float(r.energies[0])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modes", type=int, nargs="+", default=[8, 16, 32, 48, 64])
    ap.add_argument("--maxdim", type=int, default=16)
    ap.add_argument("--sweeps", type=int, default=4, help="sweeps per run (first dropped)")
    ap.add_argument("--out", default=str(RESULTS / "dmrg_scaling.json"))
    args = ap.parse_args(argv)
    rows = []
    for f in args.modes:
        w = 1.0 + 0.5 * np.sin(np.arange(f))
        load0 = os.getloadavg()[0]
        tb = time.perf_counter()
        H = oscillator_mpo(w, 0.02, n_grid=8)
        t_build = time.perf_counter() - tb
        t2, all2, e2 = time_sweeps(H, args.maxdim, 2, args.sweeps)
        t1, all1, e1 = time_sweeps(H, args.maxdim, (2, 1), args.sweeps + 1)
        exact = float(coupled_oscillator_levels(w, 0.02, 1)[0])
        row = {"n_modes": f, "mpo_max_bond": int(H.max_bond()), "mpo_build_s": t_build,
               "load_avg_1min": [load0, os.getloadavg()[0]],
               "two_site_s_per_sweep": t2, "one_site_s_per_sweep": t1,
               "two_site_sweeps_s": all2, "one_site_sweeps_s": all1,
               "ground_error_two_site": abs(e2 - exact), "ground_error_one_site": abs(e1 - exact)}
        rows.append(row)
        print(f"f={f:3d}  two-site {t2:7.3f} s/sweep  one-site {t1:7.3f} s/sweep  "
              f"|E0 - exact| = {abs(e2 - exact):.1e}", flush=True)
    fs = np.array([r["n_modes"] for r in rows], dtype=float)
    fits = {}
    for key in ("two_site_s_per_sweep", "one_site_s_per_sweep"):
        ts = np.array([r[key] for r in rows])
        slope = float(np.polyfit(np.log(fs), np.log(ts), 1)[0]) if len(fs) > 1 else float("nan")
        fits[key.replace("_s_per_sweep", "_loglog_slope")] = slope
    out = {
        "benchmark": "dmrg_scaling",
        "model": "bilinearly coupled oscillators, ho:8, c=0.02, w_i = 1 + 0.5 sin(i)",
        "maxdim": args.maxdim,
        "mpo": "grid_hamiltonian(coupled_oscillators(w, c), 'ho:8').to_mpo()",
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "cpu_count": os.cpu_count(),
        "statistic": f"median over {args.sweeps - 1} sweeps after a warm-up sweep",
        "rows": rows,
        **fits,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "numpy": np.__version__},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"log-log slopes (1 = linear): {fits}")
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
