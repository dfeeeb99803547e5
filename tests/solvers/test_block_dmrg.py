"""Many levels: published references of the model systems by exact diagonalisation and by
block DMRG, degenerate multiplets complete, bad input rejected.

Reference numbers (``tests/data/model_references.json``) are copied from vibmpo's shared
validation data (external/henon_heiles_2d, external/quartic_2d): the 31 lowest
Henon-Heiles levels of a Computer Physics Communications paper and the 10 lowest distinct
levels of 8 coupled quartic oscillators (matslise's float128 tests), both taken from
twist-numerical/matslise (MIT licence; numbers only)."""

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import quimb.tensor as qtn

from vibmpo.operators.forcefield import (
    coupled_oscillator_levels,
    coupled_oscillators,
    forcefield_from_dict,
    henon_heiles,
)
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.solvers import (
    BLOCK_SCHEDULE,
    BlockOptions,
    DMRGConvergenceWarning,
    DMRGSchedule,
    block_dmrg,
)
from vibmpo.solvers.exact import exact_levels
from vibmpo.solvers.multiplets import group_multiplets

REF = json.loads((Path(__file__).resolve().parents[1] / "data"
                  / "model_references.json").read_text())
HH = REF["henon_heiles_2d"]
QUARTIC = REF["quartic_2d"]


def sweeps(**changes):
    """Block DMRG's default schedule with ``changes``."""
    return dataclasses.replace(BLOCK_SCHEDULE, **changes)


def quartic(a, c):
    """H = p_x^2 + p_y^2 + x^2 + y^2 + c (x^4 + 2 a x^2 y^2 + y^4)."""
    terms = [[1.0, {"x": 2}], [1.0, {"y": 2}], [c, {"x": 4}], [c, {"y": 4}]]
    if a:
        terms.append([2 * a * c, {"x": 2, "y": 2}])
    return forcefield_from_dict({"modes": ["x", "y"], "kinetic": 1.0, "terms": terms,
                                 "energy_unit": "dimensionless"})


def assert_same_distinct_levels(computed, distinct, tol):
    """Every reference value found, nothing computed up to the last one that is not one."""
    computed = np.sort(computed)
    top = max(distinct) + tol
    assert computed[-1] > top, "computed levels must extend past the reference"
    for x in distinct:
        assert np.min(np.abs(computed - x)) <= tol, f"reference level {x} not found"
    for x in computed[computed <= top]:
        assert np.min(np.abs(np.asarray(distinct) - x)) <= tol, f"spurious level {x}"


def test_henon_heiles_31_levels_exact():
    ham = grid_hamiltonian(henon_heiles(2, HH["lambda"]), HH["grid"])
    e = exact_levels(ham, n_states=31, return_vectors=False, tol=1e-12).energies
    assert np.abs(e - np.asarray(HH["levels"])).max() < HH["tolerance"]


@pytest.mark.parametrize("case", sorted(QUARTIC["cases"]))
def test_coupled_quartic_oscillators_exact(case):
    c = QUARTIC["cases"][case]
    ham = grid_hamiltonian(quartic(c["a"], c["c"]), c["grid"])
    e = exact_levels(ham, n_states=30, return_vectors=False, tol=1e-12).energies
    assert_same_distinct_levels(e, c["distinct_levels"], QUARTIC["tolerance"])


def test_henon_heiles_block_dmrg_reproduces_reference():
    # 2 modes on ho:30: bond dimension 30 holds every state, so DMRG is exact here and
    # the 13 lowest levels on this grid agree with the reference to ~1e-9
    H = grid_hamiltonian(henon_heiles(2, HH["lambda"]), "ho:30").to_mpo()
    r = block_dmrg(H, n_states=13, schedule=sweeps(maxdim=30, tol=1e-11),
                   options=BlockOptions(block_size=5, n_guard=3), energy_unit="hbar*omega")
    assert np.abs(r.energies - np.asarray(HH["levels"][:13])).max() < 1e-8
    # a residual r moves the energy by about r^2 / (level spacing ~ 1): r < 3e-5 keeps
    # every level within ~1e-9, consistent with the energies above
    assert r.all_converged and r.residuals.max() < 3e-5
    assert r.block.max() >= 2  # it took several blocks
    # degenerate pairs were never split between blocks
    m = group_multiplets(r.energies, 1e-6)
    for g in np.unique(m.group):
        assert len(set(r.block[m.group == g])) == 1


