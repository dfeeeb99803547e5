"""Deprecated keywords: the former names keep working for one release, with a warning.

Renamed keywords:

A function whose keyword ``old`` became ``new`` takes ``**renamed`` and resolves it with
:func:`renamed_keyword`; a value given under the old name is used exactly as the new
one would be (same result), after a ``DeprecationWarning`` that names the new keyword.

Loose keywords replaced by option objects: :func:`~vibmpo.solvers.dmrg`,
:func:`~vibmpo.solvers.block_dmrg` and :func:`~vibmpo.solvers.tdvp` took their
settings as loose keywords before they took typed option objects; :func:`fold_keywords`
moves such keywords into the objects that replaced them and warns with the call to write
instead.
"""

from __future__ import annotations

import dataclasses
import warnings

__all__ = ["Group", "fold_keywords", "renamed_keyword", "renamed_options"]


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

@dataclasses.dataclass(frozen=True)
class Group:
    """One option object of a solver: the argument's name and value (``None`` when not
    given), the object used when the caller gave none, the former keywords that are its
    fields, and the public name of ``default`` when it is not the class's own default
    (the warning then says to start from it)."""

    argument: str
    value: object
    default: object
    keys: tuple
    default_name: str | None = None

    def hint(self, given) -> str:
        if self.default_name is None:
            return f"{self.argument}={type(self.default).__name__}({', '.join(given)})"
        fields = ", ".join(f"{k}=..." for k in given)
        return f"{self.argument}=dataclasses.replace({self.default_name}, {fields})"


def fold_keywords(func: str, legacy: dict, groups, *, dropped: dict | None = None,
                  stacklevel: int = 3) -> dict:
    """Option objects with the former keywords ``legacy`` folded in (with a warning).

    Parameters
    ----------
    func : str
        Name of the solver, for the messages.
    legacy : dict
        The solver's ``**deprecated`` keywords.
    groups : sequence of Group
        The solver's option objects and the former keywords that are their fields.
    dropped : dict, optional
        Former keywords without effect now, each with the reason.
    stacklevel : int
        Of the warning (3: the caller of the solver that calls this function).

    Returns
    -------
    dict
        Argument name to its object: as given (possibly ``None``) when no former keyword
        belongs to it, else the given object (or the group's default) with those fields
        replaced.
    """
    dropped = dropped or {}
    known = {k for g in groups for k in g.keys} | set(dropped)
    unknown = [k for k in legacy if k not in known]
    if unknown:
        raise TypeError(f"{func}() got an unexpected keyword argument {unknown[0]!r}")
    out = {g.argument: g.value for g in groups}
    if not legacy:
        return out
    hints = []
    for g in groups:
        given = {k: v for k, v in legacy.items() if k in g.keys}
        if given:
            hints.append(g.hint(given))
            out[g.argument] = dataclasses.replace(
                g.default if g.value is None else g.value, **given)
    reasons = [dropped[k] for k in legacy if k in dropped]
    warnings.warn(f"{func}({', '.join(f'{k}=' for k in legacy)}) is deprecated and goes in "
                  "the next release; pass " + (", ".join(hints) or "nothing: "
                                               + "; ".join(reasons)),
                  DeprecationWarning, stacklevel=stacklevel)
    return out
