"""Reading a SOURCE argument (a potential or force field) for the CLI commands.

SOURCE is an NN-MPO model file (``.h5``, vibmpo or Pompon format), ``h2co`` (the bundled
Pompon H2CO model), ``ch3cn`` (the bundled acetonitrile quartic force field, cm-1), a
force-field JSON file, or ``henon-heiles:F[:lambda]``.
"""

from __future__ import annotations

__all__ = ["load_source", "SOURCE_HELP", "add_allow_extrapolation", "energy_zero",
           "describe_source", "compact_grid"]

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


def add_allow_extrapolation(parser) -> None:
    """Add ``--allow-extrapolation`` (skip the grid checks of
    :func:`vibmpo.operators.gridcheck.check_grid`) to a command's parser.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_allow_extrapolation(p)
    >>> p.parse_args(["--allow-extrapolation"]).allow_extrapolation
    True
    """
    parser.add_argument(
        "--allow-extrapolation", action="store_true",
        help="go on when the grid reaches beyond the potential's training data or the "
             "potential falls below its minimum on the grid (default: refuse)")


def energy_zero(source) -> tuple[float, str]:
    """The zero of absolute energies for ``source``: its potential minimum from the
    harmonic analysis (value in the Hamiltonian's unit: Hartree for NN-MPO potentials, the
    force field's own unit otherwise) and a label; ``(0.0, "")`` (the Hamiltonian's own
    zero) when no minimum is found near the origin.

    Examples
    --------
    >>> energy_zero(load_source("henon-heiles:2"))
    (0.0, 'potential minimum (harmonic analysis)')
    """
    from vibmpo.cli.tables import ZERO_MINIMUM
    from vibmpo.operators.hamiltonian import harmonic_analysis

    try:
        _, _, vmin = harmonic_analysis(source)
    except ValueError:
        return 0.0, ""
    return float(vmin), ZERO_MINIMUM


def describe_source(source) -> str:
    """One line on what ``source`` is, in the words a user knows (its own energy unit).

    Examples
    --------
    >>> describe_source(load_source("henon-heiles:2"))
    'force field, 2 modes, 4 terms, energies in hbar*omega'
    """
    from vibmpo.potential.arrays import NNMPOArrays

    if hasattr(source, "describe"):  # a Δ-learned model: baseline + correction
        return source.describe()
    if isinstance(source, NNMPOArrays):
        return (f"NN-MPO potential, {source.n_modes} modes, ranks {list(source.ranks)}, "
                f"fitted to energies in {source.energy_unit}")
    return (f"force field, {source.n_modes} modes, {len(source.terms)} terms, energies in "
            f"{source.energy_unit}")


def compact_grid(grid_spec: str, requested: str = "") -> str:
    """A short form of a resolved grid spec for messages (the full spec goes to JSON):
    runs of one kind and size are counted, and for ``ho`` grids whose frequency and
    centre came from the harmonic analysis (``requested`` without them) it says so.

    Examples
    --------
    >>> compact_grid("ho:9:1193.2356:0.00085,ho:9:1281.1:0.0", "ho:9")
    'ho:9 x2 (omega and centre from the harmonic analysis)'
    >>> compact_grid("ho:9:1193.2356:0.00085,sine:40:-20:20")
    'ho:9, sine:40'
    """
    items = [s.split(":") for s in grid_spec.split(",") if s]
    short = [f"{p[0]}:{p[1]}" if len(p) > 1 else p[0] for p in items]
    runs: list[list] = []
    for item in short:
        if runs and runs[-1][0] == item:
            runs[-1][1] += 1
        else:
            runs.append([item, 1])
    text = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in runs)
    req = [r.split(":") for r in requested.split(",") if r]
    if req and all(r[0] == "ho" and len(r) <= 2 for r in req):
        text += " (omega and centre from the harmonic analysis)"
    return text
