"""Provenance: what every output file records about how it was made."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jax

_LIBS = ("neurosyn", "jax", "jaxlib", "equinox", "optimistix", "numpy", "scipy", "xarray", "sympy")


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_sha() -> dict:
    """The git commit of the neurosyn checkout, with a dirty flag (None outside a checkout)."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return {"sha": None, "dirty": None}
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5
        )
        return {"sha": sha.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def provenance(params: dict | None = None, *, seed=None, argv=None) -> dict:
    """One dict saying how an output was made: parameters, seed, argv, versions, git SHA, device, time."""
    return {
        "params": dict(params or {}),
        "seed": seed,
        "argv": list(sys.argv if argv is None else argv),
        "versions": {name: _version(name) for name in _LIBS},
        "python": platform.python_version(),
        "git": git_sha(),
        "device": str(jax.devices()[0]),
        "x64": bool(jax.config.read("jax_enable_x64")),
        "host": platform.node(),
        "pid": os.getpid(),
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def provenance_attrs(prov: dict) -> dict:
    """Flatten provenance into NetCDF-safe attributes (strings and numbers), keeping the JSON whole too."""
    attrs = {"provenance": json.dumps(prov, default=str)}
    for k, v in prov.get("params", {}).items():
        if isinstance(v, bool):
            attrs[f"param_{k}"] = int(v)
        elif isinstance(v, int | float | str):
            attrs[f"param_{k}"] = v
        else:
            attrs[f"param_{k}"] = json.dumps(v, default=str)
    attrs["seed"] = -1 if prov.get("seed") is None else int(prov["seed"])
    attrs["neurosyn_version"] = str(prov["versions"].get("neurosyn"))
    attrs["git_sha"] = str(prov["git"].get("sha"))
    attrs["created_utc"] = prov["utc"]
    return attrs
