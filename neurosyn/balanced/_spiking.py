"""A spiking EIF network in JAX with STDP, to check the balanced mean field at finite N.

Exponential integrate-and-fire neurons with exponential synaptic currents (forward Euler); sparse Bernoulli
connectivity (stored as a dense matrix with a mask); external Poisson input, correlated by thinning a mother
process and jittering the copies; spike traces and event-driven STDP applied as masked row/column updates.
"""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from .._errors import check_nonnegative, check_positive
from ._meanfield import HZ
from ._network import BalancedNetwork
from ._rules import Plastic
from ._weights import _rules_by_entry, plastic_entries


class EIF(eqx.Module):
    """EIF neuron and synapse parameters (Akil et al. 2021), times in ms and voltages in mV:
    C_m dV/dt = g_L(E_L - V) + g_L Δ_T e^{(V-V_T)/Δ_T} + I_e + I_i + I_x with C_m = 1, τ_m = C_m/g_L; a spike
    at V_th resets V to V_re; each presynaptic spike adds J/τ_b to I_b, which decays with τ_b."""

    tau_m: float = 15.0
    E_L: float = -72.0
    V_T: float = -55.0
    Delta_T: float = 1.0
    V_th: float = -50.0
    V_re: float = -75.0
    tau_e: float = 8.0
    tau_i: float = 4.0
    tau_x: float = 10.0
    jitter: float = 5.0

    def __check_init__(self):
        for name in ("tau_m", "Delta_T", "tau_e", "tau_i", "tau_x"):
            check_positive(name, getattr(self, name), "EIF time constant or slope factor (ms, mV)")
        check_nonnegative("jitter", self.jitter, "s.d. of the input spike jitter in ms")
        if not self.V_re < self.V_T < self.V_th:
            raise ValueError(
                f"need V_re < V_T < V_th, got V_re={self.V_re!r}, V_T={self.V_T!r}, V_th={self.V_th!r}"
            )


class SpikingResult(eqx.Module):
    """Result of `simulate_spiking`.

    ``t``: end of each recording interval (ms); ``rates``: population rates in each interval (Hz);
    ``j``: population-mean scaled weights √N ⟨J_ab⟩ over existing synapses at those times;
    ``rates_mean``: rates averaged over t > t_burn (Hz) with ``rates_sem`` (standard error over intervals);
    ``n_dropped``: spikes lost to the per-step buffers (nonzero makes ``ok`` false; raise max_spikes).
    """

    t: Float[Array, " R"]
    rates: Float[Array, "R n"]
    j: Float[Array, "R n n"]
    j0: Float[Array, "n n"]
    rates_mean: Float[Array, " n"]
    rates_sem: Float[Array, " n"]
    n_dropped: int
    names: tuple[str, ...] = eqx.field(static=True)
    N: int = eqx.field(static=True)
    wall_s: float = eqx.field(static=True)

    @property
    def ok(self) -> bool:
        return self.n_dropped == 0 and bool(np.all(np.isfinite(np.asarray(self.rates))))

    def rate(self, name: str):
        return self.rates_mean[self.names.index(name)]

    def weight(self, post: str, pre: str, when: int = -1):
        return self.j[when, self.names.index(post), self.names.index(pre)]


def _layout(net: BalancedNetwork):
    sizes, ext = net.sizes, net.ext_sizes
    pop = np.repeat(np.arange(net.n), sizes)
    ext_pop = np.repeat(np.arange(len(ext)), ext)
    return pop, ext_pop


def _rule_table(net, plastic, sqrtN, dtype):
    """Coefficients per (post, pre) population pair, in raw units, padded with a zero row/column."""
    n = net.n
    T = np.zeros((n + 1, n + 1, 11))
    T[..., 9], T[..., 10] = -np.inf, np.inf
    for b, s in enumerate(net.signs):
        if s > 0:
            T[:, b, 9] = 0.0
        else:
            T[:, b, 10] = 0.0
    for (a, b), rule in zip(plastic_entries(net, plastic), _rules_by_entry(net, plastic), strict=True):
        f = lambda x: float(np.asarray(x))
        T[a, b, :9] = [
            f(rule.eta),
            f(rule.u0_pre),
            f(rule.u1_pre) * sqrtN,
            f(rule.offset_pre(net.tau_stdp)),
            f(rule.b_pre),
            f(rule.u0_post),
            f(rule.u1_post) * sqrtN,
            f(rule.a_post),
            f(rule.b_post),
        ]
        T[a, b, 9] = max(T[a, b, 9], f(rule.j_min) / sqrtN)
        T[a, b, 10] = min(T[a, b, 10], f(rule.j_max) / sqrtN)
    return jnp.asarray(T, dtype=dtype)


