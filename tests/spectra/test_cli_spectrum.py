"""`neurosyn spectrum` (phases/_cli_spectrum.py): one JSON object, documented keys, consistent values."""

import json

import jax.random as jr
import numpy as np
from typer.testing import CliRunner

import neurosyn as ns
from phases._cliutil import rule_network  # test-only: the CLI's key split, to rebuild its final state
from phases.cli import app


def test_spectrum_json_k0(tmp_path):
    plot = tmp_path / "spec.png"
    args = [
        "spectrum",
        "--g",
        "2",
        "--k",
        "0",
        "--N",
        "60",
        "--T",
        "80",
        "--t-burn",
        "40",
        "--n-grid",
        "151",
        "--seed",
        "3",
        "--json",
        "--plot",
        str(plot),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in (
        "max_real",
        "n_outliers",
        "topology",
        "theory_max_real",
        "radius_k0",
        "wall_s",
        "params",
        "seed",
    ):
        assert key in out
    assert out["seed"] == 3 and out["params"]["N"] == 60
    assert out["topology"] == "disk"
    # k = 0: the support is the disk |1 + λ| ≤ radius, so its rightmost point is −1 + radius (bisection)
    assert abs(out["theory_max_real"] - (out["radius_k0"] - 1.0)) < 1e-9
    # the support is that of the final state: rebuild the CLI's run (same key split, same simulate call) and
    # compare with g √⟨φ′(x)²⟩ over its N units by numpy, and C(0) = ‖tanh x‖²/N (round-off tolerance)
    net, key = rule_network(60, 2.0, 0.0, 2.5, ns.hebbian, jr.key(3))
    rec = ns.Record(dt=0.1, units=(), tau_max=0.0)
    sim = ns.simulate(net, 80.0, key=key, dt=0.1, method="rk4", dtype="float64", t_burn=40.0, record=rec)
    x = np.asarray(sim.state.x)
    assert out["n_x_samples"] == 60
    assert abs(out["radius_k0"] - 2.0 * np.sqrt(np.mean(np.cosh(x) ** -4))) < 1e-10
    assert abs(out["C0_state"] - np.mean(np.tanh(x) ** 2)) < 1e-12
    assert abs(out["C0"] - out["C0_state"]) < 0.1  # time mean vs final state: O(1/√N) apart
    assert plot.stat().st_size > 0


def test_spectrum_bad_input_fails_cleanly():
    res = CliRunner().invoke(app, ["spectrum", "--p", "-1", "--N", "10", "--json"])
    assert res.exit_code == 2
    assert "p" in res.output and "-1" in res.output
