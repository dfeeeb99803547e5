"""Input validation and safe file writing shared by every layer (NumPy only).

Each check raises an exception whose message says what is wrong and how to fix it,
so that bad input never surfaces as a cryptic failure deep inside JAX, Numba or quimb.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = [
    "as_finite_array",
    "check_orthonormal_columns",
    "atomic_write",
    "atomic_path",
    "atomic_folder",
    "write_json",
    "check_outputs",
    "remove_stale_temps",
    "remove_pending_temps",
]

#: Temporary files and folders of saves in progress in this process (removed by
#: :func:`remove_pending_temps`, e.g. when the command line is interrupted).
_PENDING: set[str] = set()


def as_finite_array(value, name: str, *, ndim: int | None = None, shape=None,
                    dtype=np.float64) -> np.ndarray:
    """Convert ``value`` to an array and check its dimensions, shape and finiteness.

    Parameters
    ----------
    value : array_like
        Input data.
    name : str
        Name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple of int or None, optional
        Required shape; ``None`` entries match any length.
    dtype : numpy dtype, optional
        Target dtype (default float64).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        On wrong dimensions or shape, or NaN/inf entries (with their count and first row).

    Examples
    --------
    >>> as_finite_array([[1.0, 2.0]], "x", ndim=2).shape
    (1, 2)
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array data: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if shape is not None:
        if len(shape) != arr.ndim or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
        ):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if np.issubdtype(arr.dtype, np.inexact):
        bad = ~np.isfinite(arr)
        if bad.any():
            first = np.argwhere(bad)[0].tolist()
            raise ValueError(
                f"{name} contains {int(bad.sum())} NaN/inf value(s) (first at index {first}); "
                "remove or repair those samples before use"
            )
    return arr


def check_orthonormal_columns(U, name: str = "U", *, atol: float = 1e-8) -> np.ndarray:
    """Check that ``U`` (n x f, n >= f) has orthonormal columns, ``U^T U = I``.

    Raises
    ------
    ValueError
        If the deviation from orthonormality exceeds ``atol``; the message gives the
        deviation and suggests re-orthonormalising (e.g. with a QR decomposition).

    Examples
    --------
    >>> check_orthonormal_columns(np.eye(3)).shape
    (3, 3)
    """
    U = as_finite_array(U, name, ndim=2)
    n, f = U.shape
    if f > n:
        raise ValueError(f"{name} must have at least as many rows as columns, got shape {U.shape}")
    dev = float(np.abs(U.T @ U - np.eye(f)).max())
    if dev > atol:
        raise ValueError(
            f"{name} is not orthogonal: max |U^T U - I| = {dev:.3e} > {atol:g}; "
            "re-orthonormalise it (e.g. numpy.linalg.qr) before use"
        )
    return U


def _default_permissions(path) -> None:
    """Give a ``mkstemp`` file (mode 0600) the permissions a plain ``open`` would."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb") -> Iterator:
    """Open a temporary file next to ``path`` and move it into place only on success.

    A crash or exception while writing leaves any previous file at ``path`` intact.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(p, "w") as fh:
    ...     _ = fh.write("hello")
    >>> p.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    _PENDING.add(tmp)
    try:
        _default_permissions(tmp)
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        _PENDING.discard(tmp)


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    For libraries that want a file name rather than a handle (h5py, matplotlib).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> with atomic_path(p) as tmp:
    ...     _ = tmp.write_text("x")
    >>> p.read_text()
    'x'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    _PENDING.add(tmp)
    tmp = Path(tmp)
    try:
        _default_permissions(tmp)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    finally:
        _PENDING.discard(str(tmp))


