"""Every name the benchmarks and notebooks import from vibmpo exists.

They run outside the default suite (benchmarks take minutes to hours), so a name moved or
dropped in the package (e.g. a re-export removed from ``vibmpo.potential.train``) would
otherwise surface only when someone next runs them."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("benchmarks/*.py"), *ROOT.glob("notebooks/*.py")])


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "vibmpo":
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "vibmpo":
                    yield alias.name, None


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_imports_resolve(path):
    missing = []
    for module, name in _imports(path):
        mod = importlib.import_module(module)
        if name is None or hasattr(mod, name):
            continue
        try:
            importlib.import_module(f"{module}.{name}")
        except ImportError:
            missing.append(f"{module}.{name}")
    assert not missing, f"{path.name} imports names vibmpo does not have: {missing}"


def test_the_scripts_are_found():
    assert len(SCRIPTS) > 10
