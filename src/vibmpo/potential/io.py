"""Read and write NN-MPO potentials as HDF5 files (h5py + NumPy only, no JAX).

Two formats are read by :func:`load_model`:

* the vibmpo format (``attrs["format"] == "vibmpo.nnmpo"``, ``attrs["version"] == 1``):
  datasets ``U`` (n, f), ``centres``, ``w``, ``b`` (f, N-1), group ``cores`` with
  ``core_0 .. core_{f-1}`` of shape (r_{i-1}, N, r_i); attributes ``activations``
  (list of names), ``scale``, ``offset``, ``energy_unit`` and ``metadata`` (a JSON
  string with training details); optional group ``data_region`` (datasets ``x_min``,
  ``x_max``, ``q_min``, ``q_max``; attributes ``n_points``, ``source``): the ranges of
  the training data (:class:`~vibmpo.potential.region.DataRegion`), absent in files
  written before it existed; optional group ``confinement`` (datasets ``lo``, ``hi``,
  ``slope``, ``curvature``, ``band``; attributes ``minimum``, ``floor``, ``tolerance``,
  ``shrink``, ``points``, ``source``): the certified box and wall of a hole-free model
  (:class:`~vibmpo.potential.confine.Confinement`);
* a Δ-learned model (:class:`~vibmpo.potential.composite.CompositePotential`) is a
  vibmpo file of version 2: the correction as above plus a group ``baseline`` with
  attribute ``kind``: ``"polynomial"`` (datasets ``powers`` (T, n), ``coefficients``
  (T,), attributes ``energy_unit`` and ``info`` (JSON)) or ``"nnmpo"`` (the baseline
  NN-MPO in the layout above, within the group); older vibmpo versions refuse these
  files rather than load the correction alone;
* the Pompon format (groups ``args/`` and ``params/`` with ``U``, ``x0``, ``w{i}``,
  ``b{i}``, ``W{i}``, ``norm``), where the basis centres are ``(x0 @ U).T`` and the
  activation string ``"moderate+silu"`` splits the N-1 functions into equal blocks.

Files are written atomically: a crash while saving never leaves a half-written model.

Files without a data region load with ``data_region=None``, except the bundled Pompon
H2CO model, whose region is taken from the bundled training data it was fitted to
(:func:`vibmpo.datasets.h2co`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from vibmpo._checks import atomic_path
from vibmpo.potential.arrays import ACTIVATIONS, NNMPOArrays

__all__ = ["FORMAT", "VERSION", "save_model", "load_model", "load_metadata", "detect_format"]

#: Value of the ``format`` attribute of vibmpo model files.
FORMAT = "vibmpo.nnmpo"
#: Current version of the vibmpo model format (version 1: no baseline; files with a
#: Δ-learning baseline are written as version 2).
VERSION = 1
#: Version of files holding a Δ-learned model (baseline + correction).
VERSION_COMPOSITE = 2


def _h5py():
    import h5py

    return h5py


def save_model(path, arrays: NNMPOArrays, *, metadata: dict | None = None) -> Path:
    """Write ``arrays`` (and JSON-serialisable ``metadata``) to ``path`` atomically
    (an NN-MPO, or a Δ-learned ``CompositePotential``: baseline and correction).

    Parameters
    ----------
    path : path-like
        Destination ``.h5`` file (parent folders are created).
    arrays : NNMPOArrays or CompositePotential
        The potential.
    metadata : dict, optional
        Training details (data size, RMSEs, options, ...), stored as JSON.

    Returns
    -------
    Path
        The written path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("gaussian",),
    ...                 cores=(np.ones((1, 2, 1)),), energy_unit="eV")
    >>> p = save_model(pathlib.Path(tempfile.mkdtemp()) / "m.h5", a, metadata={"seed": 0})
    >>> load_model(p).energy([[0.0]]).tolist(), load_metadata(p)["seed"]
    ([2.0], 0)
    """
    from vibmpo.potential.composite import CompositePotential

    baseline = None
    if isinstance(arrays, CompositePotential):
        baseline, arrays = arrays.baseline, arrays.correction
    if not isinstance(arrays, NNMPOArrays):
        raise TypeError(f"save_model needs an NNMPOArrays, got {type(arrays).__name__}; "
                        "convert a trained model with model.to_arrays()")
    try:
        meta_json = json.dumps(metadata or {}, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata must be JSON-serialisable: {exc}") from None
    h5py = _h5py()
    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as h:
            h.attrs["format"] = FORMAT
            h.attrs["version"] = VERSION if baseline is None else VERSION_COMPOSITE
            h.attrs["metadata"] = meta_json
            _write_nnmpo(h, arrays)
            if baseline is not None:
                _write_baseline(h.create_group("baseline"), baseline)
            _write_region_and_confinement(h, arrays)
    return path


def _write_region_and_confinement(h, arrays: NNMPOArrays) -> None:
    """The data region and the confinement of ``arrays`` (when set) into the file."""
    region = arrays.data_region
    if region is not None:
        r = h.create_group("data_region")
        for name in ("x_min", "x_max", "q_min", "q_max"):
            r.create_dataset(name, data=getattr(region, name))
        r.attrs["n_points"] = int(region.n_points)
        r.attrs["source"] = str(region.source)
    conf = arrays.confinement
    if conf is not None:
        c = h.create_group("confinement")
        for name in ("lo", "hi", "slope", "curvature", "band"):
            c.create_dataset(name, data=getattr(conf, name))
        for name in ("minimum", "floor", "tolerance", "shrink"):
            c.attrs[name] = float(getattr(conf, name))
        c.attrs["points"] = int(conf.points)
        c.attrs["source"] = str(conf.source)
        if conf.reason:
            c.attrs["reason"] = str(conf.reason)


def _write_nnmpo(h, arrays: NNMPOArrays) -> None:
    """The NN-MPO's attributes and datasets into the file or group ``h``."""
    h.attrs["energy_unit"] = arrays.energy_unit
    h.attrs["scale"] = arrays.scale
    h.attrs["offset"] = arrays.offset
    h.attrs["activations"] = json.dumps(list(arrays.activations))
    for name in ("U", "centres", "w", "b"):
        h.create_dataset(name, data=getattr(arrays, name))
    g = h.create_group("cores")
    g.attrs["n_cores"] = len(arrays.cores)
    for i, core in enumerate(arrays.cores):
        # gzip: ensemble cores are block-diagonal and mostly zeros
        g.create_dataset(f"core_{i}", data=core, compression="gzip")


