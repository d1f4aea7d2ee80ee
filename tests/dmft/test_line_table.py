"""Freezable-chaos lines on disk: checkpoints of `freezable_boundaries`, the shipped table, interpolation."""

from __future__ import annotations

import dataclasses
import json
import math

import jax.random as jr
import numpy as np
import pytest

import dmft
from dmft._line_table import _identity, _write_checkpoint

SETTINGS = dmft.BoundarySettings()


def _column(g, semi, free):
    return {
        "g": g,
        "k_semifreezable": semi,
        "k_semifreezable_err": 0.01,
        "k_freezable": free,
        "k_freezable_err": 0.02,
        "converged": True,
        "evaluations": [[semi, 1.0, math.nan, True]],
        "dmft_nodes": [0.2],
        "window_warnings": [],
        "wall_s": 1.0,
    }


@pytest.fixture
def fake_table(tmp_path):
    """A complete file with hand-made lines at g = 1.5, 2, 3 (not from the solver: tests the storage only)."""
    gs = [1.5, 2.0, 3.0]
    cols = {0: _column(1.5, 0.5, 0.7), 1: _column(2.0, 0.6, 1.1), 2: _column(3.0, 0.9, 1.9)}
    path = tmp_path / "lines.json"
    _write_checkpoint(path, _identity(gs, 2.5, jr.key(3), SETTINGS), cols, {"seed": 3, "argv": ["x"]})
    return path, gs


def test_interpolation_is_linear_in_g_from_the_apex(fake_table):
    path, _ = fake_table
    t = dmft.load_lines(path)
    assert t.p == 2.5 and t.provenance["seed"] == 3 and t.converged.all()
    np.testing.assert_allclose(t.semifreezable([1.5, 2.0, 3.0]), [0.5, 0.6, 0.9], atol=1e-15)
    assert t.freezable(2.5) == pytest.approx(1.5, abs=1e-12)  # midway between 1.1 and 1.9
    # between g = 1, where both lines start at 2/(√3π) (Eq. 39), and the first tabulated g
    assert t.semifreezable(1.25) == pytest.approx(0.5 * (dmft.APEX_K + 0.5), abs=1e-12)
    for bad in (1.0, 0.5, 3.2):
        with pytest.raises(ValueError, match=r"g \(coupling strength\) must be in \(1, 3\]"):
            t.freezable(bad)


def test_a_column_that_did_not_converge_is_not_interpolated(tmp_path):
    cols = {
        0: _column(1.5, 0.5, 0.7),
        1: {**_column(2.0, 0.1, 0.1), "converged": False},
        2: _column(3.0, 0.9, 1.9),
    }
    path = tmp_path / "lines.json"
    _write_checkpoint(path, _identity([1.5, 2.0, 3.0], 2.5, jr.key(3), SETTINGS), cols, {})
    t = dmft.load_lines(path)
    assert not t.converged[1] and t.k_semifreezable[1] == 0.1  # kept in the file for the record
    assert t.semifreezable(2.0) == pytest.approx(0.5 + 0.4 / 3, abs=1e-12)  # from g = 1.5 and 3 only
    cols[2]["converged"] = False  # the last column unused: the valid range ends at g = 1.5
    _write_checkpoint(path, _identity([1.5, 2.0, 3.0], 2.5, jr.key(3), SETTINGS), cols, {})
    with pytest.raises(ValueError, match=r"must be in \(1, 1.5\]"):
        dmft.load_lines(path).freezable(1.6)


def test_a_finished_checkpoint_is_resumed_without_computing(fake_table):
    path, gs = fake_table
    b = dmft.freezable_boundaries(gs, p=2.5, key=jr.key(3), settings=SETTINGS, checkpoint=path)
    np.testing.assert_array_equal(b.k_freezable, [0.7, 1.1, 1.9])
    np.testing.assert_array_equal(b.k_semifreezable_err, [0.01] * 3)
    assert b.wall_s < 1.0 and b.converged.all()


