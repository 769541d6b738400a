"""Plotting helpers the HTML reports share: the order and colours of the worlds, bands over seeds, the
event strip under a trajectory, and the self-contained page writer (plotly.js embedded once; opens offline).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from sim.worlds import WORLDS

WORLD_COLOURS = {"security_dilemma": "#1f77b4", "deterrence": "#d62728", "provocation": "#2ca02c",
                 "revisionist_spiral": "#9467bd"}
SCENARIO_COLOURS = ["#333333", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#8c564b", "#7f7f7f", "#1f77b4"]


def world_order(names) -> list[str]:
    """``names`` (worlds, possibly repeated) in the one order used everywhere: ``sim.worlds.WORLDS``, then any
    other name in order of first appearance."""
    seen = list(pd.unique(pd.Series(names))) if len(names) > 64 else list(dict.fromkeys(names))
    return [w for w in WORLDS if w in seen] + [w for w in seen if w not in WORLDS]


def hex_to_rgba(h: str, a: float) -> str:
    h = h.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def year_of(date: pd.Series) -> pd.Series:
    """'1999Q2' -> 1999.25."""
    return date.str.slice(0, 4).astype(int) + (date.str.slice(5, 6).astype(int) - 1) / 4.0


def bands(obs: pd.DataFrame, col: str, by: str) -> pd.DataFrame:
    """Median and 10 % / 90 % quantiles over seeds of ``col``, per value of ``by`` and year."""
    g = obs.groupby([by, "year"])[col]
    return pd.DataFrame({"median": g.median(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)}).reset_index()


CSS = """body{font-family:system-ui,sans-serif;max-width:1400px;margin:auto;padding:1em;color:#222}
table.card{border-collapse:collapse;font-size:13px}table.card td,table.card th{border:1px solid #ddd;padding:4px 6px}
.note{color:#555;font-size:13px}h2{margin-top:1.5em}"""


def write_html(path: Path | str, title: str, intro: str, sections: list[tuple[str, list]]) -> Path:
    """Write a page: sections of (heading, [figure or html string]). plotly.js is embedded once. ``path``: a
    path or a string."""
    path = Path(path)
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


__all__ = ["CSS", "SCENARIO_COLOURS", "WORLD_COLOURS", "bands", "hex_to_rgba", "world_order", "write_html",
           "year_of"]
