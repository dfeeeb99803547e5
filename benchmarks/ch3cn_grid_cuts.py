"""CH3CN: which mode's grid limits the 70 lowest levels? Exact diagonalisation of mode cuts.

A cut keeps the kinetic energy and the force-field terms of a few modes (the others at
q = 0) and is small enough for exact diagonalisation on product HO-DVR grids. Growing one
mode's grid and watching the cut's excitation energies (below ``--e-max``) and its
zero-point energy shows how far that mode's grid is from convergence for the levels that
excite it. Cuts: v4 (mode 3) with the three stretches (modes 0, 1, 2), v4 with the
degenerate bend pair (modes 7, 11), and the bend pair with the v7 pair (modes 6, 10).

Run::

    OPENBLAS_NUM_THREADS=1 python benchmarks/ch3cn_grid_cuts.py

writes ``benchmarks/results/ch3cn_grid_cuts.json``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse.linalg as sla

from vibmpo._checks import write_json
from vibmpo.datasets import CH3CN_GRID, ch3cn_forcefield
from vibmpo.operators.forcefield import ForceField
from vibmpo.operators.hamiltonian import grid_hamiltonian

RESULTS = Path(__file__).resolve().parent / "results"
BASE = [int(s.split(":")[1]) for s in CH3CN_GRID.split(",")]
# (modes of the cut, {label: sizes}) -- the first entry is the CH3CN_GRID sizes
CUTS = [
    ([3, 0, 1, 2], {"v4 on 11": [11, 6, 6, 7], "v4 on 14": [14, 6, 6, 7],
                    "v4 on 11, stretches +2": [11, 8, 8, 9]}),
    ([3, 7, 11], {"v4 on 11": [11, 12, 12], "v4 on 14, bends +4": [14, 16, 16]}),
    ([6, 10, 7, 11], {"v7 pair +2": [10, 10, 12, 12], "bends +3": [8, 8, 15, 15]}),
]


def cut(ff: ForceField, modes: list[int]) -> ForceField:
    idx = {m: i for i, m in enumerate(modes)}
    terms = [(c, {idx[m]: p for m, p in pw.items()}) for c, pw in ff.terms
             if set(pw) <= set(modes)]
    return ForceField(terms=terms, kinetic=ff.kinetic[list(modes)],
                      energy_unit=ff.energy_unit)


def levels(ff: ForceField, sizes: list[int], n: int) -> np.ndarray:
    h = grid_hamiltonian(ff, ",".join(f"ho:{s}" for s in sizes))
    if h.size <= 4000:
        return np.linalg.eigvalsh(h.dense())[:n]
    op = sla.LinearOperator((h.size, h.size), matvec=h.matvec, dtype=float)
    return np.sort(sla.eigsh(op, k=n, which="SA", tol=1e-12)[0])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--e-max", type=float, default=2200.0, help="highest excitation (cm-1)")
    ap.add_argument("--n", type=int, default=45, help="levels per cut")
    ap.add_argument("--out", default=str(RESULTS / "ch3cn_grid_cuts.json"))
    args = ap.parse_args(argv)
    ff = ch3cn_forcefield()
    t0 = time.perf_counter()
    out = []
    for modes, variants in CUTS:
        f = cut(ff, modes)
        base = [BASE[m] for m in modes]
        e0 = levels(f, base, args.n)
        below = e0 - e0[0] <= args.e_max
        entry = {"modes": modes, "base_sizes": base,
                 "base_excitations_cm1": (e0 - e0[0])[below].tolist(), "variants": []}
        for label, sizes in variants.items():
            e = levels(f, sizes, args.n)
            shift = (e - e[0]) - (e0 - e0[0])
            j = int(np.argmax(np.abs(shift[below])))
            entry["variants"].append({
                "label": label, "sizes": sizes, "zpe_shift_cm1": float(e[0] - e0[0]),
                "excitation_shifts_cm1": shift[below].tolist(),
                "max_abs_shift_cm1": float(abs(shift[below][j])),
                "at_excitation_cm1": float((e0 - e0[0])[below][j])})
            print(f"modes {modes} {label}: ZPE {e[0] - e0[0]:+.4f}, largest excitation shift "
                  f"{shift[below][j]:+.4f} cm-1 at {(e0 - e0[0])[below][j]:.1f}", flush=True)
        out.append(entry)
    res = {"benchmark": "ch3cn_grid_cuts", "base_grid": CH3CN_GRID, "e_max_cm1": args.e_max,
           "cuts": out, "seconds": time.perf_counter() - t0,
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_json(args.out, res)
    return res


if __name__ == "__main__":
    main()
