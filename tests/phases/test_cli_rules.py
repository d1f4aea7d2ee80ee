"""`--rule` on `spectrum`, `lyapunov`, `phase-diagram` and `dmft`: each command with a non-default rule
against an independent oracle, and the rules each command cannot handle refused with the option named."""

from __future__ import annotations

import json
import math

import jax.random as jr
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import neurosyn as ns
import spectra
from phases._cliutil import rule_network, rule_spec  # test-only: the CLI's p_ij draw, to rebuild the network
from phases.cli import app

runner = CliRunner()


def run_json(*args):
    res = runner.invoke(app, [*args, "--json", "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_rule_spec_merges_inline_and_repeated_parameters():
    assert rule_spec("stdp", ["d=2"], None, None) == "stdp(d=2.0)"
    assert ns.parse_rule(rule_spec("heterogeneous(alpha=3)", ["beta=4"], None, None)) == ns.Heterogeneous(
        alpha=3.0, beta=4.0
    )
    assert ns.parse_rule(rule_spec("hebbian", None, None, "pre**3")) == ns.Expression("post", "pre**3")
    with pytest.raises(ValueError, match="--rule-param 'd' must be key=value"):
        rule_spec("stdp", ["d"], None, None)
    with pytest.raises(ValueError, match="not combinable with --rule stdp"):
        rule_spec("stdp", None, "post", None)


# --- spectrum --------------------------------------------------------------------------------------------

SPEC = ["spectrum", "--g", "2", "--k", "0.8", "--T", "40", "--t-burn", "20", "--dt", "0.1", "--seed", "5"]


def _final_state(N, rule, seed=5, g=2.0, k=0.8, p=2.5):
    """The CLI's run rebuilt from the same seed (same key split, same simulate call)."""
    net, key = rule_network(N, g, k, p, rule, jr.key(seed))
    rec = ns.Record(dt=1.0, units=tuple(range(N)), tau_max=0.0)
    sim = ns.simulate(net, 40.0, key=key, dt=0.1, method="rk4", dtype="float64", t_burn=20.0, record=rec)
    return net, sim


def test_spectrum_presynaptic_reduced_matches_full_jacobian():
    # §5.2 holds for any rule (1 + p∂t) a = k G(x): the full (N + N²) Jacobian has −1/p (N² − N times) and
    # the 2N eigenvalues of the reduced one (for this rule some of those are −1/p too: every row of G is the
    # same). Oracle: numpy eigvals of the full Jacobian at the CLI's final state: the CLI's rightmost reduced
    # eigenvalue is one of them, and max(it, −1/p) is their rightmost (atol 1e-8).
    N = 8
    out = run_json(*SPEC, "--N", str(N), "--rule", "presynaptic")
    assert out["jacobian"] == "reduced" and out["n_eigenvalues"] == 2 * N
    assert out["topology"] is None and out["n_outliers"] is None  # Eq. 21 is Hebbian-only
    assert out["f_a_error"] < 1e-8
    net, sim = _final_state(N, ns.Presynaptic())
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, sim.J, sim.state)))
    assert np.min(np.abs(full.real - out["max_real"])) < 1e-8
    assert abs(max(out["max_real"], -1 / 2.5) - full.real.max()) < 1e-8


def test_spectrum_no_decay_f_a_uses_the_rule_rates():
    # No decay: the lower block row of M̃ is λ v_a = k v_x, so f_a = k²/(k² + |λ|²), not Eq. 19 with p; the
    # eigenvectors must match it to round-off (1e-8 allows for near-zero λ).
    out = run_json(*SPEC, "--N", "12", "--k", "0.3", "--rule", "no-decay")
    assert out["f_a_error"] < 1e-8


def test_spectrum_per_synapse_p_uses_the_full_jacobian():
    # Per-synapse p has no reduced Jacobian: the CLI diagonalises the full one (N + N² eigenvalues). Oracle:
    # numpy eigvals of the full Jacobian of the network rebuilt with the CLI's p_ij draw (atol 1e-8).
    N = 6
    out = run_json(*SPEC, "--N", str(N), "--rule", "heterogeneous(alpha=4, beta=6)")
    assert out["jacobian"] == "full" and out["n_eigenvalues"] == N + N * N
    net, sim = _final_state(N, ns.Heterogeneous(alpha=4.0, beta=6.0))
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, sim.J, sim.state)))
    assert abs(out["max_real"] - full.real.max()) < 1e-8


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--rule", "stdp(d=1)"], "--rule STDP(d=1.0): the Jacobian spectrum needs the state (x, A) only"),
        (["--rule", "heterogeneous", "--N", "41"], "--N must be <= 40, got --N 41"),
        (["--rule", "stdp", "--rule-param", "delay=1"], "unknown parameters ['delay']; valid: d"),
        (["--f-pre", "pre + q"], "unknown name 'q'"),
    ],
)
def test_spectrum_refuses_rules_it_cannot_handle(args, needle):
    res = runner.invoke(app, ["spectrum", "--N", "10", "--quiet", *args])
    assert res.exit_code == 2 and needle in res.output


