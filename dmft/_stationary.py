"""Stationary DMFT of the plastic network (Eqs. 6–8) by Monte Carlo single sites and mixed iteration.

One evaluation of the map C ↦ F(C): draw M fields η with covariance g²C on a periodic window (circulant
embedding), integrate the single site with the memory term over a burn-in and one period, estimate
C(τ) from φ on that period by a zero-padded FFT, and apply a lag window. The white noise behind η is
frozen within a replicate (common random numbers), so F is deterministic and Anderson mixing converges to its
fixed point; independent replicates give the mean and an honest error bar.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, Int

import neurosyn as ns
from neurosyn import (
    ConvergenceError,
    Network,
    NeurosynWarning,
    Status,
    WindowWarning,
    check_int,
    check_nonnegative,
    check_positive,
)

from ._fields import circulant_spectrum, field_from_white
from ._memory import HebbianKernel, MemoryTerm, rule_memory
from ._scs import _grid, solve_scs
from ._single_site import _integrate, etd2_transfer


class OscillationWarning(NeurosynWarning):
    """The residual kept oscillating above the noise floor (there may be no stationary state)."""


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class Stationary:
    """How to discretise and sample the stationary single site.

    Attributes:
        dt: time step of the single site and of the lag grid.
        t_max: initial lag range τ_max (None: 20·max(1, τ*) of the initial guess). Grown to
            1.15·max(τ_max, ``window_tau``·τ*) whenever τ_max < ``window_tau``·τ*, up to ``t_max_limit``.
        t_max_limit: largest lag range.
        window_tau: lag range in units of τ* (20: an exponential C with decay time 1.5τ* has fallen below 1e-3
            at the lag-window start).
        window_tol: check on the result: |C(τ) − q| just below the lag-window start must be below
            window_tol·C(0) or within 3 standard errors; otherwise `WindowWarning`.
        n_samples: single sites per map evaluation (M), split into ``n_batches`` batches; the batch spread
            sets the noise level of one evaluation, which scales the stopping tolerance.
        n_batches: number of batches.
        n_replicates: independent frozen-noise solutions; C is their mean and C_err their standard error.
        lag_window: C is multiplied by a cos² taper from ``lag_window``·τ_max to τ_max (Tukey lag window).
            The estimator noise of the tail would otherwise be amplified by the near-marginal slow direction
            of the map. The window test looks at the lags just below the taper.
        memory: the memory term (`HebbianKernel()` for Eq. 6; `SelfCoupling(s)` for the Stern model; a rule
            kernel of Appendix A, see `rule_memory`). None (default): ``rule_memory(net.rule)``.
        init: initial C: "auto" (SCS at the same g if g > 1, else ``init_C0``·e^{−τ/init_tau}), "exp", or a
            pair (lags, C) / a `DMFTSolution` to continue from.
        init_C0, init_tau: the exponential guess (large C(0) with a long correlation time finds the
            plasticity-induced branch at g < 1).
        collapse_tol: C(0) below this means the iteration collapsed to the trivial solution.
        n_x_samples: single-site x values kept from the converged solution (n_x_samples/n_replicates per
            replicate; at k = 0, where one replicate is exact, all of them from it).
        block: history-convolution block (speed only).
    """

    dt: float = 0.1
    t_max: float | None = None
    t_max_limit: float = 1000.0
    window_tau: float = 20.0
    window_tol: float = 1e-3
    n_samples: int = 1024
    n_batches: int = 8
    n_replicates: int = 4
    lag_window: float = 0.6
    memory: MemoryTerm | None = None
    init: object = "auto"
    init_C0: float = 0.8
    init_tau: float = 20.0
    collapse_tol: float = 1e-4
    n_x_samples: int = 20000
    block: int = 32

    def __post_init__(self):
        check_positive("dt", self.dt, "time step")
        if self.t_max is not None:
            check_positive("t_max", self.t_max, "lag range")
        check_positive("t_max_limit", self.t_max_limit, "largest lag range")
        check_positive("window_tau", self.window_tau, "lag range in units of τ*")
        check_positive("window_tol", self.window_tol, "tail tolerance relative to C(0)")
        check_int("n_batches", self.n_batches, "batches", minimum=2)
        check_int("n_samples", self.n_samples, "single sites per iteration", minimum=self.n_batches)
        if self.n_samples % self.n_batches:
            raise ValueError(f"n_samples={self.n_samples} must be a multiple of n_batches={self.n_batches}")
        check_int("n_replicates", self.n_replicates, "independent frozen-noise solutions", minimum=1)
        if not 0.2 <= self.lag_window <= 1.0:
            raise ValueError(f"lag_window must be in [0.2, 1] (a fraction of τ_max), got {self.lag_window}")
        check_positive("init_C0", self.init_C0, "initial C(0)")
        check_positive("init_tau", self.init_tau, "initial correlation time")
        check_nonnegative("collapse_tol", self.collapse_tol, "collapse threshold on C(0)")
        check_int("n_x_samples", self.n_x_samples, "kept x samples", minimum=0)
        check_int("block", self.block, "convolution block", minimum=1)
        if self.memory is not None and not isinstance(self.memory, MemoryTerm):
            raise ValueError(
                f"memory must be a MemoryTerm (HebbianKernel, SelfCoupling), got {self.memory!r}"
            )


@dataclasses.dataclass(frozen=True)
class AndersonMixing:
    """Damped Anderson mixing (type II) on the frozen-noise map, stopped well below the sampling noise.

    Attributes:
        depth: number of past residuals kept (0 gives plain damped iteration).
        alpha: damping, C ← C + alpha·(F(C) − C) along the Anderson direction.
        reg: Tikhonov regularisation of the least-squares step, relative to the trace of the Gram matrix.
        tol: a replicate has converged when the sup-norm residual ‖F(C) − C‖/C(0) ≤ tol × the relative
            sampling noise of one evaluation (its batch standard error), so the iteration error is a small
            fraction of the statistical error.
        rtol: also converged when the residual/C(0) falls below rtol.
        safeguard: when set, an Anderson step that raises the residual more than this factor is undone: the
            iteration returns to the previous iterate, clears the history and takes the damped step. None
            (default): never undo. Measured from cold starts at g = 2 (1024 samples): at k = −5 an overshoot
            strands the unguarded iteration at C(0) = 0.17 (residual 2 %), while safeguard=4 converges in 33
            evaluations to 0.2722; at k = 1, p = 20 the unguarded iteration converges (40 evaluations) through
            a 19-fold residual spike that safeguard=4 would undo, and then stalls.
    """

    depth: int = 5
    alpha: float = 0.5
    reg: float = 1e-6
    tol: float = 0.1
    rtol: float = 1e-6
    safeguard: float | None = None

    def __post_init__(self):
        check_int("depth", self.depth, "Anderson depth", minimum=0)
        check_positive("alpha", self.alpha, "damping")
        if self.alpha > 1:
            raise ValueError(f"alpha (damping) must be in (0, 1], got alpha={self.alpha}")
        check_nonnegative("reg", self.reg, "regularisation")
        check_positive("tol", self.tol, "residual tolerance relative to the sampling noise")
        check_nonnegative("rtol", self.rtol, "residual tolerance")
        if self.safeguard is not None and not (
            isinstance(self.safeguard, int | float) and self.safeguard > 1
        ):
            raise ValueError(
                f"safeguard (residual growth factor) must be > 1 or None, got safeguard={self.safeguard!r}"
            )


def DampedIteration(alpha: float = 0.4, **kwargs) -> AndersonMixing:
    """Plain damped iteration C ← (1 − α) C + α F(C): `AndersonMixing` with depth 0."""
    return AndersonMixing(depth=0, alpha=alpha, **kwargs)


class DMFTSolution(eqx.Module):
    """A stationary DMFT solution with its evidence.

    Attributes:
        lags: τ grid [lags]. C: C(τ) = ⟨φ(t)φ(t+τ)⟩. C_err: its statistical error (standard error over the
            independent frozen-noise replicates; NaN with one replicate).
        var_x, var_x_err: ⟨x²⟩ of the single site and its error. C0: C(0).
        tau_star: ∫₀^∞ (C/C(0))² dτ (Eq. 9), of the connected C − q when the rule breaks x → −x.
        pr_A: p/T (Eqs. 22–23).
        f, S: normalised spectrum S(f) = |Ĉ(f)|²/|Ĉ(0)|², f in cycles per unit time.
        freq: 1/(τ₃ − τ₁) from the first three zero crossings of C for k < 0, NaN otherwise.
        x_samples: flat single-site x samples from the converged solution (for averages such as Eq. 21).
        status, residual (final sup-norm change of C relative to C(0)), noise (the relative sampling noise of
        one evaluation), n_iter (map evaluations, all replicates), n_iter_replicates (per replicate),
        n_undone (Anderson steps undone by `AndersonMixing.safeguard`, all replicates),
        history (residual per evaluation, NaN-padded to n_replicates·max_steps), wall_s.
        g, k, p: parameters.
        C_pre: C_pre,φ(τ) = ⟨f_pre(φ(t)) φ(t+τ)⟩ for rule kernels that track it (Eq. A11), else None.
        phi_mean: ⟨φ⟩ of the single site (0 up to noise unless the rule breaks x → −x, e.g. presynaptic).
    """

    lags: Float[Array, " lags"]
    C: Float[Array, " lags"]
    C_err: Float[Array, " lags"]
    var_x: Float[Array, ""]
    var_x_err: Float[Array, ""]
    C0: Float[Array, ""]
    tau_star: Float[Array, ""]
    pr_A: Float[Array, ""]
    f: Float[Array, " freqs"]
    S: Float[Array, " freqs"]
    freq: Float[Array, ""]
    x_samples: Float[Array, " samples"]
    status: Status
    residual: Float[Array, ""]
    noise: Float[Array, ""]
    n_iter: Int[Array, ""]
    n_iter_replicates: Int[Array, " replicates"]
    n_undone: Int[Array, ""]
    history: Float[Array, " max_steps"]
    wall_s: float
    g: Float[Array, ""]
    k: Float[Array, ""]
    p: Float[Array, ""]
    C_pre: Float[Array, " lags"] | None = None
    phi_mean: Float[Array, ""] | None = None

    @property
    def converged(self):
        return self.status == Status.success


def _next_pow2(n):
    return 1 << max(4, int(math.ceil(math.log2(max(n, 1)))))


def _window(n_lag, dt, p_burn, tau_star):
    """Period n (a power of 2 holding 2·τ_max) and burn-in steps (≥ memory + 5τ*, rounded up to n/8)."""
    burn = int(math.ceil((p_burn + 5.0 * max(1.0, tau_star)) / dt))
    n = _next_pow2(max(2 * (n_lag - 1), burn))
    return n, min(n, (n // 8) * math.ceil(burn / (n // 8)))


def _autocorr(y, n, n_lag):
    """Per-sample ⟨y(t) y(t+τ)⟩ over one period of n steps, zero-padded FFT, normalised by the pair count."""
    F = jnp.fft.rfft(y, 2 * n, axis=-1)
    return jnp.fft.irfft(jnp.abs(F) ** 2, 2 * n, axis=-1)[:, :n_lag] / (n - jnp.arange(n_lag))[None, :], F


def _cv_coefficient(y, y0):
    """Least-squares control-variate coefficient β = cov(y, y₀)/var(y₀) across samples (axis 0)."""
    d0 = y0 - y0.mean(axis=0, keepdims=True)
    return jnp.sum((y - y.mean(axis=0, keepdims=True)) * d0, axis=0) / (jnp.sum(d0**2, axis=0) + 1e-300)


@eqx.filter_jit
def _evaluate(C, w, g, key, static, q=None):
    """One Monte Carlo evaluation of the DMFT map C ↦ ⟨φφ⟩ as batch means, plus ⟨x²⟩ and diagnostics.

    The single site runs over n_burn steps of burn-in (the end of the periodic field), then one period, on
    which C is estimated by a zero-padded (non-circular) FFT, normalised by the number of overlapping pairs.

    Control variate: the same field drives the memoryless site x₀ (the periodic solution of the same
    exponential-trapezoid scheme with k = 0, by FFT). x₀ is Gaussian with the circulant covariance Δ returned
    here, so ⟨φ(x₀)φ(x₀)⟩ is known by quadrature (`_PairTable`); the caller subtracts β·(estimate − exact).
    At k = 0, x = x₀ and the estimate is exact.
    ``q`` is the plateau of a rule that breaks x → −x; None (static) for a symmetric one, which compiles
    without the offset's draw.
    """
    (n, n_burn), n_lag, M, n_batches, phi, block, stride, dt, memory = static
    S = circulant_spectrum(g**2 * (C if q is None else C - q), n)
    eta = field_from_white(jr.normal(key, (M, n), dtype=C.dtype), S)
    # plateau q = lim C(τ) (rules breaking x → −x): a frozen Gaussian offset per site of variance g² q
    # (a separate stream, so that η is unchanged when q = 0)
    q_pos = 0.0 if q is None else jnp.maximum(q, 0.0)
    if q is not None:
        eta = eta + g * jnp.sqrt(q_pos) * jr.normal(jr.fold_in(key, 7), (M, 1), dtype=C.dtype)
    eta2 = jnp.concatenate([eta[:, n - n_burn :], eta, eta[:, :1]], axis=1)
    mem_phi = phi if memory is None else _PostTransfer(phi, memory)
    x = _integrate(eta2, w, eta2[:, 0], dt, mem_phi, block)[:, n_burn : n_burn + n]
    ph = phi(x)
    ac, F = _autocorr(ph, n, n_lag)
    H = etd2_transfer(dt, n)  # memoryless periodic solution of the same scheme: X = H η̂
    x0 = jnp.fft.ifft(H[None, :] * jnp.fft.fft(eta, axis=-1), axis=-1).real
    Delta = jnp.fft.ifft(jnp.maximum(S, 0.0) * jnp.abs(H) ** 2).real[:n_lag] + g**2 * q_pos
    ac0, _ = _autocorr(phi(x0), n, n_lag)
    beta = _cv_coefficient(ac, ac0)
    x2, x02 = jnp.mean(x**2, axis=1), jnp.mean(x0**2, axis=1)
    beta_x = _cv_coefficient(x2, x02)

    def batches(v):
        return v.reshape((n_batches, M // n_batches) + v.shape[1:]).mean(axis=1)

    neg = -jnp.sum(jnp.minimum(S, 0.0)) / jnp.sum(jnp.abs(S))
    if memory is None or not memory.cross:
        Cxb = batches(ac)
    else:  # C_pre,φ(τ) = ⟨f_pre(φ(t)) φ(t+τ)⟩, τ ≥ 0
        Fp = jnp.fft.rfft(memory.f_pre(ph), 2 * n, axis=-1)
        cx = jnp.fft.irfft(jnp.conj(Fp) * F, 2 * n, axis=-1)[:, :n_lag] / (n - jnp.arange(n_lag))[None, :]
        Cxb = batches(cx)
    return dict(
        Cb=batches(ac),
        C0b=batches(ac0),
        beta=beta,
        Delta=Delta,
        x2b=batches(x2),
        x02b=batches(x02),
        beta_x=beta_x,
        neg=neg,
        xs=x[:, ::stride].ravel(),
        Cxb=Cxb,
        mb=batches(jnp.mean(ph, axis=1)),
    )


_LAG_OUTPUTS = ("Cb", "C0b", "beta", "Delta", "Cxb")


class _PairTable:
    """E[φ(u) φ(v)] for jointly Gaussian u, v with variance Δ₀ and covariance ρΔ₀, as a Chebyshev series in ρ.

    Values at the Chebyshev points of [−1, 1] by a 2-D trapezoid rule, ∫Dz₁ φ(√Δ₀ z₁) ∫Dz₂ φ(√Δ₀(ρz₁ +
    √(1−ρ²) z₂)), step dz = min(0.1, 0.4/√Δ₀): for tanh the integrands are analytic in a strip of half-width
    π/(2√Δ₀), so the error is ~exp(−π²/(√Δ₀ dz)) ≤ e^{−24}.
    """

    def __init__(self, phi, Delta0: float, deg: int = 64):
        z, wz = _grid(min(0.1, 0.4 / math.sqrt(max(Delta0, 1e-12))))
        s = math.sqrt(max(Delta0, 0.0))
        fu = np.asarray(phi(jnp.asarray(s * z)))

        def pair(rho):
            rho = np.clip(np.asarray(rho, dtype=float), -1.0, 1.0)[:, None, None]
            v = s * (rho * z[None, :, None] + np.sqrt(1.0 - rho**2) * z[None, None, :])
            inner = np.asarray(phi(jnp.asarray(v))) @ wz
            return inner @ (wz * fu)

        self.series = np.polynomial.Chebyshev.interpolate(pair, deg)
        self.Delta0 = Delta0

    def __call__(self, Delta):
        if self.Delta0 <= 0:
            return np.zeros_like(np.asarray(Delta))
        return self.series(np.clip(np.asarray(Delta) / self.Delta0, -1.0, 1.0))


class _PostTransfer(ns.Transfer):
    """f_post ∘ φ: what the single site's history sum carries for a general rule (Eq. A11)."""

    phi: ns.Transfer = eqx.field(static=True)
    memory: MemoryTerm = eqx.field(static=True)

    def __call__(self, x):
        return self.memory.f_post(self.phi(x))


