"""The plastic stationary DMFT (Eqs. 6–8): k = 0 against SCS, simulator cross-checks, statuses, inputs."""

import math

import jax.random as jr
import numpy as np
import pytest

import dmft
import neurosyn as ns

FAST = dmft.Stationary(dt=0.1, n_samples=256)
CHEAP = dmft.Stationary(dt=0.1, n_samples=128, n_replicates=2, window_tau=20.0)
# O(dt²) bias of the exponential-trapezoid single site at dt = 0.1 on C(τ): measured ≲ 1e-3 at g = 2
# (dt = 0.1 vs 0.05 with 4096 samples); added to the statistical tolerance below.
BIAS = 2e-3


def test_k0_reproduces_scs(key):
    # At k = 0 the control variate is the site itself, so the map is exact up to O(dt²) and the solver must
    # land on SCS within the discretisation bias, with a vanishing replicate spread.
    sol = dmft.solve_dmft(ns.Network(N=1, g=2.0, k=0.0), FAST, key=key)
    scs = dmft.solve_scs(2.0, dt=0.1, t_max=float(sol.lags[-1]))
    assert sol.converged and int(sol.n_iter) <= 30
    dev = np.abs(np.asarray(sol.C) - np.asarray(scs.C))
    assert np.all(dev <= 5 * np.asarray(sol.C_err) + BIAS)
    assert float(sol.var_x) == pytest.approx(scs.var_x, abs=5 * float(sol.var_x_err) + 4 * BIAS)
    assert float(sol.tau_star) == pytest.approx(scs.tau_star, rel=0.01)
    assert float(np.max(np.asarray(sol.C_err))) < 1e-6
    # diagnostics are consistent
    assert np.all(np.isnan(np.asarray(sol.history)[int(sol.n_iter) :]))
    assert int(np.sum(np.asarray(sol.n_iter_replicates))) == int(sol.n_iter)
    assert float(sol.pr_A) == pytest.approx(float(ns.pr_A_theory(sol.C, sol.lags, 2.5)))
    # all n_x_samples are kept from the single exact replicate, and ⟨φ′²⟩ over them (the k = 0 Jacobian
    # radius²/g²) is the SCS value within 4 standard errors of the sample mean
    xs = np.asarray(sol.x_samples)
    assert xs.size == FAST.n_x_samples
    d2 = (1 - np.tanh(xs) ** 2) ** 2
    assert abs(d2.mean() - scs.phi_prime2) < 4 * d2.std() / np.sqrt(xs.size)
    assert float(np.var(xs)) == pytest.approx(scs.var_x, rel=0.05)


def test_pair_table_against_quadrature():
    # E[φ(u)φ(v)] by the Chebyshev table vs the SCS quadrature (Δ ≥ 0) and oddness of tanh (Δ < 0)
    from dmft._scs import gaussian_pair
    from dmft._stationary import _PairTable

    for D0 in (0.3, 1.925, 16.96):
        D = np.linspace(0.0, D0, 41)
        table = _PairTable(ns.Tanh(), D0)
        ref = gaussian_pair(np.tanh, D, D0)
        np.testing.assert_allclose(table(D), ref, atol=1e-8)
        np.testing.assert_allclose(table(-D), -ref, atol=1e-8)


def _sim(g, k, N, key, T=400.0):
    net = ns.Network(N=N, g=g, k=k, p=2.5)
    return ns.simulate(
        net, T, key=key, dt=0.1, t_burn=100.0, record=ns.Record(dt=0.2, units=(), tau_max=20.0)
    )


def test_C_tau_against_simulator_at_k1(key):
    # The time-averaged C(τ) of one network scatters across seeds (quenched disorder): measured at g = 2,
    # k = 1, N = 1000 over 4 seeds, sd 0.007 on C(0) and 0.03 on C(10), i.e. ≈ 0.25/√N and 0.95/√N. The
    # bounds below are 4σ on C(0) and 2.6σ on C(5), C(10), plus 3 replicate errors of the cheap solve.
    N = 1000
    sol = dmft.solve_dmft(ns.Network(N=1, g=2.0, k=1.0, p=2.5), CHEAP, key=key)
    assert sol.converged
    sim = _sim(2.0, 1.0, N, jr.fold_in(key, 1))
    for tau, tol in ((0.0, 1.0), (5.0, 2.5), (10.0, 2.5)):
        c_sim = np.interp(tau, np.asarray(sim.lags), np.asarray(sim.C))
        c_dmft = np.interp(tau, np.asarray(sol.lags), np.asarray(sol.C))
        err = np.interp(tau, np.asarray(sol.lags), np.asarray(sol.C_err))
        assert abs(c_sim - c_dmft) < tol / math.sqrt(N) + 3 * err, (tau, c_sim, c_dmft)


