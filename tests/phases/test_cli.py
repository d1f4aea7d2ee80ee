"""`neurosyn phase-diagram`: the README's main command at reduced size, errors, resume, simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import phases
from phases.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["phase-diagram", *args], catch_exceptions=False)


def test_readme_main_command_at_reduced_size(tmp_path, monkeypatch):
    """`neurosyn phase-diagram --preset quick` on a 2×2 grid whose labels follow from exact values alone:
    k_crit(0) = 2.0170 (the g = 0 fixed-point threshold, sinh 2χ = 6χ), k_crit(1) = 1, k_onset(0) = 2.0170."""
    monkeypatch.chdir(tmp_path)
    res = invoke("--preset", "quick", "--g", "0,1", "--k", "0,2.5", "--json", "--quiet")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)  # exactly one JSON object on stdout
    assert out["status"] == {"pending": 0, "ok": 4, "not_converged": 0, "failed": 0}
    for name in ("phase_diagram.nc", "phase_diagram.png", "phase_diagram.pdf"):
        assert (tmp_path / name).stat().st_size > 0
    with xr.open_dataset(tmp_path / "phase_diagram.nc", engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds.phase.values, [[5, 4], [5, 4]])  # (v) below the line, (iv) above
        np.testing.assert_array_equal(ds.fixed_points.values, [[0, 1], [0, 1]])
        assert ds.k_crit.sel(g=0.0, k=0.0) == pytest.approx(2.0170, abs=1e-3)
        assert ds.k_onset.sel(g=0.0, k=0.0) == pytest.approx(2.0170, abs=1e-3)
        assert ds.log2_n_fp.sel(g=0.0, k=2.5) == pytest.approx(
            1.0, abs=1e-6
        )  # all 2^N sign patterns at g = 0
        assert ds.log2_n_fp.sel(g=1.0, k=0.0) == 0.0
        assert json.loads(ds.attrs["provenance"])["argv"] and ds.attrs["param_method"] == "theory"

    # a resume with a different p is refused with a clear message; nothing is overwritten
    res = runner.invoke(
        app,
        [
            "phase-diagram",
            "--preset",
            "quick",
            "--g",
            "0,1",
            "--k",
            "0,2.5",
            "--p",
            "3",
            "--resume",
            "--quiet",
        ],
    )
    assert res.exit_code == 2
    assert "different sweep" in res.output and "p: 2.5 -> 3.0" in res.output
    # the human summary names the phases and the output
    res = invoke("--preset", "quick", "--g", "0,1", "--k", "0,2.5", "--resume", "--quiet", "--no-plot")
    assert (
        res.exit_code == 0
        and "(iv) plasticity-induced chaos" in res.stdout
        and "phase_diagram.nc" in res.stdout
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--g", "0:3"], "three fields"),
        (["--k", "1,x"], "comma list"),
        (["--g", "-1:1:3"], "g (coupling strength) must be >= 0"),
        (["--p", "0"], "p (synaptic time constant) must be > 0"),
        (["--method", "simulation", "--T", "300"], "T (run length) must be > 300"),
        (["--rule", "presynaptic"], "derived for the Hebbian rule only; valid: --rule hebbian, or --method"),
        (["--method", "simulation", "--rule", "stdp(d=1)"], "delayed rule"),
        (["--method", "simulation", "--rule", "nope"], "not a known rule"),
        (["--method", "simulation", "--networks", "0"], "networks"),
        (["--method", "simulation", "--batch", "0"], "batch=0"),
        (
            ["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"],
            "could not reach the Dask scheduler",
        ),
    ],
)
def test_cli_errors(tmp_path, args, needle, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["phase-diagram", "--g", "1", "--k", "0", "--quiet", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output


def test_cli_unknown_method_fails_at_parse_time():
    res = runner.invoke(app, ["phase-diagram", "--method", "montecarlo"])
    assert res.exit_code == 2 and "montecarlo" in res.output


@pytest.mark.slow  # ~45 s on 2 cores: deformation and λ_max compiles
def test_simulation_point_in_the_quiescent_phase(tmp_path, monkeypatch):
    """g = 0.5, k = 0: every network falls to x = 0, where λ_max = max Re eig(J) − 1. For i.i.d. J of variance
    g²/N the circular law puts max Re eig(J) within ~0.1·g of g at N = 60 (model.md §5 oracle 1), so
    λ_max ∈ [−0.6, −0.4]."""
    monkeypatch.chdir(tmp_path)
    res = invoke(
        "--method",
        "simulation",
        "--g",
        "0.5",
        "--k",
        "0",
        "--N",
        "60",
        "--networks",
        "2",
        "--T",
        "400",
        "--json",
        "--quiet",
        "--no-plot",
    )
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "phase_diagram.nc", engine="h5netcdf") as ds:
        assert phases.status_counts(ds)["ok"] == 1
        assert ds.frac_quiescent.item() == 1.0 and ds.frac_fixed_points.item() == 0.0
        assert -0.6 < ds.lambda_max_sim.item() < -0.4
        assert ds.deformed.item() == 1.0


def test_simulation_point_batches():
    """`SimulationPoint.batch` bounds the vmapped networks. One batch of all networks is the unbatched run,
    bit for bit; one network per batch, every network at g = 0.5, k = 0 (no deformation) still falls to x = 0,
    where λ_max = max Re eig(gJ₀) − 1: the circular law puts it near −0.5 (within ~0.15 at N = 40)."""
    kw = dict(N=40, networks=2, T=310.0, t_kick=250.0, t_align=50.0, deform=False)
    point = {"g": 0.5, "k": 0.0}
    whole = phases.SimulationPoint(**kw)(point, seed=3)
    assert phases.SimulationPoint(**kw, batch=2)(point, seed=3) == whole
    parts = phases.SimulationPoint(**kw, batch=1)(point, seed=3)
    for out in (whole, parts):
        assert out["frac_quiescent"] == 1.0 and "status" not in out
        assert -0.65 < out["lambda_max_sim"] < -0.35
    assert parts["lambda_max_sim"] != whole["lambda_max_sim"]  # the second batch drew another network
    with pytest.raises(ValueError, match="batch=0: networks per vmapped batch"):
        phases.SimulationPoint(batch=0)
