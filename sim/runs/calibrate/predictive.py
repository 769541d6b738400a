"""The posterior predictive to 2025 and its pre-registered held-out scores (docs/heldout.md).

After a calibration, every model — the agent worlds and the null model — runs the full historical scenario
(to 2025Q4) on its posterior: the same number of runs for every model, on the same seeds, each seed's
parameters drawn from that model's posterior with :func:`sim.runs.calibrate.posterior.posterior_parameters`
(so ``spiral run --posterior`` gives the same runs). The held-out features are computed by
:func:`sim.runs.calibrate.heldout.heldout_features` and scored by :func:`sim.runs.calibrate.heldout.score`;
the scoring refuses to run if docs/heldout.md is not the file whose hash the calibration recorded (the
pre-registration must not have changed between the calibration and the scoring).

Writes ``CALIB_DIR/heldout.csv`` (one row per model and item: pattern log scores, burden CRPS per year, totals)
and ``CALIB_DIR/heldout_features.parquet`` (one row per predictive run).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpiralError
from sim.runs.calibrate import heldout
from sim.runs.calibrate.posterior import NULL_WORLD, PosteriorError, calibrated_worlds, posterior_parameters
from sim.runs.calibrate.reference import read_manifest, write_manifest
from sim.runs.sweep.spec import SweepError

SEED_BASE = 900_000_000  # predictive seeds: far from the calibration's (SHA-256-derived) ones, the same for every model


class HeldOutError(SpiralError, ValueError):
    """The pre-registration changed since the calibration, or the folder cannot be scored: one line."""


def _file_sha256(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scenario_path(manifest: dict) -> Path:
    """The calibration's scenario file: its path is relative to the spec (or the repository)."""
    raw = Path(manifest["scenario"]["path"])
    if raw.is_absolute():
        return raw
    root = Path(__file__).resolve().parents[3]
    spec = Path(manifest.get("spec_path") or "")
    for base in ((root / spec).parent, spec.parent, root):
        if (base / raw).is_file():
            return (base / raw).resolve()
    raise HeldOutError(f"the calibration's scenario {raw} is not found (relative to its spec {spec})")


def run_model_predictive(scenario, world: str, params: list[dict], seeds: list[int], chunk: int = 256) -> pd.DataFrame:
    """Held-out features of ``world`` run on ``seeds`` with the given per-seed parameters, chunk by chunk."""
    from sim.engine.simulate import simulate
    from sim.runs.calibrate.null import simulate_null

    parts = []
    for i in range(0, len(seeds), chunk):
        s, p = seeds[i:i + chunk], params[i:i + chunk]
        if world == NULL_WORLD:
            res = simulate_null(scenario, pd.DataFrame(p), s)
        else:
            res = simulate(scenario, world, s, p, keep_states=False)
        f = heldout.heldout_features(res)
        parts.append(pd.DataFrame({"model": world, "seed": s, **f}))
    return pd.concat(parts, ignore_index=True)


def heldout_study(calib_dir, runs: int = 1000, progress: bool = True, m8: bool = False,
                  prior: bool = False, rescore: bool = False) -> pd.DataFrame:
    """Run every calibrated model's posterior predictive to 2025 and score it (see the module docstring).
    ``prior``: score the PRIOR predictive instead (every prior draw alike; ``heldout_prior.csv``) — a baseline
    for the posterior's score, and the only way to score a model with no accepted draw (the null model of
    the study); not an analysis docs/heldout.md pre-registered, and reported as such. ``rescore``: score the
    features of the runs already made (``heldout[_prior]_features.parquet``) again, simulating nothing."""
    from sim.scenario import load_scenario

    d = Path(calib_dir)
    try:
        manifest = read_manifest(d)
    except SweepError as exc:
        raise HeldOutError(str(exc)) from None
    reg = manifest.get("heldout") or {}
    pre = Path(reg.get("path") or "")
    if not reg.get("sha256") or not pre.is_file():
        raise HeldOutError(f"{d}: the calibration recorded no pre-registration (docs/heldout.md) — held-out scoring "
                           "is only done against the pre-registration the calibration was run under")
    if _file_sha256(pre) != reg["sha256"]:
        raise HeldOutError(f"{pre} changed since the calibration (SHA-256 {reg['sha256'][:12]}… recorded): the "
                           "held-out rules are pre-registered; score with the file as it was, or report the change")
    tag = "_prior" if prior else ""
    if rescore:
        return _rescore(d, tag)
    scenario = load_scenario(_scenario_path(manifest))  # the full scenario: to 2025Q4
    seeds = list(range(SEED_BASE, SEED_BASE + runs))
    t0 = time.time()
    feats, scores, skipped = [], [], []
    for world in calibrated_worlds(d) + [NULL_WORLD]:  # the null model is scored beside the worlds
        try:
            params = posterior_parameters(d, world, seeds, m8, prior=prior)
        except PosteriorError as exc:  # no accepted draw: nothing to predict with
            skipped.append(world)
            if progress:
                print(f"held-out: {world} skipped ({exc})", file=sys.stderr)
            continue
        f = run_model_predictive(scenario, world, params, seeds)
        feats.append(f)
        scores.append(heldout.score({c: f[c].to_numpy() for c in f.columns if c not in ("model", "seed")}, world))
        if progress:
            print(f"held-out: {world} {len(f)} runs ({time.time() - t0:.0f} s)", file=sys.stderr)
    out = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
    for w in skipped:
        out = pd.concat([out, pd.DataFrame([{"model": w, "item": "no accepted draw", "kind": "none", "record": np.nan,
                                             "predicted": np.nan, "score": np.nan, "n": 0}])], ignore_index=True)
    out.to_csv(d / f"heldout{tag}.csv", index=False, float_format="%.6g")
    if feats:
        pd.concat(feats, ignore_index=True).to_parquet(d / f"heldout{tag}_features.parquet", index=False)
    manifest.setdefault(f"heldout_scoring{tag}", {}).update({
        "runs_per_model": runs, "seconds": round(time.time() - t0, 1),
        "weights": "prior (every draw alike)" if prior else ("weight_m8" if m8 else "weight"),
        "scored_with_sha256": reg["sha256"]})
    write_manifest(d, manifest)
    return out


