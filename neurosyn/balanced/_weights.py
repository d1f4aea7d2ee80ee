"""Slow population-mean weight dynamics with rates slaved to the balanced state; fixed points, stability."""

from __future__ import annotations

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from .._errors import ConvergenceError, check_choice, check_int, check_positive
from ._meanfield import HZ, BalanceStatus, balanced_rates, covariance_density
from ._network import BalancedNetwork
from ._rules import COEFFICIENTS, Plastic, pair_drift


def plastic_entries(net: BalancedNetwork, plastic: tuple[Plastic, ...]) -> tuple[tuple[int, int], ...]:
    """The (post, pre) index pairs of ``net`` that the rules act on (expanding split populations)."""
    out = []
    for block in plastic:
        for a in net.children(block.post):
            for b in net.children(block.pre):
                entry = (net.index(a), net.index(b))
                if entry in out:
                    raise ValueError(f"two rules act on j[{a},{b}]; give each (post, pre) pair one rule")
                out.append(entry)
    return tuple(out)


def _rules_by_entry(net, plastic):
    rules = []
    for block in plastic:
        rules += [block.rule] * (len(net.children(block.post)) * len(net.children(block.pre)))
    return rules


class _Stack(eqx.Module):
    """The plastic entries (rows = post, cols = pre) with their rules' coefficients stacked into arrays, so
    that one compiled flow serves every rule acting on the same number of entries."""

    rows: Array
    cols: Array
    eta: Array
    u0_pre: Array
    u1_pre: Array
    a_pre: Array
    b_pre: Array
    u0_post: Array
    u1_post: Array
    a_post: Array
    b_post: Array
    target: Array


def _stack(net, plastic) -> _Stack:
    entries = plastic_entries(net, plastic)
    rules = _rules_by_entry(net, plastic)
    coef = {f: jnp.asarray([jnp.asarray(getattr(r, f), float) for r in rules], float) for f in COEFFICIENTS}
    return _Stack(
        rows=jnp.asarray([a for a, _ in entries], dtype=int),
        cols=jnp.asarray([b for _, b in entries], dtype=int),
        **{f: coef[f].reshape(len(entries)) for f in COEFFICIENTS},
    )


def weight_drift(net: BalancedNetwork, plastic: tuple[Plastic, ...], j=None) -> Float[Array, "n n"]:
    """Mean drift dj/dt (scaled mV per ms) of the population-mean weights, rates slaved to balance.

    Equation:
        dj_ab/dt = η [f_pre(j_ab)(A_pre r_b + B_pre P_ab) + f_post(j_ab)(A_post r_a + B_post P_ab)],
        P_ab = τ r_a r_b + C̄_ab / 2,  r = -W(j)⁻¹ W_x r_x,  C̄ = W⁻¹ W_x C_x W_xᵀ W⁻ᵀ
        (the rate term and the covariance term).
    Assumptions:
        Weights change slowly compared with rates; correlation times ≪ τ_STDP; leading order in 1/√N.
        NaN where the network has no balanced solution.
    """
    net = net if j is None else net.with_weights(j)
    return _drift(net, _stack(net, plastic))


def _drift(net, st):
    return _drift_at_rates(net, st, balanced_rates(net).rates * HZ)


def _drift_at_rates(net, st: _Stack, r):
    C = covariance_density(net)
    rows, cols = st.rows, st.cols
    vals = pair_drift(st, net.j[rows, cols], r[rows], r[cols], C[rows, cols], net.tau_stdp)
    return jnp.zeros_like(net.j).at[rows, cols].set(vals)


class WeightStatus(eqx.Enumeration):
    """Outcome of the search for a fixed point of the slow weight dynamics."""

    converged = "converged to a fixed point of the weight dynamics"
    max_steps = "stopped at max_steps before the drift vanished; raise max_steps (slow direction?)"
    unbalanced = (
        "balance was lost on the way (W singular or a rate <= 0): from this start the rule does not keep "
        "the network balanced"
    )
    nonfinite = "the weights became non-finite"


