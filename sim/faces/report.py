"""Self-contained HTML reports (plotly.js embedded once; opens offline).

The run report shows, per world side by side on the same seeds (worlds always in the order of
``sim.worlds.WORLDS``): trajectories as the median over seeds with the 10–90 % band — and, where the
seeds disagree widely, a few single seeds as thin lines and the width of the band — with the held-out
years (2014 on) shaded and labelled on every panel; under each panel a strip of events, one row per kind,
each year's cell shaded by the number of events per seed (hover for counts, targets and the share of
seeds); the relationship regime; and the scorecard.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.engine.events import RESPONSE_PREFIX
from sim.faces.plots import (  # noqa: F401 (write_html and CSS: the page writer, also for other reports)
    CSS,
    SCENARIO_COLOURS,
    WORLD_COLOURS,
    bands,
    hex_to_rgba,
    world_order,
    write_html,
    year_of,
)

HELD_OUT_FROM = 2014.0
HELD_OUT_LABEL = "held out (2014→)"
MAJOR_SCRIPTED = ("accession", "invitation", "membership_pledge", "operation", "enlargement_signal",
                  "institution_offer", "common_threat")
RUSSIA_ONLY = ("acceptance", "refusal", "proposal")  # on trajectory charts, only Russia's own answers
#: Rows of the event strip, top to bottom: (label, colour, event kinds). "scripted" takes the major
#: scripted kinds above; "West responds" the acts of the scenario's response rules (scripted acts that happen
#: only in the runs where Russia acted: events.RESPONSE_PREFIX); the others take emergent events
#: (proposal/answers: Russia's own only).
RESPONSE_ROW = "West responds (rule)"
EVENT_ROWS = [
    ("scripted", "#666666", MAJOR_SCRIPTED),
    (RESPONSE_ROW, "#08306b", ("suspend_cooperation", "institution_offer")),
    ("application", "#9467bd", ("application",)),
    ("alliance decision", "#8c564b", ("alliance_decision",)),
    ("Russia proposes", "#1f77b4", ("proposal",)),
    ("Russia accepts/refuses", "#2ca02c", ("acceptance", "refusal")),
    ("coercion", "#ff7f0e", ("coercion",)),
    ("use of force", "#b30000", ("use_of_force",)),
]
#: A band is "wide" when, in at least a quarter of the dates, the 10–90 % range over seeds spans more than
#: this share of the figure's y range: then single seeds are drawn too and the panel says how wide it gets.
WIDE_BAND = 0.2
SINGLE_SEEDS = 5

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


def _axis(name: str, k: int) -> str:
    return name if k == 1 else f"{name}{k}"


def event_counts(events: pd.DataFrame, n_seeds: int, by: str = "world") -> pd.DataFrame:
    """Events per ``by`` value, strip row and year: ``per_seed`` (events per seed in that year; a scripted
    event counts once) and a hover ``text``."""
    cols = [by, "row", "year", "per_seed", "text"]
    if events is None or not len(events):
        return pd.DataFrame(columns=cols)
    ev = events.assign(year=events["date"].str.slice(0, 4).astype(int))
    response = ev["scripted"] & ev["cause"].astype(str).str.startswith(RESPONSE_PREFIX)
    out = []
    for label, _, kinds in EVENT_ROWS:
        if label == "scripted":
            d = ev[ev["scripted"] & ~response & ev["kind"].isin(kinds)].drop_duplicates([by, "event_id"])
            for (key, year), g in d.groupby([by, "year"]):
                names = [f"{k} {t}".strip() for k, t in zip(g["kind"], g["target"])]
                more = f" and {len(names) - 6} more" if len(names) > 6 else ""
                out.append((key, label, year, float(len(g)),
                            f"{year}: {len(g)} scripted: {'; '.join(names[:6])}{more}"))
            continue
        d = ev[(response if label == RESPONSE_ROW else ~ev["scripted"]) & ev["kind"].isin(kinds)]
        d = d[~d["kind"].isin(RUSSIA_ONLY) | (d["actor"] == "RUS")]
        for (key, year), g in d.groupby([by, "year"]):
            per_seed = len(g) / n_seeds
            targets = ", ".join(sorted(set(g["target"]) - {""})[:6])
            out.append((key, label, year, per_seed,
                        f"{year}: {label}: {per_seed:.2g} per seed, in {g['seed'].nunique()} of {n_seeds} seeds"
                        + (f" (→ {targets})" if targets else "")))
    return pd.DataFrame(out, columns=cols)


def _held_out(fig: go.Figure, k: int, x1: float, label: bool, line: bool = False) -> None:
    """Shade the held-out years in subplot axis number ``k`` (or, ``line``, mark where they start: for
    filled areas that would hide the shading) and label them at its top."""
    xr, yr = _axis("x", k), _axis("y", k)
    if line:
        fig.add_shape(type="line", xref=xr, yref=f"{yr} domain", x0=HELD_OUT_FROM, x1=HELD_OUT_FROM, y0=0, y1=1,
                      line=dict(color="#222", width=1.2, dash="dash"), layer="above")
    else:
        fig.add_shape(type="rect", xref=xr, yref=f"{yr} domain", x0=HELD_OUT_FROM, x1=x1, y0=0, y1=1,
                      fillcolor="#888", opacity=0.10, line_width=0, layer="below")
    if label:
        fig.add_annotation(x=HELD_OUT_FROM, y=1.0, xref=xr, yref=f"{yr} domain", text=HELD_OUT_LABEL,
                           showarrow=False, xanchor="left", yanchor="top", font=dict(size=9, color="#333"),
                           bgcolor="rgba(255,255,255,0.7)" if line else None)


def trajectory_figure(obs: pd.DataFrame, col: str, title: str, by: str = "world", colours=None,
                      events: pd.DataFrame | None = None, counts: pd.DataFrame | None = None) -> go.Figure:
    """One observable: a panel per world (``by="world"``; side by side, in the order of WORLDS), or every
    scenario overlaid (``by="scenario"``). Median over seeds with the 10–90 % band; a few single seeds where
    the band is wide; the held-out years shaded and labelled; under each panel a strip of ``events``."""
    keys = world_order(obs[by]) if by == "world" else list(dict.fromkeys(obs[by]))
    colours = colours or {k: WORLD_COLOURS.get(k, SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)])
                          for i, k in enumerate(keys)}
    side_by_side = by == "world" and len(keys) > 1
    n_cols = len(keys) if side_by_side else 1
    n_seeds = max(1, obs["seed"].nunique())
    if counts is None:  # (a report of many panels computes them once and passes them)
        counts = event_counts(events, n_seeds, by) if events is not None else pd.DataFrame()
    rows_shown = [r for r, _, _ in EVENT_ROWS if len(counts) and r in set(counts["row"])]
    strip = bool(rows_shown)
    n_rows = 2 if strip else 1
    strip_px = 13 * len(rows_shown)
    main_px = 230
    b = bands(obs, col, by)
    x0, x1 = float(obs["year"].min()) - 0.25, float(obs["year"].max()) + 0.5
    y_span = float(b["hi"].max() - b["lo"].min()) or 1.0
    wide = {}  # key -> (widest 10-90 % range, its year) where the seeds disagree widely
    for k in keys if side_by_side else ():
        d = b[b[by] == k]
        width = (d["hi"] - d["lo"]).to_numpy()
        if len(width) and np.quantile(width, 0.75) > WIDE_BAND * y_span:
            wide[k] = (float(np.median(width)), float(width.max()), float(d["year"].iloc[int(np.argmax(width))]))
    n_single = min(SINGLE_SEEDS, n_seeds)
    titles = [f"{k}<br><span style='font-size:10px;color:#555'>10–90 %: median {wide[k][0]:.2g}, max {wide[k][1]:.2g} "
              f"· {n_single} seeds drawn</span>" if k in wide else k for k in keys]
    fig = make_subplots(rows=n_rows, cols=n_cols, shared_yaxes=True, shared_xaxes=True,
                        subplot_titles=(titles if side_by_side else None), horizontal_spacing=0.015,
                        vertical_spacing=0.04 if strip else 0.0,
                        row_heights=[main_px, strip_px] if strip else None)
    y_lo, y_hi = float(b["lo"].min()), float(b["hi"].max())
    for i, k in enumerate(keys):
        c = 1 + i if side_by_side else 1
        d = b[b[by] == k]
        colour = colours[k]
        fig.add_trace(go.Scatter(x=np.concatenate([d["year"], d["year"][::-1]]),
                                 y=np.concatenate([d["hi"], d["lo"][::-1]]), fill="toself",
                                 fillcolor=hex_to_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, legendgroup=k), row=1, col=c)
        if k in wide:
            own = obs[obs[by] == k]
            for seed in sorted(own["seed"].unique())[:n_single]:
                one = own[own["seed"] == seed]
                y_lo, y_hi = min(y_lo, float(one[col].min())), max(y_hi, float(one[col].max()))
                fig.add_trace(go.Scatter(x=one["year"], y=one[col], mode="lines", showlegend=False,
                                         line=dict(color=hex_to_rgba(colour, 0.55), width=0.8),
                                         hovertemplate=f"{k}, seed {seed}<br>%{{x:.2f}}: %{{y:.3f}}<extra></extra>"),
                              row=1, col=c)
        fig.add_trace(go.Scatter(x=d["year"], y=d["median"], name=k, line=dict(color=colour, width=2),
                                 legendgroup=k, showlegend=not side_by_side,
                                 hovertemplate=f"{k}<br>%{{x:.2f}}: median %{{y:.3f}}<extra></extra>"), row=1, col=c)
        if strip:
            _event_strip(fig, counts[counts[by] == k], rows_shown, counts, int(x0), int(x1), c, n_cols)
        if not side_by_side:
            break
    if not side_by_side:  # overlay: every scenario in the one panel
        for k in keys[1:]:
            d = b[b[by] == k]
            fig.add_trace(go.Scatter(x=np.concatenate([d["year"], d["year"][::-1]]),
                                     y=np.concatenate([d["hi"], d["lo"][::-1]]), fill="toself",
                                     fillcolor=hex_to_rgba(colours[k], 0.18), line=dict(width=0),
                                     hoverinfo="skip", showlegend=False, legendgroup=k), row=1, col=1)
            fig.add_trace(go.Scatter(x=d["year"], y=d["median"], name=k, legendgroup=k,
                                     line=dict(color=colours[k], width=2)), row=1, col=1)
    for c in range(1, n_cols + 1):
        _held_out(fig, c, x1, label=True)
        if strip:
            _held_out(fig, n_cols + c, x1, label=False)
    pad = 0.05 * ((y_hi - y_lo) or 1.0)
    fig.update_yaxes(range=[y_lo - pad, y_hi + pad], row=1, col=1)
    if side_by_side:  # a key to the line styles (the colours are the worlds, named above each panel)
        for name, style in (("median over seeds", dict(mode="lines", line=dict(color="#555", width=2))),
                            ("10–90 % of seeds", dict(mode="markers", marker=dict(symbol="square", size=12,
                                                                                   color="rgba(85,85,85,0.25)"))),
                            ("a single seed (where the seeds disagree)",
                             dict(mode="lines", line=dict(color="rgba(85,85,85,0.55)", width=0.8)))):
            fig.add_trace(go.Scatter(x=[None], y=[None], name=name, showlegend=True, hoverinfo="skip", **style),
                          row=1, col=1)
    height = 80 + main_px + (strip_px + 25 if strip else 0) + 60
    fig.update_layout(title=dict(text=title, x=0.0, xanchor="left", y=0.98, yanchor="top"), height=height,
                      margin=dict(l=150 if strip else 50, r=20, t=80 if wide else 60, b=30), template="plotly_white",
                      legend=dict(orientation="h", y=-0.05 if strip else -0.15, yanchor="top", x=0, font=dict(size=11),
                                  traceorder="normal"))
    fig.update_xaxes(range=[x0, x1])
    for c in range(1, n_cols + 1):  # year labels under the lowest row of every column
        fig.update_xaxes(showticklabels=True, row=n_rows, col=c)
        if strip:
            fig.update_xaxes(showticklabels=False, row=1, col=c)
    return fig


def _event_strip(fig, counts: pd.DataFrame, rows: list[str], all_counts: pd.DataFrame, first_year: int,
                 last_year: int, c: int, n_cols: int) -> None:
    """The events under panel ``c``: one row per kind, one cell per year, darker = more events per seed.

    One heatmap whose z is ``row index + count / the row's largest count`` (0 excluded), with a colour scale
    made of one band per row, from pale to full in that row's colour (several heatmaps in one subplot do
    not render in plotly.js)."""
    years = np.arange(first_year, last_year + 1)
    colour_of = {label: colour for label, colour, _ in EVENT_ROWS}
    z, text, ticks, scale = [], [], [], []
    n = len(rows)
    for i, label in enumerate(rows):
        d = counts[counts["row"] == label].set_index("year")
        top = float(all_counts.loc[all_counts["row"] == label, "per_seed"].max()) or 1.0
        ratio = np.array([d["per_seed"].get(y, np.nan) for y in years], dtype=float) / top
        z.append(np.where(np.isfinite(ratio), i + 0.2 + 0.79 * np.minimum(ratio, 1.0), np.nan).tolist())
        text.append([d["text"].get(y, "") for y in years])
        ticks.append(f"{label} (max {top:.2g})")
        scale += [[i / n, hex_to_rgba(colour_of[label], 0.12)], [(i + 1) / n, hex_to_rgba(colour_of[label], 1.0)]]
    # z of row i lies in (i, i + 1): its band of the colour scale; keep the bands from blending
    scale = [[min(1.0, max(0.0, p)), col] for p, col in scale]
    fig.add_trace(go.Heatmap(x=years + 0.5, y=ticks, z=z, text=text, hoverinfo="text", zmin=0, zmax=n,
                             showscale=False, xgap=1, ygap=1, colorscale=scale), row=2, col=c)
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=9), showgrid=False, row=2, col=c,
                     showticklabels=(c == 1))


def regime_figure(obs: pd.DataFrame, by: str = "world") -> go.Figure:
    from sim.mechanisms.observables import REGIMES
    keys = world_order(obs[by]) if by == "world" else list(dict.fromkeys(obs[by]))
    colours = {"cooperation": "#2ca02c", "cold_peace": "#bcbd22", "confrontation": "#ff7f0e", "crisis": "#d62728",
               "war": "#7f0000"}
    fig = make_subplots(rows=1, cols=len(keys), shared_yaxes=True, subplot_titles=keys, horizontal_spacing=0.015)
    for i, k in enumerate(keys):
        d = obs[obs[by] == k]
        shares = pd.crosstab(d["year"], d["regime"], normalize="index")
        for r in REGIMES:
            if r in shares:
                fig.add_trace(go.Scatter(x=shares.index, y=shares[r], stackgroup="one", name=r, mode="none",
                                         fillcolor=colours[r], legendgroup=r, showlegend=(i == 0)), row=1, col=i + 1)
    for i in range(len(keys)):
        _held_out(fig, i + 1, float(obs["year"].max()) + 0.5, label=True, line=True)
    fig.update_layout(title="Relationship regime: share of seeds", height=280, template="plotly_white",
                      margin=dict(l=150, r=20, t=60, b=30), legend=dict(orientation="h", y=-0.2))
    return fig


def scorecard_html(card: pd.DataFrame, pulses: pd.DataFrame | None = None) -> str:
    """The scorecard as a table; with ``pulses`` (:func:`sim.runs.score.pulses_off_check`), each cell also
    gives the share of seeds with NATO's stance held at cooperate ("pulses off")."""
    worlds = world_order(card["world"])
    off = {} if pulses is None else {(r.world, r.pattern): r.share_pulses_off for r in pulses.itertuples()}
    rows = []
    for pid, g in card.groupby("pattern", sort=False):
        r0 = g.iloc[0]
        cells = ""
        for w in worlds:
            r = g[g["world"] == w]
            share = float(r["share"].iloc[0]) if len(r) else float("nan")
            bg = "#d8f0d8" if share >= 0.5 else "#f6dcdc"
            o = off.get((w, pid))
            extra = (f"<br><small title='share with the Western pulses off'>off: {o:.0%}</small>"
                     if o is not None and o == o else "")
            cells += f'<td style="background:{bg};text-align:right">{share:.0%}{extra}</td>'
        rows.append(f"<tr><td><b>{html.escape(pid)}</b><br><small>{html.escape(r0['text'])}</small></td>{cells}"
                    f"<td>{'contested' if r0['contested'] else ''}</td><td><small>{html.escape(r0['source'])}</small></td></tr>")
    totals = card.groupby("world", sort=False)["held"].sum()
    head = "".join(f"<th>{html.escape(w)}</th>" for w in worlds)
    foot = "".join(f"<td style='text-align:right'><b>{int(totals.get(w, 0))}</b></td>" for w in worlds)
    note = ("" if pulses is None else "<p class='note'>“off”: the share of seeds in the same runs with every NATO "
            "member's stance held at cooperate (<code>west_pulses_off</code> = 1); a pattern that falls there comes "
            "from the West's pulses rather than from Russia (docs/scoring.md).</p>")
    return (f"<table class='card'><tr><th>pattern (1992-2013)</th>{head}<th></th><th>source</th></tr>"
            f"{''.join(rows)}<tr><td><b>held (share ≥ 50 %)</b></td>{foot}<td></td><td></td></tr></table>{note}")


