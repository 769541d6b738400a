#!/usr/bin/env python3
"""Derive the project's world data from public reference data (World Bank WDI, SIPRI, COW NMC v6, Maddison).

Usage (from the repository root):

    python scripts/derive_world_data.py DATA_DIR            # writes the tables in sim/data/
    python scripts/derive_world_data.py DATA_DIR --yaml     # ... and scenarios/world/europe.yaml

DATA_DIR (or the environment variable ``SPIRAL_REFERENCE_DATA``) is a folder holding the public reference
files, as published (docs/references.md): ``wdi_gdp_ppp_constant2021intl.csv`` (WDI NY.GDP.MKTP.PP.KD),
``wdi_gdp_constant2015usd.csv`` (WDI NY.GDP.MKTP.KD), ``maddison2020_gdp.csv`` (Maddison Project Database
2020), ``sipri_milex_share_gdp.csv`` and ``sipri_milex_constant2023usd.csv`` (SIPRI Military Expenditure
Database, April 2025 release), ``cow_nmc_v6.csv`` (COW NMC v6.0) and ``nato_accessions.csv`` (NATO's
member list). The model never reads them, nor the held-out table written here, at run time.

What is written (every column, fill rule and choice is explained in ``sim/data/README.md``):

* ``sim/data/world_1992_2024.csv`` — the model's inputs, one row per state and year it exists:
  real GDP at PPP (the model's economic basis) and at constant 2015 market exchange rates (reference),
  SIPRI military burden and constant-dollar military expenditure (1992-2013 only; the US burden to 2024,
  an exogenous input by M1), COW CINC (1992-2013). For Russia and the states of its claimed sphere
  (``SPHERE_RUS``), GDP after 2013 is not data but rule T1: the state's compound growth over
  ``TREND_WINDOW`` (pre-2014 data only) continued from 2013.
* ``sim/data/cinc_nato_russia_1992_2013.csv`` — the COW CINC ratio of NATO's members at the time to
  Russia, by year: the independent measure the capability test compares with.
* ``sim/data/heldout_outcomes_2014_2024.csv`` — OUTCOMES, never inputs: every state's SIPRI military
  burden and expenditure after 2013 (the US's excepted: its burden is an input), and the GDP data after
  2013 of the states whose GDP after 2013 the model makes (rule T1 plus modelled damage). For later
  held-out scoring; nothing in ``sim/`` or ``scenarios/`` reads it.

Fill rules (codes as in the ``source`` column; nothing is filled silently):

* P1  Czechoslovakia 1992 = Czech Republic + Slovakia (GDP summed, same basis; burden = GDP-weighted
      mean of the successors' 1993 SIPRI shares).
* P2  ``SRB`` is FR Yugoslavia / Serbia and Montenegro until 2005: GDP = WDI SRB + WDI MNE (the model's
      MNE exists from 2006Q3).
* M1  SRB (FRY) 1992-1996, before WDI has both parts: the 1997 P2 value carried back with the growth of
      Maddison 2020 GDP of Serbia + Montenegro (Bolt & van Zanden 2020).
* T1  Russia and its claimed sphere after 2013: GDP(y) = GDP(2013) x (1 + g)^(y - 2013), g = the compound
      annual growth 2003-2013 of the same series.
* B1  Iceland: burden 0 (SIPRI: no military expenditure; no armed forces).
* B2  burden missing inside the series -> linear interpolation between the neighbouring SIPRI years.
* B3  burden missing at the start of the series -> the nearest SIPRI year.
* C1  CINC missing for a year -> nearest COW year.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST, LAST = 1992, 2024
YEARS = list(range(FIRST, LAST + 1))
TRAIN_END = 2013          # the last year of the training window; 2014-2024 are held out
TREND_WINDOW = (2003, 2013)  # rule T1: compound growth between these years (see sim/data/README.md)

# ---------------------------------------------------------------------------------------------------
# The states. iso3 -> (name, COW ccode, WDI/SIPRI code, first year, last year in 1992-2024, history)
# COW codes from the COW state system list (cow_nmc_v6.csv `ccode`); WDI and SIPRI codes are ISO alpha-3.
# ---------------------------------------------------------------------------------------------------
STATES: dict[str, tuple[str, int | None, str | None, int, int, str]] = {
    # NATO in 1992
    "USA": ("United States", 2, "USA", 1992, LAST, "western"),
    "CAN": ("Canada", 20, "CAN", 1992, LAST, "western"),
    "GBR": ("United Kingdom", 200, "GBR", 1992, LAST, "western"),
    "FRA": ("France", 220, "FRA", 1992, LAST, "western"),
    "DEU": ("Germany", 255, "DEU", 1992, LAST, "western"),
    "ITA": ("Italy", 325, "ITA", 1992, LAST, "western"),
    "ESP": ("Spain", 230, "ESP", 1992, LAST, "western"),
    "PRT": ("Portugal", 235, "PRT", 1992, LAST, "western"),
    "BEL": ("Belgium", 211, "BEL", 1992, LAST, "western"),
    "NLD": ("Netherlands", 210, "NLD", 1992, LAST, "western"),
    "LUX": ("Luxembourg", 212, "LUX", 1992, LAST, "western"),
    "DNK": ("Denmark", 390, "DNK", 1992, LAST, "western"),
    "NOR": ("Norway", 385, "NOR", 1992, LAST, "western"),
    "ISL": ("Iceland", 395, "ISL", 1992, LAST, "western"),
    "GRC": ("Greece", 350, "GRC", 1992, LAST, "western"),
    "TUR": ("Turkey", 640, "TUR", 1992, LAST, "western"),
    # later NATO members
    "POL": ("Poland", 290, "POL", 1992, LAST, "warsaw_pact"),
    "CZE": ("Czech Republic", 316, "CZE", 1993, LAST, "warsaw_pact"),
    "HUN": ("Hungary", 310, "HUN", 1992, LAST, "warsaw_pact"),
    "BGR": ("Bulgaria", 355, "BGR", 1992, LAST, "warsaw_pact"),
    "EST": ("Estonia", 366, "EST", 1992, LAST, "soviet"),
    "LVA": ("Latvia", 367, "LVA", 1992, LAST, "soviet"),
    "LTU": ("Lithuania", 368, "LTU", 1992, LAST, "soviet"),
    "ROU": ("Romania", 360, "ROU", 1992, LAST, "warsaw_pact"),
    "SVK": ("Slovakia", 317, "SVK", 1993, LAST, "warsaw_pact"),
    "SVN": ("Slovenia", 349, "SVN", 1992, LAST, "yugoslav"),
    "ALB": ("Albania", 339, "ALB", 1992, LAST, "other"),
    "HRV": ("Croatia", 344, "HRV", 1992, LAST, "yugoslav"),
    "MNE": ("Montenegro", 341, "MNE", 2006, LAST, "yugoslav"),
    "MKD": ("North Macedonia", 343, "MKD", 1992, LAST, "yugoslav"),
    "FIN": ("Finland", 375, "FIN", 1992, LAST, "neutral"),
    "SWE": ("Sweden", 380, "SWE", 1992, LAST, "neutral"),
    # Russia and the post-Soviet states
    "RUS": ("Russia", 365, "RUS", 1992, LAST, "soviet"),
    "UKR": ("Ukraine", 369, "UKR", 1992, LAST, "soviet"),
    "BLR": ("Belarus", 370, "BLR", 1992, LAST, "soviet"),
    "MDA": ("Moldova", 359, "MDA", 1992, LAST, "soviet"),
    "GEO": ("Georgia", 372, "GEO", 1992, LAST, "soviet"),
    "ARM": ("Armenia", 371, "ARM", 1992, LAST, "soviet"),
    "AZE": ("Azerbaijan", 373, "AZE", 1992, LAST, "soviet"),
    "KAZ": ("Kazakhstan", 705, "KAZ", 1992, LAST, "soviet"),
    # Balkans and dissolved states
    "SRB": ("Serbia (FR Yugoslavia / Serbia and Montenegro to 2006)", 345, "SRB", 1992, LAST, "yugoslav"),
    "BIH": ("Bosnia and Herzegovina", 346, "BIH", 1992, LAST, "yugoslav"),
    "XKX": ("Kosovo", 347, "XKX", 2008, LAST, "yugoslav"),
    "CSK": ("Czechoslovakia", 315, None, 1992, 1992, "warsaw_pact"),
    # neutrals
    "AUT": ("Austria", 305, "AUT", 1992, LAST, "neutral"),
    "IRL": ("Ireland", 205, "IRL", 1992, LAST, "neutral"),
    "CHE": ("Switzerland", 225, "CHE", 1992, LAST, "neutral"),
}

NATO_1992 = ["USA", "CAN", "GBR", "FRA", "DEU", "ITA", "ESP", "PRT", "BEL", "NLD", "LUX", "DNK", "NOR",
             "ISL", "GRC", "TUR"]

PPP = "WDI NY.GDP.MKTP.PP.KD"
KD = "WDI NY.GDP.MKTP.KD"
SHARE = "SIPRI share of GDP, April 2025 release"
CONST = "SIPRI constant 2023 US$, April 2025 release"
MADDISON = "Maddison Project Database 2020"

TABLE = "world_1992_2024.csv"
CINC_TABLE = "cinc_nato_russia_1992_2013.csv"
HELDOUT = "heldout_outcomes_2014_2024.csv"


def touched() -> list[str]:
    """The states whose GDP after 2013 the model makes (rule T1 plus modelled damage): Russia and the
    states of its claimed sphere in the world file (``SPHERE_RUS`` below), the only states Russia's force
    can reach (M9) and the states the Western answers to Russian acts sanction."""
    return ["RUS"] + SPHERE_RUS


# ---------------------------------------------------------------------------------------------------
# reading the reference files (csv module only: no pandas needed)
# ---------------------------------------------------------------------------------------------------
def _num(x: str) -> float:
    x = (x or "").strip().strip('"')
    return math.nan if x == "" else float(x)


def _ok(v) -> bool:
    return v is not None and not math.isnan(v)


def read_wdi(path: Path) -> dict[str, dict[int, float]]:
    """WDI bulk-download layout: header lines, then 'Country Name','Country Code',...,'1960',... Values in
    bn of the series' unit."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head_i = next(i for i, r in enumerate(rows) if r and r[0].strip('"') == "Country Name")
    head = rows[head_i]
    ycols = {i: int(h) for i, h in enumerate(head) if h.strip().isdigit()}
    out: dict[str, dict[int, float]] = {}
    for r in rows[head_i + 1:]:
        if len(r) < 2:
            continue
        vals = {y: _num(r[i]) / 1e9 for i, y in ycols.items() if i < len(r)}
        out[r[1]] = {y: v for y, v in vals.items() if _ok(v)}
    return out


