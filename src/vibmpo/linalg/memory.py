"""Memory checks: refuse an allocation that would not fit, saying how large it is.

Examples
--------
>>> format_bytes(3 * 1024**2)
'3.0 MiB'
"""

from __future__ import annotations

import os

__all__ = ["available_memory", "check_memory", "format_bytes"]

#: Advice appended to the error of :func:`check_memory` unless the caller gives its own.
_DEFAULT_ADVICE = "use fewer grid points per mode (e.g. ho:7) or an MPO method (DMRG)"


def available_memory() -> int:
    """Bytes of memory available to new allocations (``MemAvailable``; fallback: free pages).

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 8 * 1024**3


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units with one decimal (B, KiB, ..., PiB).

    Examples
    --------
    >>> format_bytes(512), format_bytes(1536), format_bytes(2.5 * 1024**5)
    ('512.0 B', '1.5 KiB', '2.5 PiB')
    """
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


def check_memory(nbytes: float, what: str, *, max_memory: float | None = None,
                 advice: str = _DEFAULT_ADVICE) -> None:
    """Raise ``MemoryError`` if ``nbytes`` exceed ``max_memory`` (default: 90 % of
    :func:`available_memory`), naming ``what`` needs it, how much, and ``advice``.

    Parameters
    ----------
    nbytes : float
        Estimated size of the allocation.
    what : str
        What needs the memory (starts the message).
    max_memory : float, optional
        Limit in bytes instead of 90 % of the available memory.
    advice : str
        How to need less (ends the message).

    Examples
    --------
    >>> check_memory(1024, "a vector")
    >>> try:
    ...     check_memory(2e9, "a matrix", max_memory=1e9, advice="use a smaller grid")
    ... except MemoryError as exc:
    ...     print(exc)
    a matrix needs about 1.9 GiB but only 953.7 MiB is available; use a smaller grid
    """
    limit = 0.9 * available_memory() if max_memory is None else float(max_memory)
    if nbytes > limit:
        raise MemoryError(f"{what} needs about {format_bytes(nbytes)} but only "
                          f"{format_bytes(limit)} is available; {advice}")
