"""Balanced-state mean field: rates against numpy.linalg.solve and the paper's values; no-solution cases;
linear-response covariances against their closed form; parameter validation."""

import numpy as np
import pytest

import neurosyn.balanced as nb


def _numpy_rates(j, q, jx, qx, rx, p=0.1):
    W = p * np.asarray(j) * np.asarray(q)[None, :]
    Wx = p * np.asarray(jx) * np.asarray(qx)[None, :]
    return -np.linalg.solve(W, Wx @ np.asarray(rx))


def test_default_rates_match_numpy_and_paper():
    state = nb.balanced_rates(nb.default_network())
    oracle = _numpy_rates([[25, -150], [112.5, -250]], [0.8, 0.2], [[180], [135]], [0.2], [10.0])
    assert bool(state.balanced)
    np.testing.assert_allclose(state.rates, oracle, rtol=1e-12)
    np.testing.assert_allclose(state.rates, [5.8, 15.9], atol=0.05)  # stated values (about 5.8 and 15.9 Hz)
    assert float(state.residual) < 1e-14


def test_three_populations_and_split_population():
    rng = np.random.default_rng(0)
    j = np.array([[20.0, -100, -80], [90, -200, -60], [60, -50, -150]]) * (1 + 0.1 * rng.random((3, 3)))
    net = nb.BalancedNetwork(
        names=("e", "i", "s"), signs=(1, -1, -1), ext_names=("x",), N=1000, q=[0.7, 0.2, 0.1], j=j,
        qx=[0.2], jx=[[180.0], [135.0], [100.0]], rx=[10.0], c=0.0, p=0.1, tau_stdp=200.0,
    )  # fmt: skip
    oracle = _numpy_rates(j, [0.7, 0.2, 0.1], [[180.0], [135.0], [100.0]], [0.2], [10.0])
    state = nb.balanced_rates(net)
    if np.all(oracle > 0):
        assert bool(state.balanced)
    np.testing.assert_allclose(state.rates, oracle, rtol=1e-10)
    # splitting a population changes nothing: its halves get the rate of the whole
    base = nb.balanced_rates(nb.default_network()).rates
    split = nb.balanced_rates(nb.split_population(nb.default_network(), "e", 2))
    assert bool(split.balanced)
    np.testing.assert_allclose(split.rates, [base[0], base[0], base[1]], rtol=1e-10)


def test_targeted_input_has_no_balanced_solution():
    net = nb.targeted_network()
    assert net.names == ("e1", "e2", "i")
    state = nb.balanced_rates(net)
    assert state.status == nb.BalanceStatus.singular and not bool(state.balanced)
    assert np.all(np.isnan(np.asarray(state.rates)))
    # with the extra layer switched off the split network is balanced at the untargeted rates
    off = nb.balanced_rates(nb.targeted_network(rx2=0.0))
    assert bool(off.balanced)
    np.testing.assert_allclose(off.rates, [5.8235, 5.8235, 15.8824], atol=1e-4)


def test_negative_rate_is_flagged():
    net = nb.default_network(j_ix=400.0)  # strong drive to I silences E: r_e < 0
    oracle = _numpy_rates([[25, -150], [112.5, -250]], [0.8, 0.2], [[180], [400]], [0.2], [10.0])
    assert oracle[0] < 0
    state = nb.balanced_rates(net)
    assert state.status == nb.BalanceStatus.nonpositive
    np.testing.assert_allclose(state.rates, oracle, rtol=1e-10)


@pytest.mark.parametrize("c", [0.0, 0.1])
def test_covariance_closed_form(c):
    """One external population: M = -W⁻¹W_x = r/r_x, so C̄ = C_x r rᵀ/r_x², C_x = r_x/N_x + (1-1/N_x) c r_x."""
    net = nb.default_network(N=2000, c=c)
    r = np.asarray(nb.balanced_rates(net).rates) * 1e-3
    rx, Nx = 10.0 * 1e-3, 400
    Cx = rx / Nx + (1 - 1 / Nx) * c * rx
    np.testing.assert_allclose(nb.covariance_density(net), Cx * np.outer(r, r) / rx**2, rtol=1e-10)
    np.testing.assert_allclose(nb.spike_count_covariance(net, 250.0), 250.0 * Cx * np.outer(r, r) / rx**2)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nb.default_network(p=1.5), "p \\(connection probability\\)"),
        (lambda: nb.default_network(c=-0.1), "c \\(input spike-count correlation\\)"),
        (lambda: nb.default_network(j_ei=10.0), "j\\[e,i\\]"),
        (lambda: nb.default_network(rx=-1.0), "rx"),
        (lambda: nb.default_network(tau_stdp=0.0), "tau_stdp"),
        (lambda: nb.default_network(N=1), "N \\(number of recurrent neurons\\)"),
        (lambda: nb.split_population(nb.default_network(), "z"), "population"),
        (lambda: nb.istdp(target=-1.0), "target"),
        (lambda: nb.istdp(eta=-1.0), "eta"),
        (lambda: nb.hebbian(j_max=0.0), "j_max"),
    ],
)
def test_bad_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="j must have shape"):
        nb.BalancedNetwork(
            names=("e", "i"), signs=(1, -1), ext_names=("x",), N=100, q=[0.8, 0.2], j=np.zeros((3, 3)),
            qx=[0.2], jx=[[1.0], [1.0]], rx=[10.0], c=0.0, p=0.1, tau_stdp=200.0,
        )  # fmt: skip
