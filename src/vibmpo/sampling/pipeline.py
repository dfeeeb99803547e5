"""The whole sampling run behind ``vibmpo sample``: reference geometry and normal modes,
sample points, distributed single points, data folder.

Restartable: the normal modes are saved first (``modes.json``) and reused by a rerun
into the same folder, and single points are checkpointed in ``points/``, so a rerun of
an interrupted command computes only what is missing.

Examples
--------
>>> import tempfile
>>> from vibmpo.sampling.molecule import parse_xyz
>>> mol = parse_xyz("2\\nH2\\nH 0 0 0\\nH 0 0 0.74\\n")
>>> meta = sample_molecule(mol, "pyscf:hf/sto-3g", tempfile.mkdtemp(), n=12, workers=1,
...                        processes=False, progress=False, validation=0.25)
>>> meta["n_ok"], meta["n_train"], meta["n_validation"]
(12, 9, 3)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vibmpo.sampling.calculators import PySCFCalculator, parse_calculator
from vibmpo.sampling.evaluate import evaluate
from vibmpo.sampling.molecule import Molecule
from vibmpo.sampling.normal_modes import (
    NormalModes,
    finite_difference_hessian,
    load_normal_modes,
    normal_modes,
    optimize_geometry,
)
from vibmpo.sampling.schemes import (
    SCHEMES,
    grid_samples,
    harmonic_samples,
    latin_hypercube,
    select_points,
)

__all__ = ["reference_modes", "sample_points", "sample_molecule"]


def reference_modes(molecule: Molecule, calculator, out, *, optimize: bool = True,
                    eval_options: dict | None = None) -> NormalModes:
    """Optimised geometry and normal modes, saved to ``out/modes.json`` and reused from
    there when present (same atoms and calculator).

    The Hessian is analytic for PySCF; for other calculators it is a central difference
    of gradients whose 6N points are evaluated through Dask (``eval_options``).

    Examples
    --------
    >>> import tempfile
    >>> from vibmpo.sampling.molecule import parse_xyz
    >>> nm = reference_modes(parse_xyz("2\\nH2\\nH 0 0 0\\nH 0 0 0.74\\n"),
    ...                      "pyscf:hf/sto-3g", tempfile.mkdtemp())
    >>> nm.frequencies_cm1.round(0).tolist()
    [5481.0]
    """
    calc = parse_calculator(calculator) if isinstance(calculator, str) else calculator
    out = Path(out)
    path = out / "modes.json"
    if path.exists():
        nm = load_normal_modes(path)
        if nm.molecule.symbols != molecule.symbols or nm.calculator != calc.label:
            raise ValueError(f"{path} belongs to {nm.calculator} on {nm.molecule.symbols}, "
                             f"not {calc.label} on {molecule.symbols}; use a new output "
                             "folder")
        return nm
    mol, energy = (optimize_geometry(calc, molecule) if optimize
                   else (molecule, calc.compute(molecule).energy))
    if isinstance(calc, PySCFCalculator):
        hess = calc.hessian(mol)
    else:
        def grads(geoms):
            rep = evaluate(calc, mol, geoms, out / "hessian_points", **(eval_options or {}))
            if rep.n_failed:
                raise RuntimeError(f"{rep.n_failed} finite-difference points failed: "
                                   f"{rep.failed[0]['message']}")
            return rep.gradients
        hess = finite_difference_hessian(grads, mol)
    nm = normal_modes(mol, hess, energy=energy, calculator=calc.label)
    if np.any(nm.frequencies <= 0):
        raise ValueError(f"the reference geometry is not a minimum (frequencies "
                         f"{nm.frequencies_cm1.round(1).tolist()} cm-1); optimise it")
    out.mkdir(parents=True, exist_ok=True)
    nm.save(path)
    return nm


def sample_points(modes: NormalModes, scheme: str, n: int | None, *, seed: int = 0,
                  widen: float = 1.0, grid_points: int = 9, order: int = 2,
                  extent: float = 3.0, pool: int | None = None, select: str = "fps"
                  ) -> np.ndarray:
    """Normal coordinates (m, f) of a sampling scheme (see :mod:`vibmpo.sampling.schemes`);
    with ``pool``, ``n`` points selected from a pool of that many candidates.

    Examples
    --------
    >>> import tempfile
    >>> from vibmpo.sampling.molecule import Molecule
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> h = np.zeros((6, 6)); h[2, 2] = h[5, 5] = 0.37; h[2, 5] = h[5, 2] = -0.37
    >>> sample_points(normal_modes(mol, h), "grid", None, grid_points=5).shape
    (5, 1)
    """
    w = modes.frequencies
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose from {SCHEMES}")
    if scheme == "grid":
        q = grid_samples(w, grid_points, order=min(order, modes.n_modes))
        if n is not None and pool is None and n < len(q):
            pool = len(q)
    else:
        if n is None:
            raise ValueError(f"scheme {scheme!r} needs the number of points n")
        m = pool or n
        q = (harmonic_samples(w, m, seed=seed, widen=widen) if scheme == "harmonic"
             else latin_hypercube(w, m, seed=seed, extent=extent))
    if pool is not None and n is not None and n < len(q):
        q = q[select_points(q, n, w, method=select, seed=seed)]
    return q


def sample_molecule(molecule: Molecule, calculator, out, *, scheme: str = "harmonic",
                    n: int | None = 300, seed: int = 0, widen: float = 1.0,
                    grid_points: int = 9, order: int = 2, extent: float = 3.0,
                    pool: int | None = None, select: str = "fps", validation: float = 0.1,
                    optimize: bool = True, scheduler: str | None = None,
                    workers: int | None = None, processes: bool = True, client=None,
                    progress: bool = True, callback=None) -> dict:
    """Run the whole sampling (modes, points, Dask single points, data folder) and return
    the metadata written to ``out/metadata.json``.

    Examples
    --------
    >>> import tempfile
    >>> from vibmpo.sampling.molecule import parse_xyz
    >>> meta = sample_molecule(parse_xyz("2\\nH2\\nH 0 0 0\\nH 0 0 0.74\\n"), "pyscf:hf/sto-3g",
    ...                        tempfile.mkdtemp(), scheme="grid", n=None, grid_points=5,
    ...                        workers=1, processes=False, progress=False, validation=0.0)
    >>> meta["n_points"], meta["n_failed"], meta["energy_unit"]
    (5, 0, 'eV')
    """
    calc = parse_calculator(calculator) if isinstance(calculator, str) else calculator
    opts = dict(scheduler=scheduler, workers=workers, processes=processes, client=client,
                progress=progress)
    modes = reference_modes(molecule, calc, out, optimize=optimize, eval_options=opts)
    q = sample_points(modes, scheme, n, seed=seed, widen=widen, grid_points=grid_points,
                      order=order, extent=extent, pool=pool, select=select)
    report = evaluate(calc, modes.molecule, modes.to_cartesian(q), Path(out) / "points",
                      callback=callback, **opts)
    from vibmpo.sampling.dataset import write_dataset

    meta = {"calculator": calc.label, "scheme": scheme, "seed": seed, "widen": widen,
            "grid_points": grid_points, "order": order, "extent": extent, "pool": pool,
            "select": select, "molecule": modes.molecule.to_dict(),
            "evaluation": report.info}
    return write_dataset(out, modes, q, report, validation=validation, seed=seed,
                         metadata=meta)
