"""Linear algebra shared by the layers: tensor trains and memory checks (NumPy only).

:mod:`~vibmpo.linalg.tt` canonicalises, truncates and adds tensor trains whose site
tensors are plain arrays of shape ``(left, phys..., right)`` (TT cores ``(r, d, r')`` or
MPO tensors ``(r, d, d, r')``); :mod:`~vibmpo.linalg.memory` checks that an allocation
fits before it is made. Both import only NumPy, so every layer (JAX-free solvers
included) can use them.
"""

from __future__ import annotations

from vibmpo.linalg.memory import available_memory, check_memory, format_bytes
from vibmpo.linalg.tt import (
    bond_spectra,
    direct_sum,
    left_canonicalise,
    right_canonicalise,
    truncate,
    truncate_with_error,
)

__all__ = [
    "available_memory",
    "bond_spectra",
    "check_memory",
    "direct_sum",
    "format_bytes",
    "left_canonicalise",
    "right_canonicalise",
    "truncate",
    "truncate_with_error",
]
