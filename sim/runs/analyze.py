"""The report of a sweep: sensitivity indices and a self-contained HTML page.

:func:`analyze` reads a sweep directory (the committed Parquet parts and ``manifest.json``, with pandas),
computes sensitivity indices for the chosen outcomes (:mod:`sim.runs.sweep.analysis`, which says which
indices each design gets) and writes

- ``<run_dir>/analysis/indices.csv`` — one row per (scenario, world, grid cell, outcome, method, parameter,
  index) with its value and confidence half-width;
- ``<run_dir>/report.html`` (or ``out_html``) — plotly.js embedded, so it opens offline: the distribution of
  each outcome per world, response surfaces over the two most influential parameters, sensitivity bars.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sim.runs.sweep import read_manifest
from sim.runs.sweep.analysis import AnalysisError, compute_indices, outcome_table

__all__ = ["AnalysisError", "analyze", "compute_indices", "write_report"]


# ----------------------------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}.warn{background:#fff3cd;padding:.6em}
code{background:#f4f4f4;padding:0 .2em}.note{color:#555;font-size:.9em}
"""


def _top_parameters(indices: pd.DataFrame, outcome: str, candidates: list[str]) -> list[str]:
    sel = indices[(indices["outcome"] == outcome) & indices["index"].isin(["ST", "mu_star", "S1"])]
    if sel.empty:
        return candidates[:2]
    pref = "ST" if (sel["index"] == "ST").any() else "mu_star" if (sel["index"] == "mu_star").any() else "S1"
    score = sel[sel["index"] == pref].groupby("parameter")["value"].mean()
    ranked = [p for p in score.sort_values(ascending=False, kind="stable").index if p in candidates]
    ranked += [p for p in candidates if p not in ranked]
    return ranked[:2]


def _bins(s: pd.Series, n: int = 10) -> tuple[pd.Series, list]:
    values = np.sort(s.dropna().unique())
    if len(values) <= 12:
        return s, [float(v) if isinstance(v, (int, float, np.number)) else v for v in values]
    edges = np.unique(np.quantile(s, np.linspace(0, 1, n + 1)))
    cut = pd.cut(s, edges, include_lowest=True)
    mids = [float((iv.left + iv.right) / 2) for iv in cut.cat.categories]
    return cut.cat.codes.map(dict(enumerate(mids))), mids


