"""Oracles for the eigen-analysis (spectra/_spectrum.py): Eq. 19 to machine precision, the quadratic route
against the reduced Jacobian, the circular law at the trivial state, and the −1/p split of the full
spectrum."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.optimize

import neurosyn as ns
import spectra


def _state(key, net, scale_A=0.5):
    k_J, k_x, k_A = jr.split(key, 3)
    J = ns.sample_couplings(net, k_J)
    return J, ns.State(1.2 * jr.normal(k_x, (net.N,)), scale_A * jr.normal(k_A, (net.N, net.N)) / net.N)


def _match(a, b):
    d = np.abs(np.asarray(a)[:, None] - np.asarray(b)[None, :])
    return max(d.min(axis=1).max(), d.min(axis=0).max())


@pytest.mark.parametrize("k", [1.5, -2.0])
def test_f_a_from_eigenvectors_equals_eq19(key, k):
    # Eq. 19 is exact for eigenvectors of M̃: k v_x = (1 + pλ) v_a. Machine precision: 1e-12 at N = 60.
    net = ns.Network(N=60, g=2.0, k=k, p=2.5)
    J, state = _state(key, net)
    spec = spectra.jacobian_spectrum(net, J, state)
    lam = np.asarray(spec.eigenvalues)
    expected = k**2 / (k**2 + 2.5**2 * np.abs(lam + 1 / 2.5) ** 2)  # written out, not f_a_theory
    np.testing.assert_allclose(np.asarray(spec.f_a), expected, rtol=0, atol=1e-12)
    assert float(spec.f_a_error) < 1e-12
    assert lam.shape == (120,)
    assert float(spec.max_real) == lam.real.max()
    assert np.all(np.diff(lam.real) <= 0)
    np.testing.assert_allclose(np.asarray(spectra.f_a_theory(lam, k, 2.5)), expected, rtol=1e-14)


def test_f_a_with_slowed_synapses(key):
    # plastic = 0.5 doubles the synaptic time constant; Eq. 19 then holds with p_eff = p / plastic.
    net = ns.Network(N=20, g=2.0, k=1.0, p=2.5)
    J, state = _state(key, net)
    spec = spectra.jacobian_spectrum(net, J, state, plastic=0.5)
    lam = np.asarray(spec.eigenvalues)
    np.testing.assert_allclose(np.asarray(spec.f_a), 1 / (1 + 25.0 * np.abs(lam + 0.2) ** 2), atol=1e-12)


@pytest.mark.parametrize("k", [2.0, -1.0, 0.0])
def test_quadratic_route_matches_reduced_jacobian(key, k):
    # footnote 58: det(pλ² + λ(I − p Fx) − (Fx + k B)) = 0 has the 2N eigenvalues of M̃. Fx and B are built
    # by hand (Eq. 20) and solved as a companion pencil with QZ: an independent route. atol 1e-8 (N = 30,
    # eigenvalue condition numbers of a random non-normal matrix of this size are ≲ 10³).
    N, p = 30, 2.5
    net = ns.Network(N=N, g=2.0, k=k, p=p)
    J, state = _state(key, net)
    x, W = np.asarray(state.x), np.asarray(J + state.A)
    phi = np.tanh(x)
    D = np.diag(1 - phi**2)
    Fx = -np.eye(N) + W @ D
    B = (phi @ phi / N) * D + np.outer(phi, phi) @ D / N
    quad = np.asarray(spectra.quadratic_eigenvalues(Fx, B, k, p))
    assert quad.shape == (2 * N,)
    assert _match(quad, spectra.jacobian_spectrum(net, J, state).eigenvalues) < 1e-8


def test_circular_law_at_the_trivial_state(key):
    # At x = 0, A = 0: ∂F/∂x = −I + J, so the spectrum of J is eig(∂F/∂x) + 1. Circular law (style §5.1):
    # N = 1000, radius within 0.1·g, fraction inside r·g equal to r² within 1/√N.
    N, g = 1000, 1.5
    net = ns.Network(N=N, g=g, k=1.0, p=2.5)
    J = ns.sample_couplings(net, key)
    Fx = spectra.neuronal_jacobian(net, J, ns.State(jnp.zeros(N), jnp.zeros((N, N))))
    mu = np.linalg.eigvals(np.asarray(Fx)) + 1.0
    assert abs(np.abs(mu).max() - g) < 0.1 * g
    for r in (0.25, 0.5, 0.75, 0.9):
        assert abs(np.mean(np.abs(mu) < r * g) - r**2) < 1 / np.sqrt(N)


def test_split_full_spectrum_at_k0(key):
    # At k = 0 the reduced block itself holds N eigenvalues at −1/p; the split removes exactly N² − N.
    N, p = 4, 2.5
    net = ns.Network(N=N, g=2.0, k=0.0, p=p)
    J, state = _state(key, net)
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, J, state)))
    rest, dev = spectra.split_full_spectrum(full, p, N)
    assert rest.shape == (2 * N,)
    assert np.sum(np.abs(np.asarray(rest) + 1 / p) < 1e-8) == N
    assert float(dev) < 1e-10
    with pytest.raises(ValueError, match="expected"):
        spectra.split_full_spectrum(full[:-1], p, N)


def test_quadratic_bad_input():
    with pytest.raises(ValueError, match="p .*> 0"):
        spectra.quadratic_eigenvalues(np.eye(3), np.eye(3), 1.0, 0.0)
    with pytest.raises(ValueError, match="square"):
        spectra.quadratic_eigenvalues(np.eye(3), np.eye(2), 1.0, 2.5)


def test_f_a_for_a_no_decay_rule(key):
    # NoDecay: ȧ = k̃ G(x), so the lower block row of M̃ is λ v_a = k̃ v_x and f_a = k̃²/(k̃² + |λ|²) (written
    # out; Eq. 19 with the rule's rates instead of 1/p). Machine precision at N = 20.
    kt = 0.4
    net = ns.Network(N=20, g=1.5, k=kt, p=2.5, rule=ns.NoDecay())
    J, state = _state(key, net)
    spec = spectra.jacobian_spectrum(net, J, state)
    lam = np.asarray(spec.eigenvalues)
    np.testing.assert_allclose(np.asarray(spec.f_a), kt**2 / (kt**2 + np.abs(lam) ** 2), rtol=0, atol=1e-12)
    assert float(spec.f_a_error) < 1e-12


def test_trajectory_spectra_follow_one_run(key):
    # Segment-by-segment integration reproduces one run of length t (RK4 is deterministic: atol 1e-10 after
    # 20 time units of chaos, growth e^(0.2·20) ≈ 55 on round-off), and each spectrum is that state's.
    net = ns.Network(N=40, g=2.0, k=1.0, p=2.5)
    traj = spectra.trajectory_spectra(net, [5.0, 12.0, 20.0], key=key)
    assert traj.converged and len(traj.spectra) == 3
    one = ns.simulate(net, 20.0, key=key, t_burn=0.0, record=ns.Record(dt=20.0, units=(), tau_max=0.0))
    np.testing.assert_allclose(np.asarray(traj.states[-1].x), np.asarray(one.state.x), atol=1e-10)
    np.testing.assert_allclose(np.asarray(traj.states[-1].A), np.asarray(one.state.A), atol=1e-10)
    np.testing.assert_allclose(np.asarray(traj.J), np.asarray(one.J), atol=1e-14)
    spec = spectra.jacobian_spectrum(net, one.J, one.state)
    assert _match(traj.spectra[-1].eigenvalues, spec.eigenvalues) < 1e-8
    np.testing.assert_allclose(np.asarray(traj.max_real), [float(s.max_real) for s in traj.spectra])
    assert np.linalg.norm(np.asarray(traj.states[0].x - traj.states[1].x)) > 0.1  # the state moved
    with pytest.raises(ValueError, match="increasing"):
        spectra.trajectory_spectra(net, [5.0, 3.0], key=key)
    with pytest.raises(ValueError, match="multiples of dt"):
        spectra.trajectory_spectra(net, [5.05], key=key, dt=0.1)


def test_spectrum_at_the_g0_fixed_point(key):
    # model.md §12.1: at g = 0 and k = k_c (sinh 2χ = 6χ, k_c = χ/tanh³χ = 2.0170), x_i = ±χ is a fixed point
    # with A = kφφᵀ/N, and M̃ has −0.2274 and −1.1726 (N − 1 times each), −1.0667 and 0 at p = 2.5 (table to
    # 4 decimals: atol 5e-5).
    chi = scipy.optimize.brentq(lambda c: np.sinh(2 * c) - 6 * c, 1.0, 2.0, xtol=1e-15)
    k_c = chi / np.tanh(chi) ** 3
    assert abs(k_c - 2.0170) < 5e-5
    N = 12
    net = ns.Network(N=N, g=0.0, k=k_c, p=2.5)
    x = chi * np.where(np.asarray(jr.bernoulli(key, 0.5, (N,))), 1.0, -1.0)
    state = ns.fixed_point_state(net, jnp.asarray(x))
    J = jnp.zeros((N, N))
    assert float(jnp.max(jnp.abs(ns.vector_field(net, J, state).x))) < 1e-12
    lam = np.sort_complex(np.asarray(spectra.jacobian_spectrum(net, J, state).eigenvalues))
    expected = np.sort_complex(np.array([-0.2274] * (N - 1) + [-1.1726] * (N - 1) + [-1.0667, 0.0]) + 0j)
    np.testing.assert_allclose(lam, expected, atol=5e-5)
