"""Freezable-chaos lines on disk: the JSON checkpoint of `freezable_boundaries` and the tables shipped in
``dmft/data/`` (computed once by ``neurosyn freeze boundaries --out``), interpolated in g.

A table file is one JSON object: ``identity`` (g values, p, key data, settings repr: what a resumed run must
match), ``columns`` (one record per finished g: both lines, their errors, every evaluation), ``complete``,
and ``provenance`` (command, seed, versions, git SHA, time; written by the CLI).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import equinox as eqx
import jax.random as jr
import numpy as np

TABLE_DIR = Path(__file__).resolve().parent / "data"
_FORMAT = "neurosyn.freezable_lines/1"

APEX_K = 2.0 / (math.sqrt(3.0) * math.pi)
"""k at which both freezable-chaos lines meet as g → 1⁺: 2/(√3π) = 0.36755 (Eq. 39 at u = 1)."""
G_RELIABLE = 1.5
"""Smallest g at which computed freezable lines are trusted: below it the two-replica window fails."""


def from_apex(g, g_nodes, k_nodes):
    """A freezable line at g, linear between the apex (1, APEX_K) and the nodes (g_nodes, k_nodes).

    Below the first node this is the straight run from the apex that the tables and computed lines use where
    the two-replica window fails (g < G_RELIABLE). Returns a float for scalar g.
    """
    v = np.interp(np.asarray(g, dtype=float), np.r_[1.0, g_nodes], np.r_[APEX_K, k_nodes])
    return float(v) if v.ndim == 0 else v


def _identity(gs, p, key, settings) -> dict:
    return {
        "format": _FORMAT,
        "g": [float(v) for v in gs],
        "p": float(p),
        "key": np.asarray(jr.key_data(key)).ravel().tolist(),
        "settings": repr(settings),
    }


def _column_record(a, gs, out, conv, evals, nodes, window, walls) -> dict:
    return {
        "g": float(gs[a]),
        "k_semifreezable": float(out["semi"][a]),
        "k_semifreezable_err": float(out["semi_err"][a]),
        "k_freezable": float(out["free"][a]),
        "k_freezable_err": float(out["free_err"][a]),
        "converged": bool(conv[a]),
        "evaluations": [list(r) for r in evals[a]],
        "dmft_nodes": [float(v) for v in nodes[a]],
        "window_warnings": list(window[a]),
        "wall_s": float(walls[a]),
    }


def _atomic_write_json(path, obj) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path) -> dict:
    try:
        with open(path) as f:
            obj = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(
            f"freezable-lines file {str(path)!r} is not valid JSON ({err}); delete it or pass another path"
        ) from None
    if not isinstance(obj, dict) or obj.get("identity", {}).get("format") != _FORMAT:
        raise ValueError(f"{str(path)!r} is not a freezable-lines file (format {_FORMAT!r})")
    return obj


def _read_checkpoint(path, ident) -> dict[int, dict]:
    """Finished columns of a checkpoint, by index into the g values; {} if the file does not exist."""
    if not Path(path).exists():
        return {}
    obj = _read_json(path)
    mine = obj["identity"]
    for name in ("g", "p", "key", "settings"):
        if mine.get(name) != ident[name]:
            raise ValueError(
                f"checkpoint {str(path)!r} was made with another {name} ({mine.get(name)!r}, this run: "
                f"{ident[name]!r}); use the same arguments to resume, or another path"
            )
    return {int(i): c for i, c in obj["columns"].items()}


def _write_checkpoint(path, ident, done: dict[int, dict], provenance: dict | None = None) -> None:
    old = _read_json(path) if Path(path).exists() else {}
    _atomic_write_json(
        path,
        {
            "identity": ident,
            "columns": {str(i): c for i, c in sorted(done.items())},
            "complete": len(done) == len(ident["g"]),
            "provenance": provenance if provenance is not None else old.get("provenance"),
        },
    )


def add_provenance(path, provenance: dict) -> None:
    """Attach the provenance of a freezable-lines file; an earlier one (the run this one resumed) is kept in
    its ``previous`` list."""
    obj = _read_json(path)
    old = obj.get("provenance")
    if old:
        provenance = {**provenance, "previous": [*old.pop("previous", []), old]}
    obj["provenance"] = provenance
    _atomic_write_json(path, obj)


class LineTable(eqx.Module):
    """Tabulated semifreezable and freezable lines k(g) at one p, with errors and provenance.

    Attributes:
        p; g (increasing); k_semifreezable, k_freezable and their ``_err`` (as in `Boundaries`); converged;
        provenance (dict: command, seed, versions, git SHA, time); path (the file).
    Interpolation (`semifreezable`, `freezable`): linear in g between the tabulated values of converged
    columns (a column whose solves did not all converge stays in the file but is not used), and between
    g = 1, where both lines start at the apex 2/(√3π) (Eq. 39), and the first used g. Beyond the last used
    g: `ValueError`.
    """

    p: float
    g: np.ndarray
    k_semifreezable: np.ndarray
    k_semifreezable_err: np.ndarray
    k_freezable: np.ndarray
    k_freezable_err: np.ndarray
    converged: np.ndarray
    provenance: dict
    path: str

    def _interp(self, g, values):
        g = np.asarray(g, dtype=float)
        ok = np.isfinite(values) & self.converged
        g_max = float(self.g[ok][-1]) if ok.any() else 1.0
        if np.any(~(g > 1.0)) or np.any(g > g_max + 1e-12):
            raise ValueError(
                f"g (coupling strength) must be in (1, {g_max:g}] for the tabulated freezable lines at "
                f"p={self.p:g} (converged columns of {self.path}), got g={g!r}; compute others with "
                "dmft.freezable_boundaries"
            )
        return from_apex(g, self.g[ok], values[ok])

    def semifreezable(self, g):
        """k on the nonfreezable → semifreezable line at g (float or array)."""
        return self._interp(g, self.k_semifreezable)

    def freezable(self, g):
        """k on the semifreezable → freezable line at g (float or array)."""
        return self._interp(g, self.k_freezable)


def _table_path(p: float) -> Path:
    return TABLE_DIR / f"freezable_lines_p{float(p):g}.json"


def tabulated_p() -> list[float]:
    """The p values with a shipped table of freezable lines."""
    return sorted(float(f.stem.split("_p")[-1]) for f in TABLE_DIR.glob("freezable_lines_p*.json"))


def load_lines(path) -> LineTable:
    """Read a complete freezable-lines file (a shipped table or the ``--out`` of ``neurosyn freeze
    boundaries``) as a `LineTable`."""
    obj = _read_json(path)
    if not obj.get("complete"):
        raise ValueError(f"freezable-lines file {str(path)!r} is incomplete; resume the run that writes it")
    cols = sorted(obj["columns"].values(), key=lambda c: c["g"])
    arr = lambda name: np.asarray([c[name] for c in cols], dtype=float)
    return LineTable(
        p=float(obj["identity"]["p"]),
        g=arr("g"),
        k_semifreezable=arr("k_semifreezable"),
        k_semifreezable_err=arr("k_semifreezable_err"),
        k_freezable=arr("k_freezable"),
        k_freezable_err=arr("k_freezable_err"),
        converged=np.asarray([c["converged"] for c in cols], dtype=bool),
        provenance=obj.get("provenance") or {},
        path=str(path),
    )


def tabulated_lines(p: float = 2.5) -> LineTable:
    """The shipped table of the freezable-chaos lines at p (see ``dmft/data/``; `tabulated_p` lists them).

    Raises `ValueError` naming the tabulated p values when there is none at this p.
    """
    path = _table_path(p)
    if not math.isfinite(float(p)) or not path.exists():
        raise ValueError(
            f"p (synaptic time constant) has no tabulated freezable lines: got p={p!r}, tabulated p: "
            f"{tabulated_p()}; compute them with dmft.freezable_boundaries or `neurosyn freeze boundaries`"
        )
    return load_lines(path)
