"""Compact NN-MPO models (vibmpo.potential.compress, ``vibmpo compress``): rounding with
tolerance 0 changes nothing, pruning a zero-weight function changes nothing, the error
bounds hold, and the CLI writes a new file without touching its input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vibmpo.cli import main
from vibmpo.potential.arrays import NNMPOArrays, average
from vibmpo.potential.compress import compress_model, gram_matrices
from vibmpo.potential.io import load_metadata, load_model, save_model
from vibmpo.potential.region import data_region


def _model(rng, ranks=(4, 5), nb=5, f=3, scale=1.0):
    shapes = [(1, nb, ranks[0]), (ranks[0], nb, ranks[1]), (ranks[1], nb, 1)]
    cores = tuple(rng.normal(size=s) for s in shapes[:f])
    acts = ("moderate", "silu", "tanh", "gaussian")[:nb - 1]
    return NNMPOArrays(U=np.eye(f), centres=rng.normal(size=(f, nb - 1)),
                       w=rng.uniform(0.5, 1.5, size=(f, nb - 1)),
                       b=rng.normal(scale=0.1, size=(f, nb - 1)), activations=acts,
                       cores=cores, scale=scale, offset=0.3)


def test_rounding_with_tolerance_zero_changes_nothing(rng):
    m = _model(rng)
    x = rng.normal(size=(200, 3))
    c = compress_model(m, rel_error=0.0, x=x)
    assert c.ranks_after == m.ranks and c.basis_size_after == m.basis_size
    assert c.pruned == () and c.rounding_bound <= 1e-12 * c.norm
    far = rng.normal(size=(50, 3)) * 4  # also far from the measure's points
    np.testing.assert_allclose(c.model.energy(far), m.energy(far), rtol=1e-9, atol=1e-9)
    # an ensemble mean (ranks add) is re-gauged, not changed, too
    ens = average([m, _model(rng)])
    ce = compress_model(ens, x=x)
    np.testing.assert_allclose(ce.model.energy(far), ens.energy(far), rtol=1e-9, atol=1e-9)


def test_pruning_a_zero_weight_function_changes_nothing(rng):
    m = _model(rng)
    cores = [c.copy() for c in m.cores]
    for c in cores:
        c[:, 2, :] = 0.0  # function 2 ("silu") carries no weight in any mode
    m = NNMPOArrays(U=m.U, centres=m.centres, w=m.w, b=m.b, activations=m.activations,
                    cores=tuple(cores), scale=m.scale, offset=m.offset)
    x = rng.normal(size=(200, 3))
    c = compress_model(m, x=x)
    assert c.pruned == (2,)
    assert c.basis_size_after == m.basis_size - 1
    assert c.model.activations == ("moderate", "tanh", "gaussian")
    assert c.pruning_bound <= 1e-12 * c.norm
    far = rng.normal(size=(50, 3)) * 4
    np.testing.assert_allclose(c.model.energy(far), m.energy(far), rtol=1e-9, atol=1e-9)


def test_rounding_error_bound_holds_in_the_l2_norm_of_the_measure(rng):
    m = _model(rng, ranks=(5, 5), scale=2.0)
    x = rng.normal(size=(300, 3))
    c = compress_model(m, max_rank=2, x=x, data={"train": (x, m.energy(x))})
    assert c.ranks_after == (2, 2)
    # the bound is on the L2 norm under the product of the marginals of x: estimate it
    # on points drawn from that product (columns shuffled independently)
    q = np.stack([rng.permutation(x[:, i]) for i in range(3)], 1)
    q = np.concatenate([q] + [np.stack([rng.permutation(x[:, i]) for i in range(3)], 1)
                              for _ in range(30)])
    change = np.sqrt(np.mean((c.model.energy(q) - m.energy(q)) ** 2))
    assert 0 < change <= 1.05 * c.rounding_bound
    assert c.errors["train"]["rms_change"] > 0
    # and pruning reports its own bound: a relative threshold large enough drops functions
    p = compress_model(m, prune_tol=0.5, x=x)
    assert len(p.pruned) >= 1 and p.pruning_bound > 0


def test_gram_and_options_are_checked(rng):
    m = _model(rng)
    with pytest.raises(ValueError, match="data region"):
        gram_matrices(m)
    with pytest.raises(ValueError, match="rel_error must be in"):
        compress_model(m, rel_error=1.5, x=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="max_rank"):
        compress_model(m, max_rank=0, x=np.zeros((3, 3)))


def test_cli_compress_writes_a_new_model_and_never_its_input(rng, tmp_path, capsys):
    m = _model(rng, ranks=(5, 5))
    x = rng.normal(size=(300, 3))
    m = NNMPOArrays(**{k: getattr(m, k) for k in ("U", "centres", "w", "b", "activations",
                                                  "cores", "scale", "offset")},
                    energy_unit="hartree", data_region=data_region(x, np.eye(3)))
    src = save_model(tmp_path / "m.h5", m, metadata={"seed": 7})
    np.savez(tmp_path / "d.npz", x_train=x, y_train=m.energy(x))
    before = src.read_bytes()
    assert main(["compress", str(src), "-o", str(src), "--max-rank", "2"]) != 0
    assert "would destroy the input" in capsys.readouterr().err
    out = tmp_path / "small.h5"
    assert main(["compress", str(src), "-o", str(out), "--max-rank", "2", "--data",
                 str(tmp_path / "d.npz"), "--energy-unit", "hartree", "--confine",
                 "--json", str(tmp_path / "r.json")]) == 0
    assert src.read_bytes() == before
    small = load_model(out)
    assert small.ranks == (2, 2) and small.confinement is not None
    meta = load_metadata(out)
    assert meta["seed"] == 7 and meta["compression"]["ranks_after"] == [2, 2]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["rounding_bound"] > 0
    assert "ranks [5, 5] -> [2, 2]" in capsys.readouterr().out
