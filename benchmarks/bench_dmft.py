"""Benchmark of the dmft package (printed ratios from one run; not a test).

1. Iterations and wall time to the statistical floor at (g, k, p) = (2, 1, 2.5): Anderson vs damped iteration.
2. The exact k = 0 solver: a 3200-lag solution at residual ≤ 1e-10.
"""

import os
import platform
import time

import jax
import jax.random as jr

import dmft
import neurosyn as ns


def main():
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"jax {jax.__version__}, "
        f"{jax.devices()[0]}"
    )
    net = ns.Network(N=1, g=2.0, k=1.0, p=2.5)
    method = dmft.Stationary(n_samples=1024)
    dmft.solve_dmft(net, method, key=jr.key(99), max_steps=3, throw=False)  # compile
    rows = {}
    for name, solver in (("anderson", dmft.AndersonMixing()), ("damped", dmft.DampedIteration(alpha=0.4))):
        t0 = time.perf_counter()
        sol = dmft.solve_dmft(net, method, solver=solver, key=jr.key(0), max_steps=100, throw=False)
        rows[name] = (
            int(sol.n_iter),
            time.perf_counter() - t0,
            float(sol.C0),
            float(sol.C_err[0]),
            sol.converged,
        )
        print(
            f"{name:9s} n_iter={rows[name][0]:3d} wall={rows[name][1]:.1f}s C0={rows[name][2]:.4f}"
            f"±{rows[name][3]:.4f} converged={rows[name][4]}"
        )
    print(
        f"ratio damped/anderson: iterations {rows['damped'][0] / rows['anderson'][0]:.2f}, "
        f"wall {rows['damped'][1] / rows['anderson'][1]:.2f}"
    )
    dmft.solve_scs(2.0, t_max=10.0)
    t0 = time.perf_counter()
    scs = dmft.solve_scs(2.0, dt=0.025, t_max=79.975)
    print(
        f"solve_scs g=2: {scs.lags.size} lags, residual {scs.residual:.1e}, {time.perf_counter() - t0:.2f} s "
        f"(target ≤ 5 s)"
    )


if __name__ == "__main__":
    main()
