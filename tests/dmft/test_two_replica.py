"""Two-replica DMFT of freezable chaos, its phase lines and the analytic g → 1⁺ limit (model.md §8)."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize

import dmft
import neurosyn as ns
from dmft._freezable_lines import _lines_dmft

# small but valid settings: window 102.4 ≥ 30p for p = 2.5
SMALL = dmft.TwoReplica(n=1024, n_samples=32, n_shifts=16, alpha=1.0, rtol=1e-7)


def _gauss(f):
    """∫Dz f(z) by scipy quad (independent of the trapezoid rule in the solver)."""
    return scipy.integrate.quad(
        lambda z: f(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi),
        -12,
        12,
        epsabs=1e-13,
        epsrel=1e-12,
        limit=400,
    )[0]


# ---------------------------------------------------------------- analytic limit g → 1⁺ (Eqs. 36–39)


def test_apex_is_2_over_sqrt3_pi():
    # model.md §8.6 / §12.2: 2/(√3π) = 0.36755
    assert dmft.APEX_K == pytest.approx(2 / (math.sqrt(3) * math.pi), rel=1e-15)
    assert abs(dmft.APEX_K - 0.36755) < 5e-6


@pytest.mark.parametrize("k", [-2.0, 0.0, 0.3, 0.9])
def test_h_at_u1_is_the_apex_for_every_k(k):
    # ψ(3/4) − ψ(1/4) = π exactly, so h(1, k) does not depend on k
    assert float(dmft.h_limit(1.0, k)) == pytest.approx(0.3675525969478614, rel=1e-12)


@pytest.mark.parametrize(("u", "k"), [(1.0, 0.5), (1.7, 0.5), (3.0, 0.2), (10.0, 0.8), (2.5, -0.5)])
def test_h_matches_the_laplace_integral_of_sech(u, k):
    # derivation of Eq. 39: 1 = k√3 ∫₀^∞ e^{−a v} sech v dv with a = √3(1−k)(u−1), i.e. h = 1/(√3 ∫ …)
    a = math.sqrt(3) * (1 - k) * (u - 1)
    # e^{−av} sech v written without overflow
    integral = scipy.integrate.quad(
        lambda v: 2 * math.exp(-(a + 1) * v) / (1 + math.exp(-2 * v)), 0, np.inf, epsabs=1e-14, epsrel=1e-13
    )[0]
    assert float(dmft.h_limit(u, k)) == pytest.approx(1 / (math.sqrt(3) * integral), rel=1e-9)


def test_h_increases_with_u():
    u = np.linspace(1, 20, 200)
    assert np.all(np.diff(dmft.h_limit(u, 0.6)) > 0)


def test_freeze_limit_solves_eq38_at_t0():
    # the fixed-point solution near g = 1: 1 = k ∫₀^∞ e^{−(D−ε)s} C(s) ds with C = γ sech(γ s/√3), γ = ε/(1−k)
    g, k = 1.01, 0.6
    eps = g - 1
    sol = dmft.freeze_limit(g, k)
    gamma = eps / (1 - k)
    x = gamma / math.sqrt(3)
    integral = scipy.integrate.quad(
        lambda s: 2 * gamma * math.exp(-(sol.D - eps + x) * s) / (1 + math.exp(-2 * x * s)),
        0,
        np.inf,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=400,
    )[0]
    assert k * integral == pytest.approx(1.0, rel=1e-8)
    assert sol.D >= eps
    assert sol.Q0 == pytest.approx(math.sqrt(sol.D * (sol.D - eps) / k), rel=1e-12)
    assert sol.r == pytest.approx(1 - sol.D + eps, rel=1e-12) and sol.r <= 1
    assert 0 < sol.rho0 <= 1


def test_freeze_limit_is_trivial_below_the_apex():
    sol = dmft.freeze_limit(1.01, 0.3)
    assert math.isnan(sol.Q0) and math.isnan(sol.r)


# ---------------------------------------------------------------- two-replica DMFT against exact k = 0
# results


@pytest.fixture(scope="module")
def scs():
    return dmft.solve_scs(2.25)


def test_fixed_point_solution_at_k0_is_the_static_gaussian_equation(scs, key):
    # At Q ≡ 0 and D constant: x^B ~ N(0, g² D) with D = ⟨tanh²⟩ and r² = g²⟨sech⁴⟩; solved here with
    # brentq+quad.
    g = 2.25
    net = ns.Network(N=1, g=g, k=0.0)
    sol = dmft.solve_two_replica(
        net, scs.C, lags=scs.lags, key=key, solution="fixed_point", method=SMALL, Q_init=np.zeros(SMALL.n)
    )
    D0 = scipy.optimize.brentq(
        lambda D: _gauss(lambda z: math.tanh(g * math.sqrt(D) * z) ** 2) - D, 0.05, 1.0, xtol=1e-14
    )
    r = g * math.sqrt(_gauss(lambda z: math.cosh(g * math.sqrt(D0) * z) ** -4))
    assert sol.converged
    assert abs(float(sol.Q0)) < 1e-14  # Q ≡ 0 is an exact fixed point of the map (symmetric quadrature)
    # trapezoid quadrature with dz = 0.1 is exponentially accurate for tanh; the error is the iteration's stop
    # (residual < rtol = 1e-7 per step, contraction ≈ 0.9 per step → ≤ 1e-6 from the fixed point)
    assert float(sol.D0) == pytest.approx(D0, rel=1e-6)
    assert float(sol.r) == pytest.approx(r, rel=1e-6)


@pytest.mark.parametrize("start", ["C", "shifted"])
def test_dynamic_solution_at_k0_is_the_scs_network(scs, key, start):
    # At Q ≡ 0 the halted replica is the plain network at g: D(τ) = C_SCS(τ) and r = g√⟨φ′²⟩ (the k = 0
    # radius). D(τ) is computed by quadrature given the static inputs (here b ≡ 0), so the dynamic map is the
    # SCS map on the periodic window, independent of the key. From D = C/2 + 0.2 (a static part 0.2 and half
    # the variance) the iteration must also find D(∞) = 0 along the near-marginal static direction
    # (multiplier g²⟨φ′⟩² ≈ 0.94). Tolerances: the SCS C (its own solver, grid and lag range) is interpolated
    # linearly onto the window, and the K nodes linearly (measured max |D − C| = 1.2e-5 from D = C, r within
    # 3e-6 relative, identical for keys 0–2).
    net = ns.Network(N=1, g=2.25, k=0.0)
    lags = 0.1 * np.arange(SMALL.n // 2 + 1)
    C = np.interp(lags, np.asarray(scs.lags), np.asarray(scs.C), right=0.0)
    D_init = C if start == "C" else 0.5 * C + 0.2
    sol = dmft.solve_two_replica(
        net,
        scs.C,
        lags=scs.lags,
        key=key,
        solution="dynamic",
        method=SMALL,
        Q_init=np.zeros(SMALL.n),
        D_init=D_init,
        max_steps=300,
    )
    assert sol.converged
    assert np.max(np.abs(np.asarray(sol.D) - C)) < 5e-5
    assert float(sol.r) == pytest.approx(float(scs.radius), rel=2e-5)
    assert abs(float(sol.Q0)) < 1e-14


@pytest.mark.parametrize("K", [1.5, 0.7, 0.0, -0.4])
def test_gaussian_D_matches_2d_quadrature(K):
    # D(K) = E_b ⟨tanh(b + y₁) tanh(b + y₂)⟩, (y₁, y₂) bivariate normal with variances v and covariance K;
    # oracle: scipy dblquad of the bivariate density for each b (independent of the K-node/Φ-table scheme)
    import jax.numpy as jnp

    from dmft._two_replica import _gaussian_D

    b, v = np.array([0.3, -1.2, 2.0]), 1.5
    z = np.arange(-8.0, 8.05, 0.1)
    wz = np.exp(-0.5 * z**2)
    wz /= wz.sum()
    Ks = jnp.asarray([v, K, -0.5])  # lags 0, 1, 2: the node grid spans [min K, v]
    got = float(_gaussian_D(jnp.asarray(b), Ks, jnp.asarray(z), jnp.asarray(wz), ns.tanh)[1])
    c = math.sqrt(v * v - K * K)

    def pair(bi):
        # y₁ = √v u, y₂ = (K u + c w)/√v with u, w independent standard normal
        f = lambda w, u: (  # noqa: E731
            math.tanh(bi + math.sqrt(v) * u)
            * math.tanh(bi + (K * u + c * w) / math.sqrt(v))
            * math.exp(-0.5 * (u * u + w * w))
            / (2 * math.pi)
        )
        return scipy.integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-10, epsrel=1e-10)[0]

    want = np.mean([pair(bi) for bi in b])
    # linear interpolation of the Φ table (du ≈ 0.03) and of the K nodes: O(du²) ≈ 1e-4 at most
    assert got == pytest.approx(want, abs=2e-4)


@pytest.mark.parametrize("K", [0.9, -0.3])
def test_gaussian_D_over_many_static_inputs(K):
    # 4000 b's at the quantiles of N(m, s²) (the deposit on the b nodes is exercised): E_b ⟨…⟩ is then the
    # expectation over the bivariate normal with mean m, variances v + s², covariance K + s²; oracle dblquad
    import jax.numpy as jnp
    import scipy.stats

    from dmft._two_replica import _gaussian_D

    m, s, v = 0.4, 0.8, 1.2
    b = m + s * scipy.stats.norm.ppf((np.arange(4000) + 0.5) / 4000)
    z = np.arange(-8.0, 8.05, 0.1)
    wz = np.exp(-0.5 * z**2)
    wz /= wz.sum()
    got = float(
        _gaussian_D(jnp.asarray(b), jnp.asarray([v, K, -0.5]), jnp.asarray(z), jnp.asarray(wz), ns.tanh)[1]
    )
    V, Cv = v + s * s, K + s * s
    c = math.sqrt(V * V - Cv * Cv)
    f = lambda w, u: (  # noqa: E731
        math.tanh(m + math.sqrt(V) * u)
        * math.tanh(m + (Cv * u + c * w) / math.sqrt(V))
        * math.exp(-0.5 * (u * u + w * w))
        / (2 * math.pi)
    )
    want = scipy.integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-10, epsrel=1e-10)[0]
    # Φ-table and K-node interpolation (≈1e-4) and the quantile rule for E_b (≈1e-4 at 4000 points)
    assert got == pytest.approx(want, abs=3e-4)


@pytest.mark.slow
def test_dynamic_solution_converges_in_the_semifreezable_regime(key):
    # g = 2.25, k = 1.0, p = 2.5 (between the lines 0.76 and 1.26). With D(τ) by quadrature the map is
    # deterministic given the draw and converges to round-off (before, the damped map with sampled B paths did
    # not converge in 300 steps). Measured with the default 2048 A paths for four draws: ρ(0) = 0.615, 0.589,
    # 0.641, 0.571, D(∞)/D(0) = 0.63 … 0.73, all converged in 112–135 steps.
    net = ns.Network(N=1, g=2.25, k=1.0)
    C = dmft.solve_dmft(net, _lines_dmft(), key=key, throw=False)
    m = dmft.TwoReplica(rtol=1e-8)
    a = dmft.solve_two_replica(net, C, key=key, method=m, max_steps=600, throw=False)
    assert a.converged
    assert np.all(np.asarray(a.rho0_rep) > 0.45)  # nontrivial in every draw
    assert float(a.D_inf) < float(a.D0)  # D decays: B stays chaotic, with memory


def test_onset_eigenvalue_at_k0_is_g_phiprime_squared(scs, key):
    # Q ≡ 0 is stable at k = 0 with top eigenvalue (g⟨φ′⟩)² = 1 − κ², κ the SCS decay rate
    net = ns.Network(N=1, g=2.25, k=0.0)
    ev = dmft.onset_eigenvalue(
        net, scs.C, lags=scs.lags, key=key, method=dmft.TwoReplica(n=1024, n_samples=1024)
    )
    exact = 1 - float(scs.decay_rate) ** 2
    assert ev.lam_k0 == pytest.approx(exact, rel=1e-3)
    # at k = 0 the control variates make χ = ⟨φ′⟩_A h and ⟨φ′⟩_A = ⟨φ′(x₀)⟩ (Gaussian, by quadrature) exact,
    # so lam = a g² ⟨φ′⟩ up to the O(dt²) difference between the grid's and SCS's variance (measured 5e-5
    # relative at dt = 0.1 for three keys; before the ⟨φ′⟩ control variate the Monte Carlo error was 0.7 %)
    assert float(ev.lam) == pytest.approx(exact, rel=3e-4)
    assert float(ev.lam_err) < 1e-6
    assert float(ev.lam) < 1
    # the response sums to ⟨φ′⟩ at k = 0 (the scheme's impulse response sums to 1 up to O(dt³))
    assert float(np.sum(ev.chi)) == pytest.approx(ev.a, rel=0.02)


def test_onset_reduction_matches_dense_eigenvalues():
    # the reduced eigenproblem on the support of w against numpy.linalg.eig of the full matrix L
    from dmft._two_replica import _Reduced, _top_lambda

    n, n_s, a, g = 256, 40, 0.45, 2.0
    tau = 0.1 * np.arange(n)
    chi = np.where(tau < 8, 0.04 * np.exp(-tau), 0.0)
    c = np.exp(-np.minimum(tau, 0.1 * n - tau) / 3.0)
    C_hat = np.fft.fft(c).real
    w = np.zeros(n)
    w[n - n_s + 1 :] = 0.02 * np.exp(-0.1 * np.arange(n_s - 1, 0, -1) / 2.5)
    w[0] = 0.01
    j = np.arange(n)
    diff = (j[:, None] - j[None, :]) % n
    L = a * (g**2 * chi[diff] + c[diff] * w[None, :])
    dense = np.max(np.linalg.eigvals(L).real)
    lam, Q = _top_lambda(_Reduced(chi, C_hat, w, a, g, n_s))
    assert dense > a * g**2 * chi.sum()  # an isolated eigenvalue above the circulant continuum
    assert lam == pytest.approx(dense, rel=1e-8)
    np.testing.assert_allclose(L @ Q, lam * Q, atol=1e-9 * np.max(np.abs(Q)))


# ---------------------------------------------------------------- bad input


def test_bad_inputs_are_rejected(scs, key):
    net = ns.Network(N=1, g=2.25, k=1.0)
    with pytest.raises(ValueError, match="solution.*valid choices"):
        dmft.solve_two_replica(net, scs.C, lags=scs.lags, key=key, solution="static")
    with pytest.raises(ValueError, match="30p"):
        dmft.solve_two_replica(net, scs.C, lags=scs.lags, key=key, method=dmft.TwoReplica(n=256))
    with pytest.raises(ValueError, match="n_shifts"):
        dmft.TwoReplica(n=64, n_shifts=128)
    with pytest.raises(ValueError, match="alpha"):
        dmft.TwoReplica(alpha=1.5)
    with pytest.raises(ValueError, match="lags"):
        dmft.solve_two_replica(net, np.asarray(scs.C), key=key)
    with pytest.raises(ValueError, match="u"):
        dmft.h_limit(0.5, 0.2)
    with pytest.raises(ValueError, match="g"):
        dmft.freeze_limit(0.9, 0.5)
    with pytest.raises(ValueError, match="k"):
        dmft.freeze_limit(1.1, 1.5)
    with pytest.raises(ValueError, match="g"):
        dmft.freezable_boundaries(0.8, key=key)
    with pytest.raises(ValueError, match="g"):
        dmft.onset_eigenvalue(ns.Network(N=1, g=0.8, k=1.0), scs.C, lags=scs.lags, key=key)


# ---------------------------------------------------------------- the phases at g = 2.25, p = 2.5 (Fig. 7a)


@pytest.mark.slow
@pytest.mark.parametrize(("k", "phase"), [(0.6, "nonfreezable"), (1.2, "semifreezable"), (1.55, "freezable")])
def test_theory_phases_of_fig7a(k, phase, key):
    res = dmft.freeze_phase(ns.Network(N=1, g=2.25, k=k), key=key, throw=False)
    assert res.name == phase


@pytest.mark.slow
def test_quick_boundaries_bracket_fig7a_points(key):
    # the lines at g = 2.25 must separate k = 0.6 | 1.2 | 1.55 (Fig. 1b markers ii, vii, viii)
    b = dmft.freezable_boundaries(2.25, key=key, quick=True)
    assert 0.6 < b.k_semifreezable[0] < 1.2 < b.k_freezable[0] < 1.55


@pytest.mark.slow
def test_C_between_dmft_nodes_is_their_linear_interpolation(key):
    # the boundary search solves the DMFT only at nodes k_j = 0.2 j and interpolates C(τ) linearly in k; the
    # oracle is the DMFT solved at the midpoint (same key: common random numbers)
    sols = {
        k: dmft.solve_dmft(ns.Network(N=1, g=2.25, k=k), _lines_dmft(), key=key, throw=False)
        for k in (1.0, 1.1, 1.2)
    }
    lags = np.asarray(sols[1.0].lags)
    Cs = {k: np.interp(lags, np.asarray(s.lags), np.asarray(s.C)) for k, s in sols.items()}
    mid = 0.5 * (Cs[1.0] + Cs[1.2])
    C0 = Cs[1.1][0]
    # tolerance: the curvature of C in k over ±0.1 plus the replicate noise of C (2 replicates)
    err = np.max(np.abs(mid - Cs[1.1])[: int(60 / 0.1)]) / C0
    assert err < 0.02
    net = ns.Network(N=1, g=2.25, k=1.1)
    m = dmft.TwoReplica(n=2048, n_samples=512, n_shifts=64, alpha=1.0)
    a = dmft.onset_eigenvalue(net, mid, lags=lags, key=key, method=m)
    b = dmft.onset_eigenvalue(net, Cs[1.1], lags=lags, key=key, method=m)
    assert float(a.lam) == pytest.approx(float(b.lam), abs=3 * float(a.lam_err) + 0.005)
