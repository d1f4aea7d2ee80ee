"""The network: parameters as an immutable pytree, and its quenched couplings.

ẋ_i = −x_i + Σ_j (J_ij + A_ij) φ(x_j),     p Ȧ_ij = −A_ij + (k/N) φ_i φ_j,     J_ij ~ N(0, g²/N).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float

from ._errors import check_finite, check_int, check_nonnegative, check_positive
from ._rules import Rule, hebbian
from ._transfer import Transfer, tanh


class Network(eqx.Module):
    """Parameters of the plastic rate network (Clark & Abbott 2024, Eqs. 1–3).

    Attributes:
        N: number of neurons (static: fixes array shapes).
        g: strength of the quenched couplings, J_ij ~ N(0, g²/N); g ≥ 0.
        k: plasticity strength; k > 0 Hebbian, k < 0 anti-Hebbian, k = 0 the classical SCS network.
        p: synaptic time constant in units of the neuronal one; p > 0.
        phi: transfer function (static), tanh by default.
        rule: plasticity rule (static), Hebbian by default.

    g, k and p are traced arrays, so a sweep over them is a `vmap` compiled once.
    """

    N: int = eqx.field(static=True)
    g: Array = eqx.field(converter=jnp.asarray)
    k: Array = eqx.field(converter=jnp.asarray)
    p: Array = eqx.field(converter=jnp.asarray, default=2.5)
    phi: Transfer = eqx.field(static=True, default=tanh)
    rule: Rule = eqx.field(static=True, default=hebbian)

    def __check_init__(self):
        check_int("N", self.N, "number of neurons", minimum=1)
        for name, meaning, check in (
            ("g", "coupling strength", check_nonnegative),
            ("k", "plasticity strength", check_finite),
            ("p", "synaptic time constant", check_positive),
        ):
            value = getattr(self, name)
            if not isinstance(value, jax.core.Tracer) and jnp.ndim(value) == 0:
                check(name, value, meaning)
            elif not isinstance(
                value, jax.core.Tracer
            ):  # e.g. per-synapse p [N, N]: check all, report the first bad
                flat = np.ravel(np.asarray(value))
                ok = np.isfinite(flat) & {check_positive: flat > 0, check_nonnegative: flat >= 0}.get(
                    check, True
                )
                check(name, flat[np.argmin(ok)] if flat.size else 0.0, meaning)


def sample_J0(key, N: int, dtype=jnp.float64) -> Float[Array, "N N"]:
    """Unit-variance quenched disorder J0_ij ~ N(0, 1/N), fully asymmetric, diagonal included.

    The couplings are J = g·J0, so a sweep over g with one key reuses one realisation.
    """
    return jr.normal(key, (N, N), dtype=dtype) / jnp.sqrt(N).astype(dtype)


def sample_couplings(net: Network, key, dtype=jnp.float64) -> Float[Array, "N N"]:
    """J = g·J0 with J0 from `sample_J0`."""
    return net.g.astype(dtype) * sample_J0(key, net.N, dtype)
