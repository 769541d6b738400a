"""Self-contained HTML reports (plotly.js embedded once; opens offline).

The run report shows, per world side by side on the same seeds: trajectories (median and 10–90 % band
over seeds), scripted events as thin grey lines, emergent events as markers sized by the share of seeds in
which they happened, the held-out years (2014 on) shaded, the relationship regime, and the scorecard.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

HELD_OUT_FROM = 2014.0
WORLD_COLOURS = {"security_dilemma": "#1f77b4", "deterrence": "#d62728", "provocation": "#2ca02c",
                 "revisionist_spiral": "#9467bd"}
SCENARIO_COLOURS = ["#333333", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#8c564b", "#7f7f7f", "#1f77b4"]
EMERGENT_STYLE = {"use_of_force": ("#b30000", "x", "use of force"), "coercion": ("#ff7f0e", "triangle-up", "coercion"),
                  "acceptance": ("#2ca02c", "circle", "acceptance"), "refusal": ("#7f7f7f", "circle-open", "refusal"),
                  "proposal": ("#1f77b4", "diamond", "proposal"), "application": ("#9467bd", "square", "application"),
                  "alliance_decision": ("#8c564b", "star", "alliance decision")}
MAJOR_SCRIPTED = ("accession", "invitation", "membership_pledge", "operation", "enlargement_signal",
                  "institution_offer", "common_threat")
RUSSIA_ONLY = ("acceptance", "refusal", "proposal")  # on trajectory charts, only Russia's own answers

PANELS = [
    ("tension", "Tension index (both sides)"),
    ("tension_russia", "Russia-only tension index"),
    ("trust_russia_in_nato", "Russia's trust in NATO"),
    ("trust_nato_in_russia", "NATO's trust in Russia"),
    ("centrality", "NATO centrality C"),
    ("russia_expected_centrality", "Russia's expected C"),
    ("russia_insecurity", "Russia's insecurity (total)"),
    ("russia_insecurity_military", "  military (proximity-driven)"),
    ("russia_insecurity_status", "  status (C-driven)"),
    ("russia_insecurity_sphere", "  sphere loss"),
    ("russia_burden", "Russia's military burden (share of GDP)"),
    ("nato_members", "NATO members"),
]


def _bands(obs: pd.DataFrame, col: str, by: str) -> pd.DataFrame:
    g = obs.groupby([by, "year"])[col]
    return pd.DataFrame({"median": g.median(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)}).reset_index()


def _hex_to_rgba(h: str, a: float) -> str:
    h = h.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def _year_of(date: pd.Series) -> pd.Series:
    return date.str.slice(0, 4).astype(int) + (date.str.slice(5, 6).astype(int) - 1) / 4.0


def trajectory_figure(obs: pd.DataFrame, col: str, title: str, by: str = "world", colours=None,
                      events: pd.DataFrame | None = None) -> go.Figure:
    """One observable: one subplot per value of ``by`` (world) side by side, or overlaid if ``by`` is
    'scenario'."""
    keys = list(dict.fromkeys(obs[by]))
    colours = colours or {k: WORLD_COLOURS.get(k, SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]) for i, k in enumerate(keys)}
    side_by_side = by == "world" and len(keys) > 1
    fig = make_subplots(rows=1, cols=len(keys) if side_by_side else 1, shared_yaxes=True,
                        subplot_titles=keys if side_by_side else None, horizontal_spacing=0.02)
    b = _bands(obs, col, by)
    for i, k in enumerate(keys):
        c = 1 + i if side_by_side else 1
        d = b[b[by] == k]
        colour = colours[k]
        fig.add_trace(go.Scatter(x=np.concatenate([d["year"], d["year"][::-1]]),
                                 y=np.concatenate([d["hi"], d["lo"][::-1]]), fill="toself",
                                 fillcolor=_hex_to_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, legendgroup=k), row=1, col=c)
        fig.add_trace(go.Scatter(x=d["year"], y=d["median"], name=k, line=dict(color=colour, width=2),
                                 legendgroup=k, showlegend=not side_by_side,
                                 hovertemplate=f"{k}<br>%{{x:.2f}}: %{{y:.3f}}<extra></extra>"), row=1, col=c)
        fig.add_vrect(x0=HELD_OUT_FROM, x1=float(obs["year"].max()) + 0.25, fillcolor="#888", opacity=0.08,
                      line_width=0, row=1, col=c)
        if events is not None and len(events):
            ev = events[events[by] == k] if by in events else events
            _add_events(fig, ev, obs[obs[by] == k], col, c)
    fig.add_annotation(x=HELD_OUT_FROM, y=1.0, yref="paper", xref="x", text="held out (2014→)", showarrow=False,
                       xanchor="left", font=dict(size=10, color="#555"))
    fig.update_layout(title=title, height=300, margin=dict(l=50, r=20, t=60, b=30), template="plotly_white",
                      legend=dict(orientation="h", y=-0.15))
    fig.update_xaxes(range=[float(obs["year"].min()) - 0.25, float(obs["year"].max()) + 0.5])
    return fig


def _add_events(fig, ev: pd.DataFrame, obs: pd.DataFrame, col: str, c: int):
    n_seeds = max(1, obs["seed"].nunique())
    ymax = float(obs[col].max()) if len(obs) else 1.0
    scripted = ev[ev["scripted"] & ev["kind"].isin(MAJOR_SCRIPTED)].drop_duplicates(["event_id"])
    for _, e in scripted.iterrows():
        x = float(_year_of(pd.Series([e["date"]])).iloc[0])
        fig.add_vline(x=x, line=dict(color="#bbb", width=1, dash="dot"), row=1, col=c)
    if len(scripted):
        xs = _year_of(scripted["date"])
        fig.add_trace(go.Scatter(x=xs, y=[ymax * 1.02] * len(xs), mode="markers",
                                 marker=dict(symbol="line-ns-open", size=8, color="#888"), name="scripted event",
                                 text=[f"{d} {k}: {eid} ({t})" for d, k, eid, t in
                                       zip(scripted["date"], scripted["kind"], scripted["event_id"], scripted["target"])],
                                 hoverinfo="text", showlegend=(c == 1), legendgroup="scripted"), row=1, col=c)
    emergent = ev[~ev["scripted"] & ev["kind"].isin(EMERGENT_STYLE)]
    emergent = emergent[~emergent["kind"].isin(RUSSIA_ONLY) | (emergent["actor"] == "RUS")]
    if len(emergent):
        share = emergent.groupby(["kind", "date"]).agg(n=("seed", "nunique"),
                                                       targets=("target", lambda s: ", ".join(sorted(set(s))[:6])))
        share = share.reset_index()
        rows = {"use_of_force": 1.16, "coercion": 1.12, "proposal": 1.08, "acceptance": 1.08, "refusal": 1.08,
                "application": 1.04, "alliance_decision": 1.04}
        for kind, g in share.groupby("kind"):
            colour, symbol, label = EMERGENT_STYLE[kind]
            frac = g["n"] / n_seeds
            fig.add_trace(go.Scatter(x=_year_of(g["date"]), y=[ymax * rows.get(kind, 1.08)] * len(g), mode="markers",
                                     marker=dict(symbol=symbol, color=colour, size=3 + 10 * np.sqrt(frac),
                                                 line=dict(width=1, color=colour)),
                                     name=f"emergent: {label}", legendgroup=kind, showlegend=(c == 1),
                                     text=[f"{d} {label} → {t}: {f:.0%} of seeds" for d, t, f in
                                           zip(g["date"], g["targets"], frac)], hoverinfo="text"), row=1, col=c)


def regime_figure(obs: pd.DataFrame, by: str = "world") -> go.Figure:
    from sim.mechanisms.observables import REGIMES
    keys = list(dict.fromkeys(obs[by]))
    colours = {"cooperation": "#2ca02c", "cold_peace": "#bcbd22", "confrontation": "#ff7f0e", "crisis": "#d62728",
               "war": "#7f0000"}
    fig = make_subplots(rows=1, cols=len(keys), shared_yaxes=True, subplot_titles=keys, horizontal_spacing=0.02)
    for i, k in enumerate(keys):
        d = obs[obs[by] == k]
        shares = pd.crosstab(d["year"], d["regime"], normalize="index")
        for r in REGIMES:
            if r in shares:
                fig.add_trace(go.Scatter(x=shares.index, y=shares[r], stackgroup="one", name=r, mode="none",
                                         fillcolor=colours[r], legendgroup=r, showlegend=(i == 0)), row=1, col=i + 1)
    fig.update_layout(title="Relationship regime: share of seeds", height=280, template="plotly_white",
                      margin=dict(l=50, r=20, t=60, b=30), legend=dict(orientation="h", y=-0.2))
    return fig


def scorecard_html(card: pd.DataFrame) -> str:
    worlds = list(dict.fromkeys(card["world"]))
    rows = []
    for pid, g in card.groupby("pattern", sort=False):
        r0 = g.iloc[0]
        cells = ""
        for w in worlds:
            r = g[g["world"] == w]
            share = float(r["share"].iloc[0]) if len(r) else float("nan")
            bg = "#d8f0d8" if share >= 0.5 else "#f6dcdc"
            cells += f'<td style="background:{bg};text-align:right">{share:.0%}</td>'
        rows.append(f"<tr><td><b>{html.escape(pid)}</b><br><small>{html.escape(r0['text'])}</small></td>{cells}"
                    f"<td>{'contested' if r0['contested'] else ''}</td><td><small>{html.escape(r0['source'])}</small></td></tr>")
    totals = card.groupby("world", sort=False)["held"].sum()
    head = "".join(f"<th>{html.escape(w)}</th>" for w in worlds)
    foot = "".join(f"<td style='text-align:right'><b>{int(totals.get(w, 0))}</b></td>" for w in worlds)
    return (f"<table class='card'><tr><th>pattern (1992-2013)</th>{head}<th></th><th>source</th></tr>"
            f"{''.join(rows)}<tr><td><b>held (share ≥ 50 %)</b></td>{foot}<td></td><td></td></tr></table>")


CSS = """body{font-family:system-ui,sans-serif;max-width:1400px;margin:auto;padding:1em;color:#222}
table.card{border-collapse:collapse;font-size:13px}table.card td,table.card th{border:1px solid #ddd;padding:4px 6px}
.note{color:#555;font-size:13px}h2{margin-top:1.5em}"""


def write_html(path: Path, title: str, intro: str, sections: list[tuple[str, list]]) -> Path:
    """Write a page: sections of (heading, [figure or html string]). plotly.js is embedded once."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>{intro}"]
    first = True
    for heading, items in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for item in items:
            if isinstance(item, go.Figure):
                parts.append(item.to_html(full_html=False, include_plotlyjs=True if first else False))
                first = False
            else:
                parts.append(item)
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def run_report(obs: pd.DataFrame, events: pd.DataFrame, card: pd.DataFrame | None, out: Path,
               manifest: dict) -> Path:
    worlds = list(dict.fromkeys(obs["world"]))
    n_seeds = obs["seed"].nunique()
    scen = ", ".join(dict.fromkeys(obs["scenario"]))
    intro = (f"<p class='note'>Scenario <b>{html.escape(scen)}</b> · worlds {', '.join(worlds)} · {n_seeds} paired seeds "
             f"(the same seeds in every world) · lines: median over seeds, bands: 10–90 %. Grey dotted lines: scripted "
             f"events (hover the ticks at the top); coloured markers: emergent events, sized by the share of seeds in "
             f"which they happened. Shaded: the held-out years from 2014, on which nothing was tuned. "
             f"Command: <code>{html.escape(str(manifest.get('command', '')))}</code></p>")
    sections = []
    if card is not None:
        sections.append(("Scorecard: training patterns (THEORY §6)", [scorecard_html(card)]))
    figs = [trajectory_figure(obs, col, title, events=events if col in ("tension", "tension_russia") else None)
            for col, title in PANELS]
    sections.append(("Trajectories by world", figs[:2] + [regime_figure(obs)] + figs[2:]))
    emerg = events[~events["scripted"]]
    if len(emerg):
        tab = (emerg.groupby(["world", "kind", "target"]).agg(seeds=("seed", "nunique"), first=("date", "min"))
               .reset_index().sort_values(["world", "kind", "first"]))
        tab["share of seeds"] = (tab["seeds"] / n_seeds).map("{:.0%}".format)
        sections.append(("Emergent events (by world, kind and target)",
                         [tab.drop(columns="seeds").to_html(index=False, classes="card", border=0)]))
    return write_html(out, "NATO–Russia spiral: historical replay", intro, sections)
