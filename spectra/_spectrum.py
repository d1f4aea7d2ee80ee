"""Eigen-analysis of the reduced Jacobian: eigenvalues, synaptic weight f_a of each mode, and the quadratic
eigenvalue route (Eqs. 18–19, footnote 58), plus the −1/p block of the full Jacobian (§5.2)."""

from __future__ import annotations

import time

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import scipy.linalg
from jaxtyping import Array, Complex, Float

import neurosyn as ns

from ._jacobian import reduced_jacobian


class Spectrum(eqx.Module):
    """Spectrum of the reduced Jacobian M̃ at one state.

    Attributes:
        eigenvalues: the 2N eigenvalues λ_a of M̃ (complex), sorted by decreasing real part.
        f_a: ‖v_a‖² / ‖v‖² of each unit-norm eigenvector v = (v_x, v_a) of M̃ (Eq. 19, reduced coordinates).
        f_a_theory: (μk)² / ((μk)² + |λ + λ_A|²) with the rule's drive and decay rates μ, λ_A times plastic;
            Eq. 19, k² / (k² + p_eff² |λ + 1/p_eff|²) with p_eff = p/plastic, for decaying rules (NaN if
            plastic = 0).
        f_a_error: max |f_a − f_a_theory|, the evidence that the eigenvectors are accurate (≈ 1e-13 expected).
        max_real: the largest real part (the stability margin of the state).
        k, p, plastic: the parameters used; N (static); wall_s: time for the Jacobian and the eigensolve.
    """

    eigenvalues: Complex[Array, " 2N"]
    f_a: Float[Array, " 2N"]
    f_a_theory: Float[Array, " 2N"]
    f_a_error: Float[Array, ""]
    max_real: Float[Array, ""]
    k: Float[Array, ""]
    p: Float[Array, ""]
    plastic: Float[Array, ""]
    wall_s: float
    N: int = eqx.field(static=True)


def f_a_theory(lam, k, p) -> Float[Array, ...]:
    """Synaptic weight of the eigenmode with eigenvalue λ, from the lower block row of M̃.

    Equation:
        f_a(λ) = k² / (k² + p² |λ + 1/p|²)   (Eq. 19); exact for eigenvectors of M̃ in reduced coordinates.
    Assumptions:
        k ≠ 0, or λ ≠ −1/p (at k = 0 and λ = −1/p the formula is 0/0; such modes are purely synaptic).
    """
    lam = jnp.asarray(lam)
    k = jnp.asarray(k, jnp.float64)
    p = jnp.asarray(p, jnp.float64)
    return k**2 / (k**2 + p**2 * jnp.abs(lam + 1.0 / p) ** 2)


def jacobian_spectrum(net: ns.Network, J: Float[Array, "N N"], state: ns.State, *, plastic=1.0) -> Spectrum:
    """Eigenvalues and eigenmode synaptic weights of the reduced Jacobian M̃ (dense LAPACK, float64).

    Args:
        net: `neurosyn.Network`; J: couplings [N, N]; state: `neurosyn.State`; plastic: synaptic switch.
    Returns:
        `Spectrum` with the 2N eigenvalues, f_a from the eigenvectors, f_a from Eq. 19, and their maximal
        difference. The full Jacobian adds −plastic/p with multiplicity N² − N (see `split_full_spectrum`).
    Equation:
        M̃ v = λ v, v = (v_x, v_a);   f_a = ‖v_a‖²/‖v‖² = k²/(k² + p²|λ + 1/p|²)   (Eqs. 18–19).
    Assumptions:
        O(N³) time and 2N × 2N memory: N = 1000 means a 2000 × 2000 eigensolve (tens of seconds on 2 cores).
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. V A.
    """
    t0 = time.perf_counter()
    M = np.asarray(reduced_jacobian(net, J, state, plastic=plastic))
    N = net.N
    lam, V = scipy.linalg.eig(M, check_finite=True)
    V = V / np.linalg.norm(V, axis=0, keepdims=True)
    f_a = np.sum(np.abs(V[N:]) ** 2, axis=0)
    order = np.lexsort((-lam.imag, -lam.real))
    lam, f_a = lam[order], f_a[order]
    wall = time.perf_counter() - t0
    k = float(net.k)
    p = float(net.p)
    # lower block row of M̃: λ v_a = μ k v_x − λ_A v_a with the rule's drive and decay rates μ, λ_A (times
    # plastic), so f_a = (μk)²/((μk)² + |λ + λ_A|²): Eq. 19 when μ = λ_A = 1/p; NoDecay has λ_A = 0, μ = 1
    mu_k = float(plastic) * float(net.rule.drive_rate(net.p)) * k
    decay = float(plastic) * float(net.rule.decay_rate(net.p))
    if mu_k != 0 or decay != 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            theory = mu_k**2 / (mu_k**2 + np.abs(lam + decay) ** 2)
    else:
        theory = np.full(lam.shape, np.nan)
    err = np.nanmax(np.abs(f_a - theory)) if np.isfinite(theory).any() else np.nan
    return Spectrum(
        eigenvalues=jnp.asarray(lam),
        f_a=jnp.asarray(f_a),
        f_a_theory=jnp.asarray(theory),
        f_a_error=jnp.asarray(err),
        max_real=jnp.asarray(lam.real.max()),
        k=jnp.asarray(k),
        p=jnp.asarray(p),
        plastic=jnp.asarray(float(plastic)),
        wall_s=wall,
        N=N,
    )


