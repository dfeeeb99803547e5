"""Runs Renormalizer 0.0.11 inside its own virtual environment (NumPy < 2).

Called by ``tdvp_vs_renormalizer.py`` as ``python _renormalizer_worker.py '<json>'``; it
never imports vibmpo. Tasks (the JSON's ``task``):

* ``"tdvp"``: Henon-Heiles (``n_modes``, ``lam``) in ``nbas`` SHO functions per mode,
  coherent state displaced by ``displace`` along mode 0, ``n_steps`` steps of ``dt`` with
  ``EvolveMethod.tdvp_ps`` (after ``expand_bond_dimension`` to ``maxdim``, as
  Renormalizer's documentation does) or ``tdvp_ps2``; returns C(t), the propagation
  wall time, and the one-mode operator matrices and initial vector so that the caller
  can propagate exactly in the same basis.
* ``"dmrg"``: state-averaged two-site DMRG for the ``nroots`` lowest states from a
  random MPS (``seed``); returns the energies, sweeps and wall time.

Prints one JSON object on the last line of stdout.
"""

import json
import logging
import sys
import time

import numpy as np
from renormalizer.model import Model, Op
from renormalizer.model import basis as ba
from renormalizer.mps import Mpo, Mps
from renormalizer.mps.gs import optimize_mps
from renormalizer.utils import CompressConfig, CompressCriteria, EvolveConfig, EvolveMethod


def henon_heiles(n_modes, lam, nbas):
    dofs = [f"v_{i}" for i in range(n_modes)]
    terms = []
    for d in dofs:
        terms.append(Op("p^2", d, factor=0.5, qn=0))
        terms.append(Op("x^2", d, factor=0.5, qn=0))
    for i in range(n_modes - 1):
        terms.append(Op("x^2 x", [dofs[i], dofs[i + 1]], factor=lam, qn=[0, 0]))
        terms.append(Op("x^3", dofs[i + 1], factor=-lam / 3.0, qn=0))
    basis = [ba.BasisSHO(d, 1.0, nbas) for d in dofs]
    return Model(basis, terms), basis


def coherent(nbas, displace):
    # HO ground state shifted by `displace` (dimensionless q): alpha = displace / sqrt(2)
    alpha = displace / np.sqrt(2.0)
    n = np.arange(nbas)
    logfact = np.array([np.sum(np.log(np.arange(1, k + 1))) for k in n])
    c = np.exp(-alpha**2 / 2 + n * np.log(alpha) - logfact / 2)
    return c / np.linalg.norm(c)


def tdvp(p):
    model, basis = henon_heiles(p["n_modes"], p["lam"], p["nbas"])
    mpo = Mpo(model)
    v0 = coherent(p["nbas"], p["displace"])
    mps = Mps.hartree_product_state(model, condition={"v_0": v0})
    mps0 = mps.copy()
    t0 = time.perf_counter()
    mps.compress_config = CompressConfig(CompressCriteria.fixed, max_bonddim=p["maxdim"])
    method = {"tdvp_ps": EvolveMethod.tdvp_ps, "tdvp_ps2": EvolveMethod.tdvp_ps2}[p["method"]]
    mps.evolve_config = EvolveConfig(method)
    if p["method"] == "tdvp_ps":
        mps = mps.expand_bond_dimension(mpo, include_ex=False)
    t_expand = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    auto = [complex(mps0.conj().dot(mps))]
    for _ in range(p["n_steps"]):
        mps = mps.evolve(mpo, p["dt"])
        auto.append(complex(mps0.conj().dot(mps)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    mats = {name: basis[0].op_mat(Op(name, "v_0")).tolist()
            for name in ("p^2", "x", "x^2", "x^3")}
    return {"wall_time": wall, "cpu_time": cpu, "expand_time": t_expand,
            "auto_re": [a.real for a in auto],
            "auto_im": [a.imag for a in auto], "matrices": mats, "v0": v0.tolist(),
            "bond_dims": [int(b) for b in mps.bond_dims]}


def dmrg(p):
    model, _ = henon_heiles(p["n_modes"], p["lam"], p["nbas"])
    mpo = Mpo(model)
    np.random.seed(p["seed"])  # noqa: NPY002 - Mps.random draws from the global generator
    m = p["maxdim"]
    t0, c0 = time.perf_counter(), time.process_time()
    mps = Mps.random(model, 0, m, percent=1.0)
    mps.optimize_config.procedure = [[m, 0.4], [m, 0.2], [m, 0.1]] + [[m, 0]] * p["nsweeps"]
    mps.optimize_config.method = "2site"
    mps.optimize_config.nroots = p["nroots"]
    energies, mps = optimize_mps(mps, mpo)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    final = np.sort(np.asarray(energies[-1]))[: p["nroots"]]
    return {"wall_time": wall, "cpu_time": cpu, "energies": final.tolist(),
            "n_sweeps": len(energies)}


if __name__ == "__main__":
    logging.disable(logging.INFO)  # Renormalizer logs every local step at DEBUG level
    params = json.loads(sys.argv[1])
    out = {"tdvp": tdvp, "dmrg": dmrg}[params["task"]](params)
    print(json.dumps(out))
