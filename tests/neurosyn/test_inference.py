"""Plasticity-rule inference: rule families, forward models, gradients, and recovery of known rules.

Oracles: naive numpy monomial sums and Oja loops (round-off), central finite differences for the
gradient through
the checkpointed scan, `neurosyn.rk_step` for the recurrent forward model, and ground-truth rules /
(k, p) that
generated the synthetic data (tolerances stated at each assert, calibrated on two seeds with margin).
"""

import itertools

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import neurosyn as ns


def _naive_taylor(theta, pre, post, w, r=None):
    out = 0.0
    n = 4 if r is not None else 3
    for i, e in enumerate(itertools.product(range(3), repeat=n)):
        term = theta[i] * pre ** e[0] * post ** e[1] * w ** e[2]
        out = out + (term * r ** e[3] if n == 4 else term)
    return out


@pytest.mark.parametrize("reward", [False, True])
def test_taylor_rule_matches_naive_sum(key, reward):
    n = 81 if reward else 27
    theta = np.asarray(jr.normal(key, (n,)))
    rng = np.random.default_rng(0)
    pre, post, w = rng.normal(size=(1, 6)), rng.normal(size=(4, 1)), rng.normal(size=(4, 6))
    r = 0.7 if reward else None
    got = ns.TaylorRule(theta, reward=reward)(pre, post, w, r)
    # the contraction is a reordering of the same sum: round-off only
    np.testing.assert_allclose(got, _naive_taylor(theta, pre, post, w, r), rtol=1e-12, atol=1e-12)


def test_taylor_names_and_oja_closed_form():
    names = ns.taylor_names()
    assert len(names) == 27 == len(set(names)) and len(set(ns.taylor_names(reward=True))) == 81
    assert names[0] == "1" and "pre*post" in names and "post^2*w" in names and "pre^2*post^2*w^2" in names
    oja = ns.TaylorRule.oja()
    assert oja.coefficients()["pre*post"] == 1.0 and oja.coefficients()["post^2*w"] == -1.0
    rng = np.random.default_rng(1)
    x, y, w = rng.normal(size=(1, 5)), rng.normal(size=(3, 1)), rng.normal(size=(3, 5))
    np.testing.assert_allclose(oja(x, y, w), x * y - y**2 * w, rtol=1e-13, atol=1e-13)  # Oja: xy − y²w


def test_mlp_rule_matches_numpy_and_is_bounded(key):
    rule = ns.MLPRule(key=key, init_scale=3.0)
    rng = np.random.default_rng(2)
    pre, post, w = rng.normal(size=(1, 5)), rng.normal(size=(3, 1)), rng.normal(size=(3, 5))
    got = np.asarray(rule(pre, post, w))
    z = np.stack(np.broadcast_arrays(pre, post, w), axis=-1)
    h = z @ np.asarray(rule.W1).T + np.asarray(rule.b1)
    h = np.where(h > 0, h, 0.01 * h)  # leaky ReLU, slope 0.01
    np.testing.assert_allclose(got, np.tanh(h @ np.asarray(rule.w2) + float(rule.b2)), rtol=1e-12, atol=1e-12)
    assert got.shape == (3, 5) and np.all(np.abs(got) < 1)


def test_plastic_layer_matches_numpy_oja_loop(key):
    kx, kw = jr.split(key)
    X = np.asarray(jr.normal(kx, (40, 8)))
    W0 = np.asarray(jr.normal(kw, (3, 8))) / np.sqrt(8)
    Y, W = ns.PlasticLayer("linear").simulate(ns.TaylorRule.oja(), W0, X)
    Wn, eta = W0.copy(), 1 / 8
    for t in range(40):
        np.testing.assert_allclose(W[t], Wn, rtol=1e-12, atol=1e-12)
        y = Wn @ X[t]
        np.testing.assert_allclose(Y[t], y, rtol=1e-12, atol=1e-12)
        Wn = Wn + eta * (np.outer(y, X[t]) - (y**2)[:, None] * Wn)


