"""Pair-based STDP rules on spike traces, and their population-averaged (slow) drift.

Every neuron keeps a trace x that jumps by 1 at each of its spikes and decays with τ_STDP. A rule acting on
the scaled weight j = √N J of a synapse from pre to post is

    at a presynaptic spike:   Δj = η f_pre(j)  (A_pre  + B_pre  x_post),
    at a postsynaptic spike:  Δj = η f_post(j) (A_post + B_post x_pre),     f(j) = u0 + u1 j.

Averaging over spikes (weights slow compared with rates) gives
dj/dt = η [f_pre (A_pre r_pre + B_pre ⟨x_post S_pre⟩) + f_post (A_post r_post + B_post ⟨x_pre S_post⟩)]
with ⟨x_a S_b⟩ = τ r_a r_b + ∫_0^∞ e^{-s/τ} C_ab(s) ds.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._errors import check_finite, check_nonnegative, check_positive
from ._meanfield import HZ

_asarray = jnp.asarray


class STDPRule(eqx.Module):
    """One pair-based STDP rule in the general form of the module docstring (scaled weights, mV).

    ``target`` (Hz, NaN if none) sets A_pre = 2 τ_STDP · target, the Vogels-type homeostatic offset α.
    ``j_min``/``j_max`` are hard bounds applied after every update in the spiking simulation (±inf: none).
    """

    name: str = eqx.field(static=True)
    eta: Float[Array, ""] = eqx.field(converter=_asarray)
    u0_pre: Float[Array, ""] = eqx.field(converter=_asarray)
    u1_pre: Float[Array, ""] = eqx.field(converter=_asarray)
    a_pre: Float[Array, ""] = eqx.field(converter=_asarray)
    b_pre: Float[Array, ""] = eqx.field(converter=_asarray)
    u0_post: Float[Array, ""] = eqx.field(converter=_asarray)
    u1_post: Float[Array, ""] = eqx.field(converter=_asarray)
    a_post: Float[Array, ""] = eqx.field(converter=_asarray)
    b_post: Float[Array, ""] = eqx.field(converter=_asarray)
    target: Float[Array, ""] = eqx.field(converter=_asarray, default=math.nan)
    j_min: Float[Array, ""] = eqx.field(converter=_asarray, default=-math.inf)
    j_max: Float[Array, ""] = eqx.field(converter=_asarray, default=math.inf)

    def __check_init__(self):
        check_nonnegative("eta", self.eta, f"learning rate of the {self.name} rule")
        for f in ("u0_pre", "u1_pre", "a_pre", "b_pre", "u0_post", "u1_post", "a_post", "b_post"):
            check_finite(f, getattr(self, f), f"coefficient of the {self.name} rule")

    def offset_pre(self, tau):
        """A_pre, with the homeostatic offset α = 2 τ target where a target rate is set."""
        return offset_pre(self, tau)

    def drift(self, j, r_post, r_pre, cov, tau):
        """Mean dj/dt (mV/ms) for rates r (spikes/ms) and integrated cross-covariance density ``cov``; see
        `pair_drift`."""
        return pair_drift(self, j, r_post, r_pre, cov, tau)


COEFFICIENTS = (
    *("eta", "u0_pre", "u1_pre", "a_pre", "b_pre"),
    *("u0_post", "u1_post", "a_post", "b_post", "target"),
)


def offset_pre(rule, tau):
    """A_pre of ``rule`` (an `STDPRule` or anything with its coefficient fields, possibly stacked arrays),
    with the homeostatic offset α = 2 τ target where a target rate is set."""
    return jnp.where(jnp.isnan(rule.target), rule.a_pre, 2.0 * tau * rule.target * HZ)


def pair_drift(rule, j, r_post, r_pre, cov, tau):
    """Mean dj/dt (mV/ms) of the general pair rule for rates r (spikes/ms) and integrated cross-covariance
    density ``cov``; elementwise, so ``rule`` may hold stacked coefficients for several synapse blocks.

    Equation:
        dj/dt = η [f_pre(j)(A_pre r_pre + B_pre P) + f_post(j)(A_post r_post + B_post P)],
        P = ⟨x_post S_pre⟩ = ⟨x_pre S_post⟩ = τ r_pre r_post + C̄/2.
    Assumptions:
        The cross-covariance C(s) is symmetric and much narrower than τ_STDP, so each one-sided trace
        integral ∫_0^∞ e^{-s/τ} C(s) ds picks up half of C̄ = ∫ C(s) ds.
    """
    pair = tau * r_post * r_pre + 0.5 * cov
    pre = (rule.u0_pre + rule.u1_pre * j) * (offset_pre(rule, tau) * r_pre + rule.b_pre * pair)
    post = (rule.u0_post + rule.u1_post * j) * (rule.a_post * r_post + rule.b_post * pair)
    return rule.eta * (pre + post)


def hebbian(eta: float = 1.0, *, j_max: float = 30.0, soft: bool = False) -> STDPRule:
    """Classical E→E Hebbian STDP: Δj = -η j x_post at pre spikes, +η j_max x_pre (hard bound, j clipped to
    [0, j_max]) or +η (j_max - j) x_pre (soft bound) at post spikes. Rate fixed point j* = j_max (hard) or
    j_max/2 (soft)."""
    check_positive("j_max", j_max, "upper weight bound of the Hebbian rule (scaled, mV)")
    return STDPRule(
        name="hebbian-soft" if soft else "hebbian",
        eta=eta,
        u0_pre=0.0,
        u1_pre=1.0,
        a_pre=0.0,
        b_pre=-1.0,
        u0_post=j_max,
        u1_post=-1.0 if soft else 0.0,
        a_post=0.0,
        b_post=1.0,
        j_min=0.0,
        j_max=math.inf if soft else j_max,
    )


def kohonen(eta: float = 1.0, *, beta: float = 2.0) -> STDPRule:
    """Kohonen's rule: Δj = +η β x_post at pre spikes, -η j at post spikes. Fixed point j* = β τ r_pre."""
    check_positive("beta", beta, "Kohonen scale (scaled, mV)")
    return STDPRule(
        name="kohonen",
        eta=eta,
        u0_pre=beta,
        u1_pre=0.0,
        a_pre=0.0,
        b_pre=1.0,
        u0_post=0.0,
        u1_post=1.0,
        a_post=-1.0,
        b_post=0.0,
    )


