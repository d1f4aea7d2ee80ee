"""Jacobians of the joint neuron–synapse vector field by JAX autodiff: full, reduced (Eq. 18) and neuronal.

Write the model as ẋ = F(x, a) and (p/plastic) ȧ = −a + k G(x), a = vec A (row-major), where the rule's
rank-one target is k G(x) = u vᵀ with (u, v) = ``net.rule.drive(φ(x), k, N)``. G is the drive at
k = 1, which assumes the drive is linear in k (true for every `neurosyn.Rule`: (k/N) f_post f_preᵀ).
"""

from __future__ import annotations

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

import neurosyn as ns

# columns of (∂F/∂a)(∂G/∂x) built per `lax.map` batch: keeps peak memory near 4·10⁶ floats, whatever N
_MAP_ELEMENTS = 4_000_000


def _prepare(net: ns.Network, J, state: ns.State, plastic=None):
    """Validate shapes at Python time, warn on low precision, and cast to float64."""
    N = net.N
    J = jnp.asarray(J)
    x, A = jnp.asarray(state.x), jnp.asarray(state.A)
    for name, arr, shape in (("J", J, (N, N)), ("state.x", x, (N,)), ("state.A", A, (N, N))):
        if arr.shape != shape:
            raise ValueError(f"{name} has shape {arr.shape}; expected {shape} for a network with N={N}")
    if any(a.dtype == jnp.float32 for a in (J, x, A)):
        warnings.warn(
            "float32 input to a Jacobian: eigenvalues are computed in float64 but the state carries only "
            "float32 accuracy; simulate with dtype='float64' for spectra",
            ns.NeurosynWarning,
            stacklevel=3,
        )
    if plastic is not None:
        ns.check_nonnegative("plastic", plastic, "synaptic plasticity switch (0 halts the synapses)")
    f64 = lambda a: jnp.asarray(a, jnp.float64)
    net = eqx.tree_at(lambda n: (n.g, n.k, n.p), net, (f64(net.g), f64(net.k), f64(net.p)))
    return net, f64(J), ns.State(f64(x), f64(A))


def _F(net, J, x, A):
    """The neuronal right-hand side F(x, A) of `neurosyn.vector_field`."""
    return ns.vector_field(net, J, ns.State(x, A)).x


def _G(net, x):
    """G(x) = u vᵀ with (u, v) = rule.drive(φ(x), 1, N): the synaptic target per unit k."""
    u, v = net.rule.drive(net.phi(x), jnp.ones_like(net.k), net.N)
    return jnp.outer(u, v)


@eqx.filter_jit
def _full(net, J, x, A, plastic):
    N = net.N

    def f(y):
        s = ns.vector_field(net, J, ns.State(y[:N], y[N:].reshape(N, N)), plastic)
        return jnp.concatenate([s.x, s.A.ravel()])

    return jax.jacfwd(f)(jnp.concatenate([x, A.ravel()]))


@eqx.filter_jit
def _neuronal(net, J, x, A):
    return jax.jacfwd(lambda x_: _F(net, J, x_, A))(x)


