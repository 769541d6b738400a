"""The training patterns of docs/theory.md §6 (1992–2013) as a scorecard per world (docs/scoring.md).

Each pattern is a test on every run (observables and events), done for all runs at once; its score in a
world is the share of seeds in which it holds, and it "holds" in a world when that share is at least one
half. Each cites its source (``source``: author, year and place; ``refs``: the keys of docs/references.md).
Patterns marked contested are contested in the sources themselves.

Rules that keep the scoring from being scripted or tuned:

- **Training window only.** :class:`Runs` and :class:`Events` keep nothing from 2014 on (``TRAINING_END``):
  no pattern can read a held-out quarter (tests/test_score.py poisons them to check).
- **Russia's side.** Tension patterns read the Russia-only index (``tension_russia``: Russia's belief,
  stance and burden); the joint index mixes in NATO's stance and beliefs, which follow the West's scripted
  decisions, and stays an observable only. Early cooperation is Russia's stance, for the same reason.
- **Thresholds fixed before any output was looked at**, one rule each, the same for every world:
  ``TENSION_STEP`` (the smallest change of the index that counts) from the index's formula,
  ``BURDEN_TOLERANCE`` from the data (see their comments). Thresholds of the first version (+0.02, +0.05,
  ±0.75 pp, 3.0–4.5 %) had no recorded reason and may have been chosen with model output in view; they
  are replaced.
- **Targets named by the record** (Georgia, the Baltic states) appear only here, never in the model.

:func:`feature_arrays` is the one implementation of the training features (patterns and continuous
summaries) that the scorecard, the sensitivity analysis (:mod:`sim.runs.sensitivity`) and any calibration
use; :func:`pulses_off_check` sets the scorecard beside the same runs with NATO's stance held fixed;
:func:`decision_evidence` reports the West's own decisions under each leader type (M8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

TRAINING_END = 2014.0  # the first held-out year: nothing from here on is read

# A change of the Russia-only index counts as a rise or a fall only if it is at least a tenth of one of its
# three components' ranges, i.e. 1/30 of the index: Russia's belief moving by 0.1, its burden by one point
# of GDP (a tenth of the 10 % scale), or its stance defecting in a tenth of the quarters compared. Fixed from
# the formula of docs/theory.md §5 (sim/mechanisms/observables.py), not from model output.
TENSION_STEP = 1.0 / 30.0

# Russia's military burden, three-year means, % of GDP: SIPRI Military Expenditure Database, April 2025
# release (SIPRI 2025; docs/theory.md §6, pattern 11), computed from its annual series.
BURDEN_TARGETS = {(1992, 1994): 4.38, (1998, 2000): 3.04, (2006, 2008): 3.17, (2011, 2013): 3.66}
BURDEN_SOURCE = "SIPRI 2025 (Military Expenditure Database, April 2025 release), share of GDP"
# One tolerance for every target and every world, from the data alone: wider than the largest revision of
# these means between two releases of the same source (WDI 2018 vintage 4.7/3.3/3.4/3.7 against SIPRI 2025:
# 0.32 pp), so the record's own uncertainty fails no run; narrower than half the spread of the targets
# (4.38 - 3.04 = 1.34 pp; half 0.67 pp), so that a flat burden cannot meet all four and the pattern tests
# the fall after 1992-94 as well as the level.
BURDEN_TOLERANCE = 0.5  # percentage points

# The periods of docs/theory.md §6 over which the continuous features average (years inclusive).
PERIODS = ((1992, 1993), (1994, 1996), (1997, 1998), (1999, 1999), (2000, 2000), (2001, 2002), (2003, 2007),
           (2008, 2008), (2009, 2011), (2012, 2013))
BALTICS = ("EST", "LVA", "LTU")
BUCHAREST = 2008.25  # the membership pledge to Georgia and Ukraine, Bucharest, 3 April 2008 (2008Q2)


@dataclass(frozen=True)
class Pattern:
    id: str
    text: str
    source: str
    refs: tuple[str, ...]  # keys of docs/references.md
    contested: bool
    test: Callable


def _period(a: int, b: int) -> str:
    return f"{a}" if a == b else f"{a}_{b}"


class Runs:
    """The observables of many runs of one scenario, 1992–2013 only, as ``[runs, quarters]`` arrays (one
    row per run, in the order of ``keys``), so that every pattern is tested on all runs at once."""

    def __init__(self, keys: pd.DataFrame, year: np.ndarray, columns, end: float = TRAINING_END):
        """``columns``: a name -> ``[runs, quarters]`` array mapping, or a callable giving one. Quarters from
        ``end`` on are never read (the training window; the held-out scoring of sim.runs.calibrate.heldout
        passes a later end, and only it)."""
        self.keys = keys.reset_index(drop=True)
        self.n = len(self.keys)
        keep = np.asarray(year, dtype=float) < end
        self._keep = keep if not keep.all() else slice(None)
        self.year = np.asarray(year, dtype=float)[keep]
        self.T = len(self.year)
        self._source = columns
        self._cols: dict = {}

    @classmethod
    def from_frame(cls, obs: pd.DataFrame, end: float = TRAINING_END) -> "Runs":
        """From the observables frame of one scenario (``spiral run``'s ``observables.parquet``)."""
        obs = obs.sort_values(["world", "seed", "step"], kind="stable")
        keys = obs[["scenario", "world", "seed"]].drop_duplicates().reset_index(drop=True)
        n = len(keys)
        T = len(obs) // max(n, 1)
        if T * n != len(obs):
            raise ValueError("runs of one scenario must all have the same number of quarters")
        return cls(keys, obs["year"].to_numpy()[:T], lambda name: obs[name].to_numpy().reshape(n, T), end)

    @classmethod
    def from_batch(cls, res, end: float = TRAINING_END) -> "Runs":
        """From a :class:`sim.engine.BatchResult` (no frame is built: sweeps score thousands of runs)."""
        keys = pd.DataFrame({"scenario": res.scenario.name, "world": list(res.worlds), "seed": res.seeds})
        year = (res.scenario.start + np.arange(res.steps)) / 4.0
        return cls(keys, year, res.observables, end)

    def col(self, name) -> np.ndarray:
        if name not in self._cols:
            src = self._source(name) if callable(self._source) else self._source[name]
            self._cols[name] = np.asarray(src)[:, self._keep]
        return self._cols[name]

    def mean(self, name, y0: float, y1: float | None = None) -> np.ndarray:
        """Mean of an observable over the years y0..y1 (inclusive), per run."""
        y1 = y0 if y1 is None else y1
        sel = (self.year >= y0) & (self.year < y1 + 1)
        if not sel.any():  # the years lie outside the run: no evidence either way (comparisons are False)
            return np.full(self.n, np.nan)
        return self.col(name)[:, sel].astype(float).mean(axis=1)


class Events:
    """The emergent events of the same runs before 2014, each with its run's row in :class:`Runs`."""

    def __init__(self, run, year, kind, target, cause, n: int, end: float = TRAINING_END):
        year = np.asarray(year, dtype=float)
        keep = (year < end) & (np.asarray(run) >= 0)
        self.n = n
        self.run = np.asarray(run, dtype=np.int64)[keep]
        self.year = year[keep]
        self.kind = np.asarray(kind, dtype=object)[keep]
        self.target = np.asarray(target, dtype=object)[keep]
        self.cause = pd.Series(np.asarray(cause, dtype=object)[keep], dtype=object).astype(str)

    @classmethod
    def from_frame(cls, ev: pd.DataFrame, runs: Runs, end: float = TRAINING_END) -> "Events":
        ev = ev[~ev["scripted"].astype(bool)]
        index = {(w, sd): i for i, (w, sd) in enumerate(zip(runs.keys["world"], runs.keys["seed"]))}
        run = np.array([index.get(k, -1) for k in zip(ev["world"], ev["seed"])], dtype=np.int64)
        date = ev["date"].astype(str)
        year = (date.str.slice(0, 4).astype(int) + (date.str.slice(5, 6).astype(int) - 1) / 4.0).to_numpy()
        return cls(run, year, ev["kind"].to_numpy(), ev["target"].to_numpy(), ev["cause"].to_numpy(), runs.n, end)

    @classmethod
    def from_batch(cls, res, end: float = TRAINING_END) -> "Events":
        ev = res.events
        emergent = ~np.asarray(ev["scripted"], dtype=bool)
        year = (res.scenario.start + np.asarray(ev["step"])) / 4.0
        return cls(ev["run"][emergent], year[emergent], ev["kind"][emergent], ev["target"][emergent],
                   ev["cause"][emergent], res.R, end)

    def _select(self, kind: str, y0: float, y1: float, where=None) -> np.ndarray:
        sel = (self.kind == kind) & (self.year >= y0) & (self.year < y1)
        if where is not None:
            sel &= np.asarray(where, dtype=bool)
        return sel

    def count(self, kind: str, y0: float, y1: float, where=None) -> np.ndarray:
        """Per run: how many emergent events of this kind happened in [y0, y1) (and meet ``where``)."""
        return np.bincount(self.run[self._select(kind, y0, y1, where)], minlength=self.n)

    def any(self, kind: str, y0: float, y1: float, where=None) -> np.ndarray:
        """Per run: did an emergent event of this kind happen in [y0, y1) (and meet ``where``)?"""
        return self.count(kind, y0, y1, where) > 0


# --- comparisons on the Russia-only index (one rule: TENSION_STEP) ----------------------------------------

T = "tension_russia"


def higher(a, b):
    """a is higher than b by at least the smallest change that counts."""
    return a - b >= TENSION_STEP


def not_lower(a, b):
    """a is not lower than b by a change that counts."""
    return a - b > -TENSION_STEP


def burden_within(R: Runs, a: int, b: int) -> np.ndarray:
    return np.abs(R.mean("russia_burden", a, b) * 100 - BURDEN_TARGETS[(a, b)]) <= BURDEN_TOLERANCE


# --- the patterns ------------------------------------------------------------------------------------------

def p_early_cooperation(R: Runs, E: Events):
    early = R.year < 1994
    coop = R.col("russia_stance")[:, early].astype(float).mean(axis=1) >= 0.5
    return coop & E.any("proposal", 1992, 1994)


def p_opposition_before_accession(R, E):
    return higher(R.mean(T, 1994, 1996), R.mean(T, 1992, 1993))


def p_founding_act(R, E):
    accepted = E.any("acceptance", 1997.25, 1999, E.target == "PJC")
    return accepted & higher(R.mean(T, 1997.5, 1998), R.mean(T, 1992, 1993))


def p_low_point_1999(R, E):
    return not_lower(R.mean(T, 1999), np.max([R.mean(T, y) for y in range(1992, 1999)], axis=0))


def p_rapprochement(R, E):
    t02 = R.mean(T, 2002)
    return higher(R.mean(T, 2000), t02) & higher(t02, R.mean(T, 1992, 1993))


def p_deterioration(R, E):
    """The record's "real military capability rises with its economy" (docs/theory.md §6, pattern 6) is read as
    Russia's real military spending (SIPRI constant prices: 23.8 bn US$ 2023 in 2000, 42.7 bn in 2007), not the
    capability stock: the stock still carries the decaying Soviet legacy, and so does the independent measure
    (Russia's COW CINC fell from 2000 to 2007), so a stock that rises would contradict CINC."""
    return (higher(R.mean(T, 2007), R.mean(T, 2002))
            & (R.mean("russia_military_spending", 2007) > R.mean("russia_military_spending", 2000))
            & burden_within(R, 2006, 2008))


def p_no_force_on_members(R, E):
    on_member = E.any("use_of_force", 1992, TRAINING_END, E.cause.str.contains("tie 'member'", regex=False))
    on_baltics = E.any("use_of_force", 1992, TRAINING_END, np.isin(E.target, BALTICS))
    return ~on_member & ~on_baltics


def p_coercion(R, E):
    return E.any("coercion", 2006, 2010)


def p_force_georgia_2008(R, E):
    return E.any("use_of_force", BUCHAREST, BUCHAREST + 1, E.target == "GEO")


def p_reset(R, E):
    t10 = R.mean(T, 2010)
    return higher(R.mean(T, 2008), t10) & higher(t10, R.mean(T, 1992, 1993))


def p_renewed_deterioration(R, E):
    return higher(R.mean(T, 2013), R.mean(T, 2010))


def p_burden(R, E):
    return np.logical_and.reduce([burden_within(R, a, b) for (a, b) in BURDEN_TARGETS])


_CH3 = "Chamberlain 2013, ch. III"
PATTERNS: tuple[Pattern, ...] = (
    Pattern("1_early_cooperation", "1992-93: Russia cooperates (most quarters) and proposes an inclusive order",
            "Sushentsov & Wohlforth 2020; Ratti 2009, p. 400", ("SushentsovWohlforth2020", "Ratti2009"), False,
            p_early_cooperation),
    Pattern("2_opposition_before_accession", "1994-96: Russian tension rises above 1992-93, before any accession",
            f"Izzo 2022, “The Clinton Administration”; {_CH3}, “The Clinton Years”", ("Izzo2022", "Chamberlain2013"),
            False, p_opposition_before_accession),
    Pattern("3_founding_act", "1997: Russia accepts the Founding Act (PJC), yet its tension stays above 1992-93",
            f"Steinel 2007, §2.2.3 (voice for consent); contested: {_CH3}, “The Clinton Years” (Yeltsin's "
            "'historic error')", ("Steinel2007", "Chamberlain2013"), True, p_founding_act),
    Pattern("4_low_point_1999", "1999: first round plus Kosovo: Russian tension at least as high as in any year before",
            f"{_CH3}, “Kosovo” ('all-time low'); contested as oversimplified: Steinel 2007, §2.2.5",
            ("Chamberlain2013", "Steinel2007"), True, p_low_point_1999),
    Pattern("5_rapprochement_2001_02", "2001-02: a brief rapprochement: 2002 below 2000, yet above 1992-93",
            f"{_CH3}, “The Bush Years”; Steinel 2007, §2.2.3, §2.2.5", ("Chamberlain2013", "Steinel2007"), False,
            p_rapprochement),
    Pattern("6_deterioration_2003_07", "2003-07: renewed deterioration (2007 above 2002); Russia's real military "
            f"spending rises (2007 above 2000); its 2006-08 burden within {BURDEN_TOLERANCE} pp of {BURDEN_TARGETS[(2006, 2008)]} %",
            f"{_CH3}, “The Bush Years”; {BURDEN_SOURCE}", ("Chamberlain2013", "SIPRI2025"), False, p_deterioration),
    Pattern("7_no_force_on_members", "1992-2013: no Russian force against a NATO member, nor against the Baltics",
            f"{_CH3} (red line crossed without force)", ("Chamberlain2013",), False, p_no_force_on_members),
    Pattern("8_coercion_2006_09", "2006-09: coercion short of force against aspirants and neighbours",
            f"{_CH3}, “The Bush Years”; Chamberlain 2013, ch. IV (gas cut-offs, embargo on Georgia, Estonia 2007)",
            ("Chamberlain2013",), False, p_coercion),
    Pattern("9_force_georgia_2008", "2008Q2-2009Q1: within a year of the Bucharest pledge, Russian force against Georgia",
            "Chamberlain 2013, ch. IV, “Georgia, Ukraine, and the Russo-Georgian War”", ("Chamberlain2013",), False,
            p_force_georgia_2008),
    Pattern("10a_limited_reset", "2009-11: a limited reset: 2010 below 2008, yet above 1992-93",
            f"{_CH3}, “Obama and Russia”", ("Chamberlain2013",), False, p_reset),
    Pattern("10b_renewed_deterioration", "2011-13: renewed deterioration: 2013 above 2010",
            f"{_CH3}, “Obama and Russia”", ("Chamberlain2013",), False, p_renewed_deterioration),
    Pattern("11_burden_means", "Russia's burden, 3-year means "
            + "/".join(f"{v:.2f}" for v in BURDEN_TARGETS.values()) + f" % (each ±{BURDEN_TOLERANCE} pp)",
            BURDEN_SOURCE, ("SIPRI2025",), False, p_burden),
)


# --- features: the one implementation ----------------------------------------------------------------------

def pattern_feature(pid: str) -> str:
    return f"pattern_{pid}"


def feature_arrays(R: Runs, E: Events) -> dict[str, np.ndarray]:
    """The training features of every run (1992–2013 only), as ``[runs]`` arrays: each pattern held
    (``pattern_<id>``, 0/1), the Russia-only tension index by period (``tension_russia_<a>_<b>``), Russia's
    burden (% of GDP) over the four periods of pattern 11 (``russia_burden_<a>_<b>``), and the number of
    Russian uses of force and coercions 1992–2013."""
    out = {pattern_feature(p.id): np.asarray(p.test(R, E), dtype=float) for p in PATTERNS}
    for a, b in PERIODS:
        out[f"tension_russia_{_period(a, b)}"] = R.mean(T, a, b)
    for a, b in BURDEN_TARGETS:
        out[f"russia_burden_{_period(a, b)}"] = R.mean("russia_burden", a, b) * 100
    out["force_1992_2013"] = E.count("use_of_force", 1992, TRAINING_END).astype(float)
    out["coercion_1992_2013"] = E.count("coercion", 1992, TRAINING_END).astype(float)
    return out


def batch_features(res) -> dict[str, np.ndarray]:
    """:func:`feature_arrays` of a :class:`sim.engine.BatchResult`."""
    R = Runs.from_batch(res)
    return feature_arrays(R, Events.from_batch(res))


FEATURES: tuple[str, ...] = tuple([pattern_feature(p.id) for p in PATTERNS]
                                  + [f"tension_russia_{_period(a, b)}" for a, b in PERIODS]
                                  + [f"russia_burden_{_period(a, b)}" for a, b in BURDEN_TARGETS]
                                  + ["force_1992_2013", "coercion_1992_2013"])


# --- the scorecard ----------------------------------------------------------------------------------------

def _by_scenario(observables: pd.DataFrame, events: pd.DataFrame):
    for scen, obs in observables.groupby("scenario", sort=True):
        R = Runs.from_frame(obs)
        yield R, Events.from_frame(events[events["scenario"] == scen], R)


def score_runs(observables: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, world, seed, pattern): held or not. Every pattern is tested on all runs of a scenario
    at once (:class:`Runs`, :class:`Events`)."""
    parts = []
    for R, E in _by_scenario(observables, events):
        for pat in PATTERNS:
            held = np.asarray(pat.test(R, E), dtype=bool)
            parts.append(pd.DataFrame({"scenario": R.keys["scenario"], "world": R.keys["world"],
                                       "seed": R.keys["seed"], "pattern": pat.id, "held": held}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["scenario", "world", "seed"], kind="stable").reset_index(drop=True)


def features(observables: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per run (scenario, world, seed) with every training feature (:func:`feature_arrays`)."""
    parts = [pd.concat([R.keys, pd.DataFrame(feature_arrays(R, E))], axis=1)
             for R, E in _by_scenario(observables, events)]
    return pd.concat(parts, ignore_index=True)


def _world_rank():
    from sim.worlds import WORLDS
    return {w: i for i, w in enumerate(WORLDS)}


def scorecard(observables: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (world, pattern): share of seeds in which it holds, held (share ≥ 0.5), source,
    contested."""
    per_run = score_runs(observables, events)
    meta = pd.DataFrame([{"pattern": p.id, "text": p.text, "source": p.source, "refs": ", ".join(p.refs),
                          "contested": p.contested} for p in PATTERNS])
    card = (per_run.groupby(["scenario", "world", "pattern"], sort=False)["held"]
            .agg(share="mean", seeds="size").reset_index())
    card["held"] = card["share"] >= 0.5
    card = card.merge(meta, on="pattern", how="left")
    rank = _world_rank()
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
        lines.append(f"scenario {scen}: training patterns 1992-2013 (docs/scoring.md), share of {seeds} seeds; "
                     "* = held (>= 50%)")
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
    lines.append("Tension patterns read the Russia-only index; no pattern reads a quarter after 2013 (held-out "
                 "years); one rule per threshold, the same for every world (docs/scoring.md).")
    return "\n".join(lines)


# --- Western pulses off ------------------------------------------------------------------------------------

PULSES_OFF = {"west_pulses_off": 1.0}


def pulses_off_card(scenario, worlds, seeds, parameters: dict | None = None, workers: int | None = None,
                    progress: bool = True) -> pd.DataFrame:
    """The scorecard of the same runs (scenario, worlds, seeds, parameters) with every NATO member's stance
    held at cooperate (``west_pulses_off`` = 1), cut at 2013Q4 (the patterns read nothing later)."""
    from sim.calendar import parse_quarter
    from sim.runs.ensemble import run_ensemble
    from sim.scenario import until

    if scenario.end > parse_quarter("2013Q4"):
        scenario = until(scenario, "2013Q4")
    # parameters: one dict, or per run (a callable with with_overrides: a calibrated posterior)
    params = parameters.with_overrides(PULSES_OFF) if callable(parameters) else {**(parameters or {}), **PULSES_OFF}
    ens = run_ensemble(scenario, worlds, seeds, params,
                       keep=("observables", "events"), workers=workers, progress=progress, desc="pulses off")
    return scorecard(ens.observables, ens.events)


def pulses_off_check(card: pd.DataFrame, card_off: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, world, pattern): the share of seeds with the West's stance as the scenario makes it
    (``share``) and with it held at cooperate (``share_pulses_off``), and the difference (off − on). A
    pattern whose share falls when the pulses are off comes from the West's pulses, not from Russia."""
    key = ["scenario", "world", "pattern"]
    out = card[key + ["share"]].merge(card_off[key + ["share"]].rename(columns={"share": "share_pulses_off"}),
                                      on=key, how="left")
    out["difference"] = out["share_pulses_off"] - out["share"]
    return out


def format_pulses_check(check: pd.DataFrame) -> str:
    """Patterns × worlds: 'share with → share without' the Western pulses."""
    worlds = list(dict.fromkeys(check["world"]))
    lines = ["Western pulses off: the same runs with every NATO member's stance held at cooperate "
             "(west_pulses_off = 1);", "share of seeds with the pulses -> without them; '<' marks a pattern "
             "that falls by 25 points or more without them (it comes from the West's pulses)"]
    head = f"{'pattern':34s}" + "".join(f"{w[:18]:>20s}" for w in worlds)
    lines += [head, "-" * len(head)]
    for pid, g in check.groupby("pattern", sort=False):
        cells = ""
        for w in worlds:
            r = g[g["world"] == w]
            if not len(r):
                cells += f"{'-':>20s}"
                continue
            on, off = float(r["share"].iloc[0]), float(r["share_pulses_off"].iloc[0])
            mark = "<" if off <= on - 0.25 else " "
            cells += f"{f'{on:.0%} -> {off:.0%}':>19s}{mark}"
        lines.append(f"{pid:34s}{cells}")
    held = check.assign(on=check["share"] >= 0.5, off=check["share_pulses_off"] >= 0.5).groupby("world", sort=False)
    n = check["pattern"].nunique()
    lines.append(f"{'patterns held':34s}" + "".join(
        f"{f'{int(g.on.sum())}/{n} -> {int(g.off.sum())}/{n}':>19s} " for _, g in held))
    return "\n".join(lines)


# --- M8: the West's decisions as evidence about its type -----------------------------------------------------

LEADER_TYPES = ("security_seeker", "order_revisionist", "greedy_expansionist")
TYPE_ABBREV = {"security_seeker": "S", "order_revisionist": "R", "greedy_expansionist": "G"}


def _logmeanexp(x: pd.Series) -> float:
    x = np.asarray(x, dtype=float)
    m = np.max(x)
    return float(m + np.log(np.mean(np.exp(x - m))))


def decision_evidence(decisions: pd.DataFrame | None, start_year: float = 1992,
                      held_out: bool = False) -> pd.DataFrame | None:
    """docs/theory.md §4 (M8) / §7: every scripted Western decision taken or withheld (invitations, pledges,
    MAPs; the Baltic states not invited in 1997, Bucharest's refused MAPs) scored under the member-vote rule
    with the US leader of each type, holding the run's history fixed. Decisions NATO's own vote took in a run
    (``scripted`` False) are the model's, not the record's, and are left out.

    One row per (scenario, world, decision): ``taken``, the mean over seeds of the log-likelihood under the
    run's own world (``loglik``) and under each leader type (``loglik_<type>``), and the log Bayes factor of
    each type against the security seeker (``ln_bf_<type>``: log of the likelihoods averaged over seeds, i.e.
    marginal over the run's randomness), plus one ``total`` row per world (the decisions together, per
    seed). Training window (1992–2013) only unless ``held_out``. Returns None when there are no decisions
    (or only the old log without per-type columns: then the total log-likelihood under the run's world)."""
    if decisions is None or not len(decisions):
        return None
    d = decisions.copy()
    if "scripted" in d:  # the record's decisions only: those NATO's own vote took in the run are not data
        d = d[d["scripted"].astype(bool)]
    d["year"] = start_year + d["step"] / 4.0
    if not held_out:
        d = d[d["year"] < TRAINING_END]
    if not len(d):
        return None
    typed = all(f"loglik_{t}" in d for t in LEADER_TYPES)
    cols = ["loglik"] + ([f"loglik_{t}" for t in LEADER_TYPES] if typed else [])
    if "taken" not in d:
        d["taken"] = True
    d["taken"] = d["taken"].astype(bool)
    key = ["scenario", "world", "event_id"]

    def summarise(g: pd.DataFrame) -> dict:
        row = {c: float(g[c].mean()) for c in cols}
        row["seeds"] = int(g["seed"].nunique())
        if typed:
            for t in LEADER_TYPES:
                row[f"ln_bf_{t}"] = _logmeanexp(g[f"loglik_{t}"]) - _logmeanexp(g["loglik_security_seeker"])
        return row

    rows = []
    for (scen, world, eid), g in d.groupby(key, sort=False):
        rows.append({"scenario": scen, "world": world, "decision": eid, "year": float(g["year"].min()),
                     "kind": str(g["kind"].iloc[0]) if "kind" in g else "", "taken": bool(g["taken"].iloc[0]),
                     **summarise(g)})
    for (scen, world), g in d.groupby(["scenario", "world"], sort=False):
        per_seed = g.groupby("seed")[cols].sum().reset_index()
        rows.append({"scenario": scen, "world": world, "decision": "total", "year": np.nan, "kind": "",
                     "taken": None, **summarise(per_seed), "decisions": int(g["event_id"].nunique())})
    out = pd.DataFrame(rows)
    rank = _world_rank()
    out["_w"] = out["world"].map(rank)
    out["_t"] = out["decision"].eq("total")
    out["_y"] = out["year"].fillna(np.inf)
    return out.sort_values(["scenario", "_w", "_t", "_y"], kind="stable").drop(
        columns=["_w", "_t", "_y"]).reset_index(drop=True)


def _num(x: float, width: int) -> str:
    """Two decimals, without a '-0.00'."""
    return f"{round(float(x), 2) + 0.0:{width}.2f}"


def format_evidence(ev: pd.DataFrame | None) -> str:
    if ev is None or not len(ev):
        return ""
    typed = all(f"ln_bf_{t}" in ev for t in LEADER_TYPES)
    years = ev["year"].dropna()
    window = "1992-2013" if years.max() < TRAINING_END else "all years (held-out years included)"
    lines = [f"Evidence from the West's own decisions (M8), {window}: each scripted decision taken or withheld, "
             "scored under NATO's member-vote", "rule with the US leader of each type, on the run's own history "
             "(mean log-likelihood over seeds). ln BF X:S = log Bayes factor of leader type X against the "
             "security seeker", "(likelihoods averaged over seeds); > 0 favours X. Evidence about the West's "
             "type within each world; nothing here was tuned on it."]
    from sim.worlds import world_types
    for (scen, world), g in ev.groupby(["scenario", "world"], sort=False):
        try:
            west = TYPE_ABBREV.get(world_types(world)["leader"], "?")
        except ValueError:
            west = "?"
        total = g[g["decision"] == "total"].iloc[0]
        lines.append("")
        lines.append(f"{world} (its West: {west}; {int(total['seeds'])} seeds, {int(total['decisions'])} decisions)")
        if typed:
            head = (f"{'decision':36s} {'':8s} {'ll(world)':>9s} {'ll(S)':>8s} {'ll(R)':>8s} {'ll(G)':>8s}"
                    f" {'lnBF R:S':>9s} {'lnBF G:S':>9s}")
        else:
            head = f"{'decision':36s} {'':8s} {'ll(world)':>9s}"
        lines += [head, "-" * len(head)]
        for _, r in g.iterrows():
            name = str(r["decision"])[:36]
            status = "" if r["decision"] == "total" else ("taken" if r["taken"] else "withheld")
            cells = f"{name:36s} {status:8s} {_num(r['loglik'], 9)}"
            if typed:
                cells += "".join(f" {_num(r[f'loglik_{t}'], 8)}" for t in LEADER_TYPES)
                cells += f" {_num(r['ln_bf_order_revisionist'], 9)} {_num(r['ln_bf_greedy_expansionist'], 9)}"
            lines.append(cells)
    return "\n".join(lines)
