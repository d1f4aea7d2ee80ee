"""Plasticity-rule inference: fit a rule (and k, p) to recorded trajectories by differentiating through them.

Forward models:
    * `PlasticLayer`: y_t = σ(W_t x_t),  W_{t+1} = W_t + η · gate_t · g_θ(x_t, y_t, W_t[, r_t])   (η = 1/N_in)
    * `ChoiceReadout` on top of a tanh layer: P(accept_t) = sigmoid(Σ_i c_i y_it) with fixed c_i
    * `RecurrentModel`: ẋ = −x + (J + A) φ(x),  p Ȧ_ij = −A_ij + (k/N) f(φ_i, φ_j, N·A_ij)   (RK4)

The fit runs Adam (optax) on a loss through the whole trajectory (`lax.scan`, each step under
`jax.checkpoint`,
so memory grows with the carry, not with the intermediates). References: Mehta et al., NeurIPS 2024 (rule
inference); Clark & Abbott, PRX 14, 021001 (2024) (the recurrent network).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jax import lax
from jaxtyping import Array, Bool, Float

from ._errors import ConvergenceError, check_choice, check_int, check_nonnegative, check_positive
from ._integrators import rk_step
from ._network import Network, sample_couplings
from ._rule_families import PlasticityRule, TaylorRule
from ._status import Status

_SIGMAS: dict[str, Callable] = {"linear": lambda u: u, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}


# --------------------------------------------------------------------------------------------------
# metrics


def r2_score(pred, true, mask=None) -> Array:
    """Coefficient of determination R² = 1 − Σ(pred − true)² / Σ(true − mean(true))² over all
    (masked) entries."""
    pred, true = jnp.asarray(pred), jnp.asarray(true)
    w = jnp.ones(true.shape) if mask is None else jnp.broadcast_to(mask, true.shape).astype(true.dtype)
    n = jnp.sum(w)
    mean = jnp.sum(w * true) / n
    return 1.0 - jnp.sum(w * (pred - true) ** 2) / jnp.sum(w * (true - mean) ** 2)


# --------------------------------------------------------------------------------------------------
# data containers


def _arr(name, value, ndim, what):
    a = np.asarray(value)
    if a.ndim != ndim:
        raise ValueError(f"{name} ({what}) must have {ndim} dimensions, got {name}.shape={a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} ({what}) must be numeric, got dtype {a.dtype}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} ({what}) contains non-finite values")
    return jnp.asarray(a, dtype=float)


def _same(name, got, expected, meaning):
    if got != expected:
        raise ValueError(f"{name} has {meaning} = {got}, expected {expected} (shapes must agree)")


class _Trajectories(eqx.Module):
    """Recordings indexed by trajectory along their first axis (except the fields named in ``_shared``)."""

    _shared = ()  # fields that describe the recording, not a trajectory (e.g. the observed mask)

    @property
    def n_traj(self) -> int:
        return self.X.shape[0]

    def split(self, n_train: int):
        """The first ``n_train`` trajectories and the rest (for held-out evaluation)."""
        check_int("n_train", n_train, "training trajectories", minimum=1)
        if n_train >= self.n_traj:
            raise ValueError(
                f"n_train must be < n_traj = {self.n_traj} to leave held-out data, got {n_train}"
            )

        def part(s):
            sliced = jax.tree_util.tree_map(lambda a: a[s], self)
            for name in self._shared:
                sliced = eqx.tree_at(lambda d, n=name: getattr(d, n), sliced, getattr(self, name))
            return sliced

        return part(slice(0, n_train)), part(slice(n_train, None))


class LayerData(_Trajectories):
    """Recordings of a plastic feedforward layer, over ``n_traj`` trajectories of ``T`` trials.

    Attributes:
        X: [n_traj, T, N_in] presynaptic inputs.
        Y: [n_traj, T, N_out] recorded outputs (noisy or not).
        W0: [n_traj, N_out, N_in] initial weights (known; the rule is inferred given them).
        observed: [N_out] bool, which outputs were recorded (the loss sees only these).
        Y_clean, W: optional noise-free outputs and true weight trajectories [n_traj, T, N_out, N_in]
            (synthetic data only; used for held-out R²).
    """

    X: Float[Array, "n T N_in"]
    Y: Float[Array, "n T N_out"]
    W0: Float[Array, "n N_out N_in"]
    observed: Bool[Array, " N_out"]
    Y_clean: Float[Array, "n T N_out"] | None = None
    W: Float[Array, "n T N_out N_in"] | None = None
    _shared = ("observed",)

    def __init__(self, X, Y, W0, observed=None, Y_clean=None, W=None):
        X = _arr("X", X, 3, "inputs [n_traj, T, N_in]")
        Y = _arr("Y", Y, 3, "outputs [n_traj, T, N_out]")
        W0 = _arr("W0", W0, 3, "initial weights [n_traj, N_out, N_in]")
        n, T, N_in = X.shape
        _same("Y", Y.shape[:2], (n, T), "(n_traj, T)")
        N_out = Y.shape[2]
        _same("W0", W0.shape, (n, N_out, N_in), "shape (n_traj, N_out, N_in)")
        if observed is None:
            observed = np.ones(N_out, bool)
        observed = np.asarray(observed)
        if observed.shape != (N_out,) or observed.dtype != bool or not observed.any():
            raise ValueError(
                f"observed must be a bool mask of shape ({N_out},) with at least one True, got "
                f"shape {observed.shape}, dtype {observed.dtype}"
            )
        self.X, self.Y, self.W0, self.observed = X, Y, W0, jnp.asarray(observed)
        self.Y_clean = None if Y_clean is None else _arr("Y_clean", Y_clean, 3, "clean outputs")
        if self.Y_clean is not None:
            _same("Y_clean", self.Y_clean.shape, Y.shape, "shape")
        self.W = None if W is None else _arr("W", W, 4, "weights [n_traj, T, N_out, N_in]")
        if self.W is not None:
            _same("W", self.W.shape, (n, T, N_out, N_in), "shape")


class ChoiceData(_Trajectories):
    """Behaviour in a reward-learning task: inputs, binary choices and collected rewards.

    Attributes:
        X: [n_traj, T, N_in] stimulus (odour) encodings, one presentation per trial.
        choice: [n_traj, T] 1 = accept, 0 = reject.
        R: [n_traj, T] reward collected (0 on rejected trials).
        W0: [n_traj, N_hidden, N_in] initial plastic weights.
        W: optional true weight trajectories [n_traj, T, N_hidden, N_in] (synthetic only).
        P: optional true acceptance probabilities [n_traj, T] (synthetic only).
    The reward signal r_t = R_t − E[R]_t, with E[R]_t the mean of the rewards of the last ``memory`` accepted
    trials before t (0 before the first), is computed from the data; plasticity acts on accepted trials only.
    """

    X: Float[Array, "n T N_in"]
    choice: Float[Array, "n T"]
    R: Float[Array, "n T"]
    W0: Float[Array, "n H N_in"]
    W: Float[Array, "n T H N_in"] | None = None
    P: Float[Array, "n T"] | None = None

    def __init__(self, X, choice, R, W0, W=None, P=None):
        X = _arr("X", X, 3, "inputs [n_traj, T, N_in]")
        n, T, N_in = X.shape
        choice = _arr("choice", choice, 2, "choices [n_traj, T]")
        _same("choice", choice.shape, (n, T), "shape (n_traj, T)")
        if not np.all(np.isin(np.asarray(choice), (0.0, 1.0))):
            raise ValueError("choice must contain only 0 (reject) and 1 (accept)")
        R = _arr("R", R, 2, "rewards [n_traj, T]")
        _same("R", R.shape, (n, T), "shape (n_traj, T)")
        W0 = _arr("W0", W0, 3, "initial weights [n_traj, N_hidden, N_in]")
        _same("W0", (W0.shape[0], W0.shape[2]), (n, N_in), "(n_traj, N_in)")
        self.X, self.choice, self.R, self.W0 = X, choice, R, W0
        self.W = None if W is None else _arr("W", W, 4, "weights [n_traj, T, N_hidden, N_in]")
        self.P = None if P is None else _arr("P", P, 2, "acceptance probabilities [n_traj, T]")


def reward_signal(choice, R, memory: int = 10):
    """r_t = R_t − mean of the rewards of the last ``memory`` accepted trials before t (0 if none).
    [..., T]."""

    def one(ch, rew):
        def step(buf_cnt, inp):
            buf, cnt = buf_cnt
            c, rr = inp
            expected = jnp.where(cnt > 0, jnp.sum(buf) / jnp.maximum(jnp.minimum(cnt, memory), 1), 0.0)
            r = rr - expected
            new_buf = jnp.where(c > 0, jnp.roll(buf, 1).at[0].set(rr), buf)
            return (new_buf, cnt + (c > 0)), r

        _, r = lax.scan(step, (jnp.zeros(memory), jnp.array(0)), (ch, rew))
        return r

    choice, R = jnp.asarray(choice), jnp.asarray(R)
    flat = jax.vmap(one)(choice.reshape(-1, choice.shape[-1]), R.reshape(-1, R.shape[-1]))
    return flat.reshape(R.shape)


# --------------------------------------------------------------------------------------------------
# forward models


class PlasticLayer(eqx.Module):
    """y_t = σ(W_t x_t),  W_{t+1} = W_t + η · gate_t · g_θ(pre = x_t, post = y_t, w = W_t[, r_t]).

    Attributes:
        sigma: "linear", "tanh" or "sigmoid" (static).
        eta: learning rate; None means η = 1/N_in (the paper's choice).
    """

    sigma: str = eqx.field(static=True, default="linear")
    eta: float | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        check_choice("sigma", self.sigma, tuple(_SIGMAS))
        if self.eta is not None:
            check_positive("eta", self.eta, "learning rate")

    def simulate(self, rule: PlasticityRule, W0, X, r=None, gate=None, rows=None, *, checkpoint: bool = True):
        """Run one trajectory. Returns (Y [T, N_out], W [T, N_out, N_in]) with W[t] the weights
        used at trial t.

        ``r`` [T] is the reward signal, ``gate`` [T] switches plasticity per trial, ``rows``
        [N_out] per output
        (rows are independent in a feedforward layer, so freezing unrecorded ones leaves the
        recorded ones exact
        and keeps a rule that diverges on them from poisoning the loss)."""
        sigma = _SIGMAS[self.sigma]
        T, N_in = X.shape
        eta = 1.0 / N_in if self.eta is None else self.eta
        r = jnp.zeros(T) if r is None else r
        gate = jnp.ones(T) if gate is None else gate
        rows = jnp.ones((W0.shape[0], 1)) if rows is None else jnp.asarray(rows, dtype=W0.dtype)[:, None]

        def step(W, inp):
            x, rt, gt = inp
            y = sigma(W @ x)
            dW = rule(x[None, :], y[:, None], W, rt if rule.reward else None)
            return W + (eta * gt) * rows * dW, (y, W)

        step = jax.checkpoint(step) if checkpoint else step
        _, (Y, W) = lax.scan(step, W0, (X, r, gate))
        return Y, W


class ChoiceReadout(eqx.Module):
    """P(accept) = sigmoid(c · y) with fixed readout weights c_i = ``weight`` (0.5 in the fly model)."""

    weight: float = eqx.field(static=True, default=0.5)

    def logit(self, Y):
        return self.weight * jnp.sum(Y, axis=-1)


class RecurrentModel(eqx.Module):
    """The Clark–Abbott network with an elementwise learned rule, integrated with RK4.

    Equation:
        ẋ = −x + (J + A) φ(x),     p Ȧ_ij = −A_ij + (k/N) f(post = φ_i, pre = φ_j, w = N·A_ij).
    With f = pre·post (``TaylorRule.from_dict({"pre*post": 1})``) this is the Hebbian network of Eq. 3.

    Attributes:
        rule: the elementwise rule f (no reward input); None is the Hebbian rule of `Network`, stepped with
            `neurosyn.rk_step` (rank-one updates, faster).
        k, p: plasticity strength and synaptic time constant (traced).
        dt: step (static).
    """

    rule: PlasticityRule | None
    k: Array = eqx.field(converter=jnp.asarray)
    p: Array = eqx.field(converter=jnp.asarray)
    dt: float = eqx.field(static=True, default=0.1)
    unroll: int = eqx.field(static=True, default=1)

    def field(self, J, x, A):
        N = x.shape[-1]
        phi = jnp.tanh(x)
        dx = -x + (J + A) @ phi
        dA = (-A + (self.k / N) * self.rule(phi[None, :], phi[:, None], N * A)) / self.p
        return dx, dA

    def step(self, J, x, A):
        """One classical RK4 step of (x, A)."""
        dt = self.dt
        if self.rule is None:  # the Hebbian rule of `Network`, with neurosyn's own rank-one RK4 step
            net = Network(N=x.shape[-1], g=0.0, k=self.k, p=self.p)
            return rk_step(net, J, x, A, dt, "rk4")
        k1 = self.field(J, x, A)
        k2 = self.field(J, x + 0.5 * dt * k1[0], A + 0.5 * dt * k1[1])
        k3 = self.field(J, x + 0.5 * dt * k2[0], A + 0.5 * dt * k2[1])
        k4 = self.field(J, x + dt * k3[0], A + dt * k3[1])
        x = x + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        A = A + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        return x, A

    def simulate(
        self,
        J,
        x0,
        A0,
        n_steps: int,
        *,
        x_data=None,
        observed=None,
        window: int | None = None,
        checkpoint: bool = True,
    ):
        """x at steps 0..n_steps [n_steps+1, N]. With ``x_data`` [n_steps+1, n_obs] and ``window``,
        the observed
        neurons are reset to the data every ``window`` steps (teacher forcing / multiple shooting)."""
        forcing = x_data is not None and window is not None

        def body(carry, t):
            x, A = carry
            if forcing:
                reset = (t % window) == 0
                x = jnp.where(reset, x.at[observed].set(x_data[t]), x)
            x_new, A_new = self.step(J, x, A)
            return (x_new, A_new), x_new

        body = jax.checkpoint(body) if checkpoint else body
        _, xs = lax.scan(body, (x0, A0), jnp.arange(n_steps), unroll=self.unroll)
        return jnp.concatenate([x0[None], xs], axis=0)


# --------------------------------------------------------------------------------------------------
# synthetic data


def synthetic_oja(
    *,
    key,
    n_traj: int = 8,
    T: int = 200,
    N_in: int = 50,
    N_out: int = 5,
    noise: float = 0.0,
    fraction: float = 1.0,
    n_dominant: int = 3,
    rule: PlasticityRule | None = None,
) -> LayerData:
    """Linear layer y = W x with weights learning under Oja's rule (or ``rule``), anisotropic inputs.

    Inputs x ~ N(0, C) with C = I/4 + Σ_{m<n_dominant} s_m e_m e_mᵀ (s = 4, 3, 2, ... ; random
    orthonormal e_m),
    W0_ij ~ N(0, 1/N_in). ``noise`` adds N(0, (noise·std(y))²) to the recorded outputs; ``fraction`` of the
    outputs (rounded, at least one) are recorded.
    """
    n_traj = check_int("n_traj", n_traj, "number of trajectories")
    T = check_int("T", T, "trials per trajectory")
    check_nonnegative("noise", noise, "measurement noise, in units of std(y)")
    if not 0 < fraction <= 1:
        raise ValueError(
            f"fraction (recorded fraction of outputs) must be in (0, 1], got fraction={fraction!r}"
        )
    rule = TaylorRule.oja() if rule is None else rule
    kq, kx, kw, kn, ko = jr.split(key, 5)
    Q, _ = jnp.linalg.qr(jr.normal(kq, (N_in, N_in)))
    scales = jnp.concatenate([jnp.maximum(4.0 - jnp.arange(n_dominant), 1.0), jnp.zeros(N_in - n_dominant)])
    chol = Q * jnp.sqrt(0.25 + scales)[None, :]
    X = jr.normal(kx, (n_traj, T, N_in)) @ chol.T
    W0 = jr.normal(kw, (n_traj, N_out, N_in)) / jnp.sqrt(N_in)
    layer = PlasticLayer("linear")
    Y, W = jax.vmap(lambda w0, x: layer.simulate(rule, w0, x, checkpoint=False))(W0, X)
    Y_noisy = Y + noise * jnp.std(Y) * jr.normal(kn, Y.shape)
    n_obs = max(1, int(round(fraction * N_out)))
    observed = np.zeros(N_out, bool)
    observed[np.asarray(jr.permutation(ko, N_out))[:n_obs]] = True
    return LayerData(X, Y_noisy, W0, observed, Y_clean=Y, W=W)


def reward_rule() -> TaylorRule:
    """The ground-truth reward rule of the fly task, Δw = η · pre · (R − E[R])."""
    return TaylorRule.from_dict({"pre*r": 1.0}, reward=True)


def synthetic_reward(
    *,
    key,
    n_traj: int = 25,
    blocks=((0.2, 0.8), (0.9, 0.1), (0.2, 0.8)),
    trials_per_block: int = 80,
    n_hidden: int = 10,
    memory: int = 10,
    rule: PlasticityRule | None = None,
    w0_scale: float = 0.1,
) -> ChoiceData:
    """Simulated probabilistic reward learning (one odour presentation per trial).

    Network [2, n_hidden, 1]: x = 0.75·onehot(odour) + N(0, 0.015²), y = tanh(W x), P(accept) =
    sigmoid(0.5 Σ y).
    Rewards are baited: each odour's reward, once sampled (probability given by the block), stays until
    collected. On accepted trials W += η g(x, y, W, r), η = 1/2, r = R − mean of the last ``memory`` rewards.
    Simplification: a rejected presentation is a trial of its own (the paper's trial ends at acceptance).
    """
    n_traj = check_int("n_traj", n_traj, "number of trajectories")
    rule = reward_rule() if rule is None else rule
    probs = jnp.repeat(jnp.asarray(blocks, dtype=float), trials_per_block, axis=0)  # [T, 2]
    T = probs.shape[0]
    readout = ChoiceReadout()
    eta = 0.5

    def one(k):
        kw, kt = jr.split(k)
        W0 = w0_scale * jr.normal(kw, (n_hidden, 2))

        def step(carry, inp):
            W, bait, buf, cnt = carry
            kk, pr = inp
            ko, kn, ka, kb = jr.split(kk, 4)
            odour = jr.bernoulli(ko).astype(int)
            x = 0.75 * jax.nn.one_hot(odour, 2) + 0.015 * jr.normal(kn, (2,))
            bait = jnp.logical_or(bait, jr.uniform(kb, (2,)) < pr)
            y = jnp.tanh(W @ x)
            P = jax.nn.sigmoid(readout.logit(y))
            a = jr.uniform(ka) < P
            R = jnp.where(a, bait[odour], False).astype(float)
            bait = jnp.where(a, bait.at[odour].set(False), bait)
            expected = jnp.where(cnt > 0, jnp.sum(buf) / jnp.maximum(jnp.minimum(cnt, memory), 1), 0.0)
            r = R - expected
            dW = rule(x[None, :], y[:, None], W, r) if rule.reward else rule(x[None, :], y[:, None], W)
            W_new = W + eta * a * dW
            buf = jnp.where(a, jnp.roll(buf, 1).at[0].set(R), buf)
            return (W_new, bait, buf, cnt + a), (x, a.astype(float), R, W, P)

        init = (W0, jnp.zeros(2, bool), jnp.zeros(memory), jnp.array(0))
        _, (X, A, R, W, P) = lax.scan(step, init, (jr.split(kt, T), probs))
        return X, A, R, W0, W, P

    X, A, R, W0, W, P = jax.vmap(one)(jr.split(key, n_traj))
    return ChoiceData(X, A, R, W0, W=W, P=P)


# --------------------------------------------------------------------------------------------------
# the fit


class _Fit(eqx.Module):
    """What every fit reports: the fitted rule, the loss per Adam step and the evidence of convergence."""

    rule: PlasticityRule
    losses: Float[Array, " n_steps"]
    status: Status
    residual: float
    n_iter: int
    n_backtracked: int
    wall_s: float

    @property
    def theta(self) -> dict[str, float]:
        """Named Taylor coefficients (empty for an MLP rule or none)."""
        return self.rule.coefficients() if isinstance(self.rule, TaylorRule) else {}

    @property
    def converged(self) -> bool:
        return self.status == Status.success


class RuleFit(_Fit):
    """A fitted plasticity rule with its evidence.

    Attributes:
        rule: the fitted rule (TaylorRule or MLPRule).
        losses: [n_steps] training loss per Adam step (data term + L1).
        r2_weights: held-out R² of the weight changes W(t) − W(0) against the true ones (NaN without truth).
        r2_activity: held-out R² of the activity (outputs, or acceptance probabilities for choices).
        r2_activity_null: the same R² for the null model without plasticity (W ≡ W0), for scale.
        deviance_explained: for choice data, 1 − D_model / D_null on held-out choices (NaN otherwise).
        coef_error: RMS error of the Taylor coefficients against ``true_rule`` (NaN if not given).
        status, residual (final gradient norm), n_iter, n_backtracked (steps that hit a non-finite
        loss and were
            halved back), wall_s.
    """

    r2_weights: float
    r2_activity: float
    r2_activity_null: float
    deviance_explained: float
    coef_error: float


def _l1(rule) -> Array:
    return jnp.sum(jnp.abs(rule.theta)) if isinstance(rule, TaylorRule) else jnp.zeros(())


def _layer_pass(layer, rule, data: LayerData, checkpoint, rows=None):
    return jax.vmap(lambda w0, x: layer.simulate(rule, w0, x, rows=rows, checkpoint=checkpoint))(
        data.W0, data.X
    )


def _choice_pass(layer, readout, rule, data: ChoiceData, memory, checkpoint):
    r = reward_signal(data.choice, data.R, memory)
    Y, W = jax.vmap(lambda w0, x, rr, ch: layer.simulate(rule, w0, x, rr, ch, checkpoint=checkpoint))(
        data.W0, data.X, r, data.choice
    )
    return readout.logit(Y), W


def _bce(logit, choice):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logit, choice))


def _adam_loop(total, pp, *, n_steps, lr, lr_final):
    """Adam with a cosine decay from lr to lr_final on ``total(pp)`` (call under jit).

    A step that lands where the loss or its gradient is non-finite (a rule whose weights blow up within the
    trajectory) is backtracked: the parameters go halfway back to the last finite point. Returns
    the parameters,
    the loss after each step, the final gradient norm and the number of backtracked steps."""
    schedule = optax.cosine_decay_schedule(lr, n_steps, alpha=lr_final / lr)
    opt = optax.adam(schedule)

    def finite(loss, g):
        leaves = jax.tree_util.tree_leaves(g)
        return jnp.isfinite(loss) & jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))

    def pick(ok, a, b):
        return jax.tree_util.tree_map(lambda x, y: jnp.where(ok, x, y), a, b)

    def step(carry, _):
        pp, prev, state, last, n_back = carry
        loss, g = jax.value_and_grad(total)(pp)
        ok = finite(loss, g)
        g = jax.tree_util.tree_map(lambda x: jnp.where(ok, x, 0.0), g)
        updates, new_state = opt.update(g, state, pp)
        stepped = optax.apply_updates(pp, updates)
        back = jax.tree_util.tree_map(lambda a, b: 0.5 * (a + b), prev, pp)
        loss = jnp.where(ok, loss, last)
        carry = (
            pick(ok, stepped, back),
            pick(ok, pp, prev),
            pick(ok, new_state, state),
            loss,
            n_back + (~ok),
        )
        return carry, loss

    init = (pp, pp, opt.init(pp), jnp.asarray(jnp.nan), jnp.array(0))
    (pp, prev, _, last, n_back), losses = lax.scan(step, init, None, length=n_steps)
    loss, g = jax.value_and_grad(total)(pp)
    ok = finite(loss, g)
    pp = pick(ok, pp, prev)
    return pp, jnp.append(losses, jnp.where(ok, loss, last))[1:], optax.tree.norm(g), n_back


def _layer_data_loss(rule, train, layer, memory, checkpoint):
    if isinstance(train, ChoiceData):
        logit, _ = _choice_pass(layer, ChoiceReadout(), rule, train, memory, checkpoint)
        return _bce(logit, train.choice)
    mask = train.observed.astype(float)
    var = jnp.sum(mask * jnp.var(train.Y, axis=(0, 1))) / jnp.sum(mask)
    Y, _ = _layer_pass(layer, rule, train, checkpoint, rows=mask)
    Y = jnp.where(train.observed, Y, train.Y)  # unrecorded outputs: zero residual (their rows are frozen)
    return jnp.sum(mask * jnp.mean((Y - train.Y) ** 2, axis=(0, 1))) / jnp.sum(mask) / var


@eqx.filter_jit
def _fit_layer(params, static, train, l1, lr, lr_final, *, n_steps, layer, memory, checkpoint):
    """Compiled once per (rule structure, data shapes, n_steps, layer): sweeps over data, noise,
    masks, l1 and lr
    reuse it."""

    def total(pp):
        rl = eqx.combine(pp, static)
        return _layer_data_loss(rl, train, layer, memory, checkpoint) + l1 * _l1(rl)

    return _adam_loop(total, params, n_steps=n_steps, lr=lr, lr_final=lr_final)


_eval_layer = eqx.filter_jit(_layer_pass)
_eval_choice = eqx.filter_jit(_choice_pass)


def _status(losses, rtol) -> Status:
    losses = np.asarray(losses)
    if not np.all(np.isfinite(losses)):
        return Status.nonfinite
    tail = losses[-max(2, len(losses) // 10) :]
    change = abs(tail[0] - tail[-1]) / max(abs(tail[-1]), 1e-300)
    return Status.success if change < rtol else Status.max_steps


def _fit(fit_fn, params, static, train, l1, lr, lr_final, rtol, **settings):
    """Run a compiled Adam fit ``fit_fn`` (l1, lr, lr_final traced: no recompile when they change).

    Returns the fitted module and its evidence (losses, status, residual = final gradient norm, n_iter,
    n_backtracked) as keywords for the result."""
    f64 = lambda v: jnp.asarray(v, dtype=float)  # noqa: E731
    pp, losses, gnorm, n_back = fit_fn(params, static, train, f64(l1), f64(lr), f64(lr_final), **settings)
    evidence = dict(losses=losses, status=_status(losses, rtol), residual=float(gnorm))
    return eqx.combine(pp, static), evidence | dict(n_iter=settings["n_steps"], n_backtracked=int(n_back))


def _checked(result, throw, call, hint):
    """``result``, or with ``throw`` a `ConvergenceError` naming the call, the status, the final loss and
    gradient norm, and what to try."""
    if throw and not result.converged:
        raise ConvergenceError(
            f"{call}: {Status[result.status]}; final loss {float(result.losses[-1]):.4g}, gradient norm "
            f"{result.residual:.3g}. Try {hint}, or throw=False to inspect the result."
        )
    return result


def fit_rule(
    train,
    rule: PlasticityRule,
    *,
    test=None,
    loss: str | None = None,
    layer: PlasticLayer | None = None,
    l1: float = 1e-3,
    n_steps: int = 1500,
    lr: float = 1e-2,
    lr_final: float = 1e-3,
    memory: int = 10,
    checkpoint: bool = True,
    true_rule: TaylorRule | None = None,
    rtol: float = 1e-2,
    throw: bool = True,
) -> RuleFit:
    """Fit the parameters of ``rule`` to recorded trajectories by gradient descent through the simulation.

    Args:
        train: `LayerData` (activity) or `ChoiceData` (behaviour) used for the fit.
        rule: initial rule (its inexact arrays are fitted), e.g. ``TaylorRule()`` (zeros) or
        ``MLPRule(key=...)``.
        test: held-out data of the same type for R² (default: the training data).
        loss: "activity_mse" (normalised by the variance of the recorded outputs) or "choice_bce";
            inferred from the data type by default.
        layer: the forward model (default: linear layer for activity, tanh layer for choices).
        l1: weight of the L1 penalty Σ|θ| on Taylor coefficients.
        n_steps, lr, lr_final: Adam steps and a cosine learning-rate decay from lr to lr_final.
        memory: trials in the running reward average E[R] (choice data).
        checkpoint: rematerialise each simulation step in the backward pass (memory ∝ carry only).
        true_rule: ground truth, for ``coef_error``.
        rtol: the fit counts as converged when the loss changed by less than rtol (relative) over the last 10%
            of the steps.
    Returns:
        `RuleFit`.
    Equation:
        L(θ) = mean_{traj, t, observed i} (y_model − y_data)² / Var(y_data) + l1 Σ|θ|   (activity), or
        L(θ) = mean BCE(sigmoid(0.5 Σ_i y_model,i), choice) + l1 Σ|θ|                  (choices).
    Assumptions:
        Initial weights W0 and inputs are known; the rule is shared by all synapses; for choices,
        plasticity acts
        only on accepted trials and the reward signal is R − E[R].
    """
    t0 = time.perf_counter()
    if not isinstance(rule, PlasticityRule):
        raise ValueError(f"rule must be a TaylorRule or MLPRule, got {type(rule).__name__}")
    if not isinstance(train, LayerData | ChoiceData):
        raise ValueError(f"train must be LayerData or ChoiceData, got {type(train).__name__}")
    choices = isinstance(train, ChoiceData)
    loss = ("choice_bce" if choices else "activity_mse") if loss is None else loss
    check_choice("loss", loss, ("activity_mse", "choice_bce"))
    if (loss == "choice_bce") != choices:
        raise ValueError(f"loss={loss!r} does not match the data type {type(train).__name__}")
    test = train if test is None else test
    if type(test) is not type(train):
        raise ValueError(f"test must be {type(train).__name__} like train, got {type(test).__name__}")
    n_steps = check_int("n_steps", n_steps, "Adam steps")
    check_nonnegative("l1", l1, "L1 penalty weight")
    check_positive("lr", lr, "learning rate")
    check_positive("lr_final", lr_final, "final learning rate")
    if not choices and rule.reward:
        raise ValueError("activity data carry no reward signal: use a rule with reward=False")
    layer = PlasticLayer("tanh" if choices else "linear") if layer is None else layer
    readout = ChoiceReadout()
    params, static = eqx.partition(rule, eqx.is_inexact_array)
    fitted, evidence = _fit(
        _fit_layer, params, static, train, l1, lr, lr_final, rtol,
        n_steps=n_steps, layer=layer, memory=memory, checkpoint=checkpoint,
    )  # fmt: skip

    nan = float("nan")
    dev = nan
    if choices:
        logit, W = _eval_choice(layer, readout, fitted, test, memory, False)
        logit0 = readout.logit(
            jax.vmap(
                lambda w0, x: jnp.tanh(x @ w0.T) if layer.sigma == "tanh" else _SIGMAS[layer.sigma](x @ w0.T)
            )(test.W0, test.X)
        )
        dev = float(1.0 - _bce(logit, test.choice) / _bce(logit0, test.choice))
        truth_act = test.P
        act, act0 = jax.nn.sigmoid(logit), jax.nn.sigmoid(logit0)
        mask_act = None
    else:
        act, W = _eval_layer(layer, fitted, test, False)
        act0 = jax.vmap(lambda w0, x: _SIGMAS[layer.sigma](x @ w0.T))(test.W0, test.X)
        truth_act = test.Y if test.Y_clean is None else test.Y_clean
        mask_act = test.observed
    r2_act = float(r2_score(act, truth_act, mask_act)) if truth_act is not None else nan
    r2_null = float(r2_score(act0, truth_act, mask_act)) if truth_act is not None else nan
    r2_w = nan
    if test.W is not None:
        r2_w = float(r2_score(W - test.W0[:, None], test.W - test.W0[:, None]))
    coef_err = nan
    if true_rule is not None and isinstance(fitted, TaylorRule):
        if true_rule.theta.shape != fitted.theta.shape:
            raise ValueError(
                f"true_rule has {true_rule.theta.size} coefficients, the fitted rule {fitted.theta.size}"
            )
        coef_err = float(jnp.sqrt(jnp.mean((fitted.theta - true_rule.theta) ** 2)))
    scores = dict(r2_weights=r2_w, r2_activity=r2_act, r2_activity_null=r2_null, deviance_explained=dev)
    result = RuleFit(rule=fitted, **scores, coef_error=coef_err, **evidence, wall_s=time.perf_counter() - t0)
    call = f"fit_rule({loss}, n_steps={n_steps}, lr={lr}, l1={l1})"
    return _checked(result, throw, call, "more n_steps, a smaller lr")


# --------------------------------------------------------------------------------------------------
# recurrent network: (k, p) and the rule from recordings of a subset of neurons


class RecurrentData(_Trajectories):
    """Recorded pre-activations of a subset of neurons of the plastic recurrent network.

    Attributes:
        x: [n_traj, n_steps + 1, n_obs] x_i(t) of the observed neurons at t = 0, dt, ..., n_steps·dt.
        observed: [n_obs] indices of the recorded neurons (static).
        J: [N, N] the quenched couplings (assumed known: the connectome).
        dt: sampling step (static), also the RK4 step of the model.
        A0: [n_traj, N, N] initial plastic couplings (assumed known, zero by default).
        x_true: optional full state [n_traj, n_steps + 1, N] (synthetic only).
    """

    x: Float[Array, "n S n_obs"]
    J: Float[Array, "N N"]
    A0: Float[Array, "n N N"]
    observed: tuple = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    x_true: Float[Array, "n S N"] | None = None
    _shared = ("J",)

    def __init__(self, x, J, dt, observed=None, A0=None, x_true=None):
        x = _arr("x", x, 3, "recorded activity [n_traj, n_steps + 1, n_obs]")
        J = _arr("J", J, 2, "quenched couplings [N, N]")
        N = J.shape[0]
        _same("J", J.shape, (N, N), "shape (square)")
        check_positive("dt", dt, "sampling step")
        observed = (
            tuple(range(N)) if observed is None else tuple(int(i) for i in np.asarray(observed).ravel())
        )
        if len(set(observed)) != len(observed) or not all(0 <= i < N for i in observed):
            raise ValueError(f"observed must be distinct neuron indices in [0, {N}), got {observed}")
        _same("x", x.shape[2], len(observed), "n_obs (last axis)")
        if x.shape[1] < 2:
            raise ValueError(f"x must hold at least 2 time points, got x.shape={x.shape}")
        self.x, self.J, self.dt, self.observed = x, J, float(dt), observed
        self.A0 = jnp.zeros((x.shape[0], N, N)) if A0 is None else _arr("A0", A0, 3, "[n_traj, N, N]")
        _same("A0", self.A0.shape, (x.shape[0], N, N), "shape (n_traj, N, N)")
        self.x_true = None if x_true is None else _arr("x_true", x_true, 3, "[n_traj, n_steps + 1, N]")

    @property
    def N(self) -> int:
        return self.J.shape[0]

    @property
    def n_traj(self) -> int:
        return self.x.shape[0]


def synthetic_recurrent(
    *,
    key,
    N: int = 30,
    g: float = 1.5,
    k: float = 1.0,
    p: float = 2.5,
    T: float = 20.0,
    dt: float = 0.1,
    n_traj: int = 4,
    fraction: float = 1.0,
    noise: float = 0.0,
) -> RecurrentData:
    """Hebbian Clark–Abbott network simulated with `neurosyn.rk_step` (RK4), x0 ~ N(0, 1), A0 = 0.

    ``fraction`` of the neurons (at least 2) are recorded; ``noise`` adds N(0, noise²) to the recordings.
    """
    N = check_int("N", N, "number of neurons", minimum=2)
    if not 0 < fraction <= 1:
        raise ValueError(
            f"fraction (recorded fraction of neurons) must be in (0, 1], got fraction={fraction!r}"
        )
    check_nonnegative("noise", noise, "measurement noise")
    net = Network(N=N, g=g, k=k, p=p)
    kJ, kx, kn, ko = jr.split(key, 4)
    J = sample_couplings(net, kJ)
    n_steps = int(round(T / dt))

    def one(x0):
        def body(c, _):
            x, A = rk_step(net, J, c[0], c[1], dt, "rk4")
            return (x, A), x

        _, xs = lax.scan(body, (x0, jnp.zeros((N, N))), None, length=n_steps)
        return jnp.concatenate([x0[None], xs])

    x_true = jax.vmap(one)(jr.normal(kx, (n_traj, N)))
    n_obs = max(2, int(round(fraction * N)))
    observed = np.sort(np.asarray(jr.permutation(ko, N))[:n_obs])
    x_obs = x_true[:, :, observed] + noise * jr.normal(kn, (n_traj, n_steps + 1, n_obs))
    return RecurrentData(x_obs, J, dt, observed, x_true=x_true)


class RecurrentFit(_Fit):
    """(k, p) and optionally the rule of the recurrent network, fitted to partial recordings.

    Attributes:
        k, p: fitted plasticity strength and synaptic time constant.
        rule: the rule f (fitted if requested; None for the Hebbian rule of `Network`).
        x0_hidden: [n_traj, N − n_obs] fitted initial states of the unrecorded neurons (training data).
        losses: [n_steps] training loss; r2_activity: held-out R² of the recorded activity (free run from the
            data's initial state with the unrecorded neurons' x0 fitted on the held-out data with
            k, p fixed is
            not attempted: held-out evaluation needs the full initial state, so it uses x_true when available
            and teacher forcing with the same window otherwise).
        status, residual (final gradient norm), n_iter, wall_s.
    """

    k: float
    p: float
    x0_hidden: Float[Array, "n H"]
    r2_activity: float


def hebbian_taylor() -> TaylorRule:
    """f = pre·post: the Clark–Abbott Hebbian rule as a Taylor rule."""
    return TaylorRule.from_dict({"pre*post": 1.0})


class _RecParams(eqx.Module):
    k: Array
    log_p: Array
    rule: PlasticityRule | None
    x0_hidden: Array


def _rec_predict(prm: _RecParams, data: RecurrentData, window, checkpoint):
    obs = jnp.asarray(data.observed, dtype=int)
    hidden = jnp.asarray(np.setdiff1d(np.arange(data.N), np.asarray(data.observed)), dtype=int)
    model = RecurrentModel(prm.rule, prm.k, jnp.exp(prm.log_p), data.dt)
    n_steps = data.x.shape[1] - 1

    def one(xd, x0h, A0):
        x0 = jnp.zeros(data.N).at[obs].set(xd[0]).at[hidden].set(x0h)
        xs = model.simulate(
            data.J, x0, A0, n_steps, x_data=xd, observed=obs, window=window, checkpoint=checkpoint
        )
        return xs[:, obs]

    return jax.vmap(one)(data.x, prm.x0_hidden, data.A0)


@eqx.filter_jit
def _fit_rec(params, static, train, l1, lr, lr_final, *, n_steps, window, checkpoint):
    var = jnp.var(train.x)

    def total(pp):
        pr = eqx.combine(pp, static)
        pred = _rec_predict(pr, train, window, checkpoint)
        return jnp.mean((pred - train.x) ** 2) / var + l1 * _l1(pr.rule)

    return _adam_loop(total, params, n_steps=n_steps, lr=lr, lr_final=lr_final)


_eval_rec = eqx.filter_jit(_rec_predict)


def fit_recurrent(
    train: RecurrentData,
    *,
    test: RecurrentData | None = None,
    k0: float = 0.5,
    p0: float = 1.0,
    rule: PlasticityRule | None = None,
    fit_rule: bool = False,
    window: int | None = 20,
    n_steps: int = 300,
    lr: float = 0.05,
    lr_final: float = 1e-3,
    l1: float = 0.0,
    checkpoint: bool = True,
    rtol: float = 1e-2,
    throw: bool = True,
) -> RecurrentFit:
    """Fit k, p (and optionally the rule's θ, and the unrecorded neurons' x0) to recorded activity.

    Args:
        train: `RecurrentData`; test: held-out `RecurrentData` (same network) for R².
        k0, p0: initial guesses (p is fitted as log p so it stays positive).
        rule: the elementwise rule f; None (default) is the Hebbian rule of `Network` (stepped with
            `neurosyn.rk_step`). ``fit_rule=True`` also fits its θ. Then k and the
            overall scale of f are degenerate (only k·f enters), so k is held at k0 and f absorbs the scale.
        window: teacher-forcing window in steps (observed neurons reset to the data every ``window`` steps;
            multiple shooting keeps gradients finite through chaos); None for a free run.
        n_steps, lr, lr_final: Adam with cosine decay.
    Equation:
        L = mean_{traj, t, observed i} (x_model − x_data)² / Var(x_data) + l1 Σ|θ|.
    Assumptions:
        J and A(0) are known, the recordings are x (pre-activations) sampled at the model step dt, and the
        unrecorded neurons' initial states are fitted per trajectory. Identifiability: k and p
        separate only on
        trajectories longer than p (for t ≪ p only k/p enters A ≈ (k/p) ∫ φφᵀ/N); with few recorded neurons
        the unrecorded ones act as latent inputs and the error grows.
    """
    t0 = time.perf_counter()
    if not isinstance(train, RecurrentData):
        raise ValueError(f"train must be RecurrentData, got {type(train).__name__}")
    check_positive("p0", p0, "initial synaptic time constant")
    n_steps = check_int("n_steps", n_steps, "Adam steps")
    if window is not None:
        window = check_int("window", window, "teacher-forcing window (steps)")
    if fit_rule and rule is None:
        raise ValueError(
            "fit_rule=True needs an initial rule, e.g. rule=TaylorRule() or rule=hebbian_taylor()"
        )
    n_hidden = train.N - len(train.observed)
    prm = _RecParams(
        jnp.asarray(float(k0)), jnp.log(jnp.asarray(float(p0))), rule, jnp.zeros((train.x.shape[0], n_hidden))
    )

    filt = jax.tree_util.tree_map(eqx.is_inexact_array, prm)
    if rule is not None:
        leaves = jax.tree_util.tree_map(lambda x: fit_rule and eqx.is_inexact_array(x), rule)
        filt = eqx.tree_at(lambda m: m.rule, filt, leaves)
    if fit_rule:
        filt = eqx.tree_at(lambda m: m.k, filt, False)
    params, static = eqx.partition(prm, filt)
    fitted, evidence = _fit(
        _fit_rec, params, static, train, l1, lr, lr_final, rtol,
        n_steps=n_steps, window=window, checkpoint=checkpoint,
    )  # fmt: skip
    r2 = float("nan")
    if test is not None:
        if test.x_true is not None:
            hidden = np.setdiff1d(np.arange(test.N), np.asarray(test.observed))
            ev = eqx.tree_at(lambda m: m.x0_hidden, fitted, test.x_true[:, 0, hidden])
            pred = _eval_rec(ev, test, None, False)
            r2 = float(r2_score(pred, test.x_true[:, :, np.asarray(test.observed)]))
        else:
            ev = eqx.tree_at(lambda m: m.x0_hidden, fitted, jnp.zeros((test.x.shape[0], n_hidden)))
            r2 = float(r2_score(_eval_rec(ev, test, window, False), test.x))
    k, p = float(fitted.k), float(jnp.exp(fitted.log_p))
    result = RecurrentFit(
        k=k, p=p, rule=fitted.rule, x0_hidden=fitted.x0_hidden, r2_activity=r2, **evidence,
        wall_s=time.perf_counter() - t0,
    )  # fmt: skip
    call = f"fit_recurrent(k0={k0}, p0={p0}, window={window}, n_steps={n_steps})"
    return _checked(result, throw, call, "more n_steps, a smaller lr, a shorter window")
