"""The calibration report (sim/faces/calibration_report.py) on a synthetic calibration folder built here from
tables of the design's columns (no simulation): the page is self-contained; every world's paragraph is filled
from the numbers of the folder (change a number, the sentence changes); the model probabilities appear only
beside the model-recovery matrix; the null model is a row of the acceptance table; the held-out table appears
when heldout.csv exists; a world with no accepted draw is said to have none. The section on seed 000's claims
(switches.csv) and the West's type from NATO's own decisions (recovery/west_type.csv, the ``*_dec`` columns of
recovery/confusion.csv) appear when their files exist, are absent otherwise, and their sentences follow the
numbers; a calibration of models world+switch renders legibly (one colour family per world, the models in
world order)."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.faces import calibration_report as cr
from sim.faces.calibration_report import Calibration, pct, pct3, shifts, world_paragraph, write_report
from sim.params import PARAMETERS
from sim.runs.score import FEATURES, PATTERNS, pattern_feature

WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
FREE = ("kappa", "status_weight", "sphere_weight", "power_exponent", "signal_credibility", "initial_function",
        "regime_weight", "depreciation")
PAT = [pattern_feature(p.id) for p in PATTERNS]
BURDEN = {"russia_burden_1992_1994": 4.38, "russia_burden_1998_2000": 3.04, "russia_burden_2006_2008": 3.17,
          "russia_burden_2011_2013": 3.66}


def _analyse(folder: Path, table: pd.DataFrame, draws: pd.DataFrame, null_draws: pd.DataFrame, n_free: int) -> None:
    """The tables 'spiral calibrate' writes after its reference table (sim/runs/calibrate/__init__.py), from the
    same functions of sim.runs.calibrate.abc."""
    from sim.runs.calibrate import abc

    record = abc.load_record()
    acc = abc.accept(table, record)
    a = abc.acceptance(table, acc)
    a.insert(1, "parameters", [len(null_draws.columns) - 1 if w == "null" else n_free for w in a["world"]])
    a.to_csv(folder / "acceptance.csv", index=False)
    abc.posterior_table(table, acc).to_parquet(folder / "posterior.parquet", index=False)
    abc.paired_differences(table, acc, n_boot=200).to_csv(folder / "paired.csv", index=False)
    abc.graded(table, record).to_csv(folder / "graded.csv", index=False)
    abc.leave_one_out(table, record).to_csv(folder / "leave_one_out.csv", index=False)
    pd.concat([abc.model_probabilities(table, acc), abc.model_probabilities(table, acc, weight="m8")],
              ignore_index=True).to_csv(folder / "model_probabilities.csv", index=False)
    abc.m8_evidence(table, acc).to_csv(folder / "m8_evidence.csv", index=False)
    abc.predictive_check(table, record, acc).to_csv(folder / "predictive.csv", index=False)
    effects = abc.switch_effects(table, acc, record, n_boot=200)
    if len(effects):  # models world+switch, as spiral calibrate writes them
        effects.to_csv(folder / "switches.csv", index=False)
        abc.switch_pattern_effects(table, record).to_csv(folder / "switches_by_pattern.csv", index=False)


def synthetic_calibration(folder: Path, draws: int = 240, seeds: int = 8, seed: int = 0, recovery: bool = True,
                          heldout: bool = True, none_accepted: bool = False, switches=(), per_world: int = 6) -> Path:
    """A calibration folder as 'spiral calibrate' and 'spiral recover' write it, from made-up features that
    depend on the parameters (so the posterior moves): provocation accepts nothing, the null model has its own
    draws and no M8 columns; ``none_accepted``: pattern 6 holds in no run of any model; ``switches``: each
    crossed with every world (models world+switch, a little less skilled than their world)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    u = rng.random((draws, len(FREE)))
    prior = pd.DataFrame({n: PARAMETERS[n].low + u[:, i] * (PARAMETERS[n].high - PARAMETERS[n].low)
                          for i, n in enumerate(FREE)})
    prior.insert(0, "draw", np.arange(draws))
    prior.to_parquet(folder / "draws.parquet", index=False)
    null_draws = pd.DataFrame({"draw": np.arange(draws), **{f"beta_{k}": rng.uniform(-.5, .5, draws) for k in "abc"},
                               "decay": rng.uniform(.05, 2, draws)})
    null_draws.to_parquet(folder / "null_draws.parquet", index=False)
    skill = {"security_dilemma": 0.93, "deterrence": 0.96, "provocation": 0.7, "revisionist_spiral": 0.97,
             "null": 0.92}
    models = (*WORLDS, *(f"{w}+{sw}" for w in WORLDS for sw in switches), "null")
    for k, sw in enumerate(switches):
        skill.update({f"{w}+{sw}": skill[w] - 0.01 * (k + 1) for w in WORLDS})
    rows = []
    for w in models:
        base = w.split("+")[0]
        x = (u[:, 0] if base != "deterrence" else 1 - u[:, 1])  # the posterior moves on kappa (or status_weight)
        p = np.clip(skill[w] + 0.08 * (x - 0.5) * (2 if w != "null" else 0), 0, 1)
        n = draws * seeds
        f = {"world": np.repeat(w, n), "draw": np.repeat(np.arange(draws), seeds), "seed": np.tile(np.arange(seeds), draws)}
        pp = np.repeat(p, seeds)
        for j, col in enumerate(PAT):
            never = (w == "null" and j in (0, 2)) or (base == "provocation" and j == 8) or (none_accepted and j == 5)
            f[col] = (rng.random(n) < (0.0 if never else pp)).astype(np.float32)
        for k, col in enumerate(c for c in FEATURES if c.startswith("tension_russia_")):
            f[col] = np.clip(rng.normal(0.3 + 0.02 * k, 0.08, n), 0, 1).astype(np.float32)
        for col, v in BURDEN.items():
            f[col] = rng.normal(v + 0.2 * (x.repeat(seeds) - 0.5), 0.35, n).astype(np.float32)
        f["force_1992_2013"] = rng.poisson(1.5, n).astype(np.float32)
        f["coercion_1992_2013"] = rng.poisson(3, n).astype(np.float32)
        for t in ("own", "S", "R", "G"):
            f[f"m8_ll_{t}"] = (np.full(n, np.nan) if w == "null" else
                               rng.normal(-8 - WORLDS.index(base) if t == "own" else -9, 1.0, n))
        rows.append(pd.DataFrame(f))
    table = pd.concat(rows, ignore_index=True)
    (folder / "reference").mkdir(exist_ok=True)
    for i, (w, g) in enumerate(table.groupby("world", sort=False)):
        g.to_parquet(folder / "reference" / f"part-{i:06d}.parquet", index=False)
    _analyse(folder, table, prior, null_draws, len(FREE))
    if recovery:
        from sim.runs.calibrate import abc
        from sim.runs.calibrate.recover import recover, write_recovery

        rec = recover(table, {**{w: prior for w in models if w != "null"}, "null": null_draws}, abc.load_record(),
                      per_world=per_world, seed=1)
        write_recovery(rec, folder / "recovery")
    if heldout:
        h = []
        for m in (*WORLDS, "null"):
            for it in ("H1_force_ukraine_2014", "H2_force_ukraine_2022"):
                h.append({"model": m, "item": it, "kind": "log score", "record": 1.0, "predicted": 0.4,
                          "score": math.log(0.4), "n": 100})
            h.append({"model": m, "item": "russia_burden_2014", "kind": "CRPS (pp of GDP)", "record": 4.1,
                      "predicted": 3.6, "score": 0.4, "n": 100})
            h.append({"model": m, "item": "total log score", "kind": "log score", "record": np.nan, "predicted": np.nan,
                      "score": 2 * math.log(0.4) - (0.5 if m == "null" else 0), "n": np.nan})
            h.append({"model": m, "item": "mean burden CRPS 2014-2024", "kind": "CRPS (pp of GDP)", "record": np.nan,
                      "predicted": np.nan, "score": 0.4, "n": np.nan})
        pd.DataFrame(h).to_csv(folder / "heldout.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps({
        "name": "synthetic", "scenario": {"name": "historical", "train_end": "2013Q4"},
        "budget": {"worlds": list(models), "draws": draws, "seeds": seeds, "runs": int(len(table)),
                   "free_parameters": len(FREE), "prior_scale": 1.0},
        "heldout": {"path": "docs/heldout.md", "sha256": "0" * 64}, "status": "complete",
        "sessions": [{"command": "spiral calibrate synthetic.yaml", "executor": "local"}],
        "results": {"simulation_seconds": 1.0, "runs_per_second": 1000.0}}))
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = synthetic_calibration(tmp_path_factory.mktemp("calib") / "c")
    return folder, write_report(folder).read_text()