def _write_baseline(g, baseline) -> None:
    from vibmpo.potential.baseline import PolynomialPotential

    if isinstance(baseline, PolynomialPotential):
        g.attrs["kind"] = "polynomial"
        g.attrs["energy_unit"] = baseline.energy_unit
        g.attrs["info"] = json.dumps(baseline.info, default=_json_default)
        g.create_dataset("powers", data=baseline.powers)
        g.create_dataset("coefficients", data=baseline.coefficients)
    else:
        g.attrs["kind"] = "nnmpo"
        _write_nnmpo(g, baseline)


def _load_baseline(g, path):
    kind = _attr(g, "kind", path)
    if kind == "polynomial":
        from vibmpo.potential.baseline import PolynomialPotential

        try:
            return PolynomialPotential(_read(g, "powers", path), _read(g, "coefficients", path),
                                       str(_attr(g, "energy_unit", path)),
                                       json.loads(_attr(g, "info", path)))
        except ValueError as exc:
            raise ValueError(f"model file {path} holds an invalid baseline: {exc}") from None
    if kind == "nnmpo":
        return _arrays_of(g, path)
    raise ValueError(f"model file {path}: unknown baseline kind {kind!r} (a newer vibmpo?)")


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")


def _open(path):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {path} does not exist")
    h5py = _h5py()
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(
            f"cannot read model file {path}: not a readable HDF5 file (truncated or corrupt? "
            f"{exc}); re-save or re-copy the model"
        ) from None


def detect_format(path) -> str:
    """Return ``"vibmpo"`` or ``"pompon"`` for a model file (``ValueError`` otherwise).

    Examples
    --------
    >>> from vibmpo.datasets import h2co_pompon_model_path
    >>> detect_format(h2co_pompon_model_path())
    'pompon'
    """
    with _open(path) as h:
        return _format_of(h, path)


