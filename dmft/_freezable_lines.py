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
import warnings

import equinox as eqx
import jax.random as jr
import numpy as np
import scipy.optimize
import scipy.special

from neurosyn import (
    ConvergenceError,
    Network,
    NeurosynWarning,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
)

from ._line_table import (
    APEX_K,
    G_RELIABLE,
    _column_record,
    _identity,
    _read_checkpoint,
    _write_checkpoint,
)
from ._two_replica import TwoReplica, TwoReplicaSolution, onset_eigenvalue, solve_two_replica

PHASES = ("nonfreezable", "semifreezable", "freezable")
_DEFAULT_METHOD = TwoReplica()


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
    from ._stationary import solve_dmft

    method = dmft_method if dmft_method is not None else _lines_dmft(256)
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
            (default `_lines_dmft()`: 256 samples, 2 replicates).
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


def _lines_dmft(n_samples: int = 256):
    """The single-network DMFT settings of the boundary search: 2 frozen-noise replicates, a lag range
    fixed at 200 (one compiled shape for every (g, k); grown only if τ* > 10), ``window_tau`` = 20."""
    from ._stationary import Stationary

    return Stationary(dt=0.1, n_samples=n_samples, n_replicates=2, window_tau=20.0, t_max=200.0)


@dataclasses.dataclass(frozen=True)
class BoundarySettings:
    """Settings of the boundary search (root finding in k at each g, sample sizes).

    Attributes:
        k_tol: the lines are located to this tolerance in k (bracketing, then regula falsi).
        k_step: first step of the bracket search from the initial guess (the previous g's line, or the apex).
        k_max: largest k searched (NaN beyond).
        k_grid: spacing of the k nodes at which the single-network DMFT is solved; C(τ) between two nodes is
            linearly interpolated in k (0: solve the DMFT at every k evaluated).
        method: `TwoReplica` settings of the fixed-point solution (freezable line) and of `onset_eigenvalue`
            (semifreezable line; uses dt, n, n_samples). n = 4096 (a window of 410): at n = 1024 the
            fixed-point r at (2.25, 1.4) was 0.956 ± 0.086 against 0.985 ± 0.003 (measured); the onset grows
            it further.
        n_samples_onset: A paths of `onset_eigenvalue` (4 impulses each).
        n_keys_err: independent two-replica draws at the freezable root (its Monte Carlo error).
        dmft_method: `Stationary` settings of the single-network DMFT (None: `_lines_dmft()`, 256 samples).
        max_steps: iteration budget of each two-replica solve.
    """

    k_tol: float = 0.02
    k_step: float = 0.15
    k_max: float = 4.0
    k_grid: float = 0.2
    method: TwoReplica = TwoReplica(n=4096, n_samples=256, n_shifts=64, alpha=1.0, rtol=1e-5)
    n_samples_onset: int = 512
    n_keys_err: int = 3
    dmft_method: object = None
    max_steps: int = 300


def quick_settings() -> BoundarySettings:
    """Cheaper settings: k located to ±0.04, DMFT nodes every 0.3 in k with 128 samples, 512 A paths for the
    fixed point and 256 for the onset (compared with the defaults in tests/dmft/test_two_replica.py). The
    fixed point's r scatters between draws (measured at g = 2.25, k = 1.2, 128 paths: 0.96 … 1.10 for four
    draws), which moves k_free by ~0.05 at 128 paths."""
    return BoundarySettings(
        k_tol=0.04,
        k_grid=0.3,
        method=TwoReplica(n=4096, n_samples=512, n_shifts=64, alpha=1.0, rtol=1e-5),
        n_samples_onset=256,
        n_keys_err=2,
        dmft_method=_lines_dmft(128),
        max_steps=200,
    )


