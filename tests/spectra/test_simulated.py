"""Simulated spectra against Eq. 21 (Fig. 4): the reduced-Jacobian spectrum of a simulated chaotic state at
g = 2 lies inside the N → ∞ support built from the same run's x samples and C(0), up to the edge tolerance
3/√N, which shrinks with N."""

import jax.random as jr
import numpy as np
import pytest

import neurosyn as ns
import spectra


def _simulated_check(key, N, g, k, p=2.5, T=300.0, t_burn=200.0):
    net = ns.Network(N=N, g=g, k=k, p=p)
    rec = ns.Record(dt=1.0, units=tuple(range(N)), tau_max=0.0)
    sim = ns.simulate(net, T, key=key, t_burn=t_burn, record=rec)
    assert bool(sim.converged)
    spec = spectra.jacobian_spectrum(net, sim.J, sim.state)
    x = np.asarray(sim.x)[np.asarray(sim.t) > sim.t_burn]
    sup = spectra.spectral_support(g, k, p, float(sim.C0), x, n_grid=301)
    dist = np.asarray(spectra.outside_distance(spec.eigenvalues, sup))
    return spec, sup, dist


@pytest.mark.parametrize(("k", "topology"), [(2.0, "two-band"), (-2.0, "disk")])
def test_simulated_spectrum_inside_support_fast(key, k, topology):
    # N = 200: no eigenvalue beyond 3/√N ≈ 0.21 of the support; the Fig. 4 topology at g = 2; the rightmost
    # eigenvalue within the tolerance of the theory's rightmost point from above, and not far below it
    # (0.2: finite N misses the thin tip of the density by O(N^(-2/3)) relative to the support's size).
    N = 200
    spec, sup, dist = _simulated_check(key, N, 2.0, k)
    tol = spectra.edge_tolerance(N)
    assert dist.max() <= tol
    assert spectra.count_outliers(spec.eigenvalues, sup, N=N) == 0
    assert sup.topology == topology
    assert float(sup.max_real) - 0.2 < float(spec.max_real) < float(sup.max_real) + tol
    assert float(spec.f_a_error) < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("k", [1.0, 2.0, -1.0, -2.0])
def test_simulated_spectrum_inside_support_shrinking_tolerance(key, k):
    # N = 400 and 800 (Fig. 4 row g = 2): no outliers at 3/√N, and the worst distance outside the support
    # obeys the same law at both sizes.
    for N in (400, 800):
        spec, sup, dist = _simulated_check(jr.fold_in(key, N), N, 2.0, k)
        assert dist.max() <= spectra.edge_tolerance(N), (N, dist.max())
        assert (
            float(sup.max_real) - 0.15
            < float(spec.max_real)
            < float(sup.max_real) + spectra.edge_tolerance(N)
        )
