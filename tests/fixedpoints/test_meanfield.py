"""Mean-field theory of fixed points: exact g = 0 limit, brute-force quadrature oracle, onset, sampler."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, optimize, special

import fixedpoints as fp
import spectra


def test_g0_constants_from_brentq():
    # model.md §7.5: sinh 2χ = 6χ, k_c = χ/tanh³χ; published rounding 1.4192 and 2.0170
    chi = optimize.brentq(lambda c: math.sinh(2 * c) - 6 * c, 0.5, 3.0, xtol=1e-15)
    assert fp.g0_chi_c() == pytest.approx(chi, abs=1e-12)
    assert fp.g0_kc() == pytest.approx(chi / math.tanh(chi) ** 3, abs=1e-12)
    assert round(fp.g0_chi_c(), 4) == 1.4192 and round(fp.g0_kc(), 4) == 2.0170
    for k in (2.1, 2.5, 4.0):  # largest root of χ = k tanh³χ
        ref = optimize.brentq(lambda c, k=k: c - k * math.tanh(c) ** 3, chi, k + 1.0, xtol=1e-15)
        assert fp.g0_chi(k) == pytest.approx(ref, abs=1e-10)
    assert math.isnan(fp.g0_chi(2.0))


def test_g0_reduced_jacobian_eigenvalues_closed_form():
    # model.md §7.5 at p = 2.5: −0.2274, −1.1726 (bulk), −1.0667 (outlier), 0
    ev = fp.g0_eigenvalues(2.5)
    assert ev["bulk"] == pytest.approx((-0.2274, -1.1726), abs=5e-5)
    assert ev["outlier"] == pytest.approx(-1.0667, abs=5e-5)


def test_g0_complexity_and_onset():
    c = fp.fixed_point_complexity(0.0, 2.5)
    assert int(c.n_branches) == 2 and float(c.dominant_log2_count) == 1.0
    chi = fp.g0_chi(2.5)
    assert float(c.C0[int(c.dominant)]) == pytest.approx(math.tanh(chi) ** 2, abs=1e-12)
    assert int(fp.fixed_point_complexity(0.0, 2.0).n_branches) == 0  # below k_c = 2.0170
    assert fp.k_onset(0.0) == pytest.approx(2.0169980, abs=1e-6)


def _brute_force(g, k, C0, eta_c):
    """Independent oracle: mixture averages by adaptive scipy quad over η, branches solved with brentq."""
    s, sigma = k * C0, g * math.sqrt(C0)
    rho = lambda e: math.exp(-0.5 * (e / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    xm = math.acosh(math.sqrt(s))
    x0 = optimize.brentq(lambda x: x - s * math.tanh(x), xm, s + 1.0, xtol=1e-15)
    aligned = lambda e: optimize.brentq(lambda x: x - s * math.tanh(x) - e, x0, e + s + 1.0, xtol=1e-14)
    anti = lambda e: optimize.brentq(lambda y: s * math.tanh(y) - y - e, xm, x0, xtol=1e-14)
    h_C = lambda x: math.tanh(x) ** 2
    h_S = lambda x: g**2 / (math.cosh(x) ** 2 - s) ** 2
    # the anti-aligned branch is integrated in y = |x| (dη = (1 − s sech² y) dy), with y = x_m + e^u to
    # resolve
    # the 1/(y − x_m) growth of the stability integrand near the turning point
    y_c = anti(eta_c)
    out = []
    for h in (h_C, h_S):
        al = integrate.quad(
            lambda e, h=h: rho(e) * 0.5 * h(aligned(e)), 0, eta_c, epsabs=1e-12, epsrel=1e-10, limit=200
        )[0]
        f_an = lambda y, h=h: rho(s * math.tanh(y) - y) * 0.5 * h(y) * (1 - s / math.cosh(y) ** 2)
        an = integrate.quad(
            lambda u, f=f_an: f(xm + math.exp(u)) * math.exp(u),
            math.log(y_c - xm),
            math.log(x0 - xm),
            epsabs=1e-12,
            epsrel=1e-10,
            limit=200,
        )[0]
        outer = integrate.quad(
            lambda e, h=h: rho(e) * h(aligned(e)), eta_c, 12 * sigma, epsabs=1e-12, epsrel=1e-10, limit=200
        )[0]
        out.append(2 * (al + an + outer))
    return out


@pytest.mark.parametrize(("g", "k"), [(2.0, 2.0), (0.5, 1.7), (1.0, 1.6)])
def test_branches_against_brute_force_quadrature(g, k):
    # every returned branch: C0 = <tanh² x> (Eq. 24) and marginal stability sum = 1 (Eq. 26), both checked by
    # adaptive quadrature (rtol 1e-7: the branch's C0 is bisected to ~1e-13, quadratures agree to ~1e-10).
    # These cases keep η_m − η_c ≥ 1e-7; when the threshold sits closer to the turning point (common: the
    # stability sum diverges only logarithmically there), S = 1 is ill-conditioned in η_c and is not re-
    # checked.
    c = fp.fixed_point_complexity(g, k)
    n = int(c.n_branches)
    assert n >= 1
    for b in range(n):
        C0, eta_c = float(c.C0[b]), float(c.eta_c[b])
        C_ref, S_ref = _brute_force(g, k, C0, eta_c)
        assert C_ref == pytest.approx(C0, rel=1e-7)
        assert S_ref == pytest.approx(1.0, rel=1e-7)
        assert float(c.log2_count[b]) == pytest.approx(
            special.erf(eta_c / (g * math.sqrt(2 * C0))), rel=1e-12
        )


def test_two_branches_at_small_g_one_at_large_g():
    # model.md §7.4: discontinuous onset at small g with two coexisting branches; the large-s one dominates
    c = fp.fixed_point_complexity(0.5, 1.7)
    assert int(c.n_branches) == 2
    assert (
        int(c.dominant) == 1
        and float(c.s[1]) > float(c.s[0])
        and float(c.log2_count[1]) > float(c.log2_count[0])
    )
    assert int(fp.fixed_point_complexity(2.0, 2.0).n_branches) == 1


def test_count_grows_monotonically_in_k():
    values = [float(fp.fixed_point_complexity(2.0, k).dominant_log2_count) for k in (1.5, 2.0, 2.5, 3.0, 4.0)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert 0 < values[0] and values[-1] < 1


def test_onset_brackets_existence():
    # just below k_onset no branch, just above at least one; g -> 0 recovers k_c continuously
    ks = [fp.k_onset(g) for g in (0.01, 0.5, 2.0)]  # scalar calls share one compilation (as in the CLI)
    for g, k_on in zip((0.5, 2.0), ks[1:], strict=True):
        assert int(fp.fixed_point_complexity(g, k_on - 1e-3).n_branches) == 0
        assert int(fp.fixed_point_complexity(g, k_on + 1e-3).n_branches) >= 1
    assert ks[0] == pytest.approx(fp.g0_kc(), abs=2e-3)
    assert ks[1] > ks[2]  # the onset falls with g over this range (Fig. 1b hatched region)


def test_sampler_reproduces_branch(key):
    # samples of x: <tanh² x> = C0 within 5 standard errors, and the fraction of anti-aligned units
    # (sign x ≠ sign G(x)) is half the count, P(|η| < η_c)/2, within 5 binomial standard errors.
    # (The Eq. 26 sum is not checked by Monte Carlo: its marginal value 1 comes from a log-divergent sliver
    # next to
    # the turning point that samples almost never hit; the quadrature oracle above checks it.)
    g, k, n = 2.0, 2.25, 200_000
    c = fp.fixed_point_complexity(g, k)
    b = int(c.dominant)
    x = np.asarray(fp.sample_fixed_point_x(g, k, n, key=key))
    t2 = np.tanh(x) ** 2
    assert abs(t2.mean() - float(c.C0[b])) < 5 * t2.std() / math.sqrt(n)
    s = float(c.s[b])
    G = x - s * np.tanh(x)
    assert np.all(np.abs(G) <= 12 * float(c.sigma[b]))
    anti = np.sign(x) != np.sign(G)
    frac = float(c.log2_count[b]) / 2
    assert abs(anti.mean() - frac) < 5 * math.sqrt(frac * (1 - frac) / n)
    # Eq. 21 at λ = 0 over these samples is the Eq. 26 average and does not involve p (model.md §12.11)
    xs = x[:2000]
    q = np.mean(g**2 / (np.cosh(xs) ** 2 - s) ** 2)
    for p in (2.5, 20.0):
        S0 = float(spectra.support_function(jnp.asarray(0j), g, k, p, float(c.C0[b]), xs))
        assert S0 == pytest.approx(q, rel=1e-10)


def test_input_validation(key):
    with pytest.raises(ValueError, match="g"):
        fp.fixed_point_complexity(-1.0, 2.0)
    with pytest.raises(ValueError, match="k_max"):
        fp.k_onset(1.0, k_max=-1.0)
    with pytest.raises(ValueError, match="no stable mean-field"):
        fp.sample_fixed_point_x(2.0, 0.5, 10, key=key)


@pytest.mark.slow
def test_onset_vmap_equals_loop():
    # a vmap over g equals a loop of single calls (rtol 1e-12)
    gs = np.array([0.3, 1.0, 2.5])
    np.testing.assert_allclose(fp.k_onset(gs), [fp.k_onset(g) for g in gs], rtol=1e-12)
