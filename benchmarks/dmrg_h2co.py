"""H2CO vibrational levels by DMRG vs exact diagonalisation (issue #4, acceptance 2).

Runs the command line ``vibmpo levels <pompon h5> --grid ho:9 --n-states 21 --method dmrg
--json ...`` end to end ``--repeat`` times (median wall time; target <= 60 s on 2 cores)
and once ``--method exact``, and compares all 21 levels (acceptance: |E_dmrg - E_exact|
<= 1e-3 cm^-1 for every state).

Run (about 3-5 min on 2 cores)::

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 python benchmarks/dmrg_h2co.py

writes ``benchmarks/results/dmrg_h2co.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from vibmpo._checks import write_json
from vibmpo.cli import main as cli_main
from vibmpo.datasets import h2co_pompon_model_path

RESULTS = Path(__file__).resolve().parent / "results"


def run_cli(method: str, n_states: int, grid: str) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "levels.json"
        t0 = time.perf_counter()
        status = cli_main(["levels", str(h2co_pompon_model_path()), "--grid", grid,
                           "--n-states", str(n_states), "--method", method,
                           "--json", str(out)])
        wall = time.perf_counter() - t0
        if status != 0:
            raise RuntimeError(f"vibmpo levels --method {method} failed with status {status}")
        return json.loads(out.read_text()), wall


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-states", type=int, default=21)
    ap.add_argument("--grid", default="ho:9")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(RESULTS / "dmrg_h2co.json"))
    args = ap.parse_args(argv)

    exact, t_exact = run_cli("exact", args.n_states, args.grid)
    runs = []
    for _ in range(args.repeat):
        res, wall = run_cli("dmrg", args.n_states, args.grid)
        runs.append((res, wall))
    e_exact = np.array(exact["energies"])
    dev = [np.abs(np.array(r["energies"]) - e_exact) for r, _ in runs]
    walls = [w for _, w in runs]
    solver_s = [r["seconds"] for r, _ in runs]
    last = runs[-1][0]
    out = {
        "benchmark": "dmrg_h2co",
        "command": (f"vibmpo levels <pompon h5> --grid {args.grid} --n-states {args.n_states} "
                    "--method dmrg --json out.json"),
        "n_states": args.n_states,
        "dmrg_wall_s_median": float(np.median(walls)),
        "dmrg_wall_s": walls,
        "dmrg_solver_s": solver_s,
        "target_wall_s": 60.0,
        "exact_wall_s": t_exact,
        "max_abs_dev_cm1": float(max(d.max() for d in dev)),
        "abs_dev_cm1": dev[-1].tolist(),
        "tolerance_cm1": 1e-3,
        "passed": bool(max(d.max() for d in dev) <= 1e-3),
        "energies_dmrg_cm1": last["energies"],
        "energies_exact_cm1": exact["energies"],
        "dmrg_extra": {k: last[k] for k in ("solver", "residual_max", "residual_unit",
                                            "converged", "sweeps", "max_bond_dim")
                       if k in last},
        "mpo_bond_dims": last.get("mpo_bond_dims"),
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "numpy": np.__version__, "cpus": os.cpu_count()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"DMRG wall {out['dmrg_wall_s_median']:.1f} s (median of {args.repeat}), exact "
          f"{t_exact:.1f} s, max |dE| = {out['max_abs_dev_cm1']:.2e} cm-1 "
          f"({'PASS' if out['passed'] else 'FAIL'})")
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
