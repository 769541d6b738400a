"""The calibration core (issue 11): spec validation, paired draws and seeds, equal budgets, determinism and
resume after kill -9, the Dask path, nothing after 2013, and the ABC functions on tables with known answers.

The pipeline tests run experiments/calibration_small.yaml's kind of budget (a few dozen runs of the
historical replay to 2013Q4) with a looser record written here, so that some runs are accepted and the
posterior is not empty; the record file is never part of what they check against history.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.runs.calibrate import abc
from sim.runs.calibrate.prior import draws as prior_draws
from sim.runs.calibrate.prior import run_seed
from sim.runs.calibrate.reference import (COLUMNS, M8_COLUMNS, M8_VOTE_COLUMNS, check_budgets, committed, evaluate,
                                          load_reference, plan, rows_of, run_reference)
from sim.runs.calibrate.spec import SpecError, free_candidates, load_calibration
from sim.runs.score import FEATURES
from sim.runs.sweep.spec import SweepError

REPO = Path(__file__).resolve().parents[1]
HISTORICAL = REPO / "scenarios" / "historical.yaml"
AGENT = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")

# A looser record than the historical one (two features), so that the tiny budgets accept some runs.
LOOSE_RECORD = """\
feature,value,tolerance,source
pattern_7_no_force_on_members,1,0,test
russia_burden_1992_1994,4.38,1.5,test
tension_russia_2000,,,not used
"""


def write_spec(tmp: Path, name="calib-test", **over) -> Path:
    fields = {"name": name, "scenario": str(HISTORICAL), "train_end": "2013Q4",
              "worlds": "[deterrence, revisionist_spiral, \"null\"]", "draws": 6, "seeds": 2, "design_seed": 7,
              "prior": "all", "chunk": 4, "record": str(tmp / "record.csv")}
    fields.update(over)
    (tmp / "record.csv").write_text(LOOSE_RECORD)
    path = tmp / f"{name}.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items() if v is not None))
    return path


# ------------------------------------------------------------------------------------------------ the spec


def bad(tmp_path, text: str) -> str:
    p = tmp_path / "bad.yaml"
    p.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as e:
        load_calibration(p)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{p}:"), msg
    return msg


BASE = f"""\
name: t
scenario: {HISTORICAL}
draws: 4
seeds: 2
design_seed: 1
prior: all
"""


def test_the_study_and_small_specs_are_valid():
    study = load_calibration(REPO / "experiments" / "calibration.yaml")
    assert study.worlds == AGENT + ("null",)
    assert study.draws >= 10_000 and study.seeds >= 20 and study.runs_per_world * 4 >= 800_000
    assert study.scenario.end == study.train_end  # cut at 2013Q4: nothing later is simulated
    assert set(study.free) == set(free_candidates())
    assert not {"order_weight", "greed", "territorial_only", "liberal"} & set(study.free)
    small = load_calibration(REPO / "experiments" / "calibration_small.yaml")
    assert small.n_runs <= 200 and small.worlds == study.worlds


@pytest.mark.parametrize("text, expect", [
    (BASE + "budgets: 3\n", "unknown key 'budgets'"),
    (BASE + "train_end: 2014Q1\n", "after 2013Q4"),
    (BASE + "train_end: 2019Q2\n", "held out"),
    (BASE + "worlds: [deterence]\n", "did you mean 'deterrence'"),
    (BASE + "worlds: [null, null]\n", "listed twice"),
    (BASE + "chunk: 100000\n", "chunk must be"),
    (BASE.replace("draws: 4", "draws: 0"), "draws must be a positive"),
    (BASE.replace("seeds: 2", "seeds: two"), "seeds must be a positive"),
    (BASE.replace("prior: all", "prior: {only: [greed]}"), "type preset"),
    (BASE.replace("prior: all", "prior: {only: [misperceptoin]}"), "did you mean 'misperception'"),
    (BASE.replace("prior: all", "prior: {only: [liberal]}"), "is a switch"),
    (BASE.replace("prior: all", "prior: {scale: -1}"), "scale must be a positive"),
    (BASE.replace("prior: all", "prior: {scale: 1.5}"), "widest prior"),
    (BASE.replace("prior: all", "prior: {exclude: [empathy], only: [kappa]}"), "not both"),
    (BASE.replace("prior: all", "prior: {shape: arcsin}"), "did you mean 'arcsine'"),
    (BASE + "parameters: {misperception: 0.5}\n", "fixed here and free"),
    (BASE + "parameters: {kappa: 9}\n", "outside its range"),
    (BASE.replace(f"scenario: {HISTORICAL}", "scenario: nowhere.yaml"), "scenario file not found"),
    (BASE.replace("design_seed: 1\n", ""), "missing required key 'design_seed'"),
])
def test_spec_errors_are_one_line_with_file_and_line(tmp_path, text, expect):
    assert expect in bad(tmp_path, text)


def test_prior_scale_narrows_around_the_default(tmp_path):
    from sim.params import PARAMETERS

    p = tmp_path / "s.yaml"
    p.write_text(BASE.replace("prior: all", "prior: {only: [kappa, misperception], scale: 0.5}"))
    s = load_calibration(p)
    assert s.free == ("kappa", "misperception")
    k = PARAMETERS["kappa"]
    assert s.bounds["kappa"] == pytest.approx((k.default - 0.5 * (k.default - k.low),
                                               k.default + 0.5 * (k.high - k.default)))
    d = prior_draws(s)
    assert list(d.columns) == ["draw", "kappa", "misperception"] and len(d) == 4
    assert d["kappa"].between(*s.bounds["kappa"]).all()


def test_arcsine_prior_is_the_wider_one_on_the_same_points(tmp_path):
    """prior.shape arcsine: the same Sobol' points mapped through Beta(1/2, 1/2) on each whole range — inside
    the range, variance about 1/8 of the squared width (the uniform's 1/12), ordered as the uniform's draws."""
    from sim.params import PARAMETERS

    p = tmp_path / "u.yaml"
    p.write_text(BASE.replace("draws: 4", "draws: 512"))
    q = tmp_path / "a.yaml"
    q.write_text(BASE.replace("draws: 4", "draws: 512").replace("prior: all", "prior: {shape: arcsine}"))
    u, a = prior_draws(load_calibration(p)), prior_draws(load_calibration(q))
    k = PARAMETERS["kappa"]
    width = k.high - k.low
    assert a["kappa"].between(k.low, k.high).all()
    assert abs(a["kappa"].var() / width ** 2 - 1 / 8) < 0.01 and abs(u["kappa"].var() / width ** 2 - 1 / 12) < 0.01
    assert (np.argsort(a["kappa"].to_numpy()) == np.argsort(u["kappa"].to_numpy())).all()
    assert load_calibration(q).identity()["prior_shape"] == "arcsine" and "prior_shape" not in load_calibration(p).identity()


def test_prior_sensitivity_judges_every_prior_by_the_one_rule_on_shared_models():
    rec = pd.DataFrame({"feature": ["pattern_a", "pattern_b"], "value": [1.0, 1.0], "tolerance": [0.0, 0.0]})
    rng = np.random.default_rng(1)

    def table(p_a, worlds):
        rows = [(w, d, s, float(rng.random() < p_a[w]), 1.0) for w in worlds for d in range(100) for s in range(5)]
        return pd.DataFrame(rows, columns=["world", "draw", "seed", "pattern_a", "pattern_b"])

    wide = table({"deterrence": 0.6, "provocation": 0.2, "null": 0.0}, ["deterrence", "provocation", "null"])
    narrow = table({"deterrence": 0.3, "provocation": 0.5, "extra": 1.0}, ["deterrence", "provocation", "extra"])
    t = abc.prior_sensitivity({"wide": (wide, rec), "narrow": (narrow, rec)})
    assert set(t["world"]) == {"deterrence", "provocation"}  # the models both hold
    r = t.set_index(["prior", "world"])
    assert r.loc[("wide", "deterrence"), "rank"] == 1 and r.loc[("narrow", "provocation"), "rank"] == 1
    for prior in ("wide", "narrow"):
        assert r.loc[prior, "probability"].sum() == pytest.approx(1.0)
        assert r.loc[prior, "k_star"].isna().all()  # the full rule passes runs: no fallback
    assert r.loc[("wide", "deterrence"), "rate"] == pytest.approx(wide.loc[wide.world == "deterrence", "pattern_a"].mean())


# ------------------------------------------------------------------------------- paired draws, equal budgets


def test_paired_draws_and_seeds_are_identical_across_worlds(tmp_path):
    s = load_calibration(write_spec(tmp_path, draws=5, seeds=3, chunk=7,
                                   worlds="[security_dilemma, deterrence, provocation, revisionist_spiral]"))
    p = plan(s, quiet=True)
    names = [c for c in p.draws.columns if c != "draw"]
    seen: dict = {}
    for c in range(p.n_chunks):
        t = p.task(c, "h", b"")
        for w, d, sd, row in zip(t.worlds, t.draw, t.seed, t.values):
            assert list(t.names) == names
            np.testing.assert_array_equal(row, p.draws.loc[d, names].to_numpy(float))  # draw k, same vector
            seen.setdefault((int(d), int(sd)), set()).add(w)
    assert len(seen) == 5 * 3 and all(ws == set(AGENT) for ws in seen.values())  # every (draw, seed) in each world
    assert sum(p.chunk_len(c) for c in range(p.n_chunks)) == 4 * 5 * 3
    # seeds: the same (draw, j) gives the same seed whatever the budget (adding seeds keeps earlier ones)
    assert run_seed(7, 3, 1) == run_seed(7, np.array([3]), np.array([1]))[0]
    assert len(np.unique(p.seeds)) == p.seeds.size


def test_prior_design_is_deterministic_and_seeded(tmp_path):
    s = load_calibration(write_spec(tmp_path))
    pd.testing.assert_frame_equal(prior_draws(s), prior_draws(s))
    s2 = load_calibration(write_spec(tmp_path, name="other", design_seed=8))
    assert not np.allclose(prior_draws(s).iloc[:, 1:], prior_draws(s2).iloc[:, 1:])


def test_equal_budgets_are_enforced():
    t = pd.DataFrame({"world": ["a"] * 4 + ["b"] * 4, "draw": [0, 0, 1, 1] * 2, "seed": [5, 6, 7, 8] * 2})
    assert check_budgets(t, draws=2, seeds=2)["runs"].tolist() == [4, 4]
    with pytest.raises(SweepError, match="unequal budgets"):
        check_budgets(t.iloc[:-1])
    with pytest.raises(SweepError, match="not draws x seeds"):
        check_budgets(t, draws=3, seeds=2)
    u = t.copy()
    u.loc[7, "seed"] = 99  # world b ran another seed on draw 1: not paired
    with pytest.raises(SweepError, match="same \\(draw, seed\\) pairs"):
        check_budgets(u)


# ----------------------------------------------------------------------------------- nothing after 2013


def test_features_and_m8_read_nothing_after_2013():
    """Runs of the whole scenario (to 2025) and of the cut one (to 2013Q4) give the same rows; and with every
    quarter after 2013 of the whole run overwritten with garbage (observables, events, decisions), still the
    same: no feature or M8 column reads a quarter after 2013."""
    from sim.engine import simulate
    from sim.scenario import load_scenario, until

    full = load_scenario(HISTORICAL)
    cut = until(full, "2013Q4")
    s = load_calibration(REPO / "experiments" / "calibration_small.yaml")
    d = prior_draws(s).head(4)
    names = [c for c in d.columns if c != "draw"]
    params = [dict(zip(names, r)) for r in d[names].to_numpy(float).tolist()] * 2
    worlds = ["deterrence"] * 4 + ["revisionist_spiral"] * 4
    seeds = np.arange(8) + 11
    a = rows_of(simulate(cut, worlds, seeds, params, keep_states=False), worlds, np.arange(8), seeds).to_pandas()
    res = simulate(full, worlds, seeds, params, keep_states=False)
    assert res.steps > cut.n_steps
    b = rows_of(res, worlds, np.arange(8), seeds).to_pandas()
    pd.testing.assert_frame_equal(a, b)
    T = cut.n_steps
    for k, v in res.observables.items():
        v[:, T:] = 7 if v.dtype.kind in "iu" else np.nan
    ev = res.events
    n = 5
    junk = {"run": np.arange(n), "step": np.full(n, T + 2), "kind": np.array(["use_of_force"] * n, dtype=object),
            "actor": np.array(["RUS"] * n, dtype=object), "target": np.array(["GEO"] * n, dtype=object),
            "scripted": np.zeros(n, bool), "cause": np.array(["tie 'member'"] * n, dtype=object),
            "event_id": np.array([""] * n, dtype=object)}
    res.events = {k: np.concatenate([ev[k], junk[k]]) for k in ev}
    dec = res.decisions
    junk = {k: np.repeat(v[:1], n) for k, v in dec.items()}  # recorded decisions after 2013, absurd likelihoods
    # recorded and voted decisions after 2013 (M8 and M8 vote columns)
    junk.update(run=np.arange(n), step=np.full(n, T + 1), scripted=np.arange(n) % 2 == 0)
    for k in ("loglik", "loglik_security_seeker", "loglik_order_revisionist", "loglik_greedy_expansionist"):
        junk[k] = np.full(n, -1e6)
    res.decisions = {k: np.concatenate([dec[k], junk[k]]) for k in dec}
    c = rows_of(res, worlds, np.arange(8), seeds).to_pandas()
    pd.testing.assert_frame_equal(a, c)


def test_vote_columns_hold_the_decisions_nato_voted_itself():
    """m8_votes and m8_vote_ll_*: in the historical replay only the emergent applications are voted; with every
    round endogenous (scenarios/counterfactuals/endogenous_enlargement.yaml) the 22 recorded rounds before 2014
    are voted too, and none is left scripted (m8_ll_* are NaN: no recorded decision to score)."""
    from sim.engine import simulate
    from sim.scenario import load_scenario, until

    worlds, seeds = ["provocation"] * 3, np.arange(3) + 5
    hist = until(load_scenario(HISTORICAL), "2013Q4")
    endo = until(load_scenario(REPO / "scenarios" / "counterfactuals" / "endogenous_enlargement.yaml"), "2013Q4")
    a = rows_of(simulate(hist, worlds, seeds, keep_states=False), worlds, np.arange(3), seeds).to_pandas()
    b = rows_of(simulate(endo, worlds, seeds, keep_states=False), worlds, np.arange(3), seeds).to_pandas()
    assert (b["m8_votes"] >= a["m8_votes"] + 22).all()
    assert b[list(M8_COLUMNS)].isna().all().all() and (a["m8_ll_own"] < 0).all()
    assert (b[["m8_vote_ll_S", "m8_vote_ll_R", "m8_vote_ll_G"]] < 0).all().all()
    assert (a["m8_vote_ll_S"] <= 0).all() and (a[list(M8_VOTE_COLUMNS)].notna()).all().all()


def test_a_scenario_past_2013_never_reaches_the_reference_table():
    from sim.scenario import load_scenario

    full = load_scenario(HISTORICAL)
    with pytest.raises(SpecError, match="nothing after 2013"):
        evaluate(full, "agent", ["deterrence"], np.array([0]), np.array([1]), ("kappa",), np.array([[0.3]]))


# --------------------------------------------------------------------------- the pipeline, resume, Dask


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    from sim.runs.calibrate import calibrate

    tmp = tmp_path_factory.mktemp("calib")
    res = calibrate(write_spec(tmp), out=tmp / "out", workers=2, progress=False, on_code_change="continue")
    assert res.complete
    return tmp / "out"


def parts(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "reference").glob("part-*.parquet"))}


def test_the_pipeline_writes_every_table(uninterrupted):
    out = uninterrupted
    for f in ("draws.parquet", "null_draws.parquet", "acceptance.csv", "posterior.parquet", "paired.csv",
              "graded.csv", "leave_one_pattern_out.csv", "model_probabilities.csv", "marginals.csv",
              "m8_evidence.csv", "predictive.csv", "membership.csv", "record.csv", "manifest.json"):
        assert (out / f).is_file(), f
    members = pd.read_csv(out / "membership.csv", keep_default_na=False, na_values=[""])
    assert members[["world", "runs"]].values.tolist() == [[w, r] for w in ("deterrence", "revisionist_spiral")
                                                           for r in ("accepted", "prior sample")]
    assert (members.loc[members["runs"] == "prior sample", "n"] == 12).all()  # all 12 runs: fewer than 200
    table = load_reference(out)
    assert list(table.columns) == list(COLUMNS)
    assert table["world"].tolist()[:1] == ["deterrence"] and len(table) == 3 * 6 * 2
    assert all(table[f].dtype == np.float32 for f in FEATURES)
    assert table.loc[table["world"] == "null", list(M8_COLUMNS + M8_VOTE_COLUMNS)].isna().all().all()
    agent = table[table["world"] != "null"]
    assert agent[list(M8_COLUMNS + M8_VOTE_COLUMNS)].notna().all().all()
    # the own-world column is that of the world's leader type: deterrence's West is S, the revisionist spiral's R
    det, rev = agent[agent["world"] == "deterrence"], agent[agent["world"] == "revisionist_spiral"]
    np.testing.assert_allclose(det["m8_ll_own"], det["m8_ll_S"])
    np.testing.assert_allclose(rev["m8_ll_own"], rev["m8_ll_R"])
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["budget"]["runs_per_world"] == 12
    heldout = REPO / "docs" / "heldout.md"
    if heldout.is_file():
        import hashlib

        assert m["heldout"]["sha256"] == hashlib.sha256(heldout.read_bytes()).hexdigest()
    assert m["scenario"]["train_end"] == "2013Q4" and m["results"]["runs_per_second"] > 0
    acc = pd.read_csv(out / "acceptance.csv", keep_default_na=False, na_values=[""])
    assert acc["world"].tolist() == ["deterrence", "revisionist_spiral", "null"]
    assert (acc["runs"] == 12).all() and acc["accepted"].sum() > 0  # the loose record accepts some runs
    post = pd.read_parquet(out / "posterior.parquet")
    assert list(post.columns) == ["world", "draw", "accepted", "weight", "weight_m8", "log_m8"]
    for w, g in post.groupby("world"):
        assert g["weight"].sum() == pytest.approx(1.0)


def test_heldout_scores_the_posterior_and_prior_predictive(uninterrupted):
    """``spiral heldout``: every calibrated model with an accepted draw is run to 2025 on the same seeds and scored
    by the pre-registered rules (heldout.csv); ``--prior`` scores every model's prior predictive, the null model
    included (heldout_prior.csv), and leaves the posterior's table alone."""
    import shutil

    from sim.runs.calibrate.predictive import heldout_study

    out = uninterrupted.parent / "heldout_copy"
    shutil.copytree(uninterrupted, out)
    post = heldout_study(out, runs=3, progress=False)
    prior = heldout_study(out, runs=3, progress=False, prior=True)
    assert (out / "heldout.csv").is_file() and (out / "heldout_prior.csv").is_file()
    assert set(prior["model"]) == {"deterrence", "revisionist_spiral", "null"}
    for t in (post, prior):
        for m, g in t[t["item"] != "no accepted draw"].groupby("model"):
            pats = g[g["item"].str.startswith("H")]
            assert len(pats) == 8 and pats["predicted"].between(0, 1).all() and (pats["n"] == 3).all()
            total = g.loc[g["item"] == "total log score", "score"].iloc[0]
            assert total == pytest.approx(pats["score"].sum())
    m = json.loads((out / "manifest.json").read_text())
    assert m["heldout_scoring_prior"]["weights"].startswith("prior") and "heldout_scoring" in m
    again = heldout_study(out, progress=False, rescore=True)  # from the saved features, nothing simulated
    pd.testing.assert_frame_equal(again.reset_index(drop=True), post.reset_index(drop=True))


def test_resume_after_kill_9_gives_the_same_table_and_posterior(uninterrupted, tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.faces.cli", "calibrate", str(spec), "--out", str(out), "--workers", "2",
           "--quiet", "--allow-code-change"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(committed(out)) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the calibration made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the pool workers it started, should any be left
        except ProcessLookupError:
            pass
        proc.stderr.close()
    total = len(parts(uninterrupted))
    done = committed(out)
    assert 2 <= len(done) < total, "the kill should land mid-way"
    before = {n: b for n, b in parts(out).items()}
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert all(parts(out)[n] == b for n, b in before.items())  # committed chunks were not redone
    assert parts(out) == parts(uninterrupted)  # byte-identical parts
    pd.testing.assert_frame_equal(load_reference(out), load_reference(uninterrupted))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(uninterrupted / "posterior.parquet"))
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["sessions"]) == 2 and m["sessions"][1]["runs_before"] > 0


