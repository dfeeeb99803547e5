"""Every notebook in notebooks/ (jupytext percent scripts) runs; its asserts check its numbers."""

import os
import runpy
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


def test_notebooks_exist():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runpy.run_path(str(path), run_name="__main__")
    pictures = sorted(tmp_path.rglob("*.png"))
    assert pictures, "the notebook drew no picture"
    assert all(os.path.getsize(p) > 0 for p in pictures)
    # notebooks 01-03 write into a folder of their own (git-ignored), never the cwd
    if path.stem[:2] in ("01", "02", "03"):
        assert all(p.parent == tmp_path / "notebook-output" / path.stem for p in pictures)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_converts_to_ipynb(path):
    # the README's `jupytext --to ipynb notebooks/*.py` (jupytext is in the test extra)
    import jupytext

    nb = jupytext.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and nb.cells[0].cell_type == "markdown"
    assert '"cell_type": "code"' in jupytext.writes(nb, fmt="ipynb")
