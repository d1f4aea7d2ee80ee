"""Population structure of a balanced E/I network: sizes, scaled weights, external input.

Conventions (Akil, Rosenbaum & Josić 2021): N recurrent neurons in populations a with fractions q_a, external
populations x with fractions q_x (of N); every connection is Bernoulli with probability p; a connection from b
onto a has weight J_ab = j_ab / √N (mV), so j_ab is the *scaled* weight. The population couplings are
W_ab = p j_ab q_b and W_ax = p j_ax q_x. Times are in ms; rates given to the user are in Hz.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._errors import check_choice, check_int, check_nonnegative, check_positive

EXCITATORY, INHIBITORY = 1, -1


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


class BalancedNetwork(eqx.Module):
    """A recurrent network of excitatory and inhibitory populations driven by external Poisson populations.

    Args:
        names: recurrent population names, e.g. ("e", "i"); split populations are "e1", "e2", ...
        signs: +1 (excitatory) or -1 (inhibitory) for each recurrent population.
        q: fraction of the N neurons in each recurrent population.
        j: scaled weights j_ab (mV), post a (row) and pre b (column); J_ab = j_ab / √N.
        ext_names, qx, jx, rx: external populations, their size fractions (of N), scaled weights onto each
            recurrent population (mV) and rates (Hz).
        c: pairwise spike-count correlation within each external population (0 <= c <= 1).
        p: connection probability; N: number of recurrent neurons; tau_stdp: STDP trace time constant (ms).
    Equation:
        W_ab = p j_ab q_b,  W_ax = p j_ax q_x;  balance: W r + W_x r_x = 0.
    """

    names: tuple[str, ...] = eqx.field(static=True)
    signs: tuple[int, ...] = eqx.field(static=True)
    ext_names: tuple[str, ...] = eqx.field(static=True)
    N: int = eqx.field(static=True)
    q: Float[Array, " n"] = eqx.field(converter=jnp.asarray)
    j: Float[Array, "n n"] = eqx.field(converter=jnp.asarray)
    qx: Float[Array, " m"] = eqx.field(converter=jnp.asarray)
    jx: Float[Array, "n m"] = eqx.field(converter=jnp.asarray)
    rx: Float[Array, " m"] = eqx.field(converter=jnp.asarray)
    c: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    p: Float[Array, ""] = eqx.field(converter=jnp.asarray)
    tau_stdp: Float[Array, ""] = eqx.field(converter=jnp.asarray)

    def __check_init__(self):
        n, m = len(self.names), len(self.ext_names)
        check_int("N", self.N, "number of recurrent neurons", minimum=2)
        if (
            len(set(self.names)) != n
            or len(set(self.ext_names)) != m
            or set(self.names) & set(self.ext_names)
        ):
            raise ValueError(
                f"population names must be distinct, got names={self.names}, ext={self.ext_names}"
            )
        if len(self.signs) != n or any(s not in (EXCITATORY, INHIBITORY) for s in self.signs):
            raise ValueError(
                f"signs must be +1 or -1 for each of the {n} populations, got signs={self.signs}"
            )
        shapes = dict(q=(n,), j=(n, n), qx=(m,), jx=(n, m), rx=(m,), c=(), p=(), tau_stdp=())
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise ValueError(
                    f"{name} must have shape {shape}, got {name}.shape={getattr(self, name).shape}"
                )
        check_positive("tau_stdp", self.tau_stdp, "STDP trace time constant in ms")
        if _concrete(self.p) and not 0 < float(self.p) <= 1:
            raise ValueError(f"p (connection probability) must be in (0, 1], got p={float(self.p)!r}")
        if _concrete(self.c) and not 0 <= float(self.c) <= 1:
            raise ValueError(f"c (input spike-count correlation) must be in [0, 1], got c={float(self.c)!r}")
        for name in ("q", "qx"):
            v = getattr(self, name)
            if _concrete(v) and not bool(jnp.all((v > 0) & jnp.isfinite(v))):
                raise ValueError(
                    f"{name} (population fractions of N) must all be > 0, got {name}={np.asarray(v)}"
                )
        if _concrete(self.rx) and not bool(jnp.all((self.rx >= 0) & jnp.isfinite(self.rx))):
            raise ValueError(f"rx (external rates, Hz) must all be >= 0, got rx={np.asarray(self.rx)}")
        if _concrete(self.j):
            j = np.asarray(self.j)
            for b, (pre, s) in enumerate(zip(self.names, self.signs, strict=True)):
                bad = ~np.isfinite(j[:, b]) | (s * j[:, b] < 0)
                if bad.any():
                    a = int(np.argmax(bad))
                    kind = "excitatory, >= 0" if s > 0 else "inhibitory, <= 0"
                    raise ValueError(
                        f"j[{self.names[a]},{pre}] (scaled weight from the {kind}) is out of range, "
                        f"got j[{self.names[a]},{pre}]={j[a, b]!r}"
                    )
        if _concrete(self.jx) and not bool(jnp.all((self.jx >= 0) & jnp.isfinite(self.jx))):
            raise ValueError(
                f"jx (external weights, mV, excitatory) must all be >= 0, got jx={np.asarray(self.jx)}"
            )

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def W(self) -> Float[Array, "n n"]:
        """Population coupling matrix W_ab = p j_ab q_b."""
        return self.p * self.j * self.q[None, :]

    @property
    def Wx(self) -> Float[Array, "n m"]:
        """External coupling matrix W_ax = p j_ax q_x."""
        return self.p * self.jx * self.qx[None, :]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neuron counts per recurrent population (rounded q_a N; the last absorbs the remainder)."""
        return _sizes(np.asarray(self.q), self.N)

    @property
    def ext_sizes(self) -> tuple[int, ...]:
        return tuple(max(1, round(float(qx) * self.N)) for qx in np.asarray(self.qx))

    def index(self, name: str) -> int:
        return self.names.index(check_choice("population", name, self.names))

    def children(self, name: str) -> tuple[str, ...]:
        """The populations named ``name`` or split from it (``name`` followed by digits)."""
        out = tuple(n for n in self.names if n == name or (n.startswith(name) and n[len(name) :].isdigit()))
        if not out:
            raise ValueError(f"unknown population {name!r}; valid: {', '.join(map(repr, self.names))}")
        return out

    def with_weights(self, j) -> BalancedNetwork:
        """The same network with scaled weights ``j`` (traced values allowed)."""
        return eqx.tree_at(lambda net: net.j, self, jnp.asarray(j))


