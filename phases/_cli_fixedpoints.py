"""`neurosyn fixedpoints`: mean-field count of stable fixed points, finding at finite N, counts vs N."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt

fixedpoints_app = typer.Typer(
    name="fixedpoints",
    help="Fixed points of the plastic network: mean-field count, finite-N search, counts vs N.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(fixedpoints_app, name="fixedpoints")


def _parse_range(text: str) -> list[int]:
    """'10:40:5' → [10, 15, …, 40] (inclusive stop); '10,20,40' → [10, 20, 40]; '30' → [30]."""
    try:
        if ":" in text:
            parts = [int(v) for v in text.split(":")]
            if len(parts) not in (2, 3):
                raise ValueError
            start, stop, step = parts[0], parts[1], parts[2] if len(parts) == 3 else 1
            if step <= 0:
                raise ValueError
            return list(range(start, stop + 1, step))
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"N={text!r} must be start:stop[:step] or a comma list of integers") from None


@fixedpoints_app.command("complexity")
def complexity_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k")] = 2.0,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Mean-field (1/N) log₂ N_FP of typical stable fixed points (every branch) and the onset k_onset(g)."""
    import numpy as np

    import fixedpoints as fps

    t0 = time.perf_counter()
    try:
        c = fps.fixed_point_complexity(g, k)
        k_on = fps.k_onset(g)
    except ValueError as err:
        fail(str(err))
    n = int(c.n_branches)
    branches = [float(v) for v in np.asarray(c.log2_count)[:n]]
    C0 = [float(v) for v in np.asarray(c.C0)[:n]]
    result = dict(
        params=dict(g=g, k=k),
        branches=branches,
        C0=C0,
        s=[float(v) for v in np.asarray(c.s)[:n]],
        stability_sum=[float(v) for v in np.asarray(c.stability_sum)[:n]],
        outlier_stable=[bool(v) for v in np.asarray(c.outlier_stable)[:n]],
        dominant=int(c.dominant),
        dominant_log2_count=float(c.dominant_log2_count),
        k_onset=k_on,
        wall_s=time.perf_counter() - t0,
    )
    lines = [
        f"neurosyn fixedpoints complexity  g={g} k={k}  (p-independent)",
        f"  k_onset(g) = {fmt(k_on, 6)}",
    ]
    if n == 0:
        lines.append("  no stable mean-field fixed points (k below the onset)")
    for i in range(n):
        mark = "  <- dominant" if i == result["dominant"] else ""
        lines.append(
            f"  branch {i}: log2 N_FP / N = {fmt(branches[i], 6)}   C0 = {fmt(C0[i], 6)}   s = kC0 = "
            f"{fmt(result['s'][i], 5)}   stability sum = {fmt(result['stability_sum'][i], 6)}{mark}"
        )
    emit(result, as_json=json_, summary="\n".join(lines))


_SEEDS = ("self-coupled", "random", "sign", "trajectory")


