"""Bundled data sets.

The formaldehyde (H2CO) data come from the Pompon project (Hino & Kurashige,
Phys. Rev. Research 7, 023217 (2025)), MIT licence: see ``data/LICENSE.pompon``.
"""

from vibmpo.datasets.loaders import (
    Dataset,
    h2co,
    h2co_cuts,
    h2co_harmonic,
    h2co_pompon_model_path,
    load_dataset,
)

__all__ = [
    "Dataset",
    "h2co",
    "h2co_cuts",
    "h2co_harmonic",
    "h2co_pompon_model_path",
    "load_dataset",
]
