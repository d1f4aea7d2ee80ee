"""Find, polish, deduplicate and classify finite-N fixed points (Clark & Abbott 2024, Sec. VI; §7.1–7.2).

Joint fixed points (plastic network): A* = (k/N) φ(x*) φ(x*)ᵀ, so x* solves the N-dimensional equation
    F(x) = −x + J φ(x) + (k ‖φ(x)‖² / N) φ(x) = 0,
stability from the reduced Jacobian M̃ (Eq. 18) at (x*, A*). Halted network (A frozen at a given A):
    F(x) = −x + (J + A) φ(x) = 0,   stability from −I + (J + A) diag φ′(x).
The non-plastic network is the halted one with A = 0 (or k = 0).

The solver is a damped Newton iteration with the analytic N×N Jacobian (an O(N²) build and one LU per step),
vmapped over initial states. Each step takes the first of the step lengths 1, ½, …, 2⁻⁹ that lowers ‖F‖
(Armijo test), which makes Newton globally usable from random starts while keeping its quadratic convergence
(the full step is accepted near a root). The iteration stops when ‖F(x)‖₂ ≤ tol.
"""

from __future__ import annotations

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import lax
from jaxtyping import Array, Bool, Complex, Float, Int

import neurosyn as ns

_ALPHAS = 2.0 ** -jnp.arange(10.0)  # Armijo step lengths tried in parallel


def _plastic_term(net: ns.Network, x):
    """A*(x) φ(x) with A* = u vᵀ the rule's rank-one synaptic fixed point for x: u (v·φ)."""
    phi = net.phi(x)
    u, v = net.rule.drive(phi, net.k, net.N)
    return u * jnp.dot(v, phi)


def residual_function(net: ns.Network, J, x, *, plastic: bool = True, A=None):
    """F(x): −x + Jφ + A*(x)φ (plastic joint fixed point) or −x + (J + A)φ (halted at A; A = None means 0)."""
    phi = net.phi(x)
    out = -x + J @ phi
    if plastic:
        out = out + _plastic_term(net, x)
    elif A is not None:
        out = out + A @ phi
    return out


def residual_jacobian(net: ns.Network, J, x, *, plastic: bool = True, A=None):
    """∂F/∂x, analytic: −I + (J + A) diag φ′, plus the Jacobian of the rank-one plastic term A*(x)φ(x)."""
    W = J if (plastic or A is None) else J + A
    M = W * net.phi.prime(x)[None, :] - jnp.eye(net.N, dtype=x.dtype)
    if plastic:
        # A*φ = u (v·φ) with (u, v) = drive(φ): elementwise in φ, so du/dφ, dv/dφ are diagonal (one jvp)
        phi, dphi = net.phi(x), net.phi.prime(x)
        (u, v), (du, dv) = jax.jvp(lambda f: net.rule.drive(f, net.k, net.N), (phi,), (jnp.ones_like(phi),))
        M = M + jnp.dot(v, phi) * jnp.diag(du * dphi) + jnp.outer(u, (dv * phi + v) * dphi)
    return M


def _newton(net, J, A, x0, *, plastic, tol, max_steps):
    """Damped Newton for one initial state. Returns (x, residual, n_iter, status-index)."""
    F = lambda x: residual_function(net, J, x, plastic=plastic, A=A)
    norm = lambda v: jnp.sqrt(jnp.sum(v * v))

    def cond(c):
        x, r, i, finite = c
        return (r > tol) & (i < max_steps) & finite

    def body(c):
        x, r, i, _ = c
        Jac = residual_jacobian(net, J, x, plastic=plastic, A=A)
        dx = jnp.linalg.solve(Jac, -F(x))
        trial = x[None, :] + _ALPHAS[:, None] * dx[None, :]
        rt = jax.vmap(lambda y: norm(F(y)))(trial)
        ok = jnp.isfinite(rt) & (rt <= (1.0 - 1e-4 * _ALPHAS) * r)
        j = jnp.where(jnp.any(ok), jnp.argmax(ok), _ALPHAS.shape[0] - 1)
        x_new = trial[j]
        r_new = rt[j]
        return x_new, r_new, i + 1, jnp.isfinite(r_new) & jnp.all(jnp.isfinite(x_new))

    r0 = norm(F(x0))
    x, r, n, finite = lax.while_loop(cond, body, (x0, r0, jnp.asarray(0), jnp.isfinite(r0)))
    status = ns.Status.where(
        ~finite, ns.Status.nonfinite, ns.Status.where(r <= tol, ns.Status.success, ns.Status.max_steps)
    )
    return x, r, n, status


