"""Lifetimes of transient chaos: run a batch of networks until each collapses, stopping each one as it does.

A collapsed network is dropped from the batch at the next chunk boundary, and with ``stop="median"`` the whole
run ends once the median lifetime is determined, so the cost is Σ_i min(T_i, T_stop) rather than n·T_cap.
"""

from __future__ import annotations

import json
import math
import os
import time

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ._errors import NeurosynError, check_choice, check_positive
from ._network import Network
from ._simulate import Record, simulate

STOPS = ("median", "all")
_FORMAT = "neurosyn.lifetimes/1"


class Lifetimes(eqx.Module):
    """How and when the transient chaos of each network in a batch ended.

    Attributes:
        outcome: per network, one of
            ``COLLAPSED``: ‖x‖/√N fell below ``threshold``;
            ``SETTLED``: ‖ẋ‖/√N fell below ``settle_tol`` at a nonzero state, a stable fixed point that never
            collapses;
            ``RUNNING``: still chaotic when its run stopped;
            ``NONFINITE``: the state blew up (lower dt);
            ``DEAD``: below ``threshold`` already at t = 0 (collapsed during deformation); left out.
        t_end: the first record time of the outcome, or for ``RUNNING`` the time its run stopped.
        t_stop: time at which the whole run ended; cost: network-time simulated (Σ of per-network run time).
        threshold, settle_tol, T_cap: the criteria and the cap.
    """

    outcome: np.ndarray
    t_end: np.ndarray
    t_stop: float
    cost: float
    threshold: float
    settle_tol: float
    T_cap: float

    DEAD, RUNNING, COLLAPSED, SETTLED, NONFINITE = range(5)
    OUTCOMES = ("dead", "running", "collapsed", "settled", "nonfinite")

    @property
    def counts(self) -> dict[str, int]:
        """Number of networks with each outcome, by name."""
        return {name: int((self.outcome == i).sum()) for i, name in enumerate(self.OUTCOMES)}

    @property
    def valid(self) -> np.ndarray:
        """Networks alive at t = 0 and with a finite run."""
        return (self.outcome != self.DEAD) & (self.outcome != self.NONFINITE)

    @property
    def t(self) -> np.ndarray:
        """Time to collapse of the valid networks: ∞ where settled, a lower bound ``t_end`` where running."""
        t = np.where(self.outcome == self.SETTLED, np.inf, self.t_end)
        return t[self.valid]

    @property
    def median(self) -> float:
        """Median time to collapse of the valid networks; running ones count at their stop (see ``exact``)."""
        return float(np.median(self.t)) if self.valid.any() else math.nan

    @property
    def exact(self) -> bool:
        """True if ``median`` is the true median whatever the running networks would still do."""
        o = self.outcome[self.valid]
        n, n_dead = len(o), int((o == self.COLLAPSED).sum())
        return n > 0 and (
            n_dead >= n // 2 + 1
            or int((o == self.SETTLED).sum()) >= n - n // 2
            or not (o == self.RUNNING).any()
        )


def check_options(T_cap, *, threshold, chunk, record_dt, stop, settle_tol=1e-6) -> str:
    """The checks of `lifetimes`' run options (the CLI makes them before its costly deformation)."""
    check_positive("T_cap", T_cap, "longest run")
    check_positive("threshold", threshold, "collapse threshold on ‖x‖/√N")
    check_positive("settle_tol", settle_tol, "settling threshold on ‖ẋ‖/√N")
    check_positive("chunk", chunk, "time per chunk")
    check_positive("record_dt", record_dt, "resolution of the lifetimes")
    if record_dt > chunk:
        raise ValueError(f"record_dt={record_dt} must be <= chunk={chunk}")
    if abs(T_cap / record_dt - round(T_cap / record_dt)) > 1e-9 * max(1.0, T_cap / record_dt):
        raise ValueError(f"T_cap={T_cap} must be a whole number of record_dt={record_dt}")
    return check_choice("stop", stop, STOPS)


