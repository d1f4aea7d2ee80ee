"""`neurosyn lifetimes`: how long transient chaos lasts in a batch of deformed networks (Fig. 3b), with a
checkpoint that a rerun resumes from, and a NetCDF record of every network's outcome."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt


def register(app: typer.Typer) -> None:
    app.command("lifetimes")(lifetimes_cmd)


def lifetimes_cmd(
    g: cli.G = 0.9,
    k: cli.K = 1.6,
    p: cli.P = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons")] = 200,
    networks: Annotated[int, typer.Option(help="independent networks")] = 16,
    T_cap: Annotated[
        float, typer.Option("--T-cap", help="longest run per network (a whole number of --record-dt)")
    ] = 1e5,
    stop: Annotated[str, typer.Option(help="median: stop once the median is fixed; all: run all")] = "median",
    record_dt: Annotated[float, typer.Option(help="resolution of the lifetimes")] = 1.0,
    chunk: Annotated[float, typer.Option(help="time between checkpoints (ended networks leave)")] = 1000.0,
    threshold: Annotated[float, typer.Option(help="collapse when ‖x‖/√N falls below this")] = 1e-3,
    dt: Annotated[float, typer.Option(help="integration step (RK4)")] = 0.1,
    g_start: Annotated[float, typer.Option(help="deformation: start at this g > 1")] = 1.4,
    g_step: Annotated[float, typer.Option(help="deformation: lower g by this much per step")] = 0.05,
    t_step: Annotated[float, typer.Option(help="deformation: run this long at each g")] = 60.0,
    dtype: Annotated[str, typer.Option(help="float32 or float64")] = "float64",
    seed: cli.Seed = 0,
    out: Annotated[
        str | None,
        typer.Option(help="NetCDF of outcomes and times; its checkpoint is OUT.ckpt.npz, resumed if present"),
    ] = None,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
) -> None:
    """Deform networks to g and run each until it collapses (‖x‖/√N < threshold), settles at a nonzero fixed
    point, or reaches T_cap; print the median time to collapse and what became of every network."""
    import jax.random as jr
    import numpy as np

    import neurosyn as ns

    params = dict(g=g, k=k, p=p, N=N, networks=networks, T_cap=T_cap, stop=stop, record_dt=record_dt)
    params |= dict(chunk=chunk, threshold=threshold, dt=dt, g_start=g_start, g_step=g_step, t_step=t_step)
    params |= dict(dtype=dtype)
    path = cli.out_path(out)
    with cli.failing_on(ValueError, ns.NeurosynError):
        ns.check_int("networks", networks, "number of independent networks")
        # the run options are checked before the costly deformation
        ns.check_lifetime_options(T_cap, threshold=threshold, chunk=chunk, record_dt=record_dt, stop=stop)
        net = ns.Network(N=N, g=g, k=k, p=p)
        t0 = time.perf_counter()
        state, J0 = ns.deform(
            net, key=jr.key(seed), g_start=g_start, g_step=g_step, t_step=t_step, dt=dt, dtype=dtype,
            n_networks=networks,
        )  # fmt: skip
        life = ns.lifetimes(
            net, T_cap, x0=state.x, A0=state.A, J0=J0, threshold=threshold, stop=stop, dt=dt,
            record_dt=record_dt, chunk=chunk, dtype=dtype, progress=not quiet and not json_,
            checkpoint=None if path is None else f"{path}.ckpt.npz",
        )  # fmt: skip
        wall = time.perf_counter() - t0
    result = dict(
        params=params,
        seed=seed,
        median=life.median if life.median < math.inf else "inf",  # JSON has no ∞ (NaN stays null)
        exact=life.exact,
        counts=life.counts,
        t_stop=life.t_stop,
        cost=life.cost,
        wall_s=wall,
    )
    if path is not None:
        data = {"outcome": (("network",), life.outcome), "t_end": (("network",), life.t_end)}
        prov = ns.provenance(params, seed=seed) | {"outcomes": list(ns.Lifetimes.OUTCOMES)}
        cli.write_netcdf(data, {"network": np.arange(networks)}, path, prov)
        Path(f"{path}.ckpt.npz").unlink(missing_ok=True)  # the NetCDF is the result now
        result["out"] = str(path)
    median = fmt(life.median) if life.median < math.inf else "∞ (half or more settled at fixed points)"
    title = f"neurosyn lifetimes  g={g} k={k} p={p} N={N} networks={networks} T_cap={T_cap:g} seed={seed}"
    rows = [
        ("median", f"{median}  ({'exact' if life.exact else 'a lower bound: raise --T-cap'})"),
        ("outcomes", ", ".join(f"{n} {name}" for name, n in life.counts.items() if n)),
        ("stopped at t", f"{life.t_stop:g} (--stop {stop})"),
        ("cost", f"{life.cost:.4g} network-time units"),
    ]
    text = cli.summary(title, rows, wall=wall, wrote=[str(path)] if path else [])
    cli.emit(result, as_json=json_, summary=text)
