"""``vibmpo predict MODEL.h5 X.npy --out Y.npy``: energies of an NN-MPO potential.

Works for vibmpo and Pompon model files through :class:`NNMPOArrays` (NumPy only,
no JAX). Energies are written in the model's energy unit (the unit of its training
data), or converted with ``--energy-unit``.
"""

from __future__ import annotations

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add the ``predict`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "predict", help="evaluate an NN-MPO potential (vibmpo or Pompon .h5) at points",
        description="Evaluate an NN-MPO potential at the rows of X.npy (mass-weighted "
                    "coordinates) and save the energies as a .npy array.")
    p.add_argument("model", help="model file (.h5, vibmpo or Pompon format)")
    p.add_argument("x", help=".npy file of coordinates, shape (m, n)")
    p.add_argument("--out", required=True, help="output .npy file for the energies (m,)")
    p.add_argument("--energy-unit", default=None,
                   help="convert energies to this unit (default: the model's own unit)")
    p.add_argument("--y", default=None,
                   help="optional .npy of reference energies (model unit): prints RMSE/MAE "
                        "(in cm-1 for physical units)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Runner of ``vibmpo predict``."""
    from pathlib import Path

    import numpy as np

    from vibmpo._checks import atomic_write, check_outputs
    from vibmpo.potential.io import load_model
    from vibmpo.units import convert_energy

    check_outputs({"--out": args.out}, {"MODEL": args.model, "X": args.x, "--y": args.y})
    arrays = load_model(args.model)
    xp = Path(args.x)
    if not xp.exists():
        raise FileNotFoundError(f"coordinate file {xp} does not exist")
    x = np.load(xp)
    if x.ndim != 2 or x.shape[1] != arrays.n_inputs:
        raise ValueError(f"{xp} must hold an array of shape (m, {arrays.n_inputs}) for this "
                         f"model, got shape {x.shape}")
    e = arrays.energy(x)
    if args.y is not None:
        y = np.load(args.y).reshape(-1)
        if y.shape != e.shape:
            raise ValueError(f"{args.y} must hold {e.size} energies, got shape {y.shape}")
        d = e - y
        try:
            d, err_unit = convert_energy(d, arrays.energy_unit, "cm-1"), "cm-1"
        except ValueError:
            err_unit = arrays.energy_unit
        print(f"RMSE {np.sqrt(np.mean(d * d)):.6g} {err_unit}, "
              f"MAE {np.mean(np.abs(d)):.6g} {err_unit} over {e.size} points")
    unit = arrays.energy_unit
    if args.energy_unit is not None:
        e = convert_energy(e, unit, args.energy_unit)
        unit = args.energy_unit
    out = Path(args.out)
    with atomic_write(out, "wb") as fh:
        np.save(fh, e)
    print(f"wrote {e.size} energies ({unit}; the model's unit is {arrays.energy_unit}) to "
          f"{out}")
    return 0
