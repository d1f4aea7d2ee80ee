"""Circulant-embedding Gaussian fields and the single-site integrator."""

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import dmft


def test_field_covariance(key):
    # exponential covariance; empirical circular covariance of 4000 fields × 64 points against cov,
    # tolerance 5 standard errors (each lag estimate has std ≈ c(0)/√(M n) for weakly correlated points).
    n, M = 64, 4000
    cov = 1.5 * np.exp(-np.arange(n // 2 + 1) * 0.3)
    eta = np.asarray(dmft.sample_gaussian_field(jnp.asarray(cov), n, key=key, shape=(M,)))
    emp = np.array([np.mean(eta * np.roll(eta, -j, axis=1)) for j in range(n // 2 + 1)])
    assert np.max(np.abs(emp - cov)) < 5 * 1.5 * math.sqrt(2.0) / math.sqrt(M * n) * 3


def test_circulant_spectrum_matches_dense():
    n = 16
    cov = np.exp(-np.arange(n // 2 + 1) / 2.0)
    c = np.concatenate([cov, cov[1:-1][::-1]])
    dense = np.array([[c[(j - i) % n] for j in range(n)] for i in range(n)])
    S = np.asarray(dmft.circulant_spectrum(jnp.asarray(cov), n))
    np.testing.assert_allclose(np.sort(S), np.sort(np.linalg.eigvalsh(dense)), atol=1e-12)
    with pytest.raises(ValueError, match="n//2"):
        dmft.circulant_spectrum(jnp.ones(n), n)


def test_integrator_matches_naive_loop(key):
    M, n, dt = 3, 150, 0.1
    eta = np.asarray(jr.normal(key, (M, n))) * 0.5
    W = np.random.default_rng(1).normal(size=23) * 0.05
    a = math.exp(-dt)
    c2 = (dt - 1 + a) / dt
    c1 = 1 - a - c2
    x = np.zeros((M, n))
    x[:, 0] = eta[:, 0]
    ph = np.zeros((M, n))
    ph[:, 0] = np.tanh(x[:, 0])

    def memory_input(t, now):
        return W[0] * now + sum(W[m] * ph[:, t - m] for m in range(1, len(W)) if t - m >= 0)

    for t in range(n - 1):
        f = eta[:, t] + memory_input(t, ph[:, t])
        fp = eta[:, t + 1] + memory_input(t + 1, np.tanh(a * x[:, t] + (1 - a) * f))
        x[:, t + 1] = a * x[:, t] + c1 * f + c2 * fp
        ph[:, t + 1] = np.tanh(x[:, t + 1])
    for block in (7, 32):
        got = dmft.integrate_single_site(jnp.asarray(eta), jnp.asarray(W), dt=dt, block=block)
        np.testing.assert_allclose(np.asarray(got), x, rtol=0, atol=1e-13)


def test_integrator_second_order():
    # ẋ = −x + sin t + 0.3 tanh x·0 (no memory): exact x = (sin t − cos t)/2 + (x0 + 1/2) e^{−t}.
    # The fitted order of the error at t = 5 over dt = 2^-2 … 2^-5 must be within 0.3 of 2.
    errs, dts = [], [2.0**-j for j in range(2, 7)]
    for dt in dts:
        t = np.arange(int(round(5 / dt)) + 1) * dt
        x = dmft.integrate_single_site(jnp.asarray(np.sin(t))[None], jnp.zeros(2), dt=dt, x0=jnp.zeros(1))
        exact = (np.sin(5) - np.cos(5)) / 2 + 0.5 * np.exp(-5)
        errs.append(abs(float(x[0, -1]) - exact))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert abs(slope - 2) < 0.3


def test_memory_terms():
    import neurosyn as ns

    net = ns.Network(N=1, g=2.0, k=1.0, p=2.0)
    C = jnp.ones(1000)
    w = dmft.HebbianKernel().weights(net, C, 0.1)
    # Σ w ≈ ∫₀^∞ (k/p) e^{−τ/p} dτ = k (trapezoid, cut at 15p)
    assert float(jnp.sum(w)) == pytest.approx(1.0, rel=1e-3)
    assert dmft.HebbianKernel().n_hist(net, 0.1) == 301
    np.testing.assert_allclose(dmft.SelfCoupling(0.7).weights(net, C, 0.1), [0.7, 0.0])
    with pytest.raises(ValueError, match="cutoff"):
        dmft.HebbianKernel(cutoff=-1.0)
