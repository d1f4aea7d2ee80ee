"""Finding, polishing, deduplicating and classifying finite-N fixed points."""

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy import optimize

import fixedpoints as fp
import neurosyn as ns


@pytest.mark.parametrize("plastic", [True, False])
def test_residual_jacobian_against_finite_differences(key, plastic):
    # analytic ∂F/∂x against central differences in float64 (h = 1e-6: truncation ~h² and rounding ~1e-16/h,
    # both far below rtol 1e-6 of the O(1) entries)
    N = 12
    net = ns.Network(N=N, g=1.5, k=2.0, p=2.5)
    kJ, kx, kA = jr.split(key, 3)
    J = ns.sample_couplings(net, kJ)
    x = 1.3 * jr.normal(kx, (N,))
    A = None if plastic else 0.3 * jr.normal(kA, (N, N)) / N
    M = np.asarray(fp.residual_jacobian(net, J, x, plastic=plastic, A=A))
    F = lambda y: np.asarray(fp.residual_function(net, J, jnp.asarray(y), plastic=plastic, A=A))
    h = 1e-6
    fd = np.stack(
        [(F(np.asarray(x) + h * e) - F(np.asarray(x) - h * e)) / (2 * h) for e in np.eye(N)], axis=1
    )
    np.testing.assert_allclose(M, fd, rtol=1e-6, atol=1e-8)


def test_residual_matches_vector_field_at_synaptic_fixed_point(key):
    # F(x) is the x-part of the joint vector field at A* = kφφᵀ/N, whose A-part vanishes there
    net = ns.Network(N=9, g=2.0, k=1.7, p=2.5)
    J = ns.sample_couplings(net, key)
    x = jr.normal(jr.fold_in(key, 1), (9,))
    v = ns.vector_field(net, J, ns.fixed_point_state(net, x))
    np.testing.assert_allclose(
        np.asarray(fp.residual_function(net, J, x)), np.asarray(v.x), rtol=0, atol=1e-14
    )
    assert float(jnp.max(jnp.abs(v.A))) < 1e-15


def test_g0_fixed_points_are_sign_patterns(key):
    # g = 0 (J = 0): |x_i| = χ with χ = k tanh³χ (brentq oracle), every sign pattern; polished to ‖F‖ ≤ 1e-10
    N, k = 16, 2.5
    net = ns.Network(N=N, g=0.0, k=k, p=2.5)
    J = jnp.zeros((N, N))
    chi = optimize.brentq(lambda c: c - k * math.tanh(c) ** 3, fp.g0_chi_c(), k + 1, xtol=1e-15)
    X0 = fp.sign_states(net, J, 6, key=key, chi=chi + 0.3)
    res = fp.find_fixed_points(net, J, X0)
    assert bool(jnp.all(res.converged))
    assert float(jnp.max(res.residual)) <= 1e-10
    np.testing.assert_allclose(np.abs(np.asarray(res.x)), chi, atol=1e-10)
    assert bool(jnp.all(res.stable))  # above k_c the outlier is stable and the bulk strictly negative


def test_g0_eigenvalues_at_kc_for_any_sign_pattern(key):
    # model.md §7.5: at k = k_c, p = 2.5 the reduced Jacobian has −0.2274, −1.1726 (N − 1 times each), −1.0667
    # and 0, for any sign pattern and any N (closed forms in `g0_eigenvalues`, checked against the published
    # four decimals in test_meanfield). Tolerance 1e-6: the fixed point is exact to ~1e-15, but the zero
    # eigenvalue is degenerate with its neighbours only through rounding of a 2N × 2N dense eigensolve.
    N, p = 6, 2.5
    kc, chi = fp.g0_kc(), fp.g0_chi_c()
    net = ns.Network(N=N, g=0.0, k=kc, p=p)
    ev = fp.g0_eigenvalues(p)
    expected = np.sort(np.array([ev["bulk"][0]] * (N - 1) + [ev["bulk"][1]] * (N - 1) + [ev["outlier"], 0.0]))
    for trial in range(3):
        sig = np.where(np.asarray(jr.bernoulli(jr.fold_in(key, trial), 0.5, (N,))), 1.0, -1.0)
        res = fp.find_fixed_points(net, jnp.zeros((N, N)), jnp.asarray(chi * sig), stability_tol=1e-6)
        assert float(res.residual[0]) <= 1e-10
        lam = np.asarray(res.eigenvalues[0])
        assert np.max(np.abs(lam.imag)) < 1e-6
        np.testing.assert_allclose(np.sort(lam.real), expected, atol=1e-6)
        assert not bool(res.stable[0])  # marginal: max Re λ = 0 is not < −stability_tol