def _figures(df: pd.DataFrame, indices: pd.DataFrame, manifest: dict, outcomes: list[str]) -> list[tuple[str, str, object]]:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    worlds = list(dict.fromkeys(df["world"]))
    scenarios = list(dict.fromkeys(df["scenario"]))
    varied = list(manifest["design"].get("grid") or {}) + list((manifest["design"].get("ranged") or {}))
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    figs: list[tuple[str, str, object]] = []

    # distributions per world
    for outcome in outcomes:
        fig = go.Figure()
        for i, scen in enumerate(scenarios):
            sub = df[df["scenario"] == scen]
            fig.add_trace(go.Box(x=sub["world"], y=sub[outcome], name=scen, boxmean=True,
                                 boxpoints="outliers" if len(sub) <= 20000 else False,
                                 marker_color=palette[i % len(palette)]))
        fig.update_layout(title=f"{outcome}: distribution over all runs, per world", height=420,
                          boxmode="group", yaxis_title=outcome, xaxis_title="world",
                          showlegend=len(scenarios) > 1, margin=dict(t=50, b=40))
        figs.append(("distributions", f"dist-{outcome}", fig))

    # response surfaces over the two most influential varied parameters
    if len(varied) >= 2:
        for outcome in outcomes:
            px_, py_ = _top_parameters(indices, outcome, varied)
            fig = make_subplots(rows=1, cols=len(worlds), subplot_titles=worlds, shared_yaxes=True,
                                horizontal_spacing=0.03)
            sub = df[df["scenario"] == scenarios[0]]
            zmin, zmax = float(np.nanmin(df[outcome])), float(np.nanmax(df[outcome]))
            for j, world in enumerate(worlds):
                w = sub[sub["world"] == world]
                if w.empty:
                    continue
                # about three design points per cell: a sparse design (Sobol' N=64) gets coarse bins
                distinct = len(w[[px_, py_]].drop_duplicates())
                nb = max(3, min(12, int(math.sqrt(distinct / 3))))
                bx, _ = _bins(w[px_], nb)
                by, _ = _bins(w[py_], nb)
                table = w.assign(_x=bx.to_numpy(), _y=by.to_numpy()).pivot_table(
                    index="_y", columns="_x", values=outcome, aggfunc="mean", observed=True)
                fig.add_trace(go.Heatmap(x=list(table.columns), y=list(table.index), z=table.to_numpy(),
                                         zmin=zmin, zmax=zmax, colorscale="Viridis", showscale=(j == 0),
                                         colorbar=dict(title=outcome[:20]),
                                         hovertemplate=f"{px_}=%{{x}}<br>{py_}=%{{y}}<br>mean=%{{z:.3f}}<extra></extra>"),
                              row=1, col=j + 1)
                fig.update_xaxes(title_text=px_, row=1, col=j + 1)
            fig.update_yaxes(title_text=py_, row=1, col=1)
            title = f"{outcome}: mean over runs by {px_} and {py_}"
            if len(scenarios) > 1:
                title += f" (scenario {scenarios[0]})"
            fig.update_layout(title=title, height=400, margin=dict(t=70, b=50))
            figs.append(("surfaces", f"surf-{outcome}", fig))

    # sensitivity bars
    if not indices.empty:
        for outcome in outcomes:
            sel = indices[indices["outcome"] == outcome]
            if sel.empty:
                continue
            for (method, index), part in sel.groupby(["method", "index"], sort=False):
                if index == "sigma":
                    continue
                fig = go.Figure()
                agg = part.groupby(["world", "parameter"], sort=False).agg(value=("value", "mean"),
                                                                           conf=("conf", "mean")).reset_index()
                for i, world in enumerate(worlds):
                    a = agg[agg["world"] == world]
                    if a.empty:
                        continue
                    err = a["conf"].to_numpy()
                    fig.add_trace(go.Bar(x=a["parameter"], y=a["value"], name=world,
                                         marker_color=palette[i % len(palette)],
                                         error_y=dict(type="data", array=np.nan_to_num(err), visible=bool(np.isfinite(err).any()))))
                label = {"S1": "first-order index S1", "ST": "total index ST", "mu_star": "Morris mu*"}.get(index, index)
                cells = part["cell"].nunique()
                note = f" (mean over {cells} grid cells)" if cells > 1 else ""
                fig.update_layout(title=f"{outcome}: {label} ({method}){note}", barmode="group", height=380,
                                  yaxis_title=index, margin=dict(t=50, b=40))
                figs.append(("sensitivity", f"sens-{outcome}-{method}-{index}", fig))
    return figs


def _provenance_table(manifest: dict) -> str:
    prov = manifest.get("provenance", {})
    sessions = manifest.get("sessions", [])
    rows = [
        ("sweep", manifest.get("name")),
        ("description", manifest.get("description")),
        ("design", manifest.get("describe")),
        ("size formula", manifest["design"].get("size_formula")),
        ("runs", f"{manifest.get('runs_done')} of {manifest.get('runs')} ({manifest.get('status')})"),
        ("spec", f"{manifest.get('spec_path')} (sha256 {str(manifest.get('spec_sha256'))[:12]})"),
        ("scenarios", ", ".join(f"{s['name']} ({str(s['hash'])[:12]})" for s in manifest.get("scenarios", []))),
        ("versions", ", ".join(f"{k} {v}" for k, v in prov.get("versions", {}).items())),
        ("code", f"fingerprint {str(prov.get('code_fingerprint'))[:12]}, git {prov.get('git')}"),
        ("wall time", f"{sum(s.get('seconds') or 0 for s in sessions):.1f} s over {len(sessions)} session(s)"),
        ("commands", "<br>".join(html.escape(str(s.get("command"))) + f" — {html.escape(str(s.get('executor')))}"
                                 for s in sessions)),
    ]
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{v if k == 'commands' else html.escape(str(v))}</td></tr>"
                               for k, v in rows) + "</table>"


