"""Oracles for noise-driven pruning (spectra/_pruning.py)."""

import jax.random as jr
import numpy as np
import pytest

import spectra


def test_covariance_solves_lyapunov_equation(key):
    # Oracle: for symmetric A the stationary covariance is (σ²/2) A⁻¹ (numpy inverse).
    W = spectra.homogeneous_network(30, key=key)
    A = spectra.system_matrix(W, 0.5)
    C = spectra.stationary_covariance(A, sigma=1.3)
    np.testing.assert_allclose(C, 1.3**2 / 2 * np.linalg.inv(A), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(A.sum(axis=1), 0.5, rtol=1e-12)  # Laplacian rows sum to 0, plus the leak


def test_budget_is_met_in_expectation(key):
    W = spectra.homogeneous_network(120, key=key)
    res = spectra.noise_prune(W, 1.0, key=key, budget=600)
    iu = np.triu_indices(120, 1)
    assert res.keep_prob[iu].sum() == pytest.approx(600, rel=1e-6)
    # kept count is Binomial-like around 600: within 5 standard deviations
    assert abs(res.n_kept - 600) < 5 * np.sqrt(600)
    # E[W̃] = W: reweighting is unbiased, checked on the total weight over many draws
    C = spectra.stationary_covariance(spectra.system_matrix(W, 1.0))
    totals = [spectra.noise_prune(W, 1.0, key=k, budget=600, C=C).W.sum() for k in jr.split(key, 20)]
    assert np.mean(totals) == pytest.approx(W.sum(), rel=4 * np.std(totals) / np.sqrt(20) / W.sum())


def test_dense_homogeneous_pruned_fraction_rises_spectrum_bounded(key):
    # Budget 4 n ln n: the pruned fraction rises with n, the generalised eigenvalues of (Ã, A) stay within
    # a bounded band around 1 (measured 0.77–1.25 up to n = 400; bound [0.5, 1.6] leaves room for seeds).
    fractions = []
    for n in (100, 200, 400):
        W = spectra.homogeneous_network(n, key=jr.fold_in(key, n))
        A = spectra.system_matrix(W, 1.0)
        res = spectra.noise_prune(W, 1.0, key=jr.fold_in(key, n + 1), budget="4nlogn")
        lo, hi = spectra.generalized_eigenvalue_range(res.A, A)
        assert 0.5 < lo <= 1.0 <= hi < 1.6, (n, lo, hi)
        fractions.append(res.pruned_fraction)
    assert fractions[0] < fractions[1] < fractions[2] and fractions[2] > 0.8


def test_clustered_noise_pruning_keeps_slowest_mode(key):
    # Few bridges between dense clusters set the slowest non-trivial mode (the leak 1e-3 is small beside
    # them).
    # Averaged over seeds, the noise rule keeps it far better than matched uniform and magnitude pruning
    # (measured at n = 400: errors < 1e-3 against 0.07–0.2).
    errs = {"noise": [], "uniform": [], "magnitude": []}
    rules = {
        "noise": spectra.noise_prune,
        "uniform": spectra.uniform_prune,
        "magnitude": spectra.magnitude_prune,
    }
    for s in range(6):
        W = spectra.clustered_network(120, key=jr.fold_in(key, s), p_in=1.0)
        A = spectra.system_matrix(W, 1e-3)
        for name, rule in rules.items():
            res = rule(W, 1e-3, key=jr.fold_in(key, 100 + s), budget="2nlogn")
            errs[name].append(spectra.slowest_eigenvalue_error(res.A, A))
    mean = {k: np.mean(v) for k, v in errs.items()}
    assert mean["noise"] < 0.2 * mean["uniform"] and mean["noise"] < 0.2 * mean["magnitude"], mean


def test_estimated_covariance_prunes_like_exact(key):
    # C from a finite Euler–Maruyama run is visibly noisy (max error ~30 %), yet pruning with it keeps the
    # slowest mode and the generalised-eigenvalue band as well as the exact C (within a factor 2 / 0.1).
    W = spectra.clustered_network(120, key=key, p_in=1.0)
    A = spectra.system_matrix(W, 0.05)
    C_est = spectra.estimate_covariance(A, key=jr.fold_in(key, 1), T=1000.0, dt=0.02)
    C = spectra.stationary_covariance(A)
    assert np.max(np.abs(C_est - C)) / np.max(np.abs(C)) > 0.05  # the estimate really is noisy
    e_exact, e_est, hi_exact, hi_est = [], [], [], []
    for s in range(4):
        k = jr.fold_in(key, 10 + s)
        r1 = spectra.noise_prune(W, 0.05, key=k, budget="2nlogn")
        r2 = spectra.noise_prune(W, 0.05, key=k, budget="2nlogn", C=C_est)
        e_exact.append(spectra.slowest_eigenvalue_error(r1.A, A))
        e_est.append(spectra.slowest_eigenvalue_error(r2.A, A))
        hi_exact.append(spectra.generalized_eigenvalue_range(r1.A, A)[1])
        hi_est.append(spectra.generalized_eigenvalue_range(r2.A, A)[1])
    assert np.mean(e_est) < 2 * np.mean(e_exact) + 1e-3
    assert abs(np.mean(hi_est) - np.mean(hi_exact)) < 0.1


def test_relaxation_follows_original(key):
    W = spectra.homogeneous_network(200, key=key)
    A = spectra.system_matrix(W, 1.0)
    res = spectra.noise_prune(W, 1.0, key=key, budget="4nlogn")
    lo, hi = spectra.generalized_eigenvalue_range(res.A, A)
    eps = max(1 - lo, hi - 1)
    # Over the first bulk time constant (1/λ_bulk ≈ 0.5 here) the relative error of e^{-Ãt}x0 stays below ε
    # (measured 0.05–0.1 against ε ≈ 0.2–0.3 over three seeds); it grows later as the slow modes take over.
    err = spectra.relaxation_error(res.A, A, np.asarray(jr.normal(key, (200,))), [0.25, 0.5])
    assert np.all(err < eps) and np.all(err > 0)


def test_relu_active_subnetwork(key):
    W = spectra.homogeneous_network(80, key=key)
    x = np.asarray(jr.normal(key, (80,)))
    res = spectra.relu_active_prune(W, 1.0, x, key=key, budget=200)
    inactive = x <= 0
    np.testing.assert_array_equal(res.W[inactive], W[inactive] - np.diag(np.diag(W))[inactive])
    assert res.pruned_fraction > 0


def test_prune_random_couplings_keeps_bulk(key):
    # Beyond the paper: the symmetric part of J (semicircle of radius √2·g) after pruning half its couplings.
    N, g = 300, 1.0
    J = g * np.asarray(jr.normal(key, (N, N))) / np.sqrt(N)
    Js, Jp, res = spectra.prune_couplings(J, key=key, budget=N * (N - 1) / 4)
    assert 0.4 < res.pruned_fraction < 0.6
    r0, r1 = np.max(np.abs(np.linalg.eigvalsh(Js))), np.max(np.abs(np.linalg.eigvalsh(Jp)))
    assert r0 == pytest.approx(np.sqrt(2) * g, rel=0.1)
    # reweighting by 1/p doubles the entry variance when half are kept: radius grows by about √2
    assert 1.0 < r1 / r0 < 1.7


def test_bad_inputs(key):
    W = spectra.homogeneous_network(10, key=key)
    with pytest.raises(ValueError, match="non-negative"):
        spectra.noise_prune(W - 0.5, 1.0, key=key, budget=10)
    with pytest.raises(ValueError, match="symmetric"):
        spectra.noise_prune(np.triu(W), 1.0, key=key, budget=10)
    with pytest.raises(ValueError, match="leak"):
        spectra.system_matrix(W, -1.0)
    with pytest.raises(ValueError, match="budget='lots'"):
        spectra.noise_prune(W, 1.0, key=key, budget="lots")
    with pytest.raises(ValueError, match="exactly one"):
        spectra.noise_prune(W, 1.0, key=key)
