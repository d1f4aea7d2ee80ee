"""Point functions of the phase diagram: theory (lines, labels, DMFT) and simulation (λ_max, settling).

Each is a frozen dataclass, so its settings are part of a sweep's identity, and picklable for spawned or Dask
workers. Boundaries depend on g (and p) only: they are computed once per g column and cached per process.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math

from ._labels import DYNAMIC, label_phase


def _api(pkg: str, name: str):
    """``pkg.name`` from the package's public API, or a clear error naming what is missing."""
    mod = importlib.import_module(pkg)
    fn = getattr(mod, name, None)
    if fn is None:
        raise NotImplementedError(
            f"{pkg}.{name} is not available in this checkout (needed by the phase diagram)"
        )
    return fn


def _finite_or_nan(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _value(res, name: str) -> float:
    """A boundary as a float, from a plain number or a result object carrying it under ``name``."""
    return _finite_or_nan(getattr(res, name, res))


FREEZE_LINES = ("table", "compute", "quick", "off")


def _check_lines(lines: str) -> None:
    from pathlib import Path

    if lines not in FREEZE_LINES and not Path(lines).is_file():
        raise ValueError(
            f"freeze_lines must be one of {', '.join(FREEZE_LINES)} or the path of a freezable-lines file "
            f"(`neurosyn freeze boundaries --out`); got freeze_lines={lines!r}"
        )


@functools.lru_cache(maxsize=4096)
def boundaries(g: float, p: float, lines: str = "table") -> dict[str, float]:
    """The phase lines that cross the column at this g, at synaptic time constant p (NaN where absent).

    k_crit(g) for g ≤ 1 (first-order line, §4.3; its exact ends k_crit(0) = 2.0170 and k_crit(1) = 1 are used
    at g = 0 and g = 1, `dmft.k_crit` in between, with its default key); the nonfreezable →
    semifreezable and semifreezable → freezable lines for g > 1 (two-replica DMFT, §8); the fixed-point onset
    k_onset(g) (§7.4, independent of p; NaN where no onset in range). ``lines`` says where the two freezable
    lines come from: "table" (`dmft.tabulated_lines(p)`, interpolated in g; an error if p has no table),
    "compute" (`dmft.k_semifreezable`/`k_freezable`, minutes per g; below `dmft.G_RELIABLE` = 1.5 linear
    from the apex at g = 1 to the line at 1.5, as in the tables), "quick" (the same with
    `dmft.quick_settings`, about ±0.05 in k), "off" (NaN), or a file written by ``neurosyn freeze boundaries
    --out`` (at this p).
    """
    _check_lines(lines)
    out = {"k_crit": math.nan, "k_semifreezable": math.nan, "k_freezable": math.nan, "k_onset": math.nan}
    if g == 0.0:  # the line starts at the exact g = 0 fixed-point threshold (§4.3, §7.5)
        out["k_crit"] = float(_api("fixedpoints", "g0_kc")())
    elif g < 1.0:
        out["k_crit"] = _value(_api("dmft", "k_crit")(g), "k_crit")
    elif g == 1.0:
        out["k_crit"] = 1.0
    elif lines != "off":  # a missing line only fails the points that need it (k > 0), with the reason
        for name in ("k_semifreezable", "k_freezable"):
            try:
                out[name] = _freezable_line(name, g, p, lines)
            except Exception as err:
                _REASONS[(name, g, p)] = f"{type(err).__name__}: {err}"
    out["k_onset"] = _finite_or_nan(_api("fixedpoints", "k_onset")(g))
    return out


def _freezable_line(name: str, g: float, p: float, lines: str) -> float:
    if lines in ("compute", "quick"):
        line = lambda gv: _value(_api("dmft", name)(gv, p, quick=lines == "quick"), name)
        g_min = _api("dmft", "G_RELIABLE")
        if g < g_min:  # as the tables do: linear from the apex at g = 1 (the window fails nearer g = 1)
            return _api("dmft", "from_apex")(g, [g_min], [line(g_min)])
        return line(g)
    table = _line_table(p, lines)
    return _finite_or_nan(getattr(table, name.removeprefix("k_"))(g))


@functools.lru_cache(maxsize=64)
def _line_table(p: float, lines: str):
    if lines == "table":
        return _api("dmft", "tabulated_lines")(p)
    table = _api("dmft", "load_lines")(lines)
    if abs(table.p - p) > 1e-12:
        raise ValueError(f"freezable-lines file {lines!r} is for p={table.p:g}, not p={p:g}")
    return table


def line_source(p: float, lines: str) -> dict:
    """Provenance of the freezable lines used at p: the mode, and for a table its file, seed, command, git
    SHA and creation time."""
    _check_lines(lines)
    if lines in ("compute", "quick", "off"):
        return {"freeze_lines": lines}
    try:
        table = _line_table(p, lines)
    except ValueError as err:
        raise ValueError(
            f"{err} (for a phase diagram: --freeze-lines compute or quick, or TheoryPoint(freeze_lines="
            "'compute'))"
        ) from None
    prov = table.provenance or {}
    return {
        "freeze_lines": lines,
        "freeze_lines_file": table.path,
        "freeze_lines_seed": prov.get("seed"),
        "freeze_lines_argv": " ".join(prov.get("argv", [])),
        "freeze_lines_git": (prov.get("git") or {}).get("sha"),
        "freeze_lines_utc": prov.get("utc"),
    }


_REASONS: dict = {}  # why a cached boundary is NaN, per (name, g, p), for the points' failure messages


@dataclasses.dataclass(frozen=True)
class TheoryPoint:
    """Theory at one (g, k): phase label, the lines through its column, and DMFT observables.

    Returns phase (1–5, 7, 8 for (i)–(v), (vii), (viii)), fixed_points (1 in region (vi)), the four
    boundaries, log2_n_fp ((1/N) log₂ N_FP of the dominant branch; 0 where no stable fixed point exists), and
    with ``dmft=True`` in dynamic phases C0, tau_star and pr_A from the stationary DMFT (C0 = 0 in (v)); at
    k = 0 and g > 1 also lambda_max_dmft. A non-converged DMFT solve gives status "not_converged" with its
    message.
    Attributes:
        p: synaptic time constant (overridden by a ``p`` grid axis).
        dmft: solve the DMFT at every dynamic point (about 20 s each on one CPU core); False stores the
            labels, lines and counts only.
        count: compute log2_n_fp.
        freeze_lines: where the two freezable lines come from (`boundaries`): "table" (default; the shipped
            two-replica table at p, interpolated in g), "compute" (minutes per g column), "quick", a table
            file, or "off", which labels g > 1, k > 0 as phase 9, Hebbian chaos whose freezability was not
            computed.
        dmft_samples: single sites per DMFT iteration (``dmft.Stationary.n_samples``); the DMFT key is the
            point seed.
    """

    p: float = 2.5
    dmft: bool = True
    count: bool = True
    dmft_samples: int = 1024
    freeze_lines: str = "table"

    def __post_init__(self):
        _check_lines(self.freeze_lines)

    def __call__(self, point, *, seed):
        g, k = float(point["g"]), float(point["k"])
        p = float(point.get("p", self.p))
        lines = boundaries(g, p, self.freeze_lines)
        try:
            if self.freeze_lines == "off" and g > 1.0 and k > 1e-12:
                phase = 9
                fp = int(math.isfinite(lines["k_onset"]) and k >= lines["k_onset"])
            else:
                phase, fp = label_phase(g, k, **lines)
        except ValueError as err:
            why = [r for (name, g_, p_), r in _REASONS.items() if (g_, p_) == (g, p) and name in str(err)]
            raise ValueError(f"{err}{' because ' + why[0] if why else ''}") from None
        out = {"phase": phase, "fixed_points": fp, **lines}
        status, messages = "ok", []
        if self.count:
            out["log2_n_fp"] = _log2_count(g, k)
        if self.dmft:
            if phase in DYNAMIC:
                res = _dmft_observables(g, k, p, seed, self.dmft_samples)
                if not res.pop("converged"):
                    status = "not_converged"
                    messages.append(res.pop("message"))
                res.pop("message", None)
                out.update(res)
            else:
                out.update(C0=0.0, tau_star=math.nan, pr_A=math.nan)
            if phase == 1:
                out["lambda_max_dmft"] = _finite_or_nan(_api("dmft", "lyapunov_dmft")(g).lambda_max)
        out["status"] = status
        out["message"] = "; ".join(messages)
        return out


def _log2_count(g: float, k: float) -> float:
    c = _api("fixedpoints", "fixed_point_complexity")(g, k)
    dom = int(c.dominant)
    return float(c.log2_count[dom]) if dom >= 0 else 0.0


def _dmft_observables(g: float, k: float, p: float, seed: int, n_samples: int) -> dict:
    import jax.random as jr

    import neurosyn as ns

    Stationary = _api("dmft", "Stationary")
    sol = _api("dmft", "solve_dmft")(
        ns.Network(N=1, g=g, k=k, p=p), Stationary(n_samples=n_samples), key=jr.key(seed), throw=False
    )
    ok = bool(sol.converged)
    return {
        "C0": _finite_or_nan(sol.C0),
        "tau_star": _finite_or_nan(sol.tau_star),
        "pr_A": _finite_or_nan(sol.pr_A),
        "dmft_residual": _finite_or_nan(sol.residual),
        "converged": ok,
        "message": "" if ok else f"DMFT: {ns.Status[sol.status]} (residual {float(sol.residual):.2g})",
    }


@dataclasses.dataclass(frozen=True)
class SimulationPoint:
    """Finite-N simulation at one (g, k): a vmapped batch of ``networks`` networks of ``N`` units.

    Returns lambda_max_sim (mean over the networks that stay dynamic) and its standard error, frac_quiescent
    (‖x‖/√N < 1e-3 at the end), frac_fixed_points (‖ẋ‖/√N < 1e-6 and |PR_A − 1| < 1e-4 at the end,
    model.md §6.1), C0_sim. For g < 1 (and ``deform``) the states are prepared by deformation from g = 1.4.
    Assumptions: perturbation method of model.md §6.1: kick of norm ``kick`` to x at ``t_kick``, ``t_align``
    discarded, then two-trajectory renormalisation until ``T`` (`lyapunov.lambda_max_perturbation`). The
    settling criteria are read from a reference run with the same key and initial state. λ_max is the mean
    over all finite networks (those that settled or went quiescent included); its error is the standard error
    across networks.
    ``batch``: networks per vmapped batch of the reference run and the deformation (None: all at once). A
    batch holds about 10·batch·N² numbers (N = 4000 in float64: ~1.3 GB per network). Batches after the first
    draw their networks from keys folded with the batch index, so a result depends on ``batch`` through which
    random networks were drawn, as it does on the seed.
    """

    p: float = 2.5
    N: int = 200
    networks: int = 4
    T: float = 850.0
    t_kick: float = 250.0
    kick: float = 1e-2
    dt: float = 0.1
    t_align: float = 50.0
    dtype: str = "float64"
    deform: bool = True
    rule: str = "hebbian"  # a `neurosyn.parse_rule` spec; heterogeneous p_ij are drawn once per point
    batch: int | None = None

    def __post_init__(self):
        if self.batch is not None and (not isinstance(self.batch, int) or self.batch < 1):
            raise ValueError(f"batch={self.batch!r}: networks per vmapped batch, an integer >= 1 or None")

    def __call__(self, point, *, seed):
        return _simulate_point(
            self, float(point["g"]), float(point["k"]), float(point.get("p", self.p)), seed
        )


def _simulate_point(cfg: SimulationPoint, g: float, k: float, p: float, seed: int) -> dict:
    import jax.random as jr
    import numpy as np

    import neurosyn as ns

    n = cfg.networks
    rule = ns.parse_rule(cfg.rule)
    key_def, key_run = jr.split(jr.key(seed))
    if isinstance(rule, ns.Heterogeneous):  # one p_ij draw shared by the point's networks
        p = rule.sample_p(jr.fold_in(key_def, 1), cfg.N)
    net = ns.Network(N=cfg.N, g=g, k=k, p=p, rule=rule)
    deformed = cfg.deform and g < 1.0
    size = n if cfg.batch is None else min(cfg.batch, n)
    parts = []
    for c, start in enumerate(range(0, n, size)):  # batch 0 keeps the point's keys: batch=None is one batch
        keys = (key_def, key_run) if c == 0 else (jr.fold_in(key_def, c), jr.fold_in(key_run, c))
        parts.append(_simulate_batch(cfg, net, min(size, n - start), deformed, *keys))
    lam, lam_err, finite, quiescent, settled, C0 = (np.concatenate(a) for a in zip(*parts, strict=True))
    lam_ok = lam[finite]
    err = (
        float(np.std(lam_ok, ddof=1) / np.sqrt(lam_ok.size))
        if lam_ok.size > 1
        else float(lam_err[finite][0])
        if lam_ok.size
        else math.nan
    )
    out = {
        "lambda_max_sim": float(np.mean(lam_ok)) if lam_ok.size else math.nan,
        "lambda_max_sim_err": err,
        "frac_quiescent": float(np.mean(quiescent)),
        "frac_fixed_points": float(np.mean(settled)),
        "C0_sim": float(np.mean(C0)),
        "deformed": float(deformed),
    }
    if not finite.all():
        out["status"] = "not_converged"
        out["message"] = f"{int((~finite).sum())} of {n} networks became non-finite; reduce dt"
    return out


def _simulate_batch(cfg: SimulationPoint, net, n: int, deformed: bool, key_def, key_run) -> tuple:
    """One vmapped batch of ``n`` networks: per-network λ_max, its error, finite, quiescent, settled, C(0)."""
    import jax.random as jr
    import numpy as np

    import neurosyn as ns

    lambda_max_perturbation = _api("lyapunov", "lambda_max_perturbation")
    x0 = A0 = J0 = None
    if deformed:  # dynamic states at g < 1 coexist with the stable trivial one: anneal down from g = 1.4
        state, J0 = ns.deform(net, key=key_def, dt=cfg.dt, dtype=cfg.dtype, n_networks=n)
        x0, A0 = state.x, state.A
    # same key and same (x0, A0, J0): this reference run is the reference trajectory of the λ_max pair
    sim = ns.simulate(
        net,
        cfg.T,
        key=key_run,
        dt=cfg.dt,
        dtype=cfg.dtype,
        n_networks=n,
        x0=x0,
        A0=A0,
        J0=J0,
        record=ns.Record(dt=cfg.dt * max(1, round(1.0 / cfg.dt)), units=(), tau_max=0.0),
        t_burn=cfg.t_kick,
    )
    # one network at a time with the keys a batch would use (jr.split(key, n)[i]): the same (J, x0) as the
    # batched reference run; one compile, shared by all networks of all points with this N
    keys = jr.split(key_run, n)
    pick = lambda a, i: None if a is None else a[i]
    runs = [
        lambda_max_perturbation(
            net,
            key=keys[i],
            T=cfg.T - cfg.t_kick - cfg.t_align,
            t_kick=cfg.t_kick,
            size=cfg.kick,
            t_align=cfg.t_align,
            dt=cfg.dt,
            dtype=cfg.dtype,
            x0=pick(x0, i),
            A0=pick(A0, i),
            J0=pick(J0, i),
            throw=False,
        )
        for i in range(n)
    ]
    finite = np.array([bool(r.converged) for r in runs]) & np.asarray(sim.converged)
    quiescent = np.asarray(sim.quiescent(1e-3))
    settled = np.asarray(sim.settled(1e-6)) & (np.abs(np.asarray(sim.pr_A[:, -1]) - 1.0) < 1e-4) & ~quiescent
    return (
        np.array([float(r.lambda_max) for r in runs]),
        np.array([float(r.lambda_max_err) for r in runs]),
        finite,
        quiescent,
        settled,
        np.asarray(sim.C0),
    )


@dataclasses.dataclass(frozen=True)
class BothPoint:
    """Theory and simulation at one point (outputs merged; the worse status wins)."""

    theory: TheoryPoint = TheoryPoint()
    simulation: SimulationPoint = SimulationPoint()

    def __call__(self, point, *, seed):
        a = self.theory(point, seed=seed)
        try:
            b = self.simulation(point, seed=seed)
        except Exception as err:  # keep the theory; the point is flagged
            b = {"status": "failed", "message": f"simulation: {type(err).__name__}: {err}"}
        order = ("ok", "not_converged", "failed")
        status = max(a.pop("status", "ok"), b.pop("status", "ok"), key=order.index)
        message = "; ".join(m for m in (a.pop("message", ""), b.pop("message", "")) if m)
        return {**a, **b, "status": status, "message": message}
