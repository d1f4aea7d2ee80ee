"""`neurosyn lyapunov`: top (and bottom) Lyapunov exponents by QR, or λ_max by perturbation."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt


class LyapunovMethod(StrEnum):
    qr = "qr"
    perturbation = "perturbation"


def register(app: typer.Typer) -> None:
    app.command("lyapunov")(lyapunov_cmd)


def lyapunov_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g (J_ij ~ N(0, g²/N))")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k (>0 Hebbian, <0 anti-Hebbian)")] = 1.0,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
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
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Lyapunov exponents of the joint (N + N²)-dimensional network: λ_max ± err, spectrum ends, D_KY/N."""
    import jax.random as jr
    import numpy as np

    import lyapunov as ly
    import neurosyn as ns

    params = dict(
        g=g,
        k=k,
        p=p,
        N=N,
        m=m,
        T=T,
        bottom=bottom,
        method=method.value,
        dt=dt,
        t_transient=t_transient,
        t_tangent=t_tangent,
        reortho=reortho,
        synapses=not no_synapses,
    )
    progress = not quiet and not json_
    t0 = time.perf_counter()
    try:
        net = ns.Network(N=N, g=g, k=k, p=p)
        key = jr.key(seed)
        if method is LyapunovMethod.qr:
            res = ly.lyapunov_spectrum(
                net,
                key=key,
                m=m,
                T=T,
                dt=dt,
                t_transient=t_transient,
                t_tangent=t_tangent,
                reortho=reortho,
                bottom=bottom,
                synapses=not no_synapses,
                throw=False,
                progress=progress,
            )
        else:
            res = ly.lambda_max_perturbation(
                net,
                key=key,
                T=T,
                t_kick=t_transient,
                t_align=t_tangent,
                renormalise_every=reortho,
                dt=dt,
                synapses=not no_synapses,
                throw=False,
                progress=progress,
            )
    except ValueError as err:
        fail(str(err))
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
    lines = [
        f"neurosyn lyapunov  g={g} k={k} p={p} N={N} T={T} dt={dt} method={method.value} seed={seed}",
        f"  lambda_max = {fmt(result['lambda_max'])} ± {fmt(result['lambda_max_err'], 2)}",
    ]
    if method is LyapunovMethod.qr:
        top = ", ".join(fmt(v, 3) for v in result["exponents"][:5])
        lines.append(f"  top {m}      = [{top}{', …' if m > 5 else ''}]")
        if bottom:
            low = ", ".join(fmt(v, 3) for v in result["bottom_exponents"][-5:])
            lines.append(f"  bottom {bottom}   = [{'…, ' if bottom > 5 else ''}{low}]")
        lines.append(
            f"  D_KY       = {fmt(result['d_ky'])}   D_KY/N = {fmt(result['d_ky_over_N'])}"
            + ("" if result["d_ky"] is not None else f"  (cumulative sum still ≥ 0 after m={m}: raise --m)")
        )
    lines.append(f"  finite     = {converged}   wall = {wall:.2f} s")
    emit(result, as_json=json_, summary="\n".join(lines))
    if not converged:
        typer.echo(
            f"error: the run became non-finite ({status}); reduce --dt or check the parameters", err=True
        )
        raise typer.Exit(code=1)
