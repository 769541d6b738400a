"""The training patterns of docs/theory.md §6 (1992–2013) as a scorecard per world.

Each pattern's ``source`` cites the works of docs/references.md by author, year and place.

Each pattern is a test on every run (observables and events), done for all runs at once; its score in a world is the share of seeds in
which it holds, and it "holds" in a world when that share is at least one half. Patterns marked contested
are contested in the sources themselves. None looks at a year after 2013 (the held-out years), and none
requires any world to win (docs/theory.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Pattern:
    id: str
    text: str
    source: str
    contested: bool
    test: Callable


class Runs:
    """The observables of many runs of one scenario as ``[runs, quarters]`` arrays (one row per run, in
    the order of ``keys``), so that every pattern is tested on all runs at once."""

    def __init__(self, obs: pd.DataFrame):
        obs = obs.sort_values(["world", "seed", "step"], kind="stable")
        self.keys = obs[["scenario", "world", "seed"]].drop_duplicates().reset_index(drop=True)
        self.n = len(self.keys)
        T = len(obs) // self.n
        if T * self.n != len(obs):
            raise ValueError("runs of one scenario must all have the same number of quarters")
        self._obs, self.T = obs, T
        self.year = obs["year"].to_numpy()[:T]
        self._cols: dict = {}

    def col(self, name) -> np.ndarray:
        if name not in self._cols:
            self._cols[name] = self._obs[name].to_numpy().reshape(self.n, self.T)
        return self._cols[name]

    def mean(self, name, y0: float, y1: float | None = None) -> np.ndarray:
        """Mean of an observable over the years y0..y1 (inclusive), per run."""
        y1 = y0 if y1 is None else y1
        sel = (self.year >= y0) & (self.year < y1 + 1)
        if not sel.any():  # the years lie outside the run: no evidence either way (comparisons are False)
            return np.full(self.n, np.nan)
        return self.col(name)[:, sel].astype(float).mean(axis=1)


class Events:
    """The emergent events of the same runs, each with its run's row in :class:`Runs`."""

    def __init__(self, ev: pd.DataFrame, runs: Runs):
        ev = ev[~ev["scripted"].astype(bool)]
        index = {(w, sd): i for i, (w, sd) in enumerate(zip(runs.keys["world"], runs.keys["seed"]))}
        self.n = runs.n
        self.run = np.array([index.get(k, -1) for k in zip(ev["world"], ev["seed"])], dtype=np.int64)
        date = ev["date"].astype(str)
        self.year = (date.str.slice(0, 4).astype(int) + (date.str.slice(5, 6).astype(int) - 1) / 4.0).to_numpy()
        self.kind = ev["kind"].to_numpy()
        self.target = ev["target"].to_numpy()
        self.cause = ev["cause"].astype(str)

    def any(self, kind: str, y0: float, y1: float, where=None) -> np.ndarray:
        """Per run: did an emergent event of this kind happen in [y0, y1) (and meet ``where``)?"""
        sel = (self.kind == kind) & (self.year >= y0) & (self.year < y1) & (self.run >= 0)
        if where is not None:
            sel &= np.asarray(where, dtype=bool)
        return np.bincount(self.run[sel], minlength=self.n) > 0


def p_early_cooperation(R: Runs, E: Events):
    early = R.year < 1994
    coop = (R.col("regime")[:, early] == "cooperation").mean(axis=1) >= 0.5
    return coop & E.any("proposal", 1992, 1994)


def p_opposition_before_accession(R, E):
    return R.mean("tension_russia", 1994, 1996) > R.mean("tension_russia", 1992, 1993) + 0.02


def p_founding_act(R, E):
    accepted = E.any("acceptance", 1997.25, 1999, E.target == "PJC")
    return accepted & (R.mean("tension", 1997.5, 1998) > R.mean("tension", 1992, 1993))


def p_low_point_1999(R, E):
    return R.mean("tension", 1999) >= np.max([R.mean("tension", y) for y in range(1992, 1999)], axis=0)


def p_rapprochement(R, E):
    t02 = R.mean("tension", 2002)
    return (t02 < R.mean("tension", 2000)) & (t02 > R.mean("tension", 1992, 1993))


def p_deterioration(R, E):
    burden = R.mean("russia_burden", 2006, 2008) * 100
    return ((R.mean("tension", 2007) > R.mean("tension", 2002))
            & (R.mean("russia_capability", 2007) > R.mean("russia_capability", 2000))
            & (3.0 <= burden) & (burden <= 4.5))


def p_no_force_on_members(R, E):
    on_member = E.any("use_of_force", 1992, 2014, E.cause.str.contains("tie 'member'", regex=False))
    on_baltics = E.any("use_of_force", 1992, 2014, np.isin(E.target, ["EST", "LVA", "LTU"]))
    return ~on_member & ~on_baltics


