"""Figures of phase diagrams: Fig. 1b (theory phases) and Fig. 5a (simulated λ_max), from sweep datasets.

Failed or not-converged points are never interpolated over: they are drawn grey and cross-hatched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._labels import MARKERS, PHASE_NAMES
from ._sweep import STATUS_CODES

# one colour per phase code (model.md §4.7); (vi) is an overlay, drawn hatched
PHASE_COLORS = {
    1: "#f4a259",  # (i) plasticity-free chaos (on the k = 0 line)
    2: "#f6d186",  # (ii) Hebbian chaos, nonfreezable
    3: "#8fb8de",  # (iii) anti-Hebbian chaos
    4: "#c77dff",  # (iv) plasticity-induced chaos
    5: "#e9ecef",  # (v) global quiescence
    7: "#f28482",  # (vii) semifreezable chaos
    8: "#b5838d",  # (viii) freezable chaos
    9: "#f7c59f",  # (ii/vii/viii) Hebbian chaos, freezable lines not computed
}


def _edges(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def _bad(ds) -> np.ndarray:
    s = ds["status"].transpose("k", "g").values
    return (s == STATUS_CODES["failed"]) | (s == STATUS_CODES["pending"])


def _hatch(ax, ds, mask, hatch, color, label=None, alpha=0.0):
    """Hatch the cells where ``mask`` [k, g] holds (pcolor cells; nothing drawn where False)."""
    if not np.any(mask):
        return
    import matplotlib as mpl

    ge, ke = _edges(ds["g"].values), _edges(ds["k"].values)
    mpl.rcParams["hatch.linewidth"] = 0.6
    ax.pcolor(
        ge,
        ke,
        np.ma.masked_where(~mask, np.ones(mask.shape)),
        hatch=hatch,
        alpha=alpha,
        cmap=mpl.colors.ListedColormap([color]),
        edgecolor=color,
        linewidth=0.0,
        shading="flat",
        label=label,
        zorder=3,
    )


def _column(ds, name):
    """A per-g boundary stored at every point of the column: its value per g (NaN if the column failed)."""
    if name not in ds:
        return None
    v = ds[name].transpose("g", "k").values
    with np.errstate(all="ignore"):
        out = np.array([row[np.isfinite(row)][0] if np.isfinite(row).any() else np.nan for row in v])
    return out


def _boundaries(ax, ds, *, color="k", lw=1.2):
    g = ds["g"].values
    ax.axvline(1.0, color=color, lw=lw, ls="-", zorder=4)
    for name, style, where in (
        ("k_crit", "-", g <= 1),
        ("k_semifreezable", "-", g > 1),
        ("k_freezable", "-", g > 1),
        ("k_onset", "--", np.ones_like(g, bool)),
    ):
        col = _column(ds, name)
        if col is not None and np.any(np.isfinite(col[where])):
            ax.plot(g[where], col[where], color=color, lw=lw, ls=style, zorder=4)
    if (g > 1).any():
        ax.plot([max(1.0, g.min()), g.max()], [0, 0], color=color, lw=lw, ls=":", zorder=4)


def plot_phase_diagram(ds, ax=None, *, markers: bool = True, legend: bool = True):
    """Fig. 1b: phase regions (i)–(viii) over (g, k) with boundary lines and the hatched fixed-point region.

    Args:
        ds: a theory sweep (variables ``phase``, ``fixed_points``, boundaries ``k_crit``, ``k_semifreezable``,
            ``k_freezable``, ``k_onset``).
        markers: mark the example points of model.md §4.7.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    codes = sorted(PHASE_COLORS)
    phase = ds["phase"].transpose("k", "g").values
    bad = _bad(ds) | ~np.isfinite(phase)
    idx = np.where(bad, np.nan, np.searchsorted(codes, np.nan_to_num(phase, nan=codes[0])))
    cmap = mpl.colors.ListedColormap([PHASE_COLORS[c] for c in codes])
    ax.pcolormesh(
        _edges(ds["g"].values),
        _edges(ds["k"].values),
        np.ma.masked_invalid(idx),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        shading="flat",
        zorder=1,
    )
    if "fixed_points" in ds:
        fp = ds["fixed_points"].transpose("k", "g").values == 1
        _hatch(ax, ds, fp & ~bad, "//", "0.25", alpha=0.15)
    _hatch(ax, ds, bad, "xx", "0.5", alpha=0.5)
    _boundaries(ax, ds)
    if markers:
        for label, (g, k) in MARKERS.items():
            if ds["g"].min() <= g <= ds["g"].max() and ds["k"].min() <= k <= ds["k"].max():
                ax.plot(g, k, "o", ms=4, mfc="white", mec="k", zorder=5)
                ax.annotate(label, (g, k), xytext=(4, 3), textcoords="offset points", fontsize=7, zorder=5)
    ax.set_xlabel("g")
    ax.set_ylabel("k")
    ax.set_xlim(_edges(ds["g"].values)[[0, -1]])
    ax.set_ylim(_edges(ds["k"].values)[[0, -1]])
    p = ds.attrs.get("param_p")
    ax.set_title(f"phase diagram (theory){'' if p is None else f', p = {p:g}'}")
    if legend:
        present = set(np.unique(phase[np.isfinite(phase)]).astype(int))
        handles = [Patch(color=PHASE_COLORS[c], label=PHASE_NAMES[c]) for c in codes if c in present]
        handles.append(Patch(facecolor="none", edgecolor="0.25", hatch="//", label=PHASE_NAMES[6]))
        if bad.any():
            handles.append(Patch(facecolor="0.8", edgecolor="0.5", hatch="xx", label="failed point"))
        ax.legend(handles=handles, fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def plot_lyapunov_map(ds, ax=None, *, vmax: float = 0.25, settle_fraction: float = 0.8):
    """Fig. 5a: simulated λ_max over (g, k), colour 0–``vmax``; white where every network went quiescent,
    hatched where at least ``settle_fraction`` of networks settled to nonzero fixed points; failed points grey
    and cross-hatched. Grey lines: g = 1 and, when the dataset has it, k_crit(g).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.8))
    lam = ds["lambda_max_sim"].transpose("k", "g").values
    bad = _bad(ds) | ~np.isfinite(lam)
    quiet = ds["frac_quiescent"].transpose("k", "g").values >= 1.0
    fixed = ds["frac_fixed_points"].transpose("k", "g").values >= settle_fraction
    shown = np.ma.masked_where(bad | quiet, lam)
    mesh = ax.pcolormesh(
        _edges(ds["g"].values),
        _edges(ds["k"].values),
        shown,
        cmap="inferno",
        vmin=0.0,
        vmax=vmax,
        shading="flat",
        zorder=1,
    )
    plt.colorbar(mesh, ax=ax, label=r"$\lambda_{\max}$", extend="both")
    _hatch(ax, ds, fixed & ~bad & ~quiet, "//", "0.9", alpha=0.0)
    _hatch(ax, ds, bad & ~quiet, "xx", "0.5", alpha=0.5)
    ax.axvline(1.0, color="0.6", lw=1.0, zorder=4)
    col = _column(ds, "k_crit")
    if col is not None:
        g = ds["g"].values
        ax.plot(g[g <= 1], col[g <= 1], color="0.6", lw=1.0, zorder=4)
    ax.set_xlabel("g")
    ax.set_ylabel("k")
    ax.set_xlim(_edges(ds["g"].values)[[0, -1]])
    ax.set_ylim(_edges(ds["k"].values)[[0, -1]])
    N, n = ds.attrs.get("param_N"), ds.attrs.get("param_networks")
    ax.set_title(r"$\lambda_{\max}$ (simulation" + (f", N = {N}, {n} networks)" if N else ")"))
    return ax


def save_figure(ds, path, *, method: str | None = None) -> list[Path]:
    """Draw the figure(s) a dataset supports and save them as PNG and vector PDF next to each other.

    Returns the written paths. With both theory and simulation variables the figure has two panels.
    """
    import matplotlib as mpl

    mpl.use("Agg", force=False)
    import matplotlib.pyplot as plt

    theory = "phase" in ds
    sim = "lambda_max_sim" in ds
    if not (theory or sim):
        raise ValueError(
            f"dataset has neither theory ('phase') nor simulation ('lambda_max_sim') results; "
            f"variables: {sorted(ds.data_vars)}"
        )
    n = int(theory) + int(sim)
    fig, axes = plt.subplots(1, n, figsize=(7.2 * n, 4.8), squeeze=False)
    i = 0
    if theory:
        plot_phase_diagram(ds, axes[0, i])
        i += 1
    if sim:
        plot_lyapunov_map(ds, axes[0, i])
    fig.tight_layout()
    path = Path(path)
    paths = [path if path.suffix else path.with_suffix(".png")]
    paths.append(paths[0].with_suffix(".pdf" if paths[0].suffix != ".pdf" else ".png"))
    for p in paths:
        fig.savefig(p, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths
