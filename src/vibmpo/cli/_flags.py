"""Renamed command-line flags: the former flag stays a hidden alias for one release.

The alias stores into the new flag's destination (so the command sees one option) and
prints one line on stderr naming the new flag.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_renamed_flag"]


class _RenamedFlag(argparse.Action):
    """Store the value under the new flag's destination and say that the flag is renamed."""

    def __init__(self, option_strings, dest, new, **kwargs):
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog}: warning: {option_string} is renamed {self.new} (same "
              "meaning); the old name goes in the next release", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_renamed_flag(parser, old: str, new: str, **kwargs) -> None:
    """Accept ``old`` as a hidden, deprecated alias of the flag ``new`` of ``parser``.

    ``kwargs`` (``type``, ``metavar``) are those of ``new``; its destination is used.

    Examples
    --------
    >>> import contextlib, io
    >>> p = argparse.ArgumentParser(prog="vibmpo fit")
    >>> _ = p.add_argument("--rel-cutoff", type=float, default=None)
    >>> add_renamed_flag(p, "--rank-cutoff", "--rel-cutoff", type=float)
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     p.parse_args(["--rank-cutoff", "1e-3"]).rel_cutoff
    0.001
    >>> print(err.getvalue().strip())  # doctest: +ELLIPSIS
    vibmpo fit: warning: --rank-cutoff is renamed --rel-cutoff (same meaning); the old ...
    >>> p.parse_args([]).rel_cutoff is None
    True
    """
    dest = next(a.dest for a in parser._actions if new in a.option_strings)
    parser.add_argument(old, dest=dest, action=_RenamedFlag, new=new,
                        default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs)