@contextlib.contextmanager
def atomic_folder(path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a new temporary folder next to ``path``; on success it replaces ``path``.

    A run killed while writing never leaves ``path`` mixing files of two runs: either
    the old folder is intact or the new one is complete. An existing non-empty folder
    at ``path`` is refused unless ``overwrite``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_folder(p) as tmp:
    ...     _ = (tmp / "a.csv").write_text("1")
    >>> sorted(q.name for q in p.iterdir())
    ['a.csv']
    """
    import shutil

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is an existing file, not a folder; choose a new folder name")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise ValueError(f"{path} is a non-empty folder; choose a new folder or allow "
                         "overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    tmp = tempfile.mkdtemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    _PENDING.add(tmp)
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield Path(tmp)
        if path.exists():
            old = tempfile.mkdtemp(prefix=_temp_prefix(path), suffix=".old", dir=path.parent)
            _PENDING.add(old)
            os.replace(path, Path(old) / "run")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
            _PENDING.discard(old)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _PENDING.discard(tmp)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON to ``path``, atomically (see :func:`atomic_write`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_json(pathlib.Path(tempfile.mkdtemp()) / "r.json", {"a": 1})
    >>> p.read_text()
    '{\\n  "a": 1\\n}\\n'
    """
    import json

    with atomic_write(path, "w") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    return Path(path)


def _temp_prefix(path: Path) -> str:
    # the writer's process id in the name lets a later save tell a temporary file left
    # by a killed process (removed) from one still being written (kept)
    return f".{path.name}.vibmpo-{os.getpid()}-"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


def remove_stale_temps(path) -> list[Path]:
    """Remove temporary files (or folders) of earlier saves of ``path`` whose writing
    process no longer runs, e.g. a save killed half-way; returns what was removed.

    Temporary names are ``.NAME.vibmpo-PID-XXXX.tmp`` next to ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".m.h5.vibmpo-999999999-ab.tmp.h5").write_text("half")
    >>> [p.name for p in remove_stale_temps(d / "m.h5")]
    ['.m.h5.vibmpo-999999999-ab.tmp.h5']
    """
    import re
    import shutil

    path = Path(path)
    removed = []
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.vibmpo-(\d+)-")
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or _process_alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def remove_pending_temps() -> None:
    """Remove the temporary files and folders of this process's unfinished saves
    (called when the command line is interrupted).

    Examples
    --------
    >>> remove_pending_temps()
    """
    import shutil

    for tmp in list(_PENDING):
        with contextlib.suppress(OSError):
            if os.path.isdir(tmp) and not os.path.islink(tmp):
                shutil.rmtree(tmp)
            else:
                os.unlink(tmp)
        _PENDING.discard(tmp)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_outputs(outputs: dict, inputs: dict | None = None, *, folder: dict | None = None,
                  overwrite: bool = False) -> None:
    """Check output locations before any computation.

    Refuses an output that is one of the command's inputs (compared as resolved paths,
    ``os.path.samefile`` where both exist), an output that is an existing folder (for
    files) or an existing file (for folders), a non-empty output folder unless
    ``overwrite``, and a location whose nearest existing parent folder is not writable.

    Parameters
    ----------
    outputs : dict
        Option name (e.g. ``"--out"``) -> path of an output file.
    inputs : dict, optional
        Name -> path of every input file or folder of the command.
    folder : dict, optional
        Option name -> path of an output folder (written as a whole).
    overwrite : bool
        Allow replacing a non-empty output folder.

    Raises
    ------
    ValueError
        Naming the option, the path and the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); x = d / "x.npy"; _ = x.write_text("")
    >>> check_outputs({"--out": d / "y.npy"}, {"X": x})
    >>> check_outputs({"--out": x}, {"X": x})
    Traceback (most recent call last):
    ...
    ValueError: --out ... is the input X; writing it would destroy the input: ...output path
    """
    inputs = {k: Path(v) for k, v in (inputs or {}).items() if v is not None}
    items = [(k, Path(v), False) for k, v in outputs.items() if v is not None]
    items += [(k, Path(v), True) for k, v in (folder or {}).items() if v is not None]
    for name, out, is_dir in items:
        for in_name, src in inputs.items():
            if _same_file(out, src) or (is_dir and src.resolve().is_relative_to(
                    out.resolve())):
                raise ValueError(f"{name} {out} is the input {in_name}; writing it would "
                                 "destroy the input: choose another output path")
        if is_dir:
            if out.exists() and not out.is_dir():
                raise ValueError(f"{name} {out} is an existing file, not a folder; choose "
                                 "a new folder name")
            if out.is_dir() and any(out.iterdir()) and not overwrite:
                raise ValueError(f"{name} {out} is a non-empty folder (an earlier run?); "
                                 "choose a new folder or pass --overwrite to replace it")
        elif out.is_dir():
            raise ValueError(f"{name} {out} is a folder; give a file name")
        parent = out.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not _can_write_in(parent):
            raise ValueError(f"{name} {out}: cannot write into {parent} (not a writable "
                             "folder); choose an output location you can write to")


def _can_write_in(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, not guessed from the mode
    bits, which say yes to root even on read-only file systems)."""
    if not folder.is_dir():
        return False
    try:
        fd, probe = tempfile.mkstemp(prefix=".vibmpo-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return True