def _relax(net, J, A, x, *, plastic, n_relax, dt):
    """Euler steps of the A-slaved flow ẋ = F(x): moves a state towards a nearby stable fixed point."""
    step = lambda _, y: y + dt * residual_function(net, J, y, plastic=plastic, A=A)
    return lax.fori_loop(0, n_relax, step, x)


@eqx.filter_jit
def _solve_batch(net, J, A, X0, plastic, tol, max_steps, n_relax, dt_relax):
    def one(x0):
        x0 = _relax(net, J, A, x0, plastic=plastic, n_relax=n_relax, dt=dt_relax)
        return _newton(net, J, A, x0, plastic=plastic, tol=tol, max_steps=max_steps)

    return jax.vmap(one)(X0)


class FixedPoints(eqx.Module):
    """Distinct fixed points found from a batch of initial states, with the evidence for each.

    Attributes:
        x: distinct fixed points [n_fp, N], one per pair ±x (φ odd, A* even: −x* is also a fixed point).
        residual: ‖F(x)‖₂ of each [n_fp]; ≤ tol for every returned point.
        C0: ‖φ(x)‖²/N of each [n_fp].
        stable: linear stability of each [n_fp] (max Re λ < −stability_tol); False where not classified.
        max_real: largest real part of the Jacobian spectrum [n_fp] (M̃ for the plastic network,
            −I + W diag φ′ for a halted one); NaN where not classified.
        eigenvalues: the full spectrum [n_fp, 2N] (plastic) or [n_fp, N] (halted); NaN where not classified.
        multiplicity: number of initial states that reached each pair [n_fp].
        init_status: `Status` of each initial state's solve [n_init]; init_residual, init_n_iter likewise.
        init_index: index in ``x`` of the pair each initial state reached (−1 where it failed) [n_init].
        wall_s: wall time of find + classify.
        plastic: True for joint fixed points, False for a halted network.
    """

    x: Float[Array, "n_fp N"]
    residual: Float[Array, " n_fp"]
    C0: Float[Array, " n_fp"]
    stable: Bool[Array, " n_fp"]
    max_real: Float[Array, " n_fp"]
    eigenvalues: Complex[Array, "n_fp M"]
    multiplicity: Int[Array, " n_fp"]
    init_status: ns.Status
    init_residual: Float[Array, " n_init"]
    init_n_iter: Int[Array, " n_init"]
    init_index: Int[Array, " n_init"]
    wall_s: float = eqx.field(static=True)
    plastic: bool = eqx.field(static=True)

    @property
    def converged(self):
        """Per initial state: True where the solve met the tolerance."""
        return self.init_status == ns.Status.success

    @property
    def n_found(self) -> int:
        """Number of distinct fixed points counting x and −x separately (the trivial x = 0 once)."""
        trivial = (
            np.asarray(jnp.max(jnp.abs(self.x), axis=-1) < 1e-8) if self.x.shape[0] else np.zeros(0, bool)
        )
        return int(2 * np.sum(~trivial) + np.sum(trivial))

    @property
    def n_stable(self) -> int:
        """Number of distinct stable fixed points counting x and −x separately."""
        trivial = (
            np.asarray(jnp.max(jnp.abs(self.x), axis=-1) < 1e-8) if self.x.shape[0] else np.zeros(0, bool)
        )
        st = np.asarray(self.stable)
        return int(2 * np.sum(st & ~trivial) + np.sum(st & trivial))


def deduplicate(X, *, tol: float = 1e-6):
    """Group states equal up to x → −x.

    Returns (representatives [n, N], index of each input row [m], counts [n]).

    Two states are the same when min(‖a − b‖∞, ‖a + b‖∞) ≤ tol·max(1, ‖a‖∞). The representative of a pair is
    the first one met, flipped so that its largest-magnitude component is positive.
    """
    X = np.asarray(X, dtype=np.float64)
    m = X.shape[0]
    index = np.full(m, -1, dtype=np.int64)
    if m == 0:
        return X[:0], index, np.zeros(0, np.int64)
    imax = np.argmax(np.abs(X), axis=1)
    sign = np.where(X[np.arange(m), imax] < 0, -1.0, 1.0)
    C = X * sign[:, None]  # canonical orientation: x and −x map to the same row
    reps: list[np.ndarray] = []
    for i in range(m):
        if reps:
            R = np.stack(reps)
            d = np.minimum(np.max(np.abs(R - C[i]), axis=1), np.max(np.abs(R + C[i]), axis=1))
            j = int(np.argmin(d))
            if d[j] <= tol * max(1.0, float(np.max(np.abs(C[i])))):
                index[i] = j
                continue
        reps.append(C[i])
        index[i] = len(reps) - 1
    counts = np.bincount(index, minlength=len(reps))
    return np.stack(reps), index, counts