def test_mismatched_or_corrupt_checkpoints_are_refused(fake_table, tmp_path):
    path, gs = fake_table
    other = dataclasses.replace(SETTINGS, k_tol=0.05)
    with pytest.raises(ValueError, match="made with another settings"):
        dmft.freezable_boundaries(gs, p=2.5, key=jr.key(3), settings=other, checkpoint=path)
    with pytest.raises(ValueError, match="made with another key"):
        dmft.freezable_boundaries(gs, p=2.5, key=jr.key(4), settings=SETTINGS, checkpoint=path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"identity": {"format": "neurosyn.freezable_lines/1"')
    with pytest.raises(ValueError, match="not valid JSON"):
        dmft.load_lines(bad)
    bad.write_text(json.dumps({"columns": {}}))
    with pytest.raises(ValueError, match="is not a freezable-lines file"):
        dmft.load_lines(bad)
    with pytest.raises(
        ValueError, match=r"p \(synaptic time constant\) has no tabulated.*tabulated p: \[2.5\]"
    ):
        dmft.tabulated_lines(3.0)


def test_shipped_table_at_p25():
    """The shipped p = 2.5 table: made by `neurosyn freeze boundaries --out` (provenance kept), and consistent
    with the paper (model.md §4.7, §8): both lines rise with g, the upper one above the lower, and at g = 2.25
    the Fig. 7a examples k = 0.6, 1.2 and 1.55 are nonfreezable, semifreezable and freezable. The table starts
    at g = 1.5 (nearer g = 1 the onset window must grow past 10⁴ points); below, the lines are interpolated
    from the analytic apex at g = 1."""
    t = dmft.tabulated_lines(2.5)
    assert dmft.tabulated_p() == [2.5]
    assert "boundaries" in t.provenance["argv"] and t.provenance["seed"] == 0
    assert t.provenance["git"]["sha"] and t.provenance["versions"]["jax"]
    assert (np.diff(t.g) > 0).all() and t.g[0] <= 1.5 + 1e-9 and t.g[-1] >= 3.3
    used = t.converged
    assert used.sum() >= 8  # measured: 9 of 10 (g = 3.3 had a DMFT node that did not converge)
    semi, free = t.k_semifreezable[used], t.k_freezable[used]
    semi_err, free_err = t.k_semifreezable_err[used], t.k_freezable_err[used]
    assert (semi < free).all()
    assert (semi > 0).all() and (free < 4).all()
    # rising: over every 0.4 in g the lower line grows by more than its errors allow it to fall, and both
    # lines rise over the table by far more than their errors
    assert (semi[2:] - semi[:-2] > -3 * np.hypot(semi_err[2:], semi_err[:-2])).all()
    for line, err in ((semi, semi_err), (free, free_err)):
        assert line[-1] - line[0] > 5 * np.hypot(err[-1], err[0])
    assert free[-1] - semi[-1] > free[0] - semi[0]  # the upper line rises faster
    assert t.semifreezable(2.25) > 0.6 + 2 * semi_err.max()
    assert t.semifreezable(2.25) < 1.2 < t.freezable(2.25) < 1.55


@pytest.mark.slow  # one g column with the table's settings and another key: 1–3 min on an idle core
def test_table_column_is_reproduced_with_another_key():
    """Recompute the g = 2.3 column of the shipped table with its own settings (from its provenance) and a
    different key: both lines agree with the table within 3 combined standard errors (honest errors)."""
    t = dmft.tabulated_lines(2.5)
    par = t.provenance["params"]
    j = int(np.argmin(abs(t.g - 2.3)))
    s = dmft.BoundarySettings()
    s = dataclasses.replace(
        s,
        k_tol=par["k_tol"] or s.k_tol,
        n_samples_onset=par["onset_samples"] or s.n_samples_onset,
        method=dataclasses.replace(s.method, n_replicates=par.get("replicates") or 1),
    )
    b = dmft.freezable_boundaries(float(t.g[j]), p=2.5, key=jr.key(11), settings=s)
    for name in ("k_semifreezable", "k_freezable"):
        new, new_err = float(getattr(b, name)[0]), float(getattr(b, name + "_err")[0])
        old, old_err = float(getattr(t, name)[j]), float(getattr(t, name + "_err")[j])
        assert abs(new - old) < 3 * math.hypot(new_err, old_err), (name, new, new_err, old, old_err)
