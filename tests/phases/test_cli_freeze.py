"""`neurosyn freeze` and `neurosyn freeze boundaries`: JSON keys, consistency with the library, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from phases.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["freeze", *args], catch_exceptions=False)


def test_simulation_json_at_k0_is_nonfreezable(tmp_path):
    # k = 0: halting changes nothing, so no seed may keep a memory beyond the finite-size threshold
    png = tmp_path / "freeze.png"
    res = invoke(
        "--g", "2.25", "--k", "0", "--method", "simulation", "--N", "40", "--seeds", "2", "--json", "--plot",
        str(png),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)  # exactly one JSON object on stdout
    for name in ("phase", "Q0", "rho0", "r", "fractions", "converged", "wall_s"):
        assert name in out
    assert set(out["fractions"]) == {"nonfreezable", "semifreezable", "freezable"}
    assert sum(out["fractions"].values()) == pytest.approx(1.0, abs=1e-12)
    assert out["phase"] == "nonfreezable"
    assert out["converged"] is True
    assert png.stat().st_size > 0


@pytest.mark.slow
def test_theory_json_at_the_fig7a_freezable_point():
    # g = 2.25, k = 1.55, p = 2.5 lies above the freezable line k_free(2.25) ≈ 1.35 (measured), with r < 1
    res = invoke("--g", "2.25", "--k", "1.55", "--p", "2.5", "--method", "theory", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["phase"] == "freezable"
    assert out["r"] < 1.0
    assert 0.0 < out["rho0"] <= 1.0
    assert out["converged"] is True


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--method", "magic"), "--method"),
        (("boundaries", "--g", "0.8"), "g"),
        (("boundaries", "--g", "1:2:0"), "--g"),
        (("boundaries", "--g", "abc"), "--g"),
        (("boundaries", "--g", "2", "--p", "-1"), "p"),
        (("boundaries", "--g", "2", "--resume"), "--resume needs --out"),
        (("boundaries", "--g", "2", "--out", "x.json", "--retry"), "--retry needs --resume"),
        (("boundaries", "--g", "2", "--onset-samples", "3"), "onset_samples"),
    ],
)
def test_bad_inputs_are_rejected(args, match):
    res = invoke(*args)
    assert res.exit_code != 0
    assert match in res.output


def test_boundaries_out_refuses_to_overwrite_and_resumes_a_finished_file(tmp_path):
    """--out is a checkpoint: an existing file needs --resume; resuming a finished file recomputes nothing
    and prints the stored lines with their errors."""
    import jax.random as jr

    import dmft
    from dmft._line_table import _identity, _write_checkpoint

    path = tmp_path / "lines.json"
    col = {
        "g": 2.0, "k_semifreezable": 0.6, "k_semifreezable_err": 0.01, "k_freezable": 1.1,
        "k_freezable_err": 0.02, "converged": True, "evaluations": [], "dmft_nodes": [],
        "window_warnings": [], "wall_s": 1.0,
    }  # fmt: skip
    _write_checkpoint(path, _identity([2.0], 2.5, jr.key(0), dmft.BoundarySettings()), {0: col}, {})
    res = invoke("boundaries", "--g", "2", "--out", str(path))
    assert res.exit_code != 0 and "pass --resume" in res.output
    res = invoke("boundaries", "--g", "2", "--out", str(path), "--resume", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["k_semifreezable"] == [0.6] and out["k_freezable_err"] == [0.02] and out["wall_s"] < 1.0
    prov = dmft.load_lines(path).provenance  # the resuming command's provenance is recorded
    assert prov["seed"] == 0 and prov["params"]["g"] == "2" and prov["git"]["sha"]
