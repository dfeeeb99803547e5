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
# # Fitting a potential energy surface: an NN-MPO for formaldehyde
#
# An NN-MPO (Hino & Kurashige, PRR 7, 023217 (2025)) is
# V(x) = sum_rho W1[rho1]...Wf[rhof] phi_rho1(q1)...phi_rhof(qf) with q = x U: a tensor
# train over learned one-dimensional basis functions of rotated normal coordinates. Here we
# fit one to the bundled DFT energies and forces of H2CO for a minute, and inspect the
# paper's fully trained model: errors by energy window, one- and two-dimensional cuts
# against ab initio cuts, its tensor-train ranks and bond entanglement.
#
# Open as a notebook with `jupytext --to ipynb 01_fitting_a_pes.py`, or run as a script.
# The test suite executes it and checks the numbers asserted below. Pictures go to
# `notebook-output/01_fitting_a_pes/` under the folder it runs in.

# %%
from pathlib import Path

import numpy as np

from vibmpo.datasets import h2co, h2co_cuts, h2co_pompon_model_path
from vibmpo.operators import grid_hamiltonian, tt_bond_spectra
from vibmpo.plotting import plot_learning_curve
from vibmpo.potential import fit, load_model
from vibmpo.units import EV_TO_CM1

OUT = Path("notebook-output") / "01_fitting_a_pes"
OUT.mkdir(parents=True, exist_ok=True)
train, val = h2co("train"), h2co("validation")
paper = load_model(h2co_pompon_model_path())
e_min = val.y.min()  # energies in eV relative to a shift; windows relative to the lowest

# %% [markdown]
# ## A short fit
# `fit` alternates exact least-squares sweeps over the tensor-train cores (energy and
# force rows stacked) with gradient steps on the coordinator U (on the Stiefel manifold)
# and the basis functions. One minute gives a rough surface; `profile="accurate"` and a
# longer budget give the paper's accuracy.

# %%
res = fit(train.x, train.y, train.f, x_val=val.x, y_val=val.y, profile="quick",
          time_budget=60.0, seed=0, progress=True)
h = res.history
curves = {k: np.asarray(h[k]) * EV_TO_CM1 for k in ("train_rmse", "val_rmse")}
print("wrote", plot_learning_curve(curves, OUT / "learning_curve.png", energy_unit="cm-1",
                                   title="H2CO NN-MPO fit (60 s)"))
print(f"{len(h['val_rmse'])} iterations in {res.wall_time:.0f} s, ranks {h['ranks'][-1]}")
print(f"validation RMSE: first {curves['val_rmse'][0]:.1f} cm-1, "
      f"best {curves['val_rmse'].min():.1f} cm-1")
assert curves["val_rmse"].min() < 0.5 * curves["val_rmse"][0]
fresh = res.arrays()

# %% [markdown]
# ## Errors by energy window
# Low-lying points matter most for vibrational levels; high-energy points are sparse.

# %%
windows = [(0, 3000), (3000, 6000), (6000, 10000), (10000, 20000)]
e_rel = (val.y - e_min) * EV_TO_CM1
print(f"{'window / cm-1':>16} {'points':>7} {'paper MAE':>10} {'fresh MAE':>10}")
mae_paper = []
for lo, hi in windows:
    sel = (e_rel >= lo) & (e_rel < hi)
    err_p = np.abs(paper.energy(val.x[sel]) - val.y[sel]) * EV_TO_CM1
    err_f = np.abs(fresh.energy(val.x[sel]) - val.y[sel]) * EV_TO_CM1
    mae_paper.append(err_p.mean())
    print(f"{lo:>7}-{hi:<8} {sel.sum():>7} {err_p.mean():>10.2f} {err_f.mean():>10.2f}")
assert mae_paper[0] < 3.0  # the paper's model is best where the levels live

# %% [markdown]
# ## One- and two-dimensional cuts against the ab initio cuts
# `h2co_cuts()` holds DFT energies along each normal coordinate and on pairs of them
# (dimensionless Q from -3 to 3). Their energy zero sits about 39 cm-1 above that of the
# training data (a separate set of DFT runs), so each surface is compared relative to its
# own value at the reference geometry x = 0.

# %%
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

cuts = h2co_cuts()
idx, x_cut, e_cut = cuts["index"], cuts["x"], cuts["energy"]
origin = (idx == 0).all(axis=1)
e_dft0 = e_cut[origin][0]
zero = np.zeros((1, 6))
X_LABEL = r"$x_{m}$ / $\sqrt{m_e}\,a_0$"
CM1 = r"cm$^{-1}$"
# top row: the cuts (DFT points, the paper's model); bottom row: model - DFT for the
# paper's model and the 60 s fit, where the curves would otherwise lie on top of each other
fig, axes = plt.subplots(2, 6, figsize=(15, 5.8), sharex="col",
                         gridspec_kw={"height_ratios": [2, 1]})
