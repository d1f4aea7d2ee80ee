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
    """Abstract memory term: ``n_hist(net, dt)`` (static int) and ``weights(net, C, dt)`` (length n_hist).

    General rules (Eq. A11) feed the history sum with f_post(φ) instead of φ (``f_post``) and build the
    weights from the cross-correlation C_pre,φ(τ) = ⟨f_pre(φ(t)) φ(t+τ)⟩ instead of C (``cross`` = True:
    the solver tracks C_pre,φ and passes it as ``C``). ``symmetric()`` is False when the term breaks x → −x
    (f_post not odd), so that ⟨φ⟩ ≠ 0 and C(τ) tends to a plateau q = lim C(τ).
    """

    cross = False

    def n_hist(self, net, dt: float) -> int:
        raise NotImplementedError

    def weights(self, net, C: Float[Array, " lags"], dt: float) -> Float[Array, " hist"]:
        raise NotImplementedError

    def f_post(self, phi):
        return phi

    def f_pre(self, phi):
        return phi

    def symmetric(self) -> bool:
        return True


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


def _pad_tail(C, n, tail):
    """C on n lags: truncated, or extended with the constant ``tail`` (0 for decaying C, q for a plateau)."""
    C = jnp.asarray(C)
    if C.shape[-1] >= n:
        return C[:n]
    return jnp.concatenate([C, jnp.full(n - C.shape[-1], tail, C.dtype)])


