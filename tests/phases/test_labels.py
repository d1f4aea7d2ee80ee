"""Phase labels: the rules of model.md §4.7 on given boundaries, and theory labels at the Fig. 1b markers."""

from __future__ import annotations

import math

import pytest

import phases

# boundaries chosen by hand (not from the code under test) to exercise each rule of model.md §4.7
G_ABOVE = dict(k_semifreezable=0.9, k_freezable=1.4, k_onset=1.8)
G_BELOW = dict(k_crit=1.4, k_onset=1.9)


@pytest.mark.parametrize(
    ("g", "k", "lines", "expected"),
    [
        (2.25, 0.0, G_ABOVE, (1, 0)),  # (i) on the k = 0 line
        (2.25, -0.9, G_ABOVE, (3, 0)),  # (iii)
        (2.25, 0.6, G_ABOVE, (2, 0)),  # (ii) below the lower rising line
        (2.25, 1.13, G_ABOVE, (7, 0)),  # (vii) between the lines
        (2.25, 1.55, G_ABOVE, (8, 0)),  # (viii) above the upper line
        (2.25, 1.96, G_ABOVE, (8, 1)),  # (viii) overlapped by (vi)
        (0.85, 1.0, G_BELOW, (5, 0)),  # (v) below k_crit
        (0.85, 1.75, G_BELOW, (4, 0)),  # (iv) above k_crit
        (0.85, 2.0, G_BELOW, (4, 1)),  # (iv) with stable fixed points
        (1.0, 0.5, dict(k_crit=1.0), (5, 0)),  # the critical line g = 1 goes with the g < 1 side
        (0.3, 2.5, dict(k_crit=1.9), (4, 0)),  # NaN onset = no fixed-point region
    ],
)
def test_label_rules(g, k, lines, expected):
    assert phases.label_phase(g, k, **lines) == expected


def test_label_needs_its_boundary():
    with pytest.raises(ValueError, match="k_crit"):
        phases.label_phase(0.5, 1.0)
    with pytest.raises(ValueError, match="k_semifreezable"):
        phases.label_phase(2.0, 1.0, k_freezable=1.5)
    assert phases.label_phase(2.0, -1.0) == (3, 0)  # k < 0 at g > 1 needs no line


@pytest.mark.parametrize(
    ("g", "k", "expected"),
    [
        (2.25, 0.0, 1),  # plasticity-free chaos
        (2.25, -0.9, 3),  # anti-Hebbian chaos
        (2.25, 0.6, 2),  # nonfreezable (Fig. 7a)
        (2.25, 1.2, 7),  # semifreezable (Fig. 7a)
        (2.25, 1.55, 8),  # freezable (Fig. 7a)
    ],
)
def test_theory_labels_at_g225_from_the_tabulated_lines(g, k, expected):
    """The Fig. 7a examples of model.md §8.1 (g = 2.25, p = 2.5) get their phases from the shipped
    two-replica table (the paper's classification is the oracle)."""
    out = phases.TheoryPoint(dmft=False, count=False)({"g": g, "k": k}, seed=0)
    assert out["phase"] == expected, (out, phases.PHASE_NAMES[expected])
    assert out["status"] == "ok"


@pytest.mark.slow  # k_crit(0.85) by Stern solves (minutes)
@pytest.mark.parametrize(("g", "k", "expected"), [(0.85, 1.0, 5), (0.85, 1.75, 4)])
def test_theory_labels_below_g1(g, k, expected):
    out = phases.TheoryPoint(dmft=False, count=False)({"g": g, "k": k}, seed=0)
    assert out["phase"] == expected, (out, phases.PHASE_NAMES[expected])
    assert out["status"] == "ok"


