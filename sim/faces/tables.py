"""Plain-text answers for the terminal: the outcome table of a comparison and the ranked events of an
attribution (layer 5). The files (CSV, Parquet, HTML report) hold everything; these tables hold the
answer a reader looks for first.
"""

from __future__ import annotations

import math
import re
import shutil
import sys

import pandas as pd

#: the outcomes a comparison prints (prefixes of outcome ids; the CSV and the report hold every one)
MAIN_OUTCOMES = ("force_by_", "crisis_ever", "crisis_first_year", "tension_", "mean_russia_insecurity")


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def is_main(outcome: str) -> bool:
    if outcome.startswith("tension_russia_") or outcome == "mean_russia_insecurity_sphere":
        return False
    return outcome.startswith(MAIN_OUTCOMES)


def short_label(outcome: str, label: str) -> str:
    """A label short enough for a terminal column."""
    m = re.match(r"force_by_(\S+)", outcome)
    if m:
        return f"P(force on a neighbour by {m.group(1)})"
    if outcome == "crisis_ever":
        return label.replace("relationship enters ", "")
    if outcome == "crisis_first_year":
        return "first year in crisis (seeds with one)"
    return label


def tiny_label(outcome: str, label: str) -> str:
    """A column heading: the outcome in two or three words."""
    for pat, fmt in ((r"force_by_(\S+)$", "P(force by {0})"), (r"tension_russia_(\d+)_(\d+)$", "Russia tension {0}–{1}"),
                     (r"tension_(\d+)_(\d+)$", "tension {0}–{1}"), (r"crisis_ever$", "P(crisis)"),
                     (r"crisis_first_year$", "first crisis year"), (r"mean_russia_insecurity$", "Russia's insecurity"),
                     (r"mean_russia_insecurity_sphere$", "sphere-loss insecurity")):
        m = re.match(pat, outcome)
        if m:
            return fmt.format(*m.groups())
    return short_label(outcome, label)


def _signed(text: str) -> str:
    """No '-0' from a tiny negative number."""
    return re.sub(r"-(0(?:\.0+)?)(?![.\d])", r"+\1", text)


def value(v, kind: str) -> str:
    if _nan(v):
        return "–"
    if kind == "probability":
        return f"{v:.0%}"
    if kind == "year":
        return f"{v:.1f}"
    return f"{v:.3f}"


def interval(v, lo, hi, kind: str) -> str:
    """``value [lo, hi]`` (probabilities in per cent)."""
    if _nan(v):
        return "–"
    if _nan(lo) or _nan(hi):
        return value(v, kind)
    if kind == "probability":
        return f"{v:.0%} [{lo * 100:.0f}, {hi * 100:.0f}]"
    if kind == "year":
        return f"{v:.1f} [{lo:.1f}, {hi:.1f}]"
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def difference(d, lo, hi, kind: str, with_interval: bool = True) -> str:
    """A paired difference: ``+12 pp [+3, +21]*`` (``*``: the interval excludes zero)."""
    if _nan(d):
        return "–"
    star = "*" if not (_nan(lo) or _nan(hi)) and (lo > 0 or hi < 0) else ""
    if kind == "probability":
        body = f"{d * 100:+.0f} pp"
        ci = f" [{lo * 100:+.0f}, {hi * 100:+.0f}]"
    elif kind == "year":
        body = f"{d:+.1f} y"
        ci = f" [{lo:+.1f}, {hi:+.1f}]"
    else:
        body = f"{d:+.3f}"
        ci = f" [{lo:+.3f}, {hi:+.3f}]"
    if not with_interval or _nan(lo) or _nan(hi):
        return _signed(body) + star
    return _signed(body + ci) + star


