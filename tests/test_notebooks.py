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
    assert any(p.suffix == ".png" for p in tmp_path.iterdir()), "the notebook drew no picture"
    assert os.path.getsize(next(tmp_path.glob("*.png"))) > 0
