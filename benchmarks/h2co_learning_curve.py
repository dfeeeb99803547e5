"""H2CO learning curve: validation error vs training-set size for plain fits, Δ-learning on
the quartic force field of the cuts, k-means-selected training sets, and both.

For each size n (default 100, 200, 400, 625 of the 625 bundled training points) and seed
s (default 0, 1, 2), four fits with the quick profile and the same wall-clock budget:

* ``plain``: n points drawn at random (seed s), no baseline;
* ``delta``: the same points, Δ-learning on ``h2co_quartic_baseline()``;
* ``kmeans``: n points chosen by k-means (seed s) from the 625;
* ``delta+kmeans``: both.

(At n = 625 every variant uses every point, so ``kmeans`` repeats ``plain`` and
``delta+kmeans`` repeats ``delta``: those fits are run once and recorded for both.) Each
point of the
curve is the median over the seeds of the validation MAE and RMSE (843 bundled
validation points, cm-1); ratios to ``plain`` at the same n compare the variants measured
in the same run. Writes benchmarks/results/h2co_learning_curve.json and
h2co_learning_curve.png.

Usage::

    python benchmarks/h2co_learning_curve.py --budget 120            # 48 fits, ~2 h
    python benchmarks/h2co_learning_curve.py --budget 20 --sizes 100,200,400,625
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see h2co_fit.py
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from vibmpo._checks import write_json  # noqa: E402
from vibmpo.datasets import h2co  # noqa: E402
from vibmpo.potential.baseline import h2co_quartic_baseline  # noqa: E402
from vibmpo.potential.selection import select_training_set  # noqa: E402
from vibmpo.potential.train import fit  # noqa: E402
from vibmpo.units import EV_TO_CM1  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = ("plain", "delta", "kmeans", "delta+kmeans")


def _subset(x, n, variant, seed):
    if n >= len(x):
        return np.arange(len(x))
    method = "kmeans" if "kmeans" in variant else "random"
    return select_training_set(x, n, method=method, seed=seed)


def _one_fit(tr, va, idx, variant, seed, budget, baseline, profile):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FewDataWarning at small n: what the curve measures
        t0 = time.perf_counter()
        res = fit(tr.x[idx], tr.y[idx], tr.f[idx], x_val=va.x, y_val=va.y, profile=profile,
                  seed=seed, time_budget=budget, energy_unit="eV",
                  baseline=baseline if "delta" in variant else None, progress=False)
        wall = time.perf_counter() - t0
    d = (res.arrays().energy(va.x) - va.y) * EV_TO_CM1
    return {"variant": variant, "n": int(len(idx)), "seed": seed,
            "val_mae_cm1": float(np.mean(np.abs(d))),
            "val_rmse_cm1": float(np.sqrt(np.mean(d * d))),
            "iterations": len(res.history["iteration"]), "best_iteration": res.best_iteration,
            "wall_time_s": wall}


def _curve(rows, variants, sizes):
    out = {}
    for v in variants:
        out[v] = {}
        for n in sizes:
            sel = [r for r in rows if r["variant"] == v and r["n"] == n]
            if sel:
                out[v][str(n)] = {
                    "val_mae_cm1": float(np.median([r["val_mae_cm1"] for r in sel])),
                    "val_rmse_cm1": float(np.median([r["val_rmse_cm1"] for r in sel])),
                    "iterations": float(np.median([r["iterations"] for r in sel])),
                    "seeds": [r["seed"] for r in sel]}
    ratios = {v: {n: {k: out[v][n][k] / out["plain"][n][k]
                      for k in ("val_mae_cm1", "val_rmse_cm1")}
                  for n in out[v] if n in out.get("plain", {})}
              for v in variants if v != "plain" and "plain" in out}
    return out, ratios


def _plot(curve, path, budget, note):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, key, label in ((axes[0], "val_mae_cm1", "validation MAE"),
                           (axes[1], "val_rmse_cm1", "validation RMSE")):
        for v, pts in curve.items():
            ns = sorted(int(n) for n in pts)
            ax.plot(ns, [pts[str(n)][key] for n in ns], "o-", label=v)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training points (with forces)")
        ax.set_ylabel(f"{label} / cm$^{{-1}}$ (median of seeds)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    import textwrap

    title = f"H2CO NN-MPO, quick profile, {budget:g} s per fit"
    fig.suptitle(title + "\n" + textwrap.fill(note, 120), fontsize=9)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=120.0, help="seconds per fit")
    p.add_argument("--sizes", default="100,200,400,625")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--profile", default="quick")
    p.add_argument("--note", default="", help="recorded with the results (e.g. machine load)")
    p.add_argument("--json", default=str(RESULTS / "h2co_learning_curve.json"))
    a = p.parse_args(argv)
    sizes = [int(v) for v in a.sizes.split(",")]
    seeds = [int(v) for v in a.seeds.split(",")]
    variants = [v for v in a.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v!r}; choose from {VARIANTS}")
    tr, va = h2co("train"), h2co("validation")
    baseline = h2co_quartic_baseline()
    load = [os.getloadavg()[0]]
    rows, t0 = [], time.perf_counter()
    for n in sizes:
        for seed in seeds:
            done = {}
            for v in variants:
                idx = _subset(tr.x, n, v, seed)
                same = v.replace("kmeans", "plain").replace("delta+plain", "delta")
                if n >= len(tr.x) and same in done:  # the same data: the same fit
                    r = dict(done[same], variant=v, repeated_from=same)
                else:
                    r = _one_fit(tr, va, idx, v, seed, a.budget, baseline, a.profile)
                done[v] = r
                load.append(os.getloadavg()[0])
                rows.append(r)
                print(f"n {n:4d} seed {seed} {v:13s} MAE {r['val_mae_cm1']:8.2f} RMSE "
                      f"{r['val_rmse_cm1']:8.2f} cm-1  {r['iterations']:3d} it  "
                      f"{r['wall_time_s']:6.1f} s  load {load[-1]:.1f}", flush=True)
    curve, ratios = _curve(rows, variants, sizes)
    out = Path(a.json)
    png = out.with_suffix(".png")
    entry = {
        "budget_s": a.budget, "sizes": sizes, "seeds": seeds, "variants": variants,
        "profile": a.profile, "n_validation": int(len(va.x)),
        "baseline": {"name": "h2co_quartic_baseline", **baseline.info},
        "curve": curve, "ratio_to_plain": ratios, "fits": rows,
        "total_time_s": time.perf_counter() - t0, "n_cores": os.cpu_count(),
        "load_average_1min": {"min": min(load), "median": float(np.median(load)),
                              "max": max(load)},
        "note": a.note, "picture": png.name,
        "command": " ".join(["python", "benchmarks/h2co_learning_curve.py",
                             *(sys.argv[1:] if argv is None else argv)]),
    }
    write_json(out, entry)
    _plot(curve, png, a.budget, a.note or f"load {np.median(load):.1f}")
    print(f"wrote {out} and {png}")
    for v in variants:
        print(v, {n: round(c["val_mae_cm1"], 2) for n, c in curve[v].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
