"""Settling: simulate until the network freezes into a fixed point, then polish (model.md §7.1, Fig. 6b)."""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Bool, Float

import neurosyn as ns

from ._find import FixedPoints, find_fixed_points


class Settled(eqx.Module):
    """Outcome of `settle`.

    Attributes:
        x_end: end states of the runs [n_networks, N].
        settled: per run, ‖ẋ‖/√N < tol_xdot over the last ``window`` time units and PR_A within tol_pr of 1.
        pr_A_end: participation ratio of A at the end of each run (1 at a fixed point: A* has rank one).
        xdot_end: ‖ẋ‖/√N at the end of each run.
        t_settle: first record time after which ‖ẋ‖/√N stays below tol_xdot (NaN if never).
        fixed_points: the polished, deduplicated and classified end states of the settled runs
            (`FixedPoints`).
        J: the couplings used [N, N].
        status: Status.success if at least one run settled, else Status.not_settled.
    """

    x_end: Float[Array, "n N"]
    settled: Bool[Array, " n"]
    pr_A_end: Float[Array, " n"]
    xdot_end: Float[Array, " n"]
    t_settle: Float[Array, " n"]
    fixed_points: FixedPoints | None
    J: Float[Array, "N N"]
    status: ns.Status
    wall_s: float = eqx.field(static=True)

    @property
    def converged(self):
        return self.status == ns.Status.success


def settle(
    net: ns.Network,
    *,
    key,
    T: float = 500.0,
    n_networks: int = 1,
    J: Float[Array, "N N"] | None = None,
    x0: Float[Array, "n N"] | None = None,
    dt: float = 0.1,
    tol_xdot: float = 1e-6,
    tol_pr: float = 1e-3,
    window: float = 5.0,
    tol: float = 1e-10,
    classify: bool = True,
    throw: bool = True,
) -> Settled:
    """Simulate runs of one network (shared J) for time T, detect settling, polish the end states.

    Args:
        net: `neurosyn.Network`; key: JAX PRNG key (split into J, if not given, and the runs).
        T: run length. n_networks: independent initial states x(0) ~ N(0, 1), A(0) = 0 (or ``x0``).
        J: couplings; default J = g·J0 drawn from the key. dt: RK4 step.
        tol_xdot, window, tol_pr: settled when ‖ẋ‖/√N < tol_xdot over the last ``window`` and
            |PR_A − 1| < tol_pr.
        tol: residual tolerance of the Newton polish (`find_fixed_points`, plastic joint fixed point).
        classify: compute M̃ spectra of the polished fixed points.
        throw: raise `neurosyn.ConvergenceError` when no run settled.
    Returns:
        `Settled`, with the polished fixed points of the settled runs.
    Equation:
        ẋ = −x + (J + A)φ(x), pȦ = −A + (k/N)φφᵀ; at a fixed point A = kφφᵀ/N and PR_A = 1.
    """
    t0 = time.perf_counter()
    n_networks = ns.check_int("n_networks", n_networks, "number of runs")
    ns.check_positive("T", T, "run length")
    ns.check_positive("tol_xdot", tol_xdot, "settling threshold on ‖ẋ‖/√N")
    key_J, key_run = jr.split(key)
    g = float(net.g)
    if J is None:
        J0 = ns.sample_J0(key_J, net.N)
        J = g * J0
    else:
        J = jnp.asarray(J, jnp.float64)
        if g == 0.0:
            raise ValueError(
                "settle with an explicit J needs g > 0 (the simulator takes J0 = J/g); got g=0.0"
            )
        J0 = J / g
    rec = ns.Record(dt=max(dt, round(0.5 / dt) * dt), units=(), tau_max=0.0)
    sim = ns.simulate(net, T, key=key_run, dt=dt, record=rec, n_networks=n_networks, J0=J0, x0=x0, t_burn=0.0)
    xdot = sim.xdot_norm / math.sqrt(net.N)
    pr_end = sim.pr_A[:, -1]
    settled = sim.settled(tol_xdot, window) & (jnp.abs(pr_end - 1.0) < tol_pr)
    ok = np.asarray(settled)
    fps = None
    if ok.any():
        fps = find_fixed_points(net, J, sim.state.x[ok], tol=tol, classify=classify, throw=False)
    elif throw:
        raise ns.ConvergenceError(
            f"none of {n_networks} runs settled within T={T} (N={net.N}, g={g}, k={float(net.k)}, "
            f"p={float(net.p)}; final ‖ẋ‖/√N min {float(jnp.min(xdot[:, -1])):.3g}); run longer, or check "
            "that k exceeds k_onset(g)"
        )
    return Settled(
        x_end=sim.state.x,
        settled=settled,
        pr_A_end=pr_end,
        xdot_end=xdot[:, -1],
        t_settle=jnp.asarray(sim.t_settle(tol_xdot)),
        fixed_points=fps,
        J=J,
        status=ns.Status.success if ok.any() else ns.Status.not_settled,
        wall_s=time.perf_counter() - t0,
    )
