"""``vibmpo compress MODEL -o OUT``: a compact (and optionally hole-free) NN-MPO.

Rounds the model's tensor train to ``--max-rank`` and/or a relative error ``--rel-error``,
prunes basis functions without weight (``--prune-tol``), reports the error bound of
each step and, with ``--data``, the errors on the training and validation energies
before and after (:func:`vibmpo.potential.compress.compress_model`); ``--confine`` adds
the hole-free confinement (:func:`vibmpo.potential.confine.confine`); ``--symmetry``
first replaces the model by its average over the molecule's point group
(:func:`vibmpo.potential.symmetry.symmetrize`). The input file is never overwritten.
"""

from __future__ import annotations

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add the ``compress`` command to ``subparsers``."""
    from vibmpo.cli._flags import add_renamed_flag

    p = subparsers.add_parser(
        "compress", help="round and prune an NN-MPO model (smaller MPOs), optionally "
                         "make it hole-free",
        description="Round the tensor train of an NN-MPO model (SVD in the L2 norm of the "
                    "training data's distribution), prune basis functions without weight, "
                    "and write the compact model; the error bounds and the errors on the "
                    "data are printed. The MPO of H = T + V on a grid then has bond "
                    "dimensions at most --max-rank + 2.")
    p.add_argument("model", help="model file (.h5, vibmpo or Pompon format)")
    p.add_argument("-o", "--out", required=True, help="output model file (.h5)")
    p.add_argument("--max-rank", type=int, default=None, help="largest tensor-train rank")
    p.add_argument("--rel-error", type=float, default=0.0,
                   help="relative L2 error allowed for rounding (default 0: exact)")
    add_renamed_flag(p, "--tol", "--rel-error", type=float)
    p.add_argument("--prune-tol", type=float, default=0.0,
                   help="remove basis functions carrying at most this fraction of the "
                        "potential's norm in every mode (default 0: only unused ones)")
    p.add_argument("--data", default=None,
                   help="training data (folder or .npz as for `vibmpo fit`): the measure of "
                        "the L2 norm and the errors reported (default: the model's data "
                        "region, uniform)")
    p.add_argument("--energy-unit", default="eV", help="unit of the energies in --data")
    p.add_argument("--symmetry", default=None, metavar="GENERATORS",
                   help="first replace the model by its average over the point group given "
                        "as sign flips of the coordinates, e.g. '0;1,5' (H2CO's C2v; see "
                        "vibmpo fit --symmetry), rounded to --rel-error (1e-8 if 0) after "
                        "each generator; the model's coordinator must keep the symmetry "
                        "species apart")
    p.add_argument("--confine", action="store_true",
                   help="add the hole-free confinement (certified box, wall) to the output")
    p.add_argument("--json", default=None, help="write the report (bounds, errors) as JSON")
    p.set_defaults(func=run)


def _cm1(value, unit):
    from vibmpo.units import convert_energy

    try:
        return f"{convert_energy(value, unit, 'cm-1'):.4g} cm-1"
    except ValueError:
        return f"{value:.4g} {unit}"


def _symmetrized(model, symmetry, x, data, rel_error):
    """``--symmetry``: the group average of ``model`` (its confinement kept for
    :func:`compress_model` to renew), each of its roundings to ``rel_error``, with the
    errors on ``data`` before and after."""
    from dataclasses import replace

    from vibmpo.potential.result import errors
    from vibmpo.potential.symmetry import symmetrize

    unit = model.energy_unit
    sym = symmetrize(replace(model, confinement=None), symmetry, x=x, rel_error=rel_error)
    out = replace(sym.model, confinement=model.confinement)
    print(f"symmetrised: the average over the {sym.group.order} elements of the group "
          f"{sym.group.to_text()} (rounding bound {_cm1(sym.rounding_bound, unit)})")
    for name, (xd, yd) in data.items():
        (rmse_a, mae_a), (rmse_b, mae_b) = errors(model, xd, yd), errors(out, xd, yd)
        print(f"{name} ({len(yd)} points): MAE {_cm1(mae_a, unit)} -> {_cm1(mae_b, unit)}, "
              f"RMSE {_cm1(rmse_a, unit)} -> {_cm1(rmse_b, unit)}")
    return out


def run(args) -> int:
    """Runner of ``vibmpo compress``."""
    from vibmpo._checks import check_outputs, write_json
    from vibmpo.potential.compress import compress_model
    from vibmpo.potential.io import load_metadata, load_model, save_model

    outputs = {"--out": args.out}
    if args.json:
        outputs["--json"] = args.json
    check_outputs(outputs, {"MODEL": args.model, "--data": args.data})
    model = load_model(args.model)
    unit = model.energy_unit
    x, data = None, {}
    if args.data is not None:
        from vibmpo.datasets import load_dataset
        from vibmpo.units import convert_energy

        for split in ("train", "validation"):
            d = load_dataset(args.data, split, energy_unit=args.energy_unit,
                             required=split == "train")
            if d is not None:
                y = convert_energy(d.y, args.energy_unit, model.energy_unit)
                data[split] = (d.x, y)
        x = data["train"][0]
    if args.symmetry:
        model = _symmetrized(model, args.symmetry, x, data, args.rel_error or 1e-8)
    res = compress_model(model, rel_error=args.rel_error, max_rank=args.max_rank,
                         prune_tol=args.prune_tol, x=x, data=data)
    out = res.model
    if args.confine:
        from vibmpo.potential.confine import confine

        out = confine(out)
    print(f"ranks {list(res.ranks_before)} -> {list(res.ranks_after)}, basis functions per "
          f"mode {res.basis_size_before} -> {res.basis_size_after} (pruned "
          f"{len(res.pruned)})")
    print(f"L2 error bounds ({res.measure}): rounding {_cm1(res.rounding_bound, unit)}, "
          f"pruning {_cm1(res.pruning_bound, unit)}; norm of V {_cm1(res.norm, unit)}")
    for name, e in res.errors.items():
        print(f"{name} ({e['n']} points): MAE {_cm1(e['mae_before'], unit)} -> "
              f"{_cm1(e['mae_after'], unit)}, RMSE {_cm1(e['rmse_before'], unit)} -> "
              f"{_cm1(e['rmse_after'], unit)}, largest change {_cm1(e['max_change'], unit)}")
    if args.confine:
        c = out.confinement
        print(f"confined: box shrunk {c.shrink:.2f}, certified {c.certified} (lowest value on "
              f"the certification grid {_cm1(c.floor - c.minimum, unit)} above the minimum)")
    meta = dict(load_metadata(args.model))
    meta["compression"] = {**res.to_dict(), "source_model": str(args.model),
                           "confined": bool(args.confine), "symmetry": args.symmetry}
    save_model(args.out, out, metadata=meta)
    print(f"wrote the compact model to {args.out}")
    if args.json:
        write_json(args.json, meta["compression"])
        print(f"wrote the report to {args.json}")
    return 0
