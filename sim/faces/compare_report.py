"""The HTML reports of comparisons and event attributions (layer 6, faces): overlays, differences from the
base, event timelines, outcome tables, attribution charts — built from :class:`sim.runs.compare.Comparison`
and :class:`~sim.runs.compare.Attribution`, which know nothing of pages.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine.events import RESPONSE_PREFIX
from sim.faces.plots import write_html
from sim.calendar import parse_quarter
from sim.runs.compare import VARIABLES, Attribution, Comparison, _event_key

# ------------------------------------------------------------------------------------- report

SCEN_COLOURS = ["#333333", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]


def _colours(labels) -> dict:
    return {k: SCEN_COLOURS[i % len(SCEN_COLOURS)] for i, k in enumerate(labels)}


def _rgba(h: str, a: float) -> str:
    h = h.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def _l(a, nd: int = 4) -> list:
    """A short JSON list (plotly would otherwise embed full float64 arrays)."""
    return np.round(np.asarray(a, dtype=float), nd).tolist()


def _axis(col: int, axis: str) -> str:
    return axis if col == 1 else f"{axis}{col}"


def _edit_shapes(c: Comparison, n_cols: int, colours: dict, zero_line: bool = False) -> list[dict]:
    """Vertical dotted lines at each counterfactual's first edited date (and a zero line), in every panel.
    Built as plain dicts and set once: plotly's add_vline re-validates every shape and is quadratic."""
    shapes = []
    for col in range(1, n_cols + 1):
        xr, yr = _axis(col, "x"), _axis(col, "y")
        for _, r in c.scope.drop_duplicates("scenario").iterrows():
            if r["edit_kind"] == "dated":
                x = parse_quarter(r["first_edit"]) / 4.0
                shapes.append(dict(type="line", xref=xr, yref=f"{yr} domain", x0=x, x1=x, y0=0, y1=1,
                                   line=dict(color=colours[r["scenario"]], width=1, dash="dot")))
        if zero_line:
            shapes.append(dict(type="line", xref=f"{xr} domain", yref=yr, x0=0, x1=1, y0=0, y1=0,
                               line=dict(color="#999", width=1)))
    return shapes