@pytest.mark.parametrize("k", [2.0, -1.0])
def test_trivial_fixed_point_loses_stability_at_g_equal_1(key, k):
    # x = 0: M̃ = [[−I + J, 0], [(k/p) I, −I/p]], so max Re λ = max Re eig(J) − 1 (numpy oracle, 1e-8) and the
    # circular law puts it at g − 1 ± O(N^-1/2): stable at g = 0.8, unstable at g = 1.2, whatever k
    N = 200
    J0 = ns.sample_J0(key, N)
    for g, stable in ((0.8, True), (1.2, False)):
        net = ns.Network(N=N, g=g, k=k, p=2.5)
        J = g * J0
        res = fp.find_fixed_points(net, J, jnp.zeros(N))
        ref = np.max(np.linalg.eigvals(np.asarray(J)).real) - 1.0
        assert float(res.max_real[0]) == pytest.approx(max(ref, -1 / 2.5), abs=1e-8)
        assert bool(res.stable[0]) is stable
        assert res.n_found == 1  # the trivial point counts once (it is its own mirror image)


def test_deduplicate_recognises_mirror_images():
    a = np.array([0.3, -1.2, 0.8])
    b = np.array([1.0, 0.2, -0.4])
    X = np.stack([a, -a, a + 1e-9, b, -b, 2 * b])
    reps, idx, counts = fp.deduplicate(X, tol=1e-6)
    assert reps.shape[0] == 3
    assert idx[0] == idx[1] == idx[2] and idx[3] == idx[4] and len({idx[0], idx[3], idx[5]}) == 3
    assert counts.tolist() == [3, 2, 1]
    assert np.max(np.abs(reps[0])) == pytest.approx(1.2) and reps[0][np.argmax(np.abs(reps[0]))] > 0


def test_halted_network_fixed_points_and_stability(key):
    # halted synapses at a given A: x = (J + A)φ(x); stability from eig(−I + (J + A) diag φ′) (numpy oracle)
    N = 30
    net = ns.Network(N=N, g=1.5, k=2.0, p=2.5)
    kJ, kA, kx = jr.split(key, 3)
    J = ns.sample_couplings(net, kJ)
    u = jr.normal(kA, (N,))
    A = 1.5 * jnp.outer(u, u) / N
    res = fp.find_fixed_points(net, J, fp.random_states(N, 12, key=kx), plastic=False, A=A, relax=20.0)
    W = np.asarray(J + A)
    for x, r, mr in zip(np.asarray(res.x), np.asarray(res.residual), np.asarray(res.max_real), strict=True):
        assert np.linalg.norm(-x + W @ np.tanh(x)) <= 1e-10 and r <= 1e-10
        ref = np.max(np.linalg.eigvals(-np.eye(N) + W * (1 - np.tanh(x) ** 2)[None, :]).real)
        assert mr == pytest.approx(ref, abs=1e-9)


def test_nonplastic_fixed_points_mostly_unstable_for_g_above_1(key):
    # k = 0, g = 3: the classical network has many fixed points, all unstable as N → ∞ (model.md §7.1). At N =
    # 60
    # a few stable ones still occur (finite-size effect), so check the flags against numpy and that most are
    # unstable
    N = 60
    net = ns.Network(N=N, g=3.0, k=0.0, p=2.5)
    J = ns.sample_couplings(net, key)
    res = fp.find_fixed_points(
        net, J, fp.random_states(N, 64, key=jr.fold_in(key, 1)), plastic=False, throw=False
    )
    assert res.x.shape[0] >= 4
    assert float(jnp.max(res.residual)) <= 1e-10
    for x, st in zip(np.asarray(res.x), np.asarray(res.stable), strict=True):
        ref = np.max(np.linalg.eigvals(-np.eye(N) + np.asarray(J) * (1 - np.tanh(x) ** 2)[None, :]).real)
        assert st == (ref < -1e-9)
    assert np.mean(np.asarray(res.stable)) < 0.5