def _paragraph(page: str, world: str) -> str:
    m = re.search(rf"<div class='world' id='world-{world}'><p><b style='color:[^']*'>{world}\.</b> (.*?)</div>", page)
    assert m, world
    return html.unescape(re.sub(r"</?p>", " ", m.group(1)))


def test_page_is_self_contained_and_has_every_section(report):
    folder, page = report
    assert (folder / "report.html").is_file()
    body = page.split("</head>", 1)[1]  # (plotly.js itself, embedded in the head, names URLs it never loads)
    assert "<script src=" not in page.split("<script type='text/javascript'>", 1)[0] and "<script src=" not in body
    assert len(page.split("</head>", 1)[0]) > 1_000_000  # plotly.js embedded
    assert len(re.findall(r"Plotly\.newPlot", page)) >= 10
    for heading in ("Acceptance, graded, paired", "Which world?", "Posterior marginals and pairs",
                    "Posterior predictive", "(M8)", "Leave one pattern out", "Held out 2014"):
        assert heading in page, heading


def test_paragraphs_are_filled_from_the_numbers(report, tmp_path):
    folder, page = report
    acc = pd.read_csv(folder / "acceptance.csv").set_index("world")
    for w in ("security_dilemma", "deterrence", "revisionist_spiral"):
        text = _paragraph(page, w)
        assert f"{int(acc.loc[w, 'accepted']):,} of its {int(acc.loc[w, 'runs']):,} runs" in text
        assert pct3(acc.loc[w, "rate"]) in text and "null model" in text and "Model recovery" in text
    assert _paragraph(page, "provocation").startswith("None of its")
    # change a number: the sentence follows
    other = tmp_path / "other"
    synthetic_calibration(other)
    a = pd.read_csv(other / "acceptance.csv")
    a.loc[a.world == "deterrence", ["accepted", "rate"]] = [7, 7 / a.loc[a.world == "deterrence", "runs"].iloc[0]]
    a.to_csv(other / "acceptance.csv", index=False)
    c = Calibration.read(other)
    assert "7 of its" in world_paragraph(c, "deterrence", None)


