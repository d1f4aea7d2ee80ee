"""The finite-size simulator: fixed-step RK over (x, A) under `lax.scan`, recording reduced observables.

Peak memory is the state (J, A, x) plus a ring buffer of φ for C(τ); the N×N trajectory of A is never stored.
Long runs loop in Python over jitted segments (one compile per shape) so a progress bar can follow them.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import lax
from jaxtyping import Array, Float

from ._errors import (
    NeurosynWarning,
    WindowWarning,
    _concrete,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from ._field import State, participation_ratio
from ._integrators import check_method, rk_step, stage_offsets
from ._network import Network, sample_J0
from ._observables import tau_star as _tau_star
from ._schedule import Schedule
from ._status import Status

DTYPES = {"float32": jnp.float32, "float64": jnp.float64}
TAU_STAR_TAIL = 0.1  # rms of (C − q)/(C(0) − q) over the last 10 % of lags above which τ* counts as truncated


@dataclasses.dataclass(frozen=True)
class Record:
    """What the simulator records, online.

    Attributes:
        dt: record stride in time units (a multiple of the integration dt). Series and C(τ) live on this grid.
        units: indices of the units whose x is kept as a time series.
        tau_max: largest lag of the population autocorrelation C(τ) of φ.
    """

    dt: float = 0.2
    units: tuple[int, ...] = tuple(range(8))
    tau_max: float = 40.0

    def __post_init__(self):
        check_positive("record.dt", self.dt, "record stride")
        check_nonnegative("record.tau_max", self.tau_max, "largest recorded lag")


class Simulation(eqx.Module):
    """A simulated run. With ``n_networks`` set, every array has a leading batch axis.

    Attributes:
        t: record times [blocks].
        x: x of the recorded units [(batch,) blocks, units].
        x2: population mean of x² at each record time.
        pr_A: participation ratio (tr A)²/‖A‖_F² at each record time.
        xdot_norm: ‖ẋ‖ at each record time.
        lags, C: population autocorrelation C(τ) = ⟨φ_i(t) φ_i(t+τ)⟩ after burn-in.
        var_x: time mean of (1/N) Σ x_i² after burn-in (the variance for a sign-symmetric rule, whose mean
            is 0; the second moment otherwise).
        C0: time mean of (1/N) Σ φ_i² after burn-in; equals C[0].
        phi_mean: time mean of each φ_i after burn-in [(batch,) N], at the record times.
        sign_symmetric: the rule keeps x → −x (`Rule.sign_symmetric`); if not, C(τ) has the plateau `q`.
        n_avg: number of record times averaged (those at t ≥ t_burn).
        state: final (x, A); J: final couplings (after any shuffles).
        status: Status.success, or Status.nonfinite if the state blew up.
    """

    t: Float[Array, " blocks"]
    x: Array
    x2: Array
    pr_A: Array
    xdot_norm: Array
    lags: Float[Array, " lags"]
    C: Array
    var_x: Array
    C0: Array
    state: State
    J: Array
    status: Status
    phi_mean: Array
    N: int = eqx.field(static=True)
    t_burn: float = eqx.field(static=True)
    sign_symmetric: bool = eqx.field(static=True, default=True)
    n_avg: int = eqx.field(static=True, default=0)

    @property
    def converged(self):
        return self.status == Status.success

    @property
    def q(self):
        """Plateau q = lim C(τ) = (1/N) Σ_i ⟨φ_i⟩², for a rule that breaks x → −x; 0 for a sign-symmetric
        rule, where ⟨φ_i⟩ = 0 and a finite-T remainder is noise (as in the DMFT).

        The squared time means m_i of n = `n_avg` records overestimate ⟨φ_i⟩² by their variance,
        (1/n) Σ_{|l|<n} (1 − |l|/n) (C(l) − q), with C − q taken as 0 beyond the lags used, l < L; solving
        for q removes it: q = ((1/N) Σ m_i² − Σ_l w_l C(l)/n) / (1 − Σ_l w_l/n), w_0 = 1, w_l = 2(1 − l/n).
        L is the recorded lag range, capped at n/4 so that the denominator stays above 1/2. Without the
        correction C − q dips by O(4τ*/T) below 0 at large τ (measured: 0.06–0.09 of C(0) − q at N = 1000
        over 250 time units).
        """
        if self.sign_symmetric:
            return jnp.zeros_like(self.C0)
        n = max(1, self.n_avg)
        lag = np.arange(min(self.C.shape[-1], max(1, n // 4)))
        w = np.where(lag == 0, 1.0, 2.0 * (1.0 - lag / n))
        bias = self.C[..., : lag.size] @ jnp.asarray(w, self.C.dtype) / n
        return (jnp.mean(self.phi_mean**2, axis=-1) - bias) / (1.0 - w.sum() / n)

    @property
    def tau_star(self):
        """τ* = ∫₀^∞ ((C(τ) − q)/(C(0) − q))² dτ over the recorded lags (Eq. 9), with q = `q` (0 for a
        sign-symmetric rule), as in the DMFT.

        The integral stops at ``Record.tau_max``. Where the tail of (C − q)/(C(0) − q), its rms over the last
        10 % of the lags (at least two), exceeds 0.1 in any network, the missing part is not negligible: τ* is
        then a lower bound, and a `WindowWarning` says so. The rms, rather than the last lag alone, keeps the
        sampling noise of C at large lags (±0.04 at N = 1000, T = 400) from passing for a truncation.
        """
        C = self.C - jnp.broadcast_to(self.q, self.C.shape[:-1])[..., None]
        if _concrete(C) and C.shape[-1] > 1:  # traced (jit, vmap) or τ_max = 0: no check
            Cn = np.asarray(C)
            tail = Cn[..., max(1, Cn.shape[-1] - max(2, Cn.shape[-1] // 10)) :]  # never lag 0
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.sqrt(np.mean(tail**2, axis=-1)) / np.abs(Cn[..., 0])
            r = r[np.isfinite(r)]
            if r.size and r.max() > TAU_STAR_TAIL:
                lag = float(np.asarray(self.lags).reshape(-1)[-1])
                plateau = "" if self.sign_symmetric else " − q"
                warnings.warn(
                    f"rms (C(τ){plateau})/(C(0){plateau}) = {r.max():.2f} over the last 10 % of the recorded "
                    f"lags, up to τ = {lag:g} (above {TAU_STAR_TAIL}): τ* is truncated there and is a lower "
                    "bound; raise Record.tau_max (a run that settled or froze has no finite τ*)",
                    WindowWarning,
                    stacklevel=3,  # the caller, past equinox's property wrapper
                )
        return _tau_star(C, self.lags)

    def settled(self, tol: float = 1e-6, window: float = 5.0):
        """True where ‖ẋ‖/√N < tol at every record time of the last ``window`` time units."""
        n = max(1, int(round(window / float(self.t[1] - self.t[0]))) if self.t.shape[0] > 1 else 1)
        return jnp.all(self.xdot_norm[..., -n:] / math.sqrt(self.N) < tol, axis=-1)

    def quiescent(self, tol: float = 1e-3):
        """True where the final state has ‖x‖/√N < tol (collapse to the trivial fixed point)."""
        return jnp.sqrt(jnp.mean(self.state.x**2, axis=-1)) < tol

    def t_settle(self, tol: float = 1e-6):
        """First record time after which ‖ẋ‖/√N stays below ``tol`` (NaN if it never does)."""
        below = np.asarray(self.xdot_norm / math.sqrt(self.N) < tol)
        # index of the last record above tol, +1
        rev = np.flip(~below, axis=-1)
        last_above = below.shape[-1] - np.argmax(rev, axis=-1)
        any_above = rev.any(axis=-1)
        idx = np.where(any_above, last_above, 0)
        tt = np.asarray(self.t)
        return np.where(idx < below.shape[-1], tt[np.minimum(idx, below.shape[-1] - 1)], np.nan)


def _init_carry(J0, x0, A0, n_lags, dtype, n_delay=0, phi0=None):
    N = x0.shape[-1]
    # delayed rules: the history before t = 0 is φ(x(0)), held constant (continuous at t = 0)
    extra = dict(phi_hist=jnp.broadcast_to(phi0, (n_delay + 2, N)).astype(dtype)) if n_delay else {}
    return extra | dict(
        x=x0,
        A=A0,
        J=J0,
        hist=jnp.zeros((n_lags, N), dtype),
        C_sum=jnp.zeros(n_lags, dtype),
        C_cnt=jnp.zeros(n_lags, dtype),
        x2_sum=jnp.zeros((), dtype),
        phi_sum=jnp.zeros(N, dtype),
        n_avg=jnp.zeros((), dtype),
        finite=jnp.array(True),
    )


@eqx.filter_jit
def _init(net, key, J0, x0, A0, n_lags, dtype, n_delay, n_networks, axes):
    """The initial carry and the event key of one network, or of ``n_networks`` (vmapped over split keys and
    the batched entries of ``axes``); one compilation per shape instead of many small eager ones."""

    def one(key, J0_, x0_, A0_):
        key_J, key_x0, key_ev = jr.split(key, 3)
        # drawn in float64 and cast, so one key gives the same network in either precision
        J0_ = (sample_J0(key_J, net.N) if J0_ is None else J0_).astype(dtype)
        x0_ = (jr.normal(key_x0, (net.N,)) if x0_ is None else x0_).astype(dtype)
        A0_ = jnp.zeros((net.N, net.N), dtype) if A0_ is None else A0_.astype(dtype)
        return _init_carry(net.g * J0_, x0_, A0_, n_lags, dtype, n_delay, net.phi(x0_)), key_ev

    if n_networks is None:
        return one(key, J0, x0, A0)
    return jax.vmap(one, in_axes=(0, *axes))(jr.split(key, n_networks), J0, x0, A0)


def _segment(net, carry, controls, block0, key, *, n_sub, dt, method, units, b_burn, kicks, shuffles):
    """Advance one network through ``len(controls)`` record blocks of ``n_sub`` RK steps each.

    ``kicks`` and ``shuffles`` (static) say whether the schedule has any `Perturb` or `ShuffleJ`; without
    them the block compiles without the random draws, which dominate its compile time.
    """
    N = net.N
    n_lags = carry["hist"].shape[0]

    def block(c, ctrl):
        b, plastic, clamp, clamp_value, kick, shuffle = ctrl
        kb = jr.fold_in(key, b)
        x, J = c["x"], c["J"]
        if kicks:
            x = x + kick * jr.normal(jr.fold_in(kb, 0), x.shape, x.dtype)
        if shuffles:
            J = lax.cond(
                shuffle,
                lambda J: jr.permutation(jr.fold_in(kb, 1), J.ravel()).reshape(J.shape),
                lambda J: J,
                J,
            )
        x = jnp.where(clamp, clamp_value, x)

        def step(_, xa):
            return rk_step(net, J, *xa, dt, method, plastic, clamp, clamp_value)

        if "phi_hist" in c:  # delayed rule: carry φ at t − (n_d+1)dt … t (see _delayed_step)
            x, A, phist = lax.fori_loop(
                0,
                n_sub,
                lambda _, s: _delayed_step(net, J, *s, dt, method, plastic, clamp, clamp_value),
                (x, c["A"], c["phi_hist"]),
            )
        else:
            x, A = lax.fori_loop(0, n_sub, step, (x, c["A"]))
        phi = net.phi(x)
        xdot = jnp.where(clamp, 0.0, -x + J @ phi + A @ phi)
        x2 = jnp.mean(x**2)
        # online C(τ): ring buffer of φ at the record stride; slot j holds lag (s - j) mod L
        s = b % n_lags
        hist = c["hist"].at[s].set(phi)
        lag = (s - jnp.arange(n_lags)) % n_lags
        use = (b >= b_burn) & (b - lag >= b_burn)
        dots = jnp.where(use, hist @ phi / N, 0.0)
        after = b >= b_burn
        new = ({"phi_hist": phist} if "phi_hist" in c else {}) | dict(
            x=x,
            A=A,
            J=J,
            hist=hist,
            C_sum=c["C_sum"] + dots[lag],  # lag is a permutation: slot (s − l) mod L holds lag l
            C_cnt=c["C_cnt"] + use[lag].astype(dots.dtype),
            x2_sum=c["x2_sum"] + jnp.where(after, x2, 0.0),
            phi_sum=c["phi_sum"] + jnp.where(after, phi, 0.0),
            n_avg=c["n_avg"] + after,
            finite=c["finite"] & jnp.all(jnp.isfinite(x)),
        )
        out = dict(
            x=x[jnp.asarray(units, dtype=int)] if units else x[:0],
            x2=x2,
            pr_A=participation_ratio(A),
            xdot_norm=jnp.linalg.norm(xdot),
        )
        return new, out

    n = controls["plastic"].shape[0]
    xs = (block0 + jnp.arange(n),) + tuple(
        controls[k] for k in ("plastic", "clamp", "clamp_value", "kick", "shuffle")
    )
    return lax.scan(block, carry, xs)


def _delayed_step(net, J, x, A, phist, dt, method, plastic, clamp, clamp_value):
    """One RK step of a delayed rule. ``phist`` [n_d + 2, N] holds φ at t − (n_d+1)dt, …, t with d = n_d·dt.

    Stage offsets 0 and 1 read φ(t − d) and φ(t − d + dt) from the history; offset ½ uses the cubic Lagrange
    midpoint (−φ₋₁ + 9φ₀ + 9φ₁ − φ₂)/16 around t − d, with error O(dt⁴).
    """
    fm1, f0, f1, f2 = (
        phist[0],
        phist[1],
        phist[2],
        phist[3],
    )  # φ at t − d − dt, t − d, t − d + dt, t − d + 2dt
    mid = (-fm1 + 9.0 * f0 + 9.0 * f1 - f2) / 16.0
    delayed = [{0.0: f0, 0.5: mid, 1.0: f1}[c] for c in stage_offsets(method)]
    x_new, A_new = rk_step(net, J, x, A, dt, method, plastic, clamp, clamp_value, phi_delayed=delayed)
    phist = jnp.concatenate([phist[1:], net.phi(x_new)[None]], axis=0)
    return x_new, A_new, phist


@eqx.filter_jit
def _run_segment(net, carry, controls, block0, keys, batched, opts):
    """`_segment` for one network or a vmapped batch; ``opts`` (static) are its keyword options as pairs."""
    f = lambda c, k: _segment(net, c, controls, block0, k, **dict(opts))
    if batched:
        return jax.vmap(f)(carry, keys)
    return f(carry, keys)


def _status_of(finite):
    return Status.where(finite, Status.success, Status.nonfinite)


def simulate(
    net: Network,
    T: float,
    *,
    key,
    dt: float = 0.1,
    method: str = "rk4",
    dtype="float64",
    record: Record = Record(),
    schedule: Schedule | None = None,
    t_burn: float | None = None,
    n_networks: int | None = None,
    x0=None,
    A0=None,
    J0=None,
    segment: float = 50.0,
    progress: bool = False,
) -> Simulation:
    """Simulate the plastic network for time ``T``.

    Args:
        net: `Network` (N, g, k, p, φ, rule).
        T: run length in units of the neuronal time constant.
        key: JAX PRNG key, split once into (J, x0, events); a batch splits it into ``n_networks`` keys.
        dt: integration step; ``record.dt`` must be a multiple of it.
        method: "euler", "heun" or "rk4" (fixed step, joint in (x, A)).
        dtype: "float32" or "float64" (or the jnp dtype).
        record: what to record (`Record`).
        schedule: interventions (`Schedule` of Halt, Release, Perturb, Clamp, ShuffleJ).
        t_burn: time excluded from averages and C(τ); default min(max(200, 50 p), T/2).
        n_networks: if set, simulate that many independent networks through `vmap`.
        x0, A0: initial state; default x_i ~ N(0, 1), A = 0. J0: unit-variance disorder (J = g·J0);
            default drawn from the key. With a batch, each may carry a leading batch axis or be shared.
        segment: time per jitted segment (progress granularity).
        progress: show a tqdm bar on stderr.
    Returns:
        `Simulation` with the recorded series, C(τ), var_x, C0, φ's time means (and the plateau `q`), τ*,
        the final state and a status.
    Equation:
        ẋ = −x + (J + A) φ(x),   p Ȧ = −A + (k/N) φ φᵀ   (Clark & Abbott 2024, Eqs. 1–3).
    """
    method = check_method(method)
    if not isinstance(dtype, str):
        dtype = jnp.dtype(dtype).name
    dtype = check_choice("dtype", dtype, DTYPES)
    check_positive("T", T, "run length")
    check_positive("dt", dt, "integration step")
    n_sub = int(round(record.dt / dt))
    if n_sub < 1 or abs(n_sub * dt - record.dt) > 1e-9 * record.dt:
        raise ValueError(f"record.dt={record.dt} must be a positive multiple of dt={dt}")
    n_blocks = int(round(T / record.dt))
    if n_blocks < 1:
        raise ValueError(f"T={T} must be at least one record stride record.dt={record.dt}")
    if t_burn is None:
        t_burn = min(max(200.0, 50.0 * float(jnp.mean(net.p))), T / 2)  # mean p_ij for per-synapse p
    check_nonnegative("t_burn", t_burn, "burn-in time")
    if t_burn >= T:
        raise ValueError(f"t_burn={t_burn} must be < T={T}; lower t_burn or run longer")
    for u in record.units:
        if not 0 <= u < net.N:
            raise ValueError(f"record.units contains {u}, valid range [0, N-1] = [0, {net.N - 1}]")
    batched = n_networks is not None
    if batched:
        n_networks = check_int("n_networks", n_networks, "number of independent networks")
    n_lags = int(round(record.tau_max / record.dt)) + 1
    # block b is recorded at time (b + 1)·record.dt; average the records at times ≥ t_burn
    b_burn = max(0, int(math.ceil(t_burn / record.dt - 1e-9)) - 1)

    n_delay = 0
    if net.rule.delay() > 0:  # delayed rule: d = n_delay·dt, n_delay ≥ 2 (for the RK midpoint interpolation)
        n_delay = int(round(net.rule.delay() / dt))
        if n_delay < 2 or abs(n_delay * dt - net.rule.delay()) > 1e-9 * net.rule.delay():
            raise ValueError(
                f"the rule's delay d={net.rule.delay()} must be a multiple of dt={dt} with d >= 2*dt; "
                "lower dt"
            )
    net_d = eqx.tree_at(
        lambda n: (n.g, n.k, n.p), net, tuple(jnp.asarray(v, dtype) for v in (net.g, net.k, net.p))
    )

    given = [None if a is None else jnp.asarray(a) for a in (J0, x0, A0)]
    for name, a, nd in zip(("J0", "x0", "A0"), given, (2, 1, 2), strict=True):
        if a is not None and (a.ndim not in (nd, nd + batched) or a.shape[-1] != net.N):
            raise ValueError(
                f"{name} has shape {a.shape}; expected {(net.N,) * nd} (or with a leading batch axis)"
            )
    axes = tuple(None if a is None or a.ndim == nd else 0 for a, nd in zip(given, (2, 1, 2), strict=True))
    carry, ev_keys = _init(net_d, key, *given, n_lags, dtype, n_delay, n_networks if batched else None, axes)

    ctrl_all = (schedule or Schedule()).controls(n_blocks, record.dt)
    seg_blocks = max(1, int(round(segment / record.dt)))
    opts = dict(n_sub=n_sub, dt=dt, method=method, units=tuple(int(u) for u in record.units), b_burn=b_burn)
    opts |= dict(kicks=bool(ctrl_all["kick"].any()), shuffles=bool(ctrl_all["shuffle"].any()))
    opts = tuple(opts.items())
    outs = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=float(T), unit="τ", desc=f"simulate N={net.N}", leave=False)
    for start in range(0, n_blocks, seg_blocks):
        stop = min(start + seg_blocks, n_blocks)
        ctrl = {
            k: jnp.asarray(v[start:stop], dtype if v.dtype.kind == "f" else v.dtype)
            for k, v in ctrl_all.items()
        }
        carry, out = _run_segment(net_d, carry, ctrl, jnp.asarray(start), ev_keys, batched, opts)
        outs.append(out)
        if bar is not None:
            jax.block_until_ready(carry["x"])
            bar.update((stop - start) * record.dt)
    if bar is not None:
        bar.close()
    ax = 1 if batched else 0
    series = {k: jnp.concatenate([o[k] for o in outs], axis=ax) for k in outs[0]}
    C = carry["C_sum"] / jnp.maximum(carry["C_cnt"], 1.0)
    status = (jax.vmap(_status_of) if batched else _status_of)(carry["finite"])
    if not bool(jnp.all(carry["finite"])):
        warnings.warn("the simulated state became non-finite; reduce dt", NeurosynWarning, stacklevel=2)
    return Simulation(
        t=(jnp.arange(n_blocks) + 1) * record.dt,
        x=series["x"],
        x2=series["x2"],
        pr_A=series["pr_A"],
        xdot_norm=series["xdot_norm"],
        lags=jnp.arange(n_lags) * record.dt,
        C=C,
        var_x=carry["x2_sum"] / carry["n_avg"],
        C0=C[..., 0],
        phi_mean=carry["phi_sum"] / carry["n_avg"][..., None],
        state=State(carry["x"], carry["A"]),
        J=carry["J"],
        status=status,
        N=net.N,
        t_burn=float(t_burn),
        sign_symmetric=net.rule.sign_symmetric(),
        n_avg=n_blocks - b_burn,
    )


def deform(
    net: Network,
    *,
    key,
    g_start: float = 1.4,
    g_step: float = 0.05,
    t_step: float = 60.0,
    dt: float = 0.1,
    method: str = "rk4",
    dtype="float64",
    n_networks: int | None = None,
):
    """Prepare a dynamic state at the target g by deformation (annealing) from a chaotic g_start > 1.

    One J0 realisation is kept and rescaled; g is lowered in steps of ``g_step``, running ``t_step`` at each
    (model.md §1.5). Returns ``(state, J0)``, to be passed on as
    ``simulate(..., x0=state.x, A0=state.A, J0=J0)``.
    If the target g ≥ g_start, the state is simply the end of one run at the target.
    """
    check_positive("g_step", g_step, "deformation step in g")
    check_positive("t_step", t_step, "time per deformation step")
    key_J, key_run = jr.split(key)
    dt_name = dtype if isinstance(dtype, str) else jnp.dtype(dtype).name
    shape = (n_networks, net.N, net.N) if n_networks else (net.N, net.N)
    J0 = jr.normal(key_J, shape, DTYPES[dt_name]) / jnp.sqrt(net.N)
    target = float(net.g)
    gs = list(np.arange(max(g_start, target), target, -g_step)) + [target]
    state = None
    rec = Record(dt=dt, units=(), tau_max=0.0)
    for i, g in enumerate(gs):
        step_net = eqx.tree_at(lambda n: n.g, net, jnp.asarray(g))
        sim = simulate(
            step_net,
            t_step,
            key=jr.fold_in(key_run, i),
            dt=dt,
            method=method,
            dtype=dtype,
            record=rec,
            t_burn=0.0,
            n_networks=n_networks,
            J0=J0,
            x0=None if state is None else state.x,
            A0=None if state is None else state.A,
        )
        state = sim.state
    return state, J0
