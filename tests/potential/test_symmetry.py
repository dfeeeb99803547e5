"""Point-group symmetry by sign flips: the group, mirrored NN-MPOs, the group average,
the species-adapted coordinator in training, and the symmetric fit."""

import numpy as np
import pytest

from vibmpo.potential.arrays import NNMPOArrays
from vibmpo.potential.symmetry import (
    SignFlips,
    SymmetryWarning,
    flipped,
    latent_signs,
    symmetrize,
)


def _random_model(rng, n=3, nb=4, rank=3, U=None):
    cores = [rng.normal(size=(1 if i == 0 else rank, nb, 1 if i == n - 1 else rank))
             for i in range(n)]
    return NNMPOArrays(U=np.eye(n) if U is None else U, centres=rng.normal(size=(n, nb - 1)),
                       w=rng.normal(size=(n, nb - 1)), b=rng.normal(size=(n, nb - 1)),
                       activations=("tanh", "silu", "gaussian")[:nb - 1], cores=tuple(cores),
                       scale=0.7, offset=0.2)


def _potential(x):
    """Even in x0 and in (x1, x2) together, not in x1 alone."""
    e = x[:, 0] ** 2 + 0.5 * x[:, 1] ** 2 + 0.8 * x[:, 2] ** 2 + 0.3 * x[:, 1] * x[:, 2] \
        + 0.1 * x[:, 0] ** 2 * x[:, 2] ** 2
    g = np.stack([2 * x[:, 0] + 0.2 * x[:, 0] * x[:, 2] ** 2,
                  x[:, 1] + 0.3 * x[:, 2],
                  1.6 * x[:, 2] + 0.3 * x[:, 1] + 0.2 * x[:, 0] ** 2 * x[:, 2]], axis=1)
    return e, -g


def test_group_elements_characters_and_bad_generators():
    g = SignFlips([[0], [1, 2]], 3)
    assert g.order == 4 and g.elements().tolist() == [
        [1, 1, 1], [1, -1, -1], [-1, 1, 1], [-1, -1, -1]]
    assert SignFlips.parse(g.to_text(), 3) == g
    mask = g.coordinator_mask()
    assert mask.tolist() == [[True, False, False], [False, True, True], [False, True, True]]
    x, f = g.images(np.ones((2, 3)), np.ones((2, 3)))
    assert x.shape == (8, 3) and np.array_equal(x, f)
    for bad, match in [(([[3]], 3), "only 3"), (([[0, 0]], 3), "twice"),
                       (([[]], 3), "flips no coordinate"), (([], 3), "at least one"),
                       (([[0], [1], [0, 1]], 3), "not independent")]:
        with pytest.raises(ValueError, match=match):
            SignFlips(*bad)
    with pytest.raises(ValueError, match="must read like"):
        SignFlips.parse("0;a", 3)


def test_flipped_model_is_the_potential_at_the_mirrored_points():
    rng = np.random.default_rng(1)
    # U mixes x1 and x2 only (one species under "1,2"), so the flips stay latent flips
    c, s = np.cos(0.4), np.sin(0.4)
    U = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    m = _random_model(rng, U=U)
    x = rng.normal(size=(50, 3))
    for signs in SignFlips([[0], [1, 2]], 3).elements():
        assert np.allclose(flipped(m, signs).energy(x), m.energy(x * signs), atol=1e-13)
    with pytest.raises(ValueError, match="mixes coordinates of different symmetry"):
        latent_signs(m, [1.0, -1.0, 1.0])  # x1 alone: U mixes it with x2


