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
    # equals C here), with the same frozen noise: C(0) must agree within 4 combined standard errors plus
    # 0.5 % (the two iterations stop at different points below their noise floors).
    method = dmft.Stationary(n_samples=128, n_replicates=2, window_tau=20.0)
    a = dmft.solve_dmft(_net(ns.hebbian), method, key=key)
    b = dmft.solve_dmft(_net(ns.Expression("post", "pre")), method, key=key)
    assert b.C_pre is not None and a.C_pre is None
    tol = 4 * math.hypot(float(a.C_err[0]), float(b.C_err[0])) + 0.005 * float(a.C0)
    assert abs(float(a.C0) - float(b.C0)) < tol
    np.testing.assert_allclose(b.C_pre[:50], b.C[:50], atol=6 * float(b.C_err[0]) + 1e-3)


# --- DMFT against the simulator ---------------------------------------------------------------------

G, K, P = 3.0, 1.0, 2.5
# C(0): one network's time-averaged C(0) scatters by ~0.5/√N across seeds (as for the Hebbian rule), so
# |C0_sim − C0_dmft| < 1/√N is a 2σ bound (tighter for the mean of 2 networks).
# τ*: one network's τ* scatters strongly at N = 1000 (expression rule, T = 2000, seeds 0-3: 4.57, 4.15,
# 5.25, 4.37, sd 10 %; the fixture's two networks: 5.16, 4.81) and much less at N = 2000 (T = 500: 4.65,
# 4.64, 4.77, 4.55, sd 2 %), against the DMFT's 4.375 (1024 samples × 4 replicates). Finite networks also
# have a longer τ* than N → ∞: at k = 0, N = 2000 (g = 3, T = 500, seeds 0-3) the simulation gives 2.69 ± 0.04
# against SCS 2.616 (+3 %), and the expression rule's mean at N = 2000 lies +6 % above the DMFT. TAU_RTOL =
# 25 % is a 5-10 % bias plus 2.5 sd of the two-network mean (7 %); the N = 2000 test below, which measures
# the bias in the same run, is the sharp check.
# Heterogeneous p: τ* = 3.99, 4.54, 4.57 over 3 seeds (sd 0.33, 7 %: each seed draws its own p_ij, shared by
# the 2 networks of the fixture) against the DMFT's 4.52: 3 sd is 22 %.
# STDP (d = 1): the fixture's two networks give τ* = 1.774 and 1.876 (sd 3.9 % per network, from two
# samples) against the DMFT's 1.723; 3 sd of the 2-network mean is 8.4 %, so 9 %.
TAU_RTOL = {"expression": 0.25, "stdp": 0.09, "heterogeneous": 0.22}
# the fast tests: cheap DMFT settings (2 replicates, lag range 20 τ*)
FAST = dict(n_samples=256, n_replicates=2, window_tau=20.0)


def _sim(rule, N, key, T, n_networks, g=G, k=K, units=()):
    p = P
    if isinstance(rule, ns.Heterogeneous):  # one p_ij draw shared by the batch (the kernel is its average)
        p = rule.sample_p(jr.fold_in(key, 99), N)
    net = ns.Network(N=N, g=g, k=k, p=p, rule=rule)
    rec = ns.Record(dt=0.2, units=units, tau_max=60.0)
    return ns.simulate(net, T, key=key, dt=0.1, t_burn=150.0, record=rec, n_networks=n_networks)


# STDP at g = 3 has a small slow tail that τ* does not see (C = 0.0047 ± 0.001 at τ ≈ 31 with τ_max =
# window_tau·τ* = 52, measured with 256 samples × 4 replicates), so the solver may warn that its window is
# short; C(0), checked here, does not depend on that tail.
_STDP_WINDOW = pytest.mark.filterwarnings("ignore::dmft.WindowWarning")


@pytest.mark.parametrize(
    "rule",
    [ns.Expression("post", "pre - 0.2*pre**3"), pytest.param(ns.STDP(d=1.0), marks=_STDP_WINDOW)],
    ids=str,
)
def test_against_simulator_fast(rule, key):
    # N = 400, one network, T = 400: C(0) within 1/√N = 0.05 (2σ, see above).
    sol = dmft.solve_dmft(_net(rule, k=K, p=P, g=G), dmft.Stationary(**FAST), key=key)
    sim = _sim(rule, 400, jr.fold_in(key, 1), 400.0, None)
    assert abs(float(sim.C0) - float(sol.C0)) < 1.0 / math.sqrt(400)


