"""Stationary DMFT of the plastic network (Eqs. 6–8) by Monte Carlo single sites and mixed iteration.

Each iteration: draw M fields η with covariance g²C on a periodic window (circulant embedding), integrate the
single site with the memory term over two periods (the first is burn-in), estimate C(τ) from φ on the second
period by a zero-padded FFT, and mix. Fresh random numbers every iteration, so the residual falls to a
statistical floor; the stopping rule compares it with the batch-estimated noise of the update.
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
    check_int,
    check_nonnegative,
    check_positive,
)

from ._fields import circulant_spectrum, field_from_white
from ._memory import HebbianKernel, MemoryTerm, rule_memory
from ._scs import solve_scs
from ._single_site import _integrate


class WindowWarning(NeurosynWarning):
    """The lag range or periodic window is too short for the correlation time of the solution."""


class OscillationWarning(NeurosynWarning):
    """The residual kept oscillating above the noise floor (there may be no stationary state)."""


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class Stationary:
    """How to discretise and sample the stationary single site.

    Attributes:
        dt: time step of the single site and of the lag grid.
        t_max: initial lag range τ_max (None: 20·max(1, τ*) of the initial guess). Grown ×1.5 while
            |C(τ)| on the last 10 % of lags exceeds ``window_tol``·C(0) (and the noise),
            up to ``t_max_limit``.
        t_max_limit: largest lag range; reaching it with the tail above tolerance warns (`WindowWarning`).
        window_tol: tail criterion |C(τ_max)| < window_tol · C(0).
        n_samples: single sites per iteration (M), split into ``n_batches`` batches for the statistical error.
        n_batches: number of batches.
        memory: the memory term (`HebbianKernel()` for Eq. 6; `SelfCoupling(s)` for the Stern model; a rule
            kernel of Appendix A, see `rule_memory`). None (default): ``rule_memory(net.rule)``.
        init: initial C: "auto" (SCS at the same g if g > 1, else ``init_C0``·e^{−τ/init_tau}), "exp", or a
            pair (lags, C) / a `DMFTSolution` to continue from.
        init_C0, init_tau: the exponential guess (large C(0) with a long correlation time finds the
            plasticity-induced branch at g < 1).
        collapse_tol: C(0) below this means the iteration collapsed to the trivial solution.
        n_x_samples: single-site x values kept from the converged solution.
        block: history-convolution block (speed only).
    """

    dt: float = 0.1
    t_max: float | None = None
    t_max_limit: float = 1000.0
    window_tol: float = 1e-3
    n_samples: int = 1024
    n_batches: int = 8
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
        check_positive("window_tol", self.window_tol, "tail tolerance relative to C(0)")
        check_int("n_batches", self.n_batches, "batches", minimum=2)
        check_int("n_samples", self.n_samples, "single sites per iteration", minimum=self.n_batches)
        if self.n_samples % self.n_batches:
            raise ValueError(f"n_samples={self.n_samples} must be a multiple of n_batches={self.n_batches}")
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
    """Damped Anderson mixing (type II) with a noise-level stopping rule.

    Attributes:
        depth: number of past residuals kept (0 gives plain damped iteration).
        alpha: damping, C ← C + alpha·(F(C) − C) along the Anderson direction.
        reg: Tikhonov regularisation of the least-squares step, relative to the largest Gram eigenvalue.
        noise_factor: converged when the sup-norm residual ≤ noise_factor × the noise level of the update ...
        patience: ... for this many consecutive iterations.
        n_average: further iterations averaged into the reported C and its error.
        rtol: also converged when the residual/C(0) falls below rtol (deterministic maps).
    """

    depth: int = 5
    alpha: float = 0.5
    reg: float = 1e-6
    noise_factor: float = 4.0
    patience: int = 2
    n_average: int = 4
    rtol: float = 0.0

    def __post_init__(self):
        check_int("depth", self.depth, "Anderson depth", minimum=0)
        check_positive("alpha", self.alpha, "damping")
        if self.alpha > 1:
            raise ValueError(f"alpha (damping) must be in (0, 1], got alpha={self.alpha}")
        check_nonnegative("reg", self.reg, "regularisation")
        check_positive("noise_factor", self.noise_factor, "residual/noise threshold")
        check_int("patience", self.patience, "iterations at the floor", minimum=1)
        check_int("n_average", self.n_average, "averaged iterations", minimum=1)
        check_nonnegative("rtol", self.rtol, "residual tolerance")


def DampedIteration(alpha: float = 0.4, **kwargs) -> AndersonMixing:
    """Plain damped iteration C ← (1 − α) C + α F(C): `AndersonMixing` with depth 0."""
    return AndersonMixing(depth=0, alpha=alpha, **kwargs)


class DMFTSolution(eqx.Module):
    """A stationary DMFT solution with its evidence.

    Attributes:
        lags: τ grid [lags]. C: C(τ) = ⟨φ(t)φ(t+τ)⟩. C_err: its statistical error (standard error over
            independent batches of the averaged iterations).
        var_x, var_x_err: ⟨x²⟩ of the single site and its error. C0: C(0).
        tau_star: ∫₀^∞ (C/C(0))² dτ (Eq. 9). pr_A: p/T (Eqs. 22–23).
        f, S: normalised spectrum S(f) = |Ĉ(f)|²/|Ĉ(0)|², f in cycles per unit time.
        freq: 1/(τ₃ − τ₁) from the first three zero crossings of C for k < 0, NaN otherwise.
        x_samples: flat single-site x samples from the converged solution (for averages such as Eq. 21).
        status, residual (final sup-norm change of C relative to C(0)), noise (its statistical floor),
        n_iter, history (residual per iteration, NaN-padded to max_steps), wall_s.
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
    burn = p_burn + 5.0 * max(1.0, tau_star)
    return _next_pow2(max(2 * (n_lag - 1), int(math.ceil(burn / dt))))


