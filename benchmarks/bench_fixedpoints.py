"""Benchmark: polish 64 initial states at N = 1000 to ‖F‖₂ ≤ 1e-10 in float64, against a SciPy `root`
baseline.

Both solvers start from the same states: sign patterns x⁰ = χσ (χ = k tanh³χ, the g = 0 fixed point) with one
map step x = (J + A*)φ(x⁰) added (untimed preparation). At small g (default 0.3) every sign pattern has a
nearby stable fixed point, so these are states near, but not at, joint fixed points: what a polish sees.
(At g ~ 1–2 such states, or short relaxations, are still in transient chaos and neither solver converges.)
SciPy's MINPACK `hybr` gets the same analytic Jacobian and runs state by state; it is
timed on fewer states and compared per state. Prints ratios from one run; nothing is asserted.
The neurosyn solve is timed after an identical warm-up call (compilation excluded).

    python benchmarks/bench_fixedpoints.py [--N 1000] [--n 64] [--n-scipy 4]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from scipy import optimize

import fixedpoints as fp
import neurosyn as ns


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--n-scipy", type=int, default=4)
    ap.add_argument("--g", type=float, default=0.3)
    ap.add_argument("--k", type=float, default=3.0)
    ap.add_argument("--relax", type=float, default=0.0)
    args = ap.parse_args()
    N, n = args.N, args.n
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, "
        f"jax {jax.__version__} on {jax.devices()[0].platform}, x64={jax.config.jax_enable_x64}"
    )
    net = ns.Network(N=N, g=args.g, k=args.k, p=2.5)
    key_J, key_s = jr.split(jr.key(0))
    J = ns.sample_couplings(net, key_J)

    # untimed preparation: near-fixed-point states (one relaxation, no Newton steps)
    chi = fp.g0_chi(args.k) if args.k > fp.g0_kc() else 1.5
    X0 = fp.sign_states(net, J, n, key=key_s, chi=chi)
    # Euler steps (dt = 0.2) of the A-slaved flow ẋ = F(x), the same map as `find_fixed_points(relax=...)`
    X = X0
    for _ in range(int(round(args.relax / 0.2))):
        X = X + 0.2 * jax.vmap(lambda x: fp.residual_function(net, J, x))(X)
    X = jax.block_until_ready(X)
    r0 = np.asarray(jax.vmap(lambda x: jnp.linalg.norm(fp.residual_function(net, J, x)))(X))
    print(
        f"N={N}, g={args.g}, k={args.k}: {n} initial states, "
        f"median initial residual ‖F‖₂ = {np.median(r0):.3g}"
    )

    # warm-up: the identical call compiles every batch shape the active-set solver uses; then the timed run
    fp.find_fixed_points(net, J, X, tol=1e-10, classify=False, throw=False)
    t = time.perf_counter()
    res = fp.find_fixed_points(net, J, X, tol=1e-10, classify=False, throw=False)
    jax.block_until_ready(res.init_residual)
    t_jax = time.perf_counter() - t
    conv = np.asarray(res.converged)
    print(
        f"neurosyn (batched Newton + chord steps, LM fallback, float64): {t_jax:.2f} s for {n} states "
        f"({t_jax / n * 1e3:.1f} ms/state); converged {conv.sum()}/{n}; max residual "
        f"{float(np.max(np.asarray(res.init_residual)[conv])) if conv.any() else float('nan'):.2e}; "
        f"Newton steps median {int(np.median(np.asarray(res.init_n_iter)))}"
    )

    Jn = np.asarray(J)
    k = float(net.k)
    F = lambda x: -x + Jn @ np.tanh(x) + k * np.mean(np.tanh(x) ** 2) * np.tanh(x)

    def jac(x):
        ph, d = np.tanh(x), 1 - np.tanh(x) ** 2
        return (
            Jn * d[None, :] - np.eye(N) + k * np.mean(ph**2) * np.diag(d) + (2 * k / N) * np.outer(ph, ph * d)
        )

    Xn = np.asarray(X)
    m = min(args.n_scipy, n)
    t = time.perf_counter()
    ok = 0
    worst = 0.0
    for i in range(m):
        sol = optimize.root(F, Xn[i], jac=jac, method="hybr", tol=1e-14)
        r = float(np.linalg.norm(F(sol.x)))
        ok += r <= 1e-10
        worst = max(worst, r)
    t_sp = time.perf_counter() - t
    print(
        f"scipy.optimize.root (hybr, analytic Jacobian): {t_sp:.2f} s for {m} states "
        f"({t_sp / m * 1e3:.1f} ms/state); reached 1e-10: {ok}/{m}; worst residual {worst:.2e}"
    )
    print(
        f"ratio (scipy / neurosyn) per state: {(t_sp / m) / (t_jax / n):.2f}x;  "
        f"target ≤ 30 s for {n} states on 2 cores: {'met' if t_jax <= 30 else 'NOT met'} ({t_jax:.1f} s)"
    )


if __name__ == "__main__":
    main()
