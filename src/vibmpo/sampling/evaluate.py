r"""Distributed single points with Dask: one task per geometry, checkpointed per point.

:func:`evaluate` sends every geometry that the store does not hold yet to a Dask
cluster -- a ``LocalCluster`` of worker processes on this machine by default, or an
existing cluster given by its scheduler address -- and writes each result to the
store as it arrives, so a run that is killed and restarted with the same arguments
recomputes nothing that finished:

* the store is a folder with one ``.npz`` per point (geometry, status, energy,
  gradient, dipole, message), written atomically; on a shared file system the worker
  writes it itself before returning, and a task repeated after its worker died
  finds it there;
* tasks of a worker that dies are rerun elsewhere by the scheduler (``retries``);
* a point whose calculation fails (e.g. an SCF that does not converge) is stored as
  ``failed`` with the message and reported by its index and geometry, never dropped;
  the run carries on; a later run does not repeat it (delete its file to retry);
* a progress bar shows points done, failed and remaining.

Examples
--------
>>> import tempfile
>>> from vibmpo.sampling.calculators import PySCFCalculator
>>> from vibmpo.sampling.molecule import Molecule
>>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
>>> geoms = np.array([[[0, 0, 0], [0, 0, d]] for d in (1.3, 1.4)])
>>> rep = evaluate(PySCFCalculator("hf", "sto-3g"), mol, geoms, tempfile.mkdtemp(),
...                processes=False, workers=1, progress=False)
>>> rep.n_ok, rep.computed, rep.energies.round(4).tolist()
(2, 2, [-1.1169, -1.1167])
"""

from __future__ import annotations

import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vibmpo._checks import atomic_path
from vibmpo._dask import make_client
from vibmpo.sampling.calculators import CalculationFailed
from vibmpo.sampling.molecule import Molecule

__all__ = ["EvaluationReport", "evaluate", "point_path", "load_point", "make_client"]


def point_path(store, index: int) -> Path:
    """File of point ``index`` in a store folder.

    Examples
    --------
    >>> point_path("run", 7).as_posix()
    'run/point_000007.npz'
    """
    return Path(store) / f"point_{int(index):06d}.npz"


def load_point(path) -> dict:
    """A stored point as a dict (``status`` ``"ok"`` or ``"failed"``).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "p.npz"
    >>> _write_point(p, dict(index=0, geometry=np.zeros((2, 3)), status="ok", energy=-1.0,
    ...                      gradient=np.zeros((2, 3)), dipole=np.zeros(3), message="",
    ...                      run_id="r", seconds=0.1))
    >>> load_point(p)["energy"]
    -1.0
    """
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for k in ("status", "message", "run_id"):
        out[k] = str(out[k])
    out["index"] = int(out["index"])
    out["energy"] = float(out["energy"])
    out["seconds"] = float(out["seconds"])
    return out


def _write_point(path, rec: dict) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in rec.items() if k != "computed"})


def _run_point(calculator, molecule: Molecule, index: int, geometry, store: str, run_id: str
               ) -> dict:
    """Dask task: compute one point (or read it if a previous attempt stored it)."""
    path = point_path(store, index)
    shared = Path(store).is_dir()
    if shared and path.exists():
        rec = load_point(path)
        rec["computed"] = False
        return rec
    geometry = np.asarray(geometry, dtype=np.float64)
    n = molecule.n_atoms
    rec = dict(index=int(index), geometry=geometry, run_id=run_id, computed=True)
    t0 = time.perf_counter()
    try:
        res = calculator.compute(molecule.with_coordinates(geometry))
        dip = np.full(3, np.nan) if res.dipole is None else np.asarray(res.dipole, float)
        rec.update(status="ok", energy=float(res.energy),
                   gradient=np.asarray(res.gradient, float).reshape(n, 3), dipole=dip,
                   message="")
    except Exception as exc:  # recorded and reported, never dropped
        msg = str(exc) if isinstance(exc, CalculationFailed) else (
            f"{type(exc).__name__}: {exc} ({traceback.format_exc(limit=2).splitlines()[-1]})")
        rec.update(status="failed", energy=np.nan, gradient=np.full((n, 3), np.nan),
                   dipole=np.full(3, np.nan), message=msg)
    rec["seconds"] = time.perf_counter() - t0
    if shared:
        _write_point(path, rec)
    return rec