def _external_events(key, net, ext_pop, rates_hz, L, dt, jitter, correlated, dtype):
    nominal = np.asarray(net.rx, dtype=float)  # concrete: sizes the buffers; rates_hz (traced) <= nominal
    """External spikes of one chunk of L steps as per-step padded index lists (L, Kx) and a drop count."""
    Nx = len(ext_pop)
    Tc = L * dt
    r = jnp.asarray(rates_hz, dtype=dtype)[ext_pop] * HZ  # per neuron, spikes/ms
    if correlated:
        c = float(net.c)
        margin = 4.0 * jitter
        events_t, events_id = [], []
        for x in range(len(net.ext_sizes)):
            ids = np.flatnonzero(ext_pop == x)
            lam = float(nominal[x]) * HZ / c * (Tc + 2 * margin)
            M = int(lam + 6 * math.sqrt(lam) + 10)
            key, k1, k2, k3, k4 = jr.split(key, 5)
            n_m = jr.poisson(k1, rates_hz[x] * HZ / c * (Tc + 2 * margin))
            tm = jr.uniform(k2, (M,), dtype, -margin, Tc + margin)
            keep = (jr.uniform(k3, (M, len(ids)), dtype) < c) & (jnp.arange(M) < n_m)[:, None]
            t = tm[:, None] + jitter * jr.normal(k4, (M, len(ids)), dtype)
            valid = keep & (t >= 0) & (t < Tc) & (rates_hz[x] > 0)
            events_t.append(jnp.where(valid, t, jnp.inf).ravel())
            events_id.append(jnp.broadcast_to(jnp.asarray(ids), (M, len(ids))).ravel())
        t, ids = jnp.concatenate(events_t), jnp.concatenate(events_id)
        dropped_gen = jnp.asarray(0)
    else:
        lam_max = float(np.max(nominal)) * HZ * Tc
        K = int(lam_max + 6 * math.sqrt(lam_max) + 6)
        k1, k2 = jr.split(key)
        counts = jr.poisson(k1, r * Tc)
        t = jr.uniform(k2, (Nx, K), dtype, 0.0, Tc)
        t = jnp.where(jnp.arange(K)[None, :] < counts[:, None], t, jnp.inf).ravel()
        ids = jnp.broadcast_to(jnp.arange(Nx)[:, None], (Nx, K)).ravel()
        dropped_gen = jnp.sum(jnp.maximum(counts - K, 0))
    bins = jnp.where(jnp.isfinite(t), jnp.floor(t / dt), L).astype(jnp.int32)
    bins = jnp.minimum(bins, L)
    order = jnp.argsort(bins)
    bins, ids = bins[order], ids[order]
    Kx = 16 + int(math.ceil(4 * float(np.sum(nominal[ext_pop])) * HZ * dt))
    pad_bins = jnp.concatenate([bins, jnp.full(Kx, L + 1, jnp.int32)])
    pad_ids = jnp.concatenate([ids, jnp.full(Kx, Nx)])
    steps = jnp.arange(L)
    start = jnp.searchsorted(bins, steps, side="left")
    stop = jnp.searchsorted(bins, steps, side="right")
    lists = jax.vmap(
        lambda s, st: jnp.where(
            jax.lax.dynamic_slice(pad_bins, (st,), (Kx,)) == s,
            jax.lax.dynamic_slice(pad_ids, (st,), (Kx,)),
            Nx,
        )
    )(steps, start)
    dropped = jnp.sum(jnp.maximum(stop - start - Kx, 0)) + dropped_gen
    return lists, dropped


