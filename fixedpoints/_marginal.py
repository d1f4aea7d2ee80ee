"""Spectra at fixed points against Eq. 21 over the mean-field fixed-point distribution (model.md §7.6)."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

import neurosyn as ns

from ._find import FixedPoints
from ._meanfield import fixed_point_complexity, sample_fixed_point_x


class MarginalSpectra(eqx.Module):
    """Bulk edges of the Jacobian spectra at stable fixed points, with the mean-field prediction.

    Attributes:
        max_real: largest real part of eig M̃ at each stable fixed point [n_stable]; its distance
            from marginality is −max_real (0 means marginal).
        theory_max_real_own: rightmost point of the Eq. 21 support computed from each fixed point's own x
            and C0.
        theory_max_real: rightmost point of the Eq. 21 support averaged over the mean-field fixed-point
            distribution of x (dominant branch), C0 of that branch: 0 for a marginal branch.
        support_at_zero: Eq. 21 at λ = 0 over the mean-field distribution (= Eq. 26 sum; 1 when marginal).
        C0_theory: C0 of the mean-field branch; C0: ‖φ‖²/N of each stable fixed point.
    """

    max_real: Float[Array, " n"]
    theory_max_real_own: Float[Array, " n"]
    C0: Float[Array, " n"]
    theory_max_real: float
    support_at_zero: float
    C0_theory: float


def marginal_spectra(net: ns.Network, fps: FixedPoints, *, key, n_samples: int = 4000) -> MarginalSpectra:
    """Compare the spectra at the stable fixed points in ``fps`` with Eq. 21 (model.md §5.6, §7.6).

    Args:
        net: the network (g, k, p); fps: classified `FixedPoints` of the plastic network;
        key: PRNG key for the mean-field x samples; n_samples: number of them.
    Returns:
        `MarginalSpectra`.
    Equation:
        S(λ) = ⟨|g(1 + pλ)/[(1 + pλ)(1 + λ)/φ′(x) − kC0]|²⟩_x, support where S ≥ 1 (Eq. 21); at λ = 0 this is
        g²⟨(cosh² x − kC0)⁻²⟩ (Eq. 26), 1 at a marginal branch.
    Assumptions:
        N → ∞ for the theory; finite-N edges scatter by O(1/√N) (see `spectra.edge_tolerance`).
    """
    import spectra

    if not fps.plastic:
        raise ValueError(
            "marginal_spectra compares joint (plastic) fixed points with Eq. 21; got plastic=False"
        )
    g, k, p = float(net.g), float(net.k), float(net.p)
    stable = np.asarray(fps.stable)
    c = fixed_point_complexity(g, k)
    xs = sample_fixed_point_x(g, k, n_samples, key=key)
    C0_th = float(c.C0[int(c.dominant)])
    th = spectra.theory_max_real(g, k, p, C0_th, xs)
    s0 = float(spectra.support_function(jnp.asarray(0.0 + 0.0j), g, k, p, C0_th, xs))
    own = []
    for i in np.flatnonzero(stable):
        own.append(spectra.theory_max_real(g, k, p, float(fps.C0[i]), fps.x[i]))
    return MarginalSpectra(
        max_real=fps.max_real[stable],
        theory_max_real_own=jnp.asarray(own, jnp.float64),
        C0=fps.C0[stable],
        theory_max_real=float(th),
        support_at_zero=s0,
        C0_theory=C0_th,
    )
