"""`neurosyn lyapunov`: top (and bottom) Lyapunov exponents by QR, or λ_max by perturbation."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt


class LyapunovMethod(StrEnum):
    qr = "qr"
    perturbation = "perturbation"


def register(app: typer.Typer) -> None:
    app.command("lyapunov")(lyapunov_cmd)


@cli.rule_options
def lyapunov_cmd(
    g: cli.G = 2.0,
    k: cli.K = 1.0,
    p: cli.P = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons")] = 300,
    m: Annotated[int, typer.Option("--m", help="number of top exponents (QR)")] = 64,
    T: Annotated[float, typer.Option("--T", help="measured time (after the transients)")] = 500.0,
    bottom: Annotated[int, typer.Option(help="number of bottom exponents (backward pass; QR only)")] = 0,
    method: Annotated[LyapunovMethod, typer.Option(help="qr (spectrum) or perturbation (λ_max only)")] = (
        LyapunovMethod.qr
    ),
    dt: Annotated[float, typer.Option(help="integration step (RK4)")] = 0.1,
    t_transient: Annotated[
        float, typer.Option(help="state-only transient (perturbation: kick time)")
    ] = 300.0,
    t_tangent: Annotated[
        float, typer.Option(help="tangent alignment, discarded (perturbation: t_align)")
    ] = 200.0,
    reortho: Annotated[
        float, typer.Option(help="time between QRs (perturbation: between renormalisations)")
    ] = 0.5,
    no_synapses: Annotated[
        bool, typer.Option(help="k = 0 network without synaptic state (dimension N)")
    ] = False,
    seed: cli.Seed = 0,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
    rule=None,
    rule_text: str = "hebbian",
) -> None:
    """Lyapunov exponents of the joint (N + N²)-dimensional network: λ_max ± err, spectrum ends, D_KY/N.

    Any rule without a delay works (the tangent map is the jvp of the RK step); per-synapse p
    (``--rule heterogeneous``) is drawn from the seed. Delayed rules (stdp) are refused.
    """
    import jax.random as jr
    import numpy as np

    import lyapunov as ly
    import neurosyn as ns

    params = dict(g=g, k=k, p=p, N=N, m=m, T=T, bottom=bottom, method=method.value, dt=dt)
    params |= dict(t_transient=t_transient, t_tangent=t_tangent, reortho=reortho, synapses=not no_synapses)
    common = dict(T=T, dt=dt, synapses=not no_synapses, throw=False, progress=not quiet and not json_)
    t0 = time.perf_counter()
    with cli.failing_on():
        params["rule"] = repr(rule)
        cli.require_rule(rule, delay=False, what="the tangent dynamics")
        net, key = cli.rule_network(N, g, k, p, rule, jr.key(seed))
        if method is LyapunovMethod.qr:
            qr = dict(m=m, t_transient=t_transient, t_tangent=t_tangent, reortho=reortho, bottom=bottom)
            res = ly.lyapunov_spectrum(net, key=key, **qr, **common)
        else:
            res = ly.lambda_max_perturbation(
                net, key=key, t_kick=t_transient, t_align=t_tangent, renormalise_every=reortho, **common
            )
    wall = time.perf_counter() - t0
    status = str(res.status._value) if hasattr(res.status, "_value") else str(res.status)
    converged = bool(res.converged)
    result = dict(
        params=params,
        seed=seed,
        lambda_max=float(res.lambda_max),
        lambda_max_err=float(res.lambda_max_err),
        converged=converged,
        wall_s=wall,
    )
    if method is LyapunovMethod.qr:
        result["exponents"] = np.asarray(res.exponents).tolist()
        result["exponents_err"] = np.asarray(res.exponents_err).tolist()
        if bottom:
            result["bottom_exponents"] = np.asarray(res.bottom_exponents).tolist()
        ky_ok = res.d_ky_status == ns.Status.success
        result["d_ky"] = float(res.d_ky) if ky_ok else None
        result["d_ky_over_N"] = float(res.d_ky_over_N) if ky_ok else None
    title = (
        f"neurosyn lyapunov  g={g} k={k} p={p} N={N} T={T} dt={dt} method={method.value} seed={seed} "
        f"rule={params['rule']}"
    )
    rows = [("lambda_max", f"{fmt(result['lambda_max'])} ± {fmt(result['lambda_max_err'], 2)}")]
    if method is LyapunovMethod.qr:
        top = ", ".join(fmt(v, 3) for v in result["exponents"][:5])
        rows.append((f"top {m}", f"[{top}{', …' if m > 5 else ''}]"))
        if bottom:
            low = ", ".join(fmt(v, 3) for v in result["bottom_exponents"][-5:])
            rows.append((f"bottom {bottom}", f"[{'…, ' if bottom > 5 else ''}{low}]"))
        hint = "" if result["d_ky"] is not None else f"  (cumulative sum still ≥ 0 after m={m}: raise --m)"
        rows.append(("D_KY", f"{fmt(result['d_ky'])}   D_KY/N = {fmt(result['d_ky_over_N'])}{hint}"))
    rows.append(("finite", str(converged)))
    cli.emit(result, as_json=json_, summary=cli.summary(title, rows, wall=wall))
    if not converged:
        typer.echo(
            f"error: the run became non-finite ({status}); reduce --dt or check the parameters", err=True
        )
        raise typer.Exit(code=1)
