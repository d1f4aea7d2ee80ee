"""Fig. 4-style plots: eigenvalues of M̃ coloured by synaptic weight f_a, the Eq. 21 boundary and −1/p."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def plot_spectrum(ax, eigs, f_a, boundary, p, *, s: float = 4.0, cmap: str = "viridis", delta: bool = True):
    """Draw one spectrum panel on a matplotlib ``ax``.

    Args:
        ax: matplotlib Axes. eigs: complex eigenvalues. f_a: their synaptic weights in [0, 1] (colour).
        boundary: Eq. 21 contours (complex polylines, e.g. `SupportTheory.boundary`), or None.
        p: synaptic time constant; the −1/p point (the delta function of N² − N synaptic modes) is drawn red.
    Returns:
        the scatter artist (pass it to ``fig.colorbar``; f_a is mapped on [0, 1]).
    """
    eigs = np.asarray(eigs)
    sc = ax.scatter(eigs.real, eigs.imag, c=np.asarray(f_a), s=s, vmin=0.0, vmax=1.0, cmap=cmap, linewidths=0)
    for line in boundary or ():
        line = np.asarray(line)
        ax.plot(line.real, line.imag, color="k", lw=0.8)
    if delta:
        ax.plot([-1.0 / float(p)], [0.0], "o", color="red", ms=4)
    ax.axvline(0.0, color="0.6", lw=0.5, ls=":")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    return sc


def plot_spectrum_grid(panels: Mapping, p, *, xlim=(-3.0, 1.0), ylim=(-2.0, 2.0), size: float = 2.4):
    """A (g, k) grid of spectrum panels in the layout of Fig. 4: g across the columns, k down the rows
    (largest k on top).

    Args:
        panels: mapping (g, k) → (`Spectrum`, `SupportTheory` or None).
        p: synaptic time constant. xlim, ylim: axes ranges (Fig. 4: [−3, 1] × [−2, 2]).
        size: inches per panel.
    Returns:
        (fig, axes) with a shared f_a colour bar; a plain `matplotlib.figure.Figure` (no pyplot).
    """
    from matplotlib.figure import Figure

    if not panels:
        raise ValueError("panels is empty; pass a mapping (g, k) -> (Spectrum, SupportTheory or None)")
    gs = sorted({float(g) for g, _ in panels})
    ks = sorted({float(k) for _, k in panels}, reverse=True)
    fig = Figure(figsize=(size * len(gs) + 1.0, size * len(ks)), layout="constrained")
    axes = fig.subplots(len(ks), len(gs), squeeze=False, sharex=True, sharey=True)
    sc = None
    for (g, k), (spec, support) in panels.items():
        ax = axes[ks.index(float(k)), gs.index(float(g))]
        boundary = None if support is None else support.boundary
        sc = plot_spectrum(ax, spec.eigenvalues, spec.f_a, boundary, p)
        ax.set_title(f"g={float(g):g}, k={float(k):g}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        if not ax.has_data():
            ax.set_axis_off()
    fig.colorbar(sc, ax=axes, label="f_a (synaptic weight)", shrink=0.8)
    return fig, axes
