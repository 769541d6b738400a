"""Model recovery (docs/theory.md §7, "Check the method first"): the calibration run against synthetic
records whose truth is known, from the reference table alone (no new simulation).

For each world (the null model included) ``per_world`` runs are drawn from its rows of the reference table
(seeded; draw and seed of the run recorded). Each run's features are treated as the record: the features
that the historical record gives a value (:mod:`sim.runs.calibrate.abc`'s record file) take the run's
values, with the record's tolerances — the same acceptance rule as for the record, never widened. Every
world's runs are then accepted or not against it, the synthetic run itself left out — and with it its twins,
the runs of the same (draw, seed) in the other worlds that share the draws and seeds (paired: they share its
parameters and random numbers, so a twin in a world that is nearly the same is a near-copy of the record that
only the other worlds would keep; leaving out the run alone biases recovery against the true world). With
``exclude="draw"`` every run of its parameter draw is left out in those worlds, so that no run of the
reference set shares the truth's parameters, as on the record.

Per synthetic record: each world's acceptance rate; the world inferred by the highest rate (ties split
evenly; when no run of any world is accepted the record is *undecided*: an even split over the worlds, and
reported); the ABC model probabilities with equal prior over worlds (rates normalised), and the same with
accepted runs weighted by exp(M8 log-likelihood of NATO's recorded decisions) when the table has it (agent
worlds only: the null has no M8; no accepted agent run: an even split over them). Per world: the confusion matrix (true × inferred, as win shares and as
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

from sim.errors import SpiralError
from sim.runs.calibrate import abc
from sim.runs.calibrate.reference import M8_VOTE_COLUMNS

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

def _acceptor(table: pd.DataFrame, record: pd.DataFrame, accept=None):
    """A function ``run row -> accepted [M]``: the synthetic record of that run
    (:func:`sim.runs.calibrate.abc.record_from_run`: the record's features and tolerances, the run's values)
    and the table's runs accepted by ``accept`` (:func:`sim.runs.calibrate.abc.accept`, the one rule). For
    speed the runs are first narrowed to those equal to the record on its integer-valued features of
    tolerance 0 (the patterns, 0/1): a run differing there by 1 or more fails the rule anyway."""
    accept = abc.accept if accept is None else accept
    feats = abc.used_features(record)
    tol = dict(zip(record["feature"], record["tolerance"]))
    exact = [f for f in feats if float(tol[f]) == 0.0]
    X = table[exact].to_numpy(dtype=np.float64)
    if not np.array_equal(X, np.round(X)):  # not integer-valued: no narrowing, the rule alone decides
        exact, X = [], X[:, :0]
    if exact:
        keys, inverse = np.unique(X, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
    sub = table[feats]

    def run(row: pd.Series) -> np.ndarray:
        rec = abc.record_from_run(row, like=record)
        out = np.zeros(len(table), dtype=bool)
        if exact:
            hit = np.flatnonzero((keys == row[exact].to_numpy(dtype=np.float64)).all(axis=1))
            if not len(hit):
                return out
            rows = order[bounds[hit[0]]:bounds[hit[0] + 1]]
        else:
            rows = np.arange(len(table))
        out[rows] = np.asarray(accept(sub.iloc[rows], rec), dtype=bool)
        return out

    return run, feats


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
    missing = [f for f in abc.used_features(record) if f not in table]
    if missing:
        raise ValueError(f"the reference table has no feature {', '.join(missing)}")
    acceptor, feats = _acceptor(table, record, accept)
    fallback = accept is None  # the one rule of the calibration, with its declared fallback
    wcode = pd.Categorical(table["world"], categories=list(worlds)).codes
    n_world = np.bincount(wcode[wcode >= 0], minlength=len(worlds)).astype(float)
    fam = np.array([_family(w) for w in worlds] + [""])
    row_family = fam[wcode]  # (code -1: a world not asked for: no family)
    draw_col = table["draw"].to_numpy()
    seed_col = table["seed"].to_numpy()
    has_m8 = M8_COLUMN in table and np.isfinite(table[M8_COLUMN].to_numpy(dtype=float)).any()
    # decisions NATO's own vote took in the synthetic history (endogenous M8): evidence about the West's type
    has_votes = all(c in table for c in M8_VOTE_COLUMNS) and bool((table["m8_votes"].fillna(0) > 0).any())
    if has_votes:
        from sim.worlds import TYPES as types, world_types

        leader = np.array([types.index(world_types(w)["leader"]) if w != NULL_WORLD else -1 for w in worlds])
        vote_ll = table[list(M8_VOTE_COLUMNS[1:])].to_numpy(dtype=float)
    ll = table[M8_COLUMN].to_numpy(dtype=float) if has_m8 else None
    agent = np.array([w != NULL_WORLD for w in worlds])
    params = {w: (draws[w] if isinstance(draws, dict) else draws).set_index("draw") for w in worlds}

    syn = synthetic_records(table, per_world, seed, worlds)
    rows, post = [], []
    rng = np.random.default_rng([int(seed), 0x5BC])
    for i, rec in syn.iterrows():
        w_true, r = rec["world"], int(rec["row"])
        acc = acceptor(table.iloc[r])
        # left out in every world that shares its draws and seeds (paired: its twin runs there share its
        # parameters and random numbers, and would be near-copies of it available to the other worlds only)
        out = (draw_col == rec["draw"]) & (row_family == _family(w_true))
        if exclude == "run":
            out &= seed_col == rec["seed"]
        acc &= ~out
        if not acc.any() and fallback:  # the record's declared fallback (abc.fallback_accept), its run left out
            count = abc.patterns_matched(table[feats], abc.record_from_run(table.iloc[r], like=record))
            count = np.where(out, -1, count)
            need = max(1, int(np.ceil(abc.FALLBACK_SHARE * int((~out).sum()))))
            for kk in range(int(count.max(initial=0)), 0, -1):
                if (count >= kk).sum() >= need:
                    acc = count >= kk
                    break
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
            m = np.where(agent, m, 0.0)
            m = m / m.sum() if m.sum() > 0 else agent / agent.sum()  # no accepted agent run: an even split
            for j, w in enumerate(worlds):
                row[f"prob_m8_{w}"] = m[j] if agent[j] else np.nan
        if has_votes:
            # the synthetic history's own decisions, scored along its own path under each leader type: the
            # West's type inferred from them alone (equal prior over the three types), and each world's ABC
            # probability times the likelihood of the decisions under its leader's type
            lt = vote_ll[r]
            own = np.isfinite(lt).all()  # a null-model history has no NATO and so no decisions: no evidence
            lt = lt if own else np.zeros(len(types))
            pt_ = np.exp(lt - lt.max())
            pt_ /= pt_.sum()
            row["votes"] = int(table["m8_votes"].iloc[r]) if own else 0
            row["true_type"] = types[leader[worlds.index(w_true)]] if w_true != NULL_WORLD else ""
            for t, v in zip(types, pt_):
                row[f"type_prob_{t}"] = v if own else np.nan
            row["type_true_wins"] = (float(_split_max(pt_)[types.index(row["true_type"])])
                                     if row["true_type"] else np.nan)
            lw = np.where(agent, lt[np.maximum(leader, 0)], -np.inf)
            dec = np.where(agent, rate * np.exp(lw - lw[agent].max()), 0.0)
            if dec.sum() > 0:
                win_d, dec = _split_max(dec), dec / dec.sum()
            else:  # no accepted agent run: the decisions alone decide among the agent worlds
                dec = np.where(agent, np.exp(lw - lw[agent].max()), 0.0)
                dec /= dec.sum()
                win_d = _split_max(dec)
            for j, w in enumerate(worlds):
                row[f"prob_dec_{w}"] = dec[j] if agent[j] else np.nan
                row[f"win_dec_{w}"] = win_d[j] if agent[j] else np.nan
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
    confusion = _confusion(records, worlds, has_m8, has_votes)
    parameters = _parameter_recovery(pd.concat(post, ignore_index=True), worlds, bins)
    settings = {"per_world": per_world, "seed": seed, "exclude": exclude, "min_posterior": min_posterior,
                "bins": bins, "features": feats, "m8": bool(has_m8), "votes": bool(has_votes),
                "short_worlds": {w: int(n) for w, n in syn.groupby("world").size().items() if n < per_world}}
    return Recovery(records, confusion, parameters, worlds, settings)


def west_type_confusion(records: pd.DataFrame) -> pd.DataFrame:
    """True leader type × type inferred from the synthetic history's own NATO decisions alone (equal prior
    over the three types): mean probability and share of records won (ties split). Empty without votes."""
    from sim.worlds import TYPES as types

    if "true_type" not in records:
        return pd.DataFrame()
    rows = []
    g0 = records[records["true_type"].astype(str) != ""]
    for t in types:
        g = g0[g0["true_type"] == t]
        if not len(g):
            continue
        P = g[[f"type_prob_{u}" for u in types]].to_numpy(dtype=float)
        top = P == P.max(axis=1, keepdims=True)
        win = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        for j, u in enumerate(types):
            rows.append({"true_type": t, "inferred_type": u, "records": len(g), "probability": float(P[:, j].mean()),
                         "win_share": float(win[j]), "votes_mean": float(g["votes"].mean())})
    return pd.DataFrame(rows)


def switch_recovery(records: pd.DataFrame, worlds) -> pd.DataFrame:
    """For models ``world+switch`` (:func:`sim.worlds.split_model`): can the method tell whether a switch is on?
    For each switch, over the synthetic records whose true model is a plain world or that world with the switch,
    the share of the win (and of the model probability) that goes to the right side — the models with the
    switch when it was on, the plain worlds when it was off — counting only those two families (chance 0.5).
    Columns ``switch, truth (on|off), records, win_share, probability``. Empty without models."""
    from sim.worlds import model_pairs

    pairs = model_pairs(worlds)
    rows = []
    for sw in dict.fromkeys(p[0] for p in pairs):
        on = [m for s_, _, m in pairs if s_ == sw]
        plain = [b for s_, b, _ in pairs if s_ == sw]
        for truth, mine, other in (("on", on, plain), ("off", plain, on)):
            g = records[records["true_world"].isin(mine)]
            if not len(g):
                continue
            row = {"switch": sw, "truth": truth, "records": len(g)}
            for col, pre in (("win_share", "win_"), ("probability", "prob_")):
                a = g[[pre + w for w in mine]].sum(axis=1)
                b = g[[pre + w for w in other]].sum(axis=1)
                tot = a + b
                row[col] = float((a[tot > 0] / tot[tot > 0]).mean()) if (tot > 0).any() else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def _confusion(records: pd.DataFrame, worlds, has_m8: bool, has_votes: bool = False) -> pd.DataFrame:
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
            if has_votes:
                row["win_share_dec"] = float(g[f"win_dec_{w}"].mean()) if len(g) else np.nan
                row["probability_dec"] = float(g[f"prob_dec_{w}"].mean()) if len(g) else np.nan
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


# --- a calibration folder ---------------------------------------------------------------------------------

class RecoveryError(SpiralError, ValueError):
    """The folder holds no complete calibration to recover from (one line)."""


def load_folder(calib_dir) -> tuple[pd.DataFrame, dict, pd.DataFrame, dict]:
    """(reference table, draws per world, record, manifest) of a folder written by ``spiral calibrate``.
    The record is the one the calibration read (``record.csv``; else the manifest's path). An incomplete
    reference table is refused: its budgets would be unequal."""
    from sim.runs.calibrate.reference import DRAWS, NULL_DRAWS, load_reference, read_complete_manifest

    d = Path(calib_dir)
    if not d.is_dir():
        raise RecoveryError(f"{d}: no such folder" if not d.exists() else f"{d}: not a folder")
    try:
        manifest = read_complete_manifest(d)
    except SpiralError as exc:
        raise RecoveryError(str(exc)) from None
    if not (d / DRAWS).is_file():
        raise RecoveryError(f"{d}: no {DRAWS} (not a calibration written by 'spiral calibrate')")
    table = load_reference(d)
    worlds = list(dict.fromkeys(table["world"]))
    agent = pd.read_parquet(d / DRAWS)
    draws = {w: agent for w in worlds if w != NULL_WORLD}
    if NULL_WORLD in worlds:
        if not (d / NULL_DRAWS).is_file():
            raise RecoveryError(f"{d}: the table has null-model runs but no {NULL_DRAWS}")
        draws[NULL_WORLD] = pd.read_parquet(d / NULL_DRAWS)
    if (d / "record.csv").is_file():
        record = abc.load_record(d / "record.csv")
    else:
        record = abc.load_record((manifest.get("record") or {}).get("path") or abc.RECORD)
    return table, draws, record, manifest


def recover_folder(calib_dir, per_world: int = 25, seed: int = 0, exclude: str = "run",
                   min_posterior: int = MIN_POSTERIOR, out=None) -> tuple[Recovery, Path]:
    """``spiral recover CALIB_DIR``: model recovery on a calibration folder's reference table, written to
    ``out`` (default ``CALIB_DIR/recovery``: recovery.csv, confusion.csv, parameter_recovery.csv)."""
    table, draws, record, _ = load_folder(calib_dir)
    rec = recover(table, draws, record, per_world=per_world, seed=seed, exclude=exclude,
                  min_posterior=min_posterior)
    path = write_recovery(rec, Path(out) if out is not None else Path(calib_dir) / "recovery")
    return rec, path


# --- output ---------------------------------------------------------------------------------------------------

def write_recovery(rec: Recovery, out_dir) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rec.records.to_csv(out / "recovery.csv", index=False)
    rec.confusion.to_csv(out / "confusion.csv", index=False)
    rec.parameters.to_csv(out / "parameter_recovery.csv", index=False)
    wt = west_type_confusion(rec.records)
    if len(wt):
        wt.to_csv(out / "west_type.csv", index=False)
    sr = switch_recovery(rec.records, rec.worlds)
    if len(sr):
        sr.to_csv(out / "switch_recovery.csv", index=False)
    return out


def format_recovery(rec: Recovery) -> str:
    worlds = list(rec.worlds)
    s = rec.settings
    width = max(len(w) for w in worlds) + 2
    short = dict(zip(worlds, worlds))
    lines = [f"Model recovery: {s['per_world']} synthetic records per world from the reference table (seed {s['seed']}; "
             f"excluded from each record's reference set: its {'run' if s['exclude'] == 'run' else 'draw'}); the "
             f"record's acceptance rule on {len(s['features'])} features, tolerances unchanged.", ""]
    conf = rec.confusion
    for col, title in (("win_share", "inferred by the highest acceptance rate (share of records; ties split evenly)"),
                       ("probability", "mean ABC model probability (equal prior over worlds)")) + (
            (("probability_m8", "mean ABC model probability, accepted runs weighted by M8 (agent worlds; see caveat)"),)
            if "probability_m8" in conf and not s.get("votes") else ()) + (
            (("win_share_dec", "inferred with the history's own NATO decisions (ABC rate x their likelihood under "
                               "the world's leader type; share of records)"),
             ("probability_dec", "mean model probability with the history's own NATO decisions"))
            if "win_share_dec" in conf else ()):
        lines.append(f"true world (rows) x {title}")
        head = f"{'':{width}s}" + "".join(f"{short[w]:>{width}s}" for w in worlds) + f"{'records':>9s}{'undecided':>10s}"
        lines += [head, "-" * len(head)]
        for t in worlds:
            g = conf[conf["true_world"] == t].set_index("inferred_world")
            cells = "".join(f"{g.loc[w, col]:>{width}.2f}" if np.isfinite(g.loc[w, col]) else f"{'-':>{width}s}"
                            for w in worlds)
            lines.append(f"{short[t]:{width}s}{cells}{int(g['records'].iloc[0]):>9d}{int(g['undecided'].iloc[0]):>10d}")
        lines.append("")
    diag = {t: float(conf[(conf.true_world == t) & (conf.inferred_world == t)]["win_share"].iloc[0]) for t in worlds}
    lines.append("share of records whose true world wins: " + ", ".join(f"{t} {v:.2f}" for t, v in diag.items())
                 + f" (chance {1 / len(worlds):.2f})")
    for w, n in (s.get("short_worlds") or {}).items():
        lines.append(f"{w}: only {n} runs in the table, all used as synthetic records")
    und = int(rec.records["undecided"].sum())
    if und:
        lines.append(f"{und} of {len(rec.records)} synthetic records accepted no run of any world (undecided: counted "
                     "as an even split; tolerances are not widened)")
    lines.append("")
    pr = rec.parameters
    lines.append(f"parameter recovery on the true world's posterior (records with >= {s['min_posterior']} accepted runs): "
                 "median correlation of posterior mean with truth; coverage of the central 50 % / 90 % intervals "
                 "(nominal 0.50 / 0.90); SBC rank histogram summed over parameters")
    head = f"{'world':{width}s}{'params':>7s}{'records':>9s}{'too few':>8s}{'median r':>9s}{'cov50':>7s}{'cov90':>7s}  sbc"
    lines += [head, "-" * len(head)]
    for w in worlds:
        g = pr[pr["world"] == w]
        if not len(g):
            continue
        sbc = g[[c for c in g.columns if c.startswith("sbc_")]].sum().to_numpy()
        lines.append(f"{short[w]:{width}s}{len(g):>7d}{int(g['records'].max()):>9d}{int(g['too_few_accepted'].max()):>8d}"
                     f"{np.nanmedian(g['correlation']) if g['correlation'].notna().any() else np.nan:>9.2f}"
                     f"{g['coverage_50'].mean():>7.2f}{g['coverage_90'].mean():>7.2f}  {' '.join(map(str, sbc))}")
    sr = switch_recovery(rec.records, rec.worlds)
    if len(sr):
        lines += ["", "is a switch on? share of the win (and of the model probability) on the right side - the models "
                      "with the switch when it was on, the plain worlds when it was off - between those two (chance 0.50)"]
        for sw, g in sr.groupby("switch", sort=False):
            g = g.set_index("truth")
            lines.append(f"  {sw:18s}" + "   ".join(f"{t}: {g.loc[t, 'win_share']:.2f} / {g.loc[t, 'probability']:.2f} "
                                                   f"({int(g.loc[t, 'records'])} records)" for t in g.index))
    wt = west_type_confusion(rec.records)
    if len(wt):
        types = list(dict.fromkeys(wt["inferred_type"]))
        lines += ["", f"the West's type from the synthetic history's own NATO decisions alone (NATO voted on "
                      f"{wt['votes_mean'].mean():.1f} decisions per history on average, scored along the history's "
                      "own path; equal prior over types): true type (rows) x share of records won / mean probability"]
        head = f"{'':22s}" + "".join(f"{t:>22s}" for t in types)
        lines += [head, "-" * len(head)]
        for t, g in wt.groupby("true_type", sort=False):
            g = g.set_index("inferred_type")
            cells = [f"{g.loc[u, 'win_share']:.2f} / {g.loc[u, 'probability']:.2f}" for u in types]
            lines.append(f"{t:22s}" + "".join(f"{c:>22s}" for c in cells))
    if s.get("m8") and not s.get("votes"):
        lines += ["", "Caveat: every run of the reference table replays the record's NATO decisions (scripted), so the "
                  "M8 weight scores the same decisions whatever the synthetic record's world: in recovery it cannot "
                  "test whether the West's type is identifiable."]
    return "\n".join(lines)
