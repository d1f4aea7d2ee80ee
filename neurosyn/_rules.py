"""Plasticity rules of outer-product form, the Appendix-A family, and a registry of named rules.

    p dA_ij/dt = −A_ij + (k/N) f_post(φ_i) f_pre(φ_j)            (Eqs. 3, A10)

The rule is one object: the simulator uses its rank-one drive (`drive`) and its rates (`decay_rate`,
`drive_rate`: Ȧ = −λ A + μ u vᵀ), the vector field (and so every Jacobian and Lyapunov computation) uses
`rhs`. Hebbian (k > 0) and anti-Hebbian (k < 0) are the same rule with f_post = f_pre = identity; the sign
lives in k.

Variants (Clark & Abbott 2024, Appendix A):
- `NoDecay`: k, p → ∞ with k/p = k̃: Ȧ = k̃ f_post f_preᵀ/N (Eq. A2). The network's ``k`` is read as k̃.
- `Heterogeneous`: per-synapse p_ij from an inverse-gamma law; pass ``Network(p=rule.sample_p(key, N))``.
- `Presynaptic` (f_post ≡ 1, Eq. A5), `Postsynaptic` (f_pre ≡ 1), `AntiHebbian`, `Covariance`.
- `STDP`: (1 + p∂t) A = (k/N)[φ(t) φ(t−d)ᵀ − φ(t−d) φ(t)ᵀ] (Eq. A8); the simulator carries a φ history.
- `Expression`: f_post, f_pre given as formulas (strings or sympy), compiled to JAX.
"""

from __future__ import annotations

import ast
import math

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import sympy

from ._errors import check_finite, check_positive
from ._symbolic import compile_formula, formula_function


class Rule(eqx.Module):
    """Abstract outer-product rule. Subclasses define ``post(phi)`` and ``pre(phi)``.

    ``post``/``pre`` take the population vector φ [..., N] (so a rule may use population statistics, e.g.
    `Covariance`); ``site_post``/``site_pre`` are their elementwise single-site forms for the DMFT.
    """

    def post(self, phi):
        raise NotImplementedError

    def pre(self, phi):
        raise NotImplementedError

    def site_post(self, phi):
        """f_post for one DMFT single site (elementwise); defaults to `post`."""
        return self.post(phi)

    def site_pre(self, phi):
        """f_pre for one DMFT single site (elementwise); defaults to `pre`."""
        return self.pre(phi)

    def delay(self) -> float:
        """Delay d of the presynaptic activity the rule uses (0: instantaneous)."""
        return 0.0

    def sign_symmetric(self) -> bool:
        """True when the single-site f_post is odd (checked on φ ∈ [−1, 1]): with an odd φ (tanh) the memory
        term is then odd in x, the state keeps the x → −x symmetry and C(τ) decays to 0. Otherwise C(τ) has a
        plateau q = lim C(τ) = ⟨⟨φ_i⟩_t²⟩_i (e.g. `Presynaptic`, f_post ≡ 1), and τ* is taken of C − q. The
        DMFT uses the same criterion; a transfer function that is not odd is not considered."""
        grid = jnp.linspace(-1.0, 1.0, 101)
        return bool(jnp.allclose(self.site_post(-grid), -self.site_post(grid), atol=1e-12))

    def decay_rate(self, p):
        """λ in Ȧ = −λ A + μ u vᵀ: 1/p (elementwise when p is a per-synapse array)."""
        return 1.0 / p

    def drive_rate(self, p):
        """μ in Ȧ = −λ A + μ u vᵀ: 1/p."""
        return 1.0 / p

    def drive(self, phi, k, N):
        """The rank-one target (u, v) with (k/N) f_post(φ) f_pre(φ)ᵀ = u vᵀ."""
        return (k / N) * self.post(phi), self.pre(phi)

    def rhs(self, A, phi, k, p, N):
        """dA/dt = (−A + (k/N) f_post(φ) f_pre(φ)ᵀ) / p."""
        u, v = self.drive(phi, k, N)
        return (jnp.outer(u, v) - A) / p


class Hebbian(Rule):
    """f_post(φ) = φ, f_pre(φ) = φ: the Clark–Abbott rule (Eq. 3). k < 0 makes it anti-Hebbian."""

    def post(self, phi):
        return phi

    def pre(self, phi):
        return phi