def _format_of(h, path) -> str:
    fmt = h.attrs.get("format")
    if isinstance(fmt, bytes):
        fmt = fmt.decode()
    if fmt == FORMAT:
        return "vibmpo"
    if "params" in h and "U" in h["params"] and "W0" in h["params"]:
        return "pompon"
    raise ValueError(
        f"{path} is neither a vibmpo NN-MPO file (attribute format={FORMAT!r}) nor a Pompon "
        "model (groups params/U, params/W0, ...)"
    )


def _read(group, key, path):
    if key not in group:
        raise ValueError(f"model file {path} is missing {group.name.rstrip('/')}/{key} "
                         "(truncated or not an NN-MPO model)")
    try:
        return group[key][()]
    except (OSError, KeyError, RuntimeError) as exc:
        raise ValueError(f"model file {path}: cannot read {key} (corrupt data: {exc})") from None


def _attr(h, key, path):
    if key not in h.attrs:
        raise ValueError(f"model file {path} lacks the attribute {key!r} (truncated or corrupt)")
    val = h.attrs[key]
    return val.decode() if isinstance(val, bytes) else val


def load_model(path) -> NNMPOArrays:
    """Load a vibmpo or Pompon NN-MPO file as :class:`NNMPOArrays` (NumPy only), or a
    Δ-learned model (baseline + correction) as
    :class:`~vibmpo.potential.composite.CompositePotential`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupt, of an unknown format or version, or its arrays
        do not form a valid NN-MPO; the message names the file and the problem.

    Examples
    --------
    >>> from vibmpo.datasets import h2co_pompon_model_path
    >>> load_model(h2co_pompon_model_path()).ranks
    (5, 14, 14, 14, 6)
    """
    with _open(path) as h:
        try:
            fmt = _format_of(h, path)
            arrays = _load_vibmpo(h, path) if fmt == "vibmpo" else _load_pompon(h, path)
            region = _load_region(h, path)
            conf = _load_confinement(h, path)
        except (KeyError, OSError, RuntimeError) as exc:
            raise ValueError(f"model file {path} is corrupt: {exc}") from None
    if conf is not None:
        if conf.n_modes != arrays.n_modes:
            raise ValueError(f"model file {path}: its confinement has {conf.n_modes} modes, "
                             f"the model {arrays.n_modes}")
        if hasattr(arrays, "correction"):  # a Δ-learned model: the correction's
            arrays = replace(arrays, correction=replace(arrays.correction, confinement=conf))
        else:
            arrays = replace(arrays, confinement=conf)
    if region is None:
        region = _bundled_region(path, arrays)
    if region is None:
        return arrays
    if region.q_min.size != arrays.n_modes or region.x_min.size != arrays.n_inputs:
        raise ValueError(f"model file {path}: its data_region does not fit the model "
                         f"({region.x_min.size} inputs / {region.q_min.size} modes)")
    if hasattr(arrays, "with_region"):  # a Δ-learned model: the correction's region
        return arrays.with_region(region)
    return replace(arrays, data_region=region)


def _load_confinement(h, path):
    if "confinement" not in h:
        return None
    from vibmpo.potential.confine import Confinement

    g = h["confinement"]
    src = g.attrs.get("source", "")
    try:
        return Confinement(**{k: _read(g, k, path) for k in ("lo", "hi", "slope", "curvature",
                                                             "band")},
                           **{k: float(g.attrs[k]) for k in ("minimum", "floor", "tolerance",
                                                             "shrink")},
                           points=int(g.attrs.get("points", 0)),
                           source=src.decode() if isinstance(src, bytes) else str(src),
                           reason=str(g.attrs.get("reason", "")))
    except (KeyError, ValueError) as exc:
        raise ValueError(f"model file {path} holds an invalid confinement: {exc}") from None


def _load_region(h, path):
    if "data_region" not in h:
        return None
    from vibmpo.potential.region import DataRegion

    g = h["data_region"]
    src = g.attrs.get("source", "")
    try:
        return DataRegion(**{k: _read(g, k, path) for k in ("x_min", "x_max", "q_min",
                                                            "q_max")},
                          n_points=int(g.attrs.get("n_points", 0)),
                          source=src.decode() if isinstance(src, bytes) else str(src))
    except ValueError as exc:
        raise ValueError(f"model file {path} holds an invalid data_region: {exc}") from None


