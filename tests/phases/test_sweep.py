"""Sweep engine: grids, seeds, status as data, atomic checkpoints, kill-and-resume, local pool and Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import phases

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # toypoint must be importable by name (also by spawned workers, via PYTHONPATH)
from toypoint import Toy  # noqa: E402

REPRODUCIBLE = ("y", "draw", "status", "message", "seed")  # every variable except the diagnostic wall_s


def assert_same(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name in REPRODUCIBLE:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    for name in a.coords:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


# ---------------------------------------------------------------- grids and seeds


def test_parse_axis_forms():
    np.testing.assert_array_equal(phases.parse_axis("g", "0:3:4"), [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(phases.parse_axis("k", "-1,0.5,2"), [-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(phases.parse_axis("p", "2.5"), [2.5])
    np.testing.assert_array_equal(phases.parse_axis("p", [1, 2]), [1.0, 2.0])
    # a ranged axis holds the decimal values themselves (linspace alone gives 17·0.05 = 0.8500000000000001)
    g = phases.parse_axis("g", "0:3.25:66")
    assert 0.85 in g and 2.25 in g and g[-1] == 3.25
    np.testing.assert_allclose(g, np.linspace(0, 3.25, 66), rtol=0, atol=1e-12)
    assert phases.Grid(g="0:3.3:34", k="-1:3:41").shape == (34, 41)


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("0:3", "three fields"),
        ("0:3:x", "num must be an integer"),
        ("0:3:0", "num must be an integer >= 1"),
        ("a:3:4", "start and stop must be numbers"),
        ("1,2,foo", "comma list"),
        ("1,1", "repeats"),
        ("nan,1", "non-finite"),
        ("", "empty"),
        ("2:2:3", "repeats one value"),
    ],
)
def test_parse_axis_errors_name_the_axis(spec, needle):
    with pytest.raises(ValueError, match=needle) as info:
        phases.parse_axis("g", spec)
    assert "g" in str(info.value)


def test_point_seed_depends_on_point_and_seed_only():
    a = phases.Grid(g="0:1:3", k="0,1")
    b = phases.Grid(g="0.5,1", k="1,5,7")
    pa, pb = a.point(5), b.point(3)  # both are (g=1, k=1)
    assert pa == pb == {"g": 1.0, "k": 1.0}
    assert phases.point_seed(3, pa) == phases.point_seed(3, pb)
    assert phases.point_seed(3, pa) != phases.point_seed(4, pa)
    assert phases.point_seed(3, pa) != phases.point_seed(3, a.point(4))
    assert 0 <= phases.point_seed(3, pa) < 2**63


# ---------------------------------------------------------------- status, storage, resume


def test_failed_points_are_kept_and_only_they_are_recomputed(tmp_path):
    calls = []
    broken = {"on": True}

    def f(point, *, seed):
        calls.append(point)
        if broken["on"] and point["k"] == 2.0:
            raise RuntimeError("solver blew up")
        return {"y": point["g"] + 10 * point["k"], "status": "not_converged" if point["g"] == 0 else "ok"}

    out = tmp_path / "s.nc"
    ds = phases.sweep(f, {"g": "0:2:3", "k": "0:2:3"}, out=out, progress=False)
    assert len(calls) == 9
    codes = phases.STATUS_CODES
    assert (ds.status.sel(k=2.0) == codes["failed"]).all()
    assert np.isnan(ds.y.sel(k=2.0)).all()  # failed points are kept, masked, never dropped
    assert (ds.message.sel(k=2.0) == "RuntimeError: solver blew up").all()
    assert (ds.status.sel(g=0.0, k=[0.0, 1.0]) == codes["not_converged"]).all()
    np.testing.assert_array_equal(ds.y.sel(g=1.0, k=[0.0, 1.0]), [1.0, 11.0])
    assert phases.status_counts(ds) == {"pending": 0, "ok": 4, "not_converged": 2, "failed": 3}
    assert np.isnan(phases.masked(ds, "y").sel(g=0.0, k=0.0))

    disk = phases.read_checkpoint(out)
    assert_same(
        disk[["y", "status", "message", "seed"]].assign(draw=disk.y),
        ds[["y", "status", "message", "seed"]].assign(draw=ds.y),
    )
    assert disk.attrs["complete"] == 1 and disk.attrs["git_sha"]

    broken["on"] = False
    calls.clear()
    ds2 = phases.sweep(f, {"g": "0:2:3", "k": "0:2:3"}, out=out, resume=True, progress=False)
    assert sorted(p["g"] for p in calls) == [0.0, 1.0, 2.0] and all(p["k"] == 2.0 for p in calls)
    assert phases.status_counts(ds2)["failed"] == 0
    np.testing.assert_array_equal(ds2.y.sel(k=2.0), [20.0, 21.0, 22.0])
    assert ds2.attrs["n_resumes"] == 1


def test_bad_output_names_and_statuses_fail_the_point(tmp_path):
    ds = phases.sweep(
        lambda pt, *, seed: {"status": "weird"}, {"g": "1", "k": "1"}, out=tmp_path / "a.nc", progress=False
    )
    assert ds.status.item() == phases.STATUS_CODES["failed"] and "weird" in str(ds.message.values)


def test_mismatched_and_corrupt_checkpoints(tmp_path):
    out = tmp_path / "c.nc"
    grid = {"g": "0:1:2", "k": "0:1:2"}
    phases.sweep(Toy(), grid, out=out, progress=False)
    with pytest.raises(phases.CheckpointError, match="grid"):
        phases.sweep(Toy(), {"g": "0:1:3", "k": "0:1:2"}, out=out, resume=True, progress=False)
    with pytest.raises(phases.CheckpointError, match=r"parameters delay: 0.0 -> 0.5"):
        phases.sweep(Toy(delay=0.5), grid, out=out, resume=True, progress=False)
    with pytest.raises(phases.CheckpointError, match="seed 0 != 1"):
        phases.sweep(Toy(), grid, out=out, seed=1, resume=True, progress=False)
    out.write_bytes(out.read_bytes()[:200])  # truncated, as by a crash of a non-atomic writer
    with pytest.raises(phases.CheckpointError, match="unreadable"):
        phases.sweep(Toy(), grid, out=out, resume=True, progress=False)
    # without resume, a fresh run replaces the file
    ds = phases.sweep(Toy(), grid, out=out, progress=False)
    assert phases.status_counts(ds)["ok"] == 4


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError, match="chunk"):
        phases.sweep(Toy(), {"g": "1", "k": "1"}, out=tmp_path / "x.nc", chunk=0)
    with pytest.raises(ValueError, match="point_fn must be callable"):
        phases.sweep(3, {"g": "1", "k": "1"}, out=tmp_path / "x.nc")
    with pytest.raises(ValueError, match="scheduler"):
        phases.sweep(Toy(), {"g": "1", "k": "1"}, out=tmp_path / "x.nc", scheduler=5, progress=False)


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"could not reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        phases.sweep(
            Toy(),
            {"g": "1", "k": "1"},
            out=tmp_path / "x.nc",
            scheduler="tcp://127.0.0.1:9",
            connect_timeout=1.0,
            progress=False,
        )
    assert time.perf_counter() - t0 < 20


# ---------------------------------------------------------------- kill and resume

_RUNNER = """
import sys
sys.path.insert(0, {here!r})
import phases
from toypoint import Toy
phases.sweep(Toy(delay=0.02), {{"g": "-0.5:3:8", "k": "-1:2:7"}}, out={out!r}, chunk=3, seed=7,
             progress=False, resume=True)
