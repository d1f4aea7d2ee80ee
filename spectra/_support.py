"""Random-matrix support of the bulk spectrum of M̃ (Eq. 21): support function, boundary, topology, rightmost
point and outliers.

    S(λ) = ⟨ | g (1 + pλ) / [ (1 + pλ)(1 + λ)/φ′(x) − k C(0) ] |² ⟩_x ,   support = {λ : S(λ) ≥ 1}.

The x average is over a plain array of samples (DMFT single-site samples, simulated states along a
trajectory, or a fixed-point distribution); C(0) = ⟨φ²⟩ is passed separately.
"""

from __future__ import annotations

import math

import contourpy
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.ndimage
from jax import lax
from jaxtyping import Array, Complex, Float

import neurosyn as ns

TOPOLOGIES = ("disk", "hole", "two-band", "empty")
# λ points per `lax.map` batch times samples per point: bounds memory near 4·10⁶ complex numbers
_MAP_ELEMENTS = 4_000_000


def _prime_samples(x_samples, phi) -> np.ndarray:
    """φ′ at the samples (flattened)."""
    x = np.asarray(x_samples, np.float64).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x_samples must be a non-empty array of finite numbers, got {x.size} values")
    return np.asarray(phi.prime(jnp.asarray(x)))


def _compress(d: np.ndarray, m: int | None) -> np.ndarray:
    """Above ``m`` values, the m equally spaced quantile midpoints of d (a quadrature of the same average)."""
    if m is None or d.size <= m:
        return d
    return np.quantile(d, (np.arange(m) + 0.5) / m)


def _check(g, k, p, C0):
    ns.check_nonnegative("g", g, "coupling strength")
    ns.check_finite("k", k, "plasticity strength")
    ns.check_positive("p", p, "synaptic time constant")
    ns.check_nonnegative("C0", C0, "C(0) = <phi^2>")


