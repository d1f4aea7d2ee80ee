"""Plasticity rules: formulas compiled to JAX, the registry, the Appendix-A variants in the simulator, and
autodiff through non-Hebbian rules (Jacobians, finite differences)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from typer.testing import CliRunner

import neurosyn as ns
import spectra
from neurosyn._integrators import TABLEAUS  # test-only: the Butcher tableau as an independent oracle
from phases.cli import app


def _state(key, N, scale_A=0.5):
    k_J, k_x, k_A = jr.split(key, 3)
    J = 2.0 * ns.sample_J0(k_J, N)
    return J, 1.2 * jr.normal(k_x, (N,)), scale_A * jr.normal(k_A, (N, N)) / N


def _tableau_step(net, J, x, A, dt, method="rk4"):
    """Textbook explicit RK applied to `vector_field` (the oracle for the structured step)."""
    a, b = TABLEAUS[method]
    ks = []
    for row in ((),) + tuple(a):
        xi = x + dt * sum(w * ks[j].x for j, w in enumerate(row)) if row else x
        Ai = A + dt * sum(w * ks[j].A for j, w in enumerate(row)) if row else A
        ks.append(ns.vector_field(net, J, ns.State(xi, Ai)))
    return x + dt * sum(w * k.x for w, k in zip(b, ks, strict=True)), A + dt * sum(
        w * k.A for w, k in zip(b, ks, strict=True)
    )


@eqx.filter_jit
def _run(net, J, x, A, n, dt=0.1):
    return jax.lax.fori_loop(0, n, lambda _, s: ns.rk_step(net, J, *s, dt, "rk4"), (x, A))


# --- formulas and the registry ---------------------------------------------------------------------------


def test_expression_equal_to_hebbian_gives_identical_trajectories(key):
    # Same f_post, f_pre as Hebbian → the same arithmetic: trajectories agree to rtol 1e-12 (in fact bitwise).
    J, x, A = _state(key, 40)
    heb = ns.Network(N=40, g=2.0, k=1.3, p=2.5)
    sym = ns.Network(N=40, g=2.0, k=1.3, p=2.5, rule=ns.Expression("post", "pre"))
    xh, Ah = _run(heb, J, x, A, 50)
    xs, As = _run(sym, J, x, A, 50)
    np.testing.assert_allclose(xs, xh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(As, Ah, rtol=1e-12, atol=1e-14)


def test_anti_hebbian_is_hebbian_with_k_flipped(key):
    J, x, A = _state(key, 30)
    xa, Aa = _run(ns.Network(N=30, g=2.0, k=1.5, p=2.5, rule=ns.AntiHebbian()), J, x, A, 20)
    xh, Ah = _run(ns.Network(N=30, g=2.0, k=-1.5, p=2.5), J, x, A, 20)
    np.testing.assert_allclose(xa, xh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Aa, Ah, rtol=1e-12, atol=1e-15)


def test_expression_values_and_sympy_input():
    import sympy

    r = ns.Expression("tanh(2*post)", sympy.Symbol("pre") - sympy.Rational(1, 5) * sympy.Symbol("pre") ** 3)
    v = jnp.linspace(-1, 1, 7)
    np.testing.assert_allclose(r.post(v), np.tanh(2 * np.asarray(v)), rtol=1e-14)
    np.testing.assert_allclose(r.pre(v), np.asarray(v) - 0.2 * np.asarray(v) ** 3, rtol=1e-14)
    np.testing.assert_array_equal(ns.Expression("1", "pre").post(v), np.ones(7))  # constants broadcast
    assert ns.Expression("post", "pre") == ns.Expression("phi", "pre")  # hashable/equal by formula
    assert hash(ns.Expression("post", "pre")) == hash(ns.Expression("post", "pre"))


@pytest.mark.parametrize(
    "f_pre, match",
    [
        ("pre + x", "unknown name 'x'"),
        ("pre - 0.2*", "could not be parsed|not a valid formula"),
        ("1/pre", "not finite at pre = 0"),
        ("log(pre)", "not finite"),
        ("__import__('os')", "unknown name"),
        ("pre; pre", "operator"),
        ("pre[0]", "operator"),
        ("", "empty"),
        ("pre == 1", "operator"),
    ],
)
def test_malformed_formulas_rejected(f_pre, match):
    with pytest.raises(ValueError, match=match):
        ns.Expression("post", f_pre)


def test_registry():
    assert ns.get_rule("hebbian") is ns.hebbian
    assert ns.parse_rule("stdp(d=2)") == ns.STDP(d=2.0)
    assert ns.parse_rule("Anti_Hebbian") == ns.AntiHebbian()
    assert ns.parse_rule("heterogeneous(alpha=4, beta=6)") == ns.Heterogeneous(alpha=4.0, beta=6.0)
    assert ns.parse_rule("no-decay(base='presynaptic')") == ns.NoDecay(base=ns.Presynaptic())
    assert ns.parse_rule("expression", f_pre="pre**3") == ns.Expression("post", "pre**3")
    for name in ns.RULES:
        assert isinstance(ns.get_rule(name), ns.Rule)
    with pytest.raises(ValueError, match="not a known rule; valid: hebbian"):
        ns.get_rule("hebian")
    with pytest.raises(ValueError, match="unknown parameters \\['delay'\\]; valid: d"):
        ns.get_rule("stdp", delay=1.0)
    with pytest.raises(ValueError, match="malformed"):
        ns.parse_rule("stdp(d=")
    with pytest.raises(ValueError, match="numbers or quoted strings"):
        ns.parse_rule("stdp(d=open('x'))")
    with pytest.raises(ValueError, match=r"d \(STDP delay\) must be > 0"):
        ns.parse_rule("stdp(d=-1)")


# --- variants in the simulator -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [ns.Expression("tanh(2*post)", "pre - 0.2*pre**3"), ns.Presynaptic(), ns.Covariance(), ns.NoDecay()],
)
def test_structured_step_is_the_rk4_tableau(key, rule):
    # The rank-one structured step (λ = 0 for NoDecay) against textbook RK4 on vector_field, to round-off.
    J, x, A = _state(key, 30)
    net = ns.Network(N=30, g=2.0, k=1.1, p=2.5, rule=rule)
    x1, A1 = ns.rk_step(net, J, x, A, 0.1, "rk4")
    x2, A2 = _tableau_step(net, J, x, A, 0.1)
    np.testing.assert_allclose(x1, x2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(A1, A2, rtol=1e-11, atol=1e-14)


def test_per_synapse_p_reduces_to_scalar_p(key):
    # A constant [N, N] array p takes the generic path and must equal the structured scalar-p step.
    J, x, A = _state(key, 25)
    net = ns.Network(N=25, g=2.0, k=1.2, p=2.5)
    net_arr = ns.Network(N=25, g=2.0, k=1.2, p=jnp.full((25, 25), 2.5))
    for _ in range(10):
        x1, A1 = ns.rk_step(net, J, x, A, 0.1, "rk4")
        x2, A2 = ns.rk_step(net_arr, J, x, A, 0.1, "rk4")
        x, A = x1, A1
        np.testing.assert_allclose(x2, x1, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(A2, A1, rtol=1e-12, atol=1e-15)


def test_heterogeneous_p_law_and_validation(key):
    rule = ns.Heterogeneous(alpha=4.0, beta=6.0)
    p = np.asarray(rule.sample_p(key, 300))
    # inverse gamma: E p = β/(α−1) = 2, Var p = β²/((α−1)²(α−2)) = 2; the mean of 9e4 draws has sd ≈ 0.005
    assert abs(p.mean() - 2.0) < 0.03 and abs(p.var() - 2.0) < 0.3
    J, x, A = _state(key, 300)
    net = ns.Network(N=300, g=2.0, k=1.0, p=p, rule=rule)
    dA = ns.vector_field(net, J, ns.State(x, A)).A
    phi = np.tanh(np.asarray(x))
    np.testing.assert_allclose(dA, (np.outer(phi, phi) / 300 - np.asarray(A)) / p, rtol=1e-12, atol=1e-15)
    bad = p.copy()
    bad[3, 4] = -1.0
    with pytest.raises(ValueError, match="p"):
        ns.Network(N=300, g=2.0, k=1.0, p=bad, rule=rule)


def test_no_decay_is_the_large_p_limit(key):
    # Hebbian with k = k̃·p tends to NoDecay with k̃ as p → ∞; the difference is first order in 1/p, so it
    # shrinks tenfold per decade of p (ratio in [7, 13]) and is < 1e-3 at p = 1e4 over T = 5.
    J, x0, _ = _state(key, 40)
    A0 = jnp.zeros((40, 40))

    def run(net):
        return np.asarray(_run(net, J, x0, A0, 50)[0])

    ref = run(ns.Network(N=40, g=2.0, k=0.8, p=2.5, rule=ns.NoDecay()))
    errs = [np.max(np.abs(run(ns.Network(N=40, g=2.0, k=0.8 * p, p=p)) - ref)) for p in (1e3, 1e4)]
    assert errs[1] < 1e-3
    assert 7 < errs[0] / errs[1] < 13


def test_stdp_antisymmetric_and_convergent(key):
    # (1 + p∂t) A = (k/N)(φ φ_dᵀ − φ_d φᵀ) keeps A antisymmetric. The history before t = 0 is φ(x(0)), so φ_d
    # has a kink at t = d: the interpolated midpoint is O(dt) wrong on the two steps whose stencil straddles
    # it, which limits the global error to O(dt²) (measured ratio ≈ 4.8 against the dt/4 run, where order 2
    # predicts 5). A history slot off by one is the model with delay d ± dt, an O(dt) error: ratio ≤ 3.
    # So the ratio must exceed 4.
    N = 20
    net = ns.Network(N=N, g=2.0, k=2.0, p=2.5, rule=ns.STDP(d=0.4))
    rec = ns.Record(dt=0.2, units=(), tau_max=0.0)
    J0 = ns.sample_J0(key, N)
    x0 = jr.normal(jr.fold_in(key, 1), (N,))
    runs = {
        dt: ns.simulate(net, 6.0, key=key, dt=dt, t_burn=0.0, record=rec, J0=J0, x0=x0).state
        for dt in (0.1, 0.05, 0.025)
    }
    A = np.asarray(runs[0.025].A)
    assert np.max(np.abs(A)) > 1e-3
    np.testing.assert_allclose(A, -A.T, atol=1e-14)
    e1 = np.max(np.abs(runs[0.1].x - runs[0.025].x))
    e2 = np.max(np.abs(runs[0.05].x - runs[0.025].x))
    assert e1 / e2 > 4
    with pytest.raises(ValueError, match="multiple of dt"):
        ns.simulate(net, 6.0, key=key, dt=0.3, record=ns.Record(dt=0.3))
    with pytest.raises(ValueError, match="phi_delayed|delayed activity"):
        ns.vector_field(net, J0, ns.State(x0, jnp.zeros((N, N))))


def test_presynaptic_input_is_constant(key):
    # Eqs. A5–A7: with f_post ≡ 1 every row of A is the same, so the plastic input (Aφ)_i is the same for all
    # i, and in the stationary state it is I = (k/p) ∫ e^{−τ/p} C(τ) dτ with C the simulated autocorrelation.
    # N = 300: I is estimated from one network; its time fluctuations and finite-N corrections are O(1/√N)
    # relative (≈ 6 %), so the tolerance is 15 %. The input's spread across neurons is exactly zero.
    N, k, p = 300, 1.0, 2.5
    net = ns.Network(N=N, g=2.0, k=k, p=p, rule=ns.Presynaptic())
    sim = ns.simulate(net, 250.0, key=key, t_burn=100.0, record=ns.Record(dt=0.2, units=(), tau_max=40.0))
    A, phi = np.asarray(sim.state.A), np.tanh(np.asarray(sim.state.x))
    inp = A @ phi
    assert np.ptp(inp) < 1e-12 * np.max(np.abs(inp))
    lags, C = np.asarray(sim.lags), np.asarray(sim.C)
    I_theory = k / p * np.trapezoid(np.exp(-lags / p) * C, lags)
    assert I_theory > 0.1
    I_sim = np.mean([np.mean(A @ np.tanh(np.asarray(sim.state.x)))])
    assert abs(I_sim - I_theory) < 0.15 * I_theory


# --- autodiff through general rules ------------------------------------------------------------------------


def test_jacobians_for_a_non_hebbian_rule(key):
    # Jacobian tools differentiate vector_field, so a formula rule works there: the full (N + N²) Jacobian has
    # −1/p with multiplicity N² − N and its other 2N eigenvalues are those of the reduced one (§5.2; N = 5,
    # atol 1e-8); and jacfwd of vector_field agrees with central finite differences (h = 1e-5, error ~h²).
    N, p = 5, 2.5
    net = ns.Network(N=N, g=2.0, k=1.4, p=p, rule=ns.Expression("tanh(2*post)", "pre - 0.3*pre**3"))
    J, x, A = _state(key, N)
    state = ns.State(x, A)
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, J, state)))
    assert np.sum(np.abs(full + 1 / p) < 1e-8) == N * N - N
    rest = full[np.abs(full + 1 / p) >= 1e-8]
    red = np.linalg.eigvals(np.asarray(spectra.reduced_jacobian(net, J, state)))
    d = np.abs(rest[:, None] - red[None, :])
    assert np.max(np.min(d, axis=1)) < 1e-8 and np.max(np.min(d, axis=0)) < 1e-8

    def flat(z):
        s = ns.vector_field(net, J, ns.State(z[:N], z[N:].reshape(N, N)))
        return jnp.concatenate([s.x, s.A.ravel()])

    z = jnp.concatenate([x, A.ravel()])
    jac = np.asarray(jax.jacfwd(flat)(z))
    h = 1e-5
    fd = np.stack(
        [(flat(z.at[i].add(h)) - flat(z.at[i].add(-h))) / (2 * h) for i in range(0, N + N * N, 3)], 1
    )
    np.testing.assert_allclose(jac[:, ::3], fd, atol=1e-8)


# --- CLI ---------------------------------------------------------------------------------------------------


def test_cli_rule_options():
    runner = CliRunner()
    base = ["simulate", "--N", "40", "--T", "20", "--t-burn", "5", "--dt", "0.1", "--json", "--quiet"]
    res = runner.invoke(app, [*base, "--rule", "stdp", "--rule-param", "d=0.4"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "STDP(d=0.4)" in res.output
    res = runner.invoke(app, [*base, "--f-pre", "pre - 0.2*pre**3"], catch_exceptions=False)
    assert res.exit_code == 0 and "-0.2*pre**3 + pre" in res.output
    res = runner.invoke(app, [*base, "--f-pre", "pre + y"])
    assert res.exit_code != 0 and "unknown name 'y'" in res.output
    res = runner.invoke(app, [*base, "--rule", "nope"])
    assert res.exit_code != 0 and "not a known rule" in res.output
