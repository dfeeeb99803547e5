"""``vibmpo fit DATA --out MODEL.h5``: fit an NN-MPO potential to energies (and forces).

DATA is a folder with ``x_train.npy``, ``y_train.npy``, optional ``f_train.npy`` and
optional ``x/y/f_validation.npy``, or an ``.npz`` with those names. Validation data
only monitor the fit and select the saved model.

``--baseline FILE`` (a force-field JSON in the data's mass-weighted coordinates, or a
model ``.h5``) fits the NN-MPO to the difference between the data and the baseline
(Δ-learning) and saves baseline + correction; ``--select METHOD:N`` fits ``N`` training
points chosen from DATA's by k-means, farthest-point sampling or at random.
"""

from __future__ import annotations

__all__ = ["register", "run"]


def _ranks(text: str):
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--max-rank must be an integer or comma-separated integers, "
                         f"got {text!r}") from None
    if not vals:
        raise ValueError("--max-rank is empty")
    return vals[0] if len(vals) == 1 else tuple(vals)


def register(subparsers) -> None:
    """Add the ``fit`` command to ``subparsers``."""
    from vibmpo.cli._flags import add_renamed_flag

    p = subparsers.add_parser(
        "fit", help="fit an NN-MPO potential to energies (and forces)",
        description="Fit an NN-MPO potential (alternating exact core sweeps and Stiefel/"
                    "basis gradient steps) and save it as a vibmpo HDF5 model.")
    p.add_argument("data", help="folder of x/y/f_{train,validation}.npy or an .npz")
    p.add_argument("--out", required=True, help="output model file (.h5)")
    p.add_argument("--profile", default="quick", choices=("quick", "accurate", "test"),
                   help="default schedule (default: quick)")
    p.add_argument("--max-rank", default=None,
                   help="maximum TT rank, or a comma-separated growth schedule (e.g. 4,8,12)")
    p.add_argument("--basis-size", type=int, default=None,
                   help="basis functions per mode, including the constant (default from the "
                        "profile: quick 13, accurate 21)")
    p.add_argument("--sweeps", type=int, default=None, help="outer iterations")
    p.add_argument("--grad-steps", type=int, default=None,
                   help="gradient steps on U and the basis per iteration")
    p.add_argument("--ridge", type=float, default=None, help="relative ridge strength")
    p.add_argument("--sweep", choices=("full", "half"), default=None,
                   help="core sweeps per iteration: full (both directions) or half "
                        "(alternating; default from the profile)")
    p.add_argument("--rel-cutoff", type=float, default=None,
                   help="adaptive ranks: SVD-truncate bonds to singular values above this "
                        "fraction of the largest after each sweep (default: keep all)")
    add_renamed_flag(p, "--rank-cutoff", "--rel-cutoff", type=float)
    p.add_argument("--force-weight", type=float, default=1.0,
                   help="weight of force rows relative to energy rows (default 1)")
    p.add_argument("--subsample", type=float, default=None,
                   help="fraction of the training points each core sweep fits, drawn anew "
                        "every iteration (default 1: all)")
    p.add_argument("--coordinator", choices=("trained", "fixed"), default=None,
                   help="train U or keep it at the identity (default: trained; fixed for "
                        "ensembles)")
    p.add_argument("--members", type=int, default=None,
                   help="ensemble size: fit this many seeds with U fixed and save their "
                        "mean, itself an NN-MPO (default from the profile: accurate 4)")
    p.add_argument("--workers", type=int, default=None,
                   help="Dask worker processes of a local cluster fitting ensemble members "
                        "in parallel, threads shared out (default: one per core, at most "
                        "--members; 1: one after another in this process, no cluster)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="fit the ensemble members as tasks on an existing Dask cluster, "
                        "e.g. tcp://HOST:8786 (default: a LocalCluster on this machine's "
                        "cores); as for vibmpo sample. Ensembles only: a single fit runs in "
                        "this process")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--energy-unit", default="eV", help="unit of the energies (default eV)")
    p.add_argument("--time-budget", type=float, default=None,
                   help="wall-clock budget in seconds (default from the profile)")
    p.add_argument("--confine", action="store_true",
                   help="save the model hole-free: clamped basis and a harmonic wall outside "
                        "a certified box around the training data (vibmpo.potential.confine; "
                        "with --baseline the correction is confined and baseline + correction "
                        "certified, for a baseline of one-mode terms such as the harmonic one)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress (a bar on a terminal, a line every 30 s otherwise)")
    p.add_argument("--keep-outliers", action="store_true",
                   help="fit rows whose energy or coordinates lie more than 50 robust "
                        "deviations from the median (default: refuse them, naming the rows)")
    p.add_argument("--baseline", default=None, metavar="FILE",
                   help="Δ-learning: fit the difference to this baseline, a force-field "
                        "JSON in the data's mass-weighted coordinates (kinetic 1/2 hartree "
                        "per mode, e.g. the bundled H2CO quartic force field "
                        "src/vibmpo/datasets/data/h2co_quartic_baseline.json) or a model "
                        ".h5; the saved model is baseline + correction")
    p.add_argument("--symmetry", default=None, metavar="GENERATORS|auto",
                   help="the molecule's point group as sign flips of the coordinates, "
                        "e.g. '0;1,5' (generators separated by ';', the coordinates each "
                        "flips by ','; H2CO's C2v), or 'auto': found from DATA/modes.json "
                        "(written by vibmpo sample). The coordinator is kept "
                        "symmetry-adapted and the saved model is the average over the "
                        "group, exactly symmetric")
    p.add_argument("--select", default=None, metavar="METHOD:N",
                   help="fit N of DATA's training points chosen by METHOD: kmeans, fps "
                        "(farthest-point) or random (with --seed), e.g. kmeans:200")
    p.add_argument("--target", choices=("energy", "dipole"), default="energy",
                   help="energy: NN-MPO potential (default); dipole: polynomial dipole "
                        "surface from mu_train.npy, saved as JSON")
    p.add_argument("--degree", type=int, default=4,
                   help="--target dipole: total degree of the polynomial (default 4)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Runner of ``vibmpo fit``."""
    if getattr(args, "target", "energy") == "dipole":
        return _fit_dipole(args)
    from vibmpo._checks import check_outputs
    from vibmpo._progress import ProgressLines, interactive
    from vibmpo.datasets import load_dataset
    from vibmpo.potential.io import save_model
    from vibmpo.potential.train import fit

    inputs = {"DATA": args.data}
    if getattr(args, "baseline", None):
        inputs["--baseline"] = args.baseline
    check_outputs({"--out": args.out, "the learning curve": _curve_path(args.out)}, inputs)
    select = None
    if getattr(args, "select", None):
        from vibmpo.potential.selection import parse_select

        select = parse_select(args.select)
    baseline = _load_baseline(args.baseline) if getattr(args, "baseline", None) else None
    tr = load_dataset(args.data, "train", energy_unit=args.energy_unit)
    va = load_dataset(args.data, "validation", energy_unit=args.energy_unit, required=False)
    if select is not None:
        tr = _selected(tr, *select, seed=args.seed)
        print(f"selected {len(tr.x)} training points by {select[0]} (seed {args.seed})")
    symmetry = _symmetry(args.symmetry, args.data, tr.x.shape[1]) \
        if getattr(args, "symmetry", None) else None
    res = fit(tr.x, tr.y, tr.f, baseline=baseline, symmetry=symmetry,
              x_val=None if va is None else va.x, y_val=None if va is None else va.y,
              f_val=None if va is None else va.f,
              max_rank=None if args.max_rank is None else _ranks(args.max_rank),
              basis_size=args.basis_size, n_sweeps=args.sweeps, grad_steps=args.grad_steps,
              ridge=args.ridge, force_weight=args.force_weight, seed=args.seed,
              sweep=args.sweep, rel_cutoff=args.rel_cutoff, subsample=args.subsample,
              coordinator=args.coordinator, members=args.members, workers=args.workers,
              scheduler=args.scheduler,
              time_budget=args.time_budget, profile=args.profile,
              energy_unit=tr.energy_unit, progress=not args.no_progress,
              outliers="keep" if args.keep_outliers else "reject",
              callback=None if args.no_progress or interactive() else
              ProgressLines("fit", None, unit="iteration"))
    arrays = _with_region(res, tr.x, args.data)
    meta = res.metadata()
    meta["data"] = str(args.data)
    if baseline is not None:
        meta["baseline"] = str(args.baseline)
    if select is not None:
        meta["select"] = {"method": select[0], "n": select[1], "seed": args.seed}
    if args.confine:
        from vibmpo.potential.confine import confine

        arrays = confine(arrays)
        c = arrays.confinement
        meta["confined"] = {"certified": c.certified, "shrink": c.shrink}
        print(f"confined (hole-free): box = training data shrunk {c.shrink:.2f}, certified "
              f"{c.certified}")
    save_model(args.out, arrays, metadata=meta)
    h = res.history
    scale, unit = _display_scale(arrays.energy_unit)
    print(f"saved {args.out} (ranks {list(arrays.ranks)}, energies in "
          f"{arrays.energy_unit}, {res.wall_time:.1f} s): {_errors_line(res, scale, unit)}")
    if res.members:
        key = "val_rmse" if va is not None else "train_rmse"
        print(f"  ensemble of {len(res.members)} members; their {key.replace('_', ' ')} "
              f"({unit}): " + ", ".join(
                  f"{r.history[key][r.best_iteration] * scale:.4g}" for r in res.members))
        h = {f"member {k} {key}": r.history[key] for k, r in enumerate(res.members)
             for key in ("train_rmse", "val_rmse")}
    _plot_history(h, args.out, unit, scale)
    return 0


def _errors_line(res, scale, unit) -> str:
    """The saved model's training and validation RMSE (of the group average with
    ``--symmetry``, next to the fit's own)."""
    h, i = res.history, res.best_iteration
    if res.symmetry is None:
        msg = f"train RMSE {h['train_rmse'][i] * scale:.4g} {unit}"
        if h["val_rmse"][i] is not None:
            msg += f", validation RMSE {h['val_rmse'][i] * scale:.4g} {unit}"
        return msg
    sym = res.symmetry
    msg = f"train RMSE {sym['train_rmse_symmetric'] * scale:.4g} {unit}"
    if sym["val_rmse_symmetric"] is not None:
        msg += (f", validation RMSE {sym['val_rmse_symmetric'] * scale:.4g} {unit} "
                f"(the fit itself: {sym['val_rmse_raw'] * scale:.4g})")
    return f"symmetric under {sym['generators']} ({sym['order']} elements); " + msg


def _symmetry(spec: str, data, n_coords: int):
    """``--symmetry``: generators as text, or ``auto`` from DATA/modes.json."""
    from pathlib import Path

    from vibmpo.potential.symmetry import SignFlips

    if spec.strip().lower() != "auto":
        return SignFlips.parse(spec, n_coords)
    path = Path(data) / "modes.json"
    if not path.is_file():
        raise ValueError(f"--symmetry auto needs the normal modes of the data, {path} "
                         "(vibmpo sample writes it); give the generators instead, e.g. "
                         "--symmetry '0;1,5'")
    from vibmpo.sampling.normal_modes import load_normal_modes
    from vibmpo.sampling.symmetry import mode_symmetry

    group = mode_symmetry(load_normal_modes(path))
    if group is None:
        raise ValueError(f"--symmetry auto: the reference geometry in {path} has no "
                         "symmetry operation that acts on the modes by signs; leave "
                         "--symmetry out")
    print(f"symmetry from {path}: sign flips {group.to_text()} ({group.order} elements)")
    return group


def _with_region(res, x, data):
    """The fit's model as arrays with the region of its training data (computed by the
    fit), labelled with the data's path for the model file."""
    from dataclasses import replace

    region = replace(res.data_region, source=f"training data of {data} ({x.shape[0]} points)")
    arrays = res.arrays()
    if hasattr(arrays, "with_region"):  # Δ-learned: baseline + correction
        return arrays.with_region(region)
    return replace(arrays, data_region=region)


def _load_baseline(path):
    """A baseline file: force-field JSON (operators' format) or a model .h5."""
    from pathlib import Path

    if Path(path).suffix.lower() == ".json":
        from vibmpo.operators.forcefield import load_forcefield

        return load_forcefield(path)
    from vibmpo.potential.io import load_model

    return load_model(path)


def _selected(data, method, n, *, seed):
    """The training points chosen by ``method`` (a Dataset of the same kind)."""
    from dataclasses import replace

    from vibmpo.potential.selection import select_training_set

    if n > len(data.x):
        raise ValueError(f"--select {method}:{n} asks for more points than the {len(data.x)} "
                         "training points of DATA")
    idx = select_training_set(data.x, n, method=method, seed=seed)
    return replace(data, x=data.x[idx], y=data.y[idx],
                   f=None if data.f is None else data.f[idx])


def _curve_path(model_path):
    """Learning-curve picture next to the model file (MODEL.h5 -> MODEL_fit.png)."""
    from pathlib import Path

    return Path(model_path).with_name(Path(model_path).stem + "_fit.png")


def _display_scale(energy_unit: str) -> tuple[float, str]:
    """Factor and unit for showing errors: cm^-1 for physical units, else unchanged."""
    from vibmpo.units import energy_factor

    try:
        return energy_factor(energy_unit, "cm-1"), "cm-1"
    except ValueError:
        return 1.0, energy_unit


def _plot_history(history, model_path, energy_unit, scale=1.0) -> None:
    """Write the learning curve next to the model file (MODEL.h5 -> MODEL_fit.png)."""
    from pathlib import Path

    from vibmpo.plotting import plot_learning_curve

    curves = {k: [x * scale for x in v] for k, v in history.items()
              if k.endswith(("rmse", "mae")) and v and all(x is not None for x in v)}
    if curves:
        out = _curve_path(model_path)
        plot_learning_curve(curves, out, energy_unit=energy_unit,
                            title=f"NN-MPO fit: {Path(model_path).name}")
        print(f"wrote {out} (learning curve)")


def _fit_dipole(args) -> int:
    """``--target dipole``: least-squares polynomial of each dipole component."""
    from pathlib import Path

    from vibmpo.potential.dipole import fit_polynomial
    from vibmpo.sampling.dataset import load_dipole_data

    if Path(args.out).suffix != ".json":
        raise ValueError(f"dipole surfaces are polynomials saved as JSON; use --out "
                         f"DIPOLE.json (got {args.out})")
    x, mu = load_dipole_data(args.data, "train")
    val = load_dipole_data(args.data, "validation", required=False)
    surf = fit_polynomial(x, mu, args.degree, x_val=None if val is None else val[0],
                          values_val=None if val is None else val[1])
    surf = type(surf)(surf.powers, surf.coefficients, surf.unit, surf.components,
                      {**surf.info, "data": str(args.data)})
    surf.save(args.out)
    msg = "train RMSE " + ", ".join(f"{c} {r:.2e}" for c, r in
                                    zip(surf.components, surf.info["train_rmse"], strict=True))
    if "val_rmse" in surf.info:
        msg += "; validation RMSE " + ", ".join(
            f"{c} {r:.2e}" for c, r in zip(surf.components, surf.info["val_rmse"], strict=True))
    print(f"saved {args.out} (dipole polynomial of degree {args.degree}, "
          f"{len(surf.powers)} terms per component): {msg} e*a0")
    return 0
