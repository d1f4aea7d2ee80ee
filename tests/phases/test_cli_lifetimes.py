"""`neurosyn lifetimes`: the Fig. 3b run from the command line, its record and its errors."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from typer.testing import CliRunner

import neurosyn as ns
from phases.cli import app

runner = CliRunner()


def test_lifetimes_cli_record_matches_the_library(tmp_path):
    # k = 0 at g = 0.8: the trivial fixed point attracts every network deformed from g = 1.2, so all collapse
    args = ["--g", "0.8", "--k", "0", "--N", "30", "--networks", "4", "--T-cap", "200", "--chunk", "100"]
    args += ["--g-start", "1.2", "--g-step", "0.4", "--t-step", "5", "--stop", "all", "--seed", "5"]
    out = tmp_path / "life.nc"
    res = runner.invoke(app, ["lifetimes", *args, "--json", "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["counts"]["collapsed"] == 4 and data["exact"]
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.attrs["seed"] == 5 and ds.attrs["param_N"] == 30 and "jax" in ds.attrs["provenance"]
        collapsed = ds.outcome.values == ns.Lifetimes.COLLAPSED
        assert np.median(ds.t_end.values[ds.outcome.values != ns.Lifetimes.DEAD]) == data["median"]
        assert np.all(ds.t_end.values[collapsed] <= 200.0)
    assert not (tmp_path / "life.nc.ckpt.npz").exists()  # removed once the record is written


def test_lifetimes_cli_errors():
    res = runner.invoke(app, ["lifetimes", "--networks", "0"])
    assert res.exit_code == 2
    assert "networks (number of independent networks) must be an integer >= 1" in res.output
    res = runner.invoke(app, ["lifetimes", "--stop", "mean", "--N", "10"])
    assert res.exit_code == 2 and "unknown stop='mean'; valid choices: 'median', 'all'" in res.output
    res = runner.invoke(app, ["lifetimes", "--T-cap", "-1"])
    assert res.exit_code == 2 and "T_cap (longest run) must be > 0" in res.output
