"""Two-replica DMFT of freezable chaos (Eqs. 31–34, Appendix C.2; model.md §8.3–8.4).

Replica A is the plastic network (Eq. 32a, the single site of Eq. 6 with the solved C). Replica B runs with A
frozen at the halt (time 0 of A):

    (1 + ∂s) x^B(s) = η^B(s) + I[φ^A],   I = (k/p) ∫₀^∞ dt e^{−t/p} Q(−t) φ^A(−t)          (Eq. 32b),

with (η^A, η^B) jointly Gaussian: ⟨η^Aη^A⟩ = g²C(t−t′), ⟨η^Bη^B⟩ = g²D(s−s′), ⟨η^A(t)η^B(s)⟩ = g²Q(t) (Eq.
    33).

Conditional sampling, in Fourier space on a periodic window of n steps (the circulant of C is diagonal there):
    η^B(s) = μ + ξ(s),  μ = Σ_t α(t) η^A(t),  α = C⁻¹Q (Tikhonov-regularised),  Var μ = g²δ,  δ = αᵀCα,
    ξ stationary with covariance g²[D(τ) − δ]                                                       (Eq. C1).
Because B's equation is linear in η^B with a static input, x^B(s) = b + y(s) exactly, with b = μ + I and y a
stationary Gaussian process whose spectrum is that of ξ times 1/(1 + ω²). Hence
    Q(t) = E[φ^A(t) ∫Dz φ(b + √v z)],   v = Var y,   r² = g² E ∫Dz φ′(b + √v z)²,
by one-dimensional quadrature (low variance). D(τ) needs no B paths either: with K(τ) = Cov(y(s), y(s+τ)),
    D(τ) = E_b ∫Dz₀ Φ(b + √|K| z₀) Φ(b + sgn(K)√|K| z₀),   Φ(u) = ∫Dz φ(u + √(v − |K|) z),
a function of K alone, tabulated on a grid of K and interpolated. The fixed-point solution is the special case
D(τ) ≡ D(0): y is static with v = g²(D(0) − δ). All A paths and halting times are drawn once, so the iteration
is a deterministic map (common random numbers), solved by Anderson mixing to round-off. Each A path is halted
at ``n_shifts`` times (the time-shift trick: a shift is a phase on η̂^A).
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
import scipy.optimize
from jaxtyping import Array, Float, Int

from neurosyn import (
    ConvergenceError,
    Network,
    NeurosynWarning,
    Status,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)

from ._fields import circulant_spectrum, field_from_white
from ._memory import HebbianKernel
from ._single_site import etd2_transfer, integrate_single_site
from ._stationary import AndersonMixing, _anderson_step, _cv_coefficient


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class TwoReplica:
    """Discretisation and sampling of the two-replica DMFT.

    Attributes:
        dt: time step of A's single site, of Q(t) and of D(τ).
        n: periodic window in steps (a power of 2 is fastest); the period n·dt must exceed 2·15p (the
            truncated static input reaches 15p into A's past) and several correlation times.
        n_samples: A paths M. n_shifts: halting times per A path (time-shift trick). The self-consistency
            amplifies the sampling noise (its map is only weakly contracting, multipliers ≈ 0.9 at g = 2.25,
            k = 1.0), so M must be large: measured ρ(0) of the dynamic solution at g = 2.25, k = 1.0, p = 2.5
            for independent draws: M = 128: 0.53, 0.57, 0.66, 0.78, 0.83 (a draw can even lose the
            dynamic solution for the fixed-point one); M = 2048: 0.615, 0.589, 0.641, 0.571; M = 8192: 0.632.
            The cost per step is ∝ M (0.25–0.3 s at M = 2048 on 2 CPU cores, benchmarks/bench_dmft.py).
        dz: step of the trapezoid quadrature over z ∈ [−8, 8] (exponentially accurate for tanh; 0.1 is ample
            for √v ≤ 3, see tests).
        reg: Tikhonov regularisation of C⁻¹, relative to the largest circulant eigenvalue of C.
        alpha: damping of the iteration. depth: Anderson depth (0: plain damped iteration). The static part
            of D is a near-marginal direction of the dynamic map (multiplier g²⟨φ′⟩² ≈ 0.94 at g = 2.25,
            Q = 0), where damped iteration crawls; Anderson mixing converges in ~100–200 steps (measured at
            g = 2.25, k = 1.0; the fixed-point solution in ~95 steps where damped iteration took ~450, to the
            same solution). Anderson mixing is a quasi-Newton method: it also converges to solutions that are
            unstable under plain iteration, so the start matters; the default start is Q = D = C (B at the
            halt state). From Q = 0.3·Q* with 64 paths it found the unstable Q ≡ 0 (measured).
        rtol: converged when sup|ΔQ| + sup|ΔD| < rtol·C(0) (deterministic map).
        q_tol: a solution is nontrivial when Q(0) > q_tol·C(0).
        n_replicates: independent draws of all samples (replicate 0 uses the given key, replicate r ≥ 1
            ``fold_in(key, r)``); each is solved to its own frozen-noise fixed point and the results are
            averaged. Their spread is the honest Monte Carlo error; one replicate's per-path error
            understates it (it ignores the amplification through the self-consistency).
    """

    dt: float = 0.1
    n: int = 2048
    n_samples: int = 2048
    n_shifts: int = 64
    dz: float = 0.1
    reg: float = 1e-3
    alpha: float = 0.5
    depth: int = 5
    rtol: float = 1e-8
    q_tol: float = 0.02
    n_replicates: int = 2

    def __post_init__(self):
        check_positive("dt", self.dt, "time step")
        check_int("n", self.n, "window steps", minimum=16)
        check_int("n_samples", self.n_samples, "A paths", minimum=2)
        check_int("n_shifts", self.n_shifts, "halting times per A path", minimum=1)
        if self.n_shifts > self.n:
            raise ValueError(
                f"n_shifts (halting times per A path) must be <= n={self.n}, got {self.n_shifts}"
            )
        check_positive("dz", self.dz, "quadrature step")
        check_nonnegative("reg", self.reg, "regularisation of C^-1")
        check_positive("alpha", self.alpha, "damping")
        if self.alpha > 1:
            raise ValueError(f"alpha (damping) must be in (0, 1], got alpha={self.alpha}")
        check_int("depth", self.depth, "Anderson depth", minimum=0)
        check_positive("rtol", self.rtol, "iteration tolerance")
        check_positive("q_tol", self.q_tol, "nontrivial-overlap threshold relative to C(0)")
        check_int("n_replicates", self.n_replicates, "independent sample draws", minimum=1)


SOLUTIONS = ("dynamic", "fixed_point")


class TwoReplicaSolution(eqx.Module):
    """A solution of the two-replica DMFT with its evidence.

    Attributes:
        t: A's time relative to the halt [n] (increasing); Q, rho: Q(t) and ρ(t) = Q/√(D(0)C(0)) on it.
        Q0, rho0: at t = 0 (means over the replicates). Q0_err, rho0_err, r_err: Monte Carlo standard errors
            (not discretisation): with ``n_replicates`` ≥ 2 the spread of the replicates / √n_replicates; with
            one replicate Q0_err is the per-path standard error, a lower bound that ignores the amplification
            through the self-consistency, and rho0_err, r_err are NaN.
        Q0_rep, rho0_rep, r_rep: the per-replicate values [n_replicates].
        lags: B's lags [n/2 + 1]; D: D(τ) (constant for the fixed-point solution); D0 = D(0);
        D_inf: mean of D over the last 10 % of lags (the static part). delta: δ = αᵀCα (Eq. C1c).
        r: g√⟨φ′(x^B)²⟩ (Eq. 30; the stability radius for the fixed-point solution). C0: A's C(0).
        solution: "dynamic" or "fixed_point". nontrivial: Q(0) > q_tol·C(0).
        status, residual, n_iter, history, wall_s: as for every solver; with several replicates status is
            success only if every replicate converged, residual and history are the worst replicate's and
            n_iter is the total.
    """

    t: Float[Array, " n"]
    Q: Float[Array, " n"]
    rho: Float[Array, " n"]
    Q0: Float[Array, ""]
    Q0_err: Float[Array, ""]
    rho0: Float[Array, ""]
    rho0_err: Float[Array, ""]
    r_err: Float[Array, ""]
    Q0_rep: Float[Array, " reps"]
    rho0_rep: Float[Array, " reps"]
    r_rep: Float[Array, " reps"]
    lags: Float[Array, " lags"]
    D: Float[Array, " lags"]
    D0: Float[Array, ""]
    D_inf: Float[Array, ""]
    delta: Float[Array, ""]
    r: Float[Array, ""]
    C0: Float[Array, ""]
    nontrivial: Array
    status: Status
    residual: Float[Array, ""]
    n_iter: Int[Array, ""]
    history: Float[Array, " max_steps"]
    wall_s: float
    solution: str = eqx.field(static=True)

    @property
    def converged(self):
        return self.status == Status.success


def _grid_C(C, lags, dt, n):
    """C on lags 0, dt, …, (n/2)·dt by linear interpolation, zero beyond the given range."""
    C = np.asarray(C, dtype=float)
    lags = np.asarray(lags, dtype=float)
    grid = dt * np.arange(n // 2 + 1)
    tail = float(np.mean(np.abs(C[-max(1, C.size // 10) :])))
    if lags[-1] < grid[-1] and tail > 0.02 * C[0]:
        warnings.warn(
            f"C(τ) has not decayed by τ_max={lags[-1]:.3g} (mean |C| on the last 10 % of lags = {tail:.3g} "
            "> 0.02 C(0)); the two-replica window treats it as 0 beyond τ_max; solve the DMFT with a longer "
            "lag range",
            NeurosynWarning,
            stacklevel=3,
        )
    return jnp.asarray(np.interp(grid, lags, C, right=0.0))


class _Samples(eqx.Module):
    """Quenched Monte Carlo inputs of the iteration (drawn once)."""

    eta_hat: Array  # FFT of η^A [M, n]
    phiA: Array  # φ^A [M, n]
    phiA_hat: Array
    C_hat: Array  # circulant eigenvalues of C [n]
    w: Array  # weights of the static input over A's past [n]
    z: Array  # quadrature nodes and weights
    wz: Array


def _draw(net, C_grid, method, key):
    n, dt, M = method.n, method.dt, method.n_samples
    g = jnp.asarray(net.g, float)
    key_A = jr.split(key)[0]  # the split keeps the A paths of earlier versions (the shipped table's draws)
    C_hat = circulant_spectrum(C_grid, n)
    eta = field_from_white(jr.normal(key_A, (M, n)), g**2 * C_hat)
    w_mem = HebbianKernel().weights(net, C_grid, dt)
    # two periods of the periodic field: the first is burn-in (≥ 15p and many correlation times)
    x = integrate_single_site(jnp.concatenate([eta, eta, eta[:, :1]], axis=1), w_mem, dt=dt)[:, n : 2 * n]
    phiA = net.phi(x)
    j = np.arange(n)
    t = np.where(j <= n // 2, j, j - n) * dt
    w = np.where(t <= 0, dt * float(net.k) / float(net.p) * np.exp(np.minimum(t, 0.0) / float(net.p)), 0.0)
    w[0] *= 0.5
    z = np.arange(-8.0, 8.0 + 0.5 * method.dz, method.dz)
    wz = np.exp(-0.5 * z**2)
    wz /= wz.sum()
    return _Samples(
        eta_hat=jnp.fft.fft(eta, axis=-1),
        phiA=phiA,
        phiA_hat=jnp.fft.fft(phiA, axis=-1),
        C_hat=C_hat,
        w=jnp.asarray(w),
        z=jnp.asarray(z),
        wz=jnp.asarray(wz),
    )


def _interp_uniform(table, x, u0, du):
    """Linear interpolation of ``table`` (on the uniform grid u0 + j·du) at x, clamped to the grid."""
    f = (x - u0) / du
    j = jnp.clip(jnp.floor(f).astype(jnp.int32), 0, table.shape[-1] - 2)
    a = jnp.clip(f - j, 0.0, 1.0)
    return table[j] * (1.0 - a) + table[j + 1] * a


def _gaussian_D(b, K, z, wz, phi, n_K=129, n_u=1001, n_b=257):
    """D(τ) = E_b ⟨φ(b + y(s)) φ(b + y(s+τ))⟩ for a stationary Gaussian y with covariance K(τ), v = K(0).

    Writing y(s) = √|K| z₀ + √(v−|K|) z₁, y(s+τ) = sgn(K)√|K| z₀ + √(v−|K|) z₂ (z's independent standard
    normal) gives D = E_b F(b, K), F = ∫Dz₀ Φ(b + √|K| z₀) Φ(b + sgn(K)√|K| z₀), with the smoothed
    Φ(u) = ∫Dz φ(u + √(v−|K|) z). F is smooth in b and K: it is evaluated on ``n_K`` nodes in [min K, v] times
    ``n_b`` nodes spanning the b's (Φ tabulated on ``n_u`` points, with every other quadrature node of z, and
    interpolated linearly); E_b is the linear-interpolation deposit of the b's on the b nodes (so the cost
    does not grow with the number of b's), and D is interpolated in K to every lag.
    """
    v = K[0]
    z2, w2 = z[::2], wz[::2] / jnp.sum(wz[::2])
    K_nodes = jnp.linspace(jnp.min(K), v, n_K)
    U = jnp.max(jnp.abs(b)) + 8.5 * jnp.sqrt(v) + 1.0
    u = jnp.linspace(-U, U, n_u)
    du = u[1] - u[0]
    width = jnp.sqrt(jnp.maximum(v - jnp.abs(K_nodes), 0.0))
    Phi = phi(u[None, :, None] + width[:, None, None] * z2[None, None, :]) @ w2  # [n_K, n_u]
    s, sgn = jnp.sqrt(jnp.abs(K_nodes)), jnp.sign(K_nodes)
    # deposit of the b's on a uniform grid: E_b f(b) = Σ_j weight_j f(b_j) + O(h² f″) for any smooth f
    lo, hi = jnp.min(b), jnp.max(b)
    h = jnp.maximum(hi - lo, 1e-12) / (n_b - 1)
    f = jnp.clip((b - lo) / h, 0.0, n_b - 1.0)
    j = jnp.clip(jnp.floor(f).astype(jnp.int32), 0, n_b - 2)
    a = f - j
    weight = (jnp.zeros(n_b).at[j].add(1.0 - a).at[j + 1].add(a)) / b.size
    b_nodes = lo + h * jnp.arange(n_b)

    def at_node(table, s, sgn):
        x = s * z[None, :]
        f1 = _interp_uniform(table, b_nodes[:, None] + x, -U, du)
        f2 = _interp_uniform(table, b_nodes[:, None] + sgn * x, -U, du)
        return weight @ ((f1 * f2) @ wz)

    return jnp.interp(K, K_nodes, jax.vmap(at_node)(Phi, s, sgn))


def _map(Q, D, smp, g, method, fixed_point, phi):
    """One evaluation of the self-consistency map (Q, D) ↦ (Q_new, D_new) and diagnostics."""
    n, M, n_s = method.n, method.n_samples, method.n_shifts
    shifts = jnp.arange(n_s) * (n // n_s)
    lam = method.reg * jnp.max(smp.C_hat)
    inv = smp.C_hat / (smp.C_hat**2 + lam**2)
    alpha_hat = jnp.fft.fft(Q) * inv
    delta = jnp.sum(jnp.abs(alpha_hat) ** 2 * smp.C_hat) / n
    mu = jnp.fft.ifft(jnp.conj(alpha_hat)[None, :] * smp.eta_hat, axis=-1).real[:, shifts]
    wq_hat = jnp.fft.fft(smp.w * Q)
    stat = jnp.fft.ifft(jnp.conj(wq_hat)[None, :] * smp.phiA_hat, axis=-1).real[:, shifts]
    b = mu + stat  # [M, n_s]
    if fixed_point:
        v = g**2 * jnp.maximum(D[0] - delta, 0.0)
    else:
        # y: stationary with covariance g²[D(τ) − δ] (the part δ is carried by μ), filtered by 1/(1 + ω²)
        omega = 2 * jnp.pi * jnp.fft.fftfreq(n, method.dt)
        S_y = (
            g**2
            * jnp.maximum(circulant_spectrum(D, n) - n * delta * (jnp.arange(n) == 0), 0.0)
            / (1.0 + omega**2)
        )
        K = jnp.fft.ifft(S_y).real[: D.shape[0]]
        v = K[0]
    xb = b[..., None] + jnp.sqrt(v) * smp.z[None, None, :]  # [M, n_s, nz]
    ph = phi(xb)
    F1 = ph @ smp.wz
    F1_full = jnp.zeros((M, n)).at[:, shifts].set(F1)
    corr = jnp.fft.ifft(jnp.conj(jnp.fft.fft(F1_full, axis=-1)) * smp.phiA_hat, axis=-1).real / n_s
    Q_new = jnp.mean(corr, axis=0)
    if fixed_point:
        D_new = jnp.full_like(D, jnp.mean((ph**2) @ smp.wz))
    else:
        D_new = _gaussian_D(b.ravel(), K, smp.z, smp.wz, phi)
    r = g * jnp.sqrt(jnp.mean((phi.prime(xb) ** 2) @ smp.wz))
    return Q_new, D_new, dict(delta=delta, r=r, q0_err=jnp.std(corr[:, 0]) / jnp.sqrt(M))


_map_jit = eqx.filter_jit(_map)


def _finite(x):
    return bool(np.all(np.isfinite(x)))


def _iterate(Q, D, smp, g, C0, method, fixed_point, phi, max_steps):
    """Anderson mixing (depth ``method.depth``) of the frozen-noise map until
    sup|ΔQ| + sup|ΔD| ≤ rtol·C(0). Returns Q, D, residual, iterations, residual history and the map's
    diagnostics at the returned (Q, D)."""
    solver = AndersonMixing(depth=method.depth, alpha=method.alpha)
    nQ = Q.shape[0]
    x = np.concatenate([np.asarray(Q), np.asarray(D)])
    hist, history = [], np.full(max_steps, np.nan)
    res, i = np.inf, 0
    while True:
        Qn, Dn, aux = _map_jit(jnp.asarray(x[:nQ]), jnp.asarray(x[nQ:]), smp, g, method, fixed_point, phi)
        r = np.concatenate([np.asarray(Qn), np.asarray(Dn)]) - x
        res = (np.max(np.abs(r[:nQ])) + np.max(np.abs(r[nQ:]))) / float(C0)
        if i < max_steps:
            history[i] = res
        if i == max_steps or res <= method.rtol or not np.isfinite(res):
            break
        x_next = _anderson_step(x, r, hist, solver, valid=_finite)
        hist = (hist + [(x, r)])[-solver.depth :] if solver.depth else []
        x, i = x_next, i + 1
    return jnp.asarray(x[:nQ]), jnp.asarray(x[nQ:]), res, i, history, aux


def _dmft_arrays(dmft_solution, lags):
    if lags is None:
        if not (hasattr(dmft_solution, "lags") and hasattr(dmft_solution, "C")):
            raise ValueError("pass a DMFTSolution (with .lags and .C) or C together with lags=")
        return np.asarray(dmft_solution.lags), np.asarray(dmft_solution.C)
    C = np.asarray(dmft_solution, dtype=float)
    lags = np.asarray(lags, dtype=float)
    if C.ndim != 1 or C.shape != lags.shape or not C[0] > 0:
        raise ValueError(
            f"C and lags must be 1-D arrays of equal length with C[0] > 0; got shapes {C.shape}, {lags.shape}"
        )
    return lags, C


def solve_two_replica(
    net: Network,
    dmft_solution,
    *,
    key,
    lags=None,
    solution: str = "dynamic",
    method: TwoReplica = TwoReplica(),
    max_steps: int = 400,
    throw: bool = True,
    Q_init=None,
    D_init=None,
) -> TwoReplicaSolution:
    """Solve the two-replica DMFT for the halted replica B, given replica A's solved C(τ).

    Args:
        net: `Network` (g, k, p; N unused).
        dmft_solution: a `DMFTSolution` of the same network (its lags and C are used), or an array C with
            ``lags``.
        key: JAX key for the A paths and B noises (drawn once per replicate, see `TwoReplica.n_replicates`;
            the iteration is then deterministic).
        solution: "dynamic" (D(τ) free, starts from D = C) or "fixed_point" (D constant, ∂s x^B = 0).
        method: `TwoReplica` (grid, samples, regularisation, damping, tolerances).
        max_steps, throw: iteration budget; raise `ConvergenceError` if not converged.
        Q_init: initial Q on A's periodic grid (index j ↔ t = j·dt, wrapped); default Q = C (B starts at the
            halt state, which selects the positive solution).
        D_init: initial D on the lags 0, dt, …, (n/2)·dt (default C; "fixed_point" uses only D_init[0]).
            With Q_init, a previous solution's (Q, D) continues it (e.g. in k).
    Returns:
        `TwoReplicaSolution` with Q(t), ρ(t), D(τ), r, δ, status, residual, n_iter, history, wall_s.
    Equation:
        (1+∂s)x^B = η^B + (k/p)∫₀^∞ e^{−t/p} Q(−t) φ^A(−t) dt;  Q(t) = ⟨φ^A(t)φ^B⟩, D(τ) = ⟨φ^B φ^B⟩ (Eqs.
            32–34).
    Assumptions:
        N → ∞; A stationary with the given C; B at long times; Q and C decay within half the window.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. VII and Appendix C.2.
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a neurosyn.Network, got {type(net).__name__}")
    solution = check_choice("solution", solution, SOLUTIONS)
    if not isinstance(method, TwoReplica):
        raise ValueError(f"method must be a TwoReplica(...), got {method!r}")
    max_steps = check_int("max_steps", max_steps, "iteration budget", minimum=1)
    if method.n * method.dt < 2 * 15.0 * float(net.p):
        raise ValueError(
            f"the window n*dt = {method.n * method.dt:g} must be >= 30p = {30 * float(net.p):g} (the static "
            "input reaches 15p into A's past and the burn-in needs 15p); raise n"
        )
    t0 = time.perf_counter()
    lags0, C = _dmft_arrays(dmft_solution, lags)
    C_grid = _grid_C(C, lags0, method.dt, method.n)
    n = method.n
    C0 = C_grid[0]
    if Q_init is None:
        Q_start = jnp.concatenate([C_grid, C_grid[1 : (n + 1) // 2][::-1]])
    else:
        Q_start = jnp.asarray(Q_init, float)
        if Q_start.shape != (n,):
            raise ValueError(f"Q_init must have shape ({n},) (A's periodic grid), got {Q_start.shape}")
    fixed = solution == "fixed_point"
    if D_init is None:
        D_start = C_grid
    else:
        D_start = jnp.asarray(D_init, float)
        if D_start.shape != C_grid.shape:
            raise ValueError(f"D_init must have shape {C_grid.shape} (lags 0 … n/2), got {D_start.shape}")
    if fixed:
        D_start = jnp.full_like(C_grid, D_start[0])
    g = jnp.asarray(net.g, float)
    reps = []
    for i in range(method.n_replicates):
        smp = _draw(net, C_grid, method, key if i == 0 else jr.fold_in(key, i))
        reps.append(_iterate(Q_start, D_start, smp, g, C0, method, fixed, net.phi, max_steps))
    Qs = jnp.stack([r_[0] for r_ in reps])
    Ds = jnp.stack([r_[1] for r_ in reps])
    res_all = jnp.asarray([r_[2] for r_ in reps])
    worst = int(jnp.argmax(jnp.where(jnp.isfinite(res_all), res_all, jnp.inf)))
    res = res_all[worst]
    n_iter = sum(r_[3] for r_ in reps)
    hist = jnp.asarray(reps[worst][4])
    Q, D = jnp.mean(Qs, axis=0), jnp.mean(Ds, axis=0)
    finite = bool(jnp.all(jnp.isfinite(res_all))) and bool(jnp.all(jnp.isfinite(Qs)))
    ok = finite and bool(jnp.all(res_all <= method.rtol))
    status = Status.success if ok else (Status.nonfinite if not finite else Status.max_steps)
    Q0_rep = Qs[:, 0]
    rho0_rep = Qs[:, 0] / jnp.sqrt(Ds[:, 0] * C0)
    r_rep = jnp.stack([r_[5]["r"] for r_ in reps])
    R = method.n_replicates
    if R >= 2:
        sem = lambda v: jnp.std(v, ddof=1) / math.sqrt(R)  # noqa: E731
        Q0_err, rho0_err, r_err = sem(Q0_rep), sem(rho0_rep), sem(r_rep)
    else:
        Q0_err, rho0_err, r_err = reps[0][5]["q0_err"], jnp.asarray(jnp.nan), jnp.asarray(jnp.nan)
    order = np.argsort(np.where(np.arange(n) <= n // 2, np.arange(n), np.arange(n) - n))
    t = jnp.asarray(np.where(np.arange(n) <= n // 2, np.arange(n), np.arange(n) - n)[order] * method.dt)
    D0 = D[0]
    rho = Q / jnp.sqrt(D0 * C0)
    n_tail = max(1, D.shape[0] // 10)
    sol = TwoReplicaSolution(
        t=t,
        Q=Q[order],
        rho=rho[order],
        Q0=Q[0],
        Q0_err=Q0_err,
        rho0=rho[0],
        rho0_err=rho0_err,
        r_err=r_err,
        Q0_rep=Q0_rep,
        rho0_rep=rho0_rep,
        r_rep=r_rep,
        lags=method.dt * jnp.arange(D.shape[0]),
        D=D,
        D0=D0,
        D_inf=jnp.mean(D[-n_tail:]),
        delta=jnp.mean(jnp.stack([r_[5]["delta"] for r_ in reps])),
        r=jnp.mean(r_rep),
        C0=C0,
        nontrivial=Q[0] > method.q_tol * C0,
        status=status,
        residual=res,
        n_iter=jnp.asarray(n_iter),
        history=hist,
        wall_s=time.perf_counter() - t0,
        solution=solution,
    )
    if throw and not ok:
        raise ConvergenceError(
            f"two-replica DMFT ({solution}) at g={float(net.g)}, k={float(net.k)}, p={float(net.p)} did not "
            f"converge: residual {float(res):.3g} > rtol {method.rtol:g} after {int(n_iter)} iterations "
            f"({Status[status]}). Try max_steps > {max_steps}, a smaller alpha, or throw=False near a "
            "transition (critical slowing down)."
        )
    return sol


class OnsetEigenvalue(eqx.Module):
    """Stability of the trivial two-replica solution Q ≡ 0 (the nonfreezable phase).

    Attributes:
        lam: the eigenvalue of largest real part of the linearised map Q ↦ Q_new at Q = 0; Q ≡ 0 is stable
            (nonfreezable) for lam < 1, and the semifreezable branch appears where it crosses 1.
        lam_err: standard error of lam (from the standard error of χ, propagated to first order).
        t, mode: its eigenvector Q(t) on A's time grid (normalised to max |Q| = 1, real part).
        chi, chi_err: the single site's mean response χ(τ) = E[∂φ^A(t+τ)/∂η^A(t)] on lags 0 … t_cut.
        a: ⟨φ′(x^B)⟩ of the halted replica at Q = 0 (the SCS network at g).
        lam_k0: (g⟨φ′⟩)² of the SCS network, the exact value of lam at k = 0.
        n_impulses: impulse responses averaged. wall_s: wall time.
    """

    lam: Float[Array, ""]
    lam_err: Float[Array, ""]
    t: Float[Array, " n"]
    mode: Float[Array, " n"]
    chi: Float[Array, " cut"]
    chi_err: Float[Array, " cut"]
    a: float
    lam_k0: float
    n_impulses: int
    wall_s: float


class _Reduced:
    """The eigenproblem of L = a[g² X + Cc diag(w)] (X: circulant of χ; w supported on the last ``n_s`` grid
    points s ≤ 0), reduced to the support S of w.

    For λ above the circulant's top λ_c = a g² Σχ, (λ − a g² X)Q = a Cc (wQ) gives Q = G_λ (wQ) with the
    circulant G_λ = (λ − a g² X)⁻¹ a Cc, so λ is an eigenvalue of L iff the [n_s, n_s] matrix
    K_λ = G_λ|_S diag(w_S) has eigenvalue 1. Its Perron root ν(λ) decreases with λ (nonnegative kernels).
    """

    def __init__(self, chi, C_hat, w, a, g, n_s):
        self.n = chi.size
        self.chi_hat = np.fft.fft(chi)
        self.C_hat, self.a, self.g2 = C_hat, a, g**2
        self.lam_c = a * g**2 * float(np.sum(chi))
        self.idx = np.arange(self.n - n_s + 1, self.n + 1) % self.n  # s = −(n_s − 1)·dt … 0
        self.diff = (self.idx[:, None] - self.idx[None, :]) % self.n
        self.wS = w[self.idx]
        self.u = np.ones(n_s)

    def filt(self, lam):
        return self.a * self.C_hat / (lam - self.a * self.g2 * self.chi_hat)

    def kernel(self, lam):
        return np.fft.ifft(self.filt(lam)).real[self.diff] * self.wS[None, :]

    def nu(self, lam):
        """Perron root of K_λ by power iteration (warm-started), LAPACK if it stalls."""
        K = self.kernel(lam)
        u = self.u
        for _ in range(2000):
            v = K @ u
            nv = np.linalg.norm(v)
            if not nv > 0:
                break
            v /= nv
            if np.max(np.abs(v - u)) < 1e-12:
                self.u = v
                return float(v @ (K @ v))
            u = v
        return float(np.max(np.linalg.eigvals(K).real))


def _top_lambda(red: _Reduced):
    """Top eigenvalue λ of L and its eigenvector Q (see `_Reduced`); λ = λ_c (constant Q) if no eigenvalue
    leaves the circulant's continuum, i.e. ν(λ_c⁺) ≤ 1."""
    lo = red.lam_c * (1 + 1e-9) + 1e-12
    if not np.all(np.abs(red.chi_hat) <= np.abs(red.chi_hat[0]) * (1 + 1e-9)) or red.nu(lo) <= 1.0:
        return red.lam_c, np.ones(red.n)
    hi = max(2 * lo, 1.0)
    while red.nu(hi) > 1.0:
        hi *= 2.0
    lam = scipy.optimize.brentq(lambda x: red.nu(x) - 1.0, lo, hi, xtol=1e-8, rtol=1e-8)
    red.nu(lam)
    wu = np.zeros(red.n)
    wu[red.idx] = red.wS * red.u
    Q = np.fft.ifft(np.fft.fft(wu) * red.filt(lam)).real
    return lam, Q


def _etd2_impulse(dt, n):
    """Response of x to a unit kick of η at one step of `integrate_single_site`'s ETD2 scheme, no memory."""
    a = math.exp(-dt)
    c2 = (dt - 1.0 + a) / dt
    c1 = (1.0 - a) - c2
    h = np.empty(n)
    h[0] = c2
    h[1:] = (a * c2 + c1) * a ** np.arange(n - 1)
    return h


@eqx.filter_jit
def _responses(eta, w, t_imp, n_cut, eps, dt, phi):
    """Impulse responses of φ^A at the impulse times (central differences), φ′ along the unkicked path, and
    per path the time averages of φ′(x^A) and of φ′(x₀), x₀ the memoryless site on the same field (the
    periodic solution of the same scheme with w = 0, by FFT: a Gaussian control variate)."""
    e3 = jnp.concatenate([eta, eta, eta, eta[:, :1]], axis=1)
    kick = jnp.zeros(e3.shape[1], e3.dtype).at[t_imp].set(eps)[None, :]
    x = integrate_single_site(jnp.concatenate([e3, e3 + kick, e3 - kick]), w, dt=dt, phi=phi)
    M = eta.shape[0]
    x0, xp, xm = x[:M], x[M : 2 * M], x[2 * M :]
    idx = t_imp[:, None] + jnp.arange(n_cut)[None, :]  # [n_imp, cut]
    dphi = (phi(xp[:, idx]) - phi(xm[:, idx])) / (2 * eps)  # [M, n_imp, cut]
    dphi0 = phi.prime(x0[:, idx])  # φ′ on the same windows (control variate)
    n = eta.shape[1]
    phiprime_path = jnp.mean(phi.prime(x0[:, n : 3 * n]), axis=1)
    xg = jnp.fft.ifft(etd2_transfer(dt, n)[None, :] * jnp.fft.fft(eta, axis=-1), axis=-1).real
    return dphi, dphi0, phiprime_path, jnp.mean(phi.prime(xg), axis=1)


def onset_eigenvalue(
    net: Network,
    dmft_solution,
    *,
    key,
    lags=None,
    method: TwoReplica = TwoReplica(),
    eps: float = 1e-3,
    t_cut: float | None = None,
) -> OnsetEigenvalue:
    """Largest eigenvalue of the two-replica map linearised about the trivial solution Q ≡ 0.

    At Q = 0 the halted replica B is the plain network with couplings J (its static input vanishes), i.e. the
    SCS network at g: x^B is Gaussian with the SCS variance Δ₀ and a = ⟨φ′(x^B)⟩. To first order in Q,
        Q_new(t) = a E[φ^A(t) b],   b = Σ_s α(s) η^A(s) + Σ_{s≤0} w(s) Q(s) φ^A(s),   α = C⁻¹Q.
    Gaussian integration by parts, E[φ^A(t) η^A(s)] = g² Σ_u χ(t − u) C(u − s), removes C⁻¹ exactly:
        Q_new(t) = a [ g² Σ_u χ(t − u) Q(u) + Σ_{s≤0} C(t − s) w(s) Q(s) ].
    χ(τ) = E[∂φ^A(t+τ)/∂η^A(t)], the single site's response (memory term included), is measured by central
    differences of isolated impulses (4 per A path, 1/4 window apart, so their responses do not overlap within
    ``t_cut``), with the memory-free part φ′(x(t+τ))h(τ) as a control variate whose mean ⟨φ′⟩h(τ) is taken
    over all times (h: the scheme's impulse response; at k = 0 the estimator is exact). χ is set to 0 beyond
    ``t_cut``. The top eigenvalue is found by Arnoldi iteration.

    Args:
        net, dmft_solution, key, lags, method: as for `solve_two_replica` (uses dt, n, n_samples).
        eps: size of the impulse (central differences: O(eps²) error).
        t_cut: response window (default max(40, 16p)); must be below half the window n·dt.
    Returns:
        `OnsetEigenvalue` (lam with its standard error lam_err).
    Assumptions:
        N → ∞; A stationary with the given C; χ has decayed by ``t_cut`` (measured at g = 2.25, p = 2.5,
        k ≤ 1.5: Σχ changes by < 1e-3 between lags 40 and 60).
    """
    from ._scs import solve_scs

    if not isinstance(net, Network):
        raise ValueError(f"net must be a neurosyn.Network, got {type(net).__name__}")
    check_positive("eps", eps, "impulse size")
    if not float(net.g) > 1:
        raise ValueError(
            f"g (coupling strength) must be > 1 (chaotic A and B), valid range (1, inf); got g={float(net.g)}"
        )
    n, dt, M = method.n, method.dt, method.n_samples
    t_cut = max(40.0, 16.0 * float(net.p)) if t_cut is None else t_cut
    check_positive("t_cut", t_cut, "response window")
    n_cut = int(round(t_cut / dt)) + 1
    if n_cut > n // 2:
        raise ValueError(
            f"t_cut={t_cut:g} (response window) must be < n*dt/2 = {n * dt / 2:g} (isolated impulses); "
            "raise n"
        )
    t0 = time.perf_counter()
    lags0, C = _dmft_arrays(dmft_solution, lags)
    C_grid = _grid_C(C, lags0, dt, n)
    C_hat = circulant_spectrum(C_grid, n)
    g = float(net.g)
    eta = field_from_white(jr.normal(key, (M, n)), g**2 * C_hat)
    w_mem = HebbianKernel().weights(net, C_grid, dt)
    # impulses in the 2nd and 3rd periods (the 1st is burn-in), at four different phases of the periodic field
    t_imp = np.array([n, n + n // 2, 2 * n + n // 4, 2 * n + 3 * n // 4])
    dphi, dphi0, pp, pp0 = (
        np.asarray(v) for v in _responses(eta, w_mem, jnp.asarray(t_imp), n_cut, eps, dt, net.phi)
    )
    # ⟨φ′(x^A)⟩ with the memoryless site x₀ as control variate: x₀ is Gaussian with the circulant variance
    # Δ₀ = Σ_ω S(ω)|H(ω)|²/n, so ⟨φ′(x₀)⟩ is a 1-D quadrature (at k = 0, x^A = x₀ and the estimate is exact)
    S = np.maximum(np.asarray(C_hat), 0.0) * g**2
    delta0 = float(np.mean(S * np.abs(np.asarray(etd2_transfer(dt, n))) ** 2))
    z = np.linspace(-10, 10, 4001)  # Gaussian quadrature grid, also for a below
    wz = np.exp(-0.5 * z**2)
    wz /= wz.sum()
    pp0_exact = float(np.sum(wz * np.asarray(net.phi.prime(jnp.asarray(math.sqrt(delta0) * z)))))
    beta = float(_cv_coefficient(jnp.asarray(pp), jnp.asarray(pp0)))
    pp_cv = pp - beta * (pp0 - pp0_exact)  # per path; its mean is ⟨φ′(x^A)⟩
    h = _etd2_impulse(dt, n_cut)
    samples = np.asarray(dphi - dphi0 * h).reshape(-1, n_cut)  # control variate removed
    chi_c = samples.mean(axis=0) + float(pp_cv.mean()) * h
    chi_err = samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0])
    chi = np.zeros(n)
    chi[:n_cut] = chi_c
    scs = solve_scs(g, throw=False)
    a = float(np.sum(wz / np.cosh(math.sqrt(float(scs.var_x)) * z) ** 2))
    j = np.arange(n)
    tj = np.where(j <= n // 2, j, j - n) * dt
    w = np.where(tj <= 0, dt * float(net.k) / float(net.p) * np.exp(np.minimum(tj, 0.0) / float(net.p)), 0.0)
    w[0] *= 0.5
    n_s = w_mem.shape[0]
    C_hat_np = np.asarray(C_hat)

    def reduced(chi_c):
        chi = np.zeros(n)
        chi[:n_cut] = chi_c
        return _Reduced(chi, C_hat_np, w, a, g, n_s)

    red = reduced(chi_c)
    lam, mode = _top_lambda(red)
    # standard error from 4 independent batches of A paths, each giving its own χ (its own ⟨φ′⟩ included); to
    # first order each batch's λ_b solves ν_b(λ) = 1 by one Newton step from λ (ν_b − ν is O(batch noise))
    n_b = 4
    pp_b = np.repeat(pp_cv, dphi.shape[1]).reshape(n_b, -1).mean(axis=1)  # the paths of each batch
    batches = np.asarray(dphi - dphi0 * h).reshape(n_b, -1, n_cut).mean(axis=1) + pp_b[:, None] * h[None, :]
    if lam > red.lam_c * (1 + 1e-6):
        d = 1e-4 * lam
        slope = (red.nu(lam + d) - red.nu(lam - d)) / (2 * d)
        lam_b = np.array([lam - (reduced(cb).nu(lam) - 1.0) / slope for cb in batches])
    else:
        lam_b = np.array([reduced(cb).lam_c for cb in batches])
    lam_err = float(lam_b.std(ddof=1) / math.sqrt(n_b))
    mode = mode / mode[np.argmax(np.abs(mode))]
    order = np.argsort(tj)
    return OnsetEigenvalue(
        lam=jnp.asarray(lam),
        lam_err=jnp.asarray(lam_err),
        t=jnp.asarray(tj[order]),
        mode=jnp.asarray(mode[order]),
        chi=jnp.asarray(chi_c),
        chi_err=jnp.asarray(chi_err),
        a=a,
        lam_k0=(g * a) ** 2,
        n_impulses=int(samples.shape[0]),
        wall_s=time.perf_counter() - t0,
    )