def test_quartic_block_dmrg_matches_reference():
    c = QUARTIC["cases"]["a1_c1"]
    H = grid_hamiltonian(quartic(c["a"], c["c"]), c["grid"]).to_mpo()
    ham = grid_hamiltonian(quartic(c["a"], c["c"]), c["grid"])
    ref = np.sort(exact_levels(ham, n_states=12, return_vectors=False, tol=1e-12).energies)
    r = block_dmrg(H, n_states=12, schedule=sweeps(maxdim=40, tol=1e-10),
                   options=BlockOptions(block_size=6, n_guard=3), energy_unit="dimensionless")
    assert np.abs(r.energies - ref).max() < 1e-8
    assert_same_distinct_levels(np.concatenate([r.energies, [np.inf]]),
                                [x for x in c["distinct_levels"] if x <= r.energies[-1]],
                                1e-8)


def test_degenerate_multiplets_complete():
    # three identical oscillators, all pairs coupled: normal frequencies w + 2c and a
    # doubly degenerate w - c, so the levels come in multiplets of 1, 2, 3, 4, ...
    omegas, coupling = [1.0, 1.0, 1.0], 0.1
    exact = coupled_oscillator_levels(omegas, coupling, 40)
    H = grid_hamiltonian(coupled_oscillators(omegas, coupling, energy_unit="hbar*omega"),
                         "ho:10").to_mpo()
    window = (0.0, exact[9] - exact[0] + 0.01)
    r = block_dmrg(H, window=window, schedule=sweeps(maxdim=24, tol=1e-9),
                   options=BlockOptions(block_size=4, n_guard=4), energy_unit="hbar*omega")
    want = exact[exact - exact[0] <= window[1]]
    assert len(r.energies) == len(want)
    assert np.abs(r.energies - want).max() < 1e-6
    got, ref = group_multiplets(r.energies, 1e-4), group_multiplets(want, 1e-4)
    assert got.size.tolist() == ref.size.tolist()
    assert max(ref.size) >= 2 and got.spread.max() < 1e-6
    for g in np.unique(got.group):  # each multiplet from one block
        assert len(set(r.block[got.group == g])) == 1


def test_random_mpo_many_levels_with_refinement():
    H = qtn.MPO_rand_herm(6, 3, phys_dim=2, seed=4)
    ref = np.linalg.eigvalsh(H.to_dense())
    with warnings.catch_warnings():
        warnings.simplefilter("error", DMRGConvergenceWarning)
        r = block_dmrg(H, n_states=16, schedule=sweeps(maxdim=(16, 32), tol=1e-10, nsweeps=30),
                       options=BlockOptions(block_size=5, n_guard=3, refine_maxdim=32))
    assert np.abs(r.energies - ref[:16]).max() < 1e-7
    assert r.info["refine_sweeps"] and len(r.energies) == 16


def test_refinement_bond_dimension_is_a_schedule_over_blocks():
    # block 0 refined at 32 (exact for 6 sites of dimension 2), later blocks at 2: their
    # levels must come out visibly worse, so the schedule is applied per block
    H = qtn.MPO_rand_herm(6, 3, phys_dim=2, seed=4)
    ref = np.linalg.eigvalsh(H.to_dense())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DMRGConvergenceWarning)
        r = block_dmrg(H, n_states=10, schedule=sweeps(maxdim=(16, 32), tol=1e-10, nsweeps=30),
                       options=BlockOptions(block_size=5, n_guard=3, refine_maxdim=(32, 2)))
    assert [b["refine_maxdim"] for b in r.info["blocks"]] == [32] + [2] * (
        len(r.info["blocks"]) - 1)
    first = r.block == 0
    assert first.sum() >= 3
    assert np.abs(r.energies[first] - ref[:first.sum()]).max() < 1e-7
    # variational: a bond dimension of 2 leaves the later levels too high
    assert r.energies.max() > ref[len(r.energies) - 1] + 1e-4


def test_check_block_recovers_a_missed_level(monkeypatch):
    # a refinement that slides to another level leaves its own level unclaimed; simulate
    # it by dropping a level of the last block (no later block can find it again): the
    # check block must find it, else the result would skip that level
    import vibmpo.solvers._block_dmrg as bd

    H = qtn.MPO_rand_herm(6, 3, phys_dim=2, seed=4)
    ref = np.linalg.eigvalsh(H.to_dense())
    finished = bd._finished

    def lossy(run, *args, **kwargs):
        done = finished(run, *args, **kwargs)
        if done:
            lost = sorted(run.found, key=lambda f: f[1])[8]
            run.found = [f for f in run.found if f is not lost]
        return done

    monkeypatch.setattr(bd, "_finished", lossy)
    r = bd.block_dmrg(H, n_states=12, schedule=sweeps(maxdim=(16, 32), tol=1e-10, nsweeps=30),
                      options=BlockOptions(block_size=5, n_guard=3, refine_maxdim=32))
    assert np.abs(r.energies - ref[:12]).max() < 1e-7
    checks = [b for b in r.info["blocks"] if b.get("check")]
    assert checks and checks[0]["accepted"] >= 1
    assert any("missed" in n for n in r.info["notes"])


