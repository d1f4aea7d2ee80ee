"""Benchmark of the dmft package (printed ratios from one run; not a test).

1. Map evaluations and wall time per frozen-noise replicate to tol·noise at (g, k, p) = (2, 1, 2.5): Anderson
   mixing against plain damped iteration (target: ≤ 30 evaluations per replicate).
2. The exact k = 0 solver: a 3200-lag solution at residual ≤ 1e-10 (target: ≤ 5 s).
3. Two-replica DMFT at (g, k, p) = (2.25, 1, 2.5), one draw of 2048 A paths: the fixed-point solution by
   Anderson mixing against damped iteration (iterations, wall; same solution), and the dynamic solution's
   cost per iteration against the fixed-point one (the D(τ) quadrature's overhead; target ≤ 1.5).
"""

import os
import platform
import time

import jax
import jax.random as jr
import numpy as np

import dmft
import neurosyn as ns


def main():
    jax.config.update("jax_enable_x64", True)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"load {os.getloadavg()[0]:.1f}, jax {jax.__version__}, {jax.devices()[0]}"
    )
    net = ns.Network(N=1, g=2.0, k=1.0, p=2.5)
    method = dmft.Stationary(n_samples=1024)
    dmft.solve_dmft(net, method, key=jr.key(99), max_steps=3, throw=False)  # compile
    rows = {}
    for name, solver in (("anderson", dmft.AndersonMixing()), ("damped", dmft.DampedIteration(alpha=0.4))):
        t0 = time.perf_counter()
        sol = dmft.solve_dmft(net, method, solver=solver, key=jr.key(0), max_steps=200, throw=False)
        per_rep = np.asarray(sol.n_iter_replicates)
        rows[name] = (float(per_rep.mean()), time.perf_counter() - t0)
        print(
            f"{name:9s} evaluations per replicate {per_rep.tolist()} wall={rows[name][1]:.1f}s "
            f"C0={float(sol.C0):.4f}±{float(sol.C_err[0]):.4f} tau*={float(sol.tau_star):.3f} "
            f"converged={sol.converged}"
        )
    print(
        f"ratio damped/anderson: evaluations {rows['damped'][0] / rows['anderson'][0]:.2f}, "
        f"wall {rows['damped'][1] / rows['anderson'][1]:.2f}"
    )
    dmft.solve_scs(2.0, t_max=10.0)
    t0 = time.perf_counter()
    scs = dmft.solve_scs(2.0, dt=0.025, t_max=79.975)
    print(
        f"solve_scs g=2: {scs.lags.size} lags, residual {scs.residual:.1e}, {time.perf_counter() - t0:.2f} s "
        f"(target ≤ 5 s)"
    )
    two_replica()


def two_replica():
    from dmft._freezable_lines import _lines_dmft

    net = ns.Network(N=1, g=2.25, k=1.0, p=2.5)
    C = dmft.solve_dmft(net, _lines_dmft(), key=jr.key(0), throw=False)
    out = {}
    per_it = lambda s: s.wall_s / max(int(s.n_iter), 1)  # noqa: E731
    for name, solution, depth in (
        ("fixed_point/anderson", "fixed_point", 5),
        ("fixed_point/damped", "fixed_point", 0),
        ("dynamic/anderson", "dynamic", 5),
    ):
        m = dmft.TwoReplica(n_replicates=1, depth=depth, rtol=1e-8)
        dmft.solve_two_replica(net, C, key=jr.key(1), method=m, solution=solution, max_steps=2, throw=False)
        s = dmft.solve_two_replica(
            net, C, key=jr.key(1), method=m, solution=solution, max_steps=800, throw=False
        )
        out[name] = s
        print(
            f"two-replica {name:21s} iterations {int(s.n_iter):4d} wall {s.wall_s:6.1f}s "
            f"({per_it(s):.3f} s/it) rho0 {float(s.rho0):.4f} r {float(s.r):.4f} "
            f"converged={s.converged}"
        )
    fa, fd, dy = out["fixed_point/anderson"], out["fixed_point/damped"], out["dynamic/anderson"]
    print(
        f"ratio damped/anderson (fixed point): iterations {int(fd.n_iter) / int(fa.n_iter):.2f}, wall "
        f"{fd.wall_s / fa.wall_s:.2f}, |Δρ(0)| {abs(float(fd.rho0) - float(fa.rho0)):.1e}; "
        f"dynamic/fixed-point cost per iteration {per_it(dy) / per_it(fa):.2f} (target ≤ 1.5)"
    )


if __name__ == "__main__":
    main()