def lifetimes(
    net: Network,
    T_cap: float,
    *,
    x0,
    J0,
    A0=None,
    threshold: float = 1e-3,
    settle_tol: float = 1e-6,
    stop: str = "median",
    dt: float = 0.1,
    record_dt: float = 1.0,
    chunk: float = 1000.0,
    method: str = "rk4",
    dtype="float64",
    checkpoint: str | os.PathLike | None = None,
    progress: bool = False,
) -> Lifetimes:
    """Run each network until ‖x‖/√N < threshold (collapse to x = 0) or it settles, up to ``T_cap``.

    A network settles when ‖ẋ‖/√N < settle_tol at a state with ‖x‖/√N ≥ threshold: a stable nonzero fixed
    point, whose time to collapse is infinite. Networks run in chunks of ``chunk`` time units; after each
    chunk the ended ones leave the batch (padded to a power of two to bound recompilation).
    ``stop="median"`` ends the whole run as soon as the median time to collapse is fixed (more than half
    collapsed, or at least half settled); ``stop="all"`` runs every network to its end or ``T_cap``. The
    dynamics are deterministic given (x0, A0, J0), so no key is needed.

    Args:
        net: `Network`; x0 [n, N], J0 [n, N, N] (unit variance, J = g·J0) and A0 [n, N, N] (default 0) give
            the n initial states, e.g. from `deform(..., n_networks=n)`.
        T_cap: longest run per network; a whole number of ``record_dt`` (runs end on a record).
        dt, method, dtype: integration, as in `simulate`; record_dt: the resolution of ``t_end``.
        checkpoint: a ``.npz`` path. The run is saved there after every chunk; a rerun with the same inputs
            and settings resumes from it.
        progress: show a tqdm bar on stderr.
    Returns:
        `Lifetimes`, with each network's outcome, its time, and the network-time spent.
    """
    stop = check_options(
        T_cap, threshold=threshold, chunk=chunk, record_dt=record_dt, stop=stop, settle_tol=settle_tol
    )
    x0 = jnp.asarray(x0)
    if x0.ndim != 2 or x0.shape[1] != net.N:
        raise ValueError(f"x0 has shape {x0.shape}; expected (n_networks, N) with N={net.N}")
    n = x0.shape[0]
    J0 = jnp.broadcast_to(jnp.asarray(J0), (n, net.N, net.N))
    A0 = jnp.zeros((n, net.N, net.N), x0.dtype) if A0 is None else jnp.broadcast_to(A0, (n, net.N, net.N))
    record = Record(dt=record_dt, units=(), tau_max=0.0)

    L = Lifetimes
    alive0 = np.asarray(jnp.sqrt(jnp.mean(x0**2, axis=1)) >= threshold)
    run = dict(
        t_now=0.0,
        cost=0.0,
        outcome=np.where(alive0, L.RUNNING, L.DEAD),
        t_end=np.zeros(n),
        x=np.asarray(x0),
        A=None,  # the A of the running networks, in the order of np.flatnonzero(outcome == RUNNING)
    )
    ident = None  # fingerprints pass over all of J0 and A0: only taken when there is a checkpoint
    if checkpoint is not None:
        settings = (T_cap, threshold, settle_tol, dt, record_dt, chunk, method, str(dtype))
        ident = _identity(net, x0, J0, A0, settings)
        if os.path.exists(checkpoint):
            run = _resume(checkpoint, ident, run)
    A = A0[np.flatnonzero(run["outcome"] == L.RUNNING)] if run["A"] is None else jnp.asarray(run["A"])
    x = jnp.asarray(run["x"])
    n_valid = int(alive0.sum())

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=float(T_cap), initial=run["t_now"], unit="τ", desc=f"lifetimes N={net.N}")
    while run["t_now"] < T_cap - 1e-9 and (run["outcome"] == L.RUNNING).any():
        o = run["outcome"]
        if stop == "median" and (
            (o == L.COLLAPSED).sum() >= n_valid // 2 + 1 or (o == L.SETTLED).sum() >= n_valid - n_valid // 2
        ):
            break
        idx = np.flatnonzero(o == L.RUNNING)
        m = len(idx)
        pad = min(n, 1 << (m - 1).bit_length()) - m  # batch sizes are powers of two (or n)
        take = np.r_[idx, np.repeat(idx[:1], pad)]
        T = min(chunk, T_cap - run["t_now"])
        T = max(record_dt, record_dt * round(T / record_dt))
        sim = simulate(
            net,
            T,
            key=jr.key(0),  # unused: x0, A0 and J0 are given and there is no schedule
            dt=dt,
            method=method,
            dtype=dtype,
            record=record,
            t_burn=0.0,
            n_networks=len(take),
            x0=x[take],
            A0=jnp.concatenate([A, A[:1].repeat(pad, axis=0)]) if pad else A,
            J0=J0[take],
        )
        x2 = np.asarray(sim.x2)[:m]
        xdot = np.asarray(sim.xdot_norm)[:m] / math.sqrt(net.N)
        ok = np.isfinite(x2).all(axis=1) & np.isfinite(xdot).all(axis=1)
        collapsed = x2 < threshold**2
        ended = collapsed | (xdot < settle_tol)
        has_end = ended.any(axis=1) & ok
        first = ended.argmax(axis=1)
        t_rec = np.asarray(sim.t)
        new = np.where(collapsed[np.arange(m), first], L.COLLAPSED, L.SETTLED)
        run["outcome"][idx] = np.where(~ok, L.NONFINITE, np.where(has_end, new, L.RUNNING))
        run["t_end"][idx] = np.where(has_end, run["t_now"] + t_rec[first], run["t_now"] + T)
        run["cost"] += float(np.where(has_end, t_rec[first], T).sum())
        run["t_now"] += T
        x = x.at[idx].set(sim.state.x[:m])
        A = sim.state.A[:m][~has_end & ok]
        if checkpoint is not None:
            _save(checkpoint, ident, run | dict(x=np.asarray(x), A=np.asarray(A)))
        if bar is not None:
            bar.update(T)
            bar.set_postfix(running=int((run["outcome"] == L.RUNNING).sum()))
    if bar is not None:
        bar.close()
    return Lifetimes(
        outcome=run["outcome"],
        t_end=run["t_end"],
        t_stop=float(run["t_now"]),
        cost=float(run["cost"]),
        threshold=float(threshold),
        settle_tol=float(settle_tol),
        T_cap=float(T_cap),
    )


