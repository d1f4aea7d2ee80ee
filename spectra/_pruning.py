"""Noise-driven synaptic pruning that preserves the spectrum (Moore & Chaudhuri, NeurIPS 2020).

For a noisy linear network dx/dt = −A x + σ ξ with A = L_W + δ I (L_W the graph Laplacian of a symmetric,
non-negative weight matrix W, δ ≥ 0 a leak), the stationary covariance C solves A C + C Aᵀ = σ² I. Synapse
(i, j) is kept with probability

    p_ij = min(1, ρ · w_ij · (C_ii + C_jj − 2 C_ij)),

and a kept synapse is rescaled to w_ij / p_ij, so E[W̃] = W. The bracket is σ²/2 times the effective resistance
between i and j, the sampling weight of spectral sparsification: O(n log n / ε²) kept synapses give
(1 − ε) A ≼ Ã ≼ (1 + ε) A with high probability. Every quantity a synapse needs is local: its weight, the two
variances and the covariance.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import scipy.linalg
from jax import lax

from neurosyn import check_int, check_nonnegative, check_positive


class PruneResult(eqx.Module):
    """A pruned network.

    Attributes:
        W: pruned, reweighted symmetric weights [n, n].
        A: pruned system matrix L_W̃ + δ I.
        keep_prob: keep-probabilities p_ij (0 where w_ij = 0).
        rho: the budget constant ρ used.
        n_kept: number of kept synapses (unordered pairs).
        pruned_fraction: 1 − n_kept / (number of nonzero pairs before pruning).
    """

    W: np.ndarray
    A: np.ndarray
    keep_prob: np.ndarray
    rho: float
    n_kept: int
    pruned_fraction: float


def _check_weights(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError("W must be finite")
    if np.any(W < 0):
        i, j = np.argwhere(W < 0)[0]
        raise ValueError(
            "W must be non-negative (the theory covers A = L_W + δI with w_ij ≥ 0), "
            f"got W[{i},{j}]={W[i, j]:.4g}; for signed couplings use `prune_couplings`"
        )
    if not np.allclose(W, W.T, rtol=1e-12, atol=1e-14):
        raise ValueError("W must be symmetric (w_ij = w_ji)")
    return W - np.diag(np.diag(W))


def system_matrix(W, leak: float) -> np.ndarray:
    """A = L_W + δ I, with L_W = diag(W 1) − W the graph Laplacian."""
    W = _check_weights(W)
    check_nonnegative("leak", leak, "leak δ of A = L_W + δI")
    return np.diag(W.sum(axis=1)) - W + leak * np.eye(W.shape[0])


def stationary_covariance(A, sigma: float = 1.0) -> np.ndarray:
    """C solving A C + C Aᵀ = σ² I (continuous Lyapunov equation); C = (σ²/2) A⁻¹ for symmetric A."""
    check_positive("sigma", sigma, "noise amplitude")
    A = np.asarray(A, dtype=np.float64)
    return scipy.linalg.solve_continuous_lyapunov(-A, -(sigma**2) * np.eye(A.shape[0]))


@eqx.filter_jit
def _em_covariance(A, sigma, key, n_steps: int, n_burn: int, dt):
    n = A.shape[0]

    def step(carry, k):
        x, S = carry
        x = x - dt * (A @ x) + sigma * jnp.sqrt(dt) * jr.normal(k, (n,))
        return (x, S + jnp.outer(x, x)), None

    keys = jr.split(key, n_burn + n_steps)
    (x, _), _ = lax.scan(step, (jnp.zeros(n), jnp.zeros((n, n))), keys[:n_burn])
    (_, S), _ = lax.scan(step, (x, jnp.zeros((n, n))), keys[n_burn:])
    return S / n_steps


def estimate_covariance(
    A, *, key, sigma: float = 1.0, T: float = 200.0, dt: float = 0.01, t_burn: float | None = None
) -> np.ndarray:
    """Covariance of x estimated online from an Euler–Maruyama simulation of dx = −A x dt + σ dW.

    Each entry C_ij is a running average of x_i x_j, the statistic synapse (i, j) can track locally.
    The default burn-in is 5 / λ_min(A) (capped at T), so the estimate starts near stationarity.
    """
    check_positive("T", T, "simulation length")
    check_positive("dt", dt, "Euler–Maruyama step")
    A = np.asarray(A, dtype=np.float64)
    if t_burn is None:
        t_burn = min(T, 5.0 / max(np.linalg.eigvalsh((A + A.T) / 2)[0], 1e-12))
    n_steps, n_burn = int(round(T / dt)), int(round(t_burn / dt))
    return np.asarray(_em_covariance(jnp.asarray(A), sigma, key, n_steps, n_burn, dt))


def _pairs(W):
    iu = np.triu_indices(W.shape[0], 1)
    return iu, W[iu]


def _sample(W, prob, key, leak) -> PruneResult:
    """Keep pair (i, j) with probability prob, reweight by 1/prob, symmetrise."""
    iu, w = _pairs(W)
    present = w > 0
    u = np.asarray(jr.uniform(key, w.shape, dtype=jnp.float64))
    keep = present & (u < prob)
    new = np.zeros_like(w)
    new[keep] = w[keep] / prob[keep]
    Wp = np.zeros_like(W)
    Wp[iu] = new
    Wp = Wp + Wp.T
    P = np.zeros_like(W)
    P[iu] = np.where(present, prob, 0.0)
    n_kept = int(keep.sum())
    return PruneResult(
        Wp, system_matrix(Wp, leak), P + P.T, float("nan"), n_kept, 1.0 - n_kept / max(int(present.sum()), 1)
    )


def _rho_for_budget(score, budget):
    """ρ with Σ min(1, ρ·score) = budget (expected number of kept pairs), by bisection in log ρ."""
    score = score[score > 0]
    if budget >= score.size:
        return np.inf
    lo, hi = 0.0, budget / score.min()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.minimum(1.0, mid * score).sum() < budget:
            lo = mid
        else:
            hi = mid
    return hi


def _keep_prob(rho, score):
    """min(1, ρ·score), with ρ = ∞ meaning "keep everything present"."""
    return np.where(score > 0, 1.0, 0.0) if np.isinf(rho) else np.minimum(1.0, rho * score)


def parse_budget(budget, n: int) -> float:
    """A budget as a number of kept synapses, or a string like "4nlogn" (4·n·ln n)."""
    if isinstance(budget, str):
        s = budget.replace(" ", "").lower()
        for suffix in ("nlogn", "nlnn"):
            if s.endswith(suffix):
                c = s[: -len(suffix)] or "1"
                try:
                    return float(c) * n * math.log(n)
                except ValueError:
                    break
        try:
            return float(s)
        except ValueError:
            raise ValueError(
                f"budget={budget!r} is not a number of synapses or 'c·nlogn' such as '4nlogn'"
            ) from None
    check_positive("budget", budget, "expected number of kept synapses")
    return float(budget)


def noise_prune(
    W, leak: float, *, key, budget=None, rho: float | None = None, sigma: float = 1.0, C=None
) -> PruneResult:
    """Prune a symmetric non-negative network with the noise-driven rule.

    Args:
        W: symmetric non-negative weights [n, n] (diagonal ignored).
        leak: δ ≥ 0 in A = L_W + δI.
        key: JAX PRNG key for the keep/drop draws.
        budget: expected number of kept synapses (a number or "c·nlogn"); or give ``rho`` directly.
        sigma: noise amplitude (ρ is rescaled so the rule does not depend on it).
        C: covariance to use; default the exact stationary one (Lyapunov solve). Pass `estimate_covariance`
            output to prune from simulated statistics.
    Returns:
        `PruneResult`.
    Equation:
        p_ij = min(1, ρ w_ij (C_ii + C_jj − 2C_ij)), w̃_ij = w_ij / p_ij on kept synapses.
    """
    W = _check_weights(W)
    if (budget is None) == (rho is None):
        raise ValueError("give exactly one of budget (kept synapses) or rho (budget constant)")
    A = system_matrix(W, leak)
    C = stationary_covariance(A, sigma) if C is None else np.asarray(C, dtype=np.float64)
    if C.shape != W.shape:
        raise ValueError(f"C has shape {C.shape}, expected {W.shape}")
    iu, w = _pairs(W)
    d = np.diag(C)
    diff = np.maximum(d[iu[0]] + d[iu[1]] - 2 * C[iu], 0.0) * 2.0 / sigma**2  # effective resistance
    score = w * diff
    if rho is None:
        rho = _rho_for_budget(score, parse_budget(budget, W.shape[0]))
    else:
        check_positive("rho", rho, "budget constant")
    res = _sample(W, _keep_prob(rho, score), key, leak)
    return eqx.tree_at(lambda r: r.rho, res, float(rho))


def uniform_prune(W, leak: float, *, key, budget) -> PruneResult:
    """Baseline: keep every synapse with the same probability (matched budget), reweighted by 1/p."""
    W = _check_weights(W)
    _, w = _pairs(W)
    q = min(1.0, parse_budget(budget, W.shape[0]) / max(int((w > 0).sum()), 1))
    return _sample(W, np.full(w.shape, q), key, leak)


def magnitude_prune(W, leak: float, *, key, budget) -> PruneResult:
    """Baseline: keep probability proportional to the weight (matched budget), reweighted by 1/p."""
    W = _check_weights(W)
    _, w = _pairs(W)
    rho = _rho_for_budget(w, parse_budget(budget, W.shape[0]))
    return _sample(W, _keep_prob(rho, w), key, leak)


def generalized_eigenvalue_range(A_pruned, A) -> tuple[float, float]:
    """(min, max) of the generalised eigenvalues of (Ã, A): Ã ≼ c A ⇔ max ≤ c. A must be positive definite."""
    lam = scipy.linalg.eigh(np.asarray(A_pruned), np.asarray(A), eigvals_only=True)
    return float(lam[0]), float(lam[-1])


def slowest_eigenvalue_error(A_pruned, A, *, skip_trivial: bool = True) -> float:
    """Relative error of the slowest non-trivial relaxation rate.

    With A = L_W + δI the uniform mode relaxes at exactly δ in both networks (trivial); the next eigenvalue is
    set by the weakest cut (e.g. the links between clusters).
    """
    i = 1 if skip_trivial else 0
    lam, lam_p = np.linalg.eigvalsh(np.asarray(A)), np.linalg.eigvalsh(np.asarray(A_pruned))
    return float(abs(lam_p[i] - lam[i]) / abs(lam[i]))


def relaxation_error(A_pruned, A, x0, times) -> np.ndarray:
    """‖e^{−Ãt}x0 − e^{−At}x0‖ / ‖e^{−At}x0‖ at each time: how well the pruned dynamics follow A's."""
    lam, V = np.linalg.eigh(np.asarray(A))
    lam_p, V_p = np.linalg.eigh(np.asarray(A_pruned))
    x0 = np.asarray(x0, dtype=np.float64)
    out = []
    for t in np.atleast_1d(times):
        ref = V @ (np.exp(-lam * t) * (V.T @ x0))
        new = V_p @ (np.exp(-lam_p * t) * (V_p.T @ x0))
        out.append(np.linalg.norm(new - ref) / np.linalg.norm(ref))
    return np.asarray(out)


