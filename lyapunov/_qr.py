"""Lyapunov spectra by QR re-orthonormalisation (Benettin): top m forwards, bottom m backwards.

Long runs loop in Python over jitted segments (progress bar, bounded memory); inside a segment a `lax.scan`
over reorthonormalisation blocks keeps only the per-block log growths.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import neurosyn as ns

from . import _core
from ._dimension import batched_status, kaplan_yorke_dimension
from ._result import LyapunovResult, block_mean_error

DTYPES = {"float32": jnp.float32, "float64": jnp.float64}
GROWTH_WARN = 1e12  # growth factor between two QRs above which the tangent directions lose precision
DENSE_BYTES = 256 * 2**20  # memory for the recomputed dense states of one backward segment


class LyapunovWarning(ns.NeurosynWarning):
    """A Lyapunov run left the regime where its numbers are trustworthy (float32, huge growth factors)."""


@dataclasses.dataclass(frozen=True)
class NetworkStep:
    """The map iterated: one `neurosyn.rk_step` of the network (``reverse``: the same step with −dt).

    With ``synapses=False`` (k = 0 only) the state is x alone and A ≡ 0 (the classical random network).
    """

    dt: float
    method: str
    synapses: bool = True

    def _step(self, args, y, dt):
        net, J = args
        if self.synapses:
            return ns.rk_step(net, J, *y, dt, self.method)
        return ns.rk_step(net, J, y, _NO_SYNAPSES, dt, self.method, plastic=0.0)[0]

    def __call__(self, args, y):
        return self._step(args, y, self.dt)

    def reverse(self, args, y):
        return self._step(args, y, -self.dt)


class _NoSynapses:
    """A ≡ 0 without storage, for `rk_step` of the k = 0 network: A @ φ = 0 and αA + Σ β u vᵀ = A.

    A dense zero matrix would cost as much as J in every stage (XLA does not fold the zero product), and so
    would its tangent; with this stand-in the x-part of the step is exactly rk_step's with A = 0.
    """

    def __matmul__(self, other):
        return 0.0

    def __mul__(self, other):
        return self

    __rmul__ = __mul__

    def __add__(self, other):
        return self

    __radd__ = __add__


_NO_SYNAPSES = _NoSynapses()


@dataclasses.dataclass(frozen=True)
class _MapStep:
    step: Callable
    inverse: Callable | None

    def __call__(self, args, y):
        return self.step(y)

    def reverse(self, args, y):
        return self.inverse(y)


def n_multiple(name: str, value: float, unit: float, unit_name: str, *, minimum: int = 0) -> int:
    """``value / unit`` as an integer ≥ ``minimum``; ValueError unless ``value`` is a multiple of ``unit``."""
    ns.check_nonnegative(name, value, "time")
    n = int(round(value / unit))
    if abs(n * unit - value) > 1e-9 * max(unit, abs(value)) or n < minimum:
        raise ValueError(
            f"{name}={value} must be a multiple of {unit_name}={unit}, at least {minimum} of them "
            f"(valid: {unit_name}·{{{minimum}, {minimum + 1}, …}})"
        )
    return n


def chunks(n: int, size: int):
    out, i = [], 0
    while i < n:
        out.append(min(size, n - i))
        i += out[-1]
    return out


def _random_tangents(key, y, m, batched):
    def one(key, y):
        leaves, treedef = jax.tree_util.tree_flatten(y)
        keys = jr.split(key, len(leaves))
        V = [jr.normal(k, (m, *leaf.shape), leaf.dtype) for k, leaf in zip(keys, leaves, strict=True)]
        return _core.reorthonormalise(jax.tree_util.tree_unflatten(treedef, V))[0]

    return (jax.vmap(one) if batched else one)(key, y)


def run_spectrum(
    stepper,
    args,
    y,
    key,
    *,
    m: int,
    bottom: int,
    dt: float,
    n_steps: int,
    n_transient: int,
    n_tangent: int,
    n_blocks: int,
    n_refine: int,
    seg_blocks: int,
    batched: bool,
    dim: int,
    N: int,
    throw: bool,
    progress: bool,
    desc: str,
) -> LyapunovResult:
    """Drive the engine of `_core`: transient, tangent alignment, measurement, then the backward pass.

    Block counts are in reorthonormalisation blocks of ``n_steps`` steps, except ``n_transient`` (steps).
    The backward pass runs over the measured window plus ``n_tangent`` blocks after it (its own alignment).
    """
    t_start = time.perf_counter()
    t_block = n_steps * dt
    if bottom:
        n_batch = jax.tree_util.tree_leaves(y)[0].shape[0] if batched else 1
        per_step = dim * jnp.dtype(jax.tree_util.tree_leaves(y)[0].dtype).itemsize * n_batch
        seg_blocks = max(1, min(seg_blocks, int((DENSE_BYTES / per_step - 1) // n_steps)))
    total = n_transient * dt + (n_tangent + n_blocks) * t_block
    if bottom:
        total += 2 * (n_blocks + n_tangent) * t_block
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=float(total), unit="τ", desc=desc, leave=False)

    def tick(t, *arrays):
        if bar is not None:
            jax.block_until_ready(arrays)
            bar.update(t)

    # one key per network when batched (from `prepare_network`): a batch equals a loop of single runs
    key_top, key_bottom = jax.vmap(jr.split, out_axes=1)(key) if batched else jr.split(key)

    cap = seg_blocks
    n_ = lambda n: jnp.asarray(n, jnp.int32)
    for n in chunks(n_transient, seg_blocks * n_steps):
        y = _core.state_segment(stepper, args, y, n_(n), batched)
        tick(n * dt, y)

    V = _random_tangents(key_top, y, m, batched)
    for nb in chunks(n_tangent, seg_blocks):
        y, V, _ = _core.forward_segment(stepper, args, y, V, n_(nb), cap, n_steps, batched)
        tick(nb * t_block, y)

    logs, checkpoints = [], []
    for nb in chunks(n_blocks, seg_blocks):
        checkpoints.append((y, nb))
        y, V, lg = _core.forward_segment(stepper, args, y, V, n_(nb), cap, n_steps, batched)
        logs.append(lg[..., :nb, :])
        tick(nb * t_block, y)
    log_growth = jnp.concatenate(logs, axis=-2)

    shape_b = log_growth.shape[:-2]
    bottom_lg = jnp.zeros((*shape_b, n_blocks, 0), log_growth.dtype)
    residual = jnp.full(shape_b, jnp.nan, log_growth.dtype)
    if bottom:
        for nb in chunks(n_tangent, seg_blocks):
            checkpoints.append((y, nb))
            y = _core.state_segment(stepper, args, y, n_(nb * n_steps), batched)
            tick(nb * t_block, y)
        U = _random_tangents(key_bottom, y, bottom, batched)
        blogs, res = [], []
        for yc, nb in reversed(checkpoints):
            ys = _core.dense_segment(stepper, args, yc, n_(nb * n_steps), cap * n_steps, batched)
            U, lg, r = _core.backward_segment(stepper, args, ys, U, n_(nb), cap, n_steps, n_refine, batched)
            blogs.insert(0, lg[..., :nb, :])
            res.append(r)
            tick(2 * nb * t_block, U)
        # minus the inverse-map growths, flipped so the columns run with the spectrum (descending)
        bottom_lg = -jnp.flip(jnp.concatenate(blogs, axis=-2)[..., :n_blocks, :], axis=-1)
        residual = jnp.max(jnp.stack(res), axis=0)
    if bar is not None:
        bar.close()

    exps, errs = block_mean_error(log_growth, t_block)
    bexps, berrs = block_mean_error(bottom_lg, t_block)
    growth_max = jnp.max(log_growth, axis=(-2, -1))
    ky = kaplan_yorke_dimension(exps)
    finite_each = jnp.all(jnp.isfinite(log_growth), axis=(-2, -1)) & jnp.all(
        jnp.isfinite(bottom_lg), axis=(-2, -1)
    )
    status = batched_status(finite_each, jnp.ones_like(finite_each), ns.Status.success)
    if bool(jnp.any(growth_max > math.log(GROWTH_WARN))):
        warnings.warn(
            f"a tangent vector grew by more than {GROWTH_WARN:g} between two reorthonormalisations "
            f"(max log growth {float(jnp.nanmax(growth_max)):.3g}); lower reortho",
            LyapunovWarning,
            stacklevel=3,
        )
    result = LyapunovResult(
        exponents=exps,
        exponents_err=errs,
        log_growth=log_growth,
        bottom_exponents=bexps,
        bottom_exponents_err=berrs,
        bottom_log_growth=bottom_lg,
        d_ky=ky.d_ky,
        d_ky_over_N=ky.d_ky / N,
        d_ky_status=ky.status,
        growth_max=growth_max,
        inverse_residual=residual,
        status=status,
        wall_s=time.perf_counter() - t_start,
        N=N,
        dim=dim,
        t_block=float(t_block),
        T=float(n_blocks * t_block),
    )
    if throw and not bool(jnp.all(finite_each)):
        raise ns.ConvergenceError(
            f"Lyapunov run ({desc}) became non-finite (status nonfinite): the state or a tangent vector "
            "overflowed; reduce dt or reortho, check the parameters, or pass throw=False to inspect"
        )
    return result


def prepare_network(net, key, *, dtype, x0, A0, J0, n_networks, synapses):
    """Cast the network, draw (J, x0) exactly as `neurosyn.simulate` does, and build the initial state.

    Returns (net, J, y, key_tangent, batched): y is (x, A), or x alone when ``synapses`` is False.
    """
    if not isinstance(dtype, str):
        dtype = jnp.dtype(dtype).name
    dt_ = ns.check_choice("dtype", dtype, DTYPES)
    if dt_ == jnp.float32:
        warnings.warn(
            "float32 in a Lyapunov run: sums of log growths and the QR lose precision; use float64",
            LyapunovWarning,
            stacklevel=3,
        )
    if not synapses and A0 is not None:
        raise ValueError("A0 was given with synapses=False; the non-plastic state is x alone")
    if not synapses and not isinstance(net.k, jax.core.Tracer) and np.any(np.asarray(net.k) != 0):
        raise ValueError(
            f"synapses=False is the k = 0 network without synaptic state; got k={net.k}, valid: 0"
        )
    batched = n_networks is not None
    if batched:
        n_networks = ns.check_int("n_networks", n_networks, "number of independent networks")
    net_d = eqx.tree_at(
        lambda n: (n.g, n.k, n.p), net, tuple(jnp.asarray(v, dt_) for v in (net.g, net.k, net.p))
    )
    N = net.N
    given = [None if a is None else jnp.asarray(a) for a in (J0, x0, A0)]
    for name, a, nd in zip(("J0", "x0", "A0"), given, (2, 1, 2), strict=True):
        if a is not None and (a.ndim not in (nd, nd + batched) or a.shape[-1] != N or a.shape[-nd] != N):
            raise ValueError(
                f"{name} has shape {a.shape}; expected {(N,) * nd} (or with a leading batch axis)"
            )

    def init(key, J0_, x0_, A0_):
        key_J, key_x0, key_tan = jr.split(key, 3)
        J0_ = ns.sample_J0(key_J, N, dt_) if J0_ is None else J0_.astype(dt_)
        x0_ = jr.normal(key_x0, (N,), dt_) if x0_ is None else x0_.astype(dt_)
        A0_ = jnp.zeros((N, N), dt_) if A0_ is None else A0_.astype(dt_)
        y = (x0_, A0_) if synapses else x0_
        return net_d.g * J0_, y, key_tan

    if batched:
        axes = [None if a is None or a.ndim == nd else 0 for a, nd in zip(given, (2, 1, 2), strict=True)]
        J, y, key_tan = jax.vmap(init, in_axes=(0, *axes))(jr.split(key, n_networks), *given)
    else:
        J, y, key_tan = init(key, *given)
    return net_d, J, y, key_tan, batched


def lyapunov_spectrum(
    net: ns.Network,
    *,
    key,
    m: int,
    T: float,
    dt: float = 0.1,
    method: str = "rk4",
    t_transient: float = 300.0,
    t_tangent: float = 200.0,
    reortho: float = 0.5,
    bottom: int = 0,
    synapses: bool = True,
    n_networks: int | None = None,
    x0=None,
    A0=None,
    J0=None,
    n_refine: int = 2,
    segment: float = 10.0,
    dtype="float64",
    throw: bool = True,
    progress: bool = False,
) -> LyapunovResult:
    """Top-m (and bottom) Lyapunov exponents of the joint (N + N²)-dimensional network by QR.

    Args:
        net: `Network`; times in units of the neuronal time constant.
        key: JAX key, split as in `neurosyn.simulate` (same key, same J and x0) plus a key for the tangents.
        m: number of top exponents, 1 ≤ m ≤ N + N² (N with ``synapses=False``).
        T: measured time, after ``t_transient`` (state only) and ``t_tangent`` (tangents aligning, discarded).
        dt, method: the integrator step iterated (`neurosyn.rk_step`); its jvp is the tangent map.
        reortho: time between QR re-orthonormalisations (a multiple of dt).
        bottom: number of bottom exponents from the backward pass (0: none). The backward pass runs over the
            measured window plus ``t_tangent`` after it, from checkpoints every ``segment``.
        synapses: False for the k = 0 network without synaptic state (state x, dimension N).
        n_networks: vmap over that many independent networks (keys split from ``key``).
        x0, A0, J0: initial state and unit-variance disorder (J = g·J0); default drawn from the key.
        n_refine: defect corrections of the approximate inverse in the backward pass (see `_core`).
        segment: time per jitted segment (progress granularity, backward checkpoint spacing).
        dtype: "float64" (default) or "float32" (warns).
        throw: raise `neurosyn.ConvergenceError` if the run became non-finite; else report it in ``status``.
    Returns:
        `LyapunovResult`: exponents ± errors, per-block log growths, bottom exponents, D_KY, D_KY/N, status.
    Equation:
        λ_i = lim (1/T) Σ_blocks log|R_ii|, with Q R the QR of the propagated tangents; tangent equations
        δẋ = −δx + W (φ′⊙δx) + δA φ,  p δȦ = −δA + (k/N)(uφᵀ + φuᵀ), u = φ′⊙δx (through the jvp).
    Assumptions:
        Exponents of the RK map (those of the flow up to O(dt^order)); ergodic over the measured window.
    References:
        Benettin et al., Meccanica 15, 9 (1980); Clark & Abbott, PRX 14, 021001 (2024), Sec. V B, App. F.
    """
    method = ns.check_choice("method", method, ("euler", "heun", "rk4"))
    ns.check_positive("dt", dt, "integration step")
    ns.check_positive("reortho", reortho, "time between reorthonormalisations")
    ns.check_positive("T", T, "measured time")
    ns.check_positive("segment", segment, "time per jitted segment")
    N = net.N
    dim = N + N * N if synapses else N
    m = ns.check_int("m", m, f"number of top exponents, at most the state dimension {dim}")
    if m > dim:
        raise ValueError(
            f"m (number of top exponents) must be in [1, {dim}] (the state dimension), got m={m}"
        )
    bottom = ns.check_int("bottom", bottom, f"number of bottom exponents, at most {dim}", minimum=0)
    if bottom > dim:
        raise ValueError(f"bottom (number of bottom exponents) must be in [0, {dim}], got bottom={bottom}")
    n_refine = ns.check_int("n_refine", n_refine, "defect corrections of the inverse step", minimum=0)
    n_steps = n_multiple("reortho", reortho, dt, "dt", minimum=1)
    n_transient = n_multiple("t_transient", t_transient, dt, "dt")
    n_tangent = n_multiple("t_tangent", t_tangent, reortho, "reortho")
    n_blocks = n_multiple("T", T, reortho, "reortho", minimum=1)
    seg_blocks = max(1, int(round(segment / reortho)))
    net_d, J, y, key_tan, batched = prepare_network(
        net, key, dtype=dtype, x0=x0, A0=A0, J0=J0, n_networks=n_networks, synapses=synapses
    )
    return run_spectrum(
        NetworkStep(float(dt), method, bool(synapses)), (net_d, J), y, key_tan,
        m=m, bottom=bottom, dt=float(dt), n_steps=n_steps, n_transient=n_transient, n_tangent=n_tangent,
        n_blocks=n_blocks, n_refine=n_refine, seg_blocks=seg_blocks, batched=(None, 0) if batched else False,
        dim=dim, N=N,
        throw=throw, progress=progress, desc=f"lyapunov N={N} m={m}",
    )  # fmt: skip


def map_spectrum(
    step: Callable,
    y0,
    *,
    key,
    m: int,
    dt: float,
    T: float,
    t_tangent: float = 0.0,
    reortho: float | None = None,
    bottom: int = 0,
    inverse: Callable | None = None,
    n_refine: int = 2,
    throw: bool = True,
) -> LyapunovResult:
    """Lyapunov exponents (per unit time) of any map y_{n+1} = step(y_n) with time step ``dt``.

    The same engine as `lyapunov_spectrum`, for test systems and other models. ``step`` must be a pure JAX
    function of a pytree; ``inverse`` (needed for ``bottom`` > 0) approximates its inverse, e.g. the same
    integrator with −dt; it is refined ``n_refine`` times to the exact inverse tangent map.

    Returns:
        `LyapunovResult` with N = dim = the state dimension.
    """
    ns.check_positive("dt", dt, "time step of the map")
    ns.check_positive("T", T, "measured time")
    reortho = dt if reortho is None else reortho
    dim = sum(leaf.size for leaf in jax.tree_util.tree_leaves(y0))
    m = ns.check_int("m", m, f"number of top exponents, at most {dim}")
    if m > dim:
        raise ValueError(f"m (number of top exponents) must be in [1, {dim}], got m={m}")
    bottom = ns.check_int("bottom", bottom, f"number of bottom exponents, at most {dim}", minimum=0)
    if bottom > dim or (bottom and inverse is None):
        raise ValueError(
            f"bottom={bottom} must be in [0, {dim}] and needs inverse= (an approximate inverse step)"
        )
    n_steps = n_multiple("reortho", reortho, dt, "dt", minimum=1)
    return run_spectrum(
        _MapStep(step, inverse), None, y0, key,
        m=m, bottom=bottom, dt=float(dt), n_steps=n_steps, n_transient=0,
        n_tangent=n_multiple("t_tangent", t_tangent, reortho, "reortho"),
        n_blocks=n_multiple("T", T, reortho, "reortho", minimum=1), n_refine=n_refine, seg_blocks=1000,
        batched=False, dim=dim, N=dim, throw=throw, progress=False, desc="map",
    )  # fmt: skip
