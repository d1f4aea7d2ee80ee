"""The one vector field of the joint neuron–synapse state. Everything downstream differentiates it."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._network import Network


class State(eqx.Module):
    """Joint state: pre-activations ``x`` [N] and plastic couplings ``A`` [N, N]."""

    x: Float[Array, "*batch N"]
    A: Float[Array, "*batch N N"]


def vector_field(net: Network, J: Float[Array, "N N"], state: State, plastic=1.0) -> State:
    """d(x, A)/dt of the plastic network.

    Equation:
        ẋ = −x + (J + A) φ(x),     Ȧ = plastic · (−A + (k/N) f_post(φ) f_pre(φ)ᵀ) / p.
    ``plastic`` = 0 halts the synapses (A frozen); it may be traced.
    """
    phi = net.phi(state.x)
    dx = -state.x + J @ phi + state.A @ phi
    dA = plastic * net.rule.rhs(state.A, phi, net.k, net.p, net.N)
    return State(dx, dA)


def fixed_point_state(net: Network, x: Float[Array, " N"]) -> State:
    """The joint state (x, A*) with A* = (k/N) f_post(φ(x)) f_pre(φ(x))ᵀ, the synaptic fixed point for x."""
    u, v = net.rule.drive(net.phi(x), net.k, net.N)
    return State(x, jnp.outer(u, v))


def participation_ratio(A: Float[Array, "N N"]) -> Float[Array, ""]:
    """PR_A = (tr A)² / ‖A‖_F², the effective rank of A (exactly 1 when A has rank one)."""
    return jnp.trace(A) ** 2 / jnp.sum(A * A)