def test_stability_is_p_independent_at_finite_N(key):
    # the stable set does not depend on p (model.md §7.3): classify one candidate set at p = 2.5 and p = 20
    N = 20
    J0 = ns.sample_J0(key, N)
    X0 = fp.random_states(N, 128, key=jr.fold_in(key, 1))
    flags = []
    for p in (2.5, 20.0):
        net = ns.Network(N=N, g=2.0, k=2.25, p=p)
        res = fp.find_fixed_points(net, 2.0 * J0, X0, relax=30.0, throw=False)
        flags.append((np.asarray(res.x), np.asarray(res.stable)))
    np.testing.assert_allclose(flags[0][0], flags[1][0], atol=1e-12)
    assert flags[0][1].sum() >= 2
    assert (flags[0][1] == flags[1][1]).all()


def test_batch_equals_single_solves(key):
    # the vmapped solve gives the same points as one-at-a-time solves (rtol 1e-12)
    N = 15
    net = ns.Network(N=N, g=2.0, k=2.5, p=2.5)
    J = ns.sample_couplings(net, key)
    X0 = fp.random_states(N, 4, key=jr.fold_in(key, 2))
    batch = fp.find_fixed_points(net, J, X0, relax=30.0, classify=False, throw=False)
    for i in range(X0.shape[0]):
        one = fp.find_fixed_points(net, J, X0[i], relax=30.0, classify=False, throw=False)
        assert int(one.init_n_iter[0]) == int(batch.init_n_iter[i])
        if bool(one.converged[0]):
            j = int(batch.init_index[i])
            d = min(
                np.max(np.abs(np.asarray(one.x[0] - batch.x[j]))),
                np.max(np.abs(np.asarray(one.x[0] + batch.x[j]))),
            )
            assert d < 1e-12


def test_errors_and_status(key):
    net = ns.Network(N=10, g=2.0, k=2.0, p=2.5)
    J = ns.sample_couplings(net, key)
    with pytest.raises(ValueError, match="tol"):
        fp.find_fixed_points(net, J, jnp.zeros(10), tol=0.0)
    with pytest.raises(ValueError, match="x_init"):
        fp.find_fixed_points(net, J, jnp.zeros(9))
    with pytest.raises(ValueError, match="plastic=False"):
        fp.find_fixed_points(net, J, jnp.zeros(10), A=jnp.zeros((10, 10)))
    X0 = 3.0 * jr.normal(jr.fold_in(key, 1), (4, 10))
    with pytest.raises(ns.ConvergenceError, match="max_steps=1"):
        fp.find_fixed_points(net, J, X0, max_steps=1)
    res = fp.find_fixed_points(net, J, X0, max_steps=1, throw=False)
    assert not bool(jnp.any(res.converged))
    assert bool(jnp.all(res.init_status == ns.Status.max_steps)) and res.x.shape[0] == 0
    bad = fp.find_fixed_points(net, J, jnp.full((1, 10), jnp.nan), throw=False)
    assert bool(jnp.all(bad.init_status == ns.Status.nonfinite))
    assert bool(jnp.isnan(bad.init_residual[0]))


def test_newton_agrees_with_scipy_root(key):
    # oracle: MINPACK hybr (scipy.optimize.root) from the same near-root seeds reaches the same points (1e-9)
    N, k = 40, 3.0
    net = ns.Network(N=N, g=0.3, k=k, p=2.5)
    kJ, ks = jr.split(key)
    J = ns.sample_couplings(net, kJ)
    X0 = fp.sign_states(net, J, 6, key=ks, chi=fp.g0_chi(k))
    res = fp.find_fixed_points(net, J, X0, classify=False)
    Jn = np.asarray(J)
    F = lambda x: -x + Jn @ np.tanh(x) + k * np.mean(np.tanh(x) ** 2) * np.tanh(x)
    for i, x0 in enumerate(np.asarray(X0)):
        assert bool(res.converged[i]) and float(res.init_residual[i]) <= 1e-10
        sol = optimize.root(F, x0, method="hybr", tol=1e-14)
        assert np.linalg.norm(F(sol.x)) <= 1e-10
        x = np.asarray(res.x[int(res.init_index[i])])
        assert min(np.max(np.abs(x - sol.x)), np.max(np.abs(x + sol.x))) < 1e-9


