"""Hole-free models (issue #20, acceptance 4): every committed H2CO model, confined
(``vibmpo.potential.confine``), has no grid point below its minimum on ``ho:12``,
``ho:15`` and ``ho:20``, and its 10 lowest levels on ``ho:9`` and ``ho:12`` agree within
0.5 cm-1.

For each model: the certificate (box shrink, bands, lowest value on the certification
grid above the minimum), the validation errors of the raw and the confined model (all
843 points, and those inside the box), the grid check (``grid_hamiltonian`` without
``allow_extrapolation``) and the exact minimum over every point of each grid (ho:20 has
64e6 points), the MPO bond dimensions, and the 10 lowest levels by exact
diagonalisation on ho:9 and ho:12. Models without a stored data region (files written
before vibmpo stored it) get the region of the bundled training data they were fitted
to. The paper's model (bundled Pompon file) is confined here, not on load.

Run::

    OPENBLAS_NUM_THREADS=1 nice -n 5 python benchmarks/hole_free.py [--models paper,quick,...]

writes ``benchmarks/results/hole_free.json`` (entries of earlier runs for other models
are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from vibmpo._checks import write_json  # noqa: E402
from vibmpo.units import EV_TO_CM1, HARTREE_TO_CM1  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"paper": None, "quick": RESULTS / "h2co_nnmpo_quick.h5",
          "accurate": RESULTS / "h2co_nnmpo.h5", "compact": RESULTS / "h2co_nnmpo_compact.h5"}
TOL_LEVELS_CM1 = 0.5


def _errors(model, x, y, mask=None):
    d = (model.energy(x) - y) * EV_TO_CM1
    if mask is not None:
        d = d[mask]
    return {"n": int(d.size), "mae_cm1": float(np.mean(np.abs(d))),
            "rmse_cm1": float(np.sqrt(np.mean(d * d)))}


def check_model(name: str, path) -> dict:
    from vibmpo.datasets import h2co, h2co_pompon_model_path
    from vibmpo.operators import gridcheck
    from vibmpo.operators.hamiltonian import grid_hamiltonian, harmonic_analysis
    from vibmpo.potential.confine import confine
    from vibmpo.potential.io import load_model
    from vibmpo.potential.region import data_region
    from vibmpo.solvers import exact_levels

    train, val = h2co("train"), h2co("validation")
    path = h2co_pompon_model_path() if path is None else Path(path)
    raw = load_model(path)
    raw = replace(raw, confinement=None)
    if raw.data_region is None:
        raw = replace(raw, data_region=data_region(
            train.x, raw.U, source=f"bundled H2CO training data ({len(train.x)} points)"))
    t0 = time.perf_counter()
    model = confine(raw)
    conf_s = time.perf_counter() - t0
    c = model.confinement
    q = val.x @ model.U
    inside = np.all((q >= c.lo) & (q <= c.hi), axis=1)
    out = {"model": str(path.name), "confine_s": conf_s, "certified": c.certified,
           "shrink": c.shrink, "bands_fraction": (c.band / (c.hi - c.lo)).tolist(),
           "floor_above_minimum_cm1": (c.floor - c.minimum) * EV_TO_CM1,
           "certification_points_per_mode": c.points,
           "validation_raw": _errors(raw, val.x, val.y),
           "validation_confined": _errors(model, val.x, val.y),
           "validation_inside_box_raw": _errors(raw, val.x, val.y, inside),
           "validation_inside_box_confined": _errors(model, val.x, val.y, inside),
           "grids": {}}
    _, _, e_min = harmonic_analysis(model)
    gridcheck.EXACT_POINTS = 10 ** 9  # every point of ho:20 (64e6), not only cuts
    levels = {}
    for n in (9, 12, 15, 20):
        spec = f"ho:{n}"
        t0 = time.perf_counter()
        ham = grid_hamiltonian(model, spec)  # raises GridCheckError if refused
        vmin, _, vmax, exact = gridcheck.grid_extremes(ham)
        g = {"grid_check": "accepted", "grid_min_minus_minimum_cm1":
             (vmin - e_min) * HARTREE_TO_CM1, "exact": exact,
             "no_point_below_minimum": bool(vmin >= e_min - 1e-6 * (vmax - e_min)),
             "mpo_bond_dims": [int(b) for b in ham.mpo_bond_dims()],
             "check_s": time.perf_counter() - t0}
        if n in (9, 12):
            t0 = time.perf_counter()
            r = exact_levels(ham, n_states=10)
            levels[n] = (np.asarray(r.energies) - r.energies[0]) * HARTREE_TO_CM1
            g["levels_cm1"] = levels[n].tolist()
            g["levels_s"] = time.perf_counter() - t0
        out["grids"][spec] = g
        print(f"{name} {spec}: min-Vmin {g['grid_min_minus_minimum_cm1']:.3f} cm-1, bonds "
              f"{g['mpo_bond_dims']}", flush=True)
    dev = np.abs(levels[9] - levels[12])
    out["levels_ho9_vs_ho12_max_abs_cm1"] = float(dev.max())
    out["passes"] = bool(c.certified and dev.max() <= TOL_LEVELS_CM1 and all(
        out["grids"][f"ho:{n}"]["no_point_below_minimum"] for n in (12, 15, 20)))
    print(f"{name}: levels ho:9 vs ho:12 max {dev.max():.4f} cm-1, passes {out['passes']}",
          flush=True)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--note", default="")
    ap.add_argument("--out", default=str(RESULTS / "hole_free.json"))
    args = ap.parse_args(argv)
    prev = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    models = dict(prev.get("models", {}))
    for name in args.models.split(","):
        if MODELS[name] is not None and not Path(MODELS[name]).exists():
            print(f"{name}: {MODELS[name]} missing, skipped")
            continue
        models[name] = {**check_model(name, MODELS[name]),
                        "load_average": list(os.getloadavg()),
                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    out = {"benchmark": "hole_free", "tolerance_levels_cm1": TOL_LEVELS_CM1,
           "grids": ["ho:12", "ho:15", "ho:20"], "models": models,
           "all_pass": all(m["passes"] for m in models.values()), "note": args.note,
           "machine": {"platform": platform.platform(), "python": platform.python_version(),
                       "cpus": os.cpu_count()}}
    write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()
