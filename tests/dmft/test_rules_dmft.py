"""DMFT memory terms of the Appendix-A rules (Eqs. A1–A11): kernel weights against quadrature, the general
rule against the Hebbian kernel, and the self-consistent solution against the simulator."""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy import integrate

import dmft
import neurosyn as ns

DT = 0.05


def _net(rule, k=1.0, p=2.5, g=3.0):
    return ns.Network(N=1, g=g, k=k, p=p, rule=rule)


def _expC(lags):
    return 0.5 * np.exp(-lags / 3.0)


def test_rule_memory_dispatch():
    assert isinstance(dmft.rule_memory(ns.hebbian), dmft.HebbianKernel)
    assert isinstance(dmft.rule_memory(ns.NoDecay()), dmft.NoDecayKernel)
    assert isinstance(dmft.rule_memory(ns.Heterogeneous()), dmft.PowerLawKernel)
    assert isinstance(dmft.rule_memory(ns.STDP(d=1.0)), dmft.STDPKernel)
    assert isinstance(dmft.rule_memory(ns.Presynaptic()), dmft.RuleKernel)
    with pytest.raises(ValueError, match="neurosyn.Rule"):
        dmft.rule_memory("hebbian")


def test_general_kernel_with_identity_functions_is_hebbian():
    lags = DT * np.arange(2000)
    C = jnp.asarray(_expC(lags))
    net = _net(ns.Expression("post", "pre"))
    w_rule = dmft.RuleKernel(rule=net.rule).weights(net, C, DT)
    w_heb = dmft.HebbianKernel().weights(net, C, DT)
    np.testing.assert_allclose(w_rule, w_heb, rtol=1e-14, atol=1e-300)


def test_power_law_kernel_is_the_inverse_gamma_average():
    # Eq. A4: ∫ dp InvGamma(p; α, β) (k/p) e^{−τ/p} = (kα/β)(β/(β+τ))^{α+1}, checked by quadrature over p.
    alpha, beta, k = 3.0, 5.0, 1.3
    net = _net(ns.Heterogeneous(alpha=alpha, beta=beta), k=k)
    mem = dmft.PowerLawKernel(rule=ns.hebbian, alpha=alpha, beta=beta)
    n = mem.n_hist(net, DT)
    C = jnp.ones(n)
    w = np.asarray(mem.weights(net, C, DT)) / DT
    w[0] *= 2.0
    dens = lambda p: beta**alpha / math.gamma(alpha) * math.exp(-beta / p) * p ** (-alpha - 1)
    for m in (0, 7, 100, n - 1):
        tau = m * DT
        ref = integrate.quad(
            lambda p, t=tau: dens(p) * k / p * math.exp(-t / p), 0, np.inf, epsabs=0, epsrel=1e-11
        )[0]
        assert abs(w[m] - ref) < 1e-9 * abs(ref)
    # the truncation keeps all but tol = 1e-4 of the kernel's mass k
    assert abs(np.sum(np.asarray(mem.weights(net, C, DT))) - k) < 2e-4 * k


def test_no_decay_kernel_is_the_large_p_limit():
    # Eq. A3: K = k̃ C is the limit of (k/p) e^{−τ/p} C with k = k̃ p, p → ∞ (relative difference τ/p).
    lags = DT * np.arange(3000)
    C = jnp.asarray(_expC(lags))
    kt, p = 0.4, 1e6
    nd = dmft.NoDecayKernel(rule=ns.hebbian, horizon=100.0)
    w_nd = np.asarray(nd.weights(_net(ns.NoDecay(), k=kt), C, DT))
    big = dmft.HebbianKernel(cutoff=100.0 / p)  # the same 100-time-unit history
    w_big = np.asarray(big.weights(_net(ns.hebbian, k=kt * p, p=p), C, DT))
    assert w_big.size == w_nd.size
    np.testing.assert_allclose(w_nd, w_big, rtol=2e-4)


def test_presynaptic_kernel_is_a_constant_input():
    # Eqs. A6–A7: with f_post ≡ 1 the memory sum is Σ w_m = (k/p) ∫ e^{−τ/p} C(τ) dτ, whatever the history.
    # Quadrature of the exponential C: (k/p)·0.5/(1/p + 1/3); the trapezoid error is O(dt²) ≈ 1e-4 relative.
    k, p = 1.2, 2.5
    net = _net(ns.Presynaptic(), k=k, p=p)
    mem = dmft.rule_memory(net.rule)
    lags = DT * np.arange(2000)
    w = np.asarray(mem.weights(net, jnp.asarray(_expC(lags)), DT))
    exact = k / p * 0.5 / (1 / p + 1 / 3)
    assert abs(w.sum() - exact) < 3e-4 * exact
    np.testing.assert_array_equal(mem.f_post(jnp.linspace(-1, 1, 5)), np.ones(5))
    assert not mem.symmetric() and mem.cross
    assert dmft.rule_memory(ns.Expression("post", "pre - 0.2*pre**3")).symmetric()