def test_gradient_through_checkpointed_scan_matches_finite_differences(key):
    data = ns.synthetic_oja(key=key, n_traj=2, T=30, N_in=20, N_out=2)
    layer = ns.PlasticLayer()
    theta0 = 0.05 * np.asarray(jr.normal(jr.fold_in(key, 1), (27,)))

    def loss(theta, checkpoint):
        Y, _ = jax.vmap(lambda w0, x: layer.simulate(ns.TaylorRule(theta), w0, x, checkpoint=checkpoint))(
            data.W0, data.X
        )
        return jnp.mean((Y - data.Y) ** 2)

    g = jax.grad(loss)(jnp.asarray(theta0), True)
    np.testing.assert_allclose(g, jax.grad(loss)(jnp.asarray(theta0), False), rtol=1e-12, atol=1e-14)
    h = 1e-5
    for i in (0, 7, 12, 26):  # "1", "post^2*w", "pre*post", "pre^2*post^2*w^2"
        e = np.zeros(27)
        e[i] = h
        fd = (loss(theta0 + e, True) - loss(theta0 - e, True)) / (2 * h)
        # central difference error O(h²·L''') ≈ 1e-10, far below the 1e-6 relative tolerance
        np.testing.assert_allclose(g[i], fd, rtol=1e-6, atol=1e-10)


def test_recurrent_model_matches_neurosyn_rk_step(key):
    data = ns.synthetic_recurrent(key=key, N=12, T=5.0, n_traj=1)
    x0, A0 = data.x_true[0, 0], jnp.zeros((12, 12))
    for rule in (ns.hebbian_taylor(), None):  # elementwise Taylor path and the rank-one rk_step path
        xs = ns.RecurrentModel(rule, 1.0, 2.5, data.dt).simulate(data.J, x0, A0, data.x.shape[1] - 1)
        # the same RK4 step written two ways: round-off only
        np.testing.assert_allclose(xs, data.x_true[0], rtol=0, atol=1e-11)


def test_oja_recovered_from_clean_data(key):
    data = ns.synthetic_oja(key=jr.key(0), n_traj=6, T=150)
    train, test = data.split(3)
    fit = ns.fit_rule(train, ns.TaylorRule(), test=test, true_rule=ns.TaylorRule.oja())
    th = fit.theta
    # identifiable coefficients: the two Oja terms within 0.05 (seeds 0, 1 give |error| ≤ 0.006)
    assert abs(th["pre*post"] - 1) < 0.05 and abs(th["post^2*w"] + 1) < 0.05, th
    # terms without w are identifiable and absent from the truth: |θ| < 0.05 (w, w² terms are
    # weakly identifiable)
    assert max(abs(v) for k, v in th.items() if "w" not in k and k != "pre*post") < 0.05
    # held-out R² of the weight changes and of the activity (the no-plasticity null scores ≈ 0.2)
    assert fit.r2_weights > 0.98 and fit.r2_activity > 0.98 and fit.r2_activity_null < 0.5
    assert fit.converged and fit.wall_s > 0 and fit.losses.shape == (1500,)


def test_oja_recovery_degrades_gracefully_with_noise_and_partial_recording():
    # noise σ = 0.5·std(y) and 2 of 5 outputs recorded: the bound we state is held-out R²(weights) > 0.85,
    # R²(activity) > 0.95 and the Oja coefficients within 0.1 (seed 0 gives 0.91, 0.996, 0.955 / −1.02)
    data = ns.synthetic_oja(key=jr.key(0), n_traj=6, T=150, noise=0.5, fraction=0.4)
    assert int(data.observed.sum()) == 2
    train, test = data.split(3)
    fit = ns.fit_rule(train, ns.TaylorRule(), test=test, throw=False)
    th = fit.theta
    assert abs(th["pre*post"] - 1) < 0.1 and abs(th["post^2*w"] + 1) < 0.1, th
    assert fit.r2_weights > 0.85 and fit.r2_activity > 0.95


@pytest.mark.parametrize("fraction, tol", [(1.0, 0.01), (0.5, 0.05)])
def test_recurrent_k_p_recovered(fraction, tol):
    # Hebbian network N = 20, g = 1.5, k = 1, p = 2.5; 3 trajectories of T = 20 = 8p (k and p
    # separate only for
    # T ≳ p). Full recording: relative error < 1%; half the neurons recorded: < 5%.
    data = ns.synthetic_recurrent(key=jr.key(3), N=20, T=20.0, n_traj=4, fraction=fraction)
    train, test = data.split(3)
    fit = ns.fit_recurrent(train, test=test, k0=0.5, p0=1.0, n_steps=150, throw=False)
    assert abs(fit.k - 1.0) < tol and abs(fit.p / 2.5 - 1) < tol, (fit.k, fit.p)
    assert fit.r2_activity > 0.99


