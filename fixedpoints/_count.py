"""Finite-N counts of stable fixed points and their exponential growth rate (model.md §7.4)."""

from __future__ import annotations

import time

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, Int

import neurosyn as ns

from ._find import find_fixed_points, random_states, self_coupled_states


class FixedPointCounts(eqx.Module):
    """Stable fixed points vs N.

    Attributes:
        N: network sizes [n_N].
        counts: distinct stable fixed points (x and −x counted separately) [n_N, n_networks].
        log2_mean: mean over networks of log₂ count at each N [n_N] (−inf-free: counts of 0 give NaN).
        growth_rate: least-squares slope of log2_mean against N, in log₂ per neuron (bits per neuron).
        growth_rate_err: standard error of that slope.
        saturation: counts found with the first 1/8, 1/4, 1/2 and all initial states [n_N, n_networks, 4];
            saturated counts stop growing along the last axis.
        n_found: distinct fixed points of any stability [n_N, n_networks].
        max_residual: largest ‖F‖₂ among the counted fixed points.
    """

    N: Int[Array, " n_N"]
    counts: Int[Array, "n_N n_networks"]
    log2_mean: Float[Array, " n_N"]
    growth_rate: float
    growth_rate_err: float
    saturation: Int[Array, "n_N n_networks 4"]
    n_found: Int[Array, "n_N n_networks"]
    max_residual: float
    wall_s: float = eqx.field(static=True)


def count_fixed_points(
    g,
    k,
    N_values,
    *,
    key,
    p=2.5,
    n_init: int = 2000,
    n_networks: int = 3,
    relax: float = 30.0,
    seeds: str = "self-coupled",
    T_seed: float = 1000.0,
    tol: float = 1e-10,
    progress: bool = False,
) -> FixedPointCounts:
    """Count distinct stable joint fixed points at each N and fit their growth rate (log₂ per neuron).

    Args:
        g, k, p: network parameters. N_values: sizes (e.g. range(10, 41, 5)).
        key: PRNG key; one key per N and network is folded in, so adding sizes keeps the others unchanged.
        n_init: initial states per network, polished by Newton to ‖F‖₂ ≤ tol (`find_fixed_points`).
        seeds: "self-coupled" (end states of `self_coupled_states` run for ``T_seed``; finds the most stable
            points, e.g. 340 against 220 at g = 2, k = 2, N = 40 with 2000 states) or "random"
            (x_i ~ N(0, 1), each relaxed for ``relax`` along the A-slaved flow).
        n_networks: quenched realisations of J per N.
    Returns:
        `FixedPointCounts` with the counts, a saturation check (count vs number of initial states), and the
        slope of ⟨log₂ count⟩ against N, to compare with `fixed_point_complexity(g, k)`.
    Assumptions:
        A count is a lower bound: basins of small attraction may be missed; `saturation` shows how far the
        count still grows with the number of initial states. Stability from M̃ (Eq. 18) at each point.
    """
    t0 = time.perf_counter()
    n_init = ns.check_int("n_init", n_init, "number of initial states", minimum=8)
    n_networks = ns.check_int("n_networks", n_networks, "number of networks per N")
    seeds = ns.check_choice("seeds", seeds, ("self-coupled", "random"))
    Ns = [ns.check_int("N", int(n), "number of neurons", minimum=2) for n in np.ravel(N_values)]
    if len(Ns) < 1:
        raise ValueError("N_values must hold at least one size")
    counts = np.zeros((len(Ns), n_networks), np.int64)
    found = np.zeros_like(counts)
    sat = np.zeros((len(Ns), n_networks, 4), np.int64)
    max_res = 0.0
    fracs = (8, 4, 2, 1)
    it = [(a, b) for a in range(len(Ns)) for b in range(n_networks)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(it), desc="count fixed points", leave=False)
    for a, b in it:
        N = Ns[a]
        net = ns.Network(N=N, g=g, k=k, p=p)
        kk = jr.fold_in(jr.fold_in(key, N), b)
        key_J, key_x = jr.split(kk)
        J = ns.sample_couplings(net, key_J)
        if seeds == "random":
            X0 = random_states(N, n_init, key=key_x)
            fp = find_fixed_points(net, J, X0, tol=tol, relax=relax, throw=False)
        else:
            X0 = self_coupled_states(net, J, n_init, key=key_x, T=T_seed)
            fp = find_fixed_points(net, J, X0, tol=tol, throw=False)
        st = np.asarray(fp.stable)
        nz = np.asarray(jnp.max(jnp.abs(fp.x), axis=-1) >= 1e-8) if fp.x.shape[0] else np.zeros(0, bool)
        weight = np.where(nz, 2, 1)  # x and −x are two fixed points; x = 0 is one
        counts[a, b] = int(np.sum(weight * st))
        found[a, b] = int(np.sum(weight))
        idx = np.asarray(fp.init_index)
        for c, f in enumerate(fracs):
            sub = idx[: n_init // f]
            reached = np.unique(sub[sub >= 0])
            sat[a, b, c] = int(np.sum((weight * st)[reached])) if reached.size else 0
        if st.any():
            max_res = max(max_res, float(jnp.max(fp.residual[st])))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    with np.errstate(divide="ignore"):
        lg = np.where(counts > 0, np.log2(np.maximum(counts, 1)), np.nan)
    log2_mean = np.nanmean(lg, axis=1) if np.isfinite(lg).any() else np.full(len(Ns), np.nan)
    ok = np.isfinite(log2_mean)
    rate, err = float("nan"), float("nan")
    if ok.sum() >= 2:
        Nf = np.asarray(Ns, float)[ok]
        A = np.stack([Nf, np.ones_like(Nf)], axis=1)
        coef, res, *_ = np.linalg.lstsq(A, log2_mean[ok], rcond=None)
        rate = float(coef[0])
        if ok.sum() > 2:
            resid = log2_mean[ok] - A @ coef
            s2 = float(resid @ resid) / (ok.sum() - 2)
            err = float(np.sqrt(s2 / np.sum((Nf - Nf.mean()) ** 2)))
    return FixedPointCounts(
        N=jnp.asarray(Ns),
        counts=jnp.asarray(counts),
        log2_mean=jnp.asarray(log2_mean),
        growth_rate=rate,
        growth_rate_err=err,
        saturation=jnp.asarray(sat),
        n_found=jnp.asarray(found),
        max_residual=max_res,
        wall_s=time.perf_counter() - t0,
    )
