"""Automatic per-mode grids (``--grid auto:TOL``): levels converged, degenerate partners
on one grid size."""

import numpy as np
import pytest

from vibmpo.datasets import ch3cn_forcefield
from vibmpo.operators.forcefield import coupled_oscillators, henon_heiles
from vibmpo.operators.grid_convergence import converged_grid, frequency_groups
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers.multiplets import group_multiplets


def levels(ff, spec, n):
    return np.linalg.eigvalsh(grid_hamiltonian(ff, spec).dense())[:n]


def test_henon_heiles_pair_on_one_grid_keeps_its_degeneracy():
    # Henon-Heiles is C3v-symmetric: (x, y) is an E pair. Its one-mode cuts differ (the
    # cubic x^2 y - y^3/3 is odd in y only), so mode-by-mode sizes differ (7 and 11 for
    # this tolerance) and such a grid splits the E levels by ~5e-4 below e_max.
    ff = henon_heiles(2)
    g = converged_grid(ff, 1e-6, e_max=3.0)
    assert g.groups == ((0, 1),) and g.sizes[0] == g.sizes[1]
    e = levels(ff, g.spec, 12)
    ref = levels(ff, "ho:30", 12)
    below = ref - ref[0] <= g.e_max
    assert np.abs(e - ref)[below].max() < 1e-5
    m = group_multiplets(ref[below], 1e-6)
    pairs = [p for p in (np.flatnonzero(m.group == k) for k in range(m.n_groups)) if len(p) == 2]
    assert len(pairs) >= 3
    for p in pairs:  # every E pair of the reference stays a pair to 1e-6
        assert abs(e[p[1]] - e[p[0]]) < 1e-6
    split = levels(ff, "ho:7,ho:11", 12)  # what the mode-by-mode sizes gave
    assert max(abs(split[p[1]] - split[p[0]]) for p in pairs) > 1e-4


def test_ch3cn_e_pairs_share_their_size():
    g = converged_grid(ch3cn_forcefield(), 2e-3, e_max=2200.0)
    assert g.groups == ((0,), (1,), (2,), (3,), (4, 8), (5, 9), (6, 10), (7, 11))
    for a, b in ((4, 8), (5, 9), (6, 10), (7, 11)):
        assert g.sizes[a] == g.sizes[b]
    assert g.spec.split(",")[7] == g.spec.split(",")[11]


def test_nondegenerate_modes_are_sized_alone():
    ff = coupled_oscillators([1.0, 3.0], 0.1)
    g = converged_grid(ff, 1e-8, n_states=4)
    assert g.groups == ((0,), (1,)) and g.sizes == (6, 4)
    assert frequency_groups([1.0, 1.0 + 1e-9, 2.0], [0.5, 0.5, 0.5]) == ((0, 1), (2,))
    assert frequency_groups([1.0, 1.0], [0.5, 0.6]) == ((0,), (1,))


@pytest.mark.parametrize("kwargs, message", [
    ({"tol": 0.0, "e_max": 3.0}, "must be positive"),
    ({"tol": 1e-3}, "give e_max"),
])
def test_bad_input_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        converged_grid(henon_heiles(2), **kwargs)
