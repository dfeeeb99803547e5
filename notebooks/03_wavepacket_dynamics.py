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
# # Wavepacket dynamics of formaldehyde with TDVP
#
# A Gaussian wavepacket displaced along the lowest mode of H2CO (the paper's NN-MPO
# potential) is propagated with the time-dependent variational principle (TDVP) on an
# HO-DVR grid. We compare its autocorrelation function C(t) = <psi(0)|psi(t)> with exact
# propagation on the full grid, turn C(t) into a spectrum whose peaks sit at the
# vibrational levels, and watch the reduced density of the displaced mode oscillate.
#
# Open as a notebook with `jupytext --to ipynb 03_wavepacket_dynamics.py`, or run as a
# script. The test suite executes it and checks the numbers asserted below. Pictures go
# to `notebook-output/03_wavepacket_dynamics/` under the folder it runs in.

# %%
from pathlib import Path

import numpy as np

from vibmpo.datasets import h2co_pompon_model_path
from vibmpo.operators import dvr_functions, grid_hamiltonian
from vibmpo.plotting import plot_autocorrelation, plot_density, plot_spectrum
from vibmpo.potential import load_model
from vibmpo.solvers import (
    TDVPOptions,
    exact_levels,
    gaussian_wavepacket,
    one_site_densities,
    propagate_exact,
    spectrum,
    tdvp,
)
from vibmpo.units import FS_TO_AU, HARTREE_TO_CM1

GRID, T_FINAL_FS, DT_FS = "ho:7", 400.0, 2.0
OUT = Path("notebook-output") / "03_wavepacket_dynamics"
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## Hamiltonian and initial state
# The wavepacket is the harmonic ground state of every mode, displaced by one oscillator
# length along mode 0: a product state, an MPS of bond dimension 1.

# %%
ham = grid_hamiltonian(load_model(h2co_pompon_model_path()), GRID)
H = ham.to_mpo()
psi0 = gaussian_wavepacket(ham.grids, displace={0: 1.0})
save = np.arange(0.0, 120.0 + 1e-9, 4.0) * FS_TO_AU  # density frames: every 4 fs
run = tdvp(H, psi0, T_FINAL_FS * FS_TO_AU, dt=DT_FS * FS_TO_AU,
           options=TDVPOptions(maxdim=12, growth_substeps=10), save_times=save)
print(f"{run.times.size - 1} steps in {run.wall_time:.1f} s, max bond {run.max_bond.max()}")
print(f"norm drift {np.ptp(run.norms):.1e}, "
      f"energy drift {np.ptp(run.energies) * HARTREE_TO_CM1:.2e} cm-1")
assert np.ptp(run.norms) < 1e-6
assert np.ptp(run.energies) * HARTREE_TO_CM1 < 0.05

# %% [markdown]
# ## TDVP against exact propagation
# For this grid (7^6 = 117,649 points) exact propagation is cheap, which makes it a
# reference for the first 100 fs.

# %%
n_ref = int(round(100.0 / DT_FS))
ref = propagate_exact(ham, psi0, n_ref * DT_FS * FS_TO_AU, dt=DT_FS * FS_TO_AU,
                      method="chebyshev")
dev = np.abs(run.autocorrelation[: n_ref + 1] - ref.autocorrelation)
print(f"max |C_TDVP - C_exact| over 100 fs: {dev.max():.2e}")
assert dev.max() < 2e-2
t_fs = run.times / FS_TO_AU
print("wrote", plot_autocorrelation(
    t_fs, run.autocorrelation, OUT / "autocorrelation.png", time_unit="fs",
    title=f"H2CO, displaced along mode 0: TDVP over {T_FINAL_FS:g} fs",
    extra=(ref.times / FS_TO_AU, np.abs(ref.autocorrelation), "|C(t)| exact")))

# %% [markdown]
# ## Spectrum
# With a real Hamiltonian and a real initial state, C(2t) = <psi(t)*|psi(t)> doubles the
# time range (the t/2 trick). The peaks of its windowed Fourier transform are the levels
# the wavepacket overlaps: the ground state and the overtones of mode 0. Samples every
# 2 dt = 4 fs resolve a band of 2 pi / 4 fs = 8340 cm^-1 without aliasing, so the energy
# window must be narrower than that.

# %%
levels = exact_levels(ham, n_states=8, return_vectors=False).energies
nyquist = 2 * np.pi / (2 * DT_FS * FS_TO_AU)
spec = spectrum(run.times_2t, run.autocorrelation_2t, emin=levels[0] - 0.1 * nyquist,
                emax=levels[0] + 0.85 * nyquist)
peaks_cm1 = (spec.peaks - levels[0]) * HARTREE_TO_CM1
levels_cm1 = (levels - levels[0]) * HARTREE_TO_CM1
resolution = spec.resolution * HARTREE_TO_CM1
print("peaks above the ground level (cm-1):", np.round(peaks_cm1[:4], 1))
print(f"resolution {resolution:.1f} cm-1; levels (cm-1):", np.round(levels_cm1[:6], 1))
for p in peaks_cm1[:3]:
    assert np.min(np.abs(levels_cm1 - p)) < resolution
print("wrote", plot_spectrum(
    (spec.energies - levels[0]) * HARTREE_TO_CM1, spec.intensity, OUT / "spectrum.png",
    peaks=peaks_cm1, levels=levels_cm1, energy_unit="cm-1", zero_label="ground level",
    title="H2CO wavepacket spectrum (reference lines: exact levels)",
    note=f"hann window over {2 * T_FINAL_FS:g} fs (t/2 trick), resolution "
         f"{resolution:.1f} cm-1"))

# %% [markdown]
# ## Reduced density of the displaced mode
# The one-mode reduced density matrix rho_kl on the 7 DVR points is a smooth density
# along q_0 through the DVR basis functions, rho(q) = sum_kl chi_k(q) rho_kl chi_l(q); it
# swings back and forth with the mode's period (2 pi / omega_0, about 28 fs).

# %%
grid0 = ham.grids[0]
times = sorted(run.states)
rho_mats = [np.real(one_site_densities(run.states[t])[0]) for t in times]
rho = np.array([np.diag(r) for r in rho_mats])
assert np.allclose(rho.sum(axis=1), 1.0, atol=1e-8)
mean_q = rho @ grid0.points
print("<q_0>(t):", np.round(mean_q[:6], 2))
assert mean_q.max() - mean_q.min() > 1.0  # the packet moves
q_fine = np.linspace(grid0.points[0] - 0.3 * np.ptp(grid0.points),
                     grid0.points[-1] + 0.3 * np.ptp(grid0.points), 300)
chi = dvr_functions(grid0, q_fine)
density = np.array([np.einsum("qk,kl,ql->q", chi, r, chi) for r in rho_mats])
norm = density.sum(axis=1) * (q_fine[1] - q_fine[0])
assert np.allclose(norm, 1.0, atol=1e-3)  # a probability density
print("wrote", plot_density(np.array(times) / FS_TO_AU, q_fine, density,
                            OUT / "density_mode0.png", time_unit="fs",
                            xlabel=r"$q_0$ / $\sqrt{m_e}\,a_0$",
                            density_unit=r"$(\sqrt{m_e}\,a_0)^{-1}$",
                            title="reduced density of mode 0 (interpolated with the DVR "
                                  "basis functions)"))
