"""API reference: the offline Sphinx build documents exactly the public API (``__all__``),
and every public function and class shows a runnable example."""

import importlib
import inspect
import socket
import zlib

import pytest
from sphinx.pycode import ModuleAnalyzer

from vibmpo import apidocs, units

MODULES = apidocs.public_modules()
# inventory roles of module-level objects (methods and attributes belong to their class)
OBJECT_ROLES = {"py:function", "py:class", "py:exception", "py:data"}


def _exports():
    """(module, name, object) for every name in every public module's ``__all__``."""
    for m in MODULES:
        mod = importlib.import_module(m)
        for n in getattr(mod, "__all__", ()):
            yield m, n, getattr(mod, n)


def _read_inventory(path):
    """{(role, name)} of a Sphinx ``objects.inv`` (format version 2)."""
    header, _, compressed = path.read_bytes().partition(b"zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2")
    entries = set()
    for line in zlib.decompress(compressed).decode().splitlines():
        name, role = line.split()[:2]
        entries.add((role, name))
    return entries


def _no_network(*args, **kwargs):
    raise OSError("the API docs build must not use the network")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The full HTML reference, built with every socket connection refused."""
    out = tmp_path_factory.mktemp("apidocs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        index = apidocs.build_docs(out)
    assert index == out / "index.html" and index.is_file()
    return out, _read_inventory(out / "objects.inv")


def test_one_page_per_public_module(built):
    out, inventory = built
    assert {n for role, n in inventory if role == "py:module"} == set(MODULES)
    assert all((out / f"{m}.html").is_file() for m in MODULES)
    assert "vibmpo.operators._kernels" not in MODULES and "vibmpo.cli.levels" not in MODULES


def test_documented_objects_are_exactly_the_exports(built):
    """Every name in a public ``__all__`` is documented (where it is defined, if it is a
    re-export) and nothing else is."""
    _, inventory = built
    documented = {n for role, n in inventory if role in OBJECT_ROLES}
    not_exported = []
    documented_objects = set()
    for full in documented:
        module, name = full.rsplit(".", 1)
        mod = importlib.import_module(module) if module in MODULES else None
        if mod is None or name not in getattr(mod, "__all__", ()):
            not_exported.append(full)
        else:
            documented_objects.add((name, id(getattr(mod, name))))
    assert not not_exported, f"documented but in no public __all__: {sorted(not_exported)}"
    undocumented = [
        f"{m}.{n}"
        for m, n, obj in _exports()
        if f"{m}.{n}" not in documented and (n, id(obj)) not in documented_objects
    ]
    assert not undocumented, f"exported but not documented: {undocumented}"


def test_reexports_link_to_their_definition(built):
    out, _ = built
    page = (out / "vibmpo.solvers.html").read_text(encoding="utf-8")
    assert 'href="vibmpo.solvers.exact.html#vibmpo.solvers.exact.exact_levels"' in page
    # a function from a private module is documented where it is exported
    assert 'id="vibmpo.solvers.dmrg"' in page
    # the command line page shows each command's --help
    assert "vibmpo levels" in (out / "vibmpo.cli.html").read_text(encoding="utf-8")


def test_public_functions_and_classes_have_examples():
    """Functions and classes show a ``>>>`` example (run by test_foundation's doctests);
    constants carry a ``#:`` docstring-comment where they are defined."""
    gaps, seen = set(), set()
    attr_docs = {m: ModuleAnalyzer.for_module(m).find_attr_docs() for m in MODULES}
    for m, n, obj in _exports():
        if (n, id(obj)) in seen:  # a re-export: checked once
            continue
        seen.add((n, id(obj)))
        where = apidocs.canonical_name(m, n)
        if inspect.isclass(obj) or callable(obj):
            # the object's own docstring, not one inherited from a base class
            if ">>>" not in (getattr(obj, "__doc__", None) or ""):
                gaps.add(f"{where}: no >>> example in its docstring")
        elif not any(
            ("", n) in attr_docs[p] and getattr(importlib.import_module(p), n, None) is obj
            for p in MODULES
        ):
            gaps.add(f"{where}: constant without a '#:' comment where it is assigned")
    assert not gaps, "\n".join(sorted(gaps))


def test_malformed_docstring_fails_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(units.energy_factor, "__doc__", "Factor *unclosed emphasis.\n")
    with pytest.raises(RuntimeError, match="(?s)did not build cleanly.*Inline emphasis"):
        apidocs.build_docs(tmp_path, ["vibmpo.units"])