def test_labels_at_g_above_1_without_the_freezable_lines():
    """freeze_lines="off" skips the two-replica lines: the k = 0 and k < 0 markers keep their phases (i),
    (iii); k > 0 becomes phase 9 (Hebbian chaos, freezability not computed) instead of a guess."""
    point = phases.TheoryPoint(dmft=False, count=False, freeze_lines="off")
    labels = [point({"g": 2.25, "k": k}, seed=0) for k in (0.0, -0.9, 1.55)]
    assert [o["phase"] for o in labels] == [1, 3, 9]
    assert all(o["status"] == "ok" and math.isnan(o["k_freezable"]) for o in labels)
    assert labels[2]["fixed_points"] == int(1.55 >= labels[2]["k_onset"])


def test_exact_ends_of_the_first_order_line():
    """k_crit(0) = 2.0170 (sinh 2χ = 6χ, model.md §7.5) and k_crit(1) = 1 (§4.3) are used at the ends."""
    assert phases.boundaries(0.0, 2.5)["k_crit"] == pytest.approx(2.0170, abs=1e-4)
    b1 = phases.boundaries(1.0, 2.5)
    assert b1["k_crit"] == 1.0 and math.isnan(b1["k_semifreezable"]) and math.isnan(b1["k_freezable"])


def test_unknown_line_source_and_untabulated_p_are_rejected():
    with pytest.raises(ValueError, match="freeze_lines must be one of"):
        phases.TheoryPoint(freeze_lines="tabel")
    with pytest.raises(
        ValueError, match=r"p \(synaptic time constant\) has no tabulated.*--freeze-lines compute"
    ):
        phases.line_source(7.0, "table")


@pytest.mark.slow  # two-replica DMFT at two g columns
def test_freezable_lines_start_at_the_apex_and_rise():
    """Both lines start at (1⁺, 2/(√3π) = 0.3676) (model.md §8.6, §12 oracle 2) and rise with g, the upper one
    faster; at g = 2.25 marker (vii) k = 1.13 lies between them and (viii) k = 1.55 above (§4.7)."""
    apex = 2 / (math.sqrt(3) * math.pi)
    near = phases.boundaries(1.02, 2.5, "compute")
    far = phases.boundaries(2.25, 2.5, "compute")
    assert near["k_semifreezable"] == pytest.approx(apex, abs=0.05)
    assert near["k_freezable"] == pytest.approx(apex, abs=0.05)
    assert apex < far["k_semifreezable"] < 1.13 < far["k_freezable"] < 1.55


def test_computed_lines_below_reliable_g_run_straight_from_the_apex(monkeypatch):
    """Below dmft.G_RELIABLE = 1.5 the two-replica window fails (computed k_free(1.05) = 0.89, far above the
    apex 0.3676 where the lines meet as g → 1⁺), so computed lines there are linear from the apex to the line
    at 1.5, as in the shipped tables; the solver is never called below 1.5, and warns if asked to be."""
    import jax.random as jr

    import dmft
    import neurosyn as ns

    calls = []
    at_15 = {"k_semifreezable": 0.45, "k_freezable": 0.67}  # stand-ins for the solver's values at g = 1.5

    def fake(name):
        def line(g, p, quick=False):
            calls.append(g)
            return at_15[name]

        return line

    for name in at_15:
        monkeypatch.setattr(dmft, name, fake(name))
    b = phases.boundaries(1.25, 2.5, "compute")
    for name, v in at_15.items():
        assert b[name] == pytest.approx(dmft.APEX_K + 0.5 * (v - dmft.APEX_K), abs=1e-12)
    assert calls == [1.5, 1.5]
    assert phases.boundaries(2.0, 2.5, "compute")["k_freezable"] == 0.67 and calls[-1] == 2.0
    bad = dmft.BoundarySettings(k_tol=-1.0)  # fails right after the warning, before any solve
    with pytest.warns(ns.NeurosynWarning, match="g < 1.5 are not reliable"), pytest.raises(ValueError):
        dmft.freezable_boundaries(1.2, key=jr.key(0), settings=bad)
