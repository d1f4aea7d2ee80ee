"""Settling into fixed points by simulation, and spectra at the settled fixed points against Eq. 21."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import fixedpoints as fp
import neurosyn as ns


def test_settle_polishes_rank_one_fixed_points(key):
    # model.md §7.1: runs freeze into (x*, kφφᵀ/N) with PR_A = 1; the end state is within the settling
    # tolerance
    # of a fixed point, which Newton polishes to ‖F‖ ≤ 1e-10; a state reached by the dynamics is stable
    net = ns.Network(N=40, g=2.0, k=2.5, p=2.5)
    out = fp.settle(net, key=key, T=300.0, n_networks=4)
    ok = np.asarray(out.settled)
    assert ok.any() and out.converged
    assert np.all(np.abs(np.asarray(out.pr_A_end)[ok] - 1.0) < 1e-3)
    fps = out.fixed_points
    assert float(jnp.max(fps.residual)) <= 1e-10
    assert bool(jnp.all(fps.stable))
    # each settled end state is within ~‖ẋ‖/(1 − max Re λ) of its polished point (loose factor 100)
    X = np.asarray(out.x_end)[ok]
    for x in X:
        d = np.min(
            np.minimum(
                np.max(np.abs(np.asarray(fps.x) - x), axis=1), np.max(np.abs(np.asarray(fps.x) + x), axis=1)
            )
        )
        assert d < 1e-3


def test_settle_reports_not_settled(key):
    net = ns.Network(N=30, g=2.0, k=0.0, p=2.5)  # k = 0, g = 2: chaotic forever, no stable fixed point
    with pytest.raises(ns.ConvergenceError, match="settled"):
        fp.settle(net, key=key, T=50.0, n_networks=2)
    out = fp.settle(net, key=key, T=50.0, n_networks=2, throw=False)
    assert not out.converged and out.fixed_points is None


@pytest.mark.slow
def test_settled_fixed_points_spectra_match_eq21_at_large_N(key):
    # model.md §7.6: at N = 200 the joint dynamics settles into stable fixed points whose bulk edge matches
    # Eq. 21 evaluated on the point's own x and C0 within 0.03 (≈ 0.4/√N). The mean-field typical branch is
    # marginal (Eq. 26 sum = 1 by quadrature, test_meanfield); settled points are deeper than typical, so
    # their edges are compared with their own Eq. 21 edge rather than with 0.
    N = 200
    net = ns.Network(N=N, g=2.0, k=3.0, p=2.5)
    out = fp.settle(net, key=key, T=600.0, n_networks=6)
    ms = fp.marginal_spectra(net, out.fixed_points, key=jr.fold_in(key, 9))
    c = fp.fixed_point_complexity(2.0, 3.0)
    assert float(c.stability_sum[int(c.dominant)]) == pytest.approx(1.0, abs=1e-8)
    mr, own = np.asarray(ms.max_real), np.asarray(ms.theory_max_real_own)
    assert mr.size >= 1 and np.all(mr < 0)
    np.testing.assert_allclose(mr, own, atol=0.03)