def read_sipri(path: Path) -> dict[str, dict[int, tuple[float, str]]]:
    """SIPRI long format (iso3, country, year, value, unit, flag); cells SIPRI marks '...' or 'xxx' are
    absent from the file."""
    out: dict[str, dict[int, tuple[float, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["iso3"], {})[int(r["year"])] = (float(r["value"]), (r.get("flag") or "").strip())
    return out


def read_maddison(path: Path) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            v = _num(r["gdp_2011intl"])
            if _ok(v):
                out.setdefault(r["iso3"], {})[int(r["year"])] = v / 1e9
    return out


def read_cow(path: Path) -> dict[tuple[int, int], float]:
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            c = float(r["cinc"])
            if c >= 0:
                out[(int(r["ccode"]), int(r["year"]))] = c
    return out


def read_accessions(path: Path) -> dict[str, int]:
    """iso3 -> year of NATO accession (a state counts as a member in every year from its accession's)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["iso3"]: int(r["accession_date"][:4]) for r in csv.DictReader(fh)}


# ---------------------------------------------------------------------------------------------------
# derivation
# ---------------------------------------------------------------------------------------------------
def _fill(years: list[int], anchors: dict[int, float]):
    """Fill years missing from `anchors`: interior gaps by linear interpolation, edges by nearest year.
    Returns {year: (value, code, detail)} for the filled years only (B2 interior, B3 edge)."""
    filled = {}
    ks = sorted(anchors)
    for y in years:
        if y in anchors or not ks:
            continue
        before = [k for k in ks if k < y]
        after = [k for k in ks if k > y]
        if before and after:
            a, b = before[-1], after[0]
            filled[y] = (anchors[a] + (anchors[b] - anchors[a]) * (y - a) / (b - a), "B2", f"interpolated {a}-{b}")
        else:
            k = before[-1] if before else after[0]
            filled[y] = (anchors[k], "B3", f"nearest year {k}")
    return filled


def trend_growth(series: dict[int, float], window: tuple[int, int] = TREND_WINDOW) -> float:
    """Rule T1's g: compound annual growth between the window's end years (pre-2014 data only)."""
    a, b = window
    assert b <= TRAIN_END, "the trend rule may use pre-2014 data only"
    return (series[b] / series[a]) ** (1.0 / (b - a)) - 1.0


def gdp_series(wdi: dict, mad: dict, iso: str, years: list[int], basis: str) -> dict[int, tuple[float, str]]:
    """{year: (bn, source)} of one state's real GDP in one WDI basis, data years only (no T1)."""
    out = {}
    if iso == "CSK":
        for y in years:
            out[y] = (wdi["CZE"][y] + wdi["SVK"][y], f"gdp FILLED P1 (CZE + SVK, {basis})")
        return out
    if iso == "SRB":
        fry = {y: wdi["SRB"][y] + wdi["MNE"][y] for y in range(1997, 2006)}
        madd = {y: mad["SRB"][y] + mad["MNE"][y] for y in range(1992, 1998)}
        for y in years:
            if y in fry:
                out[y] = (fry[y], f"gdp FILLED P2 (FR Yugoslavia = SRB + MNE, {basis})")
            elif y < 1997:
                out[y] = (fry[1997] * madd[y] / madd[1997],
                          f"gdp FILLED M1 (1997 P2 value x {MADDISON} growth of SRB + MNE)")
            else:
                out[y] = (wdi["SRB"][y], basis)
        return out
    for y in years:
        if y not in wdi.get(iso, {}):
            raise SystemExit(f"{iso} {y}: no {basis} value (add a fill rule)")
        out[y] = (wdi[iso][y], basis)
    return out


def derive(data_dir: Path, window: tuple[int, int] = TREND_WINDOW) -> tuple[list[dict], list[dict], list[dict]]:
    """(input table rows, CINC ratio rows, held-out outcome rows); ``window`` is rule T1's."""
    ppp = read_wdi(data_dir / "wdi_gdp_ppp_constant2021intl.csv")
    kd = read_wdi(data_dir / "wdi_gdp_constant2015usd.csv")
    mad = read_maddison(data_dir / "maddison2020_gdp.csv")
    share = read_sipri(data_dir / "sipri_milex_share_gdp.csv")
    const = read_sipri(data_dir / "sipri_milex_constant2023usd.csv")
    cow = read_cow(data_dir / "cow_nmc_v6.csv")
    acc = read_accessions(data_dir / "nato_accessions.csv")
    hit = set(touched())

    rows, held = [], []
    for iso, (name, ccode, code, y0, y1, _hist) in STATES.items():
        years = [y for y in YEARS if y0 <= y <= y1]
        data_years = [y for y in years if y <= TRAIN_END] if iso in hit else years
        g_ppp = gdp_series(ppp, mad, iso, data_years, PPP)
        g_kd = gdp_series(kd, mad, iso, data_years, KD)
        trend = {}
        if iso in hit:
            for key, series in (("ppp", g_ppp), ("kd", g_kd)):
                g = trend_growth({y: v for y, (v, _s) in series.items()}, window)
                trend[key] = g
                for y in years:
                    if y > TRAIN_END:
                        base = series[TRAIN_END][0]
                        series[y] = (base * (1.0 + g) ** (y - TRAIN_END),
                                     f"gdp RULE T1 (2013 x (1 {g:+.4f})^(y-2013), g = growth "
                                     f"{window[0]}-{window[1]})")

        # burden: SIPRI share of GDP, training years only (the US's to the end: an exogenous input)
        b_years = [y for y in years if y <= TRAIN_END or iso == "USA"]
        burden = {}
        if iso == "ISL":
            burden = {y: (0.0, "burden=0 FILLED B1 (SIPRI: no military expenditure, no armed forces)") for y in b_years}
        elif iso == "CSK":
            w = {c: ppp[c][1993] for c in ("CZE", "SVK")}
            v = sum(share[c][1993][0] * w[c] for c in w) / sum(w.values())
            burden = {1992: (v, "burden FILLED P1 (GDP-weighted mean of CZE and SVK SIPRI shares, 1993)")}
        else:
            s = {y: share.get(code, {})[y][0] for y in b_years if y in share.get(code, {})}
            filled = _fill(b_years, s)
            for y in b_years:
                if y in s:
                    burden[y] = (s[y], SHARE)
                else:
                    v, rule, det = filled[y]
                    burden[y] = (v, f"burden FILLED {rule} ({det} of {SHARE})")

        # CINC, training years
        c_years = [y for y in years if y <= TRAIN_END]
        c_anchor = {y: cow[(ccode, y)] for y in c_years if (ccode, y) in cow}
        c_fill = _fill(c_years, c_anchor)

        for y in years:
            r = {"iso3": iso, "year": y, "gdp_ppp_bn": g_ppp[y][0], "gdp_usd2015_bn": g_kd[y][0],
                 "burden_pct": None, "milex_bn_usd2023": None, "cinc": None}
            src = [g_ppp[y][1] if g_ppp[y][1] != PPP else f"gdp={PPP}"]
            if y in burden:
                r["burden_pct"] = burden[y][0]
                src.append(burden[y][1])
            if y <= TRAIN_END:
                m = const.get(code or "", {}).get(y)
                if m is not None:
                    r["milex_bn_usd2023"] = m[0] / 1e3
                    src.append(CONST)
                if y in c_anchor:
                    r["cinc"] = c_anchor[y]
                    src.append(f"cinc=COW NMC v6 ccode {ccode}")
                else:
                    v, _rule, det = c_fill[y]
                    r["cinc"] = v
                    src.append(f"cinc FILLED C1 ({det}, COW NMC v6 ccode {ccode})")
            if iso == "SRB" and y <= 2005:
                src.append("SIPRI 'Serbia' to 2005 = Serbia and Montenegro")
            r["source"] = "; ".join(src)
            r["trend"] = trend.get("ppp")
            rows.append(r)

            if y > TRAIN_END and iso != "USA":
                h = {"iso3": iso, "year": y,
                     "burden_pct": share.get(code or "", {}).get(y, (None,))[0],
                     "milex_bn_usd2023": (const[code][y][0] / 1e3) if y in const.get(code or "", {}) else None,
                     "gdp_ppp_bn": ppp[code][y] if iso in hit and y in ppp.get(code, {}) else None}
                h["source"] = (f"{SHARE}; {CONST}" + (f"; gdp={PPP} (data; the model's GDP is rule T1 x damage)"
                                                      if h["gdp_ppp_bn"] is not None else ""))
                held.append(h)

    cinc_rows = []
    for y in range(FIRST, TRAIN_END + 1):
        members = sorted((c for c, a in acc.items() if a <= y), key=lambda c: (acc[c], c))
        codes = {c: STATES[c][1] for c in members}
        nato = sum(cow[(codes[c], y)] for c in members)
        rus = cow[(365, y)]
        cinc_rows.append({"year": y, "nato_members": len(members), "cinc_nato": nato, "cinc_rus": rus,
                          "ratio": nato / rus,
                          "source": "COW NMC v6.0 cinc (Singer, Bremer & Stuckey 1972); members: NATO accession "
                                    "dates (a state counts from its accession year)"})
    return rows, cinc_rows, held


def _fmt(v, spec: str) -> str:
    return "" if v is None else format(v, spec)


def write_tables(rows: list[dict], cinc_rows: list[dict], held: list[dict], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / TABLE, out_dir / CINC_TABLE, out_dir / HELDOUT]
    with paths[0].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["iso3", "year", "gdp_ppp_bn", "gdp_usd2015_bn", "burden_pct", "milex_bn_usd2023", "cinc",
                    "source"])
        for r in rows:
            w.writerow([r["iso3"], r["year"], f"{r['gdp_ppp_bn']:.3f}", f"{r['gdp_usd2015_bn']:.3f}",
                        _fmt(r["burden_pct"], ".4f"), _fmt(r["milex_bn_usd2023"], ".4f"), _fmt(r["cinc"], ".7f"),
                        r["source"]])
    with paths[1].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["year", "nato_members", "cinc_nato", "cinc_rus", "ratio", "source"])
        for r in cinc_rows:
            w.writerow([r["year"], r["nato_members"], f"{r['cinc_nato']:.7f}", f"{r['cinc_rus']:.7f}",
                        f"{r['ratio']:.4f}", r["source"]])
    with paths[2].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["iso3", "year", "burden_pct", "milex_bn_usd2023", "gdp_ppp_bn", "source"])
        for r in held:
            w.writerow([r["iso3"], r["year"], _fmt(r["burden_pct"], ".4f"), _fmt(r["milex_bn_usd2023"], ".4f"),
                        _fmt(r["gdp_ppp_bn"], ".3f"), r["source"]])
    return paths


