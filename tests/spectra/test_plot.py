"""The Fig. 4-style plots (spectra/_plot.py) draw what they are given."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import neurosyn as ns
import spectra


def test_plot_spectrum_draws_eigenvalues_boundary_and_delta():
    eigs = np.array([-1 + 0.5j, -1 - 0.5j, 0.1 + 0j])
    f_a = np.array([0.2, 0.2, 0.9])
    boundary = (np.exp(1j * np.linspace(0, 2 * np.pi, 50)) - 1,)
    fig = Figure()
    ax = fig.subplots()
    sc = spectra.plot_spectrum(ax, eigs, f_a, boundary, 2.5)
    np.testing.assert_array_equal(sc.get_offsets(), np.c_[eigs.real, eigs.imag])
    np.testing.assert_array_equal(sc.get_array(), f_a)
    assert sc.get_clim() == (0.0, 1.0)
    lines = [ln.get_xydata() for ln in ax.get_lines()]
    assert any(np.allclose(ln, np.c_[boundary[0].real, boundary[0].imag]) for ln in lines)
    assert any(np.allclose(ln, [[-0.4, 0.0]]) for ln in lines)  # −1/p


def test_plot_spectrum_grid_layout(key):
    net = ns.Network(N=6, g=2.0, k=1.0)
    J = ns.sample_couplings(net, key)
    state = ns.State(np.linspace(-1, 1, 6), np.zeros((6, 6)))
    panels = {}
    for g, k in [(1.5, 1.0), (2.0, 1.0), (2.0, -1.0)]:
        n = ns.Network(N=6, g=g, k=k)
        panels[(g, k)] = (spectra.jacobian_spectrum(n, J, state), None)
    fig, axes = spectra.plot_spectrum_grid(panels, 2.5)
    assert axes.shape == (2, 2)
    assert axes[0, 1].get_title() == "g=2, k=1" and axes[1, 1].get_title() == "g=2, k=-1"
    assert not axes[1, 0].axison  # (1.5, −1) missing
    with pytest.raises(ValueError, match="empty"):
        spectra.plot_spectrum_grid({}, 2.5)