hebbian = Hebbian()


class AntiHebbian(Rule):
    """f_post(φ) = −φ, f_pre(φ) = φ: the Hebbian rule with the sign of k flipped, so k > 0 is the strength.

    ``Network(k=κ, rule=AntiHebbian())`` is the same model as ``Network(k=−κ)`` (Hebbian).
    """

    def post(self, phi):
        return -phi

    def pre(self, phi):
        return phi


class Presynaptic(Rule):
    """Presynaptic-only plasticity, f_post ≡ 1, f_pre(φ) = φ (Eq. A5): A_ij depends on j only.

    The plastic input Σ_j A_ij φ_j(t) = (k/p) ∫ e^{−τ/p} (1/N) Σ_j φ_j(t−τ) φ_j(t) dτ is the same for every
    neuron; as N → ∞ it is the constant I = (k/p) ∫₀^∞ e^{−τ/p} C(τ) dτ (Eqs. A6–A7). It is not zero: it is
    the
    overlap of present and past states, not a population mean. A constant input breaks x → −x, so ⟨φ⟩ ≠ 0.
    """

    def post(self, phi):
        return jnp.ones_like(phi)

    def pre(self, phi):
        return phi


class Postsynaptic(Rule):
    """Postsynaptic-only plasticity, f_post(φ) = φ, f_pre ≡ 1: A_ij depends on i only.

    The plastic input (k/p) ∫ e^{−τ/p} φ_i(t−τ) m(t) dτ carries the population mean m(t) = (1/N) Σ_j φ_j(t),
    which is O(1/√N) in the symmetric state, so as N → ∞ this rule leaves the dynamics unchanged
    (C_pre,φ = ⟨φ⟩ = 0).
    """

    def post(self, phi):
        return phi

    def pre(self, phi):
        return jnp.ones_like(phi)


class Covariance(Rule):
    """Covariance rule: f(φ_i) = φ_i − m(t) for pre and post, m(t) = (1/N) Σ_j φ_j(t) the population mean.

    The mean is the instantaneous population mean (no running average, so no extra state). In the symmetric
    stationary state m = O(1/√N), so the DMFT single site is the Hebbian one (`site_post`, `site_pre` are the
    identity); differences from `Hebbian` at finite N are O(1/√N).
    """

    def post(self, phi):
        return phi - jnp.mean(phi, axis=-1, keepdims=True)

    def pre(self, phi):
        return phi - jnp.mean(phi, axis=-1, keepdims=True)

    def site_post(self, phi):
        return phi

    def site_pre(self, phi):
        return phi


class Expression(Rule):
    """A rule (1 + p∂t) A = (k/N) f_post(φ_i) f_pre(φ_j) with f_post, f_pre given as formulas (Eq. A10).

    Attributes:
        f_post: formula in the symbol ``post`` (string or sympy), e.g. "post" or "tanh(2*post)".
        f_pre: formula in the symbol ``pre``, e.g. "pre - 0.2*pre**3".
    Formulas are validated (names, syntax, finite on φ ∈ [−1, 1]) and compiled to JAX once; the rule is
    hashable by its formula strings, so it can be a static field of `Network`.
    """

    f_post: str = eqx.field(static=True, default="post")
    f_pre: str = eqx.field(static=True, default="pre")

    def __init__(self, f_post="post", f_pre="pre"):
        post_expr, _ = compile_formula(f_post, "f_post", "post")
        pre_expr, _ = compile_formula(f_pre, "f_pre", "pre")
        self.f_post = sympy.srepr(post_expr)
        self.f_pre = sympy.srepr(pre_expr)

    def __repr__(self):
        return f"Expression(f_post={self.formulas[0]!r}, f_pre={self.formulas[1]!r})"

    @property
    def formulas(self) -> tuple[str, str]:
        """(f_post, f_pre) as readable strings."""
        return str(sympy.sympify(self.f_post)), str(sympy.sympify(self.f_pre))

    def post(self, phi):
        return formula_function(self.f_post, "post")(phi)

    def pre(self, phi):
        return formula_function(self.f_pre, "pre")(phi)


