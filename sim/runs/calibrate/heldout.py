"""The held-out years 2014–2025, pre-registered (docs/heldout.md): patterns, features and proper scores.

Written and committed before any run's output past 2013 was looked at; the hash of docs/heldout.md goes into
every calibration manifest. The features are computed by the same machinery as the training features
(:class:`sim.runs.score.Runs`, :class:`sim.runs.score.Events` and the comparisons of sim.runs.score), with the
window's end moved to 2026. Nothing here feeds a prior, a default, a feature of the calibration, a tolerance
or a test threshold: it only scores posterior predictives after the calibration is done.

Scores (proper scoring rules, Gneiting & Raftery 2007):

- **log score** of each binary pattern: log p̂ if the record's pattern holds, log(1 − p̂) if not, where p̂ is the
  share of posterior-predictive runs in which it holds, smoothed as (k + ½) / (n + 1) so that no finite
  ensemble scores −∞ (the Jeffreys/Krichevsky–Trofimov estimator);
- **CRPS** of Russia's military burden (% of GDP) in each year 2014–2024 against SIPRI's value (April 2025
  release), the ensemble estimator CRPS = E|X − y| − ½ E|X − X′| over the predictive runs' annual means, then
  averaged over the eleven years (lower is better).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sim.runs.score import Events, Runs, higher, not_lower

HELDOUT_START, HELDOUT_END = 2014.0, 2026.0
T = "tension_russia"
ROOT = Path(__file__).resolve().parents[3]
OUTCOMES = ROOT / "sim" / "data" / "heldout_outcomes_2014_2024.csv"
BURDEN_YEARS = tuple(range(2014, 2025))


@dataclass(frozen=True)
class HeldOutPattern:
    id: str
    text: str
    record: bool           # does the pattern hold in the record?
    source: str
    test: Callable


def h_force_ukraine_2014(R: Runs, E: Events):
    return E.any("use_of_force", 2014.0, 2015.0, E.target == "UKR")


def h_force_ukraine_2022(R, E):
    return E.any("use_of_force", 2022.0, 2023.0, E.target == "UKR")


def h_no_force_on_members(R, E):
    return ~E.any("use_of_force", HELDOUT_START, HELDOUT_END, E.cause.str.contains("tie 'member'", regex=False))


def h_deterioration_2014_16(R, E):
    return higher(R.mean(T, 2014, 2016), R.mean(T, 2011, 2013))


def h_worst_2022_25(R, E):
    worst_before = np.max([R.mean(T, y) for y in range(1992, 2022)], axis=0)
    return not_lower(R.mean(T, 2022, 2025), worst_before)


def h_coercion_2014_21(R, E):
    return E.any("coercion", 2014.0, 2022.0)


def h_finland_sweden_apply(R, E):
    return E.any("application", HELDOUT_START, HELDOUT_END, E.actor == "FIN") & \
        E.any("application", HELDOUT_START, HELDOUT_END, E.actor == "SWE")


def h_russia_defects(R, E):
    sel = (R.year >= HELDOUT_START) & (R.year < HELDOUT_END)
    return R.col("russia_stance")[:, sel].astype(float).mean(axis=1) < 0.5


HELDOUT_PATTERNS: tuple[HeldOutPattern, ...] = (
    HeldOutPattern("H1_force_ukraine_2014", "Russian force against Ukraine in 2014 (Crimea, Donbas)", True,
                   "UN General Assembly resolution 68/262, 27 March 2014 (territorial integrity of Ukraine)",
                   h_force_ukraine_2014),
    HeldOutPattern("H2_force_ukraine_2022", "Russian force against Ukraine in 2022 (the full-scale invasion)", True,
                   "UN General Assembly resolution ES-11/1, 2 March 2022 (aggression against Ukraine)",
                   h_force_ukraine_2022),
    HeldOutPattern("H3_no_force_on_members", "no Russian force against a NATO member, 2014-2025", True,
                   "NATO has not invoked Article 5 against Russia (NATO, Collective defence and Article 5, 2025)",
                   h_no_force_on_members),
    HeldOutPattern("H4_deterioration_2014_16", "Russia-only tension 2014-16 higher than 2011-13", True,
                   "NATO, Statement by NATO Foreign Ministers, 1 April 2014 (all practical cooperation suspended); "
                   "Council Decision 2014/512/CFSP (sectoral sanctions)", h_deterioration_2014_16),
    HeldOutPattern("H5_worst_2022_25", "Russia-only tension 2022-25 at least as high as in any year since 1992", True,
                   "NATO 2022 Strategic Concept, 29 June 2022 (Russia 'the most significant and direct threat')",
                   h_worst_2022_25),
    HeldOutPattern("H6_coercion_2014_21", "coercion short of force against a neighbour, 2014-2021", True,
                   "Gazprom cut gas deliveries to Ukraine, 16 June 2014 (European Commission, statement of 16 June 2014)",
                   h_coercion_2014_21),
    HeldOutPattern("H7_finland_sweden_apply", "Finland and Sweden apply for NATO membership by 2025", True,
                   "Finland's and Sweden's applications, 18 May 2022 (NATO, Madrid Summit Declaration, 29 June 2022)",
                   h_finland_sweden_apply),
    HeldOutPattern("H8_russia_defects", "Russia defects in most quarters 2014-2025", True,
                   "NATO, Statement by NATO Foreign Ministers, 1 April 2014; NATO-Russia Council not convened at "
                   "ambassadors' level since January 2022", h_russia_defects),
)


def runs_and_events(res) -> tuple[Runs, Events]:
    """The held-out window of a :class:`sim.engine.BatchResult` run to 2025Q4 (the same classes as the
    training features, with the window's end at 2026)."""
    R = Runs.from_batch(res, end=HELDOUT_END)
    E = Events.from_batch(res, end=HELDOUT_END)
    E.actor = _actors(res, E)
    return R, E


def _actors(res, E) -> np.ndarray:
    ev = res.events
    emergent = ~np.asarray(ev["scripted"], dtype=bool)
    year = (res.scenario.start + np.asarray(ev["step"])) / 4.0
    keep = (year[emergent] < HELDOUT_END) & (np.asarray(ev["run"])[emergent] >= 0)
    return np.asarray(ev["actor"], dtype=object)[emergent][keep]


def heldout_features(res) -> dict[str, np.ndarray]:
    """Per run: each held-out pattern (0/1) and Russia's burden (% of GDP) in each year 2014–2024."""
    R, E = runs_and_events(res)
    out = {p.id: np.asarray(p.test(R, E), dtype=float) for p in HELDOUT_PATTERNS}
    for y in BURDEN_YEARS:
        out[f"russia_burden_{y}"] = R.mean("russia_burden", y) * 100
    return out


def record_burden() -> dict[int, float]:
    """Russia's military burden 2014–2024, % of GDP (SIPRI, April 2025 release): an outcome, read only here."""
    d = pd.read_csv(OUTCOMES)
    d = d[d["iso3"] == "RUS"]
    return {int(y): float(v) for y, v in zip(d["year"], d["burden_pct"]) if int(y) in BURDEN_YEARS}


def log_score(held: np.ndarray, record: bool) -> tuple[float, float]:
    """(smoothed predicted probability, log score) of a binary pattern from an ensemble's 0/1 outcomes."""
    held = np.asarray(held, dtype=float)
    p = (held.sum() + 0.5) / (len(held) + 1.0)
    return p, float(np.log(p if record else 1.0 - p))


def crps_ensemble(samples: np.ndarray, y: float) -> float:
    """Ensemble CRPS = E|X − y| − ½ E|X − X′| (Gneiting & Raftery 2007), O(n log n) via sorting."""
    x = np.sort(np.asarray(samples, dtype=float)[np.isfinite(samples)])
    n = len(x)
    if n == 0:
        return float("nan")
    term1 = np.abs(x - y).mean()
    i = np.arange(1, n + 1)
    term2 = (2.0 * (2 * i - n - 1) * x).sum() / (n * n)  # E|X − X'| for the empirical distribution
    return float(term1 - 0.5 * term2)


BOOTSTRAP = 200  # resamples of the predictive runs for the scores' standard errors (not pre-registered: an addition)


def score(features: dict[str, np.ndarray], model: str, bootstrap: int = BOOTSTRAP) -> pd.DataFrame:
    """The pre-registered scores of one model's posterior predictive ensemble (rows: every pattern's log score,
    each year's burden CRPS, and the totals), with ``se``: the standard error of each score over ``bootstrap``
    resamples of the predictive runs (seeded; the same runs resampled for every item, so the totals' errors
    hold the items' covariance) — the sampling noise of a finite ensemble, an addition to the pre-registered
    rules that leaves the scores themselves unchanged."""
    rows = _score_rows(features, model)
    n = len(next(iter(features.values()))) if features else 0
    if bootstrap and n > 1:
        rng = np.random.default_rng(20140101)
        boot = []
        for _ in range(int(bootstrap)):
            idx = rng.integers(0, n, size=n)
            boot.append([r["score"] for r in _score_rows({k: np.asarray(v)[idx] for k, v in features.items()}, model)])
        se = np.nanstd(np.asarray(boot, dtype=float), axis=0, ddof=1)
        for r, e in zip(rows, se):
            r["se"] = float(e)
    return pd.DataFrame(rows)


def _score_rows(features: dict[str, np.ndarray], model: str) -> list[dict]:
    rows = []
    for p in HELDOUT_PATTERNS:
        prob, ls = log_score(features[p.id], p.record)
        rows.append({"model": model, "item": p.id, "kind": "log score", "record": float(p.record),
                     "predicted": prob, "score": ls, "n": len(features[p.id])})
    burden = record_burden()
    crps = []
    for y in BURDEN_YEARS:
        x = features[f"russia_burden_{y}"]
        c = crps_ensemble(x, burden[y])
        crps.append(c)
        rows.append({"model": model, "item": f"russia_burden_{y}", "kind": "CRPS (pp of GDP)", "record": burden[y],
                     "predicted": float(np.nanmedian(x)), "score": c, "n": int(np.isfinite(x).sum())})
    rows.append({"model": model, "item": "total log score", "kind": "log score",
                 "record": np.nan, "predicted": np.nan,
                 "score": float(sum(r["score"] for r in rows if r["kind"] == "log score")), "n": np.nan})
    rows.append({"model": model, "item": "mean burden CRPS 2014-2024", "kind": "CRPS (pp of GDP)",
                 "record": np.nan, "predicted": np.nan, "score": float(np.nanmean(crps)), "n": np.nan})
    return rows


__all__ = ["HELDOUT_PATTERNS", "heldout_features", "score", "log_score", "crps_ensemble", "record_burden"]
