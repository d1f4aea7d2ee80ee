"""Mean-field theory of fixed points (Clark & Abbott 2024, Sec. VI; model.md §7.3–7.5).

Single site (Eq. 24): G(x) ≡ x − s·tanh x = η with s = k·C0, η ~ N(0, σ²), σ = g√C0, C0 = ⟨tanh² x⟩.
Stability (Eq. 26): g²⟨(cosh² x − s)⁻²⟩ < 1, with equality (marginality) for the typical fixed points.

For s > 1 the map G has turning points ±x_m, cosh² x_m = s, and for |η| < η_m = s tanh x_m − x_m three
solutions. The middle one is always unstable. Units with |η| < η_c sit with weight ½ on the *aligned* outer
branch (sign x = sign η) or the *anti-aligned* one; units with |η| > η_c sit on the aligned branch. The
Stern-style count (model.md §7.4, a reconstruction) is (1/N) log₂ N_FP = P(|η| < η_c) = erf(η_c/(σ√2)),
with η_c
the largest threshold allowed by stability, closed by C0 = ⟨tanh² x⟩ over the same mixture.

Quadrature. The two outer branches are integrated in coordinates in which the integrands are smooth:
the aligned branch in x itself (dη = G′(x) dx), the anti-aligned branch in w = log(cosh² y − s), y = |x|,
which absorbs the logarithmic divergence of the stability sum at the turning point. Everything is
fixed-size (Gauss–Legendre nodes, fixed-count bisections), so each function is jit- and vmap-able over g, k.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import lax
from jaxtyping import Array, Float

import neurosyn as ns

_N_GL = 64  # Gauss–Legendre nodes per branch segment; 64 vs 256 agree to < 1e-10 (tests/fixedpoints)
_N_C0 = 160  # grid in C0 on which sign changes of the self-consistency are located
_MAX_BRANCHES = 4  # padded size of the branch arrays (NaN past the last root)
_W_SPAN = 40.0  # how far below w0 the threshold variable w_c may go (η_m − η_c ~ e^{2 w_c})
_ETA_SPAN = 9.0  # aligned branch integrated out to |η| ≈ 9σ
_GL_T, _GL_W = (jnp.asarray(a) for a in np.polynomial.legendre.leggauss(_N_GL))


def _gl(a, b):
    """Gauss–Legendre nodes and weights on [a, b] (broadcasts over leading axes of a, b)."""
    a, b = jnp.asarray(a)[..., None], jnp.asarray(b)[..., None]
    h = 0.5 * (b - a)
    return a + h * (_GL_T + 1.0), h * _GL_W


def _gauss(eta, sigma):
    return jnp.exp(-0.5 * (eta / sigma) ** 2) / (sigma * jnp.sqrt(2.0 * jnp.pi))


def _x0(s):
    """Positive root of x = s tanh x (0 for s ≤ 1), by bisection on [0, s]."""
    s = jnp.asarray(s)

    def body(_, lohi):
        lo, hi = lohi
        mid = 0.5 * (lo + hi)
        pos = mid - s * jnp.tanh(mid) < 0.0  # still left of the root
        return jnp.where(pos, mid, lo), jnp.where(pos, hi, mid)

    lo, hi = lax.fori_loop(0, 80, body, (jnp.zeros_like(s), jnp.maximum(s, 0.0)))
    return jnp.where(s > 1.0, 0.5 * (lo + hi), 0.0)


def _aligned_x(eta, s, x0):
    """Aligned-branch solution x ≥ x0 of x − s tanh x = eta ≥ 0.

    Newton from x = eta + max(s, 0) + 1, which lies right of the root; G(x) = x − s tanh x is convex and
    increasing there, so the iterates decrease monotonically to the root (16 steps reach float64 precision).
    """

    def body(_, x):
        t = jnp.tanh(x)
        return jnp.maximum(x - (x - s * t - eta) / (1.0 - s * (1.0 - t * t)), x0)

    return lax.fori_loop(0, 16, body, eta + jnp.maximum(s, 0.0) + 1.0)


def _turning(s):
    """x_m = arccosh √s and η_m = s tanh x_m − x_m (both 0 for s ≤ 1)."""
    xm = jnp.arccosh(jnp.sqrt(jnp.maximum(s, 1.0)))
    return xm, jnp.where(s > 1.0, s * jnp.tanh(xm) - xm, 0.0)


def _y_of_w(w, s):
    return jnp.arccosh(jnp.sqrt(s + jnp.exp(w)))


def _anti_y(eta, s, xm, x0):
    """Anti-aligned solution y = |x| ∈ [x_m, x0] of s tanh y − y = eta ∈ [0, η_m] (bisection, 80 steps)."""

    def body(_, lohi):
        lo, hi = lohi
        mid = 0.5 * (lo + hi)
        above = s * jnp.tanh(mid) - mid > eta  # η(y) decreases on [x_m, x0]
        return jnp.where(above, mid, lo), jnp.where(above, hi, mid)

    lo, hi = lax.fori_loop(0, 80, body, (xm + 0.0 * eta, x0 + 0.0 * eta))
    return 0.5 * (lo + hi)


class _Site(eqx.Module):
    """Per-(g, k, C0) constants of the single-site problem."""

    g: Array
    s: Array
    sigma: Array
    x0: Array
    xm: Array
    eta_m: Array
    w0: Array
    w_lo: Array  # lowest useful threshold variable: η_c = min(η_m, 9σ) or w0 − _W_SPAN
    x_hi: Array  # aligned branch integrated up to η = 9σ


def _site(g, k, C0) -> _Site:
    s = k * C0
    sigma = g * jnp.sqrt(C0)
    x0 = _x0(s)
    xm, eta_m = _turning(s)
    w0 = jnp.log(jnp.maximum(jnp.cosh(x0) ** 2 - s, 1e-300))
    eta_cut = _ETA_SPAN * sigma
    y_cut = _anti_y(jnp.minimum(eta_cut, eta_m), s, xm, x0)
    w_cut = jnp.log(jnp.maximum(jnp.cosh(y_cut) ** 2 - s, 1e-300))
    w_lo = jnp.where(eta_cut < eta_m, jnp.maximum(w_cut, w0 - _W_SPAN), w0 - _W_SPAN)
    x_hi = _aligned_x(eta_cut, s, x0)
    return _Site(g, s, sigma, x0, xm, eta_m, w0, w_lo, x_hi)


def _moments(site: _Site, wc):
    """Mixture averages for a threshold parametrised by w_c ∈ [w_lo, w0] (w_c = w0 means η_c = 0).

    Returns (normalisation, ⟨tanh² x⟩, stability sum g²⟨(cosh² x − s)⁻²⟩, η_c).
    """
    s, sigma = site.s, site.sigma
    multi = s > 1.0
    wc = jnp.clip(wc, site.w_lo, site.w0)
    yc = _y_of_w(wc, s)
    eta_c = jnp.where(multi, s * jnp.tanh(yc) - yc, 0.0)
    # anti-aligned branch, η ∈ (0, η_c), weight ½ (×2 for η < 0): w from w_c to w0
    w, ww = _gl(wc, site.w0)
    y = _y_of_w(w, s)
    base = _gauss(s * jnp.tanh(y) - y, sigma) / (2.0 * jnp.sinh(y) * jnp.cosh(y) ** 3)
    ok = multi & (wc < site.w0)
    b_norm = jnp.where(ok, jnp.sum(ww * base * jnp.exp(2 * w)), 0.0)
    b_C = jnp.where(ok, jnp.sum(ww * base * jnp.exp(2 * w) * jnp.tanh(y) ** 2), 0.0)
    b_S = jnp.where(ok, jnp.sum(ww * base), 0.0)
    # aligned branch in x: [x0, x_c] with weight ½ (|η| < η_c) and [x_c, x_hi] with weight 1, one node array
    xc = _aligned_x(eta_c, s, site.x0)
    xa, wa = _gl(site.x0, xc)
    xb, wb = _gl(xc, jnp.maximum(site.x_hi, xc))
    x = jnp.concatenate([xa, xb], axis=-1)
    wx = jnp.concatenate([0.5 * wa, wb], axis=-1)
    c2 = jnp.cosh(x) ** 2
    dG = 1.0 - s / c2  # G′(x) = sech² x (cosh² x − s)
    rho = _gauss(x - s * jnp.tanh(x), sigma)
    a_norm = jnp.sum(wx * rho * dG)
    a_C = jnp.sum(wx * rho * dG * jnp.tanh(x) ** 2)
    a_S = jnp.sum(wx * rho / (c2 * (c2 - s)))
    norm = 2.0 * (a_norm + 0.5 * b_norm)
    Cmix = 2.0 * (a_C + 0.5 * b_C)
    S = site.g**2 * 2.0 * (a_S + 0.5 * b_S)
    return norm, Cmix, S, eta_c


def _threshold(site: _Site):
    """Largest stable η_c, as its variable w_c: bisection for stability sum = 1 on [w_lo, w0].

    Returns (w_c, admissible, moments at w_c): admissible is False where s ≤ 1 or the all-aligned state
    (η_c = 0) is already unstable (S0 ≥ 1). If even w_lo is stable, η_c is capped there (η_c = min(η_m, 9σ)).
    """
    ends = jax.vmap(lambda w: jnp.stack(_moments(site, w)))(jnp.stack([site.w0, site.w_lo]))
    S0, floor_stable = ends[0, 2], ends[1, 2] <= 1.0

    def body(_, c):
        lo, hi, m_hi = c  # S(lo) > 1 or lo = w_lo; S(hi) ≤ 1, with m_hi the moments at hi
        mid = 0.5 * (lo + hi)
        m = jnp.stack(_moments(site, mid))
        stable = m[2] <= 1.0
        return jnp.where(stable, lo, mid), jnp.where(stable, mid, hi), jnp.where(stable, m, m_hi)

    _, hi, m_hi = lax.fori_loop(0, 40, body, (site.w_lo, site.w0, ends[0]))
    wc = jnp.where(floor_stable, site.w_lo, hi)
    m = jnp.where(floor_stable, ends[1], m_hi)
    return wc, (S0 < 1.0) & (site.s > 1.0), m


def _residual(g, k, C0):
    """F(C0) = ⟨tanh² x⟩_mixture − C0 at the marginal threshold, with admissibility and η_c, S, count."""
    site = _site(g, k, C0)
    _, adm, m = _threshold(site)
    Cmix, S, eta_c = m[1], m[2], m[3]
    sigma = site.sigma
    count = jax.scipy.special.erf(eta_c / (sigma * jnp.sqrt(2.0)))
    return Cmix - C0, adm, S, eta_c, count


def _c0_grid(k):
    """C0 grid on (1/k, 1) (s > 1), denser towards 1/k where the small-s branch lives."""
    lo = jnp.minimum(1.0 / jnp.maximum(k, 1e-12), 1.0)
    u = (jnp.arange(_N_C0) + 0.5) / _N_C0
    return lo + (1.0 - lo) * u**2


class Complexity(eqx.Module):
    """Mean-field count of typical stable fixed points at (g, k) (model.md §7.4).

    Attributes:
        g, k: parameters (p does not enter).
        log2_count: (1/N) log₂ N_FP of each solution branch [branches], NaN-padded, sorted by C0.
        C0, s, eta_c, sigma: C0 = ⟨tanh² x⟩, s = kC0, threshold η_c and σ = g√C0 of each branch.
        stability_sum: g²⟨(cosh² x − s)⁻²⟩ of each branch (1 at a marginal branch, Eq. 26).
        self_consistency: |⟨tanh² x⟩ − C0| left at each branch.
        outlier_stable: dF/dC0 < 0 at the root, F(C0) = ⟨tanh² x⟩ − C0. A branch with dF/dC0 > 0 continues the
            lower root χ₁ of χ = k tanh³χ at g = 0, whose outlier eigenvalue along φ is positive (a
            diagnostic;
            Eq. 26 constrains the bulk only).
        n_branches: number of solution branches found (0 below the onset).
        dominant: index of the branch with the largest count (−1 when there is none).
    """

    g: Array
    k: Array
    log2_count: Float[Array, " 4"]
    C0: Float[Array, " 4"]
    s: Float[Array, " 4"]
    eta_c: Float[Array, " 4"]
    sigma: Float[Array, " 4"]
    stability_sum: Float[Array, " 4"]
    self_consistency: Float[Array, " 4"]
    outlier_stable: Array
    n_branches: Array
    dominant: Array

    @property
    def exists(self):
        return self.n_branches > 0

    @property
    def dominant_log2_count(self):
        """(1/N) log₂ N_FP of the dominant branch; 0 when no branch exists."""
        return jnp.where(
            self.n_branches > 0, jnp.nanmax(jnp.where(jnp.isnan(self.log2_count), -1.0, self.log2_count)), 0.0
        )


def _complexity_g0(k):
    """Exact g = 0: |x_i| = χ with χ = k tanh³χ and every sign pattern allowed (count 1).

    For k > k_c there are two roots χ₁ < χ_c < χ₂ (bisection on each side of χ_c); only χ₂ has a stable
    outlier. Returns (exists, C0 of both roots).
    """
    k = jnp.asarray(k, jnp.float64)
    chi_c = g0_chi_c()
    f = lambda c: c - k * jnp.tanh(c) ** 3  # > 0 near 0 and at large χ, < 0 between the roots

    def bisect(lo, hi, neg_on_left):
        def body(_, lohi):
            lo, hi = lohi
            mid = 0.5 * (lo + hi)
            move_lo = (f(mid) < 0.0) == neg_on_left
            return jnp.where(move_lo, lo, mid), jnp.where(move_lo, mid, hi)

        lo, hi = lax.fori_loop(0, 100, body, (lo, hi))
        return 0.5 * (lo + hi)

    chi1 = bisect(jnp.asarray(1e-6), jnp.asarray(chi_c), True)
    chi2 = bisect(jnp.asarray(chi_c), jnp.maximum(k, 0.0) + 1.0, False)
    exists = k >= g0_kc()
    return exists, jnp.tanh(jnp.stack([chi1, chi2])) ** 2


def g0_kc() -> float:
    """k_c at g = 0: χ solves sinh 2χ = 6χ and k_c = χ / tanh³χ (model.md §7.5)."""
    chi = g0_chi_c()
    return float(chi / np.tanh(chi) ** 3)


def g0_chi_c() -> float:
    """χ at the g = 0 onset: the positive root of sinh 2χ = 6χ (Newton in float64)."""
    chi = 1.4
    for _ in range(60):
        f = np.sinh(2 * chi) - 6 * chi
        chi -= f / (2 * np.cosh(2 * chi) - 6)
    return float(chi)


def g0_chi(k) -> float:
    """|x_i| = χ at g = 0: the largest root of χ = k tanh³χ (NaN below k_c)."""
    k = float(k)
    if k < g0_kc():
        return float("nan")
    lo, hi = g0_chi_c(), k + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if mid - k * np.tanh(mid) ** 3 > 0 else (mid, hi)
    return 0.5 * (lo + hi)


def g0_eigenvalues(p) -> dict:
    """Reduced-Jacobian eigenvalues at g = 0, k = k_c (model.md §7.5), with multiplicities.

    The bulk pair has multiplicity N − 1 each.

    Returns dict(bulk=(λ₊, λ₋), outlier=−1/p − 2/3, marginal=0.0).
    """
    p = float(p)
    disc = np.sqrt((1 + p) ** 2 - 8 * p / 3)
    return dict(
        bulk=(-(1 + p - disc) / (2 * p), -(1 + p + disc) / (2 * p)), outlier=-1 / p - 2 / 3, marginal=0.0
    )


@jax.jit
def _complexity_kernel(g, k):
    C0s = _c0_grid(k)
    F, adm, S, eta_c, count = jax.vmap(lambda c: _residual(g, k, c))(C0s)
    change = adm[:-1] & adm[1:] & (jnp.sign(F[:-1]) != jnp.sign(F[1:]))
    (idx,) = jnp.nonzero(change, size=_MAX_BRANCHES, fill_value=-1)
    valid = idx >= 0
    lo0, hi0 = C0s[jnp.maximum(idx, 0)], C0s[jnp.maximum(idx, 0) + 1]
    flo0 = F[jnp.maximum(idx, 0)]

    def refine(lo, hi, flo):
        def body(_, c):
            lo, hi, flo = c
            mid = 0.5 * (lo + hi)
            fm = _residual(g, k, mid)[0]
            same = jnp.sign(fm) == jnp.sign(flo)
            return jnp.where(same, mid, lo), jnp.where(same, hi, mid), jnp.where(same, fm, flo)

        lo, hi, _ = lax.fori_loop(0, 45, body, (lo, hi, flo))
        return 0.5 * (lo + hi)

    C0r = jax.vmap(refine)(lo0, hi0, flo0)
    h = 1e-5 * (1.0 - C0r)
    pts = jnp.concatenate([C0r, C0r + h, C0r - h])
    Fa, adma, Sa, eta_a, count_a = jax.vmap(lambda c: _residual(g, k, c))(pts)
    m = _MAX_BRANCHES
    Fr, admr, Sr, eta_r, count_r = Fa[:m], adma[:m], Sa[:m], eta_a[:m], count_a[:m]
    slope = Fa[m : 2 * m] - Fa[2 * m :]
    nan = jnp.nan
    good = valid & admr
    pick = lambda a: jnp.where(good, a, nan)
    log2c = pick(count_r)
    n = jnp.sum(good)
    # largest count; exact ties (count 1 at tiny g) go to the larger C0, the branch with a stable outlier
    score = jnp.where(good, count_r + 1e-9 * C0r, -1.0)
    dom = jnp.where(n > 0, jnp.argmax(score), -1)
    return Complexity(
        g=g,
        k=k,
        log2_count=log2c,
        C0=pick(C0r),
        s=pick(k * C0r),
        eta_c=pick(eta_r),
        sigma=pick(g * jnp.sqrt(C0r)),
        stability_sum=pick(Sr),
        self_consistency=pick(jnp.abs(Fr)),
        outlier_stable=good & (slope < 0.0),
        n_branches=n,
        dominant=dom,
    )


def _sorted_by_C0(c: Complexity) -> Complexity:
    order = jnp.argsort(jnp.where(jnp.isnan(c.C0), jnp.inf, c.C0))
    fields = (
        "log2_count",
        "C0",
        "s",
        "eta_c",
        "sigma",
        "stability_sum",
        "self_consistency",
        "outlier_stable",
    )
    new = eqx.tree_at(
        lambda m: tuple(getattr(m, f) for f in fields), c, tuple(getattr(c, f)[order] for f in fields)
    )
    inv = jnp.argsort(order)
    return eqx.tree_at(
        lambda m: m.dominant, new, jnp.where(c.dominant >= 0, inv[jnp.maximum(c.dominant, 0)], -1)
    )


def fixed_point_complexity(g, k) -> Complexity:
    """Mean-field (1/N) log₂ N_FP of typical stable fixed points, every solution branch (model.md §7.4).

    Args:
        g: coupling strength (≥ 0); k: plasticity strength. p does not enter (Eqs. 24–26).
    Returns:
        `Complexity` with each branch's count, C0, s = kC0, threshold η_c and stability sum (= 1, marginal).
        At g = 0 the exact limit is used: for k ≥ k_c two branches (both roots of χ = k tanh³χ) with count 1
        and C0 = tanh²χ; the larger χ dominates.
    Equation:
        G(x) = x − kC0 tanh x = η, η ~ N(0, g²C0) (Eq. 24); g²⟨(cosh² x − kC0)⁻²⟩ = 1 (Eq. 26);
        (1/N) log₂ N_FP = erf(η_c / (σ√2)), C0 = ⟨tanh² x⟩ over the branch mixture.
    Assumptions:
        N → ∞, i.i.d. Gaussian J, φ = tanh; the Stern-style counting of §7.4 (a reconstruction): units with
        |η| < η_c take either outer branch with weight ½, and the largest stable η_c is taken.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Sec. VI; Stern, Sompolinsky & Abbott, PRE 90, 062710 (2014).
    """
    ns.check_nonnegative("g", g, "coupling strength")
    ns.check_finite("k", k, "plasticity strength")
    g = jnp.asarray(g, jnp.float64)
    k = jnp.asarray(k, jnp.float64)
    if float(g) == 0.0:
        exists, C0 = _complexity_g0(k)
        pad = lambda v: jnp.where(
            exists,
            jnp.concatenate([jnp.broadcast_to(v, (2,)), jnp.full(_MAX_BRANCHES - 2, jnp.nan)]),
            jnp.nan,
        )
        return Complexity(
            g=g,
            k=k,
            log2_count=pad(1.0),
            C0=pad(C0),
            s=pad(k * C0),
            eta_c=pad(0.0),
            sigma=pad(0.0),
            stability_sum=pad(0.0),
            self_consistency=pad(0.0),
            outlier_stable=pad(jnp.asarray([0.0, 1.0])) == 1.0,
            n_branches=2 * exists.astype(int),
            dominant=jnp.where(exists, 1, -1),
        )
    return _sorted_by_C0(_complexity_kernel(g, k))


def _existence(g, k):
    """E(k) = max over admissible C0 of F(C0) = ⟨tanh² x⟩ − C0; a branch exists iff E ≥ 0.

    F(1) < 0 always, so a non-negative maximum inside the admissible set brackets a root. The interior maximum
    is
    refined by a parabola through the three grid points around it; the left edge of the admissible set (where
    the all-aligned stability sum reaches 1) is located by bisection and F evaluated there.
    """
    C0s = _c0_grid(k)
    F, adm, *_ = jax.vmap(lambda c: _residual(g, k, c))(C0s)
    Fa = jnp.where(adm, F, -jnp.inf)
    i = jnp.clip(jnp.argmax(Fa), 1, _N_C0 - 2)
    f0, f1, f2 = Fa[i - 1], Fa[i], Fa[i + 1]
    curv = 2.0 * f1 - f0 - f2
    vertex = jnp.where(jnp.isfinite(f0 + f2) & (curv > 0), f1 + (f2 - f0) ** 2 / (8.0 * curv), f1)
    interior = jnp.maximum(jnp.max(Fa), jnp.minimum(vertex, jnp.max(Fa) + 1e-3))
    # left edge of the admissible set: first admissible grid point j, bisect on S0 = 1 in [C0_{j-1}, C0_j]
    j = jnp.argmax(adm)
    has_edge = jnp.any(adm) & (j > 0)
    a, b = C0s[jnp.maximum(j - 1, 0)], C0s[j]

    def body(_, ab):
        a, b = ab
        mid = 0.5 * (a + b)
        site = _site(g, k, mid)
        good = (_moments(site, site.w0)[2] < 1.0) & (site.s > 1.0)
        return jnp.where(good, a, mid), jnp.where(good, mid, b)

    _, b = lax.fori_loop(0, 40, body, (a, b))
    edge = jnp.where(has_edge, _residual(g, k, b)[0], -jnp.inf)
    return jnp.maximum(interior, edge)


@jax.jit
def _k_onset_kernel(g, k_lo, k_hi):
    def body(_, lohi):
        lo, hi = lohi
        mid = 0.5 * (lo + hi)
        ex = _existence(g, mid) >= 0.0
        return jnp.where(ex, lo, mid), jnp.where(ex, mid, hi)

    e_hi = _existence(g, k_hi) >= 0.0
    lo, hi = lax.fori_loop(0, 32, body, (k_lo, k_hi))
    return jnp.where(e_hi, 0.5 * (lo + hi), jnp.nan)


def k_onset(g, *, k_max: float = 40.0) -> float:
    """Onset k_onset(g) of stable fixed points in mean-field theory (model.md §7.4; p-independent).

    Args:
        g: coupling strength (≥ 0); a 1-D array of g is evaluated in one compiled `vmap`.
        k_max: upper end of the bracket; NaN is returned where no stable fixed point exists for k ≤ k_max.
    Returns:
        k at which the first mean-field branch appears (bisection to ~1e-9 relative on [1, k_max], since
        s = kC0 > 1 requires k > 1); exact k_c = 2.0170 at g = 0.
    Equation:
        smallest k with a root of C0 = ⟨tanh² x⟩ at which g²⟨(cosh² x − kC0)⁻²⟩ ≤ 1 (Eqs. 24–26).
    Assumptions:
        the set of k with stable fixed points is an interval [k_onset, ∞) (bisection on existence).
    Note:
        For 0 < g < 1 this onset lies below the first-order line of the dynamics, `dmft.k_crit` (1.643
        against 1.83 at g = 0.5); both start at the exact k_c = 2.0170 at g = 0. The two are different
        questions (existence of stable nonzero fixed points vs. of a chaotic state), so a gap is not a
        contradiction: between them the dynamics from generic states falls to x = 0 while nonzero stable fixed
        points exist. Finite-N evidence (`find_fixed_points` from `self_coupled_states`, g = 0.5): at
        k = 1.8 < k_crit, N = 400, two networks gave 11 and 21 stable nonzero pairs (C0 0.878, bulk edges
        up to −0.009); at k = 1.7, N = 200 two pairs (C0 0.81, 0.83; mean field 0.804) but none at N = 400
        from 64 seeds. So stable fixed points do exist below k_crit; how far down (1.643 or higher) is not
        settled at these N. The paper's Fig. 1b hatched region is described as not entering the quiescent
        region (v); the §7.4 counting is a reconstruction.
    """
    ns.check_positive("k_max", k_max, "upper end of the k bracket")
    ga = np.asarray(g, dtype=np.float64)
    for gi in np.ravel(ga):
        ns.check_nonnegative("g", gi, "coupling strength")
    if np.all(ga == 0.0):
        return g0_kc() if ga.ndim == 0 else np.full(ga.shape, g0_kc())
    # always the vmapped kernel (a scalar g is a batch of one): one compilation serves every call
    g_pos = jnp.asarray(np.where(ga == 0.0, 1.0, ga)).reshape(-1)
    kernel = jax.vmap(_k_onset_kernel, in_axes=(0, None, None))
    out = np.asarray(kernel(g_pos, jnp.asarray(1.0), jnp.asarray(float(k_max)))).reshape(ga.shape)
    out = np.where(ga == 0.0, g0_kc(), out)
    return float(out) if ga.ndim == 0 else out


def sample_fixed_point_x(g, k, n: int, *, key, branch: int | None = None) -> Float[Array, " n"]:
    """Draw n values of x from the mean-field distribution of typical stable fixed points (model.md §7.3–7.4).

    η ~ N(0, σ²); units with |η| < η_c take the anti-aligned outer branch with probability ½, others the
    aligned one; x solves x − s tanh x = η on that branch. ``branch`` indexes `fixed_point_complexity(g, k)`
    (default: the dominant branch). Used for the Eq. 21 average of spectra at fixed points.
    """
    n = ns.check_int("n", n, "number of samples")
    c = fixed_point_complexity(g, k)
    nb = int(c.n_branches)
    if nb == 0:
        raise ValueError(
            f"no stable mean-field fixed point at g={float(g)}, k={float(k)}; need k >= k_onset(g)"
        )
    b = int(c.dominant) if branch is None else branch
    if not 0 <= b < nb:
        raise ValueError(f"branch={branch} out of range, valid range [0, {nb - 1}]")
    s, sigma, eta_c = c.s[b], c.sigma[b], c.eta_c[b]
    key_eta, key_side = jr.split(key)
    eta = sigma * jr.normal(key_eta, (n,))
    anti = (jnp.abs(eta) < eta_c) & jr.bernoulli(key_side, 0.5, (n,))
    x0 = _x0(s)
    xm, _ = _turning(s)
    a = jnp.abs(eta)
    x_al = _aligned_x(a, s, x0)
    x_an = -_anti_y(jnp.minimum(a, c.eta_c[b]), s, xm, x0)
    return jnp.sign(eta) * jnp.where(anti, x_an, x_al)
