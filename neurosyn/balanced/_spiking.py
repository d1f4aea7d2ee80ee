"""A spiking EIF network in JAX with STDP, to check the balanced mean field at finite N.

Exponential integrate-and-fire neurons with exponential synaptic currents (forward Euler); sparse Bernoulli
connectivity (stored as a dense matrix with a mask); external Poisson input, correlated by thinning a mother
process and jittering the copies; spike traces and event-driven STDP applied as masked row/column updates.
"""

from __future__ import annotations

import functools
import math
import time
from typing import NamedTuple

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
    ``j_eff``: the weights the mean field sees, each synapse weighted by its presynaptic spike count in the
    interval: j_eff_ab = √N Σ J_ki s_i / Σ M_ki s_i (k in a, i in b; NaN if b did not spike). Equal to ``j``
    while the weights within a block are equal; once STDP has made J_ki depend on the presynaptic rate (iSTDP
    weakens inhibition from active cells fastest) ``j`` keeps a memory of its start, and ``j_eff`` is the
    weight that balances the rates;
    ``rates_mean``: rates averaged over t > t_burn (Hz) with ``rates_sem`` (standard error over intervals);
    ``n_dropped``: spikes lost to the per-step buffers (nonzero makes ``ok`` false; raise max_spikes).
    """

    t: Float[Array, " R"]
    rates: Float[Array, "R n"]
    j: Float[Array, "R n n"]
    j_eff: Float[Array, "R n n"]
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

    def weight(self, post: str, pre: str, when: int = -1, effective: bool = False):
        """j (or, with ``effective``, j_eff) from ``pre`` onto ``post`` at recording interval ``when``."""
        j = self.j_eff if effective else self.j
        return j[when, self.names.index(post), self.names.index(pre)]


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


class _Config(NamedTuple):
    """Everything the compiled chunk depends on statically (hashable: one compilation per distinct value)."""

    N: int
    n: int
    ext_sizes: tuple[int, ...]
    nominal: tuple[float, ...]  # external rates (Hz) that size the buffers; actual rates are <= these
    c: float
    correlated: bool
    L: int
    dt: float
    K: int
    Kx: int
    decay: tuple[float, float, float]
    dtr: float
    slices: tuple[tuple[int, int], ...]
    blocks: tuple[tuple[int, int], ...]
    eif: EIF
    dtype: str


def _config(net, plastic=(), *, dt=0.1, L=2500, eif=None, max_spikes=None, dtype=jnp.float32) -> _Config:
    eif = EIF() if eif is None else eif
    N, n = net.N, net.n
    _, ext_pop = _layout(net)
    rx = np.asarray(net.rx, dtype=float)
    bounds = np.concatenate([[0], np.cumsum(net.sizes)])
    return _Config(
        N=N,
        n=n,
        ext_sizes=tuple(net.ext_sizes),
        nominal=tuple(float(r) for r in rx),
        c=float(net.c),
        correlated=float(net.c) > 0,
        L=L,
        dt=float(dt),
        K=max_spikes or 8 + int(math.ceil(N * 200 * HZ * dt)),
        Kx=16 + int(math.ceil(4 * float(np.sum(rx[ext_pop])) * HZ * dt)),
        decay=tuple(math.exp(-dt / getattr(eif, f"tau_{b}")) for b in ("e", "i", "x")),
        dtr=math.exp(-dt / float(net.tau_stdp)),
        slices=tuple((int(bounds[a]), int(bounds[a + 1])) for a in range(n)),
        blocks=plastic_entries(net, plastic),
        eif=eif,
        dtype=jnp.dtype(dtype).name,
    )


def _external_events(key, cfg: _Config, rates_hz):
    """External spikes of one chunk of L steps as per-step padded index lists (L, Kx) and a drop count.

    Independent input: each neuron fires Poisson at its population's rate. Correlated input (c > 0): per
    external population a mother Poisson process at r_x/c over the chunk plus margins; each neuron copies
    each mother spike with probability c (so its own rate stays r_x) and jitters it by a Gaussian of s.d.
    ``jitter``: pairwise spike-count correlation c over windows much longer than the jitter.
    """
    L, dt, dtype = cfg.L, cfg.dt, cfg.dtype
    Nx = sum(cfg.ext_sizes)
    offsets = np.concatenate([[0], np.cumsum(cfg.ext_sizes)])
    Tc = L * dt
    rates_hz = jnp.asarray(rates_hz, dtype=dtype)
    dropped_gen = jnp.asarray(0)
    if cfg.correlated:
        c, jitter = cfg.c, cfg.eif.jitter
        margin = 4.0 * jitter
        events_t, events_id = [], []
        for x, size in enumerate(cfg.ext_sizes):
            ids = np.arange(offsets[x], offsets[x + 1])
            lam = cfg.nominal[x] * HZ / c * (Tc + 2 * margin)
            M = int(lam + 6 * math.sqrt(lam) + 10)
            key, k2, k3, k4 = jr.split(key, 4)
            # mother process on [-margin, Tc + margin): cumulative exponential gaps (no Poisson sampler)
            tm = -margin + jnp.cumsum(jr.exponential(k2, (M,), dtype)) / (rates_hz[x] * HZ / c)
            dropped_gen = dropped_gen + (tm[-1] < Tc + margin)  # buffer full: later mother spikes lost
            keep = (jr.uniform(k3, (M, size), dtype) < c) & (tm < Tc + margin)[:, None]
            t = tm[:, None] + jitter * jr.normal(k4, (M, size), dtype)
            valid = keep & (t >= 0) & (t < Tc) & (rates_hz[x] > 0)
            events_t.append(jnp.where(valid, t, jnp.inf).ravel())
            events_id.append(jnp.broadcast_to(jnp.asarray(ids), (M, size)).ravel())
        t, ids = jnp.concatenate(events_t), jnp.concatenate(events_id)
    else:
        ext_pop = np.repeat(np.arange(len(cfg.ext_sizes)), cfg.ext_sizes)
        r = rates_hz[ext_pop] * HZ  # per neuron, spikes/ms
        lam_max = max(cfg.nominal) * HZ * Tc
        K = int(lam_max + 6 * math.sqrt(lam_max) + 6)
        # each train on [0, Tc): cumulative exponential gaps (no Poisson sampler); rate 0 gives t = inf
        t = jnp.cumsum(jr.exponential(key, (Nx, K), dtype), axis=1) / r[:, None]
        dropped_gen = jnp.sum(t[:, -1] < Tc)  # trains whose buffer of K spikes filled (>= 1 spike lost each)
        t = jnp.where(t < Tc, t, jnp.inf).ravel()
        ids = jnp.broadcast_to(jnp.arange(Nx)[:, None], (Nx, K)).ravel()
    bins = jnp.where(jnp.isfinite(t), jnp.floor(t / dt), L).astype(jnp.int32)
    bins = jnp.minimum(bins, L)
    order = jnp.argsort(bins)
    bins, ids = bins[order], ids[order]
    Kx = cfg.Kx
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


_external_events_jit = jax.jit(_external_events, static_argnums=1)


@functools.partial(jax.jit, static_argnums=0)
def _setup(cfg: _Config, key, p, j, jx, pop, ext_pop, signs):
    """Bernoulli connectivity (probability p) with J_ab = j_ab/√N, padded with a zero row/column."""
    N, dtype = cfg.N, cfg.dtype
    sqrtN = math.sqrt(N)
    kc1, kc2 = jr.split(key)
    mask = jr.uniform(kc1, (N, N)) < p
    J = jnp.where(mask, j[pop][:, pop] / sqrtN, 0.0).astype(dtype)
    maskx = jr.uniform(kc2, (N, len(ext_pop))) < p
    Jx = jnp.where(maskx, jx[pop][:, ext_pop] / sqrtN, 0.0).astype(dtype)
    # padding: index N (recurrent) and Nx (external) point at zero rows/columns
    J = jnp.pad(J, ((0, 1), (0, 1)))
    M = jnp.pad(mask, ((0, 1), (0, 1)))
    Jx = jnp.pad(Jx, ((0, 0), (0, 1)))
    sign_pad = jnp.append(signs[pop], 0)
    onehot = jax.nn.one_hot(pop, cfg.n, dtype=dtype)
    return J, M, Jx, sign_pad, onehot, _mean_weights(J, M, onehot, sqrtN)


@functools.partial(jax.jit, static_argnums=0)
def _chunk(cfg: _Config, const, state, key, rates_hz, eta_on):
    """L Euler steps; returns the new state, the population rates (Hz), the (plain, spike-weighted) mean
    weights and the dropped spikes."""
    M, Jx, sign_pad, table, onehot = const
    N, dt, K, dtype, eif = cfg.N, cfg.dt, cfg.K, cfg.dtype, cfg.eif
    sqrtN = math.sqrt(N)
    de, di, dx = cfg.decay
    sizes = jnp.asarray([b - a for a, b in cfg.slices], dtype=dtype)

    def step(carry, ext_ids):
        V, Ie, Ii, Ix, xtr, J, counts, dropped = carry
        lead = jnp.exp((jnp.minimum(V, eif.V_th + 5.0) - eif.V_T) / eif.Delta_T)
        V = V + dt * ((eif.E_L - V + eif.Delta_T * lead) / eif.tau_m + Ie + Ii + Ix)
        spk = V >= eif.V_th
        V = jnp.where(spk, eif.V_re, V)
        idx = jnp.nonzero(spk, size=K, fill_value=N)[0]
        dropped = dropped + jnp.maximum(jnp.sum(spk) - K, 0)
        cols = J[:N, idx]
        sgn = sign_pad[idx]
        Ie = Ie * de + cols @ (sgn > 0).astype(dtype) / eif.tau_e
        Ii = Ii * di + cols @ (sgn < 0).astype(dtype) / eif.tau_i
        Ix = Ix * dx + jnp.sum(Jx[:, ext_ids], axis=1) / eif.tau_x
        xtr = xtr * cfg.dtr
        for a, b in cfg.blocks:  # static loop over plastic (post, pre) population blocks
            c = table[a, b]
            ra, rb = cfg.slices[a], cfg.slices[b]
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
        counts = counts + spk.astype(dtype)
        return (V, Ie, Ii, Ix, xtr, J, counts, dropped), None

    lists, dropped_x = _external_events(key, cfg, rates_hz)
    V, Ie, Ii, Ix, xtr, J = state
    carry = (V, Ie, Ii, Ix, xtr, J, jnp.zeros(N, dtype), jnp.asarray(0))
    carry, _ = jax.lax.scan(step, carry, lists)
    V, Ie, Ii, Ix, xtr, J, counts, dropped = carry
    rates = counts @ onehot / sizes / (cfg.L * dt) / HZ
    weights = _mean_weights(J, M, onehot, sqrtN), _mean_weights(J, M, onehot, sqrtN, counts)
    return (V, Ie, Ii, Ix, xtr, J), rates, weights, dropped + dropped_x


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
        The compiled step is cached per (sizes, dt, record_dt, plastic blocks, EIF parameters): repeated calls
        with the same structure do not recompile.
    """
    eif = EIF() if eif is None else eif
    check_positive("T", T, "duration in ms")
    check_positive("dt", dt, "Euler step in ms")
    check_positive("record_dt", record_dt, "recording interval in ms")
    sched = {} if ext_schedule is None else dict(ext_schedule)
    for name, window in sched.items():
        if name not in net.ext_names:
            raise ValueError(f"unknown external population {name!r} in ext_schedule; valid: {net.ext_names}")
        if len(window) != 2 or not window[0] <= window[1]:
            raise ValueError(
                f"ext_schedule[{name!r}] must be (t_on, t_off) in ms with t_on <= t_off, got {window!r}"
            )
    L = max(1, round(record_dt / dt))
    n_rec = max(1, round(T / (L * dt)))
    t_burn = min(500.0, T / 4) if t_burn is None else t_burn
    check_nonnegative("t_burn", t_burn, "burn-in in ms")
    N, n = net.N, net.n
    sqrtN = math.sqrt(N)
    pop, ext_pop = _layout(net)
    rx = np.asarray(net.rx, dtype=float)
    cfg = _config(net, plastic, dt=dt, L=L, eif=eif, max_spikes=max_spikes, dtype=dtype)
    dtype = cfg.dtype
    table = _rule_table(net, plastic, sqrtN, dtype)
    k_conn, k_ext, k_v = jr.split(key, 3)
    J, M, Jx, sign_pad, onehot, j0 = _setup(
        cfg, k_conn, net.p, net.j, net.jx, jnp.asarray(pop), jnp.asarray(ext_pop), jnp.asarray(net.signs)
    )
    const = (M, Jx, sign_pad, table, onehot)
    V0 = jr.uniform(k_v, (N,), dtype, eif.V_re, eif.V_T)
    zN = jnp.zeros(N, dtype)
    state = (V0, zN, zN, zN, jnp.zeros(N + 1, dtype), J)
    t0 = time.perf_counter()
    rates_out, j_out, jeff_out, n_dropped = [], [], [], 0
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
        state, rates, (jmean, jeff), dropped = _chunk(
            cfg, const, state, jr.fold_in(k_ext, i), jnp.asarray(rates_hz), eta_on
        )
        rates_out.append(rates)
        j_out.append(jmean)
        jeff_out.append(jeff)
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
        j_eff=jnp.asarray(np.asarray(jnp.stack(jeff_out), dtype=float)),
        j0=jnp.asarray(np.asarray(j0, dtype=float)),
        rates_mean=jnp.asarray(R[use].mean(axis=0)),
        rates_sem=jnp.asarray(sem),
        n_dropped=n_dropped,
        names=net.names,
        N=N,
        wall_s=time.perf_counter() - t0,
    )


def _mean_weights(J, M, onehot, sqrtN, s=None):
    """√N × the mean of J over existing synapses per (post, pre) block. With presynaptic weights ``s`` (spike
    counts): √N Σ J_ki s_i / Σ M_ki s_i, NaN where the block's presynaptic cells are silent."""
    Jn, Mn = J[:-1, :-1], M[:-1, :-1].astype(J.dtype)
    pre = onehot if s is None else onehot * s[:, None]
    S = onehot.T @ Jn @ pre
    C = onehot.T @ Mn @ pre
    if s is None:
        return sqrtN * S / jnp.maximum(C, 1)
    return jnp.where(C > 0, sqrtN * S / jnp.where(C > 0, C, 1), jnp.nan)
