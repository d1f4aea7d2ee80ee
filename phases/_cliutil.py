"""Shared pieces of the `neurosyn` CLI: the common options, rules from options, seeds, JSON output,
summaries, saving with provenance."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

# --- options shared by several subcommands: one spelling and one help text everywhere -------------------

G = Annotated[float, typer.Option(help="coupling strength g (J_ij ~ N(0, g²/N))")]
K = Annotated[float, typer.Option(help="plasticity strength k (>0 Hebbian, <0 anti-Hebbian)")]
P = Annotated[float, typer.Option(help="synaptic time constant p")]
Seed = Annotated[int, typer.Option(help="integer seed (becomes a JAX PRNG key)")]
Json = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Quiet = Annotated[bool, typer.Option(help="no progress bar")]

RULE_HELP = (
    "plasticity rule: hebbian, anti-hebbian, presynaptic, postsynaptic, covariance, no-decay (k is k/p), "
    "heterogeneous (alpha, beta; p_ij ~ InverseGamma), stdp (d), expression (with --f-post/--f-pre); "
    "parameters as --rule-param key=value or inline, e.g. --rule 'stdp(d=2)'"
)
RuleName = Annotated[str, typer.Option(help=RULE_HELP)]
RuleParam = Annotated[list[str] | None, typer.Option(help="rule parameter key=value (repeatable)")]
FPost = Annotated[str | None, typer.Option(help="f_post formula in 'post' (makes an expression rule)")]
FPre = Annotated[str | None, typer.Option(help="f_pre formula in 'pre' (makes an expression rule)")]


def rule_spec(rule: str, rule_param: list[str] | None, f_post: str | None, f_pre: str | None) -> str:
    """One `neurosyn.parse_rule` specification from ``--rule``, ``--rule-param``, ``--f-post``, ``--f-pre``,
    e.g. ``stdp(d=2.0)``: a plain string that a sweep can store and a worker can parse again.

    ValueError naming the option if malformed.
    """
    params = {}
    for item in rule_param or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--rule-param {item!r} must be key=value, e.g. --rule-param d=2")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            params[key.strip()] = value.strip()
    if f_post is not None or f_pre is not None:
        if rule not in ("hebbian", "expression"):
            raise ValueError(f"--f-post/--f-pre define an expression rule; not combinable with --rule {rule}")
        rule = "expression"
        params.update({k: v for k, v in (("f_post", f_post), ("f_pre", f_pre)) if v is not None})
    if not params:
        return rule.strip()
    kv = ", ".join(f"{key}={value!r}" for key, value in params.items())
    head = rule.strip().removesuffix("()")
    return f"{head[:-1]}, {kv})" if head.endswith(")") else f"{head}({kv})"


def rule_from_options(rule: str, rule_param: list[str] | None, f_post: str | None, f_pre: str | None):
    """The `neurosyn.Rule` of `rule_spec`; ValueError (shown by `fail`) if malformed."""
    import neurosyn as ns

    return ns.parse_rule(rule_spec(rule, rule_param, f_post, f_pre))


def rule_options(command):
    """Decorator: give a typer command the options ``--rule``, ``--rule-param``, ``--f-post``, ``--f-pre``.

    The command receives ``rule``, the parsed `neurosyn.Rule`, and ``rule_text``, its `rule_spec` string
    (storable, parseable again); a malformed rule exits through `fail` with the option named.
    """
    base = inspect.signature(command, eval_str=True)
    kept = [q for name, q in base.parameters.items() if name not in ("rule", "rule_text")]
    options = {"rule": (RuleName, "hebbian"), "rule_param": (RuleParam, None), "f_post": (FPost, None)}
    options["f_pre"] = (FPre, None)
    extra = [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
        for n, (a, d) in options.items()
    ]

    @functools.wraps(command)
    def wrapper(*args, rule="hebbian", rule_param=None, f_post=None, f_pre=None, **kwargs):
        import neurosyn as ns

        with failing_on():
            text = rule_spec(rule, rule_param, f_post, f_pre)
            parsed = ns.parse_rule(text)
        return command(*args, rule=parsed, rule_text=text, **kwargs)

    params = kept + extra
    wrapper.__signature__ = base.replace(parameters=params)
    wrapper.__annotations__ = {q.name: q.annotation for q in params} | {"return": None}
    return wrapper


def rule_network(N: int, g: float, k: float, p: float, rule, key):
    """``(Network, key)`` for a CLI run: a `Heterogeneous` rule gets the [N, N] time constants
    ``rule.sample_p`` drawn from a key split off ``key`` (the returned key is the rest)."""
    import jax.random as jr

    import neurosyn as ns

    p_net = p
    if isinstance(rule, ns.Heterogeneous):
        key_p, key = jr.split(key)
        p_net = rule.sample_p(key_p, N)
    return ns.Network(N=N, g=g, k=k, p=p_net, rule=rule), key


def require_rule(
    rule, *, delay: bool = True, per_synapse_p: bool = True, hebbian: bool = False, what: str, hint: str = ""
):
    """ValueError naming ``--rule`` if ``what`` (e.g. "the Eq. 21 support") cannot handle this rule.

    Args:
        delay / per_synapse_p: whether delayed rules (`STDP`) and per-synapse p (`Heterogeneous`) are allowed.
        hebbian: whether only the Hebbian rule (f_post = f_pre = φ, decaying, scalar p) is allowed.
        hint: appended to the message (what to do instead).
    """
    import neurosyn as ns

    if hebbian and rule != ns.hebbian:
        why = "is derived for the Hebbian rule only; valid: --rule hebbian"
    elif not delay and rule.delay() > 0:
        why = (
            f"needs the state (x, A) only, but a delayed rule's state also holds the activity of the last "
            f"d = {rule.delay()} time units; valid: any rule without a delay"
        )
    elif not per_synapse_p and isinstance(rule, ns.Heterogeneous):
        why = "needs one scalar p; valid: any rule with a single p"
    else:
        return
    raise ValueError(f"--rule {rule!r}: {what} {why}{hint}")


# --- errors, output --------------------------------------------------------------------------------------


@contextlib.contextmanager
def failing_on(*errors: type[BaseException]):
    """Turn the given exceptions (default ValueError) raised inside the block into `fail`."""
    errors = errors or (ValueError,)
    try:
        yield
    except errors as err:
        fail(str(err))


def to_jsonable(value):
    """Convert JAX/NumPy scalars and arrays to plain JSON values (NaN and inf become null)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "shape") or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.ndim == 0:
            return to_jsonable(arr.item())
        return [to_jsonable(v) for v in arr.tolist()]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit(result: dict, *, as_json: bool, summary: str) -> None:
    """Print one JSON object (and nothing else) to stdout with ``--json``, else the human summary."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result)) + "\n")
    else:
        typer.echo(summary)


def fail(message: str) -> None:
    """Exit with status 2 and a one-line error on stderr."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def out_path(path: str | None) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    return p


def write_netcdf(data_vars: dict, coords: dict, path: Path, prov: dict) -> None:
    """Write an xarray Dataset with provenance attributes atomically (temporary file, then rename)."""
    import xarray as xr

    import neurosyn as ns

    ds = xr.Dataset(data_vars, coords=coords, attrs=ns.provenance_attrs(prov))
    tmp = path.with_suffix(path.suffix + ".tmp")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(path)


def fmt(value, digits: int = 4) -> str:
    """Format a number for a summary line; None/NaN print as 'n/a'."""
    if value is None:
        return "n/a"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "n/a" if not math.isfinite(v) else f"{v:.{digits}g}"


def summary(title: str, rows: list[tuple[str, str]], *, wall: float, wrote: list[str] = ()) -> str:
    """A summary block: the title line, ``name = value`` rows aligned, the wall time and written files."""
    width = max([len(name) for name, _ in rows] + [4])
    lines = [title] + [f"  {name:<{width}} = {value}" for name, value in rows]
    lines.append(f"  {'wall':<{width}} = {wall:.2f} s")
    lines += [f"  wrote   {w}" for w in wrote]
    return "\n".join(lines)
