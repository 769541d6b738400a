"""Rejection ABC over a reference table: acceptance, paired differences, posteriors, model probabilities.

Pure functions over a reference table (:mod:`sim.runs.calibrate.reference`: ``world, draw, seed``, the training
features, the M8 columns) and a *record* (a frame ``feature, value, tolerance, source``): the historical
record of ``sim/data/record_features_1992_2013.csv`` (:func:`load_record`), or a synthetic one made from a run
(:func:`record_from_run`, for model recovery). Nothing here simulates.

**The rule, one for every model** (docs/theory.md §7): a run is accepted iff every feature with a record
value lies within its tolerance, ``|x − value| ≤ tolerance`` (:func:`accept`). For the record: every
training pattern holds (value 1, tolerance 0) and Russia's burden means are SIPRI's (tolerance
``sim.runs.score.BURDEN_TOLERANCE``); tension levels and event counts carry no record value and are not used.
Tolerances are fixed in the record file before any comparison and are never widened per world.

Outputs, per world: the acceptance rate over draws × seeds with a Wilson interval (:func:`acceptance`; runs of
one draw share their parameters, so the interval over runs is narrower than the one over draws — the
standard error over draws is reported beside it); each draw's accepted share (:func:`draw_shares`; with S
seeds its standard error is at most sqrt(0.25 / S), 0.11 for 20 seeds); paired differences between worlds on
the same draws (:func:`paired_differences`, bootstrap over draws); the posterior (:func:`posterior`: accepted
draws weighted by their accepted seeds, or by accepted seeds × exp(M8 log-likelihood of NATO's recorded
decisions)) and its marginals (:func:`marginals`); ABC model probabilities with an equal prior over worlds
(:func:`model_probabilities`; to be shown only beside the model-recovery check, Robert et al. 2011);
leave-one-pattern-out (:func:`leave_one_out`); the graded table when nothing passes (:func:`graded`); the
prior/posterior predictive check per feature (:func:`predictive_check`); the M8 evidence on its own
(:func:`m8_evidence`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpiralError
from sim.runs.score import FEATURES

NULL_WORLD = "null"
RECORD = Path(__file__).resolve().parents[2] / "data" / "record_features_1992_2013.csv"
RECORD_COLUMNS = ("feature", "value", "tolerance", "source")
ATOL = 1e-6  # features are stored as float32: |x - value| <= tolerance up to float32 rounding of x
Z95 = 1.959963984540054


class RecordError(SpiralError, ValueError):
    """A record file or frame is malformed (one line)."""


# ----------------------------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------------------------


def load_record(path=RECORD) -> pd.DataFrame:
    """The record's features: ``feature, value, tolerance, source`` (value NaN: no record value, not used)."""
    try:
        rec = pd.read_csv(path, dtype={"feature": str, "source": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise RecordError(f"{path}: cannot read the record: {exc}") from None
    return check_record(rec, str(path))


def check_record(rec: pd.DataFrame, where: str = "record") -> pd.DataFrame:
    missing = [c for c in RECORD_COLUMNS[:3] if c not in rec]
    if missing:
        raise RecordError(f"{where}: no column {missing[0]!r} (a record has {', '.join(RECORD_COLUMNS)})")
    unknown = [f for f in rec["feature"] if f not in FEATURES]
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], FEATURES, n=1)
        raise RecordError(f"{where}: unknown feature {unknown[0]!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    if rec["feature"].duplicated().any():
        raise RecordError(f"{where}: feature {rec['feature'][rec['feature'].duplicated()].iloc[0]!r} is listed twice")
    used = rec["value"].notna()
    if (rec.loc[used, "tolerance"].isna() | (rec.loc[used, "tolerance"] < 0)).any():
        raise RecordError(f"{where}: every feature with a value needs a tolerance >= 0")
    out = rec.copy()
    if "source" not in out:
        out["source"] = ""
    return out.reset_index(drop=True)


def used_features(record: pd.DataFrame) -> list[str]:
    """The features the rule reads: those with a record value, in the record's order."""
    return [f for f, v in zip(record["feature"], record["value"]) if pd.notna(v)]


def pattern_of(feature: str) -> str:
    """The training pattern a feature belongs to (for leave-one-pattern-out and the graded table): a pattern
    feature is its own; Russia's burden means belong to pattern 11 (burden means); others to themselves."""
    if feature.startswith("russia_burden_"):
        return "11_burden_means"
    return feature[len("pattern_"):] if feature.startswith("pattern_") else feature


def record_from_run(row, like: pd.DataFrame | None = None) -> pd.DataFrame:
    """A synthetic record from one run (a row of the reference table, a Series or a dict): the same
    features and tolerances as ``like`` (default: the historical record), each value the run's own. Used
    by model recovery: the same rule, applied to a history whose world is known."""
    like = load_record() if like is None else like
    rec = like.copy()
    use = rec["value"].notna()
    rec.loc[use, "value"] = [float(row[f]) for f in rec.loc[use, "feature"]]
    rec["source"] = "synthetic: a run of the reference table"
    return rec


# ----------------------------------------------------------------------------------------------------------
# The rule
# ----------------------------------------------------------------------------------------------------------


def within(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None) -> pd.DataFrame:
    """Per run and used feature: is the run's value within the tolerance of the record's (bool frame; NaN
    features fail). ``tolerance``: optional overrides feature -> tolerance (applied to every world)."""
    tol = dict(zip(record["feature"], record["tolerance"]))
    tol.update(tolerance or {})
    out = {}
    for f, v in zip(record["feature"], record["value"]):
        if pd.isna(v):
            continue
        x = table[f].to_numpy(dtype=np.float64)
        out[f] = np.abs(x - float(v)) <= float(tol[f]) + ATOL
    return pd.DataFrame(out, index=table.index)


def accept(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None, drop=()) -> np.ndarray:
    """``[runs]`` bool: every used feature (not in ``drop``; a pattern id in ``drop`` drops all its
    features, see :func:`pattern_of`) is within its tolerance."""
    ok = within(table, record, tolerance)
    drop = set(drop)
    keep = [f for f in ok.columns if f not in drop and pattern_of(f) not in drop]
    return ok[keep].to_numpy().all(axis=1) if keep else np.ones(len(table), dtype=bool)


# ----------------------------------------------------------------------------------------------------------
# Acceptance
# ----------------------------------------------------------------------------------------------------------


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (arrays or numbers): (low, high)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1 + z * z / n
        mid = (p + z * z / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def _worlds(table: pd.DataFrame) -> list[str]:
    """The worlds of a table, in their order of appearance."""
    return [str(w) for w in pd.unique(table["world"])]


def draw_shares(table: pd.DataFrame, accepted) -> pd.DataFrame:
    """Per world and draw: ``seeds``, ``accepted`` (seeds accepted) and ``share``."""
    df = pd.DataFrame({"world": table["world"].to_numpy(), "draw": table["draw"].to_numpy(),
                       "a": np.asarray(accepted, dtype=np.int64)})
    g = df.groupby(["world", "draw"], sort=False)["a"].agg(["size", "sum"]).reset_index()
    g.columns = ["world", "draw", "seeds", "accepted"]
    g["share"] = g["accepted"] / g["seeds"]
    return g


def acceptance(table: pd.DataFrame, accepted, z: float = Z95) -> pd.DataFrame:
    """Per world: ``runs``, ``accepted``, ``rate`` with its Wilson interval ``lo``/``hi`` (over runs),
    ``se_draws`` (the standard error of the rate over draws: runs of one draw are not independent),
    ``draws``, ``seeds`` (per draw), ``draws_accepted`` (draws with at least one accepted seed), its share,
    and ``draw_share_se_max`` = sqrt(0.25 / seeds), the bound on the error of one draw's accepted share."""
    ds = draw_shares(table, accepted)
    rows = []
    for w in _worlds(table):
        g = ds[ds["world"] == w]
        n, k = int(g["seeds"].sum()), int(g["accepted"].sum())
        lo, hi = wilson(k, n, z)
        D = len(g)
        seeds = int(g["seeds"].max()) if D else 0
        se = float(g["share"].std(ddof=1) / np.sqrt(D)) if D > 1 else np.nan
        rows.append({"world": w, "runs": n, "accepted": k, "rate": k / n if n else np.nan, "lo": float(lo),
                     "hi": float(hi), "se_draws": se, "draws": D, "seeds": seeds,
                     "draws_accepted": int((g["accepted"] > 0).sum()),
                     "share_draws_accepted": float((g["accepted"] > 0).mean()) if D else np.nan,
                     "draw_share_se_max": float(np.sqrt(0.25 / seeds)) if seeds else np.nan})
    return pd.DataFrame(rows)


def _boot_means(x: np.ndarray, idx_blocks) -> np.ndarray:
    return np.concatenate([x[idx].mean(axis=1) for idx in idx_blocks])


def paired_differences(table: pd.DataFrame, accepted, n_boot: int = 2000, seed: int = 0,
                       level: float = 0.95) -> pd.DataFrame:
    """Per pair of worlds (a, b): ``mean``, the mean over draws of (a's accepted share − b's) on the SAME draws
    (``paired`` True: the agent worlds share their draws), with a percentile bootstrap interval over draws
    (``lo``, ``hi``), and the share of draws where a does better / worse. A pair with the null model (its own draws) is
    unpaired: the difference of the mean shares, each bootstrapped on its own draws (``paired`` False)."""
    ds = draw_shares(table, accepted)
    worlds = _worlds(table)
    share = {w: ds[ds["world"] == w].set_index("draw")["share"].sort_index() for w in worlds}
    alpha = (1 - level) / 2
    rows = []
    cache: dict[int, list] = {}

    def blocks(D: int, key: int) -> list:
        if (D, key) not in cache:
            r = np.random.default_rng([seed, D, key])
            step = max(1, min(n_boot, 2_000_000 // max(D, 1)))
            cache[(D, key)] = [r.integers(0, D, size=(min(step, n_boot - i), D)) for i in range(0, n_boot, step)]
        return cache[(D, key)]

    for i, a in enumerate(worlds):
        for b in worlds[i + 1:]:
            sa, sb = share[a], share[b]
            paired = a != NULL_WORLD and b != NULL_WORLD
            if paired:
                common = sa.index.intersection(sb.index)
                d = sa.loc[common].to_numpy() - sb.loc[common].to_numpy()
                D = len(d)
                boot = _boot_means(d, blocks(D, 0)) if D else np.array([np.nan])
                mean = float(d.mean()) if D else np.nan
                better, worse = (float((d > 0).mean()), float((d < 0).mean())) if D else (np.nan, np.nan)
            else:
                xa, xb = sa.to_numpy(), sb.to_numpy()
                D = min(len(xa), len(xb))
                boot = _boot_means(xa, blocks(len(xa), 1 + i)) - _boot_means(xb, blocks(len(xb), 101 + i))
                mean = float(xa.mean() - xb.mean())
                better = worse = np.nan
            rows.append({"world_a": a, "world_b": b, "paired": paired, "draws": D, "mean": mean,
                         "lo": float(np.quantile(boot, alpha)), "hi": float(np.quantile(boot, 1 - alpha)),
                         "share_a_better": better, "share_b_better": worse})
    return pd.DataFrame(rows)


def switch_effects(table: pd.DataFrame, accepted, record: pd.DataFrame, n_boot: int = 2000, seed: int = 0,
                   level: float = 0.95) -> pd.DataFrame:
    """Seed 000's claims and the M10 modules, as switches crossed with the worlds (:func:`sim.worlds.split_model`):
    for every model ``world+switch`` whose plain ``world`` is in the table, the paired effect of turning the
    switch on — on the SAME draws and seeds — on the accepted share (``d_accept``, mean over draws of the
    difference of accepted shares) and on the number of the record's patterns matched (``d_patterns``, mean
    over runs), each with a percentile bootstrap interval over draws; and per switch the same pooled over the
    worlds (``world`` = ``all``: the mean of the worlds' paired differences, draw by draw). A negative effect
    means the record favours the worlds as they are (the claim, or the module's absence) over its rival.
    Columns ``switch, world, draws, d_accept, d_accept_lo, d_accept_hi, d_patterns, d_patterns_lo,
    d_patterns_hi, share_switch_better, share_plain_better``."""
    from sim.worlds import model_pairs

    pairs = model_pairs(_worlds(table))
    if not pairs:
        return pd.DataFrame()
    df = pd.DataFrame({"world": table["world"].to_numpy(), "draw": table["draw"].to_numpy(),
                       "seed": table["seed"].to_numpy(), "a": np.asarray(accepted, dtype=float),
                       "k": patterns_matched(table, record).astype(float)})
    by = df.set_index(["world", "draw", "seed"]).sort_index()
    alpha = (1 - level) / 2

    def per_draw(w):
        g = by.loc[w]
        return g.groupby(level="draw")[["a", "k"]].mean()

    cache = {w: per_draw(w) for w in dict.fromkeys(x for p in pairs for x in p[1:])}
    rows, pooled = [], {}
    for sw, base, model in pairs:
        a, b = cache[model], cache[base]
        common = a.index.intersection(b.index)
        d = (a.loc[common] - b.loc[common])
        pooled.setdefault(sw, []).append(d)
        rows.append(_effect_row(sw, base, d, n_boot, seed, alpha))
    for sw, ds in pooled.items():
        common = ds[0].index
        for d in ds[1:]:
            common = common.intersection(d.index)
        mean = sum(d.loc[common] for d in ds) / len(ds)
        rows.append(_effect_row(sw, "all", mean, n_boot, seed, alpha))
    return pd.DataFrame(rows)


def switch_pattern_effects(table: pd.DataFrame, record: pd.DataFrame) -> pd.DataFrame:
    """Which of the record's patterns a switch gains or loses: for every switch of the models ``world+switch``
    in the table (pooled over the worlds whose plain version is there, on the same draws and seeds), the
    share of runs in which each pattern holds without and with the switch, and the difference. Columns
    ``switch, pattern, plain, switched, difference``."""
    from sim.worlds import model_pairs

    pairs = model_pairs(_worlds(table))
    if not pairs:
        return pd.DataFrame()
    held = patterns_held(table, record)
    groups = list(held.columns)
    world = table["world"].to_numpy()
    rows = []
    for sw in dict.fromkeys(p[0] for p in pairs):
        plain = np.isin(world, [b for s_, b, _ in pairs if s_ == sw])
        switched = np.isin(world, [m for s_, _, m in pairs if s_ == sw])
        for g in groups:
            a, b = float(held[g].to_numpy()[plain].mean()), float(held[g].to_numpy()[switched].mean())
            rows.append({"switch": sw, "pattern": g, "plain": a, "switched": b, "difference": b - a})
    return pd.DataFrame(rows)


def _effect_row(sw, world, d: pd.DataFrame, n_boot, seed, alpha) -> dict:
    D = len(d)
    r = np.random.default_rng([seed, D, 7])
    idx = r.integers(0, D, size=(n_boot, D)) if D else None
    out = {"switch": sw, "world": world, "draws": D}
    for col, name in (("a", "d_accept"), ("k", "d_patterns")):
        x = d[col].to_numpy(dtype=float)
        boot = x[idx].mean(axis=1) if D else np.array([np.nan])
        out[name] = float(x.mean()) if D else np.nan
        out[f"{name}_lo"], out[f"{name}_hi"] = float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha))
    x = d["k"].to_numpy(dtype=float)
    out["share_switch_better"] = float((x > 0).mean()) if D else np.nan
    out["share_plain_better"] = float((x < 0).mean()) if D else np.nan
    return out


# ----------------------------------------------------------------------------------------------------------
# Posterior
# ----------------------------------------------------------------------------------------------------------


def _logsumexp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return -np.inf
    m = x.max()
    return float(m + np.log(np.exp(x - m).sum()))


def posterior(table: pd.DataFrame, accepted, draws=None, weight: str | None = None) -> pd.DataFrame:
    """The posterior of each world: its accepted draws with ``accepted`` (seeds accepted), ``log_m8``
    (log Σ over accepted seeds of exp(m8_ll_own), NaN for the null model) and ``weight`` normalised to 1 per
    world: accepted seeds (``weight=None``) or accepted seeds × exp(M8 log-likelihood of NATO's recorded
    decisions under the world) (``weight="m8"``; the null model, which has no M8 likelihood, keeps the
    unweighted weights). ``draws``: a draws table (``draw`` + parameters) to join, or a mapping world ->
    table (the null model's draws differ)."""
    if weight not in (None, "m8"):
        raise ValueError(f"weight is None or 'm8', not {weight!r}")
    acc = np.asarray(accepted, dtype=bool)
    t = table.loc[acc, ["world", "draw"]].copy()
    t["ll"] = table["m8_ll_own"].to_numpy(dtype=float)[acc] if "m8_ll_own" in table else np.nan
    g = t.groupby(["world", "draw"], sort=False)["ll"]
    post = g.size().rename("accepted").reset_index()
    top = g.transform("max")  # log Σ exp(ll) per (world, draw), vectorised (NaN where there is no M8 column)
    t["e"] = np.exp(t["ll"] - top)
    with np.errstate(divide="ignore"):
        post["log_m8"] = (g.max() + np.log(t.groupby(["world", "draw"], sort=False)["e"].sum(min_count=1))).to_numpy()
    post["draw"] = post["draw"].astype(np.int64)
    post = post.sort_values(["world", "draw"], key=lambda c: c.map({w: i for i, w in enumerate(_worlds(table))})
                            if c.name == "world" else c, kind="stable").reset_index(drop=True)
    post["weight"] = np.nan
    for w, g in post.groupby("world", sort=False):
        if weight == "m8" and g["log_m8"].notna().all():
            x = g["log_m8"].to_numpy()
            v = np.exp(x - x.max())
        else:
            v = g["accepted"].to_numpy(dtype=float)
        post.loc[g.index, "weight"] = v / v.sum()
    if draws is not None:
        parts = []
        for w, g in post.groupby("world", sort=False):
            dt = draws.get(w) if isinstance(draws, dict) else (None if w == NULL_WORLD else draws)
            parts.append(g.merge(dt, on="draw", how="left") if dt is not None else g)
        post = pd.concat(parts, ignore_index=True) if parts else post
    return post


def posterior_table(table: pd.DataFrame, accepted) -> pd.DataFrame:
    """``posterior.parquet``: per world and accepted draw, ``accepted``, ``weight`` (accepted seeds,
    normalised per world), ``weight_m8`` (accepted seeds × exp(M8 log-lik), normalised per world; NaN for
    the null model) and ``log_m8``."""
    a = posterior(table, accepted)
    b = posterior(table, accepted, weight="m8")
    a["weight_m8"] = np.where(a["world"] == NULL_WORLD, np.nan, b["weight"].to_numpy())
    return a[["world", "draw", "accepted", "weight", "weight_m8", "log_m8"]]


def _wquantile(x: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    c = np.cumsum(w) - 0.5 * w
    c /= w.sum()
    return np.interp(qs, c, x)


def marginals(post: pd.DataFrame, draws, parameters=None, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Per world and parameter: the prior's mean and s.d. (over all draws), the posterior's weighted mean,
    s.d. and quantiles (``q05`` …), and the effective number of draws (1 / Σ w²). ``post`` from
    :func:`posterior` (with or without the M8 weights); ``draws`` as there."""
    rows = []
    for w, g in post.groupby("world", sort=False):
        dt = draws.get(w) if isinstance(draws, dict) else (None if w == NULL_WORLD else draws)
        if dt is None or not len(g):
            continue
        names = [c for c in dt.columns if c != "draw" and (parameters is None or c in parameters)]
        x = dt.set_index("draw").loc[g["draw"].to_numpy(), names].to_numpy(dtype=float)
        wt = g["weight"].to_numpy(dtype=float)
        wt = wt / wt.sum()
        ess = 1.0 / np.sum(wt ** 2)
        prior = dt[names].to_numpy(dtype=float)
        for k, n in enumerate(names):
            m = float(np.sum(wt * x[:, k]))
            row = {"world": w, "parameter": n, "prior_mean": float(prior[:, k].mean()),
                   "prior_sd": float(prior[:, k].std()), "mean": m,
                   "sd": float(np.sqrt(max(np.sum(wt * (x[:, k] - m) ** 2), 0.0))), "draws": len(g), "ess": ess}
            for q, v in zip(quantiles, _wquantile(x[:, k], wt, quantiles)):
                row[f"q{int(round(q * 100)):02d}"] = float(v)
            rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# Model comparison and checks
# ----------------------------------------------------------------------------------------------------------


def model_probabilities(table: pd.DataFrame, accepted, weight: str | None = None) -> pd.DataFrame:
    """ABC model choice with an equal prior over the worlds in the table: per world the ``log_evidence``
    (log acceptance rate, or with ``weight="m8"`` log of the mean over its runs of accepted × exp(m8_ll_own))
    and ``probability`` (evidences normalised). With M8 weights the null model is left out (it has no M8
    likelihood: probability NaN). Show these only beside their calibration on model recovery (Robert et al.
    2011: ABC model choice on insufficient statistics can mislead)."""
    acc = np.asarray(accepted, dtype=bool)
    rows = []
    for w in _worlds(table):
        m = (table["world"] == w).to_numpy()
        n = int(m.sum())
        if weight == "m8":
            if w == NULL_WORLD or "m8_ll_own" not in table:
                rows.append({"world": w, "runs": n, "log_evidence": np.nan})
                continue
            ll = table["m8_ll_own"].to_numpy(dtype=float)[m & acc]
            rows.append({"world": w, "runs": n, "log_evidence": _logsumexp(ll) - np.log(n)})
        else:
            k = int(acc[m].sum())
            rows.append({"world": w, "runs": n, "log_evidence": np.log(k / n) if k else -np.inf})
    out = pd.DataFrame(rows)
    le = out["log_evidence"].to_numpy(dtype=float)
    ok = np.isfinite(le)
    p = np.full(len(out), np.nan)
    if ok.any():
        e = np.exp(le[ok] - le[ok].max())
        p[ok] = e / e.sum()
        valid = ~np.isnan(le)
        p[valid & ~ok] = 0.0
    out["probability"] = p
    out["weights"] = "acceptance x exp(M8 log-lik)" if weight == "m8" else "acceptance"
    return out


def leave_one_out(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None) -> pd.DataFrame:
    """Acceptance per world with all patterns (``dropped`` = "none") and with each pattern dropped in turn
    (its features: pattern 11 takes Russia's burden means with it). Long format: ``dropped, world,
    accepted, runs, rate``."""
    ok = within(table, record, tolerance)
    groups = list(dict.fromkeys(pattern_of(f) for f in ok.columns))
    world = table["world"].to_numpy()
    masks = {w: world == w for w in _worlds(table)}
    rows = []
    for drop in ["none"] + groups:
        keep = [f for f in ok.columns if pattern_of(f) != drop]
        a = ok[keep].to_numpy().all(axis=1) if keep else np.ones(len(table), bool)
        for w, m in masks.items():
            rows.append({"dropped": drop, "world": w, "accepted": int(a[m].sum()), "runs": int(m.sum()),
                         "rate": float(a[m].mean()) if m.any() else np.nan})
    return pd.DataFrame(rows)


# The fallback when no run of any model passes the full rule (declared before the study was run, from the pilot's
# finding that nothing passes; docs/calibration.md, "When nothing passes"): the graded rule at the strictest
# level the pooled table supports — a run is accepted if it matches the record on at least k* of its patterns,
# k* the largest k at which at least a share FALLBACK_SHARE of the runs of all models together pass (0.1 %: 1,000
# runs of the study's 1,000,000, the usual order of an ABC acceptance quantile). One k* for every model, never a
# tolerance per world; the manifest and acceptance.csv say which rule gave the posterior.
FALLBACK_SHARE = 0.001


def patterns_held(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None) -> pd.DataFrame:
    """Per run and pattern of the record: does it hold (all the pattern's features within tolerance;
    :func:`pattern_of`)? One bool column per pattern, in the record's order."""
    ok = within(table, record, tolerance)
    groups = list(dict.fromkeys(pattern_of(f) for f in ok.columns))
    return pd.DataFrame({g: ok[[f for f in ok.columns if pattern_of(f) == g]].to_numpy().all(axis=1) for g in groups},
                        index=range(len(table)))


def patterns_matched(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None) -> np.ndarray:
    """Per run: on how many of the record's patterns it matches (:func:`patterns_held`)."""
    return patterns_held(table, record, tolerance).to_numpy().sum(axis=1).astype(np.int64)


def fallback_accept(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None,
                    share: float = FALLBACK_SHARE) -> tuple[np.ndarray, int]:
    """``(accepted [runs], k*)``: the graded fallback rule (see FALLBACK_SHARE)."""
    count = patterns_matched(table, record, tolerance)
    min_accepted = max(1, int(np.ceil(share * len(table))))
    for k in range(int(count.max(initial=0)), 0, -1):
        acc = count >= k
        if acc.sum() >= min_accepted:
            return acc, k
    return count >= 0, 0


def graded(table: pd.DataFrame, record: pd.DataFrame, tolerance: dict | None = None) -> pd.DataFrame:
    """The graded table (reported whatever passes, and the answer when nothing does): per world and k, the
    share of runs that match the record on at least k of its patterns (a pattern matches when all its
    features are within tolerance; :func:`pattern_of`). Columns ``world, k, patterns, runs, share``."""
    ok = within(table, record, tolerance)
    groups = list(dict.fromkeys(pattern_of(f) for f in ok.columns))
    held = np.stack([ok[[f for f in ok.columns if pattern_of(f) == g]].to_numpy().all(axis=1) for g in groups],
                    axis=1) if groups else np.zeros((len(table), 0), bool)
    count = held.sum(axis=1)
    world = table["world"].to_numpy()
    rows = []
    for w in _worlds(table):
        m = world == w
        for k in range(len(groups), -1, -1):
            rows.append({"world": w, "k": k, "patterns": len(groups), "runs": int(m.sum()),
                         "share": float((count[m] >= k).mean()) if m.any() else np.nan})
    return pd.DataFrame(rows)


def predictive_check(table: pd.DataFrame, record: pd.DataFrame, accepted=None,
                     tolerance: dict | None = None) -> pd.DataFrame:
    """Per world and record feature: the prior predictive (all runs: ``prior_mean``, ``prior_within`` = share
    within tolerance) and, given ``accepted``, the posterior predictive of the accepted runs
    (``post_mean``, ``post_within``, ``post_runs``), beside the record's ``value`` and ``tolerance``."""
    ok = within(table, record, tolerance)
    acc = None if accepted is None else np.asarray(accepted, dtype=bool)
    rec = record.set_index("feature")
    world = table["world"].to_numpy()
    rows = []
    for w in _worlds(table):
        m = world == w
        for f in ok.columns:
            x = table[f].to_numpy(dtype=float)
            row = {"world": w, "feature": f, "value": float(rec.loc[f, "value"]),
                   "tolerance": float(rec.loc[f, "tolerance"]), "prior_mean": float(np.nanmean(x[m])),
                   "prior_within": float(ok[f].to_numpy()[m].mean())}
            if acc is not None:
                ma = m & acc
                row.update({"post_runs": int(ma.sum()),
                            "post_mean": float(np.nanmean(x[ma])) if ma.any() else np.nan,
                            "post_within": float(ok[f].to_numpy()[ma].mean()) if ma.any() else np.nan})
            rows.append(row)
    return pd.DataFrame(rows)


def m8_evidence(table: pd.DataFrame, accepted=None) -> pd.DataFrame:
    """The West's recorded decisions as evidence on their own, per world (agent worlds): the mean over runs of
    the log-likelihood under the world (``ll_own``) and under each leader type (``ll_S/R/G``), the log of
    the likelihood averaged over runs (``log_mean_own``: the world's marginal likelihood of NATO's decisions
    under its prior), and the log Bayes factors of R and G against S within the world. With ``accepted``,
    the same over the accepted runs (``post_*``)."""
    cols = {"ll_own": "m8_ll_own", "ll_S": "m8_ll_S", "ll_R": "m8_ll_R", "ll_G": "m8_ll_G"}
    acc = None if accepted is None else np.asarray(accepted, dtype=bool)
    rows = []
    for w in _worlds(table):
        if w == NULL_WORLD:
            continue
        m = (table["world"] == w).to_numpy()
        row = {"world": w, "runs": int(m.sum())}
        for prefix, mask in (("", m), ("post_", None if acc is None else m & acc)):
            if mask is None:
                continue
            n = int(mask.sum())
            for k, c in cols.items():
                row[prefix + k] = float(table[c].to_numpy(dtype=float)[mask].mean()) if n else np.nan
            lm = {k: (_logsumexp(table[c].to_numpy(dtype=float)[mask]) - np.log(n)) if n else np.nan
                  for k, c in cols.items()}
            row[prefix + "log_mean_own"] = lm["ll_own"]
            row[prefix + "ln_bf_R_S"] = lm["ll_R"] - lm["ll_S"]
            row[prefix + "ln_bf_G_S"] = lm["ll_G"] - lm["ll_S"]
            if prefix:
                row["post_runs"] = n
        rows.append(row)
    return pd.DataFrame(rows)


def the_rule(table: pd.DataFrame, record: pd.DataFrame) -> tuple[np.ndarray, str, int | None]:
    """The ONE acceptance rule of a calibration, with its declared fallback: ``(accepted, description, k*)``
    — every record feature within its tolerance; if no run of any model passes, the runs matching at least k*
    of the record's patterns, k* the strictest level at which :data:`FALLBACK_SHARE` of the runs of all
    models in ``table`` pass (:func:`fallback_accept`; ``k*`` None under the full rule)."""
    acc = accept(table, record)
    if acc.any():
        return acc, "full: every record feature within its tolerance", None
    acc, k_star = fallback_accept(table, record)
    return acc, (f"fallback (nothing passes the full rule): at least {k_star} of the record's patterns matched, the "
                 f"strictest level at which >= {FALLBACK_SHARE:.1%} of the runs of all models pass"), k_star


def prior_sensitivity(results: dict, models=None) -> pd.DataFrame:
    """The conclusions under several priors, side by side: ``results`` maps a label (e.g. "narrower") to
    ``(table, record)`` of a calibration run with that prior. Every table is cut to ``models`` (default: the
    models all of them hold) and judged by :func:`the_rule` on that cut — one rule, its fallback level found
    afresh among the same models — so the priors are compared on equal terms. Long format: ``prior, world,
    runs, accepted, rate, lo, hi, probability, rank, k_star, mean_patterns``."""
    if models is None:
        common = None
        for table, _ in results.values():
            ws = _worlds(table)
            common = ws if common is None else [w for w in common if w in ws]
        models = common or []
    parts = []
    for label, (table, record) in results.items():
        t = table[table["world"].isin(list(models))].reset_index(drop=True)
        acc, _, k_star = the_rule(t, record)
        a = acceptance(t, acc)[["world", "runs", "accepted", "rate", "lo", "hi"]]
        p = model_probabilities(t, acc).set_index("world")["probability"]
        a["probability"] = a["world"].map(p)
        a["rank"] = a["rate"].rank(ascending=False, method="min").astype(int)
        a["k_star"] = k_star
        k = patterns_matched(t, record)
        a["mean_patterns"] = a["world"].map(pd.Series(k).groupby(t["world"].to_numpy()).mean())
        a.insert(0, "prior", label)
        parts.append(a)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


__all__ = ["ATOL", "RECORD", "accept", "acceptance", "check_record", "draw_shares", "graded", "leave_one_out",
           "load_record", "m8_evidence", "marginals", "model_probabilities", "paired_differences", "pattern_of",
           "patterns_held", "posterior", "posterior_table", "predictive_check", "prior_sensitivity", "switch_effects",
           "switch_pattern_effects", "the_rule", "record_from_run",
           "used_features", "wilson", "within"]
