"""`neurosyn spectrum` (phases/_cli_spectrum.py): one JSON object, documented keys, consistent values."""

import json

from typer.testing import CliRunner

from phases.cli import app


def test_spectrum_json_k0(tmp_path):
    plot = tmp_path / "spec.png"
    args = [
        "spectrum",
        "--g",
        "2",
        "--k",
        "0",
        "--N",
        "60",
        "--T",
        "80",
        "--t-burn",
        "40",
        "--n-grid",
        "151",
        "--seed",
        "3",
        "--json",
        "--plot",
        str(plot),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in (
        "max_real",
        "n_outliers",
        "topology",
        "theory_max_real",
        "radius_k0",
        "wall_s",
        "params",
        "seed",
    ):
        assert key in out
    assert out["seed"] == 3 and out["params"]["N"] == 60
    assert out["topology"] == "disk"
    # k = 0: the support is the disk |1 + λ| ≤ radius, so its rightmost point is −1 + radius (bisection)
    assert abs(out["theory_max_real"] - (out["radius_k0"] - 1.0)) < 1e-9
    assert out["n_x_samples"] == 60 * 40
    assert plot.stat().st_size > 0


def test_spectrum_bad_input_fails_cleanly():
    res = CliRunner().invoke(app, ["spectrum", "--p", "-1", "--N", "10", "--json"])
    assert res.exit_code == 2
    assert "p" in res.output and "-1" in res.output
