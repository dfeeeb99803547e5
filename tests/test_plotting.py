"""Every picture a user gets has labelled axes with units (the colour bar too)."""

import json

import numpy as np
import pytest

import vibmpo.plotting as plotting
from vibmpo.cli import main
from vibmpo.operators.forcefield import henon_heiles


@pytest.fixture
def figures(monkeypatch):
    """Record every figure the plotting module saves (and still save it)."""
    saved = []
    real = plotting._save

    def record(fig, path):
        saved.append((fig, str(path)))
        return real(fig, path)

    monkeypatch.setattr(plotting, "_save", record)
    return saved


def _has_unit(label: str) -> bool:
    return " / " in label or "dimensionless" in label or "arb. units" in label


def _check_axes(fig, *, x_needs_unit=True):
    axes = fig.get_axes()
    assert axes
    for ax in axes:
        y = ax.get_ylabel()
        assert y and _has_unit(y), f"y axis {y!r} has no unit"
        if ax.get_xticks().size and not ax.get_xticklabels()[0].get_text().isalpha():
            x = ax.get_xlabel()
            if x_needs_unit:
                assert x and _has_unit(x), f"x axis {x!r} has no unit"
            else:
                assert x


def test_every_plot_function_labels_its_axes_with_units(tmp_path, figures):
    t = np.linspace(0.0, 100.0, 201)
    plotting.plot_autocorrelation(t, np.exp(-0.3j * t), tmp_path / "c.png", time_unit="fs")
    e = np.linspace(0.0, 3000.0, 301)
    plotting.plot_spectrum(e, np.exp(-((e - 1000) / 30) ** 2), tmp_path / "s.png",
                           energy_unit="cm-1", zero_label="ground level", peaks=[1000.0])
    plotting.plot_levels([0.0, 1160.7, 1240.4], tmp_path / "l.png", labels=["0", "v1", "v2"],
                         reference=[0.0, 1160.0, 1241.0], names=("DMRG", "exact"))
    plotting.plot_pes_cut(np.linspace(-1, 1, 11), np.linspace(0, 1, 11) ** 2, tmp_path / "p.png",
                          xlabel="q / sqrt(m_e) a_0")
    plotting.plot_density(np.linspace(0, 10, 4), np.linspace(-1, 1, 5), np.ones((4, 5)),
                          tmp_path / "d.png", time_unit="fs", xlabel="q / sqrt(m_e) a_0",
                          density_unit="1/(sqrt(m_e) a_0)")
    plotting.plot_learning_curve({"val_rmse": [3.0, 2.0]}, tmp_path / "f.png")
    assert len(figures) == 6
    for fig, path in figures:
        _check_axes(fig, x_needs_unit=not path.endswith(("l.png", "f.png")))
    # the colour bar of the density says what it shows, with its unit
    cbar = figures[4][0].get_axes()[1]
    assert "probability density / " in cbar.get_ylabel()
    # the level diagram names its columns and the zero of its energies
    lv = figures[2][0].get_axes()[0]
    assert [t.get_text() for t in lv.get_xticklabels()] == ["DMRG", "exact"]
    assert "above the ground level" in lv.get_ylabel()


def test_command_line_pictures_have_units(tmp_path, figures, capsys):
    ff = tmp_path / "hh.json"
    ff.write_text(json.dumps(henon_heiles(2).to_json_dict()))
    assert main(["levels", str(ff), "--grid", "ho:6", "--n-states", "3", "--json",
                 str(tmp_path / "l.json")]) == 0
    assert main(["propagate", str(ff), "--grid", "ho:6", "--t-final", "20", "--dt", "0.5",
                 "--maxdim", "6", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    names = sorted(p.rsplit("/", 1)[1] for _, p in figures)
    assert names == ["autocorrelation.png", "l.png", "spectrum.png"]
    for fig, path in figures:
        _check_axes(fig, x_needs_unit=not path.endswith("l.png"))
        labels = " ".join(ax.get_xlabel() + ax.get_ylabel() for ax in fig.get_axes())
        assert "hbar*omega" in labels  # the force field's own unit, named
    spec = next(f for f, p in figures if p.endswith("spectrum.png")).get_axes()[0]
    assert spec.get_xlabel() == "energy above the ground level / hbar*omega"
    title = next(f for f, p in figures if p.endswith("autocorrelation.png")).get_axes()[0]
    assert "t/2 trick" in title.get_title()  # the doubled time range is explained