def overlay_figure(c: Comparison, var: str, title: str):
    """One observable: a panel per world, every scenario overlaid (mean over seeds, band 10–90 %)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    colours = _colours(c.labels)
    fig = make_subplots(rows=1, cols=len(c.worlds), shared_yaxes=True, subplot_titles=list(c.worlds),
                        horizontal_spacing=0.02)
    g = c.observables.groupby(["scenario", "world", "year"], sort=False)[var]
    band = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)}).round(5).reset_index()
    for j, w in enumerate(c.worlds):
        for s in c.labels:
            d = band[(band["scenario"] == s) & (band["world"] == w)]
            col = colours[s]
            fig.add_trace(go.Scatter(x=_l(np.concatenate([d["year"], d["year"][::-1]])),
                                     y=_l(np.concatenate([d["hi"], d["lo"][::-1]])), fill="toself",
                                     fillcolor=_rgba(col, 0.12), line=dict(width=0), hoverinfo="skip",
                                     showlegend=False, legendgroup=s), row=1, col=j + 1)
            fig.add_trace(go.Scatter(x=_l(d["year"]), y=_l(d["mean"]), name=s, legendgroup=s, showlegend=(j == 0),
                                     line=dict(color=col, width=2.4 if s == c.base else 1.6),
                                     hovertemplate=f"{s}<br>%{{x:.2f}}: %{{y:.3f}}<extra></extra>"), row=1, col=j + 1)
    fig.update_layout(shapes=_edit_shapes(c, len(c.worlds), colours))
    fig.update_layout(title=title, height=330, template="plotly_white", margin=dict(l=50, r=20, t=60, b=30),
                      legend=dict(orientation="h", y=-0.18))
    return fig


def difference_figure(c: Comparison, var: str, title: str):
    """Counterfactual minus base, mean of per-seed differences with its interval, a panel per world."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    colours = _colours(c.labels)
    fig = make_subplots(rows=1, cols=len(c.worlds), shared_yaxes=True, subplot_titles=list(c.worlds),
                        horizontal_spacing=0.02)
    d = c.differences[c.differences["variable"] == var].round({"diff": 6, "lo": 6, "hi": 6})
    for j, w in enumerate(c.worlds):
        for s in c.labels[1:]:
            x = d[(d["scenario"] == s) & (d["world"] == w)]
            col = colours[s]
            fig.add_trace(go.Scatter(x=_l(np.concatenate([x["year"], x["year"][::-1]])),
                                     y=_l(np.concatenate([x["hi"], x["lo"][::-1]]), 5), fill="toself",
                                     fillcolor=_rgba(col, 0.18), line=dict(width=0), hoverinfo="skip",
                                     showlegend=False, legendgroup=s), row=1, col=j + 1)
            fig.add_trace(go.Scatter(x=_l(x["year"]), y=_l(x["diff"], 5), name=s, legendgroup=s, showlegend=(j == 0),
                                     line=dict(color=col, width=1.8),
                                     customdata=np.round(np.stack([x["lo"], x["hi"]], axis=-1), 5).tolist() if len(x) else None,
                                     hovertemplate=f"{s} − {c.base}<br>%{{x:.2f}}: %{{y:+.3f}} "
                                                   f"[%{{customdata[0]:+.3f}}, %{{customdata[1]:+.3f}}]<extra></extra>"),
                          row=1, col=j + 1)
    fig.update_layout(shapes=_edit_shapes(c, len(c.worlds), colours, zero_line=True))
    fig.update_layout(title=f"{title}: counterfactual − {c.base}", height=320, template="plotly_white",
                      margin=dict(l=50, r=20, t=60, b=30), legend=dict(orientation="h", y=-0.2))
    return fig


EMERGENT = {"use_of_force": ("#b30000", "x"), "coercion": ("#ff7f0e", "triangle-up"),
            "acceptance": ("#2ca02c", "circle"), "refusal": ("#7f7f7f", "circle-open"),
            "proposal": ("#1f77b4", "diamond"), "application": ("#9467bd", "square"),
            "alliance_decision": ("#8c564b", "star")}


