"""k = 0 reference values (model.md §6.4: RK4, dt = 0.1, N = 4096, QR): λ_max = 0.110 and D_KY/N = 0.0355 at
g = 2; 0.231 and 0.061 at g = 3. Non-plastic state (dimension N), the classical benchmark."""

import jax.random as jr
import pytest

import lyapunov as ly
import neurosyn as ns


@pytest.mark.slow
@pytest.mark.parametrize(("g", "lam", "dky_n", "m"), [(2.0, 0.110, 0.0355, 40), (3.0, 0.231, 0.061, 50)])
def test_k0_reference_values(g, lam, dky_n, m):
    """N = 500, 2 networks, T = 500. Tolerance: 3 seed-to-seed standard errors plus a finite-size allowance of
    0.01 for λ_max and 0.005 for D_KY/N (the finite-N shift of the spectrum edge is O(1/√N) ≈ 0.04 of its
    width ~ 0.5 at N = 500 before averaging over the bulk)."""
    net = ns.Network(N=500, g=g, k=0.0, p=2.5)
    res = ly.lyapunov_spectrum(
        net, key=jr.key(0), m=m, T=500.0, t_transient=300.0, t_tangent=100.0, synapses=False, n_networks=2
    )
    lam_mean = float(res.network_mean[0])
    lam_sem = max(float(res.network_sem[0]), float(res.lambda_max_err.mean()))
    assert abs(lam_mean - lam) < 3 * lam_sem + 0.01
    assert bool((res.d_ky_status == ns.Status.success).all())
    assert abs(float(res.d_ky_over_N.mean()) - dky_n) < 0.005


def test_k0_reference_coarse():
    """Fast coarse variant: g = 3, N = 120, T = 100. λ_max within 0.05 of 0.231: finite-size shift and a
    sampling error ~ 0.02 at this T (λ_max_err); D_KY/N within 0.02 of 0.061 (D_KY ≈ 7 here, so one unit of j
    is 0.008 of D_KY/N)."""
    net = ns.Network(N=120, g=3.0, k=0.0, p=2.5)
    res = ly.lyapunov_spectrum(
        net, key=jr.key(3), m=16, T=100.0, t_transient=100.0, t_tangent=20.0, synapses=False
    )
    assert abs(float(res.lambda_max) - 0.231) < 0.05
    assert res.d_ky_status == ns.Status.success
    assert abs(float(res.d_ky_over_N) - 0.061) < 0.02