@dataclass(frozen=True)
class EvaluationReport:
    """Results of :func:`evaluate`, one row per geometry (NaN where a point failed).

    Attributes
    ----------
    energies : ndarray (m,)
        Hartree.
    gradients : ndarray (m, n_atoms, 3)
        dE/dx in Hartree/bohr.
    dipoles : ndarray (m, 3)
        e*bohr (NaN if the calculator gives none).
    ok : ndarray of bool (m,)
        Which points succeeded.
    failed : list of dict
        ``index``, ``message`` and ``geometry`` (bohr) of every failed point.
    computed : int
        Points calculated in this run (the others came from the store).
    wall_time : float
        Seconds.
    info : dict
        Scheduler address, number of workers, store folder.

    Examples
    --------
    >>> r = EvaluationReport(np.zeros(1), np.zeros((1, 2, 3)), np.zeros((1, 3)),
    ...                      np.ones(1, bool), [], 1, 0.1)
    >>> r.n_ok, r.n_failed
    (1, 0)
    """

    energies: np.ndarray
    gradients: np.ndarray
    dipoles: np.ndarray
    ok: np.ndarray
    failed: list
    computed: int
    wall_time: float
    info: dict = field(default_factory=dict)

    @property
    def n_ok(self) -> int:
        """Number of successful points."""
        return int(self.ok.sum())

    @property
    def n_failed(self) -> int:
        """Number of failed points."""
        return len(self.failed)


def evaluate(calculator, molecule: Molecule, geometries, store, *, client=None,
             scheduler: str | None = None, workers: int | None = None,
             processes: bool = True, retries: int = 3, progress: bool = True,
             callback=None) -> EvaluationReport:
    """Energies, gradients and dipoles at ``geometries`` (m, n_atoms, 3; bohr) through
    Dask, checkpointed in the folder ``store`` (see the module docstring).

    Parameters
    ----------
    calculator
        Object with ``compute(molecule) -> PointResult`` (see
        :mod:`vibmpo.sampling.calculators`); pickled to the workers.
    molecule : Molecule
        Atoms, charge and spin (its coordinates are replaced by each geometry).
    geometries : array (m, n_atoms, 3)
        Bohr. Point ``i`` of the store must hold geometry ``i``.
    store : path
        Checkpoint folder (created).
    client : distributed.Client, optional
        Use this client (not closed here); else one from :func:`make_client` with
        ``scheduler``, ``workers`` and ``processes``, closed at the end.
    retries : int
        Extra attempts for a task whose worker died.
    progress : bool
        Show a tqdm bar (done / failed / remaining).
    callback : callable, optional
        ``callback(record, n_done)`` after each point arrives (record: dict with
        ``index``, ``status``, ``computed``, ...).

    Returns
    -------
    EvaluationReport

    Raises
    ------
    ValueError
        If the store holds a different geometry for some index (another sampling: use a
        new folder).

    Examples
    --------
    >>> import tempfile
    >>> from vibmpo.sampling.calculators import PySCFCalculator
    >>> mol = Molecule(("H", "H"), [[0, 0, 0], [0, 0, 1.4]])
    >>> rep = evaluate(PySCFCalculator("hf", "sto-3g"), mol, mol.coordinates[None],
    ...                tempfile.mkdtemp(), workers=1, processes=False, progress=False)
    >>> rep.n_ok, rep.dipoles.shape
    (1, (1, 3))
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    geoms = np.asarray(geometries, dtype=np.float64)
    n = molecule.n_atoms
    if geoms.ndim != 3 or geoms.shape[1:] != (n, 3):
        raise ValueError(f"geometries must have shape (m, {n}, 3), got {geoms.shape}")
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    records = _stored_points(store, geoms)
    todo = [i for i in range(len(geoms)) if i not in records]
    run_id = uuid.uuid4().hex
    own = client is None
    info = {"store": str(store), "reused": len(records), "run_id": run_id}
    computed = 0
    bar = tqdm(total=len(geoms), initial=len(records), disable=not progress,
               desc="single points", unit="pt")
    bar.set_postfix(failed=sum(r["status"] != "ok" for r in records.values()),
                    remaining=len(todo))
    try:
        if todo:
            if own:
                client = make_client(scheduler=scheduler, workers=workers, processes=processes)
            info["scheduler"] = client.scheduler.address
            info["workers"] = len(client.scheduler_info()["workers"])
            computed = _compute(client, calculator, molecule, geoms, todo, store, run_id,
                                retries, records, bar, callback)
    finally:
        bar.close()
        if own and client is not None:
            _close(client)
    return EvaluationReport(*_collect(records, len(geoms), n), computed,
                            time.perf_counter() - t0, info)


def _stored_points(store: Path, geoms) -> dict[int, dict]:
    """Records of the points already in ``store`` (``computed`` False), checked to hold
    this run's geometries."""
    records = {}
    n = geoms.shape[1]
    for i in range(len(geoms)):
        p = point_path(store, i)
        if not p.exists():
            continue
        rec = load_point(p)
        if rec["geometry"].shape != (n, 3) or not np.allclose(rec["geometry"], geoms[i],
                                                              rtol=0, atol=1e-10):
            raise ValueError(f"{p} holds another geometry than point {i} of this run: "
                             f"the folder belongs to a different sampling; use a new "
                             f"output folder or the original options")
        rec["computed"] = False
        records[i] = rec
    return records