def test_dask_localcluster_gives_the_same_table(uninterrupted, tmp_path):
    pytest.importorskip("distributed")
    s = load_calibration(write_spec(tmp_path))
    out = run_reference(s, tmp_path / "out", executor="dask", workers=2, progress=False, on_code_change="continue")
    m = json.loads((out / "manifest.json").read_text())
    assert "LocalCluster, 2 worker" in m["sessions"][0]["executor"]
    assert parts(out) == parts(uninterrupted)
    pd.testing.assert_frame_equal(load_reference(out), load_reference(uninterrupted))


def test_a_folder_holding_another_calibration_is_refused(uninterrupted, tmp_path):
    s = load_calibration(write_spec(tmp_path, seeds=3))
    with pytest.raises(SweepError, match="different calibration"):
        run_reference(s, uninterrupted, progress=False, on_code_change="continue")


def test_cli_dry_run_and_one_line_errors(tmp_path, capsys):
    from sim.faces.cli import main

    assert main(["calibrate", str(REPO / "experiments" / "calibration.yaml"), "--dry-run"]) == 0
    assert "x 10000 draws x 20 seeds" in capsys.readouterr().out
    p = tmp_path / "late.yaml"
    p.write_text(BASE + "train_end: 2015Q4\n")
    assert main(["calibrate", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "2013Q4" in err and err.count("\n") == 1
    assert main(["calibrate", str(p), "--resume", "--out", str(tmp_path / "none")]) == 2


def test_another_commands_folder_or_spec_is_named_as_such(tmp_path, capsys):
    """A run folder given where a calibration folder is expected, and a sweep spec given to calibrate (or the
    reverse), say so in one line instead of reporting a missing key or an incomplete calibration."""
    from sim.faces.cli import main

    run_dir = tmp_path / "run"
    assert main(["run", str(HISTORICAL), "--world", "deterrence", "--seeds", "1", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    for cmd in (["recover", str(run_dir)], ["heldout", str(run_dir)], ["smc", str(run_dir), "--quiet"]):
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert "not a calibration folder" in err and "another command's output" in err and err.count("\n") == 1
    assert main(["calibrate", str(REPO / "experiments" / "sobol_revisionist.yaml"), "--dry-run"]) == 2
    assert "run this file with 'spiral sweep'" in capsys.readouterr().err
    assert main(["sweep", str(REPO / "experiments" / "calibration.yaml")]) == 2
    assert "run this file with 'spiral calibrate'" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ ABC on known tables


def toy_table() -> pd.DataFrame:
    """Two worlds on the same 4 draws x 2 seeds; world a matches the record more often than world b."""
    rows = []
    for w, good in (("a", [1, 1, 1, 0, 1, 0, 0, 0]), ("b", [1, 0, 0, 0, 0, 0, 0, 0])):
        for i, g in enumerate(good):
            row = {"world": w, "draw": i // 2, "seed": 100 + i % 2}
            for f in FEATURES:
                row[f] = np.float32(0.0)
            row["pattern_7_no_force_on_members"] = np.float32(1.0 if g else 0.0)
            row["russia_burden_1992_1994"] = np.float32(4.0 if g else 2.0)
            row["m8_ll_own"] = -1.0 if w == "a" else -3.0
            row["m8_ll_S"], row["m8_ll_R"], row["m8_ll_G"] = -1.0, -2.0, -3.0
            rows.append(row)
    return pd.DataFrame(rows)


def record() -> pd.DataFrame:
    return abc.check_record(pd.DataFrame({"feature": ["pattern_7_no_force_on_members", "russia_burden_1992_1994",
                                                      "tension_russia_2000"],
                                          "value": [1.0, 4.38, np.nan], "tolerance": [0.0, 0.5, np.nan],
                                          "source": ["t", "t", "t"]}))


def test_accept_is_one_rule_within_tolerance():
    t = toy_table()
    acc = abc.accept(t, record())
    assert acc.tolist() == [1, 1, 1, 0, 1, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0]
    # a feature with a NaN value in a run fails; a feature without a record value is not read
    t2 = t.copy()
    t2.loc[0, "russia_burden_1992_1994"] = np.nan
    t2.loc[1, "tension_russia_2000"] = np.nan
    assert abc.accept(t2, record())[:2].tolist() == [False, True]
    # 4.0 is 0.38 from 4.38: rejected at tolerance 0.3, dropping the burden accepts on pattern 7 alone
    assert abc.accept(t, record(), tolerance={"russia_burden_1992_1994": 0.3}).sum() == 0
    assert abc.accept(t, record(), drop=("11_burden_means",)).sum() == acc.sum()
    # the historical record: every pattern at 1, burden means with SIPRI's values
    hist = abc.load_record()
    used = abc.used_features(hist)
    assert all(hist.set_index("feature").loc[f, "value"] == 1 for f in used if f.startswith("pattern_"))
    assert len([f for f in used if f.startswith("russia_burden_")]) == 4
    assert not [f for f in used if f.startswith(("tension_", "force_", "coercion_"))]
    # the file lists every feature, and each pattern row cites its pattern's source
    from sim.runs.score import BURDEN_TARGETS, BURDEN_TOLERANCE, PATTERNS

    assert set(hist["feature"]) == set(FEATURES)
    src = hist.set_index("feature")["source"]
    assert all(p.source in src[f"pattern_{p.id}"] for p in PATTERNS)
    assert [hist.set_index("feature").loc[f"russia_burden_{a}_{b}", "value"] for a, b in BURDEN_TARGETS] == \
        list(BURDEN_TARGETS.values())
    assert (hist.loc[hist["feature"].str.startswith("russia_burden_"), "tolerance"] == BURDEN_TOLERANCE).all()


def test_acceptance_rates_intervals_and_paired_differences():
    t = toy_table()
    acc = abc.accept(t, record())
    a = abc.acceptance(t, acc).set_index("world")
    assert a.loc["a", "rate"] == pytest.approx(4 / 8) and a.loc["b", "rate"] == pytest.approx(1 / 8)
    lo, hi = abc.wilson(4, 8)
    assert (a.loc["a", "lo"], a.loc["a", "hi"]) == pytest.approx((lo, hi))
    assert lo == pytest.approx(0.2152, abs=1e-3) and hi == pytest.approx(0.7848, abs=1e-3)
    assert a.loc["a", "draws_accepted"] == 3 and a.loc["a", "draw_share_se_max"] == pytest.approx(np.sqrt(0.25 / 2))
    d = abc.paired_differences(t, acc, n_boot=500).iloc[0]
    assert (d["world_a"], d["world_b"], bool(d["paired"])) == ("a", "b", True)
    # per-draw shares: a 1, .5, .5, 0; b .5, 0, 0, 0
    assert d["mean"] == pytest.approx((1 + 0.5 + 0.5 + 0) / 4 - (0.5 + 0 + 0 + 0) / 4)
    assert d["lo"] <= d["mean"] <= d["hi"] and d["share_a_better"] == pytest.approx(0.75)


def test_posterior_weights_and_model_probabilities():
    t = toy_table()
    acc = abc.accept(t, record())
    post = abc.posterior(t, acc)
    a = post[post["world"] == "a"].set_index("draw")
    assert a["accepted"].to_dict() == {0: 2, 1: 1, 2: 1}
    assert a["weight"].to_dict() == pytest.approx({0: 0.5, 1: 0.25, 2: 0.25})
    # M8 weights: every run of world a has the same log-likelihood, so the weights are the same
    assert abc.posterior(t, acc, weight="m8").query("world == 'a'")["weight"].tolist() == pytest.approx([.5, .25, .25])
    pt = abc.posterior_table(t, acc)
    assert set(pt.columns) == {"world", "draw", "accepted", "weight", "weight_m8", "log_m8"}
    p = abc.model_probabilities(t, acc).set_index("world")["probability"]
    assert p["a"] == pytest.approx(4 / 5) and p["b"] == pytest.approx(1 / 5)
    p8 = abc.model_probabilities(t, acc, weight="m8").set_index("world")["probability"]
    ea, eb = 4 / 8 * np.exp(-1.0), 1 / 8 * np.exp(-3.0)
    assert p8["a"] == pytest.approx(ea / (ea + eb))
    draws = pd.DataFrame({"draw": [0, 1, 2, 3], "x": [0.0, 1.0, 2.0, 3.0]})
    m = abc.marginals(post, draws).set_index("world")
    assert m.loc["a", "mean"] == pytest.approx(0.5 * 0 + 0.25 * 1 + 0.25 * 2)
    assert m.loc["a", "prior_mean"] == pytest.approx(1.5)
    ev = abc.m8_evidence(t, acc).set_index("world")
    assert ev.loc["a", "ll_own"] == pytest.approx(-1.0) and ev.loc["a", "ln_bf_R_S"] == pytest.approx(-1.0)


def test_leave_one_out_graded_and_synthetic_records():
    t = toy_table()
    lo = abc.leave_one_out(t, record())
    assert set(lo["dropped"]) == {"none", "7_no_force_on_members", "11_burden_means"}
    none = lo[lo["dropped"] == "none"].set_index("world")["rate"]
    assert none["a"] == pytest.approx(0.5)
    g = abc.graded(t, record())
    assert g.query("world == 'b' and k == 2")["share"].item() == pytest.approx(1 / 8)
    assert g.query("world == 'b' and k == 0")["share"].item() == 1.0
    # a synthetic record from a failing run: that run's world-b twins are accepted, the matching ones not
    syn = abc.record_from_run(t.iloc[3], like=record())
    assert syn.set_index("feature").loc["russia_burden_1992_1994", "value"] == pytest.approx(2.0)
    acc = abc.accept(t, syn)
    assert acc[3] and not acc[0]
    pc = abc.predictive_check(t, record(), abc.accept(t, record()))
    assert set(pc["feature"]) == {"pattern_7_no_force_on_members", "russia_burden_1992_1994"}
    assert pc.query("world == 'a' and feature == 'pattern_7_no_force_on_members'")["post_within"].item() == 1.0


def test_a_record_with_an_unknown_feature_is_refused():
    with pytest.raises(abc.RecordError, match="did you mean"):
        abc.check_record(pd.DataFrame({"feature": ["pattern_7_no_force_on_member"], "value": [1.0],
                                       "tolerance": [0.0]}))


def test_fallback_accepts_the_strictest_graded_level_pooled_over_models():
    """When nothing passes the full rule, one level k* for every model: the largest k at which at least
    FALLBACK_SHARE of all runs (pooled) match k or more of the record's patterns."""
    import numpy as np
    import pandas as pd

    from sim.runs.calibrate import abc
    rec = pd.DataFrame({"feature": ["pattern_a", "pattern_b", "pattern_c"], "value": [1.0, 1.0, 1.0],
                        "tolerance": [0.0, 0.0, 0.0], "source": ["t"] * 3})
    rng = np.random.default_rng(0)
    n = 4000
    table = pd.DataFrame({"world": np.repeat(["w1", "w2"], n // 2),
                          "pattern_a": (rng.random(n) < 0.5).astype(float),
                          "pattern_b": (rng.random(n) < 0.2).astype(float),
                          "pattern_c": np.zeros(n)})  # never holds: nothing passes the full rule
    assert not abc.accept(table, rec).any()
    acc, k = abc.fallback_accept(table, rec, share=0.01)
    assert k == 2  # a and b together: ~10 % of runs >= 1 %
    assert (acc == (abc.patterns_matched(table, rec) >= 2)).all()
    acc3, k3 = abc.fallback_accept(table, rec, share=0.5)
    assert k3 == 1 and acc3.sum() >= 0.5 * n
