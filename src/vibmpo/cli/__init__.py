"""The ``vibmpo`` command line: ``vibmpo <command> --help`` for each command.

Each command lives in its own module of this package, which defines
``register(subparsers)`` (adds its parser, with ``func`` set to its runner). Heavy
imports happen inside the runners, so ``vibmpo --help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "fit", "predict", "levels", "propagate")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level argument parser with every command registered.

    Examples
    --------
    >>> build_parser().prog
    'vibmpo'
    """
    parser = argparse.ArgumentParser(
        prog="vibmpo",
        description=(
            "Vibrational spectra and quantum dynamics with tensor networks: fit NN-MPO "
            "potentials, build Hamiltonian MPOs on DVR grids, and solve them with exact "
            "diagonalisation, DMRG and TDVP."
        ),
    )
    from vibmpo import __version__

    parser.add_argument("--version", action="version", version=f"vibmpo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"vibmpo.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Examples
    --------
    Without a command it prints the help and returns 2:

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     status = main([])
    >>> status, out.getvalue().split()[:2]
    (2, ['usage:', 'vibmpo'])
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, TypeError, OSError, MemoryError) as exc:
        print(f"vibmpo {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
