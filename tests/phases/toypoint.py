"""A cheap deterministic point function for sweep-engine tests (importable by spawned and Dask workers).

Not a test module: the tests put this folder on sys.path (or ship the module by value with cloudpickle).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np


@dataclasses.dataclass(frozen=True)
class Toy:
    """y = g·k + a seed-dependent draw; ``use_jax`` draws with JAX (checks JAX in worker processes)."""

    delay: float = 0.0
    use_jax: bool = False
    fail_above_k: float = np.inf

    def __call__(self, point, *, seed):
        if self.delay:
            time.sleep(self.delay)
        if point["k"] > self.fail_above_k:
            raise RuntimeError(f"toy failure at k={point['k']}")
        if self.use_jax:
            import jax.random as jr

            import neurosyn  # noqa: F401  (float64, as in every worker)

            draw = float(jr.normal(jr.key(seed), (), dtype="float64"))
        else:
            draw = float(np.random.default_rng(seed).normal())
        status = "not_converged" if point["g"] < 0 else "ok"
        return {"y": point["g"] * point["k"] + draw, "draw": draw, "status": status}