def summary(rows: list[dict], cinc_rows: list[dict]) -> str:
    """Figures from the training window only (nothing after 2013 is printed)."""
    by = {(r["iso3"], r["year"]): r for r in rows}
    ratio = {r["year"]: r["ratio"] for r in cinc_rows}
    filled = sum(1 for r in rows if "FILLED" in r["source"] and r["year"] <= TRAIN_END)
    trends = ", ".join(f"{c} {by[(c, TRAIN_END)]['trend']:+.2%}" for c in touched())
    return (f"{len(rows)} rows, {len({r['iso3'] for r in rows})} states; training-window rows with a fill rule: "
            f"{filled}\n"
            f"SIPRI burden 1992: RUS {by[('RUS', 1992)]['burden_pct']:.2f} %, USA {by[('USA', 1992)]['burden_pct']:.2f} %\n"
            f"GDP PPP 1992 (bn 2021 intl $): USA {by[('USA', 1992)]['gdp_ppp_bn']:.0f}, RUS "
            f"{by[('RUS', 1992)]['gdp_ppp_bn']:.0f}\n"
            f"CINC NATO/RUS: 1992 {ratio[1992]:.2f}, 1999 {ratio[1999]:.2f}, 2004 {ratio[2004]:.2f}, "
            f"2008 {ratio[2008]:.2f}, 2013 {ratio[2013]:.2f}\n"
            f"rule T1 trend growth {TREND_WINDOW[0]}-{TREND_WINDOW[1]} (PPP): {trends}")


# ===================================================================================================
# The world YAML (``--yaml``): the numbers above plus the judgements below, each with its source.
# ===================================================================================================

# capital [lon, lat] (decimal degrees; the dashboard map). Kazakhstan: Almaty was the capital in 1992
# (Astana from Dec 1997); Germany: Berlin (capital since 1990; government seat Bonn until 1999).
CAPITALS = {
    "USA": ("Washington, DC", -77.04, 38.91), "CAN": ("Ottawa", -75.70, 45.42), "GBR": ("London", -0.13, 51.51),
    "FRA": ("Paris", 2.35, 48.86), "DEU": ("Berlin", 13.40, 52.52), "ITA": ("Rome", 12.50, 41.90),
    "ESP": ("Madrid", -3.70, 40.42), "PRT": ("Lisbon", -9.14, 38.72), "BEL": ("Brussels", 4.35, 50.85),
    "NLD": ("Amsterdam", 4.90, 52.37), "LUX": ("Luxembourg", 6.13, 49.61), "DNK": ("Copenhagen", 12.57, 55.68),
    "NOR": ("Oslo", 10.75, 59.91), "ISL": ("Reykjavik", -21.94, 64.15), "GRC": ("Athens", 23.73, 37.98),
    "TUR": ("Ankara", 32.86, 39.93), "POL": ("Warsaw", 21.01, 52.23), "CZE": ("Prague", 14.42, 50.08),
    "HUN": ("Budapest", 19.04, 47.50), "BGR": ("Sofia", 23.32, 42.70), "EST": ("Tallinn", 24.75, 59.44),
    "LVA": ("Riga", 24.11, 56.95), "LTU": ("Vilnius", 25.28, 54.69), "ROU": ("Bucharest", 26.10, 44.43),
    "SVK": ("Bratislava", 17.11, 48.15), "SVN": ("Ljubljana", 14.51, 46.06), "ALB": ("Tirana", 19.82, 41.33),
    "HRV": ("Zagreb", 15.98, 45.81), "MNE": ("Podgorica", 19.26, 42.44), "MKD": ("Skopje", 21.43, 42.00),
    "FIN": ("Helsinki", 24.94, 60.17), "SWE": ("Stockholm", 18.07, 59.33), "RUS": ("Moscow", 37.62, 55.76),
    "UKR": ("Kyiv", 30.52, 50.45), "BLR": ("Minsk", 27.56, 53.90), "MDA": ("Chisinau", 28.86, 47.01),
    "GEO": ("Tbilisi", 44.79, 41.72), "ARM": ("Yerevan", 44.51, 40.18), "AZE": ("Baku", 49.87, 40.41),
    "KAZ": ("Almaty (capital in 1992)", 76.95, 43.24), "SRB": ("Belgrade", 20.46, 44.79),
    "BIH": ("Sarajevo", 18.41, 43.86), "XKX": ("Pristina", 21.17, 42.66), "CSK": ("Prague", 14.42, 50.08),
    "AUT": ("Vienna", 16.37, 48.21), "IRL": ("Dublin", -6.26, 53.35), "CHE": ("Bern", 7.45, 46.95),
}

EXISTS = {"CSK": (None, "1992Q4"), "CZE": ("1993Q1", None), "SVK": ("1993Q1", None),
          "MNE": ("2006Q3", None), "XKX": ("2008Q1", None)}
EXISTS_WHY = {
    "CSK": "dissolved 31 Dec 1992; last quarter 1992Q4",
    "CZE": "independent 1 Jan 1993", "SVK": "independent 1 Jan 1993",
    "MNE": "independence referendum 21 May 2006, declared 3 Jun 2006; first full quarter 2006Q3",
    "XKX": "declared independence 17 Feb 2008 (recognised by the US and most NATO members)",
}