rms = []
for m in range(6):
    top, bottom = axes[0, m], axes[1, m]
    sel = (((idx != 0).sum(axis=1) == 1) & (idx[:, m] != 0)) | origin
    order = np.argsort(x_cut[sel, m])
    xs, es = x_cut[sel][order], (e_cut[sel][order] - e_dft0) * EV_TO_CM1
    vp = (paper.energy(xs) - paper.energy(zero)) * EV_TO_CM1
    vf = (fresh.energy(xs) - fresh.energy(zero)) * EV_TO_CM1
    low = es < 10000
    rms.append(np.sqrt(np.mean((vp[low] - es[low]) ** 2)))
    top.plot(xs[:, m], es, "o", ms=3, color="tab:red", label="DFT")
    top.plot(xs[:, m], vp, "-", color="k", lw=1.0, label="paper NN-MPO")
    top.set_title(f"mode {m}: rms {rms[-1]:.1f} {CM1}\n(points below $10^4$ {CM1})",
                  fontsize=9)
    top.set_ylim(-500, 15000)
    bottom.axhline(0.0, color="0.6", lw=0.5)
    bottom.plot(xs[low, m], vp[low] - es[low], "o-", ms=2.5, lw=0.8, color="k",
                label="paper NN-MPO")
    bottom.plot(xs[low, m], vf[low] - es[low], "s--", ms=2.5, lw=0.8, color="tab:blue",
                label="60 s fit")
    bottom.set_xlabel(X_LABEL.replace("{m}", str(m)))
axes[0, 0].set_ylabel(f"energy / {CM1}")
axes[1, 0].set_ylabel(f"model - DFT / {CM1}")
axes[0, 0].legend(fontsize=7)
axes[1, 0].legend(fontsize=7)
fig.suptitle("H2CO one-dimensional cuts along each normal coordinate (zero at x = 0)",
             fontsize=10)
fig.tight_layout()
fig.savefig(OUT / "cuts_1d.png", dpi=110)
print("wrote", OUT / "cuts_1d.png")
print("1-D cut rms errors (cm-1):", np.round(rms, 1))
assert max(rms) < 5.0

# %%
pair = (((idx != 0).sum(axis=1) <= 2) & (idx[:, 2:] == 0).all(axis=1))
xs, es = x_cut[pair], (e_cut[pair] - e_dft0) * EV_TO_CM1
g0 = np.linspace(xs[:, 0].min(), xs[:, 0].max(), 60)
g1 = np.linspace(xs[:, 1].min(), xs[:, 1].max(), 60)
G0, G1 = np.meshgrid(g0, g1)
grid_x = np.zeros((G0.size, 6))
grid_x[:, 0], grid_x[:, 1] = G0.ravel(), G1.ravel()
V = ((paper.energy(grid_x) - paper.energy(zero)) * EV_TO_CM1).reshape(G0.shape)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
cs = ax.contour(G0, G1, V, levels=np.arange(1000, 15000, 1000), cmap="viridis")
ax.clabel(cs, fontsize=6)
sc = ax.scatter(xs[:, 0], xs[:, 1], c=es, s=12, cmap="viridis", vmin=0, vmax=15000,
                edgecolors="k", linewidths=0.3)
fig.colorbar(sc, ax=ax, label=f"DFT energy / {CM1}")
ax.set_xlabel(X_LABEL.replace("{m}", "0"))
ax.set_ylabel(X_LABEL.replace("{m}", "1"))
ax.set_title(f"modes 0 and 1: NN-MPO contours every 1000 {CM1}, DFT points", fontsize=9)
fig.tight_layout()
fig.savefig(OUT / "cut_2d.png", dpi=110)
print("wrote", OUT / "cut_2d.png")
err2d = (paper.energy(x_cut[pair]) - paper.energy(zero)) * EV_TO_CM1 - es
print(f"2-D cut (modes 0, 1): {pair.sum()} points, MAE {np.mean(np.abs(err2d)):.1f} cm-1")
assert np.mean(np.abs(err2d[es < 10000])) < 5.0

# %% [markdown]
# ## Tensor-train ranks and bond entanglement
# The potential on a 9-point grid per mode is a tensor train of grid values; its Schmidt
# values across each bond measure how strongly the two halves of the molecule's modes are
# coupled. Small entanglement is what makes the MPO compact.

# %%
ham = grid_hamiltonian(paper, "ho:9")
spectra = tt_bond_spectra(ham.v_cores)
entropy = []
for s in spectra:
    p = s**2 / np.sum(s**2)
    p = p[p > 0]
    entropy.append(float(-(p * np.log(p)).sum()))
print("TT ranks of the model:", list(paper.ranks))
print("bond entanglement S_k:", np.round(entropy, 4))
assert list(paper.ranks) == [5, 14, 14, 14, 6]
assert all(0.0 < s < np.log(r) for s, r in zip(entropy, paper.ranks, strict=True))
