"""`neurosyn spectrum`: the reduced-Jacobian spectrum of a simulated state against the Eq. 21 support."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from . import _cliutil as cli
from ._cliutil import fmt

# the full (N + N²)-dimensional Jacobian (per-synapse p) is a dense eigensolve of that size
FULL_N_MAX = 40


def register(app: typer.Typer) -> None:
    app.command("spectrum")(spectrum_cmd)


@cli.rule_options
def spectrum_cmd(
    g: cli.G = 2.0,
    k: cli.K = 1.0,
    p: cli.P = 2.5,
    N: Annotated[int, typer.Option("--N", help="number of neurons (2N x 2N dense eigensolve)")] = 400,
    T: Annotated[float, typer.Option("--T", help="run length")] = 200.0,
    dt: Annotated[float, typer.Option(help="integration step (RK4, float64)")] = 0.1,
    t_burn: Annotated[
        float | None, typer.Option(help="burn-in before C(0) is averaged [default min(max(200,50p),T/2)]")
    ] = None,
    seed: cli.Seed = 0,
    n_grid: Annotated[int, typer.Option(help="grid points per side for the Eq. 21 support")] = 401,
    edge_c: Annotated[float, typer.Option(help="outlier tolerance c/sqrt(N) beyond the support edge")] = 3.0,
    plot: Annotated[str | None, typer.Option(help="write a Fig. 4-style plot to this image file")] = None,
    json_: cli.Json = False,
    quiet: cli.Quiet = False,
    rule=None,
    rule_text: str = "hebbian",
) -> None:
    """Simulate, take the final state's reduced Jacobian M̃ (Eq. 18) and compare its spectrum with Eq. 21.

    The Eq. 21 support is that of the final state itself (`spectra.state_support`: the average over its N
    values of x, and C(0) = ‖φ(x)‖²/N), i.e. exactly the D and C(0) of M̃_bulk; the time-mean C(0) after
    burn-in is reported beside it. Eq. 21 holds for the Hebbian rule; other rules get the spectrum
    and the f_a check only. Per-synapse p (``--rule heterogeneous``) has no reduced Jacobian: the full
    (N + N²)-dimensional one is used (N ≤ 40). Delayed rules (stdp) have no Jacobian on (x, A).
    """
    import jax.random as jr
    import numpy as np

    import neurosyn as ns
    import spectra

    params = dict(g=g, k=k, p=p, N=N, T=T, dt=dt, t_burn=t_burn, n_grid=n_grid, edge_c=edge_c)
    with cli.failing_on():
        params["rule"] = repr(rule)
        cli.require_rule(rule, delay=False, what="the Jacobian spectrum")
        full = isinstance(rule, ns.Heterogeneous)
        if full and N > FULL_N_MAX:
            raise ValueError(
                f"--rule {rule!r} (per-synapse p) needs the full (N + N²)-dimensional Jacobian; "
                f"--N must be <= {FULL_N_MAX}, got --N {N}"
            )
        net, key = cli.rule_network(N, g, k, p, rule, jr.key(seed))
        t0 = time.perf_counter()
        record = ns.Record(dt=dt, units=(), tau_max=0.0)
        sim = ns.simulate(
            net,
            T,
            key=key,
            dt=dt,
            method="rk4",
            dtype="float64",
            t_burn=t_burn,
            record=record,
            progress=not quiet and not json_,
        )
        if not bool(sim.converged):
            cli.fail(f"the simulation became non-finite at g={g}, k={k}, p={p}; reduce dt")
        eigs, f_a, f_a_error = (_full_spectrum if full else _reduced_spectrum)(net, sim)
        # Eq. 21 from the Jacobian's own state (its D = diag φ′(x) and C(0) = ‖φ(x)‖²/N): time-averaged x
        # statistics move the edge by O(1/√N) and gave false outliers at k < 0
        theory = spectra.state_support(net, sim.state, n_grid=n_grid) if rule == ns.hebbian else None
        wall = time.perf_counter() - t0
    n_out = spectra.count_outliers(eigs, theory, N=N, c=edge_c) if theory is not None else None
    result = dict(
        params=params,
        seed=seed,
        jacobian="full" if full else "reduced",
        n_eigenvalues=int(eigs.size),
        max_real=float(np.max(eigs.real)),
        n_outliers=n_out,
        topology=theory.topology if theory is not None else None,
        theory_max_real=float(theory.max_real) if theory is not None else None,
        radius_k0=float(theory.radius_k0) if theory is not None and k == 0 else None,
        C0=float(sim.C0),
        C0_state=float(theory.C0) if theory is not None else None,
        n_x_samples=N if theory is not None else None,
        f_a_error=f_a_error,
        edge_tolerance=spectra.edge_tolerance(N, edge_c),
        grid_step=theory.step if theory is not None else None,
        wall_s=wall,
    )
    if plot:
        from matplotlib.figure import Figure

        path = cli.out_path(plot)
        fig = Figure(figsize=(5.5, 4.5), layout="constrained")
        ax = fig.subplots()
        boundary = theory.boundary if theory is not None else None
        sc = spectra.plot_spectrum(ax, eigs, f_a, boundary, p, delta=not full)
        fig.colorbar(sc, ax=ax, label="f_a")
        topology = theory.topology if theory is not None else "no Eq. 21 theory for this rule"
        ax.set_title(f"g={g:g} k={k:g} p={p:g} N={N} rule={rule!r} ({topology})", fontsize=8)
        fig.savefig(path, dpi=120)
        result["plot"] = str(path)
    no_theory = "n/a (Eq. 21 is derived for the Hebbian rule)"
    r0 = f"   k=0 radius g*sqrt<phi'^2> = {fmt(theory.radius_k0)}" if theory is not None and k == 0 else ""
    rows = [
        (
            "max Re lambda",
            f"{fmt(result['max_real'])}   (final state, {result['jacobian']} Jacobian, "
            f"{eigs.size} eigenvalues)",
        ),
        (
            "theory max Re",
            no_theory
            if theory is None
            else f"{fmt(result['theory_max_real'])}   (Eq. 21 at the final state: "
            f"{N} x values, C(0) = {fmt(result['C0_state'])})",
        ),
        ("topology", no_theory if theory is None else f"{theory.topology}{r0}"),
        (
            "outliers",
            no_theory
            if theory is None
            else f"{n_out}   (beyond {fmt(result['edge_tolerance'], 3)} = {edge_c:g}/sqrt(N))",
        ),
        ("f_a check", f"{fmt(f_a_error, 2)}   (eigenvectors vs Eq. 19)"),
    ]  # cli.fmt: skip
    title = f"neurosyn spectrum  g={g} k={k} p={p} N={N} T={T} dt={dt} seed={seed} rule={params['rule']}"
    text = cli.summary(title, rows, wall=wall, wrote=[result["plot"]] if plot else [])
    cli.emit(result, as_json=json_, summary=text)


def _reduced_spectrum(net, sim):
    """Eigenvalues and f_a of the reduced Jacobian M̃, and max |f_a − f_a(λ)| (Eq. 19 with the rule's
    drive and decay rates, so the no-decay rule is covered too)."""
    import numpy as np

    import spectra

    spec = spectra.jacobian_spectrum(net, sim.J, sim.state)
    return np.asarray(spec.eigenvalues), np.asarray(spec.f_a), float(spec.f_a_error)


def _full_spectrum(net, sim):
    """Eigenvalues of the full (N + N²)-dimensional Jacobian and f_a = ‖v_A‖²/‖v‖² of each eigenvector
    (no closed form to check it against: NaN)."""
    import numpy as np
    import scipy.linalg

    import spectra

    M = np.asarray(spectra.full_jacobian(net, sim.J, sim.state))
    lam, V = scipy.linalg.eig(M, check_finite=True)
    f_a = np.sum(np.abs(V[net.N :]) ** 2, axis=0) / np.sum(np.abs(V) ** 2, axis=0)
    order = np.lexsort((-lam.imag, -lam.real))
    return lam[order], f_a[order], float("nan")
