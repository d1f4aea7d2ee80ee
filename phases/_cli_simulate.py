"""`neurosyn simulate`: one finite-size run with a readable summary, JSON, and a NetCDF record."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt, out_path


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)


def simulate_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g (J_ij ~ N(0, g²/N))")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k (>0 Hebbian, <0 anti-Hebbian)")] = 1.0,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons")] = 1000,
    T: Annotated[float, typer.Option("--T", help="run length")] = 500.0,
    dt: Annotated[float, typer.Option(help="integration step")] = 0.05,
    t_burn: Annotated[
        float | None, typer.Option(help="burn-in excluded from averages [default min(max(200,50p),T/2)]")
    ] = None,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    method: Annotated[str, typer.Option(help="integrator: euler, heun or rk4")] = "rk4",
    dtype: Annotated[str, typer.Option(help="float32 or float64")] = "float64",
    networks: Annotated[int, typer.Option(help="independent networks (vmap over seeds)")] = 1,
    deform: Annotated[
        bool, typer.Option(help="prepare the state by annealing g down from 1.4 (for g < 1)")
    ] = False,
    out: Annotated[str | None, typer.Option(help="write the recorded series to this NetCDF file")] = None,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    rule: Annotated[str, typer.Option(help=RULE_HELP)] = "hebbian",
    rule_param: Annotated[
        list[str] | None, typer.Option(help="rule parameter key=value (repeatable)")
    ] = None,
    f_post: Annotated[
        str | None, typer.Option(help="f_post formula in 'post' (makes an expression rule)")
    ] = None,
    f_pre: Annotated[
        str | None, typer.Option(help="f_pre formula in 'pre' (makes an expression rule)")
    ] = None,
) -> None:
    """Simulate the plastic network and summarise Var x, C(0), τ*, PR_A and settling."""
    import jax.numpy as jnp
    import jax.random as jr

    import neurosyn as ns

    params = dict(
        g=g,
        k=k,
        p=p,
        N=N,
        T=T,
        dt=dt,
        t_burn=t_burn,
        method=method,
        dtype=dtype,
        networks=networks,
        deform=deform,
    )
    try:
        plastic_rule = rule_from_options(rule, rule_param, f_post, f_pre)
        params["rule"] = repr(plastic_rule)
        key = jr.key(seed)
        p_net = p
        if isinstance(
            plastic_rule, ns.Heterogeneous
        ):  # per-synapse p_ij, drawn from a key split off the seed
            key_p, key = jr.split(key)
            p_net = plastic_rule.sample_p(key_p, N)
        net = ns.Network(N=N, g=g, k=k, p=p_net, rule=plastic_rule)
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
            record=ns.Record(dt=max(dt, round(0.2 / dt) * dt), tau_max=min(60.0, T / 4)),
        )
        wall = time.perf_counter() - t0
    except ValueError as err:
        fail(str(err))
    mean = lambda a: float(jnp.mean(a))
    settled = bool(jnp.all(sim.settled()))
    result = dict(
        params=params,
        seed=seed,
        var_x=mean(sim.var_x),
        C0=mean(sim.C0),
        tau_star=mean(sim.tau_star),
        pr_A=mean(jnp.nanmean(sim.pr_A[..., sim.t > sim.t_burn], axis=-1)),
        settled=settled,
        quiescent=bool(jnp.all(sim.quiescent())),
        converged=bool(jnp.all(sim.converged)),
        wall_s=wall,
    )
    if out:
        path = out_path(out)
        save_simulation(sim, path, ns.provenance(params, seed=seed))
        result["out"] = str(path)
    summary = (
        f"neurosyn simulate  rule={params['rule']}\n"
        f"  g={g} k={k} p={p} N={N} T={T} dt={dt} {method}/{dtype} seed={seed}"
        f"{' networks=' + str(networks) if networks > 1 else ''}\n"
        f"  Var x   = {fmt(result['var_x'])}\n  C(0)    = {fmt(result['C0'])}\n"
        f"  tau*    = {fmt(result['tau_star'])}\n"
        f"  PR_A    = {fmt(result['pr_A'])}  (time mean after burn-in)\n"
        f"  settled = {settled}   quiescent = {result['quiescent']}   finite = {result['converged']}\n"
        f"  wall    = {wall:.2f} s" + (f"\n  wrote   {result['out']}" if out else "")
    )
    emit(result, as_json=json_, summary=summary)


RULE_HELP = (
    "plasticity rule: hebbian, anti-hebbian, presynaptic, postsynaptic, covariance, no-decay (k is k/p), "
    "heterogeneous (alpha, beta; p_ij ~ InverseGamma), stdp (d), expression (with --f-post/--f-pre)"
)


def rule_from_options(rule: str, rule_param: list[str] | None, f_post: str | None, f_pre: str | None):
    """The `neurosyn.Rule` named by the CLI options; ValueError (shown by `fail`) if malformed."""
    import neurosyn as ns

    params = {}
    for item in rule_param or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--rule-param {item!r} must be key=value, e.g. --rule-param d=2")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            params[key.strip()] = value.strip()
    if f_post is not None or f_pre is not None:
        if rule not in ("hebbian", "expression"):
            raise ValueError(f"--f-post/--f-pre define an expression rule; not combinable with --rule {rule}")
        rule = "expression"
        params.update({k: v for k, v in (("f_post", f_post), ("f_pre", f_pre)) if v is not None})
    return ns.parse_rule(rule, **params)


def save_simulation(sim, path, prov) -> None:
    """Write a `Simulation`'s recorded series and C(τ) to NetCDF, with provenance attributes."""
    import numpy as np
    import xarray as xr

    import neurosyn as ns

    batched = np.ndim(sim.var_x) > 0
    b = ("network",) if batched else ()
    ds = xr.Dataset(
        {
            "x": (b + ("t", "unit"), np.asarray(sim.x)),
            "x2": (b + ("t",), np.asarray(sim.x2)),
            "pr_A": (b + ("t",), np.asarray(sim.pr_A)),
            "xdot_norm": (b + ("t",), np.asarray(sim.xdot_norm)),
            "C": (b + ("tau",), np.asarray(sim.C)),
            "var_x": (b, np.asarray(sim.var_x)),
            "C0": (b, np.asarray(sim.C0)),
            "tau_star": (b, np.asarray(sim.tau_star)),
        },
        coords={"t": np.asarray(sim.t), "tau": np.asarray(sim.lags)},
        attrs=ns.provenance_attrs(prov),
    )
    tmp = path.with_suffix(path.suffix + ".tmp")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(path)
