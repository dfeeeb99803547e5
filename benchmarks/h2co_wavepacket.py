"""H2CO wavepacket benchmark: TDVP propagation, spectrum vs DMRG levels, C(t) vs exact.

The Pompon NN-MPO potential of H2CO on HO-DVR grids (``ho:9``, 9^6 = 531441 points).
A Gaussian wavepacket displaced along the lowest mode is propagated with TDVP
(``--method``, default ``gse``: one-site TDVP whose bonds grow by global subspace
expansion; ``adaptive``: two-site until the bonds reach ``maxdim``, in
``--growth-substeps`` sub-steps per step, then one-site) for ``t_final``;
the t/2 trick gives C(t) up to ``2 t_final``. The benchmark records wall time and
steps per second, compares C(t) with exact full-grid propagation (Chebyshev moments
with the Numba H*v) over the first 200 fs, and compares the spectrum's peaks with the
DMRG levels of the states the wavepacket overlaps.

Run (about 3 min on 2 shared cores: TDVP under 1 min, the exact reference and DMRG the rest)::

    OMP_NUM_THREADS=1 python benchmarks/h2co_wavepacket.py

writes ``benchmarks/results/h2co_wavepacket.json``. ``--quick`` runs a 100 fs smoke test
(written to ``h2co_wavepacket_quick.json``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from vibmpo._checks import write_json
from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.potential.io import load_model
from vibmpo.solvers import DMRGSchedule, TDVPOptions, dmrg, tdvp
from vibmpo.solvers.propagate_exact import propagate_exact
from vibmpo.solvers.spectra import spectrum
from vibmpo.solvers.states import gaussian_wavepacket
from vibmpo.units import FS_TO_AU, HARTREE_TO_CM1

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--t-final-fs", type=float, default=2000.0)
    ap.add_argument("--dt-fs", type=float, default=2.0)
    ap.add_argument("--maxdim", type=int, default=16)
    ap.add_argument("--displace", type=float, default=1.0,
                    help="displacement of mode 0 in oscillator lengths")
    ap.add_argument("--method", default="gse", choices=("gse", "adaptive", "2site"))
    ap.add_argument("--growth-substeps", type=int, default=None,
                    help="sub-steps of the steps that grow the bonds (default: 10 for "
                         "adaptive, 1 for gse)")
    ap.add_argument("--exact-fs", type=float, default=200.0)
    ap.add_argument("--n-levels", type=int, default=8, help="DMRG states to compare with")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.growth_substeps is None:
        args.growth_substeps = 10 if args.method == "adaptive" else 1
    if args.quick:
        args.t_final_fs, args.exact_fs, args.n_levels = 100.0, 100.0, 4
    timings = {}

    t0 = time.perf_counter()
    ham = grid_hamiltonian(load_model(h2co_pompon_model_path()), "ho:9")
    H = ham.to_mpo()
    timings["build_s"] = time.perf_counter() - t0
    psi0 = gaussian_wavepacket(ham.grids, displace={0: args.displace})
    dt = args.dt_fs * FS_TO_AU

    # TDVP ------------------------------------------------------------------------------
    load_start = list(os.getloadavg())
    c0 = time.process_time()
    res = tdvp(H, psi0, args.t_final_fs * FS_TO_AU, dt=dt, method=args.method,
               options=TDVPOptions(maxdim=args.maxdim, cutoff=1e-12,
                                   growth_substeps=args.growth_substeps))
    tdvp_cpu = time.process_time() - c0
    n_steps = res.times.size - 1
    timings["tdvp_s"] = res.wall_time
    print(f"TDVP: {n_steps} steps in {res.wall_time:.1f} s "
          f"({n_steps / res.wall_time:.2f} steps/s), max bond {res.max_bond.max()}")

    # exact reference over the first exact_fs ------------------------------------------
    t0 = time.perf_counter()
    n_ex = int(round(args.exact_fs / args.dt_fs))
    ex = propagate_exact(ham, psi0.to_dense().ravel(), n_ex * dt, dt=dt, method="chebyshev")
    timings["exact_s"] = time.perf_counter() - t0
    diff = np.abs(res.autocorrelation[: n_ex + 1] - ex.autocorrelation)
    diff2 = np.abs(res.autocorrelation_2t[: n_ex // 2 + 1] - ex.autocorrelation[::2])
    print(f"exact ({ex.method}) {args.exact_fs} fs in {timings['exact_s']:.1f} s: "
          f"max |C_tdvp - C_exact| = {diff.max():.2e} (t/2 trick: {diff2.max():.2e})")

    # spectrum (t/2 trick samples: up to 2 t_final, every 2 dt) ------------------------
    e_mean = float(res.energies[0])
    half = np.pi / (2 * dt)
    sp = spectrum(res.times_2t, res.autocorrelation_2t, window="hann",
                  emin=e_mean - min(half, 0.03), emax=e_mean + min(half, 0.03),
                  threshold=0.02)
    peaks_cm = sp.peaks * HARTREE_TO_CM1
    res_cm = sp.resolution * HARTREE_TO_CM1

    # DMRG levels and overlaps -------------------------------------------------------------
    t0 = time.perf_counter()
    d = dmrg(H, n_states=args.n_levels, schedule=DMRGSchedule(maxdim=(16, 32), nsweeps=12))
    timings["dmrg_s"] = time.perf_counter() - t0
    levels_cm = np.asarray(d.energies) * HARTREE_TO_CM1
    weights = np.array([abs(s.H @ psi0) ** 2 for s in d.states])
    comparisons = []
    for e, w in zip(levels_cm, weights, strict=True):
        if w < 0.01 or peaks_cm.size == 0:
            continue
        j = int(np.argmin(np.abs(peaks_cm - e)))
        comparisons.append({"level_cm1": float(e), "weight": float(w),
                            "peak_cm1": float(peaks_cm[j]),
                            "difference_cm1": float(peaks_cm[j] - e),
                            "within_resolution": bool(abs(peaks_cm[j] - e) <= res_cm)})
    e0 = levels_cm[0]
    for c in comparisons:
        print(f"  level {c['level_cm1'] - e0:8.1f} cm-1 above ground (weight {c['weight']:.3f})"
              f": peak {c['peak_cm1'] - e0:8.1f}, diff {c['difference_cm1']:+.2f} cm-1")
    print(f"spectral resolution {res_cm:.2f} cm-1; DMRG {timings['dmrg_s']:.1f} s")

    out = {
        "benchmark": "h2co_wavepacket",
        "system": "H2CO Pompon NN-MPO, grid ho:9 (531441 points), MPO bonds "
                  + str(ham.mpo_bond_dims()),
        "command": "OMP_NUM_THREADS=1 python benchmarks/h2co_wavepacket.py "
                   + " ".join(argv if argv is not None else __import__("sys").argv[1:]),
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "note": "2 CPU cores shared with other jobs",
                    "load_average_at_tdvp_start": load_start,
                    "load_average_at_end": list(os.getloadavg())},
        "initial_state": f"gauss:displace=0:{args.displace}",
        "tdvp": {"method": args.method, "maxdim": args.maxdim, "cutoff": 1e-12,
                 "dt_fs": args.dt_fs, "growth_substeps": args.growth_substeps,
                 "t_final_fs": args.t_final_fs, "n_steps": n_steps,
                 "two_site_steps": res.methods.count("2site"),
                 "wall_time_s": res.wall_time, "steps_per_second": n_steps / res.wall_time,
                 # process CPU time (one BLAS thread): the rate on an otherwise idle core
                 "cpu_time_s": tdvp_cpu, "steps_per_cpu_second": n_steps / tdvp_cpu,
                 "n_matvec": res.n_matvec, "max_bond": int(res.max_bond.max()),
                 "energy_drift_cm1": float(np.ptp(res.energies) * HARTREE_TO_CM1),
                 "norm_drift": float(np.max(np.abs(res.norms - 1.0))),
                 "max_truncation": float(res.truncation_errors.max())},
        "exact_comparison": {"method": ex.method, "t_fs": n_ex * args.dt_fs,
                             "n_points": n_ex + 1, "wall_time_s": timings["exact_s"],
                             "max_abs_diff": float(diff.max()),
                             "max_abs_diff_t2_trick": float(diff2.max())},
        "spectrum": {"t_max_fs": float(res.times_2t[-1] / FS_TO_AU), "window": "hann",
                     "resolution_cm1": res_cm, "peaks_cm1": peaks_cm.tolist(),
                     "heights": sp.heights.tolist()},
        "dmrg": {"n_states": args.n_levels, "maxdim": [16, 32],
                 "levels_cm1": levels_cm.tolist(),
                 "excitations_cm1": (levels_cm - e0).tolist(),
                 "overlap_weights": weights.tolist(), "wall_time_s": timings["dmrg_s"]},
        "peak_vs_level": comparisons,
        "all_within_resolution": bool(comparisons)
        and all(c["within_resolution"] for c in comparisons),
        "timings_s": timings,
    }
    name = "h2co_wavepacket_quick.json" if args.quick else "h2co_wavepacket.json"
    write_json(RESULTS / name, out)
    print(f"wrote {RESULTS / name}")
    return out


if __name__ == "__main__":
    main()
