"""vibmpo: vibrational quantum dynamics with tensor networks.

Layers (data flows one way): samples -> :mod:`vibmpo.potential` (NN-MPO potentials, JAX)
-> :mod:`vibmpo.operators` (DVR grids and Hamiltonian MPOs, NumPy/Numba/quimb)
-> :mod:`vibmpo.solvers` (exact diagonalisation, DMRG, TDVP).

Importing :mod:`vibmpo` is cheap and has no side effects: the layers are imported on
first use of their subpackage.
"""

from vibmpo.units import EV_TO_CM1, HARTREE_TO_CM1, HARTREE_TO_EV, convert_energy

#: Version of the package.
__version__ = "0.1.0"

__all__ = ["EV_TO_CM1", "HARTREE_TO_CM1", "HARTREE_TO_EV", "convert_energy", "__version__"]