# Polity5 polity2 in the first year (1992, or the year the state is born). `True` = checked against a
# copy of the published Polity5 file (p5v2018.csv, scode/country/year/polity2, GitHub copy in
# gabrielle-beaulieu/political_economy_popleaders_replication); `False` = from memory of the series.
POLITY = {
    "USA": (10, True), "CAN": (10, True), "GBR": (10, True), "FRA": (9, False), "DEU": (10, False),
    "ITA": (10, False), "ESP": (10, True), "PRT": (10, True), "BEL": (10, False), "NLD": (10, False),
    "LUX": (10, True), "DNK": (10, False), "NOR": (10, False), "ISL": (10, False), "GRC": (10, True),
    "TUR": (9, True), "POL": (8, True), "CZE": (10, True), "HUN": (10, False), "BGR": (8, True),
    "EST": (6, True), "LVA": (8, True), "LTU": (10, True), "ROU": (5, True), "SVK": (7, True),
    "SVN": (10, True), "ALB": (5, True), "HRV": (-3, True), "MNE": (9, False), "MKD": (6, True),
    "FIN": (10, True), "SWE": (10, False), "RUS": (5, True), "UKR": (6, True), "BLR": (6, True),
    "MDA": (5, True), "GEO": (0, True), "ARM": (6, True), "AZE": (1, True), "KAZ": (-3, True),
    "SRB": (-5, True), "BIH": (0, True), "XKX": (8, True), "CSK": (7, True), "AUT": (10, True),
    "IRL": (10, False), "CHE": (10, False),
}
POLITY_NOTE = {
    "SRB": "Polity 'Yugoslavia' (FRY) 1992",
    "BIH": "polity2 0 = interregnum (-77) converted, not a middling democracy",
    "GEO": "civil war, Gamsakhurdia ousted Jan 1992",
    "ISL": "Iceland may not be covered by Polity5; 10 by analogy",
}

# Alignment at the start (1992Q1, or the first quarter the state exists): -1 Russia .. +1 the West.
ALIGNMENT = {
    "USA": (1.00, "alliance leader"),
    "CAN": (0.95, "founding member, closest US neighbour"),
    "GBR": (0.95, "founding member, closest US ally"),
    "FRA": (0.80, "member but outside the integrated command since 1966; European-defence ambitions"),
    "DEU": (0.90, "member; newly unified, also courting Moscow while Russian troops leave (to 1994)"),
    "ITA": (0.90, "founding member"),
    "ESP": (0.85, "member since 1982, outside the integrated command until 1999"),
    "PRT": (0.90, "founding member"),
    "BEL": (0.90, "founding member, hosts NATO HQ"),
    "NLD": (0.95, "founding member, Atlanticist"),
    "LUX": (0.90, "founding member"),
    "DNK": (0.85, "founding member; 1980s 'footnote' reservations"),
    "NOR": (0.90, "founding member; NATO's only border with Russia in 1992"),
    "ISL": (0.85, "founding member without armed forces; US base at Keflavik"),
    "GRC": (0.80, "member; Orthodox and Serbian sympathies, quarrels with Turkey"),
    "TUR": (0.85, "member; southern flank"),
    "POL": (0.50, "seeking the West (Visegrad); Russian troops still present until 1993"),
    "CZE": (0.50, "seeking NATO and the EU (Havel, Klaus); alignment at birth, 1993"),
    "HUN": (0.50, "Antall government seeks Western integration (Visegrad)"),
    "CSK": (0.45, "Visegrad, seeking the West; federation splitting, Slovak ambivalence"),
    "SVK": (0.30, "Meciar government ambivalent toward the West; alignment at birth, 1993"),
    "BGR": (0.25, "ex-communist BSP strong; historical ties to Russia"),
    "ROU": (0.25, "Iliescu's FSN government; signed a friendship treaty with the USSR in 1991"),
    "SVN": (0.40, "Western-oriented; recognised by the EC in Jan 1992"),
    "HRV": (0.30, "at war; recognised by the EC in Jan 1992, under a UN arms embargo"),
    "BIH": (0.10, "on the eve of war: Bosniak leaders look West, Bosnian Serbs to Belgrade and Moscow"),
    "MKD": (0.20, "unrecognised (name dispute with Greece), neutral"),
    "ALB": (0.30, "leaving isolation; March 1992 elections bring the pro-Western Democratic Party"),
    "MNE": (0.30, "Djukanovic's pro-EU/NATO elite vs a large pro-Serbian minority; alignment at birth, 2006"),
    "XKX": (0.90, "independence backed by the US and most NATO members; alignment at birth, 2008"),
    "EST": (0.40, "seeking the West; Russian troops present until Aug 1994"),
    "LVA": (0.40, "seeking the West; Russian troops present until Aug 1994 (Skrunda radar to 1998)"),
    "LTU": (0.40, "seeking the West; Russian troops present until Aug 1993"),
    "FIN": (0.30, "neutral; 1948 FCMA treaty replaced by a basic treaty with Russia in Jan 1992"),
    "SWE": (0.35, "neutral, Western-leaning; applied to the EC in 1991"),
    "AUT": (0.30, "neutral; applied to the EC in 1989"),
    "IRL": (0.30, "neutral EC member"),
    "CHE": (0.25, "neutral, outside the EC"),
    "RUS": (-1.00, "the scale's pole"),
    "UKR": (0.00, "non-bloc (1990 declaration); nuclear and Black Sea Fleet disputes with Russia"),
    "BLR": (-0.30, "Shushkevich formally neutral but military and economy tied to Russia"),
    "MDA": (0.10, "pro-Romanian leadership at war with Russian-backed Transnistria"),
    "GEO": (0.05, "civil war; outside the CIS until Dec 1993; Shevardnadze returns Mar 1992"),
    "ARM": (-0.40, "at war with Azerbaijan, relies on Russia"),
    "AZE": (0.00, "CIS member under Mutalibov (to Mar 1992); pro-Turkish Popular Front rising"),
    "KAZ": (-0.30, "Nazarbayev: Eurasian integration, close ties to Russia"),
    "SRB": (-0.40, "Milosevic's FR Yugoslavia, hostile to the West; UN sanctions May 1992"),
}

# Share of gas imports coming from Russia, 1990s (Eurostat / IEA gas statistics; approximate, from the
# published figures as remembered, not read from a file). Where imports are a small part of supply the
# note says so: the field is the import share, not the share of consumption.
ENERGY = {
    "USA": (0.00, "no Russian gas"), "CAN": (0.00, "gas exporter"),
    "GBR": (0.00, "self-sufficient (North Sea) in the 1990s"),
    "FRA": (0.30, "Russia ~30% of imports; Norway, Algeria, Netherlands the rest"),
    "DEU": (0.40, "Russia ~35-40% of imports"), "ITA": (0.35, "Russia ~30-35% of imports; Algeria similar"),
    "ESP": (0.00, "Algerian pipeline gas and LNG"), "PRT": (0.00, "gas from 1997, Algerian"),
    "BEL": (0.05, "Dutch, Norwegian, Algerian LNG; Russian share marginal"),
    "NLD": (0.00, "producer and exporter"), "LUX": (0.25, "imports via Belgium and Germany, mixed origin"),
    "DNK": (0.00, "producer and exporter"), "NOR": (0.00, "producer and exporter"),
    "ISL": (0.00, "no natural gas"), "GRC": (0.80, "gas from 1996-97, mostly Russian, rest Algerian LNG"),
    "TUR": (0.65, "Russia ~two-thirds of imports"), "POL": (0.85, "Russia ~85-90% of imports"),
    "CZE": (0.75, "all Russian until the 1997 Norwegian contract (~25%)"),
    "CSK": (0.95, "imports essentially all Soviet/Russian"), "SVK": (1.00, "sole supplier"),
    "HUN": (0.80, "Russia ~80% of imports"), "BGR": (1.00, "sole supplier"),
    "ROU": (0.95, "imports Russian, but imports only ~30% of supply (domestic production)"),
    "EST": (1.00, "sole supplier"), "LVA": (1.00, "sole supplier"), "LTU": (1.00, "sole supplier"),
    "SVN": (0.60, "Russia and Algeria"),
    "HRV": (0.90, "imports Russian; domestic production covers over half of supply"),
    "ALB": (0.00, "no gas imports"), "MNE": (0.00, "no gas network"),
    "MKD": (1.00, "Russian gas via Bulgaria from 1997; small volumes"),
    "FIN": (1.00, "sole supplier"), "SWE": (0.00, "Danish gas only"),
    "RUS": (0.00, "not applicable"),
    "UKR": (0.90, "Russian and Turkmen gas through Gazprom's network"),
    "BLR": (1.00, "sole supplier"), "MDA": (1.00, "sole supplier"),
    "GEO": (0.90, "Russian gas (Azerbaijani from 2007)"), "ARM": (1.00, "via Georgia; Iranian pipeline only 2007"),
    "AZE": (0.50, "producer; imported Russian gas c.1999-2006; low confidence"),
    "KAZ": (0.30, "producer in the west, north supplied from Russia, south from Uzbekistan; low confidence"),
    "SRB": (1.00, "imports Russian via Hungary; domestic production ~15-20% of supply"),
    "BIH": (1.00, "Russian gas via Serbia"), "XKX": (0.00, "no gas network"),
    "AUT": (0.75, "Russia ~75-80% of imports"), "IRL": (0.00, "Kinsale field and UK interconnector (1993)"),
    "CHE": (0.20, "imports via Germany and the Netherlands; Russian share approximate"),
}

