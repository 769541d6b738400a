"""Global sensitivity of the training features: Morris screening over every parameter (docs/sensitivity.md).

Which conclusions rest on a table? Every number of the model is a parameter of :mod:`sim.params` (world
data included, as parameters or perturbations of world tables); this module varies all of them over their
plausible ranges (``low``..``high``) with the Morris design (Morris 1991; Campolongo et al. 2007; SALib's
``SALib.sample.morris`` / ``SALib.analyze.morris``) and reports, per world, the elementary-effect
statistics mu* (mean absolute effect: how much an outcome depends on the parameter) and sigma (spread of
the effects: interactions and non-linearity) of each parameter on each training feature.

- **Inputs.** Every entry of ``PARAMETERS`` except the switches (``SWITCHES``, ``west_pulses_off``) and
  any parameter whose range is a single value. The type weights ``order_weight`` and ``greed`` are varied
  like every other parameter, identically for every world. The same design X serves every world.
- **Outcomes.** The training features of :func:`sim.runs.score.feature_arrays` (the scorer's one
  implementation): per pattern the share of seeds in which it holds, the Russia-only tension index by
  period, Russia's burden over the four periods of pattern 11, and the numbers of uses of force and
  coercions, 1992–2013 only. The runs stop at 2013Q4: nothing later is simulated.
- **Model as Y = f(X).** :func:`evaluate` takes the design points of a world and returns the mean over
  ``seeds`` (the same seeds at every point and in every world: common random numbers) of each feature;
  runs go to the engine in chunks of points × seeds, one :func:`sim.engine.simulate` call per chunk, on a
  local process pool (:func:`sim.runs.executors.open_executor`) or in this process.

Nothing here reads a year after 2013, and nothing is tuned: the analysis says what the outcomes depend on,
not what values fit.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runs.score import FEATURES, PATTERNS, batch_features, pattern_feature

NOT_VARIED = ("west_pulses_off",)  # switches besides sim.params.SWITCHES
TRAINING_END = "2013Q4"  # the last quarter simulated
CHUNK_RUNS = 256  # runs per engine call (sim.runs.ensemble.batch_size: the per-run cost is flat beyond)


def varied_parameters() -> list[str]:
    """The parameters Morris varies: all of ``PARAMETERS`` but switches and fixed ranges."""
    from sim.params import PARAMETERS, SWITCHES

    return [k for k, p in PARAMETERS.items()
            if k not in SWITCHES and k not in NOT_VARIED and p.high > p.low]


def world_data_parameters() -> set[str]:
    """The parameters that are world data rather than mechanism: every entry of the ladder tables
    (:data:`sim.mechanisms.security.LADDER_TABLES`), the perturbations of per-state tables (mechanism
    ``world``: ``importance_jitter``, ``energy_jitter``) and the border-to-core distance (docs/sweeps.md,
    "World data")."""
    from sim.mechanisms.security import LADDER_TABLES
    from sim.params import PARAMETERS

    names = {e for entries in LADDER_TABLES.values() for e in entries if isinstance(e, str)}
    names |= {k for k, p in PARAMETERS.items() if p.mechanism == "world"}
    return (names | {"core_distance_km"}) & set(PARAMETERS)


def problem(names: list[str] | None = None) -> dict:
    """SALib's problem: the parameters and their plausible ranges."""
    from sim.params import PARAMETERS

    names = list(names or varied_parameters())
    return {"num_vars": len(names), "names": names,
            "bounds": [[float(PARAMETERS[n].low), float(PARAMETERS[n].high)] for n in names]}


def sample(prob: dict, trajectories: int, levels: int = 4, seed: int = 0) -> np.ndarray:
    """The Morris design: ``trajectories`` × (k + 1) points (SALib.sample.morris)."""
    from SALib.sample import morris as morris_s

    return morris_s.sample(prob, N=trajectories, num_levels=levels, seed=seed)


def training_scenario(scenario):
    """The scenario cut at 2013Q4 (the training features read nothing later)."""
    from sim.calendar import parse_quarter
    from sim.scenario import Scenario, load_scenario, until

    s = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    return until(s, TRAINING_END) if s.end > parse_quarter(TRAINING_END) else s