def timeline_figure(c: Comparison):
    """Event timeline per scenario and world: scripted events (grey ticks; the edited ones red), the West's
    responses by rule (navy ticks, in the runs where Russia acted) and emergent events (markers sized by the
    share of seeds)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    n_w = len(c.worlds)
    fig = make_subplots(rows=n_w, cols=1, shared_xaxes=True, subplot_titles=list(c.worlds), vertical_spacing=0.04)
    ev = c.events.copy()
    ev["year"] = ev["date"].str.slice(0, 4).astype(int) + (ev["date"].str.slice(5, 6).astype(int) - 1) / 4.0
    n_seeds = len(c.seeds)
    base_ids = {e.id: e for e in c.scenarios[c.base].events}
    ylab = {s: i for i, s in enumerate(reversed(c.labels))}
    shown = set()
    for r, w in enumerate(c.worlds):
        for s in c.labels:
            y0 = ylab[s]
            e = ev[(ev["scenario"] == s) & (ev["world"] == w)]
            sc = e[e["scripted"]]
            share = sc.groupby(["event_id", "kind", "year", "target"]).agg(n=("seed", "nunique")).reset_index()
            own = {x.id: x for x in c.scenarios[s].events}
            # a response rule's answer to Russia's act (scripted, but only in the runs where Russia acted)
            responses = set(sc.loc[sc["cause"].astype(str).str.startswith(RESPONSE_PREFIX), "event_id"])
            category = share["event_id"].map(
                lambda i: "response" if i in responses else
                ("changed" if i not in base_ids or i not in own or _event_key(own[i]) != _event_key(base_ids[i])
                 else "same"))
            for flag, colour, name in (("same", "#9a9a9a", "scripted event"),
                                       ("changed", "#d62728", "scripted: added or changed"),
                                       ("response", "#08306b", "Western response (a rule, where Russia acted)")):
                d = share[category == flag]
                if not len(d):
                    continue
                key = name
                fig.add_trace(go.Scatter(x=d["year"], y=[y0 + 0.22] * len(d), mode="markers",
                                         marker=dict(symbol="line-ns-open", size=11, color=colour,
                                                     line=dict(width=1 if flag == "same" else 2)),
                                         name=name, legendgroup=name, showlegend=key not in shown,
                                         text=[f"{s}: {i} ({k} → {t}) in {m / n_seeds:.0%} of seeds"
                                               for i, k, t, m in zip(d["event_id"], d["kind"], d["target"], d["n"])],
                                         hoverinfo="text"), row=r + 1, col=1)
                shown.add(key)
            if s != c.base:
                gone = [x for i, x in base_ids.items() if i not in own]
                if gone:
                    key = "scripted: removed"
                    fig.add_trace(go.Scatter(x=[x.date / 4.0 for x in gone], y=[y0 + 0.22] * len(gone), mode="markers",
                                             marker=dict(symbol="x-thin-open", size=10, color="#d62728", line=dict(width=2)),
                                             name=key, legendgroup=key, showlegend=key not in shown,
                                             text=[f"{s}: removed {x.id} ({x.kind})" for x in gone], hoverinfo="text"),
                                  row=r + 1, col=1)
                    shown.add(key)
            em = e[~e["scripted"] & e["kind"].isin(EMERGENT)]
            if len(em):
                agg = em.groupby(["kind", "year"]).agg(n=("seed", "nunique"),
                                                       targets=("target", lambda t: ", ".join(sorted(set(t))[:6]))).reset_index()
                for kind, g in agg.groupby("kind"):
                    colour, symbol = EMERGENT[kind]
                    off = -0.05 - 0.065 * list(EMERGENT).index(kind)
                    frac = g["n"] / n_seeds
                    key = f"emergent: {kind.replace('_', ' ')}"
                    fig.add_trace(go.Scatter(x=g["year"], y=[y0 + off] * len(g), mode="markers",
                                             marker=dict(symbol=symbol, color=colour, size=3 + 11 * np.sqrt(frac),
                                                         line=dict(width=1, color=colour)),
                                             name=key, legendgroup=key, showlegend=key not in shown,
                                             text=[f"{s}: {kind} → {t} in {f:.0%} of seeds ({q})"
                                                   for t, f, q in zip(g["targets"], frac, g["year"])],
                                             hoverinfo="text"), row=r + 1, col=1)
                    shown.add(key)
        fig.update_yaxes(tickvals=list(ylab.values()), ticktext=list(ylab.keys()), range=[-0.6, len(ylab) - 0.4],
                         row=r + 1, col=1)
    per = 26 * len(c.labels) + 60
    fig.update_layout(title="Event timeline: scripted (ticks; red: edited; navy: responses by rule) and emergent "
                            "(markers sized by the share of seeds)",
                      height=per * n_w + 120, template="plotly_white", margin=dict(l=160, r=20, t=70, b=30),
                      legend=dict(orientation="h", y=-0.03))
    return fig


def _fmt(v, kind, signed=False):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if kind == "probability":
        return f"{v * 100:+.0f} pp" if signed else f"{v:.0%}"
    if kind == "year":
        return f"{v:+.1f} y" if signed else f"{v:.1f}"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def outcome_table_html(c: Comparison, world: str) -> str:
    t = c.outcomes[c.outcomes["world"] == world]
    head = "".join(f"<th>{html.escape(s)}</th>" for s in c.labels)
    rows = []
    for oc, g in t.groupby("outcome", sort=False):
        g = g.set_index("scenario")
        kind = g["kind"].iloc[0]
        cells = []
        for s in c.labels:
            r = g.loc[s]
            val = _fmt(r["value"], kind)
            ci = f"[{_fmt(r['value_lo'], kind)}, {_fmt(r['value_hi'], kind)}]" if not math.isnan(r["value_lo"]) else ""
            n_note = f" <small>(n={int(r['n'])})</small>" if kind == "year" else ""
            cell = f"{val}{n_note}<br><small class='ci'>{ci}</small>"
            style = ""
            if s != c.base:
                d = (f"Δ {_fmt(r['diff'], kind, True)} [{_fmt(r['diff_lo'], kind, True)}, {_fmt(r['diff_hi'], kind, True)}]"
                     if not math.isnan(r["diff"]) else "Δ –")
                sig = not math.isnan(r["diff_lo"]) and (r["diff_lo"] > 0 or r["diff_hi"] < 0)
                if sig:
                    style = " style='background:#e3ecfa'" if r["diff"] > 0 else " style='background:#fbe3d6'"
                cell += f"<br><small>{html.escape(d)}</small>"
            cells.append(f"<td{style}>{cell}</td>")
        label = g["label"].iloc[0]
        rows.append(f"<tr><td><b>{html.escape(label)}</b></td>{''.join(cells)}</tr>")
    return (f"<div class='wide'><table class='card'><tr><th>outcome ({html.escape(world)})</th>{head}</tr>"
            f"{''.join(rows)}</table></div>")


def _isnull(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def scope_html(c: Comparison) -> str:
    if not len(c.scope):
        return ""
    rows = []
    for s, g in c.scope.groupby("scenario", sort=False):
        r0 = g.iloc[0]
        fd = {r["world"]: ("none" if _isnull(r["first_divergence"]) else r["first_divergence"]) for _, r in g.iterrows()}
        if len(set(fd.values())) == 1:
            first = f"{next(iter(fd.values()))} <small>(every world)</small>"
        else:
            first = "<br>".join(f"{v} <small>({html.escape(w)})</small>" for w, v in fd.items())
        oks = [r["identical_before_first_edit"] for _, r in g.iterrows()]
        if r0["edit_kind"] == "undated":
            check = "– <small>(undated edit: may differ at once)</small>"
        elif all(o is True for o in oks):
            check = "✓ <small>(every world, every seed)</small>"
        else:
            bad = [w for w, o in zip(g["world"], oks) if o is not True]
            check = f"<b style='color:#b30000'>✗ differs earlier in {html.escape(', '.join(bad))}</b>"
        desc = c.scenarios[s].description
        rows.append(f"<tr><td><b>{html.escape(s)}</b><br><small>{html.escape(desc)}</small></td>"
                    f"<td>{html.escape(r0['first_edit'])}</td><td>{first}</td><td>{check}</td>"
                    f"<td><small>{html.escape(r0['edits'])}</small></td></tr>")
    return ("<div class='wide'><table class='card'><tr><th>counterfactual</th><th>first edited date</th><th>first "
            "difference in the runs</th><th>identical to the base before the first edited date?</th>"
            f"<th>edits (relative to the base)</th></tr>{''.join(rows)}</table></div>")


def _intro(c: Comparison) -> str:
    ci = "Student t" if c.method == "t" else "percentile bootstrap over seeds (2000 draws)"
    return (f"<p class='note'>Base <b>{html.escape(c.base)}</b> and {len(c.labels) - 1} counterfactual(s) · worlds "
            f"{', '.join(c.worlds)} · {len(c.seeds)} paired seeds ({c.seeds[0]}–{c.seeds[-1]}): every scenario runs on "
            f"the same seeds, and the model's draws are keyed by (seed, agent, mechanism, step), so the runs of a "
            f"counterfactual and its base are identical until the first edited date and differ afterwards only "
            f"because of the edits (common random numbers). Differences are paired: the mean of per-seed differences "
            f"with a {c.level:.0%} {ci} interval; probabilities carry a Wilson interval. Trajectories: mean over seeds, "
            f"band 10–90 %; dotted lines mark each counterfactual's first edited date. Edits of types, parameters, "
            f"states or alliances have no date: their differences may start at once."
            + (f" Command: <code>{html.escape(c.command)}</code>" if c.command else "") + "</p>")


WIDE_CSS = ("<style>div.wide{overflow-x:auto;max-width:100%}table.card td{vertical-align:top}"
            "small.ci{color:#666}</style>")


def comparison_report(c: Comparison, path: Path | str, title: str | None = None) -> Path:
    outcome_note = ("<p class='note'>Each cell: value [interval]; below it, the paired difference from the base Δ "
                    "[interval]. Shaded: the interval of Δ excludes zero (blue: higher, orange: lower than the base). "
                    "A neighbour is a state with a land border with Russia or in the sphere Russia claims. "
                    "'First year in crisis' averages only the seeds where the relationship reaches crisis or war "
                    "(n given); its Δ uses the seeds where both runs do.</p>")
    sections = [("Counterfactuals and their edits", [scope_html(c)]),
                ("Outcomes", [outcome_note] + [outcome_table_html(c, w) for w in c.worlds])]
    sections.append(("Trajectories (mean over seeds, band 10–90 %)",
                     [overlay_figure(c, v, t) for v, t in VARIABLES if v in c.observables]))
    if len(c.labels) > 1:
        sections.append(("Differences from the base (paired by seed, with intervals)",
                         [difference_figure(c, v, t) for v, t in VARIABLES if v in c.observables]))
    sections.append(("Event timelines", [timeline_figure(c)]))
    title = title or f"Counterfactuals: {', '.join(c.labels[1:]) or '(none)'} vs {c.base}"
    if len(title) > 160:
        title = f"{len(c.labels) - 1} counterfactuals vs {c.base}"
    return write_html(path, title, WIDE_CSS + _intro(c), sections)


HEADLINE = ("tension_1999_2007", "tension_2008_2013", "tension_russia_1992_1998", "force_by_2013Q4")


def attribution_figure(a: Attribution, world: str, top: int = 30):
    """Ranked horizontal bars of the effect of each event, one outcome at a time (dropdown)."""
    import plotly.graph_objects as go
    t = a.table[(a.table["world"] == world) & a.table["ran"]]
    outcomes = list(dict.fromkeys(t["outcome"]))
    order = [o for o in HEADLINE if o in outcomes] + [o for o in outcomes if o not in HEADLINE]
    from plotly.colors import qualitative
    palette = qualitative.Dark24
    from sim.scenario import EVENT_KINDS
    colours = {k: palette[i % len(palette)] for i, k in enumerate(EVENT_KINDS) if k in set(t["kind"])}

    def bars(o):
        d = t[t["outcome"] == o]
        d = d.reindex(d["effect"].abs().sort_values(ascending=False, kind="stable").index).head(top)[::-1]
        kind = d["outcome_kind"].iloc[0] if len(d) else "mean"
        scale = 100.0 if kind == "probability" else 1.0
        y = [f"{i} ({dt})" for i, dt in zip(d["event_id"], d["date"])]
        return dict(x=(d["effect"] * scale).tolist(), y=y,
                    err=((d["effect_hi"] - d["effect"]) * scale).fillna(0).tolist(),
                    errm=((d["effect"] - d["effect_lo"]) * scale).fillna(0).tolist(),
                    colour=[colours[k] for k in d["kind"]],
                    text=[f"{k}; share of the base value {s:.0%}" if not math.isnan(s) else k
                          for k, s in zip(d["kind"], d["share"])],
                    label=(d["label"].iloc[0] if len(d) else o) + (" (percentage points)" if kind == "probability" else ""))

    first = bars(order[0])
    fig = go.Figure(go.Bar(x=first["x"], y=first["y"], orientation="h", marker_color=first["colour"], showlegend=False,
                           error_x=dict(type="data", array=first["err"], arrayminus=first["errm"], color="#444", thickness=1),
                           hovertext=first["text"], hoverinfo="x+y+text"))
    buttons = []
    for o in order:
        b = bars(o)
        buttons.append(dict(label=b["label"][:70], method="update",
                            args=[{"x": [b["x"]], "y": [b["y"]], "marker.color": [b["colour"]],
                                   "error_x.array": [b["err"]], "error_x.arrayminus": [b["errm"]],
                                   "hovertext": [b["text"]]},
                                  {"title.text": f"Effect of each scripted event on: {b['label']} ({world})"}, [0]]))
    for k, col in colours.items():  # colour key (constant traces; the dropdown changes only the bars)
        fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", marker_color=col, name=k.replace("_", " "),
                             showlegend=True, hoverinfo="skip"))
    fig.update_layout(updatemenus=[dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.08, yanchor="bottom")],
                      legend=dict(title="kind of event", orientation="v", x=1.01, y=1),
                      title=dict(text=f"Effect of each scripted event on: {first['label']} ({world})", y=0.99),
                      height=max(420, 22 * min(top, len(first["y"])) + 160), template="plotly_white",
                      margin=dict(l=300, r=30, t=110, b=40), xaxis_title="base − without the event", barmode="overlay")
    fig.add_vline(x=0, line=dict(color="#999", width=1))
    return fig


def attribution_report(a: Attribution, path: Path | str) -> Path:
    c = a.comparison
    ci = "Student t" if c.method == "t" else "percentile bootstrap"
    intro = (f"<p class='note'>Scenario <b>{html.escape(a.scenario)}</b> · worlds {', '.join(a.worlds)} · "
             f"{len(a.seeds)} paired seeds. For each scripted event, the run with that event left out, on the same "
             f"seeds (common random numbers). Effect = outcome of the base − outcome without the event: the part of "
             f"the outcome the event accounts for, one event at a time (effects interact and need not add up). "
             f"Bars: mean of per-seed effects with a {c.level:.0%} {ci} interval; colour: kind of event. Events that "
             f"never fired on these seeds (conditional events whose condition never held) have effect 0 by "
             f"construction and were not run." + (f" Command: <code>{html.escape(a.command)}</code>" if a.command else "")
             + "</p>")
    sections = []
    for w in a.worlds:
        t = a.table[(a.table["world"] == w)]
        base_rows = c.outcomes[(c.outcomes["world"] == w) & c.outcomes["is_base"]]
        base_tab = "".join(f"<tr><td>{html.escape(r['label'])}</td><td>{_fmt(r['value'], r['kind'])} "
                           f"[{_fmt(r['value_lo'], r['kind'])}, {_fmt(r['value_hi'], r['kind'])}]</td></tr>"
                           for _, r in base_rows.iterrows())
        head = [o for o in HEADLINE if o in set(t["outcome"])]
        wide = t[t["outcome"].isin(head)].pivot_table(index=["event_id", "kind", "date", "ran"], columns="outcome",
                                                      values="effect", sort=False)[head]
        wide = wide.reindex(wide.abs().max(axis=1).sort_values(ascending=False).index).reset_index()
        wide.columns.name = None
        never = t.loc[~t["ran"], "event_id"].drop_duplicates().tolist()
        sections.append((f"World {w}", [
            attribution_figure(a, w),
            f"<p class='note'>Base outcomes ({html.escape(w)}):</p><table class='card'>{base_tab}</table>",
            "<p class='note'>Effects on the headline outcomes, largest first (the CSV holds every outcome with intervals):</p>"
            + wide.to_html(index=False, classes="card", border=0, float_format=lambda v: f"{v:+.3f}"),
            f"<p class='note'>Never fired on these seeds: {html.escape(', '.join(never) or 'none')}.</p>"]))
    return write_html(path, f"Event attribution: {a.scenario}", intro, sections)


