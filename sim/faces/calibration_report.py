"""The calibration report: ``CALIB_DIR/report.html``, self-contained (plotly.js embedded once; opens offline).

Written from the files ``spiral calibrate`` (:mod:`sim.runs.calibrate`), ``spiral recover`` and the held-out
scoring leave in a calibration folder; nothing here decides anything — every number on the page is read from
those files or summarised from the reference table, and the plain-language paragraph of each world is a
template filled with the measured values (never a hand-written conclusion). A section whose file is missing
says so (the switch and West-type parts are simply absent). A model ``world+switch`` takes its world's colour
shaded by the switch, with its own marker and dash. Sections, in order:

- the study (spec, budget, free parameters of each model, the null model's beside them);
- per world, a paragraph generated from the numbers;
- acceptance per world and for the null model, with Wilson intervals; the graded table (runs holding at least
  k of the patterns); paired differences between worlds on the same draws;
- with models ``world+switch`` (switches.csv): seed 000's claims and the M10 modules — the paired effect of
  turning each switch on, per world and pooled, as a forest plot, a table and one generated sentence per switch
  (what the record favours when the pooled interval excludes 0), and the patterns each switch gains or loses;
- which world: the ABC model probabilities, shown **only** beside the model-recovery confusion matrix that
  calibrates them (Robert et al. 2011); when NATO decided by its own vote in the synthetic histories, the
  confusion with the history's own decisions beside the one without, and the West's type inferred from the
  decisions alone (recovery/west_type.csv), each with generated sentences; and parameter recovery;
- the posterior: marginals of the parameters that moved most from the prior, pair plots of the most moved;
- the posterior predictive over the training features against the record's values (and the prior predictive);
- the evidence of NATO's own decisions (M8); leave-one-pattern-out; prior sensitivity; the held-out table.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.faces.plots import CSS, WORLD_COLOURS, hex_to_rgba, world_order

NULL = "null"
RECORD_FILE = Path(__file__).resolve().parents[1] / "data" / "record_features_1992_2013.csv"
NULL_COLOUR = "#7f7f7f"
TYPE_ORDER = ("security_seeker", "order_revisionist", "greedy_expansionist")  # sim.worlds.TYPES
REPORT = "report.html"
TOP_PARAMETERS = 6      # marginals shown per world: the parameters whose posterior moved most from the prior
PAIR_PARAMETERS = 4     # pair plots: every pair of the four most moved parameters
PRIOR_POINTS = 1500     # prior draws drawn (grey) behind the posterior in the pair plots
POSTERIOR_POINTS = 2000  # accepted draws drawn in the pair plots at most (a weighted sample beyond)
PREDICTIVE_RUNS = 20000  # reference rows read per world for the prior predictive (a seeded subsample)
ROBERT_2011 = ("ABC model choice on summary statistics that are not sufficient for the choice between models can "
               "give posterior model probabilities that do not converge to the right ones, however many "
               "simulations are run (Robert et al. 2011); they are shown here only beside the model-recovery "
               "confusion matrix, which measures how often this very procedure names the world that generated a "
               "synthetic record. Read a probability against that matrix, never alone.")


# A model ``world+switch`` (sim.worlds.split_model) takes its world's colour, shaded by the switch (> 0: toward
# black, < 0: toward white), with its own marker symbol and line dash, so that 21 models stay told apart.
SWITCH_STYLE = {"": (0.0, "circle", "solid"), "expansion_only": (0.35, "diamond", "dash"),
                "territorial_only": (-0.35, "square", "dot"), "liberal": (-0.55, "triangle-up", "dashdot"),
                "constructivist": (0.55, "x", "longdash")}
OTHER_STYLES = [(0.3, "star", "longdashdot"), (-0.3, "cross", "dash"), (-0.55, "pentagon", "dot")]
MODEL_SEP = "+"


def split_name(model: str) -> tuple[str, str]:
    """'deterrence+liberal' -> ('deterrence', 'liberal'); a plain world -> (world, '')."""
    world, _, switches = str(model).partition(MODEL_SEP)
    return world, switches


def _style(model: str) -> tuple[float, str, str]:
    sw = split_name(model)[1]
    if sw in SWITCH_STYLE:
        return SWITCH_STYLE[sw]
    return OTHER_STYLES[sum(map(ord, sw)) % len(OTHER_STYLES)]


def _shade(hex_colour: str, f: float) -> str:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    rgb = [round(v * (1 - f)) if f > 0 else round(v + (255 - v) * -f) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in rgb)


def colour(world: str) -> str:
    """The colour of a world; of a model ``world+switch``, its world's colour shaded by the switch."""
    if world == NULL:
        return NULL_COLOUR
    base, sw = split_name(world)
    c = WORLD_COLOURS.get(base, "#333333")
    return _shade(c, _style(world)[0]) if sw else c


def symbol(model: str) -> str:
    return _style(model)[1]


def dash(model: str) -> str:
    return "dot" if model == NULL else _style(model)[2]


def model_order(names) -> list[str]:
    """``names`` in the one order of the page: each world of sim.worlds.WORLDS followed by its models with
    switches (in the order the switches first appear), then any other name, the null model last."""
    names = [n for n in world_order(list(names))]
    worlds = world_order([split_name(n)[0] for n in names if n != NULL])
    switches = list(dict.fromkeys(split_name(n)[1] for n in names if n != NULL))
    rank = {n: (worlds.index(split_name(n)[0]), switches.index(split_name(n)[1])) for n in names if n != NULL}
    return sorted(rank, key=lambda n: rank[n]) + ([NULL] if NULL in names else [])


def has_switches(names) -> bool:
    return any(split_name(n)[1] for n in names)


def _wrap(name: str) -> str:
    """A model's name as HTML that may break after '+' (table headers of 21 models)."""
    return html.escape(str(name)).replace(MODEL_SEP, MODEL_SEP + "<wbr>")


# ------------------------------------------------------------------------------------------ reading the folder

def _read(path: Path) -> pd.DataFrame | None:
    """A table of the folder (CSV or Parquet, a file or a folder of parts), or None if it is not there."""
    for p in (path, path.with_suffix(".parquet"), path.with_suffix(".csv")):
        if p.is_file():
            # (a world named "null" is a name, not a missing value: only empty cells and NaN are missing)
            return (pd.read_csv(p, keep_default_na=False, na_values=["", "nan", "NaN"]) if p.suffix == ".csv"
                    else pd.read_parquet(p))
        if p.is_dir() and any(p.glob("*.parquet")):
            return pd.read_parquet(p)
    return None


def _reference(calib_dir: Path, columns: list[str] | None = None, worlds=None) -> pd.DataFrame | None:
    """Columns of the reference table (world, draw, seed, features..., m8_ll_*), a file or a folder of parts."""
    import pyarrow.dataset as ds

    for p in (calib_dir / "reference.parquet", calib_dir / "reference"):
        if p.exists():
            d = ds.dataset(str(p), format="parquet")
            cols = [c for c in (columns or d.schema.names) if c in d.schema.names]
            filt = ds.field("world").isin(list(worlds)) if worlds is not None else None
            return d.to_table(columns=cols, filter=filt).to_pandas()
    return None


@dataclass
class Calibration:
    """The tables of a calibration folder (each None if absent), under the report's own column names (the
    folder's are mapped in :meth:`read`: ``spiral calibrate`` writes the acceptance, paired, graded,
    leave-one-out, model-probability and M8 tables, and with models ``world+switch`` the switch effects;
    ``spiral recover`` the recovery tables, with ``west_type.csv`` when NATO decided by its own vote; the
    held-out scoring ``heldout.csv``)."""

    dir: Path
    manifest: dict = field(default_factory=dict)
    draws: pd.DataFrame | None = None          # draw, free parameters (the same rows for every world)
    null_draws: pd.DataFrame | None = None     # draw, null parameters
    posterior: pd.DataFrame | None = None      # world, draw, accepted, weight[, weight_m8]
    acceptance: pd.DataFrame | None = None     # world, parameters, runs, accepted, rate, lo, hi, draws, ...
    graded: pd.DataFrame | None = None         # world, k, patterns, runs, share (runs holding >= k patterns)
    paired: pd.DataFrame | None = None         # world_a, world_b, mean, lo, hi (both orders), paired
    probabilities: pd.DataFrame | None = None  # world, probability[, probability_m8]
    lopo: pd.DataFrame | None = None           # world, dropped, accepted, runs, rate
    lopo_full: dict = field(default_factory=dict)  # world -> the rate under the full rule (its row 'none')
    sensitivity: pd.DataFrame | None = None    # prior, world, rate, rate_lo, rate_hi
    m8: pd.DataFrame | None = None             # world, runs, ll_all, ll_accepted, ... (M8 evidence)
    record: pd.DataFrame | None = None         # feature, value, tolerance, source
    confusion: pd.DataFrame | None = None      # true, inferred, win_share, probability[, probability_m8], n
    recovery: pd.DataFrame | None = None       # world, parameter, correlation, coverage_50, coverage_90, sbc_*
    heldout: pd.DataFrame | None = None        # model, item, kind, record, predicted, score, n[, se]
    heldout_prior: pd.DataFrame | None = None  # the same for the prior predictive (spiral heldout --prior)
    switches: pd.DataFrame | None = None       # switch, world, draws, d_accept[_lo, _hi], d_patterns[_lo, _hi], ...
    switch_patterns: pd.DataFrame | None = None  # switch, pattern, plain, switched, difference
    west_type: pd.DataFrame | None = None      # true_type, inferred_type, records, probability, win_share, votes_mean
    membership: pd.DataFrame | None = None     # world, runs, n, any_emergent_accession, csto_member_admitted, ...

    @classmethod
    def read(cls, calib_dir) -> "Calibration":
        d = Path(calib_dir)
        m = d / "manifest.json"
        c = cls(d, json.loads(m.read_text()) if m.is_file() else {})
        rec_dir = d / "recovery" if (d / "recovery").is_dir() else d
        for name, path in (("draws", d / "draws"), ("null_draws", d / "null_draws"), ("posterior", d / "posterior"),
                           ("acceptance", d / "acceptance"), ("graded", d / "graded"), ("paired", d / "paired"),
                           ("probabilities", d / "model_probabilities"), ("lopo", d / "leave_one_out"),
                           ("sensitivity", d / "prior_sensitivity"), ("m8", d / "m8_evidence"),
                           ("record", d / "record"), ("confusion", rec_dir / "confusion"),
                           ("recovery", rec_dir / "parameter_recovery"), ("heldout", d / "heldout"),
                           ("heldout_prior", d / "heldout_prior"),
                           ("switches", d / "switches"), ("switch_patterns", d / "switches_by_pattern"),
                           ("west_type", rec_dir / "west_type"), ("membership", d / "membership")):
            setattr(c, name, _read(path))
        if c.lopo is None:  # (spiral calibrate's name for it)
            c.lopo = _read(d / "leave_one_pattern_out")
        for name in ("switches", "switch_patterns", "west_type"):  # (an empty file: as if absent)
            if getattr(c, name) is not None and not len(getattr(c, name)):
                setattr(c, name, None)
        c._normalise()
        if c.record is None:  # the record's features as the calibration read them
            path = Path(str((c.manifest.get("record") or {}).get("path") or RECORD_FILE))
            c.record = _read(path if path.is_file() else RECORD_FILE)
        return c

    def _normalise(self) -> None:
        """The folder's column names -> the report's."""
        if self.acceptance is not None:
            self.acceptance = self.acceptance.rename(columns={"rate_lo": "lo", "rate_hi": "hi"})
        if self.paired is not None:
            p = self.paired.rename(columns={"difference": "mean"})
            back = p.rename(columns={"world_a": "world_b", "world_b": "world_a"}).assign(
                mean=-p["mean"], lo=-p["hi"], hi=-p["lo"])
            if "share_a_better" in p:
                back = back.assign(share_a_better=p["share_b_better"], share_b_better=p["share_a_better"])
            have = set(zip(p["world_a"], p["world_b"]))
            back = back[[(a, b) not in have for a, b in zip(back["world_a"], back["world_b"])]]
            self.paired = pd.concat([p, back], ignore_index=True)
        if self.lopo is not None:  # (its 'none' rows: the full rule, the baseline; not the fallback's rate)
            none = self.lopo["dropped"].astype(str) == "none"
            self.lopo_full = dict(zip(self.lopo.loc[none, "world"], self.lopo.loc[none, "rate"].astype(float)))
            self.lopo = self.lopo[~none].reset_index(drop=True)
        if self.probabilities is not None and "weights" in self.probabilities:
            pr = self.probabilities
            base = pr[pr["weights"] == "acceptance"][["world", "probability"]]
            m8 = pr[pr["weights"] != "acceptance"][["world", "probability"]].rename(
                columns={"probability": "probability_m8"})
            self.probabilities = base.merge(m8, on="world", how="left") if len(m8) else base
        if self.m8 is not None:
            self.m8 = self.m8.rename(columns={"ll_own": "ll_all", "post_ll_own": "ll_accepted"})
        if self.confusion is not None:
            self.confusion = self.confusion.rename(columns={"true_world": "true", "inferred_world": "inferred",
                                                            "records": "n"})
        m = self.manifest
        if "budget" in m:  # spiral calibrate's manifest: the fields the page shows, flattened
            b, r = m.get("budget", {}), m.get("results", {})
            sessions = m.get("sessions") or [{}]
            flat = {"name": m.get("name"), "scenario": (m.get("scenario") or {}).get("name"),
                    "train_end": (m.get("scenario") or {}).get("train_end"), "draws": b.get("draws"),
                    "seeds": b.get("seeds"), "runs": b.get("runs"), "prior_scale": b.get("prior_scale"),
                    "seconds": r.get("simulation_seconds"), "runs_per_second": r.get("runs_per_second"),
                    "heldout_sha256": (m.get("heldout") or {}).get("sha256"),
                    "command": sessions[-1].get("command"), "executor": sessions[-1].get("executor"),
                    "null_note": (m.get("null") or {}).get("note"), "status": m.get("status")}
            self.manifest = {**m, **{k: v for k, v in flat.items() if v is not None}}

    @property
    def worlds(self) -> list[str]:
        """The agent-model worlds of the calibration (order of sim.worlds.WORLDS), the null model left out."""
        src = self.acceptance if self.acceptance is not None else self.posterior
        names = list(src["world"]) if src is not None else list(self.manifest.get("worlds", []))
        return [w for w in model_order(names) if w != NULL]

    @property
    def models(self) -> list[str]:
        """The worlds, then the null model if it ran."""
        return self.worlds + ([NULL] if self.has_null else [])

    @property
    def has_null(self) -> bool:
        return self.acceptance is not None and NULL in set(self.acceptance["world"])

    def free_parameters(self) -> list[str]:
        return [] if self.draws is None else [c for c in self.draws.columns if c != "draw" and not c.startswith("_")]

    def parameter_count(self, model: str) -> int | None:
        """Free parameters of a model (the acceptance table's count, else the draws')."""
        r = _row(self.acceptance, world=model)
        if r is not None and "parameters" in r and np.isfinite(r["parameters"]):
            return int(r["parameters"])
        return self.null_parameter_count() if model == NULL else (len(self.free_parameters()) or None)

    def null_parameter_count(self) -> int | None:
        if self.null_draws is not None:
            return len([c for c in self.null_draws.columns if c != "draw"])
        try:
            from sim.runs.calibrate.null import parameter_count
            return parameter_count()
        except ImportError:
            return None

    def weights(self, world: str, m8: bool = False) -> pd.Series:
        """Posterior weight per draw of ``world`` (empty if none accepted)."""
        if self.posterior is None:
            return pd.Series(dtype=float)
        col = "weight_m8" if m8 and "weight_m8" in self.posterior else "weight"
        p = self.posterior[self.posterior["world"] == world]
        w = p.groupby("draw")[col].sum()
        return w[np.isfinite(w) & (w > 0)]