def _indices_table(indices: pd.DataFrame) -> str:
    if indices.empty:
        return "<p class='note'>No indices (incomplete design, or nothing varied).</p>"
    t = (indices[indices["index"].isin(["S1", "ST", "mu_star"])]
         .groupby(["outcome", "world", "method", "index", "parameter"], sort=False)["value"].mean()
         .unstack("parameter").round(3))
    return t.to_html(classes="indices", border=0, na_rep="")


def write_report(path: Path, df: pd.DataFrame, indices: pd.DataFrame, manifest: dict, outcomes: list[str]) -> Path:
    import plotly.offline

    figs = _figures(df, indices, manifest, outcomes)
    sections = {"distributions": "Distributions of outcomes per world",
                "surfaces": "Response surfaces over the two most influential parameters",
                "sensitivity": "Sensitivity indices"}
    body = [f"<h1>Sweep {html.escape(str(manifest.get('name')))}</h1>"]
    if len(df) < int(manifest.get("runs") or 0):
        body.append(f"<p class='warn'>Incomplete sweep: {len(df)} of {manifest.get('runs')} runs are on disk; "
                    "indices are computed only for complete designs.</p>")
    body.append(_provenance_table(manifest))
    body.append("<p class='note'>Outcomes: " + ", ".join(f"<code>{html.escape(o)}</code>" for o in outcomes)
                + ". Indices: " + html.escape(_method_note(manifest["design"]["sampler"], bool(manifest["design"].get("grid"))))
                + "</p>")
    for key, title in sections.items():
        chunk = [f for f in figs if f[0] == key]
        if not chunk:
            continue
        body.append(f"<h2>{title}</h2>")
        if key == "sensitivity":
            body.append(_indices_table(indices))
        for _, div_id, fig in chunk:
            safe = "".join(ch if ch.isalnum() else "-" for ch in div_id)
            body.append(fig.to_html(include_plotlyjs=False, full_html=False, div_id=safe))
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>Sweep {html.escape(str(manifest.get('name')))}</title><style>{_CSS}</style>"
            f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head><body>"
            + "\n".join(body) + "</body></html>")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _method_note(sampler: str, grid: bool) -> str:
    notes = {
        "sobol": "Sobol' S1 and ST (SALib, Saltelli/Sobol' design) per world and grid cell, on replicate means;",
        "morris": "Morris mu* (SALib) per world and grid cell, on replicate means;",
        "latin": "RBD-FAST S1 (SALib) per world and grid cell, on replicate means;",
        "grid": "",
    }
    text = notes[sampler]
    if grid:
        text += " listed parameters: first-order share of variance Var(E[Y|X])/Var(Y) over all runs of a world."
    return text.strip(" ;").rstrip(".") + "."


def analyze(run_dir: str | os.PathLike, outcomes: Sequence[str] | None = None,
            out_html: str | os.PathLike | None = None) -> Path:
    """Indices and an offline HTML report for the sweep in ``run_dir``; returns the report's path.

    ``outcomes``: summary columns kept by the sweep (default: all of them), or summary expressions such as
    ``tension@2010`` computed from the kept steps.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    df, outcomes = outcome_table(run_dir, manifest, outcomes)
    indices = compute_indices(df, manifest, outcomes)
    adir = run_dir / "analysis"
    adir.mkdir(exist_ok=True)
    indices.to_csv(adir / "indices.csv", index=False)
    (adir / "outcomes.json").write_text(json.dumps(outcomes) + "\n")
    path = Path(out_html) if out_html is not None else run_dir / "report.html"
    return write_report(path, df, indices, manifest, outcomes)