def _S(lam, g, k, p, C0, d):
    """S(λ) = g² ⟨ d² / |(1 + λ) − k C0 d/(1 + pλ)|² ⟩ over d = φ′(x); λ any shape.

    Written with the low-rank shift k C0 d/(1 + pλ) so that k = 0 gives g²⟨d²⟩/|1 + λ|² even at λ = −1/p,
    while for k ≠ 0 the shift diverges there and S(−1/p) = 0 (the hole opened by the −1/p delta function).
    λ is flattened and padded (with its first point) to one of 8 sizes per octave, so that grids of
    different sizes share compilations at ≤ 12.5 % extra work.
    """
    if any(isinstance(a, jax.core.Tracer) for a in (lam, g, k, p, C0, d)):
        lam = jnp.asarray(lam)
        return _S_flat(lam.ravel(), g, k, p, C0, d).reshape(lam.shape)
    lam = np.asarray(lam)
    n = lam.size
    step = 1 << max(0, (max(64, n) - 1).bit_length() - 3)
    padded = np.full(-(-max(64, n) // step) * step, lam.ravel()[0] if n else 0.0, np.complex128)
    padded[:n] = lam.ravel()
    return jnp.asarray(np.asarray(_S_flat(jnp.asarray(padded), g, k, p, C0, d))[:n].reshape(lam.shape))


@jax.jit
def _S_flat(flat, g, k, p, C0, d):
    one_p = 1.0 + p * flat
    pole = (one_p == 0) & (k != 0)
    shift = jnp.where(k == 0, 0.0, k * C0 / jnp.where(one_p == 0, 1.0, one_p))

    def point(args):
        lam_, s_, pole_ = args
        value = g**2 * jnp.mean(d**2 / jnp.abs((1.0 + lam_) - s_ * d) ** 2)
        return jnp.where(pole_, 0.0, value)

    batch = max(1, min(flat.size, _MAP_ELEMENTS // max(1, d.size)))
    return lax.map(point, (flat, shift, pole), batch_size=batch)


def support_function(
    lam, g, k, p, C0, x_samples, *, phi: ns.Transfer = ns.tanh, max_samples: int | None = None
):
    """The Eq. 21 support function S(λ); λ lies in the N → ∞ bulk support iff S(λ) ≥ 1.

    Args:
        lam: complex points, any shape. g, k, p: network parameters. C0: C(0) = ⟨φ²⟩.
        x_samples: samples of x (any shape, flattened). phi: transfer function (φ′ = ``phi.prime``).
        max_samples: if set and exceeded, φ′ is replaced by as many equally spaced quantiles of its
            empirical distribution (a faster quadrature of the same average; default: every sample).
    Returns:
        S(λ), real, the shape of ``lam``.
    Equation:
        S(λ) = ⟨ | g (1 + pλ) / [ (1 + pλ)(1 + λ)/φ′(x) − k C(0) ] |² ⟩_x   (Eq. 21).
    Assumptions:
        N → ∞; i.i.d. Gaussian J; the bulk part of M̃ (Eq. 20); x samples from the state's distribution.
    References:
        Clark & Abbott, PRX 14, 021001 (2024), Eq. 21, App. E; Ahmadian, Fumarola & Miller, PRE 91 (2015).
    """
    _check(g, k, p, C0)
    d = _compress(_prime_samples(x_samples, phi), max_samples)
    lam = jnp.asarray(lam, jnp.complex128)
    f = lambda v: jnp.asarray(v, jnp.float64)
    return _S(lam, f(g), f(k), f(p), f(C0), jnp.asarray(d))


def radius_k0(g, x_samples, *, phi: ns.Transfer = ns.tanh) -> float:
    """Radius g √⟨φ′(x)²⟩ of the k = 0 support, the disk |1 + λ| ≤ g √⟨φ′²⟩ (§5.7)."""
    ns.check_nonnegative("g", g, "coupling strength")
    d = _prime_samples(x_samples, phi)
    return float(g) * math.sqrt(float(np.mean(d**2)))


class SupportTheory(eqx.Module):
    """The N → ∞ support of the bulk spectrum of M̃ on a grid, with its boundary and shape.

    Attributes:
        boundary: contours S(λ) = 1, a tuple of closed complex polylines (marching squares on log S).
        topology: "disk" (one region without hole), "hole" (one region with a hole, around −1/p),
            "two-band" (two or more regions), or "empty" (g = 0 and k = 0: no point has S ≥ 1, no pole set).
            The support is {S ≥ 1} plus the pole set where S = ∞ (`real_segments`, `pole_segment`), so the
            isolated poles of a finite sample of x do not read as extra bands.
        n_components, n_holes: counts behind the topology (8-connected support, 4-connected complement).
        max_real: rightmost point of the support, pole set included (refined by bisection; NaN if empty).
        radius_k0: g √⟨φ′²⟩ if k = 0, else NaN.
        re, im, S: the grid (equal steps ``step``; −1/p and Im λ = 0 are nodes) and S on it [n_im, n_re].
        g, k, p, C0: parameters; dphi: φ′ at every sample (used by ``__call__``, ``contains``, ``max_real``).
    """

    boundary: tuple
    max_real: Float[Array, ""]
    radius_k0: Float[Array, ""]
    re: Float[Array, " n_re"]
    im: Float[Array, " n_im"]
    S: Float[Array, "n_im n_re"]
    step: float
    g: float
    k: float
    p: float
    C0: float
    topology: str = eqx.field(static=True)
    n_components: int = eqx.field(static=True)
    n_holes: int = eqx.field(static=True)

    dphi: Float[Array, " n_samples"]

    def __call__(self, lam) -> Array:
        """S(λ) at arbitrary points, from the stored φ′ values (not interpolated from the grid)."""
        f = lambda v: jnp.asarray(v, jnp.float64)
        return _S(jnp.asarray(lam, jnp.complex128), f(self.g), f(self.k), f(self.p), f(self.C0), self.dphi)

    def real_segments(self) -> np.ndarray:
        """Real intervals [[a, b], ...] where (1 + pλ)(1 + λ) ∈ k C0 [min φ′, max φ′] over the samples.

        There the denominator of Eq. 21 vanishes for some φ′ of a continuous distribution and S = ∞: the
        support includes these real segments, which carry a one-dimensional density of real eigenvalues (the
        2 × 2 blocks [[−1, C0 φ′_i], [k/p, −1/p]] of single units, e.g. units with saturated φ′ whose modes
        sit just beside −1/p). Empty at k = 0. See `pole_segment` for the complex part (k < 0).
        """
        return _real_segments(self.k, self.C0, self.p, float(self.dphi.min()), float(self.dphi.max()))

    def pole_segment(self) -> tuple[float, float, float] | None:
        """The complex part of the same pole set: (Re λ, Im_lo, Im_hi) of the segments Re λ = −(1 + p)/(2p),
        Im_lo ≤ |Im λ| ≤ Im_hi, where (1 + pλ)(1 + λ) = k C0 φ′ < −(p − 1)²/(4p) (only for k < 0); or None."""
        return _complex_segment(self.k, self.C0, self.p, float(self.dphi.min()), float(self.dphi.max()))

    def contains(self, lam) -> Array:
        """True where S(λ) ≥ 1, or on a real segment of `real_segments` (|Im λ| ≤ 1e-9 (1 + |λ|))."""
        lam = np.asarray(lam, np.complex128)
        on_axis = np.abs(lam.imag) <= 1e-9 * (1 + np.abs(lam))
        seg = np.zeros(lam.shape, bool)
        for a, b in self.real_segments():
            seg |= on_axis & (lam.real >= a) & (lam.real <= b)
        return jnp.asarray(seg | (np.asarray(self(lam)) >= 1.0))


def _pole_c(k, C0, dmin, dmax):
    """The range [c1, c2] of c = k C0 φ′ over the samples."""
    c1, c2 = sorted((k * C0 * dmin, k * C0 * dmax))
    return c1, c2


def _real_segments(k, C0, p, dmin, dmax) -> np.ndarray:
    """Real λ with (1 + pλ)(1 + λ) = c for some c ∈ k C0 [dmin, dmax], as intervals [[a, b], ...]."""
    if k == 0:
        return np.zeros((0, 2))
    c1, c2 = _pole_c(k, C0, dmin, dmax)
    b_min = -((p - 1.0) ** 2) / (4.0 * p)  # the minimum of (1 + pλ)(1 + λ) over real λ
    root = lambda c, s: (-(1.0 + p) + s * math.sqrt(max((1.0 + p) ** 2 - 4.0 * p * (1.0 - c), 0.0))) / (2 * p)
    if c2 < b_min:
        return np.zeros((0, 2))
    if c1 <= b_min:
        return np.array([[root(c2, -1), root(c2, 1)]])
    return np.array([[root(c2, -1), root(c1, -1)], [root(c1, 1), root(c2, 1)]])


def _complex_segment(k, C0, p, dmin, dmax):
    """(Re, Im_lo, Im_hi) of the complex λ with (1 + pλ)(1 + λ) = c ∈ k C0 [dmin, dmax], c < −(p−1)²/(4p)."""
    if k == 0:
        return None
    c1, c2 = _pole_c(k, C0, dmin, dmax)
    b_min = -((p - 1.0) ** 2) / (4.0 * p)
    if c1 >= b_min:
        return None
    im = lambda c: math.sqrt(max(-4.0 * p * c - (p - 1.0) ** 2, 0.0)) / (2.0 * p)
    return (-(1.0 + p) / (2.0 * p), im(min(c2, b_min)), im(c1))


def _pole_mask(re, im, k, C0, p, dmin, dmax) -> np.ndarray:
    """Grid nodes on the pole set of Eq. 21 (real segments on the Im λ = 0 row, the complex segment on the
    nearest column): part of the N → ∞ support, where S = ∞ for a continuous distribution of φ′."""
    mask = np.zeros((im.size, re.size), bool)
    h = re[1] - re[0]
    row0 = int(np.argmin(np.abs(im)))
    nearest = lambda grid, v: int(np.argmin(np.abs(grid - v)))
    for a, b in _real_segments(k, C0, p, dmin, dmax):
        if b < re[0] - h or a > re[-1] + h:
            continue
        cols = (re >= a) & (re <= b)
        if not cols.any():  # a segment shorter than a step: its nearest node
            cols[nearest(re, 0.5 * (a + b))] = True
        mask[row0, cols] = True
    seg = _complex_segment(k, C0, p, dmin, dmax)
    if seg is not None and re[0] - h <= seg[0] <= re[-1] + h:
        _, lo, hi = seg
        rows = (np.abs(im) >= lo) & (np.abs(im) <= hi)
        if not rows.any():
            rows[[nearest(im, lo), nearest(im, -lo)]] = True
        mask[rows, nearest(re, seg[0])] = True
    return mask


def _bound_radius(g, k, p, C0, dmax) -> float:
    """R such that S(λ) < 1 whenever |1 + λ| ≥ R (from |1 + pλ| ≥ pR − |p − 1|)."""
    R = 1.0 + g * dmax + 1.0 / p
    for _ in range(200):
        lower = p * R - abs(p - 1.0)
        if lower > 0 and g * dmax < R - abs(k) * C0 * dmax / lower:
            return R
        R *= 1.2
    raise ValueError(f"could not bound the support for g={g}, k={k}, p={p}, C0={C0}")


def _grid(lo_re, hi_re, half_im, n, centre):
    """Equal-step grid with a node at Re λ = centre and at Im λ = 0."""
    h = max(hi_re - lo_re, 2 * half_im) / (n - 1)
    i_lo = math.floor((lo_re - centre) / h)
    i_hi = math.ceil((hi_re - centre) / h)
    re = centre + h * np.arange(i_lo, i_hi + 1)
    m = math.ceil(half_im / h)
    im = h * np.arange(-m, m + 1)
    return re, im, h


def _evaluate(re, im, params):
    lam = jnp.asarray(re[None, :] + 1j * im[:, None])
    return np.asarray(_S(lam, *params))


def _rightmost(params, im_rows, lo, hi, n=64, n_bisect=60):
    """Largest Re λ with S ≥ 1 over the rows Im λ = im_rows: scan [lo, hi] on n points, then bisect every row
    at once between its last inside point and the next one (2⁻⁶⁰ of a scan step: round-off)."""
    re = np.linspace(lo, hi, n)
    inside = _evaluate(re, im_rows, params) >= 1.0
    rows = inside.any(axis=1)
    if not rows.any():
        return -np.inf
    im_rows = im_rows[rows]
    last = np.array([np.flatnonzero(r)[-1] for r in inside[rows]])
    a = re[last]
    b = re[np.minimum(last + 1, n - 1)]
    for _ in range(n_bisect):
        c = 0.5 * (a + b)
        ok = np.asarray(_S(jnp.asarray(c + 1j * im_rows), *params)) >= 1.0
        a, b = np.where(ok, c, a), np.where(ok, b, c)
    return float(a.max())


def _cover_poles(lo_re, hi_re, half_im, pad, k, C0, p, d):
    """Widen a window so that it holds the pole set (`_real_segments`, `_complex_segment`) plus ``pad``."""
    dmin, dmax = float(d.min()), float(d.max())
    for a, b in _real_segments(k, C0, p, dmin, dmax):
        lo_re, hi_re = min(lo_re, a - pad), max(hi_re, b + pad)
    seg = _complex_segment(k, C0, p, dmin, dmax)
    if seg is not None:
        lo_re, hi_re = min(lo_re, seg[0] - pad), max(hi_re, seg[0] + pad)
        half_im = max(half_im, seg[2] + pad)
    return lo_re, hi_re, half_im


def spectral_support(
    g,
    k,
    p,
    C0,
    x_samples,
    *,
    phi: ns.Transfer = ns.tanh,
    n_grid: int = 401,
    window: tuple[float, float, float, float] | None = None,
    grid_samples: int | None = 2000,
) -> SupportTheory:
    """The Eq. 21 support on a grid: boundary contours, topology, rightmost point, k = 0 radius.

    Args:
        g, k, p, C0, x_samples, phi: as for `support_function`.
        grid_samples: on the grid (boundary, topology) φ′ is compressed to this many quantile midpoints when
            there are more samples (None: all). ``max_real``, ``contains`` and ``__call__`` use every sample.
        n_grid: grid points along the longer side (step ≈ extent/(n_grid − 1); 401 gives ~0.01 at g = 2).
        window: (re_min, re_max, im_min, im_max); default: found automatically from a coarse 121-point pass
            inside a proven bound |1 + λ| < R, then padded by two coarse cells.
    Returns:
        `SupportTheory`.
    Equation:
        support = {λ : S(λ) ≥ 1}, S from `support_function` (Eq. 21).
    Assumptions:
        Topology and boundary are resolved to the grid step: features thinner than a step (a hole or a neck
        narrower than ``step``) are not seen, except the hole at −1/p which is a grid node with S = 0.
    """
    _check(g, k, p, C0)
    n_grid = ns.check_int("n_grid", n_grid, "grid points per side", minimum=11)
    d_all = _prime_samples(x_samples, phi)
    d = _compress(d_all, grid_samples)
    g, k, p, C0 = float(g), float(k), float(p), float(C0)
    params = (jnp.asarray(g), jnp.asarray(k), jnp.asarray(p), jnp.asarray(C0), jnp.asarray(d))
    params_all = params[:4] + (jnp.asarray(d_all),)
    centre = -1.0 / p
    if window is None:
        R = _bound_radius(g, k, p, C0, float(d.max()))
        re_c, im_c, h_c = _grid(-1.0 - R, -1.0 + R, R, 121, centre)
        mask_c = _evaluate(re_c, im_c, params) >= 1.0
        if mask_c.any():
            cols = np.flatnonzero(mask_c.any(axis=0))
            rows = np.flatnonzero(mask_c.any(axis=1))
            lo_re, hi_re = re_c[cols[0]] - 2 * h_c, re_c[cols[-1]] + 2 * h_c
            half_im = max(abs(im_c[rows[0]]), abs(im_c[rows[-1]])) + 2 * h_c
        else:  # a support smaller than the coarse step: look closely around −1 (k = 0 disk of radius g√⟨d²⟩)
            r = max(g * math.sqrt(float(np.mean(d**2))), 1e-6) * 1.5 + 1.0 / p
            lo_re, hi_re, half_im = -1.0 - r, -1.0 + r, r
        lo_re, hi_re, half_im = _cover_poles(lo_re, hi_re, half_im, h_c, k, C0, p, d_all)
    else:
        lo_re, hi_re, im_lo, im_hi = (float(w) for w in window)
        if not (lo_re < hi_re and im_lo < im_hi):
            raise ValueError(f"window must be (re_min, re_max, im_min, im_max) with min < max, got {window}")
        half_im = max(abs(im_lo), abs(im_hi))
    re, im, h = _grid(lo_re, hi_re, half_im, n_grid, centre)
    S = _evaluate(re, im, params)
    mask = (S >= 1.0) | _pole_mask(re, im, k, C0, p, float(d_all.min()), float(d_all.max()))

    labels, n_comp = scipy.ndimage.label(mask, structure=np.ones((3, 3), int))
    out_labels, n_out = scipy.ndimage.label(~mask)
    border = set(
        np.unique(np.concatenate([out_labels[0], out_labels[-1], out_labels[:, 0], out_labels[:, -1]]))
    )
    n_holes = len(set(range(1, n_out + 1)) - border)
    if n_comp == 0:
        topology = "empty"
    elif n_comp >= 2:
        topology = "two-band"
    else:
        topology = "hole" if n_holes > 0 else "disk"

    logS = np.log(np.maximum(S, 1e-300))
    lines = contourpy.contour_generator(x=re, y=im, z=logS).lines(0.0)
    boundary = tuple(jnp.asarray(seg[:, 0] + 1j * seg[:, 1]) for seg in lines)

    dmin, dmax = float(d_all.min()), float(d_all.max())
    pole_re = [b for _, b in _real_segments(k, C0, p, dmin, dmax)]
    seg = _complex_segment(k, C0, p, dmin, dmax)
    if seg is not None:
        pole_re.append(seg[0])
    max_real = max(pole_re, default=-math.inf)
    inside = S >= 1.0
    if inside.any():
        rightmost = np.array([re[np.flatnonzero(row)[-1]] if row.any() else -np.inf for row in inside])
        top = rightmost.max()
        rows = np.flatnonzero(rightmost >= top - 2 * h)
        im_fine = np.linspace(im[rows.min()] - h, im[rows.max()] + h, 41)
        max_real = max(max_real, _rightmost(params_all, im_fine, top - 3 * h, top + 3 * h))
    if not np.isfinite(max_real):
        max_real = math.nan
    r0 = g * math.sqrt(float(np.mean(d_all**2))) if k == 0 else math.nan
    return SupportTheory(
        boundary=boundary,
        max_real=jnp.asarray(max_real),
        radius_k0=jnp.asarray(r0),
        re=jnp.asarray(re),
        im=jnp.asarray(im),
        S=jnp.asarray(S),
        step=float(h),
        g=g,
        k=k,
        p=p,
        C0=C0,
        topology=topology,
        n_components=int(n_comp),
        n_holes=int(n_holes),
        dphi=jnp.asarray(d_all),
    )


def state_support(net: ns.Network, state: ns.State, **kwargs) -> SupportTheory:
    """The Eq. 21 support for the reduced Jacobian at one state, from that state's own statistics.

    Args:
        net: `neurosyn.Network` (Hebbian rule, one scalar p); state: `neurosyn.State` whose Jacobian is
            compared; kwargs: passed to `spectral_support` (``n_grid``, ``window``, ``grid_samples``).
    Returns:
        `SupportTheory` with the x average over the N components of ``state.x`` and C(0) = ‖φ(x)‖²/N.
    Equation:
        Eq. 21 with exactly the D = diag φ′(x) and C(0) that enter M̃_bulk (Eq. 20) at this state.
    Assumptions:
        The clean random-matrix test of a finite-N spectrum: it does not use the DMFT, and it avoids the
        O(1/√N) drift of C(0) and of the x distribution along a trajectory, which moves the edge by a
        comparable amount (about 0.05 at g = 2, k = −1, N = 800). J is treated as independent of x.
    """
    if not isinstance(net.rule, ns.Hebbian):
        raise ValueError(
            f"Eq. 21 is derived for the Hebbian rule (1 + p∂t) A = (k/N) φ φᵀ; got rule={net.rule!r}"
        )
    if jnp.ndim(net.p) != 0:
        raise ValueError(f"Eq. 21 needs one synaptic time constant p, got p with shape {jnp.shape(net.p)}")
    x = np.asarray(state.x, np.float64)
    if x.shape != (net.N,):
        raise ValueError(f"state.x has shape {x.shape}; expected ({net.N},) for a network with N={net.N}")
    C0 = float(np.mean(np.asarray(net.phi(jnp.asarray(x))) ** 2))
    return spectral_support(float(net.g), float(net.k), float(net.p), C0, x, phi=net.phi, **kwargs)


def support_boundary(g, k, p, C0, x_samples, **kwargs) -> tuple[Complex[Array, " n"], ...]:
    """Contours S(λ) = 1 of the Eq. 21 support, as complex polylines (see `spectral_support`)."""
    return spectral_support(g, k, p, C0, x_samples, **kwargs).boundary


def spectral_topology(g, k, p, C0, x_samples, **kwargs) -> str:
    """Topology of the Eq. 21 support: "disk", "hole", "two-band" or "empty" (see `spectral_support`)."""
    return spectral_support(g, k, p, C0, x_samples, **kwargs).topology


def theory_max_real(g, k, p, C0, x_samples, **kwargs) -> float:
    """Rightmost point max Re λ of the Eq. 21 support (see `spectral_support`)."""
    return float(spectral_support(g, k, p, C0, x_samples, **kwargs).max_real)


def outside_distance(eigs, support: SupportTheory) -> Float[Array, " n"]:
    """Distance of each eigenvalue from the support: 0 inside (`SupportTheory.contains`), else the distance to
    the nearest boundary contour point or pole segment (accurate to about the grid step)."""
    eigs = np.asarray(eigs, np.complex128).ravel()
    inside = np.asarray(support.contains(eigs))
    pts = (
        np.concatenate([np.asarray(b) for b in support.boundary]) if support.boundary else np.array([np.inf])
    )
    segments = support.real_segments()
    seg = support.pole_segment()
    dist = np.zeros(eigs.shape)
    for i in np.flatnonzero(~inside):
        z = eigs[i]
        d = np.min(np.abs(pts - z))
        for a, b in segments:
            d = min(d, abs(z - np.clip(z.real, a, b)))
        if seg is not None:
            d = min(d, abs(z - complex(seg[0], np.sign(z.imag) * np.clip(abs(z.imag), seg[1], seg[2]))))
        dist[i] = d
    return jnp.asarray(dist)


def edge_tolerance(N: int, c: float = 3.0) -> float:
    """Finite-N edge tolerance c/√N for `count_outliers`.

    At finite N the eigenvalue density of a random bulk does not stop sharply at the N → ∞ edge: it decays
    over a width O(1/√N) (for the Ginibre ensemble the edge profile is an erfc of width ~1/√N, and the
    largest modulus exceeds the radius by O(√(log N / N))). The x samples and C(0) of a finite network add
    O(1/√N) errors to the predicted edge. c = 3 covers the outermost of 2N bulk eigenvalues in our
    random-matrix and simulation tests (N = 200–800), where distances up to 2.3/√N occurred.
    """
    N = ns.check_int("N", N, "number of neurons")
    ns.check_positive("c", c, "edge tolerance constant")
    return float(c) / math.sqrt(N)


def count_outliers(eigs, support: SupportTheory, *, N: int, c: float = 3.0) -> int:
    """Number of eigenvalues outside the Eq. 21 support by more than ``edge_tolerance(N, c)`` = c/√N."""
    tol = edge_tolerance(N, c)
    return int(np.sum(np.asarray(outside_distance(eigs, support)) > tol))
