"""The one deprecation path of the solvers' former loose keywords.

:func:`~vibmpo.solvers.dmrg`, :func:`~vibmpo.solvers.block_dmrg.block_dmrg` and
:func:`~vibmpo.solvers.tdvp` took their settings as loose keywords before they took typed
option objects; for one release the old keywords still work: :func:`fold_keywords` moves
them into the objects that replaced them and warns (``DeprecationWarning``) with the call
to write instead.
"""

from __future__ import annotations

import dataclasses
import warnings

__all__ = ["Group", "fold_keywords"]


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
