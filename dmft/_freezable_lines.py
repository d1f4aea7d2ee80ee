"""Phases of freezable chaos from the two-replica DMFT, their boundary lines, and the analytic g → 1⁺ limit.

Theory phases (model.md §8.2, §8.5) at given (g, k, p):
    nonfreezable   the dynamic two-replica solution has Q ≡ 0;
    semifreezable  the dynamic solution has Q(0) > 0 (and D decays to a constant);
    freezable      the fixed-point solution (D constant) has Q(0) > 0 and r < 1.
"Q(0) > 0" means Q(0) > q_tol·C(0) (`TwoReplica.q_tol`).

Analytic limit g = 1 + ε, ε → 0⁺ (Eqs. 36–39): C(τ) = γ sech(γτ/√3), γ = ε/(1 − k), and the fixed-point
    solution
closes on h(D/ε, k) = k with
    h(u, k) = (2/√3) / [ψ((a + 3)/4) − ψ((a + 1)/4)],   a = √3 (1 − k)(u − 1),
which follows from 1 = k ∫₀^∞ e^{−(D−ε)s} C(s) ds. Since ψ(3/4) − ψ(1/4) = π, h(1, k) = 2/(√3 π) for every k:
the apex of the semifreezable wedge.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time

import equinox as eqx
import jax.random as jr
import numpy as np
import scipy.optimize
import scipy.special

from neurosyn import ConvergenceError, Network, check_finite, check_int, check_positive

from ._two_replica import TwoReplica, TwoReplicaSolution, onset_eigenvalue, solve_two_replica

PHASES = ("nonfreezable", "semifreezable", "freezable")
_DEFAULT_METHOD = TwoReplica()

APEX_K = 2.0 / (math.sqrt(3.0) * math.pi)
"""k at which both freezable-chaos lines meet as g → 1⁺: 2/(√3π) = 0.36755 (Eq. 39 at u = 1)."""


def h_limit(u, k):
    """h(u, k) of Eq. 39 (digamma form): the g → 1⁺ fixed-point solution satisfies h(D/ε, k) = k.

    Args:
        u: D/ε ≥ 1 (array or float). k: plasticity strength, k < 1 (the g → 1⁺ solution needs k < 1).
    Returns:
        h(u, k) = (2/√3) / [ψ((√3(1−k)(u−1) + 3)/4) − ψ((√3(1−k)(u−1) + 1)/4)].
    Assumptions:
        Leading order in ε = g − 1; C(τ) = γ sech(γτ/√3) (Eq. 13).
    """
    u = np.asarray(u, dtype=float)
    k = np.asarray(k, dtype=float)
    if np.any(u < 1):
        raise ValueError(f"u (= D/ε) must be >= 1, valid range [1, inf); got u={u!r}")
    if np.any(k >= 1):
        raise ValueError(
            f"k (plasticity strength) must be < 1 for the g → 1⁺ limit, valid range (-inf, 1); got k={k!r}"
        )
    a = math.sqrt(3.0) * (1.0 - k) * (u - 1.0)
    return (2.0 / math.sqrt(3.0)) / (
        scipy.special.digamma((a + 3.0) / 4.0) - scipy.special.digamma((a + 1.0) / 4.0)
    )


class LimitSolution(eqx.Module):
    """Fixed-point solution of the two-replica DMFT to leading order in ε = g − 1 (Eqs. 36–39).

    Attributes: u = D/ε; D; Q0 = √(D(D − ε)/k); r = 1 − D + ε; rho0 = Q0/√(D C(0)) with C(0) = ε/(1 − k).
    All NaN when k ≤ 2/(√3π) (no nontrivial solution: nonfreezable).
    """

    u: float
    D: float
    Q0: float
    r: float
    rho0: float


def freeze_limit(g: float, k: float) -> LimitSolution:
    """The two-replica fixed-point solution as g → 1⁺ (Eqs. 36–39), for apex < k < 1.

    Solves h(u, k) = k for u ≥ 1 (h increases with u), then D = uε, Q(0) = ε√(u(u−1)/k), r = 1 − (u − 1)ε.
    """
    check_finite("g", g, "coupling strength")
    check_finite("k", k, "plasticity strength")
    if not g > 1:
        raise ValueError(
            f"g (coupling strength) must be > 1 for the g → 1⁺ limit, valid range (1, inf); got g={g!r}"
        )
    if not k < 1:
        raise ValueError(
            f"k (plasticity strength) must be < 1 for the g → 1⁺ limit, valid range (-inf, 1); got k={k!r}"
        )
    eps = g - 1.0
    if k <= APEX_K:
        nan = float("nan")
        return LimitSolution(nan, nan, nan, nan, nan)
    f = lambda u: float(h_limit(u, k)) - k
    hi = 2.0
    while f(hi) < 0:
        hi *= 2.0
        if hi > 1e12:
            raise ConvergenceError(f"h(u, k) = k has no root below u = 1e12 at k={k}")
    u = scipy.optimize.brentq(f, 1.0, hi, xtol=1e-14, rtol=1e-14)
    D = u * eps
    Q0 = math.sqrt(D * (D - eps) / k)
    C0 = eps / (1.0 - k)
    return LimitSolution(u=u, D=D, Q0=Q0, r=1.0 - D + eps, rho0=Q0 / math.sqrt(D * C0))


class FreezePhase(eqx.Module):
    """The theory phase at one (g, k, p) with the solutions it rests on.

    Attributes:
        phase: 0 nonfreezable, 1 semifreezable, 2 freezable (`PHASES`); name: the phase as a string.
        fixed_point, dynamic: `TwoReplicaSolution`s (``dynamic`` is None when the fixed point already
            decides).
        dmft: the single-network `DMFTSolution` used for C(τ). Q0, rho0, r: from the solution that decides.
        converged: every solution used converged. wall_s: total wall time.
    """

    phase: int
    fixed_point: TwoReplicaSolution
    dynamic: TwoReplicaSolution | None
    dmft: object
    Q0: float
    rho0: float
    r: float
    converged: bool
    wall_s: float

    @property
    def name(self) -> str:
        return PHASES[self.phase]


def _solve_C(net, key, dmft_method, throw):
    from ._stationary import Stationary, solve_dmft

    method = dmft_method if dmft_method is not None else Stationary(dt=0.1, n_samples=512)
    return solve_dmft(net, method, key=key, throw=throw)


def freeze_phase(
    net: Network,
    *,
    key,
    dmft_solution=None,
    method: TwoReplica = _DEFAULT_METHOD,
    dmft_method=None,
    max_steps: int = 300,
    throw: bool = True,
) -> FreezePhase:
    """Classify (g, k, p) as non-, semi- or freezable from the two-replica DMFT.

    Args:
        net: `Network` (g > 1, k > 0 for a meaningful answer).
        key: JAX key (split into the DMFT and the two-replica draws).
        dmft_solution: a solved `DMFTSolution` of ``net``; solved here with ``dmft_method`` if None
            (default `Stationary(dt=0.1, n_samples=512)`).
        method: `TwoReplica` settings. max_steps, throw: as for every solver (throw raises
            `ConvergenceError` if a solution the decision rests on did not converge).
    Returns:
        `FreezePhase`: freezable if the fixed-point solution is nontrivial with r < 1; otherwise semifreezable
        if the dynamic solution is nontrivial; otherwise nonfreezable.
    """
    t0 = time.perf_counter()
    key_C, key_R = jr.split(key)
    sol = dmft_solution if dmft_solution is not None else _solve_C(net, key_C, dmft_method, throw)
    fp = solve_two_replica(
        net, sol, key=key_R, solution="fixed_point", method=method, max_steps=max_steps, throw=False
    )
    dyn = None
    if bool(fp.nontrivial) and float(fp.r) < 1.0:
        phase, used = 2, fp
        ok = bool(fp.converged)
    else:
        dyn = solve_two_replica(
            net, sol, key=key_R, solution="dynamic", method=method, max_steps=max_steps, throw=False
        )
        phase, used = (1 if bool(dyn.nontrivial) else 0), dyn
        ok = bool(dyn.converged)
    if throw and not ok:
        raise ConvergenceError(
            f"two-replica DMFT ({used.solution}) at g={float(net.g)}, k={float(net.k)}, p={float(net.p)} "
            f"did not converge (residual {float(used.residual):.3g} after {int(used.n_iter)} iterations); "
            "raise max_steps "
            "or pass throw=False near a transition (critical slowing down)"
        )
    return FreezePhase(
        phase=phase,
        fixed_point=fp,
        dynamic=dyn,
        dmft=sol,
        Q0=float(used.Q0),
        rho0=float(used.rho0),
        r=float(used.r),
        converged=ok,
        wall_s=time.perf_counter() - t0,
    )


@dataclasses.dataclass(frozen=True)
class BoundarySettings:
    """Settings of the boundary scan (k grid, refinement and solver sizes).

    Attributes:
        k_grid: k values scanned at each g (both lines are located between grid points).
        n_refine: bisection steps inside the bracketing grid interval (0: interpolation only).
        method: `TwoReplica` settings; dmft_method: `Stationary` settings of the single-network DMFT.
        max_steps: iteration budget of each two-replica solve.
    """

    k_grid: tuple[float, ...] = tuple(np.round(np.arange(0.4, 3.01, 0.2), 6))
    n_refine: int = 3
    method: TwoReplica = TwoReplica()
    dmft_method: object = None
    max_steps: int = 300


def quick_settings() -> BoundarySettings:
    """Cheap settings for a "quick" phase diagram.

    k grid step 0.3 on [0.45, 2.85], no bisection (linear interpolation of λ − 1 and of r − 1 between grid
    points), 128 A paths × 32 halting times, DMFT with 256 samples. Accuracy: NOT yet validated. With 64 paths
    (the first version) one run at g = 2.25 gave k_semifreezable = 0.47 and k_freezable = 1.23, against ≈ 0.87
    and ≈ 1.45 from the default settings at the bracketing points: λ has ≈ 2–3 % Monte Carlo error and
    dλ/dk ≈ 0.3, so the semifreezable line can be off by several tenths of k. Treat quick lines as sketches.
    """
    from ._stationary import Stationary

    return BoundarySettings(
        k_grid=tuple(np.round(np.arange(0.45, 2.86, 0.3), 6)),
        n_refine=0,
        method=TwoReplica(n_samples=128, n_shifts=32, n_paths_B=4, alpha=1.0, rtol=1e-5),
        dmft_method=Stationary(dt=0.1, n_samples=256, n_batches=8),
        max_steps=150,
    )


class Boundaries(eqx.Module):
    """The semifreezable and freezable lines k(g) at fixed p.

    Attributes:
        g, k_semifreezable, k_freezable: arrays over the g values (NaN where a line was not found in the
            grid).
        lam_grid, r_grid: [g, k] top eigenvalue of the map linearised about Q ≡ 0 (`onset_eigenvalue`) and r
            of the
            nontrivial fixed-point solution (NaN if trivial) on the scan grid; k_grid: the grid.
        converged: [g, k] every solve at that point converged. wall_s: total wall time.
    """

    g: np.ndarray
    k_semifreezable: np.ndarray
    k_freezable: np.ndarray
    k_grid: np.ndarray
    lam_grid: np.ndarray
    r_grid: np.ndarray
    converged: np.ndarray
    wall_s: float


def _evaluate(g, k, p, key, s: BoundarySettings):
    """(λ of Q ≡ 0, r of the nontrivial fixed-point solution or NaN, converged) at one (g, k)."""
    net = Network(N=1, g=g, k=k, p=p)
    key_C, key_R = jr.split(key)
    sol = _solve_C(net, key_C, s.dmft_method, False)
    n_eig = max(1024, 1 << math.ceil(math.log2(30.0 * p / s.method.dt + 1)))
    lam = float(onset_eigenvalue(net, sol, key=key_R, method=dataclasses.replace(s.method, n=n_eig)).lam)
    fp = solve_two_replica(
        net, sol, key=key_R, solution="fixed_point", method=s.method, max_steps=s.max_steps, throw=False
    )
    rfp = float(fp.r) if bool(fp.nontrivial) else math.nan
    return lam, rfp, bool(fp.converged) and bool(sol.converged)


def _crossing(ks, y, above: bool):
    """First grid crossing of y = 1 (from below if ``above``, else from above), by linear interpolation."""
    hit = np.nonzero(np.isfinite(y) & ((y > 1.0) if above else (y < 1.0)))[0]
    if hit.size == 0 or hit[0] == 0:
        return math.nan, None
    i = hit[0]
    if np.isfinite(y[i - 1]):
        return float(ks[i - 1] + (ks[i] - ks[i - 1]) * (1.0 - y[i - 1]) / (y[i] - y[i - 1])), (
            ks[i - 1],
            ks[i],
        )
    return float(0.5 * (ks[i - 1] + ks[i])), (ks[i - 1], ks[i])


def freezable_boundaries(
    g,
    *,
    p: float = 2.5,
    key,
    settings: BoundarySettings | None = None,
    quick: bool = False,
    progress: bool = False,
) -> Boundaries:
    """Locate the nonfreezable → semifreezable and semifreezable → freezable lines k(g) at fixed p.

    For each g, the k grid is scanned: the DMFT gives C(τ); `onset_eigenvalue` gives λ, the top eigenvalue of
        the
    two-replica map linearised about Q ≡ 0; the fixed-point two-replica solution gives r. The semifreezable
        line is
    where λ crosses 1 (Q ≡ 0 loses stability: the continuous onset of Q(0) > 0); the freezable line is where r
    crosses 1 on the nontrivial fixed-point solution. Both are interpolated linearly between grid points.
    With ``n_refine`` > 0 each line is then bisected inside its bracketing grid interval.

    Args:
        g: one value or a sequence of g > 1. p: synaptic time constant. key: JAX key (one per g via fold_in).
        settings: `BoundarySettings`; ``quick=True`` uses `quick_settings()` (a sketch, see its docstring).
        progress: tqdm bar on stderr.
    Returns:
        `Boundaries` (NaN where a line lies outside the k grid).
    Assumptions:
        Both transitions are continuous and each is crossed once on the grid (model.md §8.5).
    """
    gs = np.atleast_1d(np.asarray(g, dtype=float))
    for gv in gs:
        if not gv > 1:
            raise ValueError(
                f"g (coupling strength) must be > 1 for freezable chaos, valid range (1, inf); got g={gv}"
            )
    check_positive("p", p, "synaptic time constant")
    s = quick_settings() if (quick and settings is None) else (settings or BoundarySettings())
    check_int("n_refine", s.n_refine, "bisection steps", minimum=0)
    ks = np.asarray(s.k_grid, dtype=float)
    if ks.ndim != 1 or ks.size < 2 or np.any(np.diff(ks) <= 0):
        raise ValueError(f"k_grid must be an increasing sequence of at least 2 values, got {s.k_grid!r}")
    t0 = time.perf_counter()
    Qg = np.full((gs.size, ks.size), np.nan)
    rg = np.full((gs.size, ks.size), np.nan)
    conv = np.zeros((gs.size, ks.size), dtype=bool)
    k_semi = np.full(gs.size, np.nan)
    k_free = np.full(gs.size, np.nan)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=gs.size * ks.size, desc="freezable lines", leave=False)
    for a, gv in enumerate(gs):
        key_g = jr.fold_in(key, a)
        for b, kv in enumerate(ks):
            Qg[a, b], rg[a, b], conv[a, b] = _evaluate(gv, kv, p, jr.fold_in(key_g, b), s)
            if bar is not None:
                bar.update()
        k_semi[a], br_s = _crossing(ks, Qg[a], above=True)
        k_free[a], br_f = _crossing(ks, rg[a], above=False)
        for line, br in (("semi", br_s), ("free", br_f)):
            if br is None or s.n_refine == 0:
                continue
            lo, hi = br
            for i in range(s.n_refine):
                mid = 0.5 * (lo + hi)
                lam, r, _ = _evaluate(gv, mid, p, jr.fold_in(key_g, 1000 + i), s)
                inside = (lam > 1.0) if line == "semi" else (np.isfinite(r) and r < 1.0)
                lo, hi = (lo, mid) if inside else (mid, hi)
            if line == "semi":
                k_semi[a] = 0.5 * (lo + hi)
            else:
                k_free[a] = 0.5 * (lo + hi)
    if bar is not None:
        bar.close()
    return Boundaries(
        g=gs,
        k_semifreezable=k_semi,
        k_freezable=k_free,
        k_grid=ks,
        lam_grid=Qg,
        r_grid=rg,
        converged=conv,
        wall_s=time.perf_counter() - t0,
    )


def _boundaries_cached(g: float, p: float, settings: BoundarySettings, seed: int) -> tuple[float, float]:
    b = freezable_boundaries(g, p=p, key=jr.key(seed), settings=settings)
    return float(b.k_semifreezable[0]), float(b.k_freezable[0])


_boundaries_cached = functools.lru_cache(maxsize=1024)(_boundaries_cached)


def _line(g, p, key, settings, quick, which):
    s = quick_settings() if (quick and settings is None) else (settings or BoundarySettings())
    scalar = np.ndim(g) == 0
    if key is None:  # the fixed default key: a line is reproducible and computed once per (g, p, settings)
        vals = np.array([_boundaries_cached(float(gv), float(p), s, 0)[which] for gv in np.atleast_1d(g)])
    else:
        b = freezable_boundaries(g, p=p, key=key, settings=s)
        vals = b.k_freezable if which else b.k_semifreezable
    return float(vals[0]) if scalar else vals


def k_semifreezable(
    g, p: float = 2.5, *, key=None, settings: BoundarySettings | None = None, quick: bool = False
):
    """The nonfreezable → semifreezable line k(g) at p (onset of Q(0) > 0); see `freezable_boundaries`.

    A float for scalar g, an array otherwise. ``key=None`` uses the fixed key ``jr.key(0)`` and caches both
        lines
    per (g, p, settings), so calling `k_freezable` next costs nothing. ``quick=True``: `quick_settings()`.
    """
    return _line(g, p, key, settings, quick, 0)


def k_freezable(
    g, p: float = 2.5, *, key=None, settings: BoundarySettings | None = None, quick: bool = False
):
    """The semifreezable → freezable line k(g) at p (r = 1 on the fixed-point solution); see
    `freezable_boundaries` and `k_semifreezable` (same caching and defaults)."""
    return _line(g, p, key, settings, quick, 1)