def test_group_average_is_exact_invariant_and_the_projection():
    rng = np.random.default_rng(2)
    m = _random_model(rng)
    x = rng.normal(size=(60, 3))
    g = SignFlips([[0], [1, 2]], 3)
    c = symmetrize(m, g, x=x, rel_error=0.0)
    mean = np.mean([m.energy(x * s) for s in g.elements()], axis=0)
    assert np.allclose(c.model.energy(x), mean, atol=1e-10)
    for s in g.elements():
        assert np.allclose(c.model.energy(x * s), c.model.energy(x), atol=1e-10)
    # a projection: averaging a symmetric model again changes nothing
    again = symmetrize(c.model, g, x=x, rel_error=0.0).model
    assert np.allclose(again.energy(x), c.model.energy(x), atol=1e-10)
    assert max(c.ranks_after) <= g.order * 3


def test_masked_step_keeps_the_coordinator_species_adapted():
    from vibmpo.potential.model import NNMPO, x64
    from vibmpo.potential.step import init_opt_state, make_optimizer, make_step, to_jax

    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    y, f = _potential(x)
    mask = SignFlips([[0], [1, 2]], 3).coordinator_mask()
    opt = make_optimizer(3e-2, 5)
    step = make_step(opt, u_mask=mask)
    with x64():
        jm = to_jax(NNMPO.from_arrays(_random_model(rng)))
        state = init_opt_state(opt, jm)
        for _ in range(5):
            jm, state, _ = step(jm, state, (x, y, f))
        U = np.asarray(jm.U)
    assert np.all(U[~mask] == 0.0)
    assert np.abs(U[1:, 1:] - np.eye(2)).max() > 1e-4  # the b-species block did rotate
    assert np.allclose(U.T @ U, np.eye(3), atol=1e-12)


def test_symmetric_fit_is_invariant_and_flags_a_wrong_symmetry():
    from vibmpo.potential.train import fit

    rng = np.random.default_rng(4)
    x = rng.normal(size=(120, 3))
    y, f = _potential(x)
    xv = rng.normal(size=(60, 3))
    yv, _ = _potential(xv)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", SymmetryWarning)  # the right symmetry: no warning
        res = fit(x, y, f, x_val=xv, y_val=yv, profile="test", basis_size=5, seed=0,
                  symmetry="0;1,2", energy_unit="hartree")
    U = np.asarray(res.model.U)
    assert np.all(U[~SignFlips([[0], [1, 2]], 3).coordinator_mask()] == 0.0)
    a = res.arrays()
    for s in SignFlips([[0], [1, 2]], 3).elements():
        assert np.allclose(a.energy(xv * s), a.energy(xv), atol=1e-9)
    info = res.symmetry
    assert info["generators"] == "0;1,2" and info["order"] == 4
    assert info["val_rmse_symmetric"] <= 1.2 * info["val_rmse_raw"]
    assert res.metadata()["symmetry"]["generators"] == "0;1,2"
    assert np.all(a.data_region.x_min == -a.data_region.x_max)  # images in the region
    with pytest.warns(SymmetryWarning, match="does not fit the data"):
        fit(x, y, f, profile="test", basis_size=5, seed=0, symmetry=[[1]],
            energy_unit="hartree", grad_steps=0, max_rank=4, n_sweeps=3)
    with pytest.raises(ValueError, match="flips coordinate 3"):
        fit(x, y, f, profile="test", symmetry="3")


def test_h2co_symmetry_from_the_geometry_matches_the_dft_cuts():
    # found from the harmonic analysis alone: the molecular plane flips mode 0 (b1), the
    # perpendicular plane modes 1 and 5 (b2)
    from vibmpo.datasets import h2co_normal_modes, h2co_symmetry
    from vibmpo.potential.baseline import h2co_quartic_baseline
    from vibmpo.sampling.symmetry import symmetry_operations

    g = h2co_symmetry()
    assert g.generators == ((0,), (1, 5))
    nm = h2co_normal_modes()
    assert len(symmetry_operations(nm.molecule.symbols, nm.molecule.coordinates,
                                   nm.masses)) == 3  # two planes and the two-fold axis
    # independent evidence: the quartic force field fitted to the DFT cuts (fit RMSE
    # 26 cm-1) is even under the group to a few cm-1 on the validation points, and
    # far from even under a b2 or an a1 mode alone (100 and 570 cm-1)
    from vibmpo.datasets import h2co

    q = h2co_quartic_baseline()
    x = h2co("validation").x
    e = q.energy(x)

    def change(signs):
        return float(np.mean(np.abs(q.energy(x * np.asarray(signs)) - e)))

    assert max(change(s) for s in g.elements()) < 0.05 * change([1, -1, 1, 1, 1, 1])
    assert change([1, 1, -1, 1, 1, 1]) > 4 * change([1, -1, 1, 1, 1, 1])


