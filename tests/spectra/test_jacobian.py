"""Oracles for the autodiff Jacobians (spectra/_jacobian.py): finite differences, Eq. 20 in closed form,
the −1/p block of multiplicity N² − N (§5.2), halted synapses, and a non-Hebbian rule."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import neurosyn as ns
import spectra


class PrePost(ns.Rule):
    """A non-Hebbian outer-product rule: f_post(φ) = φ + φ³/2, f_pre(φ) = cos φ."""

    def post(self, phi):
        return phi + 0.5 * phi**3

    def pre(self, phi):
        return jnp.cos(phi)


def _generic_state(key, net, scale_A=0.5):
    """A generic (non-fixed-point, non-symmetric) state with O(1) x and an A of the model's 1/N scale."""
    k_J, k_x, k_A = jr.split(key, 3)
    J = ns.sample_couplings(net, k_J)
    x = 1.2 * jr.normal(k_x, (net.N,))
    A = scale_A * jr.normal(k_A, (net.N, net.N)) / net.N
    return J, ns.State(x, A)


def _flat_field(net, J, plastic):
    N = net.N

    @jax.jit
    def f(y):
        s = ns.vector_field(net, J, ns.State(y[:N], y[N:].reshape(N, N)), plastic)
        return jnp.concatenate([s.x, s.A.ravel()])

    return f


def _match(a, b):
    """Largest distance from an eigenvalue of one set to the nearest one of the other (both ways)."""
    d = np.abs(np.asarray(a)[:, None] - np.asarray(b)[None, :])
    return max(d.min(axis=1).max(), d.min(axis=0).max())


RULES = [ns.hebbian, PrePost(), ns.Expression("tanh(2*post)", "pre - 0.2*pre**3"), ns.Covariance()]
RULE_IDS = ["hebbian", "prepost", "expression", "covariance"]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_full_jacobian_matches_central_differences(key, rule):
    # Central differences have truncation error O(h²) ~ 1e-12 and round-off ~ 1e-16/h ~ 1e-10 at h = 1e-6,
    # far below the rtol 1e-6 (atol 1e-8 for entries that are exactly zero).
    net = ns.Network(N=4, g=1.7, k=-1.3, p=2.5, rule=rule)
    J, state = _generic_state(key, net)
    M = np.asarray(spectra.full_jacobian(net, J, state))
    f = _flat_field(net, J, 1.0)
    y0 = np.concatenate([np.asarray(state.x), np.asarray(state.A).ravel()])
    h = 1e-6
    fd = np.empty_like(M)
    for j in range(y0.size):
        e = np.zeros_like(y0)
        e[j] = h
        fd[:, j] = (np.asarray(f(y0 + e)) - np.asarray(f(y0 - e))) / (2 * h)
    assert M.shape == (20, 20)
    np.testing.assert_allclose(M, fd, rtol=1e-6, atol=1e-8)


