"""The exact k = 0 solution (Sompolinsky, Crisanti & Sommers 1988) and its DMFT Lyapunov exponent.

For k = 0 the single site is Gaussian. With Δ(τ) = ⟨x(t) x(t+τ)⟩ and Δ₀ = Δ(0):

    Δ″ = Δ − g² C_φ(Δ; Δ₀),   C_f(Δ; Δ₀) = ∫Dz [∫Dy f(√(Δ₀−Δ) y + √Δ z)]²,
    Δ₀²/2 = g² (⟨Φ²⟩ − ⟨Φ⟩²),  Φ = ln cosh   (energy conservation on the separatrix).

Gaussian averages use the trapezoid rule on a uniform grid: the integrands are analytic in a strip of
half-width π/(2√Δ₀) (the poles of tanh), so the error is ~exp(−2π·width/dz); dz = min(0.04, 0.16/√Δ₀)
keeps it below 1e-25 for every g (a ~100-node Gauss–Hermite rule is not accurate enough at g ≥ 4).
C_φ(Δ) is tabulated once
on Chebyshev–Lobatto nodes in ρ = Δ/Δ₀ and interpolated barycentrically.
"""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.optimize
from jaxtyping import Array, Float

from neurosyn import ConvergenceError, Status, check_int, check_nonnegative, check_positive

_Z_MAX = 9.0


def _grid(dz):
    n = int(math.ceil(_Z_MAX / dz))
    z = dz * np.arange(-n, n + 1)
    w = dz * np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    return z, w


def _dz_for(Delta0, dz):
    return dz if dz is not None else min(0.04, 0.16 / math.sqrt(max(Delta0, 1e-300)))


def _logcosh(x):
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax)) - math.log(2.0)


def _sech2(x):
    return 1.0 - np.tanh(x) ** 2


def energy_residual(Delta0: float, g: float, *, dz: float | None = None) -> float:
    """Δ₀²/2 − g² (⟨Φ²⟩ − ⟨Φ⟩²) with Φ = ln cosh(√Δ₀ z), z ~ N(0, 1): zero at the SCS variance."""
    z, w = _grid(_dz_for(Delta0, dz))
    Phi = _logcosh(math.sqrt(Delta0) * z)
    m1 = np.sum(w * Phi)
    var = np.sum(w * (Phi - m1) ** 2)
    return 0.5 * Delta0**2 - g**2 * var


def gaussian_pair(f, Delta, Delta0: float, *, dz: float | None = None, chunk: int = 16) -> np.ndarray:
    """C_f(Δ; Δ₀) = ⟨f(x₁) f(x₂)⟩ for jointly Gaussian x₁, x₂ with variance Δ₀ and covariance Δ (vectorised).

    Computed as ∫Dz [∫Dy f(√(Δ₀−Δ) y + √Δ z)]² on a trapezoid grid (module docstring).
    """
    Delta = np.atleast_1d(np.asarray(Delta, dtype=float))
    z, w = _grid(_dz_for(Delta0, dz))
    out = np.empty_like(Delta)
    for s in range(0, Delta.size, chunk):
        D = np.clip(Delta[s : s + chunk], 0.0, Delta0)
        a = np.sqrt(Delta0 - D)[:, None, None]
        b = np.sqrt(D)[:, None, None]
        inner = np.einsum("dzy,y->dz", f(a * z[None, None, :] + b * z[None, :, None]), w)
        out[s : s + chunk] = inner**2 @ w
    return out


class _Cheb:
    """Barycentric interpolant on Chebyshev–Lobatto nodes of [0, 1]."""

    def __init__(self, values, nodes):
        n = nodes.size - 1
        self.x = nodes
        self.v = values
        bw = (-1.0) ** np.arange(n + 1)
        bw[0] *= 0.5
        bw[-1] *= 0.5
        self.bw = bw

    def __call__(self, x):
        x = np.atleast_1d(np.asarray(x, dtype=float))
        d = x[:, None] - self.x[None, :]
        exact = d == 0.0
        d = np.where(exact, 1.0, d)
        q = self.bw / d
        out = (q @ self.v) / q.sum(axis=1)
        hit = exact.any(axis=1)
        if hit.any():
            out[hit] = self.v[np.argmax(exact[hit], axis=1)]
        return out


def _cheb_nodes(n):
    return 0.5 * (1.0 - np.cos(np.pi * np.arange(n + 1) / n))