def test_null_model_is_a_row_with_its_parameter_count(report):
    _, page = report
    assert re.search(r"<td>null</td><td>4</td>", page)  # 4 null parameters in the synthetic folder
    assert re.search(r"<td>deterrence</td><td>8</td>", page)


def test_model_probabilities_only_beside_recovery(tmp_path):
    with_rec = write_report(synthetic_calibration(tmp_path / "a")).read_text()
    assert "ABC model probabilities on the record" in with_rec and "Robert et al. 2011" in with_rec
    without = write_report(synthetic_calibration(tmp_path / "b", recovery=False, heldout=False)).read_text()
    assert "ABC model probabilities on the record" not in without
    assert "ABC model probability on the record" not in without  # nor in the paragraphs
    assert "Not scored yet" in without and "Held out (2014" not in without


def test_shift_ranks_the_parameter_the_posterior_moved(report):
    folder, _ = report
    c = Calibration.read(folder)
    top = shifts(c.draws, c.weights("security_dilemma"), c.free_parameters())
    assert top["parameter"].iloc[0] == "kappa"
    top = shifts(c.draws, c.weights("deterrence"), c.free_parameters())
    assert top["parameter"].iloc[0] == "status_weight"


def test_nothing_accepted_is_said_and_no_probability_is_shown(tmp_path):
    folder = synthetic_calibration(tmp_path / "none", none_accepted=True)
    assert int(pd.read_csv(folder / "acceptance.csv")["accepted"].sum()) == 0
    page = write_report(folder).read_text()
    assert "No run of any model passes the rule" in page and "No ABC model probability on the record" in page
    assert "ABC model probabilities on the record (equal prior" not in page
    assert "No posterior" in page and "Prior predictive (no model has a posterior)" in page
    text = _paragraph(page, "deterrence")
    assert text.startswith("None of its") and "The most patterns any of its runs holds is 11 of 12" in text
    assert "the null model's best, which hold" in text


# ------------------------------------------------------------------------------------------ seed 000's claims

CLAIMS = "<h2>Seed 000's claims and the M10 modules</h2>"
WEST = "<h3>The West's type from NATO's own decisions</h3>"


