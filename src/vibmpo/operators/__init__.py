"""Operator layer: DVR grids, force fields and Hamiltonian MPOs (NumPy, Numba, quimb)."""

__all__ = []