class _Based(Rule):
    """A variant of another rule (``base``): its f_post, f_pre (and single-site forms) are the base rule's."""

    base: Rule = eqx.field(static=True, default=hebbian)

    def post(self, phi):
        return self.base.post(phi)

    def pre(self, phi):
        return self.base.pre(phi)

    def site_post(self, phi):
        return self.base.site_post(phi)

    def site_pre(self, phi):
        return self.base.site_pre(phi)


class NoDecay(_Based):
    """No-decay limit k, p → ∞ with k̃ = k/p fixed: Ȧ = k̃ f_post(φ) f_pre(φ)ᵀ / N (Eq. A2).

    The network's ``k`` is read as k̃ and its ``p`` is ignored (it must still be a valid positive number).
    A grows without bound unless the dynamics self-regulate; the DMFT kernel is K(τ) = k̃ C(τ) (Eq. A3).

    Attributes:
        base: the rule giving f_post and f_pre (Hebbian by default).
    """

    def decay_rate(self, p):
        return jnp.zeros_like(p)

    def drive_rate(self, p):
        return jnp.ones_like(p)

    def rhs(self, A, phi, k, p, N):
        u, v = self.drive(phi, k, N)
        return jnp.outer(u, v) + 0.0 * A


class Heterogeneous(_Based):
    """Per-synapse time constants p_ij ~ InverseGamma(α, β), density β^α/Γ(α) e^{−β/p} p^{−(α+1)}.

    The rule's f_post, f_pre are those of ``base``; the heterogeneity lives in the network's p, which must be
    the [N, N] array ``sample_p(key, N)``. Averaging (k/p) e^{−τ/p} over p gives the power-law kernel
    K(τ) = (kα/β) (β/(β+τ))^{α+1} C(τ) (Eq. A4). The mean time constant is β/(α−1) for α > 1.

    Attributes:
        alpha: shape α > 0. beta: scale β > 0. base: the rule giving f_post, f_pre (Hebbian by default).
    """

    alpha: float = eqx.field(static=True, default=3.0, kw_only=True)
    beta: float = eqx.field(static=True, default=5.0, kw_only=True)

    def __check_init__(self):
        check_positive("alpha", self.alpha, "inverse-gamma shape")
        check_positive("beta", self.beta, "inverse-gamma scale")

    @property
    def mean_p(self) -> float:
        """E[p] = β/(α − 1) (infinite for α ≤ 1)."""
        return self.beta / (self.alpha - 1.0) if self.alpha > 1 else math.inf

    def sample_p(self, key, N: int, dtype=jnp.float64):
        """[N, N] time constants p_ij = β/G_ij with G_ij ~ Gamma(α, 1), i.i.d."""
        return self.beta / jr.gamma(key, self.alpha, (N, N), dtype=dtype)


class STDP(Rule):
    """Temporally asymmetric (STDP-like) rule with delay d (Eq. A8):

        (1 + p∂t) A_ij = (k/N) [φ_i(t) φ_j(t−d) − φ_i(t−d) φ_j(t)].

    A stays antisymmetric if it starts so. It needs φ(t−d): `neurosyn.simulate` carries a history of φ
    (d must be a multiple of dt, d ≥ 2 dt; the RK midpoint value is cubic-interpolated). `vector_field` and
    the Jacobian tools, which see only (x, A), do not apply: the state of a delay equation includes the past.

    Attributes:
        d: delay d > 0.
    """

    d: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("d", self.d, "STDP delay")

    def delay(self) -> float:
        return float(self.d)

    def post(self, phi):
        return phi

    def pre(self, phi):
        return phi

    def drive_pair(self, phi, phi_d, k, N):
        """The rank-two target as two rank-one terms [(u₁, v₁), (u₂, v₂)], Σ u vᵀ = (k/N)(φ φ_dᵀ − φ_d φᵀ)."""
        return [((k / N) * phi, phi_d), (-(k / N) * phi_d, phi)]

    def drive(self, phi, k, N):
        raise ValueError(
            f"STDP(d={self.d}) needs the delayed activity φ(t−d): use neurosyn.simulate (which carries it); "
            "vector_field, fixed_point_state and the Jacobian tools only see (x, A)"
        )

    def rhs(self, A, phi, k, p, N):
        return self.drive(phi, k, N)


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