# Weight in Russia's sphere, 0..1 (sphere states only). Chamberlain 2013: Russia sees a buffer of
# friendly states as essential (ch. III, “Background: A Brief Period of Cooperation”); its red line is the ex-USSR border, Baltics included
# (ch. III, “The Clinton Years”). The values are the brief's, kept after review; each is a data-like judgement to stress-test.
IMPORTANCE = {
    "UKR": (1.0, "largest neighbour, Black Sea Fleet, 1944 km border, ~11 M Russians: core of the buffer"),
    "BLR": (0.9, "western glacis on the direct route to Moscow; closest ally"),
    "KAZ": (0.7, "longest border (7644 km), large Russian minority, Baikonur"),
    "GEO": (0.6, "Caucasus and Black Sea coast; separatist conflicts on Russia's border"),
    "MDA": (0.5, "Transnistria and the 14th Army; not contiguous"),
    "ARM": (0.5, "ally, Gyumri garrison, South Caucasus foothold"),
    "AZE": (0.5, "Caspian oil and transit, North Caucasus border"),
    "EST": (0.5, "inside the red line (Chamberlain 2013, ch. III, “The Clinton Years”); Russian minority ~30%"),
    "LVA": (0.5, "inside the red line; Russian minority ~34%, Skrunda radar"),
    "LTU": (0.5, "inside the red line; Kaliningrad transit"),
}

SPHERE_RUS = ["UKR", "BLR", "MDA", "GEO", "ARM", "AZE", "KAZ", "EST", "LVA", "LTU"]

# prior_about_russia = base[history] + 0.05 (land border with Russia) - 0.20 (aligned with Russia at the
# start, alignment < 0). docs/theory.md §3: Poland and the Baltics fear more than France or Germany.
PRIOR_BASE = {"western": 0.40, "neutral": 0.40, "warsaw_pact": 0.55, "soviet": 0.55, "yugoslav": 0.35,
              "other": 0.40}

FB = "CIA World Factbook"
FB_SUM = "CIA World Factbook segments summed"
# Borders among the states: (a, b, km, kind, via, source, note). Land km from the CIA World Factbook
# (recent editions). Sea approaches (kind sea) are not Factbook figures: a strait gets its width, other
# approaches across an enclosed sea a nominal 100 km (project rule; a judgement to stress-test).
BORDERS = [
    # --- North America and western Europe
    ("USA", "CAN", 8891, "land", "", FB, ""),
    ("FRA", "BEL", 556, "land", "", FB, ""), ("FRA", "DEU", 418, "land", "", FB, ""),
    ("FRA", "ITA", 476, "land", "", FB, ""), ("FRA", "LUX", 69, "land", "", FB, ""),
    ("FRA", "ESP", 646, "land", "", FB, ""), ("FRA", "CHE", 525, "land", "", FB, ""),
    ("BEL", "DEU", 133, "land", "", FB, ""), ("BEL", "LUX", 130, "land", "", FB, ""),
    ("BEL", "NLD", 478, "land", "", FB, ""), ("NLD", "DEU", 575, "land", "", FB, ""),
    ("LUX", "DEU", 128, "land", "", FB, ""), ("DEU", "DNK", 140, "land", "", FB, ""),
    ("DEU", "AUT", 801, "land", "", FB, ""), ("DEU", "CHE", 348, "land", "", FB, ""),
    ("DEU", "POL", 467, "land", "", FB, ""), ("DEU", "CZE", 704, "land", "", FB, ""),
    ("ESP", "PRT", 1224, "land", "", FB, ""), ("GBR", "IRL", 499, "land", "", FB, ""),
    ("ITA", "AUT", 404, "land", "", FB, ""), ("ITA", "CHE", 698, "land", "", FB, ""),
    ("ITA", "SVN", 218, "land", "", FB, ""), ("AUT", "CHE", 158, "land", "", FB, ""),
    # --- Nordic
    ("NOR", "SWE", 1666, "land", "", FB, ""), ("NOR", "FIN", 709, "land", "", FB, ""),
    ("FIN", "SWE", 545, "land", "", FB, ""),
    # --- Central Europe (Czechoslovakia to 1992, its successors from 1993)
    ("CSK", "DEU", 704, "land", "", FB_SUM + " (Czech-German)", "Czechoslovakia to 1992Q4"),
    ("CSK", "POL", 1216, "land", "", FB_SUM + " (CZE-POL 699 + SVK-POL 517)", "Czechoslovakia to 1992Q4"),
    ("CSK", "AUT", 507, "land", "", FB_SUM + " (CZE-AUT 402 + SVK-AUT 105)", "Czechoslovakia to 1992Q4"),
    ("CSK", "HUN", 627, "land", "", FB_SUM + " (Slovak-Hungarian)", "Czechoslovakia to 1992Q4"),
    ("CSK", "UKR", 97, "land", "", FB_SUM + " (Slovak-Ukrainian)", "Czechoslovakia to 1992Q4"),
    ("CZE", "POL", 699, "land", "", FB, ""), ("CZE", "AUT", 402, "land", "", FB, ""),
    ("CZE", "SVK", 241, "land", "", FB, ""), ("SVK", "POL", 517, "land", "", FB, ""),
    ("SVK", "AUT", 105, "land", "", FB, ""), ("SVK", "HUN", 627, "land", "", FB, ""),
    ("SVK", "UKR", 97, "land", "", FB, ""),
    ("POL", "LTU", 100, "land", "", FB, ""), ("POL", "BLR", 418, "land", "", FB, ""),
    ("POL", "UKR", 498, "land", "", FB, ""),
    ("HUN", "AUT", 321, "land", "", FB, ""), ("HUN", "SVN", 94, "land", "", FB, ""),
    ("HUN", "HRV", 348, "land", "", FB, ""), ("HUN", "ROU", 424, "land", "", FB, ""),
    ("HUN", "UKR", 128, "land", "", FB, ""),
    ("AUT", "SVN", 299, "land", "", FB, ""),
    # --- South-eastern Europe
    ("ROU", "BGR", 605, "land", "", FB, ""), ("ROU", "MDA", 683, "land", "", FB, ""),
    ("ROU", "UKR", 601, "land", "", FB, ""),
    ("BGR", "GRC", 472, "land", "", FB, ""), ("BGR", "TUR", 223, "land", "", FB, ""),
    ("BGR", "MKD", 162, "land", "", FB, ""),
    ("GRC", "TUR", 192, "land", "", FB, ""), ("GRC", "ALB", 212, "land", "", FB, ""),
    ("GRC", "MKD", 234, "land", "", FB, ""), ("ALB", "MKD", 151, "land", "", FB, ""),
    # --- the former Yugoslavia. SRB carries FR Yugoslavia's borders (the world at 1992Q1, Montenegrin and
    # Kosovar segments included); MNE and XKX carry their own from when they exist. The schema has no
    # dated borders, so after 2006/2008 the segments that passed to MNE/XKX are counted twice.
    ("SVN", "HRV", 600, "land", "", FB, ""),
    ("HRV", "BIH", 956, "land", "", FB, ""),
    ("SRB", "HUN", 164, "land", "", FB, ""), ("SRB", "ROU", 531, "land", "", FB, ""),
    ("SRB", "BGR", 344, "land", "", FB, ""),
    ("SRB", "HRV", 333, "land", "", FB_SUM + " (SRB-HRV 314 + MNE-HRV 19)", "FRY; Serbia proper 314 after 2006"),
    ("SRB", "BIH", 587, "land", "", FB_SUM + " (SRB-BIH 345 + MNE-BIH 242)", "FRY; Serbia proper 345 after 2006"),
    ("SRB", "MKD", 261, "land", "", FB_SUM + " (SRB-MKD 101 + XKX-MKD 160)", "FRY; Serbia proper 101 after 2008"),
    ("SRB", "ALB", 298, "land", "", FB_SUM + " (MNE-ALB 186 + XKX-ALB 112)", "FRY; none for Serbia proper after 2008"),
    ("MNE", "SRB", 157, "land", "", FB,
     "from 2006Q3; until 2008 the Montenegro-Kosovo segment (76) also bordered Serbia"),
    ("MNE", "HRV", 19, "land", "", FB, "from 2006Q3"), ("MNE", "BIH", 242, "land", "", FB, "from 2006Q3"),
    ("MNE", "ALB", 186, "land", "", FB, "from 2006Q3"), ("MNE", "XKX", 76, "land", "", FB, "from 2008Q1"),
    ("XKX", "SRB", 366, "land", "", FB, "from 2008Q1"), ("XKX", "ALB", 112, "land", "", FB, "from 2008Q1"),
    ("XKX", "MKD", 160, "land", "", FB, "from 2008Q1"),
    # --- Russia's land borders (RUS-FIN and RUS-NOR as given in the brief; recent Factbook 1309 / 191)
    ("RUS", "NOR", 196, "land", "", FB + " (older edition; recent 191)", ""),
    ("RUS", "FIN", 1340, "land", "", FB + " (older edition; recent 1309)", ""),
    ("RUS", "EST", 324, "land", "", FB, ""), ("RUS", "LVA", 332, "land", "", FB, ""),
    ("RUS", "LTU", 261, "land", "Kaliningrad", FB, ""), ("RUS", "POL", 210, "land", "Kaliningrad", FB, ""),
    ("RUS", "BLR", 1312, "land", "", FB, ""), ("RUS", "UKR", 1944, "land", "", FB, ""),
    ("RUS", "GEO", 894, "land", "", FB, ""), ("RUS", "AZE", 338, "land", "", FB, ""),
    ("RUS", "KAZ", 7644, "land", "", FB, ""),
    # --- the rest of the former Soviet Union
    ("EST", "LVA", 333, "land", "", FB, ""), ("LVA", "LTU", 544, "land", "", FB, ""),
    ("LVA", "BLR", 161, "land", "", FB, ""), ("LTU", "BLR", 640, "land", "", FB, ""),
    ("BLR", "UKR", 1111, "land", "", FB, ""), ("UKR", "MDA", 1202, "land", "", FB, ""),
    ("GEO", "ARM", 219, "land", "", FB, ""), ("GEO", "AZE", 428, "land", "", FB, ""),
    ("GEO", "TUR", 273, "land", "", FB, ""), ("ARM", "AZE", 996, "land", "", FB, ""),
    ("ARM", "TUR", 311, "land", "", FB, ""), ("AZE", "TUR", 17, "land", "Nakhchivan", FB, ""),
    # --- sea approaches
    ("RUS", "USA", 82, "sea", "Bering Strait", "width of the Bering Strait (Encyclopaedia Britannica)",
     "an approach"),
    ("RUS", "TUR", 100, "sea", "Black Sea", "nominal sea approach (project rule)", "Black Sea; the Turkish Straits"),
    ("RUS", "ROU", 100, "sea", "Black Sea", "nominal sea approach (project rule)", ""),
    ("RUS", "BGR", 100, "sea", "Black Sea", "nominal sea approach (project rule)", ""),
    ("UKR", "TUR", 100, "sea", "Black Sea", "nominal sea approach (project rule)", ""),
    ("RUS", "SWE", 100, "sea", "Baltic Sea", "nominal sea approach (project rule)", "Gotland faces Kaliningrad"),
    ("EST", "FIN", 80, "sea", "Gulf of Finland", "Tallinn-Helsinki distance across the gulf (~80 km)", ""),
    ("ITA", "ALB", 72, "sea", "Strait of Otranto", "width of the Strait of Otranto (~72 km)", ""),
]


