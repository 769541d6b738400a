#!/usr/bin/env python3
"""Check scenarios/world/europe.yaml against its contract (docs/scenario-format.md) and the data table.

    python scripts/check_world.py [path/to/europe.yaml]

Plain yaml.safe_load checks (no project code), then, if the package imports, the project's own loader.
Exit status 1 if any check fails.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FIELDS = ("iso3", "name", "position", "role", "gdp", "burden", "cinc", "democracy", "alignment",
          "prior_about_russia", "energy_dependence", "importance_to_russia", "history", "source")
NATO_1992 = {"USA", "CAN", "GBR", "FRA", "DEU", "ITA", "ESP", "PRT", "BEL", "NLD", "LUX", "DNK", "NOR",
             "ISL", "GRC", "TUR"}


def year_of(q: str) -> int:
    return int(str(q)[:4])


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else REPO / "scenarios" / "world" / "europe.yaml"
    w = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad: list[str] = []

    def check(cond: bool, msg: str) -> None:
        if not cond:
            bad.append(msg)

    states = w["states"]
    isos = [s["iso3"] for s in states]
    S = set(isos)
    check(len(isos) == len(S), f"duplicate states: {sorted(i for i in S if isos.count(i) > 1)}")
    check(len(S) >= 45, f"only {len(S)} states")
    for s in states:
        missing = [f for f in FIELDS if f not in s]
        check(not missing, f"{s['iso3']}: missing {missing}")
        for f in ("democracy", "prior_about_russia", "energy_dependence", "importance_to_russia"):
            check(0 <= s.get(f, 0) <= 1, f"{s['iso3']}.{f} outside [0,1]")
        check(-1 <= s.get("alignment", 0) <= 1, f"{s['iso3']}.alignment outside [-1,1]")
    roles = [s["role"] for s in states]
    check(roles.count("russia") == 1 and roles.count("leader") == 1, "need one russia and one leader")

    pairs = []
    for b in w["borders"]:
        check(b["a"] in S and b["b"] in S, f"border {b['a']}-{b['b']}: unknown state")
        check(b["a"] != b["b"], f"border {b['a']}-{b['b']}: self")
        check(b["kind"] in ("land", "sea"), f"border {b['a']}-{b['b']}: kind {b['kind']}")
        pairs.append(tuple(sorted((b["a"], b["b"]))))
    check(len(pairs) == len(set(pairs)), f"duplicate borders: {[p for p in set(pairs) if pairs.count(p) > 1]}")

    ids = [a["id"] for a in w["alliances"]]
    check(len(ids) == len(set(ids)), "duplicate alliance ids")
    for a in w["alliances"]:
        for m in a.get("members", []):
            check(m in S, f"alliance {a['id']}: unknown member {m}")
        check(len(a.get("members", [])) == len(set(a.get("members", []))), f"alliance {a['id']}: duplicate member")
        if a.get("leader"):
            check(a["leader"] in S, f"alliance {a['id']}: unknown leader")
    nato = next(a for a in w["alliances"] if a["id"] == "NATO")
    check(set(nato["members"]) == NATO_1992, "NATO members are not the 16 of 1992")
    for owner, members in w["spheres"].items():
        check(owner in S and all(m in S for m in members), f"sphere {owner}: unknown state")
    for f in w["forces_abroad"]:
        check(f["by"] in S and f["in"] in S, f"forces {f['by']}->{f['in']}: unknown state")

    # economy: every state has a GDP path covering every year 1992-2024 in which it exists; Russia and its
    # claimed sphere to 2013 only, continued by their trend_growth (rule T1, sim/data/README.md)
    gdp = w["economy"]["gdp"]
    trend = w["economy"].get("trend_growth", {})
    sphere = {"RUS", *w["spheres"].get("RUS", [])}
    check(set(trend) == sphere, f"economy.trend_growth: {sorted(trend)} != Russia and its sphere {sorted(sphere)}")
    for iso in gdp:
        check(iso in S, f"economy.gdp: unknown state {iso}")
    for s in states:
        ex = s.get("exists", {}) or {}
        y0 = max(1992, year_of(ex["from"])) if "from" in ex else 1992
        y1 = min(2013 if s["iso3"] in sphere else 2024, year_of(ex["until"])) if "until" in ex else (
            2013 if s["iso3"] in sphere else 2024)
        need = set(range(y0, y1 + 1))
        have = set(gdp.get(s["iso3"], {}))
        check(need <= have, f"economy.gdp.{s['iso3']}: missing years {sorted(need - have)}")
        if s["iso3"] in sphere:
            check(max(have) == 2013, f"economy.gdp.{s['iso3']}: data after 2013 (an outcome of the model)")
        check(abs(gdp[s["iso3"]][y0] - s["gdp"]) < 0.051, f"{s['iso3']}: gdp {s['gdp']} != path {gdp[s['iso3']][y0]}")
    for iso in w["economy"]["burden"]:
        check(iso in S, f"economy.burden: unknown state {iso}")
    usb = w["economy"]["burden"]["USA"]
    check(set(usb) == set(range(1992, 2025)), "US burden path does not cover 1992-2024")
    check(set(w["economy"]["burden"]) == {"USA"}, "a burden path other than the US's (efforts are endogenous)")

    # figures the data README quotes
    rus = next(s for s in states if s["iso3"] == "RUS")
    table = list(csv.DictReader((REPO / "sim" / "data" / "world_1992_2024.csv").open()))
    cinc92 = {r["iso3"]: float(r["cinc"]) for r in table if r["year"] == "1992"}
    ratio = sum(cinc92[i] for i in NATO_1992) / cinc92["RUS"]
    check(abs(rus["burden"] - 4.43) < 0.01, f"RUS burden 1992 {rus['burden']} != 4.43 (SIPRI, April 2025 release)")
    check(abs(ratio - 4.6) < 0.1, f"NATO/RUS CINC 1992 {ratio:.2f} != ~4.6")

    n_land = sum(1 for b in w["borders"] if b["kind"] == "land")
    print(f"{path}: {len(S)} states, {len(w['borders'])} borders ({n_land} land, "
          f"{len(w['borders']) - n_land} sea), {len(ids)} alliances/institutions, "
          f"{len(w['forces_abroad'])} forces abroad")
    print(f"RUS burden 1992 = {rus['burden']:.2f} % (SIPRI 2025: 4.43); NATO-16/RUS CINC 1992 = {ratio:.2f} (~4.6)")

    try:
        sys.path.insert(0, str(REPO))
        from sim.scenario import load_scenario
        sc = load_scenario(path)
        print(f"project loader: OK ({len(sc.states)} states, {len(sc.borders)} borders, {len(sc.events)} events)")
    except ImportError as exc:  # package not importable here: the plain checks still stand
        print(f"project loader: skipped ({exc})")
    except Exception as exc:  # a ScenarioError is a failure
        bad.append(f"project loader: {exc}")

    for m in bad:
        print("FAIL:", m)
    print("all checks passed" if not bad else f"{len(bad)} check(s) failed")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
