"""Benchmark of `lyapunov.lyapunov_spectrum`: seconds per time unit against a plain NumPy QR implementation of
the same algorithm (RK4 tangent map, QR every 0.5), and against the matmul floor (the 4 products J·V per RK4
step that no implementation avoids). Ratios from one run; printed, never asserted.

    python benchmarks/bench_lyapunov.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax
import jax.random as jr
import numpy as np

import lyapunov as ly
import neurosyn as ns

DT, REORTHO = 0.1, 0.5


def numpy_nonplastic(J, x, m, T, rng):
    """Reference: RK4 of ẋ = −x + J tanh x with m tangents δẋ = −δ + J (φ′ ⊙ δ), NumPy QR every REORTHO."""
    V = np.linalg.qr(rng.standard_normal((x.size, m)))[0]
    f = lambda x: -x + J @ np.tanh(x)
    df = lambda x, V: -V + J @ ((1 - np.tanh(x) ** 2)[:, None] * V)
    logs = np.zeros(m)
    for _ in range(int(round(T / REORTHO))):
        for _ in range(int(round(REORTHO / DT))):
            k1, l1 = f(x), df(x, V)
            x2 = x + DT / 2 * k1
            k2, l2 = f(x2), df(x2, V + DT / 2 * l1)
            x3 = x + DT / 2 * k2
            k3, l3 = f(x3), df(x3, V + DT / 2 * l2)
            x4 = x + DT * k3
            k4, l4 = f(x4), df(x4, V + DT * l3)
            x = x + DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            V = V + DT / 6 * (l1 + 2 * l2 + 2 * l3 + l4)
        V, R = np.linalg.qr(V)
        logs += np.log(np.abs(np.diag(R)))
    return logs / T


def numpy_plastic(J, x, A, m, T, k, p, rng):
    """Reference for the joint system: RK4 of (x, A, δx, δA) with dense temporaries, NumPy QR each REORTHO."""
    N = x.size
    Q = np.linalg.qr(rng.standard_normal((N + N * N, m)))[0]
    dx, dA = Q[:N].T.copy(), Q[N:].T.reshape(m, N, N).copy()

    def f(x, A, dx, dA):
        phi, dphi = np.tanh(x), 1 - np.tanh(x) ** 2
        u = dphi * dx  # [m, N]
        W = J + A
        fx = -x + W @ phi
        fA = (-A + k / N * np.outer(phi, phi)) / p
        fdx = -dx + u @ W.T + dA @ phi
        fdA = (-dA + k / N * (u[:, :, None] * phi[None, None, :] + phi[None, :, None] * u[:, None, :])) / p
        return fx, fA, fdx, fdA

    logs = np.zeros(m)
    for _ in range(int(round(T / REORTHO))):
        for _ in range(int(round(REORTHO / DT))):
            s = (x, A, dx, dA)
            k1 = f(*s)
            k2 = f(*(a + DT / 2 * b for a, b in zip(s, k1, strict=True)))
            k3 = f(*(a + DT / 2 * b for a, b in zip(s, k2, strict=True)))
            k4 = f(*(a + DT * b for a, b in zip(s, k3, strict=True)))
            x, A, dx, dA = (
                a + DT / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(s, k1, k2, k3, k4, strict=True)
            )
        M = np.concatenate([dx, dA.reshape(m, -1)], axis=1).T
        Qm, R = np.linalg.qr(M)
        dx, dA = Qm[:N].T.copy(), Qm[N:].T.reshape(m, N, N).copy()
        logs += np.log(np.abs(np.diag(R)))
    return logs / T


def timed(f, reps=1):
    t = time.perf_counter()
    for _ in range(reps):
        out = f()
    jax.block_until_ready(out)
    return (time.perf_counter() - t) / reps, out


def ours(net, m, T, synapses):
    kw = dict(key=jr.key(0), m=m, T=T, t_transient=0.0, t_tangent=0.0, reortho=REORTHO, synapses=synapses)
    ly.lyapunov_spectrum(net, **kw)  # compile
    return timed(lambda: ly.lyapunov_spectrum(net, **kw).exponents)[0] / T


def matmul_floor(N, m, T):
    J, V = jr.normal(jr.key(1), (N, N)), jr.normal(jr.key(2), (N, m))
    f = jax.jit(lambda J, V: J @ V)
    f(J, V).block_until_ready()
    t, _ = timed(lambda: f(J, V), reps=20)
    return 4 * t * T / DT / T  # 4 products per RK4 step, per time unit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="shorter runs")
    a = ap.parse_args()
    T_ours, T_np = (2.0, 0.5) if a.quick else (10.0, 2.0)
    print(
        f"# bench_lyapunov  {platform.processor() or platform.machine()}  cpus={os.cpu_count()}  "
        f"jax {jax.__version__} on {jax.devices()[0].platform}  float64  RK4 dt={DT} QR every {REORTHO}"
    )
    rng = np.random.default_rng(0)

    N, m = 1000, 100
    net = ns.Network(N=N, g=2.0, k=0.0, p=2.5)
    s_ours = ours(net, m, T_ours, synapses=False)
    J = np.asarray(ns.sample_couplings(net, jr.key(0)))
    s_np = timed(lambda: numpy_nonplastic(J, rng.standard_normal(N), m, T_np, rng))[0] / T_np
    s_floor = matmul_floor(N, m, 1.0)
    print(
        f"non-plastic N={N} m={m}: ours {s_ours:.4f} s/τ   numpy {s_np:.4f} s/τ   "
        f"matmul floor {s_floor:.4f} s/τ   numpy/ours = {s_np / s_ours:.2f}   "
        f"ours/floor = {s_ours / s_floor:.2f}"
        f"   (target ≤ 0.03 s/τ)"
    )

    N, m = 300, 64
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    s_ours = ours(net, m, T_ours, synapses=True)
    J = np.asarray(ns.sample_couplings(net, jr.key(0)))
    s_np = timed(lambda: numpy_plastic(J, rng.standard_normal(N), np.zeros((N, N)), m, T_np, 1.0, 2.5, rng))[
        0
    ]
    s_np /= T_np
    print(
        f"plastic N={N} m={m} (state {N + N * N}): ours {s_ours:.4f} s/τ   numpy {s_np:.4f} s/τ   "
        f"numpy/ours = {s_np / s_ours:.2f}"
    )


if __name__ == "__main__":
    main()