# --- Y = f(X) ----------------------------------------------------------------------------------------------

@dataclass
class _Chunk:
    scenario: tuple[str, bytes]  # (key, pickled scenario): unpickled once per worker
    worlds: list[str]
    seeds: list[int]
    parameters: list[dict]
    rows: np.ndarray  # the (world, point) row of each run


_SCENARIOS: dict = {}


def _scenario(key: str, blob: bytes):
    if key not in _SCENARIOS:
        _SCENARIOS.clear()
        _SCENARIOS[key] = pickle.loads(blob)
    return _SCENARIOS[key]


def run_chunk(chunk: _Chunk) -> tuple[np.ndarray, np.ndarray]:
    """One engine call: the chunk's runs -> their rows and features ``[runs, len(FEATURES)]``."""
    from sim.engine import simulate

    res = simulate(_scenario(*chunk.scenario), chunk.worlds, chunk.seeds, chunk.parameters, keep_states=False)
    f = batch_features(res)
    return chunk.rows, np.column_stack([f[name] for name in FEATURES])


def evaluate(scenario, worlds: list[str], X: np.ndarray, names: list[str], seeds: list[int],
             workers: int = 1, progress: bool = True, base: dict | None = None) -> np.ndarray:
    """Y = f(X) for every world: ``[worlds, points, features]``, each the mean over ``seeds`` of the run's
    training features at that point (``base``: fixed parameters under the varied ones)."""
    scen = training_scenario(scenario)
    blob = pickle.dumps(scen)
    key = hashlib.sha256(blob).hexdigest()
    X = np.atleast_2d(np.asarray(X, dtype=float))
    P, W, S = len(X), len(worlds), len(seeds)
    runs = [(w, p, s) for w in range(W) for p in range(P) for s in seeds]
    params = [{**(base or {}), **{n: float(v) for n, v in zip(names, x)}} for x in X]
    chunks = []
    for i in range(0, len(runs), CHUNK_RUNS):
        part = runs[i:i + CHUNK_RUNS]
        chunks.append(_Chunk((key, blob), [worlds[w] for w, _, _ in part], [s for _, _, s in part],
                             [params[p] for _, p, _ in part], np.array([w * P + p for w, p, _ in part])))
    total = np.zeros((W * P, len(FEATURES)))
    count = np.zeros(W * P)
    from tqdm import tqdm

    bar = tqdm(total=len(runs), desc="morris runs", unit="run", disable=not progress, file=sys.stderr)

    def take(rows, feats):
        np.add.at(total, rows, feats)
        np.add.at(count, rows, 1)
        bar.update(len(rows))

    try:
        if workers <= 1 or len(chunks) < 2:
            for c in chunks:
                take(*run_chunk(c))
        else:
            import concurrent.futures as cf

            from sim.runs.executors import open_executor

            with open_executor("local", workers) as ex:
                futures = [ex.executor.submit(run_chunk, c) for c in chunks]
                for fut in cf.as_completed(futures):
                    take(*fut.result())
    finally:
        bar.close()
    return (total / count[:, None]).reshape(W, P, len(FEATURES))


# --- indices -----------------------------------------------------------------------------------------------

def analyze(prob: dict, X: np.ndarray, Y: np.ndarray, outcomes=FEATURES, levels: int = 4,
            seed: int = 0) -> pd.DataFrame:
    """Morris indices of one world: one row per (parameter, outcome) with mu, mu_star, mu_star_conf, sigma
    (SALib.analyze.morris on the unit-scaled design: an effect is the change of the outcome when the
    parameter moves across its whole range) and ``mu_star_norm`` = mu* / the largest mu* for that outcome."""
    from SALib.analyze import morris as morris_a

    rows = []
    for j, outcome in enumerate(outcomes):
        y = np.asarray(Y[:, j], dtype=float)
        if not np.isfinite(y).all() or np.allclose(y, y[0]):
            for n in prob["names"]:
                rows.append({"parameter": n, "outcome": outcome, "mu": 0.0, "mu_star": 0.0, "mu_star_conf": 0.0,
                             "sigma": 0.0, "constant": True})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = morris_a.analyze(prob, X, y, num_levels=levels, seed=seed)
        for i, n in enumerate(prob["names"]):
            rows.append({"parameter": n, "outcome": outcome, "mu": float(r["mu"][i]),
                         "mu_star": float(r["mu_star"][i]), "mu_star_conf": float(r["mu_star_conf"][i]),
                         "sigma": float(r["sigma"][i]), "constant": False})
    df = pd.DataFrame(rows)
    top = df.groupby("outcome")["mu_star"].transform("max")
    df["mu_star_norm"] = np.where(top > 0, df["mu_star"] / top.where(top > 0, 1.0), 0.0)
    return df


