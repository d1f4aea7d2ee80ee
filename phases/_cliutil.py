"""Shared pieces of the `neurosyn` CLI: seeds, JSON output, summaries, saving with provenance."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import typer


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


def fmt(value, digits: int = 4) -> str:
    """Format a number for a summary line; None/NaN print as 'n/a'."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "n/a" if not math.isfinite(v) else f"{v:.{digits}g}"