@eqx.filter_jit
def _coupling_block(net, J, x, A):
    """(∂F/∂a)(∂G/∂x), N×N, one column per basis direction e_j: jvp of G in x, then jvp of F in A.

    Columns are built in `lax.map` batches so that memory stays O(N²) (a vmap would hold N³ numbers).
    """
    N = net.N
    _, dG = jax.linearize(lambda x_: _G(net, x_), x)
    _, dF_A = jax.linearize(lambda A_: _F(net, J, x, A_), A)
    column = lambda e: dF_A(dG(e))
    batch = max(1, min(N, _MAP_ELEMENTS // (N * N)))
    return lax.map(column, jnp.eye(N, dtype=x.dtype), batch_size=batch).T


@eqx.filter_jit
def _reduced(net, J, x, A, plastic):
    N = net.N
    Fx = jax.jacfwd(lambda x_: _F(net, J, x_, A))(x)
    B = _coupling_block(net, J, x, A)
    I = jnp.eye(N, dtype=x.dtype)
    # Ȧ = −λ A + μ k G(x): λ = μ = 1/p for decaying rules, λ = 0 and μ = 1 without decay
    decay = plastic * net.rule.decay_rate(net.p)
    drive = plastic * net.rule.drive_rate(net.p)
    return jnp.block([[Fx, B], [drive * net.k * I, -decay * I]])


def full_jacobian(
    net: ns.Network, J: Float[Array, "N N"], state: ns.State, plastic=1.0
) -> Float[Array, "D D"]:
    """Dense Jacobian of the joint vector field in the coordinates y = (x, vec A), D = N + N².

    Args:
        net: `neurosyn.Network`; J: couplings [N, N]; state: `neurosyn.State` (x [N], A [N, N]);
        plastic: synaptic switch of `neurosyn.vector_field` (1 plastic, 0 halted synapses).
    Returns:
        M [N + N², N + N²] in float64; vec A is row-major (A.ravel()), so a_{lN+m} = A_lm.
    Equation:
        M = [[∂F/∂x, ∂F/∂a], [(plastic·k/p) ∂G/∂x, −(plastic/p) I]]   (Eq. 15).
    Assumptions:
        Small N only: M has (N + N²)² entries (N = 30 is already 7·10⁵ entries).
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. V A.
    """
    net, J, state = _prepare(net, J, state, plastic)
    return _full(net, J, state.x, state.A, jnp.asarray(plastic, jnp.float64))


def neuronal_jacobian(net: ns.Network, J: Float[Array, "N N"], state: ns.State) -> Float[Array, "N N"]:
    """∂F/∂x at fixed A: the Jacobian of a network whose synapses are halted.

    Returns:
        [N, N] float64 matrix; for the model's F it equals −I + (J + A) diag φ′(x).
    Equation:
        ẋ = F(x, A) = −x + (J + A) φ(x).
    Assumptions:
        A is a constant (halted synapses, ``plastic = 0``); otherwise use `reduced_jacobian`.
    """
    net, J, state = _prepare(net, J, state)
    return _neuronal(net, J, state.x, state.A)


def reduced_jacobian(
    net: ns.Network, J: Float[Array, "N N"], state: ns.State, plastic=1.0
) -> Float[Array, "2N 2N"]:
    """The 2N × 2N reduced Jacobian M̃ of Eq. 18, from autodiff blocks; works for any outer-product rule.

    Args:
        net: `neurosyn.Network` (its ``rule`` supplies G); J: couplings [N, N]; state: `neurosyn.State`;
        plastic: synaptic switch as in `neurosyn.vector_field`; the synaptic rate is plastic/p.
    Returns:
        M̃ [2N, 2N] float64 in the coordinates (δx, δy) with δa = (∂G/∂x) δy.
    Equation:
        M̃ = [[∂F/∂x, (∂F/∂a)(∂G/∂x)], [(plastic·k/p) I, −(plastic/p) I]].
        Its eigenvalues are those of the full Jacobian without the −plastic/p block of multiplicity N² − N.
        With plastic = 0 the lower block row vanishes: the spectrum is eig(∂F/∂x) (see `neuronal_jacobian`,
        the matrix that matters for halted synapses) plus N neutral zeros of the frozen synapses.
    Assumptions:
        Rule of the form (p/plastic) ȧ = −a + k G(x) with G from ``rule.drive`` linear in k; f_a of Eq. 19
        refers to these reduced coordinates.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Eq. 18 and footnote 58.
    """
    net, J, state = _prepare(net, J, state, plastic)
    if jnp.ndim(net.p) != 0:
        raise ValueError(
            "reduced_jacobian needs one synaptic time constant p (Eq. 18 reduces with a common rate), "
            f"got p with shape {jnp.shape(net.p)}; use full_jacobian for per-synapse p"
        )
    if net.rule.delay() > 0:
        raise ValueError(f"reduced_jacobian does not cover delayed rules (delay d={net.rule.delay()})")
    return _reduced(net, J, state.x, state.A, jnp.asarray(plastic, jnp.float64))


def coupling_block(net: ns.Network, J: Float[Array, "N N"], state: ns.State) -> Float[Array, "N N"]:
    """(∂F/∂a)(∂G/∂x), the neuron-from-synapse block of M̃, by autodiff of the vector field and the rule.

    Returns:
        [N, N] float64; Hebbian: C(0) D + (1/N) φ φᵀ D, C(0) = ‖φ‖²/N, D = diag φ′ (Eq. 20).
    """
    net, J, state = _prepare(net, J, state)
    return _coupling_block(net, J, state.x, state.A)