@dataclass
class SensitivityResult:
    indices: pd.DataFrame  # world, parameter, outcome, mu, mu_star, mu_star_conf, sigma, mu_star_norm, constant
    design: pd.DataFrame  # world, point, the parameters, the mean features
    manifest: dict

    def write(self, out: Path) -> dict:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.indices.to_csv(out / "indices.csv", index=False)
        self.indices.to_parquet(out / "indices.parquet", index=False)
        self.design.to_parquet(out / "design.parquet", index=False)
        (out / "manifest.json").write_text(json.dumps(self.manifest, indent=2, sort_keys=True, default=str))
        write_html(self, out / "sensitivity.html")
        return {"indices": out / "indices.csv", "report": out / "sensitivity.html"}


def run_morris(scenario, worlds, trajectories: int = 10, seeds: int | list[int] = 10, levels: int = 4,
               seed: int = 0, workers: int = 1, progress: bool = True, names: list[str] | None = None,
               command: str = "") -> SensitivityResult:
    """Morris screening of the training features over ``names`` (default every varied parameter), for each
    world, on the same design and the same seeds."""
    from sim.runs.ensemble import package_versions, seeds_arg

    scen = training_scenario(scenario)
    prob = problem(names)
    X = sample(prob, trajectories, levels, seed)
    seed_list = seeds_arg(seeds)
    worlds = list(worlds)
    t0 = time.perf_counter()
    Y = evaluate(scen, worlds, X, prob["names"], seed_list, workers=workers, progress=progress)
    seconds = time.perf_counter() - t0
    parts, designs = [], []
    for w, world in enumerate(worlds):
        parts.append(analyze(prob, X, Y[w], FEATURES, levels, seed).assign(world=world))
        d = pd.DataFrame(X, columns=prob["names"])
        d.insert(0, "point", np.arange(len(X)))
        d.insert(0, "world", world)
        designs.append(pd.concat([d, pd.DataFrame(Y[w], columns=list(FEATURES))], axis=1))
    indices = pd.concat(parts, ignore_index=True)
    indices = indices[["world"] + [c for c in indices.columns if c != "world"]]
    runs = len(worlds) * len(X) * len(seed_list)
    manifest = {"command": command, "method": "morris (SALib)", "scenario": scen.name,
                "scenario_hash": str(scen.hash), "simulated_to": TRAINING_END, "worlds": worlds,
                "trajectories": trajectories, "levels": levels, "design_seed": seed, "seeds": seed_list,
                "parameters": {n: b for n, b in zip(prob["names"], prob["bounds"])}, "points": len(X),
                "runs": runs, "seconds": round(seconds, 1), "ms_per_run": round(1000 * seconds / max(runs, 1), 2),
                "workers": workers, "outcomes": list(FEATURES), "versions": package_versions()}
    return SensitivityResult(indices, pd.concat(designs, ignore_index=True), manifest)