class SCSSolution(eqx.Module):
    """The exact k = 0 stationary solution on a lag grid.

    Attributes:
        g: coupling strength.
        lags: τ = 0, dt, …, t_max.
        Delta: Δ(τ) = ⟨x(t) x(t+τ)⟩.  C: C(τ) = ⟨φ(t) φ(t+τ)⟩.  C_prime: ⟨φ′(t) φ′(t+τ)⟩.
        var_x: Δ₀ = Var x.  C0: C(0) = ⟨φ²⟩.  phi_prime2: ⟨φ′²⟩.
        tau_star: ∫₀^∞ (C/C(0))² dτ (Eq. 9), with the exponential tail beyond t_max added analytically.
        radius: g √⟨φ′²⟩, the k = 0 Jacobian bulk radius.
        decay_rate: κ = √(1 − g²⟨φ′⟩²), the asymptotic decay rate of Δ(τ).
        residual: |Δ₀²/2 − g²Var Φ| / (Δ₀²/2), the energy-condition residual (0 for the trivial solution).
        interp_error: max |C_φ interpolated − quadrature| / C(0) at check points (table accuracy).
        status, wall_s.
    """

    g: float
    lags: Float[Array, " lags"]
    Delta: Float[Array, " lags"]
    C: Float[Array, " lags"]
    C_prime: Float[Array, " lags"]
    var_x: float
    C0: float
    phi_prime2: float
    tau_star: float
    radius: float
    decay_rate: float
    residual: float
    interp_error: float
    status: Status
    wall_s: float

    @property
    def converged(self):
        return self.status == Status.success


def solve_scs(
    g: float,
    *,
    dt: float = 0.025,
    t_max: float = 80.0,
    n_nodes: int = 96,
    dz: float | None = None,
    tail: float = 1e-5,
    tol: float = 1e-10,
    throw: bool = True,
) -> SCSSolution:
    """Solve the k = 0 (SCS) DMFT exactly: Δ₀ from the energy condition, then Δ(τ), C(τ) on a lag grid.

    Args:
        g: coupling strength, g ≥ 0. For g ≤ 1 the solution is trivial (Δ ≡ 0, C ≡ 0, ⟨φ′²⟩ = 1).
        dt, t_max: lag grid τ = 0, dt, …, t_max.
        n_nodes: Chebyshev nodes of the C_φ(Δ) table.
        dz: quadrature step (default min(0.04, 0.16/√Δ₀), see module docstring).
        tail: Δ/Δ₀ below which the separatrix is continued by its asymptote Δ ∝ e^{−κτ} (the numerical orbit
            leaves the separatrix exponentially; the neglected term is O((Δ/Δ₀)²) relative).
        tol: required energy-condition residual.
        throw: raise `ConvergenceError` if the residual exceeds ``tol``.
    Returns:
        `SCSSolution`.
    Equation:
        Δ″ = Δ − g² C_φ(Δ; Δ₀), Δ(0) = Δ₀, Δ′(0) = 0;  Δ₀²/2 = g²(⟨Φ²⟩ − ⟨Φ⟩²);  C = C_φ(Δ; Δ₀).
    Assumptions:
        k = 0, φ = tanh, N → ∞, stationary chaotic state.
    References:
        Sompolinsky, Crisanti & Sommers, PRL 61, 259 (1988); Clark & Abbott, PRX 14, 021001 (2024) §II.
    """
    check_nonnegative("g", g, "coupling strength")
    check_positive("dt", dt, "lag step")
    check_positive("t_max", t_max, "largest lag")
    check_int("n_nodes", n_nodes, "Chebyshev nodes", minimum=8)
    check_positive("tail", tail, "separatrix cut")
    t0 = time.perf_counter()
    g = float(g)
    n_lag = int(round(t_max / dt)) + 1
    lags = dt * np.arange(n_lag)
    if g <= 1.0:
        zero = np.zeros(n_lag)
        return SCSSolution(
            g,
            jnp.asarray(lags),
            jnp.asarray(zero),
            jnp.asarray(zero),
            jnp.ones(n_lag),
            0.0,
            0.0,
            1.0,
            math.nan,
            g,
            math.sqrt(max(1.0 - g * g, 0.0)),
            0.0,
            0.0,
            Status.success,
            time.perf_counter() - t0,
        )
    # Energy condition, scaled by Δ₀²: f → (1 − g²)/2 < 0 as Δ₀ → 0 and f ≥ 1/2 − g²/Δ₀ > 0 for Δ₀ > 2g²
    # (Var Φ ≤ ⟨Φ²⟩ ≤ ⟨x²⟩ = Δ₀ since |Φ(x)| ≤ |x|).
    f = lambda D: energy_residual(D, g, dz=dz) / D**2
    lo = 1e-6
    while f(lo) >= 0.0 and lo < 1.0:  # only for g barely above 1, where the root is tiny
        lo *= 1e-2
    Delta0 = scipy.optimize.brentq(f, lo, 2.0 * g * g + 1.0, xtol=1e-15, rtol=1e-15, maxiter=200)
    residual = abs(energy_residual(Delta0, g, dz=dz)) / (0.5 * Delta0**2)

    nodes = _cheb_nodes(n_nodes)
    Cphi = _Cheb(gaussian_pair(np.tanh, nodes * Delta0, Delta0, dz=dz), nodes)
    Cpp = _Cheb(gaussian_pair(_sech2, nodes * Delta0, Delta0, dz=dz), nodes)
    check = 0.5 * (nodes[1:] + nodes[:-1])[::7]
    C0 = float(gaussian_pair(np.tanh, [Delta0], Delta0, dz=dz)[0])
    interp_error = (
        float(np.max(np.abs(Cphi(check) - gaussian_pair(np.tanh, check * Delta0, Delta0, dz=dz)))) / C0
    )
    z, w = _grid(_dz_for(Delta0, dz))
    phi_prime2 = float(np.sum(w * _sech2(math.sqrt(Delta0) * z) ** 2))
    mean_prime = float(np.sum(w * _sech2(math.sqrt(Delta0) * z)))
    kappa = math.sqrt(max(1.0 - g * g * mean_prime**2, 0.0))
    g2 = g * g

    def rhs(t, y):
        return [y[1], y[0] - g2 * Cphi(y[0] / Delta0)[0]]

    cut = lambda t, y: y[0] - tail * Delta0
    cut.terminal, cut.direction = True, -1
    turn = lambda t, y: y[1]
    turn.terminal, turn.direction = True, 1
    sol = scipy.integrate.solve_ivp(
        rhs,
        (0.0, t_max),
        [Delta0, 0.0],
        method="DOP853",
        rtol=1e-12,
        atol=1e-15 * Delta0,
        dense_output=True,
        events=(cut, turn),
    )
    t_end = sol.t[-1]
    D = np.empty(n_lag)
    inside = lags <= t_end
    D[inside] = sol.sol(lags[inside])[0]
    D_end = sol.y[0, -1]
    D[~inside] = D_end * np.exp(-kappa * (lags[~inside] - t_end))
    rho = np.clip(D / Delta0, 0.0, 1.0)
    C = Cphi(rho)
    Cp = Cpp(rho)
    C[0], Cp[0] = C0, phi_prime2
    r = (C / C0) ** 2
    # tail beyond t_max: C ≈ C'(0)-slope·Δ ∝ e^{−κτ}, so (C/C0)² ∝ e^{−2κτ}
    tau_star = float(np.trapezoid(r, lags) + (r[-1] / (2 * kappa) if kappa > 0 else 0.0))
    status = Status.success if residual <= tol and np.all(np.isfinite(C)) else Status.max_steps
    out = SCSSolution(
        g,
        jnp.asarray(lags),
        jnp.asarray(D),
        jnp.asarray(C),
        jnp.asarray(Cp),
        float(Delta0),
        C0,
        phi_prime2,
        tau_star,
        g * math.sqrt(phi_prime2),
        kappa,
        float(residual),
        interp_error,
        status,
        time.perf_counter() - t0,
    )
    if throw and not out.converged:
        raise ConvergenceError(
            f"solve_scs(g={g}): energy-condition residual {residual:.2e} > tol={tol}; "
            "try a smaller dz or a looser tol"
        )
    return out


