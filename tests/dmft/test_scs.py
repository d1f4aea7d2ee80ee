"""The exact k = 0 (SCS) solver and the DMFT Lyapunov exponent."""

import math

import numpy as np
import pytest
import scipy.optimize
from numpy.polynomial.hermite_e import hermegauss

import dmft
import neurosyn as ns

# model.md §2.4: Var x, C(0), ⟨φ′²⟩, τ*, radius; tolerances are half a unit of the last printed digit
# (τ* ±0.01 as stated there).
TABLE = [
    (1.5, 0.748, 0.342, 0.517, 5.72, 1.079),
    (2.0, 1.925, 0.513, 0.355, 3.72, 1.192),
    (2.5, 3.495, 0.614, 0.272, 3.00, 1.305),
    (3.0, 5.446, 0.681, 0.222, 2.62, 1.412),
    (4.0, 10.47, 0.762, 0.162, 2.22, 1.610),
    (5.0, 16.96, 0.811, 0.128, 2.01, 1.788),
]


def _half_unit(x):
    s = f"{x}"
    decimals = len(s.split(".")[1]) if "." in s else 0
    return 0.5 * 10.0**-decimals + 1e-12


@pytest.mark.parametrize("row", TABLE, ids=[f"g={r[0]}" for r in TABLE])
def test_scs_table(row):
    g, var_x, C0, pp2, tau_star, radius = row
    sol = dmft.solve_scs(g, dt=0.025, t_max=80.0)
    assert sol.converged and sol.residual < 1e-10
    assert abs(sol.var_x - var_x) <= _half_unit(var_x)
    assert abs(sol.C0 - C0) <= _half_unit(C0)
    assert abs(sol.phi_prime2 - pp2) <= _half_unit(pp2)
    assert abs(sol.tau_star - tau_star) <= 0.01
    assert abs(sol.radius - radius) <= _half_unit(radius)
    assert sol.interp_error < 1e-10


@pytest.mark.parametrize("g", [1.5, 2.0, 3.0])
def test_energy_condition_independent(g):
    # Δ₀²/2 = g²(⟨Φ²⟩ − ⟨Φ⟩²), Φ = ln cosh, with scipy brentq and 200-node Gauss–Hermite (fine for g ≤ 3).
    z, w = hermegauss(200)
    w = w / w.sum()

    def f(D):
        Phi = np.log(np.cosh(math.sqrt(D) * z))
        return D**2 / 2 - g**2 * (w @ Phi**2 - (w @ Phi) ** 2)

    D0 = scipy.optimize.brentq(f, 0.05, 2 * g * g + 1, xtol=1e-14)
    assert dmft.solve_scs(g, t_max=5.0).var_x == pytest.approx(D0, rel=1e-6)


def test_gaussian_pair_against_gauss_hermite():
    # ⟨tanh x₁ tanh x₂⟩ for a bivariate Gaussian via a 2-D Gauss–Hermite rule on the Cholesky factor.
    D0, D = 1.9, 0.7
    z, w = hermegauss(120)
    w = w / w.sum()
    x1 = math.sqrt(D0) * z[:, None] + 0.0 * z[None, :]
    x2 = (D / math.sqrt(D0)) * z[:, None] + math.sqrt(D0 - D**2 / D0) * z[None, :]
    ref = np.einsum("i,j,ij->", w, w, np.tanh(x1) * np.tanh(x2))
    # a 120-node Gauss–Hermite rule is itself good to ~1e-9 here (poles of tanh at distance π/(2√Δ₀))
    assert dmft.gaussian_pair(np.tanh, [D], D0)[0] == pytest.approx(ref, rel=1e-8)


def test_quadrature_step_converged():
    # the default dz (0.036 here, module docstring) against a ~2× finer trapezoid grid at the hardest point
    a, b = dmft.solve_scs(5.0, t_max=10.0), dmft.solve_scs(5.0, t_max=10.0, dz=0.02)
    assert a.var_x == pytest.approx(b.var_x, rel=1e-10)
    np.testing.assert_allclose(a.C, b.C, rtol=0, atol=1e-9)


@pytest.mark.parametrize("g", [0.0, 0.5, 1.0])
def test_trivial_below_one(g):
    sol = dmft.solve_scs(g, t_max=5.0)
    assert sol.var_x == 0.0 and sol.C0 == 0.0 and sol.radius == g
    assert dmft.lyapunov_dmft(g).lambda_max == pytest.approx(g - 1.0)


def test_near_g1_analytic_k0():
    # Eq. 13 at k = 0: C = ε sech(ετ/√3) to leading order; relative corrections O(ε), so the error at
    # ε = 0.02 must be ≤ 3ε of C(0) and must shrink ∝ ε from ε = 0.04 to 0.02.
    errs = []
    for eps in (0.04, 0.02):
        sol = dmft.solve_scs(1.0 + eps, dt=0.1, t_max=400.0)
        ref = dmft.near_critical_C(1.0 + eps, 0.0, sol.lags)
        errs.append(float(np.max(np.abs(np.asarray(sol.C) - np.asarray(ref)))) / eps)
    assert errs[1] < 3 * 0.02
    assert errs[1] < 0.7 * errs[0]


@pytest.mark.parametrize(("p", "ref"), [(2.5, 1.765), (10.0, 4.60), (20.0, 8.42)])
def test_pr_A_k0(p, ref):
    sol = dmft.solve_scs(3.0, dt=0.025, t_max=80.0)
    assert float(ns.pr_A_theory(sol.C, sol.lags, p)) == pytest.approx(ref, rel=3e-3)


def test_lyapunov_dmft():
    # model.md §6.4: λ_max = 0.110 (g = 2) and 0.231 (g = 3) from N = 4096 simulations; the DMFT value may
    # differ by finite-size effects of order a few 1e-3. E₁ = 0 is exact (eigenfunction Δ′).
    for g, ref in ((2.0, 0.110), (3.0, 0.231)):
        L = dmft.lyapunov_dmft(g)
        assert L.lambda_max == pytest.approx(ref, abs=0.006)
        assert abs(L.E1) < 1e-4
        assert L.E0 < L.E1


def test_scs_bad_inputs():
    with pytest.raises(ValueError, match="g"):
        dmft.solve_scs(-1.0)
    with pytest.raises(ValueError, match="dt"):
        dmft.solve_scs(2.0, dt=0.0)
    with pytest.raises(ValueError, match="n_nodes"):
        dmft.solve_scs(2.0, n_nodes=3)