@pytest.mark.parametrize("kwargs, message", [
    (lambda: {}, "give n_states"),
    (lambda: {"n_states": 0}, "positive integer"),
    (lambda: {"window": (2.0, 1.0)}, "emin <= emax"),
    (lambda: {"n_states": 2, "options": BlockOptions(block_size=20, n_guard=20)},
     "exceed the dimension"),
    (lambda: {"n_states": 2, "schedule": sweeps(maxdim=2)}, "below the"),
    (lambda: {"n_states": 2, "schedule": sweeps(maxdim=(8, None))}, "must be finite"),
    (lambda: {"n_states": 2, "schedule": sweeps(tol=0.0)}, "tol must be positive"),
    (lambda: {"n_states": 2, "options": BlockOptions(initial="magic")}, "unknown initial"),
    (lambda: {"n_states": 2, "options": BlockOptions(refine_maxdim=(16, 0))},
     "refine_maxdim must be positive"),
    (lambda: {"n_states": 2, "options": BlockOptions(penalty=-1.0)}, "penalty must be"),
])
def test_bad_input_rejected(kwargs, message):
    H = qtn.MPO_rand_herm(3, 3, phys_dim=3, seed=1)
    with pytest.raises(ValueError, match=message):
        block_dmrg(H, **kwargs())


def test_options_are_typed_and_unknown_fields_raise():
    H = qtn.MPO_rand_herm(3, 3, phys_dim=3, seed=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'guard'"):
        BlockOptions(guard=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nsite'"):
        block_dmrg(H, n_states=2, nsite=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        BlockOptions().block_size = 3


def test_former_keywords_still_work_with_a_deprecation_warning():
    # Henon-Heiles 2-D on ho:8: bond dimension 8 holds every state, so both runs are
    # exact; the old keywords must give bit-for-bit the same levels as the objects
    H = grid_hamiltonian(henon_heiles(2, HH["lambda"]), "ho:8").to_mpo()
    new = block_dmrg(H, n_states=6, schedule=sweeps(maxdim=8, tol=1e-10),
                     options=BlockOptions(block_size=3, n_guard=2), energy_unit="hbar*omega")
    # the schedule's defaults are block DMRG's own: the warning says to start from them
    with pytest.warns(DeprecationWarning,
                      match=r"schedule=dataclasses.replace\(BLOCK_SCHEDULE, maxdim=..., "
                            r"tol=...\), options=BlockOptions\(block_size, n_guard\)"):
        old = block_dmrg(H, n_states=6, block_size=3, n_guard=2, maxdim=8, tol=1e-10,
                         energy_unit="hbar*omega")
    assert np.array_equal(old.energies, new.energies) and new.all_converged
    assert old.info["maxdim"] == new.info["maxdim"] == [8]
    assert old.info["block_size"] == 3 and old.block.tolist() == new.block.tolist()
    ref = exact_levels(grid_hamiltonian(henon_heiles(2, HH["lambda"]), "ho:8"), n_states=6,
                       return_vectors=False, tol=1e-12).energies
    assert np.abs(new.energies - ref).max() < 1e-8
    # a schedule given as an object is honoured with its own fields
    s = block_dmrg(H, n_states=3, schedule=DMRGSchedule(maxdim=8, nsites=(2, 1)),
                   options=BlockOptions(block_size=3, n_guard=2))
    assert s.info["nsites"] == [2, 1] and np.abs(s.energies - ref[:3]).max() < 1e-8


def test_residuals_are_the_dense_residuals_of_the_returned_states():
    # the residuals are computed in a background thread while the sweeps go on: they must
    # be those of the states returned, ||(H - E) psi|| with the dense H, in their order
    ham = grid_hamiltonian(henon_heiles(3), "ho:5")
    H = ham.to_mpo()
    r = block_dmrg(H, n_states=6, schedule=sweeps(maxdim=8, nsweeps=2, tol=1e-6),
                   options=BlockOptions(block_size=3, n_guard=2))
    h = ham.dense()
    for e, psi, res in zip(r.energies, r.states, r.residuals, strict=True):
        v = psi.to_dense().ravel()
        v = v / np.linalg.norm(v)
        assert np.isclose(np.vdot(v, h @ v).real, e, atol=1e-9)
        assert np.isclose(res, np.linalg.norm(h @ v - e * v), rtol=1e-6, atol=1e-7)
    assert r.residuals.max() > 1e-6  # loose: the check above compares non-zero numbers
    off = block_dmrg(H, n_states=6, schedule=sweeps(maxdim=8, nsweeps=2, tol=1e-6),
                     options=BlockOptions(block_size=3, n_guard=2, residuals=False))
    assert np.isnan(off.residuals).all()
    np.testing.assert_array_equal(off.energies, r.energies)