def p_coercion(R, E):
    return E.any("coercion", 2006, 2010)


def p_force_2008(R, E):
    aspirant = E.cause.str.contains("tie 'pledged'|tie 'aspirant'|tie 'map'", regex=True)
    return E.any("use_of_force", 2008.25, 2009.25, aspirant)


def p_reset(R, E):
    t10 = R.mean("tension", 2010)
    return (t10 < R.mean("tension", 2008)) & (t10 > R.mean("tension", 1992, 1993) + 0.05)


def p_renewed_deterioration(R, E):
    return R.mean("tension", 2013) > R.mean("tension", 2010)


BURDEN_TARGETS = {(1992, 1994): 4.7, (1998, 2000): 3.3, (2006, 2008): 3.4, (2011, 2013): 3.7}
BURDEN_TOLERANCE = 0.75  # percentage points


def p_burden(R, E):
    return np.logical_and.reduce([np.abs(R.mean("russia_burden", a, b) * 100 - v) <= BURDEN_TOLERANCE
                                  for (a, b), v in BURDEN_TARGETS.items()])


PATTERNS: tuple[Pattern, ...] = (
    Pattern("1_early_cooperation", "1992-93: cooperative relations, and Russia proposes an inclusive order",
            "Sushentsov & Wohlforth 2020; Ratti 2009, p. 400", False, p_early_cooperation),
    Pattern("2_opposition_before_accession", "1994-96: Russian opposition rises with the enlargement signals, before any accession",
            "Izzo 2022, “The Clinton Administration”; Chamberlain 2013, ch. III, “The Clinton Years”", False, p_opposition_before_accession),
    Pattern("3_founding_act", "1997: Russia accepts the Founding Act, yet tension stays above 1992-93",
            "Steinel 2007, §2.2.3 (voice for consent); contested: Chamberlain 2013, ch. III, “The Clinton Years” (Yeltsin's 'historic error')", True, p_founding_act),
    Pattern("4_low_point_1999", "1999: first round plus Kosovo make the low point so far",
            "Chamberlain 2013, ch. III, “Kosovo” ('all-time low'); contested as oversimplified: Steinel 2007, §2.2.5", True, p_low_point_1999),
    Pattern("5_rapprochement_2001_02", "2001-02: a brief rapprochement (9/11, NRC), not a return to 1992",
            "Chamberlain 2013, ch. III, “The Bush Years”; Steinel 2007, §2.2.3, §2.2.5", False, p_rapprochement),
    Pattern("6_deterioration_2003_07", "2003-07: renewed deterioration; Russia's capability rises, burden 3-4.5% of GDP",
            "Chamberlain 2013, ch. III, “The Bush Years”; WDI (SIPRI) burden", False, p_deterioration),
    Pattern("7_no_force_on_members", "no Russian force against a NATO member, nor against the Baltics as they join",
            "Chamberlain 2013, ch. III (red line crossed without force)", False, p_no_force_on_members),
    Pattern("8_coercion_2006_09", "2006-09: coercion short of force against aspirants and neighbours",
            "Chamberlain 2013, ch. III, “The Bush Years”; ch. IV (gas cut-offs, embargo on Georgia, Estonia 2007)", False, p_coercion),
    Pattern("9_force_2008", "2008: within months of a membership pledge, force against an aspirant",
            "Chamberlain 2013, ch. IV, “Georgia, Ukraine, and the Russo-Georgian War”", False, p_force_2008),
    Pattern("10a_limited_reset", "2009-11: a limited reset: tension eases but stays well above the early 1990s",
            "Chamberlain 2013, ch. III, “Obama and Russia”", False, p_reset),
    Pattern("10b_renewed_deterioration", "2011-13: renewed deterioration", "Chamberlain 2013, ch. III, “Obama and Russia”", False, p_renewed_deterioration),
    Pattern("11_burden_means", "Russia's burden, 3-year means 4.7/3.3/3.4/3.7 % (±0.75 pp)",
            "WDI MS.MIL.XPND.GD.ZS, 2018 vintage (docs/theory.md §6: superseded by SIPRI 2025)", False, p_burden),
)