def _sizes(q, N: int) -> tuple[int, ...]:
    counts = [max(1, round(float(x) * N)) for x in q]
    counts[-1] = max(1, N - sum(counts[:-1]))
    return tuple(counts)


def default_network(
    N: int = 5000,
    *,
    j_ee: float = 25.0,
    j_ei: float = -150.0,
    j_ie: float = 112.5,
    j_ii: float = -250.0,
    j_ex: float = 180.0,
    j_ix: float = 135.0,
    rx: float = 10.0,
    c: float = 0.0,
    p: float = 0.1,
    tau_stdp: float = 200.0,
) -> BalancedNetwork:
    """The paper's default E/I network: N_e = 0.8N, N_i = 0.2N, N_x = 0.2N at rx = 10 Hz, p = 0.1.

    Scaled weights in mV (J = j/√N). Without plasticity the balanced rates are about 5.8 Hz (E) and
    15.9 Hz (I).
    """
    for name, v in dict(j_ee=j_ee, j_ie=j_ie, j_ex=j_ex, j_ix=j_ix, rx=rx).items():
        check_nonnegative(name, v, "scaled weight (mV) or rate (Hz)")
    return BalancedNetwork(
        names=("e", "i"),
        signs=(EXCITATORY, INHIBITORY),
        ext_names=("x",),
        N=N,
        q=[0.8, 0.2],
        j=[[j_ee, j_ei], [j_ie, j_ii]],
        qx=[0.2],
        jx=[[j_ex], [j_ix]],
        rx=[rx],
        c=c,
        p=p,
        tau_stdp=tau_stdp,
    )


def split_population(net: BalancedNetwork, name: str, parts: int = 2) -> BalancedNetwork:
    """Split population ``name`` into ``parts`` equal subpopulations name1, name2, ... with identical weights.

    The balanced rates are unchanged; the recurrent input to the parts is identical, so W becomes singular
    until something (targeted input, plasticity) tells them apart.
    """
    parts = check_int("parts", parts, "number of subpopulations", minimum=2)
    a = net.index(name)
    order = [*range(a), *([a] * parts), *range(a + 1, net.n)]
    names = (*net.names[:a], *(f"{name}{k + 1}" for k in range(parts)), *net.names[a + 1 :])
    signs = tuple(net.signs[i] for i in order)
    idx = jnp.asarray(order)
    q = net.q[idx].at[a : a + parts].divide(parts)
    return BalancedNetwork(
        names=names,
        signs=signs,
        ext_names=net.ext_names,
        N=net.N,
        q=q,
        j=net.j[idx][:, idx],
        qx=net.qx,
        jx=net.jx[idx],
        rx=net.rx,
        c=net.c,
        p=net.p,
        tau_stdp=net.tau_stdp,
    )


def targeted_network(
    net: BalancedNetwork | None = None,
    *,
    target: str = "e",
    rx2: float = 5.0,
    jx2: float = 180.0,
    qx2: float = 0.2,
) -> BalancedNetwork:
    """The optogenetic protocol: split ``target`` into halves (target1 stimulated, target2 not) and add an
    external Poisson layer "x2" (q_x2 N neurons at rx2 Hz, scaled weight jx2) onto target1 only.

    Defaults: E1 = E2 = 0.4N, X2 = 0.2N at 5 Hz with j = 180 mV. ``rx2 = 0`` gives the same network with the
    extra layer switched off.
    """
    net = default_network() if net is None else net
    check_nonnegative("rx2", rx2, "rate of the targeted input layer in Hz")
    check_nonnegative("jx2", jx2, "scaled weight of the targeted input in mV")
    check_positive("qx2", qx2, "size of the targeted input layer as a fraction of N")
    split = split_population(net, target, 2)
    stim = split.index(f"{target}1")
    col = jnp.zeros((split.n, 1)).at[stim, 0].set(jx2)
    return BalancedNetwork(
        names=split.names,
        signs=split.signs,
        ext_names=(*split.ext_names, "x2"),
        N=split.N,
        q=split.q,
        j=split.j,
        qx=jnp.concatenate([split.qx, jnp.asarray([qx2])]),
        jx=jnp.concatenate([split.jx, col], axis=1),
        rx=jnp.concatenate([split.rx, jnp.asarray([rx2], dtype=split.rx.dtype)]),
        c=split.c,
        p=split.p,
        tau_stdp=split.tau_stdp,
    )


def external_rate_switch(net: BalancedNetwork, name: str, rate: float) -> BalancedNetwork:
    """The same network with external population ``name`` at ``rate`` Hz (0 switches it off)."""
    check_nonnegative("rate", rate, f"rate of external population {name!r} in Hz")
    m = net.ext_names.index(check_choice("external population", name, net.ext_names))
    return eqx.tree_at(lambda x: x.rx, net, net.rx.at[m].set(rate))
