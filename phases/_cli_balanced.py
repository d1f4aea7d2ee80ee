"""`neurosyn balanced`: balanced E/I rates and the fixed point of the slow weight dynamics under an STDP rule,
optionally checked against a spiking EIF network."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt, out_path, write_netcdf

RULE_CHOICES = ("none", "istdp", "hebbian", "hebbian-soft", "kohonen", "homeo-ei", "homeo-ii")


def register(app: typer.Typer) -> None:
    app.command("balanced")(balanced_cmd)


def _weights(net, j) -> dict:
    return {f"{a}<-{b}": float(j[i, k]) for i, a in enumerate(net.names) for k, b in enumerate(net.names)}


def balanced_cmd(
    rule: Annotated[str, typer.Option(help=f"plasticity rule: {', '.join(RULE_CHOICES)}")] = "istdp",
    c: Annotated[float, typer.Option(help="input spike-count correlation c in [0, 1]")] = 0.0,
    eta: Annotated[float, typer.Option(help="learning rate (scaled units; sets only the speed)")] = 1.0,
    j_ei: Annotated[float, typer.Option(help="initial scaled I→E weight (mV)")] = -150.0,
    targeted: Annotated[
        bool, typer.Option(help="optogenetic protocol: extra 5 Hz input onto half of the E cells")
    ] = False,
    N: Annotated[int, typer.Option("--N", help="number of neurons (finite-N covariance; simulation)")] = 5000,
    simulate: Annotated[bool, typer.Option(help="also run the spiking EIF network")] = False,
    T: Annotated[float, typer.Option("--T", help="simulated time in seconds")] = 20.0,
    dt: Annotated[float, typer.Option(help="Euler step of the simulation in ms")] = 0.1,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    out: Annotated[
        str | None, typer.Option(help="write rates, weights and the simulation to this NetCDF file")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Is the balanced network still balanced under this rule and input correlation, and where do its
    weights go? Mean-field theory answers; --simulate checks it with a spiking network."""
    import jax.random as jr
    import numpy as np

    import neurosyn as ns
    import neurosyn.balanced as nb

    t0 = time.perf_counter()
    params = dict(rule=rule, c=c, eta=eta, j_ei=j_ei, targeted=targeted, N=N)
    try:
        ns.check_choice("rule", rule, RULE_CHOICES)
        net = nb.default_network(N, j_ei=j_ei, c=c)
        if targeted:
            net = nb.targeted_network(net)
        plastic = nb.RULES[rule](eta)
        static = nb.balanced_rates(net)
        fp = nb.weight_fixed_point(net, plastic, method="joint" if targeted else "flow", throw=False)
    except ValueError as err:
        fail(str(err))
    plastic_names = [f"{net.names[a]}<-{net.names[b]}" for a, b in fp.entries]
    balanced = bool(fp.balanced and fp.converged)
    stable = fp.stable if plastic else balanced
    result = dict(
        params=params,
        seed=seed,
        populations=list(net.names),
        rates=dict(zip(net.names, np.asarray(fp.rates).tolist(), strict=True)),
        weights=_weights(net, np.asarray(fp.j)),
        plastic=plastic_names,
        balanced=balanced,
        stable=stable,
        status=nb.WeightStatus[fp.status] if plastic else nb.BalanceStatus[static.status],
        balance=nb.BalanceStatus[fp.balance],
        eigenvalues=[float(np.real(e)) for e in np.asarray(fp.eigenvalues)],
        residual=fp.residual,
        static=dict(
            rates=dict(zip(net.names, np.asarray(static.rates).tolist(), strict=True)),
            balanced=bool(static.balanced),
            balance=nb.BalanceStatus[static.status],
        ),
    )
    lines = [
        f"neurosyn balanced  rule={rule} c={c} eta={eta} j_ei={j_ei} targeted={targeted} N={N} seed={seed}",
        "  without plasticity: "
        + ", ".join(f"r_{a} = {fmt(r)} Hz" for a, r in result["static"]["rates"].items())
        + f" ({result['static']['balance']})",
        "  plastic fixed point: " + ", ".join(f"r_{a} = {fmt(r)} Hz" for a, r in result["rates"].items()),
        "  weights: " + ", ".join(f"j[{k}] = {fmt(result['weights'][k])}" for k in plastic_names),
        f"  balanced = {balanced}, stable = {stable}  ({result['status']})",
    ]
    if simulate:
        try:
            T_ms = T * 1000.0
            sim = nb.simulate_spiking(
                net, plastic, T=T_ms, key=jr.key(seed), dt=dt, progress=not quiet and not json_
            )
        except ValueError as err:
            fail(str(err))
        result["simulation"] = dict(
            N=N,
            T=T,
            rates=dict(zip(net.names, np.asarray(sim.rates_mean).tolist(), strict=True)),
            rates_sem=dict(zip(net.names, np.asarray(sim.rates_sem).tolist(), strict=True)),
            weights=_weights(net, np.asarray(sim.j[-1])),
            # spike-weighted, averaged over the second half of the run (one interval is noisy)
            weights_effective=_weights(net, np.nanmean(np.asarray(sim.j_eff)[len(sim.t) // 2 :], axis=0)),
            n_dropped=sim.n_dropped,
            wall_s=sim.wall_s,
        )
        lines.append(
            f"  simulation (N={N}, T={T} s): "
            + ", ".join(f"r_{a} = {fmt(r)} Hz" for a, r in result["simulation"]["rates"].items())
            + "; "
            + ", ".join(
                f"j[{k}] = {fmt(result['simulation']['weights'][k])} "
                f"(spike-weighted {fmt(result['simulation']['weights_effective'][k])})"
                for k in plastic_names
            )
        )
    result["wall_s"] = time.perf_counter() - t0
    params |= dict(simulate=simulate, T=T, dt=dt)
    result["provenance"] = ns.provenance(params, seed=seed)
    if out:
        path = out_path(out)
        _save(path, net, fp, static, sim if simulate else None, result["provenance"])
        result["out"] = str(path)
        lines.append(f"  wrote   {path}")
    lines.append(f"  wall    = {result['wall_s']:.2f} s")
    emit(result, as_json=json_, summary="\n".join(lines))


def _save(path, net, fp, static, sim, prov) -> None:
    """Theory (static and plastic rates, fixed-point weights, Jacobian eigenvalues) and, if run, the simulated
    rate and weight series, as NetCDF with provenance (parameters, seed, argv, versions, git SHA)."""
    import numpy as np

    pop = ("population",)
    data = {
        "rate_static": (pop, np.asarray(static.rates, dtype=float)),
        "rate": (pop, np.asarray(fp.rates, dtype=float)),
        "j_initial": (("post", "pre"), np.asarray(net.j, dtype=float)),
        "j": (("post", "pre"), np.asarray(fp.j, dtype=float)),
        "eigenvalue_real": (("plastic",), np.real(np.asarray(fp.eigenvalues)).astype(float)),
    }
    coords = {
        "population": list(net.names),
        "post": list(net.names),
        "pre": list(net.names),
        "plastic": [f"{net.names[a]}<-{net.names[b]}" for a, b in fp.entries],
    }
    if sim is not None:
        data |= {
            "sim_rate": (("t", "population"), np.asarray(sim.rates, dtype=float)),
            "sim_j": (("t", "post", "pre"), np.asarray(sim.j, dtype=float)),
            "sim_j_eff": (("t", "post", "pre"), np.asarray(sim.j_eff, dtype=float)),
            "sim_rate_mean": (pop, np.asarray(sim.rates_mean, dtype=float)),
        }
        coords["t"] = np.asarray(sim.t, dtype=float)
    write_netcdf(data, coords, path, prov)
