"""QR spectra of the network against closed forms, determinant sums and the k = 0 structure.

Most tests share one shape (N = 4, full spectrum m = N + N² = 20), so the kernels compile once per session.
"""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import lyapunov as ly
import neurosyn as ns

N, D, DT = 4, 20, 0.1


def _rk4_amp(z):
    return 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24


def _run(net, key, J0, x0, T=60.0, t_tangent=10.0, bottom=0, **kw):
    return ly.lyapunov_spectrum(
        net, key=key, m=D, T=T, t_transient=0.0, t_tangent=t_tangent, J0=J0, x0=x0, bottom=bottom, **kw
    )


def test_trivial_fixed_point_closed_form(key):
    """At x = 0, A = 0 the RK4 map is linear: exponents log|R₄(dt(−1 + μ_J))|/dt (N of them, μ_J eigenvalues
    of J) and log R₄(−dt/p)/dt (N² times, ≈ −1/p). All negative (g < 1). Finite-time error ≲ (2 log κ + 4)/T
    with κ the eigenvector condition number of J (complex pairs, non-normality)."""
    net = ns.Network(N=N, g=0.6, k=0.5, p=2.5)
    kJ, kt = jr.split(key)
    J0 = ns.sample_J0(kJ, N)
    res = _run(net, kt, J0, jnp.zeros(N), bottom=D)
    mu, V = np.linalg.eig(0.6 * np.asarray(J0))
    expected = np.concatenate(
        [np.log(np.abs(_rk4_amp(DT * (mu - 1)))) / DT, np.full(N * N, np.log(_rk4_amp(-DT / 2.5)) / DT)]
    )
    expected = np.sort(expected)[::-1]
    tol = (2 * np.log(np.linalg.cond(V)) + 4) / res.T
    assert np.all(np.asarray(res.exponents) < 0) and res.converged
    np.testing.assert_allclose(np.sort(np.asarray(res.exponents))[::-1], expected, atol=tol)
    np.testing.assert_allclose(np.sort(np.asarray(res.bottom_exponents))[::-1], expected, atol=tol)
    assert float(res.d_ky) == 0.0 and res.d_ky_status == ns.Status.success


def _log_det_mean(net, J, x0, n_skip, n_meas):
    """(1/T) Σ log|det D_n| with D_n the dense (N+N²)² Jacobian of rk_step (jacfwd), and ⟨tr M⟩ of the flow
    (trapezoid rule), over the same steps as the run: an oracle independent of tangents and QR."""

    def flat_step(v):
        x, A = v[:N], v[N:].reshape(N, N)
        x1, A1 = ns.rk_step(net, J, x, A, DT, "rk4")
        return jnp.concatenate([x1, A1.ravel()])

    jac = jax.jit(jax.jacfwd(flat_step))
    step = jax.jit(flat_step)
    v = jnp.concatenate([x0, jnp.zeros(N * N)])
    for _ in range(n_skip):
        v = step(v)
    logdet, trM = 0.0, []
    for _ in range(n_meas + 1):
        x, A = v[:N], v[N:].reshape(N, N)
        W = J + A
        trM.append(-N - N * N / float(net.p) + float(jnp.sum(jnp.diag(W) * (1 - jnp.tanh(x) ** 2))))
        if len(trM) <= n_meas:
            logdet += float(jnp.linalg.slogdet(jac(v))[1])
            v = step(v)
    trM = np.array(trM)
    t = n_meas * DT
    return logdet / t, (np.sum(trM) - (trM[0] + trM[-1]) / 2) * DT / t


def test_sum_of_exponents_is_log_det(key):
    """Σλ (full spectrum) = (1/T) Σ_n log|det D_n| on the same trajectory (rtol 1e-8: only round-off), both
    forwards and from the backward pass; and ≈ ⟨tr M⟩ = −N − N²/p + ⟨Σ W_ii φ′(x_i)⟩ for the flow, to
    O(dt⁴) per step plus the trapezoid error of the time average (rtol 1e-4)."""
    net = ns.Network(N=N, g=2.5, k=1.0, p=2.5)
    kJ, kx, kt = jr.split(key, 3)
    J0, x0 = ns.sample_J0(kJ, N), jr.normal(kx, (N,))
    res = _run(net, kt, J0, x0, T=20.0, t_tangent=5.0, bottom=D)
    logdet, trM = _log_det_mean(net, 2.5 * J0, x0, n_skip=50, n_meas=200)
    assert float(res.inverse_residual) < 1e-8  # before the last correction, which shrinks it ~1e-5 more
    np.testing.assert_allclose(float(jnp.sum(res.exponents)), logdet, rtol=1e-8)
    np.testing.assert_allclose(float(jnp.sum(res.bottom_exponents)), logdet, rtol=1e-8)
    np.testing.assert_allclose(float(jnp.sum(res.exponents)), trM, rtol=1e-4)


