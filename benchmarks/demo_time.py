"""Wall time of ``vibmpo demo`` (issue #19: the demo runs in <= 2 minutes on 2 cores).

Runs the installed command ``vibmpo demo`` ``--repeat`` times, each in a fresh process and
a fresh output folder, exactly as a user types it, and records the median wall time, the
time of each section (potential, levels, wavepacket; from ``demo.json``) and the load
average of the machine before and after every run (the "busy" or "quiet" of the
report). As a baseline measured in the same run it also times ``--baseline-repeat`` runs
of ``vibmpo --threads NCPU demo``, i.e. the libraries' default threading, which the demo
replaced by one BLAS thread (the DMRG's many small products lose to OpenBLAS's thread
hand-offs, badly so on a loaded machine).

Run (about 6-10 min on 2 cores)::

    python benchmarks/demo_time.py

writes ``benchmarks/results/demo_time.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from vibmpo._checks import write_json

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_S = 120.0


def _vibmpo() -> list[str]:
    exe = shutil.which("vibmpo", path=str(Path(sys.executable).parent)) or shutil.which(
        "vibmpo")
    return [exe] if exe else [sys.executable, "-m", "vibmpo.cli"]


def time_demo(pre_args: list[str], demo_args: list[str]) -> dict:
    """One ``vibmpo [pre_args] demo --out TMP [demo_args]`` run in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.run([*_vibmpo(), *pre_args, "demo", "--out", str(out), *demo_args],
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"vibmpo demo failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        summary = json.loads((out / "demo.json").read_text())
    return {"wall_s": wall, "load_before": load_before, "load_after": os.getloadavg()[0],
            "sections_s": summary.get("sections_seconds", {}),
            "dmrg_s": summary["levels"]["dmrg_seconds"],
            "exact_s": summary["levels"]["exact_seconds"]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-repeat", type=int, default=1,
                    help="runs with the libraries' default threads (0: skip)")
    ap.add_argument("--demo-args", default="",
                    help="extra arguments for the demo (e.g. '--t-final 40' for a smoke run)")
    ap.add_argument("--out", default=str(RESULTS / "demo_time.json"))
    args = ap.parse_args(argv)
    extra = args.demo_args.split()
    ncpu = os.cpu_count() or 1

    runs = []
    for k in range(args.repeat):
        r = time_demo([], extra)
        runs.append(r)
        print(f"demo run {k + 1}/{args.repeat}: {r['wall_s']:.1f} s (DMRG {r['dmrg_s']:.1f} s, "
              f"load {r['load_before']:.1f} -> {r['load_after']:.1f})", flush=True)
    base = []
    for k in range(args.baseline_repeat):
        r = time_demo(["--threads", str(ncpu)], extra)
        base.append(r)
        print(f"baseline (--threads {ncpu}) run {k + 1}/{args.baseline_repeat}: "
              f"{r['wall_s']:.1f} s (DMRG {r['dmrg_s']:.1f} s)", flush=True)

    med = float(np.median([r["wall_s"] for r in runs]))
    loads = [r["load_before"] for r in runs] + [r["load_after"] for r in runs]
    result = {
        "command": "vibmpo demo " + " ".join(extra),
        "repeat": args.repeat,
        "wall_s": [r["wall_s"] for r in runs],
        "wall_s_median": med,
        "dmrg_s_median": float(np.median([r["dmrg_s"] for r in runs])),
        "exact_s_median": float(np.median([r["exact_s"] for r in runs])),
        "sections_s": [r["sections_s"] for r in runs],
        "load_average_range": [min(loads), max(loads)],
        "machine_state": "busy" if max(loads) > 0.75 * ncpu else "quiet",
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "target_s": TARGET_S,
        "meets_target": med <= TARGET_S,
        "baseline": None,
        "cpus": ncpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if base:
        bmed = float(np.median([r["wall_s"] for r in base]))
        result["baseline"] = {
            "command": f"vibmpo --threads {ncpu} demo " + " ".join(extra),
            "wall_s": [r["wall_s"] for r in base], "wall_s_median": bmed,
            "dmrg_s_median": float(np.median([r["dmrg_s"] for r in base])),
            "speedup": bmed / med,
        }
    result["other_state"] = _other_state(args.out, result["machine_state"])
    write_json(args.out, result)
    print(f"median {med:.1f} s over {args.repeat} runs (target <= {TARGET_S:.0f} s, machine "
          f"{result['machine_state']}, load {min(loads):.1f}-{max(loads):.1f}); wrote {args.out}")
    return result


def _other_state(path, state):
    """The previous run's summary when it was measured on the other kind of machine (busy
    vs quiet), so that the JSON reports both; else the one it kept."""
    try:
        prev = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if prev.get("machine_state") and prev["machine_state"] != state:
        keep = ("command", "repeat", "wall_s", "wall_s_median", "dmrg_s_median",
                "load_average_range", "machine_state", "date")
        return {k: prev[k] for k in keep if k in prev}
    return prev.get("other_state")


if __name__ == "__main__":
    main()