def _effect(switch, world, d, lo, hi, acc=(0.0, 0.0, 0.0), draws=240):
    return {"switch": switch, "world": world, "draws": draws, "d_accept": acc[0], "d_accept_lo": acc[1],
            "d_accept_hi": acc[2], "d_patterns": d, "d_patterns_lo": lo, "d_patterns_hi": hi,
            "share_switch_better": 0.2, "share_plain_better": 0.5}


def _switches_by_hand(folder: Path) -> pd.DataFrame:
    """switches.csv with known signs: expansion_only pooled below zero (favours claim (b)), territorial_only
    above zero (favours its rival), liberal across zero, constructivist 0 to 0 everywhere."""
    rows = [_effect("expansion_only", "all", -0.4, -0.6, -0.2, (-0.01, -0.02, -0.002))]
    rows += [_effect("expansion_only", w, -0.4, -0.7, -0.1) for w in WORLDS[:3]]
    rows += [_effect("expansion_only", "revisionist_spiral", -0.1, -0.5, 0.3)]
    rows += [_effect("territorial_only", "all", 0.3, 0.1, 0.5, (0.004, -0.001, 0.009))]
    rows += [_effect("territorial_only", w, 0.3, 0.05, 0.6) for w in WORLDS]
    rows += [_effect("liberal", "all", 0.05, -0.2, 0.3)] + [_effect("liberal", w, 0.05, -0.3, 0.4) for w in WORLDS]
    rows += [_effect("constructivist", "all", 0.0, 0.0, 0.0)] + [_effect("constructivist", w, 0.0, 0.0, 0.0)
                                                                 for w in WORLDS]
    t = pd.DataFrame(rows)
    t.to_csv(folder / "switches.csv", index=False)
    pd.DataFrame([{"switch": sw, "pattern": p.id, "plain": 0.5, "switched": 0.5 + (0.1 if sw == "liberal" else -0.05),
                   "difference": 0.1 if sw == "liberal" else -0.05}
                  for sw in dict.fromkeys(t["switch"]) for p in PATTERNS]).to_csv(folder / "switches_by_pattern.csv",
                                                                                  index=False)
    return t


def test_membership_check_is_a_section_with_its_post_hoc_reading(tmp_path):
    """membership.csv (written by spiral calibrate) becomes a table: per model the share of accepted and of
    prior runs in which NATO admits a state the record did not, and the acceptance share without them,
    labelled post hoc."""
    folder = synthetic_calibration(tmp_path / "c", draws=40, seeds=2, recovery=False, heldout=False)
    pd.DataFrame([
        dict(world="security_dilemma", runs="accepted", n=20, any_emergent_accession=0.25, csto_member_admitted=0.1,
             acceptance=0.04, acceptance_without=0.03, most_admitted="FIN 20%; KAZ 10%", force_elsewhere=0.35,
             most_forced="UKR 35%"),
        dict(world="security_dilemma", runs="prior sample", n=200, any_emergent_accession=0.5,
             csto_member_admitted=0.3, acceptance=float("nan"), acceptance_without=float("nan"), most_admitted="FIN 40%",
             force_elsewhere=0.6, most_forced="UKR 60%"),
    ]).to_csv(folder / "membership.csv", index=False)
    text = html.unescape(write_report(folder).read_text())
    section = text.split("Checks the features do not make", 1)[1].split("<h2>", 1)[0]
    assert "25 %" in section and "50 %" in section and "FIN 20%; KAZ 10%" in section
    assert "4 % → 3 %" in section and "post hoc" in section
    assert "35 %" in section and "UKR 35%" in section and "60 %" in section  # Russia's force where the record has none


def test_new_sections_absent_without_their_files(report):
    _, page = report
    text = html.unescape(page)
    assert "Checks the features do not make" not in text
    assert "Seed 000's claims" not in text and "switches.csv" not in text
    assert "The West's type" not in text and "own NATO decisions" not in text
    assert "Model recovery" in text and "Model recovery: from the training features" not in text  # one matrix


