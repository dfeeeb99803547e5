"""Foundation: units, bundled data, input checks, atomic writes, docstring examples."""

import doctest
import importlib
import os
import pkgutil

import numpy as np
import pytest

import vibmpo
import vibmpo.solvers
from vibmpo import _checks, datasets, units


def test_energy_conversions_commute():
    assert units.energy_factor("eV", "cm-1") == pytest.approx(8065.544)
    assert units.energy_factor("hartree", "cm-1") == pytest.approx(219474.63)
    f = units.energy_factor("eV", "hartree") * units.energy_factor("hartree", "cm-1")
    assert f == pytest.approx(units.EV_TO_CM1, rel=1e-14)


def test_unknown_energy_unit_rejected():
    with pytest.raises(ValueError, match="unknown energy unit 'furlong'.*use one of"):
        units.normalize_energy_unit("furlong")


def test_bundled_h2co_shapes_and_values():
    tr, va = datasets.h2co("train"), datasets.h2co("validation")
    assert tr.x.shape == (625, 6) and tr.f.shape == (625, 6) and tr.y.shape == (625,)
    assert va.x.shape == (843, 6)
    # the lowest energies lie above the DFT minimum, below it by construction of the shift
    e_min = datasets.loaders.E_MIN_EV - datasets.loaders.Y_SHIFT_EV
    span = (np.array([tr.y.min(), tr.y.max()]) - e_min) * units.EV_TO_CM1
    assert 300 < span[0] < 1000 and 10_000 < span[1] < 20_000


def test_cuts_are_harmonic_near_equilibrium():
    c = datasets.h2co_cuts()
    e0 = c["energy"][(c["index"] == 0).all(axis=1)][0]
    omega = np.asarray(datasets.loaders.HARMONIC_CM1)
    for m in range(6):
        one_mode = (c["index"] != 0).sum(axis=1) == 1
        # symmetric average over Q = +-0.158 cancels the cubic term
        de = np.mean([c["energy"][one_mode & (c["index"][:, m] == k)][0] for k in (-1, 1)])
        de = (de - e0) * units.EV_TO_CM1
        q = c["q_grid"][11]
        assert de == pytest.approx(0.5 * omega[m] * q * q, rel=0.1)


def test_dataset_rejects_bad_input():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="NaN/inf"):
        datasets.Dataset(x=x, y=np.array([0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match="one energy per row"):
        datasets.Dataset(x=x, y=np.zeros(3))
    with pytest.raises(ValueError, match="forces f must have the shape of x"):
        datasets.Dataset(x=x, y=np.zeros(4), f=np.zeros((4, 3)))


def test_non_orthogonal_matrix_rejected():
    with pytest.raises(ValueError, match="not orthogonal.*re-orthonormalise"):
        _checks.check_orthonormal_columns(np.array([[1.0, 0.1], [0.0, 1.0]]))


def test_atomic_write_keeps_previous_file_on_crash(tmp_path):
    p = tmp_path / "result.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), _checks.atomic_write(p, "w") as fh:
        fh.write("half")
        raise RuntimeError("crash")
    assert p.read_text() == "old"
    assert list(tmp_path.iterdir()) == [p]


def _modules():
    names = set()
    for pkg in (vibmpo, vibmpo.solvers):
        names.add(pkg.__name__)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if not info.name.rsplit(".", 1)[-1].startswith("__"):
                names.add(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    """Every example in every docstring of the package runs and gives what it shows."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_atomic_files_get_default_permissions(tmp_path):
    p = tmp_path / "r.json"
    with _checks.atomic_write(p, "w") as fh:
        fh.write("{}")
    umask = os.umask(0)
    os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask


def test_layers_import_cleanly():
    """solvers and operators never import JAX; importing the JAX model flips no global."""
    import subprocess
    import sys

    code = (
        "import sys; import vibmpo.solvers, vibmpo.operators, vibmpo.cli.levels; "
        "assert 'jax' not in sys.modules, 'JAX imported by solvers/operators'; "
        "import jax, vibmpo.potential.model, vibmpo.potential.train; "
        "assert not jax.config.jax_enable_x64, 'x64 flipped on import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_threads_cap_reaches_blas():
    """``vibmpo --threads 1`` is applied before NumPy loads: OpenBLAS runs on one thread."""
    import subprocess
    import sys

    code = (
        "import ctypes, contextlib, io, os, sys\n"
        "import vibmpo.cli as cli\n"
        "assert 'numpy' not in sys.modules, 'importing vibmpo.cli loaded NumPy'\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['--threads', '1', '--version'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "import numpy\n"
        "n = -1\n"
        "maps = open('/proc/self/maps').read() if os.path.exists('/proc/self/maps') else ''\n"
        "libs = {l.split()[-1] for l in maps.splitlines() if 'openblas' in l.lower()}\n"
        "for path in libs:\n"
        "    lib = ctypes.CDLL(path)\n"
        "    for name in ('scipy_openblas_get_num_threads64_', 'openblas_get_num_threads'):\n"
        "        if hasattr(lib, name):\n"
        "            n = getattr(lib, name)()\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['NUMBA_NUM_THREADS'], n)\n"
    )
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env)
    assert "warning" not in out.stderr, out.stderr
    blas, numba_threads, n = out.stdout.split()
    assert (blas, numba_threads) == ("1", "1")
    if n == "-1":
        pytest.skip("cannot query the OpenBLAS thread count here (no OpenBLAS symbols)")
    assert n == "1"


def test_cli_threads_rejects_bad_counts(capsys):
    from vibmpo.cli import main

    with pytest.raises(SystemExit):
        main(["--threads", "0", "demo"])
    assert "expected a whole number >= 1" in capsys.readouterr().err