class WeightFixedPoint(eqx.Module):
    """Result of `weight_fixed_point`: final weights and rates with status, residual and stability.

    ``eigenvalues`` (1/ms) are those of the Jacobian ∂(dj/dt)/∂j over the plastic entries (jax.jacobian).
    ``stable``: no eigenvalue with Re > tol; ``n_marginal``: eigenvalues with |Re| <= tol, i.e. the dimension
    of a manifold of fixed points through this one.
    """

    net: BalancedNetwork
    rates: Float[Array, " n"]
    balance: BalanceStatus
    jacobian: Float[Array, "k k"]
    eigenvalues: Complex[Array, " k"]
    residual: float
    n_steps: int
    status: WeightStatus
    entries: tuple[tuple[int, int], ...] = eqx.field(static=True)
    wall_s: float = eqx.field(static=True)
    eig_tol: float = eqx.field(static=True)

    @property
    def j(self):
        return self.net.j

    @property
    def converged(self) -> bool:
        return bool(self.status == WeightStatus.converged)

    @property
    def balanced(self) -> bool:
        return bool(self.balance == BalanceStatus.balanced)

    @property
    def n_marginal(self) -> int:
        return int(np.sum(np.abs(np.real(np.asarray(self.eigenvalues))) <= self.eig_tol))

    @property
    def stable(self) -> bool | None:
        """True/False, or None where stability is undetermined (joint solve with singular W)."""
        ev = np.asarray(self.eigenvalues)
        if ev.size and np.all(np.isnan(ev)):
            return None
        return bool(self.converged and self.balanced and np.all(np.real(ev) <= self.eig_tol))

    def weight(self, post: str, pre: str):
        return self.net.j[self.net.index(post), self.net.index(pre)]


def _flow(net, st: _Stack):
    rows, cols = st.rows, st.cols

    def F(v):
        j = net.j.at[rows, cols].set(v)
        return _drift(net.with_weights(j), st)[rows, cols]

    return F, rows, cols


@eqx.filter_jit
def _chunk(net, st, v, h, n_steps):
    """Up to ``n_steps`` RK4 steps of size h; stops early, at the last balanced point, if balance is lost."""
    F, rows, cols = _flow(net, st)

    def ok(v):
        rates = balanced_rates(net.with_weights(net.j.at[rows, cols].set(v))).rates
        return jnp.all(jnp.isfinite(v)) & jnp.all(rates > 0)

    def rk4(carry):
        i, v, _ = carry
        k1 = F(v)
        k2 = F(v + 0.5 * h * k1)
        k3 = F(v + 0.5 * h * k2)
        k4 = F(v + h * k3)
        w = v + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        good = ok(w)
        return i + 1, jnp.where(good, w, v), ~good

    _, v, lost = jax.lax.while_loop(lambda c: (c[0] < n_steps) & ~c[2], rk4, (0, v, ~ok(v)))
    return v, F(v), jax.jacobian(F)(v), lost


