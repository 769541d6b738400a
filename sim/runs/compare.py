"""Paired comparison of a base scenario and counterfactuals, and event attribution (layer 4).

Every scenario runs on the same seeds in the same worlds. The model draws every random number from a
stream keyed by (seed, agent, mechanism, step) (docs/theory.md §4), so these are common random numbers: a
counterfactual's run is identical to its base's run on the same seed until the first date its edits touch,
and every later difference comes from the edits. Differences are therefore taken *per seed* and then
averaged (a paired design): the mean of per-seed differences with a t interval (or a percentile bootstrap
over seeds), which is far tighter than comparing two independent ensembles.

>>> from sim.runs.compare import compare
>>> c = compare("scenarios/historical.yaml", ["scenarios/counterfactuals/no_enlargement.yaml"],
...             worlds="all", seeds=20)
>>> c.outcomes                 # one row per scenario, world and outcome, with intervals and the difference
>>> c.differences              # trajectories: mean per-seed difference from the base, with intervals
>>> from sim.faces.compare_report import comparison_report
>>> comparison_report(c, "compare.html")   # self-contained HTML (plotly), drawn by the faces layer

Event attribution (docs/theory.md §8): :func:`attribute` leaves each scripted event out in turn, on the same seeds,
and reports how much of each outcome the event accounts for (base minus the run without it).

The outcome definitions (:class:`OutcomeSpec`) are written out in ``docs/counterfactuals.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calendar import parse_quarter, quarter_label
from sim.scenario import Counterfactual, Scenario, load_scenario

# Trajectories compared in the report and in ``Comparison.differences``.
VARIABLES = (
    ("tension", "Tension index (both sides)"),
    ("tension_russia", "Russia-only tension index"),
    ("trust_russia_in_nato", "Russia's trust in NATO"),
    ("trust_nato_in_russia", "NATO's trust in Russia"),
    ("russia_insecurity", "Russia's insecurity (total)"),
    ("russia_insecurity_military", "Russia's insecurity: military (proximity-driven)"),
    ("russia_insecurity_status", "Russia's insecurity: status (C-driven)"),
    ("russia_insecurity_sphere", "Russia's insecurity: sphere loss"),
    ("centrality", "NATO centrality C"),
    ("russia_burden", "Russia's military burden (share of GDP)"),
)
KEEP = ("observables", "events")  # the tables a comparison needs (states and beliefs would cost memory)


# ----------------------------------------------------------------------------------------- outcomes

@dataclass(frozen=True)
class OutcomeSpec:
    """Which outcomes the table holds. Dates and periods outside a scenario's run are dropped, and the
    last quarter of the run is always added to ``force_by`` and ``trust_at``.

    - ``force_by``: P(Russia uses force against a neighbour by the end of that quarter). A *neighbour* is
      a state with a land border with Russia or in the sphere Russia claims (``spheres: RUS``).
    - ``crisis_regimes``: the relationship "enters crisis" in the first quarter whose ``regime`` is one of
      these; reported as P(ever) and as the first year among the seeds where it happens.
    - ``periods`` × ``period_columns``: the mean of each column over the quarters of each period (years
      inclusive).
    - ``trust_at``: trust in both directions at these quarters.
    - ``run_means``: means over the whole run.
    """

    force_by: tuple[str, ...] = ("2008Q4", "2013Q4", "2025Q4")
    crisis_regimes: tuple[str, ...] = ("crisis", "war")
    periods: tuple[tuple[int, int], ...] = ((1992, 1998), (1999, 2007), (2008, 2013), (2014, 2025))
    period_columns: tuple[str, ...] = ("tension", "tension_russia")
    trust_at: tuple[str, ...] = ("1999Q4", "2007Q4", "2013Q4", "2025Q4")
    run_means: tuple[str, ...] = ("russia_insecurity", "russia_insecurity_sphere")


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    kind: str  # probability | mean | year


def _nice(col: str) -> str:
    return {"tension": "tension", "tension_russia": "Russia-only tension",
            "russia_insecurity": "Russia's insecurity",
            "russia_insecurity_sphere": "Russia's sphere-loss insecurity"}.get(col, col.replace("_", " "))


def outcome_list(spec: OutcomeSpec, start: int, end: int) -> list[Outcome]:
    """The outcomes of ``spec`` that exist for a run from quarter ``start`` to ``end``."""
    out = []
    force = sorted({q for q in (parse_quarter(d) for d in spec.force_by) if start <= q <= end} | {end})
    for q in force:
        out.append(Outcome(f"force_by_{quarter_label(q)}", f"P(Russia uses force against a neighbour by {quarter_label(q)})",
                           "probability"))
    out.append(Outcome("crisis_ever", f"P(relationship enters {' or '.join(spec.crisis_regimes)} by {quarter_label(end)})",
                       "probability"))
    out.append(Outcome("crisis_first_year", "first year in crisis (seeds where it happens)", "year"))
    for col in spec.period_columns:
        for y0, y1 in spec.periods:
            a, b = max(y0, start // 4), min(y1, end // 4)
            if a <= b:
                out.append(Outcome(f"{col}_{a}_{b}", f"mean {_nice(col)} {a}–{b}", "mean"))
    trust = sorted({q for q in (parse_quarter(d) for d in spec.trust_at) if start <= q <= end} | {end})
    for q in trust:
        out.append(Outcome(f"trust_russia_in_nato_{quarter_label(q)}", f"Russia's trust in NATO, {quarter_label(q)}", "mean"))
        out.append(Outcome(f"trust_nato_in_russia_{quarter_label(q)}", f"NATO's trust in Russia, {quarter_label(q)}", "mean"))
    for col in spec.run_means:
        out.append(Outcome(f"mean_{col}", f"mean {_nice(col)} {start // 4}–{end // 4}", "mean"))
    return out


def neighbours_of_russia(s: Scenario) -> frozenset[str]:
    """States with a land border with Russia, or in the sphere Russia claims."""
    rus = next(st.iso3 for st in s.states if st.role == "russia")
    land = {b.b if b.a == rus else b.a for b in s.borders if rus in (b.a, b.b) and b.kind == "land"}
    return frozenset(land | set(s.spheres.get(rus, ())))


def per_seed_outcomes(obs: pd.DataFrame, events: pd.DataFrame, scenario: Scenario,
                      spec: OutcomeSpec = OutcomeSpec()) -> pd.DataFrame:
    """One row per (scenario, world, seed), one column per outcome (NaN where undefined)."""
    start, end = scenario.start, scenario.end
    outs = outcome_list(spec, start, end)
    keys = ["scenario", "world", "seed"]
    o = obs.sort_values(keys + ["step"], kind="stable")
    base = o.groupby(keys, sort=False).size().reset_index()[keys]
    res = {oc.id: np.full(len(base), np.nan) for oc in outs}
    idx = {k: i for i, k in enumerate(map(tuple, base[keys].to_numpy()))}
    rus = next(st.iso3 for st in scenario.states if st.role == "russia")
    nb = neighbours_of_russia(scenario)
    force = events[(events["kind"] == "use_of_force") & (~events["scripted"]) & (events["actor"] == rus)
                   & events["target"].isin(nb)]
    first_force = force.groupby(keys)["step"].min()
    for oc in outs:
        if oc.id.startswith("force_by_"):
            q = parse_quarter(oc.id.removeprefix("force_by_"))
            col = np.zeros(len(base))
            for k, st in first_force.items():
                if k in idx and st <= q - start:
                    col[idx[k]] = 1.0
            res[oc.id] = col
    crisis = o[o["regime"].isin(spec.crisis_regimes)].groupby(keys)["step"].min()
    ever = np.zeros(len(base))
    first_year = np.full(len(base), np.nan)
    for k, st in crisis.items():
        if k in idx:
            ever[idx[k]] = 1.0
            first_year[idx[k]] = (start + int(st)) // 4
    res["crisis_ever"], res["crisis_first_year"] = ever, first_year
    years = (start + o["step"].to_numpy()) // 4
    for oc in outs:
        if oc.kind != "mean":
            continue
        if oc.id.startswith("trust_"):
            col, date = oc.id.rsplit("_", 1)
            sel = o[o["step"] == parse_quarter(date) - start]
            vals = sel.set_index(keys)[col]
        elif oc.id.startswith("mean_"):
            vals = o.groupby(keys, sort=False)[oc.id.removeprefix("mean_")].mean()
        else:
            col, a, b = oc.id.rsplit("_", 2)
            sel = o[(years >= int(a)) & (years <= int(b))]
            vals = sel.groupby(keys, sort=False)[col].mean()
        arr = np.full(len(base), np.nan)
        for k, v in vals.items():
            if k in idx:
                arr[idx[k]] = v
        res[oc.id] = arr
    return pd.concat([base.reset_index(drop=True), pd.DataFrame(res)], axis=1)


# ------------------------------------------------------------------------------------- intervals

@lru_cache(maxsize=4096)
def _tq(n: int, level: float) -> float:
    from scipy.stats import t
    return float(t.ppf(0.5 + level / 2, n - 1))


def mean_interval(x: np.ndarray, level: float = 0.95, method: str = "t", rng_seed: int = 0) -> tuple[float, float, float]:
    """Mean and interval of a sample (NaNs dropped): Student t, or a percentile bootstrap (2000 draws,
    fixed seed, so the same data give the same interval). A constant sample gives a zero-width interval."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n == 1:
        return m, math.nan, math.nan
    if np.all(x == x[0]):
        return m, m, m
    if method == "bootstrap":
        rng = np.random.default_rng(rng_seed)
        means = x[rng.integers(0, n, size=(2000, n))].mean(axis=1)
        lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
        return m, float(lo), float(hi)
    if method != "t":
        raise ValueError(f"unknown interval method {method!r}; use 't' or 'bootstrap'")
    h = _tq(n, level) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - h, m + h


