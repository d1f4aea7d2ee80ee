"""`neurosyn fixedpoints` subcommands: one JSON object on stdout with the documented keys."""

import json

import pytest
from typer.testing import CliRunner

import fixedpoints as fp
from phases.cli import app

runner = CliRunner()


def _json(args):
    res = runner.invoke(app, ["fixedpoints", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_complexity_json_matches_library():
    out = _json(["complexity", "--g", "2", "--k", "2"])
    c = fp.fixed_point_complexity(2.0, 2.0)
    assert out["branches"] == pytest.approx([float(c.log2_count[0])], rel=1e-12)
    assert out["C0"] == pytest.approx([float(c.C0[0])], rel=1e-12)
    assert out["k_onset"] == pytest.approx(fp.k_onset(2.0), rel=1e-12)


def test_find_and_count_json_keys():
    # shapes as in test_count (N = 20, 128 initial states) so that a full run reuses the compiled solver
    out = _json(["find", "--g", "2", "--k", "2.5", "--N", "20", "--n-init", "128", "--seed", "1"])
    assert {"n_found", "n_stable", "max_residual", "max_real_bulk", "wall_s"} <= set(out)
    assert out["max_residual"] <= 1e-10 and out["n_stable"] == 2 * len(out["max_real_bulk"])
    assert all(v < 0 for v in out["max_real_bulk"])
    out = _json(["count", "--g", "2", "--k", "3", "--N", "6,20", "--n-init", "128", "--networks", "1"])
    assert out["N"] == [6, 20] and len(out["counts"]) == 2
    assert "growth_rate_log2_per_neuron" in out


def test_bad_input_exits_nonzero():
    res = runner.invoke(app, ["fixedpoints", "count", "--N", "a:b", "--json"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["fixedpoints", "complexity", "--g", "-1", "--json"])
    assert res.exit_code == 2