class Boundaries(eqx.Module):
    """The semifreezable and freezable lines k(g) at fixed p.

    Attributes:
        g, k_semifreezable, k_freezable: arrays over g (NaN where a line was not found below k_max).
        k_semifreezable_err, k_freezable_err: statistical errors, the larger of half the final bracket and
            the Monte Carlo error of λ (batches of impulses) or of r (``n_keys_err`` independent two-replica
            draws) at the root divided by the slope in k; they do not include the error of the DMFT's C(τ),
            of the interpolation in k or of dt (keys differing at g = 2.25 moved k_semi by 0.05).
        evaluations: per g, a list of (k, λ, r, converged) at every k evaluated (r NaN where the fixed-point
            solution is trivial, λ NaN where not evaluated).
        dmft_nodes: per g, the k values at which the single-network DMFT was solved.
        window_warnings: per g, the DMFT nodes' `WindowWarning` messages (C(τ) not yet below 1e-3·C(0) where
            the lag window starts; collected here rather than raised once per node).
        converged: per g, every DMFT node converged and so did the fixed-point solve at the upper end of the
            final bracket of the freezable line (a solve that fails elsewhere counts as "not freezable" there
            and is flagged in ``evaluations``). wall_s: total wall time.
    """

    g: np.ndarray
    k_semifreezable: np.ndarray
    k_freezable: np.ndarray
    k_semifreezable_err: np.ndarray
    k_freezable_err: np.ndarray
    evaluations: tuple
    dmft_nodes: tuple
    window_warnings: tuple
    converged: np.ndarray
    wall_s: float


class _Column:
    """The two-replica quantities along k at one (g, p).

    The DMFT is solved at nodes k_j = j·k_grid only (warm-started from the nearest solved node of this g, else
    from the same node of the previous g), with one key per g (common random numbers along k); C(τ) at other k
    is the linear interpolation between the two neighbouring nodes. The last fixed point warm-starts the next.
    """

    def __init__(self, g, p, key, s: BoundarySettings, prev_nodes=None):
        self.g, self.p, self.key, self.s = g, p, key, s
        self.nodes: dict = {}
        self.prev_nodes = prev_nodes or {}
        self.rows: dict = {}
        self.Q_fp = None
        self.n_onset = 0
        self.ok = True
        self.window_warnings: list = []

    def _node(self, j):
        if j in self.nodes:
            return self.nodes[j]
        from ._stationary import WindowWarning, solve_dmft

        base = self.s.dmft_method if self.s.dmft_method is not None else _lines_dmft()
        near = min(self.nodes, key=lambda i: abs(i - j), default=None)
        if near is not None:
            base = dataclasses.replace(base, init=self.nodes[near])
        elif j in self.prev_nodes:
            base = dataclasses.replace(base, init=self.prev_nodes[j])
        k = j * self.s.k_grid if self.s.k_grid > 0 else j
        net = Network(N=1, g=self.g, k=k, p=self.p)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", WindowWarning)
            sol = solve_dmft(net, base, key=jr.fold_in(self.key, 0), throw=False)  # common random numbers
        for w in caught:
            if issubclass(w.category, WindowWarning):
                self.window_warnings.append(f"k={k:g}: {w.message}")
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        self.ok &= bool(sol.converged)
        self.nodes[j] = sol
        return sol

    def C(self, k):
        """(C, lags) at k: a DMFT node, or the linear interpolation in k between the two neighbouring
        nodes."""
        if self.s.k_grid <= 0:
            sol = self._node(k)
            return np.asarray(sol.C), np.asarray(sol.lags)
        u = k / self.s.k_grid
        j = int(math.floor(u + 1e-9))
        w = u - j
        a = self._node(j)
        lags, Ca = np.asarray(a.lags), np.asarray(a.C)
        if w < 1e-9:
            return Ca, lags
        b = self._node(j + 1)
        Cb = np.interp(lags, np.asarray(b.lags), np.asarray(b.C), right=0.0)
        return (1.0 - w) * Ca + w * Cb, lags

    def method(self, C, lags, **kw):
        """`TwoReplica` settings whose window holds C: n grown (powers of 2) until half the window reaches the
        first lag where |C| < 0.01·C(0)."""
        m = self.s.method
        below = np.nonzero(np.abs(C) < 0.01 * C[0])[0]
        tau_c = float(lags[below[0]]) if below.size else float(lags[-1])
        n = m.n
        while n * m.dt < 2.0 * tau_c:
            n *= 2
        return dataclasses.replace(m, n=n, **kw)

    def lam(self, k):
        """(λ − 1, its standard error) of Q ≡ 0 at k.

        The eigenmode's tail lengthens as λ approaches the circulant part's edge (near g = 1 especially), and
        a periodic window shorter than it biases λ upwards (measured at g = 1.1, k = 0.2: λ = 1.0075, 1.0034,
        1.0002, 0.9985, 0.9979 for windows of 102 … 1638). So the window is doubled (from the last one this
        column needed) until λ changes by less than max(2σ, 1e-4), up to n = 65536."""
        net = Network(N=1, g=self.g, k=k, p=self.p)
        C, lags = self.C(k)
        method = self.method(C, lags, n_samples=self.s.n_samples_onset)
        method = dataclasses.replace(method, n=max(method.n, self.n_onset))
        onset = lambda m: onset_eigenvalue(net, C, lags=lags, key=jr.fold_in(self.key, 1), method=m)
        ev = onset(method)
        while method.n < 65536:
            wider = dataclasses.replace(method, n=2 * method.n)
            ev2 = onset(wider)
            step = abs(float(ev2.lam) - float(ev.lam))
            method, ev = wider, ev2
            if step <= max(2 * math.hypot(float(ev.lam_err), float(ev2.lam_err)), 1e-4):
                break
        self.n_onset = method.n // 2  # the last window that already agreed
        self.rows.setdefault(k, [k, math.nan, math.nan, True])[1] = float(ev.lam)
        return float(ev.lam) - 1.0, float(ev.lam_err)

    def fixed_point(self, k, i=0):
        net = Network(N=1, g=self.g, k=k, p=self.p)
        C, lags = self.C(k)
        method = self.method(C, lags)
        kw = dict(Q_init=self.Q_fp) if self.Q_fp is not None and self.Q_fp.size == method.n else {}
        return solve_two_replica(
            net,
            C,
            lags=lags,
            key=jr.fold_in(self.key, 2 + i),
            solution="fixed_point",
            method=method,
            max_steps=self.s.max_steps,
            throw=False,
            **kw,
        )

    def r_minus(self, k):
        """(1 − r, 0) on the nontrivial fixed-point solution at k (increasing in k through the line);
        −inf where that solution is trivial or the iteration did not converge (not freezable: near the
        onset a slowly vanishing Q would otherwise pass for a solution)."""
        fp = self.fixed_point(k)
        row = self.rows.setdefault(k, [k, math.nan, math.nan, True])
        row[3] = row[3] and bool(fp.converged)
        if not (bool(fp.nontrivial) and bool(fp.converged)):
            return -math.inf, 0.0
        self.Q_fp = np.asarray(fp.Q)[np.argsort(_grid_order(fp.Q.shape[0]))]
        row[2] = float(fp.r)
        return 1.0 - float(fp.r), 0.0

    def r_spread(self, k):
        """Standard error of r at k over ``n_keys_err`` independent two-replica draws (NaN if fewer than 2
        nontrivial)."""
        rs = [float(self.r_minus(k)[0])]
        for i in range(1, self.s.n_keys_err):
            fp = self.fixed_point(k, i)
            if bool(fp.nontrivial) and bool(fp.converged):
                rs.append(1.0 - float(fp.r))
        rs = np.asarray([r for r in rs if math.isfinite(r)])
        return float(rs.std(ddof=1) / math.sqrt(rs.size)) if rs.size >= 2 else math.nan


