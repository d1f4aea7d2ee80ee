"""Stationary Gaussian fields on a periodic window by circulant embedding (DMFT field η, Eq. 7).

A covariance c(τ) sampled at lags j·dt, j = 0 … n/2, is mirrored into a circulant of period n; its FFT is the
(real) spectrum S. A field with exactly that circulant covariance is η = IFFT(√S ⊙ FFT(w)), w white N(0, 1).
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float


def circulant_spectrum(cov: Float[Array, " lags"], n: int) -> Float[Array, " n"]:
    """Eigenvalues S of the circulant covariance of period ``n`` built from ``cov`` (lags 0, dt, 2dt, …).

    ``cov`` is zero-padded to lag n/2 and mirrored, c_{n−j} = c_j, so it needs at most n//2 + 1 entries.
    S = FFT(c) is real. It is returned unclipped: small negative entries measure how far the truncated
    covariance is from positive definite (callers clip them, see `sample_gaussian_field`).
    """
    cov = jnp.asarray(cov)
    m = cov.shape[-1]
    if m > n // 2 + 1:
        raise ValueError(f"cov has {m} lags; a window of n={n} steps holds at most n//2+1={n // 2 + 1}")
    half = jnp.zeros(n // 2 + 1, cov.dtype).at[:m].set(cov)
    c = jnp.concatenate([half, half[1 : (n + 1) // 2][::-1]])  # c_{n-j} = c_j
    return jnp.fft.fft(c).real


def field_from_white(white: Float[Array, "... n"], S: Float[Array, " n"]) -> Float[Array, "... n"]:
    """η = Re IFFT(√max(S, 0) ⊙ FFT(w)) along the last axis: covariance = the circulant with spectrum S."""
    white = jnp.asarray(white)
    amp = jnp.sqrt(jnp.maximum(S, 0.0)).reshape((1,) * (white.ndim - 1) + (-1,))
    return jnp.fft.ifft(amp * jnp.fft.fft(white, axis=-1), axis=-1).real


def sample_gaussian_field(
    cov: Float[Array, " lags"], n: int, *, key, shape: tuple[int, ...] = ()
) -> Float[Array, "*shape n"]:
    """Draw stationary zero-mean Gaussian fields with covariance ``cov`` on a periodic window of ``n`` steps.

    Args:
        cov: covariance ⟨η(t) η(t + j·dt)⟩ for j = 0, 1, …, at most n//2 (beyond its end it is taken as 0).
            For the DMFT field this is g²·C(j·dt).
        n: number of grid points in the periodic window (period n·dt); a power of 2 is fastest.
        key: JAX PRNG key.
        shape: leading batch shape, e.g. ``(n_samples,)``.
    Returns:
        Fields of shape ``shape + (n,)``; their covariance is exactly the circulant built from ``cov``
        (negative spectral entries, from noise or truncation, clipped to 0).
    Equation:
        η = Re IFFT(√S ⊙ FFT(w)), S = FFT(c), c_j = c_{n−j} = cov_j (unnormalised FFT, normalised IFFT).
    Assumptions:
        ``cov`` is (close to) positive definite and has decayed by lag n/2; otherwise the periodic window
        aliases it. The field is periodic with period n·dt.
    """
    S = circulant_spectrum(cov, n)
    white = jr.normal(key, tuple(shape) + (n,), dtype=S.dtype)
    return field_from_white(white, S)
