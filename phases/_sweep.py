"""The sweep engine: run a point function over a grid, locally or on Dask, with atomic checkpoints and resume.

A point function is any picklable callable ``fn(point: dict[str, float], *, seed: int) -> dict``. It returns
scalar outputs by name and may add ``"status"`` (``"ok"``, ``"not_converged"`` or ``"failed"``) and a
``"message"``. An exception inside it marks that point ``failed`` (with the message) and the sweep goes on.

Storage is one NetCDF file (xarray, h5netcdf): one float64 variable per output over the grid axes, NaN where
not computed, plus ``status`` (int8 flags: 0 pending, 1 ok, 2 not_converged, 3 failed), ``message``, ``seed``
and ``wall_s``. Failed points stay in the file as data. The file is the checkpoint: it is rewritten atomically
(temporary file, then rename) after each completed chunk, so a killed run leaves the last complete checkpoint.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

import neurosyn as ns

from ._grid import Grid, point_seed

STATUS_CODES = {"pending": 0, "ok": 1, "not_converged": 2, "failed": 3}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
_RESERVED = ("status", "message", "seed", "wall_s")


class CheckpointError(ns.NeurosynError):
    """A checkpoint is unreadable or belongs to a different sweep (grid, parameters, seed or function)."""


def _fn_name(fn) -> str:
    """``module.qualname`` of a function, or of the class of a callable object."""
    obj = fn if hasattr(fn, "__qualname__") else type(fn)
    return f"{obj.__module__}.{obj.__qualname__}"


def _fn_params(fn) -> dict:
    """The configuration of a point function: its dataclass fields, or ``fn.sweep_params`` if it has one."""
    if hasattr(fn, "sweep_params"):
        return dict(fn.sweep_params)
    if dataclasses.is_dataclass(fn) and not isinstance(fn, type):
        return dataclasses.asdict(fn)
    return {}


def _signature(grid: Grid, fn_name: str, params_json: str, seed: int) -> str:
    text = json.dumps([grid.to_json(), fn_name, params_json, int(seed)])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def run_chunk(fn, items):
    """Evaluate ``fn`` on ``items`` = [(flat index, point, seed), ...], in whichever process gets the chunk.

    Returns [(flat index, status code, message, {name: float}, wall seconds), ...]. Exceptions become
    ``failed`` points. ``fn`` may be a cloudpickle blob (local process pool).
    """
    if isinstance(fn, bytes):
        import cloudpickle

        fn = cloudpickle.loads(fn)
    out = []
    for flat, point, seed in items:
        t0 = time.perf_counter()
        try:
            res = dict(fn(dict(point), seed=int(seed)))
            status = res.pop("status", "ok")
            if status not in STATUS_CODES or status == "pending":
                raise ValueError(
                    f"point function returned status={status!r}; valid: ok, not_converged, failed"
                )
            message = str(res.pop("message", ""))
            values = {}
            for name, v in res.items():
                if name in _RESERVED:
                    raise ValueError(f"point function output name {name!r} is reserved by the sweep")
                values[str(name)] = float(np.asarray(v))
        except Exception as err:  # a failed point is data, not a crashed sweep
            status, message, values = "failed", f"{type(err).__name__}: {err}", {}
        out.append((int(flat), STATUS_CODES[status], message, values, time.perf_counter() - t0))
    return out


class _Store:
    """In-memory arrays of a sweep, written to NetCDF atomically."""

    def __init__(self, grid: Grid, seeds: np.ndarray):
        self.grid = grid
        self.status = np.zeros(grid.shape, np.int8)
        self.message = np.full(grid.shape, "", dtype=object)
        self.seed = seeds
        self.wall = np.full(grid.shape, np.nan)
        self.data: dict[str, np.ndarray] = {}

    def put(self, flat, status, message, values, wall):
        idx = np.unravel_index(flat, self.grid.shape)
        for name in self.data:  # a recomputed point must not keep stale values
            self.data[name][idx] = np.nan
        for name, v in values.items():
            if name not in self.data:
                self.data[name] = np.full(self.grid.shape, np.nan)
            self.data[name][idx] = v
        self.status[idx] = status
        self.message[idx] = message
        self.wall[idx] = wall

    def dataset(self, attrs: dict):
        import xarray as xr

        dims = self.grid.names
        counts = {name: int(np.sum(self.status == code)) for name, code in STATUS_CODES.items()}
        ds = xr.Dataset(
            {name: (dims, arr) for name, arr in sorted(self.data.items())},
            coords=dict(self.grid.axes),
        )
        ds["status"] = (
            dims,
            self.status,
            {
                "flag_values": np.array(list(STATUS_CODES.values()), np.int8),
                "flag_meanings": " ".join(STATUS_CODES),
                "long_name": "per-point status; failed and not_converged points are kept (NaN or flagged)",
            },
        )
        ds["message"] = (dims, self.message.astype(str))
        ds["seed"] = (dims, self.seed, {"long_name": "per-point seed = hash(global seed, point parameters)"})
        ds["wall_s"] = (
            dims,
            self.wall,
            {"long_name": "wall time of the point (diagnostic, not reproducible)"},
        )
        ds.attrs.update(attrs)
        ds.attrs.update({f"n_{name}": n for name, n in counts.items()})
        ds.attrs["complete"] = int(counts["pending"] == 0)
        return ds

    def load(self, ds):
        self.status[...] = ds["status"].values
        self.message[...] = ds["message"].values.astype(object)
        self.wall[...] = ds["wall_s"].values
        for name in ds.data_vars:
            if name not in _RESERVED:
                self.data[name] = np.array(ds[name].values, dtype=np.float64)


def write_atomic(ds, path: Path) -> None:
    """Write ``ds`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_checkpoint(path) -> object:
    """Open a sweep file fully into memory; a file that cannot be read raises `CheckpointError`."""
    import xarray as xr

    path = Path(path)
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except Exception as err:
        raise CheckpointError(
            f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); "
            "delete it or choose another --out"
        ) from err
    missing = [v for v in ("status", "message", "seed", "wall_s") if v not in ds.variables]
    if missing or "sweep_signature" not in ds.attrs:
        raise CheckpointError(
            f"{path} is not a neurosyn sweep checkpoint (missing {missing or 'sweep_signature'})"
        )
    return ds


def _check_match(ds, path, grid, fn_name, params_json, seed, signature):
    if ds.attrs["sweep_signature"] == signature:
        return
    diffs = []
    if ds.attrs.get("sweep_grid") != grid.to_json():
        old = Grid({n: [float(x) for x in v] for n, v in json.loads(ds.attrs["sweep_grid"]).items()})
        diffs.append(f"grid {old!r} != {grid!r}")
    if ds.attrs.get("sweep_fn") != fn_name:
        diffs.append(f"point function {ds.attrs.get('sweep_fn')} != {fn_name}")
    if ds.attrs.get("sweep_params") != params_json:
        old, new = json.loads(ds.attrs["sweep_params"]), json.loads(params_json)
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        diffs.append("parameters " + ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys))
    if int(ds.attrs.get("sweep_seed", -1)) != int(seed):
        diffs.append(f"seed {ds.attrs.get('sweep_seed')} != {seed}")
    raise CheckpointError(
        f"checkpoint {path} belongs to a different sweep ({'; '.join(diffs) or 'signature differs'}); "
        "rerun with the original settings, or drop --resume to start afresh"
    )


def _connect(scheduler, timeout: float):
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(
            f"scheduler must be a Dask scheduler address such as 'tcp://host:8786' or a Client, "
            f"got scheduler={scheduler!r}"
        )
    try:
        return Client(scheduler, timeout=f"{timeout}s", set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as err:
        raise ConnectionError(
            f"could not reach the Dask scheduler at {scheduler!r} within {timeout:g} s ({err}); "
            "start one with "
            "`dask scheduler` (and workers with `dask worker ADDRESS`), fix the address, or drop --scheduler "
            "to run locally"
        ) from err


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt while sweeping, so pools and clients shut down cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def sweep(
    point_fn: Callable,
    grid: Grid | Mapping,
    *,
    out,
    seed: int = 0,
    resume: bool = False,
    scheduler=None,
    workers: int = 0,
    chunk: int | None = None,
    progress: bool = True,
    params: Mapping | None = None,
    argv=None,
    connect_timeout: float = 10.0,
):
    """Evaluate ``point_fn`` at every point of ``grid`` and store the results with per-point status.

    Args:
        point_fn: picklable ``fn(point, *, seed) -> dict`` of scalar outputs (see the module docstring). Its
            configuration (dataclass fields or ``sweep_params``) is part of the checkpoint's identity.
        grid: `Grid` or a mapping of axis specs, e.g. ``{"g": "0:3.3:34", "k": "-1:3:41"}``.
        out: NetCDF path; it is the checkpoint, rewritten atomically after each chunk.
        seed: global integer seed; point seeds are ``point_seed(seed, point)``.
        resume: continue from ``out``: only pending and failed points are computed. The checkpoint must come
            from the same grid, point function, parameters and seed (else `CheckpointError`).
        scheduler: None to run locally, or a Dask scheduler address (``"tcp://host:8786"``) or ``Client``.
        workers: local only: 0 runs in this process, n > 0 uses a pool of n spawned processes.
        chunk: points per task and per checkpoint; default one column (the size of the last axis).
        progress: tqdm bar with ETA on stderr.
        params: extra parameters recorded in the provenance (not part of the identity).
        argv: command line for the provenance (default sys.argv).
        connect_timeout: seconds to wait for a Dask scheduler.
    Returns:
        The `xarray.Dataset` written to ``out``.
    Assumptions:
        ``point_fn`` is deterministic given (point, seed): then a resumed, pooled or Dask run equals an
        uninterrupted local one exactly (``wall_s`` aside).
    """
    if not callable(point_fn):
        raise ValueError(f"point_fn must be callable, got point_fn={point_fn!r}")
    grid = grid if isinstance(grid, Grid) else Grid(grid)
    seed = ns.check_int("seed", seed, "global integer seed", minimum=0)
    workers = ns.check_int("workers", workers, "local worker processes (0 = in-process)", minimum=0)
    chunk = grid.shape[-1] if chunk is None else ns.check_int("chunk", chunk, "points per task", minimum=1)
    ns.check_positive("connect_timeout", connect_timeout, "seconds to wait for the scheduler")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)

    fn_name = _fn_name(point_fn)
    fn_params = _fn_params(point_fn)
    params_json = json.dumps(fn_params, sort_keys=True, default=str)
    signature = _signature(grid, fn_name, params_json, seed)
    seeds = np.array([point_seed(seed, grid.point(i)) for i in range(grid.size)], np.int64).reshape(
        grid.shape
    )
    store = _Store(grid, seeds)
    first_utc = None
    n_resumes = 0
    if resume and out.exists():
        ds = read_checkpoint(out)
        _check_match(ds, out, grid, fn_name, params_json, seed, signature)
        if not np.array_equal(ds["seed"].values, seeds):
            raise CheckpointError(
                f"checkpoint {out} has per-point seeds that differ from this version's; start afresh"
            )
        store.load(ds)
        first_utc = ds.attrs.get("first_created_utc")
        n_resumes = int(ds.attrs.get("n_resumes", 0)) + 1

    prov = ns.provenance(
        {**fn_params, **dict(params or {}), "grid": json.loads(grid.to_json())}, seed=seed, argv=argv
    )
    attrs = ns.provenance_attrs(prov)
    attrs.update(
        sweep_signature=signature,
        sweep_grid=grid.to_json(),
        sweep_fn=fn_name,
        sweep_params=params_json,
        sweep_seed=seed,
        first_created_utc=first_utc or prov["utc"],
        n_resumes=n_resumes,
        executor="local" if scheduler is None and workers == 0 else ("pool" if scheduler is None else "dask"),
        seeding="per point: seed = point_seed(global seed, point parameters); no randomness is shared "
        "between points (each point draws its own J, initial state and kicks)",
    )

    flat_status = store.status.reshape(-1)
    todo = [
        i for i in range(grid.size) if flat_status[i] in (STATUS_CODES["pending"], STATUS_CODES["failed"])
    ]
    chunks = [
        [(i, grid.point(i), int(seeds.reshape(-1)[i])) for i in todo[j : j + chunk]]
        for j in range(0, len(todo), chunk)
    ]
    write_atomic(store.dataset(attrs), out)  # the run exists on disk before any work

    bar = None
    if progress and chunks:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(todo),
            desc=f"sweep {fn_name.rsplit('.', 1)[-1]}",
            unit="pt",
            file=sys.stderr,
            dynamic_ncols=True,
        )

    # in-process runs write checkpoints on a background thread while the next chunk computes (workers and
    # Dask already overlap them); the last snapshot is always written before sweep returns or re-raises
    writer = _BackgroundWriter(out) if scheduler is None and workers == 0 else None

    def done(results):
        for r in results:
            store.put(*r)
        snapshot = store.dataset(attrs)
        if writer is None:
            write_atomic(snapshot, out)
        else:
            writer.submit(snapshot.copy(deep=True))
        if bar is not None:
            bar.update(len(results))

    try:
        with _sigterm_as_interrupt():
            if scheduler is not None:
                _run_dask(point_fn, chunks, scheduler, connect_timeout, done)
            elif workers > 0:
                _run_pool(point_fn, chunks, workers, done)
            else:
                for items in chunks:
                    done(run_chunk(point_fn, items))
    finally:
        if writer is not None:
            writer.close()
        if bar is not None:
            bar.close()
    return store.dataset(attrs)


class _BackgroundWriter:
    """Writes the newest checkpoint snapshot on one thread. Snapshots that arrive during a write are
    coalesced (only the newest is written next), so a slow disk never queues stale work; `close` waits for the
    last snapshot and re-raises a failed write."""

    def __init__(self, out: Path):
        self.out = out
        self.lock = threading.Lock()
        self.latest = None
        self.running = False
        self.pool = cf.ThreadPoolExecutor(1)
        self.futures: list = []

    def _drain(self):
        while True:
            with self.lock:
                ds, self.latest = self.latest, None
                if ds is None:
                    self.running = False
                    return
            write_atomic(ds, self.out)

    def submit(self, ds) -> None:
        for f in [f for f in self.futures if f.done()]:
            f.result()  # re-raises a failed write
            self.futures.remove(f)
        with self.lock:
            self.latest = ds
            if self.running:
                return
            self.running = True
        self.futures.append(self.pool.submit(self._drain))

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for f in self.futures:
            f.result()


def _run_pool(point_fn, chunks, workers, done):
    import concurrent.futures as cf
    import multiprocessing as mp

    import cloudpickle

    blob = cloudpickle.dumps(point_fn)  # by value where needed, so functions from __main__ or notebooks work
    # spawn, never fork: forking a process that has imported JAX can deadlock
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(run_chunk, blob, items) for items in chunks]
        try:
            for fut in cf.as_completed(futures):
                done(fut.result())
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _run_dask(point_fn, chunks, scheduler, timeout, done):
    from distributed import as_completed

    client, owned = _connect(scheduler, timeout)
    futures = []
    try:
        if chunks and not client.scheduler_info().get("workers"):
            with contextlib.suppress(Exception):
                client.wait_for_workers(1, timeout=timeout)
        futures = [client.submit(run_chunk, point_fn, items, pure=False) for items in chunks]
        for fut in as_completed(futures):
            done(fut.result())
    finally:
        for f in futures:
            f.cancel()
        if owned:
            client.close()


def status_counts(ds) -> dict[str, int]:
    """Number of points per status in a sweep dataset."""
    s = np.asarray(ds["status"].values)
    return {name: int(np.sum(s == code)) for name, code in STATUS_CODES.items()}


def masked(ds, name: str, *, allow=("ok",)):
    """``ds[name]`` with every point whose status is not in ``allow`` set to NaN (for plots and tables)."""
    codes = [STATUS_CODES[a] for a in allow]
    return ds[name].where(ds["status"].isin(codes))
