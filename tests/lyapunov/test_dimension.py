"""Kaplan–Yorke dimension against a plain-Python definition and hand-worked cases."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np

import neurosyn as ns
from lyapunov import kaplan_yorke_dimension


def _ky_reference(lam):
    """The textbook definition, written independently: walk down the sorted exponents."""
    lam = sorted(lam, reverse=True)
    s = 0.0
    for j, l in enumerate(lam):
        if s + l < 0:
            return j + s / abs(l)
        s += l
    return float("nan")


def test_hand_worked():
    # S = 1, 1.5, 0.5, −1.5 → j = 3, D = 3 + 0.5/2
    ky = kaplan_yorke_dimension(jnp.array([1.0, 0.5, -1.0, -2.0]))
    assert float(ky.d_ky) == 3.25 and int(ky.j) == 3 and ky.converged
    # a stable fixed point: D = 0
    assert float(kaplan_yorke_dimension(jnp.array([-0.1, -0.5])).d_ky) == 0.0
    # order of the input does not matter
    assert float(kaplan_yorke_dimension(jnp.array([-2.0, 0.5, 1.0, -1.0])).d_ky) == 3.25


def test_insufficient_and_nonfinite():
    ky = kaplan_yorke_dimension(jnp.array([0.3, 0.1, -0.2]))  # cumulative sum stays ≥ 0
    assert np.isnan(float(ky.d_ky)) and ky.status == ns.Status.insufficient and not ky.converged
    ky = kaplan_yorke_dimension(jnp.array([0.3, jnp.nan, -0.2]))
    assert np.isnan(float(ky.d_ky)) and ky.status == ns.Status.nonfinite


def test_batch_matches_reference(key):
    lam = jr.normal(key, (50, 12)) * 0.5 - jnp.linspace(-0.2, 0.4, 50)[:, None]
    ky = kaplan_yorke_dimension(lam)
    ref = np.array([_ky_reference(list(row)) for row in np.asarray(lam)])
    np.testing.assert_allclose(np.asarray(ky.d_ky), ref, rtol=1e-12, equal_nan=True)
    assert np.isnan(ref).any() and np.isfinite(ref).any()  # both branches exercised