def test_no_symmetry_in_a_distorted_molecule():
    from vibmpo.sampling.molecule import Molecule
    from vibmpo.sampling.normal_modes import NormalModes
    from vibmpo.sampling.symmetry import mode_symmetry

    rng = np.random.default_rng(5)
    mol = Molecule(("O", "H", "H"), [[0, 0, 0.2], [0.1, 1.4, -0.9], [0, -1.3, -0.8]])
    modes = np.linalg.qr(rng.normal(size=(9, 3)))[0]
    nm = NormalModes(molecule=mol, masses=mol.masses, frequencies=np.array([0.007, 0.016,
                                                                            0.017]),
                     modes=modes)
    assert mode_symmetry(nm) is None


def test_cli_fit_with_symmetry_auto(tmp_path, capsys):
    from vibmpo.cli import main
    from vibmpo.datasets import h2co, h2co_normal_modes
    from vibmpo.potential.io import load_model

    tr = h2co("train")
    data = tmp_path / "data"
    data.mkdir()
    for name, arr in (("x", tr.x[:150]), ("y", tr.y[:150]), ("f", tr.f[:150])):
        np.save(data / f"{name}_train.npy", arr)
    h2co_normal_modes().save(data / "modes.json")
    out = tmp_path / "model.h5"
    assert main(["fit", str(data), "--out", str(out), "--profile", "test", "--basis-size",
                 "5", "--symmetry", "auto", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "sign flips 0;1,5" in text and "symmetric under 0;1,5" in text
    m = load_model(out)
    x = tr.x[150:200]
    for s in SignFlips([[0], [1, 5]], 6).elements():
        assert np.allclose(m.energy(x * s), m.energy(x), rtol=0, atol=1e-9)
    (data / "modes.json").unlink()
    assert main(["fit", str(data), "--out", str(tmp_path / "m2.h5"), "--symmetry",
                 "auto"]) == 1
    assert "needs the normal modes" in capsys.readouterr().err


def test_cli_compress_with_symmetry(tmp_path, capsys):
    from vibmpo.cli import main
    from vibmpo.potential.io import load_metadata, load_model, save_model
    from vibmpo.potential.region import data_region

    rng = np.random.default_rng(6)
    x = rng.normal(size=(200, 3))
    m = _random_model(rng)
    m = NNMPOArrays(**{k: getattr(m, k) for k in ("U", "centres", "w", "b", "activations",
                                                  "cores", "scale", "offset")},
                    energy_unit="hartree", data_region=data_region(x, np.eye(3)))
    src = save_model(tmp_path / "m.h5", m)
    np.savez(tmp_path / "d.npz", x_train=x, y_train=m.energy(x))
    out = tmp_path / "sym.h5"
    assert main(["compress", str(src), "-o", str(out), "--symmetry", "0;1,2", "--data",
                 str(tmp_path / "d.npz"), "--energy-unit", "hartree"]) == 0
    text = capsys.readouterr().out
    assert "symmetrised: the average over the 4 elements of the group 0;1,2" in text
    s = load_model(out)
    g = SignFlips([[0], [1, 2]], 3)
    mean = np.mean([m.energy(x * e) for e in g.elements()], axis=0)
    assert np.allclose(s.energy(x), mean, atol=1e-6 * np.std(mean))
    assert load_metadata(out)["compression"]["symmetry"] == "0;1,2"