# ------------------------------------------------------------------------------------------ numbers as words

def _points(x: float, sign: str = "") -> str | None:
    """100·x with sensible digits (0 decimals from 10, 1 from 1, else 2 significant), or None when missing."""
    if x is None or not np.isfinite(x):
        return None
    v = 100 * float(x)
    if v == 0:
        return "0"
    return format(v, sign + (".0f" if abs(v) >= 10 else ".1f" if abs(v) >= 1 else ".2g"))


def pct(x: float) -> str:
    """A share as a percentage with sensible digits (0.000123 -> '0.012 %')."""
    p = _points(x)
    return "n/a" if p is None else f"{p} %"


def pct3(x: float) -> str:
    """A share as a percentage with three significant digits (interval ends: 0.2412 -> '24.1 %')."""
    if x is None or not np.isfinite(x):
        return "n/a"
    v = 100 * float(x)
    return "0 %" if abs(v) < 1e-9 else f"{float(f'{v:.3g}'):g} %"  # (a Wilson bound of 0 computed as 1e-17)


def interval(lo: float, hi: float) -> str:
    return f"{pct3(lo)} to {pct3(hi)}"


def num(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{float(x):.{digits}g}"


def wilson(k: float, n: int, level: float = 0.95) -> tuple[float, float]:
    from sim.runs.compare import wilson as _w
    return _w(k, n, level)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    ok = np.isfinite(x)
    x, w = x[ok], w[ok]
    if not len(x) or w.sum() <= 0:
        return np.full(len(qs), np.nan)
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, c, x)


def shifts(prior: pd.DataFrame, weights: pd.Series, names: list[str]) -> pd.DataFrame:
    """Per parameter: prior and posterior mean and s.d. and the shift of the posterior from the prior, as the
    Wasserstein-1 distance between them in units of the prior's range (0: no move; it grows with both a move
    of the centre and a narrowing)."""
    from scipy.stats import wasserstein_distance

    post = prior.set_index("draw").loc[weights.index]
    w = weights.to_numpy(dtype=float)
    rows = []
    for n in names:
        x0 = prior[n].to_numpy(dtype=float)
        x1 = post[n].to_numpy(dtype=float)
        span = float(np.ptp(x0)) or 1.0
        m1 = float(np.average(x1, weights=w))
        rows.append({"parameter": n, "prior_mean": float(x0.mean()), "prior_sd": float(x0.std()),
                     "posterior_mean": m1, "posterior_sd": float(np.sqrt(np.average((x1 - m1) ** 2, weights=w))),
                     "shift": float(wasserstein_distance(x0, x1, v_weights=w)) / span})
    return pd.DataFrame(rows).sort_values("shift", ascending=False, kind="stable").reset_index(drop=True)


def _row(df: pd.DataFrame | None, **where) -> pd.Series | None:
    if df is None:
        return None
    m = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        if k not in df:
            return None
        m &= (df[k] == v).to_numpy()
    return df[m].iloc[0] if m.any() else None


def _pattern_name(feature: str) -> str:
    return feature.removeprefix("pattern_")


PARAGRAPH = "\x00"  # where one of a world's paragraphs ends and the next begins


def _best_graded(c: Calibration, world: str):
    """(the most patterns any run of ``world`` holds, the share of its runs holding that many, the number of
    patterns) from the graded table, or None."""
    if c.graded is None:
        return None
    g = c.graded[(c.graded["world"] == world) & (c.graded["share"] > 0)]
    if not len(g):
        return None
    r = g.loc[g["k"].idxmax()]
    total = int(r["patterns"]) if "patterns" in r else int(c.graded["k"].max())
    runs = int(round(float(r["share"]) * float(r["runs"]))) if "runs" in r else None
    return int(r["k"]), float(r["share"]), total, runs


def _runs(best) -> str:
    """'1 run, 0.2 % of its runs' from :func:`_best_graded`."""
    n = best[3]
    return (f"{n:,} run{'s' if n != 1 else ''}, " if n is not None else "") + f"{pct(best[1])} of its runs"


def world_paragraphs(c: Calibration, world: str, moved: pd.DataFrame | None) -> list[str]:
    """What the numbers say about one world, in three short paragraphs (fit and the null model; the posterior
    and the evidence; which world and the held-out years): every clause a template filled with the measured
    values of the folder, none written by hand."""
    out = []
    a = _row(c.acceptance, world=world)
    if a is not None:
        runs, acc = int(a["runs"]), int(a["accepted"])
        draws = f"; {int(a['draws_accepted']):,} of {int(a['draws']):,} parameter draws have at least one accepted " \
                "seed" if "draws_accepted" in a and "draws" in a else ""
        rule = str(a.get("rule", "")) if hasattr(a, "get") else ""
        if acc and rule.startswith("fallback"):  # the declared fallback gave the posterior (docs/calibration.md)
            out.append(f"No run reproduces every training pattern; by the declared fallback ({rule.split(': ', 1)[-1]}) "
                       f"{acc:,} of its {runs:,} runs ({pct3(a['rate'])}, 95 % interval {interval(a['lo'], a['hi'])}) "
                       f"are accepted{draws}.")
        elif acc:
            out.append(f"{acc:,} of its {runs:,} runs ({pct3(a['rate'])}, 95 % interval {interval(a['lo'], a['hi'])}) "
                       f"reproduce every training pattern and burden mean within tolerance{draws}.")
        else:
            out.append(f"None of its {runs:,} runs reproduces every training pattern and burden mean within "
                       f"tolerance (the 95 % interval of its rate reaches {pct3(a['hi'])}).")
            best = _best_graded(c, world)
            if best is not None:
                out.append(f"The most patterns any of its runs holds is {best[0]} of {best[2]} ({_runs(best)}).")
        n = _row(c.acceptance, world=NULL) if world != NULL else None
        if n is not None:
            npar = c.parameter_count(NULL)
            ours = c.parameter_count(world)
            count = f" ({npar} parameters against this world's {ours})" if npar and ours else ""
            if a["lo"] > n["hi"]:
                verdict = f"this world's rate is above the null's ({num(a['rate'] / n['rate'], 2)} times)" \
                    if n["rate"] > 0 else "this world's rate is above the null's, which accepts nothing"
                verdict += "; the intervals do not overlap"
            elif a["hi"] < n["lo"]:
                verdict = "this world's rate is below the null's; the intervals do not overlap: it has not " \
                          "explained more than the null model"
            else:
                verdict = "the intervals overlap: on acceptance this world cannot be told from the null model"
            what = (f"{int(n['accepted']):,} of its {int(n['runs']):,} runs ({pct3(n['rate'])}, "
                    f"{interval(n['lo'], n['hi'])})" if int(n["accepted"]) else
                    f"none of its {int(n['runs']):,} runs (95 % interval up to {pct3(n['hi'])})")
            out.append(f"The null model{count} accepts {what}: {verdict}.")
            best, best0 = _best_graded(c, world), _best_graded(c, NULL)
            if not acc and not int(n["accepted"]) and best is not None and best0 is not None:
                cmp = ("more than" if best[0] > best0[0] else "fewer than" if best[0] < best0[0] else "as many as")
                out.append(f"On the graded table this world's best runs hold {cmp} the null model's best, which hold "
                           f"{best0[0]} patterns ({_runs(best0)}).")
    if c.paired is not None and world != NULL:
        p = c.paired[(c.paired["world_a"] == world) & (c.paired["world_b"] != NULL)]
        p = p[[split_name(b)[1] == split_name(world)[1] for b in p["world_b"]]]  # (types under the same switches)
        more = [r.world_b for r in p.itertuples() if r.lo > 0]
        less = [r.world_b for r in p.itertuples() if r.hi < 0]
        same = [r.world_b for r in p.itertuples() if r.lo <= 0 <= r.hi]
        parts = []
        if more:
            parts.append(f"more often than {', '.join(more)}")
        if less:
            parts.append(f"less often than {', '.join(less)}")
        if parts or same:
            s = "On the same parameter draws it is accepted " + " and ".join(parts) if parts else \
                "On the same parameter draws"
            if same:
                s += ("; " if parts else " ") + f"it cannot be told from {', '.join(same)} (95 % intervals of the " \
                                                 "paired difference include 0)"
            out.append(s + ".")
    base, sw = split_name(world)
    if c.switches is not None and sw and {"switch", "world", "d_patterns"} <= set(c.switches.columns):
        r = c.switches[(c.switches["switch"] == sw) & (c.switches["world"] == base)]
        if len(r):
            r = r.iloc[0]
            out.append(f"Against {base} on the same draws and seeds, turning {sw} on changes the number of the "
                       f"record's patterns a run matches by {signed(r['d_patterns'])} (95 % interval "
                       f"{signed(r['d_patterns_lo'])} to {signed(r['d_patterns_hi'])}) and the accepted share by "
                       f"{signed_pp(r['d_accept'])} percentage points ({signed_pp(r['d_accept_lo'])} to "
                       f"{signed_pp(r['d_accept_hi'])}).")
    out.append(PARAGRAPH)
    if moved is not None and len(moved):
        top = moved.head(3)
        moves = "; ".join(f"{r.parameter} (prior mean {num(r.prior_mean)} to {num(r.posterior_mean)}, s.d. "
                          f"{num(r.prior_sd, 2)} to {num(r.posterior_sd, 2)})" for r in top.itertuples())
        out.append(f"Its posterior moves most from the prior on {moves}.")
    if c.lopo is not None and a is not None:
        lp = c.lopo[c.lopo["world"] == world]
        full = c.lopo_full.get(world, float(a["rate"]))  # (the full rule's rate, whatever gave the posterior)
        if len(lp):
            best = lp.loc[lp["rate"].idxmax()]
            if best["rate"] > full:
                out.append(f"Dropping pattern {_pattern_name(str(best['dropped']))} raises its acceptance most "
                           f"(to {pct(best['rate'])}, {int(best['accepted']):,} runs): that pattern weighs most against "
                           "it." if "accepted" in best else
                           f"Dropping pattern {_pattern_name(str(best['dropped']))} raises its acceptance most "
                           f"(to {pct(best['rate'])}): that pattern weighs most against it.")
            elif full == 0:
                out.append("Dropping any one pattern still leaves it with no run accepted by the full rule."
                           if a["rate"] > 0 else "Dropping any one pattern still leaves it with no accepted run.")
            else:
                out.append("Dropping any single pattern does not raise its acceptance.")
    m8 = _m8_row(c, world)
    if m8 is not None:
        out.append(f"NATO's recorded decisions 1994–2013 have a mean log-likelihood of {num(m8['ll_all'])} under "
                   f"its M8 rule over all its runs" + (f" and {num(m8['ll_accepted'])} over its accepted runs"
                                                      if np.isfinite(m8.get("ll_accepted", np.nan)) else "") + ".")
    out.append(PARAGRAPH)
    cf = c.confusion
    if cf is not None:
        r = cf[cf["true"] == world]
        if len(r):
            diag = r[r["inferred"] == world]
            win = float(diag["win_share"].iloc[0]) if len(diag) else 0.0
            prob = float(diag["probability"].iloc[0]) if len(diag) and "probability" in diag else float("nan")
            other = r[r["inferred"] != world].sort_values("win_share", ascending=False)
            n = f" of {int(r['n'].iloc[0])}" if "n" in r else ""
            chance = 1 / max(r["inferred"].nunique(), 1)
            s = (f"Model recovery: when {'the null model' if world == NULL else 'this world'} generated a synthetic "
                 f"record, the calibration named it in {pct(win)}{n} cases (chance: {pct(chance)}"
                 + (f"; mean model probability {num(prob, 2)}" if np.isfinite(prob) else "") + ")")
            if len(other) and other["win_share"].iloc[0] > 0:
                s += f"; it was most often mistaken for {other['inferred'].iloc[0]} ({pct(other['win_share'].iloc[0])})"
            dec = float(diag["win_share_dec"].iloc[0]) if len(diag) and "win_share_dec" in diag else float("nan")
            if np.isfinite(dec):
                s += f"; with the synthetic history's own NATO decisions added, it was named in {pct(dec)}"
            if "undecided" in r and int(r["undecided"].iloc[0]):
                s += (f"; {int(r['undecided'].iloc[0])} of these records accepted no run of any model (undecided, "
                      "counted as an even split)")
            out.append(s + ".")
            pr = _row(c.probabilities, world=world)
            if pr is not None:
                if np.isfinite(pr["probability"]):
                    m8p = (f" ({num(pr['probability_m8'], 2)} with the M8 weights)"
                           if "probability_m8" in pr and np.isfinite(pr["probability_m8"]) else "")
                    out.append(f"Its ABC model probability on the record is {num(pr['probability'], 2)}{m8p}, to be "
                               "read against that recovery rate.")
                else:
                    out.append("It has no ABC model probability on the record: no run of any model is accepted.")
    h = c.heldout
    if h is not None and "model" in h and world != NULL:
        mine, null = h[h["model"] == world], h[h["model"] == NULL]

        def total(d, item):
            r = d[d["item"] == item]
            return float(r["score"].iloc[0]) if len(r) else float("nan")
        ls, crps = total(mine, "total log score"), total(mine, "mean burden CRPS 2014-2024")
        if np.isfinite(ls) or np.isfinite(crps):
            nl, nc = total(null, "total log score"), total(null, "mean burden CRPS 2014-2024")
            out.append(f"Held out (2014–2025, pre-registered): total log score {num(ls)} (null model {num(nl)}; "
                       f"higher is better), mean burden CRPS {num(crps)} pp (null {num(nc)}; lower is better).")
    groups = [g.strip() for g in " ".join(out).split(PARAGRAPH) if g.strip()]
    return groups or ["No table of this calibration mentions this world."]