def test_switch_sentences_follow_the_numbers(tmp_path):
    folder = synthetic_calibration(tmp_path / "sw", recovery=False, heldout=False)
    t = _switches_by_hand(folder)
    page = write_report(folder).read_text()
    text = html.unescape(page)
    assert CLAIMS in text
    assert "the paired effect of turning each switch on" in text  # the forest plot
    assert "Which patterns a switch gains or loses" in text       # switches_by_pattern.csv
    assert "all (pooled)" in text                                  # the table
    sentences = {s.split(" (", 1)[0]: s for s in cr.switch_sentences(Calibration.read(folder))}
    assert set(sentences) == {"expansion_only", "territorial_only", "liberal", "constructivist"}
    exp = sentences["expansion_only"]
    assert ("by −0.40 on average (95 % interval −0.60 to −0.20): the interval lies below zero: the record favours "
            "claim (b), centrality rather than expansion") in exp
    assert "and the accepted share by −1.0 percentage points (−2.0 to −0.2): the interval lies below zero" in exp
    assert "lies below zero in security_dilemma, deterrence, provocation; includes 0 in revisionist_spiral" in exp
    assert "the record favours its rival, territorial security" in sentences["territorial_only"]
    assert "accepted share by +0.4 percentage points (−0.1 to +0.9): the interval includes 0" in \
        sentences["territorial_only"]
    assert "the interval includes 0: the record does not tell them apart" in sentences["liberal"]
    assert "no draw differs" in sentences["constructivist"]
    for s in sentences.values():
        assert html.escape(s) in page or s in text
    # change a number: the sentence follows
    t.loc[(t.switch == "expansion_only") & (t.world == "all"), ["d_patterns_lo", "d_patterns_hi"]] = [0.1, 0.5]
    t.loc[(t.switch == "expansion_only") & (t.world == "all"), "d_patterns"] = 0.3
    t.to_csv(folder / "switches.csv", index=False)
    exp = cr.switch_sentences(Calibration.read(folder))[0]
    assert "lies above zero: the record favours its rival, expansion as such" in exp


def test_switched_models_render_in_world_order_with_their_world_colour(tmp_path):
    folder = synthetic_calibration(tmp_path / "models", draws=40, seeds=4, heldout=False,
                                   switches=("expansion_only", "liberal"), per_world=3)
    c = Calibration.read(folder)
    assert c.worlds[:3] == ["security_dilemma", "security_dilemma+expansion_only", "security_dilemma+liberal"]
    assert c.models[-1] == "null" and len(c.models) == 13
    page = write_report(folder).read_text()
    assert CLAIMS in html.unescape(page) and (folder / "switches.csv").is_file()
    pooled = pd.read_csv(folder / "switches.csv").query("world == 'all'")
    assert set(pooled["switch"]) == {"expansion_only", "liberal"}
    # one colour per model, each a shade of its world's; a marker per switch
    colours = [cr.colour(m) for m in c.models]
    assert len(set(colours)) == len(colours)
    assert cr.colour("deterrence") == cr.WORLD_COLOURS["deterrence"] != cr.colour("deterrence+liberal")
    assert cr.symbol("deterrence+liberal") != cr.symbol("deterrence+expansion_only") != cr.symbol("deterrence")
    # the confusion matrix of 13 models: the share alone in a cell, a line between the worlds' blocks
    fig = cr.fig_confusion(c)
    assert fig.layout.width > 620 and fig.layout.height > 460
    assert not any("p̄" in (a.text or "") for a in fig.layout.annotations)
    assert sum(1 for s in fig.layout.shapes if s.type == "line") == 2 * 4  # 3 between the worlds, 1 before null
    # the paired figure: the types under the same switch, not every pair of models
    paired = cr.fig_paired(c)
    labels = list(paired.data[0].y)
    assert "deterrence+liberal − provocation+liberal" in labels
    assert not any(lab.startswith("deterrence+liberal − provocation+expansion_only") for lab in labels)
    # a switched model's paragraph: its effect against its plain world
    text = world_paragraph(c, "deterrence+liberal", None)
    r = pd.read_csv(folder / "switches.csv").query("switch == 'liberal' and world == 'deterrence'").iloc[0]
    assert (f"Against deterrence on the same draws and seeds, turning liberal on changes the number of the record's "
            f"patterns a run matches by {cr.signed(r['d_patterns'])}") in text


# ------------------------------------------------------------------------------------------ the West's type

