"""The result of a QR Lyapunov run and its statistics (block means, running estimate, network spread)."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

import neurosyn as ns


def block_mean_error(log_growth, t_block: float, n_batches: int = 10):
    """Exponents and their standard errors from per-block log growths.

    Args:
        log_growth: log|R_ii| per reorthonormalisation block [..., n_blocks, m].
        t_block: time per block.
        n_batches: contiguous batches whose means give the error (the first n_blocks mod n_batches blocks are
            left out of the error, not of the mean).
    Returns:
        (mean [..., m], standard error of the mean [..., m]; NaN when fewer than 2 batches).
    Assumptions:
        Batches longer than the correlation time of the local growth rates, so batch means are independent.
    """
    lg = jnp.asarray(log_growth)
    n = lg.shape[-2]
    mean = jnp.sum(lg, axis=-2) / (n * t_block)
    nb = min(n_batches, n)
    if nb < 2:
        return mean, jnp.full_like(mean, jnp.nan)
    size = n // nb
    used = lg[..., n - nb * size :, :]
    batches = jnp.sum(used.reshape(*used.shape[:-2], nb, size, used.shape[-1]), axis=-2) / (size * t_block)
    return mean, jnp.std(batches, axis=-2, ddof=1) / jnp.sqrt(nb)


class LyapunovResult(eqx.Module):
    """Top (and optionally bottom) Lyapunov exponents with their evidence.

    With ``n_networks`` set every array has a leading network axis.

    Attributes:
        exponents: the largest m exponents, descending [m].
        exponents_err: standard error from 10 batch means of the per-block log growths [m].
        log_growth: log|R_ii| at each reorthonormalisation of the measured window [n_blocks, m]; other error
            estimates need no rerun (see `block_mean_error`, `trace`).
        bottom_exponents: the smallest exponents, descending, i.e. the last ``bottom`` entries of the spectrum
            [bottom] (empty when not asked for). ``concatenate([exponents, bottom_exponents])`` is the whole
            spectrum when m + bottom equals the state dimension.
        bottom_exponents_err, bottom_log_growth: as above for the backward pass (bottom_log_growth holds the
            log growths of the inverse maps, in forward-time block order).
        d_ky: Kaplan–Yorke dimension of the top exponents (NaN if the cumulative sum never turns negative).
        d_ky_over_N: d_ky / N (N neurons, not the state dimension).
        d_ky_status: `Status.success` or `Status.insufficient` (raise m).
        growth_max: largest log growth factor between two reorthonormalisations (diagnostic).
        inverse_residual: largest ‖v − D_n δ‖/‖v‖ before the last defect correction of the backward pass
            (NaN without a backward pass).
        status: `Status.success`, or `Status.nonfinite` if the state or a tangent blew up.
        wall_s: wall-clock seconds.
        N: number of neurons (or the state dimension for a generic map); dim: state dimension;
        t_block: time between reorthonormalisations; T: measured time.
    """

    exponents: Float[Array, "*batch m"]
    exponents_err: Float[Array, "*batch m"]
    log_growth: Float[Array, "*batch n_blocks m"]
    bottom_exponents: Float[Array, "*batch bottom"]
    bottom_exponents_err: Float[Array, "*batch bottom"]
    bottom_log_growth: Float[Array, "*batch n_blocks bottom"]
    d_ky: Float[Array, "*batch"]
    d_ky_over_N: Float[Array, "*batch"]
    d_ky_status: ns.Status
    growth_max: Float[Array, "*batch"]
    inverse_residual: Float[Array, "*batch"]
    status: ns.Status
    wall_s: float = eqx.field(static=True)
    N: int = eqx.field(static=True)
    dim: int = eqx.field(static=True)
    t_block: float = eqx.field(static=True)
    T: float = eqx.field(static=True)

    @property
    def converged(self):
        return self.status == ns.Status.success

    @property
    def lambda_max(self):
        """The largest exponent λ_1."""
        return self.exponents[..., 0]

    @property
    def lambda_max_err(self):
        return self.exponents_err[..., 0]

    @property
    def trace(self):
        """Running estimate of the exponents after each block [..., n_blocks, m] (convergence check)."""
        n = self.log_growth.shape[-2]
        t = self.t_block * jnp.arange(1, n + 1)
        return jnp.cumsum(self.log_growth, axis=-2) / t[:, None]

    def errors(self, n_batches: int = 10):
        """Standard errors of the top exponents from ``n_batches`` batch means (no rerun)."""
        return block_mean_error(self.log_growth, self.t_block, n_batches)[1]

    @property
    def network_mean(self):
        """Mean of the top exponents over the network axis (batched runs)."""
        return jnp.mean(self.exponents, axis=0)

    @property
    def network_sem(self):
        """Seed-to-seed standard error of the mean of the top exponents (std over networks / √n)."""
        n = self.exponents.shape[0]
        return jnp.std(self.exponents, axis=0, ddof=1) / jnp.sqrt(n)