def _compute(client, calculator, molecule, geoms, todo, store, run_id, retries, records,
             bar, callback) -> int:
    """Submit the points ``todo`` and file each result as it arrives (into ``records``
    and, when the worker could not, into ``store``); returns how many were computed."""
    from distributed import as_completed

    calc_f, mol_f = client.scatter([calculator, molecule], broadcast=True)
    futures = [client.submit(_run_point, calc_f, mol_f, i, geoms[i], str(store),
                             run_id, key=f"vibmpo-point-{run_id}-{i}",
                             retries=int(retries), pure=False) for i in todo]
    computed, left = 0, len(todo)
    n_failed = sum(r["status"] != "ok" for r in records.values())
    for fut in as_completed(futures):
        rec = fut.result()
        fut.release()
        i = rec["index"]
        if not point_path(store, i).exists():  # worker without the shared folder
            _write_point(point_path(store, i), rec)
        records[i] = rec
        computed += bool(rec["computed"])
        n_failed += rec["status"] != "ok"
        left -= 1
        bar.update(1)
        bar.set_postfix(failed=n_failed, remaining=left)
        if callback is not None:
            callback(rec, len(records))
    return computed


def _close(client) -> None:
    """Close a client made here, and its local cluster."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _collect(records, m: int, n: int):
    """Energies (m,), gradients (m, n, 3), dipoles (m, 3), ok mask and failures of the
    records (NaN where a point failed)."""
    energies = np.full(m, np.nan)
    grads = np.full((m, n, 3), np.nan)
    dips = np.full((m, 3), np.nan)
    ok = np.zeros(m, bool)
    failed = []
    for i, rec in sorted(records.items()):
        if rec["status"] == "ok":
            ok[i] = True
            energies[i] = rec["energy"]
            grads[i] = rec["gradient"]
            dips[i] = rec["dipole"]
        else:
            failed.append({"index": i, "message": rec["message"],
                           "geometry_bohr": np.asarray(rec["geometry"]).tolist()})
    return energies, grads, dips, ok, failed