"""


def _start(out):
    code = _RUNNER.format(here=str(HERE), out=str(out))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_points(out, n_min, proc, timeout=60.0):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        assert proc.poll() is None, proc.stderr.read().decode()
        if out.exists():
            attrs = phases.read_checkpoint(out).attrs  # atomic writes: never a half-written file
            done = int(attrs["n_ok"]) + int(attrs["n_not_converged"])
            if done >= n_min:
                return done
        time.sleep(0.05)
    raise AssertionError("sweep subprocess made no progress")


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    grid = {"g": "-0.5:3:8", "k": "-1:2:7"}  # 56 points, 20 ms each
    ref = phases.sweep(Toy(), grid, out=tmp_path / "ref.nc", chunk=5, seed=7, progress=False)

    out = tmp_path / "run.nc"
    proc = _start(out)
    done1 = _wait_for_points(out, 6, proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    part = phases.read_checkpoint(out)
    assert 0 < part.attrs["n_pending"] < 56
    done1 = 56 - int(part.attrs["n_pending"])  # what the interrupted run left (its last write included)

    proc = _start(out)
    _wait_for_points(out, done1 + 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    part = phases.read_checkpoint(out)
    n_left = int(part.attrs["n_pending"])
    assert 0 < n_left < 56 - done1
    kept = part.status.values != 0

    proc = _start(out)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    final = phases.read_checkpoint(out)
    assert final.attrs["complete"] == 1 and final.attrs["n_resumes"] == 2
    assert_same(final, ref)
    # finished points were never recomputed: their wall times survive from the interrupted runs
    np.testing.assert_array_equal(final.wall_s.values[kept], part.wall_s.values[kept])


# ---------------------------------------------------------------- executors


@pytest.fixture
def worker_path(monkeypatch):
    """Spawned workers import toypoint by name."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))


def test_local_process_pool_equals_in_process(tmp_path, worker_path):
    grid = {"g": "0:2:3", "k": "-1:1:4"}
    ref = phases.sweep(Toy(use_jax=True), grid, out=tmp_path / "a.nc", seed=3, progress=False)
    pool = phases.sweep(
        Toy(use_jax=True), grid, out=tmp_path / "b.nc", seed=3, workers=2, chunk=2, progress=False
    )
    assert_same(pool, ref)
    assert pool.attrs["executor"] == "pool"


def test_dask_local_cluster_equals_local(tmp_path, worker_path):
    distributed = pytest.importorskip("distributed")  # a declared dependency; importorskip only names it
    grid = {"g": "0:2:3", "k": "-1:1:4"}
    ref = phases.sweep(
        Toy(use_jax=True, fail_above_k=0.5), grid, out=tmp_path / "a.nc", seed=3, progress=False
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        by_addr = phases.sweep(
            Toy(use_jax=True, fail_above_k=0.5),
            grid,
            out=tmp_path / "b.nc",
            seed=3,
            scheduler=cl.scheduler_address,
            chunk=3,
            progress=False,
        )
        by_client = phases.sweep(
            Toy(use_jax=True, fail_above_k=0.5),
            grid,
            out=tmp_path / "c.nc",
            seed=3,
            scheduler=client,
            chunk=5,
            progress=False,
        )
    assert_same(by_addr, ref)
    assert_same(by_client, ref)
    assert by_addr.attrs["executor"] == "dask"
    assert phases.status_counts(ref)["failed"] == 3
