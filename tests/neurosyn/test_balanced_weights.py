"""Slow weight dynamics: fixed points against closed forms from the balance equations, correlation shift,
Jacobian against finite differences, the manifold of fixed points, and targeted input."""

import jax.numpy as jnp
import numpy as np
import pytest

import neurosyn.balanced as nb

P, QE, QI, QX, RX, TAU, RHO = 0.1, 0.8, 0.2, 0.2, 10.0, 200.0, 10.0
JEE, JIE, JII, JEX, JIX = 25.0, 112.5, -250.0, 180.0, 135.0


def _istdp_closed_form(rho_e, extra_e=0.0):
    """r_e = rho_e; I row gives r_i; E row gives W_ei* and j_ei* = W_ei*/(p q_i)."""
    w_ee, w_ie, w_ii = P * JEE * QE, P * JIE * QE, P * JII * QI
    w_ex, w_ix = P * JEX * QX, P * JIX * QX
    r_i = -(w_ie * rho_e + w_ix * RX) / w_ii
    W_ei = -(w_ee * rho_e + w_ex * RX + extra_e) / r_i
    return r_i, W_ei / (P * QI)


@pytest.mark.parametrize("c", [0.0, 0.1])
def test_istdp_fixed_point_closed_form(c):
    N = 5000
    fp = nb.weight_fixed_point(nb.default_network(N, c=c), nb.RULES["istdp"]())
    # the covariance term moves r_e off target: r_i (2τ r_e - α) + C̄_ei = 0 with C̄_ei = C_x r_e r_i / r_x²
    Cx_over_rx = 1 / (QX * N) + (1 - 1 / (QX * N)) * c
    r_e = RHO / (1 + Cx_over_rx / (2 * TAU * RX * 1e-3))
    r_i, j_ei = _istdp_closed_form(r_e)
    assert fp.converged and fp.balanced and fp.stable
    np.testing.assert_allclose(fp.rates, [r_e, r_i], rtol=1e-7)
    np.testing.assert_allclose(fp.weight("e", "i"), j_ei, rtol=1e-7)
    if c == 0.0:  # N -> inf: E rate at its target, j_ei* = -119.66
        _, j_inf = _istdp_closed_form(RHO)
        np.testing.assert_allclose(fp.weight("e", "i"), j_inf, rtol=1e-3)
        np.testing.assert_allclose(j_inf, -119.66, atol=0.01)
        np.testing.assert_allclose(fp.rates[0], RHO, rtol=1e-3)


def test_correlation_shifts_istdp_weight_by_a_few_percent():
    j0 = nb.weight_fixed_point(nb.default_network(c=0.0), nb.RULES["istdp"]()).weight("e", "i")
    j1 = nb.weight_fixed_point(nb.default_network(c=0.1), nb.RULES["istdp"]()).weight("e", "i")
    shift = float(j1 / j0 - 1)
    assert 0.005 < shift < 0.05  # stronger inhibition (more negative), by about 1 %: a mild effect


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("hebbian", lambda r: 30.0),
        ("hebbian-soft", lambda r: 15.0),
        ("kohonen", lambda r: 2.0 * TAU * r[0] * 1e-3),
    ],
)
def test_ee_rules_fixed_points(rule, expected):
    fp = nb.weight_fixed_point(nb.default_network(), nb.RULES[rule]())
    assert fp.converged and fp.balanced and fp.stable
    # N = 5000, c = 0: the covariance term shifts these by O(1/N)
    np.testing.assert_allclose(fp.weight("e", "e"), expected(np.asarray(fp.rates)), rtol=2e-3)
    W = 0.1 * np.asarray(fp.j) * np.array([0.8, 0.2])[None, :]
    oracle = -np.linalg.solve(W, np.array([3.6, 2.7]) * 10.0)
    np.testing.assert_allclose(fp.rates, oracle, rtol=1e-10)


@pytest.mark.parametrize("rule", ["istdp", "kohonen", "homeo-ei", "homeo-ii"])
def test_jacobian_matches_finite_differences(rule):
    net = nb.default_network()
    plastic = nb.RULES[rule]()
    ((a, b),) = nb.plastic_entries(net, plastic)
    fp = nb.weight_fixed_point(net, plastic, max_steps=1, chunk=1, throw=False)  # Jacobian at one step
    j = np.asarray(fp.j)
    h = 1e-4 * abs(j[a, b])
    f = lambda x: float(nb.weight_drift(net, plastic, jnp.asarray(j).at[a, b].set(x))[a, b])
    fd = (f(j[a, b] + h) - f(j[a, b] - h)) / (2 * h)
    np.testing.assert_allclose(np.real(fp.eigenvalues[0]), fd, rtol=1e-5)


