"""Parameterised plasticity-rule families for rule inference: a truncated Taylor series and a small MLP.

    Δw = η · g_θ(pre, post, w[, r])

Both families are `eqx.Module`s with the same call signature ``rule(pre, post, w, r=None)``, applied
elementwise with broadcasting (pre ``[1, N_in]``, post ``[N_out, 1]``, w ``[N_out, N_in]``), so vectorising
over synapses is free and the trainable leaves are the only inexact arrays (``eqx.partition`` with
``eqx.is_inexact_array`` picks them out).

References: Mehta et al., Model-based inference of synaptic plasticity rules, NeurIPS 2024.
"""

from __future__ import annotations

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

_VARS = ("pre", "post", "w", "r")


def _monomial_name(exponents) -> str:
    parts = []
    for var, e in zip(_VARS, exponents, strict=False):
        if e == 1:
            parts.append(var)
        elif e > 1:
            parts.append(f"{var}^{e}")
    return "*".join(parts) if parts else "1"


def taylor_exponents(reward: bool = False) -> tuple[tuple[int, ...], ...]:
    """Exponent tuples (a, b, c[, d]) of pre^a post^b w^c [r^d], each in {0, 1, 2}, in C (row-major) order."""
    return tuple(itertools.product(range(3), repeat=4 if reward else 3))


def taylor_names(reward: bool = False) -> tuple[str, ...]:
    """Names of the 27 (or 81 with reward) Taylor coefficients, e.g. ``"pre*post"``,
    ``"post^2*w"``, ``"1"``."""
    return tuple(_monomial_name(e) for e in taylor_exponents(reward))


class PlasticityRule(eqx.Module):
    """Abstract rule family: ``rule(pre, post, w, r=None)`` → g_θ, elementwise with broadcasting."""

    reward: bool = eqx.field(static=True, default=False)

    def __call__(self, pre, post, w, r=None):
        raise NotImplementedError

    def _check_r(self, r):
        if self.reward and r is None:
            raise ValueError("this rule has a reward input (reward=True): pass r, the reward signal R − E[R]")
        if not self.reward and r is not None:
            raise ValueError(
                "this rule has no reward input (reward=False) but r was passed; build it with reward=True"
            )


class TaylorRule(PlasticityRule):
    """Truncated Taylor series g = Σ θ_abc[d] pre^a post^b w^c [r^d], every exponent in {0, 1, 2}.

    Attributes:
        theta: [27] coefficients (81 with ``reward=True``), ordered as `taylor_names`.
        reward: whether the series includes powers of the reward signal r.

    Oja's rule Δw = η(pre·post − post²·w) is θ["pre*post"] = 1, θ["post^2*w"] = −1, all others 0.
    """

    theta: Float[Array, " n_coef"]

    def __init__(self, theta=None, *, reward: bool = False):
        n = 81 if reward else 27
        theta = jnp.zeros(n) if theta is None else jnp.asarray(theta, dtype=float)
        if theta.shape != (n,):
            raise ValueError(
                f"theta must have shape ({n},) for reward={reward}, got theta.shape={theta.shape}"
            )
        self.theta = theta
        self.reward = reward

    @classmethod
    def from_dict(cls, coefficients: dict, *, reward: bool = False) -> TaylorRule:
        """Build from named coefficients, e.g. ``{"pre*post": 1.0, "post^2*w": -1.0}``; missing
        names are 0."""
        names = taylor_names(reward)
        unknown = sorted(set(coefficients) - set(names))
        if unknown:
            raise ValueError(
                f"unknown Taylor coefficient names {unknown}; valid names look like 'pre*post', 'post^2*w'"
            )
        return cls(jnp.array([float(coefficients.get(n, 0.0)) for n in names]), reward=reward)

    @classmethod
    def oja(cls) -> TaylorRule:
        """Oja's rule: θ_110 = +1, θ_021 = −1."""
        return cls.from_dict({"pre*post": 1.0, "post^2*w": -1.0})

    @property
    def names(self) -> tuple[str, ...]:
        return taylor_names(self.reward)

    def coefficients(self) -> dict[str, float]:
        """Named coefficients as plain floats (concrete θ only)."""
        return {n: float(v) for n, v in zip(self.names, self.theta, strict=True)}

    def __call__(self, pre, post, w, r=None):
        self._check_r(r)
        args = (pre, post, w) if r is None else (pre, post, w, r)
        args = [jnp.asarray(a, dtype=self.theta.dtype) for a in args]
        rank = max(a.ndim for a in args)
        # contract θ one variable at a time (pre first): Σ_a pre^a (Σ_b post^b (Σ_c w^c θ_abc))
        # costs ~12 flops a
        # synapse instead of 27 products; every operand is given the same batch rank (no implicit
        # rank promotion)
        acc = self.theta.reshape((1,) * rank + (3,) * len(args))
        for i, a in enumerate(args):
            a = a.reshape((1,) * (rank - a.ndim) + a.shape)
            m = len(args) - i  # exponent axes left in acc
            powers = jnp.stack([jnp.ones_like(a), a, a * a], axis=-1).reshape(a.shape + (3,) + (1,) * (m - 1))
            acc = jnp.sum(powers * acc, axis=rank)
        return acc


class MLPRule(PlasticityRule):
    """g = tanh(w₂ · leaky_relu(W₁ z + b₁) + b₂) with z = (pre, post, w[, r]) and ``hidden`` units.

    Attributes:
        W1: [hidden, n_in] input weights; b1: [hidden]; w2: [hidden] readout; b2: scalar bias.
        scale: static output scale (g ∈ (−scale, scale)); the paper's form is scale = 1.
    """

    W1: Float[Array, "hidden n_in"]
    b1: Float[Array, " hidden"]
    w2: Float[Array, " hidden"]
    b2: Float[Array, ""]
    scale: float = eqx.field(static=True, default=1.0)

    def __init__(
        self, *, key, hidden: int = 10, reward: bool = False, scale: float = 1.0, init_scale: float = 0.1
    ):
        n_in = 4 if reward else 3
        k1, k2 = jr.split(key)
        self.W1 = jr.normal(k1, (hidden, n_in)) / jnp.sqrt(n_in)
        self.b1 = jnp.zeros(hidden)
        self.w2 = init_scale * jr.normal(k2, (hidden,)) / jnp.sqrt(hidden)
        self.b2 = jnp.zeros(())
        self.reward = reward
        self.scale = float(scale)

    def __call__(self, pre, post, w, r=None):
        self._check_r(r)
        args = (pre, post, w) if r is None else (pre, post, w, r)
        args = jnp.broadcast_arrays(*(jnp.asarray(a) for a in args))
        z = jnp.stack(args, axis=-1)  # [..., n_in]
        h = jax.nn.leaky_relu(
            jnp.einsum("...i,hi->...h", z, self.W1) + jnp.expand_dims(self.b1, range(z.ndim - 1))
        )
        return self.scale * jnp.tanh(jnp.einsum("...h,h->...", h, self.w2) + self.b2)
