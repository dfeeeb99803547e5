# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Vibrational levels of formaldehyde: exact diagonalisation vs DMRG
#
# The paper's NN-MPO potential of H2CO (Hino & Kurashige, PRR 7, 023217 (2025)) becomes
# H = T + V as a matrix product operator on a harmonic-oscillator DVR grid; its lowest
# levels come from exact diagonalisation on the full product grid and from DMRG, and the
# DMRG states are assigned to harmonic quanta.
#
# Open as a notebook with `jupytext --to ipynb 02_vibrational_levels.py`, or run as a
# script. The test suite executes it and checks the numbers asserted below. Pictures go
# to `notebook-output/02_vibrational_levels/` under the folder it runs in.
#
# Energies: excitation energies are measured from the ground level; absolute energies
# from the potential minimum that the harmonic analysis finds (the model's own zero is
# the energy shift of its training data, which means nothing physically).

# %%
from pathlib import Path

import numpy as np

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators import grid_hamiltonian, harmonic_analysis
from vibmpo.plotting import plot_levels
from vibmpo.potential import load_model
from vibmpo.solvers import (
    LEVELS_SCHEDULE,
    assign_states,
    dmrg,
    exact_levels,
    ho_number_operators,
)
from vibmpo.units import HARTREE_TO_CM1

GRID, N_STATES = "ho:7", 12
OUT = Path("notebook-output") / "02_vibrational_levels"
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The Hamiltonian as an MPO
# The potential's TT ranks [5, 14, 14, 14, 6] plus the two channels of the kinetic energy
# give the MPO bond dimensions.

# %%
model = load_model(h2co_pompon_model_path())
ham = grid_hamiltonian(model, GRID)
H = ham.to_mpo()
print(f"grid {GRID} on every mode ({ham.size:,} points; frequencies and centres from the "
      f"harmonic analysis), MPO bond dimensions {ham.mpo_bond_dims()}")
assert ham.mpo_bond_dims() == [7, 16, 16, 16, 8]

# %% [markdown]
# ## Exact diagonalisation and DMRG

# %%
ref = exact_levels(ham, n_states=N_STATES, return_vectors=False)
# the commands' recipe: two-site sweeps at bond dimension 8, then one-site at 16 and 32
res = dmrg(H, n_states=N_STATES, method="sequential", schedule=LEVELS_SCHEDULE, seed=0)
labels = [a.label for a in assign_states(res, ho_number_operators(ham))]
e0 = ref.energies[0]
v_min = harmonic_analysis(model)[2]  # potential minimum, Hartree
exact_cm1 = (ref.energies - e0) * HARTREE_TO_CM1
dmrg_cm1 = (res.energies - e0) * HARTREE_TO_CM1
print(f"zero-point energy (ground level above the potential minimum): "
      f"{(e0 - v_min) * HARTREE_TO_CM1:.2f} cm-1")
print("excitation energies above the exact ground level:")
print(f"{'n':>3} {'exact / cm-1':>14} {'DMRG / cm-1':>14} {'diff':>9}  assignment")
for n in range(N_STATES):
    print(f"{n:>3} {exact_cm1[n]:>14.4f} {dmrg_cm1[n]:>14.4f} "
          f"{dmrg_cm1[n] - exact_cm1[n]:>9.1e}  {labels[n]}")

# %% [markdown]
# DMRG reproduces exact diagonalisation, and the assignment finds the four lowest
# fundamentals (v1..v4) and the first overtone and combination bands. Labels are unique
# (one-to-one matching of states to harmonic configurations): v2+v3 and v6 are in Fermi
# resonance, about half and half, and both states are shown as mixed.

# %%
assert np.max(np.abs(dmrg_cm1 - exact_cm1)) < 1e-3
assert labels[:5] == ["0", "v1", "v2", "v3", "v4"]
assert abs(exact_cm1[1] - 1160.7) < 0.5  # fundamental of the lowest mode (CH2 wag)
heads = [lab.split(" ")[0] for lab in labels]
assert len(set(heads)) == len(heads)  # unique assignments
assert sum("/" in lab for lab in labels) >= 2  # the resonance pair

# %% [markdown]
# ## The level diagram
# DMRG levels with their assignments, exact diagonalisation beside them.

# %%
png = plot_levels(dmrg_cm1, OUT / "h2co_levels.png", labels=labels, reference=exact_cm1,
                  energy_unit="cm-1", names=("DMRG", "exact"),
                  title=f"H2CO levels on {GRID}: DMRG (assigned) and exact")
print("wrote", png)