# at 128 samples the tail at τ ≈ 45 holds 0.02 ± 0.006 of sampling noise, so the solver may warn that its lag
# range is short (at 1024 × 8 samples it does not); C(τ ≤ 2) does not depend on that tail
@pytest.mark.filterwarnings("ignore::dmft.WindowWarning")
def test_strong_anti_hebbian_cold_and_warm_starts_match_the_simulation(key):
    # g = 2, k = −5 (the paper's most anti-Hebbian C(τ)). A cold start from SCS (C(0) = 0.51) overshoots: its
    # fourth map evaluation raises the residual fivefold (0.11 → 0.54). Unguarded, the iteration then stalls
    # (at 1024 × 8 samples: residual 2 %, C(0) = 0.17; at these settings and this key: replicate 2 stops at
    # max_steps = 60, measured, and is asserted below so that the guard is shown to act); with
    # AndersonMixing(safeguard=4) that step is undone and it converges (33 and 31 evaluations), as does the
    # warm start from k = −3 of notebook 02 (C(0) = 0.2722 at 1024 × 8). Oracle: one N = 1000 network (C(0)
    # 0.266, C(2) 0.095 measured), within 1/√N plus 3 replicate errors; cold and warm starts agree within 4
    # combined errors.
    N = 1000
    quick = dict(dt=0.2, n_samples=128, n_batches=4, n_replicates=2)
    net = lambda k: ns.Network(N=1, g=2.0, k=k, p=2.5)
    guarded = dmft.AndersonMixing(safeguard=4.0)
    cold = dmft.solve_dmft(net(-5.0), dmft.Stationary(**quick), solver=guarded, key=jr.fold_in(key, 0))
    bare = dmft.solve_dmft(net(-5.0), dmft.Stationary(**quick), key=jr.fold_in(key, 0), throw=False)
    assert not bare.converged and bare.status == ns.Status.max_steps and int(bare.n_undone) == 0
    assert int(cold.n_undone) >= 1  # the guard acted (the overshoot at the fourth evaluation)
    k3 = dmft.solve_dmft(net(-3.0), dmft.Stationary(**quick), key=jr.fold_in(key, 1))
    warm = dmft.solve_dmft(net(-5.0), dmft.Stationary(init=k3, **quick), key=jr.fold_in(key, 2))
    assert cold.converged and warm.converged
    sim = _sim(2.0, -5.0, N, jr.fold_in(key, 9))
    for tau in (0.0, 1.0, 2.0):
        c_sim = np.interp(tau, np.asarray(sim.lags), np.asarray(sim.C))
        c, e = (
            [np.interp(tau, np.asarray(s.lags), np.asarray(getattr(s, a))) for s in (cold, warm)]
            for a in "C C_err".split()
        )
        assert abs(c[0] - c[1]) < 4 * math.hypot(*e), (tau, c)
        for c_dmft, err in zip(c, e, strict=True):
            assert abs(c_sim - c_dmft) < 1.0 / math.sqrt(N) + 3 * err, (tau, c_sim, c_dmft)


