"""`neurosyn freeze`: the freezable-chaos phase at one (g, k, p), by two-replica theory or by simulation;
`neurosyn freeze boundaries`: the semifreezable and freezable lines k(g)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt

freeze_app = typer.Typer(
    help="Freezable chaos: halt plasticity and test the memory of the halt-time state (Sec. VII).",
    invoke_without_command=True,
    no_args_is_help=False,
)

_METHODS = ("theory", "simulation")


def register(app: typer.Typer) -> None:
    app.add_typer(freeze_app, name="freeze")


def _parse_g(text: str) -> list[float]:
    """'a:b:n' → n values from a to b inclusive; 'a,b,c' → a list; 'a' → one value."""
    import numpy as np

    try:
        if ":" in text:
            a, b, n = text.split(":")
            n = int(n)
            if n < 1:
                raise ValueError
            return [float(v) for v in np.linspace(float(a), float(b), n)]
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--g must be 'start:stop:count' (count >= 1), 'a,b,c' or a number; got --g {text!r}"
        ) from None


@freeze_app.callback(invoke_without_command=True)
def freeze_cmd(
    ctx: typer.Context,
    g: Annotated[float, typer.Option(help="coupling strength g (> 1 for chaos)")] = 2.25,
    k: Annotated[float, typer.Option(help="plasticity strength k (> 0 Hebbian)")] = 1.55,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    method: Annotated[str, typer.Option(help="theory (two-replica DMFT) or simulation")] = "theory",
    N: Annotated[int, typer.Option("--N", help="simulation: number of neurons")] = 1000,
    seeds: Annotated[int, typer.Option(help="simulation: independent networks")] = 8,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    plot: Annotated[
        str | None, typer.Option(help="draw Q(t) (and simulation traces) to this image file")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
) -> None:
    """Classify (g, k, p) as nonfreezable, semifreezable or freezable and report Q(0), ρ(0) and r."""
    if ctx.invoked_subcommand is not None:
        return
    import jax.random as jr
    import numpy as np

    import neurosyn as ns

    if method not in _METHODS:
        fail(f"unknown --method {method!r}; valid choices: {', '.join(_METHODS)}")
    params = dict(g=g, k=k, p=p, method=method, N=N, seeds=seeds)
    t0 = time.perf_counter()
    traces = None
    try:
        if method == "theory":
            import dmft

            net = ns.Network(N=1, g=g, k=k, p=p)
            res = dmft.freeze_phase(net, key=jr.key(seed), throw=False)
            sol = res.fixed_point if res.phase == 2 else res.dynamic
            result = dict(
                params=params,
                seed=seed,
                phase=res.name,
                Q0=res.Q0,
                rho0=res.rho0,
                r=res.r,
                Q0_err=float(sol.Q0_err),
                r_fixed_point=float(res.fixed_point.r),
                D0=float(sol.D0),
                C0=float(sol.C0),
                fractions=None,
                converged=bool(res.converged),
            )
            curve = (np.asarray(sol.t), np.asarray(sol.Q), f"theory ({sol.solution})")
        else:
            import fixedpoints

            net = ns.Network(N=N, g=g, k=k, p=p)
            ft = fixedpoints.freeze_test(net, key=jr.key(seed), n_networks=seeds)
            result = dict(
                params=params,
                seed=seed,
                phase=ft.majority,
                Q0=float(np.mean(ft.Q0)),
                rho0=float(np.mean(ft.rho0)),
                r=float(np.mean(ft.r)),
                Q0_std=float(np.std(ft.Q0)),
                fractions=ft.fractions,
                converged=bool(np.all(ft.converged)),
            )
            curve = (np.asarray(ft.t), np.asarray(ft.Q), f"simulation N={N}")
            if plot:
                traces = fixedpoints.freeze_cycles(
                    ns.Network(N=N, g=g, k=k, p=p), key=jr.fold_in(jr.key(seed), 1)
                )
    except ValueError as err:
        fail(str(err))
    result["wall_s"] = time.perf_counter() - t0
    if plot:
        _plot(plot, curve, traces, g, k, p)
        result["plot"] = plot
    frac = result.get("fractions")
    summary = (
        f"neurosyn freeze  g={g} k={k} p={p} method={method}"
        + (f" N={N} seeds={seeds}" if method == "simulation" else "")
        + f" seed={seed}\n  phase     = {result['phase']}\n  Q(0)      = {fmt(result['Q0'])}\n"
        f"  rho(0)    = {fmt(result['rho0'])}\n  r         = {fmt(result['r'])}\n"
        + (f"  fractions = {', '.join(f'{n} {v:.2f}' for n, v in frac.items())}\n" if frac else "")
        + f"  converged = {result['converged']}\n  wall      = {result['wall_s']:.1f} s"
        + (f"\n  wrote     {plot}" if plot else "")
    )
    emit(result, as_json=json_, summary=summary)


def _plot(path, curve, traces, g, k, p) -> None:
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    n = 1 if traces is None else 3
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 3.4), squeeze=False)
    t, Q, label = curve
    ax = axes[0, 0]
    for q in np.atleast_2d(Q):
        ax.plot(t, q, lw=1.0)
    ax.axvline(0.0, color="k", lw=0.5, ls=":")
    ax.set(xlabel="t (A's time, halt at 0)", ylabel="Q(t)", title=f"{label}: g={g}, k={k}, p={p}")
    if traces is not None:
        axes[0, 1].plot(traces.t, traces.x, lw=0.6)
        axes[0, 1].set(xlabel="t", ylabel="x_i", title="halt / kick / clamp / release")
        for i, th in enumerate(np.asarray(traces.t_halts)):
            axes[0, 2].plot(traces.t, traces.overlap[i], lw=0.8, label=f"pattern at t={th:g}")
        axes[0, 2].set(xlabel="t", ylabel="cos(φ(t), φ(halt))", title="memory of the halt state")
        axes[0, 2].legend(fontsize=7)
        for ax in axes[0, 1:]:
            for ev in traces.events:
                ax.axvline(ev.t, color="0.7", lw=0.5)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@freeze_app.command("boundaries")
def boundaries_cmd(
    g: Annotated[
        str, typer.Option(help="g values: 'start:stop:count', 'a,b,c' or one number (each > 1)")
    ] = "1.25:3:8",
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    quick: Annotated[
        bool, typer.Option(help="cheap settings (unvalidated sketch, see dmft.quick_settings)")
    ] = False,
    k_tol: Annotated[
        float | None, typer.Option(help="tolerance of the lines in k [0.02; quick 0.04]")
    ] = None,
    onset_samples: Annotated[
        int | None, typer.Option(help="A paths of the semifreezable-onset eigenvalue [512; quick 256]")
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option(help="independent draws of the fixed-point solution averaged at each k (r's noise) [1]"),
    ] = None,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    out: Annotated[
        str | None,
        typer.Option(help="JSON file of the lines with provenance, written after every g (a checkpoint)"),
    ] = None,
    resume: Annotated[bool, typer.Option(help="continue from --out: compute only the missing g")] = False,
    retry: Annotated[
        bool, typer.Option(help="with --resume: also recompute the g columns that did not converge")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """The nonfreezable → semifreezable and semifreezable → freezable lines k(g) from the two-replica DMFT.

    With ``--out`` the file is a table that `dmft.load_lines` reads (the shipped tables in dmft/data/ were
    made this way) and ``neurosyn phase-diagram --freeze-lines FILE`` uses.
    """
    import dataclasses
    from pathlib import Path

    import jax.random as jr
    import numpy as np

    import dmft
    import neurosyn as ns

    params = dict(g=g, p=p, quick=quick, k_tol=k_tol, onset_samples=onset_samples, replicates=replicates)
    try:
        gs = _parse_g(g)
        settings = dmft.quick_settings() if quick else dmft.BoundarySettings()
        if k_tol is not None:
            settings = dataclasses.replace(settings, k_tol=k_tol)
        if onset_samples is not None:
            ns.check_int("onset_samples", onset_samples, "A paths of the onset eigenvalue", minimum=16)
            settings = dataclasses.replace(settings, n_samples_onset=onset_samples)
        if replicates is not None:
            ns.check_int("replicates", replicates, "fixed-point draws per k", minimum=1)
            settings = dataclasses.replace(
                settings, method=dataclasses.replace(settings.method, n_replicates=replicates)
            )
        if out is not None and Path(out).exists() and not resume:
            raise ValueError(f"--out {out!r} exists; pass --resume to continue it, or choose another path")
        if resume and out is None:
            raise ValueError("--resume needs --out (the file to continue)")
        if retry and not resume:
            raise ValueError("--retry needs --resume (it recomputes columns of an existing --out)")
        prov = ns.provenance(params, seed=seed)  # taken before the run: the code that computes the lines
        b = dmft.freezable_boundaries(
            gs,
            p=p,
            key=jr.key(seed),
            settings=settings,
            progress=not quiet and not json_,
            checkpoint=out,
            retry=retry,
        )
        if out is not None:
            dmft.add_provenance(out, {**prov, "wall_s": b.wall_s})
    except ValueError as err:
        fail(str(err))
    result = dict(
        params=params,
        seed=seed,
        g=list(b.g),
        k_semifreezable=list(b.k_semifreezable),
        k_semifreezable_err=list(b.k_semifreezable_err),
        k_freezable=list(b.k_freezable),
        k_freezable_err=list(b.k_freezable_err),
        converged=bool(np.all(b.converged)),
        out=out,
        wall_s=b.wall_s,
    )
    rows = "\n".join(
        f"  {gv:6.3f}  {fmt(a):>8} ± {fmt(ea, 2):<6}  {fmt(c):>8} ± {fmt(ec, 2):<6}"
        for gv, a, ea, c, ec in zip(
            b.g, b.k_semifreezable, b.k_semifreezable_err, b.k_freezable, b.k_freezable_err, strict=True
        )
    )
    summary = (
        f"neurosyn freeze boundaries  p={p} quick={quick} seed={seed}\n"
        f"       g    k_semi             k_free\n{rows}\n"
        f"  apex (g → 1⁺) = {dmft.APEX_K:.5f}   converged = {result['converged']}   wall = {b.wall_s:.1f} s"
        + (f"\n  wrote   {out}" if out else "")
    )
    emit(result, as_json=json_, summary=summary)