# name → (factory, parameters it accepts, one-line description)
RULES = {
    "hebbian": (lambda: hebbian, (), "f_post = f_pre = φ (Eq. 3); k < 0 is anti-Hebbian"),
    "anti-hebbian": (AntiHebbian, (), "f_post = −φ, f_pre = φ: Hebbian with k's sign flipped"),
    "presynaptic": (Presynaptic, (), "f_post ≡ 1, f_pre = φ (Eq. A5): a constant input (Eqs. A6–A7)"),
    "postsynaptic": (Postsynaptic, (), "f_post = φ, f_pre ≡ 1: a population-mean input, O(1/√N)"),
    "covariance": (Covariance, (), "f = φ − (population mean of φ), for pre and post"),
    "no-decay": (
        lambda base="hebbian": NoDecay(base=get_rule(base)), ("base",), "Ȧ = k̃ f_post f_preᵀ/N (Eq. A2)"
    ),
    "heterogeneous": (
        lambda alpha=3.0, beta=5.0, base="hebbian": Heterogeneous(alpha=float(alpha), beta=float(beta),
                                                                  base=get_rule(base)),
        ("alpha", "beta", "base"),
        "p_ij ~ InverseGamma(α, β): a power-law kernel (Eq. A4)",
    ),
    "stdp": (lambda d=1.0: STDP(d=float(d)), ("d",), "φ_i(t)φ_j(t−d) − φ_i(t−d)φ_j(t) (Eq. A8)"),
    "expression": (
        lambda f_post="post", f_pre="pre": Expression(f_post, f_pre),
        ("f_post", "f_pre"),
        "f_post(post), f_pre(pre) as formulas (Eq. A10)",
    ),
}  # fmt: skip


def get_rule(name, **params) -> Rule:
    """A rule from the registry by name, e.g. ``get_rule("stdp", d=2.0)``; a `Rule` is returned as is.

    Names: hebbian, anti-hebbian, presynaptic, postsynaptic, covariance, no-decay (base), heterogeneous
    (alpha, beta, base), stdp (d), expression (f_post, f_pre). ValueError for unknown names or parameters.
    """
    if isinstance(name, Rule):
        if params:
            raise ValueError(f"parameters {sorted(params)} given with a Rule object {name!r}")
        return name
    if not isinstance(name, str) or _norm(name) not in RULES:
        raise ValueError(f"rule={name!r} is not a known rule; valid: {', '.join(RULES)}")
    factory, allowed, _ = RULES[_norm(name)]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"rule {name!r} got unknown parameters {unknown}; "
            f"valid: {', '.join(allowed) if allowed else 'none'}"
        )
    for key in ("alpha", "beta", "d"):
        if key in params:
            check_finite(key, float(params[key]), f"parameter of rule {name!r}")
    return factory(**params)


def parse_rule(spec, **params) -> Rule:
    """A rule from a specification string: ``"hebbian"``, ``"stdp(d=2)"``, ``"heterogeneous(alpha=3)"``,
    ``"expression(f_pre='pre - 0.2*pre**3')"``; keyword ``params`` are merged in. A `Rule` passes through.

    The string is parsed with `ast` (literals only, nothing is evaluated). ValueError if malformed.
    """
    if isinstance(spec, Rule):
        return get_rule(spec, **params)
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(
            f"rule={spec!r} must be a rule name or 'name(key=value, ...)'; valid: {', '.join(RULES)}"
        )
    text = spec.strip()
    head, paren, rest = text.partition("(")
    name = _norm(head)
    if not paren:
        return get_rule(name, **params)
    try:
        node = ast.parse("f(" + rest, mode="eval").body
    except SyntaxError as err:
        raise ValueError(f"rule={spec!r} is malformed ({err.msg}); example: stdp(d=2)") from None
    if not isinstance(node, ast.Call) or node.args:
        raise ValueError(f"rule={spec!r}: give parameters as key=value, e.g. stdp(d=2)")
    parsed = {}
    for kw in node.keywords:
        try:
            value = ast.literal_eval(kw.value) if kw.arg is not None else None
        except ValueError:
            value = None
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise ValueError(f"rule={spec!r}: parameter values must be numbers or quoted strings")
        parsed[kw.arg] = value
    return get_rule(name, **{**parsed, **params})
