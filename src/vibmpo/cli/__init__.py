"""The ``vibmpo`` command line: ``vibmpo <command> --help`` for each command.

Each command lives in its own module of this package, which defines
``register(subparsers)`` (adds its parser, with ``func`` set to its runner). Heavy
imports happen inside the runners, so ``vibmpo --help`` is fast.

``vibmpo --threads N COMMAND ...`` caps the worker threads of the numerical libraries
(OpenBLAS/MKL/OpenMP behind NumPy and SciPy, Numba; with ``N = 1`` also XLA's CPU
thread pool). Those libraries read their thread counts when they are first loaded, so
the cap is applied before anything imports NumPy.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from vibmpo._threads import limit_threads

__all__ = ["main", "build_parser", "limit_threads"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "sample", "fit", "predict", "levels", "propagate")


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
    _add_threads_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"vibmpo.cli.{name}").register(sub)
    return parser


def _add_threads_option(parser: argparse.ArgumentParser) -> None:
    # one definition for the full parser and the pre-parser that main() runs first
    parser.add_argument("--threads", type=_positive_int, metavar="N", default=None,
                        help="cap the threads of BLAS/OpenMP, Numba (and, for N=1, XLA); "
                             "default: the libraries' own choice (usually all cores)")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


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
    # the thread cap must be in place before building the parser imports NumPy
    pre = argparse.ArgumentParser(prog="vibmpo", add_help=False)
    _add_threads_option(pre)
    known, _ = pre.parse_known_args(argv)
    if known.threads is not None:
        late = limit_threads(known.threads)
        if late:
            print(f"vibmpo: warning: --threads does not reach {', '.join(late)}, already "
                  "loaded in this process; set OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and "
                  "NUMBA_NUM_THREADS before starting Python instead", file=sys.stderr)
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
