"""Analysis of a finished (or running) sweep: its outcome table and sensitivity indices (SALib).

Indices by design (docs/sweeps.md):

- ``sobol`` — Sobol' first-order (S1) and total (ST) indices, ``SALib.analyze.sobol``, per scenario × world ×
  grid cell, on the replicate mean of each design point (common random numbers across points when seeds
  are paired);
- ``morris`` — Morris elementary effects (mu*, sigma), ``SALib.analyze.morris``, likewise;
- ``latin`` — RBD-FAST first-order indices (``SALib.analyze.rbd_fast``), which need no special design;
- ``grid`` (lists) — the first-order share of variance of each listed parameter, Var(E[Y|X_i]) / Var(Y), over
  all runs of a scenario × world (exact for a full factorial design; no SALib method applies to a grid).

The HTML report over these is :mod:`sim.runs.analyze`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runs.sweep.plan import derive_seed
from sim.runs.sweep.spec import SweepError, compute_summaries, parse_summary
from sim.runs.sweep.store import load_results


class AnalysisError(SweepError):
    """The analysis cannot be done as asked (one line)."""



# ----------------------------------------------------------------------------------------------------------
# Outcomes
# ----------------------------------------------------------------------------------------------------------


def outcome_table(run_dir: Path, manifest: dict, outcomes: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The summary table of the sweep in ``run_dir`` with the ``outcomes`` (default: every summary it kept;
    others are computed from its kept steps), and the list of outcomes."""
    df = load_results(run_dir)
    if df.empty:
        raise AnalysisError(f"{run_dir}: no finished runs yet")
    kept = list(manifest.get("summaries", []))
    wanted = list(outcomes) if outcomes else kept
    if not wanted:
        raise AnalysisError(f"{run_dir}: the sweep kept no summaries; name outcomes like 'tension@2008' "
                            "(computed from the steps it kept)")
    missing = [o for o in wanted if o not in df.columns]
    if missing:
        if not manifest.get("steps"):
            raise AnalysisError(f"outcome {missing[0]!r} was not kept by this sweep (it kept: "
                                f"{', '.join(kept) or 'nothing'}; no steps to compute others from)")
        try:
            summaries = [parse_summary(o) for o in missing]
        except ValueError as exc:
            raise AnalysisError(f"outcome {exc}") from None
        steps = load_results(run_dir, "steps")
        if isinstance(manifest.get("steps"), list):
            for s in summaries:
                if s.var not in steps.columns:
                    raise AnalysisError(f"outcome {s.text!r}: the sweep kept only the steps of "
                                        f"{', '.join(manifest['steps'])}")
        keys = ["scenario", "world", "point", "replicate"]
        rows = []
        for key, obs in steps.groupby(keys, sort=False):
            try:
                vals = compute_summaries(obs, summaries)
            except KeyError as exc:
                raise AnalysisError(f"outcome: unknown observable {exc.args[0]!r}") from None
            rows.append(dict(zip(keys, key)) | vals)
        df = df.merge(pd.DataFrame(rows), on=keys, how="left")
    return df, wanted


# ----------------------------------------------------------------------------------------------------------
# Indices
# ----------------------------------------------------------------------------------------------------------


def _problem(manifest: dict) -> dict | None:
    p = manifest["design"].get("problem")
    return {"num_vars": p["num_vars"], "names": list(p["names"]), "bounds": [list(b) for b in p["bounds"]]} if p else None


def compute_indices(df: pd.DataFrame, manifest: dict, outcomes: Sequence[str]) -> pd.DataFrame:
    """Sensitivity indices, tidy: scenario, world, cell, outcome, method, parameter, index, value, conf."""
    design = manifest["design"]
    sampler = design["sampler"]
    problem = _problem(manifest)
    n_samples = design["samples_per_cell"]
    rows: list[dict] = []
    seed = derive_seed(manifest["spec"]["seed"], "analysis")

    def add(scen, world, cell, outcome, method, param, index, value, conf=math.nan):
        rows.append({"scenario": scen, "world": world, "cell": cell, "outcome": outcome, "method": method,
                     "parameter": param, "index": index, "value": float(value), "conf": float(conf)})

    if sampler != "grid":
        from SALib.analyze import morris as morris_a
        from SALib.analyze import rbd_fast
        from SALib.analyze import sobol as sobol_a

        names = problem["names"]
        for (scen, world, cell), g in df.groupby(["scenario", "world", "cell"], sort=False):
            for outcome in outcomes:
                means = g.groupby("sample")[outcome].mean()
                if len(means) < n_samples or means.isna().any():
                    continue  # incomplete design (a sweep still running) or undefined outcome: no indices
                y = means.sort_index().to_numpy(dtype=float)
                if np.allclose(y, y[0]):
                    for p in names:
                        add(scen, world, cell, outcome, sampler, p, "S1" if sampler != "morris" else "mu_star", 0.0)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if sampler == "sobol":
                        r = sobol_a.analyze(problem, y, calc_second_order=design["second_order"], seed=seed)
                        for i, p in enumerate(names):
                            add(scen, world, cell, outcome, "sobol", p, "S1", r["S1"][i], r["S1_conf"][i])
                            add(scen, world, cell, outcome, "sobol", p, "ST", r["ST"][i], r["ST_conf"][i])
                    elif sampler == "morris":
                        x = g.groupby("sample")[names].first().sort_index().to_numpy(dtype=float)
                        r = morris_a.analyze(problem, x, y, num_levels=design["levels"], seed=seed)
                        for i, p in enumerate(names):
                            add(scen, world, cell, outcome, "morris", p, "mu_star", r["mu_star"][i],
                                r["mu_star_conf"][i])
                            add(scen, world, cell, outcome, "morris", p, "sigma", r["sigma"][i])
                    else:  # latin
                        x = g.groupby("sample")[names].first().sort_index().to_numpy(dtype=float)
                        r = rbd_fast.analyze(problem, x, y, seed=seed)
                        for i, p in enumerate(names):
                            add(scen, world, cell, outcome, "rbd_fast", p, "S1", r["S1"][i], r["S1_conf"][i])
    grid = list(design.get("grid") or {})
    if grid:
        for (scen, world), g in df.groupby(["scenario", "world"], sort=False):
            for outcome in outcomes:
                y = g[outcome]
                var = y.var(ddof=0)
                for p in grid:
                    if not var or not np.isfinite(var):
                        share = 0.0
                    else:
                        # weight by cell sizes (equal in a full factorial design, not while it is running)
                        counts = g.groupby(p)[outcome].count()
                        means = g.groupby(p)[outcome].mean()
                        share = float(np.average((means - y.mean()) ** 2, weights=counts) / var)
                    add(scen, world, -1, outcome, "main_effect", p, "S1", share)
    return pd.DataFrame(rows, columns=["scenario", "world", "cell", "outcome", "method", "parameter", "index",
                                       "value", "conf"])
