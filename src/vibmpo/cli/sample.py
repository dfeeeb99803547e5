"""``vibmpo sample MOLECULE.xyz --calc pyscf:hf/6-31g* --out DATA/``: ab initio training
data for ``vibmpo fit``.

Optimises the geometry, computes the Hessian and normal modes, samples points in normal
coordinates and evaluates energies, forces and dipoles at all of them on a Dask cluster
(a ``LocalCluster`` with ``--workers`` processes on this machine by default,
``--scheduler ADDRESS`` for an existing cluster). Every point is checkpointed in
``DATA/points/``: the same command run again after an interruption computes only the
missing points. Failed points are listed at the end and in ``DATA/metadata.json``.
"""

from __future__ import annotations

import sys

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add the ``sample`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "sample", help="ab initio energies, forces and dipoles of a molecule (Dask)",
        description="Normal modes of a molecule and energies, forces and dipoles at sampled "
                    "geometries, evaluated on a Dask cluster and checkpointed per point; "
                    "writes the data folder that vibmpo fit reads.")
    p.add_argument("molecule", help="XYZ file (Angstrom)")
    p.add_argument("--calc", required=True,
                   help="pyscf:METHOD/BASIS (e.g. pyscf:hf/6-31g*, pyscf:b3lyp/cc-pvdz) or "
                        "ase:MODULE:NAME (an ASE calculator class)")
    p.add_argument("--out", required=True, help="output data folder (created; rerun the "
                   "same command to resume)")
    p.add_argument("--scheme", choices=("harmonic", "grid", "lhs"), default="harmonic",
                   help="harmonic: ground-state density (x --widen); grid: n-mode cuts "
                        "through HO-DVR points; lhs: Latin hypercube (default harmonic)")
    p.add_argument("--n", type=int, default=None,
                   help="number of points (harmonic/lhs: required; grid: select this many)")
    p.add_argument("--widen", type=float, default=1.0,
                   help="harmonic scheme: widen the density by this factor (default 1)")
    p.add_argument("--grid-points", type=int, default=9,
                   help="grid scheme: DVR points per mode (default 9)")
    p.add_argument("--order", type=int, default=2,
                   help="grid scheme: modes displaced at once, 1MR/2MR/... (default 2)")
    p.add_argument("--extent", type=float, default=3.0,
                   help="lhs scheme: half-width of the box in harmonic standard deviations")
    p.add_argument("--pool", type=int, default=None,
                   help="draw this many candidates and select --n of them")
    p.add_argument("--select", choices=("fps", "kmeans"), default="fps",
                   help="selection from the pool: farthest-point or k-means (default fps)")
    p.add_argument("--validation", type=float, default=0.1,
                   help="fraction held out as validation data (default 0.1)")
    p.add_argument("--charge", type=int, default=0)
    p.add_argument("--spin", type=int, default=0, help="2S (default 0, singlet)")
    p.add_argument("--no-optimize", action="store_true",
                   help="use the geometry as given (it must be a minimum)")
    p.add_argument("--scheduler", default=None,
                   help="address of an existing Dask scheduler (default: a LocalCluster)")
    p.add_argument("--workers", type=int, default=None,
                   help="LocalCluster worker processes (default: one per core)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    """Runner of ``vibmpo sample``."""
    from pathlib import Path

    from vibmpo.sampling.molecule import read_xyz
    from vibmpo.sampling.pipeline import sample_molecule

    out = Path(args.out)
    src = Path(args.molecule)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise ValueError("--out must be a folder, not the molecule file")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    mol = read_xyz(src, charge=args.charge, spin=args.spin)
    meta = sample_molecule(
        mol, args.calc, out, scheme=args.scheme, n=args.n, seed=args.seed, widen=args.widen,
        grid_points=args.grid_points, order=args.order, extent=args.extent, pool=args.pool,
        select=args.select, validation=args.validation, optimize=not args.no_optimize,
        scheduler=args.scheduler, workers=args.workers, progress=not args.no_progress)
    freqs = ", ".join(f"{w:.1f}" for w in meta["harmonic_frequencies_cm1"])
    print(f"harmonic frequencies ({meta['calculator']}): {freqs} cm-1")
    print(f"{meta['n_points']} points: {meta['n_ok']} ok, {meta['n_failed']} failed; "
          f"{meta['computed_this_run']} computed in this run, "
          f"{meta['evaluation']['reused']} reused from {out / 'points'}")
    for f in meta["failed"]:
        print(f"  failed point {f['index']} at Q = {[round(v, 3) for v in f['q']]}: "
              f"{f['message']}", file=sys.stderr)
    print(f"wrote {out}/x,y,f,mu_{{train,validation}}.npy, modes.json, metadata.json "
          f"({meta['n_train']} train, {meta['n_validation']} validation; energies in eV)")
    return 0
