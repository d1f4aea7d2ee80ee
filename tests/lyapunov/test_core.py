"""The generic Benettin engine on linear maps, whose exponents are known in closed form."""

import warnings

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import lyapunov as ly
from lyapunov import _core


def _system(key, D=6):
    """A non-normal real matrix with complex eigenvalues, spread real parts in [−1.5, 0.3]."""
    k1, k2 = jr.split(key)
    V = np.asarray(jr.normal(k1, (D, D))) + 2 * np.eye(D)
    lam = np.array([0.3, -0.2, -0.5, -0.9, -1.2, -1.5])
    blocks = np.diag(lam)
    blocks[1, 2], blocks[2, 1] = 0.8, -0.8  # a rotation: eigenvalues −0.2 ± 0.8i ... with unequal diagonals
    A = V @ blocks @ np.linalg.inv(V)
    return jnp.asarray(A), np.linalg.eigvals(A), np.linalg.cond(V)


def test_linear_euler_map_top_and_bottom(key):
    """y ↦ (I + dt A) y has exponents log|1 + dt μ|/dt exactly; the finite-time error is ≲ c/T, with
    c ~ 2 log cond(V) + 2 (alignment of the start vectors and non-normality), so tol = (2 log κ + 4)/T."""
    A, mu, cond = _system(key)
    dt, T = 0.1, 400.0
    step = lambda y: y + dt * (A @ y)
    inverse = lambda y: y - dt * (A @ y)  # Euler with −dt: an approximate inverse, refined to the exact one
    res = ly.map_spectrum(
        step,
        jnp.ones(6),
        key=key,
        m=6,
        dt=dt,
        T=T,
        t_tangent=20.0,
        reortho=0.5,
        bottom=6,
        inverse=inverse,
        n_refine=6,
    )
    expected = np.sort(np.log(np.abs(1 + dt * mu)) / dt)[::-1]
    tol = (2 * np.log(cond) + 4) / T
    np.testing.assert_allclose(np.sort(np.asarray(res.exponents))[::-1], expected, atol=tol)
    np.testing.assert_allclose(np.sort(np.asarray(res.bottom_exponents))[::-1], expected, atol=tol)
    # the sum is a determinant: exact up to round-off whatever the alignment
    np.testing.assert_allclose(float(jnp.sum(res.exponents)), np.sum(expected), rtol=1e-10)
    np.testing.assert_allclose(float(jnp.sum(res.bottom_exponents)), np.sum(expected), rtol=1e-10)
    # top-2 only: the leading exponent without the rest
    top = ly.map_spectrum(step, jnp.ones(6), key=key, m=2, dt=dt, T=T, t_tangent=20.0, reortho=0.5)
    assert abs(float(top.exponents[0]) - expected[0]) < tol


def test_rk4_map_approximates_flow(key):
    """RK4 of y′ = Ay: exponents Re μ up to O(dt⁴) (≈ 2e-4 here) plus the (2 log κ + 4)/T finite-time term."""
    A, mu, cond = _system(key)
    dt, T = 0.1, 400.0

    def step(y):
        k1 = A @ y
        k2 = A @ (y + dt / 2 * k1)
        k3 = A @ (y + dt / 2 * k2)
        k4 = A @ (y + dt * k3)
        return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    res = ly.map_spectrum(step, jnp.ones(6), key=key, m=3, dt=dt, T=T, t_tangent=20.0, reortho=0.5)
    expected = np.sort(mu.real)[::-1][:3]
    np.testing.assert_allclose(np.asarray(res.exponents), expected, atol=(2 * np.log(cond) + 4) / T + 1e-3)


def test_qr_rows_against_numpy(key):
    X = jr.normal(key, (5, 40))
    Q, logs = _core.qr_rows(X)
    R = np.linalg.qr(np.asarray(X).T, mode="r")
    np.testing.assert_allclose(np.asarray(logs), np.log(np.abs(np.diag(R))), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(Q @ Q.T), np.eye(5), atol=1e-13)
    # ill-conditioned (cond ~ 1e12): Cholesky QR breaks down, the Householder fallback must take over
    Xbad = X.at[4].set(X[3] + 1e-12 * X[4])
    Q, logs = _core.qr_rows(Xbad)
    R = np.linalg.qr(np.asarray(Xbad).T, mode="r")
    np.testing.assert_allclose(np.asarray(Q @ Q.T), np.eye(5), atol=1e-10)
    np.testing.assert_allclose(np.asarray(logs), np.log(np.abs(np.diag(R))), rtol=1e-6)


def test_growth_warning(key):
    """A growth factor of 1e14 between two QRs must warn; 1e4 must not."""
    with pytest.warns(ly.LyapunovWarning, match="grew by more than"):
        ly.map_spectrum(lambda y: 1e7 * y, jnp.ones(2), key=key, m=1, dt=1.0, T=4.0, reortho=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ly.map_spectrum(lambda y: 1e2 * y, jnp.ones(2), key=key, m=1, dt=1.0, T=4.0, reortho=2.0)
    np.testing.assert_allclose(float(res.exponents[0]), np.log(1e2), rtol=1e-12)
