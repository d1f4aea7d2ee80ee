"""Oracles for the Eq. 21 support (spectra/_support.py): the printed formula, Eq. 26 at λ = 0, the k = 0
circle with the SCS radii of model.md §2.4, brentq for the rightmost point, topology from explicit curves,
and finite random matrices M̃_bulk (Eq. 20) against the N → ∞ support."""

import jax.random as jr
import numpy as np
import pytest
import scipy.ndimage
import scipy.optimize
import scipy.special

import dmft
import neurosyn as ns
import spectra

# model.md §2.4 (SCS, k = 0): Var x = Δ0 and the k = 0 bulk radius g√<φ′²>.
SCS = {2.0: (1.925, 1.192), 3.0: (5.446, 1.412)}


def gaussian_samples(var, n=20001):
    """Deterministic N(0, var) samples: quantile midpoints, so averages are a quadrature with error ~1/n."""
    return np.sqrt(var) * scipy.special.ndtri((np.arange(n) + 0.5) / n)


def S_printed(lam, g, k, p, C0, x):
    """Eq. 21 exactly as printed: ⟨|g(1 + pλ) / ((1 + pλ)(1 + λ)/φ′(x) − kC0)|²⟩_x, in numpy."""
    lam = np.asarray(lam, complex)[..., None]
    d = 1 - np.tanh(x) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 at λ = −1/p when k = 0 gives NaN: no verdict
        return np.mean(np.abs(g * (1 + p * lam) / ((1 + p * lam) * (1 + lam) / d - k * C0)) ** 2, axis=-1)


def test_support_function_is_eq21(key):
    x = 1.5 * np.asarray(jr.normal(key, (500,)))
    lam = np.array([0.3 + 0.2j, -1.2 - 0.7j, -0.1 + 1.1j, 0.05 + 0j, -2.5 + 0.4j])
    for g, k, p, C0 in [(2.0, 1.0, 2.5, 0.6), (1.5, -2.0, 10.0, 0.3), (3.0, 0.0, 2.5, 0.7)]:
        got = np.asarray(spectra.support_function(lam, g, k, p, C0, x))
        np.testing.assert_allclose(got, S_printed(lam, g, k, p, C0, x), rtol=1e-12)


def test_lambda_zero_is_eq26_and_independent_of_p(key):
    # §5.7: at λ = 0, S = g² <(cosh² x − k C0)⁻²>_x, for every p.
    x = 1.3 * np.asarray(jr.normal(key, (400,)))
    g, k, C0 = 1.8, 0.7, 0.45
    expected = g**2 * np.mean((np.cosh(x) ** 2 - k * C0) ** -2.0)
    for p in (0.5, 2.5, 45.0):
        np.testing.assert_allclose(float(spectra.support_function(0.0, g, k, p, C0, x)), expected, rtol=1e-12)


@pytest.mark.parametrize("g", [2.0, 3.0])
def test_k0_support_is_the_scs_circle(g):
    # k = 0: the disk |1 + λ| ≤ g√<φ′²> with x ~ N(0, Δ0) from the exact SCS solution (dmft.solve_scs). The
    # quantile-midpoint quadrature of 20001 samples matches the SCS <φ′²> to 1e-4 in the radius; the table of
    # model.md §2.4 gives the radius to 3 decimals (2e-3); the contour's interpolation error is ~step².
    scs = dmft.solve_scs(g)
    assert abs(scs.var_x - SCS[g][0]) < 2e-3 and abs(scs.radius - SCS[g][1]) < 2e-3
    x = gaussian_samples(scs.var_x)
    sup = spectra.spectral_support(g, 0.0, 2.5, scs.C0, x)
    radius = scs.radius
    assert abs(spectra.radius_k0(g, x) - radius) < 1e-4
    assert abs(float(sup.radius_k0) - radius) < 1e-4
    assert abs(float(sup.max_real) - (radius - 1.0)) < 1e-4
    # the rightmost point is bisected to round-off against the radius of the same samples
    assert abs(float(sup.max_real) - (float(sup.radius_k0) - 1.0)) < 1e-9
    pts = np.concatenate([np.asarray(b) for b in sup.boundary])
    assert np.max(np.abs(np.abs(1 + pts) - radius)) < 2e-3
    assert sup.topology == "disk" and sup.n_components == 1 and sup.n_holes == 0
    assert np.isnan(float(spectra.spectral_support(g, 0.5, 2.5, 0.5, x).radius_k0))


