"""Explicit Runge–Kutta steps for the joint state, exploiting the rank-one synaptic drive.

For outer-product rules, Ȧ = h(−A + U)/p with U = u vᵀ of rank one, so every RK stage matrix is
A_i = α_i A + Σ_l β_il U_l. A stage then costs one matvec with J and one with A (never a temporary
N×N array), and the step ends with a single fused pass A ← α A + Σ β_l u_l v_lᵀ. The result is the
same RK step as applying the tableau to `vector_field` (tested to round-off).
"""

from __future__ import annotations

import jax.numpy as jnp

from ._errors import check_choice

# Butcher tableaus: (a, b), a lower-triangular.
TABLEAUS = {
    "euler": ((), (1.0,)),
    "heun": (((1.0,),), (0.5, 0.5)),
    "rk4": (((0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6)),
}
ORDER = {"euler": 1, "heun": 2, "rk4": 4}


def check_method(method: str) -> str:
    return check_choice("method", method, tuple(TABLEAUS))


def rk_step(net, J, x, A, dt, method: str, plastic=1.0, clamp=False, clamp_value=0.0):
    """One RK step of (x, A) with step ``dt``; ``plastic`` ∈ {0, 1} halts A, ``clamp`` holds x at a value."""
    a, b = TABLEAUS[method]
    rows = ((),) + tuple(a)
    h = plastic / net.p
    alphas, betas, us, vs, kxs = [], [], [], [], []

    def combine(weights):
        # A_i = α A + Σ β_l U_l  from  A + dt Σ_j w_j kA_j,  kA_j = h(−A_j + U_j)
        alpha = 1.0 + dt * sum(-h * w * alphas[j] for j, w in enumerate(weights))
        beta = [
            dt * sum(w * h * ((j == l) - (betas[j][l] if l < len(betas[j]) else 0.0)) for j, w in enumerate(weights))
            for l in range(len(us))
        ]
        return alpha, beta

    for weights in rows:
        alpha, beta = combine(weights)
        xi = x + dt * sum(w * kxs[j] for j, w in enumerate(weights)) if weights else x
        phi = net.phi(xi)
        recurrent = J @ phi + alpha * (A @ phi)
        for l, bl in enumerate(beta):
            recurrent = recurrent + bl * us[l] * (vs[l] @ phi)
        kxs.append(-xi + recurrent)
        u, v = net.rule.drive(phi, net.k, net.N)
        alphas.append(alpha)
        betas.append(beta)
        us.append(u)
        vs.append(v)
    alpha, beta = combine(b)
    x_new = x + dt * sum(w * kx for w, kx in zip(b, kxs, strict=True))
    A_new = alpha * A + sum(bl * jnp.outer(u, v) for bl, u, v in zip(beta, us, vs, strict=True))
    x_new = jnp.where(clamp, clamp_value, x_new)
    return x_new, A_new
