"""Plasticity rules of outer-product form.

    p dA_ij/dt = −A_ij + (k/N) f_post(φ_i) f_pre(φ_j)

The rule is one object: the simulator uses its rank-one drive, the vector field (and so every Jacobian and
Lyapunov computation) uses `rhs`. Hebbian (k > 0) and anti-Hebbian (k < 0) are the same rule with
f_post = f_pre = identity; the sign lives in k.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp


class Rule(eqx.Module):
    """Abstract outer-product rule. Subclasses define ``post(phi)`` and ``pre(phi)``."""

    def post(self, phi):
        raise NotImplementedError

    def pre(self, phi):
        raise NotImplementedError

    def drive(self, phi, k, N):
        """The rank-one target (u, v) with (k/N) f_post(φ) f_pre(φ)ᵀ = u vᵀ."""
        return (k / N) * self.post(phi), self.pre(phi)

    def rhs(self, A, phi, k, p, N):
        """dA/dt = (−A + (k/N) f_post(φ) f_pre(φ)ᵀ) / p."""
        u, v = self.drive(phi, k, N)
        return (jnp.outer(u, v) - A) / p


class Hebbian(Rule):
    """f_post(φ) = φ, f_pre(φ) = φ: the Clark–Abbott rule (Eq. 3). k < 0 makes it anti-Hebbian."""

    def post(self, phi):
        return phi

    def pre(self, phi):
        return phi


hebbian = Hebbian()