def spectrum(C, lags, *, n_fft: int | None = None):
    """Normalised power spectrum S(f) = |Ĉ(f)|²/|Ĉ(0)|² of an even C(τ) given for τ ≥ 0 (§3).

    Ĉ(f) = ∫ C(τ) e^{−2πifτ} dτ over the symmetric extension (trapezoid rule), zero-padded; f in cycles per
    unit time, from 0 to the Nyquist frequency. Returns (f, S).
    """
    C = np.asarray(C)
    lags = np.asarray(lags)
    dt = float(lags[1] - lags[0])
    n = n_fft or _next_pow2(4 * C.size)
    full = np.zeros(n)
    full[: C.size] = C
    full[n - C.size + 1 :] = C[:0:-1]
    Ch = dt * np.fft.rfft(full).real
    return np.fft.rfftfreq(n, dt), (Ch / Ch[0]) ** 2


def zero_crossing_frequency(C, lags):
    """f_osc = 1/(τ₃ − τ₁) from the first three zero crossings of C (linear interpolation); NaN if fewer."""
    C = np.asarray(C)
    lags = np.asarray(lags)
    idx = np.nonzero(np.signbit(C[:-1]) != np.signbit(C[1:]))[0]
    if idx.size < 3:
        return math.nan
    t = [lags[i] + (lags[i + 1] - lags[i]) * C[i] / (C[i] - C[i + 1]) for i in idx[:3]]
    return 1.0 / (t[2] - t[0])


