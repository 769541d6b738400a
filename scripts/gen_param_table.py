"""Regenerate the parameter table (and the table of world-data constants) in docs/model.md from the code.

    .venv/bin/python scripts/gen_param_table.py          # rewrite the generated blocks in docs/model.md
    .venv/bin/python scripts/gen_param_table.py --check  # exit 1 if docs/model.md is out of date

Two blocks are rewritten, each between its markers; everything else in the file is left alone:

- ``<!-- params:start -->`` … ``<!-- params:end -->`` — every entry of :data:`sim.params.PARAMETERS`
  (name, default, range, mechanism, description, source), in the order of ``sim/params.py``;
- ``<!-- constants:start -->`` … ``<!-- constants:end -->`` (optional) — the tables of world data the
  mechanisms read (the ladder tables of M3/M9 with the parameter behind each entry, POSTURE_OFFENSE, the
  credibility of enlargement-signal stages), the fixed definitions of the observables (tension-index scale,
  regime windows) and the burden targets of the scorecard.

The params block is required: the script fails if its markers are missing, so that a renamed heading can
never silently leave a stale table behind.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "model.md"


def _cell(text) -> str:
    """Markdown-table-safe text."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _num(x: float) -> str:
    return f"{x:g}"


def params_table() -> str:
    from sim.params import PARAMETERS, SWITCHES

    lines = [
        f"{len(PARAMETERS)} parameters, generated from `sim/params.py` by `scripts/gen_param_table.py` "
        "(do not edit by hand). Range = the interval sweeps sample and overrides are checked against. "
        "Switches are off at 0 and on at 1: `territorial_only` acts when ≥ 0.5, the M10 switches scale their "
        "effects in between.",
        "",
        "| name | default | range | mechanism | description | source |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in PARAMETERS.items():
        rng = "[0, 1] (switch)" if name in SWITCHES else f"[{_num(p.low)}, {_num(p.high)}]"
        lines.append(f"| `{name}` | {_num(p.default)} | {rng} | {_cell(p.mechanism)} | {_cell(p.description)} "
                     f"| {_cell(p.source)} |")
    return "\n".join(lines)


def _entry(entry, value) -> str:
    """A ladder-table cell: the value, and the parameter that sets it (fixed entries are definitions)."""
    return f"{_num(value)} (`{entry}`)" if isinstance(entry, str) else f"{_num(value)} (fixed)"


def constants_table() -> str:
    from sim.engine import events
    from sim.mechanisms import coercion
    from sim.mechanisms.observables import BURDEN_SCALE, CRISIS_WINDOW, WAR_WINDOW
    from sim.mechanisms.order import STAGE_CREDIBILITY, STAGES
    from sim.mechanisms.security import DEFAULT_TABLES, EU_NAMES, LADDER_NAMES, LADDER_TABLES
    from sim.runs.score import BURDEN_TARGETS, BURDEN_TOLERANCE

    cols = ("expected_loss", "protection", "coverage", "west_holding")
    out = [
        "Generated from the code by `scripts/gen_param_table.py` (do not edit by hand).",
        "",
        "**Ladder of ties to NATO** (`LADDER_TABLES` in `sim/mechanisms/security.py`) at the default parameters. "
        "One row per level; a state's level only ever rises. Each entry between the two ends is a parameter "
        "(named beside its value; sweeps and calibration vary it, and a batch may hold runs with different tables); "
        "its range meets its neighbours' at the midpoints between defaults, so any sample keeps the table "
        "rising, and a table that falls is refused with a one-line error. Fixed entries are definitions: no tie "
        "counts nothing, a member counts fully (Article 5), commitments below a pledge protect nothing, the "
        "West holds nothing of a partner.",
        "",
        "| level | name | expected loss (M3 drift, M9 stake) | protection (M2, M7, M9) "
        "| coverage (C, Ĉ) | West's holding (M2 exposure of Russia) |",
        "|---|---|---|---|---|---|",
    ]
    for i, name in enumerate(LADDER_NAMES):
        out.append(f"| {i} | `{name}` | " + " | ".join(_entry(LADDER_TABLES[c][i], DEFAULT_TABLES[c][i])
                                                        for c in cols) + " |")
    out += [
        "",
        "**EU ties** (`eu_loss`, M3 drift and M9 stake): "
        + ", ".join(f"{lvl} = {_entry(e, v)}" for lvl, e, v in zip(EU_NAMES, LADDER_TABLES["eu_loss"],
                                                                     DEFAULT_TABLES["eu_loss"])) + ".",
    ]
    posture = getattr(events, "POSTURE_OFFENSE", None)  # (tables other modules may turn into parameters)
    if posture is not None:
        out += ["", "**Offense posture of the West** (`POSTURE_OFFENSE`, `sim/engine/events.py`): offense_W = 1 + "
                "Σ weight × level, level plan 0.5, deploy 1, cancel 0, withdraw 1 — "
                + ", ".join(f"`{k}` {_num(v)}" for k, v in posture.items()) + "."]
    out += [
        "",
        "**Credibility of an enlargement signal by stage** (`STAGES`, `sim/mechanisms/order.py`; multiplied by "
        "`signal_credibility`): "
        + ", ".join(f"`{k}` {_entry(STAGES[k], v)}" for k, v in STAGE_CREDIBILITY.items()) + ".",
    ]
    share = getattr(coercion, "COERCION_SHARE", None)
    if share is not None:
        out += ["", f"**Coercion read as a share of a use of force** (`COERCION_SHARE` in `sim/mechanisms/coercion.py`, "
                f"M4 harm): {_num(share)}."]
    out += [
        "",
        "**Fixed definitions of the observables** (`sim/mechanisms/observables.py`; set before any calibration, "
        "never swept or calibrated — they say what is measured, not how the world works): the tension index "
        f"divides burdens by `BURDEN_SCALE` = {_num(BURDEN_SCALE)} ({_num(BURDEN_SCALE * 100)} % of GDP) and caps "
        f"them at 1; the regime is *war* within `WAR_WINDOW` = {WAR_WINDOW} quarters of Russia's last use of force "
        f"and *crisis* within `CRISIS_WINDOW` = {CRISIS_WINDOW}.",
        "",
        "**Scorecard burden targets** (`BURDEN_TARGETS`, pattern 11, `sim/runs/score.py`; tolerance "
        f"±{_num(BURDEN_TOLERANCE)} percentage points): "
        + ", ".join(f"{a}–{b}: {_num(v)} %" for (a, b), v in BURDEN_TARGETS.items()) + ".",
    ]
    return "\n".join(out)


def _replace(text: str, tag: str, body: str, required: bool, doc: Path = DOC) -> str:
    start, end = f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        if required:
            raise SystemExit(f"{doc}: markers {start} … {end} not found")
        return text
    return pattern.sub(lambda _m: f"{start}\n{body}\n{end}", text, count=1)


def render(text: str, doc: Path = DOC) -> str:
    text = _replace(text, "params", params_table(), required=True, doc=doc)
    return _replace(text, "constants", constants_table(), required=False, doc=doc)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/model.md is out of date; write nothing")
    ap.add_argument("--doc", type=Path, default=DOC, help="the file to rewrite (default docs/model.md)")
    a = ap.parse_args(argv)
    doc = a.doc
    old = doc.read_text(encoding="utf-8")
    new = render(old, doc)
    if a.check:
        if new != old:
            print(f"{doc} is out of date: run scripts/gen_param_table.py", file=sys.stderr)
            return 1
        return 0
    if new != old:
        doc.write_text(new, encoding="utf-8")
        print(f"rewrote the generated blocks of {doc}")
    else:
        print(f"{doc} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
