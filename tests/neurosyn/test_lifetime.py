"""Oracles for `neurosyn.lifetimes` (neurosyn/_lifetime.py): early-stopped runs to collapse."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.linalg

import neurosyn as ns
from neurosyn import _lifetime

L = ns.Lifetimes


def _decaying_batch(key, n=7, N=30, g=0.5):
    """n copies of one J0 with x0 = c_i·v, c_i from 0.005 to 0.1. At k = 0 and these amplitudes the dynamics
    are linear to O(x²) = 1e-2 relative, x(t) = exp((gJ0 − 1)t) x0: each collapse time has a closed form."""
    kJ, kx = jr.split(key)
    J0 = ns.sample_J0(kJ, N)
    v = jr.normal(kx, (N,))
    v = v / jnp.sqrt(jnp.mean(v**2))
    c = np.geomspace(0.005, 0.1, n)
    return ns.Network(N=N, g=g, k=0.0), J0, jnp.asarray(c)[:, None] * v[None, :], c


def _linear_collapse_times(net, J0, x0, threshold, record_dt, T):
    step = scipy.linalg.expm(record_dt * (float(net.g) * np.asarray(J0) - np.eye(net.N)))  # exact propagator
    n = int(round(T / record_dt))
    out = []
    for x in np.asarray(x0):
        for j in range(1, n + 1):
            x = step @ x
            if np.sqrt(np.mean(x**2)) < threshold:
                out.append(j * record_dt)
                break
        else:
            out.append(np.nan)
    return np.array(out)


def test_collapse_times_match_the_linear_closed_form(key):
    net, J0, x0, c = _decaying_batch(key)
    res = ns.lifetimes(net, 60.0, x0=x0, J0=J0, stop="all", record_dt=0.5, chunk=4.0)
    ref = _linear_collapse_times(net, J0, x0, 1e-3, 0.5, 60.0)
    assert np.all(res.outcome == L.COLLAPSED)
    # tanh(x) = x − x³/3 shifts the decay by O(c²) ≤ 1% of a unit-rate exponential: at most one record step
    np.testing.assert_allclose(res.t_end, ref, atol=0.5 + 1e-9)
    assert np.all(np.diff(res.t_end) >= 0)  # larger start, later collapse
    assert res.exact and res.median == pytest.approx(np.median(res.t_end))
    assert res.cost == pytest.approx(res.t_end.sum())  # each network stopped at its own collapse


def test_median_stop_fixes_the_median_at_lower_cost(key):
    net, J0, x0, _ = _decaying_batch(key)
    full = ns.lifetimes(net, 60.0, x0=x0, J0=J0, stop="all", record_dt=0.5, chunk=4.0)
    early = ns.lifetimes(net, 60.0, x0=x0, J0=J0, stop="median", record_dt=0.5, chunk=4.0)
    assert early.exact and early.median == full.median
    done = early.outcome == L.COLLAPSED
    assert done.sum() >= 4 and (early.outcome == L.RUNNING).any()
    np.testing.assert_array_equal(early.t_end[done], full.t_end[done])
    assert np.all(early.t_end[~done] == early.t_stop) and early.t_stop < full.t_end.max()
    assert early.cost < full.cost


def test_dead_settled_and_censored_networks(key):
    # network 0 starts below the threshold; network 1 starts at a stable nonzero fixed point (g = 0.5, k = 3:
    # A aligned to x0, as in test_simulate) and settles; capped at T = 50, it is still running.
    N = 60
    net = ns.Network(N=N, g=0.5, k=3.0)
    x_fp = 2.0 * jr.normal(key, (N,))
    x0 = jnp.stack([jnp.full(N, 1e-4), x_fp])
    A0 = jnp.stack([jnp.zeros((N, N)), ns.fixed_point_state(net, x_fp).A])
    J0 = jnp.broadcast_to(ns.sample_J0(jr.fold_in(key, 1), N), (2, N, N))
    res = ns.lifetimes(net, 200.0, x0=x0, A0=A0, J0=J0, stop="all", chunk=50.0)
    assert res.outcome.tolist() == [L.DEAD, L.SETTLED]
    assert res.counts == dict(dead=1, running=0, collapsed=0, settled=1, nonfinite=0)
    assert res.t.tolist() == [np.inf] and res.median == np.inf and res.exact
    rec = ns.Record(1.0, (), 0.0)  # the same compiled segment as the chunks above (a batch of one)
    ref = ns.simulate(
        net, 200.0, key=key, x0=x0[1:], A0=A0[1:], J0=J0[1:], t_burn=0.0, record=rec, n_networks=1
    )
    first = np.flatnonzero(np.asarray(ref.xdot_norm[0]) / np.sqrt(N) < 1e-6)[0]
    assert res.t_end[1] == pytest.approx(float(ref.t[first])) and res.t_end[1] > 50.0
    capped = ns.lifetimes(net, 50.0, x0=x0, A0=A0, J0=J0, stop="all", chunk=50.0)
    assert capped.outcome.tolist() == [L.DEAD, L.RUNNING] and capped.t_end[1] == 50.0 and not capped.exact


def test_checkpoint_resumes_an_interrupted_run(key, tmp_path, monkeypatch):
    net, J0, x0, _ = _decaying_batch(key)
    kw = dict(x0=x0, J0=J0, stop="all", record_dt=0.5, chunk=4.0)
    ref = ns.lifetimes(net, 60.0, **kw)
    path = tmp_path / "life.npz"
    calls, real = [], _lifetime.simulate

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_lifetime, "simulate", flaky)
    with pytest.raises(KeyboardInterrupt):
        ns.lifetimes(net, 60.0, checkpoint=path, **kw)
    monkeypatch.setattr(_lifetime, "simulate", real)
    resumed = ns.lifetimes(net, 60.0, checkpoint=path, **kw)
    np.testing.assert_array_equal(resumed.outcome, ref.outcome)
    np.testing.assert_array_equal(resumed.t_end, ref.t_end)
    assert resumed.cost == pytest.approx(ref.cost)
    with pytest.raises(ns.NeurosynError, match="other inputs or settings"):
        ns.lifetimes(net, 60.0, checkpoint=path, **(kw | dict(x0=2 * x0)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(threshold=0.0), "threshold"),
        (dict(settle_tol=-1.0), "settle_tol"),
        (dict(stop="mean"), "stop"),
        (dict(chunk=1.0, record_dt=2.0), "record_dt=2.0 must be <= chunk=1.0"),
        (dict(record_dt=3.0), "T_cap=10.0 must be a whole number of record_dt=3.0"),
        (dict(x0=jnp.zeros(30)), r"x0 has shape \(30,\)"),
    ],
)
def test_bad_input(key, kwargs, match):
    net, J0, x0, _ = _decaying_batch(key)
    with pytest.raises(ValueError, match=match):
        ns.lifetimes(net, 10.0, **(dict(x0=x0, J0=J0) | kwargs))