def test_k0_spectrum_holds_synaptic_block(key):
    """At k = 0 the tangent map is block-triangular: the spectrum is the non-plastic (x-only) spectrum plus
    N² copies of log R₄(−dt/p)/dt ≈ −1/p. Both runs see the same x trajectory, so the x-exponents agree up to
    the finite-time mixing of nearby exponents, ≲ 0.05 at T = 60 (observed 0.02)."""
    net = ns.Network(N=N, g=3.0, k=0.0, p=2.5)
    kJ, kx, kt = jr.split(key, 3)
    J0, x0 = ns.sample_J0(kJ, N), jr.normal(kx, (N,))
    full = np.asarray(_run(net, kt, J0, x0).exponents)
    bare = np.asarray(
        ly.lyapunov_spectrum(
            net, key=kt, m=N, T=60.0, t_transient=0.0, t_tangent=10.0, J0=J0, x0=x0, synapses=False
        ).exponents
    )
    syn = np.log(_rk4_amp(-DT / 2.5)) / DT
    order = np.argsort(np.abs(full - syn))
    cluster, rest = full[order[: N * N]], full[order[N * N :]]
    # finite-time QR values of a degenerate exponent scatter by O(1/T); seen: 1e-4; a wrong p moves them 0.1
    np.testing.assert_allclose(cluster, syn, atol=1.0 / 60.0)
    np.testing.assert_allclose(np.mean(cluster), syn, atol=1e-3)
    np.testing.assert_allclose(np.sort(rest)[::-1], np.sort(bare)[::-1], atol=0.05)


def test_batch_equals_loop(key):
    """A vmapped batch of 2 networks equals two single runs with the split keys (rtol 1e-10)."""
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    batch = ly.lyapunov_spectrum(net, key=key, m=D, T=5.0, t_transient=1.0, t_tangent=1.0, n_networks=2)
    for i, k in enumerate(jr.split(key, 2)):
        one = ly.lyapunov_spectrum(net, key=k, m=D, T=5.0, t_transient=1.0, t_tangent=1.0)
        np.testing.assert_allclose(
            np.asarray(batch.exponents[i]), np.asarray(one.exponents), rtol=1e-10, atol=1e-12
        )
    assert batch.exponents.shape == (2, D) and batch.network_sem.shape == (D,)


def test_nonfinite_state(key):
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    x0 = jnp.full(N, jnp.nan)
    res = _run(net, key, None, x0, T=2.0, t_tangent=0.0, throw=False)
    assert res.status == ns.Status.nonfinite and not res.converged
    with pytest.raises(ns.ConvergenceError, match="non-finite"):
        _run(net, key, None, x0, T=2.0, t_tangent=0.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(m=0), "m"),
        (dict(m=21), r"m .*\[1, 20\]"),
        (dict(bottom=-1), "bottom"),
        (dict(reortho=0.25), "reortho=0.25 must be a multiple of dt=0.1"),
        (dict(T=1.2), "T=1.2 must be a multiple of reortho"),
        (dict(dt=-0.1), "dt"),
        (dict(method="rk5"), "valid choices"),
        (dict(dtype="float16"), "valid choices"),
        (dict(synapses=False), "synapses=False"),
    ],
)
def test_bad_input(key, kw, match):
    net = ns.Network(N=N, g=2.0, k=1.0, p=2.5)
    args = dict(m=2, T=1.0) | kw
    with pytest.raises(ValueError, match=match):
        ly.lyapunov_spectrum(net, key=key, **args)


def test_float32_warns(key):
    net = ns.Network(N=2, g=2.0, k=0.0, p=2.5)
    with pytest.warns(ly.LyapunovWarning, match="float32"):
        res = ly.lyapunov_spectrum(
            net, key=key, m=1, T=0.5, t_transient=0.0, t_tangent=0.0, dtype="float32", synapses=False
        )
    assert res.exponents.dtype == jnp.float32