def top_parameters(indices: pd.DataFrame, k: int = 3, design: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (world, outcome): the mean of the outcome over the design (for a pattern: the share of runs in
    which it holds), the largest mu*, the ``k`` parameters with the largest mu* as 'name (normalised mu*)',
    and the most influential world datum (:func:`world_data_parameters`) with its rank. "(within noise)":
    even the largest mu* lies within its own 95 % bootstrap half-width."""
    data = world_data_parameters()
    means = design.groupby("world").mean(numeric_only=True) if design is not None else None
    rows = []
    for (world, outcome), g in indices.groupby(["world", "outcome"], sort=False):
        mean = float(means.loc[world, outcome]) if means is not None and outcome in means else np.nan
        if g["constant"].all():
            rows.append({"world": world, "outcome": outcome, "mean": mean, "largest_mu_star": 0.0,
                         "top": "(constant over the design)", "world_datum": ""})
            continue
        g = g.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
        head = g.head(k)
        wd = g[g["parameter"].isin(data) & (g["mu_star"] > 0)].head(1)
        datum = "none moves it" if wd.empty else (f"{wd['parameter'].iloc[0]} (#{int(wd.index[0]) + 1}, "
                                     f"{wd['mu_star_norm'].iloc[0]:.2f})")
        noise = bool(g["mu_star"].iloc[0] <= g["mu_star_conf"].iloc[0])  # the largest mu* within its 95 % band
        rows.append({"world": world, "outcome": outcome, "mean": mean, "largest_mu_star": float(g["mu_star"].iloc[0]),
                     "top": ("(within noise) " if noise else "")
                     + ", ".join(f"{p} ({v:.2f})" for p, v in zip(head["parameter"], head["mu_star_norm"])),
                     "world_datum": datum})
    return pd.DataFrame(rows)


def ranking(indices: pd.DataFrame) -> pd.DataFrame:
    """Per world and parameter: mean normalised mu* over the outcomes (the overall influence), ranked."""
    r = (indices.groupby(["world", "parameter"], sort=False)["mu_star_norm"].mean().rename("influence")
         .reset_index())
    return r.sort_values(["world", "influence"], ascending=[True, False], kind="stable").reset_index(drop=True)


def format_summary(res: SensitivityResult, k: int = 3) -> str:
    """What decides each pattern: the top parameters per world and pattern (mu* normalised per outcome)."""
    ind = res.indices
    m = res.manifest
    lines = [f"Morris screening ({m['trajectories']} trajectories x {len(m['parameters']) + 1} points, "
             f"{len(m['seeds'])} seeds, {m['runs']} runs, 1992-2013), per world and pattern: the share of runs in "
             "which it holds over the whole design,", f"the largest mu* (change of that share across a "
             f"parameter's range), the top {k} parameters (mu* / the largest mu*) and the most influential world "
             "datum (#rank). '(within noise)': even the", "largest mu* lies within its 95 % bootstrap band; a pattern that rarely holds has a small largest mu* and a noisy ranking."]
    top = top_parameters(ind, k, res.design)
    patterns = [pattern_feature(p.id) for p in PATTERNS]
    for world, g in top.groupby("world", sort=False):
        lines.append("")
        lines.append(f"{world:32s} {'held':>5s} {'mu*':>5s}  top parameters | world datum")
        for _, r in g[g["outcome"].isin(patterns)].iterrows():
            lines.append(f"  {r['outcome'].removeprefix('pattern_'):30s} {r['mean']:5.0%} {r['largest_mu_star']:5.2f}  "
                         f"{r['top']} | {r['world_datum']}")
        rk = ranking(ind[ind["world"] == world]).head(8)
        lines.append(f"  {'overall (mean normalised mu*)':30s} "
                     + ", ".join(f"{p} ({v:.2f})" for p, v in zip(rk["parameter"], rk["influence"])))
    return "\n".join(lines)


# --- the page ----------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1300px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}.note{color:#555;font-size:.9em}
code{background:#f4f4f4;padding:0 .2em}
"""


def _figures(res: SensitivityResult, top_n: int = 30):
    import plotly.graph_objects as go

    ind = res.indices
    figs = []
    for world, g in ind.groupby("world", sort=False):
        rk = ranking(g)
        order = list(rk["parameter"])
        z = g.pivot(index="parameter", columns="outcome", values="mu_star_norm").reindex(index=order,
                                                                                          columns=list(FEATURES))
        sig = g.pivot(index="parameter", columns="outcome", values="sigma").reindex(index=order, columns=list(FEATURES))
        mus = g.pivot(index="parameter", columns="outcome", values="mu_star").reindex(index=order, columns=list(FEATURES))
        text = [[f"{p} → {o}<br>mu* {mus.loc[p, o]:.3g} (normalised {z.loc[p, o]:.2f})<br>sigma {sig.loc[p, o]:.3g}"
                 for o in z.columns] for p in z.index]
        heat = go.Figure(go.Heatmap(z=z.to_numpy(), x=[o.removeprefix("pattern_") for o in z.columns], y=order,
                                    colorscale="Viridis", zmin=0, zmax=1, text=text, hoverinfo="text",
                                    colorbar=dict(title="mu*/max")))
        heat.update_layout(title=f"{world}: normalised mu* (parameters × training outcomes)",
                           height=max(500, 14 * len(order) + 200), template="plotly_white",
                           yaxis=dict(autorange="reversed", tickfont=dict(size=10)), xaxis=dict(tickangle=-45),
                           margin=dict(l=200, r=40, t=60, b=200))
        head = rk.head(top_n).iloc[::-1]
        bar = go.Figure(go.Bar(x=head["influence"], y=head["parameter"], orientation="h", marker_color="#4c72b0"))
        bar.update_layout(title=f"{world}: parameters ranked by mean normalised mu* over the outcomes (top {top_n})",
                          height=max(400, 18 * len(head) + 120), template="plotly_white",
                          xaxis=dict(title="mean of mu*/max over outcomes", range=[0, 1]),
                          margin=dict(l=200, r=40, t=60, b=40))
        figs.append((world, heat, bar))
    return figs


def write_html(res: SensitivityResult, path: Path) -> Path:
    """A self-contained page (plotly.js embedded): per world, the heat map of normalised mu* and the ranked
    bar chart; the top parameters per pattern; the design."""
    import plotly.offline

    m = res.manifest
    body = ["<h1>What the training outcomes depend on: Morris screening</h1>",
            f"<p class='note'>Scenario <b>{html.escape(m['scenario'])}</b>, simulated to {m['simulated_to']} "
            f"(the training window); {len(m['parameters'])} parameters varied over their plausible ranges "
            f"(<code>spiral params</code>), {m['trajectories']} Morris trajectories of {len(m['parameters']) + 1} "
            f"points ({m['levels']} levels), the same design and the same {len(m['seeds'])} seeds in every world; "
            f"{m['runs']} runs in {m['seconds']} s ({m['ms_per_run']} ms a run, {m['workers']} worker(s)). "
            f"Command: <code>{html.escape(str(m.get('command', '')))}</code></p>",
            "<p class='note'><b>How to read it.</b> mu* is the mean absolute change of an outcome when a parameter "
            "moves across its whole range, other parameters anywhere in theirs (elementary effects, Morris 1991; "
            "Campolongo et al. 2007); sigma, the spread of those changes (interactions, non-linearity). Heat maps "
            "show mu* divided by the largest mu* for that outcome (1 = the most influential parameter for it); "
            "pattern outcomes are shares of seeds in which the pattern holds. A parameter with mu* near 0 on every "
            "outcome can be fixed anywhere in its range without changing the training results; a world-data "
            "parameter high on a pattern means that pattern rests on a table. Screening ranks; it does not "
            "measure shares of variance. See docs/sensitivity.md.</p>"]
    top = top_parameters(res.indices, 3, res.design)
    for world, heat, bar in _figures(res):
        body.append(f"<h2>{html.escape(world)}</h2>")
        for fig, suffix in ((heat, "heat"), (bar, "bar")):
            body.append(fig.to_html(include_plotlyjs=False, full_html=False, div_id=f"{world}-{suffix}"))
        t = top[top["world"] == world].drop(columns="world").rename(columns={
            "mean": "mean over the design (patterns: share held)", "largest_mu_star": "largest mu*",
            "top": "top 3 parameters (mu*/max)", "world_datum": "most influential world datum (#rank, mu*/max)"})
        body.append(t.to_html(index=False, border=0, escape=True, float_format=lambda x: f"{x:.3g}"))
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Morris screening</title>"
            f"<style>{_CSS}</style><script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script>"
            "</head><body>" + "\n".join(body) + "</body></html>")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