VARIANTS = {
    "expression": ns.Expression("post", "pre - 0.2*pre**3"),
    "stdp": ns.STDP(d=1.0),
    "heterogeneous": ns.Heterogeneous(alpha=3.0, beta=5.0),
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def dmft_and_sim(request):
    """DMFT (1024 samples × 4 replicates) and the mean of 2 simulated networks at N = 1000, T = 500."""
    key = jr.key(1000 + list(VARIANTS).index(request.param))
    rule = VARIANTS[request.param]
    sol = dmft.solve_dmft(_net(rule, k=K, p=P, g=G), dmft.Stationary(n_samples=1024), key=key)
    return request.param, sol, _sim(rule, 1000, jr.fold_in(key, 1), 500.0, 2)


@pytest.mark.slow
def test_against_simulator_N1000_C0(dmft_and_sim):
    _, sol, sim = dmft_and_sim
    assert abs(float(np.mean(sim.C0)) - float(sol.C0)) < 1.0 / math.sqrt(1000)


@pytest.mark.slow
def test_against_simulator_N1000_tau_star(dmft_and_sim):
    # before the frozen-noise solver (d285d6a) τ*_sim/τ*_dmft − 1 was +0.17 (expression), −0.18 (STDP),
    # +0.34 (heterogeneous); the tolerances are the measured seed scatter above
    name, sol, sim = dmft_and_sim
    assert abs(float(np.mean(sim.tau_star)) / float(sol.tau_star) - 1.0) < TAU_RTOL[name]


@pytest.mark.slow
def test_expression_tau_star_at_N2000_against_the_k0_finite_size_control(key):
    # The finite-size excess of τ* is measured in the same run at k = 0 against the exact SCS solution, so
    # τ*_sim/τ*_DMFT at k = 1 must equal τ*_sim/τ*_SCS at k = 0. Measured (4 networks each, seeds 0-3,
    # N = 2000, T = 500): 4.65/4.375 = 1.063 and 2.69/2.616 = 1.028; one network's τ* scatters by 2-3 %, so
    # the two ratios of 2-network means differ by sd ≈ 2.5 %: tolerance 8 % (3.5 % + 2 sd; the pre-d285d6a
    # solver was off by 17 %).
    rule = VARIANTS["expression"]
    sol = dmft.solve_dmft(_net(rule, k=K, p=P, g=G), dmft.Stationary(n_samples=512), key=key)
    plastic = _sim(rule, 2000, jr.fold_in(key, 1), 500.0, 2)
    static = _sim(ns.hebbian, 2000, jr.fold_in(key, 2), 500.0, 2, k=0.0)
    excess = float(np.mean(static.tau_star)) / dmft.solve_scs(G).tau_star
    assert float(np.mean(plastic.tau_star)) / float(sol.tau_star) == pytest.approx(excess, rel=0.08)


# --- presynaptic-only rule: a constant input, and a frozen offset --------------------------------------


def _presynaptic_check(g, key):
    # With f_post ≡ 1 every neuron gets the same input I = (k/p) ∫₀^∞ e^{−τ/p} C(τ) dτ (Eqs. A5–A7); C keeps
    # the plateau q = lim C(τ) = (1/N) Σ_i ⟨φ_i⟩², because the constant input breaks x → −x, and the field
    # J φ carries a frozen part of variance g² q. The DMFT single site is x = η + z g√q + I.
    # Tolerances for one N = 1000 network over T = 400 (2σ-3σ of the across-seed scatter): C(0) within
    # 1/√N = 0.032; ⟨φ⟩ within 0.04 (neuron-to-neuron sd of ⟨φ_i⟩ ≈ 0.5, quenched-disorder scatter of the
    # population mean ~1/√N); q within 0.2: the frozen part scatters strongly across networks (g = 2,
    # N = 1000, T = 400, four networks: q = 0.228, 0.250, 0.375, 0.387, sd 0.08; ⟨φ⟩ 0.206–0.243): 2.5σ.
    # τ* of the connected C − q (`Simulation.tau_star`) within 30 %: the simulation sits 4–17 % below the DMFT
    # in all five networks measured (g = 2: 3.41, 3.94, 3.51 against 4.10 with one key, 3.35 against 3.87
    # with this test's; g = 3: 2.26 against 2.54); the raw C(τ) gave 16–24, growing with τ_max.
    sol = dmft.solve_dmft(_net(ns.Presynaptic(), k=1.0, p=P, g=g), dmft.Stationary(n_samples=512), key=key)
    sim = _sim(ns.Presynaptic(), 1000, jr.fold_in(key, 1), 400.0, None, g=g, k=1.0)
    m_sim, q_sim = float(np.mean(sim.phi_mean)), float(sim.q)
    C = np.asarray(sol.C)
    q_dmft = float(np.mean(C[-C.size // 10 :]))
    # the constant input, as derived: the simulated input (A φ)_i is one number for all i
    A, phi = np.asarray(sim.state.A), np.tanh(np.asarray(sim.state.x))
    assert np.ptp(A @ phi) < 1e-12 * np.max(np.abs(A @ phi))
    assert abs(float(sim.C0) - float(sol.C0)) < 1.0 / math.sqrt(1000)
    assert abs(m_sim - float(sol.phi_mean)) < 0.04
    assert abs(q_sim - q_dmft) < 0.2
    assert abs(float(sim.tau_star) / float(sol.tau_star) - 1.0) < 0.3


@pytest.mark.slow
def test_presynaptic_dmft_against_simulator(key):
    # g = 2: measured DMFT ⟨φ⟩ = 0.23, q = 0.286, C(0) = 0.557; simulation (this key) 0.229, 0.228, 0.545.
    _presynaptic_check(2.0, key)


@pytest.mark.slow
def test_presynaptic_dmft_against_simulator_g3(key):
    # the fresh-noise solver stopped here while q still drifted (q = 0.10 vs simulated 0.20); the frozen-noise
    # replicates converge (2 replicates: q = 0.230, ⟨φ⟩ = 0.187; simulation 0.20, 0.172)
    _presynaptic_check(3.0, key)