def test_reward_rule_recovered_from_choices():
    data = ns.synthetic_reward(key=jr.key(0), n_traj=25)
    train, test = data.split(20)
    fit = ns.fit_rule(train, ns.TaylorRule(reward=True), test=test, l1=1e-2, n_steps=500, throw=False)
    th = fit.theta
    assert max(th, key=lambda k: abs(th[k])) == "pre*r"
    # inputs are 0 or ≈ 0.75, so pre²·r ≈ 0.75·pre·r: only the sum θ_pre·r + 0.75 θ_pre²·r is
    # identifiable (truth 1)
    assert abs(th["pre*r"] + 0.75 * th["pre^2*r"] - 1) < 0.25, th
    assert fit.deviance_explained > 0.2 and fit.r2_weights > 0.9


def test_reward_signal_running_mean():
    choice = np.array([[1, 0, 1, 1, 0, 1]], float)
    R = np.array([[1, 0, 0, 1, 0, 1]], float)
    # E[R] before t over accepted trials: 0 (none), 1, 1, 0.5, 2/3, 2/3 (memory 10)
    expected = R - np.array([[0, 1, 1, 0.5, 2 / 3, 2 / 3]])
    np.testing.assert_allclose(ns.reward_signal(choice, R), expected, rtol=1e-12)
    np.testing.assert_allclose(ns.reward_signal(choice, R, memory=1), R - np.array([[0, 1, 1, 0, 1, 1]]))


def test_bad_shapes_and_values_give_clear_errors():
    X, Y, W0 = np.zeros((2, 5, 4)), np.zeros((2, 5, 3)), np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"X .*3 dimensions.*\(5, 4\)"):
        ns.LayerData(X[0], Y, W0)
    with pytest.raises(ValueError, match="W0 has shape"):
        ns.LayerData(X, Y, np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"Y has \(n_traj, T\)"):
        ns.LayerData(X, Y[:, :4], W0)
    with pytest.raises(ValueError, match="observed"):
        ns.LayerData(X, Y, W0, observed=np.zeros(3, bool))
    with pytest.raises(ValueError, match="non-finite"):
        ns.LayerData(X, Y * np.nan, W0)
    with pytest.raises(ValueError, match="choice must contain only 0"):
        ns.ChoiceData(np.zeros((2, 5, 2)), 2 * np.ones((2, 5)), np.zeros((2, 5)), np.zeros((2, 10, 2)))
    with pytest.raises(ValueError, match="R has shape"):
        ns.ChoiceData(np.zeros((2, 5, 2)), np.ones((2, 5)), np.zeros((2, 4)), np.zeros((2, 10, 2)))
    with pytest.raises(ValueError, match="observed must be distinct"):
        ns.RecurrentData(np.zeros((1, 5, 2)), np.zeros((4, 4)), 0.1, observed=[0, 7])
    with pytest.raises(ValueError, match="theta must have shape"):
        ns.TaylorRule(np.zeros(26))
    with pytest.raises(ValueError, match="unknown Taylor coefficient"):
        ns.TaylorRule.from_dict({"pre*pre": 1.0})
    with pytest.raises(ValueError, match="fraction"):
        ns.synthetic_oja(key=jr.key(0), fraction=0.0)
    with pytest.raises(ValueError, match="no reward signal"):
        ns.fit_rule(ns.LayerData(X, Y, W0), ns.TaylorRule(reward=True))
    with pytest.raises(ValueError, match="n_train must be < n_traj"):
        ns.LayerData(X, Y, W0).split(2)


def test_nonconverged_fit_raises_with_advice():
    data = ns.synthetic_oja(key=jr.key(1), n_traj=2, T=20, N_in=20, N_out=2)
    with pytest.raises(ns.ConvergenceError, match="n_steps"):
        ns.fit_rule(data, ns.TaylorRule(), n_steps=10, lr=1e-3)


def test_cli_infer_rule_json_and_data_errors(tmp_path):
    import json

    from typer.testing import CliRunner

    from phases.cli import app

    runner = CliRunner()
    res = runner.invoke(
        app, ["infer-rule", "--synthetic", "oja", "--json", "--n-traj", "2", "--n-test", "1", "--steps", "20"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"theta", "r2_weights", "r2_activity", "wall_s"} <= set(out) and len(out["theta"]) == 27
    bad = tmp_path / "bad.npz"
    np.savez(bad, X=np.zeros((2, 5, 4)), Y=np.zeros((2, 5, 3)))
    res = runner.invoke(app, ["infer-rule", "--data", str(bad)])
    assert res.exit_code == 2 and "lacks arrays ['W0']" in res.output
    np.savez(bad, X=np.zeros((2, 5, 4)), Y=np.zeros((2, 5, 3)), W0=np.zeros((2, 3, 5)))
    res = runner.invoke(app, ["infer-rule", "--data", str(bad)])
    assert res.exit_code == 2 and "W0 has shape" in res.output
