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
    "write_json",
    "check_options",
]


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        _default_permissions(tmp)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


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


def check_options(options: dict, allowed, where: str) -> None:
    """Raise ``TypeError`` naming any key of ``options`` not in ``allowed``.

    Examples
    --------
    >>> check_options({"a": 1}, {"a", "b"}, "solver")
    """
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"{where} got unknown option(s) {unknown}; allowed: {sorted(allowed)}"
        )
