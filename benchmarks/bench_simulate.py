"""Simulator speed: steps per second against a straightforward NumPy RK4 and against the memory roofline.

Roofline: the structured RK step streams J and A once per stage (two matvecs) and reads + writes A once at
the end: (2·s + 2)·N² numbers per step for an s-stage method (RK4: 10 N²). Dividing those bytes by the
machine's measured copy bandwidth (read + write of a large array) gives the bandwidth-limited step rate.
Printed ratios are measured in this one run; nothing here is asserted.

    python benchmarks/bench_simulate.py [--N 500 1000 2000 4000] [--dtype float32] [--method rk4]
"""

from __future__ import annotations

import argparse
import platform
import time

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import neurosyn as ns

STAGES = {"euler": 1, "heun": 2, "rk4": 4}


def copy_bandwidth(dtype, n_bytes=1 << 28, reps=5) -> float:
    """Bytes per second moved by a large array copy (read + write), best of ``reps``."""
    a = np.ones(n_bytes // np.dtype(dtype).itemsize, dtype=dtype)
    b = np.empty_like(a)
    best = np.inf
    for _ in range(reps):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best


def numpy_rk4_steps_per_s(N, dtype, g=2.0, k=1.0, p=2.5, dt=0.05, n_steps=20) -> float:
    """The textbook RK4 on (x, A) in NumPy, with full N×N stage arrays."""
    rng = np.random.default_rng(0)
    J = (g * rng.standard_normal((N, N)) / np.sqrt(N)).astype(dtype)
    x = rng.standard_normal(N).astype(dtype)
    A = np.zeros((N, N), dtype)

    def f(x, A):
        phi = np.tanh(x)
        return -x + J @ phi + A @ phi, (-A + (k / N) * np.outer(phi, phi)) / p

    t = time.perf_counter()
    for _ in range(n_steps):
        k1 = f(x, A)
        k2 = f(x + 0.5 * dt * k1[0], A + 0.5 * dt * k1[1])
        k3 = f(x + 0.5 * dt * k2[0], A + 0.5 * dt * k2[1])
        k4 = f(x + dt * k3[0], A + dt * k3[1])
        x = x + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        A = A + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return n_steps / (time.perf_counter() - t)


def neurosyn_steps_per_s(N, dtype, method, dt=0.05, T=20.0) -> float:
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    rec = ns.Record(dt=1.0, units=(), tau_max=0.0)  # one record per 20 steps: the step dominates
    run = lambda: ns.simulate(
        net, T, key=jr.key(0), dt=dt, method=method, dtype=dtype, record=rec, t_burn=0.0, segment=T
    )
    jax.block_until_ready(run().state.x)  # compile
    t = time.perf_counter()
    jax.block_until_ready(run().state.x)
    return (T / dt) / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--method", default="rk4", choices=list(STAGES))
    args = ap.parse_args()
    dtype = np.dtype(args.dtype)
    bw = copy_bandwidth(dtype)
    print(f"machine: {platform.processor() or platform.machine()}, {jax.devices()[0]}, jax {jax.__version__}")
    print(f"measured copy bandwidth: {bw / 1e9:.2f} GB/s; method {args.method}, {args.dtype}")
    cols = ("N", "neurosyn st/s", "numpy st/s", "x NumPy", "roofline st/s", "of roofline")
    print(" ".join(f"{c:>{w}}" for c, w in zip(cols, (6, 14, 11, 8, 14, 12), strict=True)))
    for N in args.N:
        ours = neurosyn_steps_per_s(N, args.dtype, args.method)
        ref = numpy_rk4_steps_per_s(N, dtype) if args.method == "rk4" else float("nan")
        bytes_per_step = (2 * STAGES[args.method] + 2) * N * N * dtype.itemsize
        roof = bw / bytes_per_step
        print(f"{N:>6} {ours:>14.1f} {ref:>11.1f} {ours / ref:>8.2f} {roof:>14.1f} {ours / roof:>12.2f}")


if __name__ == "__main__":
    jnp.zeros(1)  # initialise the backend before timing
    main()
