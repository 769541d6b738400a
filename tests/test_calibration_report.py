"""The calibration report (sim/faces/calibration_report.py) on a synthetic calibration folder built here from
tables of the design's columns (no simulation): the page is self-contained; every world's paragraph is filled
from the numbers of the folder (change a number, the sentence changes); the model probabilities appear only
beside the model-recovery matrix; the null model is a row of the acceptance table; the held-out table appears
when heldout.csv exists; a world with no accepted draw is said to have none."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.faces.calibration_report import Calibration, pct, shifts, world_paragraph, write_report
from sim.params import PARAMETERS
from sim.runs.score import FEATURES, PATTERNS, pattern_feature

WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
FREE = ("kappa", "status_weight", "sphere_weight", "power_exponent", "signal_credibility", "initial_function",
        "regime_weight", "depreciation")
PAT = [pattern_feature(p.id) for p in PATTERNS]
BURDEN = {"russia_burden_1992_1994": 4.38, "russia_burden_1998_2000": 3.04, "russia_burden_2006_2008": 3.17,
          "russia_burden_2011_2013": 3.66}


def _wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def synthetic_calibration(folder: Path, draws: int = 240, seeds: int = 8, seed: int = 0, recovery: bool = True,
                          heldout: bool = True) -> Path:
    """A calibration folder of the design's files, from made-up features that depend on the parameters (so the
    posterior moves), one world that accepts nothing (provocation) and a null model."""
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
            f[col] = (rng.random(n) < (pp if w != "null" or j not in (0, 2) else 0.0)).astype(np.float32)
        for col in FEATURES:
            if col.startswith("tension_russia_"):
                f[col] = np.clip(rng.normal(0.3 + 0.02 * len(col) % 7 / 10, 0.08, n), 0, 1).astype(np.float32)
        for col, v in BURDEN.items():
            f[col] = rng.normal(v + 0.2 * (x.repeat(seeds) - 0.5), 0.35, n).astype(np.float32)
        f["force_1992_2013"] = rng.poisson(1.5, n).astype(np.float32)
        f["coercion_1992_2013"] = rng.poisson(3, n).astype(np.float32)
        if w != "null":
            f["m8_ll_own"] = rng.normal(-8 - WORLDS.index(w), 1.0, n).astype(np.float32)
            for t in "SRG":
                f[f"m8_ll_{t}"] = rng.normal(-9, 1, n).astype(np.float32)
        rows.append(pd.DataFrame(f))
    ref = pd.concat(rows, ignore_index=True)
    ref.to_parquet(folder / "reference.parquet", index=False)
    ok = np.ones(len(ref), dtype=bool)
    for col in PAT:
        ok &= ref[col].to_numpy() == 1
    for col, v in BURDEN.items():
        ok &= np.abs(ref[col].to_numpy() - v) <= 0.5
    ok &= ~((ref["world"] == "provocation").to_numpy())  # a world that accepts nothing
    ref["accepted"] = ok
    acc, post, graded, lopo = [], [], [], []
    n_pat = ref[PAT].sum(axis=1).to_numpy()
    for w, d in ref.groupby("world", sort=False):
        k, n = int(d["accepted"].sum()), len(d)
        lo, hi = _wilson(k, n)
        per = d.groupby("draw")["accepted"].sum()
        acc.append({"world": w, "runs": n, "accepted": k, "rate": k / n, "lo": lo, "hi": hi, "draws": draws,
                    "draws_accepted": int((per > 0).sum())})
        post.append(pd.DataFrame({"world": w, "draw": per.index, "weight": per.to_numpy(dtype=float),
                                  "weight_m8": per.to_numpy(dtype=float) * 0.5}))
        held = n_pat[d.index]
        for kk in range(len(PAT), 5, -1):
            graded.append({"world": w, "k": kk, "share": float(np.mean(held >= kk)) if w != "provocation"
                           else float(np.mean(held >= kk)) * (kk < len(PAT))})
        for j, col in enumerate(PAT):
            rate = min(1.0, k / n * (1.3 + 0.2 * j)) if w != "provocation" else (0.001 if j == 8 else 0.0)
            lopo.append({"world": w, "dropped": col, "rate": rate})
    acc = pd.DataFrame(acc)
    acc.to_csv(folder / "acceptance.csv", index=False)
    pd.concat(post, ignore_index=True).to_parquet(folder / "posterior.parquet", index=False)
    pd.DataFrame(graded).to_csv(folder / "graded.csv", index=False)
    pd.DataFrame(lopo).to_csv(folder / "leave_one_pattern_out.csv", index=False)
    paired = []
    for a in WORLDS:
        for b in (*WORLDS, "null"):
            if a != b:
                ra = float(acc.loc[acc.world == a, "rate"].iloc[0])
                rb = float(acc.loc[acc.world == b, "rate"].iloc[0])
                paired.append({"world_a": a, "world_b": b, "mean": ra - rb, "lo": ra - rb - 0.01, "hi": ra - rb + 0.01})
    pd.DataFrame(paired).to_csv(folder / "paired.csv", index=False)
    rates = acc.set_index("world").loc[list(WORLDS), "rate"]
    pd.DataFrame({"world": list(WORLDS), "probability": (rates / rates.sum()).to_numpy(),
                  "probability_m8": (rates / rates.sum()).to_numpy()[::-1]}).to_csv(
        folder / "model_probabilities.csv", index=False)
    rec = [{"feature": f, "value": 1.0, "tolerance": 0.0, "source": "docs/theory.md §6"} for f in PAT]
    rec += [{"feature": f, "value": v, "tolerance": 0.5, "source": "SIPRI 2025"} for f, v in BURDEN.items()]
    pd.DataFrame(rec).to_csv(folder / "record.csv", index=False)
    if recovery:
        (folder / "recovery").mkdir(exist_ok=True)
        cm = []
        for i, t in enumerate(WORLDS):
            share = np.full(len(WORLDS), 0.1)
            share[i] = 0.7 if t != "deterrence" else 0.4
            share[(i + 1) % 4] += 1 - share.sum()
            for j, inf in enumerate(WORLDS):
                cm.append({"true": t, "inferred": inf, "win_share": share[j], "probability": share[j] * 0.9, "n": 25})
        pd.DataFrame(cm).to_csv(folder / "recovery" / "confusion.csv", index=False)
        pd.DataFrame([{"world": w, "parameter": n, "correlation": 0.5, "coverage_50": 0.48, "coverage_90": 0.88}
                      for w in WORLDS for n in FREE[:3]]).to_csv(folder / "recovery" / "parameters.csv", index=False)
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
        "name": "synthetic", "scenario": "historical", "train_end": "2013Q4", "worlds": list(WORLDS),
        "draws": draws, "seeds": seeds, "runs": int(len(ref)), "command": "spiral calibrate test.yaml"}))
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = synthetic_calibration(tmp_path_factory.mktemp("calib") / "c")
    return folder, write_report(folder).read_text()


def _paragraph(page: str, world: str) -> str:
    m = re.search(rf"<div class='world' id='world-{world}'><p><b style='color:[^']*'>{world}\.</b> (.*?)</div>", page)
    assert m, world
    return re.sub(r"</?p>", " ", m.group(1))


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
        assert pct(acc.loc[w, "rate"]) in text and "null model" in text and "Model recovery" in text
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
