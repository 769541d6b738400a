"""The model at its defaults on the training window 1992–2013 (issue 10's report), written as a Markdown page.

    .venv/bin/python scripts/training_report.py --seeds 200 --out docs/training-window.md

Every world runs the historical replay **truncated at 2013Q4** (nothing after it is simulated, so nothing
after it can be read or tuned on), on the same seeds. The page holds: the scorecard on the Russia-only
tension index (sim.runs.score) and the "Western pulses off" check; Russia's uses of force and coercion by
target and period; the Western/Russian capability ratio by year against the COW CINC ratio
(sim/data/cinc_nato_russia_1992_2013.csv); the beliefs by type; and the evidence of NATO's decisions (M8).
Numbers only — the page is regenerated, never edited by hand.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs.ensemble import run_ensemble  # noqa: E402
from sim.runs.score import (decision_evidence, format_evidence, format_pulses_check, format_scorecard,  # noqa: E402
                            pulses_off_check, scorecard)
from sim.scenario import load_scenario, until  # noqa: E402
from sim.worlds import WORLDS  # noqa: E402

PERIODS = ((1992, 1996), (1997, 2003), (2004, 2007), (2008, 2008), (2009, 2013))
YEARS = (1992, 1995, 1999, 2002, 2004, 2008, 2010, 2013)


def _year(date: pd.Series) -> np.ndarray:
    d = date.astype(str)
    return d.str.slice(0, 4).astype(int).to_numpy()


def force_table(ev: pd.DataFrame, seeds: int) -> pd.DataFrame:
    """Share of seeds with at least one emergent use of force / coercion against each target in each period."""
    ev = ev[~ev["scripted"].astype(bool) & ev["kind"].isin(["use_of_force", "coercion"])].copy()
    ev["year"] = _year(ev["date"])
    rows = []
    for (world, kind, target), g in ev.groupby(["world", "kind", "target"]):
        row = {"world": world, "act": kind, "target": target}
        for a, b in PERIODS:
            sel = g[(g["year"] >= a) & (g["year"] <= b)]
            row[f"{a}-{b}" if a != b else str(a)] = sel["seed"].nunique() / seeds
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    cols = [c for c in out.columns if c[0].isdigit()]
    out["any"] = out[cols].max(axis=1)
    return out[out["any"] >= 0.05].sort_values(["act", "world", "any"], ascending=[False, True, False])


def capability_table(obs: pd.DataFrame) -> pd.DataFrame:
    cinc = pd.read_csv(ROOT / "sim" / "data" / "cinc_nato_russia_1992_2013.csv").set_index("year")["ratio"]
    obs = obs.assign(y=np.floor(obs["year"].astype(float)).astype(int))
    yearly = obs.groupby(["world", "y"])["capability_ratio"].median().unstack("world")
    table = pd.DataFrame({"CINC": cinc}).join(yearly[[w for w in WORLDS if w in yearly]], how="left")
    return table.loc[[y for y in YEARS if y in table.index]]


def belief_table(obs: pd.DataFrame) -> pd.DataFrame:
    cols = {"trust_russia_in_nato": "Russia: P(West S)", "russia_belief_west_revisionist": "P(West R)",
            "russia_belief_west_greedy": "P(West G)", "trust_nato_in_russia": "NATO: P(Russia S)",
            "nato_belief_russia_revisionist": "P(Russia R)", "nato_belief_russia_greedy": "P(Russia G)"}
    obs = obs.assign(y=np.floor(obs["year"].astype(float)).astype(int))
    sub = obs[obs["y"].isin(YEARS)]
    return sub.groupby(["world", "y"])[list(cols)].median().rename(columns=cols)


def md(df: pd.DataFrame, fmt: str = "{:.2f}") -> str:
    """A Markdown table (index as leading columns)."""
    df = df.reset_index()
    cells = [[("" if pd.isna(v) else fmt.format(v)) if isinstance(v, float) else str(v) for v in row]
             for row in df.itertuples(index=False)]
    head = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--out", default=str(ROOT / "docs" / "training-window.md"))
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "historical.yaml"))
    a = ap.parse_args(argv)
    t0 = time.time()
    scen = until(load_scenario(a.scenario), "2013Q4")
    keep = ("observables", "events", "decisions")
    ens = run_ensemble(scen, "all", a.seeds, keep=keep, desc="defaults")
    off = run_ensemble(scen, "all", a.seeds, parameters={"west_pulses_off": 1.0}, keep=keep, desc="pulses off")
    card = scorecard(ens.observables, ens.events)
    check = pulses_off_check(card, scorecard(off.observables, off.events))
    obs = ens.observables
    minutes = (time.time() - t0) / 60
    parts = [
        "# The model at its defaults on the training window, 1992–2013",
        "",
        f"Generated by `.venv/bin/python scripts/training_report.py --seeds {a.seeds}` "
        f"({a.seeds} seeds per world, the historical replay truncated at 2013Q4, defaults of `sim/params.py`; "
        f"{minutes:.1f} min on this machine). Nothing after 2013 is simulated. Regenerate it, never edit it.",
        "",
        "## Scorecard (Russia-only tension index) and the Western-pulses-off check",
        "",
        "```", format_scorecard(card), "```", "",
        "```", format_pulses_check(check), "```", "",
        "## Russia's uses of force and coercion, by target and period",
        "",
        "Share of seeds with at least one act against the target in the period (targets reached in at least 5 % of seeds).",
        "",
        md(force_table(ens.events, a.seeds).set_index(["act", "world", "target"])), "",
        "## Capability ratio (NATO members / Russia) by year against COW CINC",
        "",
        "Median over seeds; CINC from `sim/data/cinc_nato_russia_1992_2013.csv` (COW NMC v6.0).",
        "",
        md(capability_table(obs)), "",
        "## Beliefs by type (median over seeds)",
        "",
        md(belief_table(obs)), "",
        "## Evidence from NATO's decisions (M8)",
        "",
        "```", format_evidence(decision_evidence(ens.decisions)), "```", "",
    ]
    Path(a.out).write_text("\n".join(parts) + "\n")
    print(f"wrote {a.out} in {minutes:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
