"""The calibration report (sim/faces/calibration_report.py) on a synthetic calibration folder built here from
tables of the design's columns (no simulation): the page is self-contained; every world's paragraph is filled
from the numbers of the folder (change a number, the sentence changes); the model probabilities appear only
beside the model-recovery matrix; the null model is a row of the acceptance table; the held-out table appears
when heldout.csv exists; a world with no accepted draw is said to have none."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.faces.calibration_report import Calibration, pct3, shifts, world_paragraph, write_report
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


def synthetic_calibration(folder: Path, draws: int = 240, seeds: int = 8, seed: int = 0, recovery: bool = True,
                          heldout: bool = True, none_accepted: bool = False) -> Path:
    """A calibration folder as 'spiral calibrate' and 'spiral recover' write it, from made-up features that
    depend on the parameters (so the posterior moves): provocation accepts nothing, the null model has its own
    draws and no M8 columns; ``none_accepted``: pattern 6 holds in no run of any model."""
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
    rows = []
    for w in (*WORLDS, "null"):
        x = (u[:, 0] if w != "deterrence" else 1 - u[:, 1])  # the posterior moves on kappa (or status_weight)
        p = np.clip(skill[w] + 0.08 * (x - 0.5) * (2 if w != "null" else 0), 0, 1)
        n = draws * seeds
        f = {"world": np.repeat(w, n), "draw": np.repeat(np.arange(draws), seeds), "seed": np.tile(np.arange(seeds), draws)}
        pp = np.repeat(p, seeds)
        for j, col in enumerate(PAT):
            never = (w == "null" and j in (0, 2)) or (w == "provocation" and j == 8) or (none_accepted and j == 5)
            f[col] = (rng.random(n) < (0.0 if never else pp)).astype(np.float32)
        for k, col in enumerate(c for c in FEATURES if c.startswith("tension_russia_")):
            f[col] = np.clip(rng.normal(0.3 + 0.02 * k, 0.08, n), 0, 1).astype(np.float32)
        for col, v in BURDEN.items():
            f[col] = rng.normal(v + 0.2 * (x.repeat(seeds) - 0.5), 0.35, n).astype(np.float32)
        f["force_1992_2013"] = rng.poisson(1.5, n).astype(np.float32)
        f["coercion_1992_2013"] = rng.poisson(3, n).astype(np.float32)
        for t in ("own", "S", "R", "G"):
            f[f"m8_ll_{t}"] = (np.full(n, np.nan) if w == "null" else
                               rng.normal(-8 - WORLDS.index(w) if t == "own" else -9, 1.0, n))
        rows.append(pd.DataFrame(f))
    table = pd.concat(rows, ignore_index=True)
    (folder / "reference").mkdir(exist_ok=True)
    for i, (w, g) in enumerate(table.groupby("world", sort=False)):
        g.to_parquet(folder / "reference" / f"part-{i:06d}.parquet", index=False)
    _analyse(folder, table, prior, null_draws, len(FREE))
    if recovery:
        from sim.runs.calibrate import abc
        from sim.runs.calibrate.recover import recover, write_recovery

        rec = recover(table, {**{w: prior for w in WORLDS}, "null": null_draws}, abc.load_record(), per_world=6,
                      seed=1)
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
        "budget": {"worlds": [*WORLDS, "null"], "draws": draws, "seeds": seeds, "runs": int(len(table)),
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
