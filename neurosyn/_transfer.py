"""Transfer functions φ and their derivatives φ′."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp


class Transfer(eqx.Module):
    """Abstract transfer function: ``phi(x)`` and ``prime(x)`` = φ′(x)."""

    def __call__(self, x):
        raise NotImplementedError

    def prime(self, x):
        raise NotImplementedError


class Tanh(Transfer):
    """φ(x) = tanh x, φ′(x) = sech² x = 1 − tanh² x. Odd, so the model is symmetric under x → −x."""

    def __call__(self, x):
        return jnp.tanh(x)

    def prime(self, x):
        return 1.0 - jnp.tanh(x) ** 2


tanh = Tanh()