def _decisions_by_hand(folder: Path) -> None:
    """recovery/west_type.csv and the *_dec columns of recovery/confusion.csv, written by hand: with the
    decisions the security dilemma and provocation are told apart, without them not."""
    cf = pd.read_csv(folder / "recovery" / "confusion.csv")
    agent = cf["true_world"] != "null"
    cf["win_share_dec"] = np.where(agent & (cf["inferred_world"] != "null"), cf["win_share"], np.nan)
    cf["probability_dec"] = np.where(agent & (cf["inferred_world"] != "null"), cf["probability"], np.nan)

    def put(t, i, without, with_):
        m = (cf["true_world"] == t) & (cf["inferred_world"] == i)
        cf.loc[m, "win_share"], cf.loc[m, "win_share_dec"] = without, with_
    put("security_dilemma", "security_dilemma", 0.3, 0.9)
    put("security_dilemma", "provocation", 0.4, 0.05)
    put("provocation", "provocation", 0.3, 0.8)
    put("provocation", "security_dilemma", 0.4, 0.1)
    cf.to_csv(folder / "recovery" / "confusion.csv", index=False)
    types = ("security_seeker", "order_revisionist", "greedy_expansionist")
    win = {"security_seeker": (0.8, 0.1, 0.1), "order_revisionist": (0.1, 0.7, 0.2),
           "greedy_expansionist": (0.5, 0.0, 0.5)}
    pd.DataFrame([{"true_type": t, "inferred_type": u, "records": 12 if t == "security_seeker" else 6,
                   "probability": win[t][j] * 0.9 + 0.03, "win_share": win[t][j], "votes_mean": 10.0}
                  for t in types for j, u in enumerate(types)]).to_csv(folder / "recovery" / "west_type.csv",
                                                                       index=False)


def test_west_type_and_decisions_appear_and_follow_the_numbers(tmp_path):
    folder = synthetic_calibration(tmp_path / "dec", heldout=False)
    _decisions_by_hand(folder)
    page = write_report(folder).read_text()
    text = html.unescape(page)
    assert WEST in text
    assert "Model recovery: with the history's own NATO decisions added" in text
    assert "Model recovery: from the training features" in text
    assert "The West's type from its own decisions alone" in text
    assert "NATO decided by its own vote in the synthetic histories (10.0 decisions per history on average)" in text
    c = Calibration.read(folder)
    pair = [s for s in cr.decision_sentences(c) if s.startswith("security_dilemma and provocation")]
    assert len(pair) == 1 and "(security seeker against greedy expansionist)" in pair[0]
    assert "without the decisions: security_dilemma 30 % / 40 %, provocation 30 % / 40 %" in pair[0]
    assert "with them: security_dilemma 90 % / 5.0 %, provocation 80 % / 10 %" in pair[0]
    assert pair[0].endswith("with the decisions, and not without them.")
    assert html.escape(pair[0]) in page
    first = cr.decision_sentences(c)[0]
    cf = pd.read_csv(folder / "recovery" / "confusion.csv").query("true_world != 'null'")
    d = cf[cf.true_world == cf.inferred_world]
    assert (f"the true world is named in {pct(d['win_share'].mean())} from the training features alone and in "
            f"{pct(d['win_share_dec'].mean())} with the history's own NATO decisions added (chance 25 %)") in first
    west = cr.west_type_sentences(c)[0]
    # named: (12 × 0.8 + 6 × 0.7 + 6 × 0.5) / 24 = 70 %
    assert "the West's true type is named in 70 % of the 24 records (chance 33 %)" in west
    assert "a security seeker West in 80 % of its 12, an order revisionist West in 70 % of its 6" in west
    assert "a greedy expansionist West was named security seeker at least as often (50 % against 50 %)" in west
    assert html.escape(west) in page
    assert "with the synthetic history's own NATO decisions added, it was named in 90 %" in \
        world_paragraph(c, "security_dilemma", None)
    # the decisions told apart without them too: the verdict follows
    cf = pd.read_csv(folder / "recovery" / "confusion.csv")
    m = (cf.true_world == "provocation") & (cf.inferred_world == "security_dilemma")
    cf.loc[m, "win_share"] = 0.1
    m = (cf.true_world == "security_dilemma") & (cf.inferred_world == "provocation")
    cf.loc[m, "win_share"] = 0.1
    cf.to_csv(folder / "recovery" / "confusion.csv", index=False)
    pair = [s for s in cr.decision_sentences(Calibration.read(folder)) if s.startswith("security_dilemma and")]
    assert pair[0].endswith("both with the decisions and without them.")