def _prior(iso: str, hist: str, russia_land: set[str]) -> tuple[float, str]:
    if iso == "RUS":
        return 0.0, "not used: Russia knows its own type"
    v = PRIOR_BASE[hist]
    parts = [f"{hist} {PRIOR_BASE[hist]:.2f}"]
    if iso in russia_land:
        v += 0.05
        parts.append("+0.05 land border with Russia")
    if ALIGNMENT[iso][0] < 0:
        v -= 0.20
        parts.append("-0.20 aligned with Russia")
    return round(v, 2), ", ".join(parts)


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fill_tag(src: str, field: str) -> str:
    """The fill rule applied to `field` in a table source string, e.g. 'FILLED G3 (nearest year 1993 ...)'."""
    m = re.search(rf"(?:^|; ){field}(?:=0)? FILLED (\w+) \(([^()]*)\)", src)
    return f"FILLED {m.group(1)} ({m.group(2)})" if m else ""


def render_world(rows: list[dict]) -> str:
    by = {(r["iso3"], r["year"]): r for r in rows}
    first = {}
    for r in rows:
        first.setdefault(r["iso3"], r["year"])
    russia_land = {b if a == "RUS" else a for a, b, _km, kind, *_ in BORDERS if kind == "land" and "RUS" in (a, b)}
    L = []
    w = L.append
    w("# The world at 1992Q1: states, borders, alliances, spheres, forces abroad and economic paths.")
    w("# Format: docs/scenario-format.md. scenarios/historical.yaml extends this file with the timeline.")
    w("#")
    w("# GENERATED by scripts/derive_world_data.py --yaml from the reference data (World Bank WDI; SIPRI, April")
    w("# 2025 release; COW NMC v6; Maddison Project Database 2020; docs/references.md) and the judgement tables in")
    w("# that script. Edit the script, not this file, and regenerate. The derived table is")
    w(f"# sim/data/{TABLE}; its columns, the choice of economic basis and every fill rule are in")
    w("# sim/data/README.md (and docs/economy.md). Every figure below names its source in a comment or a `source:` field.")
    w("#")
    w("# Conventions")
    w("#  gdp      real GDP at purchasing-power parity, bn constant 2021 international $ (WDI NY.GDP.MKTP.PP.KD),")
    w("#           in the first year the state exists: the economic basis of capability (docs/economy.md).")
    w("#  burden   military expenditure, % of GDP (SIPRI, April 2025 release), same year: the initial effort.")
    w("#  cinc     COW NMC v6 CINC, same year (Singer, Bremer & Stuckey 1972).")
    w("#  democracy  Polity5 polity2 p rescaled (p + 10) / 20, first year. Polity5 polity2 (approximate, from")
    w("#           the published series): values marked 'checked' were compared with a copy of p5v2018.csv;")
    w("#           those marked 'memory' were not and may be off by a point or two.")
    w("#  alignment  -1 (Russia) .. +1 (the West) at 1992Q1 (or birth): project judgement, one-line rationale.")
    w("#  prior_about_russia  P(Russia is not a security seeker), the 'residual Cold War' of Steinel 2007. Rule,")
    w("#           applied to every state: base by history (western 0.40, neutral 0.40, warsaw_pact 0.55,")
    w("#           soviet 0.55, yugoslav 0.35, other 0.40) + 0.05 if it has a land border with Russia")
    w("#           - 0.20 if it leans to Russia at the start (alignment < 0). docs/theory.md §3: Poland and the")
    w("#           Baltics fear more than France or Germany (0.60 vs 0.40).")
    w("#  energy_dependence  share of gas IMPORTS from Russia in the 1990s (Eurostat / IEA, approximate, not")
    w("#           read from a file). Where imports are a small part of supply the comment says so.")
    w("#  importance_to_russia  weight in Russia's sphere (sphere states only; 0 elsewhere, unused). Chamberlain 2013,")
    w("#           ch. III: the buffer of friendly states (“Background: A Brief Period of Cooperation”), the red line at the ex-USSR")
    w("#           border, Baltics included (ch. III, “The Clinton Years”). Judgements, to be stress-tested like parameters.")
    w("")
    w("name: europe")
    w('description: "Europe and the former Soviet space at 1992Q1 (world only; no events)"')
    w("period: {start: 1992Q1, end: 2025Q4}")
    w("")
    w("states:")
    groups = [
        ("NATO in 1992", NATO_1992),
        ("later NATO members", ["POL", "CZE", "HUN", "BGR", "EST", "LVA", "LTU", "ROU", "SVK", "SVN", "ALB",
                                "HRV", "MNE", "MKD", "FIN", "SWE"]),
        ("Russia and the post-Soviet states", ["RUS", "UKR", "BLR", "MDA", "GEO", "ARM", "AZE", "KAZ"]),
        ("the Balkans and the dissolved federations", ["SRB", "BIH", "XKX", "CSK"]),
        ("neutrals", ["AUT", "IRL", "CHE"]),
    ]
    for title, isos in groups:
        w(f"  # ---------------------------------------------------------------- {title}")
        for iso in isos:
            name, ccode, wdi, y0, _y1, hist = STATES[iso]
            yr = first[iso]
            r = by[(iso, yr)]
            cap, lon, lat = CAPITALS[iso]
            role = "russia" if iso == "RUS" else "leader" if iso == "USA" else "state"
            pol, checked = POLITY[iso]
            dem = (pol + 10) / 20
            al, al_why = ALIGNMENT[iso]
            pr, pr_why = _prior(iso, hist, russia_land)
            en, en_why = ENERGY[iso]
            im, im_why = IMPORTANCE.get(iso, (0.0, "outside Russia's sphere (not used)"))
            gtag = _fill_tag(r["source"], "gdp") or PPP
            btag = _fill_tag(r["source"], "burden") or SHARE
            ctag = _fill_tag(r["source"], "cinc")
            pnote = f"; {POLITY_NOTE[iso]}" if iso in POLITY_NOTE else ""
            def line(key, val, comment):
                text = f"    {key + ':':<22}{val:<15}"
                w(f"{text} # {comment}" if comment else text.rstrip())
            w(f"  - iso3: {iso}")
            w(f"    name: {_yaml_str(name)}")
            line("position", f"[{lon:.2f}, {lat:.2f}]", cap)
            line("role", role, "the leader: the West's type is the US's (docs/theory.md §3)" if role == "leader"
                 else "exactly one russia" if role == "russia" else "")
            if iso in EXISTS:
                f, u = EXISTS[iso]
                body = ", ".join(x for x in (f"from: {f}" if f else "", f"until: {u}" if u else "") if x)
                line("exists", "{" + body + "}", EXISTS_WHY[iso])
            line("gdp", f"{r['gdp_ppp_bn']:.1f}", f"bn 2021 intl $ (PPP) {yr}; {gtag}")
            line("burden", f"{r['burden_pct']:.2f}", f"% GDP {yr}; {btag}")
            line("cinc", f"{r['cinc']:.6f}", f"{ctag}, {yr}" if ctag else f"COW NMC v6 ccode {ccode}, {yr}")
            ptxt = "0" if pol == 0 else f"{pol:+d}"
            line("democracy", f"{dem:.2f}", f"polity2 {ptxt} in {yr} ({'checked' if checked else 'memory'}){pnote}")
            line("alignment", f"{al:.2f}", al_why)
            line("prior_about_russia", f"{pr:.2f}", pr_why)
            line("energy_dependence", f"{en:.2f}", en_why)
            line("importance_to_russia", f"{im:.1f}", im_why)
            line("history", hist, "Warsaw Pact 1955-68, then isolated: counted 'other'" if iso == "ALB" else "")
            src = (f"sim/data/{TABLE} {yr} (WDI, SIPRI, COW NMC v6); Polity5 polity2 (approximate, "
                   f"from the published series); Eurostat/IEA gas (approximate); judgements as commented")
            w(f"    source: {_yaml_str(src)}")

    w("")
    w("# Borders: land km from the CIA World Factbook (recent editions; a few older figures as noted). The")
    w("# figures were entered from the Factbook as known to the author, not read from a downloaded copy;")
    w("# editions differ by a few km for some borders (e.g. POL-UKR 498/526, GBR-IRL 499/360).")
    w("# Sea approaches (kind sea) are not Factbook figures: a strait counts its width, an approach across an")
    w("# enclosed sea a nominal 100 km (project rule, a judgement to stress-test). States that exist only part")
    w("# of the period carry their own borders; the model uses a border only while both states exist.")
    w("# SRB carries FR Yugoslavia's borders (1992 geography): after 2006/2008 the Montenegrin and Kosovar")
    w("# segments are counted both for SRB and for MNE/XKX, because the format has no dated borders.")
    w("borders:")
    for a, b, km, kind, via, src, note in BORDERS:
        parts = [f"a: {a}", f"b: {b}", f"km: {km}", f"kind: {kind}"]
        if via:
            parts.append(f"via: {via}")
        parts.append(f"source: {_yaml_str(src)}")
        if note:
            parts.append(f"note: {_yaml_str(note)}")
        w("  - {" + ", ".join(parts) + "}")

    w("")
    w(ALLIANCES_YAML.strip())
    w("")
    w("# Russia's sphere: the former Soviet states in the list, Baltics included. Chamberlain 2013:")
    w("# the red line is the ex-USSR border including the Baltics (FSB deputy S. Ivanov, 1998; ch. III, “The Clinton Years”),")
    w("# and a buffer of friendly states is essential to Russian security (ch. III, “Background: A Brief Period of Cooperation”). docs/theory.md §3.")
    w("spheres:")
    w(f"  RUS: [{', '.join(SPHERE_RUS)}]")
    w("")
    w(FORCES_YAML.strip())
    w("")
    hit = touched()
    w(f"# Economic paths from sim/data/{TABLE} (rounded to 1 decimal): real GDP at PPP, bn constant 2021")
    w("# international $ (WDI NY.GDP.MKTP.PP.KD). The model interpolates quarterly (annual values at mid-year) and")
    w(f"# holds the last value after {LAST}. Filled years are listed in the comment above each state (rule codes in")
    w("# sim/data/README.md); all other years are WDI data.")
    w(f"# Russia and the states of its claimed sphere ({', '.join(hit[1:])}) carry data only to {TRAIN_END}:")
    w(f"# after {TRAIN_END} their GDP is an outcome of the model — `trend_growth` continued from {TRAIN_END} (rule T1: compound")
    w(f"# growth {TREND_WINDOW[0]}-{TREND_WINDOW[1]}, pre-2014 data only) times the damage of modelled force and sanctions")
    w("# (sim/engine/economy.py).")
    w("economy:")
    w(_yaml_str_line("source", f"World Bank WDI NY.GDP.MKTP.PP.KD (last updated 2026-02-24); SIPRI Military "
                     f"Expenditure Database, April 2025 release (share of GDP); derived in sim/data/{TABLE} by "
                     f"scripts/derive_world_data.py"))
    w("  gdp:")
    for iso in STATES:
        yrs = [y for y in YEARS if (iso, y) in by and (iso not in hit or y <= TRAIN_END)]
        fills = [f"{y} {_fill_tag(by[(iso, y)]['source'], 'gdp').replace('FILLED ', '')}"
                 for y in yrs if _fill_tag(by[(iso, y)]["source"], "gdp")]
        if fills:
            w(f"    # {iso} filled: " + _compress(fills))   # runs of years with the same rule
        items = [f"{y}: {by[(iso, y)]['gdp_ppp_bn']:.1f}" for y in yrs]
        chunks = [", ".join(items[i:i + 9]) for i in range(0, len(items), 9)]
        pad = " " * (len(iso) + 7)
        w(f"    {iso}: {{" + (",\n" + pad).join(chunks) + "}")
    w(f"  # Rule T1: annual growth of real GDP after {TRAIN_END} = compound growth {TREND_WINDOW[0]}-{TREND_WINDOW[1]} of the")
    w("  # series above (WDI NY.GDP.MKTP.PP.KD); the model continues each path from its last year at this rate.")
    w("  trend_growth:")
    for iso in hit:
        w(f"    {iso}: {by[(iso, TRAIN_END)]['trend']:.5f}")
    w("  # The US military effort is exogenous in the model (M1): SIPRI share of GDP, %, April 2025 release.")
    w("  burden:")
    items = [f"{y}: {by[('USA', y)]['burden_pct']:.2f}" for y in YEARS]
    chunks = [", ".join(items[i:i + 9]) for i in range(0, len(items), 9)]
    w("    USA: {" + (",\n" + " " * 10).join(chunks) + "}")
    return "\n".join(L) + "\n"