def _vogels(name, eta, target, j_norm):
    check_positive("target", target, f"target rate of the {name} rule in Hz")
    check_finite("j_norm", j_norm, f"weight normalisation of the {name} rule (scaled, mV)")
    if j_norm == 0:
        raise ValueError(f"j_norm (weight normalisation of the {name} rule) must be nonzero, got j_norm=0")
    return STDPRule(
        name=name,
        eta=eta,
        u0_pre=0.0,
        u1_pre=1.0 / j_norm,
        a_pre=0.0,
        b_pre=-1.0,
        u0_post=0.0,
        u1_post=1.0 / j_norm,
        a_post=0.0,
        b_post=-1.0,
        target=target,
    )


def istdp(eta: float = 1.0, *, target: float = 10.0, j_norm: float = -150.0) -> STDPRule:
    """Inhibitory STDP (Vogels et al. 2011) on I→E: Δj = -η (x_e - α) j/j_norm at I spikes, -η x_i j/j_norm
    at E spikes, α = 2 τ ρ_e. Drift ∝ -j r_i (2 τ r_e - α): every E rate is driven to ρ_e = ``target``."""
    return _vogels("istdp", eta, target, j_norm)


def homeostatic_ei(eta: float = 1.0, *, target: float = 20.0, j_norm: float = 112.5) -> STDPRule:
    """Homeostatic E→I rule with target I rate 20 Hz.

    Assumed form: the reference summary (extensions.md (a)) gives only "E→I homeostatic, target rate 20 Hz",
    not the update; this is the Vogels-type rule of `istdp` moved to the E→I synapses, with the target on the
    *postsynaptic* (I) rate: Δj = -η (x_i - α) j/j_norm at E (pre) spikes, -η x_e j/j_norm at I (post) spikes,
    α = 2 τ_STDP · target. Rate drift dj/dt = -η (j/j_norm) r_e (2 τ r_i - α) (+ covariance term): the weight
    shrinks while r_i > target (j_norm > 0 keeps j/j_norm > 0). Not checked against the paper's Methods.
    In the balanced state r_i responds paradoxically to w_ie (∂r_i/∂w_ie < 0), so this rule runs away and
    balance is lost (see the tests).
    """
    return _vogels("homeo-ei", eta, target, j_norm)


def homeostatic_ii(eta: float = 1.0, *, target: float = 20.0, j_norm: float = -250.0) -> STDPRule:
    """Homeostatic I→I rule with target I rate 20 Hz.

    Assumed form: the reference summary gives only "I→I homeostatic, target rate 20 Hz"; this is the
    Vogels-type rule of `istdp` on the I→I synapses, target on the postsynaptic I rate: Δj = -η (x_post - α)
    j/j_norm at pre spikes, -η x_pre j/j_norm at post spikes, α = 2 τ_STDP · target. Rate drift
    dj/dt = -η (j/j_norm) r_i (2 τ r_i - α) (+ covariance term); j_norm < 0 keeps j/j_norm > 0, so inhibition
    grows (j more negative) while r_i > target. Not checked against the paper's Methods.
    """
    return _vogels("homeo-ii", eta, target, j_norm)


class Plastic(eqx.Module):
    """A rule acting on the synapses from population ``pre`` onto population ``post`` (and on every
    subpopulation split from them, e.g. "e" covers "e1" and "e2")."""

    post: str = eqx.field(static=True)
    pre: str = eqx.field(static=True)
    rule: STDPRule


RULES = {
    "istdp": lambda eta=1.0: (Plastic("e", "i", istdp(eta)),),
    "hebbian": lambda eta=1.0: (Plastic("e", "e", hebbian(eta)),),
    "hebbian-soft": lambda eta=1.0: (Plastic("e", "e", hebbian(eta, soft=True)),),
    "kohonen": lambda eta=1.0: (Plastic("e", "e", kohonen(eta)),),
    "homeo-ei": lambda eta=1.0: (Plastic("i", "e", homeostatic_ei(eta)),),
    "homeo-ii": lambda eta=1.0: (Plastic("i", "i", homeostatic_ii(eta)),),
    "none": lambda eta=1.0: (),
}
