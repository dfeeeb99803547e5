"""Potential layer: NN-MPO potential energy surfaces (plain-array form; JAX model and
training are added by their modules)."""

from vibmpo.potential.arrays import ACTIVATIONS, NNMPOArrays, activation_numpy

__all__ = ["ACTIVATIONS", "NNMPOArrays", "activation_numpy"]
