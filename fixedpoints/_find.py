"""Find, polish, deduplicate and classify finite-N fixed points (Clark & Abbott 2024, Sec. VI; §7.1–7.2).

Joint fixed points (plastic network): A* = (k/N) φ(x*) φ(x*)ᵀ, so x* solves the N-dimensional equation
    F(x) = −x + J φ(x) + (k ‖φ(x)‖² / N) φ(x) = 0,
stability from the reduced Jacobian M̃ (Eq. 18) at (x*, A*). Halted network (A frozen at a given A):
    F(x) = −x + (J + A) φ(x) = 0,   stability from −I + (J + A) diag φ′(x).
The non-plastic network is the halted one with A = 0 (or k = 0).

The solver is Newton's method with the analytic N×N Jacobian (one LU per step, then up to three chord steps
that reuse it), vmapped over the initial states that are still working: converged or stalled states leave
the batch, so the cost follows the hard cases only. Each Newton step takes the first of the step lengths 1,
½, …, 2⁻⁹ that passes the Armijo test on ‖F‖; where none does, the state switches to Levenberg–Marquardt
steps (MᵀM + μI) dx = −MᵀF until the damping has fallen back, and is given up when μ explodes (a local
minimum of ‖F‖ that is not a root) or ‖F‖ has not halved in 20 rounds. The iteration stops at ‖F(x)‖₂ ≤ tol.

Seeds matter more than the solver: random states are usually in the basin of unstable fixed points, and
the joint dynamics reaches stable ones only after a transient that grows with N. `self_coupled_states` runs
a cheap surrogate flow with the same fixed points, which freezes within a few hundred time units.
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
_N_CHORD = 3  # chord steps (reusing the LU) after each Newton step
_LM_MIN, _LM_MAX = 1e-7, 1e6  # Levenberg–Marquardt damping factor: back to Newton below, stalled above
_PATIENCE = 20  # Newton/LM rounds without a halving of ‖F‖ after which a state is given up


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


def _norm(v):
    return jnp.sqrt(jnp.sum(v * v, axis=-1))


@eqx.filter_jit
def _newton_step(net, J, A, X, R, plastic):
    """One Newton step per row of X [b, N] (residual norms R [b]), then up to _N_CHORD chord steps.

    The Newton step takes the first of the step lengths 1, ½, …, 2⁻⁹ that passes the Armijo test on ‖F‖;
    if none does, x is left unchanged and ``accepted`` is False (the caller switches to Levenberg–Marquardt).
    Chord steps reuse the LU factors and are kept only while each at least halves ‖F‖ (O(N²) each).
    """
    F = lambda x: residual_function(net, J, x, plastic=plastic, A=A)

    def one(x, r):
        lu = jax.scipy.linalg.lu_factor(residual_jacobian(net, J, x, plastic=plastic, A=A))
        dx = jax.scipy.linalg.lu_solve(lu, -F(x))
        trial = x[None, :] + _ALPHAS[:, None] * dx[None, :]
        rt = _norm(jax.vmap(F)(trial))
        ok = jnp.isfinite(rt) & (rt <= (1.0 - 1e-4 * _ALPHAS) * r)
        accepted = jnp.any(ok)
        j = jnp.argmax(ok)
        x, r = jnp.where(accepted, trial[j], x), jnp.where(accepted, rt[j], r)

        def chord(c, _):
            x, r, go = c
            y = x + jax.scipy.linalg.lu_solve(lu, -F(x))
            ry = _norm(F(y))
            take = go & accepted & jnp.isfinite(ry) & (ry <= 0.5 * r)
            return (jnp.where(take, y, x), jnp.where(take, ry, r), take), None

        (x, r, _), _ = lax.scan(chord, (x, r, jnp.asarray(True)), None, length=_N_CHORD)
        return x, r, accepted

    return jax.vmap(one)(X, R)


@eqx.filter_jit
def _lm_step(net, J, A, X, R, lam, plastic):
    """One Levenberg–Marquardt step per row: (MᵀM + μI) dx = −MᵀF with μ = lam·tr(MᵀM)/N, M = ∂F/∂x.

    Accepted (and lam divided by 3) when ‖F‖ decreases; otherwise x is kept and lam multiplied by 4.
    """
    F = lambda x: residual_function(net, J, x, plastic=plastic, A=A)

    def one(x, r, lam):
        M = residual_jacobian(net, J, x, plastic=plastic, A=A)
        Fx = F(x)
        H = M.T @ M
        mu = lam * jnp.trace(H) / x.shape[0]
        dx = jax.scipy.linalg.cho_solve(
            jax.scipy.linalg.cho_factor(H + mu * jnp.eye(x.shape[0], dtype=x.dtype)), -(M.T @ Fx)
        )
        y = x + dx
        ry = _norm(F(y))
        ok = jnp.isfinite(ry) & (ry < r)
        return jnp.where(ok, y, x), jnp.where(ok, ry, r), jnp.where(ok, lam / 3.0, lam * 4.0)

    return jax.vmap(one)(X, R, lam)


@eqx.filter_jit
def _residual_norms(net, J, A, X, plastic):
    return _norm(jax.vmap(lambda x: residual_function(net, J, x, plastic=plastic, A=A))(X))


@eqx.filter_jit
def _relax(net, J, A, X, n_relax, dt, plastic):
    """Euler steps of the A-slaved flow ẋ = F(x): moves states towards nearby stable fixed points."""
    step = lambda _, Y: Y + dt * jax.vmap(lambda y: residual_function(net, J, y, plastic=plastic, A=A))(Y)
    return lax.fori_loop(0, n_relax, step, X)


def _bucket(m: int, n: int, N: int) -> int:
    """Padded batch size for m active rows out of n: the next power of four (≤ n), so few shapes compile.

    For N ≤ 128 a step costs less than a compilation, so the whole batch keeps one shape.
    """
    if N <= 128:
        return n
    b = 1
    while b < m:
        b *= 4
    return min(n, b)


def _solve(net, J, A, X0, *, plastic, tol, max_steps):
    """Newton (with chord steps) and a Levenberg–Marquardt fallback, over an active set of initial states.

    Converged, stalled and non-finite states leave the batch, so the cost follows the states still working.
    Returns numpy (x [n, N], ‖F‖ [n], Newton/LM steps [n], status index [n]).
    """
    n = X0.shape[0]
    X = np.array(X0)
    R = np.asarray(_residual_norms(net, J, A, X0, plastic)).copy()
    n_iter = np.zeros(n, np.int64)
    lam = np.zeros(n)  # 0: Newton mode; > 0: LM damping factor
    stalled = np.zeros(n, bool)
    history = [R.copy()]  # residual norms after each round, for the progress test
    while True:
        finite = np.isfinite(R) & np.all(np.isfinite(X), axis=1)
        active = finite & (R > tol) & (n_iter < max_steps) & ~stalled
        if not active.any():
            break
        for mode in ("newton", "lm"):
            idx = np.flatnonzero(active & ((lam == 0) if mode == "newton" else (lam > 0)))
            if idx.size == 0:
                continue
            b = _bucket(idx.size, n, X.shape[1])
            pad = np.concatenate([idx, np.full(b - idx.size, idx[0])])
            Xb, Rb = jnp.asarray(X[pad]), jnp.asarray(R[pad])
            if mode == "newton":
                Xn, Rn, acc = _newton_step(net, J, A, Xb, Rb, plastic)
                acc = np.asarray(acc)[: idx.size]
                lam[idx[~acc]] = 1e-3  # Armijo failed: switch to Levenberg–Marquardt
            else:
                Xn, Rn, ln = _lm_step(net, J, A, Xb, Rb, jnp.asarray(lam[pad]), plastic)
                ln = np.asarray(ln)[: idx.size]
                lam[idx] = np.where(ln < _LM_MIN, 0.0, ln)  # well inside the Newton region: back to Newton
                stalled[idx] = ln > _LM_MAX  # a local minimum of ‖F‖ that is not a root
            X[idx] = np.asarray(Xn)[: idx.size]
            R[idx] = np.asarray(Rn)[: idx.size]
            n_iter[idx] += 1
        history.append(R.copy())
        if len(history) > _PATIENCE:  # no halving of ‖F‖ in _PATIENCE rounds: far from any root, give up
            stalled |= active & (R > 0.5 * history[-1 - _PATIENCE])
    finite = np.isfinite(R) & np.all(np.isfinite(X), axis=1)
    status = np.where(~finite, 2, np.where(R <= tol, 0, 1))  # success, max_steps (or stalled), nonfinite
    return X, R, n_iter, status


_STATUS = (ns.Status.success, ns.Status.max_steps, ns.Status.nonfinite)


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
    n_relax = int(round(relax / dt_relax))
    if n_relax:
        X0 = _relax(net, J, A_, X0, jnp.asarray(n_relax), jnp.asarray(dt_relax, jnp.float64), plastic)
    x, r, n_iter, code = _solve(net, J, A_, X0, plastic=plastic, tol=tol, max_steps=max_steps)
    where = jax.vmap(lambda c: ns.Status.where(c == 2, _STATUS[2], ns.Status.where(c == 0, *_STATUS[:2])))
    status = where(jnp.asarray(code))
    r, n_iter = jnp.asarray(r), jnp.asarray(n_iter)
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


def self_coupled_states(
    net: ns.Network,
    J,
    n: int,
    *,
    key,
    T: float = 2000.0,
    tau_s: float | tuple[float, ...] = (10.0, 100.0),
    dt: float = 0.2,
    scale: float = 2.0,
) -> Float[Array, "n N"]:
    """n seeds for Newton from a surrogate flow whose fixed points are exactly the joint fixed points.

    The rank-one synaptic fixed point A*(x)φ = u (v·φ), (u, v) = rule.drive(φ) (for the Hebbian rule
    kC0·φ, a self-coupling s = kC0 shared by all units), is replaced by u·c with a slow scalar memory c:
        ẋ = −x + Jφ(x) + u(φ) c,     τ_s ċ = v(φ)·φ − c,
    integrated by Euler (``dt``) for time T from x(0) ~ N(0, scale²) and c(0) = v(φ₁)·φ₁ at the saturated
    state φ₁ = φ(3 sign x(0)) (for the Hebbian rule s(0) ≈ k, an upper bound of kC0). A tuple ``tau_s`` is
    cycled over the states: a short memory freezes chaotic states fastest at g > 1; a long one keeps
    states from collapsing to x = 0 at g < 1, where the trivial fixed point is stable.
    Where ẋ = 0 and ċ = 0, c = v·φ and x solves the joint fixed-point equation F(x) = 0 exactly.

    Why: the joint dynamics settles only after a transient whose length grows with N, and the A-slaved flow
    ẋ = F(x) (c following v·φ instantly) stays chaotic at moderate k, because chaos keeps C0 and so s = kC0
    low. Holding the self-coupling near its fixed-point value for a time τ_s lets each unit lock onto a
    branch of x = η + s tanh x (the Stern single site, model.md §7.3), and the states freeze.
    The end states are seeds, not results: pass them to `find_fixed_points`, which polishes and classifies.
    """
    n = ns.check_int("n", n, "number of initial states")
    ns.check_positive("T", T, "run length of the surrogate flow")
    taus = tuple(float(t) for t in np.atleast_1d(tau_s))
    for t in taus:
        ns.check_positive("tau_s", t, "memory time of the self-coupling")
    ns.check_positive("dt", dt, "Euler step")
    ns.check_positive("scale", scale, "standard deviation of x(0)")
    if dt >= 1.0 or dt >= min(taus):
        raise ValueError(f"dt={dt} must be below 1 and below tau_s={tau_s} for the Euler flow to be stable")
    J = jnp.asarray(J, jnp.float64)
    if J.shape != (net.N, net.N):
        raise ValueError(f"J has shape {J.shape}; expected {(net.N, net.N)} for N={net.N}")
    X0 = scale * jr.normal(key, (n, net.N), jnp.float64)
    f64 = lambda v: jnp.asarray(v, jnp.float64)
    net = eqx.tree_at(lambda m: (m.g, m.k, m.p), net, (f64(net.g), f64(net.k), f64(net.p)))
    tau = jnp.asarray([taus[i % len(taus)] for i in range(n)], jnp.float64)
    return _self_coupled_flow(net, J, X0, int(round(T / dt)), f64(dt), tau)


@eqx.filter_jit
def _self_coupled_flow(net, J, X0, n_steps, dt, tau_s):
    def drive(x):
        phi = net.phi(x)
        u, v = net.rule.drive(phi, net.k, net.N)
        return phi, u, jnp.dot(v, phi)

    sat = jax.vmap(lambda x: drive(3.0 * jnp.sign(x))[2])(X0)

    def step(_, c):
        X, s = c
        phi, u, target = jax.vmap(drive)(X)
        X = X + dt * (-X + phi @ J.T + u * s[:, None])
        return X, s + (dt / tau_s) * (target - s)  # tau_s [n]: one memory time per state

    return lax.fori_loop(0, n_steps, step, (X0, sat))[0]
