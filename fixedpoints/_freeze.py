"""Freezable chaos in simulation: halt plasticity, measure the memory of the halt-time state, classify.

Protocol (Clark & Abbott 2024, Sec. VII; model.md §8.1–8.2). Network A runs the joint neuron–synapse dynamics;
network B starts from A's state at the halt with A frozen, W = J + A(0). Both share J and the halt-time
    state, so
A's continuation and B are two `simulate` calls from the same (x, A, J).

Order parameters (Eqs. 28–30, 35), as population averages over the N units:
    Q(t) = (1/N) Σ_i φ^A_i(t) φ̄^B_i,   φ̄^B the time mean of φ(x^B) over B's late window,
    D(τ) = (1/N) Σ_i ⟨φ^B_i(s) φ^B_i(s+τ)⟩_s on the late window,   ρ(t) = Q(t)/√(D(0) C(0)),
    r² = g² (1/N) Σ_i φ′(x^B_i)² at B's final state (the bulk radius of −1 + W diag φ′ at a fixed point).

Classification of one seed (thresholds documented in `freeze_test`):
    memory kept  ⇔  √N·|ρ(0)| > c_memory   (finite networks keep a static, time-averaged pattern whose
                    overlap with the halt state is O(1/√N) even at k = 0, so the threshold scales as 1/√N);
    settled      ⇔  ‖ẋ^B‖/√N < tol_settle over the last `t_settle` time units;
    freezable = memory and settled;  semifreezable = memory, not settled;  nonfreezable = no memory.
"""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Bool, Float, Int

import neurosyn as ns

PHASES = ("nonfreezable", "semifreezable", "freezable")


class FreezeTest(eqx.Module):
    """Outcome of the halting test on a batch of independent networks (leading axis: seeds).

    Attributes:
        t: A's time relative to the halt [lags]; Q, rho: Q(t), ρ(t) per seed [seeds, lags].
        Q0, rho0: Q(0), ρ(0) per seed. z0: √N·cos(φ^A(0), φ̄^B) (≈ N(0, 1) for independent patterns).
        C0: A's ⟨φ²⟩ over the window around the halt; D0 = D(0); lags_D, D: B's late autocovariance D(τ).
        r: g·√⟨φ′(x^B)²⟩ at B's final state. residual: B's final ‖ẋ‖/√N (max over the settling window).
        settled: B reached a fixed point; phase: 0 nonfreezable, 1 semifreezable, 2 freezable (see `PHASES`).
        status: per-seed `Status` (nonfinite if a run blew up). wall_s: wall time of the whole test.
    """

    t: Float[Array, " lags"]
    Q: Float[Array, "seeds lags"]
    rho: Float[Array, "seeds lags"]
    Q0: Float[Array, " seeds"]
    rho0: Float[Array, " seeds"]
    z0: Float[Array, " seeds"]
    C0: Float[Array, " seeds"]
    D0: Float[Array, " seeds"]
    lags_D: Float[Array, " lagsD"]
    D: Float[Array, "seeds lagsD"]
    r: Float[Array, " seeds"]
    residual: Float[Array, " seeds"]
    settled: Bool[Array, " seeds"]
    phase: Int[Array, " seeds"]
    status: ns.Status
    wall_s: float
    N: int = eqx.field(static=True)
    c_memory: float = eqx.field(static=True)
    tol_settle: float = eqx.field(static=True)

    @property
    def converged(self):
        return self.status == ns.Status.success

    @property
    def fractions(self) -> dict[str, float]:
        """Fraction of seeds in each phase, {"nonfreezable": ..., "semifreezable": ..., "freezable": ...}."""
        ph = np.asarray(self.phase)
        return {name: float(np.mean(ph == i)) for i, name in enumerate(PHASES)}

    @property
    def majority(self) -> str:
        """The most frequent phase over the seeds (ties go to the less frozen phase)."""
        f = self.fractions
        return max(PHASES, key=lambda name: (f[name], -PHASES.index(name)))


def _check_common(net, dt, record_dt, t_prep, n_networks):
    if not isinstance(net, ns.Network):
        raise ValueError(f"net must be a neurosyn.Network, got {type(net).__name__}")
    ns.check_positive("dt", dt, "integration step")
    ns.check_positive("record_dt", record_dt, "record stride")
    ns.check_nonnegative("t_prep", t_prep, "preparation (burn-in) time before the protocol")
    return ns.check_int("n_networks", n_networks, "number of independent networks (seeds)")


