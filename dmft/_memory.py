"""Memory terms of the DMFT single site: the plastic input I(t) as a causal, discretised kernel.

    (1 + ∂t) x = η + I,   I(t) ≈ Σ_{m=0}^{H−1} w_m φ(x(t − m·dt)).

Each term returns the weights w (length ``n_hist(...)``, static) from the current C on the lag grid, so new
plasticity rules (Appendix A kernels) are one more small object. `integrate_single_site` consumes the weights.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from neurosyn import check_finite, check_positive


def _pad(C, n):
    C = jnp.asarray(C)
    if C.shape[-1] >= n:
        return C[:n]
    return jnp.concatenate([C, jnp.zeros(n - C.shape[-1], C.dtype)])


class MemoryTerm(eqx.Module):
    """Abstract memory term: ``n_hist(net, dt)`` (static int) and ``weights(net, C, dt)`` (length n_hist)."""

    def n_hist(self, net, dt: float) -> int:
        raise NotImplementedError

    def weights(self, net, C: Float[Array, " lags"], dt: float) -> Float[Array, " hist"]:
        raise NotImplementedError


class HebbianKernel(MemoryTerm):
    """The Clark–Abbott kernel K(τ) = (k/p) e^{−τ/p} C(τ) (Eqs. 6, A1), trapezoid weights, truncated.

    w_m = dt·K(m·dt), with w_0 halved (trapezoid). |C| ≤ C(0) ≤ 1, so |K(τ)| ≤ (|k|/p) e^{−τ/p}; truncating
    at ``cutoff``·p (default 15p) drops at most |k|·e^{−cutoff} ≈ 3e-7·|k| of the kernel mass.

    Attributes:
        cutoff: history length in units of p.
    """

    cutoff: float = eqx.field(static=True, default=15.0)

    def __check_init__(self):
        check_positive("cutoff", self.cutoff, "kernel history in units of p")

    def n_hist(self, net, dt: float) -> int:
        return max(2, int(math.ceil(self.cutoff * float(net.p) / dt)) + 1)

    def weights(self, net, C, dt):
        n = self.n_hist(net, dt)
        tau = dt * jnp.arange(n)
        w = dt * (net.k / net.p) * jnp.exp(-tau / net.p) * _pad(C, n)
        return w.at[0].multiply(0.5)


class SelfCoupling(MemoryTerm):
    """Stern–Sompolinsky–Abbott self-coupling: the instantaneous term I(t) = s·φ(x(t)) (Eq. 11).

    The slow limit of the plastic model (Eq. 10) is this term with s = k·C(0). Network k and p are ignored.

    Attributes:
        s: self-coupling strength (any real).
    """

    s: Array = eqx.field(converter=jnp.asarray)

    def __check_init__(self):
        check_finite("s", self.s, "self-coupling")

    def n_hist(self, net, dt: float) -> int:
        return 2

    def weights(self, net, C, dt):
        return jnp.stack([self.s, jnp.zeros_like(self.s)]).astype(jnp.result_type(float))