@eqx.filter_jit
def _evaluate(C, w, g, key, static, q=0.0):
    """One Monte Carlo evaluation of the DMFT map C ↦ ⟨φφ⟩ as batch means, plus ⟨x²⟩ and diagnostics.

    The single site runs over two periods of its periodic field; the first is burn-in. C is estimated on the
    second by a zero-padded (non-circular) FFT, normalised by the number of overlapping pairs.
    """
    n, n_lag, M, n_batches, phi, block, stride, dt, memory = static
    S = circulant_spectrum(g**2 * (C - q), n)
    eta = field_from_white(jr.normal(key, (M, n), dtype=C.dtype), S)
    # plateau q = lim C(τ) (rules breaking x → −x): a frozen Gaussian offset per site of variance g² q
    # (a separate stream, so that η is unchanged when q = 0)
    eta = eta + g * jnp.sqrt(jnp.maximum(q, 0.0)) * jr.normal(jr.fold_in(key, 7), (M, 1), dtype=C.dtype)
    eta2 = jnp.concatenate([eta, eta, eta[:, :1]], axis=1)
    mem_phi = phi if memory is None else _PostTransfer(phi, memory)
    x = _integrate(eta2, w, eta[:, 0], dt, mem_phi, block)[:, n : 2 * n]
    ph = phi(x)
    F = jnp.fft.rfft(ph, 2 * n, axis=-1)
    ac = jnp.fft.irfft(jnp.abs(F) ** 2, 2 * n, axis=-1)[:, :n_lag] / (n - jnp.arange(n_lag))[None, :]
    Cb = ac.reshape(n_batches, M // n_batches, n_lag).mean(axis=1)
    x2b = jnp.mean(x**2, axis=1).reshape(n_batches, -1).mean(axis=1)
    neg = -jnp.sum(jnp.minimum(S, 0.0)) / jnp.sum(jnp.abs(S))
    mb = jnp.mean(ph, axis=1).reshape(n_batches, -1).mean(axis=1)
    if memory is None or not memory.cross:
        Cxb = Cb
    else:  # C_pre,φ(τ) = ⟨f_pre(φ(t)) φ(t+τ)⟩, τ ≥ 0
        Fp = jnp.fft.rfft(memory.f_pre(ph), 2 * n, axis=-1)
        cx = jnp.fft.irfft(jnp.conj(Fp) * F, 2 * n, axis=-1)[:, :n_lag] / (n - jnp.arange(n_lag))[None, :]
        Cxb = cx.reshape(n_batches, M // n_batches, n_lag).mean(axis=1)
    return Cb, x2b, neg, x[:, ::stride].ravel(), Cxb, mb


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


def _anderson_step(C, r, hist, solver):
    """Type-II Anderson update from the current (C, r) and the stored history [(C_i, r_i)]."""
    a = solver.alpha
    if solver.depth == 0 or not hist:
        return C + a * r
    dX = np.stack([C - Ci for Ci, _ in hist], axis=1)
    dR = np.stack([r - ri for _, ri in hist], axis=1)
    G = dR.T @ dR
    G += solver.reg * np.trace(G) * np.eye(G.shape[0]) + 1e-300
    gamma = np.linalg.solve(G, dR.T @ r)
    new = C + a * r - (dX + a * dR) @ gamma
    if not (np.all(np.isfinite(new)) and new[0] > 0 and np.max(np.abs(new)) <= 1.0 + 1e-9):
        return C + a * r  # safeguard: an extrapolated C must stay a valid correlation
    return new


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
        method: `Stationary` (time step, lag range, samples, memory term, initial guess).
        solver: `AndersonMixing` (default) or `DampedIteration`; stopping rule at the noise floor.
        key: JAX PRNG key; iteration i uses fold_in(key, i).
        max_steps: iteration budget; throw: raise `ConvergenceError` if not converged; progress: tqdm bar.
    Returns:
        `DMFTSolution`: C(τ) with its statistical error, Var x, τ*, PR_A, S(f), f_osc, x samples, and the
        status, residual, noise floor, n_iter, history and wall time.
    Equation:
        (1 + ∂t) x = η + (k/p) ∫_{−∞}^t e^{−(t−t′)/p} C(t−t′) φ(x(t′)) dt′,  ⟨η(t)η(t+τ)⟩ = g² C(τ),
        C(τ) = ⟨φ(x(t)) φ(x(t+τ))⟩  (Eqs. 6–8). The memory term is pluggable (``method.memory``).
    Assumptions:
        N → ∞; i.i.d. Gaussian J; a stationary state; no external input. The error bars are the spread of
        the averaged Monte Carlo updates; they do not include the O(dt²) discretisation error.
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
    max_steps = check_int("max_steps", max_steps, "iteration budget", minimum=1)
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
    Cxbs, mbs = [], []
    M, nb = method.n_samples, method.n_batches

    history = np.full(max_steps, np.nan)
    hist: list = []
    streak, averaging = 0, False
    Cbs, x2bs = [], []
    status = Status.max_steps
    res = noise = math.nan
    window_short = False
    xs = np.zeros(0)
    bar = tqdm(total=max_steps, disable=not progress, desc="dmft", leave=False)
    it = 0
    while it < max_steps:
        n = _window(n_lag, dt, p_burn, tau0)
        stride = max(1, math.ceil(M * n / max(method.n_x_samples, 1)))
        static = (n, n_lag, M, nb, net.phi, method.block, stride, dt, general)
        w = memory.weights(net, jnp.asarray(Cx if memory.cross else C), dt)
        q = 0.0 if symmetric else float(np.mean(C[-max(2, n_lag // 10) :]))
        Cb, x2b, neg, xs_j, Cxb, mb = _evaluate(
            jnp.asarray(C), w, g, jr.fold_in(key, it), static, jnp.asarray(q)
        )
        Cb, x2b, Cxb, mb = np.asarray(Cb), np.asarray(x2b), np.asarray(Cxb), np.asarray(mb)
        F = Cb.mean(axis=0)
        Fx = Cxb.mean(axis=0)
        err = Cb.std(axis=0, ddof=1) / math.sqrt(nb)
        if memory.cross:  # the residual and noise floor cover C_pre,φ too
            err = np.maximum(err, Cxb.std(axis=0, ddof=1) / math.sqrt(nb))
        it += 1
        bar.update(1)
        if not np.all(np.isfinite(F)):
            status = Status.nonfinite
            break
        if F[0] < method.collapse_tol:
            res = float(np.max(np.abs(F - C)) / max(C[0], 1e-300))
            history[it - 1] = res
            status = Status.collapsed
            C = F
            break
        r = F - C
        rx = Fx - Cx
        res = float(max(np.max(np.abs(r)), np.max(np.abs(rx)) if memory.cross else 0.0) / F[0])
        noise = float(np.max(err) / F[0])
        history[it - 1] = res
        tau0 = max(float(ns.tau_star(jnp.asarray(F), jnp.asarray(lags))), 0.1)
        if averaging:
            Cbs.append(Cb)
            x2bs.append(x2b)
            Cxbs.append(Cxb)
            mbs.append(mb)
            xs = np.asarray(xs_j)
            C = np.concatenate(Cbs).mean(axis=0)
            Cx = np.concatenate(Cxbs).mean(axis=0)
            if len(Cbs) == solver.n_average:
                status = Status.success
                break
            continue
        F_tail = F[-max(2, n_lag // 10) :]
        tail = np.max(np.abs(F_tail - (0.0 if symmetric else np.mean(F_tail))))
        if tail > max(method.window_tol * F[0], 3.0 * np.max(err[-max(2, n_lag // 10) :])):
            if t_max < method.t_max_limit:
                t_max = min(method.t_max_limit, 1.5 * t_max)
                n_lag = int(round(t_max / dt)) + 1
                lags = dt * np.arange(n_lag)
                pad = np.zeros(n_lag - F.size) + (0.0 if symmetric else np.mean(F_tail))
                C = np.concatenate([F, pad])
                pad_x = 0.0 if symmetric else np.mean(Fx[-F_tail.size :])
                Cx = np.concatenate([Fx, np.zeros(n_lag - Fx.size) + pad_x])
                hist, streak = [], 0
                continue
            window_short = True
        if res <= solver.noise_factor * noise or res <= solver.rtol:
            streak += 1
        else:
            streak = 0
        if streak >= solver.patience:
            averaging = True
            Cbs, x2bs, Cxbs, mbs = [Cb], [x2b], [Cxb], [mb]
            xs = np.asarray(xs_j)
            C = F.copy()
            Cx = Fx.copy()
            if solver.n_average == 1:
                status = Status.success
                break
            continue
        C_next = _anderson_step(C, r, hist, solver)
        hist = ([(C, r)] + hist)[: solver.depth]
        C = C_next
        Cx = Cx + solver.alpha * rx  # C_pre,φ: plain damped update alongside C
    bar.close()

    if Cbs:
        allb = np.concatenate(Cbs)
        C = allb.mean(axis=0)
        C_err = allb.std(axis=0, ddof=1) / math.sqrt(allb.shape[0])
        allx = np.concatenate(x2bs)
        var_x, var_x_err = allx.mean(), allx.std(ddof=1) / math.sqrt(allx.size)
    else:
        C_err = np.full_like(C, np.nan) if status != Status.collapsed else np.zeros_like(C)
        var_x, var_x_err = (np.nan, np.nan) if status != Status.collapsed else (0.0, 0.0)
    if status == Status.success and float(neg) > 0.1:
        status = Status.not_psd
    if window_short:
        warnings.warn(
            f"solve_dmft(g={float(g)}, k={float(k)}, p={float(p)}): C(τ) has not decayed to "
            f"{method.window_tol}·C(0) by τ_max = t_max_limit = {method.t_max_limit}; raise t_max_limit",
            WindowWarning,
            stacklevel=2,
        )
    lags_j = jnp.asarray(lags)
    if C[0] > 0:
        f, S = spectrum(C, lags)
        tau_star = float(ns.tau_star(jnp.asarray(C), lags_j))
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
        history=jnp.asarray(history),
        wall_s=time.perf_counter() - t_start,
        g=g,
        k=k,
        p=p,
        C_pre=jnp.asarray(np.concatenate(Cxbs).mean(axis=0)) if (memory.cross and Cxbs) else None,
        phi_mean=jnp.asarray(float(np.concatenate(mbs).mean()) if mbs else math.nan),
    )
    if throw and not sol.converged:
        raise ConvergenceError(
            f"solve_dmft(g={float(g)}, k={float(k)}, p={float(p)}) did not converge: status "
            f"'{Status[status]}'; residual {res:.3g} vs noise {noise:.3g} after {it} iterations. "
            "Try max_steps larger, more n_samples, a smaller alpha, or a better init."
        )
    return sol
