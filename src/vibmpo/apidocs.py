"""API reference: HTML documentation of the public API, built offline with Sphinx.

The Sphinx sources are generated from the package itself, so they cannot drift from the
code: one page per public module (every module of :mod:`vibmpo` and
:mod:`vibmpo.solvers` whose dotted name has no ``_``-prefixed part; the command modules
of :mod:`vibmpo.cli` are documented by their ``--help`` text on the :mod:`vibmpo.cli`
page). Each page shows the module docstring, a summary table of the module's
``__all__`` and the full numpydoc documentation of the names the module defines; names
it re-exports link to the module that defines them. Nothing is fetched while building
(autodoc, napoleon and mathjax only; no intersphinx; the bundled ``alabaster`` theme)
and every Sphinx warning, such as a malformed docstring, fails the build.

Build it with ``python -m vibmpo.apidocs OUTDIR`` (needs ``sphinx``, part of the
``test`` extra) and open ``OUTDIR/index.html``.

Examples
--------
>>> "vibmpo.units" in public_modules() and "vibmpo.cli.fit" not in public_modules()
True
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import pkgutil
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path

__all__ = ["public_modules", "canonical_name", "write_sources", "build_docs", "main"]

# Packages whose modules make up the API (vibmpo.solvers lives in its own folder).
_ROOTS = ("vibmpo", "vibmpo.solvers")
# Order of the reference: the package, then the layers in the direction data flows.
_ORDER = (
    "vibmpo",
    "vibmpo.units",
    "vibmpo.datasets",
    "vibmpo.linalg",
    "vibmpo.potential",
    "vibmpo.operators",
    "vibmpo.solvers",
    "vibmpo.plotting",
    "vibmpo.cli",
    "vibmpo.apidocs",
)

_CONF = '''\
project = "vibmpo"
release = version = {version!r}
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autosummary_generate = False
add_module_names = False
# type strings such as "ndarray (n_modes,)" are prose: an ambiguous match is no error
suppress_warnings = ["ref.python"]
html_theme = "alabaster"
html_static_path = []
'''


def _sort_key(name: str) -> tuple[int, str]:
    group = ".".join(name.split(".")[:2])
    return (_ORDER.index(group) if group in _ORDER else len(_ORDER), name)


def public_modules() -> list[str]:
    """Dotted names of the public modules, in the order of the reference.

    A module is public when no part of its dotted name starts with ``_``; the command
    modules ``vibmpo.cli.<command>`` are not (the command line is their interface).

    Returns
    -------
    list of str
        Module names, the package first, then the layers (potential, operators,
        solvers) in the direction data flows.

    Examples
    --------
    >>> names = public_modules()
    >>> names[:2]
    ['vibmpo', 'vibmpo.units']
    >>> "vibmpo.solvers.exact" in names, "vibmpo.operators._kernels" in names
    (True, False)
    """
    return list(_walk())


@functools.cache
def _walk() -> tuple[str, ...]:
    names = set()
    for root in _ROOTS:
        package = importlib.import_module(root)
        names.add(root)
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            parts = info.name.split(".")
            command = parts[:2] == ["vibmpo", "cli"] and len(parts) > 2
            if command or any(p.startswith("_") for p in parts):
                continue
            names.add(info.name)
    return tuple(sorted(names, key=_sort_key))


def canonical_name(module: str, name: str) -> str:
    """Dotted name under which ``module.name`` is documented.

    A name re-exported from another public module is documented where it is defined:
    the module named by the object's ``__module__`` if that module is public and
    exports it, otherwise the most deeply nested public module exporting the same
    object (constants have no ``__module__``).

    Parameters
    ----------
    module : str
        Public module whose ``__all__`` contains `name`.
    name : str
        Exported name.

    Returns
    -------
    str
        ``"<defining module>.<name>"``.

    Examples
    --------
    >>> canonical_name("vibmpo.solvers", "exact_levels")
    'vibmpo.solvers.exact.exact_levels'
    >>> canonical_name("vibmpo.solvers", "dmrg")  # defined in the private solvers._dmrg
    'vibmpo.solvers.dmrg'
    >>> canonical_name("vibmpo", "EV_TO_CM1")
    'vibmpo.units.EV_TO_CM1'
    """
    obj = getattr(importlib.import_module(module), name)
    owners = []
    for other in public_modules():
        mod = importlib.import_module(other)
        if name in getattr(mod, "__all__", ()) and getattr(mod, name, None) is obj:
            owners.append(other)
    if not owners:
        raise ValueError(f"{module}.{name} is not in the __all__ of a public module; see "
                         "public_modules()")
    home = getattr(obj, "__module__", None)
    if home in owners:
        return f"{home}.{name}"
    return f"{max(owners, key=lambda m: m.count('.'))}.{name}"


def _directive(target: str, obj: object) -> str:
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return f".. autoexception:: {target}\n"
    if inspect.isclass(obj):
        return f".. autoclass:: {target}\n   :members:\n"
    if callable(obj):
        return f".. autofunction:: {target}\n"
    return f".. autodata:: {target}\n"


def _cli_help() -> str:
    """reStructuredText with the ``--help`` text of ``vibmpo`` and each command."""
    from vibmpo.cli import build_parser

    parser = build_parser()
    parsers = [("vibmpo", parser)]
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            parsers += [(f"vibmpo {name}", sub) for name, sub in action.choices.items()]
    text = "Commands\n--------\n"
    for title, p in parsers:
        p.formatter_class = functools.partial(p.formatter_class, width=88)
        help_text = textwrap.indent(p.format_help().rstrip(), "   ")
        text += f"\n``{title}``\n\n.. code-block:: text\n\n{help_text}\n"
    return text


def _page(module: str) -> str:
    mod = importlib.import_module(module)
    exported = list(getattr(mod, "__all__", ()))
    text = f"{module}\n{'=' * len(module)}\n\n.. automodule:: {module}\n"
    if exported:
        targets = [canonical_name(module, n) for n in exported]
        # autosummary wants names relative to the page's module where they can be
        rows = ["~" + t.removeprefix(f"{module}.") for t in targets]
        text += "\n.. autosummary::\n\n" + "".join(f"   {r}\n" for r in rows)
        # full entries for the names defined here; re-exports link to their definition
        defined = [(t, getattr(mod, n)) for n, t in zip(exported, targets, strict=True)
                   if t == f"{module}.{n}"]
        if defined:
            text += "\n" + "\n".join(_directive(t, obj) for t, obj in defined)
    if module == "vibmpo.cli":
        text += "\n" + _cli_help()
    return text


def write_sources(srcdir: str | Path, modules: Sequence[str] | None = None) -> list[Path]:
    """Write the Sphinx sources of the API reference (``conf.py`` and one page a module).

    Parameters
    ----------
    srcdir : str or path-like
        Folder to write into (created if missing); existing files are overwritten.
    modules : sequence of str, optional
        Modules to document; default :func:`public_modules`.

    Returns
    -------
    list of Path
        The files written, ``conf.py`` and ``index.rst`` first.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_sources(tmp, ["vibmpo.units"])
    ...     print([f.name for f in files])
    ...     print(files[2].read_text().splitlines()[3])
    ['conf.py', 'index.rst', 'vibmpo.units.rst']
    .. automodule:: vibmpo.units
    """
    from vibmpo import __version__

    srcdir = Path(srcdir)
    srcdir.mkdir(parents=True, exist_ok=True)
    modules = public_modules() if modules is None else list(modules)
    files = {
        "conf.py": _CONF.format(version=__version__),
        "index.rst": (
            "vibmpo API reference\n====================\n\n"
            + (importlib.import_module("vibmpo").__doc__ or "").split("\n\n")[0]
            + "\n\n.. toctree::\n   :maxdepth: 1\n\n"
            + "".join(f"   {m}\n" for m in modules)
        ),
    }
    files.update({f"{m}.rst": _page(m) for m in modules})
    paths = []
    for name, text in files.items():
        path = srcdir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def build_docs(outdir: str | Path, modules: Sequence[str] | None = None) -> Path:
    """Build the HTML API reference into `outdir`, offline; any Sphinx warning fails it.

    Parameters
    ----------
    outdir : str or path-like
        Output folder for the HTML pages (and Sphinx's ``objects.inv``).
    modules : sequence of str, optional
        Modules to document; default :func:`public_modules`.

    Returns
    -------
    Path
        The reference's ``index.html``.

    Raises
    ------
    RuntimeError
        If Sphinx reports any warning (the message lists them) or fails.
    ImportError
        If Sphinx is not installed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     index = build_docs(tmp, ["vibmpo.units"])
    ...     print(index.name, (index.parent / "vibmpo.units.html").exists())
    index.html True
    """
    try:
        from sphinx.cmd.build import build_main
    except ImportError as exc:
        raise ImportError(
            "building the API reference needs Sphinx: pip install sphinx "
            '(or pip install -e ".[test]")'
        ) from exc
    outdir = Path(outdir)
    with tempfile.TemporaryDirectory(prefix="vibmpo-apidocs-") as tmp:
        src, log = Path(tmp) / "src", Path(tmp) / "warnings.txt"
        write_sources(src, modules)
        argv = ["-b", "html", "-q", "-W", "--keep-going", "-w", str(log),
                "-d", str(Path(tmp) / "doctrees"), str(src), str(outdir)]
        with warnings.catch_warnings():
            # Sphinx's deprecations of its own internals are not ours to fix
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            status = build_main(argv)
        report = log.read_text(encoding="utf-8").strip() if log.exists() else ""
    if status != 0 or report:
        raise RuntimeError(
            f"the API reference did not build cleanly (sphinx exit status {status}); "
            f"fix these docstrings:\n{report}"
        )
    return outdir / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line ``python -m vibmpo.apidocs OUTDIR``; returns the exit status.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     try:
    ...         main(["--help"])
    ...     except SystemExit:
    ...         pass
    >>> out.getvalue().split()[:4]
    ['usage:', 'python', '-m', 'vibmpo.apidocs']
    """
    parser = argparse.ArgumentParser(
        prog="python -m vibmpo.apidocs",
        description="Build the HTML API reference of vibmpo (offline; warnings fail it).",
    )
    parser.add_argument("outdir", help="output folder; open OUTDIR/index.html")
    args = parser.parse_args(argv)
    try:
        index = build_docs(args.outdir)
    except (RuntimeError, ImportError) as exc:
        print(f"vibmpo.apidocs: error: {exc}", file=sys.stderr)
        return 1
    print(f"API reference written to {index}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