def test_lm_fallback_reports_stalls_instead_of_garbage(key):
    # from far random states at k = 0, g = 3 some solves stall at minima of ‖F‖ that are not roots: they
    # must be flagged max_steps with their (large) residual, and every state reported converged is a root
    N = 30
    net = ns.Network(N=N, g=3.0, k=0.0, p=2.5)
    J = ns.sample_couplings(net, key)
    X0 = fp.random_states(N, 32, key=jr.fold_in(key, 1), scale=3.0)
    res = fp.find_fixed_points(net, J, X0, plastic=False, classify=False, throw=False, max_steps=60)
    conv = np.asarray(res.converged)
    r = np.asarray(res.init_residual)
    assert conv.any() and (~conv).any()  # both outcomes occur in this case
    assert np.all(r[conv] <= 1e-10) and np.all(r[~conv] > 1e-10)
    assert np.all(np.asarray(res.init_status == ns.Status.max_steps)[~conv])
    Jn = np.asarray(J)
    for x in np.asarray(res.x):
        assert np.linalg.norm(-x + Jn @ np.tanh(x)) <= 1e-10  # numpy re-evaluation of each returned point


@pytest.mark.parametrize(("g", "k"), [(2.0, 2.25), (0.5, 1.9)])
def test_self_coupled_seeds_find_stable_fixed_points(key, g, k):
    # the surrogate flow's fixed points are joint fixed points; from its end states Newton finds stable ones
    # (eig M̃ re-checked with numpy) at both Fig. 6e points, where random starts mostly find unstable ones
    N = 60
    net = ns.Network(N=N, g=g, k=k, p=2.5)
    kJ, ks = jr.split(key)
    J = ns.sample_couplings(net, kJ)
    X0 = fp.self_coupled_states(net, J, 16, key=ks, T=1000.0)
    res = fp.find_fixed_points(net, J, X0, throw=False)
    nz = np.asarray(res.C0) > 1e-3
    st = np.asarray(res.stable) & nz
    assert st.sum() >= 2 and float(jnp.max(res.residual)) <= 1e-10
    for x in np.asarray(res.x)[st][:2]:
        ph, d = np.tanh(x), 1 - np.tanh(x) ** 2
        Mx = -np.eye(N) + (np.asarray(J) + k * np.outer(ph, ph) / N) * d[None, :]
        top = np.hstack([Mx, np.mean(ph**2) * np.diag(d) + np.outer(ph, ph * d) / N])
        bottom = np.hstack([(k / 2.5) * np.eye(N), -np.eye(N) / 2.5])
        assert np.max(np.linalg.eigvals(np.vstack([top, bottom])).real) < 0  # Eq. 18, built by hand


def test_self_coupled_states_validation(key):
    net = ns.Network(N=10, g=2.0, k=2.0, p=2.5)
    J = ns.sample_couplings(net, key)
    with pytest.raises(ValueError, match="tau_s"):
        fp.self_coupled_states(net, J, 4, key=key, tau_s=0.0)
    with pytest.raises(ValueError, match="dt"):
        fp.self_coupled_states(net, J, 4, key=key, dt=1.5)
    with pytest.raises(ValueError, match="J has shape"):
        fp.self_coupled_states(net, J[:5], 4, key=key)


@pytest.mark.slow
def test_found_fixed_points_bulk_edges_match_eq21_at_N200(key):
    # model.md §7.6: at N = 200 the bulk edge of M̃ at each stable fixed point found by the finder matches
    # Eq. 21 evaluated on that point's own x and C0 within 0.03 (observed spread ≈ 0.01 ≈ 0.15/√N), and is
    # within the finite-N marginality tolerance 2/√N of 0 at (g, k) = (0.5, 1.9) (Fig. 6e)
    N = 200
    net = ns.Network(N=N, g=0.5, k=1.9, p=2.5)
    kJ, ks = jr.split(key)
    J = ns.sample_couplings(net, kJ)
    res = fp.find_fixed_points(net, J, fp.self_coupled_states(net, J, 8, key=ks), throw=False)
    ms = fp.marginal_spectra(net, res, key=jr.fold_in(key, 3))
    mr, own = np.asarray(ms.max_real), np.asarray(ms.theory_max_real_own)
    assert mr.size >= 4
    np.testing.assert_allclose(mr, own, atol=0.03)
    assert np.all(mr < 0) and np.all(mr > -2 / math.sqrt(N))
