"""`neurosyn simulate`: one finite-size run with a readable cli.summary, JSON, and a NetCDF record."""

from __future__ import annotations

import time
import warnings
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)


@cli.rule_options
def simulate_cmd(
    g: cli.G = 2.0,
    k: cli.K = 1.0,
    p: cli.P = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons")] = 1000,
    T: Annotated[float, typer.Option("--T", help="run length")] = 500.0,
    dt: Annotated[float, typer.Option(help="integration step")] = 0.05,
    t_burn: Annotated[
        float | None, typer.Option(help="burn-in excluded from averages [default min(max(200,50p),T/2)]")
    ] = None,
    seed: cli.Seed = 0,
    method: Annotated[str, typer.Option(help="integrator: euler, heun or rk4")] = "rk4",
    dtype: Annotated[str, typer.Option(help="float32 or float64")] = "float64",
    networks: Annotated[int, typer.Option(help="independent networks (vmap over seeds)")] = 1,
    tau_max: Annotated[
        float | None, typer.Option(help="largest lag of C(τ), which bounds τ* [default min(60, T/4)]")
    ] = None,
    deform: Annotated[
        bool, typer.Option(help="prepare the state by annealing g down from 1.4 (for g < 1)")
    ] = False,
    out: Annotated[str | None, typer.Option(help="write the recorded series to this NetCDF file")] = None,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
    rule=None,
    rule_text: str = "hebbian",
) -> None:
    """Simulate the plastic network and summarise Var x, C(0), τ*, PR_A and settling."""
    import jax.numpy as jnp
    import jax.random as jr

    import neurosyn as ns

    params = dict(g=g, k=k, p=p, N=N, T=T, dt=dt, t_burn=t_burn, method=method, dtype=dtype)
    params |= dict(networks=networks, deform=deform, tau_max=tau_max)
    with cli.failing_on():
        params["rule"] = repr(rule)
        net, key = cli.rule_network(N, g, k, p, rule, jr.key(seed))
        batch = networks if networks > 1 else None
        x0 = A0 = J0 = None
        t0 = time.perf_counter()
        if deform:
            key_def, key = jr.split(key)
            state, J0 = ns.deform(net, key=key_def, dt=dt, method=method, dtype=dtype, n_networks=batch)
            x0, A0 = state.x, state.A
        sim = ns.simulate(
            net,
            T,
            key=key,
            dt=dt,
            method=method,
            dtype=dtype,
            t_burn=t_burn,
            n_networks=batch,
            x0=x0,
            A0=A0,
            J0=J0,
            progress=not quiet and not json_,
            record=ns.Record(
                dt=max(dt, round(0.2 / dt) * dt), tau_max=min(60.0, T / 4) if tau_max is None else tau_max
            ),
        )
        wall = time.perf_counter() - t0
    mean = lambda a: float(jnp.mean(a))
    settled = bool(jnp.all(sim.settled()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ns.WindowWarning)
        tau_star = sim.tau_star
    truncated = any(issubclass(w.category, ns.WindowWarning) for w in caught)
    for w in caught:  # anything else is shown as usual
        if not issubclass(w.category, ns.WindowWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    result = dict(
        params=params,
        seed=seed,
        var_x=mean(sim.var_x),
        C0=mean(sim.C0),
        tau_star=mean(tau_star),
        tau_star_truncated=truncated,
        plateau_q=mean(sim.q),
        pr_A=mean(jnp.nanmean(sim.pr_A[..., sim.t > sim.t_burn], axis=-1)),
        settled=settled,
        quiescent=bool(jnp.all(sim.quiescent())),
        converged=bool(jnp.all(sim.converged)),
        wall_s=wall,
    )
    if out:
        path = cli.out_path(out)
        save_simulation(sim, tau_star, path, ns.provenance(params, seed=seed))
        result["out"] = str(path)
    title = (
        f"neurosyn simulate  rule={params['rule']}\n"
        f"  g={g} k={k} p={p} N={N} T={T} dt={dt} {method}/{dtype} seed={seed}"
        f"{' networks=' + str(networks) if networks > 1 else ''}"
    )
    lag_max = float(sim.lags.reshape(-1)[-1])
    conn = "C(τ)" if sim.sign_symmetric else "C(τ) − q"
    bound = f"  (lower bound: {conn} not decayed by τ = {lag_max:g}; raise --tau-max)" if truncated else ""
    rows = [
        ("Var x", fmt(result["var_x"])),
        ("C(0)", fmt(result["C0"])),
        ("tau*", fmt(result["tau_star"]) + bound),
        *([] if sim.sign_symmetric else [("plateau q", f"{fmt(result['plateau_q'])}  (τ* is of C − q)")]),
        ("PR_A", f"{fmt(result['pr_A'])}  (time mean after burn-in)"),
        ("settled", f"{settled}   quiescent = {result['quiescent']}   finite = {result['converged']}"),
    ]
    text = cli.summary(title, rows, wall=wall, wrote=[result["out"]] if out else [])
    cli.emit(result, as_json=json_, summary=text)


def save_simulation(sim, tau_star, path, prov) -> None:
    """Write a `Simulation`'s recorded series, C(τ), its plateau q and τ* to NetCDF, with provenance."""
    import numpy as np

    b = ("network",) if np.ndim(sim.var_x) > 0 else ()
    series = {name: b + ("t",) for name in ("x2", "pr_A", "xdot_norm")}
    data = {"x": (b + ("t", "unit"), np.asarray(sim.x)), "C": (b + ("tau",), np.asarray(sim.C))}
    data |= {name: (dims, np.asarray(getattr(sim, name))) for name, dims in series.items()}
    data |= {name: (b, np.asarray(getattr(sim, name))) for name in ("var_x", "C0", "q")}
    data["tau_star"] = (b, np.asarray(tau_star))
    cli.write_netcdf(data, {"t": np.asarray(sim.t), "tau": np.asarray(sim.lags)}, path, prov)