def run_report(obs: pd.DataFrame, events: pd.DataFrame, card: pd.DataFrame | None, out: Path,
               manifest: dict, pulses: pd.DataFrame | None = None) -> Path:
    worlds = world_order(obs["world"])
    n_seeds = obs["seed"].nunique()
    scen = ", ".join(dict.fromkeys(obs["scenario"]))
    intro = (f"<p class='note'>Scenario <b>{html.escape(scen)}</b> · worlds {', '.join(worlds)} · {n_seeds} paired seeds "
             f"(the same seeds in every world). Lines: median over seeds; bands: 10–90 % of seeds; where the seeds "
             f"disagree widely (at a quarter of the dates or more, the band spans over {WIDE_BAND:.0%} of the range), "
             f"{SINGLE_SEEDS} single seeds are drawn as thin lines and the title of the panel gives the median and the largest width of the band. Under each panel, the "
             f"events: one row per kind, one cell per year, darker = more events per seed in that year (a row's "
             f"darkest cell is the \"max\" beside its name; a scripted event counts once); hover a cell for the "
             f"count, the share of seeds and the targets. Shaded, on every panel: the held-out years from 2014, on "
             f"which nothing was tuned. Command: <code>{html.escape(str(manifest.get('command', '')))}</code></p>")
    sections = []
    if card is not None:
        sections.append(("Scorecard: training patterns (docs/theory.md §6)", [scorecard_html(card, pulses)]))
    counts = event_counts(events, max(1, n_seeds), "world") if events is not None else pd.DataFrame()
    figs = [trajectory_figure(obs, col, title, events=events, counts=counts) for col, title in PANELS if col in obs]
    sections.append(("Trajectories by world", figs[:2] + [regime_figure(obs)] + figs[2:]))
    emerg = events[~events["scripted"]]
    if len(emerg):
        order = {w: i for i, w in enumerate(world_order(emerg["world"]))}
        tab = (emerg.groupby(["world", "kind", "target"]).agg(seeds=("seed", "nunique"), first=("date", "min"))
               .reset_index())
        tab = tab.assign(_w=tab["world"].map(order)).sort_values(["_w", "kind", "first"]).drop(columns="_w")
        tab["share of seeds"] = (tab["seeds"] / n_seeds).map("{:.0%}".format)
        sections.append(("Emergent events (by world, kind and target)",
                         [tab.drop(columns="seeds").to_html(index=False, classes="card", border=0)]))
    return write_html(out, "NATO–Russia spiral: historical replay", intro, sections)
