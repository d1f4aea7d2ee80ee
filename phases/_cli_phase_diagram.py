"""`neurosyn phase-diagram`: the (g, k) phase diagram by theory, simulation or both; resumable, Dask-ready."""

from __future__ import annotations

import enum
import time
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt


class Method(enum.StrEnum):
    theory = "theory"
    simulation = "simulation"
    both = "both"


class Preset(enum.StrEnum):
    quick = "quick"
    paper = "paper"


# Values used where an option is not given. "quick" is the README's first command: a coarse Fig. 1b in a
# few minutes on a laptop CPU, its freezable lines read from the shipped two-replica table at p = 2.5
# (dmft/data). "paper" is the grid of Fig. 5a (hours to days with simulation: use --scheduler) and computes
# the freezable lines afresh.
# "batch" bounds the networks vmapped at once: 8 at N = 4000 in float64 is ~10 GB
_COLUMNS = ("g", "k", "N", "networks", "batch", "T", "dmft", "freeze_lines")
_TABLE = {
    None: ("0:3.3:34", "-1:3:41", 200, 4, None, 850.0, False, "table"),
    "quick": ("0:3:13", "-1:2.5:15", 100, 2, None, 400.0, False, "table"),
    "paper": ("0:3.3:34", "-1:3:41", 4000, 200, 8, 850.0, True, "compute"),
}
PRESETS = {
    name: dict(zip(_COLUMNS, row, strict=True), out="phase_diagram.nc", plot="phase_diagram.png")
    for name, row in _TABLE.items()
}


def register(app: typer.Typer) -> None:
    app.command("phase-diagram")(phase_diagram_cmd)