def render(header: list[str], rows: list[list[str]], indent: str = "  ") -> str:
    """Columns padded to their widest cell: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        out = [f"{cells[0]:<{widths[0]}}"] + [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])]
        return (indent + "   ".join(out)).rstrip()

    rule = indent + "-" * (sum(widths) + 3 * (len(widths) - 1))
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def terminal_width() -> int:
    if sys.stdout.isatty():
        return max(80, shutil.get_terminal_size((120, 24)).columns)
    return 120


def comparison_table(c, width: int | None = None) -> str:
    """The main outcomes per world: the base and each counterfactual with their intervals, and each
    counterfactual's paired difference from the base (mean of per-seed differences) with its interval."""
    width = width or terminal_width()
    t = c.outcomes
    t = t[[is_main(o) for o in t["outcome"]]]
    level = f"{c.level:.0%}"
    lines = [f"Main outcomes, {len(c.seeds)} paired seeds ({level} intervals; Δ = counterfactual − base, the mean "
             f"of per-seed differences; * = its interval excludes zero)."]
    cfs = c.labels[1:]
    for world in c.worlds:
        tw = t[t["world"] == world]
        outcomes = list(dict.fromkeys(tw["outcome"]))
        cell = {(r.scenario, r.outcome): r for r in tw.itertuples()}
        # as many counterfactuals side by side as fit the terminal; more get a block of their own
        groups, group = [], []
        for cf in cfs:
            if group and 42 + 24 * (1 + 2 * (len(group) + 1)) > width:
                groups.append(group)
                group = []
            group.append(cf)
        groups.append(group)
        for g in groups:
            header = [f"world {world}", f"{c.base} (base)"]
            for cf in g:
                header += [cf, f"Δ {cf}" if len(g) > 1 else "Δ from the base"]
            rows = []
            for o in outcomes:
                b = cell[(c.base, o)]
                row = [short_label(o, b.label), interval(b.value, b.value_lo, b.value_hi, b.kind)]
                for cf in g:
                    r = cell.get((cf, o))
                    if r is None:
                        row += ["–", "–"]
                    else:
                        row += [interval(r.value, r.value_lo, r.value_hi, r.kind),
                                difference(r.diff, r.diff_lo, r.diff_hi, r.kind)]
                rows.append(row)
            lines += ["", render(header, rows)]
    return "\n".join(lines)


def _attribution_columns(table: pd.DataFrame) -> list[str]:
    from sim.faces.compare_report import HEADLINE

    present = list(dict.fromkeys(table["outcome"]))
    cols = [o for o in HEADLINE if o in present]
    force = [o for o in present if o.startswith("force_by_")]
    tension = [o for o in present if is_main(o) and o.startswith("tension_")]
    for o in tension[-2:] + force[-1:] + ["mean_russia_insecurity"]:
        if o in present and o not in cols and len(cols) < 4:
            cols.append(o)
    return cols


def attribution_table(a, top: int = 15) -> str:
    """Per world: the scripted events ranked by their largest effect on the headline outcomes (effect =
    base − the run without the event, mean of per-seed differences)."""
    t = a.table
    cols = _attribution_columns(t)
    c = a.comparison
    lines = [f"Effect of each scripted event = outcome of the base − outcome without it ({len(a.seeds)} paired "
             f"seeds, {c.level:.0%} intervals; * = the interval excludes zero; pp = percentage points). "
             f"Ranked by the largest effect."]
    for world in a.worlds:
        tw = t[(t["world"] == world)]
        ran = tw[tw["ran"]]
        labels = {o: short_label(o, lab) for o, lab in zip(tw["outcome"], tw["label"])}
        base = {o: v for o, v in zip(tw["outcome"], tw["base_value"])}
        kinds = {o: k for o, k in zip(tw["outcome"], tw["outcome_kind"])}
        sub = ran[ran["outcome"].isin(cols)]
        order = (sub.assign(size=sub["effect"].abs()).groupby("event_id", sort=False)["size"].max()
                 .sort_values(ascending=False, kind="stable"))
        header = [f"world {world}"] + [tiny_label(o, labels[o]) for o in cols]
        cell = {(r.event_id, r.outcome): r for r in sub.itertuples()}
        info = {r.event_id: (r.date, r.kind) for r in tw.itertuples()}
        rows = [["(value in the base)"] + [value(base[o], kinds[o]) for o in cols]]
        for ev in list(order.index)[:top]:
            date, kind = info[ev]
            row = [f"{ev} ({date}, {kind.replace('_', ' ')})"]
            for o in cols:
                r = cell.get((ev, o))
                row.append("–" if r is None else difference(r.effect, r.effect_lo, r.effect_hi, r.outcome_kind,
                                                            with_interval=False))
            rows.append(row)
        lines += ["", render(header, rows) if len(rows) > 1 else f"  world {world}: no scripted event fired on these seeds"]
        more = len(order) - min(top, len(order))
        never = list(dict.fromkeys(tw.loc[~tw["ran"], "event_id"]))
        notes = []
        if more > 0:
            notes.append(f"{more} more events in attribution.csv")
        if never:
            notes.append(f"never fired on these seeds (effect 0, not run): {', '.join(never)}")
        if notes:
            lines.append("  " + "; ".join(notes))
    return "\n".join(lines)


__all__ = ["comparison_table", "attribution_table", "render", "interval", "difference", "value"]
