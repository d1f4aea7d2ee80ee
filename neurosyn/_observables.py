"""Observables shared by the simulator and the theory: τ*, spectra of C, zero-crossing frequency."""

from __future__ import annotations

import jax.numpy as jnp


def tau_star(C, lags):
    """τ* = ∫₀^∞ (C(τ)/C(0))² dτ by the trapezoid rule on ``lags`` (Eq. 9). C has lags on its last axis."""
    r = (C / C[..., :1]) ** 2
    return jnp.trapezoid(r, _one_grid(lags), axis=-1)


def _one_grid(lags):
    """The lag grid; a batch of runs (leading axes) shares one grid."""
    lags = jnp.asarray(lags)
    return lags.reshape(-1, lags.shape[-1])[0] if lags.ndim > 1 else lags


def pr_A_theory(C, lags, p):
    """Effective rank of A as N → ∞: PR_A = p / T, T = ∫₀^∞ e^{−τ/p} (C(τ)/C(0))² dτ (Eqs. 22–23)."""
    lags = _one_grid(lags)
    r = jnp.exp(-lags / p) * (C / C[..., :1]) ** 2
    return p / jnp.trapezoid(r, lags, axis=-1)