@pytest.mark.parametrize("k", [1.0, 2.0])
def test_hebbian_rightmost_point_by_brentq(k):
    # Hebbian supports reach furthest right on the real axis (Fig. 4); brentq on the printed formula, scanning
    # in from the right, must agree with the grid-and-bisection result (1e-8).
    g, p, C0 = 2.0, 2.5, 0.6
    x = gaussian_samples(1.5, n=4001)
    f = lambda r: S_printed(r, g, k, p, C0, x) - 1.0
    grid = np.linspace(3.0, -0.3, 3301)
    vals = f(grid)
    i = np.argmax(vals >= 0)
    root = scipy.optimize.brentq(f, grid[i], grid[i - 1], xtol=1e-14)
    assert abs(spectra.theory_max_real(g, k, p, C0, x) - root) < 1e-8


def _topology_oracle_hole(g, k, p, C0, x):
    """A hole around −1/p: S < 1 just beside −1/p and a circle around −1/p on which S ≥ 1 everywhere."""
    centre = -1 / p
    if S_printed(centre + 1e-6, g, k, p, C0, x) >= 1:
        return False
    for r in np.linspace(0.01, 0.3, 30):
        circle = centre + r * np.exp(1j * np.linspace(0, 2 * np.pi, 360))
        if np.all(S_printed(circle, g, k, p, C0, x) >= 1):
            return True
    return False


def _topology_oracle_split(g, k, p, C0, x):
    """Two bands: a vertical line with S < 1 everywhere on it and support on both sides of it."""
    ys = np.concatenate([np.linspace(-4, 4, 801), [0.0]])
    for c in np.linspace(-1.2, 0.2, 141):
        if np.all(S_printed(c + 1j * ys, g, k, p, C0, x) < 1):
            left = np.any(S_printed(np.linspace(c - 3, c, 300), g, k, p, C0, x) >= 1)
            right = np.any(S_printed(np.linspace(c, c + 3, 300), g, k, p, C0, x) >= 1)
            if left and right:
                return True
    return False


@pytest.mark.parametrize(("k", "expected"), [(0.3, "hole"), (2.0, "two-band"), (0.0, "disk"), (-2.0, "disk")])
def test_topology_against_explicit_curves(k, expected):
    g, p = 2.0, 2.5
    x = gaussian_samples(1.9, n=1001)
    C0 = float(np.mean(np.tanh(x) ** 2))
    sup = spectra.spectral_support(g, k, p, C0, x)
    assert sup.topology == expected
    assert spectra.spectral_topology(g, k, p, C0, x) == expected
    assert _topology_oracle_hole(g, k, p, C0, x) == (expected == "hole")
    assert _topology_oracle_split(g, k, p, C0, x) == (expected == "two-band")


@pytest.mark.parametrize("k", [1.5, -1.5])
def test_finite_bulk_matrix_fills_the_support(key, k):
    # M̃_bulk of Eq. 20 with i.i.d. J (N = 400) and frozen x: eigenvalues lie inside the N → ∞ support up to
    # the edge tolerance 3/√N, and reach its rightmost point to within 0.15 (the rightmost of N points falls
    # short of the edge by O(N^(-2/3)) ≈ 0.03·size for a disk-like edge; 0.15 is a loose cap).
    N, g, p = 400, 2.0, 2.5
    k_J, k_x = jr.split(key)
    x = np.asarray(1.4 * jr.normal(k_x, (N,)))
    d = 1 - np.tanh(x) ** 2
    C0 = float(np.mean(np.tanh(x) ** 2))
    J = np.asarray(ns.sample_couplings(ns.Network(N=N, g=g, k=k, p=p), k_J))
    I = np.eye(N)
    M = np.block([[-I + J * d[None, :], C0 * np.diag(d)], [(k / p) * I, -I / p]])
    eigs = np.linalg.eigvals(M)
    sup = spectra.spectral_support(g, k, p, C0, x)
    assert spectra.count_outliers(eigs, sup, N=N) == 0
    assert np.mean(np.asarray(sup.contains(eigs))) > 0.9
    assert float(sup.max_real) - 0.15 < eigs.real.max() < float(sup.max_real) + spectra.edge_tolerance(N)


def test_count_outliers_and_tolerance(key):
    x = gaussian_samples(1.925, n=2001)
    sup = spectra.spectral_support(2.0, 0.0, 2.5, 0.5, x)
    r = float(sup.radius_k0)
    inside = -1 + 0.5 * r * np.exp(1j * np.linspace(0, 6, 7))
    near = np.array([-1 + r + 0.05])  # just outside, within 3/√100 = 0.3
    far = np.array([-1 + r + 0.5, -1 - 1j * (r + 0.4)])
    eigs = np.concatenate([inside, near, far])
    np.testing.assert_allclose(np.asarray(spectra.outside_distance(near, sup)), [0.05], atol=sup.step)
    assert spectra.count_outliers(eigs, sup, N=100) == 2
    assert spectra.count_outliers(eigs, sup, N=10_000) == 3  # tolerance 0.03 < 0.05
    assert spectra.edge_tolerance(400) == pytest.approx(0.15)
    assert spectra.edge_tolerance(1600) == pytest.approx(0.075)


