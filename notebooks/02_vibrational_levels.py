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
# script. The test suite executes it and checks the numbers asserted below.

# %%
import numpy as np

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators import grid_hamiltonian
from vibmpo.potential import load_model
from vibmpo.solvers import assign_states, dmrg, exact_levels, ho_number_operators
from vibmpo.units import HARTREE_TO_CM1

GRID, N_STATES = "ho:7", 10

# %% [markdown]
# ## The Hamiltonian as an MPO
# The potential's TT ranks [5, 14, 14, 14, 6] plus the two channels of the kinetic energy
# give the MPO bond dimensions.

# %%
model = load_model(h2co_pompon_model_path())
ham = grid_hamiltonian(model, GRID)
H = ham.to_mpo()
print(f"grid {ham.grid_spec}\n{ham.size:,} grid points, MPO bond dimensions {ham.mpo_bond_dims()}")
assert ham.mpo_bond_dims() == [7, 16, 16, 16, 8]

# %% [markdown]
# ## Exact diagonalisation and DMRG

# %%
ref = exact_levels(ham, N_STATES, return_vectors=False)
res = dmrg(H, n_states=N_STATES, method="sequential", maxdim=(8, 16, 32), nsites=(2, 1, 1),
           tol=1e-10, seed=0)
labels = [a.label for a in assign_states(res, ho_number_operators(ham))]
e0 = ref.energies[0]
exact_cm1 = (ref.energies - e0) * HARTREE_TO_CM1
dmrg_cm1 = (res.energies - e0) * HARTREE_TO_CM1
print(f"{'n':>3} {'exact / cm-1':>14} {'DMRG / cm-1':>14} {'diff':>9}  assignment")
for n in range(N_STATES):
    print(f"{n:>3} {exact_cm1[n]:>14.4f} {dmrg_cm1[n]:>14.4f} "
          f"{dmrg_cm1[n] - exact_cm1[n]:>9.1e}  {labels[n]}")

# %% [markdown]
# DMRG reproduces exact diagonalisation, and the assignment finds the four lowest
# fundamentals (v1..v4) and the first overtone and combination bands.

# %%
assert np.max(np.abs(dmrg_cm1 - exact_cm1)) < 1e-3
assert labels[:5] == ["0", "v1", "v2", "v3", "v4"]
assert abs(exact_cm1[1] - 1160.7) < 0.5  # fundamental of the lowest mode (CH2 wag)

# %% [markdown]
# ## A stick spectrum of the levels

# %%
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(7, 3))
ax.vlines(exact_cm1[1:], 0, 1, color="k")
for e, lab in zip(exact_cm1[1:], labels[1:], strict=True):
    ax.annotate(lab, (e, 1.02), rotation=90, ha="center", va="bottom", fontsize=8)
ax.set_xlabel("excitation energy / cm$^{-1}$")
ax.set_yticks([])
ax.set_ylim(0, 1.5)
ax.set_title(f"H2CO levels ({GRID}), assigned by DMRG")
fig.tight_layout()
fig.savefig("h2co_levels.png", dpi=120)