def _bundled_region(path, arrays):
    """Data region of the bundled Pompon H2CO model: its bundled training data."""
    import os

    from vibmpo.datasets import h2co, h2co_pompon_model_path
    from vibmpo.potential.region import data_region

    try:
        if not os.path.samefile(path, h2co_pompon_model_path()):
            return None
    except OSError:
        return None
    train = h2co("train")
    return data_region(train.x, arrays.U,
                       source=f"bundled H2CO training data ({train.x.shape[0]} points)")


def load_metadata(path) -> dict:
    """Training metadata of a vibmpo model file (``{}`` for Pompon files).

    Examples
    --------
    >>> from vibmpo.datasets import h2co_pompon_model_path
    >>> load_metadata(h2co_pompon_model_path())["format"]
    'pompon'
    """
    with _open(path) as h:
        if _format_of(h, path) == "pompon":
            return {"format": "pompon"}
        return json.loads(_attr(h, "metadata", path))


def _load_vibmpo(h, path):
    version = int(_attr(h, "version", path))
    if version not in (VERSION, VERSION_COMPOSITE):
        raise ValueError(f"model file {path} has format version {version}; this vibmpo reads "
                         f"versions {VERSION} and {VERSION_COMPOSITE}")
    arrays = _arrays_of(h, path)
    if version == VERSION_COMPOSITE:
        if "baseline" not in h:
            raise ValueError(f"model file {path} (version {version}) lacks its baseline "
                             "group (truncated?)")
        from vibmpo.potential.composite import CompositePotential

        return CompositePotential(_load_baseline(h["baseline"], path), arrays)
    return arrays


def _arrays_of(h, path) -> NNMPOArrays:
    if "cores" not in h:
        raise ValueError(f"model file {path} is missing the group 'cores' (truncated?)")
    g = h["cores"]
    n = int(g.attrs.get("n_cores", len(g)))
    cores = tuple(_read(g, f"core_{i}", path) for i in range(n))
    try:
        return NNMPOArrays(
            U=_read(h, "U", path), centres=_read(h, "centres", path), w=_read(h, "w", path),
            b=_read(h, "b", path), activations=tuple(json.loads(_attr(h, "activations", path))),
            cores=cores, scale=float(_attr(h, "scale", path)),
            offset=float(_attr(h, "offset", path)), energy_unit=str(_attr(h, "energy_unit", path)),
        )
    except ValueError as exc:
        raise ValueError(f"model file {path} holds an invalid NN-MPO: {exc}") from None


def _pompon_activations(name: str, n_funcs: int) -> tuple[str, ...]:
    parts = [p.strip() for p in name.split("+")]
    for p in parts:
        if p not in ACTIVATIONS:
            raise ValueError(f"Pompon activation {p!r} is not supported; known: {ACTIVATIONS}")
    if n_funcs % len(parts):
        raise ValueError(f"cannot split {n_funcs} basis functions evenly over {parts}")
    k = n_funcs // len(parts)
    return tuple(p for p in parts for _ in range(k))


def _load_pompon(h, path) -> NNMPOArrays:
    p = h["params"]
    U = np.asarray(_read(p, "U", path), dtype=np.float64)
    f = U.shape[1]
    x0 = np.asarray(_read(p, "x0", path), dtype=np.float64)
    w = np.stack([np.ravel(_read(p, f"w{i}", path)) for i in range(f)])
    b = np.stack([np.ravel(_read(p, f"b{i}", path)) for i in range(f)])
    cores = tuple(np.asarray(_read(p, f"W{i}", path), dtype=np.float64) for i in range(f))
    norm = float(np.ravel(_read(p, "norm", path))[0])
    act = "moderate+silu"
    if "args" in h and "activation" in h["args"]:
        act = h["args"]["activation"][()]
        act = act.decode() if isinstance(act, bytes) else str(act)
    try:
        return NNMPOArrays(U=U, centres=(x0 @ U).T, w=w, b=b,
                           activations=_pompon_activations(act, w.shape[1]), cores=cores,
                           scale=norm, offset=0.0, energy_unit="eV")
    except ValueError as exc:
        raise ValueError(f"Pompon model file {path} holds an invalid NN-MPO: {exc}") from None
