"""Transition lines of the plastic network: the first-order line k_crit(g) for g < 1 (Stern mapping, §4.3) and
the analytic solution near the continuous transition at g → 1⁺ (Eq. 13)."""

from __future__ import annotations

import dataclasses
import math
import time
import warnings

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import scipy.optimize
from jaxtyping import Array, Float

from neurosyn import Network, Status, check_nonnegative, check_positive

from ._memory import SelfCoupling
from ._stationary import AndersonMixing, Stationary, WindowWarning, solve_dmft


def near_critical_C(g, k, lags) -> Float[Array, " lags"]:
    """Leading-order DMFT correlation just above g = 1 (Eq. 13): C(τ) = γ sech(γτ/√3), γ = (g − 1)/(1 − k).

    Args:
        g: coupling strength, g ≥ 1 (γ = 0 at g = 1). k: plasticity strength, k < 1. lags: τ values.
    Equation:
        Linearising the self-coupling, (1 − kC(0) + ∂t) x = η: a nonplastic network with
        g_eff = g/(1 − kC(0));
        the SCS result C = ε sech(ετ/√3) for g = 1 + ε with C(0) = g_eff − 1 gives Eq. 13.
    Assumptions:
        Leading order in ε = g − 1 (relative corrections O(ε)); requires k < 1.
    """
    check_nonnegative("g - 1", float(g) - 1.0, "distance above the transition g = 1")
    if not float(k) < 1.0:
        raise ValueError(f"k (plasticity strength) must be < 1 for the g → 1⁺ solution, got k={k!r}")
    gamma = (float(g) - 1.0) / (1.0 - float(k))
    return gamma / jnp.cosh(gamma * jnp.asarray(lags) / math.sqrt(3.0))


class KCrit(eqx.Module):
    """The first-order line at one g < 1.

    Attributes:
        g: coupling strength. k_crit: min_s s/C(0; g, s). s: the minimiser. C0: C(0; g, s) there.
        y_err: statistical error of k_crit (from the error of C(0) at the minimiser).
        s_evaluated, y_evaluated: the Stern solves the minimisation used (s, y(s) = s/C(0); inf if collapsed).
        status: success, or the status of a failed Stern solve at the minimiser. wall_s.
    """

    g: float
    k_crit: float
    s: float
    C0: float
    y_err: float
    s_evaluated: Array
    y_evaluated: Array
    status: Status
    wall_s: float

    @property
    def converged(self):
        return self.status == Status.success


def stern_C0(g: float, s: float, *, key, method: Stationary | None = None, init=None, **kwargs):
    """C(0; g, s) of the Stern self-coupled network (Eq. 11) by the stationary DMFT with `SelfCoupling(s)`.

    Starts from a large C(0) with a long correlation time (the active branch). Returns the `DMFTSolution`.
    """
    method = method or Stationary(n_samples=256, n_replicates=2, dt=0.1, t_max_limit=100.0)
    kw = dict(memory=SelfCoupling(s))
    if init is not None:
        kw["init"] = init
    method = dataclasses.replace(method, **kw)
    return solve_dmft(Network(N=1, g=g, k=0.0), method, key=key, throw=False, **kwargs)


def k_crit(
    g: float,
    *,
    key=None,
    method: Stationary | None = None,
    solver: AndersonMixing | None = None,
    s_tol: float = 0.03,
    s_max: float | None = None,
) -> KCrit:
    """First-order line k_crit(g) = min_s s / C(0; g, s) for 0 < g < 1 (Stern mapping, §4.3).

    Args:
        g: coupling strength in (0, 1).
        key: JAX key; one key is reused for every s (common random numbers make y(s) smooth). Default key 0.
        method: `Stationary` settings of the Stern solves (default: 256 samples, 2 replicates, dt = 0.1,
            τ_max ≤ 100: only C(0) is used, and the field variance g²C(0) does not depend on the tail).
            More samples reduce the statistical error (≈ k·δC(0)/C(0), reported as ``y_err``).
        solver: iteration settings.
        s_tol: tolerance on the minimiser s (the minimum is quadratic, so k_crit is far less sensitive).
        s_max: upper end of the search (default 1 − g + 1.6; the g = 0 minimiser is s = 1.596).
    Returns:
        `KCrit` with k_crit, the minimiser s, C(0) there, and the evaluated y(s).
    Equation:
        Slow limit (τ* ≫ p) of Eq. 6: (1 + ∂t) x = η + kC(0) φ(x), the Stern single site with s = kC(0);
        a Stern solution solves the plastic model iff y(s) = s/C(0; g, s) = k; y is U-shaped on (1 − g, ∞).
    Assumptions:
        τ* ≫ p (exact as g → 0 and near the line). k_crit → 2.017 as g → 0 and → 1 as g → 1⁻.
    """
    check_positive("g", g, "coupling strength")
    if not g < 1.0:
        raise ValueError(f"g (coupling strength) must be in (0, 1) for k_crit, got g={g!r}")
    check_positive("s_tol", s_tol, "tolerance on the minimiser")
    t0 = time.perf_counter()
    solver = solver or AndersonMixing()
    key = jr.key(0) if key is None else key
    lo = 1.0 - g
    hi = s_max if s_max is not None else lo + 1.6
    cache: dict = {}

    def y(s):
        # only C(0) is used here: a long tail of the slow Stern state does not matter
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WindowWarning)
            sol = stern_C0(g, s, key=key, method=method, solver=solver)
        cache[s] = sol
        C0 = float(sol.C0)
        if sol.status == Status.collapsed or not C0 > 0:
            return math.inf
        return s / C0

    def obj(s):
        v = y(s)
        return v if math.isfinite(v) else 1e6 * (1.0 + hi - s)

    res = scipy.optimize.minimize_scalar(
        obj, bounds=(lo + 0.02, hi), method="bounded", options={"xatol": s_tol}
    )
    s_star = float(res.x)
    best = cache[s_star]
    C0 = float(best.C0)
    kc = s_star / C0 if C0 > 0 else math.inf
    y_err = kc * float(best.C_err[0]) / C0 if C0 > 0 else math.nan
    s_ev = np.array(sorted(cache))
    y_ev = np.array(
        [
            s / float(cache[s].C0)
            if float(cache[s].C0) > 0 and cache[s].status != Status.collapsed
            else np.inf
            for s in s_ev
        ]
    )
    status = Status.success if best.status in (Status.success, Status.not_psd) else best.status
    return KCrit(
        float(g),
        float(kc),
        s_star,
        C0,
        float(y_err),
        jnp.asarray(s_ev),
        jnp.asarray(y_ev),
        status,
        time.perf_counter() - t0,
    )