class LyapunovDMFT(eqx.Module):
    """DMFT maximal Lyapunov exponent at k = 0 from the two-replica Schrödinger problem.

    Attributes:
        lambda_max: −1 + √(1 − E₀).  E0, E1: the two lowest eigenvalues of H (E₁ = 0 exactly in the continuum,
            its eigenfunction is Δ′(τ): a built-in accuracy check).  scs: the SCS solution used.
    """

    lambda_max: float
    E0: float
    E1: float
    scs: SCSSolution


def lyapunov_dmft(g: float, *, dt: float = 0.025, t_max: float = 60.0, **scs_kwargs) -> LyapunovDMFT:
    """λ_max of the k = 0 network in DMFT, from the ground state of H = −∂τ² + 1 − g² C_φ′(τ).

    Args:
        g: coupling strength. For g ≤ 1 (trivial state) λ_max = g − 1.
        dt, t_max: grid of the operator, τ ∈ [−t_max, t_max], second-order finite differences, Dirichlet ends
            (bound states decay as e^{−√(1−g²⟨φ′⟩²)|τ|}).
    Returns:
        `LyapunovDMFT`.
    Equation:
        Two replicas with the same J: δΔ(t, s) = ⟨δx(t) δx(s)⟩ obeys (∂t + 1)(∂s + 1) δΔ = g² C_φ′(t − s) δΔ.
        With δΔ = e^{2λT} ψ(τ), T = (t+s)/2, τ = t − s: [−∂τ² + 1 − g² C_φ′(τ)] ψ = [1 − (1 + λ)²] ψ, so the
        largest growth rate is λ_max = −1 + √(1 − E₀). Differentiating the SCS equation gives HΔ′ = 0, so the
        first excited level is E₁ = 0 and E₀ < 0 (chaos).
    References:
        Sompolinsky, Crisanti & Sommers, PRL 61, 259 (1988).
    """
    check_nonnegative("g", g, "coupling strength")
    scs = solve_scs(g, dt=dt, t_max=t_max, **scs_kwargs)
    if g <= 1.0:
        return LyapunovDMFT(float(g) - 1.0, 1.0 - float(g) ** 2, 1.0 - float(g) ** 2, scs)
    Cp = np.asarray(scs.C_prime)
    V = 1.0 - g * g * np.concatenate([Cp[:0:-1], Cp])
    n = V.size
    diag = V + 2.0 / dt**2
    off = np.full(n - 1, -1.0 / dt**2)
    E = scipy.linalg.eigh_tridiagonal(diag, off, select="i", select_range=(0, 1), eigvals_only=True)
    E0, E1 = float(E[0]), float(E[1])
    return LyapunovDMFT(-1.0 + math.sqrt(1.0 - E0), E0, E1, scs)
