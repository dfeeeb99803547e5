r"""The point-group symmetry of normal modes, found from the reference geometry.

For a molecule whose symmetry operations :math:`R` (3 x 3, about the centre of mass)
each map the nuclei onto nuclei of the same element, the operation acts on
mass-weighted displacements by :math:`(O d)_{P(a)} = R\, d_a` (:math:`P` the permutation
of the atoms). A non-degenerate normal mode :math:`L_k` is mapped to
:math:`\chi_k(R) L_k` with :math:`\chi_k = L_k^\mathsf{T} O L_k = \pm 1`, so every
operation is a sign flip of the normal coordinates and the potential satisfies
:math:`V(\chi \odot Q) = V(Q)`. :func:`mode_symmetry` tries the operations an abelian
point group can have, all aligned with the principal axes of inertia (three mirror
planes, three two-fold axes, the inversion), keeps those that map the molecule onto
itself and act on every mode by a sign, and returns their sign flips as a
:class:`vibmpo.potential.symmetry.SignFlips` (independent generators). An operation that
mixes modes (degenerate species, as in C\ :sub:`3v`) is left out, so for such molecules
the result is the abelian subgroup that acts by signs, or None.

Examples
--------
>>> from vibmpo.datasets import h2co_normal_modes
>>> mode_symmetry(h2co_normal_modes()).to_text()  # C2v: b1 | b2, b2
'0;1,5'
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["mode_symmetry", "symmetry_operations"]


def _candidates(axes):
    """Mirror planes, two-fold rotations and the inversion along the principal ``axes``."""
    for signs in itertools.product((1.0, -1.0), repeat=3):
        if all(s == 1.0 for s in signs):
            continue
        yield (axes * np.asarray(signs)) @ axes.T


def symmetry_operations(symbols, coordinates, masses, *, tol: float = 1e-3):
    """Operations ``(R, perm)`` among the principal-axis reflections, two-fold rotations
    and the inversion that map the molecule onto itself: atom ``a`` goes to
    ``perm[a]`` (same element, within ``tol`` bohr).

    Examples
    --------
    >>> ops = symmetry_operations(("O", "H", "H"), [[0, 0, 0.2], [0, 1.4, -0.9],
    ...                           [0, -1.4, -0.9]], [16.0, 1.0, 1.0])
    >>> len(ops)  # C2v: two mirror planes and the two-fold axis
    3
    """
    xyz = np.asarray(coordinates, dtype=float)
    m = np.asarray(masses, dtype=float)
    com = (m[:, None] * xyz).sum(0) / m.sum()
    r = xyz - com
    inertia = np.einsum("a,ab,ac->bc", m, r, r)
    _, axes = np.linalg.eigh(np.trace(inertia) * np.eye(3) - inertia)
    symbols = tuple(symbols)
    ops = []
    for R in _candidates(axes):
        image = r @ R.T
        perm = []
        for a in range(len(r)):
            d = np.linalg.norm(r - image[a], axis=1)
            b = int(np.argmin(d))
            if d[b] > tol or symbols[b] != symbols[a]:
                break
            perm.append(b)
        if len(perm) == len(r) and len(set(perm)) == len(r):
            ops.append((R, np.asarray(perm)))
    return ops


def mode_symmetry(modes, *, tol: float = 1e-3, char_tol: float = 1e-3):
    """The sign flips of the normal coordinates of ``modes`` under the molecule's
    abelian symmetry operations (see the module docstring), or None if there are none.

    Parameters
    ----------
    modes : NormalModes
        Reference geometry (bohr), masses and mass-weighted modes ``L`` (3 n_atoms, f).
    tol : float
        Bohr: how far an operation may move a nucleus from a nucleus of its element.
    char_tol : float
        How far ``|chi_k|`` may be from 1 (an operation whose characters are not all
        ``+-1`` mixes modes and is left out).

    Returns
    -------
    SignFlips or None

    Examples
    --------
    >>> from vibmpo.datasets import h2co_normal_modes
    >>> mode_symmetry(h2co_normal_modes()).generators
    ((0,), (1, 5))
    """
    from vibmpo.potential.symmetry import SignFlips

    mol = modes.molecule
    L = np.asarray(modes.modes, dtype=float)
    n_atoms, f = mol.n_atoms, L.shape[1]
    disp = L.reshape(n_atoms, 3, f)
    flips = []
    for R, perm in symmetry_operations(mol.symbols, mol.coordinates, modes.masses, tol=tol):
        moved = np.empty_like(disp)
        moved[perm] = np.einsum("ij,ajk->aik", R, disp)
        chi = np.einsum("aik,aik->k", moved, disp) / np.einsum("aik,aik->k", disp, disp)
        if np.all(np.abs(np.abs(chi) - 1.0) <= char_tol):
            flips.append(tuple(np.flatnonzero(chi < 0).tolist()))
    # independent generators (the fewest flips first): Gaussian elimination over GF(2)
    basis: list[int] = []
    gens = []
    for idx in sorted(set(flips), key=lambda t: (len(t), t)):
        v = sum(1 << i for i in idx)
        for b in basis:
            v = min(v, v ^ b)
        if v:
            basis.append(v)
            basis.sort(reverse=True)
            gens.append(idx)
    gens = [g for g in gens if g]
    return SignFlips(gens, f) if gens else None