def _prepare(net, *, key, t_prep, n, dt, method, record_dt):
    """Draw J0 and x0 for ``n`` networks and run the plastic dynamics for ``t_prep``; return (J0, state)."""
    key_J, key_x0, key_run = jr.split(key, 3)
    J0 = jax.vmap(lambda k: ns.sample_J0(k, net.N))(jr.split(key_J, n))
    x0 = jr.normal(key_x0, (n, net.N))
    A0 = jnp.zeros((n, net.N, net.N))
    if t_prep <= 0:
        return J0, ns.State(x0, A0)
    rec = ns.Record(dt=record_dt, units=(), tau_max=0.0)
    sim = ns.simulate(
        net,
        t_prep,
        key=key_run,
        dt=dt,
        method=method,
        record=rec,
        t_burn=0.0,
        n_networks=n,
        J0=J0,
        x0=x0,
        A0=A0,
    )
    return J0, sim.state


def freeze_test(
    net: ns.Network,
    *,
    key,
    n_networks: int = 8,
    t_prep: float = 300.0,
    t_window: float = 40.0,
    t_after: float = 200.0,
    t_avg: float = 80.0,
    dt: float = 0.1,
    record_dt: float = 0.5,
    method: str = "rk4",
    c_memory: float = 3.0,
    tol_settle: float = 1e-3,
    t_settle: float = 10.0,
    halt: bool = True,
) -> FreezeTest:
    """Halt plasticity in ``n_networks`` chaotic networks and classify each as non-, semi- or freezable.

    Args:
        net: `Network` with k > 0 for a meaningful test (k = 0: halting changes nothing).
        key: JAX key, split into (J, x0, runs); networks are a `vmap` over seeds.
        t_prep: plastic burn-in before the halt (default 300 ≥ 50p for p ≤ 6).
        t_window: Q(t) is measured for A's times t ∈ (−t_window, t_window] around the halt.
        t_after: how long the halted network B runs; statistics of B use its last ``t_avg``.
        dt, record_dt, method: integration step, record stride (the grid of Q(t) and D(τ)) and RK scheme.
        c_memory: memory is kept if √N·|ρ(0)| > c_memory. Without memory ρ(0) is a finite-size overlap: at
            k = 0, g = 2.25 we measured |ρ(0)| ≤ 0.12 at N = 500 (the static, time-averaged part of a finite
            chaotic network), below 3/√500 = 0.134. The threshold shrinks like 1/√N, as the N → ∞ phases
            require; |ρ| because −Q is also a solution (occasional sign flips near the onset).
        tol_settle: B has reached a fixed point if ‖ẋ^B‖/√N < tol_settle at every record of the last
            ``t_settle`` (an intensive criterion, independent of N; chaotic B has ‖ẋ‖/√N of order 0.1–1).
        halt: False runs the control: "B" keeps its plasticity, so every measurement is of the unhalted
            network
            (at k = 0 the two are identical, since A ≡ 0).
    Returns:
        `FreezeTest` with Q(t), ρ(t), D(τ), r, z0, the per-seed phase and `fractions`.
    Equation:
        B: ẋ = −x + (J + A(0)) φ(x); Q(t) = ⟨φ^A(t) φ^B(∞)⟩, D(τ), ρ = Q/√(D(0)C(0)), r² = g²⟨φ′(x^B)²⟩.
    Assumptions:
        A is in its chaotic steady state after ``t_prep``; B's late window is stationary.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. VII, Eqs. 27–30, 35.
    """
    n = _check_common(net, dt, record_dt, t_prep, n_networks)
    for name, v, what in (
        ("t_window", t_window, "half-width of the Q(t) window"),
        ("t_after", t_after, "run time of the halted network"),
        ("t_avg", t_avg, "averaging window of the halted network"),
        ("c_memory", c_memory, "memory threshold on √N·|ρ(0)|"),
        ("tol_settle", tol_settle, "fixed-point threshold on ‖ẋ‖/√N"),
        ("t_settle", t_settle, "settling window"),
    ):
        ns.check_positive(name, v, what)
    if not t_avg < t_after:
        raise ValueError(f"t_avg (averaging window) must be < t_after={t_after}, got t_avg={t_avg}")
    if not t_settle <= t_avg:
        raise ValueError(f"t_settle (settling window) must be <= t_avg={t_avg}, got t_settle={t_settle}")
    t0 = time.perf_counter()
    N = net.N
    key_prep, key_a, key_b = jr.split(key, 3)
    J0, state = _prepare(
        net, key=key_prep, t_prep=max(t_prep - t_window, 0.0), n=n, dt=dt, method=method, record_dt=record_dt
    )
    all_units = ns.Record(dt=record_dt, units=tuple(range(N)), tau_max=0.0)
    common = dict(dt=dt, method=method, t_burn=0.0, n_networks=n, J0=J0)
    # A before the halt (records end exactly at the halt) and after it: one continuous trajectory.
    pre = ns.simulate(
        net, t_window, key=jr.fold_in(key_a, 0), record=all_units, x0=state.x, A0=state.A, **common
    )
    halt = pre.state
    post = ns.simulate(
        net, t_window, key=jr.fold_in(key_a, 1), record=all_units, x0=halt.x, A0=halt.A, **common
    )
    # B: the same state and J with A frozen from t = 0.
    frozen = ns.Schedule((ns.Halt(0.0),) if halt else ())
    rec0 = ns.Record(dt=record_dt, units=(), tau_max=0.0)
    b1 = ns.simulate(
        net,
        t_after - t_avg,
        key=jr.fold_in(key_b, 0),
        record=rec0,
        schedule=frozen,
        x0=halt.x,
        A0=halt.A,
        **common,
    )
    recB = ns.Record(dt=record_dt, units=tuple(range(N)), tau_max=min(t_avg / 2, 40.0))
    b2 = ns.simulate(
        net,
        t_avg,
        key=jr.fold_in(key_b, 1),
        record=recB,
        schedule=frozen,
        x0=b1.state.x,
        A0=b1.state.A,
        **common,
    )
    phiA = net.phi(jnp.concatenate([pre.x, post.x], axis=1))  # [seeds, 2w, N]
    n_w = pre.x.shape[1]
    t = (jnp.arange(2 * n_w) - (n_w - 1)) * record_dt
    phiB_mean = jnp.mean(net.phi(b2.x), axis=1)  # [seeds, N]
    Q = jnp.einsum("stn,sn->st", phiA, phiB_mean) / N
    C0 = jnp.mean(phiA**2, axis=(1, 2))
    D0 = b2.C0
    rho = Q / jnp.sqrt(D0 * C0)[:, None]
    Q0 = Q[:, n_w - 1]
    phiA0 = phiA[:, n_w - 1]
    cos0 = Q0 * N / (jnp.linalg.norm(phiA0, axis=1) * jnp.linalg.norm(phiB_mean, axis=1))
    z0 = math.sqrt(N) * cos0
    xB = b2.state.x
    r = net.g * jnp.sqrt(jnp.mean(net.phi.prime(xB) ** 2, axis=1))
    n_set = max(1, int(round(t_settle / record_dt)))
    residual = jnp.max(b2.xdot_norm[:, -n_set:], axis=1) / math.sqrt(N)
    settled = residual < tol_settle
    memory = jnp.abs(rho[:, n_w - 1]) * math.sqrt(N) > c_memory
    phase = jnp.where(memory, jnp.where(settled, 2, 1), 0)
    finite = pre.converged & post.converged & b1.converged & b2.converged
    status = jax.vmap(lambda f: ns.Status.where(f, ns.Status.success, ns.Status.nonfinite))(finite)
    return FreezeTest(
        t=t,
        Q=Q,
        rho=rho,
        Q0=Q0,
        rho0=rho[:, n_w - 1],
        z0=z0,
        C0=C0,
        D0=D0,
        lags_D=b2.lags,
        D=b2.C,
        r=r,
        residual=residual,
        settled=settled,
        phase=phase,
        status=status,
        wall_s=time.perf_counter() - t0,
        N=N,
        c_memory=float(c_memory),
        tol_settle=float(tol_settle),
    )


