"""Sampling layer: from a molecule to training data (below :mod:`vibmpo.potential`).

* :mod:`~vibmpo.sampling.molecule` -- molecules from XYZ files, isotope masses;
* :mod:`~vibmpo.sampling.calculators` -- PySCF (``pyscf:METHOD/BASIS``) and any ASE
  calculator: energy, gradient, dipole;
* :mod:`~vibmpo.sampling.normal_modes` -- geometry optimisation, Hessians, normal modes;
* :mod:`~vibmpo.sampling.schemes` -- harmonic, n-mode grid and Latin-hypercube sampling,
  k-means / farthest-point selection;
* :mod:`~vibmpo.sampling.evaluate` -- single points on a Dask cluster, checkpointed;
* :mod:`~vibmpo.sampling.dataset` -- the data folder that ``vibmpo fit`` reads.

Nothing here imports PySCF, ASE or Dask until it is used.

Examples
--------
>>> from vibmpo.sampling import harmonic_samples
>>> harmonic_samples([0.01, 0.02], 4, seed=0).shape
(4, 2)
"""

from vibmpo.sampling.calculators import (
    ASECalculator,
    CalculationFailed,
    PointResult,
    PySCFCalculator,
    parse_calculator,
)
from vibmpo.sampling.dataset import load_dipole_data, write_dataset
from vibmpo.sampling.evaluate import EvaluationReport, evaluate, make_client
from vibmpo.sampling.molecule import Molecule, parse_xyz, read_xyz
from vibmpo.sampling.normal_modes import (
    NormalModes,
    finite_difference_hessian,
    load_normal_modes,
    normal_modes,
    optimize_geometry,
)
from vibmpo.sampling.schemes import (
    grid_samples,
    harmonic_samples,
    latin_hypercube,
    select_points,
)

__all__ = [
    "Molecule", "read_xyz", "parse_xyz",
    "PySCFCalculator", "ASECalculator", "PointResult", "CalculationFailed",
    "parse_calculator",
    "NormalModes", "normal_modes", "optimize_geometry", "finite_difference_hessian",
    "load_normal_modes",
    "harmonic_samples", "grid_samples", "latin_hypercube", "select_points",
    "evaluate", "EvaluationReport", "make_client",
    "write_dataset", "load_dipole_data",
]