@pytest.mark.slow
def test_replicate_error_is_honest(key):
    # Two solves with independent keys must agree within their stated errors (4σ of the difference); the
    # error bar is the replicate spread, which includes the amplification by the slow direction of the map.
    net = ns.Network(N=1, g=2.0, k=1.0, p=2.5)
    a, b = (dmft.solve_dmft(net, dmft.Stationary(n_samples=256), key=jr.fold_in(key, i)) for i in (0, 1))
    i10 = int(round(10.0 / 0.1))
    for i in (0, i10 // 2, i10):
        diff = abs(float(a.C[i]) - float(b.C[i]))
        assert diff < 4 * math.hypot(float(a.C_err[i]), float(b.C_err[i])) + BIAS, (i, diff)
    assert abs(float(a.tau_star) - float(b.tau_star)) < 0.05 * float(a.tau_star)


@pytest.mark.slow
@pytest.mark.parametrize("k", [1.0, -1.0])
def test_against_simulator_scaling(k, key):
    # Mean over 4 seeds at N = 500, 1000, 2000: the error shrinks and stays within 1/√N, on C(0) and C(5).
    sol = dmft.solve_dmft(ns.Network(N=1, g=2.0, k=k, p=2.5), dmft.Stationary(n_samples=1024), key=key)
    errs = []
    for N in (500, 1000, 2000):
        sims = [_sim(2.0, k, N, jr.fold_in(key, 10 * N + s), T=600.0) for s in range(4)]
        c0 = [float(s.C0) for s in sims]
        c5 = [float(np.interp(5.0, np.asarray(s.lags), np.asarray(s.C))) for s in sims]
        errs.append(abs(np.mean(c0) - float(sol.C0)))
        assert errs[-1] < 1.0 / math.sqrt(N)
        assert abs(
            np.mean(c5) - float(np.interp(5.0, np.asarray(sol.lags), np.asarray(sol.C)))
        ) < 1.0 / math.sqrt(N)
    assert errs[-1] < errs[0]


def test_early_stop_reports_and_raises(key):
    net = ns.Network(N=1, g=2.0, k=1.0)
    sol = dmft.solve_dmft(net, FAST, key=key, max_steps=2, throw=False)
    assert not sol.converged and sol.status == ns.Status.max_steps and int(sol.n_iter) == 2
    assert np.all(np.isnan(np.asarray(sol.C_err)))
    with pytest.raises(ns.ConvergenceError, match="did not converge"):
        dmft.solve_dmft(net, FAST, key=key, max_steps=2)


def test_collapse_below_kcrit(key):
    # g = 0.5, k = 0.5 is far below k_crit(0.5) ≈ 1.8: the iteration must fall to C = 0 and say so.
    method = dmft.Stationary(dt=0.1, n_samples=128, n_replicates=2, init_tau=5.0)
    sol = dmft.solve_dmft(ns.Network(N=1, g=0.5, k=0.5), method, key=key, throw=False, max_steps=40)
    assert sol.status == ns.Status.collapsed and float(sol.C0) < 1e-4


def test_observables_closed_forms():
    lags = np.arange(4001) * 0.05
    a = 0.5
    f, S = dmft.spectrum(np.exp(-a * lags), lags)
    # Ĉ(f) = 2a/(a² + (2πf)²) for C = e^{−a|τ|}, so S = (a²/(a² + 4π²f²))²
    sel = f < 0.3
    np.testing.assert_allclose(S[sel], (a**2 / (a**2 + 4 * np.pi**2 * f[sel] ** 2)) ** 2, atol=2e-3)
    C = np.cos(2 * np.pi * 0.13 * lags + 0.4) * np.exp(-lags / 30)
    assert dmft.zero_crossing_frequency(C, lags) == pytest.approx(0.13, rel=1e-3)
    assert math.isnan(dmft.zero_crossing_frequency(np.exp(-lags), lags))


def test_bad_inputs():
    net = ns.Network(N=1, g=2.0, k=1.0)
    with pytest.raises(ValueError, match="dt"):
        dmft.Stationary(dt=-0.1)
    with pytest.raises(ValueError, match="n_samples"):
        dmft.Stationary(n_samples=100, n_batches=8)
    with pytest.raises(ValueError, match="alpha"):
        dmft.AndersonMixing(alpha=1.5)
    with pytest.raises(ValueError, match="safeguard=0.5"):
        dmft.AndersonMixing(safeguard=0.5)
    with pytest.raises(ValueError, match="method"):
        dmft.solve_dmft(net, "stationary", key=jr.key(0))
    with pytest.raises(ValueError, match="init"):
        dmft.solve_dmft(net, dmft.Stationary(init="scs"), key=jr.key(0))
    with pytest.raises(ValueError, match="k_crit|g"):
        dmft.k_crit(1.5)
    with pytest.raises(ValueError, match="k"):
        dmft.near_critical_C(1.05, 1.2, np.arange(3.0))