def homogeneous_network(n: int, *, key, density: float = 1.0, sigma_log: float = 0.5) -> np.ndarray:
    """Dense (or Erdős–Rényi with ``density``) symmetric graph with lognormal weights (median 1/n)."""
    n = check_int("n", n, "number of neurons", minimum=2)
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got density={density}")
    k1, k2 = jr.split(key)
    w = np.exp(sigma_log * np.asarray(jr.normal(k1, (n, n)))) / n
    mask = np.asarray(jr.uniform(k2, (n, n))) < density
    W = np.triu(w * mask, 1)
    return W + W.T


def clustered_network(
    n: int, *, key, n_clusters: int = 4, p_in: float = 1.0, n_bridges: int = 2, sigma_log: float = 0.5
) -> np.ndarray:
    """``n_clusters`` dense clusters joined by ``n_bridges`` random links between consecutive clusters."""
    n = check_int("n", n, "number of neurons", minimum=4)
    n_clusters = check_int("n_clusters", n_clusters, "number of clusters", minimum=2)
    k1, k2, k3 = jr.split(key, 3)
    labels = np.arange(n) * n_clusters // n
    same = labels[:, None] == labels[None, :]
    w = np.exp(sigma_log * np.asarray(jr.normal(k1, (n, n)))) * n_clusters / n
    mask = same & (np.asarray(jr.uniform(k2, (n, n))) < p_in)
    W = np.triu(w * mask, 1)
    rng = np.random.default_rng(np.asarray(jr.randint(k3, (), 0, 2**31 - 1)).item())
    for c in range(n_clusters):
        a, b = np.flatnonzero(labels == c), np.flatnonzero(labels == (c + 1) % n_clusters)
        for _ in range(n_bridges):
            i, j = sorted((rng.choice(a), rng.choice(b)))
            W[i, j] = np.median(w[same])
    return W + W.T