@cli.rule_options
def phase_diagram_cmd(
    g: Annotated[str | None, typer.Option(help="g axis: start:stop:num or a,b,c [default 0:3.3:34]")] = None,
    k: Annotated[str | None, typer.Option(help="k axis: start:stop:num or a,b,c [default -1:3:41]")] = None,
    p: Annotated[float, typer.Option(help="synaptic time constant p (one slice)")] = 2.5,
    method: Annotated[Method, typer.Option(help="theory, simulation or both")] = Method.theory,
    preset: Annotated[
        Preset | None, typer.Option(help="quick: small diagram in minutes; paper: Fig. 5a grid")
    ] = None,
    out: Annotated[
        str | None, typer.Option(help="NetCDF output, also the checkpoint [phase_diagram.nc]")
    ] = None,
    plot: Annotated[str | None, typer.Option(help="figure path (PNG; a PDF is written next to it)")] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="skip the figure")] = False,
    resume: Annotated[
        bool, typer.Option(help="continue from --out: compute only missing and failed points")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")
    ] = None,
    workers: Annotated[int, typer.Option(help="local spawned worker processes (0 = in-process)")] = 0,
    connect_timeout: Annotated[float, typer.Option(help="seconds to wait for the Dask scheduler")] = 10.0,
    N: Annotated[int | None, typer.Option("--N", help="simulation: neurons per network")] = None,
    networks: Annotated[int | None, typer.Option(help="simulation: networks per point (vmapped)")] = None,
    batch: Annotated[
        int | None,
        typer.Option(help="simulation: networks per vmapped batch (~10·batch·N² numbers in memory)"),
    ] = None,
    T: Annotated[float | None, typer.Option("--T", help="simulation: run length (kick at 250)")] = None,
    dmft: Annotated[
        bool | None,
        typer.Option(
            "--dmft/--no-dmft", help="theory: also solve the DMFT (τ*, C(0), PR_A; ~20 s per dynamic point)"
        ),
    ] = None,
    freeze_lines: Annotated[
        str | None,
        typer.Option(
            help="theory: semifreezable/freezable lines from 'table' (shipped, p = 2.5), 'compute' "
            "(two-replica DMFT, minutes per g column), 'quick', 'off', or a `freeze boundaries --out` file "
            "[table; paper preset: compute]",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="global seed; per-point seeds are hashed from it and (g, k)")] = 0,
    chunk: Annotated[int | None, typer.Option(help="points per task and checkpoint [one g column]")] = None,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
    rule=None,
    rule_text: str = "hebbian",
) -> None:
    """Compute the (g, k) phase diagram at fixed p (Fig. 1b theory, Fig. 5a simulation), data and figure.

    ``--rule`` other than hebbian needs ``--method simulation`` (the theory's labels and lines are derived
    for the Hebbian rule) and a rule without a delay (λ_max is taken from the (x, A) tangent dynamics).
    """
    import numpy as np

    import phases

    from ._labels import PHASE_NAMES
    from ._plot import save_figure
    from ._points import BothPoint, SimulationPoint, TheoryPoint

    d = PRESETS[preset.value if preset else None]
    pick = lambda v, name: d[name] if v is None else v
    g_spec, k_spec = pick(g, "g"), pick(k, "k")
    N_, networks_, T_, dmft_ = pick(N, "N"), pick(networks, "networks"), pick(T, "T"), pick(dmft, "dmft")
    batch_ = pick(batch, "batch")
    freeze_lines_ = pick(freeze_lines, "freeze_lines")
    out_ = pick(out, "out")
    plot_ = None if no_plot else pick(plot, "plot")
    t0 = time.perf_counter()
    try:
        import neurosyn as ns

        ns.check_positive("p", p, "synaptic time constant")
        if method is not Method.simulation:
            what = f"the theory of --method {method.value} (phase labels, k_crit, freezable and onset lines)"
            cli.require_rule(rule, hebbian=True, what=what, hint=", or --method simulation")
        cli.require_rule(rule, delay=False, what="the λ_max perturbation run")
        grid = phases.Grid(g=g_spec, k=k_spec)
        if grid.axes["g"].min() < 0:
            raise ValueError(
                f"g (coupling strength) must be >= 0, valid range [0, inf); got g axis {g_spec!r}"
            )
        theory = TheoryPoint(p=p, dmft=dmft_, freeze_lines=freeze_lines_)
        if method is not Method.theory:
            ns.check_int("N", N_, "neurons per network", minimum=2)
            ns.check_int("networks", networks_, "networks per point", minimum=1)
            ns.check_positive("T", T_, "run length")
            t_min = SimulationPoint.t_kick + SimulationPoint.t_align
            if T_ <= t_min:
                raise ValueError(
                    f"T (run length) must be > {t_min:g} (kick at {SimulationPoint.t_kick:g}, then "
                    f"{SimulationPoint.t_align:g} of alignment), valid range ({t_min:g}, inf); got T={T_}"
                )
            simulation = SimulationPoint(p=p, N=N_, networks=networks_, T=T_, rule=rule_text, batch=batch_)
        fn = {
            Method.theory: lambda: theory,
            Method.simulation: lambda: simulation,
            Method.both: lambda: BothPoint(theory, simulation),
        }[method]()
        path = cli.out_path(out_)
        params = dict(method=method.value, preset=preset.value if preset else None, p=p, rule=rule_text)
        if method is not Method.simulation:  # where the freezable lines come from, if a column needs them
            needed = bool((np.asarray(grid.axes["g"]) > 1.0).any())
            params.update(phases.line_source(p, freeze_lines_) if needed else {"freeze_lines": freeze_lines_})
        ds = phases.sweep(
            fn,
            grid,
            out=path,
            seed=seed,
            resume=resume,
            scheduler=scheduler,
            workers=workers,
            chunk=chunk,
            progress=not (quiet or json_),
            params=params,
            connect_timeout=connect_timeout,
        )
    except (ValueError, ConnectionError, phases.CheckpointError) as err:
        cli.fail(str(err))
    wall = time.perf_counter() - t0
    counts = phases.status_counts(ds)
    figures = []
    if plot_ and counts["ok"] + counts["not_converged"] > 0:
        figures = [str(f) for f in save_figure(ds, cli.out_path(plot_))]
    result = dict(
        params=dict(
            g=g_spec,
            k=k_spec,
            p=p,
            method=method.value,
            preset=preset.value if preset else None,
            seed=seed,
            rule=repr(rule),
            **(
                {"N": N_, "networks": networks_, "T": T_, "batch": batch_}
                if method is not Method.theory
                else {"dmft": dmft_}
            ),
        ),
        n_points=int(grid.size),
        status=counts,
        out=str(path),
        figures=figures,
        wall_s=wall,
    )
    lines = [
        f"neurosyn phase-diagram  method={method.value} p={p} g={g_spec} k={k_spec} seed={seed} "
        f"rule={rule!r}"
        + (f" N={N_} networks={networks_} T={T_}" if method is not Method.theory else f" dmft={dmft_}"),
        f"  points  = {grid.size}  ok={counts['ok']} not_converged={counts['not_converged']} "
        f"failed={counts['failed']} pending={counts['pending']}",
    ]
    if "phase" in ds:
        ph = ds["phase"].values
        found = {PHASE_NAMES[int(c)]: int(np.sum(ph == c)) for c in np.unique(ph[np.isfinite(ph)])}
        lines += [f"  {name:<40s} {n} points" for name, n in found.items()]
        n_fp = int(np.nansum(ds["fixed_points"].values == 1))
        result["phases"] = {**found, PHASE_NAMES[6]: n_fp}
        lines.append(f"  {PHASE_NAMES[6]:<40s} {n_fp} points (overlay)")
    if "lambda_max_sim" in ds:
        lam = phases.masked(ds, "lambda_max_sim").values
        result["lambda_max_sim_max"] = float(np.nanmax(lam)) if np.isfinite(lam).any() else None
        lines.append(f"  max lambda_max (sim) = {fmt(result['lambda_max_sim_max'])}")
    if counts["failed"]:
        bad = ds["message"].values[ds["status"].values == phases.STATUS_CODES["failed"]]
        result["first_error"] = str(bad[0])
        lines.append(f"  first error: {bad[0]}  (rerun with --resume to retry failed points)")
    lines.append(f"  wall    = {wall:.1f} s\n  wrote   {path}" + "".join(f"\n  wrote   {f}" for f in figures))
    cli.emit(result, as_json=json_, summary="\n".join(lines))
    if counts["ok"] + counts["not_converged"] == 0:
        raise typer.Exit(code=1)