def _yaml_str_line(key: str, val: str) -> str:
    return f"  {key}: {_yaml_str(val)}"


def _compress(fills: list[str]) -> str:
    """'1992 G3 (nearest year 1997)', '1993 G3 (nearest year 1997)' ... -> '1992-1996 G3 (nearest year 1997)'."""
    out, run = [], []
    for f in fills:
        y, rule = f.split(" ", 1)
        if run and run[-1][1] == rule and int(y) == int(run[-1][0]) + 1:
            run.append((y, rule))
        else:
            if run:
                out.append(run)
            run = [(y, rule)]
    if run:
        out.append(run)
    return "; ".join(f"{r[0][0]}-{r[-1][0]} {r[0][1]}" if len(r) > 1 else f"{r[0][0]} {r[0][1]}" for r in out)


ALLIANCES_YAML = """
# Alliances and institutions at 1992Q1. `voice` is the say an institution gives a non-member partner that
# joins it (Steinel 2007, §2.2.3: voice in exchange for consent, after Grieco; Chamberlain 2013: a seat at the table, no
# veto, ch. III, “The Bush Years”, and forums that 'gave Russia no real say', ch. III, “IR Theory and the Clinton Years”, “IR Theory and the Bush Administration”). The voice values
# and open_door propensities are data-like judgements, to be stress-tested like parameters.
alliances:
  - id: NATO
    name: North Atlantic Treaty Organization
    kind: alliance
    leader: USA
    members: [USA, CAN, GBR, FRA, DEU, ITA, ESP, PRT, BEL, NLD, LUX, DNK, NOR, ISL, GRC, TUR]
    rule: consensus
    open_door: 0.5          # judgement (free mode, M8): Article 10 open door, no candidates yet in 1992
    voice: 0.0              # an alliance gives non-members no say
    requires_consent: false
    source: "members and dates: NATO, member countries and dates of accession; 16 members in 1992"

  - id: CSTO
    name: Collective Security Treaty (CIS; the CSTO from 2002)
    kind: alliance
    leader: RUS
    # Signed in Tashkent on 15 May 1992 (1992Q2) by Russia, Armenia, Kazakhstan, Kyrgyzstan, Tajikistan and
    # Uzbekistan (the last three are outside this model); in force 20 Apr 1994. Listed from the start: the
    # CIS joint forces already bound the signatories. Later, for the timeline author: Azerbaijan
    # (24 Sep 1993), Georgia (9 Dec 1993) and Belarus (31 Dec 1993) joined; Azerbaijan and Georgia left
    # when the treaty was renewed in 1999 (Chamberlain 2013, ch. IV, “Russian Attempts at Countering U.S. Influence”).
    members: [RUS, ARM, KAZ]
    rule: consensus
    open_door: 0.5          # judgement; the treaty was open to CIS states
    voice: 0.0
    requires_consent: false
    source: "Collective Security Treaty, Tashkent 15 May 1992 (in force 20 Apr 1994); Chamberlain 2013, ch. IV, “Russian Attempts at Countering U.S. Influence”"

  - id: EU
    name: European Community / European Union (EU from 1 Nov 1993)
    kind: union
    # The twelve EC members at 1992Q1 (Maastricht Treaty signed 7 Feb 1992).
    members: [BEL, DNK, FRA, DEU, GRC, IRL, ITA, LUX, NLD, PRT, ESP, GBR]
    rule: consensus         # enlargement needs unanimity
    open_door: 0.5          # judgement
    voice: 0.0
    requires_consent: false
    source: "EC membership 1992 (Treaty of Rome members + 1973, 1981, 1986 enlargements)"

  - id: OSCE
    name: Conference / Organization for Security and Co-operation in Europe (CSCE; OSCE from 1995)
    kind: institution
    # All states of the model that exist at 1992Q1, as the brief asks (an inclusive pan-European body).
    # Exact dates, for the timeline author: the post-Soviet states were admitted 30 Jan 1992 (Georgia
    # 24 Mar 1992), Croatia and Slovenia 24 Mar 1992, Bosnia 30 Apr 1992, North Macedonia only
    # 12 Oct 1995; FR Yugoslavia was suspended 7 Jul 1992 - 10 Nov 2000; the Czech Republic and Slovakia
    # joined 1 Jan 1993, Montenegro 22 Jun 2006; Kosovo is not a participating state.
    members: [USA, CAN, GBR, FRA, DEU, ITA, ESP, PRT, BEL, NLD, LUX, DNK, NOR, ISL, GRC, TUR,
              POL, HUN, BGR, EST, LVA, LTU, ROU, SVN, ALB, HRV, MKD, FIN, SWE,
              RUS, UKR, BLR, MDA, GEO, ARM, AZE, KAZ, SRB, BIH, CSK, AUT, IRL, CHE]
    rule: consensus
    open_door: 0.5
    # Voice 0.15 for Russia as a member: an inclusive institution in which Russia is an equal
    # participant, but which decides little on hard security. Ratti 2009, p. 400 (Moscow 'championed the emergence
    # of a new European security structure'); Steinel 2007 (institutionalism, §2.1.2: institutions ease the
    # security dilemma, but states 'eschew institutions' in high politics). Judgement.
    voice: 0.15
    requires_consent: false
    source: "CSCE participating states 1992 (Helsinki Document 1992); voice: Ratti 2009, p. 400; Steinel 2007, §2.1.2 (judgement)"

  - id: PFP
    name: Partnership for Peace
    kind: institution
    members: []             # launched Jan 1994 (a scripted partnership_offer); Russia joined 22 Jun 1994
    rule: consensus
    open_door: 0.5
    # Voice 0.05: a partner takes part in exercises and consultations but has no say in NATO's
    # decisions; Moscow insisted it was not 'a country on a par with other nonmembers' (Ratti 2009, p. 400).
    # Chamberlain 2013 puts PfP's effect on trust at about zero (ch. III, “IR Theory and the Bush Administration”). Judgement.
    voice: 0.05
    requires_consent: false
    source: "NATO Brussels summit declaration, 10-11 Jan 1994; voice: Chamberlain 2013, ch. III, “IR Theory and the Bush Administration”; Ratti 2009, p. 400 (judgement)"

  - id: PJC
    name: NATO-Russia Permanent Joint Council (Founding Act)
    kind: institution
    members: []             # Founding Act signed 27 May 1997 (a scripted institution_offer)
    rule: consensus
    open_door: 0.5
    # Voice 0.2 with consent: the PJC was 'established in exchange for Russian consent to the [first]
    # round of enlargement' (Steinel 2007, §2.2.3); consultation 'at 16+1', no veto over NATO decisions, and
    # bypassed over Kosovo in 1999 (Chamberlain 2013, ch. III, “The Clinton Years”, “Kosovo”). Judgement.
    voice: 0.2
    requires_consent: true
    source: "NATO-Russia Founding Act, Paris 27 May 1997; Steinel 2007, §2.2.3; Chamberlain 2013, ch. III, “The Clinton Years”"

  - id: NRC
    name: NATO-Russia Council
    kind: institution
    members: []             # Rome declaration 28 May 2002 (a scripted institution_offer)
    rule: consensus
    open_door: 0.5
    # Voice 0.3 without consent: Russia sits 'at 20' as an equal on agreed topics, 'a seat at the table',
    # no veto (Chamberlain 2013, ch. III, “The Bush Years”). Steinel 2007 (§2.2.3) ties the NRC too to the second enlargement round;
    # the brief keeps requires_consent false (acceptance followed 9/11 cooperation, not a bargain over
    # the round): a choice to stress-test. Judgement.
    voice: 0.3
    requires_consent: false
    source: "NATO-Russia Council, Rome declaration 28 May 2002; Chamberlain 2013, ch. III, “The Bush Years”; Steinel 2007, §2.2.3"
"""