def _initial(net, method, dt):
    """Initial (lags, C) and a τ* estimate for the window."""
    g = float(net.g)
    init = method.init
    if isinstance(init, DMFTSolution):
        return np.asarray(init.lags), np.asarray(init.C), float(init.tau_star)
    if isinstance(init, tuple):
        lags0, C0 = (np.asarray(a, dtype=float) for a in init)
        if lags0.shape != C0.shape or lags0.ndim != 1 or C0[0] <= 0:
            raise ValueError("init=(lags, C) needs two 1-D arrays of equal length with C[0] > 0")
        return lags0, C0, float(ns.tau_star(jnp.asarray(C0), jnp.asarray(lags0)))
    init = ns.check_choice("init", init, ("auto", "exp"))
    if init == "auto" and g > 1.0:
        scs = solve_scs(g, dt=dt, t_max=max(40.0, 20.0 * 3.0 / (g - 1.0) ** 0.5), throw=False)
        if scs.converged:
            return np.asarray(scs.lags), np.asarray(scs.C), float(scs.tau_star)
    tau = method.init_tau
    lags0 = dt * np.arange(int(round(10 * tau / dt)) + 1)
    return lags0, method.init_C0 * np.exp(-lags0 / tau), tau / 2.0


def _valid_correlation(C):
    """An extrapolated C must stay a valid correlation: finite, C(0) > 0, |C| ≤ 1 (φ = tanh)."""
    return bool(np.all(np.isfinite(C)) and C[0] > 0 and np.max(np.abs(C)) <= 1.0 + 1e-9)


