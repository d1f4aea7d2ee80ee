"""Oracles for the eigen-analysis (spectra/_spectrum.py): Eq. 19 to machine precision, the quadratic route
against the reduced Jacobian, the circular law at the trivial state, and the −1/p split of the full
spectrum."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

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
