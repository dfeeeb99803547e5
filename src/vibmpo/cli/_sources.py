"""Reading a SOURCE argument (a potential or force field) for the CLI commands.

SOURCE is an NN-MPO model file (``.h5``, vibmpo or Pompon format), ``h2co`` (the bundled
Pompon H2CO model), ``ch3cn`` (the bundled acetonitrile quartic force field, cm-1), a
force-field JSON file, or ``henon-heiles:F[:lambda]``.
"""

from __future__ import annotations

__all__ = ["load_source", "SOURCE_HELP"]

#: One-line description of SOURCE for ``--help`` texts.
SOURCE_HELP = ("NN-MPO model .h5 (vibmpo or Pompon), 'h2co' (bundled model), 'ch3cn' "
               "(bundled 12-mode force field), force-field .json, or "
               "'henon-heiles:F[:lambda]'")


def load_source(source: str):
    """NN-MPO arrays or a force field from a SOURCE string (see the module docstring).

    Examples
    --------
    >>> load_source("henon-heiles:3").n_modes
    3
    """
    from pathlib import Path

    s = str(source).strip()
    low = s.lower()
    if low == "h2co":
        from vibmpo.datasets import h2co_pompon_model_path
        from vibmpo.potential.io import load_model

        return load_model(h2co_pompon_model_path())
    if low == "ch3cn":
        from vibmpo.datasets import ch3cn_forcefield

        return ch3cn_forcefield()
    if low.startswith("henon-heiles"):
        from vibmpo.operators.forcefield import henon_heiles

        parts = s.split(":")
        try:
            f = int(parts[1]) if len(parts) > 1 else 2
            lam = float(parts[2]) if len(parts) > 2 else 0.111803
        except ValueError:
            raise ValueError(f"cannot read {s!r}; use henon-heiles:F[:lambda]") from None
        return henon_heiles(f, lam)
    path = Path(s)
    if not path.exists():
        raise FileNotFoundError(
            f"SOURCE {s!r} does not exist; give an NN-MPO .h5 file, a force-field .json, "
            "'h2co' or 'henon-heiles:F[:lambda]'")
    if path.suffix.lower() == ".json":
        from vibmpo.operators.forcefield import load_forcefield

        return load_forcefield(path)
    from vibmpo.potential.io import load_model

    return load_model(path)