FORCES_YAML = """
# Russian forces abroad in the starting world. docs/theory.md §9: the Abkhaz and Transnistrian wars of 1992-93
# and the Russian forces they left behind are part of the world in 1992, not events the model must
# produce. One record per host (the format keys forces by `by` and `in`).
# Not modelled here (for the timeline author if wanted): ex-Soviet troops still in the Baltics
# (Lithuania until Aug 1993, Estonia and Latvia until Aug 1994; Skrunda radar until 1998), Poland (until
# Sep 1993), Germany (until Aug 1994) and Azerbaijan (until 1993); Russian installations in Belarus and
# Kazakhstan (Baikonur lease 1994).
forces_abroad:
  - by: RUS
    in: MDA
    region: Transnistria
    since: 1992Q3
    source: "ex-Soviet 14th Army (under Russian jurisdiction from Apr 1992); peacekeepers under the Moldovan-Russian ceasefire agreement of 21 Jul 1992"
  - by: RUS
    in: GEO
    region: "South Ossetia and Abkhazia; ex-Soviet bases (Vaziani, Akhalkalaki, Batumi, Gudauta)"
    since: 1992Q3
    source: "Sochi (Dagomys) agreement 24 Jun 1992, joint peacekeeping force in South Ossetia from 14 Jul 1992; Abkhaz war Aug 1992-Sep 1993, CIS (Russian) peacekeepers from Jun 1994 (Moscow agreement 14 May 1994)"
  - by: RUS
    in: ARM
    region: "Gyumri (ex-Soviet garrison, later the 102nd military base)"
    since: 1992Q1
    source: "ex-Soviet 127th Motor Rifle Division stayed under Russian command; basing treaty 16 Mar 1995"
  - by: RUS
    in: UKR
    region: "Crimea (Black Sea Fleet, Sevastopol)"
    since: 1992Q1
    source: "ex-Soviet Black Sea Fleet; Yalta/Dagomys agreements 1992; partition and basing agreements 28 May 1997"
"""


def main(argv=None) -> int:
    global TREND_WINDOW
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", nargs="?", default=os.environ.get("SPIRAL_REFERENCE_DATA"),
                    help="folder with the reference files named above (default: $SPIRAL_REFERENCE_DATA)")
    ap.add_argument("--out", default=str(REPO / "sim" / "data"), help="folder for the tables (default sim/data)")
    ap.add_argument("--trend-window", nargs=2, type=int, default=list(TREND_WINDOW), metavar=("FROM", "TO"),
                    help=f"rule T1's window (default {TREND_WINDOW[0]} {TREND_WINDOW[1]}; TO at most {TRAIN_END})")
    ap.add_argument("--yaml", nargs="?", const=str(REPO / "scenarios" / "world" / "europe.yaml"),
                    default=None, help="also write the world YAML (default scenarios/world/europe.yaml)")
    args = ap.parse_args(argv)
    if not args.data_dir:
        ap.error("give DATA_DIR, the folder with the reference data (or set SPIRAL_REFERENCE_DATA)")
    window = TREND_WINDOW = tuple(args.trend_window)  # the texts written with the tables name the window used
    if not window[0] < window[1] <= TRAIN_END:
        ap.error(f"--trend-window FROM TO needs FROM < TO <= {TRAIN_END} (pre-2014 data only)")
    rows, cinc_rows, held = derive(Path(args.data_dir), window)
    for path in write_tables(rows, cinc_rows, held, Path(args.out)):
        print(f"wrote {path}")
    print(summary(rows, cinc_rows))
    if args.yaml:
        Path(args.yaml).parent.mkdir(parents=True, exist_ok=True)
        Path(args.yaml).write_text(render_world(rows), encoding="utf-8")
        print(f"wrote {args.yaml}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