def _identity(net, x0, J0, A0, settings) -> dict:
    """What a checkpoint must match: the network, the settings and fingerprints of the initial state."""

    def fp(a):
        a = np.asarray(a, dtype=np.float64)
        return [float(a.sum()), float((a**2).sum()), float(a.ravel()[:: max(1, a.size // 64)].sum())]

    return dict(
        format=_FORMAT,
        net=dict(N=net.N, g=float(net.g), k=float(np.mean(net.k)), p=float(np.mean(net.p))),
        rule=repr(net.rule),
        settings=list(settings),
        x0=fp(x0),
        J0=fp(J0),
        A0=fp(A0),
    )


def _save(path, ident, run) -> None:
    tmp = f"{path}.tmp.npz"
    np.savez(
        tmp,
        identity=json.dumps(ident),
        saved=time.time(),
        **{k: np.asarray(v) for k, v in run.items()},
    )
    os.replace(tmp, path)


def _resume(path, ident, run) -> dict:
    with np.load(path) as f:
        if json.loads(str(f["identity"])) != ident:
            raise NeurosynError(
                f"checkpoint {os.fspath(path)!r} was written for other inputs or settings; delete it or pass "
                "another checkpoint path"
            )
        return {k: (float(f[k]) if f[k].ndim == 0 else f[k].copy()) for k in run}
