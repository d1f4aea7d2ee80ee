"""Kaplan–Yorke (Lyapunov) dimension from the largest exponents."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

import neurosyn as ns


class KaplanYorke(eqx.Module):
    """Kaplan–Yorke dimension with its evidence.

    Attributes:
        d_ky: D_KY (NaN when ``status`` is not success).
        j: largest index with a non-negative cumulative sum (0 when λ_1 < 0).
        status: `Status.success`, `Status.insufficient` (the cumulative sum never turns negative within the
            exponents given, so D_KY ≥ m is unknown) or `Status.nonfinite` (NaN among the exponents).
    """

    d_ky: Float[Array, "*batch"]
    j: Int[Array, "*batch"]
    status: ns.Status

    @property
    def converged(self):
        return self.status == ns.Status.success


def kaplan_yorke_dimension(exponents: Float[Array, "*batch m"]) -> KaplanYorke:
    """Kaplan–Yorke dimension of the largest ``m`` Lyapunov exponents (sorted here, descending).

    Args:
        exponents: the largest m exponents [..., m]; a leading batch axis gives one dimension per row.
    Returns:
        `KaplanYorke` (d_ky, j, status). Divide by N yourself for D_KY/N (N neurons, not N + N²).
    Equation:
        D_KY = j + (Σ_{i≤j} λ_i) / |λ_{j+1}|,  j the largest index with Σ_{i≤j} λ_i ≥ 0.
    Assumptions:
        The m exponents are the top of the spectrum. If the cumulative sum is still ≥ 0 after all m, the
        answer needs more exponents: status `insufficient` and d_ky NaN, never an extrapolation.
    References:
        Kaplan & Yorke, Lect. Notes Math. 730, 204 (1979); Clark & Abbott, PRX 14, 021001 (2024), Sec. V B.
    """
    lam = -jnp.sort(-jnp.asarray(exponents), axis=-1)
    m = lam.shape[-1]
    S = jnp.cumsum(lam, axis=-1)
    nonneg = S >= 0
    # cumulative sums of a descending sequence are concave in the index: once negative, they stay negative
    j = jnp.sum(nonneg, axis=-1)
    ok = j < m
    S_j = jnp.where(j > 0, jnp.take_along_axis(S, jnp.maximum(j - 1, 0)[..., None], axis=-1)[..., 0], 0.0)
    lam_next = jnp.take_along_axis(lam, jnp.minimum(j, m - 1)[..., None], axis=-1)[..., 0]
    finite = jnp.all(jnp.isfinite(lam), axis=-1)
    d = jnp.where(ok & finite, j + S_j / jnp.abs(lam_next), jnp.nan)
    return KaplanYorke(d_ky=d, j=j, status=batched_status(finite, ok, ns.Status.insufficient))


def batched_status(finite, ok, failure):
    """Status per element: nonfinite where not finite, else success where ok, else ``failure``."""

    def one(finite, ok):
        return ns.Status.where(finite, ns.Status.where(ok, ns.Status.success, failure), ns.Status.nonfinite)

    f = one
    for _ in range(jnp.ndim(finite)):
        f = jax.vmap(f)
    return f(jnp.asarray(finite), jnp.asarray(ok))