def quadratic_eigenvalues(
    dF_dx: Float[Array, "N N"], dF_da_dG_dx: Float[Array, "N N"], k, p
) -> Complex[Array, " 2N"]:
    """Eigenvalues of the N-dimensional quadratic eigenvalue problem equivalent to M̃ (footnote 58).

    Solved through the first companion linearisation as a generalised eigenproblem (scipy QZ), a pencil
    different from M̃ itself, so it is an independent route to the same 2N eigenvalues.

    Args:
        dF_dx: ∂F/∂x [N, N]; dF_da_dG_dx: (∂F/∂a)(∂G/∂x) [N, N]; k, p: plasticity strength, time constant.
    Returns:
        the 2N eigenvalues, sorted by decreasing real part.
    Equation:
        det( p λ² I + λ (I − p ∂F/∂x) − (∂F/∂x + k (∂F/∂a)(∂G/∂x)) ) = 0,
        linearised as [[0, I], [−K, −C]] z = λ [[I, 0], [0, p I]] z with C = I − p ∂F/∂x, K = −(∂F/∂x + k B).
    """
    ns.check_positive("p", p, "synaptic time constant")
    ns.check_finite("k", k, "plasticity strength")
    Fx = np.asarray(dF_dx, np.float64)
    B = np.asarray(dF_da_dG_dx, np.float64)
    N = Fx.shape[0]
    if Fx.shape != (N, N) or B.shape != (N, N):
        raise ValueError(f"dF_dx and dF_da_dG_dx must be square of one size, got {Fx.shape} and {B.shape}")
    I = np.eye(N)
    Z = np.zeros((N, N))
    C = I - float(p) * Fx
    K = -(Fx + float(k) * B)
    lhs = np.block([[Z, I], [-K, -C]])
    rhs = np.block([[I, Z], [Z, float(p) * I]])
    lam = scipy.linalg.eigvals(lhs, rhs)
    order = np.lexsort((-lam.imag, -lam.real))
    return jnp.asarray(lam[order])


def split_full_spectrum(eigs: Complex[Array, " D"], p, N: int, *, plastic=1.0):
    """Separate the −plastic/p block of the full Jacobian's spectrum from the rest (§5.2).

    Removes the N² − N eigenvalues nearest to −plastic/p (at k = 0 the reduced block itself holds N more
    of them, so counting within a tolerance would be ambiguous).

    Returns:
        (rest, deviation): the other 2N eigenvalues sorted by decreasing real part, and the largest distance
        of a removed eigenvalue from −plastic/p (round-off for a correct Jacobian, ~1e-14).
    """
    N = ns.check_int("N", N, "number of neurons")
    eigs = np.asarray(eigs)
    if eigs.shape != (N + N * N,):
        raise ValueError(f"eigs has shape {eigs.shape}; expected ({N + N * N},) for N={N}")
    centre = -float(plastic) / float(p)
    dist = np.abs(eigs - centre)
    idx = np.argsort(dist, kind="stable")
    removed, rest = idx[: N * N - N], idx[N * N - N :]
    rest = eigs[rest]
    rest = rest[np.lexsort((-rest.imag, -rest.real))]
    return jnp.asarray(rest), jnp.asarray(dist[removed].max() if removed.size else 0.0)
