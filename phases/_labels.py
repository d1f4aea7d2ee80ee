"""Phase labels of the (g, k) diagram at fixed p (model.md §4.7, Fig. 1b)."""

from __future__ import annotations

import math

PHASE_NAMES = {
    1: "(i) plasticity-free chaos",
    2: "(ii) Hebbian chaos, nonfreezable",
    3: "(iii) anti-Hebbian chaos",
    4: "(iv) plasticity-induced chaos",
    5: "(v) global quiescence",
    6: "(vi) stable nonzero fixed points exist",
    7: "(vii) semifreezable chaos",
    8: "(viii) freezable chaos",
    9: "(ii/vii/viii) Hebbian chaos, freezability not computed",
}

# example markers of Fig. 1b (approx. positions, model.md §4.7)
MARKERS = {
    "(i)": (2.25, 0.0),
    "(ii)": (2.25, 0.60),
    "(iii)": (2.25, -0.90),
    "(iv)": (0.85, 1.75),
    "(v)": (0.85, 1.00),
    "(vi)": (1.16, 1.96),
    "(vii)": (2.25, 1.13),
    "(viii)": (2.25, 1.55),
}

DYNAMIC = (1, 2, 3, 4, 7, 8)


def label_phase(
    g: float,
    k: float,
    *,
    k_crit=math.nan,
    k_semifreezable=math.nan,
    k_freezable=math.nan,
    k_onset=math.nan,
    k_zero_tol: float = 1e-12,
) -> tuple[int, int]:
    """The phase code (1–5, 7, 8 for (i)–(v), (vii), (viii)) and the fixed-point flag (1 inside (vi)).

    Rules (model.md §4.7): for g ≤ 1 (the trivial fixed point is stable; g = 1 is the critical line and is put
    on this side) the point is (iv) if k > k_crit(g), else (v). For g > 1: (i) if k = 0, (iii) if k < 0, and
    for k > 0 (ii) below k_semifreezable(g), (vii) between the lines, (viii) at or above k_freezable(g).
    Independently, (vi) holds where k ≥ k_onset(g), the onset of stable nonzero fixed points (NaN = no onset).
    A NaN boundary that the rule needs raises `ValueError`, naming it.
    """
    fp = int(math.isfinite(k_onset) and k >= k_onset)
    if g <= 1.0:
        if not math.isfinite(k_crit):
            raise ValueError(f"k_crit(g={g}) is needed to label g <= 1 and is not finite ({k_crit})")
        return (4 if k > k_crit else 5), fp
    if abs(k) <= k_zero_tol:
        return 1, fp
    if k < 0:
        return 3, fp
    for name, v in (("k_semifreezable", k_semifreezable), ("k_freezable", k_freezable)):
        if not math.isfinite(v):
            raise ValueError(f"{name}(g={g}) is needed to label k > 0 at g > 1 and is not finite ({v})")
    if k < k_semifreezable:
        return 2, fp
    if k < k_freezable:
        return 7, fp
    return 8, fp
