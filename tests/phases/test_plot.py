"""Figures: Fig. 1b and Fig. 5a styles from sweep datasets, PNG + vector PDF, failed points hatched."""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pytest

import phases

mpl.use("Agg")


def _fake_theory(point, *, seed):
    """Labels from hand-made lines with the right shapes (not the real theory); k ≥ 2.9 'fails'."""
    g, k = point["g"], point["k"]
    if k >= 2.9:
        raise RuntimeError("synthetic failure")
    lines = dict(
        k_crit=2.017 - 1.017 * g if g <= 1 else math.nan,
        k_semifreezable=0.3676 + 0.4 * (g - 1) if g > 1 else math.nan,
        k_freezable=0.3676 + 0.9 * (g - 1) if g > 1 else math.nan,
        k_onset=2.0 - 0.1 * g,
    )
    phase, fp = phases.label_phase(g, k, **lines)
    return {"phase": phase, "fixed_points": fp, **lines}


def _fake_sim(point, *, seed):
    g, k = point["g"], point["k"]
    quiet = float(g < 1 and k < 1.5)
    return {
        "lambda_max_sim": 0.1 * max(g - 1, 0) / (1 + k * k),
        "frac_quiescent": quiet,
        "frac_fixed_points": float(k > 2.2),
        "status": "not_converged" if g == 3.0 else "ok",
    }


def _hatches(ax):
    return [c.get_hatch() for c in ax.collections if c.get_hatch()]


def test_phase_diagram_figure(tmp_path):
    ds = phases.sweep(_fake_theory, {"g": "0:3:16", "k": "-1:3:21"}, out=tmp_path / "t.nc", progress=False)
    assert phases.status_counts(ds)["failed"] == 16
    ax = phases.plot_phase_diagram(ds)
    assert "//" in _hatches(ax) and "xx" in _hatches(ax)  # fixed-point overlay and failed points
    paths = phases.save_figure(ds, tmp_path / "pd.png")
    assert [p.suffix for p in paths] == [".png", ".pdf"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and paths[1].read_bytes()[:4] == b"%PDF"


def test_lyapunov_map_figure(tmp_path):
    ds = phases.sweep(_fake_sim, {"g": "0:3:7", "k": "-1:3:9"}, out=tmp_path / "s.nc", progress=False)
    ax = phases.plot_lyapunov_map(ds)
    mesh = ax.collections[0]
    shown = np.ma.getmaskarray(mesh.get_array()).reshape(9, 7)
    quiet = ds.frac_quiescent.transpose("k", "g").values >= 1
    np.testing.assert_array_equal(shown, quiet)  # white (masked) exactly where every network went quiescent
    assert mesh.get_clim() == (0.0, 0.25)
    assert "//" in _hatches(ax)
    paths = phases.save_figure(ds, tmp_path / "lam")
    assert paths[0].name == "lam.png" and paths[1].read_bytes()[:4] == b"%PDF"


def test_save_figure_needs_known_variables(tmp_path):
    ds = phases.sweep(
        lambda pt, *, seed: {"y": 1.0}, {"g": "1,2", "k": "0,1"}, out=tmp_path / "y.nc", progress=False
    )
    with pytest.raises(ValueError, match="neither theory"):
        phases.save_figure(ds, tmp_path / "y.png")