def test_neuronal_jacobian_closed_form_and_fd(key):
    # ∂F/∂x = −I + (J + A) diag φ′(x) (model.md §5.1), and central differences (rtol 1e-6 as above).
    net = ns.Network(N=7, g=2.0, k=1.0, p=2.5)
    J, state = _generic_state(key, net)
    Fx = np.asarray(spectra.neuronal_jacobian(net, J, state))
    x, W = np.asarray(state.x), np.asarray(J + state.A)
    np.testing.assert_allclose(Fx, -np.eye(7) + W * (1 - np.tanh(x) ** 2)[None, :], rtol=1e-13, atol=1e-15)
    F = jax.jit(lambda x_: ns.vector_field(net, J, ns.State(x_, state.A)).x)
    h = 1e-6
    fd = np.stack(
        [(np.asarray(F(x + h * e)) - np.asarray(F(x - h * e))) / (2 * h) for e in np.eye(7)], axis=1
    )
    np.testing.assert_allclose(Fx, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("k", [1.5, -2.0, 0.0])
def test_reduced_jacobian_equals_eq20(key, k):
    # Hebbian: M̃ = [[−I + (J + A) D, C(0) D + φφᵀD/N], [(k/p) I, −I/p]] (Eq. 18 with Eq. 20's blocks),
    # written out by hand; round-off only (atol 1e-13).
    N, p = 9, 2.5
    net = ns.Network(N=N, g=2.0, k=k, p=p)
    J, state = _generic_state(key, net)
    x, W = np.asarray(state.x), np.asarray(J + state.A)
    phi = np.tanh(x)
    D = np.diag(1 - phi**2)
    C0 = phi @ phi / N
    I = np.eye(N)
    expected = np.block([[-I + W @ D, C0 * D + np.outer(phi, phi) @ D / N], [(k / p) * I, -I / p]])
    np.testing.assert_allclose(
        np.asarray(spectra.reduced_jacobian(net, J, state)), expected, rtol=0, atol=1e-13
    )
    np.testing.assert_allclose(
        np.asarray(spectra.coupling_block(net, J, state)), expected[:N, N:], atol=1e-13
    )


@pytest.mark.parametrize(("rule", "n_null"), list(zip(RULES, [0, 0, 0, 1], strict=True)), ids=RULE_IDS)
@pytest.mark.parametrize("k", [1.5, -1.0])
def test_full_spectrum_is_reduced_plus_synaptic_block(key, rule, n_null, k):
    # §5.2: for any rule (1 + p∂t) a = k G(x), −1/p has multiplicity N² − N + dim ker ∂G/∂x in the
    # (N + N²)-dimensional Jacobian, and the other eigenvalues are those of the autodiff-built M̃, whose
    # ker ∂G/∂x directions (0, δy) are eigenvectors at −1/p themselves; so full = reduced + (N² − N)·{−1/p}
    # (N = 6, atol 1e-8). ∂G/∂x has full rank for outer-product rules of φ, and a one-dimensional kernel for
    # the covariance rule (δφ ∝ 1 leaves φ − mean(φ) unchanged), read off the full Jacobian's block.
    # The −1/p block is semisimple (M acts as −I/p on a quotient), so its eigenvalues sit within ~1e-14.
    N, p = 6, 2.5
    net = ns.Network(N=N, g=2.0, k=k, p=p, rule=rule)
    J, state = _generic_state(key, net)
    M = np.asarray(spectra.full_jacobian(net, J, state))
    assert N - np.linalg.matrix_rank(M[N:, :N], tol=1e-10) == n_null
    full = np.linalg.eigvals(M)
    assert np.sum(np.abs(full + 1 / p) < 1e-8) == N * N - N + n_null
    rest, deviation = spectra.split_full_spectrum(full, p, N)
    assert float(deviation) < 1e-8
    reduced = np.linalg.eigvals(np.asarray(spectra.reduced_jacobian(net, J, state)))
    assert np.sum(np.abs(reduced + 1 / p) < 1e-8) == n_null
    # generic state: no other reduced eigenvalue hides in the block
    assert np.sort(np.abs(reduced + 1 / p))[n_null] > 1e-3
    assert _match(rest, reduced) < 1e-8


def test_non_hebbian_rule_changes_the_spectrum(key):
    # Guards the test above against a reduced Jacobian that ignores net.rule: the two rules must differ.
    N = 6
    J, state = _generic_state(key, ns.Network(N=N, g=2.0, k=1.5, p=2.5))
    heb = np.linalg.eigvals(
        np.asarray(spectra.reduced_jacobian(ns.Network(N=N, g=2.0, k=1.5, p=2.5), J, state))
    )
    pp = ns.Network(N=N, g=2.0, k=1.5, p=2.5, rule=PrePost())
    other = np.linalg.eigvals(np.asarray(spectra.reduced_jacobian(pp, J, state)))
    assert _match(heb, other) > 1e-2


def test_halted_synapses(key):
    # plastic = 0: the lower block row of M̃ vanishes, so eig(M̃) = eig(∂F/∂x) ∪ {0}×N, and the full Jacobian
    # is eig(∂F/∂x) ∪ {0}×N² (frozen synapses are neutral directions).
    N = 5
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    J, state = _generic_state(key, net)
    Fx_eigs = np.linalg.eigvals(np.asarray(spectra.neuronal_jacobian(net, J, state)))
    red = np.linalg.eigvals(np.asarray(spectra.reduced_jacobian(net, J, state, plastic=0.0)))
    assert _match(red, np.concatenate([Fx_eigs, np.zeros(N)])) < 1e-10
    assert np.sum(np.abs(red) < 1e-12) == N
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, J, state, plastic=0.0)))
    assert np.sum(np.abs(full) < 1e-12) == N * N
    assert _match(full[np.abs(full) >= 1e-12], Fx_eigs) < 1e-10


