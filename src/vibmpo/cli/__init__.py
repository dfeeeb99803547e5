"""The ``vibmpo`` command line: ``vibmpo <command> --help`` for each command.

Each command lives in its own module of this package, which defines
``register(subparsers)`` (adds its parser, with ``func`` set to its runner). Heavy
imports happen inside the runners, so ``vibmpo --help`` is fast.

``vibmpo --threads N COMMAND ...`` (or ``vibmpo COMMAND ... --threads N``) caps the
worker threads of the numerical libraries (OpenBLAS/MKL/OpenMP behind NumPy and SciPy,
Numba; with ``N = 1`` also XLA's CPU thread pool). Those libraries read their thread
counts when they are first loaded, so the cap is applied before anything imports NumPy.

``vibmpo demo`` without ``--threads`` runs BLAS single-threaded (Numba keeps its
threads): its DMRG and TDVP are made of many small matrix products, for which OpenBLAS
threads cost more in hand-offs than they gain, and on a loaded machine their spin-waiting
made the demo's 10-state DMRG take 40-300 s instead of 9-11 s.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings

from vibmpo._threads import limit_threads

__all__ = ["main", "build_parser", "limit_threads"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "sample", "fit", "predict", "compress", "levels",
                             "propagate")


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
    for command in sub.choices.values():
        # accepted after the command too; SUPPRESS keeps the top-level value otherwise
        _add_threads_option(command, default=argparse.SUPPRESS)
    return parser


def _add_threads_option(parser: argparse.ArgumentParser, default=None) -> None:
    # one definition for the full parser, its commands and the pre-parser of main()
    parser.add_argument("--threads", type=_positive_int, metavar="N", default=default,
                        help="cap the threads of BLAS/OpenMP, Numba (and, for N=1, XLA); "
                             "default: the libraries' own choice (usually all cores; "
                             "the demo: one BLAS thread)")


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
    # Ctrl-C from the start: building the parser imports the numerical libraries, which
    # takes seconds on a loaded machine
    previous = _catch_interrupt()
    try:
        return _run_command(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _run_command(argv) -> int:
    """Parse ``argv`` and run the command (see :func:`main`)."""
    # the thread cap must be in place before building the parser imports NumPy
    pre = argparse.ArgumentParser(prog="vibmpo", add_help=False)
    _add_threads_option(pre)
    known, rest = pre.parse_known_args(argv)
    if known.threads is None and rest[:1] == ["demo"]:
        _single_blas_thread()
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
    shown = warnings.formatwarning
    warnings.formatwarning = lambda message, category, *a, **k: (
        f"vibmpo {args.command}: warning: {message}\n")
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        print(f"vibmpo {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _interrupted()
        return INTERRUPTED
    finally:
        warnings.formatwarning = shown


#: What a command reports as one ``error:`` line (exit status 1): bad input, a missing or
#: unwritable file, a problem too large for memory. Anything else -- a ``TypeError``,
#: ``AttributeError``, ``KeyError``, ... -- is a bug in vibmpo and ends with its traceback.
USER_ERRORS = (ValueError, OSError, MemoryError)

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def _interrupted() -> None:
    from vibmpo._checks import remove_pending_temps

    remove_pending_temps()
    print("vibmpo: interrupted", file=sys.stderr, flush=True)


def _on_sigint(signum, frame):  # pragma: no cover - exercised in a subprocess test
    # Leave at once: unwinding a KeyboardInterrupt through JAX/XLA (compilation threads
    # still running) can crash the interpreter at exit. Unfinished saves are removed;
    # finished files are complete (every file is written atomically).
    try:
        _interrupted()
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - a print cut short must not block the exit
        pass
    os._exit(INTERRUPTED)


def _catch_interrupt():
    """Install the Ctrl-C handler of the command line; returns the previous handler
    (None when not in the main thread, where signals cannot be caught)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, _on_sigint)


def _single_blas_thread() -> None:
    """One BLAS thread for this process unless the user set a count (see the module
    docstring); must run before NumPy is imported to take effect."""
    import os

    if "numpy" in sys.modules:  # too late (e.g. main() called from Python): leave it
        return
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if not os.environ.get(var, "").strip():  # unset or empty: the user chose nothing
            os.environ[var] = "1"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
