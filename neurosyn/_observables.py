"""Observables shared by the simulator and the theory: τ*, spectra of C, zero-crossing frequency."""

from __future__ import annotations

import jax.numpy as jnp


def tau_star(C, lags):
    """τ* = ∫₀^∞ (C(τ)/C(0))² dτ by the trapezoid rule on ``lags`` (Eq. 9). C has lags on its last axis."""
    r = (C / C[..., :1]) ** 2
    return _trapezoid(r, lags)


def _trapezoid(y, lags):
    """∫ y dτ over the last axis; a batch of runs (leading axes) shares one lag grid."""
    lags = jnp.asarray(lags)
    lags = lags.reshape(-1, lags.shape[-1])[0] if lags.ndim > 1 else lags
    dx = jnp.diff(lags).reshape((1,) * (y.ndim - 1) + (-1,))
    return jnp.sum(0.5 * (y[..., 1:] + y[..., :-1]) * dx, axis=-1)


def pr_A_theory(C, lags, p):
    """Effective rank of A as N → ∞: PR_A = p / T, T = ∫₀^∞ e^{−τ/p} (C(τ)/C(0))² dτ (Eqs. 22–23)."""
    lags = jnp.asarray(lags)
    grid = lags.reshape(-1, lags.shape[-1])[0] if lags.ndim > 1 else lags
    r = jnp.exp(-grid / p).reshape((1,) * (jnp.ndim(C) - 1) + (-1,)) * (C / C[..., :1]) ** 2
    return p / _trapezoid(r, grid)
