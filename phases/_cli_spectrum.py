"""`neurosyn spectrum`: the reduced-Jacobian spectrum of a simulated state against the Eq. 21 support."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt, out_path


def register(app: typer.Typer) -> None:
    app.command("spectrum")(spectrum_cmd)


def spectrum_cmd(
    g: Annotated[float, typer.Option(help="coupling strength g (J_ij ~ N(0, g²/N))")] = 2.0,
    k: Annotated[float, typer.Option(help="plasticity strength k (>0 Hebbian, <0 anti-Hebbian)")] = 1.0,
    p: Annotated[float, typer.Option(help="synaptic time constant p")] = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons (2N x 2N dense eigensolve)")] = 400,
    T: Annotated[float, typer.Option("--T", help="run length")] = 200.0,
    dt: Annotated[float, typer.Option(help="integration step (RK4, float64)")] = 0.1,
    t_burn: Annotated[
        float | None, typer.Option(help="burn-in before x is sampled [default min(max(200,50p),T/2)]")
    ] = None,
    sample_dt: Annotated[
        float, typer.Option(help="time between x snapshots (all N units) for the theory")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    n_grid: Annotated[int, typer.Option(help="grid points per side for the Eq. 21 support")] = 401,
    edge_c: Annotated[float, typer.Option(help="outlier tolerance c/sqrt(N) beyond the support edge")] = 3.0,
    plot: Annotated[str | None, typer.Option(help="write a Fig. 4-style plot to this image file")] = None,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Simulate, take the final state's reduced Jacobian M̃ (Eq. 18) and compare its spectrum with Eq. 21.

    The Eq. 21 average uses x of all N units at snapshots every ``sample_dt`` after burn-in, and C(0) is the
    time mean of ⟨φ²⟩ over the same window.
    """
    import jax.random as jr
    import numpy as np

    import neurosyn as ns
    import spectra

    params = dict(
        g=g, k=k, p=p, N=N, T=T, dt=dt, t_burn=t_burn, sample_dt=sample_dt, n_grid=n_grid, edge_c=edge_c
    )
    try:
        ns.check_positive("sample_dt", sample_dt, "time between x snapshots")
        net = ns.Network(N=N, g=g, k=k, p=p)
        t0 = time.perf_counter()
        record = ns.Record(dt=round(sample_dt / dt) * dt, units=tuple(range(N)), tau_max=0.0)
        sim = ns.simulate(
            net,
            T,
            key=jr.key(seed),
            dt=dt,
            method="rk4",
            dtype="float64",
            t_burn=t_burn,
            record=record,
            progress=not quiet and not json_,
        )
        if not bool(sim.converged):
            fail(f"the simulation became non-finite at g={g}, k={k}, p={p}; reduce dt")
        spec = spectra.jacobian_spectrum(net, sim.J, sim.state)
        x_samples = np.asarray(sim.x)[np.asarray(sim.t) > sim.t_burn]
        theory = spectra.spectral_support(g, k, p, float(sim.C0), x_samples, n_grid=n_grid)
        n_out = spectra.count_outliers(spec.eigenvalues, theory, N=N, c=edge_c)
        wall = time.perf_counter() - t0
    except ValueError as err:
        fail(str(err))
    result = dict(
        params=params,
        seed=seed,
        max_real=float(spec.max_real),
        n_outliers=n_out,
        topology=theory.topology,
        theory_max_real=float(theory.max_real),
        radius_k0=float(theory.radius_k0) if k == 0 else None,
        C0=float(sim.C0),
        n_x_samples=int(x_samples.size),
        f_a_error=float(spec.f_a_error),
        edge_tolerance=spectra.edge_tolerance(N, edge_c),
        grid_step=theory.step,
        wall_s=wall,
    )
    if plot:
        from matplotlib.figure import Figure

        path = out_path(plot)
        fig = Figure(figsize=(5.5, 4.5), layout="constrained")
        ax = fig.subplots()
        sc = spectra.plot_spectrum(ax, spec.eigenvalues, spec.f_a, theory.boundary, p)
        fig.colorbar(sc, ax=ax, label="f_a")
        ax.set_title(f"g={g:g} k={k:g} p={p:g} N={N} ({theory.topology})", fontsize=9)
        fig.savefig(path, dpi=120)
        result["plot"] = str(path)
    r0 = f"   k=0 radius g*sqrt<phi'^2> = {fmt(theory.radius_k0)}" if k == 0 else ""
    summary = (
        f"neurosyn spectrum  g={g} k={k} p={p} N={N} T={T} dt={dt} seed={seed}\n"
        f"  max Re lambda      = {fmt(result['max_real'])}   (final state, reduced Jacobian, 2N = {2 * N})\n"
        f"  theory max Re      = {fmt(result['theory_max_real'])}   (Eq. 21, {x_samples.size} x samples, "
        f"C(0) = {fmt(result['C0'])})\n"
        f"  topology           = {theory.topology}{r0}\n"
        f"  outliers           = {n_out}   (beyond {fmt(result['edge_tolerance'], 3)} = {edge_c:g}/sqrt(N))\n"
        f"  f_a check          = {fmt(result['f_a_error'], 2)}   (eigenvectors vs Eq. 19)\n"
        f"  wall               = {wall:.2f} s" + (f"\n  wrote   {result['plot']}" if plot else "")
    )
    emit(result, as_json=json_, summary=summary)
