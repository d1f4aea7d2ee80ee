"""Explicit Runge–Kutta steps for the joint state, exploiting the rank-one synaptic drive.

For outer-product rules, Ȧ = h(−A + U)/p with U = u vᵀ of rank one, so every RK stage matrix is
A_i = α_i A + Σ_l β_il U_l. A stage then costs one matvec with J and one with A (never a temporary
N×N array), and the step ends with a single fused pass A ← α A + Σ β_l u_l v_lᵀ. The result is the
same RK step as applying the tableau to `vector_field` (tested to round-off).
"""

from __future__ import annotations

import jax.numpy as jnp

from ._errors import check_choice
from ._rules import Rule

# Butcher tableaus: (a, b), a lower-triangular.
TABLEAUS = {
    "euler": ((), (1.0,)),
    "heun": (((1.0,),), (0.5, 0.5)),
    "rk4": (((0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6)),
}
ORDER = {"euler": 1, "heun": 2, "rk4": 4}


def check_method(method: str) -> str:
    return check_choice("method", method, tuple(TABLEAUS))


def rk_step(net, J, x, A, dt, method: str, plastic=1.0, clamp=False, clamp_value=0.0, phi_delayed=None):
    """One RK step of (x, A) with step ``dt``; ``plastic`` ∈ {0, 1} halts A, ``clamp`` holds x at a value.

    Rules with Ȧ = −λ A + μ Σ u vᵀ and scalar λ, μ take the structured path. A per-synapse p ([N, N], the
    `Heterogeneous` rule) takes the generic path: the tableau applied to `vector_field` (N×N stage arrays).
    Delayed rules (`STDP`) need ``phi_delayed``: φ(t − d + c_i dt) at each stage offset c_i
    (see `stage_offsets`).
    """
    if jnp.ndim(net.p) > 0:
        return _generic_step(net, J, x, A, dt, method, plastic, clamp, clamp_value)
    a, b = TABLEAUS[method]
    rows = ((),) + tuple(a)
    delayed = net.rule.delay() > 0
    if delayed and phi_delayed is None:
        raise ValueError(
            f"rule {net.rule!r} has a delay: rk_step needs phi_delayed (neurosyn.simulate supplies it)"
        )
    rule_t = type(net.rule)
    same_rates = rule_t.decay_rate is Rule.decay_rate and rule_t.drive_rate is Rule.drive_rate
    h = plastic / net.p  # λ = μ = h for decaying rules (the arithmetic below is then the original one)
    lam = h if same_rates else plastic * net.rule.decay_rate(net.p)
    mu = h if same_rates else plastic * net.rule.drive_rate(net.p)
    alphas, betas, us, vs, kxs = [], [], [], [], []

    def bcoef(j, l):
        bjl = betas[j][l] if l < len(betas[j]) else 0.0
        return h * ((j == l) - bjl) if same_rates else mu * (j == l) - lam * bjl

    def combine(weights):
        # A_i = α A + Σ β_l U_l  from  A + dt Σ_j w_j kA_j,  kA_j = −λ A_j + μ U_j
        alpha = 1.0 + dt * sum(-lam * w * alphas[j] for j, w in enumerate(weights))
        beta = [dt * sum(w * bcoef(j, l) for j, w in enumerate(weights)) for l in range(len(us))]
        return alpha, beta

    for i, weights in enumerate(rows):
        alpha, beta = combine(weights)
        xi = x + dt * sum(w * kxs[j] for j, w in enumerate(weights)) if weights else x
        phi = net.phi(xi)
        recurrent = J @ phi + alpha * (A @ phi)
        for l, bl in enumerate(beta):
            if us[l].ndim == 1:
                recurrent = recurrent + bl * us[l] * (vs[l] @ phi)
            else:
                recurrent = recurrent + bl * ((vs[l] @ phi) @ us[l])
        kxs.append(-xi + recurrent)
        if delayed:  # rank two: U = u₁v₁ᵀ + u₂v₂ᵀ, kept as two rank-one terms with equal weights
            (u1, v1), (u2, v2) = net.rule.drive_pair(phi, phi_delayed[i], net.k, net.N)
            u, v = jnp.stack([u1, u2]), jnp.stack([v1, v2])
        else:
            u, v = net.rule.drive(phi, net.k, net.N)
        alphas.append(alpha)
        betas.append(beta)
        us.append(u)
        vs.append(v)
    alpha, beta = combine(b)
    x_new = x + dt * sum(w * kx for w, kx in zip(b, kxs, strict=True))
    A_new = alpha * A + sum(bl * _lowrank(u, v) for bl, u, v in zip(beta, us, vs, strict=True))
    x_new = jnp.where(clamp, clamp_value, x_new)
    return x_new, A_new


def _lowrank(u, v):
    """u vᵀ for a rank-one pair, Σ_r u_r v_rᵀ for stacked pairs [R, N]."""
    return jnp.outer(u, v) if u.ndim == 1 else u.T @ v


def stage_offsets(method: str):
    """Stage times c_i (in units of dt) of the tableau: where a delayed rule needs φ(t − d + c_i dt)."""
    a, _ = TABLEAUS[method]
    return (0.0,) + tuple(float(sum(row)) for row in a)


def _generic_step(net, J, x, A, dt, method, plastic, clamp, clamp_value):
    """The tableau applied to `vector_field` directly (per-synapse p: no rank-one structure to exploit)."""
    from ._field import State, vector_field

    a, b = TABLEAUS[method]
    rows = ((),) + tuple(a)
    ks = []
    for weights in rows:
        xi = x + dt * sum(w * ks[j].x for j, w in enumerate(weights)) if weights else x
        Ai = A + dt * sum(w * ks[j].A for j, w in enumerate(weights)) if weights else A
        ks.append(vector_field(net, J, State(xi, Ai), plastic))
    x_new = x + dt * sum(w * kk.x for w, kk in zip(b, ks, strict=True))
    A_new = A + dt * sum(w * kk.A for w, kk in zip(b, ks, strict=True))
    x_new = jnp.where(clamp, clamp_value, x_new)
    return x_new, A_new