def test_bad_input_raises():
    x = np.zeros(10)
    with pytest.raises(ValueError, match="p .*> 0.*p=-1.0"):
        spectra.support_function(0.0, 2.0, 1.0, -1.0, 0.5, x)
    with pytest.raises(ValueError, match="g .*>= 0.*g=-2.0"):
        spectra.spectral_support(-2.0, 1.0, 2.5, 0.5, x)
    with pytest.raises(ValueError, match="non-empty"):
        spectra.support_function(0.0, 2.0, 1.0, 2.5, 0.5, np.array([]))
    with pytest.raises(ValueError, match="n_grid"):
        spectra.spectral_support(2.0, 1.0, 2.5, 0.5, x, n_grid=3)


@pytest.mark.parametrize("k", [1.5, -0.5, -2.0])
def test_pole_set_is_the_single_unit_blocks(k):
    # Where (1 + pλ)(1 + λ) = k C0 φ′ the denominator of Eq. 21 vanishes: these are the eigenvalues of each
    # unit's 2 × 2 block [[−1, C0 φ′], [k/p, −1/p]] of M̃_bulk without J (numpy eigvals, round-off 1e-12).
    # Every block eigenvalue lies on `real_segments` or `pole_segment`, and both ends of each are attained.
    p = 2.5
    x = gaussian_samples(1.9, n=301)
    d = 1 - np.tanh(x) ** 2
    C0 = float(np.mean(np.tanh(x) ** 2))
    sup = spectra.spectral_support(2.0, k, p, C0, x, n_grid=151)
    segs, seg = sup.real_segments(), sup.pole_segment()
    ev = np.concatenate([np.linalg.eigvals([[-1.0, C0 * di], [k / p, -1 / p]]) for di in d])
    real = ev[np.abs(ev.imag) < 1e-12].real
    cplx = ev[np.abs(ev.imag) >= 1e-12]
    on_real = np.zeros(real.shape, bool)
    for a, b in segs:
        on_real |= (real >= a - 1e-12) & (real <= b + 1e-12)
    assert on_real.all()
    ends = segs.ravel()
    assert all(np.min(np.abs(real - e)) < 1e-9 for e in ends)
    if k > 0:
        assert seg is None and cplx.size == 0
    else:
        assert seg is not None and cplx.size > 0
        np.testing.assert_allclose(cplx.real, seg[0], atol=1e-12)
        assert np.all((np.abs(cplx.imag) >= seg[1] - 1e-12) & (np.abs(cplx.imag) <= seg[2] + 1e-12))
        np.testing.assert_allclose(np.abs(cplx.imag).max(), seg[2], atol=1e-9)
    # the real block eigenvalues are inside the support, however thin it is there
    assert np.all(np.asarray(sup.contains(real + 0j)))


def test_isolated_sample_poles_do_not_make_two_bands():
    # k = −2, g = 2 (Fig. 4: one band). With 400 samples, units with saturated φ′ have their poles just left
    # of −1/p, each with a tiny island S ≥ 1 apart from the bulk: on {S ≥ 1} alone the labelling finds two
    # components. With the pole set (where S = ∞ for a continuous φ′ distribution) the support is one band.
    g, k, p = 2.0, -2.0, 2.5
    x = gaussian_samples(1.9, n=400)
    C0 = float(np.mean(np.tanh(x) ** 2))
    sup = spectra.spectral_support(g, k, p, C0, x, n_grid=301)
    _, n_S_only = scipy.ndimage.label(np.asarray(sup.S) >= 1, structure=np.ones((3, 3), int))
    assert n_S_only == 2
    assert sup.topology == "disk" and sup.n_components == 1


def test_state_support_uses_the_state_statistics(key):
    # state_support = spectral_support with x = state.x and C0 = ‖φ(x)‖²/N written out by hand.
    N = 50
    net = ns.Network(N=N, g=2.0, k=-1.0, p=2.5)
    x = 1.3 * jr.normal(key, (N,))
    state = ns.State(x, np.zeros((N, N)))
    a = spectra.state_support(net, state, n_grid=101)
    b = spectra.spectral_support(2.0, -1.0, 2.5, float(np.mean(np.tanh(np.asarray(x)) ** 2)), x, n_grid=101)
    assert a.C0 == pytest.approx(b.C0, rel=1e-14)
    np.testing.assert_allclose(np.asarray(a.S), np.asarray(b.S), rtol=1e-12)
    assert a.topology == b.topology and float(a.max_real) == pytest.approx(float(b.max_real), abs=1e-12)
    with pytest.raises(ValueError, match="Hebbian"):
        spectra.state_support(ns.Network(N=N, g=2.0, k=1.0, rule=ns.Covariance()), state)
    with pytest.raises(ValueError, match=r"state.x has shape \(3,\)"):
        spectra.state_support(net, ns.State(x[:3], np.zeros((3, 3))))
