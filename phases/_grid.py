"""Parameter grids for sweeps: axis specs ``start:stop:num`` or comma lists, and per-point seeds."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping

import numpy as np


def parse_axis(name: str, spec) -> np.ndarray:
    """Parse one grid axis.

    Args:
        name: the parameter the axis sweeps (used in error messages).
        spec: ``"start:stop:num"`` (``num`` points from start to stop inclusive, like `numpy.linspace`,
            rounded to 12 decimals so that a grid point equals the number typed for it),
            a comma list ``"0.5,1,2"``, a single number, or a sequence of numbers.
    Returns:
        float64 array of finite, distinct values (in the given order).
    """
    if isinstance(spec, str):
        s = spec.strip()
        if not s:
            raise ValueError(f"grid axis {name} is empty; use start:stop:num (e.g. 0:3:31) or a list a,b,c")
        if ":" in s:
            parts = s.split(":")
            if len(parts) != 3:
                raise ValueError(
                    f"grid axis {name}={spec!r} must be start:stop:num with three fields (e.g. 0:3:31), "
                    f"got {len(parts)}"
                )
            try:
                start, stop = float(parts[0]), float(parts[1])
            except ValueError:
                raise ValueError(f"grid axis {name}={spec!r}: start and stop must be numbers") from None
            try:
                num = int(parts[2])
            except ValueError:
                raise ValueError(
                    f"grid axis {name}={spec!r}: num must be an integer >= 1, got {parts[2]!r}"
                ) from None
            if num < 1:
                raise ValueError(f"grid axis {name}={spec!r}: num must be an integer >= 1, got {num}")
            if num > 1 and start == stop:
                raise ValueError(f"grid axis {name}={spec!r}: start == stop with num={num} repeats one value")
            values = np.round(np.linspace(start, stop, num), 12)  # 0.85, not 0.8500000000000001: sel(g=0.85)
        else:
            try:
                values = np.array([float(v) for v in s.split(",")])
            except ValueError:
                raise ValueError(
                    f"grid axis {name}={spec!r} is neither start:stop:num nor a comma list of numbers"
                ) from None
    else:
        try:
            values = np.atleast_1d(np.asarray(spec, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError(f"grid axis {name}={spec!r} must be numbers") from None
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"grid axis {name} must be a non-empty 1-d list of numbers, got shape {values.shape}"
            )
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"grid axis {name}={spec!r} contains a non-finite value: {values.tolist()}")
    if np.unique(values).size != values.size:
        raise ValueError(f"grid axis {name}={spec!r} repeats a value: {values.tolist()}")
    return values


class Grid:
    """An ordered product grid, e.g. ``Grid(g="0:3.3:34", k="-1:3:41")``.

    Points are dicts ``{"g": ..., "k": ...}``, in C order (the last axis varies fastest).
    """

    def __init__(self, axes: Mapping | None = None, /, **kw):
        axes = dict(axes or {}, **kw)
        if not axes:
            raise ValueError("a grid needs at least one axis, e.g. Grid(g='0:3:31', k='-1:2:31')")
        self.axes = {str(n): parse_axis(str(n), v) for n, v in axes.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(v.size for v in self.axes.values())

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def point(self, flat: int) -> dict[str, float]:
        idx = np.unravel_index(flat, self.shape)
        return {n: float(v[i]) for (n, v), i in zip(self.axes.items(), idx, strict=True)}

    def to_json(self) -> str:
        """Exact description (floats as ``repr``), used to recognise a checkpoint of the same grid."""
        return json.dumps({n: [repr(float(x)) for x in v] for n, v in self.axes.items()})

    def __eq__(self, other) -> bool:
        return isinstance(other, Grid) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return "Grid(" + ", ".join(f"{n}=[{v[0]:g}..{v[-1]:g}] x{v.size}" for n, v in self.axes.items()) + ")"


def point_seed(seed: int, point: Mapping[str, float]) -> int:
    """Deterministic 63-bit seed of one grid point: a hash of the global seed and the point's parameters.

    Independent of the grid it sits in, of the chunking and of the execution order, so a resumed or
    distributed run draws exactly the random numbers of an uninterrupted local one.
    """
    text = json.dumps({"seed": int(seed), "point": {n: repr(float(v)) for n, v in sorted(point.items())}})
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1