def test_plastic_rescales_the_synaptic_rate(key):
    # plastic scales Ȧ, i.e. the synaptic time constant becomes p/plastic: M̃(p, plastic) = M̃(p/plastic, 1).
    net = ns.Network(N=5, g=2.0, k=1.0, p=2.5)
    J, state = _generic_state(key, net)
    a = spectra.reduced_jacobian(net, J, state, plastic=0.5)
    b = spectra.reduced_jacobian(ns.Network(N=5, g=2.0, k=1.0, p=5.0), J, state)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-14)


def test_bad_input_raises(key):
    net = ns.Network(N=4, g=2.0, k=1.0)
    J, state = _generic_state(key, net)
    with pytest.raises(ValueError, match=r"J has shape \(3, 3\)"):
        spectra.reduced_jacobian(net, J[:3, :3], state)
    with pytest.raises(ValueError, match=r"state.x has shape"):
        spectra.full_jacobian(net, J, ns.State(state.x[:2], state.A))
    with pytest.raises(ValueError, match=r"plastic.*>= 0.*plastic=-1.0"):
        spectra.reduced_jacobian(net, J, state, plastic=-1.0)


def test_float32_input_warns(key):
    net = ns.Network(N=4, g=2.0, k=1.0)
    J, state = _generic_state(key, net)
    with pytest.warns(ns.NeurosynWarning, match="float32"):
        M = spectra.reduced_jacobian(net, J.astype(jnp.float32), state)
    assert M.dtype == jnp.float64


def test_reduced_jacobian_no_decay_rule(key):
    # Without decay (Ȧ = k̃ G(x)) the relaxing synaptic block sits at 0, not −1/p: the 2N non-trivial
    # eigenvalues of the full Jacobian must equal the reduced Jacobian's, built from the rule's own rates.
    N = 5
    net = ns.Network(N=N, g=1.5, k=0.4, p=2.5, rule=ns.NoDecay())
    kJ, kx, kA = jr.split(key, 3)
    J = ns.sample_couplings(net, kJ)
    state = ns.State(jr.normal(kx, (N,)), 0.1 * jr.normal(kA, (N, N)))
    full = np.linalg.eigvals(np.asarray(spectra.full_jacobian(net, J, state)))
    rest = np.delete(full, np.argsort(np.abs(full))[: N * N - N])
    red = np.linalg.eigvals(np.asarray(spectra.reduced_jacobian(net, J, state)))
    np.testing.assert_allclose(np.sort_complex(rest), np.sort_complex(red), atol=1e-8)


def test_reduced_jacobian_rejects_per_synapse_p(key):
    net = ns.Network(N=4, g=1.0, k=1.0, p=2.5 * np.ones((4, 4)))
    state = ns.State(jnp.zeros(4), jnp.zeros((4, 4)))
    with pytest.raises(ValueError, match="one synaptic time constant"):
        spectra.reduced_jacobian(net, jnp.zeros((4, 4)), state)
