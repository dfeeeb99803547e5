r"""Hamiltonian MPOs and MPS in the HDF5 layout of ITensors.jl / ITensorMPS.jl.

ITensorMPS users can run their own DMRG or TDVP on a vibmpo Hamiltonian::

    using ITensors, ITensorMPS, HDF5
    f = h5open("h2co.h5", "r")
    H = read(f, "H", MPO); psi = read(f, "psi", MPS); close(f)
    energy, psi = dmrg(H, psi; nsweeps=10, maxdim=32)

The layout follows the ITensors documentation ("HDF5 File Formats"): every object is a
group with a string attribute ``"type"`` and an integer attribute ``"version"`` = 1.

* ``MPO`` / ``MPS`` group: datasets ``"length"`` (N), ``"llim"``, ``"rlim"``
  (orthogonality limits; written as 0 and N + 1: no gauge assumed) and one ITensor group
  per site, ``"MPO[1]"`` ... ``"MPO[N]"`` (``"MPS[n]"``).
* ``ITensor`` group: ``"inds"`` (``IndexSet``) and ``"storage"`` (``Dense{Float64}`` or
  ``Dense{ComplexF64}``, dataset ``"data"``: the elements in column-major order, first
  index fastest, as Julia stores arrays).
* ``IndexSet`` group: ``"length"`` and ``"index_1"`` ... ``"index_n"``.
* ``Index`` group (attribute ``"space_type"`` = ``"Int"``): ``"id"`` (unsigned 64-bit),
  ``"dim"``, ``"dir"`` (0: no arrow), ``"plev"`` (prime level) and ``"tags"``
  (``TagSet`` group with the comma-separated string ``"tags"``).

Site ``n`` (1-based) has the index tagged ``"Qudit,Site,n=n"``; its id depends only on
``n`` and ``site_seed``, so an MPO and MPS written separately with the same seed share
their site indices, as ITensorMPS requires. MPO site tensors carry the site index twice:
prime level 1 for the output (row, quimb's upper ``k`` index) and 0 for the input
(column, quimb's lower ``b`` index), the ITensorMPS convention. Links are tagged
``"Link,l=n"``. Energies keep the unit of the Hamiltonian (Hartree for NN-MPO
potentials); :func:`write_itensors` stores it as the attribute ``"energy_unit"`` of the
MPO group (ITensors ignores unknown attributes).

Reading accepts files written by ITensors.jl itself (any index order per tensor, the
older ``"store"`` key): links are the indices shared with a neighbouring site, the site
index of an MPO tensor is told apart by its prime level.

Examples
--------
>>> import tempfile, pathlib
>>> import quimb.tensor as qtn
>>> H = qtn.MPO_rand_herm(4, 3, phys_dim=2, seed=1)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "h.h5"
>>> _ = write_itensors(path, H, energy_unit="hartree")
>>> H2 = read_itensors_mpo(path)
>>> bool(np.abs(H2.to_dense() - H.to_dense()).max() < 1e-14)
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vibmpo._checks import atomic_path

from .mps import mpo_arrays, mps_arrays, to_quimb_mps

__all__ = ["write_itensors", "read_itensors_mpo", "read_itensors_mps"]

_VERSION = np.int64(1)


def _site_ids(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng([int(seed), 0x5173]).integers(
        1, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=False)


def _typed_group(parent, name: str, kind: str):
    g = parent.create_group(name)
    g.attrs["type"] = kind
    g.attrs["version"] = _VERSION
    return g


def _write_index(parent, name: str, index: tuple) -> None:
    ident, dim, plev, tags = index
    g = _typed_group(parent, name, "Index")
    g.attrs["space_type"] = "Int"
    g.create_dataset("id", data=np.uint64(ident))
    g.create_dataset("dim", data=np.int64(dim))
    g.create_dataset("dir", data=np.int64(0))
    g.create_dataset("plev", data=np.int64(plev))
    t = _typed_group(g, "tags", "TagSet")
    t.create_dataset("tags", data=tags)


def _write_itensor(parent, name: str, array: np.ndarray, inds: list[tuple]) -> None:
    if array.shape != tuple(i[1] for i in inds):
        raise ValueError(f"{name}: array {array.shape} does not match its indices")
    g = _typed_group(parent, name, "ITensor")
    s = _typed_group(g, "inds", "IndexSet")
    s.create_dataset("length", data=np.int64(len(inds)))
    for k, index in enumerate(inds, start=1):
        _write_index(s, f"index_{k}", index)
    complex_ = np.iscomplexobj(array)
    st = _typed_group(g, "storage", "Dense{ComplexF64}" if complex_ else "Dense{Float64}")
    data = np.asarray(array, dtype=np.complex128 if complex_ else np.float64)
    st.create_dataset("data", data=data.reshape(-1, order="F"))  # column-major


def _chain(parent, name: str, kind: str, tensors, site_inds, link_dims, seed, attrs):
    """Write an MPO/MPS chain: ``tensors[n]`` with axes (left, *site, right), ends without
    the dimension-1 outer links."""
    n = len(tensors)
    rng = np.random.default_rng([int(seed), 0x11AC, n])
    link_ids = rng.integers(1, np.iinfo(np.uint64).max, size=max(n - 1, 1), dtype=np.uint64)
    links = [(int(link_ids[k]), int(link_dims[k]), 0, f"Link,l={k + 1}") for k in range(n - 1)]
    g = _typed_group(parent, name, kind)
    for key, value in attrs.items():
        g.attrs[key] = value
    g.create_dataset("length", data=np.int64(n))
    g.create_dataset("llim", data=np.int64(0))
    g.create_dataset("rlim", data=np.int64(n + 1))
    for k, a in enumerate(tensors):
        inds = list(site_inds[k])
        arr = np.asarray(a)
        if k < n - 1:
            inds = inds + [links[k]]
        else:
            arr = arr[..., 0]
        if k > 0:
            inds = [links[k - 1]] + inds
        else:
            arr = arr[0]
        _write_itensor(g, f"{kind}[{k + 1}]", arr, inds)


def write_itensors(path, H=None, states=(), *, names=None, energy_unit: str = "",
                   site_seed: int = 0, overwrite: bool = True) -> Path:
    """Write a Hamiltonian MPO and/or states (MPS) into one ITensors.jl HDF5 file.

    Parameters
    ----------
    path : str or Path
        Output file (written atomically; an existing file is replaced when
        ``overwrite``, else refused).
    H : quimb MatrixProductOperator or list of ndarray, optional
        The Hamiltonian (``(wl, wr, d_out, d_in)`` arrays, as :func:`~vibmpo.solvers.mps.
        mpo_arrays` gives, or a ``GridHamiltonian.mpo_arrays()`` list), written as group
        ``"H"``.
    states : sequence of quimb MPS or lists of (Dl, d, Dr) arrays
        States written as ``"psi"`` (one) or ``"psi1"``, ``"psi2"``, ... (several).
    names : sequence of str, optional
        Group names for ``H`` then the states, instead of the defaults.
    energy_unit : str
        Unit of ``H``, stored as an attribute of its group.
    site_seed : int
        Seed of the site-index ids (keep the default to pair files written separately).

    Examples
    --------
    >>> import tempfile, pathlib, h5py
    >>> from vibmpo.solvers.mps import product_mps
    >>> psi = product_mps([np.array([1.0, 0.0]), np.array([0.6, 0.8])])
    >>> path = write_itensors(pathlib.Path(tempfile.mkdtemp()) / "psi.h5", states=[psi])
    >>> with h5py.File(path) as f:
    ...     g = f["psi/MPS[2]"]
    ...     g.attrs["type"], g["inds/index_2/tags/tags"][()].decode(), g["storage/data"][:]
    ('ITensor', 'Qudit,Site,n=2', array([0.6, 0.8]))
    """
    import h5py

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another name or pass overwrite=True")
    states = list(states)
    if H is None and not states:
        raise ValueError("nothing to write: give H and/or states")
    default = (["H"] if H is not None else []) + (
        ["psi"] if len(states) == 1 else [f"psi{k + 1}" for k in range(len(states))])
    names = list(names) if names is not None else default
    if len(names) != len(default):
        raise ValueError(f"need {len(default)} names, got {len(names)}")
    mpo = None
    if H is not None:
        mpo = H if isinstance(H, (list, tuple)) else mpo_arrays(H)
        mpo = [np.asarray(w) for w in mpo]
        for k, w in enumerate(mpo):
            if w.ndim != 4 or w.shape[2] != w.shape[3]:
                raise ValueError(f"MPO site {k}: expected (wl, wr, d, d), got {w.shape}")
    mps = [[np.asarray(a) for a in (s if isinstance(s, (list, tuple)) else mps_arrays(s))]
           for s in states]
    n = len(mpo) if mpo is not None else len(mps[0])
    if any(len(s) != n for s in mps):
        raise ValueError(f"every state needs {n} sites, like the first object")
    ids = _site_ids(n, site_seed)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        k = 0
        if mpo is not None:
            sites = [[(int(ids[i]), w.shape[2], 1, f"Qudit,Site,n={i + 1}"),
                      (int(ids[i]), w.shape[3], 0, f"Qudit,Site,n={i + 1}")]
                     for i, w in enumerate(mpo)]
            # (wl, wr, out, in) -> (wl, out, in, wr)
            _chain(f, names[0], "MPO", [w.transpose(0, 2, 3, 1) for w in mpo], sites,
                   [w.shape[1] for w in mpo[:-1]], site_seed + 1,
                   {"energy_unit": energy_unit} if energy_unit else {})
            k = 1
        for j, s in enumerate(mps):
            sites = [[(int(ids[i]), a.shape[1], 0, f"Qudit,Site,n={i + 1}")]
                     for i, a in enumerate(s)]
            _chain(f, names[k + j], "MPS", s, sites, [a.shape[2] for a in s[:-1]],
                   site_seed + 2 + j, {})
    return path


def _read_index(g) -> tuple:
    if g.attrs.get("type") != "Index":
        raise ValueError(f"{g.name} is not an ITensors Index group")
    tags = g["tags"]["tags"][()]
    return (int(g["id"][()]), int(g["dim"][()]), int(g["plev"][()]),
            tags.decode() if isinstance(tags, bytes) else str(tags))


def _read_itensor(g) -> tuple[np.ndarray, list[tuple]]:
    if g.attrs.get("type") != "ITensor":
        raise ValueError(f"{g.name} is not an ITensors ITensor group")
    s = g["inds"]
    inds = [_read_index(s[f"index_{k}"]) for k in range(1, int(s["length"][()]) + 1)]
    key = "storage" if "storage" in g else "store"
    st = g[key]
    kind = st.attrs.get("type", "")
    if not str(kind).startswith("Dense"):
        raise ValueError(f"{g.name}: storage {kind!r} is not supported (only Dense; convert "
                         "block-sparse (QN) tensors with dense() in Julia first)")
    data = np.asarray(st["data"][()])
    if data.dtype.names:  # HDF5.jl complex compound (r, i)
        data = data["r"] + 1j * data["i"]
    shape = tuple(i[1] for i in inds)
    return data.reshape(shape, order="F"), inds


def _read_chain(path, name: str, kind: str):
    import h5py

    with h5py.File(path, "r") as f:
        if name not in f:
            raise KeyError(f"{path} has no group {name!r}; it holds {sorted(f)}")
        g = f[name]
        if g.attrs.get("type") != kind:
            raise ValueError(f"{path}:{name} is of type {g.attrs.get('type')!r}, not {kind}")
        n = int(g["length"][()])
        tensors = [_read_itensor(g[f"{kind}[{k}]"]) for k in range(1, n + 1)]
        attrs = dict(g.attrs)
    ids = [{i[0] for i in inds} for _, inds in tensors]
    out = []
    for k, (arr, inds) in enumerate(tensors):
        left = [j for j, i in enumerate(inds) if k > 0 and i[0] in ids[k - 1]]
        right = [j for j, i in enumerate(inds) if k < n - 1 and i[0] in ids[k + 1]]
        site = [j for j in range(len(inds)) if j not in left + right]
        if kind == "MPO":
            if len(site) != 2:
                raise ValueError(f"{name}[{k + 1}]: expected two site indices, got "
                                 f"{[inds[j] for j in site]}")
            site.sort(key=lambda j: -inds[j][2])  # primed (output) first
        elif len(site) != 1:
            raise ValueError(f"{name}[{k + 1}]: expected one site index")
        a = arr.transpose(left + site + right)
        if not left:
            a = a[None]
        if not right:
            a = a[..., None]
        out.append(a)
    return out, attrs


def read_itensors_mpo(path, name: str = "H", *, arrays: bool = False):
    """Read an MPO group of an ITensors.jl HDF5 file as a quimb ``MatrixProductOperator``
    (or, with ``arrays=True``, ``(wl, wr, d_out, d_in)`` arrays).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> w = [np.arange(8.0).reshape(1, 2, 2, 2), np.arange(8.0).reshape(2, 1, 2, 2)]
    >>> path = write_itensors(pathlib.Path(tempfile.mkdtemp()) / "w.h5", w)
    >>> all(np.array_equal(a, b) for a, b in zip(read_itensors_mpo(path, arrays=True), w))
    True
    """
    tensors, _ = _read_chain(path, name, "MPO")
    mpo = [np.ascontiguousarray(a.transpose(0, 3, 1, 2)) for a in tensors]  # -> (l, r, o, i)
    if arrays:
        return mpo
    import quimb.tensor as qtn

    if len(mpo) < 2:
        raise ValueError("a one-site MPO is not supported by quimb; use arrays=True")
    cores = [mpo[0][0]] + mpo[1:-1] + [mpo[-1][:, 0]]
    return qtn.MatrixProductOperator(cores, shape="lrud")


def read_itensors_mps(path, name: str = "psi", *, arrays: bool = False):
    """Read an MPS group of an ITensors.jl HDF5 file as a quimb ``MatrixProductState``
    (or, with ``arrays=True``, ``(Dl, d, Dr)`` arrays).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from vibmpo.solvers.mps import random_mps
    >>> psi = random_mps([3, 4, 2], 2, seed=0)
    >>> path = write_itensors(pathlib.Path(tempfile.mkdtemp()) / "p.h5", states=[psi])
    >>> all(np.array_equal(a, b) for a, b in zip(read_itensors_mps(path, arrays=True), psi))
    True
    """
    tensors, _ = _read_chain(path, name, "MPS")
    return tensors if arrays else to_quimb_mps(tensors)