def world_paragraph(c: Calibration, world: str, moved: pd.DataFrame | None) -> str:
    """The paragraph about one world (:func:`world_paragraphs` run together)."""
    return " ".join(world_paragraphs(c, world, moved))


# ------------------------------------------------------------------------------------------ M8 evidence

M8_COLUMNS = {"m8_ll_own": "own world", "m8_ll_S": "security seeker", "m8_ll_R": "order revisionist",
              "m8_ll_G": "greedy expansionist"}


def _logmeanexp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return float("nan")
    m = x.max()
    return float(m + np.log(np.mean(np.exp(x - m))))


def m8_table(c: Calibration, ref: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per world: the M8 log-likelihood of NATO's recorded 1994–2013 decisions, mean over all runs and over the
    runs of accepted draws (weighted by the posterior), under the world's own West and under each leader type."""
    if c.m8 is not None:
        return c.m8
    if ref is None or "m8_ll_own" not in ref:
        return None
    rows = []
    for w in c.worlds:
        d = ref[ref["world"] == w]
        if not len(d):
            continue
        row = {"world": w, "runs": len(d), "ll_all": float(d["m8_ll_own"].mean()),
               "log_mean_lik_all": _logmeanexp(d["m8_ll_own"])}
        wt = c.weights(w)
        acc = d[d["draw"].isin(wt.index)]
        if len(acc):
            ww = acc["draw"].map(wt).to_numpy(dtype=float)
            row["ll_accepted"] = float(np.average(acc["m8_ll_own"], weights=ww))
        else:
            row["ll_accepted"] = float("nan")
        for col, label in M8_COLUMNS.items():
            if col != "m8_ll_own" and col in d:
                row[f"ll {label}"] = float(d[col].mean())
        rows.append(row)
    return pd.DataFrame(rows) if rows else None


def _m8_all_zero(t: pd.DataFrame | None) -> bool:
    """Every world's mean M8 log-likelihood exactly 0: no recorded decision was scored (an endogenous NATO)."""
    if t is None or "ll_all" not in t:
        return False
    ll = t["ll_all"].to_numpy(dtype=float)
    return bool(np.isfinite(ll).any() and np.all(ll[np.isfinite(ll)] == 0))


def _m8_row(c: Calibration, world: str):
    t = getattr(c, "_m8_cache", None)
    if t is None or "ll_all" not in t:
        return None
    r = t[t["world"] == world]
    return r.iloc[0] if len(r) else None


# ------------------------------------------------------------------------------------------ figures

def _label_cells(fig: go.Figure, x, y, z, text, dark_above: float, size: int = 11) -> None:
    """Text in every heat-map cell as annotations (a heat map's own text shows one line only), white on dark
    cells (``z`` above ``dark_above``), dark elsewhere."""
    for i, yy in enumerate(y):
        for j, xx in enumerate(x):
            v = z[i][j]
            dark = v is not None and np.isfinite(v) and v > dark_above
            fig.add_annotation(x=xx, y=yy, text=text[i][j], showarrow=False,
                               font=dict(size=size, color="#fff" if dark else "#222"))


def fig_acceptance(c: Calibration) -> go.Figure:
    a = c.acceptance.copy()
    order = c.worlds + ([NULL] if c.has_null else [])
    a = a.set_index("world").loc[[w for w in order if w in set(a["world"])]].reset_index()
    fig = go.Figure()
    for r in a.itertuples():
        fig.add_trace(go.Scatter(
            x=[r.rate], y=[r.world], mode="markers", marker=dict(color=colour(r.world), size=11, symbol=symbol(r.world)),
            error_x=dict(type="data", symmetric=False, array=[r.hi - r.rate], arrayminus=[r.rate - r.lo],
                         color=colour(r.world), thickness=2, width=6),
            name=r.world, showlegend=False,
            hovertemplate=f"{r.world}: {int(r.accepted):,} of {int(r.runs):,} runs = {pct(r.rate)}<br>95 % Wilson "
                          f"{pct(r.lo)} – {pct(r.hi)}<extra></extra>"))
        fig.add_annotation(x=r.hi, y=r.world, text=f"  {int(r.accepted):,} / {int(r.runs):,}", showarrow=False,
                           xanchor="left", font=dict(size=11, color="#333"))
    top = float(a["hi"].max()) or 1e-3
    fig.update_layout(title="Acceptance: share of runs (draws × seeds) accepted by the rule (see the rule above), "
                            "95 % Wilson interval", template="plotly_white",
                      height=110 + (45 if len(a) <= 8 else 32) * len(a), margin=dict(l=160, r=40, t=50, b=40),
                      xaxis=dict(title="share of runs accepted", tickformat=".2%", range=[0, top * 1.35]),
                      yaxis=dict(autorange="reversed", automargin=True))
    return fig


def fig_graded(c: Calibration) -> go.Figure:
    g = c.graded
    fig = go.Figure()
    for w in c.worlds + ([NULL] if NULL in set(g["world"]) else []):  # (a share of 0 is not drawn on the log axis)
        d = g[g["world"] == w].sort_values("k")
        fig.add_trace(go.Scatter(x=d["k"], y=d["share"].where(d["share"] > 0), mode="lines+markers", name=w,
                                 line=dict(color=colour(w), width=2, dash=dash(w)),
                                 marker=dict(symbol=symbol(w) if w != NULL else "circle", size=7),
                                 hovertemplate=f"{w}: %{{y:.3%}} of runs hold at least %{{x}} patterns<extra></extra>"))
    pos = g.loc[g["share"] > 0, "share"]
    lo = math.floor(math.log10(float(pos.min()))) if len(pos) else -4
    many = len(fig.data) > 8  # (21 models: the legend in a column beside the plot, one model a line)
    fig.update_layout(title="Graded: share of runs holding at least k of the training patterns (the same for "
                            "every model)", template="plotly_white", height=max(360, 90 + 21 * len(fig.data)) if many
                      else 360, xaxis=dict(title="k (patterns held, at least)", dtick=1),
                      yaxis=dict(title="share of runs (log)", type="log", range=[lo - 0.2, 0.05]),
                      legend=dict(orientation="v", x=1.01, y=1, font=dict(size=11)) if many else
                      dict(orientation="h", y=-0.2), margin=dict(l=70, r=20, t=50, b=40))
    return fig


def fig_paired(c: Calibration) -> go.Figure:
    p = c.paired.copy()
    ws = c.worlds
    p = p[p["world_a"].isin(ws) & p["world_b"].isin(ws + [NULL])]
    p = p[[ws.index(a) < (ws.index(b) if b in ws else 99) for a, b in zip(p["world_a"], p["world_b"])]]
    switched = has_switches(ws)
    if switched:  # models world+switch: the types compared under the same switch (switch vs plain: its section)
        sws = list(dict.fromkeys(split_name(w)[1] for w in ws))
        keep = [(b == NULL and not split_name(a)[1]) or (b != NULL and split_name(a)[1] == split_name(b)[1])
                for a, b in zip(p["world_a"], p["world_b"])]
        p = p[keep]
        p = p.iloc[sorted(range(len(p)), key=lambda i: (sws.index(split_name(p["world_a"].iloc[i])[1]),
                                                          p["world_b"].iloc[i] == NULL, i))]
    labels = [f"{a} − {b}" for a, b in zip(p["world_a"], p["world_b"])]
    fig = go.Figure(go.Scatter(
        x=p["mean"], y=labels, mode="markers",
        marker=dict(size=10, color=[colour(a) for a in p["world_a"]], symbol=[symbol(a) for a in p["world_a"]]),
        error_x=dict(type="data", symmetric=False, array=p["hi"] - p["mean"], arrayminus=p["mean"] - p["lo"],
                     color="#555", thickness=1.5, width=5),
        hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.add_vline(x=0, line=dict(color="#222", width=1, dash="dash"))
    sub = ("<br><span style='font-size:11px'>pairs of models with the same switches, and each plain world against "
           "the null model; a switch against its plain world: the section on seed 000's claims below; every pair: "
           "paired.csv</span>") if switched else ""
    fig.update_layout(title="Paired differences: per-draw accepted share, world A − world B on the same draws "
                            "(mean, 95 % bootstrap interval over draws)" + sub, template="plotly_white",
                      height=120 + (34 if len(p) <= 12 else 24) * len(p) + (20 if sub else 0),
                      margin=dict(l=300, r=30, t=70 if sub else 50, b=40),
                      xaxis=dict(title="difference of the per-draw accepted share"),
                      yaxis=dict(autorange="reversed", automargin=True))
    return fig


def _heat(rows: list[str], cols: list[str], win: np.ndarray, prob: np.ndarray | None, title: str, xlabel: str,
          ylabel: str, colorscale: str = "Blues") -> go.Figure:
    """A confusion heat map: the share of records won in each cell (bold) and, where it fits, the mean
    probability (p̄) under it; with many rows the cells hold the share alone (0 left blank) and p̄ is in the
    hover."""
    n = max(len(rows), len(cols))
    small = n <= 8
    text = [[(f"<b>{win[i, j]:.0%}</b>" + (f"<br><span style='font-size:10px'>p̄ {prob[i, j]:.2f}</span>"
                                            if prob is not None and np.isfinite(prob[i, j]) else "")) if small else
             (f"{win[i, j]:.0%}" if win[i, j] > 0 else "") for j in range(len(cols))] for i in range(len(rows))]
    hover = [[f"true {r}<br>inferred {k}<br>won {win[i, j]:.0%}"
              + (f"<br>mean probability {prob[i, j]:.2f}" if prob is not None and np.isfinite(prob[i, j]) else "")
              for j, k in enumerate(cols)] for i, r in enumerate(rows)]
    fig = go.Figure(go.Heatmap(z=win, x=cols, y=rows, colorscale=colorscale, zmin=0, zmax=1, text=hover,
                               colorbar=dict(title="share won", tickformat=".0%"),
                               hovertemplate="%{text}<extra></extra>"))
    _label_cells(fig, cols, rows, win, text, 0.55, size=13 if small else 9)
    for i, r in enumerate(rows):  # the diagonal outlined
        if r in cols:
            j = cols.index(r)
            fig.add_shape(type="rect", xref="x", yref="y", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                          line=dict(color="rgba(0,0,0,0.55)", width=1.2))
    if has_switches(rows):  # models world+switch: a line between the worlds' blocks
        for i in range(1, len(rows)):
            if split_name(rows[i])[0] != split_name(rows[i - 1])[0]:
                fig.add_hline(y=i - 0.5, line=dict(color="#666", width=1))
        for j in range(1, len(cols)):
            if split_name(cols[j])[0] != split_name(cols[j - 1])[0]:
                fig.add_vline(x=j - 0.5, line=dict(color="#666", width=1))
    cell = 0 if small else 34
    fig.update_layout(title=title, template="plotly_white", height=480 if small else 280 + cell * n,
                      width=620 if small else 330 + cell * n,
                      xaxis=dict(title=xlabel, side="bottom", tickangle=0 if small else -50,
                                 tickfont=dict(size=12 if small else 10), automargin=True),
                      yaxis=dict(title=ylabel, autorange="reversed", tickfont=dict(size=12 if small else 10),
                                 automargin=True),
                      margin=dict(l=150, r=20, t=100, b=120) if small else dict(l=60, r=20, t=100, b=40))
    return fig


def fig_confusion(c: Calibration, decisions: bool = False) -> go.Figure:
    """Model recovery: true world × inferred world; ``decisions``: inferred with the synthetic history's own NATO
    decisions added (recovery/confusion.csv's ``win_share_dec``, ``probability_dec``)."""
    cf = c.confusion
    col, pcol = ("win_share_dec", "probability_dec") if decisions else ("win_share", "probability")
    order = model_order(list(cf["true"]) + list(cf["inferred"]))
    win = cf.pivot_table(index="true", columns="inferred", values=col, aggfunc="first")
    win = win.reindex(index=order, columns=order).fillna(0.0)
    prob = (cf.pivot_table(index="true", columns="inferred", values=pcol, aggfunc="first")
            .reindex(index=order, columns=order).to_numpy(dtype=float) if pcol in cf else None)
    how = ("with the history's own NATO decisions added" if decisions else
           "from the training features" if "win_share_dec" in cf else "")
    title = (f"Model recovery{': ' + how if how else ''}<br><span style='font-size:11px'>true world (rows) × "
             "inferred world (columns): share of synthetic records won<br>"
             + ("(the highest acceptance rate × likelihood of the history's decisions)" if decisions else
                "(the world with the highest acceptance)") + "; p̄: mean posterior model probability</span>")
    return _heat(order, order, win.to_numpy(dtype=float), prob, title, "inferred", "true")


def fig_west_type(c: Calibration) -> go.Figure:
    """The West's type inferred from the synthetic history's own NATO decisions alone: true × inferred type."""
    wt = c.west_type
    types = [t for t in TYPE_ORDER if t in set(wt["true_type"]) | set(wt["inferred_type"])]
    types += [t for t in dict.fromkeys(list(wt["true_type"]) + list(wt["inferred_type"])) if t not in types]
    win = wt.pivot_table(index="true_type", columns="inferred_type", values="win_share", aggfunc="first")
    prob = wt.pivot_table(index="true_type", columns="inferred_type", values="probability", aggfunc="first")
    win = win.reindex(index=types, columns=types)
    rows = [t for t in types if win.loc[t].notna().any()]
    labels = [t.replace("_", " ") for t in types]
    fig = _heat([t.replace("_", " ") for t in rows], labels, win.loc[rows].fillna(0.0).to_numpy(dtype=float),
                prob.reindex(index=rows, columns=types).to_numpy(dtype=float),
                "The West's type from its own decisions alone<br><span style='font-size:11px'>true leader type (rows) "
                "× type inferred from the synthetic history's NATO decisions<br>(equal prior over the three types): "
                "share of records won; p̄: mean probability</span>", "inferred type", "true type", "Oranges")
    fig.update_layout(width=560, height=420, margin=dict(l=150, r=20, t=100, b=60))
    return fig


def fig_probabilities(c: Calibration) -> go.Figure:
    """The ABC model probabilities on the record (and × M8): vertical bars, horizontal ones for many models."""
    p = c.probabilities.set_index("world").reindex(model_order(c.probabilities["world"])).reset_index()
    many = len(p) > 8

    def bar(values, **kw):
        xy = dict(y=p["world"], x=values, orientation="h") if many else dict(x=p["world"], y=values)
        return go.Bar(**xy, text=[num(v, 2) for v in values], textposition="outside", **kw)
    fig = go.Figure(bar(p["probability"], name="acceptance only", marker_color=[colour(w) for w in p["world"]]))
    if "probability_m8" in p:
        fig.add_trace(bar(p["probability_m8"], name="× M8 likelihood of NATO's decisions",
                          marker=dict(color=[hex_to_rgba(colour(w), 0.35) for w in p["world"]],
                                      line=dict(color=[colour(w) for w in p["world"]], width=1.5))))
    axis = dict(range=[0, 1.1], title="probability")
    fig.update_layout(title="ABC model probabilities on the record (equal prior over worlds)", barmode="group",
                      template="plotly_white", legend=dict(orientation="h", y=-0.25 if not many else -0.06,
                                                           yanchor="top"))
    if many:
        fig.update_layout(height=160 + len(p) * (30 if "probability_m8" in p else 20), width=640, xaxis=axis,
                          yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=10)),
                          margin=dict(l=60, r=20, t=60, b=80))
    else:
        fig.update_layout(height=460, width=560, yaxis=axis, margin=dict(l=60, r=20, t=60, b=120))
    return fig


def fig_marginals(c: Calibration, world: str, moved: pd.DataFrame) -> go.Figure:
    names = list(moved["parameter"].head(TOP_PARAMETERS))
    w = c.weights(world)
    post = c.draws.set_index("draw").loc[w.index]
    cols = 3
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.06, vertical_spacing=0.16,
                        subplot_titles=[f"{n} <span style='font-size:10px;color:#555'>(shift "
                                        f"{moved.set_index('parameter').loc[n, 'shift']:.2f})</span>" for n in names])
    for i, n in enumerate(names):
        r, k = 1 + i // cols, 1 + i % cols
        x0 = c.draws[n].to_numpy(dtype=float)
        edges = np.linspace(x0.min(), x0.max(), 21)
        h0, _ = np.histogram(x0, bins=edges, density=True)
        h1, _ = np.histogram(post[n].to_numpy(dtype=float), bins=edges, weights=w.to_numpy(dtype=float), density=True)
        mid = 0.5 * (edges[1:] + edges[:-1])
        fig.add_trace(go.Bar(x=mid, y=h1, width=np.diff(edges), marker_color=hex_to_rgba(colour(world), 0.6),
                             name="posterior (accepted draws, weighted)", showlegend=(i == 0), legendgroup="post"),
                      row=r, col=k)
        fig.add_trace(go.Scatter(x=edges, y=np.append(h0, h0[-1]), mode="lines", line=dict(shape="hv", color="#444",
                                                                                             width=1.5),
                                 name="prior (all draws)", showlegend=(i == 0), legendgroup="prior"), row=r, col=k)
    fig.update_layout(barmode="overlay", bargap=0, template="plotly_white", height=80 + 230 * rows,
                      title=f"{world}: posterior marginals (weighted by accepted seeds) of the {len(names)} parameters "
                            "that moved most from the prior", legend=dict(orientation="h", y=-0.06, yanchor="top"),
                      margin=dict(l=50, r=20, t=80, b=50))
    fig.update_yaxes(showticklabels=False)
    return fig


