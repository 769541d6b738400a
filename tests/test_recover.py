"""Model recovery (sim/runs/calibrate/recover.py) on a toy model with a known answer (tests/calib_toy.py):
worlds that differ are told apart, identical worlds are not, rejection recovers the toy's parameter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calib_toy import DIFFERENT, IDENTICAL, PATTERNS, toy_draws, toy_features, toy_record, toy_table
from sim.runs.calibrate.abc import accept
from sim.runs.calibrate.recover import (Recovery, format_recovery, recover, synthetic_records,
                                        write_recovery)


@pytest.fixture(scope="module")
def draws():
    return toy_draws(400, seed=1)


@pytest.fixture(scope="module")
def different(draws):
    return toy_table(DIFFERENT, draws, seeds=10)


@pytest.fixture(scope="module")
def identical(draws):
    return toy_table(IDENTICAL, draws, seeds=10)


def _cell(rec: Recovery, t: str, w: str, col: str) -> float:
    c = rec.confusion
    return float(c[(c.true_world == t) & (c.inferred_world == w)][col].iloc[0])


def test_different_worlds_give_a_clear_diagonal(different, draws):
    rec = recover(different, draws, toy_record(), per_world=30, seed=3)
    for t in ("a", "b"):
        assert _cell(rec, t, t, "win_share") >= 0.9
        assert _cell(rec, t, t, "probability") >= 0.9
    assert len(rec.records) == 60 and (rec.records.groupby("true_world").size() == 30).all()
    # rows are distributions
    for t in ("a", "b"):
        g = rec.confusion[rec.confusion.true_world == t]
        assert g["win_share"].sum() == pytest.approx(1.0) and g["probability"].sum() == pytest.approx(1.0)


def test_identical_worlds_give_about_half(identical, draws):
    """Identical worlds with paired draws and seeds hold identical runs: the synthetic record's twin in the
    other world must be left out with it, or that world would win (tested by leaving the run alone out)."""
    assert identical[identical.world == "a"].drop(columns="world").reset_index(drop=True).equals(
        identical[identical.world == "b"].drop(columns="world").reset_index(drop=True))
    rec = recover(identical, draws, toy_record(), per_world=60, seed=4)
    for t in ("a", "b"):
        for w in ("a", "b"):
            assert abs(_cell(rec, t, w, "probability") - 0.5) < 0.08
            assert abs(_cell(rec, t, w, "win_share") - 0.5) < 0.2


def test_rejection_recovers_the_true_parameter(different, draws):
    """A record made by world "a" at theta = 0.3 (seeds not in the table): the accepted runs of "a" centre
    on 0.3, their 90 % interval holds it, and phi (which decides nothing) keeps its prior."""
    rec_feats = toy_features(np.array([0.3]), DIFFERENT["a"], [987_654]).iloc[0]
    record = toy_record(rec_feats)
    a = different[different.world == "a"].reset_index(drop=True)
    ok = np.asarray(accept(a, record), dtype=bool)
    assert ok.sum() >= 20
    post = draws.set_index("draw").loc[a["draw"][ok]]
    assert abs(post["theta"].mean() - 0.3) < 0.06
    lo, hi = np.quantile(post["theta"], [0.05, 0.95])
    assert lo < 0.3 < hi and hi - lo < 0.4
    assert abs(post["phi"].mean() - 0.5) < 0.15
    # the rule does fail: a record from theta = 0.9 is not met by the runs that meet theta = 0.3
    far = toy_record(toy_features(np.array([0.9]), DIFFERENT["a"], [987_655]).iloc[0])
    assert not (np.asarray(accept(a, far), dtype=bool) & ok).any()


def test_parameter_recovery_and_coverage(different, draws):
    rec = recover(different, draws, toy_record(), per_world=40, seed=5)
    pr = rec.parameters.set_index(["world", "parameter"])
    for w in ("a", "b"):
        assert pr.loc[(w, "theta"), "correlation"] > 0.9
        assert 0.7 <= pr.loc[(w, "theta"), "coverage_90"] <= 1.0
        assert 0.25 <= pr.loc[(w, "theta"), "coverage_50"] <= 0.75
        sbc = pr.loc[(w, "theta"), [f"sbc_{b}" for b in range(5)]].to_numpy()
        assert sbc.sum() == pr.loc[(w, "theta"), "with_posterior"]
    # an uninformed parameter is not "recovered" (its posterior mean barely moves)
    post = rec.parameters
    assert (post[post.parameter == "phi"]["correlation"].abs() < pr.xs("theta", level="parameter")["correlation"].min()).all()


def test_the_synthetic_run_is_left_out(draws):
    """A table in which every run is unique: its only match is itself, so with it left out nothing is
    accepted (undecided, reported, an even split) and the true world has no posterior."""
    t = toy_table(DIFFERENT, draws.iloc[:20], seeds=2)
    burdens = [c for c in t if c.startswith("russia_burden_")]
    t[burdens] = np.repeat(np.arange(len(t), dtype=np.float32)[:, None] * 10, len(burdens), axis=1)  # 10 pp apart
    from sim.runs.calibrate import abc
    rec = recover(t, draws, toy_record(), per_world=5, seed=0, accept=abc.accept)  # the full rule alone
    assert rec.records["undecided"].all() and (rec.records["accepted_total"] == 0).all()
    # with the calibration's declared fallback (the default) a graded level decides every record instead
    fb = recover(t, draws, toy_record(), per_world=5, seed=0)
    assert not fb.records["undecided"].any()
    assert (rec.records["win_a"] == 0.5).all()
    assert (rec.parameters["too_few_accepted"] == 5).all()
    assert "undecided" in format_recovery(rec)
    # its twin (same draw and seed) is left out of the other world too: each loses one run
    assert (rec.records["runs_a"] == 39).all() and (rec.records["runs_b"] == 39).all()
    # leaving out the whole draw removes its runs from every agent world (paired draws)
    rec_d = recover(t, draws, toy_record(), per_world=5, seed=0, exclude="draw", accept=abc.accept)
    assert (rec_d.records["runs_a"] == 38).all() and (rec_d.records["runs_b"] == 38).all()


def test_null_model_is_a_row_and_a_column(different, draws):
    null_draws = pd.DataFrame({"draw": np.arange(400), "gamma": np.random.default_rng(9).random(400)})
    null = toy_table({"null": (np.full(len(PATTERNS), -2.0), -1.5)}, null_draws.rename(columns={"gamma": "theta"}), 10)
    table = pd.concat([different, null], ignore_index=True)
    rec = recover(table, {"a": draws, "b": draws, "null": null_draws}, toy_record(), per_world=10, seed=1)
    assert rec.worlds == ("a", "b", "null")
    assert set(rec.confusion["true_world"]) == set(rec.confusion["inferred_world"]) == {"a", "b", "null"}
    assert _cell(rec, "null", "null", "win_share") >= 0.9
    assert set(rec.parameters[rec.parameters.world == "null"]["parameter"]) == {"gamma"}
    assert rec.records["prob_m8_null"].isna().all()  # the null has no M8
    assert rec.records.loc[rec.records.true_world == "a", ["prob_m8_a", "prob_m8_b"]].sum(axis=1).round(9).eq(1).all()


def test_seeded_choice_and_outputs(different, draws, tmp_path):
    a = synthetic_records(different, 25, seed=7)
    assert a.equals(synthetic_records(different, 25, seed=7))
    assert not a.equals(synthetic_records(different, 25, seed=8))
    assert (a.groupby("world").size() == 25).all() and not a.duplicated(["world", "draw", "seed"]).any()
    # a world's choice does not depend on the other worlds
    only_b = synthetic_records(different[different.world == "b"], 25, seed=7)
    assert only_b[["draw", "seed"]].reset_index(drop=True).equals(a[a.world == "b"][["draw", "seed"]].reset_index(drop=True))
    rec = recover(different, draws, toy_record(), per_world=25, seed=7)
    write_recovery(rec, tmp_path)
    for f in ("recovery.csv", "confusion.csv", "parameter_recovery.csv"):
        assert len(pd.read_csv(tmp_path / f))
    text = format_recovery(rec)
    assert "share of records whose true world wins" in text and "cov90" in text
    with pytest.raises(ValueError, match="exclude"):
        recover(different, draws, toy_record(), exclude="seed")


def _folder(tmp_path, table: pd.DataFrame, draws: pd.DataFrame, status: str = "complete"):
    """A calibration folder as 'spiral calibrate' writes it (the files recover reads)."""
    import json

    d = tmp_path / "calib"
    (d / "reference").mkdir(parents=True)
    table.to_parquet(d / "reference" / "part-000000.parquet", index=False)
    draws.to_parquet(d / "draws.parquet", index=False)
    toy_record().to_csv(d / "record.csv", index=False)
    (d / "manifest.json").write_text(json.dumps({"status": status, "runs_done": len(table),
                                                 "budget": {"worlds": list(dict.fromkeys(table["world"]))}}))
    return d


def test_cli_recover(different, draws, tmp_path, capsys):
    from sim.faces.cli import main

    d = _folder(tmp_path, different, draws)
    assert main(["recover", str(d), "--per-world", "6", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "true world (rows)" in out and "recovery tables" in out
    rec = pd.read_csv(d / "recovery" / "recovery.csv")
    assert len(rec) == 12 and set(rec["true_world"]) == {"a", "b"}
    conf = pd.read_csv(d / "recovery" / "confusion.csv")
    assert {"true_world", "inferred_world", "win_share", "probability", "undecided"} <= set(conf.columns)
    assert len(pd.read_csv(d / "recovery" / "parameter_recovery.csv")) == 4
    # the same command gives the same tables
    assert main(["recover", str(d), "--per-world", "6", "--seed", "2", "--out", str(tmp_path / "again")]) == 0
    assert pd.read_csv(tmp_path / "again" / "recovery.csv").equals(rec)
    # one-line errors: no folder, an unfinished calibration
    capsys.readouterr()
    assert main(["recover", str(tmp_path / "nope")]) == 2
    assert main(["recover", str(_folder(tmp_path / "x", different, draws, status="incomplete"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("error: ") for e in err) and "not complete" in err[1]


def test_narrowing_is_the_rule_itself(different):
    """The pre-filter on the patterns changes nothing: the runs accepted are exactly abc.accept's."""
    from sim.runs.calibrate.abc import record_from_run
    from sim.runs.calibrate.recover import _acceptor

    record = toy_record()
    run, feats = _acceptor(different, record)
    assert feats == [f for f in record["feature"] if f.startswith(("pattern_", "russia_burden_"))]
    for r in (0, 17, 2500, 7999):
        row = different.iloc[r]
        expected = accept(different, record_from_run(row, like=record))
        got = run(row)
        assert got[r] and np.array_equal(got, expected)