def score_runs(observables: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, world, seed, pattern): held or not. Every pattern is tested on all runs of a scenario
    at once (:class:`Runs`, :class:`Events`)."""
    parts = []
    for scen, obs in observables.groupby("scenario", sort=True):
        R = Runs(obs)
        E = Events(events[events["scenario"] == scen], R)
        for pat in PATTERNS:
            held = np.asarray(pat.test(R, E), dtype=bool)
            parts.append(pd.DataFrame({"scenario": R.keys["scenario"], "world": R.keys["world"],
                                       "seed": R.keys["seed"], "pattern": pat.id, "held": held}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["scenario", "world", "seed"], kind="stable").reset_index(drop=True)


def scorecard(observables: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (world, pattern): share of seeds in which it holds, held (share ≥ 0.5), source,
    contested."""
    per_run = score_runs(observables, events)
    meta = pd.DataFrame([{"pattern": p.id, "text": p.text, "source": p.source, "contested": p.contested}
                         for p in PATTERNS])
    card = (per_run.groupby(["scenario", "world", "pattern"], sort=False)["held"]
            .agg(share="mean", seeds="size").reset_index())
    card["held"] = card["share"] >= 0.5
    card = card.merge(meta, on="pattern", how="left")
    from sim.worlds import WORLDS
    rank = {w: i for i, w in enumerate(WORLDS)}
    prank = {p.id: i for i, p in enumerate(PATTERNS)}
    card = card.sort_values(["scenario", "pattern", "world"], key=lambda c: c.map(rank) if c.name == "world"
                            else c.map(prank) if c.name == "pattern" else c, kind="stable").reset_index(drop=True)
    return card


def format_scorecard(card: pd.DataFrame) -> str:
    """A plain-text table: patterns × worlds (share of seeds; * = held)."""
    worlds = list(dict.fromkeys(card["world"]))
    lines = []
    for scen, sc in card.groupby("scenario", sort=False):
        seeds = int(sc["seeds"].max())
        lines.append(f"scenario {scen}: training patterns 1992-2013 (docs/theory.md §6), share of {seeds} seeds; * = held (>= 50%)")
        head = f"{'pattern':34s}" + "".join(f"{w[:18]:>20s}" for w in worlds) + "  contested  source"
        lines.append(head)
        lines.append("-" * len(head))
        for pid, g in sc.groupby("pattern", sort=False):
            cells = ""
            for w in worlds:
                r = g[g["world"] == w]
                if len(r):
                    share = float(r["share"].iloc[0])
                    cells += f"{share:>18.0%}{'*' if share >= 0.5 else ' '} "
                else:
                    cells += f"{'-':>20s}"
            r0 = g.iloc[0]
            lines.append(f"{pid:34s}{cells}  {'yes' if r0['contested'] else 'no ':9s}  {r0['source']}")
        totals = sc.groupby("world", sort=False)["held"].sum()
        lines.append(f"{'patterns held':34s}" + "".join(f"{int(totals.get(w, 0)):>19d}/{len(PATTERNS)}"[-20:] for w in worlds))
        lines.append("")
    lines.append("No pattern looks past 2013 (held-out years); the presets were not tuned per world (docs/theory.md §7).")
    return "\n".join(lines)


def decision_evidence(decisions: pd.DataFrame | None, start_year: int = 1992) -> pd.DataFrame | None:
    """docs/theory.md §4 (M8) / §7: the log-likelihood of NATO's actual scripted decisions (invitations, pledges,
    MAPs) under each world's member-vote rule, mean per seed, split into training (before 2014) and
    held-out years. Higher is better; differences between worlds are evidence about the West's type."""
    if decisions is None or not len(decisions):
        return None
    d = decisions.copy()
    d["window"] = np.where(start_year + d["step"] / 4.0 < 2014, "1992-2013", "2014-")
    per_seed = d.groupby(["scenario", "world", "window", "seed"])["loglik"].sum().reset_index()
    out = per_seed.groupby(["scenario", "world", "window"])["loglik"].mean().unstack("window").reset_index()
    counts = d.groupby(["scenario", "world", "window"])["event_id"].nunique().unstack("window")
    out.columns.name = None
    out["decisions"] = [", ".join(f"{w}: {int(counts.loc[(r.scenario, r.world), w])}" for w in counts.columns
                                  if not np.isnan(counts.loc[(r.scenario, r.world), w])) for r in out.itertuples()]
    return out


def format_evidence(ev: pd.DataFrame | None) -> str:
    if ev is None:
        return ""
    lines = ["Evidence from the West's own decisions (M8): log-likelihood of NATO's actual invitations, pledges",
             "and MAPs under each world's vote rule (mean per seed; higher = the world explains them better)"]
    cols = [c for c in ("1992-2013", "2014-") if c in ev]
    lines.append(f"{'world':22s}" + "".join(f"{c:>14s}" for c in cols) + "   decisions")
    from sim.worlds import WORLDS
    order = {w: i for i, w in enumerate(WORLDS)}
    for _, r in ev.sort_values("world", key=lambda c: c.map(order)).iterrows():
        vals = "".join(f"{r[c]:>14.2f}" for c in cols)
        lines.append(f"{r['world']:22s}{vals}   {r['decisions']}")
    return "\n".join(lines)