def _grid_order(n):
    j = np.arange(n)
    return np.argsort(np.where(j <= n // 2, j, j - n))


def _root(f, k0, step, k_lo, k_max, k_tol):
    """Smallest k > k_lo near k0 where f(k) changes sign from < 0 to ≥ 0 (f increasing through the line).

    Brackets by stepping from k0 (doubling the step), then regula falsi (Illinois) with bisection for infinite
    values. Returns (k, err, slope, ends): err from the Monte Carlo error of f at the bracket ends (at least
    half the bracket), slope the secant of f over the final bracket (NaN if f is infinite there), ends the
    final bracket; or NaNs; (k_lo, err, NaN, (k_lo,)) if f ≥ 0 already at k_lo > 0.
    """
    k0 = min(max(k0, k_lo + step), k_max)
    cache = {}

    def F(k):
        if k not in cache:
            cache[k] = f(k)
        return cache[k]

    a, fa = k0, F(k0)[0]
    if fa < 0:
        b, h = a, step
        while True:
            b = min(a + h, k_max)
            fb = F(b)[0]
            if fb >= 0:
                break
            if b >= k_max:
                return math.nan, math.nan, math.nan, ()
            a, fa, h = b, fb, 2 * h
    else:
        b, fb, h = a, fa, step
        while True:
            a = max(b - h, k_lo)
            fa = F(a)[0]
            if fa < 0:
                break
            if a <= k_lo:  # f ≥ 0 already at the lower bound: the line lies at (or below) k_lo
                if k_lo > 0:
                    return float(k_lo), float(max(F(a)[1], 0.5 * step)), math.nan, (a,)
                return math.nan, math.nan, math.nan, ()
            b, fb, h = a, fa, 2 * h
    side = 0
    while b - a > k_tol:
        if math.isfinite(fb) and math.isfinite(fa):
            m = b - fb * (b - a) / (fb - fa)
            m = min(max(m, a + 0.05 * (b - a)), b - 0.05 * (b - a))
        else:
            m = 0.5 * (a + b)
        fm = F(m)[0]
        if fm >= 0:
            b, fb = m, fm
            if side == 1 and math.isfinite(fa):
                fa *= 0.5
            side = 1
        else:
            a, fa = m, fm
            if side == -1 and math.isfinite(fb):
                fb *= 0.5
            side = -1
    fa_true, fb_true = F(a)[0], F(b)[0]
    if math.isfinite(fa_true) and math.isfinite(fb_true) and fb_true > fa_true:
        slope = (fb_true - fa_true) / (b - a)
        k = a - fa_true / slope
        err = max(F(a)[1], F(b)[1]) / slope
    else:
        k, err, slope = 0.5 * (a + b), 0.5 * (b - a), math.nan
    return float(k), float(max(err, 0.5 * (b - a))), float(slope), (a, b)


def freezable_boundaries(
    g,
    *,
    p: float = 2.5,
    key,
    settings: BoundarySettings | None = None,
    quick: bool = False,
    progress: bool = False,
    checkpoint=None,
    retry: bool = False,
) -> Boundaries:
    """Locate the nonfreezable → semifreezable and semifreezable → freezable lines k(g) at fixed p.

    Semifreezable line: where λ, the top eigenvalue of the two-replica map linearised about Q ≡ 0
    (`onset_eigenvalue`), crosses 1 (Q ≡ 0 loses stability: the continuous onset of Q(0) > 0). Freezable line:
    where r crosses 1 on the nontrivial fixed-point solution (`solve_two_replica`, "fixed_point"). At each g
    both are found by root finding in k (bracket from the previous g's value, then regula falsi to ``k_tol``),
    reusing the DMFT C(τ) between the two lines and warm-starting the DMFT and the fixed point along k. One
    key per g (``fold_in(key, index)``), the same for every k of that g (common random numbers: λ(k) and r(k)
    are smooth in k).

    Args:
        g: one value or a sequence of g > 1 (processed in increasing order). p: synaptic time constant.
        key: JAX key. settings: `BoundarySettings`; ``quick=True`` uses `quick_settings()`.
        progress: tqdm bar on stderr.
        checkpoint: a JSON path written atomically after every g column (read by `load_lines`); if it
            exists, its finished columns are kept and only the others are computed. It must come from the same
            g values, p, key and settings (else `ValueError`). A resumed column starts from the previous
            column's lines but not from its DMFT solutions, so it may differ from an uninterrupted run by
            the Monte Carlo error. ``retry``: also recompute the checkpoint's columns that did not converge.
    Returns:
        `Boundaries` (NaN where a line lies above k_max), with statistical errors and every evaluation.
    Assumptions:
        λ increases and r decreases with k through each line, which is crossed once (model.md §8.5).
    """
    gs = np.atleast_1d(np.asarray(g, dtype=float))
    for gv in gs:
        if not gv > 1:
            raise ValueError(
                f"g (coupling strength) must be > 1 for freezable chaos, valid range (1, inf); got g={gv}"
            )
    check_positive("p", p, "synaptic time constant")
    if np.any(gs < G_RELIABLE):
        warnings.warn(
            f"freezable lines at g < {G_RELIABLE} are not reliable: the onset eigenmode outgrows the window "
            f"(measured at the defaults: k_free(1.05) = 0.89, against lines that meet at the apex "
            f"{APEX_K:.4f} as g → 1⁺); interpolate from the apex instead, as dmft.tabulated_lines does; "
            f"got g = {gs[gs < G_RELIABLE].tolist()}",
            NeurosynWarning,
            stacklevel=2,
        )
    s = quick_settings() if (quick and settings is None) else (settings or BoundarySettings())
    check_positive("k_tol", s.k_tol, "tolerance of the lines in k")
    check_positive("k_step", s.k_step, "bracket step in k")
    check_positive("k_max", s.k_max, "largest k searched")
    check_nonnegative("k_grid", s.k_grid, "spacing of the DMFT nodes in k")
    check_int("n_keys_err", s.n_keys_err, "two-replica draws for the error of r", minimum=1)
    t0 = time.perf_counter()
    out = {name: np.full(gs.size, np.nan) for name in ("semi", "free", "semi_err", "free_err")}
    conv = np.zeros(gs.size, dtype=bool)
    evals: list = [None] * gs.size
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=gs.size, desc="freezable lines", leave=False)
    nodes: list = [None] * gs.size
    window: list = [()] * gs.size
    walls = np.zeros(gs.size)
    ident = _identity(gs, p, key, s)
    done = _read_checkpoint(checkpoint, ident) if checkpoint is not None else {}
    if retry:  # recompute the finished columns that did not converge (without the warm start they had)
        done = {i: c for i, c in done.items() if c["converged"]}
    prev, prev_nodes = None, None
    for a in np.argsort(gs):
        gv = float(gs[a])
        if int(a) in done:
            c = done[int(a)]
            out["semi"][a], out["semi_err"][a] = c["k_semifreezable"], c["k_semifreezable_err"]
            out["free"][a], out["free_err"][a] = c["k_freezable"], c["k_freezable_err"]
            conv[a], walls[a] = c["converged"], c["wall_s"]
            evals[a] = tuple(tuple(r) for r in c["evaluations"])
            nodes[a], window[a] = tuple(c["dmft_nodes"]), tuple(c["window_warnings"])
            prev, prev_nodes = (out["semi"][a], out["free"][a]), None
            if bar is not None:
                bar.update()
            continue
        t_col = time.perf_counter()
        col = _Column(gv, p, jr.fold_in(key, int(a)), s, prev_nodes)
        # initial guesses: the previous g's lines, or the g → 1⁺ apex with typical slopes
        k_s0 = prev[0] if prev and math.isfinite(prev[0]) else APEX_K + 0.3 * (gv - 1.0)
        k_semi, e_semi, _, _ = _root(col.lam, k_s0, s.k_step, 0.0, s.k_max, s.k_tol)
        k_f0 = prev[1] if prev and math.isfinite(prev[1]) else max(k_semi, APEX_K) + 0.6 * (gv - 1.0)
        k_lo = k_semi if math.isfinite(k_semi) else 0.0
        k_free, e_free, slope, ends = _root(col.r_minus, k_f0, s.k_step, k_lo, s.k_max, s.k_tol)
        # a fixed-point solve that does not converge counts as "not freezable there" (flagged in the
        # evaluations); the line rests on a converged solve at the upper end of the final bracket
        if math.isfinite(k_free):
            col.ok &= bool(col.rows[ends[-1]][3])
        if math.isfinite(k_free) and math.isfinite(slope) and s.n_keys_err >= 2:
            spread = col.r_spread(k_free)
            if math.isfinite(spread):
                e_free = max(e_free, spread / slope)
        out["semi"][a], out["semi_err"][a] = k_semi, e_semi
        out["free"][a], out["free_err"][a] = k_free, e_free
        conv[a] = col.ok
        evals[a] = tuple(tuple(r) for _, r in sorted(col.rows.items()))
        nodes[a] = tuple(sorted(j * s.k_grid if s.k_grid > 0 else j for j in col.nodes))
        window[a] = tuple(col.window_warnings)
        prev, prev_nodes = (k_semi, k_free), col.nodes
        walls[a] = time.perf_counter() - t_col
        if checkpoint is not None:
            done[int(a)] = _column_record(a, gs, out, conv, evals, nodes, window, walls)
            _write_checkpoint(checkpoint, ident, done)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return Boundaries(
        g=gs,
        k_semifreezable=out["semi"],
        k_freezable=out["free"],
        k_semifreezable_err=out["semi_err"],
        k_freezable_err=out["free_err"],
        evaluations=tuple(evals),
        dmft_nodes=tuple(nodes),
        window_warnings=tuple(window),
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
