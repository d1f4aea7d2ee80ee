import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import neurosyn as ns


def test_provenance_contents():
    prov = ns.provenance({"g": 2.0, "k": 1}, seed=7, argv=["x"])
    assert prov["seed"] == 7 and prov["params"] == {"g": 2.0, "k": 1} and prov["argv"] == ["x"]
    for lib in ("neurosyn", "jax", "equinox", "numpy"):
        assert prov["versions"][lib], lib
    assert prov["x64"] is True
    attrs = ns.provenance_attrs(prov)
    assert attrs["seed"] == 7 and attrs["param_g"] == 2.0
    assert json.loads(attrs["provenance"])["params"]["k"] == 1


def test_cli_simulate_json_and_out(tmp_path):
    out = tmp_path / "run.nc"
    cmd = [
        sys.executable,
        "-m",
        "phases",
        "simulate",
        "--N",
        "60",
        "--T",
        "40",
        "--dt",
        "0.1",
        "--g",
        "2",
        "--k",
        "1",
        "--seed",
        "3",
        "--json",
        "--out",
        str(out),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    for key in ("params", "var_x", "C0", "tau_star", "pr_A", "settled", "wall_s"):
        assert key in data
    assert data["params"]["N"] == 60 and data["seed"] == 3
    assert 0 < data["C0"] < 1 and data["var_x"] > data["C0"]  # tanh² < x² pointwise
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds.attrs["seed"] == 3 and ds.attrs["param_g"] == 2.0 and "jax" in ds.attrs["provenance"]
    assert float(ds["C0"]) == data["C0"]
    # τ* is flagged as a lower bound exactly when the rms of C/C(0) over the last 10 % of lags exceeds 0.1
    C = ds["C"].values
    assert data["tau_star_truncated"] == bool(np.sqrt(np.mean(C[-max(2, C.size // 10) :] ** 2)) > 0.1 * C[0])
    assert float(ds["tau_star"]) == pytest.approx(data["tau_star"], rel=1e-12)
    ds.close()


def test_cli_rejects_bad_input():
    res = subprocess.run(
        [sys.executable, "-m", "phases", "simulate", "--p", "-1", "--N", "10", "--T", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "p (synaptic time constant) must be > 0" in res.stderr and "p=-1.0" in res.stderr
