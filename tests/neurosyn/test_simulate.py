"""Oracles for the finite-size simulator (neurosyn/_simulate.py, _integrators.py, _schedule.py)."""

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.optimize

import neurosyn as ns
from neurosyn._integrators import TABLEAUS

# SCS reference values at g = 2 (model.md §2.4): Var x = Δ0 and C(0) = <φ²>.
SCS_G2 = {"var_x": 1.925, "C0": 0.513}


def _generic_rk(net, J, state, dt, method, plastic):
    """The textbook RK step: the Butcher tableau applied to `vector_field` on the whole (x, A) pytree."""
    a, b = TABLEAUS[method]
    ks = []
    for row in ((),) + tuple(a):
        stage = jax.tree.map(
            lambda y, *k, row=row: y + dt * sum(w * kj for w, kj in zip(row, k, strict=True)),
            state,
            *ks[: len(row)],
        )
        ks.append(ns.vector_field(net, J, stage, plastic))
    return jax.tree.map(lambda y, *k: y + dt * sum(w * kj for w, kj in zip(b, k, strict=True)), state, *ks)


@pytest.mark.parametrize("method", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("plastic", [1.0, 0.0])
def test_structured_step_equals_generic_rk(key, method, plastic):
    # The rank-one fast path must be the same RK map as the tableau applied to the vector field.
    kJ, kx, kA = jr.split(key, 3)
    net = ns.Network(N=9, g=1.7, k=-1.3, p=2.5)
    J = ns.sample_couplings(net, kJ)
    state = ns.State(jr.normal(kx, (9,)), 0.2 * jr.normal(kA, (9, 9)))
    x, A = ns.rk_step(net, J, state.x, state.A, 0.1, method, plastic)
    ref = _generic_rk(net, J, state, 0.1, method, plastic)
    np.testing.assert_allclose(x, ref.x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(A, ref.A, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", ["euler", "heun", "rk4"])
def test_convergence_order(key, method):
    # log-error against log-dt has slope = order (within 0.3), reference from RK4 at dt = 2^-11.
    net = ns.Network(N=12, g=1.5, k=1.0, p=2.5)
    T = 1.0
    rec = ns.Record(dt=T, units=(), tau_max=0.0)
    run = lambda dt, m: ns.simulate(net, T, key=key, dt=dt, method=m, record=rec, t_burn=0.0).state
    ref = run(2.0**-11, "rk4")
    dts = 2.0 ** -np.arange(2, 8) if method != "rk4" else 2.0 ** -np.arange(2, 6)
    errs = []
    for dt in dts:
        s = run(dt, method)
        errs.append(float(jnp.sqrt(jnp.sum((s.x - ref.x) ** 2) + jnp.sum((s.A - ref.A) ** 2))))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert abs(slope - ns.ORDER[method]) < 0.3, (method, slope, errs)


def test_scs_values_at_k0(key):
    # k = 0 is the classical network: Var x and C(0) at g = 2 match SCS (1.925, 0.513).
    # Tolerance: 3 standard errors of the mean over 4 networks, from a measured seed-to-seed spread at
    # N = 500, T = 200 after burn-in (sd 0.08 for Var x, 0.008 for C(0)), which covers the O(1/N) bias too.
    net = ns.Network(N=500, g=2.0, k=0.0)
    sim = ns.simulate(
        net,
        250.0,
        key=key,
        dt=0.1,
        t_burn=50.0,
        n_networks=4,
        record=ns.Record(dt=0.5, units=(), tau_max=10.0),
    )
    assert abs(float(jnp.mean(sim.var_x)) - SCS_G2["var_x"]) < 3 * 0.08 / 2
    assert abs(float(jnp.mean(sim.C0)) - SCS_G2["C0"]) < 3 * 0.008 / 2
    np.testing.assert_allclose(sim.C[:, 0], sim.C0)


def test_A_stays_symmetric(key):
    net = ns.Network(N=50, g=2.0, k=1.5, p=2.5)
    sim = ns.simulate(net, 40.0, key=key, dt=0.05, t_burn=0.0, record=ns.Record(dt=1.0, units=(), tau_max=0))
    A = sim.state.A
    assert float(jnp.max(jnp.abs(A))) > 1e-3  # A did evolve
    assert float(jnp.max(jnp.abs(A - A.T))) <= 1e-13 * float(jnp.max(jnp.abs(A)))


def test_joint_fixed_point_of_vector_field(key):
    # Oracle: scipy solves the N-dim equation x = Jφ + (k‖φ‖²/N)φ without the vector field; then
    # (x*, kφφᵀ/N) must be a zero of the joint vector field.
    N, g, k = 20, 0.5, 3.0
    net = ns.Network(N=N, g=g, k=k, p=2.5)
    J = np.asarray(ns.sample_couplings(net, key))
    x0 = 1.5 * np.sign(np.asarray(jr.normal(jr.fold_in(key, 1), (N,))))
    f = lambda x: x - J @ np.tanh(x) - k * np.mean(np.tanh(x) ** 2) * np.tanh(x)
    sol = scipy.optimize.root(f, x0, method="hybr", options={"xtol": 1e-13})
    assert np.max(np.abs(f(sol.x))) < 1e-12
    state = ns.fixed_point_state(net, jnp.asarray(sol.x))
    np.testing.assert_allclose(state.A, k * np.outer(np.tanh(sol.x), np.tanh(sol.x)) / N, rtol=1e-14)
    F = ns.vector_field(net, jnp.asarray(J), state)
    assert float(jnp.max(jnp.abs(F.x))) < 1e-11 and float(jnp.max(jnp.abs(F.A))) < 1e-13
    assert float(ns.participation_ratio(state.A)) == pytest.approx(1.0, abs=1e-12)


def test_halted_A_is_constant(key):
    kA, kr = jr.split(key)
    net = ns.Network(N=30, g=2.0, k=2.0)
    B = jr.normal(kA, (30, 30)) / 30
    A0 = B + B.T
    sim = ns.simulate(
        net,
        20.0,
        key=kr,
        dt=0.1,
        t_burn=0.0,
        A0=A0,
        schedule=ns.Schedule((ns.Halt(0.0),)),
        record=ns.Record(dt=1.0, units=(), tau_max=0),
    )
    assert float(jnp.max(jnp.abs(sim.state.A - A0))) == 0.0
    # releasing lets A move again
    sim2 = ns.simulate(
        net,
        20.0,
        key=kr,
        dt=0.1,
        t_burn=0.0,
        A0=A0,
        schedule=ns.Schedule((ns.Halt(0.0), ns.Release(10.0))),
        record=ns.Record(dt=1.0, units=(), tau_max=0),
    )
    assert float(jnp.max(jnp.abs(sim2.state.A - A0))) > 1e-3


def test_clamp_perturb_shuffle(key):
    net = ns.Network(N=40, g=2.0, k=1.0)
    rec = ns.Record(dt=0.5, units=(0, 1, 2), tau_max=0)
    base = ns.simulate(net, 20.0, key=key, dt=0.1, t_burn=0.0, record=rec)
    clamped = ns.simulate(
        net,
        20.0,
        key=key,
        dt=0.1,
        t_burn=0.0,
        record=rec,
        schedule=ns.Schedule((ns.Clamp(5.0, 10.0, value=0.25),)),
    )
    t = np.asarray(clamped.t)
    inside = (t > 5.0) & (t < 10.0)
    np.testing.assert_array_equal(np.asarray(clamped.x)[inside], 0.25)
    np.testing.assert_allclose(np.asarray(clamped.x)[t < 5.0], np.asarray(base.x)[t < 5.0])
    kicked = ns.simulate(
        net,
        20.0,
        key=key,
        dt=0.1,
        t_burn=0.0,
        record=rec,
        schedule=ns.Schedule((ns.Perturb(10.0, size=1e-3),)),
    )
    before, after = t < 10.0 - 1e-9, t > 10.0 + 1e-9
    np.testing.assert_allclose(np.asarray(kicked.x)[before], np.asarray(base.x)[before])
    assert np.max(np.abs(np.asarray(kicked.x)[after] - np.asarray(base.x)[after])) > 1e-5
    shuffled = ns.simulate(
        net, 20.0, key=key, dt=0.1, t_burn=0.0, record=rec, schedule=ns.Schedule((ns.ShuffleJ(10.0),))
    )
    np.testing.assert_allclose(np.sort(np.ravel(shuffled.J)), np.sort(np.ravel(base.J)))
    assert float(jnp.max(jnp.abs(shuffled.J - base.J))) > 0.1


def test_vmap_over_seeds_equals_loop(key):
    net = ns.Network(N=30, g=1.8, k=0.7)
    rec = ns.Record(dt=0.5, units=(0, 5), tau_max=5.0)
    batch = ns.simulate(net, 30.0, key=key, dt=0.1, t_burn=10.0, n_networks=3, record=rec)
    for i, k in enumerate(jr.split(key, 3)):
        one = ns.simulate(net, 30.0, key=k, dt=0.1, t_burn=10.0, record=rec)
        np.testing.assert_allclose(batch.x[i], one.x, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(batch.C[i], one.C, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(batch.var_x[i], one.var_x, rtol=1e-12)


def test_online_C_matches_offline(key):
    # C(τ) accumulated online from the ring buffer equals the estimate from the stored full trajectory.
    N = 16
    net = ns.Network(N=N, g=2.0, k=0.5)
    rec = ns.Record(dt=0.5, units=tuple(range(N)), tau_max=3.0)
    sim = ns.simulate(net, 30.0, key=key, dt=0.1, t_burn=10.0, record=rec)
    phi = np.tanh(np.asarray(sim.x))
    keep = np.asarray(sim.t) >= 10.0 - 1e-9
    phi = phi[keep]
    C = [np.mean(np.sum(phi[m:] * phi[: len(phi) - m], axis=1) / N) for m in range(7)]
    np.testing.assert_allclose(sim.C, C, rtol=1e-12)
    np.testing.assert_allclose(sim.var_x, np.mean(np.asarray(sim.x2)[keep]), rtol=1e-12)


def test_float32_matches_float64_statistics(key):
    # One key gives the same network in both precisions; chaos decorrelates the paths, so compare time
    # averages: they must agree within the seed-to-seed spread of test_scs_values_at_k0 (sd 0.008 for C(0),
    # 0.08 for Var x at N = 500). Measured |ΔC(0)| between precisions: sd 0.0009 over 8 networks.
    net = ns.Network(N=500, g=2.0, k=0.0)
    rec = ns.Record(dt=0.5, units=(), tau_max=0.0)
    s64 = ns.simulate(net, 120.0, key=key, dt=0.1, t_burn=40.0, record=rec)
    s32 = ns.simulate(net, 120.0, key=key, dt=0.1, t_burn=40.0, record=rec, dtype="float32")
    assert s32.state.x.dtype == jnp.float32
    assert abs(float(s32.C0) - float(s64.C0)) < 0.008
    assert abs(float(s32.var_x) - float(s64.var_x)) < 0.08


def test_settles_to_nonzero_fixed_point_and_to_zero(key):
    # g = 0.5, k = 3: strong Hebbian plasticity above the g = 0 onset 2.017 -> a nonzero fixed point
    # where A has rank one (PR_A = 1). g = 0.5, k = 0: the trivial fixed point is globally attracting.
    rec = ns.Record(dt=1.0, units=(), tau_max=0)
    # Start with A already aligned to x0 so plasticity is not outrun by the decay of x.
    net = ns.Network(N=60, g=0.5, k=3.0)
    x0 = 2.0 * jr.normal(key, (60,))
    fp = ns.simulate(
        net, 200.0, key=key, dt=0.1, t_burn=0.0, record=rec, x0=x0, A0=ns.fixed_point_state(net, x0).A
    )
    assert bool(fp.settled()) and not bool(fp.quiescent())
    assert float(fp.pr_A[-1]) == pytest.approx(1.0, abs=1e-6)
    zero = ns.simulate(ns.Network(N=60, g=0.5, k=0.0), 100.0, key=key, dt=0.1, t_burn=0.0, record=rec)
    assert bool(zero.settled()) and bool(zero.quiescent())
    assert np.isfinite(zero.t_settle())


def test_nonfinite_state_reports_status(key):
    net = ns.Network(N=10, g=2.0, k=1.0)
    with pytest.warns(ns.NeurosynWarning, match="non-finite"):
        sim = ns.simulate(
            net,
            5.0,
            key=key,
            dt=0.1,
            t_burn=0.0,
            x0=jnp.full(10, jnp.nan),
            record=ns.Record(dt=1.0, units=(), tau_max=0),
        )
    assert sim.status == ns.Status.nonfinite and not bool(sim.converged)


def test_deformation_reaches_dynamic_state_below_g1(key):
    # Marker (iv) of Fig. 1b: g = 0.85, k = 1.75 lies above k_crit(0.85), where plasticity sustains activity
    # that random initial conditions rarely reach; deformation from g = 1.4 carries the state there.
    net = ns.Network(N=200, g=0.85, k=1.75)
    state, J0 = ns.deform(net, key=key, t_step=40.0, g_step=0.1)
    assert float(jnp.sqrt(jnp.mean(state.x**2))) > 0.3
    sim = ns.simulate(
        net,
        50.0,
        key=key,
        x0=state.x,
        A0=state.A,
        J0=J0,
        t_burn=0.0,
        record=ns.Record(dt=1.0, units=(), tau_max=0),
    )
    assert not bool(sim.quiescent()) and not bool(sim.settled())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(N=-3, g=1.0, k=0.0), "N"),
        (dict(N=10, g=1.0, k=0.0, p=0.0), "p"),
        (dict(N=10, g=float("nan"), k=0.0), "g"),
        (dict(N=10, g=-1.0, k=0.0), "g"),
        (dict(N=10, g=1.0, k=float("inf")), "k"),
    ],
)
def test_bad_network_parameters(kwargs, match):
    with pytest.raises(ValueError, match=rf"{match} \("):
        ns.Network(**kwargs)


def test_bad_simulation_options(key):
    net = ns.Network(N=10, g=1.0, k=0.0)
    with pytest.raises(ValueError, match="method='midpoint'.*'euler', 'heun', 'rk4'"):
        ns.simulate(net, 10.0, key=key, method="midpoint")
    with pytest.raises(ValueError, match="dtype='float16'"):
        ns.simulate(net, 10.0, key=key, dtype="float16")
    with pytest.raises(ValueError, match="T"):
        ns.simulate(net, -1.0, key=key)
    with pytest.raises(ValueError, match="record.dt"):
        ns.simulate(net, 10.0, key=key, dt=0.3, record=ns.Record(dt=0.5))
    with pytest.raises(ValueError, match="t_burn"):
        ns.simulate(net, 10.0, key=key, t_burn=20.0)
    with pytest.raises(ValueError, match="x0 has shape"):
        ns.simulate(net, 10.0, key=key, x0=jnp.zeros(7))


def test_tau_star_of_a_batch_shares_the_lag_grid():
    # C = e^{−τ/3}: τ* = ∫ e^{−2τ/3} dτ = 1.5 (trapezoid step 0.2: error h²/12·(2/3) = 2.2e-3, rel 1.5e-3);
    # a batch of runs carries one lag grid per run and must give the same value per run.
    lags = jnp.arange(300) * 0.2
    C = jnp.exp(-lags / 3.0)
    assert float(ns.tau_star(C, lags)) == pytest.approx(1.5, rel=2e-3)
    batch = ns.tau_star(jnp.stack([C, 0.5 * C]), jnp.stack([lags, lags]))
    np.testing.assert_allclose(np.asarray(batch), float(ns.tau_star(C, lags)), rtol=1e-12)
    T = float(ns.pr_A_theory(C, lags, 2.5))
    np.testing.assert_allclose(np.asarray(ns.pr_A_theory(jnp.stack([C, C]), jnp.stack([lags, lags]), 2.5)), T)


def test_simulated_tau_star_warns_when_the_lag_window_truncates_it():
    # Oracle: C = e^{−τ/3} recorded to τ_max gives τ* = 1.5 (1 − e^{−2τ_max/3}). To τ_max = 3 (C/C(0) = 0.37
    # at the last lag) that is 1.297 and a WindowWarning; to τ_max = 30 (4.5e-5) 1.5 and no warning.
    net = ns.Network(N=10, g=0.5, k=0.0, p=2.5)
    sim = ns.simulate(net, 4.0, key=jr.key(0), t_burn=0.0, record=ns.Record(dt=0.2, units=(), tau_max=0.0))
    for tau_max, expected in ((3.0, 1.5 * (1 - np.exp(-2.0))), (30.0, 1.5)):
        lags = jnp.arange(round(tau_max / 0.2) + 1) * 0.2
        sim = eqx.tree_at(lambda s: (s.lags, s.C), sim, (lags, 0.4 * jnp.exp(-lags / 3.0)))
        if tau_max < 10:
            with pytest.warns(ns.WindowWarning, match="lower bound; raise Record.tau_max"):
                tau = float(sim.tau_star)
        else:
            tau = float(sim.tau_star)  # filterwarnings = error: a warning here fails
        assert tau == pytest.approx(expected, rel=3e-3)
    # a batch warns when any network is cut; a silent network (C = 0) and a single lag (τ_max = 0) do not
    lags = jnp.arange(16) * 0.2
    sim = eqx.tree_at(lambda s: (s.lags, s.C), sim, (lags, jnp.stack([jnp.exp(-lags / 3.0), jnp.zeros(16)])))
    # the check is the rms of C/C(0) over the last 10 % of lags (here two: τ = 2.8, 3): 0.381
    with pytest.warns(ns.WindowWarning, match="0.38 over the last 10 % of the recorded lags, up to τ = 3 "):
        tau = np.asarray(sim.tau_star)
    assert tau[0] == pytest.approx(1.5 * (1 - np.exp(-2.0)), rel=3e-3) and np.isnan(tau[1])
    sim = eqx.tree_at(lambda s: (s.lags, s.C), sim, (lags[:1], jnp.ones((2, 1))))
    assert np.all(np.asarray(sim.tau_star) == 0.0)  # no warning: filterwarnings = error


def test_phi_mean_and_the_sign_symmetry_of_rules(key):
    # Oracle: φ_i averaged by hand over the recorded x of every unit at the record times t ≥ t_burn (the
    # times C(τ) and C0 average over). Presynaptic (f_post ≡ 1) breaks x → −x and has a plateau; the Hebbian
    # rule keeps the symmetry, and q = 0 as in the DMFT.
    N, t_burn = 40, 20.0
    rec = ns.Record(dt=0.2, units=tuple(range(N)), tau_max=4.0)
    assert ns.hebbian.sign_symmetric() and ns.Expression("post", "pre - 0.2*pre**3").sign_symmetric()
    assert not ns.Presynaptic().sign_symmetric() and not ns.Expression("1 + post", "pre").sign_symmetric()
    for rule in (ns.Presynaptic(), ns.hebbian):
        net = ns.Network(N=N, g=2.0, k=1.0, p=2.5, rule=rule)
        sim = ns.simulate(net, 60.0, key=key, t_burn=t_burn, record=rec)
        after = np.asarray(sim.t) >= t_burn - 1e-9
        by_hand = np.tanh(np.asarray(sim.x)[after]).mean(axis=0)
        np.testing.assert_allclose(np.asarray(sim.phi_mean), by_hand, rtol=1e-10, atol=1e-13)
        assert sim.sign_symmetric == rule.sign_symmetric()
        if rule.sign_symmetric():
            assert float(sim.q) == 0.0
        else:  # a plateau well above its O(τ*/T) noise floor
            assert float(sim.q) > 0.05


def test_plateau_removes_the_variance_of_the_time_means(key):
    # Oracle: AR(1) units x_i(t) = μ_i + e_i(t), e_i(t+1) = a e_i(t) + √(1 − a²) σ ξ, with known frozen means
    # μ_i ~ N(0, 0.3²): q = (1/N) Σ μ_i² exactly. The squared time means over n = 1000 records exceed it by
    # Var(m_i) = σ²(1 + a)/((1 − a) n) ≈ 0.0098 (a = 0.95, σ = 0.5; sd of the estimators ≈ 0.0013 over
    # N = 2000 units): `Simulation.q` must land within 0.004 of the exact q, and the plain mean of m_i² must
    # not (it is off by 7σ). C(l) is estimated by hand from the same series, over the n − l overlapping pairs.
    N, n, a, sigma, L = 2000, 1000, 0.95, 0.5, 151
    k1, k2, k3 = jr.split(key, 3)
    mu = 0.3 * np.asarray(jr.normal(k1, (N,)))
    xi = np.asarray(jr.normal(k3, (n, N)))
    e = np.empty((n, N))
    e[0] = sigma * np.asarray(jr.normal(k2, (N,)))
    for t in range(1, n):
        e[t] = a * e[t - 1] + math.sqrt(1 - a * a) * sigma * xi[t]
    x = mu + e
    C = np.array([np.mean(x[: n - l] * x[l:]) for l in range(L)])
    net = ns.Network(N=10, g=0.5, k=0.0, p=2.5, rule=ns.Presynaptic())
    sim = ns.simulate(net, 4.0, key=jr.key(0), t_burn=0.0, record=ns.Record(dt=0.2, units=(), tau_max=0.0))
    sim = eqx.tree_at(
        lambda s: (s.lags, s.C, s.phi_mean),
        sim,
        (jnp.arange(L) * 0.2, jnp.asarray(C), jnp.asarray(x.mean(0))),
    )
    sim = dataclasses.replace(sim, n_avg=n)
    q_exact, q_plain = float(np.mean(mu**2)), float(np.mean(x.mean(axis=0) ** 2))
    assert abs(float(sim.q) - q_exact) < 0.004, (float(sim.q), q_exact, q_plain)
    assert q_plain - q_exact > 0.004
    # the same records with all n lags: only l < n/4 enter (the denominator stays ≥ 1/2), the same q
    long = np.array([np.mean(x[: n - l] * x[l:]) for l in range(n)])
    full = dataclasses.replace(
        eqx.tree_at(lambda s: (s.lags, s.C), sim, (jnp.arange(n) * 0.2, long)), n_avg=n
    )
    assert abs(float(full.q) - q_exact) < 0.004


def test_simulated_tau_star_is_connected_for_a_plateau_rule():
    # Oracle: C = q + 0.4 e^{−τ/3} with q = 0.3 recorded to τ = 30, over 10⁵ records (the variance correction
    # of `q` is then ~0.3 %). A rule that breaks x → −x integrates (C − q)² and gets τ* = 1.5 without a
    # warning; a sign-symmetric rule sees C/C(0) = 0.43 in the tail and warns.
    lags = jnp.arange(151) * 0.2
    for rule in (ns.Presynaptic(), ns.hebbian):
        net = ns.Network(N=10, g=0.5, k=0.0, p=2.5, rule=rule)
        sim = ns.simulate(
            net, 4.0, key=jr.key(0), t_burn=0.0, record=ns.Record(dt=0.2, units=(), tau_max=0.0)
        )
        sim = eqx.tree_at(
            lambda s: (s.lags, s.C, s.phi_mean),
            sim,
            (lags, 0.3 + 0.4 * jnp.exp(-lags / 3.0), jnp.full(10, math.sqrt(0.3))),
        )
        sim = dataclasses.replace(sim, n_avg=100_000)
        if rule.sign_symmetric():
            with pytest.warns(ns.WindowWarning, match="0.43 over the last 10 % of the recorded lags"):
                tau = float(sim.tau_star)
            assert tau > 2.0 * 1.5  # the plateau's square, integrated to τ = 30
        else:
            assert float(sim.q) == pytest.approx(0.3, rel=5e-3)
            assert float(sim.tau_star) == pytest.approx(1.5, rel=1e-2)  # no warning: filterwarnings = error
