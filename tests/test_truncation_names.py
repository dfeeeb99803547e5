"""One name per truncation meaning (glossary in vibmpo.linalg): the former names of the
renamed keywords and flags still work for one release, warn naming the new keyword, and
give results identical to the new names'."""

import numpy as np
import pytest

from vibmpo.cli import build_parser
from vibmpo.operators.forcefield import henon_heiles
from vibmpo.operators.hamiltonian import grid_hamiltonian
from vibmpo.operators.observables import grid_observable, tt_from_full
from vibmpo.potential import tensortrain
from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.compress import compress_model
from vibmpo.potential.train import FitConfig, fit


def _same(a, b):
    """Equal results: arrays (or sequences of them) element by element, else ==."""
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.fixture(scope="module")
def ham():
    return grid_hamiltonian(henon_heiles(3), "ho:5")


@pytest.mark.parametrize("method", ["mpo_arrays", "mpo_error", "mpo_bond_dims"])
def test_grid_hamiltonian_mpo_tol_is_max_error(ham, method):
    new = getattr(ham, method)(max_error=1e-3)
    with pytest.warns(DeprecationWarning, match=rf"{method}\(max_error=\.\.\.\)"):
        old = getattr(ham, method)(tol=1e-3)
    assert _same(old, new)
    assert _same(getattr(ham, method)(1e-3), new)  # positional, as before


def test_to_mpo_tol_is_max_error_and_misuse_is_refused(ham):
    new = ham.to_mpo(max_error=0.05)
    with pytest.warns(DeprecationWarning, match="renamed GridHamiltonian.to_mpo"):
        old = ham.to_mpo(tol=0.05)
    assert old.bond_sizes() == new.bond_sizes() and new.bond_sizes() != ham.mpo_bond_dims(None)
    np.testing.assert_array_equal(old.to_dense(), new.to_dense())
    with pytest.raises(TypeError, match="both max_error= and its deprecated former name tol="):
        ham.to_mpo(max_error=1e-3, tol=1e-3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        ham.to_mpo(tolerance=1e-3)


def test_grid_hamiltonian_tt_tol_is_potential_max_error():
    ff = henon_heiles(3)
    new = grid_hamiltonian(ff, "ho:5", potential_max_error=1e-2)
    with pytest.warns(DeprecationWarning, match=r"grid_hamiltonian\(potential_max_error="):
        old = grid_hamiltonian(ff, "ho:5", tt_tol=1e-2)
    assert _same(list(old.v_cores), list(new.v_cores))


def test_observable_tolerances_are_rel_error(ham, rng):
    a = rng.normal(size=(3, 4, 5))
    with pytest.warns(DeprecationWarning, match=r"tt_from_full\(rel_error="):
        old = tt_from_full(a, tol=1e-2)
    assert _same(old, tt_from_full(a, rel_error=1e-2))
    ff = henon_heiles(3)
    with pytest.warns(DeprecationWarning, match=r"grid_observable\(rel_error="):
        old = grid_observable(ff, ham, tol=1e-3)
    assert _same(list(old.cores), list(grid_observable(ff, ham, rel_error=1e-3).cores))


def test_compress_model_tol_is_rel_error(rng):
    cores = (rng.normal(size=(1, 3, 4)), rng.normal(size=(4, 3, 4)), rng.normal(size=(4, 3, 1)))
    m = NNMPOArrays(U=np.eye(3), centres=np.zeros((3, 2)), w=np.ones((3, 2)),
                    b=np.zeros((3, 2)), activations=("tanh", "silu"), cores=cores)
    x = rng.normal(size=(50, 3))
    new = compress_model(m, rel_error=0.3, x=x)
    with pytest.warns(DeprecationWarning, match=r"compress_model\(rel_error="):
        old = compress_model(m, tol=0.3, x=x)
    assert new.ranks_after != new.ranks_before  # the rounding did something
    assert old.ranks_after == new.ranks_after and old.rounding_bound == new.rounding_bound
    np.testing.assert_array_equal(old.model.energy(x), new.model.energy(x))


def test_tensortrain_truncate_cutoff_is_rel_cutoff(rng):
    cores = [rng.normal(size=s) for s in ((1, 4, 3), (3, 4, 3), (3, 4, 1))]
    new = tensortrain.truncate(cores, rel_cutoff=0.3)
    with pytest.warns(DeprecationWarning, match=r"truncate\(rel_cutoff="):
        old = tensortrain.truncate(cores, cutoff=0.3)
    assert _same(list(old), list(new)) and [c.shape[2] for c in new[:-1]] != [3, 3]


def test_fit_rank_cutoff_is_rel_cutoff(rng):
    with pytest.warns(DeprecationWarning, match=r"FitConfig\(rel_cutoff="):
        assert FitConfig(rank_cutoff=1e-3) == FitConfig(rel_cutoff=1e-3)
    with pytest.warns(DeprecationWarning, match=r"FitConfig.replace\(rel_cutoff="):
        assert FitConfig().replace(rank_cutoff=1e-3).rel_cutoff == 1e-3
    with pytest.raises(TypeError, match="both rel_cutoff= and"):
        FitConfig(rank_cutoff=1e-3, rel_cutoff=1e-3)
    x = rng.normal(size=(120, 3))
    y = x[:, 0] ** 2 + 0.5 * x[:, 0] * x[:, 1] + 0.1 * x[:, 2]
    kw = dict(profile="test", basis_size=5, seed=1, grad_steps=0, max_rank=3)
    new = fit(x, y, rel_cutoff=0.2, **kw)
    with pytest.warns(DeprecationWarning, match=r"fit\(rel_cutoff="):
        old = fit(x, y, rank_cutoff=0.2, **kw)
    assert old.options["rel_cutoff"] == 0.2 and "rank_cutoff" not in old.options
    assert old.model.ranks == new.model.ranks != (3, 3)  # the cutoff cut a bond
    np.testing.assert_array_equal(old.model.energy(x), new.model.energy(x))


@pytest.mark.parametrize("argv, dest, value", [
    (["fit", "DATA", "--out", "m.h5", "--rank-cutoff", "1e-3"], "rel_cutoff", 1e-3),
    (["compress", "m.h5", "-o", "s.h5", "--tol", "0.01"], "rel_error", 0.01),
    (["levels", "h2co", "--mpo-tol", "1e-6"], "mpo_max_error", 1e-6),
])
def test_renamed_flags_are_hidden_aliases(argv, dest, value, capsys):
    args = build_parser().parse_args(argv)
    assert getattr(args, dest) == value
    old = argv[-2]
    new = {"rel_cutoff": "--rel-cutoff", "rel_error": "--rel-error",
           "mpo_max_error": "--mpo-max-error"}[dest]
    assert f"{old} is renamed {new}" in capsys.readouterr().err
    assert getattr(build_parser().parse_args([*argv[:-2], new, argv[-1]]), dest) == value
    command = build_parser()._subparsers._group_actions[0].choices[argv[0]]
    assert new in command.format_help() and old not in command.format_help()