class ProtocolTraces(eqx.Module):
    """Traces of a halt/release protocol for plotting (Fig. 7a–b), one network.

    Attributes:
        t: record times [blocks], counted from the end of the preparation.
        x: x of the recorded units [blocks, units]; xdot_norm: ‖ẋ‖/√N; pr_A: participation ratio of A.
        t_halts: the halt times; overlap: cosine between φ(t) and φ at each halt [halts, blocks].
        events: the schedule that was run. status: `Status`.
    """

    t: Float[Array, " blocks"]
    x: Float[Array, "blocks units"]
    xdot_norm: Float[Array, " blocks"]
    pr_A: Float[Array, " blocks"]
    t_halts: Float[Array, " halts"]
    overlap: Float[Array, "halts blocks"]
    status: ns.Status
    events: tuple = eqx.field(static=True)

    @property
    def converged(self):
        return self.status == ns.Status.success


def _run_protocol(net, events, T, *, key, t_prep, dt, record_dt, method, units) -> ProtocolTraces:
    _check_common(net, dt, record_dt, t_prep, 1)
    ns.check_positive("T", T, "protocol length")
    for u in units:
        if not 0 <= u < net.N:
            raise ValueError(f"units contains {u}, valid range [0, N-1] = [0, {net.N - 1}]")
    key_prep, key_run = jr.split(key)
    J0, state = _prepare(net, key=key_prep, t_prep=t_prep, n=1, dt=dt, method=method, record_dt=record_dt)
    rec = ns.Record(dt=record_dt, units=tuple(range(net.N)), tau_max=0.0)
    sim = ns.simulate(
        net,
        T,
        key=key_run,
        dt=dt,
        method=method,
        record=rec,
        schedule=ns.Schedule(events),
        t_burn=0.0,
        J0=J0[0],
        x0=state.x[0],
        A0=state.A[0],
    )
    phi = net.phi(sim.x)
    t_halts = [ev.t for ev in events if isinstance(ev, ns.Halt)]
    # the record at index b is the state at time (b + 1)·record_dt; the halt-time state is the record before
    # it
    idx = [max(int(round(th / record_dt)) - 1, 0) for th in t_halts]
    pat = phi[jnp.asarray(idx, dtype=int)]  # [halts, N]
    norm = jnp.linalg.norm(phi, axis=1)
    denom = jnp.linalg.norm(pat, axis=1)[:, None] * norm[None, :]
    overlap = jnp.where(
        denom > 0, (pat @ phi.T) / jnp.where(denom > 0, denom, 1.0), 0.0
    )  # 0 while clamped at 0
    return ProtocolTraces(
        t=sim.t,
        x=sim.x[:, jnp.asarray(units, dtype=int)],
        xdot_norm=sim.xdot_norm / math.sqrt(net.N),
        pr_A=sim.pr_A,
        t_halts=jnp.asarray(t_halts, dtype=float),
        overlap=overlap,
        status=sim.status,
        events=tuple(events),
    )


