"""Renamed keywords: the former name keeps working for one release, with a warning.

A function whose keyword ``old`` became ``new`` takes ``**renamed`` and resolves it with
:func:`renamed_keyword`; a value given under the old name is used exactly as the new
one would be (same result), after a ``DeprecationWarning`` that names the new keyword.
"""

from __future__ import annotations

import warnings

__all__ = ["renamed_keyword", "renamed_options"]


def renamed_keyword(where: str, renamed: dict, old: str, new: str, value, default):
    """The value of keyword ``new``, taken from ``renamed[old]`` when given by its
    former name (with a ``DeprecationWarning``).

    Parameters
    ----------
    where : str
        The function, as users call it (for the messages).
    renamed : dict
        The function's ``**renamed`` keywords; any name other than ``old`` raises the
        ``TypeError`` Python raises for an unknown keyword.
    old, new : str
        Former and current keyword names.
    value, default
        The value passed as ``new`` and its default (``new`` and ``old`` together raise).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     renamed_keyword("f", {"tol": 0.1}, "tol", "max_error", 1e-10, 1e-10)
    0.1
    >>> print(w[0].message)
    f(tol=...) is renamed f(max_error=...); the old name goes in the next release
    """
    unknown = sorted(set(renamed) - {old})
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
    if old not in renamed:
        return value
    if value is not default:
        raise TypeError(f"{where}() got both {new}= and its deprecated former name {old}=; "
                        f"give {new}= only")
    warnings.warn(f"{where}({old}=...) is renamed {where}({new}=...); the old name goes in "
                  "the next release", DeprecationWarning, stacklevel=3)
    return renamed[old]


def renamed_options(where: str, options: dict, renames: dict, *, stacklevel: int = 3) -> dict:
    """``options`` with every former name in ``renames`` (``{old: new}``) replaced by its
    current one, each with a ``DeprecationWarning`` naming the new keyword.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     renamed_options("FitConfig", {"rank_cutoff": 0.1, "seed": 2},
    ...                     {"rank_cutoff": "rel_cutoff"})
    {'seed': 2, 'rel_cutoff': 0.1}
    """
    out = dict(options)
    for old, new in renames.items():
        if old not in out:
            continue
        if new in out:
            raise TypeError(f"{where}() got both {new}= and its deprecated former name "
                            f"{old}=; give {new}= only")
        warnings.warn(f"{where}({old}=...) is renamed {where}({new}=...); the old name goes "
                      "in the next release", DeprecationWarning, stacklevel=stacklevel)
        out[new] = out.pop(old)
    return out
