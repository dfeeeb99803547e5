"""Bundled data sets.

The formaldehyde (H2CO) data come from the Pompon project (Hino & Kurashige,
Phys. Rev. Research 7, 023217 (2025)), MIT licence: see ``data/LICENSE.pompon``.
The acetonitrile (CH3CN) quartic force field and its A-VCI reference levels: see
:mod:`vibmpo.datasets.ch3cn` for their sources.
"""

from vibmpo.datasets.ch3cn import (
    CH3CN_GRID,
    ch3cn_forcefield,
    ch3cn_forcefield_path,
    ch3cn_reference,
)
from vibmpo.datasets.loaders import (
    Dataset,
    h2co,
    h2co_cuts,
    h2co_harmonic,
    h2co_normal_modes,
    h2co_pompon_model_path,
    h2co_symmetry,
    load_dataset,
)

__all__ = [
    "CH3CN_GRID",
    "ch3cn_forcefield",
    "ch3cn_forcefield_path",
    "ch3cn_reference",
    "Dataset",
    "h2co",
    "h2co_cuts",
    "h2co_harmonic",
    "h2co_normal_modes",
    "h2co_pompon_model_path",
    "h2co_symmetry",
    "load_dataset",
]