# --- the West's type from NATO's own decisions (synthetic histories with an endogenous M8) -----------------------

def _with_votes(table: pd.DataFrame, informative: bool, seed: int = 0) -> pd.DataFrame:
    """The identical toy worlds renamed security_dilemma (West S) and provocation (West G), which differ only in
    the West's type — as in the model — with vote log-likelihood columns: informative ones favour the history's
    own leader type by 2 nats (plus noise), uninformative ones are equal under every type."""
    t = table.copy()
    t["world"] = t["world"].map({"a": "security_dilemma", "b": "provocation"})
    rng = np.random.default_rng(seed)
    n = len(t)
    ll = np.full((n, 3), -5.0) + 0.1 * rng.standard_normal((n, 3))
    if informative:
        own = np.where(t["world"] == "security_dilemma", 0, 2)
        ll[np.arange(n), own] += 2.0
    else:
        ll[:] = -5.0
    t["m8_votes"] = 10.0
    t["m8_vote_ll_S"], t["m8_vote_ll_R"], t["m8_vote_ll_G"] = ll.T
    return t


def test_decisions_identify_the_west_when_they_carry_its_type(identical, draws):
    from sim.runs.calibrate.recover import west_type_confusion

    rec = recover(_with_votes(identical, True), draws, toy_record(), per_world=40, seed=5)
    assert rec.settings["votes"]
    for t in ("security_dilemma", "provocation"):
        # the features cannot tell the worlds apart; the decisions can
        assert abs(_cell(rec, t, t, "probability") - 0.5) < 0.1
        assert _cell(rec, t, t, "win_share_dec") >= 0.9
    wt = west_type_confusion(rec.records)
    diag = wt[wt.true_type == wt.inferred_type].set_index("true_type")["win_share"]
    assert diag["security_seeker"] >= 0.9 and diag["greedy_expansionist"] >= 0.9
    assert "order_revisionist" not in set(wt["true_type"])  # no world here has a revisionist West


