"""Determinism (docs/theory.md §4, randomness): identical Parquet files for the same scenario, world and
seed under different PYTHONHASHSEED values; an edit at date D leaves everything before D identical."""

import hashlib
import os
import subprocess
import sys

import pandas as pd

from sim.runs.single import run_single
from sim.scenario import Counterfactual
from sim.worlds import WORLDS

from conftest import DATA, HISTORICAL

MINI = str(DATA / "mini_history.yaml")


def _run_cli(tmp_path, hashseed: str):
    out = tmp_path / f"h{hashseed}"
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    r = subprocess.run([sys.executable, "-m", "sim.faces.cli", "run", str(HISTORICAL), "--world", "all",
                        "--seeds", "2", "--out", str(out), "--quiet", "--workers", "1"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    return {p: hashlib.sha256((out / p).read_bytes()).hexdigest()
            for p in ("observables.parquet", "states.parquet", "beliefs.parquet", "events.parquet")}


def test_identical_parquet_under_different_hash_seeds(tmp_path):
    assert _run_cli(tmp_path, "0") == _run_cli(tmp_path, "12345")


def test_edit_at_date_d_leaves_everything_before_d_identical():
    cf = Counterfactual(MINI, name="moved").move_event("geo_pledge", "2001Q1").build()
    d = 2000 * 4 + 1 - 1992 * 4  # the pledge's original date, 2000Q2
    differs = 0
    for world in WORLDS:
        for seed in (1, 2, 3):
            a = run_single(MINI, world, seed)
            b = run_single(cf, world, seed)
            for name in ("observables", "states", "beliefs"):
                ta, tb = a.table(name), b.table(name)
                before_a = ta[ta["step"] < d].drop(columns="scenario").reset_index(drop=True)
                before_b = tb[tb["step"] < d].drop(columns="scenario").reset_index(drop=True)
                pd.testing.assert_frame_equal(before_a, before_b, check_exact=True)
            ea, eb = a.events, b.events
            pd.testing.assert_frame_equal(ea[ea["step"] < d].drop(columns="scenario").reset_index(drop=True),
                                          eb[eb["step"] < d].drop(columns="scenario").reset_index(drop=True))
            after = a.observables[a.observables["step"] >= d].drop(columns="scenario").reset_index(drop=True)
            after_b = b.observables[b.observables["step"] >= d].drop(columns="scenario").reset_index(drop=True)
            differs += not after.equals(after_b)
    assert differs > 0  # the edit has an effect after D


def test_a_runs_results_do_not_depend_on_its_batch():
    """The same run alone, first in a batch, and last in a batch of other worlds, seeds and parameter values
    gives bit-identical records and the same events (issue 'One engine for one run or a million')."""
    import numpy as np

    from sim.engine import simulate
    from sim.scenario import load_scenario

    s = load_scenario(HISTORICAL)
    alone = simulate(s, "deterrence", [7])
    mixed = simulate(s, ["deterrence", "security_dilemma", "provocation", "deterrence"], [7, 7, 3, 9],
                     [{}, {"misperception": 0.2}, {"liberal": 1.0}, {"kappa": 0.5}])
    last = simulate(s, ["revisionist_spiral"] * 5 + ["deterrence"], [1, 2, 3, 4, 5, 7])
    for res, r in ((mixed, 0), (last, 5)):
        for name, v in alone.observables.items():
            assert np.array_equal(v[0], res.observables[name][r]), name
        for name, v in alone.states.items():
            assert np.array_equal(v[0], res.states[name][r]), name
        mine = res.events["run"] == r
        for col in ("step", "kind", "actor", "target", "cause", "event_id"):
            assert list(alone.events[col]) == list(res.events[col][mine]), col


def test_results_do_not_depend_on_processes_or_executor(tmp_path):
    from sim.runs.ensemble import run_ensemble

    one = run_ensemble(MINI, "all", 3, workers=1, progress=False)
    two = run_ensemble(MINI, "all", 3, workers=2, progress=False)
    for name in ("observables", "states", "beliefs", "events", "decisions"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
