"""`neurosyn infer-rule`: fit a plasticity rule (or k, p) to recorded trajectories, synthetic or
the user's own.

--data FILE.npz holds, by model:
  feedforward (activity): X [n_traj, T, N_in], Y [n_traj, T, N_out], W0 [n_traj, N_out, N_in],
                          optional observed [N_out] (bool)
  reward (choices):       X [n_traj, T, N_in], choice [n_traj, T] (0/1), R [n_traj, T], W0 [n_traj, H, N_in]
  recurrent:              x [n_traj, S, n_obs], J [N, N], dt (scalar), optional observed [n_obs] (indices)
The last ``--n-test`` trajectories are held out for R².
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._cliutil import emit, fail, fmt

_KEYS = {
    "feedforward": ("X", "Y", "W0"),
    "reward": ("X", "choice", "R", "W0"),
    "recurrent": ("x", "J", "dt"),
}


def register(app: typer.Typer) -> None:
    app.command("infer-rule")(infer_rule_cmd)


def _load(path: str, model: str):
    import numpy as np

    import neurosyn as ns

    try:
        arrays = dict(np.load(path))
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read --data {path!r} as .npz: {err}") from None
    missing = [k for k in _KEYS[model] if k not in arrays]
    if missing:
        raise ValueError(
            f"--data {path!r} lacks arrays {missing} needed for --model {model} "
            f"(expects {', '.join(_KEYS[model])})"
        )
    if model == "feedforward":
        return ns.LayerData(arrays["X"], arrays["Y"], arrays["W0"], arrays.get("observed"))
    if model == "reward":
        return ns.ChoiceData(arrays["X"], arrays["choice"], arrays["R"], arrays["W0"])
    return ns.RecurrentData(arrays["x"], arrays["J"], float(arrays["dt"]), arrays.get("observed"))


def infer_rule_cmd(
    synthetic: Annotated[str | None, typer.Option(help="synthetic task: oja, reward or recurrent")] = None,
    data: Annotated[str | None, typer.Option(help="user recordings (.npz, see module doc)")] = None,
    model: Annotated[str, typer.Option(help="with --data: feedforward, reward or recurrent")] = "feedforward",
    noise: Annotated[float, typer.Option(help="synthetic measurement noise (oja: units of std y)")] = 0.0,
    fraction: Annotated[float, typer.Option(help="synthetic recorded fraction of neurons")] = 1.0,
    n_traj: Annotated[
        int | None, typer.Option(help="synthetic trajectories [oja 6, reward 25, recurrent 4]")
    ] = None,
    n_test: Annotated[
        int | None, typer.Option(help="held-out trajectories [oja 3, reward 5, recurrent 1]")
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Adam steps [1500; reward 500; recurrent 150]")] = None,
    l1: Annotated[
        float | None, typer.Option(help="L1 weight on Taylor coefficients [1e-3; reward 1e-2]")
    ] = None,
    seed: Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")] = 0,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Infer a plasticity rule by gradient descent through the simulated trajectories."""
    import jax.random as jr
    import numpy as np

    import neurosyn as ns

    if (synthetic is None) == (data is None):
        fail("give exactly one of --synthetic {oja,reward,recurrent} or --data FILE.npz")
    t0 = time.perf_counter()
    try:
        kind = synthetic if synthetic is not None else model
        if synthetic is not None:
            ns.check_choice("synthetic", synthetic, ("oja", "reward", "recurrent"))
        else:
            ns.check_choice("model", model, tuple(_KEYS))
        kind = {"oja": "feedforward"}.get(kind, kind)
        defaults = {
            "feedforward": (6, 3, 1500, 1e-3),
            "reward": (25, 5, 500, 1e-2),
            "recurrent": (4, 1, 150, 0.0),
        }
        d_traj, d_test, d_steps, d_l1 = defaults[kind]
        n_steps, l1_ = steps or d_steps, d_l1 if l1 is None else l1
        key = jr.key(seed)
        if synthetic == "oja":
            dataset = ns.synthetic_oja(
                key=key, n_traj=n_traj or d_traj, T=150, noise=noise, fraction=fraction
            )
        elif synthetic == "reward":
            dataset = ns.synthetic_reward(key=key, n_traj=n_traj or d_traj)
        elif synthetic == "recurrent":
            dataset = ns.synthetic_recurrent(
                key=key, N=20, T=20.0, n_traj=n_traj or d_traj, fraction=fraction, noise=noise
            )
        else:
            dataset = _load(data, kind)
        n_all = dataset.x.shape[0] if kind == "recurrent" else dataset.n_traj
        train, test = dataset.split(n_all - (n_test or d_test))
        if kind == "recurrent":
            fit = ns.fit_recurrent(train, test=test, n_steps=n_steps, l1=l1_, throw=False)
            truth = dict(k=1.0, p=2.5) if synthetic else None
            # the rule is the fixed Hebbian pre·post; the fitted parameters are k and p
            result = dict(
                k=fit.k, p=fit.p, theta={"k": fit.k, "p": fit.p}, r2_weights=None, r2_activity=fit.r2_activity
            )
        else:
            rule = ns.TaylorRule(reward=kind == "reward")
            true_rule = {"oja": ns.TaylorRule.oja(), "reward": ns.reward_rule()}.get(synthetic)
            fit = ns.fit_rule(
                train, rule, test=test, n_steps=n_steps, l1=l1_, true_rule=true_rule, throw=False
            )
            truth = true_rule.coefficients() if true_rule is not None else None
            result = dict(
                theta=fit.theta,
                r2_weights=fit.r2_weights,
                r2_activity=fit.r2_activity,
                r2_activity_null=fit.r2_activity_null,
                deviance_explained=fit.deviance_explained,
                coef_error=fit.coef_error,
            )
    except ValueError as err:
        fail(str(err))
    wall = time.perf_counter() - t0
    result.update(
        source=synthetic or data,
        model=kind,
        seed=seed,
        n_steps=n_steps,
        l1=l1_,
        final_loss=float(np.asarray(fit.losses)[-1]),
        converged=bool(fit.converged),
        n_backtracked=fit.n_backtracked,
        truth=truth,
        wall_s=wall,
    )
    if kind == "recurrent":
        head = f"  k = {fmt(fit.k)}   p = {fmt(fit.p)}" + ("   (truth k = 1, p = 2.5)" if synthetic else "")
    else:
        top = sorted(fit.theta.items(), key=lambda kv: -abs(kv[1]))[:5]
        head = "  largest coefficients: " + ", ".join(f"{n} = {fmt(v, 3)}" for n, v in top)
    summary = (
        f"neurosyn infer-rule  {synthetic or data} ({kind}) seed={seed} steps={n_steps}\n{head}\n"
        f"  held-out R²: weights = {fmt(result['r2_weights'])}   activity = {fmt(result['r2_activity'])}\n"
        f"  converged = {result['converged']}   final loss = {fmt(result['final_loss'])}"
        f"   wall = {wall:.2f} s"
    )
    emit(result, as_json=json_, summary=summary)