def fig_pairs(c: Calibration, world: str, moved: pd.DataFrame) -> go.Figure:
    names = list(moved["parameter"].head(PAIR_PARAMETERS))
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    w = c.weights(world)
    rng = np.random.default_rng(0)
    shown = ""
    if len(w) > POSTERIOR_POINTS:  # a seeded sample, by weight, keeps the page light
        keep = rng.choice(len(w), size=POSTERIOR_POINTS, replace=False, p=(w / w.sum()).to_numpy(dtype=float))
        w, shown = w.iloc[np.sort(keep)], f"; {POSTERIOR_POINTS:,} of its {len(c.weights(world)):,} accepted draws " \
                                             "drawn, sampled by weight"
    post = c.draws.set_index("draw").loc[w.index]
    bg = c.draws.iloc[rng.permutation(len(c.draws))[:PRIOR_POINTS]]
    cols = 3
    rows = math.ceil(len(pairs) / cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=0.18,
                        subplot_titles=[f"{a} × {b}" for a, b in pairs])
    size = 4 + 10 * np.sqrt(w.to_numpy(dtype=float) / float(w.max()))
    for i, (a, b) in enumerate(pairs):
        r, k = 1 + i // cols, 1 + i % cols
        fig.add_trace(go.Scatter(x=bg[a], y=bg[b], mode="markers", marker=dict(size=3, color="rgba(150,150,150,0.35)"),
                                 name="prior draws", showlegend=(i == 0), hoverinfo="skip"), row=r, col=k)
        fig.add_trace(go.Scatter(x=post[a], y=post[b], mode="markers",
                                 marker=dict(size=size, color=hex_to_rgba(colour(world), 0.6),
                                             line=dict(width=0.5, color="#222")),
                                 name="accepted draws (size: accepted seeds)", showlegend=(i == 0),
                                 text=[f"draw {d}, {int(v)} seed(s)" for d, v in zip(w.index, w.to_numpy())],
                                 hovertemplate="%{text}<br>%{x:.3g}, %{y:.3g}<extra></extra>"), row=r, col=k)
        fig.update_xaxes(title=dict(text=a, font=dict(size=10)), row=r, col=k)
        fig.update_yaxes(title=dict(text=b, font=dict(size=10)), row=r, col=k)
    fig.update_layout(template="plotly_white", height=80 + 300 * rows,
                      title=f"{world}: pairs of the {len(names)} most moved parameters (grey: prior draws{shown})",
                      legend=dict(orientation="h", y=-0.08, yanchor="top"), margin=dict(l=60, r=20, t=80, b=60))
    return fig


def _period_label(col: str, prefix: str) -> str:
    return col.removeprefix(prefix).replace("_", "–")