def _rescore(d: Path, tag: str) -> pd.DataFrame:
    """The scores of the predictive runs already in ``d`` (their features), recomputed; models the earlier
    scoring skipped (no accepted draw) keep their row."""
    fp = d / f"heldout{tag}_features.parquet"
    if not fp.is_file():
        raise HeldOutError(f"{d}: no {fp.name} to rescore (run 'spiral heldout' first)")
    f = pd.read_parquet(fp)
    scores = [heldout.score({c: g[c].to_numpy() for c in g.columns if c not in ("model", "seed")}, str(m))
              for m, g in f.groupby("model", sort=False)]
    out = pd.concat(scores, ignore_index=True)
    old = d / f"heldout{tag}.csv"
    if old.is_file():
        prev = pd.read_csv(old, keep_default_na=False, na_values=[""])
        out = pd.concat([out, prev[prev["item"] == "no accepted draw"]], ignore_index=True)
    out.to_csv(old, index=False, float_format="%.6g")
    return out


def format_heldout(table: pd.DataFrame) -> str:
    """A plain-text table: models side by side, each pattern's predicted probability and the totals."""
    if table.empty:
        return "held-out: nothing scored"
    models = list(dict.fromkeys(table["model"]))
    items = list(dict.fromkeys(table["item"]))
    if len(models) > 6:  # many models (switches crossed with worlds): one row per model, the patterns and totals
        pats = [it for it in items if str(it).startswith("H")]
        W = max(len(m) for m in models) + 2
        lines = ["Held-out 2014-2025 (pre-registered, docs/heldout.md): predicted probability of each pattern (it "
                 "holds in the record), total log score (coin flips: " f"{len(pats) * np.log(0.5):.2f}; ± its bootstrap "
                 "standard error over the predictive runs), mean burden CRPS 2014-2024 (pp of GDP; lower is better)",
                 f"{'model':{W}s}" + "".join(f"{str(p).split('_')[0]:>6s}" for p in pats) + f"{'log score':>11s}{'(se)':>6s}"
                 f"{'CRPS':>8s}"]
        for m in models:
            g = table[table["model"] == m].set_index("item")
            if "no accepted draw" in g.index:
                lines.append(f"{m:{W}s}  no accepted draw: not scored")
                continue
            cells = "".join(f"{g.loc[p, 'predicted']:>6.2f}" if p in g.index else f"{'-':>6s}" for p in pats)
            tot = g.loc["total log score", "score"] if "total log score" in g.index else np.nan
            se = g.loc["total log score", "se"] if "se" in g and "total log score" in g.index else np.nan
            crps = g.loc["mean burden CRPS 2014-2024", "score"] if "mean burden CRPS 2014-2024" in g.index else np.nan
            lines.append(f"{m:{W}s}{cells}{f'{tot:.2f}':>11s} ±{se:.2f}{crps:>8.3f}")
        return "\n".join(lines)
    lines = ["Held-out 2014-2025 (pre-registered, docs/heldout.md): predicted probability of each pattern "
             "(it holds in the record), log score totals, burden CRPS (pp of GDP; lower is better)",
             f"{'item':32s}" + "".join(f"{m[:18]:>20s}" for m in models)]
    for it in items:
        row = f"{it:32s}"
        for m in models:
            r = table[(table["model"] == m) & (table["item"] == it)]
            if not len(r):
                row += f"{'-':>20s}"
                continue
            r = r.iloc[0]
            if str(it).startswith("H"):
                row += f"{r['predicted']:>14.2f} ({r['score']:+.2f})"[-20:].rjust(20)
            else:
                row += f"{r['score']:>20.3f}"
        lines.append(row)
    return "\n".join(lines)