def _spectra_at(net, J, X, *, plastic, A):
    """Eigenvalues of the Jacobian that decides stability at each fixed point in X [n, N].

    Plastic: M̃ of Eq. 18 at (x, A*(x)) from `spectra.reduced_jacobian`; halted: −I + (J + A) diag φ′ from
    `spectra.neuronal_jacobian`. Matrices are built by a vmap in chunks of ~2·10⁷ entries.
    """
    import spectra

    N = net.N
    A_ = jnp.zeros((N, N)) if A is None else A
    if plastic:
        build = lambda x: spectra.reduced_jacobian(net, J, ns.fixed_point_state(net, x))
    else:
        build = lambda x: spectra.neuronal_jacobian(net, J, ns.State(x, A_))
    size = (2 * N if plastic else N) ** 2
    chunk = max(1, 20_000_000 // size)
    out = []
    for i in range(0, X.shape[0], chunk):
        M = np.asarray(jax.vmap(build)(X[i : i + chunk]))
        out.append(np.linalg.eigvals(M))
    return np.concatenate(out, axis=0)


def find_fixed_points(
    net: ns.Network,
    J: Float[Array, "N N"],
    x_init: Float[Array, "n N"],
    *,
    tol: float = 1e-10,
    max_steps: int = 100,
    relax: float = 0.0,
    dt_relax: float = 0.2,
    plastic: bool = True,
    A: Float[Array, "N N"] | None = None,
    classify: bool = True,
    stability_tol: float = 1e-9,
    dedup_tol: float = 1e-6,
    throw: bool = True,
) -> FixedPoints:
    """Find fixed points from a batch of initial states, polish them to ‖F‖₂ ≤ tol, deduplicate and classify.

    Args:
        net: `neurosyn.Network`; J: couplings [N, N] (float64); x_init: initial states [n, N] (or [N]).
        tol: target Euclidean residual ‖F(x)‖₂ (float64; 1e-10 by default).
        max_steps: Newton steps per initial state.
        relax: time for which each initial state first follows the A-slaved flow ẋ = F(x) (Euler,
            ``dt_relax``)
            before Newton. Damped Newton from far away often stalls at a local minimum of ‖F‖; a short
            relaxation brings states near stable fixed points, where Newton converges quadratically.
        plastic: True for joint fixed points (A* = kφφᵀ/N); False for a halted network with synapses frozen at
            ``A`` (A = None: the non-plastic network, A = 0).
        classify: compute the Jacobian spectrum of each distinct fixed point (O(N³) each).
        stability_tol: a fixed point is stable when max Re λ < −stability_tol.
        dedup_tol: tolerance of `deduplicate` (x and −x are one pair).
        throw: raise `neurosyn.ConvergenceError` if no initial state converged.
    Returns:
        `FixedPoints`: distinct converged fixed points with residuals, stability, spectra, and
        per-initial-state status, residual and iteration count.
    Equation:
        plastic: x = Jφ(x) + (k‖φ(x)‖²/N) φ(x), stability from eig M̃ (Eq. 18) at (x, kφφᵀ/N);
        halted: x = (J + A)φ(x), stability from eig(−I + (J + A) diag φ′(x)).
    Assumptions:
        float64; the trivial point x = 0 is a fixed point of both problems and is returned if reached.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. VI and Eq. 18.
    """
    t0 = time.perf_counter()
    ns.check_positive("tol", tol, "residual tolerance")
    max_steps = ns.check_int("max_steps", max_steps, "Newton steps per initial state")
    ns.check_positive("dedup_tol", dedup_tol, "deduplication tolerance")
    ns.check_nonnegative("stability_tol", stability_tol, "stability margin")
    if plastic and A is not None:
        raise ValueError("A is only used with plastic=False (a halted network); got plastic=True and an A")
    N = net.N
    J = jnp.asarray(J, jnp.float64)
    X0 = jnp.atleast_2d(jnp.asarray(x_init, jnp.float64))
    if J.shape != (N, N):
        raise ValueError(f"J has shape {J.shape}; expected {(N, N)} for N={N}")
    if X0.ndim != 2 or X0.shape[1] != N:
        raise ValueError(f"x_init has shape {jnp.shape(x_init)}; expected (n, {N}) or ({N},)")
    A_ = None if A is None else jnp.asarray(A, jnp.float64)
    if A_ is not None and A_.shape != (N, N):
        raise ValueError(f"A has shape {A_.shape}; expected {(N, N)}")
    f64 = lambda v: jnp.asarray(v, jnp.float64)
    net = eqx.tree_at(lambda n: (n.g, n.k, n.p), net, (f64(net.g), f64(net.k), f64(net.p)))
    ns.check_nonnegative("relax", relax, "relaxation time before Newton")
    ns.check_positive("dt_relax", dt_relax, "Euler step of the relaxation")
    n_relax = jnp.asarray(int(round(relax / dt_relax)))
    x, r, n_iter, status = _solve_batch(
        net, J, A_, X0, plastic, jnp.asarray(tol), jnp.asarray(max_steps), n_relax, jnp.asarray(dt_relax)
    )
    conv = np.asarray(status == ns.Status.success)
    if throw and not conv.any():
        raise ns.ConvergenceError(
            f"no initial state converged to ‖F‖ ≤ tol={tol} (N={N}, g={float(net.g)}, k={float(net.k)}, "
            f"plastic={plastic}); smallest residual {float(jnp.min(r)):.3g} after max_steps={max_steps}; "
            "try more or better initial states (e.g. `trajectory_states`) or raise max_steps"
        )
    reps, idx, counts = deduplicate(np.asarray(x)[conv], tol=dedup_tol)
    init_index = np.full(X0.shape[0], -1, dtype=np.int64)
    init_index[conv] = idx
    R = jnp.asarray(reps).reshape(-1, N)
    # ‖F(−x)‖ = ‖F(x)‖ (φ odd, A* even), so each pair's residual is that of its first solve; numpy, not eager
    # JAX ops, because n_fp changes from call to call and every new shape would cost a compilation
    first = np.array([np.flatnonzero(init_index == j)[0] for j in range(R.shape[0])], dtype=np.int64)
    res = jnp.asarray(np.asarray(r)[first]) if first.size else jnp.zeros(0)
    n_fp = R.shape[0]
    M = 2 * N if plastic else N
    eigs = np.full((n_fp, M), np.nan + 0j)
    if classify and n_fp:
        eigs = _spectra_at(net, J, R, plastic=plastic, A=A_)
    max_real = np.max(eigs.real, axis=1) if M and n_fp else np.zeros(n_fp)
    return FixedPoints(
        x=R,
        residual=res,
        C0=jnp.asarray(
            np.mean(np.tanh(np.asarray(R)) ** 2, axis=-1)
            if net.phi == ns.tanh
            else np.mean(np.asarray(net.phi(R)) ** 2, axis=-1)
        ),
        stable=jnp.asarray(classify & (max_real < -stability_tol)),
        max_real=jnp.asarray(max_real),
        eigenvalues=jnp.asarray(eigs),
        multiplicity=jnp.asarray(counts),
        init_status=status,
        init_residual=r,
        init_n_iter=n_iter,
        init_index=jnp.asarray(init_index),
        wall_s=time.perf_counter() - t0,
        plastic=plastic,
    )


def random_states(N: int, n: int, *, key, scale: float = 1.0) -> Float[Array, "n N"]:
    """n initial states with x_i i.i.d. N(0, scale²)."""
    N = ns.check_int("N", N, "number of neurons")
    n = ns.check_int("n", n, "number of initial states")
    ns.check_positive("scale", scale, "standard deviation of x")
    return scale * jr.normal(key, (n, N), jnp.float64)


def sign_states(net: ns.Network, J, n: int, *, key, chi: float = 1.5) -> Float[Array, "n N"]:
    """n initial states near sign patterns: x⁰ = χ·σ with σ_i = ±1 at random, then one map step
    x = (J + A*(x⁰)) φ(x⁰), which adds the quenched field (exact at g = 0 when χ = k tanh³χ)."""
    n = ns.check_int("n", n, "number of initial states")
    ns.check_positive("chi", chi, "magnitude of the sign-pattern states")
    sig = jnp.where(jr.bernoulli(key, 0.5, (n, net.N)), 1.0, -1.0)
    X = chi * sig
    J = jnp.asarray(J, jnp.float64)
    return jax.vmap(lambda x: J @ net.phi(x) + _plastic_term(net, x))(X)


def trajectory_states(
    net: ns.Network, J, n: int, *, key, T: float = 200.0, dt: float = 0.1
) -> Float[Array, "n N"]:
    """n states x(t) along one simulated trajectory (`neurosyn.simulate`, A(0) = 0), equally spaced over
    (T/2, T] so that the initial transient is dropped."""
    n = ns.check_int("n", n, "number of initial states")
    ns.check_positive("T", T, "run length")
    g = float(net.g)
    if g == 0.0:
        raise ValueError("trajectory_states needs g > 0 (the simulator rescales J0 = J/g); got g=0.0")
    stride = round((T / 2) / n / dt) * dt
    stride = max(dt, stride)
    T_run = T / 2 + n * stride
    rec = ns.Record(dt=stride, units=tuple(range(net.N)), tau_max=0.0)
    sim = ns.simulate(net, T_run, key=key, dt=dt, record=rec, J0=jnp.asarray(J) / g, t_burn=0.0)
    return sim.x[-n:]
