"""A generic Benettin (QR) engine for any map y ↦ step(y), forwards and backwards in time.

The state y and the tangent vectors are pytrees; the m tangent vectors carry a leading axis m on every leaf.
Tangents are pushed through ``jax.jvp`` of the step itself, vmapped over the m vectors (the primal does not
depend on the tangent, so it is computed once). The jvp of the step is exactly the tangent map of the map
that is iterated, so the exponents are those of the discrete map (of the flow up to the integrator's order).

Backward pass (bottom exponents). The smallest exponents of the map are minus the largest growth rates of the
inverse tangent maps D_n⁻¹ applied backwards along the stored trajectory. The transpose D_nᵀ (``jax.vjp``)
would be wrong: (D_{n-1}⋯D_0)ᵀ has the same singular values as the forward product, so it returns the *top*
exponents again. The time-reversed linearised flow, dδ/ds = −M(T − s) δ (here: the jvp of the same RK step
with −dt, linearised at y_{n+1}), is the inverse only up to O(dt^{order+1}) per step. We use it as the
preconditioner B ≈ D_n⁻¹ and apply ``n_refine`` defect corrections δ ← δ + B(v − D_n δ), which converge to
D_n⁻¹ v geometrically with ratio ‖I − D_n B‖ = O(dt^{order+1}); the bottom exponents are then those of the map
actually iterated. The state itself is never integrated backwards over more than one step (the synapses relax
at rate 1/p, so backward integration would amplify errors by e^{t/p}); the dense states of each segment are
recomputed forwards from checkpoints.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import lax


def _flat(V):
    """Pytree of [m, ...] leaves → [m, D] matrix."""
    leaves = jax.tree_util.tree_leaves(V)
    m = leaves[0].shape[0]
    return jnp.concatenate([leaf.reshape(m, -1) for leaf in leaves], axis=1)


def _unflat(mat, like):
    leaves, treedef = jax.tree_util.tree_flatten(like)
    out, i = [], 0
    for leaf in leaves:
        size = leaf[0].size
        out.append(mat[:, i : i + size].reshape(leaf.shape))
        i += size
    return jax.tree_util.tree_unflatten(treedef, out)


def _cholesky_qr(X):
    """X [m, D] = Rᵀ Qᵀ with Gram matrix X Xᵀ = Rᵀ R: a BLAS-3 product, m×m Cholesky, triangular solve."""
    L = jnp.linalg.cholesky(X @ X.T)
    return jax.scipy.linalg.solve_triangular(L, X, lower=True), L


def qr_rows(X):
    """Orthonormalise the rows of X [m, D] (m ≤ D): returns (Qᵀ [m, D], log|diag R| [m]), X = Rᵀ Qᵀ.

    CholeskyQR2 (two passes of Cholesky QR; orthogonal to round-off while cond(X) ≲ 1e7 in float64, which
    holds for growth spreads up to e^16 between two QRs), falling back to Householder QR when the Cholesky
    factorisation breaks down. Householder QR of a tall matrix is an order of magnitude slower on CPU.
    """

    def cholqr2(X):
        Q1, L1 = _cholesky_qr(X)
        Q2, L2 = _cholesky_qr(Q1)
        return Q2, jnp.log(jnp.abs(jnp.diagonal(L1))) + jnp.log(jnp.abs(jnp.diagonal(L2)))

    def householder(X):
        Q, R = jnp.linalg.qr(X.T)
        return Q.T, jnp.log(jnp.abs(jnp.diagonal(R)))

    Q, logs = cholqr2(X)
    ok = jnp.all(jnp.isfinite(Q)) & jnp.all(jnp.isfinite(logs))
    return lax.cond(ok, lambda: (Q, logs), lambda: householder(X))


def reorthonormalise(V):
    """QR of the stacked [D, m] tangent matrix. Returns (Q with the structure of V, log|diag R| [m])."""
    Q, logs = qr_rows(_flat(V))
    return _unflat(Q, V), logs


def _norm(v):
    return jnp.sqrt(sum(jnp.sum(leaf * leaf) for leaf in jax.tree_util.tree_leaves(v)))


def _finite(tree):
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree_util.tree_leaves(tree)]))


def _tangent_map(stepper, args, y, V):
    """(step(y), D step(y) · V) with D applied to each of the m vectors of V."""
    f = lambda y: stepper(args, y)
    return jax.vmap(lambda v: jax.jvp(f, (y,), (v,)), out_axes=(None, 0))(V)


def _maybe_vmap(f, batched):
    """vmap ``f(args, *arrays)`` over a leading network axis; ``batched`` is False or the in_axes of args."""
    if batched is False or batched is None:
        return f
    return lambda args, *rest: jax.vmap(f, in_axes=(batched,) + (0,) * len(rest))(args, *rest)


# Segment lengths are traced (loops with dynamic trip counts writing into NaN-padded buffers of a static
# capacity), so a run compiles each kernel once, whatever its phases and the length of its last segment.


@eqx.filter_jit
def state_segment(stepper, args, y, n_steps, batched):
    """Advance the state alone by ``n_steps`` (traced) steps."""

    def run(args, y):
        return lax.fori_loop(0, n_steps, lambda _, y: stepper(args, y), y)

    return _maybe_vmap(run, batched)(args, y)


@eqx.filter_jit
def forward_segment(stepper, args, y, V, n_blocks, cap, n_steps, batched):
    """``n_blocks`` (traced, ≤ ``cap``) blocks of ``n_steps`` tangent steps, each followed by a QR.

    Returns (y, V, logs [cap, m], NaN after ``n_blocks``).
    """

    def run(args, y, V):
        m = jax.tree_util.tree_leaves(V)[0].shape[0]
        dtype = jax.tree_util.tree_leaves(V)[0].dtype

        def block(b, c):
            y, V, logs = c
            y, V = lax.fori_loop(0, n_steps, lambda _, c: _tangent_map(stepper, args, *c), (y, V))
            V, lg = reorthonormalise(V)
            return y, V, logs.at[b].set(lg)

        return lax.fori_loop(0, n_blocks, block, (y, V, jnp.full((cap, m), jnp.nan, dtype)))

    return _maybe_vmap(run, batched)(args, y, V)


@eqx.filter_jit
def dense_segment(stepper, args, y, n_steps, cap_steps, batched):
    """States y_0 … y_{n_steps} of one segment (recomputed from a checkpoint), in a buffer of
    ``cap_steps + 1`` states on a leading axis; entries after ``n_steps`` are left as zeros."""

    def run(args, y):
        buf = jax.tree.map(lambda a: jnp.zeros((cap_steps + 1, *a.shape), a.dtype).at[0].set(a), y)

        def f(i, c):
            y, buf = c
            y = stepper(args, y)
            return y, jax.tree.map(lambda B, a: B.at[i + 1].set(a), buf, y)

        return lax.fori_loop(0, n_steps, f, (y, buf))[1]

    return _maybe_vmap(run, batched)(args, y)


@eqx.filter_jit
def backward_segment(stepper, args, ys, V, n_blocks, cap, n_steps, n_refine, batched):
    """Inverse tangent maps applied backwards along ``ys`` (n_blocks·n_steps + 1 states), QR every block.

    Returns (V, logs [cap, m] in forward-time block order, NaN after ``n_blocks``, residual): ``residual`` is
    the largest ‖v − D_n δ‖/‖v‖ seen before the last defect correction (NaN when ``n_refine`` = 0).
    """

    def run(args, ys, V):
        at = lambda i: jax.tree.map(lambda a: a[i], ys)
        m = jax.tree_util.tree_leaves(V)[0].shape[0]
        dtype = jax.tree_util.tree_leaves(V)[0].dtype

        def inverse(y0, y1, v):
            B = lambda w: jax.jvp(lambda y: stepper.reverse(args, y), (y1,), (w,))[1]
            D = lambda d: jax.jvp(lambda y: stepper(args, y), (y0,), (d,))[1]
            d = B(v)
            res = jnp.asarray(jnp.nan, dtype)
            for _ in range(n_refine):
                r = jax.tree.map(jnp.subtract, v, D(d))
                res = _norm(r) / _norm(v)
                d = jax.tree.map(jnp.add, d, B(r))
            return d, res

        def block(t, c):
            V, res, logs = c
            b = n_blocks - 1 - t

            def step(j, c):
                V, res = c
                i = b * n_steps + (n_steps - 1 - j)
                y0, y1 = at(i), at(i + 1)
                V, r = jax.vmap(lambda v: inverse(y0, y1, v))(V)
                return V, jnp.fmax(res, jnp.max(r))

            V, res = lax.fori_loop(0, n_steps, step, (V, res))
            V, lg = reorthonormalise(V)
            return V, res, logs.at[b].set(lg)

        init = (V, jnp.asarray(jnp.nan, dtype), jnp.full((cap, m), jnp.nan, dtype))
        V, res, logs = lax.fori_loop(0, n_blocks, block, init)
        return V, logs, res

    return _maybe_vmap(run, batched)(args, ys, V)