def test_homeostatic_rules_lose_balance():
    """Balanced networks respond paradoxically: dr_i/dw_ie < 0, so the Vogels-form E→I rule runs away (the
    finite-difference slope of its drift at the start is positive) and balance is lost."""
    net = nb.default_network()
    plastic = nb.RULES["homeo-ei"]()
    j = np.asarray(net.j)
    f = lambda x: float(nb.weight_drift(net, plastic, jnp.asarray(j).at[1, 0].set(x))[1, 0])
    assert (f(j[1, 0] * 1.001) - f(j[1, 0] * 0.999)) > 0  # unstable direction
    fp = nb.weight_fixed_point(net, plastic, throw=False)
    assert fp.status == nb.WeightStatus.unbalanced and not fp.stable
    with pytest.raises(nb_convergence_error(), match="balance was lost"):
        nb.weight_fixed_point(net, nb.RULES["homeo-ei"]())


def nb_convergence_error():
    import neurosyn

    return neurosyn.ConvergenceError


def test_manifold_of_fixed_points_depends_on_initial_weights():
    """I split into I1, I2 with identical input: iSTDP only pins r_e, so the fixed points form a line
    w_ei1 + w_ei2 = W_ei*, and (equal I rates) the flow keeps j_ei1/j_ei2 at its initial value."""
    base = nb.split_population(nb.default_network(), "i")
    _, j_star = _istdp_closed_form(nb.weight_fixed_point(nb.default_network(), nb.RULES["istdp"]()).rates[0])
    ends = []
    for j1, j2 in [(-100.0, -200.0), (-180.0, -120.0), (-150.0, -150.0)]:
        net = base.with_weights(base.j.at[0, 1].set(j1).at[0, 2].set(j2))
        fp = nb.weight_fixed_point(net, nb.RULES["istdp"]())
        e1, e2 = float(fp.weight("e", "i1")), float(fp.weight("e", "i2"))
        np.testing.assert_allclose(e1 / e2, j1 / j2, rtol=1e-8)
        np.testing.assert_allclose((e1 + e2) / 2, j_star, rtol=1e-3)
        assert fp.stable and fp.n_marginal == 1
        ends.append((e1, e2))
    assert abs(ends[0][0] - ends[1][0]) > 50  # different starts, different end points


def test_targeted_input_plasticity_restores_balance_and_splits_weights():
    net = nb.targeted_network(nb.default_network(j_ei=-250.0))
    fp = nb.weight_fixed_point(net, nb.RULES["istdp"](), method="joint")
    assert fp.converged and fp.balanced and fp.stable is None  # stability undetermined: W stays singular
    r_e = np.asarray(fp.rates)[:2]
    np.testing.assert_allclose(r_e, RHO, rtol=1e-3)
    r_i, j_e2 = _istdp_closed_form(float(r_e[1]))
    _, j_e1 = _istdp_closed_form(float(r_e[0]), extra_e=P * 180.0 * 0.2 * 5.0)  # X2 onto E1 at 5 Hz
    np.testing.assert_allclose(fp.rates[2], r_i, rtol=1e-6)
    np.testing.assert_allclose(fp.weight("e1", "i"), j_e1, rtol=1e-6)
    np.testing.assert_allclose(fp.weight("e2", "i"), j_e2, rtol=1e-6)
    assert float(fp.weight("e1", "i")) < float(fp.weight("e2", "i")) - 30  # the weights split


def test_trajectory_relaxes_to_fixed_point():
    net = nb.default_network()
    tr = nb.weight_trajectory(net, nb.RULES["istdp"](), 8000.0, dt=10.0, record_dt=500.0)
    fp = nb.weight_fixed_point(net, nb.RULES["istdp"]())
    err = np.abs(np.asarray(tr.j)[:, 0, 1] - float(fp.weight("e", "i")))
    assert np.all(np.diff(err) < 0)
    # linearised relaxation: error ∝ exp(λ t) near the fixed point, λ the Jacobian eigenvalue
    lam = float(np.real(fp.eigenvalues[0]))
    np.testing.assert_allclose(np.log(err[-1] / err[-3]) / (tr.t[-1] - tr.t[-3]), lam, rtol=0.05)
