"""Exact vibrational levels of H2CO (Pompon NN-MPO, HO-DVR ``ho:9``, 9^6 = 531441 points).

Measures, each solve in a fresh child process (wall time of the solve, peak resident
memory of the child from ``wait4``):

* ``vibmpo.solvers.exact.exact_levels`` (Numba H*v, Chebyshev-filtered Lanczos), 21 states,
  ``--repeats`` times (median reported);
* a plain-NumPy baseline in the same run: ``scipy.sparse.linalg.eigsh`` (ARPACK,
  ``which="SA"``, default ``ncv``, same tolerance and shift) on a matrix-free H*v written
  with ``numpy.tensordot`` along each axis;
* the grid-convention check: the same 21 levels on the grid of the Pompon authors'
  reference calculation (HO-DVR N=9 centred at q=0, latent frequencies
  ``sqrt(diag(U^T diag(w_harm^2) U))``) versus vibmpo's automatic grid (centred at the
  minimum, frequencies from the model's curvature there).

Run::

    python benchmarks/h2co_levels_exact.py            # ~6-10 min on 2 shared cores

writes ``benchmarks/results/h2co_levels_exact.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
N_STATES = 21
TOL = 1e-8
#: Harmonic frequencies of the six active normal modes (cm^-1), harmonic.json.
W_HARM = np.array([1193.495, 1264.160, 1529.535, 1863.269, 2867.313, 2926.465])


def _model():
    from vibmpo.datasets import h2co_pompon_model_path
    from vibmpo.potential.io import load_model

    return load_model(h2co_pompon_model_path())


def _grid(kind: str, model) -> str:
    if kind == "auto":
        return "ho:9"
    om = np.sqrt(np.diag(model.U.T @ np.diag(W_HARM**2) @ model.U))
    return ",".join(f"ho:9:{w:.6f}:0" for w in om)


def child(which: str) -> dict:
    """One measured solve (runs in a child process)."""
    from vibmpo.operators.hamiltonian import grid_hamiltonian
    from vibmpo.units import HARTREE_TO_CM1

    model = _model()
    grid_kind = "reference" if which == "reference" else "auto"
    ham = grid_hamiltonian(model, _grid(grid_kind, model))
    ham.matvec(np.zeros(ham.size))  # compile/load kernels outside the timing
    if which == "numpy":
        from scipy.sparse.linalg import LinearOperator, eigsh

        vd = ham.potential_full()
        b = float(vd.max() + sum(np.abs(t).sum(1).max() for t in ham.kinetic))
        count = [0]

        def mv(x):
            count[0] += 1
            x = x.reshape(-1)
            xs = x.reshape(ham.dims)
            out = (vd - b) * x
            for i, t in enumerate(ham.kinetic):
                out += np.moveaxis(np.tensordot(t, xs, axes=(1, i)), 0, i).reshape(-1)
            return out

        t0 = time.perf_counter()
        w = eigsh(LinearOperator((ham.size, ham.size), matvec=mv, dtype=np.float64),
                  k=N_STATES, which="SA", tol=TOL, return_eigenvectors=False)
        seconds = time.perf_counter() - t0
        energies = np.sort(w) + b
        extra = {"n_matvec": count[0], "solver": "scipy eigsh SA + numpy tensordot H*v"}
    else:
        from vibmpo.solvers.exact import exact_levels

        t0 = time.perf_counter()
        res = exact_levels(ham, n_states=N_STATES, tol=TOL, return_vectors=False)
        seconds = time.perf_counter() - t0
        energies = res.energies
        extra = {"n_matvec": res.n_matvec, "solver": f"vibmpo exact_levels ({res.method})",
                 "residual_max_hartree": float(res.residuals.max()),
                 "memory_estimate_bytes": res.memory_bytes}
    return {"seconds": seconds, "energies_cm1": (energies * HARTREE_TO_CM1).tolist(),
            "grid": ham.grid_spec, "mpo_bond_dims": ham.mpo_bond_dims(), **extra}


def _run_child(which: str) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--child", which],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {which} failed with exit code {proc.returncode}")
    data = json.loads(out.strip().splitlines()[-1])
    data["peak_rss_mib"] = usage.ru_maxrss / 1024.0
    return data


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--no-compare", action="store_true")
    p.add_argument("--child", choices=("vibmpo", "numpy", "reference"), help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(RESULTS / "h2co_levels_exact.json"))
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child)))
        return 0
    from vibmpo._checks import write_json

    load0 = os.getloadavg()
    runs = [_run_child("vibmpo") for _ in range(a.repeats)]
    secs = [r["seconds"] for r in runs]
    best = runs[int(np.argsort(secs)[len(secs) // 2])]
    e = np.array(best["energies_cm1"])
    entry = {
        "benchmark": "h2co_levels_exact",
        "model": "pompon_nnmpo_final.h5 (bundled)",
        "grid": best["grid"],
        "n_states": N_STATES,
        "tol": TOL,
        "mpo_bond_dims": best["mpo_bond_dims"],
        "energies_cm1": e.tolist(),
        "excitations_cm1": (e - e[0]).tolist(),
        "vibmpo": {
            "seconds_median": float(np.median(secs)),
            "seconds_runs": secs,
            "peak_rss_mib_median": float(np.median([r["peak_rss_mib"] for r in runs])),
            "peak_rss_mib_runs": [r["peak_rss_mib"] for r in runs],
            "n_matvec": best["n_matvec"],
            "solver": best["solver"],
            "residual_max_hartree": best["residual_max_hartree"],
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)),
            "loadavg_start": load0,
            "python": platform.python_version(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        },
        "command": "python benchmarks/h2co_levels_exact.py",
    }
    if not a.no_baseline:
        base = _run_child("numpy")
        eb = np.array(base["energies_cm1"])
        entry["numpy_baseline"] = {
            "seconds": base["seconds"], "peak_rss_mib": base["peak_rss_mib"],
            "n_matvec": base["n_matvec"], "solver": base["solver"],
            "max_abs_diff_vs_vibmpo_cm1": float(np.abs(eb - e).max()),
        }
        entry["speedup_vs_numpy"] = base["seconds"] / entry["vibmpo"]["seconds_median"]
    if not a.no_compare:
        ref = _run_child("reference")
        er = np.array(ref["energies_cm1"])
        d_exc = (er - er[0]) - (e - e[0])
        entry["grid_convention"] = {
            "reference_grid": ref["grid"],
            "reference_energies_cm1": er.tolist(),
            "reference_excitations_cm1": (er - er[0]).tolist(),
            "zpe_shift_cm1": float(er[0] - e[0]),
            "excitation_diff_cm1": d_exc.tolist(),
            "max_abs_excitation_diff_cm1": float(np.abs(d_exc).max()),
        }
        entry["loadavg_end"] = os.getloadavg()
    write_json(a.out, entry)
    print(json.dumps({k: entry[k] for k in ("vibmpo", "mpo_bond_dims")}, indent=2))
    if "speedup_vs_numpy" in entry:
        print(f"numpy baseline {entry['numpy_baseline']['seconds']:.1f} s, "
              f"speed-up {entry['speedup_vs_numpy']:.2f}x")
    if "grid_convention" in entry:
        print(f"grid convention: max |d excitation| = "
              f"{entry['grid_convention']['max_abs_excitation_diff_cm1']:.4f} cm-1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