def simulate_spiking(
    net: BalancedNetwork,
    plastic: tuple[Plastic, ...] = (),
    *,
    T: float,
    key: PRNGKeyArray,
    dt: float = 0.1,
    record_dt: float = 250.0,
    t_burn: float | None = None,
    t_plastic: float = 0.0,
    ext_schedule: dict | None = None,
    eif: EIF | None = None,
    max_spikes: int | None = None,
    dtype=jnp.float32,
    progress: bool = False,
) -> SpikingResult:
    """Simulate the EIF network for T ms and record population rates and mean weights every record_dt.

    Args:
        net: populations, scaled weights (J = j/√N), input rates and correlation c; plastic: STDP rules.
        T, dt, record_dt: duration, Euler step and recording interval (ms); t_burn: excluded from
            ``rates_mean`` (default min(500, T/4)); t_plastic: plasticity starts at this time.
        ext_schedule: {external name: (t_on, t_off)} switches an external population on only in that window
            (the optogenetic protocol), at recording-interval resolution.
        max_spikes: recurrent spikes handled per step (default from a 200 Hz ceiling); overflow is counted.
        dtype: float32 by default (a stochastic simulation; weights are O(1/√N) and updates O(η/√N)).
    Returns:
        `SpikingResult`.
    Assumptions:
        Forward Euler at dt = 0.1 ms as in the paper; external spikes binned to the step; correlated input
        generated per recording interval with margins of 4 jitter s.d. (copies of a mother spike that straddle
        an interval boundary are drawn independently: a relative loss of covariance ~ jitter/record_dt).
    """
    eif = EIF() if eif is None else eif
    check_positive("T", T, "duration in ms")
    check_positive("dt", dt, "Euler step in ms")
    check_positive("record_dt", record_dt, "recording interval in ms")
    L = max(1, round(record_dt / dt))
    n_rec = max(1, round(T / (L * dt)))
    t_burn = min(500.0, T / 4) if t_burn is None else t_burn
    check_nonnegative("t_burn", t_burn, "burn-in in ms")
    N, n = net.N, net.n
    sqrtN = math.sqrt(N)
    pop, ext_pop = _layout(net)
    Nx = len(ext_pop)
    K = max_spikes or 8 + int(math.ceil(N * 200 * HZ * dt))
    k_conn, k_ext, k_v = jr.split(key, 3)
    kc1, kc2 = jr.split(k_conn)
    p = float(net.p)
    mask = jr.uniform(kc1, (N, N)) < p
    J = jnp.where(mask, net.j[pop][:, pop] / sqrtN, 0.0).astype(dtype)
    maskx = jr.uniform(kc2, (N, Nx)) < p
    Jx = jnp.where(maskx, net.jx[pop][:, ext_pop] / sqrtN, 0.0).astype(dtype)
    # padding: index N (recurrent) and Nx (external) point at zero rows/columns
    J = jnp.pad(J, ((0, 1), (0, 1)))
    M = jnp.pad(mask, ((0, 1), (0, 1)))
    Jx = jnp.pad(Jx, ((0, 0), (0, 1)))
    sign_pad = jnp.asarray(np.append(np.asarray(net.signs)[pop], 0))
    table = _rule_table(net, plastic, sqrtN, dtype)
    onehot = jax.nn.one_hot(pop, n, dtype=dtype)
    sizes = jnp.asarray(net.sizes, dtype=dtype)
    j0 = _mean_weights(J, M, onehot, sqrtN)
    bounds = np.concatenate([[0], np.cumsum(net.sizes)])
    slices = [(int(bounds[a]), int(bounds[a + 1])) for a in range(n)]
    blocks = [((a, b), table[a, b]) for a, b in plastic_entries(net, plastic)]
    decay = {b: math.exp(-dt / getattr(eif, f"tau_{b}")) for b in ("e", "i", "x")}
    dtr = math.exp(-dt / float(net.tau_stdp))
    rx = np.asarray(net.rx, dtype=float)
    correlated = float(net.c) > 0

    def step(carry, ext_ids):
        V, Ie, Ii, Ix, xtr, J, counts, dropped, eta_on = carry
        lead = jnp.exp((jnp.minimum(V, eif.V_th + 5.0) - eif.V_T) / eif.Delta_T)
        V = V + dt * ((eif.E_L - V + eif.Delta_T * lead) / eif.tau_m + Ie + Ii + Ix)
        spk = V >= eif.V_th
        V = jnp.where(spk, eif.V_re, V)
        idx = jnp.nonzero(spk, size=K, fill_value=N)[0]
        dropped = dropped + jnp.maximum(jnp.sum(spk) - K, 0)
        cols = J[:N, idx]
        sgn = sign_pad[idx]
        Ie = Ie * decay["e"] + cols @ (sgn > 0).astype(dtype) / eif.tau_e
        Ii = Ii * decay["i"] + cols @ (sgn < 0).astype(dtype) / eif.tau_i
        Ix = Ix * decay["x"] + jnp.sum(Jx[:, ext_ids], axis=1) / eif.tau_x
        xtr = xtr * dtr
        for (a, b), c in blocks:  # static loop over plastic (post, pre) population blocks
            ra, rb = slices[a], slices[b]
            # presynaptic spikes of population b: columns idx, rows of population a
            in_b = (idx >= rb[0]) & (idx < rb[1])
            Jc = J[ra[0] : ra[1], idx]
            Mc = M[ra[0] : ra[1], idx] & in_b[None, :]
            d = c[0] * (c[1] + c[2] * Jc) * (c[3] + c[4] * xtr[ra[0] : ra[1], None])
            Jc = jnp.where(Mc, jnp.clip(Jc + eta_on * d / sqrtN, c[9], c[10]), Jc)
            J = J.at[ra[0] : ra[1], idx].set(Jc)
            # postsynaptic spikes of population a: rows idx, columns of population b
            in_a = (idx >= ra[0]) & (idx < ra[1])
            Jr = J[idx, rb[0] : rb[1]]
            Mr = M[idx, rb[0] : rb[1]] & in_a[:, None]
            d = c[0] * (c[5] + c[6] * Jr) * (c[7] + c[8] * xtr[None, rb[0] : rb[1]])
            Jr = jnp.where(Mr, jnp.clip(Jr + eta_on * d / sqrtN, c[9], c[10]), Jr)
            J = J.at[idx, rb[0] : rb[1]].set(Jr)
        xtr = xtr + jnp.append(spk, False).astype(dtype)
        counts = counts + spk.astype(dtype) @ onehot
        return (V, Ie, Ii, Ix, xtr, J, counts, dropped, eta_on), None

    @jax.jit
    def chunk(state, key, rates_hz, eta_on):
        lists, dropped_x = _external_events(key, net, ext_pop, rates_hz, L, dt, eif.jitter, correlated, dtype)
        V, Ie, Ii, Ix, xtr, J = state
        z = jnp.zeros(n, dtype)
        carry = (V, Ie, Ii, Ix, xtr, J, z, jnp.asarray(0), eta_on)
        carry, _ = jax.lax.scan(step, carry, lists)
        V, Ie, Ii, Ix, xtr, J, counts, dropped, _ = carry
        rates = counts / sizes / (L * dt) / HZ
        return (V, Ie, Ii, Ix, xtr, J), rates, _mean_weights(J, M, onehot, sqrtN), dropped + dropped_x

    V0 = jr.uniform(k_v, (N,), dtype, eif.V_re, eif.V_T)
    zN = jnp.zeros(N, dtype)
    state = (V0, zN, zN, zN, jnp.zeros(N + 1, dtype), J)
    sched = {} if ext_schedule is None else dict(ext_schedule)
    for name in sched:
        if name not in net.ext_names:
            raise ValueError(f"unknown external population {name!r} in ext_schedule; valid: {net.ext_names}")
    t0 = time.perf_counter()
    rates_out, j_out, n_dropped = [], [], 0
    iterator = range(n_rec)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="simulate_spiking", leave=False)
    for i in iterator:
        t_start = i * L * dt
        rates_hz = rx.copy()
        for name, (on, off) in sched.items():
            if not on <= t_start < off:
                rates_hz[net.ext_names.index(name)] = 0.0
        eta_on = jnp.asarray(1.0 if t_start >= t_plastic else 0.0, dtype)
        state, rates, jmean, dropped = chunk(state, jr.fold_in(k_ext, i), jnp.asarray(rates_hz), eta_on)
        rates_out.append(rates)
        j_out.append(jmean)
        n_dropped += int(dropped)
    t = L * dt * np.arange(1, n_rec + 1)
    R = np.asarray(jnp.stack(rates_out), dtype=float)
    use = t - L * dt >= t_burn
    if not use.any():
        use[-1] = True
    sem = R[use].std(axis=0, ddof=1) / math.sqrt(use.sum()) if use.sum() > 1 else np.full(n, np.nan)
    return SpikingResult(
        t=jnp.asarray(t),
        rates=jnp.asarray(R),
        j=jnp.asarray(np.asarray(jnp.stack(j_out), dtype=float)),
        j0=jnp.asarray(np.asarray(j0, dtype=float)),
        rates_mean=jnp.asarray(R[use].mean(axis=0)),
        rates_sem=jnp.asarray(sem),
        n_dropped=n_dropped,
        names=net.names,
        N=N,
        wall_s=time.perf_counter() - t0,
    )


def _mean_weights(J, M, onehot, sqrtN):
    Jn, Mn = J[:-1, :-1], M[:-1, :-1].astype(J.dtype)
    S = onehot.T @ Jn @ onehot
    C = onehot.T @ Mn @ onehot
    return sqrtN * S / jnp.maximum(C, 1)