def test_uninformative_decisions_leave_the_west_unidentified(identical, draws):
    from sim.runs.calibrate.recover import west_type_confusion

    rec = recover(_with_votes(identical, False), draws, toy_record(), per_world=40, seed=6)
    wt = west_type_confusion(rec.records)
    assert np.allclose(wt["probability"], 1 / 3)
    for t in ("security_dilemma", "provocation"):
        assert abs(_cell(rec, t, t, "probability_dec") - 0.5) < 0.1
    text = format_recovery(rec)
    assert "the West's type from the synthetic history's own NATO decisions" in text


def test_switch_recovery_reads_the_right_side_of_each_switch():
    from sim.runs.calibrate.recover import switch_recovery

    worlds = ("deterrence", "deterrence+liberal", "null")
    recs = pd.DataFrame({
        "true_world": ["deterrence", "deterrence", "deterrence+liberal", "null"],
        "win_deterrence": [1.0, 0.0, 0.5, 0.0], "win_deterrence+liberal": [0.0, 1.0, 0.5, 0.0],
        "win_null": [0.0, 0.0, 0.0, 1.0],
        "prob_deterrence": [0.7, 0.4, 0.5, 0.0], "prob_deterrence+liberal": [0.3, 0.6, 0.5, 0.0],
        "prob_null": [0.0, 0.0, 0.0, 1.0]})
    t = switch_recovery(recs, worlds).set_index("truth")
    assert t.loc["off", "records"] == 2 and t.loc["off", "win_share"] == 0.5
    assert t.loc["off", "probability"] == pytest.approx(0.55) and t.loc["on", "win_share"] == 0.5
    assert switch_recovery(recs.assign(true_world="deterrence"), ("deterrence", "null")).empty


def test_a_null_history_has_no_decisions_to_score(identical, draws):
    """With the null model among the worlds (its runs have no NATO: vote columns NaN), recovery with votes runs
    through: a null record carries no decision evidence and no West type."""
    t = _with_votes(identical, True)
    null = t[t["world"] == "provocation"].assign(world="null")
    for c in ("m8_votes", "m8_vote_ll_S", "m8_vote_ll_R", "m8_vote_ll_G"):
        null[c] = np.nan
    table = pd.concat([t, null], ignore_index=True)
    rec = recover(table, {"security_dilemma": draws, "provocation": draws, "null": draws}, toy_record(),
                  per_world=10, seed=7)
    nr = rec.records[rec.records["true_world"] == "null"]
    assert len(nr) == 10 and (nr["votes"] == 0).all() and nr["type_prob_security_seeker"].isna().all()
    assert np.isfinite(nr["prob_dec_provocation"]).all()