@fixedpoints_app.command("find")
def find_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k")] = 2.25,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons")] = 200,
    n_init: Annotated[int, typer.Option(help="initial states")] = 64,
    seeds: Annotated[
        str,
        typer.Option(
            help="initial states: self-coupled (surrogate flow with the joint fixed points, then Newton), "
            "random (x ~ N(0, 1), --relax along the A-slaved flow), sign (sign patterns), trajectory "
            "(states along one simulated run)"
        ),
    ] = "self-coupled",
    T_seed: Annotated[
        float, typer.Option("--T-seed", help="run time of the self-coupled flow or the trajectory")
    ] = 2000.0,
    relax: Annotated[float, typer.Option(help="time along the A-slaved flow before Newton")] = 0.0,
    seed: Annotated[int, typer.Option(help="integer seed (J and the initial states)")] = 0,
    tol: Annotated[float, typer.Option(help="residual tolerance ‖F‖₂")] = 1e-10,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Find, polish, deduplicate and classify joint fixed points of one network."""
    import jax.numpy as jnp
    import jax.random as jr
    import numpy as np

    import fixedpoints as fps
    import neurosyn as ns

    params = dict(g=g, k=k, p=p, N=N, n_init=n_init, seeds=seeds, T_seed=T_seed, relax=relax, tol=tol)
    t0 = time.perf_counter()
    try:
        seeds = ns.check_choice("seeds", seeds, _SEEDS)
        net = ns.Network(N=N, g=g, k=k, p=p)
        key_J, key_x = jr.split(jr.key(seed))
        J = ns.sample_couplings(net, key_J)
        if seeds == "self-coupled":
            X0 = fps.self_coupled_states(net, J, n_init, key=key_x, T=T_seed)
        elif seeds == "random":
            X0 = fps.random_states(N, n_init, key=key_x)
        elif seeds == "sign":
            X0 = fps.sign_states(net, J, n_init, key=key_x)
        else:
            X0 = fps.trajectory_states(net, J, n_init, key=key_x, T=T_seed)
        res = fps.find_fixed_points(net, J, X0, tol=tol, relax=relax, throw=False)
    except ValueError as err:
        fail(str(err))
    wall = time.perf_counter() - t0
    st = np.asarray(res.stable)
    n_conv = int(np.sum(np.asarray(res.converged)))
    result = dict(
        params=params,
        seed=seed,
        n_found=res.n_found,
        n_stable=res.n_stable,
        n_converged=n_conv,
        max_residual=float(jnp.max(res.residual)) if res.x.shape[0] else None,
        max_real_bulk=[float(v) for v in np.asarray(res.max_real)[st]],
        C0=[float(v) for v in np.asarray(res.C0)[st]],
        wall_s=wall,
    )
    edges = ", ".join(fmt(v, 4) for v in result["max_real_bulk"][:8]) or "none"
    more = " …" if len(result["max_real_bulk"]) > 8 else ""
    summary = (
        f"neurosyn fixedpoints find  g={g} k={k} p={p} N={N} n_init={n_init} seeds={seeds} seed={seed}\n"
        f"  converged   = {n_conv}/{n_init} initial states (‖F‖₂ ≤ {tol:g})\n"
        f"  found       = {result['n_found']} distinct fixed points (x and −x counted apart), "
        f"{result['n_stable']} stable\n"
        f"  max |F|     = {fmt(result['max_residual'], 3)}\n"
        f"  max Re λ    = {edges}{more}  (bulk edge of M̃ at the stable ones, one per ± pair; 0 = marginal)\n"
        f"  wall        = {wall:.2f} s"
    )
    emit(result, as_json=json_, summary=summary)


@fixedpoints_app.command("count")
def count_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k")] = 2.0,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    N: Annotated[
        str, typer.Option("--N", help="sizes, start:stop[:step] (inclusive) or a comma list")
    ] = "10:40:5",
    n_init: Annotated[int, typer.Option(help="initial states per network")] = 2000,
    networks: Annotated[int, typer.Option(help="J realisations per N")] = 3,
    seeds: Annotated[
        str, typer.Option(help="initial states: self-coupled (surrogate flow) or random (A-slaved flow)")
    ] = "self-coupled",
    seed: Annotated[int, typer.Option(help="integer seed")] = 0,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Count distinct stable fixed points vs N, fit the growth rate and compare with the mean-field count."""
    import jax.random as jr
    import numpy as np

    import fixedpoints as fps

    t0 = time.perf_counter()
    try:
        Ns = _parse_range(N)
        res = fps.count_fixed_points(
            g,
            k,
            Ns,
            key=jr.key(seed),
            p=p,
            n_init=n_init,
            n_networks=networks,
            seeds=seeds,
            progress=not quiet and not json_,
        )
        theory = fps.fixed_point_complexity(g, k)
    except ValueError as err:
        fail(str(err))
    result = dict(
        params=dict(g=g, k=k, p=p, n_init=n_init, networks=networks, seeds=seeds),
        seed=seed,
        N=[int(v) for v in Ns],
        counts=np.asarray(res.counts).tolist(),
        log2_mean=[float(v) for v in np.asarray(res.log2_mean)],
        growth_rate_log2_per_neuron=res.growth_rate,
        growth_rate_err=res.growth_rate_err,
        saturation=np.asarray(res.saturation).tolist(),
        mean_field_log2_per_neuron=float(theory.dominant_log2_count),
        max_residual=res.max_residual,
        wall_s=time.perf_counter() - t0,
    )
    rows = "\n".join(
        f"  N={n:4d}  stable counts {np.asarray(res.counts)[i].tolist()}  (1/8,1/4,1/2,all inits: "
        f"{np.asarray(res.saturation)[i].sum(axis=0).tolist()})"
        for i, n in enumerate(Ns)
    )
    summary = (
        f"neurosyn fixedpoints count  g={g} k={k} p={p} n_init={n_init} networks={networks} seed={seed}\n"
        f"{rows}\n"
        f"  growth rate = {fmt(res.growth_rate)} ± {fmt(res.growth_rate_err, 2)} log2 per neuron;  "
        f"mean field = {fmt(result['mean_field_log2_per_neuron'])}\n  wall = {result['wall_s']:.1f} s"
    )
    emit(result, as_json=json_, summary=summary)
