"""`neurosyn balanced`: JSON keys and values against the library, targeted input, simulation, bad input."""

import json

import numpy as np
from typer.testing import CliRunner

import neurosyn.balanced as nb
from phases.cli import app

runner = CliRunner()


def _json(args):
    res = runner.invoke(app, ["balanced", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_istdp_json_matches_theory():
    out = _json(["--rule", "istdp", "--c", "0.1"])
    assert {"rates", "weights", "balanced", "stable", "seed", "provenance"} <= set(out)
    fp = nb.weight_fixed_point(nb.default_network(c=0.1), nb.RULES["istdp"]())
    np.testing.assert_allclose([out["rates"]["e"], out["rates"]["i"]], fp.rates, rtol=1e-9)
    np.testing.assert_allclose(out["weights"]["e<-i"], fp.weight("e", "i"), rtol=1e-9)
    assert out["balanced"] is True and out["stable"] is True
    np.testing.assert_allclose(out["static"]["rates"]["e"], 5.8235, atol=1e-3)


def test_targeted_without_plasticity_is_unbalanced():
    off = _json(["--rule", "none", "--targeted"])
    assert off["balanced"] is False and off["static"]["balanced"] is False


def test_targeted_with_plasticity_restores_balance():
    on = _json(["--rule", "istdp", "--targeted", "--j-ei", "-250"])
    assert on["balanced"] is True and on["stable"] is None
    assert on["weights"]["e1<-i"] < on["weights"]["e2<-i"] - 30


def test_simulate_adds_simulated_rates_and_weights():
    out = _json(["--rule", "istdp", "--simulate", "--N", "200", "--T", "0.3", "--seed", "3"])
    sim = out["simulation"]
    assert set(sim["rates"]) == {"e", "i"} and "e<-i" in sim["weights"]
    assert sim["n_dropped"] == 0 and all(r > 0 for r in sim["rates"].values())
    assert out["seed"] == 3


def test_bad_input_fails_with_message():
    res = runner.invoke(app, ["balanced", "--rule", "bogus"])
    assert res.exit_code == 2 and "valid choices" in res.output
    res = runner.invoke(app, ["balanced", "--c", "1.5"])
    assert res.exit_code == 2 and "c (input spike-count correlation)" in res.output
