"""The DMFT single site with a causal memory term, integrated by a second-order exponential scheme.

    (1 + ∂t) x(t) = η(t) + I(t),    I(t) = Σ_{m=0}^{H−1} w_m φ(x(t − m·dt)).

Hot loop. The history sum is split per block of B steps: the part from before the block is one matrix product
(a Toeplitz block of w times the stored φ history, [B+1, H−1] @ [H−1, M]); the part inside the block is a
short dot per step. Cost per step and sample ~ (H + B) multiply-adds, done as GEMMs.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float

from neurosyn import Transfer, check_int, check_positive, tanh


def etd2_transfer(dt: float, n: int):
    """Transfer function H(z) = (c1 + c2 z)/(z − a) of the memoryless ETD2 step x_{t+1} = a x_t + c1 η_t +
    c2 η_{t+1} on the n-point circle z = e^{2πij/n} (the periodic solution is X = H η̂)."""
    a = math.exp(-dt)
    c2 = (dt - 1.0 + a) / dt
    z = jnp.exp(2j * jnp.pi * jnp.arange(n) / n)
    return (1.0 - a - c2 + c2 * z) / (z - a)


def _toeplitz_blocks(w, B):
    """Old-history matrix T [B+1, P] and in-block matrix W [B+1, B] for weights w (length H = P + 1)."""
    H = w.shape[0]
    P = H - 1
    j = np.arange(B + 1)[:, None]
    i = np.arange(P)[None, :]
    m_old = P + j - i  # lag of past[i] seen from step t0 + j
    T = jnp.where(jnp.asarray((m_old >= j + 1) & (m_old <= P)), w[np.clip(m_old, 0, P)], 0.0)
    ib = np.arange(B)[None, :]
    m_in = j - ib
    W = jnp.where(jnp.asarray((m_in >= 1) & (m_in <= P)), w[np.clip(m_in, 0, P)], 0.0)
    return T, W


def integrate_single_site(
    eta: Float[Array, "M n_t"],
    weights: Float[Array, " hist"],
    *,
    dt: float,
    x0: Float[Array, " M"] | None = None,
    phi: Transfer = tanh,
    block: int = 32,
) -> Float[Array, "M n_t"]:
    """Integrate M independent single sites driven by the fields ``eta`` with memory weights ``weights``.

    Args:
        eta: driving field on the time grid t = 0, dt, …, (n_t − 1)·dt, one row per sample. Any static input
            (e.g. the replica-B term of Eq. 32b) can be added to it.
        weights: memory weights w_m (m = 0 … H−1), from a `MemoryTerm` (`HebbianKernel`, `SelfCoupling`).
            Pass ``jnp.zeros(2)`` for no memory.
        dt: time step.
        x0: initial x per sample (default η(0)). The history before t = 0 is φ = 0.
        phi: transfer function.
        block: steps per block of the history convolution (a speed knob only; results do not depend on it
            beyond rounding).
    Returns:
        x on the same grid, shape [M, n_t], with x[:, 0] = x0.
    Equation:
        Exponential trapezoid (ETD2, Heun predictor for the instantaneous w_0 term), second order in dt:
        x_{t+1} = e^{−dt} x_t + (1 − e^{−dt} − c) f_t + c f_{t+1},  c = (dt − 1 + e^{−dt})/dt,  f = η + I.
    Assumptions:
        The memory is causal and explicit except for w_0, which the predictor handles.
    """
    check_positive("dt", dt, "time step")
    block = check_int("block", block, "steps per convolution block", minimum=1)
    eta = jnp.asarray(eta)
    if eta.ndim != 2:
        raise ValueError(f"eta must have shape [M, n_t], got shape {eta.shape}")
    weights = jnp.asarray(weights, dtype=eta.dtype)
    if weights.ndim != 1 or weights.shape[0] < 2:
        raise ValueError(
            f"weights must be 1-D with at least 2 entries (pad with 0), got shape {weights.shape}"
        )
    if x0 is None:
        x0 = eta[:, 0]
    return _integrate(eta, weights, jnp.asarray(x0, eta.dtype), dt, phi, block)


def _integrate_impl(eta, w, x0, dt, phi, B):
    M, n_t = eta.shape
    P = w.shape[0] - 1
    n_blocks = math.ceil((n_t - 1) / B) if n_t > 1 else 0
    n_pad = n_blocks * B + 1
    e = jnp.concatenate([eta, jnp.repeat(eta[:, -1:], n_pad - n_t, axis=1)], axis=1) if n_pad > n_t else eta
    e = e.T  # time-major [n_pad, M]
    T, W = _toeplitz_blocks(w, B)
    a = math.exp(-dt)
    c2 = (dt - 1.0 + a) / dt
    c1 = (1.0 - a) - c2
    w0 = w[0]

    def run_block(carry, b):
        x, f, past = carry  # x_t0, f_t0 [M]; past [P, M] holds φ at t0−P … t0−1
        t0 = b * B
        eb = lax.dynamic_slice_in_dim(e, t0, B + 1, axis=0)  # η at t0 … t0+B
        old = T @ past  # [B+1, M]
        blk = jnp.zeros((B, M), e.dtype).at[0].set(phi(x))

        def step(j, c):
            x, f, blk, xs = c
            xs = xs.at[j].set(x)
            # blk[j+1] is written at step j; at j+1 = B that φ starts the next block instead
            known = eb[j + 1] + old[j + 1] + W[j + 1] @ blk  # f_{t+1} without the w_0 term
            xp = a * x + (1.0 - a) * f
            fp = known + w0 * phi(xp)
            xn = a * x + c1 * f + c2 * fp
            pn = phi(xn)
            fn = known + w0 * pn
            slot = jnp.minimum(j + 1, B - 1)
            blk = lax.dynamic_update_index_in_dim(blk, jnp.where(j + 1 < B, pn, blk[slot]), slot, 0)
            return xn, fn, blk, xs

        xs = jnp.zeros((B, M), e.dtype)
        x, f, blk, xs = lax.fori_loop(0, B, step, (x, f, blk, xs))
        past = jnp.concatenate([past, blk], axis=0)[-P:] if P > 0 else past
        return (x, f, past), xs

    f0 = e[0] + w0 * phi(x0)
    past0 = jnp.zeros((P, M), e.dtype)
    (xl, _, _), xs = lax.scan(run_block, (x0, f0, past0), jnp.arange(n_blocks))
    traj = jnp.concatenate([xs.reshape(n_blocks * B, M), xl[None]], axis=0)[:n_t]
    return traj.T


_integrate = jax.jit(_integrate_impl, static_argnums=(3, 4, 5))