def predictive(c: Calibration, ref: pd.DataFrame, world: str, features: list[str], m8: bool = False) -> pd.DataFrame:
    """Posterior predictive of ``features`` for a world: every seed of every accepted draw, weighted by the draw's
    posterior weight spread over its seeds (quantiles 5/50/95 and mean); and the prior predictive (all draws)."""
    d = ref[ref["world"] == world]
    wt = c.weights(world, m8)
    rows = []
    for kind, sub, weights in (("prior", d, np.ones(len(d))),
                               ("posterior", d[d["draw"].isin(wt.index)], None)):
        if weights is None:
            seeds = sub.groupby("draw")["seed"].transform("size").to_numpy(dtype=float)
            weights = sub["draw"].map(wt).to_numpy(dtype=float) / np.maximum(seeds, 1)
        for f in features:
            if f not in sub or not len(sub):
                continue
            x = sub[f].to_numpy(dtype=float)
            q = weighted_quantiles(x, weights, [0.05, 0.5, 0.95])
            ok = np.isfinite(x)
            mean = float(np.average(x[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() > 0 else np.nan
            rows.append({"world": world, "kind": kind, "feature": f, "q05": q[0], "q50": q[1], "q95": q[2],
                         "mean": mean, "runs": int(len(sub))})
    return pd.DataFrame(rows)


def fig_predictive_bands(c: Calibration, pred: pd.DataFrame, prefix: str, title: str, unit: str) -> go.Figure | None:
    """One panel per model: prior and posterior predictive bands of the features ``prefix*`` and the record;
    the panels in one row, or with models world+switch (or many models) a row per world."""
    feats = [f for f in dict.fromkeys(pred["feature"]) if f.startswith(prefix)]
    if not feats:
        return None
    worlds = [w for w in c.models if w in set(pred["world"])]
    x = [_period_label(f, prefix) for f in feats]
    if has_switches(worlds):  # a row per world: the world, then its models with switches; the null model alone
        grid, bases = [], list(dict.fromkeys(split_name(w)[0] for w in worlds))
        for r, b in enumerate(bases):
            row = [w for w in worlds if split_name(w)[0] == b]
            grid += [(w, r + 1, k + 1) for k, w in enumerate(row)]
        ncols = max(k for _, _, k in grid)
    else:
        ncols = len(worlds) if len(worlds) <= 6 else 5
        grid = [(w, 1 + i // ncols, 1 + i % ncols) for i, w in enumerate(worlds)]
    nrows = max(r for _, r, _ in grid)
    titles = [""] * (nrows * ncols)
    for w, r, k in grid:
        titles[(r - 1) * ncols + k - 1] = "null model" if w == NULL else w
    per_row = 320 if nrows > 1 else 400
    fig = make_subplots(rows=nrows, cols=ncols, shared_yaxes="all", horizontal_spacing=0.02,
                        vertical_spacing=100 / (per_row * nrows) if nrows > 1 else 0.0, subplot_titles=titles)
    rec = c.record.set_index("feature") if c.record is not None else None
    shown = set()
    for w, r, k in grid:
        for kind, fill, line, dsh in (("prior", "rgba(150,150,150,0.25)", "#999", "dot"),
                                      ("posterior", hex_to_rgba(colour(w), 0.3), colour(w), "solid")):
            d = pred[(pred["world"] == w) & (pred["kind"] == kind)].set_index("feature").reindex(feats)
            if d["q50"].isna().all():
                continue
            fig.add_trace(go.Scatter(x=x + x[::-1], y=list(d["q95"]) + list(d["q05"])[::-1], fill="toself", mode="lines",
                                     fillcolor=fill, line=dict(width=0), hoverinfo="skip", showlegend=False),
                          row=r, col=k)
            fig.add_trace(go.Scatter(x=x, y=d["q50"], mode="lines+markers", line=dict(color=line, dash=dsh, width=2),
                                     marker=dict(size=5), name=f"{kind} predictive (median, 5–95 %)",
                                     legendgroup=kind, showlegend=kind not in shown,
                                     hovertemplate=f"{w}, {kind}: %{{x}} median %{{y:.3g}}<extra></extra>"),
                          row=r, col=k)
            shown.add(kind)
        if rec is not None:
            have = [f for f in feats if f in rec.index and np.isfinite(rec.loc[f, "value"])]
            if have:
                tol = [float(rec.loc[f, "tolerance"]) if "tolerance" in rec else 0.0 for f in have]
                fig.add_trace(go.Scatter(x=[_period_label(f, prefix) for f in have], y=[rec.loc[f, "value"] for f in have],
                                         mode="markers", marker=dict(color="#000", size=9, symbol="diamond"),
                                         error_y=dict(type="data", array=tol, color="#000", thickness=1.5, width=6),
                                         name="record ± tolerance", showlegend="record" not in shown,
                                         legendgroup="record", hovertemplate="record %{x}: %{y:.3g}<extra></extra>"),
                              row=r, col=k)
                shown.add("record")
    fig.update_layout(title=dict(text=title, y=1 - 30 / (per_row * nrows), yanchor="top"), template="plotly_white",
                      height=per_row * nrows, legend=dict(orientation="h", y=-0.25 / nrows),
                      margin=dict(l=60, r=20, t=95, b=60))
    if nrows > 1:
        fig.update_annotations(font=dict(size=12))
    for r in range(1, nrows + 1):
        fig.update_yaxes(title=unit, row=r, col=1)
    fig.update_xaxes(tickangle=-45, tickfont=dict(size=9))
    return fig


def fig_predictive_patterns(c: Calibration, pred: pd.DataFrame) -> go.Figure | None:
    feats = [f for f in dict.fromkeys(pred["feature"]) if f.startswith("pattern_")]
    if not feats:
        return None
    worlds = [w for w in c.models if w in set(pred["world"])]
    any_post = bool((pred["kind"] == "posterior").any())
    z, text = [], []
    for w in worlds:
        row, trow = [], []
        for f in feats:
            post = pred[(pred["world"] == w) & (pred["kind"] == "posterior") & (pred["feature"] == f)]["mean"]
            prior = pred[(pred["world"] == w) & (pred["kind"] == "prior") & (pred["feature"] == f)]["mean"]
            v = float(post.iloc[0]) if len(post) else np.nan
            p0 = float(prior.iloc[0]) if len(prior) else np.nan
            if any_post:
                row.append(v)
                trow.append((f"<b>{v:.0%}</b>" if np.isfinite(v) else "–")
                            + f"<br><span style='font-size:9px'>prior {p0:.0%}</span>")
            else:
                row.append(p0)
                trow.append(f"<b>{p0:.0%}</b>" if np.isfinite(p0) else "–")
        z.append(row)
        text.append(trow)
    xs = [_pattern_name(f) for f in feats]
    fig = go.Figure(go.Heatmap(z=z, x=xs, y=worlds, colorscale="Greens", zmin=0, zmax=1,
                               colorbar=dict(title="P(held)", tickformat=".0%"),
                               hovertemplate="%{y}, %{x}: %{z:.1%} of posterior predictive runs<extra></extra>"))
    _label_cells(fig, xs, worlds, z, text, 0.6)
    fig.update_layout(title=("Posterior predictive: probability each training pattern holds (the record holds every "
                             "one); small: the prior predictive") if any_post else
                      "Prior predictive (no model has a posterior): probability each training pattern holds in a "
                      "run of the prior (the record holds every one)", template="plotly_white",
                      height=170 + 55 * len(worlds), margin=dict(l=150, r=20, t=50, b=140),
                      xaxis=dict(tickangle=-35, tickfont=dict(size=10)), yaxis=dict(autorange="reversed",
                                                                                      automargin=True))
    return fig


def fig_lopo(c: Calibration) -> go.Figure:
    lp = c.lopo
    worlds = [w for w in c.worlds + [NULL] if w in set(lp["world"])]
    dropped = list(dict.fromkeys(lp["dropped"]))
    piv = lp.pivot_table(index="world", columns="dropped", values="rate", aggfunc="first").reindex(
        index=worlds, columns=dropped)
    base = {w: c.lopo_full[w] if w in c.lopo_full else float(_row(c.acceptance, world=w)["rate"])
            if _row(c.acceptance, world=w) is not None else np.nan for w in worlds}
    text = [[pct(v) for v in row] for row in piv.to_numpy()]
    zlog = np.log10(np.maximum(piv.to_numpy(dtype=float), 1e-7))
    xs, ys = [_pattern_name(str(d)) for d in dropped], [f"{w} (all: {pct(base[w])})" for w in worlds]
    fig = go.Figure(go.Heatmap(z=zlog, x=xs, y=ys, text=text, colorscale=[[0, "#ffffff"], [1, "#b39ddb"]],
                               colorbar=dict(title="log10 rate"), zmin=-7, zmax=0,
                               hovertemplate="%{y}, without %{x}: %{text}<extra></extra>"))
    _label_cells(fig, xs, ys, zlog, text, 9.0)
    fallback = c.acceptance is not None and "rule" in c.acceptance and \
        c.acceptance["rule"].astype(str).str.startswith("fallback").any()
    fig.update_layout(title="Leave one pattern out: acceptance when each pattern in turn is dropped from the rule"
                      + ("<br><span style='font-size:11px'>the full rule (all: every pattern), not the declared "
                         "fallback that gave the posterior</span>" if fallback else ""),
                      template="plotly_white", height=170 + 50 * len(worlds), margin=dict(l=260, r=20, t=50, b=140),
                      xaxis=dict(tickangle=-35, tickfont=dict(size=10)), yaxis=dict(autorange="reversed",
                                                                                      automargin=True))
    return fig


# ------------------------------------------------------------------------------------------ seed 000's claims: switches

# What each switch stands for (docs/theory.md §2, §7; docs/calibration.md): (its role, what the record favours
# when turning it on lowers the fit, what it favours when turning it on raises the fit).
SWITCH_ROLES = {
    "expansion_only": ("the rival of seed 000's claim (b), centrality rather than expansion",
                       "claim (b), centrality rather than expansion", "its rival, expansion as such"),
    "territorial_only": ("the rival of seed 000's claim (c), broad rather than territorial security",
                         "claim (c), broad rather than territorial security", "its rival, territorial security"),
    "liberal": ("the liberal module (M10), a rival of the realist worlds",
                "the realist worlds without the liberal module", "the liberal module"),
    "constructivist": ("the constructivist module (M10), a rival of the realist worlds",
                       "the realist worlds without the constructivist module", "the constructivist module"),
}
POOLED = "all"  # switches.csv's world of the rows pooled over the worlds


def switch_role(switch: str) -> tuple[str, str, str]:
    return SWITCH_ROLES.get(switch, (f"the switch {switch}", f"the worlds without {switch}",
                                     f"the worlds with {switch}"))


def signed(x: float, digits: int = 2) -> str:
    """+0.42, −0.13 (a true minus sign); n/a when missing."""
    if x is None or not np.isfinite(x):
        return "n/a"
    s = f"{float(x):+.{digits}f}"
    return s.replace("-", "−")


def signed_pp(x: float) -> str:
    """A difference of shares in percentage points with sensible digits (0.0012 -> '+0.12')."""
    p = _points(x, "+")
    return "n/a" if p is None else p.replace("-", "−")


def sign_of(lo: float, hi: float) -> int:
    """+1 when a 95 % interval lies above zero, −1 below, 0 when it includes 0 (or is missing)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return 0
    return 1 if lo > 0 else -1 if hi < 0 else 0


def _verdict(lo: float, hi: float, switch: str) -> str:
    _, without, with_ = switch_role(switch)
    s = sign_of(lo, hi)
    if s > 0:
        return f"the interval lies above zero: the record favours {with_}"
    if s < 0:
        return f"the interval lies below zero: the record favours {without}"
    if lo == 0 and hi == 0:
        return "no draw differs (0 to 0): the record does not tell them apart"
    return "the interval includes 0: the record does not tell them apart"


def _short_verdict(lo: float, hi: float) -> str:
    s = sign_of(lo, hi)
    return ("the interval lies above zero" if s > 0 else "the interval lies below zero" if s < 0 else
            "no draw differs" if lo == 0 and hi == 0 else "the interval includes 0")


def _pooled_row(g: pd.DataFrame) -> pd.Series | None:
    """A switch's pooled row (world 'all'), or its only row when it was crossed with one world."""
    p = g[g["world"] == POOLED]
    if len(p):
        return p.iloc[0]
    return g.iloc[0] if len(g) == 1 else None


def switch_sentences(c: Calibration) -> list[str]:
    """One sentence per switch from switches.csv: its pooled effect on the number of the record's patterns a run
    matches and on the accepted share, whether each 95 % interval excludes zero and in which direction (what
    the record then favours: the claim, or its rival), and per world where the patterns interval lies."""
    sw_t = c.switches
    out = []
    for sw in dict.fromkeys(sw_t["switch"]):
        g = sw_t[sw_t["switch"] == sw]
        per = g[g["world"] != POOLED]
        r = _pooled_row(g)
        if r is None:
            continue
        worlds = model_order(per["world"])
        where = (f"in the {len(worlds)} worlds ({', '.join(worlds)})" if len(worlds) > 1 else f"in {worlds[0]}"
                 if worlds else "")
        s = (f"{sw} ({switch_role(sw)[0]}): turned on {where} on the same {int(r['draws']):,} parameter draws and "
             f"seeds, it changes the number of the record's patterns a run matches by {signed(r['d_patterns'])} on "
             f"average (95 % interval {signed(r['d_patterns_lo'])} to {signed(r['d_patterns_hi'])}): "
             f"{_verdict(r['d_patterns_lo'], r['d_patterns_hi'], sw)}; and the accepted share by "
             f"{signed_pp(r['d_accept'])} percentage points ({signed_pp(r['d_accept_lo'])} to "
             f"{signed_pp(r['d_accept_hi'])}): {_short_verdict(r['d_accept_lo'], r['d_accept_hi'])}.")
        if len(per) > 1:
            by = {k: [w for w in worlds if sign_of(*per.set_index("world").loc[w, ["d_patterns_lo", "d_patterns_hi"]])
                      == k] for k in (-1, 1, 0)}
            parts = [f"{label} in {', '.join(by[k])}" for k, label in ((-1, "lies below zero"), (1, "lies above zero"),
                                                                        (0, "includes 0")) if by[k]]
            s += f" Per world, the interval of the patterns matched {'; '.join(parts)}."
        out.append(s)
    return out


def fig_switches(c: Calibration) -> go.Figure:
    """A forest plot of switches.csv: per switch its pooled effect (black diamond) and its effect in each world
    (the model's colour), point and 95 % interval; left the number of the record's patterns matched, right the
    accepted share in percentage points; zero lines."""
    sw_t = c.switches
    rows = []
    for sw in dict.fromkeys(sw_t["switch"]):
        g = sw_t[sw_t["switch"] == sw].set_index("world")
        if POOLED in g.index:
            rows.append((sw, POOLED, g.loc[POOLED]))
        for w in model_order([w for w in g.index if w != POOLED]):
            rows.append((sw, w, g.loc[w]))
    labels = [f"<b>{sw}: pooled</b>" if w == POOLED else f"{sw} · {w}" for sw, w, _ in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=["Δ patterns of the record matched per run (switch on − off)",
                                        "Δ accepted share, percentage points (switch on − off)"])
    for k, (col, scale, unit) in enumerate((("d_patterns", 1.0, ""), ("d_accept", 100.0, " pp"))):
        for (sw, w, r), label in zip(rows, labels):
            pooled = w == POOLED
            m = f"{w}{MODEL_SEP}{sw}"
            x, lo, hi = (float(r[col]) * scale, float(r[f"{col}_lo"]) * scale, float(r[f"{col}_hi"]) * scale)
            tip = (f"{sw} turned on {'(pooled over the worlds)' if pooled else 'in ' + w}<br>{x:+.3g}{unit}, 95 % "
                   f"interval {lo:+.3g} to {hi:+.3g}{unit}<br>{int(r['draws']):,} draws")
            if col == "d_patterns" and "share_switch_better" in r:
                tip += (f"<br>more patterns with the switch on {r['share_switch_better']:.0%} of the draws, fewer on "
                        f"{r['share_plain_better']:.0%}")
            fig.add_trace(go.Scatter(
                x=[x], y=[label], mode="markers", showlegend=False,
                marker=dict(size=13 if pooled else 9, color="#111" if pooled else colour(m),
                            symbol="diamond" if pooled else "circle", line=dict(width=0)),
                error_x=dict(type="data", symmetric=False, array=[hi - x], arrayminus=[x - lo],
                             color="#111" if pooled else colour(m), thickness=2.5 if pooled else 1.5, width=5),
                hovertemplate=tip + "<extra></extra>"), row=1, col=k + 1)
        fig.add_vline(x=0, line=dict(color="#222", width=1, dash="dash"), row=1, col=k + 1)
    start = 0
    for i, sw in enumerate(dict.fromkeys(sw_t["switch"])):  # a band behind every other switch
        n = sum(1 for s, _, _ in rows if s == sw)
        if i % 2 == 0:
            fig.add_shape(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=start - 0.5, y1=start + n - 0.5,
                          fillcolor="rgba(0,0,0,0.045)", line=dict(width=0), layer="below")
        start += n
    fig.update_layout(title="Seed 000's claims and the M10 modules: the paired effect of turning each switch on, "
                            "on the same draws and seeds (mean, 95 % bootstrap interval over draws)<br><span "
                            "style='font-size:11px'>left of zero: the record favours the worlds without the switch "
                            "(the claim, or the realist world without the module); right: the switch</span>",
                      template="plotly_white", height=140 + 26 * len(rows), margin=dict(l=60, r=30, t=95, b=40),
                      yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=11)))
    fig.update_annotations(font=dict(size=12))
    return fig


def switch_table(c: Calibration) -> str:
    sw_t = c.switches
    rows = []
    for sw in dict.fromkeys(sw_t["switch"]):
        g = sw_t[sw_t["switch"] == sw].set_index("world")
        for k, w in enumerate(([POOLED] if POOLED in g.index else []) + model_order([w for w in g.index
                                                                                      if w != POOLED])):
            r = g.loc[w]
            first = k == 0  # (the switch and what it stands for on its first row only)
            row = {"switch": sw if first else "", "stands for": switch_role(sw)[0] if first else "",
                   "world": "all (pooled)" if w == POOLED else w,
                   "draws": f"{int(r['draws']):,}",
                   "Δ patterns matched (95 % interval)": f"{signed(r['d_patterns'])} ({signed(r['d_patterns_lo'])} "
                                                          f"to {signed(r['d_patterns_hi'])})",
                   "Δ accepted share, pp (95 % interval)": f"{signed_pp(r['d_accept'])} ({signed_pp(r['d_accept_lo'])}"
                                                           f" to {signed_pp(r['d_accept_hi'])})"}
            if "share_switch_better" in r:
                row["draws with more / fewer patterns with the switch"] = (f"{pct(r['share_switch_better'])} / "
                                                                            f"{pct(r['share_plain_better'])}")
            rows.append(row)
    return _table(pd.DataFrame(rows))


def fig_switch_patterns(c: Calibration) -> go.Figure | None:
    """switches_by_pattern.csv: per pattern and switch, the share of runs holding it with the switch on minus
    without (pooled over the worlds, same draws and seeds)."""
    t = c.switch_patterns
    if t is None or not {"switch", "pattern", "plain", "switched", "difference"} <= set(t.columns):
        return None
    sws, pats = list(dict.fromkeys(t["switch"])), list(dict.fromkeys(t["pattern"].astype(str)))
    g = t.assign(pattern=t["pattern"].astype(str)).set_index(["pattern", "switch"])
    z = np.array([[100 * float(g.loc[(p, s), "difference"]) if (p, s) in g.index else np.nan for s in sws]
                  for p in pats])
    text = [[(f"<b>{signed_pp(g.loc[(p, s), 'difference'])}</b><br><span style='font-size:9px'>"
              f"{g.loc[(p, s), 'plain']:.0%} → {g.loc[(p, s), 'switched']:.0%}</span>") if (p, s) in g.index else ""
             for s in sws] for p in pats]
    top = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() and np.nanmax(np.abs(z)) > 0 else 1.0
    fig = go.Figure(go.Heatmap(z=z, x=sws, y=pats, colorscale="RdBu", zmid=0, zmin=-top, zmax=top,
                               colorbar=dict(title="pp"),
                               hovertemplate="%{y}, %{x} on: %{z:+.1f} percentage points<extra></extra>"))
    _label_cells(fig, sws, pats, np.abs(z), text, 0.6 * top)
    fig.update_layout(title="Which patterns a switch gains or loses<br><span style='font-size:11px'>share of runs "
                            "holding each pattern with the switch on − off, percentage points (small: off → on); pooled "
                            "over the worlds, same draws and seeds</span>",
                      template="plotly_white", height=190 + 44 * len(pats), width=max(620, 260 + 130 * len(sws)),
                      margin=dict(l=60, r=20, t=120, b=30),
                      xaxis=dict(side="top", automargin=True), yaxis=dict(autorange="reversed", automargin=True))
    return fig


def switches_section(c: Calibration) -> list:
    """The section on seed 000's claims and the M10 modules (switches.csv); [] when the folder has none."""
    if c.switches is None or not {"switch", "world", "d_patterns", "d_patterns_lo", "d_patterns_hi"} <= set(
            c.switches.columns):
        return []
    roles = "; ".join(f"<code>{html.escape(sw)}</code>: {html.escape(switch_role(sw)[0])}"
                      for sw in dict.fromkeys(c.switches["switch"]))
    out = [f"<p class='note'>A model <code>world+switch</code> is a world with a switch turned on, run on the same "
           f"parameter draws and seeds as the world itself, so the difference isolates the switch. The switches: "
           f"{roles}. An effect below zero means the record favours the worlds without the switch (the claim, or "
           "the realist world without the module); above zero, the switch; an interval that includes 0, that the "
           "record does not tell them apart. Every sentence below is a template filled with switches.csv.</p>"]
    out.append("<div class='switches'>" + "".join(f"<p>{html.escape(s)}</p>" for s in switch_sentences(c)) + "</div>")
    out.append(fig_switches(c))
    out.append(switch_table(c))
    fp = fig_switch_patterns(c)
    if fp is not None:
        out.append(fp)
    return out


# ------------------------------------------------------------------------------------------ the West's decisions

def _diag(cf: pd.DataFrame, col: str, world: str) -> float:
    r = cf[(cf["true"] == world) & (cf["inferred"] == world)]
    return float(r[col].iloc[0]) if len(r) and col in r else float("nan")


def _cell(cf: pd.DataFrame, col: str, true: str, inferred: str) -> float:
    r = cf[(cf["true"] == true) & (cf["inferred"] == inferred)]
    return float(r[col].iloc[0]) if len(r) and col in r else float("nan")


def _leader(model: str) -> tuple[str, str] | None:
    """(the West's type, Russia's type) of a model's world, or None (the null model, an unknown world)."""
    try:
        from sim.worlds import world_types
        t = world_types(model)
        return t["leader"], t["russia"]
    except (ImportError, ValueError, KeyError):
        return None


def west_type_pairs(models) -> list[tuple[str, str]]:
    """Pairs of models that differ only in the West's type: the same switches and Russia's type, another leader
    type (the security dilemma and provocation)."""
    ms = [m for m in models if m != NULL and _leader(m) is not None]
    return [(a, b) for i, a in enumerate(ms) for b in ms[i + 1:]
            if split_name(a)[1] == split_name(b)[1] and _leader(a)[1] == _leader(b)[1]
            and _leader(a)[0] != _leader(b)[0]]


def _told(cf, col, a, b) -> tuple[str, bool]:
    """'20 % / 0 %, 0 % / 0 %' (each of a and b named as itself / as the other) and whether they are told apart
    (each named as itself more often than as the other)."""
    da, db, xab, xba = (_diag(cf, col, a), _diag(cf, col, b), _cell(cf, col, a, b), _cell(cf, col, b, a))
    return f"{a} {pct(da)} / {pct(xab)}, {b} {pct(db)} / {pct(xba)}", bool(da > xab and db > xba)


PER_WORLD_INLINE = 6  # up to this many worlds the per-world diagonal is in the sentence; beyond, in a table


def _agent_dec_worlds(cf: pd.DataFrame) -> list[str]:
    return [w for w in model_order(cf["true"]) if w != NULL and np.isfinite(_diag(cf, "win_share_dec", w))]


def decision_sentences(c: Calibration) -> list[str]:
    """The diagonal of the world confusion with the synthetic history's own NATO decisions added, beside the one
    without; and for every pair of models that differ only in the West's type, whether they are told apart
    (each named as itself more often than as the other) without the decisions and with them."""
    cf = c.confusion
    if cf is None or "win_share_dec" not in cf:
        return []
    agent = _agent_dec_worlds(cf)
    if not agent:
        return []
    n = {w: int(cf[cf["true"] == w]["n"].iloc[0]) if "n" in cf else 1 for w in agent}
    tot = sum(n.values()) or 1
    m0 = sum(n[w] * _diag(cf, "win_share", w) for w in agent) / tot
    m1 = sum(n[w] * _diag(cf, "win_share_dec", w) for w in agent) / tot
    s = (f"Over the {tot:,} synthetic records of the {len(agent)} agent-model worlds, the true world is named in "
         f"{pct(m0)} from the training features alone and in {pct(m1)} with the history's own NATO decisions added "
         f"(chance {pct(1 / len(agent))})" + ("; the null model takes no decisions and is left out here"
                                              if NULL in set(cf["true"]) else "") + ".")
    if len(agent) <= PER_WORLD_INLINE:
        s += (" Per world, without → with the decisions: " + ", ".join(
            f"{w} {pct(_diag(cf, 'win_share', w))} → {pct(_diag(cf, 'win_share_dec', w))}" for w in agent) + ".")
    out = [s]
    for a, b in west_type_pairs(agent):
        la, lb = _leader(a)[0].replace("_", " "), _leader(b)[0].replace("_", " ")
        s0, t0 = _told(cf, "win_share", a, b)
        s1, t1 = _told(cf, "win_share_dec", a, b)
        verdict = {(False, True): "with the decisions, and not without them",
                   (True, True): "both with the decisions and without them",
                   (False, False): "neither without the decisions nor with them",
                   (True, False): "without the decisions, but not with them"}[(t0, t1)]
        out.append(f"{a} and {b} differ only in the West's type ({la} against {lb}); named as itself / as the "
                   f"other, without the decisions: {s0}; with them: {s1}. They are told apart (each named as itself "
                   f"more often than as the other) {verdict}.")
    return out


def decision_table(c: Calibration) -> pd.DataFrame:
    """Per agent-model world: the share of its synthetic records named correctly without and with the decisions."""
    cf = c.confusion
    agent = _agent_dec_worlds(cf)
    return pd.DataFrame({"true world": agent,
                         "named, training features": [pct(_diag(cf, "win_share", w)) for w in agent],
                         "named, with the history's NATO decisions": [pct(_diag(cf, "win_share_dec", w))
                                                                       for w in agent]})


def _a(type_name: str) -> str:
    """'order_revisionist' -> 'an order revisionist'."""
    t = str(type_name).replace("_", " ")
    return ("an " if t[:1].lower() in "aeiou" else "a ") + t


def _mean_votes(c: Calibration) -> float:
    """Decisions NATO's vote took per synthetic history, on average (west_type.csv), or NaN."""
    wt = c.west_type
    if wt is None or "votes_mean" not in wt or "records" not in wt:
        return float("nan")
    per = wt.groupby("true_type", sort=False)[["records", "votes_mean"]].first()
    n = per["records"].astype(float)
    return float((per["votes_mean"] * n).sum() / n.sum()) if n.sum() > 0 else float("nan")


def west_type_sentences(c: Calibration) -> list[str]:
    """The West's type from the synthetic history's own decisions alone (recovery/west_type.csv), in words."""
    wt = c.west_type
    if wt is None or not len(wt):
        return []
    per = wt.groupby("true_type", sort=False).first()
    types = [t for t in TYPE_ORDER if t in per.index] + [t for t in per.index if t not in TYPE_ORDER]
    n = per["records"].astype(float)
    diag = {t: float(wt[(wt["true_type"] == t) & (wt["inferred_type"] == t)]["win_share"].sum()) for t in types}
    total = float(n.sum()) or 1.0
    named = sum(diag[t] * float(n[t]) for t in types) / total
    votes = _mean_votes(c)
    k = max(wt["inferred_type"].nunique(), 1)
    s = (f"From the decisions NATO's own vote took in each synthetic history alone"
         + (f" ({votes:.1f} per history on average" if np.isfinite(votes) else " (")
         + ", scored along the history's own path under each leader type, equal prior over the types), the West's "
         f"true type is named in {pct(named)} of the {int(total):,} records (chance {pct(1 / k)}): "
         + ", ".join(f"{_a(t)} West in {pct(diag[t])} of its {int(n[t]):,}" for t in types) + ".")
    worse = []
    for t in types:
        other = wt[(wt["true_type"] == t) & (wt["inferred_type"] != t)].sort_values("win_share", ascending=False)
        if len(other) and float(other["win_share"].iloc[0]) >= diag[t]:
            worse.append(f"{_a(t)} West was named {other['inferred_type'].iloc[0].replace('_', ' ')} "
                         f"at least as often ({pct(other['win_share'].iloc[0])} against {pct(diag[t])})")
    if worse:
        s += " Not told apart: " + "; ".join(worse) + "."
    else:
        s += " Every type is named as itself more often than as any other."
    return [s]


# ------------------------------------------------------------------------------------------ tables

def _table(df: pd.DataFrame, floats: str = "{:.4g}") -> str:
    def fmt(v):
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else floats.format(v)
        return html.escape(str(v))
    head = "".join(f"<th>{_wrap(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False, name=None))
    return f"<table class='card'><tr>{head}</tr>{body}</table>"


def membership_table(c: Calibration) -> str:
    """membership.csv as a table: per model, the share of its accepted runs (and of prior runs) in which NATO
    admits, by the training window's end, a state the record did not; the acceptance share without them."""
    from sim.runs.calibrate.membership import RECORDED_FORCE

    m = c.membership
    acc = m[m["runs"] == "accepted"].set_index("world")
    pri = m[m["runs"] == "prior sample"].set_index("world")
    rows = []
    for w in [x for x in c.models if x in acc.index]:
        a = acc.loc[w]
        n = int(a["n"]) if a["n"] == a["n"] else 0
        rows.append({"model": w, "accepted runs re-run": n,
                     "NATO admits a state the record did not": pct(a["any_emergent_accession"]) if n else "–",
                     "… a CSTO member": pct(a["csto_member_admitted"]) if n else "–",
                     "most often admitted": a["most_admitted"] if n and isinstance(a["most_admitted"], str) else "",
                     "prior runs": pct(pri["any_emergent_accession"].get(w, float("nan"))),
                     "acceptance → without those runs (post hoc)":
                         f"{pct3(a['acceptance'])} → {pct3(a['acceptance_without'])}" if n else pct3(a["acceptance"])})
        if "force_elsewhere" in m:
            rows[-1].update({
                "Russian force where the record has none": pct(a["force_elsewhere"]) if n else "–",
                "against": a["most_forced"] if n and isinstance(a["most_forced"], str) else "",
                "prior runs ": pct(pri["force_elsewhere"].get(w, float("nan")))})
    note = ("<p class='note'>Between 1992 and 2013 no state joined NATO but those the record admits; no training "
            "feature scores it. The accepted runs (at most 500 per model) and a sample of prior runs, re-simulated "
            "to the end of the training window: the share in which NATO's own vote admitted a state the scenario "
            "does not script, and among them a member of the CSTO (the model lets one join without leaving it). "
            "The acceptance column is a post-hoc reading, not a second rule: the posterior above is unchanged "
            "(docs/results.md §11; sim/runs/calibrate/membership.py). The last columns: the share of runs in which "
            f"Russia used force against a state the record has none against 1992–2013 (all but "
            f"{', '.join(RECORDED_FORCE)}).</p>")
    return note + _table(pd.DataFrame(rows))


def acceptance_table(c: Calibration) -> str:
    a = c.acceptance.copy()
    order = c.worlds + ([NULL] if c.has_null else [])
    a = a.set_index("world").reindex([w for w in order if w in set(a["world"])]).reset_index()
    out = pd.DataFrame({"model": a["world"],
                        "free parameters": [c.parameter_count(w) for w in a["world"]],
                        "runs": a["runs"].map("{:,}".format), "accepted": a["accepted"].map("{:,}".format),
                        "rate": a["rate"].map(pct3), "95 % interval": [f"{pct3(lo)} – {pct3(hi)}"
                                                                       for lo, hi in zip(a["lo"], a["hi"])]})
    if "draws_accepted" in a:
        out["draws with an accepted seed"] = [f"{int(x):,} / {int(n):,}" for x, n in zip(a["draws_accepted"], a["draws"])]
    if "rate_m8" in a:
        out["rate × M8 weight"] = a["rate_m8"].map(pct)
    return _table(out)


M8_LABELS = {"runs": "runs", "ll_all": "mean ll, all runs", "log_mean_own": "log mean likelihood, all runs",
             "ll_S": "mean ll, West S", "ll_R": "mean ll, West R", "ll_G": "mean ll, West G",
             "ln_bf_R_S": "ln BF R:S", "ln_bf_G_S": "ln BF G:S", "post_runs": "accepted runs",
             "ll_accepted": "mean ll, accepted", "post_log_mean_own": "log mean likelihood, accepted",
             "post_ln_bf_R_S": "ln BF R:S, accepted", "post_ln_bf_G_S": "ln BF G:S, accepted"}


def m8_display(t: pd.DataFrame) -> pd.DataFrame:
    """The M8 evidence with readable column names (the accepted-run columns only when some run is accepted)."""
    accepted = "post_runs" in t and t["post_runs"].fillna(0).sum() > 0
    cols = ["world"] + [k for k in M8_LABELS if k in t and (accepted or not (k.startswith("post_") or k == "ll_accepted"))]
    return t[cols].rename(columns=M8_LABELS)


def recovery_table(c: Calibration) -> str:
    """Parameter recovery per world (a summary; every parameter in a folded table)."""
    r = c.recovery
    sbc = [x for x in r.columns if x.startswith("sbc_")]
    rows = []
    for w in [m for m in c.models if m in set(r["world"])] + [m for m in dict.fromkeys(r["world"]) if m not in c.models]:
        g = r[r["world"] == w]
        row = {"model": w, "parameters": len(g)}
        for col, label in (("records", "records"), ("too_few_accepted", "records with too few accepted runs")):
            if col in g:
                row[label] = int(g[col].max())
        if "correlation" in g:
            row["median correlation (posterior mean, truth)"] = (float(np.nanmedian(g["correlation"]))
                                                                 if g["correlation"].notna().any() else np.nan)
        for col in ("coverage_50", "coverage_90"):
            if col in g:
                row[col.replace("_", " ") + " %"] = float(g[col].mean())
        if sbc:
            row["SBC ranks (summed)"] = " ".join(str(int(v)) for v in g[sbc].sum().to_numpy())
        rows.append(row)
    full = r.drop(columns=sbc)
    return (_table(pd.DataFrame(rows), floats="{:.2f}") + "<details><summary>Every parameter</summary>"
            + _table(full, floats="{:.2f}") + "</details>")


def heldout_table(c: Calibration) -> str:
    h = c.heldout
    models = model_order(h["model"])
    items = list(dict.fromkeys(h["item"]))
    rows = []
    for it in items:
        d = h[h["item"] == it].set_index("model")
        r0 = d.iloc[0]
        rec = r0["record"]
        rec_s = ("held" if rec == 1 else "not held") if r0["kind"] == "log score" and np.isfinite(rec) else num(rec)
        cells = {}
        for m in models:
            if m not in d.index:
                cells[m] = ""
                continue
            r = d.loc[m]
            cells[m] = (f"{num(r['score'])}" + (f" <small>(p̂ {r['predicted']:.2f})</small>" if r["kind"] == "log score"
                                                  and np.isfinite(r["predicted"]) else
                                                  f" <small>(median {num(r['predicted'])})</small>"
                                                  if np.isfinite(r["predicted"]) else ""))
        rows.append((it, r0["kind"], rec_s, cells))
    if len(models) > 8:  # many models: a row per model, a column per pattern and the totals (the per-year CRPS
        # of the burden stay in heldout.csv: eleven more columns would not fit a page)
        keep = [r for r in rows if str(r[0]).startswith("H") or "total" in r[0] or "mean" in r[0]]
        prior = c.heldout_prior

        def short(it):
            return str(it).split("_")[0] if str(it).startswith("H") else str(it)

        head = "".join(f"<th title='{html.escape(it)}'>{'<b>' if 'total' in it or 'mean' in it else ''}"
                       f"{html.escape(short(it))}</th>" for it, kind, rec, _ in keep)
        if prior is not None:
            head += "<th>total log score, <i>prior</i> predictive</th>"

        def prior_total(m):
            if prior is None:
                return ""
            g = prior[(prior["model"] == m) & (prior["item"] == "total log score")]
            if not len(g):
                return "<td></td>"
            se = g["se"].iloc[0] if "se" in g else np.nan
            return (f"<td style='text-align:right'>{num(g['score'].iloc[0])}"
                    + (f" <small>± {se:.2f}</small>" if np.isfinite(se) else "") + "</td>")

        def cell(it, cells, m):
            v = cells.get(m, "")
            if it == "total log score" and "se" in h:
                g = h[(h["model"] == m) & (h["item"] == it)]
                if len(g) and np.isfinite(g["se"].iloc[0]):
                    v += f" <small>± {g['se'].iloc[0]:.2f}</small>"
            return v

        body = "".join(f"<tr><td>{html.escape(m)}</td>" + "".join(f"<td style='text-align:right'>{cell(it, cells, m)}</td>"
                                                                    for it, _, _, cells in keep)
                       + prior_total(m) + "</tr>" for m in models)
        table = (f"<table class='card'><tr><th>model</th>{head}</tr>{body}</table>"
                 "<p class='note'>" + "; ".join(f"<b>{html.escape(short(it))}</b> {html.escape(it)}"
                                                 for it, *_ in keep if str(it).startswith("H"))
                 + ". Each pattern holds in the record; the cell is its log score with p̂. ± : the bootstrap "
                 "standard error over the predictive runs. The prior predictive (every prior draw alike; "
                 "<code>spiral heldout --prior</code>) is not part of the pre-registration: it scores the models "
                 "with no accepted draw (the null model) and is the baseline of each posterior's score.</p>")
    else:
        head = "".join(f"<th>{_wrap(m)}</th>" for m in models)
        body = "".join(f"<tr><td>{'<b>' if 'total' in it or 'mean' in it else ''}{html.escape(it)}</td><td>"
                       f"{html.escape(kind)}</td><td>{html.escape(rec)}</td>"
                       + "".join(f"<td style='text-align:right'>{cells[m]}</td>" for m in models) + "</tr>"
                       for it, kind, rec, cells in rows)
        table = f"<table class='card'><tr><th>item</th><th>score</th><th>record</th>{head}</tr>{body}</table>"
    return (table +
            "<p class='note'>Log score: log p̂ if the record's pattern holds, log(1 − p̂) if not (p̂: share of posterior "
            "predictive runs, smoothed (k + ½)/(n + 1)); higher is better. CRPS of Russia's burden (pp of GDP) against "
            "SIPRI's value each year; lower is better. Pre-registered in docs/heldout.md before any output past 2013 "
            "was looked at.</p>")


# ------------------------------------------------------------------------------------------ the page

def _intro(c: Calibration) -> str:
    m = c.manifest
    bits = []
    for key, label in (("name", "study {}"), ("scenario", "scenario {}"), ("train_end", "training window to {}"),
                       ("draws", "{} prior draws"), ("seeds", "{} seeds per draw"), ("runs", "{} runs"),
                       ("prior_scale", "prior scale {}"), ("seconds", "simulated in {} s"),
                       ("runs_per_second", "{} runs/s"), ("executor", "executor: {}")):
        v = m.get(key)
        if v is not None and not isinstance(v, dict | list):
            text = f"{v:,}" if isinstance(v, int) else f"{v:,.0f}" if key in ("seconds", "runs_per_second") else str(v)
            bits.append(label.format(f"<b>{html.escape(text)}</b>"))
    n_free = len(c.free_parameters())
    if n_free:
        bits.append(f"free parameters of the agent model <b>{n_free}</b> (paired: draw k is the same vector in every "
                    "world)")
    npar = c.parameter_count(NULL)
    if c.has_null and npar:
        bits.append(f"null model parameters <b>{npar}</b> (its own draws, the same budget)")
    heldout = m.get("heldout_sha256")
    if heldout:
        bits.append(f"docs/heldout.md SHA-256 <code>{html.escape(str(heldout))[:16]}…</code>")
    cmd = m.get("command")
    note = m.get("null_note")
    return (f"<p class='note'>{' · '.join(bits)}" + (f"<br>Command: <code>{html.escape(str(cmd))}</code>" if cmd else "")
            + (f"<br>Null model: {html.escape(str(note))}" if note else "")
            + "</p><p class='note'><b>How to read it.</b> A run (a parameter draw × a seed) is <i>accepted</i> when "
            "every training feature with a record value lies within its tolerance, fixed before the record was used "
            "and the same for every model (docs/calibration.md). A world's acceptance rate is the share of its runs "
            "accepted; its posterior is the accepted draws, each weighted by its accepted seeds. The null model (no "
            "agents, no types) is calibrated by the same rule with the same budget: a world that does not beat it "
            "has not explained anything. Every sentence in the paragraphs below is a template filled with the "
            "numbers of this folder.</p>" + _rule_note(c))


def _rule_note(c) -> str:
    """A banner when the declared fallback, not the full rule, gave the posterior (docs/calibration.md)."""
    rule = ""
    if c.acceptance is not None and "rule" in c.acceptance:
        rule = str(c.acceptance["rule"].iloc[0])
    if not rule.startswith("fallback"):
        return ""
    return ("<p class='banner'><b>No run of any model passes the full rule.</b> The posterior, the model "
            f"probabilities and the predictive below come from the declared fallback: {html.escape(rule)} "
            "(docs/calibration.md, \"When nothing passes\"). It answers a weaker question: which model comes "
            "closest to the record.</p>")


def write_report(calib_dir) -> Path:
    """Write ``CALIB_DIR/report.html`` from the calibration folder's files; returns its path."""
    c = Calibration.read(calib_dir)
    ref_cols = None
    ref = None
    sections: list[tuple[str, list]] = []
    names = c.free_parameters()
    moved = {}
    if c.draws is not None and c.posterior is not None:
        for w in c.worlds:
            wt = c.weights(w)
            if len(wt):
                moved[w] = shifts(c.draws, wt, names)
    if c.worlds:
        from sim.runs.score import FEATURES
        ref_cols = ["world", "draw", "seed", *FEATURES, *M8_COLUMNS]
        ref = _reference(c.dir, ref_cols, worlds=c.models)
    c._m8_cache = m8_table(c, ref)
    m8_none = _m8_all_zero(c._m8_cache)
    if m8_none:  # no recorded decision was replayed to score (NATO decided by its own vote): no M8 evidence
        c._m8_cache = None

    paragraphs = "".join(f"<div class='world' id='world-{w}'><p><b style='color:{colour(w)}'>"
                         f"{'null model' if w == NULL else html.escape(w)}.</b> "
                         + "</p><p>".join(html.escape(t) for t in world_paragraphs(c, w, moved.get(w)))
                         + "</p></div>" for w in c.models)
    top = []
    if c.acceptance is not None and int(c.acceptance["accepted"].sum()) == 0:
        n = int(c.acceptance["runs"].sum())
        top.append(f"<p style='background:#fff3cd;padding:.5em'><b>No run of any model passes the rule</b> (0 of "
                   f"{n:,} runs; the tolerances are not widened). There is no posterior, and no model probability; "
                   "what the record can say is in the graded table (how many patterns the best runs of each model "
                   "hold) and in the prior predictive below.</p>")
    sections.append(("The worlds in numbers", top + [paragraphs or "<p>No world in this folder.</p>"]))

    acc = []
    if c.acceptance is not None:
        acc += [fig_acceptance(c), acceptance_table(c)]
        acc.append("<p class='note'>Within a draw, the share of its seeds accepted is a share of "
                   f"{c.manifest.get('seeds', 'S')} seeds: its standard error is at most √(0.25/seeds) "
                   + (f"= {math.sqrt(0.25 / int(c.manifest['seeds'])):.2f}" if str(c.manifest.get('seeds', '')).isdigit()
                      else "") + ".</p>")
    else:
        acc.append("<p>No acceptance table (acceptance.csv) in this folder.</p>")
    if c.graded is not None:
        acc.append(fig_graded(c))
        g = c.graded.pivot_table(index="k", columns="world", values="share", aggfunc="first").sort_index(ascending=False)
        g = g[[w for w in c.worlds + [NULL] if w in g.columns]]
        if len(g.columns) > 8:  # many models: a row per model
            g = g.T.map(pct)
            g.columns = [f"≥ {k}" for k in g.columns]
            acc.append("<p class='note'>Share of each model's runs holding at least k patterns:</p>"
                       + _table(g.rename_axis("model").reset_index()))
        else:
            acc.append(_table(g.map(pct).reset_index().rename(columns={"k": "≥ k patterns"})))
    if c.paired is not None:
        if c.acceptance is not None and int(c.acceptance["accepted"].sum()) == 0:
            acc.append("<p>Paired differences: every per-draw accepted share is 0, so every difference is 0.</p>")
        else:
            acc.append(fig_paired(c))
    sections.append(("Acceptance, graded, paired", acc))
    claims = switches_section(c)
    if claims:
        sections.append(("Seed 000's claims and the M10 modules", claims))

    which = []
    if c.confusion is not None:
        left = fig_confusion(c).to_html(full_html=False, include_plotlyjs=False)
        if c.probabilities is None:
            right = "<p>No model probabilities (model_probabilities.csv) in this folder.</p>"
        elif not np.isfinite(c.probabilities["probability"].to_numpy(dtype=float)).any():
            right = ("<p style='max-width:500px'><b>No ABC model probability on the record:</b> no run of any model "
                     "is accepted, so every evidence is zero.</p>")
        else:
            right = fig_probabilities(c).to_html(full_html=False, include_plotlyjs=False)
        which.append(f"<p class='note'>{html.escape(ROBERT_2011)}</p>")
        decisions = "win_share_dec" in c.confusion
        if decisions:
            votes = _mean_votes(c)
            which.append("<p class='note'>NATO decided by its own vote in the synthetic histories"
                         + (f" ({votes:.1f} decisions per history on average)" if np.isfinite(votes) else "")
                         + ": the second matrix infers the world with the history's own decisions added (each "
                         "world's acceptance rate × the likelihood of those decisions under its leader type, scored "
                         "along the history's own path). An analyst of the real record does not have the true path: "
                         "it is an upper bound on what the decisions can tell.</p>")
        elif "probability_m8" in c.confusion:
            which.append("<p class='note'>The M8-weighted probabilities: every run of the reference table replays the "
                         "record's NATO decisions (they are scripted), so in model recovery the M8 weight scores the "
                         "same decisions whatever the synthetic record's world: recovery cannot test whether the "
                         "West's type is identifiable from them.</p>")
        mid = (f"<div>{fig_confusion(c, decisions=True).to_html(full_html=False, include_plotlyjs=False)}</div>"
               if decisions else "")
        which.append(f"<div style='display:flex;gap:1em;flex-wrap:wrap'><div>{left}</div>{mid}<div>{right}</div>"
                     "</div>")
        if decisions:
            which.append("<div class='decisions'>" + "".join(f"<p>{html.escape(t)}</p>"
                                                             for t in decision_sentences(c)) + "</div>")
            dt = decision_table(c)
            if len(dt) > PER_WORLD_INLINE:
                which.append("<details><summary>Per world: the share of its synthetic records named correctly, "
                             "without and with the decisions</summary>" + _table(dt) + "</details>")
        if "undecided" in c.confusion and "n" in c.confusion:
            per_true = c.confusion.groupby("true", sort=False)[["undecided", "n"]].first()
            und, total = int(per_true["undecided"].sum()), int(per_true["n"].sum())
            if und:
                which.append(f"<p class='note'>{und} of {total} synthetic records accepted no run of any model "
                             "(undecided: counted as an even split over the models; tolerances are not widened).</p>")
        if c.west_type is not None and {"true_type", "inferred_type", "win_share"} <= set(c.west_type.columns):
            which.append("<h3>The West's type from NATO's own decisions</h3>")
            which.append("<div style='display:flex;gap:1em;flex-wrap:wrap;align-items:center'><div>"
                         + fig_west_type(c).to_html(full_html=False, include_plotlyjs=False)
                         + "</div><div class='west-type' style='max-width:600px'>"
                         + "".join(f"<p>{html.escape(t)}</p>" for t in west_type_sentences(c)) + "</div></div>")
        if c.recovery is not None:
            which.append("<h3>Parameter recovery on the true world's posterior (coverage of the central 50 % and 90 % "
                         "posterior intervals: well calibrated at 0.50 and 0.90; SBC: rank histogram summed over "
                         "parameters, flat when calibrated)</h3>")
            which.append(recovery_table(c))
    else:
        which.append("<p>No model-recovery results (recovery/confusion.csv: run <code>spiral recover</code>). The "
                     "posterior model probabilities are shown only beside them (Robert et al. 2011), so they are not "
                     "shown here.</p>")
    sections.append(("Which world? Model recovery, and the model probabilities beside it", which))

    post = []
    if moved:
        for w in c.worlds:
            if w not in moved:
                post.append(f"<p><b>{html.escape(w)}</b>: no accepted draw, no posterior.</p>")
                continue
            post.append(fig_marginals(c, w, moved[w]))
            post.append(fig_pairs(c, w, moved[w]))
            t = moved[w].head(12).copy()
            post.append("<details><summary>Top 12 parameters by shift (Wasserstein-1 distance between prior and "
                        "posterior, in units of the prior's range)</summary>" + _table(t) + "</details>")
    else:
        post.append("<p>No posterior (no accepted draw in any world, or no draws.parquet/posterior.parquet).</p>")
    sections.append(("Posterior marginals and pairs", post))

    pp = []
    if ref is not None and len(ref):
        from sim.runs.score import FEATURES
        parts = []
        for w in c.models:
            d = ref[ref["world"] == w]
            if len(d) > PREDICTIVE_RUNS * 4:  # the prior predictive on a seeded subsample (posterior rows all kept)
                keep = d["draw"].isin(c.weights(w).index).to_numpy() | (
                    np.random.default_rng(1).random(len(d)) < PREDICTIVE_RUNS / len(d))
                d = d[keep]
            parts.append(predictive(c, d.assign(world=w), w, list(FEATURES)))
        pred = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(pred):
            for fig in (fig_predictive_patterns(c, pred),
                        fig_predictive_bands(c, pred, "tension_russia_", "Russia-only tension by period: posterior "
                                             "(colour) and prior (grey) predictive, median and 5–95 % (no record "
                                             "value: the patterns compare these periods)", "index"),
                        fig_predictive_bands(c, pred, "russia_burden_", "Russia's burden by period: predictive "
                                             "against the record (SIPRI) ± tolerance", "% of GDP")):
                if fig is not None:
                    pp.append(fig)
            counts = pred[pred["feature"].isin(["force_1992_2013", "coercion_1992_2013"])]
            if len(counts):
                cells = counts.assign(cell=[f"{q50:.3g} ({q05:.3g}–{q95:.3g}); mean {m:.3g}" for q05, q50, q95, m in
                                            zip(counts["q05"], counts["q50"], counts["q95"], counts["mean"])])
                t = cells.pivot_table(index="world", columns=["feature", "kind"], values="cell", aggfunc="first",
                                      sort=False)
                t = t.reindex([w for w in c.models if w in t.index])
                t.columns = [f"{f.split('_')[0]} 1992-2013, {k}" for f, k in t.columns]
                pp.append("<p class='note'>Russian uses of force and coercions 1992–2013 per run (no record value: "
                          "patterns 7–9 carry the record's), median (5–95 %):</p>")
                pp.append(_table(t.reset_index()))
    else:
        pp.append("<p>No reference table (reference.parquet) in this folder.</p>")
    sections.append(("Posterior predictive over the training features", pp))

    ev = []
    if c._m8_cache is not None:
        ev.append("<p class='note'>The log-likelihood of NATO's recorded decisions 1994–2013 (taken and withheld) "
                  "under each world's M8 rule, on each run's own history; 'll_all': mean over all the world's runs; "
                  "'ll_accepted': over its accepted runs (posterior-weighted); by leader type: mean over all runs. "
                  "Higher is likelier. The M8-weighted acceptance and model probabilities multiply each accepted run "
                  "by exp(this log-likelihood).</p>")
        ev.append(_table(m8_display(c._m8_cache)))
    elif m8_none:
        ev.append("<p>No M8 evidence: every log-likelihood of NATO's recorded decisions is 0 in this folder, so no "
                  "recorded decision was replayed in its runs to be scored (where NATO decides by its own vote, "
                  "the decisions it took are scored in model recovery above).</p>")
    else:
        ev.append("<p>No M8 evidence (no m8_ll_* columns in the reference table).</p>")
    sections.append(("The West's decisions as evidence (M8)", ev))

    if c.membership is not None and len(c.membership):
        sections.append(("Checks the features do not make: NATO's membership and Russia's force before 2014",
                         [membership_table(c)]))
    lo = [fig_lopo(c)] if c.lopo is not None else ["<p>No leave-one-pattern-out table in this folder.</p>"]
    sections.append(("Leave one pattern out", lo))
    if c.sensitivity is not None:
        s = c.sensitivity.copy()
        for col in ("rate", "lo", "hi"):
            if col in s:
                s[col] = s[col].map(pct)
        sections.append(("Prior sensitivity (narrower and wider priors)", [_table(s)]))
    if c.heldout is not None:
        sections.append(("Held out 2014–2025 (pre-registered)", [heldout_table(c)]))
    else:
        sections.append(("Held out 2014–2025 (pre-registered)", ["<p>Not scored yet (no heldout.csv).</p>"]))
    return _page(c.dir / REPORT, "Calibration of the four worlds: " + str(c.manifest.get("name", c.dir.name)),
                 _intro(c), sections)


def _page(path: Path, title: str, intro: str, sections: list[tuple[str, list]]) -> Path:
    """A self-contained page: plotly.js embedded once in the head (so figures inside HTML blocks, such as the
    side-by-side recovery matrix and model probabilities, render wherever they stand); written atomically."""
    import plotly.offline

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS}h3{{font-size:15px}}details{{margin:.5em 0}}div.world{{margin:1em 0}}"
             "div.world p{margin:.3em 0}div.world p+p{margin-left:1.5em}</style>"
             f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head><body>"
             f"<h1>{html.escape(title)}</h1>{intro}"]
    for heading, items in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for item in items:
            parts.append(item.to_html(full_html=False, include_plotlyjs=False) if isinstance(item, go.Figure)
                         else item)
    parts.append("</body></html>")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["Calibration", "m8_table", "pct", "predictive", "shifts", "world_paragraph", "world_paragraphs",
           "write_report"]
