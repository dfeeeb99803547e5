"""Potential layer: NN-MPO potential energy surfaces.

Plain-array form and file io (:mod:`~vibmpo.potential.arrays`,
:mod:`~vibmpo.potential.io`) need only NumPy and h5py; the JAX model
(:class:`NNMPO`) and the trainer (:func:`fit`) are imported lazily on first use, so
``import vibmpo.potential`` stays cheap and JAX-free.
"""

from __future__ import annotations

import importlib

from vibmpo.potential.arrays import ACTIVATIONS, NNMPOArrays, activation_numpy, average
from vibmpo.potential.io import load_metadata, load_model, save_model

__all__ = [
    "ACTIVATIONS",
    "NNMPOArrays",
    "activation_numpy",
    "average",
    "load_model",
    "load_metadata",
    "save_model",
    "NNMPO",
    "FitConfig",
    "FitResult",
    "Piecewise",
    "fit",
    "make_step",
    "PROFILES",
]

_LAZY = {"NNMPO": "vibmpo.potential.model", "FitResult": "vibmpo.potential.train",
         "fit": "vibmpo.potential.train", "FitConfig": "vibmpo.potential.config",
         "make_step": "vibmpo.potential.step",
         "PROFILES": "vibmpo.potential.config",
         "Piecewise": "vibmpo.potential.schedule"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'vibmpo.potential' has no attribute {name!r}")