def weight_fixed_point(
    net: BalancedNetwork,
    plastic: tuple[Plastic, ...],
    *,
    xtol: float = 1e-9,
    max_steps: int = 200_000,
    chunk: int = 200,
    method: str = "flow",
    throw: bool = True,
) -> WeightFixedPoint:
    """Follow the slow weight flow dj/dt from ``net.j`` to a fixed point and classify its stability.

    Args:
        net: network with the initial scaled weights; plastic: the rules (`Plastic` blocks).
        xtol: stop when the Newton-step estimate max|dj/dt| / ρ(Jacobian) < xtol · max(1, |j|).
        max_steps, chunk: RK4 budget and steps between checks (step 0.5/ρ(Jacobian), updated per chunk).
        method: "flow" (follow dj/dt; on a manifold of fixed points the end point depends on the initial
            weights, as in the spiking network), "newton" (Newton's method on dj/dt = 0 from ``net.j``; needs
            an isolated fixed point) or "joint" (Newton on the balance equations and dj/dt = 0 together, for
            rates and weights: needed when W stays singular, e.g. under targeted input, where the rates of
            identically projecting populations are set by the rule, not by balance; stability is then
            undetermined and ``eigenvalues`` are NaN).
        throw: raise `ConvergenceError` unless converged with balance kept.
    Returns:
        `WeightFixedPoint` with status, residual, steps, Jacobian eigenvalues and stability.
    Equation:
        see `weight_drift`; stability from the eigenvalues of its Jacobian over the plastic entries.
    """
    check_positive("xtol", xtol, "tolerance on the distance to the fixed point (scaled mV)")
    max_steps = check_int("max_steps", max_steps, "RK4 step budget (Newton: iteration budget)")
    check_choice("method", method, ("flow", "newton", "joint"))
    chunk = check_int("chunk", chunk, "RK4 steps between convergence checks")
    entries = plastic_entries(net, plastic)
    t0 = time.perf_counter()
    st = _stack(net, plastic)
    F, rows, cols = _flow(net, st)
    v = net.j[rows, cols]
    n_steps, status = 0, WeightStatus.max_steps
    if not entries:
        dv, jac = jnp.zeros(0), jnp.zeros((0, 0))
        status = WeightStatus.converged
    elif method == "joint":
        v, dv, jac, n_steps, status, r_joint = _joint(net, st, v, xtol, min(max_steps, 100))
    elif method == "newton":
        v, dv, jac, n_steps, status = _newton(net, st, v, xtol, min(max_steps, 100))
    else:
        v, dv, jac, lost = _chunk(net, st, v, jnp.asarray(0.0), jnp.asarray(0))  # evaluation only
        while True:
            cur = net.with_weights(net.j.at[rows, cols].set(v))
            bal = balanced_rates(cur).status
            rho = float(jnp.max(jnp.abs(jnp.linalg.eigvals(jac))))
            if not bool(jnp.all(jnp.isfinite(v))):
                status = WeightStatus.nonfinite
                break
            if bool(lost) or bal != BalanceStatus.balanced:
                status = WeightStatus.unbalanced
                break
            scale = max(1.0, float(jnp.max(jnp.abs(v))))
            if rho == 0.0 or float(jnp.max(jnp.abs(dv))) / rho < xtol * scale:
                status = WeightStatus.converged
                break
            if n_steps >= max_steps:
                break
            v, dv, jac, lost = _chunk(net, st, v, jnp.asarray(0.5 / rho), jnp.asarray(chunk))
            n_steps += chunk
    final = net.with_weights(net.j.at[rows, cols].set(v)) if entries else net
    state = balanced_rates(final)
    rates, balance = state.rates, state.status
    if method == "joint" and entries:
        rates = r_joint / HZ
        ok = status == WeightStatus.converged and bool(jnp.all(rates > 0))
        balance = BalanceStatus.balanced if ok else BalanceStatus.nonpositive
        if state.status == BalanceStatus.singular:
            jac = jnp.full_like(jac, jnp.nan)
    ev = jnp.linalg.eigvals(jac) if entries else jnp.zeros(0, dtype=complex)
    rho = float(jnp.nanmax(jnp.abs(ev))) if entries and not bool(jnp.all(jnp.isnan(ev))) else 0.0
    if balance != BalanceStatus.balanced and status == WeightStatus.converged:
        status = WeightStatus.unbalanced
    result = WeightFixedPoint(
        net=final,
        rates=rates,
        balance=balance,
        jacobian=jac,
        eigenvalues=ev,
        residual=float(jnp.max(jnp.abs(dv))) if entries else 0.0,
        n_steps=n_steps,
        status=status,
        entries=entries,
        wall_s=time.perf_counter() - t0,
        eig_tol=1e-7 * max(rho, 1e-300),
    )
    if throw and not (result.converged and result.balanced):
        raise ConvergenceError(
            f"weight_fixed_point: {WeightStatus[status]} (status {status!r}, residual {result.residual:.3g} "
            f"mV/ms after {n_steps} steps, balance: {BalanceStatus[state.status]}); pass throw=False to "
            "inspect the end point"
        )
    return result


def _newton(net, st, v, xtol, max_iter):
    status = WeightStatus.max_steps
    for it in range(max_iter + 1):
        v, dv, jac, lost = _chunk(net, st, v, jnp.asarray(0.0), jnp.asarray(0))
        if not bool(jnp.all(jnp.isfinite(v))):
            return v, dv, jac, it, WeightStatus.nonfinite
        if bool(lost):
            return v, dv, jac, it, WeightStatus.unbalanced
        step = jnp.linalg.solve(jac, dv)
        if not bool(jnp.all(jnp.isfinite(step))):
            return v, dv, jac, it, WeightStatus.max_steps  # singular Jacobian: a manifold; use the flow
        if float(jnp.max(jnp.abs(step))) < xtol * max(1.0, float(jnp.max(jnp.abs(v)))):
            return v, dv, jac, it, WeightStatus.converged
        if it < max_iter:
            v = v - step
    return v, dv, jac, max_iter, status