def test_stdp_kernel_against_quadrature():
    # Eq. A9 for a given history φ(t − s) = cos(0.3 s) and C(τ) = 0.5 e^{−τ/3}:
    # I = (k/p) ∫₀^∞ e^{−s/p} [C(s+d) cos(0.3 s) − C(s) cos(0.3 (s+d))] ds, by quad; the weights' sum is a
    # trapezoid rule, error O(dt²) ≈ 1e-4 relative (tolerance 1e-3).
    k, p, d = 1.5, 2.5, 1.0
    net = _net(ns.STDP(d=d), k=k, p=p)
    mem = dmft.STDPKernel(d=d)
    n = mem.n_hist(net, DT)
    lags = DT * np.arange(n + 100)
    w = np.asarray(mem.weights(net, jnp.asarray(_expC(lags)), DT))
    discrete = np.sum(w * np.cos(0.3 * DT * np.arange(n)))
    C = lambda t: 0.5 * math.exp(-t / 3.0)
    f = lambda s: k / p * math.exp(-s / p) * (C(s + d) * math.cos(0.3 * s) - C(s) * math.cos(0.3 * (s + d)))
    exact = integrate.quad(f, 0, 60 * p, limit=400)[0]
    assert abs(exact) > 0.02
    assert abs(discrete - exact) < 1e-3 * abs(exact)
    with pytest.raises(ValueError, match="multiple of the DMFT dt"):
        dmft.STDPKernel(d=0.07).n_hist(net, DT)


def test_general_rule_solution_matches_hebbian_kernel(key):
    # The same model through two memory terms (HebbianKernel on C; RuleKernel on the tracked C_pre,φ, which
    # equals C here): C(0) must agree within 4 combined standard errors plus 0.5 % (the two iterations stop
    # at different points of their noise floors).
    k1, k2 = jr.split(key)
    method = dmft.Stationary(n_samples=256)
    a = dmft.solve_dmft(_net(ns.hebbian), method, key=k1)
    b = dmft.solve_dmft(_net(ns.Expression("post", "pre")), method, key=k2)
    assert b.C_pre is not None and a.C_pre is None
    tol = 4 * math.hypot(float(a.C_err[0]), float(b.C_err[0])) + 0.005 * float(a.C0)
    assert abs(float(a.C0) - float(b.C0)) < tol
    np.testing.assert_allclose(b.C_pre[:50], b.C[:50], atol=6 * float(b.C_err[0]) + 1e-3)


# --- DMFT against the simulator ---------------------------------------------------------------------

G, K, P = 3.0, 1.0, 2.5
# τ* tolerances are EMPIRICAL, not derived: at N = 1000 (2 networks, T = 500) the measured τ*_sim/τ*_dmft − 1
# was +0.17 (expression), −0.18 (STDP) and +0.34 (heterogeneous p) while C(0) agreed within 2 %. The cause is
# not yet understood (finite N, unequilibrated slow synapses for heavy-tailed p_ij, or the estimator); the
# bounds below only guard against gross errors (a wrong kernel sign or delay changes τ* by factors).
TAU_TOL = {"expression": 0.3, "stdp": 0.3, "heterogeneous": 0.5}


def _sim(rule, N, key, T, n_networks):
    p = P
    if isinstance(rule, ns.Heterogeneous):  # one p_ij draw shared by the batch (the kernel is its average)
        p = rule.sample_p(jr.fold_in(key, 99), N)
    net = ns.Network(N=N, g=G, k=K, p=p, rule=rule)
    rec = ns.Record(dt=0.2, units=(), tau_max=40.0)
    return ns.simulate(net, T, key=key, dt=0.1, t_burn=150.0, record=rec, n_networks=n_networks)


@pytest.mark.parametrize("rule", [ns.Expression("post", "pre - 0.2*pre**3"), ns.STDP(d=1.0)], ids=str)
def test_against_simulator_fast(rule, key):
    # N = 400, one network, T = 400: the time-averaged C(0) of one network scatters by ~0.5/√N across seeds
    # (as for the Hebbian rule), so |C0_sim − C0_dmft| < 1/√N = 0.05 is a 2σ bound.
    sol = dmft.solve_dmft(_net(rule, k=K, p=P, g=G), dmft.Stationary(n_samples=256), key=key)
    sim = _sim(rule, 400, jr.fold_in(key, 1), 400.0, None)
    assert abs(float(sim.C0) - float(sol.C0)) < 1.0 / math.sqrt(400)


@pytest.mark.slow
@pytest.mark.parametrize(
    "rule",
    [
        ns.Expression("post", "pre - 0.2*pre**3"),
        ns.STDP(d=1.0),
        ns.Heterogeneous(alpha=3.0, beta=5.0),
    ],
    ids=["expression", "stdp", "heterogeneous"],
)
def test_against_simulator_N1000(rule, key, request):
    # Mean of 2 networks at N = 1000, T = 500: C(0) within 1/√N ≈ 0.032 (2σ as above, tighter for the mean);
    # τ* within the empirical TAU_TOL above.
    sol = dmft.solve_dmft(_net(rule, k=K, p=P, g=G), dmft.Stationary(n_samples=1024), key=key)
    sim = _sim(rule, 1000, jr.fold_in(key, 1), 500.0, 2)
    assert abs(float(np.mean(sim.C0)) - float(sol.C0)) < 1.0 / math.sqrt(1000)
    tol = TAU_TOL[request.node.callspec.id]
    assert abs(float(np.mean(sim.tau_star)) / float(sol.tau_star) - 1.0) < tol
