"""Scheduling overhead of `phases.sweep` on Dask against the local executor, for 1-second tasks.

Each point holds its worker for ``--task`` seconds (sleep by default, so the figure measures scheduling, not
contention for the shared cores; ``--spin`` burns CPU instead). Every task is one chunk (``chunk=1``), the
worst case for overhead, and both runs write the same checkpoints. Printed, not asserted:

    overhead = wall(executor) / (n_tasks · task / n_workers) − 1        target ≤ 5 % for Dask

Run: ``python benchmarks/bench_phases.py [--tasks 12] [--task 1.0] [--workers 1] [--spin]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Hold:
    """A point that takes ``seconds`` of wall time and returns g·k."""

    seconds: float = 1.0
    spin: bool = False

    def __call__(self, point, *, seed):
        t0 = time.perf_counter()
        if self.spin:
            x = 0
            while time.perf_counter() - t0 < self.seconds:
                x += 1
        else:
            time.sleep(self.seconds)
        return {"y": point["g"] * point["k"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=12)
    ap.add_argument("--task", type=float, default=1.0, help="seconds per task")
    ap.add_argument("--workers", type=int, default=1, help="Dask workers (one thread each)")
    ap.add_argument("--spin", action="store_true", help="busy-wait instead of sleeping")
    args = ap.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))  # workers import Hold from this file by name
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")]
    )
    import distributed
    from bench_phases import Hold as HoldByName  # the importable copy, so spawned workers find it

    import phases

    fn = HoldByName(args.task, args.spin)
    grid = {"g": f"1:{args.tasks}:{args.tasks}", "k": "1"}
    ideal_local = args.tasks * args.task
    ideal_dask = args.tasks * args.task / args.workers
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"python {platform.python_version()}"
    )
    print(
        f"tasks: {args.tasks} x {args.task:g} s ({'spin' if args.spin else 'sleep'}), chunk=1, "
        f"dask workers={args.workers}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        # warm the local process as the Dask workers are warmed (xarray/h5netcdf imports, first write)
        phases.sweep(HoldByName(0.0), {"g": "1", "k": "1"}, out=Path(tmp) / "warm.nc", progress=False)
        t0 = time.perf_counter()
        ref = phases.sweep(fn, grid, out=Path(tmp) / "local.nc", chunk=1, progress=False)
        local = time.perf_counter() - t0
        with distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            t_start = time.perf_counter()
            with distributed.Client(cluster) as client:
                client.wait_for_workers(args.workers)
                client.run(
                    lambda: __import__("phases")
                )  # warm the workers' imports (JAX), as a live cluster is
                warm = time.perf_counter() - t_start
                t0 = time.perf_counter()
                res = phases.sweep(
                    fn,
                    grid,
                    out=Path(tmp) / "dask.nc",
                    chunk=1,
                    progress=False,
                    scheduler=cluster.scheduler_address,
                )
                dask_wall = time.perf_counter() - t0
        assert (res.y.values == ref.y.values).all()
    print(
        f"local : wall {local:7.2f} s   ideal {ideal_local:6.2f} s   overhead {local / ideal_local - 1:+.1%}"
    )
    print(
        f"dask  : wall {dask_wall:7.2f} s   ideal {ideal_dask:6.2f} s   "
        f"overhead {dask_wall / ideal_dask - 1:+.1%}"
        f"   (cluster start and worker imports {warm:.1f} s, not counted)"
    )
    print(f"ratio dask/local per task-second: {(dask_wall * args.workers) / local:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
