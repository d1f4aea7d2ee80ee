"""The balanced-state mean field: population rates and linear-response spike-count covariances."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._network import BalancedNetwork

HZ = 1e-3  # 1 Hz in spikes per ms


class BalanceStatus(eqx.Enumeration):
    """Whether the balance equations W r + W_x r_x = 0 have an admissible solution."""

    balanced = "a balanced solution r = -W^{-1} W_x r_x exists with all rates > 0"
    singular = (
        "W is singular (populations with identical recurrent input), so there is no unique balanced "
        "solution; targeted input onto one of them cannot be balanced without plasticity"
    )
    nonpositive = (
        "the balanced solution has a rate <= 0: no balanced state exists (a population is silenced; "
        "the network leaves the balanced regime)"
    )
    nonfinite = "the weights or rates are not finite"


class BalancedState(eqx.Module):
    """Result of `balanced_rates`: the rates (Hz) with the evidence for them.

    ``rates`` is NaN where W is singular; ``cond`` is σ_max/σ_min of W; ``residual`` is
    max|W r + W_x r_x| in spikes/ms·mV (zero up to rounding when balanced).
    """

    rates: Float[Array, " n"]
    cond: Float[Array, ""]
    residual: Float[Array, ""]
    status: BalanceStatus
    names: tuple[str, ...] = eqx.field(static=True)

    @property
    def balanced(self):
        return self.status == BalanceStatus.balanced

    def rate(self, name: str):
        return self.rates[self.names.index(name)]


def _augmented(W, b):
    """W stacked with the constraints r_a = r_b for populations with identical input (rows of [W, b])."""
    n = W.shape[0]
    rows = jnp.concatenate([W, b[:, None]], axis=1)
    scale = jnp.max(jnp.abs(rows))
    P = []
    for a in range(n):
        for c in range(a + 1, n):
            same = jnp.max(jnp.abs(rows[a] - rows[c])) <= 1e-12 * scale
            P.append(jnp.where(same, scale, 0.0) * (jnp.eye(n)[a] - jnp.eye(n)[c]))
    return jnp.concatenate([W, jnp.stack(P)], axis=0) if P else W


def _pinv_solve(A, rhs, rcond):
    U, s, Vt = jnp.linalg.svd(A, full_matrices=False)
    singular = ~(s[-1] > rcond * s[0])
    inv = jnp.where(s > rcond * s[0], 1.0 / jnp.where(s > 0, s, 1.0), 0.0)
    return Vt.T @ (inv.reshape(-1, *([1] * (rhs.ndim - 1))) * (U.T @ rhs)), s[0] / s[-1], singular


def balanced_rates(net: BalancedNetwork, *, rcond: float = 1e-10) -> BalancedState:
    """Balanced population rates r = -W^{-1} W_x r_x (Hz), for any number of populations.

    Populations with identical input (identical rows of W and of W_x r_x, e.g. the halves of a split
    population) get equal rates, so splitting a population leaves the solution unchanged.

    Args:
        net: the network; ``net.j`` may be traced (this function is jit- and grad-safe).
        rcond: W counts as singular when σ_min/σ_max < rcond (after the equal-rate constraints).
    Returns:
        `BalancedState` with status ``balanced``, ``singular`` (no unique solution: e.g. targeted input onto
        half of a population whose halves project identically), ``nonpositive`` (a rate <= 0) or
        ``nonfinite``; rates are NaN unless the solution is unique.
    Equation:
        As N → ∞ the O(√N) mean inputs √N (W r + W_x r_x) must stay O(1), hence W r + W_x r_x = 0.
    Assumptions:
        Leading order in 1/√N; corrections to the rates are O(1/√N).
    References:
        van Vreeswijk & Sompolinsky, Science 274, 1724 (1996); Akil, Rosenbaum & Josić, PLoS CB 17 (2021).
    """
    return _balanced_rates(net, rcond)


@eqx.filter_jit
def _balanced_rates(net, rcond):
    W, b = net.W, net.Wx @ net.rx
    finite = jnp.all(jnp.isfinite(W)) & jnp.all(jnp.isfinite(b))
    W0, b0 = jnp.where(finite, W, jnp.eye(net.n)), jnp.where(finite, b, 0.0)
    A = _augmented(W0, b0)
    rhs = jnp.concatenate([-b0, jnp.zeros(A.shape[0] - net.n)])
    r, cond, singular = _pinv_solve(A, rhs, rcond)
    r = jnp.where(singular | ~finite, jnp.nan, r)
    residual = jnp.max(jnp.abs(W @ r + b)) * HZ
    status = BalanceStatus.where(
        ~finite,
        BalanceStatus.nonfinite,
        BalanceStatus.where(
            singular,
            BalanceStatus.singular,
            BalanceStatus.where(jnp.all(r > 0), BalanceStatus.balanced, BalanceStatus.nonpositive),
        ),
    )
    return BalancedState(rates=r, cond=cond, residual=residual, status=status, names=net.names)


def input_covariance(net: BalancedNetwork) -> Float[Array, "m m"]:
    """Covariance density (per ms) of the population-averaged external spike trains.

    Each external population x has N_x Poisson neurons at r_x with pairwise spike-count correlation c:
    C_x = r_x / N_x + (1 - 1/N_x) c r_x (independent across external populations). For c = 0 this is
    the O(1/N) term r_x/(q_x N); for c > 0 the O(1) term c r_x dominates.
    """
    Nx = jnp.maximum(1.0, jnp.round(net.qx * net.N))
    rx = net.rx * HZ
    return jnp.diag(rx / Nx + (1.0 - 1.0 / Nx) * net.c * rx)


def covariance_density(net: BalancedNetwork, *, rcond: float = 1e-10) -> Float[Array, "n n"]:
    """Mean cross-covariance density between populations, integrated over all lags (per ms).

    Equation:
        C̄ = M C_x Mᵀ with M = ∂r/∂r_x = -W⁻¹ W_x (linear response in the balanced limit); the spike-count
        covariance over a window T_win ≫ the correlation time is T_win C̄.
    Assumptions:
        Leading order in 1/√N. Where W is singular, M is the minimum-norm response of the equal-rate
        constrained system (used only inside the joint fixed-point solve).
    """
    A = _augmented(net.W, net.Wx @ net.rx)
    rhs = jnp.concatenate([-net.Wx, jnp.zeros((A.shape[0] - net.n, net.Wx.shape[1]))])
    M, _, _ = _pinv_solve(A, rhs, rcond)
    return M @ input_covariance(net) @ M.T


def spike_count_covariance(net: BalancedNetwork, T_win: float = 250.0) -> Float[Array, "n n"]:
    """Mean pairwise spike-count covariance between populations over a window T_win (ms): T_win · C̄."""
    return T_win * covariance_density(net)
