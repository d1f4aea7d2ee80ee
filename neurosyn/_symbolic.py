"""Plasticity functions written as formulas: strings or sympy expressions compiled to JAX, with validation.

    f_post = "post",   f_pre = "pre - 0.2*pre**3"

A formula is a function of one symbol (``post`` for f_post, ``pre`` for f_pre; ``phi`` is accepted for both).
Strings are tokenised and checked against a whitelist of names before sympy parses them, so a rule string from
the command line cannot run arbitrary code. The compiled function is `sympy.lambdify` with ``jax.numpy``.
"""

from __future__ import annotations

import functools
import io
import keyword
import tokenize

import jax.numpy as jnp
import numpy as np
import sympy

# Functions a rule formula may call (sympy names; lambdify maps them to jax.numpy).
FUNCTIONS = (
    "exp", "log", "sqrt", "tanh", "sinh", "cosh", "sin", "cos", "Abs", "abs", "sign", "Heaviside", "Max",
    "Min", "erf", "atan",
)  # fmt: skip
SYMBOL_ALIASES = ("phi",)
# the test grid: φ = tanh takes values in (−1, 1); the grid includes the end points
TEST_GRID = np.linspace(-1.0, 1.0, 201)


def _check_tokens(text: str, name: str, symbol: str) -> None:
    allowed = {symbol, *SYMBOL_ALIASES, *FUNCTIONS, "pi", "E"}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as err:
        raise ValueError(
            f"{name}={text!r} is not a valid formula ({err}); example: {symbol} - 0.2*{symbol}**3"
        ) from None
    for tok in tokens:
        if tok.type == tokenize.NAME and (tok.string not in allowed or keyword.iskeyword(tok.string)):
            raise ValueError(
                f"{name}={text!r} uses the unknown name {tok.string!r}; "
                f"valid: the symbol {symbol!r} (or 'phi'), "
                f"the constants pi, E and the functions {', '.join(FUNCTIONS)}"
            )
        if tok.type == tokenize.OP and tok.string not in ("+", "-", "*", "/", "**", "(", ")", ",", "."):
            raise ValueError(f"{name}={text!r} uses the operator {tok.string!r}; valid: + - * / ** ( ) ,")
        if tok.type == tokenize.ERRORTOKEN and tok.string.strip():
            raise ValueError(f"{name}={text!r}: unexpected character {tok.string!r}")


def parse_formula(expr, name: str, symbol: str) -> sympy.Expr:
    """A sympy expression in one symbol from a string or a sympy expression; ValueError if malformed.

    Args:
        expr: string such as "pre - 0.2*pre**3", a number, or a sympy expression.
        name: parameter name for messages (``f_pre``). symbol: the variable (``pre`` or ``post``).
    Returns:
        The expression in the sympy symbol ``symbol`` (``phi`` is renamed to it).
    """
    sym = sympy.Symbol(symbol, real=True)
    local = {symbol: sym, "phi": sym, "abs": sympy.Abs, "E": sympy.E, "pi": sympy.pi}
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        out = sympy.Float(expr) if isinstance(expr, float) else sympy.Integer(expr)
    elif isinstance(expr, sympy.Basic):
        out = expr.subs({s: sym for s in expr.free_symbols if s.name in (symbol, "phi")})
    elif isinstance(expr, str):
        if not expr.strip():
            raise ValueError(f"{name} is an empty formula; example: {symbol} - 0.2*{symbol}**3")
        _check_tokens(expr, name, symbol)
        try:
            out = sympy.sympify(expr, locals=local, convert_xor=False)
        except (sympy.SympifyError, SyntaxError, TypeError, AttributeError) as err:
            raise ValueError(
                f"{name}={expr!r} could not be parsed ({err}); example: {symbol} - 0.2*{symbol}**3"
            ) from None
    else:
        raise ValueError(
            f"{name} must be a string, a number or a sympy expression, got {type(expr).__name__}"
        )
    if not isinstance(out, sympy.Expr):
        raise ValueError(f"{name}={expr!r} is not a scalar expression (got {type(out).__name__})")
    extra = sorted(s.name for s in out.free_symbols if s != sym)
    if extra:
        raise ValueError(f"{name}={expr!r} depends on unknown symbols {extra}; valid: {symbol!r} only")
    return out


@functools.lru_cache(maxsize=256)
def formula_function(srepr_text: str, symbol: str):
    """The JAX function of a validated formula, given as its `sympy.srepr` (cached; safe to trace)."""
    sym = sympy.Symbol(symbol, real=True)
    raw = sympy.lambdify(sym, sympy.sympify(srepr_text, locals={symbol: sym}), modules="jax")

    def f(v):
        v = jnp.asarray(v)
        return jnp.broadcast_to(jnp.asarray(raw(v), dtype=v.dtype), v.shape)

    return f


def compile_formula(expr, name: str, symbol: str):
    """Compile a formula (see `parse_formula`) to an elementwise JAX function, validated on φ ∈ [−1, 1].

    The returned function maps an array to an array of the same shape and dtype (constants are broadcast), and
    is differentiable by JAX. ValueError if the formula is malformed or not finite on the 201-point grid
    [−1, 1] (the range of φ = tanh).
    """
    parsed = parse_formula(expr, name, symbol)
    f = formula_function(sympy.srepr(parsed), symbol)
    with np.errstate(all="ignore"):
        try:
            vals = np.asarray(f(jnp.asarray(TEST_GRID)))
        except Exception as err:  # noqa: BLE001  (any failure here is a bad formula)
            raise ValueError(f"{name}={expr!r} cannot be evaluated on arrays ({err})") from err
    bad = ~np.isfinite(vals)
    if bad.any():
        raise ValueError(
            f"{name}={expr!r} is not finite at {symbol} = {TEST_GRID[bad][0]:g} "
            "(checked on [−1, 1], the range of "
            "φ = tanh); valid: a formula finite for every activation"
        )
    return parsed, f
