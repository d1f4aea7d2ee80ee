"""`neurosyn dmft`: the stationary DMFT at one (g, k, p); `neurosyn dmft kcrit`: the first-order line."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt

dmft_app = typer.Typer(
    help="Stationary DMFT of the plastic network (Eqs. 6–8) and its transition lines.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(dmft_app, name="dmft")


@dmft_app.callback(invoke_without_command=True)
@cli.rule_options
def dmft_cmd(
    ctx: typer.Context,
    g: cli.G = 2.0,
    k: cli.K = 1.0,
    p: cli.P = 2.5,
    dt: Annotated[float, typer.Option(help="single-site time step")] = 0.1,
    samples: Annotated[int, typer.Option(help="single sites per map evaluation")] = 1024,
    replicates: Annotated[
        int, typer.Option(help="independent frozen-noise solutions (their spread is the error bar)")
    ] = 4,
    max_steps: Annotated[int, typer.Option(help="iteration budget per replicate")] = 60,
    seed: cli.Seed = 0,
    out: Annotated[
        str | None, typer.Option(help="write C(τ), its error and S(f) to this NetCDF file")
    ] = None,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
    rule=None,
    rule_text: str = "hebbian",
) -> None:
    """Solve the stationary DMFT and summarise C(0), Var x, τ*, PR_A, f_osc and convergence."""
    if ctx.invoked_subcommand is not None:
        return
    import jax.random as jr

    import dmft
    import neurosyn as ns

    params = dict(g=g, k=k, p=p, dt=dt, samples=samples, replicates=replicates, max_steps=max_steps)
    with cli.failing_on():
        params["rule"] = repr(rule)
        net = ns.Network(N=1, g=g, k=k, p=p, rule=rule)
        method = dmft.Stationary(dt=dt, n_samples=samples, n_replicates=replicates)
        sol = dmft.solve_dmft(
            net, method, key=jr.key(seed), max_steps=max_steps, throw=False, progress=not quiet and not json_
        )
    result = dict(
        params=params,
        seed=seed,
        C0=float(sol.C0),
        C0_err=float(sol.C_err[0]),
        var_x=float(sol.var_x),
        var_x_err=float(sol.var_x_err),
        tau_star=float(sol.tau_star),
        pr_A=float(sol.pr_A),
        freq=float(sol.freq) if k < 0 else None,
        converged=bool(sol.converged),
        status=ns.Status[sol.status],
        n_iter=int(sol.n_iter),
        residual=float(sol.residual),
        noise=float(sol.noise),
        tau_max=float(sol.lags[-1]),
        wall_s=float(sol.wall_s),
    )
    if out:
        path = cli.out_path(out)
        save_dmft(sol, path, ns.provenance(params, seed=seed))
        result["out"] = str(path)
    rows = [
        ("C(0)", f"{fmt(result['C0'])} ± {fmt(result['C0_err'], 2)}"),
        ("Var x", f"{fmt(result['var_x'])} ± {fmt(result['var_x_err'], 2)}"),
        ("tau*", fmt(result["tau_star"])),
        ("PR_A", fmt(result["pr_A"])),
        ("f_osc", fmt(result["freq"])),
        (
            "status",
            f"{result['status']} after {int(sol.n_iter)} map evaluations ({replicates} replicates), "
            f"residual {fmt(sol.residual, 2)} (noise {fmt(sol.noise, 2)}), tau_max {fmt(result['tau_max'])}",
        ),
    ]
    title = (
        f"neurosyn dmft  rule={params['rule']} g={g} k={k} p={p} dt={dt} samples={samples}x{replicates} "
        f"seed={seed}"
    )
    text = cli.summary(title, rows, wall=result["wall_s"], wrote=[result["out"]] if out else [])
    cli.emit(result, as_json=json_, summary=text)
    if not sol.converged:
        raise typer.Exit(code=1)


@dmft_app.command("kcrit")
def kcrit_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g in (0, 1)")] = 0.5,
    samples: Annotated[int, typer.Option(help="single sites per Stern solve")] = 256,
    seed: cli.Seed = 0,
    json_: cli.Json = False,
) -> None:
    """First-order line k_crit(g) = min_s s / C(0; g, s) from the Stern self-coupled model."""
    import jax.random as jr

    import dmft

    t0 = time.perf_counter()
    with cli.failing_on():
        method = dmft.Stationary(n_samples=samples, n_replicates=2, t_max_limit=100.0)
        r = dmft.k_crit(g, key=jr.key(seed), method=method)
    result = dict(
        g=g,
        k_crit=r.k_crit,
        k_crit_err=r.y_err,
        s=r.s,
        C0=r.C0,
        converged=bool(r.converged),
        seed=seed,
        wall_s=time.perf_counter() - t0,
    )
    row = ("k_crit", f"{fmt(r.k_crit)} ± {fmt(r.y_err, 2)}  (minimiser s = {fmt(r.s)}, C(0) = {fmt(r.C0)})")
    title = f"neurosyn dmft kcrit  g={g} samples={samples} seed={seed}"
    cli.emit(result, as_json=json_, summary=cli.summary(title, [row], wall=result["wall_s"]))


def save_dmft(sol, path, prov) -> None:
    """Write a `DMFTSolution` (C, C_err, S(f), scalars) to NetCDF with provenance attributes."""
    import numpy as np

    scalars = ("var_x", "var_x_err", "C0", "tau_star", "pr_A", "freq", "residual", "noise", "n_iter")
    data = {"C": (("tau",), np.asarray(sol.C)), "C_err": (("tau",), np.asarray(sol.C_err))}
    data |= {"S": (("f",), np.asarray(sol.S)), "history": (("iteration",), np.asarray(sol.history))}
    data |= {name: ((), np.asarray(getattr(sol, name))) for name in scalars}
    cli.write_netcdf(data, {"tau": np.asarray(sol.lags), "f": np.asarray(sol.f)}, path, prov)