def _check_halts(t_halts, hold, T):
    """Validate the halt times of a cycle protocol: each halt and its release must lie in [0, T]."""
    ns.check_positive("hold", hold, "time between halt and release")
    for th in t_halts:
        if not (0 <= th and th + hold <= T):
            raise ValueError(
                f"t_halts entry {th} with hold={hold} must lie in [0, T - hold] = [0, {T - hold}]"
            )
    return tuple(t_halts)


def freeze_cycles(
    net: ns.Network,
    *,
    key,
    t_halts: tuple[float, ...] = (100.0, 300.0),
    hold: float = 100.0,
    T: float = 500.0,
    perturb: float = 1.0,
    clamp: bool = True,
    clamp_kick: float = 1e-3,
    t_prep: float = 300.0,
    dt: float = 0.1,
    record_dt: float = 0.5,
    method: str = "rk4",
    units: tuple[int, ...] = tuple(range(8)),
) -> ProtocolTraces:
    """The Fig. 7(a) cycle, repeated: halt A, kick x (size ``perturb``), clamp x at 0, release after ``hold``.

    Each cycle is `neurosyn.freeze_cycle(t_halt, t_halt + hold)`: kick at 1/3 of the hold, clamp from 2/3 for
    1/6 of it, then a kick of size ``clamp_kick`` to leave x = 0 (an exact fixed point). In (semi)freezable
    networks the overlap with the halt-time pattern returns towards 1 (or stays high) after the kick and the
    clamp; in nonfreezable ones it decays. Returns `ProtocolTraces`.
    """
    ns.check_nonnegative("perturb", perturb, "kick size")
    events = []
    for th in _check_halts(t_halts, hold, T):
        events += list(ns.freeze_cycle(th, th + hold, perturb=perturb or None, clamp=clamp))
        if clamp:
            # x = 0 is an exact fixed point of the halted network: a tiny random kick as the clamp ends lets
            # the neurons leave it (the clamp holds x *near* zero, model.md §8.1)
            events.append(ns.Perturb(th + 2 * hold / 3 + hold / 6, clamp_kick))
    return _run_protocol(
        net, tuple(events), T, key=key, t_prep=t_prep, dt=dt, record_dt=record_dt, method=method, units=units
    )


def shuffle_test(
    net: ns.Network,
    *,
    key,
    t_halts: tuple[float, ...] = (100.0, 300.0),
    hold: float = 100.0,
    T: float = 500.0,
    t_prep: float = 300.0,
    dt: float = 0.1,
    record_dt: float = 0.5,
    method: str = "rk4",
    units: tuple[int, ...] = tuple(range(8)),
) -> ProtocolTraces:
    """The Fig. 7(b) alignment test: halt A, shuffle J halfway through the hold (keeping A), release.

    A freezable network settles after the halt; the shuffle destroys the alignment of A(0) with J, so the
        stored
    fixed point disappears and the neurons turn chaotic; after the release A re-aligns with the new J and the
        next
    halt freezes again. Returns `ProtocolTraces`.
    """
    events = []
    for th in _check_halts(t_halts, hold, T):
        events += [ns.Halt(th), ns.ShuffleJ(th + hold / 2), ns.Release(th + hold)]
    return _run_protocol(
        net, tuple(events), T, key=key, t_prep=t_prep, dt=dt, record_dt=record_dt, method=method, units=units
    )