def _plateau(C, symmetric):
    """The large-lag value of C used to extend it: 0 for a symmetric term, else the mean of the last 10 %."""
    if symmetric:
        return 0.0
    C = jnp.asarray(C)
    return jnp.mean(C[-max(2, C.shape[-1] // 10) :])


class _RuleMemory(MemoryTerm):
    """Common part of the rule kernels: f_post, f_pre from the rule's single-site forms; C_pre,φ tracked."""

    rule: object = eqx.field(static=True)

    cross = True

    def f_post(self, phi):
        return self.rule.site_post(phi)

    def f_pre(self, phi):
        return self.rule.site_pre(phi)

    def symmetric(self) -> bool:
        return self.rule.sign_symmetric()

    def _trapezoid(self, kernel, Cx, n, dt):
        w = dt * kernel * _pad_tail(Cx, n, _plateau(Cx, self.symmetric()))
        return w.at[0].multiply(0.5)


class RuleKernel(_RuleMemory):
    """General outer-product rule (Eqs. A10–A11): I(t) = (k/p) ∫₀^∞ e^{−τ/p} C_pre,φ(τ) f_post(φ(t−τ)) dτ.

    Trapezoid weights w_m = dt (k/p) e^{−m dt/p} C_pre,φ(m dt), w_0 halved, truncated at ``cutoff``·p
    (|C_pre,φ| ≤ sup|f_pre|·1, so the dropped mass is ≤ |k| sup|f_pre| e^{−cutoff}). With f_post ≡ 1
    (presynaptic) the sum is a constant input I = (k/p) ∫ e^{−τ/p} C_pre,φ(τ) dτ (Eqs. A6–A7).

    Attributes:
        rule: a `neurosyn.Rule` (its ``site_post``, ``site_pre``). cutoff: history in units of p.
    """

    cutoff: float = eqx.field(static=True, default=15.0)

    def n_hist(self, net, dt: float) -> int:
        return max(2, int(math.ceil(self.cutoff * float(net.p) / dt)) + 1)

    def weights(self, net, C, dt):
        n = self.n_hist(net, dt)
        tau = dt * jnp.arange(n)
        return self._trapezoid((net.k / net.p) * jnp.exp(-tau / net.p), C, n, dt)


class NoDecayKernel(_RuleMemory):
    """No-decay limit (Eqs. A2–A3): K(τ) = k̃ C_pre,φ(τ) with k̃ = the network's k (its p is ignored).

    The kernel decays only with C itself, so the history is cut at ``horizon`` (absolute time): the solver's
    C must have decayed there (|C(horizon)| ≪ C(0)); otherwise the truncation biases the memory term.

    Attributes:
        rule: the base rule (f_post, f_pre). horizon: history length in time units.
    """

    horizon: float = eqx.field(static=True, default=100.0)

    def __check_init__(self):
        check_positive("horizon", self.horizon, "kernel history in time units")

    def n_hist(self, net, dt: float) -> int:
        return max(2, int(math.ceil(self.horizon / dt)) + 1)

    def weights(self, net, C, dt):
        n = self.n_hist(net, dt)
        return self._trapezoid(net.k * jnp.ones(n), C, n, dt)


class PowerLawKernel(_RuleMemory):
    """Inverse-gamma distributed time constants (Eq. A4): K(τ) = (kα/β) (β/(β+τ))^{α+1} C_pre,φ(τ).

    The network's p is ignored (it is the per-synapse array of the simulation, or anything positive). The
    history is cut where the kernel's remaining mass ∫_H^∞ (kα/β)(β/(β+τ))^{α+1} dτ = |k| (β/(β+H))^α falls
    below ``tol``·|k|: H = β (tol^{−1/α} − 1).

    Attributes:
        rule: the base rule. alpha, beta: inverse-gamma shape and scale. tol: truncated relative mass.
    """

    alpha: float = eqx.field(static=True, default=3.0)
    beta: float = eqx.field(static=True, default=5.0)
    tol: float = eqx.field(static=True, default=1e-4)

    def __check_init__(self):
        check_positive("alpha", self.alpha, "inverse-gamma shape")
        check_positive("beta", self.beta, "inverse-gamma scale")
        check_positive("tol", self.tol, "truncated kernel mass")

    def n_hist(self, net, dt: float) -> int:
        H = self.beta * (self.tol ** (-1.0 / self.alpha) - 1.0)
        return max(2, int(math.ceil(H / dt)) + 1)

    def weights(self, net, C, dt):
        n = self.n_hist(net, dt)
        tau = dt * jnp.arange(n)
        kern = net.k * (self.alpha / self.beta) * (self.beta / (self.beta + tau)) ** (self.alpha + 1.0)
        return self._trapezoid(kern, C, n, dt)


class STDPKernel(MemoryTerm):
    """Delayed antisymmetric rule (Eqs. A8–A9):

        I(t) = (k/p) ∫₀^∞ e^{−s/p} [C(s + d) φ(t − s) − C(s) φ(t − s − d)] ds.

    As weights on φ(t − m dt) with n_d = d/dt: w_m = dt (k/p) [e^{−m dt/p} C(m dt + d)
    − 1(m ≥ n_d) e^{−(m−n_d) dt/p} C((m − n_d) dt)], each integral with its first trapezoid weight halved.

    Attributes:
        d: delay (a multiple of the solver's dt). cutoff: history in units of p, beyond the delay.
    """

    d: float = eqx.field(static=True, default=1.0)
    cutoff: float = eqx.field(static=True, default=15.0)

    def __check_init__(self):
        check_positive("d", self.d, "STDP delay")

    def _n_d(self, dt):
        n_d = int(round(self.d / dt))
        if abs(n_d * dt - self.d) > 1e-9 * self.d or n_d < 1:
            raise ValueError(f"STDP delay d={self.d} must be a positive multiple of the DMFT dt={dt}")
        return n_d

    def n_hist(self, net, dt: float) -> int:
        return max(2, int(math.ceil(self.cutoff * float(net.p) / dt)) + 1 + self._n_d(dt))

    def weights(self, net, C, dt):
        n, n_d = self.n_hist(net, dt), self._n_d(dt)
        m = n - n_d
        tau = dt * jnp.arange(m)
        decay = dt * (net.k / net.p) * jnp.exp(-tau / net.p)
        Cf = _pad(C, m + n_d)
        lead = jnp.concatenate([(decay * Cf[n_d : n_d + m]).at[0].multiply(0.5), jnp.zeros(n_d)])
        lag = jnp.concatenate([jnp.zeros(n_d), (decay * Cf[:m]).at[0].multiply(0.5)])
        return lead - lag


def rule_memory(rule) -> MemoryTerm:
    """The DMFT memory term of a `neurosyn.Rule`: Hebbian → `HebbianKernel`, `NoDecay` → `NoDecayKernel`,
    `Heterogeneous` → `PowerLawKernel`, `STDP` → `STDPKernel`, any other outer-product rule → `RuleKernel`."""
    import neurosyn as ns

    if isinstance(rule, MemoryTerm):
        return rule
    if not isinstance(rule, ns.Rule):
        raise ValueError(f"rule must be a neurosyn.Rule or a MemoryTerm, got {rule!r}")
    if type(rule) is ns.Hebbian:
        return HebbianKernel()
    if isinstance(rule, ns.NoDecay):
        return NoDecayKernel(rule=rule.base)
    if isinstance(rule, ns.Heterogeneous):
        return PowerLawKernel(rule=rule.base, alpha=rule.alpha, beta=rule.beta)
    if isinstance(rule, ns.STDP):
        return STDPKernel(d=rule.d)
    return RuleKernel(rule=rule)
