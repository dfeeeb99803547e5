"""Operator layer: DVR grids, force fields and Hamiltonian MPOs (NumPy, Numba, quimb).

* :mod:`vibmpo.operators.dvr` -- harmonic-oscillator and sine DVRs, grid specs;
* :mod:`vibmpo.operators.forcefield` -- polynomial sum-of-products force fields (JSON);
* :mod:`vibmpo.operators.function_tt` -- potentials as tensor trains of 1-D functions
  (NN-MPO activations, force-field monomials) and their harmonic analysis;
* :mod:`vibmpo.operators.hamiltonian` -- :class:`GridHamiltonian` (T + V on a product
  grid, potential as a tensor train of grid values), its quimb MPO and matrix-free H*v;
* :mod:`vibmpo.operators._kernels` -- the Numba kernels.

Examples
--------
>>> from vibmpo.operators import grid_hamiltonian, henon_heiles
>>> grid_hamiltonian(henon_heiles(2), "ho:6").dims
(6, 6)
"""

from vibmpo.operators.dvr import (
    Grid,
    GridSpec,
    dvr_functions,
    ho_grid,
    parse_grid_spec,
    sine_grid,
)
from vibmpo.operators.forcefield import (
    ForceField,
    coupled_oscillator_levels,
    coupled_oscillators,
    henon_heiles,
    load_forcefield,
)
from vibmpo.operators.hamiltonian import (
    GridHamiltonian,
    grid_hamiltonian,
    harmonic_analysis,
    tt_bond_spectra,
)

__all__ = [
    "Grid",
    "GridSpec",
    "ho_grid",
    "sine_grid",
    "dvr_functions",
    "parse_grid_spec",
    "ForceField",
    "load_forcefield",
    "henon_heiles",
    "coupled_oscillators",
    "GridHamiltonian",
    "grid_hamiltonian",
    "harmonic_analysis",
    "tt_bond_spectra",
    "coupled_oscillator_levels",
]
