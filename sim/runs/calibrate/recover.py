"""Model recovery (docs/theory.md §7, "Check the method first"): the calibration run against synthetic
records whose truth is known, from the reference table alone (no new simulation).

For each world (the null model included) ``per_world`` runs are drawn from its rows of the reference table
(seeded; draw and seed of the run recorded). Each run's features are treated as the record: the features
that the historical record gives a value (:mod:`sim.runs.calibrate.abc`'s record file) take the run's
values, with the record's tolerances — the same acceptance rule as for the record, never widened. Every
world's runs are then accepted or not against it, the synthetic run itself left out (``exclude="run"``; or
every run of its parameter draw, ``exclude="draw"``, so that no run in the reference set shares the truth's
parameters, as on the record).

Per synthetic record: each world's acceptance rate; the world inferred by the highest rate (ties split
evenly; when no run of any world is accepted the record is *undecided*: an even split over the worlds, and
reported); the ABC model probabilities with equal prior over worlds (rates normalised), and the same with
accepted runs weighted by exp(M8 log-likelihood of NATO's recorded decisions) when the table has it (agent
worlds only: the null has no M8). Per world: the confusion matrix (true × inferred, as win shares and as
mean model probabilities) and parameter recovery on the true world's posterior (its accepted runs, each
draw weighted by its accepted seeds): correlation of the posterior mean with the truth, coverage of the
central 50 % and 90 % posterior intervals and the rank histogram of simulation-based calibration (the
posterior CDF at the truth, randomised at ties: uniform when the posterior is calibrated; Talts et al. 2018).

A caveat the report states: the M8 weight scores the record's decisions, which every run of the table replays
(scripted); in recovery it therefore carries no information about the synthetic record's true world.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

NULL_WORLD = "null"
MIN_POSTERIOR = 5  # accepted runs of the true world needed for parameter recovery (else reported as too few)
SBC_BINS = 5       # rank histogram bins (25 records: five expected per bin)
M8_COLUMN = "m8_ll_own"


@dataclass
class Recovery:
    """The results of model recovery: one row per synthetic record, the confusion matrix (long: true,
    inferred), parameter recovery per (world, parameter), and what was asked."""

    records: pd.DataFrame
    confusion: pd.DataFrame
    parameters: pd.DataFrame
    worlds: tuple[str, ...]
    settings: dict = field(default_factory=dict)


# --- the acceptance rule (one rule: sim.runs.calibrate.abc) ----------------------------------------------------

def record_rule(record: pd.DataFrame) -> pd.DataFrame:
    """The features the record gives a value, with their tolerances (``feature, tolerance``)."""
    r = record[np.isfinite(record["value"].astype(float))]
    return r[["feature", "tolerance"]].reset_index(drop=True)


def _acceptor(table: pd.DataFrame, rule: pd.DataFrame, accept=None):
    """A function ``values [F] -> accepted [M]`` for the table's runs. Features with tolerance 0 must equal
    the record's value (patterns: 0/1), a pre-filter by a key of those features; the rest are checked on the
    candidates by ``accept`` (``abc.accepted`` by default), the one implementation of the rule."""
    if accept is None:
        accept = _abc_accept()
    feats = list(rule["feature"])
    tol = rule["tolerance"].to_numpy(dtype=float)
    exact = [f for f, t in zip(feats, tol) if t == 0]
    X = table[exact].to_numpy()
    keys, inverse = np.unique(X, axis=0, return_inverse=True) if len(exact) else (np.zeros((1, 0)), np.zeros(len(table), int))
    inverse = np.asarray(inverse).reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
    sub = table[feats]
    exact_idx = [feats.index(f) for f in exact]

    def run(values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(table), dtype=bool)
        if len(exact):
            hit = np.flatnonzero((keys == np.asarray(values)[exact_idx]).all(axis=1))
            if not len(hit):
                return out
            rows = order[bounds[hit[0]]:bounds[hit[0] + 1]]
        else:
            rows = np.arange(len(table))
        rec = pd.DataFrame({"feature": feats, "value": np.asarray(values, dtype=float), "tolerance": tol})
        out[rows] = np.asarray(accept(sub.iloc[rows], rec), dtype=bool)
        return out

    return run


def _abc_accept():
    """``abc.accepted(features, record)`` (the calibration's rule), or the rule of the design written out
    when abc.py is not there: a run is accepted iff every feature with a record value lies within its
    tolerance."""
    try:
        from sim.runs.calibrate.abc import accepted  # noqa: F401

        return accepted
    except ImportError:
        return within_tolerance


def within_tolerance(features: pd.DataFrame, record: pd.DataFrame) -> np.ndarray:
    """|feature − value| <= tolerance for every feature the record gives a value (NaN features fail)."""
    r = record[np.isfinite(record["value"].astype(float))]
    X = features[list(r["feature"])].to_numpy(dtype=float)
    return (np.abs(X - r["value"].to_numpy(float)) <= r["tolerance"].to_numpy(float)).all(axis=1)


# --- synthetic records -----------------------------------------------------------------------------------------

def synthetic_records(table: pd.DataFrame, per_world: int, seed: int, worlds=None) -> pd.DataFrame:
    """``per_world`` distinct runs of each world (fewer if it has fewer), chosen by a generator seeded by
    (seed, CRC32 of the world's name): the same choice whatever the other worlds. Columns: world, draw, seed,
    row (index into ``table``)."""
    worlds = list(dict.fromkeys(table["world"])) if worlds is None else list(worlds)
    parts = []
    for w in worlds:
        rows = np.flatnonzero(table["world"].to_numpy() == w)
        rng = np.random.default_rng([int(seed), zlib.crc32(str(w).encode())])
        pick = np.sort(rng.choice(rows, size=min(per_world, len(rows)), replace=False))
        parts.append(pd.DataFrame({"world": w, "draw": table["draw"].to_numpy()[pick],
                                   "seed": table["seed"].to_numpy()[pick], "row": pick}))
    return pd.concat(parts, ignore_index=True)


# --- recovery ----------------------------------------------------------------------------------------------------

def _family(world: str) -> str:
    """Worlds sharing one table of draws (paired): every agent world; the null has its own."""
    return NULL_WORLD if world == NULL_WORLD else "agents"


def _split_max(x: np.ndarray) -> np.ndarray:
    """Shares of the maximum: 1/k for each of the k entries equal to the maximum, 0 elsewhere."""
    top = x == np.max(x)
    return top / top.sum()


def _pit(theta: np.ndarray, weight: np.ndarray, truth: float, u: float) -> float:
    """The posterior CDF at the truth, randomised at ties: P(θ < θ*) + u·P(θ = θ*)."""
    w = weight / weight.sum()
    return float(w[theta < truth].sum() + u * w[theta == truth].sum())


def recover(table: pd.DataFrame, draws, record: pd.DataFrame, per_world: int = 25, seed: int = 0,
            exclude: str = "run", min_posterior: int = MIN_POSTERIOR, bins: int = SBC_BINS, accept=None,
            worlds=None) -> Recovery:
    """Model recovery on a reference table.

    ``table``: one row per run (world, draw, seed, features..., optionally ``m8_ll_own``); ``draws``: the
    parameter vectors (``draw`` and one column per free parameter), one DataFrame for every world or a dict
    world -> DataFrame (the null's own); ``record``: the record's features (feature, value, tolerance).
    """
    if exclude not in ("run", "draw"):
        raise ValueError(f"exclude must be 'run' or 'draw', not {exclude!r}")
    table = table.reset_index(drop=True)
    worlds = tuple(dict.fromkeys(table["world"])) if worlds is None else tuple(worlds)
    rule = record_rule(record)
    feats = list(rule["feature"])
    missing = [f for f in feats if f not in table]
    if missing:
        raise ValueError(f"the reference table has no feature {', '.join(missing)}")
    acceptor = _acceptor(table, rule, accept)
    wcode = pd.Categorical(table["world"], categories=list(worlds)).codes
    n_world = np.bincount(wcode[wcode >= 0], minlength=len(worlds)).astype(float)
    fam = np.array([_family(w) for w in worlds])
    draw_col = table["draw"].to_numpy()
    has_m8 = M8_COLUMN in table and np.isfinite(table[M8_COLUMN].to_numpy(dtype=float)).any()
    ll = table[M8_COLUMN].to_numpy(dtype=float) if has_m8 else None
    agent = np.array([w != NULL_WORLD for w in worlds])
    params = {w: (draws[w] if isinstance(draws, dict) else draws).set_index("draw") for w in worlds}

    syn = synthetic_records(table, per_world, seed, worlds)
    values = table[feats].to_numpy()
    rows, post = [], []
    rng = np.random.default_rng([int(seed), 0x5BC])
    for i, rec in syn.iterrows():
        w_true, r = rec["world"], int(rec["row"])
        acc = acceptor(values[r])
        out = np.zeros(len(table), dtype=bool)
        if exclude == "run":
            out[r] = True
        else:  # every run of its draw in the worlds that share its draws
            out = (draw_col == rec["draw"]) & np.isin(table["world"].to_numpy(), list(np.array(worlds)[fam == _family(w_true)]))
        acc &= ~out
        n = n_world - np.bincount(wcode[out & (wcode >= 0)], minlength=len(worlds))
        k = np.bincount(wcode[acc & (wcode >= 0)], minlength=len(worlds)).astype(float)
        rate = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
        undecided = k.sum() == 0
        win = np.full(len(worlds), 1.0 / len(worlds)) if undecided else _split_max(rate)
        prob = np.full(len(worlds), 1.0 / len(worlds)) if undecided else rate / rate.sum()
        row = {"true_world": w_true, "draw": rec["draw"], "seed": rec["seed"], "accepted_total": int(k.sum()),
               "undecided": bool(undecided),
               "inferred": "|".join(np.array(worlds)[win > 0]) if not undecided else "",
               "true_wins": float(win[worlds.index(w_true)])}
        for j, w in enumerate(worlds):
            row[f"accepted_{w}"] = int(k[j])
            row[f"runs_{w}"] = int(n[j])
            row[f"rate_{w}"] = rate[j]
            row[f"win_{w}"] = win[j]
            row[f"prob_{w}"] = prob[j]
        if has_m8:
            m = np.zeros(len(worlds))
            sel = acc & np.isfinite(ll)
            if sel.any():
                top = ll[sel].max()
                m = np.bincount(wcode[sel], weights=np.exp(ll[sel] - top), minlength=len(worlds)) / np.maximum(n, 1)
            m = np.where(agent, m, np.nan)
            s = np.nansum(m)
            for j, w in enumerate(worlds):
                row[f"prob_m8_{w}"] = m[j] / s if s > 0 and agent[j] else np.nan
        rows.append(row)
        # the true world's posterior: accepted runs of it, each one weight (a draw: its accepted seeds)
        mine = acc & (wcode == worlds.index(w_true))
        pt = params[w_true]
        truth = pt.loc[rec["draw"]]
        if mine.sum() >= min_posterior:
            th = pt.loc[draw_col[mine]].to_numpy(dtype=float)
            wt = np.ones(len(th))
            mean = th.mean(axis=0)
            u = rng.random(th.shape[1])
            pit = [_pit(th[:, c], wt, float(truth.iloc[c]), u[c]) for c in range(th.shape[1])]
        else:
            mean = np.full(len(pt.columns), np.nan)
            pit = [np.nan] * len(pt.columns)
        post.append(pd.DataFrame({"record": i, "world": w_true, "parameter": pt.columns, "truth": truth.to_numpy(float),
                                  "posterior_mean": mean, "pit": pit, "posterior_runs": int(mine.sum())}))
    records = pd.DataFrame(rows)
    confusion = _confusion(records, worlds, has_m8)
    parameters = _parameter_recovery(pd.concat(post, ignore_index=True), worlds, bins)
    settings = {"per_world": per_world, "seed": seed, "exclude": exclude, "min_posterior": min_posterior,
                "bins": bins, "features": feats, "tolerances": list(rule["tolerance"]), "m8": bool(has_m8)}
    return Recovery(records, confusion, parameters, worlds, settings)


def _confusion(records: pd.DataFrame, worlds, has_m8: bool) -> pd.DataFrame:
    rows = []
    for t in worlds:
        g = records[records["true_world"] == t]
        for w in worlds:
            row = {"true_world": t, "inferred_world": w, "records": len(g),
                   "undecided": int(g["undecided"].sum()),
                   "win_share": float(g[f"win_{w}"].mean()) if len(g) else np.nan,
                   "probability": float(g[f"prob_{w}"].mean()) if len(g) else np.nan}
            if has_m8:
                row["probability_m8"] = float(g[f"prob_m8_{w}"].mean()) if len(g) else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def _parameter_recovery(post: pd.DataFrame, worlds, bins: int) -> pd.DataFrame:
    rows = []
    for (w, p), g in post.groupby(["world", "parameter"], sort=False):
        ok = g[np.isfinite(g["pit"])]
        n = len(ok)
        row = {"world": w, "parameter": p, "records": len(g), "with_posterior": n,
               "too_few_accepted": len(g) - n}
        if n >= 3 and ok["truth"].std() > 0 and ok["posterior_mean"].std() > 0:
            row["correlation"] = float(np.corrcoef(ok["truth"], ok["posterior_mean"])[0, 1])
        else:
            row["correlation"] = np.nan
        pit = ok["pit"].to_numpy()
        row["coverage_50"] = float(np.mean(np.abs(pit - 0.5) <= 0.25)) if n else np.nan
        row["coverage_90"] = float(np.mean(np.abs(pit - 0.5) <= 0.45)) if n else np.nan
        counts = np.histogram(pit, bins=bins, range=(0.0, 1.0))[0] if n else np.zeros(bins, int)
        for b in range(bins):
            row[f"sbc_{b}"] = int(counts[b])
        rows.append(row)
    out = pd.DataFrame(rows)
    rank = {w: i for i, w in enumerate(worlds)}
    return out.sort_values("world", key=lambda c: c.map(rank), kind="stable").reset_index(drop=True)


# --- output ---------------------------------------------------------------------------------------------------

def write_recovery(rec: Recovery, out_dir) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rec.records.to_csv(out / "recovery.csv", index=False)
    rec.confusion.to_csv(out / "confusion.csv", index=False)
    rec.parameters.to_csv(out / "parameter_recovery.csv", index=False)
    return out


def format_recovery(rec: Recovery) -> str:
    worlds = list(rec.worlds)
    s = rec.settings
    short = {w: w[:16] for w in worlds}
    lines = [f"Model recovery: {s['per_world']} synthetic records per world from the reference table (seed {s['seed']}; "
             f"excluded from each record's reference set: its {'run' if s['exclude'] == 'run' else 'draw'}); the "
             f"record's acceptance rule on {len(s['features'])} features, tolerances unchanged.", ""]
    conf = rec.confusion
    for col, title in (("win_share", "inferred by the highest acceptance rate (share of records; ties split evenly)"),
                       ("probability", "mean ABC model probability (equal prior over worlds)")) + (
            (("probability_m8", "mean ABC model probability, accepted runs weighted by M8 (agent worlds; see caveat)"),)
            if "probability_m8" in conf else ()):
        lines.append(f"true world (rows) x {title}")
        head = f"{'':18s}" + "".join(f"{short[w]:>17s}" for w in worlds) + f"{'records':>9s}{'undecided':>10s}"
        lines += [head, "-" * len(head)]
        for t in worlds:
            g = conf[conf["true_world"] == t].set_index("inferred_world")
            cells = "".join(f"{g.loc[w, col]:>17.2f}" if np.isfinite(g.loc[w, col]) else f"{'-':>17s}" for w in worlds)
            lines.append(f"{short[t]:18s}{cells}{int(g['records'].iloc[0]):>9d}{int(g['undecided'].iloc[0]):>10d}")
        lines.append("")
    diag = {t: float(conf[(conf.true_world == t) & (conf.inferred_world == t)]["win_share"].iloc[0]) for t in worlds}
    lines.append("share of records whose true world wins: " + ", ".join(f"{t} {v:.2f}" for t, v in diag.items())
                 + f" (chance {1 / len(worlds):.2f})")
    und = int(rec.records["undecided"].sum())
    if und:
        lines.append(f"{und} of {len(rec.records)} synthetic records accepted no run of any world (undecided: counted "
                     "as an even split; tolerances are not widened)")
    lines.append("")
    pr = rec.parameters
    lines.append(f"parameter recovery on the true world's posterior (records with >= {s['min_posterior']} accepted runs): "
                 "median correlation of posterior mean with truth; coverage of the central 50 % / 90 % intervals "
                 "(nominal 0.50 / 0.90); SBC rank histogram summed over parameters")
    head = f"{'world':18s}{'params':>7s}{'records':>9s}{'too few':>8s}{'median r':>9s}{'cov50':>7s}{'cov90':>7s}  sbc"
    lines += [head, "-" * len(head)]
    for w in worlds:
        g = pr[pr["world"] == w]
        if not len(g):
            continue
        sbc = g[[c for c in g.columns if c.startswith("sbc_")]].sum().to_numpy()
        lines.append(f"{short[w]:18s}{len(g):>7d}{int(g['records'].max()):>9d}{int(g['too_few_accepted'].max()):>8d}"
                     f"{np.nanmedian(g['correlation']) if g['correlation'].notna().any() else np.nan:>9.2f}"
                     f"{g['coverage_50'].mean():>7.2f}{g['coverage_90'].mean():>7.2f}  {' '.join(map(str, sbc))}")
    if s.get("m8"):
        lines += ["", "Caveat: every run of the reference table replays the record's NATO decisions (scripted), so the "
                  "M8 weight scores the same decisions whatever the synthetic record's world: in recovery it cannot "
                  "test whether the West's type is identifiable."]
    return "\n".join(lines)