@eqx.filter_jit
def _joint_eval(net, st, z):
    rows, cols = st.rows, st.cols

    def G(z):
        r, v = z[: net.n], z[net.n :]
        cur = net.with_weights(net.j.at[rows, cols].set(v))
        balance = (cur.W @ r + cur.Wx @ cur.rx * HZ) / jnp.max(jnp.abs(cur.W))
        return jnp.concatenate([balance, _drift_at_rates(cur, st, r)[rows, cols]])

    return G(z), jax.jacobian(G)(z)


def _joint(net, st, v, xtol, max_iter):
    """Newton on [W(j) r + W_x r_x; dj/dt(j, r)] = 0 for rates and plastic weights together."""
    n = net.n
    z = jnp.concatenate([jnp.full(n, 10.0 * HZ), v])
    for it in range(max_iter + 1):
        g, jac = _joint_eval(net, st, z)
        step = jnp.linalg.solve(jac, g)
        if not bool(jnp.all(jnp.isfinite(step))):
            return z[n:], g[n:], jac[n:, n:], it, WeightStatus.nonfinite, z[:n]
        if float(jnp.max(jnp.abs(step[n:]))) < xtol * max(1.0, float(jnp.max(jnp.abs(z[n:])))) and float(
            jnp.max(jnp.abs(step[:n]))
        ) < xtol * float(jnp.max(jnp.abs(z[:n]))):
            status = WeightStatus.converged
            break
        z = _backtrack(net, st, z, step, g, n)
    else:
        status = WeightStatus.max_steps
    v = z[n:]
    _, dv, jac_v, _ = _chunk(net, st, v, jnp.asarray(0.0), jnp.asarray(0))
    return v, g[n:], jac_v, it, status, z[:n]


def _backtrack(net, st, z, step, g, n):
    """Damped Newton step: halve until rates stay positive, weights keep their sign and |G| decreases."""
    norm = float(jnp.linalg.norm(g))
    for _ in range(40):
        trial = z - step
        ok = bool(jnp.all(trial[:n] > 0)) and bool(jnp.all(jnp.sign(trial[n:]) == jnp.sign(z[n:])))
        if ok and float(jnp.linalg.norm(_joint_eval(net, st, trial)[0])) < norm:
            return trial
        step = 0.5 * step
    return z - step


class WeightTrajectory(eqx.Module):
    """Mean-field weights j(t) (scaled mV) and balanced rates r(t) (Hz) on the time grid t (ms)."""

    t: Float[Array, " T"]
    j: Float[Array, "T n n"]
    rates: Float[Array, "T n"]


def weight_trajectory(
    net: BalancedNetwork,
    plastic: tuple[Plastic, ...],
    T: float,
    *,
    dt: float = 10.0,
    record_dt: float = 100.0,
) -> WeightTrajectory:
    """Integrate the slow weight ODE in real time (ms) with RK4 from ``net.j``; rates slaved to balance.

    Compare with `simulate_spiking` run with the same learning rates (NaN once balance is lost).
    """
    check_positive("T", T, "duration in ms")
    check_positive("dt", dt, "RK4 step in ms")
    check_positive("record_dt", record_dt, "recording interval in ms")
    per = max(1, round(record_dt / dt))
    n_rec = max(1, round(T / (per * dt)))
    return _trajectory(net, _stack(net, plastic), jnp.asarray(dt), per, n_rec)


@eqx.filter_jit
def _trajectory(net, st, dt, per: int, n_rec: int):
    F = lambda j: _drift(net.with_weights(j), st)

    def step(_, j):
        k1 = F(j)
        k2 = F(j + 0.5 * dt * k1)
        k3 = F(j + 0.5 * dt * k2)
        k4 = F(j + dt * k3)
        return j + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

    def block(j, _):
        j = jax.lax.fori_loop(0, per, step, j)
        return j, (j, balanced_rates(net.with_weights(j)).rates)

    _, (js, rs) = jax.lax.scan(block, net.j, None, length=n_rec)
    t = dt * per * jnp.arange(1, n_rec + 1)
    return WeightTrajectory(
        t=jnp.concatenate([jnp.zeros(1), t]),
        j=jnp.concatenate([net.j[None], js]),
        rates=jnp.concatenate([balanced_rates(net).rates[None], rs]),
    )
