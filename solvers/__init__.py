"""Solvers (imported as :mod:`vibmpo.solvers`): exact diagonalisation, DMRG and TDVP.

Solvers are plain functions returning result dataclasses; they take Hamiltonians as
quimb ``MatrixProductOperator`` objects (or, for the full-grid references, the operator
layer's grid Hamiltonians) and never import JAX.
"""

__all__ = []