def _anderson_step(C, r, hist, solver, valid=_valid_correlation):
    """Type-II Anderson update from the current (C, r) and the stored history [(C_i, r_i)]; falls back to the
    damped step C + alpha·r when the extrapolation fails ``valid``."""
    a = solver.alpha
    if solver.depth == 0 or not hist:
        return C + a * r
    dX = np.stack([C - Ci for Ci, _ in hist], axis=1)
    dR = np.stack([r - ri for _, ri in hist], axis=1)
    G = dR.T @ dR
    G += solver.reg * np.trace(G) * np.eye(G.shape[0]) + 1e-300
    gamma = np.linalg.solve(G, dR.T @ r)
    new = C + a * r - (dX + a * dR) @ gamma
    return new if valid(new) else C + a * r


def lag_window(n_lag: int, start: float) -> np.ndarray:
    """Tukey lag window on n_lag lags: 1 up to ``start``·τ_max, then cos² down to 0 at τ_max."""
    u = np.linspace(0.0, 1.0, n_lag)
    if start >= 1.0:
        return np.ones(n_lag)
    return np.cos(0.5 * np.pi * np.clip((u - start) / (1.0 - start), 0.0, 1.0)) ** 2


def _plateau(C, symmetric):
    """q = lim C(τ): 0 for a symmetric memory term, else the mean of the last 10 % of lags."""
    return 0.0 if symmetric else float(np.mean(C[-max(2, C.size // 10) :]))


def _windowed(F, w, symmetric):
    """Apply the lag window to C − q, with the plateau q = 0 (symmetric) or the mean of the last 10 % of F."""
    q = _plateau(F, symmetric)
    return q + (F - q) * w


def _extend(C, n_lag, symmetric):
    """C extended to n_lag lags with its plateau (0 for a symmetric term)."""
    q = _plateau(C, symmetric)
    return np.concatenate([C, np.full(n_lag - C.size, q)])


def _connected_tau_star(C, lags, symmetric):
    """τ* (Eq. 9) of C − q, with the plateau q = 0 (symmetric) or the mean of the last 10 % of C."""
    q = _plateau(C, symmetric)
    return float(ns.tau_star(jnp.asarray(C - q), jnp.asarray(lags)))


@dataclasses.dataclass
class _Replicate:
    """One converged frozen-noise solution: F(C*) ≈ C*, C_pre,φ, ⟨x²⟩, ⟨φ⟩ and kept x samples."""

    C: np.ndarray
    Cx: np.ndarray
    x2: float
    phi_mean: float
    xs: np.ndarray


def solve_dmft(
    net: Network,
    method: Stationary = Stationary(),
    *,
    solver: AndersonMixing = AndersonMixing(),
    key,
    max_steps: int = 60,
    throw: bool = True,
    progress: bool = False,
) -> DMFTSolution:
    """Solve the stationary single-site DMFT of the plastic network self-consistently.

    Args:
        net: `Network`; g, k, p dimensionless (times in units of the neuronal time constant). N is unused.
        method: `Stationary` (time step, lag range, samples, replicates, memory term, initial guess).
        solver: `AndersonMixing` (default) or `DampedIteration`, applied to each frozen-noise map.
        key: JAX PRNG key; replicate r draws its fields from fold_in(key, r).
        max_steps: iteration budget per replicate; throw: raise `ConvergenceError` if not converged;
            progress: tqdm bar.
    Returns:
        `DMFTSolution`: C(τ) with its statistical error, Var x, τ*, PR_A, S(f), f_osc, x samples, and the
        status, residual, noise floor, n_iter (all map evaluations), history and wall time.
    Equation:
        (1 + ∂t) x = η + (k/p) ∫_{−∞}^t e^{−(t−t′)/p} C(t−t′) φ(x(t′)) dt′,  ⟨η(t)η(t+τ)⟩ = g² C(τ),
        C(τ) = ⟨φ(x(t)) φ(x(t+τ))⟩  (Eqs. 6–8). The memory term is pluggable (``method.memory``).
    Method:
        Common random numbers: with its white noise frozen, the Monte Carlo map C ↦ F(C) is a smooth
        deterministic map, so Anderson mixing converges to its fixed point to well below the sampling noise,
        even along the near-marginal slow direction of the map (the long-lag tail of C), where a fresh-noise
        iteration drifts for hundreds of steps at its noise floor. ``n_replicates`` independent frozen-noise
        solutions are averaged, and their spread is the error bar: it includes the amplification of the
        sampling noise by the self-consistency. C is estimated with a Tukey lag window (`lag_window`) that
        removes the estimator noise of the tail, where the true C has decayed below ``window_tol``·C(0).
    Assumptions:
        N → ∞; i.i.d. Gaussian J; a stationary state; no external input. The error bars do not include the
        O(dt²) discretisation error or the lag-window bias (both ≲ 1e-3 at the defaults).
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Eqs. 6–8 and Appendix C.1.
    """
    from tqdm.auto import tqdm

    if not isinstance(net, Network):
        raise ValueError(f"net must be a neurosyn.Network, got {type(net).__name__}")
    if not isinstance(method, Stationary):
        raise ValueError(f"method must be a Stationary(...), got {method!r}")
    if not isinstance(solver, AndersonMixing):
        raise ValueError(f"solver must be AndersonMixing(...) or DampedIteration(...), got {solver!r}")
    max_steps = check_int("max_steps", max_steps, "iteration budget per replicate", minimum=1)
    t_start = time.perf_counter()
    dt = method.dt
    g, k, p = (jnp.asarray(float(v)) for v in (net.g, net.k, net.p))
    memory = method.memory if method.memory is not None else rule_memory(net.rule)
    n_hist = memory.n_hist(net, dt)
    symmetric = memory.symmetric()
    general = memory if type(memory).f_post is not MemoryTerm.f_post or memory.cross else None
    p_burn = (n_hist - 1) * dt
    lags0, Cinit, tau0 = _initial(net, method, dt)
    t_max = method.t_max if method.t_max is not None else min(method.t_max_limit, 20.0 * max(1.0, tau0))
    n_lag = int(round(t_max / dt)) + 1
    lags = dt * np.arange(n_lag)
    C = np.interp(lags, lags0, Cinit, right=0.0)
    Cx = C.copy()  # C_pre,φ for rule kernels that track it (initial guess: C)
    M, nb, R = method.n_samples, method.n_batches, method.n_replicates
    n_keep = max(1, method.n_x_samples // R)  # per replicate; all n_x_samples if k = 0 leaves one replicate

    history = np.full(R * max_steps, np.nan)
    reps: list[_Replicate] = []
    deterministic = False
    status = Status.success
    res = noise = math.nan
    neg = 0.0
    bar = tqdm(total=R * max_steps, disable=not progress, desc="dmft", leave=False)
    it = 0
    rep_iters: list[int] = []
    n_undone = 0
    for rep in range(R):
        key_r = jr.fold_in(key, rep)
        rep_iters.append(0)
        n = _window(n_lag, dt, p_burn, tau0)
        w_lag = lag_window(n_lag, method.lag_window)
        hist: list = []
        undo = None  # (C, Cx, r, rx, res) before the last Anderson (not damped) step
        done = False
        for _ in range(max_steps):
            stride = max(1, M * n[0] // method.n_x_samples)  # at least n_x_samples values (if M·n allows)
            # lag arrays are padded to the n//2 + 1 lags of the period, so that growing τ_max within the same
            # period does not recompile
            n_full = n[0] // 2 + 1
            static = (n, n_full, M, nb, net.phi, method.block, stride, dt, general)
            w = memory.weights(net, jnp.asarray(Cx if memory.cross else C), dt)
            q = None if symmetric else jnp.asarray(_plateau(C, symmetric))
            out = _evaluate(jnp.asarray(_extend(C, n_full, symmetric)), w, g, key_r, static, q)
            out = {
                name: np.asarray(v)[..., :n_lag] if name in _LAG_OUTPUTS else np.asarray(v)
                for name, v in out.items()
            }
            neg = float(out["neg"])
            Delta = out["Delta"]
            exact = _PairTable(net.phi, float(Delta[0]))(Delta) if np.all(np.isfinite(Delta)) else np.nan
            Cb = out["Cb"] - out["beta"] * (out["C0b"] - exact)  # control variate (exact at k = 0)
            x2b = out["x2b"] - out["beta_x"] * (out["x02b"] - Delta[0])
            Cxb = out["Cxb"] if memory.cross else Cb
            err = Cb.std(axis=0, ddof=1) / math.sqrt(nb)
            if memory.cross:  # the residual and noise floor cover C_pre,φ too
                err = np.maximum(err, Cxb.std(axis=0, ddof=1) / math.sqrt(nb))
            F_raw = Cb.mean(axis=0)
            it += 1
            rep_iters[-1] += 1
            bar.update(1)
            if not np.all(np.isfinite(F_raw)):
                status = Status.nonfinite
                break
            if F_raw[0] < method.collapse_tol:
                res = float(np.max(np.abs(F_raw - C)) / max(C[0], 1e-300))
                history[it - 1] = res
                status = Status.collapsed
                C = F_raw
                break
            F = _windowed(F_raw, w_lag, symmetric)
            Fx = _windowed(Cxb.mean(axis=0), w_lag, symmetric)
            r = F - C
            rx = Fx - Cx
            res = float(max(np.max(np.abs(r)), np.max(np.abs(rx)) if memory.cross else 0.0) / F[0])
            noise = float(np.max(err) / F[0])
            history[it - 1] = res
            undone = undo is not None and res > solver.safeguard * undo[-1]
            if undone:
                n_undone += 1
                # the last Anderson step overshot: back to the iterate before it, to take a damped step (this
                # evaluation's samples belong to the rejected iterate, so it cannot end the replicate)
                C, Cx, r, rx, res = undo
                F, Fx, hist = C + r, Cx + rx, []
            tau0 = max(_connected_tau_star(F, lags, symmetric), 0.1)
            # the lag range follows the correlation time, τ_max ≥ window_tau·τ* (measured tails are not used
            # to grow it: at the frozen-noise fixed point their noise is amplified by the slow direction)
            if t_max < min(method.window_tau * tau0, method.t_max_limit):
                t_max = min(method.t_max_limit, 1.15 * max(t_max, method.window_tau * tau0))
                n_lag = int(round(t_max / dt)) + 1
                lags = dt * np.arange(n_lag)
                C, Cx = _extend(F, n_lag, symmetric), _extend(Fx, n_lag, symmetric)
                n = _window(n_lag, dt, p_burn, tau0)
                w_lag = lag_window(n_lag, method.lag_window)
                hist, undo = [], None
                continue
            if not undone and (res <= solver.tol * noise or res <= solver.rtol):
                reps.append(
                    _Replicate(
                        F, Fx, float(x2b.mean()), float(out["mb"].mean()), out["xs"][: method.n_x_samples]
                    )
                )
                done = True
                break
            undo = (C, Cx, r, rx, res) if solver.safeguard is not None and solver.depth > 0 and hist else None
            C_next = _anderson_step(C, r, hist, solver)
            hist = ([(C, r)] + hist)[: solver.depth]
            C = C_next
            Cx = Cx + solver.alpha * rx  # C_pre,φ: plain damped update alongside C
        if not done:
            if status == Status.success:
                status = Status.max_steps
            break
        if noise < 1e-10:  # the control variate made the map exact (k = 0): replicates would coincide
            deterministic = True
            break
        # the next replicate starts from the mean so far
        C = np.mean([_extend(s.C, n_lag, symmetric) for s in reps], axis=0)
        Cx = np.mean([_extend(s.Cx, n_lag, symmetric) for s in reps], axis=0)
    bar.close()

    var_x = var_x_err = math.nan
    C_err = np.full_like(C, np.nan)
    C_pre = phi_mean = None
    xs = np.zeros(0)
    if status == Status.collapsed:
        C_err, var_x, var_x_err = np.zeros_like(C), 0.0, 0.0
    elif reps:
        Cs = np.stack([_extend(s.C, n_lag, symmetric) for s in reps])
        C = Cs.mean(axis=0)
        x2 = np.array([s.x2 for s in reps])
        var_x = float(x2.mean())
        if deterministic:
            C_err, var_x_err = np.zeros_like(C), 0.0
        elif len(reps) > 1:
            C_err = Cs.std(axis=0, ddof=1) / math.sqrt(len(reps))
            var_x_err = float(x2.std(ddof=1) / math.sqrt(len(reps)))
        xs = reps[0].xs if deterministic else np.concatenate([s.xs[::R][:n_keep] for s in reps])  # all paths
        phi_mean = float(np.mean([s.phi_mean for s in reps]))
        if memory.cross:
            C_pre = np.stack([_extend(s.Cx, n_lag, symmetric) for s in reps]).mean(axis=0)
    if status == Status.success and float(neg) > 0.1:
        status = Status.not_psd
    if len(reps) > 1 and C[0] > 0:
        # C − q just below the lag-window start must have decayed, within the replicate error
        sel = slice(int((method.lag_window - 0.1) * (n_lag - 1)), int(method.lag_window * (n_lag - 1)) + 1)
        q_C = _plateau(C, symmetric)
        tail = abs(float(np.mean(C[sel])) - q_C)
        tail_err = float(np.mean(C_err[sel]))
        if tail > max(method.window_tol * C[0], 3.0 * tail_err):
            warnings.warn(
                f"solve_dmft(g={float(g)}, k={float(k)}, p={float(p)}): C(τ) is {tail:.2g} ± {tail_err:.2g} "
                f"at τ ≈ {method.lag_window * lags[-1]:.0f}, where the lag window starts (tolerance "
                f"{method.window_tol}·C(0)); raise window_tau or t_max_limit (τ_max = {lags[-1]:.0f})",
                WindowWarning,
                stacklevel=2,
            )
    lags_j = jnp.asarray(lags)
    if C[0] > 0:
        f, S = spectrum(C, lags)
        tau_star = _connected_tau_star(C, lags, symmetric)
        # PR_A = p/T (Eq. 23) holds for the Hebbian kernel only; other rules' A is not Σ e^{−s/p} φφᵀ
        pr_A = float(ns.pr_A_theory(jnp.asarray(C), lags_j, p)) if type(memory) is HebbianKernel else math.nan
    else:
        f, S = np.zeros(1), np.full(1, np.nan)
        tau_star = pr_A = math.nan
    freq = zero_crossing_frequency(C, lags) if float(k) < 0 and C[0] > 0 else math.nan
    sol = DMFTSolution(
        lags=lags_j,
        C=jnp.asarray(C),
        C_err=jnp.asarray(C_err),
        var_x=jnp.asarray(var_x),
        var_x_err=jnp.asarray(var_x_err),
        C0=jnp.asarray(C[0]),
        tau_star=jnp.asarray(tau_star),
        pr_A=jnp.asarray(pr_A),
        f=jnp.asarray(f),
        S=jnp.asarray(S),
        freq=jnp.asarray(freq),
        x_samples=jnp.asarray(xs),
        status=status,
        residual=jnp.asarray(res),
        noise=jnp.asarray(noise),
        n_iter=jnp.asarray(it),
        n_iter_replicates=jnp.asarray(rep_iters, dtype=int),
        n_undone=jnp.asarray(n_undone),
        history=jnp.asarray(history),
        wall_s=time.perf_counter() - t_start,
        g=g,
        k=k,
        p=p,
        C_pre=None if C_pre is None else jnp.asarray(C_pre),
        phi_mean=jnp.asarray(math.nan if phi_mean is None else phi_mean),
    )
    if throw and not sol.converged:
        raise ConvergenceError(
            f"solve_dmft(g={float(g)}, k={float(k)}, p={float(p)}) did not converge: status "
            f"'{Status[status]}'; residual {res:.3g} vs noise {noise:.3g} after {it} iterations. "
            "Try max_steps larger (it is per replicate), more n_samples, a smaller alpha, "
            + (
                ""
                if solver.safeguard
                else "solver=AndersonMixing(safeguard=4.0) (undoes overshooting steps), "
            )
            + "or a better init: a warm start from the solution at a nearby k, "
            "Stationary(init=that_solution)."
        )
    return sol