def relu_active_prune(W, leak: float, x, *, key, budget, sigma: float = 1.0) -> PruneResult:
    """Rectified-linear networks: prune the linear subnetwork of active units (x_i > 0).

    Around a steady state the dynamics of a threshold-linear network are those of its active subnetwork;
    synapses with both ends active are pruned by the rule on that subnetwork, all others are left as they are.
    """
    W = _check_weights(W)
    active = np.flatnonzero(np.asarray(x) > 0)
    if active.size < 2:
        raise ValueError(f"need at least 2 active units (x_i > 0), got {active.size}")
    sub = noise_prune(W[np.ix_(active, active)], leak, key=key, budget=budget, sigma=sigma)
    Wp = W.copy()
    Wp[np.ix_(active, active)] = sub.W
    P = np.ones_like(W) * (W > 0)
    P[np.ix_(active, active)] = sub.keep_prob
    n_before = int((np.triu(W, 1) > 0).sum())
    n_kept = n_before - int((np.triu(W[np.ix_(active, active)], 1) > 0).sum()) + sub.n_kept
    return PruneResult(Wp, system_matrix(Wp, leak), P, sub.rho, n_kept, 1.0 - n_kept / max(n_before, 1))


def prune_couplings(J, *, key, budget, leak: float | None = None):
    """Beyond the paper: prune the symmetric part of random couplings J with the noise rule on |J_s|.

    The theory needs non-negative weights, so the keep-probabilities are computed from the magnitudes
    W = |J_s| (with a leak making A = L_W + δI well conditioned, default δ = the mean row sum) and the sign of
    each kept coupling is restored. Returns ``(J_s, J_s_pruned, result)``; compare their bulk spectra with the
    random-matrix tools.
    """
    J = np.asarray(J, dtype=np.float64)
    Js = (J + J.T) / 2
    np.fill_diagonal(Js, 0.0)
    W = np.abs(Js)
    if leak is None:
        leak = float(W.sum(axis=1).mean())
    res = noise_prune(W, leak, key=key, budget=budget)
    return Js, np.sign(Js) * res.W, res
