"""Seed 000's claims (b) and (c) and the M10 modules as switches crossed with the worlds (issue 11).

A *model* is a world with switches on (``world+switch``, :func:`sim.worlds.split_model`); the rival of claim (b),
``expansion_only``, holds NATO's governing function at ``initial_function`` so that the order term moves only
with membership (docs/theory.md §2; Sushentsov & Wohlforth 2020 argue that Kosovo, Libya and the inclusive
bodies moved NATO's centrality, not its expansion alone)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import parse_quarter
from sim.engine import simulate
from sim.mechanisms import order
from sim.params import SWITCHES, defaults
from sim.scenario import load_scenario, until
from sim.worlds import WORLDS, split_model, world_types

REPO = Path(__file__).resolve().parents[1]
HISTORICAL = REPO / "scenarios" / "historical.yaml"


def _train(path):
    return until(load_scenario(path), parse_quarter("2013Q4"))


def test_expansion_only_holds_the_function_whatever_operations_and_voice():
    p = defaults()
    base = np.array([0.3, 0.6, 0.9])
    voice = np.array([0.0, 0.5, 1.0])
    off = order.function_from_voice(base, voice, p)
    assert np.allclose(off, np.clip(base - p["inclusive_centrality"] * voice, p["function_floor"], 1.0))
    assert len(set(np.round(off, 9))) == 3  # moved by base function and voice
    on = order.function_from_voice(base, voice, {**p, "expansion_only": 1.0})
    assert np.all(on == p["initial_function"])
    # and voice no longer offsets the status gap under the switch
    assert np.all(order.voice_in_status(voice, p) == voice)
    assert np.all(order.voice_in_status(voice, {**p, "expansion_only": 1.0}) == 0.0)


def test_under_expansion_only_the_kosovo_operation_no_longer_moves_centrality():
    """The direction claim (b) turns on: without the switch, removing the Kosovo bombing changes NATO's
    centrality; with it, C is the same with and without the operation until the paths part for other reasons."""
    hist = _train(HISTORICAL)
    cf = _train(REPO / "scenarios" / "counterfactuals" / "no_kosovo_bombing.yaml")
    q = hist.start
    k99 = parse_quarter("1999Q2") - q  # the first quarter after the bombing (24 Mar 1999)
    seeds = np.array([3, 3])
    for model, moved in (("revisionist_spiral", True), ("revisionist_spiral+expansion_only", False)):
        a = np.asarray(simulate(hist, [model], seeds[:1], keep_states=False).observables["centrality"])[0]
        b = np.asarray(simulate(cf, [model], seeds[:1], keep_states=False).observables["centrality"])[0]
        assert (abs(a[k99] - b[k99]) > 1e-6) == moved, (model, a[k99], b[k99])


def test_a_model_runs_its_world_with_the_switch_on_bit_for_bit():
    sc = _train(HISTORICAL)
    seeds = np.array([11, 12])
    for sw in SWITCHES:
        a = simulate(sc, [f"deterrence+{sw}"] * 2, seeds, keep_states=False).observables
        b = simulate(sc, ["deterrence"] * 2, seeds, {sw: 1.0}, keep_states=False).observables
        for name in ("tension_russia", "centrality", "russia_burden"):
            assert np.array_equal(np.asarray(a[name]), np.asarray(b[name])), (sw, name)
    # a plain world and a model mix in one batch: each row as when run alone
    mixed = simulate(sc, ["deterrence", "deterrence+territorial_only"], seeds, keep_states=False).observables
    alone = simulate(sc, ["deterrence+territorial_only"], seeds[1:], keep_states=False).observables
    assert np.array_equal(np.asarray(mixed["tension_russia"])[1], np.asarray(alone["tension_russia"])[0])


def test_split_model_names_and_errors():
    assert split_model("provocation") == ("provocation", {})
    assert split_model("provocation+liberal+territorial_only") == ("provocation",
                                                                   {"liberal": 1.0, "territorial_only": 1.0})
    assert world_types("revisionist_spiral+expansion_only") == world_types("revisionist_spiral")
    with pytest.raises(ValueError, match="did you mean 'territorial_only'"):
        split_model("deterrence+teritorial_only")
    with pytest.raises(ValueError, match="did you mean 'deterrence'"):
        split_model("deterence+liberal")
    with pytest.raises(ValueError, match="twice"):
        split_model("deterrence+liberal+liberal")


SPEC = """\
name: t
scenario: {scen}
draws: 4
seeds: 2
design_seed: 1
prior: all
"""


def _spec(tmp_path, extra):
    p = tmp_path / "c.yaml"
    p.write_text(textwrap.dedent(SPEC.format(scen=HISTORICAL)) + textwrap.dedent(extra))
    return p


def test_switches_cross_every_plain_world_with_equal_budgets(tmp_path):
    from sim.runs.calibrate.spec import load_calibration

    s = load_calibration(_spec(tmp_path, 'worlds: [deterrence, provocation, "null"]\n'
                                         "switches: [expansion_only, liberal]\n"))
    assert s.worlds == ("deterrence", "provocation", "deterrence+expansion_only", "provocation+expansion_only",
                        "deterrence+liberal", "provocation+liberal", "null")
    assert s.n_runs == 7 * 4 * 2
    assert not set(SWITCHES) & set(s.free)
    study = load_calibration(REPO / "experiments" / "calibration_claims.yaml")
    assert len(study.worlds) == len(WORLDS) * 5 + 1 and study.worlds[-1] == "null"


@pytest.mark.parametrize("extra, expect", [
    ("switches: [expanion_only]\n", "did you mean 'expansion_only'"),
    ("switches: [liberal, liberal]\n", "listed twice"),
    ("worlds: [null+liberal]\n", "null model takes no switches"),
    ("worlds: [deterrence+liberl]\n", "did you mean 'liberal'"),
    ("worlds: [deterrence+liberal]\nparameters: {liberal: 1}\n", "set by model"),
])
def test_model_errors_are_one_line(tmp_path, extra, expect):
    from sim.runs.calibrate.spec import load_calibration
    from sim.runs.sweep.spec import SpecError

    p = _spec(tmp_path, extra)
    with pytest.raises(SpecError) as e:
        load_calibration(p)
    msg = str(e.value)
    assert expect in msg and "\n" not in msg and msg.startswith(f"{p}:"), msg


def test_switch_effects_are_paired_by_draw_and_pooled_over_worlds():
    """abc.switch_effects on a table with a known answer: the switch costs every run of deterrence one
    pattern (and its acceptance), and changes nothing in provocation."""
    import pandas as pd

    from sim.runs.calibrate import abc

    rec = pd.DataFrame({"feature": ["pattern_a", "pattern_b"], "value": [1.0, 1.0], "tolerance": [0.0, 0.0]})
    rng = np.random.default_rng(0)
    rows = []
    for d in range(50):
        for s in range(4):
            a = float(rng.random() < 0.5)
            for w in ("deterrence", "provocation"):
                rows.append((w, d, s, a, 1.0))
            rows.append(("deterrence+liberal", d, s, a, 0.0))   # pattern b always lost under the switch
            rows.append(("provocation+liberal", d, s, a, 1.0))  # unchanged
    t = pd.DataFrame(rows, columns=["world", "draw", "seed", "pattern_a", "pattern_b"])
    acc = abc.accept(t, rec)
    e = abc.switch_effects(t, acc, rec, n_boot=200).set_index("world")
    assert list(e["switch"].unique()) == ["liberal"]
    det, prov, pooled = e.loc["deterrence"], e.loc["provocation"], e.loc["all"]
    assert det["d_patterns"] == pytest.approx(-1.0) and det["d_patterns_hi"] == pytest.approx(-1.0)
    assert det["d_accept"] == pytest.approx(-acc[t["world"] == "deterrence"].mean())
    assert prov["d_patterns"] == 0.0 and prov["d_accept"] == 0.0
    assert pooled["d_patterns"] == pytest.approx(-0.5) and pooled["draws"] == 50
    assert det["share_plain_better"] == 1.0 and prov["share_switch_better"] == 0.0


def test_switch_pattern_effects_name_the_patterns_a_switch_loses():
    import pandas as pd

    from sim.runs.calibrate import abc

    rec = pd.DataFrame({"feature": ["pattern_a", "pattern_b"], "value": [1.0, 1.0], "tolerance": [0.0, 0.0]})
    rows = []
    for d in range(20):
        for w, b in (("deterrence", 1.0), ("provocation", 1.0), ("deterrence+liberal", 0.0),
                     ("provocation+liberal", 1.0)):
            rows.append((w, d, 0, float(d % 2), b))
    t = pd.DataFrame(rows, columns=["world", "draw", "seed", "pattern_a", "pattern_b"])
    e = abc.switch_pattern_effects(t, rec).set_index("pattern")
    assert e.loc["a", "difference"] == 0.0 and e.loc["a", "plain"] == 0.5
    assert e.loc["b", "plain"] == 1.0 and e.loc["b", "switched"] == 0.5