# --- lyapunov --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # g = 0.5: x → 0, where ∂ẋ/∂A = φ(0) = 0, so the Jacobian is block-triangular: the synaptic block
        # gives −λ_A (−1/p = −0.2 at p = 5; 0 without decay), above max Re eig(J) − 1 ≈ −0.5.
        ("presynaptic", lambda p_ij: -0.2),
        ("no-decay", lambda p_ij: 0.0),
        # per-synapse p: the slowest synapse, −1/max p_ij, of the CLI's own p_ij draw
        ("heterogeneous(alpha=3, beta=5)", lambda p_ij: -1.0 / float(np.max(p_ij))),
    ],
)
def test_lyapunov_rules_at_the_trivial_fixed_point(rule, expected):
    # QR over T = 100 after 60 + 40 of transients: the top exponents equal the block's decay rate up to the
    # transient's O(1/T) bias (tolerance 0.02).
    N, seed = 10, 2
    args = ["lyapunov", "--g", "0.5", "--k", "0.5", "--p", "5", "--N", str(N), "--m", "2", "--T", "100"]
    out = run_json(*args, "--t-transient", "60", "--t-tangent", "40", "--seed", str(seed), "--rule", rule)
    net, _ = rule_network(N, 0.5, 0.5, 5.0, ns.parse_rule(rule), jr.key(seed))
    assert out["converged"] and out["params"]["rule"] == repr(ns.parse_rule(rule))
    assert abs(out["lambda_max"] - expected(np.asarray(net.p))) < 0.02


def test_lyapunov_refuses_delayed_rules():
    res = runner.invoke(app, ["lyapunov", "--N", "10", "--quiet", "--rule", "stdp", "--rule-param", "d=0.5"])
    assert res.exit_code == 2 and "--rule STDP(d=0.5): the tangent dynamics" in res.output


# --- phase-diagram ---------------------------------------------------------------------------------------


@pytest.mark.slow  # ~60 s on 2 loaded cores: deformation, two λ_max compiles
def test_phase_diagram_simulation_with_a_rule(tmp_path, monkeypatch):
    # g = 0.5: every network falls to x = 0, where the kick to x also excites A (at second order for the
    # Hebbian rule); the slowest decay then sets λ_max. Hebbian at p = 5: the synaptic decay −1/p = −0.2
    # (above max Re eig(J) − 1 ≈ −0.5). Per-synapse p_ij ~ InverseGamma(3, 500) (mean 250): every rate
    # 1/p_ij lies below 0.05 (P(p_ij < 20) ≈ 5e-9 per synapse), so λ_max ∈ (−0.05, 0.005) (measured −0.007;
    # Hebbian −0.2000). The gap shows the
    # point used the rule's p_ij and not --p.
    monkeypatch.chdir(tmp_path)
    common = ["phase-diagram", "--method", "simulation", "--g", "0.5", "--k", "0.5", "--p", "5", "--N", "40"]
    lam = {}
    for name, rule in (("het", "heterogeneous(alpha=3, beta=500)"), ("heb", "hebbian")):
        out = run_json(*common, "--networks", "2", "--T", "400", "--no-plot", "--rule", rule, "--out", "x.nc")
        assert out["params"]["rule"] == repr(ns.parse_rule(rule))
        with xr.open_dataset(tmp_path / "x.nc", engine="h5netcdf") as ds:
            assert ds.attrs["param_rule"] == rule and ds.frac_quiescent.item() == 1.0
            lam[name] = ds.lambda_max_sim.item()
    assert -0.05 < lam["het"] < 0.005
    assert abs(lam["heb"] + 0.2) < 0.03


# --- dmft ------------------------------------------------------------------------------------------------


def test_dmft_anti_hebbian_rule_is_hebbian_with_k_flipped():
    # AntiHebbian at k is the Hebbian model at −k; the two solves go through different memory terms (the
    # general rule kernel tracking C_pre,φ vs the Hebbian kernel), so C(0) agrees within 4 combined standard
    # errors (over 3 frozen-noise replicates each) plus 1 % (the iterations stop at different points of their
    # noise floors).
    base = ["dmft", "--g", "2", "--samples", "256", "--replicates", "3", "--seed", "1"]
    a = run_json(*base, "--k", "1", "--rule", "anti-hebbian")
    b = run_json(*base, "--k=-1")
    assert a["params"]["rule"] == "AntiHebbian()" and a["converged"] and b["converged"]
    assert abs(a["C0"] - b["C0"]) < 4 * math.hypot(a["C0_err"], b["C0_err"]) + 0.01 * b["C0"]


# --- simulate --------------------------------------------------------------------------------------------


def test_simulate_presynaptic_reports_the_plateau_and_a_connected_tau_star():
    # Presynaptic (f_post ≡ 1) breaks x → −x: the JSON's plateau_q and τ* must be the library's q and the τ*
    # of C − q for the same seed (oracle: a trapezoid by hand on the library's C − q); Hebbian reports q = 0.
    args = "simulate --N 40 --T 80 --t-burn 20 --dt 0.1 --tau-max 10 --seed 5".split()
    out = run_json(*args, "--rule", "presynaptic")
    net, key = rule_network(40, 2.0, 1.0, 2.5, ns.parse_rule("presynaptic"), jr.key(5))
    sim = ns.simulate(net, 80.0, key=key, dt=0.1, t_burn=20.0, record=ns.Record(dt=0.2, tau_max=10.0))
    C = np.asarray(sim.C) - float(sim.q)
    by_hand = float(np.sum(0.5 * ((C[1:] / C[0]) ** 2 + (C[:-1] / C[0]) ** 2) * 0.2))
    assert float(sim.q) > 0.05 and out["plateau_q"] == pytest.approx(float(sim.q), rel=1e-9)
    assert out["tau_star"] == pytest.approx(by_hand, rel=1e-9)
    assert run_json(*args, "--rule", "hebbian")["plateau_q"] == 0.0