def wilson(k: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import norm
    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def summarise(per_seed: pd.DataFrame, outcomes: list[Outcome], base_label: str, level: float = 0.95,
              method: str = "t") -> pd.DataFrame:
    """Outcome table: value with interval per scenario and world, and the paired difference from the base
    (mean of per-seed differences over the seeds where both are defined)."""
    rows = []
    ids = [oc.id for oc in outcomes]
    bases = {w: g.set_index("seed") for w, g in per_seed[per_seed["scenario"] == base_label].groupby("world", sort=False)}
    for (scen, world), g in per_seed.groupby(["scenario", "world"], sort=False):
        g = g.set_index("seed")
        b = bases[world]
        common = g.index.intersection(b.index)
        xs = g[ids].to_numpy(dtype=float)
        ds = g.loc[common, ids].to_numpy(dtype=float) - b.loc[common, ids].to_numpy(dtype=float)
        for j, oc in enumerate(outcomes):
            x = xs[:, j]
            ok = x[~np.isnan(x)]
            if oc.kind == "probability":
                v = float(ok.mean()) if len(ok) else math.nan
                lo, hi = wilson(float(ok.sum()), len(ok), level)
            else:
                v, lo, hi = mean_interval(ok, level, method)
            d = ds[:, j]
            dm, dlo, dhi = mean_interval(d, level, method)
            if oc.kind == "probability" and not math.isnan(dlo):
                dlo, dhi = max(dlo, -1.0), min(dhi, 1.0)
            rows.append({"scenario": scen, "world": world, "outcome": oc.id, "label": oc.label, "kind": oc.kind,
                         "n": len(ok), "value": v, "value_lo": lo, "value_hi": hi,
                         "diff": dm, "diff_lo": dlo, "diff_hi": dhi, "n_pairs": int((~np.isnan(d)).sum()),
                         "is_base": scen == base_label})
    return pd.DataFrame(rows)


def trajectory_differences(obs: pd.DataFrame, base_label: str, variables=None, level: float = 0.95) -> pd.DataFrame:
    """Per (counterfactual, world, step, variable): the mean per-seed difference from the base, with a t
    interval, and both means."""
    variables = [v for v, _ in VARIABLES] if variables is None else list(variables)
    variables = [v for v in variables if v in obs.columns]
    keys = ["world", "seed", "step"]
    b = obs[obs["scenario"] == base_label].set_index(keys)[variables]
    out = []
    for scen, g in obs[obs["scenario"] != base_label].groupby("scenario", sort=False):
        g = g.set_index(keys)
        common = g.index.intersection(b.index)
        diff = (g.loc[common, variables] - b.loc[common, variables]).reset_index()
        long = diff.melt(id_vars=keys, var_name="variable", value_name="d")
        cf = g.loc[common, variables].reset_index().melt(id_vars=keys, var_name="variable", value_name="cf")
        bs = b.loc[common, variables].reset_index().melt(id_vars=keys, var_name="variable", value_name="base")
        long["cf"], long["base"] = cf["cf"].to_numpy(), bs["base"].to_numpy()
        agg = long.groupby(["world", "variable", "step"], sort=False).agg(
            diff=("d", "mean"), sd=("d", "std"), n=("d", "size"), cf_mean=("cf", "mean"),
            base_mean=("base", "mean")).reset_index()
        tq = np.array([_tq(int(n), level) if n > 1 else np.nan for n in agg["n"]])
        h = np.where(agg["sd"].fillna(0) == 0, 0.0, tq * agg["sd"].fillna(0) / np.sqrt(agg["n"]))
        agg["lo"], agg["hi"] = agg["diff"] - h, agg["diff"] + h
        agg.insert(0, "scenario", scen)
        out.append(agg.drop(columns="sd"))
    if not out:
        return pd.DataFrame(columns=["scenario", "world", "variable", "step", "diff", "n", "cf_mean", "base_mean",
                                     "lo", "hi", "date", "year"])
    res = pd.concat(out, ignore_index=True)
    start = int(obs["year"].min() * 4) if "year" in obs else 0
    res["date"] = [quarter_label(start + int(k)) for k in res["step"]]
    res["year"] = (start + res["step"]) / 4.0
    return res


# ------------------------------------------------------------------------------ edit scope and CRN

@dataclass(frozen=True)
class EditScope:
    """Where a counterfactual departs from its base: ``first_date`` (quarter number) is the earliest date
    among events removed, added or changed (old and new dates); ``undated`` when a non-event part changed
    (types, parameters, states, alliances, ...), so that differences may start at once; ``identical`` when
    nothing differs."""

    kind: str                      # dated | undated | identical
    first_date: int | None
    detail: str

    @property
    def label(self) -> str:
        if self.kind == "dated":
            return quarter_label(self.first_date)
        return "from the start" if self.kind == "undated" else "no edit"


def _event_key(e) -> dict:
    return {k: getattr(e, k) for k in e.__dataclass_fields__ if k != "origin"}


def edit_scope(base: Scenario, cf: Scenario) -> EditScope:
    """Compare two scenarios' content (not their edit lists, so YAML, Python and hand-written variants are
    treated alike)."""
    db, dc = base.to_dict(), cf.to_dict()
    other = sorted(k for k in db if k not in ("name", "description", "events") and db[k] != dc.get(k))
    if "alliances" in other:
        # a new institution without members acts only through the events that offer it: not an undated change
        ab = {a["id"]: a for a in db["alliances"]}
        ac = {a["id"]: a for a in dc["alliances"]}
        if all(ac.get(i) == a for i, a in ab.items()) and all(not ac[i]["members"] for i in ac.keys() - ab.keys()):
            other.remove("alliances")
    be = {e.id: e for e in base.events}
    ce = {e.id: e for e in cf.events}
    dates, parts = [], []
    for i in sorted(be.keys() - ce.keys()):
        dates.append(be[i].date)
        parts.append(f"removed {i}")
    for i in sorted(ce.keys() - be.keys()):
        dates.append(ce[i].date)
        parts.append(f"added {i}")
    for i in sorted(be.keys() & ce.keys()):
        if _event_key(be[i]) != _event_key(ce[i]):
            dates += [be[i].date, ce[i].date]
            parts.append(f"changed {i}")
    # events of one quarter fire in file order: a new order of unchanged events is an edit at that quarter
    same = be.keys() & ce.keys()
    for q in sorted({be[i].date for i in same}):
        ob = [e.id for e in base.events if e.id in same and e.date == q and ce[e.id].date == q]
        oc = [e.id for e in cf.events if e.id in same and e.date == q and be[e.id].date == q]
        if ob != oc:
            dates.append(q)
            parts.append(f"reordered events of {quarter_label(q)}")
    # which states' applications NATO votes on (M8) is read from the scripted decisions as a whole, from the
    # start: an edit that makes a decision endogenous, or removes or adds one for a new state, acts from quarter 0
    from sim.engine.events import scripted_nato_states

    if scripted_nato_states(base) != scripted_nato_states(cf):
        other.append("the states whose NATO decisions the record scripts (their applications go to NATO's vote "
                     "from the start)")
    if other:
        return EditScope("undated", None, "changed " + ", ".join(other) + ("; " + "; ".join(parts) if parts else ""))
    if dates:
        return EditScope("dated", min(dates), "; ".join(parts))
    return EditScope("identical", None, "no difference")


def _by_run(df: pd.DataFrame) -> dict:
    return {k: g for k, g in df.groupby(["scenario", "world"], sort=False)}


def first_divergence(obs, events, base_label: str, label: str) -> pd.Series:
    """Per world: the first step at which the counterfactual's observables or event log differ from the
    base's on any seed (NaN if they never differ). ``obs`` and ``events`` are tables, or dicts of them keyed
    by (scenario, world) as :func:`_by_run` makes them (faster when called for many scenarios)."""
    obs = obs if isinstance(obs, dict) else _by_run(obs)
    events = events if isinstance(events, dict) else _by_run(events)
    empty = pd.DataFrame(columns=["seed", "step", "kind", "actor", "target", "scripted", "cause", "event_id"])
    out = {}
    for scen, world in obs:
        if scen != base_label:
            continue
        a = obs[(base_label, world)]
        b = obs.get((label, world), a.iloc[0:0])
        cols = [c for c in a.columns if c != "scenario"]
        first = math.inf
        if len(a) != len(b):
            first = 0
        else:
            diff = np.zeros(len(a), dtype=bool)
            for c in cols:
                x, y = a[c].to_numpy(), b[c].to_numpy()
                if x.dtype.kind == "f":
                    diff |= ~((x == y) | (np.isnan(x) & np.isnan(y)))
                else:
                    diff |= x != y
            if diff.any():
                first = int(a["step"].to_numpy()[diff].min())
        ecols = list(empty.columns)
        ea = events.get((base_label, world), empty)[ecols]
        eb = events.get((label, world), empty)[ecols]
        sym = set(map(tuple, ea.to_numpy())) ^ set(map(tuple, eb.to_numpy()))
        if sym:
            first = min(first, min(t[1] for t in sym))
        out[world] = math.nan if first == math.inf else first
    return pd.Series(out, dtype=float)


# ------------------------------------------------------------------------------------- comparison

def _as_scenario(x) -> Scenario:
    if isinstance(x, Scenario):
        return x
    if isinstance(x, Counterfactual):
        return x.build()
    return load_scenario(Path(x))


def _unique_labels(scenarios: list[Scenario]) -> list[Scenario]:
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        n = seen.get(s.name, 0) + 1
        seen[s.name] = n
        out.append(s if n == 1 else dataclasses.replace(s, name=f"{s.name} ({n})"))
    return out


@dataclass
class Comparison:
    """The result of :func:`compare`.

    Attributes:
        base: the base scenario's label (its name); ``labels``: every scenario's label, base first.
        outcomes: the outcome table (one row per scenario × world × outcome): ``value`` with ``value_lo``/
            ``value_hi`` and the paired difference from the base ``diff`` with ``diff_lo``/``diff_hi``.
        per_seed: the outcomes of every run (scenario × world × seed).
        differences: trajectories, the mean per-seed difference from the base per step with a t interval.
        scope: per counterfactual and world, the first edited date, the first date at which the runs
            actually diverge, and whether they are identical before the first edited date.
        observables, events: the tables of every run.
    """

    base: str
    labels: list[str]
    scenarios: dict[str, Scenario]
    worlds: tuple[str, ...]
    seeds: list[int]
    observables: pd.DataFrame
    events: pd.DataFrame
    per_seed: pd.DataFrame
    outcomes: pd.DataFrame
    differences: pd.DataFrame
    scope: pd.DataFrame
    spec: OutcomeSpec = field(default_factory=OutcomeSpec)
    level: float = 0.95
    method: str = "t"
    command: str = ""

    def outcome_table(self, world: str | None = None, wide: bool = False) -> pd.DataFrame:
        """The outcome table, optionally for one world; ``wide`` gives one column per scenario (values)."""
        t = self.outcomes if world is None else self.outcomes[self.outcomes["world"] == world]
        if not wide:
            return t
        return t.pivot_table(index=["world", "outcome"], columns="scenario", values="value", sort=False)[self.labels]

    def write(self, out) -> Path:
        """Write the tables (Parquet; the outcome table also as CSV) and a manifest. The HTML report is the
        faces' job: :func:`sim.faces.compare_report.comparison_report` (``spiral compare`` writes both)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tables = {"observables": self.observables, "events": self.events, "outcomes": self.outcomes,
                  "outcomes_per_seed": self.per_seed, "differences": self.differences, "scope": self.scope}
        files = _write_frames(out, tables)
        csv = out / "outcomes.csv"
        self.outcomes.to_csv(csv, index=False, float_format="%.6g")
        files[csv.name] = _sha(csv)
        manifest = {"command": self.command, "base": self.base, "scenarios": {
            k: {"hash": s.hash, "files": list(s.files), "description": s.description} for k, s in self.scenarios.items()},
            "worlds": list(self.worlds), "seeds": self.seeds, "interval": {"level": self.level, "method": self.method},
            "outcome_spec": dataclasses.asdict(self.spec)}
        _write_manifest(out, manifest, files)
        return out


def compare(base, counterfactuals, worlds="all", seeds: int | list[int] = 20, *, first_seed: int = 1,
            parameters: dict | None = None, spec: OutcomeSpec = OutcomeSpec(), level: float = 0.95,
            method: str = "t", workers: int | None = None, progress: bool = True, command: str = "") -> Comparison:
    """Run ``base`` and every counterfactual on the same seeds in the same worlds and compare them.

    Args:
        base, counterfactuals: paths to scenario files, :class:`~sim.scenario.Scenario` objects or
            :class:`~sim.scenario.Counterfactual` objects (a single one or a list).
        worlds: a world, a list of worlds, or ``"all"``.
        seeds: a number of seeds (``first_seed``, ``first_seed + 1``, ...) or a list of seeds.
        spec: which outcomes the table holds (:class:`OutcomeSpec`).
        level, method: interval level and method (``"t"`` or ``"bootstrap"``) for means and differences;
            probabilities get a Wilson interval.
        workers: processes (default: all cores, at most 8).
    """
    from sim.runs.ensemble import run_ensemble, seeds_arg, worlds_arg
    from sim.worlds import world_types

    if isinstance(counterfactuals, str | Path | Scenario | Counterfactual):
        counterfactuals = [counterfactuals]
    scenarios = _unique_labels([_as_scenario(base)] + [_as_scenario(c) for c in counterfactuals])
    b = scenarios[0]
    for s in scenarios[1:]:
        if (s.start, s.end) != (b.start, b.end):
            raise ValueError(f"scenario {s.name!r} runs {quarter_label(s.start)}..{quarter_label(s.end)}, the base "
                             f"{quarter_label(b.start)}..{quarter_label(b.end)}: paired runs need the same period")
    worlds = worlds_arg(worlds)
    for w in worlds:
        world_types(w)
    seeds = seeds_arg(seeds, first_seed)
    ens = run_ensemble(scenarios, worlds, seeds, parameters, keep=KEEP, workers=workers, progress=progress,
                       desc="paired runs")
    if progress:
        print("paired statistics: outcome table, trajectory differences, identity check ...", file=sys.stderr)
    return _comparison(scenarios, worlds, seeds, ens.observables, ens.events, spec, level, method, command)


def _comparison(scenarios, worlds, seeds, obs, events, spec, level, method, command) -> Comparison:
    b = scenarios[0]
    per_seed = pd.concat([per_seed_outcomes(obs[obs["scenario"] == s.name], events[events["scenario"] == s.name], b, spec)
                          for s in scenarios], ignore_index=True)
    order = {"scenario": [s.name for s in scenarios], "world": list(worlds)}
    per_seed = _ordered(per_seed, order, ["scenario", "world", "seed"])
    outs = outcome_list(spec, b.start, b.end)
    table = summarise(per_seed, outs, b.name, level, method)
    diffs = _ordered(trajectory_differences(obs, b.name, level=level), order, ["scenario", "world", "variable", "step"],
                     keep_variable_order=True)
    scope_rows = []
    obs_by, ev_by = _by_run(obs), _by_run(events)
    for s in scenarios[1:]:
        sc = edit_scope(b, s)
        div = first_divergence(obs_by, ev_by, b.name, s.name)
        for w in worlds:
            d = div.get(w, math.nan)
            ident = None
            if sc.kind == "dated":
                ident = bool(math.isnan(d) or d >= sc.first_date - b.start)
            elif sc.kind == "identical":
                ident = bool(math.isnan(d))
            scope_rows.append({"scenario": s.name, "world": w, "edit_kind": sc.kind, "first_edit": sc.label,
                               "first_divergence": None if math.isnan(d) else quarter_label(b.start + int(d)),
                               "identical_before_first_edit": ident, "edits": sc.detail})
    scope = pd.DataFrame(scope_rows, columns=["scenario", "world", "edit_kind", "first_edit", "first_divergence",
                                              "identical_before_first_edit", "edits"])
    return Comparison(base=b.name, labels=[s.name for s in scenarios], scenarios={s.name: s for s in scenarios},
                      worlds=tuple(worlds), seeds=list(seeds), observables=obs, events=events, per_seed=per_seed,
                      outcomes=table, differences=diffs, scope=scope, spec=spec, level=level, method=method,
                      command=command)


def _ordered(df: pd.DataFrame, order: dict, by: list, keep_variable_order: bool = False) -> pd.DataFrame:
    """Sort by scenario (base first) and world in the given orders, then by the remaining keys."""
    if not len(df):
        return df
    keys = {}
    for col in by:
        if col in order:
            keys[col] = df[col].map({v: i for i, v in enumerate(order[col])})
        elif col == "variable" and keep_variable_order:
            names = [v for v, _ in VARIABLES]
            keys[col] = df[col].map(lambda v: names.index(v) if v in names else len(names))
        else:
            keys[col] = df[col]
    idx = pd.DataFrame(keys).sort_values(by, kind="stable").index
    return df.loc[idx].reset_index(drop=True)


# ------------------------------------------------------------------------------------- attribution

@dataclass
class Attribution:
    """The result of :func:`attribute`.

    ``table``: one row per (world, event, outcome): ``effect`` = outcome in the base − outcome without the
    event (mean of per-seed differences) with ``effect_lo``/``effect_hi``, and ``share`` = effect / base
    value (the part of the outcome the event accounts for, leaving it out one at a time; shares need not add
    up to one, since events interact). Events that never fired on these seeds have effect 0 by
    construction and are listed with ``ran = False``.
    """

    scenario: str
    worlds: tuple[str, ...]
    seeds: list[int]
    table: pd.DataFrame
    comparison: Comparison
    command: str = ""

    def ranked(self, outcome: str, world: str | None = None) -> pd.DataFrame:
        world = world or self.worlds[0]
        t = self.table[(self.table["outcome"] == outcome) & (self.table["world"] == world)]
        return t.reindex(t["effect"].abs().sort_values(ascending=False, kind="stable").index)

    def write(self, out) -> Path:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        files = _write_frames(out, {"attribution": self.table, "outcomes_per_seed": self.comparison.per_seed})
        csv = out / "attribution.csv"
        self.table.to_csv(csv, index=False, float_format="%.6g")
        files[csv.name] = _sha(csv)
        s = self.comparison.scenarios[self.comparison.base]
        _write_manifest(out, {"command": self.command, "scenario": self.scenario, "scenario_hash": s.hash,
                              "scenario_files": list(s.files), "worlds": list(self.worlds), "seeds": self.seeds,
                              "interval": {"level": self.comparison.level, "method": self.comparison.method}}, files)
        return out


def attribute(scenario, worlds="revisionist_spiral", seeds: int | list[int] = 10, *, kinds=None,
              first_seed: int = 1, parameters: dict | None = None, spec: OutcomeSpec = OutcomeSpec(),
              level: float = 0.95, method: str = "t", workers: int | None = None, progress: bool = True,
              command: str = "") -> Attribution:
    """Event attribution: for each scripted event of ``scenario`` (or those of the given ``kinds``), the
    paired run with that event left out (docs/theory.md §8)."""
    from sim.runs.ensemble import run_ensemble, seeds_arg, worlds_arg
    from sim.worlds import world_types

    base = _as_scenario(scenario)
    worlds = worlds_arg(worlds)
    for w in worlds:
        world_types(w)
    seeds = seeds_arg(seeds, first_seed)
    events = list(base.events)
    if kinds:
        kinds = [k.strip() for k in (kinds.split(",") if isinstance(kinds, str) else kinds) if k.strip()]
        from sim.scenario import EVENT_KINDS
        from sim.scenario.yamlsafe import nearest
        for k in kinds:
            if k not in EVENT_KINDS:
                raise ValueError(f"unknown event kind {k!r}{nearest(k, EVENT_KINDS)}")
        events = [e for e in events if e.kind in kinds]
    if not events:
        raise ValueError(f"scenario {base.name!r} has no scripted events to attribute")
    # the base first: events that never fire on these seeds need no run (leaving them out changes nothing)
    ens0 = run_ensemble([base], worlds, seeds, parameters, keep=KEEP, workers=workers, progress=progress,
                        desc="base runs")
    fired = set(ens0.events.loc[ens0.events["scripted"], "event_id"])
    todo = [e for e in events if e.id in fired]
    variants = [dataclasses.replace(base, name=f"without {e.id}", events=tuple(x for x in base.events if x.id != e.id))
                for e in todo]
    if variants:
        ens = run_ensemble(variants, worlds, seeds, parameters, keep=KEEP, workers=workers, progress=progress,
                           desc="leave-one-out runs")
        obs = pd.concat([ens0.observables, ens.observables], ignore_index=True)
        evs = pd.concat([ens0.events, ens.events], ignore_index=True)
    else:
        obs, evs = ens0.observables, ens0.events
    comp = _comparison([base] + variants, worlds, seeds, obs, evs, spec, level, method, command)
    t = comp.outcomes
    base_vals = t[t["is_base"]].set_index(["world", "outcome"])["value"]
    rows = []
    for e in events:
        ran = e.id in fired
        for w in worlds:
            for oc in outcome_list(spec, base.start, base.end):
                bv = float(base_vals.get((w, oc.id), math.nan))
                if ran:
                    r = t[(t["scenario"] == f"without {e.id}") & (t["world"] == w) & (t["outcome"] == oc.id)].iloc[0]
                    eff, lo, hi, n = -r["diff"], -r["diff_hi"], -r["diff_lo"], int(r["n_pairs"])
                else:
                    eff, lo, hi, n = 0.0, 0.0, 0.0, len(seeds)
                share = eff / bv if bv and not math.isnan(bv) and oc.kind != "year" else math.nan
                rows.append({"world": w, "event_id": e.id, "kind": e.kind, "date": quarter_label(e.date),
                             "conditional": e.requires is not None, "ran": ran, "outcome": oc.id, "label": oc.label,
                             "outcome_kind": oc.kind, "base_value": bv, "effect": eff, "effect_lo": lo,
                             "effect_hi": hi, "share": share, "n_pairs": n})
    return Attribution(scenario=base.name, worlds=tuple(worlds), seeds=list(seeds), table=pd.DataFrame(rows),
                       comparison=comp, command=command)


# ------------------------------------------------------------------------------------- storage

from sim.runs.ensemble import write_manifest as _write_manifest  # noqa: E402
from sim.runs.ensemble import write_parquet_tables as _write_frames  # noqa: E402


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16]
